"""Are promoters worth more? Outcomes (retention, spend, referral) by NPS category or CSAT band.

Answered honestly: the differences against the lowest group come with intervals, and
:func:`~cxkit.loyalty.score_findings` says so plainly when a higher score goes with a *worse*
outcome (in the public e-commerce data, churn rises with the satisfaction score).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from cxkit import metrics
from cxkit._frames import base_flag, check_choice, to_frame
from cxkit.loyalty._inputs import as_list, drop_blanks, load

__all__ = ["GROUPINGS", "loyalty_by_score", "score_groups"]

GROUPINGS = ("nps", "csat", "value")
NPS_LABELS = ("detractor", "passive", "promoter")
CSAT_LABELS = ("dissatisfied", "neutral", "satisfied")


def _group_expr(score: str, groups: str, scale: tuple[float, float]) -> tuple[pl.Expr, list]:
    s = pl.col(score)
    if groups == "nps":
        expr = pl.when(s <= 6).then(pl.lit("detractor")).when(s <= 8).then(pl.lit("passive"))
        return expr.otherwise(pl.lit("promoter")), list(NPS_LABELS)
    if groups == "csat":
        lo, hi = scale
        expr = pl.when(s <= lo + 1).then(pl.lit("dissatisfied")).when(s >= hi - 1)
        return expr.then(pl.lit("satisfied")).otherwise(pl.lit("neutral")), list(CSAT_LABELS)
    return s.cast(pl.String), []


def score_groups(
    data: Any,
    *,
    score: str,
    groups: str = "nps",
    scale: tuple[float, float] = (1, 5),
    name: str = "score_group",
) -> pl.DataFrame:
    """``data`` with a ``score_group`` column: the NPS category or CSAT band of ``score``.

    ``groups="nps"``: detractor (0–6), passive (7–8), promoter (9–10). ``"csat"``: on the
    ``scale`` (lo, hi), dissatisfied (the bottom two points), satisfied (the top two),
    neutral between. ``"value"``: each score value as text.

    Examples
    --------
    >>> import polars as pl
    >>> score_groups(pl.DataFrame({"nps": [3, 7, 10]}), score="nps")["score_group"].to_list()
    ['detractor', 'passive', 'promoter']
    """
    check_choice(groups, GROUPINGS, argument="groups", what="score grouping")
    frame = to_frame(data, what="data")
    expr, _ = _group_expr(score, groups, scale)
    return frame.with_columns(pl.when(pl.col(score).is_not_null()).then(expr).alias(name))


def _is_binary(frame: pl.DataFrame, col: str) -> bool:
    if frame.schema[col] == pl.Boolean:
        return True
    vals = frame[col].drop_nulls().unique()
    return vals.dtype.is_numeric() and vals.cast(pl.Float64).is_in([0.0, 1.0]).all()


def _moments(frame: pl.DataFrame, outcome: str) -> pl.DataFrame:
    y = pl.col(outcome).cast(pl.Float64)
    return (
        frame.filter(pl.col(outcome).is_not_null())
        .group_by("group")
        .agg(n=pl.len(), mean=y.mean(), sd=y.std())
        .with_columns(outcome=pl.lit(outcome))
    )


def _compare(m: pl.DataFrame, binary: bool, ref: str, alpha: float) -> pl.DataFrame:
    n, mean, sd = (m[c].to_numpy().astype(float) for c in ("n", "mean", "sd"))
    r = int(np.flatnonzero(m["group"].to_numpy() == ref)[0]) if ref in m["group"] else None
    if r is None:
        lo_e = hi_e = p = np.full(n.size, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        if binary:
            lo, hi = metrics.wilson_interval(mean * n, n, alpha=alpha)
            if r is not None:
                lo_e, hi_e = metrics.newcombe_interval(
                    mean[r] * n[r], n[r], mean * n, n, alpha=alpha
                )
                p = metrics.two_proportion_p(mean[r] * n[r], n[r], mean * n, n)
        else:
            lo, hi = metrics.mean_interval(mean, sd, n, alpha=alpha)
            if r is not None:
                se = np.sqrt(sd**2 / n + sd[r] ** 2 / n[r])
                df = se**4 / ((sd**2 / n) ** 2 / (n - 1) + (sd[r] ** 2 / n[r]) ** 2 / (n[r] - 1))
                t = stats.t.ppf(1 - alpha / 2, df)
                d = mean - mean[r]
                lo_e, hi_e = d - t * se, d + t * se
                p = 2 * stats.t.sf(np.abs(d / se), df)
    effect = mean - (mean[r] if r is not None else np.nan)
    return m.with_columns(
        kind=pl.lit("proportion" if binary else "mean"),
        ci_low=lo, ci_high=hi, effect=effect, effect_ci_low=lo_e, effect_ci_high=hi_e,
        p_value=p,
    )  # fmt: skip


def loyalty_by_score(
    data: Any,
    *,
    score: str,
    outcomes: str | Sequence[str],
    groups: str = "nps",
    scale: tuple[float, float] = (1, 5),
    reference: str | None = None,
    alpha: float = 0.05,
    min_base: int = 30,
) -> pl.DataFrame:
    """Each outcome (retention, spend, referral…) by NPS category or CSAT band, with intervals
    and the difference from the reference group.

    Parameters
    ----------
    data : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table
        Survey responses or customers: one row each, with ``score`` and the ``outcomes``.
    score : str
        The NPS (0–10) or satisfaction column.
    outcomes : str or list of str
        0/1 or true/false columns (shares: churned, referred) or numbers (means: spend).
    groups : {"nps", "csat", "value"}
        NPS categories, CSAT bands on ``scale``, or each score value (see
        :func:`score_groups`).
    scale : (float, float)
        Lowest and highest score, for ``groups="csat"``.
    reference : str, optional
        The group compared against (default: the lowest — detractors, dissatisfied or the
        lowest value).
    alpha : float
        1 − confidence level.
    min_base : int
        Groups with fewer answers are ``"suppressed"`` (estimates null).

    Returns
    -------
    polars.DataFrame
        One row per outcome and group (groups in score order):

        ============================  ======================================================
        ``outcome``, ``kind``         the column and ``"proportion"`` or ``"mean"``
        ``group``                     the score group
        ``n``                         customers in it with the outcome known
        ``estimate``                  share (0–1) or mean, in the outcome's unit
        ``ci_low``, ``ci_high``       Wilson (shares) or t (means) interval
        ``reference``                 the group compared against
        ``effect``                    ``estimate − the reference group's``
        ``effect_ci_low/high``        Newcombe (shares) or Welch (means) interval
        ``p_value``                   two-proportion z or Welch t test
        ``base_flag``                 ``"ok"`` or ``"suppressed"``
        ============================  ======================================================

    Examples
    --------
    >>> import polars as pl
    >>> cu = pl.DataFrame({"nps": [2, 3, 9, 10, 10, 8], "spend": [10.0, 12, 30, 28, 32, 20]})
    >>> r = loyalty_by_score(cu, score="nps", outcomes="spend", min_base=1)
    >>> r.select("group", "n", "estimate", "effect").rows()
    [('detractor', 2, 11.0, 0.0), ('passive', 1, 20.0, 9.0), ('promoter', 3, 30.0, 19.0)]
    """
    check_choice(groups, GROUPINGS, argument="groups", what="score grouping")
    outs = as_list(outcomes)
    cols = {score: ("score", "score")} | {o: ("outcome", "outcomes") for o in outs}
    frame = drop_blanks(load(data, cols, what="data"), [score], source="data")
    expr, order = _group_expr(score, groups, scale)
    frame = frame.with_columns(expr.alias("group"))
    if not order:
        order = [str(v) for v in frame[score].unique().sort().to_list()]
        frame = frame.with_columns(pl.col(score).cast(pl.String).alias("group"))
    present = [g for g in order if g in set(frame["group"].to_list())]
    ref = reference if reference is not None else present[0]
    parts = []
    for o in outs:  # one iteration per outcome column
        m = _moments(frame, o).sort(pl.col("group").replace_strict(order, range(len(order))))
        parts.append(_compare(m, _is_binary(frame, o), ref, alpha))
    out = pl.concat(parts).with_columns(reference=pl.lit(ref), base_flag=base_flag("n", min_base))
    is_ref = pl.col("group") == pl.col("reference")
    out = out.with_columns(
        pl.when(~is_ref).then(pl.col(c)).alias(c)
        for c in ("effect_ci_low", "effect_ci_high", "p_value")
    )
    est = ["estimate", "ci_low", "ci_high", "effect", "effect_ci_low", "effect_ci_high", "p_value"]
    return out.rename({"mean": "estimate"}).select(
        "outcome", "kind", "group", pl.col("n").cast(pl.Int64),
        *[pl.when(pl.col("base_flag") == "ok").then(pl.col(c)).fill_nan(None).alias(c)
          for c in est[:3]],
        "reference",
        *[pl.when(pl.col("base_flag") == "ok").then(pl.col(c)).fill_nan(None).alias(c)
          for c in est[3:]],
        "base_flag",
    )  # fmt: skip
