"""AdEx (``adex``) against independent oracles: a finite-difference Jacobian of the raw
right-hand side and its resolvent (eigenvalues, impedance, loss of stability), a bracketing
root finder on the raw current balance (resting state), LSODA with event-detected resets
(spike times), and the Brian2 simulation itself (sine responses, rebound, rheobase).

Every simulation runs on Brian2's runtime device with the NumPy target, over short runs.
"""

import numpy as np
import pytest
from brian2 import Network, SpikeMonitor, StateMonitor, cm, mS, ms, mV, prefs, uA, uF
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from hhlif import models
from hhlif.models.errors import ParameterError, ParameterUnitError

CURRENT = uA / cm**2

#: The defaults in µF/cm², mS/cm², mV, ms, µA/cm², written out independently of the module.
P = dict(C_m=1.0, g_L=0.1, E_L=-65.0, V_T=-59.0, Delta_T=2.0, a=0.8, tau_w=20.0, b=4.0,
         V_reset=-60.0, V_peak=0.0, t_ref=2.0)
UNITS = dict(C_m=uF / cm**2, g_L=mS / cm**2, E_L=mV, V_T=mV, Delta_T=mV, a=mS / cm**2,
             tau_w=ms, b=CURRENT, V_reset=mV, V_peak=mV, t_ref=ms)


@pytest.fixture(autouse=True)
def _numpy_target():
    previous = prefs.codegen.target
    prefs.codegen.target = "numpy"
    yield
    prefs.codegen.target = previous


def _rhs(v, w, current, p=P):
    """The AdEx right-hand side (mV/ms, µA/cm²/ms) written from the equations."""
    dv = (-p["g_L"] * (v - p["E_L"]) + p["g_L"] * p["Delta_T"]
          * np.exp((v - p["V_T"]) / p["Delta_T"]) - w + current) / p["C_m"]
    dw = (p["a"] * (v - p["E_L"]) - w) / p["tau_w"]
    return np.array([dv, dw])


def _jacobian(v, w, current, h=1e-5):
    """Central finite differences of :func:`_rhs` (1/ms and its unit ratios)."""
    cols = [(_rhs(v + h, w, current) - _rhs(v - h, w, current)) / (2 * h),
            (_rhs(v, w + h, current) - _rhs(v, w - h, current)) / (2 * h)]
    return np.column_stack(cols)


def _rest_by_bracketing(current):
    """The lower root of the current balance at ``current`` (brentq on the raw equation)."""
    def balance(v):
        return _rhs(v, P["a"] * (v - P["E_L"]), current)[0]
    # the balance I(v) rises up to its maximum where g_L exp((v - V_T)/Delta_T) = g_L + a
    top = P["V_T"] + P["Delta_T"] * np.log(1 + P["a"] / P["g_L"])
    v = brentq(balance, P["E_L"] - 50.0 + current / (P["g_L"] + P["a"]), top, xtol=1e-13)
    return v, P["a"] * (v - P["E_L"])


def _impedance_from_jacobian(frequencies_hz, current=0.0):
    """|Z| (mV per µA/cm²): the v-entry of (iωI − J)⁻¹ applied to the input (1/C_m, 0)."""
    v, w = _rest_by_bracketing(current)
    J = _jacobian(v, w, current)
    out = []
    for f in np.atleast_1d(frequencies_hz):
        omega = 2e-3 * np.pi * f  # rad/ms
        x = np.linalg.solve(1j * omega * np.eye(2) - J, np.array([1.0 / P["C_m"], 0.0]))
        out.append(abs(x[0]))
    return np.array(out)


def _simulate(n, duration, input_expression, *, extra="", variables=None, parameters=None,
              model="adex", record_v=False, state=None, dt=None):
    """Build ``n`` neurons of ``model``, run ``duration``; (spike trains in ms, v monitor)."""
    pop = models.get(model).build(n, input_expression=input_expression, extra_equations=extra,
                                  variables=variables or {}, parameters=parameters or {},
                                  dt=dt)
    for key, value in (state or {}).items():
        setattr(pop.group, key, value)
    spikes = SpikeMonitor(pop.group)
    objects = pop.objects + [spikes]
    monitor = None
    if record_v:
        monitor = StateMonitor(pop.group, "v", record=True, dt=0.1 * ms)
        objects.append(monitor)
    Network(objects).run(duration)
    trains = {k: np.asarray(t / ms) for k, t in spikes.spike_trains().items()}
    return trains, monitor


# ----------------------------------------------------------------------------- registry
def test_registered_with_its_method_step_and_overridable_parameters():
    assert "adex" in models.available()
    assert "adaptive exponential" in models.describe_all()["adex"]
    model = models.get("adex", a=0.5 * mS / cm**2, tau_w=30 * ms)
    assert model.method == "euler" and float(model.dt / ms) == pytest.approx(0.01)
    assert float(model.parameters["a"] / (mS / cm**2)) == pytest.approx(0.5)
    assert model.threshold == "v > V_peak" and model.reset == "v = V_reset; w += b"
    defaults = models.get("adex").parameters
    assert set(defaults) == set(P)
    for key, value in P.items():  # the documented defaults
        assert float(defaults[key] / UNITS[key]) == pytest.approx(value), key


# ----------------------------------------------------------------------------- analysis
def test_resting_state_matches_the_root_of_the_current_balance():
    for current in (0.0, 2.0, 5.0):
        v, w = _rest_by_bracketing(current)
        rest = models.adex_resting_state(current=current)
        assert rest["v"] == pytest.approx(v, abs=1e-9)
        assert rest["w"] == pytest.approx(w, abs=1e-9)
    # quantities are accepted as well as plain numbers in the package's units
    rest = models.adex_resting_state(current=2 * CURRENT, V_T=-57 * mV)
    assert rest["v"] == pytest.approx(models.adex_resting_state(2.0, V_T=-57.0)["v"])
    with pytest.raises(ParameterError, match="no resting state"):
        models.adex_resting_state(current=50.0)


def test_rest_is_a_stable_focus_and_the_impedance_peaks_in_the_tens_of_hz():
    """Complex eigenvalues with negative real part at rest (damped oscillations); the closed-
    form |Z| equals the resolvent of the finite-difference Jacobian; it peaks at a nonzero
    frequency, where :func:`adex_resonance_frequency` says."""
    v, w = _rest_by_bracketing(0.0)
    eig = np.linalg.eigvals(_jacobian(v, w, 0.0))
    assert np.all(eig.real < 0) and np.all(np.abs(eig.imag) > 0.1)  # > 16 Hz, per ms
    f = np.linspace(0.0, 200.0, 4001)
    np.testing.assert_allclose(models.adex_impedance(f), _impedance_from_jacobian(f),
                               rtol=1e-6)
    peak = f[np.argmax(_impedance_from_jacobian(f))]
    assert 20.0 < peak < 80.0
    assert models.adex_resonance_frequency() == pytest.approx(peak, abs=0.05)
    z = models.adex_impedance([0.0, peak])
    assert z[1] > 2 * z[0]
    # the LIF limit (a = 0) has no resonance: |Z| is largest at DC
    assert models.adex_resonance_frequency(a=0.0) == 0.0
    lif_like = models.adex_impedance(f, a=0.0)
    assert np.argmax(lif_like) == 0


def test_simulated_sine_responses_follow_the_impedance():
    """0.05 µA/cm² sines from rest: after 150 ms (transients decay as exp(-0.074 t/ms)) the
    amplitude of v, fitted at the known frequency, is |Z|·0.05 within 1 %, and largest at
    the analytic resonance, not at the lowest or highest frequency."""
    f_res = models.adex_resonance_frequency()
    freqs = np.array([5.0, 15.0, f_res, 60.0, 120.0])
    amp = 0.05
    trains, mon = _simulate(
        len(freqs), 300 * ms, "I_sine*sin(2*pi*f_sine*t)",
        extra="I_sine : amp/meter**2 (constant)\nf_sine : hertz (constant)",
        variables={"I_sine": amp * CURRENT, "f_sine": freqs * (1 / (1000 * ms))},
        record_v=True)
    assert not any(len(t) for t in trains.values())
    t = np.asarray(mon.t / ms)
    late = t >= 150.0
    measured = []
    for k, f in enumerate(freqs):
        v = np.asarray(mon.v[k] / mV)[late]
        phase = 2e-3 * np.pi * f * t[late]
        design = np.column_stack([np.sin(phase), np.cos(phase), np.ones_like(phase)])
        coef, *_ = np.linalg.lstsq(design, v, rcond=None)
        measured.append(np.hypot(coef[0], coef[1]) / amp)
    measured = np.array(measured)
    np.testing.assert_allclose(measured, models.adex_impedance(freqs), rtol=0.01)
    np.testing.assert_allclose(measured, _impedance_from_jacobian(freqs), rtol=0.01)
    assert np.argmax(measured) == 2 and measured[2] > 2 * measured[0]


# ----------------------------------------------------------------------------- spiking
_PULSE = dict(input_expression="I_pulse*int(t >= 20*ms)*int(t < 40*ms)",
              extra="I_pulse : amp/meter**2 (constant)")


def test_no_spike_and_no_drift_at_rest():
    trains, mon = _simulate(1, 300 * ms, "0*amp/meter**2", record_v=True)
    assert len(trains[0]) == 0
    v = np.asarray(mon.v[0] / mV)
    assert np.max(np.abs(v - _rest_by_bracketing(0.0)[0])) < 1e-5


def test_rebound_spike_after_a_hyperpolarising_pulse_and_none_without_adaptation_or_in_lif():
    """-3 µA/cm² for 20 ms from 20 ms (as ``hhlif run step --set amplitude=-3*uA/cm**2
    --set duration=20*ms``): AdEx fires a rebound spike within 30 ms of the release and
    then returns to rest (a transient, not a switch to firing); with a = 0 (no sub-threshold
    adaptation: a one-variable EIF) and in LIF there is none.  During the pulse v
    overshoots its steady state and sags back (the resonance in the time domain)."""
    trains, mon = _simulate(3, 150 * ms, **_PULSE,
                            variables={"I_pulse": [-3.0, -3.0, 0.0] * CURRENT},
                            parameters={"a": [0.8, 0.0, 0.8] * mS / cm**2}, record_v=True)
    rebound = trains[0]
    assert len(rebound) >= 1
    assert np.all((rebound > 40.0) & (rebound < 70.0)), rebound
    assert len(trains[1]) == 0 and len(trains[2]) == 0
    t = np.asarray(mon.t / ms)
    v = np.asarray(mon.v[0] / mV)
    during = v[(t >= 20) & (t < 40)]
    # hyperpolarised, past the steady state -3/(g + a) ≈ -3.3 mV, then a sag back (w)
    assert during.min() < P["E_L"] - 8.0 and during[-1] > during.min() + 5.0
    assert abs(v[-1] - _rest_by_bracketing(0.0)[0]) < 0.5  # and back near rest at the end

    lif_trains, lif_mon = _simulate(1, 150 * ms, **_PULSE, model="lif",
                                    variables={"I_pulse": -3.0 * CURRENT}, record_v=True)
    assert len(lif_trains[0]) == 0
    lif_v = np.asarray(lif_mon.v[0] / mV)
    assert lif_v[np.asarray(lif_mon.t / ms) > 40].max() <= -65.0 + 1e-9  # no overshoot


def _lsoda_spikes(current_at, stop, breaks, p=P):
    """Spike times (ms) of the AdEx equations by LSODA (rtol = atol = 1e-9), spikes found as
    events v = V_peak, then v ← V_reset, w ← w + b, v held for t_ref."""
    v, w = _rest_by_bracketing(0.0)
    y, t, spikes = [v, w], 0.0, []

    def rhs(t, y, held=False):
        dv, dw = _rhs(y[0], y[1], current_at(t), p)
        return [0.0 if held else dv, dw]

    def peak(t, y):
        return y[0] - p["V_peak"]

    peak.terminal, peak.direction = True, 1
    while t < stop:
        until = min([b for b in (*breaks, stop) if b > t + 1e-12])
        sol = solve_ivp(rhs, (t, until), y, method="LSODA", rtol=1e-9, atol=1e-9,
                        events=peak, max_step=0.1)
        if sol.status == 1:
            t_spike = float(sol.t_events[0][0])
            spikes.append(t_spike)
            y = [p["V_reset"], float(sol.y_events[0][0][1]) + p["b"]]
            held = solve_ivp(lambda t, y: rhs(t, y, True), (t_spike, t_spike + p["t_ref"]), y,
                             method="LSODA", rtol=1e-9, atol=1e-9)
            y, t = list(held.y[:, -1]), t_spike + p["t_ref"]
        else:
            y, t = list(sol.y[:, -1]), until
    return np.array(spikes)


def test_euler_at_0p01_ms_matches_lsoda_and_stays_finite_for_strong_input():
    """Spike times at the default (euler, dt 0.01 ms) against LSODA: the rebound spike
    and the first spike of a 10 µA/cm² step within 0.05 ms; over 100 ms of that step the
    same count, the k-th spike within 0.1·k ms (first order: the lag grows by ~0.05 ms per
    spike, more after a slow passage near threshold) and the late rate within 1 %.  A ±200
    µA/cm² input keeps v and w finite (the exponential's argument never exceeds
    (V_peak - V_T)/Delta_T)."""
    trains, _ = _simulate(2, 110 * ms, "I_step*int(t >= t_on)*int(t < t_off)",
                          extra="I_step : amp/meter**2 (constant)\n"
                                "t_on : second (constant)\nt_off : second (constant)",
                          variables={"I_step": [-3.0, 10.0] * CURRENT, "t_on": [20, 10] * ms,
                                     "t_off": [40, 1e6] * ms})
    rebound = _lsoda_spikes(lambda t: -3.0 if 20 <= t < 40 else 0.0, 110.0, (20.0, 40.0))
    assert len(rebound) == len(trains[0]) == 1
    assert trains[0][0] == pytest.approx(rebound[0], abs=0.05)
    tonic = _lsoda_spikes(lambda t: 10.0 if t >= 10 else 0.0, 110.0, (10.0,))
    got = trains[1]
    assert len(got) == len(tonic) >= 5
    assert abs(got[0] - tonic[0]) < 0.05
    assert np.all(np.abs(got - tonic) <= 0.1 * np.arange(1, len(got) + 1))
    assert 1 / np.mean(np.diff(got[-4:])) == pytest.approx(1 / np.mean(np.diff(tonic[-4:])),
                                                           rel=0.01)

    pop = models.get("adex").build(2, input_expression="I_strong",
                                   extra_equations="I_strong : amp/meter**2 (constant)",
                                   variables={"I_strong": [200.0, -200.0] * CURRENT})
    spikes = SpikeMonitor(pop.group)
    with np.errstate(over="raise", invalid="raise"):
        Network(pop.objects + [spikes]).run(20 * ms)
    assert np.all(np.isfinite(pop.group.v[:] / mV))
    assert np.all(np.isfinite(pop.group.w[:] / CURRENT))
    counts = spikes.count[:]
    assert counts[0] > 5 and counts[1] == 0


def test_rheobase_brackets_the_loss_of_stability():
    """The analytic rheobase (a Hopf point here) against the finite-difference Jacobian at
    the bracketed fixed point (stable 1 % below, unstable 1 % above); in simulation, from
    the fixed point of ±5 % of it with a 0.1 mV kick: below, no spike and the kick decays;
    above, it grows into sustained firing.  A step from rest (the ``fi-curve`` reading)
    sustains firing at 1.05× and not at 0.9× (one onset spike at most, as HH below its
    rheobase)."""
    rh = models.adex_rheobase()
    assert rh["bifurcation"] == "hopf" and 2.0 < rh["current"] < 10.0
    for factor, stable in ((0.99, True), (1.01, False)):
        v, w = _rest_by_bracketing(factor * rh["current"])
        eig = np.linalg.eigvals(_jacobian(v, w, factor * rh["current"]))
        assert np.all(eig.real < 0) == stable and np.all(np.abs(eig.imag) > 0)

    factors = np.array([0.95, 1.05, 0.9, 1.05])
    currents = factors * rh["current"]
    rests = [_rest_by_bracketing(c) for c in currents[:2]] + [_rest_by_bracketing(0.0)] * 2
    kick = np.array([0.1, 0.1, 0.0, 0.0])
    step_on = np.array([0.0, 0.0, 10.0, 10.0]) * ms
    trains, mon = _simulate(
        4, 400 * ms, "I_const*int(t >= t_on)",
        extra="I_const : amp/meter**2 (constant)\nt_on : second (constant)",
        variables={"I_const": currents * CURRENT, "t_on": step_on},
        state={"v": (np.array([r[0] for r in rests]) + kick) * mV,
               "w": np.array([r[1] for r in rests]) * CURRENT},
        record_v=True)
    t = np.asarray(mon.t / ms)
    v_below = np.asarray(mon.v[0] / mV) - rests[0][0]
    assert len(trains[0]) == 0
    assert np.max(np.abs(v_below[t > 300])) < 0.5 * np.max(np.abs(v_below[t < 100]))
    assert np.sum(trains[1] > 200) >= 3
    assert np.sum(trains[2] > 200) == 0 and len(trains[2]) <= 1
    assert np.sum(trains[3] > 200) >= 3


# ----------------------------------------------------------------------------- checks
@pytest.mark.parametrize("values, parts", [
    (dict(Delta_T=0 * mV), ("'Delta_T'=0*mV", "expected a voltage > 0")),
    (dict(Delta_T=0.1 * mV), ("'Delta_T'=0.1*mV", "expected at least (V_peak - V_T)/200")),
    (dict(V_reset=0 * mV), ("'V_reset'=0*mV", "below V_peak=0*mV")),
    (dict(V_T=-70 * mV), ("'V_T'=-70*mV", "above E_L=-65*mV")),
    (dict(V_peak=-60 * mV), ("'V_peak'=-60*mV", "above V_T=-59*mV")),
    (dict(tau_w=0 * ms), ("'tau_w'=0*ms", "time constant > 0")),
    (dict(a=-0.1 * mS / cm**2), ("'a'=-0.1*mS/cm**2", "conductance >= 0")),
    (dict(g_L=0 * mS / cm**2), ("'g_L'=0*mS/cm**2", "leak conductance > 0")),
    (dict(t_ref=-1 * ms), ("'t_ref'=-1*ms", "refractory period >= 0")),
    (dict(b=float("nan") * CURRENT), ("'b'", "finite")),
])
def test_bad_values_give_one_line_naming_parameter_and_value(values, parts):
    with pytest.raises(ParameterError) as info:
        models.get("adex", **values)
    message = str(info.value)
    assert "\n" not in message
    for part in parts:
        assert part in message, (part, message)
    # the analytic oracles refuse the same values the same way
    with pytest.raises(ParameterError, match=parts[0].replace("*", r"\*").replace("(", r"\(")
                       .replace(")", r"\)").replace(".", r"\.")):
        models.adex_impedance([10.0], **values)


def test_per_neuron_values_and_units_are_checked():
    with pytest.raises(ParameterError, match=r"'Delta_T'=0\*mV at index 1 of 2 neurons"):
        models.get("adex").build(2, parameters={"Delta_T": [2, 0] * mV})
    with pytest.raises(ParameterUnitError, match="'a'"):
        models.get("adex", a=1 * mV)
    with pytest.raises(ParameterUnitError, match="'tau_w'"):
        models.adex_impedance([10.0], tau_w=20 * mV)
