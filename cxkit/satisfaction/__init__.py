"""Touchpoint-level satisfaction: scores with base-size rules, comparisons, drivers, trends.

==================================  ===========================================================
:func:`scores`                      CSAT / NPS / CES / proportion / mean per touchpoint × group,
                                    with n, n_eff, CI and the base-size rule (suppressed below
                                    ``min_base``, flagged below ``small_base``) — ``scoring``
:func:`nps_breakdown`               detractor / passive / promoter proportions with NPS and its
                                    interval — ``scoring``
:func:`compare`                     each group against the previous group, the total or a
                                    benchmark: effect, CI, p-value and ``p_adj`` corrected over
                                    the family — ``comparisons``
:func:`trend`                       score per period with control limits that vary with n —
                                    ``trends``
:func:`drivers`                     key-driver analysis (relative weights, Shapley/LMG, ordinal
                                    logit) — ``key_drivers``
:func:`missing_report`              what listwise deletion in :func:`drivers` removes
:func:`importance_performance`      quadrants from a driver result — ``quadrants``
:func:`rating_columns`              detect the rating columns of a wide survey — ``reshape``
:func:`to_long` / :func:`to_wide`   reshape between wide (a column per touchpoint) and long
:func:`to_binary`                   map a text / boolean outcome to 0/1
==================================  ===========================================================

Every function that takes data accepts a polars DataFrame or LazyFrame, a pandas DataFrame or
a pyarrow Table. :func:`scores`, :func:`compare` and :func:`trend` also take an engine frame (a
DuckDB relation, a Spark DataFrame …) and compute their sums in the engine, with the same
results; :func:`drivers` and :func:`missing_report` collect the columns they use (surveys are
small), refusing more than 2,000,000 rows unless ``collect_limit=None``. The score definitions
and intervals are :mod:`cxkit.metrics`.
"""

from __future__ import annotations

from cxkit.satisfaction.comparisons import compare
from cxkit.satisfaction.key_drivers import drivers, missing_report
from cxkit.satisfaction.quadrants import QUADRANTS, importance_performance
from cxkit.satisfaction.reshape import rating_columns, to_binary, to_long, to_wide
from cxkit.satisfaction.scoring import nps_breakdown, scores
from cxkit.satisfaction.trends import trend

__all__ = [
    "QUADRANTS",
    "compare",
    "drivers",
    "importance_performance",
    "missing_report",
    "nps_breakdown",
    "rating_columns",
    "scores",
    "to_binary",
    "to_long",
    "to_wide",
    "trend",
]
