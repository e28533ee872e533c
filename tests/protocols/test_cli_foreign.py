"""The analysis commands on other tools' files (data/interop): identity, counts, the design.

The numbers the commands print are checked in tests/analysis (against Elephant, identity
matched by hand); here: what the user sees, one line per refusal, exit status 2.
"""
import subprocess
import sys
from pathlib import Path

import pytest

from hhlif.protocols.cli.main import main

INTEROP = Path(__file__).resolve().parents[2] / "data" / "interop"
PYNN = str(INTEROP / "pynn_nest_if_cond_exp.nix")
ORDERED, REORDERED = str(INTEROP / "neo_ordered.nix"), str(INTEROP / "neo_reordered.nix")
MISSING, POSITIONAL = str(INTEROP / "neo_missing_unit.nix"), str(INTEROP / "neo_positional.nix")


def _run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def _row(text, label):
    return next(line for line in text.splitlines() if line.strip().startswith(label))


def test_info_counts_neurons_trials_trains_and_keeps_the_population_name(capsys):
    code, out, err = _run(["info", PYNN], capsys)
    assert code == 0, err
    assert "7 neurons, 2 trials, 14 trains" in out and "population 'exc_cells'" in out


def test_analyze_gives_the_same_fano_factor_whatever_the_train_order(capsys):
    code, ordered, err = _run(["analyze", ORDERED], capsys)
    assert code == 0, err
    code, reordered, err = _run(["analyze", REORDERED], capsys)
    assert code == 0, err
    assert _row(ordered, "Fano factor") == _row(reordered, "Fano factor")
    assert _row(reordered, "neurons ").split()[-1] == "7"
    assert _row(reordered, "trains (a neuron").split()[-1] == "14"


def test_compare_pairs_by_identity_and_names_what_it_could_not_pair(capsys):
    code, out, err = _run(["compare", ORDERED, REORDERED], capsys)
    assert code == 0, err
    assert "1.0000" in _row(out, "coincidence factor")
    code, out, err = _run(["compare", ORDERED, MISSING], capsys)
    assert code == 0, err
    assert "unit05 (trial 1)" in _row(out, "not paired (reference)")


def test_position_pairing_is_a_one_line_warning():
    # as the user runs it (pytest's own settings turn warnings into errors in-process)
    done = subprocess.run([sys.executable, "-m", "hhlif.protocols.cli", "analyze", POSITIONAL],
                          capture_output=True, text=True)
    assert done.returncode == 0 and "position" in _row(done.stdout, "neurons identified by")
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("hhlif: warning:")
    assert "position in each segment" in done.stderr


@pytest.mark.parametrize("args, message", [
    (["mi", PYNN], "declare it: --repeats-of-one-stimulus"),
    (["mi", PYNN, "--repeats-of-one-stimulus"], "each has at most 2 repeats"),
    (["mi", PYNN, "--condition-annotation", "stimulus"], "have no such annotation"),
    (["mi", PYNN, "--repeats-of-one-stimulus", "--condition-per-segment"], "not allowed with"),
])
def test_mi_on_a_foreign_file_refuses_in_one_line_until_the_design_fits(args, message, capsys):
    code, _, err = _run(args, capsys)
    assert code == 2 and message in err
    assert err.count("\n") == 1


def test_mi_with_a_condition_per_segment(capsys):
    code, out, err = _run(["mi", POSITIONAL, "--condition-per-segment", "--method", "plugin"],
                          capsys)
    assert code == 0, err
    assert "trials      14, stimuli 2" in out and err == ""
