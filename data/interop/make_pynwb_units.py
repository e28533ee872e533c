"""Write the two pynwb fixtures of ``data/interop`` (run once; not imported by hhlif).

Usage (from the repository root, with the ``nwb`` extra installed)::

    python data/interop/make_pynwb_units.py

Writes, next to this script,

``pynwb_units_trials.nwb``
    20 units (ids 0..19, a ``unit_name``, a ``population`` column: ``exc`` for ids 0..14,
    ``inh`` for 15..19, and a ``quality`` column) on two electrode groups (``shank0`` for
    even ids, ``shank1`` for odd ids); a trials table of two trials, [0, 2) s and
    [3, 5) s, with a string column ``stimulus`` (``"grating"``, ``"dots"``) and a float
    column ``contrast``. Spikes: unit ``i`` fires at 5 + 35 * i / 19 Hz (5..40 Hz), a
    Poisson process for even ids and a gamma process of shape 3 for odd ids, from 0 to
    5.5 s (so some spikes fall between and after the trials). Observation intervals:
    unit 7 is observed during [0, 2.5) s only (trial 0, not trial 1); unit 12 has two
    observation intervals, [0, 2.2) s and [2.8, 5.5) s (both trials); every other unit
    has one interval [0, 5.5) s.
``pynwb_units_no_trials.nwb``
    3 units (ids 0..2, 10, 20, 30 Hz Poisson on [0, 4) s), no trials or epochs table and
    no observation intervals.

Every random number comes from ``numpy.random.default_rng(SEED)``; each file is checked
with :func:`pynwb.validate` after writing.
"""
from __future__ import annotations

import pathlib
import sys
from datetime import datetime, timezone

import h5py
import numpy as np
import pynwb
from pynwb import H5DataIO, NWBHDF5IO, NWBFile

SEED = 20240611
HERE = pathlib.Path(__file__).resolve().parent
START = datetime(2024, 6, 11, 12, 0, 0, tzinfo=timezone.utc)


def _times(rng, rate, t_stop, shape):
    """Spike times of a renewal process (gamma intervals of ``shape``; 1 is Poisson) on
    ``[0, t_stop)`` s, rate in Hz."""
    n = int(rate * t_stop * 2 + 20)
    isi = rng.gamma(shape, 1.0 / (shape * rate), size=n)
    t = np.cumsum(isi)
    assert t[-1] > t_stop
    return np.round(t[t < t_stop], 6)


def _write(nwbfile, path):
    # fixed-size datasets (not expandable/chunked) and the HDF5 1.8 file format keep the
    # file small; the cached specification (~137 kB of the file) is kept
    with h5py.File(path, "w", libver=("v108", "v108")) as h5, \
            NWBHDF5IO(file=h5, mode="w") as io:
        io.write(nwbfile, expandable=())
    errors = pynwb.validate(path=str(path))
    if errors:
        sys.exit(f"{path.name}: pynwb.validate reports {errors}")
    print(f"wrote {path} ({path.stat().st_size} bytes), pynwb.validate: no errors")


def make_units_trials(rng):
    nwbfile = NWBFile(session_description="hhlif fixture: 20 units, 2 trials, obs_intervals",
                      identifier="hhlif-pynwb-units-trials", session_start_time=START)
    device = nwbfile.create_device(name="probe", description="synthetic probe")
    groups = [nwbfile.create_electrode_group(name=f"shank{k}", description=f"shank {k}",
                                             location="synthetic", device=device)
              for k in range(2)]
    nwbfile.add_trial_column(name="stimulus", description="stimulus shown")
    nwbfile.add_trial_column(name="contrast", description="stimulus contrast (0..1)")
    nwbfile.add_trial(start_time=0.0, stop_time=2.0, stimulus="grating", contrast=0.5)
    nwbfile.add_trial(start_time=3.0, stop_time=5.0, stimulus="dots", contrast=1.0)
    nwbfile.add_unit_column(name="unit_name", description="name of the unit")
    nwbfile.add_unit_column(name="population", description="cell class")
    nwbfile.add_unit_column(name="quality", description="sorting quality (0..1)")
    t_end = 5.5
    for i in range(20):
        rate = 5.0 + 35.0 * i / 19
        shape = 1.0 if i % 2 == 0 else 3.0
        if i == 7:
            obs = [[0.0, 2.5]]
        elif i == 12:
            obs = [[0.0, 2.2], [2.8, t_end]]
        else:
            obs = [[0.0, t_end]]
        spikes = _times(rng, rate, t_end, shape)
        keep = np.zeros(spikes.size, bool)
        for a, b in obs:
            keep |= (spikes >= a) & (spikes < b)
        nwbfile.add_unit(id=i, spike_times=spikes[keep], obs_intervals=obs,
                         electrode_group=groups[i % 2], unit_name=f"n{i:02d}",
                         population="exc" if i < 15 else "inh",
                         quality=float(np.round(rng.uniform(0.6, 1.0), 3)))
    # the spike times, the one large dataset, are stored gzip-compressed (readers see plain
    # float64 seconds)
    nwbfile.units.spike_times.set_data_io(H5DataIO, {"compression": "gzip",
                                                     "compression_opts": 9, "shuffle": True})
    _write(nwbfile, HERE / "pynwb_units_trials.nwb")


def make_units_no_trials(rng):
    nwbfile = NWBFile(session_description="hhlif fixture: 3 units, no trials",
                      identifier="hhlif-pynwb-units-no-trials", session_start_time=START)
    for i, rate in enumerate((10.0, 20.0, 30.0)):
        nwbfile.add_unit(id=i, spike_times=_times(rng, rate, 4.0, 1.0))
    _write(nwbfile, HERE / "pynwb_units_no_trials.nwb")


def main():
    rng = np.random.default_rng(SEED)
    make_units_trials(rng)
    make_units_no_trials(rng)


if __name__ == "__main__":
    main()
