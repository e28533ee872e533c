"""Bad input to ``hhlif analyze``, ``compare`` and ``mi``: through ``main()`` and the Python API.

Every case must give exit status 2 and exactly one line on stderr (``hhlif: error: ...``)
naming the parameter or file, the value and what was expected; no traceback; and leave every
file that existed before byte for byte as it was, with no new file (a pickle's payload, a
partial output, a temporary file).
"""
import hashlib
import os
import pathlib
import pickle
import re
import shutil
from dataclasses import dataclass
from typing import Callable

import neo
import numpy as np
import pytest
import quantities as pq

from hhlif.analysis import information_recordings, reports
from hhlif.analysis.errors import AnalysisInputError, OutputExistsError, UnsafeFileError

main = pytest.importorskip("hhlif.protocols.cli.main").main

MARKER = "created_by_the_pickle"


class _Payload:
    """Unpickling this creates the file MARKER in the working folder."""

    def __reduce__(self):
        return (open, (MARKER, "w"))


def _write_recording(path: pathlib.Path, simulated_ms=None, seed=0) -> None:
    """A 'step' recording in hhlif's NIX format: 6 trials x 2 conditions of 4 neurons, 200 ms."""
    rng = np.random.default_rng(seed)
    block = neo.Block(hhlif_format=1, protocol="step", model="hh")
    if simulated_ms is not None:
        block.annotations["simulated_ms"] = simulated_ms
    for trial in range(6):
        for condition in range(2):
            seg = neo.Segment(trial=trial, condition=condition, condition_label=f"c{condition}")
            block.segments.append(seg)
            for neuron in range(4):
                times = np.sort(rng.uniform(0, 200, rng.poisson(2 + 4 * condition)))
                seg.spiketrains.append(neo.SpikeTrain(
                    times * pq.ms, t_stop=200 * pq.ms, neuron=neuron, population="hh",
                    trial=trial, condition=condition))
    io = neo.io.NixIO(str(path), mode="ow")
    try:
        io.write_block(block)
    finally:
        io.close()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Inputs and earlier outputs, made once (NIX writing is slow) and copied for each test."""
    folder = tmp_path_factory.mktemp("bad_input")
    _write_recording(folder / "good.nix")
    _write_recording(folder / "other.nix", seed=100)
    _write_recording(folder / "interrupted.nix", simulated_ms=61.5)
    signals = neo.Block()
    signals.segments.append(neo.Segment())
    signals.segments[0].analogsignals.append(
        neo.AnalogSignal(np.zeros((10, 1)), units="mV", sampling_rate=1 * pq.kHz))
    io = neo.io.NixIO(str(folder / "signals.nix"), mode="ow")
    io.write_block(signals)
    io.close()
    for name in ("evil.pkl", "evil.pickle"):
        (folder / name).write_bytes(pickle.dumps(_Payload()))
    (folder / "garbage.nix").write_bytes(np.random.default_rng(1).bytes(4096))
    (folder / "data.xyz").write_text("1 2 3\n")
    (folder / "adir.nix").mkdir()
    (folder / "afile").write_text("a file, not a folder\n")
    (folder / "existing.json").write_text('{"earlier": "result"}\n')
    (folder / "figs").mkdir()
    (folder / "figs" / "raster.png").write_bytes(b"an earlier figure")
    (folder / "readonly").mkdir()
    return folder


@pytest.fixture
def workdir(inputs, tmp_path, monkeypatch):
    """A copy of the inputs; the test runs inside it, with ``readonly/`` not writable."""
    work = tmp_path / "work"
    shutil.copytree(inputs, work)
    readonly = work / "readonly"
    readonly.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere: make the folder read-only for the check
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if (
            pathlib.Path(p).resolve() == readonly.resolve() and mode & os.W_OK)
            else real_access(p, mode, *a, **k))
    monkeypatch.chdir(work)
    yield work
    readonly.chmod(0o755)


def _snapshot(folder: pathlib.Path) -> dict:
    """Checksum of every file under ``folder`` (the folder's whole content)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _mi(path, **kwargs):
    return information_recordings.mi_command(path, n_bootstrap=0, **kwargs)


@dataclass
class Case:
    """One bad input: the command line, the same through the API, what the line must say."""

    id: str
    argv: list
    match: str
    api: Callable | None = None
    error: type = ValueError


D = 2 * pq.ms
CASES = [
    # item 2: a pickle is refused, never unpickled (the payload would create MARKER)
    Case("analyze-pickle", ["analyze", "evil.pkl"], r"evil\.pkl.*pickle.*runs code.*NIX",
         lambda: reports.analyze("evil.pkl"), UnsafeFileError),
    Case("analyze-pickle-ext", ["analyze", "evil.pickle"], r"evil\.pickle.*pickle.*runs code",
         lambda: reports.analyze("evil.pickle"), UnsafeFileError),
    Case("compare-pickle-reference", ["compare", "evil.pkl", "good.nix"], r"evil\.pkl.*pickle",
         lambda: reports.compare_files("evil.pkl", "good.nix"), UnsafeFileError),
    Case("compare-pickle-candidate", ["compare", "good.nix", "evil.pkl"], r"evil\.pkl.*pickle",
         lambda: reports.compare_files("good.nix", "evil.pkl"), UnsafeFileError),
    Case("mi-pickle", ["mi", "evil.pkl"], r"evil\.pkl.*pickle.*runs code",
         lambda: _mi("evil.pkl"), UnsafeFileError),
    # unreadable inputs
    Case("analyze-missing", ["analyze", "missing.nix"], r"source='missing\.nix': no such file",
         lambda: reports.analyze("missing.nix"), AnalysisInputError),
    Case("mi-missing", ["mi", "missing.nix"], r"source='missing\.nix': no such file",
         lambda: _mi("missing.nix"), AnalysisInputError),
    Case("analyze-directory", ["analyze", "adir.nix"], r"adir\.nix'?: is a directory",
         lambda: reports.analyze("adir.nix"), AnalysisInputError),
    Case("analyze-garbage-nix", ["analyze", "garbage.nix"],
         r"garbage\.nix'?: cannot be opened as a NIX file",
         lambda: reports.analyze("garbage.nix"), AnalysisInputError),
    Case("compare-garbage-nix", ["compare", "good.nix", "garbage.nix"],
         r"garbage\.nix'?: cannot be opened as a NIX file",
         lambda: reports.compare_files("good.nix", "garbage.nix"), AnalysisInputError),
    Case("mi-garbage-nix", ["mi", "garbage.nix"], r"garbage\.nix'?: cannot be opened",
         lambda: _mi("garbage.nix"), AnalysisInputError),
    Case("analyze-unknown-format", ["analyze", "data.xyz"],
         r"data\.xyz.*'\.xyz' is not a format hhlif reads; expected one of .*\.nix",
         lambda: reports.analyze("data.xyz"), AnalysisInputError),
    Case("analyze-no-spiketrain", ["analyze", "signals.nix"],
         r"signals\.nix: contains no SpikeTrain .*expected spike trains",
         lambda: reports.analyze("signals.nix"), AnalysisInputError),
    # item 1: an interrupted run is never analysed
    Case("analyze-interrupted", ["analyze", "interrupted.nix"],
         r"interrupted\.nix: the run was interrupted at 61\.5 of 200 ms",
         lambda: reports.analyze("interrupted.nix"), AnalysisInputError),
    Case("compare-interrupted", ["compare", "good.nix", "interrupted.nix"],
         r"interrupted at 61\.5 of 200 ms.*nothing from it is analysed",
         lambda: reports.compare_files("good.nix", "interrupted.nix"), AnalysisInputError),
    Case("mi-interrupted", ["mi", "interrupted.nix"], r"interrupted at 61\.5 of 200 ms",
         lambda: _mi("interrupted.nix"), AnalysisInputError),
    # item 9: an output is never one of the inputs, even with --force
    Case("analyze-json-is-input", ["analyze", "good.nix", "--json", "good.nix", "--force"],
         r"output 'good\.nix' is also an input file",
         lambda: reports.analyze("good.nix", json_path="good.nix", force=True)),
    Case("compare-json-is-candidate",
         ["compare", "good.nix", "other.nix", "--json", "other.nix", "--force"],
         r"output 'other\.nix' is also an input file",
         lambda: reports.compare_files("good.nix", "other.nix", json_path="other.nix",
                                       force=True)),
    Case("compare-json-is-reference",
         ["compare", "good.nix", "other.nix", "--json", "./good.nix", "--force"],
         r"output '(\./)?good\.nix' is also an input file",
         lambda: reports.compare_files("good.nix", "other.nix", json_path="./good.nix",
                                       force=True)),
    Case("mi-json-is-input", ["mi", "good.nix", "--json", "good.nix", "--force"],
         r"output 'good\.nix' is also an input file",
         lambda: _mi("good.nix", json_path="good.nix", force=True)),
    # item 5 and no clobbering: every output checked before any work, nothing written
    Case("analyze-json-exists", ["analyze", "good.nix", "--json", "existing.json"],
         r"output 'existing\.json' exists; pass --force",
         lambda: reports.analyze("good.nix", json_path="existing.json"), OutputExistsError),
    Case("compare-json-exists", ["compare", "good.nix", "other.nix", "--json", "existing.json"],
         r"output 'existing\.json' exists; pass --force",
         lambda: reports.compare_files("good.nix", "other.nix", json_path="existing.json"),
         OutputExistsError),
    Case("mi-json-exists", ["mi", "good.nix", "--json", "existing.json"],
         r"output 'existing\.json' exists; pass --force",
         lambda: _mi("good.nix", json_path="existing.json"), OutputExistsError),
    Case("analyze-figure-exists-json-not-written",
         ["analyze", "good.nix", "--json", "new.json", "--figures", "figs"],
         r"output 'figs/raster\.png' exists; pass --force",
         lambda: reports.analyze("good.nix", json_path="new.json", figures_dir="figs"),
         OutputExistsError),
    Case("analyze-json-readonly-folder", ["analyze", "good.nix", "--json", "readonly/s.json"],
         r"output 'readonly/s\.json': folder 'readonly' is not writable",
         lambda: reports.analyze("good.nix", json_path="readonly/s.json"), PermissionError),
    Case("analyze-figures-readonly-folder",
         ["analyze", "good.nix", "--json", "new.json", "--figures", "readonly"],
         r"output 'readonly/raster\.png': folder 'readonly' is not writable",
         lambda: reports.analyze("good.nix", json_path="new.json", figures_dir="readonly"),
         PermissionError),
    Case("mi-json-readonly-folder", ["mi", "good.nix", "--json", "readonly/mi.json"],
         r"folder 'readonly' is not writable",
         lambda: _mi("good.nix", json_path="readonly/mi.json"), PermissionError),
    Case("analyze-json-folder-is-a-file", ["analyze", "good.nix", "--json", "afile/s.json"],
         r"output 'afile/s\.json': 'afile' is a file, not a folder",
         lambda: reports.analyze("good.nix", json_path="afile/s.json"), NotADirectoryError),
    Case("analyze-figures-is-a-file", ["analyze", "good.nix", "--figures", "afile"],
         r"'afile' is a file, not a folder",
         lambda: reports.analyze("good.nix", figures_dir="afile"), NotADirectoryError),
    Case("compare-json-is-a-folder", ["compare", "good.nix", "other.nix", "--json", "adir.nix"],
         r"output 'adir\.nix' is a folder; expected a file path",
         lambda: reports.compare_files("good.nix", "other.nix", json_path="adir.nix"),
         IsADirectoryError),
    # bad values of --delta (compare) and --bin / --window (mi), checked before reading
    Case("compare-delta-zero", ["compare", "good.nix", "other.nix", "--delta", "0*ms"],
         r"delta.*0.*expected a positive",
         lambda: reports.compare_files("good.nix", "other.nix", delta=0 * pq.ms),
         AnalysisInputError),
    Case("compare-delta-negative", ["compare", "good.nix", "other.nix", "--delta=-2*ms"],
         r"delta=-(2\.0 ms|0\.002 s): expected a positive",
         lambda: reports.compare_files("good.nix", "other.nix", delta=-2 * pq.ms),
         AnalysisInputError),
    Case("compare-delta-not-a-time", ["compare", "good.nix", "other.nix", "--delta", "2*mV"],
         r"delta='?2(\.0 |\*)mV'?: expected (a )?time",
         lambda: reports.compare_files("good.nix", "other.nix", delta=2 * pq.mV),
         AnalysisInputError),
    Case("compare-delta-garbage", ["compare", "good.nix", "other.nix", "--delta", "abc"],
         r"delta.*abc",
         lambda: reports.compare_files("good.nix", "other.nix", delta="abc"),
         AnalysisInputError),
    Case("mi-bin-zero", ["mi", "good.nix", "--bin", "0*ms"],
         r"bin_size='0\*ms': expected a positive, finite duration",
         lambda: _mi("good.nix", bin_size="0*ms"), AnalysisInputError),
    Case("mi-bin-negative", ["mi", "good.nix", "--bin=-1*ms"],
         r"bin_size='-1\*ms': expected a positive",
         lambda: _mi("good.nix", bin_size="-1*ms"), AnalysisInputError),
    Case("mi-bin-infinite", ["mi", "good.nix", "--bin", "1e999*ms"],
         r"bin_size='1e999\*ms': expected a positive, finite duration",
         lambda: _mi("good.nix", bin_size="1e999*ms"), AnalysisInputError),
    Case("mi-bin-not-a-time", ["mi", "good.nix", "--bin", "2*mV"],
         r"bin_size='2\*mV': expected a time such as '2\*ms'",
         lambda: _mi("good.nix", bin_size="2*mV"), AnalysisInputError),
    Case("mi-bin-garbage", ["mi", "good.nix", "--bin", "two ms"],
         r"bin_size='two ms': expected a number times a unit",
         lambda: _mi("good.nix", bin_size="two ms"), AnalysisInputError),
    Case("mi-window-one-value", ["mi", "good.nix", "--window", "20*ms"],
         r"window='20\*ms': expected 'START,STOP'",
         lambda: _mi("good.nix", window="20*ms"), AnalysisInputError),
    Case("mi-window-reversed", ["mi", "good.nix", "--window", "120*ms,20*ms"],
         r"window=.*expected finite START < STOP",
         lambda: _mi("good.nix", window="120*ms,20*ms"), AnalysisInputError),
]


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected exactly one line on stderr, got {lines}"
    return lines[0]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_command_line(case, workdir, capsys):
    before = _snapshot(workdir)
    status = main(case.argv)
    out, err = capsys.readouterr()
    assert status == 2, (out, err)
    line = _one_line(err)
    assert line.startswith("hhlif: error: ") and re.search(case.match, line), line
    assert "Traceback" not in out + err
    assert _snapshot(workdir) == before  # nothing written, changed or left behind
    assert not (workdir / MARKER).exists()


@pytest.mark.parametrize("case", [c for c in CASES if c.api is not None],
                         ids=[c.id for c in CASES if c.api is not None])
def test_python_api(case, workdir):
    before = _snapshot(workdir)
    with pytest.raises(case.error) as info:
        case.api()
    message = str(info.value)
    assert "\n" not in message and re.search(case.match, message), message
    assert _snapshot(workdir) == before
    assert not (workdir / MARKER).exists()


def test_the_matrix_is_large_enough():
    """Issue 13 asks for at least 20 bad inputs on the analysis side."""
    assert len(CASES) >= 20 and len({c.id for c in CASES}) == len(CASES)
