"""What notebooks show: A/B analyses, read reports, tables and findings display as escaped
HTML in JupyterLab and as readable text anywhere else."""

from __future__ import annotations

import subprocess
import sys
import warnings

import polars as pl
import pytest

import cxkit as cx
from cxkit.sample import make_experiment


@pytest.fixture(scope="module")
def analysis():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = make_experiment(4_000)
        return cx.analyze(
            data,
            control="control",
            metrics={"resolved": "proportion", "handle_time": "mean", "nps": "nps"},
        )


def test_analysis_html_shows_checks_then_effects_with_units_then_verdict(analysis):
    page = analysis._repr_html_()
    checks, effects, verdict = (page.index(h) for h in ("Checks", "Effects", "Verdict"))
    assert checks < effects < verdict  # the checks first
    assert page.count(">ok</span>") == 2 and "ALARM" not in page  # a badge per check
    assert "+4.0 pts" in page  # resolved: 70.7% → 74.7%, in percentage points
    assert "70.7%" in page and "74.7%" in page
    # both arms by wording.arm_label, capitalised as proper names even mid-cell
    assert "<td>New script vs Control</td>" in page and "new_script" not in page
    assert "Resolution rose 4.0 pts" in page  # the verdict in reader words (report.wording)
    assert len(page) < len(repr(analysis))  # shorter than the 5,000-character dataclass repr


def test_analysis_prints_as_a_short_summary(analysis):
    text = str(analysis)
    assert text.splitlines()[:3] == [
        "Checks:",
        "  Sample ratio (SRM): ok (p = 0.899)",
        "  Survey response rate: ok (p = 0.123)",
    ]
    assert "resolution [New script vs Control]: 70.7% → 74.7%, effect +4.0 pts" in text
    assert "new_script" not in text and "vs control" not in text
    assert len(text) < 1_200


def test_an_alarm_gets_a_red_badge(analysis):
    import dataclasses

    alarmed = dataclasses.replace(analysis, checks=analysis.checks.with_columns(alarm=True))
    assert alarmed._repr_html_().count(">ALARM</span>") == 2


def test_read_report_prints_and_displays():
    frame = pl.DataFrame(
        {"customer_id": ["a", None], "timestamp": ["2024-01-01", "2024-01-02"],
         "touchpoint": ["<b>web</b>", "ivr"]}
    )  # fmt: skip
    report = cx.validate(frame, kind="events")
    assert str(report) == report.to_text() and "NOT VALID" in str(report)
    page = report._repr_html_()
    assert ">NOT VALID</strong>" in page and "<b>web" not in page


def test_table_and_findings_are_readable_outside_ipython():
    code = (
        "import polars as pl, cxkit as cx\n"
        "cx.table(pl.DataFrame({'touchpoint': ['web', '<b>ivr</b>'], 'csat': [0.5, 0.25]}),"
        " percent=['csat'], caption='CSAT')\n"
        "cx.findings(['CSAT fell.'])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "IPython.core.display" not in out.stdout
    assert out.stdout.splitlines() == [
        "CSAT",
        "touchpoint  csat",
        "Web         50.0%",  # touchpoint codes in reader words (wording.reader_label)
        "<b>IVR</b>  25.0%",
        "Headline findings",
        "",
        "- CSAT fell.",
    ]


def test_table_html_in_a_notebook_is_escaped():
    from cxkit.report.display import Shown, table_html

    shown = Shown(table_html(pl.DataFrame({"x": ["<b>"]})), "x")
    assert "&lt;b&gt;" in shown._repr_html_() and repr(shown) == "x"


def test_survey_weight_column_not_used_warns():
    frame = pl.DataFrame({"q1": [1, 5], "csat": [4, 5], "weight": [1.0, 3.0]})
    with pytest.warns(cx.CxDataWarning, match="weight= was not given") as rec:
        cx.read_survey(frame, ratings=["q1"], scale=(1, 5)).collect()
    assert rec[0].filename == __file__  # points at the caller
    with warnings.catch_warnings():
        warnings.simplefilter("error", cx.CxDataWarning)
        cx.read_survey(frame, ratings=["q1"], scale=(1, 5), weight="weight").collect()


def test_all_pairs_name_each_pair_by_its_own_arms():
    import numpy as np

    rng = np.random.default_rng(1)
    arms = rng.choice(["control", "gate_30", "gate_40"], 3000).tolist()
    data = pl.DataFrame({"unit_id": [str(i) for i in range(3000)], "arm": arms,
                         "resolved": rng.integers(0, 2, 3000)})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cx.analyze(data, control="control", metrics={"resolved": "proportion"},
                         comparisons="all_pairs")  # fmt: skip
    text, page = str(res), res._repr_html_()
    for pair in ("Gate 30 vs Control", "Gate 40 vs Control", "Gate 40 vs Gate 30"):
        assert f"resolution [{pair}]: " in text and f"<td>{pair}</td>" in page
        assert f"  - {pair}: The data cannot tell whether resolution changed" in text
    assert "gate_" not in text + page and "vs control" not in text + page
    said = cx.experiment.verdict(res)  # one clause per pair, not two pairs under "Gate 40"
    assert said.count("No decision") == 3 and "Gate 40 vs Gate 30: No decision" in said
