"""Relative importance of correlated predictors: Johnson's relative weights, all-subsets R²
and the Shapley / LMG decomposition, plus relative weights on the latent scale of an ordinal logit.

Pure matrix functions, batched over leading axes so that a whole bootstrap chunk is one call;
:func:`cxkit.satisfaction.drivers` prepares the data and the resamples.

References: Johnson, J. W. (2000), *Multivariate Behavioral Research* 35(1); Lindeman, Merenda
& Gold (1980); Tonidandel & LeBreton (2010), *Journal of Business and Psychology* 25(4).
"""

from __future__ import annotations

import warnings
from math import factorial

import numpy as np

from cxkit.errors import CxDataError

__all__ = ["lmg", "ordinal_relative_weights", "relative_weights", "subset_r2"]


def _rw_parts(rxx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigen-decomposition pieces of Johnson's method: Λ (X↔Z correlations) and Λ⁻¹."""
    lam, vec = np.linalg.eigh(rxx)
    lam = np.clip(lam, 1e-12, None)
    vt = np.swapaxes(vec, -1, -2)
    load = (vec * np.sqrt(lam)[..., None, :]) @ vt  # symmetric square root of Rxx
    inv_load = (vec / np.sqrt(lam)[..., None, :]) @ vt
    return load, inv_load


def relative_weights(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Johnson's relative weights from a driver correlation matrix and driver–outcome correlations.

    Parameters
    ----------
    rxx : array (..., p, p)
        Correlation matrix of the drivers (batched over leading axes).
    rxy : array (..., p)
        Correlations of each driver with the outcome.

    Returns
    -------
    numpy.ndarray (..., p)
        ε_j; their sum is the R² of the regression of the outcome on all drivers.

    Examples
    --------
    >>> import numpy as np
    >>> relative_weights(np.eye(2), np.array([0.5, 0.3])).round(2).tolist()
    [0.25, 0.09]
    """
    load, inv_load = _rw_parts(np.asarray(rxx, dtype=float))
    beta = (inv_load @ np.asarray(rxy, dtype=float)[..., None])[..., 0]
    return np.einsum("...jk,...k->...j", load**2, beta**2)


def subset_r2(corr: np.ndarray) -> np.ndarray:
    """R² of the outcome (last variable) on every subset of the drivers (the others).

    Uses reversible sweeps in Gray-code order: one sweep per subset, batched over the
    leading axes of ``corr``.

    Parameters
    ----------
    corr : array (..., p + 1, p + 1)
        Correlation matrix with the outcome last.

    Returns
    -------
    numpy.ndarray (..., 2**p)
        ``r2[..., mask]`` is the R² on the drivers whose bits are set in ``mask``.

    Examples
    --------
    >>> import numpy as np
    >>> subset_r2(np.array([[1.0, 0.0, 0.6], [0.0, 1.0, 0.3], [0.6, 0.3, 1.0]])).round(2).tolist()
    [0.0, 0.36, 0.09, 0.45]
    """
    corr = np.asarray(corr, dtype=float)
    batch = corr.shape[:-2]
    q = corr.shape[-1]
    p = q - 1
    # work with the batch axis last: each sweep is then a few contiguous vector operations
    m = np.moveaxis(corr.reshape(-1, q, q), 0, -1).copy(order="C")  # never a view of the input
    nb = m.shape[-1]
    out = np.empty((2**p, nb))
    out[0] = 0.0
    y_var = m[p, p].copy()
    buf = np.empty_like(m)
    swept = np.zeros(p, dtype=bool)
    mask = 0
    for i in range(1, 2**p):  # one sweep per subset (each batched over all resamples)
        k = (i & -i).bit_length() - 1  # Gray code: toggle the lowest set bit of i
        inv = 1.0 / m[k, k]
        sign = -1.0 if swept[k] else 1.0
        col = m[:, k] * inv
        row = m[k].copy()
        np.multiply(col[:, None, :], row[None, :, :], out=buf)
        m -= buf
        m[:, k] = sign * col
        m[k, :] = sign * row * inv
        m[k, k] = -inv
        swept[k] = not swept[k]
        mask ^= 1 << k
        out[mask] = 1.0 - m[p, p] / y_var
    return np.moveaxis(out, 0, -1).reshape(*batch, 2**p)


def lmg(r2: np.ndarray, p: int) -> np.ndarray:
    """Shapley / LMG shares from the subset R² array (see :func:`subset_r2`).

    ``LMG_j = Σ_{S ∌ j} |S|! (p − |S| − 1)! / p! · (R²(S ∪ j) − R²(S))``.

    Parameters
    ----------
    r2 : array (..., 2**P)
        Subset R² over P ≥ p variables.
    p : int
        Use only the first ``p`` drivers (subsets not touching the others).

    Returns
    -------
    numpy.ndarray (..., p)
        The LMG value of each driver; they sum to R² of all p drivers.

    Examples
    --------
    >>> import numpy as np
    >>> lmg(np.array([0.0, 0.36, 0.09, 0.45]), 2).round(3).tolist()
    [0.36, 0.09]
    """
    masks = np.arange(2**p)
    size = np.bitwise_count(masks)
    # exact integer factorials, one weight per subset size (p <= 16 values)
    wt = np.array([factorial(s) * factorial(p - s - 1) / factorial(p) for s in range(p)])
    out = np.empty((*r2.shape[:-1], p))
    for j in range(p):  # one matrix product per driver
        without = masks[(masks >> j) & 1 == 0]
        gain = r2[..., without | (1 << j)] - r2[..., without]
        out[..., j] = gain @ wt[size[without]]
    return out


def ordinal_relative_weights(
    z: np.ndarray, y: np.ndarray, n_draws: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, float]:
    """Relative weights on the latent scale of a proportional-odds logit.

    After Tonidandel & LeBreton (2010): the drivers are replaced by their orthonormal
    counterparts, a proportional-odds logit (statsmodels ``OrderedModel``) is fitted on them,
    and the standardised latent-scale coefficients are allocated back to the drivers, so the
    weights sum to the McKelvey–Zavoina pseudo-R².

    Parameters
    ----------
    z : array (n, p)
        Driver values (complete rows).
    y : array (n,)
        Ordinal outcome (any sortable codes, at least two levels).
    n_draws : int
        Monte-Carlo draws from the coefficients' asymptotic normal distribution (0 = none).
    rng : numpy.random.Generator

    Returns
    -------
    (weights, draws, coef_x, r2_mz)
        ε (p), draws of ε (n_draws × p, or None), the coefficients on the drivers' scale
        (their signs) and the McKelvey–Zavoina R².

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(400, 2))
    >>> y = np.digitize(x @ [1.0, 0.3] + rng.logistic(size=400), [-1, 1])
    >>> eps, _, coef, r2 = ordinal_relative_weights(x, y, 0, rng)
    >>> bool(eps[0] > eps[1]), bool(abs(eps.sum() - r2) < 1e-12)
    (True, True)
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    x = (z - z.mean(axis=0)) / z.std(axis=0)
    load, inv_load = _rw_parts(np.corrcoef(x, rowvar=False))
    zo = x @ inv_load  # orthonormal counterparts of the drivers
    zo = zo / zo.std(axis=0)
    levels, codes = np.unique(y, return_inverse=True)
    if levels.size < 2:
        raise CxDataError("The outcome has a single value; nothing to explain.", rule="variance")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = OrderedModel(codes, zo, distr="logit")
        res = model.fit(method="bfgs", disp=False, maxiter=1000)
    p = z.shape[1]
    b = np.asarray(res.params[:p])
    cov = np.asarray(res.cov_params())[:p, :p]

    def eps(bb):
        var_lin = np.sum(bb**2, axis=-1, keepdims=True)
        beta_std2 = bb**2 / (var_lin + np.pi**2 / 3)
        return np.einsum("jk,...k->...j", load**2, beta_std2)

    draws = rng.multivariate_normal(b, cov, size=n_draws, method="cholesky") if n_draws else None
    coef_x = inv_load @ b
    r2_mz = float(np.sum(b**2) / (np.sum(b**2) + np.pi**2 / 3))
    return eps(b), (eps(draws) if n_draws else None), coef_x, r2_mz
