"""Whole-process timing for the benchmark scripts (a helper module; running it does nothing).

Each step runs as its own Python process, started the way a user starts a script, so its time
is the whole job: interpreter start, imports, reading and the analysis. The wall time is taken
by the parent around the child; the peak memory is the child's own maximum resident set size
(``os.wait4``), so steps never share a heap. Children report what they did (their own phase
times, the result's row count) as one JSON line on stdout.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence


def run_child(args: Sequence[str], env: dict[str, str] | None = None) -> dict:
    """Run ``python *args``; return its JSON line plus ``wall`` (s) and ``peak_gb`` (max RSS)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the max over all children)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    if proc.returncode:
        raise SystemExit(f"step {' '.join(args[1:])} failed ({proc.returncode}):\n{err}")
    lines = [x for x in out.strip().splitlines() if x.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    result.update(wall=wall, peak_gb=usage.ru_maxrss / 1024**2)  # ru_maxrss: KB on Linux
    return result


def rounds(steps: Sequence[str], repeat: int, make_args) -> dict[str, list[dict]]:
    """Run every step ``repeat`` times, taking turns (a slow spell of a shared machine then hits
    every step alike); ``make_args(step)`` gives the child's arguments."""
    runs: dict[str, list[dict]] = {s: [] for s in steps}
    for _ in range(repeat):
        for step in steps:
            runs[step].append(run_child(make_args(step)))
    return runs


def summary(runs: list[dict]) -> dict:
    """Median wall time of the runs (the issue's measure), all times, the highest peak RSS and
    the median of each phase the child reported."""
    out = {
        "wall": statistics.median(r["wall"] for r in runs),
        "all": [round(r["wall"], 2) for r in runs],
        "peak_gb": max(r["peak_gb"] for r in runs),
    }
    for key in runs[0]:
        if key.startswith("t_"):
            out[key] = statistics.median(r[key] for r in runs)
    return out


def table(title: str, rows: list[tuple[str, dict]], floors: dict[str, float]) -> str:
    """A Markdown table: step, wall s (median), runs, phases, one column per floor, peak RSS."""
    head = ["step", "wall s", "runs", "phases (median s)"]
    head += [f"× {name}" for name in floors] + ["peak RSS"]
    lines = [f"\n{title}", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, res in rows:
        phases = ", ".join(f"{k[2:]} {v:.2f}" for k, v in res.items() if k.startswith("t_"))
        cells = [name, f"{res['wall']:.2f}", " ".join(map(str, res["all"])), phases or "–"]
        cells += [f"{res['wall'] / f:.2f}" if f else "–" for f in floors.values()]
        cells.append(f"{res['peak_gb']:.2f} GB")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def emit(**values) -> None:
    """Print the child's JSON line (what :func:`run_child` reads)."""
    print(json.dumps(values), flush=True)
