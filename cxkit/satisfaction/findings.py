"""The words a reader sees: finding sentences built from the satisfaction result frames.

Each function takes a result frame of :mod:`cxkit.satisfaction` and returns plain sentences;
:func:`satisfaction_findings` puts them in headline order (the overall level, what moved, what
drives it, where to invest, segments). Numbers are worded by :mod:`cxkit.report.wording`:
shares as %, differences of shares in points (a fall of 27 points is "fell 27.1 pts", not
"-27.1%"), intervals "a to b", rises and falls in words; drivers are associations.

Notebooks show these sentences (``cx.report.headline``, ``cx.findings``); they never build
wording themselves.

Examples
--------
>>> import polars as pl
>>> overall = pl.DataFrame({"metric": ["csat_top_box"], "estimate": [0.745], "ci_low": [0.731],
...                         "ci_high": [0.759], "n": [4000]})
>>> overall_finding(overall, outcome="csat")
'Overall CSAT: 74.5% (95% interval 73.1% to 75.9%, 4,000 responses).'
"""

from __future__ import annotations

import polars as pl

from cxkit.report.wording import change, metric_label, reader_label, value

__all__ = [
    "driver_finding",
    "focus_finding",
    "move_findings",
    "overall_finding",
    "satisfaction_findings",
    "score_kind",
    "segment_finding",
    "touchpoint_finding",
]

_SHARES = ("csat_top_box", "proportion", "ces_agree", "top_box", "share")


def score_kind(metric: str) -> str:
    """The wording kind of a score's ``metric`` value: ``"proportion"`` for shares (CSAT top
    box, agree shares), ``"nps"`` for NPS, ``"mean"`` otherwise.

    >>> score_kind("csat_top_box"), score_kind("nps"), score_kind("mean")
    ('proportion', 'nps', 'mean')
    """
    if metric in _SHARES:
        return "proportion"
    return "nps" if metric == "nps" else "mean"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def overall_finding(overall: pl.DataFrame, *, outcome: str) -> str:
    """The overall level of the outcome with its interval and base (from ``scores``)."""
    r = overall.row(0, named=True)
    kind = score_kind(str(r["metric"]))
    return (
        f"Overall {metric_label(outcome)}: {value(r['estimate'], kind=kind)} (95% interval "
        f"{value(r['ci_low'], kind=kind)} to {value(r['ci_high'], kind=kind)}, "
        f"{r['n']:,} responses)."
    )


def touchpoint_finding(row: dict, *, lead: str, outcome: str = "csat") -> str:
    """One touchpoint's score in words, its interval and base (a row of ``scores(by=...)``).

    >>> touchpoint_finding(dict(touchpoint="ivr", metric="csat_top_box", estimate=0.099,
    ...                         ci_low=0.081, ci_high=0.12, n=1234), lead="Least satisfying")
    'Least satisfying touchpoint: IVR, CSAT 9.9% (95% interval 8.1% to 12.0%, 1,234 responses).'
    """
    kind = score_kind(str(row["metric"]))
    return (
        f"{lead} touchpoint: {reader_label(row['touchpoint'])}, {metric_label(outcome)} "
        f"{value(row['estimate'], kind=kind)} (95% interval {value(row['ci_low'], kind=kind)} "
        f"to {value(row['ci_high'], kind=kind)}, {row['n']:,} responses)."
    )


def move_findings(
    moves: pl.DataFrame,
    *,
    outcome: str,
    kind: str,
    period: str,
    alpha: float = 0.05,
    top: int = 2,
) -> list[str]:
    """What moved from one period to the next (``compare(..., by=period)`` frames stacked with
    an ``item`` column): the outcome first, then the biggest clear moves, each worded as a rise
    or a fall in points with its interval. Touchpoint items are top-box shares (``kind`` is the
    outcome's). When nothing is clear, one sentence says the data cannot tell.

    Examples
    --------
    >>> m = pl.DataFrame({"item": ["csat", "delivery", "web"], "period": ["Dec", "Dec", "Dec"],
    ...     "reference": ["previous: Nov"] * 3, "effect": [-0.10, -0.271, 0.01],
    ...     "ci_low": [-0.13, -0.31, -0.02], "ci_high": [-0.07, -0.23, 0.04],
    ...     "p_adj": [1e-9, 1e-12, 0.5]})
    >>> move_findings(m, outcome="csat", kind="proportion", period="period")
    ['In Dec (against Nov): CSAT fell 10.0 pts (-13.0 to -7.0 pts), statistically clear.', 'In Dec (against Nov): Delivery fell 27.1 pts (-31.0 to -23.0 pts), statistically clear.']
    >>> move_findings(m.with_columns(p_adj=pl.lit(0.4)), outcome="csat", kind="proportion",
    ...               period="period")[0][:45]
    'From one period to the next, the data cannot '
    """
    sig = moves.filter(pl.col("p_adj") < alpha).sort(
        pl.col("item") != outcome, -pl.col("effect").abs()
    )
    lines = []
    for r in sig.head(top).iter_rows(named=True):  # a couple of sentences
        k = kind if r["item"] == outcome else "proportion"  # touchpoints: top-box share
        ref = str(r["reference"]).removeprefix("previous: ")
        said = change(r["item"], r["effect"], r["ci_low"], r["ci_high"], kind=k, clear=True)
        lines.append(f"In {r[period]} (against {ref}): {said}")
    if not sig.height:
        lines.append(
            "From one period to the next, the data cannot tell any touchpoint or the outcome "
            "apart: no change is statistically clear."
        )
    return lines


def driver_finding(drivers: pl.DataFrame, *, outcome: str) -> str:
    """The strongest driver (from ``drivers``), worded as an association.

    >>> d = pl.DataFrame({"driver": ["Seat comfort"], "importance_pct": [0.31], "r2": [0.42],
    ...                   "n": [12034]})
    >>> driver_finding(d, outcome="satisfaction")
    'Seat comfort goes most closely with satisfaction: 31% of what the model explains (R² 0.42, 12,034 complete responses); an association, not proof of cause.'
    """
    top = drivers.row(0, named=True)
    return (
        f"{_cap(metric_label(top['driver']))} goes most closely with {metric_label(outcome)}: "
        f"{top['importance_pct']:.0%} of what the model explains (R² {top['r2']:.2f}, "
        f"{top['n']:,} complete responses); an association, not proof of cause."
    )


def focus_finding(quadrants: pl.DataFrame) -> str | None:
    """The important, under-performing touchpoints (``importance_performance``), or ``None``.

    >>> q = pl.DataFrame({"driver": ["wifi", "food"], "quadrant": ["concentrate here", "keep up"]})
    >>> focus_finding(q)
    'Concentrate here (important, rated below average): wifi.'
    """
    focus = quadrants.filter(pl.col("quadrant") == "concentrate here")["driver"].to_list()
    if not focus:
        return None
    names = ", ".join(metric_label(f) for f in focus)
    return f"Concentrate here (important, rated below average): {names}."


def segment_finding(by_segment: pl.DataFrame, *, kind: str) -> str | None:
    """The lowest and the highest segment (``scores(..., by=)`` with a ``group`` column).

    >>> s = pl.DataFrame({"group": ["Eco", "Business"], "estimate": [0.19, 0.69]})
    >>> segment_finding(s, kind="proportion")
    'Lowest segment: Eco (19.0%); highest: Business (69.0%).'
    """
    shown = by_segment.filter(pl.col("estimate").is_not_null()).sort("estimate")
    if shown.height < 2:
        return None
    lo, hi = shown.row(0, named=True), shown.row(-1, named=True)
    return (
        f"Lowest segment: {metric_label(lo['group'])} ({value(lo['estimate'], kind=kind)}); "
        f"highest: {metric_label(hi['group'])} ({value(hi['estimate'], kind=kind)})."
    )


def satisfaction_findings(
    overall: pl.DataFrame,
    *,
    outcome: str,
    drivers: pl.DataFrame | None = None,
    quadrants: pl.DataFrame | None = None,
    moves: pl.DataFrame | None = None,
    period: str | None = None,
    by_segment: pl.DataFrame | None = None,
    alpha: float = 0.05,
) -> list[str]:
    """Every satisfaction finding that applies, in headline order. Frames left ``None`` are
    skipped (no period: nothing about what moved).

    Examples
    --------
    >>> overall = pl.DataFrame({"metric": ["nps"], "estimate": [32.0], "ci_low": [29.5],
    ...                         "ci_high": [34.6], "n": [2500]})
    >>> satisfaction_findings(overall, outcome="nps")
    ['Overall NPS: 32.0 (95% interval 29.5 to 34.6, 2,500 responses).']
    """
    kind = score_kind(str(overall["metric"][0]))
    lines: list[str | None] = [overall_finding(overall, outcome=outcome)]
    if moves is not None and period:
        lines += move_findings(moves, outcome=outcome, kind=kind, period=period, alpha=alpha)
    if drivers is not None and drivers.height:
        lines.append(driver_finding(drivers, outcome=outcome))
    if quadrants is not None:
        lines.append(focus_finding(quadrants))
    if by_segment is not None:
        lines.append(segment_finding(by_segment, kind=kind))
    return [x for x in lines if x]
