"""The ``resonance-classes`` and ``precision`` equivalence tasks: their records, their
stimuli, HH's linearised impedance, and the direction each task expects on HH alone."""

import dataclasses

import numpy as np
import pytest

from hhlif.models.errors import ParameterError, ParameterUnitError
from hhlif.protocols.experiments.class_tasks import CLASS_TASKS, get_task
from hhlif.protocols.experiments.class_tasks.precision import (PrecisionClasses,
                                                               direct_words,
                                                               resolution_information)
from hhlif.protocols.experiments.class_tasks.resonance import (ResonanceClasses,
                                                               hh_impedance,
                                                               hh_resonance_frequency)

TASKS = (ResonanceClasses, PrecisionClasses)


# ----------------------------------------------------------------------------- records
@pytest.mark.parametrize("cls", TASKS)
def test_registered_with_units_and_round_trip(cls):
    from brian2 import Quantity

    get_task(cls.name)   # loads the built-in tasks
    assert CLASS_TASKS[cls.name] is cls
    task = get_task(cls.name)
    assert dataclasses.is_dataclass(task) and isinstance(task, cls)
    for field, suffix in cls.units.items():
        value = getattr(task, field)
        assert isinstance(value, Quantity) == (suffix != "1"), field
    record = task.to_json()
    assert record["task"] == cls.name
    back = cls.from_json(record)   # (list fields make == ambiguous: compare the records)
    assert type(back) is cls and back.to_json() == record
    np.testing.assert_array_equal(back.currents(2, 30.0), task.currents(2, 30.0))
    changed = task.updated({"seed": 7})
    assert cls.from_json(changed.to_json()).to_json() == changed.to_json() != record
    assert set(task.settings_record()) <= {"duration_ms", "bin_ms", "noise_std_uA_cm2"}


@pytest.mark.parametrize("name, changes, setting", [
    ("resonance-classes", {"amplitude_uA_cm2": -1.0}, "amplitude"),
    ("resonance-classes", {"frequencies_Hz": []}, "frequencies"),
    ("resonance-classes", {"frequencies_Hz": [20, -5]}, "frequencies"),
    ("resonance-classes", {"frequencies_Hz": [20, 20]}, "frequencies"),
    ("resonance-classes", {"ramp_ms": -1.0}, "ramp"),
    ("resonance-classes", {"seed": -1}, "seed"),
    ("precision", {"segments": 1}, "segments"),
    ("precision", {"segments": 2.5}, "segments"),
    ("precision", {"std_uA_cm2": 0.0}, "std"),
    ("precision", {"tau_ms": 0.0}, "tau"),
])
def test_bad_settings_name_the_setting(name, changes, setting):
    with pytest.raises(ParameterError) as err:
        get_task(name, changes)
    message = str(err.value)
    assert "\n" not in message and f"'{setting}'" in message and name in message


def test_bad_unit_is_refused():
    from brian2 import ms

    with pytest.raises(ParameterUnitError, match="'amplitude'.*current density"):
        get_task("resonance-classes", {"amplitude": 1 * ms})


@pytest.mark.parametrize("cls", TASKS)
def test_stimuli_redrawn_per_block_and_deterministic(cls):
    task = cls()
    a, b = task.currents(0, 50.0), task.currents(1, 50.0)
    assert a.shape == b.shape == (task.times_ms(50.0).size, task.n_classes)
    assert np.all(np.isfinite(a))
    np.testing.assert_array_equal(a, cls().currents(0, 50.0))
    assert not np.allclose(a, b)
    assert not np.allclose(a, cls(seed=2).currents(0, 50.0))
    assert len(set(task.class_labels())) == task.n_classes


def test_resonance_waveforms():
    task = ResonanceClasses(offset=0.5)
    t = task.times_ms(100.0)
    cur = task.currents(3, 100.0)
    assert task.class_labels()[0] == "none" and task.null_class == 0
    np.testing.assert_array_equal(cur[:, 0], 0.5)   # the null class: the offset alone
    late = t >= float(task.value("ramp"))
    for c, f in enumerate(task.value("frequencies"), start=1):
        x = cur[late, c] - 0.5
        assert np.max(np.abs(x)) <= 1.0 + 1e-12
        fit = np.column_stack([np.sin(2e-3 * np.pi * f * t[late]),
                               np.cos(2e-3 * np.pi * f * t[late])])
        coef = np.linalg.lstsq(fit, x, rcond=None)[0]
        assert np.hypot(*coef) == pytest.approx(1.0, abs=1e-9)   # a sine at f
    assert np.allclose(cur[0, 1:], 0.5)   # the ramp starts from the offset: no step


def test_precision_waveforms_are_ou():
    task = PrecisionClasses(segments=4)
    cur = task.currents(0, 4000.0)
    assert cur.shape[1] == 4
    assert np.mean(cur) == pytest.approx(6.0, abs=0.2)
    assert np.std(cur) == pytest.approx(3.0, rel=0.1)
    x = cur[:, 0] - cur[:, 0].mean()
    lag = int(round(3.0 / task.sample_dt_ms))   # one correlation time
    r = np.dot(x[:-lag], x[lag:]) / np.dot(x, x)
    assert r == pytest.approx(np.exp(-1.0), abs=0.1)
    assert not np.allclose(cur[:, 0], cur[:, 1])   # each class its own current


def test_direct_words_layout():
    counts = np.arange(2 * 3 * 2 * 4).reshape(6, 2, 4)   # 2 classes x 3 repeats, pool 2
    words = direct_words(counts, 2, 3)
    assert words.shape == (6, 8)
    np.testing.assert_array_equal(words[1], np.concatenate([counts[0, 1], counts[3, 1]]))
    with pytest.raises(ParameterError):
        direct_words(counts, 4, 3)


# ----------------------------------------------------------------------------- resonance
def test_hh_linearised_impedance_peaks_near_67_hz():
    f0 = hh_resonance_frequency()
    assert f0 == pytest.approx(67.0, abs=1.0)   # 66.7 Hz
    z = hh_impedance([1.0, f0, 300.0])
    assert z[1] > 2.5 * z[0] and z[1] > 4 * z[2]   # a band pass
    assert hh_resonance_frequency(2.0) > f0   # a depolarising offset moves it up


def test_hh_impedance_matches_a_noiseless_small_sine_simulation():
    """The linearisation against the Brian2 model itself: a 0.05 µA/cm² sine, its steady
    voltage amplitude fitted by least squares after 50 ms of transients."""
    from brian2 import Hz, cm, ms, uA

    from hhlif.protocols.protocol import Protocol
    from hhlif.protocols.simulation.running import run
    from hhlif.protocols.stimuli import Sine

    f = np.array([20.0, 47.0, 57.0, 67.0, 77.0, 87.0, 150.0])
    amp = 0.05
    p = Protocol(model="hh", stimulus=Sine(amplitude=amp * uA / cm**2, frequency=10 * Hz),
                 duration=150 * ms, conditions={"frequency": f * Hz}, record=("v",),
                 record_neurons="all", record_dt=0.05 * ms)
    rec = run(p, backend="runtime", progress=False)
    assert rec.main.spike_times.size == 0
    sig = rec.main.signals["v"]
    keep = sig.times >= 50.0
    t = sig.times[keep] * 1e-3
    measured = []
    for k in range(f.size):
        X = np.column_stack([np.sin(2 * np.pi * f[k] * t), np.cos(2 * np.pi * f[k] * t),
                             np.ones_like(t)])
        c = np.linalg.lstsq(X, sig.channel(k)[keep], rcond=None)[0]
        measured.append(np.hypot(c[0], c[1]) / amp)
    np.testing.assert_allclose(measured, hh_impedance(f), rtol=0.01)
    assert f[int(np.argmax(measured))] == 67.0


def _by_class_per_neuron(out, metric, pool):
    """Mean over seeds of the whole pool's by-class value over its size (row 0)."""
    return {lab: float(np.mean(np.asarray(v, dtype=float)[:, 0, -1])) / pool
            for lab, v in out["by_class"][metric].items()}


def test_resonance_hh_information_peaks_near_its_resonance():
    """HH alone on the task's defaults: detecting each frequency against the noise alone,
    the information per neuron peaks within 20 Hz of 67 Hz (about 12 s)."""
    from hhlif.protocols.experiments.candidates import ModelSpec
    from hhlif.protocols.experiments.equivalence import EquivalenceSettings
    from hhlif.protocols.experiments.pools import evaluate_pool

    task = get_task("resonance-classes")
    pool = 5
    s = EquivalenceSettings.coerce({**task.settings_record(), "repeats": 30})
    out = evaluate_pool(model=ModelSpec("hh").to_json(), pool=pool, seeds=2, sizes=[1, pool],
                        metrics=["mi", "fisher"], protocol=task.name, settings=s.to_json(),
                        task=task.to_json(), backend="runtime", n_trial_bootstrap=0)
    freqs = dict(zip(task.class_labels()[1:], task.value("frequencies")))
    rates = np.mean(out["class_rate_hz"], axis=0)
    assert rates[0] < 5.0   # sparse firing on the noise alone
    for metric in ("fisher", "mi"):
        info = _by_class_per_neuron(out, metric, pool)
        best = max(info, key=info.get)
        assert abs(freqs[best] - 67.0) <= 20.0, (metric, info)
        assert info[best] > 2 * max(info["20 Hz"], info["150 Hz"]), (metric, info)


# ----------------------------------------------------------------------------- precision
def test_precision_hh_fine_resolution_exceeds_coarse():
    """HH alone on the task's defaults, one simulation read by the direct method at 2 ms and
    at 25 ms: on every seed the 2 ms information rate's 95 % bootstrap CI lies above the
    25 ms one's, and the mean difference over seeds exceeds its CI (about 15 s)."""
    out = resolution_information("hh", pool=5, seeds=2, bins_ms=(2.0, 25.0),
                                 settings={"repeats": 30}, backend="runtime", n_bootstrap=20)
    fine = np.array([row[0] for row in out["bits_s"]])
    coarse = np.array([row[1] for row in out["bits_s"]])
    for row in out["direct"]:
        assert row[0].ci[0] > row[1].ci[1], (row[0], row[1])
    diff = fine - coarse
    half = 1.96 * np.sqrt(sum((r[0].se ** 2 + r[1].se ** 2) for r in out["direct"])) / len(diff)
    assert diff.mean() > half
    assert np.all(np.asarray(out["rate_hz"]) > 10.0)
