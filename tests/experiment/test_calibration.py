"""Calibration of the experiment engine by simulation (A/A false-positive rate, CI coverage).

For every metric kind, 10,000 experiments are simulated *as sufficient statistics* with numpy
(exact sampling distributions where they exist: binomial / multinomial counts, normal means
with chi-square sums of squares; unit-level draws summed per arm for ratio and CUPED) and fed,
in one batch, to ``cxkit.experiment.inference.compare`` — the function that ``analyze`` and
``from_aggregates`` call for every comparison. With 10,000 runs the bounds [0.04, 0.06] and
[0.94, 0.96] are about ±4.5 standard errors around 0.05 / 0.95.

* FPR: A/A experiments (no effect), share with p < 0.05.
* Coverage: A/B experiments with a known non-zero effect, share of 95 % CIs containing it.
"""

from __future__ import annotations

import numpy as np
import pytest

from cxkit.experiment.inference import compare

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


# --------------------------------------------------------------------------- few clusters
# Issue 11: A/A false-positive rate and CI coverage of cluster-randomised tests with 10, 20
# and 40 clusters of log-normal sizes (median 55, σ = 0, 0.5, 1), ICC 0.05 and 0.2, means
# and proportions. The default (inference="auto") decides by randomisation inference
# below 50 clusters. Clusters are i.i.d., so the complete randomisation of each simulated
# experiment can be taken as "the first half of the clusters is treated" and one set of
# assignments serves every replicate (enumerated for 10 clusters; for 20 and 40 clusters
# 500 drawn instead of the analysis' 10,000: the test is exact for any number of draws,
# fewer draws only add a little noise to each p-value). 4,000 replicates per cell (binomial
# SE 0.0034 at 0.05), fixed seeds. Coverage: the randomisation CI is
# {δ : p(δ) ≥ α} (test_inference checks the search against a brute-force grid), so the
# truth is covered exactly when the test of H0: effect = truth does not reject.
REPS = 4_000
CLUSTERS = (10, 20, 40)
SPREADS = (0.0, 0.5, 1.0)
ICCS = (0.05, 0.2)


def _sizes(rng, reps, g, sigma):
    return np.maximum(2.0, np.round(55 * np.exp(sigma * rng.standard_normal((reps, g)))))


def _cluster_data(rng, kind, g, sigma, icc, effect):
    """Per-cluster n, Σy, Σy² of REPS experiments; the first g/2 clusters are treated."""
    n = _sizes(rng, REPS, g, sigma)
    treated = np.arange(g) < g // 2
    if kind == "mean":
        mean = rng.normal(0, np.sqrt(icc), (REPS, g)) + rng.normal(0, np.sqrt((1 - icc) / n))
        mean = mean + effect * treated
        s = n * mean
        ss = (1 - icc) * rng.chisquare(n - 1) + n * mean**2
    else:  # beta-binomial: cluster rates with mean 0.3 (+ effect) and ICC icc
        mu = 0.3 + effect * treated
        ab = (1 - icc) / icc
        p = rng.beta(mu * ab, (1 - mu) * ab, (REPS, g))
        s = rng.binomial(n.astype(np.int64), p).astype(float)
        ss = s
    return n, s, ss, treated


def _t_based(n, s, ss, treated, cluster_se, truth):
    """p-values of the CR1 / CR2 t-tests (compare, batched) and whether the CI covers."""
    arms = []
    for sel in (~treated, treated):
        z = np.where(sel, 1.0, 0.0)
        arms.append({"n": n * z, "s": (s * z)[..., None], "m": (ss * z)[..., None, None]})
    res = compare(*arms, kind="mean", clustered=True, cluster_se=cluster_se)
    return res["p_value"], (res["ci_low"] < truth) & (truth < res["ci_high"])


def _randomization_p(n, s, treated, truth):
    """Randomisation p-values of H0: effect = truth for every replicate (vectorised)."""
    from cxkit.experiment.inference.resampling import _t_stat, assignments

    g = treated.size
    a, total = assignments(treated.astype(float), max_assignments=10_000 if g <= 10 else 500)
    y = s - truth * n * treated  # control potential outcomes under H0
    rows = max(1, 1_000_000 // (a.shape[0] * g))
    t = np.concatenate([_t_stat(a, y[i : i + rows], n[i : i + rows]) for i in range(0, REPS, rows)])
    return np.mean(np.abs(t) >= np.abs(t[:, :1]) * (1 - 1e-9) - 1e-12, axis=1)


def calibration_cell(kind, g, sigma, icc, seed=0):
    """FPR (A/A) and CI coverage (A/B) of randomisation inference, CR2 and CR1."""
    rng = np.random.default_rng([seed, g, int(10 * sigma), int(100 * icc), kind == "mean"])
    truth = 0.25 if kind == "mean" else 0.06
    out = {}
    n, s, ss, treated = _cluster_data(rng, kind, g, sigma, icc, 0.0)
    out["ri_fpr"] = float(np.mean(_randomization_p(n, s, treated, 0.0) < 0.05))
    for se in ("cr2", "cr1"):
        out[f"{se}_fpr"] = float(np.mean(_t_based(n, s, ss, treated, se, 0.0)[0] < 0.05))
    n, s, ss, treated = _cluster_data(rng, kind, g, sigma, icc, truth)
    out["ri_cover"] = float(np.mean(_randomization_p(n, s, treated, truth) >= 0.05))
    for se in ("cr2", "cr1"):
        out[f"{se}_cover"] = float(np.mean(_t_based(n, s, ss, treated, se, truth)[1]))
    return out


@pytest.mark.parametrize("kind", ["mean", "proportion"])
@pytest.mark.parametrize("g", CLUSTERS)
def test_few_cluster_default_is_calibrated(kind, g):
    for sigma in SPREADS:
        for icc in ICCS:
            cell = calibration_cell(kind, g, sigma, icc)
            where = f"{kind}, {g} clusters, sigma {sigma}, ICC {icc}: {cell}"
            assert cell["ri_fpr"] <= 0.06, where
            assert cell["ri_cover"] >= 0.94, where


if __name__ == "__main__":  # the docs table: python tests/experiment/test_calibration.py
    print(
        "| metric | clusters | σ | ICC | randomisation FPR | CR2 FPR | CR1 FPR |"
        " randomisation cover | CR2 cover | CR1 cover |"
    )
    for kind in ("mean", "proportion"):
        for g in CLUSTERS:
            for sigma in SPREADS:
                for icc in ICCS:
                    c = calibration_cell(kind, g, sigma, icc)
                    print(
                        f"| {kind} | {g} | {sigma} | {icc} | {c['ri_fpr']:.3f} | "
                        f"{c['cr2_fpr']:.3f} | {c['cr1_fpr']:.3f} | {c['ri_cover']:.3f} | "
                        f"{c['cr2_cover']:.3f} | {c['cr1_cover']:.3f} |",
                        flush=True,
                    )
