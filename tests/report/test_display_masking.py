"""cx.table masks id columns in the notebook too, whatever the id column is called (issue 14)."""

import polars as pl
import pytest

from cxkit.report.display import table_html, table_text


@pytest.mark.parametrize("name", ["customer_id", "Customer ID", "cust_id", "client", "unit_id"])
def test_table_masks_id_columns_by_any_usual_name(name):
    frame = pl.DataFrame({name: ["C00000042", "C00000043"], "segment": ["consumer", "smb"]})
    for out in (table_html(frame), table_text(frame)):
        assert "C00000042" not in out and "C00000043" not in out
        assert "•••" in out
        assert "consumer" in out  # other columns stay


def test_table_leaves_frames_without_ids_alone():
    frame = pl.DataFrame({"touchpoint": ["web"], "n": [3]})
    assert "<td>Web</td>" in table_html(frame) and "Web" in table_text(frame)


def test_table_cells_holding_kit_keys_are_in_reader_words():
    """Issue 12: a decision or metric key in a table cell reads as words, not snake_case."""
    frame = pl.DataFrame(
        {"metric": ["repeat_contact"], "decision": ["no_detectable_change"], "effect": [0.1]}
    )
    for out in (table_html(frame), table_text(frame)):
        assert "no_detectable_change" not in out and "repeat_contact" not in out
        assert "cannot tell" in out and "repeat contacts" in out
