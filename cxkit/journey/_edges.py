"""Private engine of :func:`cxkit.journey.transitions`: edge statistics from two integer sorts.

The sorted events are read once (Polars' streaming engine) into four narrow columns: the edge
that ends at each row as one integer, ``source_code * k + target_code`` (code 0 is
``(start)``, touchpoints are ``Enum`` codes), the customer number, the gap to the previous
event, and whether the row is the customer's last. The statistics are integer work on them:

* ``n`` and the ``(end)`` counts: a group-by on the edge code;
* ``n_customers``: the distinct ``(customer, edge)`` pairs — one sort of the 64-bit key
  ``customer · k² + edge`` (already in order but for the stretch inside each customer), then a
  count of key changes per edge (``(start)`` edges need none: one per customer);
* the median and p95 gap: one sort of ``edge · 2ᴳ + gap`` (gaps are ≥ 0 on sorted rows), then
  each quantile is read at its rank inside the edge's range (linear interpolation, as
  ``polars.Expr.quantile(q, "linear")``).

The three aggregations run side by side (``polars.collect_all``). They replace a hash
``n_unique`` and two per-group quantile sorts, which cost three times the rest of the work.
When the gaps do not fit the key (non-integer times, or gaps of more than ``2ᴳ`` time units)
the per-group Polars aggregation is used instead: same numbers, slower.
"""

from __future__ import annotations

import numpy as np
import polars as pl


def edge_stats(
    lf: pl.LazyFrame, names: list[str | None], first: pl.Expr, touch: pl.Expr, time: pl.Expr
) -> tuple[pl.DataFrame, pl.DataType]:
    """Per edge code: ``edge, n, n_customers, n_end, median_gap, p95_gap``, and their dtype.

    ``lf`` holds sorted events; ``names`` the distinct touchpoints (``None`` for a null one).
    Codes: 0 = ``(start)``, ``i + 1`` = ``names[i]``. ``n_end`` counts the customers whose
    last event is the edge's target (it is summed per target by the caller).
    """
    known = [x for x in names if x is not None]
    k = len(names) + 1
    int_type = pl.UInt32 if k * k < 2**32 else pl.UInt64  # narrow codes are faster
    code = touch.cast(pl.Enum(known)).to_physical().cast(int_type) + 1
    if len(known) < len(names):  # the null touchpoint gets the last code
        code = code.fill_null(len(names))
    prev = pl.when(first).then(0).otherwise(code.shift(1)).cast(int_type)
    rows = lf.select(
        (prev * k + code).alias("edge"),
        first.cast(pl.UInt64).cum_sum().alias("cust"),
        pl.when(first).then(None).otherwise(time - time.shift(1)).alias("gap"),
        first.shift(-1).fill_null(True).alias("last"),
    ).collect(engine="streaming")
    gap_dtype = rows.schema["gap"]
    # durations stay durations; gaps of plain numbers are summarised as Float64, like Polars
    out_dtype = gap_dtype if gap_dtype.is_temporal() else pl.Float64
    bits = _gap_bits(rows, k * k)
    gap = pl.col("gap")
    # three independent queries over the same rows, run side by side
    counts, firsts, gaps = pl.collect_all(
        [
            rows.lazy()
            .group_by("edge")
            .agg(
                pl.len().cast(pl.Int64).alias("n"),
                pl.col("last").sum().cast(pl.Int64).alias("n_end"),
            )
            .sort("edge"),
            _distinct_pairs(rows, k),
            rows.lazy()
            .group_by("edge")
            .agg(gap.median().alias("median_gap"), gap.quantile(0.95, "linear").alias("p95_gap"))
            if bits is None  # gaps that do not fit an integer key: Polars' per-group path
            else rows.lazy()
            .filter(gap.is_not_null())
            .select(
                (
                    pl.col("edge").cast(pl.UInt64) * 2**bits + gap.to_physical().cast(pl.UInt64)
                ).sort()
            ),
        ]
    )
    # (start) edges: one per customer, so n_customers = n
    out = counts.join(firsts, on="edge", how="left").with_columns(
        pl.when(pl.col("edge") < k)
        .then(pl.col("n"))
        .otherwise(pl.col("n_distinct").fill_null(0))
        .cast(pl.Int64)
        .alias("n_customers")
    )
    if bits is None:
        out = out.join(gaps, on="edge", how="left")
    else:
        edges = out["edge"].to_numpy()
        keys = gaps.to_series().to_numpy()
        med, p95 = _quantiles_at_ranks(keys, edges, bits, whole=gap_dtype.is_temporal())
        out = out.with_columns(
            pl.Series("median_gap", med).fill_nan(None), pl.Series("p95_gap", p95).fill_nan(None)
        )
    out = out.with_columns(
        pl.col("median_gap", "p95_gap").cast(pl.Int64 if out_dtype.is_temporal() else pl.Float64)
    )
    return out.with_columns(pl.col("median_gap", "p95_gap").cast(out_dtype)), out_dtype


def _distinct_pairs(rows: pl.DataFrame, k: int) -> pl.LazyFrame:
    """Customers per edge: ``edge, n_distinct`` (edges other than from ``(start)``).

    Rows already come in customer order, so the customer-major key ``customer · k² + edge`` is
    sorted but for the short stretches inside each customer: the cheapest sort there is. When
    that key would not fit 64 bits (billions of customers × a huge touchpoint set), a hash
    ``n_unique`` per edge does the same count.
    """
    lf = rows.lazy().filter(pl.col("edge") >= k)
    n_customers = int(rows["cust"].max() or 0)
    if (n_customers + 1) * k * k >= 2**64:
        return lf.group_by("edge").agg(pl.col("cust").n_unique().alias("n_distinct"))
    key = pl.col("cust") * (k * k) + pl.col("edge").cast(pl.UInt64)
    return (
        lf.select(key.sort().alias("key"))
        .filter(pl.col("key") != pl.col("key").shift(1).fill_null(2**64 - 1))  # first of each
        .group_by((pl.col("key") % (k * k)).cast(rows.schema["edge"]).alias("edge"))
        .agg(pl.len().alias("n_distinct"))
    )


def _gap_bits(rows: pl.DataFrame, n_codes: int) -> int | None:
    """Bits G for the key ``edge · 2ᴳ + gap``, or None when the gaps cannot be keyed."""
    dtype = rows.schema["gap"]
    if not (dtype.is_temporal() or dtype.is_integer()):
        return None
    bits = 63 - int(n_codes).bit_length()
    if bits < 8:  # a huge touchpoint set leaves no room for the gap
        return None
    values = rows["gap"].to_physical()
    lo, hi = values.min(), values.max()
    if lo is not None and (lo < 0 or hi >= 2**bits):
        return None
    return bits


def _quantiles_at_ranks(keys: np.ndarray, edges: np.ndarray, bits: int, *, whole: bool):
    """Median and p95 per edge from the sorted keys: linear interpolation at rank q·(n − 1).

    ``whole``: durations, truncated to whole time units as Polars does for them.
    """
    shift = np.uint64(2**bits)
    edges = edges.astype(np.uint64)
    start = np.searchsorted(keys, edges * shift, "left").astype(np.int64)
    count = np.searchsorted(keys, (edges + np.uint64(1)) * shift, "left") - start
    result = []
    for q in (0.5, 0.95):
        pos = np.maximum(count - 1, 0) * q
        low = np.floor(pos).astype(np.int64)
        high = np.minimum(low + 1, np.maximum(count - 1, 0))
        if keys.size == 0:
            result.append(np.full(count.shape, np.nan))
            continue
        i0 = np.where(count > 0, start + low, 0)
        i1 = np.where(count > 0, start + high, 0)
        x0 = (keys[i0] % shift).astype(np.float64)
        x1 = (keys[i1] % shift).astype(np.float64)
        value = x0 + (x1 - x0) * (pos - low)
        result.append(np.where(count > 0, np.trunc(value) if whole else value, np.nan))
    return result[0], result[1]
