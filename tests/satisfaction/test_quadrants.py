"""cxkit.satisfaction.quadrants: importance–performance quadrants from a driver result."""

from __future__ import annotations

from functools import partial

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cxkit.errors import CxDataError
from cxkit.sample import survey as sv
from cxkit.satisfaction import QUADRANTS, drivers, importance_performance

# other input types and polars' parallel group_by may differ in the last bits of a sum
assert_same = partial(assert_frame_equal, rel_tol=1e-12, abs_tol=1e-12)


def test_importance_performance_quadrants(survey):
    res = drivers(survey, "csat", sv.TOUCHPOINTS, n_boot=0)
    ipa = importance_performance(res)
    assert set(ipa["quadrant"]) <= {
        "concentrate here",
        "keep up the good work",
        "low priority",
        "possible overkill",
    }
    cut_i = res["importance_pct"].mean()
    cut_p = res["performance"].mean()
    for row in ipa.iter_rows(named=True):
        hi_i, hi_p = row["importance"] >= cut_i, row["performance"] >= cut_p
        expect = {
            (True, False): "concentrate here",
            (True, True): "keep up the good work",
            (False, False): "low priority",
            (False, True): "possible overkill",
        }[(hi_i, hi_p)]
        assert row["quadrant"] == expect


def test_median_split_pandas_input_and_errors():
    d = pl.DataFrame(
        {"driver": list("abcde"), "importance_pct": [0.5, 0.2, 0.15, 0.1, 0.05],
         "performance": [3.0, 4.0, 4.2, 3.9, 2.0]}
    )  # fmt: skip
    res = importance_performance(d, split="median")
    assert res["importance_cut"][0] == 0.15 and res["performance_cut"][0] == 3.9
    got = dict(zip(res["driver"], res["quadrant"], strict=True))
    assert got == {"a": "concentrate here", "b": "keep up the good work",
                   "c": "keep up the good work", "d": "possible overkill",
                   "e": "low priority"}  # fmt: skip
    assert_same(importance_performance(d.to_pandas(), split="median"), res)
    assert set(QUADRANTS.values()) >= set(res["quadrant"])
    with pytest.raises(CxDataError, match="no drivers"):
        importance_performance(d.head(0))
    with pytest.raises(CxDataError, match="missing"):
        importance_performance(d.drop("performance"))
    with pytest.raises(CxDataError, match="'mean', 'median'"):
        importance_performance(d, split="mode")
