"""Shared fixtures of the satisfaction tests."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest

from cxkit.sample import survey as sv


@pytest.fixture(scope="session")
def survey() -> pl.DataFrame:
    """The sample survey with planted truth (5,000 respondents)."""
    return sv.make_survey(5000, seed=7)


@pytest.fixture(params=["pandas", "pyarrow"])
def as_other(request) -> Callable[[pl.DataFrame], object]:
    """Convert a polars frame to another accepted input type (the one input adapter)."""
    return (lambda df: df.to_pandas()) if request.param == "pandas" else (lambda df: df.to_arrow())
