"""Randomisation inference and the wild cluster bootstrap on per-cluster totals.

Both work on a *linear* form of the comparison. Every clustered metric is reduced to two
totals per cluster part: a numerator ``Y`` and a weight ``X``, with the arm estimate
``Y_a / X_a`` (sums over the arm's clusters):

* mean, proportion, NPS: ``Y = Σy`` (NPS on −100/0/+100), ``X`` = units;
* ratio metric: ``Y = Σ numerator``, ``X = Σ denominator`` (the ratio of sums);
* CUPED: ``Y = Σy − θ·Σz`` with θ, the pooled within-arm slope, held fixed at its observed
  value; ``X`` = units.

The studentised statistic is ``t = effect / se_CR2`` (the CR2 standard error of
:func:`cxkit.experiment.inference.twosample.cr2`, leverage masses ``X``). Everything is vectorised over
assignments (or bootstrap draws) × clusters.

* :func:`randomization_test` — the arm labels are permuted over the clusters exactly as
  they were randomised: complete randomisation with the observed arm sizes, within strata
  when given. All assignments are enumerated up to ``max_assignments``, otherwise that many
  are drawn (fixed seed, the observed one included). p = share of ``|t*| ≥ |t_obs|``. The
  interval inverts the test under a constant additive effect δ: the treated clusters'
  numerators lose ``δ·X``, and the same assignment set re-tests (Young 2019; Imbens &
  Rubin 2015, ch. 5).
* :func:`wild_bootstrap` — restricted (null-imposed) wild cluster bootstrap-t (MacKinnon &
  Webb 2017): Webb six-point weights under 12 clusters, Rademacher otherwise, all sign
  vectors enumerated when there are fewer than the draws; the interval by test inversion.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

__all__ = ["assignments", "randomization_test", "wild_bootstrap"]

_TIE = 1e-9
_CHUNK = 2_000_000  # assignments × clusters per vectorised block


# --------------------------------------------------------------------------- assignments
def _combos(g: int, k: int) -> np.ndarray:
    """All ways to choose k treated of g clusters, as a (C, g) 0/1 array."""
    idx = np.fromiter(
        itertools.chain.from_iterable(itertools.combinations(range(g), k)), dtype=np.int64
    ).reshape(-1, k)
    out = np.zeros((idx.shape[0], g), dtype=np.float64)
    np.put_along_axis(out, idx, 1.0, axis=1)
    return out


def assignments(
    treated: np.ndarray,
    strata: np.ndarray | None = None,
    *,
    max_assignments: int = 10_000,
    seed: int = 20_240_611,
) -> tuple[np.ndarray, int]:
    """Assignments of the randomisation distribution, the observed one first.

    Parameters
    ----------
    treated : array (G,)
        Observed 0/1 treatment of each cluster.
    strata : array (G,), optional
        Stratum of each cluster; labels are permuted within strata.
    max_assignments : int
        Enumerate when the design has at most this many assignments, else draw this many.

    Returns
    -------
    (array (K, G), int)
        The assignments (row 0 the observed one) and the total number in the design.

    Examples
    --------
    >>> a, total = assignments(np.array([1, 0, 1, 0, 0]))
    >>> a.shape, total, a[0].tolist()
    ((10, 5), 10, [1.0, 0.0, 1.0, 0.0, 0.0])
    """
    treated = np.asarray(treated, dtype=np.float64)
    g = treated.size
    strata = (
        np.zeros(g, dtype=np.int64) if strata is None else np.unique(strata, return_inverse=True)[1]
    )
    groups = [np.flatnonzero(strata == s) for s in np.unique(strata)]
    counts = [math.comb(len(ix), int(treated[ix].sum())) for ix in groups]
    total = math.prod(counts)
    if total <= max_assignments:
        out = np.zeros((1, g))
        for ix in groups:  # cartesian product over strata (a handful)
            part = _combos(len(ix), int(treated[ix].sum()))
            rep = np.repeat(out, part.shape[0], axis=0)
            rep[:, ix] = np.tile(part, (out.shape[0], 1))
            out = rep
        obs = np.flatnonzero((out == treated).all(axis=1))
        order = np.r_[obs, np.setdiff1d(np.arange(out.shape[0]), obs)]
        return out[order], total
    rng = np.random.default_rng(seed)
    out = np.tile(treated, (max_assignments, 1))
    for ix in groups:
        out[1:, ix] = rng.permuted(out[1:, ix], axis=1)
    return out, total


# --------------------------------------------------------------------------- statistic
def _t_stat(a: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """CR2-studentised difference Y₁/X₁ − Y₀/X₀ for each assignment row of ``a`` (K, G).

    ``y`` and ``x`` are (G,) or batched (..., G) (e.g. simulated experiments); the result has
    shape (..., K).
    """
    x1 = x @ a.T
    x0 = x.sum(axis=-1, keepdims=True) - x1
    y1 = y @ a.T
    y0 = y.sum(axis=-1, keepdims=True) - y1
    with np.errstate(divide="ignore", invalid="ignore"):
        r1, r0 = y1 / x1, y0 / x0
        # the cluster's arm ratio and arm total; u² = resid² / (X_a (X_a − X_g)) (CR2)
        ra = r0[..., None] + a * (r1 - r0)[..., None]
        xa = x0[..., None] + a * (x1 - x0)[..., None]
        xg = x[..., None, :]
        resid = y[..., None, :] - ra * xg
        u2 = resid * resid / (xa * (xa - xg))
        return (r1 - r0) / np.sqrt(u2.sum(axis=-1))


def _p_values(a: np.ndarray, y: np.ndarray, x: np.ndarray) -> float:
    rows = max(1, _CHUNK // max(a.shape[1], 1))
    t = np.concatenate([_t_stat(a[i : i + rows], y, x) for i in range(0, a.shape[0], rows)])
    t_obs = abs(t[0])
    return float(np.mean(np.abs(t) >= t_obs * (1 - _TIE) - 1e-12))


def _invert(p_of, estimate: float, scale: float, alpha: float) -> tuple[float, float]:
    """Ends of {δ : p(δ) ≥ α} found from the estimate outwards (bracketing + bisection)."""
    if not (np.isfinite(estimate) and np.isfinite(scale) and scale > 0):
        return float("nan"), float("nan")
    ends = []
    for sign in (-1.0, 1.0):
        inside, step = estimate, scale
        outside = estimate + sign * step
        for _ in range(60):
            if p_of(outside) < alpha:
                break
            inside, step = outside, step * 2
            outside = estimate + sign * step
        else:
            ends.append(sign * np.inf)
            continue
        for _ in range(60):
            if abs(outside - inside) <= 1e-6 * scale:
                break
            mid = 0.5 * (inside + outside)
            inside, outside = (mid, outside) if p_of(mid) >= alpha else (inside, mid)
        ends.append(0.5 * (inside + outside))
    return float(ends[0]), float(ends[1])


def randomization_test(
    y: np.ndarray,
    x: np.ndarray,
    treated: np.ndarray,
    *,
    strata: np.ndarray | None = None,
    alpha: float = 0.05,
    se: float = float("nan"),
    max_assignments: int = 10_000,
    seed: int = 20_240_611,
    interval: bool = True,
) -> dict[str, float]:
    """Randomisation p-value and test-inversion interval from per-cluster totals.

    Parameters
    ----------
    y, x : array (G,)
        Numerator and weight totals of each cluster (clusters nested in arms).
    treated : array (G,)
        Observed 0/1 assignment.
    se : float
        Scale for the interval search (the CR2 standard error).

    Returns
    -------
    dict
        ``p_value``, ``ci_low``, ``ci_high``, ``n_assignments`` (used), ``n_possible``.

    Examples
    --------
    >>> y = np.array([10.0, 12.0, 30.0, 33.0]); x = np.array([10.0, 10.0, 10.0, 10.0])
    >>> randomization_test(y, x, np.array([0, 0, 1, 1]), interval=False)["p_value"]
    0.3333333333333333
    """
    y, x = np.asarray(y, float), np.asarray(x, float)
    treated = np.asarray(treated, float)
    a, total = assignments(treated, strata, max_assignments=max_assignments, seed=seed)
    out = {"p_value": _p_values(a, y, x), "n_assignments": a.shape[0], "n_possible": total}
    lo = hi = float("nan")
    if interval:
        est = (
            y[treated > 0].sum() / x[treated > 0].sum()
            - y[treated == 0].sum() / x[treated == 0].sum()
        )

        def p_of(delta: float) -> float:
            return _p_values(a, y - delta * x * treated, x)

        lo, hi = _invert(p_of, est, se, alpha)
    return {**out, "ci_low": lo, "ci_high": hi}


# --------------------------------------------------------------------------- wild bootstrap
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def _weights(g: int, draws: int, seed: int) -> tuple[np.ndarray, str]:
    """Cluster weights (B, G): Webb six-point under 12 clusters, Rademacher otherwise."""
    values, name = (_WEBB, "webb") if g < 12 else (np.array([-1.0, 1.0]), "rademacher")
    if len(values) ** g <= draws:
        grid = np.array(list(itertools.product(range(len(values)), repeat=g)))
        return values[grid], f"{name}, all {len(values) ** g} enumerated"
    rng = np.random.default_rng(seed)
    return values[rng.integers(0, len(values), (draws, g))], f"{name}, {draws} draws"


def _boot_t(w, delta, y0, x0, y1, x1):
    """Restricted wild bootstrap t-statistics of H0: effect = δ (rows of w), and t_obs."""
    tx0, tx1 = x0.sum(), x1.sum()
    beta = (y0.sum() + y1.sum() - delta * tx1) / (tx0 + tx1)
    e0 = y0 - beta * x0
    e1 = y1 - (beta + delta) * x1
    with np.errstate(divide="ignore", invalid="ignore"):
        k0 = np.where(x0 > 0, 1 / np.sqrt(1 - x0 / tx0), 1.0)
        k1 = np.where(x1 > 0, 1 / np.sqrt(1 - x1 / tx1), 1.0)

        def t_of(ys0, ys1):
            r0 = ys0.sum(-1) / tx0
            r1 = ys1.sum(-1) / tx1
            u = k1 * (ys1 - r1[..., None] * x1) / tx1 - k0 * (ys0 - r0[..., None] * x0) / tx0
            return (r1 - r0 - delta) / np.sqrt((u * u).sum(-1))

        t_obs = t_of(y0, y1)
        t_star = t_of(beta * x0 + w * e0, (beta + delta) * x1 + w * e1)
    return t_star, t_obs


def wild_bootstrap(
    y0: np.ndarray,
    x0: np.ndarray,
    y1: np.ndarray,
    x1: np.ndarray,
    *,
    alpha: float = 0.05,
    se: float = float("nan"),
    draws: int = 9_999,
    seed: int = 20_240_611,
) -> dict:
    """Restricted wild cluster bootstrap-t p-value and interval (test inversion).

    Parameters
    ----------
    y0, x0, y1, x1 : array (G,)
        Numerator and weight totals of each cluster's control / treatment part (zeros
        where a cluster has no units in that arm; clusters may span both arms).

    Returns
    -------
    dict
        ``p_value``, ``ci_low``, ``ci_high``, ``n_draws``, ``weights`` (a description).

    Examples
    --------
    >>> y0 = np.array([10.0, 12.0, 11.0, 0, 0, 0]); y1 = np.array([0, 0, 0, 30.0, 33.0, 29.0])
    >>> x = np.full(6, 10.0); x0 = np.r_[x[:3], 0, 0, 0]; x1 = np.r_[0, 0, 0, x[3:]]
    >>> res = wild_bootstrap(y0, x0, y1, x1)
    >>> res["weights"], res["p_value"] < 0.05
    ('webb, 9999 draws', True)
    """
    arrays = [np.asarray(v, float) for v in (y0, x0, y1, x1)]
    w, name = _weights(arrays[0].size, draws, seed)

    def p_of(delta: float) -> float:
        t_star, t_obs = _boot_t(w, delta, *arrays)
        return float(np.mean(np.abs(t_star) >= abs(t_obs) * (1 - _TIE) - 1e-12))

    y0, x0, y1, x1 = arrays
    est = y1.sum() / x1.sum() - y0.sum() / x0.sum()
    lo, hi = _invert(p_of, est, se, alpha)
    return {
        "p_value": p_of(0.0),
        "ci_low": lo,
        "ci_high": hi,
        "n_draws": w.shape[0],
        "weights": name,
    }
