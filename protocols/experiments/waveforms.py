"""The ``waveforms`` built-in protocol: the seed's Fig. 3 (HH versus the s-LIF2HH circuit).

Contents
--------
waveforms              factory of ``waveforms`` (:data:`~.library.BUILTINS`) (``hhlif run waveforms``)
WaveformComparison     runs HH and the circuits; ``run`` returns a :class:`WaveformResult`
                       (``hhlif run waveforms`` prints its tables and writes NIX / JSON /
                       figures)
WaveformResult         the merged Recording, hhlif's per-neuron table and the script's
                       figures of merit next to the script's own numbers
SeedWaveformBank       the five waveforms as one stimulus (:class:`~hhlif.protocols.stimuli.
                       SeedWaveform`; ``waveform`` 0–4 selects one per neuron)
seed_figures_of_merit  the two numbers the seed's script prints, from two spike trains
seed_reference         the script's own output (``data/seed_fig3.json``)
seed_table             per waveform: the script's figures of merit and hhlif's, side by side
waveform_table         hhlif's per-neuron statistics of two populations (counts, ISI
                       difference, spike-time error, Γ)
waveform_figures       one Fig. 3-style figure per candidate (matplotlib Figures)
PRESET_TEXT            what each preset runs, in words

The scenario (``data/seed_script_semantics.md``, Part A): a 2-neuron feed-forward chain;
the first neuron gets one of the seed's five waveforms (constant, sine, square, sawtooth,
triangle), the second only the first one's output.  Two presets:

``preset=seed`` (default) — the seed's script ``simplified_simulation/main.m``, reproduced in
    Brian2.  HH: ``hh-shifted`` from the script's initial state (v = 0, m = 0.0489,
    n = 0.6446, h = 0.1341), forward Euler (``method='euler'``) at 0.001 ms, the input read
    at the *end* of each step (the script's I(t_j) for the step to t_j), spike = rising edge
    of v > 70 mV.  s-LIF2HH at its 1 ms step with the input averaged over the step that
    ends at the new state.  Chains: :class:`~hhlif.models.networks.SeedChain` (same-step
    level coupling: HH neuron 2 gets W·dt = 100 µA/cm² during every step neuron 1 is above
    70 mV; circuit 2's units 1–3 get 10⁵·s_k + s_4 of circuit 1 in the same update).  The
    figures of merit are the script's (:func:`seed_figures_of_merit`).  Every spike index
    of both chains equals the script's on all five waveforms (tests/protocols/
    test_seed_fig3.py).
``preset=native`` — hhlif's own conventions on the same waveforms: ``hh-shifted`` from rest
    at its validated integrator (``rush_larsen2``) and ``reference_dt``, spike at the upward
    crossing of 25 mV, a :class:`~hhlif.models.networks.FeedForwardChain` with an
    exponential current synapse (``weight``, ``tau_syn``: one step of latency) and the
    unit-4 feedback ``g_feedback`` in the second circuit, input sampled at the step's start.

Per waveform the printout gives the script's two figures of merit for HH neuron 2 against
circuit 2 (as the script computes them, printed only when the spike counts are equal), the
script's own numbers beside them, and Γ; then hhlif's per-neuron statistics for both chain
neurons.  Nothing is fitted: the numbers are what the models produce.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from brian2 import cm, mS, ms, mV

from hhlif.analysis.utils import jsonify
from hhlif.models import lif2hh as _circuits  # noqa: F401  (registers the circuit models)
from hhlif.models.errors import ParameterError
from hhlif.models.units import format_settings
from hhlif.models.networks import FeedForwardChain, SeedChain

from hhlif.protocols import stimuli as S
from hhlif.protocols.protocol import Protocol
from hhlif.protocols.recordings.recording import PopulationData, Recording, Signal

__all__ = ["waveforms", "WaveformComparison", "WaveformResult", "SeedWaveformBank",
           "seed_figures_of_merit", "seed_reference", "seed_table", "waveform_table",
           "waveform_figures", "PRESETS", "PRESET_TEXT"]

REFERENCE = "hh-shifted"
EXACT = "tv-lif2hh-shifted"
SEED_CIRCUIT = "s-lif2hh"
PRESETS = ("seed", "native")
#: The script's sample period: its spike indices count steps of 0.001 ms.
INDEX_MS = 0.001
#: The script's settings (Part A of data/seed_script_semantics.md).
SEED_DURATION = 80 * ms
SEED_DT = 0.001 * ms
SEED_LEVEL = 70 * mV

#: The five waveforms as one stimulus, ``waveform`` = index into ``SEED_WAVEFORMS``.
SeedWaveformBank = S.SeedWaveform


def _shapes(shape: str) -> tuple:
    if shape == "all":
        return S.SEED_WAVEFORMS
    names = tuple(s.strip() for s in shape.split(","))
    for s in names:
        if s not in S.SEED_WAVEFORMS:
            raise ParameterError(f"protocol 'waveforms' parameter 'shape'={shape!r}: expected"
                                 f" 'all' or one or more of {', '.join(S.SEED_WAVEFORMS)}"
                                 f" (comma-separated)")
    return names


# ----------------------------------------------------------------------------- the script
def seed_reference() -> dict:
    """The seed script's own output for the five waveforms (``data/seed_fig3.json``).

    Returns
    -------
    dict
        ``{waveform: {'hh1', 'hh2', 'lif1', 'lif2' (spike indices), 'counts', 'printed'
        (the two numbers it prints, or None), 'figures_recomputed', ...}}``; an index i is
        a time of i·0.001 ms (see the file's ``meta``).
    """
    from importlib.resources import files

    text = files("hhlif.data").joinpath("seed_fig3.json").read_text(encoding="utf-8")
    return json.loads(text)["waveforms"]


def seed_figures_of_merit(hh, circuit, index_ms: float = INDEX_MS) -> dict:
    """The two figures of merit the seed's script prints (Fig. 3), from spike times in ms.

    Parameters
    ----------
    hh, circuit : array_like
        Spike times (ms) of HH neuron 2 and circuit 2 (the script compares the second
        neurons of the chains).
    index_ms : float
        The script's sample period; its first figure is in these units.

    Returns
    -------
    dict
        ``prints`` (the script prints only when the two counts are equal),
        ``mean_isi_difference_index`` (F1: mean ISI of the circuit minus that of HH, each
        the mean of its intervals after the first spike, i.e. (t_N − t_1)/(N − 1); signed;
        in index units of ``index_ms``), ``mean_isi_difference_ms`` (the same in ms),
        ``spike_time_error`` (F2: mean |c_k − h_k| over rank-paired spikes divided by
        t_d = (h_N − h_1)/(M − 1), M the circuit's count, as the script computes it),
        ``mean_hh_isi_ms`` (t_d) and ``note``.  Values are None where the script prints
        nothing, NaN where it prints NaN (one spike each: 0/0).

    Notes
    -----
    The script's "first interval" is the time from 0 to the first spike (its list of gaps
    starts with h₁ − 0), so the mean ISI it excludes it from is the mean of all N − 1
    intervals between spikes.  This differs from
    :func:`hhlif.analysis.spike_timing.isi_difference`, which drops the first
    *inter-spike* interval and averages absolute differences.

    Examples
    --------
    >>> f = seed_figures_of_merit([12.930, 28.149, 43.384, 58.621, 73.857],
    ...                           [14.0, 29.0, 44.0, 59.0, 74.0])
    >>> round(f["mean_isi_difference_index"], 2), round(f["spike_time_error"], 6)
    (-231.75, 0.040166)
    """
    h = np.sort(np.asarray(hh, dtype=float))
    c = np.sort(np.asarray(circuit, dtype=float))
    out = {"prints": bool(h.size == c.size and h.size > 0), "mean_isi_difference_index": None,
           "mean_isi_difference_ms": None, "spike_time_error": None, "mean_hh_isi_ms": None,
           "note": ""}
    if h.size == 0:
        out["note"] = "HH neuron 2 never fires (the script stops with an error)"
        return out
    out["mean_hh_isi_ms"] = float((h[-1] - h[0]) / (c.size - 1)) if c.size > 1 else math.nan
    if h.size != c.size:
        out["note"] = (f"spike counts differ (HH {h.size}, circuit {c.size}): the script"
                       f" prints nothing")
        return out
    if h.size == 1:
        out.update(mean_isi_difference_index=math.nan, mean_isi_difference_ms=math.nan,
                   spike_time_error=math.nan, note="one spike each: the script prints NaN")
        return out
    n = h.size
    f1 = (c[-1] - c[0]) / (n - 1) - (h[-1] - h[0]) / (n - 1)
    out["mean_isi_difference_ms"] = float(f1)
    out["mean_isi_difference_index"] = float(f1 / index_ms)
    out["spike_time_error"] = float(np.mean(np.abs(c - h)) / out["mean_hh_isi_ms"])
    return out


def _script_ms(indices) -> np.ndarray:
    """The script's spike indices as Brian2 spike times (ms): index i ↔ i·0.001 ms (HH: the
    step whose new state first exceeds 70 mV starts at i·dt; circuit: (n − 1)·1000 ↔ the
    start n − 1 ms of the update n that fired)."""
    return np.asarray(indices, dtype=float) * INDEX_MS


def seed_table(recording: Recording, reference: str = REFERENCE,
               candidate: str = SEED_CIRCUIT, delta=2 * ms, script: dict | None = None,
               compare: bool = True) -> list[dict]:
    """Per waveform: the script's figures of merit of HH neuron 2 against circuit 2, from the
    recording and from the script itself, side by side.

    Parameters
    ----------
    recording : Recording
        A ``waveforms`` recording (neuron ``2c + k`` is chain neuron ``k`` of waveform
        ``c``).
    reference, candidate : str
        Population names.
    delta : Quantity
        Coincidence window of Γ.
    script : dict, optional
        The script's numbers (default :func:`seed_reference`).
    compare : bool
        Add the script's columns and the per-spike comparison (meaningful for an 80 ms run).

    Returns
    -------
    list of dict
        ``waveform``, ``hh_spikes``, ``circuit_spikes``, ``prints``,
        ``mean_isi_difference_index`` (F1, 0.001 ms units), ``mean_isi_difference_ms``,
        ``spike_time_error`` (F2), ``gamma``; with ``compare``: ``script_hh_spikes``,
        ``script_circuit_spikes``, ``script_F1``, ``script_F2`` (as printed, None where it
        prints nothing), ``hh_max_dt_ms`` (largest |Δt| of HH neurons 1 and 2 against the
        script's spikes, None for unequal counts), ``circuit_same_steps`` (every circuit
        spike of both circuits on the script's 1 ms step), ``agrees`` and ``note``.
    """
    import quantities as pq

    from hhlif.analysis.errors import AnalysisInputError
    from hhlif.analysis.spike_timing import coincidence_factor

    ref, cand = recording.populations[reference], recording.populations[candidate]
    script = seed_reference() if (compare and script is None) else script
    rows = []
    for c, label in sorted(recording.condition_labels.items()):
        h2, c2 = ref.spike_times_of(2 * c + 1), cand.spike_times_of(2 * c + 1)
        f = seed_figures_of_merit(h2, c2)
        row = {"waveform": label, "hh_spikes": int(h2.size), "circuit_spikes": int(c2.size),
               "prints": f["prints"],
               "mean_isi_difference_index": f["mean_isi_difference_index"],
               "mean_isi_difference_ms": f["mean_isi_difference_ms"],
               "spike_time_error": f["spike_time_error"]}
        try:
            row["gamma"] = float(coincidence_factor(
                h2, c2, delta=float(delta / ms) * pq.ms, t_start=recording.t_start * pq.ms,
                t_stop=recording.t_stop * pq.ms))
        except AnalysisInputError:
            row["gamma"] = None
        notes = [f["note"]] if f["note"] else []
        if compare and label in script:
            s = script[label]
            printed = s.get("printed")
            row.update(script_hh_spikes=len(s["hh2"]), script_circuit_spikes=len(s["lif2"]),
                       script_F1=printed[0] if printed else None,
                       script_F2=printed[1] if printed else None)
            deltas, steps = [], True
            for k, key in ((0, "hh1"), (1, "hh2")):
                got, want = ref.spike_times_of(2 * c + k), _script_ms(s[key])
                deltas.append(float(np.max(np.abs(got - want))) if got.size == want.size
                              and got.size else (0.0 if got.size == want.size else None))
            for k, key in ((0, "lif1"), (1, "lif2")):
                got, want = cand.spike_times_of(2 * c + k), _script_ms(s[key])
                steps &= bool(got.size == want.size and np.array_equal(
                    np.round(got).astype(int), np.round(want).astype(int)))
            row["hh_max_dt_ms"] = None if None in deltas else round(max(deltas), 9)
            row["circuit_same_steps"] = steps
            agrees = (row["hh_spikes"] == row["script_hh_spikes"]
                      and row["circuit_spikes"] == row["script_circuit_spikes"]
                      and row["prints"] == (printed is not None) and steps
                      and row["hh_max_dt_ms"] is not None and row["hh_max_dt_ms"] <= 0.02)
            if printed is not None and row["prints"]:
                agrees &= _within(row["mean_isi_difference_index"], printed[0], 0.02) and \
                    _within(row["spike_time_error"], printed[1], 0.02)
            row["agrees"] = bool(agrees)
        row["note"] = "; ".join(notes)
        rows.append(row)
    return rows


def _within(value, target, rel) -> bool:
    return value is not None and math.isfinite(value) and \
        abs(value - target) <= rel * abs(target)


# ----------------------------------------------------------------------------- hhlif's table
def waveform_table(recording: Recording, reference: str, candidate: str,
                   delta=2 * ms) -> list[dict]:
    """Rows ``waveform, neuron, model, hh_spikes, spikes, isi_difference_ms,
    spike_time_error, gamma, note`` comparing two populations of a waveforms Recording
    (hhlif's statistics, :mod:`hhlif.analysis.spike_timing`, for both chain neurons).

    Undefined measures (too few spikes) are ``None`` with the reason in ``note``.
    """
    import quantities as pq

    from hhlif.analysis.errors import AnalysisInputError
    from hhlif.analysis.spike_timing import (coincidence_factor, isi_difference,
                                             spike_time_error)

    ref, cand = recording.populations[reference], recording.populations[candidate]
    n_chain = 2
    rows = []
    window = float(delta / ms) * pq.ms
    for c, label in sorted(recording.condition_labels.items()):
        for k in range(n_chain):
            neuron = c * n_chain + k
            r, x = ref.spike_times_of(neuron), cand.spike_times_of(neuron)
            row = {"waveform": label, "neuron": k + 1, "model": candidate,
                   "hh_spikes": int(r.size), "spikes": int(x.size)}
            notes = []
            for key, fn in (("isi_difference_ms",
                             lambda: float(isi_difference(r, x).rescale(pq.ms).magnitude)),
                            ("spike_time_error", lambda: float(spike_time_error(r, x))),
                            ("gamma", lambda: float(coincidence_factor(
                                r, x, delta=window, t_start=recording.t_start * pq.ms,
                                t_stop=recording.t_stop * pq.ms)))):
                try:
                    row[key] = fn()
                except AnalysisInputError as exc:
                    row[key] = None
                    notes.append(f"{key}: {exc}")
            row["note"] = "; ".join(notes)
            rows.append(row)
    return rows


# ----------------------------------------------------------------------------- the run
@dataclass
class WaveformResult:
    """What a ``waveforms`` run produced.

    Attributes
    ----------
    recording : Recording
        One population per model (``hh-shifted``, ``s-lif2hh``, ...); neuron ``2c + k`` is
        chain neuron ``k`` of waveform ``c`` (``condition_labels`` name the waveforms).
    rows : list of dict
        hhlif's per-neuron statistics (:func:`waveform_table`), every candidate.
    seed_rows : list of dict
        The script's figures of merit, hhlif's next to the script's (:func:`seed_table`).
    preset : str
    reference : str
    candidates : tuple of str
    settings : dict
    """

    recording: Recording
    rows: list
    seed_rows: list
    preset: str
    reference: str
    candidates: tuple
    settings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The result as a dict (:meth:`to_json` is what ``--json`` writes)."""
        return {"preset": self.preset, "reference": self.reference,
                "candidates": list(self.candidates), "seed_figures": self.seed_rows,
                "rows": self.rows, "settings": self.settings,
                "figures_of_merit": "the script's: HH neuron 2 vs circuit 2; F1 ="
                " mean_isi_difference_index (circuit minus HH, in index units of 0.001 ms;"
                " mean_isi_difference_ms in ms), F2 = spike_time_error; printed by the"
                " script only when the counts are equal"}

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text (NaN and infinity as strings), what ``hhlif run
        waveforms --json`` and the study write."""
        return json.dumps(jsonify(self.to_dict(), non_finite="string"), indent=2)

    @property
    def agrees(self) -> bool | None:
        """Every waveform agrees with the script (None without the comparison)."""
        flags = [r["agrees"] for r in self.seed_rows if "agrees" in r]
        return all(flags) if flags else None

    @property
    def preset_text(self) -> str:
        """What the preset runs, in words (:data:`PRESET_TEXT`)."""
        return PRESET_TEXT[self.preset]

    @property
    def runs(self) -> list[dict]:
        """Per model: ``model``, integration ``method``, ``dt``, ``spikes`` (all neurons)
        and ``wall_s`` (the run's total wall time, None if not recorded)."""
        out = []
        for name, pop in self.recording.populations.items():
            prov = self.recording.provenance["runs"][name]
            p = prov["protocol"]
            out.append({"model": name, "method": p["method"], "dt": p["dt"],
                        "spikes": len(pop.spike_times),
                        "wall_s": prov.get("wall_time_s", {}).get("total")})
        return out

    @property
    def notes(self) -> list[str]:
        """The distinct notes of both tables (measures left undefined, and why), sorted."""
        return sorted({r["note"] for r in self.rows + self.seed_rows if r.get("note")})


@dataclass(frozen=True)
class WaveformComparison:
    """HH (reference) and candidate models on the seed's chain under the seed's waveforms.

    Parameters
    ----------
    candidates : tuple of str
        Candidate models (registry names).
    shapes : tuple of str
        Waveforms, each a condition of one build per model.
    duration, reference_dt : Quantity
    preset : {'seed', 'native'}
        The script's scenario (default) or hhlif's own conventions (module docstring).
    weight, tau_syn : Quantity
        ``native`` only: chain synapse (see :class:`~hhlif.models.networks.FeedForwardChain`).
    feedback : Quantity
        ``native`` only: ``g_feedback`` of the second s-LIF2HH circuit (unit-4 feedback;
        1 mS/cm² adds u4 to units 1–3 each 1 ms step; not in the script).
    delta : Quantity
        Coincidence window of Γ.
    seed : int
    """

    candidates: tuple
    shapes: tuple
    duration: Any
    reference_dt: Any
    weight: Any
    tau_syn: Any
    feedback: Any
    delta: Any
    preset: str = "seed"
    seed: int = 0
    settings: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ protocols
    def model_of(self, model: str):
        """The model description a preset runs for ``model`` (seed: the script's HH
        settings for the reference and the exact circuit)."""
        from hhlif import models
        from hhlif.models.lif2hh import tv_lif2hh

        if self.preset == "native":
            return models.get(model)
        if model == REFERENCE:
            base = models.hodgkin_huxley("shifted", initial="seed", method="euler",
                                         dt=self.reference_dt)
        elif model == EXACT:
            base = tv_lif2hh("shifted", initial="seed", method="euler", dt=self.reference_dt)
        else:
            return models.get(model)
        return base.with_parameters(V_spike=SEED_LEVEL)

    def protocol(self, model: str) -> Protocol:
        """The Protocol of one model (all waveforms as conditions, one build)."""
        index = np.asarray([float(S.SEED_WAVEFORMS.index(s)) for s in self.shapes])
        neuron = self.model_of(model)
        if self.preset == "seed":
            dt = neuron.dt
            read = "average" if model == SEED_CIRCUIT else "end"
            stimulus = S.SeedWaveform(read=read, step=dt)
            chain, run_dt = SeedChain(n=2), None
        else:
            params = {}
            if "g_feedback" in neuron.parameters:
                params = {"g_feedback": [0.0, float(self.feedback / (mS / cm**2))] * mS / cm**2}
            chain = FeedForwardChain(n=2, weight=self.weight, tau_syn=self.tau_syn,
                                     neuron_parameters=params)
            run_dt = self.reference_dt if model in (REFERENCE, EXACT) else None
            dt = run_dt if run_dt is not None else neuron.dt
            stimulus = S.SeedWaveform(read="start", step=dt)
        record_dt = max(float(dt), 1e-5) * 1000 * ms
        return Protocol(model=neuron, stimulus=stimulus, network=chain,
                        conditions={"waveform": index}, duration=self.duration, dt=run_dt,
                        record=("v", "I_input"), record_neurons="all", record_dt=record_dt,
                        seed=self.seed, name="waveforms",
                        settings=dict(self.settings, model=model, preset=self.preset))

    def run(self, backend: str = "auto", threads: int | None = None) -> WaveformResult:
        """Run the reference and every candidate: a :class:`WaveformResult` (one Recording
        with a population per model, condition labels = waveform names, and the tables)."""
        from hhlif.protocols.simulation.running import run

        populations, provenance, simulated, design = {}, {}, [], {}
        for model in (REFERENCE,) + tuple(self.candidates):
            rec = run(self.protocol(model), backend=backend, threads=threads)
            simulated.append(rec.simulated_ms)
            pop = _chain_population(rec, model)
            populations[model] = pop
            provenance[model] = rec.provenance
            design = design or rec.design
        labels = {k: shape for k, shape in enumerate(self.shapes)}
        recording = Recording(
            populations=populations, t_start=0.0, t_stop=float(self.duration / ms),
            condition_labels=labels, protocol="waveforms", model=" vs ".join(populations),
            provenance={"runs": provenance, "settings": format_settings(self.settings),
                        "preset": self.preset},
            simulated_ms=min(float(self.duration / ms),
                             *(r for r in simulated if r is not None)),
            design=design)
        return self.tables(recording)

    def tables(self, recording: Recording) -> WaveformResult:
        """The tables of a waveforms Recording (also of one read back from a NIX file)."""
        rows = []
        for model in self.candidates:
            rows += waveform_table(recording, REFERENCE, model, delta=self.delta)
        compare = abs(float(self.duration / ms) - float(SEED_DURATION / ms)) < 1e-9
        seed_rows = seed_table(recording, REFERENCE, self.candidates[0], delta=self.delta,
                               compare=compare)
        return WaveformResult(recording=recording, rows=rows, seed_rows=seed_rows,
                              preset=self.preset, reference=REFERENCE,
                              candidates=tuple(self.candidates),
                              settings=format_settings(self.settings))

    def table(self, recording: Recording) -> list[dict]:
        """hhlif's per-neuron table (:func:`waveform_table`), every candidate."""
        return self.tables(recording).rows


PRESET_TEXT = {
    "seed": "the seed's script (hh-shifted from its initial state, forward Euler, input at"
            " the end of each step, spike = v rising above 70 mV; s-LIF2HH with step-averaged"
            " input; same-step level coupling)",
    "native": "hhlif's conventions (hh-shifted from rest, rush_larsen2, spike at 25 mV;"
              " exponential synapse; unit-4 feedback in circuit 2; input at the step's start)",
}


def _chain_population(rec: Recording, model: str) -> PopulationData:
    """The chain's neurons as one population: neuron ``2c + k`` is position ``k`` of copy
    ``c`` (a SeedChain run has a population per position, a FeedForwardChain run one)."""
    if len(rec.populations) == 1:
        pop = rec.main
        pop.name = model
        return pop
    layers = list(rec.populations.values())
    n_chain, copies = len(layers), layers[0].n_neurons
    index = [n_chain * p.spike_indices + k for k, p in enumerate(layers)]
    times = [p.spike_times for p in layers]
    idx, t = np.concatenate(index), np.concatenate(times)
    order = np.lexsort((idx, t))
    signals = {}
    for key in layers[0].signals:
        parts = [p.signals[key] for p in layers]
        neurons = np.concatenate([n_chain * s.neurons + k for k, s in enumerate(parts)])
        values = np.concatenate([s.values for s in parts], axis=1)
        column = np.argsort(neurons, kind="stable")
        first = parts[0]
        signals[key] = Signal(key, first.unit, first.t_start, first.sampling_period,
                              np.ascontiguousarray(values[:, column]), neurons[column])
    return PopulationData(
        name=model, model=layers[0].model, n_neurons=n_chain * copies,
        spike_indices=idx[order].astype(np.int64), spike_times=t[order],
        trial=np.repeat(layers[0].trial, n_chain), condition=np.repeat(layers[0].condition,
                                                                       n_chain),
        signals=signals)


def waveform_figures(recording: Recording, candidates) -> dict:
    """One Fig. 3-style figure per candidate: per waveform, the input current and the spike
    outputs of both chain neurons, HH above the axis and the circuit below.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``{"waveforms_<candidate>.png": figure}``, not saved
        (:func:`hhlif.analysis.plots.save_figure` writes them).
    """
    from matplotlib.figure import Figure

    ref = recording.populations[REFERENCE]
    figures = {}
    labels = sorted(recording.condition_labels.items())
    preset = recording.provenance.get("preset", "")
    for model in candidates:
        cand = recording.populations[model]
        fig = Figure(figsize=(8, 1.9 * len(labels) + 0.6))
        axes = fig.subplots(len(labels), 1, sharex=True, squeeze=False)
        for ax, (c, shape) in zip(axes[:, 0], labels):
            stim = ref.signals.get("I_input")
            if stim is not None and (2 * c) in stim.neurons:
                twin = ax.twinx()
                twin.plot(stim.times, stim.channel(2 * c), color="0.6", lw=0.8)
                twin.set_ylabel("I (µA/cm²)", fontsize=7, color="0.4")
                twin.tick_params(labelsize=7, colors="0.4")
            ticks, names = [], []
            for k in range(2):
                neuron = 2 * c + k
                r, x = ref.spike_times_of(neuron), cand.spike_times_of(neuron)
                base = 2.6 if k == 0 else 0.0
                ax.vlines(r, base + 0.05, base + 1.0, color="C0", lw=1.1,
                          label="HH" if k == 0 else None)
                ax.vlines(x, base - 1.0, base - 0.05, color="C3", lw=1.1,
                          label=model if k == 0 else None)
                ax.axhline(base, color="0.8", lw=0.5)
                ticks += [base + 0.5, base - 0.5]
                names += [f"HH {k + 1} ({r.size})", f"circuit {k + 1} ({x.size})"]
            ax.set_ylim(-1.2, 3.8)
            ax.set_yticks(ticks, labels=names, fontsize=7)
            ax.set_title(shape, fontsize=9, loc="left")
        fig.legend(*axes[0, 0].get_legend_handles_labels(), fontsize=7, loc="upper right",
                   ncol=2)
        axes[-1, 0].set_xlabel("time (ms)")
        axes[-1, 0].set_xlim(recording.t_start, recording.t_stop)
        fig.suptitle(f"HH (shifted, up) vs {model} (down), 2-neuron chain"
                     + (f", preset {preset}" if preset else ""), fontsize=10)
        fig.tight_layout()
        figures[f"waveforms_{model}.png"] = fig
    return figures


_NATIVE_ONLY = {"weight": 100 * S.CURRENT, "tau_syn": 1 * ms, "feedback": 1 * mS / cm**2}


def waveforms(model="s-lif2hh", seed=0, shape="all", preset="seed", duration=80 * ms,
              reference_dt=0.001 * ms, weight=100 * S.CURRENT, tau_syn=1 * ms,
              feedback=1 * mS / cm**2, include_exact=False, delta=2 * ms):
    """The seed's Fig. 3: ``hh-shifted`` at ``reference_dt`` versus ``model`` (default
    ``s-lif2hh`` at 1 ms) and, with ``include_exact``, ``tv-lif2hh-shifted``, on the 2-neuron
    chain for ``shape`` = constant|sine|square|sawtooth|triangle|all (from Python also a
    comma-separated list).

    ``preset='seed'`` (default) reproduces the seed's script (its candidate is
    ``s-lif2hh``); ``preset='native'`` uses hhlif's own conventions, with the chain synapse
    ``weight``/``tau_syn`` and the unit-4 ``feedback`` of the second circuit (native only).
    """
    from hhlif import models
    from hhlif.models.units import format_quantity

    if preset not in PRESETS:
        raise ParameterError(f"protocol 'waveforms' parameter 'preset'={preset!r}: expected"
                             f" one of {', '.join(PRESETS)}")
    models.get(model)  # unknown names fail here, listing the valid ones
    shapes = _shapes(shape)
    if preset == "seed":
        if model != SEED_CIRCUIT:
            raise ParameterError(f"protocol 'waveforms' parameter 'model'={model!r}: preset"
                                 f" 'seed' runs the script's circuit; expected"
                                 f" {SEED_CIRCUIT!r} (the exact circuit: --set"
                                 f" include_exact=true; other models: --set preset=native)")
        for key, default in _NATIVE_ONLY.items():
            value = {"weight": weight, "tau_syn": tau_syn, "feedback": feedback}[key]
            if abs(float(value) - float(default)) > 1e-12 * abs(float(default)):
                raise ParameterError(f"protocol 'waveforms' parameter {key!r}="
                                     f"{format_quantity(value)}: applies to preset 'native'"
                                     f" only (the seed's chain couples by its script's rule);"
                                     f" expected preset=native or the default"
                                     f" {format_quantity(default)}")
    candidates = (model,)
    if include_exact and model != EXACT:
        candidates += (EXACT,)
    if model == REFERENCE:
        candidates = tuple(c for c in candidates if c != REFERENCE) or (REFERENCE,)
    return WaveformComparison(
        candidates=candidates, shapes=shapes, duration=duration, reference_dt=reference_dt,
        weight=weight, tau_syn=tau_syn, feedback=feedback, delta=delta, preset=preset,
        seed=seed,
        settings=dict(model=model, shape=shape, preset=preset, duration=duration,
                      reference_dt=reference_dt, weight=weight, tau_syn=tau_syn,
                      feedback=feedback, include_exact=include_exact, delta=delta))

