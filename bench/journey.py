"""Benchmark of the journey module against a bare-polars floor (not a test; takes minutes).

    python bench/journey.py                  # 10M events (generated once into bench/out/)
    python bench/journey.py --events 30000000
    python bench/journey.py --order time     # the same events in time order, as many exports are

The sample file is written customer by customer, in time order within each customer: the order
the journey functions need, which they detect (one cheap pass) instead of sorting again. With
``--order time`` the rows are in timestamp order instead, so every step, the floor included,
has to really sort.

Each step runs in its own Python process, so its time and peak memory (max RSS) are its own:

* ``floor``               bare polars: scan Parquet, sort by customer + time, shift, group_by
                          the edges and count — the least any transition count must do;
* ``transitions``         ``cx.journey.transitions`` on events already read (``read_events``
                          runs first, untimed): ``(start)``/``(end)``, n, n_customers,
                          p_out/p_in and the median and p95 gap per edge (and the sort, when
                          the file is not in customer order);
* ``paths``, ``funnel``   ``cx.journey.paths`` and ``cx.journey.funnel([web visit, order,
                          delivery])`` on events already read, likewise;
* ``read_events``         ``cx.read_events(path)`` alone: its validation pass;
* ``read+transitions``    ``cx.journey.transitions(cx.read_events(path))``, the issue's target.

It prints each step's seconds (the fastest of ``--repeat`` runs, default 3, as other load on
the machine only ever slows a run down; the steps take turns, so a slow spell of the machine
hits all of them), its ratio to the floor and its peak RSS. Target (issue 3):
read+transitions within 2× the floor on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
FUNNEL = ["web visit", "order", "delivery"]


def _data(n_events: int, order: str = "customer") -> Path:
    path = OUT / f"events_{n_events // 1_000_000}m.parquet"
    if not path.exists():
        from cxkit.sample import write_events

        print(f"generating {n_events:,} sample events into {path} (once) …", flush=True)
        t0 = time.perf_counter()
        write_events(path, n_events=n_events)
        print(f"  done in {time.perf_counter() - t0:.0f} s", flush=True)
    if order == "time":
        import polars as pl

        by_time = path.with_name(path.stem + "_by_time.parquet")
        if not by_time.exists():
            print(f"writing a copy in time order into {by_time} (once) …", flush=True)
            pl.scan_parquet(path).sort("timestamp", maintain_order=True).sink_parquet(by_time)
        return by_time
    return path


def _step(name: str, path: str) -> dict:
    """Run one step in this process; return its seconds and peak RSS."""
    import polars as pl

    import cxkit as cx

    t0 = time.perf_counter()
    if name == "floor":
        cid, tp = pl.col("customer_id"), pl.col("touchpoint")
        out = (
            pl.scan_parquet(path)
            .sort(["customer_id", "timestamp"], maintain_order=True)
            .select(
                tp.alias("source"),
                tp.shift(-1).alias("target"),
                (cid.shift(-1) == cid).alias("same"),
            )
            .filter("same")
            .group_by("source", "target")
            .len()
            .collect()
        )
    elif name == "read_events":  # validation pass only (the frame stays lazy)
        out = cx.read_events(path).head(0).collect()
    elif name == "read+transitions":
        out = cx.journey.transitions(cx.read_events(path))
    elif name in {"transitions", "paths", "funnel"}:  # on events read beforehand (untimed)
        events = cx.read_events(path)
        t0 = time.perf_counter()
        if name == "transitions":
            out = cx.journey.transitions(events)
        elif name == "paths":
            out = cx.journey.paths(events)
        else:
            out = cx.journey.funnel(events, FUNNEL)
    else:
        raise SystemExit(f"unknown step {name!r}")
    seconds = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {"step": name, "seconds": seconds, "peak_gb": peak_kb / 1024**2, "rows": out.height}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument(
        "--steps", default="floor,transitions,paths,funnel,read_events,read+transitions"
    )
    ap.add_argument("--repeat", type=int, default=3, help="runs per step; the fastest counts")
    ap.add_argument(
        "--order",
        choices=["customer", "time"],
        default="customer",
        help="row order of the file: as written (customer, time) or by time alone",
    )
    ap.add_argument("--child", nargs=2, metavar=("STEP", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_step(*args.child)))
        return
    path = _data(args.events, args.order)
    print(f"{path.name}: {path.stat().st_size / 1e6:.0f} MB, {os.cpu_count()} cores", flush=True)
    names = args.steps.split(",")
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for _ in range(args.repeat):  # round robin: drift in the machine's speed hits every step
        for name in names:
            proc = subprocess.run(
                [sys.executable, __file__, "--child", name, str(path)],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode:
                raise SystemExit(f"step {name} failed:\n{proc.stderr}")
            runs[name].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    results = []
    for name in names:
        res = min(runs[name], key=lambda r: r["seconds"])  # least disturbed by other load
        res["all_seconds"] = [round(r["seconds"], 1) for r in runs[name]]
        res["peak_gb"] = max(r["peak_gb"] for r in runs[name])
        results.append(res)
        print(f"  {name:<18} {res['all_seconds']} s   peak {res['peak_gb']:5.2f} GB", flush=True)
    floor = next((r["seconds"] for r in results if r["step"] == "floor"), None)
    print(f"\n{'step':<18} {'seconds':>8} {'× floor':>8} {'peak RSS':>9}")
    for r in results:
        ratio = f"{r['seconds'] / floor:.2f}" if floor else "–"
        print(f"{r['step']:<18} {r['seconds']:8.1f} {ratio:>8} {r['peak_gb']:7.2f} GB")


if __name__ == "__main__":
    main()
