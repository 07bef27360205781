"""Quantile and bootstrap metrics: the metrics that need unit-level values.

Handle time, wait time and time to resolution are skewed, and leaders ask about the median and
the 90th percentile. Two metric kinds compare them:

* ``kind="quantile"`` — the difference of the ``p``-quantiles with the density-free interval
  of Deng, Knoblich & Lu (2018, "Applying the delta method in metric analytics", KDD, §4.3):
  the share of units at or below the quantile, ``F̂(q̂) ≈ p``, has standard error
  ``σ_F = √(p(1 − p)/n)`` (independent units) or the cluster-robust delta-method SE of a
  ratio of per-cluster counts (clustered designs); the quantiles at ``p ± z·σ_F`` bracket
  ``q̂`` (the Woodruff 1952 interval), and their half-distance ÷ z is the SE of ``q̂`` — no
  density estimate. The two arms' SEs combine into a z interval for the difference.
  Each arm needs three quantiles of its values: two polars passes, no loop over units.
* ``kind="bootstrap"`` — any statistic with the Poisson bootstrap (Hanley & MacGibbon 2006;
  Chamandy et al. 2012): every unit (every cluster, in clustered designs) gets a Poisson(1)
  weight per replicate, drawn as an ``(n, B)`` numpy block; weighted statistics are matrix
  operations on the sorted values. The interval is the percentile interval of the replicate
  differences, and the p-value the smallest α at which it excludes 0 (so they agree).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from cxkit.experiment.spec import Metric
from cxkit.metrics.distributions import norm_isf, norm_sf

__all__ = ["bootstrap_statistic", "poisson_bootstrap", "quantile_se", "unit_level_rows"]

_BLOCK = 4_000_000  # units × replicates per weight block
_SEED = 20_260_516


def quantile_se(lo: np.ndarray, hi: np.ndarray, z: float) -> np.ndarray:
    """SE of a quantile from the quantiles at ``p ∓ z·σ_F`` (Deng et al. 2018, §4.3)."""
    return (np.asarray(hi, float) - np.asarray(lo, float)) / (2 * z)


def _sigma_f(p: float, n: float, below=None, sizes=None) -> float:
    """SE of the share of units at or below the quantile: binomial, or the cluster-robust
    delta method of a ratio of per-cluster counts (``below``, ``sizes``: per cluster)."""
    if below is None or len(sizes) < 2:
        return float(np.sqrt(p * (1 - p) / n))
    below, sizes = np.asarray(below, float), np.asarray(sizes, float)
    share = below.sum() / sizes.sum()
    g = len(sizes)
    var = ((below - share * sizes) ** 2).sum() / sizes.sum() ** 2 * g / (g - 1)
    return float(np.sqrt(var))


def _values(lf: pl.LazyFrame, col: str, arm: str, label: str, seg, cluster: str | None):
    """The non-null values of one arm (× segment), sorted, with cluster codes."""
    f = pl.col(arm).cast(pl.String) == label
    if seg is not None:
        f = f & (pl.col("segment") == seg)
    cols = [pl.col(col).cast(pl.Float64).alias("y")]
    if cluster:
        cols.append(pl.col(cluster).cast(pl.String).alias("g"))
    frame = lf.filter(f & pl.col(col).is_not_null()).select(cols).sort("y").collect()
    y = frame["y"].to_numpy()
    g = (frame["g"].rank("dense") - 1).to_numpy().astype(np.int64) if cluster else None
    return y, g


def _quantile_arm(y: np.ndarray, g, p: float, z: float) -> tuple[float, float, int]:
    """(q̂, SE, n) of one arm's ``p``-quantile (values ``y`` sorted)."""
    n = y.size
    q = float(np.quantile(y, p))
    if g is None:
        sf = _sigma_f(p, n)
    else:
        sizes = np.bincount(g)
        below = np.bincount(g, weights=(y <= q).astype(float), minlength=sizes.size)
        sf = _sigma_f(p, n, below[sizes > 0], sizes[sizes > 0])
    lo, hi = np.quantile(y, [max(p - z * sf, 0.0), min(p + z * sf, 1.0)])
    return q, float(quantile_se(lo, hi, z)), n


def _weighted_quantile(y: np.ndarray, w: np.ndarray, p: float) -> np.ndarray:
    """``p``-quantile of sorted ``y`` under each column of weights ``w`` (n, B)."""
    cw = np.cumsum(w, axis=0)
    idx = (cw < p * cw[-1]).sum(axis=0)
    return y[np.minimum(idx, y.size - 1)]


def bootstrap_statistic(statistic, quantile: float = 0.5) -> Callable:
    """The weighted statistic ``f(y, w) -> (B,)`` of a :class:`Metric` (``y`` sorted).

    >>> f = bootstrap_statistic("median")
    >>> f(np.array([1.0, 2.0, 10.0]), np.ones((3, 2))).tolist()
    [2.0, 2.0]
    """
    if callable(statistic):
        return statistic
    if statistic == "mean":
        return lambda y, w: (y @ w) / w.sum(axis=0)
    if statistic in ("median", "quantile"):
        p = 0.5 if statistic == "median" else quantile

        return lambda y, w: _weighted_quantile(y, w, p)

    def trimmed(y, w):
        cw = np.cumsum(w, axis=0) / w.sum(axis=0)
        keep = (cw > 0.1) & (cw - w / w.sum(axis=0) < 0.9)
        wk = w * keep
        return (y @ wk) / wk.sum(axis=0)

    return trimmed


def poisson_bootstrap(
    y: np.ndarray,
    f: Callable,
    n_boot: int,
    rng: np.random.Generator,
    clusters: np.ndarray | None = None,
) -> np.ndarray:
    """``n_boot`` Poisson-bootstrap replicates of ``f`` on sorted values ``y``.

    Weights are Poisson(1) per unit, or per cluster (``clusters``: integer codes per unit)
    and shared by its units; drawn in blocks of about 4 million weights.
    """
    out = np.empty(n_boot)
    step = max(1, _BLOCK // max(y.size, 1))
    for start in range(0, n_boot, step):
        b = min(step, n_boot - start)
        if clusters is None:
            w = rng.poisson(1.0, size=(y.size, b)).astype(np.float64)
        else:
            w = rng.poisson(1.0, size=(int(clusters.max()) + 1, b)).astype(np.float64)[clusters]
        empty = w.sum(axis=0) == 0
        w[:, empty] = 1.0  # an all-zero draw (n tiny) keeps the original sample
        out[start : start + b] = f(y, w)
    return out


def _bootstrap_pair(y0, g0, y1, g1, m: Metric, alpha: float) -> dict:
    f = bootstrap_statistic(m.statistic, m.quantile)
    rng = np.random.default_rng(_SEED)
    one0, one1 = np.ones((y0.size, 1)), np.ones((y1.size, 1))
    v0, v1 = float(f(y0, one0)[0]), float(f(y1, one1)[0])
    d = poisson_bootstrap(y1, f, m.n_boot, rng, g1) - poisson_bootstrap(y0, f, m.n_boot, rng, g0)
    lo, hi = np.quantile(d, [alpha / 2, 1 - alpha / 2])
    below, above = (d <= 0).mean(), (d >= 0).mean()
    return {
        "control_value": v0,
        "treatment_value": v1,
        "effect": v1 - v0,
        "se": float(d.std(ddof=1)),
        "ci_low": float(lo),
        "ci_high": float(hi),
        "p_value": float(min(1.0, 2 * min(below, above))),
        "method": f"poisson_bootstrap({m.n_boot}, percentile"
        + (", clusters resampled)" if g0 is not None else ")"),
    }


def _quantile_pair(y0, g0, y1, g1, m: Metric, alpha: float) -> dict:
    z = float(norm_isf(alpha / 2))  # = scipy.stats.norm.isf
    q0, se0, _ = _quantile_arm(y0, g0, m.quantile, z)
    q1, se1, _ = _quantile_arm(y1, g1, m.quantile, z)
    eff, se = q1 - q0, float(np.hypot(se0, se1))
    zstat = eff / se if se > 0 else (0.0 if eff == 0 else np.inf)
    return {
        "control_value": q0,
        "treatment_value": q1,
        "effect": eff,
        "se": se,
        "ci_low": eff - z * se,
        "ci_high": eff + z * se,
        "p_value": float(2 * norm_sf(abs(zstat))),
        "var_control": se0**2,
        "var_treatment": se1**2,
        "method": f"quantile {m.quantile:g}, Deng et al. (2018) density-free SE"
        + (", cluster-robust" if g0 is not None else ""),
    }


def unit_level_rows(lf: pl.LazyFrame, arm: str, cluster: str | None, by_key) -> Callable:
    """A function ``(metric, control, arm, segment) -> result dict`` for quantile and
    bootstrap metrics (the unit-level values of each arm are read once and cached)."""
    if by_key is not None:
        lf = lf.with_columns(by_key)
    cache: dict = {}

    def values(col, label, seg):
        key = (col, label, seg)
        if key not in cache:
            cache[key] = _values(lf, col, arm, label, seg, cluster)
        return cache[key]

    def run(m: Metric, control: str, treatment: str, seg, alpha: float) -> dict:
        y0, g0 = values(m.column, control, seg)
        y1, g1 = values(m.column, treatment, seg)
        if y0.size < 2 or y1.size < 2:
            return {}
        pair = _quantile_pair if m.kind == "quantile" else _bootstrap_pair
        out = pair(y0, g0, y1, g1, m, alpha)
        nan = float("nan")
        n_cl = float(len(np.unique(g0)) + len(np.unique(g1))) if g0 is not None else nan
        out.update(n_control=float(y0.size), n_treatment=float(y1.size), df=np.inf)
        out.update(var_reduction=nan, icc=nan, design_effect=nan, n_clusters=n_cl)
        out["n_assignments"] = nan
        return out

    return run
