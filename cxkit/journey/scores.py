"""The journey "emotion curve": a score per touchpoint or stage, in journey order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import polars as pl

from cxkit import metrics
from cxkit._frames import bad_argument, base_flag, check_choice, renamed_args
from cxkit.io.engines import is_engine
from cxkit.journey import _engine_stats
from cxkit.journey._events import TOUCH, as_int, as_list, ordered_events, step_number, warn

__all__ = ["stage_scores"]

METRICS = ("mean", "csat", "nps")


@renamed_args(min_n="min_base")
def stage_scores(
    events: Any,
    *,
    score: str = "score",
    by: str | Sequence[str] = "touchpoint",
    metric: Literal["mean", "csat", "nps"] = "mean",
    min_base: int = 30,
    scale: tuple[float, float] | None = None,
    alpha: float = 0.05,
    customer: str = "customer_id",
    time: str = "timestamp",
    touchpoint: str = "touchpoint",
) -> pl.DataFrame:
    """The journey "emotion curve": a score per touchpoint (or stage) in journey order.

    The score is computed by :func:`cxkit.metrics.summarize` (the shared definitions of mean,
    CSAT top box and NPS, with their intervals). Journey order is the median step number at
    which the touchpoint/stage occurs (ties: mean step, then name); a single ``Enum`` column
    keeps its declared order instead.

    Parameters
    ----------
    events : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table, or an engine frame
        The events frame with a score column; any order. A DuckDB relation or Spark DataFrame
        is aggregated in its engine (ties in time broken by ``event_order``, else touchpoint).
    score : str
        The score column (events without a score count in ``n_events`` only).
    by : str or list of str
        What a point of the curve is: ``"touchpoint"`` (the touchpoint column, whatever its
        name), an events column such as ``"stage"``, or several (one point per combination).
    metric : {"mean", "csat", "nps"}
        The score, as :func:`cxkit.metrics.summarize` defines it.
    min_base : int
        Points with fewer scores are kept (the curve keeps its shape) but flagged
        ``base_flag = "small base"``, to be drawn greyed out. Replaces ``min_n=`` (which still
        works for one release, with a ``DeprecationWarning``).
    scale : (low, high), optional
        Valid range of the scores (``summarize``'s defaults otherwise).
    alpha : float
        1 − confidence level.
    customer, time, touchpoint : str
        Column names.

    Returns
    -------
    polars.DataFrame
        One row per touchpoint/stage, in journey order:

        ====================  ===============================================================
        ``order``             1, 2, … journey order (Int64)
        ``<by>``              the touchpoint or stage (one column per ``by`` name)
        ``n``                 events with a score (Int64); ``n_eff``: effective n
        ``estimate``          the score (mean, top-box share 0–1, or NPS points)
        ``ci_low``/``ci_high`` its interval (null when ``n`` is too small)
        ``metric``            what ``estimate`` is (from ``summarize``)
        ``base_flag``         ``"ok"``; ``"small base"`` when ``n < min_base`` (estimate kept,
                              show it greyed out); ``"suppressed"`` when ``n = 0`` (no score)
        ``n_events``          all events there, with or without a score
        ``median_step``       median position in the journey (1 = first event)
        ====================  ===============================================================

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> ev = pl.DataFrame({"customer_id": list("aabb"), "touchpoint": ["web", "call"] * 2,
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9, 11)],
    ...     "score": [4, 2, 5, None]})
    >>> stage_scores(ev, min_base=2).select("touchpoint", "n", "estimate", "base_flag").rows()
    [('web', 2, 4.5, 'ok'), ('call', 1, 2.0, 'small base')]
    """
    check_choice(metric, METRICS, argument="metric", what="stage score")
    # "touchpoint" means the touchpoint column, whatever its name
    names = dict.fromkeys(as_list(by))
    if not names:
        raise bad_argument(
            "by",
            by,
            rule="by names at least one column",
            hint="pass by='touchpoint' (the default) or a list of columns",
        )
    keys = {b: TOUCH if b in ("touchpoint", touchpoint) else b for b in names}
    key_cols = list(dict.fromkeys(keys.values()))
    if is_engine(events):  # aggregated in the engine (DuckDB, Spark …); finished here
        order, scored = _engine_stats.stage_tables(
            events,
            score=score,
            keys=key_cols,
            metric=metric,
            scale=scale,
            alpha=alpha,
            customer=customer,
            time=time,
            touchpoint=touchpoint,
        )
        order = _in_journey_order(order, key_cols)
    else:
        keep = [score, *[k for k in key_cols if k != TOUCH]]
        lf = ordered_events(events, customer, time, touchpoint, keep=keep)
        lf = lf.with_columns(step_number().alias("__cx_step"))
        order = _journey_order(lf, key_cols)
        scored = metrics.summarize(lf, score, metric=metric, by=key_cols, scale=scale, alpha=alpha)
    if order.height == 0:
        warn("stage_scores(): there are no events.")
    if scored.height == 0:
        warn(f"stage_scores(): the column {score!r} has no scores.")
    out = order.with_row_index("order", offset=1).join(
        scored, on=key_cols, how="left", nulls_equal=True
    )
    n = pl.col("n").fill_null(0)
    return out.select(
        as_int("order"),
        *[pl.col(key).alias(name) for name, key in keys.items()],
        n.cast(pl.Int64),
        pl.col("n_eff").fill_null(0.0),
        "estimate",
        "ci_low",
        "ci_high",
        pl.col("metric").fill_null(pl.col("metric").drop_nulls().first()),
        base_flag(n, 1, small_base=min_base).alias("base_flag"),
        "n_events",
        "median_step",
    ).sort("order")


def _journey_order(lf: pl.LazyFrame, keys: list[str]) -> pl.DataFrame:
    """Events and median step per key, sorted in journey order (a lone Enum: its own order)."""
    step = pl.col("__cx_step")
    order = (
        lf.group_by(keys)
        .agg(
            pl.len().cast(pl.Int64).alias("n_events"),
            step.median().alias("median_step"),
            step.mean().alias("__mean_step"),
        )
        .collect()
    )
    return _in_journey_order(order, keys)


def _in_journey_order(order: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    if len(keys) == 1 and isinstance(order.schema[keys[0]], pl.Enum):
        return order.sort(pl.col(keys[0]).to_physical())
    return order.sort(["median_step", "__mean_step", *keys], nulls_last=True)
