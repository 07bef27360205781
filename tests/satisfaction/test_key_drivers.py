"""cxkit.satisfaction.key_drivers: checked against independent implementations written here."""

from __future__ import annotations

import itertools
import math
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cxkit.errors import CxDataError
from cxkit.metrics import lmg, relative_weights, subset_r2
from cxkit.sample import survey as sv
from cxkit.satisfaction import drivers, missing_report, rating_columns, scores, to_binary

# other input types and polars' parallel group_by may differ in the last bits of a sum
assert_same = partial(assert_frame_equal, rel_tol=1e-12, abs_tol=1e-12)

DATA = Path(__file__).resolve().parents[3] / "shared" / "datasets"
AIRLINE = DATA / "airline_satisfaction.csv"


def _frame(seed: int = 0, n: int = 600, p: int = 5):
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, 1))
    x = 0.6 * common + rng.normal(size=(n, p))
    beta = np.linspace(1.0, 0.1, p)
    y = x @ beta + rng.normal(scale=2.0, size=n)
    cols = [f"d{j}" for j in range(p)]
    return pl.DataFrame({**{c: x[:, j] for j, c in enumerate(cols)}, "y": y}), cols, x, y


def _johnson_svd(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson (2000) from the data by SVD: X = PΔQᵀ, Z = PQᵀ, Λ = QΔQᵀ (standardised)."""
    xs = (x - x.mean(0)) / x.std(0)
    ys = (y - y.mean()) / y.std()
    n = x.shape[0]
    p_, d, qt = np.linalg.svd(xs / math.sqrt(n), full_matrices=False)
    z = p_ @ qt  # orthonormal (in the 1/n inner product) counterparts
    lam = qt.T @ np.diag(d) @ qt
    beta = z.T @ (ys / math.sqrt(n))  # regression of y on Z (ZᵀZ = I)
    return (lam**2) @ (beta**2)


def _r2_ols(x: np.ndarray, y: np.ndarray) -> float:
    if x.shape[1] == 0:
        return 0.0
    a = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    resid = y - a @ coef
    return 1 - resid @ resid / np.sum((y - y.mean()) ** 2)


def test_relative_weights_match_svd_reference_and_sum_to_r2():
    df, cols, x, y = _frame()
    res = drivers(df, "y", cols, n_boot=0)
    got = dict(zip(res["driver"], res["importance"], strict=True))
    ref = _johnson_svd(x, y)  # independent route: SVD of the data, not eigh of R
    for j, c in enumerate(cols):
        assert got[c] == pytest.approx(ref[j], abs=1e-10)
    # second reference: a direct numpy eigendecomposition of the correlation matrix
    r = np.corrcoef(np.column_stack([x, y]), rowvar=False)
    lam, vec = np.linalg.eigh(r[:-1, :-1])
    half = vec @ np.diag(np.sqrt(lam)) @ vec.T  # Λ = R^{1/2}
    beta = np.linalg.solve(half, r[:-1, -1])
    eig_ref = (half**2) @ (beta**2)
    for j, c in enumerate(cols):
        assert got[c] == pytest.approx(eig_ref[j], abs=1e-10)
    assert res["importance"].sum() == pytest.approx(_r2_ols(x, y), abs=1e-10)
    assert res["r2"][0] == pytest.approx(_r2_ols(x, y), abs=1e-10)
    assert res["importance_pct"].sum() == pytest.approx(1.0)
    # function on matrices: uncorrelated drivers → squared correlations
    assert relative_weights(np.eye(3), np.array([0.5, 0.2, -0.1])).tolist() == pytest.approx(
        [0.25, 0.04, 0.01]
    )


def test_shapley_matches_brute_force_over_subsets():
    df, cols, x, y = _frame(seed=1, p=5)
    res = drivers(df, "y", cols, method="shapley", n_boot=0)
    got = dict(zip(res["driver"], res["importance"], strict=True))
    p = len(cols)
    # brute force: average marginal R² gain over all p! orders, each R² from an OLS fit
    r2 = {}
    for k in range(p + 1):
        for s in itertools.combinations(range(p), k):
            r2[frozenset(s)] = _r2_ols(x[:, list(s)], y)
    shap = np.zeros(p)
    perms = list(itertools.permutations(range(p)))
    for order in perms:
        seen: frozenset = frozenset()
        for j in order:
            shap[j] += r2[seen | {j}] - r2[seen]
            seen = seen | {j}
    shap /= len(perms)
    for j, c in enumerate(cols):
        assert got[c] == pytest.approx(shap[j], abs=1e-10)
    # subset R² array agrees with the OLS fits too
    r2_all = subset_r2(np.corrcoef(np.column_stack([x, y]), rowvar=False))
    for mask in (0b1, 0b10110, 0b11111):
        s = frozenset(j for j in range(p) if mask >> j & 1)
        assert r2_all[mask] == pytest.approx(r2[s], abs=1e-10)
    assert lmg(r2_all, p).sum() == pytest.approx(r2[frozenset(range(p))], abs=1e-10)


def test_shapley_limit_and_bad_inputs():
    df = pl.DataFrame(
        {f"d{j}": np.arange(20.0) % (j + 2) for j in range(16)} | {"y": np.arange(20.0)}
    )
    with pytest.raises(ValueError, match="at most 15 drivers"):
        drivers(df, "y", [f"d{j}" for j in range(16)], method="shapley")
    text = pl.DataFrame({"a": [1.0, 2, 3, 4, 5], "y": ["x", "y", "x", "y", "x"]})
    with pytest.raises(CxDataError, match="numeric"):
        drivers(text, "y", ["a"])
    const = pl.DataFrame({"a": [1.0, 2, 3, 4, 5, 6], "b": [2.0] * 6, "y": [1.0, 3, 2, 5, 4, 6]})
    with pytest.raises(CxDataError, match="No variation"):
        drivers(const, "y", ["a", "b"])
    coll = const.with_columns(b=pl.col("a") * 2)
    with pytest.raises(CxDataError, match="collinear"):
        drivers(coll, "y", ["a", "b"])
    with pytest.raises(CxDataError, match="complete rows"):
        drivers(const.head(3), "y", ["a"])


def test_integer_weights_equal_duplicated_rows():
    df, cols, x, y = _frame(seed=2, n=300, p=3)
    w = np.random.default_rng(2).integers(1, 4, size=300)
    weighted = drivers(df.with_columns(w=pl.Series(w)), "y", cols, weight="w", n_boot=0)
    dup = drivers(
        pl.DataFrame({c: np.repeat(df[c].to_numpy(), w) for c in df.columns}), "y", cols, n_boot=0
    )
    # reference: the same analysis on the data with each row repeated w times
    assert weighted["importance"].to_list() == pytest.approx(dup["importance"].to_list(), abs=1e-12)
    assert weighted["performance"].to_list() == pytest.approx(dup["performance"].to_list())


def test_listwise_deletion_and_na_codes_reported():
    df = pl.DataFrame(
        {
            "a": [1, 2, 0, 4, 5, 3, 2, 1, 4, 5, 3, 2],
            "b": [2, None, 3, 3, 5, 1, 2, 4, 4, 5, 0, 1],
            "y": [1, 0, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0],
        }
    )
    before = df.clone()
    res = drivers(df, "y", ["a", "b"], na_codes=[0], n_boot=50)
    # brute force: rows 1 (null b), 2 (a = 0) and 10 (b = 0) are dropped; y = 0 is kept
    assert res["n"][0] == 9 and res["n_dropped"][0] == 3
    rep = missing_report(df, ["a", "b"], outcome="y", na_codes=[0])
    assert rep["column"].to_list() == ["a", "b", "y", "(any)"]
    assert rep["n_missing"].to_list() == [1, 2, 0, 3]
    assert rep["n_na_code"].to_list() == [1, 1, 0, 2]
    # performance = mean of the valid answers (0 = not applicable excluded)
    perf = dict(zip(res["driver"], res["performance"], strict=True))
    assert perf["a"] == pytest.approx(np.mean([1, 2, 4, 5, 3, 2, 1, 4, 5, 3, 2]))
    assert df.equals(before)


def test_ordinal_logit_weights_sum_to_mckelvey_zavoina_r2():
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    rng = np.random.default_rng(4)
    n = 1500
    x = rng.normal(size=(n, 3)) + 0.5 * rng.normal(size=(n, 1))
    latent = x @ np.array([1.0, -0.5, 0.2]) + rng.logistic(size=n)
    y = np.digitize(latent, [-1.5, 0.0, 1.5]) + 1
    df = pl.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": y})
    res = drivers(df, "y", ["a", "b", "c"], method="ordinal_logit", n_boot=300)
    # reference: a direct statsmodels OrderedModel fit on the standardised drivers; the
    # latent-scale R² (McKelvey–Zavoina) is rotation invariant, so it must equal Σ ε_j
    xs = (x - x.mean(0)) / x.std(0)
    fit = OrderedModel(y, xs, distr="logit").fit(method="bfgs", disp=False, maxiter=1000)
    b = np.asarray(fit.params[:3])
    var_lin = np.var(xs @ b)
    r2_mz = var_lin / (var_lin + math.pi**2 / 3)
    assert res["importance"].sum() == pytest.approx(r2_mz, rel=1e-3)
    signs = dict(zip(res["driver"], res["sign"], strict=True))
    assert signs == {"a": 1, "b": -1, "c": 1}
    assert res["driver"].to_list() == ["a", "b", "c"]
    assert (res["ci_low"] <= res["importance"]).all() and (
        res["importance"] <= res["ci_high"]
    ).all()


def test_planted_driver_weights_recovered():
    """Sample survey: the true relative weights (exact, from the latent model) are recovered."""
    df = sv.make_survey(20_000, seed=7)
    truth = sv.true_relative_weights("csat", sv.TOUCHPOINTS)
    k = len(truth)
    # simultaneous 95 % intervals over the k drivers (Bonferroni: alpha / k each)
    res = drivers(df, "csat", sv.TOUCHPOINTS, alpha=0.05 / k, n_boot=1000, seed=1)
    true_order = sorted(truth, key=truth.get, reverse=True)
    assert res["driver"].to_list() == true_order
    for row in res.iter_rows(named=True):
        assert row["ci_low"] <= truth[row["driver"]] <= row["ci_high"], row["driver"]
    assert res["significant"].all()
    # the six agent behaviours behind the agent-call rating
    truth_b = sv.true_relative_weights("agent_call")
    res_b = drivers(df, "agent_call", sv.BEHAVIOURS, alpha=0.05 / 6, n_boot=1000, seed=1)
    assert res_b["driver"].to_list() == sorted(truth_b, key=truth_b.get, reverse=True)
    for row in res_b.iter_rows(named=True):
        assert row["ci_low"] <= truth_b[row["driver"]] <= row["ci_high"], row["driver"]


def test_airline_satisfied_share_and_online_boarding_top_driver():
    raw = pl.read_csv(AIRLINE)
    survey = to_binary(raw, "satisfaction", "satisfied")
    share = scores(survey, "satisfaction", metric="proportion").row(0, named=True)
    # published: 43.9 % of respondents are satisfied (datasets README, Kaggle test split)
    assert round(share["estimate"], 3) == 0.439 and share["n"] == 25_976
    ratings = rating_columns(survey, na_codes=[0])
    assert len(ratings) == 14 and "Online boarding" in ratings
    res = drivers(survey, "satisfaction", ratings, na_codes=[0], n_boot=200)
    # published: online boarding shows the largest satisfied-vs-not rating gap (README)
    assert res["driver"][0] == "Online boarding"
    assert "Inflight entertainment" in res["driver"].head(5).to_list()
    assert res["n"][0] + res["n_dropped"][0] == 25_976 and res["n_dropped"][0] > 0


@pytest.mark.slow
def test_bootstrap_interval_coverage():
    """95 % percentile intervals of relative weights cover the truth ~95 % (simulation)."""
    rng = np.random.default_rng(123)
    beta = np.array([0.6, 0.3, 0.1])
    var_y = beta @ beta + 1.0
    truth = beta**2 / var_y  # independent standard-normal drivers: ε_j = β_j² / Var(y)
    hits = np.zeros(3)
    reps = 150
    for r in range(reps):
        x = rng.normal(size=(400, 3))
        y = x @ beta + rng.normal(size=400)
        df = pl.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": y})
        res = drivers(df, "y", ["a", "b", "c"], n_boot=300, seed=r)
        got = {d: (lo, hi) for d, lo, hi in res.select("driver", "ci_low", "ci_high").iter_rows()}
        for j, d in enumerate("abc"):
            hits[j] += got[d][0] <= truth[j] <= got[d][1]
    cover = hits / reps
    # the two clearly non-zero weights: coverage near nominal (binomial SE ≈ 1.8 pts)
    assert np.all((cover[:2] > 0.88) & (cover[:2] < 0.995)), cover


def test_large_data_path_resamples_random_groups(monkeypatch):
    """Above _MAX_ROW_UNITS rows, sums per random group come from polars; same estimates."""
    import cxkit.satisfaction.key_drivers as drv_mod

    rng = np.random.default_rng(6)
    n = 6000
    x = rng.normal(size=(n, 3)) + 0.4 * rng.normal(size=(n, 1))
    x[:, 2] = rng.normal(size=n)  # unrelated to everything
    y = x @ np.array([0.8, 0.4, 0.0]) + rng.normal(size=n)
    w = rng.gamma(3.0, 1.0, size=n)
    df = pl.DataFrame({"a": x[:, 0], "b": x[:, 1], "noise": x[:, 2], "y": y, "w": w})
    rows = drivers(df, "y", ["a", "b", "noise"], weight="w", n_boot=400)
    monkeypatch.setattr(drv_mod, "_MAX_ROW_UNITS", 1000)
    monkeypatch.setattr(drv_mod, "_N_GROUPS", 1500)
    grouped = drv_mod.drivers(df.lazy(), "y", ["a", "b", "noise"], weight="w", n_boot=400)
    # point estimates: identical (same weighted moments, summed per group then in total)
    assert grouped["importance"].to_list() == pytest.approx(rows["importance"].to_list(), abs=1e-12)
    assert grouped["r2"][0] == pytest.approx(rows["r2"][0], abs=1e-12)
    # intervals: the same sampling distribution, up to Monte-Carlo noise
    width_r = (rows["ci_high"] - rows["ci_low"]).to_numpy()
    width_g = (grouped["ci_high"] - grouped["ci_low"]).to_numpy()
    np.testing.assert_allclose(width_g[:2], width_r[:2], rtol=0.25)
    # Tonidandel–LeBreton: the pure-noise driver is not significant, the real ones are
    sig = dict(zip(grouped["driver"], grouped["significant"], strict=True))
    assert sig == {"a": True, "b": True, "noise": False}


def test_drivers_and_missing_report_accept_pandas_and_pyarrow(as_other):
    df, cols, _, _ = _frame(seed=5, n=300, p=3)
    df = df.with_columns(w=pl.Series(np.random.default_rng(5).gamma(2.0, 1.0, 300)))
    want = drivers(df, "y", cols, weight="w", n_boot=50, seed=3)
    assert_same(drivers(as_other(df), "y", cols, weight="w", n_boot=50, seed=3), want)
    assert want["importance"].sum() == pytest.approx(want["r2"][0])
    rep = missing_report(df, cols, outcome="y")
    assert_same(missing_report(as_other(df), cols, outcome="y"), rep)
    with pytest.raises(CxDataError, match="pandas DataFrame or a pyarrow Table"):
        drivers(df.to_numpy(), "y", cols)


def test_bad_arguments_are_data_errors():
    df, cols, _, _ = _frame(seed=6, n=100, p=2)
    with pytest.raises(CxDataError, match="'relative_weights', 'shapley', 'ordinal_logit'"):
        drivers(df, "y", cols, method="dominance")
    with pytest.raises(CxDataError, match="at least one driver"):
        drivers(df, "y", [])
    with pytest.raises(CxDataError, match="unique"):
        drivers(df, "y", ["d0", "d0"])
    with pytest.raises(CxDataError, match="cannot also be a driver"):
        drivers(df, "y", ["d0", "y"])
    with pytest.raises(CxDataError, match="does not support weights"):
        drivers(df.with_columns(w=pl.lit(1.0)), "y", cols, method="ordinal_logit", weight="w")
    with pytest.raises(CxDataError, match="negative"):
        drivers(df.with_columns(w=pl.lit(-1.0)), "y", cols, weight="w")


def test_old_private_module_still_works_with_a_deprecation_warning():
    import cxkit.satisfaction._drivers as old

    with pytest.warns(DeprecationWarning, match="cxkit.metrics.relative_weights"):
        assert old.relative_weights is relative_weights
    with pytest.warns(DeprecationWarning, match="cxkit.satisfaction.drivers"):
        assert old.drivers is drivers
