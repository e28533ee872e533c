"""Stimulus/response arrays from recordings, and the body of ``hhlif mi``.

Contents
--------
spike_count_responses
    Spike count of every neuron (= trial) in a window, with its condition as the
    stimulus label.
binary_words
    Spikes binned at ``bin_size``: a (neurons x bins) array of counts or 0/1.
information_from_recording
    Pick the estimator from the recording's protocol: the direct method for
    ``frozen-noise`` (every neuron is one repeat of the same stimulus), the
    condition-response mutual information for ``sweep``, ``step`` and
    ``fi-curve`` (conditions are the stimuli, repeated over trials).
parse_quantity
    ``'2*ms'`` -> ``2 * pq.ms`` without ``eval``.
mi_command
    Body of ``hhlif mi FILE [--method M] [--bin 2*ms] [--word 8] [--json OUT]``:
    the result and the text it prints; the JSON is written atomically.

Notes
-----
Recordings are read with :func:`hhlif.analysis.spike_data.load_spikes`, so a
Recording (``to_neo()``), a ``neo.Block`` or a NIX file all work. The protocol is
the Block annotation ``protocol``. "Trials as neurons": every neuron of the
selected population is one trial; its condition is its stimulus.
"""
from __future__ import annotations

import json
import math
import os
import re
from typing import Any

import numpy as np
import quantities as pq

from .errors import AnalysisInputError
from .io import atomic_output, check_output
from .information import (MI_METHODS, DirectMethodResult, InformationResult, direct_method,
                          mutual_information)
from .spike_data import SpikeData, load_spikes

__all__ = [
    "FROZEN_NOISE_PROTOCOLS",
    "CONDITION_PROTOCOLS",
    "spike_count_responses",
    "binary_words",
    "information_from_recording",
    "parse_quantity",
    "mi_command",
]

#: Protocols whose neurons are repeats of one frozen stimulus (direct method).
FROZEN_NOISE_PROTOCOLS = ("frozen-noise",)
#: Protocols whose conditions are discrete stimuli repeated over trials.
CONDITION_PROTOCOLS = ("sweep", "step", "fi-curve")


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, pq.Quantity):
        try:
            return float(value.rescale(pq.s).magnitude)
        except ValueError as err:
            raise AnalysisInputError(f"{name}={value!r}: expected a time quantity, got units "
                                     f"{value.dimensionality}") from err
    try:
        return float(value)
    except (TypeError, ValueError) as err:
        raise AnalysisInputError(f"{name}={value!r}: expected a time quantity or a number in "
                                 "seconds") from err


def _times_seconds(times: Any) -> np.ndarray:
    if isinstance(times, pq.Quantity):
        try:
            return np.asarray(times.rescale(pq.s).magnitude, dtype=float).reshape(-1)
        except ValueError as err:
            raise AnalysisInputError(f"times: expected time units, got {times.dimensionality}") \
                from err
    return np.asarray(times, dtype=float).reshape(-1)


def _check_spikes(indices: Any, times: Any, n_neurons: int) -> tuple[np.ndarray, np.ndarray]:
    idx = np.asarray(indices).reshape(-1)
    t = _times_seconds(times)
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
    t0, t1 = _seconds(window[0], "window[0]"), _seconds(window[1], "window[1]")
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
    t0, t1 = _seconds(t_start, "t_start"), _seconds(t_stop, "t_stop")
    dt = _seconds(bin_size, "bin_size")
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


def information_from_recording(source: Any, method: str | None = None,
                               bin_size: Any = 2 * pq.ms, word_length: int = 8,
                               window: tuple[Any, Any] | None = None, response: str = "count",
                               population: str | None = None, condition: int | None = None,
                               n_bootstrap: int = 100, confidence: float = 0.95,
                               seed: int | None = 0) -> InformationResult | DirectMethodResult:
    """Information carried by the spikes of a recording, by the estimator its protocol calls for.

    Parameters
    ----------
    source : Recording, neo.Block, path or SpikeData
        Anything :func:`load_spikes` reads.
    method : str, optional
        ``'direct'`` (default for ``frozen-noise``) or one of
        :data:`~hhlif.analysis.information.MI_METHODS` (default ``'pt'`` for
        condition protocols).
    bin_size : pq.Quantity
        Bin of the spike words.
    word_length : int
        Longest word (bins) of the direct method (lengths 1..word_length are
        used), or the length of the words when ``response='words'``.
    window : tuple, optional
        ``(t0, t1)`` analysed; default the whole recording (for
        ``response='words'``, ``word_length`` bins from ``t_start``).
    response : {'count', 'words'}
        For condition protocols: the spike count in the window or the binary
        word of its bins.
    population : str, optional
        Population analysed (default the only one, or the Block annotation
        ``output_population``).
    condition : int, optional
        For ``frozen-noise``: the condition to use when there are several.
    n_bootstrap, confidence, seed
        Confidence interval (bootstrap over trials) and random seed.

    Returns
    -------
    DirectMethodResult or InformationResult
        ``details`` records the source, protocol, population, window and response.

    Raises
    ------
    AnalysisInputError
        Unknown protocol with a single condition, unknown method or response,
        several populations and none chosen, too few neurons or no spikes.

    Notes
    -----
    Protocols other than the known ones are analysed by their structure: with
    several conditions as condition protocols, with one as repeats of a frozen
    stimulus.

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
    data = load_spikes(source)
    if response not in ("count", "words"):
        raise AnalysisInputError(f"response={response!r}: unknown; valid values: "
                                 "['count', 'words']")
    protocol = data.annotations.get("protocol")
    pop = _pick_population(data, population)
    data = data.select(population=pop)
    n_conditions = len(data.conditions)
    if protocol in FROZEN_NOISE_PROTOCOLS:
        kind = "direct"
    elif protocol in CONDITION_PROTOCOLS:
        kind = "conditions"
    else:
        kind = "conditions" if n_conditions > 1 else "direct"
    valid = ("direct",) if kind == "direct" else MI_METHODS
    if method is None:
        method = "direct" if kind == "direct" else "pt"
    if method not in valid:
        raise AnalysisInputError(f"method={method!r}: not available for protocol {protocol!r} "
                                 f"({'repeats of one stimulus' if kind == 'direct' else 'conditions'}); "
                                 f"valid values: {list(valid)}")
    if int(word_length) < 1:
        raise AnalysisInputError(f"word_length={word_length!r}: expected an integer >= 1")
    word_length = int(word_length)
    dt = _seconds(bin_size, "bin_size")
    t_start, t_stop = float(data.t_start.magnitude), float(data.t_stop.magnitude)
    details = {"source": str(data.annotations.get("source", "")), "protocol": protocol,
               "population": pop, "bin_size_s": dt}
    if kind == "direct":
        if n_conditions > 1:
            if condition is None:
                raise AnalysisInputError(f"condition=None but the recording has conditions "
                                         f"{data.conditions.tolist()}: expected one to be chosen "
                                         "for the direct method")
            data = data.select(condition=int(condition))
        t0, t1 = (t_start, t_stop) if window is None else (_seconds(window[0], "window[0]"),
                                                            _seconds(window[1], "window[1]"))
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
        return result
    # condition protocols
    if window is None:
        window = (t_start, t_stop) if response == "count" else (t_start, t_start + word_length * dt)
    t0, t1 = _seconds(window[0], "window[0]"), _seconds(window[1], "window[1]")
    if response == "count":
        stim, resp = spike_count_responses(data.indices, data.times, data.condition, (t0, t1))
        any_spike = resp.sum() > 0
    else:
        resp = binary_words(data.indices, data.times, data.n_neurons, t0, t1, dt)
        resp = resp[:, :word_length]
        stim = data.condition
        any_spike = resp.sum() > 0
    if not any_spike:
        raise AnalysisInputError(f"population {pop!r} fired no spike in [{t0}, {t1}] s: "
                                 "expected spikes to estimate information")
    result = mutual_information(stim, resp, method=method, n_bootstrap=n_bootstrap,
                                confidence=confidence, seed=seed)
    labels = {int(c): data.condition_labels.get(int(c), str(int(c))) for c in data.conditions}
    result.details = {**result.details, **details, "window_s": [t0, t1], "response": response,
                      "condition_labels": labels}
    return result


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


def _format(result: InformationResult | DirectMethodResult, path: str) -> str:
    d = result.details
    lines = [f"hhlif mi {path}",
             f"  protocol    {d.get('protocol')}   population {d.get('population')}"]
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
               window: Any = None) -> tuple[InformationResult | DirectMethodResult, str]:
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
    n_bootstrap, seed, population, response
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
    dt = parse_quantity(bin_size, "bin_size")
    _check_bin(dt, bin_size)
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
        t0, t1 = _seconds(window[0], "window start"), _seconds(window[1], "window stop")
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
                                        window=window)
    text = _format(result, str(path))
    if out is not None:
        payload = json.dumps({"source": str(path), "result": result.to_dict()}, indent=2)

        def write(tmp: str) -> None:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(payload + "\n")

        atomic_output(out, write, force=force)
        text += f"\n  written     {out}"
    return result, text


def _check_bin(dt: pq.Quantity, text: Any) -> None:
    """``bin_size`` must be one positive, finite time (checked before any file is read)."""
    try:
        seconds = float(dt.rescale(pq.s).magnitude)
    except ValueError:
        raise AnalysisInputError(f"bin_size={text!r}: expected a time such as '2*ms', got"
                                 f" units {dt.dimensionality}") from None
    if not (np.isfinite(seconds) and seconds > 0):
        raise AnalysisInputError(f"bin_size={text!r}: expected a positive, finite duration"
                                 " such as '2*ms'")
