"""Read and validate touchpoint data into cxkit's canonical schemas.

Four readers, one per kind of data (see the data contracts in the README):

* :func:`read_events` — a touchpoint log: ``customer_id``, ``timestamp`` (UTC), ``touchpoint``;
* :func:`read_customers` — one row per customer with outcomes (``churned``, ``nps`` …);
* :func:`read_survey` — survey responses with rating columns on a declared scale;
* :func:`read_experiment` — experiment units with their ``arm`` (and ``cluster``).

Each takes a path (CSV, Parquet, NDJSON, a glob or a folder of them), a polars DataFrame or
LazyFrame, or a pandas DataFrame, and returns a :class:`polars.LazyFrame` with canonical column
names and types, extra columns kept. Reading is lazy: validation runs one aggregate pass over
the data and the analysis that follows streams the file again. Bad input raises
:class:`~cxkit.errors.CxDataError`; :func:`validate` collects every problem instead.

Examples
--------
>>> import polars as pl, cxkit as cx
>>> raw = pl.DataFrame({"who": ["b", "a", "a"], "when": ["2024-01-02 10:00+01:00",
...     "2024-01-01 09:00Z", "2024-01-01 08:00Z"], "what": ["call", "web", "ivr"]})
>>> cx.read_events(raw, customer="who", time="when", touchpoint="what").collect()
shape: (3, 3)
┌─────────────┬─────────────────────────┬────────────┐
│ customer_id ┆ timestamp               ┆ touchpoint │
│ ---         ┆ ---                     ┆ ---        │
│ str         ┆ datetime[μs, UTC]       ┆ str        │
╞═════════════╪═════════════════════════╪════════════╡
│ a           ┆ 2024-01-01 08:00:00 UTC ┆ ivr        │
│ a           ┆ 2024-01-01 09:00:00 UTC ┆ web        │
│ b           ┆ 2024-01-02 09:00:00 UTC ┆ call       │
└─────────────┴─────────────────────────┴────────────┘
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Sequence
from typing import Any

import polars as pl

from cxkit.errors import CxDataError, CxDataWarning, missing_column_error
from cxkit.io._checks import (
    FULL_DETAIL,
    Check,
    Problem,
    ReadReport,
    run_checks,
    tied_rows,
    tied_to_previous,
    unsorted_rows,
)
from cxkit.io._sources import Opened, open_source

__all__ = [
    "Problem",
    "is_sorted_events",
    "unordered_plan",
    "unsorted_rows",
    "ReadReport",
    "read_customers",
    "read_events",
    "read_experiment",
    "read_survey",
    "validate",
]

# an offset after a clock time: "…10:00Z", "…10:00:00.5+01:00", "…10:00 -0500"
_OFFSET = r"\d:\d{2}(?::\d{2})?(?:[.,]\d+)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
# Frames returned by read_events (id → frame; entries vanish with the frame). Their rows come in
# (customer_id, timestamp, input order) order — as read when the validation pass found them so,
# else through a stable sort in the plan — so the journey functions need not check or sort.
_SORTED_EVENTS: weakref.WeakValueDictionary[int, pl.LazyFrame] = weakref.WeakValueDictionary()


# ... and the same events before that sort (the same plan when the rows were in order already):
# queries that do not need the order (the distinct touchpoints) run on it and skip the sort
_UNORDERED_PLAN: dict[int, pl.LazyFrame] = {}


def is_sorted_events(frame: Any) -> bool:
    """True when ``frame`` is, unchanged, a frame returned by :func:`read_events`."""
    return isinstance(frame, pl.LazyFrame) and _SORTED_EVENTS.get(id(frame)) is frame


def unordered_plan(frame: Any) -> pl.LazyFrame | None:
    """For a frame from :func:`read_events`: the same rows without its sort (else None)."""
    return _UNORDERED_PLAN.get(id(frame)) if is_sorted_events(frame) else None


def _register_sorted(frame: pl.LazyFrame, unordered: pl.LazyFrame) -> None:
    _SORTED_EVENTS[id(frame)] = frame
    if unordered is not frame:  # (holding the frame itself would keep it alive forever)
        _UNORDERED_PLAN[id(frame)] = unordered
        weakref.finalize(frame, _UNORDERED_PLAN.pop, id(frame), None)


BOOLEAN_TEXT = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


# --------------------------------------------------------------------------------------------
# shared pieces
# --------------------------------------------------------------------------------------------
def _require(
    opened: Opened, mapping: dict[str, str], role_args: dict[str, tuple[str, str]]
) -> None:
    """Check mapped columns exist and are unambiguous; ``mapping`` is canonical → source."""
    names = opened.frame.collect_schema().names()
    for canonical, col in mapping.items():
        role, arg = role_args[canonical]
        if col in opened.renamed_duplicates:
            raise CxDataError(
                f"Column {col!r} (the {role}) is ambiguous: the header names it "
                f"{len(opened.renamed_duplicates[col]) + 1} times.",
                source=opened.label,
                column=col,
                rule="a mapped column must appear once in the header",
                examples=[f"copies renamed to {opened.renamed_duplicates[col]}"],
                hint=f"rename the duplicate columns at the source, or pass "
                f"{arg}={opened.renamed_duplicates[col][0]!r} to use the later copy",
            )
        if col not in names:
            raise missing_column_error(col, names, source=opened.label, role=role, argument=arg)
    sources = set(mapping.values())
    for canonical, col in mapping.items():
        if canonical != col and canonical in names and canonical not in sources:
            raise CxDataError(
                f"The data already has a column named {canonical!r}, and {col!r} is mapped to "
                f"that name.",
                source=opened.label,
                column=canonical,
                rule="canonical column names must be unique after mapping",
                hint=f"rename or drop the existing {canonical!r} column first",
            )


def _rename(mapping: dict[str, str]) -> dict[str, str]:
    return {src: canon for canon, src in mapping.items() if src != canon}


def _finish(report: ReadReport) -> None:
    """Raise the first error, warn about warnings."""
    errors = [p for p in report.problems if p.level == "error"]
    if errors:
        first = errors[0]
        more = (
            f" ({len(errors) - 1} more problem(s): run cxkit.validate for all)"
            if len(errors) > 1
            else ""
        )
        raise CxDataError(
            first.message + more,
            source=report.source,
            column=first.column,
            rule=first.rule,
            n_rows=first.n_rows,
            examples=first.examples,
            hint=first.hint,
        )
    for p in report.problems:
        if p.level == "warning":
            warnings.warn(
                f"{report.source}: {p.message} [{p.n_rows:,} rows]", CxDataWarning, stacklevel=3
            )


def _numeric(col: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr | None]:
    """A Float64 version of ``col`` and, for text columns, the flag of non-numeric values."""
    if dtype.is_numeric():
        return pl.col(col).cast(pl.Float64), None
    if dtype == pl.Boolean:
        return pl.col(col).cast(pl.Float64), None
    as_num = pl.col(col).cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
    return as_num, pl.col(col).is_not_null() & as_num.is_null()


def _boolean(col: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr | None]:
    """A Boolean version of ``col`` (true/false, yes/no, 1/0) and the flag of other values."""
    if dtype == pl.Boolean:
        return pl.col(col), None
    if dtype.is_numeric():
        out = pl.when(pl.col(col) == 1).then(True).when(pl.col(col) == 0).then(False)
        return out, pl.col(col).is_not_null() & ~pl.col(col).is_in([0, 1])
    low = pl.col(col).cast(pl.String).str.strip_chars().str.to_lowercase()
    out = low.replace_strict(BOOLEAN_TEXT, default=None, return_dtype=pl.Boolean)
    return out, pl.col(col).is_not_null() & out.is_null()


def _timestamp(col: str, dtype: pl.DataType, tz: str | None, time_format: str | None):
    """Expression for a UTC timestamp plus checks for parsing and naive/aware mixing."""
    checks: list[Check] = []
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
        raw = pl.col(col).str.strip_chars()
        aware = raw.str.contains(_OFFSET)
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
            flag=pl.col(col).is_not_null() & expr.is_null(),
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


def _not_null(col: str, what: str) -> Check:
    return Check(
        column=col,
        rule=f"every row needs a {what}",
        flag=pl.col(col).is_null(),
        message=f"Some rows have no {what}.",
        hint="fill or remove those rows at the source",
    )


def _range_checks(
    col: str, dtype: pl.DataType, lo: float, hi: float, na_codes
) -> tuple[pl.Expr, list[Check]]:
    num, bad = _numeric(col, dtype)
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


def _duplicates_check(
    columns: Sequence[str],
    what: str,
    level: str,
    hint: str,
    sort_key: tuple[pl.Expr, pl.Expr] | None = None,
) -> Check:
    key = pl.struct([pl.col(c) for c in columns]) if len(columns) > 1 else pl.col(columns[0])
    sorted_parts: dict[str, pl.Expr] = {}
    if sort_key is not None:
        # on rows sorted by ``sort_key``, equal rows sit in one block of tied keys: while no
        # block has more than three rows, comparing each row with the one or two before it in
        # its block finds every copy (bigger blocks are rare; their rows are checked exactly)
        tie = tied_to_previous(sort_key)
        tie2 = tie & tie.shift(1).fill_null(False)  # tied to the two rows before it

        def equal_to(back: int) -> pl.Expr:
            return pl.all_horizontal(pl.col(c).eq_missing(pl.col(c).shift(back)) for c in columns)

        sorted_parts = {
            "sorted_bound": (tie & equal_to(1)) | (tie2 & equal_to(2)),
            "sorted_exact": tie2 & tie.shift(2).fill_null(False),
            "sorted_candidates": tied_rows(sort_key),
        }
    return Check(
        column=", ".join(columns) if len(columns) <= 3 else None,
        rule=f"{what} are unique",
        flag=key.is_duplicated() & ~key.is_first_distinct(),
        message=f"Found {what} that repeat.",
        hint=hint,
        level=level,
        # cheap first pass on a 64-bit row hash (an upper bound: 0 proves there is no
        # duplicate); only rows whose hash repeats are then compared exactly
        upper_bound=pl.len() - key.hash().n_unique(),
        candidates=key.hash().is_duplicated(),
        **sorted_parts,
    )


# --------------------------------------------------------------------------------------------
# events
# --------------------------------------------------------------------------------------------
def _events(source, customer, time, touchpoint, tz, score, scale, time_format, drop_duplicates):
    opened = open_source(source, string_columns=(customer,))
    mapping = {"customer_id": customer, "timestamp": time, "touchpoint": touchpoint}
    roles = {
        "customer_id": ("customer id", "customer"),
        "timestamp": ("event time", "time"),
        "touchpoint": ("touchpoint", "touchpoint"),
        "score": ("touchpoint score", "score"),
    }
    if score is not None:
        mapping["score"] = score
    _require(opened, mapping, roles)
    schema = opened.frame.collect_schema()
    ts, checks = _timestamp(time, schema[time], tz, time_format)
    checks = [_not_null(customer, "customer id"), _not_null(touchpoint, "touchpoint"), *checks]
    conv = {
        "__cid": pl.col(customer).cast(pl.String),
        "__ts": ts,
        "__tp": pl.col(touchpoint).cast(pl.String),
    }
    if score is not None:
        lo, hi = scale if scale is not None else (float("-inf"), float("inf"))
        num, more = _range_checks(score, schema[score], lo, hi, None)
        conv["__score"] = num
        checks += more
    dup_cols = [c for c in schema.names()]
    sort_key = (conv["__cid"], conv["__ts"])
    checks.append(
        _duplicates_check(
            dup_cols,
            "exact events (every column equal)",
            "info" if drop_duplicates else "warning",
            "pass drop_duplicates=True to remove them (kept: the first of each)",
            sort_key=sort_key,
        )
    )
    report = run_checks(opened, "events", checks, sort_key=sort_key)
    extras = [c for c in schema.names() if c not in set(mapping.values())]
    canon = opened.frame
    if drop_duplicates and report.count("exact events (every column equal) are unique"):
        canon = canon.unique(maintain_order=True)
    canon = canon.with_columns(**conv).select(
        pl.col("__cid").alias("customer_id"),
        pl.col("__ts").alias("timestamp"),
        pl.col("__tp").alias("touchpoint"),
        *([pl.col("__score").alias("score")] if score is not None else []),
        *[pl.col(c) for c in extras],
    )
    unordered = canon
    # Rows already in (customer, time) order need no sort (a stable sort changes nothing) —
    # when the source gives the same order every time: files and in-memory frames do; a lazy
    # plan (a join, say) may not, so it keeps its sort.
    if not (report.is_sorted and opened.stable_order):
        canon = canon.sort(["customer_id", "timestamp"], maintain_order=True)
    return canon, report, unordered


def read_events(
    source: Any,
    *,
    customer: str = "customer_id",
    time: str = "timestamp",
    touchpoint: str = "touchpoint",
    tz: str | None = None,
    score: str | None = None,
    scale: tuple[float, float] | None = None,
    time_format: str | None = None,
    drop_duplicates: bool = False,
) -> pl.LazyFrame:
    """Read a touchpoint log into the canonical events schema.

    Parameters
    ----------
    source
        Path (CSV, Parquet, NDJSON; a glob or a folder of them), polars or pandas frame.
    customer, time, touchpoint
        Source columns holding the customer id, the event time and the touchpoint.
    tz
        IANA zone of naive timestamps (``"Europe/Amsterdam"``). Timestamps with an offset are
        converted to UTC; naive ones are taken as ``tz`` (UTC when not given). A text column
        mixing naive and offset-aware values is an error unless ``tz`` is given.
    score, scale
        Optional touchpoint-satisfaction column (renamed ``score``) and its scale ``(lo, hi)``;
        values off the scale are an error.
    time_format
        A chrono format such as ``"%d/%m/%Y %H:%M"`` when timestamps are not ISO-like.
    drop_duplicates
        Remove exact duplicate rows (keeping the first). Otherwise they are kept and reported
        with a :class:`~cxkit.errors.CxDataWarning`.

    Returns
    -------
    polars.LazyFrame
        ======================  ===================================================
        ``customer_id``         String
        ``timestamp``           Datetime("us", "UTC")
        ``touchpoint``          String
        ``score``               Float64, only when ``score`` is given
        extra columns           as read
        ======================  ===================================================

        Sorted by customer, time and input order (ties keep their input order).

    Raises
    ------
    CxDataError
        Missing or ambiguous columns, empty or unreadable files, null ids or touchpoints,
        unparseable or missing timestamps, naive/aware mixing, scores off the scale.
    """
    frame, report, unordered = _events(
        source, customer, time, touchpoint, tz, score, scale, time_format, drop_duplicates
    )
    _finish(report)
    _register_sorted(frame, unordered)
    return frame


# --------------------------------------------------------------------------------------------
# customers
# --------------------------------------------------------------------------------------------
_KNOWN_BOOL = ("churned", "converted")
_KNOWN_SCALES = {"nps": (0, 10)}


def _customers(source, customer, booleans, scale):
    opened = open_source(source, string_columns=(customer,))
    mapping = {"customer_id": customer}
    _require(opened, mapping, {"customer_id": ("customer id", "customer")})
    schema = opened.frame.collect_schema()
    checks = [
        _not_null(customer, "customer id"),
        _duplicates_check(
            [customer], "customer ids", "error", "keep one row per customer (aggregate first)"
        ),
    ]
    conv: dict[str, pl.Expr] = {"customer_id": pl.col(customer).cast(pl.String)}
    for col in dict.fromkeys([*(c for c in _KNOWN_BOOL if c in schema), *booleans]):
        if col not in schema:
            raise missing_column_error(
                col,
                schema.names(),
                source=opened.label,
                role="boolean outcome",
                argument="booleans",
            )
        expr, bad = _boolean(col, schema[col])
        conv[col] = expr
        if bad is not None:
            checks.append(
                Check(
                    column=col,
                    rule="boolean outcomes are true/false, yes/no or 1/0",
                    flag=bad,
                    message=f"Column {col!r} holds values that are not booleans.",
                    hint="recode the column as TRUE/FALSE or 1/0",
                )
            )
    scales = {**{k: v for k, v in _KNOWN_SCALES.items() if k in schema}, **(scale or {})}
    for col, (lo, hi) in scales.items():
        if col not in schema:
            raise missing_column_error(
                col, schema.names(), source=opened.label, role="scored outcome", argument="scale"
            )
        num, more = _range_checks(col, schema[col], lo, hi, None)
        conv[col] = num
        checks += more
    report = run_checks(opened, "customers", checks)
    rest = [c for c in schema.names() if c != customer and c not in conv]
    frame = opened.frame.select(*[e.alias(k) for k, e in conv.items()], *[pl.col(c) for c in rest])
    return frame, report


def read_customers(
    source: Any,
    *,
    customer: str = "customer_id",
    booleans: Sequence[str] = (),
    scale: dict[str, tuple[float, float]] | None = None,
) -> pl.LazyFrame:
    """Read one row per customer with their outcomes.

    ``churned`` and ``converted`` (and any column in ``booleans``) become Boolean from
    true/false, yes/no or 1/0; ``nps`` (and any column in ``scale``) is checked against its
    scale (0–10 for NPS). Customer ids must be unique.

    Returns
    -------
    polars.LazyFrame
        ``customer_id`` (String), the converted outcome columns, then every other column.

    Examples
    --------
    >>> import polars as pl, cxkit as cx
    >>> cx.read_customers(pl.DataFrame({"id": [1, 2], "churned": ["TRUE", "no"]}), customer="id").collect().to_dicts()
    [{'customer_id': '1', 'churned': True}, {'customer_id': '2', 'churned': False}]
    """
    frame, report = _customers(source, customer, booleans, scale)
    _finish(report)
    return frame


# --------------------------------------------------------------------------------------------
# survey
# --------------------------------------------------------------------------------------------
def _survey(source, ratings, scale, na_codes, weight, respondent):
    opened = open_source(source, string_columns=(respondent,) if respondent else ())
    schema = opened.frame.collect_schema()
    names = schema.names()
    mapping = {"response_id": respondent} if respondent else {}
    _require(opened, mapping, {"response_id": ("respondent id", "respondent")})
    scale_map: dict[str, tuple[float, float]] = {}
    rating_cols = list(ratings or [])
    if isinstance(scale, dict):
        scale_map.update(scale)
    elif scale is not None:
        scale_map.update({c: tuple(scale) for c in rating_cols})
    checks: list[Check] = []
    conv: dict[str, pl.Expr] = {}
    for col in dict.fromkeys([*rating_cols, *scale_map]):
        if col in opened.renamed_duplicates:
            raise CxDataError(
                f"Rating column {col!r} is ambiguous: the header names it more than once.",
                source=opened.label,
                column=col,
                rule="a mapped column must appear once in the header",
            )
        if col not in names:
            raise missing_column_error(
                col, names, source=opened.label, role="rating", argument="ratings"
            )
        lo, hi = scale_map.get(col, (float("-inf"), float("inf")))
        num, more = _range_checks(col, schema[col], lo, hi, na_codes)
        conv[col] = num
        checks += more
    if weight is not None:
        if weight not in names:
            raise missing_column_error(
                weight, names, source=opened.label, role="weight", argument="weight"
            )
        w, bad = _numeric(weight, schema[weight])
        conv[weight] = w
        if bad is not None:
            checks.append(
                Check(
                    column=weight,
                    rule="weights are numbers",
                    flag=bad,
                    message="Some weights are not numbers.",
                )
            )
        checks.append(
            Check(
                column=weight,
                rule="weights are present and not negative",
                flag=w.is_null() | (w < 0),
                message="Some weights are missing or negative.",
                hint="give every response a weight ≥ 0",
            )
        )
    if respondent:
        checks.append(_not_null(respondent, "respondent id"))
        checks.append(
            _duplicates_check(
                [respondent], "respondent ids", "warning", "keep one row per response"
            )
        )
    report = run_checks(opened, "survey", checks)
    exprs = []
    for c in names:
        if c == respondent:
            exprs.append(pl.col(c).cast(pl.String).alias("response_id"))
        elif c in conv:
            exprs.append(conv[c].alias(c))
        else:
            exprs.append(pl.col(c))
    return opened.frame.select(exprs), report


def read_survey(
    source: Any,
    *,
    ratings: Sequence[str] | None = None,
    scale: tuple[float, float] | dict[str, tuple[float, float]] | None = (1, 5),
    na_codes: Sequence[float] | None = None,
    weight: str | None = None,
    respondent: str | None = None,
) -> pl.LazyFrame:
    """Read survey responses (wide: one rating column per touchpoint; long: ``rating``).

    Parameters
    ----------
    ratings
        Rating columns to validate and convert to Float64 (original names kept).
    scale
        The scale of every rating, ``(lo, hi)``, or a dict per column (which may also name
        outcome columns such as ``{"nps": (0, 10), "csat": (1, 5)}``).
    na_codes
        Codes meaning "not applicable" (e.g. ``[0]``), turned into nulls before range checks.
    weight
        A weight column (numbers ≥ 0).
    respondent
        A respondent id column, renamed ``response_id``.

    Returns
    -------
    polars.LazyFrame
        Every column in its original order; ratings as Float64 (nulls for ``na_codes``).

    Examples
    --------
    >>> import polars as pl, cxkit as cx
    >>> df = pl.DataFrame({"wifi": [0, 4, 5], "food": [3, 3, 1]})
    >>> cx.read_survey(df, ratings=["wifi", "food"], scale=(1, 5), na_codes=[0]).collect()["wifi"].to_list()
    [None, 4.0, 5.0]
    """
    frame, report = _survey(source, ratings, scale, na_codes, weight, respondent)
    _finish(report)
    return frame


# --------------------------------------------------------------------------------------------
# experiment
# --------------------------------------------------------------------------------------------
def _experiment(source, unit, arm, cluster):
    strings = tuple(c for c in (unit, cluster) if c)
    opened = open_source(source, string_columns=strings)
    mapping = {"arm": arm}
    roles = {
        "unit_id": ("unit id", "unit"),
        "arm": ("arm", "arm"),
        "cluster": ("cluster", "cluster"),
    }
    if unit:
        mapping["unit_id"] = unit
    if cluster:
        mapping["cluster"] = cluster
    _require(opened, mapping, roles)
    schema = opened.frame.collect_schema()
    checks = [_not_null(arm, "arm")]
    if unit:
        checks += [
            _not_null(unit, "unit id"),
            _duplicates_check(
                [unit], "unit ids", "error", "keep one row per unit (aggregate first)"
            ),
        ]
    if cluster:
        checks.append(_not_null(cluster, "cluster"))
    checks.append(
        Check(
            column=arm,
            rule="each arm needs at least 2 units",
            flag=pl.len().over(arm) < 2,
            message="An arm has a single unit: nothing can be estimated for it.",
            hint="check the arm labels for typos, or drop that arm",
        )
    )
    report = run_checks(opened, "experiment", checks)
    conv = {}
    if unit:
        conv["unit_id"] = pl.col(unit).cast(pl.String)
    conv["arm"] = pl.col(arm)
    if cluster:
        conv["cluster"] = pl.col(cluster).cast(pl.String)
    rest = [c for c in schema.names() if c not in set(mapping.values())]
    frame = opened.frame.select(*[e.alias(k) for k, e in conv.items()], *[pl.col(c) for c in rest])
    return frame, report


def read_experiment(
    source: Any,
    *,
    unit: str | None = "unit_id",
    arm: str = "arm",
    cluster: str | None = None,
) -> pl.LazyFrame:
    """Read experiment units: one row per unit with its ``arm`` and metric columns.

    ``unit=None`` means each row is a unit and there is no id column. ``cluster`` names the
    randomisation cluster (agent, team, store), renamed ``cluster``. Booleans written
    ``TRUE``/``FALSE`` become Boolean; numeric columns are inferred from every row.

    Returns
    -------
    polars.LazyFrame
        ``unit_id`` (String, when ``unit``), ``arm`` (as read: string or integer labels),
        ``cluster`` (String, when ``cluster``), then every other column.

    Examples
    --------
    >>> import polars as pl, cxkit as cx
    >>> df = pl.DataFrame({"user": [1, 2, 3, 4], "version": ["a", "b", "a", "b"], "y": [0, 1, 1, 0]})
    >>> cx.read_experiment(df, unit="user", arm="version").collect().columns
    ['unit_id', 'arm', 'y']
    """
    frame, report = _experiment(source, unit, arm, cluster)
    _finish(report)
    return frame


# --------------------------------------------------------------------------------------------
# validate: every problem, no exception
# --------------------------------------------------------------------------------------------
def validate(source: Any, *, kind: str = "events", **options: Any) -> ReadReport:
    """Check ``source`` as a ``kind`` of data and return a report instead of raising.

    ``options`` are the keyword arguments of the matching ``read_*`` function. Problems that
    stop reading altogether (file not found, missing column) become a single error.

    Examples
    --------
    >>> import polars as pl, cxkit as cx
    >>> rep = cx.validate(pl.DataFrame({"customer_id": ["a", None], "timestamp": ["2024-01-01", "x"],
    ...                                 "touchpoint": ["web", "ivr"]}), kind="events")
    >>> rep.ok, [p.rule for p in rep.problems if p.level == "error"]
    (False, ['every row needs a customer id', 'every timestamp must parse as a date-time'])
    """
    readers = {
        "events": lambda: _events(
            source,
            options.get("customer", "customer_id"),
            options.get("time", "timestamp"),
            options.get("touchpoint", "touchpoint"),
            options.get("tz"),
            options.get("score"),
            options.get("scale"),
            options.get("time_format"),
            options.get("drop_duplicates", False),
        )[:2],
        "customers": lambda: _customers(
            source,
            options.get("customer", "customer_id"),
            options.get("booleans", ()),
            options.get("scale"),
        ),
        "survey": lambda: _survey(
            source,
            options.get("ratings"),
            options.get("scale", (1, 5)),
            options.get("na_codes"),
            options.get("weight"),
            options.get("respondent"),
        ),
        "experiment": lambda: _experiment(
            source,
            options.get("unit", "unit_id"),
            options.get("arm", "arm"),
            options.get("cluster"),
        ),
    }
    if kind not in readers:
        raise ValueError(f"kind must be one of {sorted(readers)}, got {kind!r}")
    token = FULL_DETAIL.set(True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CxDataWarning)
        try:
            frame, report = readers[kind]()
        except CxDataError as exc:
            FULL_DETAIL.reset(token)
            label = exc.source or (
                str(source) if isinstance(source, str) else type(source).__name__
            )
            return ReadReport(
                kind=kind,
                source=label,
                n_rows=0,
                problems=[
                    Problem(
                        "error",
                        exc.column,
                        exc.rule or "readable input",
                        exc.n_rows or 0,
                        exc.examples,
                        str(exc).splitlines()[0],
                        exc.hint,
                    )
                ],
            )
    FULL_DETAIL.reset(token)
    for w in caught:
        if issubclass(w.category, CxDataWarning) and "appears" in str(w.message):
            report.problems.append(
                Problem("warning", None, "column names are unique", 0, [], str(w.message))
            )
    report.summary = _summary(kind, frame)
    return report


def _summary(kind: str, frame: pl.LazyFrame) -> dict[str, Any]:
    if kind == "events":
        row = (
            frame.select(
                n_events=pl.len(),
                n_customers=pl.col("customer_id").n_unique(),
                n_touchpoints=pl.col("touchpoint").n_unique(),
                first_event=pl.col("timestamp").min(),
                last_event=pl.col("timestamp").max(),
            )
            .collect()
            .row(0, named=True)
        )
        return row
    if kind == "experiment":
        arms = frame.group_by("arm").len().sort("arm").collect()
        return {
            "n_units": int(arms["len"].sum()),
            "arms": dict(zip(map(str, arms["arm"]), arms["len"], strict=True)),
        }
    return {"n_rows": frame.select(pl.len()).collect().item()}
