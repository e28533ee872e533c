"""hhlif.models — neuron models as Brian2 equation strings with units.

Contents
--------
NeuronModel, Population      the model description and what it builds (``neuron_model``)
get, available, register     the model registry (``registry``)
hodgkin_huxley               HH 1952, ``hh`` (rest ≈ −65 mV) and ``hh-shifted`` (rest ≈ 0 mV)
leaky_integrate_and_fire     ``lif``
adaptive_exponential         ``adex``: AdEx (Brette & Gerstner 2005) in a resonator regime, the
                             two-variable control with rebound spikes; its analytic oracles
                             ``adex_resting_state``, ``adex_impedance``,
                             ``adex_resonance_frequency``, ``adex_rheobase``
lif2hh                       the He et al. (2024) circuits: ``tv-lif2hh`` (exact, 4 units per HH
                             neuron), ``tv-lif2hh-shifted``, ``s-lif2hh`` (simplified, seed's rule)
networks                     chain, fully connected, XOR, random E/I; ``to_lif2hh``, ``scale``
integrators                  ``rush_larsen2``: second-order exponential integrator (HH default)
errors                       the library's exception types

Every model is per unit membrane area (µF/cm², mS/cm², µA/cm²) and takes the same input
current ``I_input``, so every stimulus drives every model.

The package loads its submodules (and Brian2) when a name is first used (PEP 562), so that
``import hhlif.models.errors`` and the ``hhlif`` command's start stay light.  What the
package used to do at import happens where it is needed: ``hh``, ``hh-shifted``, ``lif`` and
``adex`` are registered by :mod:`.registry` itself, the circuits by :mod:`.lif2hh` when
imported (the package's ``get``, ``available``, ``register`` and ``describe_all`` import it
first), and ``rush_larsen2`` is registered with Brian2 by :mod:`.neuron_model`, which every
model build goes through.
"""

import importlib as _importlib
import sys as _sys
import types as _types
import typing as _typing

from . import errors
from .lazy import lazy_exports

if _typing.TYPE_CHECKING:  # the names as static tools (and tests/test_layering.py) see them
    from . import networks
    from .adaptive_exponential import (AdExModel, adaptive_exponential, adex_impedance,
                                       adex_resonance_frequency, adex_resting_state,
                                       adex_rheobase)
    from .hodgkin_huxley import hh_rates, hh_resting_state, hodgkin_huxley
    from .integrators import METHOD_NAME as RUSH_LARSEN2, register_integrators
    from .leaky_integrate_and_fire import leaky_integrate_and_fire, lif_rate
    from .lif2hh import CircuitModel, CircuitPopulation, s_lif2hh, tv_lif2hh, tv_lif2hh_seed
    from .neuron_model import NeuronModel, Population, check_quantity
    from .registry import available, describe_all, get, register

__all__ = [
    "step_cost", "simulation_cost", "StepCost",
    "NeuronModel",
    "Population",
    "check_quantity",
    "get",
    "available",
    "register",
    "describe_all",
    "hodgkin_huxley",
    "hh_rates",
    "hh_resting_state",
    "leaky_integrate_and_fire",
    "lif_rate",
    "adaptive_exponential",
    "AdExModel",
    "adex_resting_state",
    "adex_impedance",
    "adex_resonance_frequency",
    "adex_rheobase",
    "errors",
    "RUSH_LARSEN2",
    "register_integrators",
    "CircuitModel",
    "CircuitPopulation",
    "s_lif2hh",
    "tv_lif2hh",
    "tv_lif2hh_seed",
    "networks",
]

#: name -> (submodule, its attribute; None: the submodule itself), loaded on first use.
_LAZY = {
    "step_cost": ("cost", "step_cost"),
    "simulation_cost": ("cost", "simulation_cost"),
    "StepCost": ("cost", "StepCost"),
    "NeuronModel": ("neuron_model", "NeuronModel"),
    "Population": ("neuron_model", "Population"),
    "check_quantity": ("neuron_model", "check_quantity"),
    "get": ("registry", "get"),
    "available": ("registry", "available"),
    "register": ("registry", "register"),
    "describe_all": ("registry", "describe_all"),
    "hodgkin_huxley": ("hodgkin_huxley", "hodgkin_huxley"),
    "hh_rates": ("hodgkin_huxley", "hh_rates"),
    "hh_resting_state": ("hodgkin_huxley", "hh_resting_state"),
    "leaky_integrate_and_fire": ("leaky_integrate_and_fire", "leaky_integrate_and_fire"),
    "lif_rate": ("leaky_integrate_and_fire", "lif_rate"),
    "adaptive_exponential": ("adaptive_exponential", "adaptive_exponential"),
    "AdExModel": ("adaptive_exponential", "AdExModel"),
    "adex_resting_state": ("adaptive_exponential", "adex_resting_state"),
    "adex_impedance": ("adaptive_exponential", "adex_impedance"),
    "adex_resonance_frequency": ("adaptive_exponential", "adex_resonance_frequency"),
    "adex_rheobase": ("adaptive_exponential", "adex_rheobase"),
    "RUSH_LARSEN2": ("integrators", "METHOD_NAME"),
    "register_integrators": ("integrators", "register_integrators"),
    "CircuitModel": ("lif2hh", "CircuitModel"),
    "CircuitPopulation": ("lif2hh", "CircuitPopulation"),
    "s_lif2hh": ("lif2hh", "s_lif2hh"),
    "tv_lif2hh": ("lif2hh", "tv_lif2hh"),
    "tv_lif2hh_seed": ("lif2hh", "tv_lif2hh_seed"),
    "networks": ("networks", None),
}

#: The submodules, attributes of the package once loaded (as when the package imported them).
_SUBMODULES = ("adaptive_exponential", "cost", "errors", "hodgkin_huxley", "integrators", "lazy",
               "leaky_integrate_and_fire", "lif2hh", "networks", "neuron_model", "parsing",
               "registry", "units")

#: Functions named as their submodule: the package's attribute is the function, as it was
#: when the package imported them eagerly (``models.hodgkin_huxley("modern")``).
_SAME_NAME = ("adaptive_exponential", "hodgkin_huxley", "leaky_integrate_and_fire")


class _Package(_types.ModuleType):
    def __setattr__(self, name, value):
        # the import system binds a loaded submodule to the package: keep the function
        if (name in _SAME_NAME and isinstance(value, _types.ModuleType)
                and value.__name__ == f"{__name__}.{name}"):
            value = getattr(value, name)
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package


def _import_circuits(module):
    if module == "registry":  # the LIF2HH circuits register themselves at import
        _importlib.import_module(f"{__name__}.lif2hh")


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, _SUBMODULES, loaded=_import_circuits)
