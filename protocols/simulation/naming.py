"""Brian2 object names that depend on the build alone, not on what ran before.

Brian2 names an object created without an explicit name (``NeuronGroup``'s clock
``neurons_clock*``, a ``TimedArray`` ``timedarray*``, a ``PoissonInput``'s binomial
function ``poissoninput_binomial*``, code objects) by the first name that no *live* Brian2
object holds.  Objects of an earlier simulation in the same process stay alive in Brian2's
caches, so the second identical simulation of a process names its clock
``neurons_clock_1``, the third ``neurons_clock_2``: the generated code differs from build
to build, and every build is compiled anew (C++ standalone: about 5 s; Cython: every code
object).  :func:`build_local_names` makes those names unique among the objects created
inside the block only, so the same protocol generates the same code in every build of
every process and compiled code is reused.

Objects of one network are still named uniquely (they are all created inside the block),
and Brian2 checks the names of a network's objects before it runs, so a clash could only
raise an error, never mix two objects.
"""

from __future__ import annotations

import contextlib
import weakref

__all__ = ["build_local_names"]


@contextlib.contextmanager
def build_local_names():
    """Within the block, Brian2's wildcard names (``name*``) skip only the names of objects
    created within the block.

    Examples
    --------
    >>> from brian2 import Clock, ms
    >>> old = Clock(dt=0.1 * ms)
    >>> Clock(dt=0.1 * ms).name == old.name    # Brian2: a new name next to a live clock
    False
    >>> with build_local_names():
    ...     Clock(dt=0.1 * ms).name == old.name
    True
    """
    from brian2.core import names
    from brian2.devices import device as device_module

    original = names.find_name

    def live():
        # a copy first, as Brian2 does: an object collected meanwhile changes the set
        return [o for o in (r() for r in list(names.Nameable.__instances__()))
                if o is not None]

    before = weakref.WeakSet(live())

    def local_find_name(name, taken=None):
        if taken is None:
            taken = {o.name for o in live() if o not in before and hasattr(o, "name")}
        return original(name, taken)

    names.find_name = local_find_name
    device_module.find_name = local_find_name
    try:
        yield
    finally:
        names.find_name = original
        device_module.find_name = original
