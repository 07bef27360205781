"""The decision for a cluster-randomised comparison: which method, and warnings.

``inference="auto"`` (the default) takes the CR2 standard error with Bell–McCaffrey df
(:func:`cxkit.experiment.inference.twosample.cr2`) and, with fewer than :data:`RI_BELOW` clusters,
decides by randomisation inference over the cluster assignment
(:func:`cxkit.experiment.inference.resampling.randomization_test`): its p-value and the interval
that inverts it replace the t-based ones. ``"randomization"`` forces that test,
``"cr2"`` and ``"cr1"`` the t-based ones, ``"wild_bootstrap"`` the restricted wild cluster
bootstrap-t. The randomisation test needs clusters nested in arms; when a cluster has units
in both arms the CR2 t-test decides and ``method`` says so.
"""

from __future__ import annotations

import warnings

import numpy as np

from cxkit.errors import CxDataWarning
from cxkit.experiment.inference import resampling as _resampling

__all__ = ["INFERENCE", "RI_BELOW", "decide_clustered"]

#: Accepted values of ``inference=``.
INFERENCE = ("auto", "randomization", "cr2", "cr1", "wild_bootstrap")
#: With fewer clusters than this, ``inference="auto"`` decides by randomisation inference.
RI_BELOW = 50
#: Below this many clusters in an arm no method is reliable.
MIN_CLUSTERS_PER_ARM = 4
#: Share of an arm's units in one cluster above which the analysis warns.
DOMINANT_SHARE = 1 / 3
_ORDINAL = {1: "largest", 2: "second largest", 3: "third largest"}


def _warn_design(n_c: np.ndarray, n_t: np.ndarray, labels: tuple[str, str]) -> None:
    """Warn about arms with very few clusters or one dominant cluster (named by rank)."""
    for n, label in ((n_c, labels[0]), (n_t, labels[1])):
        live = np.sort(n[n > 0])[::-1]
        if 0 < live.size < MIN_CLUSTERS_PER_ARM:
            warnings.warn(
                f"Arm {label!r} has only {live.size} cluster(s); with fewer "
                f"than {MIN_CLUSTERS_PER_ARM} clusters per arm no method is reliable "
                "(randomise more clusters, or treat the result as descriptive).",
                CxDataWarning,
                stacklevel=7,
            )
        if live.size == 0:
            continue
        shares = live / live.sum()
        for rank in np.flatnonzero(shares > DOMINANT_SHARE)[:3] + 1:
            warnings.warn(
                f"The {_ORDINAL[int(rank)]} cluster of arm {label!r} holds "
                f"{shares[rank - 1]:.0%} of its units; few-cluster inference leans on it "
                "(the randomisation test stays valid, t-based intervals may not).",
                CxDataWarning,
                stacklevel=7,
            )


def _linear_totals(c: dict, t: dict, ratio: bool, theta: float) -> tuple[np.ndarray, ...]:
    """Per-cluster numerator / weight totals (Y, X) of each arm's part, shape (G,)."""
    out = []
    for arm in (c, t):
        s, n = arm["s"][0], arm["n"][0]
        y = s[:, 0].copy()
        if np.isfinite(theta):
            y = y - theta * s[:, -1]
        out += [y, s[:, 1].copy() if ratio else n.astype(float)]
    return tuple(out)


def decide_clustered(
    res: dict,
    c: dict,
    t: dict,
    *,
    inference: str,
    ratio: bool,
    cuped: bool,
    alpha: float,
    strata: np.ndarray | None,
    labels: tuple[str, str],
    metric: str,
) -> tuple[dict, str, int | None]:
    """Replace the t-based p-value / CI of a clustered comparison by the chosen method.

    Returns
    -------
    (dict, str, int or None)
        The updated result, the method description and the number of assignments used.
    """
    n_c, n_t = c["n"][0], t["n"][0]
    _warn_design(n_c, n_t, labels)
    g = int(((n_c + n_t) > 0).sum())
    se = float(res["se"])
    if inference == "cr1":
        return res, f"cr1, t({g - 1})", None
    base = f"cr2, Bell-McCaffrey df {res['df']:.1f}"
    if inference == "cr2" or (inference == "auto" and g >= RI_BELOW) or not np.isfinite(se):
        return res, base, None
    if ratio and cuped:
        return res, f"{base} (no resampling for a ratio metric with CUPED)", None
    y0, x0, y1, x1 = _linear_totals(c, t, ratio, float(res["theta"]) if cuped else np.nan)
    if inference == "wild_bootstrap":
        wb = _resampling.wild_bootstrap(y0, x0, y1, x1, alpha=alpha, se=se)
        res = {**res, "p_value": wb["p_value"], "ci_low": wb["ci_low"], "ci_high": wb["ci_high"]}
        return res, f"wild_cluster_bootstrap(restricted, cr2 t, {wb['weights']})", None
    live = (n_c + n_t) > 0
    if ((n_c > 0) & (n_t > 0)).any():
        return res, f"{base} (clusters span both arms: no randomisation test)", None
    treated = (n_t[live] > 0).astype(float)
    ri = _resampling.randomization_test(
        (y0 + y1)[live],
        (x0 + x1)[live],
        treated,
        strata=None if strata is None else strata[live],
        alpha=alpha,
        se=se,
    )
    res = {**res, "p_value": ri["p_value"], "ci_low": ri["ci_low"], "ci_high": ri["ci_high"]}
    k, total = ri["n_assignments"], ri["n_possible"]
    within = " within strata" if strata is not None else ""
    drawn = (
        f"{k} assignments{within}" if k == total else f"{k} of {total} assignments{within} drawn"
    )
    return res, f"randomization(cr2 t, {drawn})", k
