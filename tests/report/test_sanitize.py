"""The nh3 sanitiser with our id-masking pass, and markdown."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from _report_html import EVIL, EVIL_TEXT, assert_inert

from cxkit.report.sanitize import markdown_to_html, sanitize

REPO = Path(__file__).resolve().parents[2]
DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
NB_DIR = Path(__file__).resolve().parents[1] / "notebooks"
PARAMS_NB = (NB_DIR / "params_and_escaping.ipynb").as_posix()


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
    assert '<a rel="noopener noreferrer">e</a>' in clean and "<div>s</div>" in clean


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
    # a stray cell loses its tag (not its text); open elements are closed inside the fragment
    assert clean == "x<div><table><tbody><tr><td>open</td></tr></tbody></table></div>"


def test_markdown_escapes_raw_html_and_drops_unsafe_urls():
    out = markdown_to_html(
        f"# Worst: {EVIL}\n\n[click](javascript:alert(1)) [docs](https://example.org) "
        "![x](https://cdn.example.com/t.png) <script>alert(1)</script>"
    )
    assert f"<h1>Worst: {EVIL_TEXT}</h1>" in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert '<a href="https://example.org" rel="noopener noreferrer">docs</a>' in out
    assert "cdn.example.com" not in out and "javascript" not in out
    # links to the web are allowed only in the author's markdown cells, not in outputs
    assert "href" not in markdown_to_html("[docs](https://example.org)", allow_links=False)


def test_a_real_chart_svg_survives_nh3():
    import altair as alt
    import vl_convert as vlc

    frame = pl.DataFrame({"touchpoint": ["web", "ivr"], "share": [0.4, 0.7]})
    chart = alt.Chart(frame).mark_bar(clip=True).encode(x="touchpoint", y="share")
    svg = vlc.vegalite_to_svg(chart.to_dict())
    clean = sanitize(svg, id_prefix="c1-")
    assert clean.startswith("<svg") and 'viewBox="' in clean
    # every drawing element and its geometry survive; clip-path ids are prefixed
    for tag in ("path", "text", "line", "rect", "clipPath"):
        assert clean.count(f"<{tag}") == svg.count(f"<{tag}"), tag
    assert 'id="c1-clip1"' in clean and 'clip-path="url(#c1-clip1)"' in clean
    assert ">web<" in clean and ">ivr<" in clean
    assert_inert(clean)


def test_nh3_drops_scripts_handlers_javascript_urls_and_fixed_overlays():
    dirty = (
        '<div style="position:fixed;top:0;left:0;width:100%;height:100%;z-index:9;color:red">'
        "overlay</div><script>alert(1)</script>"
        '<img src="data:image/png;base64,iVBORw0KGgo=" onerror="alert(1)">'
        '<a href="javascript:alert(1)">j</a><svg><a href="javascript:alert(2)"><text>t</text></a>'
        '<rect style="fill:#0072B2;position:absolute" width="3"/></svg>'
        '<table><tr><td style="text-align: right; background:url(https://x.org/t.png)">1</td>'
        "</tr></table>"
    )
    clean = sanitize(dirty)
    assert "<script" not in clean and "alert(1)</" not in clean
    assert "onerror" not in clean and "javascript" not in clean
    assert "position" not in clean and "z-index" not in clean and "top:" not in clean
    assert '<div style="width:100%;height:100%;color:red">overlay</div>' in clean
    assert '<img src="data:image/png;base64,iVBORw0KGgo=">' in clean  # inline image kept
    assert 'style="fill:#0072B2"' in clean  # the allowed property of the SVG element stays
    assert "x.org" not in clean and ">1</td>" in clean
    assert_inert(clean)


def test_only_allowed_css_properties_survive():
    from cxkit.report.sanitize import STYLE_PROPERTIES

    assert "position" not in STYLE_PROPERTIES and "color" in STYLE_PROPERTIES
    out = sanitize('<span style="color:red;transform:scale(9);cursor:pointer">x</span>')
    assert out == '<span style="color:red">x</span>'
