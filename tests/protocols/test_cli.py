"""The hhlif CLI: the done-when command, and every bad input gives one clear line and exit 2."""

import subprocess
import sys
from pathlib import Path

import pytest

from hhlif.protocols.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "protocols" / "examples"


def _run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_shows_models_protocols_backends(capsys):
    code, out, _ = _run(["list"], capsys)
    assert code == 0
    for word in ("hh", "hh-shifted", "lif", "step", "fi-curve", "frozen-noise", "cpp", "runtime"):
        assert word in out


@pytest.mark.standalone
def test_run_step_writes_nix_that_plain_neo_reads(tmp_path, capsys):
    out_file = tmp_path / "x.nix"
    code, out, err = _run(["run", "step", "--model", "hh", "--set", "amplitude=10*uA/cm**2",
                           "--out", str(out_file), "--figures", str(tmp_path / "figs")], capsys)
    assert code == 0, err
    assert out_file.is_file() and (tmp_path / "figs" / "run_traces.png").is_file()
    import neo
    from neo.io import NixIO

    with NixIO(str(out_file), mode="ro") as io:
        block = io.read_block()
    assert isinstance(block, neo.Block) and len(block.segments[0].spiketrains[0]) > 3
    code, out, _ = _run(["info", str(out_file)], capsys)
    assert code == 0 and "protocol 'step'" in out


@pytest.mark.parametrize("args, message", [
    (["run", "step", "--model", "izh"], "model 'izh': unknown model; valid models are"),
    (["run", "stepp"], "protocol 'stepp': unknown protocol; valid protocols are"),
    (["run", "step", "--backend", "gpu"], "backend 'gpu': unknown backend"),
    (["run", "step", "--set", "foo=1"], "parameter 'foo': not a parameter of protocol 'step'"),
    (["run", "step", "--set", "amplitude=10*mV"], "'amplitude'"),
    (["run", "step", "--set", "duration=-5*ms"], "'duration'"),
    (["run", "step", "--set", "amplitude=nan*uA/cm**2"], "NaN"),
    (["run", "step", "--dt", "0*ms"], "'dt'"),
    (["run", "step", "--set", "amplitude=__import__('os')"], "expected a number with Brian2 units"),
    (["run", "step", "--set", "amplitude=10*parsec"], "unknown unit 'parsec'"),
    (["info", "/nonexistent/file.nix"], "no such file"),
])
def test_bad_input_one_clear_line_exit_2(args, message, capsys):
    code, _, err = _run(args, capsys)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and err.startswith("hhlif: error:")


def test_unreadable_input_file(tmp_path, capsys):
    bad = tmp_path / "bad.nix"
    bad.write_text("garbage")
    code, _, err = _run(["info", str(bad)], capsys)
    assert code == 2 and "cannot be opened as a NIX file" in err


@pytest.mark.standalone
def test_existing_output_needs_force(tmp_path, capsys):
    out_file = tmp_path / "x.nix"
    out_file.write_text("keep me")
    code, _, err = _run(["run", "step", "--model", "lif", "--out", str(out_file)], capsys)
    assert code == 2 and "exists; pass --force" in err
    assert out_file.read_text() == "keep me"
    code, _, err = _run(["run", "step", "--model", "lif", "--set", "duration=20*ms",
                         "--out", str(out_file), "--force"], capsys)
    assert code == 0, err


@pytest.mark.standalone
def test_diverging_integration_is_reported_with_advice(capsys):
    code, _, err = _run(["run", "step", "--model", "hh", "--dt", "0.2*ms", "--method", "rk4",
                         "--set", "amplitude=100*uA/cm**2", "--set", "duration=30*ms"], capsys)
    assert code == 2
    assert "integration diverged" in err and "smaller dt" in err


def test_console_script_is_installed():
    result = subprocess.run([sys.executable, "-m", "hhlif.protocols.cli", "list"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "models:" in result.stdout


@pytest.mark.standalone
def test_analysis_commands_on_hhlif_output(tmp_path, capsys):
    """run → NIX → analyze / compare / mi through the CLI (the data flow end to end)."""
    nix = tmp_path / "n.nix"
    code, _, err = _run(["run", "frozen-noise", "--model", "lif", "--set", "trials=20",
                         "--set", "duration=300*ms", "--out", str(nix)], capsys)
    assert code == 0, err
    code, out, err = _run(["analyze", str(nix), "--json", str(tmp_path / "s.json"),
                           "--figures", str(tmp_path / "figs")], capsys)
    assert code == 0, err
    assert "Fano factor" in out and (tmp_path / "s.json").is_file()
    assert (tmp_path / "figs" / "raster.png").is_file()
    code, out, err = _run(["compare", str(nix), str(nix)], capsys)
    assert code == 0, err  # a recording against itself: Γ = 1
    assert "1.0000" in out
    code, out, err = _run(["mi", str(nix), "--json", str(tmp_path / "mi.json"),
                           "--figures", str(tmp_path / "figs")], capsys)
    assert code == 0, err
    assert "bits/s" in out and "CI" in out
    assert (tmp_path / "figs" / "mi_extrapolation.png").is_file()


def test_mi_of_a_sweep_with_count_or_word_responses(tmp_path, capsys):
    """Three deterministic LIF conditions: counts separate them perfectly, so the
    information is log2(3) = 1.585 bits before bias correction, whatever the response."""
    nix = tmp_path / "s.nix"
    code, _, err = _run(["run", "sweep", "--model", "lif", "--set", "values=2,3,5",
                         "--set", "trials=8", "--set", "duration=100*ms", "--backend", "runtime",
                         "--out", str(nix)], capsys)
    assert code == 0, err
    code, out, err = _run(["mi", str(nix)], capsys)
    assert code == 0, err
    assert "response count" in out and "plug-in     1.5850 bits" in out
    code, out, err = _run(["mi", str(nix), "--response", "words", "--bin", "2*ms", "--word", "6",
                           "--window", "20*ms,100*ms"], capsys)
    assert code == 0, err
    assert "response words in [0.02," in out and "plug-in     1.5850 bits" in out
    # words before the step starts hold no spike: a clear error, exit status 2
    code, _, err = _run(["mi", str(nix), "--response", "words", "--word", "6"], capsys)
    assert code == 2 and "fired no spike" in err
    code, _, err = _run(["mi", str(nix), "--window", "20*ms"], capsys)
    assert code == 2 and "START,STOP" in err


def test_equivalence_command_prints_ratios_and_resumes_from_its_cache(tmp_path, capsys,
                                                                      monkeypatch):
    """``hhlif equivalence`` end to end on a tiny task: LIF network of N = 3 against LIF."""
    import json
    import re

    monkeypatch.setenv("HHLIF_CACHE", str(tmp_path / "cache"))
    args = ["equivalence", "--reference", "lif", "--candidate", "lif", "--size", "3",
            "--metric", "stats", "--metric", "reliability", "--seeds", "2",
            "--scheduler", "serial", "--n-max", "6", "--resolution", "0.5",
            "--set", "repeats=5", "--set", "duration_ms=30", "--set", "bin_ms=10",
            "--set", "noise_sources=20", "--cache", str(tmp_path / "sweeps"),
            "--json", str(tmp_path / "eq.json"), "--figures", str(tmp_path / "figs")]
    code, out, err = _run(args, capsys)
    assert code == 0, err
    for metric in ("stats", "reliability"):
        line = re.search(rf"^lif vs lif \(N = 3\), {metric}: n/N = (\S+) \[(\S+), (\S+)\]", out,
                         re.M)
        assert line, out
        assert (tmp_path / "figs" / f"equivalence_{metric}.png").is_file()
    payload = json.loads((tmp_path / "eq.json").read_text())
    assert set(payload) == {"stats", "reliability"}
    stats = payload["stats"]
    # the stats search never evaluates a single neuron (no noise correlation there)
    assert min(p["n"] for p in stats["points"]) >= 2
    assert stats["direction"] == "decreasing" and len(stats["reference_values"]) == 2
    computed = stats["provenance"]["sweep"]["computed"]
    assert computed >= 4   # 2 reference seeds and at least one size of 2 candidate seeds
    # the JSON is not overwritten without --force; with it, every simulation is cached
    code, _, err = _run(args, capsys)
    assert code == 2 and "--force" in err
    # --force replaces the outputs and keeps the cache; --recompute ignores the cache
    code, out, err = _run(args + ["--force"], capsys)
    assert code == 0, err
    again = json.loads((tmp_path / "eq.json").read_text())["stats"]
    assert again["provenance"]["sweep"]["computed"] == 0
    assert again["points"] == stats["points"]
    code, out, err = _run(args + ["--force", "--recompute"], capsys)
    assert code == 0, err
    again = json.loads((tmp_path / "eq.json").read_text())["stats"]
    assert again["provenance"]["sweep"]["computed"] == computed   # --recompute recomputes
    assert again["points"] == stats["points"]                     # same seeds, same numbers
    # a new output without --force: every simulation comes from the sweep cache
    renamed = {str(tmp_path / "eq.json"): str(tmp_path / "eq2.json"),
               str(tmp_path / "figs"): str(tmp_path / "figs2")}
    resumed = [renamed.get(a, a) for a in args]
    code, out, err = _run(resumed, capsys)
    assert code == 0, err
    cached = json.loads((tmp_path / "eq2.json").read_text())["stats"]
    assert cached["provenance"]["sweep"]["computed"] == 0
    assert cached["provenance"]["sweep"]["cached"] == computed
    assert cached["points"] == stats["points"]


def test_present_checks_every_output_before_running(tmp_path, monkeypatch):
    """From Python, as on the command line: an existing output is refused before the run."""
    from brian2 import ms

    from hhlif.analysis.errors import OutputExistsError
    from hhlif.protocols import Protocol
    from hhlif.protocols.cli import run as cli_run
    from hhlif.protocols.simulation import running

    out = tmp_path / "r.nix"
    out.write_text("earlier")
    ran = []
    monkeypatch.setattr(running, "run", lambda *a, **k: ran.append(1))
    with pytest.raises(OutputExistsError):
        cli_run.present(Protocol(model="lif", duration=10 * ms), backend="runtime", out=out)
    assert ran == [] and out.read_text() == "earlier"
