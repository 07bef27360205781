"""The index shows a key number once: not again when the finding above it already gives it."""

from __future__ import annotations

import re

from cxkit.report._index import render_index_html


def _entry(results: dict, labels: dict) -> dict:
    return {"schema": "cxkit.report/1", "name": "s", "title": "Survey", "status": "ok",
            "error": None, "results": results, "labels": labels,
            "files": {"html": "s.html"}, "run": {"finished_at": "2026-01-02T03:04:05+00:00",
                                                 "duration_s": 1.0}}  # fmt: skip


def _items(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", li) for li in re.findall(r"<li[^>]*>(.*?)</li>", page, re.S)]


def test_key_numbers_the_headline_already_gives_are_not_repeated():
    head = {"lines": ["Overall satisfaction: 43.9% (95% interval 43.3% to 44.5%, 25,976 "
                      "responses)."], "verdict": None, "context": ""}  # fmt: skip
    results = {"headline": head, "n": 25976, "overall": 0.439, "driver": "Online boarding",
               "share": 0.314}  # fmt: skip
    labels = {"n": "Survey responses", "overall": "Overall satisfaction",
              "driver": "Strongest driver", "share": "Its share of explained variance"}  # fmt: skip
    items = _items(render_index_html([_entry(results, labels)]))
    assert items[0].startswith("Overall satisfaction: 43.9% (95% interval")
    assert items[1:] == [
        "Strongest driver: Online boarding",
        "Its share of explained variance: 31.4%",
    ]
    # a number only part of another is still shown (25,976 is in the line, 5,976 is not)
    results |= {"n": 5976}
    assert "Survey responses: 5,976" in _items(render_index_html([_entry(results, labels)]))
