"""notebooks/journey_map.ipynb reads its events from an engine table (issue 15): the same report.

The sample events are written into a DuckDB file (with an event id, as a warehouse table has:
engines keep no row order, so ties in time need it); the notebook runs through the report batch
path (``cx.report.run_report``, as ``cxkit report run`` does) once on the Parquet file and once
with ``events_table="duckdb:<file>#events"``, and the key numbers in ``results.json`` agree.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from cxkit.report import ReportSpec, run_report
from cxkit.sample import write_sample_data

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "journey_map.ipynb"

pytestmark = pytest.mark.slow

CONTACTS = ["e-mail", "chatbot", "ivr", "agent call", "complaint"]  # as reports.toml names them


def _run(out: Path, name: str, **parameters) -> tuple[dict, str]:
    spec = ReportSpec(name, NOTEBOOK, "Journey map", parameters)
    outcome = run_report(spec, out, timeout=300)
    html = (out / name / f"{name}.html").read_text(encoding="utf-8")
    assert outcome.status == "ok", html[-3000:]
    return json.loads((out / name / "results.json").read_text()), html


def _numbers(results: dict) -> dict:
    """The report's key numbers: every recorded value except the headline's sentences."""
    return {k: v for k, v in results["results"].items() if k != "headline"} | {
        "headline": results["results"]["headline"]["lines"]
    }


def test_journey_map_on_a_duckdb_table_equals_the_file_run(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    data = tmp_path / "data"
    write_sample_data(data, "small", progress=False)
    events = pl.read_parquet(data / "events.parquet").with_row_index("event_id")
    assert events.group_by("customer_id", "timestamp").len()["len"].max() > 1  # ties exist
    arrow = events.to_arrow()  # noqa: F841 - read by name in the DuckDB query below
    db = tmp_path / "cx.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE events AS SELECT * FROM arrow")
    common = {"contact_touchpoints": CONTACTS, "customers_path": None, "outcome": None}
    out = tmp_path / "reports"
    file_res, file_html = _run(out, "from_file", events_path=str(data / "events.parquet"), **common)
    eng_res, html = _run(
        out, "from_duckdb", events_table=f"duckdb:{db}#events", order_col="event_id", **common
    )
    want, got = _numbers(file_res), _numbers(eng_res)
    assert set(want) >= {"n_events", "n_customers", "top_path_share", "funnel_conversion",
                         "highest_repeat_touchpoint", "lowest_scoring_touchpoint"}  # fmt: skip
    assert got == want
    assert want["n_events"] == events.height
    # the Sankey (step by step, needs the events locally) is skipped with one line saying why
    assert "The Sankey is drawn from local events only" in html
    assert "The Sankey is drawn from local events only" not in file_html


def test_journey_map_on_a_duckdb_table_with_local_customers(tmp_path):
    """Pain points need the customers in the events' engine: the same numbers, or (where the
    engine cannot take the local customers) one line that says why instead of a failed report."""
    duckdb = pytest.importorskip("duckdb")
    data = tmp_path / "data"
    write_sample_data(data, "small", progress=False)
    arrow = pl.read_parquet(data / "events.parquet").with_row_index("event_id").to_arrow()  # noqa: F841
    db = tmp_path / "cx.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE events AS SELECT * FROM arrow")
    common = {"contact_touchpoints": CONTACTS, "customers_path": str(data / "customers.parquet")}
    out = tmp_path / "reports"
    file_res, _ = _run(out, "from_file", events_path=str(data / "events.parquet"), **common)
    eng_res, html = _run(
        out, "from_duckdb", events_table=f"duckdb:{db}#events", order_col="event_id", **common
    )
    want, got = _numbers(file_res), _numbers(eng_res)
    pain = {"top_pain_point", "top_pain_point_diff"}
    assert pain <= set(want)
    # the local customers reach the DuckDB file's own connection: every number is the same
    assert got == want
    assert "Pain points are skipped" not in html
