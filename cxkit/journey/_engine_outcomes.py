"""Private: :func:`cxkit.journey.pain_points` and :func:`cxkit.journey.removal_effects` pushed
down to a lazy engine (DuckDB, Spark), in narwhals.

The engine joins the events to the customers with a known outcome and counts; only the counts
come back, and :mod:`cxkit.journey.outcomes` finishes them with the polars path's own code:

* :func:`pain_counts`: per touchpoint (and edge ``"A → B"``) the customers who passed it and
  how many of them had the outcome; the population's size and outcomes; the customers with
  events but no known outcome;
* :func:`chain_counts`: the first-order transition counts of the absorbing chain
  (``(start)`` → touchpoints, and the last touchpoint → ``(outcome)`` / ``(null)``) and the
  customers per touchpoint.

The customers may be an engine frame (checked in the engine: one aggregate query counts the
broken rules, and up to five examples are fetched only on error) or a local polars, pandas or
pyarrow frame, which is checked by the polars path and sent to the events' engine: to their
Spark session, or to the events' own DuckDB connection (a relation on another connection is refused
with the fix). Local events with engine customers are refused: the events decide where the
work runs.
"""

from __future__ import annotations

from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from cxkit._frames import require_columns
from cxkit.errors import CxDataError
from cxkit.io.engines import as_engine, collect, engine_name, is_engine
from cxkit.journey._engine import CUST, ORDER, TOUCH, engine_events
from cxkit.schema import SEP, START

__all__ = ["chain_counts", "pain_counts"]

Y, ONE = "__cx_y", "__cx_one"
C, P, YC = nw.col(CUST), nw.col(TOUCH), nw.col(Y)


def pain_counts(
    events: Any,
    customers: Any,
    *,
    outcome: str,
    edges: bool,
    customer: str,
    time: str,
    touchpoint: str,
    local_outcomes: Any,
) -> tuple[pl.DataFrame, int, int, int]:
    """``(counts, n_all, x_all, n_missing)`` of :func:`~cxkit.journey.pain_points`, from the
    engine: ``counts`` holds ``touchpoint, kind, n_passed, x_passed`` (Int64).

    ``local_outcomes(customers, customer, outcome)`` is the polars path's reading of a local
    customers frame (``__cx_customer, __cx_y``), used before it is sent to the engine.
    """
    ev = _events(events, customer, time, touchpoint)
    pop = _population(ev, customers, customer, outcome, local_outcomes)
    totals = collect(pop.select(nw.len().alias("n"), YC.sum().alias("x")))
    units = [ev.select(C, P.alias("touchpoint"), nw.lit("touchpoint").alias("kind"))]
    if edges:  # the edge that ends at each event (the polars path: that starts at it)
        edge = nw.concat_str([P.shift(1).over(CUST, order_by=ORDER), nw.lit(SEP), P])
        units.append(
            ev.select(C, edge.alias("touchpoint"), nw.lit("edge").alias("kind")).filter(
                ~nw.col("touchpoint").is_null()
            )
        )
    counts = collect(
        nw.concat(units, how="vertical")
        .unique()
        .join(pop, on=CUST)
        .group_by("touchpoint", "kind")
        .agg(nw.len().alias("n_passed"), YC.sum().alias("x_passed"))
    ).with_columns(pl.col("n_passed", "x_passed").cast(pl.Int64))
    missing = collect(ev.select(C).unique().join(pop, on=CUST, how="anti").select(nw.len()))
    n_all, x_all = int(totals["n"][0] or 0), int(totals["x"][0] or 0)
    return counts, n_all, x_all, int(missing.item())


def chain_counts(
    events: Any,
    customers: Any,
    *,
    outcome: str,
    customer: str,
    time: str,
    touchpoint: str,
    local_outcomes: Any,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """``(inner, ends, passed)`` of :func:`~cxkit.journey.removal_effects`, from the engine.

    ``inner``: ``source, target, n`` (``source`` is ``(start)`` on a first event); ``ends``:
    ``target, __cx_y, n`` for each customer's last event; ``passed``: ``__cx_touchpoint,
    n_customers`` (Int64), over the customers with a known outcome.
    """
    ev = _events(events, customer, time, touchpoint)
    pop = _population(ev, customers, customer, outcome, local_outcomes)
    ev = ev.join(pop, on=CUST).with_columns(nw.lit(1).alias(ONE))

    def over(expr: nw.Expr) -> nw.Expr:
        return expr.over(CUST, order_by=ORDER)

    first = over(nw.col(ONE).shift(1)).is_null()
    last = over(nw.col(ONE).shift(-1)).is_null()
    steps = ev.select(
        nw.when(first).then(nw.lit(START)).otherwise(over(P.shift(1))).alias("source"),
        P.alias("target"),
        last.alias("last"),
        YC,
    )
    inner = collect(steps.group_by("source", "target").agg(nw.len().alias("n")))
    ends = collect(steps.filter(nw.col("last")).group_by("target", Y).agg(nw.len().alias("n")))
    passed = collect(
        ev.select(C, P).unique().group_by(TOUCH).agg(nw.len().alias("n_customers"))
    ).with_columns(pl.col("n_customers").cast(pl.Int64))
    return inner, ends.with_columns(pl.col(Y).cast(pl.Int64)), passed


def _events(events: Any, customer: str, time: str, touchpoint: str) -> nw.LazyFrame:
    if not is_engine(events):
        raise CxDataError(
            "The customers are an engine frame but the events are a local frame.",
            source="events",
            rule="the events decide where the work runs: an engine's customers need the "
            "events in that engine",
            hint="pass the events from the same engine (e.g. spark.table(...) or a DuckDB "
            "relation), or collect the customers to polars first",
        )
    return engine_events(events, customer, time, touchpoint)


def _population(
    ev: nw.LazyFrame, customers: Any, customer: str, outcome: str, local_outcomes: Any
) -> nw.LazyFrame:
    """``__cx_customer, __cx_y`` (0/1 Int64) of customers whose outcome is known, in the
    events' engine."""
    if not is_engine(customers):  # checked by the polars path, then sent to the engine
        pop = local_outcomes(customers, customer, outcome).collect()
        return _send(ev, pop)
    frame = as_engine(customers, what="customers")
    if not _joinable(ev, frame):
        raise CxDataError(
            f"The customers ({engine_name(frame)}) and the events ({engine_name(ev)}) are not "
            "in one engine connection, so they cannot be joined there.",
            source="customers",
            rule="the customers join the events in the events' engine",
            hint="read both from one DuckDB connection or Spark session",
        )
    names = frame.collect_schema().names()
    require_columns(
        names,
        {customer: ("customer id", "customer"), outcome: ("outcome", "outcome")},
        source="customers",
    )
    y = nw.col(outcome)
    dtype = frame.collect_schema()[outcome]
    if dtype != nw.Boolean and not dtype.is_numeric():
        raise CxDataError(
            f"The outcome column {outcome!r} must be boolean or 0/1, found {dtype}.",
            source="customers",
            column=outcome,
            rule="boolean or 0/1 outcome",
            hint="convert it first (e.g. a CASE/when == 'yes'), or read it with "
            "cx.read_customers(..., booleans=[...])",
        )
    known = frame.filter(~y.is_null())
    bad = ~y.is_in([0, 1])
    n_bad = nw.when(bad).then(1).otherwise(0).sum() if dtype != nw.Boolean else nw.lit(0)
    # the rules counted in one aggregate query; examples only on error
    found = collect(
        known.select(
            nw.len().alias("n"),
            nw.col(customer).n_unique().alias("n_ids"),
            n_bad.alias("n_bad"),
        )
    )
    n, n_ids, n_bad = (int(found[c][0] or 0) for c in ("n", "n_ids", "n_bad"))
    if n_bad:
        examples = collect(known.filter(bad).select(outcome).head(5))[outcome].to_list()
        raise CxDataError(
            f"The outcome column {outcome!r} must hold only 0 and 1.",
            source="customers",
            column=outcome,
            rule="boolean or 0/1 outcome",
            n_rows=n_bad,
            examples=examples,
            hint="map it to a boolean first",
        )
    if n_ids < n:
        dup = (
            known.group_by(customer)
            .agg(nw.len().alias("n"))
            .filter(nw.col("n") > 1)
            .select(nw.col(customer).cast(nw.String))
            .sort(customer)
            .head(5)
        )
        raise CxDataError(
            "The customers frame must have one row per customer.",
            source="customers",
            column=customer,
            rule="unique customer id",
            examples=collect(dup)[customer].to_list(),
            hint="deduplicate the customers (one outcome per customer) first",
        )
    return known.select(nw.col(customer).cast(nw.String).alias(CUST), y.cast(nw.Int64).alias(Y))


def _joinable(ev: nw.LazyFrame, frame: nw.LazyFrame) -> bool:
    """Can ``frame`` join ``ev`` in its engine? (A DuckDB relation joins only relations of its
    own connection; a Spark frame only frames of its own session.)"""
    if ev.implementation is not frame.implementation:
        return False
    if engine_name(ev) != "duckdb":
        return True
    import duckdb

    a, b = ev.to_native(), frame.to_native()
    try:  # an empty probe: the query is planned, no rows are read
        a.set_alias("__cx_a").cross(b.set_alias("__cx_b")).limit(0).fetchall()
    except duckdb.InvalidInputException:
        return False
    return True


def _send(ev: nw.LazyFrame, pop: pl.DataFrame) -> nw.LazyFrame:
    """The (small) local population as a frame of the events' engine."""
    name = engine_name(ev)
    if name == "pyspark":
        session = ev.to_native().sparkSession
        return nw.from_native(session.createDataFrame(pop.to_arrow()))
    if name == "duckdb":
        # on the events' own connection (a relation does not expose it): the relation's query
        # reads the local arrow table through DuckDB's replacement scan of this frame's locals
        __cx_pop = pop.to_arrow()  # noqa: F841 (read by name by the query below)
        frame = nw.from_native(ev.to_native().query("__cx_events", "SELECT * FROM __cx_pop"))
        if _joinable(ev, frame):
            return frame
    raise CxDataError(
        f"The customers are a local frame and cxkit cannot send them to this {name} "
        "connection of the events.",
        source="customers",
        rule="the customers join the events in the events' engine",
        hint="put the customers in the same engine and pass that frame, e.g. "
        "con.from_arrow(customers.to_arrow()) on the DuckDB connection of the events",
    )
