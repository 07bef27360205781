"""Repeatable reports: papermill batch runs into single-file offline HTML, ``results.json``, index.

A report is a parameterised notebook plus its parameters, listed in ``reports.toml``::

    [[report]]
    name = "journey_map"
    notebook = "notebooks/journey_map.ipynb"
    title = "Customer journey map"
    [report.parameters]
    events_path = "../data/sample/events.parquet"
    [report.matrix]                       # optional: one report per value
    segment = ["new", "loyal"]            # -> journey_map-segment=new, journey_map-segment=loyal

:func:`run_reports` runs each one with papermill (kernel ``python3``, a per-cell timeout, cwd =
the notebook's folder) and writes, per report, into ``<out>/<name>/``:

* ``<name>.html`` — one self-contained page: no JavaScript, no request to any host (charts are
  static SVG made offline by vl-convert), code hidden, a header with title, parameters, data
  sources (file names and SHA-256), generation time and cxkit version; a print stylesheet.
  A failed run still gets its page, showing the failing cell and the error.
* ``results.json`` — the numbers the notebook recorded with ``cx.record(name, value)`` and the
  run metadata (parameters, input hashes, versions, duration, status).
* ``<name>.ipynb`` — the executed notebook, for the analyst.

and ``<out>/index.html`` links every report with its status and key numbers. Every file is
written to a temporary file in the same folder and renamed, so a half-written file never
replaces a good one. Reports are independent: one failing does not stop the others.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import itertools
import json
import logging
import os
import re
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from glob import glob, has_magic
from pathlib import Path
from typing import Any

from cxkit.report._params import (
    Parameter,
    ReportConfigError,
    coerce_parameter,
    notebook_parameters,
    parse_assignments,
    typed_parameters,
)
from cxkit.report.display import RECORD_MIMETYPE, json_safe

__all__ = [
    "DEFAULT_TIMEOUT",
    "KERNEL_NAME",
    "Parameter",
    "ReportConfigError",
    "ReportOutcome",
    "ReportSpec",
    "coerce_parameter",
    "load_config",
    "notebook_parameters",
    "parse_assignments",
    "run_report",
    "run_reports",
    "select_reports",
    "write_index",
]

KERNEL_NAME = "python3"
#: Seconds one notebook cell may run before the report is marked failed.
DEFAULT_TIMEOUT = 600.0
RESULTS_SCHEMA = "cxkit.report/1"
_CONFIG_KEYS = {"name", "notebook", "title", "parameters", "matrix", "requires"}
_SLUG_BAD = re.compile(r"[^A-Za-z0-9._=+-]+")


@dataclass(frozen=True)
class ReportSpec:
    """One report to run: a notebook and its (already typed) parameters."""

    name: str
    notebook: Path
    title: str
    parameters: dict[str, Any] = field(default_factory=dict)
    base_name: str | None = None
    #: Files the report needs (e.g. a public dataset outside the repository); when one is
    #: missing the report is skipped with a message instead of failing.
    requires: tuple[Path, ...] = ()

    def missing_requirements(self) -> list[Path]:
        """The required files that do not exist."""
        return [p for p in self.requires if not p.exists()]

    @property
    def slug(self) -> str:
        """File-system-safe form of :attr:`name`, used for the output folder and files."""
        return _slug(self.name)


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


def _slug(name: str) -> str:
    """``"csat-segment=new customers"`` → ``"csat-segment=new_customers"``.

    >>> _slug("csat-segment=<b>new</b> customers")
    'csat-segment=_b_new_b_customers'
    """
    slug = _SLUG_BAD.sub("_", name).strip("._") or "report"
    return slug[:120]


# ---------------------------------------------------------------------------------------------
# configuration
# ---------------------------------------------------------------------------------------------
def _value_label(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _spec_from_entry(entry: dict[str, Any], base: Path, where: str) -> list[ReportSpec]:
    unknown = set(entry) - _CONFIG_KEYS
    if unknown:
        raise ReportConfigError(
            f"{where}: unknown key(s) {sorted(unknown)}; allowed keys are {sorted(_CONFIG_KEYS)}"
        )
    for key in ("name", "notebook"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ReportConfigError(f'{where}: needs {key} = "..." (a non-empty string)')
    name = entry["name"].strip()
    notebook = (base / entry["notebook"]).resolve()
    if not notebook.is_file():
        raise ReportConfigError(f"{where} ({name}): notebook {entry['notebook']!r} not found")
    title = str(entry.get("title") or name)
    requires_raw = entry.get("requires", [])
    if not isinstance(requires_raw, list) or not all(isinstance(r, str) for r in requires_raw):
        raise ReportConfigError(
            f'{where} ({name}): requires must be a list of paths, e.g. ["../data/x.csv"]'
        )
    requires = tuple((base / r).resolve() for r in requires_raw)
    params_decl = notebook_parameters(notebook)
    raw_params = entry.get("parameters", {})
    matrix = entry.get("matrix", {})
    if not isinstance(raw_params, dict) or not isinstance(matrix, dict):
        raise ReportConfigError(f"{where} ({name}): parameters and matrix must be tables")
    source = f"notebook {entry['notebook']!r} (report {name!r})"
    params = typed_parameters(params_decl, raw_params, raw=False, source=source)
    if not matrix:
        return [ReportSpec(name, notebook, title, params, base_name=name, requires=requires)]
    for key, values in matrix.items():
        if not isinstance(values, list) or not values:
            raise ReportConfigError(
                f'{where} ({name}): matrix.{key} must be a non-empty list, e.g. {key} = ["a", "b"]'
            )
    specs = []
    keys = list(matrix)
    for combo in itertools.product(*(matrix[k] for k in keys)):
        extra = typed_parameters(
            params_decl, dict(zip(keys, combo, strict=True)), raw=False, source=source
        )
        suffix = "-".join(f"{k}={_value_label(v)}" for k, v in zip(keys, combo, strict=True))
        label = ", ".join(f"{k}: {_value_label(v)}" for k, v in zip(keys, combo, strict=True))
        specs.append(
            ReportSpec(
                f"{name}-{suffix}",
                notebook,
                f"{title} ({label})",
                {**params, **extra},
                base_name=name,
                requires=requires,
            )
        )
    return specs


def load_config(path: str | Path) -> list[ReportSpec]:
    """Read ``reports.toml`` into report specs (matrix entries expanded, parameters typed).

    Notebook paths are relative to the config file's folder. Parameters are checked against
    the notebook's ``parameters`` cell: unknown names and wrong types are errors.

    Returns
    -------
    list of ReportSpec
        In file order; a matrix entry expands in the order of its values.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "reports.toml").write_text("")
    >>> load_config(d / "reports.toml")
    []
    """
    path = Path(path)
    if not path.is_file():
        raise ReportConfigError(
            f"Report config {str(path)!r} not found: run from the project folder or pass --config"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ReportConfigError(f"{path}: not valid TOML: {exc}") from exc
    entries = data.get("report", [])
    if not isinstance(entries, list):
        raise ReportConfigError(f"{path}: use [[report]] (an array of tables) for each report")
    specs: list[ReportSpec] = []
    for i, entry in enumerate(entries, start=1):
        specs.extend(_spec_from_entry(entry, path.parent.resolve(), f"{path.name} report #{i}"))
    seen: dict[str, str] = {}
    for spec in specs:
        if spec.slug in seen:
            raise ReportConfigError(
                f"{path.name}: two reports share the name/file {spec.slug!r} "
                f"({seen[spec.slug]!r} and {spec.name!r}); give them distinct names"
            )
        seen[spec.slug] = spec.name
    return specs


def _notebook_title(notebook: Path) -> str:
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem


def select_reports(
    specs: Sequence[ReportSpec],
    targets: Sequence[str] = (),
    overrides: dict[str, str] | None = None,
) -> list[ReportSpec]:
    """Pick the reports to run and apply ``-p`` overrides, typed per notebook.

    ``targets`` are report names (a matrix entry's base name selects all its variants) or
    notebook paths (run with their own defaults plus the overrides). No targets: all specs.

    Returns
    -------
    list of ReportSpec
        In the order of ``targets`` (duplicates removed), with the overrides typed and applied.

    Examples
    --------
    >>> spec = ReportSpec("csat", Path("nb.ipynb"), "CSAT", {"min_base": 30}, base_name="csat")
    >>> [s.name for s in select_reports([spec], ["csat"])]
    ['csat']
    """
    chosen: list[ReportSpec] = []
    if not targets:
        chosen = list(specs)
    for target in targets:
        matches = [s for s in specs if target in (s.name, s.base_name)]
        if matches:
            chosen.extend(matches)
            continue
        path = Path(target)
        if path.suffix == ".ipynb":
            if not path.is_file():
                raise ReportConfigError(f"Notebook {target!r} not found")
            nb = path.resolve()
            chosen.append(ReportSpec(nb.stem, nb, _notebook_title(nb), {}, base_name=nb.stem))
            continue
        names = ", ".join(sorted({s.base_name or s.name for s in specs})) or "none configured"
        raise ReportConfigError(
            f"No report named {target!r} (reports: {names}); or pass a notebook path (*.ipynb)"
        )
    unique: dict[str, ReportSpec] = {}
    for spec in chosen:
        unique.setdefault(spec.name, spec)
    if overrides:
        out = []
        for spec in unique.values():
            typed = typed_parameters(
                notebook_parameters(spec.notebook),
                overrides,
                raw=True,
                source=f"notebook {spec.notebook.name!r}",
            )
            out.append(replace(spec, parameters={**spec.parameters, **typed}))
        return out
    return list(unique.values())


# ---------------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------------
def _atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``data`` to a temp file beside ``path``, fsync, then ``os.replace`` it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_DATA_SUFFIXES = {
    ".parquet", ".pq", ".csv", ".tsv", ".txt", ".ndjson", ".jsonl", ".json", ".arrow",
    ".feather", ".ipc", ".avro", ".xlsx", ".xls", ".gz", ".zst", ".bz2", ".xz", ".zip",
}  # fmt: skip


def _is_data_file(path: Path) -> bool:
    return path.suffix.lower() in _DATA_SUFFIXES and not path.name.startswith(".")


def _input_files(parameters: dict[str, Any], base: Path) -> list[dict[str, Any]]:
    """Files named by string parameters (relative to the notebook folder), with SHA-256."""
    found: list[dict[str, Any]] = []
    for key, value in parameters.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            if not isinstance(v, str) or not v or len(v) > 4096:
                continue
            p = Path(v).expanduser()
            p = p if p.is_absolute() else base / p
            try:
                if has_magic(v):
                    files = [Path(f) for f in sorted(glob(str(p), recursive=True))]
                    files = [f for f in files if _is_data_file(f)]
                elif p.is_dir():  # a partitioned dataset: its data files, not everything
                    files = sorted(f for f in p.rglob("*") if f.is_file() and _is_data_file(f))
                elif p.is_file():
                    files = [p]
                else:
                    files = []
            except OSError:
                files = []
            for f in files:
                if f.is_file():
                    found.append(
                        {
                            "parameter": key,
                            "path": v if f == p else str(Path(v).parent / f.name),
                            "file": f.name,
                            "bytes": f.stat().st_size,
                            "sha256": _sha256(f),
                        }
                    )
    return found


# ---------------------------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------------------------
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
    shows the failing cell and the error.

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
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import remove_error_markers

    from cxkit._version import __version__
    from cxkit.report._page import render_report_html

    folder = Path(out_dir) / spec.slug
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / f"{spec.slug}.html"
    results_path = folder / "results.json"
    nb_out = folder / f"{spec.slug}.ipynb"
    progress = _progress_default() if progress_bar is None else progress_bar
    cwd = spec.notebook.parent

    started = _dt.datetime.now(_dt.UTC)
    t0 = time.perf_counter()
    try:
        declared = notebook_parameters(spec.notebook)
    except ReportConfigError:
        declared = {}
    effective = {k: p.default for k, p in declared.items()}
    effective.update(spec.parameters)
    inputs = _input_files(effective, cwd)
    runner_error: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(dir=folder, prefix=".run-") as tmp:
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
                cwd=str(cwd),
                execution_timeout=timeout,
                start_timeout=120,
                progress_bar=progress,
                log_output=False,
            )
        except PapermillExecutionError:
            pass  # the executed notebook holds the error output; found below
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
    nb = remove_error_markers(nb)  # papermill's red banner cells; the page has its own
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
    status = "ok" if error is None else "failed"
    values, labels = _records(nb)
    try:
        display_notebook = str(spec.notebook.relative_to(Path.cwd()))
    except ValueError:
        display_notebook = spec.notebook.name
    results = {
        "schema": RESULTS_SCHEMA,
        "name": spec.name,
        "title": spec.title,
        "notebook": display_notebook,
        "status": status,
        "error": error,
        "results": values,
        "labels": labels,
        "parameters": json_safe(effective),
        "overridden": sorted(spec.parameters),
        "inputs": inputs,
        "run": {
            "started_at": started.isoformat(timespec="seconds"),
            "finished_at": finished.isoformat(timespec="seconds"),
            "duration_s": round(duration, 3),
            "cxkit_version": __version__,
            "python_version": sys.version.split()[0],
            "papermill_version": papermill.__version__,
            "kernel_name": kernel_name,
            "timeout_s": timeout,
        },
        "files": {"html": html_path.name, "notebook": nb_out.name},
    }
    page = render_report_html(nb, results)
    _atomic_write(nb_out, nbformat.writes(nb))
    _atomic_write(html_path, page)
    _atomic_write(results_path, json.dumps(results, indent=2, ensure_ascii=False) + "\n")
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
    from cxkit.report._page import render_index_html

    out = Path(out_dir)
    entries = []
    for path in sorted(out.glob("*/results.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if data.get("schema") != RESULTS_SCHEMA:
            continue
        data["_href"] = f"{path.parent.name}/{data.get('files', {}).get('html', '')}"
        entries.append(data)
    entries.sort(key=lambda d: str(d.get("name")))
    index = out / "index.html"
    _atomic_write(index, render_index_html(entries))
    return index


def _log_done(log: Any, i: int, total: int, outcome: ReportOutcome) -> None:
    if log is None:
        return
    err = outcome.results.get("error") or {}
    extra = f": {err.get('ename')}: {err.get('evalue')}" if not outcome.ok else ""
    print(
        f"[{i}/{total}] {outcome.spec.name} {outcome.status} ({outcome.duration_s:.1f} s){extra}"
        f" -> {outcome.html_path}",
        file=log,
        flush=True,
    )


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
        Gets one line when each report starts and ends (default: none).

    Returns
    -------
    list of ReportOutcome
        In the order of ``specs``; reports whose ``requires`` files are missing are skipped.
    """
    specs = list(specs)
    for spec in [s for s in specs if s.missing_requirements()]:
        if log is not None:
            need = ", ".join(str(p) for p in spec.missing_requirements())
            print(f"skipped {spec.name}: it needs {need}, which is not there", file=log, flush=True)
        specs.remove(spec)
    total = len(specs)
    if jobs <= 1 or total <= 1:
        outcomes = []
        for i, spec in enumerate(specs, start=1):
            if log is not None:
                print(f"[{i}/{total}] {spec.name} …", file=log, flush=True)
            outcome = run_report(
                spec, out_dir, timeout=timeout, kernel_name=kernel_name, progress_bar=progress_bar
            )
            _log_done(log, i, total, outcome)
            outcomes.append(outcome)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        slots: list[ReportOutcome | None] = [None] * total
        ctx = multiprocessing.get_context("spawn")  # no fork of a process with polars threads
        with ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=ctx) as pool:
            futures = {}
            for i, spec in enumerate(specs):
                if log is not None:
                    print(f"[{i + 1}/{total}] {spec.name} queued", file=log, flush=True)
                fut = pool.submit(
                    run_report,
                    spec,
                    out_dir,
                    timeout=timeout,
                    kernel_name=kernel_name,
                    progress_bar=False,
                )
                futures[fut] = i
            for fut in as_completed(futures):
                i = futures[fut]
                slots[i] = fut.result()
                _log_done(log, i + 1, total, slots[i])
        outcomes = [o for o in slots if o is not None]
    if index:
        write_index(out_dir)
    return outcomes
