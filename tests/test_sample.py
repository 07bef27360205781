"""Synthetic sample data: determinism, the planted pain point, chunked writing, the CLI."""

from __future__ import annotations

import polars as pl

import cxkit as cx
from cxkit.cli import main
from cxkit.sample import events as sample_events
from cxkit.sample.writer import write_events


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


def test_chunked_writer_matches_and_has_unique_ids(tmp_path):
    n_ev, n_cu = write_events(
        tmp_path / "e.parquet",
        tmp_path / "c.parquet",
        n_events=9_000,
        chunk_customers=1_000,
        progress=False,
    )
    ev = pl.read_parquet(tmp_path / "e.parquet")
    cu = pl.read_parquet(tmp_path / "c.parquet")
    assert ev.height == n_ev and cu.height == n_cu
    assert cu["customer_id"].n_unique() == n_cu == ev["customer_id"].n_unique()
    assert 7_000 < n_ev < 11_000
    assert sorted(tmp_path.iterdir()) == [
        tmp_path / "c.parquet",
        tmp_path / "e.parquet",
    ]  # no temp files left


def test_cli_sample_data_and_validate(tmp_path, capsys):
    out = tmp_path / "sample"
    assert main(["sample-data", "--out", str(out), "--size", "small"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "customers.parquet",
        "data_dictionary.md",
        "events.parquet",
        "experiment.parquet",
        "survey.parquet",
    ]
    assert "Planted truth" in (out / "data_dictionary.md").read_text()
    capsys.readouterr()
    assert main(["validate", str(out / "events.parquet"), "--kind", "events"]) == 0
    text = capsys.readouterr().out
    assert "VALID" in text and "n customers" in text
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,timestamp,touchpoint\na,not a time,web\n")
    assert main(["validate", str(bad)]) == 1
    assert "cannot be parsed" in capsys.readouterr().out
