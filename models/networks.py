"""Network descriptions: topology, weights and couplings as data, for any neuron model.

Contents
--------
Network              base class: connectivity, gains, bias, drive and coupling as data
FeedForwardChain     the seed's 2-neuron chain (n neurons, i → i+1), stimulus into neuron 0
FullyConnected       all-to-all, a fixed input current into the first ``n_inputs`` neurons
XorCircuit           an XOR network: inputs A, B; H1 = A ∧ ¬B, H2 = B ∧ ¬A; O = H1 ∨ H2
SeedChain            the seed script's Fig. 3 chain: same-step level coupling, one group per
                     chain position (no synapse dynamics, no delay)
SeedXor              the seed script's XOR scenario: two inputs, one output with a level
                     current (+w while input 1 is above −40 mV, −w while input 2 is)
RandomEI             sparse random excitatory/inhibitory network with Poisson drive
PrivateNoiseNetwork  the equivalence tasks' network: ``size`` neurons per copy, private
                     balanced Poisson noise, optional sparse random coupling within a copy
PulseCoupling, LevelCoupling, ChainCoupling, RandomCoupling
                     how a network's neurons act on each other (the ``coupling`` of a
                     description; see below)
to_lif2hh            an HH network → the same network of tv-LIF2HH or s-LIF2HH circuits
scale                the same connection statistics with k times the neurons (plain LIF)
resize               the same connection statistics with any number of neurons

A network is *data* (sizes, weights, seeds) with units; nothing here creates Brian2
objects.  The neuron model is chosen when the description is assembled
(:func:`hhlif.protocols.simulation.assembly.assemble`), so one description builds an HH
network of N and a LIF network of k·N.  Every synapse is a current synapse per unit
membrane area: a presynaptic spike adds ``w`` (amp/metre², µA/cm² scale; negative =
inhibitory) to the postsynaptic ``I_syn``, which decays with ``tau_syn`` and is part of
``I_input`` — the same for every model, so circuits receive their synapses where their
model says (``Population.inputs``) and send them from ``Population.output``.

What a description gives the assembly
-------------------------------------
``n_neurons``, ``connections()`` (pre, post, weight of one copy), ``input_gain()`` (factor on
the protocol's stimulus per neuron, or None: no gain term), ``bias()`` (constant current per
neuron, or None: no bias term), ``drives()`` (Poisson sources into ``I_syn`` of every
neuron), ``tau_syn``, ``neuron_parameters`` (per network neuron), ``model`` (a model the
network names itself, or None) and ``coupling``: a small frozen description whose ``kind``
the assembly dispatches on —

* :class:`PulseCoupling` (``"pulse"``): a presynaptic spike adds ``w`` to ``I_syn`` after
  ``delay``; weights from ``connections()``;
* :class:`LevelCoupling` (``"level"``): a current ``Σ w·[V_pre > level]`` through a summed
  variable, from the state at the start of the step (the seed's XOR);
* :class:`ChainCoupling` (``"chain"``): one population per chain position, each reading the
  previous one's new state through linked variables (the seed's Fig. 3 chain);
* :class:`RandomCoupling` (``"random"``): a fixed weight between neurons of the same copy,
  each ordered pair with probability ``p``, drawn by Brian2's generator;
* ``None``: no coupling.

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
>>> net.coupling.kind
'pulse'
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import numpy as np
from brian2 import Hz, Quantity, ms, mV, uA, cm

from . import lif2hh as _circuits  # noqa: F401  (registers the circuits to_lif2hh names)
from .errors import ParameterError
from .neuron_model import NeuronModel, check_quantity
from .units import format_quantity, in_units

__all__ = ["Network", "FeedForwardChain", "FullyConnected", "XorCircuit", "SeedChain",
           "SeedXor", "RandomEI", "PrivateNoiseNetwork", "PulseCoupling", "LevelCoupling",
           "ChainCoupling", "RandomCoupling", "to_lif2hh", "scale", "resize", "resolve_model"]

CURRENT = uA / cm**2


def _q(value):
    return field(default_factory=lambda: value)


# ====================================================================== couplings
@dataclass(frozen=True)
class PulseCoupling:
    """Spike-triggered current synapses: a presynaptic spike adds ``w`` (from the network's
    ``connections()``) to the target's ``I_syn`` after ``delay``.

    Parameters
    ----------
    delay : Quantity
        Synaptic delay (>= 0).
    """

    delay: Any = _q(0 * ms)
    kind: ClassVar[str] = "pulse"


@dataclass(frozen=True)
class LevelCoupling:
    """A level current: the target's ``I_level`` is ``Σ w·[V_pre > level]`` during every step,
    ``[V_pre > level]`` taken from the state at the start of the step (weights from the
    network's ``connections()``).

    Parameters
    ----------
    level : Quantity
        Membrane potential of the level test.
    """

    level: Any = _q(-40 * mV)
    kind: ClassVar[str] = "level"


@dataclass(frozen=True)
class ChainCoupling:
    """Same-step level coupling along a chain, one population per chain position, each
    updated after the previous one and reading its new state (see :class:`SeedChain`).

    Parameters
    ----------
    weight : Quantity
        Current per unit time while the previous neuron is above ``level`` (the current
        of one step is ``weight·dt``).
    level : Quantity
        Level test.
    unit4_current : Quantity
        s-LIF2HH circuits: what unit 4 of circuit k above ``level`` adds to units 1–3 of
        circuit k+1.
    """

    weight: Any
    level: Any
    unit4_current: Any
    kind: ClassVar[str] = "chain"
    #: The seed's chain is deterministic: intrinsic noise is refused.
    accepts_intrinsic_noise: ClassVar[bool] = False


@dataclass(frozen=True)
class RandomCoupling:
    """Current synapses between the neurons of the same copy, each ordered pair ``i != j``
    connected with probability ``p`` (drawn by Brian2's generator when built, seeded by the
    protocol), each spike adding ``weight`` to the target's ``I_syn``.

    Parameters
    ----------
    weight : Quantity
        Weight of every synapse (amp/metre²).
    p : float
        Connection probability in (0, 1].
    """

    weight: Any
    p: float
    kind: ClassVar[str] = "random"


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
    :meth:`input_gain` (factor on the protocol's stimulus per neuron), :meth:`bias`
    (a constant current per neuron that belongs to the network), :meth:`drive` and
    :attr:`coupling` (default :class:`PulseCoupling` with the network's ``delay``).
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

    def drives(self) -> list[dict]:
        """Every Poisson drive of each neuron (``[drive()]``, or empty without one)."""
        drive = self.drive()
        return [drive] if drive else []

    @property
    def coupling(self):
        """How the neurons act on each other: :class:`PulseCoupling` with ``delay``."""
        return PulseCoupling(delay=self.delay)

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
        return resolve_model(self, model)[0]


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

    Its :attr:`coupling` is a :class:`ChainCoupling`: the assembly makes one population
    per chain position, ``{name}_1``, ``{name}_2``, …, each with one neuron per copy, and
    refuses intrinsic noise and Poisson stimuli (the script's chain has neither).  The
    inherited ``tau_syn`` and ``delay`` are unused (there is no synapse).
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

    @property
    def coupling(self):
        """:class:`ChainCoupling` of ``weight``, ``level`` and ``unit4_current``."""
        return ChainCoupling(weight=self.weight, level=self.level,
                             unit4_current=self.unit4_current)


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

    @property
    def coupling(self):
        """:class:`LevelCoupling` at ``level``: a summed variable recomputed before any
        state update of the step, from ``[V > level]`` set at the start of the step (from
        the old state)."""
        return LevelCoupling(level=self.level)


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


@dataclass(frozen=True)
class PrivateNoiseNetwork:
    """``size`` neurons per copy with private noise and optional recurrent coupling: the
    network of the equivalence tasks (``waveform-classes``, ``rate-classes``).

    The protocol's stimulus (the class current) reaches every neuron unchanged (no gain, no
    bias term).  Neuron ``k`` of the assembled population belongs to copy ``k // size``.

    Parameters
    ----------
    size : int
        Neurons per copy.
    noise_std : Quantity
        Standard deviation of the private noise current: ``noise_sources``
        excitatory and as many inhibitory Poisson sources at ``noise_rate``, each spike
        adding ±w to an exponential synaptic current of time constant ``noise_tau``,
        w chosen so that the shot-noise variance ``2 K r w² tau / 2`` equals ``noise_std²``
        (zero mean).
    coupling_strength : Quantity
        Summed excitatory recurrent weight per neuron (current per presynaptic spike, split
        over the expected ``connection_probability * (size - 1)`` inputs); 0 = independent.
    connection_probability : float
    repeats : int
        Trials per condition of the protocol (copy ``c`` is trial ``c % repeats`` of
        condition ``c // repeats``).
    waveform_std, waveform_tau, waveform_seed, n_classes
        With ``waveform_std > 0`` every class (condition) also gets its own frozen
        Ornstein–Uhlenbeck current (zero mean, std ``waveform_std``, correlation time
        ``waveform_tau``; class ``c`` drawn from seed ``(waveform_seed, c)``), the same on every repeat
        and every neuron of the class: the ``waveform-classes`` task.

    Notes
    -----
    :meth:`describe` keeps the type name ``"ClassNetwork"`` (and the field name
    ``coupling_uA_cm2``) that provenance and result caches have recorded for this network.
    """

    size: int
    noise_std: Any = _q(3 * CURRENT)
    noise_tau: Any = _q(2 * ms)
    noise_sources: int = 100
    noise_rate: Any = _q(50 * Hz)
    coupling_strength: Any = _q(0 * CURRENT)
    connection_probability: float = 0.1
    repeats: int = 1
    waveform_std: Any = _q(0 * CURRENT)
    waveform_tau: Any = _q(5 * ms)
    waveform_seed: int = 0
    n_classes: int = 1

    #: Quantity fields, their units and sign constraints (checked when made).
    _QUANTITIES: ClassVar[tuple] = (
        ("noise_std", CURRENT, "nonnegative"), ("noise_tau", ms, "positive"),
        ("noise_rate", Hz, "positive"), ("coupling_strength", CURRENT, None),
        ("waveform_std", CURRENT, "nonnegative"), ("waveform_tau", ms, "positive"))

    #: The network names no model of its own (the protocol's model is used).
    model: ClassVar[None] = None
    #: No per-neuron model parameters.
    neuron_parameters: ClassVar[Mapping] = {}

    def __post_init__(self):
        if isinstance(self.size, bool) or int(self.size) != self.size or self.size < 1:
            raise ParameterError(f"size={self.size!r}: expected an integer >= 1")
        for key, minimum in (("noise_sources", 1), ("repeats", 1), ("n_classes", 1),
                             ("waveform_seed", 0)):
            _check_int(key, getattr(self, key), minimum)
        for key, unit, sign in self._QUANTITIES:
            object.__setattr__(self, key, check_quantity(
                key, getattr(self, key), unit, positive=sign == "positive",
                nonnegative=sign == "nonnegative", context="network parameter"))
        if not 0 < self.connection_probability <= 1:
            raise ParameterError(f"connection_probability={self.connection_probability!r}:"
                                 " expected a value in (0, 1]")

    @property
    def n_neurons(self) -> int:
        """Neurons per copy (``size``)."""
        return int(self.size)

    @property
    def tau_syn(self):
        """Decay time of ``I_syn`` (``noise_tau``)."""
        return self.noise_tau

    def connections(self):
        """No fixed connectivity (the recurrent synapses are drawn when built, see
        :attr:`coupling`)."""
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0) * CURRENT

    def input_gain(self):
        """None: the stimulus reaches every neuron unchanged."""
        return None

    def bias(self):
        """None: no constant current."""
        return None

    def drives(self) -> list[dict]:
        """The private noise: ``noise_sources`` excitatory and as many inhibitory sources at
        ``noise_rate`` with weight ±w, w = noise_std / sqrt(K r tau) (none for std 0)."""
        if not float(self.noise_std) > 0:
            return []
        k = int(self.noise_sources)
        w = self.noise_std / math.sqrt(float(k * self.noise_rate * self.noise_tau))
        return [{"n_sources": k, "rate": self.noise_rate, "weight": sign * w}
                for sign in (1.0, -1.0)]

    @property
    def coupling(self):
        """:class:`RandomCoupling` within each copy (weight ``coupling_strength`` split over
        the expected inputs), or None for ``coupling_strength`` 0 or a single neuron."""
        n = int(self.size)
        if not float(self.coupling_strength) or n < 2:
            return None
        return RandomCoupling(weight=self.coupling_strength
                              / (self.connection_probability * (n - 1)),
                              p=float(self.connection_probability))

    def class_index(self, copies: int) -> np.ndarray | None:
        """The class (waveform) of each copy, or None without class waveforms."""
        if not float(self.waveform_std) > 0:
            return None
        return np.minimum(np.arange(int(copies)) // int(self.repeats), int(self.n_classes) - 1)

    def describe(self) -> dict:
        """JSON-friendly description (the fields; type ``"ClassNetwork"``, see Notes)."""
        return {"type": "ClassNetwork", "size": int(self.size),
                "noise_std_uA_cm2": in_units(self.noise_std, CURRENT),
                "noise_tau_ms": in_units(self.noise_tau, ms),
                "noise_sources": int(self.noise_sources),
                "noise_rate_hz": in_units(self.noise_rate, Hz),
                "coupling_uA_cm2": in_units(self.coupling_strength, CURRENT),
                "connection_probability": self.connection_probability,
                "repeats": int(self.repeats),
                "waveform_std_uA_cm2": in_units(self.waveform_std, CURRENT),
                "waveform_tau_ms": in_units(self.waveform_tau, ms),
                "waveform_seed": int(self.waveform_seed), "n_classes": int(self.n_classes)}


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


def resolve_model(network, model) -> tuple[NeuronModel, bool]:
    """The neuron model a network is built with, and whether it is the network's own.

    A network that names its own ``model`` (a chain of s-LIF2HH circuits) uses it unless
    ``model`` is that same model; otherwise ``model`` (a name or a NeuronModel) is used.
    ``network`` None stands for independent neurons.

    Raises
    ------
    ParameterError
        Neither the network nor the caller names a model.
    """
    from .registry import get

    own = getattr(network, "model", None)
    if own is not None and (model is None or getattr(model, "name", model) != own):
        return get(own), True
    if model is None:
        what = "independent neurons" if network is None else type(network).__name__
        raise ParameterError(f"{what}: no model given and the network names none"
                             f" (model=None)")
    return get(model), False


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(f"network parameter {name!r}={value!r}: expected an integer"
                             f" >= {minimum}")

