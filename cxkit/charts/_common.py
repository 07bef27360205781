"""Helpers shared by the chart modules (private to :mod:`cxkit.charts`).

Result columns are being renamed across cxkit (``low_base`` → ``base_flag``, ``diff`` →
``effect``): :func:`with_renamed` lets a chart take a frame with either name, preferring the new.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import polars as pl

from cxkit.errors import CxDataError
from cxkit.schema import BASE_OK, BASE_SUPPRESSED

__all__ = ["need", "place_labels", "plain", "with_base_flag", "with_renamed", "words"]


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


def words(expr: pl.Expr) -> pl.Expr:
    """Codes from data (``agent_call``, ``ivr``, ``csat``) in reader words, by the rule of
    ``schema.ACRONYMS`` (the same as ``cxkit.report.wording.reader_label``): a name in
    ``schema.METRIC_LABELS`` takes its label; underscores become spaces; a name holding a
    capital letter or a special label (``(end)``) is otherwise kept; else ``ACRONYMS`` go into
    capitals and the first letter is capitalised; a path is worded step by step.

    >>> pl.select(words(pl.lit("agent_call")), words(pl.lit("ivr")).alias("b"),
    ...           words(pl.lit("Seat comfort")).alias("c")).row(0)
    ('Agent call', 'IVR', 'Seat comfort')
    """
    from cxkit.schema import SEP

    return expr.cast(pl.String).str.split(SEP).list.eval(_word(pl.element())).list.join(SEP)


def _word(s: pl.Expr) -> pl.Expr:
    from cxkit.schema import ACRONYMS, METRIC_LABELS

    spaced = s.replace(METRIC_LABELS).str.replace_all("_", " ")
    acr = spaced.str.replace_all(r"(?i)\b(" + "|".join(ACRONYMS) + r")\b", "<$1>")
    for a in ACRONYMS:  # polars has no upper-casing replacement: one literal per acronym
        acr = acr.str.replace_all(f"(?i)<{a}>", a)
    cap = acr.str.slice(0, 1).str.to_uppercase() + acr.str.slice(1)
    kept = s.str.contains("[A-Z]") | s.str.starts_with("(")
    return pl.when(kept).then(spaced).otherwise(cap)


def plain(frame: pl.DataFrame) -> pl.DataFrame:
    """Duration columns become ``<name>_hours`` floats (Vega-Lite has no durations)."""
    durations = [c for c, t in frame.schema.items() if isinstance(t, pl.Duration)]
    return frame.with_columns(
        (pl.col(c).dt.total_seconds(fractional=True) / 3600).alias(c + "_hours") for c in durations
    ).drop(durations)


def _overlap(a: tuple, b: tuple) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def place_labels(
    xs: Sequence[float],
    ys: Sequence[float],
    labels: Sequence[str],
    domains: tuple[tuple[float, float], tuple[float, float]],
    size: tuple[float, float],
    *,
    char: float = 7.0,
    line: float = 12.0,
    point: float = 6.0,
) -> list[tuple[float, float]]:
    """Centres (in data units) for short labels beside points, clear of every point and of
    the labels placed before (greedy: the nearest free spot on rings of 8 directions).

    ``domains`` are the x and y scale domains and ``size`` the plot's width and height in
    pixels; labels are drawn centred (``align="center"``, ``baseline="middle"``).

    >>> place_labels([0, 0], [0, 0], ["1", "2"], ((-1, 1), (-1, 1)), (200, 200))
    [(0.175, 0.0), (0.1237436867, 0.1343502884)]
    """
    (x0, x1), (y0, y1) = domains
    width, height = size
    px = [(x - x0) / (x1 - x0) * width for x in xs]
    py = [height - (y - y0) / (y1 - y0) * height for y in ys]
    taken = [(a - point, b - point, a + point, b + point) for a, b in zip(px, py, strict=True)]
    spots = []
    for a, b, text in zip(px, py, labels, strict=True):
        w, h = char * len(text) / 2 + 1, line / 2
        best, cost = (a + point + w, b), math.inf
        for ring in (point + 5, point + 13, point + 22, point + 32):
            for k in range(8):
                angle = k * math.pi / 4
                c = (a + math.cos(angle) * (ring + w - h), b - math.sin(angle) * ring)
                box = (c[0] - w, c[1] - h, c[0] + w, c[1] + h)
                out = box[0] < 0 or box[2] > width or box[1] < 0 or box[3] > height
                hit = sum(_overlap(box, t) for t in taken) + (1e6 if out else 0.0)
                own = math.dist(c, (a, b))  # nearer another point than its own: ambiguous
                hit += 500.0 * sum(math.dist(c, q) < own for q in zip(px, py, strict=True))
                if hit < cost:
                    best, cost = c, hit
            if cost == 0:
                break
        taken.append((best[0] - w, best[1] - h, best[0] + w, best[1] + h))
        spots.append(best)
    return [
        (
            round(x0 + c[0] / width * (x1 - x0), 10),
            round(y0 + (height - c[1]) / height * (y1 - y0), 10),
        )
        for c in spots
    ]
