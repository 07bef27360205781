"""Plain-language summaries: the decision of an analysis, and what weekly monitoring shows.

* :func:`decision_summary` — one sentence per check and per metric × arm of an analysis, in
  the words of :mod:`cxkit.report.wording`; :func:`verdict` — the one-line verdict from the
  pre-declared primary metrics and guardrails;
* :func:`monitor_summary` — one sentence per metric × arm of :func:`~cxkit.experiment.monitor`
  at its last look, when its always-valid interval first excluded no effect, when the usual
  test repeated at every look would have called it, and, for cluster-randomised designs, how
  much too narrow the unit-level sequences are;
* :func:`sequential_metrics`, :func:`monitor_skip_reason` — which declared metrics
  :func:`~cxkit.experiment.monitor` can follow, and the one line saying why a report skips
  monitoring.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import polars as pl

from cxkit.errors import CxDataError
from cxkit.experiment.spec import Metric, as_metrics
from cxkit.report import wording
from cxkit.schema import METRIC_SCALES, METRIC_UNITS, POINTS

if TYPE_CHECKING:  # pragma: no cover
    from cxkit.experiment.analysis import Analysis

__all__ = [
    "decision_summary",
    "monitor_skip_reason",
    "monitor_summary",
    "sequential_metrics",
    "verdict",
]

_MONITOR_KINDS = ("proportion", "mean")


def _unit(name: str) -> str:
    """A metric's unit for the wording (``schema.METRIC_UNITS``; a rating mean of
    ``schema.METRIC_SCALES`` moves in points of its scale)."""
    return METRIC_UNITS.get(name) or (POINTS if name in METRIC_SCALES else "")


def _arm(name: Any) -> str:
    return wording.arm_label(name)  # "new_script" → "New script", "control" → "Control"


def _effect_line(row: dict[str, Any], m: Metric, alpha: float) -> str:
    """One reader sentence for a metric × arm row of ``Analysis.effects`` (the wording layer)."""
    kind = "proportion" if m.kind == "proportion" else m.kind
    args = (row["metric"], row["effect"], row["ci_low"], row["ci_high"])
    dec = row["decision"]
    if m.role == "guardrail" or dec in ("within_margin", "non_inferior", "inconclusive"):
        return wording.guardrail(
            *args, margin=m.margin, decision=dec, kind=kind, higher_is_better=m.higher_is_better
        )
    # the change is named in the report's context line; each sentence leads with the metric
    return wording.change(*args, kind=kind, clear=dec in ("better", "worse"), alpha=alpha)


def decision_summary(analysis: Analysis, *, change: str = "The change") -> list[str]:
    """Plain-language sentences computed from an :class:`Analysis` (checks first).

    ``change`` is kept for compatibility (a report names the change in its context line). The
    words come from :mod:`cxkit.report.wording`: directions (*rose*, *fell*), rates in
    points, the interval as "a to b", *statistically clear* instead of a p-value (the p-values
    stay in the tables) and, when the data cannot settle a difference, a sentence that says so
    with its interval.

    Returns
    -------
    list of str
        One sentence per data-quality check and per metric × treatment arm (prefixed with the
        arm when there are several, "Gate 40 vs Gate 30" when every pair of arms is compared;
        arm names by ``wording.arm_label``, capitalised as the arms' proper names).

    Examples
    --------
    >>> import polars as pl
    >>> from cxkit.experiment import from_aggregates
    >>> agg = pl.DataFrame({"metric": ["resolved"] * 2, "arm": ["old", "new"], "n_units": [1000, 1000],
    ...                     "n": [1000, 1000], "sum": [700.0, 745.0], "sum_sq": [700.0, 745.0]})
    >>> res = from_aggregates(agg, control="old", metrics={"resolved": "proportion"})
    >>> decision_summary(res, change="The new script")[-1]
    'Resolution rose 4.5 pts (0.6 to 8.4 pts), statistically clear.'
    """
    out: list[str] = []
    for row in analysis.checks.iter_rows(named=True):
        name = "sample ratio" if row["check"] == "sample_ratio" else "survey response rate"
        if row["alarm"]:
            out.append(
                f"WARNING: the {name} differs between arms by more than chance would "
                "(statistically clear); the effects below may be biased — find the cause "
                "before deciding."
            )
        else:
            out.append(f"The {name} check passed: the arms are comparable on it.")
    specs = {m.label: m for m in analysis.metrics}
    several = analysis.effects["arm"].n_unique() > 1
    cols = analysis.effects.columns
    pairs = "control" in cols and analysis.effects["control"].n_unique() > 1  # all_pairs
    for row in analysis.effects.iter_rows(named=True):
        text = _effect_line(row, specs[row["metric"]], analysis.alpha)
        who = f"{_arm(row['arm'])} vs {_arm(row['control'])}" if pairs else _arm(row["arm"])
        out.append(f"{who}: {text}" if several else text)
    return out


def verdict(analysis: Analysis) -> str:
    """The one-line verdict of an A/B test from its pre-declared primary metrics and guardrails.

    ``Roll out`` when a primary metric moved the right way, clearly, and no guardrail was
    breached; ``Do not roll out`` on a breached guardrail or a primary metric that moved the
    wrong way; ``Hold`` when a data-quality check raised an alarm; ``No decision`` when the data
    cannot tell. With several treatment arms, one clause per arm (per pair of arms, "Gate 40 vs
    Gate 30: …", when every pair is compared).

    Examples
    --------
    >>> import polars as pl
    >>> from cxkit.experiment import from_aggregates
    >>> agg = pl.DataFrame({"metric": ["resolved"] * 2, "arm": ["old", "new"], "n_units": [1000, 1000],
    ...                     "n": [1000, 1000], "sum": [700.0, 745.0], "sum_sq": [700.0, 745.0]})
    >>> verdict(from_aggregates(agg, control="old", metrics={"resolved": "proportion"}))
    'Roll out: resolution up 4.5 pts (0.6 to 8.4 pts).'
    """
    alarms = analysis.checks.filter(pl.col("alarm"))["check"].to_list()
    alarm = alarms[0].replace("_", " ") if alarms else ""
    specs = {m.label: m for m in analysis.metrics}
    eff = analysis.effects
    pairs = "control" in eff.columns and eff["control"].n_unique() > 1  # all_pairs: per pair
    lines = []
    for key, g in eff.group_by(["arm", "control"] if pairs else ["arm"], maintain_order=True):
        rows = [
            {**r, "kind": specs[r["metric"]].kind, "role": specs[r["metric"]].role}
            for r in g.iter_rows(named=True)
        ]
        who = " vs ".join(_arm(k) for k in key)  # "Gate 40" or "Gate 40 vs Gate 30"
        lines.append((who, wording.verdict(rows, alarm=alarm)))
    if len(lines) == 1:
        return lines[0][1]
    return " ".join(f"{arm}: {text}" for arm, text in lines)


def sequential_metrics(metrics: Mapping[str, Any] | Iterable[Metric]) -> dict[str, Metric]:
    """The metrics :func:`~cxkit.experiment.monitor` can follow, by label.

    Plain proportions and means are kept; ratio metrics, NPS, ordinal, quantile and bootstrap
    metrics are left out. A CUPED covariate is dropped: the sequence follows the raw metric.

    Parameters
    ----------
    metrics : mapping or iterable of Metric
        A ``metrics=`` mapping, or ``Analysis.metrics``.

    Examples
    --------
    >>> watch = sequential_metrics({"resolved": "proportion", "nps": "nps",
    ...                             "handle_time": {"kind": "mean", "covariate": "pre"}})
    >>> {k: (m.kind, m.covariate) for k, m in watch.items()}
    {'resolved': ('proportion', None), 'handle_time': ('mean', None)}
    """
    specs = as_metrics(metrics, None, None) if isinstance(metrics, Mapping) else list(metrics)
    return {
        m.label: Metric(**{**m.__dict__, "covariate": None, "denominator_covariate": None})
        for m in specs
        if m.kind in _MONITOR_KINDS and m.denominator is None
    }


def monitor_skip_reason(data: Any, *, period: str, metrics: Any) -> str:
    """One plain line saying why weekly monitoring cannot run on ``data``, or ``""``.

    Examples
    --------
    >>> df = pl.DataFrame({"arm": ["a", "b"], "y": [0, 1]})
    >>> monitor_skip_reason(df, period="week", metrics={"y": "proportion"})[:52]
    'Weekly monitoring is skipped: the data has no "week"'
    >>> monitor_skip_reason(df.with_columns(week=1), period="week", metrics={"y": "proportion"})
    ''
    """
    if not period:
        return (
            "Weekly monitoring is skipped: no period column was named (set period_col to the "
            "column holding each unit's week or date)."
        )
    names = data.collect_schema().names() if hasattr(data, "collect_schema") else data.columns
    if period not in names:
        return (
            f'Weekly monitoring is skipped: the data has no "{period}" column to look at the '
            "results period by period."
        )
    if not sequential_metrics(metrics):
        return (
            "Weekly monitoring is skipped: it follows proportions and means, and none of the "
            "declared metrics is one."
        )
    return ""


def _kinds(frame: pl.DataFrame, metrics) -> dict[str, Metric]:
    """Metric specs by label: given, or read from the values (all within 0–1 → proportion)."""
    if metrics is not None:
        return sequential_metrics(metrics) or {m.label: m for m in as_metrics(metrics, None, None)}
    out = {}
    for (name,), g in frame.group_by("metric", maintain_order=True):
        vals = pl.concat([g["control_value"], g["treatment_value"]]).drop_nulls()
        unit = vals.len() > 0 and bool(vals.is_between(0.0, 1.0).all())
        out[str(name)] = Metric(str(name), kind="proportion" if unit else "mean")
    return out


def _first(periods: list, flags: list) -> Any:
    return next((p for p, f in zip(periods, flags, strict=True) if f), None)


def _monitor_line(g: pl.DataFrame, m: Metric, change: str, period: str, level: int, alpha):
    last = g.row(-1, named=True)
    name, looks = wording.metric_label(last["metric"]), g.height
    if last["effect"] is None or last["ci_low"] is None:
        return f"{_arm(last['arm'])}: {name} could not be estimated yet (too few units)."
    # every number in the metric's unit, as in the findings: rates in pts, a time in s
    kind, unit = m.kind, _unit(str(last["metric"]))
    eff = wording.difference(last["effect"], kind=kind, unit=unit)
    size = wording.difference(last["effect"], kind=kind, unit=unit, signed=False)
    interval = wording.interval(last["ci_low"], last["ci_high"], kind=kind, unit=unit)
    ci = f"always-valid {level}% interval {interval}"
    seen = f"{period} {last['period']}, {looks} look{'s' if looks > 1 else ''}"
    periods = g["period"].to_list()
    valid = _first(periods, (g["p_value"].fill_null(1.0) < alpha).to_list())
    naive = _first(periods, (g["naive_p_value"].fill_null(1.0) < alpha).to_list())
    if valid is not None:
        verb = "raised" if last["effect"] > 0 else "lowered"
        text = (
            f"{change} {verb} {name} by {size} ({seen}; {ci}, p = "
            f"{last['p_value']:.2g}); the interval first excluded no effect in {period} {valid}."
        )
    else:
        text = (
            f"the data cannot tell yet whether {name} changed ({seen}; {eff}, {ci}); the "
            "interval stays valid at every look, so it is safe to keep looking."
        )
    if naive is not None and (valid is None or periods.index(naive) < periods.index(valid)):
        text += f" (The usual test, repeated at every look, would have declared it in {period} {naive}.)"
    return f"{_arm(last['arm'])}: {text}"


def _cluster_caution(analysis: Analysis, labels: list[str]) -> str | None:
    det = analysis.details
    if "design_effect" not in det.columns or "n_clusters" not in det.columns:
        return None
    rows = det.filter(pl.col("metric").is_in(labels) & pl.col("design_effect").is_not_null())
    rows = rows.filter(pl.col("design_effect").is_finite())
    if rows.height == 0:
        return None
    # a CUPED design effect is of the adjusted metric, not of the raw one followed here
    cuped = rows.filter(
        pl.col("var_reduction").is_not_null() & pl.col("var_reduction").is_not_nan()
    )
    rows = rows.filter(~pl.col("metric").is_in(cuped["metric"].implode()))
    left_out = [wording.metric_label(m) for m in cuped["metric"].unique(maintain_order=True)]
    note = (
        f" ({', '.join(left_out)} not counted: "
        f"{'its figure' if len(left_out) == 1 else 'their figures'} above "
        "is after CUPED, which this view does not use.)"
        if left_out
        else ""
    )
    if rows.height == 0:
        return None
    deff = rows.group_by("metric", maintain_order=True).agg(pl.col("design_effect").max())
    parts = ", ".join(f"{wording.metric_label(m)} {d:.1f}" for m, d in deff.iter_rows())
    lo, hi = (
        math.sqrt(max(v, 1.0)) for v in (deff["design_effect"].min(), deff["design_effect"].max())
    )
    span = f"{lo:.1f}" if round(lo, 1) == round(hi, 1) else f"{lo:.1f}–{hi:.1f}"
    n_cl = rows["n_clusters"].max()
    return (
        f"Caution: these intervals treat every unit as independent, but the change was "
        f"randomised in {n_cl} clusters. The cluster-robust analysis above measured design "
        f"effects of {parts}, so the intervals here are about {span} times too narrow. Decide "
        f"on the cluster-robust effects above; read this view for the trend only.{note}"
    )


def monitor_summary(
    frame: pl.DataFrame,
    *,
    metrics: Mapping[str, Any] | Iterable[Metric] | None = None,
    change: str = "The change",
    period: str = "period",
    alpha: float = 0.05,
    analysis: Analysis | None = None,
) -> list[str]:
    """Plain-language sentences from :func:`~cxkit.experiment.monitor`, at its last look.

    Parameters
    ----------
    frame : polars.DataFrame
        The result of :func:`~cxkit.experiment.monitor`.
    metrics : mapping or iterable of Metric, optional
        The metrics given to ``monitor`` (for units: proportions in percentage points).
        Without them a metric whose values all lie within 0–1 is read as a proportion.
    change : str
        The name of the change, as in :func:`decision_summary`.
    period : str
        What one look is, in words (``"week"``).
    alpha : float
        The ``alpha`` given to ``monitor``.
    analysis : Analysis, optional
        The fixed-horizon analysis of the same data: when it is clustered, a caution states
        its design effects and how much too narrow the unit-level sequences are.

    Returns
    -------
    list of str
        One sentence per metric × treatment arm (its last look), then the caution, if any.

    Examples
    --------
    >>> from cxkit.experiment.sequential import monitor
    >>> df = pl.DataFrame({"arm": ["a", "b"] * 400, "week": [1] * 400 + [2] * 400,
    ...                    "y": [0, 1, 1, 1] * 200})
    >>> looks = monitor(df, control="a", metrics={"y": "proportion"}, period="week")
    >>> monitor_summary(looks, change="The new script", period="week")[0]
    'B: The new script raised y by 50.0 pts (week 2, 2 looks; always-valid 95% interval 42.4 to 57.6 pts, p = 3.4e-77); the interval first excluded no effect in week 1.'
    """
    need = ["metric", "arm", "period", "effect", "ci_low", "ci_high", "p_value", "naive_p_value"]
    missing = [c for c in need if c not in getattr(frame, "columns", [])]
    if missing:
        raise CxDataError(
            f"monitor_summary() needs the frame from monitor(); columns missing: {missing}",
            source="monitor_summary",
            column=missing[0],
            rule=f"the frame has the columns {need}",
            hint="pass the result of cx.experiment.monitor(...), unchanged",
        )
    if frame.height == 0:
        return ["No metric could be monitored: the monitoring frame is empty."]
    specs = _kinds(frame, metrics)
    level = round((1 - alpha) * 100)
    out = []
    for (name, _arm), g in frame.group_by("metric", "arm", maintain_order=True):
        m = specs.get(str(name), Metric(str(name)))
        out.append(_monitor_line(g.sort("period"), m, change, period, level, alpha))
    if any("The usual test" in line for line in out):
        out.append(
            "The usual test declares effects too often when it is repeated at every look; the "
            "always-valid interval is wider early on and holds however often one looks."
        )
    if analysis is not None:
        caution = _cluster_caution(analysis, list(specs))
        if caution:
            out.append(caution)
    return out
