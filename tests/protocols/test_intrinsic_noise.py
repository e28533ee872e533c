"""Intrinsic noise reaches the neurons of every task that accepts it, and one assembly path.

Oracle: with a deterministic input (no Poisson sources anywhere) every trial of a condition
is the same computation, so with ``intrinsic_noise = 0`` the trials' spike trains are
identical, and an independent noise current per neuron makes them differ.  A task that
cannot take intrinsic noise (the seed's deterministic chain) refuses it with one
ParameterError.  The last test reads the package's source: only the assembly (and the
neuron models' own ``build``) create Brian2 groups, synapses, Poisson inputs and monitors.
"""

import ast
from pathlib import Path

import numpy as np
import pytest
from brian2 import ms, uA, cm

from hhlif.models.errors import ParameterError
from hhlif.models.networks import RandomEI, SeedChain
from hhlif.protocols import Protocol, run, stimuli
from hhlif.protocols.experiments.equivalence import (EquivalenceSettings, _ei_protocol,
                                                   class_protocol)

UNIT = uA / cm**2
ROOT = Path(__file__).resolve().parents[2]


def _trains(recording):
    """``{(condition, trial): sorted ((neuron within the copy, time), ...)}``."""
    pop = recording.main
    n_copies = len(np.unique(np.stack([pop.trial, pop.condition]), axis=1).T)
    per_copy = pop.n_neurons // n_copies
    out = {}
    for neuron in range(pop.n_neurons):
        key = (int(pop.condition[neuron]), int(pop.trial[neuron]))
        times = pop.spike_times[pop.spike_indices == neuron]
        out.setdefault(key, []).extend((neuron % per_copy, round(float(t), 9)) for t in times)
    return {k: sorted(v) for k, v in out.items()}


def _trials_identical(recording) -> bool:
    trains = _trains(recording)
    assert sum(len(v) for v in trains.values()) > 0, "no spikes: the test would mean nothing"
    by_condition = {}
    for (condition, _), train in trains.items():
        by_condition.setdefault(condition, []).append(train)
    return all(all(t == group[0] for t in group) for group in by_condition.values())


def _check_noise_reaches_neurons(protocol):
    quiet = run(protocol.replace(intrinsic_noise=0 * UNIT), backend="runtime")
    assert _trials_identical(quiet), "without intrinsic noise the trials must be identical"
    noisy = run(protocol.replace(intrinsic_noise=3 * UNIT), backend="runtime")
    assert not _trials_identical(noisy), "intrinsic noise did not reach the neurons"


def test_plain_protocol():
    _check_noise_reaches_neurons(Protocol(
        model="lif", stimulus=stimuli.Constant(25 * UNIT), duration=40 * ms, trials=3,
        conditions={"amplitude": [20, 30] * UNIT}, record=(), record_neurons=[], seed=2))


def test_random_ei_network_protocol():
    net = RandomEI(n=10, connection_probability=0.3, drive_sources=0, seed=4)
    _check_noise_reaches_neurons(Protocol(
        model="lif", stimulus=stimuli.Constant(25 * UNIT), duration=40 * ms, trials=2,
        network=net, record=(), record_neurons=[], seed=2))


#: Tiny deterministic equivalence settings: no private Poisson noise, no E/I drive, no
#: random coupling (drawn anew for every copy, it would make the trials differ by itself).
TINY = dict(duration_ms=30.0, repeats=5, noise_std_uA_cm2=0.0, ei_drive_sources=0,
            waveform_mean_uA_cm2=25.0, classes_uA_cm2=[20.0, 30.0],
            ei_waveform_std_uA_cm2=40.0, coupling_uA_cm2=0.0, connection_probability=0.5)


@pytest.mark.parametrize("task", ["waveform-classes", "rate-classes", "ei-classes"])
def test_equivalence_tasks(task):
    protocol = class_protocol("lif", 4, 3, TINY, protocol=task)
    if task == "ei-classes":
        # the driver's ei-classes protocol is _ei_protocol's
        same = _ei_protocol("lif", 4, 3, EquivalenceSettings.coerce(TINY), protocol.n_conditions)
        assert same.describe() == protocol.describe()
    _check_noise_reaches_neurons(protocol)


def test_seed_chain_refuses_intrinsic_noise():
    protocol = Protocol(model="hh-shifted", stimulus=stimuli.Constant(10 * UNIT),
                        duration=5 * ms, network=SeedChain(), intrinsic_noise=1 * UNIT,
                        record=(), record_neurons=[])
    with pytest.raises(ParameterError, match=r"network SeedChain: intrinsic_noise=.*expected 0"):
        run(protocol, backend="runtime")


# ------------------------------------------------------------------ one build path
#: Brian2 classes whose instances are simulation objects (groups, synapses, inputs, monitors).
BRIAN2_OBJECTS = {"NeuronGroup", "Synapses", "PoissonInput", "PoissonGroup",
                  "SpikeGeneratorGroup", "SpikeMonitor", "StateMonitor",
                  "PopulationRateMonitor", "EventMonitor"}
#: Where they may be created: the assembly, and the models' own ``build`` (their equations).
ALLOWED = {"protocols/simulation/assembly.py": None,
           "models/neuron_model.py": {"build"}, "models/lif2hh.py": {"build"}}


def _brian2_object_calls(path: Path):
    """``(function name, line, class)`` of every call of a Brian2 object class in ``path``:
    names imported from ``brian2`` (any alias) or attributes of an imported ``brian2``
    module.  hhlif's own ``stimuli.PoissonInput`` (a stimulus description) is not one."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names, modules = {}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "brian2":
            for alias in node.names:
                if alias.name in BRIAN2_OBJECTS:
                    names[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "brian2":
                    modules.add(alias.asname or alias.name)
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                else function
            if isinstance(child, ast.Call):
                f = child.func
                cls = None
                if isinstance(f, ast.Name) and f.id in names:
                    cls = names[f.id]
                elif isinstance(f, ast.Attribute) and f.attr in BRIAN2_OBJECTS and \
                        isinstance(f.value, ast.Name) and f.value.id in modules:
                    cls = f.attr
                if cls:
                    found.append((function, child.lineno, cls))
            visit(child, inner)

    visit(tree, None)
    return found


def test_only_the_assembly_creates_brian2_objects():
    sources = [p for folder in ("models", "protocols", "analysis")
               for p in sorted((ROOT / folder).rglob("*.py"))]
    assert any(p.name == "assembly.py" for p in sources)
    offenders, seen = [], set()
    for path in sources:
        rel = path.relative_to(ROOT).as_posix()
        for function, line, cls in _brian2_object_calls(path):
            seen.add(rel)
            allowed = rel in ALLOWED and (ALLOWED[rel] is None or function in ALLOWED[rel])
            if not allowed:
                offenders.append(f"{rel}:{line} {cls}(...) in {function or 'module level'}")
    assert not offenders, "Brian2 objects created outside the assembly:\n" + "\n".join(offenders)
    # the scan sees what it must: the assembly's and the models' own groups
    assert {"protocols/simulation/assembly.py", "models/neuron_model.py"} <= seen


def test_the_scan_finds_a_brian2_object_and_ignores_the_stimulus(tmp_path):
    """The scanner's own check: it reports a Brian2 call, aliased or through the module,
    and not hhlif's PoissonInput stimulus or a name in a docstring."""
    src = tmp_path / "example.py"
    src.write_text('"""NeuronGroup(...) in a docstring."""\n'
                   "import brian2 as b2\n"
                   "from brian2 import Synapses as S\n"
                   "from hhlif.protocols import stimuli\n"
                   "def f():\n"
                   "    stimuli.PoissonInput(rate=1)\n"
                   "    b2.NeuronGroup(1, 'v : 1')\n"
                   "    return S(None)\n")
    assert sorted(_brian2_object_calls(src)) == [("f", 7, "NeuronGroup"), ("f", 8, "Synapses")]
