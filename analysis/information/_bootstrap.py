"""The bootstrap interval every information estimator reports: one copy of its checks and formula.

Contents
--------
check_bootstrap
    ``n_bootstrap`` (0, or at least 2 replicates) and ``confidence`` (in (0, 1)).
normal_interval
    ``(estimate - z se, estimate + z se)`` with ``se`` the standard deviation of the
    bootstrap replicates and ``z`` the normal quantile of the confidence.

Resampling with replacement changes the bias of the information estimators, so the
spread of the replicates is used rather than their percentiles.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from scipy import stats

from ..errors import AnalysisInputError

__all__ = ["check_bootstrap", "normal_interval"]


def check_bootstrap(n_bootstrap: Any, confidence: Any) -> None:
    """Refuse a ``confidence`` outside (0, 1) and an ``n_bootstrap`` other than 0 or >= 2."""
    if not 0 < confidence < 1:
        raise AnalysisInputError(f"confidence={confidence!r}: expected a number in (0, 1)")
    if int(n_bootstrap) != n_bootstrap or n_bootstrap < 0 or n_bootstrap == 1:
        raise AnalysisInputError(f"n_bootstrap={n_bootstrap!r}: expected 0 or an integer >= 2")


def normal_interval(estimate: float, replicates: Sequence[float], confidence: float
                    ) -> tuple[tuple[float, float], float]:
    """``((estimate - z se, estimate + z se), se)`` from the bootstrap ``replicates``.

    Examples
    --------
    >>> ci, se = normal_interval(1.0, [0.9, 1.0, 1.1], 0.95)
    >>> round(se, 3), [round(x, 3) for x in ci]
    (0.1, [0.804, 1.196])
    """
    se = float(np.std(replicates, ddof=1))
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    return (estimate - z * se, estimate + z * se), se
