"""The public names of ``import cxkit as cx`` are frozen: adding or removing one is a decision."""

import cxkit as cx

PUBLIC = [
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


def test_all_is_frozen():
    assert sorted(cx.__all__) == PUBLIC


def test_every_public_name_resolves():
    for name in PUBLIC:
        assert getattr(cx, name) is not None, name


def test_package_docstring_names_every_package():
    for pkg in ("io", "sample", "metrics", "journey", "satisfaction", "experiment", "charts", "report"):
        assert f"cx.{pkg}" in cx.__doc__
