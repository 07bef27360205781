"""Survey helpers: find rating columns, reshape wide ↔ long, map yes/no outcomes to 0/1.

Re-exported by :mod:`cxkit.satisfaction` (``cx.satisfaction.to_long`` etc.). Every function
takes a polars DataFrame or LazyFrame, a pandas DataFrame or a pyarrow Table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from cxkit._frames import require_columns
from cxkit.errors import CxDataError
from cxkit.satisfaction._common import as_list, survey_frame, with_na_codes

__all__ = ["rating_columns", "to_binary", "to_long", "to_wide"]


def rating_columns(
    survey: Any,
    *,
    scale: tuple[float, float] = (1, 5),
    na_codes: Sequence[float] | None = None,
    exclude: Sequence[str] = (),
) -> list[str]:
    """Numeric columns that look like ratings: whole numbers within ``scale`` (after ``na_codes``).

    Columns with fewer than two distinct values, and those in ``exclude``, are left out;
    the input order is kept.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"id": [101, 102, 103], "wifi": [0, 4, 5], "food": [3, 3, 1], "age": [33, 41, 5]})
    >>> rating_columns(df, na_codes=[0])
    ['wifi', 'food']
    """
    lf = survey_frame(survey)
    schema = lf.collect_schema()
    cand = [c for c, t in schema.items() if t.is_numeric() and c not in set(exclude)]
    if not cand:
        return []
    lf = with_na_codes(lf.select(cand), cand, na_codes, "rating_columns")
    aggs = []
    for c in cand:
        x = pl.col(c).cast(pl.Float64)
        aggs += [
            x.min().alias(f"{c}\x00min"),
            x.max().alias(f"{c}\x00max"),
            (x != x.round(0)).any().alias(f"{c}\x00frac"),
            x.drop_nulls().n_unique().alias(f"{c}\x00uniq"),
        ]
    row = lf.select(aggs).collect().row(0, named=True)
    out = []
    for c in cand:
        lo, hi = row[f"{c}\x00min"], row[f"{c}\x00max"]
        if lo is None or hi is None or row[f"{c}\x00frac"]:
            continue
        if lo >= scale[0] and hi <= scale[1] and row[f"{c}\x00uniq"] >= 2:
            out.append(c)
    return out


def to_long(
    survey: Any,
    ratings: Sequence[str],
    *,
    id_cols: Sequence[str] | None = None,
    item: str = "touchpoint",
    value: str = "rating",
    drop_missing: bool = True,
) -> pl.DataFrame:
    """Wide (one column per touchpoint) → long (``touchpoint``, ``rating``).

    ``id_cols`` defaults to every column that is not a rating. Missing ratings are dropped
    unless ``drop_missing=False``. Rows are sorted by the id columns' input order, then by
    the order of ``ratings``.

    Returns
    -------
    polars.DataFrame
        ``id_cols``, then ``item`` (String) and ``value`` (Float64).

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"rid": ["r1", "r2"], "web": [5, None], "ivr": [2, 3]})
    >>> to_long(df, ["web", "ivr"]).rows()
    [('r1', 'web', 5.0), ('r1', 'ivr', 2.0), ('r2', 'ivr', 3.0)]
    """
    lf = survey_frame(survey)
    ratings = list(ratings)
    require_columns(lf, {r: ("rating", "ratings") for r in ratings}, source="to_long")
    names = lf.collect_schema().names()
    ids = list(id_cols) if id_cols is not None else [c for c in names if c not in ratings]
    order = {r: i for i, r in enumerate(ratings)}
    long = (
        lf.with_row_index("_row")
        .select("_row", *ids, *[pl.col(r).cast(pl.Float64) for r in ratings])
        .unpivot(on=ratings, index=["_row", *ids], variable_name=item, value_name=value)
        .with_columns(pl.col(item).replace_strict(order, return_dtype=pl.Int64).alias("_o"))
    )
    if drop_missing:
        long = long.filter(pl.col(value).is_not_null() & pl.col(value).is_not_nan())
    return long.sort("_row", "_o").drop("_row", "_o").collect()


def to_wide(
    long: Any,
    *,
    index: str | Sequence[str] = "response_id",
    item: str = "touchpoint",
    value: str = "rating",
    items: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Long (``touchpoint``, ``rating``) → wide, one column per touchpoint.

    Duplicate (index, item) pairs are an error (they would be silently averaged otherwise).

    Returns
    -------
    polars.DataFrame
        ``index`` columns then one column per ``item`` value — in the order of ``items`` if
        given (missing ones become all-null columns), else in first-seen order; sorted by the
        index.

    Examples
    --------
    >>> import polars as pl
    >>> lg = pl.DataFrame({"response_id": ["r1", "r1", "r2"], "touchpoint": ["web", "ivr", "ivr"],
    ...                    "rating": [5.0, 2.0, 3.0]})
    >>> to_wide(lg).rows()
    [('r1', 5.0, 2.0), ('r2', None, 3.0)]
    """
    df = survey_frame(long, what="long").collect()
    idx = as_list(index)
    roles = {c: ("index", "index") for c in idx} | {
        item: ("item", "item"),
        value: ("value", "value"),
    }
    require_columns(df, roles, source="to_wide")
    dup = df.group_by([*idx, item]).len().filter(pl.col("len") > 1)
    if dup.height:
        raise CxDataError(
            f"{dup.height} (respondent, {item}) pairs occur more than once.",
            column=item,
            rule=f"one {value} per respondent and {item}",
            n_rows=dup.height,
            examples=dup.head(5).drop("len").to_dicts(),
            hint="aggregate the duplicates first or add a column that tells them apart to index",
        )
    wide = df.pivot(on=item, index=idx, values=value, aggregate_function=None).sort(idx)
    if items is None:
        return wide
    dtype = df.schema[value]
    extra = [pl.lit(None, dtype=dtype).alias(c) for c in items if c not in wide.columns]
    return wide.with_columns(extra).select(*idx, *[str(c) for c in items])


def to_binary(
    survey: Any,
    column: str,
    positive: Any | Sequence[Any],
) -> pl.DataFrame | pl.LazyFrame:
    """Replace ``column`` by 1 where it equals ``positive`` (a value or list), else 0.

    Nulls stay null. Works on text (``"satisfied"``), booleans and numbers. Returns a
    LazyFrame for a LazyFrame, else a polars DataFrame (a new one; the input is not modified). An error is raised if
    no row matches, which usually means a typo in ``positive``.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"satisfaction": ["satisfied", "neutral or dissatisfied", None]})
    >>> to_binary(df, "satisfaction", "satisfied")["satisfaction"].to_list()
    [1, 0, None]
    """
    lf = survey_frame(survey)
    require_columns(lf, {column: ("outcome", "column")}, source="to_binary")
    values = list(positive) if isinstance(positive, list | tuple | set) else [positive]
    dtype = lf.collect_schema()[column]
    expr = pl.col(column)
    if dtype == pl.String:
        expr = expr.str.strip_chars()
        values = [str(v).strip() for v in values]
    mapped = (
        pl.when(pl.col(column).is_null()).then(None).otherwise(expr.is_in(values).cast(pl.Int8))
    )
    out = lf.with_columns(mapped.alias(column))
    hits = out.select(pl.col(column).sum()).collect().item()
    if not hits:
        found = lf.select(pl.col(column).unique().head(10)).collect()[column].to_list()
        raise CxDataError(
            f"No row of {column!r} equals {values!r}.",
            column=column,
            rule="positive value present",
            examples=[f"values found: {found}"],
            hint="pass positive= one of the values found (check spelling and case)",
        )
    return out if isinstance(survey, pl.LazyFrame) else out.collect()
