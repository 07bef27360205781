"""cxkit.io.engines: telling engine frames apart, and open_table (what a notebook parameter names)."""

from __future__ import annotations

import duckdb
import pandas as pd
import polars as pl
import pytest
from _engines import spark_session

import cxkit as cx
from cxkit import CxDataError
from cxkit.io.engines import engine_name, is_engine, open_table


@pytest.fixture(scope="module")
def cx_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("duck") / "cx.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table events as select * from (values ('a', timestamp '2024-01-01 10:00', "
            "'web'), ('a', timestamp '2024-01-01 11:00', 'call'), ('b', timestamp "
            "'2024-01-02 09:00', 'web')) t(customer_id, timestamp, touchpoint)"
        )
    return str(path)


def test_in_memory_frames_are_not_engines_even_with_repeated_columns():
    repeated = pd.DataFrame([[1, 2]], columns=["a", "a"])
    assert not is_engine(repeated) and not is_engine(pl.DataFrame({"a": [1]}))
    assert (
        is_engine(duckdb.sql("select 1 as a")) and engine_name(duckdb.sql("select 1")) == "duckdb"
    )


def test_open_table_duckdb_table_and_query_read_only(cx_file):
    rel = open_table(f"duckdb:{cx_file}#events")
    assert rel.columns == ["customer_id", "timestamp", "touchpoint"]
    assert open_table(f"duckdb:{cx_file}#select count(*) as n from events").fetchall() == [(3,)]
    with pytest.raises(duckdb.Error, match="read-only"):
        rel.query("events", "create table x as select 1").fetchall()
    out = cx.read_events(open_table(f"duckdb:{cx_file}#events"))
    assert out.aggregate("count(distinct customer_id) as n").fetchall() == [(2,)]


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("events.csv", "Cannot tell which engine"),
        ("postgres:events", "Unknown engine 'postgres'"),
        ("duckdb:/nowhere/cx.duckdb#events", "does not exist"),
        ("duckdb:/nowhere/cx.duckdb", "names no table"),
    ],
)
def test_open_table_refuses_anything_else_with_the_fix(source, words):
    with pytest.raises(CxDataError, match=words) as err:
        open_table(source)
    assert "duckdb:<path to .duckdb file>#" in err.value.hint or "duckdb:" in str(err.value)


def test_open_table_unknown_duckdb_table_is_a_clear_error(cx_file):
    with pytest.raises(
        CxDataError, match=r"could not open '.*#evnts'.*evnts does not exist"
    ) as err:
        open_table(f"duckdb:{cx_file}#evnts")
    assert err.value.rule == "the named table or query exists"


@pytest.mark.spark
def test_open_table_spark_table_and_query():
    spark = spark_session()
    spark.createDataFrame([("a", "web")], ["customer_id", "touchpoint"]).createOrReplaceTempView(
        "cx_open_table_events"
    )
    df = open_table("spark:cx_open_table_events")
    assert df.columns == ["customer_id", "touchpoint"]  # no Spark job: the schema only
    query = open_table("spark: SELECT touchpoint FROM cx_open_table_events")
    assert query.columns == ["touchpoint"]
    with pytest.raises(CxDataError, match="could not open"):
        open_table("spark:no_such_table_here")
