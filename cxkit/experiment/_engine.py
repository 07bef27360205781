"""Experiments pushed down to an engine (DuckDB, Spark …): per-arm sums there, inference here.

An engine frame (:func:`cxkit.io.engines.is_engine`) never comes back unit by unit. The wide
aggregate of :mod:`cxkit.experiment.aggregate` — ``n, Σy, Σy²`` per arm × cluster × segment,
the ratio and CUPED cross-products ``Σx, Σx², Σxy, Σz, Σz², Σyz, Σxz`` (and ``Σw…`` of a
ratio's denominator covariate), unit and responder counts — is written once here in
narwhals' lazy API, run in the engine, and handed to the polars path's own finishing code
(checks, long frame, :func:`~cxkit.experiment.analysis.from_aggregates`), so the results are
the same frames. Clustered designs get per-cluster sums (one row per arm × cluster: small),
ordinal metrics their category counts per arm.

Quantile and bootstrap metrics need every unit's value; they do not run in engines
(:data:`ENGINE_KINDS` lists the kinds that do).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from cxkit.errors import CxDataError, missing_column_error
from cxkit.experiment.spec import UNIT_LEVEL, Metric, as_metrics
from cxkit.io.engines import as_engine, collect, engine_name

__all__ = ["ENGINE_KINDS", "aggregate_wide", "analyze", "engine_frame", "response_balance", "srm"]

#: Metric kinds analysed in an engine (from sums or category counts).
ENGINE_KINDS = ("proportion", "mean", "nps", "ordinal")

_F = nw.Float64
_ARM, _SEG, _CLU = "__cx_arm", "__cx_segment", "__cx_cluster"


def engine_frame(data: Any) -> tuple[nw.LazyFrame, pl.Schema]:
    """The engine frame as a ``narwhals.LazyFrame`` and its schema in polars types."""
    lf = as_engine(data, what="data")
    return lf, lf.collect_schema().to_polars()


def _keys(lf: nw.LazyFrame, arm: str, cluster: str | None, by) -> tuple[nw.LazyFrame, list]:
    """The frame with the cell keys (segment, arm, cluster as strings) under private names."""
    keys = []
    if by:
        cols = [by] if isinstance(by, str) else list(by)
        parts = [nw.col(c).cast(nw.String).fill_null("(missing)") for c in cols]
        seg = parts[0] if len(parts) == 1 else nw.concat_str(parts, separator=" / ")
        keys.append(seg.alias(_SEG))
    keys.append(nw.col(arm).cast(nw.String).alias(_ARM))
    if cluster:
        keys.append(nw.col(cluster).cast(nw.String).alias(_CLU))
    frame = lf.with_columns(keys)
    names = ([_SEG] if by else []) + [_ARM] + ([_CLU] if cluster else [])
    return frame, names


_PUBLIC = {_SEG: "segment", _ARM: "arm", _CLU: "cluster"}


def _metric_aggs(i: int, m: Metric, schema: pl.Schema) -> list:
    """The sums of one metric, as ``cxkit.experiment.aggregate._metric_aggs`` (in narwhals)."""
    raw = y = nw.col(m.column).cast(_F)
    if m.kind == "nps":  # NaN first, kept as NaN so the validation rejects it (as in polars)
        y = (
            nw.when(raw.is_nan())
            .then(nw.lit(float("nan")))
            .when(raw >= 9)
            .then(nw.lit(1.0))
            .when(raw <= 6)
            .then(nw.lit(-1.0))
            .when(~raw.is_null())
            .then(nw.lit(0.0))
        )
    x, z, w = (
        nw.col(c).cast(_F) if c else None
        for c in (m.denominator, m.covariate, m.denominator_covariate)
    )
    if x is None and z is None:
        yv, xv, zv, wv = y, x, z, w
    else:  # a unit counts only when all its used columns have a value
        valid = ~y.is_null()
        for other in (x, z, w):
            if other is not None:
                valid = valid & ~other.is_null()
        yv, xv, zv, wv = (nw.when(valid).then(v) if v is not None else None for v in (y, x, z, w))
    p = f"m{i}__"
    aggs = [
        yv.count().alias(p + "n"),
        yv.sum().alias(p + "sum"),
        (yv * yv).sum().alias(p + "sum_sq"),
    ]
    if m.kind in ("proportion", "nps") and schema[m.column] != pl.Boolean:
        aggs += [raw.min().alias(p + "min"), raw.max().alias(p + "max")]
    pairs: list[tuple[str, Any]] = []
    if x is not None:
        pairs += [("sum_x", xv), ("sum_x_sq", xv * xv), ("sum_xy", yv * xv)]
    if z is not None:
        pairs += [("sum_z", zv), ("sum_z_sq", zv * zv), ("sum_yz", yv * zv)]
        if x is not None:
            pairs.append(("sum_xz", xv * zv))
    if w is not None:
        pairs += [("sum_w", wv), ("sum_w_sq", wv * wv), ("sum_yw", yv * wv)]
        pairs += [("sum_xw", xv * wv), ("sum_zw", zv * wv)]
    return aggs + [e.sum().alias(p + name) for name, e in pairs]


def aggregate_wide(
    lf: nw.LazyFrame,
    schema: pl.Schema,
    specs: Sequence[Metric],
    arm: str,
    cluster: str | None,
    by,
    responded: str | None,
    not_summed: Sequence[str],
) -> pl.DataFrame:
    """The wide aggregate of ``cxkit.experiment.aggregate._aggregate``, computed in the engine.

    One row per cell (segment × arm × cluster) with the same columns and types as the polars
    ``group_by``: the keys, ``n_units``, ``n_responded`` (when ``responded``), then
    ``m{i}__n``, ``m{i}__sum`` … of the metrics whose kinds are not in ``not_summed``.
    """
    frame, names = _keys(lf, arm, cluster, by)
    aggs = [nw.len().alias("n_units")]
    if responded:
        aggs.append(nw.col(responded).cast(_F).sum().alias("n_responded"))
    for i, m in enumerate(specs):
        if m.kind not in not_summed:
            aggs += _metric_aggs(i, m, schema)
    wide = collect(frame.group_by(names).agg(aggs)).rename(_PUBLIC, strict=False)
    counts = [c for c in wide.columns if c == "n_units" or c.endswith("__n")]
    floats = [c for c in wide.columns if c not in counts and c not in _PUBLIC.values()]
    return wide.with_columns(
        pl.col(counts).cast(pl.UInt32),  # polars' len() and count() are UInt32
        pl.col(floats).cast(pl.Float64),
        *[pl.col(k).cast(pl.String) for k in _PUBLIC.values() if k in wide.columns],
    )


def _ordinal_counts(lf: nw.LazyFrame, specs, arm: str, by) -> dict:
    """Category counts per arm (× segment) of the ordinal metrics, as the polars path's."""
    from cxkit.experiment.aggregate import _OrdinalCounts

    frame, names = _keys(lf, arm, None, by)
    out = _OrdinalCounts()
    out.arms = []
    for m in specs:
        if m.kind != "ordinal":
            continue
        col = nw.col(m.column)
        query = (
            frame.filter(~col.is_null())
            .with_columns(col.alias("_cat"))
            .group_by([*names, "_cat"])
            .agg(nw.len().alias("count"))
        )
        out.add(m.label, collect(query).rename(_PUBLIC, strict=False))
    return out


def _refuse_unit_level(specs: Sequence[Metric], data: Any) -> None:
    unit = [m.label for m in specs if m.kind in UNIT_LEVEL]
    if unit:
        raise CxDataError(
            f"Metric(s) {unit} need every unit's value (kinds {list(UNIT_LEVEL)}); on "
            f"{engine_name(data)} the analysis runs from sums and category counts, for the "
            f"kinds {list(ENGINE_KINDS)} (with ratios and CUPED).",
            rule=f"metrics analysed in an engine are of kinds {list(ENGINE_KINDS)}",
            n_rows=len(unit),
            examples=unit[:5],
            hint="analyse these metrics on a sample collected to polars, or as kind='mean'",
        )


def analyze(data: Any, **kw: Any) -> Any:
    """:func:`cxkit.experiment.analyze` of an engine frame (same arguments, same result).

    Examples
    --------
    >>> import duckdb
    >>> from cxkit import experiment as ex
    >>> rel = duckdb.sql("select case when i % 2 = 0 then 'a' else 'b' end as arm, "
    ...                  "(i % 4 = 1)::int as resolved from range(100) t(i)")
    >>> ex.analyze(rel, control="a", metrics={"resolved": "proportion"}).effects["effect"].to_list()
    [0.5]
    """
    from cxkit.experiment.aggregate import _aggregate, _check_columns
    from cxkit.experiment.analysis import from_aggregates

    lf, schema = engine_frame(data)
    arm, cluster, by, strata = kw["arm"], kw["cluster"], kw["by"], kw["strata"]
    if cluster is None and "cluster" in schema and not kw["ignore_clusters"]:
        raise CxDataError(
            "The data has a 'cluster' column but no cluster= was given.",
            column="cluster",
            rule="ignoring the randomisation clusters must be an explicit choice",
            hint="pass cluster='cluster' (cluster-robust CIs) or ignore_clusters=True",
        )
    if kw["ignore_clusters"]:
        cluster = None
    specs = as_metrics(kw["metrics"], kw["covariates"], kw["guardrails"])
    _refuse_unit_level(specs, data)
    if cluster and any(m.kind == "ordinal" for m in specs):
        raise CxDataError(
            "Ordinal metrics have no cluster-robust analysis here.",
            rule="ordinal metrics need independent units",
            hint="analyse the rating as kind='mean' with cluster=..., or aggregate per cluster",
        )
    long, _, _ = _aggregate(lf, schema, specs, arm, cluster, by, kw["responded"])
    ordinal = (
        _ordinal_counts(lf, specs, arm, by) if any(m.kind == "ordinal" for m in specs) else None
    )
    if long.height == 0:  # only ordinal metrics: unit counts for the checks
        frame, names = _keys(lf, arm, None, None)
        cell = collect(frame.group_by(names).agg(nw.len().alias("n_units"))).rename(
            _PUBLIC, strict=False
        )
        long = cell.with_columns(pl.col("n_units").cast(pl.UInt32), metric=pl.lit(""), n=pl.lit(0))
    if cluster and strata:
        _check_columns(schema, [strata], "randomisation strata", "strata")
        pairs = lf.select(
            nw.col(cluster).cast(nw.String).alias("cluster"),
            nw.col(strata).cast(nw.String).alias("strata"),
        ).unique()
        long = long.join(collect(pairs), on="cluster", how="left")  # one row per cluster × stratum
    return from_aggregates(
        long,
        control=kw["control"],
        metrics={m.label: m for m in specs},
        alpha=kw["alpha"],
        correction=kw["correction"],
        family=kw["family"],
        expected=kw["expected"],
        inference=kw["inference"],
        strata="strata" if cluster and strata else None,
        comparisons=kw["comparisons"],
        _ordinal=ordinal,
    )


def _arm_counts(data: Any, arm: str, responded: str | None) -> pl.DataFrame:
    """Units (and responders) per arm, counted in the engine: ``arm``, ``n`` [, responders]."""
    lf = as_engine(data, what="data")
    names = lf.collect_schema().names()
    for col, role, argname in (
        (arm, "arm label", "arm"),
        (responded, "survey response flag", "responded"),
    ):
        if col and col not in names:
            raise missing_column_error(col, list(names), source="data", role=role, argument=argname)
    aggs = [nw.len().alias("n")]
    if responded:
        aggs.append(nw.col(responded).cast(_F).sum().alias("n_responded"))
    frame, keys = _keys(lf, arm, None, None)
    return collect(frame.group_by(keys).agg(aggs)).rename(_PUBLIC, strict=False)


def srm(data: Any, *, arm: str, expected: Mapping | None, threshold: float, method: str):
    """:func:`cxkit.experiment.srm` of an engine frame: unit counts per arm in the engine."""
    from cxkit.experiment.checks import srm_counts

    c = _arm_counts(data, arm, None)
    if c["arm"].null_count():
        raise CxDataError(
            "Some units have no arm.",
            column=arm,
            rule="every unit has an arm",
            n_rows=int(c.filter(pl.col("arm").is_null())["n"].sum()),
        )
    counts = dict(zip(c["arm"], c["n"], strict=True))
    return srm_counts(counts, expected=expected, threshold=threshold, method=method)


def response_balance(data: Any, *, arm: str, responded: str, threshold: float) -> pl.DataFrame:
    """:func:`cxkit.experiment.response_balance` of an engine frame: counts in the engine."""
    from cxkit.experiment.checks import response_balance as balance

    c = _arm_counts(data, arm, responded).rename({"n": "n_units"})
    return balance(c, arm="arm", responded="n_responded", threshold=threshold, aggregated=True)
