"""Calibration of the issue-16 methods by simulation (slow-marked, run in CI), vectorised over
experiments. ``python tests/experiment/test_calibration_sequential.py`` prints the figures of
docs/experiment.md.

* sequential monitoring: peeking at every one of 10 looks — the always-valid p-value keeps the
  false-positive rate ≤ α and the confidence sequence covers the truth at every look ≥ 95 %;
  the naive fixed-horizon test and interval read at every look do not;
* quantile metrics (median, p90) on log-normal data: CI coverage 94–96 %;
* relative intervals (log scale) of means and proportions: coverage 94–96 %;
* bootstrap metric (median): coverage 93–97 % (fewer experiments: each runs 1,000 replicates).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from cxkit.experiment.quantile import _quantile_pair, bootstrap_statistic, poisson_bootstrap
from cxkit.experiment.sequential import confidence_sequence
from cxkit.experiment.spec import Metric

SEED = 20_260_516


def sequential(kind: str, effect: float, n_exp=4000, looks=10, per_look=100, seed=SEED):
    """Share of experiments where some look rejects / some look's interval misses the truth,
    for the always-valid sequence and for the naive test read at every look."""
    rng = np.random.default_rng(seed)
    shape = (n_exp, looks, per_look)
    if kind == "proportion":
        y0 = rng.random(shape) < 0.3
        y1 = rng.random(shape) < 0.3 + effect
    else:
        y0 = rng.lognormal(0, 1, shape)
        y1 = rng.lognormal(0, 1, shape) + effect
    y0, y1 = y0.astype(float), y1.astype(float)
    n = np.cumsum(np.full((n_exp, looks), float(per_look)), axis=1)
    sums = [np.cumsum(f(y).sum(axis=2), axis=1) for y in (y0, y1) for f in (lambda v: v, np.square)]
    cs = confidence_sequence(
        n, sums[0], sums[1], n, sums[2], sums[3], planned_n=2 * per_look * looks
    )
    miss = (cs["ci_low"] > effect) | (cs["ci_high"] < effect)
    naive_miss = (cs["naive_ci_low"] > effect) | (cs["naive_ci_high"] < effect)
    return {
        "fpr": float((cs["p_value"] <= 0.05).any(axis=1).mean()),
        "naive_fpr": float((cs["naive_p_value"] < 0.05).any(axis=1).mean()),
        "coverage": float(1 - miss.any(axis=1).mean()),
        "naive_coverage": float(1 - naive_miss.any(axis=1).mean()),
    }


def quantile_coverage(p: float, n_exp=4000, n=(800, 1200), seed=SEED) -> float:
    """Coverage of the Deng et al. interval of a quantile difference, log-normal data with a
    multiplicative shift (true difference known in closed form)."""
    rng = np.random.default_rng(seed)
    mu0, mu1, sigma = 5.0, 4.9, 1.0
    truth = np.exp(mu1 + sigma * stats.norm.ppf(p)) - np.exp(mu0 + sigma * stats.norm.ppf(p))
    y0 = np.sort(rng.lognormal(mu0, sigma, (n_exp, n[0])), axis=1)
    y1 = np.sort(rng.lognormal(mu1, sigma, (n_exp, n[1])), axis=1)
    m = Metric("y", kind="quantile", quantile=p)
    hit = 0
    for a, b in zip(y0, y1, strict=True):  # one Deng interval per experiment: 3 quantiles each
        r = _quantile_pair(a, None, b, None, m, 0.05)
        hit += r["ci_low"] <= truth <= r["ci_high"]
    return hit / n_exp


def relative_coverage(kind: str, n_exp=10000, n=(400, 600), seed=SEED) -> float:
    """Coverage of rel_ci_low/rel_ci_high (log scale, delta method) via the package path."""
    from cxkit.experiment.direction import relative
    from cxkit.experiment.inference import compare

    rng = np.random.default_rng(seed)
    if kind == "proportion":
        p0, p1 = 0.30, 0.36
        y0 = (rng.random((n_exp, n[0])) < p0).astype(float)
        y1 = (rng.random((n_exp, n[1])) < p1).astype(float)
        truth = p1 / p0 - 1
    else:
        y0, y1 = rng.lognormal(0, 1, (n_exp, n[0])), rng.lognormal(0.1, 1, (n_exp, n[1]))
        truth = np.exp(0.1) - 1
    cells = [
        {
            "n": np.full(n_exp, float(y.shape[1])),
            "s": y.sum(1)[:, None],
            "m": (y**2).sum(1)[:, None, None],
        }
        for y in (y0, y1)
    ]
    res = compare(cells[0], cells[1], kind=kind)
    m = Metric("y", kind=kind)
    hit = 0
    for i in range(n_exp):
        r = {k: float(v[i]) for k, v in res.items()}
        _, lo, hi = relative(r, 0.05, m)
        hit += lo <= truth <= hi
    return hit / n_exp


def bootstrap_coverage(n_exp=600, n=300, n_boot=1000, seed=SEED) -> float:
    rng = np.random.default_rng(seed)
    f = bootstrap_statistic("median")
    truth = np.exp(0.2) - 1.0  # medians of lognormal(0.2, 1) and lognormal(0, 1)
    hit = 0
    for _ in range(n_exp):
        y0, y1 = np.sort(rng.lognormal(0, 1, n)), np.sort(rng.lognormal(0.2, 1, n))
        d = poisson_bootstrap(y1, f, n_boot, rng) - poisson_bootstrap(y0, f, n_boot, rng)
        lo, hi = np.quantile(d, [0.025, 0.975])
        hit += lo <= truth <= hi
    return hit / n_exp


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["proportion", "mean"])
def test_peeking_keeps_fpr_and_coverage(kind):
    aa = sequential(kind, 0.0)
    ab = sequential(kind, 0.05 if kind == "proportion" else 0.15, seed=SEED + 1)
    assert aa["fpr"] <= 0.05 and aa["naive_fpr"] > 0.12
    assert aa["coverage"] >= 0.95 and ab["coverage"] >= 0.95
    assert ab["naive_coverage"] < 0.90


@pytest.mark.slow
@pytest.mark.parametrize("p", [0.5, 0.9])
def test_quantile_coverage_on_lognormal(p):
    assert 0.94 <= quantile_coverage(p) <= 0.96


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["proportion", "mean"])
def test_relative_interval_coverage(kind):
    assert 0.94 <= relative_coverage(kind) <= 0.96


@pytest.mark.slow
def test_bootstrap_median_coverage():
    assert 0.93 <= bootstrap_coverage() <= 0.97


if __name__ == "__main__":  # the figures of docs/experiment.md
    import time

    t0 = time.time()
    for kind, eff in (("proportion", 0.05), ("mean", 0.15)):
        print("sequential", kind, "A/A", sequential(kind, 0.0))
        print("sequential", kind, "A/B", sequential(kind, eff, seed=SEED + 1))
    for p in (0.5, 0.9):
        print("quantile", p, quantile_coverage(p))
    for kind in ("proportion", "mean"):
        print("relative", kind, relative_coverage(kind))
    print("bootstrap median", bootstrap_coverage())
    print(f"{time.time() - t0:.1f} s")
