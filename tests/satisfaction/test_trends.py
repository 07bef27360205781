"""cxkit.satisfaction.trends: control limits against a brute-force p-chart."""

from __future__ import annotations

import math
from functools import partial

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cxkit.errors import CxDataError
from cxkit.sample import survey as sv
from cxkit.satisfaction import trend

# other input types and polars' parallel group_by may differ in the last bits of a sum
assert_same = partial(assert_frame_equal, rel_tol=1e-12, abs_tol=1e-12)


def test_trend_p_chart_limits_vary_with_n(survey):
    # unrevised: centre = pooled share over all periods (brute force p-chart)
    raw = trend(survey, "delivery", period="period", revise=False)
    pooled = (survey["delivery"].drop_nulls() >= 4).mean()
    for row in raw.iter_rows(named=True):
        half = 3 * math.sqrt(pooled * (1 - pooled) / row["n"])
        assert row["center"] == pytest.approx(pooled)
        assert row["lcl"] == pytest.approx(max(0.0, pooled - half))
        assert row["ucl"] == pytest.approx(min(1.0, pooled + half))
    # revised (Phase I): the planted bad month leaves the centre line; only it is flagged
    res = trend(survey, "delivery", period="period")
    base = survey.filter(pl.col("period") != sv.DROP_PERIOD)["delivery"].drop_nulls()
    assert res["center"][0] == pytest.approx((base >= 4).mean())
    flagged = res.filter("out_of_control")
    assert flagged["period"].to_list() == [sv.DROP_PERIOD] and flagged["signal"].item() == "below"
    assert res["lcl"].n_unique() == res["n"].n_unique()  # limits vary with n
    fixed = trend(survey, "delivery", period="period", baseline=["2025-07", "2025-08"])
    early = survey.filter(pl.col("period").is_in(["2025-07", "2025-08"]))["delivery"].drop_nulls()
    assert fixed["center"][0] == pytest.approx((early >= 4).mean())


def test_trend_suppresses_small_periods_and_keeps_them_out_of_the_centre():
    # period "1": 200 responses at 50 % top box; "2": 5 responses all top box (below min_base 30)
    df = pl.DataFrame({"m": ["1"] * 200 + ["2"] * 5, "csat": [5, 1] * 100 + [5] * 5})
    out = trend(df, "csat", period="m")
    small = out.filter(pl.col("m") == "2").row(0, named=True)
    assert small["n"] == 5 and small["base_flag"] == "suppressed"
    assert small["estimate"] is None and small["ci_low"] is None and small["lcl"] is None
    assert small["out_of_control"] is False
    big = out.filter(pl.col("m") == "1").row(0, named=True)
    # centre from period 1 alone: exactly 0.5 (the 5 suppressed top-box answers are left out)
    assert big["center"] == pytest.approx(0.5) and big["base_flag"] == "ok"


def test_trend_small_base_baseline_errors_and_other_inputs(as_other):
    df = pl.DataFrame({"m": ["1"] * 200 + ["2"] * 60, "csat": [5, 1] * 130})
    res = trend(df, "csat", period="m")
    assert res["base_flag"].to_list() == ["ok", "small base"]
    with pytest.warns(DeprecationWarning, match="use small_base= instead"):
        old = trend(df, "csat", period="m", flag_base=50)
    assert old["base_flag"].to_list() == ["ok", "ok"]
    with pytest.raises(CxDataError, match="baseline periods"):
        trend(df, "csat", period="m", baseline=["9"])
    assert_same(trend(as_other(df), "csat", period="m"), res)
    with pytest.warns(DeprecationWarning, match="proportion"):
        prop = trend(df.with_columns(pl.col("csat") == 5), "csat", period="m", metric="share")
    assert prop["metric"].to_list() == ["proportion"] * 2
    assert prop["ucl"].max() <= 1.0 and prop["center"][0] == pytest.approx(0.5)
    assert math.isclose(prop["estimate"][0], 0.5)
