"""Files the reports write and read: atomic writes (one file or a set), SHA-256 of inputs.

Every file is written to a temporary name in its own folder and renamed into place, so a
half-written file never replaces a good one; :func:`write_files` writes a whole set (a report's
page, notebook and ``results.json``) before renaming any of them, and renames them in the order
given (``results.json`` last: it is the set's commit marker). Files are created ``0644``
narrowed by the umask (``0644`` under the usual ``022``, ``0600`` under ``077``) — never
through :func:`tempfile.mkstemp`, whose files are always ``0600``.

Only parameters whose name says they hold a path (:func:`names_input`) are hashed as inputs.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from glob import glob, has_magic
from pathlib import Path
from typing import Any

__all__ = [
    "FILE_MODE",
    "atomic_write",
    "input_files",
    "is_data_file",
    "names_input",
    "remove_stale",
    "sha256",
    "temp_path",
    "write_files",
]

#: Mode of every file cxkit writes (rw-r--r--), narrowed by the umask.
FILE_MODE = 0o644
#: A parameter names input files when its name is or ends in one of these words.
INPUT_NAME = re.compile(r"(?:^|_)(?:path|paths|file|files|dir|folder|glob|data|source)$", re.I)
#: At most this many files are hashed for one parameter (a folder or glob); the rest are counted.
MAX_FILES = 1000

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
    >>> import os
    >>> old = os.umask(0o022); tmp = temp_path(pathlib.Path(tempfile.mkdtemp()) / "a.parquet")
    >>> _ = os.umask(old)
    >>> tmp.name.startswith(".a.parquet."), oct(tmp.stat().st_mode & 0o777)
    (True, '0o644')
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)  # minus umask
        except FileExistsError:  # pragma: no cover - 32 random bits
            continue
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
    >>> (d / "a.txt").read_text()
    'A'
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


def _shown(value: str, path: Path, found: Path) -> str:
    """How a matched file is recorded: the parameter's own text, a file under its folder, or
    the glob's folder plus the file's name."""
    if found == path:
        return value
    if path.is_dir():
        return str(Path(value) / found.relative_to(path))
    return str(Path(value).parent / found.name)


def names_input(name: str) -> bool:
    """Whether a parameter named ``name`` holds input files (by its name).

    >>> [names_input(n) for n in ("events_path", "data_dir", "parts_glob", "title", "segment")]
    [True, True, True, False, False]
    """
    return bool(INPUT_NAME.search(name))


def input_files(parameters: Mapping[str, Any], base: Path) -> list[dict[str, Any]]:
    """Files named by path parameters (:func:`names_input`), relative to ``base`` (the
    notebook's folder); a text parameter such as ``title="/usr/share/doc"`` is never hashed.

    Returns
    -------
    list of dict
        ``parameter``, ``path`` (as given, or the matched file under a glob/folder), ``file``,
        ``bytes`` and ``sha256`` of each file found (at most :data:`MAX_FILES` per parameter;
        beyond them one entry says how many more matched); parameters naming no file are
        skipped.
    """
    found: list[dict[str, Any]] = []
    for key, value in parameters.items():
        if not names_input(str(key)):
            continue
        values: Iterable[Any] = value if isinstance(value, list) else [value]
        for v in values:
            if not isinstance(v, str) or not v or len(v) > 4096:
                continue
            p, files = _files_of(v, base)
            for f in files[:MAX_FILES]:
                found.append(
                    {
                        "parameter": key,
                        "path": _shown(v, p, f),
                        "file": f.name,
                        "bytes": f.stat().st_size,
                        "sha256": sha256(f),
                    }
                )
            if len(files) > MAX_FILES:
                found.append({"parameter": key, "path": v, "more_files": len(files) - MAX_FILES})
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale(folder: Path, *, max_age_s: float = 3600.0) -> list[Path]:
    """Remove what killed runs left in ``folder``: ``.run-*`` folders whose process is gone
    (their ``pid`` file names it; without one, older than ``max_age_s``) and temporary
    ``.*.tmp`` files older than ``max_age_s``. Returns what was removed."""
    import shutil

    removed: list[Path] = []
    now = time.time()
    for path in sorted(folder.glob(".run-*")) + sorted(folder.glob(".*.tmp")):
        try:
            old = now - path.stat().st_mtime > max_age_s
            pid_file = path / "pid"
            if path.is_dir():
                dead = not _alive(int(pid_file.read_text())) if pid_file.is_file() else old
                if dead:
                    shutil.rmtree(path, ignore_errors=True)
                    removed.append(path)
            elif old:
                path.unlink(missing_ok=True)
                removed.append(path)
        except (OSError, ValueError):
            continue
    return removed
