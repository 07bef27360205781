"""``cxkit report run|list`` and ``cxkit demo`` (added to the ``cxkit`` command by ``cli.py``).

* ``cxkit report run [NAME_OR_NOTEBOOK ...] [-p key=value ...] [--config FILE] [--out DIR]``
  runs the named reports of ``reports.toml`` (all of them without names), or notebooks given
  by path; ``-p`` values are typed by the notebook's parameter-cell annotations.
* ``cxkit report list`` shows the configured reports and their parameters.
* ``cxkit demo [--out DIR]`` writes the sample data if it is missing, runs every report in
  ``reports.toml`` into ``reports/`` (or ``DIR``) and writes the index. Without a
  ``reports.toml`` in the working folder (an installed cxkit, no checkout), it runs the demo
  project that ships in the wheel (``cxkit/_demo``: the repository's ``reports.toml`` and
  ``notebooks/``), copied to ``DIR/_demo/`` with its sample data.

Exit code: 0 when every report succeeded, 1 when any failed, 2 for a usage/config error.
"""

from __future__ import annotations

import argparse
import importlib.resources
import math
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from cxkit.cli._logging import setup_logging

__all__ = ["DEFAULT_JOBS", "SAMPLE_FILES", "add_commands", "bundled_project", "main"]


#: Reports run in parallel by default: two, or one on a single-core machine.
DEFAULT_JOBS = max(1, min(2, os.cpu_count() or 1))
#: The files ``cxkit demo`` expects in the sample-data folder (written when any is missing).
SAMPLE_FILES = ("events.parquet", "customers.parquet", "survey.parquet", "experiment.parquet")


def _timeout(text: str) -> float:
    """``--timeout``: a finite number of seconds above zero (argparse exits 2 otherwise)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, e.g. 120; got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected seconds above 0, e.g. 120; got {text!r}")
    return value


def _usable_out(out: str) -> str | None:
    """Why ``--out`` cannot hold the reports (None when it can)."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        return f"--out {out!r} is a file, not a folder: name a folder for the reports"
    parent = next((p for p in [path, *path.parents] if p.exists()), None)
    if parent is not None and not os.access(parent, os.W_OK | os.X_OK):
        return f"--out {out!r}: {parent} is not writable: name a folder you can write to"
    return None


def _run(specs, args: argparse.Namespace) -> int:
    from cxkit.report import run_reports

    if not specs:
        print("cxkit: no reports to run (reports.toml lists none)", file=sys.stderr)
        return 2
    problem = _usable_out(args.out)
    if problem:
        print(f"cxkit: {problem}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    outcomes = run_reports(specs, args.out, timeout=args.timeout, jobs=args.jobs)
    failed = [o for o in outcomes if not o.ok]
    skipped = len(specs) - len(outcomes)
    print(
        f"{len(outcomes) - len(failed)} ok, {len(failed)} failed, {skipped} skipped in "
        f"{time.perf_counter() - start:.1f} s; index: {Path(args.out) / 'index.html'}",
        file=sys.stderr,
    )
    return 1 if failed else 0


def _cmd_report_run(args: argparse.Namespace) -> int:
    from cxkit.report import ReportConfigError, load_config, parse_assignments, select_reports

    try:
        config = Path(args.config)
        only_notebooks = args.targets and all(t.endswith(".ipynb") for t in args.targets)
        specs = load_config(config) if config.is_file() or not only_notebooks else []
        chosen = select_reports(specs, args.targets, parse_assignments(args.parameter))
    except ReportConfigError as exc:
        print(f"cxkit: {exc}", file=sys.stderr)
        return 2
    return _run(chosen, args)


def _cmd_report_list(args: argparse.Namespace) -> int:
    from cxkit.report import ReportConfigError, load_config

    try:
        specs = load_config(args.config)
    except ReportConfigError as exc:
        print(f"cxkit: {exc}", file=sys.stderr)
        return 2
    for spec in specs:
        params = ", ".join(f"{k}={v!r}" for k, v in spec.parameters.items())
        print(f"{spec.name}\t{spec.notebook.name}\t{params}")
    return 0


def bundled_project() -> Path | None:
    """The demo project shipped in the wheel (``reports.toml`` + ``notebooks/``), if any."""
    root = importlib.resources.files("cxkit") / "_demo"
    path = Path(str(root))
    return path if (path / "reports.toml").is_file() and (path / "notebooks").is_dir() else None


def _demo_config(args: argparse.Namespace) -> Path:
    """``--config``, else ``reports.toml`` here, else a copy of the bundled demo project."""
    if args.config is not None:
        return Path(args.config)
    here = Path("reports.toml")
    bundle = None if here.is_file() else bundled_project()
    if bundle is None:
        return here
    target = Path(args.out) / "_demo"
    (target / "notebooks").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(bundle / "reports.toml", target / "reports.toml")
    for nb in sorted((bundle / "notebooks").glob("*.ipynb")):
        shutil.copyfile(nb, target / "notebooks" / nb.name)
    print(f"no reports.toml here: running the bundled demo project in {target}", file=sys.stderr)
    return target / "reports.toml"


def _cmd_demo(args: argparse.Namespace) -> int:
    from cxkit.report import ReportConfigError, load_config

    config = _demo_config(args)
    data = Path(args.data) if args.data else config.parent / "data" / "sample"
    missing = [f for f in SAMPLE_FILES if not (data / f).is_file()]
    if missing:
        from cxkit.sample import write_sample_data

        print(f"writing the {args.size} sample data into {data} …", file=sys.stderr)
        t0 = time.perf_counter()
        write_sample_data(out=data, size=args.size)
        print(f"sample data written in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    try:
        specs = load_config(config)
    except ReportConfigError as exc:
        print(f"cxkit: {exc}", file=sys.stderr)
        return 2
    return _run(specs, args)


def _common(p: argparse.ArgumentParser, config_default: str | None = "reports.toml") -> None:
    p.add_argument(
        "--config",
        default=config_default,
        help="report config (default reports.toml"
        + (
            "; for demo, the bundled demo project when there is none here)"
            if not config_default
            else ")"
        ),
    )
    p.add_argument("--out", default="reports", help="output folder (default reports)")
    p.add_argument(
        "--timeout",
        type=_timeout,
        default=600.0,
        help="seconds one notebook cell may run before the report fails (default 600)",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=DEFAULT_JOBS,
        help=f"reports run at the same time, one kernel each (default {DEFAULT_JOBS})",
    )


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``report`` (``run``, ``list``) and ``demo`` to the ``cxkit`` command's subparsers."""
    rep = subparsers.add_parser("report", help="run notebooks into offline HTML reports")
    rsub = rep.add_subparsers(dest="report_command", metavar="ACTION", required=True)
    run = rsub.add_parser(
        "run",
        help="run reports from reports.toml, or notebooks by path",
        description="Run reports with papermill into single-file offline HTML + results.json.",
    )
    run.add_argument(
        "targets",
        nargs="*",
        metavar="NAME_OR_NOTEBOOK",
        help="report names from the config (all when omitted) or notebook paths",
    )
    run.add_argument(
        "-p",
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter, typed by the notebook's annotations (repeatable); "
        "lists as a,b,c; none for an optional value",
    )
    _common(run)
    run.set_defaults(func=_cmd_report_run)
    ls = rsub.add_parser("list", help="list the reports in the config")
    ls.add_argument("--config", default="reports.toml")
    ls.set_defaults(func=_cmd_report_list)

    demo = subparsers.add_parser(
        "demo",
        help="write the sample data if missing, then run every report into reports/",
    )
    _common(demo, config_default=None)
    demo.add_argument(
        "--data",
        default=None,
        help="where the sample data is looked for and written when missing (default: "
        "data/sample beside the config; the reports read what their parameters in the config say)",
    )
    demo.add_argument(
        "--size",
        choices=["small", "medium", "large"],
        default="small",
        help="sample size when writing it (default small: ≈15k events)",
    )
    demo.set_defaults(func=_cmd_demo)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``report``/``demo`` without the rest of the ``cxkit`` command (used by tests)."""
    parser = argparse.ArgumentParser(prog="cxkit")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    setup_logging()
    from cxkit.report import ReportConfigError

    try:
        return int(args.func(args) or 0)
    except ReportConfigError as exc:
        print(f"cxkit: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
