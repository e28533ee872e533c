"""Stimuli: the input currents of a protocol (µA/cm², with units).

A stimulus is a frozen dataclass that validates itself on construction.  ``sample(times)``
gives its current as an array (for plots, export and tests); ``to_brian(prefix, n,
duration=...)`` gives the Brian2 expression and per-neuron variables through which it
reaches the neurons: :mod:`hhlif.protocols.simulation` adds them to a model's ``I_input``
(Poisson inputs through synapses, ``I_syn``).  Any quantity field may hold one value per
neuron, so the conditions of a sweep run as neurons of one group.  Stimuli add with ``+``.

Modules
-------
base            Stimulus, StimulusCode, SumStimulus, stimulus_code, CURRENT
deterministic   Constant, Step, PulseTrain, Ramp
periodic        Sine, Square, Sawtooth, Triangle; the seed's waveforms (seed_waveform,
                SeedWaveform, SEED_WAVEFORMS, SEED_READS, SEED_PERIOD)
sampled         OrnsteinUhlenbeck, WhiteNoise, ArrayStimulus, WaveformSet, ornstein_uhlenbeck
synaptic        PoissonInput

The helpers for writing a new stimulus (``quantity_default``, ``CURRENT_SI``, ...) are in
:mod:`hhlif.protocols.stimuli.base`.
"""

from hhlif.protocols.stimuli.base import (CURRENT, Stimulus, StimulusCode, SumStimulus,
                                          stimulus_code)
from hhlif.protocols.stimuli.deterministic import Constant, PulseTrain, Ramp, Step
from hhlif.protocols.stimuli.periodic import (SEED_PERIOD, SEED_READS, SEED_WAVEFORMS,
                                              Sawtooth, SeedWaveform, Sine, Square, Triangle,
                                              seed_waveform)
from hhlif.protocols.stimuli.sampled import (ArrayStimulus, OrnsteinUhlenbeck, WaveformSet,
                                             WhiteNoise, ornstein_uhlenbeck)
from hhlif.protocols.stimuli.synaptic import PoissonInput

__all__ = [
    # base
    "Stimulus", "StimulusCode", "SumStimulus", "stimulus_code", "CURRENT",
    # deterministic
    "Constant", "Step", "PulseTrain", "Ramp",
    # periodic
    "Sine", "Square", "Sawtooth", "Triangle", "seed_waveform", "SeedWaveform",
    "SEED_WAVEFORMS", "SEED_READS", "SEED_PERIOD",
    # sampled
    "OrnsteinUhlenbeck", "WhiteNoise", "ArrayStimulus", "WaveformSet", "ornstein_uhlenbeck",
    # synaptic
    "PoissonInput",
]
