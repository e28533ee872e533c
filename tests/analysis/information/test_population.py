"""Tests of population_information (hhlif.analysis.information, ``_population``)."""
import math

import numpy as np
import pytest

from hhlif.analysis.information import population_information


def test_population_information_adds_independent_bits():
    rng = np.random.default_rng(9)
    s = rng.integers(0, 4, 4000)
    flip = rng.random((4000, 2)) < 0.1
    r = np.stack([s % 2, s // 2], axis=1) ^ flip
    h = -(0.1 * math.log2(0.1) + 0.9 * math.log2(0.9))
    both = population_information(s, r, method="pt")
    one = population_information(s, r, method="pt", neurons=[1])
    # each neuron is a binary symmetric channel for one stimulus bit: 1 - h(0.1) each,
    # independent, so 2 (1 - h(0.1)) jointly; SD at N=4000 is ~0.015 bits -> 0.05.
    assert both.bits == pytest.approx(2 * (1 - h), abs=0.05)
    assert one.bits == pytest.approx(1 - h, abs=0.05)
    assert both.details["neurons"] == [0, 1]


def test_population_information_with_bins():
    s = np.repeat(np.arange(2), 50)
    r = np.zeros((100, 3, 4), int)
    r[s == 1, 2, 3] = 1
    assert population_information(s, r, method="plugin").bits == pytest.approx(1.0)
