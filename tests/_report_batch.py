"""The report batch shared by ``report/test_run.py`` and ``report/test_browser.py``, built once per test run.

``cxkit demo`` over the repository's ``reports.toml`` — every configured report — with the
sample-data paths redirected to freshly written sample data in a temporary folder, followed by
the hostile-label test notebook into the same output folder. Built once per pytest run, also
under ``pytest -n 2`` (the workers share the folder; a file lock makes one build it).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from cxkit.cli import report as cli_report
from cxkit.report import load_config, notebook_parameters

REPO = Path(__file__).resolve().parents[1]
NB_DIR = Path(__file__).resolve().parent / "notebooks"
HOSTILE = "params_and_escaping"


def configured_names() -> list[str]:
    """Names of the reports in the repository's reports.toml."""
    return [spec.name for spec in load_config(REPO / "reports.toml")]


def _toml_value(value) -> str:
    """TOML text of a parameter value (JSON scalars and lists are valid TOML; tables are not)."""
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
        )
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)


def redirected_config(folder: Path, data: Path) -> Path:
    """A copy of reports.toml with absolute notebooks and ``data/sample/`` paths moved to ``data``."""
    lines = []
    for spec in load_config(REPO / "reports.toml"):
        params = {k: p.default for k, p in notebook_parameters(spec.notebook).items()}
        params.update(spec.parameters)
        lines += [
            "[[report]]",
            f"name = {_toml_value(spec.name)}",
            f"notebook = {_toml_value(spec.notebook.as_posix())}",
            f"title = {_toml_value(spec.title)}",
            "[report.parameters]",
        ]
        for key, value in params.items():
            if isinstance(value, str) and "data/sample/" in value:
                lines.append(f"{key} = {_toml_value(str(data / value.split('data/sample/')[1]))}")
            elif key in spec.parameters and value is not None:
                lines.append(f"{key} = {_toml_value(value)}")
    cfg = folder / "reports.toml"
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cfg


@contextlib.contextmanager
def _locked(path: Path):
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no sharing between workers needed
        yield
        return
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def build(tmp_path_factory) -> dict:
    """Build (or reuse) the batch; returns ``{"out", "data", "config", "rc_demo", "rc_hostile"}``."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / "cxkit-report-batch"
    folder.mkdir(exist_ok=True)
    done = folder / "done.json"
    with _locked(folder / ".lock"):
        if not done.is_file():
            data = folder / "data"
            out = folder / "reports"
            cfg = redirected_config(folder, data)
            rc_demo = cli_report.main(
                ["demo", "--config", str(cfg), "--out", str(out), "--data", str(data)]
            )
            rc_hostile = cli_report.main(
                ["report", "run", str(NB_DIR / f"{HOSTILE}.ipynb"), "--out", str(out)]
                + ["--config", str(folder / "none.toml")]
            )
            info = {
                "out": str(out),
                "data": str(data),
                "config": str(cfg),
                "rc_demo": rc_demo,
                "rc_hostile": rc_hostile,
            }
            done.write_text(json.dumps(info))
    info = json.loads(done.read_text())
    return {k: Path(v) if isinstance(v, str) else v for k, v in info.items()}
