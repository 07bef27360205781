"""Journey mapping: how customers move through touchpoints, where they loop, drop off and hurt.

Every function takes the events frame from :func:`cxkit.read_events` (a polars LazyFrame or
DataFrame with ``customer_id``, ``timestamp`` and ``touchpoint``; other names can be given
with ``customer=``, ``time=``, ``touchpoint=``) and returns a tidy :class:`polars.DataFrame`
(:func:`sessionize` returns the events again, with session columns).

Order is always (customer, timestamp, input order): the functions sort the events themselves
with a stable sort, so unsorted input and tied timestamps give the same, correct answer.
Next/previous touchpoints come from one global ``shift`` masked at customer boundaries and
paths from ``group_by(...).agg(str.join)``; all heavy work is lazy polars and streams.

========================  =======================================================================
:func:`transitions`       directly-follows edges with ``(start)``/``(end)``, shares and gap times
:func:`paths`             the most common journeys; the rest in one ``(other paths)`` row
:func:`step_flows`        flows between journey steps 1…k (for :func:`cxkit.charts.sankey`)
:func:`funnel`            ordered / strict / any-order funnels with conversion and time per step
:func:`repeat_contacts`   failure demand: contacts followed by another contact within a window
:func:`stage_scores`      the "emotion curve": a score per touchpoint or stage in journey order
:func:`pain_points`       outcome rate of customers who passed a touchpoint vs those who did not
:func:`removal_effects`   Markov-chain removal effects from the absorbing chain (I − Q)⁻¹R
:func:`sessionize`        split each customer's events into sessions at gaps
========================  =======================================================================

Examples
--------
>>> import datetime as dt, polars as pl, cxkit as cx
>>> t = [dt.datetime(2024, 1, 1, h) for h in (9, 10, 11, 9, 12)]
>>> ev = pl.DataFrame({"customer_id": ["a", "a", "a", "b", "b"], "timestamp": t,
...                    "touchpoint": ["web", "call", "web", "web", "shop"]})
>>> cx.journey.paths(ev).select("path", "n_customers", "share").rows()
[('web → call → web', 1, 0.5), ('web → shop', 1, 0.5)]
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import polars as pl

from cxkit import metrics
from cxkit.journey._edges import edge_stats
from cxkit.journey._markov import removal_effects_from_counts
from cxkit.journey._sequence import (
    CUST,
    FIRST,
    KEY,
    LAST,
    NEXT_SAME,
    TIME,
    TOUCH,
    C,
    P,
    T,
    as_int,
    as_list,
    check_columns,
    customer_number,
    funnel_any,
    funnel_ordered,
    funnel_strict,
    known_outcomes,
    lazy_frame,
    ordered_events,
    step_number,
    to_timedelta,
    warn,
    warn_unknown,
)
from cxkit.schema import ALL_CONTACTS, CONTINUES, END, OTHER, OTHER_PATHS, SEP, START, TRUNCATED

__all__ = [
    "ALL_CONTACTS",
    "CONTINUES",
    "END",
    "OTHER",
    "OTHER_PATHS",
    "SEP",
    "START",
    "TRUNCATED",
    "funnel",
    "pain_points",
    "paths",
    "removal_effects",
    "repeat_contacts",
    "sessionize",
    "stage_scores",
    "step_flows",
    "transitions",
]


# --------------------------------------------------------------------------------------------
# transitions, paths, step flows
# --------------------------------------------------------------------------------------------
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
    events
        The events frame (``cx.read_events``); any order.
    collapse_repeats
        Treat consecutive events at the same touchpoint as one (no self-loops from repeats).
    customer, time, touchpoint
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
    lf, names = ordered_events(events, customer, time, touchpoint, names=True)
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
    events
        The events frame; any order.
    max_steps
        Keep the first ``max_steps`` touchpoints of each journey (``None``: whole journeys).
        A cut journey ends in ``" → …"`` and has ``truncated`` true, so no chart can hide it.
    top
        How many paths to list before ``"(other paths)"`` (``None``: all).

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
        raise ValueError("max_steps must be a positive integer or None")
    lf, names = ordered_events(events, customer, time, touchpoint, names=True)
    per_path, total = _journey_counts(lf, names, max_steps)
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
            pl.col("durations").explode().median().alias("median_duration"),
            pl.len().cast(pl.Int64).alias("n_variants"),
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
    """
    if max_steps < 1 or top < 1:
        raise ValueError("max_steps and top must be positive integers")
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


# --------------------------------------------------------------------------------------------
# funnels
# --------------------------------------------------------------------------------------------
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
    events
        The events frame; any order.
    steps
        Touchpoint names, in funnel order (a name may repeat except in ``"any"`` mode).
    mode
        ``"ordered"``: each step happens after the previous one, other events allowed in
        between. ``"strict"``: each step is the very next event. ``"any"``: the customer did
        steps 1…k, in any order.
    window
        ``"7d"``, ``"30m"`` or a timedelta: every step must fall within this time of step 1
        (``"any"``: of each other). All starts are tried, so the best one counts.
    by
        Events column(s) to split by; a customer belongs to the value on their first event.

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
        raise ValueError("steps must be a non-empty list of touchpoint names")
    if mode not in ("ordered", "strict", "any"):
        raise ValueError(f"mode must be 'ordered', 'strict' or 'any', got {mode!r}")
    if mode == "any" and len(set(steps)) < len(steps):
        raise ValueError("in mode='any' the steps must be distinct")
    win = None if window is None else to_timedelta(window, "window")
    by_cols = as_list(by)
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
    engine = {"ordered": funnel_ordered, "strict": funnel_strict, "any": funnel_any}[mode]
    reached = engine(lf, steps, win)
    if by_cols:  # every customer, with their group; depth 0 for those who never started
        groups = lf.filter(pl.col("__cx_first")).select(KEY, *by_cols)
        per = groups.join(reached, on=KEY, how="left").with_columns(pl.col("depth").fill_null(0))
        n_total = pl.len()
    else:  # only those who started matter; the total is a count
        per = reached
        n_total = pl.lit(lf.select(pl.col("__cx_first").sum()).collect().item(), pl.UInt32)
    k_steps = len(steps)
    aggs = [n_total.alias("n_total")]
    for k in range(1, k_steps + 1):
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
    dur = pl.Duration(getattr(time_type, "time_unit", None) or "us")
    rows = []
    for g in table.iter_rows(named=True):
        prev = None
        for k, step in enumerate(steps, start=1):
            n = g[f"n_{k}"]
            first = g["n_1"]
            rows.append(
                {
                    **{b: g[b] for b in by_cols},
                    "step_index": k,
                    "step": step,
                    "n_customers": n,
                    "share_of_customers": n / g["n_total"] if g["n_total"] else None,
                    "conversion_from_start": n / first if first else None,
                    "conversion_from_previous": 1.0
                    if k == 1 and n
                    else (n / prev if prev else None),
                    "n_dropped": 0 if k == 1 else prev - n,
                    "median_time_from_previous": g.get(f"m_{k}"),
                }
            )
            prev = n
    schema = {b: table.schema[b] for b in by_cols} | {
        "step_index": pl.Int64,
        "step": pl.String,
        "n_customers": pl.Int64,
        "share_of_customers": pl.Float64,
        "conversion_from_start": pl.Float64,
        "conversion_from_previous": pl.Float64,
        "n_dropped": pl.Int64,
        "median_time_from_previous": dur,
    }
    out = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    if out.filter(pl.col("conversion_from_previous").is_null()).height:
        warn(
            "funnel(): in some groups nobody reached a step, so conversion after it is "
            "undefined (null); see n_customers."
        )
    return out.with_columns((1 - pl.col("conversion_from_previous")).alias("drop_off")).select(
        *by_cols,
        "step_index",
        "step",
        "n_customers",
        "share_of_customers",
        "conversion_from_start",
        "conversion_from_previous",
        "n_dropped",
        "drop_off",
        "median_time_from_previous",
    )


# --------------------------------------------------------------------------------------------
# repeat contacts, sessions, the emotion curve
# --------------------------------------------------------------------------------------------
def repeat_contacts(
    events: Any,
    *,
    contact_touchpoints: Sequence[str],
    within: str | _dt.timedelta = "7d",
    alpha: float = 0.05,
    customer: str = "customer_id",
    time: str = "timestamp",
    touchpoint: str = "touchpoint",
) -> pl.DataFrame:
    """Failure demand: contacts followed by another contact by the same customer soon after.

    A contact (an event at one of ``contact_touchpoints``) is *repeated* when the customer's
    next contact, at any contact touchpoint, comes within ``within`` (ties count: a second
    contact at the same timestamp is a repeat).

    Returns
    -------
    polars.DataFrame
        A first row ``"(all contacts)"``, then one row per contact touchpoint by
        ``n_repeated`` (descending):

        ==========================  ========================================================
        ``touchpoint``              the contact touchpoint (of the first contact)
        ``n_contacts``              contacts there (Int64)
        ``n_repeated``              of those, followed by another contact within ``within``
        ``repeat_rate``             ``n_repeated`` / ``n_contacts`` (0–1)
        ``ci_low``, ``ci_high``     Wilson interval of ``repeat_rate``
        ``n_repeated_same``         repeats whose next contact is the same touchpoint
        ``same_touchpoint_rate``    ``n_repeated_same`` / ``n_contacts``: loops back to it
        ``n_customers``             customers with a contact there
        ``n_customers_repeating``   of those, customers with at least one repeat
        ``customer_repeat_rate``    ``n_customers_repeating`` / ``n_customers``
        ``median_time_to_repeat``   median time to the next contact, over repeats (Duration)
        ==========================  ========================================================

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> ev = pl.DataFrame({"customer_id": list("aab"), "touchpoint": ["call", "call", "call"],
    ...     "timestamp": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 3), dt.datetime(2024, 1, 1)]})
    >>> repeat_contacts(ev, contact_touchpoints=["call"]).select("touchpoint", "n_contacts",
    ...     "n_repeated", "customer_repeat_rate").rows()
    [('(all contacts)', 3, 1, 0.5), ('call', 3, 1, 0.5)]
    """
    contacts = as_list(contact_touchpoints)
    if not contacts:
        raise ValueError("contact_touchpoints must name at least one touchpoint")
    win = to_timedelta(within, "within")
    lf = ordered_events(events, customer, time, touchpoint)
    warn_unknown(contacts, lf, "Contact touchpoint")
    gap = pl.when(NEXT_SAME).then(T.shift(-1) - T)
    marked = lf.filter(P.is_in(contacts)).select(
        customer_number().alias("customer"),
        P,
        gap.alias("gap"),
        (gap <= win).fill_null(False).alias("rep"),
        (pl.when(NEXT_SAME).then(P.shift(-1)) == P).fill_null(False).alias("same"),
    )
    aggs = [
        pl.len().cast(pl.Int64).alias("n_contacts"),
        pl.col("rep").sum().cast(pl.Int64).alias("n_repeated"),
        (pl.col("rep") & pl.col("same")).sum().cast(pl.Int64).alias("n_repeated_same"),
        pl.col("customer").n_unique().cast(pl.Int64).alias("n_customers"),
        pl.col("customer").filter("rep").n_unique().cast(pl.Int64).alias("n_customers_repeating"),
        pl.col("gap").filter("rep").median().alias("median_time_to_repeat"),
    ]
    by_tp = marked.group_by(TOUCH).agg(aggs).sort(["n_repeated", TOUCH], descending=[True, False])
    total = marked.select(pl.lit(ALL_CONTACTS).alias(TOUCH), *aggs)
    out = pl.concat(pl.collect_all([total, by_tp]))
    if out["n_contacts"][0] == 0:
        warn("repeat_contacts(): no events at the contact touchpoints.")
    lo, hi = metrics.wilson_interval(
        out["n_repeated"].to_numpy(), out["n_contacts"].to_numpy(), alpha=alpha
    )
    return out.select(
        P.alias("touchpoint"),
        "n_contacts",
        "n_repeated",
        (pl.col("n_repeated") / pl.col("n_contacts")).fill_nan(None).alias("repeat_rate"),
        pl.Series("ci_low", np.atleast_1d(lo)).fill_nan(None),
        pl.Series("ci_high", np.atleast_1d(hi)).fill_nan(None),
        "n_repeated_same",
        (pl.col("n_repeated_same") / pl.col("n_contacts"))
        .fill_nan(None)
        .alias("same_touchpoint_rate"),
        "n_customers",
        "n_customers_repeating",
        (pl.col("n_customers_repeating") / pl.col("n_customers"))
        .fill_nan(None)
        .alias("customer_repeat_rate"),
        "median_time_to_repeat",
    )


def sessionize(
    events: Any,
    *,
    gap: str | _dt.timedelta = "30m",
    customer: str = "customer_id",
    time: str = "timestamp",
    touchpoint: str = "touchpoint",
) -> pl.DataFrame | pl.LazyFrame:
    """Split each customer's events into sessions: a new one starts after a quiet ``gap``.

    Returns
    -------
    polars.DataFrame or LazyFrame
        The events (same kind as given: lazy stays lazy), sorted by customer, time and input
        order, with two more columns:

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
    lf = lazy_frame(events, "events")
    check_columns(
        lf,
        {
            customer: ("customer id", "customer"),
            time: ("event time", "time"),
            touchpoint: ("touchpoint", "touchpoint"),
        },
        "events",
    )
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


def stage_scores(
    events: Any,
    *,
    score: str = "score",
    by: str = "touchpoint",
    metric: Literal["mean", "csat", "nps"] = "mean",
    min_n: int = 30,
    scale: tuple[float, float] | None = None,
    alpha: float = 0.05,
    customer: str = "customer_id",
    time: str = "timestamp",
    touchpoint: str = "touchpoint",
) -> pl.DataFrame:
    """The journey "emotion curve": a score per touchpoint (or stage) in journey order.

    The score is computed by :func:`cxkit.metrics.summarize` (the shared definitions of mean,
    CSAT top box and NPS, with their intervals). Journey order is the median step number at
    which the touchpoint/stage occurs (ties: mean step, then name); an ``Enum`` column keeps
    its declared order instead.

    Returns
    -------
    polars.DataFrame
        One row per touchpoint/stage, in journey order:

        ====================  ===============================================================
        ``order``             1, 2, … journey order (Int64)
        ``<by>``              the touchpoint or stage
        ``n``                 events with a score (Int64); ``n_eff``: effective n
        ``estimate``          the score (mean, top-box share 0–1, or NPS points)
        ``ci_low``/``ci_high`` its interval (null when ``n`` is too small)
        ``metric``            what ``estimate`` is (from ``summarize``)
        ``low_base``          ``n < min_n``: show it greyed out, not bare
        ``n_events``          all events there, with or without a score
        ``median_step``       median position in the journey (1 = first event)
        ====================  ===============================================================
    """
    if metric not in ("mean", "csat", "nps"):
        raise ValueError(f"metric must be 'mean', 'csat' or 'nps', got {metric!r}")
    by_touchpoint = by in ("touchpoint", touchpoint)  # "touchpoint" means the touchpoint column
    keep = [score] if by_touchpoint else [score, by]
    lf = ordered_events(events, customer, time, touchpoint, keep=keep)
    key = TOUCH if by_touchpoint else by
    lf = lf.with_columns(step_number().alias("__cx_step"))
    step = pl.col("__cx_step")
    order = (
        lf.group_by(key)
        .agg(
            pl.len().cast(pl.Int64).alias("n_events"),
            step.median().alias("median_step"),
            step.mean().alias("__mean_step"),
        )
        .collect()
    )
    if order.height == 0:
        warn("stage_scores(): there are no events.")
    key_type = order.schema[key]
    if isinstance(key_type, pl.Enum):
        order = order.sort(pl.col(key).to_physical())
    else:
        order = order.sort(["median_step", "__mean_step", key], nulls_last=True)
    scored = metrics.summarize(lf, score, metric=metric, by=key, scale=scale, alpha=alpha)
    if scored.height == 0:
        warn(f"stage_scores(): the column {score!r} has no scores.")
    out = order.with_row_index("order", offset=1).join(scored, on=key, how="left", nulls_equal=True)
    return out.select(
        as_int("order"),
        pl.col(key).alias(by),
        pl.col("n").fill_null(0).cast(pl.Int64),
        pl.col("n_eff").fill_null(0.0),
        "estimate",
        "ci_low",
        "ci_high",
        pl.col("metric").fill_null(pl.col("metric").drop_nulls().first()),
        (pl.col("n").fill_null(0) < min_n).alias("low_base"),
        "n_events",
        "median_step",
    ).sort("order")


# --------------------------------------------------------------------------------------------
# outcomes: pain points and removal effects
# --------------------------------------------------------------------------------------------
def pain_points(
    events: Any,
    customers: Any,
    *,
    outcome: str,
    min_customers: int = 30,
    edges: bool = False,
    alpha: float = 0.05,
    customer: str = "customer_id",
    time: str = "timestamp",
    touchpoint: str = "touchpoint",
) -> pl.DataFrame:
    """Which touchpoints go with a bad outcome: passed vs not passed, with CI and BH-adjusted p.

    For each touchpoint (and with ``edges=True`` each transition ``"A → B"``), the customers
    who passed it are compared with those who did not, on the share with ``outcome``. The
    population is the customers with a known outcome (those without events passed nothing).

    Parameters
    ----------
    outcome
        A boolean or 0/1 column of ``customers`` naming the *bad* outcome (churned, low CSAT,
        not converted): "impact" counts excess bad outcomes.
    min_customers
        Both groups need at least this many customers; otherwise the row is kept with
        ``low_base`` true and no test (null CI and p).

    Returns
    -------
    polars.DataFrame
        Sorted by ``impact`` (descending; ``low_base`` rows last):

        ========================  =============================================================
        ``touchpoint``            the touchpoint, or the edge ``"A → B"``
        ``kind``                  ``"touchpoint"`` or ``"edge"``
        ``n_passed``              customers who passed it; ``n_not_passed``: who did not
        ``rate_passed``           outcome rate among those who passed (0–1)
        ``rate_not_passed``       outcome rate among those who did not
        ``diff``                  ``rate_passed − rate_not_passed``
        ``ci_low``, ``ci_high``   Newcombe hybrid-score interval of ``diff``
        ``lift``                  ``rate_passed / rate_not_passed``
        ``p_value``               two-proportion z-test (= R ``prop.test(correct=FALSE)``)
        ``p_adj``                 Benjamini–Hochberg adjusted over all tested rows
        ``impact``                ``diff × n_passed``: outcomes in excess among passers
        ``low_base``              a group is below ``min_customers`` (not tested)
        ========================  =============================================================
    """
    pop = known_outcomes(customers, customer, outcome)
    lf = ordered_events(events, customer, time, touchpoint)
    y = pl.col("__cx_y")
    totals = pop.select(pl.len().alias("n"), y.sum().alias("x")).collect()
    n_all, x_all = int(totals["n"][0]), int(totals["x"][0] or 0)
    if n_all == 0:
        warn(f"pain_points(): no customer has a known {outcome!r}.")
    units = [lf.select(C, P.alias("touchpoint"), pl.lit("touchpoint").alias("kind"))]
    if edges:
        units.append(
            lf.select(
                C,
                pl.when(NEXT_SAME).then(P + SEP + P.shift(-1)).alias("touchpoint"),
                pl.lit("edge").alias("kind"),
            ).drop_nulls("touchpoint")
        )
    missing = lf.select(C).unique().join(pop, on=CUST, how="anti").select(pl.len())
    counts, n_missing = pl.collect_all(
        [
            pl.concat(units)
            .unique()
            .join(pop, on=CUST)
            .group_by("touchpoint", "kind")
            .agg(pl.len().alias("n_passed"), y.sum().alias("x_passed")),
            missing,
        ]
    )
    if n_missing.item():
        warn(
            f"pain_points(): {n_missing.item():,} customer(s) with events have no known "
            f"{outcome!r} and are left out."
        )
    n1 = counts["n_passed"].to_numpy().astype(float)
    x1 = counts["x_passed"].to_numpy().astype(float)
    n0, x0 = n_all - n1, x_all - x1
    low = (n1 < min_customers) | (n0 < min_customers)
    with np.errstate(divide="ignore", invalid="ignore"):
        lo, hi = metrics.newcombe_interval(x0, n0, x1, n1, alpha=alpha)
        p = np.where(low, np.nan, metrics.two_proportion_p(x0, n0, x1, n1))
    with np.errstate(divide="ignore", invalid="ignore"):
        r1, r0 = x1 / n1, np.where(n0 > 0, x0 / n0, np.nan)
        lift = np.where(r0 > 0, r1 / r0, np.nan)
    stats_frame = pl.DataFrame(
        {
            "n_not_passed": n0.astype(np.int64),
            "rate_passed": r1,
            "rate_not_passed": r0,
            "diff": r1 - r0,
            "ci_low": np.where(low, np.nan, lo),
            "ci_high": np.where(low, np.nan, hi),
            "lift": lift,
            "p_value": p,
            "p_adj": metrics.benjamini_hochberg(p),
            "impact": (r1 - r0) * n1,
            "low_base": low,
        }
    ).with_columns(pl.selectors.float().fill_nan(None))
    out = pl.concat([counts, stats_frame], how="horizontal")
    return out.select(
        "touchpoint",
        "kind",
        as_int("n_passed"),
        "n_not_passed",
        "rate_passed",
        "rate_not_passed",
        "diff",
        "ci_low",
        "ci_high",
        "lift",
        "p_value",
        "p_adj",
        "impact",
        "low_base",
    ).sort(["low_base", "impact", "touchpoint"], descending=[False, True, False], nulls_last=True)


def removal_effects(
    events: Any,
    customers: Any,
    *,
    outcome: str,
    customer: str = "customer_id",
    time: str = "timestamp",
    touchpoint: str = "touchpoint",
) -> pl.DataFrame:
    """Markov-chain removal effect of each touchpoint on ``outcome`` (exact, no simulation).

    Journeys of customers with a known outcome become ``(start) → t1 → … → tn → (outcome)``
    or ``… → (null)``; the first-order transition probabilities between those states form an
    absorbing chain, and ``P(outcome)`` is read off ``(I − Q)⁻¹R``. Removing touchpoint *k*
    sends every transition into *k* to ``(null)``; the removal effect is
    ``1 − P(outcome | k removed) / P(outcome)``: the share of outcomes that go through *k*
    in the chain.

    Returns
    -------
    polars.DataFrame
        One row per touchpoint, by ``removal_effect`` (descending):

        =========================  =========================================================
        ``touchpoint``             the touchpoint
        ``n_customers``            customers (with a known outcome) who passed it (Int64)
        ``removal_effect``         ``1 − p_outcome_removed / p_outcome`` (0–1)
        ``share``                  removal effect / sum of removal effects (attribution)
        ``p_outcome``              P(outcome) of the full chain
        ``p_outcome_removed``      P(outcome) with the touchpoint removed
        =========================  =========================================================
    """
    pop = known_outcomes(customers, customer, outcome)
    lf = ordered_events(events, customer, time, touchpoint).join(
        pop, on=CUST, maintain_order="left"
    )
    y = pl.col("__cx_y")
    edges = lf.select(
        pl.when(FIRST).then(pl.lit(START)).otherwise(P.shift(1)).alias("source"),
        P.alias("target"),
        LAST.alias("last"),
        y,
    )
    inner, ends, passed = pl.collect_all(
        [
            edges.group_by("source", "target").agg(pl.len().alias("n")),
            edges.filter("last").group_by("target", y).agg(pl.len().alias("n")),
            lf.select(C, P)
            .unique()
            .group_by(TOUCH)
            .agg(pl.len().cast(pl.Int64).alias("n_customers")),
        ]
    )
    tps = sorted(passed[TOUCH].to_list())
    schema = {
        "touchpoint": pl.String,
        "n_customers": pl.Int64,
        "removal_effect": pl.Float64,
        "share": pl.Float64,
        "p_outcome": pl.Float64,
        "p_outcome_removed": pl.Float64,
    }
    if not tps:
        warn("removal_effects(): no events of customers with a known outcome.")
        return pl.DataFrame(schema=schema)
    index = {START: 0} | {tp: i + 1 for i, tp in enumerate(tps)}
    n_tr = len(index)
    counts = np.zeros((n_tr, n_tr + 2))  # columns: transient…, (outcome), (null)
    for src, tgt, n in inner.iter_rows():
        counts[index[src], index[tgt]] += n
    for tgt, yy, n in ends.iter_rows():
        counts[index[tgt], n_tr + (0 if yy else 1)] += n
    base, without = removal_effects_from_counts(counts, [index[tp] for tp in tps])
    if base == 0:
        warn(f"removal_effects(): nobody reached {outcome!r}, so there is nothing to remove.")
        effect = np.full(len(tps), np.nan)
    else:
        effect = np.clip(1 - without / base, 0.0, 1.0)
    total = np.nansum(effect)
    out = pl.DataFrame(
        {
            "touchpoint": tps,
            "removal_effect": effect,
            "share": effect / total if total > 0 else np.full(len(tps), np.nan),
            "p_outcome": np.full(len(tps), base),
            "p_outcome_removed": without,
        }
    ).with_columns(pl.selectors.float().fill_nan(None))
    return (
        out.join(passed.rename({TOUCH: "touchpoint"}), on="touchpoint")
        .select(list(schema))
        .sort(["removal_effect", "touchpoint"], descending=[True, False], nulls_last=True)
    )
