"""Run a notebook under papermill and collect what it shows (shared by the notebook tests)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from cxkit.report.display import RECORD_MIMETYPE


@dataclass
class Executed:
    records: dict  # name → value of every ``cx.record`` output
    html: str  # the HTML and SVG outputs, whitespace collapsed
    everything: str  # every output's data as JSON (text/plain included)


def execute(notebook: Path, tmp_path: Path, **parameters) -> Executed:
    """Execute ``notebook`` (from its own folder) with ``parameters``; no cell may fail."""
    import papermill as pm

    out = tmp_path / "out.ipynb"
    pm.execute_notebook(
        str(notebook),
        str(out),
        parameters=parameters,
        kernel_name="python3",
        cwd=str(notebook.parent),
        progress_bar=False,
    )
    records, html, everything = {}, [], []
    for cell in json.loads(out.read_text())["cells"]:
        for o in cell.get("outputs", []):
            assert o.get("output_type") != "error", o
            data = o.get("data", {})
            if RECORD_MIMETYPE in data:
                records[data[RECORD_MIMETYPE]["name"]] = data[RECORD_MIMETYPE]["value"]
            html.append("".join(data.get("text/html", "")) + "".join(data.get("image/svg+xml", "")))
            everything.append(json.dumps(data))
    return Executed(records, re.sub(r"\s+", " ", " ".join(html)), "\n".join(everything))
