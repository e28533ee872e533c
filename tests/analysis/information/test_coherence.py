"""Tests of the coherence bound (hhlif.analysis.information, ``_coherence``)."""
import json

import numpy as np
import pytest
from scipy import integrate, signal

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.information import coherence_information


def test_coherence_bound_equals_gaussian_channel_capacity():
    # y = h * x + n with x, n white Gaussian and h a first-order low-pass:
    # coherence = SNR / (1 + SNR), so -log2(1 - coherence) = log2(1 + SNR(f)).
    rng = np.random.default_rng(0)
    fs, n, a, sigma_n = 1000.0, 400_000, 0.6, 0.5
    x = rng.normal(size=n)
    y = signal.lfilter([1 - a], [1, -a], x) + sigma_n * rng.normal(size=n)
    res = coherence_information(x, y, fs, nperseg=512)

    def snr(f):
        w = 2 * np.pi * f / fs
        return (1 - a) ** 2 / (1 - 2 * a * np.cos(w) + a ** 2) / sigma_n ** 2

    exact = integrate.quad(lambda f: np.log2(1 + snr(f)), 0, fs / 2)[0]
    # Welch coherence with ~1560 segments is biased up by ~(1 - gamma^2)/K and has
    # relative SD ~ 1/sqrt(K) per bin; over 256 bins the integral is good to ~1 %.
    assert res.information_rate == pytest.approx(exact, rel=0.02)
    band = coherence_information(x, y, fs, nperseg=512, band=(0, 100))
    exact_band = integrate.quad(lambda f: np.log2(1 + snr(f)), 0, 100)[0]
    assert band.information_rate == pytest.approx(exact_band, rel=0.02)
    json.dumps(res.to_dict())


def test_coherence_independent_signals_near_zero():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(2, 200_000))
    res = coherence_information(x, y, 1000.0, nperseg=256)
    # expected Welch coherence of independent signals ~ 1/K_eff (K ~ 1560 segments):
    # -log2(1 - 1/K) * 500 Hz ~ 0.5 bits/s; 3 bits/s leaves room for the 50 % overlap.
    assert 0 <= res.information_rate < 3.0


def test_coherence_bad_input():
    x = np.random.default_rng(0).normal(size=1000)
    with pytest.raises(AnalysisInputError, match="same length"):
        coherence_information(x, x[:-1], 100.0)
    with pytest.raises(AnalysisInputError, match="constant"):
        coherence_information(x, np.zeros_like(x), 100.0, nperseg=64)
    with pytest.raises(AnalysisInputError, match="band"):
        coherence_information(x, x + 1, 100.0, nperseg=64, band=(10, 80))
