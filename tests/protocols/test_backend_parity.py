"""One scenario on every registered backend: the same spikes everywhere (skipped where a
backend cannot run here, with its own reason)."""

import numpy as np
import pytest
from brian2 import Hz, cm, ms, uA

from hhlif.protocols import Protocol, available_backends, get_backend, run, stimuli as S

UNIT = uA / cm**2
BACKENDS = sorted(name for name in available_backends() if name != "auto")


def _scenario(model):
    # conditions spread the drive so that neurons fire at different times; deterministic
    return Protocol(model=model, duration=60 * ms, record=(),
                    stimulus=S.Sine(offset=12 * UNIT, amplitude=4 * UNIT, frequency=40 * Hz),
                    conditions={"offset": np.linspace(8, 30, 5) * UNIT})


@pytest.fixture(scope="module")
def reference():
    """The runtime backend's spikes (runtime is always available)."""
    return {model: run(_scenario(model), backend="runtime") for model in ("lif", "hh")}


@pytest.mark.standalone
@pytest.mark.parametrize("model", ["lif", "hh"])
@pytest.mark.parametrize("name", BACKENDS)
def test_every_backend_gives_the_runtime_spikes(name, model, reference):
    backend = get_backend(name)
    reason = backend.unavailable_reason()
    if reason:
        pytest.skip(f"backend {name!r}: {reason}")
    if backend.name == "cuda":
        pytest.skip("cuda: code generation is checked in test_cuda_codegen.py; running needs"
                    " a GPU")
    rec = run(_scenario(model), backend=name)
    ref = reference[model]
    assert rec.provenance["build"]["backend"] == name
    assert rec.main.spike_counts().sum() > 10  # the scenario spikes
    np.testing.assert_array_equal(rec.main.spike_counts(), ref.main.spike_counts())
    dt = float(_scenario(model).integration_dt / ms)
    for k in range(rec.n_neurons):
        a, b = rec.main.spike_times_of(k), ref.main.spike_times_of(k)
        # the same spikes within one step (compilers reorder floating-point operations)
        assert np.max(np.abs(a - b), initial=0.0) <= dt + 1e-9
