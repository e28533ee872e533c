"""Packaging: every subpackage folder is listed in setup.cfg, dependencies run one way."""

import ast
import configparser
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = {"models": "hhlif.models", "protocols": "hhlif.protocols", "analysis": "hhlif.analysis",
        "data": "hhlif.data"}


def _setup_cfg():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return cfg


def test_every_subpackage_folder_is_listed():
    cfg = _setup_cfg()
    listed = {p.strip() for p in cfg["options"]["packages"].split() if p.strip()}
    mapping = {}
    for line in cfg["options"]["package_dir"].strip().splitlines():
        name, folder = (x.strip() for x in line.split("="))
        mapping[name] = folder
    found = set()
    for folder, package in CODE.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            if "__pycache__" in rel.parts:
                continue
            found.add(".".join([package, *rel.parts]))
    assert found == listed
    for package in listed:
        assert package in mapping, f"{package} has no package_dir entry"
        assert (ROOT / mapping[package] / "__init__.py").is_file()


def _imports(folder):
    out = set()
    for path in (ROOT / folder).rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                out |= {(path.name, a.name) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.add((path.name, node.module))
    return out


def test_models_and_analysis_do_not_import_each_other_or_protocols():
    for folder, forbidden in (("models", ("hhlif.analysis", "hhlif.protocols")),
                              ("analysis", ("hhlif.models", "hhlif.protocols", "brian2"))):
        bad = [(f, m) for f, m in _imports(folder) if m.startswith(forbidden)]
        assert not bad, f"{folder} imports {bad}"
    bare = [(f, m) for folder in CODE for f, m in _imports(folder)
            if m.split(".")[0] in ("models", "protocols", "analysis")]
    assert not bare, f"bare imports of the source folders: {bare}"


def test_import_analysis_does_not_load_brian2():
    code = ("import sys, hhlif.analysis; "
            "bad = [m for m in sys.modules if m.startswith(('brian2', 'hhlif.models', "
            "'hhlif.protocols'))]; print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_installed_package_is_used():
    import hhlif.models

    # tests import the installed package (importlib mode); an editable install maps to the
    # source folder, a regular install to site-packages: both are under an 'hhlif' mapping
    assert Path(hhlif.models.__file__).name == "__init__.py"
    assert hasattr(hhlif.models, "get")
