"""Opening sources: every frame type goes through the one input adapter."""

from __future__ import annotations

import warnings

import polars as pl
import pytest

import cxkit as cx
from cxkit import CxDataError, CxDataWarning


def test_pyarrow_table_is_read_like_a_polars_frame():
    pa = pytest.importorskip("pyarrow")
    table = pa.table(
        {
            "customer_id": ["b", "a"],
            "timestamp": ["2024-01-02", "2024-01-01"],
            "touchpoint": ["x", "y"],
        }
    )
    out = cx.read_events(table).collect()
    assert out["customer_id"].to_list() == ["a", "b"]
    assert out["touchpoint"].to_list() == ["y", "x"]


def test_pandas_duplicate_columns_are_renamed_with_a_warning():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame([[1, 2, 3]], columns=["customer_id", "x", "x"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CxDataWarning)
        out = cx.read_customers(df).collect()
    assert out.columns == ["customer_id", "x", "x_2"]
    assert any("appears 2 times" in str(w.message) for w in caught)


def test_other_types_name_the_accepted_ones():
    with pytest.raises(CxDataError, match="pyarrow Table"):
        cx.read_events([1, 2, 3])
    assert cx.read_survey(pl.DataFrame({"a": [1]}).lazy()).collect()["a"].to_list() == [1]
