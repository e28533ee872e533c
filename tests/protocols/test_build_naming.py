"""The same protocol generates the same code in every build of a process (Brian2 names
local to the build), so a second identical build compiles nothing; a Poisson weight is not
written into the code, so runs that differ only in it share one compiled extension."""

from pathlib import Path

import pytest
from brian2 import Hz, cm, ms, uA

from hhlif.models.networks import PrivateNoiseNetwork
from hhlif.protocols import Protocol, run, stimuli as S
from hhlif.protocols.simulation.naming import build_local_names

UNIT = uA / cm**2


def _protocol(noise_std=1.0):
    """A TimedArray stimulus, a group clock (dt given) and PoissonInput noise: the three
    kinds of object Brian2 named after the live ones."""
    import numpy as np

    waves = np.linspace(0.0, 8.0, 21)[:, None] * np.ones((1, 2))
    net = PrivateNoiseNetwork(size=3, noise_std=noise_std * UNIT, noise_tau=5 * ms,
                              noise_sources=20, noise_rate=1000 * Hz,
                              repeats=2)
    return Protocol(model="lif", stimulus=S.WaveformSet(values=waves * UNIT, index=0,
                                                        sample_dt=1 * ms),
                    duration=20 * ms, dt=0.1 * ms, trials=2, conditions={"index": [0, 1]},
                    record=(), record_neurons=[], seed=3, network=net)


def _sources(directory: Path) -> dict:
    return {p.relative_to(directory).as_posix(): p.read_text()
            for p in directory.rglob("*.cpp")}


@pytest.mark.standalone
def test_a_second_identical_build_writes_the_same_code_and_recompiles_nothing():
    first = run(_protocol(), backend="cpp", progress=False)
    directory = Path(first.provenance["build"]["directory"])
    code = _sources(directory)
    objects = {p.name: p.stat().st_mtime_ns for p in directory.rglob("*.o")}
    second = run(_protocol(), backend="cpp", progress=False)
    assert Path(second.provenance["build"]["directory"]) == directory
    assert _sources(directory) == code            # not neurons_clock_1, timedarray_1, ...
    assert {p.name: p.stat().st_mtime_ns for p in directory.rglob("*.o")} == objects
    assert (second.main.spike_indices == first.main.spike_indices).all()


def test_runs_that_differ_in_the_poisson_weight_generate_the_same_cython_code(monkeypatch):
    from brian2.codegen.runtime.cython_rt.cython_rt import CythonCodeObject

    from hhlif.protocols.backends.runtime import runtime_target

    if runtime_target() != "cython":
        pytest.skip("Cython or a compiler is missing: the runtime backend runs NumPy")
    seen = []
    original = CythonCodeObject.compile_block

    def recording(self, block):
        seen.append((self.name, block, getattr(self.code, block, "")))
        return original(self, block)

    monkeypatch.setattr(CythonCodeObject, "compile_block", recording)
    a = run(_protocol(noise_std=1.0), backend="runtime", progress=False)
    first, seen[:] = list(seen), []
    b = run(_protocol(noise_std=3.0), backend="runtime", progress=False)
    assert seen == first
    # the weight did reach the simulation: stronger noise, other spikes
    assert a.main.spike_times.size != b.main.spike_times.size or \
        (a.main.spike_times != b.main.spike_times).any()


def test_without_the_context_brian2_avoids_live_names_and_within_it_only_its_own():
    from brian2 import Clock

    old = Clock(dt=0.1 * ms)
    assert Clock(dt=0.1 * ms).name != old.name
    with build_local_names():
        a, b = Clock(dt=0.1 * ms), Clock(dt=0.1 * ms)
        assert a.name == old.name and b.name != a.name   # unique within the build
    assert Clock(dt=0.1 * ms).name != old.name          # Brian2's own rule again after it
