"""Read and validate touchpoint data into cxkit's canonical schemas.

Four readers, one per kind of data (see the data contracts in the README):

* :func:`read_events` — a touchpoint log: ``customer_id``, ``timestamp`` (UTC), ``touchpoint``;
* :func:`read_customers` — one row per customer with outcomes (``churned``, ``nps`` …);
* :func:`read_survey` — survey responses with rating columns on a declared scale;
* :func:`read_experiment` — experiment units with their ``arm`` (and ``cluster``).

Each takes a path (CSV, Parquet, NDJSON, a glob or a folder of them), a polars DataFrame or
LazyFrame, a pandas DataFrame or a pyarrow Table, and returns a :class:`polars.LazyFrame` with
canonical column names and types, extra columns kept. Reading is lazy: validation runs one
aggregate pass over the data and the analysis that follows streams the file again. Bad input
raises :class:`~cxkit.errors.CxDataError`; :func:`validate` collects every problem instead.

Modules: ``events`` (read_events and the sorted-events registry) · ``readers`` (customers,
survey, experiment) · ``validate`` · private ``_sources`` (opening files and frames),
``_convert`` (numbers, booleans, timestamps), ``_rules`` (shared rules), ``_checks`` (the
one-pass rule runner).

Examples
--------
>>> import polars as pl, cxkit as cx
>>> raw = pl.DataFrame({"who": ["b", "a", "a"], "when": ["2024-01-02 10:00+01:00",
...     "2024-01-01 09:00Z", "2024-01-01 08:00Z"], "what": ["call", "web", "ivr"]})
>>> cx.read_events(raw, customer="who", time="when", touchpoint="what").collect()
shape: (3, 3)
┌─────────────┬─────────────────────────┬────────────┐
│ customer_id ┆ timestamp               ┆ touchpoint │
│ ---         ┆ ---                     ┆ ---        │
│ str         ┆ datetime[μs, UTC]       ┆ str        │
╞═════════════╪═════════════════════════╪════════════╡
│ a           ┆ 2024-01-01 08:00:00 UTC ┆ ivr        │
│ a           ┆ 2024-01-01 09:00:00 UTC ┆ web        │
│ b           ┆ 2024-01-02 09:00:00 UTC ┆ call       │
└─────────────┴─────────────────────────┴────────────┘
"""

from cxkit.io._checks import Problem, ReadReport, unsorted_rows
from cxkit.io.events import is_sorted_events, read_events, unordered_plan
from cxkit.io.readers import read_customers, read_experiment, read_survey
from cxkit.io.validate import READER_DEFAULTS, validate

__all__ = [
    "READER_DEFAULTS",
    "Problem",
    "ReadReport",
    "is_sorted_events",
    "read_customers",
    "read_events",
    "read_experiment",
    "read_survey",
    "unordered_plan",
    "unsorted_rows",
    "validate",
]
