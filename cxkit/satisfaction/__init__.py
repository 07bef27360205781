"""Touchpoint-level satisfaction: scores with base-size rules, comparisons, drivers, trends.

==========================  ===================================================================
:func:`scores`              CSAT / NPS / CES / mean per touchpoint × group, with n, n_eff, CI
                            and the base-size rule (suppressed below ``min_base``, flagged
                            below ``flag_base``)
:func:`nps_breakdown`       detractor / passive / promoter shares with NPS and its interval
:func:`compare`             each group against the previous period, the total or a benchmark:
                            difference, CI, p-value and the p-value adjusted over the family
:func:`drivers`             key-driver analysis (relative weights, Shapley/LMG, ordinal logit)
:func:`importance_performance`  quadrants from a driver result
:func:`trend`               score per period with control limits that vary with n
:func:`rating_columns`      detect the rating columns of a wide survey
:func:`to_long` / :func:`to_wide`  reshape between wide (a column per touchpoint) and long
:func:`to_binary`           map a text / boolean outcome to 0/1
==========================  ===================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import polars as pl
from scipy import stats

from cxkit.errors import CxDataError, missing_column_error
from cxkit.metrics import benjamini_hochberg, holm, summarize
from cxkit.satisfaction._drivers import drivers, missing_report
from cxkit.satisfaction.reshape import (
    _lazy,
    _list,
    _require,
    _with_na,
    rating_columns,
    to_binary,
    to_long,
    to_wide,
)

__all__ = [
    "QUADRANTS",
    "compare",
    "drivers",
    "importance_performance",
    "missing_report",
    "nps_breakdown",
    "rating_columns",
    "scores",
    "to_binary",
    "to_long",
    "to_wide",
    "trend",
]

#: Importance–performance quadrant labels (high/low importance × high/low performance).
QUADRANTS = {
    (True, False): "concentrate here",
    (True, True): "keep up the good work",
    (False, False): "low priority",
    (False, True): "possible overkill",
}


def _by_items(survey, columns, by, na_codes, fn) -> pl.DataFrame:
    """Apply ``fn(lazyframe, column)`` per column; add a leading ``item`` column for lists."""
    cols = _list(columns)
    lf = _with_na(_lazy(survey), cols, na_codes)
    if isinstance(columns, str):
        return fn(lf, columns)
    parts = [fn(lf, c).select(pl.lit(c).alias("item"), pl.all()) for c in cols]
    return pl.concat(parts, how="vertical_relaxed") if parts else pl.DataFrame()


def scores(
    survey: pl.DataFrame | pl.LazyFrame,
    column: str | Sequence[str],
    *,
    metric: Literal["csat", "nps", "ces", "mean", "share"] = "csat",
    by: str | Sequence[str] | None = None,
    min_base: int = 30,
    flag_base: int = 100,
    weight: str | None = None,
    scale: tuple[float, float] | None = None,
    top_box: tuple[float, float] | int | None = None,
    ces: Literal["mean", "agree", "net"] = "mean",
    na_codes: Sequence[float] | None = None,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Scores per group with honest uncertainty and base-size rules.

    Parameters
    ----------
    survey : polars DataFrame or LazyFrame
        Wide survey responses; not modified.
    column : str or list of str
        A score column, or several (e.g. one per touchpoint): then the result has a
        leading ``item`` column naming the column.
    metric : {"csat", "nps", "ces", "mean", "share"}
        See :func:`cxkit.metrics.summarize` (``scale``, ``top_box``, ``ces`` as there).
    by : str or list of str, optional
        Grouping columns (segment, period, …).
    min_base : int
        Groups with fewer responses (unweighted n) are suppressed: estimate and CI null.
    flag_base : int
        Groups with ``min_base <= n < flag_base`` are flagged ``"small base"``.
    weight : str, optional
        Weight column; intervals use Kish's effective n.
    na_codes : list of numbers, optional
        Codes meaning "not applicable" in the score columns (e.g. ``[0]``).

    Returns
    -------
    polars.DataFrame
        ``item`` (only for a list of columns), the ``by`` columns, then:

        ========= =============================================================
        n         responses with a score
        n_eff     Kish effective n (= n without weights)
        estimate  the score (share 0–1, NPS points, mean); null if suppressed
        ci_low    interval bounds; null if suppressed
        ci_high
        base_flag ``"ok"``, ``"small base"`` or ``"suppressed"``
        metric    what ``estimate`` is (``csat_top_box``, ``nps``, …)
        ========= =============================================================

        Sorted by item (in the given order), then the ``by`` columns.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"seg": ["a"] * 40 + ["b"] * 10, "csat": [5, 3] * 25})
    >>> scores(df, "csat", by="seg").select("seg", "n", "estimate", "base_flag")
    shape: (2, 4)
    ┌─────┬─────┬──────────┬────────────┐
    │ seg ┆ n   ┆ estimate ┆ base_flag  │
    │ --- ┆ --- ┆ ---      ┆ ---        │
    │ str ┆ i64 ┆ f64      ┆ str        │
    ╞═════╪═════╪══════════╪════════════╡
    │ a   ┆ 40  ┆ 0.5      ┆ small base │
    │ b   ┆ 10  ┆ null     ┆ suppressed │
    └─────┴─────┴──────────┴────────────┘
    """
    if not 0 <= min_base <= flag_base:
        raise ValueError(f"need 0 <= min_base <= flag_base, got {min_base} and {flag_base}")
    by_cols = _list(by)

    def one(lf: pl.LazyFrame, col: str) -> pl.DataFrame:
        res = summarize(
            lf,
            col,
            metric=metric,
            by=by_cols or None,
            weight=weight,
            scale=scale,
            top_box=top_box,
            ces=ces,
            alpha=alpha,
        )
        suppressed = pl.col("n") < min_base
        flag = (
            pl.when(suppressed)
            .then(pl.lit("suppressed"))
            .when(pl.col("n") < flag_base)
            .then(pl.lit("small base"))
            .otherwise(pl.lit("ok"))
        )
        return res.with_columns(
            [
                pl.when(suppressed).then(None).otherwise(pl.col(c)).alias(c)
                for c in ("estimate", "ci_low", "ci_high")
            ]
        ).select(
            *by_cols,
            "n",
            "n_eff",
            "estimate",
            "ci_low",
            "ci_high",
            flag.alias("base_flag"),
            "metric",
        )

    return _by_items(survey, column, by_cols, na_codes, one)


def nps_breakdown(
    survey: pl.DataFrame | pl.LazyFrame,
    column: str = "nps",
    *,
    by: str | Sequence[str] | None = None,
    weight: str | None = None,
    min_base: int = 30,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Shares of detractors (0–6), passives (7–8) and promoters (9–10), with NPS.

    Returns
    -------
    polars.DataFrame
        The ``by`` columns, then ``n``, ``n_eff``, ``detractors``, ``passives``,
        ``promoters`` (weighted shares 0–1), ``nps`` (points), ``ci_low``, ``ci_high``
        (adjusted Wald) and ``base_flag`` (``"suppressed"`` below ``min_base``: shares
        and NPS null).

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"nps": [10, 9, 8, 3] * 10})
    >>> nps_breakdown(df).select("promoters", "passives", "detractors", "nps").row(0)
    (0.5, 0.25, 0.25, 25.0)
    """
    by_cols = _list(by)
    lf = _lazy(survey)
    _require(lf, [column, *by_cols], "score", "column", "nps_breakdown")
    res = summarize(lf, column, metric="nps", by=by_cols or None, weight=weight, alpha=alpha)
    x = pl.col(column).cast(pl.Float64)
    w = pl.col(weight).cast(pl.Float64) if weight else pl.lit(1.0)
    valid = x.is_not_null() & x.is_not_nan() & (w.is_not_null() if weight else pl.lit(True))
    filtered = lf.with_columns(w.alias("_w")).filter(valid)
    w = pl.col("_w")
    aggs = [
        ((w * (x >= 9)).sum() / w.sum()).alias("promoters"),
        ((w * ((x >= 7) & (x < 9))).sum() / w.sum()).alias("passives"),
        ((w * (x <= 6)).sum() / w.sum()).alias("detractors"),
    ]
    shares = (
        filtered.group_by(by_cols).agg(aggs).collect()
        if by_cols
        else filtered.select(aggs).collect()
    )
    out = (
        res.join(shares, on=by_cols, how="left")
        if by_cols
        else pl.concat([res, shares], how="horizontal")
    )
    sup = pl.col("n") < min_base
    shares_cols = ["detractors", "passives", "promoters"]
    return out.select(
        *by_cols,
        "n",
        "n_eff",
        *[pl.when(sup).then(None).otherwise(pl.col(c)).alias(c) for c in shares_cols],
        pl.when(sup).then(None).otherwise(pl.col("estimate")).alias("nps"),
        *[pl.when(sup).then(None).otherwise(pl.col(c)).alias(c) for c in ("ci_low", "ci_high")],
        pl.when(sup).then(pl.lit("suppressed")).otherwise(pl.lit("ok")).alias("base_flag"),
    ).sort(by_cols or "n")


# --------------------------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------------------------
def compare(
    survey: pl.DataFrame | pl.LazyFrame,
    column: str | Sequence[str],
    *,
    by: str,
    reference: Literal["previous", "total"] | float = "previous",
    metric: Literal["csat", "nps", "ces", "mean", "share"] = "csat",
    weight: str | None = None,
    scale: tuple[float, float] | None = None,
    top_box: tuple[float, float] | int | None = None,
    ces: Literal["mean", "agree", "net"] = "mean",
    na_codes: Sequence[float] | None = None,
    min_base: int = 30,
    adjust: Literal["holm", "bh"] = "holm",
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Each group of ``by`` against a reference, with multiple-testing adjustment.

    * ``reference="previous"``: each group against the one before it in sort order of ``by``
      (e.g. each period against the previous period); two independent samples.
    * ``reference="total"``: each group against the total of all groups; the variance accounts
      for the group being part of the total (``Var(ĝ − t̂) = (1 − π_g)² V_g + Σ_{h≠g} π_h² V_h``
      with ``π`` the n_eff shares).
    * a number: each group against that fixed benchmark (e.g. a target CSAT of 0.8).

    Differences use normal (Wald) intervals with unpooled standard errors, so the test rejects
    exactly when the interval excludes 0; for means against the previous group or a
    benchmark, the Welch t distribution is used. Groups below ``min_base`` are not compared.
    ``p_adj`` adjusts over every comparison in the result (all items and groups).

    Returns
    -------
    polars.DataFrame
        ``item`` (for a list of columns), ``by`` column, then:

        ================== ==========================================================
        reference          ``"previous: <group>"``, ``"total"`` or ``"benchmark"``
        n                  responses in the group
        estimate           the group's score
        reference_estimate the reference's score
        diff               estimate − reference_estimate (unit of the score)
        ci_low, ci_high    interval of the difference
        p_value            two-sided p-value
        p_adj              Holm (default) or Benjamini–Hochberg adjusted over the family
        ================== ==========================================================

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"period": ["q1"] * 200 + ["q2"] * 200, "csat": [5, 2] * 100 + [5, 5, 5, 1] * 50})
    >>> r = compare(df, "csat", by="period")
    >>> r.select("period", "reference", "diff").row(0)
    ('q2', 'previous: q1', 0.25)
    """
    if adjust not in ("holm", "bh"):
        raise ValueError("adjust must be 'holm' or 'bh'")
    z = stats.norm.isf(alpha / 2)

    def one(lf: pl.LazyFrame, col: str) -> pl.DataFrame:
        g = summarize(
            lf,
            col,
            metric=metric,
            by=by,
            weight=weight,
            scale=scale,
            top_box=top_box,
            ces=ces,
            alpha=alpha,
            se=True,
        )
        ok = g["n"].to_numpy() >= min_base
        est = g["estimate"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        se = g["se"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        neff = g["n_eff"].to_numpy()
        labels = g[by].cast(pl.String).to_list()
        k = g.height
        ref_est = np.full(k, np.nan)
        diff_se = np.full(k, np.nan)
        df = np.full(k, np.inf)
        ref_label: list[str | None] = [None] * k
        use = np.zeros(k, dtype=bool)
        if reference == "previous":
            for i in range(1, k):
                ref_label[i] = f"previous: {labels[i - 1]}"
                if ok[i] and ok[i - 1]:
                    use[i] = True
                    ref_est[i] = est[i - 1]
                    diff_se[i] = np.hypot(se[i], se[i - 1])
                    if metric == "mean" or (metric == "ces" and ces == "mean"):
                        v1, v2 = se[i] ** 2, se[i - 1] ** 2
                        df[i] = (v1 + v2) ** 2 / (v1**2 / (neff[i] - 1) + v2**2 / (neff[i - 1] - 1))
        elif reference == "total":
            # the total is Σ π_h ĝ_h with π_h the groups' shares of the total weight
            x = pl.col(col).cast(pl.Float64)
            valid = x.is_not_null() & x.is_not_nan()
            w = pl.col(weight).cast(pl.Float64) if weight else pl.lit(1.0)
            if weight:
                valid = valid & w.is_not_null()
            sums = (
                lf.select(by, w.alias("_w"), valid.alias("_ok"))
                .filter("_ok")
                .group_by(by)
                .agg(pl.col("_w").sum().alias("_sw"))
                .collect()
            )
            sw = g.select(by).join(sums, on=by, how="left")["_sw"].fill_null(0).to_numpy()
            share = sw / sw.sum()
            t_est = float(np.nansum(share * est))
            var = np.where(np.isnan(se), 0.0, se**2)
            total_var = np.sum(share**2 * var)
            for i in range(k):
                ref_label[i] = "total"
                if ok[i]:
                    use[i] = True
                    ref_est[i] = t_est
                    v = (1 - share[i]) ** 2 * var[i] + (total_var - share[i] ** 2 * var[i])
                    diff_se[i] = np.sqrt(v)
        else:
            bench = float(reference)
            for i in range(k):
                ref_label[i] = "benchmark"
                if ok[i]:
                    use[i] = True
                    ref_est[i] = bench
                    diff_se[i] = se[i]
                    if metric == "mean" or (metric == "ces" and ces == "mean"):
                        df[i] = neff[i] - 1
        diff = np.where(use, est - ref_est, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            crit = np.where(np.isinf(df), z, stats.t.isf(alpha / 2, np.where(np.isinf(df), 1, df)))
            tstat = diff / diff_se
            p = np.where(
                np.isinf(df),
                2 * stats.norm.sf(np.abs(tstat)),
                2 * stats.t.sf(np.abs(tstat), np.where(np.isinf(df), 1, df)),
            )
        p = np.where(use & (diff_se > 0), p, np.nan)
        return pl.DataFrame(
            {
                by: g[by],
                "reference": pl.Series(ref_label, dtype=pl.String),
                "n": g["n"],
                "estimate": np.where(ok, est, np.nan),
                "reference_estimate": ref_est,
                "diff": diff,
                "ci_low": diff - crit * diff_se,
                "ci_high": diff + crit * diff_se,
                "p_value": p,
            }
        ).filter(pl.col("reference").is_not_null())

    by_cols = [by]
    lf0 = _lazy(survey)
    _require(lf0, by_cols, "grouping column", "by", "compare")
    out = _by_items(survey, column, by_cols, na_codes, one)
    if out.height == 0:
        return out.with_columns(pl.lit(None, dtype=pl.Float64).alias("p_adj"))
    p = out["p_value"].to_numpy()
    p_adj = holm(p) if adjust == "holm" else benjamini_hochberg(p)
    return out.with_columns(pl.Series("p_adj", p_adj)).with_columns(
        pl.col(
            "estimate", "reference_estimate", "diff", "ci_low", "ci_high", "p_value", "p_adj"
        ).fill_nan(None)
    )


# --------------------------------------------------------------------------------------------
# Importance–performance and trends
# --------------------------------------------------------------------------------------------
def importance_performance(
    driver_result: pl.DataFrame,
    *,
    importance: str = "importance_pct",
    performance: str = "performance",
    split: Literal["mean", "median"] = "mean",
) -> pl.DataFrame:
    """Importance–performance quadrants from a :func:`drivers` result.

    A driver is "high importance" if its (derived) importance is at or above the ``split``
    (mean or median) of all drivers' importances, and "high performance" likewise.

    Returns
    -------
    polars.DataFrame
        ``driver``, ``importance``, ``performance``, ``importance_cut``,
        ``performance_cut`` (the split values) and ``quadrant``: "concentrate here"
        (important, under-performing), "keep up the good work", "low priority",
        "possible overkill". Sorted by quadrant priority, then importance descending.

    Examples
    --------
    >>> import polars as pl
    >>> d = pl.DataFrame({"driver": ["a", "b", "c", "d"], "importance_pct": [0.4, 0.3, 0.2, 0.1],
    ...                   "performance": [3.0, 4.5, 3.1, 4.4]})
    >>> importance_performance(d)["quadrant"].to_list()
    ['concentrate here', 'keep up the good work', 'low priority', 'possible overkill']
    """
    for c in ("driver", importance, performance):
        if c not in driver_result.columns:
            raise missing_column_error(
                c, driver_result.columns, source="importance_performance", role=c, argument=c
            )
    if driver_result.height == 0:
        raise CxDataError("importance_performance() got no drivers.", rule="at least one driver")
    agg = pl.mean if split == "mean" else pl.median
    order = {q: i for i, q in enumerate(QUADRANTS.values())}
    frame = driver_result.select(
        "driver",
        pl.col(importance).cast(pl.Float64).alias("importance"),
        pl.col(performance).cast(pl.Float64).alias("performance"),
    ).with_columns(
        agg("importance").alias("importance_cut"), agg("performance").alias("performance_cut")
    )
    hi_imp = pl.col("importance") >= pl.col("importance_cut")
    hi_perf = pl.col("performance") >= pl.col("performance_cut")
    quadrant = (
        pl.when(hi_imp & ~hi_perf)
        .then(pl.lit("concentrate here"))
        .when(hi_imp & hi_perf)
        .then(pl.lit("keep up the good work"))
        .when(~hi_imp & ~hi_perf)
        .then(pl.lit("low priority"))
        .otherwise(pl.lit("possible overkill"))
    )
    return (
        frame.with_columns(quadrant.alias("quadrant"))
        .with_columns(pl.col("quadrant").replace_strict(order).alias("_o"))
        .sort(["_o", "importance", "driver"], descending=[False, True, False])
        .drop("_o")
    )


def trend(
    survey: pl.DataFrame | pl.LazyFrame,
    column: str,
    *,
    period: str,
    metric: Literal["csat", "nps", "ces", "mean", "share"] = "csat",
    by: str | Sequence[str] | None = None,
    weight: str | None = None,
    scale: tuple[float, float] | None = None,
    top_box: tuple[float, float] | int | None = None,
    ces: Literal["mean", "agree", "net"] = "mean",
    na_codes: Sequence[float] | None = None,
    sigma: float = 3.0,
    baseline: Sequence[Any] | None = None,
    revise: bool = True,
    min_base: int = 30,
    flag_base: int = 100,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Score per period with control limits that vary with each period's n.

    For shares (CSAT, share, CES agree) this is the p-chart: centre ``p̄`` (pooled over
    periods), limits ``p̄ ± 3·√(p̄(1 − p̄)/n_i)`` clipped to [0, 1]. For NPS and means the
    same construction uses the pooled per-response standard deviation: ``centre ± 3·s/√n_i``.
    ``n_i`` is the effective n. A period outside its limits is flagged.

    The centre line and ``s`` come from the ``baseline`` periods if given. Otherwise they
    come from all periods, revised as in a Phase-I control chart (``revise=True``): periods
    outside the limits are removed from the centre-line calculation and the limits
    recomputed until no further period is removed, so one bad month does not hide itself by
    pulling the centre line towards it.

    Periods with fewer than ``min_base`` responses are suppressed (estimate, CI and limits
    null, ``base_flag = "suppressed"``), left out of the centre line and never flagged; from
    ``min_base`` up to ``flag_base`` they are marked ``"small base"``.

    Returns
    -------
    polars.DataFrame
        The ``by`` columns, ``period`` column, ``n``, ``n_eff``, ``estimate``, ``ci_low``,
        ``ci_high``, ``center``, ``lcl``, ``ucl``, ``out_of_control`` (bool), ``signal``
        (``"above"``, ``"below"`` or null), ``base_flag`` and ``metric`` (what the estimate
        is). Sorted by
        group, then period.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"m": ["1"] * 100 + ["2"] * 100 + ["3"] * 100,
    ...                    "csat": [5, 1] * 50 + [5, 1] * 50 + [1] * 90 + [5] * 10})
    >>> trend(df, "csat", period="m")["signal"].to_list()
    [None, None, 'below']
    """
    by_cols = _list(by)
    lf = _with_na(_lazy(survey), [column], na_codes)
    _require(lf, [period, *by_cols], "period / grouping column", "period", "trend")
    kw: dict[str, Any] = dict(
        metric=metric, weight=weight, scale=scale, top_box=top_box, ces=ces, alpha=alpha
    )
    per = summarize(lf, column, by=[*by_cols, period], se=True, **kw)
    metric_label = per["metric"][0] if per.height else "mean"
    lo_clip, hi_clip = {
        "csat_top_box": (0.0, 1.0),
        "share": (0.0, 1.0),
        "ces_agree": (0.0, 1.0),
        "nps": (-100.0, 100.0),
        "ces_net": (-1.0, 1.0),
    }.get(metric_label, (-np.inf, np.inf))
    half = sigma * pl.col("_sd") / pl.col("n_eff").sqrt()

    def limits(kept: pl.DataFrame) -> pl.DataFrame:
        base = lf.join(kept.lazy(), on=[*by_cols, period], how="semi")
        pooled = summarize(base, column, by=by_cols or None, se=True, **kw).select(
            *by_cols, pl.col("estimate").alias("center"), pl.col("sd").alias("_sd")
        )
        joined = (
            per.join(pooled, on=by_cols, how="left") if by_cols else per.join(pooled, how="cross")
        )
        return joined.with_columns(
            (pl.col("center") - half).clip(lo_clip, hi_clip).alias("lcl"),
            (pl.col("center") + half).clip(lo_clip, hi_clip).alias("ucl"),
        ).with_columns(
            pl.when(pl.col("estimate") > pl.col("ucl"))
            .then(pl.lit("above"))
            .when(pl.col("estimate") < pl.col("lcl"))
            .then(pl.lit("below"))
            .otherwise(None)
            .alias("signal")
        )

    suppressed = pl.col("n") < min_base
    keys = per.filter(~suppressed).select(*by_cols, period)
    if baseline is not None:
        kept = keys.filter(pl.col(period).is_in(list(baseline)))
        if kept.height == 0:
            raise ValueError(f"none of the baseline periods {list(baseline)!r} is in the data")
        out = limits(kept)
    else:
        kept = keys
        out = limits(kept)
        for _ in range(20 if revise else 0):
            still = out.filter(pl.col("signal").is_null() & ~suppressed).select(*by_cols, period)
            if still.height in (kept.height, 0):
                break
            kept = still
            out = limits(kept)
    hide = [
        pl.when(suppressed).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("estimate", "ci_low", "ci_high", "lcl", "ucl", "signal")
    ]
    flag = (
        pl.when(suppressed)
        .then(pl.lit("suppressed"))
        .when(pl.col("n") < flag_base)
        .then(pl.lit("small base"))
        .otherwise(pl.lit("ok"))
    )
    out = out.with_columns(*hide)
    return out.select(
        *by_cols,
        period,
        "n",
        "n_eff",
        "estimate",
        "ci_low",
        "ci_high",
        "center",
        "lcl",
        "ucl",
        pl.col("signal").is_not_null().alias("out_of_control"),
        "signal",
        flag.alias("base_flag"),
        "metric",
    ).sort([*by_cols, period])
