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
    assert "web" in table_html(frame) and "web" in table_text(frame)
