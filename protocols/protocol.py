"""The Protocol: which model (or network) gets which stimulus, for how long, how often.

A :class:`Protocol` is a frozen dataclass that validates itself.  ``trials`` repeats and
``conditions`` (values of one or more stimulus or model parameters) all run as neurons of
one group in one simulation, so 200 trials cost one build:

* neuron ``k`` of a population belongs to condition ``k // trials`` and trial ``k % trials``
  (for networks, each (condition, trial) pair is one copy of the network);
* the stimulus is the same on every trial of a condition (frozen noise included);
* ``intrinsic_noise`` adds an independent Ornstein–Uhlenbeck current per neuron, drawn from
  its own seed stream, so trials differ when the model is driven by frozen noise.

Run it with :func:`hhlif.protocols.run`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
from brian2 import Quantity, ms, second

from hhlif import models
from hhlif.models import NeuronModel, check_quantity
from hhlif.models.errors import ParameterError, UnknownNameError
from hhlif.models.units import (MAX_LISTED, format_each, format_quantity, format_value,
                               repeat_each)

from hhlif.protocols.stimuli import CURRENT, Constant, Stimulus

__all__ = ["Protocol", "RECORD_FIRST_MAX"]

#: ``record_neurons='first'`` records at most this many neurons' traces (a protocol of
#: thousands of conditions gets a few traces, not thousands; ``'all'`` or indices for more).
RECORD_FIRST_MAX = 10


def _q(value):
    return field(default_factory=lambda: value)


@dataclass(frozen=True)
class Protocol:
    """A stimulation protocol.

    Parameters
    ----------
    model : str or NeuronModel
        Registry name (``hhlif.models.available()``) or a model description.
    stimulus : Stimulus
        The input current (see :mod:`hhlif.protocols.stimuli`).
    duration : Quantity
        Simulated time (> 0).
    dt : Quantity, optional
        Integration step; default: the model's (validated) step.
    method : str, optional
        Integration method; default: the model's.
    trials : int
        Repeats of every condition (run as neurons of one group).
    conditions : mapping of str to sequence
        ``{parameter: values}``; each value is one condition.  A parameter is a field of
        the stimulus (e.g. ``amplitude``) or a model parameter (e.g. ``g_L``); several
        parameters are zipped (equal lengths).
    parameters : mapping of str to Quantity
        Model parameter overrides for every neuron.
    record : sequence of str
        State variables to record (``I_input`` is the applied stimulus); ``()``: spikes
        only.  Spikes of every neuron are always recorded.
    record_neurons : 'first', 'all', int or sequence of int
        Which neurons' state variables to record: ``'first'`` = the first neuron of each
        condition's first trial, at most :data:`RECORD_FIRST_MAX` of them (spread evenly
        over the conditions when there are more; networks: the first neurons of the first
        copy), ``'all'`` = every neuron, an int ``k`` = the first ``k`` neurons, a
        sequence = those neuron indices (``[]``: none).
    record_dt : Quantity
        Sampling interval of recorded state variables.
    intrinsic_noise : Quantity
        Standard deviation of the per-neuron intrinsic OU noise current (0: none).
    intrinsic_tau : Quantity
        Its correlation time.
    seed : int
        Seeds Brian2's generator and the intrinsic-noise stream (the stimulus noise has
        its own ``seed``).
    network : object, optional
        A network description from :mod:`hhlif.models.networks`; ``None`` = independent
        neurons.
    name : str
        Protocol name recorded in provenance.
    settings : mapping
        The user-level parameters the protocol was built from (provenance).

    Examples
    --------
    >>> from brian2 import ms, uA, cm
    >>> from hhlif.protocols import Protocol, stimuli
    >>> p = Protocol(model="lif", stimulus=stimuli.Constant(20*uA/cm**2), duration=100*ms,
    ...              trials=3)
    >>> p.n_neurons
    3
    """

    model: Any = "hh"
    stimulus: Stimulus = _q(Constant(10 * CURRENT))
    duration: Any = _q(100 * ms)
    dt: Any = None
    method: str | None = None
    trials: int = 1
    conditions: Mapping[str, Sequence] = _q({})
    parameters: Mapping[str, Any] = _q({})
    record: tuple = ("v", "I_input")
    record_neurons: Any = "first"
    record_dt: Any = _q(0.1 * ms)
    intrinsic_noise: Any = _q(0 * CURRENT)
    intrinsic_tau: Any = _q(2 * ms)
    seed: int = 0
    network: Any = None
    name: str = "custom"
    settings: Mapping[str, Any] = _q({})

    def __post_init__(self):
        model = self.model if isinstance(self.model, NeuronModel) else models.get(self.model)
        if self.parameters:
            model = model.with_parameters(**self.parameters)
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "duration", check_quantity("duration", self.duration, second,
                                                            positive=True))
        if self.dt is not None:
            object.__setattr__(self, "dt", check_quantity("dt", self.dt, second, positive=True))
            if float(self.dt) > float(self.duration):
                raise ParameterError(f"dt={format_value(self.dt)}: expected a step shorter than"
                                     f" the duration {format_value(self.duration)}")
        object.__setattr__(self, "record_dt", check_quantity("record_dt", self.record_dt, second,
                                                             positive=True))
        object.__setattr__(self, "intrinsic_noise", check_quantity(
            "intrinsic_noise", self.intrinsic_noise, CURRENT))
        if float(self.intrinsic_noise) < 0:
            raise ParameterError(f"intrinsic_noise={format_value(self.intrinsic_noise)}: expected"
                                 f" a standard deviation >= 0")
        object.__setattr__(self, "intrinsic_tau", check_quantity(
            "intrinsic_tau", self.intrinsic_tau, second, positive=True))
        if not isinstance(self.stimulus, Stimulus):
            raise ParameterError(f"stimulus={self.stimulus!r}: expected a Stimulus from"
                                 f" hhlif.protocols.stimuli")
        if isinstance(self.trials, bool) or int(self.trials) != self.trials or self.trials < 1:
            raise ParameterError(f"trials={self.trials!r}: expected an integer >= 1")
        if isinstance(self.seed, bool) or int(self.seed) != self.seed or self.seed < 0:
            raise ParameterError(f"seed={self.seed!r}: expected an integer >= 0")
        if isinstance(self.record, str):
            object.__setattr__(self, "record", (self.record,))
        object.__setattr__(self, "_conditions", self._check_conditions())

    # -------------------------------------------------------------- derived
    @property
    def neuron_model(self) -> NeuronModel:
        """The model description with ``parameters`` applied."""
        return self._model

    @property
    def integration_dt(self):
        """The integration step actually used."""
        return self.dt if self.dt is not None else self._model.dt

    @property
    def integration_method(self) -> str:
        return self.method or self._model.method

    @property
    def n_conditions(self) -> int:
        values = self._conditions
        return len(next(iter(values.values()))) if values else 1

    @property
    def n_copies(self) -> int:
        """Number of (condition, trial) copies of the neuron or network."""
        return self.n_conditions * int(self.trials)

    @property
    def n_neurons(self) -> int:
        """Model neurons per copy times copies (networks: see the network's size)."""
        per_copy = self.network.n_neurons if self.network is not None else 1
        return per_copy * self.n_copies

    def condition_values(self) -> dict:
        """``{parameter: Quantity array with one value per condition}``."""
        return dict(self._conditions)

    def condition_labels(self) -> dict[int, str]:
        """``{condition index: 'amplitude=10*uA/cm**2'}`` (empty string without conditions)."""
        if not self._conditions:
            return {0: ""}
        labels = {}
        texts = {k: format_each(v) for k, v in self._conditions.items()}
        for c in range(self.n_conditions):
            labels[c] = ", ".join(f"{k}={t[c]}" for k, t in texts.items())
        return labels

    def design(self) -> dict:
        """What an analysis needs to know about how the recording was made (written into
        every hhlif file as ``design_json``, so analysis never guesses from a name).

        ``frozen_stimulus``: every trial of a condition receives the same stimulus sample
        path (always, in hhlif: stimulus noise is frozen by the stimulus's seed);
        ``time_varying_stimulus``: the stimulus is a sampled (noise or array) waveform, the
        design of the direct method; ``conditions``: the varied parameters, their values
        per condition in the display unit given under ``units``.
        """
        from hhlif.models.units import display_unit

        names = list(self._conditions)
        values, units = {}, {}
        for key, q in self._conditions.items():
            unit, text = display_unit(q)
            values[key] = [float(f"{v:.12g}") for v in  # no float noise of the conversion
                           np.asarray(q if unit is None else q / unit, dtype=float).ravel()]
            units[key] = "1" if unit is None else text
        return {"frozen_stimulus": True,
                "time_varying_stimulus": bool(self.stimulus.sampled),
                "trials": int(self.trials), "n_conditions": int(self.n_conditions),
                "conditions": {"names": names, "values": values, "units": units},
                "stimulus": type(self.stimulus).__name__}

    def per_copy_values(self) -> tuple[dict, dict]:
        """(stimulus values, model-parameter values), each one value per copy."""
        stim, model = {}, {}
        for key, values in self._conditions.items():
            per_copy = repeat_each(values, self.trials)
            (stim if key in self.stimulus.parameters else model)[key] = per_copy
        return stim, model

    def replace(self, **changes) -> "Protocol":
        """A copy with fields replaced (validated again)."""
        return dataclasses.replace(self, **changes)

    def describe(self) -> dict:
        """JSON-friendly description for provenance."""
        return {
            "name": self.name,
            "model": self._model.name,
            "stimulus": self.stimulus.describe(),
            "duration": format_quantity(self.duration),
            "dt": format_quantity(self.integration_dt),
            "method": self.integration_method,
            "trials": int(self.trials),
            "conditions": {k: (format_each(v) if len(v) <= MAX_LISTED else format_quantity(v))
                           for k, v in self._conditions.items()},
            "parameters": {k: format_quantity(v) for k, v in self.parameters.items()},
            "record": list(self.record),
            "record_dt": format_quantity(self.record_dt),
            "intrinsic_noise": format_quantity(self.intrinsic_noise),
            "intrinsic_tau": format_quantity(self.intrinsic_tau),
            "seed": int(self.seed),
            "network": self.network.describe() if self.network is not None else None,
            "settings": {k: (format_quantity(v) if isinstance(v, Quantity) else v)
                         for k, v in self.settings.items()},
        }

    # -------------------------------------------------------------- validation
    def _check_conditions(self) -> dict:
        out = {}
        lengths = set()
        for key, values in dict(self.conditions).items():
            if key in self.stimulus.parameters:
                reference = self.stimulus.parameter_value(key)
            elif key in self._model.parameters:
                reference = self._model.parameters[key]
            else:
                raise UnknownNameError(
                    f"condition parameter {key!r}: not a parameter of the stimulus"
                    f" ({', '.join(self.stimulus.parameters) or 'none'}) or of model"
                    f" {self._model.name!r} ({', '.join(sorted(self._model.parameters))})")
            q = check_quantity(key, values, reference, context="condition parameter")
            q = repeat_each(q, 1) if np.ndim(q) == 0 else q
            if np.ndim(q) != 1 or len(q) == 0:
                raise ParameterError(f"condition parameter {key!r}: expected a non-empty 1-D"
                                     f" list of values")
            lengths.add(len(q))
            out[key] = q
        if len(lengths) > 1:
            raise ParameterError(f"conditions: parameters have different numbers of values"
                                 f" {sorted(lengths)}; expected equal lengths (they are zipped)")
        model_conditions = {k: q for k, q in out.items() if k in self._model.parameters
                            and k not in self.stimulus.parameters}
        if model_conditions:  # physical meaning per condition, before anything is built
            self._model.check_parameter_values(model_conditions, lengths.pop(),
                                               entries="conditions")
        return out

