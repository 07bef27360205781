"""Direction of a test, non-inferiority, relative effects and the decision of one comparison.

* **One-sided tests** (``Metric(alternative="greater" | "less")``): the interval is the
  one-sided ``1 − α`` bound (the matching end of the method's two-sided ``1 − 2α`` interval;
  the other end is infinite, as in tea-tasting) and the p-value is one-sided: half the
  two-sided one when the effect lies on the alternative's side, else ``1 − p/2``.
* **Non-inferiority** (a one-sided ``alternative`` pointing in the good direction and a
  ``margin``): H0 ``effect ≤ −margin`` (``"greater"``) or ``effect ≥ margin`` (``"less"``),
  tested with the comparison's SE and df: ``p = P(T ≥ (effect + margin) / se)``. The margin
  is in the metric's unit, or a share of the control value with ``relative_margin=True``.
  The decision ``"non_inferior"`` agrees with the one-sided bound clearing the margin.
* **Relative effects** ``rel_effect = treatment / control − 1`` with the interval of the log
  ratio by the delta method, ``se² = v_t / T² + v_c / C²`` with the same reference
  distribution as the effect (t with Welch–Satterthwaite df on the scaled variances, or z) —
  tea-tasting's definition; defined when both values are positive. Ordinal metrics have
  none (their scale is a probability of superiority, not a level).
"""

from __future__ import annotations

import math

import numpy as np

from cxkit.experiment.spec import Metric
from cxkit.metrics.distributions import t_isf, t_sf

__all__ = ["DECISIONS", "decide", "directed", "margin_of", "relative"]

#: Values of the ``decision`` column.
DECISIONS = (
    "better",
    "worse",
    "no_detectable_change",
    "within_margin",
    "non_inferior",
    "inconclusive",
)


def _isf(p: float, df: float) -> float:
    """t (df finite) or normal upper quantile (cxkit.metrics.distributions = scipy.stats)."""
    return t_isf(p, df if np.isfinite(df) else np.inf)


def _sf(x: float, df: float) -> float:
    return t_sf(x, df if np.isfinite(df) else np.inf)


def margin_of(m: Metric, control_value: float) -> float | None:
    """The margin in the metric's unit (``relative_margin`` scales it by |control|)."""
    if m.margin is None:
        return None
    if m.relative_margin:
        return float(m.margin * abs(control_value)) if np.isfinite(control_value) else None
    return float(m.margin)


def directed(res: dict, res_wide: dict | None, m: Metric) -> dict:
    """A two-sided result turned into the metric's ``alternative`` (see the module notes).

    ``res_wide`` is the same comparison at level ``2α``: its interval end is the one-sided
    bound. Two-sided metrics come back unchanged."""
    if m.alternative == "two-sided" or not np.isfinite(res.get("effect", np.nan)):
        return res
    out = dict(res)
    greater = m.alternative == "greater"
    eff, se, df = res["effect"], res["se"], res["df"]
    margin = margin_of(m, res["control_value"]) or 0.0
    if greater:
        out["ci_low"], out["ci_high"] = res_wide["ci_low"], math.inf
    else:
        out["ci_low"], out["ci_high"] = -math.inf, res_wide["ci_high"]
    if margin > 0 and se > 0:
        t = (eff + margin) / se if greater else (eff - margin) / se
        out["p_value"] = float(_sf(t, df) if greater else _sf(-t, df))
    else:
        p2 = res["p_value"]
        toward = eff > 0 if greater else eff < 0
        out["p_value"] = float(p2 / 2 if toward else 1 - p2 / 2)
    return out


def relative(res: dict, alpha: float, m: Metric) -> tuple[float, float, float]:
    """``(rel_effect, rel_ci_low, rel_ci_high)`` of one comparison (NaN when undefined)."""
    nan = (float("nan"),) * 3
    cv, tv = res.get("control_value", np.nan), res.get("treatment_value", np.nan)
    if m.kind == "ordinal" or not (np.isfinite(cv) and np.isfinite(tv)):
        return nan
    rel = res["effect"] / abs(cv) if cv != 0 else float("nan")
    if "rel_ci_low" in res:  # the bootstrap's own percentile interval
        return rel, res["rel_ci_low"], res["rel_ci_high"]
    v0, v1 = res.get("var_control", np.nan), res.get("var_treatment", np.nan)
    if cv <= 0 or tv <= 0 or not (np.isfinite(v0) and np.isfinite(v1)):
        return rel, float("nan"), float("nan")
    a, b = v0 / cv**2, v1 / tv**2
    se = math.sqrt(a + b)
    df = res.get("df", np.inf)
    if np.isfinite(df):  # Welch–Satterthwaite on the log scale
        n0, n1 = res["n_control"], res["n_treatment"]
        df = (a + b) ** 2 / (a**2 / (n0 - 1) + b**2 / (n1 - 1)) if n0 > 1 and n1 > 1 else df
    log_ratio = math.log(tv / cv)
    if m.alternative == "two-sided":
        q = _isf(alpha / 2, df)
        return rel, math.exp(log_ratio - q * se) - 1, math.exp(log_ratio + q * se) - 1
    q = _isf(alpha, df)
    if m.alternative == "greater":
        return rel, math.exp(log_ratio - q * se) - 1, math.inf
    return rel, -math.inf, math.exp(log_ratio + q * se) - 1


def decide(res: dict, p_adj: float, alpha: float, m: Metric) -> str:
    """The decision of one comparison (one of :data:`DECISIONS`)."""
    effect, ci_low, ci_high = res["effect"], res["ci_low"], res["ci_high"]
    if any(v is None or not np.isfinite(v) for v in (effect, p_adj)):
        return "inconclusive"
    good = effect > 0 if m.higher_is_better else effect < 0
    sig = p_adj < alpha
    margin = margin_of(m, res["control_value"])
    if m.alternative != "two-sided":
        good_side = (m.alternative == "greater") == m.higher_is_better
        if margin:
            return "non_inferior" if sig else "inconclusive"
        if sig:
            return "better" if good_side else "worse"
        return "no_detectable_change"
    if m.role == "guardrail":
        if sig and not good:
            return "worse"
        if margin is not None:
            within = ci_low > -margin if m.higher_is_better else ci_high < margin
            return "within_margin" if within else "inconclusive"
    if sig:
        return "better" if good else "worse"
    return "no_detectable_change"
