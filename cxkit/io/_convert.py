"""Column conversions of the readers: numbers, booleans, UTC timestamps, rating ranges.

Private to :mod:`cxkit.io`. Each returns polars expressions (one pass, no Python loop over rows)
and the :class:`~cxkit.io._checks.Check` rules that flag the rows it cannot convert.
"""

from __future__ import annotations

import difflib
import zoneinfo

import polars as pl

from cxkit.errors import CxDataError
from cxkit.io._checks import Check

__all__ = ["BOOLEAN_TEXT", "boolean", "check_tz", "id_text", "numeric", "range_checks", "timestamp"]

# a date written d/m/y or m/d/y (01/02/2024, 1.2.24, 01-02-2024): the order cannot be told
AMBIGUOUS_DATE = r"^\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?:\D|$)"

# an offset after a clock time: "…10:00Z", "…10:00:00.5+01:00", "…10:00 -0500"
OFFSET = r"\d:\d{2}(?::\d{2})?(?:[.,]\d+)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"

BOOLEAN_TEXT = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


def numeric(col: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr | None]:
    """A Float64 version of ``col`` and, for text columns, the flag of non-numeric values."""
    if dtype.is_numeric():
        return pl.col(col).cast(pl.Float64), None
    if dtype == pl.Boolean:
        return pl.col(col).cast(pl.Float64), None
    as_num = pl.col(col).cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
    return as_num, pl.col(col).is_not_null() & as_num.is_null()


def id_text(col: str, dtype: pl.DataType) -> tuple[pl.Expr, Check | None]:
    """An id column as text: integers as digits, whole floats (``1.0``, from pandas columns
    with a missing value) as ``"1"``; a float id with a fraction is flagged."""
    if dtype.is_float():
        whole = pl.col(col).is_not_null() & (pl.col(col) != pl.col(col).round(0))
        check = Check(
            column=col,
            rule="ids are text or whole numbers",
            flag=whole | pl.col(col).is_nan(),
            message=f"Column {col!r} holds ids with a fraction (numbers, not ids).",
            hint="read the ids as text at the source (pandas: dtype=str), or map the id column",
        )
        return pl.col(col).fill_nan(None).cast(pl.Int64, strict=False).cast(pl.String), check
    return pl.col(col).cast(pl.String), None


def check_tz(tz: str | None, column: str | None = None) -> None:
    """Raise CxDataError unless ``tz`` is None or an IANA time zone this machine knows."""
    if tz is None:
        return
    try:
        zoneinfo.ZoneInfo(tz)
        return
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        pass
    close = difflib.get_close_matches(str(tz), sorted(zoneinfo.available_timezones()), n=3)
    raise CxDataError(
        f"tz={tz!r} is not a known time zone.",
        column=column,
        rule="tz is an IANA time zone name",
        examples=[f"close matches: {close}"] if close else None,
        hint=f"pass tz={close[0]!r}" if close else "pass tz='Europe/Amsterdam' (an IANA name)",
    )


def boolean(col: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr | None]:
    """A Boolean version of ``col`` (true/false, yes/no, 1/0) and the flag of other values."""
    if dtype == pl.Boolean:
        return pl.col(col), None
    if dtype.is_numeric():
        out = pl.when(pl.col(col) == 1).then(True).when(pl.col(col) == 0).then(False)
        return out, pl.col(col).is_not_null() & ~pl.col(col).is_in([0, 1])
    low = pl.col(col).cast(pl.String).str.strip_chars().str.to_lowercase()
    out = low.replace_strict(BOOLEAN_TEXT, default=None, return_dtype=pl.Boolean)
    return out, pl.col(col).is_not_null() & out.is_null()


def _text_timestamp(
    col: str, tz: str | None, zone: str, time_format: str | None, parsed: pl.Expr | None = None
) -> tuple[pl.Expr, list[Check]]:
    """Text timestamps: values with an offset → UTC; naive ones taken in ``zone``.

    The checks look at ``parsed`` (the parse computed once in the pass) when given."""
    checks: list[Check] = []
    raw = pl.col(col).str.strip_chars()
    aware = raw.str.contains(OFFSET)
    kw = {"format": time_format} if time_format else {}
    aware_ts = (
        pl.when(aware)
        .then(raw)
        .str.to_datetime(time_zone="UTC", strict=False, time_unit="us", **kw)
    )
    naive_ts = (
        pl.when(~aware)
        .then(raw)
        .str.to_datetime(strict=False, time_unit="us", **kw)
        .dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
    expr = pl.coalesce(aware_ts, naive_ts)
    got = expr if parsed is None else parsed
    if not time_format:
        checks.append(
            Check(
                column=col,
                rule="a date written 01/02/2024 needs time_format= (day or month first)",
                flag=raw.str.contains(AMBIGUOUS_DATE).fill_null(False) & got.is_not_null(),
                message="Dates such as 01/02/2024 can be read day-first or month-first.",
                hint="pass time_format='%d/%m/%Y %H:%M' (day first) or '%m/%d/%Y %H:%M' "
                "(month first), matching the rest of the value",
            )
        )
    if tz is None:
        checks.append(
            Check(
                column=col,
                rule="a timestamp column must not mix offset-aware and naive values",
                flag=pl.col(col).is_not_null() & ~aware,
                when_also=pl.col(col).is_not_null() & aware,
                message="Timestamps mix values with a UTC offset and values without one.",
                hint="pass tz='Europe/Amsterdam' (the zone of the naive values) to read_events",
            )
        )
    checks.append(
        Check(
            column=col,
            rule=f"naive timestamps are read in {zone}",
            flag=pl.col(col).is_not_null() & ~aware,
            message=f"Timestamps without a UTC offset were taken as {zone} time.",
            hint=None if tz else "pass tz='Europe/Rome' if they are local time",
            level="info",
        )
    )
    return expr, checks


def timestamp(
    col: str,
    dtype: pl.DataType,
    tz: str | None,
    time_format: str | None,
    parsed: pl.Expr | None = None,
):
    """Expression for a UTC timestamp plus checks for parsing and naive/aware mixing.

    ``parsed``: a column of the checks' pass that already holds this expression (a reader's
    derived key, see ``run_checks``): the checks then read it instead of parsing the text
    again (Polars does not share a text-timestamp parse between expressions)."""
    checks: list[Check] = []
    check_tz(tz, col)
    zone = tz or "UTC"
    if isinstance(dtype, pl.Datetime):
        expr = pl.col(col)
        expr = (
            expr.dt.convert_time_zone("UTC")
            if dtype.time_zone
            else expr.dt.replace_time_zone(
                zone, ambiguous="earliest", non_existent="null"
            ).dt.convert_time_zone("UTC")
        )
    elif dtype == pl.Date:
        expr = (
            pl.col(col)
            .cast(pl.Datetime("us"))
            .dt.replace_time_zone(zone)
            .dt.convert_time_zone("UTC")
        )
    elif dtype == pl.String:
        expr, checks = _text_timestamp(col, tz, zone, time_format, parsed)
    else:
        raise CxDataError(
            f"The timestamp column has type {dtype}.",
            column=col,
            rule="timestamps are date-time text (ISO 8601 or similar) or a datetime column",
            hint="convert epoch numbers with pl.from_epoch before reading",
        )
    checks.append(
        Check(
            column=col,
            rule="every timestamp must parse as a date-time"
            + (f" with format {time_format!r}" if time_format else ""),
            flag=pl.col(col).is_not_null() & (expr if parsed is None else parsed).is_null(),
            message="Some timestamps cannot be parsed.",
            hint="pass time_format='%d/%m/%Y %H:%M' (a chrono format) if the format is unusual",
        )
    )
    checks.append(
        Check(
            column=col,
            rule="every event needs a timestamp",
            flag=pl.col(col).is_null(),
            message="Some events have no timestamp.",
            hint="fill or remove those rows at the source",
        )
    )
    return expr, checks


def range_checks(
    col: str, dtype: pl.DataType, lo: float, hi: float, na_codes
) -> tuple[pl.Expr, list[Check]]:
    num, bad = numeric(col, dtype)
    checks = []
    if na_codes:
        is_na = num.is_in([float(x) for x in na_codes])
        num = pl.when(is_na).then(None).otherwise(num)
        checks.append(
            Check(
                column=col,
                rule=f"codes {list(na_codes)} mean not applicable",
                flag=is_na.fill_null(False),
                message=f"Values of {col!r} coded {list(na_codes)} were set to missing.",
                level="info",
            )
        )
    if bad is not None:
        checks.append(
            Check(
                column=col,
                rule="ratings must be numbers",
                flag=bad,
                message=f"Column {col!r} holds values that are not numbers.",
                hint="recode text answers (e.g. 'N/A' → empty) or list them in na_codes",
            )
        )
    checks.append(
        Check(
            column=col,
            rule=f"values must lie on the declared scale {lo:g}–{hi:g}",
            flag=num.is_not_null() & ((num < lo) | (num > hi)),
            message=f"Column {col!r} has values outside its scale {lo:g}–{hi:g}.",
            hint="declare the right scale=(lo, hi), or pass na_codes=[...] for codes such as 0 = not applicable",
        )
    )
    return num, checks
