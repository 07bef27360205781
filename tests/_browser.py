"""Debian's Chromium for the browser tests: where it is, how it starts, and the skip-or-fail rule.

Without Chromium (or Playwright) a browser test skips with a message; with
``CXKIT_REQUIRE_BROWSER=1`` (``.ci/run`` sets it) it fails instead.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CXKIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
]


def need_browser(
    *, modules: tuple[str, ...] = ("playwright.sync_api",), what: str = "browser test"
) -> None:
    """Skip (or fail under CXKIT_REQUIRE_BROWSER=1) unless Chromium and ``modules`` are there."""
    problem = None
    if not CHROMIUM.is_file():
        problem = f"{CHROMIUM} not found: install Debian's chromium (sudo apt-get install chromium)"
    else:
        for name in modules:
            try:
                importlib.import_module(name)
            except ImportError as exc:
                problem = f"{exc.name} is missing: pip install -e '.[dev,lab]' (no browser download needed)"
                break
    if problem:
        if os.environ.get("CXKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser test required (CXKIT_REQUIRE_BROWSER=1) but {problem}")
        pytest.skip(f"{what} skipped: {problem}; set CXKIT_REQUIRE_BROWSER=1 to make this fail")
