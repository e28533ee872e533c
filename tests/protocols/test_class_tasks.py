"""The class-stimulus tasks' framework: a user's task from a function, the registry, the
cache key, the command line, and the tv-LIF2HH control on every task (ratio exactly 1)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from hhlif.models.errors import ParameterError, UnknownNameError
from hhlif.protocols.experiments.class_tasks import (CLASS_TASKS, FunctionTask, get_task,
                                                     register_task, stimulus_digest,
                                                     task_settings_split)


def _steps(rng, t):
    jitter = rng.uniform(-1, 1)
    return np.stack([np.where(t > 10 + jitter, a, 0.0) for a in (4.0, 9.0)], axis=1)


def test_builtin_tasks_registered_with_records():
    get_task("rebound-classes")   # loads the built-in modules
    for name in ("rebound-classes", "resonance-classes", "onset-classes", "precision"):
        assert name in CLASS_TASKS, name
        task = get_task(name)
        record = task.to_json()
        assert record["task"] == name
        assert type(task).from_json(record).to_json() == record
        a, b = task.currents(0, 50.0), task.currents(1, 50.0)
        assert a.shape == (task.times_ms(50.0).size, task.n_classes)
        assert np.all(np.isfinite(a))
        assert not np.array_equal(a, b), f"{name}: stimuli not redrawn per seed block"
        assert np.array_equal(a, task.currents(0, 50.0)), f"{name}: not deterministic"
        assert task.expected and task.description
    from hhlif.protocols.experiments.tasks import CLASS_TASK_NAMES

    assert set(CLASS_TASK_NAMES) <= set(CLASS_TASKS)


def test_function_task_checks_its_output():
    task = FunctionTask(task_name="t-check", make=lambda rng, t: np.zeros((t.size, 3)),
                        labels=("a", "b"))
    with pytest.raises(ParameterError, match=r"shape .*\(\d+, 2\)"):
        task.currents(0, 20.0)
    with pytest.raises(ParameterError, match="'make'"):
        FunctionTask(task_name="t-bad", make=None, labels=("a", "b"))
    with pytest.raises(ParameterError, match="'labels'"):
        FunctionTask(task_name="t-bad", make=_steps, labels=("a",))


def test_registry_refuses_a_second_task_of_one_name():
    register_task(FunctionTask(task_name="t-twice", make=_steps, labels=("4", "9")),
                  replace=True)
    with pytest.raises(ParameterError, match="already registered"):
        register_task(FunctionTask(task_name="t-twice", make=_steps, labels=("4", "9")))
    with pytest.raises(UnknownNameError, match="rebound-classes"):
        get_task("no-such-task")


def test_digest_tells_two_functions_apart():
    a = FunctionTask(task_name="t-digest", make=_steps, labels=("4", "9"))
    b = FunctionTask(task_name="t-digest", make=lambda rng, t: _steps(rng, t) * 1.01,
                     labels=("4", "9"))
    assert stimulus_digest(a, 2, 30.0) == stimulus_digest(a, 2, 30.0)
    assert stimulus_digest(a, 2, 30.0) != stimulus_digest(b, 2, 30.0)
    assert stimulus_digest(a, 2, 30.0) != stimulus_digest(a, 3, 30.0)


def test_settings_split_between_task_and_common():
    own, common = task_settings_split("rebound-classes", {"depth": -4.0, "repeats": 20,
                                                          "pulse_ms": 10.0})
    assert own == {"depth": -4.0, "pulse_ms": 10.0} and common == {"repeats": 20}
    task = get_task("rebound-classes", own)
    assert float(task.value("depth")) == -4.0 and float(task.value("pulse")) == 10.0
    with pytest.raises(UnknownNameError, match="valid are"):
        get_task("rebound-classes", {"nope": 1})


@pytest.mark.slow
def test_user_task_runs_in_the_pooled_search():
    """A user's task and a user's candidate, searched as the README's recipe does."""
    from brian2 import cm, mS

    from hhlif.protocols.experiments.pools import ModelSpec, measure_pooled_equivalence

    register_task(FunctionTask(task_name="t-recipe", make=_steps, labels=("4", "9")),
                  replace=True)
    mine = ModelSpec("lif", parameters={"g_L": 0.5 * mS / cm**2}, source="mine")
    r = measure_pooled_equivalence("hh", mine, sizes=(2,), metrics=("fisher",),
                                   protocol="t-recipe", seeds=2,
                                   settings={"repeats": 8, "duration_ms": 40.0,
                                             "bin_ms": 20.0},
                                   backend="runtime", progress=False, cache=None,
                                   n_bootstrap=50)
    assert r.provenance["task"]["task"] == "t-recipe"
    assert r.provenance["stimulus_digest"]
    rates = np.asarray(r.provenance["class_rate_hz"]["reference"])
    assert rates.shape == (2, 2)
    assert np.all(rates[:, 1] > rates[:, 0])     # 9 uA/cm2 drives HH harder than 4
    assert r.results["fisher"][2].status in ("found", "not_reached", "at_minimum")


@pytest.mark.slow
@pytest.mark.parametrize("task", ["rebound-classes", "resonance-classes", "onset-classes",
                                  "precision", "waveform-classes", "rate-classes"])
def test_exact_circuit_gives_one_on_every_task(task):
    """tv-LIF2HH against HH with common random numbers: identical spikes, n/N = 1."""
    from hhlif.protocols.experiments.pools import measure_pooled_equivalence

    r = measure_pooled_equivalence("hh", "tv-lif2hh", sizes=(3,), metrics=("fisher",),
                                   protocol=task, seeds=2,
                                   settings={"repeats": 8, "duration_ms": 50.0,
                                             "bin_ms": 25.0},
                                   backend="runtime", progress=False, cache=None,
                                   n_bootstrap=50, candidate_pool=3, common_noise=True)
    ref = np.asarray(r.provenance["class_rate_hz"]["reference"])
    cand = np.asarray(r.provenance["class_rate_hz"]["candidate"])
    np.testing.assert_allclose(cand, ref, rtol=0, atol=1e-9)
    res = r.results["fisher"][3]
    if ref.sum() == 0:
        pytest.fail(f"{task}: HH silent at these settings; the control says nothing")
    assert res.status == "found" and res.ratio == pytest.approx(1.0, abs=1e-6)


def test_cli_routes_task_settings_and_names_bad_ones(tmp_path):
    def hhlif(*args):
        return subprocess.run([sys.executable, "-m", "hhlif.protocols.cli", *args],
                              capture_output=True, text=True, cwd=tmp_path,
                              env={"HHLIF_CACHE": str(tmp_path / "c"), "PATH": "/usr/bin:/bin"})

    bad = hhlif("equivalence", "--protocol", "rebound-classes", "--set", "depth=3*uA/cm**2")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "'depth'" in bad.stderr and "negative" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    unknown = hhlif("equivalence", "--protocol", "rebound-classes", "--set", "fooo=3")
    assert unknown.returncode == 2 and "rebound-classes setting" in unknown.stderr
    assert "release" in unknown.stderr
    nope = hhlif("equivalence", "--protocol", "rebounds")
    assert nope.returncode == 2 and "onset-classes" in nope.stderr
    json.dumps({})   # the module's imports stay used
