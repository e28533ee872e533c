"""read_nwb_block: NWB Units and trials read with pynwb, checked against pynwb itself."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import neo
import numpy as np
import pytest
import quantities as pq

pynwb = pytest.importorskip("pynwb")

from elephant.statistics import cv, isi, mean_firing_rate  # noqa: E402
from hhlif.analysis.errors import AnalysisInputError  # noqa: E402
from hhlif.analysis.nwb import NO_TRIALS_NOTE, read_nwb_block  # noqa: E402

INTEROP = Path(__file__).resolve().parents[2] / "data" / "interop"
TRIALS_FILE = INTEROP / "pynwb_units_trials.nwb"
NO_TRIALS_FILE = INTEROP / "pynwb_units_no_trials.nwb"
START = datetime(2024, 1, 1, tzinfo=timezone.utc)


def _truth(path):
    """Per trial: {unit id: spike times in [start, stop)} of the units whose intervals cover
    the trial, computed from pynwb directly; plus the trial rows and the Units columns."""
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        f = io.read()
        units, trials = f.units, f.trials
        ids = [int(i) for i in units.id[:]]
        spikes = {ids[k]: np.asarray(units.get_unit_spike_times(k)) for k in range(len(ids))}
        obs = {ids[k]: np.asarray(units.get_unit_obs_intervals(k)) for k in range(len(ids))}
        rows = [{"start_time": float(trials["start_time"][i]),
                 "stop_time": float(trials["stop_time"][i]),
                 "stimulus": str(trials["stimulus"][i]),
                 "contrast": float(trials["contrast"][i])} for i in range(len(trials))]
        columns = {c: list(units[c][:]) for c in ("unit_name", "population", "quality")}
        groups = [g.name for g in units["electrode_group"][:]]
    per_trial = []
    for row in rows:
        a, b = row["start_time"], row["stop_time"]
        observed = {}
        for uid in ids:
            # covered: one interval holds the whole trial (true of every unit of this file)
            if any(lo <= a and hi >= b for lo, hi in obs[uid]):
                t = spikes[uid]
                observed[uid] = t[(t >= a) & (t < b)]
        per_trial.append(observed)
    return ids, rows, per_trial, columns, groups


@pytest.fixture(scope="module")
def block():
    return read_nwb_block(TRIALS_FILE)


@pytest.fixture(scope="module")
def truth():
    return _truth(TRIALS_FILE)


def test_fixtures_are_small_and_valid():
    for path in (TRIALS_FILE, NO_TRIALS_FILE):
        assert path.stat().st_size < 200_000
        assert list(pynwb.validate(path=str(path))) == []


def test_block_annotations(block):
    assert block.name == "hhlif-pynwb-units-trials"
    ann = block.annotations
    assert ann["nwb_source"] is True
    assert ann["nwb_identifier"] == block.name
    assert ann["session_description"].startswith("hhlif fixture")
    assert ann["nwb_n_units"] == 20 and ann["nwb_n_trials"] == 2
    assert "nwb_note" not in ann


def test_one_segment_per_trial_with_the_trial_columns(block, truth):
    _, rows, _, _, _ = truth
    assert len(block.segments) == len(rows) == 2
    for i, (seg, row) in enumerate(zip(block.segments, rows)):
        ann = seg.annotations
        assert ann["trial"] == i
        assert ann["start_time"] == row["start_time"] and ann["stop_time"] == row["stop_time"]
        assert ann["stimulus"] == row["stimulus"] and type(ann["stimulus"]) is str
        assert ann["contrast"] == row["contrast"] and type(ann["contrast"]) is float
        assert ann["nwb_interval_table"] == "trials"
    assert [s.annotations["stimulus"] for s in block.segments] == ["grating", "dots"]


def test_spike_times_per_unit_per_trial_match_pynwb(block, truth):
    ids, rows, per_trial, _, _ = truth
    for seg, row, observed in zip(block.segments, rows, per_trial):
        got = {tr.annotations["unit_id"]: tr for tr in seg.spiketrains}
        assert set(got) == set(observed)
        for uid, times in observed.items():
            tr = got[uid]
            np.testing.assert_array_equal(tr.rescale(pq.s).magnitude, np.sort(times))
            # absolute times, the trial's bounds
            assert float(tr.t_start.rescale(pq.s)) == row["start_time"]
            assert float(tr.t_stop.rescale(pq.s)) == row["stop_time"]
            assert tr.annotations["nwb_unit_index"] == ids.index(uid)


def test_unit_7_is_missing_from_trial_1_only(block, truth):
    _, _, per_trial, _, _ = truth
    assert 7 in per_trial[0] and 7 not in per_trial[1]        # the truth says so too
    units = [[tr.annotations["unit_id"] for tr in seg.spiketrains] for seg in block.segments]
    assert units[0] == list(range(20))
    assert units[1] == [i for i in range(20) if i != 7]
    assert block.segments[0].annotations["nwb_unobserved_units"] == []
    assert block.segments[1].annotations["nwb_unobserved_units"] == [7]
    # unit 12 has two observation intervals, each covering one trial: observed in both
    assert all(12 in u for u in units)


def test_train_names_and_unit_columns(block, truth):
    ids, _, _, columns, groups = truth
    for tr in block.segments[0].spiketrains:
        k = tr.annotations["nwb_unit_index"]
        assert tr.name == columns["unit_name"][k]
        assert tr.annotations["population"] == columns["population"][k]
        assert tr.annotations["quality"] == pytest.approx(float(columns["quality"][k]))
        assert type(tr.annotations["quality"]) is float
        assert tr.annotations["electrode_group"] == groups[k]
        assert type(tr.annotations["unit_id"]) is int
        assert "spike_times" not in tr.annotations and "obs_intervals" not in tr.annotations
    pops = {tr.annotations["population"] for tr in block.segments[0].spiketrains}
    assert pops == {"exc", "inh"}


def test_rate_and_cv_match_elephant_on_trains_built_from_pynwb(block, truth):
    _, rows, per_trial, _, _ = truth
    for seg, row, observed in zip(block.segments, rows, per_trial):
        for tr in seg.spiketrains:
            times = observed[tr.annotations["unit_id"]]
            ref = neo.SpikeTrain(np.sort(times) * pq.s, t_start=row["start_time"] * pq.s,
                                 t_stop=row["stop_time"] * pq.s)
            assert float(mean_firing_rate(tr).rescale(pq.Hz)) == pytest.approx(
                float(mean_firing_rate(ref).rescale(pq.Hz)), rel=1e-12)
            if len(ref) > 2:
                assert cv(isi(tr)) == pytest.approx(cv(isi(ref)), rel=1e-12)
        rates = [float(mean_firing_rate(tr).rescale(pq.Hz)) for tr in seg.spiketrains]
        assert 10 < np.mean(rates) < 35          # per-unit rates are 5..40 Hz


def test_no_trials_file_is_one_segment_with_a_note():
    block = read_nwb_block(NO_TRIALS_FILE)
    assert block.annotations["nwb_note"] == NO_TRIALS_NOTE
    assert block.annotations["nwb_n_trials"] == 1 and block.annotations["nwb_n_units"] == 3
    (seg,) = block.segments
    with pynwb.NWBHDF5IO(str(NO_TRIALS_FILE), "r") as io:
        units = io.read().units
        spikes = [np.asarray(units.get_unit_spike_times(k)) for k in range(len(units))]
    last = max(float(s.max()) for s in spikes)
    assert seg.annotations["start_time"] == 0.0 and seg.annotations["stop_time"] == last
    assert [tr.name for tr in seg.spiketrains] == ["unit0", "unit1", "unit2"]
    for tr, times in zip(seg.spiketrains, spikes):
        np.testing.assert_array_equal(tr.magnitude, times)     # the last spike included


def _nwbfile(identifier="tmp"):
    return pynwb.NWBFile(session_description="test", identifier=identifier,
                         session_start_time=START)


def _write(nwbfile, path):
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    return path


def test_partial_coverage_and_epochs(tmp_path):
    f = _nwbfile()
    f.add_epoch(start_time=0.0, stop_time=2.0)
    f.add_epoch(start_time=2.0, stop_time=4.0)
    f.add_unit(id=3, spike_times=[0.5, 1.7, 2.5, 3.9], obs_intervals=[[0.0, 4.0]])
    f.add_unit(id=5, spike_times=[0.2, 2.2], obs_intervals=[[0.0, 1.5], [1.5, 2.0],
                                                            [2.5, 4.0]])
    block = read_nwb_block(_write(f, tmp_path / "epochs.nwb"))
    assert [s.annotations["nwb_interval_table"] for s in block.segments] == ["epochs"] * 2
    assert "nwb_note" not in block.annotations
    # unit 5: [0, 2) covered by two adjacent intervals; [2, 4) only from 2.5 s: left out
    assert [[t.annotations["unit_id"] for t in s.spiketrains] for s in block.segments] \
        == [[3, 5], [3]]
    assert block.segments[1].annotations["nwb_unobserved_units"] == [5]
    np.testing.assert_array_equal(block.segments[1].spiketrains[0].magnitude, [2.5, 3.9])


def test_file_without_units_is_refused(tmp_path):
    path = _write(_nwbfile(), tmp_path / "empty.nwb")
    with pytest.raises(AnalysisInputError, match="no Units table") as info:
        read_nwb_block(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_non_hdf5_file_is_refused_in_one_line(tmp_path):
    path = tmp_path / "x.nwb"
    path.write_text("not an HDF5 file\n")
    with pytest.raises(AnalysisInputError, match="x.nwb") as info:
        read_nwb_block(path)
    text = str(info.value)
    assert "\n" not in text and "Error" in text      # the reader's error type is named
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(AnalysisInputError, match="no such file"):
        read_nwb_block(tmp_path / "missing.nwb")
    with pytest.raises(AnalysisInputError, match="directory"):
        read_nwb_block(tmp_path)


def test_without_pynwb_the_message_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynwb", None)          # import pynwb -> ImportError
    with pytest.raises(AnalysisInputError, match=r'pip install "hhlif\[nwb\]"') as info:
        read_nwb_block(TRIALS_FILE)
    assert "\n" not in str(info.value)
