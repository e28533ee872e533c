"""Tests of hhlif.analysis.design: the design_json annotation read back as a Design."""
import json

import neo
import numpy as np
import pytest
import quantities as pq

from hhlif.analysis import load_spikes
from hhlif.analysis.design import DESIGN_ANNOTATION, Design, recorded_design
from hhlif.analysis.errors import AnalysisInputError

#: The layout hhlif.protocols writes (Protocol.design()), as a sweep of three amplitudes.
SWEEP = {"frozen_stimulus": True, "time_varying_stimulus": False, "trials": 8,
         "n_conditions": 3, "stimulus": "Step",
         "conditions": {"names": ["amplitude"], "values": {"amplitude": [2.0, 3.0, 5.0]},
                        "units": {"amplitude": "uA/cm**2"}}}
#: A frozen-noise run: one condition, nothing varied.
FROZEN = {"frozen_stimulus": True, "time_varying_stimulus": True, "trials": 60,
          "n_conditions": 1, "stimulus": "OUNoise",
          "conditions": {"names": [], "values": {}, "units": {}}}


def _block(design):
    block = neo.Block(hhlif_format=1, protocol="whatever")
    if design is not None:
        block.annotations[DESIGN_ANNOTATION] = (design if isinstance(design, str)
                                                else json.dumps(design))
    seg = neo.Segment(trial=0, condition=0, condition_label="")
    seg.spiketrains.append(neo.SpikeTrain([1.0] * pq.ms, t_stop=10 * pq.ms, neuron=0,
                                          population="hh", trial=0, condition=0))
    block.segments.append(seg)
    return block


def test_design_reads_every_field():
    d = recorded_design(_block(SWEEP))
    assert isinstance(d, Design)
    assert (d.frozen_stimulus, d.time_varying_stimulus, d.trials, d.n_conditions) == \
        (True, False, 8, 3)
    assert d.condition_names == ("amplitude",) and d.stimulus == "Step"
    assert d.condition_values == {"amplitude": (2.0, 3.0, 5.0)}
    assert d.condition_units == {"amplitude": "uA/cm**2"}
    assert d.condition(2) == {"amplitude": 5.0}
    assert d.to_dict() == SWEEP                      # the layout round-trips exactly
    assert Design.from_dict(d.to_dict()) == d
    assert d.describe() == "3 conditions (amplitude) x 8 trials, constant stimulus Step (frozen)"


def test_which_design_is_the_direct_method():
    assert recorded_design(_block(FROZEN)).repeats_one_stimulus
    assert not recorded_design(_block(SWEEP)).repeats_one_stimulus       # several conditions
    for change in ({"time_varying_stimulus": False}, {"frozen_stimulus": False}, {"trials": 1}):
        assert not Design.from_dict({**FROZEN, **change}).repeats_one_stimulus, change
    several = Design.from_dict({**FROZEN, "n_conditions": 2, "conditions": {
        "names": ["sigma"], "values": {"sigma": [1.0, 2.0]}, "units": {"sigma": "1"}}})
    assert not several.repeats_one_stimulus and several.trials_repeat_a_waveform


def test_no_design_is_none():
    assert recorded_design(_block(None)) is None
    assert recorded_design({}) is None


def test_design_survives_a_nix_file_and_load_spikes(build, tmp_path):
    path = build.write_nix(_block(SWEEP), tmp_path / "sweep.nix")
    data = load_spikes(path)
    assert recorded_design(data).to_dict() == SWEEP
    assert recorded_design(data.annotations).to_dict() == SWEEP


@pytest.mark.parametrize("design, match", [
    ("{not json", r"design_json is not valid JSON"),
    ("[1, 2]", r"expected a JSON object"),
    ({k: v for k, v in FROZEN.items() if k != "trials"}, r"lacks \['trials'\]"),
    ({**FROZEN, "trials": 0}, r"trials=0: expected an integer >= 1"),
    ({**FROZEN, "trials": True}, r"trials=True: expected an integer"),
    ({**FROZEN, "frozen_stimulus": "yes"}, r"frozen_stimulus='yes': expected true or false"),
    ({**SWEEP, "conditions": {**SWEEP["conditions"], "values": {"amplitude": [2.0, 3.0]}}},
     r"values of condition 'amplitude' = \[2.0, 3.0\]: expected 3 finite numbers"),
    ({**SWEEP, "conditions": {**SWEEP["conditions"], "units": {}}},
     r"condition 'amplitude': expected its values and its unit"),
    ({**SWEEP, "conditions": {**SWEEP["conditions"],
                              "values": {"amplitude": ["a", "b", "c"]}}},
     r"expected a list of numbers"),
])
def test_a_wrong_design_is_an_error_naming_the_recording(design, match, build, tmp_path):
    with pytest.raises(AnalysisInputError, match=match):
        recorded_design(_block(design))
    path = build.write_nix(_block(design), tmp_path / "bad.nix")
    with pytest.raises(AnalysisInputError, match=r"bad\.nix: block annotation design_json"):
        recorded_design(load_spikes(path))


def test_recorded_design_refuses_other_objects():
    with pytest.raises(AnalysisInputError, match="source of type ndarray"):
        recorded_design(np.zeros(3))
