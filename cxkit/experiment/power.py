"""Sample size and minimum detectable effect for proportion, mean and NPS metrics.

Independent units (``cluster_size=1``): normal-approximation formulas,

* proportion — the pooled-null formula of R ``power.prop.test`` (unequal arms allowed);
* mean — the two-sample t-test (noncentral t, both tails, ``n₀ + r·n₀ − 2`` df; exactly
  statsmodels ``TTestIndPower``, and R ``power.t.test`` to its one-tail approximation), not
  the normal formula, which plans one unit short;
* NPS — the same with the trinomial variance ``σ² = 100²·(P + D − (P − D)²)`` of the
  baseline promoter (P) and detractor (D) shares.

Cluster-randomised designs (``cluster_size > 1``) use the same small-sample logic as the
analysis (CR2 / randomisation inference, whose t reference has about ``G − 2`` df for ``G``
equal clusters), so a planned 10-cluster test is not oversold:

* the design effect of Eldridge, Ashby & Kerry (2006) for cluster sizes with coefficient of
  variation ``cv`` (``cluster_size_cv=``): ``deff = 1 + ((cv² + 1)·m̄ − 1)·ICC`` (Kish's
  ``1 + (m − 1)·ICC`` for equal sizes);
* the effect is compared with the SD of a cluster mean, ``σ_c = σ·√(deff / m̄)`` (σ of a
  proportion or NPS: the unit-level SD implied by the formulas above), and the power is that
  of a two-sample t-test on ``k₀ + k₁`` cluster means (noncentral t with ``k₀ + k₁ − 2`` df,
  exact for equal clusters under the one-way random-effects model); ``clusters_control`` is
  the smallest ``k₀`` that reaches the power.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from cxkit._frames import bad_argument, check_choice

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
    "cluster_size_cv": pl.Float64,
    "df": pl.Float64,
    "n_control": pl.Int64,
    "n_treatment": pl.Int64,
    "n_total": pl.Int64,
    "clusters_control": pl.Int64,
    "clusters_treatment": pl.Int64,
}


def _check(kind, alpha, power, ratio, icc, cluster_size, cv=0.0):
    if kind not in ("proportion", "mean", "nps"):
        check_choice(
            kind, ("proportion", "mean", "nps"), argument="kind", what="metric kind for power"
        )
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise bad_argument(
            "alpha/power",
            (alpha, power),
            rule="alpha and power lie strictly between 0 and 1",
            hint="pass e.g. alpha=0.05, power=0.8",
        )
    if ratio <= 0 or not 0 <= icc < 1 or cluster_size < 1 or cv < 0:
        raise bad_argument(
            "ratio/icc/cluster_size/cluster_size_cv",
            (ratio, icc, cluster_size, cv),
            rule="ratio > 0, 0 <= icc < 1, cluster_size >= 1 and cluster_size_cv >= 0",
            hint="pass e.g. ratio=1, icc=0.05, cluster_size=50, cluster_size_cv=0.5",
        )
    return 1 + ((cv**2 + 1) * cluster_size - 1) * icc


def _t_power(k0: float, ratio: float, d: float, alpha: float) -> float:
    """Power of the two-sided two-sample t-test on k₀ and r·k₀ cluster means, standardised
    effect d (effect ÷ SD of a cluster mean)."""
    from scipy import stats  # loaded when first needed

    k1 = ratio * k0
    df = k0 + k1 - 2
    if df <= 0:
        return 0.0
    ncp = abs(d) / math.sqrt(1 / k0 + 1 / k1)
    crit = stats.t.isf(alpha / 2, df)
    p = float(stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp))
    return p if np.isfinite(p) else 1.0  # scipy's nct gives NaN only far in the upper tail


def _clusters_needed(d: float, ratio: float, alpha: float, power: float) -> int:
    """Smallest number of control clusters whose t-test reaches ``power``."""
    from scipy import stats  # loaded when first needed

    za, zb = stats.norm.isf(alpha / 2), stats.norm.isf(1 - power)
    k = max(2, math.floor((za + zb) ** 2 * (1 + 1 / ratio) / d**2))  # normal start, below
    while _t_power(k, ratio, d, alpha) < power - 1e-12:
        k += 1
    return k


def _sd(kind, baseline, sd):
    if kind == "mean":
        if sd is None or sd <= 0:
            raise bad_argument(
                "sd",
                sd,
                rule="a mean metric needs a positive sd=",
                hint="pass sd= the outcome's standard deviation (from pilot data: cx.experiment.pilot_moments)",
            )
        return float(sd), float(baseline)
    if kind == "nps":
        try:
            prom, det = baseline
        except (TypeError, ValueError):
            raise bad_argument(
                "baseline",
                baseline,
                rule="an NPS baseline is (promoter share, detractor share)",
                hint="pass e.g. baseline=(0.45, 0.20)",
            ) from None
        var = prom + det - (prom - det) ** 2
        return 100 * math.sqrt(var), 100 * (prom - det)
    if not 0 < baseline < 1:
        raise bad_argument(
            "baseline",
            baseline,
            rule="a proportion baseline lies strictly between 0 and 1",
            hint="pass the control arm's rate as a fraction, e.g. baseline=0.3",
        )
    return None, float(baseline)


def _n_prop(p0, delta, za, zb, r):
    p1 = p0 + delta
    pbar = (p0 + r * p1) / (1 + r)
    num = za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / r)) + zb * math.sqrt(
        p0 * (1 - p0) + p1 * (1 - p1) / r
    )
    return (num / abs(delta)) ** 2


def _frame(kind, base, effect, alpha, power, design, n0, r, k0=None):
    icc, m, deff, cv = design
    n0i = math.ceil(n0 - 1e-9)
    n1i = math.ceil(n0 * r - 1e-9)
    k0 = math.ceil(n0i / m) if k0 is None else k0
    k1 = math.ceil(k0 * r - 1e-9)
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
                "cluster_size_cv": float(cv),
                "df": float(k0 + k1 - 2) if m > 1 else None,
                "n_control": n0i,
                "n_treatment": n1i,
                "n_total": n0i + n1i,
                "clusters_control": k0,
                "clusters_treatment": k1 if m > 1 else math.ceil(n1i / m),
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
    cluster_size_cv: float = 0.0,
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
        Intra-cluster correlation and average units per cluster (agent, store, week). With
        ``cluster_size > 1`` the design is cluster-randomised: whole clusters are counted
        and the t reference has ``clusters − 2`` df (see the module notes).
    cluster_size_cv : float
        Coefficient of variation of the cluster sizes (SD / mean; 0 = equal sizes, about
        0.5–1 for agents' workloads); enlarges the design effect (Eldridge et al. 2006).

    Returns
    -------
    polars.DataFrame
        One row: ``kind``, ``baseline`` (NPS in points), ``mde``, ``alpha``, ``power``,
        ``icc``, ``cluster_size``, ``design_effect``, ``cluster_size_cv``, ``df`` (of the
        planned clustered analysis, null for independent units), ``n_control``,
        ``n_treatment``, ``n_total`` (units, rounded up), ``clusters_control``,
        ``clusters_treatment``.

    Examples
    --------
    >>> sample_size("proportion", baseline=0.5, mde=0.25, power=0.9)["n_control"].item()
    77
    >>> sample_size("mean", baseline=300, mde=10, sd=120, icc=0.05, cluster_size=50)["clusters_control"].item()
    157
    >>> sample_size("mean", baseline=300, mde=60, sd=120, icc=0.05, cluster_size=50,
    ...             cluster_size_cv=0.8)[["clusters_control", "df"]].row(0)
    (8, 14.0)
    """
    from scipy import stats  # loaded when first needed

    deff = _check(kind, alpha, power, ratio, icc, cluster_size, cluster_size_cv)
    sd_, base = _sd(kind, baseline, sd)
    if mde == 0:
        raise bad_argument(
            "mde",
            mde,
            rule="the minimum detectable effect is non-zero",
            hint="pass the smallest effect worth detecting, in the metric's unit",
        )
    za, zb = stats.norm.isf(alpha / 2), stats.norm.isf(1 - power)
    if kind == "proportion":
        if not 0 < baseline + mde < 1:
            raise bad_argument(
                "mde",
                mde,
                rule="baseline + mde stays strictly between 0 and 1",
                hint="pass a smaller mde (fractions: 0.02 is 2 points)",
            )
        n0 = _n_prop(base, mde, za, zb, ratio)
    else:
        n0 = (za + zb) ** 2 * sd_**2 * (1 + 1 / ratio) / mde**2
    design = (icc, cluster_size, deff, cluster_size_cv)
    if kind == "mean" and cluster_size <= 1:
        n0 = _t_units(mde / sd_, ratio, alpha, power)
    if cluster_size > 1:
        # the unit SD the iid formula implies, then the SD of a cluster mean
        sd_unit = abs(mde) * math.sqrt(n0 / ((za + zb) ** 2 * (1 + 1 / ratio)))
        k0 = _clusters_needed(mde / (sd_unit * math.sqrt(deff / cluster_size)), ratio, alpha, power)
        return _frame(kind, base, float(mde), alpha, power, design, k0 * cluster_size, ratio, k0)
    return _frame(kind, base, float(mde), alpha, power, design, n0 * deff, ratio)


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
    cluster_size_cv: float = 0.0,
) -> pl.DataFrame:
    """Minimum detectable effect (an increase) with ``n_control`` units in control.

    Parameters are those of :func:`sample_size`; with ``cluster_size > 1`` the
    ``n_control / cluster_size`` control clusters are tested with a t reference on
    ``clusters − 2`` df.

    Returns
    -------
    polars.DataFrame
        The columns of :func:`sample_size`, with ``mde`` solved for.

    Examples
    --------
    >>> round(mde("mean", baseline=0, n_control=100, sd=1)["mde"].item(), 4)
    0.3981
    >>> round(mde("mean", baseline=0, n_control=500, sd=1, icc=0.05, cluster_size=50)["mde"].item(), 3)
    0.348
    """
    from scipy import optimize, stats  # loaded when first needed

    deff = _check(kind, alpha, power, ratio, icc, cluster_size, cluster_size_cv)
    sd_, base = _sd(kind, baseline, sd)
    za, zb = stats.norm.isf(alpha / 2), stats.norm.isf(1 - power)
    design = (icc, cluster_size, deff, cluster_size_cv)
    if cluster_size > 1:
        k0 = n_control / cluster_size
        effect = _cluster_mde(kind, base, sd_, k0, ratio, alpha, power, deff, cluster_size)
        return _frame(
            kind, base, effect, alpha, power, design, float(n_control), ratio, math.ceil(k0 - 1e-9)
        )
    n_iid = n_control / deff
    if kind == "proportion":
        hi = 1 - base - 1e-9

        def gap(d):
            return _n_prop(base, d, za, zb, ratio) - n_iid

        effect = float("nan") if gap(hi) > 0 else float(optimize.brentq(gap, 1e-09, hi, xtol=1e-12))
    elif kind == "mean":
        effect = _t_effect(n_iid, ratio, alpha, power) * sd_
    else:
        effect = float((za + zb) * sd_ * np.sqrt((1 + 1 / ratio) / n_iid))
    return _frame(kind, base, effect, alpha, power, design, float(n_control), ratio)


def _t_units(d: float, ratio: float, alpha: float, power: float) -> float:
    """Control units (continuous) at which the two-sample t-test reaches ``power``."""
    from scipy import optimize, stats  # loaded when first needed

    za, zb = stats.norm.isf(alpha / 2), stats.norm.isf(1 - power)
    start = (za + zb) ** 2 * (1 + 1 / ratio) / d**2
    hi = start + 50
    while _t_power(hi, ratio, d, alpha) < power:
        hi *= 2
    return float(
        optimize.brentq(lambda k: _t_power(k, ratio, d, alpha) - power, 1.5, hi, xtol=1e-10)
    )


def _t_effect(n0: float, ratio: float, alpha: float, power: float) -> float:
    """Standardised effect the two-sample t-test with ``n0`` control units detects."""
    from scipy import optimize  # loaded when first needed

    if n0 * (1 + ratio) <= 2:
        return float("nan")
    return float(
        optimize.brentq(lambda d: _t_power(n0, ratio, d, alpha) - power, 1e-9, 100, xtol=1e-12)
    )


def _cluster_mde(kind, base, sd_, k0, ratio, alpha, power, deff, m) -> float:
    """Effect whose cluster-mean t-test with k₀ control clusters has the target power."""
    from scipy import optimize, stats  # loaded when first needed

    za, zb = stats.norm.isf(alpha / 2), stats.norm.isf(1 - power)

    def sd_cluster(d):
        if kind != "proportion":
            return sd_ * math.sqrt(deff / m)
        n0 = _n_prop(base, d, za, zb, ratio)
        return d * math.sqrt(n0 / ((za + zb) ** 2 * (1 + 1 / ratio))) * math.sqrt(deff / m)

    def gap(d):
        return _t_power(k0, ratio, d / sd_cluster(d), alpha) - power

    # an upper end with power ~1 (noncentral t with ncp 40)
    ncp_hi = 40 * math.sqrt(1 / k0 + 1 / (ratio * k0)) if k0 > 0 else 1.0
    hi = 1 - base - 1e-9 if kind == "proportion" else ncp_hi * sd_cluster(1.0)
    if k0 * (1 + ratio) <= 2 or gap(hi) < 0:
        return float("nan")
    return float(optimize.brentq(gap, 1e-9 if kind == "proportion" else 1e-9 * sd_, hi, xtol=1e-12))
