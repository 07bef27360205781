"""The journey functions pushed down to engines (issue 15): on DuckDB and on Spark they give the
polars path's frames exactly (counts) and to 1e-9 (statistics).

Engines have no row order: ties in time are broken by ``event_order`` when the frame has one,
else by touchpoint name. The polars reference is therefore given the rows sorted by (customer,
time, tie column), where its stable sort keeps that order.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import narwhals.stable.v2 as nw
import polars as pl
import pytest
from _engines import ENGINES, duckdb_rel, to_engine
from polars.testing import assert_frame_equal

import cxkit as cx
from cxkit.errors import CxDataWarning
from cxkit.schema import EVENT_ORDER

pytestmark = pytest.mark.filterwarnings("ignore::cxkit.CxDataWarning")

COLS = ["customer_id", "timestamp", "touchpoint"]
#: CI has ../shared/datasets (no skip when it is missing: the test fails)
HELPDESK = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "helpdesk.csv"


def _reference(events: pl.DataFrame | pl.LazyFrame, tie: str = "touchpoint") -> pl.DataFrame:
    """The events in the engine's order, for the polars path (its sort is stable)."""
    return events.lazy().collect().sort("customer_id", "timestamp", tie)


def _same(polars_result: pl.DataFrame, engine_result: pl.DataFrame) -> None:
    assert_frame_equal(polars_result, engine_result, rel_tol=1e-9, check_exact=False)


def _flows(ev: pl.DataFrame, engine: str) -> None:
    """transitions (plain and collapsed) and paths (whole, and cut with an other row); on
    Spark only the collapsed and cut cases (each Spark action costs seconds)."""
    rel = to_engine(ev.select(COLS), engine)
    if engine != "spark":
        _same(cx.journey.transitions(ev), cx.journey.transitions(rel))
        _same(cx.journey.paths(ev), cx.journey.paths(rel))
    _same(
        cx.journey.transitions(ev, collapse_repeats=True),
        cx.journey.transitions(rel, collapse_repeats=True),
    )
    _same(cx.journey.paths(ev, max_steps=3, top=4), cx.journey.paths(rel, max_steps=3, top=4))


@pytest.fixture(scope="module")
def small_sample() -> pl.DataFrame:
    """300 sample customers (Spark cases stay small)."""
    ev = cx.sample.make_events(300, seed=5)
    return _reference(ev)


@pytest.mark.parametrize("engine", ENGINES)
def test_flows_equal_polars_on_the_sample(small_sample, engine):
    _flows(small_sample, engine)


def test_flows_equal_polars_on_the_whole_sample_in_duckdb(sample):
    _flows(_reference(sample[0]), "duckdb")


def test_flows_equal_polars_on_the_public_logs_in_duckdb(log):
    _flows(_reference(log[1]), "duckdb")


@pytest.mark.spark
def test_flows_equal_polars_on_helpdesk_in_spark():
    ev = _reference(
        cx.read_events(
            HELPDESK, customer="Case ID", time="Complete Timestamp", touchpoint="Activity"
        )
    )
    rel = to_engine(ev.select(COLS), "spark")
    _same(cx.journey.transitions(ev), cx.journey.transitions(rel))


def test_paths_decode_nulls_and_long_journeys_exactly():
    """A null touchpoint (a step, not shown), journeys longer than one Int64 word of codes,
    and path texts that coincide (the merged row's median over all its customers)."""
    import datetime as dt

    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    rows = []
    names = [f"t{i:02d}" for i in range(40)]  # base 41: 11 steps a word, 3 words for 30 steps
    for c in range(30):
        for s in range(c + 1):
            rows.append((f"c{c}", t0 + dt.timedelta(hours=s * (c + 1)), names[(c * 7 + s) % 40]))
    # x → (null) → y reads as "x → y", like the plain x → y of another customer
    rows += [("n1", t0, "x"), ("n1", t0 + dt.timedelta(hours=1), None)]
    rows += [("n1", t0 + dt.timedelta(hours=5), "y")]
    rows += [("n2", t0, "x"), ("n2", t0 + dt.timedelta(hours=2), "y")]
    rows += [("n3", t0, "x"), ("n3", t0 + dt.timedelta(hours=9), "y")]
    ev = pl.DataFrame(
        rows,
        schema=dict(zip(COLS, [pl.String, pl.Datetime("us", "UTC"), pl.String], strict=True)),
        orient="row",
    )
    ev = _reference(ev)
    rel = duckdb_rel(ev)
    for kw in ({"top": None}, {"top": 5}, {"max_steps": 12, "top": 3}):
        _same(cx.journey.paths(ev, **kw), cx.journey.paths(rel, **kw))
    merged = cx.journey.paths(rel, top=None).filter(pl.col("path") == "x → y")
    assert merged["n_customers"].item() == 3
    assert merged["median_duration"].item() == dt.timedelta(hours=5)
    _same(cx.journey.transitions(ev), cx.journey.transitions(rel))


# --------------------------------------------------------------------------- ties
def test_ties_warn_once_with_their_count_and_order_by_gives_the_polars_order(ev):
    """The tiny log: customer a has call and shop at 10:00 (one tied pair)."""
    rel = duckdb_rel(ev.select(COLS))
    with pytest.warns(CxDataWarning, match=r"1 \(customer, time\) pair"):
        got = cx.journey.transitions(rel)
    _same(cx.journey.transitions(_reference(ev)), got)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same frame again: counted and warned once
        cx.journey.paths(rel)
    # a tie-breaker that puts shop before call: no warning, and the polars order it gives
    ordered = ev.with_columns(
        pl.when(pl.col("touchpoint") == "shop").then(0).otherwise(1).alias(EVENT_ORDER)
    )
    reference = _reference(ordered, EVENT_ORDER)
    rel = duckdb_rel(ordered)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got_t, got_p = cx.journey.transitions(rel), cx.journey.paths(rel)
    _same(cx.journey.transitions(reference), got_t)
    _same(cx.journey.paths(reference), got_p)
    assert "web → shop → call → web" in got_p["path"].to_list()


# --------------------------------------------------------------------------- nothing big comes back
def test_only_small_aggregates_come_back_from_the_engine(sample, monkeypatch):
    ev = _reference(sample[0])
    heights: list[int] = []
    collect = nw.LazyFrame.collect

    def spy(self, *args, **kwargs):
        out = collect(self, *args, **kwargs)
        heights.append(len(out))
        return out

    monkeypatch.setattr(nw.LazyFrame, "collect", spy)
    rel = duckdb_rel(ev)
    cx.journey.transitions(rel)
    cx.journey.paths(rel, top=5)
    cx.journey.repeat_contacts(rel, contact_touchpoints=CONTACTS)
    cx.journey.stage_scores(rel, by=["stage", "touchpoint"])
    assert heights and max(heights) < ev.height / 10, (max(heights), ev.height)


# --------------------------------------------------------------------------- contacts, scores
CONTACTS = ["agent call", "chatbot", "e-mail", "complaint", "ivr"]


def _contacts_and_scores(ev: pl.DataFrame, engine: str) -> None:
    """repeat_contacts, and stage_scores by touchpoint (mean, nps) and by stage (csat)."""
    rel = to_engine(ev, engine)
    kw = {"contact_touchpoints": CONTACTS, "within": "3d"}
    _same(cx.journey.repeat_contacts(ev, **kw), cx.journey.repeat_contacts(rel, **kw))
    opts = {"metric": "csat", "by": "stage", "min_base": 5}
    _same(cx.journey.stage_scores(ev, **opts), cx.journey.stage_scores(rel, **opts))
    if engine != "spark":  # each Spark action costs seconds: the other options on DuckDB
        _same(cx.journey.stage_scores(ev), cx.journey.stage_scores(rel))
        nps = ev.with_columns((pl.col("score") * 2).alias("score"))
        opts = {"metric": "nps", "by": ["stage", "touchpoint"]}
        got = cx.journey.stage_scores(to_engine(nps, engine), **opts)
        _same(cx.journey.stage_scores(nps, **opts), got)


@pytest.mark.parametrize("engine", ENGINES)
def test_contacts_and_scores_equal_polars_on_the_sample(small_sample, engine):
    _contacts_and_scores(small_sample, engine)


def test_contacts_and_scores_equal_polars_on_the_whole_sample_in_duckdb(sample):
    _contacts_and_scores(_reference(sample[0]), "duckdb")


def test_contacts_equal_polars_on_the_public_logs_in_duckdb(log):
    ev = _reference(log[1])
    top = ev["touchpoint"].value_counts(sort=True)["touchpoint"].head(4).to_list()
    rel = duckdb_rel(ev.select(COLS))
    for within in ("1h", "7d"):
        kw = {"contact_touchpoints": top, "within": within}
        _same(cx.journey.repeat_contacts(ev, **kw), cx.journey.repeat_contacts(rel, **kw))
    scored = ev.select(COLS).with_columns((pl.col("timestamp").dt.hour() % 5 + 1).alias("score"))
    _same(
        cx.journey.stage_scores(scored, metric="csat"),
        cx.journey.stage_scores(duckdb_rel(scored), metric="csat"),
    )


def test_scores_outside_the_scale_are_counted_in_the_engine(small_sample):
    bad = small_sample.with_columns((pl.col("score") + 10).alias("score"))
    with pytest.raises(cx.CxDataError, match="scores within 1–5") as info:
        cx.journey.stage_scores(duckdb_rel(bad), metric="csat")
    n_bad = bad.filter(pl.col("score") > 5).height
    assert info.value.n_rows == n_bad and 0 < len(info.value.examples) <= 5
