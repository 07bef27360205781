"""Private: :func:`~cxkit.journey.repeat_contacts` and :func:`~cxkit.journey.stage_scores`
pushed down to a lazy engine (DuckDB, Spark …) through narwhals.

* repeat contacts — each contact's next contact (``shift(-1)`` over the customer, in
  :data:`~cxkit.journey._engine.ORDER`), then one aggregate per contact touchpoint and one over
  all: counts, distinct customers and the median time to a repeat (Int64 microseconds,
  ``quantile(0.5, "linear")``, exact on whole microseconds).
* stage scores — the step number (a running count over the customer), then per point of the
  curve the events, the median and mean step, and the score's sufficient statistics (n, Σx,
  Σx², top and bottom counts) from which :mod:`cxkit.metrics.scores`' own estimator gives the
  estimate and its interval (the sum of squares as Σx² − (Σx)²/n: exact for whole-number
  scores, as in any textbook one-pass variance; e.g. Chan, Golub & LeVeque 1983).

Both hand the polars path's finishing code the same small frames it builds itself.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import polars as pl

from cxkit._frames import require_numeric
from cxkit.errors import CxDataError
from cxkit.io.engines import as_engine, collect
from cxkit.journey._engine import CUST, ORDER, TIME, TOUCH, engine_events, touchpoint_names
from cxkit.metrics.scores import DEFAULT_SCALES, estimates_from_sums, resolve_top_box, score_kind
from cxkit.schema import ALL_CONTACTS


def _over(expr: nw.Expr) -> nw.Expr:
    return expr.over(CUST, order_by=ORDER)


def contact_counts(
    events: Any,
    contacts: Sequence[str],
    within: _dt.timedelta,
    *,
    customer: str,
    time: str,
    touchpoint: str,
) -> tuple[pl.DataFrame, list[str | None]]:
    """The polars path's ``(all contacts)`` + per-touchpoint counts, and the touchpoints."""
    ev = engine_events(events, customer, time, touchpoint)
    present = touchpoint_names(ev)
    dtype = as_engine(events).collect_schema()[time]
    win = within / _dt.timedelta(microseconds=1) if not dtype.is_numeric() else within
    rows = ev.filter(nw.col(TOUCH).is_in(list(contacts))).with_columns(
        (_over(nw.col(TIME).shift(-1)) - nw.col(TIME)).alias("__cx_gap"),
        (_over(nw.col(TOUCH).shift(-1)) == nw.col(TOUCH)).fill_null(False).alias("__cx_same"),
    )
    rep = (nw.col("__cx_gap") <= win).fill_null(False)
    rows = rows.with_columns(rep.alias("__cx_rep"))
    rep = nw.col("__cx_rep")
    aggs = [
        nw.len().alias("n_contacts"),
        rep.cast(nw.Int64).sum().alias("n_repeated"),
        (rep & nw.col("__cx_same")).cast(nw.Int64).sum().alias("n_repeated_same"),
        nw.col(CUST).n_unique().alias("n_customers"),
        # narwhals counts null as a value: the non-repeats' null is taken off below
        nw.when(rep).then(nw.col(CUST)).n_unique().alias("__cx_nu"),
        nw.when(rep).then(nw.col("__cx_gap")).quantile(0.5, "linear").alias("__cx_med"),
    ]
    by_tp = collect(rows.group_by(TOUCH).agg(*aggs))
    total = collect(rows.select(*aggs)).with_columns(pl.lit(ALL_CONTACTS).alias(TOUCH))
    gap = pl.Float64 if dtype.is_numeric() else pl.Duration("us")
    ints = ["n_contacts", "n_repeated", "n_repeated_same", "n_customers"]
    out = pl.concat(
        [
            total,
            by_tp.sort(["n_repeated", TOUCH], descending=[True, False]),
        ],
        how="diagonal",
    ).select(
        TOUCH,
        *[pl.col(c).fill_null(0).cast(pl.Int64) for c in ints],
        (
            pl.col("__cx_nu").fill_null(0)
            - (pl.col("n_contacts").fill_null(0) > pl.col("n_repeated").fill_null(0))
        )
        .cast(pl.Int64)
        .alias("n_customers_repeating"),
        # median of whole microseconds: a whole or half unit, truncated as polars does
        (pl.col("__cx_med") if gap == pl.Float64 else pl.col("__cx_med").cast(pl.Int64))
        .cast(gap)
        .alias("median_time_to_repeat"),
    )
    return out, present


# --------------------------------------------------------------------------- stage scores
def stage_tables(
    events: Any,
    *,
    score: str,
    keys: list[str],
    metric: str,
    scale: tuple[float, float] | None,
    alpha: float,
    customer: str,
    time: str,
    touchpoint: str,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(order, scored)`` as the polars path's ``_journey_order`` (unsorted) and
    ``metrics.summarize`` give them, from aggregates computed in the engine."""
    keep = [score, *[k for k in keys if k != TOUCH]]
    ev = engine_events(events, customer, time, touchpoint, keep=keep)
    step = _over(nw.col("__cx_one").cum_sum())
    ev = ev.with_columns(nw.lit(1, nw.Int64).alias("__cx_one")).with_columns(
        step.alias("__cx_step")
    )
    st = nw.col("__cx_step")
    order = collect(
        ev.group_by(*keys).agg(
            nw.len().cast(nw.Int64).alias("n_events"),
            st.quantile(0.5, "linear").cast(nw.Float64).alias("median_step"),
            st.mean().alias("__mean_step"),
        )
    ).with_columns(pl.col("n_events").cast(pl.Int64))
    return order, _scores(ev, score, keys, metric, scale, alpha)


def _scores(
    ev: nw.LazyFrame,
    score: str,
    keys: list[str],
    metric: str,
    scale: tuple[float, float] | None,
    alpha: float,
) -> pl.DataFrame:
    """``metrics.summarize(..., by=keys)`` from the engine's sufficient statistics."""
    kind = score_kind(metric)
    schema = ev.collect_schema()
    require_numeric(
        {score: pl.Float64 if schema[score].is_numeric() else pl.String},
        score,
        role="score",
        source="summarize",
    )
    scale = DEFAULT_SCALES.get(kind) if scale is None else scale
    x = nw.col(score).cast(nw.Float64)
    ok = ev.filter(~x.is_null()).filter(~x.is_nan()).with_columns(x.alias("__cx_x"))
    xc = nw.col("__cx_x")
    if scale is not None:
        _check_scale(ok, score, scale)
    aggs = [nw.len().alias("n"), xc.sum().alias("sx"), (xc * xc).sum().alias("sxx")]
    if kind == "csat":
        lo, hi = resolve_top_box(None, scale)
        aggs.append(((xc >= lo) & (xc <= hi)).cast(nw.Float64).sum().alias("s_top"))
        label = "csat_top_box"
    elif kind == "nps":
        aggs.append((xc >= 9).cast(nw.Float64).sum().alias("s_top"))
        aggs.append((xc <= 6).cast(nw.Float64).sum().alias("s_bottom"))
        label = "nps"
    else:
        label = "mean"
    agg = collect(ok.group_by(*keys).agg(*aggs)).sort(keys, nulls_last=True)
    n = pl.col("n").cast(pl.Float64)
    agg = agg.with_columns(
        pl.col("n").cast(pl.Int64),
        n.alias("sw"),
        n.alias("sw2"),
        (pl.col("sx") / n).alias("m"),
        (pl.col("sxx") - pl.col("sx") * pl.col("sx") / n).clip(0.0).alias("ss"),
    )
    res = estimates_from_sums(agg, label, weighted=False, alpha=alpha, interval=None)
    cols = ["n", "n_eff", "estimate", "ci_low", "ci_high"]
    stats = pl.DataFrame(
        {c: np.atleast_1d(res[c]).astype(np.int64 if c == "n" else float) for c in cols}
    ).with_columns(pl.col("estimate", "ci_low", "ci_high").fill_nan(None), metric=pl.lit(label))
    return pl.concat([agg.select(keys), stats], how="horizontal")


def _check_scale(ok: nw.LazyFrame, score: str, scale: tuple[float, float]) -> None:
    """Scores outside ``scale``: counted in the engine, five examples fetched only then."""
    bad = ok.filter((nw.col("__cx_x") < scale[0]) | (nw.col("__cx_x") > scale[1]))
    n_bad = int(collect(bad.select(nw.len().alias("n")))["n"][0])
    if n_bad:
        examples = collect(bad.select(nw.col(score)).head(5))
        rule = f"scores within {scale[0]}–{scale[1]}"
        raise CxDataError(
            f"Column {score!r} breaks the rule: {rule}.",
            source="summarize",
            column=score,
            rule=rule,
            n_rows=n_bad,
            examples=examples.to_dicts(),
            hint="pass scale=(low, high) matching your data, or map the codes to null first "
            "(e.g. cx.read_survey(..., na_codes=[...]))",
        )
