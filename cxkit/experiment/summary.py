"""Plain-language decision summary of an experiment analysis."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxkit.experiment.spec import Metric

if TYPE_CHECKING:  # pragma: no cover
    from cxkit.experiment.analysis import Analysis

__all__ = ["decision_summary"]


def _fmt_value(v: float, m: Metric, *, diff: bool) -> str:
    if m.kind == "proportion":
        return f"{v * 100:+.1f} points" if diff else f"{v * 100:.1f}%"
    if m.kind == "nps":
        return f"{v:+.1f} NPS points" if diff else f"{v:.1f}"
    if m.kind == "ordinal":
        return f"{v:+.3f}" if diff else f"{v:.3f}"
    return f"{v:+,.3g}" if diff else f"{v:,.3g}"


def decision_summary(analysis: Analysis, *, change: str = "The change") -> list[str]:
    """Plain-language sentences computed from an :class:`Analysis` (checks first).

    Returns
    -------
    list of str
        One sentence per check alarm and per metric × treatment arm.

    Examples
    --------
    >>> import polars as pl
    >>> from cxkit.experiment import from_aggregates
    >>> agg = pl.DataFrame({"metric": ["resolved"] * 2, "arm": ["old", "new"], "n_units": [1000, 1000],
    ...                     "n": [1000, 1000], "sum": [700.0, 745.0], "sum_sq": [700.0, 745.0]})
    >>> res = from_aggregates(agg, control="old", metrics={"resolved": "proportion"})
    >>> decision_summary(res, change="The new script")[-1]
    'new: The new script raised resolved by +4.5 points (95% CI +0.6 points to +8.4 points, p_adj = 0.025).'
    """
    out: list[str] = []
    for row in analysis.checks.iter_rows(named=True):
        name = "sample ratio" if row["check"] == "sample_ratio" else "survey response rate"
        if row["alarm"]:
            out.append(
                f"WARNING: the {name} differs between arms (p = {row['p_value']:.2g}); "
                "the effects below may be biased — investigate before deciding."
            )
        else:
            out.append(f"The {name} check passed (p = {row['p_value']:.2g}).")
    specs = {m.label: m for m in analysis.metrics}
    level = round((1 - analysis.alpha) * 100)
    for row in analysis.effects.iter_rows(named=True):
        m = specs[row["metric"]]
        if row["effect"] is None:
            out.append(f"{row['arm']}: {row['metric']} could not be estimated (too few units).")
            continue
        ci = (
            f"{level}% CI {_fmt_value(row['ci_low'], m, diff=True)} to "
            f"{_fmt_value(row['ci_high'], m, diff=True)}"
        )
        eff = _fmt_value(row["effect"], m, diff=True)
        dec = row["decision"]
        if dec in ("better", "worse"):
            verb = "raised" if row["effect"] > 0 else "lowered"
            eff = eff.lstrip("+-")
            text = f"{change} {verb} {row['metric']} by {eff} ({ci}, p_adj = {row['p_adj']:.2g})."
        elif dec == "within_margin":
            text = (
                f"{row['metric']} stayed within its margin of "
                f"{_fmt_value(m.margin, m, diff=True).lstrip('+')} ({eff}, {ci})."
            )
        elif dec == "non_inferior":
            text = (
                f"{row['metric']} is non-inferior: the change is not worse by its margin or "
                f"more ({eff}, {ci}, p_adj = {row['p_adj']:.2g})."
            )
        elif dec == "inconclusive":
            text = f"{row['metric']}: inconclusive — the data cannot rule out a harm beyond the margin ({eff}, {ci})."
        else:
            text = f"{row['metric']} unchanged: no detectable difference ({eff}, {ci})."
        out.append(f"{row['arm']}: {text}")
    return out
