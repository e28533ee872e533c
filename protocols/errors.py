"""Errors raised while running simulations (each subclasses a built-in exception type).

Defined here: what can go wrong in a run (:class:`DivergenceError`,
:class:`BackendUnavailableError`, :class:`IncompleteRunError`, :class:`RunInterrupted`,
:class:`ProtocolScriptError`).  Re-exported, so that one import serves a protocol script:
the parameter errors of :mod:`hhlif.models.errors` and the file errors of
:mod:`hhlif.analysis.errors` (an existing output, an unsafe file).
"""

import typing as _typing

from hhlif.models.errors import HhlifWarning, ParameterError, ParameterUnitError, UnknownNameError

if _typing.TYPE_CHECKING:
    from hhlif.analysis.errors import OutputExistsError, UnsafeFileError

__all__ = ["DivergenceError", "BackendUnavailableError", "ProtocolScriptError",
           "IncompleteRunError", "RunInterrupted", "ParameterError", "ParameterUnitError",
           "UnknownNameError", "HhlifWarning", "OutputExistsError", "UnsafeFileError",
           "checked_option"]


class DivergenceError(FloatingPointError):
    """The integration produced NaN/inf: the time step is too large for the dynamics."""


class BackendUnavailableError(RuntimeError):
    """A backend cannot run here (missing compiler, brian2cuda or nvcc)."""


class ProtocolScriptError(ValueError):
    """A protocol script failed to import or defines no usable protocol."""


class IncompleteRunError(RuntimeError):
    """A simulation stopped before the protocol's duration: its results are not saved, cached
    or analysed."""


class RunInterrupted(KeyboardInterrupt):
    """The user interrupted a run (SIGINT): nothing was written or cached; the CLI exits 130."""


def checked_option(option: str, value, check):
    """Run ``check()`` (an output or folder check); its error names ``option``.

    An existing output stays :class:`OutputExistsError`; any other refusal (a file where a
    folder should be, a folder that cannot be written) becomes one ParameterError line.
    """
    from hhlif.analysis.errors import OutputExistsError

    try:
        return check()
    except OutputExistsError as exc:
        raise OutputExistsError(f"{option}={str(value)!r}: {exc}") from None
    except (OSError, ValueError) as exc:
        raise ParameterError(f"{option}={str(value)!r}: {exc}") from None


def __getattr__(name):
    # the file errors of the analysis layer, imported when first used: importing
    # hhlif.analysis loads Neo and Elephant, which the ``hhlif`` command's start does not need
    if name in ("OutputExistsError", "UnsafeFileError"):
        from hhlif.analysis import errors

        value = getattr(errors, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"OutputExistsError", "UnsafeFileError"})
