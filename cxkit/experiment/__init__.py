"""A/B tests of service changes, on sufficient statistics.

One polars ``group_by`` turns unit-level data into sufficient statistics per arm (and per
cluster / segment): ``n``, ``Σy``, ``Σy²`` and, for ratio metrics and CUPED, ``Σx``, ``Σx²``,
``Σxy``, ``Σz``, ``Σz²``, ``Σyz``, ``Σxz``. All inference runs on those small aggregates, so
:func:`from_aggregates` accepts the same numbers computed in a warehouse.

Where the code lives:

* :mod:`~cxkit.experiment.spec` — :class:`Metric` (the metric spec) and ``KINDS``;
* :mod:`~cxkit.experiment.aggregate` — :func:`aggregate`, :func:`distribution`;
* :mod:`~cxkit.experiment.analysis` — :func:`analyze`, :func:`from_aggregates`,
  :class:`Analysis`; :mod:`~cxkit.experiment.effects` — the per-metric comparisons;
* :mod:`~cxkit.experiment.inference` — two-arm tests, CR2 / CR1, randomisation inference and
  the wild cluster bootstrap for few clusters;
* :mod:`~cxkit.experiment.checks` — :func:`srm`, :func:`srm_counts`,
  :func:`response_balance`;
* :mod:`~cxkit.experiment.ordinal` — :func:`proportional_odds`;
* :mod:`~cxkit.experiment.summary` — :func:`decision_summary`, :func:`monitor_summary`
  (and :func:`sequential_metrics`, :func:`monitor_skip_reason`);
* :mod:`~cxkit.experiment.power` — :func:`sample_size`, :func:`mde`;
* :mod:`~cxkit.experiment.quantile` — quantile and bootstrap metrics (unit-level values);
* :mod:`~cxkit.experiment.direction` — one-sided tests, non-inferiority, relative intervals,
  the decision;
* :mod:`~cxkit.experiment.planning` — :func:`solve_power`, :func:`pilot_moments`;
* :mod:`~cxkit.experiment.sequential` — :func:`monitor`: always-valid confidence sequences.

Metric kinds: ``"proportion"`` (0/1 or Boolean; top-box and yes/no rates), ``"mean"``,
``"nps"`` (0–10 ratings, recoded −100/0/+100), ``"ordinal"`` (probability of superiority),
``"quantile"`` (median, p90), ``"bootstrap"`` (any statistic), and :class:`Metric` specs for
ratio metrics (``denominator=``), CUPED (``covariate=``, ``denominator_covariate=``), the
direction (``alternative=``) and non-inferiority margins.
"""

from cxkit.experiment import inference, power
from cxkit.experiment.aggregate import aggregate, distribution
from cxkit.experiment.analysis import COMPARISONS, Analysis, analyze, from_aggregates
from cxkit.experiment.checks import SRM_METHODS, response_balance, srm, srm_counts
from cxkit.experiment.direction import DECISIONS
from cxkit.experiment.effects import EFFECT_COLUMNS
from cxkit.experiment.ordinal import proportional_odds
from cxkit.experiment.planning import pilot_moments, solve_power
from cxkit.experiment.power import mde, sample_size
from cxkit.experiment.sequential import MONITOR_COLUMNS, confidence_sequence, monitor
from cxkit.experiment.spec import ALTERNATIVES, KINDS, Metric
from cxkit.experiment.summary import (
    decision_summary,
    monitor_skip_reason,
    monitor_summary,
    sequential_metrics,
    verdict,
)

__all__ = [
    "ALTERNATIVES",
    "COMPARISONS",
    "DECISIONS",
    "EFFECT_COLUMNS",
    "KINDS",
    "MONITOR_COLUMNS",
    "SRM_METHODS",
    "Analysis",
    "Metric",
    "aggregate",
    "analyze",
    "confidence_sequence",
    "decision_summary",
    "distribution",
    "from_aggregates",
    "inference",
    "mde",
    "monitor",
    "monitor_skip_reason",
    "monitor_summary",
    "pilot_moments",
    "power",
    "proportional_odds",
    "response_balance",
    "sample_size",
    "sequential_metrics",
    "solve_power",
    "srm",
    "srm_counts",
    "verdict",
]
