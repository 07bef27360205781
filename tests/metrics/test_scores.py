"""cxkit.metrics.scores: summarize against brute force; inputs, choices and deprecations."""

from __future__ import annotations

import math
import warnings
from functools import partial

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from polars.testing import assert_frame_equal
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cxkit.errors import CxDataError
from cxkit.metrics import (
    DEFAULT_SCALES,
    SCORE_KINDS,
    nps_interval,
    score_kind,
    summarize,
    wilson_interval,
)

# other input types and polars' parallel group_by may differ in the last bits of a sum
assert_same = partial(assert_frame_equal, rel_tol=1e-12, abs_tol=1e-12)

Z = stats.norm.isf(0.025)


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


def test_summarize_accepts_pandas_and_pyarrow_and_rejects_other_types():
    df = pl.DataFrame({"seg": ["a", "b", "a", "b", "a"], "csat": [5, 4, 2, 5, 1]})
    want = summarize(df, "csat", metric="csat", by="seg")
    assert_same(summarize(df.to_pandas(), "csat", metric="csat", by="seg"), want)
    assert_same(summarize(df.to_arrow(), "csat", metric="csat", by="seg"), want)
    assert want["estimate"].to_list() == pytest.approx([1 / 3, 1.0])
    with pytest.raises(CxDataError, match="pandas DataFrame or a pyarrow Table"):
        summarize({"csat": [5, 4]}, "csat")
    with pytest.raises(CxDataError, match="pandas DataFrame or a pyarrow Table"):
        summarize(pa.chunked_array([[5, 4]]), "csat")


def test_proportion_metric_and_the_deprecated_share_name():
    df = pl.DataFrame({"ok": [1, 0, 1, 1, None, 0, 1, 1]})
    res = summarize(df, "ok", metric="proportion").row(0, named=True)
    assert res["metric"] == "proportion" and res["n"] == 7
    assert res["estimate"] == pytest.approx(5 / 7)
    assert (res["ci_low"], res["ci_high"]) == pytest.approx(wilson_interval(5, 7))
    with pytest.warns(DeprecationWarning, match='use metric="proportion"') as rec:
        old = summarize(df, "ok", metric="share")
    assert rec[0].filename == __file__  # the warning points at the caller
    assert_same(old, summarize(df, "ok", metric="proportion"))
    # Boolean columns are proportions too
    b = summarize(pl.DataFrame({"ok": [True, False, True, True]}), "ok", metric="proportion")
    assert b["estimate"].item() == 0.75
    assert "proportion" in SCORE_KINDS and DEFAULT_SCALES["proportion"] == (0, 1)


def test_unknown_metric_or_ces_choice_is_a_data_error_naming_the_choices():
    df = pl.DataFrame({"csat": [5, 4]})
    with pytest.raises(CxDataError, match="'mean', 'csat', 'nps', 'ces', 'proportion'"):
        summarize(df, "csat", metric="median")
    with pytest.raises(CxDataError, match="'mean', 'agree', 'net'"):
        summarize(df, "csat", metric="ces", ces="top")
    with pytest.raises(CxDataError, match="NPS is defined on 0–10"):
        summarize(df, "csat", metric="nps", scale=(1, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert score_kind("nps") == "nps"  # no warning for current names
        # common aliases map to the canonical metric, silently
        assert [score_kind(m) for m in ("top2box", "T2B", "top-box", "avg", "rate")] == [
            "csat", "csat", "csat", "mean", "proportion"
        ]  # fmt: skip
    assert summarize(df, "csat", metric="top2box")["metric"].item() == "csat_top_box"


def test_summarize_se_and_sd_columns():
    x = np.array([1, 0, 1, 1, 0, 1, 1, 1, 0, 1], dtype=float)
    res = summarize(pl.DataFrame({"x": x}), "x", metric="proportion", se=True)
    assert res.columns == ["n", "n_eff", "estimate", "ci_low", "ci_high", "metric", "se", "sd"]
    p = x.mean()
    row = res.row(0, named=True)
    assert row["sd"] == pytest.approx(math.sqrt(p * (1 - p)))
    assert row["se"] == pytest.approx(math.sqrt(p * (1 - p) / x.size))
    m = summarize(pl.DataFrame({"x": x}), "x", metric="mean", se=True).row(0, named=True)
    assert m["sd"] == pytest.approx(np.std(x, ddof=1))
    assert m["se"] == pytest.approx(stats.sem(x))


def test_score_kind_alias_replaces_metric():
    import cxkit.metrics as metrics

    with pytest.warns(DeprecationWarning, match="use cxkit.metrics.ScoreKind"):
        assert metrics.Metric is metrics.ScoreKind
    with pytest.raises(AttributeError):
        metrics.NoSuchName  # noqa: B018
