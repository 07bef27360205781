"""notebooks/journey_map.ipynb executes under papermill on the sample data and on helpdesk.csv."""

from __future__ import annotations

from pathlib import Path

import pytest
from _notebooks import execute

from cxkit.sample import PAIN_POINT, write_sample_data

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "journey_map.ipynb"
HELPDESK = REPO.parent / "shared" / "datasets" / "helpdesk.csv"

pytestmark = pytest.mark.slow


def run(tmp_path: Path, **parameters) -> dict:
    nb = execute(NOTEBOOK, tmp_path, **parameters)
    return {"records": nb.records, "html": nb.html}


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
    assert res["html"].count("Biggest pain point") == 1  # no second list of the headline's lines
    head = rec["headline"]  # issue 12: the headline box, outcome finding first, as an association
    assert 3 <= len(head["lines"]) <= 5 and head["lines"][0].startswith("Biggest pain point")
    assert "an association, not proof" in head["lines"][0]
    assert "would remove" not in res["html"]


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
