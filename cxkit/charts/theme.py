"""The one cxkit chart theme, how cxkit charts show themselves, and how they are saved.

Nothing here changes Altair's global state unless asked: every chart a cxkit builder returns
carries the cxkit theme in its own ``config`` and shows itself the cxkit way, whatever
Altair's active renderer and theme are. :func:`use_theme` applies the theme to the user's own
Altair charts too, on request.

How a cxkit chart shows itself (:func:`set_mode`, one call):

``"interactive"`` (default)
    A Vega-Lite **v5** mimebundle (``application/vnd.vegalite.v5+json``), which JupyterLab 4's
    built-in renderer draws with its bundled Vega and vega-embed: hover tooltips, no network,
    no extension to install. (JupyterLab 4.6 knows Vega-Lite v3–v5, not the v6 Altair 6
    writes; cxkit's charts use nothing v6 adds, and the tests compile each one with
    Vega-Lite 5.) A static SVG rides along in the same bundle for the places that cannot run
    JavaScript (the HTML reports, nbconvert, a notebook viewer).
``"static"``
    Only the static SVG: no JavaScript at all.

The static SVG is made locally by vl-convert; each mark carries its tooltip text as an SVG
``<title>``, so hovering still shows it in a browser (in the reports too). ``CXKIT_CHARTS=static``
in the environment sets the starting mode.

:func:`save` writes a chart offline as HTML (Vega, Vega-Lite and vega-embed inlined: no CDN),
SVG or PNG. Altair's own ``chart.save("x.html")`` loads Vega from a CDN and is blank offline.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import altair as alt

from cxkit.errors import CxDataError

__all__ = [
    "COLOUR_WORDS",
    "MODES",
    "PALETTE",
    "THEME_NAME",
    "get_mode",
    "save",
    "set_mode",
    "setup",
    "theme",
    "themed",
    "to_svg",
    "use_theme",
]

log = logging.getLogger(__name__)

THEME_NAME = "cxkit"
#: Colour-blind-safe categorical palette (Okabe–Ito order, without yellow for contrast on white).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#999999", "#000000"]
#: Good / neutral / bad, used for promoters / passives / detractors and for effects.
GOOD, NEUTRAL, BAD = "#009E73", "#BBBBBB", "#D55E00"
#: The word a text uses for each of those colours (so captions name the colour drawn).
COLOUR_WORDS = {GOOD: "green", NEUTRAL: "grey", BAD: "orange", PALETTE[0]: "blue"}
FONT = "Helvetica, Arial, sans-serif"
#: ``set_mode`` choices.
MODES = ("interactive", "static")
#: The Vega-Lite major version JupyterLab 4's built-in renderer knows.
VEGALITE_V5 = "application/vnd.vegalite.v5+json"
_V5_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
_SAVE_FORMATS = ("html", "svg", "png", "json")
#: vega-embed options JupyterLab reads from the output's metadata: SVG marks (crisp, in the DOM),
#: tooltips on, and only the export actions (no "open in the Vega editor" link to the web)
_EMBED_OPTIONS = {
    "renderer": "svg",
    "tooltip": True,
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}

_CONFIG: dict[str, Any] = {
    "font": FONT,
    "view": {"continuousWidth": 520, "continuousHeight": 300, "stroke": None},
    "title": {"fontSize": 15, "anchor": "start", "fontWeight": 600, "subtitleColor": "#555"},
    "axis": {
        "labelFontSize": 11,
        "titleFontSize": 12,
        "titleFontWeight": 500,
        "gridColor": "#EEEEEE",
        "domainColor": "#888888",
        "tickColor": "#888888",
        "labelLimit": 260,
    },
    "legend": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 260},
    "range": {"category": PALETTE},
    "mark": {"color": PALETTE[0]},
    "bar": {"color": PALETTE[0]},
    "line": {"color": PALETTE[0], "strokeWidth": 2},
    "point": {"color": PALETTE[0], "filled": True},
}
_mode: list[str] = []  # set by set_mode; empty: CXKIT_CHARTS or "interactive"


def theme() -> dict[str, Any]:
    """The cxkit Altair theme (a fresh copy): quiet axes, readable type, colour-blind-safe palette.

    >>> theme()["config"]["range"]["category"][0]
    '#0072B2'
    """
    return {"config": copy.deepcopy(_CONFIG)}


def use_theme() -> None:
    """Make the cxkit theme Altair's active theme, for the user's own charts as well.

    cxkit's charts do not need this (they carry the theme in their own config); it is the one
    function here that changes Altair's global theme, and only when called.
    """
    if THEME_NAME not in alt.theme.names():
        alt.theme.register(THEME_NAME, enable=False)(theme)
    alt.theme.enable(THEME_NAME)


def setup(*, renderer: str = "svg") -> None:
    """Switch Altair itself to the cxkit theme and an offline renderer (opt-in, global).

    ``import cxkit`` no longer calls this. It is kept for users who want *all* their Altair
    charts static: :func:`use_theme` plus Altair's ``"svg"`` or ``"png"`` renderer.
    """
    _check(renderer, ("svg", "png"), "renderer", "offline Altair renderer")
    use_theme()
    alt.renderers.enable(renderer)


def _check(value: Any, choices: tuple[str, ...], argument: str, what: str) -> None:
    if value not in choices:
        raise CxDataError(
            f"{argument}={value!r} is not a known {what}.",
            rule=f"{argument} is one of {list(choices)}",
            hint=f"pass {argument}= one of {', '.join(repr(c) for c in choices)}",
        )


def get_mode() -> str:
    """How cxkit charts show themselves now: ``"interactive"`` or ``"static"``."""
    if _mode:
        return _mode[-1]
    env = os.environ.get("CXKIT_CHARTS", "").strip().lower()
    return env if env in MODES else "interactive"


def set_mode(mode: str) -> str:
    """Show cxkit charts as ``"interactive"`` Vega-Lite (tooltips, zoom-free) or ``"static"`` SVG.

    Returns the previous mode. Only cxkit's charts are affected, never Altair's renderer.

    >>> previous = set_mode("static")
    >>> get_mode()
    'static'
    >>> _ = set_mode(previous)
    """
    _check(mode, MODES, "mode", "chart display mode")
    previous = get_mode()
    _mode[:] = [mode]
    return previous


def _with_theme(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with the cxkit theme under its own config (the spec's own keys win)."""
    merged = copy.deepcopy(_CONFIG)
    for key, value in (spec.get("config") or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    spec["config"] = merged
    return spec


def _spec(chart: Any) -> dict[str, Any]:
    if isinstance(chart, alt.TopLevelMixin):
        return _with_theme(chart.to_dict())
    if isinstance(chart, dict):
        return _with_theme(copy.deepcopy(chart))
    raise CxDataError(
        f"expected an Altair chart (or a Vega-Lite dict), got {type(chart).__name__}.",
        rule="chart is an altair chart",
        hint="pass the chart a cx.charts builder returned, e.g. cx.charts.scores_chart(result)",
    )


# a mark's shape (axes and legends are groups: they keep only their aria-label)
_SYMBOL = re.compile(r'<(?!g[\s>])(\w+)([^<>]*?\brole="graphics-symbol"[^<>]*?)(/?)>')
_LABEL = re.compile(r'\baria-label="([^"]*)"')


def _titles(svg: str) -> str:
    """Give every mark with an ``aria-label`` (Vega's per-mark description) an SVG ``<title>``.

    >>> _titles('<path aria-label="a: 1" role="graphics-symbol" d="M0,0"/>')
    '<path aria-label="a: 1" role="graphics-symbol" d="M0,0"><title>a: 1</title></path>'
    """

    def add(m: re.Match[str]) -> str:
        label = _LABEL.search(m.group(2))
        if not label:
            return m.group(0)
        title = f"<title>{label.group(1)}</title>"  # already escaped as attribute text
        if m.group(3):  # self-closing
            return f"<{m.group(1)}{m.group(2)}>{title}</{m.group(1)}>"
        return f"<{m.group(1)}{m.group(2)}>{title}"

    return _SYMBOL.sub(add, svg)


def to_svg(chart: Any) -> str:
    """Render ``chart`` to a static SVG string offline, tooltip text as ``<title>`` per mark.

    Examples
    --------
    >>> import polars as pl
    >>> c = alt.Chart(pl.DataFrame({"a": ["x"], "b": [1]})).mark_bar().encode(
    ...     x="a", y="b", tooltip=["a", "b"])
    >>> svg = to_svg(c)
    >>> svg.startswith("<svg") and "<title>a: x; b: 1" in svg
    True
    """
    import vl_convert as vlc  # loaded when the first chart is drawn

    return _titles(vlc.vegalite_to_svg(_spec(chart), allowed_base_urls=[]))


def _v5(spec: dict[str, Any]) -> dict[str, Any]:
    return {**spec, "$schema": _V5_SCHEMA}


class _CxDisplay:
    """Mixed into a cxkit chart's class: theme in its own config, the cxkit display."""

    def to_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        spec = super().to_dict(*args, **kwargs)  # type: ignore[misc]
        return _with_theme(spec) if "$schema" in spec else spec  # only at the top level

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        """(data, metadata) for IPython: see the module docstring for what each mode sends."""
        spec = self.to_dict()
        bundle: dict[str, Any] = {"text/plain": f"<cxkit chart: {type(self).__name__}>"}
        try:
            import vl_convert as vlc

            bundle["image/svg+xml"] = _titles(vlc.vegalite_to_svg(spec, allowed_base_urls=[]))
        except Exception as exc:  # an interactive display still works without the picture
            if get_mode() == "static":
                raise
            log.warning("static SVG of the chart failed (%s); showing it interactive only", exc)
        if get_mode() != "interactive":
            return bundle, {}
        bundle[VEGALITE_V5] = _v5(spec)
        return bundle, {VEGALITE_V5: {"embed_options": _EMBED_OPTIONS}}

    def save(self, fp: Any, *args: Any, **kwargs: Any) -> None:
        """Offline save for paths ending .html/.svg/.png/.json (see :func:`save`)."""
        if isinstance(fp, str | Path) and not args and not kwargs:
            save(self, fp)
        else:
            super().save(fp, *args, **kwargs)  # type: ignore[misc]


@functools.cache
def _cx_class(base: type) -> type:
    return type(base.__name__, (_CxDisplay, base), {"__module__": base.__module__})


def themed(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """``chart`` (a copy) with the cxkit theme in its own config and the cxkit display.

    cxkit's builders return such charts; a composition of them (``a | b``, ``a + b``) is a
    plain Altair chart again: ``cx.charts.themed(a | b)`` shows it the cxkit way.

    >>> import polars as pl
    >>> c = themed(alt.Chart(pl.DataFrame({"a": [1]})).mark_point().encode(x="a"))
    >>> c.to_dict()["config"]["font"]
    'Helvetica, Arial, sans-serif'
    >>> isinstance(c, alt.Chart)
    True
    """
    if not isinstance(chart, alt.TopLevelMixin):
        _spec(chart)  # raises the CxDataError
    out = chart.copy(deep=False)
    if not isinstance(out, _CxDisplay):
        # object.__setattr__: altair's own __setattr__ would store "__class__" as a spec field
        object.__setattr__(out, "__class__", _cx_class(type(out)))
    return out


F = TypeVar("F", bound=Callable[..., Any])


def builder(fn: F) -> F:
    """Decorate a chart builder so that what it returns is :func:`themed`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return themed(fn(*args, **kwargs))

    return wrapper  # type: ignore[return-value]


def save(chart: Any, path: str | os.PathLike[str], *, scale: float = 2.0) -> Path:
    """Write ``chart`` offline to ``path``: ``.html``, ``.svg``, ``.png`` or ``.json``.

    HTML inlines Vega, Vega-Lite and vega-embed (about 1 MB; opens without a network, with
    tooltips); SVG carries tooltip text as ``<title>``; PNG is drawn at ``scale`` × size.
    Written to a temporary name and renamed into place, mode 0644. Do not use Altair's own
    ``chart.save("x.html")`` (cxkit charts route it here): it loads Vega from a CDN.

    Examples
    --------
    >>> import pathlib, tempfile, polars as pl
    >>> c = alt.Chart(pl.DataFrame({"a": ["x"], "b": [1]})).mark_bar().encode(x="a", y="b")
    >>> out = save(c, pathlib.Path(tempfile.mkdtemp()) / "c.svg")
    >>> out.read_text().startswith("<svg")
    True
    """
    import vl_convert as vlc

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    _check(fmt, _SAVE_FORMATS, "path suffix", "chart file format (the path's suffix)")
    spec = _spec(chart)
    if fmt == "html":
        data: str | bytes = vlc.vegalite_to_html(spec, bundle=True)
    elif fmt == "svg":
        data = _titles(vlc.vegalite_to_svg(spec, allowed_base_urls=[]))
    elif fmt == "png":
        data = vlc.vegalite_to_png(spec, scale=scale, allowed_base_urls=[])
    else:
        data = json.dumps(spec, indent=2)
    _write_atomic(path, data.encode() if isinstance(data, str) else data)
    log.info("chart written to %s", path)
    return path


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
