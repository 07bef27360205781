"""Vectorised inference for two-arm comparisons on sufficient statistics.

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
* any kind with clusters (default ``cluster_se="cr2"``): the bias-reduced linearisation CR2
  of Bell & McCaffrey (2002) with their Satterthwaite-type degrees of freedom (:func:`cr2`),
  from per-cluster totals — equal to R ``clubSandwich::coef_test(lm(y ~ T), vcov = "CR2",
  test = "Satterthwaite")`` for means, proportions and NPS; for ratios the WLS of ``y/x`` on
  the arm with weights ``x``; for CUPED the θ-adjusted outcome with θ held fixed.
  ``cluster_se="cr1"``: CR1 factor ``G/(G−1)·(N−1)/(N−2)`` and t with ``G − 1`` df —
  identical to statsmodels ``OLS(y ~ arm).fit(cov_type="cluster")`` for a mean.
"""

from __future__ import annotations

import numpy as np

from cxkit.metrics import newcombe_interval, two_proportion_p
from cxkit.metrics.distributions import t_isf, t_sf

__all__ = ["compare", "cr2", "icc_anova"]

#: more comparisons than this in one call go to scipy's vectorised t functions
_BATCH = 64


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


def cr2(a0, w0, a1, w1) -> tuple[np.ndarray, np.ndarray]:
    """CR2 variance and Bell–McCaffrey df of a difference of two arm estimates (batched).

    The difference of (weighted) arm means is the coefficient of ``T`` in the regression of
    the outcome on an intercept and the treatment dummy. Its hat matrix is block-diagonal
    by arm, with entries ``w_i w_j / W_a`` in the √w-transformed model, so the CR2
    adjustment ``(I − H_gg)^(−½)`` of cluster ``g``'s part in arm ``a`` multiplies that
    part's summed residual by ``k_ga = (1 − W_ga/W_a)^(−½)``. With ``a_ga`` the part's
    contribution to the estimate (summed residual / ``W_a``):

    * ``V = Σ_g (k_g1 a_g1 − k_g0 a_g0)²``;
    * df ``= (tr Ω)² / ‖Ω‖²_F`` (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018) with the
      working model Φ = I, where
      ``Ω_gh = Σ_a k_ga k_ha (δ_gh W_ga − W_ga W_ha / W_a) / W_a²`` (computed in O(G)).

    Parameters
    ----------
    a0, a1 : array (B, G)
        Per-cluster contributions of the control / treatment part (zero where absent).
    w0, w1 : array (B, G)
        Leverage masses of the parts: units (means, proportions, NPS, CUPED) or denominator
        totals (ratio metrics, = the WLS weights that give the ratio of sums).

    Returns
    -------
    var, df : arrays (B,)
        NaN where a cluster holds a whole arm (CR2 is undefined there).
    """
    terms = []
    for a, w in ((a0, w0), (a1, w1)):
        w = np.asarray(w, float)
        tot = w.sum(axis=-1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            h = w / tot
            k = np.where(h < 1, 1 / np.sqrt(np.clip(1 - h, 1e-300, None)), np.nan)
            k = np.where(w > 0, k, 1.0)
        terms.append((k * np.asarray(a, float), k, w, tot))
    (ka0, k0, w0, t0), (ka1, k1, w1, t1) = terms
    var = ((ka1 - ka0) ** 2).sum(axis=-1)
    # Ω = D − Σ_a v_a v_aᵀ / W_a³ with D = diag(Σ_a k² w / W_a²), v_a = k ⊙ w
    d = k0**2 * w0 / t0**2 + k1**2 * w1 / t1**2
    v0, v1 = k0 * w0, k1 * w1
    c0, c1 = t0[..., 0] ** 3, t1[..., 0] ** 3
    trace = d.sum(-1) - (v0**2).sum(-1) / c0 - (v1**2).sum(-1) / c1
    fro = (
        (d**2).sum(-1)
        - 2 * ((v0**2 * d).sum(-1) / c0 + (v1**2 * d).sum(-1) / c1)
        + (v0**2).sum(-1) ** 2 / c0**2
        + (v1**2).sum(-1) ** 2 / c1**2
        + 2 * (v0 * v1).sum(-1) ** 2 / (c0 * c1)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        df = trace**2 / fro
    return var, df


def compare(
    c: dict,
    t: dict,
    *,
    kind: str,
    ratio: bool = False,
    cuped: bool = False,
    clustered: bool = False,
    alpha: float = 0.05,
    cluster_se: str = "cr2",
    ratio_covariate: bool = False,
    cuped_slope: str = "within",
) -> dict[str, np.ndarray]:
    """Compare treatment ``t`` with control ``c`` (batched).

    Parameters
    ----------
    c, t : dict
        Sufficient statistics ``{"n", "s", "m"}``. Without clusters the shapes are
        ``(B,)``, ``(B, p)``, ``(B, p, p)``; with ``clustered=True`` they carry a cluster
        axis ``(B, G, ...)`` aligned between the arms (zeros where a cluster has no units
        in that arm). The variable order in ``v`` is ``y``, then ``x`` if ``ratio``, then
        ``z`` if ``cuped``, then ``w`` if ``ratio_covariate`` (the covariate is then z̄/w̄).
    kind : {"proportion", "mean", "nps", "ratio"}
        Metric kind (NPS values are already recoded to −100/0/+100).
    cluster_se : {"cr2", "cr1"}
        Clustered standard error: CR2 with Bell–McCaffrey df (:func:`cr2`, the default) or
        CR1 with ``G − 1`` df (statsmodels' ``cov_type="cluster"``).

    Returns
    -------
    dict of arrays (shape ``(B,)``)
        ``n_control, n_treatment, control_value, treatment_value, effect, se, df, ci_low,
        ci_high, p_value, var_reduction`` (CUPED: 1 − var(adjusted)/var(unadjusted), else
        NaN), ``icc`` and ``design_effect`` (CR1 variance ÷ iid variance; clustered only, else
        NaN), ``n_clusters``, ``theta`` (the CUPED slope, else NaN), ``var_control`` and
        ``var_treatment`` (each arm's share of the variance of the effect, for the interval of
        the relative effect).
    """
    cells = {k: (np.asarray(c[k], float), np.asarray(t[k], float)) for k in ("n", "s", "m")}
    if clustered:  # arm totals over the cluster axis
        tot = {k: (v[0].sum(axis=1), v[1].sum(axis=1)) for k, v in cells.items()}
    else:
        tot = cells
    (n0, n1), (s0, s1) = tot["n"], tot["s"]
    ddof = 0 if kind == "nps" else 1
    mu0, cov0 = _moments(n0, s0, tot["m"][0], ddof)
    mu1, cov1 = _moments(n1, s1, tot["m"][1], ddof)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = _estimates(
            (n0, n1), (s0, s1), (mu0, mu1), (cov0, cov1), ratio, cuped, ratio_covariate, cuped_slope
        )
        b = mu0.shape[0]
        out = {
            "n_control": n0,
            "n_treatment": n1,
            "control_value": est["adj0"],
            "treatment_value": est["adj1"],
            "effect": est["adj1"] - est["adj0"],
            "var_reduction": est["var_reduction"],
            "icc": np.full(b, np.nan),
            "design_effect": np.full(b, np.nan),
            "n_clusters": np.full(b, np.nan),
            "theta": est["theta"],
        }
        if clustered:
            var, df = _clustered(out, cells, (mu0, mu1), est, ratio, cluster_se)
        else:
            var, (v0, v1) = est["v_iid"], est["v_arms"]
            out["var_control"], out["var_treatment"] = v0, v1
            if kind in ("proportion", "nps"):
                df = np.full(b, np.inf)
            else:
                df = var**2 / (v0**2 / (n0 - 1) + v1**2 / (n1 - 1))
        out.update(_t_test(out["effect"], np.sqrt(var), df, alpha))
        if kind == "proportion" and not clustered and not cuped:
            x0, x1 = s0[:, 0], s1[:, 0]
            out["ci_low"], out["ci_high"] = newcombe_interval(x0, n0, x1, n1, alpha=alpha)
            out["p_value"] = two_proportion_p(x0, n0, x1, n1)
    return out


def _covariate_value(m, p: int, ratio_cov: bool):
    """The CUPED covariate at means ``m``: z̄, or z̄/w̄ for a ratio covariate, and its gradient
    over the covariate columns."""
    if ratio_cov:
        c = m[:, p - 2] / m[:, p - 1]
        return c, np.stack([1 / m[:, p - 1], -c / m[:, p - 1]], axis=1)
    return m[:, p - 1], np.ones((m.shape[0], 1))


def _estimates(
    n, s, mu, cov, ratio: bool, cuped: bool, ratio_cov: bool = False, slope: str = "within"
) -> dict:
    """Arm estimates (CUPED-adjusted), their gradients and iid variances.

    With ``ratio_cov`` the covariate is itself a ratio z̄/w̄ (the numerator and denominator
    covariates of a ratio metric), linearised like the metric (tea-tasting's ``RatioOfMeans``
    with ``numer_covariate`` / ``denom_covariate``)."""
    (n0, n1), (s0, s1), (mu0, mu1), (cov0, cov1) = n, s, mu, cov
    p = s0.shape[-1]
    nl = 2 if ratio else 1  # number of variables in the (linearised) outcome
    ic = slice(p - 2, p) if ratio_cov else slice(p - 1, p)

    def grad_l(m):
        if ratio:
            r = m[:, 0] / m[:, 1]
            return r, np.stack([1 / m[:, 1], -r / m[:, 1]], axis=1)
        return m[:, 0], np.ones((m.shape[0], 1))

    est0, g0l = grad_l(mu0)
    est1, g1l = grad_l(mu1)
    b = mu0.shape[0]
    if cuped:
        pooled = ((n0 - 1)[:, None, None] * cov0 + (n1 - 1)[:, None, None] * cov1) / (n0 + n1 - 2)[
            :, None, None
        ]
        mu_pool = (s0 + s1) / (n0 + n1)[:, None]
        if slope == "total":  # between-arm spread included
            d0, d1 = mu0 - mu_pool, mu1 - mu_pool
            between = n0[:, None, None] * d0[:, :, None] * d0[:, None, :]
            between = between + n1[:, None, None] * d1[:, :, None] * d1[:, None, :]
            pooled = (pooled * (n0 + n1 - 2)[:, None, None] + between) / (n0 + n1 - 1)[
                :, None, None
            ]
        _, g_pool = grad_l(mu_pool)
        c_pool, gc = _covariate_value(mu_pool, p, ratio_cov)
        theta = np.einsum("bi,bij,bj->b", g_pool, pooled[:, :nl, ic], gc) / _quad(
            gc, pooled[:, ic, ic]
        )
        c0, _ = _covariate_value(mu0, p, ratio_cov)
        c1, _ = _covariate_value(mu1, p, ratio_cov)
        adj0 = est0 - theta * (c0 - c_pool)
        adj1 = est1 - theta * (c1 - c_pool)
        g0 = np.concatenate([g0l, -theta[:, None] * _covariate_value(mu0, p, ratio_cov)[1]], 1)
        g1 = np.concatenate([g1l, -theta[:, None] * _covariate_value(mu1, p, ratio_cov)[1]], 1)
    else:
        adj0, adj1, g0, g1 = est0, est1, g0l, g1l
        theta = np.full(b, np.nan)
    # iid (unit-level) variances of each arm's estimate
    v0 = _quad(g0, cov0[:, :p, :p]) / n0
    v1 = _quad(g1, cov1[:, :p, :p]) / n1
    v_raw = _quad(g0l, cov0[:, :nl, :nl]) / n0 + _quad(g1l, cov1[:, :nl, :nl]) / n1
    return {
        "adj0": adj0,
        "adj1": adj1,
        "g": (g0, g1),
        "theta": theta,
        "v_arms": (v0, v1),
        "v_iid": v0 + v1,
        "var_reduction": 1 - (v0 + v1) / v_raw if cuped else np.full(b, np.nan),
    }


def _clustered(out: dict, cells: dict, mu, est: dict, ratio: bool, cluster_se: str):
    """Clustered variance and df (CR2 + Bell–McCaffrey, or CR1 + G − 1); ICC and design
    effect go into ``out``."""
    (n_c, n_t), (s_c, s_t), (m_c, m_t) = cells["n"], cells["s"], cells["m"]
    (mu0, mu1), (g0, g1) = mu, est["g"]
    n0, n1 = out["n_control"], out["n_treatment"]
    p = g0.shape[-1]
    # per-cluster linearised residual totals r = g·(S − n μ) of each arm's part
    r0 = np.einsum("bgi,bi->bg", s_c[..., :p] - n_c[..., None] * mu0[:, None, :], g0)
    r1 = np.einsum("bgi,bi->bg", s_t[..., :p] - n_t[..., None] * mu1[:, None, :], g1)
    g_live = ((n_c + n_t) > 0).sum(axis=1).astype(float)
    big_n = n0 + n1
    u = r1 / n1[:, None] - r0 / n0[:, None]
    var_cr1 = (u**2).sum(axis=1) * g_live / (g_live - 1) * (big_n - 1) / (big_n - 2)
    part0, part1 = ((r0 / n0[:, None]) ** 2).sum(axis=1), ((r1 / n1[:, None]) ** 2).sum(axis=1)
    if cluster_se == "cr1":
        var, df = var_cr1, g_live - 1
    else:
        # leverage mass of a cluster part: its units, or its denominator total (ratio)
        w0 = s_c[..., 1] if ratio else n_c
        w1 = s_t[..., 1] if ratio else n_t
        var, df = cr2(r0 / n0[:, None], w0, r1 / n1[:, None], w1)
    out["n_clusters"] = g_live
    out["design_effect"] = var_cr1 / est["v_iid"]
    # each arm's share of the clustered variance (exact when clusters are nested in arms)
    out["var_control"] = var * part0 / (part0 + part1)
    out["var_treatment"] = var * part1 / (part0 + part1)
    cell_n = np.concatenate([n_c, n_t], axis=1)
    cell_s = np.concatenate([s_c[..., 0], s_t[..., 0]], axis=1)
    cell_ss = np.concatenate([m_c[..., 0, 0], m_t[..., 0, 0]], axis=1)
    out["icc"] = icc_anova(cell_n, cell_s, cell_ss, np.repeat([0, 1], n_c.shape[1]))
    return var, df


def _t_test(effect, se, df, alpha: float) -> dict:
    """``se``, ``df``, t (or z for infinite df) CI and two-sided p-value."""
    # t_isf / t_sf (cxkit.metrics.distributions, = scipy.stats.t to 1e-12) are the normal at
    # df = inf; they loop in Python, so a batch of many comparisons at once (simulations,
    # calibration) uses scipy's vectorised code instead, loaded then
    df1 = np.where(np.isfinite(df), df, np.inf)
    tstat = effect / se
    if np.size(df1) > _BATCH or np.size(tstat) > _BATCH:
        from scipy import stats

        isf, sf = stats.t.isf, stats.t.sf
    else:
        isf, sf = t_isf, t_sf
    crit = isf(alpha / 2, df1)
    with np.errstate(invalid="ignore"):
        p_value = 2 * sf(np.abs(tstat), df1)
    p_value = np.where(se > 0, p_value, np.where(effect == 0, 1.0, 0.0))
    return {
        "se": se,
        "df": df,
        "ci_low": effect - crit * se,
        "ci_high": effect + crit * se,
        "p_value": p_value,
    }
