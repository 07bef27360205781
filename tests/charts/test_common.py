"""Chart helpers: old and new result column names, one base-flag rule, labels from schema only."""

from __future__ import annotations

import ast
from pathlib import Path

import polars as pl

from cxkit.charts._common import need, with_base_flag, with_renamed

CHARTS = Path(__file__).resolve().parents[2] / "cxkit" / "charts"


def test_new_name_wins_over_old():
    frame = pl.DataFrame({"effect": [0.2], "diff": [0.1]})
    assert with_renamed(frame, {"diff": "effect"})["effect"].to_list() == [0.2]
    assert with_renamed(pl.DataFrame({"diff": [0.1]}), {"diff": "effect"}).columns == ["effect"]


def test_base_flag_from_either_column():
    old = with_base_flag(pl.DataFrame({"low_base": [True, False, None]}))
    assert old["base_flag"].to_list() == ["suppressed", "ok", "ok"]
    assert old["flagged"].to_list() == [True, False, False]
    new = with_base_flag(pl.DataFrame({"base_flag": ["ok", "small base", "suppressed"]}))
    assert new["flagged"].to_list() == [False, True, True]


def test_need_names_the_function_and_source():
    import pytest

    with pytest.raises(
        ValueError, match=r"f\(\) needs the frame from src; columns missing: \['b'\]"
    ):
        need(pl.DataFrame({"a": [1]}), ["a", "b"], "f", "src")


def test_charts_import_only_the_base_and_themselves():
    allowed = {"cxkit.schema", "cxkit.errors", "cxkit._frames"}
    for path in CHARTS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cxkit"):
                mod = node.module or ""
                assert mod in allowed or mod.startswith("cxkit.charts"), (path.name, mod)
