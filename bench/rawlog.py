"""A raw touchpoint log in global time order, for the benchmarks (not the kit's sample data).

    python bench/rawlog.py                         # 10M events → $TMPDIR/cxkit-bench/
    python bench/rawlog.py --events 20000 --out /tmp/x --formats parquet,csv

What it writes (``raw_events_<size>.parquet`` / ``.csv``), as an export from a web-analytics or
CRM system would arrive: one row per event, sorted by time alone (customers interleaved), with
three columns ``customer_id`` (text such as ``"u00412783"``, numbered in random order, so id
order is not time order), ``timestamp`` (naive, millisecond resolution, 90 days from
2024-01-01) and ``touchpoint`` (12 names).

How it is drawn (numpy, seed 18 by default, so a file is the same on every machine):

* customers: ``n_events / 8``; each has ``1 + Poisson(7)`` events (8 on average, so the file
  holds about ``n_events`` rows; the exact count is printed);
* the first event falls uniformly in the 90 days; the gaps between a customer's events are
  log-normal (median 20 minutes, σ = 2, so from seconds to weeks), rounded to the millisecond;
  1 % of gaps are 0 (two events logged at the same instant, at two different touchpoints: ties,
  which must keep file order; the log holds no exact duplicate rows);
* touchpoints follow a Markov chain: a fixed start distribution and a transition matrix drawn
  once from a Dirichlet(0.5) (seed 18), so some moves are common and many are rare.

The journey benchmark (``bench/journey.py``) calls :func:`write_raw_log`; the file is written
once per size and seed and reused.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

TOUCHPOINTS = [
    "web visit",
    "app open",
    "search",
    "product page",
    "basket",
    "checkout",
    "order",
    "delivery",
    "email",
    "chat",
    "call",
    "review",
]
DAYS = 90
EVENTS_PER_CUSTOMER = 8


def default_dir() -> Path:
    """``$TMPDIR/cxkit-bench`` (override with ``--out`` or ``CXKIT_BENCH_DIR``)."""
    return Path(os.environ.get("CXKIT_BENCH_DIR", Path(tempfile.gettempdir()) / "cxkit-bench"))


def _size_label(n: int) -> str:
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k"


def make_raw_log(n_events: int, seed: int = 18) -> pl.DataFrame:
    """The log as a frame (about ``n_events`` rows), sorted by ``timestamp`` alone."""
    rng = np.random.default_rng(seed)
    k = len(TOUCHPOINTS)
    n_cust = max(1, n_events // EVENTS_PER_CUSTOMER)
    counts = 1 + rng.poisson(EVENTS_PER_CUSTOMER - 1, n_cust)
    n = int(counts.sum())
    owner = np.repeat(np.arange(n_cust), counts)  # customer of each row, customer-major
    first = np.ones(n, dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    # times: a uniform start per customer, then cumulated log-normal gaps (ms)
    start = rng.integers(0, DAYS * 86_400_000, n_cust)
    gaps = np.rint(np.exp(rng.normal(np.log(20 * 60_000), 2.0, n))).astype(np.int64)
    tie = rng.random(n) < 0.01
    tie[1:] &= ~tie[:-1]  # never three events at one instant
    gaps[tie] = 0
    gaps[first] = 0
    offset = np.cumsum(gaps)
    offset -= np.repeat(offset[first], counts)  # restart the cumulated gaps per customer
    ms = np.repeat(start, counts) + offset
    # touchpoints: a Markov chain, advanced one step for all customers at once
    start_p = rng.dirichlet(np.ones(k) * 2.0)
    trans = rng.dirichlet(np.ones(k) * 0.5, size=k)
    cum = np.cumsum(trans, axis=1)
    step = np.arange(n) - np.repeat(np.flatnonzero(first), counts)
    touch = np.empty(n, dtype=np.int8)
    touch[first] = rng.choice(k, size=n_cust, p=start_p)
    u = rng.random(n)
    for s in range(1, int(counts.max())):  # one vectorised step per position in the journey
        rows = np.flatnonzero(step == s)
        prev = touch[rows - 1]
        nxt = (u[rows, None] > cum[prev]).sum(axis=1).clip(max=k - 1)
        # two events at one instant are two different touchpoints (no exact duplicate rows)
        same = (gaps[rows] == 0) & (nxt == prev)
        touch[rows] = np.where(same, (nxt + 1) % k, nxt)
    ids = rng.permutation(n_cust)  # id numbers in random order: id order is not time order
    frame = pl.DataFrame(
        {
            "customer_id": pl.Series(ids[owner]).cast(pl.String).str.zfill(8),
            "timestamp": pl.Series((ms + 1_704_067_200_000) * 1000).cast(pl.Datetime("us")),
            "touchpoint": pl.Series(np.array(TOUCHPOINTS)[touch]),
        }
    ).with_columns(("u" + pl.col("customer_id")).alias("customer_id"))
    return frame.sort("timestamp", maintain_order=True)


def write_raw_log(
    n_events: int,
    out: Path | None = None,
    *,
    formats: tuple[str, ...] = ("parquet",),
    seed: int = 18,
) -> dict[str, Path]:
    """Write the log once per size and seed; return ``{format: path}`` (existing files kept)."""
    out = default_dir() if out is None else Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"raw_events_{_size_label(n_events)}" + ("" if seed == 18 else f"_seed{seed}")
    paths = {fmt: out / f"{stem}.{fmt}" for fmt in formats}
    missing = [fmt for fmt, p in paths.items() if not p.exists()]
    if missing:
        frame = make_raw_log(n_events, seed)
        for fmt in missing:
            tmp = paths[fmt].with_name(paths[fmt].name + ".tmp")
            if fmt == "parquet":
                frame.write_parquet(tmp)
            elif fmt == "csv":
                frame.write_csv(tmp)
            else:
                raise SystemExit(f"unknown format {fmt!r}: use parquet or csv")
            tmp.replace(paths[fmt])
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000, help="about this many rows")
    ap.add_argument("--out", type=Path, default=None, help="folder (default: $TMPDIR/cxkit-bench)")
    ap.add_argument("--formats", default="parquet", help="parquet, csv or both: parquet,csv")
    ap.add_argument("--seed", type=int, default=18)
    args = ap.parse_args()
    t0 = time.perf_counter()
    paths = write_raw_log(
        args.events, args.out, formats=tuple(args.formats.split(",")), seed=args.seed
    )
    for path in paths.values():
        rows = (
            pl.scan_parquet(path).select(pl.len()).collect().item()
            if path.suffix == (".parquet")
            else None
        )
        size = path.stat().st_size / 1e6
        print(f"{path}  {size:.0f} MB" + (f"  {rows:,} rows" if rows else ""))
    print(f"({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
