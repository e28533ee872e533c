"""Example protocol script: the seed's sine waveform (PAPER.md) on the shifted-convention HH
model, plus Poisson synaptic background (independent per trial).

    hhlif run protocols/examples/seed_waveforms_hh.py --figures figs/
"""

from brian2 import Hz, cm, ms, uA

from hhlif.protocols import Protocol, stimuli

stimulus = stimuli.seed_waveform("sine") + stimuli.PoissonInput(
    rate=20 * Hz, weight=0.5 * uA / cm**2, n_sources=50, tau_syn=2 * ms)
protocol = Protocol(name="seed-sine", model="hh-shifted", stimulus=stimulus, trials=3,
                    duration=80 * ms, seed=2)

if __name__ == "__main__":
    from hhlif.protocols.cli import main_for_script

    raise SystemExit(main_for_script(protocol))
