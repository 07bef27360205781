"""Private: :func:`~cxkit.journey.transitions` and :func:`~cxkit.journey.paths` pushed down to a
lazy engine (DuckDB, Spark …) through narwhals.

Both aggregate in the engine and hand the polars path's finishing code the same small frame it
builds itself:

* transitions — each event's previous touchpoint and time (``shift`` over the customer, ordered
  by :data:`~cxkit.journey._engine.ORDER`, all in one window); then only group-bys, which
  engines spill to disk: ``n``, the customers (a first ``group_by(edge, customer)``) and the
  ``(end)`` counts in one query, the median and p95 gaps from a histogram of gaps per edge
  ranked in the engine in another (:func:`_gap_quantiles`); the edge codes are given in
  polars, on the aggregates.
* paths — narwhals has no ordered list aggregation, so each customer's journey is packed into
  a few Int64 "words": touchpoint codes ``1 … k`` (``0``: no step) as digits in base ``k + 1``,
  the step number (a running count over the customer) giving the digit's place. Customers are
  grouped by their words in the engine (customers, median duration); only the distinct paths
  come back and are decoded in polars. The ``(other paths)`` median, and that of paths whose
  texts coincide, is one more aggregate query over the customers whose words are in the set.
"""

from __future__ import annotations

from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import polars as pl

from cxkit.io.engines import as_engine, collect
from cxkit.journey._engine import CUST, ORDER, TIME, TOUCH, engine_events, touchpoint_names
from cxkit.schema import SEP, TRUNCATED

_INT64_MAX = 2**63 - 1


def _over(expr: nw.Expr) -> nw.Expr:
    return expr.over(CUST, order_by=ORDER)


def _first() -> nw.Expr:
    """The customer's first event (no earlier one)."""
    return _over(nw.col(CUST).shift(1)).is_null()


def gap_dtype(events: Any, time: str) -> pl.DataType:
    """The polars path's dtype of gaps and durations: microseconds, or Float64 for numbers."""
    dtype = as_engine(events).collect_schema()[time]
    return pl.Float64 if dtype.is_numeric() else pl.Duration("us")


def _as_gap(values: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Engine quantiles (Float64 µs) in the polars path's dtype: whole units for durations."""
    if dtype == pl.Float64:
        return values.cast(pl.Float64)
    return values.cast(pl.Float64).cast(pl.Int64).cast(dtype)  # truncates, as polars


def edge_stats(
    events: Any,
    *,
    collapse_repeats: bool,
    customer: str,
    time: str,
    touchpoint: str,
) -> tuple[pl.DataFrame, list[str | None], pl.DataType]:
    """``_edges.edge_stats``' frame (``edge, n, n_customers, n_end, median_gap, p95_gap``), the
    touchpoint names and the gap dtype, aggregated in the engine.

    Two queries, each with one window pass over the customers and then only group-bys that an
    engine can spill (no distinct count, no per-group quantile): :func:`_edge_counts` and
    :func:`_gap_quantiles`.
    """
    ev = engine_events(events, customer, time, touchpoint)
    names = touchpoint_names(ev)
    dtype = gap_dtype(events, time)
    if collapse_repeats:  # the polars path's rule: first, or another touchpoint than before
        prev = _over(nw.col(TOUCH).shift(1))
        ev = ev.with_columns((_first() | (prev != nw.col(TOUCH))).alias("__cx_keep")).filter(
            nw.col("__cx_keep")
        )
    # one window: the four shifts share the partition and the order, so one sort
    rows = ev.with_columns(
        _first().alias("__cx_first"),
        _over(nw.col(CUST).shift(-1)).is_null().cast(nw.Int64).alias("__cx_last"),
        _over(nw.col(TOUCH).shift(1)).alias("__cx_prev"),
        (nw.col(TIME) - _over(nw.col(TIME).shift(1))).alias("__cx_gap"),
    )
    agg = _edge_counts(rows).join(
        _gap_quantiles(rows), on=["__cx_first", *_EDGE], how="left", nulls_equal=True
    )
    k = len(names) + 1
    codes = pl.DataFrame(
        {"name": names, "code": range(1, k)}, schema={"name": pl.String, "code": pl.Int64}
    )
    agg = agg.join(codes.rename({"name": TOUCH}), on=TOUCH, how="left", nulls_equal=True)
    agg = agg.join(
        codes.rename({"name": "__cx_prev", "code": "prev_code"}),
        on="__cx_prev",
        how="left",
        nulls_equal=True,
    )
    source = pl.when(pl.col("__cx_first")).then(0).otherwise(pl.col("prev_code"))
    stats = agg.select(
        (source * k + pl.col("code")).alias("edge"),
        pl.col("n").cast(pl.Int64),
        # (start) edges: one per customer, as in the polars path
        pl.when(pl.col("__cx_first"))
        .then(pl.col("n"))
        .otherwise(pl.col("n_customers"))
        .cast(pl.Int64)
        .alias("n_customers"),
        pl.col("n_end").cast(pl.Int64),
        _as_gap(pl.col("median_gap"), dtype).alias("median_gap"),
        _as_gap(pl.col("p95_gap"), dtype).alias("p95_gap"),
    ).sort("edge")
    return stats, names, dtype


#: an edge of the engine's rows: (previous touchpoint, touchpoint)
_EDGE = ["__cx_prev", TOUCH]


def _edge_counts(rows: nw.LazyFrame) -> pl.DataFrame:
    """``__cx_first, __cx_prev, __cx_touchpoint, n, n_end, n_customers`` per edge.

    The customers of an edge are counted as the groups of a first ``group_by(edge, customer)``
    (then one row per pair): two hash aggregations, which engines spill to disk, where an
    exact distinct count per edge (``n_unique``) is held in memory.
    """
    keys = ["__cx_first", *_EDGE]
    pairs = rows.group_by(*keys, CUST).agg(
        nw.len().alias("__cx_n"), nw.col("__cx_last").sum().alias("__cx_end")
    )
    return collect(
        pairs.group_by(*keys).agg(
            nw.col("__cx_n").sum().alias("n"),
            nw.col("__cx_end").sum().alias("n_end"),
            nw.len().alias("n_customers"),
        )
    )


def _gap_quantiles(rows: nw.LazyFrame) -> pl.DataFrame:
    """The median and p95 gap per edge, exactly as the polars path computes them.

    In the engine the gaps become a histogram, ``group_by(edge, gap) → count`` (a hash
    aggregation; on logs whose times are rounded to seconds or minutes it is far smaller than
    the events, and it is never larger); one window over the histogram, ordered by gap, gives
    each value's range of ranks ``[start, end]``. Only the few values whose ranges meet the
    ranks next to ``q · (n − 1)`` come back; the interpolation ``x0 + (x1 − x0) · (pos − low)``
    is then the polars path's (``_edges._quantiles_at_ranks``; ``polars.Expr.quantile(q,
    "linear")``, checked against it in ``tests/journey/test_engine.py``). An engine's own
    ``quantile_cont`` would hold every gap of a group in memory, and interpolates in another
    float order, so that a duration truncated to whole microseconds could differ by one.
    """
    gap = nw.col("__cx_gap")
    hist = (
        rows.filter(~gap.is_null())
        .group_by(*_EDGE, "__cx_gap")
        .agg(nw.len().alias("__cx_c"))
        .with_columns(
            nw.col("__cx_c").cum_sum().over(*_EDGE, order_by=["__cx_gap"]).alias("__cx_end"),
            nw.col("__cx_c").sum().over(*_EDGE).alias("__cx_cnt"),
        )
        .with_columns((nw.col("__cx_end") - nw.col("__cx_c")).alias("__cx_start"))
    )
    near = nw.lit(False)
    for q in _QUANTILES:  # ranks floor(pos) and floor(pos) + 1 lie within [pos − 1, pos + 1]
        pos = (nw.col("__cx_cnt") - 1).cast(nw.Float64) * q
        near = near | ((nw.col("__cx_start") <= pos + 1) & (nw.col("__cx_end") - 1 >= pos - 1))
    got = collect(
        hist.filter(near).select(*_EDGE, "__cx_gap", "__cx_start", "__cx_end", "__cx_cnt")
    )
    got = got.with_columns(pl.col("__cx_end") - 1)  # the last rank held by the value
    out = []
    for q, name in zip(_QUANTILES, ("median_gap", "p95_gap"), strict=True):
        pos = (pl.col("__cx_cnt") - 1).cast(pl.Float64) * q
        low = pos.floor().cast(pl.Int64)
        high = pl.min_horizontal(low + 1, pl.col("__cx_cnt") - 1)
        x = pl.col("__cx_gap").cast(pl.Float64)
        x0 = x.filter((pl.col("__cx_start") <= low) & (low <= pl.col("__cx_end"))).first()
        x1 = x.filter((pl.col("__cx_start") <= high) & (high <= pl.col("__cx_end"))).first()
        out.append((x0 + (x1 - x0) * (pos - low).first()).alias(name))
    return got.group_by(_EDGE).agg(*out, pl.lit(False).alias("__cx_first"))


#: the gap quantiles of an edge: the median and p95
_QUANTILES = (0.5, 0.95)


# --------------------------------------------------------------------------- paths
def _digits_per_word(base: int) -> int:
    """How many base-``base`` digits one Int64 holds (base**w - 1 <= 2**63 - 1)."""
    w = 0
    while base ** (w + 1) - 1 <= _INT64_MAX:
        w += 1
    return w


class EnginePaths:
    """Customers per distinct path of an engine's events (see the module docstring)."""

    def __init__(self, events: Any, *, max_steps: int | None, customer: str, time: str,
                 touchpoint: str) -> None:  # fmt: skip
        ev = engine_events(events, customer, time, touchpoint)
        self.names = touchpoint_names(ev)
        self.dtype = gap_dtype(events, time)
        base = len(self.names) + 1  # digit 0: no step; 1 … k: the touchpoints
        self.base, self.width = base, _digits_per_word(base)
        per = ev.group_by(CUST).agg(nw.len().alias("n"))
        longest = collect(per.select(nw.col("n").max()))["n"][0] or 0
        steps = int(longest if max_steps is None else min(longest, max_steps))
        self.n_words = max(1, -(-steps // self.width))
        self.words = [f"__cx_w{j}" for j in range(self.n_words)]
        self.per_customer = self._pack(ev, steps, max_steps)

    def _pack(self, ev: nw.LazyFrame, steps: int, max_steps: int | None) -> nw.LazyFrame:
        """One row per customer: the words, ``truncated`` and the duration."""
        known = [x for x in self.names if x is not None]
        code = nw.col(TOUCH).replace_strict(
            known, list(range(1, len(known) + 1)), default=0, return_dtype=nw.Int64
        )
        if len(known) < len(self.names):  # the null touchpoint: the last code
            code = nw.when(nw.col(TOUCH).is_null()).then(nw.lit(len(self.names))).otherwise(code)
        pos = _over(nw.col("__cx_one").cum_sum()) - 1  # 0-based step number
        rows = ev.with_columns(nw.lit(1, nw.Int64).alias("__cx_one")).with_columns(
            code.alias("__cx_code"), pos.alias("__cx_pos")
        )
        w = self.width
        place = nw.col("__cx_pos") % w
        scale = nw.lit(1, nw.Int64)
        for i in range(1, w):  # base**(pos % w), exact in Int64 (no float power)
            scale = nw.when(place == i).then(nw.lit(self.base**i, nw.Int64)).otherwise(scale)
        word = nw.col("__cx_pos") // w
        in_path = nw.col("__cx_pos") < steps
        rows = rows.with_columns(
            nw.when(in_path & (word == j))
            .then(nw.col("__cx_code") * scale)
            .otherwise(nw.lit(0, nw.Int64))
            .alias(name)
            for j, name in enumerate(self.words)
        )
        per = rows.group_by(CUST).agg(
            nw.len().alias("__cx_n"),
            (nw.col(TIME).max() - nw.col(TIME).min()).alias("__cx_duration"),
            *[nw.col(name).sum().cast(nw.Int64) for name in self.words],
        )
        limit = 2**62 if max_steps is None else max_steps
        return per.with_columns((nw.col("__cx_n") > limit).alias("truncated"))

    def counts(self) -> tuple[pl.DataFrame, int]:
        """``path, truncated, n_customers, median_duration`` per distinct path text, and the
        number of customers (the polars path's ``_journey_counts`` without the duration lists)."""
        dur = nw.col("__cx_duration")
        agg = collect(
            self.per_customer.group_by(*self.words, "truncated").agg(
                nw.len().alias("n"), dur.quantile(0.5, "linear").alias("median_duration")
            )
        )
        total = int(agg["n"].sum())
        agg = agg.with_columns(self._decode(agg), _as_gap(pl.col("median_duration"), self.dtype))
        counts = agg.group_by("path").agg(
            pl.col("n").sum().cast(pl.Int64).alias("n_customers"),
            pl.col("truncated").first(),
            pl.col("median_duration").first(),
            pl.len().alias("__cx_codes"),
        )
        self.variants = agg.select("path", *self.words, "truncated")
        merged = counts.filter(pl.col("__cx_codes") > 1)["path"].to_list()
        if merged:  # distinct code lists that read the same: the median over all of them
            exact = self.medians({p: [p] for p in merged})
            counts = counts.with_columns(
                pl.col("path")
                .replace_strict(exact, default=None, return_dtype=self.dtype)
                .fill_null(pl.col("median_duration"))
                .alias("median_duration")
            )
        return counts.drop("__cx_codes"), total

    def _decode(self, agg: pl.DataFrame) -> pl.Expr:
        """The path text of each row of words: names joined by ``SEP`` (``" → …"`` when cut)."""
        digits = []
        for name in self.words:
            word = agg[name].cast(pl.Int64).to_numpy().astype(np.int64)
            for _ in range(self.width):
                digits.append(word % self.base)
                word = word // self.base
        codes = np.column_stack(digits) if digits else np.zeros((agg.height, 0), np.int64)
        labels = pl.Series([None, *self.names], dtype=pl.String)
        steps = pl.Series("codes", codes.tolist(), dtype=pl.List(pl.Int64))
        shown = (
            pl.lit(steps)
            .list.eval(pl.element().filter(pl.element() > 0))
            .list.eval(pl.element().replace_strict(range(len(labels)), labels))
            .list.join(SEP)
        )
        return (
            pl.when(pl.col("truncated"))
            .then(shown + SEP + TRUNCATED)
            .otherwise(shown)
            .alias("path")
        )

    def _match(self, texts: list[str]) -> nw.Expr:
        """True for the customers whose words are those of one of the path ``texts``."""
        match = nw.lit(False)
        for row in self.variants.filter(pl.col("path").is_in(texts)).iter_rows(named=True):
            same = nw.col("truncated") == nw.lit(row["truncated"])  # distinct paths, not rows
            for name in self.words:
                same = same & (nw.col(name) == nw.lit(row[name], nw.Int64))
            match = match | same
        return match

    def medians(self, groups: dict[str, list[str]]) -> dict[str, Any]:
        """The median duration over the customers of each group of path texts (one query)."""
        label = nw.lit(None, nw.String)
        for key, texts in groups.items():
            label = nw.when(self._match(texts)).then(nw.lit(key)).otherwise(label)
        out = collect(
            self.per_customer.with_columns(label.alias("__cx_group"))
            .filter(~nw.col("__cx_group").is_null())
            .group_by("__cx_group")
            .agg(nw.col("__cx_duration").quantile(0.5, "linear").alias("m"))
        ).with_columns(_as_gap(pl.col("m"), self.dtype))
        return dict(zip(out["__cx_group"].to_list(), out["m"].to_list(), strict=True))

    def other_median(self, rest: pl.DataFrame) -> Any:
        """The median duration of the customers on the paths of ``rest`` (the other row): asked
        as the complement of the kept paths, which are few."""
        kept = self.variants.filter(~pl.col("path").is_in(rest["path"].implode()))
        out = collect(
            self.per_customer.filter(~self._match(kept["path"].unique().to_list())).select(
                nw.col("__cx_duration").quantile(0.5, "linear").alias("m")
            )
        ).select(_as_gap(pl.col("m"), self.dtype))
        return out["m"][0]
