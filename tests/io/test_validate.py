"""cx.validate: every problem as a report; one set of defaults shared with the CLI."""

from __future__ import annotations

import inspect

import polars as pl
import pytest

import cxkit as cx
from cxkit.io import READER_DEFAULTS


def test_validate_collects_every_problem():
    raw = pl.DataFrame(
        {"customer_id": ["a", None], "timestamp": ["2024-01-01", "x"], "touchpoint": ["w", None]}
    )
    report = cx.validate(raw, kind="events")
    assert not report.ok
    rules = sorted(p.rule for p in report.problems if p.level == "error")
    assert rules == [
        "every row needs a customer id",
        "every row needs a touchpoint",
        "every timestamp must parse as a date-time",
    ]
    assert "NOT VALID" in report.to_text()


def test_reader_defaults_come_from_the_reader_signatures():
    assert READER_DEFAULTS["events"]["customer"] == "customer_id"
    assert READER_DEFAULTS["events"]["drop_duplicates"] is False
    assert READER_DEFAULTS["survey"]["scale"] == (1, 5)
    assert READER_DEFAULTS["experiment"]["unit"] == "unit_id"
    assert READER_DEFAULTS["customers"]["booleans"] == ()
    for kind, reader in [("events", cx.read_events), ("survey", cx.read_survey)]:
        params = inspect.signature(reader).parameters
        assert {k: params[k].default for k in READER_DEFAULTS[kind]} == READER_DEFAULTS[kind]


def test_validate_uses_the_reader_defaults_and_rejects_unknown_options():
    survey = pl.DataFrame({"wifi": [1, 7]})
    report = cx.validate(survey, kind="survey", ratings=["wifi"])  # default scale (1, 5)
    assert [p.rule for p in report.problems if p.level == "error"] == [
        "values must lie on the declared scale 1–5"
    ]
    with pytest.raises(TypeError, match="unknown option"):
        cx.validate(survey, kind="survey", rating=["wifi"])
    with pytest.raises(cx.CxDataError, match="kind is one of"):
        cx.validate(survey, kind="nope")


def test_validate_summary_of_experiment():
    df = pl.DataFrame({"unit_id": ["1", "2", "3"], "arm": ["a", "b", "b"]})
    report = cx.validate(df, kind="experiment")
    assert report.summary == {"n_units": 3, "arms": {"a": 1, "b": 2}}
