"""Backends: runtime and cpp give the same spikes (within one dt) on deterministic input;
unknown names and unavailable backends give clear errors."""

import numpy as np
import pytest
from brian2 import Hz, cm, ms, uA

from hhlif.models.errors import UnknownNameError
from hhlif.protocols.errors import BackendUnavailableError
from hhlif.protocols import Protocol, get_backend, run, stimuli as S
from hhlif.protocols.backends.standalone import locked_directory

UNIT = uA / cm**2


@pytest.mark.standalone
@pytest.mark.parametrize("model", ["hh", "lif"])
def test_runtime_and_cpp_give_the_same_spikes(model):
    stim = S.Step(amplitude=12 * UNIT, start=5 * ms, duration=60 * ms) + \
        S.Sine(offset=0 * UNIT, amplitude=3 * UNIT, frequency=30 * Hz)
    p = Protocol(model=model, stimulus=stim, duration=80 * ms, record_neurons=[])
    a = run(p, backend="runtime")
    b = run(p, backend="cpp")
    dt = float(p.integration_dt / ms)
    assert len(a.spike_times) == len(b.spike_times) > 2
    assert np.max(np.abs(a.spike_times - b.spike_times)) <= dt + 1e-9


def test_unknown_backend_lists_valid_names():
    with pytest.raises(UnknownNameError, match="valid backends are .*runtime"):
        get_backend("gpu")


def test_cuda_backend_without_brian2cuda_says_what_to_install():
    import importlib.util

    if importlib.util.find_spec("brian2cuda") is not None:
        pytest.skip("brian2cuda is installed here")
    with pytest.raises(BackendUnavailableError, match="brian2cuda is not installed"):
        run(Protocol(model="lif", duration=1 * ms), backend="cuda")


def test_concurrent_builds_get_separate_locked_directories():
    d1, h1 = locked_directory("cpp-test", "same-key")
    try:
        d2, h2 = locked_directory("cpp-test", "same-key")
        try:
            assert d1 != d2
        finally:
            h2.close()
    finally:
        h1.close()
    d3, h3 = locked_directory("cpp-test", "same-key")
    h3.close()
    assert d3 == d1  # released: the usual directory (and its compiled objects) is reused
