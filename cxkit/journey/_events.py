"""Private building blocks of :mod:`cxkit.journey`: ordering, neighbours, steps, durations.

Events are brought to three private columns (customer, time, touchpoint) and sorted stably by
(customer, time), so ties keep their input order. Neighbouring events come from one global
``shift`` masked at customer boundaries (``FIRST`` / ``LAST``): no ``group_by`` over lists and
no ``over`` windows, which keeps everything streaming and close to the cost of the sort.

Input goes through the one adapter, :func:`cxkit._frames.to_lazy` (polars, pandas, pyarrow;
anything else is a :class:`~cxkit.errors.CxDataError`), and the mapped columns through
:func:`cxkit._frames.require_columns` (a missing one names its close matches and the argument
to pass).
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from collections.abc import Sequence
from difflib import get_close_matches
from typing import Any

import polars as pl

from cxkit._frames import bad_argument, require_columns, to_lazy
from cxkit.errors import CxDataWarning
from cxkit.io import is_sorted_events, unordered_plan, unsorted_rows

# private column names, so that user columns never collide with ours
CUST, TIME, TOUCH = "__cx_customer", "__cx_time", "__cx_touchpoint"
C, T, P = pl.col(CUST), pl.col(TIME), pl.col(TOUCH)
FIRST = (C.shift(1) != C).fill_null(True)  # first event of a customer (on sorted rows)
LAST = (C.shift(-1) != C).fill_null(True)  # last event of a customer
NEXT_SAME = ~LAST
#: the key that groups a customer's events in :func:`group_customers` (tests swap in a weak one)
CUSTOMER_KEY = C.hash()

#: The fix shown when events are not a table.
EVENTS_HINT = "read the touchpoint log with cx.read_events(...), or pass a polars/pandas frame"


def event_frame(
    events: Any,
    customer: str,
    time: str,
    touchpoint: str,
    *,
    keep: Sequence[str] = (),
    where: str = "events",
) -> pl.LazyFrame:
    """The events as a LazyFrame (the one adapter), with the mapped columns checked."""
    lf = to_lazy(events, what=where, hint=EVENTS_HINT)
    cols = {customer: ("customer id", "customer"), time: ("event time", "time")}
    cols[touchpoint] = ("touchpoint", "touchpoint")
    cols.update({k: ("column", k) for k in keep if k not in cols})
    require_columns(lf, cols, source=where)
    return lf


def ordered_events(
    events: Any,
    customer: str,
    time: str,
    touchpoint: str,
    *,
    keep: Sequence[str] = (),
    where: str = "events",
    names: bool = False,
    blocks: bool = False,
) -> pl.LazyFrame | tuple[pl.LazyFrame, list[str | None]]:
    """Events as ``__cx_customer, __cx_time, __cx_touchpoint, *keep``, stably sorted.

    Frames from ``cx.read_events`` are in order already (their plan sorts when the file was not).
    Any other frame is read once into these few columns (a lazy plan may not give the same row
    order twice, e.g. after a join, so its order is checked on the rows actually used), checked,
    and sorted only when out of order (a stable sort of ordered rows is the identity). With
    ``names=True`` the distinct touchpoints come too (sorted; ``None`` last for a null one).

    ``blocks=True`` is for callers whose result does not depend on the order of the customers
    or on their ids (counts over edges, paths): each customer's events come together, in time
    and then input order, but the customers come in any order, and the customer column may hold
    an opaque integer key instead of the id; with ``names=True`` too, the touchpoint may come as
    an ``Enum`` of the names. Rows that need sorting are then grouped by a 64-bit hash of the id
    (:func:`group_customers`) instead of sorted by its text, which on a raw log in time order is
    several times cheaper; for a ``read_events`` frame whose plan holds that text sort, the
    plan before the sort is read instead.
    """
    lf = event_frame(events, customer, time, touchpoint, keep=keep, where=where)
    cols = [
        pl.col(customer).cast(pl.String).alias(CUST),
        pl.col(time).alias(TIME),
        pl.col(touchpoint).cast(pl.String).alias(TOUCH),
        # kept under their own names too (a `by` may name the touchpoint column itself)
        *[pl.col(k) for k in dict.fromkeys(keep)],
    ]
    out = lf.select(cols)
    if (customer, time) == ("customer_id", "timestamp") and is_sorted_events(events):
        # the plan before read_events' sort (None: the file was in order, there is no sort)
        unordered = unordered_plan(events)
        found = None
        if names:  # the distinct touchpoints need no order: ask the plan before any sort
            rows = out if unordered is None else unordered.select(pl.col(touchpoint).alias(TOUCH))
            found = rows.select(P.cast(pl.String).unique()).collect(engine="streaming")
            found = _sorted_names(found[TOUCH].to_list())
        if blocks and unordered is not None:  # read narrow, group by customer hash
            if found is not None:
                cols[2] = cols[2].cast(_enum(found))
            grouped = group_customers(unordered.select(cols))
            return (grouped, found) if names else grouped
        out = out.with_columns(C.set_sorted())  # group-bys by customer run along the order
        return (out, found) if names else out
    rows = out.collect(engine="streaming")
    found = _sorted_names(rows[TOUCH].unique().to_list()) if names else []
    if blocks and names:
        rows = rows.with_columns(P.cast(_enum(found)))
    if rows.select(unsorted_rows((C, T))).item():
        # left lazy: the (streaming) query that uses the rows sorts them, faster than eagerly
        ordered = (
            group_customers(rows.lazy())
            if blocks
            else rows.lazy().sort([CUST, TIME], maintain_order=True)
        )
    else:  # in order, checked: let Polars group by customer along the sorted run
        ordered = rows.lazy().with_columns(C.set_sorted())
    return (ordered, found) if names else ordered


def _enum(found: list[str | None]) -> pl.DataType:
    return pl.Enum([x for x in found if x is not None])


def group_customers(plan: pl.LazyFrame) -> pl.LazyFrame:
    """The rows of ``plan`` with each customer's events together, in (time, input) order; the
    customers in the order of a 64-bit hash of their id, which replaces the id.

    One stable sort on an integer key instead of on the id's text (and the time): on a log in
    time order, where the time needs no sorting, the hash alone is the key, and the ids' text is
    dropped before the sort. Two customers whose ids shared a hash would interleave: the hash
    must take as many values as there are distinct ids (it then tells every id apart), else the
    rows are read again and sorted by the text, so the result is exact whatever the ids.
    ``plan`` must give its rows in the same order each time (a file, a frame in memory).
    """
    rows = plan.collect(engine="streaming")
    n_ids = rows[CUST].n_unique()
    dtype = rows.schema[TIME]
    in_time = (dtype.is_temporal() or dtype.is_integer()) and rows.select(
        (T.null_count() == 0) & ~(T.shift(1) > T).fill_null(False).any()
    ).item()
    key = [CUST] if in_time else [CUST, TIME]
    rows = rows.with_columns(CUSTOMER_KEY.alias(CUST))  # the ids' text is let go here
    out = rows.sort(key, maintain_order=True)
    del rows
    n_hashes = out.select((C.shift(1) != C).sum() + 1).item() if out.height else 0
    if n_hashes != n_ids:  # two ids with one hash (about n² / 2⁶⁵ for n ids): sort by the text
        return plan.collect(engine="streaming").lazy().sort([CUST, TIME], maintain_order=True)
    return out.lazy().with_columns(C.set_sorted())  # sorted by the hash: group-bys run along it


def _sorted_names(found: list[str | None]) -> list[str | None]:
    return sorted(x for x in found if x is not None) + [None] * (None in found)


def customer_number() -> pl.Expr:
    """1, 2, … per customer on sorted rows: counting distinct integers is far cheaper than strings."""
    return FIRST.cast(pl.UInt32).cum_sum()


def step_number() -> pl.Expr:
    """1-based position of each (sorted) event within its customer's journey, without ``over``."""
    idx = pl.int_range(pl.len(), dtype=pl.Int64)
    return idx - pl.when(FIRST).then(idx).forward_fill() + 1


UNITS = {"w": 604800.0, "d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def to_timedelta(value: str | _dt.timedelta, name: str) -> _dt.timedelta:
    """Parse ``"7d"``, ``"30m"``, ``"1h30m"``, ``"2w"``, ``"45s"`` (or pass a timedelta).

    >>> to_timedelta("1h30m", "gap")
    datetime.timedelta(seconds=5400)
    """
    if isinstance(value, _dt.timedelta):
        return value
    text = str(value).strip().lower().replace(" ", "")
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|w|d|h|m|s)", text)
    if not parts or "".join(a + u for a, u in parts) != text:
        raise bad_argument(
            name,
            value,
            rule="a duration is a number and a unit (w, d, h, m, s, ms)",
            hint=f"pass e.g. {name}='30m', '7d', '1h30m' or a datetime.timedelta",
        )
    return _dt.timedelta(seconds=sum(float(a) * UNITS[u] for a, u in parts))


def warn(message: str) -> None:
    warnings.warn(message, CxDataWarning, stacklevel=3)


def warn_unknown(names: Sequence[str], lf: pl.LazyFrame, what: str) -> None:
    """Warn about step/contact names that never occur, with close matches."""
    present = set(lf.select(P.unique()).collect()[TOUCH].to_list())
    for name in dict.fromkeys(names):
        if name not in present:
            close = get_close_matches(name, sorted(present), n=3, cutoff=0.5)
            hint = f" Close matches: {close}." if close else ""
            warn(f"{what} {name!r} never occurs in the events.{hint}")


def as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def as_int(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.Int64)
