"""Open any supported source lazily: CSV, Parquet, NDJSON (or a glob of them) and frames.

Private helper of :mod:`cxkit.io`. Every failure becomes a :class:`~cxkit.errors.CxDataError`.
"""

from __future__ import annotations

import csv
import glob as _glob
import io as _io
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cxkit._frames import to_frame
from cxkit.errors import CxDataError, CxDataWarning

CSV_EXT = {".csv", ".tsv", ".txt"}
PARQUET_EXT = {".parquet", ".pq"}
NDJSON_EXT = {".ndjson", ".jsonl"}
SUPPORTED = sorted(CSV_EXT | PARQUET_EXT | NDJSON_EXT)


@dataclass
class Opened:
    """A lazily opened source with what we learnt while opening it."""

    frame: pl.LazyFrame
    label: str
    renamed_duplicates: dict[str, list[str]] = field(default_factory=dict)
    #: rows, when known without reading the data (Parquet metadata, in-memory frames)
    n_rows: int | None = None
    #: rows come in the same order on every read (files, in-memory frames; not lazy plans)
    stable_order: bool = True


def _is_pandas(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "pandas" and hasattr(obj, "columns")


def _open_frame(source: Any) -> Opened:
    """A pandas DataFrame or pyarrow Table, through the one input adapter (``to_lazy``).

    pandas allows repeated column names: they are renamed first (as for CSV headers)."""
    label = f"<{type(source).__module__.split('.')[0]}.{type(source).__name__}>"
    renamed: dict[str, list[str]] = {}
    if _is_pandas(source):
        names, renamed = _dedupe([str(c) for c in source.columns])
        source = source.copy(deep=False)
        source.columns = names
    try:
        frame = to_frame(
            source,
            what="source",
            hint="pass a file path (CSV, Parquet, NDJSON), a glob, a folder or a data frame",
        )
    except CxDataError:
        raise
    except Exception as exc:  # noqa: BLE001 - turn any conversion failure into a clear error
        raise CxDataError(
            f"The {label[1:-1]} could not be converted to polars: {exc}",
            source=label,
            rule="columns must have one type each",
            hint="convert mixed-type (object) columns to str or numbers first",
        ) from exc
    _warn_renamed(renamed, label, stacklevel=5)
    return Opened(frame.lazy(), label, renamed_duplicates=renamed, n_rows=frame.height)


def _dedupe(names: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Rename repeated column names ``x`` → ``x_2``, ``x_3`` … (never colliding)."""
    seen: Counter[str] = Counter()
    taken = set(names)
    out: list[str] = []
    renamed: dict[str, list[str]] = {}
    for name in names:
        seen[name] += 1
        if seen[name] == 1:
            out.append(name)
            continue
        k = seen[name]
        new = f"{name}_{k}"
        while new in taken:
            k += 1
            new = f"{name}_{k}"
        taken.add(new)
        out.append(new)
        renamed.setdefault(name, []).append(new)
    return out, renamed


def _csv_header(path: Path, separator: str) -> list[str]:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
    if not first.strip():
        return []
    return next(csv.reader(_io.StringIO(first), delimiter=separator))


def _expand(source: str | Path) -> tuple[list[Path], str]:
    text = str(source)
    if any(ch in text for ch in "*?["):
        files = sorted(Path(p) for p in _glob.glob(text, recursive=True))
        files = [f for f in files if f.is_file()]
        if not files:
            raise CxDataError(
                "No file matches this pattern.",
                source=text,
                rule="the source must exist",
                hint="check the folder and the pattern (e.g. data/events-*.parquet)",
            )
        return files, text
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in set(SUPPORTED))
        if not files:
            raise CxDataError(
                "The folder holds no CSV, Parquet or NDJSON file.",
                source=text,
                rule="the source must hold data files",
                hint=f"put files with one of {SUPPORTED} in it, or name a file",
            )
        return files, text
    if not path.exists():
        raise CxDataError(
            "File not found.",
            source=text,
            rule="the source must exist",
            hint=f"check the path (working directory: {Path.cwd()})",
        )
    return [path], text


def _scan_csv(
    files: list[Path], ext: str, label: str, string_columns: tuple[str, ...]
) -> tuple[pl.LazyFrame, dict[str, list[str]]]:
    """Scan CSV files with a de-duplicated header; ``string_columns`` are read as text."""
    sep = "\t" if ext == ".tsv" else ","
    header = _csv_header(files[0], sep)
    if not header:
        raise CxDataError(
            "The file has no header line.",
            source=str(files[0]),
            rule="a CSV file starts with a header naming its columns",
        )
    names, renamed = _dedupe([h.strip() for h in header])
    overrides = {c: pl.String for c in string_columns if c in names}
    frame = _scan(
        lambda: pl.scan_csv(
            [str(f) for f in files],
            separator=sep,
            new_columns=names,
            schema_overrides=overrides or None,
            # Infer from every row: a column that is 0 for thousands of rows and then
            # holds decimals is ordinary in real files.
            infer_schema_length=None,
            raise_if_empty=False,
            truncate_ragged_lines=False,
        ),
        label,
        "CSV",
        verb="parsed",
        rule="a well-formed CSV file (comma-separated, UTF-8, quoted fields)",
        hint="check the delimiter and quoting; save the file as UTF-8 CSV",
    )
    return frame, renamed


def open_source(source: Any, *, string_columns: tuple[str, ...] = ()) -> Opened:
    """Open ``source`` lazily.

    ``string_columns`` are read as text from CSV (ids keep leading zeros). Duplicate column
    names are renamed ``name_2`` … with a :class:`CxDataWarning` (callers raise when a mapped
    column is ambiguous).
    """
    if isinstance(source, pl.LazyFrame):
        return Opened(source, "<LazyFrame>", stable_order=False)
    if isinstance(source, pl.DataFrame):
        return Opened(source.lazy(), "<DataFrame>", n_rows=source.height)
    if not isinstance(source, str | Path):
        return _open_frame(source)
    files, label = _expand(source)
    exts = {f.suffix.lower() for f in files}
    if len(exts) > 1:
        raise CxDataError(
            "The files mix formats.",
            source=label,
            rule="all files of one source share a format",
            examples=[str(f) for f in files[:5]],
        )
    ext = exts.pop()
    if ext not in set(SUPPORTED):
        raise CxDataError(
            f"Unsupported file type {ext!r}.",
            source=label,
            rule=f"supported file types are {', '.join(SUPPORTED)}",
            hint="export the data as CSV or Parquet",
        )
    empty = [f for f in files if f.stat().st_size == 0]
    if empty:
        raise CxDataError(
            "The file is empty.",
            source=str(empty[0]),
            rule="a data file needs a header and at least one row",
            n_rows=0,
        )
    renamed: dict[str, list[str]] = {}
    if ext in CSV_EXT:
        frame, renamed = _scan_csv(files, ext, label, string_columns)
    elif ext in PARQUET_EXT:
        frame = _scan(
            lambda: pl.scan_parquet([str(f) for f in files]),
            label,
            "Parquet",
            rule="a valid Parquet file",
        )
    else:
        frame = _scan(
            lambda: pl.scan_ndjson([str(f) for f in files], infer_schema_length=None),
            label,
            "NDJSON",
            rule="one JSON object per line",
        )
    _warn_renamed(renamed, label)
    n_rows = None
    if ext in PARQUET_EXT:  # from the footers: no data is read
        try:
            n_rows = frame.select(pl.len()).collect().item()
        except pl.exceptions.PolarsError:
            n_rows = None  # the validation pass will say what is wrong with the file
    return Opened(frame, label, renamed_duplicates=renamed, n_rows=n_rows)


def _scan(
    make, label: str, what: str, *, rule: str, hint: str | None = None, verb: str = "read"
) -> pl.LazyFrame:
    """``make()`` a lazy scan and resolve its schema; a polars failure becomes CxDataError."""
    try:
        frame = make()
        frame.collect_schema()
    except pl.exceptions.PolarsError as exc:
        raise CxDataError(
            f"The {what} file could not be {verb}: {str(exc).splitlines()[0]}",
            source=label,
            rule=rule,
            hint=hint,
        ) from exc
    return frame


def _warn_renamed(renamed: dict[str, list[str]], label: str, stacklevel: int = 4) -> None:
    for name, new in renamed.items():
        warnings.warn(
            f"{label}: column {name!r} appears {len(new) + 1} times; the later copies were "
            f"renamed {new}. Rename them at the source if you need them.",
            CxDataWarning,
            stacklevel=stacklevel,
        )
