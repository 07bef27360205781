"""Experiment charts: each takes a result frame of :mod:`cxkit.experiment`, returns a chart.

:func:`forest_plot` (effects with their intervals, one panel per metric in its own unit),
:func:`distribution_chart` (a metric per arm), :func:`checks_badge` (the SRM / response-rate
badge), :func:`sequential_chart` (always-valid intervals narrowing look by look).

Labels from data (metric, arm, segment names) are SVG text, never markup, in reader words.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl

from cxkit.charts._common import need, words
from cxkit.charts.theme import BAD, GOOD, NEUTRAL, PALETTE, builder
from cxkit.schema import DECISION_LABELS, METRIC_LABELS, METRIC_SCALES, METRIC_UNITS

__all__ = ["checks_badge", "distribution_chart", "forest_plot", "sequential_chart"]

_DECISION_COLOURS = {
    "better": GOOD,
    "worse": BAD,
    "within its margin": PALETTE[0],
    "not worse": PALETTE[0],
    "cannot tell": NEUTRAL,
}
_LINES = ("no effect", "guardrail margin")
_KEYS = ["metric", "arm"]


def _metric_words(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric.replace("_", " "))


def _forest_frame(effects: pl.DataFrame, details: pl.DataFrame | None) -> pl.DataFrame:
    """Effects in the text's unit (rates ×100 → points), a panel label with its unit, the
    verdict in words and the guardrail / non-inferiority boundary (``None`` without margin)."""
    if details is not None:
        extra = [c for c in ("kind", "margin", "higher_is_better") if c in details.columns]
        extra = [c for c in extra if c not in effects.columns]
        if extra:
            effects = effects.join(
                details.select(*_KEYS, *extra).unique(_KEYS), on=_KEYS, how="left"
            )
    cols = [c for c in ("control_value", "treatment_value") if c in effects.columns]
    if "kind" not in effects.columns and not cols:
        effects = effects.with_columns(pl.lit("mean").alias("kind"))
    if "kind" not in effects.columns:  # no kinds given: values within 0–1 are rates
        rate = pl.concat_list(cols).list.eval(pl.element().is_between(0, 1)).list.all()
        kind = pl.when(rate.all().over("metric")).then(pl.lit("proportion"))
        effects = effects.with_columns(kind.otherwise(pl.lit("mean")).alias("kind"))
    if "margin" not in effects.columns:
        effects = effects.with_columns(pl.lit(None, pl.Float64).alias("margin"))
    if "higher_is_better" not in effects.columns:
        effects = effects.with_columns(pl.lit(True).alias("higher_is_better"))
    rate = pl.col("kind").is_in(["proportion", "binary"])
    scale = pl.when(rate).then(100.0).otherwise(1.0)
    units = {m: f" (pts on the {v} scale)" for m, v in METRIC_SCALES.items()}  # CSAT, CES
    units.update({m: f" ({u})" for m, u in METRIC_UNITS.items()})
    unit = (
        pl.when(rate | (pl.col("kind") == "nps"))
        .then(pl.lit(" (percentage points)"))
        .otherwise(pl.col("metric").replace_strict(units, default=""))
    )
    label = pl.col("metric").map_elements(_metric_words, return_dtype=pl.String)
    arm, seg = words(pl.col("arm")), "segment" in effects.columns
    side = pl.when(pl.col("higher_is_better").fill_null(True)).then(-1.0).otherwise(1.0)
    return effects.filter(pl.col("effect").is_not_null()).with_columns(
        (words(pl.col("segment")) + " · " + arm if seg else arm).alias("row_label"),
        arm.alias("arm"),
        (label + unit).alias("panel"),
        *[(pl.col(c) * scale).alias(c) for c in ("effect", "ci_low", "ci_high")],
        pl.col("decision")
        .replace_strict(DECISION_LABELS, default=pl.col("decision"))
        .alias("verdict"),
        pl.lit(0.0).alias(_LINES[0]),
        (side * pl.col("margin").abs() * scale).alias(_LINES[1]),
    )


@builder
def forest_plot(
    effects: Any,
    *,
    details: pl.DataFrame | None = None,
    title: str | None = None,
    level: float = 0.95,
) -> alt.FacetChart:
    """Forest plot: each effect with its CI, one panel per metric, zero and margins marked.

    Parameters
    ----------
    effects : polars.DataFrame or Analysis
        ``Analysis.effects`` (rows = treatment arms) or ``Analysis.segments`` (rows =
        segment × arm); an ``Analysis`` draws its effects with its details. Rows whose effect
        could not be estimated are left out and named in the subtitle.
    details : polars.DataFrame, optional
        ``Analysis.details``: the metrics' kinds (rates are drawn in percentage points, as
        the text gives them; without kinds a metric whose values all lie within 0–1 is a
        rate) and the guardrails' non-inferiority margins (drawn as a red dotted line on
        the side that would be worse).
    title : str, optional
        Chart title; by default "Difference from control, per metric" (what it shows, not
        the page's title).
    level : float
        Confidence level of the intervals (``1 − alpha`` of the analysis), for the subtitle.

    Returns
    -------
    altair.FacetChart
        Rows per metric with independent x scales (each metric in its own unit, named in
        the panel header); points are coloured by the verdict in words.

    Examples
    --------
    >>> import polars as pl
    >>> eff = pl.DataFrame({"metric": ["csat"], "arm": ["new"], "effect": [0.2], "ci_low": [0.1],
    ...                     "ci_high": [0.3], "p_adj": [0.001], "decision": ["better"], "n_control": [10],
    ...                     "n_treatment": [12]})
    >>> type(forest_plot(eff)).__name__
    'FacetChart'
    """
    if hasattr(effects, "effects") and hasattr(effects, "details"):  # an Analysis
        effects, details = effects.effects, effects.details if details is None else details
    need(
        effects,
        ["metric", "arm", "effect", "ci_low", "ci_high", "decision"],
        "forest_plot",
        "analyze()",
    )
    n_missing = effects.filter(pl.col("effect").is_null()).height
    frame = _forest_frame(effects, details)
    y = alt.Y(
        "row_label:N", title=None, sort=frame["row_label"].unique(maintain_order=True).to_list()
    )
    zero, ends, rule, point = _forest_marks(frame, y)
    subtitle = f"{level:.0%} confidence intervals; rates in percentage points"
    if n_missing:
        subtitle += f"; not estimable: {n_missing} row(s)"
    chart = (
        alt.layer(zero, ends, rule, point, data=frame)
        .properties(width=460, height=alt.Step(22))
        .facet(
            row=alt.Row(
                "panel:N",
                title=None,
                sort=frame["panel"].unique(maintain_order=True).to_list(),
                header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold"),
            )
        )
        .resolve_scale(x="independent", y="independent")
    )
    return chart.properties(
        title=alt.Title(title or "Difference from control, per metric", subtitle=subtitle)
    )


def _forest_marks(frame: pl.DataFrame, y: alt.Y) -> tuple:
    """Reference lines (no effect, margin), invisible ends, interval rules and effect dots."""
    tips = [("panel:N", "Metric"), ("arm:N", "Arm"), ("segment:N", "Segment"),
            ("effect:Q", "Difference"), ("ci_low:Q", "Interval low"), ("ci_high:Q", "Interval high"),
            ("p_adj:Q", "p-value (corrected)"), ("verdict:N", "Verdict")]  # fmt: skip
    tooltip = [
        alt.Tooltip(f, title=t, **({"format": ".3g"} if f.endswith(":Q") else {}))
        for f, t in tips
        if f.split(":")[0] in frame.columns
    ]
    lines = [name for name in _LINES if frame[name].is_not_null().any()]
    base = alt.Chart()
    zero = (
        base.transform_fold(list(lines), as_=["line", "at"])
        .transform_filter("isValid(datum.at)")
        .mark_rule()
        .encode(
            x=alt.X("at:Q"),
            strokeDash=alt.StrokeDash(
                "line:N", scale=alt.Scale(domain=list(_LINES), range=[[4, 3], [2, 2]]), legend=None
            ),
            stroke=alt.Stroke(
                "line:N",
                scale=alt.Scale(domain=list(_LINES), range=["#444444", BAD]),
                legend=alt.Legend(title=None, orient="bottom", values=lines),
            ),
            strokeWidth=alt.condition(alt.datum.line == _LINES[1], alt.value(2), alt.value(1)),
        )
    )
    # invisible ends so that each panel's x domain holds the whole interval (x2 does not count)
    ends = base.mark_point(opacity=0).encode(x="ci_high:Q", y=y)
    verdicts = [v for v in _DECISION_COLOURS if v in set(frame["verdict"])]
    verdicts += [v for v in frame["verdict"].unique(maintain_order=True) if v not in verdicts]
    rule = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title="difference (treatment − control)", scale=alt.Scale(padding=12)),
        x2="ci_high:Q",
        y=y,
        color=alt.Color(
            "verdict:N",
            scale=alt.Scale(
                domain=verdicts, range=[_DECISION_COLOURS.get(v, "#888888") for v in verdicts]
            ),
            legend=alt.Legend(title="Verdict", orient="bottom"),
        ),
    )
    point = base.mark_point(size=70, filled=True).encode(
        x="effect:Q", y=y, color="verdict:N", tooltip=tooltip
    )
    return zero, ends, rule, point


_YES_NO = ("No", "Yes")


def _axis_title(metric: str | None) -> str:
    """The x-axis title: the metric in reader words with its unit (``Handle time (s)``)."""
    if not metric:
        return "Value"
    words = _metric_words(metric)
    unit = METRIC_UNITS.get(metric)
    return words[:1].upper() + words[1:] + (f" ({unit})" if unit else "")


@builder
def distribution_chart(
    dist: pl.DataFrame, *, title: str | None = None, metric: str | None = None
) -> alt.Chart:
    """Distribution of a metric per arm: grouped bars for ratings, step lines for histograms.

    Parameters
    ----------
    dist : polars.DataFrame
        From :func:`cxkit.experiment.distribution`.
    title : str, optional
        Chart title.
    metric : str, optional
        The metric (or column) shown: names the x axis in reader words with its unit, from
        ``cxkit.schema`` (``"resolved"`` → "Resolution", ``"handle_time"`` → "Handle time
        (s)"); without it the axis is "Value".

    Returns
    -------
    altair.Chart
        Share of each arm's units per value (ratings; a yes/no metric's 0 and 1 as "No" and
        "Yes") or per bin (continuous metrics); the open last bin of a histogram is labelled
        in the subtitle. The legend is titled "Arm".

    Examples
    --------
    >>> import polars as pl
    >>> d = pl.DataFrame({"arm": ["a", "b"], "bin_low": [5.0, 5.0], "bin_high": [5.0, 5.0],
    ...                   "n": [3, 4], "share": [1.0, 1.0]})
    >>> distribution_chart(d).mark
    'bar'
    >>> yes_no = pl.DataFrame({"arm": ["a", "a"], "bin_low": [0.0, 1.0], "bin_high": [0.0, 1.0],
    ...                        "n": [3, 7], "share": [0.3, 0.7]})
    >>> spec = distribution_chart(yes_no, metric="resolved").to_dict()
    >>> spec["encoding"]["x"]["title"], spec["encoding"]["x"]["sort"]
    ('Resolution', ['No', 'Yes'])
    """
    need(dist, ["arm", "bin_low", "bin_high", "n", "share"], "distribution_chart", "distribution()")
    dist = dist.with_columns(words(pl.col("arm")).alias("arm"))  # "control" → "Control"
    ranged = pl.col("bin_high").is_null() | (pl.col("bin_low") != pl.col("bin_high"))
    discrete = dist.filter(ranged).height == 0
    x_title = _axis_title(metric)
    colour = alt.Color("arm:N", title="Arm", legend=alt.Legend(orient="bottom"))
    tooltip = [
        alt.Tooltip("arm:N", title="Arm"),
        alt.Tooltip("bin_low:Q", title=x_title),
        alt.Tooltip("n:Q", title="Units", format=","),
        alt.Tooltip("share:Q", title="Share of the arm's units", format=".1%"),
    ]
    y = alt.Y("share:Q", title="Share of units", axis=alt.Axis(format="%"))
    yes_no = discrete and dist["bin_low"].is_in([0.0, 1.0]).all()
    if yes_no:  # a yes/no metric: its 0 and 1 in words
        dist = dist.with_columns(
            pl.when(pl.col("bin_low") == 1)
            .then(pl.lit(_YES_NO[1]))
            .otherwise(pl.lit(_YES_NO[0]))
            .alias("answer")
        )
        tooltip[1] = alt.Tooltip("answer:N", title=x_title)
    if discrete:
        x = (
            alt.X("answer:N", title=x_title, sort=list(_YES_NO), axis=alt.Axis(labelAngle=0))
            if yes_no
            else alt.X("bin_low:O", title=x_title, axis=alt.Axis(labelAngle=0))
        )
        enc = dict(x=x, xOffset="arm:N", y=y, color=colour, tooltip=tooltip)
        chart = alt.Chart(dist).mark_bar().encode(**enc)
        subtitle = "share of each arm's units " + (
            "answering no and yes" if yes_no else "per value"
        )
    else:
        open_bin = dist.filter(pl.col("bin_high").is_null())
        plot = dist.with_columns(
            pl.col("bin_high").fill_null(
                pl.col("bin_low") + (pl.col("bin_low").unique().sort().diff().max())
            )
        )
        chart = (
            alt.Chart(plot)
            .mark_line(interpolate="step-after")
            .encode(x=alt.X("bin_low:Q", title=x_title), y=y, color=colour, tooltip=tooltip)
        )
        subtitle = "share of each arm's units per bin"
        if open_bin.height:
            edge = open_bin["bin_low"].min()
            subtitle += f"; last bin holds every value ≥ {edge:,.4g}"
    return chart.properties(
        width=460, height=220, title=alt.Title(title or "Distribution per arm", subtitle=subtitle)
    )


@builder
def checks_badge(checks: pl.DataFrame) -> alt.Chart:
    """Badge of the data-quality checks (sample ratio, response rate): green OK / red alarm.

    Parameters
    ----------
    checks : polars.DataFrame
        ``Analysis.checks``.

    Returns
    -------
    altair.Chart
        One tile per check with its p-value.

    Examples
    --------
    >>> import polars as pl
    >>> c = pl.DataFrame({"check": ["sample_ratio"], "n": [100], "statistic": [0.1], "df": [1],
    ...                   "p_value": [0.75], "alarm": [False]})
    >>> checks_badge(c).to_dict()["layer"][1]["mark"]["type"]
    'text'
    """
    need(checks, ["check", "p_value", "alarm"], "checks_badge", "Analysis.checks")
    names = {"sample_ratio": "Sample ratio", "response_rate": "Survey response rate"}
    labels = [
        f"{names.get(c, c)}: {'ALARM' if a else 'OK'} (p = {p:.2g})"
        for c, a, p in checks.select("check", "alarm", "p_value").iter_rows()
    ]
    frame = checks.with_columns(
        pl.col("check").replace(names).alias("name"),
        pl.when(pl.col("alarm")).then(pl.lit("ALARM")).otherwise(pl.lit("OK")).alias("status"),
        pl.Series("label", labels, dtype=pl.String),
    )
    base = alt.Chart(frame).encode(x=alt.X("name:N", axis=None, sort=None))
    tile = base.mark_rect(cornerRadius=6, opacity=0.9).encode(
        color=alt.Color(
            "status:N", scale=alt.Scale(domain=["OK", "ALARM"], range=[GOOD, BAD]), legend=None
        )
    )
    text = base.mark_text(color="white", fontSize=13, fontWeight="bold").encode(text="label:N")
    return alt.layer(tile, text).properties(
        width=alt.Step(260), height=44, title=alt.Title("Data-quality checks (alarm at p < 0.001)")
    )


_LOOK_COLUMNS = ["metric", "arm", "period", "effect", "ci_low", "ci_high", "naive_ci_low",
                 "naive_ci_high", "n_control", "n_treatment", "control_value", "treatment_value",
                 "p_value"]  # fmt: skip
_INTERVALS = ("always-valid interval", "naive interval (one planned look only)")


def _sequential_frame(looks: pl.DataFrame, proportions) -> pl.DataFrame:
    """One row per metric × arm × look × interval kind; proportions in points; no infinities."""
    if proportions is None:  # values all within 0–1 → a proportion
        rng = looks.group_by("metric").agg(
            pl.concat_list("control_value", "treatment_value").explode().is_between(0, 1).all()
        )
        proportions = [m for m, ok in rng.iter_rows() if ok]
    multi_arm = looks["arm"].n_unique() > 1
    pts = pl.col("metric").is_in(list(proportions))
    own = pl.col("metric").replace_strict({m: f" ({u})" for m, u in METRIC_UNITS.items()},
                                          default=" (its own unit)")  # fmt: skip
    unit = pl.when(pts).then(pl.lit(" (percentage points)")).otherwise(own)
    arm = " · " + words(pl.col("arm")) if multi_arm else pl.lit("")
    panel = words(pl.col("metric")) + arm + unit
    scale = pl.when(pts).then(100.0).otherwise(1.0)
    base = looks.with_columns(
        panel.alias("panel"),
        pl.col("period").cast(pl.String).alias("look"),
        (pl.col("effect") * scale).alias("effect"),
    )
    parts = []
    for kind, lo, hi in zip(
        _INTERVALS, ("ci_low", "naive_ci_low"), ("ci_high", "naive_ci_high"), strict=True
    ):
        parts.append(
            base.select(
                "panel",
                "look",
                "period",
                "effect",
                "n_control",
                "n_treatment",
                "p_value",
                pl.lit(kind).alias("interval"),
                (pl.col(lo) * scale).alias("low"),
                (pl.col(hi) * scale).alias("high"),
            )
        )
    long = pl.concat(parts)  # metric order of the monitor frame
    finite = [pl.when(pl.col(c).is_finite()).then(pl.col(c)).alias(c) for c in ("low", "high")]
    return long.with_columns(*finite, pl.lit(0.0).alias("zero")).drop("period")


def _sequential_marks(x: alt.X, offset: alt.XOffset) -> tuple:
    """The zero line, invisible interval ends (for the y domain), interval bars and effect dots."""
    tooltip = [
        alt.Tooltip("look:N", title="look"),
        alt.Tooltip("interval:N", title="interval"),
        alt.Tooltip("effect:Q", title="effect", format=".4g"),
        alt.Tooltip("low:Q", title="interval low", format=".4g"),
        alt.Tooltip("high:Q", title="interval high", format=".4g"),
        alt.Tooltip("n_control:Q", title="units so far, control", format=","),
        alt.Tooltip("n_treatment:Q", title="units so far, treatment", format=","),
        alt.Tooltip("p_value:Q", title="always-valid p-value", format=".3g"),
    ]
    base = alt.Chart()
    zero = base.mark_rule(color="#444444", strokeDash=[4, 3]).encode(y=alt.Y("zero:Q"))
    ends = base.mark_point(opacity=0).encode(x=x, y=alt.Y("high:Q"))
    bars = base.mark_rule().encode(
        x=x,
        xOffset=offset,
        y=alt.Y("low:Q", title="effect (treatment − control)"),
        y2="high:Q",
        color=alt.Color(
            "interval:N",
            scale=alt.Scale(domain=list(_INTERVALS), range=[PALETTE[0], "#b8b8b8"]),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        strokeWidth=alt.StrokeWidth(
            "interval:N", scale=alt.Scale(domain=list(_INTERVALS), range=[3, 1.5]), legend=None
        ),
        tooltip=tooltip,
    )
    dots = (
        base.mark_point(filled=True, size=45, color="#222222")
        .encode(x=x, xOffset=offset, y="effect:Q", tooltip=tooltip)
        .transform_filter(alt.datum.interval == _INTERVALS[0])
    )
    return zero, ends, bars, dots


@builder
def sequential_chart(
    looks: pl.DataFrame,
    *,
    title: str | None = None,
    level: float = 0.95,
    proportions: list[str] | None = None,
) -> alt.FacetChart:
    """The always-valid interval narrowing look by look, the naive interval faint beside it.

    Parameters
    ----------
    looks : polars.DataFrame
        From :func:`cxkit.experiment.monitor` (one row per metric × arm × look).
    title : str, optional
        Chart title.
    level : float
        ``1 − alpha`` of the monitoring, for the subtitle.
    proportions : list of str, optional
        Metrics to show in percentage points; by default every metric whose values all lie
        within 0–1 (pass ``[]`` to show every metric in its own unit).

    Returns
    -------
    altair.FacetChart
        One panel per metric (× arm when there are several), each in its own unit: per look
        the always-valid interval (dark) with the effect as a dot, the naive fixed-sample
        interval (faint) beside it, and a dashed line at no effect.

    Examples
    --------
    >>> import polars as pl
    >>> looks = pl.DataFrame({"metric": ["resolved"] * 2, "arm": ["new"] * 2, "period": [1, 2],
    ...     "n_control": [100, 200], "n_treatment": [100, 200], "control_value": [0.7, 0.7],
    ...     "treatment_value": [0.75, 0.74], "effect": [0.05, 0.04], "ci_low": [-0.1, -0.03],
    ...     "ci_high": [0.2, 0.11], "p_value": [1.0, 0.6], "naive_ci_low": [-0.07, -0.04],
    ...     "naive_ci_high": [0.17, 0.12], "naive_p_value": [0.4, 0.3]})
    >>> spec = sequential_chart(looks).to_dict()
    >>> [layer["mark"]["type"] for layer in spec["spec"]["layer"]]
    ['rule', 'point', 'rule', 'point']
    """
    need(looks, _LOOK_COLUMNS, "sequential_chart", "cx.experiment.monitor()")
    frame = _sequential_frame(looks, proportions)
    order = looks.sort("period")["period"].cast(pl.String).unique(maintain_order=True).to_list()
    x = alt.X(
        "look:O",
        title="look (cumulative data up to each period)",
        sort=order,
        axis=alt.Axis(labelAngle=0),
    )
    offset = alt.XOffset("interval:N", sort=list(_INTERVALS))
    zero, ends, bars, dots = _sequential_marks(x, offset)
    panels = frame["panel"].unique(maintain_order=True).to_list()
    subtitle = [
        f"{level:.0%} always-valid intervals (dark) stay valid however often one looks; "
        "faint: the usual interval of each look, valid only at one planned look",
        f"{len(order)} looks; dashed line = no effect; dot = effect so far",
    ]
    chart = (
        alt.layer(zero, ends, bars, dots, data=frame)
        .properties(width=460, height=150)
        .facet(
            row=alt.Row(
                "panel:N",
                title=None,
                sort=panels,
                header=alt.Header(labelAngle=0, labelAlign="left"),
            )
        )
        .resolve_scale(y="independent")
    )
    return chart.properties(
        title=alt.Title(title or "Effect estimate, look by look", subtitle=subtitle)
    )
