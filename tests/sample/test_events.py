"""Synthetic events: deterministic, canonical, with the planted truth recoverable."""

from __future__ import annotations

import polars as pl

import cxkit as cx
from cxkit.sample import events as sample_events


def test_events_are_deterministic_and_canonical():
    a = sample_events.make_events(800, seed=5)
    b = sample_events.make_events(800, seed=5)
    c = sample_events.make_events(800, seed=6)
    assert a.equals(b)
    assert not a.equals(c)
    assert set(a["touchpoint"].unique()) <= set(sample_events.TOUCHPOINTS)
    # the sample passes its own contract unchanged
    read = cx.read_events(a, score="score", scale=(1, 5)).collect()
    assert read.height == a.height
    assert read["customer_id"].n_unique() == 800


def test_planted_tie_keeps_journey_order():
    ev = sample_events.make_events(3_000, seed=2)
    nxt = ev.with_columns(
        nxt_tp=pl.col("touchpoint").shift(-1),
        nxt_ts=pl.col("timestamp").shift(-1),
        same=pl.col("customer_id") == pl.col("customer_id").shift(-1),
    )
    ties = nxt.filter(pl.col("same") & (pl.col("nxt_ts") == pl.col("timestamp")))
    assert ties.height > 50  # chatbot → agent call hand-overs share a second
    assert set(ties["touchpoint"]) == {"chatbot"} and set(ties["nxt_tp"]) == {"agent call"}
    # reading keeps the tie in input order
    read = cx.read_events(ev).collect()
    assert read["touchpoint"].to_list() == ev["touchpoint"].to_list()


def test_planted_pain_point_has_the_largest_churn_gap():
    ev = sample_events.make_events(20_000, seed=42)
    cu = sample_events.make_customers(ev, seed=42)
    passed = ev.select("customer_id", "touchpoint").unique()
    gaps = (
        passed.join(cu.select("customer_id", "churned"), on="customer_id")
        .group_by("touchpoint")
        .agg(rate_in=pl.col("churned").mean(), n_in=pl.len())
        .with_columns(
            rate_out=(cu["churned"].sum() - pl.col("rate_in") * pl.col("n_in"))
            / (cu.height - pl.col("n_in"))
        )
        .with_columns(gap=pl.col("rate_in") - pl.col("rate_out"))
        .sort("gap", descending=True)
    )
    assert gaps["touchpoint"][0] == sample_events.PAIN_POINT
    # planted lift is +0.22 on the churn probability; diluted by no other touchpoint
    assert 0.18 < gaps["gap"][0] < 0.26
    assert gaps["gap"][1] < 0.10
