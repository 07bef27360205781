"""Private: :func:`cxkit.journey.funnel` pushed down to a lazy engine (DuckDB, Spark), in narwhals.

The engine finds each customer's deepest attempt and counts them per step (and per ``by``
group); only that small table comes back, and :func:`cxkit.journey.funnel` finishes it with
the polars path's own code, so the results are the same frames. Each customer's events are
numbered in the order of :data:`cxkit.journey._engine.ORDER` (time, then ``event_order`` or the
touchpoint), the engine's stand-in for the polars path's row order:

* ``"ordered"`` without a window: per customer, step k is the first of its events after step
  k − 1 (window minima over the customer, no joins); with a window, every step 1 starts a
  chain: each step event points at the next event of each step (by its rank among that
  step's events) and the chains follow the pointers (equality joins only), cut where a step
  falls outside the window — the polars path's greedy earliest match;
* ``"strict"``: the next ``K − 1`` events of every step 1 (``shift(-j)`` over the customer);
* ``"any"``: which steps a customer did; with a ``window``, from each step event's time the
  first event of each step at or after it, looked up by rank (equality joins).

Modes that need each customer's events in order (``"ordered"``, ``"strict"``, ``"any"`` with
a window, and ``by=``, whose group is the value on the first event) run on the engines in
:data:`ORDERED_ENGINES`, where ordered windows (``over(order_by=)``) are verified by the
tests; elsewhere they raise :class:`~cxkit.errors.CxDataError`, and ``mode="any"`` without a
window or ``by`` (plain group-bys) still runs.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from cxkit.errors import CxDataError
from cxkit.io.engines import collect, engine_name
from cxkit.journey._engine import (
    CUST,
    ORDER,
    ORDER_COL,
    TIME,
    TOUCH,
    engine_events,
    touchpoint_names,
)
from cxkit.journey._events import TOUCH as POLARS_TOUCH
from cxkit.journey._events import warn_unknown

__all__ = ["ORDERED_ENGINES", "funnel_table"]

#: engines whose ordered windows (``expr.over(partition, order_by=...)``) the tests verify
ORDERED_ENGINES = frozenset({"duckdb", "pyspark"})

RN, ONE, DEPTH, EVT = "__cx_rn", "__cx_one", "depth", "__cx_is_event"
C, T, P, R = nw.col(CUST), nw.col(TIME), nw.col(TOUCH), nw.col(RN)


def funnel_table(
    events: Any,
    steps: list[str],
    mode: str,
    window: _dt.timedelta | None,
    by_cols: list[str],
    customer: str,
    time: str,
    touchpoint: str,
) -> tuple[pl.DataFrame, pl.DataType]:
    """The per-group counts ``n_total, n_1 … n_K`` and medians ``m_2 … m_K`` (µs), computed in
    the engine, and the duration type of the medians (``Duration("us")``).

    The same table as the polars path builds, for its ``_per_step``.
    """
    _check_modes(events, mode, window, by_cols)
    ev = engine_events(events, customer, time, touchpoint, keep=by_cols)
    names = touchpoint_names(ev)
    warn_unknown(
        steps, pl.LazyFrame({POLARS_TOUCH: names}, schema={POLARS_TOUCH: pl.String}), "Funnel step"
    )
    win = None if window is None else window // _dt.timedelta(microseconds=1)
    if mode == "strict" or by_cols:  # each customer's events numbered 1, 2, … in order
        ev = _numbered(ev)
    reached = {"ordered": _ordered, "strict": _strict, "any": _any}[mode](ev, steps, win)
    aggs = []
    for k in range(1, len(steps) + 1):
        aggs.append((nw.col(DEPTH) >= k).cast(nw.Int64).sum().alias(f"n_{k}"))
        if k > 1 and mode != "any":
            gap = nw.when(nw.col(DEPTH) >= k).then(nw.col(f"t_{k}") - nw.col(f"t_{k - 1}"))
            aggs.append(gap.quantile(0.5, "linear").alias(f"m_{k}"))
    if by_cols:  # every customer, with the group of their first event; depth 0 if not started
        groups = ev.filter(R == 1).select(C, *[nw.col(b) for b in dict.fromkeys(by_cols)])
        per = groups.join(reached, on=CUST, how="left").with_columns(nw.col(DEPTH).fill_null(0))
        table = collect(per.group_by(*by_cols).agg(nw.len().alias("n_total"), *aggs))
        table = table.sort(by_cols, nulls_last=True)
    else:
        table = collect(reached.select(*aggs))
        n_total = collect(ev.select(C.n_unique().alias("n_total")))
        table = table.with_columns(n_total=pl.lit(int(n_total.item()), pl.Int64))
    # a sum over no rows is null in SQL (0 in polars); medians in whole µs, as polars truncates
    return table.with_columns(
        pl.col(f"n_{k}").fill_null(0) for k in range(1, len(steps) + 1)
    ).with_columns(pl.col(r"^m_\d+$").cast(pl.Int64)), pl.Duration("us")


def _check_modes(events: Any, mode: str, window: _dt.timedelta | None, by_cols: list[str]) -> None:
    """Refuse, with what does run, what needs ordered windows on an unverified engine."""
    name = engine_name(events)
    if name in ORDERED_ENGINES or (mode == "any" and window is None and not by_cols):
        return
    what = f"mode={mode!r}" if mode != "any" else ("window=" if window is not None else "by=")
    raise CxDataError(
        f"funnel({what}) needs each customer's events in order, which cxkit runs in "
        f"{', '.join(sorted(ORDERED_ENGINES))}; on {name} only mode='any' without window= "
        "or by= runs.",
        source="events",
        rule="ordered funnels run on engines with ordered windows",
        hint="use mode='any' without window= or by=, or read the table through DuckDB or "
        "Spark (or collect it to polars when it fits in memory)",
    )


def _best(attempts: nw.LazyFrame, order: str, k_steps: int) -> nw.LazyFrame:
    """Per customer, the deepest attempt (the earliest by ``order`` among equals)."""
    best = attempts.with_columns(nw.col(DEPTH).max().over(CUST).alias("__cx_dmax"))
    best = best.filter(nw.col(DEPTH) == nw.col("__cx_dmax"))
    best = best.with_columns(nw.col(order).min().over(CUST).alias("__cx_first"))
    best = best.filter(nw.col(order) == nw.col("__cx_first"))
    return best.select(C, DEPTH, *[f"t_{k}" for k in range(1, k_steps + 1)])


def _numbered(ev: nw.LazyFrame) -> nw.LazyFrame:
    """``ev`` with ``__cx_rn``: 1, 2, … over each customer's events in order (a ROWS frame, so
    rows equal in the order still get distinct numbers)."""
    return ev.with_columns(nw.lit(1).alias(ONE)).with_columns(
        nw.col(ONE).cum_count().over(CUST, order_by=ORDER).cast(nw.Int64).alias(RN)
    )


def _ordered(ev: nw.LazyFrame, steps: list[str], win: int | None) -> nw.LazyFrame:
    """Greedy earliest match from the first step 1 (from every step 1 with a window).

    Only the order among the steps' events matters, so only they are numbered.
    """
    step_ev = _numbered(ev.filter(P.is_in(steps)).select(C, T, P, nw.col(ORDER_COL)))
    if win is None:  # the earliest start dominates: per-customer minima, no joins
        return _ordered_first(step_ev, steps)
    return _best(_ordered_chains(step_ev, steps, win), "start", len(steps))


def _ordered_chains(step_ev: nw.LazyFrame, steps: list[str], win: int) -> nw.LazyFrame:
    """The greedy match from every step 1, cut where a step falls outside the window.

    Equality joins only (no customer's starts × candidates): each step event gets, per step
    k, its next step-k event — the one whose rank among step-k events is the count of step-k
    events so far plus one — and each chain looks up that pointer at its previous step.
    """
    k_steps = len(steps)
    nexts = step_ev.select(C, R, T, P)
    for k in range(2, k_steps + 1):
        is_k = nw.when(steps[k - 1] == P).then(1).otherwise(0)
        ahead = is_k.cum_sum().over(CUST, order_by=[RN]) + 1  # rank of the next step-k event
        nexts = nexts.with_columns(ahead.cast(nw.Int64).alias(f"__ahead_{k}"))
    for k in range(2, k_steps + 1):
        target = nexts.filter(steps[k - 1] == P).select(
            C,
            (nw.col(f"__ahead_{k}") - 1).alias(f"__rank_{k}"),  # its own rank
            R.alias(f"__next_rn_{k}"),
            T.alias(f"__next_t_{k}"),
        )
        nexts = nexts.join(
            target, left_on=[CUST, f"__ahead_{k}"], right_on=[CUST, f"__rank_{k}"], how="left"
        )
    first_step = [nw.col("__next_rn_2").alias("rn_2"), nw.col("__next_t_2").alias("t_2")]
    state = nexts.filter(steps[0] == P).select(
        C, R.alias("start"), T.alias("t_1"), *(first_step if k_steps > 1 else [])
    )
    for k in range(3, k_steps + 1):
        look = nexts.select(
            C,
            R.alias(f"rn_{k - 1}"),
            nw.col(f"__next_rn_{k}").alias(f"rn_{k}"),
            nw.col(f"__next_t_{k}").alias(f"t_{k}"),
        )
        state = state.join(look, on=[CUST, f"rn_{k - 1}"], how="left")
    reached, depth = nw.lit(1), nw.lit(1)
    for k in range(2, k_steps + 1):  # t rises along a chain: the first step outside ends it
        ok = nw.when(~nw.col(f"rn_{k}").is_null() & (nw.col(f"t_{k}") - nw.col("t_1") <= win))
        reached = reached * ok.then(1).otherwise(0)
        depth = depth + reached
    return state.with_columns(depth.cast(nw.Int64).alias(DEPTH))


def _ordered_first(step_ev: nw.LazyFrame, steps: list[str]) -> nw.LazyFrame:
    """The greedy match from each customer's first step 1, as windows over the customer: step
    k is the first of its events numbered after step k − 1's (one shuffle, no joins)."""
    prev = None
    for k, step in enumerate(steps, start=1):
        hit = step == P if prev is None else (step == P) & (nw.col(prev) < R)
        step_ev = step_ev.with_columns(
            nw.when(hit).then(R).min().over(CUST).alias(f"rn_{k}"),
            nw.when(hit).then(T).min().over(CUST).alias(f"t_{k}"),  # t is monotone in rn
        )
        prev = f"rn_{k}"
    depth = nw.sum_horizontal(
        (~nw.col(f"rn_{k}").is_null()).cast(nw.Int64) for k in range(1, len(steps) + 1)
    )
    return step_ev.filter(nw.col("rn_1") == R).select(
        C, depth.alias(DEPTH), *[f"t_{k}" for k in range(1, len(steps) + 1)]
    )


def _strict(ev: nw.LazyFrame, steps: list[str], win: int | None) -> nw.LazyFrame:
    """Deepest run of consecutive events matching the steps, and its times."""
    k_steps = len(steps)

    def lead(expr: nw.Expr, j: int) -> nw.Expr:
        return expr.shift(-j).over(CUST, order_by=ORDER)

    match = [nw.lit(True)]
    for j in range(1, k_steps):
        ok = lead(P, j) == steps[j]
        if win is not None:
            ok = ok & (lead(T, j) - T <= win)
        match.append(match[-1] & ok.fill_null(False))
    depth = nw.sum_horizontal(m.cast(nw.Int64) for m in match)
    runs = ev.select(
        C,
        R,
        P,
        depth.alias(DEPTH),
        T.alias("t_1"),
        *[lead(T, j).alias(f"t_{j + 1}") for j in range(1, k_steps)],
    )
    runs = runs.filter(steps[0] == P).with_columns(
        nw.when(nw.col(DEPTH) >= k).then(nw.col(f"t_{k}")).alias(f"t_{k}")
        for k in range(2, k_steps + 1)
    )
    return _best(runs, RN, k_steps)


def _any(ev: nw.LazyFrame, steps: list[str], win: int | None) -> nw.LazyFrame:
    """How many of steps 1…k were all done, in any order (within ``win`` of some step event).

    Only the depth is needed: ``"any"`` funnels have no times between steps.
    """
    step_ev = ev.filter(P.is_in(steps)).select(C, T, P)
    if win is not None:
        return _any_window(step_ev, steps, win)
    has = [
        nw.when(s == P).then(1).otherwise(0).max().alias(f"h_{k}")
        for k, s in enumerate(steps, start=1)
    ]
    reached, depth = nw.lit(1), nw.lit(0)
    for k in range(1, len(steps) + 1):
        reached = reached * nw.col(f"h_{k}")
        depth = depth + reached
    per = step_ev.group_by(CUST).agg(*has).with_columns(depth.cast(nw.Int64).alias(DEPTH))
    return per.filter(nw.col(DEPTH) >= 1).select(C, DEPTH)


def _any_window(step_ev: nw.LazyFrame, steps: list[str], win: int) -> nw.LazyFrame:
    """Every step event's time ``t0`` is tried as the window's start: step k counts when its
    first event at or after ``t0`` falls within ``win``.

    Equality joins only: the starts are ranked among the events (before those at their own
    time), so the count of step-k events before a start, plus one, is the rank of the step-k
    event to look up.
    """
    with_first = step_ev.filter(steps[0] == P).select(C).unique()
    events = step_ev.join(with_first, on=CUST, how="semi")
    starts = events.select(C, T).unique()
    rows = nw.concat(
        [
            starts.select(C, T, nw.lit(None).cast(nw.String).alias(TOUCH), nw.lit(0).alias(EVT)),
            events.select(C, T, P, nw.lit(1).alias(EVT)),
        ],
        how="vertical",
    )
    for k, step in enumerate(steps, start=1):
        seen = nw.when(step == P).then(1).otherwise(0).cum_sum()
        rows = rows.with_columns(seen.over(CUST, order_by=[TIME, EVT]).alias(f"__seen_{k}"))
    state = rows.filter(nw.col(EVT) == 0).select(
        C, T, *[(nw.col(f"__seen_{k}") + 1).alias(f"__want_{k}") for k in range(1, len(steps) + 1)]
    )
    reached, depth = nw.lit(1), nw.lit(0)
    for k, step in enumerate(steps, start=1):
        target = rows.filter((nw.col(EVT) == 1) & (step == P)).select(
            C, nw.col(f"__seen_{k}").alias(f"__rank_{k}"), T.alias(f"t_{k}")
        )
        state = state.join(
            target, left_on=[CUST, f"__want_{k}"], right_on=[CUST, f"__rank_{k}"], how="left"
        )
        ok = ~nw.col(f"t_{k}").is_null() & (nw.col(f"t_{k}") - T <= win)
        reached = reached * nw.when(ok).then(1).otherwise(0)
        depth = depth + reached
    per = (
        state.with_columns(depth.cast(nw.Int64).alias(DEPTH))
        .group_by(CUST)
        .agg(nw.col(DEPTH).max())
    )
    return per.filter(nw.col(DEPTH) >= 1).select(C, DEPTH)
