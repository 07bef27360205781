"""Events as sessions: :func:`sessionize` splits each customer's events at quiet gaps.

The ordering rules every journey function shares (stable sort by customer and time, ties in
input order) live in the private :mod:`cxkit.journey._events`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import polars as pl

from cxkit.journey._events import event_frame, to_timedelta

__all__ = ["sessionize"]


def sessionize(
    events: Any,
    *,
    gap: str | _dt.timedelta = "30m",
    customer: str = "customer_id",
    time: str = "timestamp",
    touchpoint: str = "touchpoint",
) -> pl.DataFrame | pl.LazyFrame:
    """Split each customer's events into sessions: a new one starts after a quiet ``gap``.

    Parameters
    ----------
    events : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table
        The events (``cx.read_events``); any order.
    gap : str or datetime.timedelta
        ``"30m"``, ``"1h30m"``, ``"7d"`` …: a longer silence starts a new session.
    customer, time, touchpoint : str
        Column names.

    Returns
    -------
    polars.DataFrame or LazyFrame
        The events (lazy stays lazy; any other input comes back as a DataFrame), sorted by
        customer, time and input order, with two more columns:

        ===============  ==============================================================
        ``session``      1, 2, … within the customer (Int64)
        ``session_id``   ``"<customer>#<session>"``: pass ``customer="session_id"`` to
                         any function here to analyse sessions as journeys
        ===============  ==============================================================

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> ev = pl.DataFrame({"customer_id": ["a"] * 3, "touchpoint": list("xyz"),
    ...     "timestamp": [dt.datetime(2024, 1, 1, 9, m) for m in (0, 10, 59)]})
    >>> sessionize(ev, gap="30m")["session_id"].to_list()
    ['a#1', 'a#1', 'a#2']
    """
    win = to_timedelta(gap, "gap")
    lazy = isinstance(events, pl.LazyFrame)
    lf = event_frame(events, customer, time, touchpoint)
    cid, ts = pl.col(customer).cast(pl.String), pl.col(time)
    first = (cid.shift(1) != cid).fill_null(True)
    new = first | (ts - ts.shift(1) > win).fill_null(False)
    count = new.cast(pl.Int64).cum_sum()
    out = (
        lf.sort([customer, time], maintain_order=True)
        .with_columns((count - pl.when(first).then(count).forward_fill() + 1).alias("session"))
        .with_columns((cid + "#" + pl.col("session").cast(pl.String)).alias("session_id"))
    )
    return out if lazy else out.collect()
