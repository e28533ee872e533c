"""The package's own default equivalence task never dies on one neuron in a thousand.

``hhlif equivalence --reference hh --candidate lif --size 10 --metric stats`` used to fail
with DivergenceError: in the reference network of seed 1002 (10 neurons x 4 classes x 30
repeats = 1,200 HH neurons) one neuron's private noise drives v below -140 mV, where RK4's
stability region ends.  The default integrator (rush_larsen2) completes it.
"""

import numpy as np
import pytest

from hhlif.protocols.errors import DivergenceError
from hhlif.protocols import run
from hhlif.protocols.experiments.equivalence import DEFAULT, class_protocol


@pytest.mark.slow
def test_seed_1002_of_the_default_task_completes_with_the_default_and_diverges_with_rk4():
    protocol = class_protocol("hh", 10, 1002, DEFAULT)
    assert protocol.n_neurons == 1200 and protocol.integration_method == "rush_larsen2"
    rec = run(protocol, backend="runtime", progress=False)
    counts = rec.main.spike_counts()
    assert counts.size == 1200 and np.all(counts >= 0) and counts.sum() > 1000
    with pytest.raises(DivergenceError, match="rush_larsen2"):
        run(protocol.replace(method="rk4"), backend="runtime", progress=False)
