"""Shared fixtures: Brian2 device/clock reset, LSODA reference integrator for HH."""

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _reset_brian2():
    """Every test starts on Brian2's runtime device with a fresh scope and default clock."""
    import brian2
    from brian2.devices.device import reset_device

    reset_device("runtime")
    brian2.start_scope()
    brian2.defaultclock.dt = 0.1 * brian2.ms
    yield
    reset_device("runtime")


def hh_lsoda(current, duration_ms, convention="modern", threshold=None, start_ms=0.0,
             stop_ms=None, rtol=1e-10, atol=1e-10):
    """Spike times (ms) of the HH 1952 model under a step current, integrated with LSODA.

    Independent of Brian2: rate functions from ``hhlif.models.hh_rates`` (NumPy), itself
    checked against the 1952 formulas in tests/models/test_hodgkin_huxley.py.
    """
    from scipy.integrate import solve_ivp

    from hhlif.models import hh_rates, hh_resting_state

    e = {"modern": (50.0, -77.0, -54.387, -65.0, -40.0),
         "shifted": (115.0, -12.0, 10.613, 0.0, 25.0)}[convention]
    e_na, e_k, e_l, offset, vth = e
    threshold = vth if threshold is None else threshold
    stop_ms = duration_ms if stop_ms is None else stop_ms
    rest = hh_resting_state(convention)

    def f(t, y):
        v, m, h, n = y
        r = hh_rates(v - offset)
        i = current if start_ms <= t < stop_ms else 0.0
        dv = 120 * m**3 * h * (e_na - v) + 36 * n**4 * (e_k - v) + 0.3 * (e_l - v) + i
        return [dv, r["alpha_m"] * (1 - m) - r["beta_m"] * m,
                r["alpha_h"] * (1 - h) - r["beta_h"] * h, r["alpha_n"] * (1 - n) - r["beta_n"] * n]

    def crossing(t, y):
        return y[0] - threshold

    crossing.direction = 1
    sol = solve_ivp(f, (0, duration_ms), [rest["v"], rest["m"], rest["h"], rest["n"]],
                    method="LSODA", rtol=rtol, atol=atol, events=crossing, max_step=0.05)
    return np.asarray(sol.t_events[0])


@pytest.fixture
def lsoda_hh():
    return hh_lsoda
