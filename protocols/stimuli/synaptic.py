"""Synaptic input: Poisson spikes through current synapses.

Contents
--------
PoissonInput    independent Poisson sources per neuron (homogeneous or rate-modulated),
                each spike adding to an exponentially decaying synaptic current ``I_syn``

The synapses themselves are built by :mod:`hhlif.protocols.simulation` from
:attr:`~hhlif.protocols.stimuli.base.StimulusCode.synaptic`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from brian2 import Hz, ms, second

from hhlif.models import check_quantity
from hhlif.models.errors import ParameterError
from hhlif.protocols.stimuli.base import (CURRENT, CURRENT_REFERENCE, Stimulus, check_count,
                                          check_nonnegative, quantity_default)

__all__ = ["PoissonInput"]


@dataclass(frozen=True)
class PoissonInput(Stimulus):
    """Poisson spike input through current synapses: each of ``n_sources`` independent
    sources per neuron fires at ``rate`` (optionally ``rate·(1 + modulation·sin(2π·
    modulation_frequency·t))``), and each spike adds ``weight`` to an exponentially decaying
    synaptic current ``I_syn`` (time constant ``tau_syn``).  Sources are independent across
    neurons and trials (drawn from Brian2's generator, seeded by the protocol's seed)."""

    rate: Any = quantity_default(10 * Hz)
    weight: Any = quantity_default(1 * CURRENT)
    n_sources: int = 100
    tau_syn: Any = quantity_default(2 * ms)
    modulation: float = 0.0
    modulation_frequency: Any = quantity_default(0 * Hz)
    _fields: ClassVar = {"rate": 1 * Hz, "weight": CURRENT_REFERENCE}

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "tau_syn", check_quantity("tau_syn", self.tau_syn, second,
                                                           positive=True))
        object.__setattr__(self, "modulation_frequency",
                           check_quantity("modulation_frequency", self.modulation_frequency, Hz))
        check_count("PoissonInput", "n_sources", self.n_sources, minimum=1)
        check_nonnegative("PoissonInput", "rate", self.rate)
        if not 0 <= self.modulation <= 1:
            raise ParameterError(f"PoissonInput parameter 'modulation'={self.modulation!r}:"
                                 f" expected a value in [0, 1]")

    def to_brian(self, prefix, n, *, duration=None):
        """The per-neuron ``rate`` and ``weight`` variables, a zero direct current, and this
        input listed in ``synaptic`` (``duration`` is not needed)."""
        code = super().to_brian(prefix, n)
        code.expression = self._expression()
        code.synaptic = [(prefix, self)]
        return code

    def _expression(self):
        return "0*amp/meter**2"  # the current arrives through synapses (I_syn)

    def rate_expression(self, prefix: str) -> str:
        """Brian2 code of the firing rate of one source (variable names start ``prefix``)."""
        base = f"{prefix}rate"
        if self.modulation:
            return (f"{base}*(1 + {self.modulation!r}*sin(2*pi*{float(self.modulation_frequency)!r}"
                    f"*Hz*t))")
        return base

    def _evaluate(self, t, rate, weight):
        # the expected mean current: rate · n_sources · weight · tau_syn
        r = rate * (1 + self.modulation * np.sin(2 * np.pi * float(self.modulation_frequency) * t))
        return r * self.n_sources * weight * float(self.tau_syn)
