"""notebooks/loyalty_economics.ipynb runs with papermill on the sample data (planted effects) and
on the public e-commerce churn data with parameters alone."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from _notebooks import execute

from cxkit.sample import make_events
from cxkit.sample.loyalty import HR_COMPLAINT, HR_REPEAT

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "loyalty_economics.ipynb"
SHOP = ROOT.parent / "shared" / "datasets" / "ecommerce_churn.csv"

pytestmark = pytest.mark.slow


def test_notebook_committed_without_outputs():
    nb = json.loads(NOTEBOOK.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "language_info" in nb["metadata"]
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"]["tags"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)


def test_parameters_are_all_visible_to_papermill():
    import papermill as pm

    params = pm.inspect_notebook(str(NOTEBOOK))
    for name in ("events_path", "customers_path", "exposures", "exposure_labels", "label_cols"):
        assert name in params


def test_notebook_on_sample_data(tmp_path):
    events = tmp_path / "events.parquet"
    make_events(20_000, seed=42).write_parquet(events)
    nb = execute(NOTEBOOK, tmp_path, events_path=str(events))
    rec = nb.records
    assert rec["n_customers"] == 20_000
    hr = rec["hazard_ratios"]
    assert hr["passed_complaint=true"] == pytest.approx(HR_COMPLAINT, rel=0.15)
    assert hr["repeat_contact=true"] == pytest.approx(HR_REPEAT, rel=0.15)
    lo, hi = rec["value_at_stake_ci"]
    assert lo < rec["value_at_stake"] < hi
    assert 3 <= len(rec["headline"]["lines"]) <= 5
    # the headline's lines are shown once (the box), not repeated in a list at the foot
    assert nb.html.count(html.escape(rec["headline"]["lines"][0])[:60]) == 1
    assert "an association, not a cause" in nb.html or "associations, not causal" in nb.html


@pytest.mark.skipif(not SHOP.exists(), reason=f"public data not found: {SHOP}")
def test_notebook_on_ecommerce_churn_with_parameters_alone(tmp_path):
    nb = execute(
        NOTEBOOK,
        tmp_path,
        events_path="",
        customers_path=str(SHOP),
        customer_col="CustomerID",
        duration_col="Tenure",
        event_col="Churn",
        exposures=["Complain"],
        exposure_labels={"Complain": "complained"},
        factors=["Complain", "CityTier", "SatisfactionScore"],
        value_col="CashbackAmount",
        value_label="cashback",
        score_col="SatisfactionScore",
        score_grouping="value",
        score_outcomes=["Churn", "CashbackAmount"],
        segment_col="CityTier",
        label_cols=["PreferredLoginDevice", "PreferredPaymentMode", "PreferedOrderCat"],
    )
    rec = nb.records
    assert (rec["n_customers"], rec["n_left"]) == (5_630, 948)  # datasets README
    assert round(rec["rate_exposed"], 3) == 0.317 and round(rec["rate_unexposed"], 3) == 0.109
    assert "Customers who complained churned 2.9× as often (31.7% vs 10.9%)" in nb.html
    assert "Tenure is blank for 264 of 5,630 customers" in nb.html  # blanks reported
    assert "Mobile Phone" in nb.html and "Cash on Delivery" in nb.html  # label variants reported
    assert "Higher scores do NOT go with lower churn" in nb.html  # answered honestly
