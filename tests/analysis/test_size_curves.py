"""Equivalent size from fitted size curves, on synthetic curves whose answer is known."""
import json
import math
import time

import numpy as np
import pytest

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.plots import plot_size_curves, save_figure
from hhlif.analysis.size_curves import (
    SizeCurves, equivalent_size, fit_saturating, ratio_drift)

SIZES = np.array([10, 16, 25, 40, 63, 100, 160, 250, 400, 630, 1000, 1600], float)


def saturating(n, amplitude, n0, baseline=0.0):
    return baseline + amplitude * (1 - np.exp(-np.asarray(n, float) / n0))


def true_ratio(N, ref, cand):
    """n*/N of two known saturating curves (amplitude, n0), solved by hand."""
    level = saturating(N, *ref)
    return -cand[1] * math.log(1 - level / cand[0]) / N


def noisy_pair(rng, ref, cand, seeds=10, sd=0.03, shared=0.8, trials=0, sizes=SIZES):
    """Per-seed curves of two models: relative noise with a seed part shared by both
    models (common random numbers) and a part independent per size; optional trial rows."""
    common = rng.standard_normal((seeds, 1, 1))
    out = []
    for params in (ref, cand):
        own = rng.standard_normal((seeds, 1, 1))
        per_size = rng.standard_normal((seeds, 1, sizes.size))
        noise = sd * (shared * common + math.sqrt(1 - shared ** 2) * own + 0.5 * per_size)
        v = saturating(sizes, *params) * (1 + noise)
        if trials:
            v = np.concatenate(
                [v, v * (1 + 0.5 * sd * rng.standard_normal((seeds, trials, sizes.size)))], 1)
        out.append(v)
    return out


# ------------------------------------------------------------------------------ fit
@pytest.mark.parametrize("amplitude, n0", [(3.0, 150.0), (0.8, 6.0), (10.0, 5000.0)])
def test_noiseless_saturating_curve_recovers_amplitude_and_n0(amplitude, n0):
    fit = fit_saturating(SIZES, saturating(SIZES, amplitude, n0))
    assert fit.amplitude == pytest.approx(amplitude, rel=1e-5)
    assert fit.n0 == pytest.approx(n0, rel=1e-5)
    assert fit.slope == pytest.approx(amplitude / n0, rel=1e-5)
    assert fit.residual < 1e-6 * amplitude
    # value / inverse are each other's inverse, inside the range and beyond it
    for n in (3.0, n0, 4 * n0):
        assert fit.value(n) == pytest.approx(saturating(n, amplitude, n0), rel=1e-5)
        assert fit.inverse(fit.value(n)) == pytest.approx(n, rel=1e-5)
    assert fit.inverse(fit.asymptote) == math.inf
    assert fit.inverse(1.1 * amplitude) == math.inf
    assert fit.inverse(0.0) == 0.0


def test_baseline_is_kept_fixed_for_an_accuracy():
    acc = saturating(SIZES, 0.45, 40.0, baseline=0.5)          # chance 0.5, ceiling 0.95
    fit = fit_saturating(SIZES, acc, baseline=0.5)
    assert (fit.baseline, round(fit.amplitude, 5), round(fit.n0, 3)) == (0.5, 0.45, 40.0)
    assert fit.asymptote == pytest.approx(0.95)


def test_linear_curve_is_the_limit_of_the_fit_not_a_failure():
    fit = fit_saturating(SIZES, 0.25 * SIZES)
    assert (fit.n0, fit.amplitude, fit.rate) == (math.inf, math.inf, 0.0)
    assert fit.slope == pytest.approx(0.25, rel=1e-12)
    assert fit.inverse(100.0) == pytest.approx(400.0, rel=1e-12)
    assert json.dumps(fit.to_dict(), allow_nan=False)           # inf written as "inf"
    assert fit.to_dict()["n0"] == "inf"


def test_data_that_never_rise_give_a_flat_fit():
    fit = fit_saturating(SIZES, 1.0 - 1e-3 * SIZES, baseline=1.0)
    assert fit.slope == 0 and fit.amplitude == 0
    assert fit.inverse(1.5) == math.inf


# ------------------------------------------------------------------------------ ratio
def test_identical_data_give_exactly_n_equals_N_and_a_ci_of_one():
    rng = np.random.default_rng(3)
    v, _ = noisy_pair(rng, (3.0, 200.0), (3.0, 200.0), trials=20)
    ref, cand = SizeCurves(SIZES, v, "HH", "bits"), SizeCurves(SIZES, v.copy(), "LIF", "bits")
    res = equivalent_size(ref, cand, 100, n_bootstrap=500)
    assert (res.status, res.size, res.ratio, res.ratio_ci) == ("found", 100.0, 1.0, (1.0, 1.0))
    assert res.size_ci == (100.0, 100.0)
    assert res.not_reached_fraction == 0.0


@pytest.mark.parametrize("N", [30, 250])
def test_linear_curves_with_slopes_in_ratio_four_give_ratio_four(N):
    # linear Fisher information: gain 2 gives 4 times the information per neuron, so the
    # candidate needs 4 times as many neurons at every N
    seeds = np.linspace(0.9, 1.1, 6)[:, None, None]
    ref = SizeCurves(SIZES, 4.0 * seeds * SIZES, "gain 2", "linear Fisher information")
    cand = SizeCurves(SIZES, 1.0 * seeds * SIZES, "gain 1", "linear Fisher information")
    res = equivalent_size(ref, cand, N, n_bootstrap=300)
    assert res.status == "found"
    assert res.ratio == pytest.approx(4.0, rel=1e-9)
    assert res.ratio_ci == pytest.approx((4.0, 4.0), rel=1e-9)   # paired: each seed 4x
    assert res.warnings == []


def test_known_saturating_curves_give_the_known_ratio():
    ref, cand = (2.0, 100.0), (2.5, 400.0)
    res = equivalent_size(SizeCurves(SIZES, [[saturating(SIZES, *ref)]]),
                          SizeCurves(SIZES, [[saturating(SIZES, *cand)]]), 80, n_bootstrap=0)
    assert res.ratio == pytest.approx(true_ratio(80, ref, cand), rel=1e-5)
    assert res.reference_level == pytest.approx(saturating(80, *ref), rel=1e-6)
    assert math.isnan(res.ratio_ci[0]) and math.isnan(res.not_reached_fraction)


def test_ci_covers_the_true_ratio_in_most_repetitions():
    ref, cand, N = (3.0, 150.0), (2.8, 400.0), 100
    truth = true_ratio(N, ref, cand)
    rng = np.random.default_rng(11)
    covered, widths = 0, []
    for rep in range(50):
        vr, vc = noisy_pair(rng, ref, cand, seeds=10, sd=0.05, shared=0.5)
        res = equivalent_size(SizeCurves(SIZES, vr), SizeCurves(SIZES, vc), N,
                              n_bootstrap=300, seed=rep)
        lo, hi = res.ratio_ci
        covered += lo <= truth <= hi
        widths.append(hi - lo)
    assert covered >= 40, covered           # nominal 95 %; seeds-only bootstrap runs ~90 %
    assert 0 < np.median(widths) < 0.5 * truth   # an informative interval, not a blanket


def test_paired_bootstrap_resamples_the_same_seeds_for_both_models():
    # the candidate is the reference stretched 3x in n, seed by seed (and trial row by
    # trial row): a replicate that draws the same seeds (and rows) for both gives 3 exactly
    rng = np.random.default_rng(5)
    v, _ = noisy_pair(rng, (3.0, 200.0), (3.0, 200.0), sd=0.1, shared=0.0, trials=30)
    ref, cand = SizeCurves(SIZES, v), SizeCurves(3 * SIZES, v)
    paired = equivalent_size(ref, cand, 100, n_bootstrap=400)
    unpaired = equivalent_size(ref, cand, 100, n_bootstrap=400, paired=False)
    assert paired.ratio == pytest.approx(3.0, rel=1e-6)
    assert paired.ratio_ci == pytest.approx((3.0, 3.0), rel=1e-5)
    lo, hi = unpaired.ratio_ci
    assert hi - lo > 0.1 and lo < 3.0 < hi
    assert "independent" in unpaired.resampling and "trial-level" in unpaired.resampling


def test_trial_rows_are_the_second_level_of_the_bootstrap():
    rng = np.random.default_rng(8)
    vr, vc = noisy_pair(rng, (3.0, 150.0), (2.8, 400.0), seeds=1, trials=40)
    with_rows = equivalent_size(SizeCurves(SIZES, vr), SizeCurves(SIZES, vc), 100,
                                n_bootstrap=300)
    lo, hi = with_rows.ratio_ci
    assert lo < with_rows.ratio < hi                  # one seed, but trials to resample
    vr[:, 1:], vc[:, 1:] = np.nan, np.nan             # a cross-validated metric: no rows
    without = equivalent_size(SizeCurves(SIZES, vr), SizeCurves(SIZES, vc), 100,
                              n_bootstrap=300)
    assert without.ratio_ci[0] == without.ratio_ci[1] == without.ratio
    assert any("nothing to resample" in w for w in without.warnings)


def test_candidate_below_the_reference_level_is_not_reached_with_a_lower_bound():
    ref = SizeCurves(SIZES, [[saturating(SIZES, 3.0, 100.0)]] * 4, "HH", "bits")
    cand = SizeCurves(SIZES, [[saturating(SIZES, 1.0, 100.0)]] * 4, "LIF", "bits")
    res = equivalent_size(ref, cand, 200, n_bootstrap=200)
    assert res.status == "not_reached"
    assert res.fitted_size == math.inf
    assert (res.size, res.ratio) == (1600.0, 8.0)      # largest evaluated size / N
    assert res.ratio_ci == (math.inf, math.inf) and res.not_reached_fraction == 1.0
    assert any("lower bound" in w for w in res.warnings)
    text = json.dumps(res.to_dict(), allow_nan=False)
    assert '"ratio_ci": ["inf", "inf"]' in text and "replicates" not in res.to_dict()
    assert "\n" not in str(res) and "lower bound" in str(res)


def test_max_extrapolation_decides_between_found_and_not_reached():
    ref = SizeCurves(SIZES, [[3.0 * SIZES]])
    cand = SizeCurves(SIZES, [[1.0 * SIZES]])        # n* = 3 N = 4800 = 3 x largest size
    assert equivalent_size(ref, cand, 1600, n_bootstrap=0).status == "not_reached"
    res = equivalent_size(ref, cand, 1600, n_bootstrap=0, max_extrapolation=4.0)
    assert res.status == "found" and res.ratio == pytest.approx(3.0)
    assert any("extrapolated" in w for w in res.warnings)


def test_a_much_stronger_candidate_is_at_minimum():
    ref = SizeCurves(SIZES, [[saturating(SIZES, 3.0, 400.0)]])
    cand = SizeCurves(SIZES, [[saturating(SIZES, 3.0, 20.0)]])
    res = equivalent_size(ref, cand, 40, n_bootstrap=0)
    assert res.status == "at_minimum"
    assert res.ratio == pytest.approx(true_ratio(40, (3.0, 400.0), (3.0, 20.0)), rel=1e-4)
    assert res.size < SIZES[0]


# ------------------------------------------------------------------------------ warnings
def test_non_monotone_curve_is_flagged_and_a_monotone_noisy_one_is_not():
    rng = np.random.default_rng(2)
    base = saturating(SIZES, 3.0, 150.0)
    clean = base * (1 + 0.01 * rng.standard_normal((10, 1, SIZES.size)))
    dip = clean.copy()
    dip[:, 0, 6] -= 0.6                               # a drop of ~0.6 bits at n = 160
    ref = SizeCurves(SIZES, clean, "HH", "bits")
    res = equivalent_size(ref, SizeCurves(SIZES, dip, "LIF", "bits"), 100, n_bootstrap=50)
    flagged = [w for w in res.warnings if "not monotone" in w]
    assert len(flagged) == 1 and flagged[0].startswith("LIF") and "n = 160" in flagged[0]
    res = equivalent_size(ref, SizeCurves(SIZES, clean * 1.01, "LIF", "bits"), 100,
                          n_bootstrap=50)
    assert not [w for w in res.warnings if "not monotone" in w]


def test_poor_fit_is_said():
    rng = np.random.default_rng(4)
    step = np.where(SIZES >= 100, 2.0, 0.2)          # a step, not a saturating exponential
    values = step * (1 + 0.01 * rng.standard_normal((8, 1, SIZES.size)))
    good = saturating(SIZES, 3.0, 150.0) * (1 + 0.01 * rng.standard_normal((8, 1, SIZES.size)))
    res = equivalent_size(SizeCurves(SIZES, good, "HH"), SizeCurves(SIZES, values, "LIF"),
                          100, n_bootstrap=0)
    poor = [w for w in res.warnings if "fit is poor" in w]
    assert len(poor) == 1 and poor[0].startswith("LIF")


# ------------------------------------------------------------------------------ drift
def _ratios_over_N(ref_params, cand_params, Ns, seed, linear_ref=False):
    rng = np.random.default_rng(seed)
    vr, vc = noisy_pair(rng, ref_params, cand_params, seeds=10, sd=0.03, shared=0.5)
    if linear_ref:
        vr = vr / saturating(SIZES, *ref_params) * 0.01 * SIZES   # same noise, linear curve
    ref, cand = SizeCurves(SIZES, vr), SizeCurves(SIZES, vc)
    results = [equivalent_size(ref, cand, N, n_bootstrap=300, seed=1) for N in Ns]
    return (Ns, [r.ratio for r in results], np.column_stack([r.replicates for r in results]))


def test_drift_of_a_growing_ratio_is_detected():
    # linear reference (0.01 per neuron) against a saturating candidate (10, 1000):
    # n*/N = -1000 ln(1 - 0.001 N) / N grows from 1.03 at N = 50 to 1.39 at N = 500
    d = ratio_drift(*_ratios_over_N((10.0, 1000.0), (10.0, 1000.0), [50, 100, 200, 500], 6,
                                    linear_ref=True))
    assert d["drifts"] is True and d["method"] == "bootstrap"
    assert 0.05 < d["slope_ci"][0] < d["slope"] < d["slope_ci"][1] < 0.4
    assert d["verdict"].startswith("The ratio drifts")


def test_constant_ratio_shows_no_drift():
    # candidate = reference stretched 3x in n: n*/N = 3 at every N
    d = ratio_drift(*_ratios_over_N((3.0, 100.0), (3.0, 300.0), [25, 50, 100, 200], 7))
    assert d["drifts"] is False
    assert d["slope_ci"][0] < 0 < d["slope_ci"][1]
    assert d["verdict"].startswith("No drift")


def test_drift_without_replicates_uses_the_regression_or_says_undetermined():
    N = np.array([25, 50, 100, 200])
    d = ratio_drift(N, 2.0 * (N / 25) ** 0.5)
    assert d["slope"] == pytest.approx(0.5) and d["method"] == "regression"
    assert d["factor_per_doubling"] == pytest.approx(math.sqrt(2))
    assert d["drifts"] is True
    assert ratio_drift([25, 50], [1.0, 1.1])["drifts"] is None
    reps = np.full((100, 2), 2.0)
    reps[:50, 1] = np.inf                            # half the replicates never reached
    d = ratio_drift([25, 50], [2.0, 2.0], reps)
    assert d["drifts"] is None and d["n_replicates_dropped"] == 50


# ------------------------------------------------------------------------------ speed, plot
def test_two_thousand_replicates_of_ten_seeds_at_twelve_sizes_are_fast():
    rng = np.random.default_rng(9)
    vr, vc = noisy_pair(rng, (3.0, 150.0), (2.8, 400.0), seeds=10, trials=50)
    ref, cand = SizeCurves(SIZES, vr), SizeCurves(SIZES, vc)
    t0 = time.perf_counter()
    res = equivalent_size(ref, cand, 100, n_bootstrap=2000)
    assert time.perf_counter() - t0 < 3.0            # about 0.2 s on one core
    assert res.replicates.shape == (2000,) and np.all(np.isfinite(res.replicates))


@pytest.mark.parametrize("amplitude", [2.8, 1.0])
def test_plot_shows_both_curves_the_level_and_the_crossing(tmp_path, amplitude):
    rng = np.random.default_rng(1)
    vr, vc = noisy_pair(rng, (3.0, 150.0), (amplitude, 400.0), seeds=6)
    ref, cand = SizeCurves(SIZES, vr, "HH", "bits"), SizeCurves(SIZES, vc, "LIF", "bits")
    res = equivalent_size(ref, cand, 100, n_bootstrap=200)
    fig = plot_size_curves(ref, cand, res, xlabel="neurons", ylabel="information (bits)",
                           reference_label="HH", candidate_label="s-LIF")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_xscale() == "log" and ax.get_ylabel() == "information (bits)"
    assert labels[0].startswith("HH: mean") and labels[2].startswith("s-LIF: mean")
    assert any(t.startswith("HH level at N = 100") for t in labels)
    key = "n* = " if res.status == "found" else "not reached"
    assert any(t.startswith(key) for t in labels)
    assert save_figure(fig, tmp_path / "curves.png").stat().st_size > 10_000


# ------------------------------------------------------------------------------ bad input
GOOD = np.ones((2, 1, 3)) * np.array([1.0, 2.0, 3.0])
MIXED = np.concatenate([GOOD, np.full_like(GOOD, np.nan)], axis=1)
MIXED[0, 1, 0] = 1.0                                  # one trial row value among NaNs


@pytest.mark.parametrize("build, name", [
    (lambda: SizeCurves([10, 20], np.ones((2, 1, 2))), "sizes="),
    (lambda: SizeCurves([10, 30, 20], GOOD), "sizes="),
    (lambda: SizeCurves([0, 10, 20], GOOD), "sizes="),
    (lambda: SizeCurves([10, 20, 30], np.ones((2, 1, 4))), "values: shape"),
    (lambda: SizeCurves([10, 20, 30], np.ones(3)), "values: shape"),
    (lambda: SizeCurves([10, 20, 30], "abc"), "values="),
    (lambda: SizeCurves([10, 20, 30], np.where(GOOD == 2, np.nan, GOOD)), "values[0, 0, 1]"),
    (lambda: SizeCurves([10, 20, 30], MIXED), "values[0, 1, 0]"),
    (lambda: SizeCurves([10, 20, 30], GOOD, seeds=[1, 1]), "seeds="),
    (lambda: SizeCurves([10, 20, 30], GOOD, model=""), "model="),
    (lambda: fit_saturating([10, 20, 30], [1.0, np.inf, 2.0]), "values="),
    (lambda: fit_saturating([10, 20, 30], [1.0, 2.0]), "values="),
    (lambda: fit_saturating([10, 20, 30], [1.0, 2.0, 3.0], baseline="x"), "baseline="),
    (lambda: equivalent_size(GOOD, SizeCurves([10, 20, 30], GOOD), 10), "reference="),
    (lambda: equivalent_size(SizeCurves([10, 20, 30], GOOD), SizeCurves([10, 20, 30], GOOD),
                             0), "reference_size="),
    (lambda: equivalent_size(SizeCurves([10, 20, 30], GOOD), SizeCurves([10, 20, 30], GOOD),
                             10, confidence=1.0), "confidence="),
    (lambda: equivalent_size(SizeCurves([10, 20, 30], GOOD), SizeCurves([10, 20, 30], GOOD),
                             10, n_bootstrap=-1), "n_bootstrap="),
    (lambda: equivalent_size(SizeCurves([10, 20, 30], GOOD), SizeCurves([10, 20, 30], GOOD),
                             10, max_extrapolation=0.5), "max_extrapolation="),
    (lambda: equivalent_size(SizeCurves([10, 20, 30], GOOD),
                             SizeCurves([10, 20, 30], GOOD[:1]), 10), "candidate has 1 seeds"),
    (lambda: equivalent_size(SizeCurves([10, 20, 30], GOOD, seeds=[1, 2]),
                             SizeCurves([10, 20, 30], GOOD, seeds=[2, 1]), 10),
     "candidate.seeds="),
    (lambda: equivalent_size(SizeCurves([10, 20, 30], GOOD, metric="bits"),
                             SizeCurves([10, 20, 30], GOOD, metric="accuracy"), 10),
     "candidate.metric="),
    (lambda: ratio_drift([10, 10], [1.0, 2.0]), "reference_sizes="),
    (lambda: ratio_drift([10, 20], [1.0, math.inf]), "ratios[1]=inf"),
    (lambda: ratio_drift([10, 20], [1.0, 2.0], np.ones((5, 3))), "replicates="),
])
def test_bad_input_is_one_line_naming_the_argument(build, name):
    with pytest.raises(AnalysisInputError) as err:
        build()
    message = str(err.value)
    assert "\n" not in message and message.startswith(name) and "expected" in message
