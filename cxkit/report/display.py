"""Helpers that notebooks call to show results safely and record headline numbers.

* :func:`record` stores a headline number; the report runner collects it into
  ``results.json`` beside the HTML.
* :func:`findings` shows plain-language findings; text from data is escaped, so a touchpoint
  called ``<img src=x onerror=alert(1)>`` stays inert text.
* :func:`table` shows a result frame as an escaped HTML table, formatting numbers only here.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

__all__ = ["RECORD_MIMETYPE", "findings", "json_safe", "record", "recorded", "table"]

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
    from IPython.display import HTML, display

    display(HTML(_html_list(items, title)))


def _fmt(value: Any, col: str, percent_cols: set[str]) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if col in percent_cols:
            return f"{value * 100:.1f}%"
        if col.startswith("p_") or col == "p_value":
            return "<0.001" if value < 0.001 else f"{value:.3f}"
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def table_html(
    frame: pl.DataFrame,
    *,
    percent: Iterable[str] = (),
    max_rows: int = 50,
    caption: str | None = None,
) -> str:
    """Render ``frame`` as an escaped HTML table string (see :func:`table`).

    >>> print(table_html(pl.DataFrame({"touchpoint": ["<b>x</b>"], "share": [0.5]}), percent=["share"]))
    <table class="cx-table"><thead><tr><th>touchpoint</th><th>share</th></tr></thead><tbody><tr><td>&lt;b&gt;x&lt;/b&gt;</td><td>50.0%</td></tr></tbody></table>
    """
    pct = set(percent)
    shown = frame.head(max_rows)
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = []
    for row in shown.iter_rows():
        cells = "".join(
            f"<td>{html.escape(_fmt(v, c, pct))}</td>"
            for v, c in zip(row, shown.columns, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    more = ""
    if frame.height > max_rows:
        more = f'<p class="cx-more">{frame.height - max_rows:,} more rows not shown.</p>'
    return (
        f'<table class="cx-table">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{more}"
    )


def table(
    frame: pl.DataFrame,
    *,
    percent: Iterable[str] = (),
    max_rows: int = 50,
    caption: str | None = None,
) -> None:
    """Display a result frame as an HTML table with every cell escaped.

    Shares listed in ``percent`` are shown as %; p-values as ``<0.001`` or 3 decimals.
    """
    from IPython.display import HTML, display

    display(HTML(table_html(frame, percent=percent, max_rows=max_rows, caption=caption)))
