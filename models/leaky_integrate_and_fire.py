"""Leaky integrate-and-fire neuron, per unit membrane area.

::

    C_m dv/dt = g_L (E_L − v) + I_input       (not integrated while refractory)
    spike when v > V_th;  then v ← V_reset and the neuron is refractory for t_ref.

The membrane time constant is τ = C_m / g_L.  For a constant input I with
R·I > θ (R = 1/g_L, θ = V_th − E_L, reset to E_L) the firing rate is
1 / (t_ref + τ ln(R I / (R I − θ))) — the oracle of ``tests/models``.
"""

from __future__ import annotations

from brian2 import cm, mS, ms, mV, uF

from .neuron_model import NeuronModel

__all__ = ["leaky_integrate_and_fire", "lif_rate"]

_EQUATIONS = """
dv/dt = (g_L*(E_L - v) + I_input)/C_m : volt (unless refractory)
"""


def leaky_integrate_and_fire(*, method: str = "exponential_euler", dt=0.01 * ms) -> NeuronModel:
    """The LIF model description (``lif`` in the registry).

    Defaults: ``C_m`` 1 µF/cm², ``g_L`` 0.1 mS/cm² (τ = 10 ms), ``E_L`` −65 mV,
    ``V_th`` −50 mV, ``V_reset`` −65 mV, ``t_ref`` 2 ms.  Integration: the
    linear equation solved exactly over each step with the input held constant: Brian2's
    ``exponential_euler``, which for a linear equation is exact for piecewise-constant input).

    Values are checked on every path (:meth:`NeuronModel.check_physical`): ``V_reset`` below
    ``V_th``, ``C_m`` and ``g_L`` > 0, ``t_ref`` >= 0; a step above τ/10 warns
    (:meth:`NeuronModel.check_time_step`, called by ``build``).
    """
    params = dict(C_m=1 * uF / cm**2, g_L=0.1 * mS / cm**2, E_L=-65 * mV, V_th=-50 * mV,
                  V_reset=-65 * mV, t_ref=2 * ms)
    return NeuronModel(
        name="lif",
        description="leaky integrate-and-fire (C_m, g_L, E_L, V_th, V_reset, t_ref)",
        equations=_EQUATIONS,
        parameters=params,
        initial=dict(v="E_L"),
        threshold="v > V_th",
        reset="v = V_reset",
        refractory="t_ref",
        method=method,
        dt=dt,
        references="Lapicque (1907); Gerstner et al. (2014) Neuronal Dynamics, ch. 1",
        orderings=(("V_reset", "V_th", "the reset potential must lie below the threshold"),),
        time_constant=("C_m", "g_L"),
    )


def lif_rate(current, *, C_m=1.0, g_L=0.1, E_L=-65.0, V_th=-50.0, V_reset=-65.0, t_ref=2.0):
    """Analytic LIF firing rate (Hz) for a constant current (µA/cm²; other args in
    µF/cm², mS/cm², mV, ms).  Zero below rheobase g_L·(V_th − E_L)."""
    import numpy as np

    current = np.asarray(current, dtype=float)
    tau = C_m / g_L  # ms
    v_inf = E_L + current / g_L
    with np.errstate(divide="ignore", invalid="ignore"):
        isi = t_ref + tau * np.log((v_inf - V_reset) / (v_inf - V_th))
        rate = np.where(v_inf > V_th, 1000.0 / isi, 0.0)
    return rate
