"""The words a reader sees: finding sentences built from the journey result frames.

Each function takes a result frame of :mod:`cxkit.journey` and returns one plain sentence (or
``None`` when the frame holds nothing to say); :func:`journey_findings` puts them in headline
order, the outcome-related finding first. Numbers are worded by :mod:`cxkit.report.wording`:
shares in %, differences of rates in points, intervals "a to b"; pain points and Markov
removal effects are worded as associations, never as what a change would cause.

Notebooks show these sentences (``cx.report.headline``, ``cx.findings``); they never build
wording themselves.

Examples
--------
>>> import polars as pl
>>> paths = pl.DataFrame({"path": ["web → call", "(other paths)"], "n_steps": [2, None],
...                       "share": [0.42, 0.58], "n_variants": [1, 312]})
>>> path_finding(paths, n_customers=4580)
'The most common journey, taken by 42% of 4,580 customers, is: Web → Call.'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from cxkit.report.wording import association, metric_label
from cxkit.report.wording import reader_label as _tp  # "ivr" → "IVR", "web visit" → "Web visit"
from cxkit.schema import ALL_CONTACTS, END, OTHER_PATHS, SEP

__all__ = [
    "emotion_finding",
    "end_finding",
    "funnel_finding",
    "journey_findings",
    "pain_finding",
    "path_finding",
    "removal_finding",
    "repeat_finding",
    "variety_finding",
]


def _pct(x: float) -> str:
    return f"{x:.0%}"


def path_finding(paths: pl.DataFrame, *, n_customers: int) -> str | None:
    """The most common complete journey (from :func:`cxkit.journey.paths`)."""
    real = paths.filter(pl.col("path") != OTHER_PATHS)
    if not real.height:
        return None
    p = real.row(0, named=True)
    return (
        f"The most common journey, taken by {_pct(p['share'])} of {n_customers:,} customers, "
        f"is: {_tp(p['path'])}."
    )


def variety_finding(paths: pl.DataFrame) -> str | None:
    """How many customers follow one of the less common paths (the ``(other paths)`` row).

    >>> variety_finding(pl.DataFrame({"path": ["(other paths)"], "share": [0.58],
    ...                               "n_variants": [312]}))
    'Journeys vary: 58% of customers follow one of 312 less common paths.'
    """
    other = paths.filter(pl.col("path") == OTHER_PATHS)
    if not other.height:
        return None
    return (
        f"Journeys vary: {_pct(other['share'][0])} of customers follow one of "
        f"{other['n_variants'][0]:,} less common paths."
    )


def end_finding(transitions: pl.DataFrame, *, n_customers: int) -> str | None:
    """Where journeys most often end (the busiest edge into ``(end)``).

    >>> t = pl.DataFrame({"source": ["call", "web"], "target": ["(end)", "(end)"], "n": [900, 300]})
    >>> end_finding(t, n_customers=1500)
    'Journeys most often end after Call (900 customers, 60%).'
    """
    ends = transitions.filter(pl.col("target") == END).sort("n", descending=True)
    if not ends.height or not n_customers:
        return None
    e = ends.row(0, named=True)
    return f"Journeys most often end after {_tp(e['source'])} ({e['n']:,} customers, {_pct(e['n'] / n_customers)})."


def funnel_finding(funnel: pl.DataFrame, steps: Sequence[str]) -> str | None:
    """End-to-end conversion of a funnel and its biggest drop (:func:`cxkit.journey.funnel`).

    >>> f = pl.DataFrame({"step_index": [1, 2, 3], "step": ["a", "b", "c"],
    ...     "conversion_from_start": [1.0, 0.5, 0.4], "drop_off": [None, 0.5, 0.2]})
    >>> funnel_finding(f, ["a", "b", "c"])
    'Funnel A → B → C: 40% of those who start reach the end; the biggest drop is before B (50% drop off).'
    """
    if not funnel.height:
        return None
    last = funnel.row(-1, named=True)
    worst = funnel.filter(pl.col("step_index") > 1).sort(
        "drop_off", descending=True, nulls_last=True
    )
    if not worst.height or worst["drop_off"][0] is None:
        return None
    w = worst.row(0, named=True)
    return (
        f"Funnel {SEP.join(map(_tp, steps))}: {_pct(last['conversion_from_start'])} of those who "
        f"start reach the end; the biggest drop is before {_tp(w['step'])} ({_pct(w['drop_off'])} "
        "drop off)."
    )


def repeat_finding(
    repeats: pl.DataFrame, *, within: str, min_base: int = 30, contacts_named: bool = True
) -> str | None:
    """The touchpoint with the most repeat contact (:func:`cxkit.journey.repeat_contacts`).

    ``contacts_named=False`` (every touchpoint counted as a contact) words the loop back to the
    same touchpoint instead. Touchpoints with fewer than ``min_base`` contacts are left out.

    >>> r = pl.DataFrame({"touchpoint": ["ivr", "chat"], "n_contacts": [800, 20],
    ...     "repeat_rate": [0.31, 0.9], "ci_low": [0.28, 0.7], "ci_high": [0.34, 0.98],
    ...     "same_touchpoint_rate": [0.1, 0.2]})
    >>> repeat_finding(r, within="7d")
    'Repeat contact is highest after IVR: 31% of its contacts are followed by another contact within 7 days (95% interval 28% to 34%, n = 800).'
    """
    rep = repeats.filter(
        (pl.col("touchpoint") != ALL_CONTACTS) & (pl.col("n_contacts") >= min_base)
    )
    if not rep.height:
        return None
    window = _window(within)
    if contacts_named:
        r = rep.sort("repeat_rate", descending=True).row(0, named=True)
        return (
            f"Repeat contact is highest after {_tp(r['touchpoint'])}: {_pct(r['repeat_rate'])} of its "
            f"contacts are followed by another contact within {window} (95% interval "
            f"{_pct(r['ci_low'])} to {_pct(r['ci_high'])}, n = {r['n_contacts']:,})."
        )
    r = rep.sort("same_touchpoint_rate", descending=True).row(0, named=True)
    return (
        f"Customers loop back most at {_tp(r['touchpoint'])}: {_pct(r['same_touchpoint_rate'])} of its "
        f"events are followed by the same touchpoint within {window} (n = {r['n_contacts']:,})."
    )


_UNITS = {"d": "day", "h": "hour", "m": "minute", "w": "week"}


def _window(within: str) -> str:
    """``"7d"`` → ``"7 days"`` (polars duration strings in words; anything else as given)."""
    text = str(within).strip()
    num, unit = text[:-1], text[-1:]
    if num.isdigit() and unit in _UNITS:
        return f"{int(num)} {_UNITS[unit]}{'' if int(num) == 1 else 's'}"
    return text


def emotion_finding(curve: pl.DataFrame, *, scale: str = "1–5") -> str | None:
    """The low point of the emotion curve (:func:`cxkit.journey.stage_scores`), among the
    points with an adequate base, on the scores' ``scale`` (said once: "on the 1–5 scale";
    ``""`` when the scores have no fixed scale).

    >>> c = pl.DataFrame({"step": [1, 2], "touchpoint": ["web", "call"], "estimate": [4.1, 2.9],
    ...     "ci_low": [4.0, 2.8], "ci_high": [4.2, 3.0], "n": [900, 450], "base_flag": ["ok", "ok"]})
    >>> emotion_finding(c)
    'The low point of the emotion curve is Call: mean score 2.90 on the 1–5 scale (95% interval 2.80 to 3.00, n = 450).'
    """
    ok = curve.filter((pl.col("base_flag") == "ok") & pl.col("estimate").is_not_null())
    if not ok.height:
        return None
    name = curve.columns[1]  # the touchpoint (or stage) column follows the step
    low = ok.sort("estimate").row(0, named=True)
    return (
        f"The low point of the emotion curve is {_tp(low[name])}: mean score {low['estimate']:.2f}"
        f"{f' on the {scale} scale' if scale else ''} (95% interval {low['ci_low']:.2f} to {low['ci_high']:.2f}, n = {low['n']:,})."
    )


def _rate_word(outcome: str) -> str:
    return metric_label(outcome)


def pain_finding(pain: pl.DataFrame, *, outcome: str, alpha: float = 0.05) -> str:
    """The biggest pain point (:func:`cxkit.journey.pain_points`), worded as an association.

    A touchpoint whose customers had the outcome clearly *more* often (corrected p below
    ``alpha``, adequate base) is the pain point; if none, a touchpoint that goes with it clearly
    *less* often is named as such; if neither, the data cannot tell the touchpoints apart.

    Examples
    --------
    >>> p = pl.DataFrame({"touchpoint": ["complaint"], "effect": [0.12], "ci_low": [0.08],
    ...     "ci_high": [0.16], "p_adj": [1e-6], "base_flag": ["ok"], "n_passed": [812],
    ...     "n_not_passed": [3768]})
    >>> pain_finding(p, outcome="churned")
    'Biggest pain point: customers whose journey included Complaint churned 12.0 pts more often (8.0 to 16.0 pts): an association, not proof that it causes it (812 vs 3,768 customers).'
    >>> pain_finding(p.with_columns(p_adj=pl.lit(0.3)), outcome="churned")
    'No touchpoint goes with a clearly higher churn rate once the number of comparisons is allowed for: the data cannot tell them apart.'
    """
    ok = pain.filter((pl.col("base_flag") == "ok") & (pl.col("p_adj") < alpha))
    worse = ok.filter(pl.col("effect") > 0).sort("effect", descending=True)
    better = ok.filter(pl.col("effect") < 0).sort("effect")
    verb = str(outcome).replace("_", " ")

    def said(t: dict[str, Any]) -> str:
        text = association(
            _tp(t["touchpoint"]), t["effect"], t["ci_low"], t["ci_high"], outcome=verb,
            who="customers whose journey included",
        )  # fmt: skip
        return f"{text[:-1]} ({t['n_passed']:,} vs {t['n_not_passed']:,} customers)."

    if worse.height:
        return "Biggest pain point: " + said(worse.row(0, named=True))
    nothing = (
        f"No touchpoint goes with a clearly higher {_rate_word(outcome)} rate once the number of "
        "comparisons is allowed for"
    )
    if better.height:
        t = said(better.row(0, named=True))
        return f"{nothing}; {t}"
    return f"{nothing}: the data cannot tell them apart."


def removal_finding(removal: pl.DataFrame, *, outcome: str) -> str | None:
    """The touchpoint on the most journeys that end in the outcome (Markov removal effects,
    :func:`cxkit.journey.removal_effects`), worded as a description of where those journeys
    go, not as what removing it would change.

    >>> r = pl.DataFrame({"touchpoint": ["web visit"], "removal_effect": [0.54]})
    >>> removal_finding(r, outcome="churned")
    'Web visit lies on the most journeys that end in churn: 54% of them pass through it (Markov model). This describes where those journeys go, not what removing it would change.'
    """
    if not removal.height or removal["removal_effect"][0] is None:
        return None
    r = removal.row(0, named=True)
    return (
        f"{_tp(r['touchpoint'])} lies on the most journeys that end in "
        f"{metric_label(outcome)}: {_pct(r['removal_effect'])} of them pass through it (Markov "
        "model). This describes where those journeys go, not what removing it would change."
    )


def journey_findings(
    *,
    n_customers: int,
    paths: pl.DataFrame | None = None,
    transitions: pl.DataFrame | None = None,
    funnel: pl.DataFrame | None = None,
    funnel_steps: Sequence[str] = (),
    repeats: pl.DataFrame | None = None,
    within: str = "7d",
    contacts_named: bool = True,
    curve: pl.DataFrame | None = None,
    score_scale: str = "1–5",
    pain: pl.DataFrame | None = None,
    removal: pl.DataFrame | None = None,
    outcome: str | None = None,
    min_base: int = 30,
    alpha: float = 0.05,
) -> list[str]:
    """Every journey finding that applies, in headline order: the outcome finding (pain point)
    first, then the journeys themselves, then the Markov description. Frames left ``None``
    are skipped. ``score_scale`` is the scale of the curve's scores ("1–5").

    Examples
    --------
    >>> paths = pl.DataFrame({"path": ["web → call"], "share": [0.42], "n_variants": [1]})
    >>> journey_findings(n_customers=100, paths=paths)
    ['The most common journey, taken by 42% of 100 customers, is: Web → Call.']
    """
    lines: list[str | None] = []
    if pain is not None and outcome:
        lines.append(pain_finding(pain, outcome=outcome, alpha=alpha))
    if paths is not None:
        lines += [path_finding(paths, n_customers=n_customers), variety_finding(paths)]
    if transitions is not None:
        lines.append(end_finding(transitions, n_customers=n_customers))
    if funnel is not None:
        lines.append(funnel_finding(funnel, funnel_steps))
    if repeats is not None:
        lines.append(
            repeat_finding(repeats, within=within, min_base=min_base, contacts_named=contacts_named)
        )
    if curve is not None:
        lines.append(emotion_finding(curve, scale=score_scale))
    if removal is not None and outcome:
        lines.append(removal_finding(removal, outcome=outcome))
    return [x for x in lines if x]
