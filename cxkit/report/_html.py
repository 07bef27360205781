"""HTML building blocks for the offline reports: a strict sanitiser, markdown, page CSS.

Everything that ends up in a report page passes through :func:`sanitize`: an allow-list
re-serialiser built on the standard library's HTML parser. It keeps the structure of tables,
findings and inline SVG charts and drops everything that could run code or reach the network:

* ``<script>``, ``<style>``, ``<iframe>``, ``<object>``, ``<embed>``, ``<foreignObject>`` … are
  removed with their content; other unknown tags are removed but their text is kept (escaped);
* ``on*`` event-handler attributes, ``srcset``, ``target``, ``formaction`` … are removed;
* ``src`` / ``href`` keep only inline ``data:image/...`` images and ``#fragment`` links (links to
  ``http(s)``/``mailto`` are allowed only in markdown cells the author wrote, as plain links);
* ``url(...)`` in attributes and ``style`` must point to ``#fragment`` or ``data:``;
* text and attribute values are decoded and re-escaped, tags are re-balanced, so an output can
  never close the container it sits in.

The page additionally carries a Content-Security-Policy that forbids scripts and any load
that is not ``data:`` — a second wall if the first one ever had a hole.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

__all__ = ["CSP", "ID_COLUMNS", "MASK", "PAGE_CSS", "markdown_to_html", "sanitize", "strip_ansi"]

#: Column names whose values are never printed in a report table (canonical id columns).
from cxkit.schema import ID_COLUMNS  # noqa: E402

#: What a masked id cell shows instead.
MASK = "•••"

#: Content-Security-Policy of every report page: no scripts, nothing from the network.
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "base-uri 'none'; form-action 'none'"
)

_DROP_WITH_CONTENT = {
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "noscript",
    "template",
    "foreignobject",
    "textarea",
    "select",
    "head",
    "math",
    "svg:script",
    "audio",
    "video",
    "canvas",
    "link",
    "meta",
    "base",
}  # (SVG <title> is kept: a harmless tooltip whose text is escaped)

_HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
    "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul", "input",
}  # fmt: skip
_SVG_TAGS = {
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text",
    "tspan", "textpath", "defs", "clippath", "lineargradient", "radialgradient", "stop",
    "pattern", "mask", "marker", "symbol", "use", "image", "title", "desc", "metadata",
}  # fmt: skip
_ALLOWED_TAGS = _HTML_TAGS | _SVG_TAGS
_VOID = {"br", "hr", "img", "col", "input", "wbr"}
_DROP_ATTRS = {
    "srcset", "target", "formaction", "action", "background", "poster", "ping", "lowsrc",
    "dynsrc", "data", "codebase", "manifest", "autofocus", "contenteditable", "http-equiv",
}  # fmt: skip
_URL_ATTRS = {"href", "xlink:href", "src"}
_ATTR_NAME = re.compile(r"^[a-z_][a-z0-9_.:-]*$")
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]*$")
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_BAD = re.compile(r"@import|expression\s*\(|image-set|\\|javascript:|behaviou?r", re.I)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def strip_ansi(text: str) -> str:
    """Remove ANSI colour codes (as in IPython tracebacks).

    >>> strip_ansi("\\x1b[0;31mValueError\\x1b[0m: bad")
    'ValueError: bad'
    """
    return _ANSI.sub("", text)


def _urls_ok(value: str, prefix: str) -> str | None:
    """Return ``value`` with ``url(#id)`` prefixed, or None if it references anything else."""
    if _CSS_BAD.search(value):
        return None
    ok = True

    def repl(m: re.Match[str]) -> str:
        nonlocal ok
        target = m.group(2).strip()
        if target.startswith("#"):
            return f"url(#{prefix}{target[1:]})"
        if _DATA_IMAGE.match(target):
            return m.group(0)
        ok = False
        return ""

    n_found = len(_CSS_URL.findall(value))
    if value.lower().count("url(") != n_found:  # an url( the regex did not understand
        return None
    out = _CSS_URL.sub(repl, value)
    return out if ok else None


class _Table:
    """Column bookkeeping of one open table, to mask the cells under id-column headers."""

    def __init__(self) -> None:
        self.mask: set[int] = set()
        self.col = -1
        self.header_done = False
        self.in_header_row = False
        self.in_thead = False
        self.th_text: list[str] | None = None
        self.masking = False


class _Sanitizer(HTMLParser):
    def __init__(self, *, id_prefix: str, allow_links: bool, mask_ids: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []
        self.skip = 0  # depth inside a dropped-with-content element
        self.skip_tag: list[str] = []
        self.id_prefix = id_prefix
        self.allow_links = allow_links
        self.mask_ids = mask_ids
        self.tables: list[_Table] = []
        self.n_masked = 0

    # -- id columns of tables ------------------------------------------------------------
    def _table_start(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append(_Table())
            return
        if not self.tables:
            return
        t = self.tables[-1]
        if tag == "thead":
            t.in_thead = True
        elif tag == "tr":
            t.col = -1
            # every row of a <thead> is a header row: pandas puts an index name (e.g. a
            # customer_id index) in the second one
            t.in_header_row = t.in_thead or not t.header_done
        elif tag in {"th", "td"}:
            span = dict(attrs).get("colspan") or "1"
            t.col += int(span) if span.isdigit() else 1
            if t.in_header_row and tag == "th":
                t.th_text = []
            elif t.header_done and not t.in_thead and t.col in t.mask:
                t.masking = True
                self.out.append(MASK)
                self.n_masked += 1

    def _table_end(self, tag: str) -> None:
        if not self.tables:
            return
        t = self.tables[-1]
        if tag == "table":
            self.tables.pop()
        elif tag == "thead":
            t.in_thead = False
        elif tag == "tr" and t.in_header_row:
            t.in_header_row = False
            t.header_done = True
        elif tag in {"th", "td"}:
            if t.th_text is not None:
                if "".join(t.th_text).strip().lower() in ID_COLUMNS:
                    t.mask.add(t.col)
                t.th_text = None
            t.masking = False

    # -- attributes ----------------------------------------------------------------------
    def _clean_attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> list[str] | None:
        kept: list[str] = []
        for name, value in attrs:
            name = name.strip().lower()
            if not _ATTR_NAME.match(name) or name.startswith("on") or name in _DROP_ATTRS:
                continue
            value = "" if value is None else value
            if name in _URL_ATTRS:
                v = value.strip()
                low = v.lower()
                if low.startswith("#") and tag not in {"img", "image"}:
                    value = "#" + (self.id_prefix if tag != "a" else "") + v[1:]
                elif _DATA_IMAGE.match(v) and tag in {"img", "image"}:
                    value = v
                elif (
                    tag == "a"
                    and self.allow_links
                    and re.match(r"^(https?://|mailto:)", low)
                    and not low.startswith("//")
                ):
                    value = v
                    kept.append('rel="noopener noreferrer"')
                else:
                    if tag in {"img", "image", "use"}:
                        return None  # an image that is not inline is dropped entirely
                    continue
            elif name == "id" and self.id_prefix:
                value = self.id_prefix + value
            elif "url(" in value.lower() or name == "style":
                cleaned = _urls_ok(value, self.id_prefix)
                if cleaned is None:
                    continue
                value = cleaned
            kept.append(f'{name}="{html.escape(value, quote=True)}"')
        if tag in {"img", "image"} and not any(
            k.startswith(("src=", "href=", "xlink:href=")) for k in kept
        ):
            return None
        if tag == "input":
            if not any(k == 'type="checkbox"' for k in kept):
                return None
            kept.append('disabled=""')
        return kept

    # -- parser callbacks ----------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self_closing=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self_closing=True)

    def _start(self, tag: str, attrs: list, *, self_closing: bool) -> None:
        tag = tag.lower()
        if self.skip:
            if tag in _DROP_WITH_CONTENT and not self_closing and tag not in _VOID:
                self.skip += 1
                self.skip_tag.append(tag)
            return
        if tag in _DROP_WITH_CONTENT:
            if not self_closing and tag not in {"link", "meta", "base"}:
                self.skip = 1
                self.skip_tag = [tag]
            return
        if tag not in _ALLOWED_TAGS:
            return
        kept = self._clean_attrs(tag, attrs)
        if kept is None:
            return
        if self.mask_ids and self.tables and self.tables[-1].masking:
            return  # nothing inside a masked id cell
        if self.mask_ids and tag in {"table", "thead", "tr", "th", "td"}:
            self._table_start(tag, attrs)
            if tag in {"th", "td"} and self.tables and self.tables[-1].masking:
                self.out.insert(len(self.out) - 1, f"<{tag}>")
                self.stack.append(tag)
                return
        attr_text = (" " + " ".join(kept)) if kept else ""
        if tag in _VOID:
            self.out.append(f"<{tag}{attr_text}>")
        elif self_closing:
            self.out.append(f"<{tag}{attr_text}></{tag}>")
        else:
            self.out.append(f"<{tag}{attr_text}>")
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if self.skip:
            if self.skip_tag and tag == self.skip_tag[-1]:
                self.skip_tag.pop()
                self.skip -= 1
            return
        if tag in _VOID or tag not in self.stack:
            return
        if self.mask_ids and tag in {"table", "thead", "tr", "th", "td"}:
            self._table_end(tag)
        while self.stack:
            top = self.stack.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.tables:
            t = self.tables[-1]
            if t.masking:
                return
            if t.th_text is not None:
                t.th_text.append(data)
        self.out.append(html.escape(data, quote=False))

    # comments, <!DOCTYPE>, <?xml ...?>, CDATA: dropped
    def handle_comment(self, data: str) -> None:
        return

    def handle_decl(self, decl: str) -> None:
        return

    def handle_pi(self, data: str) -> None:
        return

    def unknown_decl(self, data: str) -> None:
        return

    def result(self) -> str:
        self.close()
        while self.stack:
            self.out.append(f"</{self.stack.pop()}>")
        return "".join(self.out)


def sanitize(
    fragment: str,
    *,
    id_prefix: str = "",
    allow_links: bool = False,
    mask_ids: bool = True,
) -> str:
    """Return ``fragment`` re-serialised through an allow-list (see the module docstring).

    Parameters
    ----------
    fragment : str
        HTML or inline SVG from a notebook output or from rendered markdown.
    id_prefix : str
        Prepended to every ``id`` and to ``#fragment`` references, so that two charts on one
        page cannot clash (vega clip-path ids repeat between charts).
    allow_links : bool
        Keep ``<a href="https://...">`` / ``mailto:`` links (markdown cells only).
    mask_ids : bool
        Replace the cells of table columns headed by an id column (:data:`ID_COLUMNS`, e.g.
        ``customer_id``) with :data:`MASK`: reports never print raw customer ids.

    Examples
    --------
    >>> sanitize('<img src=x onerror=alert(1)><b onclick="x()">hi</b><script>alert(1)</script>')
    '<b>hi</b>'
    >>> sanitize("<td>&lt;img src=x onerror=alert(1)&gt;</td></div></body>")
    '<td>&lt;img src=x onerror=alert(1)&gt;</td>'
    >>> sanitize('<a href="https://example.com">x</a><img src="https://example.com/t.png">')
    '<a>x</a>'
    >>> sanitize("<table><tr><th>customer_id</th><th>n</th></tr><tr><td>C042</td><td>3</td></tr></table>")
    '<table><tr><th>customer_id</th><th>n</th></tr><tr><td>•••</td><td>3</td></tr></table>'
    """
    parser = _Sanitizer(id_prefix=id_prefix, allow_links=allow_links, mask_ids=mask_ids)
    parser.feed(fragment)
    return parser.result()


_MARKDOWN = None


def markdown_to_html(
    text: str, *, attachments: dict[str, str] | None = None, allow_links: bool = True
) -> str:
    """Render markdown to sanitised HTML; raw HTML inside the markdown is shown as text.

    ``attachments`` maps attachment names to ``data:`` URLs (notebook cell attachments).

    >>> markdown_to_html("# Hi <img src=x onerror=alert(1)>")
    '<h1>Hi &lt;img src=x onerror=alert(1)&gt;</h1>'
    """
    global _MARKDOWN
    if _MARKDOWN is None:
        import mistune

        _MARKDOWN = mistune.create_markdown(
            escape=True, plugins=["table", "strikethrough", "footnotes", "task_lists"]
        )
    for name, url in (attachments or {}).items():
        text = text.replace(f"attachment:{name}", re.sub(r"\s+", "", url))
    rendered = _MARKDOWN(text)
    return sanitize(str(rendered).strip(), allow_links=allow_links)


PAGE_CSS = """
:root { --ink:#1b1f24; --muted:#5b6470; --line:#e3e6ea; --bg:#ffffff; --accent:#0072B2;
        --ok:#009E73; --bad:#D55E00; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font: 15px/1.55 Helvetica, Arial, sans-serif; }
main, header.cx-header, footer.cx-footer { max-width: 980px; margin: 0 auto; padding: 0 28px; }
header.cx-header { padding-top: 28px; padding-bottom: 8px; border-bottom: 3px solid var(--accent); }
header.cx-header h1 { font-size: 26px; margin: 0 0 6px; line-height: 1.25; }
.cx-meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 10px 0;
           font-size: 13px; color: var(--muted); }
.cx-meta dt { font-weight: 600; }
.cx-meta dd { margin: 0; overflow-wrap: anywhere; }
.cx-params, .cx-sources { border-collapse: collapse; font-size: 12.5px; margin: 2px 0 6px; }
.cx-params td, .cx-sources td { padding: 1px 10px 1px 0; vertical-align: top; }
.cx-hash { font-family: Menlo, Consolas, monospace; font-size: 11px; color: var(--muted); }
.cx-status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
             font-weight: 700; color: #fff; vertical-align: middle; }
.cx-status-ok { background: var(--ok); }
.cx-status-failed { background: var(--bad); }
.cx-banner-failed { border: 2px solid var(--bad); background: #fff4ee; padding: 12px 16px;
                    margin: 18px 0; border-radius: 4px; }
main { padding-top: 12px; padding-bottom: 40px; }
h1, h2, h3, h4 { line-height: 1.3; }
main h1 { font-size: 22px; } main h2 { font-size: 19px; margin-top: 32px; } main h3 { font-size: 16px; }
.cx-output { margin: 10px 0 18px; overflow-x: auto; }
.cx-output svg { max-width: 100%; height: auto; }
.cx-output img { max-width: 100%; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; }
td { font-variant-numeric: tabular-nums; }
th { border-bottom: 2px solid #c9ced4; font-weight: 600; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 4px; }
.cx-findings { border-left: 4px solid var(--accent); background: #f4f8fb; padding: 8px 16px;
               margin: 12px 0; }
.cx-findings h4 { margin: 4px 0; }
.cx-more { color: var(--muted); font-size: 12px; }
pre { background: #f6f7f9; padding: 8px 12px; overflow-x: auto; font-size: 12.5px;
      white-space: pre-wrap; overflow-wrap: anywhere; }
.cx-error { border: 2px solid var(--bad); border-radius: 4px; padding: 10px 14px; margin: 14px 0;
            background: #fff8f4; }
.cx-error h3 { margin: 0 0 6px; color: var(--bad); }
details.cx-stderr { color: var(--muted); font-size: 12.5px; margin: 6px 0; }
footer.cx-footer { color: var(--muted); font-size: 12px; padding-bottom: 30px;
                   border-top: 1px solid var(--line); padding-top: 10px; }
.cx-index td, .cx-index th { vertical-align: top; }
.cx-kv { margin: 0; padding: 0; list-style: none; font-size: 12.5px; }
@media print {
  @page { margin: 16mm 14mm; }
  body { font-size: 11pt; color: #000; }
  main, header.cx-header, footer.cx-footer { max-width: none; padding: 0; }
  header.cx-header { border-bottom-width: 2px; }
  a { color: inherit; text-decoration: none; }
  .cx-output, table, figure, .cx-findings, .cx-error, svg { break-inside: avoid; page-break-inside: avoid; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  .cx-output { overflow: visible; }
  table { font-size: 7pt; max-width: 100%; }
  th, td { padding: 1px 3px; }
  th { overflow-wrap: anywhere; }  /* long snake_case headers may wrap; numbers never break */
  pre { white-space: pre-wrap; }
  details.cx-stderr { display: none; }
  .cx-status { border: 1px solid #000; color: #000; background: none; }
}
"""
