"""Intervals for proportions, differences of proportions, NPS and means, and Kish's effective n.

All functions are vectorised over numpy arrays (scalars in → Python floats out) and give NaN,
never an error, where an interval cannot be computed (``n <= 0``, or ``n < 2`` for means).
Each one matches an independent reference (statsmodels, scipy or the published formula).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from cxkit._frames import bad_argument, check_choice
from cxkit.errors import CxDataError

__all__ = [
    "agresti_coull_interval",
    "kish_n_eff",
    "mean_interval",
    "newcombe_interval",
    "nps_interval",
    "proportion_interval",
    "two_proportion_p",
    "wilson_interval",
]

#: ``method=`` choices of :func:`proportion_interval` and :func:`nps_interval`.
PROPORTION_METHODS = ("wilson", "agresti_coull")
NPS_METHODS = ("adjusted_wald", "wald")


def _z(alpha: float) -> float:
    if not 0 < alpha < 1:
        raise bad_argument(
            "alpha",
            alpha,
            rule="alpha lies strictly between 0 and 1",
            hint="pass alpha=0.05 for 95 % intervals",
        )
    from cxkit.metrics.distributions import norm_isf  # = scipy.stats.norm.isf (AS 241)

    return float(norm_isf(alpha / 2))


def _as_float(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _unwrap(*arrays: np.ndarray):
    """Return Python floats for 0-d inputs, arrays otherwise."""
    return tuple(float(a) if np.ndim(a) == 0 else a for a in arrays)


def wilson_interval(successes, n, *, alpha: float = 0.05):
    """Wilson score interval for a proportion (vectorised).

    Parameters
    ----------
    successes, n : float or array-like
        Number of successes and trials (may be non-integer effective counts, e.g.
        ``proportion * n_eff`` under weights). ``n <= 0`` gives NaN.
    alpha : float
        1 − confidence level (two-sided).

    Returns
    -------
    (low, high) : floats or numpy arrays
        Interval bounds as fractions 0–1. Identical to statsmodels
        ``proportion_confint(method="wilson")``.

    Examples
    --------
    >>> lo, hi = wilson_interval(45, 100)
    >>> round(lo, 4), round(hi, 4)
    (0.3561, 0.5475)
    """
    z = _z(alpha)
    x, n = np.broadcast_arrays(_as_float(successes), _as_float(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        n_ok = np.where(n > 0, n, np.nan)
        p = x / n_ok
        z2 = z * z
        denom = 1 + z2 / n_ok
        center = (p + z2 / (2 * n_ok)) / denom
        dist = z * np.sqrt(np.clip(p * (1 - p), 0, None) / n_ok + z2 / (4 * n_ok**2)) / denom
    return _unwrap(center - dist, center + dist)


def newcombe_interval(successes_0, n_0, successes_1, n_1, *, alpha: float = 0.05):
    """Newcombe's hybrid-score interval for a difference of proportions ``p1 − p0``.

    Method 10 of Newcombe (1998): Wilson intervals of each proportion combined by the
    square-and-add rule. Vectorised; NaN where a group has ``n <= 0``.

    Returns
    -------
    (low, high) : floats or numpy arrays
        Bounds of ``p1 − p0`` (fractions). Identical to statsmodels
        ``confint_proportions_2indep(..., method="newcomb")`` (its ``count1`` is group 1).

    Examples
    --------
    >>> lo, hi = newcombe_interval(40, 100, 56, 100)
    >>> round(lo, 4), round(hi, 4)
    (0.0216, 0.29)
    """
    x0, n0, x1, n1 = np.broadcast_arrays(*map(_as_float, (successes_0, n_0, successes_1, n_1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        p0, p1 = x0 / np.where(n0 > 0, n0, np.nan), x1 / np.where(n1 > 0, n1, np.nan)
    l0, u0 = (np.asarray(b) for b in wilson_interval(x0, n0, alpha=alpha))
    l1, u1 = (np.asarray(b) for b in wilson_interval(x1, n1, alpha=alpha))
    d = p1 - p0
    low = d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return _unwrap(low, high)


def two_proportion_p(successes_0, n_0, successes_1, n_1):
    """Two-sided p-value of the pooled two-proportion z-test (vectorised).

    The same as R's ``prop.test(correct = FALSE)`` and statsmodels
    ``proportions_ztest``. Equal proportions of 0 or 1 (no variance) give p = 1.

    Examples
    --------
    >>> round(two_proportion_p(40, 100, 56, 100), 4)
    0.0235
    """
    x0, n0, x1, n1 = np.broadcast_arrays(*map(_as_float, (successes_0, n_0, successes_1, n_1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        pbar = (x0 + x1) / (n0 + n1)
        se = np.sqrt(pbar * (1 - pbar) * (1 / n0 + 1 / n1))
        z = (x1 / n1 - x0 / n0) / se
        from cxkit.metrics.distributions import norm_sf  # = scipy.stats.norm.sf (erfc)

        p = 2 * norm_sf(np.abs(z))
    # identical proportions with a pooled proportion of 0 or 1: no evidence of a difference
    return _unwrap(np.where(se > 0, p, 1.0))[0]


def agresti_coull_interval(successes, n, *, alpha: float = 0.05):
    """Agresti–Coull interval for a proportion (vectorised), clipped to [0, 1].

    Adds z²/2 successes and z² trials, then uses the Wald formula — statsmodels
    ``proportion_confint(method="agresti_coull")``.

    Returns
    -------
    (low, high) : floats or numpy arrays
        Interval bounds as fractions 0–1; NaN where ``n <= 0``.

    Examples
    --------
    >>> lo, hi = agresti_coull_interval(45, 100)
    >>> round(lo, 4), round(hi, 4)
    (0.3561, 0.5476)
    """
    z = _z(alpha)
    x, n = np.broadcast_arrays(_as_float(successes), _as_float(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        n_ok = np.where(n > 0, n, np.nan)
        n_c = n_ok + z * z
        q = (x + z * z / 2) / n_c
        dist = z * np.sqrt(q * (1 - q) / n_c)
    return _unwrap(np.clip(q - dist, 0, 1), np.clip(q + dist, 0, 1))


def proportion_interval(successes, n, *, alpha: float = 0.05, method: str = "wilson"):
    """Dispatch to :func:`wilson_interval` or :func:`agresti_coull_interval` by ``method``.

    Examples
    --------
    >>> proportion_interval(0, 10)[0]
    0.0
    """
    check_choice(method, ("wilson", "agresti_coull"), argument="method", what="interval method")
    if method == "wilson":
        return wilson_interval(successes, n, alpha=alpha)
    return agresti_coull_interval(successes, n, alpha=alpha)


def nps_interval(
    promoters,
    passives,
    detractors,
    *,
    alpha: float = 0.05,
    method: Literal["adjusted_wald", "wald"] = "adjusted_wald",
):
    """Net Promoter Score and its interval, in points (−100..100), vectorised.

    Parameters
    ----------
    promoters, passives, detractors : float or array-like
        Counts (or effective counts under weights) of scores 9–10, 7–8 and 0–6.
    method : {"adjusted_wald", "wald"}
        ``"adjusted_wald"`` (default, Rocks 2016): add ¾ to promoters and to detractors
        (and 1½ to passives, so n + 3), then the Wald interval around the adjusted score
        with variance ``(p̃_pro + p̃_det − (p̃_pro − p̃_det)²) / (n + 3)``.
        ``"wald"``: the same formula on the raw proportions and n.

    Returns
    -------
    (estimate, low, high) : floats or numpy arrays
        The raw NPS (100 × (promoters − detractors) / n) and the interval bounds, clipped
        to [−100, 100]; NaN where n = 0.

    Examples
    --------
    >>> est, lo, hi = nps_interval(50, 30, 20)
    >>> round(est, 1), round(lo, 2), round(hi, 2)
    (30.0, 14.05, 44.2)
    """
    z = _z(alpha)
    pro, pas, det = np.broadcast_arrays(
        _as_float(promoters), _as_float(passives), _as_float(detractors)
    )
    n = pro + pas + det
    with np.errstate(divide="ignore", invalid="ignore"):
        n_ok = np.where(n > 0, n, np.nan)
        estimate = 100 * (pro - det) / n_ok
        if method == "adjusted_wald":
            n_a = n_ok + 3
            pp, pd = (pro + 0.75) / n_a, (det + 0.75) / n_a
        elif method == "wald":
            n_a = n_ok
            pp, pd = pro / n_a, det / n_a
        else:
            check_choice(method, ("adjusted_wald", "wald"), argument="method", what="NPS interval")
        centre = pp - pd
        se = np.sqrt(np.clip(pp + pd - centre**2, 0, None) / n_a)
    low = np.clip(100 * (centre - z * se), -100, 100)
    high = np.clip(100 * (centre + z * se), -100, 100)
    return _unwrap(estimate, low, high)


def mean_interval(mean, sd, n, *, alpha: float = 0.05):
    """Student t interval for a mean: ``mean ± t(1 − α/2, n − 1) · sd / √n`` (vectorised).

    ``n`` may be an effective (non-integer) n; NaN where ``n < 2``.

    Returns
    -------
    (low, high) : floats or numpy arrays

    Examples
    --------
    >>> lo, hi = mean_interval(3.2, 1.1, 50)
    >>> round(lo, 4), round(hi, 4)
    (2.8874, 3.5126)
    """
    if not 0 < alpha < 1:
        raise bad_argument(
            "alpha",
            alpha,
            rule="alpha lies strictly between 0 and 1",
            hint="pass alpha=0.05 for 95 % intervals",
        )
    m, s, n = np.broadcast_arrays(_as_float(mean), _as_float(sd), _as_float(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        n_ok = np.where(n >= 2, n, np.nan)
        from scipy import stats

        half = stats.t.isf(alpha / 2, n_ok - 1) * s / np.sqrt(n_ok)
    return _unwrap(m - half, m + half)


def kish_n_eff(weights) -> float:
    """Kish's effective sample size ``(Σw)² / Σw²`` (NaN weights ignored).

    Raises
    ------
    CxDataError
        If a weight is negative.

    Examples
    --------
    >>> kish_n_eff([1, 1, 1, 1])
    4.0
    >>> round(kish_n_eff([1, 1, 2, 4]), 4)
    2.9091
    """
    w = _as_float(weights).ravel()
    w = w[~np.isnan(w)]
    if np.any(w < 0):
        raise CxDataError(
            "Weights must not be negative.",
            rule="weights >= 0",
            n_rows=int(np.sum(w < 0)),
            examples=w[w < 0][:5].tolist(),
            hint="fix or drop the negative weights",
        )
    s2 = float(np.sum(w**2))
    return float(np.sum(w) ** 2 / s2) if s2 > 0 else 0.0
