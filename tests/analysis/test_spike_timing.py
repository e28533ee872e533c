"""Tests of hhlif.analysis.spike_timing: coincidence factor and the He et al. timing errors."""
import json
import math

import neo
import numpy as np
import pytest
import quantities as pq

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.spike_timing import (
    coincidence_factor, compare, isi_difference, match_spikes, spike_time_error)


def test_identical_trains_give_gamma_one(build):
    st = build.poisson_trains(1, 20 * pq.Hz, 20 * pq.s, seed=1)[0]
    assert coincidence_factor(st, st.copy()) == pytest.approx(1.0, abs=1e-12)


def test_independent_poisson_trains_give_gamma_near_zero(build):
    # N_coinc of independent trains is ~Poisson(2 nu Delta N_ref) (= 160 here): Gamma has
    # sd ~ sqrt(160) / 2000 / 0.92 ~ 0.007; we allow 5 sd plus 0.005 for the small
    # O((nu Delta)^2) deficit of one-to-one matching.
    a, b = build.poisson_trains(2, 20 * pq.Hz, 100 * pq.s, seed=2)
    n = len(a)
    nu_delta2 = 2 * (len(b) / 100.0) * 0.002
    sd = math.sqrt(nu_delta2 * n) / n / (1 - nu_delta2)
    assert abs(coincidence_factor(a, b)) < 5 * sd + 0.005


@pytest.mark.parametrize("both_jittered", [False, True])
def test_gaussian_jitter_gives_the_analytic_gamma(build, both_jittered):
    """Derivation: candidate spike k is reference spike k shifted by e_k ~ N(0, s) with
    s = 1 ms (or both trains are a common train jittered by 1 ms each, s = sqrt(2) ms).
    A reference spike keeps its partner with p = P(|e| <= Delta) = erf(Delta / (s sqrt 2));
    otherwise it matches some other candidate spike by chance with probability 2 nu Delta.
    So <N_coinc> = N [p + (1 - p) 2 nu Delta] and
    Gamma = (N_coinc - 2 nu Delta N) / N / (1 - 2 nu Delta) = p.
    With Delta = 2 ms: p = erf(sqrt 2) = 0.9545 (one jittered) or erf(1) = 0.8427 (both).
    Tolerance 0.015: Monte-Carlo sd sqrt(p(1-p)/N) <= 0.005 for N ~ 6000 spikes (3 sd), and
    the neglected second-order terms (a partner taken by a neighbour, ~2 nu x few ms x (1-p))
    are below 0.002 at nu = 2 Hz."""
    base = build.poisson_trains(1, 2 * pq.Hz, 3000 * pq.s, seed=3)[0].rescale(pq.ms).magnitude
    rng = np.random.default_rng(4)
    if both_jittered:
        ref = np.sort(base + rng.normal(0, 1.0, base.size))
        s = math.sqrt(2.0)
    else:
        ref = base
        s = 1.0
    cand = np.sort(base + rng.normal(0, 1.0, base.size))
    p = math.erf(2.0 / (s * math.sqrt(2.0)))
    gamma = coincidence_factor(ref, cand, delta=2 * pq.ms, t_start=-10 * pq.ms,
                               t_stop=3000.01 * pq.s)
    assert gamma == pytest.approx(p, abs=0.015)
    assert (p > 0.95) != both_jittered  # the two cases really differ (0.954 vs 0.843)


def test_each_spike_matches_at_most_once():
    # two reference spikes within Delta of one candidate spike: one coincidence only
    pairs = match_spikes(np.array([10.0, 11.0]), np.array([10.5]), 2.0)
    assert pairs.tolist() == [[0, 0]]
    # greedy must not steal: ref 10 could take 11.9, but then ref 13 would lose it
    pairs = match_spikes(np.array([10.0, 13.0]), np.array([8.5, 11.9]), 2.0)
    assert len(pairs) == 2


def test_gamma_hand_example_and_units():
    # N_coinc = 2, nu_cand = 3 / 100 ms, <N> = 2 * 0.03 * 2 * 3 = 0.36, norm = 0.88
    expected = (2 - 0.36) / 3 / 0.88
    ref, cand = [10, 50, 90], [11, 70, 90]
    assert coincidence_factor(ref, cand, t_stop=100 * pq.ms) == pytest.approx(expected)
    assert coincidence_factor(np.array(ref) / 1e3, np.array(cand) / 1e3, t_stop=0.1 * pq.s,
                              units=pq.s) == pytest.approx(expected)
    st = [neo.SpikeTrain(x * pq.ms, t_stop=100 * pq.ms) for x in (ref, cand)]
    assert coincidence_factor(*st) == pytest.approx(expected)


def test_gamma_undefined_cases_raise_with_reason():
    with pytest.raises(AnalysisInputError, match="no spikes in either train"):
        coincidence_factor([], [], t_stop=10 * pq.ms)
    with pytest.raises(AnalysisInputError, match="delta too large"):
        coincidence_factor([1, 2, 3], [1, 2, 3], delta=2 * pq.ms, t_stop=4 * pq.ms)
    with pytest.raises(AnalysisInputError, match="delta=2"):
        coincidence_factor([1], [1], delta=2, t_stop=4 * pq.ms)


def test_figures_of_merit_hand_examples():
    ref = [0, 10, 20, 30, 40]
    cand = [1, 12, 23, 33, 43, 60]  # ISIs 11, 11, 10, 10 vs 10, 10, 10, 10
    # first interval excluded: |11-10|, |10-10|, |10-10| -> 1/3 ms
    assert float(isi_difference(ref, cand)) == pytest.approx(1 / 3)
    assert float(isi_difference(ref, cand, absolute=False)) == pytest.approx(1 / 3)
    # |1, 2, 3, 3, 3| mean 2.4 ms over mean reference ISI 10 ms
    assert spike_time_error(ref, cand) == pytest.approx(0.24)
    with pytest.raises(AnalysisInputError, match="fewer than 3 spikes"):
        isi_difference([0, 10], cand)
    with pytest.raises(AnalysisInputError, match="fewer than 2 reference spikes"):
        spike_time_error([5], cand)


def _block(times_per_trial, population, model):
    block = neo.Block(hhlif_format=1, model=model, protocol="fig3")
    for trial, times in enumerate(times_per_trial):
        seg = neo.Segment(trial=trial, condition=0, condition_label="sine")
        seg.spiketrains.append(neo.SpikeTrain(times * pq.ms, t_stop=100 * pq.ms, neuron=0,
                                              population=population, trial=trial, condition=0))
        block.segments.append(seg)
    return block


def test_compare_pairs_by_trial_and_reports_undefined():
    ref = _block([[10, 30, 50, 70], [5]], "hh", "hh")
    cand = _block([[10.5, 31, 50, 70], []], "slif2hh", "s-lif2hh")
    cmp = compare(ref, cand)
    assert cmp.keys == [(0, 0, "hh", 0), (1, 0, "hh", 0)]
    assert cmp.n_reference.tolist() == [4, 1] and cmp.n_candidate.tolist() == [4, 0]
    assert cmp.gamma[0] == pytest.approx(coincidence_factor(
        [10, 30, 50, 70], [10.5, 31, 50, 70], t_stop=100 * pq.ms))
    assert cmp.reasons[1]["isi_difference"].startswith("undefined:")
    assert cmp.reasons[1]["spike_time_error"] == "undefined: fewer than 2 reference spikes"
    assert cmp.spike_time_error_mean == pytest.approx((0.5 + 1) / 4 / 20)
    d = json.loads(json.dumps(cmp.to_dict(), allow_nan=False))
    assert d["pairs"][1]["spike_time_error"] is None
    assert d["undefined"] == {}
    other = neo.Block(hhlif_format=1)
    seg = neo.Segment(trial=7, condition=0)
    seg.spiketrains.append(neo.SpikeTrain([1] * pq.ms, t_stop=5 * pq.ms, neuron=0,
                                          population="hh"))
    other.segments.append(seg)
    with pytest.raises(AnalysisInputError, match="share no"):
        compare(ref, other)


# ----------------------------------------------------------------------------- match_spikes
def _brute_force_matching(reference, candidate, delta):
    """Coincidence counting from its definition, by exhaustive search (the oracle).

    Kistler et al. (1997) / Jolivet et al. (2008), as match_spikes documents it: the
    reference spikes, in time order, each take the earliest candidate spike not taken yet
    whose time lies in [t_r - delta, t_r + delta] (bounds in float64; of candidates at the
    same time, the first). Every candidate is examined for every reference spike: no
    pointer, no merge, no use of the candidates' order.
    """
    r = np.asarray(reference, dtype=np.float64)
    c = np.asarray(candidate, dtype=np.float64)
    d = float(delta)
    taken = np.zeros(c.size, dtype=bool)
    pairs = []
    for i in np.argsort(r, kind="stable"):
        free = np.flatnonzero(~taken & (c >= r[i] - d) & (c <= r[i] + d))
        if free.size:
            j = free[np.argmin(c[free])]  # earliest in time; argmin keeps the first of ties
            taken[j] = True
            pairs.append((int(i), int(j)))
    return np.asarray(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def _windowed_matching(reference, candidate, delta):
    """The same definition for long trains: each reference spike scans only the candidates
    inside its window (found by binary search) for the first one not taken yet."""
    r, c, d = np.asarray(reference, float), np.asarray(candidate, float), float(delta)
    lo = np.searchsorted(c, r - d, side="left")
    hi = np.searchsorted(c, r + d, side="right")
    taken = np.zeros(c.size, dtype=bool)
    pairs = []
    for i in range(r.size):
        free = np.flatnonzero(~taken[lo[i]:hi[i]])
        if free.size:
            taken[lo[i] + free[0]] = True
            pairs.append((i, int(lo[i] + free[0])))
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2)


def _maximum_matching_size(reference, candidate, delta):
    """Size of a maximum one-to-one matching of the window graph (Hopcroft-Karp, SciPy)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    r, c, d = np.asarray(reference, float), np.asarray(candidate, float), float(delta)
    if r.size == 0 or c.size == 0 or not d >= 0:
        return 0
    lo = np.searchsorted(c, r - d, side="left")
    hi = np.maximum(np.searchsorted(c, r + d, side="right"), lo)
    cols = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi)]).astype(np.int64)
    graph = csr_matrix((np.ones(cols.size), cols, np.concatenate([[0], np.cumsum(hi - lo)])),
                       shape=(r.size, c.size))
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


def _assert_matching_is_the_definition(ref, cand, delta, oracle=_brute_force_matching):
    got = match_spikes(ref, cand, delta)
    assert got.dtype == np.int64 and got.ndim == 2 and got.shape[1] == 2
    np.testing.assert_array_equal(got, oracle(ref, cand, delta))
    # and the greedy matching is a maximum one: no coincidence is lost to a bad choice
    assert len(got) == _maximum_matching_size(ref, cand, delta)
    return got


def test_match_spikes_hand_computed_cases():
    e = np.array([], dtype=float)
    cases = [
        # (reference, candidate, delta, pairs worked out by hand)
        ([10.0, 11.0], [10.5], 2.0, [[0, 0]]),            # one candidate, two claimants
        ([10.0, 13.0], [8.5, 11.9], 2.0, [[0, 0], [1, 1]]),  # 10 takes 8.5, leaving 11.9
        ([0.0, 1.0], [0.9, 1.8], 1.0, [[0, 0], [1, 1]]),  # nearest-first would pair 1 with
                                                          # 0.9 and leave 0 unmatched
        ([1.0, 2.0, 3.0], [2.0, 3.0, 4.0], 0.0, [[1, 0], [2, 1]]),  # delta 0: equal times
        ([5.0, 5.0], [4.0, 6.0, 6.0], 1.0, [[0, 0], [1, 1]]),  # ties: earliest free first
        ([1.0, 2.0, 3.0], [1.5], 0.5, [[0, 0]]),           # both ends of a window count
        ([0.0, 10.0, 20.0], [3.0, 13.0, 23.0], 2.0, []),   # every spike just outside
        ([1.0, 2.0], [1.0, 2.0], -1.0, []),                # negative window: nothing
        ([1.0, 2.0], [1.0, 2.0], float("nan"), []),        # NaN window: nothing
        ([1.0, 2.0, 50.0], [0.0, 0.5], float("inf"), [[0, 0], [1, 1]]),  # all in reach
        (e, [1.0], 1.0, []), ([1.0], e, 1.0, []), (e, e, 1.0, []),
    ]
    for ref, cand, delta, pairs in cases:
        got = match_spikes(np.asarray(ref, float), np.asarray(cand, float), delta)
        assert got.tolist() == pairs, (ref, cand, delta)
        _assert_matching_is_the_definition(np.asarray(ref, float), np.asarray(cand, float),
                                           delta)
    # exact boundary: |t_c - t_r| == delta counts, a hair beyond does not
    assert match_spikes(np.array([10.0]), np.array([12.0]), 2.0).tolist() == [[0, 0]]
    assert match_spikes(np.array([10.0]), np.array([np.nextafter(12.0, 13.0)]), 2.0).size == 0
    # the coincidence count of Gamma: 3 of 4 reference spikes find a partner within 1 ms
    assert len(match_spikes([0.0, 10.0, 20.0, 30.0], [0.5, 11.0, 25.0, 30.9], 1.0)) == 3


def _random_case(rng, kind):
    """(reference, candidate, delta) of one family of hard or typical cases."""
    if kind == "poisson":  # independent trains, a few matches by chance
        n1, n2 = rng.integers(0, 400, 2)
        return (np.sort(rng.uniform(0, 1000, n1)), np.sort(rng.uniform(0, 1000, n2)),
                float(rng.uniform(0.1, 5)))
    if kind == "jitter":  # jittered copy, some spikes dropped / added
        base = np.sort(rng.uniform(0, 1000, rng.integers(0, 400)))
        cand = base + rng.normal(0, rng.uniform(0.1, 3), base.size)
        cand = cand[rng.random(base.size) > 0.1]
        cand = np.sort(np.concatenate([cand, rng.uniform(0, 1000, rng.integers(0, 20))]))
        return base, cand, float(rng.uniform(0.5, 4))
    if kind == "dense":  # windows much wider than the ISIs: long runs of conflicts
        n1, n2 = rng.integers(1, 300, 2)
        return (np.sort(rng.uniform(0, 50, n1)), np.sort(rng.uniform(0, 50, n2)),
                float(rng.uniform(0.5, 10)))
    if kind == "grid":  # times on a coarse grid: exact ties, duplicates, |t_c - t_r| == delta
        n1, n2 = rng.integers(0, 200, 2)
        return (np.sort(rng.integers(0, 60, n1) * 0.5), np.sort(rng.integers(0, 60, n2) * 0.5),
                float(rng.choice([0.0, 0.5, 1.0, 1.5, 2.5])))
    if kind == "identical":
        t = np.sort(rng.uniform(0, 100, rng.integers(0, 200)))
        if rng.random() < 0.5:
            t = np.sort(np.concatenate([t, t[: t.size // 3]]))  # with duplicates
        return t, t.copy(), float(rng.uniform(0, 3))
    if kind == "clustered":  # bursts: dense conflicts inside, sparse between
        centres = np.sort(rng.uniform(0, 1000, rng.integers(1, 20)))
        def bursts():
            k = rng.integers(0, 15, centres.size)
            return np.sort(np.repeat(centres, k) + rng.uniform(0, 8, k.sum()))
        return bursts(), bursts(), float(rng.uniform(0.2, 6))
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["poisson", "jitter", "dense", "grid", "identical", "clustered"])
def test_match_spikes_equals_the_brute_force_definition_on_random_cases(kind):
    rng = np.random.default_rng(["poisson", "jitter", "dense", "grid", "identical",
                                 "clustered"].index(kind))
    n_matched = 0
    for _ in range(300):
        ref, cand, delta = _random_case(rng, kind)
        n_matched += len(_assert_matching_is_the_definition(ref, cand, delta))
        _assert_matching_is_the_definition(cand, ref, delta)  # roles swapped
    assert n_matched > 0


def test_match_spikes_edge_cases_equal_the_brute_force_definition():
    t = np.array([1.0, 2.0, 2.0, 3.5, 10.0])
    e = np.array([], dtype=float)
    for ref, cand in [(e, e), (t, e), (e, t), (t, t),
                      (t.astype(np.float32), t), (t, t.astype(np.float32)),
                      (np.array([1, 2, 2, 4, 10]), np.array([0, 3, 3, 9])),
                      (np.array([1, 2, 4], np.uint8), t), (t, np.array([2, 3], np.int32)),
                      (np.array([2 ** 53]), np.array([2 ** 53 - 1])),
                      (np.array([0.1, 0.2, 0.3]), np.array([0.3 - 1.0 + 1e-17, 0.1 + 1.0]))]:
        for delta in [0.0, 1.0, 1, np.float64(1.5), -1.0, np.nan, np.inf, np.float32(1.1),
                      np.int64(2), 0.9999999999999999, 2 ** 60]:
            _assert_matching_is_the_definition(ref, cand, delta)
    # plain lists are times too
    assert match_spikes([1.0, 2.0], [2.5], 1).tolist() == [[1, 0]]


@pytest.mark.parametrize("reference, candidate, delta, match", [
    ([3.0, 1.0, 2.0], [1.0], 1.0, "reference is not sorted"),
    ([1.0], [2.0, 1.0], 1.0, "candidate is not sorted"),
    ([1.0, np.nan], [1.0], 1.0, "reference contains NaN or infinite"),
    ([1.0], [np.inf], 1.0, "candidate contains NaN or infinite"),
    ([[1.0, 2.0]], [1.0], 1.0, r"reference has shape \(1, 2\)"),
    (["a"], [1.0], 1.0, "expected a 1-D array of spike times"),
    ([2 ** 60], [2 ** 60 + 1], 0, r"within ±2\*\*53"),
    ([1.0], [1.0], "2", "delta='2': expected a number"),
    ([1.0], [1.0], True, "delta=True"),
])
def test_match_spikes_refuses_what_the_definition_does_not_cover(reference, candidate, delta,
                                                                 match):
    with pytest.raises(AnalysisInputError, match=match):
        match_spikes(np.asarray(reference), np.asarray(candidate), delta)


def test_match_spikes_large_trains_equal_the_definition():
    # long jittered trains (the vectorised path's usual case) plus a dense stretch
    rng = np.random.default_rng(11)
    base = np.sort(rng.uniform(0, 2e6, 50_000))
    ref = np.sort(np.concatenate([base, rng.uniform(1e5, 1e5 + 200, 2000)]))
    cand = np.sort(np.concatenate([base + rng.normal(0, 1.5, base.size),
                                   rng.uniform(1e5, 1e5 + 200, 2000)]))
    _assert_matching_is_the_definition(ref, cand, 2.0, oracle=_windowed_matching)
    # the windowed oracle is the brute force on a slice it can afford
    part = (ref > 99_900) & (ref < 100_300)
    cpart = (cand > 99_900) & (cand < 100_300)
    np.testing.assert_array_equal(_windowed_matching(ref[part], cand[cpart], 2.0),
                                  _brute_force_matching(ref[part], cand[cpart], 2.0))
