"""Tests of hhlif.analysis.reports and plots: analyze / compare on files, outputs, bad input."""
import json

import matplotlib
import neo
import numpy as np
import pytest
import quantities as pq

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.plots import FIGURES, overlay_spike_trains, raster_plot, save_figure
from hhlif.analysis.reports import analyze, compare_files


def test_analyze_foreign_nix_writes_json_and_figures(foreign_nix, tmp_path):
    out, figs = tmp_path / "out" / "s.json", tmp_path / "figs"
    summary, text = analyze(foreign_nix, json_path=out, figures_dir=figs)
    assert summary.n_neurons == 10 and summary.n_trials == 2
    assert "rate mean" in text and "nan" not in text.lower()
    report = json.loads(out.read_text())
    assert report["kind"] == "analyze" and report["summary"]["n_spikes"] == summary.n_spikes
    for name in FIGURES:
        png = (figs / name).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert not list(tmp_path.rglob("*.tmp"))  # atomic writes leave no temporary file
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
    assert summary.n_neurons == 90 and summary.fano_mean is not None
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
    (lambda p: (p / "junk.abc").write_text("?") and p / "junk.abc", "not a format Neo"),
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
