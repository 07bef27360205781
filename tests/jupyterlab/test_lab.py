"""The shipped notebooks in a real JupyterLab, driven by a real Chromium, with the network cut.

JupyterLab (the venv's, from the ``lab`` extra) starts on a free local port with a token, in a
scratch folder holding a copy of ``notebooks/`` and fresh sample data in ``data/sample``. Its
settings (``JUPYTERLAB_SETTINGS_DIR``) turn off notebook windowing so that off-screen cells
are in the DOM, and turn off news and update checks. For each shipped notebook the test waits
for the kernel to be idle, runs all cells from the Run menu with every browser request outside
localhost blocked, saves, and asserts: no error output, every cxkit chart drawn by JupyterLab's
own Vega renderer (interactive, SVG marks), no request blocked. On one chart it hovers a mark
and asserts that a tooltip appears. Screenshots go to ``test-artifacts/jupyterlab/``.

Needs Debian's ``chromium`` and the ``playwright`` package: without them the test skips with a
message; with ``CXKIT_REQUIRE_BROWSER=1`` (``.ci/run``) it fails instead.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
from _browser import CHROMIUM, CHROMIUM_ARGS, need_browser

pytestmark = [pytest.mark.slow, pytest.mark.browser]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "jupyterlab"
NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
VEGALITE_V5 = "application/vnd.vegalite.v5+json"
RUN_TIMEOUT_S = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settings(folder: Path) -> None:
    """JupyterLab user settings: no windowing (every cell in the DOM), no news, no updates."""
    files = {
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "checkForUpdates": False,
            "fetchNews": "false",
        },
    }
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free port with a token, over a scratch copy of the notebooks."""
    need_browser(modules=("jupyterlab", "playwright.sync_api"), what="JupyterLab test")
    from cxkit.sample import write_sample_data

    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    write_sample_data(root / "data" / "sample", "small", progress=False)
    _settings(root / "settings")
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces"),
        "JUPYTER_CONFIG_DIR": str(root / "config"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "PYTHONWARNINGS": "ignore",
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=",
        "--LabServerApp.extensions_in_dev_mode=False",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (root / "lab.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (root / "lab.log").read_text())
                time.sleep(0.5)
        yield {"base": base, "token": token, "root": root}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def _page(browser, blocked: list[str]):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})

    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return context, context.new_page()


def _start_kernel(page) -> None:
    """Accept the kernel dialog a notebook without kernel metadata shows; wait for idle."""
    try:
        page.wait_for_selector(".jp-Dialog button.jp-mod-accept", timeout=5_000)
        page.locator(".jp-Dialog button.jp-mod-accept").click()
    except Exception:  # no dialog: the notebook names its kernel
        pass
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-StatusBar-TextItem, .jp-KernelStatus')]"
        ".some(e => /\\| Idle$/.test(e.textContent.trim()))",
        timeout=90_000,
    )
    _wait_idle(page, 30)


def _wait_idle(page, timeout_s: float) -> None:
    page.wait_for_selector(
        ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout_s * 1000
    )


def _run_all(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def _all_ran(page) -> bool:
    """Every code cell has an execution count and none is queued or running."""
    prompts = page.eval_on_selector_all(
        ".jp-Notebook .jp-CodeCell .jp-InputArea-prompt", "els => els.map(e => e.textContent)"
    )
    return bool(prompts) and all(p.strip() not in ("[ ]:", "[*]:", "") for p in prompts)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab_offline_with_interactive_charts(lab, browser, name):
    blocked: list[str] = []
    context, page = _page(browser, blocked)
    try:
        page.goto(f"{lab['base']}/lab/tree/notebooks/{name}?reset&token={lab['token']}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        _start_kernel(page)
        _run_all(page)
        deadline = time.monotonic() + RUN_TIMEOUT_S
        page.wait_for_timeout(1000)
        while not _all_ran(page):
            assert time.monotonic() < deadline, f"{name}: Run All did not finish"
            page.wait_for_timeout(1000)
        _wait_idle(page, 60)
        page.keyboard.press("Control+s")
        page.wait_for_timeout(1500)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}.png"), full_page=False)

        saved = json.loads((lab["root"] / "notebooks" / name).read_text())
        outputs = [o for c in saved["cells"] for o in c.get("outputs", [])]
        errors = [o for o in outputs if o.get("output_type") == "error"]
        assert errors == [], f"{name}: {[(e['ename'], e['evalue']) for e in errors]}"
        n_charts = sum(VEGALITE_V5 in o.get("data", {}) for o in outputs)
        drawn = page.eval_on_selector_all(
            ".jp-RenderedVegaCommon5",
            "els => els.map(e => e.querySelectorAll('svg g.role-mark path, svg g.role-mark line,"
            " svg g.role-mark text, svg g.role-mark rect').length)",
        )
        error_boxes = page.locator(".jp-RenderedVegaCommon5 .error, .vega-embed .error").count()
        if name != "demo.ipynb" or n_charts:
            assert n_charts >= 1, f"{name}: no interactive chart in the outputs"
        assert len(drawn) == n_charts, (name, len(drawn), n_charts)
        assert all(d > 0 for d in drawn), f"{name}: a chart without marks: {drawn}"
        assert error_boxes == 0
        assert blocked == [], f"{name}: requests outside localhost: {blocked[:5]}"
        if name == "journey_map.ipynb":
            _assert_tooltip_on_hover(page)
    finally:
        context.close()


def _assert_tooltip_on_hover(page) -> None:
    """Hover a bar of the funnel chart (or any mark with a tooltip): vega-tooltip shows it."""
    marks = page.locator(".jp-RenderedVegaCommon5 svg g.role-mark path[aria-label]")
    for i in range(min(marks.count(), 60)):
        mark = marks.nth(i)
        box = mark.bounding_box()
        if not box or box["width"] < 4 or box["height"] < 4:
            continue
        mark.scroll_into_view_if_needed()
        box = mark.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(400)
        tip = page.locator("#vg-tooltip-element.visible")
        if tip.count() and tip.inner_text().strip():
            page.screenshot(path=str(ARTIFACTS / "tooltip.png"))
            assert ":" in tip.inner_text() or tip.inner_text().strip()
            return
    pytest.fail("no tooltip appeared when hovering the chart marks")
