"""hhlif.models — neuron models as Brian2 equation strings with units.

Contents
--------
NeuronModel, Population      the model description and what it builds (``neuron_model``)
get, available, register     the model registry (``registry``)
hodgkin_huxley               HH 1952, ``hh`` (rest ≈ −65 mV) and ``hh-shifted`` (rest ≈ 0 mV)
leaky_integrate_and_fire     ``lif``
lif2hh                       the He et al. (2024) circuits: ``tv-lif2hh`` (exact, 4 units per HH
                             neuron), ``tv-lif2hh-shifted``, ``s-lif2hh`` (simplified, seed's rule)
networks                     chain, fully connected, XOR, random E/I; ``to_lif2hh``, ``scale``
integrators                  ``rush_larsen2``: second-order exponential integrator (HH default)
errors                       the library's exception types

Every model is per unit membrane area (µF/cm², mS/cm², µA/cm²) and takes the same input
current ``I_input``, so every stimulus drives every model.
"""

from . import errors
from .integrators import METHOD_NAME as RUSH_LARSEN2, register_integrators
from .hodgkin_huxley import hh_rates, hh_resting_state, hodgkin_huxley
from .leaky_integrate_and_fire import leaky_integrate_and_fire, lif_rate
from .neuron_model import NeuronModel, Population, check_quantity
from .registry import available, describe_all, get, register

__all__ = [
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

# the second-order exponential integrator the HH models use by default, registered with
# Brian2 by name before any model is built (every process that builds imports this package)
register_integrators()

register("hh", lambda: hodgkin_huxley("modern"),
         "Hodgkin-Huxley 1952, rest ~ -65 mV (rush_larsen2, dt 0.01 ms)")
register("hh-shifted", lambda: hodgkin_huxley("shifted"),
         "Hodgkin-Huxley 1952, shifted convention, rest ~ 0 mV (rush_larsen2, dt 0.01 ms)")
register("lif", leaky_integrate_and_fire, "leaky integrate-and-fire (exponential Euler = exact for linear eqs, dt 0.01 ms)")

# the LIF2HH circuits register themselves (tv-lif2hh, tv-lif2hh-shifted, s-lif2hh)
from .lif2hh import (CircuitModel, CircuitPopulation, s_lif2hh, tv_lif2hh,  # noqa: E402
                     tv_lif2hh_seed)
from . import networks  # noqa: E402
