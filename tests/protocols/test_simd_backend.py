"""The vectorised C++ backend ``cpp-simd``: the source transformation, parity with the plain
``cpp`` backend (same spikes within one step on deterministic input) and divergence
detection although the state updaters are compiled with ``-ffast-math``."""

import re
from pathlib import Path

import numpy as np
import pytest
from brian2 import Hz, cm, ms, uA

from hhlif.protocols.errors import DivergenceError
from hhlif.protocols import Protocol, get_backend, run, stimuli as S
from hhlif.protocols.backends import available_backends
from hhlif.protocols.backends.simd import (SIMD_FLAGS, THRESHOLD_FLAGS, patch_state_updater,
                                          patch_thresholder)

UNIT = uA / cm**2

_LOOP = """\
    const int _N = N;
{pragma}    for(int _idx=0; _idx<_N; _idx++)
    {{
        const size_t _vectorisation_idx = _idx;
        {body}
    }}
"""
_EXPREL = """
    static inline double _exprel(double x)
    {
        if (fabs(x) < 1e-16)
            return 1.0;
        if (x > 717)
            return INFINITY;
        return expm1(x)/x;
    }
"""


def test_backend_is_registered():
    assert "cpp-simd" in available_backends()
    assert get_backend("cpp-simd").device_name == "cpp_simd_standalone"


def test_the_neuron_loop_gets_an_omp_simd_pragma():
    src = _EXPREL + _LOOP.format(pragma="", body="v = v + dt*_exprel(v);")
    out, status = patch_state_updater(src)
    assert status == "simd"
    lines = out.splitlines()
    loop = next(k for k, line in enumerate(lines) if line.strip().startswith("for(int _idx"))
    assert lines[loop - 1].strip() == "#pragma omp simd"
    # Brian2's early-return _exprel is replaced by the branch-free form
    assert "return INFINITY" not in out and "expm1(x)" in out


def test_the_openmp_loop_becomes_parallel_for_simd():
    src = _LOOP.format(pragma="    #pragma omp parallel for schedule(static)\n", body="v = 1;")
    out, status = patch_state_updater(src)
    assert status == "omp-for-simd"
    assert "#pragma omp parallel for simd schedule(static)" in out
    assert out.count("#pragma") == 1


def test_random_numbers_and_unknown_loops_are_left_alone():
    src = _LOOP.format(pragma="", body="v = v + _randn(_vectorisation_idx);")
    assert patch_state_updater(src) == (src, "random")
    odd = "for (size_t i = 0; i < n; i++) {}"
    assert patch_state_updater(odd) == (odd, "no-loop")


_THRESHOLD = """\
    long _count = 0;
    for(size_t _idx=0; _idx<N; _idx++)
    {{
        const size_t _vectorisation_idx = _idx;
        const double v = _ptr_array_neurons_v[_idx];
        char _cond;
        _cond = {cond};

        if(_cond) {{
            _ptr_array_neurons__spikespace[_count++] = _idx;
        }}
    }}
    _ptr_array_neurons__spikespace[N] = _count;
"""


def test_the_thresholder_gets_a_block_prescan_that_keeps_the_original_loop():
    src = _THRESHOLD.format(cond="v > 0.02")
    out, status = patch_thresholder(src)
    assert status == "prescan"
    # the original loop runs unchanged on a block, behind a read-only pre-scan
    assert "for(size_t _idx=_blk; _idx<_blk_end; _idx++)" in out
    assert out.count("_cond = v > 0.02;") == 2
    assert out.count("_ptr_array_neurons__spikespace[_count++] = _idx;") == 1
    assert "if(!_any) continue;" in out
    assert out.rstrip().endswith("_ptr_array_neurons__spikespace[N] = _count;")
    # a threshold drawing random numbers is left alone
    rnd = _THRESHOLD.format(cond="_rand(_vectorisation_idx) < 0.1")
    assert patch_thresholder(rnd) == (rnd, "random")


def _stimulus():
    return S.Step(amplitude=12 * UNIT, start=5 * ms, duration=60 * ms) + \
        S.Sine(offset=0 * UNIT, amplitude=3 * UNIT, frequency=30 * Hz)


@pytest.mark.standalone
@pytest.mark.parametrize("model,threads", [("hh", None), ("lif", None), ("lif", 2)])
def test_cpp_simd_gives_the_spikes_of_cpp(model, threads):
    # conditions spread the drive so that neurons fire at different times
    p = Protocol(model=model, stimulus=_stimulus(), duration=80 * ms,
                 conditions={"amplitude0": np.linspace(8, 30, 6) * UNIT}, record=())
    a = run(p, backend="cpp", threads=threads)
    b = run(p, backend="cpp-simd", threads=threads)
    assert b.provenance["build"]["backend"] == "cpp-simd"
    directory = Path(b.provenance["build"]["directory"])
    makefile = (directory / "makefile").read_text()
    # Brian2 may number the code objects (``..._codeobject_1``) within one process; the
    # makefile lists the sources of this build (a cached directory may hold older ones)
    srcs = re.search(r"^SRCS = (.*)$", makefile, re.M).group(1).split()
    sources = {re.sub(r"_\d+$", "", Path(f).stem): (directory / f).read_text() for f in srcs
               if Path(f).stem.startswith(("neurons_stateupdater", "neurons_spike_thresholder"))}
    assert re.search(r"stateupdater_codeobject(_\d+)?\.o: CXXFLAGS \+= "
                     + re.escape(" ".join(SIMD_FLAGS)), makefile)
    assert re.search(r"thresholder_codeobject(_\d+)?\.o: CXXFLAGS \+= "
                     + re.escape(" ".join(THRESHOLD_FLAGS)), makefile)
    assert re.search(r"#pragma omp (parallel for )?simd", sources["neurons_stateupdater_codeobject"])
    assert "hhlif cpp-simd: SIMD pre-scan" in sources["neurons_spike_thresholder_codeobject"]
    dt = float(p.integration_dt / ms)
    ca, cb = a.main.spike_counts(), b.main.spike_counts()
    assert ca.sum() > 10
    np.testing.assert_array_equal(ca, cb)
    oa = np.lexsort((a.spike_times, a.spike_indices))
    ob = np.lexsort((b.spike_times, b.spike_indices))
    # same spikes within one integration step (the vector exp differs by a few ulp)
    assert np.max(np.abs(a.spike_times[oa] - b.spike_times[ob])) <= dt + 1e-9


@pytest.mark.standalone
def test_divergence_is_detected_although_the_update_uses_fast_math():
    # RK4 at dt = 0.5 ms is far outside HH's stability region: v becomes inf/NaN
    p = Protocol(model="hh", stimulus=S.Constant(20 * UNIT), duration=20 * ms, dt=0.5 * ms,
                 method="rk4", record=("v",), record_neurons=[0])
    with pytest.raises(DivergenceError, match="diverged"):
        run(p, backend="cpp-simd")


@pytest.mark.standalone
def test_divergence_is_detected_without_recorded_signals():
    # only the final membrane potential is checked here: a NaN must not be reset away
    p = Protocol(model="hh", stimulus=S.Constant(20 * UNIT), duration=20 * ms, dt=0.5 * ms,
                 method="rk4", record=())
    with pytest.raises(DivergenceError, match="NaN/inf in 1 of 1"):
        run(p, backend="cpp-simd")
