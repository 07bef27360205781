"""Experiment charts render offline (vl-convert SVG) and show the labels from the data."""

from __future__ import annotations

import polars as pl
import pytest
import vl_convert as vlc

import cxkit as cx
from cxkit import experiment as ex
from cxkit.sample.experiment import make_experiment


@pytest.fixture(scope="module")
def data() -> pl.DataFrame:
    return make_experiment(6000, n_agents=60)


@pytest.fixture(scope="module")
def result(data):
    return ex.analyze(
        data,
        control="control",
        metrics={
            "resolved": "proportion",
            "handle_time": {"kind": "mean", "higher_is_better": False},
        },
        cluster="agent_id",
        segment="channel",
    )


def _svg(chart) -> str:
    return vlc.vegalite_to_svg(chart.to_dict())


def test_forest_plot_renders_metrics_arms_and_segments(result):
    svg = _svg(cx.charts.forest_plot(result.effects, title="Call script test"))
    for label in (
        "Call script test",
        "resolution (percentage points)",
        "handle time (s)",
        "New script",
    ):
        assert label in svg
    assert "new_script" not in svg
    seg = _svg(cx.charts.forest_plot(result.segments))
    for label in ("Chat · New script", "Email · New script", "Phone · New script"):
        assert label in seg


def test_forest_plot_escapes_markup_and_reports_missing_rows(result):
    eff = result.effects.with_columns(pl.lit("<b>x</b>").alias("arm"))
    eff = pl.concat([eff, eff.head(1).with_columns(pl.lit(None, pl.Float64).alias("effect"))])
    svg = _svg(cx.charts.forest_plot(eff))
    assert "&lt;b&gt;x&lt;/b&gt;" in svg and "<b>" not in svg
    assert "not estimable: 1 row(s)" in svg


def test_distribution_chart_histogram_and_ratings(data):
    hist = ex.distribution(data, column="handle_time")
    assert hist.group_by("arm").agg(pl.col("share").sum())["share"].to_list() == pytest.approx(
        [1.0, 1.0]
    )
    svg = _svg(cx.charts.distribution_chart(hist))
    assert "Control" in svg and "New script" in svg and "last bin holds every value" in svg
    ratings = ex.distribution(data, column="csat")
    assert sorted(ratings["bin_low"].unique().to_list()) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert "share of each arm's units per value" in _svg(cx.charts.distribution_chart(ratings))


def test_checks_badge_shows_ok_and_alarm(result):
    svg = _svg(cx.charts.checks_badge(result.checks))
    assert "Sample ratio: OK" in svg and "Survey response rate: OK" in svg
    alarm = result.checks.with_columns(pl.lit(True).alias("alarm"), pl.lit(1e-5).alias("p_value"))
    assert "Sample ratio: ALARM (p = 1e-05)" in _svg(cx.charts.checks_badge(alarm))


def test_chart_needs_the_right_frame(result):
    with pytest.raises(ValueError, match="columns missing"):
        cx.charts.forest_plot(result.checks)


@pytest.fixture(scope="module")
def looks(data):
    return ex.monitor(
        data,
        control="control",
        metrics={"resolved": "proportion", "handle_time": "mean"},
        period="week",
    )


def test_sequential_chart_spec(looks):
    chart = cx.charts.sequential_chart(looks, title="Weekly looks")
    spec = chart.to_dict()
    assert spec["title"]["text"] == "Weekly looks"
    assert "8 looks" in spec["title"]["subtitle"][1]
    layers = spec["spec"]["layer"]
    assert [lay["mark"]["type"] for lay in layers] == ["rule", "point", "rule", "point"]
    zero, _, bars, dots = layers
    assert zero["mark"]["strokeDash"] == [4, 3] and zero["encoding"]["y"]["field"] == "zero"
    enc = bars["encoding"]
    assert (enc["x"]["field"], enc["x"]["type"]) == ("look", "ordinal")
    assert (enc["y"]["field"], enc["y2"]["field"]) == ("low", "high")
    assert enc["y"]["title"] == "effect (treatment − control)"
    assert enc["color"]["scale"]["domain"] == [
        "always-valid interval",
        "naive interval (one planned look only)",
    ]
    assert enc["xOffset"]["field"] == "interval" and dots["encoding"]["y"]["field"] == "effect"
    # plain-language titles everywhere a reader sees them (no snake_case)
    titles = [t["title"] for t in enc["tooltip"]] + [enc["x"]["title"], enc["y"]["title"]]
    assert not any("_" in t for t in titles)
    assert spec["spec"]["width"] == 460
    assert spec["facet"]["row"]["field"] == "panel"
    # one panel per metric, each in its unit; proportions in percentage points
    data = pl.DataFrame(spec["datasets"][spec["data"]["name"]])
    assert data["panel"].unique(maintain_order=True).to_list() == [
        "Resolution (percentage points)",
        "Handle time (s)",
    ]
    assert data["look"].n_unique() == 8 and data.height == 2 * 2 * 8
    res = data.filter(
        (pl.col("panel") == "Resolution (percentage points)")
        & (pl.col("interval") == "always-valid interval")
        & (pl.col("look") == "8")
    ).row(0, named=True)
    last = looks.filter((pl.col("metric") == "resolved") & (pl.col("period") == 8)).row(
        0, named=True
    )
    assert res["effect"] == pytest.approx(100 * last["effect"])
    assert res["low"] == pytest.approx(100 * last["ci_low"])


def test_sequential_chart_renders_and_handles_edges(looks):
    svg = _svg(cx.charts.sequential_chart(looks))
    for label in ("Effect estimate, look by look", "always-valid interval", "Resolution"):
        assert label in svg
    # two treatment arms get one panel each; infinite bounds of a first look are dropped
    two = pl.concat([looks, looks.with_columns(pl.lit("<b>b</b>").alias("arm"))])
    two = two.with_columns(
        pl.when(pl.col("period") == 1).then(float("-inf")).otherwise("ci_low").alias("ci_low")
    )
    spec = cx.charts.sequential_chart(two, proportions=[]).to_dict()
    data = pl.DataFrame(spec["datasets"][spec["data"]["name"]])
    assert data["panel"].n_unique() == 4 and "Resolution · <b>b</b> (its own unit)" in set(
        data["panel"]
    )
    assert (
        data.filter((pl.col("look") == "1") & pl.col("interval").str.starts_with("always"))[
            "low"
        ].null_count()
        == 4
    )
    assert "&lt;b&gt;b&lt;/b&gt;" in _svg(cx.charts.sequential_chart(two))
    with pytest.raises(ValueError, match="columns missing"):
        cx.charts.sequential_chart(looks.drop("naive_ci_low"))


@pytest.fixture(scope="module")
def guarded(data):
    return ex.analyze(
        data,
        control="control",
        metrics={
            "resolved": "proportion",
            "handle_time": {"kind": "mean", "higher_is_better": False},
            "repeat_contact": {
                "kind": "proportion",
                "higher_is_better": False,
                "role": "guardrail",
                "margin": 0.02,
            },
        },
    )


def _layers(chart) -> list[dict]:
    return chart.to_dict()["spec"]["layer"]


def _rows(chart) -> list[dict]:
    spec = chart.to_dict()
    return spec["datasets"][spec["data"]["name"]]


def test_forest_plot_rates_in_points_with_units_in_words(guarded):
    chart = cx.charts.forest_plot(guarded)
    rows = {r["panel"]: r for r in _rows(chart)}
    assert set(rows) == {
        "resolution (percentage points)",
        "handle time (s)",
        "repeat contacts (percentage points)",
    }
    raw = guarded.effects.filter(pl.col("metric") == "resolved")["effect"][0]
    assert rows["resolution (percentage points)"]["effect"] == pytest.approx(100 * raw)
    ht = guarded.effects.filter(pl.col("metric") == "handle_time")["effect"][0]
    assert rows["handle time (s)"]["effect"] == pytest.approx(ht)  # not a rate: unchanged
    # from the effects frame alone, rates (values within 0–1) are recognised too
    alone = {r["panel"]: r for r in _rows(cx.charts.forest_plot(guarded.effects))}
    assert alone["resolution (percentage points)"]["effect"] == pytest.approx(100 * raw)


def test_forest_plot_draws_the_guardrail_margin_on_the_worse_side(guarded):
    chart = cx.charts.forest_plot(guarded.effects, details=guarded.details)
    rows = {r["metric"]: r for r in _rows(chart)}
    assert rows["repeat_contact"]["guardrail margin"] == pytest.approx(2.0)  # + 2 pts is worse
    assert rows["resolved"]["guardrail margin"] is None
    lines = _layers(chart)[0]
    assert lines["mark"]["type"] == "rule"
    assert lines["transform"][0]["fold"] == ["no effect", "guardrail margin"]
    assert lines["encoding"]["stroke"]["scale"]["domain"] == ["no effect", "guardrail margin"]
    # without a margin, only the no-effect line is drawn and named
    plain = _layers(cx.charts.forest_plot(guarded.effects))[0]
    assert plain["transform"][0]["fold"] == ["no effect"]


def test_forest_plot_legend_in_words(guarded):
    chart = cx.charts.forest_plot(guarded)
    layers = _layers(chart)
    colour = layers[2]["encoding"]["color"]
    assert colour["legend"]["title"] == "Verdict"
    assert "_" not in "".join(colour["scale"]["domain"])
    assert {r["verdict"] for r in _rows(chart)} <= {
        "better",
        "worse",
        "within its margin",
        "not worse",
        "cannot tell",
    }
    for layer in layers:
        for enc in layer["encoding"].values():
            if isinstance(enc, dict) and "title" in enc and enc["title"]:
                assert "_" not in enc["title"]


def test_distribution_chart_yes_no_metric_in_words(data):
    """A yes/no metric shows No/Yes (not 0/1), the axis is the metric's label, the legend "Arm"."""
    dist = ex.distribution(data, column="resolved")
    spec = cx.charts.distribution_chart(dist, metric="resolved").to_dict()
    enc = spec["encoding"]
    assert enc["x"]["field"] == "answer" and enc["x"]["title"] == "Resolution"
    assert enc["x"]["sort"] == ["No", "Yes"]
    assert enc["color"]["title"] == "Arm"
    rows = spec["datasets"][spec["data"]["name"]]
    yes = {r["arm"]: r["share"] for r in rows if r["answer"] == "Yes"}
    assert yes["Control"] == pytest.approx(
        data.filter(pl.col("arm") == "control")["resolved"].cast(pl.Float64).mean()
    )
    svg = _svg(cx.charts.distribution_chart(dist, metric="resolved"))
    assert ">No<" in svg and ">Yes<" in svg and ">Arm<" in svg and ">value<" not in svg
    # a rating keeps its values, a continuous metric names its unit; no metric: "Value"
    csat = cx.charts.distribution_chart(ex.distribution(data, column="csat"), metric="csat")
    assert csat.to_dict()["encoding"]["x"]["title"] == "CSAT"
    hist = ex.distribution(data, column="handle_time")
    enc = cx.charts.distribution_chart(hist, metric="handle_time").to_dict()["encoding"]
    assert enc["x"]["title"] == "Handle time (s)" and enc["color"]["title"] == "Arm"
    assert cx.charts.distribution_chart(hist).to_dict()["encoding"]["x"]["title"] == "Value"
    tips = [t["title"] for t in enc["tooltip"]]
    assert not any("_" in t for t in tips)


def test_forest_plot_default_title_says_what_it_shows(result):
    spec = cx.charts.forest_plot(result).to_dict()
    assert spec["title"]["text"] == "Difference from control, per metric"
    assert "percentage points" in spec["title"]["subtitle"]


def test_forest_plot_panels_carry_each_metric_unit():
    """Issue 12: a rating mean in points of its scale, a ratio per its denominator (schema)."""
    eff = pl.DataFrame({"metric": ["csat", "contacts_per_order", "resolved"],
                        "arm": ["new_script"] * 3, "effect": [0.25, -0.05, 0.05],
                        "ci_low": [0.18, -0.08, 0.03], "ci_high": [0.33, -0.02, 0.07],
                        "decision": ["better"] * 3,
                        "kind": ["mean", "mean", "proportion"]})  # fmt: skip
    spec = cx.charts.forest_plot(eff).to_dict()
    data = pl.DataFrame(spec["datasets"][spec["data"]["name"]])
    assert data["panel"].to_list() == [
        "CSAT (pts on the 1–5 scale)",
        "contacts per order (per order)",
        "resolution (percentage points)",
    ]
    assert set(data["row_label"]) == {"New script"}
