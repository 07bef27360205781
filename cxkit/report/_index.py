"""The index page: one row per report with its verdict or headline, key numbers with labels
and units, and, for a failed report, its reason in plain words. Private to report."""

from __future__ import annotations

from typing import Any

from cxkit.report._page import _e, _page, format_value
from cxkit.report.display import HEADLINE, VERDICT
from cxkit.report.masking import Masker

__all__ = ["index_entry", "key_number", "render_index_html"]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def index_entry(data: dict[str, Any], folder: str) -> tuple[dict[str, Any], str | None]:
    """A ``results.json`` checked for the index: the entry, or the reason it cannot be shown.

    >>> index_entry({"name": "a", "run": {"duration_s": None}}, "a")[1] is None
    True
    >>> index_entry({"name": "a", "results": [1]}, "a")[1]
    "'results' is not an object"
    """
    kinds = {
        "run": dict,
        "results": dict,
        "labels": dict,
        "files": dict,
        "error": (dict, type(None)),
    }
    for key, kind in kinds.items():
        if key in data and not isinstance(data[key], kind):
            return data, f"{key!r} is not an object"
    run = data.get("run") or {}
    if run.get("duration_s") is not None and _number(run.get("duration_s")) is None:
        return data, "'run.duration_s' is not a number"
    entry = dict(data)
    html_name = str((data.get("files") or {}).get("html", ""))
    entry["_href"] = f"{folder}/{html_name}"
    return entry, None


def key_number(value: Any, label: str) -> str:
    """A recorded value as a key number: a fraction 0–1 of a share or rate as %, counts with
    thousands separators, lists joined (an interval of two shares as "a to b").

    >>> key_number(0.09859, "Funnel conversion, first to last step"), key_number(4580, "Customers")
    ('9.9%', '4,580')
    >>> key_number([0.433, 0.445], "Its 95% interval"), key_number(0.47, "R² of the driver model")
    ('43.3% to 44.5%', '0.47')
    """
    share = not any(w in label.lower() for w in ("r²", "ratio", "score", "nps", "value"))

    def one(v: Any) -> str:
        if isinstance(v, float) and not isinstance(v, bool) and 0 <= v <= 1 and share:
            return f"{v * 100:.1f}%"
        return format_value(v)

    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, float) for v in value):
        return f"{one(value[0])} to {one(value[1])}"
    if isinstance(value, list):
        return ", ".join(one(v) for v in value) or "none"
    return one(value)


def _summary(d: dict[str, Any], masker: Masker) -> str:
    """The verdict (A/B) or the first headline finding, then up to 4 labelled key numbers."""
    results = d.get("results") or {}
    labels = d.get("labels") or {}
    head = results.get(HEADLINE) if isinstance(results.get(HEADLINE), dict) else {}
    items = []
    if head.get(VERDICT):
        items.append(f'<li class="cx-verdict-line"><strong>{_e(str(head[VERDICT]))}</strong></li>')
    lines = [str(x) for x in head.get("lines") or []]
    items += [f"<li>{_e(x)}</li>" for x in lines[: 2 if head.get(VERDICT) else 1]]
    said = " ".join(lines[: 2 if head.get(VERDICT) else 1])
    shown = [
        (str(labels[k]), key_number(masker.json(v, str(k)), str(labels[k])))
        for k, v in results.items()
        if labels.get(k) and _key(v) and not (head.get(VERDICT) and isinstance(v, bool))
        if k != VERDICT
    ]
    # a number the finding above already gives is not repeated ("Overall satisfaction: 43.9%")
    shown = [(label, text) for label, text in shown if not _repeats(text, said)][:4]
    items += [f"<li>{_e(label)}: <strong>{_e(text)}</strong></li>" for label, text in shown]
    err = d.get("error") or {}
    if err:
        evalue = masker.error_text(str(err.get("evalue"))).splitlines()[0][:200]
        items.append(
            f"<li>This report stopped before its end: {_e(evalue)} "
            f"<small>({_e(str(err.get('ename')))})</small></li>"
        )
    return "".join(items)


def _repeats(text: str, said: str) -> bool:
    """Does the finding text ``said`` already give the key number ``text`` (as a whole word)?

    >>> _repeats("43.9%", "Overall satisfaction: 43.9% (95% interval …)"), _repeats("5", "15 days")
    (True, False)
    """
    import re

    return bool(re.search(rf"(?<![\w.,]){re.escape(text)}(?![\w]|[.,]\d)", said))


def _key(value: Any) -> bool:
    if isinstance(value, dict) or value is None:
        return False
    if isinstance(value, list):
        return 0 < len(value) <= 4 and all(not isinstance(v, list | dict) for v in value)
    return True


def render_index_html(
    entries: list[dict[str, Any]], skipped: list[tuple[str, str]] | tuple = ()
) -> str:
    """The index page: one row per report with its link, status, verdict or headline and key
    numbers; ``skipped`` names the ``results.json`` files that could not be read, and why."""
    masker = Masker()
    rows = []
    for d in entries:
        status = str(d.get("status", "failed"))
        run = d.get("run", {})
        generated = str(run.get("finished_at", "")).replace("T", " ").replace("+00:00", " UTC")
        duration = _number(run.get("duration_s"))
        rows.append(
            f'<tr><td><a href="{_e(str(d.get("_href", "")), quote=True)}">{_e(str(d.get("title", "")))}</a>'
            f'<br><span class="cx-status cx-status-{_e(status)}">{_e(status.upper())}</span></td>'
            f'<td><ul class="cx-kv">{_summary(d, masker)}</ul></td>'
            f"<td><small>{_e(generated)}<br>"
            f"{'–' if duration is None else f'{duration:.1f}'} s</small></td></tr>"
        )
    n_failed = sum(1 for d in entries if d.get("status") != "ok")
    version = entries[0].get("run", {}).get("cxkit_version", "") if entries else ""
    header = (
        f'<h1>Reports</h1><p class="cx-context">{len(entries)} report(s), {n_failed} failed.</p>'
    )
    body = (
        '<table class="cx-index"><thead><tr><th>Report</th><th>What it found</th>'
        f"<th>Generated</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p>No reports yet: run <code>cxkit report run</code>.</p>"
    )
    if skipped:
        items = "".join(f"<li>{_e(where)}: {_e(why)}</li>" for where, why in skipped)
        body += f'<section class="cx-error"><h3>Not shown: unreadable results</h3><ul>{items}</ul></section>'
    body = masker.html_text(body)
    footer = (
        f"cxkit {_e(str(version))} · every report is one offline HTML file beside its results.json."
    )
    return _page("Reports", header, body, footer)
