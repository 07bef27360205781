"""Tests for cxkit.metrics: every interval against an independent reference."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from cxkit import CxDataError
from cxkit.metrics import (
    agresti_coull_interval,
    benjamini_hochberg,
    holm,
    kish_n_eff,
    mean_interval,
    nps_interval,
    summarize,
    wilson_interval,
)

Z = stats.norm.isf(0.025)


def test_wilson_matches_statsmodels_to_1e9():
    x = np.array([0, 1, 7, 45, 99, 100, 3, 500])
    n = np.array([10, 10, 30, 100, 100, 100, 1000, 1000])
    for alpha in (0.05, 0.10, 0.01):
        lo, hi = wilson_interval(x, n, alpha=alpha)
        # reference: statsmodels proportion_confint(method="wilson")
        rlo, rhi = proportion_confint(x, n, alpha=alpha, method="wilson")
        np.testing.assert_allclose(lo, rlo, atol=1e-9, rtol=0)
        np.testing.assert_allclose(hi, rhi, atol=1e-9, rtol=0)
    # scalar in → float out; n = 0 → NaN, no crash
    lo, hi = wilson_interval(45, 100)
    assert isinstance(lo, float) and lo == pytest.approx(0.3561, abs=1e-4)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_agresti_coull_matches_statsmodels():
    x = np.array([1, 7, 45, 99, 500])
    n = np.array([10, 30, 100, 100, 1000])
    lo, hi = agresti_coull_interval(x, n)
    # reference: statsmodels proportion_confint(method="agresti_coull") (clipped to [0, 1])
    rlo, rhi = proportion_confint(x, n, alpha=0.05, method="agresti_coull")
    np.testing.assert_allclose(lo, np.clip(rlo, 0, 1), atol=1e-12)
    np.testing.assert_allclose(hi, np.clip(rhi, 0, 1), atol=1e-12)


def test_nps_adjusted_wald_matches_rocks_2016_hand_computation():
    pro, pas, det = 50, 30, 20
    est, lo, hi = nps_interval(pro, pas, det)
    # Rocks (2016), "Interval estimation for the 'net promoter score'", The American
    # Statistician 70(4): add 3/4 to promoters and detractors, n + 3, Wald around that.
    n_a = 100 + 3
    pp, pd = (50 + 0.75) / n_a, (20 + 0.75) / n_a
    centre = pp - pd
    se = math.sqrt((pp + pd - centre**2) / n_a)
    assert est == pytest.approx(30.0)
    assert lo == pytest.approx(100 * (centre - Z * se), abs=1e-9)
    assert hi == pytest.approx(100 * (centre + Z * se), abs=1e-9)
    assert (round(lo, 2), round(hi, 2)) == (14.05, 44.20)
    # plain Wald: variance (p_pro + p_det - NPS^2)/n
    est, lo, hi = nps_interval(pro, pas, det, method="wald")
    se = math.sqrt((0.5 + 0.2 - 0.3**2) / 100)
    assert lo == pytest.approx(100 * (0.3 - Z * se), abs=1e-9)
    assert hi == pytest.approx(100 * (0.3 + Z * se), abs=1e-9)
    # all promoters: the Wald interval collapses, adjusted Wald does not; clipped at 100
    _, lo_w, hi_w = nps_interval(20, 0, 0, method="wald")
    _, lo_a, hi_a = nps_interval(20, 0, 0)
    assert lo_w == hi_w == 100.0
    assert lo_a < 90 and hi_a == 100.0


def test_mean_interval_matches_scipy_t():
    rng = np.random.default_rng(1)
    x = rng.normal(3.4, 1.2, size=37)
    lo, hi = mean_interval(x.mean(), x.std(ddof=1), x.size)
    # reference: scipy.stats.t.interval
    rlo, rhi = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))
    assert lo == pytest.approx(rlo, abs=1e-12) and hi == pytest.approx(rhi, abs=1e-12)
    # and statsmodels DescrStatsW.tconfint_mean
    from statsmodels.stats.weightstats import DescrStatsW

    slo, shi = DescrStatsW(x).tconfint_mean(alpha=0.05)
    assert (lo, hi) == pytest.approx((slo, shi), abs=1e-12)
    assert all(math.isnan(v) for v in mean_interval(3.0, 1.0, 1))


def test_kish_n_eff():
    assert kish_n_eff(np.ones(50)) == 50.0
    # brute force: (1+1+2+4)^2 / (1+1+4+16) = 64/22
    assert kish_n_eff([1, 1, 2, 4]) == pytest.approx(64 / 22)
    with pytest.raises(CxDataError):
        kish_n_eff([1.0, -1.0])


def test_holm_and_bh_match_statsmodels_with_nan():
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 0.2, size=12)
    p[[2, 7]] = np.nan
    ok = ~np.isnan(p)
    # reference: statsmodels multipletests on the non-missing p-values
    for fn, method in ((holm, "holm"), (benjamini_hochberg, "fdr_bh")):
        adj = fn(p)
        ref = multipletests(p[ok], method=method)[1]
        np.testing.assert_allclose(adj[ok], ref, atol=1e-12)
        assert np.isnan(adj[~ok]).all()
    # ties and order preservation
    np.testing.assert_allclose(holm([0.01, 0.01, 0.5]), [0.03, 0.03, 0.5])
    assert holm([]).size == 0


def _brute_share(x, w, lo, hi):
    hit = ((x >= lo) & (x <= hi)).astype(float)
    return float(np.sum(w * hit) / np.sum(w))


def test_summarize_csat_nps_mean_against_brute_force():
    rng = np.random.default_rng(11)
    n = 900
    df = pl.DataFrame(
        {
            "seg": rng.choice(["b", "a", "c"], size=n),
            "csat": rng.integers(1, 6, size=n),
            "nps": rng.integers(0, 11, size=n),
            "ces": rng.integers(1, 8, size=n),
        }
    )
    pdf = {c: df[c].to_numpy() for c in df.columns}
    res = summarize(df.lazy(), "csat", metric="csat", by="seg")
    assert res["seg"].to_list() == ["a", "b", "c"]
    assert res.columns == ["seg", "n", "n_eff", "estimate", "ci_low", "ci_high", "metric"]
    for row in res.iter_rows(named=True):
        m = pdf["seg"] == row["seg"]
        k = int(np.sum(pdf["csat"][m] >= 4))
        assert row["n"] == m.sum() and row["estimate"] == pytest.approx(k / m.sum())
        # reference: statsmodels Wilson on the raw counts
        rlo, rhi = proportion_confint(k, m.sum(), method="wilson")
        assert row["ci_low"] == pytest.approx(rlo, abs=1e-9)
        assert row["ci_high"] == pytest.approx(rhi, abs=1e-9)
    # CSAT on 0–10 with a 3-point top box
    r = summarize(df, "nps", metric="csat", scale=(0, 10), top_box=3).row(0, named=True)
    assert r["estimate"] == pytest.approx(np.mean(pdf["nps"] >= 8))
    # NPS: brute force from counts
    r = summarize(df, "nps", metric="nps").row(0, named=True)
    pro, det = np.sum(pdf["nps"] >= 9), np.sum(pdf["nps"] <= 6)
    assert r["estimate"] == pytest.approx(100 * (pro - det) / n)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(
        nps_interval(pro, n - pro - det, det)[1:], abs=1e-9
    )
    # CES: mean, % agree (5–7) and net (agree − disagree), each labelled
    r = summarize(df, "ces", metric="ces").row(0, named=True)
    assert r["metric"] == "ces_mean" and r["estimate"] == pytest.approx(pdf["ces"].mean())
    rlo, rhi = stats.t.interval(0.95, n - 1, loc=pdf["ces"].mean(), scale=stats.sem(pdf["ces"]))
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((rlo, rhi), abs=1e-9)
    r = summarize(df, "ces", metric="ces", ces="agree").row(0, named=True)
    assert r["metric"] == "ces_agree" and r["estimate"] == pytest.approx(np.mean(pdf["ces"] >= 5))
    r = summarize(df, "ces", metric="ces", ces="net").row(0, named=True)
    net = np.mean(pdf["ces"] >= 5) - np.mean(pdf["ces"] <= 3)
    assert r["metric"] == "ces_net" and r["estimate"] == pytest.approx(net)


def test_summarize_weights_change_n_eff_and_estimate():
    rng = np.random.default_rng(5)
    n = 400
    x = rng.integers(1, 6, size=n).astype(float)
    w = rng.gamma(2.0, 1.0, size=n)
    df = pl.DataFrame({"csat": x, "w": w})
    unw = summarize(df, "csat", metric="csat").row(0, named=True)
    wtd = summarize(df, "csat", metric="csat", weight="w").row(0, named=True)
    assert unw["n_eff"] == n
    # brute force Kish
    assert wtd["n"] == n and wtd["n_eff"] == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert wtd["n_eff"] < n
    assert wtd["estimate"] == pytest.approx(_brute_share(x, w, 4, 5))
    lo, hi = wilson_interval(wtd["estimate"] * wtd["n_eff"], wtd["n_eff"])
    assert (wtd["ci_low"], wtd["ci_high"]) == pytest.approx((lo, hi))
    # weighted mean: estimate = Σwx/Σw, SE = weighted sd / sqrt(n_eff)
    m = summarize(df, "csat", metric="mean", weight="w").row(0, named=True)
    mu = np.average(x, weights=w)
    sd = math.sqrt(np.sum(w * (x - mu) ** 2) / w.sum() * n / (n - 1))
    lo, hi = stats.t.interval(0.95, m["n_eff"] - 1, loc=mu, scale=sd / math.sqrt(m["n_eff"]))
    assert m["estimate"] == pytest.approx(mu)
    assert (m["ci_low"], m["ci_high"]) == pytest.approx((lo, hi))


def test_summarize_bad_input_and_empty():
    df = pl.DataFrame({"csat": [1, 5, 7, None], "seg": ["a", "a", "b", "b"]})
    with pytest.raises(CxDataError, match="within 1–5") as ei:
        summarize(df, "csat", metric="csat")
    assert ei.value.n_rows == 1
    with pytest.raises(CxDataError, match="missing"):
        summarize(df, "csatt", metric="csat")
    with pytest.raises(CxDataError, match="numeric"):
        summarize(df, "seg", metric="mean")
    before = df.clone()
    # nulls are not counted; empty input gives n = 0 and null estimates, no crash
    r = summarize(df.filter(pl.col("seg") == "a"), "csat", metric="csat").row(0, named=True)
    assert r["n"] == 2 and r["estimate"] == 0.5
    r = summarize(df.head(0), "csat", metric="csat").row(0, named=True)
    assert r["n"] == 0 and r["estimate"] is None and r["ci_low"] is None
    assert df.equals(before)


@pytest.mark.slow
def test_interval_coverage_by_simulation():
    """Wilson and adjusted-Wald NPS cover ~95 % (fixed seed, 20,000 replicates each)."""
    rng = np.random.default_rng(2024)
    reps, n = 20_000, 60
    x = rng.binomial(n, 0.15, size=reps)
    lo, hi = wilson_interval(x, n)
    cover = np.mean((lo <= 0.15) & (hi >= 0.15))
    assert 0.93 < cover < 0.97
    probs = np.array([0.45, 0.30, 0.25])  # true NPS = 20
    counts = rng.multinomial(n, probs, size=reps)
    _, lo, hi = nps_interval(counts[:, 0], counts[:, 1], counts[:, 2])
    cover = np.mean((lo <= 20) & (hi >= 20))
    assert 0.93 < cover < 0.97


def test_newcombe_interval_and_two_proportion_p_match_statsmodels():
    # reference: statsmodels confint_proportions_2indep(method="newcomb") and
    # proportions_ztest (pooled z), evaluated one pair at a time
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    from cxkit.metrics import newcombe_interval, two_proportion_p

    rng = np.random.default_rng(7)
    n0, n1 = rng.integers(5, 400, 50), rng.integers(5, 400, 50)
    x0, x1 = rng.binomial(n0, 0.3), rng.binomial(n1, 0.4)
    lo, hi = newcombe_interval(x0, n0, x1, n1, alpha=0.1)
    p = two_proportion_p(x0, n0, x1, n1)
    for i in range(50):
        ref = confint_proportions_2indep(x1[i], n1[i], x0[i], n0[i], method="newcomb", alpha=0.1)
        assert (lo[i], hi[i]) == pytest.approx(ref, abs=1e-12)
        _, ref_p = proportions_ztest([x1[i], x0[i]], [n1[i], n0[i]])
        assert p[i] == pytest.approx(ref_p, abs=1e-12)
    # no variance at all: no evidence of a difference; an empty group: no interval
    assert two_proportion_p(0, 10, 0, 12) == 1.0
    assert all(np.isnan(newcombe_interval(0, 0, 3, 10)))
