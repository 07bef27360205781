"""Outcomes along the journey: which touchpoints go with a bad outcome, and Markov attribution.

========================  =======================================================================
:func:`pain_points`       outcome rate of customers who passed a touchpoint vs those who did not
:func:`removal_effects`   Markov-chain removal effects from the absorbing chain (I − Q)⁻¹R
========================  =======================================================================

Both take the events and a customers frame with the outcome; the population is the customers
whose outcome is known (customers without events passed nothing).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from cxkit import metrics
from cxkit._frames import base_flag, check_correction, renamed_args, require_columns, to_lazy
from cxkit.errors import CxDataError
from cxkit.io.engines import is_engine
from cxkit.journey._engine_outcomes import chain_counts, pain_counts
from cxkit.journey._events import (
    CUST,
    FIRST,
    LAST,
    NEXT_SAME,
    TOUCH,
    C,
    P,
    as_int,
    ordered_events,
    warn,
)
from cxkit.journey._markov import removal_effects_from_counts
from cxkit.schema import BASE_SUPPRESSED, SEP, START

__all__ = ["pain_points", "removal_effects"]

Y = "__cx_y"


@renamed_args(min_customers="min_base")
def pain_points(
    events: Any,
    customers: Any,
    *,
    outcome: str,
    min_base: int = 30,
    edges: bool = False,
    correction: str = "bh",
    alpha: float = 0.05,
    customer: str = "customer_id",
    time: str = "timestamp",
    touchpoint: str = "touchpoint",
) -> pl.DataFrame:
    """Which touchpoints go with a bad outcome: passed vs not passed, with CI and adjusted p.

    For each touchpoint (and with ``edges=True`` each transition ``"A → B"``), the customers
    who passed it are compared with those who did not, on the share with ``outcome``. The
    population is the customers with a known outcome (those without events passed nothing).
    This is association, not causation: customers choose their touchpoints.

    Parameters
    ----------
    events : polars DataFrame or LazyFrame, pandas DataFrame, pyarrow Table, or engine frame
        The events frame (``cx.read_events``); any order. A DuckDB relation or a Spark
        DataFrame is counted in its engine (ties in time broken by an ``event_order`` column,
        else by touchpoint name); only the counts come back, and the result is the same frame.
    customers : polars DataFrame or LazyFrame, pandas DataFrame, pyarrow Table, or engine frame
        One row per customer with the outcome (``cx.read_customers``). With engine events it
        may be a frame of the same engine (same DuckDB connection or Spark session; checked
        there), or a local frame, checked here and sent to the events' Spark session or to
        the events' own DuckDB connection (a relation on another connection is refused with the
        fix). Engine customers with local events are refused: collect them first.
    outcome : str
        A boolean or 0/1 column of ``customers`` naming the *bad* outcome (churned, low CSAT,
        not converted): "impact" counts excess bad outcomes.
    min_base : int
        Both groups need at least this many customers; otherwise the row is kept with
        ``base_flag = "suppressed"`` and no test (null CI, p and adjusted p). Replaces
        ``min_customers=`` (still accepted for one release, with a ``DeprecationWarning``).
    edges : bool
        Also compare the customers who made each transition ``"A → B"``.
    correction : {"bh", "holm", "bonferroni", "none"}
        Multiple-testing correction of ``p_adj`` over the tested rows (default
        Benjamini–Hochberg), by :func:`cxkit.metrics.adjust_p`.
    alpha : float
        1 − confidence level of the interval.
    customer, time, touchpoint : str
        Column names (``customer`` in both frames).

    Returns
    -------
    polars.DataFrame
        Sorted by ``impact`` (descending; suppressed rows last):

        ========================  =============================================================
        ``touchpoint``            the touchpoint, or the edge ``"A → B"``
        ``kind``                  ``"touchpoint"`` or ``"edge"``
        ``n_passed``              customers who passed it; ``n_not_passed``: who did not
        ``rate_passed``           outcome rate among those who passed (0–1)
        ``rate_not_passed``       outcome rate among those who did not
        ``effect``                ``rate_passed − rate_not_passed``
        ``ci_low``, ``ci_high``   Newcombe hybrid-score interval of ``effect``
        ``lift``                  ``rate_passed / rate_not_passed``
        ``p_value``               two-proportion z-test (= R ``prop.test(correct=FALSE)``)
        ``p_adj``                 ``p_value`` adjusted by ``correction`` over the tested rows
        ``impact``                ``effect × n_passed``: outcomes in excess among passers
        ``base_flag``             ``"ok"``, or ``"suppressed"`` when a group is below
                                  ``min_base`` (not tested)
        ========================  =============================================================

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> ev = pl.DataFrame({"customer_id": list("abcd"), "touchpoint": ["ivr", "ivr", "web", "web"],
    ...     "timestamp": [dt.datetime(2024, 1, 1)] * 4})
    >>> cu = pl.DataFrame({"customer_id": list("abcd"), "churned": [True, True, False, True]})
    >>> pain_points(ev, cu, outcome="churned", min_base=2).select(
    ...     "touchpoint", "effect", "base_flag").rows()
    [('ivr', 0.5, 'ok'), ('web', -0.5, 'ok')]
    """
    check_correction(correction)
    cols = {"customer": customer, "time": time, "touchpoint": touchpoint}
    if is_engine(events) or is_engine(customers):  # DuckDB, Spark, …: counted in the engine
        counts, n_all, x_all, n_missing = pain_counts(
            events, customers, outcome=outcome, edges=edges, **cols, local_outcomes=_known_outcomes
        )
    else:
        pop = _known_outcomes(customers, customer, outcome)
        lf = ordered_events(events, customer, time, touchpoint)
        totals = pop.select(pl.len().alias("n"), pl.col(Y).sum().alias("x")).collect()
        n_all, x_all = int(totals["n"][0]), int(totals["x"][0] or 0)
        counts, n_missing = _passed_counts(lf, pop, edges)
    return _pain_table(counts, n_all, x_all, n_missing, outcome, min_base, alpha, correction)


def _pain_table(
    counts: pl.DataFrame,
    n_all: int,
    x_all: int,
    n_missing: int,
    outcome: str,
    min_base: int,
    alpha: float,
    correction: str,
) -> pl.DataFrame:
    """The pain-points frame from the counts per touchpoint/edge (either path's)."""
    if n_all == 0:
        warn(f"pain_points(): no customer has a known {outcome!r}.")
    if n_missing:
        warn(
            f"pain_points(): {n_missing:,} customer(s) with events have no known "
            f"{outcome!r} and are left out."
        )
    out = pl.concat(
        [counts, _compare(counts, n_all, x_all, min_base, alpha, correction)], how="horizontal"
    )
    flagged = pl.col("base_flag") == BASE_SUPPRESSED
    return out.select(
        "touchpoint",
        "kind",
        as_int("n_passed"),
        "n_not_passed",
        "rate_passed",
        "rate_not_passed",
        "effect",
        "ci_low",
        "ci_high",
        "lift",
        "p_value",
        "p_adj",
        "impact",
        "base_flag",
    ).sort([flagged, "impact", "touchpoint"], descending=[False, True, False], nulls_last=True)


def _passed_counts(lf: pl.LazyFrame, pop: pl.LazyFrame, edges: bool) -> tuple[pl.DataFrame, int]:
    """Per touchpoint (and edge): customers with a known outcome who passed it, and how many
    of them had the outcome; and how many customers with events have no known outcome."""
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
            .agg(pl.len().alias("n_passed"), pl.col(Y).sum().alias("x_passed")),
            missing,
        ]
    )
    return counts, int(n_missing.item())


def _compare(
    counts: pl.DataFrame, n_all: int, x_all: int, min_base: int, alpha: float, correction: str
) -> pl.DataFrame:
    """Passed vs not passed for every row of ``counts``: rates, effect, CI, p, p_adj, flag."""
    n1 = counts["n_passed"].to_numpy().astype(float)
    x1 = counts["x_passed"].to_numpy().astype(float)
    n0, x0 = n_all - n1, x_all - x1
    low = (n1 < min_base) | (n0 < min_base)
    with np.errstate(divide="ignore", invalid="ignore"):
        lo, hi = metrics.newcombe_interval(x0, n0, x1, n1, alpha=alpha)
        p = np.where(low, np.nan, metrics.two_proportion_p(x0, n0, x1, n1))
        r1, r0 = x1 / n1, np.where(n0 > 0, x0 / n0, np.nan)
        lift = np.where(r0 > 0, r1 / r0, np.nan)
    return (
        pl.DataFrame(
            {
                "n_not_passed": n0.astype(np.int64),
                "rate_passed": r1,
                "rate_not_passed": r0,
                "effect": r1 - r0,
                "ci_low": np.where(low, np.nan, lo),
                "ci_high": np.where(low, np.nan, hi),
                "lift": lift,
                "p_value": p,
                "p_adj": metrics.adjust_p(p, correction),
                "impact": (r1 - r0) * n1,
                # the one base rule: the smaller group decides (suppressed = not tested)
                "__n_min": np.minimum(n1, n0),
            }
        )
        .select(pl.exclude("__n_min"), base_flag(pl.col("__n_min"), min_base).alias("base_flag"))
        .with_columns(pl.selectors.float().fill_nan(None))
    )


def _known_outcomes(customers: Any, customer: str, outcome: str) -> pl.LazyFrame:
    """``__cx_customer, __cx_y`` (0/1 Int64) for customers whose outcome is known."""
    lf = to_lazy(
        customers,
        what="customers",
        hint="read the customers with cx.read_customers(...), or pass a polars/pandas frame",
    )
    require_columns(
        lf,
        {customer: ("customer id", "customer"), outcome: ("outcome", "outcome")},
        source="customers",
    )
    _check_binary(lf, outcome)
    y = pl.col(outcome)
    out = lf.filter(y.is_not_null()).select(
        pl.col(customer).cast(pl.String).alias(CUST), y.cast(pl.Int64).alias(Y)
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


def _check_binary(lf: pl.LazyFrame, outcome: str) -> None:
    """The outcome must be Boolean or hold only 0 and 1 (nulls: unknown)."""
    dtype = lf.collect_schema()[outcome]
    if dtype == pl.Boolean:
        return
    if not dtype.is_numeric():
        raise CxDataError(
            f"The outcome column {outcome!r} must be boolean or 0/1, found {dtype}.",
            source="customers",
            column=outcome,
            rule="boolean or 0/1 outcome",
            hint="convert it first, e.g. pl.col(...) == 'yes', or read it with "
            "cx.read_customers(..., booleans=[...])",
        )
    y = pl.col(outcome)
    bad = lf.filter(y.is_not_null() & ~y.is_in([0, 1])).select(outcome)
    examples = bad.head(5).collect()
    if examples.height:
        raise CxDataError(
            f"The outcome column {outcome!r} must hold only 0 and 1.",
            source="customers",
            column=outcome,
            rule="boolean or 0/1 outcome",
            n_rows=bad.select(pl.len()).collect().item(),
            examples=examples[outcome].to_list(),
            hint="map it to a boolean first",
        )


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

    Parameters
    ----------
    events : polars DataFrame or LazyFrame, pandas DataFrame, pyarrow Table, or engine frame
        The events frame (``cx.read_events``); any order. A DuckDB relation or a Spark
        DataFrame is counted in its engine (ties in time broken by an ``event_order`` column,
        else by touchpoint name); only the counts come back, and the result is the same frame.
    customers : polars DataFrame or LazyFrame, pandas DataFrame, pyarrow Table, or engine frame
        One row per customer with the outcome (``cx.read_customers``). With engine events it
        may be a frame of the same engine (same DuckDB connection or Spark session; checked
        there), or a local frame, checked here and sent to the events' Spark session or to
        the events' own DuckDB connection (a relation on another connection is refused with the
        fix). Engine customers with local events are refused: collect them first.
    outcome : str
        A boolean or 0/1 column of ``customers`` (the outcome the chain ends in).
    customer, time, touchpoint : str
        Column names (``customer`` in both frames).

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

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> ev = pl.DataFrame({"customer_id": list("aab"), "touchpoint": ["web", "shop", "web"],
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10, 9)]})
    >>> cu = pl.DataFrame({"customer_id": list("ab"), "converted": [True, False]})
    >>> removal_effects(ev, cu, outcome="converted").select("touchpoint", "removal_effect").rows()
    [('shop', 1.0), ('web', 1.0)]
    """
    if is_engine(events) or is_engine(customers):  # DuckDB, Spark, …: counted in the engine
        inner, ends, passed = chain_counts(
            events,
            customers,
            outcome=outcome,
            customer=customer,
            time=time,
            touchpoint=touchpoint,
            local_outcomes=_known_outcomes,
        )
    else:
        pop = _known_outcomes(customers, customer, outcome)
        lf = ordered_events(events, customer, time, touchpoint).join(
            pop, on=CUST, maintain_order="left"
        )
        y = pl.col(Y)
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
    return _removal_table(inner, ends, passed, outcome)


def _removal_table(
    inner: pl.DataFrame, ends: pl.DataFrame, passed: pl.DataFrame, outcome: str
) -> pl.DataFrame:
    """The removal-effects frame from the chain's counts (either path's)."""
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
    base, without = removal_effects_from_counts(
        _chain_counts(inner, ends, tps), range(1, len(tps) + 1)
    )
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


def _chain_counts(inner: pl.DataFrame, ends: pl.DataFrame, tps: list[str]) -> np.ndarray:
    """Transition counts of the absorbing chain: rows ``(start)``, touchpoints (in ``tps``
    order); columns the same, then ``(outcome)``, ``(null)``."""
    index = {START: 0} | {tp: i + 1 for i, tp in enumerate(tps)}
    n_tr = len(index)
    counts = np.zeros((n_tr, n_tr + 2))

    def code(col: pl.Series) -> np.ndarray:
        return col.replace_strict(index, return_dtype=pl.Int64).to_numpy()

    # each (source, target) and (target, outcome) pair is one row: no sums collide
    counts[code(inner["source"]), code(inner["target"])] += inner["n"].to_numpy()
    absorbed = np.where(ends[Y].to_numpy() == 1, n_tr, n_tr + 1)
    counts[code(ends["target"]), absorbed] += ends["n"].to_numpy()
    return counts
