"""cxkit.satisfaction.reshape: wide ↔ long, rating columns, yes/no outcomes."""

from __future__ import annotations

from functools import partial

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cxkit.errors import CxDataError
from cxkit.sample import survey as sv
from cxkit.satisfaction import rating_columns, to_binary, to_long, to_wide

# other input types and polars' parallel group_by may differ in the last bits of a sum
assert_same = partial(assert_frame_equal, rel_tol=1e-12, abs_tol=1e-12)


def test_reshape_roundtrip_and_helpers(survey):
    wide = survey.select("response_id", *sv.TOUCHPOINTS).head(50)
    long = to_long(wide, sv.TOUCHPOINTS, id_cols=["response_id"])
    assert long.columns == ["response_id", "touchpoint", "rating"]
    assert long.height == wide.select(sv.TOUCHPOINTS).count().sum_horizontal().item()
    back = to_wide(long, items=sv.TOUCHPOINTS)
    assert back.columns == ["response_id", *sv.TOUCHPOINTS]
    assert back.select(sv.TOUCHPOINTS).cast(pl.Int64).equals(wide.select(sv.TOUCHPOINTS))
    with pytest.raises(CxDataError, match="more than once"):
        to_wide(pl.concat([long, long.head(1)]))
    assert rating_columns(survey, exclude=["csat"]) == [*sv.TOUCHPOINTS, *sv.BEHAVIOURS]
    with pytest.raises(CxDataError, match="No row"):
        to_binary(pl.DataFrame({"s": ["yes", "no"]}), "s", "Yes ")


def test_reshape_functions_accept_pandas_and_pyarrow(survey, as_other):
    wide = survey.select("response_id", *sv.TOUCHPOINTS).head(30)
    long = to_long(wide, sv.TOUCHPOINTS, id_cols=["response_id"])
    assert_same(to_long(as_other(wide), sv.TOUCHPOINTS, id_cols=["response_id"]), long)
    assert_same(to_wide(as_other(long), items=sv.TOUCHPOINTS), to_wide(long, items=sv.TOUCHPOINTS))
    assert rating_columns(as_other(wide)) == sv.TOUCHPOINTS
    yes = pl.DataFrame({"s": ["yes", "no", None, "yes"]})
    out = to_binary(as_other(yes), "s", "yes")
    assert isinstance(out, pl.DataFrame) and out["s"].to_list() == [1, 0, None, 1]
    assert isinstance(to_binary(yes.lazy(), "s", "yes"), pl.LazyFrame)
    with pytest.raises(CxDataError, match="missing"):
        to_long(wide, ["web", "wbe"])
