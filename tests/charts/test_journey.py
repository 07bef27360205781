"""Journey charts: built from result frames, rendered offline, labels stay text, nothing hidden."""

from __future__ import annotations

import datetime as dt
import re

import altair as alt
import polars as pl
import pytest
import vl_convert as vlc

import cxkit as cx
from cxkit import journey as j
from cxkit.charts._sankey import sankey_layout
from cxkit.sample import make_customers, make_events

HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.fixture(scope="module")
def sample():
    ev = make_events(1_500, seed=4)
    # one hostile touchpoint name, visited by enough customers to show everywhere
    ev = ev.with_columns(
        touchpoint=pl.when(pl.col("touchpoint") == "ivr")
        .then(pl.lit(HOSTILE))
        .otherwise("touchpoint")
    )
    return ev, make_customers(ev, seed=4)


def charts(ev, cu):
    return {
        "sankey": cx.charts.sankey(j.step_flows(ev, max_steps=4)),
        "heatmap": cx.charts.transition_heatmap(j.transitions(ev)),
        "funnel": cx.charts.funnel_chart(j.funnel(ev, ["web visit", HOSTILE], by="channel")),
        "emotion": cx.charts.emotion_curve(j.stage_scores(ev)),
        "pain": cx.charts.pain_point_chart(j.pain_points(ev, cu, outcome="churned")),
    }


def test_every_chart_renders_offline_with_inert_labels(sample):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.CxDataWarning)
        built = charts(*sample)
    for name, chart in built.items():
        assert isinstance(chart, alt.TopLevelMixin), name
        svg = vlc.vegalite_to_svg(chart.to_json())
        assert "<svg" in svg, name
        assert "<img" not in svg, name  # the label is text, not markup
        assert "&lt;img" in svg, name  # … and it is shown, escaped


def test_sankey_layout_is_to_scale_and_shows_what_is_cut():
    t = [dt.datetime(2024, 1, 1, h) for h in range(5)]
    ev = pl.DataFrame(
        {
            "customer_id": ["a"] * 4 + ["b"],
            "timestamp": t[:4] + t[:1],
            "touchpoint": ["web", "call", "shop", "web", "web"],
        }
    )
    flows = j.step_flows(ev, max_steps=2)
    nodes, links = sankey_layout(flows, gap=0.0)
    sizes = {
        (x, label): share for x, label, share in nodes.select("x", "label", "share").iter_rows()
    }
    # step 1: both customers at web; b ends there, a goes on to call and continues past step 2
    assert sizes[(1, "web")] == 1.0
    assert sizes[(2, "(end)")] == 0.5
    assert sizes[(3, "(continues)")] == 0.5
    assert set(links["kind"]) == {"drop-off", "flow", "continues"}
    # each column adds up to all customers still on their journey
    assert nodes.filter(pl.col("x") == 1)["share"].sum() == 1.0


def test_heatmap_says_what_it_leaves_out(sample):
    ev, _ = sample
    chart = cx.charts.transition_heatmap(j.transitions(ev), top=3)
    subtitle = " ".join(
        chart.to_dict()["title"]["subtitle"]
        if isinstance(chart.to_dict()["title"]["subtitle"], list)
        else [chart.to_dict()["title"]["subtitle"]]
    )
    assert "Showing 3 of 11 touchpoints" in subtitle and "not shown" in subtitle


def test_wrong_frame_is_a_clear_error(sample):
    ev, _ = sample
    with pytest.raises(ValueError, match="step_flows"):
        cx.charts.sankey(j.transitions(ev))
    with pytest.raises(ValueError, match="cx.journey.pain_points"):
        cx.charts.pain_point_chart(j.paths(ev))


def _layer_values(chart, field):
    """The values of ``field`` in the data of a layered chart (inline datasets)."""
    spec = chart.to_dict()
    out = []
    for rows in spec.get("datasets", {}).values():
        out += [r[field] for r in rows if field in r]
    return out


PAIN_NEW = pl.DataFrame(
    {
        "touchpoint": ["ivr", "web", "shop", "app"],
        "effect": [0.10, -0.08, 0.01, None],
        "ci_low": [0.05, -0.12, -0.02, None],
        "ci_high": [0.15, -0.03, 0.04, None],
        "p_adj": [0.001, 0.01, 0.6, None],
        "base_flag": ["ok", "ok", "small base", "suppressed"],
        "n_passed": [500, 400, 40, 3],
    }
)
PAIN_OLD = (
    PAIN_NEW.rename({"effect": "diff"})
    .with_columns(low_base=pl.col("base_flag") == "suppressed")
    .drop("base_flag")
)


@pytest.mark.parametrize("frame", [PAIN_NEW, PAIN_OLD], ids=["effect/base_flag", "diff/low_base"])
def test_pain_point_chart_takes_old_and_new_column_names(frame):
    chart = cx.charts.pain_point_chart(frame)
    verdicts = dict(
        zip(_layer_values(chart, "touchpoint"), _layer_values(chart, "verdict"), strict=True)
    )
    assert verdicts == {
        "IVR": "more outcome, statistically clear",
        "Web": "less outcome, statistically clear",
        "Shop": "not statistically clear",
        "App": "too few customers (not tested)",
    }
    assert "effect" in chart.to_json() and '"diff' not in chart.to_json()
    assert "<svg" in vlc.vegalite_to_svg(chart.to_json())


def test_pain_point_chart_in_points_with_the_outcome_in_words():
    """Issue 12: a difference of rates is in points, as the text says; no 'significant', no
    raw outcome name ("churned rate") where a reader looks."""
    chart = cx.charts.pain_point_chart(PAIN_NEW, outcome="churned")
    assert _layer_values(chart, "effect")[:3] == pytest.approx([10.0, -8.0, 1.0])
    spec = chart.to_dict()
    x = spec["layer"][1]["encoding"]["x"]
    assert x["title"] == "Churn rate, passed − not passed (percentage points)"
    assert x["axis"]["format"] == "+.0f"
    assert set(_layer_values(chart, "verdict")) == {
        "more churn, statistically clear", "less churn, statistically clear",
        "not statistically clear", "too few customers (not tested)",
    }  # fmt: skip
    svg = vlc.vegalite_to_svg(chart.to_json())
    assert "significant" not in svg.replace("not statistically", "") and "churned" not in svg


STAGES_NEW = pl.DataFrame(
    {
        "order": [1, 2, 3],
        "stage": ["aware", "buy", "use"],
        "n": [300, 12, 200],
        "estimate": [4.1, 3.0, 3.8],
        "ci_low": [4.0, 2.5, 3.7],
        "ci_high": [4.2, 3.5, 3.9],
        "base_flag": ["ok", "small base", "ok"],
    }
)
STAGES_OLD = STAGES_NEW.with_columns(low_base=pl.col("base_flag") != "ok").drop("base_flag")


@pytest.mark.parametrize("frame", [STAGES_NEW, STAGES_OLD], ids=["base_flag", "low_base"])
def test_emotion_curve_greys_flagged_stages_from_old_or_new_columns(frame):
    chart = cx.charts.emotion_curve(frame)
    flagged = dict(
        zip(_layer_values(chart, "label"), _layer_values(chart, "flagged"), strict=False)
    )
    assert flagged == {"Aware": False, "Buy": True, "Use": False}  # stage codes in words
    assert "datum.flagged" in chart.to_json()
    assert "<svg" in vlc.vegalite_to_svg(chart.to_json())


def test_emotion_curve_bases_sit_in_a_row_above_the_plot_clear_of_the_line():
    spec = cx.charts.emotion_curve(STAGES_NEW.with_columns(n=pl.Series([3000, 12, 200]))).to_dict()
    text = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert len(text) == 1
    enc = text[0]["encoding"]
    assert enc["y"] == {"value": -4}  # a fixed row above the plot area, not on a data value
    assert text[0]["mark"]["baseline"] == "bottom"
    rows = spec["datasets"][spec["data"]["name"]] if "data" in spec else None
    labels = [r["n_label"] for r in (rows or spec["datasets"][text[0]["data"]["name"]])]
    assert labels == ["n=3,000", "n=12", "n=200"]
    assert spec["width"] == {"step": 52}  # room for each base label
    assert spec["layer"][0]["encoding"]["x"]["title"] == "Stage"


def test_heatmap_cells_hold_short_shares_and_the_legend_is_in_words(sample):
    ev, _ = sample
    spec = cx.charts.transition_heatmap(j.transitions(ev)).to_dict()
    rect, text = spec["layer"]
    legend_title = rect["encoding"]["color"]["legend"]["title"]
    assert legend_title == "Share moving on" and "_" not in legend_title
    assert text["encoding"]["text"] == {"field": "p_out", "type": "quantitative", "format": ".0%"}
    assert spec["width"] / 12 >= 30  # a cell per column fits "100%" at 9 px
    counts = cx.charts.transition_heatmap(j.transitions(ev), value="n").to_dict()
    assert counts["layer"][1]["encoding"]["text"]["format"] == ".2~s"  # 1,234 → 1.2k
    assert counts["layer"][0]["encoding"]["color"]["legend"]["title"] == "Transitions"


def test_sankey_names_the_colour_it_draws_and_the_notebook_says_the_same(sample):
    import json
    from pathlib import Path

    from cxkit.charts.theme import COLOUR_WORDS

    ev, _ = sample
    spec = cx.charts.sankey(j.step_flows(ev, max_steps=3)).to_dict()
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    drop = dict(zip(scale["domain"], scale["range"], strict=True))["drop-off"]
    word = COLOUR_WORDS[drop]
    assert word == "orange"  # #D55E00 (Okabe–Ito vermillion) reads as orange
    subtitle = " ".join(spec["title"]["subtitle"])
    assert f"{word.capitalize()}: journey ended" in subtitle and "Red" not in subtitle
    nb = json.loads((Path(__file__).parents[2] / "notebooks" / "journey_map.ipynb").read_text())
    text = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert f"{word.capitalize()} bands are customers whose journey ended" in text
    assert "red band" not in text.lower()


def test_emotion_curve_axis_names_the_scale():
    def y_titles(chart) -> set:
        return {
            lay["encoding"]["y"].get("title")
            for lay in chart.to_dict()["layer"]
            if isinstance(lay.get("encoding", {}).get("y"), dict)
        } - {None}

    assert y_titles(cx.charts.emotion_curve(STAGES_NEW)) == {"Mean score (1–5 scale)"}
    assert y_titles(cx.charts.emotion_curve(STAGES_NEW, scale="0–10")) == {
        "Mean score (0–10 scale)"
    }
    assert y_titles(cx.charts.emotion_curve(STAGES_NEW, scale="")) == {"Mean score"}


def test_journey_charts_name_touchpoints_in_reader_words():
    """Sankey, heatmap and emotion curve show codes as the findings do ("ivr" → "IVR",
    "agent_call" → "Agent call"), the heatmap's sort lists too; special labels stay."""
    t = [dt.datetime(2024, 1, 1, h) for h in range(4)]
    ev = pl.DataFrame(
        {
            "customer_id": ["a"] * 3 + ["b"] * 3 + ["c"],
            "timestamp": t[:3] * 2 + t[:1],
            "touchpoint": ["web", "ivr", "agent_call"] * 2 + ["ivr"],
            "score": [4, 2, 3, 5, 1, 3, 2],
        }
    )
    shown = {
        "sankey": cx.charts.sankey(j.step_flows(ev, max_steps=2)),
        "heatmap": cx.charts.transition_heatmap(j.transitions(ev)),
        "emotion": cx.charts.emotion_curve(j.stage_scores(ev, min_base=1)),
    }
    for name, chart in shown.items():
        svg = vlc.vegalite_to_svg(chart.to_json())
        texts = set(re.findall(r">([^<]+)</text>", svg))
        assert {"IVR", "Agent call"} & {x.rsplit(" ", 1)[0] for x in texts}, name
        assert not any(x.startswith(("ivr", "agent_call", "web ")) for x in texts), (name, texts)
    heat = shown["heatmap"].to_dict()["layer"][0]["encoding"]
    assert heat["y"]["sort"] == ["(start)", "IVR", "Agent call", "Web"]
    assert heat["x"]["sort"] == ["IVR", "Agent call", "Web", "(end)"]
    sankey_svg = vlc.vegalite_to_svg(shown["sankey"].to_json())
    assert "IVR 33%" in sankey_svg and "(continues)" in sankey_svg
