"""``resonance-classes``: classes differ in the frequency of a small sinusoidal current.

HH's membrane, linearised at rest, is a band-pass filter: :func:`hh_impedance` (the
1952 equations linearised at their resting state, four variables) peaks at 66.7 Hz,
2.8 times its DC value (:func:`hh_resonance_frequency`; a noiseless Brian2 run of the
``hh`` model with a 0.05 µA/cm² sine gives the same |Z| within 0.01 % at 20-150 Hz).
A LIF is a low-pass filter (``|Z| = R / sqrt(1 + (2 pi f tau_m)^2)``), and the ``adex``
control resonates near 33.5 Hz (:func:`~hhlif.models.adaptive_exponential.adex_impedance`).
Class 0 is the private noise alone (the null class); class ``c >= 1`` adds a sine of
frequency ``frequencies[c - 1]``, of an amplitude below threshold, with a phase drawn per
seed block.  Each frequency is also scored against the null class on its own
(``by_class`` of :func:`~hhlif.protocols.experiments.pools.evaluate_pool`): how well a
pool detects a small sine at that frequency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from hhlif.models.errors import ParameterError
from hhlif.models.units import format_value

from . import ClassTask, register_task

__all__ = ["ResonanceClasses", "hh_jacobian", "hh_impedance", "hh_resonance_frequency"]


# ----------------------------------------------------------------------------- impedance
def _hh_fixed_point(current: float, g_Na: float, g_K: float, g_L: float, E_Na: float,
                    E_K: float, E_L: float, V_offset: float) -> tuple:
    """The HH steady state (v in mV, m, h, n) at a constant current (µA/cm²)."""
    from scipy.optimize import brentq

    from hhlif.models.hodgkin_huxley import hh_rates

    def gates(v):
        r = hh_rates(v - V_offset)
        return tuple(r[f"alpha_{x}"] / (r[f"alpha_{x}"] + r[f"beta_{x}"]) for x in "mhn")

    def balance(v):
        m, h, n = gates(v)
        return (g_Na * m**3 * h * (E_Na - v) + g_K * n**4 * (E_K - v) + g_L * (E_L - v)
                + current)

    v = brentq(balance, V_offset - 25.0, V_offset + 6.0, xtol=1e-12)
    return (float(v),) + tuple(float(x) for x in gates(v))


def hh_jacobian(current: float = 0.0, convention: str = "modern", g_Na: float = 120.0,
                g_K: float = 36.0, g_L: float = 0.3, C_m: float = 1.0) -> np.ndarray:
    """The Jacobian (1/ms) of the HH 1952 equations in (v [mV], m, h, n) at the steady
    state of a constant current (µA/cm²); conductances in mS/cm², C_m in µF/cm².

    The rate functions' voltage derivatives are central differences (step 1e-4 mV).
    Below the rheobase (about 6.2 µA/cm² for a slow ramp) every eigenvalue has a negative
    real part; the complex pair gives the damped oscillation behind the resonance.
    """
    from brian2 import mV

    from hhlif.models.hodgkin_huxley import HH_CONVENTIONS, hh_rates

    conv = HH_CONVENTIONS[convention]
    E_Na, E_K, E_L, off = (float(conv[k] / mV) for k in ("E_Na", "E_K", "E_L", "V_offset"))
    v, m, h, n = _hh_fixed_point(float(current), g_Na, g_K, g_L, E_Na, E_K, E_L, off)
    eps = 1e-4
    r = hh_rates(v - off)
    up, down = hh_rates(v + eps - off), hh_rates(v - eps - off)
    d = {k: (up[k] - down[k]) / (2 * eps) for k in r}
    J = np.zeros((4, 4))
    J[0, 0] = -(g_Na * m**3 * h + g_K * n**4 + g_L) / C_m
    J[0, 1] = 3 * g_Na * m**2 * h * (E_Na - v) / C_m
    J[0, 2] = g_Na * m**3 * (E_Na - v) / C_m
    J[0, 3] = 4 * g_K * n**3 * (E_K - v) / C_m
    for i, (x, value) in enumerate(zip("mhn", (m, h, n)), start=1):
        J[i, 0] = d[f"alpha_{x}"] * (1 - value) - d[f"beta_{x}"] * value
        J[i, i] = -(r[f"alpha_{x}"] + r[f"beta_{x}"])
    return J


def hh_impedance(frequencies_hz, current: float = 0.0, **parameters) -> np.ndarray:
    """|Z(f)| of the HH 1952 model linearised at its steady state, in mV per µA/cm²
    (kΩ·cm²): the amplitude of the membrane potential's response to a small sinusoidal
    current per unit of its amplitude, once transients have decayed.

    ``Z(iω) = [(iω − J)⁻¹]_vv / C_m`` with ``J`` from :func:`hh_jacobian`.

    Parameters
    ----------
    frequencies_hz : array_like
        Frequencies in Hz.
    current : float
        Constant current (µA/cm²) at which to linearise (0: rest).
    **parameters
        ``convention``, ``g_Na``, ``g_K``, ``g_L``, ``C_m`` of :func:`hh_jacobian`.

    Returns
    -------
    numpy.ndarray
        |Z| in mV/(µA/cm²), the shape of ``frequencies_hz``.

    Examples
    --------
    >>> z = hh_impedance([1.0, 66.5, 300.0])
    >>> bool(z[1] > 2 * z[0] and z[1] > 2 * z[2])
    True
    """
    J = hh_jacobian(current, **parameters)
    C_m = float(parameters.get("C_m", 1.0))
    f = np.asarray(frequencies_hz, dtype=float)
    omega = 2e-3 * np.pi * f.ravel()   # rad/ms
    e0 = np.eye(4)[0]
    z = np.array([np.linalg.solve(1j * w * np.eye(4) - J, e0)[0] for w in omega]) / C_m
    return np.abs(z).reshape(f.shape)


def hh_resonance_frequency(current: float = 0.0, **parameters) -> float:
    """The frequency (Hz) at which :func:`hh_impedance` peaks (grid of 0.1 Hz refined by a
    bounded scalar search); 0 when it peaks at DC.

    Examples
    --------
    >>> round(hh_resonance_frequency(), 1)
    66.7
    """
    from scipy.optimize import minimize_scalar

    grid = np.arange(0.0, 500.0, 0.5)
    z = hh_impedance(grid, current, **parameters)
    i = int(np.argmax(z))
    if i == 0:
        return 0.0
    best = minimize_scalar(lambda f: -float(hh_impedance(f, current, **parameters)),
                           bounds=(grid[i - 1], grid[min(i + 1, grid.size - 1)]),
                           method="bounded", options={"xatol": 1e-4})
    return float(best.x)


# ----------------------------------------------------------------------------- the task
@dataclass(frozen=True)
class ResonanceClasses(ClassTask):
    """Class 0: ``offset`` alone (the null class); class ``c >= 1``: ``offset`` plus a
    sine of ``amplitude`` at ``frequencies[c - 1]``, switched on by a raised-cosine ramp
    of ``ramp`` (so that the onset is no step), its phase drawn uniformly per seed block
    and class.

    Parameters
    ----------
    offset : Quantity (current density)
        Constant current of every class (0 µA/cm²: HH's resonance is linearised at rest,
        and moves up with a depolarising offset, to 71 Hz at 1 µA/cm² and 75 Hz at 2).
    amplitude : Quantity (current density)
        Amplitude of the sine (1 µA/cm², below threshold: without noise no sine of
        10-150 Hz and 1.25 µA/cm² makes HH fire in 100 ms, 1.5 µA/cm² does at 55-60 Hz;
        1 µA/cm² moves v by 2.4 mV at the resonance).
    frequencies : tuple of Quantity (frequency)
        The sine of each class after the null class (20, 47, 67, 87, 110, 150 Hz: HH's
        67 Hz resonance with neighbours 20 Hz on either side, and the ends of the
        20-150 Hz range).
    ramp : Quantity (time)
        Length of the raised-cosine onset of the sine (10 ms).
    seed : int
        Stimulus seed: block ``b`` draws its phases from ``(seed, b)``.

    Notes
    -----
    The defaults were chosen on HH alone (pool of 5, 2 seeds x 30 trials per class): the
    private noise (1 µA/cm², the common 2 ms shot noise) makes HH fire sparsely on the null
    class (2 Hz; 7 Hz over all classes; 3 µA/cm² gave 35 Hz and drowned the sine), and its
    detection information per neuron (by class) is then 0.17, 1.13, 2.44, 1.54, 0.43,
    0.02 (``fisher``) and 0.026, 0.120, 0.156, 0.152, 0.053, 0.000 bits (``mi``) for 20,
    47, 67, 87, 110, 150 Hz: a peak at 67 Hz.  The bins (50 ms, two per trial) hold a
    whole period of the slowest sine, so that the readout sees each sine's effect on the
    rate rather than the phase modulation that only slow sines leave in a bin.
    """

    name: ClassVar[str] = "resonance-classes"
    description: ClassVar[str] = ("a small sine per class (20-150 Hz) or none, below threshold,"
                                  " + private noise: detecting each frequency")
    expected: ClassVar[str] = ("HH's impedance peaks near 67 Hz and a LIF's falls with frequency:"
                               " the ratio exceeds 1 and peaks near HH's resonance (by_class)")
    units: ClassVar[dict] = {"offset": "uA_cm2", "amplitude": "uA_cm2",
                             "frequencies": "Hz", "ramp": "ms"}
    defaults: ClassVar[dict] = {"duration_ms": 100.0, "bin_ms": 50.0,
                                "noise_std_uA_cm2": 1.0}
    null_class: ClassVar[int | None] = 0

    offset: Any = 0.0
    amplitude: Any = 1.0
    frequencies: Any = (20.0, 47.0, 67.0, 87.0, 110.0, 150.0)
    ramp: Any = 10.0

    def check(self) -> None:
        f = self.value("frequencies")
        if np.ndim(f) != 1 or f.size < 1 or not np.all(f > 0):
            raise ParameterError(f"{self.name} setting 'frequencies'="
                                 f"{format_value(self.frequencies)}: expected a list of"
                                 " frequencies > 0, one per class after the null class")
        if len(set(f.tolist())) != f.size:
            raise ParameterError(f"{self.name} setting 'frequencies'="
                                 f"{format_value(self.frequencies)}: expected distinct"
                                 " frequencies (one class each)")
        if not float(self.value("amplitude")) > 0:
            raise ParameterError(f"{self.name} setting 'amplitude'="
                                 f"{format_value(self.amplitude)}: expected a current > 0")
        if float(self.value("ramp")) < 0:
            raise ParameterError(f"{self.name} setting 'ramp'={format_value(self.ramp)}:"
                                 " expected a time >= 0")

    def class_labels(self) -> list[str]:
        return ["none"] + [f"{v:g} Hz" for v in self.value("frequencies")]

    def currents(self, block: int, duration_ms: float) -> np.ndarray:
        t = self.times_ms(duration_ms)
        f = self.value("frequencies")
        phase = self.rng(block).uniform(0.0, 2 * np.pi, f.size)
        ramp = float(self.value("ramp"))
        envelope = np.ones_like(t) if ramp == 0 else \
            np.where(t < ramp, 0.5 * (1 - np.cos(np.pi * np.minimum(t, ramp) / ramp)), 1.0)
        out = np.full((t.size, f.size + 1), float(self.value("offset")))
        out[:, 1:] += float(self.value("amplitude")) * envelope[:, None] * \
            np.sin(2e-3 * np.pi * f[None, :] * t[:, None] + phase[None, :])
        return out


register_task(ResonanceClasses)
