"""Unit-level data → sufficient statistics for :mod:`cxkit.experiment`.

Input checks, the one polars ``group_by`` that computes ``n, Σy, Σy²`` (and ``Σx, Σx², Σxy,
Σz, Σz², Σyz, Σxz`` for ratio metrics and CUPED) per arm × cluster × segment, category counts
for ordinal metrics, and :func:`distribution` for charts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from cxkit._frames import renamed_args, to_lazy
from cxkit.errors import CxDataError, missing_column_error
from cxkit.experiment.spec import UNIT_LEVEL, Metric, as_metrics
from cxkit.io.engines import is_engine

_NOT_SUMMED = ("ordinal", *UNIT_LEVEL)

__all__ = ["aggregate", "distribution", "segment_key"]

_HINT = "read files with cx.read_experiment(path, unit=..., arm=...) first"


def _lazy(data: Any) -> pl.LazyFrame:
    """The one input adapter (polars, pandas, pyarrow) with the experiment's hint."""
    return to_lazy(data, what="data", hint=_HINT)


def segment_key(by: str | Sequence[str]) -> pl.Expr:
    """The ``segment`` key of ``by=`` (one column, or several joined by " / ")."""
    cols = [by] if isinstance(by, str) else list(by)
    parts = [pl.col(c).cast(pl.String).fill_null("(missing)") for c in cols]
    expr = parts[0] if len(parts) == 1 else pl.concat_str(parts, separator=" / ")
    return expr.alias("segment")


_SUMS = ["sum", "sum_sq", "sum_x", "sum_x_sq", "sum_xy", "sum_z", "sum_z_sq", "sum_yz", "sum_xz"]
#: Sums of a ratio metric's denominator covariate ``w`` (only when one is used).
_W_SUMS = ["sum_w", "sum_w_sq", "sum_yw", "sum_xw", "sum_zw"]


# --------------------------------------------------------------------------- input handling
def _no_nulls(data: Any, columns) -> frozenset:
    """Columns of an in-memory polars frame without nulls (the null count is metadata)."""
    if not isinstance(data, pl.DataFrame):
        return frozenset()
    return frozenset(c for c in columns if c in data.columns and data[c].null_count() == 0)


def _check_columns(schema: pl.Schema, cols: Sequence[str], role: str, arg: str) -> None:
    for c in cols:
        if c not in schema:
            raise missing_column_error(
                c, list(schema.names()), source="data", role=role, argument=arg
            )


def _num(col: str, schema: pl.Schema, role: str) -> pl.Expr:
    dtype = schema[col]
    if not (dtype.is_numeric() or dtype == pl.Boolean):
        raise CxDataError(
            f"Column {col!r} ({role}) must be numeric or Boolean, found {dtype}.",
            column=col,
            rule="metric columns hold numbers",
            hint="read files with cx.read_experiment(...), which infers numbers and TRUE/FALSE",
        )
    return pl.col(col).cast(pl.Float64)


def _metric_aggs(
    i: int, m: Metric, schema: pl.Schema, no_nulls: frozenset = frozenset()
) -> list[pl.Expr]:
    """Sufficient-statistic aggregations of one metric (kept minimal: this is the hot path).

    Columns in ``no_nulls`` are known to hold no nulls (in-memory frames know it for free),
    so ratio / CUPED sums need no joint-validity mask.
    """
    y = _num(m.column, schema, f"metric {m.label!r}")
    raw = y
    if m.kind == "nps":
        # NaN first: polars orders NaN above every number, so `raw >= 9` would make it a
        # promoter; kept as NaN it reaches the sums and _validate rejects it
        y = (
            pl.when(raw.is_nan())
            .then(float("nan"))
            .when(raw >= 9)
            .then(1.0)
            .when(raw <= 6)
            .then(-1.0)
            .when(raw.is_not_null())
            .then(0.0)
        )
    x = _num(m.denominator, schema, f"denominator of {m.label!r}") if m.denominator else None
    z = _num(m.covariate, schema, f"covariate of {m.label!r}") if m.covariate else None
    dc = m.denominator_covariate
    w = _num(dc, schema, f"denominator covariate of {m.label!r}") if dc else None
    used = {m.column, m.denominator, m.covariate, dc} - {None}
    if (x is None and z is None) or used <= no_nulls:
        yv, xv, zv, wv = y, x, z, w  # nulls are skipped by count/sum
    else:
        valid = y.is_not_null()
        for other in (x, z, w):
            if other is not None:
                valid = valid & other.is_not_null()
        yv = pl.when(valid).then(y)
        xv, zv, wv = (pl.when(valid).then(v) if v is not None else None for v in (x, z, w))
    p = f"m{i}__"
    aggs = [
        yv.count().alias(p + "n"),
        yv.sum().alias(p + "sum"),
        (yv * yv).sum().alias(p + "sum_sq"),
    ]
    if m.kind in ("proportion", "nps") and schema[m.column] != pl.Boolean:
        aggs += [raw.min().alias(p + "min"), raw.max().alias(p + "max")]
    if x is not None:
        aggs += [
            xv.sum().alias(p + "sum_x"),
            (xv * xv).sum().alias(p + "sum_x_sq"),
            (yv * xv).sum().alias(p + "sum_xy"),
        ]
    if z is not None:
        aggs += [
            zv.sum().alias(p + "sum_z"),
            (zv * zv).sum().alias(p + "sum_z_sq"),
            (yv * zv).sum().alias(p + "sum_yz"),
        ]
        if x is not None:
            aggs.append((xv * zv).sum().alias(p + "sum_xz"))
    if w is not None:
        aggs += [
            wv.sum().alias(p + "sum_w"),
            (wv * wv).sum().alias(p + "sum_w_sq"),
            (yv * wv).sum().alias(p + "sum_yw"),
            (xv * wv).sum().alias(p + "sum_xw"),
            (zv * wv).sum().alias(p + "sum_zw"),
        ]
    return aggs


@renamed_args(segment="by")
def aggregate(
    data: Any,
    *,
    arm: str = "arm",
    metrics: Mapping[str, Any],
    cluster: str | None = None,
    covariates: Mapping[str, str] | None = None,
    by: str | Sequence[str] | None = None,
    responded: str | None = "responded",
) -> pl.DataFrame:
    """Sufficient statistics per arm (× cluster × segment) in ONE polars ``group_by``.

    ``by`` names the segment column(s) (a string or a list; ``segment=`` is its deprecated
    old name); several columns make one ``segment`` key joined by " / ".

    Returns
    -------
    polars.DataFrame
        The long input of :func:`from_aggregates`, one row per metric × cell, sorted:
        ``metric``, ``segment`` (when given), ``arm`` (String), ``cluster`` (when given),
        ``n_units`` (units in the cell), ``n_responded`` (when a ``responded`` column exists),
        ``n`` (units with the metric), ``sum``, ``sum_sq`` and, where used, ``sum_x``,
        ``sum_x_sq``, ``sum_xy`` (ratio denominator), ``sum_z``, ``sum_z_sq``, ``sum_yz``,
        ``sum_xz`` (CUPED covariate) and ``sum_w``, ``sum_w_sq``, ``sum_yw``, ``sum_xw``,
        ``sum_zw`` (a ratio metric's ``denominator_covariate``). NPS is on the −1/0/+1 scale. Ordinal metrics are not
        aggregated here (they need category counts), nor are quantile and bootstrap metrics
        (they need the values).

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"arm": ["a", "a", "b"], "y": [1.0, 3.0, 2.0]})
    >>> aggregate(df, metrics={"y": "mean"}).select("arm", "n", "sum", "sum_sq").rows()
    [('a', 2, 4.0, 10.0), ('b', 1, 2.0, 4.0)]
    """
    if is_engine(data):  # DuckDB, Spark …: the sums are computed in the engine (issue 15)
        from cxkit.experiment._engine import engine_frame

        lf, schema = engine_frame(data)
    else:
        lf = _lazy(data)
        schema = lf.collect_schema()
    specs = as_metrics(metrics, covariates, None)
    return _aggregate(lf, schema, specs, arm, cluster, by, responded)[0]


def _aggregate(lf, schema, specs, arm, cluster, by, responded, no_nulls=frozenset()):
    _check_columns(schema, [arm], "arm label", "arm")
    if cluster:
        _check_columns(schema, [cluster], "randomisation cluster", "cluster")
    if by:
        _check_columns(schema, [by] if isinstance(by, str) else list(by), "segment", "by")
    for m in specs:
        _check_columns(schema, [m.column], f"metric {m.label!r}", "metrics")
        for c, r in (
            (m.denominator, "denominator"),
            (m.covariate, "covariate"),
            (m.denominator_covariate, "denominator covariate"),
        ):
            if c:
                _check_columns(schema, [c], f"{r} of {m.label!r}", "metrics")
    has_resp = bool(responded) and responded in schema
    keys = [segment_key(by)] if by else []
    keys.append(pl.col(arm).cast(pl.String).alias("arm"))
    if cluster:
        keys.append(pl.col(cluster).cast(pl.String).alias("cluster"))
    aggs = [pl.len().alias("n_units")]
    if has_resp:
        aggs.append(pl.col(responded).cast(pl.Float64).sum().alias("n_responded"))
    for i, m in enumerate(specs):
        if m.kind not in _NOT_SUMMED:
            aggs += _metric_aggs(i, m, schema, no_nulls)
    if is_engine(lf):  # the same wide aggregate, computed in the engine
        from cxkit.experiment._engine import aggregate_wide

        resp = responded if has_resp else None
        wide = aggregate_wide(lf, schema, specs, arm, cluster, by, resp, _NOT_SUMMED)
    else:
        wide = lf.group_by(keys).agg(aggs).collect()
    key_names = [k.meta.output_name() for k in keys]
    if wide.height == 0:
        raise CxDataError("The experiment data has no rows.", rule="at least one unit per arm")
    for k in key_names:
        nulls = wide.filter(pl.col(k).is_null())
        if nulls.height and k != "segment":
            raise CxDataError(
                f"{int(nulls['n_units'].sum()):,} unit(s) have no {k} label.",
                column=arm if k == "arm" else cluster,
                rule=f"every unit has a {k}",
                n_rows=int(nulls["n_units"].sum()),
                hint="drop or fix those rows before the analysis",
            )
    _validate(wide, specs)
    base = key_names + ["n_units"] + (["n_responded"] if has_resp else [])
    sums = _SUMS + (_W_SUMS if any(m.denominator_covariate for m in specs) else [])
    parts = []
    for i, m in enumerate(specs):
        if m.kind in _NOT_SUMMED:
            continue
        p = f"m{i}__"
        cols = [pl.lit(m.label).alias("metric"), *[pl.col(c) for c in base]]
        cols.append(pl.col(p + "n").cast(pl.Int64).alias("n"))
        for s in sums:
            cols.append(
                (pl.col(p + s) if p + s in wide.columns else pl.lit(None, pl.Float64)).alias(s)
            )
        parts.append(wide.select(cols))
    long = pl.concat(parts) if parts else wide.select([pl.lit("").alias("metric"), *base]).head(0)
    order = {m.label: j for j, m in enumerate(specs)}
    long = long.with_columns(pl.col("metric").replace_strict(order, default=-1).alias("_o"))
    long = long.sort(["_o", *key_names]).drop("_o")
    return long, wide, key_names


def _validate(wide: pl.DataFrame, specs: list[Metric]) -> None:
    for i, m in enumerate(specs):
        if m.kind in _NOT_SUMMED:
            continue
        p = f"m{i}__"
        sums = [c for c in wide.columns if c.startswith(p) and "sum" in c]
        nan_cells = wide.select(pl.any_horizontal(pl.col(sums).is_nan()).sum()).item()
        if nan_cells:
            raise CxDataError(
                f"Metric {m.label!r} (or its denominator / covariate) contains NaN values.",
                column=m.column,
                rule="metric values are numbers or null (missing)",
                hint="replace NaN with null, e.g. pl.col(c).fill_nan(None)",
            )
        if p + "min" not in wide.columns:
            continue
        lo, hi = wide[p + "min"].min(), wide[p + "max"].max()
        if lo is None:
            continue
        bad = None
        if m.kind == "proportion":
            # values in [0, 1] with Σy = Σy² are exactly 0/1
            not_binary = (wide[p + "sum"] - wide[p + "sum_sq"]).abs().max() > 1e-9
            if lo < 0 or hi > 1 or not_binary:
                bad = "a proportion holds 0/1 or TRUE/FALSE values"
        if m.kind == "nps" and (lo < 0 or hi > 10):
            bad = "an NPS metric holds 0–10 ratings"
        if bad:
            raise CxDataError(
                f"Metric {m.label!r} has values from {lo} to {hi}.",
                column=m.column,
                rule=bad,
                examples=[lo, hi],
                hint="choose kind='mean' or recode the column",
            )


def _ordinal_arms(ordinal) -> list[str]:
    if not ordinal:
        return []
    return list(getattr(ordinal, "arms", []))


class _OrdinalCounts(dict):
    """Category counts per (metric) → callable(arm, segment) -> counts aligned on categories."""

    arms: list[str]

    def add(self, label: str, counts: pl.DataFrame) -> None:
        """Add a metric from its ``arm, [segment,] _cat, count`` frame (polars or engine path)."""
        cats = sorted(counts["_cat"].unique().to_list())
        self.arms = sorted(set(self.arms) | set(counts["arm"].to_list()))

        def get(arm_label, seg):
            f = counts.filter(pl.col("arm") == arm_label)
            if seg is not None:
                f = f.filter(pl.col("segment") == seg)
            f = f.group_by("_cat").agg(pl.col("count").sum())
            lookup = dict(zip(f["_cat"].to_list(), f["count"].to_list(), strict=True))
            return np.array([lookup.get(c, 0) for c in cats], dtype=float)

        self[label] = get


def _ordinal_counts(lf, specs, keys, key_names) -> _OrdinalCounts:
    out = _OrdinalCounts()
    out.arms = []
    for m in specs:
        if m.kind != "ordinal":
            continue
        col = pl.col(m.column)
        counts = (
            lf.filter(col.is_not_null())
            .group_by([*keys, col.alias("_cat")])
            .agg(pl.len().alias("count"))
            .collect()
        )
        out.add(m.label, counts)
    return out


def distribution(
    data: Any,
    *,
    column: str,
    arm: str = "arm",
    bins: int = 30,
    upper_quantile: float = 0.99,
) -> pl.DataFrame:
    """Distribution of a metric per arm, for :func:`cxkit.charts.distribution_chart`.

    Boolean columns and integer columns with at most 11 distinct values (ratings) are
    counted per value; other columns are binned into ``bins`` equal-width bins between the
    minimum and the ``upper_quantile`` (pooled over arms), with the values above it counted
    in a last open bin (so one extreme outlier does not flatten the histogram).

    Returns
    -------
    polars.DataFrame
        One row per arm × value/bin, sorted: ``arm`` (String), ``bin_low``, ``bin_high``
        (equal for counted values; ``bin_high`` is null for the open last bin), ``n``
        (units), ``share`` (of the arm's non-null units, 0–1).

    Examples
    --------
    >>> df = pl.DataFrame({"arm": ["a", "a", "b", "b"], "csat": [4, 5, 5, 5]})
    >>> distribution(df, column="csat").select("arm", "bin_low", "share").rows()
    [('a', 4.0, 0.5), ('a', 5.0, 0.5), ('b', 5.0, 1.0)]
    """
    lf = _lazy(data)
    schema = lf.collect_schema()
    _check_columns(schema, [arm, column], "arm label / metric", "column")
    y = _num(column, schema, f"metric {column!r}")
    a = pl.col(arm).cast(pl.String).alias("arm")
    base = lf.select(a, y.alias("y")).filter(pl.col("y").is_not_null() & pl.col("y").is_not_nan())
    stats_ = base.select(
        pl.col("y").n_unique().alias("k"),
        pl.col("y").min().alias("lo"),
        pl.col("y").quantile(upper_quantile).alias("hi"),
        pl.col("y").max().alias("max"),
        (pl.col("y") - pl.col("y").round()).abs().max().alias("frac"),
    ).collect()
    k, lo, hi, mx, frac = stats_.row(0)
    if k == 0:
        raise CxDataError(
            f"Column {column!r} has no values.", column=column, rule="at least one value"
        )
    discrete = schema[column] == pl.Boolean or (frac == 0 and k <= 11)
    if discrete:
        binned = base.with_columns(pl.col("y").alias("bin_low"), pl.col("y").alias("bin_high"))
    else:
        hi = hi if hi > lo else mx
        width = (hi - lo) / bins if hi > lo else 1.0
        idx = ((pl.col("y") - lo) / width).floor().clip(0, bins)
        binned = base.with_columns(
            (lo + idx * width).alias("bin_low"),
            pl.when(idx < bins).then(lo + (idx + 1) * width).alias("bin_high"),
        )
    out = (
        binned.group_by("arm", "bin_low", "bin_high")
        .agg(pl.len().alias("n"))
        .with_columns((pl.col("n") / pl.col("n").sum().over("arm")).alias("share"))
        .sort("arm", "bin_low")
        .collect()
    )
    return out.with_columns(pl.col("n").cast(pl.Int64))
