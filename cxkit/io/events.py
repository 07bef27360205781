"""``read_events``: a touchpoint log in the canonical events schema, ordered by customer and time.

Frames returned by :func:`read_events` are remembered (weakly) so the journey functions can
skip their own order check and sort: :func:`is_sorted_events` and :func:`unordered_plan`.
"""

from __future__ import annotations

import weakref
from typing import Any

import polars as pl

from cxkit.io._checks import ReadReport, run_checks
from cxkit.io._convert import check_tz, id_text, range_checks, timestamp
from cxkit.io._engine_read import read_engine
from cxkit.io._rules import duplicates_check, finish, not_null, require_mapped
from cxkit.io._sources import open_source, unchanged_guard
from cxkit.io.engines import is_engine
from cxkit.schema import CUSTOMER_ID, EVENT_ORDER, TIMESTAMP, TOUCHPOINT

__all__ = ["is_sorted_events", "read_events", "unordered_plan"]

# Frames returned by read_events (id → frame; entries vanish with the frame). Their rows come in
# (customer_id, timestamp, input order) order — as read when the validation pass found them so,
# else through a stable sort in the plan — so the journey functions need not check or sort.
_SORTED_EVENTS: weakref.WeakValueDictionary[int, pl.LazyFrame] = weakref.WeakValueDictionary()


# ... and the same events before that sort (the same plan when the rows were in order already):
# queries that do not need the order (the distinct touchpoints) run on it and skip the sort
_UNORDERED_PLAN: dict[int, pl.LazyFrame] = {}


def is_sorted_events(frame: Any) -> bool:
    """True when ``frame`` is, unchanged, a frame returned by :func:`read_events`."""
    return isinstance(frame, pl.LazyFrame) and _SORTED_EVENTS.get(id(frame)) is frame


def unordered_plan(frame: Any) -> pl.LazyFrame | None:
    """For a frame from :func:`read_events`: the same rows without its sort (else None)."""
    return _UNORDERED_PLAN.get(id(frame)) if is_sorted_events(frame) else None


def _register_sorted(frame: pl.LazyFrame, unordered: pl.LazyFrame) -> None:
    _SORTED_EVENTS[id(frame)] = frame
    if unordered is not frame:  # (holding the frame itself would keep it alive forever)
        _UNORDERED_PLAN[id(frame)] = unordered
        weakref.finalize(frame, _UNORDERED_PLAN.pop, id(frame), None)


#: the role and argument of each mapped column (named in errors about them)
ROLES = {
    "customer_id": ("customer id", "customer"),
    "timestamp": ("event time", "time"),
    "touchpoint": ("touchpoint", "touchpoint"),
    "score": ("touchpoint score", "score"),
    EVENT_ORDER: ("event order", "order_by"),
}


def _events(
    source: Any,
    *,
    customer: str,
    time: str,
    touchpoint: str,
    tz: str | None,
    score: str | None,
    scale: tuple[float, float] | None,
    time_format: str | None,
    drop_duplicates: bool,
    encoding: str | None = None,
    separator: str | None = None,
    order_by: str | None = None,
) -> tuple[pl.LazyFrame, ReadReport, pl.LazyFrame]:
    check_tz(tz, time)
    opened = open_source(source, string_columns=(customer,), encoding=encoding, separator=separator)
    mapping = {"customer_id": customer, "timestamp": time, "touchpoint": touchpoint}
    if score is not None:
        mapping["score"] = score
    if order_by is not None:
        mapping[EVENT_ORDER] = order_by
    require_mapped(opened, mapping, ROLES)
    schema = opened.frame.collect_schema()
    ts, checks = timestamp(time, schema[time], tz, time_format, parsed=pl.col("__cx_key_time"))
    cid, bad_id = id_text(customer, schema[customer])
    checks = [
        not_null(customer, "customer id", schema[customer]),
        not_null(touchpoint, "touchpoint", schema[touchpoint]),
        *([bad_id] if bad_id else []),
        *checks,
    ]
    conv = {
        "__cid": cid,
        "__ts": ts,
        "__tp": pl.col(touchpoint).cast(pl.String),
    }
    if score is not None:
        lo, hi = scale if scale is not None else (float("-inf"), float("inf"))
        num, more = range_checks(score, schema[score], lo, hi, None)
        conv["__score"] = num
        checks += more
    if order_by is not None:
        checks.append(not_null(order_by, "tie-breaker (order_by)", schema[order_by]))
        conv["__eo"] = pl.col(order_by)
    dup_cols = [c for c in schema.names()]
    # the key is converted once per pass and named (a text-timestamp parse is not repeated at
    # each of its shifted uses in the order and duplicate checks)
    key_columns = {"__cx_key_customer": conv["__cid"], "__cx_key_time": conv["__ts"]}
    sort_key = (pl.col("__cx_key_customer"), pl.col("__cx_key_time"))
    checks.append(
        duplicates_check(
            dup_cols,
            "exact events (every column equal)",
            "info" if drop_duplicates else "warning",
            "pass drop_duplicates=True to remove them (kept: the first of each)",
            sort_key=sort_key,
        )
    )
    report = run_checks(opened, "events", checks, sort_key=sort_key, derived=key_columns)
    extras = [c for c in schema.names() if c not in set(mapping.values())]
    canon = opened.frame
    if drop_duplicates and report.count("exact events (every column equal) are unique"):
        canon = canon.unique(maintain_order=True)
    canon = canon.with_columns(**conv).select(
        unchanged_guard(opened, pl.col("__cid"), pl.String).alias("customer_id"),
        pl.col("__ts").alias("timestamp"),
        pl.col("__tp").alias("touchpoint"),
        *([pl.col("__score").alias("score")] if score is not None else []),
        *([pl.col("__eo").alias(EVENT_ORDER)] if order_by is not None else []),
        *[pl.col(c) for c in extras],
    )
    unordered = canon
    # Rows already in (customer, time) order need no sort (a stable sort changes nothing) —
    # when the source gives the same order every time: files and in-memory frames do; a lazy
    # plan (a join, say) may not, so it keeps its sort.
    if order_by is not None:  # ties in time broken by the order_by column, then input order
        canon = canon.sort(["customer_id", "timestamp", EVENT_ORDER], maintain_order=True)
    elif not (report.is_sorted and opened.stable_order):
        canon = canon.sort(["customer_id", "timestamp"], maintain_order=True)
    return canon, report, unordered


def read_events(
    source: Any,
    *,
    customer: str = CUSTOMER_ID,
    time: str = TIMESTAMP,
    touchpoint: str = TOUCHPOINT,
    tz: str | None = None,
    score: str | None = None,
    scale: tuple[float, float] | None = None,
    time_format: str | None = None,
    drop_duplicates: bool = False,
    encoding: str | None = None,
    separator: str | None = None,
    order_by: str | None = None,
) -> Any:
    """Read a touchpoint log into the canonical events schema.

    Parameters
    ----------
    source
        Path (CSV, Parquet, NDJSON; a glob or a folder of them), polars or pandas frame — or
        an engine frame (a DuckDB relation, a Spark DataFrame, a narwhals LazyFrame of one):
        it is validated in the engine (one aggregate query) and returned as an engine frame
        of the same type, not sorted (engines have no row order). See ``docs/scaling.md``.
    customer, time, touchpoint
        Source columns holding the customer id, the event time and the touchpoint.
    tz
        IANA zone of naive timestamps (``"Europe/Amsterdam"``). Timestamps with an offset are
        converted to UTC; naive ones are taken as ``tz`` (UTC when not given). A text column
        mixing naive and offset-aware values is an error unless ``tz`` is given.
    score, scale
        Optional touchpoint-satisfaction column (renamed ``score``) and its scale ``(lo, hi)``;
        values off the scale are an error.
    time_format
        A chrono format such as ``"%d/%m/%Y %H:%M"`` when timestamps are not ISO-like. Dates
        written ``01/02/2024`` (day and month order unknowable) are an error without it.
    drop_duplicates
        Remove exact duplicate rows (keeping the first). Otherwise they are kept and reported
        with a :class:`~cxkit.errors.CxDataWarning`.
    encoding, separator
        CSV only: the text encoding (default UTF-8; ``"latin-1"``, ``"cp1252"``, ``"utf-16"`` …
        are decoded in memory) and the field separator (default: ``,`` — or the one the header
        splits on, ``;``, tab or ``|``). gzip-compressed CSV is read as is.
    order_by
        A column that breaks ties in time (an event id, a sequence number), kept as
        ``event_order``: events are ordered by customer, time and ``order_by`` (then input
        order). Engines have no row order, so give one there when times can tie; without it
        the journey functions break ties by touchpoint name and warn.

    Returns
    -------
    polars.LazyFrame
        ======================  ===================================================
        ``customer_id``         String
        ``timestamp``           Datetime("us", "UTC")
        ``touchpoint``          String
        ``score``               Float64, only when ``score`` is given
        ``event_order``         the ``order_by`` column, only when it is given
        extra columns           as read
        ======================  ===================================================

        Sorted by customer, time (and ``order_by``) and input order. An engine frame in gives
        the same columns as an engine frame out (DuckDB: ``TIMESTAMP WITH TIME ZONE``).

    Raises
    ------
    CxDataError
        Missing or ambiguous columns, empty or unreadable files, null, empty or blank ids or
        touchpoints, unparseable or missing timestamps, day/month order unknown, naive/aware
        mixing, an unknown ``tz``, scores off the scale. A file rewritten after
        ``read_events`` makes ``collect()`` raise instead of reading the new content.
    """
    options = dict(
        customer=customer, time=time, touchpoint=touchpoint, tz=tz, score=score, scale=scale,
        time_format=time_format, drop_duplicates=drop_duplicates, order_by=order_by,
    )  # fmt: skip
    if is_engine(source):  # validated in the engine; an engine frame back
        return read_engine("events", source, **options)
    frame, report, unordered = _events(source, encoding=encoding, separator=separator, **options)
    finish(report)
    _register_sorted(frame, unordered)
    return frame
