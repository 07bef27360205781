"""Altair chart builders: each takes a cxkit result frame and returns an ``alt.Chart``.

Charts never show or save themselves. One theme (:func:`theme`) and an offline SVG renderer
are enabled by :func:`setup`, which ``import cxkit`` calls.

Modules: ``theme`` (theme, palette, set-up) · ``journey`` · ``satisfaction`` · ``experiment``.
"""

from cxkit.charts.theme import PALETTE, setup, theme

__all__ = ["PALETTE", "setup", "theme"]
# Chart builders are re-exported below by each analysis area (one import line each).
from cxkit.charts.journey import (  # noqa: E402
    emotion_curve,
    funnel_chart,
    pain_point_chart,
    sankey,
    transition_heatmap,
)

__all__ += ["emotion_curve", "funnel_chart", "pain_point_chart", "sankey", "transition_heatmap"]
from cxkit.charts.experiment import checks_badge, distribution_chart, forest_plot  # noqa: E402

__all__ += ["checks_badge", "distribution_chart", "forest_plot"]
from cxkit.charts.satisfaction import (  # noqa: E402
    drivers_chart,
    importance_performance_chart,
    nps_bar,
    scores_chart,
    trend_chart,
)

__all__ += [
    "drivers_chart",
    "importance_performance_chart",
    "nps_bar",
    "scores_chart",
    "trend_chart",
]
