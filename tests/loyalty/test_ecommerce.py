"""The published e-commerce churn figures (../shared/datasets/README.md), reproduced."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from cxkit.errors import CxDataWarning
from cxkit.loyalty import label_variants, loyalty_by_score, retention, value_at_stake

CSV = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "ecommerce_churn.csv"
pytestmark = pytest.mark.skipif(not CSV.exists(), reason=f"public data not found: {CSV}")


@pytest.fixture(scope="module")
def shop() -> pl.DataFrame:
    return pl.read_csv(CSV)


def test_948_of_5630_churned_and_31_7_vs_10_9_by_complaint(shop):
    v = value_at_stake(shop, exposure="Complain", outcome="Churn", value="CashbackAmount")
    r = v.row(0, named=True)
    # datasets README: 948 of 5,630 churned; complaint 31.7 % (508 of 1,604) vs 10.9 % (440 of 4,026)
    assert r["n"] == 5630
    assert round(r["rate_exposed"] * r["n_exposed"] + r["rate_unexposed"] * r["n_unexposed"]) == 948
    assert (r["n_exposed"], r["n_unexposed"]) == (1604, 4026)
    assert r["rate_exposed"] == pytest.approx(508 / 1604)
    assert r["rate_unexposed"] == pytest.approx(440 / 4026)
    assert round(r["rate_ratio"], 1) == 2.9
    assert r["ci_low"] < r["value_at_stake"] < r["ci_high"]


def test_churn_rises_with_the_satisfaction_score(shop):
    # datasets README: 11.5 % at 1, 23.8 % at 5
    r = loyalty_by_score(shop, score="SatisfactionScore", outcomes="Churn", groups="value")
    est = dict(zip(r["group"], r["estimate"], strict=True))
    assert round(est["1"], 3) == 0.115 and round(est["5"], 3) == 0.238
    assert r.filter(pl.col("group") == "5")["effect_ci_low"][0] > 0


def test_blank_tenure_is_reported_not_silent(shop):
    with pytest.warns(CxDataWarning, match="264 of 5,630 rows left out"):
        retention(shop, duration="Tenure", event="Churn")


def test_inconsistent_labels_are_reported(shop):
    v = label_variants(shop, ["PreferredLoginDevice", "PreferredPaymentMode", "PreferedOrderCat"])
    assert set(v.select("label", "similar_to").rows()) == {
        ("Phone", "Mobile Phone"), ("Mobile", "Mobile Phone"), ("CC", "Credit Card"),
        ("COD", "Cash on Delivery"),
    }  # fmt: skip
