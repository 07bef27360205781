"""Real engines for the push-down tests: embedded DuckDB and PySpark in local mode.

* :func:`duckdb_rel` — a polars frame as a DuckDB relation (each call its own connection).
* :func:`spark_df` — a polars frame as a Spark DataFrame in the one local session of this test
  process (``local[2]``, UTC, two shuffle partitions, no UI).
* :data:`ENGINES` — ``["duckdb", "spark"]``, for ``@pytest.mark.parametrize("engine", ENGINES)``;
  :func:`to_engine` turns a polars frame into either.

Spark needs Java 17+. Without Java (or pyspark) the Spark tests skip with a message; with
``CXKIT_REQUIRE_SPARK=1`` (as ``.ci/run`` sets) they fail instead. Tests that use Spark carry
the ``spark`` marker, which ``tests/conftest.py`` sends to one xdist worker, so the whole run
starts one Spark session.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import warnings

import polars as pl
import pytest

ENGINES = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]


def _java_problem() -> str | None:
    java = shutil.which("java")
    if java is None:
        return "no `java` on PATH (Spark 4 needs Java 17+: apt-get install openjdk-17-jre-headless)"
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    try:
        major = int(out.split('"')[1].split(".")[0])
    except (IndexError, ValueError):
        return f"cannot read the Java version from {out[:80]!r}"
    return None if major >= 17 else f"Java {major} is too old for Spark 4 (needs 17+)"


def need_spark() -> None:
    """Skip (or fail under CXKIT_REQUIRE_SPARK=1) when Spark cannot start here."""
    problem = _java_problem()
    if problem is None:
        try:
            import pyspark  # noqa: F401
        except ImportError:
            problem = "pyspark is not installed (`make install` installs the spark extra)"
    if problem is None:
        return
    if os.environ.get("CXKIT_REQUIRE_SPARK") == "1":
        pytest.fail(f"Spark is required (CXKIT_REQUIRE_SPARK=1) but {problem}")
    pytest.skip(f"Spark test skipped: {problem}")


@functools.cache
def spark_session():
    """The one local Spark session of this process (started on first use)."""
    need_spark()
    from pyspark.sql import SparkSession

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        session = (
            SparkSession.builder.master("local[2]")
            .appName("cxkit-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", "2g")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    return session


def duckdb_rel(frame: pl.DataFrame):
    """``frame`` as a DuckDB relation on a fresh in-memory connection."""
    import duckdb

    con = duckdb.connect()
    con.register("frame_view", frame.to_arrow())
    return con.sql("select * from frame_view")


def spark_df(frame: pl.DataFrame):
    """``frame`` as a Spark DataFrame in this process's local session."""
    need_spark()
    return spark_session().createDataFrame(frame.to_arrow())


def to_engine(frame: pl.DataFrame, engine: str):
    """``frame`` in ``engine`` (``"duckdb"`` or ``"spark"``)."""
    if engine == "duckdb":
        return duckdb_rel(frame)
    if engine == "spark":
        return spark_df(frame)
    raise ValueError(engine)
