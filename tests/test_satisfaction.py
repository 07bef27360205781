"""Scores, comparisons, trends, reshaping and charts of cxkit.satisfaction."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
import vl_convert as vlc
from scipy import stats
from statsmodels.stats import proportion as sm_prop
from statsmodels.stats.multitest import multipletests

from cxkit import CxDataError, charts
from cxkit.metrics import nps_interval
from cxkit.sample import survey as sv
from cxkit.satisfaction import (
    compare,
    drivers,
    importance_performance,
    nps_breakdown,
    rating_columns,
    scores,
    to_binary,
    to_long,
    to_wide,
    trend,
)

Z = stats.norm.isf(0.025)


@pytest.fixture(scope="module")
def survey() -> pl.DataFrame:
    return sv.make_survey(5000, seed=7)


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


def test_compare_previous_proportions_match_statsmodels():
    rng = np.random.default_rng(8)
    df = pl.DataFrame(
        {
            "period": ["p1"] * 400 + ["p2"] * 500 + ["p3"] * 450,
            "csat": np.concatenate(
                [rng.integers(1, 6, 400), rng.integers(2, 6, 500), rng.integers(1, 6, 450)]
            ),
        }
    )
    res = compare(df, "csat", by="period")
    assert res["period"].to_list() == ["p2", "p3"]
    assert res["reference"].to_list() == ["previous: p1", "previous: p2"]
    for row in res.iter_rows(named=True):
        prev = {"p2": "p1", "p3": "p2"}[row["period"]]
        x1 = int((df.filter(period=row["period"])["csat"] >= 4).sum())
        x0 = int((df.filter(period=prev)["csat"] >= 4).sum())
        n1, n0 = df.filter(period=row["period"]).height, df.filter(period=prev).height
        # reference: statsmodels unpooled Wald test and interval for p1 − p0
        ref = sm_prop.test_proportions_2indep(x1, n1, x0, n0, method="wald", compare="diff")
        lo, hi = sm_prop.confint_proportions_2indep(x1, n1, x0, n0, method="wald", compare="diff")
        assert row["diff"] == pytest.approx(x1 / n1 - x0 / n0)
        assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), rel=1e-9)
    ref_adj = multipletests(res["p_value"].to_numpy(), method="holm")[1]
    assert res["p_adj"].to_list() == pytest.approx(ref_adj.tolist())


def test_compare_means_welch_and_benchmark():
    rng = np.random.default_rng(9)
    a, b = rng.normal(4.0, 1.0, 60), rng.normal(4.5, 2.0, 45)
    df = pl.DataFrame({"g": ["a"] * 60 + ["b"] * 45, "score": np.concatenate([a, b])})
    row = compare(df, "score", by="g", metric="mean").row(0, named=True)
    # reference: scipy Welch t-test (equal_var=False) and its interval
    ref = stats.ttest_ind(b, a, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-9)
    bench = compare(df, "score", by="g", metric="mean", reference=4.2)
    ref1 = stats.ttest_1samp(a, 4.2)
    assert bench.filter(g="a")["p_value"].item() == pytest.approx(ref1.pvalue, rel=1e-9)
    assert bench["reference"].to_list() == ["benchmark", "benchmark"]


def test_compare_against_total_variance():
    # two equal groups: ĝ1 − t̂ = (ĝ1 − ĝ2)/2, variance (V1 + V2)/4
    df = pl.DataFrame(
        {"g": ["a"] * 200 + ["b"] * 200, "x": [1, 0, 0, 1, 1] * 40 + [0, 0, 1, 0] * 50}
    )
    res = compare(df, "x", by="g", metric="share", reference="total", min_base=10)
    p1, p2 = 0.6, 0.25
    se = math.sqrt((p1 * (1 - p1) / 200 + p2 * (1 - p2) / 200) / 4)
    row = res.filter(g="a").row(0, named=True)
    assert row["diff"] == pytest.approx((p1 - p2) / 2)
    assert row["ci_high"] - row["ci_low"] == pytest.approx(2 * Z * se)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf((p1 - p2) / 2 / se))
    # weighted: the reference is the weighted total (Σ weight shares × group estimates)
    w = df.with_columns(w=pl.when(pl.col("g") == "a").then(3.0).otherwise(1.0))
    res_w = compare(w, "x", by="g", metric="share", reference="total", weight="w")
    assert res_w["reference_estimate"][0] == pytest.approx(0.75 * p1 + 0.25 * p2)


def test_compare_finds_planted_delivery_drop(survey):
    res = compare(survey, sv.TOUCHPOINTS, by="period", reference="previous")
    sig = res.filter(pl.col("p_adj") < 0.05)
    # planted: delivery drops in the last period; nothing else moves month to month
    assert sig.select("item", "period").rows() == [("delivery", sv.DROP_PERIOD)]
    assert sig["diff"].item() < -0.1


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


def test_reshape_roundtrip_and_helpers(survey):
    wide = survey.select("response_id", *sv.TOUCHPOINTS).head(50)
    long = to_long(wide, sv.TOUCHPOINTS, id_cols=["response_id"])
    assert long.columns == ["response_id", "touchpoint", "rating"]
    assert long.height == wide.select(sv.TOUCHPOINTS).count().sum_horizontal().item()
    back = to_wide(long, items=sv.TOUCHPOINTS)
    assert back.columns == ["response_id", *sv.TOUCHPOINTS]
    assert back.select(sv.TOUCHPOINTS).cast(pl.Int64).equals(wide.select(sv.TOUCHPOINTS))
    with pytest.raises(CxDataError, match="more than once"):
        to_wide(pl.concat([long, long.head(1)]))
    assert rating_columns(survey, exclude=["csat"]) == [*sv.TOUCHPOINTS, *sv.BEHAVIOURS]
    with pytest.raises(CxDataError, match="No row"):
        to_binary(pl.DataFrame({"s": ["yes", "no"]}), "s", "Yes ")


def test_charts_render_to_svg(survey):
    chart_set = [
        charts.nps_bar(nps_breakdown(survey, by="segment")),
        charts.scores_chart(scores(survey, sv.TOUCHPOINTS)),
        charts.drivers_chart(drivers(survey, "csat", sv.TOUCHPOINTS, n_boot=100)),
        charts.importance_performance_chart(
            importance_performance(drivers(survey, "csat", sv.TOUCHPOINTS, n_boot=0))
        ),
        charts.trend_chart(trend(survey, "delivery", period="period")),
    ]
    svgs = [vlc.vegalite_to_svg(c.to_dict()) for c in chart_set]
    assert "Promoters" in svgs[0] and "small_business" in svgs[0] and "NPS" in svgs[0]
    assert "agent_call" in svgs[1] and "n = " in svgs[1]
    assert "agent_call" in svgs[2] and "R² = " in svgs[2]
    assert "concentrate here" in svgs[3] or "keep up the good work" in svgs[3]
    assert sv.DROP_PERIOD in svgs[4]
    # negative drivers are marked (signed importance, as in Displayr)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    neg = pl.DataFrame(
        {"good": x[:, 0], "bad": x[:, 1], "y": x[:, 0] - 0.5 * x[:, 1] + rng.normal(size=400)}
    )
    svg = vlc.vegalite_to_svg(
        charts.drivers_chart(drivers(neg, "y", ["good", "bad"], n_boot=50)).to_dict()
    )
    assert "bad (−)" in svg and "good (−)" not in svg
    # suppressed groups are listed, not drawn; labels from data stay text
    tiny = pl.DataFrame({"seg": ["<b>x</b>"] * 10 + ["ok"] * 200, "c": [5, 1] * 105})
    svg = vlc.vegalite_to_svg(charts.scores_chart(scores(tiny, "c", by="seg")).to_dict())
    assert "suppressed (n = 10)" in svg and "&lt;b&gt;x&lt;/b&gt;" in svg


@pytest.mark.slow
def test_compare_aa_false_positive_rate():
    """A/A: consecutive groups drawn from one distribution → ~5 % of raw p-values below 0.05."""
    rng = np.random.default_rng(2026)
    groups, per = 2000, 150
    df = pl.DataFrame(
        {
            "g": np.repeat([f"{i:05d}" for i in range(groups)], per),
            "csat": rng.choice([1, 2, 3, 4, 5], p=[0.1, 0.1, 0.2, 0.3, 0.3], size=groups * per),
            "nps": rng.integers(0, 11, size=groups * per),
        }
    )
    for column, metric in (("csat", "csat"), ("nps", "nps"), ("csat", "mean")):
        res = compare(df, column, by="g", metric=metric)
        fpr = (res["p_value"] < 0.05).mean()
        # 1,999 comparisons: binomial SE ≈ 0.5 points around the nominal 5 %
        assert 0.035 < fpr < 0.065, (metric, fpr)
        assert (res["p_adj"] < 0.05).sum() <= 2  # Holm controls the family-wise rate


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
