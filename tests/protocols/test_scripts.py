"""Protocol scripts: the shipped examples run (with hhlif run and with plain python); bad
scripts give clear errors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hhlif.protocols.errors import ProtocolScriptError
from hhlif.protocols import Protocol, load_protocol_script
from hhlif.protocols.cli.main import main

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "protocols" / "examples").glob("*.py"))
EXAMPLES = [p for p in EXAMPLES if p.name != "__init__.py"]


def test_three_examples_are_shipped():
    assert len(EXAMPLES) >= 3


@pytest.mark.standalone
@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_with_hhlif_run(script, tmp_path, capsys):
    assert isinstance(load_protocol_script(script), Protocol)
    code = main(["run", str(script), "--out", str(tmp_path / "o.nix")])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "o.nix").is_file()


@pytest.mark.standalone
def test_example_runs_with_plain_python(tmp_path):
    script = next(p for p in EXAMPLES if p.stem == "step_family")
    env = dict(os.environ)
    result = subprocess.run([sys.executable, str(script), "--out", str(tmp_path / "s.nix")],
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "s.nix").is_file()


@pytest.mark.parametrize("body, message", [
    ("raise RuntimeError('boom')\n", "failed to import: RuntimeError: boom"),
    ("x = 1\n", "defines no protocol"),
    ("protocol = 42\n", "'protocol' is a int, expected an hhlif.protocols.Protocol"),
    ("def make_protocol():\n    return 'nope'\n", "make_protocol() returned a str"),
    ("import nonexistent_module_xyz\n", "failed to import: ModuleNotFoundError"),
])
def test_bad_scripts_give_clear_errors(tmp_path, body, message, capsys):
    path = tmp_path / "bad.py"
    path.write_text(body)
    with pytest.raises(ProtocolScriptError) as info:
        load_protocol_script(path)
    assert message in str(info.value)
    assert main(["run", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_missing_script(tmp_path):
    with pytest.raises(ProtocolScriptError, match="does not exist"):
        load_protocol_script(tmp_path / "nope.py")
