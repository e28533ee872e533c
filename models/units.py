"""Display units: the units a neuroscientist reads (mV, ms, µA/cm², mS/cm², µF/cm²).

Brian2 stores SI values; these helpers choose readable units for declarations,
provenance strings and tables, and format quantities so that
:func:`hhlif.protocols.units.parse_quantity` reads them back.
"""

from __future__ import annotations

import math

import numpy as np
from brian2 import (Hz, amp, cm, farad, get_dimensions, get_unit, meter, mS, ms, mV, nA,
                    second, siemens, uA, uF, volt)

__all__ = ["display_unit", "declaration_unit", "format_quantity"]

# dimensions -> (display unit, display string, declaration string)
_PREFERRED = [
    (volt, mV, "mV", "volt"),
    (second, ms, "ms", "second"),
    (amp / meter**2, uA / cm**2, "uA/cm**2", "amp/meter**2"),
    (siemens / meter**2, mS / cm**2, "mS/cm**2", "siemens/meter**2"),
    (farad / meter**2, uF / cm**2, "uF/cm**2", "farad/meter**2"),
    (Hz, Hz, "Hz", "hertz"),
    (amp, nA, "nA", "amp"),
]


def _lookup(value):
    dims = get_dimensions(value)
    for base, unit, text, decl in _PREFERRED:
        if get_dimensions(base) == dims:
            return unit, text, decl
    if dims.is_dimensionless:
        return None, "1", "1"
    unit = get_unit(dims)
    return unit, repr(unit), repr(unit)


def display_unit(value):
    """(unit, string) in which to show ``value``."""
    unit, text, _ = _lookup(value)
    return unit, text


def declaration_unit(value) -> str:
    """Unit string for a Brian2 equation declaration of a variable like ``value``."""
    return _lookup(value)[2]


def format_quantity(value) -> str:
    """``'10*uA/cm**2'``-style string of a scalar quantity (arrays: a bracketed list)."""
    unit, text, _ = _lookup(value)
    number = np.asarray(value if unit is None else value / unit, dtype=float)
    if number.ndim:
        return "[" + ", ".join(format_quantity(v * (unit if unit is not None else 1))
                               for v in number.ravel()) + "]"
    x = float(number)
    x = float(f"{x:.12g}")  # strip float noise from unit conversion
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        x = int(x)
    return repr(x) if unit is None else f"{x!r}*{text}"
