"""Hodgkin–Huxley (1952) squid-axon model, one builder for both voltage conventions.

Conventions (../shared/PAPER.md):

* ``modern`` (model ``hh``): rest ≈ −65 mV, E_Na = 50, E_K = −77, E_L = −54.387 mV.
* ``shifted`` (model ``hh-shifted``): rest ≈ 0 mV as in Hodgkin & Huxley's paper and the
  seed's simplified scenario, E_Na = 115, E_K = −12, E_L = 10.613 mV.

Both share the rate functions, written once in the shifted variable
``u = v − V_offset`` (V_offset = −65 mV or 0 mV) with ``exprel`` removing the 0/0
points of α_m and α_n::

    α_m = 1/ms / exprel(−(u − 25 mV)/10 mV)      β_m = 4/ms · exp(−u/18 mV)
    α_h = 0.07/ms · exp(−u/20 mV)                β_h = 1/ms / (1 + exp(−(u − 30 mV)/10 mV))
    α_n = 0.1/ms / exprel(−(u − 10 mV)/10 mV)    β_n = 0.125/ms · exp(−u/80 mV)

    C_m dv/dt = g_Na m³h (E_Na − v) + g_K n⁴ (E_K − v) + g_L (E_L − v) + I_input

Integration accuracy is part of the model: the default is ``rush_larsen2``
(:mod:`hhlif.models.integrators`, a second-order exponential integrator) at dt = 0.01 ms,
chosen from a measured table (``benchmarks/results/hh_accuracy.md``): the cheapest (method,
dt) that keeps every spike within 0.1 ms of a tight LSODA reference over 1 s (10 µA/cm²
step: 0.046 ms; frozen noise: 0.011 ms) and is stable for any input (±500 µA/cm², noise std
50 µA/cm²).  RK4 is as accurate at this dt but diverges below about −140 mV (the m gate's
closing rate); Brian2's exponential Euler is stable but first order and drifts ~2 ms over 1 s.
"""

from __future__ import annotations

import numpy as np
from brian2 import cm, mS, ms, mV, uF
from scipy.optimize import brentq

from .neuron_model import NeuronModel

__all__ = [
    "HH_GATING_EQUATIONS",
    "HH_CONVENTIONS",
    "hodgkin_huxley",
    "hh_rates",
    "hh_resting_state",
]

#: Gating kinetics and conductances, shared by ``hh`` and the tv-LIF2HH circuit.
HH_GATING_EQUATIONS = """
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
u_hh = v - V_offset : volt
alpha_m = 1/exprel(-(u_hh - 25*mV)/(10*mV))/ms : Hz
beta_m = 4*exp(-u_hh/(18*mV))/ms : Hz
alpha_h = 0.07*exp(-u_hh/(20*mV))/ms : Hz
beta_h = 1/(1 + exp(-(u_hh - 30*mV)/(10*mV)))/ms : Hz
alpha_n = 0.1/exprel(-(u_hh - 10*mV)/(10*mV))/ms : Hz
beta_n = 0.125*exp(-u_hh/(80*mV))/ms : Hz
g_Na_t = g_Na*m**3*h : siemens/meter**2
g_K_t = g_K*n**4 : siemens/meter**2
"""

_MEMBRANE = """
dv/dt = (g_Na_t*(E_Na - v) + g_K_t*(E_K - v) + g_L*(E_L - v) + I_input)/C_m : volt
"""

#: Reversal potentials, offsets and spike-detection levels of the two conventions.
HH_CONVENTIONS = {
    "modern": dict(E_Na=50 * mV, E_K=-77 * mV, E_L=-54.387 * mV, V_offset=-65 * mV,
                   V_spike=-40 * mV,
                   seed_initial=dict(v=-70 * mV, m=0.0289, n=0.2446, h=0.7541)),
    "shifted": dict(E_Na=115 * mV, E_K=-12 * mV, E_L=10.613 * mV, V_offset=0 * mV,
                    V_spike=25 * mV,
                    seed_initial=dict(v=0 * mV, m=0.0489, n=0.6446, h=0.1341)),
}


def hh_rates(u_mV):
    """α and β (1/ms) of m, h, n at ``u = v − V_offset`` in mV (NumPy, for oracles).

    Returns
    -------
    dict
        Keys ``alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n``.
    """
    u = np.asarray(u_mV, dtype=float)

    def _x_over(x):  # x / (1 - exp(-x)), continuous at 0
        x = np.asarray(x, dtype=float)
        small = np.abs(x) < 1e-8
        safe = np.where(small, 1.0, x)
        return np.where(small, 1.0 + x / 2, safe / -np.expm1(-safe))

    return dict(
        alpha_m=_x_over((u - 25) / 10),
        beta_m=4 * np.exp(-u / 18),
        alpha_h=0.07 * np.exp(-u / 20),
        beta_h=1 / (1 + np.exp(-(u - 30) / 10)),
        alpha_n=0.1 * _x_over((u - 10) / 10),
        beta_n=0.125 * np.exp(-u / 80),
    )


def hh_resting_state(convention: str = "modern", g_Na=120.0, g_K=36.0, g_L=0.3,
                     E_Na=None, E_K=None, E_L=None):
    """Resting potential (mV) and steady-state gating of the HH model at zero input.

    Solves Σ I_ion(v) = 0 with m, h, n at their steady states (brentq).

    Returns
    -------
    dict
        ``v`` (mV, float), ``m``, ``h``, ``n``.
    """
    conv = HH_CONVENTIONS[convention]
    E_Na = float(conv["E_Na"] / mV) if E_Na is None else E_Na
    E_K = float(conv["E_K"] / mV) if E_K is None else E_K
    E_L = float(conv["E_L"] / mV) if E_L is None else E_L
    off = float(conv["V_offset"] / mV)

    def gates(v):
        r = hh_rates(v - off)
        return (r["alpha_m"] / (r["alpha_m"] + r["beta_m"]),
                r["alpha_h"] / (r["alpha_h"] + r["beta_h"]),
                r["alpha_n"] / (r["alpha_n"] + r["beta_n"]))

    def current(v):
        m, h, n = gates(v)
        return g_Na * m**3 * h * (E_Na - v) + g_K * n**4 * (E_K - v) + g_L * (E_L - v)

    v = brentq(current, off - 20, off + 10, xtol=1e-12)
    m, h, n = gates(v)
    return dict(v=float(v), m=float(m), h=float(h), n=float(n))


def hodgkin_huxley(convention: str = "modern", *, initial: str = "rest",
                   method: str = "rush_larsen2", dt=0.01 * ms) -> NeuronModel:
    """Build the HH model description for one voltage convention.

    Parameters
    ----------
    convention : {'modern', 'shifted'}
        Rest near −65 mV (``hh``) or near 0 mV (``hh-shifted``).
    initial : {'rest', 'seed'}
        Start from the resting steady state (default) or from the initial values
        listed in the seed's reference code.
    method, dt
        Integration method and step (defaults validated against LSODA).

    Returns
    -------
    NeuronModel

    Notes
    -----
    Parameters (per unit area): ``C_m`` 1 µF/cm², ``g_Na`` 120, ``g_K`` 36, ``g_L`` 0.3 mS/cm²,
    reversal potentials of the convention, ``V_offset`` (the convention's shift of the rate
    functions) and ``V_spike`` (spike detection: upward crossing; the neuron is refractory
    while ``v > V_spike``; −40 mV in the modern convention, 25 mV shifted).

    References
    ----------
    Hodgkin A.L., Huxley A.F. (1952) J Physiol 117:500–544.
    """
    if convention not in HH_CONVENTIONS:
        raise ValueError(f"convention={convention!r}: expected one of {sorted(HH_CONVENTIONS)}")
    conv = HH_CONVENTIONS[convention]
    params = dict(
        C_m=1 * uF / cm**2, g_Na=120 * mS / cm**2, g_K=36 * mS / cm**2, g_L=0.3 * mS / cm**2,
        E_Na=conv["E_Na"], E_K=conv["E_K"], E_L=conv["E_L"],
        V_offset=conv["V_offset"], V_spike=conv["V_spike"],
    )
    if initial == "rest":
        rest = hh_resting_state(convention)
        init = dict(v=rest["v"] * mV, m=rest["m"], h=rest["h"], n=rest["n"])
    elif initial == "seed":
        init = dict(conv["seed_initial"])
    else:
        raise ValueError(f"initial={initial!r}: expected 'rest' or 'seed'")
    name = "hh" if convention == "modern" else "hh-shifted"
    return NeuronModel(
        name=name,
        description=("Hodgkin-Huxley 1952, rest ~ -65 mV" if convention == "modern"
                     else "Hodgkin-Huxley 1952, shifted convention, rest ~ 0 mV"),
        equations=_MEMBRANE + HH_GATING_EQUATIONS,
        parameters=params,
        initial=init,
        threshold="v > V_spike",
        reset=None,
        refractory="v > V_spike",
        method=method,
        dt=dt,
        references="Hodgkin & Huxley (1952) J Physiol 117:500-544; He et al. (2024) Nat Comput Sci 4:584",
    )
