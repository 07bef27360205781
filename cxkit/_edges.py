"""Private engine of :func:`cxkit.journey.transitions`: edge statistics from two integer sorts.

The sorted events are read once (Polars' streaming engine) into three narrow columns: the
touchpoint as a small integer code, whether the row starts a customer, and the time. Every edge
(source → target) then becomes one integer, ``source_code * k + target_code`` (code 0 is
``(start)``), and the statistics come from integer work on those columns:

* ``n`` and the ``(end)`` counts: a group-by on the edge code;
* ``n_customers``: the distinct ``(edge, customer number)`` pairs — one sort of a 64-bit key
  ``edge · 2³² + customer``, then a count of key changes per edge range (``(start)`` edges
  need none: every customer has exactly one);
* the median and p95 gap: one sort of ``edge · 2ᴳ + gap`` (gaps are ≥ 0 on sorted rows), then
  each quantile is read at its rank inside the edge's range (linear interpolation, as
  ``polars.Expr.quantile(q, "linear")``).

This replaces a hash ``n_unique`` and two per-group quantile sorts, which cost three times the
whole rest of the work. When the gaps do not fit the key (non-integer times, or gaps of more
than ``2ᴳ`` time units) the per-group Polars aggregation is used instead: same numbers, slower.
"""

from __future__ import annotations

import numpy as np
import polars as pl


def edge_stats(
    lf: pl.LazyFrame, names: list[str | None], first: pl.Expr, touch: pl.Expr, time: pl.Expr
) -> tuple[pl.DataFrame, pl.DataType]:
    """Per edge code: ``edge, n, n_customers, n_end, median_gap, p95_gap`` and the gap dtype.

    ``lf`` holds sorted events; ``names`` the distinct touchpoints (``None`` for a null one).
    Codes: 0 = ``(start)``, ``i + 1`` = ``names[i]``. ``n_end`` counts the customers whose
    last event is the edge's target (it is summed per target by the caller).
    """
    known = [x for x in names if x is not None]
    k = len(names) + 1
    if k * k >= 2**31:
        raise ValueError(f"too many distinct touchpoints ({len(names):,}) for transitions()")
    code = touch.cast(pl.Enum(known)).to_physical().cast(pl.UInt32) + 1
    if len(known) < len(names):  # the null touchpoint gets the last code
        code = code.fill_null(len(names))
    prev = pl.when(first).then(0).otherwise(code.shift(1)).cast(pl.UInt32)
    rows = lf.select(
        (prev * k + code).alias("edge"),
        first.cast(pl.UInt64).cum_sum().alias("cust"),
        pl.when(first).then(None).otherwise(time - time.shift(1)).alias("gap"),
        first.shift(-1).fill_null(True).alias("last"),
    ).collect(engine="streaming")
    gap_dtype = rows.schema["gap"]
    out = (
        rows.group_by("edge")
        .agg(pl.len().cast(pl.Int64).alias("n"), pl.col("last").sum().cast(pl.Int64).alias("n_end"))
        .sort("edge")
    )
    edges = out["edge"].cast(pl.UInt64).to_numpy()
    out = out.with_columns(n_customers=_distinct_customers(rows, edges, k, out["n"].to_numpy()))
    quantiles = _gap_quantiles(rows, edges, k * k)
    if quantiles is None:  # gaps that do not fit an integer key: Polars' own per-group path
        gap = pl.col("gap")
        quantiles = rows.group_by("edge").agg(
            gap.median().alias("median_gap"), gap.quantile(0.95, "linear").alias("p95_gap")
        )
        out = out.join(quantiles, on="edge", how="left")
        gap_dtype = quantiles.schema["median_gap"]
    else:
        med, p95 = quantiles
        dtype = pl.Int64 if gap_dtype.is_temporal() else pl.Float64
        out = out.with_columns(
            pl.Series("median_gap", med).fill_nan(None).cast(dtype),
            pl.Series("p95_gap", p95).fill_nan(None).cast(dtype),
        )
        if gap_dtype.is_temporal():
            out = out.with_columns(pl.col("median_gap", "p95_gap").cast(gap_dtype))
    return out, gap_dtype


def _distinct_customers(rows: pl.DataFrame, edges: np.ndarray, k: int, n: np.ndarray) -> np.ndarray:
    """Customers per edge: the distinct ``(customer, edge)`` keys of one sorted column.

    Rows already come in customer order, so the customer-major key ``customer · k² + edge`` is
    sorted but for the short stretches inside each customer: the cheapest sort there is.
    """
    key = pl.col("cust") * (k * k) + pl.col("edge").cast(pl.UInt64)
    firsts = (
        rows.lazy()
        .filter(pl.col("edge") >= k)  # (start) edges: one per customer, so n_customers = n
        .select(key.sort().alias("key"))
        .filter(pl.col("key") != pl.col("key").shift(1).fill_null(2**64 - 1))  # first of each
        .group_by((pl.col("key") % (k * k)).alias("edge"))
        .len()
        .collect()
    )
    counts = dict(zip(firsts["edge"].to_list(), firsts["len"].to_list(), strict=True))
    distinct = np.array([counts.get(int(e), 0) for e in edges], dtype=np.int64)
    return np.where(edges < k, n, distinct)


def _gap_quantiles(
    rows: pl.DataFrame, edges: np.ndarray, n_codes: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Median and p95 gap per edge from one sort of ``edge · 2ᴳ + gap``; None if it can't fit."""
    gap = pl.col("gap")
    if not (rows.schema["gap"].is_temporal() or rows.schema["gap"].is_integer()):
        return None
    bits = 63 - int(n_codes).bit_length()
    span = rows.select(gap.to_physical().min().alias("lo"), gap.to_physical().max().alias("hi"))
    lo, hi = span.row(0)
    if lo is not None and (lo < 0 or hi >= 2**bits):
        return None
    keys = (
        rows.lazy()
        .filter(gap.is_not_null())
        .select(
            (pl.col("edge").cast(pl.UInt64) * 2**bits + gap.to_physical().cast(pl.UInt64)).sort()
        )
        .collect()
        .to_series()
        .to_numpy()
    )
    shift = np.uint64(2**bits)
    start = np.searchsorted(keys, edges * shift, "left").astype(np.int64)
    count = np.searchsorted(keys, (edges + np.uint64(1)) * shift, "left") - start
    result = []
    for q in (0.5, 0.95):  # linear interpolation between the order statistics around q·(n−1)
        pos = np.maximum(count - 1, 0) * q
        low = np.floor(pos).astype(np.int64)
        high = np.minimum(low + 1, np.maximum(count - 1, 0))
        i0 = np.where(count > 0, start + low, 0)
        i1 = np.where(count > 0, start + high, 0)
        if keys.size == 0:
            result.append(np.full(count.shape, np.nan))
            continue
        x0 = (keys[i0] % shift).astype(np.float64)
        x1 = (keys[i1] % shift).astype(np.float64)
        result.append(np.where(count > 0, np.trunc(x0 + (x1 - x0) * (pos - low)), np.nan))
    return result[0], result[1]
