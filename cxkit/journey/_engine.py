"""Private: journey events in a lazy engine (DuckDB, Spark, …), prepared once for push-down.

The journey functions dispatch here when their events are an engine frame
(:func:`cxkit.io.engines.is_engine`). :func:`engine_events` brings the events to four private
columns in the engine, written once in narwhals' lazy API:

=====================  =====================================================================
``__cx_customer``      the customer id, as text
``__cx_t``             the event time as Int64 microseconds since 1970 (numbers pass through)
``__cx_touchpoint``    the touchpoint, as text
``__cx_order``         the tie-breaker of events at the same time: the ``event_order`` column
                       (``cx.read_events(..., order_by=)``) when there is one, else the
                       touchpoint name
=====================  =====================================================================

Engines have no row order, so each customer's events are ordered by :data:`ORDER`
(``expr.over(CUST, order_by=ORDER)``). Without an ``event_order`` column, ties in time are
broken by touchpoint name and the kit warns once per frame how many tied (customer, time) pairs
there were; with no ties, or with a tie-breaker, the order is the polars path's exactly.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw

from cxkit._frames import require_columns
from cxkit.errors import CxDataWarning
from cxkit.io.engines import as_engine, collect, with_epoch_us
from cxkit.schema import EVENT_ORDER

__all__ = ["CUST", "ORDER", "ORDER_COL", "TIME", "TOUCH", "engine_events", "touchpoint_names"]

# private column names, so that user columns never collide with ours
CUST, TIME, TOUCH, ORDER_COL = "__cx_customer", "__cx_t", "__cx_touchpoint", "__cx_order"
#: each customer's events in order: ``expr.over(CUST, order_by=ORDER)``
ORDER = [TIME, ORDER_COL]

#: frames whose ties were counted (and warned about) already: id → (frame, tied pairs); the
#: frame is held so that its id is not reused while it is remembered
_TIES_SEEN: OrderedDict[int, tuple[Any, int]] = OrderedDict()
_TIES_MEMORY = 32


def engine_events(
    events: Any,
    customer: str,
    time: str,
    touchpoint: str,
    *,
    keep: Sequence[str] = (),
    where: str = "events",
) -> nw.LazyFrame:
    """The engine's events as ``__cx_customer, __cx_t, __cx_touchpoint, __cx_order, *keep``.

    Nothing runs in the engine but, without an ``event_order`` column, one aggregate query
    that counts the tied (customer, time) pairs (once per frame object); with ties it warns
    once (:class:`~cxkit.errors.CxDataWarning`). Missing columns raise the polars path's
    :class:`~cxkit.errors.CxDataError`.

    Examples
    --------
    >>> import duckdb
    >>> rel = duckdb.sql(
    ...     "select * from (values ('a', 1, 'web'), ('a', 2, 'call')) t(customer_id, t, touchpoint)"
    ... )
    >>> ev = engine_events(rel, "customer_id", "t", "touchpoint")
    >>> ev.collect_schema().names()
    ['__cx_customer', '__cx_t', '__cx_touchpoint', '__cx_order']
    """
    frame = as_engine(events, what=where)
    names = frame.collect_schema().names()
    cols = {customer: ("customer id", "customer"), time: ("event time", "time")}
    cols[touchpoint] = ("touchpoint", "touchpoint")
    cols.update({k: ("column", k) for k in keep if k not in cols})
    require_columns(names, cols, source=where)
    frame = with_epoch_us(frame, time, TIME)
    has_order = EVENT_ORDER in names
    order = nw.col(EVENT_ORDER) if has_order else nw.col(touchpoint).cast(nw.String)
    out = frame.select(
        nw.col(customer).cast(nw.String).alias(CUST),
        nw.col(TIME),
        nw.col(touchpoint).cast(nw.String).alias(TOUCH),
        order.alias(ORDER_COL),
        *[nw.col(k) for k in dict.fromkeys(keep) if k not in (CUST, TIME, TOUCH, ORDER_COL)],
    )
    if not has_order:
        _warn_ties(events, out, where)
    return out


def _warn_ties(events: Any, out: nw.LazyFrame, where: str) -> None:
    key = id(events)
    if key in _TIES_SEEN and _TIES_SEEN[key][0] is events:
        _TIES_SEEN.move_to_end(key)
        return
    tied = collect(
        out.group_by(CUST, TIME)
        .agg(nw.len().alias("n"))
        .filter(nw.col("n") > 1)
        .select(nw.len().alias("pairs"))
    )
    n = int(tied["pairs"][0]) if tied.height else 0
    _TIES_SEEN[key] = (events, n)
    while len(_TIES_SEEN) > _TIES_MEMORY:
        _TIES_SEEN.popitem(last=False)
    if n:
        warnings.warn(
            f"{where}: {n:,} (customer, time) pair(s) hold more than one event; an engine has "
            "no row order, so these ties were broken by touchpoint name. Pass order_by= to "
            "cx.read_events (an event id or sequence number) to keep the order of the source.",
            CxDataWarning,
            stacklevel=4,
        )


def tied_pairs(events: Any) -> int | None:
    """The tied (customer, time) pairs counted for ``events`` (None: not counted)."""
    seen = _TIES_SEEN.get(id(events))
    return seen[1] if seen is not None and seen[0] is events else None


def touchpoint_names(ev: nw.LazyFrame) -> list[str | None]:
    """The distinct touchpoints of prepared events, sorted, ``None`` last for a null one.

    Examples
    --------
    >>> import duckdb
    >>> rel = duckdb.sql("select * from (values ('a', 1, 'web'), ('b', 1, 'call')) t(c, t, p)")
    >>> touchpoint_names(engine_events(rel, "c", "t", "p"))
    ['call', 'web']
    """
    found = collect(ev.select(nw.col(TOUCH)).unique())[TOUCH].to_list()
    return sorted(x for x in found if x is not None) + [None] * (None in found)
