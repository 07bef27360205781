"""Tests of the report pipeline: sanitiser, typed parameters, config, page/index, runs.

Fast tests build executed notebooks by hand (no kernel). The ``slow`` tests run real notebooks
with papermill: a deliberately failing one, the parameter/escaping notebook with typed ``-p``
values, and ``cxkit demo`` over every report in the repository's ``reports.toml`` on freshly
written sample data.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import _report_batch  # the batch shared with test_browser.py, built once per run
import nbformat
import polars as pl
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from cxkit.cli import report as cli_report
from cxkit.report import (
    Parameter,
    ReportConfigError,
    _atomic_write,
    _input_files,
    coerce_parameter,
    load_config,
    notebook_parameters,
    select_reports,
    write_index,
)
from cxkit.report._html import markdown_to_html, sanitize
from cxkit.report._page import render_index_html, render_report_html
from cxkit.report.display import RECORD_MIMETYPE, _html_list, table_html

REPO = Path(__file__).resolve().parents[1]
DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
NB_DIR = Path(__file__).resolve().parent / "notebooks"
EVIL = "<img src=x onerror=alert(1)>"
EVIL_TEXT = "&lt;img src=x onerror=alert(1)&gt;"


class _Collector(HTMLParser):
    """Every element (tag, attrs) and the text of a page, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Collector:
    c = _Collector()
    c.feed(page)
    c.close()
    return c


def assert_inert(page: str) -> _Collector:
    """No script, no event handler, no external or relative load, nothing but data: images."""
    c = _parse(page)
    tags = [t for t, _ in c.elements]
    assert "script" not in tags and "iframe" not in tags and "object" not in tags
    for tag, attrs in c.elements:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        for key in ("src", "href", "xlink:href"):
            value = (attrs.get(key) or "").strip()
            if not value:
                continue
            if tag in {"img", "image"}:
                assert value.startswith("data:image/"), (tag, attrs)
            else:
                assert value.startswith("#") or (tag == "a" and value.endswith(".html")), (
                    tag,
                    attrs,
                )
        if tag == "link" or tag == "base":
            raise AssertionError(f"<{tag}> must not appear: {attrs}")
        for value in attrs.values():
            assert "javascript:" not in (value or "").lower()
    return c


# ---------------------------------------------------------------------------------------------
# sanitiser and markdown
# ---------------------------------------------------------------------------------------------
def test_sanitize_removes_code_and_network_loads():
    dirty = (
        f'<p onclick="steal()">hi {EVIL}</p><script>alert(1)</script><iframe src="https://x.org">t'
        '</iframe><img src="https://cdn.example.com/t.png"><img src="//cdn.example.com/t.png">'
        '<img src="data:image/png;base64,iVBORw0KGgo="><a href="javascript:alert(1)">j</a>'
        '<a href="https://example.com">e</a><div style="background:url(https://x.org/a.png)">s</div>'
        '<svg><foreignObject><div onmouseover="x()">f</div></foreignObject>'
        '<image href="https://x.org/i.png"/><use href="https://x.org/s.svg#a"/></svg>'
        "<style>@import url(https://x.org/a.css)</style><link rel=stylesheet href=https://x.org>"
        '<base href="https://x.org/"><meta http-equiv="refresh" content="0;url=https://x.org">'
    )
    clean = sanitize(dirty)
    c = assert_inert(clean)
    # the only image left is the inline one; the text survived; the https link lost its href
    imgs = [a for t, a in c.elements if t == "img"]
    assert imgs == [{"src": "data:image/png;base64,iVBORw0KGgo="}]
    assert "<p>hi </p>" in clean  # <img src=x onerror> in raw HTML is an element: dropped
    assert "https" not in clean and "//cdn" not in clean and "@import" not in clean
    assert "<a>e</a>" in clean and "<div>s</div>" in clean


def test_sanitize_keeps_svg_charts_and_makes_ids_unique():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><clipPath id="clip1">'
        '<rect width="5" height="5"/></clipPath></defs><g clip-path="url(#clip1)" '
        'class="mark-rect role-mark"><path d="M0,0h5v5h-5Z" fill="#0072B2"/></g>'
        f"<text>{EVIL_TEXT}</text></svg>"
    )
    a, b = sanitize(svg, id_prefix="c1o0-"), sanitize(svg, id_prefix="c2o0-")
    assert 'id="c1o0-clip1"' in a and 'clip-path="url(#c1o0-clip1)"' in a
    assert 'id="c2o0-clip1"' in b and 'clip-path="url(#c2o0-clip1)"' in b
    assert 'd="M0,0h5v5h-5Z"' in a and 'fill="#0072B2"' in a
    assert f"<text>{EVIL_TEXT}</text>" in a  # data label stays escaped text
    assert_inert(a)


def test_sanitize_cannot_break_out_of_its_container():
    clean = sanitize("<td>x</td></div></main></body><div><table><tr><td>open")
    assert clean == "<td>x</td><div><table><tr><td>open</td></tr></table></div>"


def test_markdown_escapes_raw_html_and_drops_unsafe_urls():
    out = markdown_to_html(
        f"# Worst: {EVIL}\n\n[click](javascript:alert(1)) [docs](https://example.org) "
        "![x](https://cdn.example.com/t.png) <script>alert(1)</script>"
    )
    assert f"<h1>Worst: {EVIL_TEXT}</h1>" in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert '<a rel="noopener noreferrer" href="https://example.org">docs</a>' in out
    assert "cdn.example.com" not in out and "javascript" not in out
    # links to the web are allowed only in the author's markdown cells, not in outputs
    assert "href" not in markdown_to_html("[docs](https://example.org)", allow_links=False)


# ---------------------------------------------------------------------------------------------
# typed parameters
# ---------------------------------------------------------------------------------------------
def _nb_with_params(source: str):
    nb = new_notebook()
    cell = new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [new_markdown_cell("# T"), cell]
    return nb


def test_notebook_parameters_read_the_annotations():
    nb = _nb_with_params(
        'path: str = "a.csv"\nn: int = 3\nshare: float = 0.5\nflag: bool = False\n'
        'segs: list[str] = ["a"]\nperiod: str | None = None\nk: "Optional[int]" = None\n'
        "untyped = 2.5\nmaybe = None\nweights: dict = {}\nimport os  # not a parameter\n"
    )
    got = {k: (p.type_name, p.default) for k, p in notebook_parameters(nb).items()}
    assert got == {
        "path": ("str", "a.csv"),
        "n": ("int", 3),
        "share": ("float", 0.5),
        "flag": ("bool", False),
        "segs": ("list[str]", ["a"]),
        "period": ("str | None", None),
        "k": ("int | None", None),
        "untyped": ("float", 2.5),
        "maybe": ("any | None", None),
        "weights": ("dict", {}),
    }


@pytest.mark.parametrize(
    ("raw", "param", "expected"),
    [
        ("50", Parameter("n", "int"), 50),
        ("1_000", Parameter("n", "int"), 1000),
        ("0.25", Parameter("x", "float"), 0.25),
        ("3", Parameter("x", "float"), 3.0),
        ("yes", Parameter("b", "bool"), True),
        ("False", Parameter("b", "bool"), False),
        ("0", Parameter("b", "bool"), False),
        ("007", Parameter("s", "str"), "007"),  # a string stays a string, zeros kept
        ("none", Parameter("s", "str"), "none"),  # not optional: the literal text
        ("none", Parameter("s", "str", optional=True), None),
        ("null", Parameter("n", "int", optional=True), None),
        ("a, b ,c", Parameter("l", "list", "str"), ["a", "b", "c"]),
        ('["a, b", "c"]', Parameter("l", "list", "str"), ["a, b", "c"]),
        ("1,2", Parameter("l", "list", "int"), [1, 2]),
        ("", Parameter("l", "list", "str"), []),
        ('{"a": 1}', Parameter("d", "dict"), {"a": 1}),
        ("[1, 2]", Parameter("u", "any"), [1, 2]),
        ("hello", Parameter("u", "any"), "hello"),
    ],
)
def test_coerce_parameter_types_values(raw, param, expected):
    got = coerce_parameter(raw, param)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    ("raw", "param", "message"),
    [
        ("fifty", Parameter("n", "int"), "expects int"),
        ("1.5", Parameter("n", "int"), "expects int"),
        ("maybe", Parameter("b", "bool"), "true/false"),
        ("a,b", Parameter("l", "list", "int"), "expects int"),
        ("[1,", Parameter("l", "list", "int"), "expects a list"),
    ],
)
def test_coerce_parameter_rejects_mistyped_values(raw, param, message):
    with pytest.raises(ReportConfigError, match=message):
        coerce_parameter(raw, param)


# ---------------------------------------------------------------------------------------------
# reports.toml
# ---------------------------------------------------------------------------------------------
def _write_config(tmp_path: Path, body: str) -> Path:
    cfg = tmp_path / "reports.toml"
    cfg.write_text(body, encoding="utf-8")
    return cfg


PARAMS_NB = (NB_DIR / "params_and_escaping.ipynb").as_posix()


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
    assert f"{EVIL}: 0.8123" in text and "n: 4,580" in text and f"{EVIL}: {EVIL}" in text
    assert "csat_ci: 0.7911, 0.8325" in text and "checks" not in text
    assert f"ValueError: {EVIL}" in text
    assert [s for s in re.findall(r"cx-status-(\w+)", page) if s in {"ok", "failed"}][-2:] == [
        "ok",
        "failed",
    ]
    assert "No reports yet" in render_index_html([])


# ---------------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------------
def test_atomic_write_never_leaves_a_half_written_file(tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    _atomic_write(target, "good")
    calls = []

    def broken_replace(src, dst):
        calls.append((Path(src).parent, Path(dst)))
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        _atomic_write(target, "half")
    assert target.read_text() == "good"
    assert calls == [(tmp_path, target)]  # the temp file lived in the same folder
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # and was cleaned up


def test_input_files_are_hashed_from_string_parameters(tmp_path):
    helpdesk = DATASETS / "helpdesk.csv"
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "b.parquet").write_bytes(b"bb")
    (parts / "a.parquet").write_bytes(b"a")
    (parts / "_SUCCESS").write_bytes(b"")  # not a data file: not listed
    got = _input_files(
        {
            "events_path": str(helpdesk),
            "glob": "parts/*.parquet",
            "dir": "parts",
            "n": 3,
            "missing": "no.csv",
        },
        tmp_path,
    )
    # reference: hashlib over the whole file contents
    assert got[0] == {
        "parameter": "events_path",
        "path": str(helpdesk),
        "file": "helpdesk.csv",
        "bytes": helpdesk.stat().st_size,
        "sha256": hashlib.sha256(helpdesk.read_bytes()).hexdigest(),
    }
    assert [(g["parameter"], g["file"], g["sha256"]) for g in got[1:]] == [
        ("glob", "a.parquet", hashlib.sha256(b"a").hexdigest()),
        ("glob", "b.parquet", hashlib.sha256(b"bb").hexdigest()),
        ("dir", "a.parquet", hashlib.sha256(b"a").hexdigest()),
        ("dir", "b.parquet", hashlib.sha256(b"bb").hexdigest()),
    ]


# ---------------------------------------------------------------------------------------------
# real runs (papermill)
# ---------------------------------------------------------------------------------------------
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
    assert res["lowest_csat_touchpoint"] == share["touchpoint"][0]
    assert res["lowest_csat"] == pytest.approx(share["share"][0], rel=1e-12)
    assert res["highest_csat_touchpoint"] == share["touchpoint"][-1]


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
