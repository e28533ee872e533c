"""Information between a stimulus and the joint response of several neurons.

Contents
--------
population_information
    I(S; R1..Rk): the word across neurons (and bins) of a trial is one response symbol,
    estimated by :func:`~hhlif.analysis.information.mutual_information`.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..errors import AnalysisInputError
from ._discrete import InformationResult, mutual_information

__all__ = ["population_information"]


def population_information(stimulus: Any, responses: Any, method: str = "pt",
                           neurons: Sequence[int] | None = None,
                           **kwargs: Any) -> InformationResult:
    """Information between the stimulus and the joint response of several neurons.

    Parameters
    ----------
    stimulus : array_like of int, shape (n_trials,)
    responses : array_like of int, shape (n_trials, n_neurons) or (n_trials, n_neurons, n_bins)
        Response of each neuron on each trial (spike count, or a word of bins).
        The joint response of a trial (its row over neurons and bins) is one symbol.
    method : str
        See :func:`mutual_information`.
    neurons : sequence of int, optional
        Columns to use (default all): the information of that sub-population.
    **kwargs
        Passed to :func:`mutual_information` (``n_bootstrap``, ``seed``, ...).

    Returns
    -------
    InformationResult
        ``details['neurons']`` lists the neurons used.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.repeat(np.arange(4), 100)
    >>> r = np.stack([s % 2, s // 2], axis=1)          # each neuron carries one bit
    >>> population_information(s, r, method="plugin").bits
    2.0
    >>> population_information(s, r, method="plugin", neurons=[0]).bits
    1.0
    """
    arr = np.asarray(responses)
    if arr.ndim not in (2, 3):
        raise AnalysisInputError(f"responses has shape {arr.shape}: expected (n_trials, "
                                 "n_neurons) or (n_trials, n_neurons, n_bins)")
    if neurons is not None:
        cols = np.asarray(list(neurons), dtype=int)
        if cols.size == 0 or cols.min() < -arr.shape[1] or cols.max() >= arr.shape[1]:
            raise AnalysisInputError(f"neurons={list(neurons)!r}: expected a non-empty list of "
                                     f"columns in 0..{arr.shape[1] - 1}")
        arr = arr[:, cols]
    else:
        cols = np.arange(arr.shape[1])
    res = mutual_information(stimulus, arr.reshape(arr.shape[0], -1), method=method, **kwargs)
    res.details = {**res.details, "neurons": cols.tolist()}
    return res
