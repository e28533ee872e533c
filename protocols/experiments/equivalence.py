"""Equivalence metrics measured on simulations, and the search driver.

Contents
--------
class_protocol
    A discrimination task (:data:`PROTOCOLS`) for ``n`` neurons of a model: classes of
    input (frozen OU waveforms or constant currents), ``repeats`` trials each, one build.
class_waveforms, ei_network
    The classes' frozen waveforms (from :mod:`hhlif.protocols.simulation.assembly`); the
    ``ei-classes`` network (a :class:`~hhlif.models.networks.RandomEI` description,
    resized to every candidate size).
EquivalenceSettings, DEFAULT, QUICK
    The tasks' settings (a frozen dataclass with Brian2 units, checked when made), the
    defaults and the ``--quick`` ones; ``to_json()`` is the record of provenance and
    sweep points.  ``settings_for`` gives that record for code that reads settings by
    their JSON names.
population_counts
    Spike counts of a recording as ``(trials, neurons, bins)`` with the class of each trial
    (:func:`hhlif.analysis.task_metrics.population_counts` on its spikes).
response_metrics, spike_statistics, stats_distance, METRICS
    Re-exported from :mod:`hhlif.analysis.task_metrics`, where the metrics are computed
    (NumPy/SciPy only): ``mi``, ``readout``, ``reliability`` and the spike statistics
    from which the driver computes the ``stats`` distance.
evaluate_point
    One simulation and its metrics, JSON in and out: what sweeps cache and distribute.
measure_equivalence, measure_equivalences
    Reference network of N neurons over seeds, then the size search of the candidate
    model (:func:`hhlif.analysis.equivalence.find_equivalent_size`), every simulation
    through :mod:`hhlif.protocols.experiments.sweeps`.  Names, numbers, settings, the backend and the
    worst-case size of the search are checked before the first simulation.
estimate_search, check_search_size
    Worst-case memory (largest simulation) and CPU time (whole search) from the sizes
    alone; a search beyond :data:`MEMORY_FRACTION` of the machine's memory or
    :data:`MAX_CPU_HOURS` is refused (:class:`SizeLimitError`) unless ``size_limit=False``.
write_equivalence_outputs
    The results as JSON and one figure per metric (``hhlif equivalence`` and the study).

The metrics and their direction (``mi``, ``readout``, ``stats``, ``reliability``) are
defined, with their table, in :mod:`hhlif.analysis.task_metrics`.

What ``stats`` can and cannot say: a neuron's rate, ISI CV and noise correlation are
*intensive* quantities.  With independent neurons (``coupling = 0``, the default) their
expected values do not depend on the number of neurons; only the precision of their
estimates does (a network of 2 has one pair to estimate a correlation from), which is why
the distance subtracts the sampling variances.  So for independent neurons the distance is
flat in ``n`` on average.  A model against itself then hovers around the reference level
(about 0) at every size, and whether a size counts as matched is decided by noise: give a
``tolerance`` (e.g. 0.05) to call it a match.  Two different models stay at a floor
(``not_reached``; the floor tells how far apart their spiking is).  Recurrent
coupling (``coupling > 0``, or the ``ei-classes`` network, whose in-degree grows
with n) makes the statistics themselves depend on the network size.

The tasks' networks are descriptions in :mod:`hhlif.models.networks`
(:class:`~hhlif.models.networks.PrivateNoiseNetwork`, ``RandomEI``), built like every other
network by :func:`hhlif.protocols.simulation.assembly.assemble`; by default the neurons are
independent (``coupling = 0``).
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
import types
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from hhlif.analysis import task_metrics
from hhlif.analysis.equivalence import EquivalenceResult, find_equivalent_size
from hhlif.analysis.task_metrics import (METRIC_LABELS, METRIC_N_MIN, METRICS,
                                         reference_stats_distances, response_metrics,
                                         spike_statistics, stats_distance)
from hhlif.models.errors import ParameterError, UnknownNameError
from hhlif.models.networks import PrivateNoiseNetwork
from hhlif.models.units import in_units
from hhlif.protocols.experiments.candidates import model_record, resolve_model
from hhlif.protocols.experiments.tasks import PROTOCOL_N_MIN, PROTOCOLS
from hhlif.protocols.simulation.assembly import CLASS_WAVEFORM_DT, class_waveforms

__all__ = ["class_protocol", "class_waveforms", "ei_network",
           "population_counts", "response_metrics", "evaluate_point", "spike_statistics",
           "stats_distance", "measure_equivalence", "measure_equivalences", "METRICS",
           "EquivalenceSettings", "DEFAULT", "QUICK", "PROTOCOLS", "settings_for",
           "estimate_search", "check_search_size", "SizeLimitError",
           "write_equivalence_outputs"]

#: How a setting is checked, one line per field of :class:`EquivalenceSettings`:
#: (JSON name, kind, rule).  Kinds: ``int`` (an integer; an integral float is accepted;
#: rule: the lower bound), ``number`` (a finite plain number; rule: (lower bound, bound
#: excluded, upper bound)), ``quantity`` (rule: (unit of the JSON name, ``positive`` /
#: ``nonnegative`` / None)), ``currents`` (the list of class currents) and ``steps``
#: (model name -> time step).  The JSON names are the keys of :meth:`~EquivalenceSettings.
#: to_json` (provenance, sweep points, cache keys) and are accepted as overrides too, with
#: plain numbers in the unit their names state (``duration_ms=200``).
_FIELDS = {
    "n_classes": ("n_classes", "int", 2),
    "classes": ("classes_uA_cm2", "currents", None),
    "waveform_mean": ("waveform_mean_uA_cm2", "quantity", ("current", None)),
    "waveform_std": ("waveform_std_uA_cm2", "quantity", ("current", "nonnegative")),
    "waveform_tau": ("waveform_tau_ms", "quantity", ("ms", "positive")),
    "waveform_seed": ("waveform_seed", "int", 0),
    "repeats": ("repeats", "int", 5),
    "duration": ("duration_ms", "quantity", ("ms", "positive")),
    "bin": ("bin_ms", "quantity", ("ms", "positive")),
    "noise_std": ("noise_std_uA_cm2", "quantity", ("current", "nonnegative")),
    "noise_tau": ("noise_tau_ms", "quantity", ("ms", "positive")),
    "noise_sources": ("noise_sources", "int", 1),
    "noise_rate": ("noise_rate_hz", "quantity", ("Hz", "positive")),
    "coupling": ("coupling_uA_cm2", "quantity", ("current", None)),
    "connection_probability": ("connection_probability", "number", (0, True, 1)),
    "mi_levels": ("mi_levels", "int", 2),
    "readout_alpha": ("readout_alpha", "number", (0, True, None)),
    "dt": ("dt_ms", "steps", None),
    "ei_fraction_excitatory": ("ei_fraction_excitatory", "number", (0, True, 1)),
    "ei_weight_e": ("ei_weight_e_uA_cm2", "quantity", ("current", "nonnegative")),
    "ei_g": ("ei_g", "number", (0, False, None)),
    "ei_drive_sources": ("ei_drive_sources", "int", 0),
    "ei_drive_rate": ("ei_drive_rate_hz", "quantity", ("Hz", "nonnegative")),
    "ei_drive_weight": ("ei_drive_weight_uA_cm2", "quantity", ("current", "nonnegative")),
    "ei_tau_syn": ("ei_tau_syn_ms", "quantity", ("ms", "positive")),
    "ei_waveform_std": ("ei_waveform_std_uA_cm2", "quantity", ("current", "nonnegative")),
}
#: JSON name -> field.
_JSON_NAMES = {json_name: field for field, (json_name, _, _) in _FIELDS.items()}
_WHY = {"repeats": " (5-fold cross-validation)", "n_classes": " (a discrimination task)",
        "mi_levels": " (levels of the pooled count)"}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value)


def _unit(name: str):
    """The Brian2 unit of a JSON name's numbers (``current`` is µA/cm²)."""
    from brian2 import Hz, cm, ms, uA

    return {"current": uA / cm**2, "ms": ms, "Hz": Hz}[name]




def _check_field(field: str, value, name: str | None = None):
    """The value of one setting, checked and normalised; messages name ``name`` (default:
    the field), the value and what was expected."""
    from brian2 import Quantity, ms

    from hhlif.models import check_quantity

    _, kind, rule = _FIELDS[field]
    name = name or field
    if kind in ("int", "number"):
        if kind == "int":
            low, open_low, high = rule, False, None
        else:
            low, open_low, high = rule
        what = "an integer" if kind == "int" else "a finite number"
        if low is not None:
            what += f" {'>' if open_low else '>='} {low:g}"
        if high is not None:
            what += f" and <= {high:g}"
        if not _is_number(value) or (kind == "int" and float(value) != int(value)) or \
                (low is not None and (value <= low if open_low else value < low)) or \
                (high is not None and value > high):
            raise ParameterError(f"setting {name!r}={value!r}: expected {what}"
                                 f"{_WHY.get(field, '')}")
        return int(value) if kind == "int" else float(value)
    if kind == "quantity":
        unit, bound = rule
        return check_quantity(name, value, _DEFAULT_VALUES[field], context="setting",
                              positive=bound == "positive", nonnegative=bound == "nonnegative")
    if kind == "currents":
        from hhlif.models.units import format_value

        expected = ("expected a list of at least two finite current densities, e.g."
                    " [4, 6, 8]*uA/cm**2")
        if isinstance(value, (list, tuple)) and len(value) < 2 or \
                isinstance(value, Quantity) and np.ndim(value) != 1:
            raise ParameterError(f"setting {name!r}={format_value(value)}: {expected}")
        q = check_quantity(name, value, _DEFAULT_VALUES[field], context="setting")
        if np.ndim(q) != 1 or len(q) < 2:
            raise ParameterError(f"setting {name!r}={format_value(value)}: {expected}")
        return q
    # steps: model name -> time step > 0
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ParameterError(f"setting {name!r}={value!r}: expected a mapping of model names"
                             " to time steps, e.g. {'lif': 0.1*ms}")
    return types.MappingProxyType(
        {model: check_quantity(f"{name}.{model}", step, 0.1 * ms, context="setting",
                               positive=True) for model, step in value.items()})


@dataclass(frozen=True, eq=False)
class EquivalenceSettings:
    """Settings of the equivalence tasks, with Brian2 units; checked when made.

    The class currents of ``rate-classes`` span both models' onsets (LIF rheobase 1.5,
    HH about 6 µA/cm²); ``waveform-classes`` uses the ``frozen-noise`` protocol's mean,
    std and tau.  The private noise (12 µA/cm², three times the class waveforms' std) was
    chosen, on the reference alone, so that an HH network of 20 neurons is far from both
    chance and saturation on the default task (about 1.2 of 2 bits, 60 % accuracy): a
    saturated reference cannot define an equivalent size.  It was never adjusted to a
    ratio.  In ``ei-classes`` the private noise is RandomEI's Poisson drive (std about
    2.2 µA/cm²) and the class waveforms' std (1.5 µA/cm²) was chosen the same way, on HH
    N = 20 alone (two seeds: 1.1 and 1.4 bits, 56-64 % accuracy; 0.5 gave ~0.3 bits, 1.0
    ~0.7 bits).

    Parameters
    ----------
    n_classes : int
        Classes of the ``waveform-classes`` and ``ei-classes`` tasks (>= 2).
    classes : Quantity (current density), at least two
        ``rate-classes``: the class currents (default [4, 6, 8, 10] µA/cm²).
    waveform_mean, waveform_std, waveform_tau, waveform_seed
        ``waveform-classes``: the mean current of every class (8 µA/cm²), the std (4
        µA/cm²) and correlation time (5 ms) of each class's frozen OU current, class
        ``c`` drawn from seed ``(waveform_seed, c)`` (1); ``ei-classes`` uses
        ``waveform_tau`` and ``waveform_seed`` too.
    repeats : int
        Trials per class (30; >= 5 for the 5-fold cross-validation).
    duration, bin : Quantity (time)
        Trial length (100 ms) and the bins of the readout and the MI words (25 ms; at most
        ``duration``).
    noise_std, noise_tau, noise_sources, noise_rate
        The private synaptic noise: its std (12 µA/cm²), synaptic time constant (2 ms),
        excitatory and as many inhibitory Poisson sources (100) at a rate (50 Hz).
    coupling : Quantity (current density)
        Summed recurrent weight per neuron (0: independent neurons).
    connection_probability : float
        In (0, 1] (0.1).
    mi_levels : int
        Equipopulated levels of the pooled count per bin (3).
    readout_alpha : float
        L2 penalty of the logistic readout (1.0).
    dt : mapping of model name to Quantity (time)
        Per-model integration step ({'lif': 0.1 ms}); other models: their default.
    ei_fraction_excitatory, ei_weight_e, ei_g, ei_drive_sources, ei_drive_rate, \
ei_drive_weight, ei_tau_syn, ei_waveform_std
        ``ei-classes``: the :class:`~hhlif.models.networks.RandomEI` description (0.8,
        0.5 µA/cm², 4, 100 sources at 20 Hz of 1 µA/cm², 5 ms) and the std of its class
        waveforms (1.5 µA/cm², zero mean: the Poisson drive gives the mean current).

    Raises
    ------
    ParameterError, ParameterUnitError
        One line naming the setting, the value and what was expected.

    Notes
    -----
    The JSON record (:meth:`to_json`, the settings in provenance, sweep points and their
    cache keys) keeps the names of earlier versions, plain numbers in the units they state
    (``duration_ms``, ``noise_std_uA_cm2``, ``dt_ms`` ...); :meth:`from_json` and
    :meth:`updated` accept those names as well as the fields.

    Examples
    --------
    >>> from brian2 import ms
    >>> s = DEFAULT.replace(duration=200 * ms)
    >>> s.to_json()["duration_ms"], s.repeats
    (200.0, 30)
    >>> DEFAULT.updated({"duration_ms": 60}) == DEFAULT.replace(duration=60 * ms)
    True
    """

    n_classes: int = 4
    classes: Any = None
    waveform_mean: Any = None
    waveform_std: Any = None
    waveform_tau: Any = None
    waveform_seed: int = 1
    repeats: int = 30
    duration: Any = None
    bin: Any = None
    noise_std: Any = None
    noise_tau: Any = None
    noise_sources: int = 100
    noise_rate: Any = None
    coupling: Any = None
    connection_probability: float = 0.1
    mi_levels: int = 3
    readout_alpha: float = 1.0
    dt: Any = None
    ei_fraction_excitatory: float = 0.8
    ei_weight_e: Any = None
    ei_g: float = 4.0
    ei_drive_sources: int = 100
    ei_drive_rate: Any = None
    ei_drive_weight: Any = None
    ei_tau_syn: Any = None
    ei_waveform_std: Any = None

    def __post_init__(self):
        for field in _FIELDS:
            value = getattr(self, field)
            if value is None:   # the default (a Quantity cannot be a dataclass default)
                value = _DEFAULT_VALUES[field]
            object.__setattr__(self, field, _check_field(field, value))
        if self.bin > self.duration:
            from hhlif.models.units import format_quantity

            raise ParameterError(f"setting 'bin'={format_quantity(self.bin)}: expected at most"
                                 f" duration={format_quantity(self.duration)}")

    def replace(self, **changes) -> "EquivalenceSettings":
        """A copy with ``changes`` (fields, with units), checked."""
        unknown = [k for k in changes if k not in _FIELDS]
        if unknown:
            _unknown(unknown[0])
        return dataclasses.replace(self, **changes)

    def updated(self, overrides: Mapping | None) -> "EquivalenceSettings":
        """A copy with ``overrides`` applied: fields with units (``duration=200*ms``), JSON
        names with plain numbers in their units (``duration_ms=200``), or ``dt.MODEL`` (one
        model's step, merged into :attr:`dt`).

        Raises
        ------
        UnknownNameError
            For a key that is not a setting (the message lists them).
        ParameterError
            For a bad value, or one setting given twice (as a field and a JSON name).
        """
        changes: dict = {}
        steps = dict(self.dt)
        named: dict = {}
        for key, value in dict(overrides or {}).items():
            if isinstance(key, str) and key.startswith("dt.") and len(key) > 3:
                steps[key[3:]] = _check_field("dt", {key[3:]: value}, "dt")[key[3:]]
                changes["dt"] = steps
                continue
            field = key if key in _FIELDS else _JSON_NAMES.get(key)
            if field is None:
                _unknown(key)
            if field in named:
                raise ParameterError(f"setting {key!r}={value!r}: also given as"
                                     f" {named[field]!r}; expected each setting once")
            named[field] = key
            changes[field] = _from_json_value(field, value, key) if key != field or \
                _FIELDS[field][1] in ("int", "number") else value
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_json(cls, record: Mapping | None, quick: bool = False) -> "EquivalenceSettings":
        """Settings from a JSON record (:meth:`to_json`); a partial record overrides the
        defaults (:data:`QUICK` with ``quick``)."""
        return (QUICK if quick else DEFAULT).updated(record)

    @classmethod
    def coerce(cls, settings=None, quick: bool = False) -> "EquivalenceSettings":
        """``settings`` as settings: an EquivalenceSettings is returned as it is; None gives
        :data:`DEFAULT` (:data:`QUICK` with ``quick``); a mapping overrides those
        (:meth:`updated`)."""
        if isinstance(settings, cls):
            return settings
        if settings is not None and not isinstance(settings, Mapping):
            raise ParameterError(f"settings={settings!r}: expected an EquivalenceSettings or"
                                 " a mapping of setting names to values")
        return cls.from_json(settings, quick=quick)

    def to_json(self) -> dict:
        """The JSON record: every setting under its JSON name, plain numbers in the units
        the names state (the record of provenance, sweep points and their cache keys)."""
        out = {}
        for field, (json_name, kind, rule) in _FIELDS.items():
            value = getattr(self, field)
            if kind == "quantity":
                out[json_name] = in_units(value, _unit(rule[0]))
            elif kind == "currents":
                out[json_name] = [in_units(v, _unit("current")) for v in value]
            elif kind == "steps":
                out[json_name] = {m: in_units(v, _unit("ms")) for m, v in value.items()}
            else:
                out[json_name] = value
        return out

    describe = to_json

    def __eq__(self, other):
        if not isinstance(other, EquivalenceSettings):
            return NotImplemented
        return self.to_json() == other.to_json()

    def __hash__(self):
        return hash(json.dumps(self.to_json(), sort_keys=True))


def _unknown(key):
    raise UnknownNameError(f"setting {key!r}: unknown; valid settings are"
                           f" {', '.join(sorted(_FIELDS))} (with units, e.g. duration=200*ms)"
                           " or their JSON names in the units they state (duration_ms=200,"
                           " noise_std_uA_cm2=8, ...)")


def _from_json_value(field: str, value, name: str):
    """A JSON name's value (plain numbers in its unit) as the field's value, checked under
    ``name``; a quantity is taken as it is (its dimensions are checked)."""
    from brian2 import Quantity

    _, kind, rule = _FIELDS[field]
    if kind in ("int", "number"):
        return _check_field(field, value, name)
    unit = _unit("ms") if kind == "steps" else _unit("current") if kind == "currents" \
        else _unit(rule[0])

    def scaled(v):
        return v * unit if _is_number(v) else v

    if kind == "steps":
        if isinstance(value, Mapping):
            value = {k: scaled(v) for k, v in value.items()}
    elif kind == "currents":
        if isinstance(value, (list, tuple)) and not isinstance(value, Quantity) and \
                all(_is_number(v) for v in value):
            value = [float(v) for v in value] * unit
    else:
        value = scaled(value)
    return _check_field(field, value, name)


def _default_values() -> dict:
    from brian2 import Hz, ms

    current = _unit("current")
    return {"n_classes": 4, "classes": [4.0, 6.0, 8.0, 10.0] * current,
            "waveform_mean": 8.0 * current, "waveform_std": 4.0 * current,
            "waveform_tau": 5.0 * ms, "waveform_seed": 1, "repeats": 30,
            "duration": 100.0 * ms, "bin": 25.0 * ms, "noise_std": 12.0 * current,
            "noise_tau": 2.0 * ms, "noise_sources": 100, "noise_rate": 50.0 * Hz,
            "coupling": 0.0 * current, "connection_probability": 0.1, "mi_levels": 3,
            "readout_alpha": 1.0, "dt": {"lif": 0.1 * ms}, "ei_fraction_excitatory": 0.8,
            "ei_weight_e": 0.5 * current, "ei_g": 4.0, "ei_drive_sources": 100,
            "ei_drive_rate": 20.0 * Hz, "ei_drive_weight": 1.0 * current,
            "ei_tau_syn": 5.0 * ms, "ei_waveform_std": 1.5 * current}


#: Every field's default (with units); the dataclass's None defaults stand for these.
_DEFAULT_VALUES = _default_values()
#: The default settings.
DEFAULT = EquivalenceSettings()
#: ``--quick``: fewer, shorter trials.
QUICK = DEFAULT.updated({"repeats": 20, "duration_ms": 60.0, "bin_ms": 20.0})


def settings_for(overrides: Mapping | EquivalenceSettings | None = None,
                 quick: bool = False) -> dict:
    """The JSON record (:meth:`EquivalenceSettings.to_json`) of
    ``EquivalenceSettings.coerce(overrides, quick)``: for code that reads settings by their
    JSON names (``s["duration_ms"]``); accepts an EquivalenceSettings or a mapping of
    overrides.

    Raises
    ------
    UnknownNameError
        For a key that is not a setting (the message lists them).
    ParameterError
        For a value of the wrong type or out of range (one line naming the setting, the
        value and what was expected).
    """
    return EquivalenceSettings.coerce(overrides, quick=quick).to_json()


def n_classes_of(protocol: str, settings) -> int:
    """Number of classes of a task (``settings``: an EquivalenceSettings or its JSON
    record)."""
    if isinstance(settings, EquivalenceSettings):
        return len(settings.classes) if protocol == "rate-classes" else settings.n_classes
    if protocol == "rate-classes":
        return len(settings["classes_uA_cm2"])
    return int(settings["n_classes"])


# ----------------------------------------------------------------------------- protocol
def class_protocol(model: str, n: int, seed: int, settings: Mapping | None = None,
                   protocol: str = "waveform-classes"):
    """The discrimination task for ``n`` neurons of ``model``.

    ``waveform-classes``: class ``c`` is a frozen Ornstein–Uhlenbeck current of its own
    (``waveform_std_uA_cm2``, ``waveform_tau_ms``, seed ``(waveform_seed, c)``) around the
    common mean ``waveform_mean_uA_cm2``.  ``rate-classes``: class ``c`` is the constant
    current ``classes_uA_cm2[c]``.  Every (class, repeat) pair is a copy of a
    :class:`~hhlif.models.networks.PrivateNoiseNetwork` of ``n`` neurons with private
    noise, all in one build.
    ``ei-classes``: every copy is the :func:`ei_network` of ``n`` neurons (connectivity
    seeded by ``seed``), all its neurons receiving class ``c``'s frozen OU current
    (``ei_waveform_std_uA_cm2``) through a :class:`~hhlif.protocols.stimuli.WaveformSet`.

    Returns
    -------
    Protocol
    """
    from brian2 import ms, uA, cm

    from hhlif.protocols import stimuli
    from hhlif.protocols.protocol import Protocol

    if protocol not in PROTOCOLS:
        raise UnknownNameError(f"protocol {protocol!r}: unknown equivalence protocol; valid are"
                               f" {', '.join(PROTOCOLS)}")
    s = EquivalenceSettings.coerce(settings)
    k = n_classes_of(protocol, s)
    name, model = resolve_model(model)
    if protocol == "ei-classes":
        return _ei_protocol(model, int(n), int(seed), s, k, name)
    if protocol == "rate-classes":
        classes = s.classes
        wave = {}
    else:
        classes = np.ones(k) * s.waveform_mean
        wave = dict(waveform_std=s.waveform_std, waveform_tau=s.waveform_tau,
                    waveform_seed=int(s.waveform_seed), n_classes=k)
    net = PrivateNoiseNetwork(size=int(n), noise_std=s.noise_std, noise_tau=s.noise_tau,
                              noise_sources=int(s.noise_sources), noise_rate=s.noise_rate,
                              coupling_strength=s.coupling,
                              connection_probability=float(s.connection_probability),
                              repeats=int(s.repeats), **wave)
    return Protocol(model=model, stimulus=stimuli.Constant(0 * uA / cm**2),
                    duration=s.duration, dt=s.dt.get(name), trials=int(s.repeats),
                    conditions={"amplitude": classes}, record=(), record_neurons=[],
                    seed=int(seed), network=net, name=protocol, settings=recorded_settings(s))


def recorded_settings(s: "EquivalenceSettings") -> dict:
    """The settings a task's Protocol records (its JSON record without the per-model steps,
    which the Protocol's own ``dt`` states)."""
    return {k: v for k, v in s.to_json().items() if k != "dt_ms"}


def ei_network(n: int, seed: int, settings: Mapping | None = None):
    """The ``ei-classes`` network of ``n`` neurons: a RandomEI description from the settings,
    connectivity seeded by ``seed`` (each seed is another network).  The same description
    at every size (``resize``), so ``ei_network(k * N, s)`` is ``scale(ei_network(N, s), k)``
    up to the neuron model."""
    from hhlif.models.networks import RandomEI

    s = EquivalenceSettings.coerce(settings)
    return RandomEI(n=int(n), connection_probability=float(s.connection_probability),
                    fraction_excitatory=float(s.ei_fraction_excitatory),
                    weight_e=s.ei_weight_e, g=float(s.ei_g), drive_rate=s.ei_drive_rate,
                    drive_sources=int(s.ei_drive_sources), drive_weight=s.ei_drive_weight,
                    tau_syn=s.ei_tau_syn, seed=int(seed))


def _ei_protocol(model, n: int, seed: int, s: "EquivalenceSettings", k: int,
                 name: str | None = None):
    from brian2 import amp, cm, meter, ms, second, uA

    from hhlif.protocols import stimuli
    from hhlif.protocols.protocol import Protocol

    if n < 2:
        raise ParameterError(f"n={n}: the ei-classes network needs at least 2 neurons")
    waves = class_waveforms(k, in_units(s.ei_waveform_std, uA / cm**2),
                            in_units(s.waveform_tau, ms), s.waveform_seed,
                            in_units(s.duration, second))
    stim = stimuli.WaveformSet(values=waves * amp / meter**2,
                               sample_dt=CLASS_WAVEFORM_DT * second)
    return Protocol(model=model, stimulus=stim, duration=s.duration,
                    dt=s.dt.get(name or model),
                    trials=int(s.repeats), conditions={"index": np.arange(k)}, record=(),
                    record_neurons=[], seed=int(seed), network=ei_network(n, seed, s),
                    name="ei-classes", settings=recorded_settings(s))


def population_counts(recording, n: int, n_classes: int, repeats: int, bin_ms: float):
    """Spike counts ``(trials, n, bins)`` of a recording and the class of each trial.

    Trial ``t`` is copy ``t`` of the network (class ``t // repeats``); the counting is
    :func:`hhlif.analysis.task_metrics.population_counts` on the main population's spikes.
    """
    pop = recording.main
    return task_metrics.population_counts(pop.spike_times, pop.spike_indices, n, n_classes,
                                          repeats, bin_ms, recording.t_start, recording.t_stop)


def evaluate_point(model: str, n: int, seed: int, protocol: str = "waveform-classes",
                   settings: Mapping | None = None, backend: str = "runtime",
                   size_limit: bool = True) -> dict:
    """Simulate ``n`` neurons of ``model`` on the task with ``seed``; return its metrics.

    Everything in and out is JSON, so :mod:`hhlif.protocols.experiments.sweeps` can cache and
    distribute it: ``settings`` is the JSON record of :meth:`EquivalenceSettings.to_json`
    (or part of it: overrides of :data:`DEFAULT`), converted once by
    :meth:`EquivalenceSettings.from_json`.  The result also holds the cost: wall time of
    the simulation, neurons simulated, steps, and neuron-steps per second.
    ``size_limit=False`` skips the run's own size check (see :func:`hhlif.protocols.simulation.running.run`).
    """
    from brian2 import ms

    from hhlif.protocols.simulation.running import run

    s = EquivalenceSettings.from_json(settings)
    p = class_protocol(model, int(n), int(seed), s, protocol=protocol)
    t0 = time.perf_counter()
    rec = run(p, backend=backend, progress=False, size_limit=size_limit)
    wall = time.perf_counter() - t0
    k = n_classes_of(protocol, s)
    counts, labels = population_counts(rec, int(n), k, s.repeats, in_units(s.bin, ms))
    pop = rec.main
    order = np.argsort(pop.spike_indices, kind="stable")
    split = np.searchsorted(pop.spike_indices[order], np.arange(1, pop.n_neurons))
    trains = np.split(pop.spike_times[order], split)   # neuron copy*n + k: trial-major
    out = response_metrics(counts, labels, in_units(s.duration, ms), int(seed),
                           mi_levels=s.mi_levels, readout_alpha=s.readout_alpha,
                           spike_times=trains)
    steps = int(round(float(p.duration / p.integration_dt)))
    timers = rec.provenance.get("wall_time_s", {})
    sim = timers.get("run_binary") or timers.get("setup") or wall
    out["cost"] = {"wall_time_s": round(wall, 4), "simulation_s": round(float(sim), 4),
                   "neurons": int(p.n_neurons), "steps": steps,
                   "dt_ms": float(p.integration_dt) * 1000.0,
                   "neuron_steps_per_s": float(p.n_neurons * steps / max(float(sim), 1e-9)),
                   "backend": rec.provenance.get("backend")}
    out["point"] = {"model": model, "n": int(n), "seed": int(seed), "protocol": protocol}
    return out


# ----------------------------------------------------------------------------- sizes
#: Rough cost of one simulation, measured on the development machine (runtime device,
#: 2026-12): memory per model neuron (state, stimulus tables, monitors; LIF 1.3 kB, 2.1 kB
#: in the E/I network), per synapse, per recorded spike (at most _RATE_BOUND_HZ), and
#: throughput in neuron-steps per second on one core (LIF 3.4 M measured; the estimate
#: uses less, so it errs on the long side).
_BYTES_PER_NEURON = {"hh": 3000.0}
_DEFAULT_BYTES_PER_NEURON = 2000.0
_BYTES_PER_SYNAPSE = 80.0
_BYTES_PER_SPIKE = 16.0
_RATE_BOUND_HZ = 200.0
_STEPS_PER_S = {"hh": 1.3e6, "lif": 2.0e6, "s-lif2hh": 1.0e6}
_OVERHEAD_S = 1.5
#: Fraction of this machine's memory one simulation of the search may need.
MEMORY_FRACTION = 0.5
#: Longest search (CPU-hours, worst case) run without ``size_limit=False``.
MAX_CPU_HOURS = 48.0


class SizeLimitError(ParameterError):
    """An equivalence search whose estimated memory or time exceeds the limits."""


def estimate_search(reference: str, candidate: str, size: int, seeds: int = 3,
                    protocol: str = "waveform-classes", settings: Mapping | None = None,
                    quick: bool = False, n_max: int | None = None,
                    resolution: float = 0.1) -> dict:
    """Worst-case cost of an equivalence search, from the sizes alone (nothing is built).

    The candidate is assumed to be evaluated at every size of the doubling from N up to
    ``n_max`` and then in a bisection of ``log2(1 / resolution)`` steps near ``n_max``: an
    upper bound (a search that matches early costs far less).

    Returns
    -------
    dict
        ``copies`` (class x repeat copies per simulation), ``largest_neurons`` (model
        neurons of the largest simulation), ``memory_bytes`` (of that simulation),
        ``cpu_seconds`` (the whole search on one core), ``simulations`` and ``n_max``.
    """
    from brian2 import ms

    from hhlif import models

    s = EquivalenceSettings.coerce(settings, quick=quick)
    size = int(size)
    n_max = int(n_max) if n_max is not None else 32 * size
    seeds = int(seeds)
    copies = n_classes_of(protocol, s) * s.repeats
    duration_ms = in_units(s.duration, ms)
    recurrent = protocol == "ei-classes" or float(s.coupling) != 0.0

    def one(model, n: int) -> tuple[float, float]:
        model, built = resolve_model(model_record(model))
        built = models.get(built)
        dt_ms = (in_units(s.dt[model], ms) if model in s.dt else float(built.dt) * 1e3)
        steps = duration_ms / float(dt_ms)
        units = float(n) * copies * getattr(built, "units_per_neuron", 1)
        memory = units * (_BYTES_PER_NEURON.get(model, _DEFAULT_BYTES_PER_NEURON)
                          + _BYTES_PER_SPIKE * _RATE_BOUND_HZ * duration_ms / 1000.0)
        if recurrent:
            memory += _BYTES_PER_SYNAPSE * s.connection_probability * n * units
        memory += 8.0 * n_classes_of(protocol, s) * duration_ms / 0.1   # class waveforms
        seconds = units * steps / _STEPS_PER_S.get(model, 1.0e6)
        return memory, seconds

    ref_memory, ref_seconds = one(reference, size)
    top_memory, top_seconds = one(candidate, n_max)
    doublings = max(0, math.ceil(math.log2(max(n_max / size, 1.0)))) + 1
    bisections = max(1, math.ceil(math.log2(1.0 / resolution))) if 0 < resolution < 1 else 1
    simulations = seeds * (1 + doublings + bisections)
    # doubling: sizes sum to < 2 n_max; bisection: at most n_max each
    cpu = seeds * (ref_seconds + (2 + bisections) * top_seconds) + simulations * _OVERHEAD_S
    return {"copies": copies, "largest_neurons": float(max(size, n_max)) * copies,
            "memory_bytes": max(ref_memory, top_memory), "cpu_seconds": cpu,
            "simulations": simulations, "n_max": n_max}


def check_search_size(reference: str, candidate: str, size: int, seeds: int = 3,
                      protocol: str = "waveform-classes", settings: Mapping | None = None,
                      quick: bool = False, n_max: int | None = None, resolution: float = 0.1,
                      names: Mapping | None = None) -> dict:
    """Refuse a search that cannot fit, before anything is built; returns the estimate.

    The worst case of :func:`estimate_search` is compared with :data:`MEMORY_FRACTION` of
    this machine's memory (one simulation) and :data:`MAX_CPU_HOURS` (the whole search).
    ``names`` maps ``size``, ``n_max`` and ``seeds`` to how the caller spells them (the CLI:
    ``--size`` ...).

    Raises
    ------
    SizeLimitError
        One line: the sizes, both estimates and both limits, and the override.
    """
    from hhlif.protocols.simulation.running import format_bytes, physical_memory

    names = {"size": "size", "n_max": "n_max", "seeds": "seeds", "override": "size_limit=False",
             **dict(names or {})}
    est = estimate_search(reference, candidate, size, seeds, protocol, settings, quick, n_max,
                          resolution)
    limit = MEMORY_FRACTION * physical_memory()
    hours = est["cpu_seconds"] / 3600.0
    if est["memory_bytes"] <= limit and hours <= MAX_CPU_HOURS:
        return est
    from brian2 import ms

    s = EquivalenceSettings.coerce(settings, quick=quick)
    default = " (default 32 N)" if n_max is None else ""
    raise SizeLimitError(
        f"equivalence search too large: {names['size']}={int(size)},"
        f" {names['n_max']}={est['n_max']}{default}, {names['seeds']}={int(seeds)},"
        f" {n_classes_of(protocol, s)} classes x repeats={s.repeats},"
        f" duration_ms={in_units(s.duration, ms):g}: the largest simulation has"
        f" {est['largest_neurons']:.3g} neurons and needs about {format_bytes(est['memory_bytes'])}"
        f" of memory (limit {format_bytes(limit)}, {MEMORY_FRACTION:.0%} of this machine's), the"
        f" search up to {hours:.3g} CPU-hours (limit {MAX_CPU_HOURS:g}); expected smaller"
        f" sizes, or pass {names['override']} to run it anyway")


def _check_search_arguments(size, seeds, n_max, resolution, tolerance, n_bootstrap,
                            n_min: int) -> None:
    """The search's numbers, checked before any simulation (one line each)."""
    def integer(name, value, low):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ParameterError(f"{name}={value!r}: expected an integer >= {low}")

    integer("size", size, n_min)
    integer("seeds", seeds, 2)
    if n_max is not None:
        integer("n_max", n_max, max(n_min, 1))
    integer("n_bootstrap", n_bootstrap, 0)
    if not (_is_number(resolution) and 0 < resolution < 1):
        raise ParameterError(f"resolution={resolution!r}: expected a number in (0, 1)")
    if not (_is_number(tolerance) and tolerance >= 0):
        raise ParameterError(f"tolerance={tolerance!r}: expected a finite number >= 0")


# ----------------------------------------------------------------------------- driver
def measure_equivalences(reference: str = "hh", candidate: str = "lif", size: int = 20,
                         metrics: Sequence[str] = ("mi",), protocol: str = "waveform-classes",
                         seeds: int = 3, scheduler: Any = "local", settings: Mapping | None = None,
                         quick: bool = False, backend: str = "runtime", cache: Any = None,
                         force: bool | None = None, n_max: int | None = None,
                         resolution: float = 0.1, tolerance: float = 0.0,
                         n_bootstrap: int = 2000, progress: bool = True,
                         n_workers: int | None = None, recompute: bool = False,
                         size_limit: bool = True) -> dict:
    """Equivalent candidate size for several metrics, sharing every simulation.

    Parameters
    ----------
    reference, candidate : str
        Model names (``hhlif list``).
    size : int
        N, neurons of the reference network.
    metrics : sequence of str
        Among :data:`METRICS`.
    protocol : str
        Among :data:`PROTOCOLS`.
    seeds : int
        Networks (seeds) per size; the reference uses seeds ``1000 + k``, the candidate
        ``k``, so that a model compared with itself is not compared with the very same
        simulations.
    scheduler, n_workers, cache, progress
        See :class:`hhlif.protocols.experiments.sweeps.SweepRunner`.
    recompute : bool
        Compute every simulation again instead of reading the sweep cache (and replace
        the cached entries).  ``force`` is an older name for it.
    settings : EquivalenceSettings or mapping, optional
        The settings, or overrides of :data:`DEFAULT` (of :data:`QUICK` with ``quick``;
        see :meth:`EquivalenceSettings.updated`).
    backend : str
        Simulation backend (default ``runtime``: the sizes change at every point, and the
        C++ backend would compile each new size).
    n_max, resolution, tolerance, n_bootstrap
        See :func:`hhlif.analysis.equivalence.find_equivalent_size` (``n_max`` default 32 N).
    size_limit : bool
        Refuse, before any simulation, a search whose worst-case memory or time exceeds
        the limits (:func:`check_search_size`); False runs it anyway.

    Returns
    -------
    dict of str to EquivalenceResult

    Raises
    ------
    UnknownNameError, ParameterError, SizeLimitError
        Bad names, numbers or sizes, all checked before the first simulation.
    hhlif.protocols.experiments.sweeps.SweepError
        Some simulations failed (the others are cached).
    hhlif.protocols.errors.RunInterrupted
        Ctrl-C: the finished simulations are cached, the interrupted one is not.
    """
    from hhlif.protocols._version import __version__
    from hhlif.protocols.experiments.sweeps import SweepRunner

    if protocol not in PROTOCOLS:
        raise UnknownNameError(f"protocol {protocol!r}: unknown equivalence protocol; valid are"
                               f" {', '.join(PROTOCOLS)}")
    reference, candidate = model_record(reference), model_record(candidate)  # names fail here
    for m in metrics:
        if m not in METRICS:
            raise UnknownNameError(f"metric {m!r}: unknown; valid metrics are"
                                   f" {', '.join(METRICS)}")
    from hhlif.protocols.backends import get_backend
    from hhlif.protocols.experiments.sweeps import check_scheduler

    n_min = max([PROTOCOL_N_MIN.get(protocol, 1)]
                + [METRIC_N_MIN.get(m, 1) for m in metrics])
    _check_search_arguments(size, seeds, n_max, resolution, tolerance, n_bootstrap,
                            PROTOCOL_N_MIN.get(protocol, 1))
    if n_max is not None and n_max < n_min:
        raise ParameterError(f"n_max={n_max!r}: expected an integer >= {n_min} (the smallest"
                             f" size of metric(s) {', '.join(metrics)} on {protocol})")
    get_backend(backend)  # an unknown backend fails here, not inside every worker
    check_scheduler(scheduler, connect=False)
    s = EquivalenceSettings.coerce(settings, quick=quick)
    record = s.to_json()   # the settings in sweep points and provenance
    if size_limit:
        check_search_size(reference, candidate, size, seeds, protocol, s, False, n_max,
                          resolution)
    if force is not None:
        recompute = recompute or bool(force)
    ref_seeds = [1000 + k for k in range(int(seeds))]
    cand_seeds = list(range(int(seeds)))
    t0 = time.perf_counter()

    def point(model, n, seed):
        out = {"model": model, "n": int(n), "seed": int(seed), "protocol": protocol,
               "settings": record, "backend": backend}
        if not size_limit:
            out["size_limit"] = False   # only then: the usual points keep their keys
        return out

    out = {}
    with SweepRunner(scheduler, n_workers=n_workers, cache=cache, force=recompute,
                     progress=progress) as runner:
        ref = runner.map(evaluate_point, [point(reference, size, k) for k in ref_seeds],
                         label=f"{_short_label(reference)} N={size}").results
        evaluated: dict[int, list] = {}

        def evaluate_all(n, seeds_):
            if n not in evaluated:
                evaluated[n] = runner.map(evaluate_point,
                                          [point(candidate, n, k) for k in seeds_],
                                          label=f"{_short_label(candidate)} n={n}"
                                          ).results
            return evaluated[n]

        ref_stats = [r["stats"] for r in ref]

        def values(m, results):
            if m == "stats":
                return [stats_distance(r["stats"], ref_stats) for r in results]
            return [r[m] for r in results]

        for m in metrics:
            n_min = max(METRIC_N_MIN.get(m, 1), PROTOCOL_N_MIN.get(protocol, 1))
            table = {n: values(m, res) for n, res in evaluated.items() if n >= n_min}
            reference_values = (reference_stats_distances(ref_stats) if m == "stats"
                                else [r[m] for r in ref])
            result = find_equivalent_size(
                lambda n, sd, m=m: values(m, evaluate_all(n, sd)),
                reference=reference_values, reference_size=int(size), table=table,
                seeds=cand_seeds, direction=METRICS[m], tolerance=tolerance,
                n_min=n_min, n_max=n_max or 32 * int(size),
                resolution=resolution, n_bootstrap=n_bootstrap, metric=m)
            cost = {str(n): [r["cost"] for r in res] for n, res in sorted(evaluated.items())}
            result.provenance.update({
                "hhlif_version": __version__, "reference": reference, "candidate": candidate,
                "protocol": protocol, "settings": record, "backend": backend,
                "reference_seeds": ref_seeds, "candidate_seeds": cand_seeds,
                "scheduler": runner.kind, "metric_label": METRIC_LABELS[m],
                "reference_points": ref, "candidate_cost": cost,
                "candidate_details": {str(n): [r["details"] for r in res]
                                      for n, res in sorted(evaluated.items())},
            })
            out[m] = result
        total = time.perf_counter() - t0
        for r in out.values():
            r.provenance["sweep"] = {"computed": runner.total_computed,
                                     "cached": runner.total_cached,
                                     "wall_time_s": round(total, 3)}
    return out


def _short_label(record) -> str:
    """A model record (:func:`model_record`) in a few words, for progress bars."""
    from hhlif.protocols.experiments.candidates import ModelSpec

    return record if isinstance(record, str) else ModelSpec.coerce(record).label()


def measure_equivalence(reference: str = "hh", candidate: str = "lif", size: int = 20,
                        metric: str = "mi", **kwargs) -> EquivalenceResult:
    """:func:`measure_equivalences` for one metric."""
    return measure_equivalences(reference, candidate, size, metrics=(metric,), **kwargs)[metric]


# ----------------------------------------------------------------------------- outputs
def write_equivalence_outputs(results: Mapping, json_path=None, figures=None,
                              force: bool = False, reference: str = "reference",
                              candidate: str = "candidate") -> list:
    """Write the results as one JSON file and one figure per metric.

    Parameters
    ----------
    results : mapping of str to EquivalenceResult
        As :func:`measure_equivalences` returns them.
    json_path : path, optional
        ``{metric: result.to_dict()}``, indented JSON.
    figures : path, optional
        A folder (it must exist): ``equivalence_<metric>.png`` for every metric (the
        metric versus n, the reference level and the confidence bands).
    force : bool
        Overwrite existing files.
    reference, candidate : str
        Model names for the figures' labels.

    Returns
    -------
    list of pathlib.Path
        The files written, in that order.

    Raises
    ------
    hhlif.analysis.errors.OutputExistsError
        An output exists and ``force`` is False (files are written atomically: a partial
        file is never left behind).
    """
    from pathlib import Path

    from hhlif.analysis.equivalence import plot_equivalence
    from hhlif.analysis.io import write_text
    from hhlif.analysis.plots import save_figure

    written = []
    if json_path:
        payload = {m: r.to_dict() for m, r in results.items()}
        written.append(write_text(json_path, json.dumps(payload, indent=1), force=force))
    if figures:
        for metric, result in results.items():
            fig = plot_equivalence(result, xlabel=f"{candidate} network size n",
                                   ylabel=METRIC_LABELS.get(metric, metric),
                                   reference_label=f"{reference}")
            written.append(save_figure(fig, Path(figures) / f"equivalence_{metric}.png",
                                       force=force))
    return written
