"""Network descriptions, buildable from any neuron model in the registry.

Contents
--------
Network              base class: connectivity as data, ``build`` makes the Brian2 objects
FeedForwardChain     the seed's 2-neuron chain (n neurons, i → i+1), stimulus into neuron 0
FullyConnected       all-to-all, a fixed input current into the first ``n_inputs`` neurons
XorCircuit           an XOR network: inputs A, B; H1 = A ∧ ¬B, H2 = B ∧ ¬A; O = H1 ∨ H2
SeedChain            the seed script's Fig. 3 chain: same-step level coupling, one group per
                     chain position (no synapse dynamics, no delay)
SeedXor              the seed script's XOR scenario: two inputs, one output with a level
                     current (+w while input 1 is above −40 mV, −w while input 2 is)
RandomEI             sparse random excitatory/inhibitory network with Poisson drive
to_lif2hh            an HH network → the same network of tv-LIF2HH or s-LIF2HH circuits
scale                the same connection statistics with k times the neurons (plain LIF)
resize               the same connection statistics with any number of neurons

A network is *data* (sizes, weights, seeds) with units; the neuron model is chosen when it is
built, so one description builds an HH network of N and a LIF network of k·N.  Every synapse
is a current synapse per unit membrane area: a presynaptic spike adds ``w`` (amp/metre², µA/cm²
scale; negative = inhibitory) to the postsynaptic ``I_syn``, which decays with ``tau_syn`` and
is part of ``I_input`` — the same for every model, so circuits receive their synapses where
their model says (``Population.inputs``) and send them from ``Population.output``.

Layout: ``copies`` copies of the network are built as blocks of one population (model neuron
``c·n + k`` is neuron ``k`` of copy ``c``), which is how a :class:`~hhlif.protocols.Protocol`
runs trials and conditions without recompiling.  Connectivity drawn at random is frozen by
the network's ``seed`` (NumPy), identical in every copy; Poisson drive comes from Brian2's
generator (seeded by the protocol).

Examples
--------
>>> from hhlif.models.networks import RandomEI, to_lif2hh, scale
>>> net = RandomEI(n=50, connection_probability=0.1, seed=3)
>>> to_lif2hh(net).counts()["brian2_neurons"]
200
>>> scale(net, 4).counts()["neurons"]
200
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import numpy as np
from brian2 import Hz, Quantity, ms, mV, uA, cm

from . import lif2hh as _circuits  # noqa: F401  (registers the circuits to_lif2hh names)
from .errors import ParameterError, UnknownNameError
from .neuron_model import NeuronModel, check_quantity
from .units import format_quantity

__all__ = ["Network", "FeedForwardChain", "FullyConnected", "XorCircuit", "SeedChain",
           "SeedXor", "RandomEI", "to_lif2hh", "scale", "resize"]

CURRENT = uA / cm**2


def _q(value):
    return field(default_factory=lambda: value)


@dataclass(frozen=True)
class Network:
    """Base class of network descriptions.

    Parameters
    ----------
    model : str or None
        Registry name of the neuron model; ``None`` = the model the caller builds with.
    tau_syn : Quantity
        Decay time of the synaptic current ``I_syn``.
    delay : Quantity
        Synaptic delay.
    neuron_parameters : mapping of str to sequence
        Per network neuron values of model parameters (one per neuron of a copy).
    seed : int
        Seeds random connectivity (NumPy).

    Subclasses define :attr:`n_neurons`, :meth:`connections` and optionally
    :meth:`input_gain` (factor on the protocol's stimulus per neuron) and :meth:`bias`
    (a constant current per neuron that belongs to the network).
    """

    model: str | None = None
    tau_syn: Any = _q(2 * ms)
    delay: Any = _q(0 * ms)
    neuron_parameters: Mapping[str, Any] = _q({})
    seed: int = 0

    def __post_init__(self):
        object.__setattr__(self, "tau_syn", check_quantity("tau_syn", self.tau_syn, ms,
                                                           positive=True, context="network parameter"))
        object.__setattr__(self, "delay", check_quantity("delay", self.delay, ms,
                                                         nonnegative=True,
                                                         context="network parameter"))
        if isinstance(self.seed, bool) or int(self.seed) != self.seed or self.seed < 0:
            raise ParameterError(f"network parameter 'seed'={self.seed!r}: expected an integer >= 0")
        if self.model is not None and not isinstance(self.model, str):
            raise ParameterError(f"network parameter 'model'={self.model!r}: expected a registry"
                                 f" name or None")

    # ----------------------------------------------------------------- structure
    @property
    def n_neurons(self) -> int:
        """Model neurons per copy."""
        raise NotImplementedError

    def connections(self) -> tuple[np.ndarray, np.ndarray, Quantity]:
        """``(pre, post, weight)`` of one copy (weights in amp/metre²)."""
        raise NotImplementedError

    def input_gain(self) -> np.ndarray:
        """Factor on the protocol's stimulus for each neuron (default: all 1)."""
        return np.ones(self.n_neurons)

    def bias(self) -> Quantity:
        """Constant current of each neuron that is part of the network (default 0)."""
        return np.zeros(self.n_neurons) * CURRENT

    def drive(self) -> dict | None:
        """Poisson drive ``{'rate', 'n_sources', 'weight'}`` of every neuron, or None."""
        return None

    def counts(self, model: str | NeuronModel | None = None) -> dict:
        """Neuron and synapse counts of one copy.

        Returns
        -------
        dict
            ``neurons`` (model neurons), ``brian2_neurons`` (× units per neuron of the model),
            ``synapses`` and ``model``.
        """
        resolved = self._resolve(model)
        pre, _, _ = self.connections()
        return {"model": resolved.name, "neurons": int(self.n_neurons),
                "brian2_neurons": int(self.n_neurons * resolved.units_per_neuron),
                "synapses": int(len(pre))}

    def describe(self) -> dict:
        """JSON-friendly description (type, fields with units, counts)."""
        out = {"type": type(self).__name__}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Quantity):
                out[f.name] = format_quantity(value)
            elif isinstance(value, Mapping):
                out[f.name] = {k: (format_quantity(v) if isinstance(v, Quantity) else str(v))
                               for k, v in value.items()}
            elif isinstance(value, (tuple, list)):
                out[f.name] = [list(v) if isinstance(v, (tuple, list)) else v for v in value]
            else:
                out[f.name] = value
        pre, _, _ = self.connections()
        out["n_neurons"] = int(self.n_neurons)
        out["n_synapses"] = int(len(pre))
        return out

    def _resolve(self, model) -> NeuronModel:
        from .registry import get

        if self.model is not None and (model is None or getattr(model, "name", model) != self.model):
            return get(self.model)
        if model is None:
            raise ParameterError(f"{type(self).__name__}: no model given and the network names"
                                 f" none (model=None)")
        return get(model)

    # ----------------------------------------------------------------- Brian2
    def build(self, model=None, *, copies: int = 1, stimulus=None, duration=None,
              parameters: Mapping[str, Any] | None = None, method: str | None = None,
              dt=None, intrinsic=None, trials: int | None = None, name: str = "neurons"):
        """Create the Brian2 objects of ``copies`` copies of the network.

        Parameters
        ----------
        model : str or NeuronModel, optional
            The neuron model (ignored when the network names its own ``model``).
        copies : int
            Copies of the network (a protocol's conditions × trials).
        stimulus : hhlif.protocols.stimuli.Stimulus, optional
            Input current; per-copy field values (arrays of length ``copies``) are allowed.
            Multiplied by :meth:`input_gain` per neuron.
        duration : Quantity
            Simulated time (needed by sampled stimuli and intrinsic noise).
        parameters : mapping
            Model parameter values, scalar or one per copy.
        method, dt : optional
            Integration method and step (default: the model's).
        intrinsic : (std, tau, seed), optional
            Independent Ornstein–Uhlenbeck current per neuron.
        trials : int, optional
            Trials per condition, for the labels (copy ``c`` is trial ``c % trials`` of
            condition ``c // trials``); default 1 (every copy a condition).
        name : str
            Name of the population (and prefix of the Brian2 objects).

        Returns
        -------
        populations : dict of str to Population
        objects : list
        labels : dict of str to (trial array, condition array)
        """
        from brian2 import PoissonInput, TimedArray, second

        neuron_model = self._resolve(model)
        if isinstance(copies, bool) or int(copies) != copies or copies < 1:
            raise ParameterError(f"copies={copies!r}: expected an integer >= 1")
        copies = int(copies)
        n_net = int(self.n_neurons)
        n = copies * n_net
        # a network that names its own model uses that model's method and step
        own = self.model is not None and getattr(model, "name", model) != self.model
        dt = neuron_model.dt if (own or dt is None) else dt
        method = neuron_model.method if (own or not method) else method

        # ---- stimulus (duck-typed: models never import protocols)
        expression, declarations, variables, namespace, synaptic = "0*amp/meter**2", [], {}, {}, []
        if stimulus is not None:
            stim = _expand_stimulus(stimulus, copies, n_net)
            code = _stimulus_code(stim, "stim_", n, duration)
            expression = f"input_gain*{code.expression}"
            declarations.append(code.declarations)
            variables.update(code.variables)
            namespace.update(code.namespace)
            synaptic = list(code.synaptic)
        declarations.append("input_gain : 1 (constant)")
        variables["input_gain"] = np.tile(self.input_gain().astype(float), copies)
        declarations.append("I_bias : amp/meter**2 (constant)")
        variables["I_bias"] = Quantity(np.tile(np.asarray(self.bias(), dtype=float), copies),
                                       dim=CURRENT.dim)
        syn_declarations, syn_term, syn_variables = self._synaptic_equations()
        declarations += syn_declarations
        variables.update(syn_variables)
        expression += " + I_bias" + syn_term
        if intrinsic is not None and float(intrinsic[0]) > 0:
            std, tau, seed = intrinsic
            if duration is None:
                raise ParameterError("intrinsic noise: the duration must be given")
            sample_dt = min(float(tau) / 10, 1e-4)
            steps = int(math.ceil(float(duration) / sample_dt)) + 1
            if steps * n > 2e8:
                raise ParameterError(f"intrinsic noise: {steps} samples x {n} neurons is too large"
                                     f" to hold; use fewer copies or a shorter duration")
            rng = np.random.default_rng(np.random.SeedSequence([int(seed), 7919]))
            noise = _ornstein_uhlenbeck(steps, sample_dt, float(std), float(tau), rng, n)
            namespace["intrinsic_values"] = TimedArray(noise * CURRENT / float(CURRENT),
                                                       dt=sample_dt * second)
            expression += " + intrinsic_values(t, neuron_index)"

        # ---- model parameters: per copy (protocol) and per network neuron (network)
        params = {}
        for key, value in dict(parameters or {}).items():
            q = np.asarray(value)
            params[key] = (np.repeat(q, n_net) * _unit(value)) if q.ndim == 1 and len(q) == copies \
                else value
        for key, values in dict(self.neuron_parameters).items():
            ref = neuron_model.parameters.get(key)
            if ref is None:
                raise UnknownNameError(
                    f"network parameter 'neuron_parameters' key {key!r}: not a parameter of model"
                    f" {neuron_model.name!r}; valid are {', '.join(sorted(neuron_model.parameters))}")
            q = check_quantity(key, values, ref, context="network neuron parameter")
            if np.ndim(q) != 1 or len(q) != n_net:
                raise ParameterError(f"network parameter neuron_parameters[{key!r}]: expected"
                                     f" {n_net} values (one per network neuron), got shape"
                                     f" {np.shape(q)}")
            params[key] = Quantity(np.tile(np.asarray(q, dtype=float), copies), dim=q.dim)

        population = neuron_model.build(
            n, input_expression=expression, extra_equations="\n".join(d for d in declarations if d),
            variables=variables, parameters=params, namespace=namespace, method=method, dt=dt,
            name=name)
        objects = list(population.objects)

        # ---- recurrent synapses
        objects += self._connect(population, neuron_model, copies, dt, name)
        # ---- Poisson drive (the network's own) and Poisson stimuli
        drive = self.drive()
        sources = ([(drive["n_sources"], drive["rate"], drive["weight"])] if drive else []) \
            + [(p.n_sources, p.rate, p.weight) for _, p in synaptic]
        if any(p.modulation for _, p in synaptic):
            raise ParameterError("PoissonInput into a network: expected an unmodulated rate")
        for k, (n_sources, rate, weight) in enumerate(sources):
            if np.ndim(rate) or np.ndim(weight):
                raise ParameterError("PoissonInput into a network: expected a scalar rate and"
                                     " weight (the same for every copy)")
            objects.append(PoissonInput(population.inputs, "I_syn", int(n_sources), rate,
                                        weight=f"{float(weight)!r}*amp/meter**2"))
        trials = 1 if trials is None else int(trials)
        copy = np.repeat(np.arange(copies), n_net)
        labels = {name: (copy % trials, copy // trials)}
        return {name: population}, objects, labels

    def _synaptic_equations(self) -> tuple[list, str, dict]:
        """(declarations, term added to the input, values) of the synaptic current: an
        exponentially decaying ``I_syn`` (spikes of synapses and Poisson sources add to it)."""
        return (["dI_syn/dt = -I_syn/tau_syn : amp/meter**2", "tau_syn : second (constant)"],
                " + I_syn", {"tau_syn": self.tau_syn})

    def _connect(self, population, neuron_model, copies: int, dt, name: str) -> list:
        """The recurrent synapses: each presynaptic spike adds ``w`` to ``I_syn``."""
        from brian2 import Synapses

        pre, post, weight = self.connections()
        if not len(pre):
            return []
        n_net = int(self.n_neurons)
        offsets = np.repeat(np.arange(copies) * n_net, len(pre))
        syn = Synapses(population.output, population.inputs,
                       model="w : amp/meter**2 (constant)", on_pre="I_syn_post += w",
                       delay=self.delay, dt=dt, namespace={}, name=f"{name}_synapses")
        syn.connect(i=np.tile(pre, copies) + offsets, j=np.tile(post, copies) + offsets)
        syn.w = Quantity(np.tile(np.asarray(weight, dtype=float), copies), dim=CURRENT.dim)
        return [syn]


# ====================================================================== topologies
@dataclass(frozen=True)
class FeedForwardChain(Network):
    """Neurons ``0 → 1 → … → n−1``; the protocol's stimulus drives neuron 0 only.

    The seed's chain has ``n = 2``.  Defaults: ``weight`` 100 µA/cm², ``tau_syn`` 1 ms, i.e.
    100 nC/cm² (100 mV on 1 µF/cm²) per spike; at the s-LIF2HH step of 1 ms (Euler) this
    current lasts exactly one step: the seed's ``W × spike`` with W = 1e5 × 0.001 = 100.
    """

    n: int = 2
    weight: Any = _q(100 * CURRENT)
    tau_syn: Any = _q(1 * ms)

    def __post_init__(self):
        super().__post_init__()
        _check_int("n", self.n, 2)
        object.__setattr__(self, "weight", check_quantity("weight", self.weight, CURRENT,
                                                          context="network parameter"))

    @property
    def n_neurons(self):
        return int(self.n)

    def connections(self):
        pre = np.arange(self.n - 1)
        return pre, pre + 1, np.full(len(pre), float(self.weight)) * (CURRENT / float(CURRENT))

    def input_gain(self):
        gain = np.zeros(self.n)
        gain[0] = 1.0
        return gain


@dataclass(frozen=True)
class FullyConnected(Network):
    """All-to-all (no self-connections) with ``weight``; the first ``n_inputs`` neurons get the
    constant ``input_current`` (the seed's scenario: two inputs of 40 µA/cm², weight 20) and
    the protocol's stimulus (all neurons, gain 1)."""

    n: int = 4
    weight: Any = _q(20 * CURRENT)
    n_inputs: int = 2
    input_current: Any = _q(40 * CURRENT)

    def __post_init__(self):
        super().__post_init__()
        _check_int("n", self.n, 2)
        if isinstance(self.n_inputs, bool) or int(self.n_inputs) != self.n_inputs \
                or not 0 <= self.n_inputs <= self.n:
            raise ParameterError(f"network parameter 'n_inputs'={self.n_inputs!r}: expected an"
                                 f" integer in [0, n={self.n}]")
        for key in ("weight", "input_current"):
            object.__setattr__(self, key, check_quantity(key, getattr(self, key), CURRENT,
                                                         context="network parameter"))

    @property
    def n_neurons(self):
        return int(self.n)

    def connections(self):
        pre, post = np.nonzero(~np.eye(self.n, dtype=bool))
        return pre, post, np.full(len(pre), float(self.weight)) * (CURRENT / float(CURRENT))

    def bias(self):
        b = np.zeros(self.n)
        b[:self.n_inputs] = float(self.input_current)
        return b * (CURRENT / float(CURRENT))


#: Neuron roles of one XOR block.
XOR_NEURONS = ("A", "B", "H1", "H2", "O")


@dataclass(frozen=True)
class _CaseBlocks(Network):
    """One block of neurons per input case (a pair of bits): the shared part of the XOR
    networks.  Subclasses set the block size, the two input neurons of a block, its output
    neuron and its connections ``(pre, post, sign of weight)`` within a block."""

    cases: tuple = ((0, 0), (0, 1), (1, 0), (1, 1))
    input_current: Any = _q(40 * CURRENT)
    weight: Any = _q(20 * CURRENT)

    _BLOCK: ClassVar[int] = 0
    _INPUTS: ClassVar[tuple] = ()
    _OUTPUT: ClassVar[int] = 0
    _EDGES: ClassVar[tuple] = ()
    _QUANTITIES: ClassVar[tuple] = (("weight", CURRENT), ("input_current", CURRENT))

    def __post_init__(self):
        super().__post_init__()
        cases = tuple(tuple(int(b) for b in c) for c in self.cases)
        if not cases or any(len(c) != 2 or set(c) - {0, 1} for c in cases):
            raise ParameterError(f"network parameter 'cases'={self.cases!r}: expected pairs of"
                                 f" bits such as ((0, 1), (1, 1))")
        object.__setattr__(self, "cases", cases)
        for key, ref in self._QUANTITIES:
            object.__setattr__(self, key, check_quantity(key, getattr(self, key), ref,
                                                         context="network parameter"))

    @property
    def n_neurons(self):
        return self._BLOCK * len(self.cases)

    def output_neurons(self) -> np.ndarray:
        """Index of the output neuron in each case block."""
        return self._BLOCK * np.arange(len(self.cases)) + self._OUTPUT

    def connections(self):
        w = float(self.weight)
        offsets = self._BLOCK * np.arange(len(self.cases))[:, None]
        pre = (offsets + [i for i, _, _ in self._EDGES]).ravel()
        post = (offsets + [j for _, j, _ in self._EDGES]).ravel()
        weight = np.tile([sign * w for _, _, sign in self._EDGES], len(self.cases))
        return pre, post, weight * (CURRENT / float(CURRENT))

    def input_gain(self):
        return np.zeros(self.n_neurons)

    def bias(self):
        b = np.zeros(self.n_neurons)
        for c, bits in enumerate(self.cases):
            for neuron, bit in zip(self._INPUTS, bits):
                b[self._BLOCK * c + neuron] = bit * float(self.input_current)
        return b * (CURRENT / float(CURRENT))


@dataclass(frozen=True)
class XorCircuit(_CaseBlocks):
    """An XOR network, one 5-neuron block per input case (hhlif's; the seed script's own
    3-neuron scenario is :class:`SeedXor`).

    Inputs A and B get ``input_current`` when their bit is 1; H1 gets A excitatory and B
    inhibitory (``+weight``, ``−weight``), H2 the mirror image, and the output O gets H1 and
    H2 excitatory.  Each hidden neuron has one excitatory and one inhibitory input, so when
    both inputs are on (identical spike trains) they cancel and O stays silent: O fires for
    (0, 1) and (1, 0), not for (0, 0) and (1, 1).

    Parameters
    ----------
    cases : sequence of (a, b)
        Input bits of each block (default the four cases).
    input_current : Quantity
        Current of an active input (default 40 µA/cm²).
    weight : Quantity
        Synaptic weight (default 20 µA/cm²).
    """

    _BLOCK: ClassVar[int] = 5
    _INPUTS: ClassVar[tuple] = (0, 1)
    _OUTPUT: ClassVar[int] = 4
    _EDGES: ClassVar[tuple] = ((0, 2, 1), (1, 2, -1), (1, 3, 1), (0, 3, -1), (2, 4, 1),
                               (3, 4, 1))


@dataclass(frozen=True)
class SeedChain(Network):
    """The seed script's Fig. 3 chain: same-step level coupling, no synaptic dynamics.

    Neurons ``0 → 1 → … → n−1`` (the script: n = 2); the protocol's stimulus drives neuron
    0 only.  Each chain position is its own Brian2 group, updated after the previous one
    within every time step (scheduling ``order`` 10·k), so neuron k+1's step reads neuron
    k's *new* state, as the script's loop does:

    * a neuron model with one unit (``hh-shifted``): during every step in which neuron k is
      above ``level`` at the end of the step, neuron k+1 receives ``weight·dt``
      (the script: W = 10⁵, dt = 0.001 ms, so 100 µA/cm² while neuron 1 is above 70 mV);
    * an s-LIF2HH circuit (a model whose units read ``I_unit``): unit j (1–3) of circuit
      k+1 receives ``weight·dt·[u_j > level] + unit4_current·[u_4 > level]`` of circuit k's
      units in the same update, before circuit k's reset (the script: 10⁵·s_j + s_4 at
      dt = 1 ms); circuit k+1's unit 4 gets only its own units 1–3.

    There is no synapse object, no delay and no decay: the coupling is the level test
    itself.  Spikes are each model's own rule (``hh-shifted`` with ``V_spike`` = level and
    ``refractory='v > V_spike'``: the rising edge of the level test).

    Parameters
    ----------
    n : int
        Chain length (>= 2).
    weight : Quantity
        The script's W, a current per unit time (default 10⁵ µA/cm² per ms); the current of
        one step is ``weight·dt`` of the receiving group.
    level : Quantity
        Level test of the coupling (default 70 mV, the script's threshold).
    unit4_current : Quantity
        What circuit k's unit 4 above ``level`` adds to units 1–3 of circuit k+1 (the
        script's un-weighted s_4: 1, i.e. 1 µA/cm², +1 mV per 1 ms step).

    Returns (from :meth:`build`) one population per chain position, ``{name}_1``,
    ``{name}_2``, …, each with one neuron per copy.  The inherited ``tau_syn`` and
    ``delay`` are unused (there is no synapse).
    """

    n: int = 2
    weight: Any = _q(1e5 * CURRENT / ms)
    level: Any = _q(70 * mV)
    unit4_current: Any = _q(1 * CURRENT)

    def __post_init__(self):
        super().__post_init__()
        _check_int("n", self.n, 2)
        for key, ref in (("weight", CURRENT / ms), ("level", mV), ("unit4_current", CURRENT)):
            object.__setattr__(self, key, check_quantity(key, getattr(self, key), ref,
                                                         context="network parameter"))

    @property
    def n_neurons(self):
        return int(self.n)

    def connections(self):
        """Chain pairs; the weight given is the current of one 1 ms step (``weight·1 ms``;
        the build uses the receiving group's dt)."""
        pre = np.arange(self.n - 1)
        w = float(self.weight * ms)
        return pre, pre + 1, np.full(len(pre), w) * (CURRENT / float(CURRENT))

    def input_gain(self):
        gain = np.zeros(self.n)
        gain[0] = 1.0
        return gain

    def build(self, model=None, *, copies: int = 1, stimulus=None, duration=None,
              parameters: Mapping[str, Any] | None = None, method: str | None = None,
              dt=None, intrinsic=None, trials: int | None = None, name: str = "neurons"):
        """Build ``copies`` chains; same arguments and returns as :meth:`Network.build`, but
        one population per chain position (``{name}_1`` … ``{name}_n``).

        Raises
        ------
        ParameterError
            For intrinsic noise or Poisson stimuli (the script's chain has neither).
        """
        from brian2 import linked_var

        from .lif2hh import CircuitModel

        neuron_model = self._resolve(model)
        if isinstance(copies, bool) or int(copies) != copies or copies < 1:
            raise ParameterError(f"copies={copies!r}: expected an integer >= 1")
        copies = int(copies)
        own = self.model is not None and getattr(model, "name", model) != self.model
        dt = neuron_model.dt if (own or dt is None) else dt
        method = neuron_model.method if (own or not method) else method
        if intrinsic is not None and float(intrinsic[0]) > 0:
            raise ParameterError(f"network SeedChain: intrinsic_noise="
                                 f"{format_quantity(intrinsic[0])}: expected 0 (the seed's"
                                 f" chain is deterministic)")
        params = {}
        for key, value in dict(parameters or {}).items():
            params[key] = value
        per_layer = {}
        for key, values in dict(self.neuron_parameters).items():
            ref = neuron_model.parameters.get(key)
            if ref is None:
                valid = ", ".join(sorted(neuron_model.parameters))
                raise UnknownNameError(
                    f"network parameter 'neuron_parameters' key {key!r}: not a parameter of"
                    f" model {neuron_model.name!r}; valid are {valid}")
            q = check_quantity(key, values, ref, context="network neuron parameter")
            if np.ndim(q) != 1 or len(q) != self.n:
                raise ParameterError(f"network parameter neuron_parameters[{key!r}]: expected"
                                     f" {self.n} values (one per network neuron), got shape"
                                     f" {np.shape(q)}")
            per_layer[key] = q
        namespace = {"seed_pulse": self.weight * dt, "seed_level": self.level,
                     "seed_unit4": self.unit4_current}
        per_unit = isinstance(neuron_model, CircuitModel) and \
            "I_unit" in neuron_model.unit_equations
        voltage = neuron_model.voltage
        populations, objects, labels = {}, [], {}
        copy = np.arange(copies)
        previous = None
        for k in range(int(self.n)):
            layer_name = f"{name}_{k + 1}"
            layer_params = dict(params, **{key: q[k] for key, q in per_layer.items()})
            kwargs = dict(parameters=layer_params, namespace=dict(namespace), method=method,
                          dt=dt, name=layer_name)
            if k == 0:
                expression, extra, variables = "0*amp/meter**2", "", {}
                if stimulus is not None:
                    code = _stimulus_code(_expand_stimulus(stimulus, copies, 1), "stim_",
                                          copies, duration)
                    if code.synaptic:
                        raise ParameterError("network SeedChain: a Poisson stimulus: expected"
                                             " a current (the seed's chain has no synapses)")
                    expression, extra = code.expression, code.declarations
                    variables = dict(code.variables)
                    kwargs["namespace"].update(code.namespace)
                kwargs.update(input_expression=expression, extra_equations=extra,
                              variables=variables)
            elif per_unit:
                kwargs.update(unit_input_expression="seed_pulse*int(v_up > seed_level)"
                                                    " + seed_unit4*int(v_up4 > seed_level)",
                              unit_extra_equations="v_up : volt (linked)\n"
                                                   "v_up4 : volt (linked)")
            else:
                kwargs.update(input_expression="seed_pulse*int(v_up > seed_level)",
                              extra_equations="v_up : volt (linked)")
            if isinstance(neuron_model, CircuitModel):
                pop = neuron_model.build(copies, order=10 * k, **kwargs)
            else:
                pop = neuron_model.build(copies, **kwargs)
                _set_order(pop.group, 10 * k)
            if k > 0 and per_unit:
                rows = np.arange(3 * copies)
                pop.units.v_up = linked_var(previous.units, "v", index=rows)
                pop.units.v_up4 = linked_var(previous.output, voltage, index=rows % copies)
            elif k > 0:
                pop.output.v_up = linked_var(previous.output, voltage, index=copy)
            populations[layer_name] = pop
            objects += list(pop.objects)
            trial_count = 1 if trials is None else int(trials)
            labels[layer_name] = (copy % trial_count, copy // trial_count)
            previous = pop
        return populations, objects, labels


#: Neuron roles of one block of the seed's XOR script.
SEED_XOR_NEURONS = ("input 1", "output", "input 2")


@dataclass(frozen=True)
class SeedXor(_CaseBlocks):
    """The seed script's XOR scenario (Supplementary Fig. 2), one 3-neuron block per case.

    ``input 1`` gets ``input_current`` when the case's first bit is 1, ``input 2`` when the
    second is; ``output`` gets ``+weight`` while input 1 is above ``level`` and ``−weight``
    while input 2 is (one excitatory, one inhibitory input).  The coupling is a level
    current, not a pulse: it flows during every step in which the presynaptic neuron's
    state at the start of the step is above ``level`` (a Brian2 summed variable, updated
    before the state update), as in the script, where the output neuron's input is
    20·[u₁(t_{i−1}) > −40] − 20·[u₃(t_{i−1}) > −40].

    Parameters
    ----------
    cases : sequence of (a, b)
        Input bits of each block (default the four cases; the script as shipped runs
        (1, 1)).
    input_current : Quantity
        Current of an active input (default 40 µA/cm²).
    weight : Quantity
        Coupling current (default 20 µA/cm²).
    level : Quantity
        Level test of the coupling (default −40 mV, the script's threshold; modern
        convention).
    """

    level: Any = _q(-40 * mV)

    _BLOCK: ClassVar[int] = 3
    _INPUTS: ClassVar[tuple] = (0, 2)
    _OUTPUT: ClassVar[int] = 1
    _EDGES: ClassVar[tuple] = ((0, 1, 1), (2, 1, -1))
    _QUANTITIES: ClassVar[tuple] = (("weight", CURRENT), ("input_current", CURRENT),
                                    ("level", mV))

    def _synaptic_equations(self):
        declarations, term, variables = super()._synaptic_equations()
        return (declarations + ["I_level : amp/meter**2", "above_level : 1"],
                term + " + I_level", variables)

    def _connect(self, population, neuron_model, copies, dt, name):
        """Level coupling: ``I_level`` of the target is Σ w·above_level_pre, a summed
        variable recomputed before any state update of the step, where ``above_level`` =
        [V > level] is set at the start of the step (from the old state; a separate
        variable because a circuit's V is a subexpression of linked variables, which
        synapses cannot read)."""
        from brian2 import Synapses, volt

        pre, post, weight = self.connections()
        n_net = int(self.n_neurons)
        offsets = np.repeat(np.arange(copies) * n_net, len(pre))
        voltage = neuron_model.voltage
        population.output.run_regularly(
            f"above_level = int({voltage} > {float(self.level / volt)!r}*volt)", when="start",
            name=f"{name}_level_test")
        syn = Synapses(population.output, population.inputs,
                       model=("w : amp/meter**2 (constant)\n"
                              "I_level_post = w*above_level_pre : amp/meter**2 (summed)"),
                       dt=dt, namespace={}, name=f"{name}_synapses")
        syn.connect(i=np.tile(pre, copies) + offsets, j=np.tile(post, copies) + offsets)
        syn.w = Quantity(np.tile(np.asarray(weight, dtype=float), copies), dim=CURRENT.dim)
        for updater in syn.summed_updaters.values():
            updater.order = -100  # before every group of the population (circuits: 2 groups)
        return [syn]


@dataclass(frozen=True)
class RandomEI(Network):
    """Sparse random excitatory/inhibitory network with Poisson drive.

    Each ordered pair (i ≠ j) is connected with probability ``connection_probability``
    (drawn per target: in-degree ~ Binomial(n − 1, p), sources without replacement; frozen by
    ``seed``).  The first ``round(fraction_excitatory·n)`` neurons are excitatory (weight
    ``weight_e``), the rest inhibitory (weight ``−g·weight_e``).  Every neuron receives
    ``drive_sources`` independent Poisson sources of rate ``drive_rate``, each spike adding
    ``drive_weight`` to ``I_syn`` (mean drive current = sources × rate × weight × tau_syn).
    The protocol's stimulus is added to every neuron (gain 1).

    Defaults (a working point for ``hh``, not fitted to anything): p = 0.1, 80 % excitatory,
    weight_e 0.5 µA/cm², g = 4, tau_syn 5 ms, 100 sources at 20 Hz of 1 µA/cm² (mean drive
    10 µA/cm²).
    """

    n: int = 100
    connection_probability: float = 0.1
    fraction_excitatory: float = 0.8
    weight_e: Any = _q(0.5 * CURRENT)
    g: float = 4.0
    drive_rate: Any = _q(20 * Hz)
    drive_sources: int = 100
    drive_weight: Any = _q(1 * CURRENT)
    tau_syn: Any = _q(5 * ms)

    def __post_init__(self):
        super().__post_init__()
        _check_int("n", self.n, 2)
        _check_int("drive_sources", self.drive_sources, 0)
        for key in ("connection_probability", "fraction_excitatory"):
            value = getattr(self, key)
            if not isinstance(value, (int, float, np.floating)) or not 0 <= float(value) <= 1:
                raise ParameterError(f"network parameter {key!r}={value!r}: expected a number"
                                     f" in [0, 1]")
        if not np.isfinite(self.g) or self.g < 0:
            raise ParameterError(f"network parameter 'g'={self.g!r}: expected a number >= 0")
        for key, ref in (("weight_e", CURRENT), ("drive_weight", CURRENT), ("drive_rate", Hz)):
            object.__setattr__(self, key, check_quantity(key, getattr(self, key), ref,
                                                         nonnegative=key == "drive_rate",
                                                         context="network parameter"))

    @property
    def n_neurons(self):
        return int(self.n)

    @property
    def n_excitatory(self) -> int:
        return int(round(self.fraction_excitatory * self.n))

    def connections(self):
        rng = np.random.default_rng(np.random.SeedSequence([int(self.seed), 104729]))
        n, p = int(self.n), float(self.connection_probability)
        pre, post = [], []
        for j in range(n):
            k = rng.binomial(n - 1, p)
            if not k:
                continue
            src = rng.choice(n - 1, size=k, replace=False)
            src = src + (src >= j)  # skip the self-connection
            pre.append(np.sort(src))
            post.append(np.full(k, j))
        pre = np.concatenate(pre) if pre else np.zeros(0, int)
        post = np.concatenate(post) if post else np.zeros(0, int)
        w = np.where(pre < self.n_excitatory, float(self.weight_e),
                     -self.g * float(self.weight_e))
        return pre.astype(np.int64), post.astype(np.int64), w * (CURRENT / float(CURRENT))

    def drive(self):
        if not self.drive_sources or float(self.drive_rate) == 0:
            return None
        return {"n_sources": int(self.drive_sources), "rate": self.drive_rate,
                "weight": self.drive_weight}

    def describe(self):
        out = super().describe()
        out["n_excitatory"] = self.n_excitatory
        return out


# ====================================================================== conversions
_TV = {"hh": "tv-lif2hh", "hh-shifted": "tv-lif2hh-shifted"}


def to_lif2hh(network: Network, kind: str = "tv") -> Network:
    """The same network with every HH neuron replaced by a 4-unit LIF2HH circuit.

    Parameters
    ----------
    network : Network
        A network of ``hh`` or ``hh-shifted`` neurons (``model=None`` counts as ``hh``).
    kind : {'tv', 's'}
        ``'tv'``: the exact circuit of the same convention (``tv-lif2hh`` or
        ``tv-lif2hh-shifted``); ``'s'``: the simplified ``s-lif2hh``.

    Returns
    -------
    Network
        Same type, connectivity, weights and seeds; ``model`` set to the circuit.  Its
        :meth:`~Network.counts` report 4 Brian2 neurons per HH neuron and the same synapses
        (from circuit outputs onto circuit inputs).

    Raises
    ------
    ParameterError
        For a network of another model or an unknown ``kind``.
    """
    source = network.model or "hh"
    if kind not in ("tv", "s"):
        raise ParameterError(f"kind={kind!r}: expected 'tv' or 's'")
    if source not in _TV:
        raise ParameterError(f"to_lif2hh: the network's model is {source!r}; expected an HH"
                             f" network ('hh' or 'hh-shifted')")
    target = _TV[source] if kind == "tv" else "s-lif2hh"
    return dataclasses.replace(network, model=target)


def scale(network: Network, k: int, model: str = "lif") -> Network:
    """The same connection statistics with ``k`` times the neurons, of ``model``.

    Sizes multiply by ``k`` (``n``, and ``n_inputs`` of :class:`FullyConnected`); the
    connection probability, excitatory fraction, weights, drive and seeds stay, so in-degrees
    grow with ``k`` as they do for the same probability in a larger network.

    Raises
    ------
    ParameterError
        For ``k < 1`` or a network without a size ``n`` (the XOR circuit).
    """
    _check_int("k", k, 1)
    if not any(f.name == "n" for f in dataclasses.fields(network)):
        raise ParameterError(f"scale: {type(network).__name__} has no size n to scale")
    changes = {}
    if isinstance(network, FullyConnected):
        changes["n_inputs"] = int(network.n_inputs) * int(k)
    return resize(network, int(network.n) * int(k), model=model, **changes)


def resize(network: Network, n: int, model: str | None = None, **changes) -> Network:
    """The same network description with ``n`` neurons (``scale`` for any size).

    Everything but the size stays (probability, weights, drive, seeds): an equivalence
    search over candidate sizes evaluates ``resize(reference, n, model)`` at every ``n``,
    and for ``n = k·N`` that is ``scale(reference, k, model)`` (except for
    :class:`FullyConnected`, whose ``scale`` also multiplies ``n_inputs``; pass it in
    ``changes``).

    Parameters
    ----------
    network : Network
        A description with a size field ``n``.
    n : int
        New size.
    model : str, optional
        Registry name of the neurons (default: keep the network's).
    **changes
        Other fields to replace at the same time.

    Raises
    ------
    ParameterError
        For a network without a size ``n`` or an ``n`` it does not accept.
    """
    if not any(f.name == "n" for f in dataclasses.fields(network)):
        raise ParameterError(f"resize: {type(network).__name__} has no size n to change")
    if model is not None:
        changes["model"] = model
    return dataclasses.replace(network, n=n, **changes)


# ====================================================================== helpers
def _set_order(group, order: int) -> None:
    """Scheduling order of a group and of its state updater, thresholder and resetter."""
    group.order = int(order)
    for obj in group.contained_objects:
        obj.order = int(order)


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(f"network parameter {name!r}={value!r}: expected an integer"
                             f" >= {minimum}")


def _unit(value):
    from brian2 import get_dimensions

    return Quantity(1.0, dim=get_dimensions(value))


def _expand_stimulus(stimulus, copies: int, n_net: int):
    """Per-copy field arrays (length ``copies``) → per-neuron arrays (``copies·n_net``)."""
    if hasattr(stimulus, "parts"):
        return dataclasses.replace(stimulus, parts=tuple(_expand_stimulus(p, copies, n_net)
                                                         for p in stimulus.parts))
    values = {}
    for key in getattr(stimulus, "parameters", ()):
        v = getattr(stimulus, key)
        if np.ndim(v) == 1:
            if len(v) != copies:
                raise ParameterError(f"stimulus parameter {key!r}: {len(v)} values for {copies}"
                                     f" network copies")
            values[key] = np.repeat(np.asarray(v), n_net) * _unit(v)
    return stimulus.with_values(**values) if values else stimulus


def _stimulus_code(stimulus, prefix, n, duration):
    """``stimulus.to_brian`` (with the duration for sampled stimuli)."""
    import inspect

    if "duration" in inspect.signature(stimulus.to_brian).parameters:
        return stimulus.to_brian(prefix, n, duration=duration)
    return stimulus.to_brian(prefix, n)


def _ornstein_uhlenbeck(steps, dt, std, tau, rng, n):
    """Exact zero-mean OU samples (steps × n), stationary start."""
    from scipy.signal import lfilter

    xi = rng.standard_normal((steps, n))
    a = math.exp(-dt / tau)
    out = np.empty((steps, n))
    out[0] = std * xi[0]
    out[1:] = lfilter([std * math.sqrt(1 - a * a)], [1, -a], xi[1:], axis=0,
                      zi=a * out[0][None, :])[0]
    return out
