"""cx.journey.pain_points and removal_effects on engine frames (DuckDB, Spark) equal the polars
path (exact counts, statistics to 1e-9) on the tiny log, the sample data and the public
helpdesk log; engine customers are checked in the engine; local customers are sent to the
events' engine; mixed frames that cannot meet are refused with the fix.

The events carry an ``event_order`` column (their row order): engines have no row order, and
with it ties in time are broken as the polars path breaks them (input order).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import duckdb
import polars as pl
import pytest
from _engines import spark_df
from polars.testing import assert_frame_equal

import cxkit as cx
from cxkit import journey as j
from cxkit.errors import CxDataError, CxDataWarning

DATA = Path(__file__).resolve().parents[3] / "shared" / "datasets"


def numbered(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with ``event_order``: its row order, the engines' tie-breaker."""
    return frame.with_row_index("event_order").with_columns(pl.col("event_order").cast(pl.Int64))


def in_engine(engine: str, *frames: pl.DataFrame, local: bool = False):
    """``frames`` in ``engine``, all in one DuckDB connection (the default one with
    ``local=True``, where local customers can be sent) or in the one Spark session."""
    if engine == "spark":
        return [spark_df(f) for f in frames]
    con = duckdb.default_connection() if local else duckdb.connect()
    return [con.from_arrow(f.to_arrow()) for f in frames]


def same(function, events, customers, engine: str, *, local: bool = False, **kw):
    """``function`` in polars and in ``engine`` (customers there too, or local with
    ``local=True``); assert equal frames; return the engine's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CxDataWarning)  # both paths warn alike
        want = function(events, customers, **kw)
        if local:
            (ev,) = in_engine(engine, events, local=True)
            got = function(ev, customers, **kw)
        else:
            ev, cu = in_engine(engine, events, customers)
            got = function(ev, cu, **kw)
    assert_frame_equal(got, want, check_exact=False, rel_tol=1e-9, abs_tol=0)
    ints = [c for c, t in want.schema.items() if t == pl.Int64]
    assert got.select(ints).equals(want.select(ints))  # exact counts
    return got


@pytest.fixture(scope="module")
def sample_data(sample) -> tuple[pl.DataFrame, pl.DataFrame]:
    ev, cu = sample
    return numbered(ev.select("customer_id", "timestamp", "touchpoint")), cu


@pytest.fixture(scope="module")
def helpdesk() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The helpdesk log, and a made-up outcome per case: its number is even (unknown for
    every tenth case)."""
    with pytest.warns(CxDataWarning):  # a duplicated header and repeated rows are reported
        lf = cx.read_events(
            DATA / "helpdesk.csv",
            customer="Case ID",
            time="Complete Timestamp",
            touchpoint="Activity",
        )
    ev = numbered(lf.select("customer_id", "timestamp", "touchpoint").collect())
    number = pl.col("customer_id").str.extract(r"(\d+)").cast(pl.Int64)
    cu = (
        ev.select(pl.col("customer_id").unique())
        .with_columns(
            reopened=pl.when(number % 10 != 3).then(number % 2 == 0),
        )
        .sort("customer_id")
    )
    return ev, cu


def test_tiny_log_on_duckdb(ev, customers):
    ev = numbered(ev)
    got = same(j.pain_points, ev, customers, "duckdb", outcome="churned", min_base=2, edges=True)
    assert {"web → shop", "call → shop"} <= set(got["touchpoint"])
    got = same(j.removal_effects, ev, customers, "duckdb", outcome="churned")
    assert got["n_customers"].sum() > 0
    # without event_order the 10:00 tie (call, shop) goes by name: the input order here
    got = same(
        j.pain_points,
        ev.drop("event_order"),
        customers,
        "duckdb",
        outcome="churned",
        min_base=1,
        edges=True,
    )
    assert got.filter(touchpoint="call → shop")["n_passed"].to_list() == [1]


@pytest.mark.parametrize("edges", [False, True])
@pytest.mark.parametrize("local", [False, True])
def test_pain_points_sample_on_duckdb(sample_data, edges, local):
    ev, cu = sample_data
    got = same(j.pain_points, ev, cu, "duckdb", local=local, outcome="churned", edges=edges)
    assert got.height > (30 if edges else 8)
    assert got["p_adj"].drop_nulls().len() > 5


@pytest.mark.parametrize("local", [False, True])
def test_removal_effects_sample_on_duckdb(sample_data, local):
    ev, cu = sample_data
    got = same(j.removal_effects, ev, cu, "duckdb", local=local, outcome="converted")
    assert got["removal_effect"].max() > 0.5


@pytest.mark.parametrize("edges", [False, True])
def test_helpdesk_on_duckdb(helpdesk, edges):
    ev, cu = helpdesk
    got = same(j.pain_points, ev, cu, "duckdb", outcome="reopened", edges=edges)
    assert got["n_passed"].max() > 3000
    got = same(j.removal_effects, ev, cu, "duckdb", outcome="reopened")
    assert got.height > 5


@pytest.mark.spark
def test_pain_points_and_removal_effects_on_spark(sample_data):
    """Few and small on Spark: engine customers for one, local customers for the other."""
    ev, cu = sample_data
    ev = ev.filter(pl.col("customer_id") < "C00002000")
    got = same(j.pain_points, ev, cu, "spark", outcome="churned", edges=True)
    assert got.height > 30
    got = same(j.removal_effects, ev, cu, "spark", local=True, outcome="converted")
    assert got["removal_effect"].max() > 0.5


@pytest.mark.spark
def test_helpdesk_on_spark(helpdesk):
    ev, cu = helpdesk
    got = same(j.pain_points, ev, cu, "spark", outcome="reopened", edges=True)
    assert got["n_passed"].max() > 3000


def test_engine_customers_are_checked_in_the_engine(ev, customers):
    rel_ev, bad, dup, text = in_engine(
        "duckdb",
        numbered(ev),
        customers.with_columns(churned=pl.Series([0, 1, 2, 5, None])),
        pl.concat([customers, customers.head(2)]),
        customers.with_columns(churned=pl.lit("yes")),
    )
    with pytest.raises(CxDataError, match="only 0 and 1") as err:
        j.pain_points(rel_ev, bad, outcome="churned")
    assert err.value.n_rows == 2 and sorted(err.value.examples) == [2, 5]
    with pytest.raises(CxDataError, match="one row per customer") as err:
        j.removal_effects(rel_ev, dup, outcome="churned")
    assert err.value.examples == ["a", "b"]
    with pytest.raises(CxDataError, match="must be boolean or 0/1"):
        j.pain_points(rel_ev, text, outcome="churned")


def test_frames_that_cannot_meet_are_refused(ev, customers):
    rel_ev, rel_cu = in_engine("duckdb", numbered(ev), customers)
    (other_cu,) = in_engine("duckdb", customers)  # another connection
    with pytest.raises(CxDataError, match="not in one engine connection"):
        j.pain_points(rel_ev, other_cu, outcome="churned")
    # local customers are sent to the events' own connection (not DuckDB's default one)
    want = j.removal_effects(ev, customers, outcome="churned")
    got = j.removal_effects(rel_ev, customers, outcome="churned")
    assert_frame_equal(got, want, check_exact=False, rel_tol=1e-9, abs_tol=0)
    with pytest.raises(CxDataError, match="the events are a local frame"):
        j.pain_points(ev, rel_cu, outcome="churned")
