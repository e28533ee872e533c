"""The ``waveforms`` built-in protocol: the seed's Fig. 3 (HH versus the LIF2HH circuits).

Contents
--------
waveforms             factory registered as ``waveforms`` (``hhlif run waveforms``)
WaveformComparison    runs HH and the circuits, tabulates, writes JSON / NIX / figures
SeedWaveformBank      the seed's five waveforms as one stimulus; ``waveform`` (0–4) selects
                      one per neuron, so all waveforms run as conditions of one build
waveform_table        the per-waveform table of two recordings

The scenario (../shared/PAPER.md): a 2-neuron feed-forward chain; the first neuron gets one of
the seed's waveforms (constant, sine, square, sawtooth, triangle; period 8.5 ms), the second
only the first one's spikes.  The reference is ``hh-shifted`` integrated at 0.001 ms (RK4) with
its spike rule (upward crossing of 25 mV, the shifted image of −40 mV); the candidates run the
same chain: the model asked for (default ``s-lif2hh`` at its 1 ms step, the seed's rule) and the
exact circuit ``tv-lif2hh-shifted`` at the reference step.  Per waveform, chain neuron and
candidate the table gives spike counts, the seed's two figures of merit — the mean absolute
ISI difference with the first interval excluded, and the mean absolute spike-time difference
over the mean HH ISI (:mod:`hhlif.analysis.spike_timing`) — and the coincidence factor Γ
(±2 ms).  Nothing is fitted: the numbers are what the models produce.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from brian2 import mS, ms, cm, second

from hhlif.models import lif2hh as _circuits  # noqa: F401  (registers the circuit models)
from hhlif.models.errors import ParameterError
from hhlif.models.networks import FeedForwardChain

from . import stimuli as S
from .builtin import register_protocol
from .protocol import Protocol
from .recording import Recording

__all__ = ["waveforms", "WaveformComparison", "SeedWaveformBank", "waveform_table"]

REFERENCE = "hh-shifted"
EXACT = "tv-lif2hh-shifted"


@dataclass(frozen=True)
class SeedWaveformBank(S.Stimulus):
    """The seed's five waveforms, one selected per neuron by ``waveform`` (index into
    :data:`~hhlif.protocols.stimuli.SEED_WAVEFORMS`: 0 constant, 1 sine, 2 square,
    3 sawtooth, 4 triangle)."""

    waveform: Any = 0.0
    _fields: ClassVar = {"waveform": 1.0}

    def to_brian(self, prefix, n):
        code = super().to_brian(prefix, n)
        terms, decl, variables = [], [code.declarations], dict(code.variables)
        for k, shape in enumerate(S.SEED_WAVEFORMS):
            part = S.seed_waveform(shape).to_brian(f"{prefix}w{k}_", n)
            terms.append(f"int(abs({prefix}waveform - {k}) < 0.5)*{part.expression}")
            decl.append(part.declarations)
            variables.update(part.variables)
        return S.StimulusCode(expression="(" + " + ".join(terms) + ")",
                              declarations="\n".join(d for d in decl if d), variables=variables)

    def _expression(self):  # the selection happens in to_brian
        return "0*amp/meter**2"

    def _evaluate(self, t, waveform):
        shape = S.SEED_WAVEFORMS[int(round(float(waveform)))]
        return np.asarray(S.seed_waveform(shape).sample(t * second))


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
    weight, tau_syn : Quantity
        Chain synapse (see :class:`~hhlif.models.networks.FeedForwardChain`).
    feedback : Quantity
        ``g_feedback`` of the second s-LIF2HH circuit (unit-4 feedback; 1 mS/cm² adds u4
        to units 1–3 each 1 ms step).
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
    seed: int = 0
    settings: dict = field(default_factory=dict)

    def protocol(self, model: str) -> Protocol:
        """The Protocol of one model (all waveforms as conditions, one build)."""
        from hhlif import models

        params = {}
        if "g_feedback" in models.get(model).parameters:
            params = {"g_feedback": [0.0, float(self.feedback / (mS / cm**2))] * mS / cm**2}
        chain = FeedForwardChain(n=2, weight=self.weight, tau_syn=self.tau_syn,
                                 neuron_parameters=params)
        base_dt = models.get(model).dt
        dt = self.reference_dt if model in (REFERENCE, EXACT) else None
        step = float(dt if dt is not None else base_dt)
        index = [float(S.SEED_WAVEFORMS.index(s)) for s in self.shapes]
        return Protocol(model=model, stimulus=SeedWaveformBank(), network=chain,
                        conditions={"waveform": np.asarray(index)}, duration=self.duration,
                        dt=dt, record=("v", "I_input"), record_neurons="all",
                        record_dt=max(step, 1e-4) * second, seed=self.seed, name="waveforms",
                        settings=dict(self.settings, model=model))

    def run(self, backend: str = "auto", threads: int | None = None) -> Recording:
        """Run the reference and every candidate; one Recording with a population per model
        (condition labels = waveform names)."""
        from .running import run

        populations, provenance, simulated = {}, {}, []
        for model in (REFERENCE,) + tuple(self.candidates):
            rec = run(self.protocol(model), backend=backend, threads=threads)
            simulated.append(rec.simulated_ms)
            pop = rec.main
            pop.name = model
            populations[model] = pop
            provenance[model] = rec.provenance
        labels = {k: shape for k, shape in enumerate(self.shapes)}
        return Recording(populations=populations, t_start=0.0,
                         t_stop=float(self.duration / ms), condition_labels=labels,
                         protocol="waveforms", model=" vs ".join(populations),
                         provenance={"runs": provenance, "settings": _jsonable(self.settings)},
                         simulated_ms=min(float(self.duration / ms), *(
                             r for r in simulated if r is not None)))

    def table(self, recording: Recording) -> list[dict]:
        """Per waveform, chain neuron and candidate (see :func:`waveform_table`)."""
        rows = []
        for model in self.candidates:
            rows += waveform_table(recording, REFERENCE, model, delta=self.delta)
        return rows

    def execute(self, backend="auto", threads=None, out=None, force=False, figures=None,
                json_path=None) -> int:
        """Run, print the table, write NIX (``out``), JSON and Fig. 3-style figures."""
        from .cli import format_table
        from .files import atomic_output, check_folder, check_outputs

        check_outputs([out, json_path], force)
        if figures:
            check_folder(figures)
        recording = self.run(backend=backend, threads=threads)
        rows = self.table(recording)
        for name, pop in recording.populations.items():
            wall = recording.provenance["runs"][name].get("wall_time_s", {}).get("total")
            dt = recording.provenance["runs"][name]["protocol"]["dt"]
            print(f"{name}: dt {dt}, {len(pop.spike_times)} spikes"
                  + (f", {wall:.2f} s" if wall is not None else ""))
        print(format_table([{k: _cell(v) for k, v in r.items() if k != "note"} for r in rows]))
        notes = sorted({r["note"] for r in rows if r.get("note")})
        for note in notes:
            print(f"note: {note}")
        if out:
            print(f"wrote {recording.save(out, force=force)}")
        if json_path:
            payload = {"rows": rows, "settings": _jsonable(self.settings),
                       "reference": REFERENCE, "candidates": list(self.candidates)}
            atomic_output(json_path, lambda tmp: Path(tmp).write_text(
                json.dumps(payload, indent=2)), force=force)
            print(f"wrote {json_path}")
        if figures:
            for path in waveform_figures(recording, self.candidates, figures, force=force):
                print(f"wrote {path}")
        return 0


def waveform_table(recording: Recording, reference: str, candidate: str,
                   delta=2 * ms) -> list[dict]:
    """Rows ``waveform, neuron, model, hh_spikes, spikes, isi_difference_ms,
    spike_time_error, gamma, note`` comparing two populations of a waveforms Recording.

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


def waveform_figures(recording: Recording, candidates, folder, force=False) -> list[Path]:
    """One Fig. 3-style figure per candidate: per waveform, the input current and the spike
    outputs of both chain neurons, HH above the axis and the circuit below."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from .figures import save_figure

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ref = recording.populations[REFERENCE]
    written = []
    labels = sorted(recording.condition_labels.items())
    for model in candidates:
        cand = recording.populations[model]
        fig, axes = plt.subplots(len(labels), 1, figsize=(8, 1.9 * len(labels) + 0.6),
                                 sharex=True, squeeze=False)
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
        fig.suptitle(f"HH (shifted, up) vs {model} (down), 2-neuron chain", fontsize=10)
        fig.tight_layout()
        written.append(save_figure(fig, folder / f"waveforms_{model}.png", force))
    return written


def _cell(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else value


def _jsonable(settings):
    from brian2 import Quantity

    from hhlif.models.units import format_quantity

    return {k: (format_quantity(v) if isinstance(v, Quantity) else v) for k, v in settings.items()}


def waveforms(model="s-lif2hh", seed=0, shape="all", duration=80 * ms,
              reference_dt=0.001 * ms, weight=100 * S.CURRENT, tau_syn=1 * ms,
              feedback=1 * mS / cm**2, include_exact=True, delta=2 * ms):
    """The seed's Fig. 3: ``hh-shifted`` at ``reference_dt`` versus ``model`` (default
    ``s-lif2hh`` at 1 ms) and, with ``include_exact``, ``tv-lif2hh-shifted``, on the 2-neuron
    chain for ``shape`` = constant|sine|square|sawtooth|triangle|all (from Python also a
    comma-separated list)."""
    from hhlif import models

    models.get(model)  # unknown names fail here, listing the valid ones
    shapes = _shapes(shape)
    candidates = (model,)
    if include_exact and model != EXACT:
        candidates += (EXACT,)
    if model == REFERENCE:
        candidates = tuple(c for c in candidates if c != REFERENCE) or (REFERENCE,)
    return WaveformComparison(
        candidates=candidates, shapes=shapes, duration=duration, reference_dt=reference_dt,
        weight=weight, tau_syn=tau_syn, feedback=feedback, delta=delta, seed=seed,
        settings=dict(model=model, shape=shape, duration=duration, reference_dt=reference_dt,
                      weight=weight, tau_syn=tau_syn, feedback=feedback,
                      include_exact=include_exact, delta=delta))


register_protocol("waveforms", waveforms,
                  "seed's Fig. 3: hh-shifted (dt 0.001 ms) vs a circuit on the 2-neuron chain,"
                  " shape=constant|sine|square|sawtooth|triangle|all")
