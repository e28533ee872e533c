"""Markdown tables of the study's report: one cell format, one table layout."""

from __future__ import annotations

import math

from hhlif.analysis.utils import format_rows

__all__ = ["table", "cell"]


def cell(v) -> str:
    """A table cell: floats to 4 significant digits (``inf`` spelled out)."""
    if isinstance(v, float):
        return "inf" if math.isinf(v) else f"{v:.4g}"
    return str(v)


def table(rows: list[dict], columns: list[str] | None = None) -> list[str]:
    """The lines of a Markdown table of ``rows``."""
    return format_rows(rows, columns, markdown=True, cell=cell).split("\n")
