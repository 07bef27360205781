"""Journeys beyond one machine: ``cx.journey.transitions`` through DuckDB and Spark, against polars.

    python bench/engines.py                         # 100M (DuckDB vs polars), 300M (DuckDB), Spark 10M
    python bench/engines.py --events 20000 --big 0 --spark-events 20000   # a smoke run
    python bench/engines.py --steps duckdb,polars --repeat 1

Every step is its own Python process (``bench/_proc.py``): interpreter start, imports,
``cx.read_events`` (validation in the engine) and ``cx.journey.transitions``; wall time from
the parent, peak RSS of the Python process (``os.wait4``; for Spark the JVM is a separate
process and not counted: the figure is the driver's Python side only).

The data: the raw-log generator of ``bench/rawlog.py`` written in chunks of 10M events, one
Parquet file per chunk under ``$TMPDIR/cxkit-bench/engines/`` (each file in time order; the
customers of a chunk are prefixed by its number, so no journey spans two files), with an
``event_id`` (chunk × 10⁹ + row) that both paths use as ``order_by`` — the 1 % of events tied
in time are then ordered the same way, and the results must be equal: the parent compares each
engine's result with polars' (counts exactly, gaps to 1e-9).

DuckDB runs with ``SET memory_limit`` (default 4GB) and a ``temp_directory`` for spilling, on a
relation over the Parquet files (``read_parquet``). Spark runs ``local[2]`` with 2 GB of driver
memory, on 10M events: a correctness path here, not a speed claim.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _proc import emit, run_child, summary, table  # noqa: E402

CHUNK = 10_000_000


def data_dir(out: Path | None) -> Path:
    from rawlog import default_dir

    return (out or default_dir()) / "engines"


def write_chunks(n_events: int, folder: Path) -> list[Path]:
    """``n_events`` (a multiple of 10M, or less than 10M) as Parquet chunks; existing ones kept."""
    import polars as pl
    from rawlog import make_raw_log

    folder.mkdir(parents=True, exist_ok=True)
    size = min(n_events, CHUNK)
    paths = []
    for k in range(max(1, n_events // size)):
        path = folder / f"part-{size // 1000}k-{k:03d}.parquet"
        paths.append(path)
        if path.exists():
            continue
        frame = make_raw_log(size, seed=18 + k).with_columns(
            ("c" + pl.lit(f"{k:03d}") + pl.col("customer_id")).alias("customer_id"),
            (pl.int_range(pl.len(), dtype=pl.Int64) + k * 1_000_000_000).alias("event_id"),
        )
        tmp = path.with_name(path.name + ".tmp")
        frame.write_parquet(tmp)
        tmp.replace(path)
    return paths


# ---------------------------------------------------------------------------- the children
def child(step: str, files: list[str], result: str, memory: str, tmp: str) -> None:
    t0 = time.perf_counter()
    import cxkit as cx

    t_import = time.perf_counter() - t0
    if step.startswith("duckdb"):
        import duckdb

        con = duckdb.connect()
        con.execute(f"SET memory_limit = '{memory}'")
        con.execute(f"SET temp_directory = '{tmp}'")
        con.execute("SET preserve_insertion_order = false")
        source = con.read_parquet(files)
    elif step.startswith("spark"):
        from pyspark.sql import SparkSession

        spark = (
            SparkSession.builder.master("local[2]")
            .appName("cxkit-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", "2g")
            .config("spark.sql.shuffle.partitions", "8")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        source = spark.read.parquet(*files)
    else:
        import polars as pl

        source = pl.scan_parquet(files)
    t1 = time.perf_counter()
    events = cx.read_events(source, order_by="event_id")
    t2 = time.perf_counter()
    print(f"read_events (validated in the engine): {t2 - t1:.1f} s", file=sys.stderr, flush=True)
    out = cx.journey.transitions(events)
    t3 = time.perf_counter()
    out.write_parquet(result)
    emit(
        rows=out.height,
        t_import=t_import,
        t_read_events=t2 - t1,
        t_transitions=t3 - t2,
    )


def same_result(a: Path, b: Path) -> str:
    """``same`` when two transitions results agree (counts exactly, the rest to 1e-9)."""
    import polars as pl
    from polars.testing import assert_frame_equal

    key = ["source", "target"]
    left, right = pl.read_parquet(a).sort(key), pl.read_parquet(b).sort(key)
    try:
        assert_frame_equal(left, right, check_exact=False, rel_tol=1e-9, abs_tol=1e-9)
    except AssertionError as exc:
        return f"DIFFERENT: {str(exc).splitlines()[0]}"
    return "same"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=100_000_000, help="DuckDB vs polars size")
    ap.add_argument("--big", type=int, default=300_000_000, help="DuckDB alone (0: skip)")
    ap.add_argument("--spark-events", type=int, default=10_000_000, help="Spark size (0: skip)")
    ap.add_argument("--steps", default="duckdb,polars,duckdb-big,spark")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--memory", default="4GB", help="DuckDB memory_limit")
    ap.add_argument("--out", type=Path, default=None, help="data folder's parent")
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        step, files, result, memory, tmp = args.child
        child(step, json.loads(files), result, memory, tmp)
        return
    folder = data_dir(args.out)
    tmp = folder / "duckdb-tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    sizes = {"duckdb": args.events, "polars": args.events}
    sizes |= {"duckdb-big": args.big, "spark": args.spark_events}
    steps = [s for s in args.steps.split(",") if sizes.get(s)]
    t0 = time.perf_counter()
    files = {s: write_chunks(sizes[s], folder) for s in steps}
    print(f"data: {folder} ({time.perf_counter() - t0:.0f} s to write what was missing)")
    results = {s: folder / f"transitions-{s}-{sizes[s]}.parquet" for s in steps}

    def make_args(step: str) -> list[str]:
        names = json.dumps([str(p) for p in files[step]])
        return [__file__, "--child", step, names, str(results[step]), args.memory, str(tmp)]

    runs: dict[str, list[dict]] = {s: [] for s in steps}
    failed: dict[str, str] = {}
    for _ in range(args.repeat):  # the steps take turns, as in _proc.rounds
        for step in (s for s in steps if s not in failed):
            t_step = time.perf_counter()
            try:
                runs[step].append(run_child(make_args(step)))
            except SystemExit as exc:  # a step that fails (out of memory …) is reported
                lines = [x for x in str(exc).splitlines() if x.strip()]
                said = [x for x in lines if x.startswith("read_events")]
                said += [x.strip() for x in lines if "Error" in x][-1:]
                failed[step] = f"after {time.perf_counter() - t_step:.0f} s: " + "; ".join(
                    [x[:300] for x in said] or lines[-1:]
                )
    rows = [(f"{s} ({sizes[s] / 1e6:g}M events)", summary(r)) for s, r in runs.items() if r]
    print(table("transitions through engines (whole process)", rows, {}))
    for s, why in failed.items():
        print(f"{s} ({sizes[s] / 1e6:g}M events, memory_limit {args.memory}) FAILED {why}")
    for s in (s for s in steps if s not in failed and "polars" not in failed):
        ref = f"polars-{sizes[s]}"
        match = next((results[p] for p in steps if f"{p}-{sizes[p]}" == ref), None)
        if s != "polars" and match is not None:
            print(f"{s} vs polars: {same_result(results[s], match)}")


if __name__ == "__main__":
    main()
