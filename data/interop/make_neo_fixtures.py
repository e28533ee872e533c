"""Write the plain-Neo NIX fixtures of ``data/interop`` (run once; not imported by hhlif).

Usage (from the repository root)::

    python data/interop/make_neo_fixtures.py

Every file holds two trials (two ``neo.Segment`` of [0, 2) s) of the same ``N_UNITS``
units, written with ``neo.io.NixIO`` only: nothing of hhlif is imported or annotated.
Unit ``i`` is a renewal process at ``RATES_HZ[i]`` (5 .. 40 Hz, a different rate per unit,
listed in a shuffled order so that neighbours differ), Poisson for even ``i`` and gamma of
shape 3 for odd ``i``; trial 2 is a fresh draw of the same process.  Because the rates
differ, a train paired with another unit's train across trials gives a very different
Fano factor: a reader that pairs trains by position in a reordered file is caught.

``neo_ordered.nix``
    Both segments hold the trains in unit order.  Trains are named ``unit00`` ..
    and annotated ``unit_id`` (int); ``block.groups`` has one ``neo.Group`` per unit,
    named like the unit, holding its train of each segment.
``neo_reordered.nix``
    The same trains, names, ``unit_id`` and groups; segment 2 lists them in a seeded
    permutation with no unit at its own position.
``neo_missing_unit.nix``
    As ``neo_reordered.nix`` without unit ``MISSING`` in segment 2; its group holds only
    its trial-1 train.
``neo_positional.nix``
    The trains of ``neo_ordered.nix`` in unit order in both segments, with no names, no
    annotations and no groups: only the position says which unit a train is.  Its Block
    is named ``BLOCK_NAME_POSITIONAL`` (the other files' Blocks have no name).

Size: NIX stores each SpikeTrain as several HDF5 groups and small chunked datasets (Neo's
MultiTag, DataArray and metadata section).  In HDF5's default (1.8-compatible) object
format every chunked dataset gets a B-tree of ~2 kB, ~20 kB per train; with the
HDF5 1.10 object format (libver bounds ``v110``/``latest``: single-chunk datasets without a
B-tree) it is ~10 kB.  :func:`hdf5_v110` makes nixio create files in that format; the NIX
content (Blocks, Segments, trains, annotations, groups) is exactly what NixIO writes, and
any HDF5 >= 1.10 (h5py >= 2.7) reads it.  Even so 20 units x 2 trials with groups would
be ~460 kB (~900 kB in the default format) and 8 units ~201 kB, so the files hold
``N_UNITS`` = 7 units to stay under 200 kB.

Every random number comes from ``numpy.random.default_rng(SEED)``.  After writing, each
file is read back with plain ``neo.io.NixIO(mode='ro')`` and checked (names, annotations,
group membership, spike times).
"""
from __future__ import annotations

import contextlib
import pathlib
import sys

import h5py
import neo
import nixio.file
import numpy as np
import quantities as pq

SEED = 20240612
HERE = pathlib.Path(__file__).resolve().parent
N_UNITS = 7
T_STOP = 2.0                                   # s, each trial
RATES_HZ = np.array([5.0, 40.0, 12.5, 30.0, 7.5, 35.0, 20.0])   # one per unit
MISSING = "unit05"                             # absent from trial 2 of neo_missing_unit.nix
BLOCK_NAME_POSITIONAL = "positional_session"
assert RATES_HZ.size == N_UNITS


@contextlib.contextmanager
def hdf5_v110():
    """Make nixio create HDF5 files in the 1.10 object format while the block runs.

    nixio builds its file-access property list with ``nixio.file.make_fapl`` on every
    create/open; this swaps in one with libver bounds (v110, latest) and restores it.
    """
    original = nixio.file.make_fapl

    def make_fapl():
        fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
        fapl.set_libver_bounds(h5py.h5f.LIBVER_V110, h5py.h5f.LIBVER_LATEST)
        return fapl

    nixio.file.make_fapl = make_fapl
    try:
        yield
    finally:
        nixio.file.make_fapl = original


def _times(rng, rate, shape):
    """Spike times (s) on [0, T_STOP) of a renewal process: gamma intervals of ``shape``
    (1 is Poisson) and mean ``1 / rate``."""
    n = int(rate * T_STOP * 3 + 30)
    t = np.cumsum(rng.gamma(shape, 1.0 / (shape * rate), size=n))
    assert t[-1] > T_STOP
    return np.round(t[t < T_STOP], 6)


def draw_units(rng):
    """``times[trial][unit]``: spike times (s) of every unit in each of the 2 trials."""
    shapes = [1.0 if i % 2 == 0 else 3.0 for i in range(N_UNITS)]
    return [[_times(rng, RATES_HZ[i], shapes[i]) for i in range(N_UNITS)] for _ in range(2)]


def derangement(rng, n):
    """A seeded permutation of ``range(n)`` with no fixed point."""
    while True:
        perm = rng.permutation(n)
        if np.all(perm != np.arange(n)):
            return perm


def _label(i):
    return f"unit{i:02d}"


def _train(times, labelled):
    kw = {"name": None}
    if labelled is not None:
        kw = {"name": _label(labelled), "unit_id": int(labelled)}
    return neo.SpikeTrain(times, units=pq.s, t_start=0.0 * pq.s, t_stop=T_STOP * pq.s, **kw)


def labelled_block(times, order2, missing=None):
    """Two segments; segment 2 lists the units in ``order2``; ``missing`` left out of it."""
    block = neo.Block()
    members = {i: [] for i in range(N_UNITS)}
    for trial, order in enumerate((range(N_UNITS), order2)):
        seg = neo.Segment(name=f"trial{trial + 1}")
        block.segments.append(seg)
        for i in order:
            if trial == 1 and missing is not None and _label(i) == missing:
                continue
            train = _train(times[trial][i], labelled=i)
            seg.spiketrains.append(train)
            members[i].append(train)
    for i in range(N_UNITS):
        group = neo.Group(name=_label(i), allowed_types=[neo.SpikeTrain])
        group.add(*members[i])
        block.groups.append(group)
    return block


def positional_block(times):
    block = neo.Block(name=BLOCK_NAME_POSITIONAL)
    for trial in range(2):
        seg = neo.Segment()
        block.segments.append(seg)
        seg.spiketrains.extend([_train(times[trial][i], labelled=None) for i in range(N_UNITS)])
    return block


def write(block, path):
    if path.exists():
        path.unlink()
    with hdf5_v110():
        io = neo.io.NixIO(str(path), mode="ow")
        try:
            io.write_block(block)
        finally:
            io.close()


def read(path):
    io = neo.io.NixIO(str(path), mode="ro")
    try:
        return io.read_block()
    finally:
        io.close()


def check(path, times, order2, missing=None, labelled=True):
    """Read ``path`` back with plain Neo and compare with what was meant to be written."""
    block = read(path)
    assert len(block.segments) == 2
    for trial, order in enumerate((list(range(N_UNITS)), list(order2))):
        trains = block.segments[trial].spiketrains
        expect = [i for i in order if not (trial == 1 and missing == _label(i))]
        assert len(trains) == len(expect), (path, trial, len(trains))
        for train, i in zip(trains, expect):
            np.testing.assert_array_equal(train.rescale(pq.s).magnitude, times[trial][i])
            assert float(train.t_stop.rescale(pq.s)) == T_STOP
            if labelled:
                assert train.name == _label(i) and train.annotations["unit_id"] == i
            else:
                assert not train.name        # NixIO reads a name of None back as ''
                assert set(train.annotations) <= {"nix_name"}, train.annotations
    if labelled:
        assert [g.name for g in block.groups] == [_label(i) for i in range(N_UNITS)]
        for i, group in enumerate(block.groups):
            names = {st.name for st in group.spiketrains}
            assert names == {_label(i)}, (group.name, names)
            n_expect = 1 if missing == _label(i) else 2
            assert len(group.spiketrains) == n_expect, (group.name, len(group.spiketrains))
            in_segments = [st for seg in block.segments for st in seg.spiketrains
                           if st.annotations.get("unit_id") == i]
            assert sorted(st.annotations["nix_name"] for st in group.spiketrains) == \
                sorted(st.annotations["nix_name"] for st in in_segments)
    else:
        assert len(block.groups) == 0 and block.name == BLOCK_NAME_POSITIONAL
    return block


def main() -> int:
    rng = np.random.default_rng(SEED)
    times = draw_units(rng)
    perm = derangement(rng, N_UNITS)
    identity = np.arange(N_UNITS)
    files = {
        "neo_ordered.nix": (labelled_block(times, identity), identity, None, True),
        "neo_reordered.nix": (labelled_block(times, perm), perm, None, True),
        "neo_missing_unit.nix": (labelled_block(times, perm, MISSING), perm, MISSING, True),
        "neo_positional.nix": (positional_block(times), identity, None, False),
    }
    for name, (block, order2, missing, labelled) in files.items():
        path = HERE / name
        write(block, path)
        check(path, times, order2, missing, labelled)
        size = path.stat().st_size
        assert size < 200_000, (name, size)
        print(f"{name}: {size} bytes, segment 2 order {[int(i) for i in order2]}, "
              f"missing {missing}")
    counts = np.array([[t.size for t in trial] for trial in times])
    print(f"spike counts per unit, trial 1: {counts[0].tolist()}; trial 2: {counts[1].tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
