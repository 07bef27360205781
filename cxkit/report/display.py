"""Helpers that notebooks call to show results safely and record headline numbers.

* :func:`record` stores a headline number; the report runner collects it into
  ``results.json`` beside the HTML.
* :func:`findings` shows plain-language findings; text from data is escaped, so a touchpoint
  called ``<img src=x onerror=alert(1)>`` stays inert text.
* :func:`table` shows a result frame as an escaped HTML table, formatting numbers only here.
* :func:`headline` gives the report its headline box (3–5 findings and the verdict).
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

__all__ = [
    "RECORD_MIMETYPE",
    "Shown",
    "analysis_html",
    "analysis_text",
    "findings",
    "headline",
    "json_safe",
    "record",
    "recorded",
    "table",
    "table_text",
]

RECORD_MIMETYPE = "application/vnd.cxkit.record+json"
_RECORDED: dict[str, Any] = {}


def json_safe(value: Any) -> Any:
    """Convert ``value`` to plain JSON types (numpy/polars scalars, dates, NaN → None).

    >>> json_safe({"a": float("nan"), "b": (1, 2)})
    {'a': None, 'b': [1, 2]}
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, pl.DataFrame):
        return [json_safe(r) for r in value.to_dicts()]
    if isinstance(value, pl.Series):
        return [json_safe(v) for v in value.to_list()]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return json_safe(value.item())
    if hasattr(value, "tolist"):
        return json_safe(value.tolist())
    if isinstance(value, Iterable):
        return [json_safe(v) for v in value]
    raise TypeError(f"cannot record a value of type {type(value).__name__}: convert it first")


def record(name: str, value: Any, *, label: str | None = None) -> Any:
    """Record a headline number for ``results.json`` and return ``value`` unchanged.

    In a report run the value is written into the executed notebook as a hidden output
    that the report runner collects. Interactively it is simply kept in :func:`recorded`.

    >>> record("n_customers", 4580)
    4580
    >>> recorded()["n_customers"]
    4580
    """
    if not isinstance(name, str) or not name:
        raise ValueError("record() needs a non-empty name, e.g. record('csat', 0.81)")
    safe = json_safe(value)
    _RECORDED[name] = safe
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display(
                {RECORD_MIMETYPE: {"name": name, "value": safe, "label": label}, "text/plain": ""},
                raw=True,
            )
    except ImportError:  # pragma: no cover - IPython is a dependency
        pass
    return value


def recorded() -> dict[str, Any]:
    """The values recorded in this process so far (a copy)."""
    return dict(_RECORDED)


def _html_list(items: list[str], title: str | None) -> str:
    head = f"<h4>{html.escape(title)}</h4>" if title else ""
    body = "".join(f"<li>{html.escape(s)}</li>" for s in items)
    return f'<div class="cx-findings">{head}<ul>{body}</ul></div>'


def findings(lines: Iterable[str], *, title: str | None = "Headline findings") -> None:
    """Display plain-language findings as an escaped HTML list (never as raw markdown).

    The lines are built from results by the notebook; any text from data inside them is
    escaped, so it cannot inject markup.
    """
    items = [str(s) for s in lines]
    head = [title, ""] if title else []
    _show(Shown(_html_list(items, title), "\n".join([*head, *(f"- {s}" for s in items)])))


#: The ``record`` name of the headline (a dict: ``lines``, ``verdict``, ``context``).
HEADLINE, VERDICT, CONTEXT = "headline", "verdict", "context"


def headline(
    lines: Iterable[str], *, verdict: str | None = None, context: str | None = None
) -> None:
    """The report's headline: 3–5 plain findings, an optional verdict and a context line.

    In a report the page shows them in a box at the top (``<section class="headline">``,
    under the title); in a notebook they show where they are called. They are recorded in
    ``results.json`` (``headline``, ``verdict``, ``context``) for the index too. Build the
    sentences with :mod:`cxkit.report.wording` (or a package's ``findings`` module).

    Examples
    --------
    >>> headline(["Resolution rose 5.6 pts (3.7 to 7.5 pts), statistically clear."],
    ...          verdict="Roll out: resolution up 5.6 pts (3.7 to 7.5 pts), no guardrail breached.")
    ... # doctest: +ELLIPSIS
    Roll out: ...
    - Resolution rose 5.6 pts (3.7 to 7.5 pts), statistically clear.
    >>> recorded()["headline"]["verdict"][:8]
    'Roll out'
    """
    items = [str(s) for s in lines][:5]
    value = {"lines": items, VERDICT: verdict, CONTEXT: context}
    _RECORDED[HEADLINE] = json_safe(value)
    text = "\n".join(([verdict] if verdict else []) + [f"- {s}" for s in items])
    box = (f"<p><strong>{html.escape(verdict)}</strong></p>" if verdict else "") + _html_list(
        items, None
    )
    from IPython import get_ipython
    from IPython.display import display

    if get_ipython() is None:
        _show(Shown(box, text))
        return
    # one output: the record the report page reads (and hides), the box a notebook shows
    record_ = {"name": HEADLINE, "value": json_safe(value), "label": "Headline"}
    display({RECORD_MIMETYPE: record_, "text/html": box, "text/plain": text}, raw=True)


def _fmt(value: Any, col: str, percent_cols: set[str]) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, _dt.timedelta):
        from cxkit.report.wording import duration

        return duration(value.total_seconds())
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if col == "n" or col.startswith("n_"):
            return f"{value:,.0f}"  # a (weighted or effective) base: whole units
        if col in percent_cols:
            return f"{value * 100:.1f}%"
        if col.startswith("p_") or col == "p_value":
            return "<0.001" if value < 0.001 else f"{value:.3f}"
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, str) and col in _WORDED:
        from cxkit.report import wording

        return getattr(wording, _WORDED[col])(value)
    return str(value)


#: text columns whose values are kit keys (``no_detectable_change``, ``repeat_contact``) or
#: codes from the data (``ivr``, ``control``): shown in reader words, through the wording
#: layer's labels (codes by :func:`cxkit.report.wording.reader_label`: "IVR", "Control")
_WORDED = {"decision": "decision_label", "metric": "metric_label"} | {
    c: "reader_label" for c in ("touchpoint", "arm", "source", "target", "path", "step", "driver")
}


_VISIBLE = 7  # columns shown before the technical ones move into "More columns"
#: columns a wide table keeps visible first (the estimate, its interval and the verdict)
_KEEP = ("group", "estimate", "effect", "ci", "decision", "n", "value_at_stake", "rate_exposed",
         "rate_unexposed", "control_value", "treatment_value")  # fmt: skip


def _interval_col(frame: pl.DataFrame, pct: set[str]) -> tuple[pl.DataFrame, set[str]]:
    """``ci_low`` and ``ci_high`` as one ``ci`` column written "a to b" (where ``ci_low`` was)."""
    if not {"ci_low", "ci_high"} <= set(frame.columns):
        return frame, pct
    lo_hi = [
        "–"
        if lo is None or hi is None
        else f"{_fmt(lo, 'ci_low', pct)} to {_fmt(hi, 'ci_high', pct)}"
        for lo, hi in zip(frame["ci_low"].to_list(), frame["ci_high"].to_list(), strict=True)
    ]
    at = frame.columns.index("ci_low")
    out = frame.drop("ci_high").with_columns(pl.Series("ci_low", lo_hi, dtype=pl.String))
    return out.rename({"ci_low": "ci"}).select(
        out.columns[:at] + ["ci"] + out.columns[at + 1 :]
    ), pct


def _html_rows(shown: pl.DataFrame, pct: set[str]) -> str:
    return "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(_fmt(v, c, pct))}</td>"
            for v, c in zip(row, shown.columns, strict=True)
        )
        + "</tr>"
        for row in shown.iter_rows()
    )


def _html_table(shown: pl.DataFrame, pct: set[str], cap: str = "") -> str:
    from cxkit.report.wording import column_label

    head = "".join(f"<th>{html.escape(column_label(c))}</th>" for c in shown.columns)
    kind = "cx-table cx-wide" if shown.width > 6 else "cx-table"  # smaller type, still no scroll
    return (
        f'<table class="{kind}">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{_html_rows(shown, pct)}</tbody></table>"
    )


def _mask_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """Id columns (``customer_id``, ``Customer ID``, ``cust_id``, ``client``, … — the report's
    :class:`~cxkit.report.masking.Masker` names) shown as ``•••``: no raw id in a displayed table,
    in a notebook as in a report."""
    from cxkit.report.masking import MASK, Masker

    masker = Masker()
    ids = [c for c in frame.columns if masker.is_id(c)]
    return frame.with_columns(pl.lit(MASK).alias(c) for c in ids) if ids else frame


def table_html(
    frame: pl.DataFrame,
    *,
    percent: Iterable[str] = (),
    max_rows: int = 50,
    caption: str | None = None,
    columns: Iterable[str] | None = None,
) -> str:
    """Render ``frame`` as an escaped HTML table string (see :func:`table`).

    Headers are reader words from ``cxkit.schema.COLUMN_LABELS``; ``ci_low`` / ``ci_high``
    become one interval column "a to b"; in a wide frame the technical columns
    (``schema.TECHNICAL_COLUMNS``: ``n_eff``, ``p_value``, ``se``, …) move into a collapsed
    "More columns" table beside the first column. ``columns`` names the columns to keep
    visible after the first (``"ci_low"`` or ``"ci"`` for the interval); every other column
    goes into "More columns" — for a table whose useful columns the kit cannot guess.

    >>> print(table_html(pl.DataFrame({"touchpoint": ["<b>x</b>"], "share": [0.5]}), percent=["share"]))
    <table class="cx-table"><thead><tr><th>Touchpoint</th><th>Share</th></tr></thead><tbody><tr><td>&lt;b&gt;x&lt;/b&gt;</td><td>50.0%</td></tr></tbody></table>
    """
    from cxkit.schema import TECHNICAL_COLUMNS

    shown, pct = _interval_col(_mask_ids(frame.head(max_rows)), set(percent))
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    extra = [c for c in shown.columns[1:] if c in TECHNICAL_COLUMNS]
    plain = [c for c in shown.columns[1:] if c not in extra]
    if columns is not None:  # the caller's choice of visible columns, in the frame's order
        wanted = {"ci" if c in ("ci_low", "ci_high") else c for c in columns}
        extra = [c for c in shown.columns[1:] if c not in wanted]
    elif len(plain) >= _VISIBLE:  # still too wide: the reader's columns first, the rest below
        keep = [c for c in plain if c in _KEEP][: _VISIBLE - 1]
        keep = (keep + [c for c in plain if c not in keep])[: _VISIBLE - 1]
        extra = [c for c in shown.columns[1:] if c not in keep]
    if not extra or (columns is None and shown.width <= _VISIBLE):
        out = _html_table(shown, pct, cap)
    else:
        main = shown.drop(extra)
        detail = shown.select([shown.columns[0], *extra])
        out = (
            _html_table(main, pct, cap)
            + '<details class="cx-more-columns"><summary>More columns</summary>'
            + _html_table(detail, pct)
            + "</details>"
        )
    more = ""
    if frame.height > max_rows:
        more = f'<p class="cx-more">{frame.height - max_rows:,} more rows not shown.</p>'
    return out + more


def table(
    frame: pl.DataFrame,
    *,
    percent: Iterable[str] = (),
    max_rows: int = 50,
    caption: str | None = None,
    columns: Iterable[str] | None = None,
) -> None:
    """Display a result frame as an HTML table with every cell escaped.

    Shares listed in ``percent`` are shown as %; p-values as ``<0.001`` or 3 decimals.
    ``columns`` names the columns shown after the first; the others go into an expandable
    "More columns" table (see :func:`table_html`).
    """
    html_text = table_html(
        frame, percent=percent, max_rows=max_rows, caption=caption, columns=columns
    )
    _show(Shown(html_text, table_text(frame, percent=percent, max_rows=max_rows, caption=caption)))


def table_text(
    frame: pl.DataFrame,
    *,
    percent: Iterable[str] = (),
    max_rows: int = 50,
    caption: str | None = None,
) -> str:
    """``frame`` as aligned plain text, numbers formatted as in :func:`table_html`.

    >>> print(table_text(pl.DataFrame({"touchpoint": ["web", "ivr"], "share": [0.5, 0.25]}),
    ...                  percent=["share"]))
    touchpoint  share
    Web         50.0%
    IVR         25.0%
    """
    pct = set(percent)
    shown = _mask_ids(frame.head(max_rows))
    cells = [[str(c) for c in shown.columns]] + [
        [_fmt(v, c, pct) for v, c in zip(row, shown.columns, strict=True)]
        for row in shown.iter_rows()
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(shown.columns))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    if frame.height > max_rows:
        lines.append(f"{frame.height - max_rows:,} more rows not shown.")
    return "\n".join(([caption] if caption else []) + lines)


class Shown:
    """What :func:`table` and :func:`findings` display: escaped HTML in a notebook, plain
    text (``str``/``repr``) anywhere else.

    >>> print(Shown("<b>x</b>", "x"))
    x
    """

    def __init__(self, html_text: str, text: str) -> None:
        self._html, self._text = html_text, text

    def _repr_html_(self) -> str:
        return self._html

    def __repr__(self) -> str:
        return self._text


def _show(obj: Shown) -> None:
    """Display in IPython; outside it, IPython's ``display`` prints the text."""
    from IPython.display import display

    display(obj)


_CHECK_LABELS = {"sample_ratio": "Sample ratio (SRM)", "response_rate": "Survey response rate"}


def _badge(text: str, colour: str) -> str:
    return (
        f'<span class="cx-badge" style="color:#fff;background-color:{colour};'
        f'padding:0 6px;border-radius:4px">{html.escape(text)}</span>'
    )


def _colour(decision_code: str) -> str:
    """A decision badge's colour, keyed on the decision code (``within_margin``), not its words."""
    from cxkit.report.effects import DECISION_COLOURS

    return DECISION_COLOURS.get(decision_code, "#777777")


def _effect_rows(effects: pl.DataFrame, kinds: Mapping[str, str]) -> list[dict[str, str]]:
    """One dict of display strings per metric × arm, each in its own unit
    (:func:`cxkit.report.effects.effect_rows`: the same words as the effect tables)."""
    from cxkit.report.effects import effect_rows

    return effect_rows(effects, kinds)


def _versus(row: Mapping[str, str], control: str) -> str:
    """``"New script vs Control"``: both arms by :func:`cxkit.report.wording.arm_label` (an arm
    name is the arm's proper name, capitalised even inside a sentence), the row's own control
    first (every pair of arms compares its own), else ``control``."""
    from cxkit.report import wording

    base = row.get("control_arm") or (wording.arm_label(control) if control else "")
    return f"{row['arm']} vs {base}" if base else row["arm"]


def analysis_html(
    checks: pl.DataFrame,
    effects: pl.DataFrame,
    *,
    kinds: Mapping[str, str],
    verdict: Iterable[str],
    control: str = "",
    level: int = 95,
) -> str:
    """An A/B analysis as escaped HTML: the checks with alarm badges, then the effects with
    their units and intervals, then the verdict (what ``Analysis`` shows in a notebook)."""
    check_rows = "".join(
        f"<tr><td>{html.escape(_CHECK_LABELS.get(r['check'], str(r['check'])))}</td>"
        f"<td>{_fmt(r.get('n'), 'n', set())}</td><td>{html.escape(_fmt(r['p_value'], 'p_value', set()))}</td>"
        f"<td>{_badge('ALARM', '#D55E00') if r['alarm'] else _badge('ok', '#009E73')}</td></tr>"
        for r in checks.iter_rows(named=True)
    )
    eff = _effect_rows(effects, kinds)
    effect_rows = "".join(
        f"<tr><td>{html.escape(e['metric'])}</td><td>{html.escape(_versus(e, control))}</td>"
        f"<td>{html.escape(e['control'])}</td><td>{html.escape(e['treatment'])}</td>"
        f"<td><strong>{html.escape(e['effect'])}</strong></td><td>{html.escape(e['ci'])}</td>"
        f"<td>{html.escape(e['p_adj'])}</td>"
        f"<td>{_badge(e['decision'], _colour(e['decision_code']))}</td></tr>"
        for e in eff
    )
    return (
        '<div class="cx-analysis"><h4>Checks (read these first)</h4>'
        '<table class="cx-table"><thead><tr><th>check</th><th>n</th><th>p-value</th>'
        f"<th>status</th></tr></thead><tbody>{check_rows}</tbody></table>"
        '<h4>Effects</h4><table class="cx-table"><thead><tr><th>metric</th><th>arm</th>'
        "<th>control</th><th>treatment</th><th>effect</th>"
        f"<th>{level}% CI</th><th>p-value (corrected)</th><th>decision</th></tr></thead>"
        f"<tbody>{effect_rows}</tbody></table>"
        "<p><small>Shares in %, effects on shares and NPS in points (pts).</small></p>"
        f"{_html_list([str(v) for v in verdict], 'Verdict')}</div>"
    )


def analysis_text(
    checks: pl.DataFrame,
    effects: pl.DataFrame,
    *,
    kinds: Mapping[str, str],
    verdict: Iterable[str],
    control: str = "",
    level: int = 95,
) -> str:
    """The same as :func:`analysis_html`, as plain text (what ``print(analysis)`` shows)."""
    lines = ["Checks:"]
    for r in checks.iter_rows(named=True):
        status = "ALARM" if r["alarm"] else "ok"
        label = _CHECK_LABELS.get(r["check"], str(r["check"]))
        lines.append(f"  {label}: {status} (p = {_fmt(r['p_value'], 'p_value', set())})")
    lines.append("Effects:")
    for e in _effect_rows(effects, kinds):
        lines.append(
            f"  {e['metric']} [{_versus(e, control)}]: {e['control']} → {e['treatment']}, effect "
            f"{e['effect']} ({level}% CI {e['ci']}), corrected p {e['p_adj']}, {e['decision']}"
        )
    lines += ["Verdict:", *(f"  - {v}" for v in verdict)]
    return "\n".join(lines)
