"""Builds reused: compile a protocol once, rerun the binary with other values.

Contents
--------
ReusableBuild    build a protocol once on a C++ backend (``cpp``, ``cpp-simd``), then
                 :meth:`~ReusableBuild.run` variants of it without recompiling
run_many         ``[run(variant) for variant in variants]`` with one build

Trials and conditions already run as neurons of one group (one build per protocol run).
When the values change *between* runs — a 20-point amplitude sweep done one run at a time,
20 seeds of a frozen-noise stimulus, a model parameter scanned — the generated code is the
same, only the data differ.  Brian2 ≥ 2.6 standalone binaries read new values for
per-neuron variables and TimedArrays from the command line (``device.run(run_args=...)``):
a variant here sets, on the command line of the compiled program,

* every stimulus field (``stim_<field>``, one value per neuron, or one shared value when
  the build had one value for all neurons — a variant must then be uniform too),
* every model parameter (per neuron or shared, likewise) and the initial values that refer to a parameter
  (``v = E_L``), so a changed ``E_L`` also changes the start,
* the values of the frozen-noise TimedArrays (stimulus noise with a new ``seed``) and of
  the intrinsic-noise TimedArray (a new ``Protocol.seed``).

What needs new code is refused with :class:`~hhlif.models.errors.ParameterError` naming
the field: another model or stimulus type, neuron count, duration, step, recording,
network, and — because Brian2's generator seed is compiled in — a new seed or rate for a
``PoissonInput`` stimulus.

Examples
--------
>>> from brian2 import ms, uA, cm
>>> from hhlif.protocols import Protocol, stimuli
>>> from hhlif.protocols.simulation.reuse import run_many
>>> base = Protocol(model="lif", stimulus=stimuli.Constant(20*uA/cm**2), duration=50*ms)
>>> recs = run_many(base, [{"stimulus": stimuli.Constant(a*uA/cm**2)} for a in (20, 30)],
...                 backend="cpp")                                     # doctest: +SKIP
"""

from __future__ import annotations

import time
from typing import Any, Iterable, Mapping

import numpy as np

from hhlif.models.errors import ParameterError
from hhlif.models.units import uniform_value

from hhlif.protocols.backends import get_backend
from hhlif.protocols.protocol import Protocol
from hhlif.protocols.recordings.recording import Recording
from hhlif.protocols.simulation.assembly import assemble, intrinsic_noise
from hhlif.protocols.simulation.naming import build_local_names
from hhlif.protocols.simulation.provenance import provenance, say, structure_key
from hhlif.protocols.simulation.running import collect, interruptible
from hhlif.protocols.stimuli import stimulus_code

__all__ = ["ReusableBuild", "run_many"]

class ReusableBuild:
    """A protocol compiled once; :meth:`run` reruns the binary with a variant's values.

    Parameters
    ----------
    protocol : Protocol
        The base protocol: fixes the structure (model, stimulus type, neurons, duration,
        dt, recording).
    backend : str
        ``cpp`` or ``cpp-simd`` (any backend on a C++ standalone device).
    threads : int, optional
        OpenMP threads.

    Attributes
    ----------
    compiles_ : int
        Builds (``make`` calls) made by this object: 1 once opened.
    runs_ : int
        Binary runs made.

    Notes
    -----
    Use it as a context manager: the Brian2 device and the build directory (locked) stay
    active between :meth:`open` and :meth:`close`; no other Brian2 simulation can run in
    this process meanwhile.
    """

    def __init__(self, protocol: Protocol, backend: str = "cpp", *, threads: int | None = None):
        if not isinstance(protocol, Protocol):
            raise ParameterError(f"protocol={protocol!r}: expected an hhlif.protocols.Protocol")
        if protocol.network is not None:
            raise ParameterError(
                f"protocol.network={protocol.network.describe()!r}: builds are reused for"
                f" protocols of independent neurons only; run networks with run()")
        self.protocol = protocol
        self.backend = get_backend(backend)
        if not self.backend.accepts_run_args:
            raise ParameterError(
                f"backend={self.backend.name!r}: reusing builds needs a C++ standalone backend"
                f" (cpp or cpp-simd), whose binaries accept new values")
        self.threads = threads
        self._context = None
        self._session = None

    @property
    def compiles_(self) -> int:
        """Builds (``make`` calls) made by this object (its :class:`Build`'s count)."""
        return self._session.compiled if self._session is not None else 0

    @property
    def runs_(self) -> int:
        """Binary runs made (its :class:`Build`'s count)."""
        return self._session.runs if self._session is not None else 0

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> "ReusableBuild":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> "ReusableBuild":
        """Generate and compile the base protocol (no run yet)."""
        from brian2 import Network

        if self._context is not None:
            return self
        protocol = self.protocol
        self.backend.check()
        key = structure_key(protocol, self.backend.name, self.threads)
        self._context = self.backend.session(key, threads=self.threads)
        self._session = self._context.__enter__()
        try:
            import brian2

            t0 = time.perf_counter()
            brian2.seed(int(protocol.seed))
            with build_local_names(), interruptible(protocol):
                assembly = assemble(protocol)
                Network(assembly.objects).run(protocol.duration, namespace={})
                t1 = time.perf_counter()
                say(f"compiling {self.backend.name} build in {self._session.directory}")
                self._session.compile()
            self._compile_s = time.perf_counter() - t1
            self._setup_s = t1 - t0
        except BaseException:
            self.close()
            raise
        self._assembly = assembly
        self._base_values = self._values(protocol)
        return self

    def close(self) -> None:
        """Release the device and the build directory."""
        context, self._context = self._context, None
        if context is not None:
            context.__exit__(None, None, None)

    # ------------------------------------------------------------------ runs
    def run(self, variant: Protocol | Mapping[str, Any] | None = None) -> Recording:
        """Run the compiled binary with the values of ``variant``.

        Parameters
        ----------
        variant : Protocol or mapping, optional
            A protocol of the same structure, or ``{field: value}`` changes applied to the
            base protocol with :meth:`Protocol.replace` (e.g. ``{"stimulus": ...}``,
            ``{"seed": 3}``, ``{"parameters": {"g_L": ...}}``); None = the base protocol.

        Returns
        -------
        Recording

        Raises
        ------
        ParameterError
            If the variant needs different code (the message names the field).
        DivergenceError
            If the membrane potential became NaN or infinite.
        """
        if self._context is None:
            self.open()
        protocol = self._variant(variant)
        run_args = self._run_args(protocol)
        t0 = time.perf_counter()
        with interruptible(protocol):
            self._session.run_binary(run_args)
        t1 = time.perf_counter()
        result = collect(protocol, self._assembly)
        wall = time.perf_counter() - t0
        result.provenance.update(provenance(protocol, self.backend.name, self.threads,
                                             self._session, build=self._setup_s,
                                             run=t1 - t0, wall=wall,
                                             populations=self._assembly.populations))
        result.provenance["wall_time_s"]["compile"] = round(self._compile_s, 6)
        result.provenance["reused_build"] = {"compiles": self.compiles_, "run": self.runs_}
        return result

    # ------------------------------------------------------------------ helpers
    def _variant(self, variant) -> Protocol:
        base = self.protocol
        if variant is None:
            return base
        if isinstance(variant, Mapping):
            variant = base.replace(**dict(variant))
        if not isinstance(variant, Protocol):
            raise ParameterError(f"variant={variant!r}: expected a Protocol, a mapping of"
                                 f" Protocol fields to new values, or None")
        for name in ("duration", "integration_dt", "record_dt", "record_neurons"):
            a, b = getattr(base, name), getattr(variant, name)
            if not np.array_equal(np.asarray(a), np.asarray(b)):
                raise ParameterError(f"variant {name}={b!r}: differs from the build's {a!r};"
                                     f" changing it needs a new build (use run())")
        if structure_key(variant, "", None) != structure_key(base, "", None):
            raise ParameterError(
                "variant: its model equations, stimulus type, neuron count, method or recorded"
                " variables differ from the build's; that needs a new build (use run())")
        if stimulus_code(variant.stimulus, "stim_", 1, variant.duration).synaptic or \
                stimulus_code(base.stimulus, "stim_", 1, base.duration).synaptic:
            if variant.stimulus != base.stimulus or variant.seed != base.seed:
                raise ParameterError(
                    "variant stimulus/seed: a PoissonInput's rate and Brian2's generator seed are"
                    " compiled in; changing them needs a new build (use run())")
        return variant

    def _values(self, protocol: Protocol) -> dict:
        """``{variable: Quantity}`` (per-neuron variables) and ``{('timed', name): values}``."""
        n = protocol.n_copies
        model = protocol.neuron_model
        stim_values, model_values = protocol.per_copy_values()
        stimulus = protocol.stimulus.with_values(**stim_values) if stim_values \
            else protocol.stimulus
        code = stimulus_code(stimulus, "stim_", n, protocol.duration)
        out = {}
        params = {key: model_values.get(key, default) for key, default in model.parameters.items()}
        out.update(params)
        for key, value in model.initial.items():
            if isinstance(value, str):
                if value in params:
                    out[key] = params[value]
                else:
                    out[("expression", key)] = value
            else:
                out[key] = value
        out.update(code.variables)
        for name, obj in code.namespace.items():
            if hasattr(obj, "values") and hasattr(obj, "dim"):
                out[("timed", name)] = obj
        if float(protocol.intrinsic_noise) > 0:
            # the same table as the assembly's
            out[("timed", "intrinsic_values")] = intrinsic_noise(
                protocol.intrinsic_noise, protocol.intrinsic_tau, protocol.seed,
                protocol.duration, n)[0]
        return out

    def _run_args(self, protocol: Protocol) -> dict:
        from brian2 import Quantity

        group = self._assembly.populations["neurons"].group
        values = self._values(protocol)
        expressions = {k: v for k, v in values.items() if isinstance(k, tuple) and k[0] == "expression"}
        if expressions and any(
                not _same(values[k], self._base_values.get(k)) for k in values
                if not isinstance(k, tuple)):
            raise ParameterError(
                f"variant: initial values {dict((k[1], v) for k, v in expressions.items())} are"
                f" expressions that Brian2 evaluated at build time; changing parameters would"
                f" leave them stale (use run())")
        run_args = {}
        for key, value in values.items():
            if isinstance(key, tuple):
                if key[0] != "timed":
                    continue
                built = group.namespace.get(key[1])
                if built is None:
                    raise ParameterError(f"variant: TimedArray {key[1]!r} is not part of the build")
                new = value if isinstance(value, Quantity) or not hasattr(value, "values") \
                    else Quantity(value.values, dim=value.dim)
                if np.shape(new) != built.values.shape:
                    raise ParameterError(
                        f"variant: TimedArray {key[1]!r} has shape {np.shape(new)}, the build's"
                        f" {built.values.shape}; that needs a new build (use run())")
                run_args[built] = new
            elif group.variables[key].scalar:
                # a shared (uniform) value in the build: the variant must be uniform too
                single = uniform_value(value)
                if single is None:
                    raise ParameterError(
                        f"variant: {key!r} has one value for all neurons in the build, the"
                        f" variant gives {np.size(value)} different values; that needs a new"
                        f" build (use run())")
                run_args[getattr(group, key)] = single
            else:
                run_args[getattr(group, key)] = _per_neuron(value, group.N)
        return run_args

    def __repr__(self) -> str:
        return (f"ReusableBuild(protocol={self.protocol.name!r}, backend={self.backend.name!r},"
                f" compiles_={self.compiles_}, runs_={self.runs_})")


def _per_neuron(value, n: int):
    from brian2 import Quantity, get_dimensions

    arr = np.asarray(value, dtype=float)
    arr = np.broadcast_to(arr, (n,)).copy() if arr.ndim == 0 or arr.size == 1 else arr
    return Quantity(arr, dim=get_dimensions(value))


def _same(a, b) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except (TypeError, ValueError):
        return False


def run_many(protocol: Protocol, variants: Iterable, backend: str = "cpp", *,
             threads: int | None = None) -> list[Recording]:
    """Run several variants of one protocol with a single compilation.

    Parameters
    ----------
    protocol : Protocol
        The base protocol (see :class:`ReusableBuild` for what may vary).
    variants : iterable of Protocol, mapping or None
        Each one run (see :meth:`ReusableBuild.run`).
    backend : str
        ``cpp`` or ``cpp-simd``.
    threads : int, optional

    Returns
    -------
    list of Recording
        One per variant, in order.
    """
    with ReusableBuild(protocol, backend, threads=threads) as build:
        return [build.run(v) for v in variants]
