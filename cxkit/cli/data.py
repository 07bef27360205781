"""``cxkit validate`` and ``cxkit sample-data`` (added to the ``cxkit`` command).

The defaults of ``validate`` are the readers' own (:data:`cxkit.io.READER_DEFAULTS`): an
option not given on the command line is not passed, so the reader's default applies.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from cxkit.io import READER_DEFAULTS

__all__ = ["add_commands"]

KINDS = tuple(READER_DEFAULTS)


def _csv_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _scale(text: str) -> tuple[float, float]:
    lo, hi = (float(x) for x in text.split(","))
    return lo, hi


def _codes(text: str) -> list[float]:
    return [float(x) for x in _csv_list(text)]


#: command-line option → (reader option, parser, kinds it applies to, help)
_OPTIONS: dict[str, tuple[str, Any, tuple[str, ...], str]] = {
    "--customer": ("customer", str, ("events", "customers"), "customer id column"),
    "--time": ("time", str, ("events",), "event time column"),
    "--touchpoint": ("touchpoint", str, ("events",), "touchpoint column"),
    "--tz": ("tz", str, ("events",), "IANA zone of naive timestamps, e.g. Europe/Rome"),
    "--time-format": ("time_format", str, ("events",), "chrono format of the timestamps"),
    "--score": ("score", str, ("events",), "touchpoint score column"),
    "--ratings": ("ratings", _csv_list, ("survey",), "rating columns, comma-separated"),
    "--scale": ("scale", _scale, ("events", "survey"), "scale of the ratings/score, e.g. 1,5"),
    "--na-codes": ("na_codes", _codes, ("survey",), "codes meaning not applicable, e.g. 0"),
    "--weight": ("weight", str, ("survey",), "weight column"),
    "--respondent": ("respondent", str, ("survey",), "respondent id column"),
    "--unit": ("unit", str, ("experiment",), "unit id column, or 'none'"),
    "--arm": ("arm", str, ("experiment",), "arm column"),
    "--cluster": ("cluster", str, ("experiment",), "cluster column"),
    "--encoding": ("encoding", str, KINDS, "text encoding of CSV files, e.g. latin-1"),
    "--separator": ("separator", str, KINDS, "CSV field separator, e.g. ';'"),
}


def _help(option: str, kinds: tuple[str, ...], text: str) -> str:
    defaults = {READER_DEFAULTS[k].get(option) for k in kinds}
    shown = f"; default {defaults.pop()!r}" if len(defaults) == 1 and None not in defaults else ""
    return f"{text} ({', '.join(kinds)}{shown})"


def _cmd_validate(args: argparse.Namespace) -> int:
    from cxkit.io import validate

    options: dict[str, Any] = {}
    for flag, (option, _, kinds, _) in _OPTIONS.items():
        value = getattr(args, flag[2:].replace("-", "_"))
        if value is None or args.kind not in kinds:
            continue
        if option == "unit" and value in {"", "none", "None"}:
            value = None
        options[option] = value
    report = validate(args.path, kind=args.kind, **options)
    print(report.to_text())
    return 0 if report.ok else 1


def _cmd_sample_data(args: argparse.Namespace) -> int:
    from cxkit.sample import write_sample_data

    start = time.perf_counter()
    write_sample_data(args.out, args.size, seed=args.seed, n_events=args.events)
    print(f"done in {time.perf_counter() - start:.1f} s; see {args.out}/data_dictionary.md")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``validate`` and ``sample-data`` to the ``cxkit`` command's subparsers."""
    v = sub.add_parser("validate", help="check a data file against a cxkit data contract")
    v.add_argument("path", help="CSV, Parquet or NDJSON file (or a glob)")
    v.add_argument("--kind", choices=KINDS, default="events")
    for flag, (option, parse, kinds, text) in _OPTIONS.items():
        v.add_argument(flag, type=parse, default=None, help=_help(option, kinds, text))
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
