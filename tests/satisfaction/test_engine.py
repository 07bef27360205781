"""Satisfaction pushed down to DuckDB and Spark equals the polars path (issue 15).

Reference: the polars path itself (cxkit.metrics.summarize on the same rows), whose formulas are
checked against R / statsmodels in test_scoring.py, test_comparisons.py and test_trends.py.
Counts must match exactly; statistics to 1e-9 (the engine sums in another order).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import polars as pl
import pytest
from _engines import ENGINES, duckdb_rel, to_engine
from polars.testing import assert_frame_equal

from cxkit.errors import CxDataError
from cxkit.sample import survey as sv
from cxkit.satisfaction import (
    _engine,
    compare,
    drivers,
    missing_report,
    nps_breakdown,
    scores,
    to_binary,
    trend,
)

AIRLINE = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "airline_satisfaction.csv"
same = partial(assert_frame_equal, check_exact=False, rel_tol=1e-9, abs_tol=1e-12)
COUNTS = ("n",)


def _equal(got: pl.DataFrame, want: pl.DataFrame) -> None:
    same(got, want)
    for c in COUNTS:  # counts exactly
        if c in want.columns:
            assert got[c].to_list() == want[c].to_list()


@pytest.fixture(scope="module")
def small(survey) -> pl.DataFrame:
    """1,200 sample respondents, with a few missing and not-applicable (0) answers."""
    df = survey.head(1200)
    return df.with_columns(
        pl.when(pl.int_range(pl.len()) % 17 == 0).then(None).otherwise(pl.col("web")).alias("web"),
        pl.when(pl.int_range(pl.len()) % 23 == 0).then(0).otherwise(pl.col("ivr")).alias("ivr"),
    )


@pytest.fixture(scope="module")
def airline() -> pl.DataFrame:
    raw = pl.read_csv(AIRLINE)
    return to_binary(raw, "satisfaction", "satisfied").with_columns(
        (1 + (pl.col("Age") % 5) / 4).alias("w")  # a made-up weight between 1 and 2
    )


RATINGS = ["Online boarding", "Inflight wifi service", "Seat comfort"]
CASES = {
    "csat by segment": lambda d: scores(d, "csat", by="segment"),
    "items weighted mean by two": lambda d: scores(
        d,
        ["web", "ivr", "delivery"],
        metric="mean",
        by=["segment", "period"],
        weight="weight",
        na_codes=[0],
    ),
    "nps weighted": lambda d: scores(d, "nps", metric="nps", weight="weight"),
    "ces net": lambda d: scores(d, "ces", metric="ces", ces="net", by="period", min_base=10),
    "compare previous items": lambda d: compare(d, ["csat", "web"], by="period"),
    "compare total weighted": lambda d: compare(
        d, "csat", by="segment", reference="total", weight="weight"
    ),
    "compare benchmark mean": lambda d: compare(d, "ces", by="segment", metric="mean", reference=4),
    "trend p-chart": lambda d: trend(d, "delivery", period="period", min_base=10),
    "trend mean by weighted": lambda d: trend(
        d, "csat", period="period", by="segment", metric="mean", weight="weight", min_base=10
    ),
    "trend nps baseline": lambda d: trend(
        d, "nps", period="period", metric="nps", baseline=["2025-07", "2025-08"], min_base=10
    ),
}


#: the cases run on Spark too (each Spark query costs about a second on 2 cores)
ON_SPARK = ("compare total weighted", "trend mean by weighted", "trend nps baseline")


@pytest.mark.parametrize("engine", ENGINES)
def test_sample_survey_equals_polars(small, engine):
    data = to_engine(small, engine)
    for name, run in CASES.items():
        if engine == "spark" and name not in ON_SPARK:
            continue
        want = run(small)
        assert want.height > 0, name
        _equal(run(data), want)


@pytest.mark.parametrize("engine", ENGINES)
def test_airline_equals_polars(airline, engine):
    used = ["satisfaction", "Class", "w", "Type of Travel", "Gender", *RATINGS]
    data = to_engine(airline.select(used), engine)
    runs = [
        lambda d: scores(d, "satisfaction", metric="proportion", by="Class", weight="w"),
        lambda d: scores(d, RATINGS, by="Type of Travel", na_codes=[0]),
        lambda d: compare(d, RATINGS, by="Class", reference="total", na_codes=[0], weight="w"),
        lambda d: trend(
            d, "Online boarding", period="Class", by="Gender", metric="mean", na_codes=[0]
        ),
    ]
    for run in runs[:1] if engine == "spark" else runs:
        _equal(run(data), run(airline))
    # published: 43.9 % of the 25,976 respondents are satisfied (datasets README)
    share = scores(data, "satisfaction", metric="proportion").row(0, named=True)
    assert share["n"] == 25_976 and round(share["estimate"], 3) == 0.439


def test_only_small_aggregates_leave_the_engine(small, monkeypatch):
    """Every frame collected from the engine is an aggregate (a few rows), never the survey."""
    sizes: list[int] = []
    real = _engine.collect

    def spy(frame):
        out = real(frame)
        sizes.append(out.height)
        return out

    monkeypatch.setattr(_engine, "collect", spy)
    data = duckdb_rel(small)
    for run in CASES.values():
        run(data)
    assert sizes and max(sizes) <= 6 * 3  # at most period × segment cells
    sizes.clear()
    with pytest.raises(CxDataError) as info:  # examples of a broken rule: at most 5 rows
        scores(data, "nps", metric="csat")
    assert info.value.n_rows > 0 and len(info.value.examples) == 5
    assert max(sizes) <= 5


def test_drivers_collect_the_survey_up_to_a_limit(small):
    data = duckdb_rel(small)
    drv = list(sv.BEHAVIOURS)
    want = drivers(small, "agent_call", drv, n_boot=0)
    got = drivers(data, "agent_call", drv, n_boot=0)
    same(got.select("driver", "importance", "n"), want.select("driver", "importance", "n"))
    with pytest.raises(CxDataError) as info:
        drivers(data, "agent_call", drv, n_boot=0, collect_limit=1000)
    err = info.value
    assert err.n_rows == 1200 and "collect_limit=None" in err.hint
    assert "1,200 rows" in str(err) and "duckdb" in str(err)
    asked = drivers(data, "agent_call", drv, n_boot=0, collect_limit=None)
    assert asked["n"][0] == want["n"][0]


def test_engine_errors_name_the_column(small):
    data = duckdb_rel(small)
    with pytest.raises(CxDataError) as info:
        scores(data, "no_such_column")
    assert info.value.column == "no_such_column"
    with pytest.raises(CxDataError) as info:
        scores(data, "segment")
    assert "numeric" in str(info.value)
    neg = duckdb_rel(small.with_columns(pl.col("weight") - 2))
    with pytest.raises(CxDataError) as info:
        scores(neg, "csat", weight="weight")
    assert info.value.rule == "weights >= 0" and 0 < len(info.value.examples) <= 5


def test_missing_report_collects_and_nps_breakdown_refuses(small):
    data = duckdb_rel(small)
    args = (["web", "ivr"],)
    kw = dict(outcome="csat", na_codes=[0])
    assert_frame_equal(missing_report(data, *args, **kw), missing_report(small, *args, **kw))
    with pytest.raises(CxDataError) as info:
        nps_breakdown(data)
    assert "scores" in info.value.hint
