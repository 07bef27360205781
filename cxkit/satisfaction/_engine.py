"""Satisfaction scores pushed down to an engine (DuckDB, Spark …): sums there, statistics here.

An engine frame (:func:`cxkit.io.engines.is_engine`) never comes back row by row. Each score
needs only weighted sums per group — ``n``, ``Σw``, ``Σw²`` and ``Σw·[top box]``,
``Σw·[bottom box]`` or, for means, ``Σw·(x − c)`` and ``Σw·(x − c)²`` around one constant
``c`` (the overall weighted mean, so the sums of squares do not cancel) — written once in
narwhals' lazy API and run in the engine. The small aggregate is then finished by the polars
path's own code (:func:`cxkit.metrics.scores.estimates_from_sums`), so the frames equal those of
:func:`cxkit.metrics.summarize` on the same rows. Because every statistic is a plain sum, the
pooled baselines of :func:`cxkit.satisfaction.trend` are sums of the per-period aggregate: one
engine query per trend.

The data checks (scores out of the scale, negative weights) are counted in the same aggregate
query; up to five example rows are fetched only when a rule is broken.

:func:`collect_survey` is the one place rows leave an engine: the key-driver analysis needs
the respondents (surveys are small), up to :data:`COLLECT_LIMIT` rows unless asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import polars as pl

from cxkit._frames import require_columns
from cxkit.errors import CxDataError
from cxkit.io.engines import collect, engine_name
from cxkit.metrics import score_kind
from cxkit.metrics.scores import (
    check_score_arguments,
    estimates_from_sums,
    resolve_top_box,
)
from cxkit.schema import PROPORTION

__all__ = ["COLLECT_LIMIT", "Sums", "collect_survey", "mask_codes", "sums", "weight_sums"]

#: Most survey rows :func:`cxkit.satisfaction.drivers` collects from an engine (counted in the
#: engine first); pass ``collect_limit=None`` to collect any number.
COLLECT_LIMIT = 2_000_000

_F = nw.Float64


@dataclass(frozen=True)
class Sums:
    """The aggregate of one score per group: plain sums only, so groups can be pooled."""

    agg: pl.DataFrame  # group columns, n, sw, sw2, and s_top / s_bottom or s1 / s2
    label: str  # the metric label (csat_top_box, nps, mean, …)
    weighted: bool
    center: float  # c of the mean's centred sums (0 for other scores)

    def pooled(self, kept: pl.DataFrame, keys: list[str], by_cols: list[str]) -> Sums:
        """The sums of the groups in ``kept`` (on ``keys``), pooled per ``by_cols``."""
        rows = self.agg.join(kept, on=keys, how="semi")
        stats = [c for c in self.agg.columns if c not in keys]
        total = [pl.col(c).sum() for c in stats]
        agg = (
            rows.group_by(by_cols).agg(total).sort(by_cols, nulls_last=True)
            if by_cols
            else rows.select(total)
        )
        return Sums(
            agg.with_columns(pl.col("n").cast(pl.Int64)), self.label, self.weighted, self.center
        )

    def summary(self, by_cols: list[str], *, alpha: float, interval: str | None, se: bool):
        """The frame :func:`cxkit.metrics.summarize` returns for these sums."""
        agg = self.agg
        # mean = c + Σw(x−c)/Σw; Σw(x−m)² = Σw(x−c)² − (Σw(x−c))²/Σw: the "shifted data"
        # sums of Chan, Golub & LeVeque (1983, Am. Stat. 37:242), exact up to rounding for
        # any c and free of cancellation for c near the mean; checked against polars' two-pass
        # Σw(x−m)² in tests/satisfaction/test_engine.py (means by group, pooled baselines)
        if "s1" in agg.columns:
            sw = pl.col("sw")
            agg = agg.with_columns(
                (self.center + pl.col("s1") / sw).alias("m"),
                (pl.col("s2") - pl.col("s1") ** 2 / sw).clip(0.0).alias("ss"),
            )
        res = estimates_from_sums(
            agg, self.label, weighted=self.weighted, alpha=alpha, interval=interval
        )
        # as in cxkit.metrics.scores.summarize
        cols = ["n", "n_eff", "estimate", "ci_low", "ci_high"] + (["se", "sd"] if se else [])
        frame = pl.DataFrame(
            {c: np.atleast_1d(res[c]).astype(np.int64 if c == "n" else float) for c in cols}
        ).with_columns(
            pl.col([c for c in cols if c not in ("n", "n_eff")]).fill_nan(None),
            metric=pl.lit(self.label),
        )
        if se:
            frame = frame.select(*cols[:5], "metric", "se", "sd")
        return pl.concat([agg.select(by_cols), frame], how="horizontal")


def names(lf: Any) -> list[str]:
    """Column names of a polars or narwhals lazy frame."""
    return list(lf.collect_schema().names())


def mask_codes(lf: nw.LazyFrame, columns: Sequence[str], codes: Sequence[float]) -> nw.LazyFrame:
    """Score columns with the "not applicable" codes made null (as Float64), in the engine."""
    out = []
    for c in columns:
        x = nw.col(c).cast(_F)
        out.append(nw.when(x.is_in(list(codes))).then(None).otherwise(x).alias(c))
    return lf.with_columns(out)


def _rules(column: str, weight: str | None, scale, x, w) -> list[tuple]:
    """The value rules of :func:`cxkit.metrics.summarize`: (broken, column, rule, fix)."""
    rules = []
    if scale is not None:
        rules.append(
            (
                (x < scale[0]) | (x > scale[1]),
                column,
                f"scores within {scale[0]}–{scale[1]}",
                "pass scale=(low, high) matching your data, or map the codes to null first "
                "(e.g. cx.read_survey(..., na_codes=[...]))",
            )
        )
    if weight:
        rules.append((w < 0, weight, "weights >= 0", "fix or drop the negative weights"))
    return rules


def _raise_broken(rows: nw.LazyFrame, agg: pl.DataFrame, rules, column, weight, x, w) -> None:
    """Raise for the first broken rule (counted in the aggregate), with up to 5 example rows."""
    for i, (bad, col, rule, hint) in enumerate(rules):
        n_bad = int(agg[f"_bad{i}"].sum() or 0)
        if n_bad:
            shown = [x.alias(column)] + ([w.alias(weight)] if weight else [])
            examples = collect(rows.filter(bad).select(shown).head(5)).to_dicts()
            raise CxDataError(
                f"Column {col!r} breaks the rule: {rule}.",
                source="summarize",
                column=col,
                rule=rule,
                n_rows=n_bad,
                examples=examples,
                hint=hint,
            )


def _center(rows: nw.LazyFrame, x, w) -> float:
    """The overall weighted mean (one small query): the centre of a mean's sums."""
    got = collect(rows.select((w * x).sum().alias("swx"), w.sum().alias("sw"))).row(0)
    swx, sw = got
    return float(swx / sw) if sw and swx is not None and np.isfinite(swx / sw) else 0.0


def _stat_aggs(kind: str, ces: str, scale, top_box, x, w, center: float):
    """The label and the sums that estimate it (as cxkit.metrics.scores._aggregations)."""
    if kind == "mean" or (kind == "ces" and ces == "mean"):
        d = x - center
        label = "mean" if kind == "mean" else "ces_mean"
        return label, [(w * d).sum().alias("s1"), (w * d * d).sum().alias("s2")]
    if kind in ("csat", PROPORTION) or (kind == "ces" and ces == "agree"):
        if kind == PROPORTION:
            lo, hi, label = 1, 1, PROPORTION
        elif kind == "csat":
            (lo, hi), label = resolve_top_box(top_box, scale), "csat_top_box"
        else:
            lo, hi, label = (scale[0] + scale[1]) / 2 + 0.5, scale[1], "ces_agree"
        hit = nw.when((x >= lo) & (x <= hi)).then(w).otherwise(0.0)
        return label, [hit.sum().alias("s_top")]
    if kind == "nps":
        top, bottom, label = 9, 6, "nps"
    else:  # ces net
        mid = (scale[0] + scale[1]) / 2
        top, bottom, label = mid + 0.5, mid - 0.5, "ces_net"
    return label, [
        nw.when(x >= top).then(w).otherwise(0.0).sum().alias("s_top"),
        nw.when(x <= bottom).then(w).otherwise(0.0).sum().alias("s_bottom"),
    ]


def sums(
    lf: nw.LazyFrame,
    column: str,
    *,
    metric: str = "mean",
    by: Sequence[str] | None = None,
    weight: str | None = None,
    scale: tuple[float, float] | None = None,
    top_box: tuple[float, float] | int | None = None,
    ces: str = "mean",
) -> Sums:
    """The checks and the per-group sums of :func:`cxkit.metrics.summarize`, in the engine.

    Examples
    --------
    >>> import duckdb, narwhals.stable.v2 as nw
    >>> rel = duckdb.sql("select * from (values ('a', 5), ('a', 2), ('b', 4)) t(g, csat)")
    >>> s = sums(nw.from_native(rel), "csat", metric="csat", by=["g"])
    >>> s.summary(["g"], alpha=0.05, interval=None, se=False)["estimate"].to_list()
    [0.5, 1.0]
    """
    by_cols = list(by or [])
    kind = score_kind(metric)
    scale = check_score_arguments(
        lf.collect_schema().to_polars(),
        column,
        kind=kind,
        by=by_cols,
        weight=weight,
        ces=ces,
        scale=scale,
    )
    lf = lf.with_columns(
        nw.col(column).cast(_F).alias("_x"),
        (nw.col(weight).cast(_F) if weight else nw.lit(1.0, dtype=_F)).alias("_w"),
    )
    x, w = nw.col("_x"), nw.col("_w")
    ok = ~x.is_null() & ~x.is_nan()
    if weight:
        ok = ok & ~w.is_null() & ~w.is_nan()
    rows = lf.filter(ok)
    is_mean = kind == "mean" or (kind == "ces" and ces == "mean")
    center = _center(rows, x, w) if is_mean else 0.0
    label, stat = _stat_aggs(kind, ces, scale, top_box, x, w, center)
    rules = _rules(column, weight, scale, x, w)
    aggs = [nw.len().alias("n"), w.sum().alias("sw"), (w * w).sum().alias("sw2"), *stat]
    aggs += [
        nw.when(r[0]).then(1).otherwise(0).sum().alias(f"_bad{i}") for i, r in enumerate(rules)
    ]
    if by_cols:
        agg = collect(rows.group_by(by_cols).agg(aggs)).sort(by_cols, nulls_last=True)
    else:
        agg = collect(rows.select(aggs))
        if agg.height == 0:  # some engines return no row for an empty input
            agg = pl.DataFrame({c: [0.0] for c in agg.columns})
    _raise_broken(rows, agg, rules, column, weight, x, w)
    agg = agg.drop([f"_bad{i}" for i in range(len(rules))])
    floats = [c for c in agg.columns if c not in (*by_cols, "n")]
    agg = agg.with_columns(
        pl.col("n").fill_null(0).cast(pl.Int64), pl.col(floats).cast(pl.Float64).fill_null(0.0)
    )
    return Sums(agg, label, bool(weight), center)


def summarize(
    lf: nw.LazyFrame,
    column: str,
    *,
    by=None,
    alpha: float = 0.05,
    interval: str | None = None,
    se: bool = False,
    **kw: Any,
) -> pl.DataFrame:
    """:func:`cxkit.metrics.summarize` of an engine frame (same arguments, same frame)."""
    by_cols = [by] if isinstance(by, str) else list(by or [])
    return sums(lf, column, by=by_cols, **kw).summary(
        by_cols, alpha=alpha, interval=interval, se=se
    )


def weight_sums(lf: nw.LazyFrame, column: str, by: str, weight: str | None) -> pl.DataFrame:
    """Σw of the rows with a score per group (the total reference of ``compare``), as ``_sw``."""
    x = nw.col(column).cast(_F)
    ok = ~x.is_null() & ~x.is_nan()
    w = nw.col(weight).cast(_F) if weight else nw.lit(1.0, dtype=_F)
    if weight:
        ok = ok & ~w.is_null()
    rows = lf.filter(ok).with_columns(w.alias("_w"))
    return collect(rows.group_by(by).agg(nw.col("_w").sum().alias("_sw")))


def collect_survey(
    lf: nw.LazyFrame, columns: Sequence[str], collect_limit: int | None, source: str
) -> pl.DataFrame:
    """The ``columns`` of an engine frame as polars rows, refused above ``collect_limit`` rows.

    The rows are counted in the engine first; only then are the named columns collected.
    """
    wanted = list(dict.fromkeys(c for c in columns if c))
    require_columns(names(lf), {c: ("column", "drivers") for c in wanted}, source=source)
    if collect_limit is not None:
        n = int(collect(lf.select(nw.len().alias("n")))["n"][0])
        if n > collect_limit:
            raise CxDataError(
                f"{source} collects the survey from {engine_name(lf)} to analyse it locally; it "
                f"has {n:,} rows, above collect_limit = {collect_limit:,}.",
                source=source,
                rule=f"at most collect_limit = {collect_limit:,} rows leave the engine",
                n_rows=n,
                hint=f"pass collect_limit=None (or a larger number) to collect all {n:,} rows, "
                "or sample the survey in the engine first",
            )
    return collect(lf.select(wanted))
