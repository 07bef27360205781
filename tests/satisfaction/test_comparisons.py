"""cxkit.satisfaction.comparisons: compare against statsmodels / scipy references."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy import stats
from statsmodels.stats import proportion as sm_prop
from statsmodels.stats.multitest import multipletests

from cxkit.errors import CxDataError
from cxkit.sample import survey as sv
from cxkit.satisfaction import compare

# other input types and polars' parallel group_by may differ in the last bits of a sum
assert_same = partial(assert_frame_equal, rel_tol=1e-12, abs_tol=1e-12)

Z = stats.norm.isf(0.025)


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
        assert row["effect"] == pytest.approx(x1 / n1 - x0 / n0)
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
    res = compare(df, "x", by="g", metric="proportion", reference="total", min_base=10)
    p1, p2 = 0.6, 0.25
    se = math.sqrt((p1 * (1 - p1) / 200 + p2 * (1 - p2) / 200) / 4)
    row = res.filter(g="a").row(0, named=True)
    assert row["effect"] == pytest.approx((p1 - p2) / 2)
    assert row["ci_high"] - row["ci_low"] == pytest.approx(2 * Z * se)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf((p1 - p2) / 2 / se))
    # weighted: the reference is the weighted total (Σ weight shares × group estimates)
    w = df.with_columns(w=pl.when(pl.col("g") == "a").then(3.0).otherwise(1.0))
    res_w = compare(w, "x", by="g", metric="proportion", reference="total", weight="w")
    assert res_w["reference_estimate"][0] == pytest.approx(0.75 * p1 + 0.25 * p2)


def test_compare_finds_planted_delivery_drop(survey):
    res = compare(survey, sv.TOUCHPOINTS, by="period", reference="previous")
    sig = res.filter(pl.col("p_adj") < 0.05)
    # planted: delivery drops in the last period; nothing else moves month to month
    assert sig.select("item", "period").rows() == [("delivery", sv.DROP_PERIOD)]
    assert sig["effect"].item() < -0.1


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


def _periods() -> pl.DataFrame:
    rng = np.random.default_rng(21)
    return pl.DataFrame(
        {
            "period": np.repeat(["p1", "p2", "p3", "p4"], 300),
            "csat": np.concatenate([rng.integers(lo, 6, 300) for lo in (1, 2, 1, 3)]),
        }
    )


def test_correction_choices_through_adjust_p_and_the_deprecated_adjust_name():
    df = _periods()
    res = compare(df, "csat", by="period")
    p = res["p_value"].to_numpy()
    for correction, method in (("holm", "holm"), ("bh", "fdr_bh"), ("bonferroni", "bonferroni")):
        got = compare(df, "csat", by="period", correction=correction)["p_adj"].to_numpy()
        np.testing.assert_allclose(got, multipletests(p, method=method)[1], atol=1e-12)
    assert compare(df, "csat", by="period", correction="none")["p_adj"].to_list() == list(p)
    with pytest.warns(DeprecationWarning, match="use correction= instead") as rec:
        old = compare(df, "csat", by="period", adjust="bh")
    assert rec[0].filename == __file__
    assert_same(old, compare(df, "csat", by="period", correction="bh"))
    with pytest.raises(CxDataError, match="'holm', 'bh', 'bonferroni', 'none'"):
        compare(df, "csat", by="period", correction="fdr")


def test_effect_column_by_as_list_and_bad_arguments():
    df = _periods()
    res = compare(df, "csat", by=["period"])
    assert res.columns == [
        "period", "reference", "n", "estimate", "reference_estimate", "effect",
        "ci_low", "ci_high", "p_value", "p_adj",
    ]  # fmt: skip
    assert "diff" not in res.columns
    assert res["effect"].to_list() == pytest.approx(
        (res["estimate"] - res["reference_estimate"]).to_list()
    )
    assert_same(res, compare(df, "csat", by="period"))
    with pytest.raises(CxDataError, match="one column"):
        compare(df.with_columns(seg=pl.lit("a")), "csat", by=["seg", "period"])
    with pytest.raises(CxDataError, match="'previous', 'total'"):
        compare(df, "csat", by="period", reference="last")
    with pytest.raises(CxDataError, match="missing"):
        compare(df, "csat", by="month")


def test_compare_small_groups_are_not_compared_and_pandas_input_works(as_other):
    df = _periods().filter((pl.col("period") != "p3") | (pl.int_range(pl.len()) % 20 == 0))
    res = compare(df, "csat", by="period")
    # p3 has 15 responses (< min_base 30): neither p3 vs p2 nor p4 vs p3 is tested
    tested = res.filter(pl.col("p_value").is_not_null())["period"].to_list()
    assert tested == ["p2"] and res.height == 3
    assert res.filter(period="p3")["estimate"].item() is None
    assert_same(compare(as_other(df), "csat", by="period"), res)
