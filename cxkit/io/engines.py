"""Engine frames: analyses pushed down to DuckDB, Spark and other lazy engines (through narwhals).

cxkit's analyses aggregate first and infer on small aggregates. For data that lives in an engine
(a DuckDB relation, a PySpark DataFrame, an SQLFrame or Ibis table …) the aggregation runs in
that engine, written once in `narwhals <https://narwhals-dev.github.io/narwhals/>`_' lazy API,
and only the small aggregate comes back, as a polars DataFrame. The statistics that follow are
the polars path's own code, so results are the same frames with the same columns.

==========================  ================================================================
:func:`is_engine`           is this a frame of a lazy engine (not polars, pandas or arrow)?
:func:`as_engine`           the frame as a ``narwhals.LazyFrame`` (``CxDataError`` otherwise)
:func:`engine_name`         ``"duckdb"``, ``"pyspark"``, ``"sqlframe"``, ``"ibis"`` …
:func:`collect`             run an aggregate query in the engine; the (small) result in polars
:func:`with_epoch_us`       add a timestamp's microseconds since 1970 as an Int64 column
:func:`open_table`          a table or query named in one string (a notebook parameter):
                            ``"duckdb:<file>#<table or SELECT>"``, ``"spark:<table or SELECT>"``
==========================  ================================================================

Narwhals covers everything the analyses need but two things, done here through each engine's
own API (not generated SQL): the epoch microseconds of a timestamp (Spark has no duration
accessor in narwhals) — :func:`with_epoch_us`.
"""

from __future__ import annotations

from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from cxkit.errors import CxDataError

__all__ = [
    "ENGINES",
    "as_engine",
    "collect",
    "engine_name",
    "is_engine",
    "open_table",
    "with_epoch_us",
]

#: narwhals implementations that run lazily in an engine (polars, pandas and arrow do not count:
#: they take the polars path)
ENGINES = {
    nw.Implementation.DUCKDB: "duckdb",
    nw.Implementation.PYSPARK: "pyspark",
    nw.Implementation.PYSPARK_CONNECT: "pyspark",
    nw.Implementation.SQLFRAME: "sqlframe",
    nw.Implementation.IBIS: "ibis",
}


def _in_memory(data: Any) -> bool:
    """pandas, pyarrow and numpy objects: the polars path (never wrapped by narwhals here)."""
    return type(data).__module__.split(".")[0] in {"pandas", "pyarrow", "numpy", "builtins"}


def _wrap(data: Any) -> nw.LazyFrame | None:
    if isinstance(data, nw.LazyFrame):
        frame = data
    else:
        if isinstance(data, pl.LazyFrame | pl.DataFrame) or _in_memory(data):
            return None
        try:
            frame = nw.from_native(data, pass_through=True)
        except Exception:  # noqa: BLE001 - not a frame narwhals can take: not an engine frame
            return None
        if not isinstance(frame, nw.LazyFrame):
            return None
    return frame if frame.implementation in ENGINES else None


def is_engine(data: Any) -> bool:
    """True for a frame that lives in a lazy engine (DuckDB, Spark, SQLFrame, Ibis).

    Examples
    --------
    >>> import duckdb, polars as pl
    >>> is_engine(duckdb.sql("select 1 as a")), is_engine(pl.DataFrame({"a": [1]}))
    (True, False)
    """
    return _wrap(data) is not None


def as_engine(data: Any, *, what: str = "data") -> nw.LazyFrame:
    """``data`` (an engine frame, or a narwhals LazyFrame of one) as a ``narwhals.LazyFrame``."""
    frame = _wrap(data)
    if frame is None:
        raise CxDataError(
            f"{what} is not a frame of a lazy engine; got {type(data).__module__}."
            f"{type(data).__name__}.",
            rule=f"{what} is an engine frame",
            hint="pass a DuckDB relation, a PySpark DataFrame, an SQLFrame or Ibis table",
        )
    return frame


def engine_name(data: Any) -> str:
    """The engine's short name: ``"duckdb"``, ``"pyspark"``, ``"sqlframe"`` or ``"ibis"``."""
    return ENGINES[as_engine(data).implementation]


def collect(frame: nw.LazyFrame) -> pl.DataFrame:
    """Run ``frame``'s query in its engine and return the result as a polars DataFrame.

    Only for aggregates: the analyses never collect event- or unit-level rows from an engine.
    """
    return frame.collect(backend="polars").to_native()


def with_epoch_us(frame: nw.LazyFrame, column: str, alias: str) -> nw.LazyFrame:
    """``frame`` with ``alias``: the microseconds since 1970-01-01 UTC of timestamp ``column``.

    Numbers (already epoch or any numeric time) pass through as ``Int64``/``Float64``. Naive
    timestamps are read as UTC (DuckDB) or in the Spark session's time zone (Spark): set
    ``spark.sql.session.timeZone`` to ``UTC`` for the same gaps as polars across DST changes.
    """
    dtype = frame.collect_schema()[column]
    if dtype.is_numeric():
        return frame.with_columns(nw.col(column).alias(alias))
    if not isinstance(dtype, nw.Datetime | nw.Date):
        raise CxDataError(
            f"Column {column!r} (the event time) must be a timestamp, found {dtype}.",
            column=column,
            rule="event time is a timestamp",
            hint="read the table with cx.read_events(...), which parses text timestamps",
        )
    impl = frame.implementation
    native = frame.to_native()
    if impl in (nw.Implementation.PYSPARK, nw.Implementation.PYSPARK_CONNECT):
        from pyspark.sql import functions as F  # noqa: N812 (Spark's own convention)

        col = F.col(column).cast("timestamp")
        return nw.from_native(native.withColumn(alias, F.unix_micros(col)))
    if impl is nw.Implementation.SQLFRAME:
        from sqlframe.base import functions as F  # noqa: N812

        return nw.from_native(native.withColumn(alias, F.unix_micros(F.col(column))))
    if impl is nw.Implementation.DUCKDB:
        import duckdb

        expr = duckdb.FunctionExpression("epoch_us", duckdb.ColumnExpression(column))
        return nw.from_native(native.select(duckdb.StarExpression(), expr.alias(alias)))
    # Ibis and others: a duration from the epoch, where the backend supports it
    epoch = nw.lit(0).cast(nw.Datetime("us"))
    return frame.with_columns((nw.col(column) - epoch).dt.total_microseconds().alias(alias))


_OPEN_HINT = (
    "name a DuckDB table or query as 'duckdb:<path to .duckdb file>#<table or SELECT …>' "
    "(e.g. 'duckdb:/data/cx.duckdb#events'), or a Spark table or query as "
    "'spark:<table or SELECT …>' (e.g. 'spark:lake.cx.events')"
)


def _is_query(text: str) -> bool:
    return text.lstrip().split(None, 1)[0].lower() in {"select", "with", "from"}


def open_table(source: str) -> Any:
    """The engine frame a notebook parameter names: a DuckDB or Spark table, or a query.

    Parameters
    ----------
    source
        * ``"duckdb:<path to a .duckdb file>#<table name or SELECT query>"`` — opened
          read-only; the relation lives as long as it is referenced.
        * ``"spark:<table name or SELECT query>"`` — in the active Spark session (or a new
          local one, ``SparkSession.builder.getOrCreate()``).

    Returns
    -------
    duckdb.DuckDBPyRelation or pyspark.sql.DataFrame
        Lazy: nothing is read until an analysis aggregates it.

    Raises
    ------
    CxDataError
        Any other text, a missing file, an unknown table or a query the engine refuses.

    Examples
    --------
    >>> import duckdb, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cx.duckdb"
    >>> with duckdb.connect(str(path)) as con:
    ...     _ = con.execute("create table events as select 'a' as customer_id")
    >>> open_table(f"duckdb:{path}#events").fetchall()
    [('a',)]
    """
    if not isinstance(source, str) or ":" not in source:
        raise CxDataError(
            f"Cannot tell which engine table {source!r} names.",
            rule="an engine table is named 'duckdb:<file>#<table or query>' or 'spark:<…>'",
            hint=_OPEN_HINT,
        )
    engine, _, rest = source.partition(":")
    engine = engine.strip().lower()
    try:
        if engine == "duckdb":
            return _open_duckdb(source, rest)
        if engine == "spark":
            return _open_spark(source, rest.strip())
    except CxDataError:
        raise
    except Exception as exc:  # noqa: BLE001 - the engine's own error, with the fix
        raise CxDataError(
            f"The {engine} engine could not open {rest.strip()!r}: {str(exc).splitlines()[0]}",
            source=source,
            rule="the named table or query exists",
            hint=_OPEN_HINT,
        ) from exc
    raise CxDataError(
        f"Unknown engine {engine!r} in {source!r}; the engines are 'duckdb' and 'spark'.",
        source=source,
        rule="an engine table is named 'duckdb:<file>#<table or query>' or 'spark:<…>'",
        hint=_OPEN_HINT,
    )


def _open_duckdb(source: str, rest: str) -> Any:
    """A relation over a table or query of a DuckDB file, opened read-only."""
    from pathlib import Path

    import duckdb

    path, hash_, what = rest.partition("#")
    if not hash_ or not what.strip() or not path.strip():
        raise CxDataError(
            f"{source!r} names no table: the file and the table are separated by '#'.",
            source=source,
            rule="a DuckDB table is named 'duckdb:<file>#<table or query>'",
            hint=_OPEN_HINT,
        )
    file = Path(path.strip()).expanduser()
    if not file.is_file():
        raise CxDataError(
            f"The DuckDB file {str(file)!r} does not exist.",
            source=source,
            rule="the DuckDB file exists",
            hint="check the path (relative paths are from the notebook's folder)",
        )
    con = duckdb.connect(str(file), read_only=True)
    what = what.strip()
    return con.sql(what) if _is_query(what) else con.table(what)


def _open_spark(source: str, what: str) -> Any:
    """A DataFrame over a table or query in the active (or a new) Spark session."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise CxDataError(
            "pyspark is not installed.",
            source=source,
            rule="Spark tables need pyspark",
            hint="install the spark extra (pip install 'cxkit[spark]')",
        ) from exc
    if not what:
        raise CxDataError(
            f"{source!r} names no table.", source=source, rule="a table or query", hint=_OPEN_HINT
        )
    spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    return spark.sql(what) if _is_query(what) else spark.table(what)
