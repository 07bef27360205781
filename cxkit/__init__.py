"""cxkit — a customer-experience research kit.

``import cxkit as cx`` gives a flat API; the packages are (``docs/architecture.md`` has the map):

==================  ===========================================================================
``cx.io``           ``read_events / read_customers / read_survey / read_experiment``: read and
                    validate files or frames into the canonical schemas; ``validate``.
``cx.sample``       deterministic synthetic data with planted truth (``make_*``, ``write_sample_data``).
``cx.metrics``      CSAT, NPS, CES and means with their intervals; effective n; Holm / BH.
``cx.journey``      paths, transitions, funnels, repeat contacts, emotion curve, pain points.
``cx.satisfaction`` scores with base-size rules, comparisons, key drivers, importance–performance.
``cx.experiment``   A/B analysis of service changes on sufficient statistics, SRM, power.
``cx.charts``       Altair chart builders and the one cxkit theme (offline SVG rendering).
``cx.report``       papermill batch runs to single-file offline HTML, ``results.json``, index;
                    ``record`` (headline numbers), ``findings`` and ``table`` (escaped display).
==================  ===========================================================================
"""

from cxkit import charts, experiment, io, journey, metrics, report, sample, satisfaction
from cxkit._version import __version__
from cxkit.errors import CxDataError, CxDataWarning
from cxkit.experiment import Metric, analyze, from_aggregates, power, srm
from cxkit.io import read_customers, read_events, read_experiment, read_survey, validate
from cxkit.report.display import findings, record, table

charts.setup()

__all__ = [
    "CxDataError",
    "CxDataWarning",
    "Metric",
    "__version__",
    "analyze",
    "charts",
    "experiment",
    "findings",
    "from_aggregates",
    "io",
    "journey",
    "metrics",
    "power",
    "read_customers",
    "read_events",
    "read_experiment",
    "read_survey",
    "record",
    "report",
    "sample",
    "satisfaction",
    "srm",
    "table",
    "validate",
]
