"""Vectorised inference for two-arm comparisons on sufficient statistics (private).

Every function here works on numpy arrays with a leading *batch* axis, so the same code
path serves :func:`cxkit.experiment.analyze` (batch of one comparison) and the calibration
simulations (batch of 10,000 simulated experiments).

Sufficient statistics of a *cell* (an arm, or an arm × cluster) for the per-unit vector
``v = (y[, x][, z])`` — outcome, ratio denominator, CUPED covariate — are

* ``n``  : number of units, shape ``(B,)`` (or ``(B, G)`` per cluster),
* ``s``  : ``Σ v``, shape ``(B, p)`` (or ``(B, G, p)``),
* ``m``  : ``Σ v vᵀ``, shape ``(B, p, p)`` (or ``(B, G, p, p)``).

Methods
-------
* proportion (iid): difference with the Newcombe hybrid-score interval; p-value of the
  pooled two-sided z-test (= R ``prop.test(correct = FALSE)``).
* mean (iid): Welch t (Welch–Satterthwaite df).
* NPS (iid): recoded −100/0/+100; trinomial standard error (n denominator), z.
* ratio / CUPED (iid): delta method; t with Welch–Satterthwaite df.
* any kind with clusters: delta method on cluster totals with the CR1 small-sample factor
  ``G/(G−1)·(N−1)/(N−2)`` and t with ``G − 1`` df — identical to statsmodels
  ``OLS(y ~ arm).fit(cov_type="cluster")`` for a mean.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from cxkit.metrics import newcombe_interval, two_proportion_p

__all__ = ["compare", "icc_anova"]


def _moments(n, s, m, ddof: int):
    """Means and covariance matrices from (n, Σv, Σvvᵀ) along the last axes."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = s / n[..., None]
        cov = (m - n[..., None, None] * mu[..., :, None] * mu[..., None, :]) / (
            n[..., None, None] - ddof
        )
    return mu, cov


def _quad(g, cov):
    """gᵀ C g for batched g (B, p) and C (B, p, p)."""
    return np.einsum("bi,bij,bj->b", g, cov, g)


def icc_anova(n, s, ss, arm_of_cell) -> np.ndarray:
    """One-way ANOVA intra-cluster correlation from per-cell (arm × cluster) statistics.

    ``n, s, ss`` have shape ``(B, C)`` (cells), ``arm_of_cell`` shape ``(C,)`` with values
    0/1. Arm means are removed first (between-cluster variation within arms only).
    Negative estimates are truncated at 0.
    """
    n = np.asarray(n, float)
    live = n > 0
    g = live.sum(axis=-1)
    big_n = n.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        between_cells = np.where(live, s**2 / np.where(live, n, 1), 0.0).sum(axis=-1)
        arm_term = 0.0
        for a in (0, 1):
            sel = arm_of_cell == a
            na = n[..., sel].sum(axis=-1)
            sa = s[..., sel].sum(axis=-1)
            arm_term = arm_term + np.where(na > 0, sa**2 / np.where(na > 0, na, 1), 0.0)
        n_arms = sum(((n[..., arm_of_cell == a].sum(axis=-1)) > 0).astype(float) for a in (0, 1))
        ssw = ss.sum(axis=-1) - between_cells
        ssb = between_cells - arm_term
        msw = ssw / (big_n - g)
        msb = ssb / (g - n_arms)
        # clusters are nested in arms: each arm's Σn_i²/N_a (ANOVA n0 for a nested design)
        sq_over_na = sum(
            np.where(
                na_ > 0,
                (n[..., arm_of_cell == a] ** 2).sum(axis=-1) / np.where(na_ > 0, na_, 1),
                0.0,
            )
            for a in (0, 1)
            for na_ in [n[..., arm_of_cell == a].sum(axis=-1)]
        )
        n0 = (big_n - sq_over_na) / (g - n_arms)
        icc = (msb - msw) / (msb + (n0 - 1) * msw)
    return np.clip(icc, 0.0, 1.0)


def compare(
    c: dict,
    t: dict,
    *,
    kind: str,
    ratio: bool = False,
    cuped: bool = False,
    clustered: bool = False,
    alpha: float = 0.05,
) -> dict[str, np.ndarray]:
    """Compare treatment ``t`` with control ``c`` (batched).

    Parameters
    ----------
    c, t : dict
        Sufficient statistics ``{"n", "s", "m"}``. Without clusters the shapes are
        ``(B,)``, ``(B, p)``, ``(B, p, p)``; with ``clustered=True`` they carry a cluster
        axis ``(B, G, ...)`` aligned between the arms (zeros where a cluster has no units
        in that arm). The variable order in ``v`` is ``y``, then ``x`` if ``ratio``, then
        ``z`` if ``cuped``.
    kind : {"proportion", "mean", "nps", "ratio"}
        Metric kind (NPS values are already recoded to −100/0/+100).

    Returns
    -------
    dict of arrays (shape ``(B,)``)
        ``n_control, n_treatment, control_value, treatment_value, effect, se, df, ci_low,
        ci_high, p_value, var_reduction`` (CUPED: 1 − var(adjusted)/var(unadjusted), else
        NaN), ``icc`` and ``design_effect`` (clustered only, else NaN), ``n_clusters``.
    """
    z_crit = stats.norm.isf(alpha / 2)
    if clustered:
        cells = {k: (np.asarray(c[k], float), np.asarray(t[k], float)) for k in ("n", "s", "m")}
        n_c, n_t = cells["n"]
        s_c, s_t = cells["s"]
        m_c, m_t = cells["m"]
        tot = {
            "c": (n_c.sum(axis=1), s_c.sum(axis=1), m_c.sum(axis=1)),
            "t": (n_t.sum(axis=1), s_t.sum(axis=1), m_t.sum(axis=1)),
        }
    else:
        tot = {
            "c": tuple(np.asarray(c[k], float) for k in ("n", "s", "m")),
            "t": tuple(np.asarray(t[k], float) for k in ("n", "s", "m")),
        }
    (n0, s0, m0), (n1, s1, m1) = tot["c"], tot["t"]
    ddof = 0 if kind == "nps" else 1
    mu0, cov0 = _moments(n0, s0, m0, ddof)
    mu1, cov1 = _moments(n1, s1, m1, ddof)
    p = s0.shape[-1]
    iz = p - 1 if cuped else None
    nl = 2 if ratio else 1  # number of variables in the (linearised) outcome

    def grad_l(mu):
        if ratio:
            r = mu[:, 0] / mu[:, 1]
            return r, np.stack([1 / mu[:, 1], -r / mu[:, 1]], axis=1)
        return mu[:, 0], np.ones((mu.shape[0], 1))

    with np.errstate(divide="ignore", invalid="ignore"):
        est0, g0l = grad_l(mu0)
        est1, g1l = grad_l(mu1)
        b = mu0.shape[0]
        if cuped:
            pooled = ((n0 - 1)[:, None, None] * cov0 + (n1 - 1)[:, None, None] * cov1) / (
                n0 + n1 - 2
            )[:, None, None]
            mu_pool = (s0 + s1) / (n0 + n1)[:, None]
            _, g_pool = grad_l(mu_pool)
            theta = np.einsum("bi,bi->b", g_pool, pooled[:, :nl, iz]) / pooled[:, iz, iz]
            zbar = mu_pool[:, iz]
            adj0 = est0 - theta * (mu0[:, iz] - zbar)
            adj1 = est1 - theta * (mu1[:, iz] - zbar)
            g0 = np.concatenate([g0l, -theta[:, None]], axis=1)
            g1 = np.concatenate([g1l, -theta[:, None]], axis=1)
        else:
            adj0, adj1, g0, g1 = est0, est1, g0l, g1l
        # iid (unit-level) variances of each arm's estimate
        v0 = _quad(g0, cov0[:, :p, :p]) / n0
        v1 = _quad(g1, cov1[:, :p, :p]) / n1
        v_iid = v0 + v1
        v_raw = _quad(g0l, cov0[:, :nl, :nl]) / n0 + _quad(g1l, cov1[:, :nl, :nl]) / n1
        effect = adj1 - adj0
        var_reduction = 1 - v_iid / v_raw if cuped else np.full(b, np.nan)

        icc = np.full(b, np.nan)
        deff = np.full(b, np.nan)
        n_clusters = np.full(b, np.nan)
        if clustered:
            # per-cluster score of the contrast: g1·(S_c1 − n_c1 μ1)/N1 − g0·(S_c0 − n_c0 μ0)/N0
            d0 = s_c[..., :p] - n_c[..., None] * mu0[:, None, :]
            d1 = s_t[..., :p] - n_t[..., None] * mu1[:, None, :]
            u = (
                np.einsum("bgi,bi->bg", d1, g1) / n1[:, None]
                - np.einsum("bgi,bi->bg", d0, g0) / n0[:, None]
            )
            g_live = ((n_c + n_t) > 0).sum(axis=1).astype(float)
            big_n = n0 + n1
            var = (u**2).sum(axis=1) * g_live / (g_live - 1) * (big_n - 1) / (big_n - 2)
            df = g_live - 1
            n_clusters = g_live
            deff = var / v_iid
            cell_n = np.concatenate([n_c, n_t], axis=1)
            cell_s = np.concatenate([s_c[..., 0], s_t[..., 0]], axis=1)
            cell_ss = np.concatenate([m_c[..., 0, 0], m_t[..., 0, 0]], axis=1)
            arm_of = np.repeat([0, 1], n_c.shape[1])
            icc = icc_anova(cell_n, cell_s, cell_ss, arm_of)
        else:
            var = v_iid
            if kind in ("proportion", "nps"):
                df = np.full(b, np.inf)
            else:
                df = v_iid**2 / (v0**2 / (n0 - 1) + v1**2 / (n1 - 1))
        se = np.sqrt(var)
        crit = np.where(
            np.isfinite(df), stats.t.isf(alpha / 2, np.where(np.isfinite(df), df, 1)), z_crit
        )
        tstat = effect / se
        p_value = np.where(
            np.isfinite(df),
            2 * stats.t.sf(np.abs(tstat), np.where(np.isfinite(df), df, 1)),
            2 * stats.norm.sf(np.abs(tstat)),
        )
        p_value = np.where(se > 0, p_value, np.where(effect == 0, 1.0, 0.0))
        ci_low, ci_high = effect - crit * se, effect + crit * se
        if kind == "proportion" and not clustered and not cuped:
            x0, x1 = s0[:, 0], s1[:, 0]
            ci_low, ci_high = newcombe_interval(x0, n0, x1, n1, alpha=alpha)
            p_value = two_proportion_p(x0, n0, x1, n1)
    return {
        "n_control": n0,
        "n_treatment": n1,
        "control_value": adj0,
        "treatment_value": adj1,
        "effect": effect,
        "se": se,
        "df": df,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "p_value": p_value,
        "var_reduction": var_reduction,
        "icc": icc,
        "design_effect": deff,
        "n_clusters": n_clusters,
    }
