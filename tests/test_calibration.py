"""Calibration of the experiment engine by simulation (A/A false-positive rate, CI coverage).

For every metric kind, 10,000 experiments are simulated *as sufficient statistics* with numpy
(exact sampling distributions where they exist: binomial / multinomial counts, normal means
with chi-square sums of squares; unit-level draws summed per arm for ratio and CUPED) and fed,
in one batch, to ``cxkit.experiment._stats.compare`` — the function that ``analyze`` and
``from_aggregates`` call for every comparison. With 10,000 runs the bounds [0.04, 0.06] and
[0.94, 0.96] are about ±4.5 standard errors around 0.05 / 0.95.

* FPR: A/A experiments (no effect), share with p < 0.05.
* Coverage: A/B experiments with a known non-zero effect, share of 95 % CIs containing it.
"""

from __future__ import annotations

import numpy as np
import pytest

from cxkit.experiment._stats import compare

B = 10_000
pytestmark = pytest.mark.slow


def _one(n, s, m):
    return {"n": np.asarray(n, float), "s": s[:, None], "m": m[:, None, None]}


def _proportion(rng, p0, p1, n0=900, n1=1100):
    x0, x1 = rng.binomial(n0, p0, B).astype(float), rng.binomial(n1, p1, B).astype(float)
    c, t = _one(np.full(B, n0), x0, x0), _one(np.full(B, n1), x1, x1)
    return compare(c, t, kind="proportion"), p1 - p0


def _normal_arm(rng, n, mu, sd):
    mean = rng.normal(mu, sd / np.sqrt(n), B)
    ss = sd**2 * rng.chisquare(n - 1, B)
    return _one(np.full(B, n), n * mean, ss + n * mean**2)


def _mean(rng, delta):
    # unequal variances and sizes: Welch territory
    c = _normal_arm(rng, 40, 10.0, 1.0)
    t = _normal_arm(rng, 120, 10.0 + delta, 2.5)
    return compare(c, t, kind="mean"), delta


def _nps_arm(rng, n, probs):
    counts = rng.multinomial(n, probs, B).astype(float)  # promoters, passives, detractors
    return _one(
        np.full(B, n), 100 * (counts[:, 0] - counts[:, 2]), 1e4 * (counts[:, 0] + counts[:, 2])
    )


def _nps(rng, shift):
    p0 = np.array([0.40, 0.35, 0.25])
    p1 = p0 + np.array([shift, 0.0, -shift])
    res = compare(_nps_arm(rng, 600, p0), _nps_arm(rng, 700, p1), kind="nps")
    return res, 100 * ((p1[0] - p1[2]) - (p0[0] - p0[2]))


def _ratio_arm(rng, n, rate):
    x = 1.0 + rng.poisson(1.5, (B, n))
    y = rng.poisson(rate * x).astype(float)
    s = np.stack([y.sum(1), x.sum(1)], axis=1)
    m = np.empty((B, 2, 2))
    m[:, 0, 0], m[:, 1, 1] = (y * y).sum(1), (x * x).sum(1)
    m[:, 0, 1] = m[:, 1, 0] = (x * y).sum(1)
    return {"n": np.full(B, float(n)), "s": s, "m": m}


def _ratio(rng, delta):
    res = compare(
        _ratio_arm(rng, 300, 0.5), _ratio_arm(rng, 300, 0.5 + delta), kind="mean", ratio=True
    )
    return res, delta


def _cuped_arm(rng, n, mu):
    z = rng.normal(0, 1, (B, n))
    y = mu + 0.8 * z + rng.normal(0, 0.6, (B, n))
    s = np.stack([y.sum(1), z.sum(1)], axis=1)
    m = np.einsum("bni,bnj->bij", np.stack([y, z], 2), np.stack([y, z], 2))
    return {"n": np.full(B, float(n)), "s": s, "m": m}


def _cuped(rng, delta):
    res = compare(_cuped_arm(rng, 200, 0.0), _cuped_arm(rng, 250, delta), kind="mean", cuped=True)
    return res, delta


def _cluster_arm(rng, sizes, mu, icc, g_total, offset):
    """Per-cluster sufficient statistics for y = mu + u_cluster + e, Var(y) = 1."""
    g = sizes.shape[1]
    u = rng.normal(0, np.sqrt(icc), (B, g))
    ebar = rng.normal(0, np.sqrt((1 - icc) / sizes))
    ssw = (1 - icc) * rng.chisquare(sizes - 1)
    mean = mu + u + ebar
    n = np.zeros((B, g_total))
    s = np.zeros((B, g_total, 1))
    m = np.zeros((B, g_total, 1, 1))
    n[:, offset : offset + g] = sizes
    s[:, offset : offset + g, 0] = sizes * mean
    m[:, offset : offset + g, 0, 0] = ssw + sizes * mean**2
    return {"n": n, "s": s, "m": m}


def _clustered(rng, delta, icc=0.1, g=50):
    sizes0 = rng.integers(10, 60, (B, g)).astype(float)
    sizes1 = rng.integers(10, 60, (B, g)).astype(float)
    c = _cluster_arm(rng, sizes0, 0.0, icc, 2 * g, 0)
    t = _cluster_arm(rng, sizes1, delta, icc, 2 * g, g)
    return compare(c, t, kind="mean", clustered=True), delta


KINDS = {
    "proportion": (lambda r: _proportion(r, 0.2, 0.2), lambda r: _proportion(r, 0.2, 0.24)),
    "mean": (lambda r: _mean(r, 0.0), lambda r: _mean(r, 0.7)),
    "nps": (lambda r: _nps(r, 0.0), lambda r: _nps(r, 0.04)),
    "ratio": (lambda r: _ratio(r, 0.0), lambda r: _ratio(r, 0.05)),
    "cuped": (lambda r: _cuped(r, 0.0), lambda r: _cuped(r, 0.2)),
    "clustered_icc_0.1": (lambda r: _clustered(r, 0.0), lambda r: _clustered(r, 0.3)),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_false_positive_rate_and_coverage(kind):
    rng = np.random.default_rng(20261123)
    aa, ab = KINDS[kind]
    res, truth = aa(rng)
    assert truth == 0
    fpr = float(np.mean(res["p_value"] < 0.05))
    assert 0.04 <= fpr <= 0.06, f"{kind}: A/A false-positive rate {fpr:.4f}"
    res, truth = ab(rng)
    cover = float(np.mean((res["ci_low"] < truth) & (truth < res["ci_high"])))
    assert 0.94 <= cover <= 0.96, f"{kind}: 95% CI coverage {cover:.4f}"
    if kind.startswith("clustered"):
        # the ANOVA ICC recovers the simulated 0.1 on average
        assert np.mean(res["icc"]) == pytest.approx(0.1, abs=0.01)
