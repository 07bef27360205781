"""The bridge from journeys to customers: one row per customer with the experiences they had.

Computed from the events frame itself with polars (the journey package is not imported:
analysis packages stand alone); a *repeat contact* is the same rule as
``cx.journey.repeat_contacts``: a contact followed by the customer's next contact within
``repeat_within`` (ties count).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from typing import Any

import polars as pl

from cxkit._frames import require_columns, to_lazy
from cxkit.errors import CxDataError
from cxkit.io import read_events
from cxkit.loyalty._inputs import as_list, snake, warn

__all__ = ["experience_flags", "to_timedelta"]

_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds", "w": "weeks"}


def to_timedelta(value: str | _dt.timedelta, argument: str = "repeat_within") -> _dt.timedelta:
    """``"7d"``, ``"48h"``, ``"30m"``, ``"2w"`` or a timedelta → a timedelta.

    >>> to_timedelta("48h")
    datetime.timedelta(days=2)
    """
    if isinstance(value, _dt.timedelta):
        return value
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dhmsw])\s*", str(value))
    if not m:
        raise CxDataError(
            f"{argument}={value!r} is not a duration.",
            rule=f"{argument} is a number and a unit: d, h, m, s or w",
            hint=f'pass {argument}="7d" (7 days) or "48h", or a datetime.timedelta',
        )
    return _dt.timedelta(**{_UNITS[m[2]]: float(m[1])})


def _per_customer(ev: pl.LazyFrame, touchpoints, contacts, win, score: str | None):
    c, t, p = pl.col("customer_id"), pl.col("timestamp"), pl.col("touchpoint")
    aggs = [pl.len().cast(pl.Int64).alias("n_events")]
    aggs += [(p == tp).any().alias(f"passed_{snake(tp)}") for tp in touchpoints]
    aggs += [(p == tp).sum().cast(pl.Int64).alias(f"n_{snake(tp)}") for tp in touchpoints]
    if score is not None:
        aggs.append(pl.col(score).min().cast(pl.Float64).alias("min_score"))
    flags = ev.group_by(c).agg(aggs)
    if contacts:
        gap = pl.when(c.shift(-1) == c).then(t.shift(-1) - t)
        reps = (
            ev.filter(p.is_in(contacts))
            .select(c, (gap <= win).fill_null(False).alias("rep"))
            .group_by(c)
            .agg(
                pl.len().cast(pl.Int64).alias("n_contacts"),
                pl.col("rep").sum().cast(pl.Int64).alias("n_repeat_contacts"),
            )
        )
        flags = flags.join(reps, on="customer_id", how="left").with_columns(
            pl.col("n_contacts", "n_repeat_contacts").fill_null(0)
        )
        flags = flags.with_columns(repeat_contact=pl.col("n_repeat_contacts") > 0)
    return flags


def experience_flags(
    events: Any,
    customers: Any = None,
    *,
    touchpoints: Sequence[str] | None = None,
    contact_touchpoints: Sequence[str] | None = None,
    repeat_within: str | _dt.timedelta = "7d",
    score: str | None = "score",
    low_score: float | None = 2,
    customer: str = "customer_id",
    time: str = "timestamp",
    touchpoint: str = "touchpoint",
) -> pl.DataFrame:
    """One row per customer with flags and counts of the experiences they had.

    Parameters
    ----------
    events : path, polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table
        The touchpoint log (read with :func:`cxkit.read_events`; any order).
    customers : frame, optional
        One row per customer (``customer`` column): the flags are joined onto it, and
        customers without events get ``False`` / 0 (and a null ``min_score``). Customers in
        the events but not here are left out, with a warning naming how many.
    touchpoints : list of str, optional
        Touchpoints to flag (``passed_<name>`` and ``n_<name>``, names in snake_case:
        ``"agent call"`` → ``passed_agent_call``). Default: every touchpoint in the events.
    contact_touchpoints : list of str, optional
        The contacts (calls, chats, complaints…) for repeat contacts. Default: none (no
        repeat-contact columns).
    repeat_within : str or timedelta
        A next contact within this time makes a repeat (``"7d"``, ``"48h"``).
    score : str or None
        The events' touchpoint-satisfaction column (``min_score`` = the lowest score the
        customer gave); ``None`` or a column not in the events skips it.
    low_score : float or None
        ``low_score`` flag: ``min_score`` at or below this.
    customer, time, touchpoint : str
        Column names in the events (``customer`` also in ``customers``).

    Returns
    -------
    polars.DataFrame
        The customers' columns (or ``customer_id``) then ``n_events``, ``passed_<tp>``
        (Boolean), ``n_<tp>``, ``n_contacts``, ``n_repeat_contacts``, ``repeat_contact``
        (Boolean), ``min_score`` and ``low_score`` (Boolean, null without scores), sorted by
        customer.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> ev = pl.DataFrame({"customer_id": ["a", "a", "b"], "touchpoint": ["ivr", "ivr", "web"],
    ...     "timestamp": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 1)]})
    >>> f = experience_flags(ev, touchpoints=["ivr"], contact_touchpoints=["ivr"], score=None)
    >>> f.select("customer_id", "passed_ivr", "n_repeat_contacts", "repeat_contact").rows()
    [('a', True, 1, True), ('b', False, 0, False)]
    """
    ev = read_events(events, customer=customer, time=time, touchpoint=touchpoint)
    names = ev.collect_schema().names()
    score = score if score is not None and score in names else None
    if touchpoints is None:
        touchpoints = ev.select(pl.col("touchpoint").unique().sort()).collect().to_series()
    touchpoints, contacts = as_list(list(touchpoints)), as_list(contact_touchpoints)
    win = to_timedelta(repeat_within)
    flags = _per_customer(ev, touchpoints, contacts, win, score)
    if score is not None and low_score is not None:
        flags = flags.with_columns(low_score=pl.col("min_score") <= low_score)
    flags = flags.sort("customer_id").collect()
    if customers is None:
        return flags
    return _join(flags, customers, customer)


def _join(flags: pl.DataFrame, customers: Any, customer: str) -> pl.DataFrame:
    cu = to_lazy(customers, what="customers")
    require_columns(cu, {customer: ("customer id", "customer")}, source="customers")
    cu = cu.collect()
    clash = sorted(set(cu.columns) & set(flags.columns) - {"customer_id"} - {customer})
    if clash:
        raise CxDataError(
            f"customers already has column(s) named like the flags: {clash}.",
            source="customers",
            column=clash[0],
            rule="flag columns are new columns",
            hint="rename or drop those columns before calling experience_flags",
        )
    flags = flags.rename({"customer_id": customer})
    ids = cu.select(pl.col(customer).cast(pl.String))
    n_extra = flags.join(ids, on=customer, how="anti").height
    if n_extra:
        warn(
            f"experience_flags(): {n_extra:,} customer(s) in the events are not in customers "
            "and are left out."
        )
    fill = {c: (False if flags.schema[c] == pl.Boolean else 0) for c in flags.columns}
    fill = {c: v for c, v in fill.items() if c not in (customer, "min_score", "low_score")}
    out = cu.with_columns(pl.col(customer).cast(pl.String)).join(flags, on=customer, how="left")
    return out.with_columns(pl.col(c).fill_null(v) for c, v in fill.items()).sort(customer)
