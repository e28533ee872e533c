"""Make ``pynn_nest_if_cond_exp.nix``: a recording written by another lab's tool chain.

PyNN (0.13) on NEST (3.10): 7 ``IF_cond_exp`` neurons (population label ``exc_cells``),
each driven one-to-one by its own ``SpikeSourcePoisson`` (rates 660 .. 950 Hz, excitatory
static synapses of 4 nS), so that they fire at different rates (8.5 .. 34.5 Hz in the file).
Only spikes are recorded.  Two trials: ``sim.run(T)``, ``sim.reset()``, ``sim.run(T)``; PyNN keeps
one ``neo.Segment`` per run, and ``Population.write_data`` writes both into one NIX file
with ``neo.io.NixIO``.  Nothing of hhlif is imported or annotated: the file is what PyNN
writes.

Run once, from the repository root, with PyNN installed (it is not a dependency of hhlif)::

    .venv/bin/pip install PyNN
    .venv/bin/python data/interop/make_pynn_fixture.py

PyNN tries to compile its NEST extension module on import; with the ``nest-simulator``
wheel that fails (its ``nest-config`` is not on PATH, and names the wheel's build-time
compiler), PyNN warns and runs without it.  The extension only adds synapse models
(stochastic/STDP variants) that this script does not use.

The file is written in the HDF5 1.10 object format (``make_neo_fixtures.hdf5_v110``) to
stay under 200 kB; the NIX content is what ``write_data`` writes.
"""
import pathlib
import sys
import warnings

import neo
import numpy as np

from make_neo_fixtures import hdf5_v110     # this folder's other script (sys.path[0])

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "pynn_nest_if_cond_exp.nix"

N = 7                       # neurons (10 would make the file ~260 kB)
T = 2000.0                  # ms per trial
TRIALS = 2
SEED = 20240611             # NEST kernel RNG seed (the Poisson sources draw from it)
T_FLUSH = 500.0             # ms run by sim.reset() on NEST before the next trial (see below)
RATES_HZ = np.linspace(660.0, 950.0, N)     # one Poisson source per neuron
WEIGHT_US = 0.004           # excitatory conductance jump per input spike (uS)


def main() -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # the extension-module build warning, see above
        import pyNN
        import pyNN.nest as sim

    # NEST cannot rewind time: PyNN's reset() refuses to run without ``t_flush`` (its error
    # message says to pass one >> 100 ms); reset() then simulates t_flush ms more to flush
    # spikes in transit, restores the initial values (v, conductances) and starts the next
    # segment at t = 0 with fresh Poisson input.
    sim.setup(timestep=0.1, min_delay=0.1, rng_seed=SEED, t_flush=T_FLUSH)
    cells = sim.Population(N, sim.IF_cond_exp(), label="exc_cells")
    sources = sim.Population(N, sim.SpikeSourcePoisson(rate=RATES_HZ), label="poisson_input")
    sim.Projection(sources, cells, sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=WEIGHT_US, delay=1.0), receptor_type="excitatory")
    cells.record("spikes")
    for trial in range(TRIALS):
        if trial:
            sim.reset()
        sim.run(T)

    if OUT.exists():
        OUT.unlink()
    with hdf5_v110():           # HDF5 1.10 object format, see make_neo_fixtures.py
        io = neo.io.NixIO(str(OUT), mode="ow")
        try:
            cells.write_data(io)
        finally:
            io.close()
    sim.end()
    assert OUT.stat().st_size < 200_000, OUT.stat().st_size

    # report what PyNN wrote, read back with plain Neo
    io = neo.io.NixIO(str(OUT), mode="ro")
    try:
        block = io.read_block()
    finally:
        io.close()
    print(f"PyNN {pyNN.__version__}, neo {neo.__version__}; wrote {OUT.name} "
          f"({OUT.stat().st_size} bytes)")
    print(f"block name={block.name!r} annotations={block.annotations}")
    print(f"groups: {[(g.name, len(g.spiketrains)) for g in block.groups]}")
    for seg in block.segments:
        rates = [len(st) / float((st.t_stop - st.t_start).rescale('s')) for st in seg.spiketrains]
        print(f"segment name={seg.name!r} annotations={seg.annotations} "
              f"n_trains={len(seg.spiketrains)} rates_hz={np.round(rates, 2).tolist()}")
        for st in seg.spiketrains[:2]:
            print(f"  train name={st.name!r} t_start={st.t_start} t_stop={st.t_stop} "
                  f"annotations={st.annotations} array_annotations={st.array_annotations}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
