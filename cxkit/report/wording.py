"""The words a reader sees: labels, units, directions, intervals, clarity, verdicts.

Every finding a report shows is built here, so every notebook says things the same way:

* labels and units come from :mod:`cxkit.schema` (``COLUMN_LABELS``, ``METRIC_LABELS``,
  ``METRIC_UNITS``, ``METRIC_SCALES``): no snake_case reaches a reader;
* codes from the data (touchpoints, arms, drivers) are shown by one rule,
  :func:`reader_label` (``schema.ACRONYMS`` in capitals): ``ivr`` → "IVR", ``control`` →
  "Control";
* directions are words (*rose*, *fell*); a difference of two rates is in points (``pts``), a
  relative change in %, NPS in points; an interval reads ``3.7 to 7.5 pts``;
* a p-value becomes *statistically clear* or *not statistically clear* (the number stays in
  the tables); a result that is not clear says the data cannot tell, with its interval — never
  "unchanged";
* associations (pain points, removal effects, drivers) are worded as associations.

``kind`` is the kind of the number: ``"proportion"`` (a rate 0–1), ``"nps"`` (−100 to 100
points), ``"mean"`` (any other number; ``unit=`` names its unit, e.g. ``"s"``), ``"count"``.

Examples
--------
>>> change("resolved", 0.0558, 0.0368, 0.0748, kind="proportion", p=2.8e-8)
'Resolution rose 5.6 pts (3.7 to 7.5 pts), statistically clear.'
>>> change("retention_1", -0.0059, -0.0124, 0.0005, kind="proportion", p=0.074)
'The data cannot tell whether 1-day retention changed: -0.6 pts, somewhere between -1.2 and +0.1 pts.'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from cxkit.schema import (
    ACRONYMS,
    COLUMN_LABELS,
    DECISION_LABELS,
    METRIC_LABELS,
    METRIC_SCALES,
    METRIC_UNITS,
    POINTS,
    SEP,
)

__all__ = [
    "KINDS",
    "arm_label",
    "arm_labels",
    "association",
    "change",
    "clarity",
    "column_label",
    "decision_label",
    "difference",
    "direction",
    "duration",
    "guardrail",
    "interval",
    "metric_label",
    "reader_label",
    "relative",
    "snake_case_words",
    "value",
    "verdict",
]

#: The kinds of number the wording knows (``kind=`` choices).
KINDS = ("proportion", "nps", "mean", "count")

_ACRONYM = re.compile(r"\b(" + "|".join(ACRONYMS) + r")\b", re.IGNORECASE)
_SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b")


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _kind(kind: str) -> str:
    if kind in ("binary", "proportion"):
        return "proportion"
    if kind in KINDS:
        return kind
    return "mean"  # quantile, ratio, bootstrap, ordinal: a number in the metric's own unit


def metric_label(name: str) -> str:
    """A metric or outcome name in reader words (lower case, fits inside a sentence).

    >>> metric_label("repeat_contact"), metric_label("Inflight wifi service"), metric_label("x_y")
    ('repeat contacts', 'Inflight wifi service', 'x y')
    """
    name = str(name)
    return METRIC_LABELS.get(name, name.replace("_", " "))


def column_label(name: str) -> str:
    """A result column's header in reader words.

    >>> column_label("p_adj"), column_label("n_eff"), column_label("Seat comfort")
    ('p-value (corrected)', 'Effective base', 'Seat comfort')
    >>> column_label("handle_time_p90")
    'Handle time p90'
    """
    name = str(name)
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    text = METRIC_LABELS[name] if name in METRIC_LABELS else name.replace("_", " ")
    return text[:1].upper() + text[1:]


def reader_label(name: Any, labels: Mapping[str, str] | None = None) -> str:
    """A code from the data (a touchpoint, an arm, a driver) as a reader's label.

    The one rule (documented with ``schema.ACRONYMS``; ``cxkit.charts._common.words`` applies
    it to chart labels): a name given in ``labels`` is shown as given; a name in
    ``schema.METRIC_LABELS`` takes its label; underscores become spaces; a name that already
    holds a capital letter, or a special label such as ``(start)``, is otherwise kept as it
    is; else the words of ``schema.ACRONYMS`` go into capitals and the first letter is
    capitalised. A journey path (steps joined by " → ") is worded step by step.

    >>> reader_label("ivr"), reader_label("agent_call"), reader_label("e-mail")
    ('IVR', 'Agent call', 'E-mail')
    >>> reader_label("control"), reader_label("Seat comfort"), reader_label("(end)")
    ('Control', 'Seat comfort', '(end)')
    >>> reader_label("web visit → ivr → (end)")
    'Web visit → IVR → (end)'
    """
    text = str(name)
    if labels and text in labels:
        return str(labels[text])
    if SEP in text:
        return SEP.join(reader_label(part, labels) for part in text.split(SEP))
    if text.startswith("(") or any(c.isupper() for c in text):
        return text.replace("_", " ")
    words = METRIC_LABELS.get(text, text).replace("_", " ")
    words = _ACRONYM.sub(lambda m: m.group(1).upper(), words)
    return words[:1].upper() + words[1:]


def arm_label(name: Any, labels: Mapping[str, str] | None = None) -> str:
    """An arm (variant) name in reader words: :func:`reader_label`'s rule (a name given in
    ``labels`` as given there, else underscores as spaces and the first letter capitalised).

    An arm name is the arm's proper name: it keeps its capital inside a sentence or a table
    cell too ("New script vs Control", "New script: resolution rose …", "against Control"),
    so a reader meets one spelling of each arm in text, tables and charts.

    >>> arm_label("gate_30"), arm_label("new_script"), arm_label("control"), arm_label("Variant B")
    ('Gate 30', 'New script', 'Control', 'Variant B')
    >>> arm_label("gate_40", {"gate_40": "Gate at level 40"})
    'Gate at level 40'
    """
    return reader_label(name, labels)


def arm_labels(names: Iterable[Any], labels: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{name: reader label}`` for every arm name (:func:`arm_label`'s rule), e.g. to relabel
    an arm column once so text, tables and charts show the same words.

    Two names that would get the same label keep their own names (a label must name one arm).

    >>> arm_labels(["gate_30", "gate_40"])
    {'gate_30': 'Gate 30', 'gate_40': 'Gate 40'}
    >>> arm_labels(["a_b", "a b"])
    {'a_b': 'a_b', 'a b': 'a b'}
    """
    names = [str(n) for n in names]
    out = {n: arm_label(n, labels) for n in names}
    shown = list(out.values())
    return {n: (v if shown.count(v) == 1 else n) for n, v in out.items()}


def decision_label(decision: str) -> str:
    """``better`` / ``within_margin`` / ``no_detectable_change`` … in reader words.

    >>> decision_label("no_detectable_change")
    'cannot tell'
    """
    return DECISION_LABELS.get(str(decision), str(decision).replace("_", " "))


def _unit(name: str | None, unit: str | None) -> str:
    if unit is not None:
        return unit
    if not name:
        return ""
    return METRIC_UNITS.get(str(name)) or (POINTS if str(name) in METRIC_SCALES else "")


def _scale(name: str, kind: str, scale: str | None) -> str:
    """`` on the 1–5 scale`` for a rating mean (``scale=`` or ``schema.METRIC_SCALES``), else
    ``""``."""
    if _kind(kind) != "mean":
        return ""
    scale = METRIC_SCALES.get(str(name)) if scale is None else scale
    return f" on the {scale} scale" if scale else ""


def _num(v: float, digits: int, signed: bool) -> str:
    text = f"{v:{'+' if signed else ''},.{digits}f}"
    return "0" + text[2:] if text.startswith(("+0", "-0")) and float(text) == 0 else text


def value(v: Any, *, kind: str = "mean", unit: str = "") -> str:
    """A level (not a difference): rates as %, NPS and means as numbers with their unit.

    >>> value(0.745, kind="proportion"), value(32.04, kind="nps"), value(405.2, unit="s")
    ('74.5%', '32.0', '405 s')
    >>> value(4580, kind="count"), value(None)
    ('4,580', '–')
    """
    if _missing(v):
        return "–"
    k = _kind(kind)
    if k == "proportion":
        return f"{v * 100:.1f}%"
    if k == "count":
        return f"{round(v):,}"
    digits = 1 if k == "nps" or abs(v) < 100 else 0
    if abs(v) < 1 and k == "mean":
        digits = 3
    return _num(v, digits, False) + (f" {unit}" if unit else "")


def difference(v: Any, *, kind: str = "mean", unit: str = "", signed: bool = True) -> str:
    """A difference in the unit of what it compares: rates and NPS in points.

    >>> difference(0.0558, kind="proportion"), difference(-21.3, unit="s"), difference(19.1, kind="nps")
    ('+5.6 pts', '-21.3 s', '+19.1 pts')
    >>> difference(-0.0558, kind="proportion", signed=False)
    '5.6 pts'
    """
    if _missing(v):
        return "–"
    unit = POINTS if _kind(kind) in ("proportion", "nps") else unit
    return _diff(v, kind, signed) + (f" {unit}" if unit else "")


def _diff(v: float, kind: str, signed: bool, size: float | None = None) -> str:
    k = _kind(kind)
    scale = 100 if k == "proportion" else 1
    x = v * scale if signed else abs(v * scale)
    big = abs(x) if size is None else abs(size * scale)
    digits = 1 if big >= 0.1 or big == 0 else 2
    digits = 2 if k == "mean" and 0.1 <= big < 1 else digits  # 0.25 on a 1–5 scale, not 0.3
    digits = 3 if k == "mean" and 0 < big < 0.01 else digits
    return _num(x, digits, signed)


def _bare_interval(low: Any, high: Any, kind: str) -> str:
    if _missing(low) or _missing(high):
        return "–"
    signed, size = low < 0, max(abs(low), abs(high))
    return f"{_diff(low, kind, signed, size)} to {_diff(high, kind, signed, size)}"


def relative(v: Any) -> str:
    """A relative change in %.

    >>> relative(0.0809), relative(-0.271)
    ('+8.1%', '-27.1%')
    """
    return "–" if _missing(v) else f"{v * 100:+.1f}%"


def interval(low: Any, high: Any, *, kind: str = "mean", unit: str = "") -> str:
    """An interval of a difference, written ``3.7 to 7.5 pts`` (signs only when it spans 0 or
    lies below it).

    >>> interval(0.0368, 0.0748, kind="proportion"), interval(-0.026, 0.0028, kind="proportion")
    ('3.7 to 7.5 pts', '-2.6 to +0.3 pts')
    >>> interval(-25.6, -17.0, unit="s")
    '-25.6 to -17.0 s'
    """
    text = _bare_interval(low, high, kind)
    if text == "–":
        return text
    if _kind(kind) in ("proportion", "nps"):
        unit = POINTS
    return text + (f" {unit}" if unit else "")


def clarity(p: Any, alpha: float = 0.05) -> str:
    """``statistically clear`` when ``p < alpha``, else ``not statistically clear``.

    >>> clarity(0.001), clarity(0.074), clarity(None)
    ('statistically clear', 'not statistically clear', 'not statistically clear')
    """
    return "statistically clear" if not _missing(p) and p < alpha else "not statistically clear"


def direction(effect: float, *, past: bool = True) -> str:
    """``rose`` / ``fell`` (``up`` / ``down`` with ``past=False``).

    >>> direction(0.2), direction(-3, past=False)
    ('rose', 'down')
    """
    if past:
        return "rose" if effect > 0 else "fell"
    return "up" if effect > 0 else "down"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def change(
    name: str,
    effect: Any,
    ci_low: Any,
    ci_high: Any,
    *,
    kind: str = "mean",
    p: Any = None,
    alpha: float = 0.05,
    clear: bool | None = None,
    unit: str | None = None,
    subject: str = "",
    scale: str | None = None,
) -> str:
    """One sentence for a difference: its direction, size and interval, and whether it is clear.

    ``clear`` (default: ``p < alpha``) says whether the data settle the direction. A result that
    is not clear says the data cannot tell, with the interval; it never says "unchanged".
    ``subject`` names what changed it (``"The new script"``). Every number carries its unit:
    ``unit=`` or the metric's (``schema.METRIC_UNITS``; a rating mean of
    ``schema.METRIC_SCALES`` moves in points of its scale); a rating mean also names its scale
    (``scale="1–10"``, by default ``schema.METRIC_SCALES``: CSAT 1–5).

    Examples
    --------
    >>> change("handle_time", -21.3, -25.6, -17.0, p=1e-18, subject="The new script")
    'With the new script, handle time fell 21.3 s (-25.6 to -17.0 s), statistically clear.'
    >>> change("nps", 19.1, 13.3, 25.0, kind="nps", clear=True)
    'NPS rose 19.1 pts (13.3 to 25.0 pts), statistically clear.'
    >>> change("csat", 0.254, 0.183, 0.325, clear=True)
    'CSAT rose 0.25 pts (0.18 to 0.33 pts on the 1–5 scale), statistically clear.'
    >>> change("csat", None, None, None)
    'CSAT could not be estimated (too few answers).'
    """
    label = metric_label(name)
    if _missing(effect):
        return f"{_cap(label)} could not be estimated (too few answers)."
    u = _unit(name, unit)
    ci = interval(ci_low, ci_high, kind=kind, unit=u) + _scale(name, kind, scale)
    is_clear = clarity(p, alpha) == "statistically clear" if clear is None else clear
    if is_clear and effect != 0:
        size = difference(effect, kind=kind, unit=u, signed=False)
        lead = f"With {subject[:1].lower() + subject[1:]}, {label}" if subject else _cap(label)
        return f"{lead} {direction(effect)} {size} ({ci}), statistically clear."
    eff = difference(effect, kind=kind, unit=u)
    lo_hi = ci.replace(" to ", " and ", 1)
    return f"The data cannot tell whether {label} changed: {eff}, somewhere between {lo_hi}."


def guardrail(
    name: str,
    effect: Any,
    ci_low: Any,
    ci_high: Any,
    *,
    margin: float | None,
    decision: str,
    kind: str = "mean",
    higher_is_better: bool = True,
    unit: str | None = None,
    scale: str | None = None,
) -> str:
    """One sentence for a guardrail: held within its margin, breached, or not yet settled
    (units and scales as in :func:`change`).

    Examples
    --------
    >>> guardrail("repeat_contact", -0.011, -0.026, 0.003, margin=0.02, decision="within_margin",
    ...           kind="proportion", higher_is_better=False)
    'Guardrail held: repeat contacts stayed within its 2.0 pts margin (-1.1 pts, -2.6 to +0.3 pts).'
    >>> guardrail("repeat_contact", 0.031, 0.012, 0.05, margin=0.02, decision="worse",
    ...           kind="proportion", higher_is_better=False)
    'Guardrail breached: repeat contacts rose 3.1 pts (1.2 to 5.0 pts), worse than its 2.0 pts margin allows.'
    """
    label = metric_label(name)
    u = _unit(name, unit)
    if _missing(effect):
        return f"Guardrail {label} could not be estimated (too few answers)."
    ci = interval(ci_low, ci_high, kind=kind, unit=u) + _scale(name, kind, scale)
    eff = difference(effect, kind=kind, unit=u)
    marg = (
        f"its {difference(margin, kind=kind, unit=u, signed=False)} margin"
        if margin
        else "its margin"
    )
    if decision == "worse":
        size = difference(effect, kind=kind, unit=u, signed=False)
        return f"Guardrail breached: {label} {direction(effect)} {size} ({ci}), worse than {marg} allows."
    if decision in ("within_margin", "non_inferior", "better"):
        return f"Guardrail held: {label} stayed within {marg} ({eff}, {ci})."
    return (
        f"Guardrail not settled: the data cannot rule out that {label} moved beyond {marg} "
        f"({eff}, {ci})."
    )


def association(
    name: str,
    effect: Any,
    ci_low: Any = None,
    ci_high: Any = None,
    *,
    outcome: str,
    kind: str = "proportion",
    who: str = "Customers whose journey included",
) -> str:
    """An associational result worded as an association, never as a cause.

    >>> association("web visit", 0.12, 0.08, 0.16, outcome="churned")
    'Customers whose journey included web visit churned 12.0 pts more often (8.0 to 16.0 pts): an association, not proof that it causes it.'
    """
    if _missing(effect):
        return f"{who} {name}: too few customers to compare."
    size = difference(effect, kind=kind, signed=False)
    more = "more" if effect > 0 else "less"
    ci = "" if _missing(ci_low) else f" ({interval(ci_low, ci_high, kind=kind)})"
    return (
        f"{who} {name} {str(outcome).replace('_', ' ')} {size} {more} often{ci}: an association, "
        "not proof that it causes it."
    )


def duration(seconds: Any) -> str:
    """A duration in reader units: ``1 d 17 h``, ``3 h 20 min``, ``4 min 10 s``, ``12 s``.

    >>> duration(147600), duration(12000), duration(250), duration(12.4), duration(None)
    ('1 d 17 h', '3 h 20 min', '4 min 10 s', '12 s', '–')
    """
    if _missing(seconds):
        return "–"
    s = round(float(seconds))
    sign, s = ("-" if s < 0 else ""), abs(s)
    units = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))
    for i, (name, size) in enumerate(units[:-1]):
        if s >= size:
            nxt_name, nxt_size = units[i + 1]
            rest = round((s % size) / nxt_size)
            big = s // size
            if rest * nxt_size >= size:
                big, rest = big + 1, 0
            return sign + f"{big} {name}" + (f" {rest} {nxt_name}" if rest else "")
    return f"{sign}{s} s"


def verdict(rows: Iterable[Mapping[str, Any]], *, alarm: str = "") -> str:
    """The one-line verdict of an A/B test from its pre-declared primary metrics and guardrails.

    Each row has ``metric``, ``kind``, ``role`` (``"primary"`` / ``"guardrail"``),
    ``decision``, ``effect``, ``ci_low``, ``ci_high`` and optionally ``higher_is_better``,
    ``unit``. ``alarm`` names a data-quality check that raised an alarm.

    Examples
    --------
    >>> rows = [dict(metric="resolved", kind="proportion", role="primary", decision="better",
    ...              effect=0.056, ci_low=0.037, ci_high=0.075),
    ...         dict(metric="repeat_contact", kind="proportion", role="guardrail",
    ...              decision="within_margin", effect=-0.011, ci_low=-0.026, ci_high=0.003)]
    >>> verdict(rows)
    'Roll out: resolution up 5.6 pts (3.7 to 7.5 pts), no guardrail breached.'
    >>> verdict([{**rows[1], "decision": "worse", "effect": 0.03, "ci_low": 0.01, "ci_high": 0.05}])
    'Do not roll out: guardrail repeat contacts up 3.0 pts (1.0 to 5.0 pts), beyond its margin.'
    >>> verdict([{**rows[0], "decision": "no_detectable_change", "effect": 0.004, "ci_low": -0.01}])
    'No decision: the data cannot tell whether resolution changed (-1.0 to +7.5 pts).'
    """
    rows = [dict(r) for r in rows]
    if alarm:
        return f"Hold: the {alarm} check raised an alarm; find the cause before deciding."
    guards = [r for r in rows if r.get("role") == "guardrail"]
    primary = [r for r in rows if r.get("role", "primary") != "guardrail"]

    def short(r: Mapping[str, Any], verb: bool = True) -> str:
        u = _unit(r["metric"], r.get("unit"))
        size = difference(r["effect"], kind=r.get("kind", "mean"), unit=u, signed=False)
        ci = interval(r["ci_low"], r["ci_high"], kind=r.get("kind", "mean"), unit=u)
        way = f" {direction(r['effect'], past=False)}" if verb else ""
        return f"{metric_label(r['metric'])}{way} {size} ({ci})"

    breached = [r for r in guards if r.get("decision") == "worse"]
    if breached:
        return f"Do not roll out: guardrail {short(breached[0])}, beyond its margin."
    worse = [r for r in primary if r.get("decision") == "worse"]
    if worse:
        return f"Do not roll out: {short(worse[0])}, the wrong way."
    unsettled = [r for r in guards if r.get("decision") == "inconclusive"]
    better = [r for r in primary if r.get("decision") == "better"]
    if better:
        gains = ", ".join(short(r) for r in better[:2])
        if unsettled:
            name = metric_label(unsettled[0]["metric"])
            return f"Roll out with care: {gains}, but guardrail {name} is not yet settled."
        tail = ", no guardrail breached" if guards else ""
        return f"Roll out: {gains}{tail}."
    if not primary:
        return "No decision: no primary metric was declared."
    r = primary[0]
    u = _unit(r["metric"], r.get("unit"))
    ci = interval(r.get("ci_low"), r.get("ci_high"), kind=r.get("kind", "mean"), unit=u)
    return f"No decision: the data cannot tell whether {metric_label(r['metric'])} changed ({ci})."


def snake_case_words(text: str) -> list[str]:
    """The snake_case identifiers in ``text`` (what a reader should never see).

    >>> snake_case_words("raised resolved by 5.6 points (p_adj = 5.2e-08)")
    ['p_adj']
    """
    return _SNAKE.findall(str(text))
