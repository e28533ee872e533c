"""Plain-text tables of the ``hhlif`` command (one copy of each helper).

Contents
--------
format_table     aligned columns of a list of dicts with the same keys
condition_table  per condition of a recording: label, neurons, spikes, mean rate
cell             a number as a table cell (``-`` for None, ``nan``, 4 or 5 digits)
"""

from __future__ import annotations

import math

__all__ = ["format_table", "condition_table", "cell"]


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
