"""The README's example runs as written, and the README names the two set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]


def test_readme_example_runs(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Ten lines of cxkit\s+```python\n(.*?)```", text, re.S).group(1)
    code_lines = [ln for ln in block.splitlines() if ln.strip()]
    assert len(code_lines) <= 12
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)  # noqa: S102 - our own documentation
    effects = eval(code_lines[-1].split("  #")[0], scope)  # noqa: S307 - the block's last line
    assert isinstance(effects, pl.DataFrame)
    assert set(effects["metric"]) == {"resolved", "csat"}
    assert (effects["ci_low"] < effects["ci_high"]).all()
    assert (tmp_path / "data" / "sample" / "events.parquet").is_file()


def test_readme_names_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make report" in text and "make test" in text
