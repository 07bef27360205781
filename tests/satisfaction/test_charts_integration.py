"""Satisfaction results feed the cx.charts builders (rendered offline to SVG)."""

from __future__ import annotations

import numpy as np
import polars as pl
import vl_convert as vlc

from cxkit import charts
from cxkit.sample import survey as sv
from cxkit.satisfaction import drivers, importance_performance, nps_breakdown, scores, trend


def test_charts_render_to_svg(survey):
    chart_set = [
        charts.nps_bar(nps_breakdown(survey, by="segment")),
        charts.scores_chart(scores(survey, sv.TOUCHPOINTS)),
        charts.drivers_chart(drivers(survey, "csat", sv.TOUCHPOINTS, n_boot=100)),
        charts.importance_performance_chart(
            importance_performance(drivers(survey, "csat", sv.TOUCHPOINTS, n_boot=0))
        ),
        charts.trend_chart(trend(survey, "delivery", period="period")),
    ]
    svgs = [vlc.vegalite_to_svg(c.to_dict()) for c in chart_set]
    assert "Promoters" in svgs[0] and "small_business" in svgs[0] and "NPS" in svgs[0]
    # touchpoint codes in reader words (schema.ACRONYMS rule): agent_call -> Agent call, ivr -> IVR
    assert "Agent call" in svgs[1] and "IVR" in svgs[1] and "n = " in svgs[1]
    assert "agent_call" not in svgs[1] + svgs[2] and ">ivr<" not in svgs[1] + svgs[2]
    assert "Agent call" in svgs[2] and "IVR" in svgs[2] and "R² = " in svgs[2]
    assert "concentrate here" in svgs[3] or "keep up the good work" in svgs[3]
    assert sv.DROP_PERIOD in svgs[4]
    # negative drivers are marked (signed importance, as in Displayr)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    neg = pl.DataFrame(
        {"good": x[:, 0], "bad": x[:, 1], "y": x[:, 0] - 0.5 * x[:, 1] + rng.normal(size=400)}
    )
    svg = vlc.vegalite_to_svg(
        charts.drivers_chart(drivers(neg, "y", ["good", "bad"], n_boot=50)).to_dict()
    )
    assert "Bad (−)" in svg and "Good (−)" not in svg and "Good" in svg  # driver codes in words
    # suppressed groups are listed, not drawn; labels from data stay text
    tiny = pl.DataFrame({"seg": ["<b>x</b>"] * 10 + ["ok"] * 200, "c": [5, 1] * 105})
    svg = vlc.vegalite_to_svg(charts.scores_chart(scores(tiny, "c", by="seg")).to_dict())
    assert "suppressed (n = 10)" in svg and "&lt;b&gt;x&lt;/b&gt;" in svg
