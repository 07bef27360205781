"""Writing the sample data: chunked, atomic, world-readable files, progress through logging."""

from __future__ import annotations

import logging
import os

import polars as pl

from cxkit.sample import write_sample_data
from cxkit.sample.writer import write_events


def test_chunked_writer_matches_and_has_unique_ids(tmp_path):
    n_ev, n_cu = write_events(
        tmp_path / "e.parquet",
        tmp_path / "c.parquet",
        n_events=9_000,
        chunk_customers=1_000,
        progress=False,
    )
    ev = pl.read_parquet(tmp_path / "e.parquet")
    cu = pl.read_parquet(tmp_path / "c.parquet")
    assert ev.height == n_ev and cu.height == n_cu
    assert cu["customer_id"].n_unique() == n_cu == ev["customer_id"].n_unique()
    assert 7_000 < n_ev < 11_000
    assert sorted(tmp_path.iterdir()) == [
        tmp_path / "c.parquet",
        tmp_path / "e.parquet",
    ]  # no temp files left


def test_sample_files_are_0644_and_progress_is_logged(tmp_path, caplog, capsys):
    old = os.umask(0o022)  # files are 0644 narrowed by the umask (issue 14)
    lines = []
    try:
        with caplog.at_level(logging.INFO, logger="cxkit.sample.writer"):
            paths = write_sample_data(tmp_path, "small", log=lines.append)
    finally:
        os.umask(old)
    for path in paths.values():
        assert oct(path.stat().st_mode & 0o777) == "0o644", path.name
    logged = [r.getMessage() for r in caplog.records if r.name == "cxkit.sample.writer"]
    assert logged == lines and len(lines) == 3 and lines[0].startswith("wrote ")
    assert capsys.readouterr().out == ""  # the library never prints


def test_planted_driver_weights_use_the_one_relative_weights():
    from cxkit.metrics import relative_weights
    from cxkit.sample import survey

    assert survey.relative_weights is relative_weights  # no second implementation
    rw = survey.true_relative_weights()
    assert max(rw, key=rw.get) == "agent_call" and 0 < sum(rw.values()) < 1
