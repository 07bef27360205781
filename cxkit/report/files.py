"""Files the reports write and read: atomic writes (one file or a set), SHA-256 of inputs.

Every file is written to a temporary name in its own folder and renamed into place, so a
half-written file never replaces a good one; :func:`write_files` writes a whole set (a report's
page, ``results.json`` and notebook) before renaming any of them. Files are created ``0644``
(world-readable, like any report a web server or a colleague should read) — never through
:func:`tempfile.mkstemp`, whose files are ``0600``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable, Mapping
from glob import glob, has_magic
from pathlib import Path
from typing import Any

__all__ = [
    "FILE_MODE",
    "atomic_write",
    "input_files",
    "is_data_file",
    "sha256",
    "temp_path",
    "write_files",
]

#: Mode of every file cxkit writes (rw-r--r--).
FILE_MODE = 0o644

_DATA_SUFFIXES = {
    ".parquet", ".pq", ".csv", ".tsv", ".txt", ".ndjson", ".jsonl", ".json", ".arrow",
    ".feather", ".ipc", ".avro", ".xlsx", ".xls", ".gz", ".zst", ".bz2", ".xz", ".zip",
}  # fmt: skip


def temp_path(path: str | Path) -> Path:
    """Create an empty ``0644`` temporary file beside ``path`` and return its path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = temp_path(pathlib.Path(tempfile.mkdtemp()) / "a.parquet")
    >>> tmp.name.startswith(".a.parquet."), oct(tmp.stat().st_mode & 0o777)
    (True, '0o644')
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:  # pragma: no cover - 32 random bits
            continue
        os.fchmod(fd, FILE_MODE)  # the umask does not narrow it
        os.close(fd)
        return tmp


def _write_temp(path: Path, data: str | bytes) -> Path:
    tmp = temp_path(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_files(files: Mapping[str | Path, str | bytes]) -> list[Path]:
    """Write every ``path → data`` to a temporary file first, then rename them all into place.

    If any write fails, no target is touched and every temporary file is removed.

    Returns
    -------
    list of pathlib.Path
        The paths written, in the order given.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> [p.name for p in write_files({d / "a.txt": "A", d / "b.json": b"{}"})]
    ['a.txt', 'b.json']
    >>> (d / "a.txt").read_text(), oct((d / "b.json").stat().st_mode & 0o777)
    ('A', '0o644')
    """
    temps: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            path = Path(path)
            temps.append((_write_temp(path, data), path))
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise
    try:
        for tmp, path in temps:
            os.replace(tmp, path)
    finally:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)  # (renamed ones are gone already)
    return [path for _, path in temps]


def atomic_write(path: str | Path, data: str | bytes) -> Path:
    """Write one file atomically (see :func:`write_files`)."""
    return write_files({path: data})[0]


def sha256(path: str | Path) -> str:
    """SHA-256 of a file, read in chunks by :func:`hashlib.file_digest`.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x"; _ = p.write_bytes(b"abc")
    >>> sha256(p)[:16]
    'ba7816bf8f01cfea'
    """
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def is_data_file(path: Path) -> bool:
    """True for a visible file with a data suffix (Parquet, CSV, JSON, archives …)."""
    return path.suffix.lower() in _DATA_SUFFIXES and not path.name.startswith(".")


def _files_of(value: str, base: Path) -> tuple[Path, list[Path]]:
    p = Path(value).expanduser()
    p = p if p.is_absolute() else base / p
    try:
        if has_magic(value):
            files = [Path(f) for f in sorted(glob(str(p), recursive=True))]
            return p, [f for f in files if is_data_file(f) and f.is_file()]
        if p.is_dir():  # a partitioned dataset: its data files, not everything
            return p, sorted(f for f in p.rglob("*") if f.is_file() and is_data_file(f))
        return p, [p] if p.is_file() else []
    except OSError:
        return p, []


def input_files(parameters: Mapping[str, Any], base: Path) -> list[dict[str, Any]]:
    """Files named by string parameters (relative to ``base``, the notebook's folder).

    Returns
    -------
    list of dict
        ``parameter``, ``path`` (as given, or the matched file under a glob/folder), ``file``,
        ``bytes`` and ``sha256`` of each file found; parameters naming no file are skipped.
    """
    found: list[dict[str, Any]] = []
    for key, value in parameters.items():
        values: Iterable[Any] = value if isinstance(value, list) else [value]
        for v in values:
            if not isinstance(v, str) or not v or len(v) > 4096:
                continue
            p, files = _files_of(v, base)
            for f in files:
                found.append(
                    {
                        "parameter": key,
                        "path": v if f == p else str(Path(v).parent / f.name),
                        "file": f.name,
                        "bytes": f.stat().st_size,
                        "sha256": sha256(f),
                    }
                )
    return found
