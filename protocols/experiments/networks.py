"""Network built-in protocols: a random E/I network, and the seed's XOR scenario.

Contents
--------
network              factory of ``network`` in :data:`~.library.BUILTINS` (``hhlif run network --set n=200``)
seed_xor             factory of ``seed-xor`` (:data:`~.library.BUILTINS`): the seed's tv-LIF2HH XOR scenario
                     (Supplementary Fig. 2), ``hh`` against both tv-LIF2HH forms
SeedXorComparison    runs it; ``run`` returns a :class:`SeedXorResult` (``hhlif run seed-xor``
                     prints it and writes NIX / JSON / the figure)
SeedXorResult        the Recording (one population per model) and the side-by-side table
xor_table            per case, neuron and model: spike times, count, max |V − V_hh|
xor_figure           the output neuron's V per case and model (a matplotlib Figure)

``network``: any registry model builds the network (``--model lif``, ``--model tv-lif2hh``,
...), with the connectivity of :class:`hhlif.models.networks.RandomEI` frozen by
``network_seed`` and the Poisson drive drawn from the protocol's ``seed``.  The recording
holds the spikes of every neuron and the membrane potential of the first ``record`` neurons.

``seed-xor`` (``data/seed_script_semantics.md``, Part B; the script
``time_varied_simulation/xor/main.m``): per input case a 3-neuron block
(:class:`~hhlif.models.networks.SeedXor`): inputs 1 and 2 get 40 µA/cm² when their bit is
1, the output gets +20 µA/cm² while input 1 is above −40 mV and −20 µA/cm² while input 2
is; 40 ms, forward Euler at 0.001 ms, every neuron from the script's initial state
(V = −70 mV, m = 0.0289, n = 0.2446, h = 0.7541).  The models: ``hh``, ``tv-lif2hh-seed``
(the script's construction: channel units and accumulators, conductances from gating
integrated in the circuit) and ``tv-lif2hh`` (the dt → 0 limit of the same construction,
channel units at their fixed point), all at the same method and step.  Spike = the rising
edge of the level test V > −40 mV (the script keeps the level vector; its index m of a
rising edge is the spike time (m − 1)·dt here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from brian2 import Hz, ms

from hhlif.models.errors import ParameterError
from hhlif.models.networks import SEED_XOR_NEURONS, RandomEI, SeedXor
from hhlif.models.units import format_settings

from hhlif.protocols import stimuli as S
from hhlif.protocols.protocol import Protocol
from hhlif.protocols.recordings.recording import Recording

__all__ = ["network", "seed_xor", "SeedXorComparison", "SeedXorResult", "XOR_MODELS",
           "xor_table", "xor_figure"]


def network(model="hh", seed=0, n=100, connection_probability=0.1, drive_rate=20 * Hz,
            duration=500 * ms, fraction_excitatory=0.8, weight_e=0.5 * S.CURRENT, g=4.0,
            drive_sources=100, drive_weight=1 * S.CURRENT, tau_syn=5 * ms, network_seed=1,
            trials=1, record=10):
    """Random E/I network of ``n`` neurons (connection probability, ``drive_rate`` of each of
    ``drive_sources`` Poisson sources per neuron), ``trials`` copies with independent drive."""
    net = RandomEI(n=n, connection_probability=connection_probability,
                   fraction_excitatory=fraction_excitatory, weight_e=weight_e, g=g,
                   drive_rate=drive_rate, drive_sources=drive_sources,
                   drive_weight=drive_weight, tau_syn=tau_syn, seed=network_seed)
    return Protocol(model=model, stimulus=S.Constant(0 * S.CURRENT), network=net,
                    duration=duration, trials=trials, seed=seed, name="network",
                    record=("v",), record_neurons=min(int(record), int(n) * int(trials)),
                    settings=dict(n=n, connection_probability=connection_probability,
                                  drive_rate=drive_rate, duration=duration,
                                  fraction_excitatory=fraction_excitatory, weight_e=weight_e,
                                  g=g, drive_sources=drive_sources, drive_weight=drive_weight,
                                  tau_syn=tau_syn, network_seed=network_seed, trials=trials,
                                  record=record))


# ============================================================================ seed-xor
#: The models the XOR scenario compares: the reference first.
XOR_MODELS = ("hh", "tv-lif2hh-seed", "tv-lif2hh")
_CASES = {"all": ((0, 0), (0, 1), (1, 0), (1, 1))}


def _parse_cases(cases) -> tuple:
    """None or 'all': the four cases; a bit pair ([1, 1], ``--set cases=1,1``); a list of
    pairs ([[0, 1], [1, 0]])."""
    if cases is None or (isinstance(cases, str) and cases in _CASES):
        return _CASES["all"]
    try:
        values = np.asarray(cases, dtype=float)
    except (TypeError, ValueError):
        values = np.zeros(0)
    if values.ndim == 1 and values.size == 2:
        values = values[None, :]
    if values.ndim == 2 and values.shape[1] == 2 and values.size \
            and np.all((values == 0) | (values == 1)):
        return tuple(tuple(int(b) for b in row) for row in values)
    raise ParameterError(f"protocol 'seed-xor' parameter 'cases'={cases!r}: expected 'all',"
                         f" one bit pair such as 1,1 or a list of pairs such as"
                         f" [[0,1],[1,0]]")


@dataclass
class SeedXorResult:
    """What a ``seed-xor`` run produced.

    Attributes
    ----------
    recording : Recording
        One population per model; neuron ``3c + r`` is role ``r`` (input 1, output,
        input 2) of case ``c``; ``condition`` is the case.
    rows : list of dict
        Per case, neuron and model: its spike times (ms), their count, and the largest
        |V − V_hh| over the recorded samples (mV).
    cases : tuple
    models : tuple
    settings : dict
    description : str
        One line on the scenario (:meth:`SeedXorComparison.description`).
    """

    recording: Recording
    rows: list
    cases: tuple
    models: tuple
    settings: dict = field(default_factory=dict)
    description: str = ""

    def to_dict(self) -> dict:
        """JSON-friendly form (what ``hhlif run seed-xor --json`` writes)."""
        return {"cases": [list(c) for c in self.cases], "models": list(self.models),
                "rows": self.rows, "settings": self.settings}


@dataclass(frozen=True)
class SeedXorComparison:
    """``hh`` and both tv-LIF2HH forms on the seed's XOR scenario.

    Parameters
    ----------
    cases : tuple of (a, b)
    duration, dt, record_dt : Quantity
    input_current, weight : Quantity
    models : tuple of str
        The reference first (default :data:`XOR_MODELS`).
    seed : int
    """

    cases: tuple
    duration: Any
    dt: Any
    record_dt: Any
    input_current: Any
    weight: Any
    models: tuple = XOR_MODELS
    seed: int = 0
    settings: dict = field(default_factory=dict)

    def network(self) -> SeedXor:
        return SeedXor(cases=self.cases, input_current=self.input_current, weight=self.weight)

    def model_of(self, name: str):
        """The model at the scenario's method, step and initial state."""
        from hhlif.models import hodgkin_huxley
        from hhlif.models.lif2hh import tv_lif2hh, tv_lif2hh_seed

        builders = {"hh": lambda: hodgkin_huxley("modern", initial="seed", method="euler",
                                                 dt=self.dt),
                    "tv-lif2hh": lambda: tv_lif2hh("modern", initial="seed", method="euler",
                                                   dt=self.dt),
                    "tv-lif2hh-seed": lambda: tv_lif2hh_seed(dt=self.dt)}
        if name not in builders:
            raise ParameterError(f"protocol 'seed-xor' model {name!r}: expected one of"
                                 f" {', '.join(builders)}")
        return builders[name]()

    def protocol(self, name: str) -> Protocol:
        return Protocol(model=self.model_of(name), stimulus=S.Constant(0 * S.CURRENT),
                        network=self.network(), duration=self.duration, record=("v",),
                        record_neurons="all", record_dt=self.record_dt, seed=self.seed,
                        name="seed-xor", settings=dict(self.settings, model=name))

    def design(self) -> dict:
        bits = np.asarray(self.cases, dtype=float)
        return {"frozen_stimulus": True, "time_varying_stimulus": False, "trials": 1,
                "n_conditions": len(self.cases), "stimulus": "SeedXor bias",
                "conditions": {"names": ["input_1", "input_2"],
                               "values": {"input_1": bits[:, 0].tolist(),
                                          "input_2": bits[:, 1].tolist()},
                               "units": {"input_1": "1", "input_2": "1"}}}

    def run(self, backend: str = "auto", threads: int | None = None) -> SeedXorResult:
        """Run every model; a :class:`SeedXorResult`."""
        from hhlif.protocols.simulation.running import run

        populations, provenance, simulated = {}, {}, []
        case = np.repeat(np.arange(len(self.cases)), len(SEED_XOR_NEURONS))
        for name in self.models:
            rec = run(self.protocol(name), backend=backend, threads=threads)
            pop = rec.main
            pop.name = name
            pop.condition = case.copy()
            populations[name] = pop
            provenance[name] = rec.provenance
            simulated.append(rec.simulated_ms)
        labels = {c: f"({a}, {b})" for c, (a, b) in enumerate(self.cases)}
        recording = Recording(populations=populations, t_start=0.0,
                              t_stop=float(self.duration / ms), condition_labels=labels,
                              protocol="seed-xor", model=" vs ".join(populations),
                              provenance={"runs": provenance,
                                          "settings": format_settings(self.settings)},
                              simulated_ms=min(simulated), design=self.design())
        return SeedXorResult(recording=recording, rows=xor_table(recording, self.models),
                             cases=self.cases, models=tuple(self.models),
                             settings=format_settings(self.settings),
                             description=self.description())

    def description(self) -> str:
        """One line: the cases, the models, the method and step, the spike rule."""
        return (f"seed-xor: {len(self.cases)} case(s), {self.models[0]} vs"
                f" {', '.join(self.models[1:])}; forward Euler, dt {_fmt(self.dt)},"
                f" {_fmt(self.duration)}; spike = V rising above -40 mV")


def xor_table(recording: Recording, models) -> list[dict]:
    """Per case, neuron and model: spike times, count and max |V − V_hh| (recorded samples)."""
    ref = recording.populations[models[0]]
    v_ref = ref.signals.get("v")
    rows = []
    for c, label in sorted(recording.condition_labels.items()):
        for r, role in enumerate(SEED_XOR_NEURONS):
            neuron = 3 * c + r
            for name in models:
                pop = recording.populations[name]
                times = pop.spike_times_of(neuron)
                dv = None
                v = pop.signals.get("v")
                if v is not None and v_ref is not None and neuron in v.neurons:
                    dv = float(np.max(np.abs(v.channel(neuron) - v_ref.channel(neuron))))
                rows.append({"case": label, "neuron": role, "model": name,
                             "spikes": int(times.size),
                             "times_ms": [round(float(t), 6) for t in times],
                             "max_dv_mV": dv})
    return rows


def xor_figure(recording: Recording, models):
    """Per case: the output neuron's V of every model (left) and each circuit's V − V_hh
    (right; the construction's O(dt) difference).

    Returns
    -------
    matplotlib.figure.Figure
        Not saved (``hhlif run seed-xor --figures`` writes it as ``seed_xor.png``).
    """
    from matplotlib.figure import Figure

    labels = sorted(recording.condition_labels.items())
    fig = Figure(figsize=(10, 1.8 * len(labels) + 0.8))
    axes = fig.subplots(len(labels), 2, sharex=True, squeeze=False,
                        gridspec_kw={"width_ratios": [3, 2]})
    styles = {0: dict(color="C0", lw=1.6), 1: dict(color="C3", lw=1.0, ls="--"),
              2: dict(color="C2", lw=1.0, ls=":")}
    reference = recording.populations[models[0]].signals["v"]
    for (ax, dax), (c, label) in zip(axes, labels):
        neuron = 3 * c + 1
        for k, name in enumerate(models):
            v = recording.populations[name].signals["v"]
            ax.plot(v.times, v.channel(neuron), label=name, **styles.get(k, {}))
            if k:
                dax.plot(v.times, v.channel(neuron) - reference.channel(neuron), label=name,
                         **dict(styles.get(k, {}), ls="-"))
        ax.axhline(-40, color="0.7", lw=0.6)
        dax.axhline(0, color="0.7", lw=0.6)
        ax.set_ylabel("V (mV)", fontsize=8)
        dax.set_ylabel(f"V − V_{models[0]} (mV)", fontsize=8)
        ax.set_title(f"case {label}: output neuron", fontsize=9, loc="left")
        for a in (ax, dax):
            a.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7, loc="upper right", ncol=len(models))
    axes[0, 1].legend(fontsize=7, loc="upper right")
    for a in axes[-1]:
        a.set_xlabel("time (ms)")
    fig.suptitle("seed's XOR scenario: hh vs tv-LIF2HH (the script's construction, and its"
                 " dt → 0 limit), forward Euler at the same dt", fontsize=9)
    fig.tight_layout()
    return fig


def _fmt(q) -> str:
    from hhlif.models.units import format_quantity

    return format_quantity(q)


def seed_xor(model="tv-lif2hh-seed", seed=0, cases=None, duration=40 * ms, dt=0.001 * ms,
             record_dt=0.01 * ms, input_current=40 * S.CURRENT, weight=20 * S.CURRENT):
    """The seed's XOR scenario: ``hh`` against ``tv-lif2hh-seed`` and ``tv-lif2hh`` (all at
    forward Euler, ``dt``), ``cases`` = all four (default), one bit pair (``1,1``: the
    script as shipped) or a list of pairs;
    ``model`` is the tv-LIF2HH form listed first after ``hh``."""
    from hhlif.models.neuron_model import check_quantity

    if model not in XOR_MODELS[1:]:
        raise ParameterError(f"protocol 'seed-xor' parameter 'model'={model!r}: expected one"
                             f" of {', '.join(XOR_MODELS[1:])}")
    parsed = _parse_cases(cases)
    check_quantity("dt", dt, ms, positive=True, context="protocol 'seed-xor' parameter")
    if float(record_dt) < float(dt) * (1 - 1e-9):
        raise ParameterError(f"protocol 'seed-xor' parameter 'record_dt'={_fmt(record_dt)}:"
                             f" expected a value >= dt={_fmt(dt)}")
    others = tuple(m for m in XOR_MODELS[1:] if m != model)
    return SeedXorComparison(
        cases=parsed, duration=duration, dt=dt, record_dt=record_dt,
        input_current=input_current, weight=weight, models=("hh", model) + others,
        seed=seed, settings=dict(model=model, cases=[list(c) for c in parsed],
                                 duration=duration, dt=dt,
                                 record_dt=record_dt, input_current=input_current,
                                 weight=weight))

