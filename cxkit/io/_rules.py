"""Rules every reader shares: mapped columns exist once, ids are present, rows are unique;
and :func:`finish`, which turns a :class:`~cxkit.io._checks.ReadReport` into an exception or
warnings. Private to :mod:`cxkit.io`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import polars as pl

from cxkit.errors import CxDataError, CxDataWarning, missing_column_error
from cxkit.io._checks import Check, ReadReport, tied_rows, tied_to_previous
from cxkit.io._sources import Opened

__all__ = ["duplicates_check", "finish", "not_null", "require_mapped"]


def require_mapped(
    opened: Opened, mapping: dict[str, str], role_args: dict[str, tuple[str, str]]
) -> None:
    """Check mapped columns exist and are unambiguous; ``mapping`` is canonical → source."""
    names = opened.frame.collect_schema().names()
    for canonical, col in mapping.items():
        role, arg = role_args[canonical]
        if col in opened.renamed_duplicates:
            raise CxDataError(
                f"Column {col!r} (the {role}) is ambiguous: the header names it "
                f"{len(opened.renamed_duplicates[col]) + 1} times.",
                source=opened.label,
                column=col,
                rule="a mapped column must appear once in the header",
                examples=[f"copies renamed to {opened.renamed_duplicates[col]}"],
                hint=f"rename the duplicate columns at the source, or pass "
                f"{arg}={opened.renamed_duplicates[col][0]!r} to use the later copy",
            )
        if col not in names:
            raise missing_column_error(col, names, source=opened.label, role=role, argument=arg)
    sources = set(mapping.values())
    for canonical, col in mapping.items():
        if canonical != col and canonical in names and canonical not in sources:
            raise CxDataError(
                f"The data already has a column named {canonical!r}, and {col!r} is mapped to "
                f"that name.",
                source=opened.label,
                column=canonical,
                rule="canonical column names must be unique after mapping",
                hint=f"rename or drop the existing {canonical!r} column first",
            )


def finish(report: ReadReport) -> None:
    """Raise the first error, warn about warnings."""
    errors = [p for p in report.problems if p.level == "error"]
    if errors:
        first = errors[0]
        more = (
            f" ({len(errors) - 1} more problem(s): run cxkit.validate for all)"
            if len(errors) > 1
            else ""
        )
        raise CxDataError(
            first.message + more,
            source=report.source,
            column=first.column,
            rule=first.rule,
            n_rows=first.n_rows,
            examples=first.examples,
            hint=first.hint,
        )
    for p in report.problems:
        if p.level == "warning":
            warnings.warn(
                f"{report.source}: {p.message} [{p.n_rows:,} rows]", CxDataWarning, stacklevel=3
            )


def not_null(col: str, what: str, dtype: pl.DataType | None = None) -> Check:
    """Rows without a ``what``: null, or (text) empty or only spaces."""
    flag = pl.col(col).is_null()
    bound: dict[str, pl.Expr] = {}
    if dtype is None or dtype == pl.String:
        text = pl.col(col).cast(pl.String)
        # A blank text is empty or starts with white space, and every Unicode White_Space
        # character (what ``strip_chars`` removes; checked over all code points) is below "!",
        # in U+0085–U+00A0, U+1680 or U+2000–U+3000; texts compare by code point. So a count
        # of texts below "!" or from U+0085 on (two comparisons, a fifth of the strip) is 0
        # on clean ids, and otherwise only the rows starting in those ranges are stripped —
        # not every row of touchpoints written in another script.
        first_ws = (
            (text < "!")
            | ((text >= "\u0085") & (text < "\u00a1"))
            | ((text >= "\u1680") & (text < "\u1681"))
            | ((text >= "\u2000") & (text < "\u3001"))
        )
        bound = {
            "upper_bound": (flag | (text < "!") | (text >= "\u0085")).sum(),
            "candidates": flag | first_ws,
        }
        flag = flag | (text.str.strip_chars() == "")
    return Check(
        column=col,
        rule=f"every row needs a {what}",
        flag=flag,
        message=f"Some rows have no {what} (missing, empty or blank).",
        hint="fill or remove those rows at the source",
        **bound,
    )


def duplicates_check(
    columns: Sequence[str],
    what: str,
    level: str,
    hint: str,
    sort_key: tuple[pl.Expr, pl.Expr] | None = None,
) -> Check:
    key = pl.struct([pl.col(c) for c in columns]) if len(columns) > 1 else pl.col(columns[0])
    sorted_parts: dict[str, pl.Expr] = {}
    if sort_key is not None:
        # on rows sorted by ``sort_key`` (customer, time) or by the time alone, equal rows sit
        # in one block of tied times: while no block has more than three rows, comparing each
        # row with the one or two before it in its block finds every copy (bigger blocks are
        # rare; their rows are checked exactly)
        tie = tied_to_previous(sort_key[1:])
        tie2 = tie & tie.shift(1).fill_null(False)  # tied to the two rows before it

        def equal_to(back: int) -> pl.Expr:
            return pl.all_horizontal(pl.col(c).eq_missing(pl.col(c).shift(back)) for c in columns)

        sorted_parts = {
            "sorted_bound": (tie & equal_to(1)) | (tie2 & equal_to(2)),
            "sorted_exact": tie2 & tie.shift(2).fill_null(False),
            "sorted_candidates": tied_rows(sort_key[1:]),
        }
    return Check(
        column=", ".join(columns) if len(columns) <= 3 else None,
        rule=f"{what} are unique",
        flag=key.is_duplicated() & ~key.is_first_distinct(),
        message=f"Found {what} that repeat.",
        hint=hint,
        level=level,
        # cheap first pass on a 64-bit row hash (an upper bound: 0 proves there is no
        # duplicate); only rows whose hash repeats are then compared exactly
        upper_bound=pl.len() - key.hash().n_unique(),
        candidates=key.hash().is_duplicated(),
        **sorted_parts,
    )
