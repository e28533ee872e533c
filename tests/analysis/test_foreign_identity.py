"""Other labs' recordings: which train is which unit in each trial, and the statistics over it.

The fixtures of ``data/interop`` (``make_neo_fixtures.py``, ``make_pynn_fixture.py``) are
files as plain Neo and PyNN write them, without hhlif annotations.  A foreign file's trains
are one "neuron" each (trial x unit); the unit a train belongs to is found by Group
membership, then an identifying annotation (``unit_id``, ``channel_id``, ``neuron``,
``source_id``), then the train's name, then (with a warning) its position.

Every expected number here is computed in the test from the file read with plain
``neo.io.NixIO`` and Elephant, the identity matched by hand (the ``unit_id`` annotation,
PyNN's ``source_index``, or the position), never from hhlif's own output.
"""
from __future__ import annotations

import functools
from pathlib import Path

import elephant.statistics as es
import neo
import numpy as np
import pytest
import quantities as pq

from hhlif.analysis import (
    compare, fano_factors, firing_rates, isi_statistics, load_spikes, summarize)
from hhlif.analysis.errors import AnalysisInputError, AnalysisWarning

INTEROP = Path(__file__).resolve().parents[2] / "data" / "interop"
N_UNITS = 7                 # make_neo_fixtures.N_UNITS
MISSING = "unit05"          # make_neo_fixtures.MISSING: not in trial 2 of neo_missing_unit.nix
N_PYNN = 7                  # make_pynn_fixture.N
TOL = 1e-12

LABELLED = ("neo_ordered.nix", "neo_reordered.nix", "neo_missing_unit.nix")


def _read(name: str) -> neo.Block:
    io = neo.io.NixIO(str(INTEROP / name), mode="ro")
    try:
        return io.read_block()
    finally:
        io.close()


# ---------------------------------------------------------------- hand-matched identities
def _unit_id(train, position):
    return int(train.annotations["unit_id"])


def _source_index(train, position):
    return int(train.annotations["source_index"])


def _position(train, position):
    return position


def _group_label(train, position):          # a labelled neo fixture's Group name
    return f"unit{int(train.annotations['unit_id']):02d}"


def _channel_label(train, position):        # PyNN: the first identifying annotation present
    return str(int(train.annotations["channel_id"]))


def _position_label(train, position):
    return str(position)


def _hand_units(block, hand_key):
    """``{hand identity: [its trains, in trial order]}``."""
    units: dict = {}
    for seg in block.segments:
        for pos, train in enumerate(seg.spiketrains):
            units.setdefault(hand_key(train, pos), []).append(train)
    return units


def _elephant_fano(block, hand_key):
    """Per hand identity: Elephant's Fano factor over its trains (NaN with < 2 trains)."""
    return {k: (float(es.fanofactor(trains)) if len(trains) >= 2 else np.nan)
            for k, trains in _hand_units(block, hand_key).items()}


@functools.lru_cache(maxsize=None)
def _truth():
    """The truth: Elephant's per-unit Fano factor of ``neo_ordered.nix`` by ``unit_id``."""
    return _elephant_fano(_read("neo_ordered.nix"), _unit_id)


def _check(data, block, hand_key, label_of):
    """Check hhlif's per-train and per-unit results on ``data`` (loaded from ``block``'s
    file) against Elephant on ``block``; return hhlif's Fano factor per hand identity."""
    expected, hand_of = {}, {}
    for s, seg in enumerate(block.segments):
        for pos, train in enumerate(seg.spiketrains):
            expected[(s, label_of(train, pos))] = train
            hand_of[id(train)] = hand_key(train, pos)
    assert data.n_neurons == len(expected)                      # one "neuron" per train
    rates = firing_rates(data).rescale(pq.Hz).magnitude
    cv = isi_statistics(data).cv
    hhlif_trains = data.spiketrains()
    units: dict = {}
    for i in range(data.n_neurons):
        train = expected[(int(data.trial[i]), str(data.unit[i]))]
        np.testing.assert_allclose(hhlif_trains[i].magnitude, train.rescale(pq.s).magnitude,
                                   rtol=TOL, atol=0)
        np.testing.assert_allclose(rates[i], float(es.mean_firing_rate(train).rescale(pq.Hz)),
                                   rtol=TOL, atol=0)
        np.testing.assert_allclose(cv[i], float(np.asarray(es.cv(es.isi(train)))),
                                   rtol=TOL, atol=0)
        units.setdefault((str(data.population[i]), int(data.local_index[i])), set()).add(
            hand_of[id(train)])
    # hhlif's identity (population, local_index) is the hand identity, one to one
    assert all(len(h) == 1 for h in units.values()), units
    hand = {key: next(iter(h)) for key, h in units.items()}
    assert len(set(hand.values())) == len(hand)
    ff = fano_factors(data)
    by_hand = _hand_units(block, hand_key)
    out = {}
    for (condition, population, local), fano, n in zip(ff.keys, ff.fano, ff.n_trials):
        h = hand[(population, int(local))]
        assert n == len(by_hand[h])
        if n >= 2:
            np.testing.assert_allclose(fano, float(es.fanofactor(by_hand[h])), rtol=TOL,
                                       atol=TOL)
        else:
            assert np.isnan(fano)
        out[h] = float(fano)
    assert set(out) == set(by_hand)
    return out


def _same(a: dict, b: dict):
    assert set(a) == set(b)
    for k in a:
        if np.isnan(b[k]):
            assert np.isnan(a[k]), k
        else:
            np.testing.assert_allclose(a[k], b[k], rtol=TOL, atol=TOL, err_msg=str(k))


# ---------------------------------------------------------------------------- the fixtures
@pytest.mark.parametrize("name", [*LABELLED, "neo_positional.nix", "pynn_nest_if_cond_exp.nix"])
def test_fixture_is_small_and_plain_neo(name):
    path = INTEROP / name
    assert path.stat().st_size < 200_000
    block = _read(name)
    assert len(block.segments) == 2
    assert "hhlif_format" not in block.annotations
    for seg in block.segments:
        for train in seg.spiketrains:
            assert not {"population", "neuron", "trial", "condition"} & set(train.annotations)


@pytest.mark.parametrize("name", LABELLED)
def test_labelled_fixtures_keep_their_groups_through_nix(name):
    block = _read(name)
    assert [g.name for g in block.groups] == [f"unit{i:02d}" for i in range(N_UNITS)]
    for group in block.groups:
        assert {t.name for t in group.spiketrains} == {group.name}
        assert {t.annotations["unit_id"] for t in group.spiketrains} == {int(group.name[4:])}
        one = name == "neo_missing_unit.nix" and group.name == MISSING
        assert len(group.spiketrains) == (1 if one else 2)


def test_the_fixture_catches_pairing_by_position():
    # pairing the reordered file's trains by position gives Fano factors far from the truth
    positional = _elephant_fano(_read("neo_reordered.nix"), _position)
    truth = _truth()
    assert abs(np.mean(list(positional.values())) - np.mean(list(truth.values()))) > 1.0


# ----------------------------------------------------------------------- identity rules
@pytest.mark.parametrize("name", ["neo_ordered.nix", "neo_reordered.nix"])
def test_groups_pair_the_units_whatever_their_order(name):
    data = load_spikes(INTEROP / name)
    ident = data.annotations["identity"]
    assert ident["rule"] == "group" and ident["warning"] is None
    assert (ident["n_neurons"], ident["n_trials"], ident["n_trains"]) == (N_UNITS, 2, 2 * N_UNITS)
    assert ident["incomplete"] == []
    assert set(data.population.tolist()) == {"neurons"}        # no annotation, Block unnamed
    assert sorted(set(data.unit.tolist())) == [f"unit{i:02d}" for i in range(N_UNITS)]
    fano = _check(data, _read(name), _unit_id, _group_label)
    _same(fano, _truth())                                       # reordered == ordered
    s = summarize(data)
    assert (s.n_neurons, s.n_trains, s.n_trials) == (N_UNITS, 2 * N_UNITS, 2)


def test_a_unit_missing_from_one_trial_is_reported_and_not_paired():
    data = load_spikes(INTEROP / "neo_missing_unit.nix")
    ident = data.annotations["identity"]
    assert ident["rule"] == "group" and ident["warning"] is None
    assert (ident["n_neurons"], ident["n_trials"], ident["n_trains"]) == \
        (N_UNITS, 2, 2 * N_UNITS - 1)
    assert ident["incomplete"] == [MISSING]
    fano = _check(data, _read("neo_missing_unit.nix"), _unit_id, _group_label)
    missing_id = int(MISSING[4:])
    assert np.isnan(fano[missing_id])
    truth = {k: v for k, v in _truth().items() if k != missing_id}
    _same({k: v for k, v in fano.items() if k != missing_id}, truth)
    s = summarize(data)
    assert (s.n_neurons, s.n_trains, s.n_trials) == (N_UNITS, 2 * N_UNITS - 1, 2)


def test_position_is_the_last_resort_and_warns():
    with pytest.warns(AnalysisWarning, match="position"):
        data = load_spikes(INTEROP / "neo_positional.nix")
    ident = data.annotations["identity"]
    assert ident["rule"] == "position"
    assert isinstance(ident["warning"], str) and "position" in ident["warning"]
    assert (ident["n_neurons"], ident["n_trials"], ident["n_trains"]) == (N_UNITS, 2, 2 * N_UNITS)
    assert set(data.population.tolist()) == {"positional_session"}   # the Block's name
    assert sorted(set(data.unit.tolist()), key=int) == [str(i) for i in range(N_UNITS)]
    fano = _check(data, _read("neo_positional.nix"), _position, _position_label)
    _same(fano, _elephant_fano(_read("neo_positional.nix"), _position))
    _same(fano, _truth())               # this file keeps the unit order, so position is right


def _rebuilt(name, drop=(), remove_train=None):
    """The Block of ``name`` rebuilt in memory without its Groups, without the train
    annotations in ``drop`` and without train ``remove_train = (segment, position)``."""
    block = _read(name)
    out = neo.Block(name=block.name)
    for s, seg in enumerate(block.segments):
        new = neo.Segment(name=seg.name)
        trains = [t for p, t in enumerate(seg.spiketrains) if (s, p) != remove_train]
        for train in trains:
            for key in drop:
                train.annotations.pop(key, None)
        new.spiketrains.extend(trains)
        out.segments.append(new)
    return out


def test_without_groups_the_unit_id_annotation_pairs_the_units():
    block = _rebuilt("neo_reordered.nix")
    data = load_spikes(block)
    ident = data.annotations["identity"]
    assert ident["rule"] == "annotation:unit_id" and ident["warning"] is None
    assert sorted(set(data.unit.tolist()), key=int) == [str(i) for i in range(N_UNITS)]
    fano = _check(data, block, _unit_id, lambda t, p: str(t.annotations["unit_id"]))
    _same(fano, _truth())


def test_without_groups_or_annotations_the_names_pair_the_units():
    block = _rebuilt("neo_reordered.nix", drop=("unit_id",))
    names = {t.name: t for seg in block.segments for t in seg.spiketrains}
    data = load_spikes(block)
    ident = data.annotations["identity"]
    assert ident["rule"] == "name" and ident["warning"] is None
    assert sorted(set(data.unit.tolist())) == sorted(names)
    fano = _check(data, block, lambda t, p: t.name, lambda t, p: t.name)
    _same({int(k[4:]): v for k, v in fano.items()}, _truth())


def test_different_train_counts_and_no_identity_are_refused():
    block = _rebuilt("neo_positional.nix", remove_train=(1, 3))
    with pytest.raises(AnalysisInputError, match="different numbers of trains"):
        load_spikes(block)


# --------------------------------------------------------------------------------- PyNN
def test_pynn_file_is_one_population_of_units_over_two_trials():
    block = _read("pynn_nest_if_cond_exp.nix")
    data = load_spikes(INTEROP / "pynn_nest_if_cond_exp.nix")
    ident = data.annotations["identity"]
    # PyNN annotates source_population, source_index and channel_id (the NEST id): channel_id
    # is the first identifying annotation of the list present on every train
    assert ident["rule"] == "annotation:channel_id" and ident["warning"] is None
    assert (ident["n_neurons"], ident["n_trials"], ident["n_trains"]) == (N_PYNN, 2, 2 * N_PYNN)
    assert ident["incomplete"] == []
    assert set(data.population.tolist()) == {"exc_cells"}
    assert sorted(set(data.trial.tolist())) == [0, 1]
    fano = _check(data, block, _source_index, _channel_label)
    assert sorted(fano) == list(range(N_PYNN))
    s = summarize(data)
    assert (s.n_neurons, s.n_trains, s.n_trials) == (N_PYNN, 2 * N_PYNN, 2)
    assert s.populations == ["exc_cells"]


# ------------------------------------------------------------------------------ compare
def test_compare_pairs_by_unit_label_not_position():
    cmp = compare(INTEROP / "neo_ordered.nix", INTEROP / "neo_reordered.nix")
    assert cmp.gamma_mean == 1.0
    assert len(cmp.keys) == 2 * N_UNITS
    assert cmp.n_unpaired_reference == 0 and cmp.n_unpaired_candidate == 0


def test_compare_reports_the_unit_missing_from_the_candidate():
    cmp = compare(INTEROP / "neo_ordered.nix", INTEROP / "neo_missing_unit.nix")
    assert cmp.gamma_mean == 1.0
    assert len(cmp.keys) == 2 * N_UNITS - 1
    assert cmp.n_unpaired_reference == 1 and cmp.n_unpaired_candidate == 0
    (entry,) = cmp.annotations["unpaired_reference"]
    assert (entry["trial"], entry["unit"]) == (1, MISSING)
