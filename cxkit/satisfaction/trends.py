"""Score per period with control limits that vary with each period's n (p-chart and its
analogue for NPS and means), revised as in a Phase-I control chart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import polars as pl

from cxkit._frames import base_flag, renamed_args, require_columns
from cxkit.errors import CxDataError
from cxkit.metrics import ScoreKind, score_kind, summarize
from cxkit.satisfaction import _engine
from cxkit.satisfaction._common import as_list, names, survey_frame, with_na_codes
from cxkit.schema import PROPORTION

__all__ = ["trend"]

#: Range of each score (by its ``metric`` label): control limits are clipped to it.
_RANGES = {
    "csat_top_box": (0.0, 1.0),
    PROPORTION: (0.0, 1.0),
    "ces_agree": (0.0, 1.0),
    "nps": (-100.0, 100.0),
    "ces_net": (-1.0, 1.0),
}
_MAX_REVISIONS = 20


@renamed_args(flag_base="small_base")
def trend(
    survey: Any,
    column: str,
    *,
    period: str,
    metric: ScoreKind = "csat",
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
    small_base: int = 100,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Score per period with control limits that vary with each period's n.

    For proportions (CSAT, proportion, CES agree) this is the p-chart: centre ``p̄`` (pooled
    over periods), limits ``p̄ ± 3·√(p̄(1 − p̄)/n_i)`` clipped to [0, 1]. For NPS and means
    the same construction uses the pooled per-response standard deviation:
    ``centre ± 3·s/√n_i``. ``n_i`` is the effective n. A period outside its limits is flagged.

    The centre line and ``s`` come from the ``baseline`` periods if given. Otherwise they
    come from all periods, revised as in a Phase-I control chart (``revise=True``): periods
    outside the limits are removed from the centre-line calculation and the limits
    recomputed until no further period is removed, so one bad month does not hide itself by
    pulling the centre line towards it.

    Periods with fewer than ``min_base`` responses are suppressed (estimate, CI and limits
    null, ``base_flag = "suppressed"``), left out of the centre line and never flagged; from
    ``min_base`` up to ``small_base`` they are marked ``"small base"`` (``flag_base=`` is the
    deprecated name of ``small_base``).

    Parameters
    ----------
    survey : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table
        Survey responses; not modified.
    column : str
        The score column.
    period : str
        The period column (sorted as it sorts).
    metric, by, weight, scale, top_box, ces, na_codes
        As in :func:`cxkit.satisfaction.scores`.
    sigma : float
        Width of the control limits in standard errors.
    baseline : list, optional
        Periods that define the centre line (no revision).
    revise : bool
        Phase-I revision of the centre line (without ``baseline``).
    min_base, small_base : int
        The base-size rule, as in :func:`cxkit.satisfaction.scores`.

    Returns
    -------
    polars.DataFrame
        The ``by`` columns, ``period`` column, ``n``, ``n_eff``, ``estimate``, ``ci_low``,
        ``ci_high``, ``center``, ``lcl``, ``ucl``, ``out_of_control`` (bool), ``signal``
        (``"above"``, ``"below"`` or null), ``base_flag`` and ``metric`` (what the estimate
        is). Sorted by group, then period.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"m": ["1"] * 100 + ["2"] * 100 + ["3"] * 100,
    ...                    "csat": [5, 1] * 50 + [5, 1] * 50 + [1] * 90 + [5] * 10})
    >>> trend(df, "csat", period="m")["signal"].to_list()
    [None, None, 'below']
    """
    by_cols = as_list(by)
    lf = with_na_codes(survey_frame(survey), [column], na_codes, "trend")
    roles = {period: ("period", "period")} | {b: ("grouping column", "by") for b in by_cols}
    require_columns(names(lf), roles, source="trend")
    kw: dict[str, Any] = dict(
        metric=score_kind(metric, stacklevel=4),
        weight=weight,
        scale=scale,
        top_box=top_box,
        ces=ces,
    )
    cells = [*by_cols, period]
    if isinstance(lf, pl.LazyFrame):
        per = summarize(lf, column, by=cells, se=True, alpha=alpha, **kw)

        def pooled_of(kept: pl.DataFrame) -> pl.DataFrame:
            base = lf.join(kept.lazy(), on=cells, how="semi")
            return summarize(base, column, by=by_cols or None, se=True, alpha=alpha, **kw)
    else:  # an engine frame: one query for the per-period sums; baselines pool them here
        sums = _engine.sums(lf, column, by=cells, **kw)
        per = sums.summary(cells, alpha=alpha, interval=None, se=True)

        def pooled_of(kept: pl.DataFrame) -> pl.DataFrame:
            pooled = sums.pooled(kept, cells, by_cols)
            return pooled.summary(by_cols, alpha=alpha, interval=None, se=True)

    clip = _RANGES.get(per["metric"][0] if per.height else "mean", (-np.inf, np.inf))

    def limits(kept: pl.DataFrame) -> pl.DataFrame:
        return _limits(per, pooled_of(kept), by_cols, sigma, clip)

    suppressed = pl.col("n") < min_base
    keys = per.filter(~suppressed).select(*by_cols, period)
    if baseline is not None:
        kept = keys.filter(pl.col(period).is_in(list(baseline)))
        if kept.height == 0:
            raise CxDataError(
                f"None of the baseline periods {list(baseline)!r} is in the data "
                f"(with at least min_base = {min_base} responses).",
                source="trend",
                column=period,
                rule="baseline periods present",
                examples=keys[period].head(5).to_list(),
                hint="pass baseline= periods as they appear in the period column",
            )
        out = limits(kept)
    else:
        kept = keys
        out = limits(kept)
        for _ in range(_MAX_REVISIONS if revise else 0):  # Phase-I revisions, not rows
            still = out.filter(pl.col("signal").is_null() & ~suppressed).select(*by_cols, period)
            if still.height in (kept.height, 0):
                break
            kept = still
            out = limits(kept)
    return _finish(out, by_cols, period, min_base, small_base)


def _limits(
    per: pl.DataFrame, pooled: pl.DataFrame, by_cols: list[str], sigma: float, clip
) -> pl.DataFrame:
    """Centre line and control limits ``centre ± sigma·s/√n_eff`` (clipped to the score's
    range) from the pooled baseline, and the signal of each period."""
    pooled = pooled.select(*by_cols, pl.col("estimate").alias("center"), pl.col("sd").alias("_sd"))
    joined = per.join(pooled, on=by_cols, how="left") if by_cols else per.join(pooled, how="cross")
    half = sigma * pl.col("_sd") / pl.col("n_eff").sqrt()
    return joined.with_columns(
        (pl.col("center") - half).clip(*clip).alias("lcl"),
        (pl.col("center") + half).clip(*clip).alias("ucl"),
    ).with_columns(
        pl.when(pl.col("estimate") > pl.col("ucl"))
        .then(pl.lit("above"))
        .when(pl.col("estimate") < pl.col("lcl"))
        .then(pl.lit("below"))
        .otherwise(None)
        .alias("signal")
    )


def _finish(
    out: pl.DataFrame, by_cols: list[str], period: str, min_base: int, small_base: int
) -> pl.DataFrame:
    """Suppressed periods hidden, the base flag, the result columns in order."""
    suppressed = pl.col("n") < min_base
    hide = [
        pl.when(suppressed).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("estimate", "ci_low", "ci_high", "lcl", "ucl", "signal")
    ]
    return (
        out.with_columns(*hide)
        .select(
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
            base_flag("n", min_base, small_base).alias("base_flag"),
            "metric",
        )
        .sort([*by_cols, period])
    )
