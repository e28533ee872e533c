"""Units of cost: floating-point operations per model neuron per integration step.

A neuron-count ratio (``tv-lif2hh`` spends 4 Brian2 units on one HH neuron) says nothing about
what a step of each unit costs.  This module counts the arithmetic of one time step as Brian2
generates it — the integrator's update of every state variable (gating ODEs included), the
refractoriness bookkeeping and the threshold test — and, separately, the reset executed on a
spike step: the package's version of the computing-resources panel of He et al. (2024), Fig. 5.

Contents
--------
step_cost              :class:`StepCost` of a registered model name or a NeuronModel
simulation_cost        :class:`SimulationCost`: ``neurons`` × ``steps`` × the step cost
count_operations       :class:`OperationCount` of a block of Brian2 abstract code
StepCost, GroupCost, OperationCount, SimulationCost
                       the results (frozen dataclasses, ``to_dict()`` for JSON)
TRANSCENDENTAL_WEIGHTS, DEFAULT_TRANSCENDENTAL_WEIGHT
                       the FLOP charged per elementary-function call in weighted counts

Where the code comes from
-------------------------
:func:`step_cost` builds one model neuron (``model.build(1)``: one Brian2 group, or the two
groups of a circuit holding its 1 + 3 units) and asks each group's own objects for their
abstract code, exactly as Brian2 does before a run (``update_abstract_code`` of the
``StateUpdater``, ``Thresholder`` and ``Resetter``; no code generation, no compilation, no
run).  The state updater's code is the one the model's integration method produces
(``StateUpdateMethod.apply_stateupdater`` with the group's variables), preceded by the
``not_refractory`` update of refractory models; the threshold code is
``_cond = (condition) and not_refractory`` where the model is refractory.

How operations are counted
--------------------------
**Literally**: every statement is parsed as the Python expression it is (Brian2's abstract
code is Python syntax, and its code generators translate that tree node by node); each
binary ``+``/``-`` is one addition, ``*`` one multiplication, ``/`` (and ``//``, ``%``) one
division, each comparison one comparison, and an augmented assignment (``w += b``) one
operation of its kind.  Common subexpressions are counted as often as the code writes them
(the integrators' temporaries such as ``_rl2_s1_c0 = 1/C_m`` count once each, where written).
Integer powers are expanded as repeated multiplication (``x**3`` = 2 mul, ``x**-2`` = 1 mul
+ 1 div); any other power is a transcendental ``pow``.  Unit names (``30*mV``) are symbols
like any other: the multiplication counts, as written.  Free: negation (counted as
``negate``), logical ``and``/``or``/``not`` (counted as ``logical``), ``int()`` conversions,
loads and stores.  ``timestep(t, dt)`` counts its definition in Brian2, ``(t + 1e-3*dt)/dt``
(1 add, 1 mul, 1 div).  Calls of elementary functions are counted by name
(``transcendentals``); any other call (``abs``, ``clip``, ``rand``, a TimedArray) is counted by
name in ``other_calls`` and charged nothing.

``flops`` = additions + multiplications + divisions + comparisons.  A comparison of two
floating-point numbers is one floating-point instruction; including it gives the threshold
test its cost (``v > V_th``: 1).  Subtract ``operations.compare`` for the arithmetic alone.

Two further numbers, per neuron and step:

* ``generated_flops``: after Brian2's loop-invariant optimisation (``make_statements`` with
  ``optimise=True``, its default ``codegen.loop_invariant_optimisations``), the statements
  executed once per neuron; what it hoists (``1/C_m``, ``0.5*dt``, constants times units,
  shared parameters) runs once per group and step, ``scalar_flops``, independent of the
  number of neurons.
* ``cse_flops``: sympy's common-subexpression elimination (``sympy.cse``) over the
  right-hand sides of each group's statements, temporaries kept as symbols, counted on
  sympy's canonical form (which may distribute a numeric factor: ``2*(x + y)`` → ``2*x + 2*y``).

Weights
-------
``weighted_flops`` = ``flops`` + Σ weight × calls over the transcendentals.  Convention
(:data:`TRANSCENDENTAL_WEIGHTS`): every elementary function costs
:data:`DEFAULT_TRANSCENDENTAL_WEIGHT` = 20 FLOP (the usual rough charge for a libm ``exp``),
sqrt included, to keep one rule; ``exprel`` (Brian2: ``expm1(x)/x``) 21; a non-integer power
``pow`` (``exp(y·log x)``) 40.  Pass ``weights=`` to charge others.

Per model neuron and per unit
-----------------------------
Counts are per **model neuron** (an HH-equivalent circuit counts once): a circuit's count is
its output unit's plus three times its other units' (``groups`` lists both, each per unit).
``flops_per_unit`` divides by ``units_per_neuron`` (4 for the circuits): the mean cost of one
Brian2 unit.

References
----------
He L., Xu Y., He W., Lin Y. et al. (2024) Network model with internal complexity bridges
artificial intelligence and neuroscience. Nat Comput Sci 4:584–599 (Fig. 5).
"""

from __future__ import annotations

import ast
import importlib
import itertools
import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from .errors import ParameterError, UnknownNameError
from .neuron_model import NeuronModel
from .registry import get

# the LIF2HH circuits register themselves in the registry when their module is imported
importlib.import_module(".lif2hh", __package__)

__all__ = [
    "TRANSCENDENTAL_WEIGHTS",
    "DEFAULT_TRANSCENDENTAL_WEIGHT",
    "OperationCount",
    "GroupCost",
    "StepCost",
    "SimulationCost",
    "count_operations",
    "step_cost",
    "simulation_cost",
]

#: FLOP charged per call of a transcendental without its own entry in the weights.
DEFAULT_TRANSCENDENTAL_WEIGHT = 20

#: FLOP charged per call in ``weighted_flops`` (see the module docstring).
TRANSCENDENTAL_WEIGHTS = MappingProxyType({
    **{name: DEFAULT_TRANSCENDENTAL_WEIGHT for name in (
        "exp", "expm1", "log", "log10", "sqrt", "sin", "cos", "tan", "arcsin", "arccos",
        "arctan", "sinh", "cosh", "tanh")},
    "exprel": DEFAULT_TRANSCENDENTAL_WEIGHT + 1,  # expm1(x)/x
    "pow": 2 * DEFAULT_TRANSCENDENTAL_WEIGHT,  # exp(y*log(x))
})

_names = itertools.count()


# ====================================================================== operation counts
@dataclass(frozen=True)
class OperationCount:
    """Operations of a block of code (see the module docstring for the rules).

    Attributes
    ----------
    add, mul, div, compare : int
        Additions/subtractions, multiplications (integer powers expanded), divisions,
        comparisons.
    negate, logical : int
        Negations and logical operations (free: not in ``flops``).
    transcendentals : mapping of str to int
        Calls of elementary functions (and ``pow``) by name.
    other_calls : mapping of str to int
        Other calls by name (``int``, ``abs``, ``rand``, ...), charged nothing.
    """

    add: int = 0
    mul: int = 0
    div: int = 0
    compare: int = 0
    negate: int = 0
    logical: int = 0
    transcendentals: Mapping[str, int] = field(default_factory=dict)
    other_calls: Mapping[str, int] = field(default_factory=dict)

    @property
    def flops(self) -> int:
        """``add + mul + div + compare``."""
        return self.add + self.mul + self.div + self.compare

    def weighted(self, weights: Mapping[str, float] | None = None,
                 default_weight: float = DEFAULT_TRANSCENDENTAL_WEIGHT) -> float:
        """``flops`` plus each transcendental call charged its weight (FLOP)."""
        table = TRANSCENDENTAL_WEIGHTS if weights is None else weights
        return self.flops + sum(n * table.get(name, default_weight)
                                for name, n in self.transcendentals.items())

    def __add__(self, other: "OperationCount") -> "OperationCount":
        if not isinstance(other, OperationCount):
            return NotImplemented
        return OperationCount(
            add=self.add + other.add, mul=self.mul + other.mul, div=self.div + other.div,
            compare=self.compare + other.compare, negate=self.negate + other.negate,
            logical=self.logical + other.logical,
            transcendentals=_merge(self.transcendentals, other.transcendentals),
            other_calls=_merge(self.other_calls, other.other_calls))

    def __mul__(self, k: int) -> "OperationCount":
        if not isinstance(k, int) or isinstance(k, bool):
            return NotImplemented
        return OperationCount(
            add=k * self.add, mul=k * self.mul, div=k * self.div, compare=k * self.compare,
            negate=k * self.negate, logical=k * self.logical,
            transcendentals={n: k * c for n, c in self.transcendentals.items()},
            other_calls={n: k * c for n, c in self.other_calls.items()})

    __rmul__ = __mul__

    def to_dict(self) -> dict:
        """JSON-friendly: every count, and ``flops``."""
        return {"add": self.add, "mul": self.mul, "div": self.div, "compare": self.compare,
                "negate": self.negate, "logical": self.logical, "flops": self.flops,
                "transcendentals": dict(sorted(self.transcendentals.items())),
                "other_calls": dict(sorted(self.other_calls.items()))}


def _merge(a: Mapping[str, int], b: Mapping[str, int]) -> dict:
    out = dict(a)
    for name, n in b.items():
        out[name] = out.get(name, 0) + n
    return {name: n for name, n in out.items() if n}


_TRANSCENDENTAL_NAMES = frozenset(TRANSCENDENTAL_WEIGHTS)


class _Counter(ast.NodeVisitor):
    """Counts the operations of Brian2 abstract code (Python syntax) literally."""

    def __init__(self):
        self.c = dict(add=0, mul=0, div=0, compare=0, negate=0, logical=0)
        self.transcendentals: dict[str, int] = {}
        self.other_calls: dict[str, int] = {}

    def result(self) -> OperationCount:
        return OperationCount(**self.c, transcendentals=dict(self.transcendentals),
                              other_calls=dict(self.other_calls))

    def _call(self, table: dict, name: str) -> None:
        table[name] = table.get(name, 0) + 1

    def _binary(self, op: ast.operator) -> None:
        if isinstance(op, (ast.Add, ast.Sub)):
            self.c["add"] += 1
        elif isinstance(op, ast.Mult):
            self.c["mul"] += 1
        elif isinstance(op, (ast.Div, ast.FloorDiv, ast.Mod)):
            self.c["div"] += 1
        else:
            raise ParameterError(f"operator {type(op).__name__}: not countable; expected one"
                                 f" of + - * / // % ** in Brian2 abstract code")

    def visit_AugAssign(self, node):
        if isinstance(node.op, ast.Pow):
            self._power(node.value)
        else:
            self._binary(node.op)
            self.visit(node.value)

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.Pow):
            self.visit(node.left)
            self._power(node.right)
            return
        self._binary(node.op)
        self.visit(node.left)
        self.visit(node.right)

    def _power(self, exponent) -> None:
        value = _constant(exponent)
        if value is not None and float(value).is_integer():
            k = int(value)
            if k < 0:
                self.c["div"] += 1
            self.c["mul"] += max(abs(k) - 1, 0)
        else:
            self._call(self.transcendentals, "pow")
            self.visit(exponent)

    def visit_UnaryOp(self, node):
        if isinstance(node.op, ast.Not):
            self.c["logical"] += 1
        elif isinstance(node.op, ast.USub) and _constant(node) is None:
            self.c["negate"] += 1
        self.visit(node.operand)

    def visit_BoolOp(self, node):
        self.c["logical"] += len(node.values) - 1
        for value in node.values:
            self.visit(value)

    def visit_Compare(self, node):
        self.c["compare"] += len(node.ops)
        self.visit(node.left)
        for comparator in node.comparators:
            self.visit(comparator)

    def visit_Call(self, node):
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        if name == "timestep":  # Brian2: int((t + 1e-3*dt)/dt)
            self.c["add"] += 1
            self.c["mul"] += 1
            self.c["div"] += 1
        elif name in _TRANSCENDENTAL_NAMES:
            self._call(self.transcendentals, name)
        else:  # conversions (int) and anything else: recorded, charged nothing
            self._call(self.other_calls, name)
        for arg in node.args:
            self.visit(arg)


def _constant(node) -> float | None:
    """The numeric value of a literal (``3``, ``-2.0``), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _constant(node.operand)
        if inner is not None:
            return -inner if isinstance(node.op, ast.USub) else inner
    return None


def count_operations(code: str) -> OperationCount:
    """Count the operations of Brian2 abstract code, literally (module docstring's rules).

    Parameters
    ----------
    code : str
        Statements (``var = expr``, ``var += expr``; separated by newlines or ``;``) or a
        single expression.

    Returns
    -------
    OperationCount

    Raises
    ------
    ParameterError
        If ``code`` is not a string or not Python syntax.

    Examples
    --------
    >>> c = count_operations("_v = v + dt*(E - v)/tau")
    >>> c.add, c.mul, c.div, c.flops
    (2, 1, 1, 4)
    >>> count_operations("g_Na*m**3*h").mul
    4
    >>> count_operations("v = V_reset; w += b").flops
    1
    >>> count_operations("0.07*exp(-u/(20*mV))").transcendentals
    {'exp': 1}
    """
    if not isinstance(code, str):
        raise ParameterError(f"code={code!r}: expected Brian2 abstract code as a string")
    try:
        tree = ast.parse(_dedent(code))
    except SyntaxError as err:
        raise ParameterError(f"code={code!r}: expected Brian2 abstract code (Python syntax),"
                             f" {err.msg} at line {err.lineno}") from None
    counter = _Counter()
    counter.visit(tree)
    return counter.result()


def _dedent(code: str) -> str:
    return "\n".join(line.strip() for line in code.splitlines())


def _lines(code: str) -> list[str]:
    out = []
    for line in _dedent(code).splitlines():
        out += [part.strip() for part in line.split(";") if part.strip()]
    return out


# ====================================================================== results
@dataclass(frozen=True)
class GroupCost:
    """The cost of one unit of one Brian2 group of a model neuron, per time step.

    Attributes
    ----------
    role : str
        ``'neuron'`` (a one-group model), ``'output'`` or ``'units'`` (a circuit's groups).
    multiplicity : int
        Units of this group per model neuron (a circuit: output 1, units 3).
    update, threshold, reset : OperationCount
        Literal counts of the state updater's code (refractoriness included), the threshold
        condition and the reset statements (spike steps only).
    generated, scalar : OperationCount
        After Brian2's loop-invariant optimisation: per unit (update + threshold), and once
        per group and step.
    cse : OperationCount
        ``sympy.cse`` over the update and threshold statements' right-hand sides.
    statements : tuple of str
        The abstract code counted: the update lines, then ``_cond = ...``.
    reset_statements : tuple of str
    """

    role: str
    multiplicity: int
    update: OperationCount
    threshold: OperationCount
    reset: OperationCount
    generated: OperationCount
    scalar: OperationCount
    cse: OperationCount
    statements: tuple
    reset_statements: tuple

    @property
    def step(self) -> OperationCount:
        """Update + threshold, per unit and step (literal)."""
        return self.update + self.threshold

    def to_dict(self) -> dict:
        """JSON-friendly."""
        return {"role": self.role, "multiplicity": self.multiplicity,
                "update": self.update.to_dict(), "threshold": self.threshold.to_dict(),
                "reset": self.reset.to_dict(), "generated": self.generated.to_dict(),
                "scalar": self.scalar.to_dict(), "cse": self.cse.to_dict(),
                "statements": list(self.statements),
                "reset_statements": list(self.reset_statements)}


@dataclass(frozen=True)
class StepCost:
    """Operations per model neuron per integration step (see the module docstring).

    Attributes
    ----------
    model, method : str
        Model name and the integration method counted.
    flops : int
        Literal ``add + mul + div + compare`` of the state update and the threshold test, per
        model neuron and step (every unit of a circuit).
    transcendentals : dict of str to int
        Elementary-function calls per model neuron and step, by name.
    weighted_flops : float
        ``flops`` + Σ ``weights[name]`` × calls.
    reset_flops : int
        Flops of the reset of one model neuron (every unit of a circuit), on a spike step
        only: not in ``flops``.
    threshold_flops : int
        The threshold test's share of ``flops``.
    statements : tuple of str
        The abstract code counted (circuits: a ``# role (×k per neuron)`` line before each
        group's lines).
    units_per_neuron : int
        Brian2 units per model neuron.
    operations : OperationCount
        The full breakdown of ``flops`` (per model neuron and step).
    generated_flops, generated_weighted_flops : int, float
        Per model neuron and step after Brian2's loop-invariant optimisation.
    scalar_flops : int
        What that optimisation hoists: once per group and step, whatever the group's size.
    cse_flops : int
        After ``sympy.cse`` (per model neuron and step).
    weights : dict
        The FLOP charged per transcendental (``default`` for the unlisted ones).
    groups : tuple of GroupCost
        Per unit of each Brian2 group.
    """

    model: str
    method: str
    flops: int
    transcendentals: dict
    weighted_flops: float
    reset_flops: int
    threshold_flops: int
    statements: tuple
    units_per_neuron: int
    operations: OperationCount
    generated_flops: int
    generated_weighted_flops: float
    scalar_flops: int
    cse_flops: int
    weights: dict
    groups: tuple

    @property
    def flops_per_unit(self) -> float:
        """``flops / units_per_neuron``: the mean cost of one Brian2 unit."""
        return self.flops / self.units_per_neuron

    @property
    def weighted_flops_per_unit(self) -> float:
        """``weighted_flops / units_per_neuron``."""
        return self.weighted_flops / self.units_per_neuron

    def to_dict(self) -> dict:
        """JSON-friendly (plain numbers, strings, lists and dicts)."""
        return {"model": self.model, "method": self.method, "flops": self.flops,
                "transcendentals": dict(sorted(self.transcendentals.items())),
                "weighted_flops": self.weighted_flops, "reset_flops": self.reset_flops,
                "threshold_flops": self.threshold_flops,
                "units_per_neuron": self.units_per_neuron,
                "flops_per_unit": self.flops_per_unit,
                "weighted_flops_per_unit": self.weighted_flops_per_unit,
                "generated_flops": self.generated_flops,
                "generated_weighted_flops": self.generated_weighted_flops,
                "scalar_flops": self.scalar_flops, "cse_flops": self.cse_flops,
                "weights": dict(self.weights), "operations": self.operations.to_dict(),
                "statements": list(self.statements),
                "groups": [g.to_dict() for g in self.groups]}

    def __str__(self) -> str:
        calls = ", ".join(f"{n} {name}" for name, n in sorted(self.transcendentals.items()))
        per_unit = (f", {self.flops_per_unit:g} per unit of {self.units_per_neuron}"
                    if self.units_per_neuron > 1 else "")
        return (f"{self.model} ({self.method}): {self.flops} FLOP per neuron-step"
                f" ({calls or 'no transcendentals'}; weighted {self.weighted_flops:g}){per_unit};"
                f" threshold {self.threshold_flops}, reset {self.reset_flops} per spike")


@dataclass(frozen=True)
class SimulationCost:
    """The cost of ``neurons`` model neurons over ``steps`` steps (:func:`simulation_cost`).

    Attributes
    ----------
    model : str
    neurons, steps, spikes : int
    units : int
        Brian2 units (``neurons × units_per_neuron``).
    neuron_steps, unit_steps : int
        ``neurons × steps`` and ``units × steps``.
    flops, weighted_flops : float
        ``per-step count × neuron_steps`` (literal counts, or the generated ones plus the
        hoisted scalar code × steps with ``count='generated'``).
    reset_flops : int
        ``step.reset_flops × spikes``.
    total_flops, total_weighted_flops : float
        Including the resets.
    count : str
        ``'literal'`` or ``'generated'``.
    step : StepCost
        The per-step cost used.
    """

    model: str
    neurons: int
    steps: int
    spikes: int
    units: int
    neuron_steps: int
    unit_steps: int
    flops: float
    weighted_flops: float
    reset_flops: int
    total_flops: float
    total_weighted_flops: float
    count: str
    step: StepCost

    def to_dict(self) -> dict:
        """JSON-friendly (the step cost as its :meth:`StepCost.to_dict`)."""
        out = {k: getattr(self, k) for k in (
            "model", "neurons", "steps", "spikes", "units", "neuron_steps", "unit_steps",
            "flops", "weighted_flops", "reset_flops", "total_flops", "total_weighted_flops",
            "count")}
        out["step"] = self.step.to_dict()
        return out

    def __str__(self) -> str:
        return (f"{self.model}: {self.neurons} neurons x {self.steps} steps ="
                f" {self.neuron_steps:.3g} neuron-steps ({self.unit_steps:.3g} unit-steps),"
                f" {self.total_flops:.3g} FLOP ({self.total_weighted_flops:.3g} weighted)")


# ====================================================================== the step cost
def step_cost(model, method: str | None = None, *, driven: bool = True,
              namespace: Mapping | None = None, weights: Mapping[str, float] | None = None,
              default_weight: float = DEFAULT_TRANSCENDENTAL_WEIGHT) -> StepCost:
    """Count the operations of one model neuron's time step, as Brian2 generates it.

    Parameters
    ----------
    model : str or NeuronModel
        A registered model name (``hhlif.models.available()``) or a model description.
    method : str, optional
        Brian2 integration method (default: the model's own, ``model.method``).
    driven : bool
        True (default): ``I_input`` is a per-neuron variable ``I_ext``, so the input term
        is counted as in any driven simulation (the cost of computing a stimulus itself, e.g.
        a TimedArray look-up, is not); False: ``I_input = 0``, which Brian2 removes from
        the equations.
    namespace : mapping, optional
        External names the model's equations use (as for ``model.build``).
    weights : mapping of str to float, optional
        FLOP per transcendental call (default :data:`TRANSCENDENTAL_WEIGHTS`).
    default_weight : float
        FLOP for a transcendental not in ``weights``.

    Returns
    -------
    StepCost

    Raises
    ------
    UnknownNameError
        For an unknown model or integration method (the message lists the valid ones).
    ParameterError
        For a ``model`` that is neither a name nor a NeuronModel, or a negative weight.

    Notes
    -----
    Builds ``model.build(1)`` (Brian2 objects, never run nor compiled) and reads the
    abstract code of its state updater, thresholder and resetter (module docstring).

    Examples
    --------
    >>> cost = step_cost("lif")
    >>> cost.units_per_neuron, cost.method, dict(cost.transcendentals)
    (1, 'exponential_euler', {'exp': 1})
    >>> step_cost("tv-lif2hh").units_per_neuron
    4
    """
    model = _model(model)
    method = _method(model, method)
    table = _weights(weights, default_weight)
    population, objects = _build(model, method, driven, namespace)
    try:
        groups = tuple(_group_cost(group, role, k) for group, role, k in objects)
    finally:
        del objects  # the last references besides the population's
        _retire(population)
    step = sum((g.step * g.multiplicity for g in groups), OperationCount())
    generated = sum((g.generated * g.multiplicity for g in groups), OperationCount())
    scalar = sum((g.scalar for g in groups), OperationCount())
    cse = sum((g.cse * g.multiplicity for g in groups), OperationCount())
    threshold = sum((g.threshold.flops * g.multiplicity for g in groups))
    reset = sum((g.reset.flops * g.multiplicity for g in groups))
    units = sum(g.multiplicity for g in groups)
    if len(groups) == 1:
        statements = groups[0].statements
    else:
        statements = tuple(itertools.chain.from_iterable(
            (f"# {g.role} (x{g.multiplicity} per neuron)", *g.statements) for g in groups))
    return StepCost(
        model=model.name, method=method, flops=step.flops,
        transcendentals=dict(sorted(step.transcendentals.items())),
        weighted_flops=step.weighted(table, default_weight), reset_flops=reset,
        threshold_flops=threshold, statements=statements, units_per_neuron=units,
        operations=step, generated_flops=generated.flops,
        generated_weighted_flops=generated.weighted(table, default_weight),
        scalar_flops=scalar.flops, cse_flops=cse.flops,
        weights={**table, "default": default_weight}, groups=groups)


def _model(model) -> NeuronModel:
    if isinstance(model, NeuronModel):
        return model
    if not isinstance(model, str):
        raise ParameterError(f"model={model!r}: expected a registered model name or a"
                             f" NeuronModel, got a {type(model).__name__}")
    return get(model)


def _method(model: NeuronModel, method) -> str:
    from brian2.stateupdaters.base import StateUpdateMethod

    method = model.method if method is None else method
    if not isinstance(method, str):
        raise ParameterError(f"method={method!r}: expected the name of a Brian2 integration"
                             f" method, got a {type(method).__name__}")
    known = StateUpdateMethod.stateupdaters
    if method not in known:
        raise UnknownNameError(f"method {method!r}: unknown integration method; valid methods"
                               f" are {', '.join(sorted(known))}")
    return method


def _weights(weights, default_weight) -> dict:
    table = dict(TRANSCENDENTAL_WEIGHTS if weights is None else weights)
    for name, w in {**table, "default_weight": default_weight}.items():
        if not isinstance(w, (int, float)) or isinstance(w, bool) or not math.isfinite(w) \
                or w < 0:
            raise ParameterError(f"weight {name!r}={w!r}: expected a finite number of FLOP"
                                 f" >= 0")
    return table


def _build(model: NeuronModel, method: str, driven: bool, namespace):
    """One model neuron's Brian2 groups: ``[(group, role, units per neuron)]``."""
    from brian2 import NeuronGroup

    kwargs = dict(method=method, name=f"hhlif_cost_{next(_names)}", namespace=namespace)
    if driven:
        kwargs.update(input_expression="I_ext", extra_equations="I_ext : amp/meter**2")
    population = model.build(1, **kwargs)
    groups = [obj for obj in population.objects if isinstance(obj, NeuronGroup)]
    if len(groups) == 1:
        return population, [(groups[0], "neuron", len(groups[0]))]
    return population, [(g, "output" if g is population.output else "units", len(g))
                        for g in groups]


def _retire(population) -> None:
    """Drop the scratch objects now, without Brian2's warning that they were never part of
    a network (nothing was meant to run): that one logger, muted while they are collected."""
    import gc
    import logging

    quiet = logging.getLogger("brian2.core.base.unused_brian_object")
    was = quiet.disabled
    quiet.disabled = True
    try:
        population.objects.clear()
        population.group = population.output = population.inputs = None
        if hasattr(population, "units"):
            population.units = None
        gc.collect()
    finally:
        quiet.disabled = was


def _group_cost(group, role: str, multiplicity: int) -> GroupCost:
    updater = group.state_updater
    updater.update_abstract_code(run_namespace={})
    update_code = updater.abstract_code or ""
    threshold_code = reset_code = ""
    if group.thresholder:
        thresholder = group.thresholder["spike"]
        thresholder.update_abstract_code(run_namespace={})
        threshold_code = thresholder.abstract_code or ""
    if group.resetter:
        resetter = group.resetter["spike"]
        resetter.update_abstract_code(run_namespace={})
        reset_code = resetter.abstract_code or ""
    step_code = "\n".join([update_code, threshold_code])
    generated, scalar = _generated(group, update_code, "su")
    generated_threshold, scalar_threshold = _generated(group, threshold_code, "th")
    return GroupCost(
        role=role, multiplicity=multiplicity,
        update=count_operations(update_code), threshold=count_operations(threshold_code),
        reset=count_operations(reset_code),
        generated=generated + generated_threshold, scalar=scalar + scalar_threshold,
        cse=_cse(step_code), statements=tuple(_lines(step_code)),
        reset_statements=tuple(_lines(reset_code)))


def _generated(group, code: str, blockname: str) -> tuple[OperationCount, OperationCount]:
    """(per unit, per group) counts of ``code`` after Brian2's loop-invariant optimisation."""
    if not code.strip():
        return OperationCount(), OperationCount()
    from brian2 import prefs
    from brian2.codegen.translation import analyse_identifiers, make_statements

    new, known, unknown = analyse_identifiers(code, group.variables, recursive=True)
    resolved = group.resolve_all((known | unknown) - new, run_namespace={},
                                 user_identifiers=set())
    variables = dict(group.variables, **resolved)
    scalar, vector = make_statements(code, variables, prefs.core.default_float_dtype,
                                     optimise=True, blockname=blockname)
    return _statements_count(vector), _statements_count(scalar)


def _statements_count(statements) -> OperationCount:
    total = OperationCount()
    for s in statements:
        op = "=" if s.op == ":=" else s.op
        total = total + count_operations(f"{s.var} {op} {s.expr}")
    return total


def _cse(code: str) -> OperationCount:
    """Count after sympy's common-subexpression elimination over the right-hand sides."""
    import sympy
    from brian2.parsing.sympytools import str_to_sympy, sympy_to_str

    expressions, augmented = [], OperationCount()
    for line in _lines(code):
        if line.startswith("#"):
            continue
        statement = ast.parse(line).body[0]
        if isinstance(statement, ast.AugAssign):
            augmented = augmented + _augmented_op(statement.op)
        expressions.append(str_to_sympy(ast.unparse(statement.value)))
    if not expressions:
        return OperationCount()
    replacements, reduced = sympy.cse(expressions)
    total = augmented
    for _, expression in replacements:
        total = total + count_operations(sympy_to_str(expression))
    for expression in reduced:
        total = total + count_operations(sympy_to_str(expression))
    return total


def _augmented_op(op) -> OperationCount:
    counter = _Counter()
    counter._binary(op)
    return counter.result()


# ====================================================================== the simulation cost
def simulation_cost(model, neurons: int, steps: int, *, spikes: int = 0,
                    method: str | None = None, count: str = "literal",
                    **step_options: Any) -> SimulationCost:
    """The operations of simulating ``neurons`` model neurons for ``steps`` steps.

    Simple products: ``flops = step.flops × neurons × steps`` (``count='literal'``), or
    ``step.generated_flops × neurons × steps + step.scalar_flops × steps``
    (``count='generated'``: Brian2's per-neuron code plus its hoisted per-group code);
    ``reset_flops = step.reset_flops × spikes``.  Synapses, monitors and stimulus
    evaluation are not counted.  For a duration ``T``: ``steps = round(T / model.dt)``.

    Parameters
    ----------
    model : str, NeuronModel or StepCost
        What :func:`step_cost` takes, or its result (then ``method`` and ``step_options``
        must not be given).
    neurons : int
        Model neurons (> 0; a circuit counts once).
    steps : int
        Integration steps (>= 0).
    spikes : int
        Total spikes of all neurons (each executes the reset once).
    method : str, optional
        Integration method (default: the model's).
    count : {'literal', 'generated'}
    **step_options
        Passed to :func:`step_cost` (``driven``, ``namespace``, ``weights``,
        ``default_weight``).

    Returns
    -------
    SimulationCost

    Raises
    ------
    ParameterError
        For a non-positive ``neurons``, a negative ``steps`` or ``spikes``, or options given
        with a StepCost.
    UnknownNameError
        For an unknown ``count`` (and what :func:`step_cost` raises).

    Examples
    --------
    >>> cost = simulation_cost("lif", neurons=1000, steps=10_000)
    >>> cost.neuron_steps, cost.units
    (10000000, 1000)
    >>> cost.flops == step_cost("lif").flops * 10_000_000
    True
    """
    neurons = _count("neurons", neurons, minimum=1)
    steps = _count("steps", steps, minimum=0)
    spikes = _count("spikes", spikes, minimum=0)
    if count not in ("literal", "generated"):
        raise UnknownNameError(f"count {count!r}: unknown way of counting; valid ones are"
                               f" literal, generated")
    if isinstance(model, StepCost):
        if method is not None or step_options:
            raise ParameterError(f"method={method!r}, options {sorted(step_options)}: given"
                                 f" with a StepCost; expected none (it was counted already)")
        step = model
    else:
        step = step_cost(model, method, **step_options)
    neuron_steps = neurons * steps
    if count == "literal":
        flops = step.flops * neuron_steps
        weighted = step.weighted_flops * neuron_steps
    else:
        flops = step.generated_flops * neuron_steps + step.scalar_flops * steps
        weighted = step.generated_weighted_flops * neuron_steps + step.scalar_flops * steps
    reset = step.reset_flops * spikes
    units = neurons * step.units_per_neuron
    return SimulationCost(
        model=step.model, neurons=neurons, steps=steps, spikes=spikes, units=units,
        neuron_steps=neuron_steps, unit_steps=units * steps, flops=flops,
        weighted_flops=weighted, reset_flops=reset, total_flops=flops + reset,
        total_weighted_flops=weighted + reset, count=count, step=step)


def _count(name: str, value, minimum: int) -> int:
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ParameterError(f"{name}={value!r}: expected an integer >= {minimum}")
    return int(value)
