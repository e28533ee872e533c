"""Other tools' files through the reports: NWB statistics, ``info`` text, the design refusal.

The NWB truth is computed here from pynwb and Elephant directly (spikes of each unit cut to
each trial interval by hand, re-zeroed at the trial start), never from hhlif's reader.
"""
from __future__ import annotations

from pathlib import Path

import elephant.statistics as es
import neo
import numpy as np
import pytest
import quantities as pq

from hhlif.analysis import (DeclaredDesign, fano_factors, information_from_recording,
                            load_spikes, summarize)
from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.reports import describe_file

pynwb = pytest.importorskip("pynwb")

INTEROP = Path(__file__).resolve().parents[2] / "data" / "interop"
NWB = INTEROP / "pynwb_units_trials.nwb"


def _nwb_truth():
    """Per (unit id, trial): the SpikeTrain of that unit in that trial, by hand."""
    with pynwb.NWBHDF5IO(str(NWB), "r", load_namespaces=True) as io:
        f = io.read()
        trials = [(float(a), float(b)) for a, b in zip(f.trials["start_time"][:],
                                                        f.trials["stop_time"][:])]
        units = f.units
        out = {}
        for row, uid in enumerate(units.id[:]):
            spikes = np.asarray(units["spike_times"][row])
            intervals = (np.asarray(units["obs_intervals"][row])
                         if "obs_intervals" in units.colnames else np.zeros((0, 2)))
            for k, (a, b) in enumerate(trials):
                covered = (not len(intervals)) or any(lo <= a and hi >= b
                                                      for lo, hi in intervals)
                if not covered:
                    continue
                t = spikes[(spikes >= a) & (spikes < b)] - a
                out[(int(uid), k)] = neo.SpikeTrain(t * pq.s, t_start=0 * pq.s,
                                                    t_stop=(b - a) * pq.s)
    return out


def test_nwb_rates_cv_and_fano_match_elephant_per_trial():
    truth = _nwb_truth()
    data = load_spikes(NWB)
    assert data.n_neurons == len(truth) == 39            # unit 7 is not observed in trial 1
    rates = data.counts() / float(data.duration)
    for i in range(data.n_neurons):
        train = truth[(int(data.unit[i]), int(data.trial[i]))]
        assert rates[i] == pytest.approx(float(es.mean_firing_rate(train).rescale("Hz")),
                                         abs=1e-12)
    summary = summarize(data)
    expected_rate = np.mean([float(es.mean_firing_rate(t).rescale("Hz"))
                             for t in truth.values()])
    assert summary.rate_mean.magnitude == pytest.approx(expected_rate, abs=1e-12)
    assert summary.n_neurons == 20 and summary.n_trials == 2 and summary.n_trains == 39
    expected_cv = np.mean([es.cv(es.isi(t)) for t in truth.values() if len(t) >= 3])
    assert summary.cv_mean == pytest.approx(expected_cv, abs=1e-12)
    fano = fano_factors(data)
    by_unit = {}
    for (uid, _), train in truth.items():
        by_unit.setdefault(uid, []).append(train)
    expected_fano = np.mean([es.fanofactor(ts) for ts in by_unit.values() if len(ts) == 2])
    assert fano.mean == pytest.approx(expected_fano, abs=1e-12)
    assert summary.annotations["identity"]["incomplete"] == ["exc/7"]


def test_info_counts_neurons_trials_and_trains_and_names_the_rule():
    text = describe_file(NWB)
    assert "20 neurons, 2 trials, 39 trains" in text
    assert "population 'exc': 15 neurons" in text and "population 'inh': 5 neurons" in text
    assert "annotation 'unit_id'" in text and "exc/7" in text
    pynn = describe_file(INTEROP / "pynn_nest_if_cond_exp.nix")
    assert "7 neurons, 2 trials, 14 trains" in pynn and "population 'exc_cells'" in pynn
    assert "annotation 'channel_id'" in pynn


def test_info_of_a_file_without_trials_says_it_is_one_trial():
    text = describe_file(INTEROP / "pynwb_units_no_trials.nwb")
    assert "3 neurons, 1 trials, 3 trains" in text and "read as one trial" in text


def test_mi_of_the_pynn_file_asks_for_a_design_then_counts_repeats_per_neuron():
    pynn = INTEROP / "pynn_nest_if_cond_exp.nix"
    with pytest.raises(AnalysisInputError, match=r"7 neurons x 2 trials\); declare it"):
        information_from_recording(pynn, n_bootstrap=0)
    with pytest.raises(AnalysisInputError, match="at most 2 repeats"):
        information_from_recording(pynn, n_bootstrap=0,
                                   declared=DeclaredDesign(repeats_of_one_stimulus=True))


def test_mi_of_the_nwb_file_by_its_trials_column_checks_trials_per_condition():
    # two trials, one per stimulus: no neuron has 2 trials of a condition
    with pytest.raises(AnalysisInputError, match="at most 1 trials per condition"):
        information_from_recording(NWB, n_bootstrap=0, population="exc",
                                   declared=DeclaredDesign(condition_annotation="stimulus"))
