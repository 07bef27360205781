"""Altair chart builders: each takes a cxkit result frame and returns an ``alt.Chart``.

Charts never show or save themselves. One theme (:func:`theme`) and an offline SVG renderer
are enabled by :func:`setup`, which ``import cxkit`` calls. Charts import only the base
(``cxkit.schema`` labels), never an analysis package, and take result frames with either the
old or the new column names (``diff``/``effect``, ``low_base``/``base_flag``).

Modules: ``theme`` (theme, palette, set-up) · ``journey`` · ``satisfaction`` · ``experiment`` ·
``loyalty`` ·
private ``_common`` (column checks and renames shared by the chart modules).
"""

from cxkit.charts.experiment import checks_badge, distribution_chart, forest_plot
from cxkit.charts.journey import (
    emotion_curve,
    funnel_chart,
    pain_point_chart,
    sankey,
    transition_heatmap,
)
from cxkit.charts.loyalty import hazard_ratio_chart, retention_chart, value_at_stake_chart
from cxkit.charts.satisfaction import (
    drivers_chart,
    importance_performance_chart,
    nps_bar,
    scores_chart,
    trend_chart,
)
from cxkit.charts.theme import PALETTE, setup, theme

__all__ = [
    "PALETTE",
    "checks_badge",
    "distribution_chart",
    "drivers_chart",
    "emotion_curve",
    "forest_plot",
    "funnel_chart",
    "hazard_ratio_chart",
    "importance_performance_chart",
    "nps_bar",
    "pain_point_chart",
    "retention_chart",
    "sankey",
    "scores_chart",
    "setup",
    "theme",
    "transition_heatmap",
    "trend_chart",
    "value_at_stake_chart",
]
