"""Open generated reports in headless Chromium with every network request blocked.

Asserts, for each report page and the index: charts drawn (inline SVG with Vega marks), no
request left the page, no code shown, no JavaScript console error (and no dialog from a
hostile label). A screenshot of each page is kept under ``test-artifacts/``.

Needs Debian's ``chromium`` (``apt-get install chromium``) and the ``playwright`` package (its
own browsers are not used). Without Chromium the test skips; with ``CXKIT_REQUIRE_BROWSER=1``
(set by ``.ci/run``) it fails instead.
"""

from __future__ import annotations

from pathlib import Path

import _report_batch  # the batch shared with tests/report/test_run.py, built once per run
import pytest
from _browser import CHROMIUM, CHROMIUM_ARGS, need_browser

pytestmark = [pytest.mark.slow, pytest.mark.browser]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"

REPORTS = [*_report_batch.configured_names(), _report_batch.HOSTILE]


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Every report of the batch (reports.toml on fresh sample data + the hostile one), index."""
    need_browser()
    batch = _report_batch.build(tmp_path_factory)
    assert (batch["rc_demo"], batch["rc_hostile"]) == (0, 0)
    out = batch["out"]
    found = {name: out / name / f"{name}.html" for name in REPORTS}
    found["index"] = out / "index.html"
    return found


@pytest.fixture(scope="module")
def browser():
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def _open(browser, path: Path, shot: str) -> dict:
    """Load ``path`` with all network blocked; return what the page did."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, java_script_enabled=True)
    page = context.new_page()
    requests: list[str] = []
    blocked: list[str] = []
    console: list[str] = []
    dialogs: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(("file:", "data:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    context.route("**/*", route)
    page.on("request", lambda req: requests.append(req.url))
    page.on(
        "console",
        lambda m: console.append(f"{m.type}: {m.text}") if m.type in {"error", "warning"} else None,
    )
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)  # let any (unexpected) late request or error surface
    info = page.evaluate(
        """() => ({
            svgs: document.querySelectorAll('svg').length,
            marks: document.querySelectorAll('svg g.role-mark').length,
            markShapes: document.querySelectorAll('svg g.role-mark path, svg g.role-mark rect, svg g.role-mark line').length,
            svgBoxes: [...document.querySelectorAll('svg')].map(s => s.getBoundingClientRect().width),
            scripts: document.scripts.length,
            text: document.body.innerText,
            failedCode: document.querySelectorAll('.cx-failed-code').length,
            imgs: [...document.images].map(i => i.src.slice(0, 30)),
            pwned: window.__pwned === 1,
            header: (document.querySelector('header') || {}).innerText || '',
        })"""
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)
    context.close()
    info.update(
        requests=requests, blocked=blocked, console=console, dialogs=dialogs, url=path.as_uri()
    )
    return info


def _assert_offline_and_clean(info: dict) -> None:
    assert info["blocked"] == [], f"requests left the page: {info['blocked']}"
    assert info["requests"] == [info["url"]], (
        f"the page loaded more than itself: {info['requests']}"
    )
    assert info["console"] == [], info["console"]
    assert info["dialogs"] == [] and not info["pwned"]
    assert info["scripts"] == 0


@pytest.fixture(scope="module")
def opened(browser, pages):
    """Each page opened once (with its screenshot kept)."""
    return {name: _open(browser, path, f"report-{name}") for name, path in pages.items()}


def _code_lines(page: Path) -> list[str]:
    """Distinctive source lines of the notebook's code cells (they must not be on the page)."""
    import nbformat

    nb = nbformat.read(page.with_suffix(".ipynb"), as_version=4)
    lines = []
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and not {"parameters", "injected-parameters"} & set(tags):
            # (parameter values are shown in the header on purpose)
            lines += [
                ln.strip()
                for ln in cell.source.splitlines()
                if len(ln.strip()) > 20 and not ln.strip().startswith("#")
            ]
    return lines


def test_blocking_and_recording_catch_a_request(browser, tmp_path):
    """Control: the harness does see and block a page that reaches for the network."""
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><img src="https://example.com/pixel.png"><p>leak</p>')
    info = _open(browser, page, "control-leaky")
    assert info["blocked"] == ["https://example.com/pixel.png"]
    assert info["console"]  # the aborted load is reported as a console error


@pytest.mark.parametrize("name", REPORTS)
def test_report_renders_offline_with_charts_and_no_code(opened, pages, name):
    info = opened[name]
    _assert_offline_and_clean(info)
    assert info["svgs"] >= 1 and info["marks"] >= 1 and info["markShapes"] >= 2, info
    assert all(w > 100 for w in info["svgBoxes"])  # drawn at a real size
    text = info["text"]
    shown = [ln for ln in _code_lines(pages[name]) if ln in text]
    assert shown == [], f"code visible on the page: {shown[:3]}"
    assert info["failedCode"] == 0
    # issue 12: no status badge on a good page; the run's details are in "About this report"
    assert "About this report" in text and "OK" not in info["header"]
    shot = ARTIFACTS / f"report-{name}.png"
    assert shot.is_file() and shot.stat().st_size > 10_000  # the screenshot artifact


def test_hostile_label_is_visible_text_not_markup(opened):
    info = opened[_report_batch.HOSTILE]
    assert info["text"].count("<img src=x onerror=alert(1)>") >= 8
    assert info["imgs"] == []  # the label never became an <img> element
    assert info["dialogs"] == [] and not info["pwned"]


def test_index_renders_offline(opened):
    info = opened["index"]
    _assert_offline_and_clean(info)
    assert "Touchpoint satisfaction at a glance (demo)" in info["text"]
    assert f"{len(REPORTS)} report(s), 0 failed." in info["text"]


@pytest.mark.parametrize("name", REPORTS)
def test_report_prints_on_a4_without_clipping(browser, pages, name):
    """Print media: every chart and table fits the A4 printable width; a PDF is kept."""
    context = browser.new_context()
    context.route(
        "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
    )
    page = context.new_page()
    page.goto(pages[name].as_uri(), wait_until="load")
    page.emulate_media(media="print")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / f"report-{name}.pdf"), format="A4", print_background=True)
    # A4 is 210 mm wide; the print stylesheet keeps 14 mm margins -> 182 mm = 688 CSS px
    page.set_viewport_size({"width": 688, "height": 1000})
    widths = page.evaluate(
        "() => [...document.querySelectorAll('main svg, main table')]"
        ".map(e => Math.ceil(e.getBoundingClientRect().right))"
    )
    context.close()
    assert pdf[:5] == b"%PDF-" and len(pdf) > 20_000
    assert widths and max(widths) <= 688, widths


# ------------------------------------------------------------------------------ issue 12
_FIRST_SCREEN = (1280, 800)
_SNAKE = r"\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b"
_READABLE_JS = """(snake) => {
    const re = new RegExp(snake);
    const seen = e => e.getClientRects().length > 0 && !e.closest('details:not([open])');
    const box = document.querySelector('section.headline');
    const r = box ? box.getBoundingClientRect() : null;
    const title = (document.querySelector('header h1') || {}).innerText || '';
    const heads = [...document.querySelectorAll('h1, h2, h3, h4')].filter(seen);
    return {
        headline: r && {top: r.top, bottom: r.bottom, left: r.left, right: r.right},
        wide: [...document.querySelectorAll('main table')].filter(seen)
            .map(t => [t.getBoundingClientRect().width, t.parentElement.getBoundingClientRect().width,
                       t.scrollWidth, t.clientWidth])
            .filter(([w, pw, sw, cw]) => w > pw + 1 || sw > cw + 1),
        snakeHeaders: [...document.querySelectorAll('main th')].filter(seen).map(e => e.innerText)
            .filter(t => re.test(t)),
        snakeFindings: [...document.querySelectorAll('section.headline li, section.headline p, .cx-findings li')]
            .filter(seen).map(e => e.innerText).filter(t => re.test(t)),
        title,
        titleCount: heads.filter(h => h.innerText.trim() === title.trim()).length,
        h1s: document.querySelectorAll('h1').length,
        emptyHeads: heads.filter(h => !h.innerText.trim()).length,
    };
}"""


def _first_screen(browser, path: Path, shot: str) -> dict:
    """Open ``path`` at 1280×800 with the network blocked; keep a screenshot of the first screen."""
    width, height = _FIRST_SCREEN
    context = browser.new_context(viewport={"width": width, "height": height})
    context.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
    )
    page = context.new_page()
    page.goto(path.as_uri(), wait_until="load")
    info = page.evaluate(_READABLE_JS, _SNAKE)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"first-screen-{shot}.png"))  # the first screen only
    context.close()
    return info


@pytest.fixture(scope="module")
def first_screens(browser, pages):
    return {name: _first_screen(browser, path, name) for name, path in pages.items()}


CONFIGURED = _report_batch.configured_names()


@pytest.mark.parametrize("name", CONFIGURED)
def test_headline_is_on_the_first_screen(first_screens, name):
    info = first_screens[name]
    box = info["headline"]
    assert box, f"{name}: no <section class='headline'> on the page"
    width, height = _FIRST_SCREEN
    assert box["top"] >= 0 and box["bottom"] <= height, f"{name}: headline box at {box}"
    assert box["right"] <= width


@pytest.mark.parametrize("name", CONFIGURED)
def test_tables_fit_and_readers_see_no_snake_case(first_screens, name):
    info = first_screens[name]
    assert info["wide"] == [], f"{name}: tables wider than their container: {info['wide']}"
    assert info["snakeHeaders"] == [], f"{name}: snake_case table headers {info['snakeHeaders']}"
    assert info["snakeFindings"] == [], f"{name}: snake_case in findings {info['snakeFindings']}"


@pytest.mark.parametrize("name", [*CONFIGURED, "index"])
def test_title_once_and_no_empty_heading(first_screens, name):
    info = first_screens[name]
    assert info["h1s"] == 1 and info["titleCount"] == 1, info
    assert info["emptyHeads"] == 0


def test_index_shows_each_ab_verdict(opened):
    text = opened["index"]["text"]
    assert "Roll out: resolution up" in text  # the sample A/B test: primary effect + interval
    assert "a data-quality check raised an alarm" not in text


# A/B reports: a distribution chart for every primary metric (issue 12), drawn in section 4
_AB_DISTRIBUTIONS = {
    "service_ab_test": [
        "Resolution",
        "Handle time, median handle time",
        "Contacts per unit, the count behind contacts per order",
        "CSAT",
        "NPS",
    ],
    "cookie_cats_ab_test": ["1-day retention", "7-day retention", "Game rounds played"],
}
_DISTRIBUTIONS_JS = """() => {
    const heads = [...document.querySelectorAll('main h2')];
    const start = heads.find(h => /Distributions per arm/.test(h.innerText));
    if (!start) return null;
    const next = heads[heads.indexOf(start) + 1];
    const after = (a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) > 0;
    return [...document.querySelectorAll('main svg')]
        .filter(s => after(start, s) && (!next || after(s, next)))
        .map(s => ({
            text: [...s.querySelectorAll('text')].map(t => t.textContent).join(' | '),
            marks: s.querySelectorAll('g.role-mark path, g.role-mark rect, g.role-mark line').length,
            width: s.getBoundingClientRect().width,
        }));
}"""


@pytest.mark.parametrize("name", [n for n in _AB_DISTRIBUTIONS if n in CONFIGURED])
def test_ab_report_draws_a_distribution_for_every_primary_metric(browser, pages, name):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.route(
        "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
    )
    page = context.new_page()
    page.goto(pages[name].as_uri(), wait_until="load")
    charts = page.evaluate(_DISTRIBUTIONS_JS)
    context.close()
    assert charts is not None, f"{name}: no 'Distributions per arm' section"
    titles = [c["text"][:80] for c in charts]
    assert len(charts) >= len(_AB_DISTRIBUTIONS[name]), titles
    for want in _AB_DISTRIBUTIONS[name]:
        drawn = [c for c in charts if want in c["text"].split(" | ")]
        assert drawn, f"{name}: no distribution chart for {want!r} (charts: {titles})"
        assert drawn[0]["marks"] >= 2 and drawn[0]["width"] > 100, drawn[0]
    # arm codes are shown in readers' words in the charts too
    assert not any("gate_30" in c["text"] or "new_script" in c["text"] for c in charts)
    # legends titled "Arm", axes named by the metric; yes/no metrics read No / Yes, not 0 / 1
    for c in charts:
        words = c["text"].split(" | ")
        assert "Arm" in words and "arm" not in words and "value" not in words, words[:12]
    yes_no = {"service_ab_test": "Resolution", "cookie_cats_ab_test": "7-day retention"}[name]
    words = next(c for c in charts if yes_no in c["text"].split(" | "))["text"].split(" | ")
    assert "No" in words and "Yes" in words and "0" not in words, words


@pytest.mark.parametrize("name", [n for n in _AB_DISTRIBUTIONS if n in CONFIGURED])
def test_ab_forest_plot_has_its_own_title(pages, name):
    """The forest plot says what it shows; it does not repeat the page title (issue 12)."""
    import re

    page = pages[name].read_text(encoding="utf-8")
    title = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1).strip()
    assert "Difference from control, per metric" in page
    words = title.split(" (")[0]  # the page title without "(sample data)"
    assert not any(words in svg for svg in re.findall(r"<svg.*?</svg>", page, re.S))
