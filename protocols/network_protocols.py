"""The ``network`` built-in protocol: a sparse random E/I network with Poisson drive.

Contents
--------
network     factory registered as ``network`` (``hhlif run network --set n=200``)

Any registry model builds the network (``--model lif``, ``--model tv-lif2hh``, ...), with the
connectivity of :class:`hhlif.models.networks.RandomEI` frozen by ``network_seed`` and the
Poisson drive drawn from the protocol's ``seed``.  The recording holds the spikes of every
neuron and the membrane potential of the first ``record`` neurons.
"""

from __future__ import annotations

from brian2 import Hz, ms

from hhlif.models.networks import RandomEI

from . import stimuli as S
from .builtin import register_protocol
from .protocol import Protocol

__all__ = ["network"]


def network(model="hh", seed=0, n=100, connection_probability=0.1, drive_rate=20 * Hz,
            duration=500 * ms, fraction_excitatory=0.8, weight_e=0.5 * S.CURRENT, g=4.0,
            drive_sources=100, drive_weight=1 * S.CURRENT, tau_syn=5 * ms, network_seed=1,
            trials=1, record=10):
    """Random E/I network of ``n`` neurons (connection probability, ``drive_rate`` of each of
    ``drive_sources`` Poisson sources per neuron), ``trials`` copies with independent drive."""
    net = RandomEI(n=n, connection_probability=connection_probability,
                   fraction_excitatory=fraction_excitatory, weight_e=weight_e, g=g,
                   drive_rate=drive_rate, drive_sources=drive_sources,
                   drive_weight=drive_weight, tau_syn=tau_syn, seed=network_seed)
    return Protocol(model=model, stimulus=S.Constant(0 * S.CURRENT), network=net,
                    duration=duration, trials=trials, seed=seed, name="network",
                    record=("v",), record_neurons=min(int(record), int(n) * int(trials)),
                    settings=dict(n=n, connection_probability=connection_probability,
                                  drive_rate=drive_rate, duration=duration,
                                  fraction_excitatory=fraction_excitatory, weight_e=weight_e,
                                  g=g, drive_sources=drive_sources, drive_weight=drive_weight,
                                  tau_syn=tau_syn, network_seed=network_seed, trials=trials,
                                  record=record))


register_protocol("network", network,
                  "random E/I network with Poisson drive (n, connection_probability,"
                  " drive_rate, duration)")
