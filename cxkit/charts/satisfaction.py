"""Satisfaction charts: each takes a result frame of :mod:`cxkit.satisfaction` → ``alt.Chart``.

==============================  ===============================================================
:func:`nps_bar`                 :func:`~cxkit.satisfaction.nps_breakdown` → stacked detractors /
                                passives / promoters with NPS and n
:func:`scores_chart`            :func:`~cxkit.satisfaction.scores` → dots with CI bars; base
                                flags visible (small base hollow, suppressed listed as text)
:func:`drivers_chart`           :func:`~cxkit.satisfaction._drivers` → importance with its CI
:func:`importance_performance_chart`  :func:`~cxkit.satisfaction.importance_performance`
:func:`trend_chart`             :func:`~cxkit.satisfaction.trend` → score, CI and control limits
==============================  ===============================================================

Labels from the data are text marks (SVG text), never markup.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from cxkit.charts._common import need, place_labels, words
from cxkit.charts.theme import BAD, GOOD, NEUTRAL, PALETTE, builder

__all__ = [
    "drivers_chart",
    "importance_performance_chart",
    "nps_bar",
    "scores_chart",
    "trend_chart",
]

_QUADRANT_COLOURS = {
    "concentrate here": BAD,
    "keep up the good work": GOOD,
    "low priority": "#999999",
    "possible overkill": PALETTE[0],
}


def _fmt_value(metric: str) -> tuple[str, str, bool]:
    """Axis title, d3 format and whether the score is a share, from the metric label."""
    if metric in ("csat_top_box", "share", "ces_agree"):
        return (
            {
                "csat_top_box": "CSAT (top-box share)",
                "share": "Share",
                "ces_agree": "CES (% agree)",
            }[metric],
            ".0%",
            True,
        )
    if metric == "nps":
        return "NPS (points)", "+.0f", False
    if metric == "ces_net":
        return "CES net (agree − disagree)", "+.0%", True
    return {"ces_mean": "CES (mean)"}.get(metric, "Mean score"), ".2f", False


@builder
def nps_bar(
    breakdown: pl.DataFrame, *, group: str | None = None, title: str = "Net Promoter Score"
) -> alt.LayerChart:
    """Stacked bar of detractors, passives and promoters per group, labelled with NPS and n.

    Parameters
    ----------
    breakdown : polars.DataFrame
        The result of :func:`cxkit.satisfaction.nps_breakdown`.
    group : str, optional
        The grouping column (default: the first column before ``n``, or one bar "All").

    Examples
    --------
    >>> import polars as pl, cxkit as cx
    >>> df = pl.DataFrame({"seg": ["a", "b"] * 50, "nps": list(range(11)) * 9 + [10]})
    >>> chart = nps_bar(cx.satisfaction.nps_breakdown(df, by="seg"))
    >>> chart.to_dict()["layer"][0]["mark"]["type"]
    'bar'

    """
    need(breakdown, ["n", "detractors", "passives", "promoters", "nps"], "nps_bar", "nps_breakdown")
    if group is None:
        lead = breakdown.columns[: breakdown.columns.index("n")]
        group = lead[0] if lead else None
    frame = breakdown if group else breakdown.with_columns(pl.lit("All").alias("group"))
    group = group or "group"
    frame = frame.with_columns(pl.col(group).cast(pl.String).alias("group_label"))
    order = frame["group_label"].to_list()
    long = frame.unpivot(
        on=["detractors", "passives", "promoters"],
        index=["group_label", "n", "nps", "base_flag"],
        variable_name="category",
        value_name="share",
    ).with_columns(
        pl.col("category")
        .replace_strict({"detractors": 0, "passives": 1, "promoters": 2})
        .alias("k"),
        pl.col("category").str.to_titlecase(),
    )
    labels = frame.select(
        "group_label",
        pl.when(pl.col("nps").is_null())
        .then(pl.format("suppressed (n = {})", pl.col("n")))
        .otherwise(
            pl.format(
                "NPS {} (n = {})",
                pl.when(pl.col("nps").round(0) > 0)
                .then(pl.format("+{}", pl.col("nps").round(0).cast(pl.Int64)))
                .otherwise(pl.col("nps").round(0).cast(pl.Int64).cast(pl.String)),
                pl.col("n"),
            )
        )
        .alias("label"),
    )
    y = alt.Y("group_label:N", sort=order, title=None)
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=y,
            x=alt.X(
                "share:Q",
                stack="zero",
                axis=alt.Axis(format=".0%"),
                title="Share of respondents",
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color(
                "category:N",
                scale=alt.Scale(
                    domain=["Detractors", "Passives", "Promoters"], range=[BAD, NEUTRAL, GOOD]
                ),
                title=None,
                legend=alt.Legend(orient="top"),
            ),
            order=alt.Order("k:Q"),
            tooltip=["group_label:N", "category:N", alt.Tooltip("share:Q", format=".1%"), "n:Q"],
        )
    )
    text = (
        alt.Chart(labels)
        .mark_text(align="left", dx=4)
        .encode(y=y, x=alt.value(524), text="label:N")
    )
    height = max(40, 28 * len(order))
    return alt.layer(bars, text).properties(width=520, height=height, title=title)


@builder
def scores_chart(
    scores: pl.DataFrame,
    *,
    y: str | None = None,
    colour: str | None = None,
    title: str = "Scores with 95% intervals",
) -> alt.LayerChart:
    """Dots with CI bars per row of a :func:`~cxkit.satisfaction.scores` result.

    Rows flagged "small base" are drawn hollow; "suppressed" rows are listed as text at the
    axis with their n instead of a dot.

    Parameters
    ----------
    y : str, optional
        The category column on the y axis (default ``item`` if present, else the first
        column before ``n``).
    colour : str, optional
        A second grouping column coloured (e.g. segment).

    Examples
    --------
    >>> import polars as pl, cxkit as cx
    >>> df = pl.DataFrame({"web": [5, 4, 2] * 20, "ivr": [1, 2, 5] * 20})
    >>> chart = scores_chart(cx.satisfaction.scores(df, ["web", "ivr"]))
    >>> chart.to_dict()["layer"][1]["mark"]["type"]
    'point'
    """
    need(
        scores,
        ["n", "estimate", "ci_low", "ci_high", "base_flag", "metric"],
        "scores_chart",
        "scores",
    )
    lead = scores.columns[: scores.columns.index("n")]
    if y is None:
        if not lead:
            scores = scores.with_columns(pl.lit("All").alias("group"))
            lead = ["group"]
        y = "item" if "item" in lead else lead[0]
    metric = scores["metric"][0] if scores.height else "mean"
    axis_title, fmt, _ = _fmt_value(metric)
    frame = scores.with_columns(
        words(pl.col(y)).alias("y_label"),
        pl.when(pl.col("base_flag") == "suppressed")
        .then(pl.format("suppressed (n = {})", pl.col("n")))
        .otherwise(pl.format("n = {}", pl.col("n")))
        .alias("n_label"),
    )
    if colour:
        frame = frame.with_columns(pl.col(colour).cast(pl.String).alias("colour_label"))
    order = list(dict.fromkeys(frame["y_label"].to_list()))
    y_enc = alt.Y("y_label:N", sort=order, title=None)
    offset = {"yOffset": alt.YOffset("colour_label:N")} if colour else {}
    col_enc = {"color": alt.Color("colour_label:N", title=colour)} if colour else {}
    shown = frame.filter(pl.col("estimate").is_not_null())
    tooltip = [
        "y_label:N",
        alt.Tooltip("estimate:Q", format=fmt),
        alt.Tooltip("ci_low:Q", format=fmt),
        alt.Tooltip("ci_high:Q", format=fmt),
        "n:Q",
        "base_flag:N",
    ]
    bars = (
        alt.Chart(shown)
        .mark_rule(strokeWidth=2)
        .encode(
            y=y_enc,
            x=alt.X(
                "ci_low:Q", title=axis_title, axis=alt.Axis(format=fmt), scale=alt.Scale(zero=False)
            ),
            x2="ci_high:Q",
            **offset,
            **col_enc,
        )
    )
    dots = (
        alt.Chart(shown.filter(pl.col("base_flag") != "small base"))
        .mark_point(size=80, filled=True, shape="circle")
        .encode(y=y_enc, x="estimate:Q", tooltip=tooltip, **offset, **col_enc)
    )
    small = (
        alt.Chart(shown.filter(pl.col("base_flag") == "small base"))
        .mark_point(size=90, filled=False, shape="diamond", strokeWidth=2)
        .encode(y=y_enc, x="estimate:Q", tooltip=tooltip, **offset, **col_enc)
    )
    labels = (
        alt.Chart(frame)
        .mark_text(align="left", dx=6, fontSize=10, color="#555")
        .encode(y=y_enc, x=alt.value(522), text="n_label:N", **offset)
    )
    height = max(60, 26 * len(order) * (2 if colour else 1))
    return (
        alt.layer(bars, dots, small, labels)
        .properties(width=520, height=height, title=alt.Title(title, subtitle=_notes(frame)))
        .configure_legend(orient="bottom")
    )


def _notes(frame: pl.DataFrame) -> str:
    """The subtitle of :func:`scores_chart`: how to read it and what the base flags hide."""
    n_small = int((frame["base_flag"] == "small base").sum())
    n_sup = int((frame["base_flag"] == "suppressed").sum())
    notes = ["dots: estimates; lines: 95% intervals"]
    if n_small:
        notes.append(f"hollow diamonds: small base ({n_small})")
    if n_sup:
        notes.append(f"suppressed, too few answers: {n_sup} (listed at right)")
    return "; ".join(notes)


_CLEAR = ("clearly above chance", "not clearly above chance")


@builder
def drivers_chart(result: pl.DataFrame, *, title: str | None = None) -> alt.LayerChart:
    """Driver importance (bars) with bootstrap CIs, most important first.

    Significant drivers (Tonidandel–LeBreton test) are coloured; the others grey. The
    subtitle gives the method, R² and n.

    Examples
    --------
    >>> import polars as pl
    >>> r = pl.DataFrame({"driver": ["a", "b"], "importance": [0.3, 0.1], "importance_pct": [0.75, 0.25],
    ...     "ci_low": [0.25, 0.05], "ci_high": [0.35, 0.15], "significant": [True, False],
    ...     "r2": [0.4, 0.4], "n": [500, 500], "method": ["relative_weights"] * 2})
    >>> drivers_chart(r).to_dict()["layer"][0]["mark"]["type"]
    'bar'
    """
    need(
        result,
        ["driver", "importance", "ci_low", "ci_high", "significant", "r2", "n", "method"],
        "drivers_chart",
        "drivers",
    )
    signed = "sign" in result.columns
    label = (
        pl.when(pl.col("sign") < 0)
        .then(pl.format("{} (−)", words(pl.col("driver"))))
        .otherwise(words(pl.col("driver")))
        if signed
        else words(pl.col("driver"))
    )
    result = result.with_columns(label.alias("driver_label"))
    order = result.sort(["importance", "driver"], descending=[True, False])[
        "driver_label"
    ].to_list()
    frame = result.with_columns(
        pl.when(pl.col("significant"))
        .then(pl.lit(_CLEAR[0]))
        .when(pl.col("significant").is_null())
        .then(pl.lit("not tested"))
        .otherwise(pl.lit(_CLEAR[1]))
        .alias("test")
    )
    method = {
        "relative_weights": "Relative weights",
        "shapley": "Shapley / LMG",
        "ordinal_logit": "Ordinal-logit relative weights",
    }.get(result["method"][0], str(result["method"][0]))
    r2 = result["r2"][0]
    n = result["n"][0]
    subtitle = (
        f"{method}; importances sum to R² = {r2:.2f}; n = {n:,}; bars: 95% bootstrap intervals"
    )
    if signed and (result["sign"] < 0).any():
        subtitle += "; (−): higher rating goes with a lower outcome"
    y = alt.Y("driver_label:N", sort=order, title=None)
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=y,
            x=alt.X("importance:Q", title="Importance (share of variance explained)"),
            color=alt.Color(
                "test:N",
                scale=alt.Scale(
                    domain=[*_CLEAR, "not tested"],
                    range=[PALETTE[0], "#BBBBBB", "#DDDDDD"],
                ),
                title="Against a random variable",
            ),
            tooltip=[
                "driver_label:N",
                alt.Tooltip("importance:Q", format=".3f"),
                alt.Tooltip("importance_pct:Q", format=".1%"),
                alt.Tooltip("ci_low:Q", format=".3f"),
                alt.Tooltip("ci_high:Q", format=".3f"),
                "test:N",
            ],
        )
    )
    err = (
        alt.Chart(frame.filter(pl.col("ci_low").is_not_null()))
        .mark_rule(color="#333333")
        .encode(y=y, x="ci_low:Q", x2="ci_high:Q")
    )
    return alt.layer(bars, err).properties(
        width=480,
        height=max(60, 24 * len(order)),
        title=alt.Title(title or "What drives the outcome", subtitle=subtitle),
    )


@builder
def importance_performance_chart(
    ipa: pl.DataFrame, *, title: str = "Importance vs. performance"
) -> alt.HConcatChart:
    """Quadrant chart of a :func:`~cxkit.satisfaction.importance_performance` result.

    Each driver is a numbered point (numbers placed clear of the points and of each other);
    the key beside the chart names them, in the frame's order. Importance stays within 0–100 %.

    Examples
    --------
    >>> import polars as pl, cxkit as cx
    >>> d = pl.DataFrame({"driver": ["a", "b", "c"], "importance_pct": [0.5, 0.3, 0.2],
    ...                   "performance": [3.0, 4.5, 3.1]})
    >>> spec = importance_performance_chart(cx.satisfaction.importance_performance(d)).to_dict()
    >>> spec["hconcat"][0]["layer"][0]["mark"]["type"]
    'rule'
    """
    need(
        ipa,
        ["driver", "importance", "performance", "importance_cut", "performance_cut", "quadrant"],
        "importance_performance_chart",
        "importance_performance",
    )
    width, height = 460, 340
    perf, imp = ipa["performance"], ipa["importance"]
    pad = max(float(perf.max() - perf.min()), 0.1) * 0.06
    x_dom = (float(perf.min()) - pad, float(perf.max()) + pad)
    top = float(imp.max())
    y_dom = (min(0.0, float(imp.min()) * 1.1), min(1.0, top + max(top, 0.05) * 0.12))
    numbers = [str(i) for i in range(1, ipa.height + 1)]
    spots = place_labels(perf, imp, numbers, (x_dom, y_dom), (width, height))
    frame = ipa.with_columns(
        pl.Series("number", numbers, dtype=pl.String),
        pl.Series("label_x", [s[0] for s in spots], dtype=pl.Float64),
        pl.Series("label_y", [s[1] for s in spots], dtype=pl.Float64),
    ).with_columns((pl.col("number") + "  " + words(pl.col("driver"))).alias("key"))
    cuts = ipa.select(pl.col("importance_cut").first(), pl.col("performance_cut").first())
    x_title, y_title = "Performance (mean rating)", "Derived importance (share of R²)"
    x_scale = alt.Scale(domain=x_dom, zero=False)
    y_scale = alt.Scale(domain=y_dom, zero=False, nice=False)
    x = alt.X("performance:Q", title=x_title, scale=x_scale)
    y = alt.Y("importance:Q", title=y_title, axis=alt.Axis(format=".0%"), scale=y_scale)
    colour = alt.Color(
        "quadrant:N",
        scale=alt.Scale(domain=list(_QUADRANT_COLOURS), range=list(_QUADRANT_COLOURS.values())),
        title=None,
        legend=alt.Legend(orient="bottom"),
    )
    dash = {"color": "#999999", "strokeDash": [4, 4]}
    vline = alt.Chart(cuts).mark_rule(**dash).encode(x=alt.X("performance_cut:Q", scale=x_scale))
    hline = alt.Chart(cuts).mark_rule(**dash).encode(y=alt.Y("importance_cut:Q", scale=y_scale))
    tooltip = [
        alt.Tooltip("number:N", title="number"),
        alt.Tooltip("key:N", title="driver"),
        alt.Tooltip("importance:Q", title="importance", format=".1%"),
        alt.Tooltip("performance:Q", title="performance", format=".2f"),
        alt.Tooltip("quadrant:N", title="quadrant"),
    ]
    base = alt.Chart(frame)
    points = base.mark_point(size=70, filled=True).encode(x=x, y=y, color=colour, tooltip=tooltip)
    numbers_text = base.mark_text(fontSize=11, fontWeight="bold", baseline="middle").encode(
        x=alt.X("label_x:Q", title=x_title, scale=x_scale),
        y=alt.Y("label_y:Q", title=y_title, scale=y_scale),
        text="number:N",
        tooltip=tooltip,
    )
    key = (
        base.mark_text(align="left", fontSize=11, baseline="middle")
        .encode(
            x=alt.value(0),
            y=alt.Y("number:N", sort=numbers, axis=None, title=None),
            text="key:N",
            color=alt.Color("quadrant:N", legend=None),
        )
        .properties(width=170, height=alt.Step(17), title=alt.Title("Key", fontSize=12))
    )
    plot = alt.layer(vline, hline, points, numbers_text).properties(width=width, height=height)
    return alt.hconcat(plot, key, spacing=16).properties(title=title)


@builder
def trend_chart(
    trend: pl.DataFrame, *, period: str | None = None, title: str = "Trend with control limits"
) -> alt.LayerChart:
    """Score per period with its CI, the centre line and n-dependent control limits.

    Points outside the limits are marked in the "bad" colour (below) or "good" (above).

    Examples
    --------
    >>> import polars as pl, cxkit as cx
    >>> df = pl.DataFrame({"m": ["1"] * 60 + ["2"] * 60, "csat": [5, 1, 4] * 40})
    >>> trend_chart(cx.satisfaction.trend(df, "csat", period="m")).to_dict()["layer"][0]["mark"]["type"]
    'tick'
    """
    need(trend, ["n", "estimate", "center", "lcl", "ucl", "signal"], "trend_chart", "trend")
    if period is None:
        period = trend.columns[trend.columns.index("n") - 1]
    frame = trend.with_columns(
        pl.col(period).cast(pl.String).alias("period_label"),
        pl.col("signal").fill_null("in control").alias("status"),
    )
    order = frame["period_label"].unique(maintain_order=True).to_list()
    metric = frame["metric"][0] if "metric" in frame.columns and frame.height else "mean"
    axis_title, fmt, _ = _fmt_value(metric)
    x = alt.X("period_label:O", sort=order, title=period, axis=alt.Axis(labelAngle=0))
    y = alt.Y(
        "estimate:Q", title=axis_title, axis=alt.Axis(format=fmt), scale=alt.Scale(zero=False)
    )
    limits = frame.unpivot(on=["lcl", "ucl"], index="period_label", value_name="limit")
    ticks = (
        alt.Chart(limits)
        .mark_tick(color="#888888", thickness=2, size=30)
        .encode(x=x, y=alt.Y("limit:Q", scale=alt.Scale(zero=False)))
    )
    centre = (
        alt.Chart(frame)
        .mark_line(color="#888888", strokeDash=[4, 4], strokeWidth=1)
        .encode(x=x, y="center:Q")
    )
    ci = alt.Chart(frame).mark_rule(color=PALETTE[0]).encode(x=x, y="ci_low:Q", y2="ci_high:Q")
    line = alt.Chart(frame).mark_line(color=PALETTE[0]).encode(x=x, y=y)
    dots = (
        alt.Chart(frame)
        .mark_point(size=70, filled=True)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "status:N",
                scale=alt.Scale(
                    domain=["in control", "below", "above"], range=[PALETTE[0], BAD, GOOD]
                ),
                title=None,
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                "period_label:N",
                alt.Tooltip("estimate:Q", format=fmt),
                "n:Q",
                alt.Tooltip("lcl:Q", format=fmt),
                alt.Tooltip("ucl:Q", format=fmt),
                "status:N",
            ],
        )
    )
    subtitle = "grey ticks: control limits (±3σ, wider where n is smaller); dashed: centre line"
    return alt.layer(ticks, centre, ci, line, dots).properties(
        width=520, height=280, title=alt.Title(title, subtitle=subtitle)
    )
