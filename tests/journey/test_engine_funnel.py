"""cx.journey.funnel on engine frames (DuckDB, Spark) equals the polars path: exact counts and
medians, on the tiny log, random logs with ties, the sample data and the public helpdesk and
receipt logs, with windows and by=; modes that need ordered windows are refused, naming where
they run, on other engines.

The frames carry an ``event_order`` column (their row order): engines have no row order, and
with it ties in time are broken as the polars path breaks them (input order).
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import polars as pl
import pytest
from _engines import ENGINES, to_engine
from polars.testing import assert_frame_equal

import cxkit as cx
from cxkit import journey as j
from cxkit.errors import CxDataError, CxDataWarning
from cxkit.journey import _engine_funnel

DATA = Path(__file__).resolve().parents[3] / "shared" / "datasets"
HELPDESK = ["Assign seriousness", "Take in charge ticket", "Resolve ticket", "Closed"]


def numbered(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with ``event_order``: its row order, the engines' tie-breaker."""
    return frame.with_row_index("event_order").with_columns(pl.col("event_order").cast(pl.Int64))


def same(events: pl.DataFrame, engine: str, steps: list[str], **kw) -> pl.DataFrame:
    """Run the funnel on ``events`` in polars and in ``engine``; assert equal; return it."""
    with warnings.catch_warnings():  # both paths warn alike about groups where nobody started
        warnings.simplefilter("ignore", CxDataWarning)
        want = j.funnel(events, steps, **kw)
        got = j.funnel(to_engine(events, engine), steps, **kw)
    assert_frame_equal(got, want, check_exact=False, rel_tol=1e-9, abs_tol=0)
    assert got["n_customers"].to_list() == want["n_customers"].to_list()  # exact counts
    return got


@pytest.fixture(scope="module")
def helpdesk() -> pl.DataFrame:
    with pytest.warns(CxDataWarning):  # a duplicated header and repeated rows are reported
        lf = cx.read_events(
            DATA / "helpdesk.csv",
            customer="Case ID",
            time="Complete Timestamp",
            touchpoint="Activity",
        )
    return numbered(lf.select("customer_id", "timestamp", "touchpoint", "service_type").collect())


@pytest.fixture(scope="module")
def sample_events(sample) -> pl.DataFrame:
    return numbered(sample[0].select("customer_id", "timestamp", "touchpoint", "channel"))


SAMPLE = ["web visit", "order", "delivery"]  # the sample's most common journey


def test_tiny_log_on_duckdb(ev):
    """The hand-checked cases of test_funnel.py, through DuckDB."""
    ev = numbered(ev)
    assert same(ev, "duckdb", ["web", "shop"])["n_customers"].to_list() == [3, 3]
    f = same(ev, "duckdb", ["web", "shop"], mode="strict")
    assert f["n_customers"].to_list() == [3, 2]
    assert same(ev, "duckdb", ["web", "shop", "web"])["n_customers"].to_list() == [3, 3, 1]
    f = same(ev, "duckdb", ["web", "shop"], window="30m")
    assert f["n_customers"].to_list() == [3, 2]
    assert f["median_time_from_previous"][1] == dt.timedelta(minutes=20)
    assert same(ev, "duckdb", ["shop", "web"], mode="any")["n_customers"].to_list() == [3, 3]


def test_without_event_order_ties_go_by_touchpoint_name(ev):
    """a's call and shop share 10:00 (input order: call, shop): without ``event_order`` the
    engine orders them by name, which here is the input order, so the results still agree."""
    for mode in ("ordered", "strict"):
        got = same(ev.drop("score"), "duckdb", ["web", "call", "shop"], mode=mode)
        assert got["n_customers"].to_list() == [3, 1, 1]


@pytest.mark.parametrize("mode", ["ordered", "strict", "any"])
@pytest.mark.parametrize("window", [None, "1d"])
@pytest.mark.parametrize("by", [None, "channel"])
def test_sample_on_duckdb(sample_events, mode, window, by):
    got = same(sample_events, "duckdb", SAMPLE, mode=mode, window=window, by=by)
    assert got.filter(pl.col("step_index") == 3)["n_customers"].sum() > 300
    if mode != "any":
        assert got["median_time_from_previous"].drop_nulls().len() > 0


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("mode", ["ordered", "strict", "any"])
def test_random_logs_with_ties_on_duckdb(random_log, seed, mode):
    """Shuffled logs with many tied times and repeated steps: the tie-breaker keeps the
    polars path's order, every window start is tried."""
    log = numbered(random_log(seed, n_customers=120, step=dt.timedelta(minutes=10)))
    steps = ["web", "call", "shop"] if mode == "any" else ["web", "call", "web", "shop"]
    for window in (None, "15m", "40m"):
        same(log, "duckdb", steps, mode=mode, window=window)


@pytest.mark.parametrize("mode", ["ordered", "strict", "any"])
@pytest.mark.parametrize(("window", "by"), [(None, None), ("30d", "service_type")])
def test_helpdesk_on_duckdb(helpdesk, mode, window, by):
    got = same(helpdesk, "duckdb", HELPDESK, mode=mode, window=window, by=by)
    assert got.filter(pl.col("step") == "Resolve ticket")["n_customers"].sum() > 1000


RECEIPT = [
    "Confirmation of receipt",
    "T02 Check confirmation of receipt",
    "T04 Determine confirmation of receipt",
    "T05 Print and send confirmation of receipt",
    "T06 Determine necessity of stop advice",
]


@pytest.mark.parametrize("mode", ["ordered", "strict", "any"])
@pytest.mark.parametrize(("window", "by"), [(None, None), ("7d", "case:channel")])
def test_receipt_on_duckdb(mode, window, by):
    """The receipt log: offsets +01:00 / +02:00 read as UTC; five steps."""
    lf = cx.read_events(
        DATA / "receipt.csv",
        customer="case:concept:name",
        time="time:timestamp",
        touchpoint="concept:name",
    )
    log = numbered(lf.select("customer_id", "timestamp", "touchpoint", "case:channel").collect())
    got = same(log, "duckdb", RECEIPT, mode=mode, window=window, by=by)
    assert got.filter(pl.col("step_index") == 5)["n_customers"].sum() > 600


@pytest.mark.spark
@pytest.mark.parametrize(
    ("mode", "window", "by"),
    [("ordered", "1d", "channel"), ("strict", "1d", None), ("any", "1d", "channel")],
)
def test_sample_on_spark(sample_events, mode, window, by):
    """Few and small on Spark: every mode once, with a window, by= on two of them."""
    small = sample_events.filter(pl.col("customer_id") < "C00001000")
    got = same(small, "spark", SAMPLE, mode=mode, window=window, by=by)
    assert got["n_customers"].max() > 100


@pytest.mark.spark
def test_helpdesk_on_spark(helpdesk):
    got = same(helpdesk, "spark", HELPDESK, by="service_type")
    assert got.filter(pl.col("step") == "Resolve ticket")["n_customers"].sum() > 1000


@pytest.mark.parametrize("engine", ENGINES)
def test_unknown_step_warns_on_engines(ev, engine):
    with pytest.warns(CxDataWarning, match="'webb' never occurs.*'web'"):
        j.funnel(to_engine(numbered(ev), engine), ["shop", "webb"], mode="any")


def test_ordered_modes_are_refused_where_ordered_windows_are_not_verified(ev, monkeypatch):
    """On an engine outside ORDERED_ENGINES, only mode='any' without window= or by= runs."""
    monkeypatch.setattr(_engine_funnel, "ORDERED_ENGINES", frozenset({"pyspark"}))
    rel = to_engine(numbered(ev), "duckdb")
    refused = [
        {"mode": "ordered"},
        {"mode": "strict"},
        {"mode": "any", "by": "score"},
        {"mode": "any", "window": "1h"},
    ]
    for kw in refused:
        with pytest.raises(CxDataError, match="runs in pyspark; on duckdb only mode='any' with"):
            j.funnel(rel, ["web", "shop"], **kw)
    got = j.funnel(rel, ["shop", "web"], mode="any")
    assert got["n_customers"].to_list() == [3, 3]
