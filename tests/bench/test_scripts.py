"""The benchmark scripts still run: each at a tiny size (20k events, 20k units, one round), as a
user runs them, in a fresh process. No time is asserted (speed lives in the scripts' output);
the output must hold every step's row and, for journeys, the full floor must agree with
``transitions()`` — the check that keeps the floor honest.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _run(script: str, *args: str, tmp_path: Path) -> str:
    env = {**os.environ, "CXKIT_BENCH_DIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _rows(out: str) -> dict[str, list[str]]:
    """Table rows of the printed Markdown tables: step name → cells (last table wins)."""
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0] not in {"step"}:
            rows[cells[0]] = cells
    return rows


def test_raw_log_generator_is_documented_and_deterministic(tmp_path):
    sys.path.insert(0, str(BENCH))
    try:
        from rawlog import TOUCHPOINTS, make_raw_log
    finally:
        sys.path.remove(str(BENCH))
    a, b = make_raw_log(20_000), make_raw_log(20_000)
    assert a.equals(b)
    assert a.columns == ["customer_id", "timestamp", "touchpoint"]
    assert 19_000 < a.height < 21_000
    assert a["timestamp"].is_sorted()  # global time order ...
    assert not a["customer_id"].is_sorted()  # ... customers interleaved
    per = a.group_by("customer_id").len()["len"]
    assert 7.5 < per.mean() < 8.5 and per.min() >= 1
    assert set(a["touchpoint"].unique()) == set(TOUCHPOINTS) and len(TOUCHPOINTS) == 12
    assert a.height == a.unique().height  # no exact duplicate rows
    assert a.select(pl.struct("customer_id", "timestamp").is_duplicated().any()).item()  # ties


@pytest.mark.slow
def test_journey_bench_runs_and_its_floor_does_the_same_job(tmp_path):
    out = _run("journey.py", "--events", "20000", "--repeat", "1", tmp_path=tmp_path)
    rows = _rows(out)
    for step in ("import polars", "import cxkit", "floor", "full floor", "transitions", "paths"):
        assert step in rows, out
    assert out.count("full floor vs transitions: same result") == 2, out  # raw and sample
    assert (tmp_path / "raw_events_20k.parquet").exists()
    assert (tmp_path / "sample_events_20k.parquet").exists()
    assert rows["floor"][4] == "1.00" and rows["full floor"][5] == "1.00"  # the ratio columns


@pytest.mark.slow
def test_experiment_bench_runs(tmp_path):
    out = _run("experiment.py", "--units", "20000", "--repeat", "1", tmp_path=tmp_path)
    rows = _rows(out)
    for step in ("floor", "read+analyze", "analyze(scan)"):
        assert step in rows, out
    assert rows["floor"][4] == "1.00"
    assert (tmp_path / "units_20k.parquet").exists()
