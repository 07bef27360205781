"""Every bad argument is a CxDataError (still a ValueError) that names the argument and the fix;
options list their valid choices (issue 13). One case per entry point that checks an option."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import cxkit as cx

EVENTS = pl.DataFrame(
    {
        "customer_id": ["c1", "c1"],
        "timestamp": [dt.datetime(2024, 1, 1, h) for h in (9, 10)],
        "touchpoint": ["a", "b"],
    }
)
UNITS = pl.DataFrame({"arm": ["a", "b"] * 20, "y": [0.0, 1.0] * 20})

CASES = {
    "interval method": (
        lambda: cx.metrics.proportion_interval(3, 10, method="exact"),
        ["'wilson'", "'agresti_coull'"],
    ),
    "nps interval": (
        lambda: cx.metrics.nps_interval(5, 3, 2, method="bootstrap"),
        ["'adjusted_wald'", "'wald'"],
    ),
    "alpha": (lambda: cx.metrics.wilson_interval(3, 10, alpha=1.5), ["alpha", "0.05"]),
    "p-values": (lambda: cx.metrics.adjust_p([0.2, 3.0]), ["[0, 1]", "p-values"]),
    "correction": (lambda: cx.metrics.adjust_p([0.2], "sidak"), ["'holm'", "'bh'", "'none'"]),
    "metric kind": (lambda: cx.Metric("y", kind="median"), ["'proportion'", "'mean'"]),
    "metric role": (lambda: cx.Metric("y", role="secondary"), ["'primary'", "'guardrail'"]),
    "margin": (lambda: cx.Metric("y", margin=-1), ["margin", "positive"]),
    "power kind": (
        lambda: cx.power.sample_size("ratio", baseline=0.3, mde=0.02),
        ["'proportion'", "'nps'"],
    ),
    "power baseline": (
        lambda: cx.power.sample_size("proportion", baseline=30, mde=0.02),
        ["baseline", "fraction"],
    ),
    "family": (
        lambda: cx.analyze(UNITS, control="a", metrics={"y": "mean"}, family="everything"),
        ["'role'", "'metric'", "'all'"],
    ),
    "validate kind": (lambda: cx.validate(UNITS, kind="orders"), ["'events'", "'survey'"]),
    "funnel mode": (
        lambda: cx.journey.funnel(EVENTS, ["a", "b"], mode="loose"),
        ["'ordered'", "'any'"],
    ),
    "duration": (
        lambda: cx.journey.repeat_contacts(EVENTS, contact_touchpoints=["a"], within="soon"),
        ["within", "'7d'"],
    ),
    "max_steps": (lambda: cx.journey.paths(EVENTS, max_steps=0), ["max_steps", "None"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_argument_is_a_cx_data_error_that_names_the_fix(case):
    call, words = CASES[case]
    with pytest.raises(cx.CxDataError) as err:
        call()
    text = str(err.value)
    assert "fix:" in text
    for word in words:
        assert word in text, (case, word, text)
    assert isinstance(err.value, ValueError)  # old `except ValueError` code keeps working


@pytest.mark.parametrize(
    "call",
    [
        lambda rel: cx.journey.step_flows(rel),
        lambda rel: cx.journey.sessionize(rel),
    ],
    ids=["step_flows", "sessionize"],
)
def test_a_function_that_needs_rows_refuses_an_engine_frame_with_the_fix(call):
    import duckdb

    rel = duckdb.sql(
        "select 'a' as customer_id, timestamp '2024-01-01 09:00' as timestamp, 'web' as touchpoint"
    )
    with pytest.raises(cx.CxDataError) as err:
        call(rel)
    text = str(err.value)
    assert "events is a duckdb frame" in text and "runs on polars data only" in text
    assert "docs/scaling.md" in text and "collect a filtered or sampled table" in text
