"""Sampled currents: frozen noise and user arrays, played through a Brian2 ``TimedArray``.

Contents
--------
OrnsteinUhlenbeck       coloured noise, frozen by ``seed`` (replayed on every trial)
WhiteNoise              piecewise-constant Gaussian noise, frozen by ``seed``
ArrayStimulus           a user array, 1-D (time) or 2-D (time × neuron)
WaveformSet             several sampled waveforms, one chosen per neuron/condition
ornstein_uhlenbeck      exact Ornstein–Uhlenbeck samples (NumPy)

These stimuli need the simulated duration: ``to_brian(prefix, n, duration=...)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from brian2 import Quantity, TimedArray, ms, second

from hhlif.models import check_quantity
from hhlif.models.errors import ParameterError
from hhlif.models.units import uniform_value
from hhlif.protocols.stimuli.base import (CURRENT, CURRENT_REFERENCE, CURRENT_SI, TIME_REFERENCE,
                                          Stimulus, StimulusCode, check_nonnegative,
                                          indices_in_range, quantity_default)

__all__ = ["OrnsteinUhlenbeck", "WhiteNoise", "ArrayStimulus", "WaveformSet",
           "ornstein_uhlenbeck"]


@dataclass(frozen=True)
class _Sampled(Stimulus):
    """Base of stimuli given by samples on a grid of step ``sample_dt`` (TimedArray)."""

    sampled: ClassVar[bool] = True

    def samples(self, duration, n: int | None = None):
        """Values (amp/metre**2) on the grid covering ``duration``; shape (steps,) or
        (steps, n)."""
        raise NotImplementedError

    def _check_sample_dt(self) -> None:
        """Convert ``sample_dt`` to a time quantity, raising unless it is > 0."""
        object.__setattr__(self, "sample_dt", check_quantity("sample_dt", self.sample_dt, second,
                                                             positive=True))

    def _steps(self, duration) -> int:
        """Number of samples covering ``duration``, both ends included."""
        return int(math.ceil(float(duration) / float(self.sample_dt))) + 1

    def to_brian(self, prefix, n, *, duration=None):
        """Brian2 code playing the samples over ``duration`` (required) through a TimedArray."""
        if duration is None:
            raise ParameterError(f"{type(self).__name__}: the duration must be known")
        values = self.samples(duration)
        ta = TimedArray(values, dt=self.sample_dt)
        name = f"{prefix}values"
        call = f"{name}(t, i)" if np.ndim(values) == 2 else f"{name}(t)"
        return StimulusCode(expression=call, namespace={name: ta})

    def sample(self, times, neuron: int = 0):
        t = np.asarray(check_quantity("times", times, second, context="sample"), dtype=float)
        duration = (float(np.max(t)) if t.size else 0.0) + float(self.sample_dt)
        values = np.asarray(self.samples(duration * second))
        idx = np.clip(np.floor(t / float(self.sample_dt) + 1e-9).astype(int), 0, len(values) - 1)
        col = values[idx] if values.ndim == 1 else values[idx, self._column(neuron)]
        return Quantity(col, dim=CURRENT_SI.dim)

    def _column(self, neuron: int) -> int:
        """Column of 2-D samples that ``neuron`` receives (its own, by default)."""
        return neuron


# ---------------------------------------------------------------------- noise (frozen)
@dataclass(frozen=True)
class OrnsteinUhlenbeck(_Sampled):
    """Coloured (Ornstein–Uhlenbeck) noise current, frozen by ``seed``.

    The same ``seed`` gives the same realisation on every trial and backend (it is
    generated with NumPy, exactly: x_{k+1} = μ + (x_k − μ)e^{−Δ/τ} + σ√(1 − e^{−2Δ/τ}) ξ_k,
    x_0 drawn from the stationary distribution), then played through a TimedArray of step
    ``sample_dt``.  Mean ``mean``, standard deviation ``std``, autocorrelation time ``tau``.
    """

    mean: Any = quantity_default(0 * CURRENT)
    std: Any = quantity_default(5 * CURRENT)
    tau: Any = quantity_default(5 * ms)
    seed: int = 0
    sample_dt: Any = quantity_default(0.1 * ms)
    _fields: ClassVar = {"mean": CURRENT_REFERENCE, "std": CURRENT_REFERENCE,
                         "tau": TIME_REFERENCE}
    _positive: ClassVar = ("tau",)

    def __post_init__(self):
        super().__post_init__()
        self._check_sample_dt()
        if np.ndim(self.mean) or np.ndim(self.std) or np.ndim(self.tau):
            raise ParameterError("OrnsteinUhlenbeck: mean, std and tau must be scalars (the"
                                 " noise is frozen: one realisation for all neurons)")
        check_nonnegative("OrnsteinUhlenbeck", "std", self.std)

    def samples(self, duration, n=None):
        return ornstein_uhlenbeck(self._steps(duration), float(self.sample_dt), float(self.mean),
                                  float(self.std), float(self.tau),
                                  np.random.default_rng(self.seed)) * CURRENT_SI


@dataclass(frozen=True)
class WhiteNoise(_Sampled):
    """Piecewise-constant Gaussian white noise: independent N(mean, std²) samples held for
    ``sample_dt`` each, frozen by ``seed``.  (Its power spectral density is
    std²·sample_dt up to 1/(2·sample_dt).)"""

    mean: Any = quantity_default(0 * CURRENT)
    std: Any = quantity_default(5 * CURRENT)
    seed: int = 0
    sample_dt: Any = quantity_default(0.1 * ms)
    _fields: ClassVar = {"mean": CURRENT_REFERENCE, "std": CURRENT_REFERENCE}

    def __post_init__(self):
        super().__post_init__()
        self._check_sample_dt()

    def samples(self, duration, n=None):
        rng = np.random.default_rng(self.seed)
        return (float(self.mean) + float(self.std) * rng.standard_normal(self._steps(duration))
                ) * CURRENT_SI


def ornstein_uhlenbeck(steps: int, dt: float, mean: float, std: float, tau: float, rng,
                       n: int | None = None) -> np.ndarray:
    """Exact Ornstein–Uhlenbeck samples, started from the stationary distribution.

    Parameters
    ----------
    steps : int
        Number of samples.
    dt, tau : float
        Sample step and autocorrelation time (seconds).
    mean, std : float
        Stationary mean and standard deviation (SI units of the quantity sampled).
    rng : numpy.random.Generator
        The source of the Gaussian increments.
    n : int, optional
        Number of independent processes (columns).

    Returns
    -------
    numpy.ndarray
        Shape (steps,) or (steps, n).
    """
    from scipy.signal import lfilter

    shape = (steps,) if n is None else (steps, n)
    xi = rng.standard_normal(shape)
    a = math.exp(-dt / tau)
    b = std * math.sqrt(1 - a * a)
    out = np.empty(shape)
    out[0] = std * xi[0]
    # x_k = a x_{k-1} + b xi_k  as a linear filter (fast, exact)
    out[1:] = lfilter([b], [1, -a], xi[1:], axis=0, zi=(a * out[0] * np.ones((1,) + shape[1:])))[0]
    return out + mean


# ---------------------------------------------------------------------- arrays
@dataclass(frozen=True)
class _Table(_Sampled):
    """Base of stimuli given as a table ``values`` (time first, current units), played as
    it is: each sample held for ``sample_dt``, the last one afterwards."""

    values: Any = None

    def _check_values(self, dimensions: tuple, layout: str) -> None:
        """Convert ``values`` to a current, raising unless it is non-empty and has one of
        ``dimensions`` (``layout`` says what was expected, for the message)."""
        owner = type(self).__name__
        values = check_quantity("values", self.values, CURRENT_REFERENCE,
                                context=f"{owner} parameter")
        if np.ndim(values) not in dimensions or np.size(values) == 0:
            raise ParameterError(f"{owner} parameter 'values': expected a non-empty {layout},"
                                 f" got shape {np.shape(values)}")
        object.__setattr__(self, "values", values)

    def samples(self, duration, n=None):
        return self.values


@dataclass(frozen=True)
class ArrayStimulus(_Table):
    """A user-supplied current: ``values`` of shape (steps,) or (steps, n_neurons) in
    current units, each held for ``sample_dt``; the last value is held afterwards."""

    sample_dt: Any = quantity_default(0.1 * ms)

    def __post_init__(self):
        self._check_values((1, 2), "1-D or 2-D array (time × neuron)")
        self._check_sample_dt()

    def to_brian(self, prefix, n, *, duration=None):
        """Brian2 code for ``n`` neurons (one column each, for 2-D ``values``); the table is
        played as it is, so ``duration`` is not needed."""
        if np.ndim(self.values) == 2 and self.values.shape[1] != n:
            raise ParameterError(f"ArrayStimulus: {self.values.shape[1]} columns for {n} neurons")
        return super().to_brian(prefix, n, duration=duration or 1 * second)


@dataclass(frozen=True)
class WaveformSet(_Table):
    """A set of sampled waveforms, one of them per neuron: neuron ``k`` receives column
    ``index[k]`` of ``values`` (time × waveform, current units, each sample held for
    ``sample_dt``, the last one afterwards).

    ``index`` is the sweepable parameter: with ``conditions={"index": [0, 1, 2]}`` every
    condition (and every trial of it) gets its own waveform, in one build; the table is held
    once, not per neuron.

    Examples
    --------
    >>> import numpy as np
    >>> from brian2 import ms, uA, cm
    >>> w = WaveformSet(values=np.array([[1.0, 5.0], [2.0, 6.0]]) * uA / cm**2, index=1)
    >>> w.sample([0.05, 0.15, 0.5] * ms) / (uA / cm**2)
    array([5., 6., 6.])
    """

    index: Any = 0
    sample_dt: Any = quantity_default(0.1 * ms)
    _fields: ClassVar = {"index": 1}

    def __post_init__(self):
        super().__post_init__()
        self._check_values((2,), "2-D array (time × waveform)")
        k = self.values.shape[1]
        if not indices_in_range(self.index, k):
            raise ParameterError(f"WaveformSet parameter 'index'={self.index!r}: expected"
                                 f" integers in [0, {k - 1}] (columns of 'values')")
        index = np.asarray(self.index, dtype=float)
        object.__setattr__(self, "index", index.astype(int) if index.ndim else int(index))
        self._check_sample_dt()

    def to_brian(self, prefix, n, *, duration=None):
        """Brian2 code for ``n`` neurons, each reading its column of the table (``duration``
        is not needed)."""
        self._check_neurons(n, "indices")
        name, var = f"{prefix}values", f"{prefix}index"
        table = TimedArray(self.values, dt=self.sample_dt)
        single = uniform_value(np.asarray(self.index))
        if single is not None:
            return StimulusCode(expression=f"{name}(t, {int(single)})", namespace={name: table})
        return StimulusCode(expression=f"{name}(t, {var})",
                            declarations=f"{var} : integer (constant)",
                            variables={var: np.asarray(self.index, dtype=np.int32)},
                            namespace={name: table})

    def _column(self, neuron: int) -> int:
        column = np.asarray(self.index)
        return int(column[neuron]) if column.ndim else int(column)
