"""cx.table(columns=): the caller picks the visible columns; the rest go into "More columns"."""

from __future__ import annotations

import re

import polars as pl

from cxkit.report.display import table_html


def _headers(html_text: str) -> list[list[str]]:
    return [re.findall(r"<th>(.*?)</th>", t) for t in html_text.split("<table")[1:]]


DETAILS = pl.DataFrame(
    {
        "metric": ["resolved", "handle_time"],
        "arm": ["new script", "new script"],
        "kind": ["proportion", "mean"],
        "role": ["primary", "primary"],
        "method": ["cr2, Bell-McCaffrey df 196.3", "cr2, Bell-McCaffrey df 196.3; CUPED"],
        "se": [0.01, 2.1],
        "var_reduction": [None, 0.415],
        "icc": [0.013, 0.051],
        "design_effect": [2.29, 2.24],
        "n_clusters": [200, 200],
    }
)


def test_methods_table_shows_the_columns_a_researcher_needs():
    # without columns=: role and method count as technical and hide (what the page showed)
    assert "Method" not in _headers(table_html(DETAILS))[0]
    cols = ["arm", "role", "method", "var_reduction", "design_effect", "n_clusters"]
    out = table_html(DETAILS, percent=["var_reduction"], columns=cols)
    main, more = _headers(out)
    assert main == ["Metric", "Arm", "Role", "Method", "Variance removed (CUPED)",
                    "Design effect", "Clusters"]  # fmt: skip
    assert more == ["Metric", "Kind", "Standard error", "Intra-cluster correlation"]
    assert '<details class="cx-more-columns"><summary>More columns</summary>' in out
    assert "41.5%" in out and "cr2, Bell-McCaffrey df 196.3; CUPED" in out


def test_columns_keep_the_interval_and_split_even_a_narrow_table():
    frame = pl.DataFrame({"metric": ["csat"], "estimate": [4.1], "ci_low": [4.0],
                          "ci_high": [4.2], "n": [300], "p_value": [0.01]})  # fmt: skip
    main, more = _headers(table_html(frame, columns=["estimate", "ci_low"]))
    assert main == ["Metric", "Estimate", "Interval (95%)"]
    assert more == ["Metric", "Base (n)", "p-value"]
    # all columns asked for: one table, nothing hidden
    assert len(_headers(table_html(frame, columns=frame.columns))) == 1
