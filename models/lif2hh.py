"""The LIF2HH circuits of He et al. (2024): one HH neuron as four LIF units.

Contents
--------
tv_lif2hh            ``tv-lif2hh`` / ``tv-lif2hh-shifted``: the exact circuit (time-varying LIF
                     units), equal to ``hh`` / ``hh-shifted`` to integrator precision
tv_lif2hh_seed       ``tv-lif2hh-seed``: the same construction as the seed's XOR script builds
                     it (channel units with accumulators; = ``hh`` up to O(dt)), closed loop
s_lif2hh             ``s-lif2hh``: the simplified, time-invariant circuit of the seed
                     (three identical parallel LIF units, a summing unit, fire when all four
                     are above threshold), discrete 1 ms update: one LIF gated by unit 4
CircuitModel         the :class:`~hhlif.models.NeuronModel` subclass they are built from
CircuitPopulation    what a circuit builds: four Brian2 units per model neuron

Every circuit is honest about its size: ``n`` model neurons are ``4 n`` Brian2 neurons,
held in two groups — a group of ``3 n`` "input-side" units (unit ``k`` of neuron ``j`` is
row ``k·n + j``) and the output group of ``n`` units, the ones compared with the threshold.
``Population.output`` is the output group (its spikes and ``v`` are the model neuron's),
``Population.inputs`` is where network synapses and Poisson input add to ``I_syn``.

Registration: importing this module registers ``tv-lif2hh``, ``tv-lif2hh-shifted``,
``tv-lif2hh-seed`` and ``s-lif2hh`` in :mod:`hhlif.models.registry` (once).

References
----------
He L., Xu Y., He W., Lin Y. et al. (2024) Network model with internal complexity bridges
artificial intelligence and neuroscience. Nat Comput Sci 4:584–599.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
from brian2 import NeuronGroup, cm, mS, ms, mV, uF

from .errors import ParameterError
from .hodgkin_huxley import HH_GATING_EQUATIONS, hodgkin_huxley
from .neuron_model import NeuronModel, Population

__all__ = ["CircuitModel", "CircuitPopulation", "tv_lif2hh", "tv_lif2hh_seed", "s_lif2hh"]


@dataclass
class CircuitPopulation(Population):
    """A :class:`Population` of 4-unit circuits.

    Attributes
    ----------
    units : brian2.NeuronGroup
        The ``3 n`` units besides the output (row ``k·n + j`` = unit ``k`` of neuron ``j``).
    group : brian2.NeuronGroup
        The output group (``n`` units), the same object as ``output``.
    """

    units: Any = None

    @property
    def n_units(self) -> int:
        """Brian2 neurons of the circuit: ``len(units) + len(output)`` = ``4 n``."""
        return int(len(self.units) + len(self.output))


@dataclass(frozen=True)
class CircuitModel(NeuronModel):
    """A model neuron made of one output unit and three further LIF units.

    The fields of :class:`NeuronModel` describe the **output unit** (``equations`` are its
    equations, ``threshold``/``reset`` its spike rule); the extra fields describe the three
    other units, all in one group of ``3 n``.

    Parameters
    ----------
    unit_equations : str
        Equations of the three non-output units.  Names they read from the output group are
        declared ``(linked)`` and listed in ``unit_links``.
    unit_links : mapping of str to (str, int)
        ``{linked name in the unit group: (variable of the output group, 0)}``; index row
        ``j`` of neuron ``j``.
    output_links : mapping of str to int or (str, int)
        ``{linked name in the output group: unit k}``: reads ``v`` of unit ``k`` (0–2);
        ``(variable, k)`` reads another variable of unit ``k``.
    sibling_links : tuple of str
        Names in the unit group linked to ``v`` of the two other units of the same neuron
        (``v_s1`` = unit (k+1) mod 3, ``v_s2`` = unit (k+2) mod 3).
    unit_roles : tuple of str
        One-hot constants ``is_<role>`` of the three units (0/1 per row).
    unit_initial : mapping
        Initial values of the units' variables (strings refer to their variables).
    unit_threshold, unit_reset : str or None
        Spike rule of the three units.
    unit_order : int
        Brian2 scheduling ``order`` of the unit group relative to the output group (order
        0): -1 updates the units first within each time step, +1 after the output group.
    """

    unit_equations: str = ""
    unit_links: Mapping[str, str] = dataclasses.field(default_factory=dict)
    output_links: Mapping[str, int] = dataclasses.field(default_factory=dict)
    sibling_links: tuple = ()
    unit_roles: tuple = ()
    unit_initial: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    unit_threshold: str | None = None
    unit_reset: str | None = None
    unit_order: int = -1

    def build(self, n: int, *, input_expression: str = "0*amp/meter**2",
              extra_equations: str = "", variables: Mapping[str, Any] | None = None,
              parameters: Mapping[str, Any] | None = None, namespace: Mapping | None = None,
              method: str | None = None, dt=None, name: str | None = None,
              unit_input_expression: str | None = None, unit_extra_equations: str = "",
              unit_variables: Mapping[str, Any] | None = None,
              order: int = 0) -> CircuitPopulation:
        """Build ``n`` circuits (``4 n`` Brian2 neurons); same arguments as
        :meth:`NeuronModel.build`, plus:

        Parameters
        ----------
        unit_input_expression : str, optional
            A current (amp/metre²) into each of units 1–3 separately, ``I_unit`` of the unit
            group (only for circuits whose unit equations read ``I_unit``: ``s-lif2hh``);
            the seed's circuit chain feeds unit k of circuit 2 from unit k of circuit 1.
        unit_extra_equations, unit_variables
            Declarations and values it needs (e.g. linked variables, set by the caller).
        order : int
            Brian2 scheduling ``order`` of the output group; the unit group runs at
            ``order + unit_order``.  A chain whose second circuit must see the first one's
            new state in the same step builds them at increasing orders.

        The stimulus (``input_expression``, ``extra_equations``, ``variables``) belongs to
        the output group, which holds ``I_input`` for the whole circuit; the unit group reads
        it through a linked variable where the circuit's equations say so.
        """
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ParameterError(f"n={n!r}: expected a positive integer number of neurons")
        n = int(n)
        reads_unit_input = "I_unit" in _identifiers(self.unit_equations)
        if unit_input_expression is not None and not reads_unit_input:
            raise ParameterError(f"unit_input_expression={unit_input_expression!r}: model"
                                 f" {self.name!r} has no per-unit input (its unit equations do"
                                 f" not read I_unit); expected None")
        params = self.check_parameter_values(parameters or {}, n, entries="neurons")
        self.check_time_step(dt, params)
        namespace = dict(namespace or {})
        method = method or self.method
        dt = dt if dt is not None else self.dt
        base = name or "circuit"

        # ---- output group (n): the model's own equations + I_input + stimulus variables
        out_kw = dict(threshold=self.threshold, method=method, namespace=namespace, dt=dt,
                      name=base, order=int(order))
        if self.reset:
            out_kw["reset"] = self.reset
        if self.refractory is not None:
            out_kw["refractory"] = self.refractory
        output = NeuronGroup(n, self.full_equations(input_expression, extra_equations),
                             **out_kw)

        # ---- unit group (3n): per-unit copies of the parameters and role constants
        unit_lines = [self.unit_equations, self.parameter_declarations(),
                      "neuron_index : integer (constant)"]
        unit_lines += [f"is_{r} : 1 (constant)" for r in self.unit_roles]
        if reads_unit_input:
            unit_lines.append(f"I_unit = {unit_input_expression or '0*amp/meter**2'}"
                              f" : amp/meter**2")
        if unit_extra_equations:
            unit_lines.append(unit_extra_equations)
        unit_eqs = "\n".join(unit_lines)
        unit_kw = dict(method=method, namespace=namespace, dt=dt, name=f"{base}_units",
                       order=int(order) + self.unit_order)
        if self.unit_threshold:
            unit_kw["threshold"] = self.unit_threshold
        if self.unit_reset:
            unit_kw["reset"] = self.unit_reset
        units = NeuronGroup(3 * n, unit_eqs, **unit_kw)

        # ---- values
        for key, default in self.parameters.items():
            value = params.get(key, default)
            setattr(output, key, value)
            setattr(units, key, np.tile(np.broadcast_to(np.asarray(value), (n,)), 3)
                    * _unit_of(default))
        for key, value in self.initial.items():
            setattr(output, key, value)
        for key, value in (variables or {}).items():
            setattr(output, key, value)
        output.neuron_index = np.arange(n)
        row = np.arange(3 * n)
        units.neuron_index = row % n
        for k, role in enumerate(self.unit_roles):
            setattr(units, f"is_{role}", (row // n == k).astype(float))

        # ---- links
        for local, remote in self.unit_links.items():
            setattr(units, local, _linked(output, remote, row % n))
        for local, target in self.output_links.items():
            variable, k = ("v", target) if isinstance(target, (int, np.integer)) else target
            setattr(output, local, _linked(units, variable, k * n + np.arange(n)))
        for s, local in enumerate(self.sibling_links, start=1):
            setattr(units, local, _linked(units, "v", ((row // n + s) % 3) * n + row % n))
        for key, value in self.unit_initial.items():
            setattr(units, key, value)
        for key, value in (unit_variables or {}).items():
            setattr(units, key, value)
        return CircuitPopulation(model=self, n=n, group=output, output=output, inputs=output,
                                 objects=[units, output], units=units)

    def describe(self) -> dict:
        """As :meth:`NeuronModel.describe`, plus the three units' equations and spike rule."""
        out = super().describe()
        out["equations"] = ("# output unit\n" + self.equations.strip()
                            + "\n# units 1-3 (one group of 3n)\n" + self.unit_equations.strip())
        out["unit_threshold"] = self.unit_threshold
        out["unit_reset"] = self.unit_reset
        return out


def _identifiers(text: str) -> set:
    import re

    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))


def _unit_of(q):
    from brian2 import Quantity, get_dimensions

    return Quantity(1.0, dim=get_dimensions(q))


def _linked(group, variable, index):
    from brian2 import linked_var

    return linked_var(group, variable, index=np.asarray(index, dtype=np.int64))


# ======================================================================= tv-LIF2HH
_TV_OUTPUT = """
dv/dt = (g_total*(E_rest - v) + I_input)/C_m : volt
g_total = g_Na_t + g_K_t + g_L : siemens/meter**2
E_rest = (g_Na_t*v_Na + g_K_t*v_K + g_L*v_L)/g_total : volt
v_Na : volt (linked)
v_K : volt (linked)
v_L : volt (linked)
""" + HH_GATING_EQUATIONS

_TV_UNITS = """
dv/dt = g_channel*(E_channel - v)/C_m : volt
g_channel = is_Na*g_Na*m**3*h + is_K*g_K*n**4 + is_L*g_L : siemens/meter**2
E_channel = is_Na*E_Na + is_K*E_K + is_L*E_L : volt
m : 1 (linked)
h : 1 (linked)
n : 1 (linked)
"""


def tv_lif2hh(convention: str = "modern", *, initial: str = "rest",
              method: str = "rush_larsen2",
              dt=0.01 * ms) -> CircuitModel:
    """The exact tv-LIF2HH circuit (``tv-lif2hh``, ``tv-lif2hh-shifted``).

    Parameters
    ----------
    convention : {'modern', 'shifted'}
        Voltage convention of the HH neuron it reproduces (``hh`` / ``hh-shifted``).
    initial : {'rest', 'seed'}
        Initial state, as :func:`~hhlif.models.hodgkin_huxley`.
    method, dt
        Integration method and step (the HH defaults, rush_larsen2 at 0.01 ms).

    Returns
    -------
    CircuitModel

    Notes
    -----
    Four LIF units per HH neuron, each linear in its own membrane potential with a
    time-varying leak conductance and resting potential.  Three channel units
    k ∈ {Na, K, L} (one group of 3n, ``is_Na``/``is_K``/``is_L`` mark the rows)::

        C_m dv_k/dt = g_k(t) (E_k − v_k)
        g_Na(t) = ḡ_Na m³h,   g_K(t) = ḡ_K n⁴,   g_L(t) = g_L

    and the output unit (group of n), whose resting potential is the conductance-weighted
    mean of the channel units' potentials and whose time constant is C_m/g_total(t)::

        C_m dV/dt = g_total(t) (E_rest(t) − V) + I_input
        g_total = g_Na(t) + g_K(t) + g_L,   E_rest = Σ_k g_k(t) v_k / g_total

    i.e. (C_m/g_total) dV/dt = −(V − E_rest) + I_input/g_total: the fourth unit
    integrates the channel units' weighted contributions with its capacitance scaled by
    1/(g_Na + g_K + g_L).

    **Where the gating lives.**  m, h, n are state variables of the output unit,
    integrated from its own V (``HH_GATING_EQUATIONS``, composed, not copied); the channel
    units read them through linked variables, and the output unit reads v_Na, v_K, v_L
    through linked variables.  A channel unit starts at its resting potential E_k and
    nothing but its own leak drives it, so v_k = E_k is a fixed point the integrator keeps
    exactly (g_k (E_k − v_k) evaluates to 0.0 in floating point at every integrator stage).  Hence
    E_rest = Σ g_k E_k / g_total and the output unit's equation *is* the HH membrane
    equation, integrated by the same method with the gating in the same state vector:
    the circuit equals ``hh`` up to floating-point rounding of the reordered sum
    (tests/models/test_lif2hh.py measures max |ΔV| < 1e-6 mV), not merely up to the
    integrator's truncation error.  Linked values are read at the start of a step, which
    is exact here only because the channel potentials are constant; gating in the channel
    units would freeze V over each step and lose the integrator's order.

    Input: ``I_input`` and network synapses (``I_syn``) enter the output unit.
    """
    hh = hodgkin_huxley(convention, initial=initial, method=method, dt=dt)
    name = "tv-lif2hh" if convention == "modern" else "tv-lif2hh-shifted"
    return CircuitModel(
        name=name,
        description=(f"exact 4-LIF circuit equal to {hh.name} (3 channel units + output unit)"),
        equations=_TV_OUTPUT,
        parameters=dict(hh.parameters),
        initial=dict(hh.initial),
        threshold=hh.threshold,
        reset=hh.reset,
        refractory=hh.refractory,
        method=method,
        dt=dt,
        voltage="v",
        units_per_neuron=4,
        references=("He et al. (2024) Nat Comput Sci 4:584 (tv-LIF2HH, Theorem 1);"
                    " Hodgkin & Huxley (1952) J Physiol 117:500-544"),
        unit_equations=_TV_UNITS,
        unit_links={"m": "m", "h": "h", "n": "n"},
        output_links={"v_Na": 0, "v_K": 1, "v_L": 2},
        unit_roles=("Na", "K", "L"),
        unit_initial={"v": "E_channel"},
        unit_order=-1,
    )


# ======================================================================= tv-LIF2HH, literal
_TV_SEED_OUTPUT = """
v = f_Na + f_K + f_L + v_4 : volt
dv_4/dt = g_total*(J - v_4)/C_m : volt
J = -(f_Na + f_K + f_L) + (g_Na_t*u_Na + g_K_t*u_K + g_L*u_L)/g_total : volt
g_total = g_Na_t + g_K_t + g_L : siemens/meter**2
u_Na : volt (linked)
u_K : volt (linked)
u_L : volt (linked)
f_Na : volt (linked)
f_K : volt (linked)
f_L : volt (linked)
""" + HH_GATING_EQUATIONS

_TV_SEED_UNITS = """
dv/dt = rate_v : volt
df/dt = g_channel/g_unit*rate_v : volt
rate_v = g_unit*(E_channel - v + I_in/g_s)/C_m : volt/second
g_channel = is_Na*g_Na*m**3*h + is_K*g_K*n**4 + is_L*g_L : siemens/meter**2
E_channel = is_Na*E_Na + is_K*E_K + is_L*E_L : volt
m : 1 (linked)
h : 1 (linked)
n : 1 (linked)
I_in : amp/meter**2 (linked)
g_s : siemens/meter**2 (linked)
"""


def tv_lif2hh_seed(convention: str = "modern", *, initial: str = "seed",
                   method: str = "euler", dt=0.001 * ms) -> CircuitModel:
    """tv-LIF2HH as the seed's XOR script builds it (``tv-lif2hh-seed``).

    Parameters
    ----------
    convention : {'modern', 'shifted'}
        Voltage convention (the seed's XOR script: modern, threshold −40 mV).
    initial : {'seed', 'rest'}
        Gating and unit-4 start: the script's (V = −70 mV, m = 0.0289, n = 0.2446,
        h = 0.7541, default) or HH's resting state; the channel units and accumulators
        start at 0 as in the script.
    method, dt
        The script's forward Euler at 0.001 ms (default).

    Returns
    -------
    CircuitModel

    Notes
    -----
    Three channel units k ∈ {Na, K, L} (one group of 3n) with capacitance C_m, leak
    ``g_unit`` = 1 mS/cm² (time constant C_m/g_unit = 1 ms), resting potential E_k and
    input I/g_s, and an accumulator f_k each::

        C_m du_k/dt = g_unit (E_k − u_k) + g_unit I/g_s
        df_k/dt = (g_k/g_unit) du_k/dt                       (the script's f_k += g_k Δu_k)

    and unit 4 (the output group) with capacitance C_m/g_s and rest 0::

        (C_m/g_s) du_4/dt = −u_4 − Σ_k f_k + Σ_k g_k u_k / g_s
        V = Σ_k f_k + u_4                                     (compared with the threshold)

    with g_Na = ḡ_Na m³h, g_K = ḡ_K n⁴, g_L and **g_s = g_Na + g_K + g_L, the
    instantaneous total conductance** (the script recomputes it every step).  In continuous
    time dΣf/dt = Σ g_k E_k − Σ g_k u_k + I and du_4/dt·C_m = −g_s (u_4 + Σf) + Σ g_k u_k,
    so C_m dV/dt = Σ_k g_k (E_k − V) + I: the HH membrane equation; the u_k cancel, which
    needs g_s = Σ g_k(t) (a constant ḡ_Na + ḡ_K + g_L would not give HH).  In discrete
    time they do not cancel exactly: the channel units' influence on V is O(dt) (halving dt
    halves it; tests/models/test_lif2hh.py measures it against ``hh`` under the script's XOR
    input, < 1 mV at dt = 0.001 ms).  ``tv-lif2hh`` is the dt → 0 limit of the same
    construction: there the channel units sit at their fixed point and V is HH's to
    rounding.

    **Closed loop, unlike the script.**  The gating variables m, h, n are integrated in the
    circuit (the output group, from its own V; ``HH_GATING_EQUATIONS``, composed, not
    copied), so the circuit is a neuron model on its own.  The seed's script instead copies
    g_Na, g_K, g_L every step from a parallel HH neuron driven by the same input (globals
    written by its HH update): there the circuit is an open-loop read-out of HH, not a
    replacement for it.

    Scheduling: unit 4 and the gating (the output group) update first, all from the state
    at the step's start, so V, unit 4 and the gates see one consistent time; the channel
    units (Brian2 ``order`` +1) then update with the conductances of the new gating.  The
    script uses the gating of the step's start for both and mixes time indices further (new
    f_k but old u_k in unit 4's input, old u_4 in V); all of these are O(dt).  Updating the
    channel units first instead would make V, read by the gating and by the spike test,
    mix new accumulators with an old u_4, which produces spurious threshold crossings.
    Input: ``I_input`` and network synapses enter the output group, which holds them for
    the circuit; the channel units read I/g_s through linked variables.
    """
    hh = hodgkin_huxley(convention, initial=initial, method=method, dt=dt)
    name = "tv-lif2hh-seed" if convention == "modern" else "tv-lif2hh-seed-shifted"
    params = dict(hh.parameters, g_unit=1 * mS / cm**2)
    init = dict(hh.initial)
    init["v_4"] = init.pop("v")
    return CircuitModel(
        name=name,
        description=f"tv-LIF2HH as the seed's XOR script builds it (closed loop, = {hh.name}"
                    f" up to O(dt))",
        equations=_TV_SEED_OUTPUT,
        parameters=params,
        initial=init,
        threshold=hh.threshold,
        reset=hh.reset,
        refractory=hh.refractory,
        method=method,
        dt=dt,
        voltage="v",
        units_per_neuron=4,
        references=("He et al. (2024) Nat Comput Sci 4:584 (tv-LIF2HH) and its reference"
                    " script time_varied_simulation/xor/main.m"),
        unit_equations=_TV_SEED_UNITS,
        unit_links={"m": "m", "h": "h", "n": "n", "I_in": "I_input", "g_s": "g_total"},
        output_links={"u_Na": ("v", 0), "u_K": ("v", 1), "u_L": ("v", 2),
                      "f_Na": ("f", 0), "f_K": ("f", 1), "f_L": ("f", 2)},
        unit_roles=("Na", "K", "L"),
        unit_initial={"v": 0 * mV, "f": 0 * mV},
        unit_order=1,
    )


# ======================================================================= s-LIF2HH
_S_OUTPUT = """
dv/dt = (g_L*(U_rest - v) + g_sum*((v_1 - U_rest) + (v_2 - U_rest) + (v_3 - U_rest)))/C_m : volt
v_1 : volt (linked)
v_2 : volt (linked)
v_3 : volt (linked)
"""

_S_UNITS = """
dv/dt = (g_L*(U_rest - v) + I_in + I_unit + g_feedback*(v_out - U_rest))/C_m : volt
I_in : amp/meter**2 (linked)
v_out : volt (linked)
v_s1 : volt (linked)
v_s2 : volt (linked)
"""


def s_lif2hh(*, method: str = "euler", dt=1 * ms) -> CircuitModel:
    """The simplified s-LIF2HH circuit of the seed (``s-lif2hh``).

    Parameters
    ----------
    method, dt
        ``'euler'`` at 1 ms (default) *is* the seed's discrete update (see Notes); any other
        choice integrates the continuous-time reading of the same equations.

    Returns
    -------
    CircuitModel

    Notes
    -----
    Units 1–3 (one group of 3n) receive the circuit's input current in parallel; unit 4
    (the output, group of n) receives the sum of their potentials::

        C_m dv_k/dt = g_L (U_rest − v_k) + I_input + I_unit + g_feedback (v_4 − U_rest)
        C_m dv_4/dt = g_L (U_rest − v_4) + g_sum Σ_k (v_k − U_rest)

    The circuit fires when all four potentials exceed ``V_th``; then all four are reset to
    ``U_rest`` (every unit's threshold is that conjunction, read through linked variables;
    Brian2 evaluates all thresholds before any reset).  The output unit's spikes are the
    circuit's.

    **The seed's discrete update.**  With forward Euler at dt = 1 ms and the defaults
    C_m = 1 µF/cm², g_L = 0.1 mS/cm², g_sum = C_m/dt = 1 mS/cm², one Brian2 step is, in
    mV and µA/cm² numbers::

        u_k ← u_k − 0.1 (u_k − U_rest) + I + I_unit,k + (g_feedback dt/C_m)(u_4 − U_rest)
        u_4 ← u_4 − 0.1 (u_4 − U_rest) + Σ_k (u_k − U_rest)
        if all u > V_th: spike at t, all u ← U_rest

    since dt/C_m = 1 mV per µA/cm² and dt g_L/C_m = 0.1: the seed's "decay 0.9, C = 1,
    U_rest = 0, threshold 70" with its input numbers in µA/cm² fed straight in (the input
    scaling is therefore 1 mV of potential per µA/cm² of input per 1 ms step — no extra
    factor).  Unit 4 adds the potentials of units 1–3 *after* their update in the same step
    (the order of the seed's loop): the unit group has Brian2 ``order`` −1, so its state
    update runs before the output unit's.  I is ``I_input`` evaluated at the step's start
    time t; the seed's script feeds the *average* of its waveform over the step that ends
    at the new state, [t, t + 1 ms] (:class:`hhlif.protocols.stimuli.SeedWaveform` with
    ``read='average'``).  A spike is recorded at the time t of the step whose update
    crossed the threshold (the script's index (n − 1)·1000 for update n).  With U_rest = 0
    the sum Σ (u_k − U_rest) is the seed's plain sum of potentials.

    **What the circuit is, honestly.**  Units 1–3 receive the same input from the same
    state with the same parameters, so they are identical at every step (bit for bit; the
    seed's script and this model alike): the "four units" carry *one* LIF neuron's worth
    of dynamics, u ← 0.9 u + I, threshold 70, reset 0, **gated by unit 4**, which with
    U_rest = 0 follows u_4 ← 0.9 u_4 + 3 u_1.  The circuit fires when u_1 > 70 *and*
    u_4 > 70; once u_1 > 70 the gate holds unless the previous u_4 was below
    (70 − 3 u_1)/0.9 < −155.6 mV, which needs a long strongly negative input.  On the seed's
    five Fig. 3 waveforms the gate never blocks (tests/protocols/test_seed_fig3.py checks
    the circuit against a single LIF on all five; tests/models/test_networks.py shows an
    input where it does block), so there the circuit spikes exactly like
    one LIF: counted by its dynamics it is one neuron, counted by Brian2 neurons four.

    ``g_feedback`` (default 0) is an hhlif option, not part of the seed's script: a
    unit-4 → units-1–3 feedback (``g_feedback = C_m/dt`` = 1 mS/cm² adds u_4 per step)
    that the ``native`` preset of the ``waveforms`` protocol uses in its second circuit.
    ``I_unit`` (default 0) is a current into each of units 1–3 separately
    (``CircuitModel.build(unit_input_expression=...)``): the seed's circuit chain gives unit
    k of circuit 2 ``10⁵·[u_k > 70] + [u_4 > 70]`` of circuit 1 in the same update
    (:class:`hhlif.models.networks.SeedChain`).  Network synapses add to ``I_syn``, which
    is part of ``I_input``: a synaptic current with ``tau_syn`` = dt decays to zero in one
    Euler step, i.e. the seed's "W × spike" added to units 1–3 for one step, but one step
    *after* the spike (the script's coupling acts in the same step).

    The potentials are in volts (mV numbers equal the seed's); ``I_input`` and ``I_syn``
    are stored with the output group (the only per-circuit group) and read by units 1–3.
    """
    params = dict(C_m=1 * uF / cm**2, g_L=0.1 * mS / cm**2, U_rest=0 * mV, V_th=70 * mV,
                  g_sum=1 * mS / cm**2, g_feedback=0 * mS / cm**2)
    why = "all four units are reset to U_rest, which must lie below the threshold"
    rule = "v > V_th and {a} > V_th and {b} > V_th and {c} > V_th"
    return CircuitModel(
        name="s-lif2hh",
        description="simplified 4-LIF circuit of the seed (3 parallel units + summing unit)",
        equations=_S_OUTPUT,
        parameters=params,
        initial=dict(v="U_rest"),
        threshold=rule.format(a="v_1", b="v_2", c="v_3"),
        reset="v = U_rest",
        refractory=None,
        method=method,
        dt=dt,
        voltage="v",
        units_per_neuron=4,
        references="He et al. (2024) Nat Comput Sci 4:584 (s-LIF2HH) and its reference scripts",
        unit_equations=_S_UNITS,
        unit_links={"I_in": "I_input", "v_out": "v"},
        output_links={"v_1": 0, "v_2": 1, "v_3": 2},
        sibling_links=("v_s1", "v_s2"),
        unit_roles=(),
        unit_initial={"v": "U_rest"},
        unit_threshold=rule.format(a="v_s1", b="v_s2", c="v_out"),
        unit_reset="v = U_rest",
        unit_order=-1,
        orderings=(("U_rest", "V_th", why),),
    )


# ======================================================================= registration
def _register() -> None:
    from .registry import available, register

    entries = [
        ("tv-lif2hh", lambda: tv_lif2hh("modern"),
         "exact 4-LIF circuit = hh (time-varying LIF units, rush_larsen2, dt 0.01 ms)"),
        ("tv-lif2hh-shifted", lambda: tv_lif2hh("shifted"),
         "exact 4-LIF circuit = hh-shifted (time-varying LIF units, rush_larsen2, dt 0.01 ms)"),
        ("tv-lif2hh-seed", tv_lif2hh_seed,
         "tv-LIF2HH as the seed's XOR script builds it: channel units + accumulators, closed"
         " loop (Euler, dt 0.001 ms; = hh up to O(dt))"),
        ("s-lif2hh", s_lif2hh,
         "simplified 4-LIF circuit of the seed (Euler, dt 1 ms = its discrete update)"),
    ]
    names = set(available())
    for name, factory, description in entries:
        if name not in names:
            register(name, factory, description)


_register()
