"""Helpers shared by every analysis module (and usable by :mod:`hhlif.protocols`): one copy each.

Contents
--------
as_time, time_array
    One time, or an array of times, as plain floats in a chosen unit: a ``quantities``
    value is rescaled (a non-time unit is an error naming the argument), a plain number is
    read in ``bare_unit`` (or refused when ``bare_unit=None``).
check_time
    One positive, finite time quantity (returned in s), for parameters such as
    ``bin_size`` that must carry their unit.
check_choice
    A name among the valid ones, or an error that lists them.
jsonify
    A JSON-ready copy of a result value (quantities -> magnitudes, NumPy -> Python,
    NaN and infinities -> ``None`` or their names).
format_table, format_rows
    Plain-text tables: two aligned columns under a title (``hhlif analyze``), or a list of
    dicts as columns (plain text or Markdown).

Like Elephant's ``elephant/utils.py``, this module holds the validators and converters that
several families need, so that each family module keeps only its own science.

Examples
--------
>>> import quantities as pq
>>> as_time(2 * pq.ms, "bin_size")
0.002
>>> jsonify({"rate": float("nan"), "n": np.int64(3)})
{'rate': None, 'n': 3}
>>> print(format_rows([{"model": "hh", "rate": 12.5}, {"model": "lif", "rate": 9.25}]))
model  rate
-----  ----
hh     12.5
lif    9.25
"""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import quantities as pq

from .errors import AnalysisInputError

__all__ = ["equipopulated_levels", "as_time", "time_array", "check_time", "check_choice", "jsonify", "format_table",
           "format_rows"]


# ---------------------------------------------------------------------------- times
def _unit_name(unit: pq.Quantity) -> str:
    return unit.dimensionality.string


def _quantity_text(value: Any) -> str:
    """``2.0 ms`` for a quantity (its repr spans lines for arrays), ``repr`` otherwise."""
    if isinstance(value, pq.Quantity):
        return f"{np.asarray(value.magnitude).tolist()} {value.dimensionality}"
    return repr(value)


def as_time(value: Any, name: str, unit: pq.Quantity = pq.s, *,
            bare_unit: pq.Quantity | None = pq.s, positive: bool = False) -> float:
    """One time as a float in ``unit``.

    Parameters
    ----------
    value : pq.Quantity or float
        A time quantity (rescaled to ``unit``) or a plain number (read in ``bare_unit``).
    name : str
        Name of the argument, for the error message.
    unit : pq.Quantity
        Unit of the returned number (default s).
    bare_unit : pq.Quantity or None
        Unit of a plain number (default s); ``None`` refuses plain numbers.
    positive : bool
        Require a positive, finite duration.

    Returns
    -------
    float

    Raises
    ------
    AnalysisInputError
        Not one time, a unit that is not a time, a plain number where ``bare_unit`` is
        None, or (``positive``) a duration that is not positive and finite.

    Examples
    --------
    >>> as_time(0.5, "t_stop")
    0.5
    >>> as_time(1500 * pq.us, "delta", pq.ms)
    1.5
    """
    if isinstance(value, pq.Quantity):
        if value.size != 1:
            raise AnalysisInputError(f"{name}={_quantity_text(value)}: expected one time, "
                                     "not an array")
        try:
            out = float(value.rescale(unit).magnitude)
        except ValueError as err:
            raise AnalysisInputError(f"{name}={value!r}: expected a time quantity (e.g. "
                                     f"2*pq.ms), got units {value.dimensionality}") from err
    elif bare_unit is None:
        raise AnalysisInputError(f"{name}={value!r}: expected a time quantity, e.g. 2 * pq.ms")
    else:
        try:
            out = float(value)
        except (TypeError, ValueError) as err:
            raise AnalysisInputError(f"{name}={value!r}: expected a time quantity or a number "
                                     f"in {_unit_name(bare_unit)}") from err
        if bare_unit.dimensionality != unit.dimensionality:
            out *= _factor(bare_unit.dimensionality, unit, name)
    if positive and not (out > 0 and math.isfinite(out)):
        raise AnalysisInputError(f"{name}={value!r}: expected a positive duration")
    return out


def _factor(dimensionality: Any, unit: pq.Quantity, name: str) -> float:
    """Number of ``unit`` in one ``dimensionality`` (the factor ``rescale`` multiplies by)."""
    try:
        return float(pq.Quantity(1.0, dimensionality).rescale(unit).magnitude)
    except ValueError as err:
        raise AnalysisInputError(f"{name}: expected time units, got {dimensionality}") from err


def time_array(values: Any, name: str = "times", unit: pq.Quantity = pq.s, *,
               bare_unit: pq.Quantity | None = pq.s) -> np.ndarray:
    """Times as a 1-D float array in ``unit``.

    A quantity is converted by one multiplication (``magnitude * factor``, what
    ``rescale`` computes, without the deep copy ``rescale`` makes of a ``neo.SpikeTrain``).
    The result is always a new array.

    Parameters
    ----------
    values : pq.Quantity or array_like
        Times; a plain array is read in ``bare_unit``.
    name : str
        Name of the argument, for the error message.
    unit : pq.Quantity
        Unit of the returned numbers (default s).
    bare_unit : pq.Quantity or None
        Unit of plain numbers (default s); ``None`` refuses them.

    Returns
    -------
    np.ndarray of float, shape (n,)

    Raises
    ------
    AnalysisInputError
        A unit that is not a time, values that are not numbers, or plain numbers where
        ``bare_unit`` is None.

    Examples
    --------
    >>> time_array([1, 2] * pq.ms).tolist()
    [0.001, 0.002]
    >>> time_array([1.5, 2.0], "spikes", pq.ms, bare_unit=pq.s).tolist()
    [1500.0, 2000.0]
    """
    if isinstance(values, pq.Quantity):
        factor = _factor(values.dimensionality, unit, name)
        out = np.array(values.magnitude, dtype=float).reshape(-1)
    elif bare_unit is None:
        raise AnalysisInputError(f"{name}: expected a time quantity, e.g. [1, 2] * pq.ms")
    else:
        try:
            out = np.array(values, dtype=float).reshape(-1)
        except (TypeError, ValueError) as err:
            raise AnalysisInputError(f"{name}={values!r}: expected spike times (a SpikeTrain, "
                                     "a quantities array or an array of numbers)") from err
        factor = (1.0 if bare_unit.dimensionality == unit.dimensionality
                  else _factor(bare_unit.dimensionality, unit, name))
    if factor != 1.0:
        out *= factor
    return out


def check_time(value: Any, name: str, shown: str | None = None) -> pq.Quantity:
    """One positive, finite time quantity, returned in s (checked before any work is done).

    Parameters
    ----------
    value : pq.Quantity
    name : str
        Name of the argument, for the error message.
    shown : str, optional
        How the message shows the value (default its magnitude and unit, ``2.0 ms``; a
        command passes the text that was typed, ``"'2*mV'"``).

    Returns
    -------
    pq.Quantity
        ``value`` rescaled to s.

    Raises
    ------
    AnalysisInputError
        A plain number, an array, a unit that is not a time, or a duration that is zero,
        negative, infinite or NaN.

    Examples
    --------
    >>> check_time(5 * pq.ms, "bin_size")
    array(0.005) * s
    """
    shown = _quantity_text(value) if shown is None else shown
    if not isinstance(value, pq.Quantity) or value.size != 1:
        raise AnalysisInputError(f"{name}={shown}: expected one time quantity, e.g. 2*pq.ms")
    try:
        out = value.rescale(pq.s)
    except ValueError:
        raise AnalysisInputError(f"{name}={shown}: expected a time such as '2*ms', got units "
                                 f"{value.dimensionality}") from None
    seconds = float(out.magnitude)
    if not (np.isfinite(seconds) and seconds > 0):
        raise AnalysisInputError(f"{name}={shown}: expected a positive, finite duration")
    return out


# ---------------------------------------------------------------------------- names
def check_choice(value: Any, valid: Iterable[str], name: str = "method") -> str:
    """``value`` if it is one of ``valid``, else an error naming the argument and listing them.

    Examples
    --------
    >>> check_choice("pt", ("plugin", "pt"))
    'pt'
    """
    valid = list(valid)
    if value not in valid:
        raise AnalysisInputError(f"{name}={value!r}: unknown; valid values: {valid}")
    return value


# ---------------------------------------------------------------------------- JSON
def jsonify(value: Any, *, non_finite: str = "null") -> Any:
    """A JSON-ready copy of a result value.

    Parameters
    ----------
    value : Any
        Dicts (keys become strings), lists and tuples (become lists), NumPy arrays and
        scalars, ``quantities`` values (their magnitudes), Python numbers, strings, None;
        anything else becomes ``str(value)``.
    non_finite : {'null', 'string'}
        What NaN and infinities become: ``None`` (JSON null; the caller states the reason
        elsewhere, e.g. in an ``undefined`` entry) or ``'nan'``, ``'inf'``, ``'-inf'``.

    Returns
    -------
    A value that :func:`json.dumps` writes with ``allow_nan=False``.

    Examples
    --------
    >>> jsonify([np.float64(1.5), np.inf, (1, 2)], non_finite="string")
    [1.5, 'inf', [1, 2]]
    >>> jsonify(np.array([1.0, 2.0]) * pq.ms)
    [1.0, 2.0]
    """
    if non_finite not in ("null", "string"):
        raise AnalysisInputError(f"non_finite={non_finite!r}: unknown; valid values: "
                                 "['null', 'string']")
    return _jsonify(value, non_finite == "string")


def _jsonify(value: Any, as_string: bool) -> Any:
    if isinstance(value, pq.Quantity):
        value = value.magnitude
    if isinstance(value, dict):
        return {str(k): _jsonify(v, as_string) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonify(v, as_string) for v in value]
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _jsonify(value.item(), as_string)
        return [_jsonify(v, as_string) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isfinite(value):
            return value
        return str(value) if as_string else None
    if isinstance(value, (str, int)) or value is None:
        return value
    return str(value)


# ---------------------------------------------------------------------------- tables
def format_table(title: str, rows: Sequence[tuple[str, str]]) -> str:
    """Aligned two-column text table under a title.

    Examples
    --------
    >>> print(format_table("t", [("a", "1"), ("bbb", "2")]))
    t
    -------
    a      1
    bbb    2
    """
    width = max((len(k) for k, _ in rows), default=0)
    lines = [title, "-" * max(len(title), width + 4)]
    lines += [f"{k.ljust(width)}    {v}" for k, v in rows]
    return "\n".join(lines)


def format_rows(rows: Sequence[dict], columns: Sequence[str] | None = None, *,
                markdown: bool = False, cell: Callable[[Any], str] = str,
                empty: str = "(no rows)") -> str:
    """A list of dicts as a table: one row per dict, one column per key.

    Parameters
    ----------
    rows : sequence of dict
    columns : sequence of str, optional
        Keys to show, in order; default the keys of the first row. A key missing from a
        row shows ``cell("")``.
    markdown : bool
        A Markdown table (``| a | b |``, then ``|---|---|``) instead of plain text
        (columns padded to their widest entry, separated by two spaces, dashes under the
        header).
    cell : callable
        Text of one value (default :class:`str`).
    empty : str
        What an empty ``rows`` gives.

    Returns
    -------
    str

    Examples
    --------
    >>> print(format_rows([{"n": 1, "ratio": 0.25}], markdown=True))
    | n | ratio |
    |---|---|
    | 1 | 0.25 |
    """
    if not rows:
        return empty
    keys = list(columns) if columns is not None else list(rows[0])
    cells = [[cell(r.get(k, "")) for k in keys] for r in rows]
    if markdown:
        lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
        lines += ["| " + " | ".join(row) + " |" for row in cells]
        return "\n".join(lines)
    widths = [max(len(k), *(len(row[i]) for row in cells)) for i, k in enumerate(keys)]
    lines = ["  ".join(k.ljust(w) for k, w in zip(keys, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def equipopulated_levels(values: Any, levels: int) -> np.ndarray:
    """Quantise ``values`` along axis 0 into ``levels`` equipopulated levels, ties kept
    together; every other axis separately.

    The edges are the quantiles ``k / levels``; a value equal to an edge goes to the level
    above it (``searchsorted(unique(edges), x, 'right')``), except in a column where that
    leaves fewer levels occupied than putting it below: with most counts 0 every edge is
    0, and "above" would put 0 and every positive count in one level (a column that says
    nothing), where "below" separates them.

    Examples
    --------
    >>> equipopulated_levels(np.array([0, 0, 0, 0, 0, 0, 1, 2]), 3).tolist()
    [0, 0, 0, 0, 0, 0, 2, 2]
    >>> equipopulated_levels(np.array([1, 2, 3, 4, 5, 6]), 3).tolist()
    [0, 0, 1, 1, 2, 2]
    """
    x = np.asarray(values, dtype=float)
    q = np.linspace(0, 1, int(levels) + 1)[1:-1]
    edges = np.quantile(x, q, axis=0)                                  # (levels-1, ...)
    above = (edges[None] <= x[:, None]).sum(axis=1)                    # ties go up
    below = (edges[None] < x[:, None]).sum(axis=1)                     # ties go down

    def occupied(d):
        return np.stack([(d == k).any(axis=0) for k in range(int(levels))]).sum(axis=0)

    return np.where(occupied(below) > occupied(above), below, above)

