"""Report safety: no raw id reaches a reader by any route; hostile outputs stay harmless;
broken output folders and usage errors are handled.

The slow test runs ``notebooks/id_leaks.ipynb``, which shows ids through every route the
kit was attacked by (tables with alias and mapped headers, a pandas MultiIndex, a pivot, a
transposed frame, lists, ``print``, Markdown, ``cx.findings``, ``cx.record``, chart tooltips
and axes, a failing reader whose error quotes a row) and asserts that no id appears anywhere
in the HTML, ``results.json`` or the index.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cxkit.report import ReportSpec, write_index
from cxkit.report import run as run_module
from cxkit.report._page import render_report_html
from cxkit.report.masking import MASK, WITHHELD, Masker, mapped_id_columns
from cxkit.report.sanitize import sanitize

NB = Path(__file__).resolve().parent / "notebooks" / "id_leaks.ipynb"
IDS = [f"C0000000{i}" for i in range(1, 7)]  # id-shaped
NOT_SHAPED = ["kx7a", "kx7b", "kx7c", "q1x", "q2y", "q3z"]  # caught by their column only


# ---------------------------------------------------------------------------------------------
# fast: the masking rules one by one
# ---------------------------------------------------------------------------------------------
def test_multiindex_masks_the_id_level_not_the_segment():
    frame = pd.DataFrame(
        {"segment": ["a", "a", "b"], "customer_id": ["x1", "x2", "x3"], "n": [7, 8, 9]}
    ).set_index(["segment", "customer_id"])
    page = sanitize(frame._repr_html_())
    for cid in ("x1", "x2", "x3"):
        assert f">{cid}<" not in page
    assert ">a<" in page and ">b<" in page  # the segment level (rowspan=2) stays
    assert ">7<" in page and ">9<" in page


def test_alias_and_configured_headers_are_masked():
    table = (
        "<table><tr><th>Customer ID</th><th>client</th><th>cust_id</th><th>Kundennr</th>"
        "<th>n</th></tr><tr><td>a1</td><td>b2</td><td>c3</td><td>d4</td><td>5</td></tr></table>"
    )
    page = sanitize(table, masker=Masker(extra=["Kundennr"]))
    assert page.count(MASK) == 4 and ">5<" in page
    assert ">d4<" in sanitize(table)  # without the extra name that column is shown


def test_transposed_frames_and_pivots():
    transposed = pd.DataFrame({"customer_id": ["x1", "x2"], "n": [1, 2]}).T
    assert "x1" not in sanitize(transposed._repr_html_())
    pivot = "<table><tr><th>segment</th><th>C00012</th><th>C00013</th></tr><tr><td>a</td><td>1</td><td>2</td></tr></table>"
    page = sanitize(pivot)
    assert "C00012" not in page and ">segment<" in page and ">2<" in page


def test_ids_learnt_on_a_page_are_masked_everywhere_on_it():
    m = Masker()
    sanitize("<table><tr><th>customer_id</th></tr><tr><td>zed</td></tr></table>", masker=m)
    assert m.html_text("<p>our best customer is zed</p>") == f"<p>our best customer is {MASK}</p>"


def test_chart_text_is_masked():
    svg = (
        '<svg><g class="mark-group role-axis" aria-label="X-axis titled \'customer_id\' for a '
        'discrete scale with 2 values: k1, k2"><g class="mark-text role-axis-label"><text>k1</text>'
        '<text>k2</text></g><g class="mark-text role-axis-title"><text>customer_id</text></g></g>'
        '<path aria-label="customer_id: k1; n: 3"/></svg>'
    )
    page = sanitize(svg)
    assert "k1" not in page and "k2" not in page
    assert "customer_id" in page and "n: 3" in page


def test_error_text_withholds_example_rows_and_keeps_the_fix():
    text = (
        "Found customer ids that repeat.\n  source:  c.csv\n  column:  'Customer ID'\n"
        "  rule:    customer ids are unique\n  examples:\n    {'row': 5086, 'Customer ID': 'zz'}\n"
        "  fix:     keep one row per customer"
    )
    out = Masker().error_text(text)
    assert "'zz'" not in out and WITHHELD in out and "fix:     keep one row" in out
    assert "column:  'Customer ID'" in out
    missing = "Column 'x' is missing.\n  examples:\n    'columns found: [\"a\"]'\n  fix: pass"
    assert "columns found" in Masker().error_text(missing)


def test_mapped_columns_are_read_from_the_notebook_code():
    code = [
        'c = cx.read_customers(p, customer="Kundennummer")',
        "e = cx.read_events(x, customer=col)",
    ]
    assert mapped_id_columns(code, {"col": "Wer"}) == {"Kundennummer", "Wer"}


def test_failure_banner_and_box_mask_ids():
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('cx.read_customers(p, customer="Kunde")')
    evalue = "Found customer ids that repeat.\n  examples:\n    {'row': 5, 'Kunde': 'abc'}"
    cell.outputs = [nbformat.v4.new_output("error", ename="CxDataError", evalue=evalue,
                                           traceback=["CxDataError: " + evalue])]  # fmt: skip
    nb.cells.append(cell)
    error = {"cell_index": 0, "code_cell": 1, "ename": "CxDataError", "evalue": evalue}
    page = render_report_html(nb, {"title": "t", "status": "failed", "error": error, "run": {}})
    assert "abc" not in page and "This step failed" in page and "This report failed" in page


# ---------------------------------------------------------------------------------------------
# fast: the index, the files as a set, the command line
# ---------------------------------------------------------------------------------------------
def _results(name: str, **extra) -> dict:
    return {
        "schema": run_module.RESULTS_SCHEMA, "name": name, "title": name, "status": "ok",
        "error": None, "results": {}, "labels": {}, "files": {"html": f"{name}.html"},
        "run": {"duration_s": 1.0, "finished_at": "2024-01-01T00:00:00+00:00"}, **extra,
    }  # fmt: skip


def test_index_skips_and_names_what_it_cannot_read(tmp_path):
    for name, data in {
        "good": _results("good"),
        "null_duration": _results("null_duration", run={"duration_s": None}),
        "bad_duration": _results("bad_duration", run={"duration_s": "slow"}),
        "bad_results": _results("bad_results", results=[1, 2]),
    }.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(json.dumps(data))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "results.json").write_text("{not json")
    page = write_index(tmp_path).read_text()
    assert "good.html" in page and "null_duration.html" in page
    assert "Not shown" in page
    for name in ("bad_duration", "bad_results", "broken"):
        assert f"{name}/results.json" in page and f"{name}.html" not in page


def _fake_run(monkeypatch, tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    monkeypatch.setattr(run_module, "_execute", lambda *a, **k: (nb, None))
    notebook = tmp_path / "nb.ipynb"
    nbformat.write(nb, notebook)
    return ReportSpec("r", notebook, "R")


def test_a_write_failure_fails_that_report_and_keeps_the_previous_set(tmp_path, monkeypatch):
    spec = _fake_run(monkeypatch, tmp_path)
    out = tmp_path / "out"
    first = run_module.run_report(spec, out)
    assert first.ok
    before = {p.name: p.read_bytes() for p in (out / "r").iterdir()}
    order = []
    real = run_module.write_files

    def full_disk(files):
        order.append([Path(p).name for p in files])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(run_module, "write_files", full_disk)
    second = run_module.run_report(spec, out)
    assert not second.ok and "No space left" in second.results["error"]["evalue"]
    assert order == [["r.ipynb", "r.html", "results.json"]]  # results.json last: the marker
    assert {p.name: p.read_bytes() for p in (out / "r").iterdir()} == before
    monkeypatch.setattr(run_module, "write_files", real)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cxkit", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.mark.parametrize(
    "make,args",
    [
        (lambda d: (d / "afile").write_text("x"), ["--out", "afile"]),
        (lambda d: (d / "nb.ipynb").write_text("not json"), ["nb.ipynb"]),
        (None, ["--timeout", "nan"]),
        (None, ["--timeout", "-3"]),
    ],
    ids=["out-is-a-file", "notebook-not-json", "timeout-nan", "timeout-negative"],
)
def test_usage_errors_exit_2_without_traceback(tmp_path, make, args):
    import nbformat

    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "ok.ipynb")
    if make is not None:
        make(tmp_path)
    target = [] if "nb.ipynb" in args else ["ok.ipynb"]
    done = _cli("report", "run", *target, *args, "--config", "none.toml", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.strip()


def test_a_bad_notebook_in_the_config_is_a_usage_error(tmp_path):
    (tmp_path / "nb.ipynb").write_text("{")
    (tmp_path / "reports.toml").write_text('[[report]]\nname = "x"\nnotebook = "nb.ipynb"\n')
    done = _cli("report", "run", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "not a readable Jupyter notebook" in done.stderr


# ---------------------------------------------------------------------------------------------
# slow: the notebook that tries every leak route
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def leak_run(tmp_path_factory):
    from cxkit.report import run_reports

    out = tmp_path_factory.mktemp("leaks")
    spec = ReportSpec("id_leaks", NB, "Leaks", {}, base_name="id_leaks")
    (outcome,) = run_reports([spec], out, timeout=300, progress_bar=False)
    return out, outcome


@pytest.mark.slow
def test_no_id_reaches_the_page_results_or_index(leak_run):
    out, outcome = leak_run
    assert outcome.status == "failed"  # the last cell fails on purpose (a repeated id)
    texts = {
        "page": outcome.html_path.read_text(),
        "results.json": outcome.results_path.read_text(),
        "index": (out / "index.html").read_text(),
    }
    for where, text in texts.items():
        for value in IDS + NOT_SHAPED:
            assert value not in text, f"{value} leaked into the {where}"
    page = texts["page"]
    # what was masked is still shown, masked: tables, chart descriptions, findings, the error
    assert page.count(MASK) > 40
    assert "n: 1; segment: a; customer_id: •••" in page
    assert "titled 'customer_id' for a discrete scale with 6 values: •••" in page
    assert "Customer ••• complained most" in page
    assert WITHHELD in page and "keep one row per customer" in page
    results = json.loads(texts["results.json"])
    assert results["results"] == {
        "worst_customer": MASK, "customer_id": MASK, "top_ids": [MASK, MASK], "n_customers": 6,
    }  # fmt: skip
    assert WITHHELD in results["error"]["evalue"]
    assert page.count("<svg") == 3  # the URL-data chart is refused, with a notice
    assert "loads its data from a URL was not drawn" in page
    assert not re.search(r"position\s*:\s*fixed", page) and "overlay" in page


@pytest.mark.slow
@pytest.mark.browser
def test_an_overlay_never_covers_the_title_or_badge(leak_run):
    from _browser import CHROMIUM, CHROMIUM_ARGS, need_browser

    need_browser()
    from playwright.sync_api import sync_playwright

    _, outcome = leak_run
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
        )
        page.goto(outcome.html_path.as_uri())
        for selector in ("header.cx-header h1", ".cx-status"):
            box = page.locator(selector).first.bounding_box()
            hit = page.evaluate(
                "([x, y, s]) => { const e = document.elementFromPoint(x, y);"
                " return !!e && !!e.closest(s); }",
                [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, selector],
            )
            assert hit, f"{selector} is covered"
        browser.close()


def test_environment_has_no_leftover_runs(tmp_path):
    # a killed runner's .run-* folder is removed by the next run of that report
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    folder = tmp_path / "r"
    (folder / ".run-x").mkdir(parents=True)
    (folder / ".run-x" / "pid").write_text(dead)
    from cxkit.report.files import remove_stale

    assert remove_stale(folder) and not (folder / ".run-x").exists()
    assert os.listdir(folder) == []
