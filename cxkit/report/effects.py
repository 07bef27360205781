"""A/B effect tables in reader units: every row in its own metric's unit.

A result frame of an A/B test mixes metric kinds: a resolution *rate*, a handle *time* in
seconds, an *NPS*. One number format per column (what :func:`cxkit.report.display.table` does)
cannot show them all right, so the effect tables are formatted row by row, with the same
words as the findings (:mod:`cxkit.report.wording`):

* rates as % (``74.5%``) and their differences in points (``+5.6 pts``, ``3.7 to 7.5 pts``);
* NPS as a score and its differences in points;
* means in their unit (``schema.METRIC_UNITS``, e.g. ``405 s`` and ``-21.3 s``).

Examples
--------
>>> import polars as pl
>>> eff = pl.DataFrame({"metric": ["resolved", "handle_time"], "arm": ["new_script"] * 2,
...     "control_value": [0.707, 410.0], "treatment_value": [0.747, 388.7],
...     "effect": [0.04, -21.3], "ci_low": [0.021, -25.6], "ci_high": [0.059, -17.0],
...     "p_adj": [1e-5, 1e-9], "decision": ["better", "better"]})
>>> effect_frame(eff, kinds={"resolved": "proportion", "handle_time": "mean"}).rows()[1]
('handle time', 'New script', '410 s', '389 s', '-21.3 s', '-25.6 to -17.0 s', '<0.001', 'better')
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import polars as pl

from cxkit.report import wording
from cxkit.schema import METRIC_UNITS

__all__ = ["DECISION_COLOURS", "effect_frame", "effect_rows", "effect_table"]

#: Badge colours keyed on the decision *code* (not on its words, which may change).
DECISION_COLOURS = {
    "better": "#009E73",
    "worse": "#D55E00",
    "within_margin": "#009E73",
    "non_inferior": "#009E73",
}
_GREY = "#777777"


def _p(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "–"
    return "<0.001" if v < 0.001 else f"{v:.3f}"


def effect_rows(
    effects: pl.DataFrame,
    kinds: Mapping[str, str],
    units: Mapping[str, str] | None = None,
) -> list[dict[str, str]]:
    """One dict of display strings per row of an effects frame, each in its metric's unit.

    ``kinds`` maps a metric to its kind (``proportion``, ``nps``, ``mean``, …: what
    ``Analysis.details`` holds); ``units`` adds or overrides units (``{"wait": "min"}``) on
    top of ``schema.METRIC_UNITS``. Keys: ``metric`` (reader words), ``metric_code``, ``arm``
    and ``control_arm`` (arm names in reader words, ``wording.arm_label``; ``control_arm`` is
    ``""`` when the frame has no ``control`` column), ``control``, ``treatment``, ``effect``, ``ci``, ``p_adj``, ``decision`` (reader words),
    ``decision_code`` (for colours), and ``segment`` when the frame has one.

    >>> import polars as pl
    >>> e = pl.DataFrame({"metric": ["nps"], "arm": ["b"], "control_value": [20.0],
    ...     "treatment_value": [39.1], "effect": [19.1], "ci_low": [13.3], "ci_high": [25.0],
    ...     "p_adj": [0.2], "decision": ["no_detectable_change"]})
    >>> r = effect_rows(e, {"nps": "nps"})[0]
    >>> r["control"], r["effect"], r["ci"], r["decision"], r["decision_code"]
    ('20.0', '+19.1 pts', '13.3 to 25.0 pts', 'cannot tell', 'no_detectable_change')
    """
    units = {**METRIC_UNITS, **dict(units or {})}
    rows = []
    for r in effects.iter_rows(named=True):  # one row per metric x arm (a handful)
        code = str(r["metric"])
        kind = str(kinds.get(code, "mean"))
        unit = units.get(code, "")
        p = r.get("p_adj", r.get("p_value"))
        decision = str(r.get("decision") or "")
        row = {
            "metric": wording.metric_label(code),
            "metric_code": code,
            "arm": wording.arm_label(r["arm"]),
            "control_arm": wording.arm_label(r["control"]) if r.get("control") else "",
            "control": wording.value(r.get("control_value"), kind=kind, unit=unit),
            "treatment": wording.value(r.get("treatment_value"), kind=kind, unit=unit),
            "effect": wording.difference(r.get("effect"), kind=kind, unit=unit),
            "ci": wording.interval(r.get("ci_low"), r.get("ci_high"), kind=kind, unit=unit),
            "p_adj": _p(p),
            "decision": wording.decision_label(decision) if decision else "–",
            "decision_code": decision,
        }
        if "segment" in effects.columns:
            row["segment"] = str(r["segment"])
        rows.append(row)
    return rows


def effect_frame(
    effects: pl.DataFrame,
    *,
    kinds: Mapping[str, str],
    units: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """The effects as a frame of display strings (each row in its own unit), columns
    ``[segment,] metric, arm, control_value, treatment_value, effect, ci, p_adj, decision``.

    For :func:`effect_table`, or for ``cx.table`` when more columns are wanted.
    """
    rows = effect_rows(effects, kinds, units)
    cols = ["segment"] * ("segment" in effects.columns) + [
        "metric", "arm", "control", "treatment", "effect", "ci", "p_adj", "decision",
    ]  # fmt: skip
    frame = pl.DataFrame(
        {c: [r[c] for r in rows] for c in cols}, schema={c: pl.String for c in cols}
    )
    return frame.rename({"control": "control_value", "treatment": "treatment_value"})


def effect_table(
    effects: pl.DataFrame,
    *,
    kinds: Mapping[str, str],
    units: Mapping[str, str] | None = None,
    caption: str | None = None,
    level: int = 95,
    max_rows: int = 60,
) -> None:
    """Display an A/B effects frame (``Analysis.effects`` or ``.segments``) with every row in
    its own unit: rates in %, their differences in pts, NPS in points, means in their unit.

    The verdict column carries a coloured badge keyed on the decision code (better / within
    its margin green, worse orange, cannot tell grey). A note under the table names the units.

    Examples
    --------
    >>> import polars as pl
    >>> eff = pl.DataFrame({"metric": ["resolved"], "arm": ["b"], "control_value": [0.707],
    ...     "treatment_value": [0.747], "effect": [0.04], "ci_low": [0.021], "ci_high": [0.059],
    ...     "p_adj": [1e-5], "decision": ["better"]})
    >>> effect_table(eff, kinds={"resolved": "proportion"})  # doctest: +ELLIPSIS
    metric      arm  control_value  treatment_value  effect    ci              p_adj   decision
    resolution  B    70.7%          74.7%            +4.0 pts  2.1 to 5.9 pts  <0.001  better
    """
    from cxkit.report.display import Shown, _show, table_text

    rows = effect_rows(effects.head(max_rows), kinds, units)
    frame = effect_frame(effects.head(max_rows), kinds=kinds, units=units)
    _show(Shown(_html(frame, rows, caption, level), table_text(frame)))


def _html(frame: pl.DataFrame, rows: list[dict[str, str]], caption: str | None, level: int) -> str:
    heads = [
        f"Interval ({level}%)" if c == "ci" else wording.column_label(c) for c in frame.columns
    ]
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    body = []
    for cells, r in zip(frame.iter_rows(), rows, strict=True):
        tds = []
        for col, v in zip(frame.columns, cells, strict=True):
            text = html.escape(str(v))
            if col == "decision":
                colour = DECISION_COLOURS.get(r["decision_code"], _GREY)
                text = (
                    f'<span class="cx-badge" style="color:#fff;background-color:{colour};'
                    f'padding:0 6px;border-radius:4px">{text}</span>'
                )
            elif col == "effect":
                text = f"<strong>{text}</strong>"
            tds.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    kind = "cx-table cx-wide" if frame.width > 6 else "cx-table"
    note = (
        '<p class="cx-note"><small>Rates in %, differences of rates and NPS in points (pts), '
        "other metrics in their own unit; the p-value is corrected for the number of metrics "
        "compared.</small></p>"
    )
    head = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
    return (
        f'<table class="{kind}">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{note}"
    )
