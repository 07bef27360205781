"""monitor_summary, sequential_metrics and monitor_skip_reason (experiment/summary.py)."""

from __future__ import annotations

import polars as pl
import pytest

import cxkit as cx
from cxkit.errors import CxDataError
from cxkit.experiment import Metric
from cxkit.experiment.summary import monitor_skip_reason, monitor_summary, sequential_metrics


def _looks(effects, p_values, naive_p, lows, highs, metric="resolved", arm="new"):
    k = len(effects)
    return pl.DataFrame(
        {
            "metric": [metric] * k,
            "arm": [arm] * k,
            "period": list(range(1, k + 1)),
            "control_value": [0.70] * k,
            "treatment_value": [0.70 + e for e in effects],
            "effect": effects,
            "ci_low": lows,
            "ci_high": highs,
            "p_value": p_values,
            "naive_p_value": naive_p,
        }
    )


def test_sequential_metrics_keeps_plain_proportions_and_means():
    specs = {
        "resolved": "proportion",
        "nps": "nps",
        "csat": "ordinal",
        "median": {"column": "handle_time", "kind": "quantile"},
        "cpo": {"column": "contacts", "denominator": "orders"},
        "handle_time": {"kind": "mean", "covariate": "pre_handle_time"},
    }
    watch = sequential_metrics(specs)
    assert list(watch) == ["resolved", "handle_time"]
    assert watch["handle_time"].covariate is None and watch["handle_time"].kind == "mean"
    # Analysis.metrics (a tuple of Metric) works too, and keeps names
    named = [Metric("y", kind="proportion", name="top box"), Metric("z", kind="nps")]
    assert list(sequential_metrics(named)) == ["top box"]


def test_skip_reason_names_the_cause():
    df = pl.DataFrame({"arm": ["a", "b"], "y": [0, 1], "week": [1, 1]})
    assert monitor_skip_reason(df, period="week", metrics={"y": "proportion"}) == ""
    assert monitor_skip_reason(df.lazy(), period="week", metrics={"y": "mean"}) == ""
    assert '"day"' in monitor_skip_reason(df, period="day", metrics={"y": "proportion"})
    assert "no period column" in monitor_skip_reason(df, period="", metrics={"y": "proportion"})
    assert "none of the declared metrics" in monitor_skip_reason(
        df, period="week", metrics={"y": "nps"}
    )


def test_summary_detected_with_naive_contrast():
    looks = _looks(
        [0.05, 0.045, 0.044],
        [0.2, 0.01, 0.001],
        [0.01, 0.001, 0.0001],
        [-0.02, 0.01, 0.02],
        [0.12, 0.08, 0.07],
    )
    lines = monitor_summary(looks, metrics={"resolved": "proportion"}, change="The script")
    assert lines[0] == (
        "New: The script raised resolution by 4.4 pts (period 3, 3 looks; always-valid 95% "
        "interval 2.0 to 7.0 pts, p = 0.001); the interval first excluded no "
        "effect in period 2. (The usual test, repeated at every look, would have declared it "
        "in period 1.)"
    )
    assert lines[1].startswith("The usual test declares effects too often")
    # without metrics=, values within 0-1 are read as a proportion (points)
    assert "4.4 pts" in monitor_summary(looks)[0]


def test_summary_not_detected_and_units_of_means():
    looks = _looks(
        [-3.0, -2.0],
        [0.9, 0.6],
        [0.3, 0.2],
        [-12.0, -8.5],
        [6.0, 4.5],
        metric="handle_time",
    ).with_columns(pl.lit(420.0).alias("control_value"), pl.lit(418.0).alias("treatment_value"))
    (line,) = monitor_summary(looks, period="week", alpha=0.10)
    assert line == (
        "New: the data cannot tell yet whether handle time changed (week 2, 2 looks; -2.0 s, "
        "always-valid 90% interval -8.5 to +4.5 s); the interval stays valid at every look, so "
        "it is safe to keep looking."
    )


def test_summary_caution_for_clustered_designs():
    data = cx.sample.make_experiment(4000, n_agents=40, seed=3)
    metrics = {"resolved": "proportion", "handle_time": "mean", "csat": "mean"}
    res = cx.analyze(
        data,
        control="control",
        metrics=metrics,
        cluster="agent_id",
        covariates={"handle_time": "pre_handle_time"},
    )
    looks = cx.experiment.monitor(data, control="control", metrics=metrics, period="week")
    lines = monitor_summary(looks, metrics=metrics, analysis=res, period="week")
    caution = lines[-1]
    deff = dict(res.details.select("metric", "design_effect").iter_rows())
    assert caution.startswith("Caution: these intervals treat every unit as independent")
    assert "randomised in 40 clusters" in caution
    assert f"resolution {deff['resolved']:.1f}" in caution and f"CSAT {deff['csat']:.1f}" in caution
    lo, hi = sorted([deff["resolved"] ** 0.5, deff["csat"] ** 0.5])
    assert f"{lo:.1f}–{hi:.1f} times too narrow" in caution
    assert "(handle time not counted: its figure above is after CUPED" in caution
    # an unclustered analysis adds no caution
    plain = cx.analyze(data, control="control", metrics=metrics, ignore_clusters=True)
    assert not monitor_summary(looks, analysis=plain)[-1].startswith("Caution")


def test_summary_needs_the_monitor_frame():
    with pytest.raises(CxDataError, match="columns missing"):
        monitor_summary(pl.DataFrame({"metric": ["x"]}))
    empty = pl.DataFrame(schema=dict.fromkeys(cx.experiment.MONITOR_COLUMNS))
    assert monitor_summary(empty) == [
        "No metric could be monitored: the monitoring frame is empty."
    ]


def test_monitor_summary_says_the_unit_of_a_time():
    """Issue 12: "lowered handle time by 21.4 s (… -27.0 to -15.6 s)", not a bare number."""
    looks = _looks([-21.4], [1e-9], [1e-9], [-27.0], [-15.6], metric="handle_time")
    looks = looks.with_columns(pl.lit(420.0).alias("control_value"),
                               pl.lit(398.6).alias("treatment_value"))  # fmt: skip
    (line,) = monitor_summary(looks, change="The new script", period="week")
    assert line.startswith(
        "New: The new script lowered handle time by 21.4 s (week 1, 1 look; always-valid 95% "
        "interval -27.0 to -15.6 s, p = "
    )
