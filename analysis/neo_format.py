"""The hhlif Neo format: one definition for the writer, the readers and the test fixtures.

A Block written by hhlif (``hhlif.protocols.recordings.neo.to_neo``) is plain Neo, readable
without hhlif:

* Block annotations: :data:`FORMAT_ANNOTATION` (``hhlif_format`` = :data:`FORMAT_VERSION`),
  ``protocol``, ``model``, ``provenance_json`` (all provenance as one JSON string: NIX
  corrupts nested dicts and fails on None), ``design_json`` (how the recording was made:
  frozen / time-varying stimulus, trials, condition values with units) and
  ``simulated_ms`` (the simulated time the run reached; readers refuse a shorter one).
* One Segment per (trial, condition), annotated ``trial``, ``condition``,
  ``condition_label`` (:func:`segment_annotations`).
* Per population and segment, spike trains either **per neuron** (:func:`neuron_train`:
  annotations ``neuron``, ``population``, ``model``, ``trial``, ``condition``,
  ``packed=False``) or **packed** (:func:`packed_train`): one SpikeTrain holding all spikes
  of neurons ``range(neuron_start, neuron_stop)`` (silent ones included), annotated
  ``packed=True``, ``neuron_start``, ``neuron_stop``, with ``array_annotations['neuron']``
  per spike.  :func:`unpack_spiketrains` gives one train per neuron back.
* AnalogSignals (one per recorded variable and segment) with ``array_annotations['neuron']``.

Times are in ms, potentials in mV, currents in µA/cm².
"""

from __future__ import annotations

from typing import Any

import neo
import numpy as np

from .errors import AnalysisInputError

__all__ = ["FORMAT_ANNOTATION", "FORMAT_VERSION", "PACKING_ANNOTATIONS", "block_annotations",
           "segment_annotations", "neuron_train", "packed_train", "packed_fields",
           "unpack_spiketrains"]

#: The Block annotation that marks a file as hhlif's, and its value.
FORMAT_ANNOTATION = "hhlif_format"
FORMAT_VERSION = 1
#: Annotations of a packed train that describe the packing (dropped when unpacking).
PACKING_ANNOTATIONS = ("packed", "neuron_start", "neuron_stop")


def block_annotations(protocol: str, model: str, provenance_json: str) -> dict[str, Any]:
    """The Block annotations every hhlif file carries (``design_json`` and ``simulated_ms``
    are added when known)."""
    return {FORMAT_ANNOTATION: FORMAT_VERSION, "protocol": protocol, "model": model,
            "provenance_json": provenance_json}


def segment_annotations(trial: int, condition: int, condition_label: str = "") -> dict:
    """The annotations of the Segment of one (trial, condition)."""
    return {"trial": int(trial), "condition": int(condition), "condition_label": condition_label}


def neuron_train(times_ms, neuron: int, t_start, t_stop, **annotations) -> neo.SpikeTrain:
    """The train of one neuron (times in ms; ``t_start``/``t_stop`` quantities)."""
    return neo.SpikeTrain(times_ms, units="ms", t_start=t_start, t_stop=t_stop,
                          neuron=int(neuron), packed=False, **annotations)


def packed_train(times_ms, neurons, neuron_start: int, neuron_stop: int, t_start, t_stop,
                 **annotations) -> neo.SpikeTrain:
    """One train holding the spikes of neurons ``range(neuron_start, neuron_stop)``.

    ``neurons`` gives the neuron of each spike (the ``neuron`` array annotation).
    """
    train = neo.SpikeTrain(times_ms, units="ms", t_start=t_start, t_stop=t_stop, packed=True,
                           neuron_start=int(neuron_start), neuron_stop=int(neuron_stop),
                           **annotations)
    train.array_annotations = {"neuron": np.asarray(neurons).astype(np.int64)}
    return train


def packed_fields(train: neo.SpikeTrain) -> tuple[int, int, np.ndarray]:
    """``(neuron_start, neuron_stop, neuron id per spike)`` of a packed train, checked.

    Raises
    ------
    AnalysisInputError
        If an annotation is missing or the ids are outside ``range(start, stop)``.
    """
    ann = train.annotations
    try:
        start, stop = int(ann["neuron_start"]), int(ann["neuron_stop"])
    except KeyError as err:
        raise AnalysisInputError(f"packed SpikeTrain {train.name!r} lacks annotation {err}: "
                                 "expected neuron_start and neuron_stop") from err
    try:
        neuron = np.asarray(train.array_annotations["neuron"]).astype(np.int64)
    except KeyError as err:
        raise AnalysisInputError(f"packed SpikeTrain {train.name!r} lacks "
                                 "array_annotations['neuron']: expected one neuron id per "
                                 "spike") from err
    if neuron.shape != (len(train),):
        raise AnalysisInputError(f"packed SpikeTrain {train.name!r}: array_annotations['neuron'] "
                                 f"has shape {neuron.shape}, expected ({len(train)},)")
    if neuron.size and (neuron.min() < start or neuron.max() >= stop):
        raise AnalysisInputError(f"packed SpikeTrain {train.name!r}: neuron ids span "
                                 f"{neuron.min()}..{neuron.max()}, expected within "
                                 f"range(neuron_start={start}, neuron_stop={stop})")
    return start, stop, neuron


def unpack_spiketrains(train: neo.SpikeTrain) -> list[neo.SpikeTrain]:
    """Split one packed SpikeTrain into one SpikeTrain per neuron.

    Parameters
    ----------
    train : neo.SpikeTrain
        A train with annotations ``neuron_start``, ``neuron_stop`` and
        ``array_annotations['neuron']`` (one id per spike), as written by
        hhlif's Neo export for large populations.

    Returns
    -------
    list of neo.SpikeTrain
        ``neuron_stop - neuron_start`` trains (silent neurons give empty
        trains), in neuron order, with the span and units of ``train`` and the
        annotations of ``train`` except the packing ones, plus ``neuron``.

    Raises
    ------
    AnalysisInputError
        If the packing annotations are missing or inconsistent.

    Examples
    --------
    >>> import neo, quantities as pq
    >>> packed = neo.SpikeTrain([1, 2, 3] * pq.ms, t_stop=10 * pq.ms, packed=True,
    ...                         neuron_start=0, neuron_stop=3,
    ...                         array_annotations={"neuron": [2, 0, 2]})
    >>> [len(t) for t in unpack_spiketrains(packed)]
    [1, 0, 2]
    """
    start, stop, neuron = packed_fields(train)
    order = np.lexsort((train.magnitude, neuron))
    neuron_sorted = neuron[order]
    times = train.magnitude[order]
    bounds = np.searchsorted(neuron_sorted, np.arange(start, stop + 1))
    ann = {k: v for k, v in train.annotations.items()
           if k not in PACKING_ANNOTATIONS}
    return [neo.SpikeTrain(times[bounds[j]:bounds[j + 1]], units=train.units,
                           t_start=train.t_start, t_stop=train.t_stop,
                           **{**ann, "neuron": start + j})
            for j in range(stop - start)]
