"""Bad input to ``hhlif equivalence``, ``hhlif study`` and ``hhlif cache`` (issue 13).

Every case goes through :func:`hhlif.protocols.cli.main`: exit status 2, exactly one line
on stderr that names the parameter, the value and what was expected, no traceback, nothing
run, and nothing written or lost (checksums of every file before and after).
"""
import hashlib
import socket

import pytest

from hhlif.protocols.cli.main import main


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = _free_port()   # nothing listens there

#: (arguments, words the one line must contain)
CASES = {
    "size zero": (["equivalence", "--size", "0"], ["--size='0'", ">= 1"]),
    "pooled search too large": (["equivalence", "--size", "10**9"],
                                ["pooled search too large", "--size=1000000000", "Brian2 units",
                                 "--no-size-limit"]),
    "pooled seeds too many": (["equivalence", "--seeds", "10**7"],
                              ["--seeds=10000000", "at most 1000"]),
    "tolerance of the size search": (["equivalence", "--tolerance", "0.1"],
                                     ["--tolerance", "--search bisect"]),
    "size too large": (["equivalence", "--search", "bisect", "--size", "10**9"],
                       ["--size=1000000000", "of memory (limit", "CPU-hours (limit",
                        "--no-size-limit"]),
    "size tower": (["equivalence", "--size", "2**2**40"],
                   ["--size='2**2**40'", "expected an integer"]),
    "size words": (["equivalence", "--size", "twenty"], ["--size='twenty'", "expected an integer"]),
    "one seed": (["equivalence", "--seeds", "1"], ["--seeds='1'", ">= 2"]),
    "seeds too many": (["equivalence", "--search", "bisect", "--seeds", "10**7"],
                       ["--seeds=10000000", "CPU-hours (limit 48"]),
    "n-max too large": (["equivalence", "--search", "bisect", "--n-max", "10**12"],
                        ["--n-max=1000000000000", "of memory (limit"]),
    "n-max below the metric's minimum": (["equivalence", "--metric", "stats", "--n-max", "1"],
                                         ["--n-max='1'", ">= 2"]),
    "ei network of one": (["equivalence", "--protocol", "ei-classes", "--size", "1"],
                          ["--size='1'", ">= 2"]),
    "setting not a value": (["equivalence", "--set", "repeats=10**"],
                            ["'repeats'='10**'", "not a value"]),
    "setting too large": (["equivalence", "--search", "bisect", "--set", "repeats=1000000000"],
                          ["repeats=1000000000", "of memory (limit"]),
    "too few repeats": (["equivalence", "--set", "repeats=2"], ["'repeats'=2", ">= 5"]),
    "negative duration": (["equivalence", "--set", "duration_ms=-5"],
                          ["'duration_ms'=-5", "> 0"]),
    "probability above one": (["equivalence", "--set", "connection_probability=2"],
                              ["'connection_probability'=2", "<= 1"]),
    "unknown setting": (["equivalence", "--set", "nope=1"], ["'nope'", "valid settings"]),
    "unknown backend": (["equivalence", "--backend", "nope"],
                        ["backend 'nope'", "valid backends"]),
    "not a scheduler": (["equivalence", "--scheduler", "lokal"],
                        ["--scheduler='lokal'", "expected 'local', 'serial'"]),
    "unreachable scheduler": (["equivalence", "--scheduler", f"tcp://127.0.0.1:{PORT}"],
                              [f"--scheduler='tcp://127.0.0.1:{PORT}'", "cannot connect",
                               "expected the address of a running Dask scheduler"]),
    "unknown metric": (["equivalence", "--metric", "nope"], ["--metric='nope'", "valid metrics"]),
    "unknown task": (["equivalence", "--protocol", "nope"], ["--protocol='nope'", "valid are"]),
    "unknown model": (["equivalence", "--reference", "nope"],
                      ["--reference='nope'", "valid models"]),
    "resolution above one": (["equivalence", "--resolution", "1.5"],
                             ["--resolution='1.5'", "(0, 1)"]),
    "negative tolerance": (["equivalence", "--tolerance", "-1"], ["--tolerance='-1'", ">= 0"]),
    "no workers": (["equivalence", "--workers", "0"], ["--workers='0'", ">= 1"]),
    "json exists": (["equivalence", "--json", "exists.json"],
                    ["--json='exists.json'", "exists", "--force"]),
    "json under a file": (["equivalence", "--json", "afile.txt/r.json"],
                          ["--json='afile.txt/r.json'", "is a file, not a folder"]),
    "figures is a file": (["equivalence", "--figures", "afile.txt"],
                          ["--figures='afile.txt'", "expected a folder"]),
    "figure exists": (["equivalence", "--figures", "figs"],
                      ["--figures='figs'", "equivalence_mi.png", "--force"]),
    "cache is a file": (["equivalence", "--cache", "afile.txt"],
                        ["--cache='afile.txt'", "is a file, not a folder"]),
    "study into earlier results": (["study", "--out", "old"],
                                   ["--out='old'", "earlier study", "report.md", "--force"]),
    "study out is a file": (["study", "--out", "afile.txt"],
                            ["--out='afile.txt'", "expected a folder"]),
    "study unknown backend": (["study", "--backend", "nope"], ["backend 'nope'", "valid backends"]),
    "study not a scheduler": (["study", "--scheduler", "lokal"],
                              ["--scheduler='lokal'", "expected 'local'"]),
    "study unreachable scheduler": (["study", "--scheduler", f"127.0.0.1:{PORT}"],
                                    [f"--scheduler='127.0.0.1:{PORT}'", "cannot connect"]),
    "study no workers": (["study", "--workers", "0"], ["--workers='0'", ">= 1"]),
    "cache negative age": (["cache", "info", "--min-age", "-1"], ["--min-age='-1'", ">= 0"]),
    "cache folder is a file": (["cache", "clean", "--cache", "afile.txt"],
                               ["--cache='afile.txt'", "expected the sweep cache folder"]),
}


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A folder with earlier outputs, a file where folders are expected, and a cache."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HHLIF_CACHE", str(tmp_path / "hc"))
    (tmp_path / "exists.json").write_text('{"earlier": true}')
    (tmp_path / "afile.txt").write_text("a file, not a folder")
    (tmp_path / "figs").mkdir()
    (tmp_path / "figs" / "equivalence_mi.png").write_bytes(b"\x89PNG earlier figure")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "report.md").write_text("# an earlier study\n")
    (tmp_path / "hc" / "sweeps" / "m.f").mkdir(parents=True)
    (tmp_path / "hc" / "sweeps" / "m.f" / ("0" * 64 + ".json")).write_text("{}")
    return tmp_path


def _snapshot(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(workspace, capsys, case):
    argv, words = CASES[case]
    before = _snapshot(workspace)
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2, (case, captured.err)
    assert len(lines) == 1, (case, captured.err)
    assert lines[0].startswith("hhlif: error: "), lines[0]
    for word in words:
        assert word in lines[0], (case, word, lines[0])
    assert "Traceback" not in captured.err and "[study]" not in captured.out
    assert _snapshot(workspace) == before                      # nothing written or lost
    assert not (workspace / "results").exists()                # the study's default --out
