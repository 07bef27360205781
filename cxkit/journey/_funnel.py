"""Private funnel engines of :func:`cxkit.journey.funnel`: ordered, strict and any-order.

``lf`` is sorted and carries ``KEY`` (``customer_number()``); each engine returns one row per
customer who reached step 1: ``KEY``, ``depth`` (steps reached) and ``t_1 … t_K`` (times of the
steps of the best attempt). Integer keys keep joins cheap.
"""

from __future__ import annotations

import datetime as _dt

import polars as pl

from cxkit.journey._events import TOUCH, P, T

KEY = "__cx_key"
K = pl.col(KEY)


def funnel_ordered(
    lf: pl.LazyFrame, steps: list[str], window: _dt.timedelta | None
) -> pl.LazyFrame:
    """Deepest step reached in order: greedy earliest match from each start (exact)."""
    ev = lf.with_row_index("pos").filter(P.is_in(steps)).select(K, T, P, "pos").collect().lazy()
    starts = ev.filter(steps[0] == P)
    if window is None:  # the earliest start dominates every later one
        starts = starts.filter(K.is_first_distinct())
    state = starts.select(
        K, pl.col("pos").alias("start"), pl.col("pos").alias("pos_1"), T.alias("t_1")
    )
    for k in range(2, len(steps) + 1):
        cand = ev.filter(steps[k - 1] == P).select(
            K.alias("key_k"), pl.col("pos").alias("pos_k"), T.alias("t_k")
        )
        left = (
            state.filter(pl.col(f"pos_{k - 1}").is_not_null())
            .select(K, "start", "t_1", (pl.col(f"pos_{k - 1}") + 1).alias("after"))
            .sort("after")
        )
        # rows are globally ordered by (customer, time), so the first candidate at or after
        # ``after`` is this customer's next occurrence of the step, or belongs to another
        # customer (no match): no ``by`` needed
        hit = left.join_asof(cand, left_on="after", right_on="pos_k", strategy="forward")
        ok = pl.col("key_k") == K
        if window is not None:
            ok = ok & (pl.col("t_k") - pl.col("t_1") <= window)
        hit = hit.filter(ok).select(
            "start", pl.col("pos_k").alias(f"pos_{k}"), pl.col("t_k").alias(f"t_{k}")
        )
        state = state.join(hit, on="start", how="left")
    depth = pl.sum_horizontal(pl.col(f"pos_{k}").is_not_null() for k in range(1, len(steps) + 1))
    state = state.with_columns(depth.alias("depth"))
    if window is None:  # one attempt per customer already: nothing to choose between
        return state.select(K, "depth", *[f"t_{k}" for k in range(1, len(steps) + 1)])
    return _best_attempt(state, "start", len(steps))


def _best_attempt(attempts: pl.LazyFrame, order: str, k_steps: int) -> pl.LazyFrame:
    """Per customer, the deepest attempt (the earliest among equals)."""
    return (
        attempts.sort([KEY, "depth", order], descending=[False, True, False])
        .filter(K.is_first_distinct())
        .select(K, "depth", *[f"t_{k}" for k in range(1, k_steps + 1)])
    )


def funnel_strict(lf: pl.LazyFrame, steps: list[str], window: _dt.timedelta | None) -> pl.LazyFrame:
    """Deepest run of consecutive events matching the steps, and its times."""
    k_steps = len(steps)
    match = [pl.lit(True)]
    for j in range(1, k_steps):
        ok = (K.shift(-j) == K) & (P.shift(-j) == steps[j])
        if window is not None:
            ok = ok & (T.shift(-j) - T <= window)
        match.append(match[-1] & ok.fill_null(False))
    runs = lf.with_row_index("pos").select(
        K,
        "pos",
        P,
        pl.sum_horizontal(m.cast(pl.Int64) for m in match).alias("depth"),
        *[T.shift(-j).alias(f"t_{j + 1}") for j in range(k_steps)],
    )
    runs = runs.filter(steps[0] == P).with_columns(
        pl.when(pl.col("depth") >= k).then(pl.col(f"t_{k}")).alias(f"t_{k}")
        for k in range(2, k_steps + 1)
    )
    return _best_attempt(runs, "pos", k_steps)


def funnel_any(lf: pl.LazyFrame, steps: list[str], window: _dt.timedelta | None) -> pl.LazyFrame:
    """How many of steps 1…k were all done (any order), with the first time of each.

    With a ``window``, every event of a funnel step is tried as the window's start: from it,
    each step's next occurrence (an as-of join forward in time) must fall within the window.
    The deepest start wins (the earliest among equals), with its times.
    """
    if window is not None:
        return _funnel_any_window(lf, steps, window)
    firsts = lf.filter(P.is_in(steps)).group_by(KEY, TOUCH).agg(T.min().alias("t")).collect()
    out = firsts.filter(steps[0] == P).select(K)
    for k, step in enumerate(steps, start=1):
        one = firsts.filter(step == P).select(K, pl.col("t").alias(f"t_{k}"))
        out = out.join(one, on=KEY, how="left")
    reached = []
    for k in range(1, len(steps) + 1):
        cols = [f"t_{j}" for j in range(1, k + 1)]
        ok = pl.all_horizontal(pl.col(c).is_not_null() for c in cols)
        reached.append(ok if not reached else reached[-1] & ok)
    depth = pl.sum_horizontal(r.cast(pl.Int64) for r in reached)
    return out.lazy().with_columns(depth.alias("depth"))


def _funnel_any_window(lf: pl.LazyFrame, steps: list[str], window: _dt.timedelta) -> pl.LazyFrame:
    ev = lf.filter(P.is_in(steps)).select(K, T, P).collect()
    with_first = ev.filter(steps[0] == P).select(K).unique()
    anchors = (
        ev.join(with_first, on=KEY, how="semi").select(K, T.alias("t0")).unique().sort(KEY, "t0")
    )
    out = anchors
    reached = []
    for k, step in enumerate(steps, start=1):
        occ = ev.filter(step == P).select(K, T.alias(f"t_{k}")).sort(KEY, f"t_{k}")
        out = out.join_asof(
            occ,
            left_on="t0",
            right_on=f"t_{k}",
            by=KEY,
            strategy="forward",
            check_sortedness=False,
        )
        ok = (pl.col(f"t_{k}") - pl.col("t0") <= window).fill_null(False)
        reached.append(ok if not reached else reached[-1] & ok)
    depth = pl.sum_horizontal(r.cast(pl.Int64) for r in reached)
    best = _best_attempt(out.lazy().with_columns(depth.alias("depth")), "t0", len(steps))
    return best.with_columns(
        pl.when(pl.col("depth") >= k).then(pl.col(f"t_{k}")).alias(f"t_{k}")
        for k in range(1, len(steps) + 1)
    )


#: ``mode`` → engine.
ENGINES = {"ordered": funnel_ordered, "strict": funnel_strict, "any": funnel_any}
