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


@pytest.mark.parametrize("umask,mode", [(0o022, "0o644"), (0o002, "0o644"), (0o077, "0o600")])
def test_files_are_0644_narrowed_by_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        atomic_write(tmp_path / "a.html", "x")
        tmp = temp_path(tmp_path / "b.parquet")
    finally:
        os.umask(old)
    assert oct((tmp_path / "a.html").stat().st_mode & 0o777) == mode
    assert oct(tmp.stat().st_mode & 0o777) == mode


def test_only_parameters_that_name_files_are_hashed(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(5):
        (docs / f"{i}.csv").write_text("x")
    got = input_files({"title": str(docs), "label": "docs/0.csv", "data_dir": "docs"}, tmp_path)
    assert [(g["parameter"], g["file"]) for g in got] == [
        ("data_dir", f"{i}.csv") for i in range(5)
    ]
    assert all(g["path"] == f"docs/{g['file']}" for g in got)  # the files the folder matched


def test_hashing_stops_at_max_files(tmp_path, monkeypatch):
    monkeypatch.setattr(files_module, "MAX_FILES", 2)
    for i in range(5):
        (tmp_path / f"{i}.csv").write_text("x")
    got = input_files({"parts_glob": "*.csv"}, tmp_path)
    assert len(got) == 3 and got[-1] == {
        "parameter": "parts_glob",
        "path": "*.csv",
        "more_files": 3,
    }


def test_stale_run_folders_of_killed_runs_are_removed(tmp_path):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    killed = tmp_path / ".run-abc123"
    killed.mkdir()
    (killed / "pid").write_text(dead)
    (killed / "executed.ipynb").write_text("{}")
    running = tmp_path / ".run-def456"
    running.mkdir()
    (running / "pid").write_text(str(os.getpid()))
    old_tmp = tmp_path / ".r.html.1234abcd.tmp"
    old_tmp.write_text("half")
    os.utime(old_tmp, (1, 1))
    fresh_tmp = tmp_path / ".r.json.5678abcd.tmp"
    fresh_tmp.write_text("being written")
    removed = files_module.remove_stale(tmp_path)
    assert sorted(p.name for p in removed) == sorted([killed.name, old_tmp.name])
    assert running.is_dir() and fresh_tmp.is_file() and not killed.exists()


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
