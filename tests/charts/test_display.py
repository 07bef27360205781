"""How cxkit charts show themselves: no global side effects, interactive Vega-Lite v5 in
JupyterLab with a static SVG (tooltips as <title>) alongside, one call to switch, offline save."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import warnings

import altair as alt
import polars as pl
import pytest
import vl_convert as vlc

import cxkit as cx
from cxkit import journey as j
from cxkit.charts.theme import VEGALITE_V5
from cxkit.sample import make_customers, make_events


@pytest.fixture(scope="module")
def built():
    ev = make_events(1_200, seed=7)
    cu = make_customers(ev, seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.CxDataWarning)
        return {
            "sankey": cx.charts.sankey(j.step_flows(ev, max_steps=4)),
            "heatmap": cx.charts.transition_heatmap(j.transitions(ev)),
            "funnel": cx.charts.funnel_chart(j.funnel(ev, ["web visit", "ivr"])),
            "emotion": cx.charts.emotion_curve(j.stage_scores(ev)),
            "pain": cx.charts.pain_point_chart(j.pain_points(ev, cu, outcome="churned")),
        }


@pytest.fixture
def mode():
    previous = cx.charts.get_mode()
    yield
    cx.charts.set_mode(previous)


def test_import_changes_no_altair_global_state():
    code = (
        "import altair as alt, cxkit as cx, polars as pl\n"
        "cx.charts.scores_chart\n"
        "print(alt.renderers.active, alt.theme.active)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["default", "default"]


def test_use_theme_is_the_opt_in():
    before = alt.theme.active
    try:
        cx.charts.use_theme()
        assert alt.theme.active == "cxkit"
    finally:
        alt.theme.enable(before)


def test_interactive_bundle_is_vegalite_v5_with_theme_and_svg_titles(built, mode):
    cx.charts.set_mode("interactive")
    for name, chart in built.items():
        bundle, metadata = chart._repr_mimebundle_()
        spec = bundle[VEGALITE_V5]
        assert metadata[VEGALITE_V5]["embed_options"]["renderer"] == "svg", name
        assert spec["$schema"].endswith("/vega-lite/v5.json"), name
        assert spec["config"]["font"].startswith("Helvetica"), name  # the theme, in its config
        assert spec["config"]["range"]["category"] == cx.charts.PALETTE, name
        # JupyterLab 4.6 bundles Vega-Lite 5: the spec compiles with a v5 compiler
        assert vlc.vegalite_to_vega(spec, vl_version="5.8")["$schema"].endswith("v5.json"), name
        assert bundle["image/svg+xml"].count("<title>") >= 3, name  # a tooltip per mark


def test_static_mode_is_one_call_and_drops_the_script(built, mode):
    assert cx.charts.set_mode("static") in cx.charts.MODES
    bundle = built["funnel"]._repr_mimebundle_()[0]
    assert VEGALITE_V5 not in bundle
    assert bundle["image/svg+xml"].startswith("<svg")
    assert cx.charts.set_mode("interactive") == "static"
    assert VEGALITE_V5 in built["funnel"]._repr_mimebundle_()[0]


def test_bad_mode_lists_the_choices():
    with pytest.raises(cx.CxDataError, match="'interactive', 'static'"):
        cx.charts.set_mode("svg")


def test_tooltip_text_reaches_the_static_svg():
    frame = pl.DataFrame({"touchpoint": ["web", "<b>ivr</b>"], "estimate": [0.5, 0.75]})
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x="touchpoint",
            y="estimate",
            tooltip=[alt.Tooltip("estimate", format=".0%", title="CSAT")],
        )
    )
    svg = cx.charts.to_svg(chart)
    assert svg.count("<title>") == 2
    assert "CSAT: 75%</title>" in svg
    assert "&lt;b&gt;ivr&lt;/b&gt;" in svg and "<b>" not in svg  # escaped, not markup


def test_compositions_of_cxkit_charts_work_and_can_be_themed(built):
    both = built["funnel"] | built["emotion"]  # no "config in a sub-chart" error
    assert "$schema" in both.to_dict()
    themed = cx.charts.themed(both)
    assert isinstance(themed, alt.HConcatChart)
    assert themed.to_dict()["config"]["font"].startswith("Helvetica")
    # a modified cxkit chart keeps the cxkit display
    wide = built["funnel"].properties(width=700)
    assert VEGALITE_V5 in wide._repr_mimebundle_()[0]


@pytest.mark.parametrize("suffix", ["html", "svg", "png", "json"])
def test_save_writes_offline_files(built, tmp_path, suffix):
    out = cx.charts.save(built["emotion"], tmp_path / f"curve.{suffix}")
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    data = out.read_bytes()
    if suffix == "html":
        text = data.decode()
        assert "<script" in text and "vegaEmbed" in text
        assert "cdn.jsdelivr" not in text and 'src="http' not in text  # nothing from a CDN
    elif suffix == "svg":
        assert data.startswith(b"<svg") and b"<title>" in data
    elif suffix == "png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert json.loads(data)["config"]["font"].startswith("Helvetica")
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


def test_altair_save_on_a_cxkit_chart_is_offline_too(built, tmp_path):
    built["funnel"].save(str(tmp_path / "f.html"))
    assert "cdn.jsdelivr" not in (tmp_path / "f.html").read_text()


def test_save_rejects_unknown_formats_and_non_charts(built, tmp_path):
    with pytest.raises(cx.CxDataError, match="'html', 'svg', 'png', 'json'"):
        cx.charts.save(built["funnel"], tmp_path / "f.pdf")
    with pytest.raises(cx.CxDataError, match="expected an Altair chart"):
        cx.charts.save(pl.DataFrame({"a": [1]}), tmp_path / "f.svg")


def test_wrong_frame_is_a_cx_data_error_naming_the_source(built):
    with pytest.raises(cx.CxDataError, match="columns missing"):
        cx.charts.funnel_chart(pl.DataFrame({"x": [1]}))
    with pytest.raises(cx.CxDataError, match="got LazyFrame"):
        cx.charts.funnel_chart(pl.DataFrame({"x": [1]}).lazy())
