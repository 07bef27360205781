"""cxkit — a customer-experience research kit.

``import cxkit as cx`` gives a flat API; the modules are:

==================  ===========================================================================
``cx.io``           ``read_events / read_customers / read_survey / read_experiment``: read and
                    validate files or frames into the canonical schemas; ``CxDataError``.
``cx.sample``       deterministic synthetic data with planted truth (``make_*``, ``write_sample_data``).
``cx.metrics``      CSAT, NPS, CES and means with their intervals; effective n; Holm / BH.
``cx.journey``      paths, transitions, funnels, repeat contacts, emotion curve, pain points.
``cx.satisfaction`` scores with base-size rules, comparisons, key drivers, importance–performance.
``cx.experiment``   A/B analysis of service changes on sufficient statistics, SRM, power.
``cx.charts``       Altair chart builders and the one cxkit theme (offline SVG rendering).
``cx.report``       papermill batch runs to single-file offline HTML, ``results.json``, index.
``cx.notebook``     ``record`` (headline numbers), ``findings`` and ``table`` (escaped display).
==================  ===========================================================================
"""

from importlib.metadata import PackageNotFoundError, version

from cxkit.errors import CxDataError, CxDataWarning
from cxkit.notebook import findings, record, table

try:
    __version__ = version("cxkit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

from cxkit import charts  # noqa: E402  (sets up the offline renderer lazily via setup())

charts.setup()

__all__ = [
    "CxDataError",
    "CxDataWarning",
    "__version__",
    "charts",
    "findings",
    "record",
    "table",
]
# --- io (foundation) ---
from cxkit import io, sample  # noqa: E402
from cxkit.io import read_customers, read_events, read_experiment, read_survey, validate  # noqa: E402

__all__ += [
    "io",
    "sample",
    "read_customers",
    "read_events",
    "read_experiment",
    "read_survey",
    "validate",
]
# --- journey ---
from cxkit import journey  # noqa: E402

__all__ += ["journey"]
# --- satisfaction / metrics ---
from cxkit import metrics, satisfaction  # noqa: E402

__all__ += ["metrics", "satisfaction"]
# --- experiment ---
from cxkit import experiment, power  # noqa: E402
from cxkit.experiment import Metric, analyze, from_aggregates, srm  # noqa: E402

__all__ += ["experiment", "power", "Metric", "analyze", "from_aggregates", "srm"]
# --- report ---
from cxkit import report  # noqa: E402

__all__ += ["report"]
