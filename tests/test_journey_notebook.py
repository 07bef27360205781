"""notebooks/journey_map.ipynb executes under papermill on the sample data and on helpdesk.csv."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cxkit.notebook import RECORD_MIMETYPE
from cxkit.sample import PAIN_POINT, write_sample_data

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "journey_map.ipynb"
HELPDESK = REPO.parent / "shared" / "datasets" / "helpdesk.csv"

pytestmark = pytest.mark.slow


def run(tmp_path: Path, **parameters) -> dict:
    import papermill as pm

    out = tmp_path / "out.ipynb"
    pm.execute_notebook(
        str(NOTEBOOK),
        str(out),
        parameters=parameters,
        cwd=str(NOTEBOOK.parent),
        kernel_name="python3",
        progress_bar=False,
    )
    nb = json.loads(out.read_text())
    records, text = {}, []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if RECORD_MIMETYPE in data:
                records[data[RECORD_MIMETYPE]["name"]] = data[RECORD_MIMETYPE]["value"]
            html = data.get("text/html", "")
            text.append("".join(html) if isinstance(html, list) else html)
    return {"records": records, "html": "\n".join(text)}


def test_notebook_on_sample_data(tmp_path):
    data = tmp_path / "data"
    write_sample_data(data, "small", progress=False)
    res = run(
        tmp_path,
        events_path=str(data / "events.parquet"),
        customers_path=str(data / "customers.parquet"),
    )
    rec = res["records"]
    assert rec["top_pain_point"] == PAIN_POINT
    assert rec["lowest_scoring_touchpoint"] == PAIN_POINT
    assert rec["n_customers"] > 1000
    assert "Headline findings" in res["html"]


def test_notebook_on_helpdesk_with_parameters_alone(tmp_path):
    res = run(
        tmp_path,
        events_path=str(HELPDESK),
        customer_col="Case ID",
        time_col="Complete Timestamp",
        touchpoint_col="Activity",
        customers_path=None,
        outcome=None,
        funnel_steps=["Assign seriousness", "Take in charge ticket", "Resolve ticket", "Closed"],
    )
    rec = res["records"]
    assert (rec["n_events"], rec["n_customers"]) == (21_348, 4_580)  # datasets README
    assert "top_pain_point" not in rec
    assert "127 rows" in res["html"]  # what reading found is reported, not hidden
