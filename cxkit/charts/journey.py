"""Journey charts: each takes a result frame of :mod:`cxkit.journey` and returns an Altair chart.

=========================  ==========================================================
:func:`sankey`             :func:`~cxkit.journey.step_flows` → journeys across steps
:func:`transition_heatmap` :func:`~cxkit.journey.transitions` → who goes where next
:func:`funnel_chart`       :func:`~cxkit.journey.funnel` → customers per step
:func:`emotion_curve`      :func:`~cxkit.journey.stage_scores` → score per stage, CI, n
:func:`pain_point_chart`   :func:`~cxkit.journey.pain_points` → effects with their CIs
=========================  ==========================================================

Everything is drawn with plain Vega-Lite marks (no Graphviz, no network); labels from the
data are text marks, never markup. Nothing is silently left out: the Sankey shows drop-offs,
``(other)`` and ``(continues)``; the heatmap says how many touchpoints it shows; low-base
points are greyed, not dropped.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from cxkit.charts._common import need, plain, with_base_flag, with_renamed
from cxkit.charts._common import words as reader_words
from cxkit.charts._sankey import sankey_layout
from cxkit.charts.theme import BAD, COLOUR_WORDS, GOOD, NEUTRAL, PALETTE, builder
from cxkit.schema import (
    BASE_SUPPRESSED,
    COLUMN_LABELS,
    CONTINUES,
    END,
    METRIC_LABELS,
    START,
)

__all__ = ["emotion_curve", "funnel_chart", "pain_point_chart", "sankey", "transition_heatmap"]


def _worded(codes: list[str]) -> list[str]:
    """``codes`` in reader words, in their order (a Vega-Lite sort list of worded labels)."""
    return (
        pl.Series(codes, dtype=pl.String)
        .to_frame("c")
        .select(reader_words(pl.col("c")))["c"]
        .unique(maintain_order=True)
        .to_list()
    )


# --------------------------------------------------------------------------------------------
# Sankey
# --------------------------------------------------------------------------------------------
_LINK_TIP = [
    alt.Tooltip("source:N", title="from"),
    alt.Tooltip("target:N", title="to"),
    alt.Tooltip("n_customers:Q", title="customers", format=","),
    alt.Tooltip("share:Q", format=".1%"),
]


@builder
def sankey(
    flows: pl.DataFrame,
    *,
    title: str = "How customers move through the journey",
    width: int = 720,
    height: int = 420,
) -> alt.LayerChart:
    """Journeys across steps from :func:`cxkit.journey.step_flows`.

    Bands are customers moving from step *s* to *s + 1*; orange bands end the journey there
    (drop-off), grey bands go on beyond the last step shown (``(continues)``), and
    ``(other)`` gathers the less common touchpoints of a step — all drawn to scale.

    >>> import datetime as dt, polars as pl, cxkit as cx
    >>> ev = pl.DataFrame({"customer_id": list("aab"), "touchpoint": ["web", "call", "web"],
    ...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (1, 2, 1)]})
    >>> type(sankey(cx.journey.step_flows(ev))).__name__
    'LayerChart'
    """
    need(
        flows,
        ["step", "source", "target", "n_customers", "share"],
        "sankey",
        "cx.journey.step_flows",
    )
    nodes, links = sankey_layout(flows, gap=0.02)  # laid out on the codes, shown in words:
    nodes = nodes.with_columns(reader_words(pl.col("label")))  # "ivr" → "IVR", as the findings
    links = links.with_columns(reader_words(pl.col("source")), reader_words(pl.col("target")))
    max_step = int(flows["step"].max()) if flows.height else 1
    cont = flows.filter(pl.col("target") == CONTINUES)["share"].sum()
    ended = COLOUR_WORDS[BAD].capitalize()
    notes = [f"First {max_step} steps. {ended}: journey ended. (other): less common touchpoints."]
    if cont > 0:
        notes.append(f"(continues): {cont:.0%} of customers have more than {max_step} steps.")
    y_scale = alt.Scale(
        reverse=True, domain=[0, float(nodes["y2"].max()) if nodes.height else 1], nice=False
    )
    x_scale = alt.Scale(domain=[0.9, max_step + 1.6], nice=False)
    axis_none = None
    band = (
        alt.Chart(links)
        .mark_area(interpolate="monotone", opacity=0.45)
        .encode(
            x=alt.X("x:Q", scale=x_scale, axis=axis_none),
            y=alt.Y("y:Q", scale=y_scale, axis=axis_none),
            y2="y2:Q",
            detail="link:N",
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(
                    domain=["flow", "drop-off", "continues"], range=[PALETTE[0], BAD, NEUTRAL]
                ),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=_LINK_TIP,
        )
    )
    node = (
        alt.Chart(nodes)
        .mark_rect(color="#444444")
        .encode(
            x=alt.X("x:Q", scale=x_scale),
            x2=alt.X2("xr:Q"),
            y=alt.Y("y:Q", scale=y_scale),
            y2="y2:Q",
            tooltip=[
                alt.Tooltip("label:N", title="touchpoint"),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
        .transform_calculate(xr="datum.x + 0.03")
    )
    text = (
        alt.Chart(nodes)
        .mark_text(align="left", baseline="middle", dx=4, fontSize=11)
        .encode(
            x=alt.X("xr:Q", scale=x_scale),
            y=alt.Y("ym:Q", scale=y_scale),
            text="caption:N",
        )
        .transform_calculate(
            xr="datum.x + 0.03",
            ym="(datum.y + datum.y2) / 2",
            caption="datum.label + ' ' + format(datum.share, '.0%')",
        )
        .transform_filter("datum.share >= 0.015")
    )
    return alt.layer(band, node, text).properties(
        width=width, height=height, title=alt.Title(title, subtitle=notes)
    )


# --------------------------------------------------------------------------------------------
# transitions
# --------------------------------------------------------------------------------------------
@builder
def transition_heatmap(
    transitions: pl.DataFrame,
    *,
    top: int = 15,
    value: str = "p_out",
    title: str = "Where customers go next",
) -> alt.Chart:
    """Source × target heatmap of :func:`cxkit.journey.transitions` (colour: ``value``).

    Shows the ``top`` touchpoints by volume, ``(start)`` first and ``(end)`` last; the
    subtitle says how many transitions the rest account for.
    """
    need(
        transitions,
        ["source", "target", "n", value],
        "transition_heatmap",
        "cx.journey.transitions",
    )
    vol = (
        pl.concat([transitions.select(tp="source", n="n"), transitions.select(tp="target", n="n")])
        .filter(~pl.col("tp").is_in([START, END]))
        .group_by("tp")
        .agg(pl.col("n").sum())
        .sort(["n", "tp"], descending=[True, False])
    )
    keep = vol["tp"].head(top).to_list()
    rows, cols = [START, *keep], [*keep, END]
    shown = plain(transitions).filter(pl.col("source").is_in(rows) & pl.col("target").is_in(cols))
    # codes in reader words ("ivr" → "IVR"), the sort lists too, so the order holds
    shown = shown.with_columns(reader_words(pl.col("source")), reader_words(pl.col("target")))
    rows, cols = (_worded(x) for x in (rows, cols))
    total = transitions["n"].sum() or 1
    hidden = 1 - shown["n"].sum() / total
    share = value.startswith("p_") or value == "share"
    words = "Transitions" if value == "n" else COLUMN_LABELS.get(value, value.replace("_", " "))
    what = "the share of moves from each row's touchpoint to each column's" if share else words
    sub = f"Colour and numbers: {what}. Showing {len(keep)} of {vol.height} touchpoints"
    sub += f" ({hidden:.1%} of transitions not shown)." if hidden > 0 else "."
    base = alt.Chart(shown).encode(
        x=alt.X("target:N", sort=cols, title="to", axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("source:N", sort=rows, title="from"),
    )
    rect = base.mark_rect().encode(
        color=alt.Color(
            f"{value}:Q",
            scale=alt.Scale(scheme="blues"),
            legend=alt.Legend(title=words, format=".0%" if share else "~s"),
        ),
        tooltip=[
            alt.Tooltip("source:N", title="from"),
            alt.Tooltip("target:N", title="to"),
            alt.Tooltip("n:Q", title="transitions", format=","),
            alt.Tooltip(f"{value}:Q", title=words, format=".1%" if share else ","),
        ],
    )
    # short numbers that fit a cell: whole percentages (≤ 4 characters) or counts like 1.2k
    top_value = float(shown[value].max() or 0)
    text = base.mark_text(fontSize=9).encode(
        text=alt.Text(f"{value}:Q", format=".0%" if share else ".2~s"),
        color=alt.condition(
            f"datum['{value}'] > {top_value / 2!r}", alt.value("white"), alt.value("#333333")
        ),
    )
    cell = 30
    return (rect + text).properties(
        width=max(240, cell * len(cols)),
        height=max(200, cell * len(rows)),
        title=alt.Title(title, subtitle=sub),
    )


# --------------------------------------------------------------------------------------------
# funnel
# --------------------------------------------------------------------------------------------
_FUNNEL_COLS = {
    "step_index",
    "step",
    "n_customers",
    "share_of_customers",
    "conversion_from_start",
    "conversion_from_previous",
    "n_dropped",
    "drop_off",
    "median_time_from_previous",
}


@builder
def funnel_chart(funnel: pl.DataFrame, *, title: str = "Funnel") -> alt.Chart:
    """Customers reaching each step (bars), labelled with the conversion from step 1.

    With ``by`` columns in the funnel frame, the groups are side by side.
    """
    need(
        funnel,
        ["step_index", "step", "n_customers", "conversion_from_start"],
        "funnel_chart",
        "cx.journey.funnel",
    )
    by = [c for c in funnel.columns if c not in _FUNNEL_COLS]
    data = plain(funnel).with_columns(pl.format("{}. {}", "step_index", "step").alias("step_label"))
    if by:
        data = data.with_columns(
            pl.concat_str([pl.col(b).cast(pl.String) for b in by], separator=" · ")
            .fill_null("(missing)")
            .alias("group")
        )
    order = data.sort("step_index")["step_label"].unique(maintain_order=True).to_list()
    base = alt.Chart(data).encode(
        y=alt.Y("step_label:N", sort=order, title=None),
        x=alt.X("n_customers:Q", title="customers"),
        **(
            {"yOffset": alt.YOffset("group:N"), "color": alt.Color("group:N", title=" · ".join(by))}
            if by
            else {}
        ),
    )
    tip = [
        "step:N",
        "n_customers:Q",
        alt.Tooltip("conversion_from_start:Q", format=".1%"),
        alt.Tooltip("conversion_from_previous:Q", format=".1%"),
        "n_dropped:Q",
        alt.Tooltip(
            "median_time_from_previous_hours:Q", format=".1f", title="median hours from previous"
        ),
    ]
    bars = base.mark_bar().encode(tooltip=[*([alt.Tooltip("group:N")] if by else []), *tip])
    labels = (
        base.mark_text(align="left", dx=3, fontSize=10)
        .encode(text="conversion_label:N")
        .transform_calculate(
            conversion_label="isValid(datum.conversion_from_start) ? "
            "format(datum.conversion_from_start, '.0%') : 'nobody at step 1'"
        )
    )
    return (bars + labels).properties(
        title=alt.Title(title, subtitle="Labels: share of step-1 customers who reached the step.")
    )


# --------------------------------------------------------------------------------------------
# emotion curve, pain points
# --------------------------------------------------------------------------------------------
_METRIC_TITLE = {"mean": "Mean score", "csat_top_box": "CSAT (top-box share)", "nps": "NPS"}


@builder
def emotion_curve(
    scores: pl.DataFrame, *, title: str = "The journey's emotion curve", scale: str = "1–5"
) -> alt.Chart:
    """Score per touchpoint/stage in journey order, with its CI band and n (low base greyed).

    A mean score's axis names its ``scale`` ("Mean score (1–5 scale)"; ``""``: none).

    Takes ``base_flag`` ("ok"/"small base"/"suppressed") or the older Boolean ``low_base``.
    """
    scores = with_base_flag(scores)
    need(
        scores,
        ["order", "n", "estimate", "ci_low", "ci_high", "base_flag"],
        "emotion_curve",
        "cx.journey.stage_scores",
    )
    key = scores.columns[1]
    data = scores.with_columns(
        reader_words(pl.col(key)).alias("label"),  # touchpoint/stage codes in reader words
        pl.col("n").map_elements(lambda v: f"n={v:,}", return_dtype=pl.String).alias("n_label"),
    )
    order = data.sort("order")["label"].to_list()
    metric = data["metric"].drop_nulls().first() if "metric" in data.columns else "mean"
    pct = metric == "csat_top_box"
    y_title = _METRIC_TITLE.get(metric, str(metric))
    y_title += f" ({scale} scale)" if metric == "mean" and scale else ""
    x_title = COLUMN_LABELS.get(key, key.replace("_", " "))
    x = alt.X("label:N", sort=order, title=x_title, axis=alt.Axis(labelAngle=-30))
    y_fmt = ".0%" if pct else ".1f"
    band = (
        alt.Chart(data)
        .mark_area(opacity=0.18, color=PALETTE[0])
        .encode(
            x=x,
            y=alt.Y(
                "ci_low:Q", title=y_title, scale=alt.Scale(zero=False), axis=alt.Axis(format=y_fmt)
            ),
            y2="ci_high:Q",
        )
    )
    line = alt.Chart(data).mark_line(color=PALETTE[0]).encode(x=x, y="estimate:Q")
    points = (
        alt.Chart(data)
        .mark_point(size=70, filled=True)
        .encode(
            x=x,
            y="estimate:Q",
            color=alt.condition("datum.flagged", alt.value(NEUTRAL), alt.value(PALETTE[0])),
            tooltip=[
                "label:N",
                alt.Tooltip("estimate:Q", format=".3f"),
                alt.Tooltip("ci_low:Q", format=".3f"),
                alt.Tooltip("ci_high:Q", format=".3f"),
                "n:Q",
                "base_flag:N",
            ],
        )
    )
    # the bases in a row above the plot area: never on the line or the band
    n_text = (
        alt.Chart(data)
        .mark_text(baseline="bottom", fontSize=9, color="#555555")
        .encode(x=x, y=alt.value(-4), text="n_label:N")
    )
    sub = (
        "Band: 95% interval; n along the top: the base of each point. "
        "Grey points: below the minimum base (read with care)."
    )
    return alt.layer(band, line, points, n_text).properties(
        width=alt.Step(52), title=alt.Title(title, subtitle=sub, offset=16)
    )


@builder
def pain_point_chart(
    pain: pl.DataFrame, *, top: int = 15, outcome: str = "outcome", title: str = "Pain points"
) -> alt.Chart:
    """Difference in outcome rate (passed − not passed) per touchpoint, with its CI.

    The ``top`` rows by impact, in percentage points; low-base rows (not tested) are grey with
    no interval; rows statistically clear after Benjamini–Hochberg (p_adj < 0.05) are coloured,
    the legend in words with the outcome's label (``churned`` → "more churn, statistically
    clear").

    Takes ``effect`` and ``base_flag`` (rows "suppressed" are not tested) or the older
    ``diff`` and Boolean ``low_base``.
    """
    pain = with_base_flag(with_renamed(pain, {"diff": "effect"}))
    need(
        pain,
        ["touchpoint", "effect", "ci_low", "ci_high", "p_adj", "base_flag", "n_passed"],
        "pain_point_chart",
        "cx.journey.pain_points",
    )
    words = METRIC_LABELS.get(outcome, outcome.replace("_", " "))
    kinds = [f"more {words}, statistically clear", f"less {words}, statistically clear",
             "not statistically clear", "too few customers (not tested)"]  # fmt: skip
    clear = pl.col("p_adj") < 0.05
    data = pain.head(top).with_columns(
        pl.when(pl.col("base_flag") == BASE_SUPPRESSED)
        .then(pl.lit(kinds[3]))
        .when(clear & (pl.col("effect") > 0))
        .then(pl.lit(kinds[0]))
        .when(clear & (pl.col("effect") < 0))
        .then(pl.lit(kinds[1]))
        .otherwise(pl.lit(kinds[2]))
        .alias("verdict"),
        *[(pl.col(c) * 100).alias(c) for c in ("effect", "ci_low", "ci_high")],  # in points
        reader_words(pl.col("touchpoint")).alias("touchpoint"),  # "ivr" → "IVR", as the text
    )
    order = data["touchpoint"].to_list()
    y = alt.Y("touchpoint:N", sort=order, title=None)
    colour = alt.Color(
        "verdict:N",
        title=None,
        legend=alt.Legend(orient="bottom", columns=2),
        scale=alt.Scale(domain=kinds, range=[BAD, GOOD, "#555555", NEUTRAL]),
    )
    rule0 = alt.Chart(pl.DataFrame({"zero": [0.0]})).mark_rule(color="#888888").encode(x="zero:Q")
    x_title = f"{words[:1].upper()}{words[1:]} rate, passed − not passed (percentage points)"
    bars = (
        alt.Chart(data)
        .mark_rule(strokeWidth=2)
        .encode(
            y=y,
            x=alt.X("ci_low:Q", axis=alt.Axis(format="+.0f"), title=x_title),
            x2="ci_high:Q",
            color=colour,
        )
    )
    tips = [("effect:Q", "Difference (pts)"), ("ci_low:Q", "Interval low (pts)"),
            ("ci_high:Q", "Interval high (pts)")]  # fmt: skip
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=60)
        .encode(
            y=y,
            x="effect:Q",
            color=colour,
            tooltip=[
                alt.Tooltip("touchpoint:N", title="Touchpoint"),
                alt.Tooltip("n_passed:Q", title="Customers who passed", format=","),
                *[alt.Tooltip(f, title=t, format="+.1f") for f, t in tips],
                alt.Tooltip("p_adj:Q", title="p-value (corrected)", format=".3g"),
            ],
        )
    )
    return alt.layer(rule0, bars, points).properties(
        title=alt.Title(
            title,
            subtitle="Sorted by impact (excess outcomes among those who passed); 95% intervals; "
            "an association, not proof of cause.",
        )
    )
