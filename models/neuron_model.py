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
recompiling (standalone ``run_args``, :mod:`hhlif.protocols.reuse`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
from brian2 import (
    DimensionMismatchError,
    Equations,
    NeuronGroup,
    Quantity,
    get_dimensions,
    get_unit,
    ms,
)

from .units import declaration_unit, display_unit, format_quantity, uniform_value
from .errors import ParameterError, ParameterUnitError, UnknownNameError

__all__ = ["NeuronModel", "Population", "check_quantity"]


def check_quantity(name: str, value: Any, reference: Quantity, *, positive: bool = False,
                   context: str = "parameter") -> Quantity:
    """Return ``value`` as a Brian2 quantity with the dimensions of ``reference``.

    Raises
    ------
    ParameterUnitError
        If the dimensions differ; the message names the parameter, the value and
        the expected unit.
    ParameterError
        If the value is NaN/inf, or not strictly positive when ``positive``.
    """
    expected = display_unit(reference)[1]
    if isinstance(value, str):
        raise ParameterUnitError(
            f"{context} {name!r}={value!r}: expected a quantity in {expected!r}, got a string")
    try:
        if get_dimensions(value) != get_dimensions(reference):
            raise DimensionMismatchError("")
        q = Quantity(value, dim=get_dimensions(reference), copy=True)
    except (DimensionMismatchError, TypeError, ValueError):
        raise ParameterUnitError(
            f"{context} {name!r}={value!r}: expected a quantity in {expected!r}"
            f" (dimensions {get_dimensions(reference)}), got dimensions"
            f" {get_dimensions(value) if hasattr(value, 'dim') else 'dimensionless'}") from None
    arr = np.asarray(q)
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{context} {name!r}={value!r}: expected a finite value, got NaN or inf")
    if positive and np.any(arr <= 0):
        raise ParameterError(f"{context} {name!r}={value!r}: expected a value > 0")
    return q


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
        return dataclasses.replace(self, parameters=params)

    def check_parameter_values(self, values: Mapping[str, Any], n: int) -> dict:
        """Validate per-neuron parameter values (scalars or arrays of length ``n``)."""
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
        return checked

    # ------------------------------------------------------------------ equations
    def parameter_declarations(self, shared=()) -> str:
        """Brian2 lines declaring each parameter as a constant: per neuron, or a single
        shared value for the names in ``shared``."""
        lines = []
        for key, value in self.parameters.items():
            unit = _unit_string(value)
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
        """
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ParameterError(f"n={n!r}: expected a positive integer number of neurons")
        params = self.check_parameter_values(parameters or {}, n)
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
            "parameters": {k: _quantity_string(v) for k, v in self.parameters.items()},
            "initial": {k: (v if isinstance(v, str) else _quantity_string(v))
                        for k, v in self.initial.items()},
            "threshold": self.threshold,
            "reset": self.reset,
            "refractory": self.refractory if isinstance(self.refractory, (str, type(None)))
            else _quantity_string(self.refractory),
            "method": self.method,
            "dt": _quantity_string(self.dt),
            "units_per_neuron": self.units_per_neuron,
            "references": self.references,
        }


_unit_string = declaration_unit
_quantity_string = format_quantity


_ = ms  # re-exported unit used in docstrings
