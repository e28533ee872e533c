"""Information of a file that does not record its design: the design the user declares.

Contents
--------
DeclaredDesign
    What the user says a foreign file is: every trial repeats one frozen stimulus
    (``repeats_of_one_stimulus``), each trial's stimulus is named by a segment annotation
    (``condition_annotation``), or each segment is one stimulus whose trains are its
    repeats (``condition_per_segment``).
PerNeuronInformation
    Information of each identified neuron over its own trials, and the mean over neurons.
undeclared_design_error
    The one-line refusal for a foreign file whose design nobody declared.

Notes
-----
A file from another tool usually holds *different* neurons, each recorded in a few
trials (a PyNN file of 100 cells x 2 trials, a lab's 20 units x 2 trials). Reading every
train as a repeat of one stimulus would count 200 "repeats" where there are 2; so hhlif
never guesses: the estimators run per neuron (identified across trials by
:mod:`hhlif.analysis.identity`), the minimum number of repeats is checked for every
neuron, and neurons below it are left out and counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import AnalysisInputError
from ..spike_data import SpikeData
from ..utils import jsonify

__all__ = ["DeclaredDesign", "PerNeuronInformation", "undeclared_design_error",
           "MIN_DIRECT_REPEATS", "MIN_CONDITION_REPEATS"]

#: Repeats of the stimulus a neuron needs for the direct method.
MIN_DIRECT_REPEATS = 4
#: Trials per condition (and conditions) a neuron needs for the condition estimators.
MIN_CONDITION_REPEATS = 2


@dataclass(frozen=True)
class DeclaredDesign:
    """The design of a foreign recording, as declared by the user (at most one option).

    Parameters
    ----------
    repeats_of_one_stimulus : bool
        Every trial (segment) of a neuron repeats one frozen stimulus: the direct method,
        per neuron over its trials.
    condition_annotation : str, optional
        The segment annotation that names each trial's stimulus (for an NWB file, a
        column of its trials table): condition estimators, per neuron over its trials.
    condition_per_segment : bool
        Each segment is one stimulus and its trains are repeats of it (trials stored as
        trains): the trains of a segment are pooled as trials of one condition.
    """

    repeats_of_one_stimulus: bool = False
    condition_annotation: str | None = None
    condition_per_segment: bool = False

    def __post_init__(self):
        chosen = [n for n, v in (("repeats_of_one_stimulus", self.repeats_of_one_stimulus),
                                 ("condition_annotation", self.condition_annotation),
                                 ("condition_per_segment", self.condition_per_segment)) if v]
        if len(chosen) > 1:
            raise AnalysisInputError(f"design: {' and '.join(chosen)} were both declared;"
                                     " expected at most one")
        if self.condition_annotation is not None and not str(self.condition_annotation):
            raise AnalysisInputError("condition_annotation='': expected the name of a"
                                     " segment annotation")

    def __bool__(self) -> bool:
        return bool(self.repeats_of_one_stimulus or self.condition_annotation
                    or self.condition_per_segment)

    def describe(self) -> str:
        """One line, as the user declared it."""
        if self.repeats_of_one_stimulus:
            return "declared: every trial repeats one stimulus (direct method per neuron)"
        if self.condition_annotation:
            return (f"declared: each trial's stimulus is segment annotation"
                    f" {self.condition_annotation!r} (per neuron)")
        if self.condition_per_segment:
            return "declared: each segment is one stimulus, its trains are repeats"
        return "none declared"

    def to_dict(self) -> dict:
        """JSON-ready."""
        return {"repeats_of_one_stimulus": self.repeats_of_one_stimulus,
                "condition_annotation": self.condition_annotation,
                "condition_per_segment": self.condition_per_segment}

    def conditions_of(self, data: SpikeData, origin: str) -> SpikeData:
        """``data`` with each train's condition set as declared (conditions numbered in the
        sorted order of their values; labels are the values)."""
        segments = data.annotations.get("segment_annotations") or []
        if self.condition_per_segment:
            names = {i: str(a.get("name") or f"segment {i}") for i, a in enumerate(segments)}
            # (the segment's name, kept by the loader beside its annotations)
            labels = {int(t): names.get(int(t), f"segment {int(t)}") for t in data.trials}
            return replace(data, condition=data.trial.copy(), condition_labels=labels)
        key = self.condition_annotation
        if key is None:
            return data
        values = {}
        for i, ann in enumerate(segments):
            if key in ann:
                values[i] = ann[key]
        missing = sorted(int(t) for t in data.trials if int(t) not in values)
        if missing:
            found = sorted({k for a in segments for k in a})
            raise AnalysisInputError(
                f"condition_annotation={key!r}: segment(s) {missing[:5]} of {origin} have no"
                f" such annotation; expected one of the annotations every segment has"
                f" ({', '.join(found) or 'none'})")
        distinct = sorted({values[int(t)] for t in data.trials}, key=lambda v: (str(type(v)),
                                                                               v))
        number = {v: i for i, v in enumerate(distinct)}
        condition = np.array([number[values[int(t)]] for t in data.trial], np.int64)
        return replace(data, condition=condition,
                       condition_labels={i: str(v) for v, i in number.items()})


#: Segment annotations that are the file's bookkeeping, never a stimulus.
_BOOKKEEPING = {"name", "description", "file_origin", "rec_datetime", "trial", "start_time",
                "stop_time"}


def undeclared_design_error(data: SpikeData, origin: str) -> AnalysisInputError:
    """The refusal for a foreign file: what it holds and what the user can declare."""
    ident = data.annotations.get("identity") or {}
    keys = sorted(k for k in {k for a in data.annotations.get("segment_annotations") or []
                              for k in a}
                  if k not in _BOOKKEEPING and not k.startswith(("nix_", "nwb_")))
    hint = f" (segment annotations here: {', '.join(keys)})" if keys else ""
    return AnalysisInputError(
        f"{origin}: the file does not say which trains repeat which stimulus"
        f" ({ident.get('n_neurons', '?')} neurons x {ident.get('n_trials', '?')} trials);"
        f" declare it: --repeats-of-one-stimulus (every trial repeats one frozen stimulus),"
        f" --condition-annotation KEY (a segment annotation names each trial's stimulus"
        f"{hint}) or --condition-per-segment (each segment one stimulus, its trains"
        f" repeats)")


@dataclass
class PerNeuronInformation:
    """Information of each neuron over its own trials, and the mean over neurons.

    Attributes
    ----------
    method : str
        ``'direct'`` (bits/s) or a condition estimator (bits per trial).
    units : str
        ``'bits/s'`` or ``'bits'``.
    population : str
    units_analysed : list of dict
        Per neuron: ``unit`` (its label in the file), ``n_repeats`` (trials used),
        ``information`` and its ``ci`` (the estimator's own), plus ``information_per_spike``
        for the direct method.
    excluded : list of dict
        Neurons left out, with ``unit``, ``n_repeats`` and ``reason``.
    mean : float
        Mean information over the analysed neurons.
    ci : tuple of float or None
        ``mean -/+ z * SD / sqrt(n)`` across neurons (None for one neuron).
    confidence : float
    declared : DeclaredDesign
    details : dict
    """

    method: str
    units: str
    population: str
    units_analysed: list
    excluded: list
    mean: float
    ci: tuple | None
    confidence: float
    declared: DeclaredDesign
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"kind": "per_neuron", "method": self.method, "units": self.units,
                "population": self.population, "mean": self.mean,
                "ci": None if self.ci is None else list(self.ci),
                "confidence": self.confidence, "n_neurons": len(self.units_analysed),
                "neurons": jsonify(self.units_analysed), "excluded": jsonify(self.excluded),
                "declared_design": self.declared.to_dict(), "details": jsonify(self.details)}

    def lines(self) -> list[str]:
        """The text ``hhlif mi`` prints."""
        pct = f"{100 * self.confidence:g}%"
        ci = "" if self.ci is None else f"   {pct} CI [{self.ci[0]:.3g}, {self.ci[1]:.3g}]"
        what = ("direct (Strong et al. 1998), per neuron over its trials" if
                self.method == "direct" else f"{self.method}, per neuron over its trials")
        reps = [u["n_repeats"] for u in self.units_analysed]
        out = [f"  design      {self.declared.describe()}",
               f"  method      {what}",
               f"  neurons     {len(self.units_analysed)} analysed ({min(reps)}-{max(reps)}"
               f" trials each), {len(self.excluded)} left out",
               f"  information {self.mean:.4g} {self.units} per neuron (mean){ci}"]
        if self.excluded:
            reasons = sorted({e["reason"] for e in self.excluded})
            out.append(f"  left out    {'; '.join(reasons)}")
        out.append(f"  {'unit':>12} {'trials':>6} {'info':>10}")
        for u in self.units_analysed[:10]:
            out.append(f"  {u['unit']:>12} {u['n_repeats']:>6} {u['information']:>10.4g}")
        if len(self.units_analysed) > 10:
            out.append(f"  ... {len(self.units_analysed) - 10} more (all in --json)")
        return out


def mean_with_ci(values: list[float], confidence: float) -> tuple[float, tuple | None]:
    """Mean over neurons and a normal CI from their spread."""
    from scipy.stats import norm

    arr = np.asarray(values, float)
    mean = float(arr.mean())
    if arr.size < 2:
        return mean, None
    half = float(norm.ppf(0.5 + confidence / 2) * arr.std(ddof=1) / np.sqrt(arr.size))
    return mean, (mean - half, mean + half)


def per_neuron_groups(data: SpikeData) -> list[tuple[str, np.ndarray]]:
    """``(unit label, global ids of its trains)`` for every neuron of ``data``."""
    groups: dict = {}
    for i, key in enumerate(zip(data.population.tolist(), data.local_index.tolist())):
        groups.setdefault(key, []).append(i)
    rank = {pop: k for k, pop in enumerate(data.populations)}
    keys = sorted(groups, key=lambda key: (rank[key[0]], key[1]))
    return [(str(data.unit[groups[key][0]]), np.asarray(groups[key])) for key in keys]


def check_enough(analysed: list, excluded: list, minimum: int, what: str, origin: str) -> None:
    """Refuse when no neuron has enough repeats."""
    if analysed:
        return
    most = max((e["n_repeats"] for e in excluded), default=0)
    raise AnalysisInputError(
        f"{origin}: no neuron has enough repeats: each has at most {most} {what}; the method"
        f" needs at least {minimum} per neuron")
