"""Loyalty charts: each takes a result frame of :mod:`cxkit.loyalty` and returns a chart.

=================================  ======================================================
:func:`retention_chart`            ``retention()`` → step curves with interval bands
:func:`hazard_ratio_chart`         ``hazard_ratios()`` → forest plot on a log scale
:func:`value_at_stake_chart`       ``value_at_stake()`` → bars ranked by money, with CIs
=================================  ======================================================

Leadership-report rules: plain axis titles with units, percentages for rates, one colour
per group, legends below the plot, no labels drawn over each other.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from cxkit.charts._common import need
from cxkit.charts.theme import BAD, NEUTRAL, PALETTE

__all__ = ["hazard_ratio_chart", "retention_chart", "value_at_stake_chart"]


def retention_chart(
    curves: pl.DataFrame, *, time_unit: str = "months", title: str | None = None
) -> alt.LayerChart:
    """Kaplan–Meier retention curves as steps, each with its 95 % band.

    Parameters
    ----------
    curves : polars.DataFrame
        From :func:`cxkit.loyalty.retention`.
    time_unit : str
        The unit of the durations, for the x-axis title.
    title : str, optional
        Chart title.

    Examples
    --------
    >>> import polars as pl
    >>> c = pl.DataFrame({"group": ["a", "a"], "time": [1.0, 2.0], "at_risk": [5, 4],
    ...     "events": [1, 1], "retention": [0.8, 0.6], "ci_low": [0.5, 0.3], "ci_high": [1.0, 0.9]})
    >>> type(retention_chart(c)).__name__
    'LayerChart'
    """
    need(curves, ["group", "time", "retention", "ci_low", "ci_high"], "retention_chart",
         "cx.loyalty.retention()")  # fmt: skip
    starts = curves.group_by("group", maintain_order=True).agg(pl.first("at_risk"))
    start = starts.with_columns(
        time=pl.lit(0.0), events=pl.lit(0, pl.Int64), retention=pl.lit(1.0),
        ci_low=pl.lit(1.0), ci_high=pl.lit(1.0),
    ).select(curves.columns)  # fmt: skip
    frame = pl.concat([start, curves.cast(start.schema)]).sort("group", "time")
    groups = frame["group"].unique(maintain_order=True).to_list()
    color = alt.Color(
        "group:N", sort=groups, scale=alt.Scale(range=PALETTE),
        legend=alt.Legend(title=None, orient="bottom", columns=3),
    )  # fmt: skip
    x = alt.X("time:Q", title=f"time as a customer ({time_unit})")
    base = alt.Chart(frame)
    band = base.mark_area(opacity=0.15, interpolate="step-after").encode(
        x=x, y="ci_low:Q", y2="ci_high:Q", color=color
    )
    line = base.mark_line(interpolate="step-after").encode(
        x=x,
        y=alt.Y("retention:Q", title="still a customer", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=color,
        tooltip=[alt.Tooltip("group:N"), alt.Tooltip("time:Q"), alt.Tooltip("at_risk:Q"),
                 alt.Tooltip("retention:Q", format=".1%")],
    )  # fmt: skip
    return alt.layer(band, line).properties(
        width=520, height=300,
        title=alt.Title(title or "Retention: share still a customer",
                        subtitle="Kaplan–Meier estimate; shaded: 95 % interval"),
    )  # fmt: skip


def hazard_ratio_chart(hr: pl.DataFrame, *, title: str | None = None) -> alt.LayerChart:
    """Forest plot of hazard ratios (log scale, 1 = no difference); red rows failed the
    proportional-hazards check.

    Examples
    --------
    >>> import polars as pl
    >>> hr = pl.DataFrame({"factor": ["complained"], "level": ["1"], "reference": ["0"],
    ...     "hazard_ratio": [2.0], "ci_low": [1.5], "ci_high": [2.7], "ph_violation": [False]})
    >>> type(hazard_ratio_chart(hr)).__name__
    'LayerChart'
    """
    need(hr, ["factor", "level", "hazard_ratio", "ci_low", "ci_high", "ph_violation"],
         "hazard_ratio_chart", "cx.loyalty.hazard_ratios()")  # fmt: skip
    ref = pl.col("reference") if "reference" in hr.columns else pl.lit(None, pl.String)
    frame = hr.with_columns(
        label=pl.when(ref.is_null())
        .then(pl.col("factor") + " (per unit)")
        .otherwise(pl.col("factor") + ": " + pl.col("level") + " vs " + ref),
        check=pl.when(pl.col("ph_violation")).then(pl.lit("ratio changes over time"))
        .otherwise(pl.lit("proportional hazards hold")),
        one=pl.lit(1.0),
    )  # fmt: skip
    y = alt.Y("label:N", title=None, sort=frame["label"].to_list())
    x_scale = alt.Scale(type="log")
    color = alt.Color(
        "check:N", scale=alt.Scale(domain=["proportional hazards hold", "ratio changes over time"],
                                   range=[PALETTE[0], BAD]),
        legend=alt.Legend(title=None, orient="bottom"),
    )  # fmt: skip
    base = alt.Chart(frame)
    rule = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", scale=x_scale,
                title="hazard ratio (log scale): > 1 = customers leave sooner"),
        x2="ci_high:Q", y=y, color=color,
    )  # fmt: skip
    point = base.mark_point(size=70, filled=True).encode(
        x=alt.X("hazard_ratio:Q", scale=x_scale), y=y, color=color,
        tooltip=[alt.Tooltip("label:N"), alt.Tooltip("hazard_ratio:Q", format=".2f"),
                 alt.Tooltip("ci_low:Q", format=".2f"), alt.Tooltip("ci_high:Q", format=".2f")],
    )  # fmt: skip
    one = base.mark_rule(color="#444444", strokeDash=[4, 3]).encode(x="one:Q")
    return alt.layer(one, rule, point).properties(
        width=460, height=alt.Step(26),
        title=alt.Title(title or "What makes customers leave sooner",
                        subtitle="Cox model hazard ratios with 95 % intervals; dashed line = "
                                 "no difference"),
    )  # fmt: skip


def value_at_stake_chart(
    vas: pl.DataFrame, *, currency: str = "", title: str | None = None
) -> alt.LayerChart:
    """Value at stake per experience (and segment), largest first, with 95 % intervals.

    Suppressed rows (too few customers) are left out and counted in the subtitle.

    Examples
    --------
    >>> import polars as pl
    >>> v = pl.DataFrame({"exposure": ["complaint"], "value_at_stake": [5.0e4], "ci_low": [4.0e4],
    ...     "ci_high": [6.0e4], "base_flag": ["ok"]})
    >>> type(value_at_stake_chart(v)).__name__
    'LayerChart'
    """
    need(vas, ["exposure", "value_at_stake", "ci_low", "ci_high"], "value_at_stake_chart",
         "cx.loyalty.value_at_stake()")  # fmt: skip
    shown = vas.filter(pl.col("value_at_stake").is_not_null())
    segs = vas.columns[: vas.columns.index("exposure")]
    label = pl.concat_str([pl.col("exposure"), *[pl.col(c).cast(pl.String) for c in segs]],
                          separator=" · ")  # fmt: skip
    frame = shown.with_columns(label=label).sort("value_at_stake", descending=True)
    y = alt.Y("label:N", title=None, sort=frame["label"].to_list())
    unit = f" ({currency})" if currency else ""
    base = alt.Chart(frame)
    bars = base.mark_bar(color=BAD).encode(
        x=alt.X("value_at_stake:Q", title=f"value at stake{unit}", axis=alt.Axis(format="~s")),
        y=y,
        tooltip=[alt.Tooltip("label:N"), alt.Tooltip("value_at_stake:Q", format=",.0f"),
                 alt.Tooltip("ci_low:Q", format=",.0f"), alt.Tooltip("ci_high:Q", format=",.0f")],
    )  # fmt: skip
    err = base.mark_rule(color="#333333").encode(x="ci_low:Q", x2="ci_high:Q", y=y)
    subtitle = "Excess outcome rate × customers exposed × their value; 95 % intervals"
    if vas.height - shown.height:
        subtitle += f"; {vas.height - shown.height} row(s) with too few customers not shown"
    zero = base.mark_rule(color=NEUTRAL).encode(x=alt.datum(0))
    return alt.layer(zero, bars, err).properties(
        width=460, height=alt.Step(26),
        title=alt.Title(title or "Value at stake by experience (an association, not a cause)",
                        subtitle=subtitle),
    )  # fmt: skip
