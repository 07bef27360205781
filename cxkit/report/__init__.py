"""Repeatable reports: papermill batch runs into single-file offline HTML, ``results.json``, index.

A report is a parameterised notebook plus its parameters, listed in ``reports.toml``::

    [[report]]
    name = "journey_map"
    notebook = "notebooks/journey_map.ipynb"
    title = "Customer journey map"
    [report.parameters]
    events_path = "../data/sample/events.parquet"
    [report.matrix]                       # optional: one report per value
    segment = ["new", "loyal"]            # -> journey_map-segment=new, journey_map-segment=loyal

:func:`run_reports` runs each one with papermill (kernel ``python3``, a per-cell timeout, cwd =
the notebook's folder) and writes, per report, into ``<out>/<name>/``:

* ``<name>.html`` — one self-contained page: no JavaScript, no request to any host (charts are
  static SVG made offline by vl-convert), code hidden, a header with title, parameters, data
  sources (file names and SHA-256), generation time and cxkit version; a print stylesheet.
  A failed run still gets its page, showing the failing cell and the error.
* ``results.json`` — the numbers the notebook recorded with ``cx.record(name, value)`` and the
  run metadata (parameters, input hashes, versions, duration, status).
* ``<name>.ipynb`` — the executed notebook, for the analyst.

and ``<out>/index.html`` links every report with its status and key numbers. A report's files
are written as a set: each to a temporary file in the same folder (mode 0644), then renamed,
so a half-written file never replaces a good one. Reports are independent: one failing does
not stop the others.

Modules: ``config`` (reports.toml) · ``run`` (papermill runs, results.json, index) ·
``files`` (atomic writes, SHA-256) · ``sanitize`` (nh3 and the id-masking pass) ·
``display`` (``cx.record``, ``cx.findings``, ``cx.table``, ``cx.report.headline`` in notebooks) ·
``wording`` (the words a reader sees: labels, units, directions, intervals, verdicts) ·
``effects`` (A/B effect tables, every row in its own unit) · private ``_page``
(page and index HTML), ``_params`` (typed notebook parameters), ``_css``.
"""

from cxkit.report import wording
from cxkit.report._params import (
    Parameter,
    ReportConfigError,
    coerce_parameter,
    notebook_parameters,
    parse_assignments,
)
from cxkit.report.config import ReportSpec, load_config, select_reports
from cxkit.report.display import findings, headline, record, table
from cxkit.report.effects import effect_table
from cxkit.report.run import (
    DEFAULT_TIMEOUT,
    KERNEL_NAME,
    RESULTS_SCHEMA,
    ReportOutcome,
    run_report,
    run_reports,
    write_index,
)
from cxkit.report.sanitize import sanitize

__all__ = [
    "DEFAULT_TIMEOUT",
    "KERNEL_NAME",
    "RESULTS_SCHEMA",
    "Parameter",
    "ReportConfigError",
    "ReportOutcome",
    "ReportSpec",
    "coerce_parameter",
    "effect_table",
    "findings",
    "headline",
    "load_config",
    "notebook_parameters",
    "parse_assignments",
    "record",
    "run_report",
    "run_reports",
    "sanitize",
    "select_reports",
    "table",
    "wording",
    "write_index",
]
