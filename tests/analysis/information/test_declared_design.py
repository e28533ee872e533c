"""Information of foreign files: refused until the user declares the design; then per neuron.

Oracles: a noiseless binary channel carries exactly 1 bit (two equiprobable stimuli told
apart without error); identical trials of one neuron have no noise entropy.
"""
import neo
import numpy as np
import pytest
import quantities as pq

from hhlif.analysis import DeclaredDesign, PerNeuronInformation, information_from_recording
from hhlif.analysis.errors import AnalysisInputError


def _foreign_block(n_units=3, stimuli=("a", "b", "a", "b", "a", "b"), shuffle=True, seed=0):
    """Units whose count codes the trial's stimulus without noise (2 vs 6 spikes); the
    trains of each segment in a different order, identified by ``unit_id``."""
    rng = np.random.default_rng(seed)
    block = neo.Block(name="lab")
    for trial, stim in enumerate(stimuli):
        seg = neo.Segment(name=f"trial {trial}", stimulus=stim)
        order = rng.permutation(n_units) if shuffle else np.arange(n_units)
        for u in order:
            n = 2 if stim == "a" else 6
            times = np.sort(rng.uniform(0.01, 0.99, n))
            seg.spiketrains.append(neo.SpikeTrain(times * pq.s, t_stop=1 * pq.s,
                                                  unit_id=int(u)))
        block.segments.append(seg)
    return block


def test_foreign_file_without_a_declared_design_is_refused_with_what_to_declare():
    with pytest.raises(AnalysisInputError) as err:
        information_from_recording(_foreign_block(), n_bootstrap=0)
    message = str(err.value)
    assert "3 neurons x 6 trials" in message and "--condition-annotation" in message
    assert "stimulus" in message and "\n" not in message   # names the annotation it found


def test_condition_annotation_gives_one_bit_per_neuron_whatever_the_train_order():
    result = information_from_recording(_foreign_block(), n_bootstrap=0, method="plugin",
                                        declared=DeclaredDesign(condition_annotation="stimulus"))
    assert isinstance(result, PerNeuronInformation)
    assert [u["unit"] for u in result.units_analysed] == ["0", "1", "2"]
    assert all(u["information"] == pytest.approx(1.0, abs=1e-12) for u in result.units_analysed)
    assert result.mean == pytest.approx(1.0, abs=1e-12) and result.excluded == []
    assert all(u["n_repeats"] == 3 for u in result.units_analysed)   # 3 trials per stimulus


def test_condition_annotation_missing_from_a_segment_is_named():
    block = _foreign_block()
    del block.segments[2].annotations["stimulus"]
    with pytest.raises(AnalysisInputError, match=r"condition_annotation='stimulus'.*\[2\]"):
        information_from_recording(block, n_bootstrap=0,
                                   declared=DeclaredDesign(condition_annotation="stimulus"))


def test_too_few_repeats_per_neuron_are_refused_for_the_direct_method():
    block = _foreign_block(stimuli=("a", "a"))       # 2 trials: below the minimum of 4
    with pytest.raises(AnalysisInputError, match="at most 2 repeats.*at least 4 per neuron"):
        information_from_recording(block, n_bootstrap=0,
                                   declared=DeclaredDesign(repeats_of_one_stimulus=True))


def test_direct_method_per_neuron_over_its_trials():
    # neuron 0 fires the same spikes in every trial (frozen response: all information);
    # neuron 1 fires independent spikes (no repeatable structure)
    rng = np.random.default_rng(3)
    frozen = np.sort(rng.uniform(0, 1, 40))
    block = neo.Block()
    for trial in range(12):
        seg = neo.Segment()
        seg.spiketrains.append(neo.SpikeTrain(frozen * pq.s, t_stop=1 * pq.s, name="frozen"))
        seg.spiketrains.append(neo.SpikeTrain(np.sort(rng.uniform(0, 1, 40)) * pq.s,
                                              t_stop=1 * pq.s, name="noisy"))
        block.segments.append(seg)
    result = information_from_recording(block, n_bootstrap=0, word_length=3,
                                        bin_size=5 * pq.ms,
                                        declared=DeclaredDesign(repeats_of_one_stimulus=True))
    by_unit = {u["unit"]: u for u in result.units_analysed}
    assert set(by_unit) == {"frozen", "noisy"} and by_unit["frozen"]["n_repeats"] == 12
    assert by_unit["frozen"]["information"] > 5 * max(by_unit["noisy"]["information"], 1.0)


def test_hhlif_files_record_their_design_and_refuse_a_declaration(build):
    block = build.hhlif_block([build.poisson_trains(3, 10 * pq.Hz, 1 * pq.s, seed=s)
                               for s in range(4)], packed=False)
    with pytest.raises(AnalysisInputError, match="written by hhlif"):
        information_from_recording(block, declared=DeclaredDesign(repeats_of_one_stimulus=True))


def test_condition_per_segment_pools_the_trains_of_a_segment_as_repeats():
    block = neo.Block()
    for seg_index, n in enumerate((2, 6)):
        seg = neo.Segment(name=f"stim {seg_index}")
        for _ in range(5):
            seg.spiketrains.append(neo.SpikeTrain(np.linspace(0.1, 0.9, n) * pq.s,
                                                  t_stop=1 * pq.s))
        block.segments.append(seg)
    result = information_from_recording(block, n_bootstrap=0, method="plugin",
                                        declared=DeclaredDesign(condition_per_segment=True))
    assert result.plugin_bits == pytest.approx(1.0) and result.n_trials == 10
    assert result.details["condition_labels"] == {0: "stim 0", 1: "stim 1"}


def test_two_declarations_at_once_are_refused():
    with pytest.raises(AnalysisInputError, match="at most one"):
        DeclaredDesign(repeats_of_one_stimulus=True, condition_annotation="x")
