"""Assembly: the one place where a description becomes Brian2 objects.

Contents
--------
assemble          ``assemble(protocol) -> Assembly``: every Brian2 object of a protocol run
                  (neurons, stimulus, intrinsic noise, Poisson inputs, recurrent synapses,
                  spike and state monitors); used by :func:`~hhlif.protocols.run` and
                  :class:`~hhlif.protocols.ReusableBuild`
assemble_network  the same path without a Protocol and without monitors: ``copies`` copies
                  of a network description (or of independent neurons) of a neuron model
intrinsic_noise   the per-neuron Ornstein–Uhlenbeck current of a protocol (its values)
class_waveforms   the frozen per-class OU currents of :class:`PrivateNoiseNetwork`
Assembly, Monitors
                  what is returned

Independent neurons are a network of one neuron without synapses: every description goes
through the same steps (stimulus → gain and bias → synaptic current and coupling terms →
per-copy class currents → intrinsic noise → neurons → coupling → Poisson inputs).  A
network description (:mod:`hhlif.models.networks`) is data; its ``coupling`` says how its
neurons act on each other, and :data:`COUPLINGS` maps each ``coupling.kind`` to the code
that builds it.  The neuron model's own equations come from
:meth:`hhlif.models.NeuronModel.build`.

Randomness: the intrinsic noise has its own seed stream ``SeedSequence([seed, 7919])``;
Poisson inputs and randomly drawn connectivity (:class:`~hhlif.models.networks.RandomCoupling`)
use Brian2's generator, seeded by the protocol (``brian2.seed``) before the assembly.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NamedTuple

import numpy as np

from hhlif.models.errors import ParameterError, UnknownNameError
from hhlif.models.networks import resolve_model
from hhlif.models.neuron_model import NeuronModel, check_quantity
from hhlif.models.units import format_quantity, in_units, repeat_each

from hhlif.protocols.protocol import RECORD_FIRST_MAX, Protocol
from hhlif.protocols.stimuli import CURRENT, ornstein_uhlenbeck, stimulus_code

__all__ = ["Assembly", "Monitors", "assemble", "assemble_network", "intrinsic_noise",
           "class_waveforms", "record_indices", "first_recorded", "COUPLINGS"]

#: Sampling step of the class waveforms (s).
CLASS_WAVEFORM_DT = 0.1e-3


class Monitors(NamedTuple):
    """The monitors of one population."""

    spikes: Any
    state: Any
    indices: np.ndarray
    variables: list


@dataclass
class Assembly:
    """The Brian2 objects of one build.

    Attributes
    ----------
    populations : dict of str to hhlif.models.Population
        In creation order (a chain: one per position).
    objects : list
        Every Brian2 object (groups, synapses, Poisson inputs, monitors).
    labels : dict of str to (trial array, condition array)
        One value per model neuron of each population.
    monitors : dict of str to Monitors
        Filled by :func:`assemble`; empty from :func:`assemble_network`.
    """

    populations: dict
    objects: list
    labels: dict
    monitors: dict = field(default_factory=dict)


# ====================================================================== entry points
def assemble(protocol: Protocol) -> Assembly:
    """Create every Brian2 object of ``protocol`` (inside an active device).

    Parameters
    ----------
    protocol : Protocol

    Returns
    -------
    Assembly
        With a spike monitor per population and a state monitor of the recorded variables
        and neurons (``protocol.record``, ``protocol.record_neurons``).

    Raises
    ------
    ParameterError
        For recorded variables the model lacks, intrinsic noise a network refuses, and
        the errors of :func:`assemble_network`.
    """
    if not isinstance(protocol, Protocol):
        raise ParameterError(f"protocol={protocol!r}: expected an hhlif.protocols.Protocol")
    stim_values, model_values = protocol.per_copy_values()
    stimulus = protocol.stimulus.with_values(**stim_values) if stim_values else protocol.stimulus
    assembly = assemble_network(
        protocol.network, protocol.neuron_model, copies=protocol.n_copies, stimulus=stimulus,
        duration=protocol.duration, parameters=model_values,
        method=protocol.integration_method, dt=protocol.integration_dt,
        intrinsic=(protocol.intrinsic_noise, protocol.intrinsic_tau, protocol.seed),
        trials=int(protocol.trials))
    _add_monitors(assembly, protocol)
    return assembly


def assemble_network(network, model: str | NeuronModel | None = None, *, copies: int = 1,
                     stimulus=None, duration=None, parameters: Mapping[str, Any] | None = None,
                     method: str | None = None, dt=None, intrinsic=None,
                     trials: int | None = None, name: str = "neurons") -> Assembly:
    """Create the Brian2 objects of ``copies`` copies of a network (no monitors).

    Parameters
    ----------
    network : network description or None
        A description from :mod:`hhlif.models.networks`; None = independent neurons (one
        neuron per copy, no synapses).
    model : str or NeuronModel, optional
        The neuron model (ignored when the network names its own ``model``).
    copies : int
        Copies of the network (a protocol's conditions × trials).
    stimulus : hhlif.protocols.stimuli.Stimulus, optional
        Input current; per-copy field values (arrays of length ``copies``) are allowed.
        Multiplied by the network's ``input_gain()`` per neuron.
    duration : Quantity
        Simulated time (needed by sampled stimuli, class waveforms and intrinsic noise).
    parameters : mapping
        Model parameter values, scalar or one per copy.
    method, dt : optional
        Integration method and step (default: the model's; a network that names its own
        model always uses that model's).
    intrinsic : (std, tau, seed), optional
        Independent Ornstein–Uhlenbeck current per neuron (see :func:`intrinsic_noise`).
    trials : int, optional
        Trials per condition, for the labels (copy ``c`` is trial ``c % trials`` of
        condition ``c // trials``); default 1.
    name : str
        Name of the population (and prefix of the Brian2 objects).

    Returns
    -------
    Assembly

    Raises
    ------
    ParameterError
        For a bad ``copies``, a coupling kind without a builder, or an input the network
        cannot take (see the coupling builders).
    """
    neuron_model, own = resolve_model(network, model)
    if isinstance(copies, bool) or int(copies) != copies or copies < 1:
        raise ParameterError(f"copies={copies!r}: expected an integer >= 1")
    dt = neuron_model.dt if (own or dt is None) else dt
    method = neuron_model.method if (own or not method) else method
    coupling = None if network is None else network.coupling
    kind = "none" if coupling is None else coupling.kind
    if kind not in COUPLINGS:
        raise ParameterError(f"network {type(network).__name__}: coupling kind {kind!r}:"
                             f" expected one of {', '.join(sorted(COUPLINGS))}")
    if _noise_std(intrinsic) > 0 and not getattr(coupling, "accepts_intrinsic_noise", True):
        raise ParameterError(f"network {type(network).__name__}: intrinsic_noise="
                             f"{format_quantity(intrinsic[0])}: expected 0 (its {kind!r}"
                             f" coupling, the seed's chain, is deterministic)")
    spec = _Spec(network=network, model=neuron_model, copies=int(copies), stimulus=stimulus,
                 duration=duration, parameters=dict(parameters or {}), method=method, dt=dt,
                 intrinsic=intrinsic, trials=1 if trials is None else int(trials), name=name,
                 coupling=coupling)
    return COUPLINGS[kind].assemble(spec)


# ====================================================================== what is built
@dataclass
class _Spec:
    network: Any
    model: NeuronModel
    copies: int
    stimulus: Any
    duration: Any
    parameters: dict
    method: Any
    dt: Any
    intrinsic: Any
    trials: int
    name: str
    coupling: Any

    @property
    def n_net(self) -> int:
        return 1 if self.network is None else int(self.network.n_neurons)

    @property
    def label(self) -> str:
        return "independent neurons" if self.network is None else \
            f"network {type(self.network).__name__}"


@dataclass(frozen=True)
class CouplingBuilder:
    """How one coupling kind is built.

    Attributes
    ----------
    equations : callable
        ``(spec) -> (declarations, term)``: equation lines and the term added to the input
        current of the receiving neurons.
    connect : callable
        ``(spec, population) -> list``: the Brian2 objects of the coupling.
    assemble : callable
        ``(spec) -> Assembly``: the whole build (default: one population of all copies).
    """

    equations: Callable = lambda spec: ([], "")
    connect: Callable = lambda spec, population: []
    assemble: Callable = None

    def __post_init__(self):
        if self.assemble is None:
            object.__setattr__(self, "assemble", lambda spec: _assemble_blocks(spec, self))


def _assemble_blocks(spec: _Spec, builder: CouplingBuilder) -> Assembly:
    """One population holding every copy as a block of ``n_net`` neurons."""
    from brian2 import Quantity, TimedArray, msecond, second

    network, copies, n_net = spec.network, spec.copies, spec.n_net
    n = copies * n_net
    expression, declarations, variables, namespace, poisson = "0*amp/meter**2", [], {}, {}, []
    if spec.stimulus is not None:
        stim = spec.stimulus if n_net == 1 else _expand_stimulus(spec.stimulus, copies, n_net)
        code = stimulus_code(stim, "stim_", n, spec.duration)
        expression = code.expression
        declarations.append(code.declarations)
        variables.update(code.variables)
        namespace.update(code.namespace)
        poisson = list(code.synaptic)
    gain = None if network is None else network.input_gain()
    if gain is not None:
        if spec.stimulus is not None:
            expression = f"input_gain*{expression}"
        declarations.append("input_gain : 1 (constant)")
        variables["input_gain"] = np.tile(np.asarray(gain, dtype=float), copies)
    bias = None if network is None else network.bias()
    if bias is not None:
        declarations.append("I_bias : amp/meter**2 (constant)")
        variables["I_bias"] = Quantity(np.tile(np.asarray(bias, dtype=float), copies),
                                       dim=CURRENT.dim)
        expression += " + I_bias"
    # the synaptic current: always in a network, for Poisson stimuli in independent neurons
    tau_syn = network.tau_syn if network is not None else \
        (poisson[0][1].tau_syn if poisson else None)
    if tau_syn is not None:
        declarations += ["dI_syn/dt = -I_syn/tau_syn : amp/meter**2",
                         "tau_syn : second (constant)"]
        variables["tau_syn"] = tau_syn
        expression += " + I_syn"
    coupling_declarations, coupling_term = builder.equations(spec)
    declarations += coupling_declarations
    expression += coupling_term
    class_index = _class_index(spec)
    if class_index is not None:
        waves = class_waveforms(network.n_classes, in_units(network.waveform_std, CURRENT),
                                in_units(network.waveform_tau, msecond),
                                network.waveform_seed, float(spec.duration), CLASS_WAVEFORM_DT)
        namespace["class_waveform"] = TimedArray(waves * (CURRENT / float(CURRENT)),
                                                 dt=CLASS_WAVEFORM_DT * second)
        declarations.append("class_index : integer (constant)")
        variables["class_index"] = np.repeat(class_index, n_net)
        expression += " + class_waveform(t, class_index)"
    if _noise_std(spec.intrinsic) > 0:
        std, tau, seed = spec.intrinsic
        if spec.duration is None:
            raise ParameterError(f"{spec.label}: intrinsic_noise={format_quantity(std)}: the"
                                 f" duration must be given (duration=None)")
        values, sample_dt = intrinsic_noise(std, tau, seed, spec.duration, n)
        namespace["intrinsic_values"] = TimedArray(values, dt=sample_dt)
        expression += " + intrinsic_values(t, neuron_index)"

    population = spec.model.build(
        n, input_expression=expression,
        extra_equations="\n".join(d for d in declarations if d), variables=variables,
        parameters=_block_parameters(spec), namespace=namespace, method=spec.method,
        dt=spec.dt, name=spec.name)
    objects = list(population.objects)
    objects += builder.connect(spec, population)
    objects += _poisson_inputs(spec, population, poisson)
    copy = np.repeat(np.arange(copies), n_net)
    labels = {spec.name: (copy % spec.trials, copy // spec.trials)}
    return Assembly({spec.name: population}, objects, labels)


def _block_parameters(spec: _Spec) -> dict:
    """Model parameters per neuron: per copy (the protocol) and per network neuron."""
    from brian2 import Quantity

    n_net, copies = spec.n_net, spec.copies
    params = {}
    for key, value in spec.parameters.items():
        q = np.asarray(value)
        params[key] = repeat_each(value, n_net) \
            if n_net > 1 and q.ndim == 1 and len(q) == copies else value
    for key, q in _network_neuron_parameters(spec).items():
        params[key] = Quantity(np.tile(np.asarray(q, dtype=float), copies), dim=q.dim)
    return params


def _network_neuron_parameters(spec: _Spec) -> dict:
    """The network's ``neuron_parameters``, checked against the model (one per neuron)."""
    out = {}
    if spec.network is None:
        return out
    model, n_net = spec.model, spec.n_net
    for key, values in dict(spec.network.neuron_parameters).items():
        ref = model.parameters.get(key)
        if ref is None:
            raise UnknownNameError(
                f"network parameter 'neuron_parameters' key {key!r}: not a parameter of model"
                f" {model.name!r}; valid are {', '.join(sorted(model.parameters))}")
        q = check_quantity(key, values, ref, context="network neuron parameter")
        if np.ndim(q) != 1 or len(q) != n_net:
            raise ParameterError(f"network parameter neuron_parameters[{key!r}]: expected"
                                 f" {n_net} values (one per network neuron), got shape"
                                 f" {np.shape(q)}")
        out[key] = q
    return out


def _class_index(spec: _Spec):
    """The class of each copy for a network with per-class waveforms, else None."""
    method = getattr(spec.network, "class_index", None)
    return None if method is None else method(spec.copies)


def _named_weight(group, i: int, weight) -> str:
    """A PoissonInput's weight as a constant of ``group``'s namespace (``poisson_weight_i``,
    A/m²), so its value is not written into the generated code: runs that differ only in
    the weight (the pilot runs of a rate match) reuse one compiled Cython extension.  A
    literal when the group has no namespace of its own."""
    from brian2 import amp, meter

    if not isinstance(group.namespace, dict):
        return f"{float(weight)!r}*amp/meter**2"
    name = f"poisson_weight_{i}"
    group.namespace[name] = float(weight) * amp / meter**2
    return name


def _poisson_inputs(spec: _Spec, population, poisson) -> list:
    """The network's Poisson drives and the stimulus's Poisson inputs, into ``I_syn``."""
    from brian2 import Hz, NeuronGroup, PoissonInput, Synapses, amp, meter

    network, objects = spec.network, []
    drives = [] if network is None else list(network.drives())
    if network is not None:
        if any(p.modulation for _, p in poisson):
            raise ParameterError(f"PoissonInput into a network ({spec.label}): modulation="
                                 f"{[p.modulation for _, p in poisson]}: expected an"
                                 f" unmodulated rate")
        for _, p in poisson:
            if np.ndim(p.rate) or np.ndim(p.weight):
                raise ParameterError(f"PoissonInput into a network ({spec.label}): rate of"
                                     f" shape {np.shape(p.rate)}, weight of shape"
                                     f" {np.shape(p.weight)}: expected a scalar rate and"
                                     f" weight (the same for every copy)")
    sources = [(d["n_sources"], d["rate"], d["weight"], None) for d in drives] + \
        [(p.n_sources, p.rate, p.weight, p) for _, p in poisson]
    n = population.n
    for i, (n_sources, rate, weight, stim) in enumerate(sources):
        if np.ndim(rate) == 0 and not (stim is not None and stim.modulation):
            objects.append(PoissonInput(population.inputs, "I_syn", int(n_sources), rate,
                                        weight=_named_weight(population.inputs, i, weight)))
            continue
        # independent neurons, per-neuron or modulated rates: ``n_sources`` explicit sources
        if stim is None:
            raise ParameterError(f"{spec.label}: Poisson drive rate of shape {np.shape(rate)}:"
                                 f" expected a scalar rate")
        k = int(n_sources)
        rates = np.broadcast_to(np.asarray(rate, dtype=float), (n,))
        src = NeuronGroup(n * k, "source_rate : hertz (constant)",
                          threshold=f"rand() < ({stim.rate_expression('source_')})*dt",
                          namespace={}, dt=spec.dt, name="poisson_sources")
        src.source_rate = np.repeat(rates, k) * Hz
        syn = Synapses(src, population.inputs, model="w : amp/meter**2 (constant)",
                       on_pre="I_syn_post += w", namespace={}, dt=spec.dt,
                       name="poisson_synapses")
        syn.connect(j=f"i // {k}")
        syn.w = np.repeat(np.broadcast_to(np.asarray(weight, dtype=float), (n,)), k) \
            * (amp / meter**2)
        objects += [src, syn]
    return objects


# ====================================================================== couplings
def _pair_indices(spec: _Spec):
    """(pre, post, weight) of every copy: the network's connections tiled over copies."""
    from brian2 import Quantity

    pre, post, weight = spec.network.connections()
    offsets = np.repeat(np.arange(spec.copies) * spec.n_net, len(pre))
    return (np.tile(pre, spec.copies) + offsets, np.tile(post, spec.copies) + offsets,
            Quantity(np.tile(np.asarray(weight, dtype=float), spec.copies), dim=CURRENT.dim),
            len(pre))


def _connect_pulse(spec: _Spec, population) -> list:
    """Each presynaptic spike adds ``w`` to ``I_syn`` of the target after the delay."""
    from brian2 import Synapses

    i, j, w, count = _pair_indices(spec)
    if not count:
        return []
    syn = Synapses(population.output, population.inputs, model="w : amp/meter**2 (constant)",
                   on_pre="I_syn_post += w", delay=spec.coupling.delay, dt=spec.dt,
                   namespace={}, name=f"{spec.name}_synapses")
    syn.connect(i=i, j=j)
    syn.w = w
    return [syn]


def _level_equations(spec: _Spec):
    return ["I_level : amp/meter**2", "above_level : 1"], " + I_level"


def _connect_level(spec: _Spec, population) -> list:
    """Level coupling: ``I_level`` of the target is Σ w·above_level_pre, a summed variable
    recomputed before any state update of the step, where ``above_level`` = [V > level] is
    set at the start of the step (from the old state; a separate variable because a
    circuit's V is a subexpression of linked variables, which synapses cannot read)."""
    from brian2 import Synapses, volt

    i, j, w, _ = _pair_indices(spec)
    population.output.run_regularly(
        f"above_level = int({spec.model.voltage} > {float(spec.coupling.level / volt)!r}*volt)",
        when="start", name=f"{spec.name}_level_test")
    syn = Synapses(population.output, population.inputs,
                   model=("w : amp/meter**2 (constant)\n"
                          "I_level_post = w*above_level_pre : amp/meter**2 (summed)"),
                   dt=spec.dt, namespace={}, name=f"{spec.name}_synapses")
    syn.connect(i=i, j=j)
    syn.w = w
    for updater in syn.summed_updaters.values():
        updater.order = -100  # before every group of the population (circuits: 2 groups)
    return [syn]


def _random_equations(spec: _Spec):
    return ["network_copy : integer (constant)"], ""


def _connect_random(spec: _Spec, population) -> list:
    """Synapses within each copy, every ordered pair ``i != j`` with probability ``p``
    (Brian2's generator), each spike adding the coupling's weight to ``I_syn``."""
    from brian2 import Synapses

    population.group.network_copy = np.arange(population.n) // spec.n_net
    syn = Synapses(population.output, population.inputs,
                   on_pre=f"I_syn_post += {float(spec.coupling.weight)!r}*amp/meter**2",
                   dt=spec.dt, namespace={},
                   name="recurrent" if spec.name == "neurons" else f"{spec.name}_recurrent")
    syn.connect(condition="network_copy_pre == network_copy_post and i != j",
                p=float(spec.coupling.p))
    return [syn]


def _assemble_chain(spec: _Spec) -> Assembly:
    """One population per chain position, updated in order (scheduling ``order`` 10·k) so
    that position k+1 reads position k's new state through linked variables (see
    :class:`~hhlif.models.networks.SeedChain`)."""
    from brian2 import linked_var

    from hhlif.models.lif2hh import CircuitModel

    coupling, model, copies, dt = spec.coupling, spec.model, spec.copies, spec.dt
    per_layer = _network_neuron_parameters(spec)
    namespace = {"seed_pulse": coupling.weight * dt, "seed_level": coupling.level,
                 "seed_unit4": coupling.unit4_current}
    per_unit = isinstance(model, CircuitModel) and "I_unit" in model.unit_equations
    voltage = model.voltage
    populations, objects, labels = {}, [], {}
    copy = np.arange(copies)
    previous = None
    for k in range(spec.n_net):
        layer_name = f"{spec.name}_{k + 1}"
        layer_params = dict(spec.parameters, **{key: q[k] for key, q in per_layer.items()})
        kwargs = dict(parameters=layer_params, namespace=dict(namespace), method=spec.method,
                      dt=dt, name=layer_name)
        if k == 0:
            expression, extra, variables = "0*amp/meter**2", "", {}
            if spec.stimulus is not None:
                code = stimulus_code(_expand_stimulus(spec.stimulus, copies, 1), "stim_",
                                     copies, spec.duration)
                if code.synaptic:
                    raise ParameterError(f"{spec.label}: a Poisson stimulus: expected a"
                                         f" current (the seed's chain has no synapses)")
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
        if isinstance(model, CircuitModel):
            pop = model.build(copies, order=10 * k, **kwargs)
        else:
            pop = model.build(copies, **kwargs)
            _set_order(pop.group, 10 * k)
        if k > 0 and per_unit:
            rows = np.arange(3 * copies)
            pop.units.v_up = linked_var(previous.units, "v", index=rows)
            pop.units.v_up4 = linked_var(previous.output, voltage, index=rows % copies)
        elif k > 0:
            pop.output.v_up = linked_var(previous.output, voltage, index=copy)
        populations[layer_name] = pop
        objects += list(pop.objects)
        labels[layer_name] = (copy % spec.trials, copy // spec.trials)
        previous = pop
    return Assembly(populations, objects, labels)


#: ``coupling.kind`` → how it is built (``"none"``: independent neurons, or a network
#: whose description has no coupling).
COUPLINGS: dict[str, CouplingBuilder] = {
    "none": CouplingBuilder(),
    "pulse": CouplingBuilder(connect=_connect_pulse),
    "level": CouplingBuilder(equations=_level_equations, connect=_connect_level),
    "random": CouplingBuilder(equations=_random_equations, connect=_connect_random),
    "chain": CouplingBuilder(assemble=_assemble_chain),
}


# ====================================================================== monitors
def _add_monitors(assembly: Assembly, protocol: Protocol) -> None:
    """A spike monitor per population and a state monitor of the recorded variables."""
    from brian2 import SpikeMonitor, StateMonitor

    first = next(iter(assembly.populations))
    for name, pop in assembly.populations.items():
        safe = name.replace("-", "_")
        spikes = SpikeMonitor(pop.output, name=f"spikes_{safe}")
        rec_idx = record_indices(protocol, pop.n, assembly.labels[name])
        variables = [v for v in protocol.record if v in pop.output.variables]
        unknown = [v for v in protocol.record if v not in pop.output.variables]
        if unknown and name == first:
            raise ParameterError(
                f"record={list(protocol.record)!r}: {unknown} are not variables of model"
                f" {protocol.neuron_model.name!r}; valid:"
                f" {sorted(pop.output.variables.keys())[:40]}")
        state = None
        if variables and rec_idx.size:
            state = StateMonitor(pop.output, variables, record=rec_idx, dt=protocol.record_dt,
                                 name=f"state_{safe}")
        assembly.monitors[name] = Monitors(spikes, state, rec_idx, variables)
        assembly.objects += [m for m in (spikes, state) if m is not None]


def record_indices(protocol: Protocol, n: int, labels) -> np.ndarray:
    """The recorded neurons of a population of ``n`` (``protocol.record_neurons``).

    Raises
    ------
    ParameterError
        For indices outside ``[0, n)`` or a specification of another form.
    """
    spec = protocol.record_neurons
    trial, condition = labels
    if spec == "first":
        idx = first_recorded(np.flatnonzero(trial == 0), spread=protocol.network is None)
    elif spec == "all":
        idx = np.arange(n)
    elif isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        idx = np.arange(min(int(spec), n))
    else:
        idx = np.asarray(spec, dtype=int)
        if idx.ndim != 1 or (idx.size and (idx.min() < 0 or idx.max() >= n)):
            raise ParameterError(f"record_neurons={spec!r}: expected 'first', 'all', a count,"
                                 f" or indices in [0, {n})")
    return idx


def first_recorded(candidates: np.ndarray, spread: bool = True,
                   cap: int = RECORD_FIRST_MAX) -> np.ndarray:
    """``record_neurons='first'``: the ``candidates`` (the first trial's neurons), at most
    ``cap`` (:data:`~hhlif.protocols.protocol.RECORD_FIRST_MAX`) of them.

    With ``spread`` (independent neurons: one candidate per condition) a longer list is
    sampled evenly, first and last included, so that the traces span the conditions (an
    f-I curve's lowest and highest currents); otherwise (networks) the first ``cap``.

    Examples
    --------
    >>> first_recorded(np.arange(5)).tolist()
    [0, 1, 2, 3, 4]
    >>> first_recorded(np.arange(100), cap=4).tolist()
    [0, 33, 66, 99]
    >>> first_recorded(np.arange(100), spread=False, cap=4).tolist()
    [0, 1, 2, 3]
    """
    candidates = np.asarray(candidates, dtype=int)
    if candidates.size <= cap:
        return candidates
    if not spread or cap < 2:
        return candidates[:cap]
    picks = np.unique(np.floor(np.linspace(0, candidates.size - 1, cap)).astype(int))
    return candidates[picks]


# ====================================================================== noise tables
def intrinsic_noise(std, tau, seed: int, duration, n: int):
    """Independent zero-mean Ornstein–Uhlenbeck current of ``n`` neurons.

    Parameters
    ----------
    std, tau : Quantity
        Standard deviation (current per area) and correlation time.
    seed : int
        The protocol's seed; the stream is ``SeedSequence([seed, 7919])``, independent of
        the frozen stimulus noise and of Brian2's generator.
    duration : Quantity
    n : int
        Neurons (columns).

    Returns
    -------
    values : Quantity
        Shape (steps, n), amp/metre².
    sample_dt : Quantity
        ``min(tau / 10, 0.1 ms)``.

    Raises
    ------
    ParameterError
        When the table would exceed 2·10⁸ values.
    """
    from brian2 import amp, meter, second

    sample_dt = min(float(tau) / 10, 1e-4)
    steps = int(math.ceil(float(duration) / sample_dt)) + 1
    if steps * n > 2e8:
        raise ParameterError(
            f"intrinsic_noise: {steps} samples x {n} neurons is too large to hold (limit"
            f" 2e8 values); use fewer trials or conditions, or a shorter duration")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 7919]))
    noise = ornstein_uhlenbeck(steps, sample_dt, 0.0, float(std), float(tau), rng, n=n)
    # ``noise`` holds SI values (A/m²): attach the SI unit, not µA/cm²
    return noise * (amp / meter**2), sample_dt * second


def class_waveforms(n_classes: int, std_uA_cm2: float, tau_ms: float, seed: int,
                    duration_s: float, sample_dt: float = CLASS_WAVEFORM_DT) -> np.ndarray:
    """The classes' frozen OU currents (zero mean), shape (steps, classes), in A/m².

    Class ``c`` is drawn from seed ``(seed, c)``.
    """
    steps = int(math.ceil(float(duration_s) / sample_dt)) + 2
    return np.stack([ornstein_uhlenbeck(steps, sample_dt, 0.0, float(std_uA_cm2) * 1e-2,
                                        float(tau_ms) * 1e-3,
                                        np.random.default_rng([int(seed), c]))
                     for c in range(int(n_classes))], axis=1)


# ====================================================================== helpers
def _noise_std(intrinsic) -> float:
    return 0.0 if intrinsic is None else float(intrinsic[0])


def _set_order(group, order: int) -> None:
    """Scheduling order of a group and of its state updater, thresholder and resetter."""
    group.order = int(order)
    for obj in group.contained_objects:
        obj.order = int(order)


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
            values[key] = repeat_each(v, n_net)
    return stimulus.with_values(**values) if values else stimulus
