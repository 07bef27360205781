"""Sample size and MDE (cxkit.experiment.power) against R and statsmodels.stats.power."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from statsmodels.stats.power import NormalIndPower, TTestIndPower

from cxkit import CxDataError
from cxkit import experiment as ex
from cxkit.experiment import Metric
from cxkit.experiment.power import _n_prop


def test_proportion_matches_r_power_prop_test():
    # R documentation example of power.prop.test: power.prop.test(p1 = .50, p2 = .75, power = .90)
    # prints n = 76.7 (per group); R solves the same pooled-null normal formula.
    assert _n_prop(0.5, 0.25, 1.959963984540054, 1.2815515655446004, 1.0) == pytest.approx(
        76.7, abs=0.05
    )
    row = ex.sample_size("proportion", baseline=0.5, mde=0.25, power=0.9).row(0, named=True)
    assert (row["n_control"], row["n_treatment"], row["n_total"]) == (77, 77, 154)


@pytest.mark.parametrize("ratio", [1.0, 2.0])
def test_mean_matches_statsmodels_ttest_ind_power(ratio):
    row = ex.sample_size("mean", baseline=420, mde=-15, sd=120, ratio=ratio, power=0.8).row(
        0, named=True
    )
    # statsmodels TTestIndPower.solve_power (two-sided t-test; issue 16: the normal formula
    # planned one unit short), nobs1 = control units
    ref = TTestIndPower().solve_power(effect_size=15 / 120, alpha=0.05, power=0.8, ratio=ratio)
    assert row["n_control"] == math.ceil(ref - 1e-6)
    assert row["n_treatment"] == math.ceil(ref * ratio - 1e-6)


def test_nps_uses_trinomial_sd():
    prom, det = 0.40, 0.20
    sd = 100 * math.sqrt(prom + det - (prom - det) ** 2)  # trinomial SD of the −100/0/100 score
    row = ex.sample_size("nps", baseline=(prom, det), mde=5).row(0, named=True)
    ref = NormalIndPower().solve_power(effect_size=5 / sd, alpha=0.05, power=0.8)  # statsmodels
    assert row["n_control"] == math.ceil(ref - 1e-6)
    assert row["baseline"] == pytest.approx(20.0)


def test_cluster_design_counts_clusters_with_a_t_reference():
    plain = ex.sample_size("mean", baseline=420, mde=10, sd=120).row(0, named=True)
    clus = ex.sample_size("mean", baseline=420, mde=10, sd=120, icc=0.05, cluster_size=40).row(
        0, named=True
    )
    deff = 1 + (40 - 1) * 0.05  # Kish design effect 1 + (m − 1)·ICC, by hand
    assert clus["design_effect"] == pytest.approx(deff)
    # equal clusters, one-way random effects: cluster means are iid with SD σ·√(deff/m), so
    # the plan is statsmodels' two-sample t-test power on cluster means (noncentral t)
    d = 10 / (120 * math.sqrt(deff / 40))
    k = TTestIndPower().solve_power(effect_size=d, alpha=0.05, power=0.8)
    assert clus["clusters_control"] == math.ceil(k - 1e-9)
    assert clus["n_control"] == clus["clusters_control"] * 40
    assert clus["df"] == 2 * clus["clusters_control"] - 2
    assert clus["n_control"] > 2.9 * plain["n_control"]


@pytest.mark.parametrize(("ratio", "cv"), [(1.0, 0.0), (1.0, 0.7), (2.0, 0.5)])
def test_few_clusters_are_not_oversold(ratio, cv):
    row = ex.sample_size(
        "mean",
        baseline=0,
        mde=0.5,
        sd=1,
        icc=0.1,
        cluster_size=30,
        ratio=ratio,
        cluster_size_cv=cv,
    ).row(0, named=True)
    # Eldridge, Ashby & Kerry (2006): deff = 1 + ((cv² + 1)·m̄ − 1)·ICC
    deff = 1 + ((cv**2 + 1) * 30 - 1) * 0.1
    assert row["design_effect"] == pytest.approx(deff)
    d = 0.5 / math.sqrt(deff / 30)
    k = TTestIndPower().solve_power(effect_size=d, alpha=0.05, power=0.8, ratio=ratio)
    assert row["clusters_control"] == math.ceil(k - 1e-9)
    # the normal approximation would promise fewer clusters than the t-test needs
    z_k = NormalIndPower().solve_power(effect_size=d, alpha=0.05, power=0.8, ratio=ratio)
    assert row["clusters_control"] > z_k
    m = ex.mde(
        "mean",
        baseline=0,
        n_control=row["n_control"],
        sd=1,
        icc=0.1,
        cluster_size=30,
        ratio=ratio,
        cluster_size_cv=cv,
    )["mde"].item()
    assert m <= 0.5 + 1e-9 and TTestIndPower().power(
        effect_size=m / math.sqrt(deff / 30),
        nobs1=row["clusters_control"],
        alpha=0.05,
        ratio=ratio,
    ) == pytest.approx(0.8, abs=1e-6)


def test_ten_cluster_plan_matches_simulated_power():
    """Simulate the planned 5 + 5 cluster design and test cluster means with a t-test
    (what CR2 gives for equal clusters): the achieved power is the planned 80 %."""
    from scipy import stats as st

    plan = ex.mde("mean", baseline=0, n_control=250, sd=1, icc=0.1, cluster_size=50)
    effect = plan["mde"].item()
    rng = np.random.default_rng(4)
    sims = 20_000
    sd_c = math.sqrt(0.1 + 0.9 / 50)  # SD of a cluster mean: between + within / m
    c = rng.normal(0, sd_c, (sims, 5))
    t = rng.normal(effect, sd_c, (sims, 5))
    p = st.ttest_ind(t, c, axis=1).pvalue
    assert plan["df"].item() == 8
    assert np.mean(p < 0.05) == pytest.approx(0.80, abs=0.01)


@pytest.mark.parametrize(
    ("kind", "kwargs"),
    [
        ("proportion", {"baseline": 0.2}),
        ("mean", {"baseline": 420, "sd": 120, "icc": 0.02, "cluster_size": 50}),
        ("nps", {"baseline": (0.4, 0.2)}),
    ],
)
def test_mde_inverts_sample_size(kind, kwargs):
    m = ex.mde(kind, n_control=5000, **kwargs)["mde"].item()
    back = ex.sample_size(kind, mde=m, **kwargs)["n_control"].item()
    assert back == pytest.approx(5000, abs=1)


def test_power_input_errors():
    with pytest.raises(ValueError, match="sd="):
        ex.sample_size("mean", baseline=1, mde=0.1)
    with pytest.raises(ValueError, match="promoter"):
        ex.sample_size("nps", baseline=0.3, mde=5)
    with pytest.raises(ValueError, match="kind"):
        ex.sample_size("ratio", baseline=0.3, mde=5)


# ----------------------------------------------------------------------------- issue 16
def test_mean_plans_with_the_t_test():
    # R: power.t.test(delta = 10, sd = 120, power = 0.8)$n = 2261.438 -> 2262 per arm
    assert ex.sample_size("mean", baseline=0, mde=10, sd=120)["n_control"].item() == 2262
    # statsmodels TTestIndPower (both tails) exactly; R power.t.test(n = 100, power = 0.8)$delta
    # = 0.398140 (one tail)
    d = ex.mde("mean", baseline=0, n_control=100, sd=1)["mde"].item()
    ref = TTestIndPower().solve_power(nobs1=100, alpha=0.05, power=0.8)
    assert d == pytest.approx(ref, rel=1e-5)  # statsmodels' own root-finding tolerance
    assert d == pytest.approx(0.398140045, abs=1e-5)


def test_solve_power_for_each_unknown():
    # R: power.t.test(n = 100, delta = 0.3, sd = 1)$power = 0.5600359
    row = ex.solve_power("mean", baseline=0, sd=1, mde=0.3, n_control=100).row(0, named=True)
    assert row["solved"] == "power"
    assert row["power"] == pytest.approx(
        TTestIndPower().power(effect_size=0.3, nobs1=100, alpha=0.05), rel=1e-6
    )
    assert row["power"] == pytest.approx(0.5600358537, abs=5e-5)  # R counts one tail
    # CUPED: an expected 40 % variance reduction = sd * sqrt(0.6);
    # R power.t.test(n = 100, delta = 0.3, sd = sqrt(0.6))$power
    cuped = ex.solve_power("mean", baseline=0, sd=1, mde=0.3, n_control=100, var_reduction=0.4)
    assert cuped["power"].item() == pytest.approx(
        TTestIndPower().power(effect_size=0.3 / math.sqrt(0.6), nobs1=100, alpha=0.05), rel=1e-6
    )
    n = ex.solve_power("proportion", baseline=0.5, mde=0.25, power=0.9)["n_control"].item()
    assert n == 77  # R power.prop.test(p1 = .5, p2 = .75, power = .9)$n = 76.65
    m = ex.solve_power("mean", baseline=0, sd=1, n_control=250, power=0.8, icc=0.1, cluster_size=50)
    assert m["solved"].item() == "mde" and m["df"].item() == 8
    with pytest.raises(CxDataError, match="exactly one"):
        ex.solve_power("mean", baseline=0, sd=1, mde=0.3)


def test_pilot_moments_for_ratio_and_cuped():
    rng = np.random.default_rng(8)
    n = 5000
    pre = rng.gamma(2, 2, n)
    orders = 1 + rng.poisson(1.5, n)
    df = pl.DataFrame(
        {
            "y": pre + rng.normal(0, 2, n),
            "pre": pre,
            "contacts": rng.poisson(0.5 * orders),
            "orders": orders,
        }
    )
    cup = ex.pilot_moments(df, Metric("y", covariate="pre"))
    rho = np.corrcoef(df["y"], df["pre"])[0, 1]
    assert cup["var_reduction"] == pytest.approx(rho**2, rel=1e-9)
    assert cup["sd"] == pytest.approx(df["y"].std(), rel=1e-9)
    rat = ex.pilot_moments(df, Metric("contacts", denominator="orders"))
    c, o = df["contacts"].to_numpy(), df["orders"].to_numpy()
    r = c.sum() / o.sum()
    lin = (c - r * o) / o.mean()  # delta-method linearisation, by hand
    assert rat["baseline"] == pytest.approx(r) and rat["sd"] == pytest.approx(lin.std(ddof=1))
    prop = ex.pilot_moments(df.with_columns(b=pl.col("contacts") > 0), "proportion", column="b")
    assert prop["kind"] == "proportion" and prop["sd"] is None
