"""Package attributes loaded on first use (PEP 562), for the packages whose import must stay light.

Contents
--------
lazy_exports
    The module-level ``__getattr__`` and ``__dir__`` of a package whose public names live in
    submodules that import Brian2 or the analysis layer: ``hhlif.models``,
    ``hhlif.protocols`` and ``hhlif.protocols.simulation`` use it, so that
    ``import hhlif.models.errors`` and the ``hhlif`` command's start load neither.
"""
from __future__ import annotations

import importlib
import sys
from typing import Callable, Mapping, Sequence

__all__ = ["lazy_exports"]


def lazy_exports(package: str, table: Mapping[str, tuple[str, str | None]],
                 submodules: Sequence[str] = (), *,
                 loaded: Callable[[str], None] | None = None,
                 missing: Callable[[str], object] | None = None):
    """``(__getattr__, __dir__)`` for ``package``, resolving the names of ``table`` on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    table : mapping
        Public name -> ``(module, attribute)``; ``module`` is absolute (``"hhlif.…"``) or
        relative to ``package``; ``attribute`` None means the module itself.  A resolved
        name is stored in the package, so each is imported once.
    submodules : sequence of str
        Submodules that were attributes of the package when it imported them eagerly.
    loaded : callable, optional
        Called with a table entry's module name after that module is imported (e.g. to
        import what registers itself beside it).
    missing : callable, optional
        Called with any other name; it returns the attribute or raises AttributeError
        (e.g. a deprecated location that is forwarded with a warning).

    Returns
    -------
    (__getattr__, __dir__)
        To assign at the package's module level.
    """

    def __getattr__(name):
        if name in table:
            module, attribute = table[name]
            full = module if module.startswith("hhlif.") else f"{package}.{module}"
            value = importlib.import_module(full)
            if loaded is not None:
                loaded(module)
            if attribute is not None:
                value = getattr(value, attribute)
            setattr(sys.modules[package], name, value)
            return value
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        if missing is not None:
            return missing(name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        namespace = vars(sys.modules[package])
        public = {n for n in namespace if n.startswith("__") or not n.startswith("_")}
        return sorted(public | set(namespace.get("__all__", ())) | set(table) | set(submodules))

    return __getattr__, __dir__
