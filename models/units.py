"""Display units: the units a neuroscientist reads (mV, ms, µA/cm², mS/cm², µF/cm²).

Brian2 stores SI values; these helpers choose readable units for declarations,
provenance strings and tables, and format quantities so that
:func:`hhlif.protocols.units.parse_quantity` reads them back.
"""

from __future__ import annotations

import math

import numpy as np
from brian2 import (Hz, Quantity, amp, cm, farad, get_dimensions, get_unit, meter, mS, ms,
                    mV, nA, second, siemens, uA, uF, volt)

__all__ = ["display_unit", "declaration_unit", "format_quantity", "format_each", "uniform_value"]

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


#: Arrays longer than this are described by a summary with a content hash (formatting a
#: million per-neuron values would cost seconds in every provenance record).
MAX_LISTED = 1000


def _format_number(x: float) -> str:
    x = float(f"{x:.12g}")  # strip float noise from unit conversion
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        x = int(x)
    return repr(x)


def format_quantity(value) -> str:
    """``'10*uA/cm**2'``-style string of a scalar quantity.

    Arrays of up to :data:`MAX_LISTED` values give a bracketed list that
    :func:`hhlif.protocols.units.parse_value` reads back; longer arrays give
    ``'array(100000 values in uA/cm**2, min 6, max 20, sha256 3f2a...)'``, which still
    differs for different contents (it is used in build keys and provenance).
    """
    unit, text, _ = _lookup(value)
    number = np.asarray(value if unit is None else value / unit, dtype=float)
    suffix = "" if unit is None else f"*{text}"
    if number.ndim:
        flat = number.ravel()
        if flat.size > MAX_LISTED:
            import hashlib

            digest = hashlib.sha256(np.ascontiguousarray(number).tobytes()).hexdigest()[:16]
            shape = "x".join(str(k) for k in number.shape)
            return (f"array({shape} values in {text}, min {_format_number(np.nanmin(flat))},"
                    f" max {_format_number(np.nanmax(flat))}, sha256 {digest})")
        return "[" + ", ".join(format_each(value)) + "]"
    return _format_number(float(number)) + suffix


def format_each(values) -> list[str]:
    """``[format_quantity(v) for v in values]``, computed on the array at once (fast)."""
    unit, text, _ = _lookup(values)
    number = np.asarray(values if unit is None else values / unit, dtype=float).ravel()
    suffix = "" if unit is None else f"*{text}"
    return [_format_number(v) + suffix for v in number.tolist()]


def uniform_value(value):
    """The one value of a scalar, or of an array whose entries are all equal, as a scalar
    (a Quantity with ``value``'s dimensions); None when the entries differ or are empty.

    Used to decide which values are compiled as ``(shared, constant)`` scalars.
    """
    flat = np.asarray(value, dtype=float).ravel()
    if flat.size == 0 or np.any(flat != flat[0]):
        return None
    return Quantity(flat[0], dim=get_dimensions(value))
