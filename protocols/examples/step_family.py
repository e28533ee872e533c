"""Example protocol script: a family of current steps on the HH model, 5 trials each with
intrinsic noise — all 25 neurons in one simulation.

Run it with either::

    hhlif run protocols/examples/step_family.py --out steps.nix --figures figs/
    python protocols/examples/step_family.py --backend runtime
"""

from brian2 import cm, ms, uA

from hhlif.protocols import Protocol, stimuli

protocol = Protocol(
    name="step-family",
    model="hh",
    stimulus=stimuli.Step(amplitude=5 * uA / cm**2, start=10 * ms, duration=80 * ms),
    conditions={"amplitude": [2, 5, 8, 12, 20] * uA / cm**2},
    trials=5,
    intrinsic_noise=0.5 * uA / cm**2,
    duration=100 * ms,
    seed=1,
)

if __name__ == "__main__":
    from hhlif.protocols.cli import main_for_script

    raise SystemExit(main_for_script(protocol))
