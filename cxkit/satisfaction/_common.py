"""Helpers shared by the satisfaction modules (private to the package)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from cxkit._frames import mask_na_codes, require_columns, require_numeric, to_lazy
from cxkit.io.engines import as_engine, is_engine
from cxkit.metrics import summarize
from cxkit.satisfaction import _engine

SURVEY_HINT = "read files with cx.read_survey, or pass one of the accepted frame types"


def as_list(x: str | Sequence[str] | None) -> list[str]:
    """``None`` → ``[]``, a string → ``[it]``, a sequence → a list."""
    if x is None:
        return []
    return [x] if isinstance(x, str) else list(x)


def survey_frame(survey: Any, what: str = "survey") -> Any:
    """The one input adapter (polars, pandas, pyarrow) with the survey hint; an engine frame
    (DuckDB, Spark …) stays in its engine as a ``narwhals.LazyFrame``."""
    if is_engine(survey):
        return as_engine(survey, what=what)
    return to_lazy(survey, what=what, hint=SURVEY_HINT)


def names(lf: Any) -> list[str]:
    """Column names of a polars or an engine (narwhals) lazy frame."""
    return list(lf.collect_schema().names())


def summarizer(lf: Any) -> Callable[..., pl.DataFrame]:
    """:func:`cxkit.metrics.summarize`, or its push-down twin for an engine frame."""
    return summarize if isinstance(lf, pl.LazyFrame) else _engine.summarize


def with_na_codes(
    lf: pl.LazyFrame, columns: Sequence[str], na_codes: Sequence[float] | None, source: str
) -> pl.LazyFrame:
    """Score columns with the "not applicable" codes made null (as Float64), after checking
    the columns exist and are numeric. Unchanged when there are no codes."""
    if not na_codes:
        return lf
    schema = lf.collect_schema()
    require_columns(list(schema.names()), {c: ("score", "column") for c in columns}, source=source)
    schema = schema if isinstance(schema, pl.Schema) else schema.to_polars()
    for c in columns:
        require_numeric(schema, c, role="score", source=source)
    codes = [float(c) for c in na_codes]
    if not isinstance(lf, pl.LazyFrame):
        return _engine.mask_codes(lf, columns, codes)
    return lf.with_columns(
        mask_na_codes(pl.col(c).cast(pl.Float64), codes).alias(c) for c in columns
    )


def by_items(
    survey: Any,
    columns: str | Sequence[str],
    na_codes: Sequence[float] | None,
    fn: Callable[[pl.LazyFrame, str], pl.DataFrame],
    source: str,
) -> pl.DataFrame:
    """Apply ``fn(lazyframe, column)`` per column; add a leading ``item`` column for lists."""
    cols = as_list(columns)
    lf = with_na_codes(survey_frame(survey), cols, na_codes, source)
    if isinstance(columns, str):
        return fn(lf, columns)
    parts = [fn(lf, c).select(pl.lit(c).alias("item"), pl.all()) for c in cols]
    return pl.concat(parts, how="vertical_relaxed") if parts else pl.DataFrame()
