"""The planted loyalty effects of cxkit.sample.loyalty are recovered through the journey bridge."""

from __future__ import annotations

import polars as pl
import pytest

from cxkit.loyalty import experience_flags, hazard_ratios, loyalty_by_score
from cxkit.sample import make_events
from cxkit.sample.loyalty import (
    CONTACTS,
    HR_COMPLAINT,
    HR_REPEAT,
    PROMOTER_SPEND_LIFT,
    make_loyalty_customers,
)


@pytest.fixture(scope="module")
def flagged() -> pl.DataFrame:
    ev = make_events(20_000, seed=42)
    return experience_flags(ev, make_loyalty_customers(ev, seed=42), contact_touchpoints=CONTACTS)


def test_planted_hazard_ratios_fall_within_their_intervals(flagged):
    hr = hazard_ratios(flagged, duration="tenure_months", event="churned",
                       factors=["passed_complaint", "repeat_contact"])  # fmt: skip
    for (lo, hi), true in zip(hr.select("ci_low", "ci_high").rows(), [HR_COMPLAINT, HR_REPEAT],
                              strict=True):  # fmt: skip
        assert lo < true < hi
    assert not hr["ph_violation"].any()  # exponential lifetimes: hazards are proportional


def test_planted_promoter_spend_falls_within_its_interval(flagged):
    r = loyalty_by_score(flagged, score="nps", outcomes="monthly_spend")
    promoters = r.filter(pl.col("group") == "promoter").row(0, named=True)
    assert promoters["effect_ci_low"] < PROMOTER_SPEND_LIFT < promoters["effect_ci_high"]


def test_sample_is_deterministic():
    ev = make_events(300, seed=3)
    assert make_loyalty_customers(ev, seed=3).equals(make_loyalty_customers(ev, seed=3))
