"""Journey benchmark: whole processes, as a user runs them, against plain-polars floors.

    python bench/journey.py                        # 10M events, both data sets, 3 rounds
    python bench/journey.py --events 30000000 --data raw
    python bench/journey.py --events 20000 --repeat 1      # a quick look (what the test runs)

Data (written once per size into ``$TMPDIR/cxkit-bench``, or ``--out``):

* ``raw``: a raw log in global time order from ``bench/rawlog.py`` (about 8 events per
  customer, 12 touchpoints, customers interleaved): the order exports arrive in, so every
  step has to really sort;
* ``sample``: the kit's own sample data (``cxkit.sample.write_events``), written customer by
  customer: already in the order the journey functions need.

Steps, each its own Python process (its wall time from start to exit, its own peak RSS):

* ``import polars`` / ``import cxkit``: the import alone;
* ``floor``: the bare polars floor of issue 18 — scan the file, sort by customer and time,
  ``shift().over(customer)``, group-by count of the edges;
* ``full floor``: a plain polars script returning exactly what ``transitions()`` returns
  (``(start)``/``(end)`` edges, ``n``, ``n_customers``, ``p_out``, ``p_in``, median and p95
  gaps); the parent checks that the two results agree;
* ``transitions``: ``import cxkit``, ``cx.read_events(path)``, ``cx.journey.transitions``;
* ``paths``: the same with ``cx.journey.paths``.

Each step runs ``--repeat`` times (default 3), the steps taking turns so that a slow spell of
a shared machine hits them all; the table shows the median wall time (and every run), the
children's own phase times, the ratio to both floors and the peak RSS.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from _proc import emit, rounds, run_child, summary, table

HERE = Path(__file__).resolve().parent
STEPS = ["import polars", "import cxkit", "floor", "full floor", "transitions", "paths"]


# ----------------------------------------------------------------------------- the children
def _scan(pl, path: str):
    if path.endswith(".csv"):
        return pl.scan_csv(path, try_parse_dates=True)
    return pl.scan_parquet(path)


def _floor(path: str, result: str) -> None:
    t0 = time.perf_counter()
    import polars as pl

    t1 = time.perf_counter()
    tp = pl.col("touchpoint")
    out = (
        _scan(pl, path)
        .sort(["customer_id", "timestamp"], maintain_order=True)
        .with_columns(tp.shift(-1).over("customer_id").alias("target"))
        .drop_nulls("target")
        .group_by("touchpoint", "target")
        .len()
        .collect()
    )
    t2 = time.perf_counter()
    out.write_parquet(result)
    emit(t_import=t1 - t0, t_work=t2 - t1, rows=out.height)


def _full_floor(path: str, result: str) -> None:
    """What ``transitions()`` returns, in plain polars as a user would write it."""
    t0 = time.perf_counter()
    import polars as pl

    t1 = time.perf_counter()
    c, t, tp, n = pl.col("customer_id"), pl.col("timestamp"), pl.col("touchpoint"), pl.col("n")
    ev = _scan(pl, path).sort(["customer_id", "timestamp"], maintain_order=True)
    moves = (
        ev.select(
            c,
            tp.shift(1).over(c).fill_null("(start)").alias("source"),
            tp.alias("target"),
            (t - t.shift(1)).over(c).alias("gap"),
        )
        .group_by("source", "target")
        .agg(
            pl.len().alias("n"),
            c.n_unique().alias("n_customers"),
            pl.col("gap").median().alias("median_time"),
            pl.col("gap").quantile(0.95, "linear").alias("p95_time"),
        )
    )
    ends = (
        ev.group_by(c)
        .agg(tp.last().alias("source"))
        .group_by("source")
        .agg(pl.len().alias("n"))
        .with_columns(pl.lit("(end)").alias("target"), n.alias("n_customers"))
    )
    out = (
        pl.concat([moves, ends], how="diagonal")
        .with_columns(
            (n / n.sum().over("source")).alias("p_out"), (n / n.sum().over("target")).alias("p_in")
        )
        .sort(["n", "source", "target"], descending=[True, False, False])
        .collect()
    )
    t2 = time.perf_counter()
    out.write_parquet(result)
    emit(t_import=t1 - t0, t_work=t2 - t1, rows=out.height)


def _cxkit(step: str, path: str, result: str) -> None:
    t0 = time.perf_counter()
    import cxkit as cx

    t1 = time.perf_counter()
    events = cx.read_events(path)
    t2 = time.perf_counter()
    out = cx.journey.transitions(events) if step == "transitions" else cx.journey.paths(events)
    t3 = time.perf_counter()
    out.write_parquet(result)
    emit(t_import=t1 - t0, t_read=t2 - t1, t_op=t3 - t2, rows=out.height)


def _import(module: str) -> None:
    t0 = time.perf_counter()
    __import__(module)
    emit(t_import=time.perf_counter() - t0)


def child(step: str, path: str, result: str) -> None:
    if step.startswith("import "):
        _import(step.split()[1])
    elif step == "floor":
        _floor(path, result)
    elif step == "full floor":
        _full_floor(path, result)
    elif step in {"transitions", "paths"}:
        _cxkit(step, path, result)
    else:
        raise SystemExit(f"unknown step {step!r}: choose from {', '.join(STEPS)}")


# ----------------------------------------------------------------------------- the parent
def data_file(kind: str, n_events: int, out: Path, fmt: str) -> Path:
    """The data set's file, written once (``raw``: bench/rawlog.py; ``sample``: cxkit's).

    Run in a child process: a child's peak RSS starts from its parent's at the fork, so the
    parent stays small (it never imports polars).
    """
    from rawlog import _size_label, write_raw_log

    if kind == "raw":
        return write_raw_log(n_events, out, formats=(fmt,))[fmt]
    path = out / f"sample_events_{_size_label(n_events)}.{fmt}"
    if not path.exists():
        from cxkit.sample import write_events

        parquet = path.with_suffix(".parquet")
        if not parquet.exists():
            write_events(parquet, n_events=n_events, progress=False)
        if fmt == "csv":
            import polars as pl

            pl.read_parquet(parquet).write_csv(path)
    return path


def check_same(full: Path, cx_result: Path) -> str:
    """Compare the full floor's result with ``transitions()``'s: a floor must do the same job."""
    import polars as pl

    a, b = pl.read_parquet(full), pl.read_parquet(cx_result)
    key = ["source", "target"]
    joined = a.join(b, on=key, how="full", suffix="_cx", coalesce=True)
    if joined.height != a.height or a.height != b.height:
        return f"DIFFERENT edges: floor {a.height}, transitions {b.height}"
    bad = []
    for col in ["n", "n_customers", "p_out", "p_in", "median_time", "p95_time"]:
        x, y = joined[col], joined[f"{col}_cx"]
        if x.dtype.is_temporal():
            x, y = x.dt.total_microseconds(), y.dt.total_microseconds()
        diff = (x.cast(pl.Float64) - y.cast(pl.Float64)).abs().max()
        if (x.is_null() != y.is_null()).any() or (diff or 0) > 1e-9 * max(1.0, y.abs().max()):
            bad.append(col)
    return f"DIFFERENT in {bad}" if bad else "same result"


def _in_child(*args: str) -> dict:
    return run_child([__file__, *args])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000, help="about this many events")
    ap.add_argument("--data", default="raw,sample", help="raw, sample or raw,sample")
    ap.add_argument("--steps", default=",".join(STEPS), help="comma-separated, from the list")
    ap.add_argument("--repeat", type=int, default=3, help="runs per step (the median counts)")
    ap.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    ap.add_argument("--out", type=Path, default=None, help="data folder ($TMPDIR/cxkit-bench)")
    ap.add_argument("--child", nargs=3, metavar=("STEP", "PATH", "RESULT"), help=argparse.SUPPRESS)
    ap.add_argument("--make", nargs=4, help=argparse.SUPPRESS)  # KIND EVENTS OUT FORMAT
    ap.add_argument("--compare", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(*args.child)
    if args.make:
        kind, n, folder, fmt = args.make
        return emit(path=str(data_file(kind, int(n), Path(folder), fmt)))
    if args.compare:
        return emit(same=check_same(*map(Path, args.compare)))
    from rawlog import default_dir

    out = default_dir() if args.out is None else args.out
    out.mkdir(parents=True, exist_ok=True)
    steps = args.steps.split(",")
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise SystemExit(f"unknown steps {sorted(unknown)}: choose from {', '.join(STEPS)}")
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, python {sys.version.split()[0]}")
    for kind in args.data.split(","):
        path = Path(_in_child("--make", kind, str(args.events), str(out), args.format)["path"])
        print(f"\n{kind}: {path} ({path.stat().st_size / 1e6:.0f} MB)", flush=True)

        def make_args(step: str, path: Path = path, kind: str = kind) -> list[str]:
            result = out / f"result_{kind}_{step.replace(' ', '_')}.parquet"
            return [__file__, "--child", step, str(path), str(result)]

        results = {s: summary(r) for s, r in rounds(steps, args.repeat, make_args).items()}
        floors = {
            name: results[step]["wall"] if step in results else 0.0
            for name, step in [("floor", "floor"), ("full floor", "full floor")]
        }
        print(table(f"{kind} log, {args.events:,} events", list(results.items()), floors))
        if {"full floor", "transitions"} <= set(steps):
            full, cx_result = (
                out / f"result_{kind}_{s}.parquet" for s in ("full_floor", "transitions")
            )
            print(
                f"full floor vs transitions: {_in_child('--compare', str(full), str(cx_result))['same']}"
            )
        print(f"(load average now {os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
