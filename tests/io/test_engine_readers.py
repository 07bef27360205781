"""read_customers, read_survey and read_experiment on engine frames: the polars readers' rows and
rules, validated in the engine (one aggregate query), an engine frame back."""

from __future__ import annotations

import narwhals.stable.v2 as nw
import polars as pl
import pytest
from _engines import ENGINES, to_engine

import cxkit as cx
from cxkit import CxDataError, CxDataWarning
from cxkit.sample import make_customers, make_events, make_experiment, make_survey


def rows(frame) -> pl.DataFrame:
    return nw.from_native(frame).collect("polars").to_native()


def same(engine_out, polars_out: pl.LazyFrame, by: list[str]) -> None:
    got, ref = rows(engine_out), polars_out.collect()
    assert got.schema == ref.schema
    assert got.sort(by).equals(ref.sort(by))


def problems(report) -> list[tuple[str, str, int]]:
    return sorted((p.level, p.rule, p.n_rows) for p in report.problems)


@pytest.fixture(scope="module")
def customers() -> pl.DataFrame:
    cu = make_customers(make_events(300, seed=3), seed=3)
    # as an export has them: booleans as text, NPS as text
    return cu.with_columns(
        pl.col("churned").cast(pl.String).str.to_uppercase(), pl.col("nps").cast(pl.String)
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_customers_equal_the_polars_reader(engine, customers):
    same(
        cx.read_customers(to_engine(customers, engine)),
        cx.read_customers(customers),
        ["customer_id"],
    )


def test_customer_rules_count_as_in_polars():
    bad = pl.DataFrame(
        {
            "id": ["a", "a", None, "c", "d"],
            "churned": ["yes", "no", "maybe", "1", "0"],
            "nps": ["10", "11", "x", None, "3"],
        }
    )
    ref = cx.validate(bad, kind="customers", customer="id")
    got = cx.validate(to_engine(bad, "duckdb"), kind="customers", customer="id")
    assert problems(got) == problems(ref)
    assert {p.rule for p in got.problems} == {
        "every row needs a customer id",
        "customer ids are unique",
        "boolean outcomes are true/false, yes/no or 1/0",
        "ratings must be numbers",
        "values must lie on the declared scale 0–10",
    }


@pytest.mark.parametrize("engine", ENGINES)
def test_survey_equals_the_polars_reader(engine):
    survey = make_survey(600, seed=5)
    opts = dict(scale={"csat": (1, 5), "nps": (0, 10)}, respondent="response_id")
    same(
        cx.read_survey(to_engine(survey, engine), **opts),
        cx.read_survey(survey, **opts),
        ["response_id"],
    )


def test_survey_rules_and_weight_warning_as_in_polars():
    bad = pl.DataFrame(
        {
            "rid": ["r1", "r1", "r3", "r4"],
            "wifi": [0, 4, 6, 5],
            "food": ["3", "n/a", "2", "1"],
            "weight": [1.0, -1.0, None, 2.0],
        }
    )
    opts = dict(ratings=["wifi", "food"], na_codes=[0], respondent="rid", weight="weight")
    assert problems(cx.validate(to_engine(bad, "duckdb"), kind="survey", **opts)) == problems(
        cx.validate(bad, kind="survey", **opts)
    )
    with pytest.warns(CxDataWarning, match="'weight' column, but weight= was not given"):
        cx.read_survey(to_engine(bad.drop("food"), "duckdb"), ratings=["wifi"], scale=(0, 6))


@pytest.mark.parametrize("engine", ENGINES)
def test_experiment_equals_the_polars_reader(engine):
    units = make_experiment(800, n_agents=8, seed=2)
    got = cx.read_experiment(to_engine(units, engine), cluster="agent_id")
    same(got, cx.read_experiment(units, cluster="agent_id"), ["unit_id"])


def test_experiment_rules_as_in_polars():
    bad = pl.DataFrame({"unit_id": ["1", "1", "3", None], "arm": ["a", "a", "b", "a"]})
    ref = cx.validate(bad, kind="experiment")
    got = cx.validate(to_engine(bad, "duckdb"), kind="experiment")
    assert problems(got) == problems(ref)
    assert "each arm needs at least 2 units" in {p.rule for p in got.problems}
    assert got.summary == {"n_units": 4, "arms": {"a": 3, "b": 1}}
    with pytest.raises(CxDataError, match="unit ids"):
        cx.read_experiment(to_engine(bad.drop_nulls(), "duckdb").filter("arm = 'a'"))
