"""The one cxkit chart theme and the offline renderer set-up.

Charts render as static SVG, made locally by vl-convert (no CDN, no JavaScript): the same
output works in JupyterLab without a network connection, in the exported HTML reports, and
on paper. Call :func:`setup` once (``import cxkit`` does it) to enable both.
"""

from __future__ import annotations

import altair as alt

__all__ = ["PALETTE", "THEME_NAME", "setup", "theme"]

THEME_NAME = "cxkit"
#: Colour-blind-safe categorical palette (Okabe–Ito order, without yellow for contrast on white).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#999999", "#000000"]
#: Good / neutral / bad, used for promoters / passives / detractors and for effects.
GOOD, NEUTRAL, BAD = "#009E73", "#BBBBBB", "#D55E00"
FONT = "Helvetica, Arial, sans-serif"


@alt.theme.register(THEME_NAME, enable=False)
def theme() -> alt.theme.ThemeConfig:
    """The cxkit Altair theme: quiet axes, readable type, a colour-blind-safe palette."""
    return {
        "config": {
            "font": FONT,
            "view": {"continuousWidth": 520, "continuousHeight": 300, "stroke": None},
            "title": {
                "fontSize": 15,
                "anchor": "start",
                "fontWeight": 600,
                "subtitleColor": "#555",
            },
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
    }


def setup(*, renderer: str = "svg") -> None:
    """Enable the cxkit theme and an offline renderer.

    Parameters
    ----------
    renderer : {"svg", "png"}
        ``"svg"`` (default) renders charts as inline SVG through vl-convert: no network,
        works in JupyterLab 4.6 (whose built-in Vega renderer does not know Vega-Lite v6)
        and in nbconvert/papermill output.
    """
    if renderer not in {"svg", "png"}:
        raise ValueError(f"renderer must be 'svg' or 'png' (offline), got {renderer!r}")
    alt.theme.enable(THEME_NAME)
    alt.renderers.enable(renderer)
