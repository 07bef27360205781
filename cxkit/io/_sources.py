"""Open any supported source lazily: CSV, Parquet, NDJSON (or a glob of them) and frames.

Private helper of :mod:`cxkit.io`. Every failure becomes a :class:`~cxkit.errors.CxDataError`.
"""

from __future__ import annotations

import codecs
import csv
import glob as _glob
import gzip
import io as _io
import logging
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cxkit._frames import to_frame
from cxkit.errors import CxDataError, CxDataWarning

logger = logging.getLogger(__name__)

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
    #: the files read lazily, with (size, mtime) when opened: see :func:`unchanged_guard`
    files: dict[str, tuple[int, int]] = field(default_factory=dict)


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


#: separators tried when the header does not split on the expected one
SEPARATORS = (",", ";", "\t", "|")
_UTF8 = {"utf8", "utf-8", "utf_8", "utf-8-sig", "utf8-sig"}
_SNIFF = 1 << 20  # bytes looked at for compression, byte-order marks and invalid UTF-8


def _head_bytes(path: Path) -> tuple[bytes, bool]:
    """The first bytes of ``path`` (decompressed when gzip) and whether it is gzip."""
    with path.open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    opener = gzip.open if gz else open
    try:
        with opener(path, "rb") as fh:
            return fh.read(_SNIFF), gz
    except (OSError, EOFError) as exc:
        raise CxDataError(
            f"The compressed file could not be read: {exc}",
            source=str(path),
            rule="a gzip file must be complete",
            hint="re-export or re-download the file",
        ) from exc


def _needs_encoding(head: bytes, path: Path, encoding: str | None) -> None:
    """Raise a CxDataError naming ``encoding=`` when the bytes are not UTF-8 and none is given."""
    if encoding is not None and encoding.lower() not in _UTF8:
        return
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        found, fix = "UTF-16 (a byte-order mark)", "utf-16"
    else:
        try:
            head.decode("utf-8")
            return
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4 and len(head) == _SNIFF:
                return  # a character cut at the end of the sniffed block
            found, fix = f"a byte that is not UTF-8 at offset {exc.start:,}", "latin-1"
    raise CxDataError(
        f"The file is not UTF-8 text: found {found}.",
        source=str(path),
        rule="text files are read as UTF-8 unless encoding= says otherwise",
        hint=f"pass encoding={fix!r} (or the file's encoding: 'cp1252', 'utf-16', …), "
        "or save the file as UTF-8",
    )


def _header_fields(head: bytes, encoding: str, separator: str) -> list[str]:
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    if not first.strip():
        return []
    return next(csv.reader(_io.StringIO(first), delimiter=separator))


def _separator(first: bytes, ext: str, separator: str | None, label: str) -> str:
    """The given separator, else the file type's, else the one that splits the header."""
    if separator is not None:
        return separator
    default = "\t" if ext == ".tsv" else ","
    line = first.decode("utf-8", errors="replace").splitlines()[0] if first.strip() else ""
    if default in line:
        return default
    counts = {sep: line.count(sep) for sep in SEPARATORS if sep != default}
    best = max(counts, key=counts.__getitem__)
    if counts[best] == 0:
        return default
    logger.info("%s: the header splits on %r, not %r: reading with separator=%r",
                label, best, default, best)  # fmt: skip
    return best


def _expand(source: str | Path) -> tuple[list[Path], str, Path | None]:
    """The files of ``source`` (a file, a glob or a folder), its label and its root folder."""
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
        return files, text, None
    path = Path(source)
    if path.is_dir():  # nested folders too: a Hive-partitioned dataset (year=2024/part.parquet)
        files = sorted(
            p
            for p in path.rglob("*")
            if p.suffix.lower() in set(SUPPORTED)
            and p.is_file()
            and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
        )
        if not files:
            raise CxDataError(
                "The folder holds no CSV, Parquet or NDJSON file (in it or in its sub-folders).",
                source=text,
                rule="the source must hold data files",
                hint=f"put files with one of {SUPPORTED} in it, or name a file",
            )
        return files, text, path
    if not path.exists():
        raise CxDataError(
            "File not found.",
            source=text,
            rule="the source must exist",
            hint=f"check the path (working directory: {Path.cwd()})",
        )
    return [path], text, None


def _is_hive(files: list[Path]) -> bool:
    """Folders named ``key=value`` above the files (Hive partitioning)."""
    return any("=" in part for f in files for part in f.parent.parts[-4:])


def _aligned(headers: dict[Path, list[str]], label: str) -> bool:
    """True when every file has the first file's columns in the same order; False when only
    the order differs (read by name); a CxDataError when the columns themselves differ."""
    files = list(headers)
    first = headers[files[0]]
    for f in files[1:]:
        if headers[f] == first:
            continue
        if sorted(headers[f]) == sorted(first):
            continue
        missing = [c for c in first if c not in headers[f]]
        extra = [c for c in headers[f] if c not in first]
        raise CxDataError(
            "The files of this source do not have the same columns.",
            source=label,
            column=(missing or extra or [None])[0],
            rule="every file of one source has the same columns (matched by name)",
            examples=[f"{files[0].name}: {first}", f"{f.name}: missing {missing}, extra {extra}"],
            hint="read the files separately, or give them the same header",
        )
    return all(headers[f] == first for f in files)


def _scan_csv(
    files: list[Path],
    ext: str,
    label: str,
    string_columns: tuple[str, ...],
    *,
    encoding: str | None,
    separator: str | None,
) -> tuple[pl.LazyFrame, dict[str, list[str]], int | None]:
    """Scan CSV files with a de-duplicated header; ``string_columns`` are read as text.

    Files whose columns come in another order are matched by name. Files in another encoding
    than UTF-8 (``encoding=``) are decoded in memory; returns the frame, the renamed duplicate
    columns and the row count when the data was read eagerly.
    """
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise CxDataError(
                f"encoding={encoding!r} is not an encoding Python knows.",
                source=label,
                rule="encoding= names a text encoding",
                hint="pass encoding='utf-8', 'latin-1', 'cp1252' or 'utf-16'",
            ) from None
    heads = {f: _head_bytes(f) for f in files}
    for f, (head, _) in heads.items():
        _needs_encoding(head, f, encoding)
    enc = "utf-8" if encoding is None or encoding.lower() in _UTF8 else encoding
    first = heads[files[0]][0].decode(enc, errors="replace").encode("utf-8")
    sep = _separator(first, ext, separator, label)
    headers = {f: [h.strip() for h in _header_fields(heads[f][0], enc, sep)] for f in files}
    if not headers[files[0]]:
        raise CxDataError(
            "The file has no header line.",
            source=str(files[0]),
            rule="a CSV file starts with a header naming its columns",
            hint="add a header line naming the columns",
        )
    same_order = _aligned(headers, label)
    names, renamed = _dedupe(headers[files[0]])
    overrides = {c: pl.String for c in string_columns if c in names}
    options = dict(
        separator=sep,
        schema_overrides=overrides or None,
        # Infer from every row: a column that is 0 for thousands of rows and then holds
        # decimals is ordinary in real files.
        infer_schema_length=None,
        raise_if_empty=False,
        truncate_ragged_lines=False,
    )
    rule = f"a well-formed CSV file ({sep!r}-separated, {enc}, quoted fields)"
    hint = "check the separator (pass separator=';'), the quoting and the encoding (encoding=)"
    if enc != "utf-8":
        frame = _read_decoded(files, enc, label, names, options, rule=rule, hint=hint)
        return frame.lazy(), renamed, frame.height
    if same_order:
        parts = [[str(f) for f in files]]
    else:  # one scan per file, its own header, columns put in the first file's order
        logger.info("%s: the files order their columns differently: matched by name", label)
        parts = [[str(f)] for f in files]
    frames = []
    for part in parts:
        own = names if same_order else _dedupe(headers[Path(part[0])])[0]
        frames.append(_scan(
            lambda part=part, own=own: pl.scan_csv(part, new_columns=own, **options),
            label, "CSV", verb="parsed", rule=rule, hint=hint,
        ).select(names))  # fmt: skip
    return (
        (frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical_relaxed")),
        renamed,
        None,
    )


def _read_decoded(
    files: list[Path],
    enc: str,
    label: str,
    names: list[str],
    options: dict,
    *,
    rule: str,
    hint: str,
) -> pl.DataFrame:
    """Files in a non-UTF-8 encoding: decoded in memory (eager), matched by column name."""
    frames = []
    for f in files:
        try:
            opener = gzip.open if _head_bytes(f)[1] else open
            with opener(f, "rb") as fh:
                text = fh.read().decode(enc)
        except (UnicodeDecodeError, LookupError) as exc:
            raise CxDataError(
                f"The file cannot be decoded as {enc}: {exc}",
                source=str(f),
                rule="encoding= names the file's encoding",
                hint="pass the file's real encoding (e.g. 'latin-1', 'cp1252', 'utf-16')",
            ) from exc
        data = text.lstrip("\ufeff").encode("utf-8")
        own = _dedupe(next(csv.reader(_io.StringIO(text.lstrip("\ufeff").splitlines()[0]),
                                      delimiter=options["separator"])))[0]  # fmt: skip
        own = [c.strip() for c in own]
        opts = {k: v for k, v in options.items() if k != "infer_schema_length"}
        frame = _scan(
            lambda data=data, own=own, opts=opts: pl.read_csv(
                data, new_columns=own, infer_schema_length=None, **opts
            ).lazy(),
            label, "CSV", verb="parsed", rule=rule, hint=hint,
        )  # fmt: skip
        frames.append(frame.select(names).collect())
    return pl.concat(frames, how="vertical_relaxed")


def _fingerprint(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def unchanged_guard(opened: Opened, expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """``expr`` (of type ``dtype``), raising while the data is read if a file of ``opened``
    changed after it was opened (rewritten between ``read_*`` and ``collect()``).

    It checks the files' size and modification time once per batch of rows, so an analysis
    never computes on a file that is not the one the validation pass read.
    """
    if not opened.files:
        return expr
    files = dict(opened.files)
    label = opened.label

    def check(batch: pl.Series) -> pl.Series:
        for name, stamp in files.items():
            try:
                now = _fingerprint(Path(name))
            except OSError:
                now = None
            if now != stamp:
                raise CxDataError(
                    "A file changed after it was read and validated.",
                    source=label,
                    rule="the data must not change between read_* and the analysis",
                    examples=[name],
                    hint="read the file again (cx.read_*) after it is rewritten, or copy it "
                    "before a job that rewrites it runs",
                )
        return batch

    return expr.map_batches(check, return_dtype=dtype, is_elementwise=True)


def open_source(
    source: Any,
    *,
    string_columns: tuple[str, ...] = (),
    encoding: str | None = None,
    separator: str | None = None,
) -> Opened:
    """Open ``source`` lazily.

    ``string_columns`` are read as text from CSV (ids keep leading zeros). Duplicate column
    names are renamed ``name_2`` … with a :class:`CxDataWarning` (callers raise when a mapped
    column is ambiguous). ``encoding`` (default UTF-8) and ``separator`` (default: the file
    type's, else the one the header splits on) apply to CSV files; gzip-compressed CSV is read
    as is; a folder is read with its sub-folders (Hive ``key=value`` folders become columns).
    """
    if isinstance(source, pl.LazyFrame):
        return Opened(source, "<LazyFrame>", stable_order=False)
    if isinstance(source, pl.DataFrame):
        return Opened(source.lazy(), "<DataFrame>", n_rows=source.height)
    if not isinstance(source, str | Path):
        return _open_frame(source)
    files, label, _root = _expand(source)
    exts = {f.suffix.lower() for f in files}
    if len(exts) > 1:
        raise CxDataError(
            "The files mix formats.",
            source=label,
            rule="all files of one source share a format",
            examples=[str(f) for f in files[:5]],
            hint="read each format separately, or convert the files to one format",
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
            hint="export the file again: a header line naming the columns, then the rows",
        )
    stamps = {str(f): _fingerprint(f) for f in files}
    renamed: dict[str, list[str]] = {}
    n_rows = None
    if ext in CSV_EXT:
        frame, renamed, n_rows = _scan_csv(
            files, ext, label, string_columns, encoding=encoding, separator=separator
        )
        if n_rows is not None:
            stamps = {}  # read into memory: later changes to the file do not matter
    elif ext in PARQUET_EXT:
        hive = _is_hive(files)
        frame = _scan(
            lambda: pl.scan_parquet([str(f) for f in files], hive_partitioning=hive),
            label,
            "Parquet",
            rule="a valid Parquet file",
        )
        try:  # from the footers: no data is read
            n_rows = frame.select(pl.len()).collect().item()
        except pl.exceptions.PolarsError:
            n_rows = None  # the validation pass will say what is wrong with the file
    else:
        frame = _scan(
            lambda: pl.scan_ndjson([str(f) for f in files], infer_schema_length=None),
            label,
            "NDJSON",
            rule="one JSON object per line",
        )
    _warn_renamed(renamed, label)
    return Opened(frame, label, renamed_duplicates=renamed, n_rows=n_rows, files=stamps)


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
