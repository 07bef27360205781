"""The report page and the index, from hand-built executed notebooks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
from _report_html import EVIL, assert_inert
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from cxkit.report import (
    write_index,
)
from cxkit.report._index import render_index_html
from cxkit.report._page import render_report_html
from cxkit.report.display import RECORD_MIMETYPE, _html_list, table_html

REPO = Path(__file__).resolve().parents[2]
DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
NB_DIR = Path(__file__).resolve().parents[1] / "notebooks"
PARAMS_NB = (NB_DIR / "params_and_escaping.ipynb").as_posix()


# page and index (hand-built executed notebooks)
# ---------------------------------------------------------------------------------------------
def _results(**extra):
    base = {
        "schema": "cxkit.report/1",
        "name": "r",
        "title": f"Report on {EVIL}",
        "notebook": "notebooks/x.ipynb",
        "status": "ok",
        "error": None,
        "results": {},
        "labels": {},
        "parameters": {"segment": EVIL, "n": 3},
        "inputs": [
            {"parameter": "p", "path": "a.csv", "file": EVIL, "bytes": 10, "sha256": "ab" * 32}
        ],
        "run": {
            "finished_at": "2026-01-02T03:04:05+00:00",
            "duration_s": 1.5,
            "cxkit_version": "0.1.0",
        },
        "files": {"html": "r.html", "notebook": "r.ipynb"},
    }
    base.update(extra)
    return base


def _executed_notebook():
    import altair as alt
    import vl_convert as vlc

    frame = pl.DataFrame({"touchpoint": [EVIL, "web"], "share": [0.25, 0.5]})
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(x="share:Q", y="touchpoint:N")
        .properties(title=alt.Title(EVIL))
    )
    nb = new_notebook()
    params = new_code_cell("segment = 'x'  # PARAMS_MARKER")
    params.metadata["tags"] = ["parameters"]
    code = new_code_cell("SECRET_CODE_MARKER = 1")
    code.outputs = [
        new_output(
            "display_data",
            data={RECORD_MIMETYPE: {"name": "k", "value": 1, "label": None}, "text/plain": ""},
        ),
        new_output("execute_result", data={"text/plain": "1"}, execution_count=1),
        new_output("display_data", data={"image/svg+xml": vlc.vegalite_to_svg(chart.to_dict())}),
        new_output("display_data", data={"application/vnd.vegalite.v6+json": chart.to_dict()}),
        new_output(
            "display_data", data={"text/html": table_html(frame, percent=["share"], caption=EVIL)}
        ),
        new_output("display_data", data={"text/html": _html_list([f"Worst: {EVIL}"], EVIL)}),
        new_output("display_data", data={"text/markdown": f"**Worst:** {EVIL}"}),
        new_output("display_data", data={"text/html": f"<b>raw {EVIL}</b><script>x()</script>"}),
        new_output("display_data", data={"image/png": "iVBORw0KGgo=\n"}),
        new_output("display_data", data={"image/png": "not base64 <svg onload=x()>"}),
        new_output("stream", name="stdout", text=f"printed {EVIL}\n"),
        new_output("stream", name="stderr", text="\x1b[31mwarning\x1b[0m\n"),
    ]
    md = new_markdown_cell(f"## Section on {EVIL}\n\n![chart](attachment:p.png)")
    md["attachments"] = {"p.png": {"image/png": "iVBORw0KGgo="}}
    nb.cells = [new_markdown_cell("# Title"), params, md, code]
    return nb


def test_page_hides_code_and_keeps_every_data_label_inert():
    page = render_report_html(_executed_notebook(), _results())
    c = assert_inert(page)
    text = "".join(c.text)
    assert "SECRET_CODE_MARKER" not in page and "PARAMS_MARKER" not in page
    assert "x()" not in page and "<script" not in page
    # the label arrives as text through every path: title, parameter, source, markdown cell,
    # SVG chart (title + axis label), vega-lite output converted offline, table (caption + cell),
    # findings (title + line), markdown output, printed text
    assert text.count(EVIL) >= 13, text.count(EVIL)
    assert (
        '<meta http-equiv="Content-Security-Policy" content="default-src &#x27;none&#x27;' in page
    )
    svgs = [a for t, a in c.elements if t == "svg"]
    assert len(svgs) == 2  # the SVG output and the Vega-Lite JSON rendered to SVG here
    assert sum(1 for t, a in c.elements if t == "g" and "role-mark" in (a.get("class") or "")) >= 2
    imgs = [a["src"] for t, a in c.elements if t == "img"]
    assert imgs == ["data:image/png;base64,iVBORw0KGgo=", "data:image/png;base64,iVBORw0KGgo="]
    assert "<pre>1</pre>" not in page  # the echo of cx.record is not shown; the record neither
    assert "sha256 " + "ab" * 32 in text and "2026-01-02 03:04:05 UTC" in text
    assert "Messages from the run" in text and "\x1b" not in page
    assert "@media print" in page


def test_page_never_prints_raw_customer_ids():
    frame = pl.DataFrame(
        {"customer_id": ["C00012345", "C00067890"], "touchpoint": ["web", "ivr"], "n": [3, 4]}
    )
    nb = new_notebook()
    cell = new_code_cell("frame")
    cell.outputs = [
        new_output("display_data", data={"text/html": table_html(frame)}),  # cx.table
        new_output("execute_result", data={"text/html": frame._repr_html_()}, execution_count=1),
        new_output(
            "display_data",
            data={"text/html": frame.rename({"customer_id": "unit_id"}).to_pandas().to_html()},
        ),
    ]
    nb.cells = [cell]
    page = render_report_html(nb, _results())
    assert "C00012345" not in page and "C00067890" not in page
    assert page.count("•••") == 6  # two ids in each of the three tables
    assert "ivr" in page and "<td>4</td>" in page  # the other columns are intact


def test_failed_page_shows_the_failing_cell_and_error():
    nb = new_notebook()
    ok = new_code_cell("OK_CELL_SOURCE = 1")
    bad = new_code_cell(f"raise ValueError('{EVIL}')")
    bad.outputs = [
        new_output(
            "error",
            ename="ValueError",
            evalue=EVIL,
            traceback=["\x1b[31mValueError\x1b[0m: " + EVIL],
        )
    ]
    nb.cells = [ok, bad, new_markdown_cell("## after")]
    error = {
        "cell_index": 1,
        "code_cell": 2,
        "execution_count": 2,
        "ename": "ValueError",
        "evalue": EVIL,
    }
    page = render_report_html(nb, _results(status="failed", error=error))
    c = assert_inert(page)
    text = "".join(c.text)
    assert (
        "FAILED" in text
        and "This report failed." in text
        and "This step failed (code cell 2)" in text
    )
    assert f"raise ValueError('{EVIL}')" in text  # the failing cell's source, as text
    assert f"ValueError: {EVIL}" in text  # traceback without ANSI codes
    assert "OK_CELL_SOURCE" not in page  # other code stays hidden
    assert 'href="#cx-failed-cell"' in page and 'id="cx-failed-cell"' in page


def test_index_links_every_report_with_status_and_numbers(tmp_path):
    out = tmp_path / "reports"
    a = _results(
        name="a",
        title=f"A {EVIL}",
        results={
            "csat": 0.8123,
            "n": 4580,
            EVIL: EVIL,
            "csat_ci": [0.79114, 0.83251],
            "checks": [{"check": "srm", "alarm": False}],  # structured: results.json only
        },
        labels={"csat": EVIL},
    )
    b = _results(
        name="b",
        title="B",
        status="failed",
        error={"ename": "ValueError", "evalue": EVIL},
        files={"html": "b.html"},
    )
    a["files"] = {"html": "a.html"}
    for d in (b, a):
        (out / d["name"]).mkdir(parents=True)
        (out / d["name"] / "results.json").write_text(json.dumps(d))
    (out / "other").mkdir()
    (out / "other" / "results.json").write_text('{"not": "a cxkit report"}')
    page = write_index(out).read_text()
    c = assert_inert(page)
    links = [attrs["href"] for tag, attrs in c.elements if tag == "a"]
    assert links == ["a/a.html", "b/b.html"]
    text = "".join(c.text)
    assert "2 report(s), 1 failed." in text
    # key numbers carry their labels and units (a share as %); raw, unlabelled keys stay in
    # results.json (issue 12: no "csat_ci: 0.791, 0.833" for a reader)
    assert f"{EVIL}: 81.2%" in text and "csat_ci" not in text and "checks" not in text
    assert f"This report stopped before its end: {EVIL} (ValueError)" in text
    assert [s for s in re.findall(r"cx-status-(\w+)", page) if s in {"ok", "failed"}][-2:] == [
        "ok",
        "failed",
    ]
    assert "No reports yet" in render_index_html([])


# ---------------------------------------------------------------------------------------------
