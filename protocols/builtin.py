"""Built-in protocols, by name: ``hhlif list`` shows them, ``hhlif run NAME`` runs them.

Each built-in is a factory with documented parameters and defaults (with units); user
values replace defaults after a unit check.  A factory returns a :class:`Protocol` — or,
for protocols that compare several models (``waveforms``), an object with a ``run``
method returning a Recording.

=============  ===========================================================================
step           a current step: ``amplitude``, ``start``, ``duration`` (+ ``trials``)
fi-curve       f–I curve: ``n`` amplitudes from ``i_min`` to ``i_max``, one neuron each, one group
frozen-noise   repeated trials of one frozen OU current (information analysis)
sweep          one stimulus or model parameter over ``values``, each a condition in one run
=============  ===========================================================================
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from brian2 import Quantity, get_dimensions, ms, second

from hhlif.models import check_quantity
from hhlif.models.errors import ParameterError, UnknownNameError
from hhlif.models.units import display_unit, format_quantity

from . import stimuli as S
from .protocol import Protocol

__all__ = ["BuiltinProtocol", "register_protocol", "get_protocol", "available_protocols",
           "make_protocol"]

CURRENT = S.CURRENT


@dataclass(frozen=True)
class BuiltinProtocol:
    """A named protocol factory with its parameters and their defaults."""

    name: str
    factory: Callable[..., Any]
    description: str
    defaults: dict

    def make(self, model: str | None = None, seed: int = 0, **values):
        """Build the protocol with ``values`` replacing defaults (units checked)."""
        unknown = sorted(set(values) - set(self.defaults))
        model_values = {}
        if unknown:
            model_parameters = self._model_parameters(model)
            model_values = {k: values[k] for k in unknown if k in model_parameters}
            unknown = [k for k in unknown if k not in model_values]
            if unknown:
                raise UnknownNameError(
                    f"parameter {unknown[0]!r}: not a parameter of protocol {self.name!r}"
                    f" ({', '.join(sorted(self.defaults))}) or of its model"
                    f" ({', '.join(sorted(model_parameters)) or 'none'})")
        params = {}
        for key, default in self.defaults.items():
            value = values.get(key, default)
            params[key] = _check(self.name, key, value, default)
        kwargs = dict(params, seed=seed)
        if model is not None:
            kwargs["model"] = model
        made = self.factory(**kwargs)
        if model_values:
            if not isinstance(made, Protocol):
                raise UnknownNameError(
                    f"parameter {sorted(model_values)[0]!r}: protocol {self.name!r} compares"
                    f" models with their own parameters; it accepts only"
                    f" {', '.join(sorted(self.defaults))}")
            made = made.replace(parameters=dict(made.parameters, **model_values))
        return made

    def _model_parameters(self, model) -> dict:
        """Parameters of the model this protocol would run (``--set`` accepts them too)."""
        from hhlif import models

        if model is None:
            default = inspect.signature(self.factory).parameters.get("model")
            model = None if default is None else default.default
        if model is None or model is inspect.Parameter.empty:
            return {}
        return dict((models.get(model) if isinstance(model, str) else model).parameters)


def _check(protocol, key, value, default):
    from hhlif.models.units import format_value

    context = f"protocol {protocol!r} parameter"
    if isinstance(default, Quantity):
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], Quantity):
            value = Quantity(value)
        return check_quantity(key, value, default, context=context)
    if isinstance(default, bool):
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        if not isinstance(value, (bool, int, np.integer)):
            raise ParameterError(f"{context} {key!r}={format_value(value)}: expected true or false")
        return bool(value)
    if isinstance(default, int):
        if isinstance(value, Quantity) and get_dimensions(value).is_dimensionless:
            value = float(value)
        if isinstance(value, float) and value == int(value):
            value = int(value)
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise ParameterError(f"{context} {key!r}={format_value(value)}: expected an integer")
        if value < 1 and key not in ("seed",):
            raise ParameterError(f"{context} {key!r}={format_value(value)}: expected an integer >= 1")
        return int(value)
    if isinstance(default, float):
        if isinstance(value, Quantity):
            if not get_dimensions(value).is_dimensionless:
                raise ParameterError(f"{context} {key!r}={format_value(value)}: expected a plain number")
            value = float(value)
        if not isinstance(value, (int, float, np.floating)) or not np.isfinite(value):
            raise ParameterError(f"{context} {key!r}={format_value(value)}: expected a finite number")
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ParameterError(f"{context} {key!r}={format_value(value)}: expected a word")
        return value
    return value


_REGISTRY: dict[str, BuiltinProtocol] = {}


def register_protocol(name: str, factory: Callable, description: str) -> None:
    """Register ``factory`` (keyword parameters with defaults, plus ``model`` and ``seed``)."""
    sig = inspect.signature(factory)
    defaults = {k: p.default for k, p in sig.parameters.items()
                if k not in ("model", "seed") and p.default is not inspect.Parameter.empty}
    _REGISTRY[name] = BuiltinProtocol(name, factory, description, defaults)


def available_protocols() -> dict[str, str]:
    """``{name: description}``."""
    _load_plugins()
    return {k: v.description for k, v in sorted(_REGISTRY.items())}


def get_protocol(name: str) -> BuiltinProtocol:
    """The built-in protocol ``name``; unknown names list the valid ones."""
    _load_plugins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownNameError(f"protocol {name!r}: unknown protocol; valid protocols are"
                               f" {', '.join(sorted(_REGISTRY))} (or the path of a protocol"
                               f" script ending in .py)") from None


def make_protocol(name: str, model: str | None = None, seed: int = 0, **values):
    """``get_protocol(name).make(model, seed, **values)``."""
    return get_protocol(name).make(model=model, seed=seed, **values)


_PLUGINS = ("hhlif.protocols.waveforms", "hhlif.protocols.network_protocols")


def _load_plugins():
    """Import protocol modules that register themselves (those that exist)."""
    import importlib
    import importlib.util

    for mod in _PLUGINS:
        if importlib.util.find_spec(mod) is not None:
            importlib.import_module(mod)


# ----------------------------------------------------------------------- built-ins
def step(model="hh", seed=0, amplitude=10 * CURRENT, start=20 * ms, duration=100 * ms,
         after=30 * ms, trials=1, intrinsic_noise=0 * CURRENT):
    """A current step of ``amplitude`` from ``start`` for ``duration``; the simulation runs
    ``after`` beyond the step's end."""
    stim = S.Step(amplitude=amplitude, start=start, duration=duration)
    return Protocol(model=model, stimulus=stim, duration=start + duration + after,
                    trials=trials, seed=seed, name="step", intrinsic_noise=intrinsic_noise,
                    settings=dict(amplitude=amplitude, start=start, duration=duration,
                                  after=after, trials=trials))


def fi_curve(model="hh", seed=0, i_min=0 * CURRENT, i_max=50 * CURRENT, n=21,
             duration=500 * ms, trials=1):
    """Constant currents from ``i_min`` to ``i_max`` (``n`` values), one neuron each, all in
    one group; the f–I curve is the spike count divided by the duration."""
    if n < 2:
        raise ParameterError(f"protocol 'fi-curve' parameter 'n'={n!r}: expected at least 2")
    if float(i_max) <= float(i_min):
        raise ParameterError(f"protocol 'fi-curve' parameter 'i_max'={format_quantity(i_max)}:"
                             f" expected a value above i_min={format_quantity(i_min)}")
    amps = np.linspace(float(i_min), float(i_max), int(n)) * (1 * CURRENT) / float(1 * CURRENT)
    return Protocol(model=model, stimulus=S.Constant(0 * CURRENT), duration=duration,
                    conditions={"amplitude": amps}, trials=trials, seed=seed, name="fi-curve",
                    record_neurons=[], settings=dict(i_min=i_min, i_max=i_max, n=n,
                                                     duration=duration, trials=trials))


def frozen_noise(model="hh", seed=0, mean=5 * CURRENT, std=3 * CURRENT, tau=5 * ms,
                 trials=50, duration=1000 * ms, intrinsic=1 * CURRENT, noise_seed=1):
    """``trials`` repeats of one frozen Ornstein–Uhlenbeck current (mean, std, tau; frozen by
    ``noise_seed``) plus independent intrinsic noise of standard deviation ``intrinsic`` per
    trial: the input of the direct-method information estimate."""
    stim = S.OrnsteinUhlenbeck(mean=mean, std=std, tau=tau, seed=noise_seed)
    return Protocol(model=model, stimulus=stim, duration=duration, trials=trials, seed=seed,
                    name="frozen-noise", intrinsic_noise=intrinsic, record_neurons=[0],
                    settings=dict(mean=mean, std=std, tau=tau, trials=trials,
                                  duration=duration, intrinsic=intrinsic, noise_seed=noise_seed))


def sweep(model="hh", seed=0, parameter="amplitude", values=None,
          stimulus="step", duration=200 * ms, trials=1, amplitude=10 * CURRENT):
    """One parameter over a list of ``values`` (e.g. ``--set parameter=amplitude
    --set values=2*uA/cm**2,4*uA/cm**2``; plain numbers take the parameter's default unit),
    each value a condition, all in one run; ``stimulus`` is ``step`` or ``constant``."""
    from .units import parse_value

    if stimulus == "step":
        stim = S.Step(amplitude=amplitude, start=min(20 * ms, duration / 4),
                      duration=duration)
    elif stimulus == "constant":
        stim = S.Constant(amplitude=amplitude)
    else:
        raise ParameterError(f"protocol 'sweep' parameter 'stimulus'={stimulus!r}: expected"
                             f" 'step' or 'constant'")
    if values is None:
        values = [2, 4, 6, 8, 10, 15, 20]
    vals = parse_value(values, "values") if isinstance(values, str) else values
    if not isinstance(vals, (list, tuple, np.ndarray)) or np.ndim(vals) == 0 or len(vals) == 0:
        vals = [vals]
    from hhlif import models as _models

    base = _models.get(model) if isinstance(model, str) else model
    if parameter in stim.parameters:
        reference = stim.parameter_value(parameter)
    elif parameter in base.parameters:
        reference = base.parameters[parameter]
    else:
        raise UnknownNameError(
            f"protocol 'sweep' parameter 'parameter'={parameter!r}: not a parameter of the"
            f" {stimulus} stimulus ({', '.join(stim.parameters)}) or of model {base.name!r}"
            f" ({', '.join(sorted(base.parameters))})")
    unit = display_unit(reference)[0]  # plain numbers are read in the display unit (µA/cm², ms, ...)
    unit = Quantity(1.0) if unit is None else unit
    quantities = [v if isinstance(v, Quantity) else v * unit for v in vals]
    return Protocol(model=model, stimulus=stim, duration=duration,
                    conditions={parameter: Quantity(quantities)}, trials=trials, seed=seed,
                    name="sweep", settings=dict(parameter=parameter,
                                                values=[format_quantity(q) for q in quantities],
                                                stimulus=stimulus, duration=duration,
                                                trials=trials))


register_protocol("step", step, "current step (amplitude, start, duration, trials)")
register_protocol("fi-curve", fi_curve, "f-I curve: n constant currents i_min..i_max, one group")
register_protocol("frozen-noise", frozen_noise,
                  "repeated trials of frozen OU noise + intrinsic noise (mean, std, tau, trials)")
register_protocol("sweep", sweep, "one parameter over a list of values, each a condition")

_ = second
