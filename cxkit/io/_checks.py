"""Validation rules run as one aggregate pass over a lazy frame (private to :mod:`cxkit.io`)."""

from __future__ import annotations

import contextvars
import dataclasses
import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from cxkit.io._sources import Opened

#: True inside :func:`cxkit.validate`: fetch examples and exact counts for every problem. The
#: ``read_*`` functions only need them for errors (warnings carry the count alone), which saves
#: a pass over the data.
FULL_DETAIL: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "cxkit_full_detail", default=False
)


@dataclass
class Check:
    """A rule: ``flag`` is true on the rows that break it."""

    column: str | None
    rule: str
    flag: pl.Expr
    message: str
    hint: str | None = None
    level: str = "error"
    when_also: pl.Expr | None = None  # the rule only fails if this is also true on some row
    upper_bound: pl.Expr | None = None  # cheap aggregate ≥ the count; 0 means the rule holds
    candidates: pl.Expr | None = None  # rows that may break the rule (exact check runs on them)
    # When the pass finds the rows sorted by ``run_checks``'s ``sort_key``, or by its last part
    # alone (the time: a raw log in time order): rows flagged by ``sorted_bound`` are counted
    # instead of ``upper_bound`` — the exact count while no row is flagged by ``sorted_exact``;
    # otherwise the rows ``sorted_candidates`` are checked exactly (or, when there are more than
    # ``MAX_CANDIDATES`` of them, ``upper_bound`` and ``candidates`` are used after all). The
    # flags must hold in both orders (compare rows tied on the last part of the key), and look
    # at most ``LOOK_BACK`` rows back (the pass may run in slices).
    sorted_bound: pl.Expr | None = None
    sorted_exact: pl.Expr | None = None
    sorted_candidates: pl.Expr | None = None


@dataclass
class Problem:
    """One broken rule found in the data."""

    level: str  # "error", "warning" or "info"
    column: str | None
    rule: str
    n_rows: int
    examples: list[Any]
    message: str
    hint: str | None = None


@dataclass
class ReadReport:
    """What reading a source found: size, problems and (after :func:`cxkit.validate`) a summary."""

    kind: str
    source: str
    n_rows: int
    problems: list[Problem] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    #: rows already ordered by the ``sort_key`` given to :func:`run_checks` (None: not checked)
    is_sorted: bool | None = None

    @property
    def ok(self) -> bool:
        """True when no problem is an error."""
        return not any(p.level == "error" for p in self.problems)

    def count(self, rule: str) -> int:
        """Rows breaking ``rule`` (0 when it holds)."""
        return sum(p.n_rows for p in self.problems if p.rule == rule)

    def to_text(self) -> str:
        """A readable multi-line summary (what ``cxkit validate`` prints)."""
        lines = [f"{self.kind} from {self.source}", f"  rows: {self.n_rows:,}"]
        for key, value in self.summary.items():
            if key in {"n_events", "n_rows"}:
                continue
            if isinstance(value, _dt.datetime):
                value = value.strftime("%Y-%m-%d %H:%M:%S %Z")
            elif isinstance(value, int):
                value = f"{value:,}"
            lines.append(f"  {key.replace('_', ' ')}: {value}")
        if not self.problems:
            lines.append("  no problems found")
        for p in self.problems:
            col = f" [{p.column}]" if p.column else ""
            lines.append(
                f"  {p.level.upper()}{col}: {p.message} ({p.n_rows:,} rows; rule: {p.rule})"
            )
            for ex in p.examples[:5]:
                lines.append(f"      e.g. {ex}")
            if p.hint:
                lines.append(f"      fix: {p.hint}")
        lines.append("  VALID" if self.ok else "  NOT VALID")
        return "\n".join(lines)

    __str__ = to_text

    def _repr_html_(self) -> str:
        """The same text in a notebook, escaped, under a green VALID or red NOT VALID badge."""
        import html

        colour, word = ("#009E73", "VALID") if self.ok else ("#D55E00", "NOT VALID")
        badge = f'<strong style="color:{colour}">{word}</strong>'
        return f'<div class="cx-read-report">{badge}<pre>{html.escape(self.to_text())}</pre></div>'


def out_of_order(key: tuple[pl.Expr, pl.Expr]) -> pl.Expr:
    """True on rows that come before their predecessor in ``(key[0], key[1])`` order, or hold
    a null key. None of them means a stable sort by the key would leave the rows as they are.
    """
    a, b = key
    before = ((a.shift(1) > a) | ((a.shift(1) == a) & (b.shift(1) > b))).fill_null(False)
    return before | a.is_null() | b.is_null()


def unsorted_rows(key: tuple[pl.Expr, pl.Expr]) -> pl.Expr:
    """How many rows are :func:`out_of_order` (0: already sorted by the key)."""
    return out_of_order(key).sum()


def tied_to_previous(key: tuple[pl.Expr, ...]) -> pl.Expr:
    """Rows whose key (one or more expressions) equals that of the row before them."""
    return pl.all_horizontal(x.shift(1) == x for x in key).fill_null(False)


def tied_rows(key: tuple[pl.Expr, ...]) -> pl.Expr:
    """Rows (of sorted data) whose key equals that of the row before or after them."""
    tie = tied_to_previous(key)
    return tie | tie.shift(-1).fill_null(False)


#: Sources whose size is known up front (Parquet, in-memory frames) are checked in slices of
#: this many rows when a ``sort_key`` is given, so memory stays flat however long the file is.
SLICE_ROWS = 5_000_000
LOOK_BACK = 2  # rows a row-level check may look back (``shift(1)``, ``shift(2)``)
#: Above this many ``sorted_candidates`` rows, a check is counted by its hashed ``upper_bound``
#: pass instead (streaming), not by holding the candidates in memory.
MAX_CANDIDATES = 1_000_000


def _row_flag_counts(lf: pl.LazyFrame, flags: dict[str, pl.Expr], n_rows: int) -> dict[str, int]:
    """``{name: rows flagged}`` over ``lf``, slice by slice; each slice re-reads the
    ``LOOK_BACK`` rows before it so that shifted comparisons see their real neighbours."""
    totals = dict.fromkeys(flags, 0)
    for start in range(0, n_rows, SLICE_ROWS):
        back = min(start, LOOK_BACK)
        own = pl.int_range(pl.len()) >= back
        part = lf.slice(start - back, SLICE_ROWS + back).select(
            (flag & own).sum().alias(name) for name, flag in flags.items()
        )
        for name, value in part.collect(engine="streaming").row(0, named=True).items():
            totals[name] += int(value or 0)
    return totals


def _bound(c: Check) -> pl.Expr:
    return c.flag.sum() if c.upper_bound is None else c.upper_bound


def _counts(
    opened: Opened, checks: list[Check], sort_key: tuple[pl.Expr, pl.Expr] | None
) -> dict[str, Any]:
    """Row count and each rule's bound in one pass (a second one only for unsorted rows)."""
    lf = opened.frame
    try:
        if sort_key is not None:
            counts = _sorted_pass(opened, checks, sort_key)
        else:
            aggs = [pl.len().alias("__n")]
            for i, c in enumerate(checks):
                aggs.append(_bound(c).alias(f"__c{i}"))
                if c.when_also is not None:
                    aggs.append(c.when_also.sum().alias(f"__w{i}"))
            counts = lf.select(aggs).collect(engine="streaming").row(0, named=True)
        if sort_key is not None and counts["__unsorted"] and counts["__unsorted_time"]:
            redo = [
                _bound(c).alias(f"__c{i}")
                for i, c in enumerate(checks)
                if c.sorted_bound is not None
            ]
            if redo:
                counts.update(lf.select(redo).collect(engine="streaming").row(0, named=True))
    except pl.exceptions.PolarsError as exc:
        from cxkit.errors import CxDataError

        raise CxDataError(
            f"The data could not be read: {str(exc).splitlines()[0]}",
            source=opened.label,
            rule="a well-formed file",
            hint="check the file's format: its separator (separator=';'), quoting and "
            "encoding (encoding='latin-1'); every row has as many fields as the header",
        ) from exc
    return counts


def run_checks(
    opened: Opened,
    kind: str,
    checks: list[Check],
    sort_key: tuple[pl.Expr, pl.Expr] | None = None,
    derived: dict[str, pl.Expr] | None = None,
) -> ReadReport:
    """Count every rule's violations in one pass, then fetch up to 5 examples of each.

    With a ``sort_key``, the same pass tells whether the rows are already sorted by it
    (``ReadReport.is_sorted``); checks with a ``sorted_bound`` then use that cheaper bound, and
    only unsorted data pays a second pass for their ``upper_bound``.

    ``derived``: columns computed once per pass (``{name: expression}``) that the sort key and
    the checks refer to by name — a converted key is then evaluated once, not at every use
    (Polars does not share a costly subexpression such as a text-timestamp parse between its
    shifted copies). They are not shown in the examples.
    """
    if derived:
        opened = dataclasses.replace(opened, frame=opened.frame.with_columns(**derived))
    lf = opened.frame
    counts = _counts(opened, checks, sort_key)
    n = int(counts["__n"])
    report = ReadReport(kind=kind, source=opened.label, n_rows=n)
    is_sorted = sort_key is not None and not counts["__unsorted"]
    # sorted by the key, or by its time alone: the checks' sorted flags hold either way
    in_order = is_sorted or (sort_key is not None and not counts["__unsorted_time"])
    if sort_key is not None:
        report.is_sorted = is_sorted
    if n == 0:
        report.problems.append(
            Problem(
                "error",
                None,
                "the data has at least one row",
                0,
                [],
                "The data has no rows.",
                "check the file: it has a header but no data",
            )
        )
        return report
    for i, c in enumerate(checks):
        bad = int(counts[f"__c{i}"] or 0)
        sorted_path = in_order and c.sorted_bound is not None
        inexact = sorted_path and c.sorted_exact is not None and bool(counts[f"__e{i}"])
        if inexact and counts.get(f"__k{i}", 0) > MAX_CANDIDATES:  # too many to hold: hashed pass
            bad = int(lf.select(_bound(c)).collect(engine="streaming").item() or 0)
            sorted_path = inexact = False
        if (bad == 0 and not inexact) or (c.when_also is not None and not counts[f"__w{i}"]):
            continue
        quick = c.level != "error" and not FULL_DETAIL.get()
        if quick and not inexact:
            # a warning from read_*: the count is enough (for a hashed duplicate check on
            # unsorted rows it is the 64-bit-hash count, wrong only on a hash collision, ~n²/2⁶⁵)
            report.problems.append(Problem(c.level, c.column, c.rule, bad, [], c.message, c.hint))
            continue
        cols = [c.column] if c.column and c.column in lf.collect_schema().names() else []
        rows = lf.with_row_index("row", offset=1)
        candidates = c.sorted_candidates if sorted_path else c.candidates
        if candidates is not None:  # one pass for the few candidate rows, then exact, in memory
            rows = rows.filter(candidates).collect().lazy()
            bad = int(rows.select(c.flag.sum()).collect().item())
            if bad == 0:
                continue
        if quick:
            report.problems.append(Problem(c.level, c.column, c.rule, bad, [], c.message, c.hint))
            continue
        if c.level == "info":
            report.problems.append(Problem(c.level, c.column, c.rule, bad, [], c.message, c.hint))
            continue
        sample = (
            rows.filter(c.flag)
            .head(5)
            .select(["row", *cols] if cols else pl.exclude(list(derived)) if derived else pl.all())
            .collect()
            .to_dicts()
        )
        report.problems.append(Problem(c.level, c.column, c.rule, bad, sample, c.message, c.hint))
    return report


def _sorted_pass(
    opened: Opened, checks: list[Check], sort_key: tuple[pl.Expr, pl.Expr]
) -> dict[str, int]:
    """The first pass with a ``sort_key``: every count is a count of flagged rows.

    The flags used here (``sorted_bound``, or ``flag`` for checks without one) must be row-local:
    looking at most ``LOOK_BACK`` rows back, as the pass may run in slices.
    """
    time = sort_key[-1]
    flags = {
        "__unsorted": out_of_order(sort_key),
        "__unsorted_time": (time.shift(1) > time).fill_null(False) | time.is_null(),
    }
    for i, c in enumerate(checks):
        flags[f"__c{i}"] = c.sorted_bound if c.sorted_bound is not None else c.flag
        if c.sorted_exact is not None:
            flags[f"__e{i}"] = c.sorted_exact
            if c.sorted_candidates is not None:
                flags[f"__k{i}"] = c.sorted_candidates
        if c.when_also is not None:
            flags[f"__w{i}"] = c.when_also
    n_rows = opened.n_rows
    if n_rows is not None and n_rows > SLICE_ROWS:
        return {"__n": n_rows, **_row_flag_counts(opened.frame, flags, n_rows)}
    aggs = [pl.len().alias("__n"), *(f.sum().alias(k) for k, f in flags.items())]
    return opened.frame.select(aggs).collect(engine="streaming").row(0, named=True)
