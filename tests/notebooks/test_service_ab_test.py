"""notebooks/service_ab_test.ipynb runs with papermill on the sample data and on Cookie Cats."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _notebooks import execute

from cxkit.sample.experiment import make_experiment

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "service_ab_test.ipynb"
COOKIE = ROOT.parent / "shared" / "datasets" / "cookie_cats.csv"

pytestmark = pytest.mark.slow


def _run(tmp_path: Path, **parameters) -> tuple[str, dict]:
    nb = execute(NOTEBOOK, tmp_path, **parameters)
    _SHOWN["everything"] = nb.everything  # markdown outputs too (the conditional explanations)
    return nb.html, nb.records


_SHOWN: dict[str, str] = {}


def _row(text: str, *cells: str) -> bool:
    """True when an effect-table row starts with these cells (a regex per cell)."""
    return (
        re.search("<tr>" + "".join(f"<td>(?:<[^>]+>)?{c}(?:</[^>]+>)?</td>" for c in cells), text)
        is not None
    )


def test_notebook_committed_without_outputs():
    nb = json.loads(NOTEBOOK.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"]["tags"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)


def test_notebook_on_sample_data(tmp_path):
    path = tmp_path / "experiment.parquet"
    make_experiment().write_parquet(path)
    text, records = _run(tmp_path, data_path=str(path))
    assert not records["alarm"]
    eff = {r["metric"]: r for r in records["effects"]}
    assert eff["resolved"]["decision"] == "better"
    assert eff["repeat_contact"]["decision"] == "within_margin"
    assert "contacts_per_order" in eff
    assert re.search(
        r"Resolution rose \d\.\d pts \(\d\.\d to \d\.\d pts\), statistically clear\.", text
    )
    assert re.fullmatch(
        r"Roll out: resolution up \d\.\d pts \([\d.]+ to [\d.]+ pts\), handle time down [\d.]+ s "
        r"\(-[\d.]+ to -[\d.]+ s\), no guardrail breached\.",
        records["verdict"],
    )
    head = records["headline"]
    assert head["verdict"] == records["verdict"] and 3 <= len(head["lines"]) <= 5
    # an arm name is the arm's proper name, capitalised mid-sentence too (wording.arm_label)
    assert "The new call script against Control:" in head["context"]
    assert "against control" not in text
    # issue 12: every row of the effect table in its own unit; the arm code in reader words
    assert _row(
        text,
        "resolution",
        "New script",
        r"\d\d\.\d%",
        r"\d\d\.\d%",
        r"\+\d\.\d pts",
        r"\d\.\d to \d\.\d pts",
    )
    assert _row(
        text,
        "handle time",
        "New script",
        r"[\d,]+ s",
        r"[\d,]+ s",
        r"-\d+\.\d s",
        r"-\d+\.\d to -\d+\.\d s",
    )
    assert _row(text, "NPS", "New script", r"-?\d+\.\d", r"-?\d+\.\d", r"[+-]\d+\.\d pts")
    assert "new_script" not in text and "within its margin</span>" in text
    # a distribution for every primary metric (the ratio metric: its numerator per unit)
    for chart in (
        "Resolution",
        "Handle time, median handle time",
        "Contacts per unit",
        "CSAT",
        "NPS",
    ):
        assert f'aria-label="{chart}' in text or f">{chart}" in text, chart
    # explanations where they apply: clustering, CUPED, the median, segments, monitoring
    shown = _SHOWN["everything"]
    for phrase in (
        "randomised by cluster, so the analysis is cluster-robust",
        "Variance removed (CUPED)",
        "A **median** comparison",
        "Segment effects are for exploring",
        "The **always-valid interval**",
    ):
        assert phrase in shown, phrase
    assert "Sample ratio: OK" in text
    # the quantile metric for handle time (issue 16): the median difference with its interval
    med = eff["handle_time_median"]
    assert med["ci_low"] < med["effect"] < med["ci_high"] and med["n_control"] > 9000
    # weekly monitoring on the sample's week column: 8 looks, sentences, caution, chart
    looks = records["monitoring"]
    assert {r["metric"] for r in looks} == {"resolved", "repeat_contact", "handle_time", "csat"}
    assert sorted({r["period"] for r in looks}) == list(range(1, 9))
    assert "Weekly monitoring" in text and "always-valid 95% interval" in text
    assert "the interval first excluded no effect in week" in text
    assert "Caution: these intervals treat every unit as independent" in text
    assert "Effect estimate, look by look" in text and "always-valid interval" in text


def test_notebook_runs_on_cookie_cats_with_parameters_alone(tmp_path):
    text, records = _run(
        tmp_path,
        data_path=str(COOKIE),
        unit_col="userid",
        arm_col="version",
        control="gate_30",
        metrics={
            "retention_1": "proportion",
            "retention_7": "proportion",
            "sum_gamerounds": "mean",
        },
        cluster_col=None,
        covariates={},
        segment_col=None,
        title="Cookie Cats",
        change="Moving the gate to level 40",
    )
    eff = {r["metric"]: r for r in records["effects"]}
    # Published (shared/datasets/README.md): 7-day retention 19.02 % vs 18.20 %, p ≈ 0.0016
    assert eff["retention_7"]["p_value"] == pytest.approx(0.0016, abs=5e-5)
    assert "7-day retention fell 0.8 pts (-1.3 to -0.3 pts), statistically clear." in text
    # p = 0.074 for 1-day retention: the data cannot tell (never "unchanged")
    assert "The data cannot tell whether 1-day retention changed" in text
    assert "unchanged" not in text
    assert records["verdict"].startswith("Do not roll out: 7-day retention down 0.8 pts")
    # sections that do not apply say why, in one line each (no week, no clusters, no segments)
    assert "Weekly monitoring is skipped: the data has no &quot;week&quot; column" in text
    assert "monitoring" not in records and "Effect estimate, look by look" not in text
    assert "Skipped: no segment column was given" in text
    # ... and the explanations that do not apply are not there (no clusters, CUPED, median, week)
    shown = _SHOWN["everything"]
    assert "No cluster column was given, so units were analysed as independent." in shown
    for phrase in (
        "cluster-robust",
        "design effect",
        "CUPED",
        "median",
        "Segment effects are",
        "always-valid interval",
        "Survey response rate",
    ):
        assert phrase not in shown, phrase
    # issue 12: arm codes in reader words everywhere (text, tables, charts), rates in %
    assert "gate_30" not in shown and "gate_40" not in shown
    assert "Moving the gate to level 40 against Gate 30" in records["headline"]["context"]
    assert _row(
        text,
        "1-day retention",
        "Gate 40",
        r"44\.8%",
        r"44\.2%",
        r"-0\.6 pts",
        r"-1\.2 to \+0\.1 pts",
    )
    # a count metric in what it counts (schema.METRIC_UNITS): levels and difference in rounds
    assert _row(
        text,
        "game rounds played",
        "Gate 40",
        r"52\.5 rounds",
        r"51\.3 rounds",
        r"-1\.2 rounds",
        r"-[\d.]+ to \+[\d.]+ rounds",
    )
    # a distribution chart for each of the three primary metrics
    for chart in ("1-day retention", "7-day retention", "Game rounds played"):
        assert chart in text, chart
