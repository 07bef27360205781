"""Tests of cxkit.experiment against independent references (each named next to its assertion)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.nonparametric import rank_compare_2ordinal
from statsmodels.stats.proportion import confint_proportions_2indep

import cxkit as cx
from cxkit import CxDataError
from cxkit import experiment as ex
from cxkit.sample.experiment import PLANTED, make_experiment

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
COOKIE = DATASETS / "cookie_cats.csv"


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    return make_experiment()


@pytest.fixture(scope="module")
def cookie() -> pl.LazyFrame:
    return cx.read_experiment(COOKIE, unit="userid", arm="version")


# ----------------------------------------------------------------------------- Cookie Cats
def test_cookie_cats_reproduces_published_numbers(cookie):
    res = ex.analyze(
        cookie,
        control="gate_30",
        metrics={"retention_1": "proportion", "retention_7": "proportion"},
        correction="none",
    )
    eff = {r["metric"]: r for r in res.effects.iter_rows(named=True)}
    r7, r1 = eff["retention_7"], eff["retention_1"]
    # Published (shared/datasets/README.md): n = 44,700 vs 45,489
    assert (r7["n_control"], r7["n_treatment"]) == (44700, 45489)
    # Published: 7-day retention 19.02 % vs 18.20 %, two-proportion z-test p ≈ 0.0016
    assert r7["control_value"] == pytest.approx(0.1902, abs=5e-5)
    assert r7["treatment_value"] == pytest.approx(0.1820, abs=5e-5)
    assert r7["p_value"] == pytest.approx(0.0016, abs=5e-5)
    # Published: 1-day retention 44.82 % vs 44.23 %, p ≈ 0.074 (not significant)
    assert r1["control_value"] == pytest.approx(0.4482, abs=5e-5)
    assert r1["treatment_value"] == pytest.approx(0.4423, abs=5e-5)
    assert r1["p_value"] == pytest.approx(0.074, abs=5e-4)
    assert r1["decision"] == "no_detectable_change" and r7["decision"] == "worse"
    # Published: the SRM check passes at alpha = 0.001
    chk = res.checks.row(0, named=True)
    assert chk["check"] == "sample_ratio" and not chk["alarm"]
    # scipy.stats.chisquare([44700, 45489]) (goodness of fit to 50/50): p = 0.008608
    assert chk["p_value"] == pytest.approx(0.008608, abs=1e-6)


def test_proportion_matches_prop_test_and_newcombe(cookie):
    res = ex.analyze(cookie, control="gate_30", metrics={"retention_7": "proportion"})
    row = res.effects.row(0, named=True)
    x0, n0, x1, n1 = 8502, 44700, 8279, 45489  # counts of retention_7 == TRUE per arm
    assert row["control_value"] * n0 == pytest.approx(x0)
    assert row["treatment_value"] * n1 == pytest.approx(x1)
    # R prop.test(c(x1, x0), c(n1, n0), correct = FALSE) is Pearson's chi-square on the 2x2
    # table: scipy.stats.chi2_contingency(correction=False) computes the same statistic.
    table = np.array([[x1, n1 - x1], [x0, n0 - x0]])
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    assert row["p_value"] == pytest.approx(p, rel=1e-10)
    assert chi2 == pytest.approx(10.01, abs=0.01)  # its X-squared, p = 0.001554
    # statsmodels confint_proportions_2indep(method="newcomb") (Newcombe hybrid score)
    lo, hi = confint_proportions_2indep(x1, n1, x0, n0, method="newcomb", compare="diff")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), rel=1e-10)


def test_small_samples_use_fisher_exact():
    df = pl.DataFrame({"arm": ["a"] * 12 + ["b"] * 12, "y": [1] * 1 + [0] * 11 + [1] * 6 + [0] * 6})
    res = ex.analyze(df, control="a", metrics={"y": "proportion"})
    # scipy.stats.fisher_exact([[6, 6], [1, 11]]) two-sided
    assert res.effects["p_value"][0] == pytest.approx(stats.fisher_exact([[6, 6], [1, 11]]).pvalue)
    assert res.details["method"][0] == "newcombe_ci_fisher_exact"


# ----------------------------------------------------------------------------- means, NPS, ordinal
def test_mean_is_welch(cookie):
    res = ex.analyze(cookie, control="gate_30", metrics={"sum_gamerounds": "mean"})
    row = res.effects.row(0, named=True)
    df = cookie.collect()
    a = df.filter(pl.col("arm") == "gate_30")["sum_gamerounds"].to_numpy()
    b = df.filter(pl.col("arm") == "gate_40")["sum_gamerounds"].to_numpy()
    ref = stats.ttest_ind(b, a, equal_var=False)  # scipy Welch t-test
    ci = ref.confidence_interval(0.95)
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert row["effect"] == pytest.approx(b.mean() - a.mean(), rel=1e-12)


def test_nps_trinomial_by_hand():
    rng = np.random.default_rng(3)
    arm = np.repeat(["old", "new"], [400, 500])
    score = np.concatenate([rng.integers(0, 11, 400), np.clip(rng.integers(0, 11, 500) + 1, 0, 10)])
    res = ex.analyze(
        pl.DataFrame({"arm": arm, "nps": score}), control="old", metrics={"nps": "nps"}
    )
    row = res.effects.row(0, named=True)
    # hand calculation: NPS = 100 (P − D); Var = 100² (P + D − (P − D)²) / n per arm
    vals = {}
    for a in ("old", "new"):
        s = score[arm == a]
        p, d = (s >= 9).mean(), (s <= 6).mean()
        vals[a] = (100 * (p - d), 1e4 * (p + d - (p - d) ** 2) / len(s))
    eff = vals["new"][0] - vals["old"][0]
    se = np.sqrt(vals["new"][1] + vals["old"][1])
    assert row["control_value"] == pytest.approx(vals["old"][0])
    assert row["effect"] == pytest.approx(eff)
    assert row["ci_high"] - row["effect"] == pytest.approx(stats.norm.isf(0.025) * se)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(eff / se)))


def test_ordinal_probability_of_superiority():
    rng = np.random.default_rng(5)
    old = rng.choice(5, 300, p=[0.1, 0.15, 0.3, 0.3, 0.15]) + 1
    new = rng.choice(5, 280, p=[0.05, 0.1, 0.3, 0.35, 0.2]) + 1
    df = pl.DataFrame({"arm": ["old"] * 300 + ["new"] * 280, "csat": np.concatenate([old, new])})
    row = ex.analyze(df, control="old", metrics={"csat": "ordinal"}).effects.row(0, named=True)
    # brute force over all pairs: P(new > old) + ½ P(new = old)
    diff = new[:, None] - old[None, :]
    brute = (diff > 0).mean() + 0.5 * (diff == 0).mean()
    assert row["treatment_value"] == pytest.approx(brute, rel=1e-12)
    assert row["effect"] == pytest.approx(brute - 0.5, rel=1e-12)
    # statsmodels rank_compare_2ordinal on the category counts, and scipy Brunner–Munzel
    ref = rank_compare_2ordinal(
        np.bincount(new, minlength=6)[1:], np.bincount(old, minlength=6)[1:]
    )
    assert row["p_value"] == pytest.approx(ref.test_prob_superior().pvalue, rel=1e-9)
    assert row["p_value"] == pytest.approx(stats.brunnermunzel(new, old).pvalue, rel=1e-6)


# ----------------------------------------------------------------------------- ratio, CUPED
def test_ratio_delta_method_by_hand(sample):
    spec = {"cpo": {"column": "contacts", "denominator": "orders", "higher_is_better": False}}
    res = ex.analyze(sample, control="control", metrics=spec, ignore_clusters=True)
    row = res.effects.row(0, named=True)
    out = {}
    for a in ("control", "new_script"):
        d = sample.filter(pl.col("arm") == a)
        y, x = d["contacts"].to_numpy().astype(float), d["orders"].to_numpy().astype(float)
        r = y.sum() / x.sum()
        c = np.cov(y, x)  # sample covariance (n − 1)
        # delta method: Var(ȳ/x̄) ≈ (σy² − 2rσxy + r²σx²) / (n μx²)
        var = (c[0, 0] - 2 * r * c[0, 1] + r**2 * c[1, 1]) / (len(y) * x.mean() ** 2)
        out[a] = (r, var)
    assert row["metric"] == "cpo"  # the dict key names the metric
    assert row["effect"] == pytest.approx(out["new_script"][0] - out["control"][0], rel=1e-12)
    se = np.sqrt(out["new_script"][1] + out["control"][1])
    assert res.details["se"][0] == pytest.approx(se, rel=1e-9)


def test_cuped_equals_ancova_point_estimate(sample):
    res = ex.analyze(
        sample,
        control="control",
        metrics={"handle_time": "mean"},
        covariates={"handle_time": "pre_handle_time"},
        ignore_clusters=True,
    )
    row, det = res.effects.row(0, named=True), res.details.row(0, named=True)
    t = (sample["arm"] == "new_script").cast(pl.Float64).to_numpy()
    z = sample["pre_handle_time"].to_numpy()
    y = sample["handle_time"].to_numpy()
    # statsmodels OLS y ~ T + z: the coefficient of T is the CUPED effect with the pooled
    # within-arm slope
    fit = sm.OLS(y, np.column_stack([np.ones_like(t), t, z])).fit()
    assert row["effect"] == pytest.approx(fit.params[1], rel=1e-9)
    # variance reduction ≈ squared within-arm correlation of y and z (by hand)
    yc = y - np.where(t == 1, y[t == 1].mean(), y[t == 0].mean())
    zc = z - np.where(t == 1, z[t == 1].mean(), z[t == 0].mean())
    rho2 = np.corrcoef(yc, zc)[0, 1] ** 2
    assert det["var_reduction"] == pytest.approx(rho2, abs=0.01)
    assert det["var_reduction"] > 0.3


# ----------------------------------------------------------------------------- clusters
def test_cluster_robust_cr1_matches_statsmodels(sample):
    res = ex.analyze(
        sample,
        control="control",
        metrics={"handle_time": "mean"},
        cluster="agent_id",
        inference="cr1",
    )
    row, det = res.effects.row(0, named=True), res.details.row(0, named=True)
    t = (sample["arm"] == "new_script").cast(pl.Float64).to_numpy()
    groups = sample["agent_id"].cast(pl.Categorical).to_physical().to_numpy()
    # statsmodels OLS(y ~ T).fit(cov_type="cluster") with CR1 and t(G − 1) inference
    fit = sm.OLS(sample["handle_time"].to_numpy(), sm.add_constant(t)).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )
    assert row["effect"] == pytest.approx(fit.params[1], rel=1e-10)
    assert det["se"] == pytest.approx(fit.bse[1], rel=1e-10)
    assert row["p_value"] == pytest.approx(fit.pvalues[1], rel=1e-8)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(tuple(fit.conf_int()[1]), rel=1e-10)
    assert det["n_clusters"] == 200 and det["df"] == 199
    assert det["method"] == "cr1, t(199)"
    # the default with 200 clusters: CR2 + Bell-McCaffrey df decides, a little wider than CR1
    auto = ex.analyze(
        sample, control="control", metrics={"handle_time": "mean"}, cluster="agent_id"
    )
    d2 = auto.details.row(0, named=True)
    assert d2["method"].startswith("cr2, Bell-McCaffrey df") and d2["n_assignments"] is None
    assert fit.bse[1] < d2["se"] < 1.01 * fit.bse[1] and 150 < d2["df"] < 199


def test_icc_matches_anova_by_hand():
    rng = np.random.default_rng(9)
    g = np.repeat(np.arange(60), rng.integers(5, 40, 60))
    arm = np.where(g % 2 == 0, "a", "b")
    y = rng.normal(size=60)[g] * 0.5 + rng.normal(size=len(g))
    res = ex.analyze(
        pl.DataFrame({"arm": arm, "g": g, "y": y}), control="a", metrics={"y": "mean"}, cluster="g"
    )
    # one-way ANOVA ICC with arm means removed, written out with numpy
    df = pl.DataFrame({"g": g, "y": y, "arm": arm})
    cm = df.group_by("g").agg(
        pl.len().alias("n"), pl.col("y").mean().alias("m"), pl.col("arm").first()
    )
    am = df.group_by("arm").agg(pl.col("y").mean().alias("am"))
    cm = cm.join(am, on="arm")
    ssb = float((cm["n"] * (cm["m"] - cm["am"]) ** 2).sum())
    within = df.join(cm.select("g", "m"), on="g")
    ssw = float(((within["y"] - within["m"]) ** 2).sum())
    n, k = len(y), 60
    msb, msw = ssb / (k - 2), ssw / (n - k)
    # clusters are nested in arms: n0 = (N − Σ_arms Σ_i n_i² / N_arm) / (G − arms)
    # (nested one-way ANOVA, Sokal & Rohlf, Biometry, §10.3)
    sq = cm.group_by("arm").agg(((pl.col("n") ** 2).sum() / pl.col("n").sum()).alias("q"))
    n0 = (n - sq["q"].sum()) / (k - 2)
    icc = (msb - msw) / (msb + (n0 - 1) * msw)
    assert res.details["icc"][0] == pytest.approx(icc, rel=1e-9)
    assert 0.1 < icc < 0.4


def test_planted_effects_recovered_with_clusters_and_iid_too_narrow(sample):
    metrics = {
        "resolved": "proportion",
        "repeat_contact": {"kind": "proportion", "higher_is_better": False},
        "handle_time": {"kind": "mean", "higher_is_better": False, "covariate": "pre_handle_time"},
        "cpo": {"column": "contacts", "denominator": "orders", "higher_is_better": False},
        "csat": "mean",
        "nps": "nps",
    }
    truth = [
        PLANTED[k]
        for k in (
            "resolved",
            "repeat_contact",
            "handle_time",
            "contacts_per_order",
            "csat_mean",
            "nps_points",
        )
    ]
    clu = ex.analyze(sample, control="control", metrics=metrics, cluster="agent_id")
    iid = ex.analyze(sample, control="control", metrics=metrics, ignore_clusters=True)
    lo, hi = clu.effects["ci_low"].to_numpy(), clu.effects["ci_high"].to_numpy()
    # the planted truth (cxkit.sample.experiment.PLANTED) lies inside every cluster-robust CI
    assert np.all((lo < truth) & (truth < hi)), clu.effects
    width_ratio = (hi - lo) / (iid.effects["ci_high"] - iid.effects["ci_low"]).to_numpy()
    assert np.all(width_ratio > 1.2)  # ignoring clusters gives visibly too narrow CIs
    assert np.allclose(width_ratio**2, clu.details["design_effect"].to_numpy(), rtol=0.05)
    assert clu.details["icc"].min() > 0
    assert clu.effects["decision"].to_list()[:3] == ["better", "better", "better"]


def test_cluster_column_must_be_explicit(sample):
    df = sample.rename({"agent_id": "cluster"})
    with pytest.raises(cx.CxDataError, match="ignore_clusters=True"):
        ex.analyze(df, control="control", metrics={"resolved": "proportion"})
    res = ex.analyze(
        df, control="control", metrics={"resolved": "proportion"}, ignore_clusters=True
    )
    assert res.details["n_clusters"][0] is None


# ----------------------------------------------------------------------------- families, arms, guardrails
def test_multi_arm_integer_labels_and_holm():
    rng = np.random.default_rng(1)
    arm = np.repeat([0, 1, 2], 3000)
    y = rng.normal(10 + 0.08 * arm, 1.0)
    z = (rng.random(9000) < 0.3 + 0.01 * arm).astype(int)
    df = pl.DataFrame({"arm": arm, "y": y, "z": z})
    res = ex.analyze(df, control=0, metrics={"y": "mean", "z": "proportion"})
    e = res.effects
    assert e.columns == ex.EFFECT_COLUMNS
    assert e["arm"].to_list() == ["1", "2", "1", "2"] and e["metric"].to_list() == [
        "y",
        "y",
        "z",
        "z",
    ]
    # statsmodels multipletests(method="holm") over the family (4 primary tests)
    assert e["p_adj"].to_list() == pytest.approx(
        multipletests(e["p_value"].to_numpy(), method="holm")[1].tolist()
    )
    bh = ex.analyze(
        df, control=0, metrics={"y": "mean", "z": "proportion"}, correction="bh", family="metric"
    )
    for metric in ("y", "z"):
        sub = bh.effects.filter(pl.col("metric") == metric)
        ref = multipletests(sub["p_value"].to_numpy(), method="fdr_bh")[1]  # statsmodels BH
        assert sub["p_adj"].to_list() == pytest.approx(ref.tolist())


def test_guardrail_non_inferiority_decisions(sample):
    metrics = {
        "resolved": "proportion",
        "repeat_contact": {"kind": "proportion", "higher_is_better": False},
    }
    wide = ex.analyze(
        sample,
        control="control",
        metrics=metrics,
        cluster="agent_id",
        guardrails={"repeat_contact": 0.02},
    )
    row = wide.effects.row(1, named=True)
    assert wide.details["role"].to_list() == ["primary", "guardrail"]
    assert row["ci_high"] < 0.02 and row["decision"] == "within_margin"
    # guardrails form their own family: p_adj equals p_value for the single guardrail
    assert row["p_adj"] == pytest.approx(row["p_value"])
    # no effect on the response rate: within a 5-point margin, inconclusive for 0.1 point
    flat = {"responded": {"kind": "proportion", "role": "guardrail"}}
    loose = ex.analyze(
        sample, control="control", metrics=flat, cluster="agent_id", guardrails={"responded": 0.05}
    )
    tight = ex.analyze(
        sample, control="control", metrics=flat, cluster="agent_id", guardrails={"responded": 0.001}
    )
    assert loose.effects["decision"][0] == "within_margin"
    assert tight.effects["decision"][0] == "inconclusive"
    # a harmful change on a guardrail: swap the arms
    harm = ex.analyze(
        sample,
        control="new_script",
        metrics=metrics,
        cluster="agent_id",
        guardrails={"repeat_contact": 0.02},
    )
    assert harm.effects["decision"].to_list() == ["worse", "worse"]


def test_segments_corrected_over_segments(sample):
    res = ex.analyze(
        sample,
        control="control",
        metrics={"resolved": "proportion"},
        cluster="agent_id",
        segment="channel",
    )
    seg = res.segments
    assert seg["segment"].to_list() == ["chat", "email", "phone"]
    assert seg["n_control"].sum() == res.effects["n_control"][0]
    ref = multipletests(seg["p_value"].to_numpy(), method="holm")[
        1
    ]  # statsmodels Holm over 3 segments
    assert seg["p_adj"].to_list() == pytest.approx(ref.tolist())


# ----------------------------------------------------------------------------- checks
def test_srm_alarm_and_expected_shares():
    df = pl.DataFrame({"arm": ["a"] * 10000 + ["b"] * 10500})
    s = ex.srm(df)
    # scipy.stats.chisquare([10000, 10500]) p = 0.000477 → alarm at 0.001
    assert s["p_value"][0] == pytest.approx(stats.chisquare([10000, 10500]).pvalue)
    assert s["alarm"].all()
    ok = ex.srm(df, expected={"a": 0.49, "b": 0.51})
    # scipy.stats.chisquare(f_exp = 20500 · (0.49, 0.51))
    assert ok["p_value"][0] == pytest.approx(stats.chisquare([10000, 10500], [10045, 10455]).pvalue)
    assert not ok["alarm"].any()


def test_response_balance_checked_first(sample):
    biased = sample.with_columns(
        pl.when(pl.col("arm") == "new_script")
        .then(pl.col("responded") | (pl.col("unit_id").str.slice(-1) == "0"))
        .otherwise(pl.col("responded"))
        .alias("responded")
    )
    res = ex.analyze(biased, control="control", metrics={"csat": "mean"}, cluster="agent_id")
    assert res.checks["check"].to_list() == ["sample_ratio", "response_rate"]
    rb = res.response
    r = rb["n_responded"].to_numpy()
    n = rb["n"].to_numpy()
    # scipy chi2_contingency(correction=False) on responded / not responded × arm
    ref = stats.chi2_contingency(np.stack([r, n - r], axis=1), correction=False)[1]
    assert res.checks["p_value"][1] == pytest.approx(ref)
    assert res.alarm and res.checks["alarm"][1]
    assert ex.decision_summary(res)[1].startswith("WARNING")


# ----------------------------------------------------------------------------- API behaviour
def test_from_aggregates_equals_analyze_and_inputs_untouched(sample):
    metrics = {"resolved": "proportion", "handle_time": "mean", "nps": "nps"}
    before = sample.clone()
    shuffled = sample.sample(fraction=1.0, shuffle=True, seed=2)
    direct = ex.analyze(shuffled.lazy(), control="control", metrics=metrics, cluster="agent_id")
    agg = ex.aggregate(sample, metrics=metrics, cluster="agent_id")
    via = ex.from_aggregates(agg, control="control", metrics=metrics)
    num = [
        "control_value",
        "treatment_value",
        "effect",
        "rel_effect",
        "rel_ci_low",
        "rel_ci_high",
        "ci_low",
        "ci_high",
        "p_value",
        "p_adj",
    ]
    assert direct.effects.drop(num).equals(via.effects.drop(num))
    for c in num:
        assert np.allclose(direct.effects[c].to_numpy(), via.effects[c].to_numpy(), rtol=1e-9)
    pandas_res = ex.analyze(
        sample.to_pandas(), control="control", metrics=metrics, cluster="agent_id"
    )
    assert np.allclose(
        pandas_res.effects["p_value"].to_numpy(), direct.effects["p_value"].to_numpy()
    )
    assert sample.equals(before)


def test_bad_input_raises_clear_errors(sample):
    with pytest.raises(cx.CxDataError, match="control arm 'treatment'"):
        ex.analyze(
            sample, control="treatment", metrics={"resolved": "proportion"}, ignore_clusters=True
        )
    with pytest.raises(cx.CxDataError, match="0/1 or TRUE/FALSE"):
        ex.analyze(
            sample, control="control", metrics={"handle_time": "proportion"}, ignore_clusters=True
        )
    with pytest.raises(cx.CxDataError, match="numeric or Boolean"):
        ex.analyze(sample, control="control", metrics={"channel": "mean"}, ignore_clusters=True)
    with pytest.raises(cx.CxDataError, match="missing"):
        ex.analyze(sample, control="control", metrics={"handle_tme": "mean"}, ignore_clusters=True)
    with pytest.raises(cx.CxDataError, match="only one arm"):
        ex.analyze(
            sample.filter(pl.col("arm") == "control"),
            control="control",
            metrics={"resolved": "proportion"},
            ignore_clusters=True,
        )


def test_empty_arm_for_a_metric_gives_null_not_crash():
    df = pl.DataFrame({"arm": ["a"] * 5 + ["b"] * 5, "csat": [4, 5, 3, 4, 5] + [None] * 5})
    res = ex.analyze(df, control="a", metrics={"csat": "mean"}, responded=None)
    row = res.effects.row(0, named=True)
    assert row["n_treatment"] == 0 and row["effect"] is None and row["decision"] == "inconclusive"


def test_nan_values_raise_and_real_csv_quirks(tmp_path):
    df = pl.DataFrame({"arm": ["a", "b"] * 3, "y": [1.0, float("nan"), 2.0, 3.0, 1.0, 2.0]})
    with pytest.raises(cx.CxDataError, match="NaN"):
        ex.analyze(df, control="a", metrics={"y": "mean"})
    # a CSV whose column is 0/1 for 2,000 rows and then has decimals, booleans as TRUE/FALSE
    n = 2400
    y = ["0", "1"] * 1000 + ["2.5", "0.5"] * 200
    flag = ["TRUE", "FALSE", "FALSE"] * (n // 3)
    arm = ["old", "new"] * (n // 2)
    lines = ["unit,arm,y,flag"] + [
        f"{i},{a},{v},{f}" for i, (a, v, f) in enumerate(zip(arm, y, flag, strict=True))
    ]
    path = tmp_path / "units.csv"
    path.write_text("\r\n".join(lines) + "\r\n")
    data = cx.read_experiment(path, unit="unit", arm="arm")
    res = ex.analyze(data, control="old", metrics={"y": "mean", "flag": "proportion"})
    vals = np.array(y, dtype=float)
    arms = np.array(arm)
    # hand calculation of both arm means from the raw strings
    assert res.effects["effect"][0] == pytest.approx(
        vals[arms == "new"].mean() - vals[arms == "old"].mean()
    )
    flags = np.array(flag) == "TRUE"
    assert res.effects["treatment_value"][1] == pytest.approx(flags[arms == "new"].mean())


def test_from_aggregates_nps_from_warehouse_counts():
    # promoters / passives / detractors per arm, as a warehouse query would return them
    counts = {"old": (300, 400, 300), "new": (380, 380, 240)}
    agg = pl.DataFrame(
        {
            "metric": ["nps", "nps"],
            "arm": ["old", "new"],
            "n_units": [1000, 1000],
            "n": [sum(counts["old"]), sum(counts["new"])],
            "sum": [float(counts[a][0] - counts[a][2]) for a in ("old", "new")],
            "sum_sq": [float(counts[a][0] + counts[a][2]) for a in ("old", "new")],
        }
    )
    row = ex.from_aggregates(agg, control="old", metrics={"nps": "nps"}).effects.row(0, named=True)
    # hand calculation: NPS old = 0, new = 14 points; trinomial SE by hand
    var = sum(1e4 * (p + d - (p - d) ** 2) / 1000 for p, d in ((0.3, 0.3), (0.38, 0.24)))
    assert (row["control_value"], row["treatment_value"], row["effect"]) == pytest.approx(
        (0.0, 14.0, 14.0)
    )
    assert row["ci_low"] == pytest.approx(14.0 - stats.norm.isf(0.025) * np.sqrt(var))


def test_proportional_odds_matches_statsmodels_and_2x2_odds_ratio():
    import pandas as pd
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    rng = np.random.default_rng(5)
    old = rng.choice(5, 300, p=[0.1, 0.15, 0.3, 0.3, 0.15]) + 1
    new = rng.choice(5, 280, p=[0.05, 0.1, 0.3, 0.35, 0.2]) + 1
    df = pl.DataFrame({"arm": ["old"] * 300 + ["new"] * 280, "csat": np.concatenate([old, new])})
    row = ex.proportional_odds(df, column="csat", control="old").row(0, named=True)
    # statsmodels OrderedModel(distr="logit") fitted on the unit-level data
    y = pd.Series(pd.Categorical(np.concatenate([old, new]), ordered=True))
    fit = OrderedModel(
        y, pd.DataFrame({"t": np.r_[np.zeros(300), np.ones(280)]}), distr="logit"
    ).fit(method="bfgs", disp=False)
    assert row["log_odds_ratio"] == pytest.approx(fit.params["t"], rel=1e-3)
    assert row["se"] == pytest.approx(fit.bse["t"], rel=1e-3)
    assert row["p_value"] == pytest.approx(fit.pvalues["t"], rel=1e-2)
    # two categories: the model is a logistic regression, β = log cross-product odds ratio
    two = pl.DataFrame(
        {"arm": ["a"] * 100 + ["b"] * 100, "ok": [1] * 30 + [0] * 70 + [1] * 45 + [0] * 55}
    )
    r2 = ex.proportional_odds(two, column="ok", control="a").row(0, named=True)
    assert r2["odds_ratio"] == pytest.approx((45 * 70) / (55 * 30), rel=1e-5)
    # Woolf SE of the log odds ratio: sqrt(1/a + 1/b + 1/c + 1/d)
    assert r2["se"] == pytest.approx(np.sqrt(1 / 45 + 1 / 55 + 1 / 30 + 1 / 70), rel=1e-4)


def test_nps_nan_rating_is_an_error_not_a_promoter():
    # polars orders NaN above every number: a naive `x >= 9` recode would count it as a promoter
    df = pl.DataFrame(
        {"arm": ["a"] * 4 + ["b"] * 4, "nps": [10.0, 0, 5, float("nan"), 10, 10, 3, 8]}
    )
    with pytest.raises(CxDataError, match="NaN"):
        cx.experiment.analyze(df, control="a", metrics={"nps": "nps"})
    ok = df.with_columns(pl.col("nps").fill_nan(None))
    eff = cx.experiment.analyze(ok, control="a", metrics={"nps": "nps"}).effects
    # by hand: control (10, 0, 5) → (1 promoter − 2 detractors) / 3 = −33.3 points, n = 3
    assert eff["n_control"][0] == 3
    assert eff["control_value"][0] == pytest.approx(-100 / 3)


# ----------------------------------------------------------------------------- one vocabulary
def test_by_replaces_segment_and_takes_a_list(sample):
    metrics = {"resolved": "proportion"}
    new = ex.analyze(sample, control="control", metrics=metrics, cluster="agent_id", by="channel")
    with pytest.warns(DeprecationWarning, match="use by= instead"):
        old = ex.analyze(
            sample, control="control", metrics=metrics, cluster="agent_id", segment="channel"
        )
    assert new.segments.equals(old.segments)
    two = ex.analyze(
        sample, control="control", metrics=metrics, ignore_clusters=True, by=["channel", "arm"]
    )
    assert "chat / control" in two.segments["segment"].to_list()
    with pytest.warns(DeprecationWarning, match="use by= instead"):
        agg = ex.aggregate(sample, metrics=metrics, segment="channel")
    assert agg.equals(ex.aggregate(sample, metrics=metrics, by="channel"))


def test_one_input_adapter_and_correction_choices(sample):
    metrics = {"resolved": "proportion", "csat": "mean"}
    ref = ex.analyze(sample, control="control", metrics=metrics, ignore_clusters=True)
    arrow = ex.analyze(sample.to_arrow(), control="control", metrics=metrics, ignore_clusters=True)
    assert arrow.effects.equals(ref.effects)
    assert (
        ex.srm(sample.to_arrow(), arm="arm")["p_value"][0]
        == ex.srm(sample, arm="arm")["p_value"][0]
    )
    with pytest.raises(CxDataError, match="polars DataFrame or LazyFrame"):
        ex.analyze([1, 2], control="control", metrics=metrics)
    with pytest.raises(CxDataError, match="correction"):
        ex.analyze(
            sample, control="control", metrics=metrics, ignore_clusters=True, correction="fdr"
        )


def test_public_names_kept():
    for name in ("analyze", "from_aggregates", "srm", "Metric", "power"):
        assert hasattr(cx, name)
    for name in (
        "analyze",
        "from_aggregates",
        "aggregate",
        "srm",
        "srm_counts",
        "response_balance",
        "proportional_odds",
        "decision_summary",
        "sample_size",
        "mde",
        "distribution",
        "Metric",
        "Analysis",
        "EFFECT_COLUMNS",
        "KINDS",
    ):
        assert name in ex.__all__ and hasattr(ex, name)
    assert cx.experiment.checks.srm is ex.srm  # public module, not a _private one
