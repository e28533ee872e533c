"""The study's section 1: the script's numbers (data/seed_fig3.json) next to hhlif's, and the
sentence on where they agree.  Rows are made from the script's own spike indices (what an
exact reproduction gives), so no simulation runs here; the simulation itself is checked in
tests/protocols/test_seed_fig3.py."""

import copy

from hhlif.protocols.experiments import study
from hhlif.protocols.experiments.waveforms import INDEX_MS, seed_figures_of_merit, seed_reference


def _rows():
    script = seed_reference()
    rows = []
    for shape, s in script.items():
        f = seed_figures_of_merit([i * INDEX_MS for i in s["hh2"]],
                                  [i * INDEX_MS for i in s["lif2"]])
        printed = s["printed"]
        rows.append({"waveform": shape, "hh_spikes": len(s["hh2"]),
                     "circuit_spikes": len(s["lif2"]), "prints": f["prints"],
                     "mean_isi_difference_index": f["mean_isi_difference_index"],
                     "mean_isi_difference_ms": f["mean_isi_difference_ms"],
                     "spike_time_error": f["spike_time_error"], "gamma": 0.5,
                     "script_hh_spikes": len(s["hh2"]), "script_circuit_spikes": len(s["lif2"]),
                     "script_F1": printed[0] if printed else None,
                     "script_F2": printed[1] if printed else None,
                     "hh_max_dt_ms": 0.0, "circuit_same_steps": True, "agrees": True,
                     "note": f["note"]})
    return rows


def test_side_by_side_shows_the_scripts_numbers_and_hhlifs():
    table = study._table([study._side_by_side(r) for r in _rows()])
    text = "\n".join(table)
    assert "| constant | 5 / 5 | 5 / 5 | -231.75 / -231.75 | 0.040166 / 0.040166 |" in text
    assert "| sine | 8 / 8 | 8 / 8 | -480.71 / -480.71 | 0.173 / 0.17299 |" in text
    assert "| square | 7 / 7 | 6 / 6 | – / – | – / – |" in text
    assert text.count("|") % len(table) == 0  # no '|' inside a cell breaks the table


def test_sentence_says_where_they_agree_and_why_the_script_prints_nothing():
    text = study._waveforms_sentence(_rows())
    assert "On 5 of 5 waveforms" in text and "exactly the script's steps" in text
    assert "square (7 vs 6)" in text and "sawtooth (6 vs 14)" in text
    assert "one leaky integrator" in text
    rows = copy.deepcopy(_rows())
    rows[2].update(agrees=False, hh_max_dt_ms=0.001)
    text = study._waveforms_sentence(rows)
    assert "On 4 of 5" in text and "**Differences** remain on square" in text
    assert "not compared" in study._waveforms_sentence([{"waveform": "sine"}])
