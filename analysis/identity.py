"""Which train is which neuron: identity across the segments (trials) of a foreign file.

Contents
--------
resolve_identity
    For every SpikeTrain of a Block not written by hhlif: its population, its neuron's
    label in the file and an integer identity that is the same in every segment, with a
    record of the rule that was used (:class:`Identity`).
UNIT_ANNOTATIONS, POPULATION_ANNOTATIONS
    The train annotations read as a neuron's and a population's name.

Notes
-----
A neuron recorded in several trials appears as one SpikeTrain per Segment. hhlif's own
files say which neuron each train is (``neuron``/``population`` annotations, or packed
ranges). A file from another tool is read by the first rule that names **every** train,
uniquely within its segment and population:

1. ``group``: membership of a ``neo.Group`` that holds at most one train per segment (a
   unit, as Neo's NIX and PyNN-style files link a neuron's trains); the group's name (or
   its position among the groups) is the neuron's label;
2. ``annotation:KEY``: the first of :data:`UNIT_ANNOTATIONS` that every train carries;
3. ``name``: the train's ``name``;
4. ``position``: the train's position in its segment — only when every segment holds the
   same number of trains of each population, and with a warning (reordered trains would be
   paired wrongly and no file says so).

Otherwise the file is refused with one line that says how to name the trains. Neurons
absent from some trials are allowed: statistics across trials use the trials a neuron has,
and :attr:`Identity.incomplete` lists them. A ``neo.Group`` holding several trains of one
segment is a population: its name is the population of its trains unless a train's
annotation (:data:`POPULATION_ANNOTATIONS`) names one; without either, the Block's name
(PyNN names its Block after the population), except for an NWB file, whose Block name is a
session identifier; then :data:`FOREIGN_POPULATION`.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .errors import AnalysisInputError

__all__ = ["Identity", "resolve_identity", "describe_rule", "scalar_annotation",
           "UNIT_ANNOTATIONS",
           "POPULATION_ANNOTATIONS",
           "FOREIGN_POPULATION"]

#: Train annotations that name a neuron across segments, in the order they are tried
#: (``source_id`` is PyNN's cell id).
UNIT_ANNOTATIONS = ("unit_id", "channel_id", "neuron", "source_id")
#: Train annotations that name the train's population (``source_population``: PyNN).
POPULATION_ANNOTATIONS = ("population", "source_population")
#: Population name of trains whose file names none.
FOREIGN_POPULATION = "neurons"


@dataclass(frozen=True)
class Identity:
    """How the trains of a file were matched to neurons.

    Attributes
    ----------
    rule : str
        ``"group"``, ``"annotation:KEY"``, ``"name"``, ``"position"`` (or ``"hhlif"`` for
        hhlif's own files, set by the loader).
    population, label : list of str
        Per train (segment by segment, in file order): population and the neuron's label.
    local_index : np.ndarray of int
        Per train: the neuron's number within its population (labels in sorted order),
        the same in every segment.
    n_neurons, n_trials, n_trains : int
        Distinct (population, label) neurons, segments, trains.
    incomplete : list of str
        Labels (``population/label`` when there are several populations) of neurons
        missing from at least one segment.
    warning : str or None
        Set when the rule is ``position``.
    """

    rule: str
    population: list
    label: list
    local_index: np.ndarray
    n_neurons: int
    n_trials: int
    n_trains: int
    incomplete: list = field(default_factory=list)
    warning: str | None = None

    def to_dict(self) -> dict:
        """JSON-ready summary (without the per-train arrays)."""
        return {"rule": self.rule, "n_neurons": self.n_neurons, "n_trials": self.n_trials,
                "n_trains": self.n_trains, "incomplete": list(self.incomplete),
                "warning": self.warning}


def scalar_annotation(value: Any) -> Any:
    """A hashable scalar of an annotation value, or None (arrays of one element unpacked)."""
    arr = np.asarray(value)
    if arr.ndim == 0 or arr.size == 1:
        item = arr.reshape(-1)[0].item() if arr.size else None
        return item if isinstance(item, (str, int, float, bool)) else None
    return None


def describe_rule(rule: str) -> str:
    """How a rule of :attr:`Identity.rule` matched trains to neurons, in words."""
    return {"hhlif": "hhlif's own annotations", "group": "neo.Group membership",
            "name": "the trains' names",
            "position": "position in each segment (the file names no neuron)"}.get(
        rule, f"the annotation {rule.partition(':')[2]!r}")


def _walk_groups(groups: Sequence[Any]) -> list:
    out = []
    for g in groups:
        out.append(g)
        out.extend(_walk_groups(getattr(g, "groups", [])))
    return out


def _group_maps(block: Any, segments: Sequence[Sequence[Any]]) -> tuple[dict, dict]:
    """``id(train) -> unit group label`` and ``id(train) -> population group name``."""
    where = {id(t): si for si, trains in enumerate(segments) for t in trains}
    unit_of, pop_of = {}, {}
    groups = _walk_groups(getattr(block, "groups", []) or [])
    for gi, group in enumerate(groups):
        members = [t for t in getattr(group, "spiketrains", []) if id(t) in where]
        if not members:
            continue
        per_segment = np.bincount([where[id(t)] for t in members])
        label = str(group.name) if group.name else f"group{gi}"
        target = unit_of if per_segment.max() <= 1 else pop_of
        for t in members:
            target.setdefault(id(t), label)
    return unit_of, pop_of


def _unique_per_segment(labels: list, segments: Sequence[Sequence[Any]], pops: list) -> bool:
    k = 0
    for trains in segments:
        keys = list(zip(pops[k:k + len(trains)], labels[k:k + len(trains)]))
        if len(set(keys)) != len(keys):
            return False
        k += len(trains)
    return True


def _sort_key(label: str):
    try:
        return (0, float(label), "")
    except ValueError:
        return (1, 0.0, label)


def resolve_identity(block: Any, segments: Sequence[Sequence[Any]], origin: str) -> Identity:
    """Population, label and identity of every train of a foreign file.

    Parameters
    ----------
    block : neo.Block or a Block-like view
        For its ``groups`` and ``name``.
    segments : sequence of sequences of neo.SpikeTrain
        The trains of each segment (trial), in file order.
    origin : str
        The file or object, for messages.

    Returns
    -------
    Identity

    Raises
    ------
    AnalysisInputError
        No rule names every train and the segments hold different numbers of trains.
    """
    trains = [t for seg in segments for t in seg]
    unit_group, pop_group = _group_maps(block, segments)
    annotations = getattr(block, "annotations", None) or {}
    # a Block's name is its population's, except an NWB file's (a session identifier)
    block_name = "" if annotations.get("nwb_source") else str(getattr(block, "name", None) or "")
    pops = []
    for t in trains:
        pop = next((scalar_annotation(t.annotations[k]) for k in POPULATION_ANNOTATIONS
                    if k in t.annotations and scalar_annotation(t.annotations[k]) not in (None, "")),
                   None)
        pops.append(str(pop) if pop is not None else
                    pop_group.get(id(t)) or block_name or FOREIGN_POPULATION)

    starts = np.cumsum([0] + [len(seg) for seg in segments])[:-1].tolist()
    rule, labels, warning = None, None, None
    candidates = []
    if trains and all(id(t) in unit_group for t in trains):
        candidates.append(("group", [unit_group[id(t)] for t in trains]))
    for key in UNIT_ANNOTATIONS:
        values = [scalar_annotation(t.annotations.get(key)) if key in t.annotations else None
                  for t in trains]
        if trains and all(v is not None for v in values):
            candidates.append((f"annotation:{key}", [str(v) for v in values]))
    names = [t.name for t in trains]
    if trains and all(isinstance(n, str) and n for n in names):
        candidates.append(("name", list(names)))
    for name, values in candidates:
        if _unique_per_segment(values, segments, pops):
            rule, labels = name, values
            break
    if rule is None:
        counts = {tuple(sorted(Counter(pops[a:a + len(seg)]).items()))
                  for seg, a in zip(segments, starts)}
        if len(counts) > 1:
            sizes = sorted({len(seg) for seg in segments})
            raise AnalysisInputError(
                f"{origin}: cannot tell which train is which neuron across its"
                f" {len(segments)} segments: the trains carry no neo.Group, no"
                f" {'/'.join(UNIT_ANNOTATIONS)} annotation and no unique names, and the"
                f" segments hold different numbers of trains ({', '.join(map(str, sizes))});"
                " expected each neuron's trains linked by a neo.Group or annotated with"
                " unit_id")
        rule = "position"
        labels = []
        for seg, start in zip(segments, starts):
            seen: dict = {}
            for p in pops[start:start + len(seg)]:
                labels.append(str(seen.get(p, 0)))
                seen[p] = seen.get(p, 0) + 1
        if len(segments) > 1:
            warning = ("neurons matched across trials by their position in each segment (the"
                       " trains carry no neo.Group, unit annotation or name): a reordered"
                       " segment would be paired wrongly")

    local = np.zeros(len(trains), np.int64)
    incomplete = []
    several = len(set(pops)) > 1
    pops_arr = np.array(pops, dtype=object)
    labels_arr = np.array(labels, dtype=object)
    seg_of = np.repeat(np.arange(len(segments)), [len(s) for s in segments])
    n_neurons = 0
    for pop in dict.fromkeys(pops):
        mask = pops_arr == pop
        distinct = sorted(set(labels_arr[mask].tolist()), key=_sort_key)
        number = {lab: i for i, lab in enumerate(distinct)}
        local[mask] = [number[lab] for lab in labels_arr[mask].tolist()]
        n_neurons += len(distinct)
        for lab in distinct:
            have = np.unique(seg_of[mask & (labels_arr == lab)]).size
            if have < len(segments):
                incomplete.append(f"{pop}/{lab}" if several else lab)
    return Identity(rule, pops, list(labels), local, n_neurons, len(segments), len(trains),
                    incomplete, warning)

