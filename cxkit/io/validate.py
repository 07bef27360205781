"""``validate``: every problem of a source as a report, instead of the first one as an error."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from cxkit._frames import check_choice
from cxkit.errors import CxDataError, CxDataWarning
from cxkit.io._checks import FULL_DETAIL, Problem, ReadReport
from cxkit.io._engine_read import engine_customers, engine_events, engine_experiment, engine_survey
from cxkit.io.engines import collect, is_engine
from cxkit.io.events import _events, read_events
from cxkit.io.readers import (
    _customers,
    _experiment,
    _survey,
    read_customers,
    read_experiment,
    read_survey,
)

__all__ = ["READERS", "READER_DEFAULTS", "validate"]

#: The reader of each ``kind`` of data.
READERS: dict[str, Callable[..., pl.LazyFrame]] = {
    "events": read_events,
    "customers": read_customers,
    "survey": read_survey,
    "experiment": read_experiment,
}
#: The keyword options of each reader with their defaults, taken from the readers' own
#: signatures (the one place they are written); ``cxkit validate`` reads its defaults here.
READER_DEFAULTS: dict[str, dict[str, Any]] = {
    kind: {
        name: p.default
        for name, p in inspect.signature(reader).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    for kind, reader in READERS.items()
}
_SCANS = {"events": _events, "customers": _customers, "survey": _survey, "experiment": _experiment}
#: the same on engine frames (validated in the engine, one aggregate query)
_ENGINE_SCANS = {
    "events": engine_events,
    "customers": engine_customers,
    "survey": engine_survey,
    "experiment": engine_experiment,
}


def validate(source: Any, *, kind: str = "events", **options: Any) -> ReadReport:
    """Check ``source`` as a ``kind`` of data and return a report instead of raising.

    ``options`` are the keyword arguments of the matching ``read_*`` function. Problems that
    stop reading altogether (file not found, missing column) become a single error. An engine
    frame (DuckDB relation, Spark DataFrame) is checked in its engine: one aggregate query
    counts every rule, and examples (≤ 5, without row numbers) are fetched for the failing ones.

    Examples
    --------
    >>> import polars as pl, cxkit as cx
    >>> rep = cx.validate(pl.DataFrame({"customer_id": ["a", None], "timestamp": ["2024-01-01", "x"],
    ...                                 "touchpoint": ["web", "ivr"]}), kind="events")
    >>> rep.ok, [p.rule for p in rep.problems if p.level == "error"]
    (False, ['every row needs a customer id', 'every timestamp must parse as a date-time'])
    """
    if kind not in READERS:
        check_choice(kind, sorted(READERS), argument="kind", what="kind of data")
    unknown = sorted(set(options) - set(READER_DEFAULTS[kind]))
    if unknown:
        raise TypeError(
            f"validate(kind={kind!r}) got unknown option(s) {unknown}; "
            f"the options are {sorted(READER_DEFAULTS[kind])}"
        )
    scan = _ENGINE_SCANS[kind] if is_engine(source) else _SCANS[kind]
    opts = {**READER_DEFAULTS[kind], **options}
    token = FULL_DETAIL.set(True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CxDataWarning)
        try:
            frame, report = scan(source, **opts)[:2]
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


def _engine_summary(kind: str, frame: nw.LazyFrame) -> dict[str, Any]:
    """The summary of an engine frame, from one small aggregate query."""
    if kind == "events":
        return collect(
            frame.select(
                nw.len().alias("n_events"),
                nw.col("customer_id").n_unique().alias("n_customers"),
                nw.col("touchpoint").n_unique().alias("n_touchpoints"),
                nw.col("timestamp").min().alias("first_event"),
                nw.col("timestamp").max().alias("last_event"),
            )
        ).row(0, named=True)
    if kind == "experiment":
        arms = collect(frame.group_by("arm").agg(nw.len().alias("len"))).sort("arm")
        return {
            "n_units": int(arms["len"].sum()),
            "arms": dict(zip(map(str, arms["arm"]), arms["len"], strict=True)),
        }
    return {"n_rows": int(collect(frame.select(nw.len().alias("n")))["n"][0])}


def _summary(kind: str, frame: Any) -> dict[str, Any]:
    if is_engine(frame):
        return _engine_summary(kind, frame)
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
