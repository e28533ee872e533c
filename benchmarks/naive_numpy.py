"""The naive baseline: a per-step NumPy loop in the style of the seed's reference code.

Contents
--------
simulate_hh     HH (modern convention), RK4, one Python iteration per time step
simulate_lif    LIF, exact exponential step (Brian2's ``exponential_euler`` for a linear
                equation), refractory period, one Python iteration per time step

The seed integrates with a Python ``for`` loop over time steps and NumPy expressions over
neurons.  These functions do the same, with the *same* equations, parameters and
integration method as hhlif's ``hh`` and ``lif`` (so the neuron-steps are the same work as
in the Brian2 benchmarks).  Units: mV, ms, µA/cm², mS/cm², µF/cm².
"""

from __future__ import annotations

import numpy as np

__all__ = ["simulate_hh", "simulate_lif"]


def _rates(u):
    # x / (1 - exp(-x)) as in hhlif.models.hh_rates, without the 0/0 guard branch cost
    xm = (u - 25.0) / 10.0
    xn = (u - 10.0) / 10.0
    am = xm / -np.expm1(-xm)
    an = 0.1 * xn / -np.expm1(-xn)
    bm = 4.0 * np.exp(-u / 18.0)
    ah = 0.07 * np.exp(-u / 20.0)
    bh = 1.0 / (1.0 + np.exp(-(u - 30.0) / 10.0))
    bn = 0.125 * np.exp(-u / 80.0)
    return am, bm, ah, bh, an, bn


def _hh_derivatives(v, m, h, n, current):
    am, bm, ah, bh, an, bn = _rates(v + 65.0)
    dv = (120.0 * m**3 * h * (50.0 - v) + 36.0 * n**4 * (-77.0 - v)
          + 0.3 * (-54.387 - v) + current)
    return dv, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n


def simulate_hh(current, duration, dt=0.01, threshold=-40.0):
    """HH neurons under constant currents, RK4, a Python loop over time steps.

    Parameters
    ----------
    current : array_like
        µA/cm², one value per neuron.
    duration, dt : float
        ms.
    threshold : float
        Upward crossings of this voltage (mV) count as spikes.

    Returns
    -------
    counts : ndarray of int
        Spikes per neuron.
    """
    from hhlif.models import hh_resting_state

    current = np.asarray(current, dtype=float)
    rest = hh_resting_state("modern")
    v = np.full(current.shape, rest["v"])
    m = np.full(current.shape, rest["m"])
    h = np.full(current.shape, rest["h"])
    n = np.full(current.shape, rest["n"])
    counts = np.zeros(current.shape, dtype=np.int64)
    above = v > threshold
    for _ in range(int(round(duration / dt))):
        k1 = _hh_derivatives(v, m, h, n, current)
        k2 = _hh_derivatives(v + dt / 2 * k1[0], m + dt / 2 * k1[1], h + dt / 2 * k1[2],
                             n + dt / 2 * k1[3], current)
        k3 = _hh_derivatives(v + dt / 2 * k2[0], m + dt / 2 * k2[1], h + dt / 2 * k2[2],
                             n + dt / 2 * k2[3], current)
        k4 = _hh_derivatives(v + dt * k3[0], m + dt * k3[1], h + dt * k3[2], n + dt * k3[3],
                             current)
        v = v + dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        m = m + dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        h = h + dt / 6 * (k1[2] + 2 * k2[2] + 2 * k3[2] + k4[2])
        n = n + dt / 6 * (k1[3] + 2 * k2[3] + 2 * k3[3] + k4[3])
        now = v > threshold
        counts += now & ~above
        above = now
    return counts


def simulate_lif(current, duration, dt=0.01, *, C_m=1.0, g_L=0.1, E_L=-65.0, V_th=-50.0,
                 V_reset=-65.0, t_ref=2.0):
    """LIF neurons under constant currents, exact step, a Python loop over time steps.

    Returns
    -------
    counts : ndarray of int
        Spikes per neuron.
    """
    current = np.asarray(current, dtype=float)
    v = np.full(current.shape, E_L)
    v_inf = E_L + current / g_L
    decay = np.exp(-dt * g_L / C_m)
    refractory_until = np.full(current.shape, -np.inf)
    counts = np.zeros(current.shape, dtype=np.int64)
    for step in range(int(round(duration / dt))):
        t = step * dt
        active = t >= refractory_until
        v = np.where(active, v_inf + (v - v_inf) * decay, v)
        spiking = v > V_th
        counts += spiking
        v = np.where(spiking, V_reset, v)
        refractory_until = np.where(spiking, t + t_ref, refractory_until)
    return counts
