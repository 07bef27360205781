"""Altair chart builders: each takes a cxkit result frame and returns an Altair chart.

Charts never show or save themselves, and importing them changes nothing global: each chart
carries the cxkit theme in its own config and shows itself the cxkit way (``theme``):
interactive Vega-Lite with tooltips in JupyterLab, offline, with a static SVG alongside for
reports. ``set_mode("static" | "interactive")`` switches cxkit's charts (one call);
``save(chart, "x.html" | ".svg" | ".png")`` writes offline files; ``use_theme()`` applies the
theme to your own Altair charts; ``themed(a | b)`` gives a composition the cxkit display.
Charts import only the base (``cxkit.schema`` labels), never an analysis package, and take
result frames with either the old or the new column names (``diff``/``effect``,
``low_base``/``base_flag``).

Modules: ``theme`` (theme, palette, display modes, SVG with tooltips, save) · ``journey`` ·
``satisfaction`` · ``experiment`` · ``loyalty`` ·
private ``_common`` (column checks and renames shared by the chart modules).
"""

from cxkit.charts import loyalty as _loyalty
from cxkit.charts.experiment import (
    checks_badge,
    distribution_chart,
    forest_plot,
    sequential_chart,
)
from cxkit.charts.journey import (
    emotion_curve,
    funnel_chart,
    pain_point_chart,
    sankey,
    transition_heatmap,
)
from cxkit.charts.satisfaction import (
    drivers_chart,
    importance_performance_chart,
    nps_bar,
    scores_chart,
    trend_chart,
)
from cxkit.charts.theme import (
    MODES,
    PALETTE,
    builder,
    get_mode,
    save,
    set_mode,
    setup,
    theme,
    themed,
    to_svg,
    use_theme,
)

# the loyalty builders, themed here (their module returns plain Altair charts)
retention_chart = builder(_loyalty.retention_chart)
hazard_ratio_chart = builder(_loyalty.hazard_ratio_chart)
value_at_stake_chart = builder(_loyalty.value_at_stake_chart)

__all__ = [
    "MODES",
    "PALETTE",
    "checks_badge",
    "distribution_chart",
    "drivers_chart",
    "emotion_curve",
    "forest_plot",
    "funnel_chart",
    "get_mode",
    "hazard_ratio_chart",
    "importance_performance_chart",
    "nps_bar",
    "pain_point_chart",
    "retention_chart",
    "sankey",
    "save",
    "scores_chart",
    "sequential_chart",
    "set_mode",
    "setup",
    "theme",
    "themed",
    "to_svg",
    "transition_heatmap",
    "trend_chart",
    "use_theme",
    "value_at_stake_chart",
]
