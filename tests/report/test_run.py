"""Real report runs with papermill: failures, typed -p values, the whole demo batch."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import _report_batch  # the batch shared with the browser test, built once per run
import polars as pl
import pytest
from _report_html import EVIL, EVIL_TEXT, assert_inert

from cxkit.cli import report as cli_report
from cxkit.report.wording import reader_label

REPO = Path(__file__).resolve().parents[2]
DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
NB_DIR = Path(__file__).resolve().parents[1] / "notebooks"
PARAMS_NB = (NB_DIR / "params_and_escaping.ipynb").as_posix()


# real runs (papermill)
# ---------------------------------------------------------------------------------------------
def _write_config(tmp_path: Path, body: str) -> Path:
    cfg = tmp_path / "reports.toml"
    cfg.write_text(body, encoding="utf-8")
    return cfg


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A config with a failing report, then a notebook run by path with typed -p values."""
    tmp = tmp_path_factory.mktemp("reports")
    out = tmp / "out"
    cfg = _write_config(
        tmp,
        f'[[report]]\nname = "failing"\nnotebook = "{(NB_DIR / "failing.ipynb").as_posix()}"\n'
        'title = "Failing on purpose"\n'
        f'[[report]]\nname = "after_failure"\nnotebook = "{(NB_DIR / "slow.ipynb").as_posix()}"\n'
        "[report.parameters]\nseconds = 0\n",
    )
    (out / "failing").mkdir(parents=True)
    (out / "failing" / "results.json").write_text("previous")
    rc_config = cli_report.main(
        ["report", "run", "--config", str(cfg), "--out", str(out), "--timeout", "120", "-j", "1"]
    )
    helpdesk = DATASETS / "helpdesk.csv"
    rc_params = cli_report.main(
        ["report", "run", PARAMS_NB, "--config", str(tmp / "none.toml"), "--out", str(out)]
        + [
            "-p",
            "n=7",
            "-p",
            "flag=yes",
            "-p",
            "segments=x, y",
            "-p",
            "share=1",
            "-p",
            "period=none",
        ]
        + ["-p", f"data_path={helpdesk}"]
    )
    return out, rc_config, rc_params


def _load(out: Path, name: str) -> dict:
    return json.loads((out / name / "results.json").read_text())


@pytest.mark.slow
def test_failing_notebook_is_marked_failed_with_its_error(runs):
    out, rc_config, _ = runs
    assert rc_config == 1  # a failing report makes the run exit non-zero
    after = _load(out, "after_failure")  # ... and the reports after it still ran
    assert after["status"] == "ok" and after["results"] == {"started": True, "finished": True}
    assert after["parameters"] == {"seconds": 0.0}  # TOML int widened to the float annotation
    res = _load(out, "failing")  # the old content was replaced by a complete new file
    assert res["status"] == "failed"
    assert res["error"] == {
        "cell_index": 3,  # in the executed notebook saved beside the page
        "code_cell": 3,
        "execution_count": 3,
        "ename": "ValueError",
        "evalue": "planted failure <b>boom</b>",
    }
    assert res["results"] == {"before_failure": 1}  # recorded before the failure, nothing after
    page = (out / "failing" / "failing.html").read_text()
    assert_inert(page)
    assert "raise ValueError(&quot;planted failure &lt;b&gt;boom&lt;/b&gt;&quot;)" in page
    assert "This step failed (code cell 3)" in page
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]  # no temp files left


@pytest.mark.slow
def test_parameters_are_typed_from_the_command_line(runs):
    out, _, rc_params = runs
    assert rc_params == 0
    res = _load(out, "params_and_escaping")
    assert res["status"] == "ok"
    assert res["results"]["types"] == {
        "label": "str",
        "n": "int",
        "share": "float",
        "flag": "bool",
        "segments": "list",
        "period": "NoneType",
    }
    assert res["results"]["n_times_two"] == 14 and res["results"]["segments"] == ["x", "y"]
    helpdesk = DATASETS / "helpdesk.csv"
    assert res["parameters"] == {
        "label": EVIL,
        "n": 7,
        "share": 1.0,
        "flag": True,
        "segments": ["x", "y"],
        "period": None,
        "data_path": str(helpdesk),
    }
    assert res["overridden"] == ["data_path", "flag", "n", "period", "segments", "share"]
    assert res["inputs"] == [
        {
            "parameter": "data_path",
            "path": str(helpdesk),
            "file": "helpdesk.csv",
            "bytes": helpdesk.stat().st_size,
            "sha256": hashlib.sha256(helpdesk.read_bytes()).hexdigest(),  # reference: hashlib
        }
    ]
    run = res["run"]
    assert run["kernel_name"] == "python3" and run["cxkit_version"] and 0 < run["duration_s"] < 300
    assert run["python_version"] == sys.version.split()[0]


@pytest.mark.slow
def test_hostile_label_stays_text_in_a_real_report(runs):
    out, _, _ = runs
    page = (out / "params_and_escaping" / "params_and_escaping.html").read_text()
    c = assert_inert(page)
    text = "".join(c.text)
    assert "__pwned" not in page and "import altair" not in page
    # header parameter, table caption + cell, findings title + line, markdown output, raw-HTML
    # output's text, polars repr, chart title + label (SVG text), printed text, recorded value
    assert text.count(EVIL) >= 10, text.count(EVIL)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert EVIL_TEXT in svg
    index = (out / "index.html").read_text()
    ci = assert_inert(index)
    assert EVIL in "".join(ci.text)
    assert [a["href"] for t, a in ci.elements if t == "a"] == [
        "after_failure/after_failure.html",
        "failing/failing.html",
        "params_and_escaping/params_and_escaping.html",
    ]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    return _report_batch.build(tmp_path_factory)


@pytest.mark.slow
def test_demo_runs_every_configured_report_on_fresh_sample_data(batch):
    """``cxkit demo`` over the repository's reports.toml, redirected to sample data in tmp."""
    out, data = batch["out"], batch["data"]
    assert batch["rc_demo"] == 0 and batch["rc_hostile"] == 0
    assert sorted(p.name for p in data.glob("*.parquet")) == [
        "customers.parquet",
        "events.parquet",
        "experiment.parquet",
        "survey.parquet",
    ]
    names = _report_batch.configured_names()
    assert "demo" in names
    index = (out / "index.html").read_text()
    ids = set(pl.read_parquet(data / "events.parquet")["customer_id"])
    survey = pl.read_parquet(data / "survey.parquet")
    ids |= set(survey["response_id"]) | set(survey["customer_id"])
    ids |= {u for u in pl.read_parquet(data / "experiment.parquet")["unit_id"] if u.startswith("0")}
    for name in names:
        res = _load(out, name)
        assert res["status"] == "ok", res["error"]
        assert res["results"], f"{name} recorded no headline numbers"
        assert res["inputs"] and all(len(i["sha256"]) == 64 for i in res["inputs"])
        page = (out / name / f"{name}.html").read_text()
        text = "\n".join(assert_inert(page).text)
        assert "<svg" in page
        assert f'href="{name}/{name}.html"' in index
        # reports never print raw ids (customer, response, zero-padded unit ids of the data);
        # not after a digit, "." or "," (p = 0.00198 is not unit 00198)
        shown = set(re.findall(r"(?<![\w.,])(?:[CR]\d{6,8}|0\d{4})\b", text)) & ids
        assert not shown, f"{name} shows raw ids: {sorted(shown)[:5]}"
    # the demo's numbers, against a direct computation on the parquet file
    events = pl.read_parquet(data / "events.parquet")
    res = _load(out, "demo")["results"]
    assert res["n_events"] == events.height
    assert res["n_customers"] == events["customer_id"].n_unique()
    assert res["n_scored"] == events["score"].count()
    share = (
        events.drop_nulls("score")
        .group_by("touchpoint")
        .agg((pl.col("score") >= 4).mean().alias("share"))
        .sort("share", "touchpoint")
    )
    # the touchpoints in reader words (the index shows them): "ivr" -> "IVR"
    assert res["lowest_csat_touchpoint"] == reader_label(share["touchpoint"][0])
    assert res["lowest_csat"] == pytest.approx(share["share"][0], rel=1e-12)
    assert res["highest_csat_touchpoint"] == reader_label(share["touchpoint"][-1])


@pytest.mark.slow
def test_missing_kernel_marks_the_report_failed(tmp_path):
    from cxkit.report import ReportSpec, run_report

    spec = ReportSpec("nokernel", NB_DIR / "failing.ipynb", "No kernel", {"fail": False})
    outcome = run_report(spec, tmp_path, kernel_name="no-such-kernel-xyz", timeout=30)
    assert outcome.status == "failed"
    assert outcome.results["error"]["ename"] == "NoSuchKernel"
    assert outcome.results["results"] == {}
    page = outcome.html_path.read_text()
    assert "The run failed" in page and "NoSuchKernel" in page
    assert json.loads(outcome.results_path.read_text())["status"] == "failed"


@pytest.mark.slow
def test_a_cell_over_the_timeout_fails_the_report(tmp_path):
    from cxkit.report import ReportSpec, run_report

    spec = ReportSpec("slow", NB_DIR / "slow.ipynb", "Slow", {"seconds": 60.0})
    outcome = run_report(spec, tmp_path, timeout=3)
    assert outcome.status == "failed" and outcome.duration_s < 45
    err = outcome.results["error"]
    # code cells: parameters, injected parameters, the record, the sleep
    assert err["ename"] == "CellTimeoutError" and err["code_cell"] == 4
    assert "timeout of 3 s" in err["evalue"]
    assert outcome.results["results"] == {"started": True}
    assert "time.sleep(seconds)" in outcome.html_path.read_text()  # the step that hung
