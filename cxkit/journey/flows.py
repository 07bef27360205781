"""Flows between touchpoints: directly-follows edges, whole journeys and step-by-step flows.

========================  =======================================================================
:func:`transitions`       directly-follows edges with ``(start)``/``(end)``, shares and gap times
:func:`paths`             the most common journeys; the rest in one ``(other paths)`` row
:func:`step_flows`        flows between journey steps 1…k (for :func:`cxkit.charts.sankey`)
========================  =======================================================================

The edge statistics of :func:`transitions` come from two integer sorts (``_edges``); paths are
grouped as lists of ``Enum`` codes, their text built once per distinct path.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from cxkit._frames import bad_argument
from cxkit.io.engines import is_engine
from cxkit.journey import _engine_flows
from cxkit.journey._edges import edge_stats
from cxkit.journey._events import (
    CUST,
    FIRST,
    NEXT_SAME,
    TOUCH,
    C,
    P,
    T,
    as_int,
    ordered_events,
    step_number,
    warn,
)
from cxkit.schema import CONTINUES, END, OTHER, OTHER_PATHS, SEP, START, TRUNCATED

__all__ = ["paths", "step_flows", "transitions"]


def transitions(
    events: Any,
    *,
    collapse_repeats: bool = False,
    customer: str = "customer_id",
    time: str = "timestamp",
    touchpoint: str = "touchpoint",
) -> pl.DataFrame:
    """Directly-follows edges between touchpoints, including ``(start)`` and ``(end)``.

    Parameters
    ----------
    events : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table, or an engine frame
        The events frame (``cx.read_events``); any order. A DuckDB relation or Spark DataFrame
        is aggregated in its engine (ties in time broken by ``event_order``, else touchpoint).
    collapse_repeats : bool
        Treat consecutive events at the same touchpoint as one (no self-loops from repeats).
    customer, time, touchpoint : str
        Column names.

    Returns
    -------
    polars.DataFrame
        One row per edge, sorted by ``n`` (descending), ``source``, ``target``:

        ===============  ==================================================================
        ``source``       touchpoint (or ``"(start)"``) the customer moved from
        ``target``       touchpoint (or ``"(end)"``) the customer moved to
        ``n``            number of transitions (Int64)
        ``n_customers``  customers making this transition at least once (Int64)
        ``p_out``        ``n`` / all transitions out of ``source`` (0–1)
        ``p_in``         ``n`` / all transitions into ``target`` (0–1)
        ``median_time``  median time between the two events (Duration; null for
                         ``(start)``/``(end)`` edges)
        ``p95_time``     95th percentile of that time (linear interpolation)
        ===============  ==================================================================

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> ev = pl.DataFrame({"customer_id": ["a", "a", "b"], "touchpoint": ["web", "call", "web"],
    ...                    "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9)]})
    >>> transitions(ev).select("source", "target", "n", "p_out").rows()
    [('(start)', 'web', 2, 1.0), ('call', '(end)', 1, 1.0), ('web', '(end)', 1, 0.5), ('web', 'call', 1, 0.5)]
    """
    if is_engine(events):  # aggregated in the engine (DuckDB, Spark …); finished here
        stats, names, gap_dtype = _engine_flows.edge_stats(
            events,
            collapse_repeats=collapse_repeats,
            customer=customer,
            time=time,
            touchpoint=touchpoint,
        )
    else:
        lf, names = ordered_events(events, customer, time, touchpoint, names=True, blocks=True)
        if collapse_repeats:
            lf = lf.filter(FIRST | (P.shift(1) != P))
        stats, gap_dtype = edge_stats(lf, names, FIRST, P, T)
    if stats.height == 0:
        warn("transitions(): there are no events, so there are no transitions.")
    k = len(names) + 1
    labels = pl.Series([START, *names], dtype=pl.String)
    edge = pl.col("edge").cast(pl.Int64)
    moves = stats.select(
        labels.gather(stats["edge"].cast(pl.Int64) // k).alias("source"),
        labels.gather(stats["edge"].cast(pl.Int64) % k).alias("target"),
        "n",
        "n_customers",
        pl.col("median_gap").alias("median_time"),
        pl.col("p95_gap").alias("p95_time"),
    )
    ends = (
        stats.filter(pl.col("n_end") > 0)
        .group_by((edge % k).alias("tgt"))
        .agg(pl.col("n_end").sum())
        .sort("tgt")
    )
    ends = ends.select(
        labels.gather(ends["tgt"]).alias("source"),
        pl.lit(END).alias("target"),
        pl.col("n_end").alias("n"),
        pl.col("n_end").alias("n_customers"),
    )
    out = pl.concat([moves, ends], how="diagonal")
    return out.select(
        "source",
        "target",
        "n",
        "n_customers",
        (pl.col("n") / pl.col("n").sum().over("source")).alias("p_out"),
        (pl.col("n") / pl.col("n").sum().over("target")).alias("p_in"),
        pl.col("median_time").cast(gap_dtype),
        pl.col("p95_time").cast(gap_dtype),
    ).sort(["n", "source", "target"], descending=[True, False, False])


def _journey_counts(lf: pl.LazyFrame, names: list[str | None], max_steps: int | None):
    """Customers per distinct journey (a list of touchpoints, cut at ``max_steps``).

    Journeys are grouped as lists of small integer codes (an ``Enum``), not joined strings:
    the ``" → "`` text is built once per distinct path, not once per customer.
    Returns ``(per path frame, number of customers)``; the frame has ``path``,
    ``truncated``, ``n_customers``, ``median_duration`` and the ``durations`` list.
    """
    code = P.cast(pl.Enum([x for x in names if x is not None]))
    steps = code if max_steps is None else code.head(max_steps)
    per = (
        lf.group_by(CUST)
        .agg(
            steps.alias("codes"),
            (pl.len() > (2**62 if max_steps is None else max_steps)).alias("truncated"),
            (T.max() - T.min()).alias("duration"),
        )
        .collect(engine="streaming")
    )
    counts = per.group_by("codes", "truncated").agg(
        pl.len().alias("n"), pl.col("duration").alias("durations")
    )
    shown = pl.col("codes").cast(pl.List(pl.String)).list.join(SEP)  # null steps are skipped
    counts = counts.select(
        pl.when("truncated").then(shown + SEP + TRUNCATED).otherwise(shown).alias("path"),
        "truncated",
        "n",
        "durations",
    )
    # distinct code lists may read the same (a null step; a name holding " → "): one row a text
    counts = counts.group_by("path").agg(
        pl.col("n").sum().cast(pl.Int64).alias("n_customers"),
        pl.col("truncated").first(),
        pl.col("durations").explode().alias("durations"),
    )
    return counts.with_columns(
        pl.col("durations").list.eval(pl.element().median()).list.first().alias("median_duration")
    ), per.height


def _other_median(rest: pl.DataFrame) -> Any:
    """The median duration over all customers of the paths in ``rest``."""
    return rest.select(pl.col("durations").explode().median()).item()


def paths(
    events: Any,
    *,
    max_steps: int | None = None,
    top: int | None = 20,
    customer: str = "customer_id",
    time: str = "timestamp",
    touchpoint: str = "touchpoint",
) -> pl.DataFrame:
    """The most common journeys (variants); all the others in one ``"(other paths)"`` row.

    Parameters
    ----------
    events : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table, or an engine frame
        The events frame (``cx.read_events``); any order. A DuckDB relation or Spark DataFrame
        is aggregated in its engine (ties in time broken by ``event_order``, else touchpoint).
    max_steps : int, optional
        Keep the first ``max_steps`` touchpoints of each journey (``None``: whole journeys).
        A cut journey ends in ``" → …"`` and has ``truncated`` true, so no chart can hide it.
    top : int, optional
        How many paths to list before ``"(other paths)"`` (``None``: all).
    customer, time, touchpoint : str
        Column names.

    Returns
    -------
    polars.DataFrame
        The ``top`` paths by ``n_customers`` (descending, ties by path), then
        ``"(other paths)"`` when any remain; ``share`` sums to 1.

        ===================  ============================================================
        ``path``             touchpoints joined by ``" → "`` (``" → …"`` when cut)
        ``n_steps``          touchpoints shown in the path (null for the other row)
        ``truncated``        the path was cut at ``max_steps`` (other row: any was)
        ``n_customers``      customers with this journey (Int64)
        ``share``            ``n_customers`` / all customers (0–1)
        ``median_duration``  median time from first to last event (Duration, whole
                             journey even when the path is cut)
        ``n_variants``       distinct paths in the row (1, or how many were merged)
        ===================  ============================================================

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> ev = pl.DataFrame({"customer_id": list("aaabb"), "touchpoint": list("xyzxy"),
    ...                    "timestamp": [dt.datetime(2024, 1, 1, h) for h in (1, 2, 3, 1, 2)]})
    >>> paths(ev, max_steps=2).select("path", "truncated", "n_customers").rows()
    [('x → y', False, 1), ('x → y → …', True, 1)]
    """
    if max_steps is not None and max_steps < 1:
        raise bad_argument(
            "max_steps",
            max_steps,
            rule="a positive integer or None",
            hint="pass e.g. max_steps=6, or None for whole journeys",
        )
    if is_engine(events):  # customers per distinct path counted in the engine
        engine = _engine_flows.EnginePaths(
            events, max_steps=max_steps, customer=customer, time=time, touchpoint=touchpoint
        )
        per_path, total = engine.counts()
        other_median = engine.other_median
    else:
        lf, names = ordered_events(events, customer, time, touchpoint, names=True, blocks=True)
        per_path, total = _journey_counts(lf, names, max_steps)
        other_median = _other_median
    if total == 0:
        warn("paths(): there are no events, so there are no journeys.")
    counts = per_path.with_columns(
        (pl.col("path").str.count_matches(SEP, literal=True) + 1 - pl.col("truncated"))
        .cast(pl.Int64)
        .alias("n_steps"),
    ).sort(["n_customers", "path"], descending=[True, False])
    kept = counts if top is None else counts.head(top)
    rest = counts.slice(kept.height)
    rows = kept.with_columns(pl.lit(1, pl.Int64).alias("n_variants"))
    if rest.height:
        other = rest.select(
            pl.lit(OTHER_PATHS).alias("path"),
            pl.col("n_customers").sum(),
            pl.col("truncated").any(),
            pl.len().cast(pl.Int64).alias("n_variants"),
        ).with_columns(
            pl.lit(other_median(rest), rest.schema["median_duration"]).alias("median_duration")
        )
        rows = pl.concat([rows, other], how="diagonal")
    return rows.select(
        "path",
        "n_steps",
        "truncated",
        "n_customers",
        (pl.col("n_customers") / total).alias("share"),
        "median_duration",
        "n_variants",
    )


def step_flows(
    events: Any,
    *,
    max_steps: int = 5,
    top: int = 8,
    customer: str = "customer_id",
    time: str = "timestamp",
    touchpoint: str = "touchpoint",
) -> pl.DataFrame:
    """Customer flows from journey step *s* to step *s + 1* (the data of a Sankey diagram).

    At each step the ``top`` most common touchpoints keep their name and the rest become
    ``"(other)"``; a journey that ends before ``max_steps`` flows into ``"(end)"`` (drop-off)
    and one that goes on past ``max_steps`` into ``"(continues)"``, so nothing is hidden.

    Parameters
    ----------
    events : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table
        The events frame (``cx.read_events``); any order.
    max_steps : int
        The last step shown; later steps flow into ``"(continues)"``.
    top : int
        Touchpoints named at each step; the others are merged into ``"(other)"``.
    customer, time, touchpoint : str
        Column names.

    Returns
    -------
    polars.DataFrame
        ===============  ==============================================================
        ``step``         step of ``source`` (1 … ``max_steps``); ``target`` is at step + 1
        ``source``       touchpoint at this step, or ``"(other)"``
        ``target``       touchpoint at the next step, ``"(other)"``, ``"(end)"`` or
                         ``"(continues)"``
        ``n_customers``  customers making this move (Int64)
        ``share``        ``n_customers`` / all customers (0–1)
        ``n_merged``     distinct touchpoints inside ``source`` (> 1 only for ``(other)``)
        ===============  ==============================================================

        Sorted by ``step``, then ``n_customers`` descending, ``source``, ``target``.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> ev = pl.DataFrame({"customer_id": list("aab"), "touchpoint": ["web", "call", "web"],
    ...                    "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9)]})
    >>> step_flows(ev, max_steps=2).select("step", "source", "target", "n_customers").rows()
    [(1, 'web', '(end)', 1), (1, 'web', 'call', 1), (2, 'call', '(end)', 1)]
    """
    if max_steps < 1 or top < 1:
        raise bad_argument(
            "max_steps/top",
            (max_steps, top),
            rule="both positive integers",
            hint="pass e.g. max_steps=5, top=8",
        )
    lf = ordered_events(events, customer, time, touchpoint)
    steps = (
        lf.select(C, P, step_number().alias("step"), NEXT_SAME.alias("more"))
        .filter(pl.col("step") <= max_steps + 1)
        .collect()
    )
    n_total = steps.filter(pl.col("step") == 1).height
    if n_total == 0:
        warn("step_flows(): there are no events.")
    ranked = (
        steps.group_by("step", TOUCH)
        .agg(pl.len().alias("k"))
        .sort(["step", "k", TOUCH], descending=[False, True, False])
        .with_columns(pl.int_range(1, pl.len() + 1).over("step").alias("r"))
    )
    named = steps.join(ranked, on=["step", TOUCH], how="left").with_columns(
        pl.when(pl.col("r") <= top).then(P).otherwise(pl.lit(OTHER)).alias("label")
    )
    nxt = pl.col("label").shift(-1)
    flows = named.filter(pl.col("step") <= max_steps).with_columns(
        pl.when(~pl.col("more"))
        .then(pl.lit(END))
        .when(pl.col("step") == max_steps)
        .then(pl.lit(CONTINUES))
        .otherwise(nxt)
        .alias("target")
    )
    # ``shift`` above ran on the filtered frame: rows of step == max_steps + 1 are gone, but the
    # next row of step < max_steps is the customer's next event, as ``more`` says it exists.
    merged = flows.group_by("step", "label").agg(P.n_unique().cast(pl.Int64).alias("n_merged"))
    return (
        flows.group_by("step", "label", "target")
        .agg(pl.len().cast(pl.Int64).alias("n_customers"))
        .join(merged, on=["step", "label"])
        .select(
            as_int("step"),
            pl.col("label").alias("source"),
            "target",
            "n_customers",
            (pl.col("n_customers") / max(n_total, 1)).alias("share"),
            "n_merged",
        )
        .sort(["step", "n_customers", "source", "target"], descending=[False, True, False, False])
    )
