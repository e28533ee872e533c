"""Plain-text tables of the ``hhlif`` command (one copy of each helper).

Contents
--------
format_table     aligned columns of a list of dicts with the same keys
summary_table    the same, long tables cut to their first and last rows (the terminal's)
condition_table  per condition of a recording: label, neurons, spikes, mean rate
cell             a number as a table cell (``-`` for None, ``nan``, 4 or 5 digits)
MAX_ROWS         the longest table printed in full
"""

from __future__ import annotations

import math

__all__ = ["format_table", "summary_table", "condition_table", "cell", "MAX_ROWS",
           "KEPT_ROWS"]

#: Tables up to this many rows are printed in full; longer ones are cut (summary_table).
MAX_ROWS = 20
#: Rows kept at each end of a cut table.
KEPT_ROWS = 5


def format_table(rows: list[dict]) -> str:
    """Plain-text table of a list of dicts (same keys): a header, dashes, one line a row.

    Examples
    --------
    >>> print(format_table([{"a": 1, "bb": "x"}, {"a": 22, "bb": "y"}]))  # doctest: +NORMALIZE_WHITESPACE
    a   bb
    --  --
    1   x
    22  y
    """
    from hhlif.analysis.utils import format_rows

    return format_rows(rows, empty="(empty)")


def summary_table(rows: list[dict], json_path=None, max_rows: int = MAX_ROWS,
                  kept: int = KEPT_ROWS) -> str:
    """:func:`format_table` for the terminal: above ``max_rows`` rows, the first and last
    ``kept`` rows around a line ``... N rows omitted (all in --json)`` (the file's name
    when ``json_path`` is given: the full table is there).

    Examples
    --------
    >>> rows = [{"i": i} for i in range(30)]
    >>> print(summary_table(rows, kept=2))  # doctest: +NORMALIZE_WHITESPACE
    i
    --
    0
    1
    ... 26 rows omitted (all in --json)
    28
    29
    """
    if len(rows) <= max_rows:
        return format_table(rows)
    shown = list(rows[:kept]) + list(rows[-kept:])
    lines = format_table(shown).split("\n")
    where = json_path if json_path else "--json"
    cut = f"... {len(rows) - 2 * kept} rows omitted (all in {where})"
    return "\n".join(lines[:2 + kept] + [cut] + lines[2 + kept:])


def condition_table(recording) -> list[dict]:
    """Per condition: label, neurons, spikes and mean rate (Hz) of the main population."""
    import numpy as np

    pop = recording.main
    counts = pop.spike_counts()
    seconds = (recording.t_stop - recording.t_start) / 1000.0
    rows = []
    for c in np.unique(pop.condition):
        members = pop.condition == c
        rows.append({"condition": int(c), "label": recording.condition_labels.get(int(c), ""),
                     "neurons": int(members.sum()), "spikes": int(counts[members].sum()),
                     "rate_hz": round(float(counts[members].mean() / seconds), 4)})
    return rows


def cell(value, digits: int = 4):
    """A table cell: a float with ``digits`` significant digits (NaN as ``nan``), ``-`` for
    None, anything else as it is."""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.{digits}g}"
    return "-" if value is None else value
