"""The second-order Rush–Larsen state updater (``hhlif.models.integrators``) against
independent oracles: SciPy's LSODA at tight tolerance on the 1952 equations (written here
with ``math``, independent of Brian2 and of the model module), the analytic solution of a
passive membrane, and the observed order of convergence."""

import math
import re

import numpy as np
import pytest
from brian2 import (Equations, NeuronGroup, Network, SpikeMonitor, StateMonitor, TimedArray,
                    cm, mS, ms, mV, uA, uF)
from brian2.core.base import BrianObjectException
from brian2.stateupdaters.base import StateUpdateMethod, UnsupportedEquationsException
from scipy.integrate import ode, solve_ivp
from scipy.optimize import brentq

from hhlif import models
from hhlif.protocols.errors import DivergenceError
from hhlif.models.integrators import (METHOD_NAME, RushLarsen2, conditionally_linear_terms,
                                      register_integrators, rush_larsen2, split_groups)
from hhlif.protocols import Protocol, run, stimuli as S

register_integrators()

UNIT = uA / cm**2
#: The step proposed as the method's default (benchmarks/hh_accuracy.py: the cheapest step
#: at which every spike of 1 s stays within 0.1 ms of LSODA).
DEFAULT_DT = 0.01 * ms
#: µA/cm² per SI unit of current density (A/m²).
PER_SI = 100.0

# ---------------------------------------------------------------- LSODA oracle (modern HH)
E_NA, E_K, E_L, V_OFFSET, V_SPIKE = 50.0, -77.0, -54.387, -65.0, -40.0
G_NA, G_K, G_L = 120.0, 36.0, 0.3


def _x_over(x):  # x / (1 - exp(-x)), continuous at 0
    return 1.0 + x / 2 if abs(x) < 1e-8 else x / -math.expm1(-x)


def _hh_rhs(t, y, current):
    """HH 1952 in mV, ms, µA/cm², mS/cm² (C = 1 µF/cm²); ``current`` a float or f(t)."""
    v, m, h, n = y
    u = v - V_OFFSET
    am, bm = _x_over((u - 25) / 10), 4 * math.exp(-u / 18)
    ah, bh = 0.07 * math.exp(-u / 20), 1 / (1 + math.exp(-(u - 30) / 10))
    an, bn = 0.1 * _x_over((u - 10) / 10), 0.125 * math.exp(-u / 80)
    i = current(t) if callable(current) else current
    return [G_NA * m**3 * h * (E_NA - v) + G_K * n**4 * (E_K - v) + G_L * (E_L - v) + i,
            am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n]


def _rest():
    r = models.hh_resting_state("modern")
    return [r["v"], r["m"], r["h"], r["n"]]


def lsoda_spikes(samples, sample_dt_ms, duration_ms, rtol=1e-10, atol=1e-10):
    """Upward crossings of V_SPIKE (ms) under a zero-order-hold current: ``samples[k]``
    (µA/cm²) applied on [k·Δ, (k+1)·Δ).  LSODA restarted at every sample boundary (the
    input is discontinuous there); a crossing is located by root finding on a restarted
    integration from the start of its segment."""
    solver = ode(_hh_rhs).set_integrator("lsoda", rtol=rtol, atol=atol, nsteps=100000)
    y = np.array(_rest())
    out = []
    for k in range(int(round(duration_ms / sample_dt_ms))):
        t0, i_k = k * sample_dt_ms, float(samples[k])
        solver.set_initial_value(y, t0).set_f_params(i_k)
        y1 = solver.integrate(t0 + sample_dt_ms)
        if y[0] < V_SPIKE <= y1[0]:
            def distance(tau, y=y.copy(), t0=t0, i_k=i_k):
                if tau <= t0:
                    return y[0] - V_SPIKE
                s = ode(_hh_rhs).set_integrator("lsoda", rtol=rtol, atol=atol)
                return s.set_initial_value(y, t0).set_f_params(i_k).integrate(tau)[0] - V_SPIKE
            out.append(brentq(distance, t0, t0 + sample_dt_ms, xtol=1e-12))
        y = y1
    return np.asarray(out)


def lsoda_trace(current, times_ms, rtol=1e-12, atol=1e-12):
    """v (mV) at ``times_ms`` for a current given as a float or a smooth function of t."""
    sol = solve_ivp(_hh_rhs, (0.0, float(times_ms[-1])), _rest(), method="LSODA",
                    t_eval=times_ms, rtol=rtol, atol=atol, args=(current,))
    assert sol.success
    return sol.y


# ---------------------------------------------------------------- Brian2 side
def _hh_run(duration, dt, input_expression, namespace=None, n=1, method=METHOD_NAME,
            record=False, model="hh"):
    pop = models.get(model).build(n, input_expression=input_expression,
                                  namespace=namespace or {}, method=method, dt=dt)
    spikes = SpikeMonitor(pop.output)
    objects = list(pop.objects) + [spikes]
    state = None
    if record:
        state = StateMonitor(pop.output, ["v", "m", "h", "n"], record=True, dt=dt)
        objects.append(state)
    Network(*objects).run(duration)
    return spikes, state, pop


def _ou_samples(duration, mean, std, seed, tau=5 * ms, sample_dt=0.1 * ms):
    ou = S.OrnsteinUhlenbeck(mean=mean * UNIT, std=std * UNIT, tau=tau, seed=seed,
                             sample_dt=sample_dt)
    return np.asarray(ou.samples(duration), dtype=float) * PER_SI


# ================================================================ registration, API
def test_registration_is_idempotent_and_the_name_and_the_object_both_work():
    register_integrators()
    register_integrators()
    assert StateUpdateMethod.stateupdaters[METHOD_NAME] is rush_larsen2
    eqs = Equations("dv/dt = (g*(E - v) + I)/C : volt")
    code = StateUpdateMethod.apply_stateupdater(eqs, {}, METHOD_NAME)
    assert code == rush_larsen2(eqs)
    assert "exprel" in code and code.strip().endswith("v = _rl2_1_v")
    group = NeuronGroup(1, "dv/dt = -v/(10*ms) : volt", method=rush_larsen2)
    group.v = 1 * mV
    Network(group).run(1 * ms)
    assert float(group.v[0] / mV) == pytest.approx(math.exp(-0.1), rel=1e-12)


def test_another_updater_under_the_name_is_refused():
    saved = StateUpdateMethod.stateupdaters.pop(METHOD_NAME)
    try:
        from brian2.stateupdaters.explicit import rk2
        StateUpdateMethod.stateupdaters[METHOD_NAME] = rk2
        with pytest.raises(ValueError, match="already registered"):
            register_integrators()
    finally:
        StateUpdateMethod.stateupdaters[METHOD_NAME] = saved


def test_hh_is_split_into_membrane_and_gates_and_gates_see_the_midpoint_voltage():
    eqs = models.get("hh").full_equations("10*uA/cm**2")
    terms = conditionally_linear_terms(eqs)
    names = [t[0] for t in terms]
    groups = [sorted(names[i] for i in g) for g in split_groups(terms)]
    assert groups == [["v"], ["h", "m", "n"]]  # v outside (two half steps), gates in the middle
    code = rush_larsen2(eqs).splitlines()
    # the gates' full step reads the half-step voltage _rl2_1_v, never v itself
    gate_stage = [line for line in code if line.startswith("_rl2_s2_")]
    assert gate_stage and not any(re.search(r"\bv\b", line) for line in gate_stage)
    # one evaluation of the rate functions per step: 6 exp/exprel calls for the rates
    rates = sum(line.count("exp(") + line.count("/exprel(") for line in gate_stage)
    assert rates == 6
    assert all(t[4] is not None for t in terms)  # all conditionally linear


def test_nonlinear_variable_is_refused_with_its_name_or_linearised_on_request():
    eqs = Equations("dx/dt = (1 - x**2)/(10*ms) : 1\ndy/dt = -y/(5*ms) : 1")
    with pytest.raises(UnsupportedEquationsException, match=r"dx/dt.*not linear in 'x'"):
        rush_larsen2(eqs)
    # a hidden linear form is recognised
    assert rush_larsen2(Equations("dx/dt = (x*(2 + x) - x**2)/(10*ms) : 1"))
    with pytest.raises(UnsupportedEquationsException, match="stochastic"):
        rush_larsen2(Equations("dx/dt = -x/(10*ms) + xi/sqrt(ms) : 1"))
    with pytest.raises(ValueError, match="scheme"):
        RushLarsen2(scheme="rk4")
    with pytest.raises(KeyError):
        rush_larsen2(eqs, method_options={"order": 3})


@pytest.mark.parametrize("scheme", ["split", "midpoint"])
def test_linearised_nonlinear_variable_converges_at_second_order(scheme):
    """dx/dt = (1 - x²)/τ, x(0) = 0: x(t) = tanh(t/τ) (the GRL2 step, ``nonlinear=
    'linearize'``)."""
    method = RushLarsen2(scheme=scheme, nonlinear="linearize")
    errors = []
    for dt in (0.4, 0.2, 0.1):
        g = NeuronGroup(1, "dx/dt = (1 - x**2)/(10*ms) : 1", method=method, dt=dt * ms)
        Network(g).run(20 * ms)
        errors.append(abs(float(g.x[0]) - math.tanh(2.0)))
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all((ratios > 3) & (ratios < 5)), (errors, ratios)


# ================================================================ (d) passive membrane exact
@pytest.mark.parametrize("dt_ms", [0.01, 0.1, 1.0, 5.0])
@pytest.mark.parametrize("scheme", ["split", "midpoint"])
def test_passive_membrane_is_the_analytic_exponential_at_any_dt(scheme, dt_ms):
    """C dv/dt = g_L (E_L − v) + I: v(t) = v∞ + (v0 − v∞) exp(−t g_L/C), v∞ = E_L + I/g_L.
    One variable, constant coefficients: both stages are the exact solution; only rounding
    (~1e-16 per step) remains."""
    eqs = "dv/dt = (g_L*(E_L - v) + I)/C_m : volt"
    ns = dict(g_L=0.3 * mS / cm**2, E_L=-54.387 * mV, I=-7 * UNIT, C_m=1 * uF / cm**2)
    g = NeuronGroup(1, eqs, method=RushLarsen2(scheme=scheme), namespace=ns, dt=dt_ms * ms)
    g.v = -65 * mV
    mon = StateMonitor(g, "v", record=0, dt=dt_ms * ms)
    duration = 200 * ms if dt_ms < 0.1 else 1000 * ms
    Network(g, mon).run(duration)
    t = np.append(mon.t / ms, float(duration / ms))
    v = np.append(mon.v[0] / mV, float(g.v[0] / mV))
    v_inf, tau = -54.387 - 7 / 0.3, 1 / 0.3
    exact = v_inf + (-65 - v_inf) * np.exp(-t / tau)
    np.testing.assert_allclose(v, exact, rtol=1e-12, atol=0)


def test_passive_membrane_under_a_zero_order_hold_input_is_exact():
    """A TimedArray input held for 1 ms, dt = 0.25 ms: each step sees the sample of its own
    interval (RK4's last stage would read the next one), so the analytic piecewise
    exponential is reproduced to rounding."""
    samples = np.array([0.0, 20.0, -50.0, 5.0, 0.0, 100.0, -3.0, 0.0])
    stim = TimedArray(samples * UNIT, dt=1 * ms)
    eqs = "dv/dt = (g_L*(E_L - v) + stim(t))/C_m : volt"
    ns = dict(g_L=0.3 * mS / cm**2, E_L=-54.387 * mV, C_m=1 * uF / cm**2, stim=stim)
    g = NeuronGroup(1, eqs, method=rush_larsen2, namespace=ns, dt=0.25 * ms)
    g.v = -65 * mV
    mon = StateMonitor(g, "v", record=0)
    Network(g, mon).run(len(samples) * ms)
    v, tau = -65.0, 1 / 0.3
    exact = []
    for k in range(len(samples) * 4):
        exact.append(v)
        v_inf = -54.387 + samples[k // 4] / 0.3
        v = v_inf + (v - v_inf) * math.exp(-0.25 / tau)
    np.testing.assert_allclose(mon.v[0] / mV, exact, rtol=1e-12)
    assert float(g.v[0] / mV) == pytest.approx(v, rel=1e-12)


# ================================================================ (b) second order
@pytest.mark.parametrize("scheme", ["split", "midpoint"])
def test_halving_dt_divides_the_voltage_error_by_four(scheme):
    """Sub-threshold HH under a smooth input I(t) = 1 + sin(2π t / 10 ms) µA/cm² for 20 ms
    (time-dependent, so the midpoint time of the stages matters: reading I at t_n would make
    the method first order)."""
    def current(t):
        return 1.0 + math.sin(2 * math.pi * t / 10.0)

    errors = []
    for dt in (0.1, 0.05, 0.025):
        _, state, _ = _hh_run(20 * ms, dt * ms, "(1 + sin(2*pi*t/(10*ms)))*uA/cm**2",
                              method=RushLarsen2(scheme=scheme), record=True)
        t = state.t / ms
        v = state.v[0] / mV
        ref = lsoda_trace(current, t)[0]
        assert ref.max() < -60  # sub-threshold: a smooth trace
        errors.append(np.max(np.abs(v - ref)))
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert errors[-1] < 2e-3  # mV, at dt = 0.025 ms
    assert np.all((ratios > 3) & (ratios < 5)), (errors, ratios)


# ================================================================ (a) spike times vs LSODA
@pytest.fixture(scope="module")
def one_second():
    """1 s of hh at the default step: neuron 0 under 10 µA/cm², neuron 1 under frozen OU
    noise (mean 8, std 5 µA/cm², τ 5 ms, held 0.1 ms); the same samples drive LSODA."""
    import brian2
    from brian2.devices.device import reset_device

    reset_device("runtime")
    brian2.start_scope()
    noise = _ou_samples(1000 * ms, mean=8.0, std=5.0, seed=1)
    table = np.column_stack([np.full(noise.size, 10.0), noise])
    stim = TimedArray(table * UNIT, dt=0.1 * ms)
    spikes, _, _ = _hh_run(1000 * ms, DEFAULT_DT, "stim_table(t, i)", {"stim_table": stim}, n=2)
    got = [np.asarray(tr / ms) for _, tr in sorted(spikes.spike_trains().items())]
    refs = [lsoda_spikes(table[:, k], 0.1, 1000.0) for k in range(2)]
    return got, refs


@pytest.mark.parametrize("neuron,what", [(0, "10 µA/cm² step"), (1, "frozen OU noise")])
def test_spike_times_within_0p1_ms_of_lsoda_over_1_s(one_second, neuron, what):
    """Every spike of 1 s of repetitive firing within 0.1 ms of LSODA (rtol = atol = 1e-10)
    at the default dt; Brian2 reports a spike at the start of the step whose update crossed
    the threshold, so up to one dt of the difference is that reporting."""
    got, refs = one_second
    g, ref = got[neuron], refs[neuron]
    assert len(ref) >= 50, what
    assert len(g) == len(ref), what
    assert np.max(np.abs(g - ref)) <= 0.1, what


# ================================================================ (c) stability
def test_minus_500_uA_relaxes_as_the_analytic_leak_at_dt_0p1_ms():
    """−500 µA/cm² at dt = 0.1 ms (10× the default): v heads for E_L + I/g_L = −1721 mV,
    where every HH channel is closed (g_Na m³h and g_K n⁴ < 1e-30 mS/cm²), so the membrane
    is then a passive leak with τ_L = C/g_L = 3.33 ms.  "Near the steady state" therefore
    means: (i) after the gates have closed (t ≥ 3 ms) v(t) − v∞ decays exactly as
    exp(−t/τ_L) (to rounding: the method is exact there), (ii) v at 10 ms, still
    e^{−3}·|v0 − v∞| ≈ 80 mV away from v∞, matches LSODA, (iii) by 60 ms it is within
    1e-3 mV of v∞ (the analytic remainder is ~1e-5 mV).  RK4 at the default dt diverges on
    the same input (the negative control)."""
    dt = 0.1
    _, state, pop = _hh_run(60 * ms, dt * ms, "-500*uA/cm**2", record=True)
    t = state.t / ms
    v = state.v[0] / mV
    for var in ("v", "m", "h", "n"):
        assert np.all(np.isfinite(getattr(state, var)[0]))
    for var in ("m", "h", "n"):
        x = getattr(state, var)[0]
        assert np.all((x >= -1e-12) & (x <= 1 + 1e-12))
    v_inf, tau = -54.387 - 500 / 0.3, 1 / 0.3
    late = t >= 3.0
    leak = v_inf + (v[late][0] - v_inf) * np.exp(-(t[late] - t[late][0]) / tau)
    np.testing.assert_allclose(v[late], leak, rtol=1e-11)  # |Δv| < 2e-8 mV
    ref = lsoda_trace(-500.0, np.array([0.0, 10.0]), rtol=1e-10, atol=1e-10)[0][-1]
    k10 = int(round(10.0 / dt))
    assert abs(v[k10] - ref) < 0.05 and abs(v[k10] - v_inf) > 50
    assert abs(float(pop.output.v[0] / mV) - v_inf) < 1e-3

    # RK4 overflows to inf/NaN (DivergenceError), or Cython's checked division meets the
    # overflowed rates first (a ZeroDivisionError inside Brian2's code object)
    with pytest.raises((DivergenceError, BrianObjectException)) as failure:
        run(Protocol(model="hh", stimulus=S.Constant(-500 * UNIT), duration=10 * ms,
                     method="rk4", dt=DEFAULT_DT, record=()), backend="runtime")
    if failure.type is BrianObjectException:
        assert isinstance(failure.value.__cause__, ZeroDivisionError)


@pytest.mark.parametrize("dt_ms", [0.01, 0.1])
def test_plus_minus_500_uA_and_noise_of_std_50_never_give_nan(dt_ms):
    """±500 µA/cm² steps and intrinsic OU noise of std 50 µA/cm² (τ 2 ms, the protocols'
    own noise, as in the equivalence task) at dt up to 0.1 ms: no NaN, gates in [0, 1] and v
    inside the bounds every update respects (a convex combination of v and the frozen
    steady state, which lies within [E_K, E_Na] widened by I/g_L)."""
    duration = 200 * ms
    noise = Protocol(model="hh", stimulus=S.Constant(0 * UNIT), duration=duration,
                     method=METHOD_NAME, dt=dt_ms * ms, intrinsic_noise=50 * UNIT, trials=4,
                     seed=1002, record=("v", "m", "h", "n"), record_neurons="all")
    rec = run(noise, backend="runtime")
    sig = rec.main.signals
    v = np.asarray(sig["v"].channel(0))
    assert np.all(np.isfinite(v))
    i_max = 50.0 * 8  # 8 standard deviations
    assert v.min() > -77.0 - i_max / 0.3 and v.max() < 50.0 + i_max / 0.3
    for var in ("m", "h", "n"):
        for k in range(4):
            x = np.asarray(sig[var].channel(k))
            assert np.all((x >= -1e-12) & (x <= 1 + 1e-12))
    assert rec.main.spike_counts().sum() > 0

    import brian2
    brian2.start_scope()
    table = np.tile(np.array([[500.0, -500.0]]), (2, 1))
    stim = TimedArray(table * UNIT, dt=10 * ms)
    _, state, _ = _hh_run(10 * ms, dt_ms * ms, "stim_pm(t, i)", {"stim_pm": stim}, n=2,
                          record=True)
    for var in ("v", "m", "h", "n"):
        assert np.all(np.isfinite(getattr(state, var)))
    assert np.all((state.m >= -1e-12) & (state.m <= 1 + 1e-12))
    vv = state.v / mV
    assert vv[0].max() < 50.0 + 500 / 0.3 and vv[1].min() > -77.0 - 500 / 0.3


# ================================================================ circuits and backends
def test_tv_lif2hh_with_the_new_method_equals_hh():
    """The exact circuit integrates HH's own membrane equation (its channel units keep
    v_k = E_k exactly), so with the same method it gives hh's trace to rounding."""
    noise = _ou_samples(100 * ms, mean=8.0, std=5.0, seed=4)
    stim = TimedArray(noise * UNIT, dt=0.1 * ms)
    traces = []
    for model in ("hh", "tv-lif2hh"):
        import brian2
        brian2.start_scope()
        _, state, _ = _hh_run(100 * ms, DEFAULT_DT, "stim_tv(t)", {"stim_tv": stim},
                              record=True, model=model)
        traces.append(state.v[0] / mV)
    assert traces[0].max() > 0  # it fires
    assert np.max(np.abs(traces[0] - traces[1])) < 1e-6


@pytest.mark.standalone
@pytest.mark.parametrize("backend", ["cpp", "cpp-simd"])
def test_same_spikes_on_runtime_and_standalone(backend):
    """Frozen OU noise driving 3 neurons at different means for 200 ms: the same spikes on
    the runtime device and the C++ backends, each within one step."""
    stim = S.OrnsteinUhlenbeck(mean=6 * UNIT, std=5 * UNIT, tau=5 * ms, seed=3)
    p = Protocol(model="hh", method=METHOD_NAME, stimulus=stim + S.Constant(0 * UNIT),
                 duration=200 * ms, conditions={"amplitude1": [0.0, 2.0, 4.0] * UNIT},
                 record=())
    a = run(p, backend="runtime")
    b = run(p, backend=backend)
    ca, cb = a.main.spike_counts(), b.main.spike_counts()
    assert ca.sum() > 10
    np.testing.assert_array_equal(ca, cb)
    oa = np.lexsort((a.spike_times, a.spike_indices))
    ob = np.lexsort((b.spike_times, b.spike_indices))
    assert np.max(np.abs(a.spike_times[oa] - b.spike_times[ob])) <= float(DEFAULT_DT / ms) + 1e-9


@pytest.mark.cuda
def test_cuda_sources_are_generated_with_the_new_method():
    import importlib.util

    if importlib.util.find_spec("brian2cuda") is None:
        pytest.skip("brian2cuda is not installed (see tests/protocols/test_cuda_codegen.py)")
    try:
        import brian2cuda  # noqa: F401
    except Exception as exc:
        pytest.skip(f"brian2cuda does not import with this brian2: {exc!r}")
    from pathlib import Path

    from brian2 import prefs

    backend = prefs.devices.cuda_standalone.cuda_backend
    saved = (backend.detect_gpus, backend.gpu_id, backend.compute_capability)
    backend.detect_gpus, backend.gpu_id, backend.compute_capability = False, 0, 9.0
    try:
        p = Protocol(model="hh", method=METHOD_NAME, stimulus=S.Constant(10 * UNIT),
                     duration=5 * ms, trials=4)
        build = run(p, backend="cuda", generate_only=True)
        assert build.generate_only and build.compiled == 0
    finally:
        backend.detect_gpus, backend.gpu_id, backend.compute_capability = saved
    directory = Path(build.directory)
    source = (directory / "code_objects" / "neurons_stateupdater_codeobject.cu").read_text()
    assert "_rl2_" in source and "exprel" in source
