"""What may reach a report page: every fragment passes :func:`sanitize` (nh3, i.e. Ammonia).

:func:`sanitize` runs two passes:

1. **id masking** (ours): table cells under an id-column header (:data:`~cxkit.schema.ID_COLUMNS`,
   e.g. ``customer_id``) are replaced with :data:`MASK`, so reports never print raw ids;
2. **nh3** with an allow-list of tags, attributes and CSS properties: tables, findings, inline
   SVG charts and ``data:`` images stay; ``<script>``, ``<style>``, ``<iframe>`` … go with their
   content, ``on*`` handlers go, ``href``/``src`` keep only ``#fragment`` references, inline
   ``data:image/...`` images and (in the author's markdown only) ``http(s)``/``mailto`` links;
   ``style`` keeps only the properties in :data:`STYLE_PROPERTIES` (no ``position``, so no
   ``position:fixed`` overlay) and ``url(...)`` only to ``#fragment`` or ``data:image``.
   Ids and ``#fragment`` references get ``id_prefix``, so two charts on one page never clash.

The page also carries a Content-Security-Policy (:data:`CSP`) that forbids scripts and every
load that is not ``data:`` — a second wall if the first one ever had a hole.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

from cxkit.report.masking import MASK, Masker
from cxkit.schema import ID_COLUMNS

__all__ = [
    "CSP",
    "ID_COLUMNS",
    "MASK",
    "STYLE_PROPERTIES",
    "markdown_to_html",
    "mask_id_columns",
    "sanitize",
    "strip_ansi",
]

#: Content-Security-Policy of every report page: no scripts, nothing from the network.
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "base-uri 'none'; form-action 'none'"
)

_HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
    "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul", "input",
}  # fmt: skip
_SVG_TAGS = {
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text",
    "tspan", "textPath", "defs", "clipPath", "linearGradient", "radialGradient", "stop",
    "pattern", "mask", "marker", "symbol", "use", "image", "title", "desc",
}  # fmt: skip
#: Removed together with everything inside them.
_DROP_WITH_CONTENT = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript",
    "template", "textarea", "select", "math", "audio", "video", "canvas", "foreignObject",
    "head", "metadata",
}  # fmt: skip
_ATTRIBUTES = {
    # HTML
    "class", "id", "title", "lang", "dir", "role", "style", "href", "src", "alt", "width",
    "height", "colspan", "rowspan", "scope", "headers", "span", "align", "valign", "open",
    "start", "reversed", "value", "checked", "name", "datetime", "cite",
    # SVG presentation and geometry (vega/vl-convert output)
    "viewBox", "preserveAspectRatio", "version", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy",
    "r", "rx", "ry", "dx", "dy", "d", "points", "transform", "fill", "fill-opacity",
    "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray",
    "stroke-dashoffset", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "opacity",
    "clip-path", "clip-rule", "mask", "font-family", "font-size", "font-weight", "font-style",
    "font-variant", "text-anchor", "dominant-baseline", "alignment-baseline",
    "letter-spacing", "text-decoration", "display", "visibility", "pointer-events",
    "offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform",
    "patternUnits", "patternTransform", "clipPathUnits", "markerWidth", "markerHeight",
    "refX", "refY", "orient", "xlink:href", "startOffset", "textLength", "lengthAdjust",
}  # fmt: skip
#: CSS properties a ``style`` attribute may keep (everything else is dropped).
STYLE_PROPERTIES = frozenset({
    "color", "background-color", "font-weight", "font-style", "font-size", "font-family",
    "font-variant", "text-align", "text-decoration", "text-transform", "vertical-align",
    "white-space", "line-height", "letter-spacing", "width", "min-width", "max-width",
    "height", "min-height", "max-height", "margin", "margin-top", "margin-right",
    "margin-bottom", "margin-left", "padding", "padding-top", "padding-right",
    "padding-bottom", "padding-left", "border", "border-top", "border-right", "border-bottom",
    "border-left", "border-color", "border-width", "border-style", "border-collapse",
    "border-radius", "border-spacing", "display", "overflow-x", "overflow-wrap",
    "word-break", "list-style", "list-style-type", "fill", "fill-opacity", "stroke",
    "stroke-width", "stroke-opacity", "stroke-dasharray", "opacity", "text-anchor",
    "font-variant-numeric", "visibility", "clip-path",
})  # fmt: skip
_URL_ATTRS = {"href", "src", "xlink:href"}
_IMAGES = {"img", "image"}
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]*$")
_WEB_LINK = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_BAD = re.compile(r"@import|expression\s*\(|image-set|\\|javascript:|behaviou?r", re.I)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def strip_ansi(text: str) -> str:
    """Remove ANSI colour codes (as in IPython tracebacks).

    >>> strip_ansi("\\x1b[0;31mValueError\\x1b[0m: bad")
    'ValueError: bad'
    """
    return _ANSI.sub("", text)


def _css_urls(value: str, prefix: str) -> str | None:
    """``value`` with ``url(#id)`` prefixed; None if it references anything but ``#``/data."""
    if _CSS_BAD.search(value):
        return None
    if value.lower().count("url(") != len(_CSS_URL.findall(value)):
        return None  # an url( the pattern did not understand
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

    out = _CSS_URL.sub(repl, value)
    return out if ok else None


def _url(tag: str, value: str, prefix: str, allow_links: bool) -> str | None:
    v = value.strip()
    if v.startswith("#") and tag not in _IMAGES:
        return "#" + (prefix if tag != "a" else "") + v[1:]
    if tag in _IMAGES and _DATA_IMAGE.match(v):
        return v
    if tag == "a" and allow_links and _WEB_LINK.match(v):
        return v
    return None


def _attribute_filter(prefix: str, allow_links: bool):
    def keep(tag: str, attr: str, value: str) -> str | None:
        if attr in _URL_ATTRS:
            return _url(tag, value, prefix, allow_links)
        if attr == "id":
            return prefix + value
        if attr == "style" or "url(" in value.lower():
            return _css_urls(value, prefix)
        return value

    return keep


def _cleaner(prefix: str, allow_links: bool) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=_HTML_TAGS | _SVG_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes={"*": _ATTRIBUTES, "input": {"type"} | _ATTRIBUTES},
        generic_attribute_prefixes={"aria-"},
        attribute_filter=_attribute_filter(prefix, allow_links),
        url_schemes={"http", "https", "mailto", "data"},
        link_rel="noopener noreferrer",
        filter_style_properties=set(STYLE_PROPERTIES),
        set_tag_attribute_values={"input": {"disabled": ""}},
        strip_comments=True,
    )


_DEFAULT_CLEANERS: dict[bool, nh3.Cleaner] = {}


def sanitize(
    fragment: str,
    *,
    id_prefix: str = "",
    allow_links: bool = False,
    mask_ids: bool = True,
    masker: Masker | None = None,
) -> str:
    """Return ``fragment`` masked (id columns) and cleaned by nh3 (see the module docstring).

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
        Mask ids (:mod:`cxkit.report.masking`): cells under an id-column header, id pairs in
        chart descriptions, axes of ids, id-shaped tokens and ids seen elsewhere on the page.
    masker : Masker, optional
        The page's masker (its id columns and the ids it has seen); a fresh one by default.

    Returns
    -------
    str
        HTML that runs no code and loads nothing from the network.

    Examples
    --------
    >>> sanitize('<img src=x onerror=alert(1)><b onclick="x()">hi</b><script>alert(1)</script>')
    '<b>hi</b>'
    >>> sanitize('<div style="position:fixed;top:0;color:red">x</div>')
    '<div style="color:red">x</div>'
    >>> sanitize('<a href="https://example.com">x</a><a href="javascript:alert(1)">y</a>')
    '<a rel="noopener noreferrer">x</a><a rel="noopener noreferrer">y</a>'
    >>> sanitize("<table><tr><th>customer_id</th><th>n</th></tr><tr><td>C042</td><td>3</td></tr></table>")
    '<table><tbody><tr><th>customer_id</th><th>n</th></tr><tr><td>•••</td><td>3</td></tr></tbody></table>'
    """
    if mask_ids and masker is None:
        masker = Masker()
    text = _prepass(fragment, masker if mask_ids else None)
    if id_prefix:
        cleaner = _cleaner(id_prefix, allow_links)
    else:
        cleaner = _DEFAULT_CLEANERS.get(allow_links)
        if cleaner is None:
            cleaner = _DEFAULT_CLEANERS[allow_links] = _cleaner("", allow_links)
    cleaned = cleaner.clean(text)
    if not mask_ids:
        return cleaned
    return masker.html_text(
        _TAG_TEXT.sub(lambda m: ">" + _mask_text(m.group(1), masker) + "<", cleaned)
    )


_TAG_TEXT = re.compile(r">([^<]+)<")


def _mask_text(escaped: str, masker: Masker) -> str:
    """Id pairs and id-shaped tokens in one text node of cleaned HTML (kept escaped)."""
    raw = html.unescape(escaped)
    masked = masker.text(raw)
    return escaped if masked == raw else html.escape(masked, quote=False)


# ---------------------------------------------------------------------------------------------
# id masking: a pass-through parser that blanks the cells under id-column headers
# ---------------------------------------------------------------------------------------------
class _Table:
    """Column bookkeeping of one open table (cells spanning rows and columns included)."""

    def __init__(self) -> None:
        self.mask: set[int] = set()
        self.col = -1
        self.header_done = False
        self.in_header_row = False
        self.in_thead = False
        self.th_text: list[str] | None = None
        self.th_start = 0
        self.masking = False
        self.spans: dict[int, int] = {}  # column → rows still covered by a rowspan above
        self.occupied: set[int] = set()
        self.first: list[str] | None = None  # text of a body row's first cell
        self.row_masked = False  # a body row headed by an id name (a transposed frame)


class _PrePass(HTMLParser):
    """Re-emits its input unchanged except the content of masked cells, id text in chart
    descriptions and axes, and images that are not inline (nh3 cleans the result; this pass
    is not what makes it safe)."""

    def __init__(self, masker: Masker | None) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.tables: list[_Table] = []
        self.n_masked = 0
        self.masker = masker
        self.id_axes: list[int] = []  # depth of <g> groups of an axis/legend titled by an id
        self.depth = 0

    @staticmethod
    def _remote_image(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag not in _IMAGES:
            return False
        urls = [(v or "").strip() for k, v in attrs if k in _URL_ATTRS]
        return not any(_DATA_IMAGE.match(u) for u in urls)

    def _masking(self) -> bool:
        return bool(self.tables) and (self.tables[-1].masking)

    def _tag_text(self, tag: str, attrs: list[tuple[str, str | None]], close: str) -> str:
        """The start tag, rebuilt only when an attribute had id text masked."""
        raw = self.get_starttag_text() or f"<{tag}{close}>"
        m = self.masker
        if m is None or not any(k in {"aria-label", "title", "alt"} for k, _ in attrs):
            return raw
        changed = False
        parts = []
        for k, v in attrs:
            if k in {"aria-label", "title", "alt"} and v:
                new = m.text(v)
                if m.titled_by_id(v) and ": " in v:  # "…titled 'customer_id' … values: C1, C2"
                    new = new[: new.rindex(": ") + 2] + MASK
                changed |= new != v
                v = new
            parts.append(k if v is None else f'{k}="{html.escape(v, quote=True)}"')
        return f"<{tag} {' '.join(parts)}{close}>" if changed else raw

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._masking():
            if tag not in {"td", "th", "tr", "table"}:
                return
            self.tables[-1].masking = False  # an unclosed cell ends at the next one
        if self._remote_image(tag, attrs):
            return  # an image that is not inline is dropped entirely
        if tag == "g":
            self.depth += 1
            label = dict(attrs).get("aria-label") or ""
            if self.masker is not None and self.masker.titled_by_id(label):
                self.id_axes.append(self.depth)
        self.out.append(self._tag_text(tag, attrs, ""))
        if self.masker is not None:
            self._table_start(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._masking() and not self._remote_image(tag, attrs):
            self.out.append(self._tag_text(tag, attrs, "/"))

    def _cell_column(self, t: _Table, attrs: list[tuple[str, str | None]]) -> int:
        a = dict(attrs)
        span = a.get("colspan") or "1"
        rows = a.get("rowspan") or "1"
        col = t.col + 1
        while col in t.occupied:
            col += 1
        width = int(span) if span.isdigit() and int(span) > 0 else 1
        t.col = col + width - 1
        if rows.isdigit() and int(rows) > 1:
            for c in range(col, col + width):
                t.spans[c] = int(rows) - 1
        return col

    def _table_start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
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
            t.occupied = {c for c, n in t.spans.items() if n > 0}
            t.spans = {c: n - 1 for c, n in t.spans.items() if n > 1}
            t.first, t.row_masked = None, False
            # every row of a <thead> is a header row: pandas puts an index name (e.g. a
            # customer_id index) in the second one
            t.in_header_row = t.in_thead or not t.header_done
        elif tag in {"th", "td"}:
            col = self._cell_column(t, attrs)
            if t.in_header_row and tag == "th":
                t.th_text, t.th_start = [], len(self.out)
            elif t.header_done and not t.in_thead and (col in t.mask or t.row_masked):
                t.masking = True
                self.out.append(MASK)
                self.n_masked += 1
            elif col == 0 and not t.in_header_row:
                t.first = []

    def _end_cell(self, t: _Table) -> None:
        m = self.masker
        if t.th_text is not None:
            text = "".join(t.th_text).strip()
            if m is not None and m.is_id(text):
                t.mask.add(t.col)
            elif m is not None and text and m.text(text) != text:  # ids as headers: a pivot
                self.out[t.th_start :] = [MASK]
            t.th_text = None
        if t.first is not None:
            if m is not None and m.is_id("".join(t.first).strip()):
                t.row_masked = True  # the rest of the row holds ids (a transposed frame)
            t.first = None
        t.masking = False

    def handle_endtag(self, tag: str) -> None:
        if self._masking() and tag not in {"td", "th", "tr", "table"}:
            return
        if tag == "g":
            if self.id_axes and self.id_axes[-1] == self.depth:
                self.id_axes.pop()
            self.depth -= 1
        self.out.append(f"</{tag}>")
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
            self._end_cell(t)

    def handle_data(self, data: str) -> None:
        if self.tables:
            t = self.tables[-1]
            if t.masking:
                if self.masker is not None:
                    self.masker.learn(data)
                return
            if t.th_text is not None:
                t.th_text.append(data)
            if t.first is not None:
                t.first.append(data)
        if self.id_axes and data.strip() and not self.masker.is_id(data):
            self.masker.learn(data)  # a tick label of an axis of ids
            data = MASK
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        return  # dropped (nh3 would drop it too)

    def handle_decl(self, decl: str) -> None:
        return

    def handle_pi(self, data: str) -> None:
        return

    def unknown_decl(self, data: str) -> None:
        return

    def result(self) -> str:
        self.close()
        return "".join(self.out)


def mask_id_columns(fragment: str, masker: Masker | None = None) -> str:
    """``fragment`` with every cell under an id-column header replaced by :data:`MASK` (and
    every ``<img>``/``<image>`` that is not an inline ``data:`` image removed).

    Not a sanitiser: :func:`sanitize` runs nh3 on the result.

    >>> mask_id_columns("<table><tr><th>unit_id</th></tr><tr><td><b>U7</b></td></tr></table>")
    '<table><tr><th>unit_id</th></tr><tr><td>•••</td></tr></table>'
    """
    parser = _PrePass(masker or Masker())
    parser.feed(fragment)
    return parser.result()


def _prepass(fragment: str, masker: Masker | None) -> str:
    low = fragment.lower()
    if "<im" not in low and not (masker is not None and ("<t" in low or "<g" in low)):
        return fragment
    parser = _PrePass(masker)
    parser.feed(fragment)
    return parser.result()


_MARKDOWN = None


def markdown_to_html(
    text: str,
    *,
    attachments: dict[str, str] | None = None,
    allow_links: bool = True,
    masker: Masker | None = None,
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
    return sanitize(str(rendered).strip(), allow_links=allow_links, masker=masker)
