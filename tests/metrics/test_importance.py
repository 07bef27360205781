"""cxkit.metrics.importance: relative weights, subset R², LMG and ordinal weights on matrices,
against brute-force references computed here (OLS fits, all orders, a direct statsmodels fit)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from cxkit.errors import CxDataError
from cxkit.metrics import lmg, ordinal_relative_weights, relative_weights, subset_r2


def _data(seed: int = 3, n: int = 400, p: int = 4):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p)) + 0.5 * rng.normal(size=(n, 1))
    y = x @ np.linspace(1.0, 0.2, p) + rng.normal(scale=1.5, size=n)
    return x, y, np.corrcoef(np.column_stack([x, y]), rowvar=False)


def _r2_ols(x: np.ndarray, y: np.ndarray) -> float:
    if x.shape[1] == 0:
        return 0.0
    a = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    resid = y - a @ coef
    return 1 - resid @ resid / np.sum((y - y.mean()) ** 2)


def test_subset_r2_equals_ols_on_every_subset_and_lmg_equals_all_orders():
    x, y, corr = _data()
    p = x.shape[1]
    r2 = subset_r2(corr)
    assert r2.shape == (2**p,)
    for mask in range(2**p):
        cols = [j for j in range(p) if mask >> j & 1]
        assert r2[mask] == pytest.approx(_r2_ols(x[:, cols], y), abs=1e-10)
    # brute-force Shapley: average marginal gain over all p! orders
    shap = np.zeros(p)
    for order in itertools.permutations(range(p)):
        seen = 0
        for j in order:
            shap[j] += r2[seen | 1 << j] - r2[seen]
            seen |= 1 << j
    shap /= math.factorial(p)
    np.testing.assert_allclose(lmg(r2, p), shap, atol=1e-12)
    assert lmg(r2, p).sum() == pytest.approx(r2[-1], abs=1e-12)


def test_relative_weights_sum_to_r2_and_batch_like_single_calls():
    x, y, corr = _data(seed=4)
    p = x.shape[1]
    eps = relative_weights(corr[:p, :p], corr[:p, p])
    assert eps.sum() == pytest.approx(_r2_ols(x, y), abs=1e-10)
    # uncorrelated drivers: the squared correlations
    assert relative_weights(np.eye(2), np.array([0.5, -0.3])).tolist() == pytest.approx(
        [0.25, 0.09]
    )
    # batched over a leading axis = one call per matrix
    _, _, corr2 = _data(seed=5)
    batch = relative_weights(np.stack([corr, corr2])[:, :p, :p], np.stack([corr, corr2])[:, :p, p])
    np.testing.assert_allclose(batch[0], eps, atol=1e-14)
    np.testing.assert_allclose(batch[1], relative_weights(corr2[:p, :p], corr2[:p, p]), atol=1e-14)
    # subset R² batched too
    np.testing.assert_allclose(subset_r2(np.stack([corr, corr2]))[1], subset_r2(corr2), atol=1e-14)


def test_ordinal_relative_weights_sum_to_mckelvey_zavoina_r2():
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    rng = np.random.default_rng(4)
    n = 1200
    x = rng.normal(size=(n, 3)) + 0.5 * rng.normal(size=(n, 1))
    y = np.digitize(x @ np.array([1.0, -0.5, 0.2]) + rng.logistic(size=n), [-1.5, 0.0, 1.5])
    eps, draws, coef, r2 = ordinal_relative_weights(x, y, 200, np.random.default_rng(0))
    # reference: statsmodels OrderedModel on the standardised drivers (R²_MZ is rotation
    # invariant, so it must equal the sum of the weights)
    xs = (x - x.mean(0)) / x.std(0)
    fit = OrderedModel(y, xs, distr="logit").fit(method="bfgs", disp=False, maxiter=1000)
    var_lin = np.var(xs @ np.asarray(fit.params[:3]))
    assert eps.sum() == pytest.approx(r2, abs=1e-12)
    assert r2 == pytest.approx(var_lin / (var_lin + math.pi**2 / 3), rel=1e-3)
    assert np.sign(coef).tolist() == [1, -1, 1] and draws.shape == (200, 3)
    with pytest.raises(CxDataError, match="single value"):
        ordinal_relative_weights(x, np.ones(n), 0, rng)
