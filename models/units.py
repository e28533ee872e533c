"""Display units: the units a neuroscientist reads (mV, ms, µA/cm², mS/cm², µF/cm²).

Brian2 stores SI values; these helpers choose readable units for declarations,
provenance strings and tables, and format quantities so that
:func:`hhlif.models.parsing.parse_quantity` reads them back.
"""

from __future__ import annotations

import math

import numpy as np
from brian2 import (Hz, Quantity, amp, cm, coulomb, farad, get_dimensions, get_unit, joule, kelvin,
                    kilogram, meter, mole, mS, ms, mV, nA, ohm, pascal, second, siemens, uA, uF,
                    volt, watt)
from brian2.units.allunits import henry, newton, tesla, weber
from brian2.units.fundamentalunits import DIMENSIONLESS, Dimension

__all__ = ["in_units", "repeat_each", "display_unit", "declaration_unit", "format_quantity", "format_each", "format_settings",
           "uniform_value",
           "format_dimensions", "describe_dimensions", "format_value"]

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
    text, unit = _spell(dims)
    return unit, text, repr(get_unit(dims))


#: (display unit, kind) for the dimensions hhlif messages name; every other dimension is
#: shown by :func:`format_dimensions` alone.
_KINDS = [
    (volt, "a voltage"),
    (second, "a time"),
    (amp / meter**2, "a current density"),
    (siemens / meter**2, "a conductance density"),
    (farad / meter**2, "a capacitance density"),
    (Hz, "a frequency"),
    (amp, "a current"),
]

#: Named units tried (alone, then per cm² or times cm²) before ratios and products of the
#: display units, then the rarer named units; otherwise a dimension is spelled out in SI
#: base units.
_NAMED = [("volt", volt), ("amp", amp), ("second", second), ("siemens", siemens),
          ("farad", farad), ("ohm", ohm), ("coulomb", coulomb), ("hertz", Hz),
          ("meter", meter), ("kilogram", kilogram), ("mole", mole), ("kelvin", kelvin)]
_RARE = [("joule", joule), ("watt", watt), ("newton", newton), ("henry", henry),
         ("tesla", tesla), ("weber", weber), ("pascal", pascal)]
_BASE = (("meter", "m"), ("kilogram", "kg"), ("second", "s"), ("amp", "A"),
         ("kelvin", "K"), ("mole", "mol"), ("candela", "cd"))


def _dims(value):
    """Brian2 dimensions of a quantity, a unit or a Dimension object (plain numbers:
    dimensionless)."""
    if isinstance(value, Dimension):
        return value
    try:
        return get_dimensions(value)
    except (TypeError, ValueError):
        return DIMENSIONLESS


def _spell(dims):
    """(text, unit) for non-dimensionless ``dims``: the unit expression and its value."""
    for base, unit, text, _ in _PREFERRED:
        if get_dimensions(base) == dims:
            return text, unit
    for text, unit in _NAMED:
        if get_dimensions(unit) == dims:
            return text, unit
    for text, unit in _NAMED:
        if get_dimensions(unit / meter**2) == dims:
            return f"{text}/cm**2", unit / cm**2
        if get_dimensions(unit * meter**2) == dims:
            return f"{text}*cm**2", unit * cm**2
    for _, a, a_text, _ in _PREFERRED:
        for _, b, b_text, _ in _PREFERRED:
            if a_text != b_text and get_dimensions(a / b) == dims:
                return (f"{a_text}/({b_text})" if "/" in b_text else f"{a_text}/{b_text}"), a / b
            if a_text < b_text and get_dimensions(a * b) == dims:
                return f"{a_text}*{b_text}", a * b
    for text, unit in _RARE:
        if get_dimensions(unit) == dims:
            return text, unit
    up, down = [], []
    for name, symbol in _BASE:
        power = float(dims.get_dimension(symbol))
        if power == 0:
            continue
        p = abs(int(power)) if power == int(power) else abs(power)
        (up if power > 0 else down).append(name if p == 1 else f"{name}**{p}")
    num = "*".join(up) or "1"
    text = num if not down else f"{num}/{down[0] if len(down) == 1 else '(' + '*'.join(down) + ')'}"
    return text, Quantity(1.0, dim=dims)


def format_dimensions(dim) -> str:
    """The unit in which a user writes a quantity of dimensions ``dim``.

    Parameters
    ----------
    dim : brian2 Dimension, Quantity or Unit
        The dimensions (a quantity stands for its dimensions).

    Returns
    -------
    str
        A unit expression that :func:`hhlif.models.parsing.parse_value` reads:
        ``'mV'``, ``'ms'``, ``'uA/cm**2'``, ``'mS/cm**2'``, ``'uF/cm**2'``, ``'Hz'``, ``'nA'``
        for the dimensions of the models; then a named unit (``'ohm'``), a unit per or
        times area (``'ohm*cm**2'``), a ratio or product of display units (``'mV/ms'``),
        a rarer named unit (``'joule'``); else the SI base units
        (``'meter**3*kilogram/second'``).  ``'1'`` when dimensionless.  Never Brian2's
        ``m^2 kg s^-3 A^-1`` form.

    Examples
    --------
    >>> from brian2 import amp, meter, mV, ms
    >>> format_dimensions((amp / meter**2).dim)
    'uA/cm**2'
    >>> format_dimensions(mV / ms)
    'mV/ms'
    """
    dims = _dims(dim)
    return "1" if dims.is_dimensionless else _spell(dims)[0]


def describe_dimensions(dim) -> str:
    """What a quantity of dimensions ``dim`` is, for messages: ``'a voltage'``,
    ``'a current density'``, ``'a time'``, ... ; ``'a plain number'`` when dimensionless;
    else ``'a quantity in <unit>'`` (:func:`format_dimensions`)."""
    dims = _dims(dim)
    if dims.is_dimensionless:
        return "a plain number"
    for base, kind in _KINDS:
        if get_dimensions(base) == dims:
            return kind
    return f"a quantity in {format_dimensions(dims)}"


def format_value(value) -> str:
    """A user's value as they would write it, for messages: quantities by
    :func:`format_quantity` (``'-40*mV'``, ``'[1*uF/cm**2, 0*uF/cm**2]'``), strings and
    other objects by ``repr``."""
    if isinstance(value, str):
        return repr(value)
    try:
        if isinstance(value, (list, tuple)):
            value = Quantity(value)
        if isinstance(value, Quantity) or isinstance(value, (int, float, np.number, np.ndarray)):
            if not isinstance(value, bool):
                return format_quantity(value)
    except Exception:  # noqa: BLE001 - anything unusual is shown by repr
        pass
    return repr(value)


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
    :func:`hhlif.models.parsing.parse_value` reads back; longer arrays give
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


def format_settings(settings) -> dict:
    """A settings mapping with its quantities as text (``'10*uA/cm**2'``), for JSON and
    provenance; other values unchanged."""
    return {k: (format_quantity(v) if isinstance(v, Quantity) else v)
            for k, v in dict(settings).items()}


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


def in_units(value, unit) -> float:
    """A scalar quantity as a plain number in ``unit``, to 15 significant digits.

    The numbers of JSON records (settings, descriptions, cache keys): ``0.1*ms`` in ms is
    0.1, not 0.09999999999999999.

    Examples
    --------
    >>> from brian2 import ms, second
    >>> in_units(0.1 * ms, ms), in_units(250 * ms, second)
    (0.1, 0.25)
    """
    return float(f"{float(value / unit):.15g}")


def repeat_each(values, k: int) -> Quantity:
    """Each value repeated ``k`` times, in its units (per-copy values to per-neuron ones).

    Examples
    --------
    >>> from brian2 import ms
    >>> repeat_each([1, 2] * ms, 2)
    array([1., 1., 2., 2.]) * msecond
    """
    return Quantity(np.repeat(np.asarray(values, dtype=float), int(k)),
                    dim=get_dimensions(values))

