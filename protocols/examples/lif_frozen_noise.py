"""Example protocol script: a LIF neuron with a shorter membrane time constant driven by 30
repeats of frozen Ornstein–Uhlenbeck noise (a function that returns the protocol).

    hhlif run protocols/examples/lif_frozen_noise.py --out lif_noise.nix
    hhlif mi lif_noise.nix
"""

from brian2 import cm, mS, ms, uA

from hhlif.protocols import Protocol, stimuli


def make_protocol():
    noise = stimuli.OrnsteinUhlenbeck(mean=3 * uA / cm**2, std=1.5 * uA / cm**2, tau=5 * ms, seed=42)
    return Protocol(name="frozen-noise", model="lif", parameters={"g_L": 0.2 * mS / cm**2},
                    stimulus=noise, trials=30, duration=500 * ms,
                    intrinsic_noise=0.3 * uA / cm**2, record_neurons=[0], seed=3)


if __name__ == "__main__":
    from hhlif.protocols.cli import main_for_script

    raise SystemExit(main_for_script(make_protocol()))
