"""Reports that need files outside the repository are skipped, not failed, when they are absent."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from cxkit.report import load_config, run_reports

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_missing_required_file_skips_the_report(tmp_path):
    shutil.copy(NOTEBOOKS / "failing.ipynb", tmp_path / "nb.ipynb")
    (tmp_path / "reports.toml").write_text(
        '[[report]]\nname = "needs_data"\nnotebook = "nb.ipynb"\n'
        'requires = ["missing/public.csv"]\n'
    )
    (spec,) = load_config(tmp_path / "reports.toml")
    assert spec.missing_requirements() == [(tmp_path / "missing" / "public.csv").resolve()]
    log = io.StringIO()
    outcomes = run_reports([spec], tmp_path / "out", log=log)
    # the notebook would fail if it ran: an empty outcome list proves it was skipped
    assert outcomes == []
    assert "skipped needs_data: it needs" in log.getvalue() and "public.csv" in log.getvalue()
    assert not (tmp_path / "out" / "needs_data").exists()
    assert (tmp_path / "out" / "index.html").is_file()


def test_progress_goes_to_the_logger_not_stdout(tmp_path, caplog, capsys):
    import logging

    shutil.copy(NOTEBOOKS / "failing.ipynb", tmp_path / "nb.ipynb")
    (tmp_path / "reports.toml").write_text(
        '[[report]]\nname = "needs_data"\nnotebook = "nb.ipynb"\nrequires = ["gone.csv"]\n'
    )
    (spec,) = load_config(tmp_path / "reports.toml")
    with caplog.at_level(logging.INFO, logger="cxkit.report.run"):
        assert run_reports([spec], tmp_path / "out") == []
    assert [r.name for r in caplog.records] == ["cxkit.report.run"]
    assert "skipped needs_data" in caplog.records[0].getMessage()
    assert capsys.readouterr().out == ""
