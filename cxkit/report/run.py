"""Run reports: papermill executes each notebook; its page, ``results.json`` and executed
notebook are written as one set; ``index.html`` links every report.

Progress goes to the ``cxkit.report.run`` logger (INFO), never to stdout.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxkit._version import __version__
from cxkit.report._params import ReportConfigError, notebook_parameters
from cxkit.report.config import ReportSpec
from cxkit.report.display import RECORD_MIMETYPE, json_safe
from cxkit.report.files import input_files, remove_stale, write_files

__all__ = [
    "DEFAULT_TIMEOUT",
    "KERNEL_NAME",
    "RESULTS_SCHEMA",
    "ReportOutcome",
    "run_report",
    "run_reports",
    "write_index",
]

logger = logging.getLogger(__name__)

KERNEL_NAME = "python3"
#: Seconds one notebook cell may run before the report is marked failed.
DEFAULT_TIMEOUT = 600.0
RESULTS_SCHEMA = "cxkit.report/1"


@dataclass
class ReportOutcome:
    """What one report run produced; ``results`` is the content of ``results.json``."""

    spec: ReportSpec
    status: str
    html_path: Path
    results_path: Path
    notebook_path: Path | None
    duration_s: float
    results: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _records(nb: Any) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    labels: dict[str, str] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if (
                out.get("output_type") in {"display_data", "execute_result"}
                and RECORD_MIMETYPE in data
            ):
                rec = data[RECORD_MIMETYPE]
                if isinstance(rec, str):
                    rec = json.loads(rec)
                name = str(rec.get("name"))
                values[name] = json_safe(rec.get("value"))
                if rec.get("label"):
                    labels[name] = str(rec["label"])
    return values, labels


def _find_error(nb: Any) -> dict[str, Any] | None:
    code_no = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        code_no += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                if out.get("ename") == "SystemExit" and out.get("evalue") in {"", "0"}:
                    continue
                return {
                    "cell_index": index,
                    "code_cell": code_no,
                    "execution_count": cell.get("execution_count"),
                    "ename": out.get("ename"),
                    "evalue": out.get("evalue"),
                }
    return None


def _progress_default() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def _execute(
    spec: ReportSpec, folder: Path, *, timeout: float, kernel_name: str, progress: bool
) -> tuple[Any, dict[str, Any] | None]:
    """Run the notebook with papermill; return the executed notebook and a runner error."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import remove_error_markers

    runner_error: dict[str, Any] | None = None
    for stale in remove_stale(folder):
        logger.info("removed %s, left by a run that was killed", stale)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".run-") as tmp:
        (Path(tmp) / "pid").write_text(str(os.getpid()))  # whose run this is (remove_stale)
        executed = Path(tmp) / "executed.ipynb"
        # papermill's own regex parsing of the parameter cell warns about annotations it does
        # not understand ("Unable to parse line", "unknown parameter"); we type-check ourselves
        quiet = logging.getLogger("papermill")
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        try:
            papermill.execute_notebook(
                str(spec.notebook),
                str(executed),
                parameters=spec.parameters,
                kernel_name=kernel_name,
                cwd=str(spec.notebook.parent),
                execution_timeout=timeout,
                start_timeout=120,
                progress_bar=progress,
                # the kernel's own log ("running over TCP without encryption", "KeyboardInterrupt
                # caught" at shutdown) is noise on a good run; cell errors still reach the page.
                # Reports are static: the notebook's own Altair charts render as SVG too (import
                # cxkit no longer switches Altair's renderer; cxkit's charts need nothing).
                extra_arguments=[
                    "--IPKernelApp.log_level=CRITICAL",
                    "--IPKernelApp.exec_lines=from cxkit.charts.theme import setup as _cx; _cx(); del _cx",
                ],
                log_output=False,
            )
        except PapermillExecutionError:
            pass  # the executed notebook holds the error output; found later
        except Exception as exc:  # timeout, dead kernel, missing kernel ...
            name = type(exc).__name__
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else name
            if name == "CellTimeoutError":
                text = f"A cell ran longer than the timeout of {timeout:g} s and was stopped."
            runner_error = {"ename": name, "evalue": text}
        finally:
            quiet.setLevel(level)
        if executed.is_file():
            nb = nbformat.read(executed, as_version=4)
        else:  # papermill stopped before writing anything (missing kernel, unreadable notebook)
            try:
                nb = nbformat.read(spec.notebook, as_version=4)
            except Exception:
                nb = nbformat.v4.new_notebook()
    return remove_error_markers(nb), runner_error  # (papermill's red banner cells: ours differ)


def _effective_parameters(spec: ReportSpec) -> dict[str, Any]:
    try:
        declared = notebook_parameters(spec.notebook)
    except ReportConfigError:
        declared = {}
    effective = {k: p.default for k, p in declared.items()}
    effective.update(spec.parameters)
    return effective


def _display_notebook(notebook: Path) -> str:
    try:
        return str(notebook.relative_to(Path.cwd()))
    except ValueError:
        return notebook.name


def _results(
    spec: ReportSpec,
    nb: Any,
    error: dict[str, Any] | None,
    effective: dict[str, Any],
    inputs: list[dict[str, Any]],
    run: dict[str, Any],
    files: dict[str, str],
) -> dict[str, Any]:
    """The content of ``results.json`` (schema ``cxkit.report/1``; unchanged keys)."""
    values, labels = _records(nb)
    return {
        "schema": RESULTS_SCHEMA,
        "name": spec.name,
        "title": spec.title,
        "notebook": _display_notebook(spec.notebook),
        "status": "ok" if error is None else "failed",
        "error": error,
        "results": values,
        "labels": labels,
        "parameters": json_safe(effective),
        "overridden": sorted(spec.parameters),
        "inputs": inputs,
        "run": run,
        "files": files,
    }


def run_report(
    spec: ReportSpec,
    out_dir: str | Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    kernel_name: str = KERNEL_NAME,
    progress_bar: bool | None = None,
) -> ReportOutcome:
    """Execute one report and write ``<out_dir>/<slug>/{<slug>.html, results.json, <slug>.ipynb}``.

    Never raises for a failing notebook: the outcome's ``status`` is ``"failed"`` and the HTML
    shows the failing cell and the error. The three files are written as one set
    (:func:`cxkit.report.files.write_files`).

    Parameters
    ----------
    spec : ReportSpec
        The notebook, its title and its typed parameters.
    out_dir : path
        The reports folder; this report writes into ``out_dir / spec.slug``.
    timeout : float
        Seconds one cell may run; a cell over it stops the run and fails the report.
    kernel_name : str
        The Jupyter kernel, named explicitly (``python3``: the environment's own Python).
    progress_bar : bool, optional
        papermill's per-cell progress bar; default: only when stderr is a terminal.

    Returns
    -------
    ReportOutcome
        ``status`` (``"ok"``/``"failed"``), the paths written, the duration and ``results``
        (the content of ``results.json``).
    """
    import nbformat
    import papermill

    from cxkit.report._page import clean_results, page_masker, render_report_html

    folder = Path(out_dir) / spec.slug
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / f"{spec.slug}.html"
    results_path = folder / "results.json"
    nb_out = folder / f"{spec.slug}.ipynb"
    progress = _progress_default() if progress_bar is None else progress_bar

    started = _dt.datetime.now(_dt.UTC)
    t0 = time.perf_counter()
    effective = _effective_parameters(spec)
    inputs = input_files(effective, spec.notebook.parent)
    nb, runner_error = _execute(
        spec, folder, timeout=timeout, kernel_name=kernel_name, progress=progress
    )
    if "papermill" in nb.metadata:  # where the executed notebook really lives
        nb.metadata["papermill"]["output_path"] = str(nb_out)
    duration = time.perf_counter() - t0
    finished = _dt.datetime.now(_dt.UTC)

    error = _find_error(nb)
    if runner_error is not None:
        error = {
            **(error or {"cell_index": None, "code_cell": None, "execution_count": None}),
            **runner_error,
        }
    run = {
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "duration_s": round(duration, 3),
        "cxkit_version": __version__,
        "python_version": sys.version.split()[0],
        "papermill_version": papermill.__version__,
        "kernel_name": kernel_name,
        "timeout_s": timeout,
    }
    files = {"html": html_path.name, "notebook": nb_out.name}
    results = _results(spec, nb, error, effective, inputs, run, files)
    masker = page_masker(nb, effective, spec.id_columns)
    page = render_report_html(nb, results, masker)  # masks ids, and learns them for ...
    results = clean_results(results, masker)  # ... results.json (and so the index)
    try:  # one set, renamed in this order: results.json last, the set's commit marker
        write_files(
            {
                nb_out: nbformat.writes(nb),
                html_path: page,
                results_path: json.dumps(results, indent=2, ensure_ascii=False) + "\n",
            }
        )
    except OSError as exc:  # a full disk, a read-only folder: this report failed, not the batch
        logger.error("%s: its files could not be written (%s); the previous set is kept",
                     spec.name, exc)  # fmt: skip
        results["status"] = "failed"
        results["error"] = {
            "cell_index": None,
            "code_cell": None,
            "execution_count": None,
            "ename": type(exc).__name__,
            "evalue": f"the report's files could not be written: {exc.strerror or exc}",
        }
    status = results["status"]
    return ReportOutcome(spec, status, html_path, results_path, nb_out, duration, results)


def write_index(out_dir: str | Path) -> Path:
    """Write ``<out_dir>/index.html`` from every ``<out_dir>/*/results.json``.

    Returns
    -------
    pathlib.Path
        The index file (reports sorted by name; folders without a cxkit ``results.json`` skipped).

    Examples
    --------
    >>> import tempfile
    >>> write_index(tempfile.mkdtemp()).name
    'index.html'
    """
    from cxkit.report._index import index_entry, render_index_html

    out = Path(out_dir)
    entries = []
    unreadable: list[tuple[str, str]] = []
    for path in sorted(out.glob("*/results.json")):
        where = f"{path.parent.name}/{path.name}"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            unreadable.append((where, f"not readable JSON ({type(exc).__name__})"))
            continue
        if not isinstance(data, dict) or data.get("schema") != RESULTS_SCHEMA:
            continue  # not a cxkit report folder
        entry, problem = index_entry(data, path.parent.name)
        if problem:
            unreadable.append((where, problem))
            continue
        entries.append(entry)
    for where, why in unreadable:
        logger.warning("index: skipped %s: %s", where, why)
    entries.sort(key=lambda d: str(d.get("name")))
    index = out / "index.html"
    write_files({index: render_index_html(entries, skipped=unreadable)})
    return index


def _log_done(i: int, total: int, outcome: ReportOutcome) -> None:
    err = outcome.results.get("error") or {}
    extra = f": {err.get('ename')}: {err.get('evalue')}" if not outcome.ok else ""
    logger.info(
        "[%d/%d] %s %s (%.1f s)%s -> %s",
        i,
        total,
        outcome.spec.name,
        outcome.status,
        outcome.duration_s,
        extra,
        outcome.html_path,
    )


class _StreamLog:
    """``log=stream`` of :func:`run_reports`: the run's log records also go to that stream."""

    def __init__(self, stream: Any) -> None:
        self.handler = logging.StreamHandler(stream) if stream is not None else None
        self.level = logger.level

    def __enter__(self) -> None:
        if self.handler is not None:
            self.handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(self.handler)
            if logger.getEffectiveLevel() > logging.INFO:
                logger.setLevel(logging.INFO)

    def __exit__(self, *exc: object) -> None:
        if self.handler is not None:
            logger.removeHandler(self.handler)
            logger.setLevel(self.level)


def _run_parallel(
    specs: list[ReportSpec], out_dir: str | Path, jobs: int, **options: Any
) -> list[ReportOutcome]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    total = len(specs)
    slots: list[ReportOutcome | None] = [None] * total
    ctx = multiprocessing.get_context("spawn")  # no fork of a process with polars threads
    with ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=ctx) as pool:
        futures = {}
        for i, spec in enumerate(specs):
            logger.info("[%d/%d] %s queued", i + 1, total, spec.name)
            fut = pool.submit(run_report, spec, out_dir, progress_bar=False, **options)
            futures[fut] = i
        for fut in as_completed(futures):
            i = futures[fut]
            slots[i] = fut.result()
            _log_done(i + 1, total, slots[i])
    return [o for o in slots if o is not None]


def run_reports(
    specs: Iterable[ReportSpec],
    out_dir: str | Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    kernel_name: str = KERNEL_NAME,
    progress_bar: bool | None = None,
    index: bool = True,
    jobs: int = 1,
    log: Any = None,
) -> list[ReportOutcome]:
    """Run every spec (independently; failures do not stop the others) and write the index.

    Parameters
    ----------
    jobs : int
        Reports run at the same time, each in its own worker process and kernel (progress
        bars are off when ``jobs > 1``). Most of a small report is kernel start-up and imports,
        so two jobs on two cores nearly halve the wall time.
    log : text stream, optional
        Also write the progress lines (one when each report starts and ends) to this stream.
        They always go to the ``cxkit.report.run`` logger at INFO level.

    Returns
    -------
    list of ReportOutcome
        In the order of ``specs``; reports whose ``requires`` files are missing are skipped.
    """
    with _StreamLog(log):
        specs = list(specs)
        for spec in [s for s in specs if s.missing_requirements()]:
            need = ", ".join(str(p) for p in spec.missing_requirements())
            logger.info("skipped %s: it needs %s, which is not there", spec.name, need)
            specs.remove(spec)
        total = len(specs)
        options = {"timeout": timeout, "kernel_name": kernel_name}
        if jobs <= 1 or total <= 1:
            outcomes = []
            for i, spec in enumerate(specs, start=1):
                logger.info("[%d/%d] %s …", i, total, spec.name)
                outcome = run_report(spec, out_dir, progress_bar=progress_bar, **options)
                _log_done(i, total, outcome)
                outcomes.append(outcome)
        else:
            outcomes = _run_parallel(specs, out_dir, jobs, **options)
        if index:
            write_index(out_dir)
    return outcomes
