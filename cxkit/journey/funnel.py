"""Funnels: how many customers reach each step, in order, strictly in a row or in any order.

The three engines (``_funnel``) find each customer's deepest attempt; :func:`funnel` counts
them per step (and per ``by`` group), with conversions and the median time between steps.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any, Literal

import polars as pl

from cxkit._frames import bad_argument, check_choice
from cxkit.io.engines import is_engine
from cxkit.journey._engine_funnel import funnel_table
from cxkit.journey._events import (
    FIRST,
    TIME,
    P,
    T,
    as_list,
    customer_number,
    ordered_events,
    to_timedelta,
    warn,
    warn_unknown,
)
from cxkit.journey._funnel import ENGINES, KEY

__all__ = ["funnel"]


def funnel(
    events: Any,
    steps: Sequence[str],
    *,
    mode: Literal["ordered", "strict", "any"] = "ordered",
    window: str | _dt.timedelta | None = None,
    by: str | Sequence[str] | None = None,
    customer: str = "customer_id",
    time: str = "timestamp",
    touchpoint: str = "touchpoint",
) -> pl.DataFrame:
    """How many customers reach each step of a funnel, and where they drop off.

    Parameters
    ----------
    events : polars DataFrame or LazyFrame, pandas DataFrame, pyarrow Table, or engine frame
        The events frame (``cx.read_events``); any order. A DuckDB relation or a Spark
        DataFrame is counted in its engine and only the per-step counts come back (same frame;
        medians in microseconds). Engines have no row order: ties in time are broken by an
        ``event_order`` column when there is one, else by touchpoint name (with a warning).
        All modes, windows and ``by`` run on DuckDB and Spark; on other engines only
        ``mode="any"`` without ``window`` or ``by`` runs (a ``CxDataError`` says so).
    steps : list of str
        Touchpoint names, in funnel order (a name may repeat except in ``"any"`` mode).
    mode : {"ordered", "strict", "any"}
        ``"ordered"``: each step happens after the previous one, other events allowed in
        between. ``"strict"``: each step is the very next event. ``"any"``: the customer did
        steps 1…k, in any order.
    window : str or datetime.timedelta, optional
        ``"7d"``, ``"30m"`` or a timedelta: every step must fall within this time of step 1
        (``"any"``: of each other). All starts are tried, so the best one counts.
    by : str or list of str, optional
        Events column(s) to split by; a customer belongs to the value on their first event.
    customer, time, touchpoint : str
        Column names.

    Returns
    -------
    polars.DataFrame
        The ``by`` columns, then one row per step:

        =============================  ======================================================
        ``step_index``                 1, 2, … (Int64)
        ``step``                       the touchpoint
        ``n_customers``                customers who reached this step (Int64)
        ``share_of_customers``         ``n_customers`` / all customers in the group (0–1)
        ``conversion_from_start``      ``n_customers`` / those who reached step 1
        ``conversion_from_previous``   ``n_customers`` / those who reached the step before
        ``n_dropped``                  reached the step before but not this one (0 at step 1)
        ``drop_off``                   1 − ``conversion_from_previous``
        ``median_time_from_previous``  median time from the step before (Duration; null at
                                       step 1 and in ``"any"`` mode)
        =============================  ======================================================

        Conversions are null when nobody reached the step before (with a warning).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> ev = pl.DataFrame({"customer_id": list("aaabb"), "touchpoint": ["web", "chat", "buy",
    ...                    "web", "buy"], "timestamp": [dt.datetime(2024, 1, 1, h) for h in
    ...                    (1, 2, 3, 1, 2)]})
    >>> funnel(ev, ["web", "buy"]).select("step", "n_customers", "conversion_from_start").rows()
    [('web', 2, 1.0), ('buy', 2, 1.0)]
    >>> funnel(ev, ["web", "buy"], mode="strict")["n_customers"].to_list()
    [2, 1]
    """
    steps = list(steps) if not isinstance(steps, str) else [steps]
    if not steps or not all(isinstance(s, str) for s in steps):
        raise bad_argument(
            "steps",
            steps,
            rule="a non-empty list of touchpoint names",
            hint="pass e.g. steps=['web', 'agent_call', 'order']",
        )
    if mode not in ENGINES:
        check_choice(mode, tuple(ENGINES), argument="mode", what="funnel mode")
    if mode == "any" and len(set(steps)) < len(steps):
        raise bad_argument(
            "steps",
            steps,
            rule="in mode='any' the steps are distinct",
            hint="name each touchpoint once, or use mode='ordered'",
        )
    win = None if window is None else to_timedelta(window, "window")
    by_cols = as_list(by)
    if is_engine(events):  # DuckDB, Spark, …: counted in the engine (_engine_funnel)
        table, dur = funnel_table(events, steps, mode, win, by_cols, customer, time, touchpoint)
    else:
        table, dur = _table(events, steps, mode, win, by_cols, customer, time, touchpoint)
    out = _per_step(table, steps, by_cols, dur)
    if out.filter(pl.col("conversion_from_previous").is_null()).height:
        warn(
            "funnel(): in some groups nobody reached a step, so conversion after it is "
            "undefined (null); see n_customers."
        )
    return out


def _table(
    events: Any,
    steps: list[str],
    mode: str,
    win: _dt.timedelta | None,
    by_cols: list[str],
    customer: str,
    time: str,
    touchpoint: str,
) -> tuple[pl.DataFrame, pl.DataType]:
    """The polars path: per-group counts ``n_total, n_k`` and medians ``m_k``, and their
    duration type."""
    # sorted once and kept: the engine and the per-customer groups both read it
    # the customer id becomes an integer key (1, 2, … in order): narrower rows, cheaper joins
    lf = (
        ordered_events(events, customer, time, touchpoint, keep=by_cols)
        .select(
            customer_number().alias(KEY),
            FIRST.alias("__cx_first"),
            T,
            P,
            *[pl.col(b) for b in dict.fromkeys(by_cols)],
        )
        .collect(engine="streaming")
        .lazy()
    )
    warn_unknown(steps, lf, "Funnel step")
    reached = ENGINES[mode](lf, steps, win)
    if by_cols:  # every customer, with their group; depth 0 for those who never started
        groups = lf.filter(pl.col("__cx_first")).select(KEY, *by_cols)
        per = groups.join(reached, on=KEY, how="left").with_columns(pl.col("depth").fill_null(0))
        n_total = pl.len()
    else:  # only those who started matter; the total is a count
        per = reached
        n_total = pl.lit(lf.select(pl.col("__cx_first").sum()).collect().item(), pl.UInt32)
    aggs = [n_total.alias("n_total")]
    for k in range(1, len(steps) + 1):
        aggs.append((pl.col("depth") >= k).sum().alias(f"n_{k}"))
        if k > 1 and mode != "any":
            gap = pl.col(f"t_{k}") - pl.col(f"t_{k - 1}")
            aggs.append(gap.filter(pl.col("depth") >= k).median().alias(f"m_{k}"))
    table = (per.group_by(by_cols).agg(aggs) if by_cols else per.select(aggs)).collect(
        engine="streaming"
    )
    if by_cols:
        table = table.sort(by_cols, nulls_last=True)
    time_type = lf.collect_schema()[TIME]
    return table, pl.Duration(getattr(time_type, "time_unit", None) or "us")


def _per_step(
    table: pl.DataFrame, steps: list[str], by_cols: list[str], dur: pl.DataType
) -> pl.DataFrame:
    """One row per (group, step) from the per-group counts ``n_total, n_k`` and medians ``m_k``.

    Built with one ``select`` per step (not per group): groups stay in ``table``'s order.
    """
    n, prev, first = pl.col("n"), pl.col("prev"), pl.col("n_1")
    frames = []
    for k, step in enumerate(steps, start=1):
        median = pl.col(f"m_{k}") if f"m_{k}" in table.columns else pl.lit(None)
        frames.append(
            table.with_row_index("__cx_group").select(
                "__cx_group",
                *by_cols,
                pl.lit(k, pl.Int64).alias("step_index"),
                pl.lit(step, pl.String).alias("step"),
                pl.col(f"n_{k}").cast(pl.Int64).alias("n"),
                (pl.col(f"n_{k - 1}") if k > 1 else pl.lit(None)).cast(pl.Int64).alias("prev"),
                pl.col("n_1").cast(pl.Int64),
                pl.col("n_total").cast(pl.Int64),
                median.cast(dur).alias("median_time_from_previous"),
            )
        )
    rows = pl.concat(frames).sort("__cx_group", "step_index")
    from_previous = (
        pl.when(pl.col("step_index") == 1)
        .then(pl.when(n > 0).then(pl.lit(1.0)))
        .when(prev > 0)
        .then(n / prev)
    )
    return rows.select(
        *by_cols,
        "step_index",
        "step",
        n.alias("n_customers"),
        pl.when(pl.col("n_total") > 0).then(n / pl.col("n_total")).alias("share_of_customers"),
        pl.when(first > 0).then(n / first).alias("conversion_from_start"),
        from_previous.cast(pl.Float64).alias("conversion_from_previous"),
        pl.when(pl.col("step_index") == 1).then(0).otherwise(prev - n).alias("n_dropped"),
        (1 - from_previous.cast(pl.Float64)).alias("drop_off"),
        "median_time_from_previous",
    )
