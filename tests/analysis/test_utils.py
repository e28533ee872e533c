"""Tests of hhlif.analysis.utils: the one copy of the time, JSON and table helpers."""
import json
import math

import neo
import numpy as np
import pytest
import quantities as pq

from hhlif.analysis.errors import AnalysisInputError
from hhlif.analysis.utils import (as_time, check_choice, check_time, format_rows, format_table,
                                  jsonify, time_array)


# ---------------------------------------------------------------------------- times
def test_as_time_quantities_and_bare_numbers():
    assert as_time(2 * pq.ms, "bin_size") == 0.002
    assert as_time(0.25, "t_stop") == 0.25                        # bare numbers in s
    assert as_time(1500 * pq.us, "delta", pq.ms) == pytest.approx(1.5)
    assert as_time(3, "t", pq.ms, bare_unit=pq.s) == 3000.0
    assert as_time(-1 * pq.ms, "t_start") == -0.001               # sign allowed by default


@pytest.mark.parametrize("value, kwargs, match", [
    (2 * pq.mV, {}, r"bin_size=.*expected a time quantity \(e.g. 2\*pq.ms\), got units mV"),
    ("abc", {}, r"bin_size='abc': expected a time quantity or a number in s"),
    (2.0, {"bare_unit": None}, r"bin_size=2.0: expected a time quantity, e.g. 2 \* pq.ms"),
    ([1, 2] * pq.ms, {}, r"bin_size=\[1.0, 2.0\] ms: expected one time"),
    (0 * pq.ms, {"positive": True}, r"expected a positive duration"),
    (math.inf, {"positive": True}, r"bin_size=inf: expected a positive duration"),
])
def test_as_time_errors_name_the_argument(value, kwargs, match):
    with pytest.raises(AnalysisInputError, match=match):
        as_time(value, "bin_size", **kwargs)


def test_time_array_is_rescale_without_the_copy_of_a_spiketrain():
    train = neo.SpikeTrain([0.1, 2.7, 13.3], units="ms", t_stop=20 * pq.ms)
    out = time_array(train, "spikes")
    # the same multiplication as quantities' rescale: bit for bit
    np.testing.assert_array_equal(out, train.rescale(pq.s).magnitude)
    assert out.dtype == np.float64 and not np.shares_memory(out, train.magnitude)  # a copy
    np.testing.assert_array_equal(time_array([1.0, 2.0], "t", pq.ms, bare_unit=pq.s),
                                  [1000.0, 2000.0])
    np.testing.assert_array_equal(time_array([[1.0], [2.0]]), [1.0, 2.0])   # flattened
    with pytest.raises(AnalysisInputError, match=r"spikes: expected time units, got mV"):
        time_array([1.0] * pq.mV, "spikes")
    with pytest.raises(AnalysisInputError, match=r"spikes: expected a time quantity"):
        time_array([1.0], "spikes", bare_unit=None)
    with pytest.raises(AnalysisInputError, match=r"spikes=\['a'\]: expected spike times"):
        time_array(["a"], "spikes")


def test_check_time_returns_seconds_and_shows_what_was_typed():
    out = check_time(5 * pq.ms, "bin_size")
    assert out.units == pq.s and float(out.magnitude) == 0.005
    with pytest.raises(AnalysisInputError, match=r"^delta=-2.0 ms: expected a positive, finite"):
        check_time(-2 * pq.ms, "delta")
    with pytest.raises(AnalysisInputError, match=r"^bin_size='2\*mV': expected a time such as "
                                                 r"'2\*ms', got units mV"):
        check_time(2 * pq.mV, "bin_size", shown="'2*mV'")
    with pytest.raises(AnalysisInputError, match=r"^bin_size=5: expected one time quantity"):
        check_time(5, "bin_size")
    with pytest.raises(AnalysisInputError, match=r"positive, finite"):
        check_time(np.inf * pq.s, "bin_size")


def test_check_choice_lists_the_valid_names():
    assert check_choice("pt", ("plugin", "pt")) == "pt"
    with pytest.raises(AnalysisInputError, match=r"^method='mle': unknown; valid values: "
                                                 r"\['plugin', 'pt'\]$"):
        check_choice("mle", ("plugin", "pt"))


# ---------------------------------------------------------------------------- JSON
VALUE = {1: (np.int64(3), np.float32(0.5)), "q": [1.5, 2.5] * pq.ms, "nan": float("nan"),
         "inf": np.inf, "ninf": -np.inf, "flag": np.bool_(True), "none": None, "s": "x",
         "arr0": np.array(7.0), "path": pq}


def test_jsonify_null_for_non_finite():
    out = jsonify(VALUE)
    assert out == {"1": [3, 0.5], "q": [1.5, 2.5], "nan": None, "inf": None, "ninf": None,
                   "flag": True, "none": None, "s": "x", "arr0": 7.0, "path": str(pq)}
    json.dumps(out, allow_nan=False)
    assert type(out["1"][0]) is int and type(out["flag"]) is bool


def test_jsonify_names_for_non_finite():
    out = jsonify(VALUE, non_finite="string")
    assert (out["nan"], out["inf"], out["ninf"]) == ("nan", "inf", "-inf")
    with pytest.raises(AnalysisInputError, match="non_finite='zero'"):
        jsonify(1.0, non_finite="zero")


# ---------------------------------------------------------------------------- tables
def test_format_table_two_columns():
    assert format_table("Spike summary", [("rate", "3 Hz"), ("neurons", "4")]) == (
        "Spike summary\n"
        "-------------\n"
        "rate       3 Hz\n"
        "neurons    4")


def test_format_rows_plain_and_markdown():
    rows = [{"model": "hh", "rate": 12.5}, {"model": "s-lif2hh", "note": "x"}]
    assert format_rows(rows) == ("model     rate\n"
                                 "--------  ----\n"
                                 "hh        12.5\n"
                                 "s-lif2hh      ")
    assert format_rows(rows, ["model", "note"], markdown=True,
                       cell=lambda v: f"{v:.1f}" if isinstance(v, float) else str(v)) == (
        "| model | note |\n|---|---|\n| hh |  |\n| s-lif2hh | x |")
    assert format_rows([]) == "(no rows)" and format_rows([], empty="(empty)") == "(empty)"
