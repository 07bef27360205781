"""The readers on engine frames (DuckDB relations, Spark DataFrames …): validated in the engine,
returned as engine frames of the same native type, with the polars path's canonical columns.

Private to :mod:`cxkit.io`; ``read_events``, ``read_customers``, ``read_survey`` and
``read_experiment`` send engine frames here. The rules are those of the polars readers
(:mod:`cxkit.io._engine_checks`), counted in one aggregate query. Nothing is sorted: engines
have no row order (the journey functions order by customer, time and ``event_order``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import narwhals.stable.v2 as nw

from cxkit.errors import CxDataWarning, missing_column_error
from cxkit.io._checks import ReadReport
from cxkit.io._engine_checks import (
    Rule,
    add_columns,
    boolean,
    duplicates,
    id_text,
    label_of,
    not_null,
    numbers,
    range_rules,
    run_rules,
    utc_time,
)
from cxkit.io._rules import require_mapped
from cxkit.io.engines import as_engine
from cxkit.schema import EVENT_ORDER, ID_COLUMNS

__all__ = [
    "back_to_native",
    "engine_customers",
    "engine_events",
    "engine_experiment",
    "engine_survey",
    "read_engine",
]


def back_to_native(source: Any, frame: nw.LazyFrame) -> Any:
    """``frame`` in the type the caller gave: a narwhals LazyFrame stays one, else native."""
    return frame if isinstance(source, nw.LazyFrame) else frame.to_native()


def _open(source: Any) -> tuple[nw.LazyFrame, SimpleNamespace, nw.Schema]:
    frame = as_engine(source, what="source")
    opened = SimpleNamespace(frame=frame, label=label_of(frame), renamed_duplicates={})
    return frame, opened, frame.collect_schema()


def _number(col: str, dtype: Any) -> tuple[nw.Expr, nw.Expr | None, dict[str, tuple]]:
    """``col`` as Float64, the flag of text that is not a number, and the native columns."""
    alias = f"__cx_num_{col}"
    native, bad = numbers(col, dtype, alias)
    num = nw.col(alias) if native else nw.col(col).cast(nw.Float64)
    return num, bad, native


def engine_events(
    source: Any,
    *,
    customer: str,
    time: str,
    touchpoint: str,
    tz: str | None,
    score: str | None,
    scale: tuple[float, float] | None,
    time_format: str | None,
    drop_duplicates: bool,
    order_by: str | None = None,
    **_csv: Any,
) -> tuple[nw.LazyFrame, ReadReport]:
    """:func:`cxkit.read_events` on an engine frame: the canonical events and the report."""
    frame, opened, schema = _open(source)
    mapping = {"customer_id": customer, "timestamp": time, "touchpoint": touchpoint}
    roles = {
        "customer_id": ("customer id", "customer"),
        "timestamp": ("event time", "time"),
        "touchpoint": ("touchpoint", "touchpoint"),
        "score": ("touchpoint score", "score"),
        EVENT_ORDER: ("event order", "order_by"),
    }
    if score is not None:
        mapping["score"] = score
    if order_by is not None:
        mapping[EVENT_ORDER] = order_by
    require_mapped(opened, mapping, roles)
    cid, bad_id = id_text(customer, schema[customer])
    native, pre, time_rules = utc_time(time, schema[time], tz, time_format, "__cx_time")
    rules = [
        not_null(customer, "customer id", schema[customer]),
        not_null(touchpoint, "touchpoint", schema[touchpoint]),
        *([bad_id] if bad_id else []),
        *time_rules,
    ]
    conv = {
        "customer_id": cid,
        "timestamp": nw.col("__cx_time"),
        "touchpoint": nw.col(touchpoint).cast(nw.String),
    }
    if score is not None:
        lo, hi = scale if scale is not None else (float("-inf"), float("inf"))
        num, bad, more = _number(score, schema[score])
        native.update(more)
        conv["score"], score_rules = range_rules(score, num, bad, lo, hi, None)
        rules += score_rules
    if order_by is not None:
        rules.append(not_null(order_by, "tie-breaker (order_by)", schema[order_by]))
        conv[EVENT_ORDER] = nw.col(order_by)
    rules.append(
        duplicates(
            schema.names(),
            "exact events (every column equal)",
            "info" if drop_duplicates else "warning",
            "pass drop_duplicates=True to remove them (kept: the first of each)",
        )
    )
    work = add_columns(frame, pre, native)
    report = run_rules(work, "events", opened.label, rules, hidden=[*pre, *native])
    if drop_duplicates and report.count("exact events (every column equal) are unique"):
        work = work.unique(subset=schema.names())
    extras = [c for c in schema.names() if c not in set(mapping.values())]
    out = work.select(*(e.alias(k) for k, e in conv.items()), *extras)
    return out, report


def engine_customers(
    source: Any,
    *,
    customer: str,
    booleans: Sequence[str],
    scale: dict | None,
    **_csv: Any,
) -> tuple[nw.LazyFrame, ReadReport]:
    """:func:`cxkit.read_customers` on an engine frame."""
    from cxkit.io.readers import _KNOWN_BOOL, _KNOWN_SCALES

    frame, opened, schema = _open(source)
    require_mapped(opened, {"customer_id": customer}, {"customer_id": ("customer id", "customer")})
    cid, bad_id = id_text(customer, schema[customer])
    rules = [
        not_null(customer, "customer id", schema[customer]),
        *([bad_id] if bad_id else []),
        duplicates(
            [customer], "customer ids", "error", "keep one row per customer (aggregate first)"
        ),
    ]
    conv: dict[str, nw.Expr] = {"customer_id": cid}
    native: dict[str, tuple] = {}
    for col in dict.fromkeys([*(c for c in _KNOWN_BOOL if c in schema), *booleans]):
        if col not in schema:
            raise missing_column_error(
                col,
                schema.names(),
                source=opened.label,
                role="boolean outcome",
                argument="booleans",
            )
        conv[col], bad = boolean(col, schema[col])
        if bad is not None:
            rules.append(
                Rule(
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
        num, bad, more = _number(col, schema[col])
        native.update(more)
        conv[col], more_rules = range_rules(col, num, bad, lo, hi, None)
        rules += more_rules
    work = add_columns(frame, {}, native)
    report = run_rules(work, "customers", opened.label, rules, hidden=list(native))
    rest = [c for c in schema.names() if c != customer and c not in conv]
    return work.select(*(e.alias(k) for k, e in conv.items()), *rest), report


def _weight(weight: str, schema: nw.Schema, label: str):
    if weight not in schema:
        raise missing_column_error(
            weight, schema.names(), source=label, role="weight", argument="weight"
        )
    w, bad, native = _number(weight, schema[weight])
    rules = []
    if bad is not None:
        rules.append(
            Rule(
                column=weight,
                rule="weights are numbers",
                flag=bad,
                message="Some weights are not numbers.",
                hint="recode text weights as numbers at the source",
            )
        )
    rules.append(
        Rule(
            column=weight,
            rule="weights are present and not negative",
            flag=(w.is_null() | (w < 0)).fill_null(True),
            message="Some weights are missing or negative.",
            hint="give every response a weight ≥ 0",
        )
    )
    return w, rules, native


def engine_survey(
    source: Any,
    *,
    ratings: Sequence[str] | None,
    scale: Any,
    na_codes: Sequence[float] | None,
    weight: str | None,
    respondent: str | None,
    **_csv: Any,
) -> tuple[nw.LazyFrame, ReadReport]:
    """:func:`cxkit.read_survey` on an engine frame."""
    frame, opened, schema = _open(source)
    names = schema.names()
    ids = tuple(dict.fromkeys([*([respondent] if respondent else []), *sorted(ID_COLUMNS)]))
    mapping = {"response_id": respondent} if respondent else {}
    require_mapped(opened, mapping, {"response_id": ("respondent id", "respondent")})
    scale_map: dict[str, tuple[float, float]] = {}
    rating_cols = list(ratings or [])
    if isinstance(scale, dict):
        scale_map.update(scale)
    elif scale is not None:
        scale_map.update({c: tuple(scale) for c in rating_cols})
    rules: list[Rule] = []
    conv: dict[str, nw.Expr] = {}
    native: dict[str, tuple] = {}
    for col in dict.fromkeys([*rating_cols, *scale_map]):
        if col not in names:
            raise missing_column_error(
                col, names, source=opened.label, role="rating", argument="ratings"
            )
        lo, hi = scale_map.get(col, (float("-inf"), float("inf")))
        num, bad, more = _number(col, schema[col])
        native.update(more)
        conv[col], more_rules = range_rules(col, num, bad, lo, hi, na_codes)
        rules += more_rules
    if weight is not None:
        conv[weight], more_rules, more = _weight(weight, schema, opened.label)
        native.update(more)
        rules += more_rules
    elif "weight" in names:
        warnings.warn(
            f"{opened.label}: the survey has a 'weight' column, but weight= was not given, so "
            "every response counts once. To weight the results pass weight='weight' (to "
            "read_survey and to the analyses); if the column is not a weight, rename it.",
            CxDataWarning,
            stacklevel=4,
        )
    for col in [c for c in ids if c in names and c not in conv]:
        conv[col], bad_id = id_text(col, schema[col])
        rules += [bad_id] if bad_id else []
    if respondent:
        rules.append(not_null(respondent, "respondent id", schema[respondent]))
        rules.append(
            duplicates([respondent], "respondent ids", "warning", "keep one row per response")
        )
    work = add_columns(frame, {}, native)
    report = run_rules(work, "survey", opened.label, rules, hidden=list(native))
    exprs = [
        conv[c].alias("response_id" if c == respondent else c) if c in conv else nw.col(c)
        for c in names
    ]
    return work.select(exprs), report


def engine_experiment(
    source: Any, *, unit: str | None, arm: str, cluster: str | None, **_csv: Any
) -> tuple[nw.LazyFrame, ReadReport]:
    """:func:`cxkit.read_experiment` on an engine frame."""
    frame, opened, schema = _open(source)
    mapping = {"arm": arm, **({"unit_id": unit} if unit else {})}
    mapping.update({"cluster": cluster} if cluster else {})
    roles = {
        "unit_id": ("unit id", "unit"),
        "arm": ("arm", "arm"),
        "cluster": ("cluster", "cluster"),
    }
    require_mapped(opened, mapping, roles)
    rules = [not_null(arm, "arm", schema[arm])]
    conv: dict[str, nw.Expr] = {}
    if unit:
        conv["unit_id"], bad_id = id_text(unit, schema[unit])
        rules += [
            not_null(unit, "unit id", schema[unit]),
            *([bad_id] if bad_id else []),
            duplicates([unit], "unit ids", "error", "keep one row per unit (aggregate first)"),
        ]
    if cluster:
        rules.append(not_null(cluster, "cluster", schema[cluster]))
    rules.append(
        Rule(
            column=arm,
            rule="each arm needs at least 2 units",
            flag=nw.len().over(arm) < 2,
            message="An arm has a single unit: nothing can be estimated for it.",
            hint="check the arm labels for typos, or drop that arm",
        )
    )
    report = run_rules(frame, "experiment", opened.label, rules, hidden=[])
    conv["arm"] = nw.col(arm)
    if cluster:
        conv["cluster"] = nw.col(cluster).cast(nw.String)
    rest = [c for c in schema.names() if c not in set(mapping.values())]
    return frame.select(*(e.alias(k) for k, e in conv.items()), *rest), report


_READERS = {
    "events": engine_events,
    "customers": engine_customers,
    "survey": engine_survey,
    "experiment": engine_experiment,
}


def read_engine(kind: str, source: Any, **options: Any) -> Any:
    """``read_<kind>`` on an engine frame: validate in the engine, raise or warn as the polars
    readers do, and return the canonical frame in the caller's type."""
    from cxkit.io._rules import finish

    frame, report = _READERS[kind](source, **options)
    finish(report)
    return back_to_native(source, frame)
