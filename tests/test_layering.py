"""The module graph: acyclic, in layer order, no private names across modules, CLI on top.

Every ``import`` in the source folders counts, function-level ones included (a lazy import
is still a dependency).  The layers, lowest first::

    models | analysis          (peers: neither imports the other, nor anything above)
    protocols.errors, protocols._version
    protocols.stimuli
    protocols.protocol
    protocols.backends
    protocols.recordings
    protocols.simulation
    protocols.experiments
    protocols (the package's own __init__: the public facade)
    protocols.cli
    protocols.examples         (user scripts)

A module may import its own subpackage's modules and any lower layer, never a higher one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"models": "hhlif.models", "analysis": "hhlif.analysis", "protocols": "hhlif.protocols"}

#: (prefix, layer); the longest matching prefix decides.
LAYERS = [
    ("hhlif.models", 0), ("hhlif.analysis", 0), ("hhlif.data", 0),
    ("hhlif.protocols.errors", 1), ("hhlif.protocols._version", 1),
    ("hhlif.protocols.stimuli", 2),
    ("hhlif.protocols.protocol", 3),
    ("hhlif.protocols.backends", 4),
    ("hhlif.protocols.recordings", 5),
    ("hhlif.protocols.simulation", 6),
    ("hhlif.protocols.experiments", 7),
    ("hhlif.protocols", 8),
    ("hhlif.protocols.cli", 9),
    ("hhlif.protocols.examples", 10),
]

#: The one import of the CLI from below it: ``hhlif.protocols.main_for_script``, a
#: deprecated location forwarded (with a warning) by the package's ``__getattr__``.
CLI_EXCEPTIONS = {("hhlif.protocols", "hhlif.protocols.cli")}


def _modules() -> dict[str, Path]:
    out = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT / folder)
            if "__pycache__" in rel.parts:
                continue
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([package, *parts])] = path
    return out


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _imports(name: str) -> list[tuple[str, str | None, int]]:
    """``(target module, imported name or None, line)`` of every import in module ``name``."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if _is_package(name) else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                if sub in MODULES:
                    out.append((sub, None, node.lineno))
                else:
                    out.append((module, alias.name, node.lineno))
    return [(t, n, line) for t, n, line in out if t.startswith("hhlif.")]


def _layer(name: str) -> tuple[int, str]:
    best = max((p for p, _ in LAYERS if name == p or name.startswith(p + ".")), key=len)
    return dict(LAYERS)[best], best


def _internal(target: str) -> str | None:
    """The module of ours that ``target`` names (a package's ``__init__`` for a package)."""
    while target and target not in MODULES:
        target = target.rpartition(".")[0]
    return target or None


EDGES = {(name, _internal(t), imported, line) for name in MODULES
         for t, imported, line in _imports(name) if _internal(t)}


def test_every_module_is_in_a_layer():
    unplaced = [m for m in MODULES if not any(m == p or m.startswith(p + ".") for p, _ in LAYERS)]
    assert not unplaced


def test_imports_follow_the_layer_order():
    bad = []
    for source, target, _, line in EDGES:
        (ls, gs), (lt, gt) = _layer(source), _layer(target)
        if (source, target) in CLI_EXCEPTIONS:
            continue
        if lt > ls or (lt == ls and gs != gt):
            bad.append(f"{source}:{line} imports {target} (layer {gs} -> {gt})")
    assert not bad, "\n".join(sorted(bad))


def test_the_module_graph_is_acyclic():
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for source, target, _, _ in EDGES:
        if source != target and (source, target) not in CLI_EXCEPTIONS:
            graph[source].add(target)
    state: dict[str, int] = {}
    cycles = []

    def visit(node, stack):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_no_module_imports_another_modules_private_names():
    bad = []
    for source, target, imported, line in EDGES:
        if imported is None:
            # a private module is importable within its own package only
            leaf = target.rpartition(".")[2]
            same_package = source.startswith(target.rpartition(".")[0] + ".")
            if leaf.startswith("_") and not leaf.startswith("__") and not same_package \
                    and leaf != "_version":
                bad.append(f"{source}:{line} imports private module {target}")
        elif imported.startswith("_") and not imported.startswith("__") and source != target:
            bad.append(f"{source}:{line} imports {target}.{imported}")
    assert not bad, "\n".join(sorted(bad))


def test_nothing_imports_the_cli():
    bad = [f"{s}:{line}" for s, t, _, line in EDGES
           if _layer(t)[1] == "hhlif.protocols.cli" and _layer(s)[1] not in
           ("hhlif.protocols.cli", "hhlif.protocols.examples") and (s, t) not in CLI_EXCEPTIONS]
    assert not bad, bad


@pytest.mark.parametrize("module", ["hhlif.analysis", "hhlif.analysis.information"])
def test_analysis_loads_no_brian2(module):
    import subprocess
    import sys

    code = (f"import sys, {module}; bad = [m for m in sys.modules if m.startswith(('brian2',"
            " 'hhlif.models', 'hhlif.protocols'))]; print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_checker_sees_a_violation(tmp_path, monkeypatch):
    """The checks can fail: a lower layer importing the CLI is reported."""
    fake = tmp_path / "fake.py"
    fake.write_text("def f():\n    from hhlif.protocols.cli.main import main\n")
    monkeypatch.setitem(MODULES, "hhlif.protocols.stimuli.fake", fake)
    edges = {("hhlif.protocols.stimuli.fake", _internal(t), n, line)
             for t, n, line in _imports("hhlif.protocols.stimuli.fake")}
    assert ("hhlif.protocols.stimuli.fake", "hhlif.protocols.cli.main", "main", 2) in edges \
        or ("hhlif.protocols.stimuli.fake", "hhlif.protocols.cli.main", None, 2) in edges
    (ls, _), (lt, _) = _layer("hhlif.protocols.stimuli.fake"), _layer("hhlif.protocols.cli.main")
    assert lt > ls
