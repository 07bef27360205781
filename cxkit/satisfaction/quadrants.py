"""Importance–performance analysis: where to invest, from a key-driver result."""

from __future__ import annotations

from typing import Any, Literal

import polars as pl

from cxkit._frames import check_choice, require_columns
from cxkit.errors import CxDataError
from cxkit.satisfaction._common import survey_frame

__all__ = ["QUADRANTS", "importance_performance"]

#: Importance–performance quadrant labels (high/low importance × high/low performance).
QUADRANTS = {
    (True, False): "concentrate here",
    (True, True): "keep up the good work",
    (False, False): "low priority",
    (False, True): "possible overkill",
}


# --------------------------------------------------------------------------------------------
def importance_performance(
    driver_result: Any,
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
    check_choice(split, ("mean", "median"), argument="split", what="split")
    frame = survey_frame(driver_result, what="driver_result").collect()
    roles = {c: (c, c) for c in ("driver", importance, performance)}
    require_columns(frame, roles, source="importance_performance")
    if frame.height == 0:
        raise CxDataError("importance_performance() got no drivers.", rule="at least one driver")
    agg = pl.mean if split == "mean" else pl.median
    order = {q: i for i, q in enumerate(QUADRANTS.values())}
    frame = frame.select(
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
        .then(pl.lit(QUADRANTS[True, False]))
        .when(hi_imp & hi_perf)
        .then(pl.lit(QUADRANTS[True, True]))
        .when(~hi_imp & ~hi_perf)
        .then(pl.lit(QUADRANTS[False, False]))
        .otherwise(pl.lit(QUADRANTS[False, True]))
    )
    return (
        frame.with_columns(quadrant.alias("quadrant"))
        .with_columns(pl.col("quadrant").replace_strict(order).alias("_o"))
        .sort(["_o", "importance", "driver"], descending=[False, True, False])
        .drop("_o")
    )
