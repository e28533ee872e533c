"""Bad input to ``hhlif run`` (and the run API): one clear line, exit 2, nothing written.

Each case runs through :func:`hhlif.protocols.cli.main` in a folder that already holds a
file (``keep.json``); after the call the folder's files and their checksums must be exactly
what they were, so a refused command neither writes nor replaces anything.
"""

import hashlib
import os
import stat
from pathlib import Path

import pytest

from hhlif.protocols.cli.main import main


def _snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _prepare(tmp_path: Path) -> Path:
    (tmp_path / "keep.json").write_text('{"kept": true}\n')
    (tmp_path / "afile").write_text("not a folder\n")
    (tmp_path / "figs").mkdir()
    (tmp_path / "figs" / "run_raster.png").write_bytes(b"an earlier figure")
    (tmp_path / "exits.py").write_text("import sys\nsys.exit(3)\n")
    (tmp_path / "noproto.py").write_text("x = 1\n")
    return tmp_path


RUN = ["run", "step", "--model", "lif", "--backend", "runtime", "--set", "duration=5*ms"]

# (arguments with {d} for the case's folder, text the one error line must contain)
CASES = [
    (RUN + ["--out", "{d}/x.txt"], "--out='{d}/x.txt': expected a path ending in .nix (NIX)"
                                   " or .nwb (NWB)"),
    (RUN + ["--out", "{d}/afile/x.nix"], "is a file, not a folder"),
    (RUN + ["--out", "{d}/new.nix", "--json", "{d}/keep.json"], "output '{d}/keep.json' exists;"
                                                                " pass --force"),
    (RUN + ["--out", "{d}/same.nix", "--json", "{d}/same.nix"], "is named twice"),
    (RUN + ["--json", "{d}/figs"], "is a folder; expected a file path"),
    (RUN + ["--figures", "{d}/afile"], "--figures='{d}/afile' is a file; expected a folder"),
    (RUN + ["--figures", "{d}/figs"], "output '{d}/figs/run_raster.png' exists; pass --force"),
    (RUN + ["--json", "{d}/afile/s.json"], "is a file, not a folder"),
    (["run", "step", "--backend", "runtime", "--set", "trials=10**9"],
     "protocol size: 1e+09 model neurons (trials=1000000000 x 1 conditions)"),
    (["run", "step", "--backend", "runtime", "--set", "duration=1e9*second"],
     "of memory"),
    (RUN + ["--set", "amplitude=2**2**40*uA/cm**2"], "exponent 1.09951e+12 is too large"),
    (["run", "sweep", "--backend", "runtime", "--set", "values=[1, 2]*10**9"],
     "a list times a number repeats the list"),
    (RUN + ["--set", "start=1*s"], "parameter 'start'='1*s': unknown unit 's' (Brian2 writes"
                                   " seconds as 'second'"),
    (RUN + ["--set", "amplitude=" + "1" * 20000], "expected at most 10000"),
    (["run", "step", "--backend", "nope"], "backend 'nope': unknown backend; valid backends are"),
    (RUN + ["--threads", "0"], "--threads=0: expected an integer >= 1"),
    (RUN + ["--seed", "-1"], "--seed=-1: expected an integer >= 0"),
    (["run", "{d}/exits.py", "--backend", "runtime"], "called sys.exit(3) before defining a"
                                                      " protocol"),
    (["run", "{d}/noproto.py", "--backend", "runtime"], "defines no protocol"),
    (["run", "{d}/missing.py"], "protocol script '{d}/missing.py' does not exist"),
    (RUN + ["--set", "amplitude"], "expected KEY=VALUE"),
    (RUN + ["--dt=-1*ms"], "parameter 'dt'=-1*ms: expected a time > 0"),
    (RUN + ["--dt", "-1*ms"], "argument --dt: expected one argument (see hhlif run --help)"),
    (RUN + ["--threads", "two"], "argument --threads: invalid int value: 'two'"),
    (RUN + ["--set", "amplitude=3*mV"], "expected a current density such as 10*uA/cm**2, got a"
                                        " voltage"),
    (["run", "step", "--backend", "runtime", "--model", "lif", "--set", "V_reset=-40*mV"],
     "parameter 'V_reset'=-40*mV: expected a value below V_th"),
    (["run", "step", "--backend", "runtime", "--model", "lif", "--set", "C_m=0*uF/cm**2"],
     "parameter 'C_m'=0*uF/cm**2: expected a membrane capacitance > 0"),
    (["run", "step", "--backend", "runtime", "--model", "lif", "--set", "t_ref=-1*ms"],
     "'t_ref'=-1*ms: expected"),
    (["run", "step", "--backend", "runtime", "--model", "hh", "--set", "g_K=-1*mS/cm**2"],
     "'g_K'=-1*mS/cm**2: expected"),
    (["run", "waveforms", "--backend", "runtime", "--set", "C_m=2*uF/cm**2"],
     "protocol 'waveforms' compares models with their own parameters"),
    (["run", "fi-curve", "--backend", "runtime", "--set", "n=0"],
     "protocol 'fi-curve' parameter 'n'=0: expected an integer >= 1"),
    (["run", "sweep", "--backend", "runtime", "--set", "values=linspace(1, 2, 10**7)*uA/cm**2"],
     "num must be a whole number from 1 to 100000"),
]


@pytest.mark.parametrize("args, message", CASES, ids=[" ".join(c[0][1:2] + c[0][-2:])
                                                       for c in CASES])
def test_run_bad_input_one_line_exit_2_nothing_written(args, message, tmp_path, capsys):
    folder = _prepare(tmp_path)
    before = _snapshot(folder)
    argv = [a.format(d=folder) for a in args]
    code = main(argv)
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert code == 2, captured.err
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("hhlif: error: ")
    assert message.format(d=folder) in lines[0]
    assert "Traceback" not in captured.err + captured.out
    assert "m^2 kg" not in lines[0] and "metre" not in lines[0]
    assert _snapshot(folder) == before


def test_read_only_output_folder_refused_before_the_run(tmp_path, capsys, monkeypatch):
    """Tests run as root, which may write anywhere: a read-only folder is simulated by
    ``os.access`` saying no, which is what the check asks."""
    folder = _prepare(tmp_path)
    locked = folder / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == locked
                        else real_access(p, mode, **kw))
    before = _snapshot(folder)
    for option in ("--out", "--json"):
        target = locked / ("x.nix" if option == "--out" else "x.json")
        code = main(RUN + ["--out", str(folder / "first.nix"), option, str(target)]
                    if option == "--json" else RUN + [option, str(target)])
        err = capsys.readouterr().err
        assert code == 2 and f"folder {str(locked)!r} is not writable" in err
    code = main(RUN + ["--figures", str(locked / "figs")])
    assert code == 2 and "is not writable" in capsys.readouterr().err
    assert _snapshot(folder) == before  # first.nix was not written either


def test_outputs_get_the_umask_permissions(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        code = main(RUN + ["--out", str(tmp_path / "r.nix"), "--json", str(tmp_path / "r.json"),
                           "--figures", str(tmp_path / "figs")])
    finally:
        os.umask(old)
    assert code == 0, capsys.readouterr().err
    for path in [tmp_path / "r.nix", tmp_path / "r.json", *(tmp_path / "figs").glob("*.png")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_run_and_analyze_share_a_figures_folder(tmp_path, capsys):
    """The README's order: run --figures figs/, then analyze --figures figs/."""
    nix = tmp_path / "x.nix"
    assert main(RUN + ["--out", str(nix), "--figures", str(tmp_path / "figs")]) == 0
    code = main(["analyze", str(nix), "--json", str(tmp_path / "s.json"),
                 "--figures", str(tmp_path / "figs")])
    assert code == 0, capsys.readouterr().err
    names = {p.name for p in (tmp_path / "figs").glob("*.png")}
    assert "run_raster.png" in names and "raster.png" in names


def test_conventions_version_quiet_backend_choice_threads_warning(tmp_path, capsys):
    from hhlif.protocols._version import __version__

    assert main(["--version"]) == 0
    assert f"hhlif {__version__}" in capsys.readouterr().out
    assert main(["run", "step", "--model", "lif", "--set", "duration=5*ms"]) == 0
    err = capsys.readouterr().err
    assert any(f"hhlif: backend auto -> {name} (" in err for name in ("cpp-simd", "cpp",
                                                                       "runtime")), err
    assert main(RUN + ["--threads", "2"]) == 0
    assert "--threads=2 applies to the C++ backends" in capsys.readouterr().err
    assert main(["-q", "run", "step", "--model", "lif", "--set", "duration=5*ms",
                 "--out", str(tmp_path / "q.nix")]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "wrote" not in captured.out
    assert (tmp_path / "q.nix").is_file()
    assert main(["run", "--help"]) == 0
    help_text = capsys.readouterr().out
    for backend in ("runtime", "cpp", "cpp-simd", "cuda", "auto"):
        assert backend in help_text


def test_size_limit_in_the_python_api_and_its_override():
    from brian2 import ms, second, uA, cm

    from hhlif.models.errors import ParameterError
    from hhlif.protocols import Protocol, stimuli
    from hhlif.protocols.simulation.running import check_size, estimate_size, run

    huge = Protocol(model="lif", stimulus=stimuli.Constant(2 * uA / cm**2),
                    duration=1e9 * second, record=())
    est = estimate_size(huge)
    assert est["neuron_steps"] == pytest.approx(1e9 / 1e-5, rel=1e-6)  # lif: dt 0.01 ms
    with pytest.raises(ParameterError, match="neuron-steps, at least .* h on 'runtime'"):
        run(huge, backend="runtime")
    small = Protocol(model="lif", stimulus=stimuli.Constant(2 * uA / cm**2), duration=5 * ms)
    assert check_size(small, "runtime")["bytes"] < 1e6
    rec = run(small, backend="runtime", size_limit=False)
    assert rec.simulated_ms == pytest.approx(5.0)


def test_value_parser_returns_fast_on_huge_expressions():
    import time

    from hhlif.models.errors import ParameterError
    from hhlif.models.parsing import parse_value

    t0 = time.perf_counter()
    for text in ("2**2**40", "9**9**9", "(10**300)*(10**300)*uA/cm**2", "[1]*10**12"):
        with pytest.raises(ParameterError):
            parse_value(text, "x")
    assert time.perf_counter() - t0 < 5.0
    assert parse_value("2**10", "x") == 1024
