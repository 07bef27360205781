"""Few-cluster inference (issue 11): CR2 + Bell–McCaffrey df against R clubSandwich,
randomisation inference against by-hand enumeration, the wild cluster bootstrap, warnings.

R references: R 4.x, clubSandwich, sandwich, on tests/experiment/data/clusters10.csv with
``d$T <- as.numeric(d$arm == "treatment")``.
"""

from __future__ import annotations

import itertools
import time
import warnings

import numpy as np
import polars as pl
import pytest

import cxkit as cx
from cxkit import experiment as ex
from cxkit.experiment.inference import resampling as _resampling

TOL = 1e-6
METRICS = {
    "y": "mean",
    "resolved": "proportion",
    "cpo": {"column": "contacts", "denominator": "orders"},
    "cuped": {"column": "y", "covariate": "pre_y"},
}


def _run(data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.CxDataWarning)
        res = ex.analyze(
            data, control="control", metrics=METRICS, cluster="cluster", correction="none", **kw
        )
    return {r["metric"]: r for r in res.effects.join(res.details, on=["metric", "arm"]).to_dicts()}


# --------------------------------------------------------------------------- CR2 vs R
@pytest.mark.parametrize(
    ("metric", "ref"),
    [
        # coef_test(lm(y ~ T, data = d), vcov = "CR2", cluster = d$cluster,
        #           test = "Satterthwaite"); conf_int(..., level = 0.95) for the CI
        ("y", (0.8147490578, 0.4492567783, 4.3234131183, 0.1385721701, -0.3966371081, 2.0261352238)),
        # the same with lm(resolved ~ T, data = d)
        ("resolved", (0.2044722719, 0.0776671112, 4.3234131183, 0.0536181269, -0.0049510882, 0.4138956320)),
    ],
)  # fmt: skip
def test_cr2_matches_clubsandwich_exactly(clusters10, metric, ref):
    r = _run(clusters10, inference="cr2")[metric]
    got = (r["effect"], r["se"], r["df"], r["p_value"], r["ci_low"], r["ci_high"])
    assert got == pytest.approx(ref, rel=TOL, abs=TOL)
    assert r["method"] == f"cr2, Bell-McCaffrey df {ref[2]:.1f}"


def test_cr1_is_kept_for_comparison_and_differs_from_cr2(clusters10):
    cr1 = _run(clusters10, inference="cr1")["y"]
    cr2 = _run(clusters10, inference="cr2")["y"]
    # sandwich::vcovCL(lm(y ~ T, data = d), cluster = ~cluster, type = "HC1") -> SE 0.3583572171
    assert cr1["se"] == pytest.approx(0.3583572171, rel=TOL)
    assert cr1["df"] == 9 and cr1["method"] == "cr1, t(9)"
    # the point: CR1 + t(G - 1) calls it significant, clubSandwich CR2 does not
    assert cr1["p_value"] < 0.05 < cr2["p_value"]
    assert cr2["se"] / cr1["se"] == pytest.approx(0.4492567783 / 0.3583572171, rel=TOL)


def test_cr2_ratio_is_the_wls_cr2_and_close_to_clubsandwich(clusters10, cr2_brute_force):
    r = _run(clusters10, inference="cr2")["cpo"]
    d = clusters10
    # exact: CR2 of the WLS of contacts/orders on T with weights orders (√w-transformed
    # model, working model Φ = I there), by matrix square roots
    ref = cr2_brute_force(
        d["contacts"] / d["orders"], d["arm"] == "treatment", d["cluster"], d["orders"]
    )
    assert r["se"] == pytest.approx(ref, rel=1e-9)
    # coef_test(lm(I(contacts/orders) ~ T, data = d, weights = orders), vcov = "CR2",
    #           cluster = d$cluster, test = "Satterthwaite"):
    #   est 0.1312850469, SE 0.0926266098, df 4.1922313008 (default target);
    #   SE 0.0924649404, df 4.2701484163 with vcovCR(..., inverse_var = TRUE).
    # clubSandwich builds the adjustment on the untransformed scale: 0.5-0.7 % apart.
    assert r["effect"] == pytest.approx(0.1312850469, rel=TOL)
    assert r["se"] == pytest.approx(0.0926266098, rel=0.01)
    assert r["df"] == pytest.approx(4.1922313008, rel=0.03)


def test_cr2_cuped_holds_theta_fixed_close_to_clubsandwich(clusters10):
    r = _run(clusters10, inference="cr2")["cuped"]
    # coef_test(lm(y ~ T + pre_y, data = d), vcov = "CR2", cluster = d$cluster,
    #           test = "Satterthwaite"): est 0.4759925796, SE 0.2388861441, df 4.6329161800.
    # The kit adjusts y - θ·pre_y with θ fixed (leverage of the arm dummy only): SE 0.9 %
    # and df 7 % below clubSandwich's, which also counts pre_y's leverage.
    assert r["effect"] == pytest.approx(0.4759925796, rel=TOL)
    assert r["se"] == pytest.approx(0.2388861441, rel=0.02)
    assert r["df"] == pytest.approx(4.6329161800, rel=0.10)


def test_cr2_nps_and_clusters_in_both_arms_match_brute_force(clusters10, cr2_brute_force):
    d = clusters10.with_columns(
        nps=(pl.col("y") * 2 + 2).round().clip(0, 10),
        # agent_10 also served treatment customers: a cluster in both arms
        arm=pl.when((pl.col("cluster") == "agent_10") & (pl.col("unit") % 3 == 0))
        .then(pl.lit("treatment"))
        .otherwise(pl.col("arm")),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.CxDataWarning)
        res = ex.analyze(d, control="control", metrics={"nps": "nps"}, cluster="cluster")
    r = res.details.row(0, named=True)
    rec = np.select([d["nps"] >= 9, d["nps"] <= 6], [100.0, -100.0], 0.0)
    assert r["se"] == pytest.approx(
        cr2_brute_force(rec, d["arm"] == "treatment", d["cluster"]), rel=1e-9
    )
    assert "clusters span both arms: no randomisation test" in r["method"]


# --------------------------------------------------------------------------- randomisation
def _tiny(seed=3, sizes=(3, 5, 8, 12, 20, 4, 9)):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(len(sizes)), sizes)
    treated = np.array([1, 0, 1, 0, 0, 1, 0])
    y = rng.normal(size=len(sizes))[g] * 0.7 + rng.normal(size=g.size) + 0.8 * treated[g]
    return y, g, treated


def _by_hand_p(cr2_brute_force, y, g, treated, delta=0.0):
    """p-value over all C(7, 3) = 35 assignments, each statistic by unit-level brute force."""
    y0 = y - delta * treated[g]  # control potential outcomes under H0: effect = delta

    def t_of(tr):
        t_unit = tr[g]
        eff = y0[t_unit == 1].mean() - y0[t_unit == 0].mean()
        return eff / cr2_brute_force(y0, t_unit, g)

    t_obs = abs(t_of(treated))
    stats_ = []
    for idx in itertools.combinations(range(len(treated)), int(treated.sum())):
        tr = np.zeros(len(treated))
        tr[list(idx)] = 1
        stats_.append(abs(t_of(tr)))
    return np.mean(np.array(stats_) >= t_obs - 1e-9)


def test_randomization_p_value_equals_by_hand_enumeration(cr2_brute_force):
    y, g, treated = _tiny()
    yt = np.bincount(g, weights=y)
    xt = np.bincount(g).astype(float)
    res = _resampling.randomization_test(yt, xt, treated, interval=False)
    assert res["n_assignments"] == res["n_possible"] == 35
    assert res["p_value"] == pytest.approx(_by_hand_p(cr2_brute_force, y, g, treated), abs=1e-12)


def test_randomization_interval_equals_brute_force_grid(cr2_brute_force):
    y, g, treated = _tiny()
    yt, xt = np.bincount(g, weights=y), np.bincount(g).astype(float)
    res = _resampling.randomization_test(yt, xt, treated, alpha=0.2, se=0.5)

    # brute force: the by-hand p-value on a coarse grid, then a fine grid around each end
    def kept(grid):
        return grid[[_by_hand_p(cr2_brute_force, y, g, treated, d) >= 0.2 for d in grid]]

    coarse = kept(np.round(np.arange(-0.5, 5.5, 0.05), 10))
    lo = kept(np.round(np.arange(coarse.min() - 0.05, coarse.min() + 0.001, 0.001), 10)).min()
    hi = kept(np.round(np.arange(coarse.max(), coarse.max() + 0.05, 0.001), 10)).max()
    assert res["ci_low"] == pytest.approx(lo, abs=0.001)
    assert res["ci_high"] == pytest.approx(hi, abs=0.001)
    assert res["p_value"] < 0.2 and not res["ci_low"] <= 0 <= res["ci_high"]


def test_assignments_within_strata_enumerate_the_product():
    treated = np.array([1, 0, 0, 1, 1, 0, 0, 0])
    strata = np.array(["a", "a", "a", "b", "b", "b", "b", "b"])
    a, total = _resampling.assignments(treated, strata)
    assert total == 3 * 10 and a.shape == (30, 8)  # C(3, 1) * C(5, 2)
    assert a[0].tolist() == treated.tolist()
    assert len({tuple(r) for r in a}) == 30
    assert set(a[:, :3].sum(axis=1)) == {1.0} and set(a[:, 3:].sum(axis=1)) == {2.0}


def test_randomization_draws_are_reproducible_and_fast():
    rng = np.random.default_rng(1)
    x = rng.integers(10, 200, 40).astype(float)
    y = 0.3 * x + rng.normal(0, 3, 40)
    treated = np.r_[np.ones(20), np.zeros(20)]
    start = time.perf_counter()
    a = _resampling.randomization_test(y, x, treated, interval=False)
    elapsed = time.perf_counter() - start
    b = _resampling.randomization_test(y, x, treated, interval=False)
    assert (
        a["p_value"] == b["p_value"]
        and a["n_assignments"] == 10_000
        and a["n_possible"] == 137_846_528_820
    )
    assert elapsed < 1.0


def test_auto_decides_by_randomization_with_few_clusters(clusters10):
    r = _run(clusters10)
    for name in METRICS:
        assert r[name]["method"].startswith("randomization(cr2 t, 252 assignments)")
        assert r[name]["n_assignments"] == 252
        assert r[name]["ci_low"] < r[name]["effect"] < r[name]["ci_high"]
        # decision and interval agree: 0 outside the CI exactly when p < alpha
        outside = not r[name]["ci_low"] <= 0 <= r[name]["ci_high"]
        assert outside == (r[name]["p_value"] < 0.05)
    # the example: CR1 says p = 0.05, the exact randomisation test does not
    assert r["y"]["p_value"] == pytest.approx(46 / 252)
    assert r["y"]["se"] == pytest.approx(0.4492567783, rel=TOL)  # CR2 still reported


def test_strata_permute_within_strata(clusters10):
    d = clusters10.with_columns(
        block=pl.when(pl.col("cluster") <= "agent_05").then(pl.lit("x")).otherwise(pl.lit("y"))
    )
    r = _run(d, strata="block")["y"]
    # arms per block: agents 1-5 hold 2 treated, agents 6-10 hold 3: C(5,2) * C(5,3) = 100
    assert r["n_assignments"] == 100 and "within strata" in r["method"]
    bad = d.with_columns(block=pl.col("unit").cast(pl.String))
    with pytest.raises(cx.CxDataError, match="more than one stratum"):
        _run(bad, strata="block")


def test_wild_bootstrap_option(clusters10):
    r = _run(clusters10, inference="wild_bootstrap")
    assert r["y"]["method"] == "wild_cluster_bootstrap(restricted, cr2 t, webb, 9999 draws)"
    assert 0.1 < r["y"]["p_value"] < 0.3  # randomisation test 0.18, CR2 t 0.14
    outside = not r["y"]["ci_low"] <= 0 <= r["y"]["ci_high"]
    assert outside == (r["y"]["p_value"] < 0.05)


def test_wild_bootstrap_enumerates_webb_weights_and_rejects_a_clear_effect():
    y0 = np.array([10.0, 12.0, 11.0, 0, 0])
    y1 = np.array([0, 0, 0, 30.0, 33.0])
    x0 = np.array([10.0, 10.0, 10.0, 0, 0])
    x1 = np.array([0, 0, 0, 10.0, 10.0])
    res = _resampling.wild_bootstrap(y0, x0, y1, x1, se=0.2)
    assert res["weights"] == "webb, all 7776 enumerated" and res["n_draws"] == 7776
    # by hand: the observed |t| is the largest possible, attained only by w = ±(1,...,1)·c
    assert res["p_value"] < 0.05
    w, _ = _resampling._weights(13, 9_999, 1)
    assert w.shape == (8192, 13) and set(np.unique(w)) == {-1.0, 1.0}


# --------------------------------------------------------------------------- warnings
def test_warns_on_few_clusters_and_a_dominant_cluster_by_rank(clusters10):
    with pytest.warns(cx.CxDataWarning) as rec:
        ex.analyze(clusters10, control="control", metrics={"y": "mean"}, cluster="cluster")
    text = [str(w.message) for w in rec]
    assert any("The largest cluster of arm 'control' holds 51% of its units" in t for t in text)
    assert not any("agent_" in t for t in text)  # ranks, never ids
    three = clusters10.filter(
        pl.col("cluster").is_in(["agent_01", "agent_02", "agent_03", "agent_04", "agent_05"])
    )
    with pytest.warns(cx.CxDataWarning) as rec:
        ex.analyze(three, control="control", metrics={"y": "mean"}, cluster="cluster")
    assert any("no method is reliable" in str(w.message) for w in rec)


def test_inference_option_is_validated(clusters10):
    with pytest.raises(cx.CxDataError, match="inference"):
        _run(clusters10, inference="cr3")


def test_from_aggregates_takes_inference_and_strata(clusters10):
    agg = ex.aggregate(clusters10, metrics={"y": "mean"}, cluster="cluster")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.CxDataWarning)
        res = ex.from_aggregates(agg, control="control", metrics={"y": "mean"})
        cr1 = ex.from_aggregates(agg, control="control", metrics={"y": "mean"}, inference="cr1")
    assert res.effects["p_value"][0] == pytest.approx(46 / 252)
    assert cr1.details["se"][0] == pytest.approx(0.3583572171, rel=TOL)
