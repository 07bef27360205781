"""Private building blocks of :mod:`cxkit.journey`: ordering, shifts, durations, funnel engines.

Events are brought to three private columns (customer, time, touchpoint) and sorted stably by
(customer, time), so ties keep their input order. Neighbouring events come from one global
``shift`` masked at customer boundaries (``FIRST`` / ``LAST``): no ``group_by`` over lists and
no ``over`` windows, which keeps everything streaming and close to the cost of the sort.
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from collections.abc import Sequence
from difflib import get_close_matches
from typing import Any

import polars as pl

from cxkit.errors import CxDataError, CxDataWarning, missing_column_error
from cxkit.io import is_sorted_events, unordered_plan, unsorted_rows
from cxkit.schema import CONTINUES, END, OTHER, OTHER_PATHS, SEP, START, TRUNCATED  # noqa: F401

# private column names, so that user columns never collide with ours
CUST, TIME, TOUCH = "__cx_customer", "__cx_time", "__cx_touchpoint"
C, T, P = pl.col(CUST), pl.col(TIME), pl.col(TOUCH)
FIRST = (C.shift(1) != C).fill_null(True)  # first event of a customer (on sorted rows)
LAST = (C.shift(-1) != C).fill_null(True)  # last event of a customer
NEXT_SAME = ~LAST


# --------------------------------------------------------------------------------------------
# shared pieces
# --------------------------------------------------------------------------------------------
def lazy_frame(frame: Any, what: str) -> pl.LazyFrame:
    if isinstance(frame, pl.LazyFrame):
        return frame
    if isinstance(frame, pl.DataFrame):
        return frame.lazy()
    if type(frame).__module__.startswith("pandas"):
        return pl.from_pandas(frame).lazy()
    raise TypeError(
        f"{what} must be a polars DataFrame/LazyFrame (e.g. from cx.read_events), "
        f"got {type(frame).__name__}"
    )


def check_columns(lf: pl.LazyFrame, columns: dict[str, tuple[str, str]], where: str) -> None:
    names = lf.collect_schema().names()
    for col, (role, arg) in columns.items():
        if col not in names:
            raise missing_column_error(col, names, source=where, role=role, argument=arg)


def ordered_events(
    events: Any,
    customer: str,
    time: str,
    touchpoint: str,
    *,
    keep: Sequence[str] = (),
    where: str = "events",
    names: bool = False,
) -> pl.LazyFrame | tuple[pl.LazyFrame, list[str | None]]:
    """Events as ``__cx_customer, __cx_time, __cx_touchpoint, *keep``, stably sorted.

    Frames from ``cx.read_events`` are in order already (their plan sorts when the file was not).
    Any other frame is read once into these few columns (a lazy plan may not give the same row
    order twice, e.g. after a join, so its order is checked on the rows actually used), checked,
    and sorted only when out of order (a stable sort of ordered rows is the identity). With
    ``names=True`` the distinct touchpoints come too (sorted; ``None`` last for a null one).
    """
    lf = lazy_frame(events, where)
    cols = {customer: ("customer id", "customer"), time: ("event time", "time")}
    cols[touchpoint] = ("touchpoint", "touchpoint")
    cols.update({k: ("column", k) for k in keep})
    check_columns(lf, cols, where)
    out = lf.select(
        pl.col(customer).cast(pl.String).alias(CUST),
        pl.col(time).alias(TIME),
        pl.col(touchpoint).cast(pl.String).alias(TOUCH),
        # kept under their own names too (a `by` may name the touchpoint column itself)
        *[pl.col(k) for k in dict.fromkeys(keep)],
    )
    if (customer, time) == ("customer_id", "timestamp") and is_sorted_events(events):
        out = out.with_columns(C.set_sorted())  # group-bys by customer run along the order
        if not names:
            return out
        # the distinct touchpoints need no order: ask the plan before any sort
        unordered = unordered_plan(events)
        rows = out if unordered is None else unordered.select(pl.col(touchpoint).alias(TOUCH))
        found = rows.select(P.cast(pl.String).unique()).collect(engine="streaming")
        return out, _sorted_names(found[TOUCH].to_list())
    rows = out.collect(engine="streaming")
    found = _sorted_names(rows[TOUCH].unique().to_list()) if names else []
    if rows.select(unsorted_rows((C, T))).item():
        # left lazy: the (streaming) query that uses the rows sorts them, faster than eagerly
        ordered = rows.lazy().sort([CUST, TIME], maintain_order=True)
    else:  # in order, checked: let Polars group by customer along the sorted run
        ordered = rows.lazy().with_columns(C.set_sorted())
    return (ordered, found) if names else ordered


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
        raise ValueError(
            f"{name}={value!r} is not a duration: use e.g. '30m', '7d', '1h30m' or a timedelta"
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


# Funnel engines. ``lf`` is sorted and carries ``KEY`` (``customer_number()``); each engine
# returns one row per customer who reached step 1: ``KEY``, ``depth`` (steps reached) and
# ``t_1 … t_K`` (times of the steps of the best attempt). Integer keys keep joins cheap.
KEY = "__cx_key"
K = pl.col(KEY)


def funnel_ordered(lf: pl.LazyFrame, steps: list[str], window) -> pl.LazyFrame:
    """Deepest step reached in order: greedy earliest match from each start (exact)."""
    ev = lf.with_row_index("pos").filter(P.is_in(steps)).select(K, T, P, "pos").collect().lazy()
    starts = ev.filter(steps[0] == P)
    if window is None:  # the earliest start dominates every later one
        starts = starts.filter(K.is_first_distinct())
    state = starts.select(
        K, pl.col("pos").alias("start"), pl.col("pos").alias("pos_1"), T.alias("t_1")
    )
    for k in range(2, len(steps) + 1):
        cand = ev.filter(steps[k - 1] == P).select(
            K.alias("key_k"), pl.col("pos").alias("pos_k"), T.alias("t_k")
        )
        left = (
            state.filter(pl.col(f"pos_{k - 1}").is_not_null())
            .select(K, "start", "t_1", (pl.col(f"pos_{k - 1}") + 1).alias("after"))
            .sort("after")
        )
        # rows are globally ordered by (customer, time), so the first candidate at or after
        # ``after`` is this customer's next occurrence of the step, or belongs to another
        # customer (no match): no ``by`` needed
        hit = left.join_asof(cand, left_on="after", right_on="pos_k", strategy="forward")
        ok = pl.col("key_k") == K
        if window is not None:
            ok = ok & (pl.col("t_k") - pl.col("t_1") <= window)
        hit = hit.filter(ok).select(
            "start", pl.col("pos_k").alias(f"pos_{k}"), pl.col("t_k").alias(f"t_{k}")
        )
        state = state.join(hit, on="start", how="left")
    depth = pl.sum_horizontal(pl.col(f"pos_{k}").is_not_null() for k in range(1, len(steps) + 1))
    state = state.with_columns(depth.alias("depth"))
    if window is None:  # one attempt per customer already: nothing to choose between
        return state.select(K, "depth", *[f"t_{k}" for k in range(1, len(steps) + 1)])
    return _best_attempt(state, "start", len(steps))


def _best_attempt(attempts: pl.LazyFrame, order: str, k_steps: int) -> pl.LazyFrame:
    """Per customer, the deepest attempt (the earliest among equals)."""
    return (
        attempts.sort([KEY, "depth", order], descending=[False, True, False])
        .filter(K.is_first_distinct())
        .select(K, "depth", *[f"t_{k}" for k in range(1, k_steps + 1)])
    )


def funnel_strict(lf: pl.LazyFrame, steps: list[str], window) -> pl.LazyFrame:
    """Deepest run of consecutive events matching the steps, and its times."""
    k_steps = len(steps)
    match = [pl.lit(True)]
    for j in range(1, k_steps):
        ok = (K.shift(-j) == K) & (P.shift(-j) == steps[j])
        if window is not None:
            ok = ok & (T.shift(-j) - T <= window)
        match.append(match[-1] & ok.fill_null(False))
    runs = lf.with_row_index("pos").select(
        K,
        "pos",
        P,
        pl.sum_horizontal(m.cast(pl.Int64) for m in match).alias("depth"),
        *[T.shift(-j).alias(f"t_{j + 1}") for j in range(k_steps)],
    )
    runs = runs.filter(steps[0] == P).with_columns(
        pl.when(pl.col("depth") >= k).then(pl.col(f"t_{k}")).alias(f"t_{k}")
        for k in range(2, k_steps + 1)
    )
    return _best_attempt(runs, "pos", k_steps)


def funnel_any(lf: pl.LazyFrame, steps: list[str], window) -> pl.LazyFrame:
    """How many of steps 1…k were all done (any order), with the first time of each.

    With a ``window``, every event of a funnel step is tried as the window's start: from it,
    each step's next occurrence (an as-of join forward in time) must fall within the window.
    The deepest start wins (the earliest among equals), with its times.
    """
    if window is not None:
        return _funnel_any_window(lf, steps, window)
    firsts = lf.filter(P.is_in(steps)).group_by(KEY, TOUCH).agg(T.min().alias("t")).collect()
    out = firsts.filter(steps[0] == P).select(K)
    for k, step in enumerate(steps, start=1):
        one = firsts.filter(step == P).select(K, pl.col("t").alias(f"t_{k}"))
        out = out.join(one, on=KEY, how="left")
    reached = []
    for k in range(1, len(steps) + 1):
        cols = [f"t_{j}" for j in range(1, k + 1)]
        ok = pl.all_horizontal(pl.col(c).is_not_null() for c in cols)
        if window is not None:
            ok = ok & (pl.max_horizontal(cols) - pl.min_horizontal(cols) <= window)
        reached.append(ok if not reached else reached[-1] & ok)
    depth = pl.sum_horizontal(r.cast(pl.Int64) for r in reached)
    return out.lazy().with_columns(depth.alias("depth"))


def _funnel_any_window(lf: pl.LazyFrame, steps: list[str], window) -> pl.LazyFrame:
    ev = lf.filter(P.is_in(steps)).select(K, T, P).collect()
    with_first = ev.filter(steps[0] == P).select(K).unique()
    anchors = (
        ev.join(with_first, on=KEY, how="semi").select(K, T.alias("t0")).unique().sort(KEY, "t0")
    )
    out = anchors
    reached = []
    for k, step in enumerate(steps, start=1):
        occ = ev.filter(step == P).select(K, T.alias(f"t_{k}")).sort(KEY, f"t_{k}")
        out = out.join_asof(
            occ,
            left_on="t0",
            right_on=f"t_{k}",
            by=KEY,
            strategy="forward",
            check_sortedness=False,
        )
        ok = (pl.col(f"t_{k}") - pl.col("t0") <= window).fill_null(False)
        reached.append(ok if not reached else reached[-1] & ok)
    depth = pl.sum_horizontal(r.cast(pl.Int64) for r in reached)
    best = _best_attempt(out.lazy().with_columns(depth.alias("depth")), "t0", len(steps))
    return best.with_columns(
        pl.when(pl.col("depth") >= k).then(pl.col(f"t_{k}")).alias(f"t_{k}")
        for k in range(1, len(steps) + 1)
    )


# outcomes


def known_outcomes(customers: Any, customer: str, outcome: str) -> pl.LazyFrame:
    """``__cx_customer, __cx_y`` (0/1 Int64) for customers whose outcome is known."""
    lf = lazy_frame(customers, "customers")
    check_columns(
        lf, {customer: ("customer id", "customer"), outcome: ("outcome", "outcome")}, "customers"
    )
    dtype = lf.collect_schema()[outcome]
    y = pl.col(outcome)
    if dtype != pl.Boolean:
        if not dtype.is_numeric():
            raise CxDataError(
                f"The outcome column {outcome!r} must be boolean or 0/1, found {dtype}.",
                source="customers",
                column=outcome,
                rule="boolean or 0/1 outcome",
                hint="convert it first, e.g. pl.col(...) == 'yes', or read it with "
                "cx.read_customers(..., booleans=[...])",
            )
        bad = lf.filter(y.is_not_null() & ~y.is_in([0, 1])).select(outcome).head(5).collect()
        if bad.height:
            raise CxDataError(
                f"The outcome column {outcome!r} must hold only 0 and 1.",
                source="customers",
                column=outcome,
                rule="boolean or 0/1 outcome",
                examples=bad[outcome].to_list(),
                hint="map it to a boolean first",
            )
    out = lf.filter(y.is_not_null()).select(
        pl.col(customer).cast(pl.String).alias(CUST), y.cast(pl.Int64).alias("__cx_y")
    )
    dup = out.group_by(CUST).len().filter(pl.col("len") > 1).head(5).collect()
    if dup.height:
        raise CxDataError(
            "The customers frame must have one row per customer.",
            source="customers",
            column=customer,
            rule="unique customer id",
            examples=dup[CUST].to_list(),
            hint="deduplicate the customers (one outcome per customer) first",
        )
    return out
