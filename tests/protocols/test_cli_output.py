"""What ``hhlif run`` records, prints and writes (issue 19): spikes of every neuron and the
traces of a few (``--record``, ``--record-neurons``), ``auto`` = the fastest backend that
gives the same spikes, long tables cut on the terminal (full in ``--json``), progress of
a large write, ``--out x.nwb``, and ``-q`` printing only results and errors."""

import json
import re

import numpy as np
import pytest

from hhlif.protocols.cli.main import main

SWEEP = ["run", "sweep", "--model", "lif", "--backend", "runtime", "--set", "duration=20*ms",
         "--set", "values=linspace(2, 20, 30)*uA/cm**2"]
STEP = ["run", "step", "--model", "lif", "--backend", "runtime", "--set", "duration=5*ms"]


def _run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


# ----------------------------------------------------------------------------- auto
def test_auto_is_cpp_simd_when_its_compile_check_passes(monkeypatch):
    from hhlif.protocols.backends import get_backend, registry

    monkeypatch.setattr(registry, "simd_check", lambda: None)
    backend, reason = registry.auto_choice()
    assert backend.name == "cpp-simd" and "compile check passed" in reason
    assert get_backend("auto").name == "cpp-simd"


def test_auto_falls_back_to_cpp_then_runtime_when_the_check_fails(monkeypatch):
    from hhlif.protocols.backends import get_backend, registry

    monkeypatch.setattr(registry, "simd_check", lambda: "g++ -fopenmp-simd failed (test)")
    monkeypatch.setattr(registry, "compiler_works", lambda: True)
    backend, reason = registry.auto_choice()
    assert backend.name == "cpp" and "cpp-simd unavailable: g++ -fopenmp-simd failed" in reason
    assert get_backend("auto").name == "cpp"
    monkeypatch.setattr(registry, "compiler_works", lambda: False)
    assert registry.auto_choice()[0].name == "runtime"
    assert get_backend("auto").name == "runtime"


@pytest.mark.standalone
def test_the_simd_check_passes_where_a_compiler_works():
    from hhlif.protocols.backends import registry
    from hhlif.protocols.backends.standalone import compiler_works

    if not compiler_works():
        pytest.skip("no C++ compiler")
    assert registry.simd_check() is None
    assert registry.auto_choice()[0].name == "cpp-simd"


def test_the_auto_choice_is_one_stderr_line_silenced_by_quiet(monkeypatch, capsys):
    from hhlif.protocols.backends import registry

    runtime = registry.get_backend("runtime")
    monkeypatch.setattr(registry, "auto_choice", lambda: (runtime, "a test's reason"))
    auto = [a if a != "runtime" else "auto" for a in STEP]
    code, out, err = _run(auto, capsys)
    assert code == 0, err
    assert "hhlif: backend auto -> runtime (a test's reason)\n" in err
    code, out, err = _run(["-q"] + auto, capsys)
    assert code == 0 and err == ""


def test_help_and_list_say_what_auto_means(capsys):
    from hhlif.protocols.protocol import RECORD_FIRST_MAX

    code, out, _ = _run(["run", "--help"], capsys)
    assert code == 0
    text = " ".join(out.split())
    assert "cpp-simd if its compile check passes, else cpp" in text
    assert f"at most {RECORD_FIRST_MAX}," in text and "--record-neurons" in text
    assert ".nwb" in text
    code, out, _ = _run(["list"], capsys)
    assert "cpp-simd if its compile check passes" in out


# ----------------------------------------------------------------------------- recording
def test_first_is_capped_and_spread_over_the_conditions():
    from brian2 import ms

    from hhlif.protocols.experiments.library import make_protocol
    from hhlif.protocols.protocol import RECORD_FIRST_MAX
    from hhlif.protocols.simulation.assembly import record_indices

    p = make_protocol("fi-curve", model="lif", n=2000, duration=10 * ms)
    assert p.record_neurons == "first" and p.record == ("v",)
    labels = (np.zeros(2000, int), np.arange(2000))
    idx = record_indices(p, 2000, labels)
    assert idx.size == RECORD_FIRST_MAX and idx[0] == 0 and idx[-1] == 1999
    small = make_protocol("fi-curve", model="lif", n=4, trials=3, duration=10 * ms)
    trial, condition = np.tile(np.arange(3), 4), np.repeat(np.arange(4), 3)
    assert record_indices(small, 12, (trial, condition)).tolist() == [0, 3, 6, 9]


def test_recorded_traces_and_file_size_follow_the_options(tmp_path, capsys):
    from hhlif.protocols.protocol import RECORD_FIRST_MAX
    from hhlif.protocols.recordings.neo import read_nix

    files = {}
    for name, extra in {"default": [], "all": ["--record-neurons", "all"],
                        "none": ["--record", "none"]}.items():
        files[name] = tmp_path / f"{name}.nix"
        code, out, err = _run(SWEEP + extra + ["--out", str(files[name])], capsys)
        assert code == 0, err
        if name == "default":
            assert f"recording v, I_input of {RECORD_FIRST_MAX} of the 30 conditions" in err
        else:
            assert "recording v, I_input of" not in err
    signals = {k: read_nix(f).main.signals for k, f in files.items()}
    assert sorted(signals["default"]) == ["I_input", "v"]
    assert signals["default"]["v"].neurons.size == RECORD_FIRST_MAX
    assert signals["default"]["v"].neurons.tolist()[::9] == [0, 29]  # spread, ends included
    assert signals["all"]["v"].neurons.size == 30
    assert signals["none"] == {}
    size = {k: f.stat().st_size for k, f in files.items()}
    assert size["all"] > size["default"] > size["none"]
    for rec in map(read_nix, files.values()):  # spikes of every neuron, whatever was asked
        assert rec.main.n_neurons == 30 and np.unique(rec.main.spike_indices).size == 30


def test_record_options_become_the_protocols_fields():
    import argparse

    from hhlif.protocols.cli.run import apply_record_options, parse_record_neurons
    from hhlif.protocols.experiments.library import make_protocol

    p = make_protocol("sweep", model="lif")
    args = argparse.Namespace(record=["v", "I_input,v"], record_neurons="0,6")
    q = apply_record_options(p, args)
    assert q.record == ("v", "I_input") and q.record_neurons == [0, 6]
    assert apply_record_options(p, argparse.Namespace(record=None, record_neurons=None)) is p
    none = apply_record_options(p, argparse.Namespace(record=["none"], record_neurons="none"))
    assert none.record == () and none.record_neurons == []
    assert [parse_record_neurons(t) for t in ("all", "First", "3", "2,")] == [
        "all", "first", 3, [2]]


@pytest.mark.parametrize("extra, message", [
    (["--record-neurons", "some"], "--record-neurons='some': expected all, first, none, a"
                                   " count N >= 0 or neuron indices i,j,k"),
    (["--record-neurons", "-3"], "--record-neurons='-3': expected all, first"),
    (["--record-neurons", "0,1,9"], "--record-neurons='0,1,9': neuron 9 is beyond the 1"
                                    " neurons of this protocol (indices 0 to 0)"),
    (["--record", "none,v"], "'none' (spikes only) cannot be combined"),
    (["--record", "v-m"], "--record='v-m': expected the name of a state variable"),
    (["--record", "w"], "record=['w']: ['w'] are not variables of model 'lif'"),
])
def test_bad_record_options_one_line_exit_2(extra, message, tmp_path, capsys):
    out_file = tmp_path / "x.nix"
    code, _, err = _run(STEP + extra + ["--out", str(out_file)], capsys)
    assert code == 2 and message in err
    assert err.count("\n") == 1 and err.startswith("hhlif: error:")
    assert not out_file.exists()


def test_a_comparison_of_models_takes_no_record_options(capsys):
    code, _, err = _run(["run", "waveforms", "--record", "v"], capsys)
    assert code == 2 and "--record: protocol" in err and "takes no --record" in err


# ----------------------------------------------------------------------------- tables
def test_long_tables_are_cut_on_the_terminal_and_whole_in_json(tmp_path, capsys):
    js = tmp_path / "t.json"
    code, out, err = _run(SWEEP + ["--record", "none"], capsys)
    assert code == 0, err
    assert "... 20 rows omitted (all in --json)" in out
    rows = [line for line in out.splitlines() if line.split()[:1] and line.split()[0].isdigit()]
    assert [r.split()[0] for r in rows] == ["0", "1", "2", "3", "4", "25", "26", "27", "28",
                                            "29"]
    code, out, err = _run(SWEEP + ["--record", "none", "--json", str(js)], capsys)
    assert code == 0, err
    assert f"... 20 rows omitted (all in {js})" in out
    assert len(json.loads(js.read_text())) == 30


def test_fi_curve_table_cut_with_response_counts_and_quiet_writes_nothing_to_say(tmp_path,
                                                                                 capsys):
    js, nix, figs = tmp_path / "fi.json", tmp_path / "fi.nix", tmp_path / "figs"
    args = ["run", "fi-curve", "--model", "lif", "--backend", "runtime", "--set", "n=25",
            "--set", "i_max=20*uA/cm**2", "--set", "duration=40*ms"]
    code, out, err = _run(["-q"] + args + ["--out", str(nix), "--json", str(js),
                                           "--figures", str(figs)], capsys)
    assert code == 0, err
    assert err == "" and "wrote" not in out
    assert "... 15 rows omitted" in out
    counts = next(line for line in out.splitlines() if line.startswith("25 currents: "))
    numbers = dict((k, int(n)) for n, k in re.findall(r"(\d+) (silent|onset only|sustained)",
                                                      counts))
    assert sum(numbers.values()) == 25 and numbers["silent"] > 0 and numbers["sustained"] > 0
    assert len(json.loads(js.read_text())["rows"]) == 25
    assert nix.is_file() and (figs / "run_fi_curve.png").is_file()
    code, out, err = _run(args + ["--out", str(nix), "--json", str(js), "--figures", str(figs),
                                  "--force"], capsys)
    assert code == 0, err
    assert f"wrote {js}" in out and f"wrote {figs / 'run_fi_curve.png'}" in out


def test_rheobase_line_gives_the_range_of_a_long_onset_list():
    from hhlif.protocols.experiments.library import rheobase_text

    rows = [{"amplitude_uA_cm2": a / 10, "response": "onset only" if a < 40 else "sustained"}
            for a in range(10, 50)]
    text = rheobase_text(rows)
    assert "onset spikes only at 30 currents from 1 to 3.9 uA/cm**2" in text
    assert "sustained firing from 4 uA/cm**2" in text


# ----------------------------------------------------------------------------- writing
def test_a_large_write_says_so_and_how_long_it_took(tmp_path, monkeypatch, capsys):
    from hhlif.protocols.cli import run as cli_run

    monkeypatch.setattr(cli_run, "LARGE_RECORDING", {"neurons": 1, "spikes": 10**9,
                                                     "samples": 10**9})
    out_file = tmp_path / "big.nix"
    code, out, err = _run(STEP + ["--out", str(out_file)], capsys)
    assert code == 0, err
    assert f"hhlif: writing {out_file} (1 neurons, " in err and " spikes, " in err
    line = next(line for line in out.splitlines() if line.startswith("wrote"))
    assert line.startswith(f"wrote {out_file} (") and line.endswith(" s)")
    code, out, err = _run(["-q"] + STEP + ["--out", str(out_file), "--force"], capsys)
    assert code == 0 and err == "" and "wrote" not in out


def test_out_nwb_goes_to_the_nwb_writer(tmp_path, monkeypatch, capsys):
    nwb = pytest.importorskip("hhlif.protocols.recordings.nwb")
    calls = []

    def fake(recording, path, force=False):
        calls.append((recording.protocol, str(path), force))
        return path

    monkeypatch.setattr(nwb, "write_nwb", fake)
    out_file = tmp_path / "x.nwb"
    code, out, err = _run(STEP + ["--out", str(out_file)], capsys)
    assert code == 0, err
    assert calls == [("step", str(out_file), False)] and f"wrote {out_file}" in out


def test_out_nwb_writes_a_file_that_info_reads(tmp_path, capsys):
    pytest.importorskip("pynwb")
    pytest.importorskip("hhlif.protocols.recordings.nwb")
    out_file = tmp_path / "x.nwb"
    code, _, err = _run(STEP + ["--out", str(out_file)], capsys)
    assert code == 0, err
    code, out, err = _run(["info", str(out_file)], capsys)
    assert code == 0 and "1 spike trains" in out, err


@pytest.mark.parametrize("suffix", [".nix", ".nwb", ".NWB"])
def test_an_existing_output_is_refused_before_running(suffix, tmp_path, monkeypatch, capsys):
    from hhlif.protocols.simulation import running

    ran = []
    monkeypatch.setattr(running, "run", lambda *a, **k: ran.append(1))
    out_file = tmp_path / f"x{suffix}"
    out_file.write_text("keep me")
    code, _, err = _run(STEP + ["--out", str(out_file)], capsys)
    assert code == 2 and "exists; pass --force" in err and err.count("\n") == 1
    assert ran == [] and out_file.read_text() == "keep me"


@pytest.mark.parametrize("name", ["x.txt", "x.h5", "x"])
def test_an_unknown_out_suffix_names_the_option_and_the_formats(name, tmp_path, capsys):
    out_file = tmp_path / name
    code, _, err = _run(STEP + ["--out", str(out_file)], capsys)
    assert code == 2 and err.count("\n") == 1
    assert f"--out={str(out_file)!r}: expected a path ending in .nix (NIX) or .nwb (NWB)" in err
    assert not out_file.exists()
