"""Every table header of every shipped report is a label from the schema (issue 12): the
columns the notebooks tabulate on the sample data all have reader words in
``schema.COLUMN_LABELS`` (or are metric labels), so no header is a fallback of a raw name."""

from __future__ import annotations

import html
import re

import _report_batch  # the batch shared with test_run.py and test_browser.py, built once per run
import pytest

from cxkit.schema import COLUMN_LABELS, METRIC_LABELS

pytestmark = pytest.mark.slow

#: headers that are column names of the data itself (a segment column chosen by parameter)
DATA_HEADERS = {"CityTier"}


def test_every_header_of_every_shipped_report_has_a_schema_label(tmp_path_factory):
    batch = _report_batch.build(tmp_path_factory)
    known = set(COLUMN_LABELS.values()) | {v[:1].upper() + v[1:] for v in METRIC_LABELS.values()}
    seen, unlabelled = 0, {}
    for name in _report_batch.configured_names():
        page = batch["out"] / name / f"{name}.html"
        if not page.is_file():  # a report whose public data is absent is skipped, not failed
            continue
        heads = re.findall(r"<th[^>]*>(.*?)</th>", page.read_text(encoding="utf-8"), re.S)
        texts = {html.unescape(re.sub("<[^>]+>", "", h)).strip() for h in heads}
        seen += len(texts)
        bad = sorted(t for t in texts - known - DATA_HEADERS if not t.startswith("Interval ("))
        if bad:
            unlabelled[name] = bad
    assert seen > 50 and not unlabelled
