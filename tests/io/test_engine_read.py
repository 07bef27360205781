"""read_events on engine frames (DuckDB, Spark): the same rows and the same rules as polars.

Each engine read is compared with the polars reader on the same data: the canonical rows
(collected here, in the test — the library never collects rows from an engine), every rule's
level and count, and ≤ 5 examples. A spy on the engine's ``collect`` proves that clean input
costs one aggregate query and a failing rule one more.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import narwhals.stable.v2 as nw
import polars as pl
import pytest
from _engines import ENGINES, to_engine

import cxkit as cx
from cxkit import CxDataError, CxDataWarning
from cxkit.io import _engine_checks
from cxkit.sample import make_events

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
KEY = ["customer_id", "timestamp", "touchpoint"]


def rows(frame) -> pl.DataFrame:
    """An engine frame's rows in polars (test only), timestamps in UTC."""
    df = nw.from_native(frame).collect("polars").to_native()
    if "timestamp" in df.columns:
        df = df.with_columns(pl.col("timestamp").dt.convert_time_zone("UTC"))
    return df


def same_rows(engine_out, polars_out: pl.LazyFrame, by: list[str]) -> None:
    got = rows(engine_out)
    ref = polars_out.collect()
    assert got.columns == ref.columns
    assert got.schema == ref.schema
    assert got.sort(by, nulls_last=True).equals(ref.sort(by, nulls_last=True))


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CxDataWarning)
        return fn(*args, **kw)


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    """The sample log (cxkit.sample), times as text as a raw export has them, an event id."""
    ev = make_events(400, seed=7)
    return ev.with_columns(
        pl.col("timestamp").dt.strftime("%Y-%m-%d %H:%M:%S%.6f"),
        event_id=pl.int_range(pl.len(), dtype=pl.Int64).reverse(),
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_sample_events_equal_the_polars_reader(engine, sample):
    opts = dict(score="score", scale=(1, 5), order_by="event_id")
    out = cx.read_events(to_engine(sample, engine), **opts)
    assert type(out) is type(to_engine(sample.head(1), engine))  # the same native type back
    same_rows(out, cx.read_events(sample, **opts), [*KEY, "event_order"])


@pytest.mark.parametrize("engine", ENGINES)
def test_helpdesk_text_times_with_a_format_equal_polars(engine):
    raw = pl.read_csv(DATASETS / "helpdesk.csv", infer_schema=False).select(
        "Case ID", "Activity", "Resource", "Complete Timestamp"
    )
    opts = dict(
        customer="Case ID",
        time="Complete Timestamp",
        touchpoint="Activity",
        time_format="%Y/%m/%d %H:%M:%S%.f",
    )
    with pytest.warns(CxDataWarning, match=r"repeat\. \[\d+ rows\]") as got_warn:
        out = cx.read_events(to_engine(raw, engine), **opts)
    ref = quiet(cx.read_events, raw, **opts)
    same_rows(out, ref, [*KEY, "Resource"])
    # the copies counted as the polars reader counts them (127 in the published log)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CxDataWarning)
        cx.read_events(raw, **opts)

    def copies(ws) -> list[str]:
        return [str(w.message).rsplit("[", 1)[1] for w in ws if "repeat" in str(w.message)]

    assert copies(got_warn.list) == copies(caught) == ["127 rows]"]
    assert ref.select(pl.len()).collect().item() == 21_348


@pytest.mark.parametrize("engine", ENGINES)
def test_receipt_offsets_become_the_same_utc_instants(engine):
    raw = pl.read_csv(DATASETS / "receipt.csv", infer_schema=False).select(
        "case:concept:name", "concept:name", "time:timestamp", "org:resource"
    )
    opts = dict(customer="case:concept:name", time="time:timestamp", touchpoint="concept:name")
    out = cx.read_events(to_engine(raw, engine), **opts)
    same_rows(out, cx.read_events(raw, **opts), [*KEY, "org:resource"])


BAD = pl.DataFrame(
    {
        "customer_id": ["a", "a", None, "b", " ", "c", "c", "c", "d"],
        "timestamp": [
            "2024-01-01 10:00:00",
            "2024-01-01 10:00:00",
            "2024-01-02 10:00:00",
            "not a time",
            "2024-01-03 09:00:00",
            None,
            "2024-01-04 10:00:00",
            "2024-01-05 10:00:00",
            "2024-01-06 10:00:00",
        ],
        "touchpoint": ["web", "web", "call", "shop", "", "web", "chat", None, "web"],
        "score": [1, 1, 9, 2, 3, None, 0, 4, 5],
        "event_id": [1, 1, 2, 3, 4, 5, None, 7, 8],
    }
)


def problems(report: cx.ReadReport) -> list[tuple[str, str, int]]:
    return sorted((p.level, p.rule, p.n_rows) for p in report.problems)


@pytest.mark.parametrize("engine", ENGINES)
def test_every_rule_counts_as_in_polars_with_at_most_five_examples(engine):
    opts = dict(score="score", scale=(1, 5), order_by="event_id")
    ref = cx.validate(BAD, kind="events", **opts)
    got = cx.validate(to_engine(BAD, engine), kind="events", **opts)
    assert problems(got) == problems(ref)
    assert {p.rule for p in got.problems} >= {
        "every row needs a customer id",
        "every row needs a touchpoint",
        "every timestamp must parse as a date-time",
        "every event needs a timestamp",
        "values must lie on the declared scale 1–5",
        "every row needs a tie-breaker (order_by)",
        "exact events (every column equal) are unique",
    }
    for p in got.problems:
        if p.level != "info":
            assert 1 <= len(p.examples) <= 5
            if "unique" not in p.rule:  # (duplicates: every copy is shown, the first too)
                assert len(p.examples) == min(p.n_rows, 5)
    bad_scores = next(p for p in got.problems if p.rule.startswith("values must lie"))
    assert sorted(e["score"] for e in bad_scores.examples) == [0, 9]
    assert got.n_rows == ref.n_rows == 9 and not got.ok


@pytest.mark.parametrize("engine", ENGINES)
def test_read_events_raises_the_polars_error(engine):
    with pytest.raises(CxDataError) as ref:
        quiet(cx.read_events, BAD)
    with pytest.raises(CxDataError) as got:
        quiet(cx.read_events, to_engine(BAD, engine))
    assert (
        (got.value.rule, got.value.column, got.value.n_rows)
        == (
            ref.value.rule,
            ref.value.column,
            ref.value.n_rows,
        )
        == ("every row needs a customer id", "customer_id", 2)
    )
    assert 1 <= len(got.value.examples) <= 5 and got.value.source in str(got.value)


def test_text_time_rules_mixing_offsets_and_day_month_order():
    mixed = pl.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c"],
            "timestamp": ["2024-01-01 10:00+01:00", "2024-01-01 10:00", "01/02/2024", "x"],
            "touchpoint": ["w", "w", "w", "w"],
        }
    )
    ref = cx.validate(mixed, kind="events")
    got = cx.validate(to_engine(mixed, "duckdb"), kind="events")
    assert problems(got) == problems(ref)
    assert "a timestamp column must not mix offset-aware and naive values" in {
        p.rule for p in got.problems
    }


def test_a_missing_column_names_close_matches_as_polars():
    frame = pl.DataFrame({"customer": ["a"], "timestamp": ["2024-01-01"], "touchpoint": ["w"]})
    with pytest.raises(CxDataError) as ref:
        cx.read_events(frame, customer="custome_id")
    with pytest.raises(CxDataError) as got:
        cx.read_events(to_engine(frame, "duckdb"), customer="custome_id")
    assert got.value.rule == ref.value.rule and got.value.examples == ref.value.examples


@pytest.fixture
def queries(monkeypatch) -> list[int]:
    """Counts the queries the engine rule runner sends (each a ``collect``)."""
    calls: list[int] = []
    real = _engine_checks.collect

    def spy(frame):
        out = real(frame)
        calls.append(out.height)
        return out

    monkeypatch.setattr(_engine_checks, "collect", spy)
    return calls


@pytest.mark.parametrize("engine", ENGINES)
def test_clean_input_is_one_aggregate_query_and_an_error_one_more(engine, sample, queries):
    cx.read_events(to_engine(sample, engine), score="score", scale=(1, 5))
    assert queries == [1]  # one query, one row back: every rule's count
    queries.clear()
    with pytest.raises(CxDataError):
        cx.read_events(to_engine(BAD, engine), score="score", scale=(1, 5))
    assert queries == [1, 2]  # then the examples of the first failing rule (≤ 5 rows)


def test_order_by_breaks_ties_the_same_way_on_both_paths():
    tied = pl.DataFrame(
        {
            "customer_id": ["a"] * 4 + ["b"] * 3,
            "timestamp": ["2024-01-01 10:00:00"] * 3 + ["2024-01-01 09:00:00"] + ["2024-02-01"] * 3,
            "touchpoint": ["web", "call", "shop", "ivr", "z", "y", "x"],
            "seq": [3, 1, 2, 9, 2, 3, 1],
        }
    )
    ref = cx.read_events(tied, order_by="seq").collect()
    assert ref["touchpoint"].to_list() == ["ivr", "call", "shop", "web", "x", "z", "y"]
    assert ref["event_order"].to_list() == [9, 1, 2, 3, 1, 2, 3]
    got = rows(cx.read_events(to_engine(tied, "duckdb"), order_by="seq"))
    assert got.sort(["customer_id", "timestamp", "event_order"]).equals(ref)


def test_engine_frames_in_narwhals_stay_narwhals(sample):
    lazy = nw.from_native(to_engine(sample, "duckdb"))
    out = cx.read_events(lazy)
    assert isinstance(out, nw.LazyFrame) and out.collect_schema().names()[:3] == KEY


ISO = pl.DataFrame(
    {
        "customer_id": ["a", "a", "a", "a", "b"],
        "timestamp": [
            "2024-03-31 01:30:00",
            "2024-03-31T03:30:00.123",
            "2024-03-31 10:00:00Z",
            "2024-03-31 10:00:00+02:00",
            " 2024-10-27 02:30:00 ",
        ],
        "touchpoint": ["w", "x", "y", "z", "w"],
    }
)


@pytest.mark.parametrize("engine", ENGINES)
def test_iso_text_offsets_and_a_zone_give_the_polars_instants(engine):
    text = cx.read_events(to_engine(ISO, engine), tz="Europe/Amsterdam")
    same_rows(text, cx.read_events(ISO, tz="Europe/Amsterdam"), KEY)


@pytest.mark.parametrize("engine", ENGINES)
def test_naive_timestamp_columns_are_taken_in_tz(engine):
    # 2024-11-03 01:30 happens twice in New York: the earlier instant (EDT), as polars
    naive = pl.DataFrame(
        {
            "customer_id": ["a", "a"],
            "timestamp": [dt.datetime(2024, 11, 3, 1, 30), dt.datetime(2024, 3, 31, 3, 30)],
            "touchpoint": ["w", "x"],
        }
    )
    out = cx.read_events(to_engine(naive, engine), tz="America/New_York")
    same_rows(out, cx.read_events(naive, tz="America/New_York"), KEY)
    # 2024-03-10 02:30 does not exist there: unparseable on both paths
    gap = naive.with_columns(pl.lit(dt.datetime(2024, 3, 10, 2, 30)).alias("timestamp"))
    opts = dict(kind="events", tz="America/New_York")
    assert (
        problems(cx.validate(to_engine(gap, engine), **opts))
        == problems(cx.validate(gap, **opts))
        == [("error", "every timestamp must parse as a date-time", 2)]
    )


def test_drop_duplicates_removes_the_same_rows_as_polars():
    dup = (
        pl.concat([ISO, ISO.head(2)])
        .with_columns(score=pl.lit(3))
        .filter(~pl.col("timestamp").str.contains("[Z+]"))
    )
    with pytest.warns(CxDataWarning, match=r"repeat\. \[2 rows\]"):
        cx.read_events(to_engine(dup, "duckdb"))
    opts = dict(drop_duplicates=True, score="score")
    out = cx.read_events(to_engine(dup, "duckdb"), **opts)
    same_rows(out, cx.read_events(dup, **opts), KEY)
    assert rows(out).height == dup.height - 2 == 3


def test_polars_order_by_output_stays_in_the_sorted_events_registry():
    from cxkit.io import is_sorted_events, unordered_plan

    frame = cx.read_events(ISO.with_columns(seq=pl.int_range(5)), order_by="seq", tz="UTC")
    assert is_sorted_events(frame) and unordered_plan(frame) is not None
    assert frame.collect()["event_order"].to_list() == [0, 1, 3, 2, 4]  # 10:00+02 < 10:00Z
