"""The one input adapter and the column checks every analysis shares (private to cxkit).

Every public function that takes data calls :func:`to_lazy` (or :func:`to_frame`) first, so
polars DataFrame / LazyFrame, pandas DataFrame and pyarrow Table work the same everywhere,
and anything else raises one :class:`~cxkit.errors.CxDataError` naming the accepted types.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import narwhals.stable.v2 as nw
import polars as pl

from cxkit.errors import CxDataError, missing_column_error
from cxkit.schema import BASE_OK, BASE_SMALL, BASE_SUPPRESSED, CORRECTIONS

__all__ = [
    "ACCEPTED",
    "bad_argument",
    "base_flag",
    "check_choice",
    "check_correction",
    "mask_na_codes",
    "renamed_args",
    "require_columns",
    "require_numeric",
    "to_frame",
    "to_lazy",
]

ACCEPTED = "a polars DataFrame or LazyFrame, a pandas DataFrame or a pyarrow Table"


def to_lazy(data: Any, *, what: str = "data", hint: str | None = None) -> pl.LazyFrame:
    """Return ``data`` as a polars LazyFrame (no copy for polars input).

    Parameters
    ----------
    data : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table
        The table to analyse.
    what : str
        How the error names the argument (``"events"``, ``"survey"``, …).
    hint : str, optional
        The fix shown when the type is not accepted (default: read files with ``cx.read_*``).

    Raises
    ------
    CxDataError
        For any other type, naming the accepted ones.

    Examples
    --------
    >>> import pandas as pd
    >>> to_lazy(pd.DataFrame({"a": [1, 2]})).collect()["a"].to_list()
    [1, 2]
    """
    if isinstance(data, pl.LazyFrame):
        return data
    if isinstance(data, pl.DataFrame):
        return data.lazy()
    native = nw.from_native(data, pass_through=True, eager_only=True)
    if isinstance(native, nw.DataFrame):
        return native.to_polars().lazy()
    lazy = data if isinstance(data, nw.LazyFrame) else nw.from_native(data, pass_through=True)
    if isinstance(lazy, nw.LazyFrame):  # an engine frame (DuckDB, Spark …) where none is taken
        engine = str(lazy.implementation).rsplit(".", 1)[-1].lower()
        raise CxDataError(
            f"{what} is a {engine} frame, but this function runs on polars data only: it "
            "needs the rows, not an aggregate, so it does not push down to engines.",
            rule=f"{what} is a local table",
            hint="the functions that run in engines are listed in docs/scaling.md; for this one, "
            "collect a filtered or sampled table first (e.g. a DuckDB relation's .pl())",
        )
    raise CxDataError(
        f"{what} must be {ACCEPTED}; got {type(data).__module__}.{type(data).__name__}.",
        rule=f"{what} is a table",
        hint=hint
        or "read files with cx.read_events / read_customers / read_survey / "
        "read_experiment, or pass one of the accepted frame types",
    )


def to_frame(data: Any, *, what: str = "data", hint: str | None = None) -> pl.DataFrame:
    """Like :func:`to_lazy`, collected (no copy for a polars DataFrame)."""
    if isinstance(data, pl.DataFrame):
        return data
    return to_lazy(data, what=what, hint=hint).collect()


def require_columns(
    frame: pl.LazyFrame | pl.DataFrame | pl.Schema | Sequence[str],
    columns: Mapping[str, tuple[str, str]],
    *,
    source: str = "data",
) -> None:
    """Raise ``CxDataError`` (with close matches) for the first mapped column that is missing.

    ``columns`` maps a column name to ``(role, argument)``: what the column holds and the
    argument that names it, so the fix can say ``pass customer='Customer ID'``.
    """
    if isinstance(frame, pl.LazyFrame):
        names = frame.collect_schema().names()
    elif isinstance(frame, pl.DataFrame | pl.Schema):
        names = list(frame.columns if isinstance(frame, pl.DataFrame) else frame.names())
    else:
        names = list(frame)
    for col, (role, arg) in columns.items():
        if col not in names:
            raise missing_column_error(col, names, source=source, role=role, argument=arg)


def require_numeric(
    schema: pl.Schema | Mapping[str, pl.DataType],
    column: str,
    *,
    role: str,
    source: str = "data",
    allow_bool: bool = True,
) -> None:
    """Raise ``CxDataError`` unless ``column`` is numeric (or Boolean when ``allow_bool``)."""
    dtype = schema[column]
    if dtype.is_numeric() or (allow_bool and dtype == pl.Boolean):
        return
    kinds = "numeric or Boolean" if allow_bool else "numeric"
    raise CxDataError(
        f"Column {column!r} (the {role}) must be {kinds}, found {dtype}.",
        source=source,
        column=column,
        rule=f"the {role} is {kinds}",
        hint="cast it at the source, or map text answers to numbers first "
        "(cx.satisfaction.to_binary for yes/no answers)",
    )


def mask_na_codes(column: str | pl.Expr, na_codes: Iterable[float] | None) -> pl.Expr:
    """The column with every value in ``na_codes`` (e.g. ``0`` = not applicable) made null."""
    expr = pl.col(column) if isinstance(column, str) else column
    codes = list(na_codes or [])
    if not codes:
        return expr
    return pl.when(expr.is_in(codes)).then(None).otherwise(expr)


def base_flag(n: str | pl.Expr, min_base: float, small_base: float | None = None) -> pl.Expr:
    """``base_flag`` from a base size: ``"suppressed"`` below ``min_base``, ``"small base"``
    below ``small_base`` (when given), else ``"ok"``. The one rule every module uses."""
    n_expr = (pl.col(n) if isinstance(n, str) else n).fill_null(0)
    flag = pl.when(n_expr < min_base).then(pl.lit(BASE_SUPPRESSED))
    if small_base is not None:
        flag = flag.when(n_expr < small_base).then(pl.lit(BASE_SMALL))
    return flag.otherwise(pl.lit(BASE_OK))


def check_choice(value: Any, choices: Sequence[Any], *, argument: str, what: str = "") -> None:
    """Raise ``CxDataError`` when ``value`` is not one of ``choices``."""
    if value in choices:
        return
    raise CxDataError(
        f"{argument}={value!r} is not a known {what or argument}.",
        rule=f"{argument} is one of {list(choices)}",
        hint=f"pass {argument}= one of {', '.join(repr(c) for c in choices)}",
    )


def bad_argument(argument: str, value: Any, *, rule: str, hint: str) -> CxDataError:
    """The error for an argument whose value breaks a rule (``alpha=1.5``, ``top_box=0``, …):
    a :class:`CxDataError` (still a ``ValueError``) naming the argument, its value, the rule
    and the fix."""
    return CxDataError(
        f"{argument}={value!r} is not allowed: {rule}.",
        rule=rule,
        hint=hint,
    )


def check_correction(correction: str) -> str:
    """Validate a ``correction=`` choice (``"holm"``, ``"bh"``, ``"bonferroni"``, ``"none"``)."""
    check_choice(correction, CORRECTIONS, argument="correction", what="multiple-testing correction")
    return correction


F = TypeVar("F", bound=Callable[..., Any])


def renamed_args(**renames: str) -> Callable[[F], F]:
    """Keep old keyword names working for one release, with a ``DeprecationWarning``.

    ``@renamed_args(min_n="min_base")`` lets callers still pass ``min_n=``; the warning names
    the new argument. Passing both names is an error.

    Examples
    --------
    >>> @renamed_args(min_n="min_base")
    ... def f(*, min_base=5):
    ...     return min_base
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     (f(min_n=3), str(w[0].message))
    (3, 'min_n= is deprecated and will be removed in the next release: use min_base= instead')
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{func.__name__}() got both {old}= and {new}=")
                    warnings.warn(
                        f"{old}= is deprecated and will be removed in the next release: "
                        f"use {new}= instead",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
