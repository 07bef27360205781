"""Repeat contacts (failure demand): contacts followed by another contact soon after."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from cxkit import metrics
from cxkit._frames import bad_argument
from cxkit.io.engines import is_engine
from cxkit.journey import _engine_stats
from cxkit.journey._events import (
    NEXT_SAME,
    TOUCH,
    P,
    T,
    as_list,
    customer_number,
    ordered_events,
    to_timedelta,
    warn,
    warn_unknown,
)
from cxkit.schema import ALL_CONTACTS

__all__ = ["repeat_contacts"]


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

    Parameters
    ----------
    events : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table, or an engine frame
        The events frame (``cx.read_events``); any order. A DuckDB relation or Spark DataFrame
        is aggregated in its engine (ties in time broken by ``event_order``, else touchpoint).
    contact_touchpoints : str or list of str
        The touchpoints that are contacts (calls, chats, emails …).
    within : str or datetime.timedelta
        ``"7d"``, ``"48h"`` …: a next contact within this time makes a repeat.
    alpha : float
        1 − confidence level of the Wilson interval.
    customer, time, touchpoint : str
        Column names.

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
        raise bad_argument(
            "contact_touchpoints",
            contact_touchpoints,
            rule="at least one touchpoint",
            hint="pass the contacts, e.g. contact_touchpoints=['agent_call', 'chat']",
        )
    win = to_timedelta(within, "within")
    if is_engine(events):  # counted in the engine (DuckDB, Spark …); finished here
        out, present = _engine_stats.contact_counts(
            events, contacts, win, customer=customer, time=time, touchpoint=touchpoint
        )
        warn_unknown(
            contacts, pl.LazyFrame({TOUCH: present}, {TOUCH: pl.String}), "Contact touchpoint"
        )
    else:
        out = _contact_counts(events, contacts, win, customer, time, touchpoint)
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


def _contact_counts(
    events: Any, contacts: list[str], win: _dt.timedelta, customer: str, time: str, touchpoint: str
) -> pl.DataFrame:
    """``(all contacts)`` then per contact touchpoint: the counts, customers, median time."""
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
    return pl.concat(pl.collect_all([total, by_tp]))
