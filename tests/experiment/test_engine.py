"""Experiments pushed down to DuckDB and Spark equal the polars path (issue 15).

Reference: the polars path itself (the same wide aggregate, then from_aggregates), whose
numbers are checked against R / statsmodels / scipy in test_analysis.py and test_inference.py.
Counts must match exactly; statistics to 1e-9 (the engine sums in another order).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import polars as pl
import pytest
from _engines import ENGINES, duckdb_rel, to_engine
from polars.testing import assert_frame_equal

import cxkit as cx
from cxkit import experiment as ex
from cxkit.errors import CxDataError
from cxkit.experiment import _engine
from cxkit.sample.experiment import make_experiment

COOKIE = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "cookie_cats.csv"
same = partial(assert_frame_equal, check_exact=False, rel_tol=1e-9, abs_tol=1e-12)
COUNTS = ("n", "n_units", "n_responded", "n_control", "n_treatment", "n_clusters")


def _equal(got: pl.DataFrame | None, want: pl.DataFrame | None) -> None:
    if want is None:
        assert got is None
        return
    same(got, want)
    for c in COUNTS:  # counts exactly
        if c in want.columns:
            assert got[c].to_list() == want[c].to_list(), c


def _same_analysis(got, want) -> None:
    for part in ("checks", "effects", "details", "srm", "response", "segments"):
        _equal(getattr(got, part), getattr(want, part))


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    return make_experiment()


@pytest.fixture(scope="module")
def cookie() -> pl.DataFrame:
    return cx.read_experiment(COOKIE, unit="userid", arm="version").collect()


RATIO = ex.Metric("orders", kind="mean", denominator="contacts")
CASES = {
    "every kind": dict(
        control="control",
        metrics={
            "resolved": "proportion",
            "handle_time": "mean",
            "nps": "nps",
            "csat": "ordinal",
            "orders": RATIO,
        },
    ),
    "cuped by two": dict(
        control="control",
        metrics={"handle_time": "mean", "repeat_contact": "proportion"},
        covariates={"handle_time": "pre_handle_time"},
        by=["channel", "week"],
        guardrails={"repeat_contact": 0.02},
    ),
    "clusters cr2 cuped": dict(
        control="control",
        metrics={"handle_time": "mean", "resolved": "proportion"},
        covariates={"handle_time": "pre_handle_time"},
        cluster="agent_id",
        inference="cr2",
    ),
}


@pytest.mark.parametrize("engine", ENGINES)
def test_sample_experiment_equals_polars(sample, engine):
    data = to_engine(sample, engine)
    for name, kw in CASES.items():
        if engine == "spark" and name == "every kind":
            continue  # the ordinal counts cost a second query; DuckDB covers it
        _same_analysis(ex.analyze(data, **kw), ex.analyze(sample, **kw))
    kw = dict(
        metrics={"handle_time": "mean"},
        covariates={"handle_time": "pre_handle_time"},
        cluster="agent_id",
        by="channel",
    )
    _equal(ex.aggregate(data, **kw), ex.aggregate(sample, **kw))
    if engine == "duckdb":
        _equal(ex.srm(data), ex.srm(sample))
        _equal(ex.response_balance(data), ex.response_balance(sample))


@pytest.mark.parametrize("engine", ENGINES)
def test_cookie_cats_equals_polars(cookie, engine):
    data = to_engine(cookie, engine)
    kw = dict(
        control="gate_30",
        metrics={
            "retention_1": "proportion",
            "retention_7": "proportion",
            "sum_gamerounds": "mean",
        },
        correction="none",
    )
    got = ex.analyze(data, **kw)
    _same_analysis(got, ex.analyze(cookie, **kw))
    # published: n = 44,700 vs 45,489; 7-day retention 19.02 % vs 18.20 %, p ≈ 0.0016
    r7 = got.effects.filter(pl.col("metric") == "retention_7").row(0, named=True)
    assert (r7["n_control"], r7["n_treatment"]) == (44_700, 45_489)
    assert r7["p_value"] == pytest.approx(0.0016, abs=5e-5)
    _equal(ex.srm(data, method="binomial"), ex.srm(cookie, method="binomial"))


@pytest.mark.filterwarnings("ignore::cxkit.errors.CxDataWarning")  # few clusters: expected
def test_clusters_with_strata_and_randomisation(clusters10):
    """The randomisation test of a clustered design runs on per-cluster sums from the engine."""
    df = clusters10.with_columns(
        pl.when(pl.col("cluster") < "agent_06")
        .then(pl.lit("s1"))
        .otherwise(pl.lit("s2"))
        .alias("stratum")
    )
    kw = dict(
        control="control",
        metrics={
            "y": "mean",
            "resolved": "proportion",
            "orders": ex.Metric("orders", kind="mean", denominator="contacts"),
        },
        cluster="cluster",
        covariates={"y": "pre_y"},
        strata="stratum",
    )
    _same_analysis(ex.analyze(duckdb_rel(df), **kw), ex.analyze(df, **kw))


def test_only_small_aggregates_leave_the_engine(sample, monkeypatch):
    """Every frame collected from the engine is an aggregate (cells), never the units."""
    sizes: list[int] = []
    real = _engine.collect

    def spy(frame):
        out = real(frame)
        sizes.append(out.height)
        return out

    monkeypatch.setattr(_engine, "collect", spy)
    data = duckdb_rel(sample)
    for kw in CASES.values():
        ex.analyze(data, **kw)
    ex.srm(data)
    ex.response_balance(data)
    cells = sample.select("agent_id", "arm").unique().height
    assert sizes and max(sizes) <= max(cells, 2 * 4 * 5 * 11)  # arm × segment × categories
    assert max(sizes) < sample.height / 20


def test_unit_level_metrics_are_refused_with_the_kinds_that_run(sample):
    data = duckdb_rel(sample)
    with pytest.raises(CxDataError) as info:
        ex.analyze(
            data, control="control", metrics={"handle_time": "quantile", "resolved": "proportion"}
        )
    err = info.value
    assert "handle_time" in str(err) and "quantile" in str(err)
    assert all(k in err.rule for k in _engine.ENGINE_KINDS)
    with pytest.raises(CxDataError) as info:
        ex.analyze(data, control="control", metrics={"nope": "mean"})
    assert info.value.column == "nope"
    with pytest.raises(CxDataError, match="cluster"):
        ex.analyze(
            duckdb_rel(sample.rename({"agent_id": "cluster"})),
            control="control",
            metrics={"handle_time": "mean"},
        )
