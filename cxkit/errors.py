"""Errors and warnings raised by cxkit.

Every problem with user data is a :class:`CxDataError` (a ``ValueError``) whose message
names the source, the column, the rule broken, how many rows break it and a few examples,
so the user knows exactly what to fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import get_close_matches

__all__ = ["CxDataError", "CxDataWarning", "missing_column_error"]


class CxDataError(ValueError):
    """Input data broke a rule of cxkit's data contracts.

    Attributes
    ----------
    source, column, rule : str or None
        Where the problem is and which rule it breaks.
    n_rows : int or None
        How many rows break the rule.
    examples : list
        Up to five offending rows (as dicts) or values.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        column: str | None = None,
        rule: str | None = None,
        n_rows: int | None = None,
        examples: Sequence | None = None,
        hint: str | None = None,
    ) -> None:
        self.source = source
        self.column = column
        self.rule = rule
        self.n_rows = n_rows
        self.examples = list(examples or [])[:5]
        self.hint = hint
        lines = [message]
        if source is not None:
            lines.append(f"  source:  {source}")
        if column is not None:
            lines.append(f"  column:  {column!r}")
        if rule is not None:
            lines.append(f"  rule:    {rule}")
        if n_rows is not None:
            lines.append(f"  rows:    {n_rows:,} row(s) break the rule")
        if self.examples:
            lines.append("  examples:")
            lines.extend(f"    {ex!r}" for ex in self.examples)
        if hint:
            lines.append(f"  fix:     {hint}")
        super().__init__("\n".join(lines))


class CxDataWarning(UserWarning):
    """Input data was usable but something about it deserves attention."""


def missing_column_error(
    column: str, found: Sequence[str], *, source: str, role: str, argument: str
) -> CxDataError:
    """The error for a mapped column that is not in the data, with close matches."""
    close = get_close_matches(column, list(found), n=3, cutoff=0.5)
    lower = [c for c in found if c.lower() == column.lower() and c not in close]
    close = lower + close
    hint = (
        f"pass {argument}={close[0]!r}"
        if close
        else f"pass {argument}=<the column that holds the {role}>"
    )
    return CxDataError(
        f"Column {column!r} (the {role}) is missing.",
        source=source,
        column=column,
        rule=f"required column for the {role}",
        n_rows=None,
        examples=[f"columns found: {list(found)}", f"close matches: {close}"],
        hint=hint,
    )
