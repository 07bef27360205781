"""The words a reader sees: finding sentences built from the loyalty result frames, and a check
for the same thing recorded under two labels (``Phone`` / ``Mobile Phone``).

Notebooks show these sentences (``cx.findings``); they never build wording themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from cxkit._frames import to_frame
from cxkit.loyalty._inputs import as_list
from cxkit.report.wording import difference, interval, metric_label

__all__ = [
    "ASSOCIATION_NOTE",
    "blank_notes",
    "hazard_findings",
    "label_variants",
    "score_findings",
    "value_findings",
]

ASSOCIATION_NOTE = (
    "These are associations, not causal effects: customers who had these experiences may "
    "differ in other ways. An A/B test of the fix (analysed with cx.experiment) shows what "
    "fixing it is actually worth."
)


def _money(x: float, currency: str) -> str:
    return f"{currency}{x:,.0f}"


_FLAG_LEVELS = {("true", "false"), ("1", "0")}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _name(labels: Mapping[str, str], key: str) -> str:
    return labels.get(key, key.replace("_", " "))


def _words(key: str) -> str:
    """A column name in lower-case words: ``CityTier`` → "city tier", ``days_since`` →
    "days since"; acronyms stay (``NPS``).

    >>> _words("CityTier"), _words("WarehouseToHome"), _words("NPS"), _words("tenure_m")
    ('city tier', 'warehouse to home', 'NPS', 'tenure m')
    """
    parts = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", str(key)) or [str(key)]
    return " ".join(p if p.isupper() and len(p) > 1 else p.lower() for p in parts)


def _in_sentence(label: str) -> str:
    """A label inside a sentence: "Churn" → "churn"; acronyms ("NPS", "CSAT") stay."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def value_findings(
    vas: pl.DataFrame,
    *,
    outcome: str = "churned",
    value: str = "value",
    labels: Mapping[str, str] | None = None,
    currency: str = "",
    top: int = 3,
) -> list[str]:
    """Headline sentences from :func:`~cxkit.loyalty.value_at_stake`, largest value first.

    ``labels`` maps an exposure column to the words after "Customers who" (``{"Complain":
    "complained"}``); ``outcome`` is the past-tense verb (``"churned"``); ``value`` names what
    was weighted (``"cashback"``). Suppressed rows are skipped; the association note ends the
    list.

    Examples
    --------
    >>> import polars as pl
    >>> v = pl.DataFrame({"exposure": ["Complain"], "n_exposed": [1604], "rate_exposed": [0.3167],
    ...     "rate_unexposed": [0.1093], "rate_ratio": [2.8976], "value_at_stake": [58975.6],
    ...     "ci_low": [52085.8], "ci_high": [65865.4], "p_value": [1e-78], "base_flag": ["ok"]})
    >>> value_findings(v, value="cashback", labels={"Complain": "complained"})[0]
    'Customers who complained churned 2.9× as often (31.7% vs 10.9%); at current volumes (1,604 customers) that is ≈ 58,976 of cashback-weighted value at stake (95% interval 52,086 to 65,865).'
    """
    labels = dict(labels or {})
    ok = vas.filter(pl.col("base_flag") == "ok").head(top)
    lines = []
    for r in ok.iter_rows(named=True):  # a few sentences
        seg = "".join(f" ({r[c]})" for c in vas.columns[: vas.columns.index("exposure")])
        ratio = r["rate_ratio"]
        how = f"{ratio:.1f}× as often" if ratio is not None and ratio >= 1 else "less often"
        lines.append(
            f"Customers who {_name(labels, r['exposure'])}{seg} {outcome} {how} "
            f"({_pct(r['rate_exposed'])} vs {_pct(r['rate_unexposed'])}); at current volumes "
            f"({r['n_exposed']:,} customers) that is ≈ {_money(r['value_at_stake'], currency)} "
            f"of {value}-weighted value at stake (95% interval {_money(r['ci_low'], currency)} to "
            f"{_money(r['ci_high'], currency)})."
        )
    return [*lines, ASSOCIATION_NOTE] if lines else []


def hazard_findings(
    hr: pl.DataFrame, *, labels: Mapping[str, str] | None = None, alpha: float = 0.05
) -> list[str]:
    """Sentences from :func:`~cxkit.loyalty.hazard_ratios`: each clear ratio, and each
    proportional-hazards violation (read that ratio as an average over time).

    Examples
    --------
    >>> import polars as pl
    >>> hr = pl.DataFrame({"factor": ["complaint"], "level": ["true"], "reference": ["false"],
    ...     "hazard_ratio": [2.04], "ci_low": [1.8], "ci_high": [2.3], "p_value": [1e-9],
    ...     "ph_violation": [False]})
    >>> hazard_findings(hr, labels={"complaint": "complained"})[0]
    'Customers who complained leave 2.04× as fast as those who did not (95% interval 1.80 to 2.30).'
    """
    labels = dict(labels or {})
    lines = []
    for r in hr.iter_rows(named=True):  # one sentence per model term
        what = labels.get(r["factor"]) or _words(r["factor"])
        flag = (str(r["level"]).lower(), str(r["reference"]).lower()) in _FLAG_LEVELS
        if flag:
            who, against = f"Customers who {what}", " as those who did not"
        elif r["reference"] is not None:
            who, against = f"Customers with {what} {r['level']}", f" as those with {r['reference']}"
        else:  # a number: the ratio is per step up of it
            who, against = f"With each step up in {what}, customers", ""
        subject = who if r["reference"] is not None else f"The ratio for {what}"
        ci = f"(95% interval {r['ci_low']:.2f} to {r['ci_high']:.2f})"
        if r["p_value"] < alpha:
            lines.append(f"{who} leave {r['hazard_ratio']:.2f}× as fast{against} {ci}.")
        if r["ph_violation"]:
            lines.append(
                f"{subject}: the ratio changes over the customers' lifetimes (proportional-"
                "hazards check failed), so read it as an average; the retention curves show when."
            )
    return lines or ["No factor changes how fast customers leave beyond chance."]


def score_findings(by_score: pl.DataFrame, *, alpha: float = 0.05) -> list[str]:
    """Do higher scores go with better outcomes? One honest sentence per outcome, from
    :func:`~cxkit.loyalty.loyalty_by_score` (the top group against the reference group).

    Outcomes whose name says they are bad (``churn``, ``left``, ``cancel``) count as better
    when lower.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.DataFrame({"outcome": ["Churn", "Churn"], "kind": ["proportion"] * 2,
    ...     "group": ["1", "5"], "n": [1164, 1108], "estimate": [0.115, 0.238],
    ...     "reference": ["1", "1"], "effect": [0.0, 0.123], "effect_ci_low": [None, 0.092],
    ...     "effect_ci_high": [None, 0.154], "p_value": [None, 1e-14], "base_flag": ["ok", "ok"]})
    >>> score_findings(s)[0][:60]
    'Higher scores do NOT go with lower churn here: 23.8% at 5 vs'
    """
    lines = []
    for (name,), part in by_score.group_by("outcome", maintain_order=True):
        outcome = _in_sentence(metric_label(name))  # reader words: "churn", "NPS"
        ok = part.filter(pl.col("base_flag") == "ok")
        if ok.height < 2:
            continue
        ref, top = ok.row(0, named=True), ok.row(-1, named=True)
        bad = any(w in str(outcome).lower() for w in ("churn", "left", "cancel", "lost"))
        kind = "proportion" if top["kind"] == "proportion" else "mean"
        f = _pct if kind == "proportion" else "{:,.2f}".format
        vals = f"{f(top['estimate'])} at {top['group']} vs {f(ref['estimate'])} at {ref['group']}"
        # a difference of two rates is in points (pts), as everywhere in the kit
        ci = (
            f"difference {difference(top['effect'], kind=kind)}, 95% interval "
            f"{interval(top['effect_ci_low'], top['effect_ci_high'], kind=kind)}"
        )
        # the better side in words: lower churn (a bad outcome), higher NPS or spend
        better = f"{'lower' if bad else 'higher'} {outcome}"
        if top["p_value"] is None or top["p_value"] >= alpha:
            lines.append(
                f"{outcome[:1].upper()}{outcome[1:]} does not differ clearly by score: {vals} ({ci})."
            )
        elif (top["effect"] < 0) == bad:
            lines.append(f"Higher scores go with {better}: {vals} ({ci}).")
        else:
            lines.append(
                f"Higher scores do NOT go with {better} here: {vals} ({ci}). "
                "A satisfaction score is not loyalty; do not use it as a proxy for retention."
            )
    return lines


def label_variants(data: Any, columns: str | Sequence[str]) -> pl.DataFrame:
    """Labels that look like the same thing written two ways, per text column.

    Two labels of a column are flagged when one is a whole word of the other (``Phone`` /
    ``Mobile Phone``) or its initials (``CC`` / ``Credit Card``, ``COD`` / ``Cash on
    Delivery``). Nothing is merged: the report names them and the reader decides.

    Returns
    -------
    polars.DataFrame
        ``column``, ``label``, ``n``, ``similar_to``, ``n_similar``, ``reason``.

    Examples
    --------
    >>> import polars as pl
    >>> d = pl.DataFrame({"device": ["Phone", "Mobile Phone", "Computer", "Mobile Phone"]})
    >>> label_variants(d, "device").select("label", "similar_to", "reason").rows()
    [('Phone', 'Mobile Phone', 'one label is a word of the other')]
    """
    frame = to_frame(data, what="data")
    rows = []
    for col in as_list(columns):  # one iteration per column; labels are few
        counts = frame.group_by(col).len().drop_nulls().sort(col)
        labels = dict(zip(counts[col].cast(pl.String), counts["len"], strict=True))
        for a in labels:
            for b in labels:
                reason = _similar(a, b)
                if reason:
                    rows.append((col, a, labels[a], b, labels[b], reason))
    schema = ["column", "label", "n", "similar_to", "n_similar", "reason"]
    return pl.DataFrame(rows, schema=schema, orient="row").with_columns(
        pl.col("n", "n_similar").cast(pl.Int64)
    )


def _similar(a: str, b: str) -> str | None:
    """Why short label ``a`` may mean long label ``b`` (``None`` when it does not)."""
    words = b.lower().split()
    if a == b or len(words) < 2:
        return None
    if a.lower() in words:
        return "one label is a word of the other"
    initials = "".join(w[0] for w in words)
    if a.isupper() and a.lower() in {initials, "".join(w[0] for w in words if len(w) > 2)}:
        return "one label is the initials of the other"
    return None


def blank_notes(
    data: Any, columns: str | Sequence[str], *, outcome: str | None = None
) -> list[str]:
    """One sentence per column with blanks: how many, that the analyses needing it leave
    those customers out, and (with ``outcome``) their outcome rate against the rest's.

    Examples
    --------
    >>> import polars as pl
    >>> d = pl.DataFrame({"Tenure": [None, 2, 3, None], "Churn": [1, 0, 0, 1]})
    >>> blank_notes(d, "Tenure", outcome="Churn")[0]
    'Tenure is blank for 2 of 4 customers (50.0%); analyses that need it leave them out. Churn among them: 100.0%, among the others: 0.0%.'
    """
    frame = to_frame(data, what="data")
    lines = []
    for col in as_list(columns):
        blank = frame[col].is_null()
        n = int(blank.sum())
        if not n:
            continue
        line = (
            f"{col} is blank for {n:,} of {frame.height:,} customers ({_pct(n / frame.height)}); "
            "analyses that need it leave them out."
        )
        if outcome is not None:
            y = frame[outcome].cast(pl.Float64)
            line += (
                f" {outcome} among them: {_pct(y.filter(blank).mean())}, among the others: "
                f"{_pct(y.filter(~blank).mean())}."
            )
        lines.append(line)
    return lines
