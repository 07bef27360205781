"""cxkit.satisfaction.scoring: scores and the NPS breakdown with the base-size rule."""

from __future__ import annotations

from functools import partial

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cxkit.errors import CxDataError
from cxkit.metrics import nps_interval
from cxkit.sample import survey as sv
from cxkit.satisfaction import nps_breakdown, scores

# other input types and polars' parallel group_by may differ in the last bits of a sum
assert_same = partial(assert_frame_equal, rel_tol=1e-12, abs_tol=1e-12)


def test_scores_suppression_flags_and_items():
    df = pl.DataFrame(
        {
            "seg": ["big"] * 150 + ["mid"] * 60 + ["tiny"] * 12,
            "web": ([5, 4, 2] * 74)[:222],
            "ivr": ([1, 2, 5] * 74)[:222],
        }
    )
    res = scores(df, ["web", "ivr"], by="seg")
    assert res.columns == [
        "item", "seg", "n", "n_eff", "estimate", "ci_low", "ci_high", "base_flag", "metric"
    ]  # fmt: skip
    assert res["item"].to_list() == ["web"] * 3 + ["ivr"] * 3
    flags = dict(zip(res["seg"][:3], res["base_flag"][:3], strict=True))
    assert flags == {"big": "ok", "mid": "small base", "tiny": "suppressed"}
    tiny = res.filter(seg="tiny").row(0, named=True)
    assert tiny["n"] == 12 and tiny["estimate"] is None and tiny["ci_low"] is None
    big = res.filter(item="web", seg="big").row(0, named=True)
    assert big["estimate"] == pytest.approx(100 / 150)  # 5,4 are top box: 2 of every 3


def test_scores_weights_change_n_eff_and_na_codes(survey):
    unw = scores(survey, "csat", by="segment")
    wtd = scores(survey, "csat", by="segment", weight="weight")
    assert (unw["n_eff"] == unw["n"]).all()
    assert (wtd["n_eff"] < wtd["n"]).all()
    # brute-force Kish per segment
    for seg, n_eff in wtd.select("segment", "n_eff").iter_rows():
        w = survey.filter(segment=seg)["weight"].to_numpy()
        assert n_eff == pytest.approx(w.sum() ** 2 / (w**2).sum())
    coded = pl.DataFrame({"x": [0, 4, 5, 3, 0] * 10})
    r = scores(coded, "x", na_codes=[0]).row(0, named=True)
    assert r["n"] == 30 and r["estimate"] == pytest.approx(2 / 3)
    with pytest.raises(CxDataError):
        scores(coded, "x")  # 0 is outside 1–5 unless declared "not applicable"


def test_nps_breakdown_matches_counts(survey):
    res = nps_breakdown(survey, "nps", by="segment")
    for row in res.iter_rows(named=True):
        x = survey.filter(segment=row["segment"])["nps"].drop_nulls().to_numpy()
        pro, det = np.sum(x >= 9), np.sum(x <= 6)
        assert row["n"] == x.size
        assert row["promoters"] == pytest.approx(pro / x.size)
        assert row["detractors"] == pytest.approx(det / x.size)
        assert row["promoters"] + row["passives"] + row["detractors"] == pytest.approx(1.0)
        est, lo, hi = nps_interval(pro, x.size - pro - det, det)
        assert (row["nps"], row["ci_low"], row["ci_high"]) == pytest.approx((est, lo, hi))


def test_scores_and_nps_breakdown_accept_pandas_and_pyarrow(survey, as_other):
    small = survey.head(800)
    want = scores(small, sv.TOUCHPOINTS, by="segment", weight="weight")
    assert_same(scores(as_other(small), sv.TOUCHPOINTS, by="segment", weight="weight"), want)
    assert want.height == 3 * len(sv.TOUCHPOINTS) and want["estimate"].is_not_null().all()
    want_nps = nps_breakdown(small, by="segment")
    assert_same(nps_breakdown(as_other(small), by="segment"), want_nps)
    with pytest.raises(CxDataError, match="cx.read_survey"):
        scores(small.to_dicts(), "csat")


def test_small_base_threshold_and_the_deprecated_flag_base_name():
    df = pl.DataFrame({"seg": ["a"] * 60 + ["b"] * 40, "csat": [5, 3] * 50})
    res = scores(df, "csat", by="seg", small_base=50)
    assert res["base_flag"].to_list() == ["ok", "small base"]
    with pytest.warns(DeprecationWarning, match="use small_base= instead") as rec:
        old = scores(df, "csat", by="seg", flag_base=50)
    assert rec[0].filename == __file__
    assert_same(old, res)
    with pytest.raises(TypeError, match="both flag_base= and small_base="):
        scores(df, "csat", flag_base=50, small_base=50)
    with pytest.raises(CxDataError, match="min_base <= small_base"):
        scores(df, "csat", min_base=60, small_base=50)


def test_proportion_metric_result_label_and_the_deprecated_share_choice():
    df = pl.DataFrame({"satisfied": [1, 0, 1, 1] * 10})
    res = scores(df, "satisfied", metric="proportion")
    assert res["metric"].item() == "proportion" and res["estimate"].item() == 0.75
    with pytest.warns(DeprecationWarning, match='use metric="proportion"') as rec:
        old = scores(df, "satisfied", metric="share")
    assert rec[0].filename == __file__  # points at the caller, through the decorator
    assert_same(old, res)
    with pytest.raises(CxDataError, match="'csat', 'nps', 'ces', 'proportion'"):
        scores(df, "satisfied", metric="median")


def test_nps_breakdown_base_flags_follow_the_one_rule():
    df = pl.DataFrame(
        {"seg": ["big"] * 120 + ["mid"] * 50 + ["tiny"] * 10, "nps": ([10, 9, 7, 3] * 45)}
    )
    res = nps_breakdown(df, by="seg")
    assert res["base_flag"].to_list() == ["ok", "small base", "suppressed"]
    tiny = res.filter(seg="tiny").row(0, named=True)
    assert tiny["n"] == 10 and tiny["nps"] is None and tiny["promoters"] is None
    big = res.filter(seg="big").row(0, named=True)
    assert big["nps"] == pytest.approx(25.0) and big["passives"] == pytest.approx(0.25)
    assert np.isclose(big["ci_low"], nps_interval(60, 30, 30)[1])
