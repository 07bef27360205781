"""transitions on an engine at scale (issue 15): one window pass, then only group-bys that an
engine spills; the median and p95 gaps from a histogram of gaps ranked in the engine.

The figures are polars' own (``quantile(q, "linear")``; its sorted-key path in
``cxkit/journey/_edges.py``): equal counts, and gaps to 1e-9.
"""

from __future__ import annotations

import datetime as dt

import narwhals.stable.v2 as nw
import numpy as np
import polars as pl
import pytest
from _engines import duckdb_rel
from polars.testing import assert_frame_equal

import cxkit as cx

pytestmark = pytest.mark.filterwarnings("ignore::cxkit.CxDataWarning")

COLS = ["customer_id", "timestamp", "touchpoint"]
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _log(n_customers: int, seed: int, *, unit_us: int) -> pl.DataFrame:
    """Random journeys, times rounded to ``unit_us`` microseconds, one event per time."""
    rng = np.random.default_rng(seed)
    steps = rng.integers(1, 12, n_customers)
    cust = np.repeat(np.arange(n_customers), steps)
    gaps = rng.integers(1, 600, cust.size) * unit_us  # ≥ one unit: no ties in time
    start = rng.integers(0, 10**6, n_customers)[cust] * unit_us
    first = np.r_[True, cust[1:] != cust[:-1]]
    run = np.cumsum(np.where(first, 0, gaps))
    base = np.maximum.accumulate(np.where(first, run, 0))
    touch = np.array(["web", "app", "call", "chat", "shop"])[rng.integers(0, 5, cust.size)]
    times = pl.Series(start + run - base).cast(pl.Datetime("us", "UTC"))
    return pl.DataFrame(
        {"customer_id": [f"c{c:05d}" for c in cust], "timestamp": times, "touchpoint": touch}
    ).with_columns(pl.col("timestamp") + (T0 - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)))


def _same(ev: pl.DataFrame, **kw) -> pl.DataFrame:
    ev = ev.sort("customer_id", "timestamp", "touchpoint")
    got = cx.journey.transitions(duckdb_rel(ev), **kw)
    assert_frame_equal(cx.journey.transitions(ev, **kw), got, rel_tol=1e-9, check_exact=False)
    return got


def test_rounded_times_give_a_small_histogram_and_polars_quantiles():
    """Times in whole minutes: few distinct gaps per edge, so the histogram's values hold
    many ranks each, the ranks next to q·(n − 1) inside and across them."""
    ev = _log(2000, 1, unit_us=60_000_000)
    got = _same(ev)
    assert got.height > 20 and got["p95_time"].drop_nulls().n_unique() > 5
    _same(ev, collapse_repeats=True)


def test_distinct_gaps_to_the_microsecond_are_exact_too():
    """Unrounded gaps (every value once in the histogram) and durations truncated to whole
    microseconds as polars does."""
    ev = _log(1500, 2, unit_us=1).with_columns(
        pl.col("timestamp") + pl.duration(microseconds=pl.int_range(pl.len()) * 7919 % 1000)
    )
    _same(ev.unique(["customer_id", "timestamp"], keep="first"))


@pytest.mark.parametrize("n", [1, 2, 3, 20, 21, 41, 101])
def test_numeric_times_give_polars_linear_quantiles(n):
    """Plain numbers as times (fractional gaps, summarised as Float64): each edge's median and
    p95 equal ``polars.Expr.quantile(q, "linear")`` of its gaps, for counts where the rank
    0.95·(n − 1) is whole (21, 41, 101) and where it is not, with repeated gaps."""
    rng = np.random.default_rng(n)
    gaps = np.round(rng.gamma(1.5, 2.0, n), 1)  # one decimal: repeats
    times = np.r_[0.0, np.cumsum(gaps)]
    ev = pl.DataFrame(
        {"customer_id": ["a"] * (n + 1), "timestamp": times, "touchpoint": ["x"] * (n + 1)}
    )
    got = _same(ev)
    edge = got.filter((pl.col("source") == "x") & (pl.col("target") == "x"))
    diffs = ev["timestamp"].diff().drop_nulls()
    assert edge["median_time"].item() == pytest.approx(diffs.quantile(0.5, "linear"), rel=1e-12)
    assert edge["p95_time"].item() == pytest.approx(diffs.quantile(0.95, "linear"), rel=1e-12)


def test_the_engine_runs_no_distinct_count_or_quantile_aggregate(monkeypatch):
    """Per-group distinct counts and quantiles are held in memory by DuckDB (100M events ran
    out of a 4 GB limit with them); only group-bys and one window per query remain."""
    queries: list[str] = []
    collect = nw.LazyFrame.collect

    def spy(self, *args, **kwargs):
        queries.append(self.to_native().sql_query().lower())
        return collect(self, *args, **kwargs)

    monkeypatch.setattr(nw.LazyFrame, "collect", spy)
    ev = _log(300, 3, unit_us=1_000_000).sort("customer_id", "timestamp", "touchpoint")
    cx.journey.transitions(duckdb_rel(ev.select(COLS)))
    assert len(queries) >= 3
    for sql in queries:
        assert "quantile" not in sql and "count(distinct" not in sql, sql
        assert "percentile" not in sql and "median" not in sql, sql
