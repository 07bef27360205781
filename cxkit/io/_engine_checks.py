"""The readers' rules run inside an engine (DuckDB, Spark …): one aggregate query counts them.

Private to :mod:`cxkit.io`. The polars readers' rules (:mod:`cxkit.io._rules`,
:mod:`cxkit.io._convert`) are rewritten here as narwhals expressions, with the same rule names,
messages and hints, so an engine frame gets the same :class:`~cxkit.io._checks.ReadReport`
(and the same :class:`~cxkit.errors.CxDataError`) as the polars path. :func:`run_rules` adds one
column per rule (1 on a row that breaks it) and sums them all in ONE query; only when a rule
fails does a second query fetch up to five example rows. Event- or unit-level rows never come
back. Examples carry no row number (engines have no row order).

What narwhals cannot say — a cast that yields null instead of failing (``TRY_CAST``), parsing
text timestamps, moving naive times from a zone to UTC — goes through each engine's own Python
API in :func:`_native_columns` (no SQL text is built).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import narwhals.stable.v2 as nw

from cxkit.errors import CxDataError
from cxkit.io._checks import FULL_DETAIL, Problem, ReadReport
from cxkit.io._convert import AMBIGUOUS_DATE, BOOLEAN_TEXT, OFFSET, check_tz
from cxkit.io.engines import collect

__all__ = [
    "Rule",
    "boolean",
    "duplicates",
    "id_text",
    "label_of",
    "not_null",
    "numbers",
    "range_rules",
    "run_rules",
    "utc_time",
]


@dataclass
class Rule:
    """A rule in an engine: ``flag`` is true on the rows that break it.

    ``weight`` (optional) is what each row adds to the count instead of the flag — the
    duplicate rules add ``1 - 1/k`` on each of ``k`` equal rows, so the sum is the number of
    surplus copies, as the polars path counts them.
    """

    column: str | None
    rule: str
    flag: nw.Expr
    message: str
    hint: str | None = None
    level: str = "error"
    when_also: nw.Expr | None = None  # the rule only fails if this is also true on some row
    weight: nw.Expr | None = None


def label_of(frame: nw.LazyFrame) -> str:
    """The source label of an engine frame: ``<duckdb relation>``, ``<pyspark DataFrame>``."""
    from cxkit.io.engines import ENGINES

    kind = {"duckdb": "relation", "ibis": "table"}.get(ENGINES[frame.implementation], "DataFrame")
    return f"<{ENGINES[frame.implementation]} {kind}>"


def _is_spark(frame: nw.LazyFrame) -> bool:
    return frame.implementation in (nw.Implementation.PYSPARK, nw.Implementation.PYSPARK_CONNECT)


def _as_int(value: Any) -> int:
    return int(round(float(value))) if value is not None else 0


def run_rules(
    frame: nw.LazyFrame, kind: str, label: str, rules: list[Rule], hidden: list[str]
) -> ReadReport:
    """Count every rule in one aggregate query; fetch ≤ 5 examples of each failing one.

    ``hidden``: helper columns of ``frame`` (converted values) left out of the examples.
    """
    flagged = frame.with_columns(
        *(
            (r.weight if r.weight is not None else r.flag.cast(nw.Int64)).alias(f"__cx_c{i}")
            for i, r in enumerate(rules)
        ),
        *(
            r.when_also.cast(nw.Int64).alias(f"__cx_w{i}")
            for i, r in enumerate(rules)
            if r.when_also is not None
        ),
    )
    sums = [nw.len().alias("__n")]
    sums += [nw.col(f"__cx_c{i}").sum().alias(f"__c{i}") for i in range(len(rules))]
    sums += [
        nw.col(f"__cx_w{i}").sum().alias(f"__w{i}")
        for i, r in enumerate(rules)
        if r.when_also is not None
    ]
    try:
        counts = collect(flagged.select(sums)).row(0, named=True)
    except Exception as exc:  # noqa: BLE001 - any engine failure becomes a clear error
        raise CxDataError(
            f"The engine could not run the validation query: {str(exc).splitlines()[0]}",
            source=label,
            rule="the engine runs the validation query",
            hint="check the table's column types (ids as text, times as timestamps); when the "
            "engine ran out of memory, raise its limit (DuckDB: SET memory_limit) or give it a "
            "temp_directory to spill to",
        ) from exc
    n = _as_int(counts["__n"])
    report = ReadReport(kind=kind, source=label, n_rows=n)
    if n == 0:
        report.problems.append(
            Problem(
                "error",
                None,
                "the data has at least one row",
                0,
                [],
                "The data has no rows.",
                "check the table or query: it has no rows",
            )
        )
        return report
    shown = [c for c in frame.collect_schema().names() if c not in set(hidden)]
    for i, r in enumerate(rules):
        bad = _as_int(counts[f"__c{i}"])
        if bad == 0 or (r.when_also is not None and not _as_int(counts[f"__w{i}"])):
            continue
        # read_* raises the first error only: the others (and warnings) need no examples
        first_error = r.level == "error" and report.ok
        if r.level == "info" or (not first_error and not FULL_DETAIL.get()):
            report.problems.append(Problem(r.level, r.column, r.rule, bad, [], r.message, r.hint))
            continue
        # whole rows (engines have no row number to point at), the rule's column first
        cols = [r.column] if r.column in shown else []
        cols += [c for c in shown if c not in cols]
        sample = collect(frame.filter(r.flag).select(cols).head(5)).to_dicts()
        report.problems.append(Problem(r.level, r.column, r.rule, bad, sample, r.message, r.hint))
    return report


# ------------------------------------------------------------------------------ rules
def not_null(col: str, what: str, dtype: Any) -> Rule:
    """Rows without a ``what``: null, or (text) empty or only spaces (as ``_rules.not_null``)."""
    flag = nw.col(col).is_null()
    if dtype == nw.String:
        flag = flag | (nw.col(col).str.strip_chars() == "").fill_null(False)
    return Rule(
        column=col,
        rule=f"every row needs a {what}",
        flag=flag,
        message=f"Some rows have no {what} (missing, empty or blank).",
        hint="fill or remove those rows at the source",
    )


def duplicates(columns: list[str], what: str, level: str, hint: str) -> Rule:
    """Repeated rows over ``columns``: counts the copies after the first of each (nulls equal)."""
    size = nw.len().over(*columns)
    return Rule(
        column=", ".join(columns) if len(columns) <= 3 else None,
        rule=f"{what} are unique",
        flag=size > 1,
        message=f"Found {what} that repeat.",
        hint=hint,
        level=level,
        weight=1.0 - 1.0 / size,
    )


def id_text(col: str, dtype: Any) -> tuple[nw.Expr, Rule | None]:
    """An id as text: integers as digits, whole floats as ``"1"``; fractions are flagged."""
    if dtype.is_float():
        c = nw.col(col)
        rule = Rule(
            column=col,
            rule="ids are text or whole numbers",
            flag=(~c.is_null() & (c.is_nan() | (c != c.round(0)))).fill_null(False),
            message=f"Column {col!r} holds ids with a fraction (numbers, not ids).",
            hint="read the ids as text at the source (pandas: dtype=str), or map the id column",
        )
        whole = nw.when(~c.is_nan() & (c == c.round(0))).then(c)
        return whole.cast(nw.Int64).cast(nw.String), rule
    return nw.col(col).cast(nw.String), None


def numbers(col: str, dtype: Any, alias: str) -> tuple[dict[str, Callable], nw.Expr | None]:
    """``col`` as Float64 (native ``TRY_CAST`` for text, in column ``alias``) and, for text,
    the flag of values that are not numbers. Returns the native columns to add."""
    if dtype.is_numeric() or dtype == nw.Boolean:
        return {}, None
    bad = ~nw.col(col).is_null() & nw.col(alias).is_null()
    return {alias: ("number", col)}, bad


def range_rules(
    col: str, num: nw.Expr, bad: nw.Expr | None, lo: float, hi: float, na_codes: Any
) -> tuple[nw.Expr, list[Rule]]:
    """The polars ``range_checks`` in an engine: codes for not applicable, numbers, the scale."""
    rules = []
    if na_codes:
        is_na = num.is_in([float(x) for x in na_codes]).fill_null(False)
        num = nw.when(~is_na).then(num)
        rules.append(
            Rule(
                column=col,
                rule=f"codes {list(na_codes)} mean not applicable",
                flag=is_na,
                message=f"Values of {col!r} coded {list(na_codes)} were set to missing.",
                level="info",
            )
        )
    if bad is not None:
        rules.append(
            Rule(
                column=col,
                rule="ratings must be numbers",
                flag=bad,
                message=f"Column {col!r} holds values that are not numbers.",
                hint="recode text answers (e.g. 'N/A' → empty) or list them in na_codes",
            )
        )
    off = ~num.is_null() & ((num < lo) | (num > hi))
    rules.append(
        Rule(
            column=col,
            rule=f"values must lie on the declared scale {lo:g}–{hi:g}",
            flag=off.fill_null(False),
            message=f"Column {col!r} has values outside its scale {lo:g}–{hi:g}.",
            hint="declare the right scale=(lo, hi), or pass na_codes=[...] for codes such as "
            "0 = not applicable",
        )
    )
    return num, rules


def boolean(col: str, dtype: Any) -> tuple[nw.Expr, nw.Expr | None]:
    """``col`` as Boolean (true/false, yes/no, 1/0) and the flag of other values."""
    c = nw.col(col)
    if dtype == nw.Boolean:
        return c, None
    if dtype.is_numeric():
        out = nw.when(c == 1).then(nw.lit(True)).otherwise(nw.when(c == 0).then(nw.lit(False)))
        return out, (~c.is_null() & ~c.is_in([0, 1])).fill_null(False)
    low = c.cast(nw.String).str.strip_chars().str.to_lowercase()
    yes = [k for k, v in BOOLEAN_TEXT.items() if v]
    no = [k for k, v in BOOLEAN_TEXT.items() if not v]
    out = (
        nw.when(low.is_in(yes))
        .then(nw.lit(True))
        .otherwise(nw.when(low.is_in(no)).then(nw.lit(False)))
    )
    return out, (~c.is_null() & ~low.is_in(yes + no)).fill_null(False)


# ------------------------------------------------------------------------------ time
def _duckdb_format(time_format: str) -> str:
    """A chrono format (polars') in DuckDB's strptime words: ``%.f``/``%.3f`` → ``.%f``."""
    return re.sub(r"%\.\d?f", ".%f", time_format)


def _spark_format(time_format: str) -> str:
    """A chrono format in Spark's datetime pattern words (fractions of any length)."""
    words = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss",
             "%y": "yy", "%b": "MMM", "%p": "a", "%I": "hh", "%z": "xxx"}  # fmt: skip
    out = re.sub(r"%\.\d?f", "[.SSSSSS][.SSS][.S]", time_format)
    for k, v in words.items():
        out = out.replace(k, v)
    return out


def _native_columns(frame: nw.LazyFrame, specs: dict[str, tuple]) -> nw.LazyFrame:
    """``frame`` with columns built by the engine's own API (``{alias: spec}``):

    * ``("number", col)`` — ``TRY_CAST(trim(col) AS DOUBLE)`` (null when not a number);
    * ``("time", col, zone, fmt, aware)`` — the UTC instant of ``col``: text parsed (with
      ``fmt`` when given, else ISO 8601; values with an offset as instants when ``aware``),
      naive values taken in ``zone`` as polars takes them (an hour that occurs twice: the
      earlier instant; one that does not exist: null); timestamps with a zone kept (Spark's
      ``TIMESTAMP``, which is how Spark stores naive times too, is read as a wall clock
      when a ``tz`` other than UTC is given); null when unparseable.
    """
    if not specs:
        return frame
    if _is_spark(frame):
        return _spark_columns(frame, specs)
    if frame.implementation is nw.Implementation.DUCKDB:
        return _duckdb_columns(frame, specs)
    raise CxDataError(
        f"Reading text numbers or times is not supported on {frame.implementation} yet.",
        rule="the engine is DuckDB or Spark",
        hint="store numbers and timestamps with their types in the table, or use DuckDB/Spark",
    )


def _spark_columns(frame: nw.LazyFrame, specs: dict[str, tuple]) -> nw.LazyFrame:
    from pyspark.sql import functions as F  # noqa: N812 (Spark's own convention)

    native, schema = frame.to_native(), frame.collect_schema()
    session_tz = native.sparkSession.conf.get("spark.sql.session.timeZone")
    built = {}
    for alias, (what, col, *rest) in specs.items():
        if what == "number":
            built[alias] = F.trim(F.col(col).cast("string")).try_cast("double")
            continue
        zone, fmt, aware = rest
        dtype, ts = schema[col], None
        if isinstance(dtype, nw.Datetime) and dtype.time_zone and zone == "UTC":
            built[alias] = F.col(col)
            continue
        if dtype == nw.String:
            raw = F.trim(F.col(col))
            ts = F.try_to_timestamp(raw, F.lit(_spark_format(fmt))) if fmt else (
                F.try_to_timestamp(raw)
            )  # fmt: skip
            naive = ts.cast("timestamp_ntz")
        else:
            naive = F.col(col).cast("timestamp_ntz")
        # the wall clock in the session's zone (Java: earlier offset when ambiguous); a wall
        # time that does not exist in ``zone`` does not come back unchanged: null, as polars
        local = F.convert_timezone(F.lit(zone), F.lit(session_tz), naive)
        back = F.convert_timezone(F.lit(session_tz), F.lit(zone), local)
        instant = F.when(back == naive, local.cast("timestamp"))
        built[alias] = F.when(F.col(aware), ts).otherwise(instant) if aware else instant
    return nw.from_native(native.withColumns(built))


def _duckdb_columns(frame: nw.LazyFrame, specs: dict[str, tuple]) -> nw.LazyFrame:
    import datetime as dt

    import duckdb

    fn, col_, const = duckdb.FunctionExpression, duckdb.ColumnExpression, duckdb.ConstantExpression
    native, schema = frame.to_native(), frame.collect_schema()
    hour = const(dt.timedelta(hours=1))
    exprs = []
    for alias, (what, col, *rest) in specs.items():
        if what == "number":
            text = fn("trim", col_(col).cast(duckdb.sqltype("VARCHAR")))
            exprs.append(text.try_cast(duckdb.sqltype("DOUBLE")).alias(alias))
            continue
        zone, fmt, aware = rest
        dtype = schema[col]
        if isinstance(dtype, nw.Datetime) and dtype.time_zone:
            exprs.append(col_(col).alias(alias))
            continue
        if dtype == nw.String:
            raw = fn("trim", col_(col))
            naive = (
                fn("try_strptime", raw, const(_duckdb_format(fmt)))
                if fmt
                else raw.try_cast(duckdb.sqltype("TIMESTAMP"))
            )
            if fmt and "%z" in fmt:
                exprs.append(naive.alias(alias))
                continue
        else:
            naive = col_(col).cast(duckdb.sqltype("TIMESTAMP"))
        # DuckDB takes the later offset of an hour that occurs twice; polars the earlier one,
        # which is the instant an hour before, moved forward an hour (the smaller of the two).
        # A wall time that does not exist in the zone does not come back unchanged: null.
        later = fn("timezone", const(zone), naive)
        instant = fn("least", later, fn("timezone", const(zone), naive - hour) + hour)
        local = duckdb.CaseExpression(fn("timezone", const(zone), instant) == naive, instant)
        if aware:
            offset = fn("trim", col_(col)).try_cast(duckdb.sqltype("TIMESTAMPTZ"))
            local = duckdb.CaseExpression(col_(aware), offset).otherwise(local)
        exprs.append(local.alias(alias))
    return nw.from_native(native.select(duckdb.StarExpression(), *exprs))


def utc_time(
    col: str, dtype: Any, tz: str | None, time_format: str | None, alias: str
) -> tuple[dict[str, tuple], dict[str, nw.Expr], list[Rule]]:
    """The event time as a UTC instant in column ``alias``, with the polars path's rules.

    Returns the native column specs (for :func:`_native_columns`), narwhals columns to add
    first (``__cx_aware``: the text carries an offset), and the rules.
    """
    check_tz(tz, col)
    zone = tz or "UTC"
    if not (isinstance(dtype, nw.Datetime | nw.Date) or dtype == nw.String):
        raise CxDataError(
            f"The timestamp column has type {dtype}.",
            column=col,
            rule="timestamps are date-time text (ISO 8601 or similar) or a datetime column",
            hint="store the event time as a TIMESTAMP column in the engine",
        )
    rules: list[Rule] = []
    pre: dict[str, nw.Expr] = {}
    aware = None
    not_null = ~nw.col(col).is_null()
    if dtype == nw.String:
        raw = nw.col(col).str.strip_chars()
        if not (time_format and "%z" in time_format):
            aware = "__cx_aware"
            pre[aware] = raw.str.contains(OFFSET).fill_null(False)
        if not time_format:
            # as the polars reader: only a value that parsed can be ambiguous
            ambiguous = raw.str.contains(AMBIGUOUS_DATE).fill_null(False) & ~nw.col(alias).is_null()
            rules.append(
                Rule(
                    column=col,
                    rule="a date written 01/02/2024 needs time_format= (day or month first)",
                    flag=ambiguous,
                    message="Dates such as 01/02/2024 can be read day-first or month-first.",
                    hint="pass time_format='%d/%m/%Y %H:%M' (day first) or '%m/%d/%Y %H:%M' "
                    "(month first), matching the rest of the value",
                )
            )
        if aware and tz is None:
            rules.append(
                Rule(
                    column=col,
                    rule="a timestamp column must not mix offset-aware and naive values",
                    flag=not_null & ~nw.col(aware),
                    when_also=not_null & nw.col(aware),
                    message="Timestamps mix values with a UTC offset and values without one.",
                    hint="pass tz='Europe/Amsterdam' (the zone of the naive values) to read_events",
                )
            )
        if aware:
            rules.append(
                Rule(
                    column=col,
                    rule=f"naive timestamps are read in {zone}",
                    flag=not_null & ~nw.col(aware),
                    message=f"Timestamps without a UTC offset were taken as {zone} time.",
                    hint=None if tz else "pass tz='Europe/Rome' if they are local time",
                    level="info",
                )
            )
    rules.append(
        Rule(
            column=col,
            rule="every timestamp must parse as a date-time"
            + (f" with format {time_format!r}" if time_format else ""),
            flag=not_null & nw.col(alias).is_null(),
            message="Some timestamps cannot be parsed.",
            hint="pass time_format='%d/%m/%Y %H:%M' (a chrono format) if the format is unusual, "
            "or store the event time as a TIMESTAMP column in the engine",
        )
    )
    rules.append(
        Rule(
            column=col,
            rule="every event needs a timestamp",
            flag=nw.col(col).is_null(),
            message="Some events have no timestamp.",
            hint="fill or remove those rows at the source",
        )
    )
    return {alias: ("time", col, zone, time_format, aware)}, pre, rules


def add_columns(
    frame: nw.LazyFrame, pre: dict[str, nw.Expr], native: dict[str, tuple]
) -> nw.LazyFrame:
    """``frame`` with the narwhals columns ``pre`` and then the native ones."""
    if pre:
        frame = frame.with_columns(**pre)
    return _native_columns(frame, native)
