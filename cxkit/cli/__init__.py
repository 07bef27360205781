"""The ``cxkit`` command: ``validate``, ``sample-data``, ``report`` and ``demo``.

Run ``cxkit --help`` or ``cxkit COMMAND --help`` for the options (also ``python -m cxkit``).
The command is the top of the package: it may print; the library logs to the ``cxkit``
logger, which the command shows on stderr.

Modules: ``data`` (validate, sample-data) · ``report`` (report run/list, demo).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from cxkit.cli import data as cli_data
from cxkit.cli import report as cli_report
from cxkit.cli._logging import setup_logging
from cxkit.errors import CxDataError, CxDataWarning

__all__ = ["build_parser", "main", "setup_logging"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``cxkit`` command."""
    from cxkit._version import __version__

    parser = argparse.ArgumentParser(
        prog="cxkit",
        description="Customer-experience research kit: journeys, touchpoint satisfaction, "
        "A/B tests of service changes, offline HTML reports.",
    )
    parser.add_argument("--version", action="version", version=f"cxkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    cli_data.add_commands(sub)
    cli_report.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cxkit`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    setup_logging()
    warnings.simplefilter("default", CxDataWarning)
    from cxkit.report import ReportConfigError

    try:
        return int(args.func(args) or 0)
    except CxDataError as exc:
        print(f"cxkit: {exc}", file=sys.stderr)
        return 1
    except ReportConfigError as exc:  # a usage or configuration error: no traceback
        print(f"cxkit: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
