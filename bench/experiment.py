"""Benchmark: ``cx.analyze`` on N units (three metrics, one with CUPED, plus the SRM check)
against the floor — a bare polars ``group_by(arm)`` computing the same sufficient statistics.

Usage: ``.venv/bin/python bench/experiment.py [n_units] [repeats]`` (default 10,000,000 and 3).
Prints the best-of-``repeats`` wall times and their ratio (target ≤ 1.3×).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import polars as pl

import cxkit as cx


def make_data(n: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, n)
    pre = rng.normal(420, 120, n)
    return pl.DataFrame(
        {
            "arm": np.where(arm == 1, "treatment", "control"),
            "resolved": rng.random(n) < 0.7 + 0.01 * arm,
            "csat": rng.normal(3.9, 1.0, n),
            "pre_handle_time": pre,
            "handle_time": 0.7 * pre + rng.normal(130 - 5 * arm, 80, n),
        }
    )


def floor(df: pl.DataFrame) -> pl.DataFrame:
    """Sufficient statistics per arm in one bare group_by (what any engine must compute)."""
    r = pl.col("resolved").cast(pl.Float64)
    y, z = pl.col("handle_time"), pl.col("pre_handle_time")
    c = pl.col("csat")
    return (
        df.lazy()
        .group_by("arm")
        .agg(
            pl.len(),
            r.count().alias("r_n"),
            r.sum().alias("r_s"),
            c.count().alias("c_n"),
            c.sum().alias("c_s"),
            (c * c).sum().alias("c_ss"),
            y.count().alias("y_n"),
            y.sum().alias("y_s"),
            (y * y).sum().alias("y_ss"),
            z.sum().alias("z_s"),
            (z * z).sum().alias("z_ss"),
            (y * z).sum().alias("yz_s"),
        )
        .collect()
    )


def engine(df: pl.DataFrame) -> cx.experiment.Analysis:
    return cx.analyze(
        df,
        control="control",
        metrics={"resolved": "proportion", "csat": "mean", "handle_time": "mean"},
        covariates={"handle_time": "pre_handle_time"},
    )


def best(fn, df, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(df)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    df = make_data(n)
    engine(df.head(1000))  # warm imports (scipy, statsmodels)
    t_floor = best(floor, df, repeats)
    t_engine = best(engine, df, repeats)
    res = engine(df)
    print(res.checks)
    print(res.effects.select("metric", "effect", "ci_low", "ci_high", "p_value"))
    print(f"units: {n:,}  polars threads: {pl.thread_pool_size()}")
    print(f"floor  (bare polars group_by(arm)): {t_floor:.3f} s")
    print(f"engine (cx.analyze, 3 metrics + CUPED + SRM): {t_engine:.3f} s")
    print(f"ratio engine / floor: {t_engine / t_floor:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
