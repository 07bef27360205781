"""The public names of ``import cxkit as cx`` are frozen: adding or removing one is a decision."""

import pytest

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


def test_all_is_frozen():
    assert sorted(cx.__all__) == PUBLIC


def test_every_public_name_resolves():
    for name in PUBLIC:
        assert getattr(cx, name) is not None, name


def test_package_docstring_names_every_package():
    for pkg in (
        "io",
        "sample",
        "metrics",
        "journey",
        "satisfaction",
        "experiment",
        "charts",
        "report",
    ):
        assert f"cx.{pkg}" in cx.__doc__


HEAVY = ("altair", "scipy", "statsmodels", "vl_convert", "papermill", "pandas", "IPython")


def _loaded_after(code: str) -> list[str]:
    """The heavy modules in sys.modules after running ``code`` in a fresh interpreter."""
    import json
    import subprocess
    import sys

    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])


def test_import_cxkit_loads_no_heavy_module():
    """Altair, scipy, statsmodels, vl-convert, papermill, pandas load only when first needed."""
    assert _loaded_after("import cxkit as cx") == []


def test_reading_and_journeys_do_not_load_charts_or_statistics():
    code = "import cxkit as cx\ncx.read_events, cx.validate, cx.journey.transitions, cx.io"
    assert _loaded_after(code) == []


def test_names_load_on_first_use_and_dir_lists_them():
    assert _loaded_after("import cxkit as cx\ncx.charts.sankey") == ["altair"]
    assert set(PUBLIC) <= set(dir(cx))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        cx.nope  # noqa: B018


def test_ab_analysis_does_not_load_scipy():
    """The A/B path (means, a rate, CUPED, SRM) runs on cxkit.metrics.distributions alone."""
    code = (
        "import numpy as np, polars as pl, cxkit as cx\n"
        "rng = np.random.default_rng(1)\n"
        "n = 400\n"
        "df = pl.DataFrame({'arm': rng.choice(['control', 'treatment'], n),\n"
        "    'spend': rng.gamma(2.0, 10.0, n), 'converted': rng.integers(0, 2, n),\n"
        "    'pre': rng.gamma(2.0, 10.0, n)})\n"
        "res = cx.experiment.analyze(df, arm='arm', control='control', metrics={\n"
        "    'spend': 'mean', 'converted': 'proportion',\n"
        "    'spend_cuped': cx.Metric('spend', kind='mean', covariate='pre', name='spend_cuped')})\n"
        "assert res.effects.height == 3 and res.checks['p_value'].is_not_null().all()\n"
    )
    assert _loaded_after(code) == []
