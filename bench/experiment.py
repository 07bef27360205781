"""A/B benchmark: whole processes, as a user runs them, against a plain-polars floor.

    python bench/experiment.py                     # 10M units, 3 rounds
    python bench/experiment.py --units 20000 --repeat 1    # a quick look (what the test runs)

Data (written once per size into ``$TMPDIR/cxkit-bench``, or ``--out``): a unit table as
Parquet, one row per unit — ``unit_id`` (text), ``arm`` (control / treatment, 50:50),
``resolved`` (yes/no, 70 % vs 71 %), ``csat`` (normal, mean 3.9), ``pre_handle_time`` and
``handle_time`` (correlated 0.7, treatment 5 s faster); numpy, seed 1.

Steps, each its own Python process (wall time from start to exit, its own peak RSS):

* ``import polars`` / ``import cxkit``: the import alone;
* ``floor``: scan the file and compute every sufficient statistic of the analysis in one
  polars ``group_by(arm)`` (n, Σ, Σ² per metric, Σxy for the covariate) — what any engine
  must do;
* ``read+analyze``: ``cx.analyze(cx.read_experiment(path), ...)``, three metrics (one
  proportion, two means), CUPED on handle time, the SRM check: the user's job;
* ``analyze(scan)``: the same analysis on ``pl.scan_parquet(path)`` (no reader checks).

The table shows the median wall time of ``--repeat`` runs (steps taking turns), the children's
own phase times, the ratio to the floor and the peak RSS.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from _proc import emit, rounds, run_child, summary, table

STEPS = ["import polars", "import cxkit", "floor", "read+analyze", "analyze(scan)"]
METRICS = {"resolved": "proportion", "csat": "mean", "handle_time": "mean"}
COVARIATES = {"handle_time": "pre_handle_time"}


def write_units(n: int, out: Path) -> Path:
    """The unit table as Parquet, written once per size."""
    import numpy as np
    import polars as pl
    from rawlog import _size_label

    path = out / f"units_{_size_label(n)}.parquet"
    if path.exists():
        return path
    rng = np.random.default_rng(1)
    arm = rng.integers(0, 2, n)
    pre = rng.normal(420, 120, n)
    frame = pl.DataFrame(
        {
            "unit_id": pl.Series(rng.permutation(n)).cast(pl.String).str.zfill(9),
            "arm": np.where(arm == 1, "treatment", "control"),
            "resolved": rng.random(n) < 0.70 + 0.01 * arm,
            "csat": rng.normal(3.9, 1.0, n),
            "pre_handle_time": pre,
            "handle_time": 0.7 * pre + rng.normal(130 - 5 * arm, 80, n),
        }
    )
    tmp = path.with_name(path.name + ".tmp")
    frame.write_parquet(tmp)
    tmp.replace(path)
    return path


def _floor(path: str) -> None:
    t0 = time.perf_counter()
    import polars as pl

    t1 = time.perf_counter()
    r = pl.col("resolved").cast(pl.Float64)
    y, z, c = pl.col("handle_time"), pl.col("pre_handle_time"), pl.col("csat")
    out = (
        pl.scan_parquet(path)
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
    emit(t_import=t1 - t0, t_work=time.perf_counter() - t1, rows=out.height)


def _cxkit(step: str, path: str) -> None:
    t0 = time.perf_counter()
    import cxkit as cx

    t1 = time.perf_counter()
    if step == "read+analyze":
        data = cx.read_experiment(path)
    else:
        import polars as pl

        data = pl.scan_parquet(path)
    t2 = time.perf_counter()
    res = cx.analyze(data, control="control", metrics=METRICS, covariates=COVARIATES)
    t3 = time.perf_counter()
    effects = res.effects.select("metric", "effect", "ci_low", "ci_high", "p_value")
    emit(t_import=t1 - t0, t_read=t2 - t1, t_analyze=t3 - t2, rows=effects.height)


def child(step: str, path: str) -> None:
    if step.startswith("import "):
        t0 = time.perf_counter()
        __import__(step.split()[1])
        emit(t_import=time.perf_counter() - t0)
    elif step == "floor":
        _floor(path)
    elif step in {"read+analyze", "analyze(scan)"}:
        _cxkit(step, path)
    else:
        raise SystemExit(f"unknown step {step!r}: choose from {', '.join(STEPS)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=int, default=10_000_000)
    ap.add_argument("--steps", default=",".join(STEPS), help="comma-separated, from the list")
    ap.add_argument("--repeat", type=int, default=3, help="runs per step (the median counts)")
    ap.add_argument("--out", type=Path, default=None, help="data folder ($TMPDIR/cxkit-bench)")
    ap.add_argument("--child", nargs=2, metavar=("STEP", "PATH"), help=argparse.SUPPRESS)
    ap.add_argument("--make", nargs=2, metavar=("UNITS", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(*args.child)
    if args.make:
        return emit(path=str(write_units(int(args.make[0]), Path(args.make[1]))))
    from rawlog import default_dir

    out = default_dir() if args.out is None else args.out
    out.mkdir(parents=True, exist_ok=True)
    steps = args.steps.split(",")
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise SystemExit(f"unknown steps {sorted(unknown)}: choose from {', '.join(STEPS)}")
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, python {sys.version.split()[0]}")
    # the data is written by a child: a child's peak RSS starts from its parent's at the fork
    path = run_child([__file__, "--make", str(args.units), str(out)])["path"]
    print(f"units: {path} ({Path(path).stat().st_size / 1e6:.0f} MB)", flush=True)
    runs = rounds(steps, args.repeat, lambda step: [__file__, "--child", step, path])
    results = {s: summary(r) for s, r in runs.items()}
    floors = {"floor": results["floor"]["wall"] if "floor" in results else 0.0}
    print(table(f"A/B, {args.units:,} units", list(results.items()), floors))
    print(f"(load average now {os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    main()
