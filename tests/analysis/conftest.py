"""Shared builders for the analysis tests: hhlif-style and foreign Neo data."""
import neo
import numpy as np
import pytest
import quantities as pq
from elephant.spike_train_generation import StationaryGammaProcess, StationaryPoissonProcess
from hhlif.analysis import neo_format


def poisson_trains(n, rate, t_stop, seed):
    """n Poisson trains from Elephant's generator (Elephant draws from numpy's global RNG)."""
    np.random.seed(seed)
    return StationaryPoissonProcess(rate, t_start=0 * pq.s, t_stop=t_stop).generate_n_spiketrains(n)


def gamma_trains(n, rate, k, t_stop, seed):
    np.random.seed(seed)
    return StationaryGammaProcess(rate, shape_factor=k, t_start=0 * pq.s,
                                  t_stop=t_stop).generate_n_spiketrains(n)


def _ms(train):
    """Times in ms as a plain array (neo's SpikeTrain.rescale deep-copies and is slow)."""
    return np.asarray(train.magnitude) * float(pq.Quantity(1.0, train.units).rescale(pq.ms))


def hhlif_block(trains_per_segment, packed, population="exc", model="hh",
                labels=None, n_conditions=1, version=1):
    """A Block in hhlif's export format.

    trains_per_segment: list (one per (trial, condition)) of lists of SpikeTrains (one per
    neuron); entry s is trial s // n_conditions, condition s % n_conditions.  ``version=1``:
    one Segment per entry, trains ``packed`` or per neuron; ``version=2`` (what hhlif writes
    now): one Segment with one packed train of all neurons (``packed`` is ignored).
    """
    if version == 2:
        return _hhlif_block_v2(trains_per_segment, population, model, labels, n_conditions)
    block = neo.Block(**neo_format.block_annotations("test-protocol", model, '{"seed": 1}',
                                                     version=1))
    for s, trains in enumerate(trains_per_segment):
        trial, cond = s // n_conditions, s % n_conditions
        label = (labels or {}).get(cond, f"c{cond}")
        seg = neo.Segment(**neo_format.segment_annotations(trial, cond, label))
        block.segments.append(seg)
        if packed:
            times = np.concatenate([_ms(t) for t in trains])
            ids = np.concatenate([np.full(len(t), i) for i, t in enumerate(trains)]).astype(int)
            order = np.argsort(times, kind="stable")
            seg.spiketrains.append(neo_format.packed_train(
                times[order], ids[order], 0, len(trains), trains[0].t_start, trains[0].t_stop,
                population=population, model=model, trial=trial, condition=cond))
        else:
            for i, t in enumerate(trains):
                seg.spiketrains.append(neo_format.neuron_train(
                    _ms(t), i, t.t_start, t.t_stop, population=population, model=model,
                    trial=trial, condition=cond))
    return block


def _hhlif_block_v2(trains_per_segment, population, model, labels, n_conditions):
    block = neo.Block(**neo_format.block_annotations("test-protocol", model, '{"seed": 1}'))
    n_entries = len(trains_per_segment)
    conditions = sorted({s % n_conditions for s in range(n_entries)})
    block.annotations[neo_format.LABELS_ANNOTATION] = neo_format.encode_labels(
        {c: (labels or {}).get(c, f"c{c}") for c in conditions})
    trains = [t for entry in trains_per_segment for t in entry]
    sizes = [len(entry) for entry in trains_per_segment]
    entry = np.repeat(np.arange(n_entries), sizes)
    times = np.concatenate([_ms(t) for t in trains])
    ids = np.concatenate([np.full(len(t), i) for i, t in enumerate(trains)]).astype(int)
    order = np.argsort(times, kind="stable")
    seg = neo_format.recording_segment()
    block.segments.append(seg)
    seg.spiketrains.append(neo_format.population_train(
        times[order], ids[order], len(trains), entry // n_conditions, entry % n_conditions,
        trains[0].t_start, trains[0].t_stop, population=population, model=model))
    return block


def write_nix(block, path):
    io = neo.io.NixIO(str(path), mode="ow")
    try:
        io.write_block(block)
    finally:
        io.close()
    return path


@pytest.fixture
def foreign_nix(tmp_path):
    """A NIX file written by plain Neo (no hhlif annotations): 2 segments x 5 named trains."""
    block = neo.Block(name="foreign")
    for s in range(2):
        seg = neo.Segment(name=f"seg{s}")
        block.segments.append(seg)
        trains = poisson_trains(5, 20 * pq.Hz, 2 * pq.s, seed=10 + s)
        for i, train in enumerate(trains):
            train.name = f"n{i}"          # the neuron's name, the same in both segments
        seg.spiketrains.extend(trains)
    return write_nix(block, tmp_path / "foreign.nix")


@pytest.fixture
def build():
    """The builders above, as a fixture (tests cannot import conftest under importlib mode)."""
    import types
    return types.SimpleNamespace(poisson_trains=poisson_trains, gamma_trains=gamma_trains,
                                 hhlif_block=hhlif_block, write_nix=write_nix)
