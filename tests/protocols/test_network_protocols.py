"""The ``network`` protocol: random E/I network with Poisson drive, any model."""

import numpy as np
import pytest
from brian2 import Hz, ms

from hhlif.models.errors import ParameterError
from hhlif.protocols import run
from hhlif.protocols.builtin import available_protocols, make_protocol


def _spikes(**kw):
    rec = run(make_protocol("network", duration=60 * ms, n=30, **kw), backend="runtime")
    return rec.main.spike_indices, rec.main.spike_times


def test_runs_and_is_reproducible_by_seed():
    assert "network" in available_protocols()
    i1, t1 = _spikes(seed=1)
    i2, t2 = _spikes(seed=1)
    i3, t3 = _spikes(seed=2)
    assert i1.size > 0
    assert np.array_equal(i1, i2) and np.array_equal(t1, t2)
    assert not (i1.size == i3.size and np.array_equal(t1, t3))


def test_drive_rate_zero_is_silent_for_lif():
    i, _ = _spikes(model="lif", drive_rate=0 * Hz)
    assert i.size == 0


def test_bad_values():
    with pytest.raises(ParameterError):
        make_protocol("network", connection_probability=2.0)
    with pytest.raises(ParameterError):
        make_protocol("network", drive_rate=-1 * Hz)
