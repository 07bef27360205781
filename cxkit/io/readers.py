"""``read_customers``, ``read_survey`` and ``read_experiment``: one row per customer, response
or experiment unit, converted to canonical names and types.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import polars as pl

from cxkit.errors import CxDataError, CxDataWarning, missing_column_error
from cxkit.io._checks import Check, ReadReport, run_checks
from cxkit.io._convert import boolean, id_text, numeric, range_checks
from cxkit.io._engine_read import read_engine
from cxkit.io._rules import duplicates_check, finish, not_null, require_mapped
from cxkit.io._sources import open_source, unchanged_guard
from cxkit.io.engines import is_engine
from cxkit.schema import ARM, CUSTOMER_ID, ID_COLUMNS, UNIT_ID

__all__ = ["read_customers", "read_experiment", "read_survey"]

# --------------------------------------------------------------------------------------------
# customers
# --------------------------------------------------------------------------------------------
_KNOWN_BOOL = ("churned", "converted")
_KNOWN_SCALES = {"nps": (0, 10)}


def _customers(
    source: Any,
    *,
    customer: str,
    booleans: Sequence[str],
    scale: dict | None,
    encoding: str | None = None,
    separator: str | None = None,
) -> tuple[pl.LazyFrame, ReadReport]:
    opened = open_source(source, string_columns=(customer,), encoding=encoding, separator=separator)
    mapping = {"customer_id": customer}
    require_mapped(opened, mapping, {"customer_id": ("customer id", "customer")})
    schema = opened.frame.collect_schema()
    cid, bad_id = id_text(customer, schema[customer])
    checks = [
        not_null(customer, "customer id", schema[customer]),
        *([bad_id] if bad_id else []),
        duplicates_check(
            [customer], "customer ids", "error", "keep one row per customer (aggregate first)"
        ),
    ]
    conv: dict[str, pl.Expr] = {
        "customer_id": unchanged_guard(opened, cid, pl.String),
    }
    for col in dict.fromkeys([*(c for c in _KNOWN_BOOL if c in schema), *booleans]):
        if col not in schema:
            raise missing_column_error(
                col,
                schema.names(),
                source=opened.label,
                role="boolean outcome",
                argument="booleans",
            )
        expr, bad = boolean(col, schema[col])
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
        num, more = range_checks(col, schema[col], lo, hi, None)
        conv[col] = num
        checks += more
    report = run_checks(opened, "customers", checks)
    rest = [c for c in schema.names() if c != customer and c not in conv]
    frame = opened.frame.select(*[e.alias(k) for k, e in conv.items()], *[pl.col(c) for c in rest])
    return frame, report


def read_customers(
    source: Any,
    *,
    customer: str = CUSTOMER_ID,
    booleans: Sequence[str] = (),
    scale: dict[str, tuple[float, float]] | None = None,
    encoding: str | None = None,
    separator: str | None = None,
) -> pl.LazyFrame:
    """Read one row per customer with their outcomes.

    ``churned`` and ``converted`` (and any column in ``booleans``) become Boolean from
    true/false, yes/no or 1/0; ``nps`` (and any column in ``scale``) is checked against its
    scale (0–10 for NPS). Customer ids must be unique and not empty or blank; they are text
    (whole-number float ids from pandas, ``1.0``, become ``"1"``). ``encoding`` and
    ``separator`` apply to CSV files as in :func:`cxkit.read_events`.

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
    if is_engine(source):  # validated in the engine; an engine frame back
        return read_engine("customers", source, customer=customer, booleans=booleans, scale=scale)
    frame, report = _customers(
        source,
        customer=customer,
        booleans=booleans,
        scale=scale,
        encoding=encoding,
        separator=separator,
    )
    finish(report)
    return frame


# --------------------------------------------------------------------------------------------
# survey
# --------------------------------------------------------------------------------------------
def _weight(weight: str, schema: pl.Schema, label: str) -> tuple[pl.Expr, list[Check]]:
    """The survey weight as a number, with its checks (numbers, present, not negative)."""
    if weight not in schema:
        raise missing_column_error(
            weight, schema.names(), source=label, role="weight", argument="weight"
        )
    w, bad = numeric(weight, schema[weight])
    checks = []
    if bad is not None:
        checks.append(
            Check(
                column=weight,
                rule="weights are numbers",
                flag=bad,
                message="Some weights are not numbers.",
                hint="recode text weights as numbers at the source",
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
    return w, checks


def _survey(
    source: Any,
    *,
    ratings: Sequence[str] | None,
    scale: Any,
    na_codes: Sequence[float] | None,
    weight: str | None,
    respondent: str | None,
    encoding: str | None = None,
    separator: str | None = None,
) -> tuple[pl.LazyFrame, ReadReport]:
    # ids are text everywhere: the respondent column and any canonical id column (007 ≠ 7)
    ids = tuple(dict.fromkeys([*([respondent] if respondent else []), *sorted(ID_COLUMNS)]))
    opened = open_source(source, string_columns=ids, encoding=encoding, separator=separator)
    schema = opened.frame.collect_schema()
    names = schema.names()
    mapping = {"response_id": respondent} if respondent else {}
    require_mapped(opened, mapping, {"response_id": ("respondent id", "respondent")})
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
        num, more = range_checks(col, schema[col], lo, hi, na_codes)
        conv[col] = num
        checks += more
    if weight is not None:
        conv[weight], more = _weight(weight, schema, opened.label)
        checks += more
    elif "weight" in names:  # a weight column nobody asked for: say so, do not guess
        warnings.warn(
            f"{opened.label}: the survey has a 'weight' column, but weight= was not given, so "
            "every response counts once. To weight the results pass weight='weight' (to "
            "read_survey and to the analyses); if the column is not a weight, rename it.",
            CxDataWarning,
            stacklevel=3,
        )
    for col in [c for c in ids if c in names and c not in conv]:
        conv[col], bad_id = id_text(col, schema[col])
        checks += [bad_id] if bad_id else []
    if respondent:
        checks.append(not_null(respondent, "respondent id", schema[respondent]))
        checks.append(
            duplicates_check([respondent], "respondent ids", "warning", "keep one row per response")
        )
    report = run_checks(opened, "survey", checks)
    exprs = []
    for c in names:
        if c == respondent:
            exprs.append(unchanged_guard(opened, conv[c], pl.String).alias("response_id"))
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
    encoding: str | None = None,
    separator: str | None = None,
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
        A respondent id column, renamed ``response_id``. It and any ``customer_id``,
        ``response_id``, ``respondent_id`` or ``unit_id`` column are read as text (``007``
        stays ``"007"``).
    encoding, separator
        CSV only, as in :func:`cxkit.read_events`.

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
    if is_engine(source):  # validated in the engine; an engine frame back
        return read_engine(
            "survey", source, ratings=ratings, scale=scale, na_codes=na_codes, weight=weight,
            respondent=respondent,
        )  # fmt: skip
    frame, report = _survey(
        source,
        ratings=ratings,
        scale=scale,
        na_codes=na_codes,
        weight=weight,
        respondent=respondent,
        encoding=encoding,
        separator=separator,
    )
    finish(report)
    return frame


# --------------------------------------------------------------------------------------------
# experiment
# --------------------------------------------------------------------------------------------
def _experiment(
    source: Any,
    *,
    unit: str | None,
    arm: str,
    cluster: str | None,
    encoding: str | None = None,
    separator: str | None = None,
) -> tuple[pl.LazyFrame, ReadReport]:
    strings = tuple(c for c in (unit, cluster) if c)
    opened = open_source(source, string_columns=strings, encoding=encoding, separator=separator)
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
    require_mapped(opened, mapping, roles)
    schema = opened.frame.collect_schema()
    checks = [not_null(arm, "arm", schema[arm])]
    conv = {}
    if unit:
        conv["unit_id"], bad_id = id_text(unit, schema[unit])
        checks += [
            not_null(unit, "unit id", schema[unit]),
            *([bad_id] if bad_id else []),
            duplicates_check(
                [unit], "unit ids", "error", "keep one row per unit (aggregate first)"
            ),
        ]
    if cluster:
        checks.append(not_null(cluster, "cluster", schema[cluster]))
    checks.append(
        Check(
            column=arm,
            rule="each arm needs at least 2 units",
            flag=pl.len().over(arm) < 2,
            message="An arm has a single unit: nothing can be estimated for it.",
            hint="check the arm labels for typos, or drop that arm",
            # the same count without a window: one row per single-unit arm (2× cheaper)
            upper_bound=(pl.col(arm).unique_counts() < 2).sum(),
        )
    )
    report = run_checks(opened, "experiment", checks)
    conv["arm"] = unchanged_guard(opened, pl.col(arm), schema[arm])
    if cluster:
        conv["cluster"] = pl.col(cluster).cast(pl.String)
    rest = [c for c in schema.names() if c not in set(mapping.values())]
    frame = opened.frame.select(*[e.alias(k) for k, e in conv.items()], *[pl.col(c) for c in rest])
    return frame, report


def read_experiment(
    source: Any,
    *,
    unit: str | None = UNIT_ID,
    arm: str = ARM,
    cluster: str | None = None,
    encoding: str | None = None,
    separator: str | None = None,
) -> pl.LazyFrame:
    """Read experiment units: one row per unit with its ``arm`` and metric columns.

    ``unit=None`` means each row is a unit and there is no id column. ``cluster`` names the
    randomisation cluster (agent, team, store), renamed ``cluster``. Booleans written
    ``TRUE``/``FALSE`` become Boolean; numeric columns are inferred from every row. Unit ids
    are text and never empty or blank. ``encoding`` and ``separator`` apply to CSV files as
    in :func:`cxkit.read_events`.

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
    if is_engine(source):  # validated in the engine; an engine frame back
        return read_engine("experiment", source, unit=unit, arm=arm, cluster=cluster)
    frame, report = _experiment(
        source, unit=unit, arm=arm, cluster=cluster, encoding=encoding, separator=separator
    )
    finish(report)
    return frame
