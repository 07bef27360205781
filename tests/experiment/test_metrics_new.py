"""Issue 16: quantile and bootstrap metrics, relative intervals, direction and non-inferiority,
all-pairs comparisons and ratio CUPED with numerator and denominator covariates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from cxkit import CxDataError
from cxkit import experiment as ex
from cxkit.experiment import Metric
from cxkit.experiment.quantile import bootstrap_statistic, poisson_bootstrap

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def users() -> pl.DataFrame:
    """tea-tasting 1.14.0 ``make_users_data(rng=42, covariates=True)``, saved as CSV (4,000
    users: variant, sessions, orders, revenue and their pre-period covariates)."""
    return pl.read_csv(DATA / "tea_tasting_users42.csv")


def _row(res, metric):
    return res.effects.filter(pl.col("metric") == metric).row(0, named=True)


# ----------------------------------------------------------------------------- tea-tasting
def test_ratio_cuped_reproduces_tea_tasting(users):
    ops = Metric(
        "orders",
        denominator="sessions",
        covariate="orders_covariate",
        denominator_covariate="sessions_covariate",
        cuped_slope="total",
    )
    res = ex.analyze(users, arm="variant", control=0, metrics={"ops": ops})
    r = _row(res, "orders/sessions")
    # tea-tasting docs (RatioOfMeans, "With CUPED"): tt.Experiment(orders_per_session=
    # tt.RatioOfMeans("orders", "sessions", "orders_covariate", "sessions_covariate"))
    # .analyze(tt.make_users_data(rng=42, covariates=True)) -> 0.262 0.293 12% [4.2%, 21%]
    # 0.00229; full precision from tea-tasting 1.14.0:
    assert r["control_value"] == pytest.approx(0.261558559079533, rel=1e-9)
    assert r["treatment_value"] == pytest.approx(0.29329282211631386, rel=1e-9)
    assert r["effect"] == pytest.approx(0.03173426303678084, rel=1e-9)
    assert r["ci_low"] == pytest.approx(0.01134447701776042, rel=1e-7)
    assert r["ci_high"] == pytest.approx(0.05212404905580126, rel=1e-7)
    assert r["p_value"] == pytest.approx(0.002292943842523407, rel=1e-6)
    assert r["rel_effect"] == pytest.approx(0.1213275648423009, rel=1e-9)
    assert r["rel_ci_low"] == pytest.approx(0.041648832528977664, rel=1e-6)
    assert r["rel_ci_high"] == pytest.approx(0.20710115387201333, rel=1e-6)
    assert "ratio covariate" in res.details["method"][0]


def test_within_arm_slope_is_close_to_tea_tasting(users):
    ops = Metric(
        "orders",
        denominator="sessions",
        covariate="orders_covariate",
        denominator_covariate="sessions_covariate",
    )
    r = _row(ex.analyze(users, arm="variant", control=0, metrics={"ops": ops}), "orders/sessions")
    # the default pooled within-arm slope differs from tea-tasting's combined-sample slope
    assert r["effect"] == pytest.approx(0.03173426303678084, rel=1e-3)
    assert r["p_value"] == pytest.approx(0.002292943842523407, abs=2e-5)


def test_relative_intervals_match_tea_tasting(users):
    res = ex.analyze(
        users,
        arm="variant",
        control=0,
        metrics={
            "opu": Metric("orders", name="opu"),
            "ops": Metric("orders", denominator="sessions", name="ops"),
            "opu_cuped": Metric(
                "orders", covariate="orders_covariate", cuped_slope="total", name="opu_cuped"
            ),
        },
    )
    # tea-tasting 1.14.0, same data: tt.Mean("orders")
    r = _row(res, "opu")
    assert r["rel_effect"] == pytest.approx(0.08048664016431273, rel=1e-9)
    assert r["rel_ci_low"] == pytest.approx(-0.019515294044061937, rel=1e-6)
    assert r["rel_ci_high"] == pytest.approx(0.1906880061278886, rel=1e-6)
    assert r["p_value"] == pytest.approx(0.11773177998716207, rel=1e-6)
    # tt.RatioOfMeans("orders", "sessions")
    r = _row(res, "ops")
    assert r["effect"] == pytest.approx(0.02330500550889003, rel=1e-9)
    assert r["rel_ci_low"] == pytest.approx(-0.008944184133335975, rel=1e-6)
    assert r["rel_ci_high"] == pytest.approx(0.19377576095526305, rel=1e-6)
    # tt.Mean("orders", "orders_covariate")
    r = _row(res, "opu_cuped")
    assert r["effect"] == pytest.approx(0.05830389260866353, rel=1e-9)
    assert r["ci_low"] == pytest.approx(0.015696510168618664, rel=1e-6)
    assert r["rel_ci_low"] == pytest.approx(0.028806826889974158, rel=1e-6)
    assert r["rel_ci_high"] == pytest.approx(0.20094199383435463, rel=1e-6)
    assert r["p_value"] == pytest.approx(0.007330409808687461, rel=1e-6)


def test_one_sided_matches_tea_tasting(users):
    ops = Metric(
        "orders",
        denominator="sessions",
        covariate="orders_covariate",
        denominator_covariate="sessions_covariate",
        cuped_slope="total",
        alternative="greater",
    )
    res = ex.analyze(users, arm="variant", control=0, metrics={"ops": ops})
    r = _row(res, "orders/sessions")
    # tea-tasting 1.14.0: tt.RatioOfMeans(..., alternative="greater")
    assert r["ci_low"] == pytest.approx(0.014623833578100025, rel=1e-6)
    assert r["ci_high"] == np.inf and r["rel_ci_high"] == np.inf
    assert r["rel_ci_low"] == pytest.approx(0.05407083598151119, rel=1e-6)
    assert r["p_value"] == pytest.approx(0.0011464719212617035, rel=1e-6)
    assert r["decision"] == "better"
    assert res.details["alternative"][0] == "greater"


def test_less_and_non_inferiority(users):
    m = {
        "less": Metric("orders", alternative="less", name="less"),
        "ni": Metric("orders", alternative="greater", margin=0.02, name="ni"),
        "ni_rel": Metric("orders", alternative="greater", margin=0.05, relative_margin=True),
    }
    res = ex.analyze(users, arm="variant", control=0, metrics=m, correction="none")
    two = ex.analyze(users, arm="variant", control=0, metrics={"orders": "mean"})
    t = two.effects.row(0, named=True)
    se, df = two.details["se"][0], two.details["df"][0]
    less = _row(res, "less")
    # one-sided p of an effect on the other side: 1 - p/2 (scipy ttest_ind alternative="less")
    assert less["p_value"] == pytest.approx(1 - t["p_value"] / 2, rel=1e-12)
    assert less["ci_low"] == -np.inf
    ni = _row(res, "ni")
    # H0: effect <= -0.02: scipy t.sf((effect + margin) / se, df)
    assert ni["p_value"] == pytest.approx(stats.t.sf((t["effect"] + 0.02) / se, df), rel=1e-10)
    assert ni["decision"] == "non_inferior"
    rel = _row(res, "orders")  # the unnamed relative-margin metric
    margin = 0.05 * t["control_value"]
    assert rel["p_value"] == pytest.approx(stats.t.sf((t["effect"] + margin) / se, df), rel=1e-10)


def test_direction_errors_list_choices():
    with pytest.raises(CxDataError, match="'two-sided', 'greater', 'less'"):
        Metric("y", alternative="bigger")
    with pytest.raises(CxDataError, match="good direction"):
        Metric("y", alternative="less", margin=1.0)
    with pytest.raises(CxDataError, match="'mean', 'median'"):
        Metric("y", kind="bootstrap", statistic="mode")
    with pytest.raises(CxDataError, match="'control', 'all_pairs'"):
        ex.analyze(
            pl.DataFrame({"arm": ["a", "b"] * 5, "y": range(10)}),
            control="a",
            metrics={"y": "mean"},
            comparisons="pairs",
        )


# ----------------------------------------------------------------------------- all pairs
def test_all_pairs_three_arms():
    rng = np.random.default_rng(3)
    df = pl.DataFrame(
        {"arm": np.repeat(["a", "b", "c"], 200), "y": rng.normal(np.repeat([0, 0.3, 0.1], 200))}
    )
    res = ex.analyze(df, control="a", metrics={"y": "mean"}, comparisons="all_pairs")
    eff = res.effects
    assert eff.select("control", "arm").rows() == [("a", "b"), ("a", "c"), ("b", "c")]
    # each pair equals scipy's Welch test of the two arms; Holm over the 3 pairs
    p = []
    for base, arm in eff.select("control", "arm").rows():
        y0 = df.filter(pl.col("arm") == base)["y"].to_numpy()
        y1 = df.filter(pl.col("arm") == arm)["y"].to_numpy()
        p.append(stats.ttest_ind(y1, y0, equal_var=False).pvalue)
    assert eff["p_value"].to_list() == pytest.approx(p, rel=1e-10)
    from statsmodels.stats.multitest import multipletests

    assert eff["p_adj"].to_list() == pytest.approx(multipletests(p, method="holm")[1].tolist())
    assert res.details["family"][0] == "primary metrics, all pairs of arms: 3 tests, holm"


# ----------------------------------------------------------------------------- quantiles
def _woodruff(y, p, alpha=0.05):
    """By hand (Deng, Knoblich & Lu 2018, §4.3; Woodruff 1952): SE of the p-quantile from
    the quantiles at p ± z·sqrt(p(1 - p)/n)."""
    z = stats.norm.isf(alpha / 2)
    sf = np.sqrt(p * (1 - p) / y.size)
    lo, hi = np.quantile(y, [p - z * sf, p + z * sf])
    return np.quantile(y, p), (hi - lo) / (2 * z)


@pytest.mark.parametrize("p", [0.5, 0.9])
def test_quantile_difference_by_hand(p):
    rng = np.random.default_rng(7)
    y0, y1 = rng.lognormal(5.5, 0.8, 3000), rng.lognormal(5.4, 0.8, 2500)
    df = pl.DataFrame({"arm": ["c"] * y0.size + ["t"] * y1.size, "wait": np.r_[y0, y1]})
    r = ex.analyze(df, control="c", metrics={"wait": Metric("wait", kind="quantile", quantile=p)})
    r = r.effects.row(0, named=True)
    (q0, s0), (q1, s1) = _woodruff(y0, p), _woodruff(y1, p)
    se = np.hypot(s0, s1)
    assert r["control_value"] == pytest.approx(q0) and r["effect"] == pytest.approx(q1 - q0)
    assert r["ci_low"] == pytest.approx(q1 - q0 - 1.959963985 * se)
    assert r["p_value"] == pytest.approx(2 * stats.norm.sf(abs(q1 - q0) / se))
    assert r["rel_ci_low"] < r["rel_effect"] < r["rel_ci_high"]
    assert (r["n_control"], r["n_treatment"]) == (3000, 2500)


def test_quantile_with_clusters_is_wider(clusters10):
    m = {"y": Metric("y", kind="quantile")}
    iid = ex.analyze(clusters10, control="control", metrics=m, ignore_clusters=True)
    cl = ex.analyze(clusters10, control="control", metrics=m, cluster="cluster")
    assert cl.details["se"][0] > iid.details["se"][0]
    assert "cluster-robust" in cl.details["method"][0]
    assert cl.effects["effect"][0] == pytest.approx(iid.effects["effect"][0])


def test_unit_level_metrics_need_units():
    agg = pl.DataFrame({"metric": ["y"] * 2, "arm": ["a", "b"], "n": [5, 5], "sum": [1.0, 2.0]})
    with pytest.raises(CxDataError, match="units' values"):
        ex.from_aggregates(agg, control="a", metrics={"y": "quantile"})


# ----------------------------------------------------------------------------- bootstrap
def test_weighted_statistics_with_unit_weights_are_the_plain_ones():
    y = np.sort(np.random.default_rng(1).lognormal(size=101))
    one = np.ones((y.size, 1))
    assert bootstrap_statistic("mean")(y, one)[0] == pytest.approx(y.mean())
    assert bootstrap_statistic("median")(y, one)[0] == np.median(y)
    assert bootstrap_statistic("quantile", 0.9)(y, one)[0] == pytest.approx(
        np.quantile(y, 0.9, method="inverted_cdf")
    )
    assert bootstrap_statistic("trimmed_mean")(y, one)[0] == pytest.approx(
        stats.trim_mean(y, 0.1), rel=0.02
    )


def test_poisson_bootstrap_se_of_mean_matches_formula():
    y = np.sort(np.random.default_rng(2).exponential(size=4000))
    reps = poisson_bootstrap(y, bootstrap_statistic("mean"), 4000, np.random.default_rng(0))
    # the bootstrap SE of a mean is about sd / sqrt(n)
    assert reps.std() == pytest.approx(y.std(ddof=1) / np.sqrt(y.size), rel=0.05)


def test_bootstrap_metric_agrees_with_welch_for_the_mean():
    rng = np.random.default_rng(4)
    df = pl.DataFrame({"arm": np.repeat(["c", "t"], 1500), "y": rng.gamma(2.0, 1.0, 3000)})
    boot = ex.analyze(df, control="c", metrics={"y": Metric("y", kind="bootstrap")})
    welch = ex.analyze(df, control="c", metrics={"y": "mean"})
    b, w = boot.effects.row(0, named=True), welch.effects.row(0, named=True)
    assert b["effect"] == pytest.approx(w["effect"], rel=1e-12)
    assert b["ci_low"] == pytest.approx(w["ci_low"], abs=0.01)
    assert b["ci_high"] == pytest.approx(w["ci_high"], abs=0.01)
    assert boot.details["se"][0] == pytest.approx(welch.details["se"][0], rel=0.08)
    # the p-value and the percentile interval agree
    assert (b["p_value"] < 0.05) == (b["ci_low"] > 0 or b["ci_high"] < 0)


# ----------------------------------------------------------------------------- SRM
def test_srm_exact_binomial_and_many_arms():
    # R: binom.test(480, 1000, 0.5)$p.value = 0.2174; scipy binomtest agrees
    r = ex.srm_counts({"a": 480, "b": 520}, method="binomial")
    assert r["p_value"][0] == pytest.approx(stats.binomtest(480, 1000, 0.5).pvalue, rel=1e-12)
    assert r["p_value"][0] == pytest.approx(0.2174, abs=5e-5)
    assert r["method"][0] == "binomial"
    r = ex.srm_counts({"a": 300, "b": 400}, method="binomial", expected={"a": 3, "b": 4})
    assert r["p_value"][0] == pytest.approx(1.0)
    # three arms: R chisq.test(c(310, 350, 340))$p.value = scipy chisquare
    r = ex.srm_counts({"a": 310, "b": 350, "c": 340})
    assert r["df"][0] == 2
    assert r["p_value"][0] == pytest.approx(stats.chisquare([310, 350, 340]).pvalue, rel=1e-12)
    assert r["p_value"][0] == pytest.approx(0.2725318, abs=1e-7)  # R chisq.test
    with pytest.raises(CxDataError, match="two arms"):
        ex.srm_counts({"a": 1, "b": 2, "c": 3}, method="binomial")
    with pytest.raises(CxDataError, match="'chisquare', 'binomial'"):
        ex.srm_counts({"a": 1, "b": 2}, method="g-test")


# ----------------------------------------------------------------------------- sequential
def test_monitor_matches_the_growthbook_formula_by_hand():
    rng = np.random.default_rng(5)
    n = 1200
    df = pl.DataFrame(
        {
            "arm": rng.choice(["c", "t"], n),
            "week": rng.integers(1, 5, n),
            "resolved": rng.random(n) < 0.6,
            "aht": rng.lognormal(5, 0.5, n),
        }
    )
    out = ex.monitor(
        df,
        control="c",
        metrics={"resolved": "proportion", "aht": "mean"},
        period="week",
        planned_n=1000,
    )
    assert out.columns == ex.MONITOR_COLUMNS and out.height == 8
    # by hand at week 3 for aht: gbstats-style half-width (Howard et al. 2021, eq. 14)
    sub = df.filter(pl.col("week") <= 3)
    y0 = sub.filter(pl.col("arm") == "c")["aht"].to_numpy()
    y1 = sub.filter(pl.col("arm") == "t")["aht"].to_numpy()
    var = y0.var(ddof=1) / y0.size + y1.var(ddof=1) / y1.size
    big_n, la = y0.size + y1.size, -2 * np.log(0.05)
    rho2 = (la + np.log(la + 1)) / 1000
    half = np.sqrt(var * big_n) * np.sqrt(
        2 * (big_n * rho2 + 1) / (big_n**2 * rho2) * np.log(np.sqrt(big_n * rho2 + 1) / 0.05)
    )
    rows = out.filter(pl.col("metric") == "aht").sort("period")
    eff = y1.mean() - y0.mean()
    assert rows["effect"][2] == pytest.approx(eff, rel=1e-12)
    assert rows["naive_ci_low"][2] == pytest.approx(eff - 1.959963985 * np.sqrt(var))
    # the reported sequence is the running intersection, so it is inside this look's
    assert rows["ci_low"][2] >= eff - half - 1e-9 and rows["ci_high"][2] <= eff + half + 1e-9
    assert (rows["ci_high"] - rows["ci_low"]).is_sorted(descending=True)
    assert rows["p_value"].is_sorted(descending=True)
    with pytest.raises(CxDataError, match="'proportion', 'mean'"):
        ex.monitor(df, control="c", metrics={"aht": "nps"}, period="week")
