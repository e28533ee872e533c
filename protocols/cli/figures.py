"""Figures of a run: raster, membrane potential with the stimulus underneath, f–I curve.

matplotlib Figures (no pyplot state), each PNG written atomically by
:func:`hhlif.analysis.plots.save_figure` (the one saving helper).
"""

from __future__ import annotations

from pathlib import Path

from hhlif.analysis.plots import save_figure

__all__ = ["recording_figures", "figure_names", "unit_label"]

#: Run figures carry a ``run_`` prefix so that ``hhlif run ... --figures figs/`` and
#: ``hhlif analyze ... --figures figs/`` (``raster.png``, ...) can share a folder.
PREFIX = "run_"


def unit_label(unit: str) -> str:
    """A unit as figures print it: ``'uA/cm**2'`` → ``'µA/cm²'`` (one spelling everywhere)."""
    return (unit.replace("**2", "²").replace("^2", "²").replace("uA", "µA")
            .replace("uF", "µF").replace("um", "µm"))


def figure_names(protocol_name: str, records_voltage: bool) -> list[str]:
    """The files :func:`recording_figures` writes for a run (known before it runs, so that
    every output can be checked before any simulation)."""
    names = [f"{PREFIX}raster.png"]
    if records_voltage:
        names.append(f"{PREFIX}traces.png")
    if protocol_name in ("fi-curve", "sweep"):
        names.append(f"{PREFIX}fi_curve.png")
    return names


def recording_figures(recording, folder, force: bool = False) -> list[Path]:
    """Write ``run_raster.png``, ``run_traces.png`` and, for f–I protocols,
    ``run_fi_curve.png`` (see :func:`figure_names`)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from hhlif.protocols.cli.tables import condition_table

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    pop = recording.main
    # raster
    fig = Figure(figsize=(8, 3.5))
    ax = fig.subplots()
    n_show = min(pop.n_neurons, 500)
    sel = pop.spike_indices < n_show
    ax.plot(pop.spike_times[sel], pop.spike_indices[sel], "|", color="k", markersize=4)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # whole neurons
    ax.set_ylim(-0.5, n_show - 0.5)
    ax.set(xlabel="time (ms)", ylabel="neuron", xlim=(recording.t_start, recording.t_stop),
           title=f"{recording.protocol}: {recording.model}, {pop.n_neurons}"
                 f" neuron{'s' if pop.n_neurons != 1 else ''}"
                 + (f" (first {n_show} shown)" if n_show < pop.n_neurons else ""))
    fig.tight_layout()
    written.append(save_figure(fig, folder / f"{PREFIX}raster.png", force))
    # traces with the stimulus underneath
    v = pop.signals.get("v")
    stim = pop.signals.get("I_input")
    if v is not None:
        fig = Figure(figsize=(8, 5))
        ax1, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
        for k, neuron in enumerate(v.neurons[:8]):
            label = recording.condition_labels.get(int(pop.condition[neuron]), "") or f"neuron {neuron}"
            ax1.plot(v.times, v.values[:, k], lw=0.8, label=label)
            if stim is not None and neuron in stim.neurons:
                ax2.plot(stim.times, stim.channel(neuron), lw=0.8)
        ax1.set(ylabel=f"v ({unit_label(v.unit)})", title=f"{recording.model}: membrane potential")
        if len(v.neurons) > 1:
            ax1.legend(fontsize=7, loc="upper right")
        ax2.set(xlabel="time (ms)", ylabel=f"I ({unit_label(stim.unit) if stim else ''})")
        fig.tight_layout()
        written.append(save_figure(fig, folder / f"{PREFIX}traces.png", force))
    if recording.protocol in ("fi-curve", "sweep"):
        rows = condition_table(recording)
        param, amps, unit = _condition_axis(recording, rows)
        fig = Figure(figsize=(5, 4))
        ax = fig.subplots()
        ax.plot(amps, [r["rate_hz"] for r in rows], "o-")
        ax.set(xlabel=f"{param} ({unit_label(unit)})", ylabel="firing rate (Hz)",
               title=f"{recording.model}: f–I curve" if recording.protocol == "fi-curve"
               else f"{recording.model}: rate vs {param}")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        written.append(save_figure(fig, folder / f"{PREFIX}fi_curve.png", force))
    return written


def _condition_axis(recording, rows):
    """(parameter, value per row, unit) of the varied parameter, from the recording's
    design (:class:`hhlif.analysis.design.Design`; never parsed back from the labels)."""
    from hhlif.analysis.design import Design

    design = Design.from_dict(recording.design) if recording.design else None
    if design is None or not design.condition_names:
        return "condition", [r["condition"] for r in rows], ""
    name = design.condition_names[0]
    values = design.condition_values[name]
    return name, [values[r["condition"]] for r in rows], design.condition_units[name]
