"""Helpers shared by the chart modules (private to :mod:`cxkit.charts`).

Result columns are being renamed across cxkit (``low_base`` → ``base_flag``, ``diff`` →
``effect``): :func:`with_renamed` lets a chart take a frame with either name, preferring the new.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from cxkit.errors import CxDataError
from cxkit.schema import BASE_OK, BASE_SUPPRESSED

__all__ = ["need", "plain", "with_base_flag", "with_renamed"]


def need(frame: pl.DataFrame, columns: Sequence[str], fn: str, source: str) -> None:
    """Raise ``CxDataError`` naming the function and the result it needs when columns are missing."""
    if not isinstance(frame, pl.DataFrame):
        raise CxDataError(
            f"{fn}() needs the polars DataFrame from {source}, got {type(frame).__name__}.",
            rule="a chart takes a cxkit result frame",
            hint=f"pass the result of {source} (collect a LazyFrame with .collect())",
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CxDataError(
            f"{fn}() needs the frame from {source}; columns missing: {missing}",
            source=fn,
            column=missing[0],
            rule=f"the frame has the columns {list(columns)}",
            hint=f"pass the result of {source}, unchanged",
        )


def with_renamed(frame: pl.DataFrame, renames: Mapping[str, str]) -> pl.DataFrame:
    """``frame`` with each ``old → new`` column available under ``new`` (the new name wins).

    >>> with_renamed(pl.DataFrame({"diff": [0.1]}), {"diff": "effect"}).columns
    ['effect']
    >>> with_renamed(pl.DataFrame({"effect": [0.2], "diff": [0.1]}), {"diff": "effect"})["effect"][0]
    0.2
    """
    todo = {old: new for old, new in renames.items() if new not in frame.columns}
    return frame.rename({old: new for old, new in todo.items() if old in frame.columns})


def with_base_flag(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with a string ``base_flag`` ("ok"/"small base"/"suppressed") and a Boolean
    ``flagged`` (not "ok"); an old Boolean ``low_base`` column becomes "suppressed"/"ok".

    >>> with_base_flag(pl.DataFrame({"low_base": [True, False]}))["base_flag"].to_list()
    ['suppressed', 'ok']
    """
    if "base_flag" not in frame.columns and "low_base" in frame.columns:
        frame = frame.with_columns(
            pl.when(pl.col("low_base"))
            .then(pl.lit(BASE_SUPPRESSED))
            .otherwise(pl.lit(BASE_OK))
            .alias("base_flag")
        )
    if "base_flag" in frame.columns:
        frame = frame.with_columns(
            (pl.col("base_flag").fill_null(BASE_OK) != BASE_OK).alias("flagged")
        )
    return frame


def plain(frame: pl.DataFrame) -> pl.DataFrame:
    """Duration columns become ``<name>_hours`` floats (Vega-Lite has no durations)."""
    durations = [c for c, t in frame.schema.items() if isinstance(t, pl.Duration)]
    return frame.with_columns(
        (pl.col(c).dt.total_seconds(fractional=True) / 3600).alias(c + "_hours") for c in durations
    ).drop(durations)
