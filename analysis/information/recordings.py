"""Stimulus/response arrays from recordings, the estimator the recording's design calls for,
and the body of ``hhlif mi``.

Contents
--------
spike_count_responses
    Spike count of every neuron (= trial) in a window, with its condition as the
    stimulus label.
binary_words
    Spikes binned at ``bin_size``: a (neurons x bins) array of counts or 0/1.
information_from_recording
    The estimator the recording's design calls for (:func:`~hhlif.analysis.recorded_design`):
    the direct method when one frozen, time-varying stimulus is repeated over trials (one
    condition), the condition-response mutual information when there are several
    conditions. A recording without a design (older hhlif files, other tools) is
    analysed as before: by its protocol name, else by its structure.
parse_quantity
    ``'2*ms'`` -> ``2 * pq.ms`` without ``eval``.
mi_command
    Body of ``hhlif mi FILE [--method M] [--bin 2*ms] [--word 8] [--json OUT]``:
    the result and the text it prints; the JSON is written atomically.

Notes
-----
Recordings are read with :func:`hhlif.analysis.spike_data.load_spikes`, so a
``neo.Block`` (a Recording through ``hhlif.protocols.to_neo``) or a NIX file work. The design is the Block
annotation ``design_json`` (:mod:`hhlif.analysis.design`); the protocol name (Block
annotation ``protocol``) is only consulted for recordings without one. "Trials as
neurons": every neuron of the selected population is one trial; its condition is its
stimulus. Condition values are taken from the design, never parsed from the labels.
"""
from __future__ import annotations

import json
import math
import os
import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import quantities as pq

from ..design import Design, recorded_design
from ..errors import AnalysisInputError, AnalysisWarning
from ..io import atomic_output, check_output
from ..spike_data import SpikeData, load_spikes
from ..utils import as_time, check_choice, check_time, time_array
from ._direct_method import DirectMethodResult, direct_method
from ._discrete import MI_METHODS, InformationResult, mutual_information
from .declared import (MIN_CONDITION_REPEATS, MIN_DIRECT_REPEATS, DeclaredDesign,
                       PerNeuronInformation, check_enough, mean_with_ci, per_neuron_groups,
                       undeclared_design_error)

__all__ = [
    "FROZEN_NOISE_PROTOCOLS",
    "CONDITION_PROTOCOLS",
    "RESPONSES",
    "spike_count_responses",
    "binary_words",
    "information_from_recording",
    "parse_quantity",
    "mi_command",
]

def _check_spikes(indices: Any, times: Any, n_neurons: int) -> tuple[np.ndarray, np.ndarray]:
    idx = np.asarray(indices).reshape(-1)
    t = time_array(times)
    if idx.shape != t.shape:
        raise AnalysisInputError(f"indices has {idx.size} spikes but times has {t.size}: "
                                 "expected one time per spike")
    if idx.size and (not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0
                     or idx.max() >= n_neurons):
        raise AnalysisInputError(f"indices spans {idx.min()}..{idx.max()}: expected integer "
                                 f"neuron ids in 0..{n_neurons - 1}")
    return idx.astype(np.int64), t


def spike_count_responses(indices: Any, times: Any, neuron_condition: Any,
                          window: tuple[Any, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Stimulus label and spike count in a window, one pair per neuron (= trial).

    Parameters
    ----------
    indices : array_like of int
        Neuron id of each spike.
    times : pq.Quantity or array_like
        Time of each spike (a plain array is read in seconds).
    neuron_condition : array_like of int, shape (n_neurons,)
        Condition (stimulus label) of each neuron; its length sets ``n_neurons``.
    window : tuple
        ``(t0, t1)``; spikes with t0 <= t < t1 are counted.

    Returns
    -------
    stimulus : np.ndarray of int, shape (n_neurons,)
    counts : np.ndarray of int, shape (n_neurons,)

    Raises
    ------
    AnalysisInputError
        Mismatched lengths, ids out of range or an empty window.

    Examples
    --------
    >>> import quantities as pq
    >>> s, c = spike_count_responses([0, 0, 1, 2], [1, 5, 2, 30] * pq.ms, [0, 0, 1],
    ...                              (0 * pq.ms, 10 * pq.ms))
    >>> s.tolist(), c.tolist()
    ([0, 0, 1], [2, 1, 0])
    """
    cond = np.asarray(neuron_condition).reshape(-1)
    idx, t = _check_spikes(indices, times, cond.size)
    t0, t1 = as_time(window[0], "window[0]"), as_time(window[1], "window[1]")
    if not t1 > t0:
        raise AnalysisInputError(f"window={window!r}: expected t0 < t1")
    keep = (t >= t0) & (t < t1)
    return cond.astype(np.int64), np.bincount(idx[keep], minlength=cond.size)


def binary_words(indices: Any, times: Any, n_neurons: int, t_start: Any, t_stop: Any,
                 bin_size: Any, binary: bool = True) -> np.ndarray:
    """Spikes binned at ``bin_size``: one row per neuron, one column per bin.

    Parameters
    ----------
    indices : array_like of int
        Neuron id of each spike.
    times : pq.Quantity or array_like
        Spike times (a plain array is read in seconds).
    n_neurons : int
    t_start, t_stop : pq.Quantity or float
        Span to bin; only whole bins are kept (``floor((t_stop - t_start) / bin_size)``).
    bin_size : pq.Quantity or float
    binary : bool
        Clip counts to 0/1 (default) or keep spike counts.

    Returns
    -------
    np.ndarray of int, shape (n_neurons, n_bins)

    Examples
    --------
    >>> import quantities as pq
    >>> binary_words([0, 0, 1], [0.5, 2.5, 3.1] * pq.ms, 2, 0 * pq.ms, 4 * pq.ms, 1 * pq.ms)
    array([[1, 0, 1, 0],
           [0, 0, 0, 1]])
    """
    n_neurons = int(n_neurons)
    idx, t = _check_spikes(indices, times, n_neurons)
    t0, t1 = as_time(t_start, "t_start"), as_time(t_stop, "t_stop")
    dt = as_time(bin_size, "bin_size")
    if not dt > 0:
        raise AnalysisInputError(f"bin_size={bin_size!r}: expected a positive duration")
    n_bins = int(math.floor((t1 - t0) / dt + 1e-9))
    if n_bins < 1:
        raise AnalysisInputError(f"bin_size={bin_size!r}: longer than the span "
                                 f"[{t0}, {t1}] s; expected at least one whole bin")
    b = np.floor((t - t0) / dt + 1e-9).astype(np.int64)
    keep = (b >= 0) & (b < n_bins)
    out = np.bincount(idx[keep] * n_bins + b[keep], minlength=n_neurons * n_bins)
    out = out.reshape(n_neurons, n_bins)
    return np.minimum(out, 1) if binary else out


def _pick_population(data: SpikeData, population: str | None) -> str:
    pops = data.populations
    if population is not None:
        if population not in pops:
            raise AnalysisInputError(f"population={population!r}: not in the recording; valid "
                                     f"values: {pops}")
        return population
    preferred = data.annotations.get("output_population")
    if preferred in pops:
        return str(preferred)
    if len(pops) == 1:
        return pops[0]
    raise AnalysisInputError(f"population=None but the recording has {len(pops)} populations "
                             f"{pops}: expected one to be named (or a Block annotation "
                             "'output_population')")


#: Legacy (recordings without a design): protocols whose neurons are repeats of one frozen
#: stimulus (direct method).
FROZEN_NOISE_PROTOCOLS = ("frozen-noise",)
#: Legacy (recordings without a design): protocols whose conditions are discrete stimuli
#: repeated over trials.
CONDITION_PROTOCOLS = ("sweep", "step", "fi-curve")
#: Responses the condition estimators can read from a recording.
RESPONSES = ("count", "words")


@dataclass(frozen=True)
class _Choice:
    """The estimators a recording allows: valid method names, the default, and why."""

    valid: tuple
    default: str
    what: str          # e.g. "this recording's design (1 condition x 60 trials, ...)"


def _estimators_for(design: Design | None, protocol: Any, n_conditions: int,
                    origin: str) -> _Choice:
    """Which estimators the recording's design (or, without one, its protocol) calls for."""
    if design is not None:
        what = f"this recording's design ({design.describe()})"
        if design.repeats_one_stimulus:
            return _Choice(("direct",), "direct", what)
        if design.n_conditions >= 2:
            # each condition repeating one frozen waveform is itself a direct-method design
            extra = ("direct",) if design.trials_repeat_a_waveform else ()
            return _Choice(MI_METHODS + extra, "pt", what)
        raise AnalysisInputError(
            f"{origin}: the recorded design ({design.describe()}) suits no estimator: the "
            "direct method needs several trials of one frozen, time-varying stimulus, the "
            "condition estimators need at least two conditions")
    # no design (older hhlif files, other tools): by the protocol name, else the structure
    if protocol in FROZEN_NOISE_PROTOCOLS:
        direct = True
    elif protocol in CONDITION_PROTOCOLS:
        direct = False
    else:
        direct = n_conditions <= 1
    kind = "repeats of one stimulus" if direct else "conditions"
    return _Choice(("direct",) if direct else MI_METHODS, "direct" if direct else "pt",
                   f"protocol {protocol!r} ({kind})")


def _check_design(design: Design, data: SpikeData, population: str, origin: str) -> None:
    """The design must describe the data it came with (a stale design is not guessed past)."""
    found = data.conditions.tolist()
    if len(found) != design.n_conditions or (found and max(found) >= design.n_conditions):
        raise AnalysisInputError(
            f"{origin}: the recorded design has {design.n_conditions} condition(s) but "
            f"population {population!r} holds conditions {found}: expected the design of "
            "this recording (block annotation design_json)")


def information_from_recording(source: Any, method: str | None = None,
                               bin_size: Any = 2 * pq.ms, word_length: int = 8,
                               window: tuple[Any, Any] | None = None, response: str = "count",
                               population: str | None = None, condition: int | None = None,
                               n_bootstrap: int = 100, confidence: float = 0.95,
                               seed: int | None = 0, declared: DeclaredDesign | None = None
                               ) -> InformationResult | DirectMethodResult | PerNeuronInformation:
    """Information carried by the spikes of a recording, by the estimator its design calls for.

    Parameters
    ----------
    source : Recording, neo.Block, path or SpikeData
        Anything :func:`load_spikes` reads.
    method : str, optional
        ``'direct'`` or one of :data:`~hhlif.analysis.information.MI_METHODS`; default
        ``'direct'`` for repeats of one frozen, time-varying stimulus, ``'pt'`` for
        several conditions (see Notes).
    bin_size : pq.Quantity
        Bin of the spike words.
    word_length : int
        Longest word (bins) of the direct method (lengths 1..word_length are
        used), or the length of the words when ``response='words'``.
    window : tuple, optional
        ``(t0, t1)`` analysed; default the whole recording (for
        ``response='words'``, ``word_length`` bins from ``t_start``).
    response : {'count', 'words'}
        For the condition estimators: the spike count in the window or the binary
        word of its bins.
    population : str, optional
        Population analysed (default the only one, or the Block annotation
        ``output_population``).
    condition : int, optional
        For the direct method on a recording with several conditions: the condition
        to use.
    n_bootstrap, confidence, seed
        Confidence interval (bootstrap over trials) and random seed.
    declared : DeclaredDesign, optional
        The design of a file that does not record one (another tool's file): required for
        those, refused for hhlif's own files (which record theirs). See
        :mod:`hhlif.analysis.information.declared`.

    Returns
    -------
    DirectMethodResult or InformationResult or PerNeuronInformation
        ``details`` records the source, protocol, population, window, response and the
        recorded design (None without one); condition estimators add the condition
        labels and, from the design, the condition values and their units. A foreign
        file declared ``repeats_of_one_stimulus`` or ``condition_annotation`` gives a
        :class:`PerNeuronInformation` (each neuron over its own trials).

    Raises
    ------
    AnalysisInputError
        A design that suits no estimator (one condition without a repeated frozen,
        time-varying stimulus) or does not match the data, an unknown method or response,
        several populations and none chosen, too few trials or no spikes.

    Notes
    -----
    The design (Block annotation ``design_json``, read by
    :func:`~hhlif.analysis.recorded_design`) decides: one condition with several trials
    of one frozen, time-varying stimulus gets the direct method (the only valid method);
    several conditions get the condition-response estimators (default ``pt``; when every
    condition repeats a frozen waveform, ``method='direct'`` with ``condition=`` is also
    valid). The protocol name is not consulted then. A recording without a design is
    analysed as before: ``frozen-noise`` by the direct method, ``sweep``, ``step`` and
    ``fi-curve`` by the condition estimators, any other protocol by its structure (several
    conditions: condition estimators; one: the direct method).

    Examples
    --------
    >>> import neo, numpy as np, quantities as pq
    >>> block = neo.Block(hhlif_format=1, protocol="step")
    >>> for trial in range(20):
    ...     for cond, n_spikes in ((0, 2), (1, 6)):
    ...         seg = neo.Segment(trial=trial, condition=cond)
    ...         seg.spiketrains.append(neo.SpikeTrain(np.linspace(10, 90, n_spikes) * pq.ms,
    ...             t_stop=100 * pq.ms, neuron=0, population="hh", trial=trial, condition=cond))
    ...         block.segments.append(seg)
    >>> res = information_from_recording(block, n_bootstrap=0)
    >>> res.n_stimuli, res.plugin_bits         # counts 2 vs 6 tell the condition apart
    (2, 1.0)
    """
    declared = declared or DeclaredDesign()
    with warnings.catch_warnings():
        if declared.condition_per_segment:  # trains are repeats: no neuron is paired
            warnings.filterwarnings("ignore", ".*neurons matched across trials by their"
                                    " position", AnalysisWarning)
        data = load_spikes(source)
    check_choice(response, RESPONSES, "response")
    origin = str(data.annotations.get("source", "recording"))
    design = recorded_design(data)
    protocol = data.annotations.get("protocol")
    own = bool(data.annotations.get("hhlif", False))
    if declared and own:
        raise AnalysisInputError(f"{origin}: written by hhlif, which records how the recording"
                                 f" was made; expected no declared design ({declared.describe()})")
    if not declared and not own:
        raise undeclared_design_error(data, origin)
    pop = _pick_population(data, population)
    data = data.select(population=pop)
    if design is not None:
        _check_design(design, data, pop, origin)
    if declared and not declared.condition_per_segment:
        return _per_neuron_information(data, declared, method, pop, bin_size, word_length,
                                       window, response, n_bootstrap, confidence, seed, origin)
    if declared:
        data = declared.conditions_of(data, origin)
        per_condition = np.bincount(data.condition)
        if data.conditions.size < 2 or per_condition.min() < MIN_CONDITION_REPEATS:
            raise AnalysisInputError(
                f"{origin}: {data.conditions.size} segment(s) with {per_condition.min()} to"
                f" {per_condition.max()} trains each; --condition-per-segment needs at least 2"
                f" segments of at least {MIN_CONDITION_REPEATS} trains (repeats) each")
        choice = _Choice(MI_METHODS + ("direct",), "pt", declared.describe())
    else:
        choice = _estimators_for(design, protocol, len(data.conditions), origin)
    if method is None:
        method = choice.default
    if method not in choice.valid:
        raise AnalysisInputError(f"method={method!r}: not available for {choice.what}; "
                                 f"valid values: {list(choice.valid)}")
    if int(word_length) < 1:
        raise AnalysisInputError(f"word_length={word_length!r}: expected an integer >= 1")
    details = {"source": str(data.annotations.get("source", "")), "protocol": protocol,
               "population": pop, "bin_size_s": as_time(bin_size, "bin_size"),
               "design": None if design is None else design.to_dict()}
    return _FROM_RECORDING[method](data, method, design, details, int(word_length), window,
                                   response, condition, n_bootstrap, confidence, seed)


def _per_neuron_information(data: SpikeData, declared: DeclaredDesign, method: str | None,
                            pop: str, bin_size: Any, word_length: int, window, response: str,
                            n_bootstrap: int, confidence: float, seed: int | None,
                            origin: str) -> PerNeuronInformation:
    """Each identified neuron over its own trials, by the declared design."""
    direct = declared.repeats_of_one_stimulus
    valid = ("direct",) if direct else MI_METHODS
    method = method or ("direct" if direct else "pt")
    if method not in valid:
        raise AnalysisInputError(f"method={method!r}: not available for {declared.describe()};"
                                 f" valid values: {list(valid)}")
    if int(word_length) < 1:
        raise AnalysisInputError(f"word_length={word_length!r}: expected an integer >= 1")
    if not direct:
        data = declared.conditions_of(data, origin)
    details = {"source": origin, "protocol": data.annotations.get("protocol"),
               "population": pop, "bin_size_s": as_time(bin_size, "bin_size"), "design": None,
               "identity": data.annotations.get("identity")}
    analysed, excluded = [], []
    for unit, ids in per_neuron_groups(data):
        sub = data.select(neurons=ids)
        n_rep = int(ids.size)
        if direct:
            short = n_rep < MIN_DIRECT_REPEATS
            need = f"fewer than {MIN_DIRECT_REPEATS} repeats (trials)"
        else:
            per = np.bincount(sub.condition)
            per = per[per > 0]
            short = per.size < 2 or per.min() < MIN_CONDITION_REPEATS
            n_rep = int(per.min()) if per.size else 0
            need = (f"fewer than 2 conditions with {MIN_CONDITION_REPEATS} trials each")
        if short:
            excluded.append({"unit": unit, "n_repeats": n_rep, "reason": need})
            continue
        try:
            if direct:
                res = _direct_from_recording(sub, "direct", None, dict(details),
                                             int(word_length), window, response, None,
                                             n_bootstrap, confidence, seed)
                row = {"information": res.information_rate, "ci": res.ci,
                       "information_per_spike": res.information_per_spike}
            else:
                res = _conditions_from_recording(sub, method, None, dict(details),
                                                 int(word_length), window, response, None,
                                                 n_bootstrap, confidence, seed)
                row = {"information": res.bits, "ci": res.ci}
        except AnalysisInputError as err:  # a silent neuron, a word longer than the window
            if "fired no spike" not in str(err):
                raise
            excluded.append({"unit": unit, "n_repeats": n_rep, "reason": "no spike"})
            continue
        analysed.append({"unit": unit, "n_repeats": n_rep, **row})
    check_enough(analysed, excluded, MIN_DIRECT_REPEATS if direct else MIN_CONDITION_REPEATS,
                 "repeats (trials) of the stimulus" if direct else "trials per condition",
                 origin)
    mean, ci = mean_with_ci([u["information"] for u in analysed], confidence)
    return PerNeuronInformation(method, "bits/s" if direct else "bits", pop, analysed,
                                excluded, mean, ci, confidence, declared, details)


def _direct_from_recording(data: SpikeData, method: str, design: Design | None, details: dict,
                           word_length: int, window, response: str, condition: int | None,
                           n_bootstrap: int, confidence: float, seed: int | None
                           ) -> DirectMethodResult:
    """The direct method on the neurons (= repeats) of one condition."""
    pop, dt = details["population"], details["bin_size_s"]
    if len(data.conditions) > 1:
        if condition is None:
            raise AnalysisInputError(f"condition=None but the recording has conditions "
                                     f"{data.conditions.tolist()}: expected one to be chosen "
                                     "for the direct method")
        data = data.select(condition=int(condition))
    t_start, t_stop = float(data.t_start.magnitude), float(data.t_stop.magnitude)
    t0, t1 = (t_start, t_stop) if window is None else (as_time(window[0], "window[0]"),
                                                        as_time(window[1], "window[1]"))
    words = binary_words(data.indices, data.times, data.n_neurons, t0, t1, dt, binary=False)
    if words.shape[0] < 4:
        raise AnalysisInputError(f"the recording has {words.shape[0]} repeat(s) of the "
                                 f"stimulus in population {pop!r}: expected at least 4 for "
                                 "the direct method")
    if words.sum() == 0:
        raise AnalysisInputError(f"population {pop!r} fired no spike in [{t0}, {t1}] s: "
                                 "expected spikes to estimate information")
    if word_length > words.shape[1]:
        raise AnalysisInputError(f"word_length={word_length}: longer than the {words.shape[1]} "
                                 f"bins of {dt} s in the window")
    result = direct_method(words, dt, word_lengths=tuple(range(1, word_length + 1)),
                           n_bootstrap=n_bootstrap, confidence=confidence, seed=seed)
    result.details = {**details, "window_s": [t0, t1], "response": "words",
                      "n_repeats": int(words.shape[0])}
    if design is not None and len(design.condition_names):
        chosen = int(data.conditions[0])
        result.details.update(condition=chosen, condition_values=design.condition(chosen),
                              condition_units=dict(design.condition_units))
    return result


def _conditions_from_recording(data: SpikeData, method: str, design: Design | None,
                               details: dict, word_length: int, window, response: str,
                               condition: int | None, n_bootstrap: int, confidence: float,
                               seed: int | None) -> InformationResult:
    """Mutual information between the condition of each neuron (= trial) and its response."""
    pop, dt = details["population"], details["bin_size_s"]
    t_start, t_stop = float(data.t_start.magnitude), float(data.t_stop.magnitude)
    if window is None:
        window = (t_start, t_stop) if response == "count" else (t_start, t_start + word_length * dt)
    t0, t1 = as_time(window[0], "window[0]"), as_time(window[1], "window[1]")
    if response == "count":
        stim, resp = spike_count_responses(data.indices, data.times, data.condition, (t0, t1))
    else:
        resp = binary_words(data.indices, data.times, data.n_neurons, t0, t1, dt)
        resp = resp[:, :word_length]
        stim = data.condition
    if not resp.sum() > 0:
        raise AnalysisInputError(f"population {pop!r} fired no spike in [{t0}, {t1}] s: "
                                 "expected spikes to estimate information")
    result = mutual_information(stim, resp, method=method, n_bootstrap=n_bootstrap,
                                confidence=confidence, seed=seed)
    labels = {int(c): data.condition_labels.get(int(c), str(int(c))) for c in data.conditions}
    result.details = {**result.details, **details, "window_s": [t0, t1], "response": response,
                      "condition_labels": labels}
    if design is not None:
        # the numbers come from the design, never from parsing the labels
        result.details.update(
            condition_values={k: list(v) for k, v in design.condition_values.items()},
            condition_units=dict(design.condition_units))
    return result


#: Method name -> how a recording is turned into responses and estimated.
_FROM_RECORDING = {"direct": _direct_from_recording,
                   **dict.fromkeys(MI_METHODS, _conditions_from_recording)}


_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\*?\s*([A-Za-z_]\w*)\s*$")


def parse_quantity(text: str, name: str = "value") -> pq.Quantity:
    """Parse ``'2*ms'``, ``'2 ms'`` or ``'0.002*s'`` into a quantity, without ``eval``.

    Parameters
    ----------
    text : str
        A number, an optional ``*`` and a unit name known to :mod:`quantities`.
    name : str
        Name of the argument, for the error message.

    Returns
    -------
    pq.Quantity

    Examples
    --------
    >>> parse_quantity("2*ms")
    array(2.) * ms
    """
    if isinstance(text, pq.Quantity):
        return text
    m = _QUANTITY.match(str(text))
    if not m:
        raise AnalysisInputError(f"{name}={text!r}: expected a number times a unit, e.g. '2*ms'")
    unit = getattr(pq, m.group(2), None)
    if not isinstance(unit, pq.Quantity):
        raise AnalysisInputError(f"{name}={text!r}: {m.group(2)!r} is not a unit of quantities "
                                 "(e.g. ms, s, us)")
    return float(m.group(1)) * unit


def _format(result: InformationResult | DirectMethodResult | PerNeuronInformation,
            path: str) -> str:
    d = result.details
    lines = [f"hhlif mi {path}",
             f"  protocol    {d.get('protocol')}   population {d.get('population')}"]
    if isinstance(result, PerNeuronInformation):
        return "\n".join(lines + result.lines())
    if d.get("design") is not None:  # recordings without a design print as before
        lines.append(f"  design      {Design.from_dict(d['design']).describe()}")
        units = d.get("condition_units", {})
        for name, values in (d.get("condition_values") or {}).items():
            shown = (", ".join(f"{v:g}" for v in values) if isinstance(values, list)
                     else f"{values:g}")
            unit = "" if units.get(name, "1") == "1" else units[name]
            lines.append(f"  condition   {name} = {shown} {unit}".rstrip())
    pct = f"{100 * result.confidence:g}%"
    if isinstance(result, DirectMethodResult):
        ci = "" if result.ci is None else f"   {pct} CI [{result.ci[0]:.2f}, {result.ci[1]:.2f}]"
        lines += [
            f"  method      direct (Strong et al. 1998), {result.n_trials} repeats x "
            f"{result.n_bins} bins of {1e3 * result.bin_size:g} ms",
            f"  information {result.information_rate:.2f} bits/s{ci}",
            f"              {result.information_per_spike:.3f} bits/spike at "
            f"{result.mean_rate:.2f} spikes/s",
            f"  entropy     total {result.total_entropy_rate:.2f} bits/s, noise "
            f"{result.noise_entropy_rate:.2f} bits/s",
            "",
            f"  {'L':>3} {'total':>10} {'noise':>10} {'info':>10}   (bits/s, data-extrapolated)"]
        for row in result.by_word_length:
            lines.append(f"  {row['word_length']:>3} {row['total_entropy_rate']:>10.2f} "
                         f"{row['noise_entropy_rate']:>10.2f} {row['information_rate']:>10.2f}")
        lines.append(f"  {'inf':>3} {result.total_entropy_rate:>10.2f} "
                     f"{result.noise_entropy_rate:>10.2f} {result.information_rate:>10.2f}")
    else:
        ci = "" if result.ci is None else f"   {pct} CI [{result.ci[0]:.4f}, {result.ci[1]:.4f}]"
        lines += [
            f"  method      {result.method}; response {d.get('response')} in "
            f"[{d['window_s'][0]:g}, {d['window_s'][1]:g}] s",
            f"  information {result.bits:.4f} bits{ci}",
            f"  plug-in     {result.plugin_bits:.4f} bits (bias {result.bias:.4f})",
            f"  trials      {result.n_trials}, stimuli {result.n_stimuli}, response symbols "
            f"{result.n_response_symbols}"]
    return "\n".join(lines)


def mi_command(path: str | os.PathLike, method: str | None = None, bin_size: Any = "2*ms",
               word_length: int = 8, json_path: str | os.PathLike | None = None,
               force: bool = False, n_bootstrap: int = 100, seed: int | None = 0,
               population: str | None = None, response: str = "count",
               window: Any = None, declared: DeclaredDesign | None = None
               ) -> tuple[InformationResult | DirectMethodResult | PerNeuronInformation, str]:
    """Body of ``hhlif mi FILE``: information of a recorded file, and the text to print.

    Parameters
    ----------
    path : path-like
        Recording file (NIX or any format Neo reads).
    method : str, optional
        See :func:`information_from_recording`.
    bin_size : str or pq.Quantity
        ``'2*ms'`` style text or a quantity.
    word_length : int
    json_path : path-like, optional
        Where to write ``{"source", "result"}`` as JSON (atomically).
    force : bool
        Overwrite an existing ``json_path``.
    n_bootstrap, seed, population, response, declared
        See :func:`information_from_recording`.
    window : str or tuple, optional
        ``'20*ms,100*ms'`` (text, as on the command line) or a (start, stop) pair: the
        response window of step/sweep files (words start at its start).

    Returns
    -------
    result : DirectMethodResult or InformationResult
    text : str
        Human-readable summary (with the CI and, for the direct method, the
        table of rates by word length).

    Raises
    ------
    OutputExistsError
        (a ``FileExistsError``) ``json_path`` exists and ``force`` is false.
    ValueError
        ``json_path`` is the recording itself.
    PermissionError, NotADirectoryError, IsADirectoryError
        The folder of ``json_path`` cannot be created or written, or it is a folder.
    AnalysisInputError
        A bad ``bin_size``, ``word_length`` or ``window``, an unreadable or refused file
        (a pickle raises :class:`~hhlif.analysis.errors.UnsafeFileError`), or see
        :func:`information_from_recording`.

    The arguments and ``json_path`` are checked before the file is read; the JSON is
    written by :func:`hhlif.analysis.io.atomic_output`.

    Examples
    --------
    >>> parse_quantity("2*ms").rescale("s").magnitude.item()
    0.002
    """
    dt = check_time(parse_quantity(bin_size, "bin_size"), "bin_size",
                    shown=repr(bin_size) if isinstance(bin_size, str) else None)
    if isinstance(word_length, bool) or not isinstance(word_length, (int, np.integer)) \
            or int(word_length) < 1:
        raise AnalysisInputError(f"word_length={word_length!r}: expected an integer >= 1")
    window_text = window
    if isinstance(window, str):
        parts = [p for p in window.split(",") if p.strip()]
        if len(parts) != 2:
            raise AnalysisInputError(f"window={window!r}: expected 'START,STOP', e.g."
                                     f" '20*ms,120*ms'")
        window = (parse_quantity(parts[0], "window start"),
                  parse_quantity(parts[1], "window stop"))
    if window is not None:
        if isinstance(window, (str, bytes)) or len(window) != 2:
            raise AnalysisInputError(f"window={window_text!r}: expected a (start, stop) pair"
                                     f" or 'START,STOP', e.g. '20*ms,120*ms'")
        t0, t1 = as_time(window[0], "window start"), as_time(window[1], "window stop")
        if not (np.isfinite(t0) and np.isfinite(t1) and t1 > t0):
            shown = window_text if isinstance(window_text, str) else f"({t0:g} s, {t1:g} s)"
            raise AnalysisInputError(f"window={shown!r}: expected finite START < STOP, e.g."
                                     f" '20*ms,120*ms'")
    out = None
    if json_path is not None:
        out = check_output(json_path, force, inputs=[path])
    result = information_from_recording(path, method=method, bin_size=dt,
                                        word_length=word_length, n_bootstrap=n_bootstrap,
                                        seed=seed, population=population, response=response,
                                        window=window, declared=declared)
    text = _format(result, str(path))
    if out is not None:
        payload = json.dumps({"source": str(path), "result": result.to_dict()}, indent=2)

        def write(tmp: str) -> None:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(payload + "\n")

        atomic_output(out, write, force=force)
        text += f"\n  written     {out}"
    return result, text
