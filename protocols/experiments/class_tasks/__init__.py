"""Equivalence tasks given by their class stimuli: one current waveform per class, redrawn
per seed, into every neuron of a pool of independent neurons with private noise.

Contents
--------
ClassTask
    The base of a task: a frozen dataclass whose fields (with Brian2 units) describe the
    class stimuli; :meth:`ClassTask.currents` draws the waveforms of one stimulus set
    (seed block); ``defaults`` gives the task's own values of the common settings
    (:class:`~hhlif.protocols.experiments.equivalence.EquivalenceSettings`: duration,
    bins, private noise ...).
FunctionTask
    A user's task from a function that makes the class currents of one seed block (the
    README's recipe).
CLASS_TASKS, task_names, get_task, register_task, task_settings_split
    The registered tasks by name; their names (the built-in ones loaded); a task with
    settings; registering a user's task (in this process); ``--set`` items split between
    the task's fields and the common settings.

The registered tasks (one module each) are ``rebound-classes``
(:mod:`.rebound`), ``resonance-classes`` (:mod:`.resonance`), ``onset-classes``
(:mod:`.onset`) and ``precision`` (:mod:`.precision`).  Each states the direction its
result is expected to take (:attr:`ClassTask.expected`): what HH has that a LIF lacks,
and how that should show in the ratio.

How a task is run
-----------------
:func:`hhlif.protocols.experiments.pools.pool_protocol` makes one
:class:`~hhlif.protocols.stimuli.WaveformSet` of every (seed block, class) waveform,
``conditions={"index": ...}``: condition ``b * n_classes + c`` is class ``c`` of block
``b``.  Every current of a task (waveforms and private noise) is multiplied by the
operating point's current scale.  The waveforms are sampled every :attr:`ClassTask.
sample_dt` (0.05 ms) and held in between.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping

import numpy as np

from hhlif.models.errors import ParameterError, UnknownNameError

__all__ = ["ClassTask", "FunctionTask", "CLASS_TASKS", "get_task", "register_task", "task_names",
           "task_settings_split", "is_class_task", "stimulus_digest"]


def _units():
    from brian2 import Hz, cm, ms, uA

    return {"uA_cm2": uA / cm**2, "ms": ms, "Hz": Hz, "1": 1.0}


@dataclass(frozen=True)
class ClassTask:
    """Base of the class-stimulus tasks (subclasses are frozen dataclasses).

    Subclasses set the class variables and implement :meth:`currents`; their fields are
    the stimulus parameters, each with a unit named in ``units`` (field -> JSON suffix:
    ``uA_cm2``, ``ms``, ``Hz``, or ``1`` for plain numbers; a tuple value is a list of
    that unit).  ``seed`` seeds the stimuli: block ``b`` draws from ``(seed, b)``.

    Class attributes
    ----------------
    name : str
        The registered name (``--protocol``).
    description : str
        One line for ``hhlif equivalence --help`` and the study.
    expected : str
        The direction the result should take and why (one or two sentences).
    defaults : dict
        The task's values of the common settings, by JSON name (``duration_ms``,
        ``bin_ms``, ``noise_std_uA_cm2`` ...), applied before the user's ``--set``.
    null_class : int or None
        A class with no signal (e.g. noise alone), against which every other class is
        also scored on its own (:func:`~hhlif.protocols.experiments.pools.evaluate_pool`
        ``by_class``).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    expected: ClassVar[str] = ""
    defaults: ClassVar[dict] = {}
    units: ClassVar[dict] = {}
    null_class: ClassVar[int | None] = None
    sample_dt_ms: ClassVar[float] = 0.05

    seed: int = 1

    def __post_init__(self):
        from hhlif.models import check_quantity

        u = _units()
        for field, suffix in self.units.items():
            value = getattr(self, field)
            if suffix == "1":
                continue
            if isinstance(value, (tuple, list)) and not hasattr(value, "dim"):
                value = [v * u[suffix] if _plain(v) else v for v in value]
            elif _plain(value):
                value = value * u[suffix]
            object.__setattr__(self, field, check_quantity(
                field, value, u[suffix], context=f"{self.name} setting"))
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or \
                self.seed < 0:
            raise ParameterError(f"{self.name} setting 'seed'={self.seed!r}: expected an"
                                 " integer >= 0")
        self.check()

    # -- to implement
    def check(self) -> None:
        """Raise ParameterError for inconsistent fields (one line); default: nothing."""

    @property
    def n_classes(self) -> int:
        return len(self.class_labels())

    def class_labels(self) -> list[str]:
        """A short label per class (tables, figures)."""
        raise NotImplementedError

    def currents(self, block: int, duration_ms: float) -> np.ndarray:
        """The class currents of seed block ``block``: shape (steps, n_classes), µA/cm²,
        sampled every :attr:`sample_dt_ms` from t = 0 over ``duration_ms`` (both ends)."""
        raise NotImplementedError

    # -- helpers for subclasses
    def times_ms(self, duration_ms: float) -> np.ndarray:
        """The sample times (ms) of :meth:`currents`."""
        steps = int(np.ceil(float(duration_ms) / self.sample_dt_ms)) + 1
        return np.arange(steps) * self.sample_dt_ms

    def rng(self, block: int) -> np.random.Generator:
        """The generator of block ``block`` (seed ``(seed, block)``)."""
        return np.random.default_rng([int(self.seed), int(block)])

    def shown(self, field: str) -> str:
        """A field as users write it (``-3*uA/cm**2``), for messages."""
        from hhlif.models.units import format_value

        return format_value(getattr(self, field))

    def value(self, field: str):
        """A field as plain numbers in its JSON unit (a float or a float array)."""
        v = getattr(self, field)
        suffix = self.units.get(field)
        if suffix is None or suffix == "1":
            return v
        return np.asarray(v / _units()[suffix], dtype=float)

    # -- records
    def to_json(self) -> dict:
        """``{"task": name, field: value ...}``; quantities as plain numbers in the unit their
        JSON name states (``depth_uA_cm2``)."""
        out = {"task": self.name}
        for f in dataclasses.fields(self):
            suffix = self.units.get(f.name)
            key = f.name if suffix in (None, "1") else f"{f.name}_{suffix}"
            v = self.value(f.name)
            out[key] = v.tolist() if isinstance(v, np.ndarray) else \
                (list(v) if isinstance(v, tuple) else v)
        return out

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_json(cls, record: Mapping | None) -> "ClassTask":
        """A task from :meth:`to_json` (or a partial record of fields / JSON names)."""
        return cls().updated(record)

    def updated(self, changes: Mapping | None) -> "ClassTask":
        """A copy with ``changes``: fields with units (``depth=-3*uA/cm**2``) or JSON names
        with plain numbers (``depth_uA_cm2=-3``)."""
        kw = {}
        by_json = {f"{k}_{s}": k for k, s in self.units.items() if s != "1"}
        for key, value in dict(changes or {}).items():
            if key == "task":
                if value != self.name:
                    raise ParameterError(f"task record {value!r}: expected {self.name!r}")
                continue
            field = key if key in self.field_names() else by_json.get(key)
            if field is None:
                raise UnknownNameError(f"{self.name} setting {key!r}: unknown; valid are"
                                       f" {', '.join(self.field_names())}")
            if field in kw:
                raise ParameterError(f"{self.name} setting {key!r}: given twice")
            kw[field] = tuple(value) if isinstance(value, list) else value
        return dataclasses.replace(self, **kw) if kw else self

    def settings_record(self) -> dict:
        """The common settings this task sets (its :attr:`defaults`)."""
        return dict(self.defaults)


def _plain(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) \
        and not hasattr(v, "dim")


@dataclass(frozen=True)
class FunctionTask(ClassTask):
    """A user's task: ``make(rng, times_ms)`` returns the class currents of one seed block,
    shape (len(times_ms), n_classes), in µA/cm² (plain numbers).

    Register it with :func:`register_task` (in the process that runs the search: the
    ``serial`` scheduler, the pooled search's default) and pass its ``task_name`` as the
    protocol.  Its record holds a digest of the currents the run used, so the sweep cache
    tells two functions apart.

    Examples
    --------
    >>> import numpy as np
    >>> def steps(rng, t):
    ...     return np.stack([np.where(t > 20, a, 0.0) for a in (2.0, 4.0)], axis=1)
    >>> task = register_task(FunctionTask(task_name="my-steps", make=steps,
    ...                                   labels=("2", "4")), replace=True)
    >>> task.currents(0, 40.0).shape, get_task("my-steps").n_classes
    ((801, 2), 2)
    """

    task_name: str = "user-task"
    make: Callable | None = None
    labels: tuple = ()
    settings: Any = None

    description: ClassVar[str] = "a user's task (class currents from a function)"
    expected: ClassVar[str] = "stated by its author"

    def check(self) -> None:
        if not callable(self.make):
            raise ParameterError(f"FunctionTask 'make'={self.make!r}: expected a function"
                                 " (rng, times_ms) -> currents (steps, classes)")
        if len(self.labels) < 2:
            raise ParameterError(f"FunctionTask 'labels'={self.labels!r}: expected a label"
                                 " per class, at least two")
        object.__setattr__(self, "name", self.task_name)

    @property
    def defaults(self) -> dict:   # type: ignore[override]
        return dict(self.settings or {})

    def class_labels(self) -> list[str]:
        return [str(v) for v in self.labels]

    def currents(self, block: int, duration_ms: float) -> np.ndarray:
        t = self.times_ms(duration_ms)
        out = np.asarray(self.make(self.rng(block), t), dtype=float)
        if out.shape != (t.size, self.n_classes) or not np.all(np.isfinite(out)):
            raise ParameterError(f"{self.name}: make(rng, times_ms) returned shape"
                                 f" {out.shape}; expected finite currents of shape"
                                 f" ({t.size}, {self.n_classes}) in uA/cm**2")
        return out

    def to_json(self) -> dict:
        return {"task": self.name, "function": getattr(self.make, "__qualname__", "?"),
                "labels": list(self.class_labels()), "seed": int(self.seed)}

    def updated(self, changes):
        changes = {k: v for k, v in dict(changes or {}).items()
                   if k not in ("task", "function", "labels")}
        return dataclasses.replace(self, **changes) if changes else self


#: Registered tasks: name -> ClassTask subclass (built-in) or instance (a user's).
CLASS_TASKS: dict[str, Any] = {}


def register_task(task, replace: bool = False):
    """Register a task class (built-in) or a task instance (a user's :class:`FunctionTask`)
    under its name; returns it."""
    name = task.name
    if not name:
        raise ParameterError(f"task {task!r}: expected a name")
    if name in CLASS_TASKS and not replace:
        raise ParameterError(f"task {name!r} is already registered; pass replace=True")
    CLASS_TASKS[name] = task
    return task


def task_names() -> list[str]:
    """The registered task names, sorted (the built-in ones and any the user registered)."""
    _load()
    return sorted(CLASS_TASKS)


def is_class_task(protocol: str) -> bool:
    _load()
    return protocol in CLASS_TASKS


def get_task(protocol: str, settings: Mapping | ClassTask | None = None) -> ClassTask:
    """The task ``protocol`` with ``settings`` (fields or JSON names) applied."""
    _load()
    if isinstance(settings, ClassTask):
        return settings
    entry = CLASS_TASKS.get(protocol)
    if entry is None:
        raise UnknownNameError(f"task {protocol!r}: unknown; valid are"
                               f" {', '.join(sorted(CLASS_TASKS))}")
    base = entry() if isinstance(entry, type) else entry
    return base.updated(settings)


def task_settings_split(protocol: str, overrides: Mapping) -> tuple[dict, dict]:
    """``--set`` items of a class task: (the task's own fields, the common settings)."""
    task = get_task(protocol)
    names = set(task.field_names()) | {f"{k}_{s}" for k, s in task.units.items() if s != "1"}
    own = {k: v for k, v in overrides.items() if k in names}
    return own, {k: v for k, v in overrides.items() if k not in own}


def stimulus_digest(task: ClassTask, blocks: int, duration_ms: float) -> str:
    """SHA-256 (16 hex digits) of the currents of ``blocks`` seed blocks: part of the cache
    key of a pool, so that a changed task function is simulated again."""
    h = hashlib.sha256()
    for b in range(int(blocks)):
        h.update(np.ascontiguousarray(task.currents(b, duration_ms), dtype="<f8").tobytes())
    return h.hexdigest()[:16]


_LOADED = False


def _load() -> None:
    """Import the built-in task modules (they register themselves)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    import importlib

    for module in ("rebound", "resonance", "onset", "precision"):
        importlib.import_module(f"{__name__}.{module}")
