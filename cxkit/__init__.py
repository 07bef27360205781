"""cxkit — a customer-experience research kit.

``import cxkit as cx`` gives a flat API; the packages are (``docs/architecture.md`` has the map):

==================  ===========================================================================
``cx.io``           ``read_events / read_customers / read_survey / read_experiment``: read and
                    validate files or frames into the canonical schemas; ``validate``.
``cx.sample``       deterministic synthetic data with planted truth (``make_*``, ``write_sample_data``).
``cx.metrics``      CSAT, NPS, CES and means with their intervals; effective n; ``adjust_p``
                    (Holm / BH / Bonferroni); relative importance.
``cx.journey``      paths, transitions, funnels, repeat contacts, emotion curve, pain points.
``cx.satisfaction`` scores with base-size rules, comparisons, key drivers, importance–performance.
``cx.experiment``   A/B analysis of service changes on sufficient statistics, SRM, power;
                    valid with few clusters; quantiles, direction, all pairs, weekly looks.
``cx.loyalty``      retention curves, hazard ratios, the bridge from journeys to customers,
                    value at stake, loyalty by score.
``cx.charts``       Altair chart builders with the cxkit theme in their own config; interactive
                    in JupyterLab (offline), static SVG in reports; ``cx.charts.save``.
``cx.report``       papermill batch runs to single-file offline HTML, ``results.json``, index;
                    ``record`` (headline numbers), ``findings`` and ``table`` (escaped display).
==================  ===========================================================================

Importing cxkit is cheap and changes nothing global: each package (and Altair, scipy,
statsmodels, vl-convert, papermill behind it) loads the first time one of its names is used,
and no Altair renderer or theme is switched on (``cx.charts.use_theme()`` does that, if asked).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cxkit._version import __version__
from cxkit.errors import CxDataError, CxDataWarning

if TYPE_CHECKING:  # what the lazy names below resolve to, for type checkers and readers
    from cxkit import (
        charts,
        experiment,
        io,
        journey,
        loyalty,
        metrics,
        report,
        sample,
        satisfaction,
    )
    from cxkit.experiment import Metric, analyze, from_aggregates, power, srm
    from cxkit.io import read_customers, read_events, read_experiment, read_survey, validate
    from cxkit.report.display import findings, record, table

#: public name → the module that holds it (a package is its own holder)
_LAZY = {
    **{
        pkg: f"cxkit.{pkg}"
        for pkg in (
            "charts",
            "experiment",
            "io",
            "journey",
            "loyalty",
            "metrics",
            "report",
            "sample",
            "satisfaction",
        )
    },
    **dict.fromkeys(("Metric", "analyze", "from_aggregates", "power", "srm"), "cxkit.experiment"),
    **dict.fromkeys(
        ("read_customers", "read_events", "read_experiment", "read_survey", "validate"), "cxkit.io"
    ),
    **dict.fromkeys(("findings", "record", "table"), "cxkit.report.display"),
}


def __getattr__(name: str) -> Any:
    """Load a public name's package the first time the name is used (PEP 562)."""
    holder = _LAZY.get(name)
    if holder is None:
        raise AttributeError(f"module 'cxkit' has no attribute {name!r}")
    module = importlib.import_module(holder)
    value = module if holder == f"cxkit.{name}" else getattr(module, name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
    "loyalty",
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
