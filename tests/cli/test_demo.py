"""``cxkit demo`` without a checkout: the demo project ships in the wheel.

The wheel is built from the repository (``pip wheel --no-deps``); its file list must hold the
notebooks and the report config, byte-identical to the repository's (their one source). The
slow test installs it into a folder and runs ``cxkit demo --out DIR`` from an empty directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cxkit.cli import report as cli_report

REPO = Path(__file__).resolve().parents[2]
SOURCES = [
    "pyproject.toml",
    "setup.py",
    "README.md",
    "LICENSE",
    "reports.toml",
    "notebooks",
    "cxkit",
]


def test_demo_without_a_config_copies_the_bundled_project(tmp_path, monkeypatch):
    bundle = tmp_path / "bundle"
    (bundle / "notebooks").mkdir(parents=True)
    (bundle / "reports.toml").write_text("")  # no reports: demo stops after the copy
    (bundle / "notebooks" / "a.ipynb").write_text("{}")
    monkeypatch.setattr(cli_report, "bundled_project", lambda: bundle)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(cli_report, "SAMPLE_FILES", ())  # no sample data needed here
    assert cli_report.main(["demo", "--out", "site"]) == 2  # "no reports to run"
    assert (work / "site" / "_demo" / "reports.toml").is_file()
    assert (work / "site" / "_demo" / "notebooks" / "a.ipynb").read_text() == "{}"


def test_demo_prefers_the_config_in_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(cli_report, "bundled_project", lambda: pytest.fail("not used"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reports.toml").write_text("")
    monkeypatch.setattr(cli_report, "SAMPLE_FILES", ())
    assert cli_report.main(["demo", "--out", "site"]) == 2
    assert not (tmp_path / "site" / "_demo").exists()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(path, src / name)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(dist), str(src)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (found,) = dist.glob("cxkit-*.whl")
    return found


def test_wheel_ships_typed_package_license_notebooks_and_config(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        assert "cxkit/py.typed" in names
        assert z.read("cxkit/_demo/reports.toml") == (REPO / "reports.toml").read_bytes()
        for nb in sorted((REPO / "notebooks").glob("*.ipynb")):
            assert z.read(f"cxkit/_demo/notebooks/{nb.name}") == nb.read_bytes(), nb.name
    assert not [n for n in names if n.startswith("cxkit/_demo/") and n.endswith(".py")]
    assert "License-Expression: MIT" in meta and "License-File: LICENSE" in meta
    assert 'Requires-Dist: jupyterlab>=4.2; extra == "lab"' in meta
    assert "Requires-Dist: nh3" in meta
    packages = {n.rsplit("/", 1)[0] for n in names if n.endswith("/__init__.py")}
    on_disk = {
        p.parent.relative_to(REPO).as_posix()
        for p in (REPO / "cxkit").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert packages == on_disk  # no package is left out


@pytest.mark.slow
def test_installed_wheel_runs_the_demo_from_anywhere(wheel, tmp_path):
    target = tmp_path / "site-packages"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         str(wheel)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    work = tmp_path / "empty"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run(
        [sys.executable, "-m", "cxkit", "demo", "--out", "site", "-j", "2"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "bundled demo project" in run.stderr
    site = work / "site"
    assert (site / "index.html").is_file()
    for name in ("demo", "journey_map", "service_ab_test", "touchpoint_satisfaction"):
        assert (site / name / "results.json").is_file(), name
    assert (site / "_demo" / "data" / "sample" / "events.parquet").is_file()
    results = (site / "demo" / "results.json").read_text()
    assert '"status": "ok"' in results
