"""Tests of hhlif.analysis.information.recordings on hand-built Neo recordings (no design:
the behaviour of older hhlif files and other tools)."""
import json

import neo
import numpy as np
import pytest
import quantities as pq

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.information import (DirectMethodResult, InformationResult, direct_method,
                                        mutual_information)
from hhlif.analysis.information.recordings import (
    binary_words, information_from_recording, mi_command, parse_quantity,
    spike_count_responses)

BIN = 0.002  # s


def _train(times_s, t_stop, **ann):
    return neo.SpikeTrain(np.asarray(times_s) * pq.s, t_stop=t_stop * pq.s, **ann)


def frozen_noise_block(words, population="hh", silent=False):
    """One segment, one neuron per repeat, spikes at the centres of the 1-bins of ``words``."""
    n_rep, n_bins = words.shape
    block = neo.Block(hhlif_format=1, protocol="frozen-noise", model="test")
    seg = neo.Segment(trial=0, condition=0, condition_label="frozen")
    for i in range(n_rep):
        t = [] if silent else (np.flatnonzero(words[i]) + 0.5) * BIN
        seg.spiketrains.append(_train(t, n_bins * BIN, neuron=i, population=population,
                                      trial=0, condition=0))
    block.segments.append(seg)
    return block


def step_block(counts_by_condition, duration=0.5):
    """Conditions as stimuli; trial k of condition c fires ``counts[c][k]`` evenly spaced spikes."""
    block = neo.Block(hhlif_format=1, protocol="step")
    for cond, counts in enumerate(counts_by_condition):
        for trial, n in enumerate(counts):
            seg = neo.Segment(trial=trial, condition=cond, condition_label=f"I{cond}")
            t = np.linspace(0.01, duration - 0.01, int(n)) if n else []
            seg.spiketrains.append(_train(t, duration, neuron=0, population="hh",
                                          trial=trial, condition=cond))
            block.segments.append(seg)
    return block


@pytest.fixture(scope="module")
def frozen_words():
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 0.3, 400)
    return (rng.random((60, 400)) < p).astype(np.int64)


# ---------------------------------------------------------------------------- array helpers
def test_spike_count_responses():
    s, c = spike_count_responses([0, 0, 1, 2, 2], [1, 5, 2, 30, 9.99] * pq.ms, [3, 3, 4],
                                 (0 * pq.ms, 10 * pq.ms))
    assert s.tolist() == [3, 3, 4]
    assert c.tolist() == [2, 1, 1]          # t1 is excluded: 30 ms out, 9.99 ms in


def test_binary_words_counts_and_clipping():
    idx, t = [0, 0, 0, 1], [0.1, 0.2, 2.5, 3.9] * pq.ms
    counts = binary_words(idx, t, 2, 0 * pq.ms, 4 * pq.ms, 1 * pq.ms, binary=False)
    assert counts.tolist() == [[2, 0, 1, 0], [0, 0, 0, 1]]
    assert binary_words(idx, t, 2, 0 * pq.ms, 4 * pq.ms, 1 * pq.ms).tolist() == \
        [[1, 0, 1, 0], [0, 0, 0, 1]]


def test_binary_words_bad_input():
    with pytest.raises(AnalysisInputError, match="indices has 2 spikes but times has 1"):
        binary_words([0, 1], [1.0] * pq.ms, 2, 0 * pq.ms, 4 * pq.ms, 1 * pq.ms)
    with pytest.raises(AnalysisInputError, match="expected integer neuron ids in 0..1"):
        binary_words([0, 5], [1.0, 2.0] * pq.ms, 2, 0 * pq.ms, 4 * pq.ms, 1 * pq.ms)
    with pytest.raises(AnalysisInputError, match="bin_size"):
        binary_words([0], [1.0] * pq.ms, 1, 0 * pq.ms, 4 * pq.ms, 5 * pq.ms)


@pytest.mark.parametrize("text,expected", [("2*ms", 2 * pq.ms), ("2 ms", 2 * pq.ms),
                                           ("0.5*s", 0.5 * pq.s), ("1e-3*s", 1 * pq.ms),
                                           ("500us", 0.5 * pq.ms)])
def test_parse_quantity(text, expected):
    q = parse_quantity(text, "bin_size")
    assert float(q.rescale(pq.s).magnitude) == pytest.approx(float(expected.rescale(pq.s)))


@pytest.mark.parametrize("text", ["2*foo", "__import__('os')", "2**ms", "ms", "2*ms*ms"])
def test_parse_quantity_rejects(text):
    with pytest.raises(AnalysisInputError, match="bin_size="):
        parse_quantity(text, "bin_size")


# ---------------------------------------------------------------------------- recordings
def test_frozen_noise_recording_gives_the_direct_method(frozen_words):
    block = frozen_noise_block(frozen_words)
    res = information_from_recording(block, bin_size=2 * pq.ms, word_length=3, n_bootstrap=0)
    assert isinstance(res, DirectMethodResult)
    # the recording round trip reproduces the words exactly, so the numbers are identical
    ref = direct_method(frozen_words, BIN, word_lengths=(1, 2, 3), seed=0)
    assert res.information_rate == pytest.approx(ref.information_rate, abs=1e-9)
    assert res.mean_rate == pytest.approx(ref.mean_rate)
    assert res.details["protocol"] == "frozen-noise"
    assert res.details["n_repeats"] == 60


def test_step_recording_gives_condition_count_information():
    rng = np.random.default_rng(5)
    counts = [rng.poisson(lam, 40) for lam in (2, 5, 9)]
    res = information_from_recording(step_block(counts), n_bootstrap=0)
    assert isinstance(res, InformationResult)
    ref = mutual_information(np.repeat([0, 1, 2], 40), np.concatenate(counts), method="pt")
    assert res.bits == pytest.approx(ref.bits, abs=1e-12)
    assert res.method == "pt" and res.n_trials == 120 and res.n_stimuli == 3
    assert res.details["condition_labels"] == {0: "I0", 1: "I1", 2: "I2"}


def test_step_recording_binary_words():
    # condition 1 spikes in the first 2 ms bin, condition 0 never before 10 ms: 1 bit in
    # a 4-bin word; both conditions spike later, so the count alone would be ambiguous.
    block = neo.Block(hhlif_format=1, protocol="step")
    for cond in (0, 1):
        for trial in range(20):
            seg = neo.Segment(trial=trial, condition=cond)
            t = [0.001, 0.05] if cond else [0.02, 0.05]
            seg.spiketrains.append(_train(t, 0.1, neuron=0, population="hh", trial=trial,
                                          condition=cond))
            block.segments.append(seg)
    words = information_from_recording(block, method="plugin", response="words",
                                       word_length=4, n_bootstrap=0)
    count = information_from_recording(block, method="plugin", n_bootstrap=0)
    assert words.bits == pytest.approx(1.0)
    assert count.bits == pytest.approx(0.0)


def test_mi_command_nix_round_trip(tmp_path, frozen_words):
    path = tmp_path / "frozen.nix"
    io = neo.io.NixIO(str(path), mode="ow")
    io.write_block(frozen_noise_block(frozen_words))
    io.close()
    out = tmp_path / "mi.json"
    result, text = mi_command(path, bin_size="2*ms", word_length=3, json_path=out,
                              n_bootstrap=5)
    assert isinstance(result, DirectMethodResult)
    assert "bits/s" in text and "95% CI" in text and "bits/spike" in text
    saved = json.loads(out.read_text())
    assert saved["result"]["information_rate"] == pytest.approx(result.information_rate)
    assert saved["source"] == str(path)
    with pytest.raises(FileExistsError, match="mi.json"):
        mi_command(path, bin_size="2*ms", word_length=3, json_path=out, n_bootstrap=0)
    mi_command(path, bin_size="2*ms", word_length=3, json_path=out, n_bootstrap=0, force=True)
    assert "ci" in json.loads(out.read_text())["result"]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_mi_command_step_prints_bits(tmp_path):
    rng = np.random.default_rng(6)
    block = step_block([rng.poisson(lam, 30) for lam in (1, 6)])
    path = tmp_path / "step.nix"
    io = neo.io.NixIO(str(path), mode="ow")
    io.write_block(block)
    io.close()
    result, text = mi_command(path, method="qe", n_bootstrap=10)
    assert result.method == "qe"
    assert "bits" in text and "CI" in text and "qe" in text


# ---------------------------------------------------------------------------- bad input
def test_recording_without_spikes(frozen_words):
    with pytest.raises(AnalysisInputError, match="fired no spike"):
        information_from_recording(frozen_noise_block(frozen_words, silent=True), n_bootstrap=0)
    with pytest.raises(AnalysisInputError, match="fired no spike"):
        information_from_recording(step_block([[0] * 5, [0] * 5]), n_bootstrap=0)


def test_frozen_noise_rejects_condition_methods(frozen_words):
    with pytest.raises(AnalysisInputError, match=r"method='pt'.*valid values: \['direct'\]"):
        information_from_recording(frozen_noise_block(frozen_words), method="pt")


def test_several_populations_need_a_choice(frozen_words):
    block = frozen_noise_block(frozen_words)
    seg = block.segments[0]
    seg.spiketrains.append(_train([0.01], 0.8, neuron=0, population="lif", trial=0,
                                  condition=0))
    with pytest.raises(AnalysisInputError, match=r"2 populations \['hh', 'lif'\]"):
        information_from_recording(block, n_bootstrap=0)
    res = information_from_recording(block, population="hh", word_length=2, n_bootstrap=0)
    assert res.details["population"] == "hh"


def test_single_condition_step_is_an_error():
    with pytest.raises(AnalysisInputError, match="single value"):
        information_from_recording(step_block([[3, 4, 5]]), n_bootstrap=0)


def test_the_former_module_name_still_works():
    from hhlif.analysis import information_recordings as ir
    from hhlif.analysis.information import recordings

    for name in recordings.__all__:
        assert getattr(ir, name) is getattr(recordings, name), name
