"""Score definitions, intervals, multiple testing and relative importance, shared by the journey,
satisfaction and A/B packages (ground floor: imports only the base modules).

==========================  ===================================================================
:mod:`~.intervals`          Wilson, Agresti–Coull, Newcombe (difference of proportions), the
                            pooled two-proportion test, NPS (adjusted Wald), t intervals for
                            means, Kish's effective n ``n_eff = (Σw)² / Σw²``
:mod:`~.multiplicity`       :func:`adjust_p` — the one NaN-aware Holm / BH / Bonferroni / none
                            for every ``correction=``; :func:`holm`, :func:`benjamini_hochberg`
:mod:`~.scores`             CSAT (top box), NPS, CES, proportion and mean: :func:`summarize` per
                            group (one polars ``group_by``, intervals on the aggregate)
:mod:`~.importance`         Johnson's relative weights, all-subsets R², Shapley / LMG, relative
                            weights of an ordinal logit (used by ``cx.satisfaction.drivers``)
==========================  ===================================================================
"""

from __future__ import annotations

import warnings
from typing import Any

from cxkit.metrics.importance import lmg, ordinal_relative_weights, relative_weights, subset_r2
from cxkit.metrics.intervals import (
    agresti_coull_interval,
    kish_n_eff,
    mean_interval,
    newcombe_interval,
    nps_interval,
    proportion_interval,
    two_proportion_p,
    wilson_interval,
)
from cxkit.metrics.multiplicity import adjust_p, benjamini_hochberg, holm
from cxkit.metrics.scores import (
    CES_SCORES,
    DEFAULT_SCALES,
    SCORE_KINDS,
    ScoreKind,
    default_top_box,
    score_kind,
    summarize,
)

__all__ = [
    "CES_SCORES",
    "DEFAULT_SCALES",
    "SCORE_KINDS",
    "ScoreKind",
    "adjust_p",
    "agresti_coull_interval",
    "benjamini_hochberg",
    "default_top_box",
    "holm",
    "kish_n_eff",
    "lmg",
    "mean_interval",
    "newcombe_interval",
    "nps_interval",
    "ordinal_relative_weights",
    "proportion_interval",
    "relative_weights",
    "score_kind",
    "subset_r2",
    "summarize",
    "two_proportion_p",
    "wilson_interval",
]


def __getattr__(name: str) -> Any:
    # ``Metric`` names only the experiment spec (cx.Metric); the score-kind alias is ScoreKind
    if name == "Metric":
        warnings.warn(
            "cxkit.metrics.Metric is deprecated and will be removed in the next release: "
            "use cxkit.metrics.ScoreKind instead (cx.Metric is the experiment metric spec)",
            DeprecationWarning,
            stacklevel=2,
        )
        return ScoreKind
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
