"""Input checks shared by the loyalty functions (private to :mod:`cxkit.loyalty`).

Every function reads its table through :func:`cxkit._frames.to_lazy`, selects only the columns it
needs, and checks them here: durations are numbers ≥ 0, events are 0/1 or true/false, values
are numbers. Rows with a blank duration or event are left out *and reported* (a
:class:`~cxkit.errors.CxDataWarning` naming the column and the count), never dropped silently.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any

import polars as pl

from cxkit._frames import require_columns, require_numeric, to_lazy
from cxkit.errors import CxDataError, CxDataWarning

__all__ = [
    "GROUP",
    "as_list",
    "check_binary",
    "check_duration",
    "check_value",
    "drop_blanks",
    "load",
    "snake",
    "warn",
]

#: The one column name for a group label in result frames.
GROUP = "group"


def as_list(x: str | Sequence[str] | None) -> list[str]:
    """``None`` → ``[]``, a string → ``[string]``, a sequence → a list."""
    if x is None:
        return []
    return [x] if isinstance(x, str) else list(x)


def snake(text: str) -> str:
    """A label as a snake_case column-name part: ``"agent call"`` → ``"agent_call"``.

    >>> snake("Agent Call / IVR")
    'agent_call_ivr'
    """
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_") or "x"


def warn(message: str) -> None:
    """Issue a :class:`~cxkit.errors.CxDataWarning` pointing at the caller's caller."""
    warnings.warn(message, CxDataWarning, stacklevel=4)


def load(
    data: Any, columns: dict[str, tuple[str, str]], *, what: str = "customers"
) -> pl.DataFrame:
    """The mapped columns of ``data`` (any accepted frame type) as a polars DataFrame.

    ``columns`` maps column name → (role, argument) for the missing-column error. Only the
    named columns are collected (in that order, each once).
    """
    lf = to_lazy(data, what=what)
    require_columns(lf, columns, source=what)
    return lf.select(list(dict.fromkeys(columns))).collect()


def _examples(frame: pl.DataFrame, bad: pl.Expr, column: str) -> tuple[int, list[Any]]:
    rows = frame.with_row_index("row").filter(bad)
    return rows.height, rows.select("row", column).head(5).to_dicts()


def check_duration(frame: pl.DataFrame, column: str, *, source: str) -> None:
    """Raise ``CxDataError`` unless ``column`` is numeric and ≥ 0 (blanks are allowed here)."""
    require_numeric(frame.schema, column, role="duration", source=source, allow_bool=False)
    n_bad, examples = _examples(frame, pl.col(column) < 0, column)
    if n_bad:
        raise CxDataError(
            f"Column {column!r} (the duration) has negative values.",
            source=source,
            column=column,
            rule="a duration (time as a customer until leaving or until now) is ≥ 0",
            n_rows=n_bad,
            examples=examples,
            hint="compute the duration as end − start in one unit (e.g. months); check for "
            "swapped dates",
        )


def check_binary(frame: pl.DataFrame, column: str, *, role: str, source: str) -> pl.Expr:
    """Raise ``CxDataError`` unless ``column`` holds only 0/1 or true/false (blanks allowed);
    return an expression giving it as Int8 (1 = the event happened)."""
    dtype = frame.schema[column]
    if dtype == pl.Boolean:
        return pl.col(column).cast(pl.Int8)
    if not dtype.is_numeric():
        bad = pl.col(column).is_not_null()
    else:
        bad = pl.col(column).is_not_null() & ~pl.col(column).cast(pl.Float64).is_in([0.0, 1.0])
    n_bad, examples = _examples(frame, bad, column)
    if n_bad:
        raise CxDataError(
            f"Column {column!r} (the {role}) must be coded 0/1 or true/false.",
            source=source,
            column=column,
            rule=f"the {role} is 0/1 or true/false (1 / true = it happened)",
            n_rows=n_bad,
            examples=examples,
            hint=f"recode it, e.g. pl.col({column!r}) == 'yes', before passing it",
        )
    return pl.col(column).cast(pl.Int8)


def check_value(frame: pl.DataFrame, column: str, *, source: str) -> None:
    """Raise ``CxDataError`` unless ``column`` is numeric; warn when it has negatives (a
    revenue, margin or CLV is expected to be ≥ 0; refunds may make it negative)."""
    require_numeric(frame.schema, column, role="value", source=source, allow_bool=False)
    n_neg = frame.select((pl.col(column) < 0).sum()).item()
    if n_neg:
        warn(
            f"{source}: column {column!r} (the value) has {n_neg:,} negative value(s); a revenue "
            "or CLV is expected to be ≥ 0. They are used as they are (refunds?) — check the "
            "column if that is not what it holds."
        )


def drop_blanks(frame: pl.DataFrame, columns: Sequence[str], *, source: str) -> pl.DataFrame:
    """``frame`` without rows blank in any of ``columns``, with a warning naming the counts."""
    counts = frame.select(pl.col(c).is_null().sum() for c in columns).row(0)
    if not any(counts):
        return frame
    parts = [f"{n:,} blank {c!r}" for c, n in zip(columns, counts, strict=True) if n]
    kept = frame.drop_nulls(list(columns))
    warn(
        f"{source}: {frame.height - kept.height:,} of {frame.height:,} rows left out "
        f"({', '.join(parts)}); the analysis uses the other {kept.height:,}."
    )
    return kept
