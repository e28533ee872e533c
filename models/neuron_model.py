"""The neuron-model description shared by every hhlif model.

A :class:`NeuronModel` is data: Brian2 equations with units, default parameter
values (per unit membrane area), initial state, spike rule and the integration
method and time step that keep it accurate.  It knows how to build itself into
Brian2 objects (:meth:`NeuronModel.build`), so that every model takes the same
input current ``I_input`` (amp/metre**2, i.e. µA/cm² scaled).

Parameters become ``(constant)`` variables of the group: per-neuron arrays where the
values differ between neurons (a heterogeneous population, conditions-as-neurons), and
``(shared, constant)`` scalars where one value holds for every neuron.  A shared
parameter is read once per time step instead of once per neuron: for the LIF model
this is the difference between a memory-bound loop (~0.2 G neuron-steps/s) and ~1 G
(``benchmarks/RESULTS.md``).  Either way the values stay settable without
recompiling (standalone ``run_args``, :mod:`hhlif.protocols.simulation.reuse`).
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
from brian2 import (
    DimensionMismatchError,
    Equations,
    NeuronGroup,
    Quantity,
    Unit,
    farad,
    get_dimensions,
    meter,
    second,
    siemens,
)

from .errors import HhlifWarning, ParameterError, ParameterUnitError, UnknownNameError
from .units import (declaration_unit, describe_dimensions, format_dimensions, format_quantity,
                    format_value, uniform_value)
from .integrators import register_integrators

# the second-order exponential integrator the HH models use by default, registered with
# Brian2 by name before any model is built (every model is built by this module's classes)
register_integrators()

__all__ = ["NeuronModel", "Population", "check_quantity", "parameter_bound", "MAX_STEP_FRACTION"]


def _expectation(reference) -> str:
    """``'a current density such as 10*uA/cm**2'``, ``'a time in ms'``: what a value like
    ``reference`` is, as a user writes it."""
    dims = get_dimensions(reference)
    if dims.is_dimensionless:
        return "a plain number"
    kind, unit = describe_dimensions(dims), format_dimensions(dims)
    example = np.asarray(reference, dtype=float)
    if isinstance(reference, Unit) or example.ndim or not np.isfinite(example) or example == 0:
        return kind if kind.startswith("a quantity in") else f"{kind} in {unit}"
    return f"{kind} such as {format_quantity(reference)}"


def _received(value, reference) -> str:
    """``'got a voltage'``; for a plain number where a unit was expected, how to write it."""
    try:
        dims = get_dimensions(value)
    except (TypeError, ValueError, AttributeError):
        return "got None" if value is None else f"got a {type(value).__name__}"
    if not dims.is_dimensionless:
        return f"got {describe_dimensions(dims)}"
    if np.ndim(value) == 0 and isinstance(value, (int, float, np.number)):
        return (f"got a plain number (with its unit: {format_value(value)}"
                f"*{format_dimensions(reference)})")
    return "got plain numbers"


def check_quantity(name: str, value: Any, reference: Quantity, *, positive: bool = False,
                   nonnegative: bool = False, context: str = "parameter") -> Quantity:
    """Return ``value`` as a Brian2 quantity with the dimensions of ``reference``.

    Parameters
    ----------
    name : str
        The parameter's name, for messages.
    value : Quantity, list of Quantity or number
        The user's value.
    reference : Quantity or Unit
        A value (the default: shown as an example) or a unit with the expected dimensions.
    positive, nonnegative : bool
        Require every value > 0 (``positive``) or >= 0 (``nonnegative``).
    context : str
        The first words of a message (``'parameter'``, ``'network parameter'``, ...).

    Returns
    -------
    Quantity

    Raises
    ------
    ParameterUnitError
        If the dimensions differ; the message names the parameter, the value and the
        expected kind of quantity in the units users write (``expected a current density
        such as 10*uA/cm**2, got a voltage``).
    ParameterError
        If the value is NaN/inf, or not > 0 (``positive``) or >= 0 (``nonnegative``).
    """
    shown = format_value(value)
    if isinstance(value, str):
        raise ParameterUnitError(
            f"{context} {name!r}={shown}: expected {_expectation(reference)}, got a string")
    try:
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], Quantity):
            value = Quantity(value)
        if get_dimensions(value) != get_dimensions(reference):
            raise DimensionMismatchError("")
        q = Quantity(value, dim=get_dimensions(reference), copy=True)
    except (DimensionMismatchError, TypeError, ValueError, AttributeError):
        raise ParameterUnitError(
            f"{context} {name!r}={shown}: expected {_expectation(reference)},"
            f" {_received(value, reference)}") from None
    arr = np.asarray(q)
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{context} {name!r}={shown}: expected a finite value, got NaN or inf")
    kind = describe_dimensions(reference)
    if positive and np.any(arr <= 0):
        raise ParameterError(f"{context} {name!r}={shown}: expected {kind} > 0")
    if nonnegative and np.any(arr < 0):
        raise ParameterError(f"{context} {name!r}={shown}: expected {kind} >= 0")
    return q


#: A LIF step above this fraction of the membrane time constant warns
#: (:meth:`NeuronModel.check_time_step`).
MAX_STEP_FRACTION = 0.1


def parameter_bound(name: str, reference) -> tuple[bool, str] | None:
    """The physical lower bound 0 of a model parameter, from its dimensions and name.

    Parameters
    ----------
    name : str
        Parameter name (``g_L``, ``t_ref``, ``tau_...`` are told apart by name).
    reference : Quantity
        A value with the parameter's dimensions.

    Returns
    -------
    (strict, what) or None
        ``strict``: the value must be > 0 (else >= 0); ``what`` names the quantity in
        messages.  None: only finiteness is required (potentials, dimensionless values).

    Notes
    -----
    Capacitances (per area or not) > 0; the leak conductance ``g_L`` > 0 (it sets the
    membrane time constant C_m/g_L); every other conductance (maximal conductances
    ``g_Na``, ``g_K``, coupling conductances) >= 0; times named ``tau*`` (time constants)
    > 0, other times (``t_ref``, delays) >= 0.
    """
    try:
        dims = get_dimensions(reference)
    except (TypeError, ValueError, AttributeError):
        return None
    if dims in (get_dimensions(farad), get_dimensions(farad / meter**2)):
        return True, "a membrane capacitance"
    if dims in (get_dimensions(siemens), get_dimensions(siemens / meter**2)):
        if name == "g_L":
            return True, "a leak conductance"
        return False, "a conductance"
    if dims == get_dimensions(second):
        if name.startswith("tau"):
            return True, "a time constant"
        if name.startswith("t_ref"):
            return False, "a refractory period"
        return False, "a duration"
    return None


def _where(index, size, entries="values") -> str:
    return f" at index {index} of {size} {entries}" if size > 1 else ""


@dataclass
class Population:
    """The Brian2 objects of ``n`` model neurons built by :meth:`NeuronModel.build`.

    Attributes
    ----------
    model : NeuronModel
    n : int
        Number of model neurons (an HH-equivalent circuit counts once here).
    group : brian2.NeuronGroup
        The group holding every Brian2 unit (``n * model.units_per_neuron``).
    output : brian2 Group
        The (sub)group whose spikes and ``model.voltage`` are the neurons' output;
        ``output[i]`` is model neuron ``i``.
    inputs : brian2 Group
        The (sub)group onto which synapses from other neurons connect.
    objects : list
        Every Brian2 object to add to a Network (``group`` included).
    """

    model: "NeuronModel"
    n: int
    group: Any
    output: Any
    inputs: Any
    objects: list = field(default_factory=list)

    @property
    def n_units(self) -> int:
        """Number of Brian2 neurons (``n * model.units_per_neuron``)."""
        return int(len(self.group))


@dataclass(frozen=True)
class NeuronModel:
    """A point-neuron model as Brian2 equations with units, per unit membrane area.

    Parameters
    ----------
    name : str
        Registry name (e.g. ``"hh"``).
    description : str
        One line for ``hhlif list``.
    equations : str
        Brian2 equations; the input current enters as ``I_input`` (amp/metre**2),
        which :meth:`build` defines from the stimulus.
    parameters : mapping of str to Quantity
        Default parameter values; each becomes a per-neuron constant variable.
    initial : mapping of str to Quantity
        Initial values of state variables (may refer to parameters by name as str).
    threshold, reset : str
        Brian2 threshold condition and reset statements.
    refractory : str or Quantity or None
        Brian2 refractoriness (a duration, or a condition such as ``'v > V_spike'``).
    method : str
        Default integration method.
    dt : Quantity
        Default integration time step.
    voltage : str
        The variable holding the membrane potential of the output.
    units_per_neuron : int
        Brian2 neurons per model neuron (4 for the LIF2HH circuits).
    references : str
        Literature the model and its parameters come from.
    orderings : tuple of (str, str, str)
        ``(lower, upper, why)``: parameter ``lower`` must lie strictly below ``upper``
        (LIF: ``('V_reset', 'V_th', ...)``).
    time_constant : (str, str) or None
        ``(capacitance, conductance)``: the membrane time constant is their ratio, and a
        step above :data:`MAX_STEP_FRACTION` of it warns (:meth:`check_time_step`); None:
        no such check (HH's step is part of its validated defaults, s-LIF2HH is a
        discrete update by design).

    Raises
    ------
    ParameterError
        If a default parameter is not finite or physically meaningless
        (:meth:`check_physical`).
    """

    name: str
    description: str
    equations: str
    parameters: Mapping[str, Quantity]
    initial: Mapping[str, Any]
    threshold: str
    reset: str | None
    refractory: Any
    method: str
    dt: Quantity
    voltage: str = "v"
    units_per_neuron: int = 1
    references: str = ""
    orderings: tuple = ()
    time_constant: tuple | None = None

    def __post_init__(self):
        self.check_physical(self.parameters)

    # ------------------------------------------------------------------ parameters
    def with_parameters(self, **overrides) -> "NeuronModel":
        """Return a copy with default parameters replaced (units checked).

        Raises
        ------
        UnknownNameError
            For a name that is not a parameter of this model.
        ParameterUnitError
            For a value with the wrong dimensions.
        """
        params = dict(self.parameters)
        for key, value in overrides.items():
            if key not in params:
                raise UnknownNameError(
                    f"parameter {key!r}: not a parameter of model {self.name!r};"
                    f" valid parameters are {', '.join(sorted(params))}")
            params[key] = check_quantity(key, value, params[key])
        self.check_physical(params, given=overrides)
        return dataclasses.replace(self, parameters=params)

    def check_physical(self, values: Mapping[str, Any], given=None,
                       entries: str = "values") -> None:
        """Refuse physically meaningless parameter values (scalars or per-neuron arrays).

        Parameters
        ----------
        values : mapping of str to Quantity
            Every parameter's value (defaults merged with the user's values).
        given : collection of str, optional
            The names the user set (default: all); an ordering such as V_reset < V_th
            names the one the user set.
        entries : str
            What the entries of an array are, for messages (``'at index 3 of 6 neurons'``).

        Raises
        ------
        ParameterError
            Naming the parameter, the value (in the units users write) and what was
            expected: NaN/inf; C_m <= 0; g_L <= 0; a negative conductance; a negative
            refractory period or duration; a time constant <= 0; a broken ordering
            (:attr:`orderings`, e.g. V_reset >= V_th).
        """
        given = set(values) if given is None else set(given)
        numbers = {}
        for key, value in values.items():
            try:
                arr = np.asarray(value, dtype=float).ravel()
            except (TypeError, ValueError):
                continue  # not a number (a model with unusual parameters): nothing to check
            numbers[key] = arr
            unit = Quantity(1.0, dim=get_dimensions(value))
            bad = np.flatnonzero(~np.isfinite(arr))
            if bad.size:
                i = int(bad[0])
                raise ParameterError(f"parameter {key!r}={format_quantity(arr[i] * unit)}"
                                     f"{_where(i, arr.size, entries)}: expected a finite value")
            bound = parameter_bound(key, value)
            if bound is None:
                continue
            strict, what = bound
            bad = np.flatnonzero(arr <= 0 if strict else arr < 0)
            if bad.size:
                i = int(bad[0])
                raise ParameterError(f"parameter {key!r}={format_quantity(arr[i] * unit)}"
                                     f"{_where(i, arr.size, entries)}:"
                                     f" expected {what} {'>' if strict else '>='} 0")
        for lower, upper, why in self.orderings:
            if lower not in numbers or upper not in numbers:
                continue
            try:
                lo, hi = np.broadcast_arrays(numbers[lower], numbers[upper])
            except ValueError:
                continue  # different lengths: refused by the shape check of the caller
            bad = np.flatnonzero(lo >= hi)
            if not bad.size:
                continue
            i = int(bad[0])
            unit = Quantity(1.0, dim=get_dimensions(values[lower]))
            lo_text, hi_text = format_quantity(lo[i] * unit), format_quantity(hi[i] * unit)
            where = _where(i, lo.size, entries)
            if lower in given or upper not in given:
                raise ParameterError(f"parameter {lower!r}={lo_text}{where}: expected a value"
                                     f" below {upper}={hi_text} ({why})")
            raise ParameterError(f"parameter {upper!r}={hi_text}{where}: expected a value"
                                 f" above {lower}={lo_text} ({why})")

    def check_time_step(self, dt=None, parameters: Mapping[str, Any] | None = None) -> None:
        """Warn when ``dt`` exceeds a tenth of the membrane time constant.

        Parameters
        ----------
        dt : Quantity, optional
            The integration step (default: the model's).
        parameters : mapping, optional
            Per-neuron parameter values (as for :meth:`build`); the shortest time
            constant counts.

        Warns
        -----
        HhlifWarning
            Naming dt, tau_m and the recommended maximum step, for models with a
            :attr:`time_constant` (LIF).  No-op for the others.
        """
        if self.time_constant is None:
            return
        dt = self.dt if dt is None else check_quantity("dt", dt, second, positive=True)
        values = dict(self.parameters)
        values.update(parameters or {})
        capacitance, conductance = self.time_constant
        tau = (np.asarray(values[capacitance], dtype=float)
               / np.asarray(values[conductance], dtype=float))
        shortest = float(np.min(tau))
        limit = MAX_STEP_FRACTION * shortest
        if float(dt) > limit * (1 + 1e-9):
            which = "the shortest" if np.size(tau) > 1 and np.ptp(tau) > 0 else "the"
            warnings.warn(
                f"model {self.name!r}: time step dt={format_quantity(dt)} is larger than a tenth"
                f" of {which} membrane time constant tau_m={capacitance}/{conductance}"
                f"={format_quantity(shortest * second)}; use dt <="
                f" {format_quantity(limit * second)} for accurate spike times",
                HhlifWarning, stacklevel=3)

    def check_parameter_values(self, values: Mapping[str, Any], n: int,
                               entries: str = "values") -> dict:
        """Validate per-neuron parameter values (scalars or arrays of length ``n``).

        Units, shapes and physical meaning (:meth:`check_physical`, with the defaults
        for the parameters not given) are checked; ``entries`` names the array entries
        in messages (:meth:`build`: ``'neurons'``; a protocol's conditions:
        ``'conditions'``).

        Returns
        -------
        dict
            ``{name: Quantity}`` for the names in ``values``.

        Raises
        ------
        UnknownNameError, ParameterUnitError, ParameterError
        """
        checked = {}
        for key, value in values.items():
            if key not in self.parameters:
                raise UnknownNameError(
                    f"parameter {key!r}: not a parameter of model {self.name!r};"
                    f" valid parameters are {', '.join(sorted(self.parameters))}")
            q = check_quantity(key, value, self.parameters[key])
            if np.ndim(q) not in (0, 1) or (np.ndim(q) == 1 and len(q) not in (1, n)):
                raise ParameterError(
                    f"parameter {key!r}: expected a scalar or {n} values, got shape {np.shape(q)}")
            checked[key] = q
        if checked:
            self.check_physical(dict(self.parameters, **checked), given=checked, entries=entries)
        return checked

    # ------------------------------------------------------------------ equations
    def parameter_declarations(self, shared=()) -> str:
        """Brian2 lines declaring each parameter as a constant: per neuron, or a single
        shared value for the names in ``shared``."""
        lines = []
        for key, value in self.parameters.items():
            unit = declaration_unit(value)
            flags = "(shared, constant)" if key in shared else "(constant)"
            lines.append(f"{key} : {unit} {flags}")
        return "\n".join(lines)

    def full_equations(self, input_expression: str = "0*amp/meter**2",
                       extra: str = "", shared=()) -> Equations:
        """The model's equations with ``I_input`` defined as ``input_expression``."""
        text = "\n".join([
            self.equations,
            f"I_input = {input_expression} : amp/meter**2",
            self.parameter_declarations(shared),
            "neuron_index : integer (constant)",
            extra,
        ])
        return Equations(text)

    def build(self, n: int, *, input_expression: str = "0*amp/meter**2",
              extra_equations: str = "", variables: Mapping[str, Any] | None = None,
              parameters: Mapping[str, Any] | None = None, namespace: Mapping | None = None,
              method: str | None = None, dt: Quantity | None = None,
              name: str | None = None, share_uniform: bool = True) -> Population:
        """Build ``n`` neurons of this model as Brian2 objects.

        Parameters
        ----------
        n : int
            Number of model neurons.
        input_expression : str
            Brian2 expression (amp/metre**2) for the input current ``I_input``.
        extra_equations : str
            Further equation lines (e.g. stimulus variables ``amp_stim : amp/meter**2``).
        variables : mapping
            Values for variables declared in ``extra_equations`` (scalar or per-neuron).
        parameters : mapping
            Per-neuron values for model parameters (scalar or length ``n``).
        namespace : mapping
            External names used by the expressions (TimedArrays, constants).
        method, dt : optional
            Override the model's integration method and time step.
        name : str, optional
            Brian2 name of the group.
        share_uniform : bool
            Declare parameters with one value for all neurons as ``(shared, constant)``
            (read once per step; default) instead of per-neuron arrays.

        Returns
        -------
        Population

        Raises
        ------
        ParameterError
            For a bad ``n`` or a physically meaningless parameter value.

        Warns
        -----
        HhlifWarning
            When the step is too large for the model (:meth:`check_time_step`).
        """
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ParameterError(f"n={n!r}: expected a positive integer number of neurons")
        params = self.check_parameter_values(parameters or {}, n, entries="neurons")
        self.check_time_step(dt, params)
        shared = self.uniform_parameters(params) if share_uniform else set()
        eqs = self.full_equations(input_expression, extra_equations, shared=shared)
        kwargs = dict(threshold=self.threshold, method=method or self.method,
                      namespace=dict(namespace or {}), dt=dt if dt is not None else self.dt)
        if self.reset:
            kwargs["reset"] = self.reset
        if self.refractory is not None:
            kwargs["refractory"] = self.refractory
        if name:
            kwargs["name"] = name
        group = NeuronGroup(int(n), eqs, **kwargs)
        self._set_values(group, params, variables or {})
        group.neuron_index = np.arange(int(n))
        return Population(model=self, n=int(n), group=group, output=group, inputs=group,
                          objects=[group])

    def uniform_parameters(self, values: Mapping) -> set:
        """Names of the parameters that have one value for every neuron."""
        return {key for key, default in self.parameters.items()
                if uniform_value(values.get(key, default)) is not None}

    def _set_values(self, group, params: Mapping, variables: Mapping) -> None:
        for key, default in self.parameters.items():
            value = params.get(key, default)
            if group.variables[key].scalar and np.ndim(value):
                value = uniform_value(value)
            setattr(group, key, value)
        for key, value in self.initial.items():
            # strings refer to parameters (e.g. 'E_L'); Brian2 evaluates them per neuron
            setattr(group, key, value)
        for key, value in variables.items():
            setattr(group, key, value)

    # ------------------------------------------------------------------ description
    def describe(self) -> dict:
        """JSON-friendly description (equations, parameters with units, rule, method)."""
        return {
            "name": self.name,
            "description": self.description,
            "equations": self.equations.strip(),
            "parameters": {k: format_quantity(v) for k, v in self.parameters.items()},
            "initial": {k: (v if isinstance(v, str) else format_quantity(v))
                        for k, v in self.initial.items()},
            "threshold": self.threshold,
            "reset": self.reset,
            "refractory": self.refractory if isinstance(self.refractory, (str, type(None)))
            else format_quantity(self.refractory),
            "method": self.method,
            "dt": format_quantity(self.dt),
            "units_per_neuron": self.units_per_neuron,
            "references": self.references,
        }

