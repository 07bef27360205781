"""Each group against the previous group, the total or a benchmark, with one multiple-testing
correction over the whole family (:func:`cxkit.metrics.adjust_p`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import polars as pl
from scipy import stats

from cxkit._frames import check_choice, check_correction, renamed_args, require_columns
from cxkit.errors import CxDataError
from cxkit.metrics import ScoreKind, adjust_p, score_kind
from cxkit.satisfaction import _engine
from cxkit.satisfaction._common import as_list, by_items, names, summarizer, survey_frame

__all__ = ["compare"]

_RESULT = ["estimate", "reference_estimate", "effect", "ci_low", "ci_high", "p_value", "p_adj"]


def _against_previous(g: pl.DataFrame, by: str, ok, est, se, neff, welch: bool) -> dict:
    """Each group against the one before it in sort order: two independent samples."""
    k = g.height
    use = np.zeros(k, dtype=bool)
    use[1:] = ok[1:] & ok[:-1]
    prev_est, prev_se, prev_neff = (np.concatenate([[np.nan], a[:-1]]) for a in (est, se, neff))
    ref_est = np.where(use, prev_est, np.nan)
    diff_se = np.where(use, np.hypot(se, prev_se), np.nan)
    df = np.full(k, np.inf)
    if welch:
        v1, v2 = se**2, prev_se**2
        with np.errstate(invalid="ignore", divide="ignore"):
            welch_df = (v1 + v2) ** 2 / (v1**2 / (neff - 1) + v2**2 / (prev_neff - 1))
        df = np.where(use, welch_df, np.inf)
    label = pl.format("previous: {}", g[by].cast(pl.String).shift(1))
    return {"use": use, "ref_est": ref_est, "diff_se": diff_se, "df": df, "label": label}


def _against_total(lf: pl.LazyFrame, g, col, by, weight, ok, est, se) -> dict:
    """Each group against the total Σ π_h ĝ_h (π: the groups' shares of the total weight):
    ``Var(ĝ − t̂) = (1 − π_g)² V_g + Σ_{h≠g} π_h² V_h``."""
    if not isinstance(lf, pl.LazyFrame):  # an engine frame: Σw per group in the engine
        sums = _engine.weight_sums(lf, col, by, weight)
    else:
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
    v = (1 - share) ** 2 * var + (total_var - share**2 * var)
    return {
        "use": ok,
        "ref_est": np.where(ok, t_est, np.nan),
        "diff_se": np.where(ok, np.sqrt(v), np.nan),
        "df": np.full(g.height, np.inf),
        "label": pl.lit("total"),
    }


def _against_benchmark(g: pl.DataFrame, bench: float, ok, se, neff, welch: bool) -> dict:
    """Each group against a fixed number (one-sample test; t with n_eff − 1 df for means)."""
    return {
        "use": ok,
        "ref_est": np.where(ok, bench, np.nan),
        "diff_se": np.where(ok, se, np.nan),
        "df": np.where(ok, neff - 1, np.inf) if welch else np.full(g.height, np.inf),
        "label": pl.lit("benchmark"),
    }


def _test(est, ref: dict, alpha: float) -> dict:
    """Difference, Wald / t interval and two-sided p-value (NaN where not compared)."""
    use, diff_se, df = ref["use"], ref["diff_se"], ref["df"]
    z = stats.norm.isf(alpha / 2)
    diff = np.where(use, est - ref["ref_est"], np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        normal = np.isinf(df)
        df_t = np.where(normal, 1, df)
        crit = np.where(normal, z, stats.t.isf(alpha / 2, df_t))
        tstat = diff / diff_se
        p = np.where(normal, 2 * stats.norm.sf(np.abs(tstat)), 2 * stats.t.sf(np.abs(tstat), df_t))
    p = np.where(use & (diff_se > 0), p, np.nan)
    return {
        "effect": diff,
        "ci_low": diff - crit * diff_se,
        "ci_high": diff + crit * diff_se,
        "p_value": p,
    }


@renamed_args(adjust="correction")
def compare(
    survey: Any,
    column: str | Sequence[str],
    *,
    by: str | Sequence[str],
    reference: Literal["previous", "total"] | float = "previous",
    metric: ScoreKind = "csat",
    weight: str | None = None,
    scale: tuple[float, float] | None = None,
    top_box: tuple[float, float] | int | None = None,
    ces: Literal["mean", "agree", "net"] = "mean",
    na_codes: Sequence[float] | None = None,
    min_base: int = 30,
    correction: Literal["holm", "bh", "bonferroni", "none"] = "holm",
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Each group of ``by`` against a reference, with multiple-testing correction.

    * ``reference="previous"``: each group against the one before it in sort order of ``by``
      (e.g. each period against the previous period); two independent samples.
    * ``reference="total"``: each group against the total of all groups; the variance accounts
      for the group being part of the total (``Var(ĝ − t̂) = (1 − π_g)² V_g + Σ_{h≠g} π_h² V_h``
      with ``π`` the groups' shares of the total weight).
    * a number: each group against that fixed benchmark (e.g. a target CSAT of 0.8).

    Differences use normal (Wald) intervals with unpooled standard errors, so the test rejects
    exactly when the interval excludes 0; for means against the previous group or a
    benchmark, the Welch t distribution is used. Groups below ``min_base`` are not compared.
    ``p_adj`` adjusts over every comparison in the result (all items and groups).

    Parameters
    ----------
    survey : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table
        Survey responses; not modified.
    column : str or list of str
        Score column(s); a list adds a leading ``item`` column and makes one family.
    by : str (or a list of one str)
        The grouping column (period, segment, …).
    metric, weight, scale, top_box, ces, na_codes
        As in :func:`cxkit.satisfaction.scores` (``metric="share"`` is deprecated:
        ``"proportion"``).
    min_base : int
        Groups with fewer responses are not compared.
    correction : {"holm", "bh", "bonferroni", "none"}
        Multiple-testing correction of ``p_adj`` (``adjust=`` is its deprecated name).
    alpha : float
        1 − confidence level of the intervals.

    Returns
    -------
    polars.DataFrame
        ``item`` (for a list of columns), ``by`` column, then:

        ================== ==========================================================
        reference          ``"previous: <group>"``, ``"total"`` or ``"benchmark"``
        n                  responses in the group
        estimate           the group's score
        reference_estimate the reference's score
        effect             estimate − reference_estimate (unit of the score)
        ci_low, ci_high    interval of the difference
        p_value            two-sided p-value
        p_adj              adjusted over the family (``correction``, Holm by default)
        ================== ==========================================================

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"period": ["q1"] * 200 + ["q2"] * 200, "csat": [5, 2] * 100 + [5, 5, 5, 1] * 50})
    >>> r = compare(df, "csat", by="period")
    >>> r.select("period", "reference", "effect").row(0)
    ('q2', 'previous: q1', 0.25)
    """
    check_correction(correction)
    if isinstance(reference, str):
        check_choice(reference, ("previous", "total"), argument="reference", what="reference")
    kind = score_kind(metric, stacklevel=4)
    by_cols = as_list(by)
    if len(by_cols) != 1:
        raise CxDataError(
            f"compare() compares the groups of one column; got by={by!r}.",
            rule="by names one grouping column",
            hint="pass by='period' (or by=['period']); compare each segment separately",
        )
    by = by_cols[0]
    welch = kind == "mean" or (kind == "ces" and ces == "mean")
    kw: dict[str, Any] = dict(metric=kind, by=by, weight=weight, scale=scale, top_box=top_box)

    def one(lf: pl.LazyFrame, col: str) -> pl.DataFrame:
        g = summarizer(lf)(lf, col, ces=ces, alpha=alpha, se=True, **kw)
        ok = g["n"].to_numpy() >= min_base
        est = g["estimate"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        se = g["se"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        neff = g["n_eff"].to_numpy()
        if reference == "previous":
            ref = _against_previous(g, by, ok, est, se, neff, welch)
        elif reference == "total":
            ref = _against_total(lf, g, col, by, weight, ok, est, se)
        else:
            ref = _against_benchmark(g, float(reference), ok, se, neff, welch)
        return (
            pl.DataFrame(
                {
                    by: g[by],
                    "n": g["n"],
                    "estimate": np.where(ok, est, np.nan),
                    "reference_estimate": ref["ref_est"],
                    **_test(est, ref, alpha),
                }
            )
            .with_columns(ref["label"].alias("reference"))
            .select(by, "reference", pl.exclude(by, "reference"))
            .filter(pl.col("reference").is_not_null())
        )

    lf = survey_frame(survey)  # converted once (pandas / pyarrow), then lazy; engines stay
    require_columns(names(lf), {by: ("grouping column", "by")}, source="compare")
    out = by_items(lf, column, na_codes, one, source="compare")
    if out.height == 0:
        return out.with_columns(pl.lit(None, dtype=pl.Float64).alias("p_adj"))
    p_adj = adjust_p(out["p_value"].to_numpy(), correction)
    return out.with_columns(pl.Series("p_adj", p_adj)).with_columns(pl.col(_RESULT).fill_nan(None))
