"""Sample size and minimum detectable effect for proportion, mean and NPS metrics.

Normal-approximation formulas, inflated by the cluster design effect
``deff = 1 + (m − 1)·ICC`` for ``m`` units per cluster:

* proportion — the pooled-null formula of R ``power.prop.test`` (unequal arms allowed);
* mean — ``n₀ = (z₁₋α/₂ + z₁₋β)² σ² (1 + 1/r) / δ²``;
* NPS — the same with the trinomial variance ``σ² = 100²·(P + D − (P − D)²)`` of the
  baseline promoter (P) and detractor (D) shares.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from scipy import optimize, stats

__all__ = ["mde", "sample_size"]

_COLUMNS = {
    "kind": pl.String,
    "baseline": pl.Float64,
    "mde": pl.Float64,
    "alpha": pl.Float64,
    "power": pl.Float64,
    "icc": pl.Float64,
    "cluster_size": pl.Float64,
    "design_effect": pl.Float64,
    "n_control": pl.Int64,
    "n_treatment": pl.Int64,
    "n_total": pl.Int64,
    "clusters_control": pl.Int64,
    "clusters_treatment": pl.Int64,
}


def _check(kind, alpha, power, ratio, icc, cluster_size):
    if kind not in ("proportion", "mean", "nps"):
        raise ValueError(f"kind must be 'proportion', 'mean' or 'nps', got {kind!r}")
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError("alpha and power must be in (0, 1)")
    if ratio <= 0 or not 0 <= icc < 1 or cluster_size < 1:
        raise ValueError("ratio > 0, 0 <= icc < 1 and cluster_size >= 1 are required")
    return 1 + (cluster_size - 1) * icc


def _sd(kind, baseline, sd):
    if kind == "mean":
        if sd is None or sd <= 0:
            raise ValueError("a mean metric needs sd= (the outcome's standard deviation)")
        return float(sd), float(baseline)
    if kind == "nps":
        try:
            prom, det = baseline
        except (TypeError, ValueError):
            raise ValueError(
                "an NPS metric needs baseline=(promoter share, detractor share)"
            ) from None
        var = prom + det - (prom - det) ** 2
        return 100 * math.sqrt(var), 100 * (prom - det)
    if not 0 < baseline < 1:
        raise ValueError("a proportion baseline must be in (0, 1)")
    return None, float(baseline)


def _n_prop(p0, delta, za, zb, r):
    p1 = p0 + delta
    pbar = (p0 + r * p1) / (1 + r)
    num = za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / r)) + zb * math.sqrt(
        p0 * (1 - p0) + p1 * (1 - p1) / r
    )
    return (num / abs(delta)) ** 2


def _frame(kind, base, effect, alpha, power, icc, m, deff, n0, r):
    n0i = math.ceil(n0 - 1e-9)
    n1i = math.ceil(n0 * r - 1e-9)
    return pl.DataFrame(
        [
            {
                "kind": kind,
                "baseline": base,
                "mde": effect,
                "alpha": alpha,
                "power": power,
                "icc": icc,
                "cluster_size": float(m),
                "design_effect": deff,
                "n_control": n0i,
                "n_treatment": n1i,
                "n_total": n0i + n1i,
                "clusters_control": math.ceil(n0i / m),
                "clusters_treatment": math.ceil(n1i / m),
            }
        ],
        schema=_COLUMNS,
    )


def sample_size(
    kind: str,
    *,
    baseline: float | tuple[float, float],
    mde: float,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    icc: float = 0.0,
    cluster_size: float = 1.0,
) -> pl.DataFrame:
    """Units (and clusters) needed to detect ``mde`` with a two-sided test.

    Parameters
    ----------
    kind : {"proportion", "mean", "nps"}
    baseline : float or (promoters, detractors)
        Control proportion (0–1), control mean, or NPS promoter and detractor shares.
    mde : float
        Effect to detect, in the metric's unit (fraction for proportions, e.g. 0.02; NPS
        points; the mean's unit). May be negative for proportions.
    sd : float
        Standard deviation of a mean metric.
    ratio : float
        ``n_treatment / n_control``.
    icc, cluster_size : float
        Intra-cluster correlation and average units per cluster (agent, store, week).

    Returns
    -------
    polars.DataFrame
        One row: ``kind``, ``baseline`` (NPS in points), ``mde``, ``alpha``, ``power``,
        ``icc``, ``cluster_size``, ``design_effect``, ``n_control``, ``n_treatment``,
        ``n_total`` (units, rounded up), ``clusters_control``, ``clusters_treatment``.

    Examples
    --------
    >>> sample_size("proportion", baseline=0.5, mde=0.25, power=0.9)["n_control"].item()
    77
    >>> sample_size("mean", baseline=300, mde=10, sd=120, icc=0.05, cluster_size=50)["clusters_control"].item()
    156
    """
    deff = _check(kind, alpha, power, ratio, icc, cluster_size)
    sd_, base = _sd(kind, baseline, sd)
    if mde == 0:
        raise ValueError("mde must be non-zero")
    za, zb = stats.norm.isf(alpha / 2), stats.norm.isf(1 - power)
    if kind == "proportion":
        if not 0 < baseline + mde < 1:
            raise ValueError("baseline + mde must stay inside (0, 1)")
        n0 = _n_prop(base, mde, za, zb, ratio)
    else:
        n0 = (za + zb) ** 2 * sd_**2 * (1 + 1 / ratio) / mde**2
    return _frame(kind, base, float(mde), alpha, power, icc, cluster_size, deff, n0 * deff, ratio)


def mde(
    kind: str,
    *,
    baseline: float | tuple[float, float],
    n_control: int,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    icc: float = 0.0,
    cluster_size: float = 1.0,
) -> pl.DataFrame:
    """Minimum detectable effect (an increase) with ``n_control`` units in control.

    Returns
    -------
    polars.DataFrame
        The columns of :func:`sample_size`, with ``mde`` solved for.

    Examples
    --------
    >>> round(mde("mean", baseline=0, n_control=100, sd=1)["mde"].item(), 4)
    0.3962
    """
    deff = _check(kind, alpha, power, ratio, icc, cluster_size)
    sd_, base = _sd(kind, baseline, sd)
    za, zb = stats.norm.isf(alpha / 2), stats.norm.isf(1 - power)
    n_iid = n_control / deff
    if kind == "proportion":
        hi = 1 - base - 1e-9

        def gap(d):
            return _n_prop(base, d, za, zb, ratio) - n_iid

        effect = float("nan") if gap(hi) > 0 else float(optimize.brentq(gap, 1e-09, hi, xtol=1e-12))
    else:
        effect = float((za + zb) * sd_ * np.sqrt((1 + 1 / ratio) / n_iid))
    return _frame(
        kind, base, effect, alpha, power, icc, cluster_size, deff, float(n_control), ratio
    )
