"""Write the sample data set to disk: Parquet files plus a data dictionary.

Events are generated and written in chunks of customers, so even 100M events never need more
memory than one chunk (a few hundred MB); every file is written to a temporary name and
renamed into place, so an interrupted run never leaves a half-written file behind.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from cxkit._frames import check_choice
from cxkit.report.files import atomic_write, temp_path
from cxkit.sample import events as _events

__all__ = ["SIZES", "write_events", "write_sample_data"]

#: Sizes of ``write_sample_data``: events (≈), survey respondents, experiment units.
SIZES: dict[str, dict[str, int]] = {
    "small": {"events": 15_000, "survey": 5_000, "experiment": 20_000},
    "medium": {"events": 1_000_000, "survey": 50_000, "experiment": 200_000},
    "large": {"events": 10_000_000, "survey": 200_000, "experiment": 1_000_000},
}
EVENTS_PER_CUSTOMER = 2.95
CHUNK_CUSTOMERS = 250_000

logger = logging.getLogger(__name__)


def _progress(total: int, desc: str, enabled: bool | None):
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="events", unit_scale=True)


def _write_frame(frame: pl.DataFrame, path: Path) -> None:
    tmp = temp_path(path)
    try:
        frame.write_parquet(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_events(
    events_path: str | Path,
    customers_path: str | Path | None = None,
    *,
    n_events: int = 15_000,
    seed: int = 42,
    chunk_customers: int = CHUNK_CUSTOMERS,
    progress: bool | None = None,
) -> tuple[int, int]:
    """Write about ``n_events`` events (and their customers) as Parquet, chunk by chunk.

    Returns ``(events_written, customers_written)``. A progress bar shows on a terminal.
    """
    events_path = Path(events_path)
    events_path.parent.mkdir(parents=True, exist_ok=True)
    n_customers = max(1, math.ceil(n_events / EVENTS_PER_CUSTOMER))
    n_chunks = math.ceil(n_customers / chunk_customers)
    tmp_e = temp_path(events_path)
    tmp_c = temp_path(Path(customers_path)) if customers_path else None
    bar = _progress(n_events, "sample events", progress)
    writers: dict[str, pq.ParquetWriter] = {}
    n_ev = n_cu = 0
    try:
        for i in range(n_chunks):
            size = min(chunk_customers, n_customers - i * chunk_customers)
            ev = _events.make_events(size, seed=seed * 1_000_003 + i, offset=i * chunk_customers)
            tables = {"e": ev.to_arrow()}
            if tmp_c is not None:
                tables["c"] = _events.make_customers(ev, seed=seed * 1_000_003 + i).to_arrow()
            for key, table in tables.items():
                if key not in writers:
                    target = tmp_e if key == "e" else tmp_c
                    writers[key] = pq.ParquetWriter(str(target), table.schema, compression="zstd")
                writers[key].write_table(table, row_group_size=1_000_000)
            n_ev += ev.height
            n_cu += size
            if bar is not None:
                bar.update(ev.height)
        for w in writers.values():
            w.close()
        os.replace(tmp_e, events_path)
        if tmp_c is not None:
            os.replace(tmp_c, customers_path)
    finally:
        for w in writers.values():
            if w.is_open:
                w.close()
        tmp_e.unlink(missing_ok=True)
        if tmp_c is not None:
            tmp_c.unlink(missing_ok=True)
        if bar is not None:
            bar.close()
    return n_ev, n_cu


def write_sample_data(
    out: str | Path = "data/sample",
    size: str = "small",
    *,
    seed: int = 42,
    n_events: int | None = None,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Write ``events``, ``customers``, ``survey`` and ``experiment`` Parquet files and
    ``data_dictionary.md`` into ``out``.

    Parameters
    ----------
    size : {"small", "medium", "large"}
        ≈15k, 1M or 10M events (see :data:`SIZES`); ``n_events`` overrides the event count
        (up to 100M and beyond: generation is chunked).
    log : callable, optional
        Also called with each progress line (they always go to the ``cxkit.sample.writer``
        logger at INFO level).

    Returns
    -------
    dict
        File role → path written.
    """
    from cxkit.sample.experiment import make_experiment
    from cxkit.sample.survey import make_survey

    if size not in SIZES:
        check_choice(size, sorted(SIZES), argument="size", what="sample size")
    spec = dict(SIZES[size])
    if n_events is not None:
        spec["events"] = int(n_events)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    def say(message: str) -> None:
        logger.info(message)
        if log is not None:
            log(message)

    paths = {k: out / f"{k}.parquet" for k in ("events", "customers", "survey", "experiment")}
    n_ev, n_cu = write_events(
        paths["events"], paths["customers"], n_events=spec["events"], seed=seed, progress=progress
    )
    say(f"wrote {paths['events']} ({n_ev:,} events) and {paths['customers']} ({n_cu:,} customers)")
    survey = make_survey(spec["survey"], seed=seed)
    _write_frame(survey, paths["survey"])
    say(f"wrote {paths['survey']} ({survey.height:,} responses)")
    experiment = make_experiment(spec["experiment"], seed=seed)
    _write_frame(experiment, paths["experiment"])
    say(f"wrote {paths['experiment']} ({experiment.height:,} units)")
    paths["dictionary"] = out / "data_dictionary.md"
    text = _dictionary(
        paths,
        {
            "events": n_ev,
            "customers": n_cu,
            "survey": survey.height,
            "experiment": experiment.height,
        },
        seed,
    )
    atomic_write(paths["dictionary"], text)
    return paths


def _dictionary(paths: dict[str, Path], counts: dict[str, int], seed: int) -> str:
    import importlib

    lines = [
        "# cxkit sample data — data dictionary",
        "",
        f"Synthetic, deterministic (seed {seed}); written by `cxkit sample-data`. Every file has a",
        "planted truth that cxkit's analyses recover (see each section).",
        "",
    ]
    modules = {
        "events": "events",
        "customers": "events",
        "survey": "survey",
        "experiment": "experiment",
    }
    for role in ("events", "customers", "survey", "experiment"):
        schema = pl.read_parquet_schema(paths[role])
        lines += [f"## `{paths[role].name}` — {counts[role]:,} rows", ""]
        lines += ["| column | type |", "|---|---|"]
        lines += [f"| `{name}` | {dtype} |" for name, dtype in schema.items()]
        mod = importlib.import_module(f"cxkit.sample.{modules[role]}")
        if role != "customers" and mod.__doc__:
            lines += ["", "Planted truth and generation:", "", mod.__doc__.strip()]
        lines.append("")
    return "\n".join(lines)
