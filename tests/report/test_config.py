"""reports.toml: matrix expansion, typed parameters, errors that say what to fix."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from _report_html import EVIL

from cxkit.report import (
    ReportConfigError,
    load_config,
    select_reports,
)

REPO = Path(__file__).resolve().parents[2]
DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
NB_DIR = Path(__file__).resolve().parents[1] / "notebooks"
PARAMS_NB = (NB_DIR / "params_and_escaping.ipynb").as_posix()


# reports.toml
# ---------------------------------------------------------------------------------------------
def _write_config(tmp_path: Path, body: str) -> Path:
    cfg = tmp_path / "reports.toml"
    cfg.write_text(body, encoding="utf-8")
    return cfg


def test_config_matrix_expands_in_order_with_typed_parameters(tmp_path):
    cfg = _write_config(
        tmp_path,
        f"""
[[report]]
name = "check"
notebook = "{PARAMS_NB}"
title = "Check"
[report.parameters]
share = 1          # an int is accepted for a float parameter
segments = ["x"]
[report.matrix]
n = [1, 2]
label = ["a b", "{EVIL}"]

[[report]]
name = "plain"
notebook = "{PARAMS_NB}"
""",
    )
    specs = load_config(cfg)
    assert [s.name for s in specs] == [
        "check-n=1-label=a b",
        f"check-n=1-label={EVIL}",
        "check-n=2-label=a b",
        f"check-n=2-label={EVIL}",
        "plain",
    ]
    assert [s.slug for s in specs][:2] == [
        "check-n=1-label=a_b",
        "check-n=1-label=_img_src=x_onerror=alert_1",
    ]
    first = specs[0]
    assert first.title == "Check (n: 1, label: a b)"
    assert first.parameters == {"share": 1.0, "segments": ["x"], "n": 1, "label": "a b"}
    assert type(first.parameters["share"]) is float and first.base_name == "check"
    assert specs[-1].parameters == {} and specs[-1].title == "plain"
    # selection: a base name selects all variants; a notebook path runs with its defaults
    assert len(select_reports(specs, ["check"])) == 4
    adhoc = select_reports(specs, [PARAMS_NB], {"n": "9", "flag": "on"})
    assert adhoc[0].name == "params_and_escaping" and adhoc[0].parameters == {"n": 9, "flag": True}
    assert adhoc[0].title == "Parameter and escaping check"  # the notebook's first heading
    with pytest.raises(ReportConfigError, match="No report named 'nope'.*check, plain"):
        select_reports(specs, ["nope"])
    with pytest.raises(ReportConfigError, match="no parameter 'm'. Its parameters are: label: str"):
        select_reports(specs, ["plain"], {"m": "1"})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (f'[[report]]\nname = "a"\nnotebook = "{PARAMS_NB}"\ncolour = 1\n', "unknown key"),
        ('[[report]]\nname = "a"\nnotebook = "missing.ipynb"\n', "not found"),
        (f'[[report]]\nnotebook = "{PARAMS_NB}"\n', "needs name"),
        (
            f'[[report]]\nname = "a"\nnotebook = "{PARAMS_NB}"\n[report.parameters]\nn = "ten"\n',
            "expects int",
        ),
        (
            f'[[report]]\nname = "a"\nnotebook = "{PARAMS_NB}"\n[report.parameters]\nflag = 1\n',
            "expects bool",
        ),
        (
            f'[[report]]\nname = "a"\nnotebook = "{PARAMS_NB}"\n[report.parameters]\nsize = 1\n',
            "no parameter 'size'",
        ),
        (
            f'[[report]]\nname = "a"\nnotebook = "{PARAMS_NB}"\n[report.matrix]\nn = []\n',
            "non-empty list",
        ),
        (
            f'[[report]]\nname = "a b"\nnotebook = "{PARAMS_NB}"\n'
            f'[[report]]\nname = "a_b"\nnotebook = "{PARAMS_NB}"\n',
            "share the name",
        ),
        ("[[report]\n", "not valid TOML"),
    ],
)
def test_config_errors_say_what_to_fix(tmp_path, body, message):
    with pytest.raises(ReportConfigError, match=message):
        load_config(_write_config(tmp_path, body))


def test_repository_config_is_valid():
    specs = load_config(REPO / "reports.toml")
    assert "demo" in [s.name for s in specs]
    for spec in specs:
        assert spec.notebook.is_relative_to(REPO / "notebooks")
        nb = nbformat.read(spec.notebook, as_version=4)
        assert nb.metadata["kernelspec"]["name"] == "python3"
        for cell in nb.cells:  # committed without outputs
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None


# ---------------------------------------------------------------------------------------------
