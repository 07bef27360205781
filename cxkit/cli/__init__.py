"""The ``cxkit`` command: ``validate``, ``sample-data``, ``report`` and ``demo``.

Run ``cxkit --help`` or ``cxkit COMMAND --help`` for the options.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Sequence

from cxkit.errors import CxDataError, CxDataWarning


def _csv_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _scale(text: str) -> tuple[float, float]:
    lo, hi = (float(x) for x in text.split(","))
    return lo, hi


def _cmd_validate(args: argparse.Namespace) -> int:
    import cxkit

    options: dict = {}
    if args.kind in {"events", "customers"}:
        options["customer"] = args.customer
    if args.kind == "events":
        options.update(
            time=args.time,
            touchpoint=args.touchpoint,
            tz=args.tz,
            score=args.score,
            time_format=args.time_format,
        )
        if args.scale:
            options["scale"] = args.scale
    if args.kind == "survey":
        options.update(
            ratings=args.ratings,
            na_codes=args.na_codes,
            weight=args.weight,
            respondent=args.respondent,
        )
        options["scale"] = args.scale or (1, 5)
    if args.kind == "experiment":
        options.update(
            unit=None if args.unit in {"", "none", "None"} else args.unit,
            arm=args.arm,
            cluster=args.cluster,
        )
    report = cxkit.validate(args.path, kind=args.kind, **options)
    print(report.to_text())
    return 0 if report.ok else 1


def _cmd_sample_data(args: argparse.Namespace) -> int:
    from cxkit.sample import write_sample_data

    start = time.perf_counter()
    write_sample_data(args.out, args.size, seed=args.seed, n_events=args.events, log=print)
    print(f"done in {time.perf_counter() - start:.1f} s; see {args.out}/data_dictionary.md")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``cxkit`` command."""
    parser = argparse.ArgumentParser(
        prog="cxkit",
        description="Customer-experience research kit: journeys, touchpoint satisfaction, "
        "A/B tests of service changes, offline HTML reports.",
    )
    from cxkit._version import __version__

    parser.add_argument("--version", action="version", version=f"cxkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    v = sub.add_parser("validate", help="check a data file against a cxkit data contract")
    v.add_argument("path", help="CSV, Parquet or NDJSON file (or a glob)")
    v.add_argument(
        "--kind", choices=["events", "customers", "survey", "experiment"], default="events"
    )
    v.add_argument(
        "--customer", default="customer_id", help="customer id column (events, customers)"
    )
    v.add_argument("--time", default="timestamp", help="event time column (events)")
    v.add_argument("--touchpoint", default="touchpoint", help="touchpoint column (events)")
    v.add_argument("--tz", default=None, help="IANA zone of naive timestamps, e.g. Europe/Rome")
    v.add_argument("--time-format", default=None, help="chrono format of the timestamps")
    v.add_argument("--score", default=None, help="touchpoint score column (events)")
    v.add_argument(
        "--ratings", type=_csv_list, default=None, help="rating columns, comma-separated (survey)"
    )
    v.add_argument(
        "--scale", type=_scale, default=None, help="scale of the ratings/score, e.g. 1,5"
    )
    v.add_argument(
        "--na-codes",
        type=lambda s: [float(x) for x in _csv_list(s)],
        default=None,
        help="codes meaning not applicable, e.g. 0 (survey)",
    )
    v.add_argument("--weight", default=None, help="weight column (survey)")
    v.add_argument("--respondent", default=None, help="respondent id column (survey)")
    v.add_argument("--unit", default="unit_id", help="unit id column, or 'none' (experiment)")
    v.add_argument("--arm", default="arm", help="arm column (experiment)")
    v.add_argument("--cluster", default=None, help="cluster column (experiment)")
    v.set_defaults(func=_cmd_validate)

    s = sub.add_parser(
        "sample-data", help="write the synthetic sample data (Parquet + data dictionary)"
    )
    s.add_argument("--out", default="data/sample", help="output folder (default data/sample)")
    s.add_argument(
        "--size",
        choices=["small", "medium", "large"],
        default="small",
        help="≈15k, 1M or 10M events",
    )
    s.add_argument("--events", type=int, default=None, help="number of events (overrides --size)")
    s.add_argument("--seed", type=int, default=42)
    s.set_defaults(func=_cmd_sample_data)

    import importlib.util

    if importlib.util.find_spec("cxkit.cli.report") is not None:
        from cxkit.cli import report as cli_report

        cli_report.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cxkit`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    warnings.simplefilter("default", CxDataWarning)
    try:
        return int(args.func(args) or 0)
    except CxDataError as exc:
        print(f"cxkit: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
