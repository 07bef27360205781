"""Journey mapping: how customers move through touchpoints, where they loop, drop off and hurt.

Every function takes the events (:func:`cxkit.read_events`, or any polars DataFrame /
LazyFrame, pandas DataFrame or pyarrow Table with ``customer_id``, ``timestamp`` and
``touchpoint``; other names can be given with ``customer=``, ``time=``, ``touchpoint=``) and
returns a tidy :class:`polars.DataFrame` (:func:`sessionize` returns the events again, with
session columns). Anything else raises :class:`~cxkit.errors.CxDataError`.

Order is always (customer, timestamp, input order): the functions sort the events themselves
with a stable sort, so unsorted input and tied timestamps give the same, correct answer
(``cx.read_events(..., order_by="event_id")`` puts an explicit tie-breaker before the input
order). Next/previous touchpoints come from one global ``shift`` masked at customer boundaries;
all heavy work is lazy polars and streams.

Engine frames (a DuckDB relation, a PySpark DataFrame …) are aggregated in their engine by
:func:`transitions`, :func:`paths`, :func:`funnel`, :func:`repeat_contacts`,
:func:`stage_scores`, :func:`pain_points` and :func:`removal_effects` (private ``_engine*``
modules, written in narwhals): the results equal the polars path's. Engines have no row order,
so ties in time are broken by ``event_order`` (``order_by=``), else by touchpoint name with one
warning. :func:`step_flows` and :func:`sessionize` need local data. See ``docs/scaling.md``.

=====================  ========================  ==================================================
module                 function                  what it gives
=====================  ========================  ==================================================
``flows``              :func:`transitions`       directly-follows edges with ``(start)``/``(end)``
``flows``              :func:`paths`             the most common journeys, the rest in one row
``flows``              :func:`step_flows`        flows between journey steps 1…k (Sankey data)
``funnel``             :func:`funnel`            ordered / strict / any-order funnels
``contacts``           :func:`repeat_contacts`   failure demand: a contact soon after a contact
``scores``             :func:`stage_scores`      the "emotion curve": a score per stage, in order
``outcomes``           :func:`pain_points`       outcome rate of passers vs non-passers
``outcomes``           :func:`removal_effects`   Markov-chain removal effects, (I − Q)⁻¹R
``events``             :func:`sessionize`        split each customer's events into sessions
=====================  ========================  ==================================================

Private engines: ``_events`` (ordering, neighbours, steps, durations), ``_edges`` (edge
statistics from two integer sorts), ``_funnel`` (the three funnel modes), ``_markov``
(absorbing chains); ``_engine*`` (the push-down to DuckDB, Spark …). The report sentences are in
``findings``.

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

from cxkit.journey.contacts import repeat_contacts
from cxkit.journey.events import sessionize
from cxkit.journey.flows import paths, step_flows, transitions
from cxkit.journey.funnel import funnel
from cxkit.journey.outcomes import pain_points, removal_effects
from cxkit.journey.scores import stage_scores
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
