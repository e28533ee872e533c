"""information_from_recording / hhlif mi dispatch on the recorded design, never on the name."""
import json

import neo
import numpy as np
import pytest
import quantities as pq

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.information import (DirectMethodResult, InformationResult, direct_method,
                                        information_from_recording, mi_command,
                                        mutual_information)

BIN = 0.002  # s


def _design(n_conditions, trials, time_varying, frozen=True, values=None, unit="uA/cm**2"):
    names = list(values or {})
    return {"frozen_stimulus": frozen, "time_varying_stimulus": time_varying,
            "trials": trials, "n_conditions": n_conditions,
            "stimulus": "OUNoise" if time_varying else "Step",
            "conditions": {"names": names, "values": dict(values or {}),
                           "units": {k: unit for k in names}}}


def _repeats_block(words_by_condition, design, protocol):
    """One segment per condition, one neuron per trial: spikes at the centres of 1-bins."""
    block = neo.Block(hhlif_format=1, protocol=protocol, design_json=json.dumps(design))
    for cond, words in enumerate(words_by_condition):
        seg = neo.Segment(trial=0, condition=cond, condition_label="not a number")
        for i, row in enumerate(words):
            seg.spiketrains.append(neo.SpikeTrain(
                (np.flatnonzero(row) + 0.5) * BIN * pq.s, t_stop=words.shape[1] * BIN * pq.s,
                neuron=i, population="hh", trial=0, condition=cond))
        block.segments.append(seg)
    return block


def _counts_block(counts_by_condition, design, protocol, duration=0.5):
    """Trial k of condition c fires counts[c][k] evenly spaced spikes; labels say nothing."""
    block = neo.Block(hhlif_format=1, protocol=protocol, design_json=json.dumps(design))
    for cond, counts in enumerate(counts_by_condition):
        for trial, n in enumerate(counts):
            seg = neo.Segment(trial=trial, condition=cond, condition_label=f"level {cond}?")
            t = np.linspace(0.01, duration - 0.01, int(n)) if n else []
            seg.spiketrains.append(neo.SpikeTrain(np.asarray(t) * pq.s, t_stop=duration * pq.s,
                                                  neuron=0, population="hh", trial=trial,
                                                  condition=cond))
            block.segments.append(seg)
    return block


@pytest.fixture(scope="module")
def words():
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 0.3, 400)
    return (rng.random((60, 400)) < p).astype(np.int64)


@pytest.fixture(scope="module")
def counts():
    rng = np.random.default_rng(5)
    return [rng.poisson(lam, 40) for lam in (2, 5, 9)]


@pytest.mark.parametrize("protocol", ["my-noise-script", "step", "sweep"])
def test_repeats_of_one_frozen_waveform_get_the_direct_method_whatever_the_name(words,
                                                                                protocol):
    block = _repeats_block([words], _design(1, 60, True), protocol)
    res = information_from_recording(block, word_length=3, n_bootstrap=0)
    assert isinstance(res, DirectMethodResult)
    # the recording holds the words exactly, so the number is the direct method's
    ref = direct_method(words, BIN, word_lengths=(1, 2, 3), seed=0)
    assert res.information_rate == pytest.approx(ref.information_rate, abs=1e-9)
    assert res.details["design"]["trials"] == 60 and res.details["protocol"] == protocol
    with pytest.raises(AnalysisInputError, match=r"method='pt': not available for this "
                       r"recording's design \(1 condition x 60 trials, time-varying.*"
                       r"valid values: \['direct'\]"):
        information_from_recording(block, method="pt")


@pytest.mark.parametrize("protocol", ["frozen-noise", "anything"])
def test_several_conditions_get_the_condition_estimators_whatever_the_name(counts, protocol):
    design = _design(3, 40, False, values={"amplitude": [2.0, 4.5, 9.0]})
    res = information_from_recording(_counts_block(counts, design, protocol), n_bootstrap=0)
    assert isinstance(res, InformationResult) and res.method == "pt"
    ref = mutual_information(np.repeat([0, 1, 2], 40), np.concatenate(counts), method="pt")
    assert res.bits == pytest.approx(ref.bits, abs=1e-12)
    # condition values from the design (the labels hold no number at all)
    assert res.details["condition_values"] == {"amplitude": [2.0, 4.5, 9.0]}
    assert res.details["condition_units"] == {"amplitude": "uA/cm**2"}
    assert res.details["condition_labels"] == {0: "level 0?", 1: "level 1?", 2: "level 2?"}


def test_several_frozen_waveforms_allow_the_direct_method_per_condition(words):
    design = _design(2, 60, True, values={"sigma": [1.0, 2.0]}, unit="1")
    block = _repeats_block([words, words[::-1]], design, "frozen-noise")
    default = information_from_recording(block, n_bootstrap=0)
    assert isinstance(default, InformationResult)       # across conditions by default
    one = information_from_recording(block, method="direct", condition=1, word_length=3,
                                     n_bootstrap=0)
    ref = direct_method(words[::-1], BIN, word_lengths=(1, 2, 3), seed=0)
    assert one.information_rate == pytest.approx(ref.information_rate, abs=1e-9)
    assert one.details["condition"] == 1 and one.details["condition_values"] == {"sigma": 2.0}
    with pytest.raises(AnalysisInputError, match=r"condition=None .* conditions \[0, 1\]"):
        information_from_recording(block, method="direct", n_bootstrap=0)


@pytest.mark.parametrize("design, why", [
    (_design(1, 40, False), "constant stimulus"),
    (_design(1, 1, True), "1 trial,"),
    (_design(1, 40, True, frozen=False), "not frozen"),
])
def test_one_condition_without_repeated_frozen_waveform_suits_no_estimator(counts, design,
                                                                           why):
    block = _counts_block([counts[0]], design, "frozen-noise")
    with pytest.raises(AnalysisInputError, match=rf"suits no estimator.*{why}|{why}.*suits no"):
        information_from_recording(block, n_bootstrap=0)


def test_a_design_that_does_not_describe_the_data_is_refused(counts):
    block = _counts_block(counts, _design(2, 40, False, values={"amplitude": [1.0, 2.0]}),
                          "sweep")
    with pytest.raises(AnalysisInputError, match=r"design has 2 condition\(s\) but population "
                                                 r"'hh' holds conditions \[0, 1, 2\]"):
        information_from_recording(block, n_bootstrap=0)


def test_mi_command_prints_the_design_and_the_condition_values(build, tmp_path, counts):
    design = _design(3, 40, False, values={"amplitude": [2.0, 4.5, 9.0]})
    path = build.write_nix(_counts_block(counts, design, "my-sweep"), tmp_path / "s.nix")
    result, text = mi_command(path, n_bootstrap=0, json_path=tmp_path / "mi.json")
    assert result.method == "pt"
    assert "design      3 conditions (amplitude) x 40 trials, constant stimulus Step" in text
    assert "condition   amplitude = 2, 4.5, 9 uA/cm**2" in text
    saved = json.loads((tmp_path / "mi.json").read_text())["result"]["details"]
    assert saved["design"] == design and saved["condition_values"]["amplitude"] == [2, 4.5, 9]


def test_recordings_without_a_design_print_as_before(build, tmp_path, counts):
    block = _counts_block(counts, _design(3, 40, False), "step")
    del block.annotations["design_json"]
    _, text = mi_command(build.write_nix(block, tmp_path / "old.nix"), n_bootstrap=0)
    assert "design" not in text and "condition   " not in text
