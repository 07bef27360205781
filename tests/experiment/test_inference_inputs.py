"""The units reaching the inference: read_experiment's blank-id and single-unit-arm rules,
whose counts now run through cheaper bounds (issue 18) — same rows, same errors."""

import polars as pl
import pytest

import cxkit as cx

# every character str.strip_chars removes, and a few that look blank but are not white space
WHITE = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\xa0", "\u1680", "\u2003", "\u2028",
         "\u2029", "\u202f", "\u205f", "\u3000"]  # fmt: skip


def _units(ids, arms=None):
    arms = arms or ["a", "b"] * (len(ids) // 2) + ["a"] * (len(ids) % 2)
    return pl.DataFrame({"unit_id": ids, "arm": arms, "y": [1.0] * len(ids)})


@pytest.mark.parametrize("blank", ["", *WHITE, " \u3000 ", "\u2003\t"])
def test_blank_unit_ids_are_found_whatever_the_white_space(blank):
    ids = ["u1", "u2", "u3", blank, "u5", "u6"]
    with pytest.raises(cx.CxDataError, match="no unit id") as err:
        cx.read_experiment(_units(ids))
    assert err.value.n_rows == 1
    assert err.value.examples == [{"row": 4, "unit_id": blank}]


def test_ids_in_other_scripts_or_starting_with_white_space_are_not_blank():
    ids = ["é1", "Ω2", "ユーザー3", "사용자4", "\u2192 5", " 6", "\u3000七", "\xa08"]
    out = cx.read_experiment(_units(ids)).collect()
    assert out["unit_id"].to_list() == ids


def test_single_unit_arms_are_counted_nulls_included():
    frame = _units(["1", "2", "3", "4", "5"], ["a", "a", "b", "c", "c"])
    with pytest.raises(cx.CxDataError, match="single unit") as err:
        cx.read_experiment(frame)
    assert err.value.n_rows == 1 and err.value.examples == [{"row": 3, "arm": "b"}]
