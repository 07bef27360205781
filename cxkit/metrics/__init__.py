"""Score definitions and their intervals, shared by the journey, satisfaction and A/B modules.

* **CSAT** — the top-box share (default 4–5 on a 1–5 scale; configurable for 1–7 and 0–10),
  with a Wilson interval (Agresti–Coull as an option).
* **NPS** — % promoters (9–10) minus % detractors (0–6) in points (−100..100), with the
  adjusted-Wald interval of Rocks (2016) (Wald as an option).
* **CES** — customer effort on 1–7: the mean, the % agree (5–7) or the net score
  (% agree − % disagree, 1–3).
* **Means** — t interval.
* **Weights** — Kish's effective sample size ``n_eff = (Σw)² / Σw²`` replaces ``n`` in the
  intervals.
* **Multiple testing** — :func:`holm` and :func:`benjamini_hochberg` adjusted p-values.

:func:`summarize` computes any of these per group: sufficient statistics in one polars
``group_by``, then intervals on the small aggregate with numpy/scipy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl
from scipy import stats

from cxkit.errors import CxDataError, missing_column_error

__all__ = [
    "adjust_p",
    "DEFAULT_SCALES",
    "agresti_coull_interval",
    "benjamini_hochberg",
    "default_top_box",
    "holm",
    "kish_n_eff",
    "mean_interval",
    "newcombe_interval",
    "nps_interval",
    "proportion_interval",
    "summarize",
    "two_proportion_p",
    "wilson_interval",
]

Metric = Literal["mean", "csat", "nps", "ces", "share"]

#: Default rating scale (inclusive) for each metric when ``scale`` is not given.
DEFAULT_SCALES: dict[str, tuple[int, int]] = {
    "csat": (1, 5),
    "nps": (0, 10),
    "ces": (1, 7),
    "share": (0, 1),
}


def _z(alpha: float) -> float:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    return float(stats.norm.isf(alpha / 2))


def _as_float(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _unwrap(*arrays: np.ndarray):
    """Return Python floats for 0-d inputs, arrays otherwise."""
    out = tuple(float(a) if np.ndim(a) == 0 else a for a in arrays)
    return out


def wilson_interval(successes, n, *, alpha: float = 0.05):
    """Wilson score interval for a proportion (vectorised).

    Parameters
    ----------
    successes, n : float or array-like
        Number of successes and trials (may be non-integer effective counts, e.g.
        ``share * n_eff`` under weights). ``n <= 0`` gives NaN.
    alpha : float
        1 − confidence level (two-sided).

    Returns
    -------
    (low, high) : floats or numpy arrays
        Interval bounds as fractions 0–1. Identical to statsmodels
        ``proportion_confint(method="wilson")``.

    Examples
    --------
    >>> lo, hi = wilson_interval(45, 100)
    >>> round(lo, 4), round(hi, 4)
    (0.3561, 0.5475)
    """
    z = _z(alpha)
    x, n = np.broadcast_arrays(_as_float(successes), _as_float(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        n_ok = np.where(n > 0, n, np.nan)
        p = x / n_ok
        z2 = z * z
        denom = 1 + z2 / n_ok
        center = (p + z2 / (2 * n_ok)) / denom
        dist = z * np.sqrt(np.clip(p * (1 - p), 0, None) / n_ok + z2 / (4 * n_ok**2)) / denom
    return _unwrap(center - dist, center + dist)


def newcombe_interval(successes_0, n_0, successes_1, n_1, *, alpha: float = 0.05):
    """Newcombe's hybrid-score interval for a difference of proportions ``p1 − p0``.

    Method 10 of Newcombe (1998): Wilson intervals of each proportion combined by the
    square-and-add rule. Vectorised; NaN where a group has ``n <= 0``.

    Returns
    -------
    (low, high) : floats or numpy arrays
        Bounds of ``p1 − p0`` (fractions). Identical to statsmodels
        ``confint_proportions_2indep(..., method="newcomb")`` (its ``count1`` is group 1).

    Examples
    --------
    >>> lo, hi = newcombe_interval(40, 100, 56, 100)
    >>> round(lo, 4), round(hi, 4)
    (0.0216, 0.29)
    """
    x0, n0, x1, n1 = np.broadcast_arrays(*map(_as_float, (successes_0, n_0, successes_1, n_1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        p0, p1 = x0 / np.where(n0 > 0, n0, np.nan), x1 / np.where(n1 > 0, n1, np.nan)
    l0, u0 = (np.asarray(b) for b in wilson_interval(x0, n0, alpha=alpha))
    l1, u1 = (np.asarray(b) for b in wilson_interval(x1, n1, alpha=alpha))
    d = p1 - p0
    low = d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return _unwrap(low, high)


def two_proportion_p(successes_0, n_0, successes_1, n_1):
    """Two-sided p-value of the pooled two-proportion z-test (vectorised).

    The same as R's ``prop.test(correct = FALSE)`` and statsmodels
    ``proportions_ztest``. Equal proportions of 0 or 1 (no variance) give p = 1.

    Examples
    --------
    >>> round(two_proportion_p(40, 100, 56, 100), 4)
    0.0235
    """
    x0, n0, x1, n1 = np.broadcast_arrays(*map(_as_float, (successes_0, n_0, successes_1, n_1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        pbar = (x0 + x1) / (n0 + n1)
        se = np.sqrt(pbar * (1 - pbar) * (1 / n0 + 1 / n1))
        z = (x1 / n1 - x0 / n0) / se
        p = 2 * stats.norm.sf(np.abs(z))
    # identical proportions with a pooled share of 0 or 1: no evidence of a difference
    return _unwrap(np.where(se > 0, p, 1.0))[0]


def agresti_coull_interval(successes, n, *, alpha: float = 0.05):
    """Agresti–Coull interval for a proportion (vectorised), clipped to [0, 1].

    Adds z²/2 successes and z² trials, then uses the Wald formula — statsmodels
    ``proportion_confint(method="agresti_coull")``.

    Returns
    -------
    (low, high) : floats or numpy arrays
        Interval bounds as fractions 0–1; NaN where ``n <= 0``.

    Examples
    --------
    >>> lo, hi = agresti_coull_interval(45, 100)
    >>> round(lo, 4), round(hi, 4)
    (0.3561, 0.5476)
    """
    z = _z(alpha)
    x, n = np.broadcast_arrays(_as_float(successes), _as_float(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        n_ok = np.where(n > 0, n, np.nan)
        n_c = n_ok + z * z
        q = (x + z * z / 2) / n_c
        dist = z * np.sqrt(q * (1 - q) / n_c)
    return _unwrap(np.clip(q - dist, 0, 1), np.clip(q + dist, 0, 1))


def proportion_interval(successes, n, *, alpha: float = 0.05, method: str = "wilson"):
    """Dispatch to :func:`wilson_interval` or :func:`agresti_coull_interval` by ``method``.

    >>> proportion_interval(0, 10)[0]
    0.0
    """
    if method == "wilson":
        return wilson_interval(successes, n, alpha=alpha)
    if method == "agresti_coull":
        return agresti_coull_interval(successes, n, alpha=alpha)
    raise ValueError(f"method must be 'wilson' or 'agresti_coull', got {method!r}")


def nps_interval(
    promoters,
    passives,
    detractors,
    *,
    alpha: float = 0.05,
    method: Literal["adjusted_wald", "wald"] = "adjusted_wald",
):
    """Net Promoter Score and its interval, in points (−100..100), vectorised.

    Parameters
    ----------
    promoters, passives, detractors : float or array-like
        Counts (or effective counts under weights) of scores 9–10, 7–8 and 0–6.
    method : {"adjusted_wald", "wald"}
        ``"adjusted_wald"`` (default, Rocks 2016): add ¾ to promoters and to detractors
        (and 1½ to passives, so n + 3), then the Wald interval around the adjusted score
        with variance ``(p̃_pro + p̃_det − (p̃_pro − p̃_det)²) / (n + 3)``.
        ``"wald"``: the same formula on the raw shares and n.

    Returns
    -------
    (estimate, low, high) : floats or numpy arrays
        The raw NPS (100 × (promoters − detractors) / n) and the interval bounds, clipped
        to [−100, 100]; NaN where n = 0.

    Examples
    --------
    >>> est, lo, hi = nps_interval(50, 30, 20)
    >>> round(est, 1), round(lo, 2), round(hi, 2)
    (30.0, 14.05, 44.2)
    """
    z = _z(alpha)
    pro, pas, det = np.broadcast_arrays(
        _as_float(promoters), _as_float(passives), _as_float(detractors)
    )
    n = pro + pas + det
    with np.errstate(divide="ignore", invalid="ignore"):
        n_ok = np.where(n > 0, n, np.nan)
        estimate = 100 * (pro - det) / n_ok
        if method == "adjusted_wald":
            n_a = n_ok + 3
            pp, pd = (pro + 0.75) / n_a, (det + 0.75) / n_a
        elif method == "wald":
            n_a = n_ok
            pp, pd = pro / n_a, det / n_a
        else:
            raise ValueError(f"method must be 'adjusted_wald' or 'wald', got {method!r}")
        centre = pp - pd
        se = np.sqrt(np.clip(pp + pd - centre**2, 0, None) / n_a)
    low = np.clip(100 * (centre - z * se), -100, 100)
    high = np.clip(100 * (centre + z * se), -100, 100)
    return _unwrap(estimate, low, high)


def mean_interval(mean, sd, n, *, alpha: float = 0.05):
    """Student t interval for a mean: ``mean ± t(1 − α/2, n − 1) · sd / √n`` (vectorised).

    ``n`` may be an effective (non-integer) n; NaN where ``n < 2``.

    Returns
    -------
    (low, high) : floats or numpy arrays

    Examples
    --------
    >>> lo, hi = mean_interval(3.2, 1.1, 50)
    >>> round(lo, 4), round(hi, 4)
    (2.8874, 3.5126)
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    m, s, n = np.broadcast_arrays(_as_float(mean), _as_float(sd), _as_float(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        n_ok = np.where(n >= 2, n, np.nan)
        half = stats.t.isf(alpha / 2, n_ok - 1) * s / np.sqrt(n_ok)
    return _unwrap(m - half, m + half)


def kish_n_eff(weights) -> float:
    """Kish's effective sample size ``(Σw)² / Σw²`` (NaN weights ignored).

    Examples
    --------
    >>> kish_n_eff([1, 1, 1, 1])
    4.0
    >>> round(kish_n_eff([1, 1, 2, 4]), 4)
    2.9091
    """
    w = _as_float(weights).ravel()
    w = w[~np.isnan(w)]
    if np.any(w < 0):
        raise CxDataError(
            "Weights must not be negative.",
            rule="weights >= 0",
            n_rows=int(np.sum(w < 0)),
            examples=w[w < 0][:5].tolist(),
            hint="fix or drop the negative weights",
        )
    s2 = float(np.sum(w**2))
    return float(np.sum(w) ** 2 / s2) if s2 > 0 else 0.0


def _p_array(p) -> tuple[np.ndarray, np.ndarray]:
    arr = _as_float(p)
    flat = arr.ravel()
    ok = ~np.isnan(flat)
    if np.any((flat[ok] < 0) | (flat[ok] > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    return arr, ok


def holm(p) -> np.ndarray:
    """Holm (step-down Bonferroni) adjusted p-values; NaN stays NaN, order preserved.

    The family is the non-missing p-values. Matches statsmodels
    ``multipletests(method="holm")``.

    Examples
    --------
    >>> holm([0.01, 0.04, float("nan"), 0.03]).round(3).tolist()
    [0.03, 0.06, nan, 0.06]
    """
    arr, ok = _p_array(p)
    flat = arr.ravel().copy()
    q = flat[ok]
    m = q.size
    if m:
        order = np.argsort(q, kind="stable")
        adj = np.maximum.accumulate((m - np.arange(m)) * q[order])
        out = np.empty(m)
        out[order] = np.minimum(adj, 1.0)
        flat[ok] = out
    return flat.reshape(arr.shape)


def benjamini_hochberg(p) -> np.ndarray:
    """Benjamini–Hochberg (FDR) adjusted p-values; NaN stays NaN, order preserved.

    Matches statsmodels ``multipletests(method="fdr_bh")``.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    arr, ok = _p_array(p)
    flat = arr.ravel().copy()
    q = flat[ok]
    m = q.size
    if m:
        order = np.argsort(q, kind="stable")[::-1]  # largest first
        ranks = m - np.arange(m)  # rank of each in ascending order
        adj = np.minimum.accumulate(q[order] * m / ranks)
        out = np.empty(m)
        out[order] = np.minimum(adj, 1.0)
        flat[ok] = out
    return flat.reshape(arr.shape)


def adjust_p(p, correction: str = "holm") -> np.ndarray:
    """Adjusted p-values under ``correction`` (``"holm"``, ``"bh"``, ``"bonferroni"``,
    ``"none"``); NaN stays NaN and is not counted in the family. The one entry point every
    module uses for ``correction=``.

    Unlike statsmodels ``multipletests``, which counts NaN p-values in the family size, the
    family here is the non-missing p-values (the same as R ``p.adjust`` with ``n`` = their count).

    Examples
    --------
    >>> adjust_p([0.01, 0.04, float("nan"), 0.03], "bonferroni").round(3).tolist()
    [0.03, 0.12, nan, 0.09]
    >>> adjust_p([0.01, 0.04, 0.03], "bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    from cxkit._frames import check_correction

    check_correction(correction)
    arr = np.asarray(p, float)
    if correction == "holm":
        return holm(arr)
    if correction == "bh":
        return benjamini_hochberg(arr)
    if correction == "bonferroni":
        return np.minimum(arr * np.isfinite(arr).sum(), 1.0)
    return arr.copy()


def default_top_box(scale: tuple[float, float]) -> tuple[float, float]:
    """The default CSAT top box for a scale: 4–5 on 1–5, 6–7 on 1–7, 9–10 on 0–10.

    Other scales: the top two points.

    >>> default_top_box((1, 7))
    (6, 7)
    """
    lo, hi = scale
    return (hi - 1, hi)


def _resolve_top_box(top_box, scale) -> tuple[float, float]:
    if top_box is None:
        return default_top_box(scale)
    if isinstance(top_box, int | np.integer):
        k = int(top_box)
        if k < 1:
            raise ValueError(f"top_box as an int is the number of top points (>= 1), got {k}")
        return (scale[1] - k + 1, scale[1])
    lo, hi = top_box
    if lo > hi or lo < scale[0] or hi > scale[1]:
        raise ValueError(f"top_box {top_box!r} must lie within the scale {scale!r}")
    return (lo, hi)


def _as_list(by) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def summarize(
    frame: pl.DataFrame | pl.LazyFrame,
    column: str,
    *,
    metric: Metric = "mean",
    by: str | Sequence[str] | None = None,
    weight: str | None = None,
    scale: tuple[float, float] | None = None,
    top_box: tuple[float, float] | int | None = None,
    ces: Literal["mean", "agree", "net"] = "mean",
    interval: str | None = None,
    alpha: float = 0.05,
    se: bool = False,
) -> pl.DataFrame:
    """A score per group with its effective base and interval.

    Sufficient statistics come from one polars ``group_by`` (lazy); intervals are
    computed on the aggregate. Missing scores (null/NaN) and rows with a missing weight
    are left out of ``n``.

    Parameters
    ----------
    frame : polars DataFrame or LazyFrame
        One row per response; not modified.
    column : str
        The score column.
    metric : {"mean", "csat", "nps", "ces", "share"}
        ``"mean"``: mean with t interval. ``"share"``: share of 1/True in a 0/1 or Boolean
        column (Wilson). ``"csat"``: top-box share (Wilson).
        ``"nps"``: NPS in points on 0–10 (adjusted Wald). ``"ces"``: effort on 1–7, scored
        as set by ``ces``.
    by : str or list of str, optional
        Grouping columns; the result has one row per group, sorted by them.
    weight : str, optional
        Weight column (non-negative). Estimates are weighted; intervals use Kish's n_eff.
    scale : (low, high), optional
        Inclusive valid range of the scores; values outside raise :class:`CxDataError`.
        Defaults: csat 1–5, nps 0–10, ces 1–7; not checked for ``"mean"`` unless given.
    top_box : (low, high) or int, optional
        CSAT top box (inclusive range) or the number of top points; default top two.
    ces : {"mean", "agree", "net"}
        CES as the mean, the share agreeing (5–7 on 1–7, i.e. above the midpoint) or the
        net score (share agreeing − share disagreeing, as a fraction −1..1).
    interval : str, optional
        ``"wilson"`` (default) or ``"agresti_coull"`` for shares; ``"adjusted_wald"``
        (default) or ``"wald"`` for NPS and CES net.
    alpha : float
        1 − confidence level.
    se : bool
        Also return ``se`` (standard error of the estimate, using n_eff) and ``sd`` (the
        per-response standard deviation of the score: for shares √(p(1−p)), for NPS
        100·√(p_pro + p_det − (p_pro − p_det)²)), used by comparisons and control charts.

    Returns
    -------
    polars.DataFrame
        The ``by`` columns, then:

        ========== ===============================================================
        n          responses with a score (Int64)
        n_eff      Kish effective n (= n without weights)
        estimate   the score: mean, share 0–1, NPS points, or CES net −1..1
        ci_low     lower bound (null when it cannot be computed, e.g. n < 2)
        ci_high    upper bound
        metric     label of what ``estimate`` is: ``mean``, ``csat_top_box``,
                   ``nps``, ``ces_mean``, ``ces_agree``, ``ces_net`` or ``share``
        ========== ===============================================================

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"seg": ["a"] * 4 + ["b"] * 4, "csat": [5, 4, 2, 5, 3, 3, 4, 1]})
    >>> summarize(df, "csat", metric="csat", by="seg").select("seg", "n", "estimate")
    shape: (2, 3)
    ┌─────┬─────┬──────────┐
    │ seg ┆ n   ┆ estimate │
    │ --- ┆ --- ┆ ---      │
    │ str ┆ i64 ┆ f64      │
    ╞═════╪═════╪══════════╡
    │ a   ┆ 4   ┆ 0.75     │
    │ b   ┆ 4   ┆ 0.25     │
    └─────┴─────┴──────────┘
    """
    if metric not in ("mean", "csat", "nps", "ces", "share"):
        raise ValueError(f"metric must be 'mean', 'csat', 'nps', 'ces' or 'share', got {metric!r}")
    if ces not in ("mean", "agree", "net"):
        raise ValueError(f"ces must be 'mean', 'agree' or 'net', got {ces!r}")
    lf = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    if not isinstance(lf, pl.LazyFrame):
        raise TypeError("summarize() needs a polars DataFrame or LazyFrame")
    by_cols = _as_list(by)
    names = lf.collect_schema().names()
    for col, role, arg in [(column, "score", "column"), (weight, "weight", "weight")] + [
        (b, "grouping column", "by") for b in by_cols
    ]:
        if col is not None and col not in names:
            raise missing_column_error(col, names, source="summarize", role=role, argument=arg)
    dtype = lf.collect_schema()[column]
    if not (dtype.is_numeric() or dtype == pl.Boolean):
        raise CxDataError(
            f"The score column {column!r} must be numeric, found {dtype}.",
            column=column,
            rule="numeric score",
            hint="convert it first (e.g. map labels to numbers) or read it with cx.read_survey",
        )
    if scale is None:
        scale = DEFAULT_SCALES.get(metric)
    if metric == "nps" and tuple(scale) != (0, 10):
        raise ValueError("NPS is defined on 0–10; rescale the scores first")

    x = pl.col(column).cast(pl.Float64)
    valid = x.is_not_null() & x.is_not_nan()
    w = pl.col(weight).cast(pl.Float64) if weight else pl.lit(1.0)
    if weight:
        valid = valid & w.is_not_null() & w.is_not_nan()
    base = lf.select(*by_cols, x.alias("_x"), w.alias("_w"), valid.alias("_ok"))

    # Validate range and weights on the data (one lazy pass each, cheap).
    checks = []
    if scale is not None:
        checks.append(
            (
                (pl.col("_x") < scale[0]) | (pl.col("_x") > scale[1]),
                f"scores within {scale[0]}–{scale[1]}",
                "pass scale=(low, high) matching your data, or map the codes to null first "
                "(e.g. cx.read_survey(..., na_codes=[...]))",
            )
        )
    if weight:
        checks.append((pl.col("_w") < 0, "weights >= 0", "fix or drop the negative weights"))
    for cond, rule, hint in checks:
        bad = base.filter(pl.col("_ok") & cond).select("_x", "_w").head(5).collect()
        if bad.height:
            n_bad = base.filter(pl.col("_ok") & cond).select(pl.len()).collect().item()
            raise CxDataError(
                f"Column {column!r} breaks the rule: {rule}.",
                column=column if "score" in rule else weight,
                rule=rule,
                n_rows=n_bad,
                examples=bad.rename({"_x": column, "_w": weight or "weight"}).to_dicts(),
                hint=hint,
            )

    ok = base.filter(pl.col("_ok"))
    wc, xc = pl.col("_w"), pl.col("_x")
    aggs = [
        pl.len().cast(pl.Int64).alias("n"),
        wc.sum().alias("sw"),
        (wc * wc).sum().alias("sw2"),
    ]
    if metric == "mean" or (metric == "ces" and ces == "mean"):
        label = "mean" if metric == "mean" else "ces_mean"
        m = (wc * xc).sum() / wc.sum()
        aggs += [m.alias("m"), (wc * (xc - m) ** 2).sum().alias("ss")]
    elif metric in ("csat", "share") or (metric == "ces" and ces == "agree"):
        if metric == "share":
            lo, hi = 1, 1
            label = "share"
        elif metric == "csat":
            lo, hi = _resolve_top_box(top_box, scale)
            label = "csat_top_box"
        else:
            lo, hi = (scale[0] + scale[1]) / 2 + 0.5, scale[1]  # 5–7 on 1–7
            label = "ces_agree"
        aggs.append((wc * ((xc >= lo) & (xc <= hi)).cast(pl.Float64)).sum().alias("s_top"))
    else:  # nps or ces net
        if metric == "nps":
            top, bottom, label = 9, 6, "nps"
        else:
            mid = (scale[0] + scale[1]) / 2
            top, bottom, label = mid + 0.5, mid - 0.5, "ces_net"
        aggs += [
            (wc * (xc >= top).cast(pl.Float64)).sum().alias("s_top"),
            (wc * (xc <= bottom).cast(pl.Float64)).sum().alias("s_bottom"),
        ]
    if by_cols:
        agg = ok.group_by(by_cols).agg(aggs).sort(by_cols, nulls_last=True).collect()
    else:
        agg = ok.select(aggs).collect()
        if agg.height == 0:  # pragma: no cover - select on an empty frame still gives 1 row
            agg = pl.DataFrame({"n": [0]})

    n = agg["n"].fill_null(0).to_numpy().astype(float)
    sw = agg["sw"].fill_null(0).to_numpy().astype(float)
    sw2 = agg["sw2"].fill_null(0).to_numpy().astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(sw2 > 0, sw**2 / sw2, 0.0) if weight else n.copy()
        n_eff = np.where(n > 0, n_eff, 0.0)
        if label in ("mean", "ces_mean"):
            est = agg["m"].cast(pl.Float64).fill_null(np.nan).to_numpy()
            ss = agg["ss"].cast(pl.Float64).fill_null(np.nan).to_numpy()
            # weighted variance with the n/(n-1) correction; reduces to the sample variance
            var = np.where(n >= 2, ss / sw * n / (n - 1), np.nan)
            low, high = mean_interval(est, np.sqrt(var), n_eff, alpha=alpha)
            unit_sd = np.sqrt(var)
        elif label in ("csat_top_box", "ces_agree", "share"):
            est = agg["s_top"].to_numpy() / sw
            low, high = proportion_interval(
                est * n_eff, n_eff, alpha=alpha, method=interval or "wilson"
            )
            unit_sd = np.sqrt(est * (1 - est))
        else:
            p_top = agg["s_top"].to_numpy() / sw
            p_bot = agg["s_bottom"].to_numpy() / sw
            est, low, high = nps_interval(
                p_top * n_eff,
                (1 - p_top - p_bot) * n_eff,
                p_bot * n_eff,
                alpha=alpha,
                method=interval or "adjusted_wald",
            )
            unit_sd = 100 * np.sqrt(np.clip(p_top + p_bot - (p_top - p_bot) ** 2, 0, None))
            if label == "ces_net":
                est, low, high, unit_sd = est / 100, low / 100, high / 100, unit_sd / 100
        std_err = np.where(n_eff > 0, unit_sd / np.sqrt(n_eff), np.nan)
    stats_frame = pl.DataFrame(
        {
            "n": np.atleast_1d(n).astype(np.int64),
            "n_eff": np.atleast_1d(n_eff).astype(float),
            "estimate": np.atleast_1d(est).astype(float),
            "ci_low": np.atleast_1d(low).astype(float),
            "ci_high": np.atleast_1d(high).astype(float),
        }
    ).with_columns(pl.col("estimate", "ci_low", "ci_high").fill_nan(None), metric=pl.lit(label))
    if se:
        stats_frame = stats_frame.with_columns(
            pl.Series("se", np.atleast_1d(std_err).astype(float)).fill_nan(None),
            pl.Series("sd", np.atleast_1d(unit_sd).astype(float)).fill_nan(None),
        )
    return pl.concat([agg.select(by_cols), stats_frame], how="horizontal")
