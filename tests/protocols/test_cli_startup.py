"""The ``hhlif`` command starts without the libraries it does not need.

``hhlif --help`` loads neither Brian2 nor the analysis layer (nor Neo, Elephant, matplotlib,
SciPy); no sub-command's ``--help`` loads Brian2; the commands on files (``info``,
``analyze``, ``compare``, ``mi``) load no Brian2.  The packages ``hhlif.models`` and
``hhlif.protocols`` load their names when first used (PEP 562) and keep every public name.

Each check runs in a fresh interpreter (this one has imported everything already).
Timings are reported (``time hhlif --help``), never asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

#: What ``hhlif --help`` must not load.
HEAVY = ("brian2", "hhlif.analysis", "elephant", "neo", "matplotlib", "scipy")

_RUNNER = """
import contextlib, io, json, sys
from hhlif.protocols.cli.main import main

WATCH = {watch!r}


def loaded():
    return [p for p in WATCH if any(m == p or m.startswith(p + ".") for m in sys.modules)]


results = []
for argv in {commands!r}:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    results.append({{"argv": argv, "rc": rc, "stdout": out.getvalue(),
                     "stderr": err.getvalue(), "loaded": loaded()}})
print(json.dumps(results))
"""


def _run(commands, watch=HEAVY):
    """Run ``main(argv)`` for each of ``commands`` in one fresh interpreter; per command:
    exit status, output and which of ``watch`` are loaded after it."""
    code = textwrap.dedent(_RUNNER.format(watch=tuple(watch), commands=list(commands)))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def _subcommands() -> list[list[str]]:
    from hhlif.protocols.cli.main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return [[name] for name in sub.choices] + [["cache", "info"], ["cache", "clean"]]


def test_help_loads_neither_brian2_nor_the_analysis_layer():
    (result,) = _run([["--help"]])
    assert result["rc"] == 0
    assert "usage: hhlif" in result["stdout"] and "equivalence" in result["stdout"]
    assert result["loaded"] == [], result["loaded"]


def test_no_subcommand_help_loads_brian2():
    names = _subcommands()
    assert ["run"] in names and ["equivalence"] in names
    results = _run([[*name, "--help"] for name in names], watch=("brian2",))
    for result in results:
        assert result["rc"] == 0, result
        assert result["stdout"].startswith("usage: hhlif"), result["argv"]
        assert result["loaded"] == [], result["argv"]
    by_name = {" ".join(r["argv"][:-1]): r["stdout"] for r in results}
    # the deferred options are there, and the verbosity options after them
    equivalence = by_name["equivalence"]
    assert "--metric" in equivalence and "waveform-classes" in equivalence
    assert equivalence.index("--no-size-limit") < equivalence.index("--quiet")
    assert "cpp-simd" in by_name["run"]


@pytest.fixture(scope="module")
def tiny_nix(tmp_path_factory):
    """A NIX file written with plain Neo: a Block of 2 segments of 3 spike trains each."""
    import neo
    import numpy as np
    import quantities as pq
    from neo.io import NixIO

    path = tmp_path_factory.mktemp("startup") / "tiny.nix"
    block = neo.Block(name="tiny")
    rng = np.random.default_rng(0)
    for s in range(2):
        segment = neo.Segment(name=f"trial {s}")
        for i in range(3):
            times = np.sort(rng.uniform(0.0, 1.0, 8))
            segment.spiketrains.append(neo.SpikeTrain(times * pq.s, t_stop=1.0 * pq.s,
                                                      name=f"neuron {i}"))
        block.segments.append(segment)
    io = NixIO(str(path), mode="ow")
    try:
        io.write_block(block)
    finally:
        io.close()
    return str(path)


def test_commands_on_files_load_no_brian2(tiny_nix):
    f = tiny_nix
    results = _run([["info", f], ["analyze", f], ["compare", f, f],
                    ["compare", f, f, "--delta", "3*ms"], ["mi", f]], watch=("brian2",))
    for result in results:
        assert result["loaded"] == [], result["argv"]
        assert "Traceback" not in result["stderr"], result
    info, analyze, compare, compare_3ms, mi = results
    assert info["rc"] == 0 and "2 segments" in info["stdout"]
    assert analyze["rc"] == 0 and compare["rc"] == 0 and compare_3ms["rc"] == 0
    # mi: a table, or one line saying what the file lacks (exit status 2)
    assert mi["rc"] == 0 or (mi["rc"] == 2 and mi["stderr"].startswith("hhlif: error:")
                             and len(mi["stderr"].strip().splitlines()) == 1), mi


def test_a_bad_delta_is_one_line_and_exit_2(tiny_nix):
    values = ["2*mV", "abc", "2", "2*msecond"]
    results = _run([["compare", tiny_nix, tiny_nix, "--delta", v] for v in values],
                   watch=("brian2",))
    for value, result in zip(values, results):
        assert result["rc"] == 2, result
        lines = result["stderr"].strip().splitlines()
        assert lines == [f"hhlif: error: --delta={value!r}: expected a time such as 2*ms"], lines
        assert result["loaded"] == []


_PACKAGES = """
import json, sys
import hhlif.models, hhlif.models.errors, hhlif.protocols, hhlif.protocols.errors
light = "brian2" not in sys.modules and "hhlif.analysis" not in sys.modules
{first}
from hhlif import models
print(json.dumps({{"light": light, "models": models.available(),
                  "rush_larsen2": "rush_larsen2" in __import__("brian2").StateUpdateMethod.stateupdaters,
                  "hodgkin_huxley": type(models.hodgkin_huxley).__name__,
                  "leaky_integrate_and_fire": type(models.leaky_integrate_and_fire).__name__}}))
"""


@pytest.mark.parametrize("first", ["", "import hhlif.models.registry",
                                   "import hhlif.models.networks",
                                   "from hhlif.protocols import Protocol"])
def test_lazy_packages_register_everything_on_every_path(first):
    """Importing the packages loads no Brian2; whichever module is imported first, the
    built-in models and ``rush_larsen2`` are registered and the functions named as their
    modules stay functions."""
    code = _PACKAGES.format(first=first)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["light"]
    assert {"hh", "hh-shifted", "lif", "tv-lif2hh", "s-lif2hh"} <= set(out["models"])
    assert out["rush_larsen2"]
    assert out["hodgkin_huxley"] == out["leaky_integrate_and_fire"] == "function"


@pytest.mark.parametrize("package", ["hhlif.models", "hhlif.protocols",
                                     "hhlif.protocols.simulation"])
def test_every_public_name_resolves(package):
    import importlib

    module = importlib.import_module(package)
    names = getattr(module, "__all__", None) or ["run", "ReusableBuild", "run_many"]
    for name in names:
        assert getattr(module, name) is not None, name
    assert set(names) <= set(dir(module))


def test_deprecated_main_for_script_still_forwards():
    import hhlif.protocols
    from hhlif.models.errors import HhlifWarning
    from hhlif.protocols.cli import main_for_script

    with pytest.warns(HhlifWarning, match="moved to hhlif.protocols.cli.main_for_script"):
        assert hhlif.protocols.main_for_script is main_for_script
