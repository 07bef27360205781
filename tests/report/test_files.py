"""Atomic writes as a set, file modes, SHA-256 of inputs."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from cxkit.report import files as files_module
from cxkit.report.files import atomic_write, input_files, sha256, temp_path, write_files

REPO = Path(__file__).resolve().parents[2]
DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
NB_DIR = Path(__file__).resolve().parents[1] / "notebooks"
PARAMS_NB = (NB_DIR / "params_and_escaping.ipynb").as_posix()


# files
# ---------------------------------------------------------------------------------------------
def test_atomic_write_never_leaves_a_half_written_file(tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    atomic_write(target, "good")
    calls = []

    def broken_replace(src, dst):
        calls.append((Path(src).parent, Path(dst)))
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, "half")
    assert target.read_text() == "good"
    assert calls == [(tmp_path, target)]  # the temp file lived in the same folder
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # and was cleaned up


def test_input_files_are_hashed_from_string_parameters(tmp_path):
    helpdesk = DATASETS / "helpdesk.csv"
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "b.parquet").write_bytes(b"bb")
    (parts / "a.parquet").write_bytes(b"a")
    (parts / "_SUCCESS").write_bytes(b"")  # not a data file: not listed
    got = input_files(
        {
            "events_path": str(helpdesk),
            "glob": "parts/*.parquet",
            "dir": "parts",
            "n": 3,
            "missing": "no.csv",
        },
        tmp_path,
    )
    # reference: hashlib over the whole file contents
    assert got[0] == {
        "parameter": "events_path",
        "path": str(helpdesk),
        "file": "helpdesk.csv",
        "bytes": helpdesk.stat().st_size,
        "sha256": hashlib.sha256(helpdesk.read_bytes()).hexdigest(),
    }
    assert [(g["parameter"], g["file"], g["sha256"]) for g in got[1:]] == [
        ("glob", "a.parquet", hashlib.sha256(b"a").hexdigest()),
        ("glob", "b.parquet", hashlib.sha256(b"bb").hexdigest()),
        ("dir", "a.parquet", hashlib.sha256(b"a").hexdigest()),
        ("dir", "b.parquet", hashlib.sha256(b"bb").hexdigest()),
    ]


# ---------------------------------------------------------------------------------------------


def test_files_are_world_readable_whatever_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        atomic_write(tmp_path / "a.html", "x")
        tmp = temp_path(tmp_path / "b.parquet")
    finally:
        os.umask(old)
    assert oct((tmp_path / "a.html").stat().st_mode & 0o777) == "0o644"
    assert oct(tmp.stat().st_mode & 0o777) == "0o644"


def test_a_set_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    write_files({tmp_path / "a": "old a", tmp_path / "b": "old b"})
    real_write_temp = files_module._write_temp

    def fail_on_b(path, data):
        if path.name == "b":
            raise OSError("disk full")
        return real_write_temp(path, data)

    monkeypatch.setattr(files_module, "_write_temp", fail_on_b)
    with pytest.raises(OSError, match="disk full"):
        write_files({tmp_path / "a": "new a", tmp_path / "b": "new b"})
    assert (tmp_path / "a").read_text() == "old a"  # a was written to a temp file only
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


def test_sha256_matches_hashlib_over_the_whole_file(tmp_path):
    p = tmp_path / "big.bin"
    p.write_bytes(os.urandom(3 << 20))
    assert sha256(p) == hashlib.sha256(p.read_bytes()).hexdigest()
