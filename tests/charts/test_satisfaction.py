"""Importance–performance chart: numbered points clear of each other, a key, shares in 0–100 %."""

from __future__ import annotations

import itertools

import polars as pl
import pytest

import cxkit as cx

# the airline drivers that clumped (Leg room / Inflight entertainment / On-board service / Seat comfort)
_IPA = pl.DataFrame(
    {
        "driver": ["Inflight wifi service", "Online boarding", "Leg room service",
                   "Inflight entertainment", "On-board service", "Seat comfort", "Cleanliness",
                   "Checkin service", "Baggage handling", "Inflight service", "Gate location"],
        "importance": [0.111, 0.314, 0.084, 0.0767, 0.0713, 0.0674, 0.0514, 0.0453, 0.0328,
                       0.0303, 0.004],
        "performance": [2.81, 3.346, 3.366, 3.358, 3.385, 3.449, 3.286, 3.314, 3.633, 3.650, 2.98],
        "quadrant": ["concentrate here"] + ["keep up the good work"] * 3
        + ["possible overkill"] * 6 + ["low priority"],
    }
).with_columns(pl.lit(0.0714).alias("importance_cut"), pl.lit(3.279).alias("performance_cut"))  # fmt: skip


@pytest.fixture(scope="module")
def spec() -> dict:
    return cx.charts.importance_performance_chart(_IPA).to_dict()


def _rows(spec: dict, layer: dict) -> list[dict]:
    return spec["datasets"][layer["data"]["name"]]


def test_labels_are_numbers_clear_of_each_other_and_of_the_points(spec):
    plot = spec["hconcat"][0]
    width, height = plot["width"], plot["height"]
    texts = [lay for lay in plot["layer"] if lay["mark"]["type"] == "text"]
    assert len(texts) == 1 and texts[0]["encoding"]["text"]["field"] == "number"
    x_dom = texts[0]["encoding"]["x"]["scale"]["domain"]
    y_dom = texts[0]["encoding"]["y"]["scale"]["domain"]

    def px(x, y):
        return (
            (x - x_dom[0]) / (x_dom[1] - x_dom[0]) * width,
            height - (y - y_dom[0]) / (y_dom[1] - y_dom[0]) * height,
        )

    rows = _rows(spec, plot["layer"][2])
    boxes = []
    for r in rows:
        cx_, cy = px(r["label_x"], r["label_y"])
        half = 3.5 * len(r["number"])
        boxes.append((cx_ - half, cy - 6, cx_ + half, cy + 6))
    points = [px(r["performance"], r["importance"]) for r in rows]

    def overlap(a, b):
        return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])

    for a, b in itertools.combinations(boxes, 2):
        assert not overlap(a, b)
    for box, (x, y) in itertools.product(boxes, points):
        assert not overlap(box, (x - 4, y - 4, x + 4, y + 4))
    for box in boxes:
        assert box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height
    # each number sits nearer its own point than any other point
    for r, (x, y) in zip(rows, points, strict=True):
        c = px(r["label_x"], r["label_y"])
        own = (c[0] - x) ** 2 + (c[1] - y) ** 2
        assert all((c[0] - a) ** 2 + (c[1] - b) ** 2 >= own for a, b in points)


def test_key_names_every_numbered_driver(spec):
    key = spec["hconcat"][1]
    assert key["mark"]["type"] == "text" and key["title"]["text"] == "Key"
    keys = [r["key"] for r in _rows(spec, key)]
    assert keys[2] == "3  Leg room service" and len(keys) == _IPA.height


def test_share_axis_stays_within_0_to_100_percent(spec):
    y = spec["hconcat"][0]["layer"][2]["encoding"]["y"]
    low, high = y["scale"]["domain"]
    assert low == 0.0 and 0.314 < high <= 1.0
    assert y["axis"]["format"] == ".0%"
    big = _IPA.with_columns(pl.col("importance") * 3)  # a driver near 94 %
    spec = cx.charts.importance_performance_chart(big).to_dict()
    assert spec["hconcat"][0]["layer"][2]["encoding"]["y"]["scale"]["domain"][1] <= 1.0


def test_satisfaction_charts_show_codes_in_reader_words():
    """Issue 12 follow-up: touchpoint codes (agent_call) and 'significant' were on the charts."""
    import vl_convert as vlc

    drivers = pl.DataFrame({"driver": ["agent_call", "desire_to_help"], "importance": [0.3, 0.1],
                            "ci_low": [0.25, 0.05], "ci_high": [0.35, 0.15],
                            "significant": [True, False], "r2": [0.4, 0.4], "n": [100, 100],
                            "method": ["relative weights"] * 2, "sign": [1, -1]})  # fmt: skip
    svg = vlc.vegalite_to_svg(
        cx.charts.drivers_chart(drivers, title="What goes with CSAT").to_json()
    )
    assert "Agent call" in svg and "Desire to help (−)" in svg and "agent_call" not in svg
    assert "clearly above chance" in svg and ">significant<" not in svg
    ipa = pl.DataFrame({"driver": ["agent_call", "web"], "importance": [0.3, 0.1],
                        "performance": [3.9, 4.2], "importance_cut": [0.2] * 2,
                        "performance_cut": [4.0] * 2,
                        "quadrant": ["concentrate here", "possible overkill"]})  # fmt: skip
    svg = vlc.vegalite_to_svg(cx.charts.importance_performance_chart(ipa).to_json())
    assert "Agent call" in svg and "agent_call" not in svg
