"""Scores per touchpoint × group with the base-size rule, and the NPS breakdown.

The base-size rule is the one of :func:`cxkit._frames.base_flag`: a group below ``min_base``
responses is ``"suppressed"`` (estimate and interval null), below ``small_base`` it is flagged
``"small base"``, else ``"ok"`` — on the unweighted ``n``, as survey tabulation tools do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import polars as pl

from cxkit._frames import base_flag, renamed_args, require_columns
from cxkit.errors import CxDataError
from cxkit.metrics import ScoreKind, score_kind, summarize
from cxkit.satisfaction._common import as_list, by_items, summarizer, survey_frame
from cxkit.schema import BASE_SUPPRESSED

__all__ = ["nps_breakdown", "scores"]


def _check_bases(min_base: int, small_base: int) -> None:
    if not 0 <= min_base <= small_base:
        raise CxDataError(
            f"need 0 <= min_base <= small_base, got {min_base} and {small_base}.",
            rule="0 <= min_base <= small_base",
            hint="pass a small-base threshold at least as large as min_base",
        )


def _suppress(columns: Sequence[str]) -> list[pl.Expr]:
    """The columns made null where the base is suppressed."""
    hidden = pl.col("base_flag") == BASE_SUPPRESSED
    return [pl.when(hidden).then(None).otherwise(pl.col(c)).alias(c) for c in columns]


@renamed_args(flag_base="small_base")
def scores(
    survey: Any,
    column: str | Sequence[str],
    *,
    metric: ScoreKind = "csat",
    by: str | Sequence[str] | None = None,
    min_base: int = 30,
    small_base: int = 100,
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
    survey : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table
        Wide survey responses; not modified.
    column : str or list of str
        A score column, or several (e.g. one per touchpoint): then the result has a
        leading ``item`` column naming the column.
    metric : {"csat", "nps", "ces", "mean", "proportion"}
        See :func:`cxkit.metrics.summarize` (``scale``, ``top_box``, ``ces`` as there).
        ``"share"`` is the deprecated name of ``"proportion"``.
    by : str or list of str, optional
        Grouping columns (segment, period, …).
    min_base : int
        Groups with fewer responses (unweighted n) are suppressed: estimate and CI null.
    small_base : int
        Groups with ``min_base <= n < small_base`` are flagged ``"small base"``
        (``flag_base=`` is its deprecated name).
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
        estimate  the score (proportion 0–1, NPS points, mean); null if suppressed
        ci_low    interval bounds; null if suppressed
        ci_high
        base_flag ``"ok"``, ``"small base"`` or ``"suppressed"``
        metric    what ``estimate`` is (``csat_top_box``, ``nps``, ``proportion``, …)
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
    _check_bases(min_base, small_base)
    kind = score_kind(metric, stacklevel=4)
    by_cols = as_list(by)
    kw: dict[str, Any] = dict(metric=kind, by=by_cols or None, weight=weight, scale=scale)

    def one(lf: pl.LazyFrame, col: str) -> pl.DataFrame:
        res = summarizer(lf)(lf, col, top_box=top_box, ces=ces, alpha=alpha, **kw)
        return (
            res.with_columns(base_flag("n", min_base, small_base).alias("base_flag"))
            .with_columns(_suppress(["estimate", "ci_low", "ci_high"]))
            .select(*by_cols, "n", "n_eff", "estimate", "ci_low", "ci_high", "base_flag", "metric")
        )

    return by_items(survey, column, na_codes, one, source="scores")


def nps_breakdown(
    survey: Any,
    column: str = "nps",
    *,
    by: str | Sequence[str] | None = None,
    weight: str | None = None,
    min_base: int = 30,
    small_base: int = 100,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Proportions of detractors (0–6), passives (7–8) and promoters (9–10), with NPS.

    Parameters
    ----------
    survey : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table
        Survey responses; not modified.
    column : str
        The 0–10 likelihood-to-recommend column.
    by : str or list of str, optional
        Grouping columns.
    weight : str, optional
        Weight column; intervals use Kish's effective n.
    min_base, small_base : int
        The base-size rule, as in :func:`scores`.

    Returns
    -------
    polars.DataFrame
        The ``by`` columns, then ``n``, ``n_eff``, ``detractors``, ``passives``,
        ``promoters`` (weighted proportions 0–1), ``nps`` (points), ``ci_low``, ``ci_high``
        (adjusted Wald) and ``base_flag`` (``"suppressed"`` below ``min_base``: proportions
        and NPS null; ``"small base"`` below ``small_base``; else ``"ok"``).

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"nps": [10, 9, 8, 3] * 10})
    >>> nps_breakdown(df).select("promoters", "passives", "detractors", "nps", "base_flag").row(0)
    (0.5, 0.25, 0.25, 25.0, 'small base')
    """
    _check_bases(min_base, small_base)
    by_cols = as_list(by)
    lf = survey_frame(survey)
    if not isinstance(lf, pl.LazyFrame):
        raise CxDataError(
            "nps_breakdown runs on polars, pandas or pyarrow frames, not in an engine.",
            source="nps_breakdown",
            rule="engine frames (DuckDB, Spark) take scores, compare, trend and drivers",
            hint="use cx.satisfaction.scores(survey, column, metric='nps') in the engine, or "
            "collect the survey first",
        )
    roles = {column: ("score", "column")} | {b: ("grouping column", "by") for b in by_cols}
    require_columns(lf, roles, source="nps_breakdown")
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
    if by_cols:
        shares = filtered.group_by(by_cols).agg(aggs).collect()
        out = res.join(shares, on=by_cols, how="left")
    else:
        out = pl.concat([res, filtered.select(aggs).collect()], how="horizontal")
    shown = ["detractors", "passives", "promoters", "nps", "ci_low", "ci_high"]
    return (
        out.rename({"estimate": "nps"})
        .with_columns(base_flag("n", min_base, small_base).alias("base_flag"))
        .with_columns(_suppress(shown))
        .select(*by_cols, "n", "n_eff", *shown, "base_flag")
        .sort(by_cols or "n")
    )
