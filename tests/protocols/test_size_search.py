"""The size search (one simulation per size and seed) on real simulations: a LIF network
against LIF (the CI covers 1), and the coupled ei-classes task stays at two neurons or
more.  (Apart from test_study.py so that the two run on different test workers.)"""
import json

from hhlif.protocols.experiments import equivalence as er

TINY = {"repeats": 5, "duration_ms": 30.0, "bin_ms": 10.0, "noise_sources": 20}


def test_self_equivalence_of_a_simulated_network_covers_one(tmp_path, monkeypatch):
    # LIF network of N = 3 against LIF networks of n, other seeds: the ratio is 1 up to
    # seed noise, so the CI must contain 1
    monkeypatch.setenv("HHLIF_CACHE", str(tmp_path))
    res = er.measure_equivalence("lif", "lif", 3, metric="readout", seeds=3,
                                 scheduler="serial", settings=dict(TINY, repeats=10),
                                 n_max=12, resolution=0.2, n_bootstrap=500, progress=False,
                                 cache=tmp_path / "sweeps")
    lo, hi = res.ratio_ci
    assert lo <= 1.0 <= hi, str(res)
    assert res.provenance["reference"] == "lif" and res.provenance["sweep"]["computed"] > 0
    json.dumps(res.to_dict())


def test_ei_task_metrics_and_search_stay_at_two_neurons_or_more(tmp_path):
    import numpy as np

    res = er.measure_equivalences("lif", "lif", 2, metrics=("mi", "stats"), seeds=2,
                                  protocol="ei-classes", scheduler="serial",
                                  settings=dict(TINY), n_max=4, resolution=0.5,
                                  n_bootstrap=100, progress=False, cache=tmp_path)
    for metric, r in res.items():
        assert min(p.n for p in r.points) >= 2, metric
        assert all(np.isfinite(p.mean) for p in r.points)
        assert r.provenance["protocol"] == "ei-classes"
    details = res["mi"].provenance["candidate_details"]
    assert all(d["rate_hz"] > 0 for rows in details.values() for d in rows)
