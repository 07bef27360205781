"""The ``cxkit`` command: ``python -m cxkit``, defaults read from the library, logging to stderr."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cxkit.cli import build_parser, main
from cxkit.io import READER_DEFAULTS


def test_python_dash_m_runs_the_command():
    out = subprocess.run(
        [sys.executable, "-m", "cxkit", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("validate", "sample-data", "report", "demo"):
        assert command in out.stdout


def test_validate_help_shows_the_readers_own_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"default {READER_DEFAULTS['events']['customer']!r}" in text
    assert f"default {READER_DEFAULTS['experiment']['unit']!r}" in text
    # options not given are not passed: the reader's default applies
    args = build_parser().parse_args(["validate", "x.csv"])
    assert args.customer is None and args.scale is None


def test_validate_passes_only_the_options_of_its_kind(tmp_path, capsys):
    survey = tmp_path / "s.csv"
    survey.write_text("wifi,food\n1,7\n")
    # --scale is not given: the survey default (1, 5) flags food = 7
    assert main(["validate", str(survey), "--kind", "survey", "--ratings", "wifi,food"]) == 1
    assert "1–5" in capsys.readouterr().out
    assert main(["validate", str(survey), "--kind", "survey", "--ratings", "wifi,food",
                 "--scale", "1,7", "--customer", "ignored"]) == 0  # fmt: skip


def test_sample_data_progress_goes_to_stderr(tmp_path, capsys):
    assert main(["sample-data", "--out", str(tmp_path / "d")]) == 0
    captured = capsys.readouterr()
    assert "wrote " in captured.err and "wrote " not in captured.out
    assert "done in" in captured.out
