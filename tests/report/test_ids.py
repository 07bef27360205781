"""Raw customer ids never reach a report page, whatever path the notebook used to show them."""

from __future__ import annotations

import pandas as pd
import polars as pl

from cxkit.report._page import ID_TEXT_NOTICE, _render_output, _render_streams
from cxkit.report.sanitize import MASK, sanitize


def test_pandas_index_named_customer_id_is_masked():
    # pandas writes the index name in a second <thead> row and ids as <th> in the body
    frame = pd.DataFrame({"customer_id": ["C042", "C043"], "n": [3, 4]}).set_index("customer_id")
    page = sanitize(frame._repr_html_())
    assert "C042" not in page and "C043" not in page
    assert page.count(MASK) == 2
    assert ">3<" in page and ">4<" in page  # the other cells stay


def test_printed_frames_with_id_columns_are_withheld():
    text = str(pl.DataFrame({"customer_id": ["C042"], "n": [3]}))
    html = _render_streams([("stdout", text)])
    assert "C042" not in html and "left out of this report" in html
    plain = _render_output({"output_type": "execute_result", "data": {"text/plain": text}}, "k")
    assert "C042" not in plain
    assert ID_TEXT_NOTICE.split("(")[1][:20] in plain
    # text without id columns is shown as is (escaped)
    assert "<b>" not in _render_streams([("stdout", "touchpoint <b>web</b>: 3")])
    assert "touchpoint &lt;b&gt;web" in _render_streams([("stdout", "touchpoint <b>web</b>: 3")])


def test_error_lines_quoting_ids_are_withheld():
    out = {
        "output_type": "error",
        "traceback": [
            "CxDataError: Some rows have no touchpoint.",
            "  examples:",
            "    {'row': 2, 'customer_id': 'C042'}",
        ],
    }
    html = _render_output(out, "k")
    assert "C042" not in html
    assert "Some rows have no touchpoint." in html
