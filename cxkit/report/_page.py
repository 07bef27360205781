"""Build the report page and the index page from an executed notebook and its results.

No nbconvert template, no JavaScript: markdown cells are rendered with raw HTML escaped,
outputs go through :func:`cxkit.report.sanitize.sanitize`, code cells are hidden (except the one that
failed), record outputs (``cx.record``) are not shown. Charts arrive as ``image/svg+xml``
(the cxkit renderer); a Vega-Lite JSON output from another renderer is converted to SVG here
with vl-convert, offline.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from typing import Any

from cxkit.report._css import PAGE_CSS
from cxkit.report.display import CONTEXT, HEADLINE, RECORD_MIMETYPE, VERDICT
from cxkit.report.masking import Masker, mapped_id_columns
from cxkit.report.sanitize import CSP, markdown_to_html, sanitize, strip_ansi

__all__ = [
    "clean_results",
    "format_value",
    "page_masker",
    "render_report_html",
]

_HIDDEN_CELL_TAGS = {"parameters", "injected-parameters", "papermill-error-cell-tag", "remove-cell",
                     "remove_cell"}  # fmt: skip
_HIDDEN_OUTPUT_TAGS = {"remove-output", "remove_output"}
_VEGALITE = re.compile(r"^application/vnd\.vegalite\.v(\d+)\+json$")
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
_e = html.escape


def format_value(value: Any) -> str:
    """Plain text for a recorded value in the index (the JSON keeps the raw number).

    >>> format_value(4580), format_value(0.81234), format_value(-12.5), format_value(None)
    ('4,580', '0.8123', '-12.5', '–')
    >>> format_value([0.43295664, 0.44502567]), format_value(["Inflight wifi"])
    ('0.433, 0.445', 'Inflight wifi')
    """
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 10_000 else f"{value:.4g}"
    if isinstance(value, list) and all(not isinstance(v, list | dict) for v in value):
        text = ", ".join(format_value(v) for v in value)
    else:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "…"


def _headline(value: Any) -> bool:
    """Whether a recorded value is a key number for the index (scalars and flat lists)."""
    if isinstance(value, dict):
        return False
    if isinstance(value, list):
        return len(value) <= 6 and all(not isinstance(v, list | dict) for v in value)
    return True


def _page(title: str, header: str, body: str, footer: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{_e(title)}</title><style>{PAGE_CSS}</style></head>\n<body>\n"
        f'<header class="cx-header">{header}</header>\n<main>\n{body}\n</main>\n'
        f'<footer class="cx-footer">{footer}</footer>\n</body></html>\n'
    )


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


URL_DATA_NOTICE = (
    "(A chart that loads its data from a URL was not drawn: reports never use the network. "
    "Pass the data itself to the chart, e.g. alt.Chart(frame).)"
)


def _url_data(spec: Any) -> bool:
    """Whether a Vega-Lite spec (at any depth) takes data from a URL."""
    if isinstance(spec, dict):
        data = spec.get("data")
        if isinstance(data, dict) and "url" in data:
            return True
        return any(_url_data(v) for k, v in spec.items() if k != "data")
    if isinstance(spec, list):
        return any(_url_data(v) for v in spec)
    return False


def _svg_from_vegalite(spec: Any) -> str | None:
    """Render a Vega-Lite spec to SVG offline (no data may be fetched from any URL)."""
    try:
        import vl_convert as vlc

        spec = json.loads(spec) if isinstance(spec, str) else spec
        if _url_data(spec):
            return None
        m = re.search(r"/v(\d+\.\d+)", str(spec.get("$schema", "")))
        try:
            return vlc.vegalite_to_svg(
                spec, vl_version=m.group(1) if m else None, allowed_base_urls=[]
            )
        except Exception:  # a version vl-convert does not bundle: use its latest
            return vlc.vegalite_to_svg(spec, allowed_base_urls=[])
    except Exception:  # a bad spec or a blocked URL: fall back to text
        return None


def _image(mime: str, data: Any) -> str:
    raw = re.sub(r"\s+", "", _text(data))
    try:
        base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return ""
    return f'<img alt="" src="data:{mime};base64,{raw}">'


ID_TEXT_NOTICE = (
    "(A text output that names an id column was left out of this report so that no raw "
    "customer id is shown. Show tables with cx.table(...), which masks id columns.)"
)
_LINE_WITHHELD = "    (a line naming an id column is withheld; see the executed notebook)"


def _safe_text(text: str, masker: Masker) -> str:
    """Escaped ``<pre>`` content: text that names an id column is replaced by a notice (plain
    text cannot be masked column by column: ``print(frame)``); other text has ids masked."""
    return _e(ID_TEXT_NOTICE if masker.names_an_id(text) else masker.text(text))


def _traceback(out: dict[str, Any], masker: Masker) -> str:
    """An error's traceback for readers: lines naming an id column withheld (an error may quote
    example rows; the executed notebook beside the page keeps them), example rows withheld."""
    lines = strip_ansi("\n".join(out.get("traceback", []))).splitlines()
    lines = [_LINE_WITHHELD if masker.names_an_id(line) else line for line in lines]
    return masker.error_text("\n".join(lines))


def _render_output(out: dict[str, Any], key: str, masker: Masker | None = None) -> str:
    masker = masker or Masker()
    kind = out.get("output_type")
    if kind in {"display_data", "execute_result"}:
        data = out.get("data", {})
        if RECORD_MIMETYPE in data:
            return ""
        if "image/svg+xml" in data:
            return sanitize(_text(data["image/svg+xml"]), id_prefix=key, masker=masker)
        for mime, spec in data.items():
            if _VEGALITE.match(mime):
                if _url_data(json.loads(spec) if isinstance(spec, str) else spec):
                    return f"<p><em>{_e(URL_DATA_NOTICE)}</em></p>"
                svg = _svg_from_vegalite(spec)
                if svg:
                    return sanitize(svg, id_prefix=key, masker=masker)
        if "text/html" in data:
            return sanitize(_text(data["text/html"]), id_prefix=key, masker=masker)
        if "text/markdown" in data:
            md = _text(data["text/markdown"])
            if masker.names_an_id(md) and "|" in md:  # a Markdown table with an id column
                return f"<pre>{_e(ID_TEXT_NOTICE)}</pre>"
            return markdown_to_html(md, allow_links=False, masker=masker)
        for mime in _IMAGE_TYPES:
            if mime in data:
                return _image(mime, data[mime])
        text = _text(data.get("text/plain", "")).strip()
        return f"<pre>{_safe_text(strip_ansi(text), masker)}</pre>" if text else ""
    if kind == "error":
        return '<pre class="cx-traceback">' + _e(_traceback(out, masker)) + "</pre>"
    return ""


def _render_streams(chunks: list[tuple[str, str]], masker: Masker | None = None) -> str:
    masker = masker or Masker()
    parts = []
    for name in ("stdout", "stderr"):
        text = strip_ansi("".join(t for n, t in chunks if n == name)).rstrip()
        if not text:
            continue
        if name == "stdout":
            parts.append(f'<pre class="cx-stdout">{_safe_text(text, masker)}</pre>')
        else:
            parts.append(
                '<details class="cx-stderr"><summary>Messages from the run</summary>'
                f"<pre>{_safe_text(text, masker)}</pre></details>"
            )
    return "".join(parts)


def _render_cell_outputs(cell: dict[str, Any], cell_no: int, masker: Masker) -> str:
    parts: list[str] = []
    streams: list[tuple[str, str]] = []
    outputs = cell.get("outputs", [])
    records = any(RECORD_MIMETYPE in o.get("data", {}) for o in outputs)
    for j, out in enumerate(outputs):
        if (
            records
            and out.get("output_type") == "execute_result"
            and set(out["data"]) == {"text/plain"}
        ):
            continue  # the echo of `cx.record(...)` as the cell's last expression
        if out.get("output_type") == "stream":
            streams.append((out.get("name", "stdout"), _text(out.get("text", ""))))
            continue
        if out.get("output_type") == "error":
            continue  # shown in the failure box
        rendered = _render_output(out, f"c{cell_no}o{j}-", masker)
        if rendered:
            parts.append(f'<div class="cx-output">{rendered}</div>')
    if streams:
        parts.append(f'<div class="cx-output">{_render_streams(streams, masker)}</div>')
    return "".join(parts)


def _failure_box(cell: dict[str, Any], error: dict[str, Any], masker: Masker) -> str:
    tb = ""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            tb = _traceback(out, masker)
    where = f"code cell {error['code_cell']}" if error.get("code_cell") else "a code cell"
    evalue = masker.error_text(str(error.get("evalue")))
    return (
        '<section class="cx-error" id="cx-failed-cell">'
        f"<h3>This step failed ({_e(where)})</h3>"
        f"<p><strong>{_e(str(error.get('ename')))}</strong>: {_e(evalue)}</p>"
        f'<p>The step that failed:</p><pre class="cx-failed-code">{_e(_text(cell.get("source", "")))}</pre>'
        + (f'<p>Traceback:</p><pre class="cx-traceback">{_e(tb)}</pre>' if tb else "")
        + "</section>"
    )


def _attachments(cell: dict[str, Any]) -> dict[str, str]:
    out = {}
    for name, bundle in (cell.get("attachments") or {}).items():
        for mime in _IMAGE_TYPES:
            if mime in bundle:
                out[name] = (
                    f"data:{mime};base64,{re.sub(r'[^A-Za-z0-9+/=]', '', _text(bundle[mime]))}"
                )
    return out


def _generated(run: dict[str, Any]) -> str:
    return str(run.get("finished_at", "")).replace("T", " ").replace("+00:00", " UTC")


def _header(results: dict[str, Any]) -> str:
    """The title (once) and one line of context; a status badge only when the run failed."""
    status = results.get("status", "failed")
    headline = (results.get("results") or {}).get(HEADLINE)
    context = headline.get(CONTEXT) if isinstance(headline, dict) else None
    when = _generated(results.get("run", {}))[:10]
    line = " · ".join(str(x) for x in (context, f"generated {when}" if when else "") if x)
    badge = (
        "" if status == "ok"
        else f' <span class="cx-status cx-status-{_e(status)}">{_e(status.upper())}</span>'
    )  # fmt: skip
    return f"<h1>{_e(str(results.get('title', '')))}{badge}</h1>" + (
        f'<p class="cx-context">{_e(line)}</p>' if line else ""
    )


def _headline_box(results: dict[str, Any]) -> str:
    """``<section class="headline">``: the verdict and 3–5 findings the notebook recorded with
    ``cx.report.headline``; empty when it recorded none."""
    head = (results.get("results") or {}).get(HEADLINE)
    if not isinstance(head, dict):
        return ""
    lines = [str(x) for x in head.get("lines") or [] if x][:5]
    verdict = head.get(VERDICT)
    if not lines and not verdict:
        return ""
    return (
        '<section class="headline">'
        + (f'<p class="cx-verdict">{_e(str(verdict))}</p>' if verdict else "")
        + ("<ul>" + "".join(f"<li>{_e(x)}</li>" for x in lines) + "</ul>" if lines else "")
        + "</section>"
    )


def _about(results: dict[str, Any]) -> str:
    """The "About this report" part at the foot, collapsed (``<details>``, no script): parameters, data
    sources and their hashes, version, notebook and run time."""
    run = results.get("run", {})
    params = results.get("parameters") or {}
    prow = "".join(
        f"<tr><td>{_e(str(k))}</td><td>{_e(format_value(v) if not isinstance(v, str) else v)}</td></tr>"
        for k, v in params.items()
    )
    srow = "".join(
        f"<tr><td>{_e(str(i.get('file')))}</td><td>{int(i.get('bytes', 0)):,} bytes</td>"
        f'<td class="cx-hash">sha256 {_e(str(i.get("sha256")))}</td></tr>'
        for i in results.get("inputs", [])
    )
    return (
        '<details class="cx-about"><summary>About this report</summary><dl class="cx-meta">'
        f"<dt>Generated</dt><dd>{_e(_generated(run))}</dd>"
        f"<dt>cxkit version</dt><dd>{_e(str(run.get('cxkit_version', '')))}</dd>"
        f"<dt>Notebook</dt><dd>{_e(str(results.get('notebook', '')))} · run time "
        f"{float(run.get('duration_s', 0) or 0):.1f} s</dd>"
        "<dt>Parameters</dt><dd>"
        + (f'<table class="cx-params">{prow}</table>' if prow else "none")
        + "</dd><dt>Data sources</dt><dd>"
        + (
            f'<table class="cx-sources">{srow}</table>'
            if srow
            else "none found among the parameters"
        )
        + "</dd></dl></details>"
    )


_LEADING_H1 = re.compile(r"\A\s*#\s[^\n]*\n?")


def _markdown_cell(cell: dict[str, Any], first: bool, masker: Masker) -> str:
    """A markdown cell as HTML; the notebook's own ``# title`` (its first markdown heading) is
    left out: the page shows its title once, in the header."""
    text = _text(cell.get("source", ""))
    if first:
        text = _LEADING_H1.sub("", text, count=1)
    if not text.strip():
        return ""
    return markdown_to_html(text, attachments=_attachments(cell), masker=masker)


def page_masker(nb: Any, parameters: dict[str, Any], id_columns=()) -> Masker:
    """The masker of a report page: the id columns of :mod:`~cxkit.report.masking`, those the
    notebook's readers were given (``customer="Customer ID"``) and ``id_columns``."""
    code = [_text(c.get("source", "")) for c in nb.cells if c.get("cell_type") == "code"]
    return Masker(extra=[*mapped_id_columns(code, parameters), *id_columns])


def clean_results(results: dict[str, Any], masker: Masker) -> dict[str, Any]:
    """``results.json`` content with ids masked in recorded values, labels and the error."""
    out = dict(results)
    out["results"] = masker.json(results.get("results") or {})
    out["labels"] = masker.json(results.get("labels") or {})
    if isinstance(results.get("error"), dict):
        err = dict(results["error"])
        err["evalue"] = masker.error_text(str(err.get("evalue")))
        out["error"] = err
    return out


def render_report_html(nb: Any, results: dict[str, Any], masker: Masker | None = None) -> str:
    """The self-contained report page for an executed notebook and its ``results.json`` data.

    ``masker`` (default: :func:`page_masker`) learns the ids it masks on the page; pass it on
    to :func:`clean_results` so that ``results.json`` masks them too."""
    if masker is None:
        masker = page_masker(nb, results.get("parameters") or {})
    error = results.get("error")
    failed_index = error.get("cell_index") if error else None
    body: list[str] = []
    if error:
        body.append(
            '<div class="cx-banner-failed"><strong>This report failed.</strong> '
            f"{_e(str(error.get('ename')))}: {_e(masker.error_text(str(error.get('evalue'))))} "
            + (
                '<a href="#cx-failed-cell">Go to the failing step.</a>'
                if failed_index is not None
                else ""
            )
            + " Results below this point are missing.</div>"
        )
    body.append(_headline_box(results))
    first_md = True
    for i, cell in enumerate(nb.cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & _HIDDEN_CELL_TAGS:
            continue
        if cell.cell_type == "markdown":
            body.append(_markdown_cell(cell, first_md, masker))
            first_md = False
        elif cell.cell_type == "code":
            if not tags & _HIDDEN_OUTPUT_TAGS:
                body.append(_render_cell_outputs(cell, i, masker))
            if i == failed_index:
                body.append(_failure_box(cell, error, masker))
    if error and failed_index is None:
        evalue = masker.error_text(str(error.get("evalue")))
        body.append(
            '<section class="cx-error" id="cx-failed-cell"><h3>The run failed</h3>'
            f"<p><strong>{_e(str(error.get('ename')))}</strong>: {_e(evalue)}</p></section>"
        )
    body.append(_about(results))
    # ids learnt anywhere on the page (a masked column, an id axis) are masked everywhere
    body = [masker.html_text(part) for part in body if part]
    run = results.get("run", {})
    footer = (
        f"Generated by cxkit {_e(str(run.get('cxkit_version', '')))} from "
        f"{_e(str(results.get('notebook', '')))} (papermill {_e(str(run.get('papermill_version', '')))},"
        f" Python {_e(str(run.get('python_version', '')))}). Charts are static SVG rendered offline;"
        " this page makes no network requests."
    )
    header = masker.html_text(_header(results))
    return _page(str(results.get("title", "Report")), header, "\n".join(body), footer)
