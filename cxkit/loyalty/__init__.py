"""Loyalty economics: what good and bad experiences are worth, in retention, spend and revenue.

Every function takes customers (one row each; any polars / pandas / pyarrow frame) and returns
a tidy :class:`polars.DataFrame`. :func:`experience_flags` is the bridge from the touchpoint log
to those customers: flags and counts of the experiences each one had.

=====================  ==========================  ===============================================
module                 function                    what it gives
=====================  ==========================  ===============================================
``flags``              :func:`experience_flags`    per customer: touchpoints passed, repeat
                                                   contacts, the lowest touchpoint score
``survival``           :func:`retention`           Kaplan–Meier retention curves with intervals
``survival``           :func:`retention_summary`   median lifetime, retention at 3 / 6 / 12 …
``survival``           :func:`logrank`             do the groups' curves differ?
``hazards``            :func:`hazard_ratios`       Cox model (Efron ties) + proportional-hazards
                                                   check per factor
``value``              :func:`value_at_stake`      excess outcome rate × customers × value, with
                                                   an interval (an association, not a cause)
``scores``             :func:`loyalty_by_score`    are promoters worth more? outcomes by NPS
                                                   category / CSAT band
``scores``             :func:`score_groups`        the NPS category / CSAT band column
``findings``           :func:`value_findings` …    the sentences a report shows
``findings``           :func:`label_variants`      one thing under two labels (Phone / Mobile
                                                   Phone)
=====================  ==========================  ===============================================

Survival statistics come from statsmodels (``SurvfuncRight``, ``survdiff``, ``PHReg``) and are
checked against R's ``survival`` package in the tests. Private: ``_inputs`` (the checks every
function shares).

Examples
--------
>>> import polars as pl
>>> from cxkit import loyalty
>>> cu = pl.DataFrame({"tenure": [1, 2, 2, 3, 4, 5], "churned": [1, 1, 0, 1, 0, 0]})
>>> loyalty.retention(cu).select("time", "retention").rows()
[(1.0, 0.8333...), (2.0, 0.6666...), (3.0, 0.4444...)]
"""

from __future__ import annotations

from cxkit.loyalty.findings import (
    ASSOCIATION_NOTE,
    blank_notes,
    hazard_findings,
    label_variants,
    score_findings,
    value_findings,
)
from cxkit.loyalty.flags import experience_flags
from cxkit.loyalty.hazards import hazard_ratios
from cxkit.loyalty.scores import loyalty_by_score, score_groups
from cxkit.loyalty.survival import logrank, retention, retention_summary
from cxkit.loyalty.value import value_at_stake

__all__ = [
    "ASSOCIATION_NOTE",
    "blank_notes",
    "experience_flags",
    "hazard_findings",
    "hazard_ratios",
    "label_variants",
    "logrank",
    "loyalty_by_score",
    "retention",
    "retention_summary",
    "score_findings",
    "score_groups",
    "value_at_stake",
    "value_findings",
]
