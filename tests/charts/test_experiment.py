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
    for label in ("Call script test", "resolved", "handle_time", "new_script"):
        assert label in svg
    seg = _svg(cx.charts.forest_plot(result.segments))
    for label in ("chat · new_script", "email · new_script", "phone · new_script"):
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
    assert "control" in svg and "new_script" in svg and "last bin holds every value" in svg
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
