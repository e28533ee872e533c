"""The model registry: every neuron model by name.

``hhlif.models.get(name, **parameters)`` returns a :class:`NeuronModel` with the
given parameters overridden (units checked); ``available()`` lists the names.
Models are registered as factories so each call returns a fresh description.
"""

from __future__ import annotations

from typing import Callable

from .errors import UnknownNameError
from .neuron_model import NeuronModel

__all__ = ["register", "get", "available", "describe_all"]

_REGISTRY: dict[str, tuple[Callable[[], NeuronModel], str]] = {}


def register(name: str, factory: Callable[[], NeuronModel], description: str = "") -> None:
    """Register a model factory under ``name`` (replacing nothing: names are unique)."""
    if name in _REGISTRY:
        raise ValueError(f"model {name!r} is already registered")
    _REGISTRY[name] = (factory, description)


def available() -> list[str]:
    """Names of the registered models."""
    return sorted(_REGISTRY)


def get(name: str, **parameters) -> NeuronModel:
    """Return the model ``name`` with ``parameters`` overriding its defaults.

    Raises
    ------
    UnknownNameError
        If ``name`` is not registered; the message lists the valid names.
    """
    if isinstance(name, NeuronModel):
        model = name
    else:
        try:
            factory, _ = _REGISTRY[name]
        except (KeyError, TypeError):
            raise UnknownNameError(
                f"model {name!r}: unknown model; valid models are {', '.join(available())}") from None
        model = factory()
    return model.with_parameters(**parameters) if parameters else model


def describe_all() -> dict[str, str]:
    """``{name: one-line description}`` for ``hhlif list``."""
    return {name: desc for name, (_, desc) in sorted(_REGISTRY.items())}


# the built-in models, registered here on first import of the registry, so that every way
# of reaching it (``hhlif.models.get``, ``from hhlif.models.registry import get``) sees them;
# the LIF2HH circuits register themselves when :mod:`.lif2hh` is imported (the package's
# registry names import it first)
from .adaptive_exponential import adaptive_exponential  # noqa: E402
from .hodgkin_huxley import hodgkin_huxley  # noqa: E402
from .leaky_integrate_and_fire import leaky_integrate_and_fire  # noqa: E402

register("hh", lambda: hodgkin_huxley("modern"),
         "Hodgkin-Huxley 1952, rest ~ -65 mV (rush_larsen2, dt 0.01 ms)")
register("hh-shifted", lambda: hodgkin_huxley("shifted"),
         "Hodgkin-Huxley 1952, shifted convention, rest ~ 0 mV (rush_larsen2, dt 0.01 ms)")
register("lif", leaky_integrate_and_fire, "leaky integrate-and-fire (exponential Euler = exact for linear eqs, dt 0.01 ms)")
register("adex", adaptive_exponential,
         "adaptive exponential IF, resonator: rebound, 33 Hz resonance (euler, dt 0.01 ms)")
