"""Adaptive exponential integrate-and-fire (AdEx) neuron, per unit membrane area, in a
resonator regime: the two-variable control with what HH has and LIF lacks.

::

    C_m dv/dt = −g_L (v − E_L) + g_L Δ_T exp((v − V_T)/Δ_T) − w + I_input
                                                        (v not integrated while refractory)
    τ_w dw/dt = a (v − E_L) − w
    spike when v > V_peak;  then v ← V_reset, w ← w + b, and v is held for t_ref.

``a`` is a conductance density (mS/cm²), ``w`` and ``b`` current densities (µA/cm²), so
the model takes the same ``I_input`` as every hhlif model (Brette & Gerstner 2005 write
the same equations per neuron, in nS and pA).

Sub-threshold analysis (the oracles below, all closed-form)
------------------------------------------------------------
Fixed points at a constant current I lie on ``I = (g_L + a)(v − E_L) − g_L Δ_T e(v)``,
``e(v) = exp((v − V_T)/Δ_T)``, ``w = a (v − E_L)``.  The lower (resting) root is
``v* = v₀ − Δ_T W₀(−g_L/(g_L + a) · exp((v₀ − V_T)/Δ_T))``, ``v₀ = E_L + I/(g_L + a)``
(Lambert W, principal branch: :func:`adex_resting_state`).  Linearised there, with the
effective leak ``g = g_L (1 − e(v*))``::

    J = [[−g/C_m, −1/C_m], [a/τ_w, −1/τ_w]]        Z(iω) = 1 / (iωC_m + g + a/(1 + iωτ_w))

(:func:`adex_impedance`).  The eigenvalues are complex — damped oscillations, a
resonance — when ``(g/C_m − 1/τ_w)² < 4a/(C_m τ_w)``; |Z| peaks at a nonzero frequency
when ``(C_m − aτ_w)² < 2aτ_w²(g + a)``, at
``ω² = (√(1 − (B − τ_w²(g + a)²)/C_m²) − 1)/τ_w²``, ``B = (C_m + gτ_w)² − 2(g + a)C_mτ_w``
(:func:`adex_resonance_frequency`).  The resting state loses stability as I grows either
where the trace vanishes, ``e = 1 + τ_m/τ_w`` (Andronov–Hopf, when a/g_L > τ_m/τ_w,
τ_m = C_m/g_L), or where the determinant vanishes, ``e = 1 + a/g_L`` (saddle-node,
otherwise): :func:`adex_rheobase` (Touboul & Brette 2008; Naud et al. 2008).

Defaults: the resonator
-----------------------
``C_m`` 1 µF/cm², ``g_L`` 0.1 mS/cm² (τ_m = 10 ms), ``Δ_T`` 2 mV (the slope factor of
Naud et al.'s firing-pattern parameter sets), ``E_L`` −65 mV (HH's rest), ``V_peak`` 0 mV.
``V_T`` −59 mV, ``a`` 0.8 mS/cm², ``τ_w`` 20 ms, ``b`` 4 µA/cm², ``V_reset`` −60 mV and
``t_ref`` 2 ms were derived here from the linearisation above and short simulations, not
taken from a table (Naud et al.'s sets are per neuron, in nS and pA): a/g_L = 8 >
τ_m/τ_w = 0.5 puts the model on the Hopf side of Naud et al.'s and Touboul & Brette's
phase diagrams, where the rest is a focus, and V_T close to rest makes the rebound reach
threshold.  Then:

* eigenvalues at rest −0.072 ± 0.199i /ms (damped 32 Hz oscillations, decay time 14 ms);
  |Z| peaks at 33.5 Hz, 6.3 × its DC value (HH's peak is near 67 Hz);
* the rest loses stability at 5.83 µA/cm² (subcritical Hopf; HH's rheobase is about 6.2).
  A step from rest sustains firing from about 5.5 µA/cm² (the bistable range below the
  Hopf point), at about 46 Hz (type II onset, HH's is about 50 Hz), and fires one onset
  spike from 2.1 µA/cm², as HH does below its rheobase; 53, 70, 160 Hz at 7, 10,
  20 µA/cm² (HH: 58, 68, 86.5);
* a −3 µA/cm², 20 ms pulse gives one rebound spike 6 ms after its end (−2.5 µA/cm²
  suffices, −2.25 does not); v sags back during the pulse.

They are a control, not a fit to HH (a calibration fits some of them).  The resonance and
the rebound need a/g_L > τ_m/τ_w and V_T within a few mV of rest.

Integration: Brian2's ``euler`` at dt = 0.01 ms.  The exponential cannot overflow: v ≤
V_peak at the start of every step (a step that crosses V_peak is reset before the next),
so its argument never exceeds (V_peak − V_T)/Δ_T — 29.5 with the defaults, at most
:data:`MAX_EXPONENT` for any accepted values — and ±200 µA/cm² inputs stay finite.  The
sub-threshold dynamics are resolved (dt·g_L/C_m = 10⁻³, dt/τ_w = 5·10⁻⁴); the upstroke is
a finite-time blow-up that euler follows with a lag: against LSODA, a first or single
spike is within 0.03 ms, and the lag grows by about 0.05 ms per spike (rates within 1 %;
first order: dt = 0.001 ms divides it by ten).  ``exponential_euler`` does not apply (the
equation is not linear in v); ``rk4``'s stages overshoot V_peak inside a step and overflow
the exponential (v becomes NaN at 10 µA/cm²).

References
----------
Brette R., Gerstner W. (2005) Adaptive exponential integrate-and-fire model as an
effective description of neuronal activity.  J Neurophysiol 94:3637–3642.
Naud R., Marcille N., Clopath C., Gerstner W. (2008) Firing patterns in the adaptive
exponential integrate-and-fire model.  Biol Cybern 99:335–347.
Touboul J., Brette R. (2008) Dynamics and bifurcations of the adaptive exponential
integrate-and-fire model.  Biol Cybern 99:319–334.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
from brian2 import Quantity, cm, get_dimensions, mS, ms, mV, uA, uF
from scipy.special import lambertw

from .errors import ParameterError, UnknownNameError
from .neuron_model import NeuronModel, check_quantity
from .units import format_quantity

__all__ = ["AdExModel", "adaptive_exponential", "adex_resting_state", "adex_impedance",
           "adex_resonance_frequency", "adex_rheobase", "MAX_EXPONENT"]

_EQUATIONS = """
dv/dt = (g_L*(E_L - v) + g_L*Delta_T*exp((v - V_T)/Delta_T) - w + I_input)/C_m : volt (unless refractory)
dw/dt = (a*(v - E_L) - w)/tau_w : amp/meter**2
"""

#: The largest accepted (V_peak − V_T)/Delta_T, the exponential's largest argument in any
#: step: exp(200) ≈ 7e86 keeps every step finite in double precision.
MAX_EXPONENT = 200.0

#: Default values as plain numbers in the package's units (µF/cm², mS/cm², mV, ms, µA/cm²).
_DEFAULTS = dict(C_m=1.0, g_L=0.1, E_L=-65.0, V_T=-59.0, Delta_T=2.0, a=0.8, tau_w=20.0,
                 b=4.0, V_reset=-60.0, V_peak=0.0, t_ref=2.0)

_UNITS = dict(C_m=uF / cm**2, g_L=mS / cm**2, E_L=mV, V_T=mV, Delta_T=mV, a=mS / cm**2,
              tau_w=ms, b=uA / cm**2, V_reset=mV, V_peak=mV, t_ref=ms)

#: Initial state: the resting state at zero input, one Newton step from E_L on the
#: current balance (error ~1e-7 mV with the defaults; Brian2 evaluates it per neuron).
_INITIAL = dict(
    v="E_L + g_L*Delta_T*exp((E_L - V_T)/Delta_T)/(g_L + a - g_L*exp((E_L - V_T)/Delta_T))",
    w="a*(v - E_L)",
)


def _at(index: int, size: int, entries: str) -> str:
    return f" at index {index} of {size} {entries}" if size > 1 else ""


@dataclass(frozen=True)
class AdExModel(NeuronModel):
    """The AdEx :class:`NeuronModel`: the shared checks plus the slope factor's.

    Besides :meth:`NeuronModel.check_physical` (finite values, C_m and g_L > 0, a >= 0,
    tau_w > 0, t_ref >= 0, E_L < V_T < V_peak, V_reset < V_peak), ``Delta_T`` must be
    > 0 and (V_peak − V_T)/Delta_T at most :data:`MAX_EXPONENT`.
    """

    def check_physical(self, values: Mapping[str, Any], given=None,
                       entries: str = "values") -> None:
        """Refuse physically meaningless AdEx parameter values (scalars or arrays).

        Raises
        ------
        ParameterError
            One line naming the parameter and its value (see the class docstring).
        """
        super().check_physical(values, given=given, entries=entries)
        if "Delta_T" not in values:
            return
        slope = np.asarray(values["Delta_T"] / mV, dtype=float).ravel()
        bad = np.flatnonzero(slope <= 0)
        if bad.size:
            i = int(bad[0])
            raise ParameterError(
                f"parameter 'Delta_T'={format_quantity(slope[i] * mV)}"
                f"{_at(i, slope.size, entries)}: expected a voltage > 0 (the slope factor"
                f" of the spike initiation)")
        if "V_peak" not in values or "V_T" not in values:
            return
        try:
            peak, threshold, slope = np.broadcast_arrays(
                np.asarray(values["V_peak"] / mV, dtype=float).ravel(),
                np.asarray(values["V_T"] / mV, dtype=float).ravel(), slope)
        except ValueError:
            return  # different lengths: refused by the shape check of the caller
        bad = np.flatnonzero((peak - threshold) / slope > MAX_EXPONENT)
        if bad.size:
            i = int(bad[0])
            least = (peak[i] - threshold[i]) / MAX_EXPONENT
            raise ParameterError(
                f"parameter 'Delta_T'={format_quantity(slope[i] * mV)}"
                f"{_at(i, slope.size, entries)}: expected at least (V_peak - V_T)/"
                f"{MAX_EXPONENT:g} = {format_quantity(least * mV)} (exp((v - V_T)/Delta_T)"
                f" up to v = V_peak must stay finite)")


def adaptive_exponential(*, method: str = "euler", dt=0.01 * ms) -> AdExModel:
    """The AdEx model description (``adex`` in the registry), in its resonator regime.

    Parameters
    ----------
    method : str
        Brian2 integration method (default ``euler``: see the module docstring).
    dt : Quantity
        Integration step (default 0.01 ms).

    Returns
    -------
    AdExModel

    Notes
    -----
    Defaults: ``C_m`` 1 µF/cm², ``g_L`` 0.1 mS/cm², ``E_L`` −65 mV, ``V_T`` −59 mV,
    ``Delta_T`` 2 mV, ``a`` 0.8 mS/cm², ``tau_w`` 20 ms, ``b`` 4 µA/cm², ``V_reset``
    −60 mV, ``V_peak`` 0 mV, ``t_ref`` 2 ms (their source and consequences: the module
    docstring).  The neurons start at the resting state (v*, w*) of zero input.  Values are
    checked on every path (:meth:`AdExModel.check_physical`); a step above τ_m/10 warns
    (:meth:`NeuronModel.check_time_step`).
    """
    params = {key: value * _UNITS[key] for key, value in _DEFAULTS.items()}
    return AdExModel(
        name="adex",
        description="adaptive exponential integrate-and-fire, resonator regime"
                    " (rebound spikes, 33 Hz resonance)",
        equations=_EQUATIONS,
        parameters=params,
        initial=dict(_INITIAL),
        threshold="v > V_peak",
        reset="v = V_reset; w += b",
        refractory="t_ref",
        method=method,
        dt=dt,
        references="Brette & Gerstner (2005) J Neurophysiol 94:3637; Naud et al. (2008)"
                   " Biol Cybern 99:335; Touboul & Brette (2008) Biol Cybern 99:319",
        orderings=(("E_L", "V_T", "the leak reversal must lie below the spike-initiation"
                                  " threshold"),
                   ("V_T", "V_peak", "the spike cut-off must lie above the spike-initiation"
                                     " threshold"),
                   ("V_reset", "V_peak", "the reset potential must lie below the spike"
                                         " cut-off")),
        time_constant=("C_m", "g_L"),
    )


# ------------------------------------------------------------------ analytic oracles
def _numbers(parameters: Mapping[str, Any]) -> dict:
    """Defaults merged with ``parameters`` as floats in the package's units; a value may be
    a plain number (in those units) or a Brian2 quantity (dimensions checked)."""
    out = dict(_DEFAULTS)
    for key, value in parameters.items():
        if key not in _DEFAULTS:
            raise UnknownNameError(
                f"parameter {key!r}: not a parameter of model 'adex';"
                f" valid parameters are {', '.join(sorted(_DEFAULTS))}")
        if isinstance(value, Quantity) and not get_dimensions(value).is_dimensionless:
            value = check_quantity(key, value, _UNITS[key]) / _UNITS[key]
        out[key] = np.asarray(value, dtype=float)
    model = adaptive_exponential()
    model.check_physical({k: v * _UNITS[k] for k, v in out.items()}, given=parameters)
    return out


def _current(current) -> np.ndarray:
    if isinstance(current, Quantity) and not get_dimensions(current).is_dimensionless:
        current = check_quantity("current", current, uA / cm**2) / (uA / cm**2)
    return np.asarray(current, dtype=float)


def _rest_voltage(p: dict, current) -> np.ndarray:
    g, a, slope = p["g_L"], p["a"], p["Delta_T"]
    v0 = p["E_L"] + current / (g + a)
    z = -g / (g + a) * np.exp((v0 - p["V_T"]) / slope)
    if np.any(z < -np.exp(-1.0)):
        merge = (g + a) * (p["V_T"] + slope * np.log1p(a / g) - p["E_L"] - slope)
        raise ParameterError(
            f"current={np.max(current):g} uA/cm**2: no resting state (the resting and"
            f" saddle fixed points merge at {np.min(merge):g} uA/cm**2)")
    return v0 - slope * np.real(lambertw(z, 0))


def adex_resting_state(current=0.0, **parameters) -> dict:
    """The resting (stable-branch) fixed point of the AdEx model at a constant current.

    Parameters
    ----------
    current : float or Quantity
        Constant input (µA/cm² for a plain number).
    **parameters
        Model parameters replacing the defaults: plain numbers in µF/cm², mS/cm², mV, ms,
        µA/cm², or Brian2 quantities.

    Returns
    -------
    dict
        ``v`` (mV) and ``w`` (µA/cm²), floats (arrays for array inputs): the lower root of
        ``I = (g_L + a)(v − E_L) − g_L Δ_T exp((v − V_T)/Δ_T)``, by Lambert W, and
        ``w = a (v − E_L)``.  It is stable below :func:`adex_rheobase`.

    Raises
    ------
    ParameterError
        For a bad parameter value, or a current above the saddle-node (no fixed point).
    """
    p = _numbers(parameters)
    v = _rest_voltage(p, _current(current))
    w = p["a"] * (v - p["E_L"])
    return dict(v=v if np.ndim(v) else float(v), w=w if np.ndim(w) else float(w))


def _admittance(p: dict, current, frequencies_hz) -> np.ndarray:
    v = _rest_voltage(p, current)
    g = p["g_L"] * (1.0 - np.exp((v - p["V_T"]) / p["Delta_T"]))
    omega = 2e-3 * np.pi * np.asarray(frequencies_hz, dtype=float)  # rad/ms
    return 1j * omega * p["C_m"] + g + p["a"] / (1.0 + 1j * omega * p["tau_w"])


def adex_impedance(frequencies_hz, current=0.0, **parameters) -> np.ndarray:
    """|Z(f)| of the AdEx model linearised at its resting state, in mV per µA/cm² (kΩ·cm²).

    ``Z(iω) = 1 / (iωC_m + g + a/(1 + iωτ_w))``, ``g = g_L (1 − exp((v* − V_T)/Δ_T))``:
    the amplitude of the membrane potential's response to a small sinusoidal current
    per unit of its amplitude, once transients have decayed.

    Parameters
    ----------
    frequencies_hz : array_like
        Frequencies in Hz.
    current : float or Quantity
        Constant current at which to linearise (µA/cm² for a plain number; default 0).
    **parameters
        As for :func:`adex_resting_state`.

    Returns
    -------
    numpy.ndarray
        |Z| in mV/(µA/cm²), the shape of ``frequencies_hz``.
    """
    p = _numbers(parameters)
    return 1.0 / np.abs(_admittance(p, _current(current), frequencies_hz))


def adex_resonance_frequency(current=0.0, **parameters) -> float:
    """The frequency (Hz) at which :func:`adex_impedance` peaks; 0 when it peaks at DC.

    Closed form (module docstring): with ``A = (g + a)²`` and
    ``B = (C_m + gτ_w)² − 2(g + a)C_mτ_w``, ``ω² = (√(1 − (B − τ_w²A)/C_m²) − 1)/τ_w²`` when
    ``B < τ_w²A``.

    Parameters
    ----------
    current, **parameters
        As for :func:`adex_impedance`.

    Returns
    -------
    float
    """
    p = _numbers(parameters)
    v = _rest_voltage(p, _current(current))
    g = p["g_L"] * (1.0 - np.exp((v - p["V_T"]) / p["Delta_T"]))
    C, a, tau = p["C_m"], p["a"], p["tau_w"]
    A = (g + a) ** 2
    B = (C + g * tau) ** 2 - 2.0 * (g + a) * C * tau
    x = (np.sqrt(np.maximum(1.0 - (B - tau**2 * A) / C**2, 0.0)) - 1.0) / tau**2
    f = 1e3 * np.sqrt(np.maximum(x, 0.0)) / (2.0 * np.pi)
    return float(f) if np.ndim(f) == 0 else f


def adex_rheobase(**parameters) -> dict:
    """The constant current at which the AdEx resting state loses stability.

    Parameters
    ----------
    **parameters
        As for :func:`adex_resting_state`.

    Returns
    -------
    dict
        ``current`` (µA/cm²), ``v`` (mV, the fixed point there) and ``bifurcation``:
        ``'hopf'`` where a/g_L > τ_m/τ_w (the trace of the Jacobian vanishes first, at
        exp((v − V_T)/Δ_T) = 1 + τ_m/τ_w) else ``'saddle-node'`` (the determinant, at
        1 + a/g_L).  Below it the rest is stable; above it, for a current reached slowly,
        the neuron fires.  A step from rest fires onset spikes at lower currents, and past
        a subcritical Hopf it may sustain firing somewhat below (bistable range).
    """
    p = _numbers(parameters)
    g, a, C, tau = p["g_L"], p["a"], p["C_m"], p["tau_w"]
    hopf = a / g > (C / g) / tau
    e = np.where(hopf, 1.0 + (C / g) / tau, 1.0 + a / g)
    v = p["V_T"] + p["Delta_T"] * np.log(e)
    current = (g + a) * (v - p["E_L"]) - g * p["Delta_T"] * e
    scalar = np.ndim(current) == 0
    kind = np.where(hopf, "hopf", "saddle-node")
    return dict(current=float(current) if scalar else current,
                v=float(v) if scalar else v,
                bifurcation=str(kind) if scalar else kind)
