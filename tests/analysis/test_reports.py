"""Tests of hhlif.analysis.reports and plots: analyze / compare on files, outputs, bad input."""
import json
import os
import pathlib
import re
import stat

import matplotlib
import neo
import numpy as np
import pytest
import quantities as pq

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.io import TEMPORARY_MARK
from hhlif.analysis.plots import FIGURES, overlay_spike_trains, raster_plot, save_figure
from hhlif.analysis.reports import analyze, compare_files


def test_analyze_foreign_nix_writes_json_and_figures(foreign_nix, tmp_path):
    out, figs = tmp_path / "out" / "s.json", tmp_path / "figs"
    summary, text = analyze(foreign_nix, json_path=out, figures_dir=figs)
    # 5 neurons (matched across the 2 segments by their names) = 10 trains
    assert summary.n_neurons == 5 and summary.n_trials == 2 and summary.n_trains == 10
    assert summary.populations == ["foreign"]      # the Block's name
    assert "rate mean" in text and "nan" not in text.lower()
    report = json.loads(out.read_text())
    assert report["kind"] == "analyze" and report["summary"]["n_spikes"] == summary.n_spikes
    for name in FIGURES:
        png = (figs / name).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert not [p for p in tmp_path.rglob("*") if TEMPORARY_MARK in p.name]  # none left
    # no silent overwrite, checked before anything is written
    with pytest.raises(FileExistsError, match="s.json"):
        analyze(foreign_nix, json_path=out)
    with pytest.raises(FileExistsError, match="raster.png"):
        analyze(foreign_nix, json_path=tmp_path / "new.json", figures_dir=figs)
    assert not (tmp_path / "new.json").exists()
    analyze(foreign_nix, json_path=out, figures_dir=figs, force=True)


def test_analyze_hhlif_nix(build, tmp_path):
    segs = [build.poisson_trains(30, 15 * pq.Hz, 1 * pq.s, seed=s) for s in range(3)]
    path = build.write_nix(build.hhlif_block(segs, packed=True), tmp_path / "rec.nix")
    summary, text = analyze(path, json_path=tmp_path / "s.json")
    assert summary.n_neurons == 30 and summary.n_trains == 90 and summary.fano_mean is not None
    assert summary.annotations["protocol"] == "test-protocol"
    assert "test-protocol" in (tmp_path / "s.json").read_text()


def test_figures_do_not_touch_pyplot_state(build, tmp_path):
    import matplotlib.pyplot as plt
    before = plt.get_fignums()
    fig = raster_plot(build.poisson_trains(3, 10 * pq.Hz, 1 * pq.s, seed=1))
    assert plt.get_fignums() == before and matplotlib.get_backend() is not None
    path = save_figure(fig, tmp_path / "r.png")
    with pytest.raises(FileExistsError, match="r.png"):
        save_figure(fig, path)


@pytest.mark.parametrize("make, match", [
    (lambda p: p / "missing.nix", "no such file"),
    (lambda p: (p / "junk.txt").write_text("garbage \x00 text") and p / "junk.txt", "junk.txt"),
    (lambda p: (p / "junk.abc").write_text("?") and p / "junk.abc", "not a format hhlif reads"),
])
def test_analyze_bad_files_give_clear_errors(tmp_path, make, match):
    with pytest.raises(AnalysisInputError, match=match):
        analyze(make(tmp_path))


def test_analyze_signal_only_nix(build, tmp_path):
    block = neo.Block()
    seg = neo.Segment()
    block.segments.append(seg)
    seg.analogsignals.append(neo.AnalogSignal(np.zeros((5, 2)), units="mV",
                                              sampling_rate=10 * pq.kHz))
    path = build.write_nix(block, tmp_path / "v.nix")
    with pytest.raises(AnalysisInputError, match="contains no SpikeTrain"):
        analyze(path)


@pytest.mark.parametrize("times", [[], [0.5]])
def test_analyze_empty_and_single_spike_tables_say_undefined(times, tmp_path):
    st = [neo.SpikeTrain(times * pq.s, t_stop=1 * pq.s)]
    summary, text = analyze(st, json_path=tmp_path / "s.json")
    assert "undefined: no neuron with at least 3 spikes" in text
    assert "nan" not in text.lower()
    d = json.loads((tmp_path / "s.json").read_text())
    assert d["summary"]["cv_mean"] is None and d["summary"]["undefined"]["cv_mean"]


def test_compare_files_on_nix(build, tmp_path):
    trains = build.poisson_trains(4, 20 * pq.Hz, 1 * pq.s, seed=5)
    ref = build.write_nix(build.hhlif_block([trains], packed=False, population="hh"),
                          tmp_path / "hh.nix")
    rng = np.random.default_rng(0)
    shifted = [neo.SpikeTrain(np.clip(t.magnitude + rng.normal(0, 1e-4, len(t)), 0, 1) * pq.s,
                              t_stop=1 * pq.s) for t in trains]
    cand = build.write_nix(build.hhlif_block([shifted], packed=True, population="slif2hh"),
                           tmp_path / "slif2hh.nix")
    cmp, text = compare_files(ref, cand, json_path=tmp_path / "c.json",
                              figure_path=tmp_path / "overlay.png", labels=("HH", "s-LIF2HH"))
    # 0.1 ms jitter with a 2 ms window: every spike coincides, Gamma = 1
    assert len(cmp.keys) == 4 and cmp.gamma_mean == pytest.approx(1.0, abs=1e-9)
    assert "coincidence factor" in text and "nan" not in text.lower()
    assert json.loads((tmp_path / "c.json").read_text())["comparison"]["n_pairs"] == 4
    assert (tmp_path / "overlay.png").read_bytes()[:4] == b"\x89PNG"


def test_overlay_accepts_plain_arrays(tmp_path):
    fig = overlay_spike_trains([[1, 5, 9], [2, 4]], [[1.2, 5.1], [2, 4.5, 8]],
                               labels=("HH", "s-LIF2HH"), titles=["sine", "square"])
    assert len(fig.axes) == 2
    with pytest.raises(AnalysisInputError, match="2 panels but candidate has 1"):
        overlay_spike_trains([[1], [2]], [[1]])


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_outputs_get_the_permissions_the_umask_allows(foreign_nix, tmp_path, umask_022):
    """Issue 13, item 13: group and others may read results (not mkstemp's 0600)."""
    from hhlif.analysis.information_recordings import mi_command

    analyze(foreign_nix, json_path=tmp_path / "a.json", figures_dir=tmp_path / "figs")
    compare_files(foreign_nix, foreign_nix, json_path=tmp_path / "c.json",
                  figure_path=tmp_path / "c.png")
    from hhlif.analysis import DeclaredDesign
    mi_command(foreign_nix, json_path=tmp_path / "mi.json", n_bootstrap=0, word_length=2,
               declared=DeclaredDesign(condition_per_segment=True))
    save_figure(raster_plot([neo.SpikeTrain([1] * pq.ms, t_stop=2 * pq.ms)]), tmp_path / "r.png")
    outputs = [p for p in tmp_path.rglob("*") if p.is_file() and p != foreign_nix]
    assert len(outputs) == 4 + 5 + 1
    assert {stat.S_IMODE(p.stat().st_mode) for p in outputs} == {0o644}


def test_a_failing_output_removes_the_ones_written_before_it(tmp_path):
    """All or none: the JSON that failed takes the figures written before it away."""
    from hhlif.analysis.plots import write_outputs

    def fail(tmp):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_outputs([(tmp_path / "a.png", lambda tmp: pathlib.Path(tmp).write_bytes(b"1")),
                       (tmp_path / "b.json", fail)])
    assert list(tmp_path.iterdir()) == []
    # a file that existed before and was replaced with force stays (it cannot be restored)
    (tmp_path / "kept.txt").write_text("old")
    with pytest.raises(OSError):
        write_outputs([(tmp_path / "kept.txt", lambda tmp: pathlib.Path(tmp).write_text("new")),
                       (tmp_path / "b.json", fail)], force=True)
    assert (tmp_path / "kept.txt").read_text() == "new" and not (tmp_path / "b.json").exists()


def test_one_neuron_gets_no_empty_correlation_figure(tmp_path):
    """Issue 13, item 16: a figure with nothing to show is not written, and the report says so."""
    from hhlif.analysis.plots import correlation_matrix_plot, summary_figures

    trains = [neo.SpikeTrain(np.linspace(5, 95, 10) * pq.ms, t_stop=100 * pq.ms)]
    summary, text = analyze(trains, json_path=tmp_path / "s.json", figures_dir=tmp_path / "f")
    assert not (tmp_path / "f" / "correlation_matrix.png").exists()
    assert (tmp_path / "f" / "raster.png").exists()
    assert "correlation_matrix.png: undefined: fewer than 2 active neurons" in text
    report = json.loads((tmp_path / "s.json").read_text())
    assert set(report["figures_not_drawn"]) == {"correlation_matrix.png"}
    assert "correlation_matrix.png" not in report["figures"]
    written = summary_figures(trains, tmp_path / "g")
    assert set(written.skipped) == {"correlation_matrix.png"} and len(written.written) == 4
    # drawn on its own, the figure states the reason on frameless axes (no empty 0..1 plot)
    fig = correlation_matrix_plot(trains)
    assert not fig.axes[0].axison
    assert any("fewer than 2 active neurons" in t.get_text() for t in fig.axes[0].texts)


def _tick_labels(fig, axis="y"):
    fig.canvas.draw()
    ax = fig.axes[0]
    ticks = ax.get_yticks() if axis == "y" else ax.get_xticks()
    lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
    labels = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return ([t for t in ticks if lo <= t <= hi], [t.get_text() for t in labels])


def test_count_axes_have_integer_ticks_and_log_axes_plain_labels(build):
    """Issue 13, item 16: neuron counts in whole numbers; 0.1, 1, 10 rather than 10^-1."""
    from hhlif.analysis.plots import isi_distributions, rate_histogram

    one = build.poisson_trains(1, 20 * pq.Hz, 1 * pq.s, seed=2)
    ticks, _ = _tick_labels(raster_plot(one))
    assert ticks == [0.0]
    many = build.poisson_trains(12, 20 * pq.Hz, 2 * pq.s, seed=3)
    ticks, _ = _tick_labels(rate_histogram(many))
    assert ticks and all(float(t).is_integer() for t in ticks)
    ticks, labels = _tick_labels(isi_distributions(many), axis="x")
    visible = [t for t in labels if t]
    assert visible and all(re.fullmatch(r"[0-9.]+", t) for t in visible), visible
    assert "1" in visible and "10" in visible


def test_equivalence_figure_has_integer_sizes():
    from hhlif.analysis.equivalence import find_equivalent_size, plot_equivalence

    res = find_equivalent_size(lambda n, sd: [n / 10 + 0.01 * s for s in sd], reference=0.55,
                               reference_size=4, seeds=[0, 1], n_bootstrap=0, n_max=8)
    ticks, labels = _tick_labels(plot_equivalence(res), axis="x")
    assert ticks and all(float(t).is_integer() for t in ticks), ticks
