"""The coherence lower bound on the information rate of a continuous stimulus.

Contents
--------
coherence_information -> CoherenceInformationResult
    -integral log2(1 - coherence(f)) df between a stimulus and a rate response (PSTH,
    population rate); exact for a linear Gaussian channel, a lower bound otherwise.

References
----------
.. [5] Borst A, Theunissen FE (1999) Information theory and neural coding.
       Nat Neurosci 2:947-957.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import quantities as pq
from scipy import signal

from ..errors import AnalysisInputError
from ..utils import jsonify

__all__ = ["CoherenceInformationResult", "coherence_information"]


@dataclass
class CoherenceInformationResult:
    """Coherence lower bound on the information rate.

    Attributes
    ----------
    information_rate : float
        -integral log2(1 - coherence(f)) df over the band (bits/s).
    band : tuple of float
        Integration band (Hz).
    frequencies, coherence : list of float
        The estimated coherence spectrum.
    nperseg : int
    sampling_rate : float
    """

    information_rate: float
    band: tuple[float, float]
    frequencies: list
    coherence: list
    nperseg: int
    sampling_rate: float
    method: str = "coherence"

    @property
    def bits_per_second(self) -> float:
        """Same as :attr:`information_rate` (bits/s)."""
        return self.information_rate

    def to_dict(self) -> dict:
        """JSON-serialisable dictionary of every field."""
        return jsonify(asdict(self))


def coherence_information(stimulus_signal: Any, response_signal: Any, sampling_rate: Any,
                          nperseg: int = 256, band: tuple[float, float] | None = None,
                          ) -> CoherenceInformationResult:
    """Lower bound on the information rate from the stimulus-response coherence.

    Parameters
    ----------
    stimulus_signal, response_signal : array_like, shape (n_samples,)
        The stimulus and the response (PSTH or population rate) sampled
        together; ``neo.AnalogSignal`` (one channel) is accepted.
    sampling_rate : pq.Quantity or float
        Sampling rate (a float is read in Hz).
    nperseg : int
        Welch segment length of :func:`scipy.signal.coherence` (Hann window,
        50 % overlap). The frequency resolution is ``sampling_rate / nperseg``.
    band : tuple of float, optional
        ``(f_low, f_high)`` in Hz to integrate over; default ``(0, Nyquist)``.

    Returns
    -------
    CoherenceInformationResult

    Raises
    ------
    AnalysisInputError
        Different lengths, fewer samples than ``nperseg``, constant signals or
        a band outside ``[0, Nyquist]``.

    Notes
    -----
    I_LB = -integral log2(1 - gamma^2(f)) df (trapezoid over the Welch
    frequencies) [5]_. For a linear Gaussian channel y = h * x + n this equals
    integral log2(1 + SNR(f)) df with SNR = |H|^2 S_x / S_n; for anything else
    it is a lower bound. Welch coherence is biased upward by about 1/(number of
    segments) where the true coherence is small, so use records of many
    segments.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=100_000)
    >>> y = x + rng.normal(size=100_000)                 # SNR = 1 at every frequency
    >>> res = coherence_information(x, y, 1000.0)
    >>> abs(res.information_rate - 500.0) < 15            # log2(2) * 500 Hz
    True
    """
    x = np.asarray(getattr(stimulus_signal, "magnitude", stimulus_signal), dtype=float).squeeze()
    y = np.asarray(getattr(response_signal, "magnitude", response_signal), dtype=float).squeeze()
    if x.ndim != 1 or y.ndim != 1 or x.size != y.size:
        raise AnalysisInputError(f"stimulus_signal has shape {x.shape} and response_signal "
                                 f"{y.shape}: expected two 1-D signals of the same length")
    if isinstance(sampling_rate, pq.Quantity):
        try:
            fs = float(sampling_rate.rescale(pq.Hz).magnitude)
        except ValueError as err:
            raise AnalysisInputError(f"sampling_rate={sampling_rate!r}: expected a frequency")\
                from err
    else:
        fs = float(sampling_rate)
    if not fs > 0:
        raise AnalysisInputError(f"sampling_rate={sampling_rate!r}: expected a positive rate")
    nperseg = int(nperseg)
    if nperseg < 4 or x.size < nperseg:
        raise AnalysisInputError(f"nperseg={nperseg}: expected 4 <= nperseg <= the number of "
                                 f"samples ({x.size})")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise AnalysisInputError("stimulus_signal or response_signal contains NaN or inf: "
                                 "expected finite samples")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        raise AnalysisInputError("stimulus_signal or response_signal is constant (e.g. no "
                                 "spikes): expected signals that vary")
    nyq = fs / 2
    lo, hi = (0.0, nyq) if band is None else (float(band[0]), float(band[1]))
    if not 0 <= lo < hi <= nyq * (1 + 1e-12):
        raise AnalysisInputError(f"band={band!r}: expected 0 <= f_low < f_high <= Nyquist "
                                 f"({nyq} Hz)")
    f, coh = signal.coherence(x, y, fs=fs, nperseg=nperseg)
    coh = np.clip(coh, 0.0, 1.0 - 1e-12)
    sel = (f >= lo) & (f <= hi)
    if sel.sum() < 2:
        raise AnalysisInputError(f"band={band!r}: contains fewer than two frequencies at "
                                 f"resolution {fs / nperseg} Hz; widen it or raise nperseg")
    rate = float(-np.trapezoid(np.log2(1.0 - coh[sel]), f[sel]))
    return CoherenceInformationResult(information_rate=rate, band=(lo, hi),
                                      frequencies=f.tolist(), coherence=coh.tolist(),
                                      nperseg=nperseg, sampling_rate=fs)
