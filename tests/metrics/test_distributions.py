"""cxkit.metrics.distributions against scipy.stats (the reference) over wide grids."""

import math

import numpy as np
import pytest
from scipy import stats

from cxkit.metrics import distributions as d

DFS = [1, 1.5, 2, 3, 4.7, 10, 30, 100, 1e3, 3999.5, 4000.5, 1e4, 1e5, 1e6, 1e7]


def _rel(got, want):
    got, want = np.asarray(got, float), np.asarray(want, float)
    assert got.shape == want.shape
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = np.isfinite(want) & (want != 0)
    zero = want == 0  # scipy underflows to 0 where these may still give a subnormal
    assert np.all(np.abs(got[zero]) < 1e-300)
    assert np.array_equal(got[np.isinf(want)], want[np.isinf(want)])
    return float(np.max(np.abs(got[ok] - want[ok]) / np.abs(want[ok])))


def test_normal_tails_to_1e_300():
    x = np.concatenate([-np.logspace(-3, np.log10(37.5), 200), [0.0], np.logspace(-3, 1.574, 200)])
    assert _rel(d.norm_sf(x), stats.norm.sf(x)) < 1e-12
    assert _rel(d.norm_cdf(x), stats.norm.cdf(x)) < 1e-12
    assert _rel(d.norm_pdf(x), stats.norm.pdf(x)) < 1e-12
    assert d.norm_sf(37.5) < 1e-300 < d.norm_sf(37.0)


def test_normal_quantiles_from_1e_300():
    p = np.concatenate(
        [np.logspace(-300, -1, 300), np.linspace(0.1, 0.9, 81), 1 - np.logspace(-16, -1, 50)]
    )
    assert _rel(d.norm_ppf(p), stats.norm.ppf(p)) < 1e-14
    assert _rel(d.norm_isf(p), stats.norm.isf(p)) < 1e-14
    assert d.norm_ppf(0.0) == -math.inf and d.norm_isf(0.0) == math.inf
    assert math.isnan(d.norm_ppf(1.5)) and d.norm_ppf(0.5) == 0.0


@pytest.mark.parametrize("df", DFS)
def test_student_t_cdf_sf_pdf(df):
    t = np.concatenate([-np.logspace(-3, 2, 60), [0.0], np.logspace(-3, 2, 60)])
    assert _rel(d.t_sf(t, df), stats.t.sf(t, df)) < 1e-12
    assert _rel(d.t_cdf(t, df), stats.t.cdf(t, df)) < 1e-12
    assert _rel(d.t_pdf(t, df), stats.t.pdf(t, df)) < 1e-11  # Newton's slope only


def test_student_t_deep_tails():
    for df, t in [(3, 1e80), (30, 1e9), (1e3, 30.0), (1e6, 37.0)]:
        want = stats.t.sf(t, df)
        assert 0 < want < 1e-100
        assert abs(d.t_sf(t, df) - want) / want < 1e-12
    # df = 1 is the Cauchy: sf = atan(1/t)/π exactly (scipy underflows to 0 beyond t ≈ 1e150)
    for t in (1e3, 1e100, 1e200, 1e300):
        assert abs(d.t_sf(t, 1) / (math.atan(1 / t) / math.pi) - 1) < 1e-12


@pytest.mark.parametrize("df", DFS)
def test_student_t_quantiles(df):
    p = np.concatenate([np.logspace(-15, -1, 40), np.linspace(0.1, 0.9, 17)])
    assert _rel(d.t_isf(p, df), stats.t.isf(p, df)) < 1e-12
    assert _rel(d.t_ppf(p, df), stats.t.ppf(p, df)) < 1e-12


def test_student_t_infinite_df_is_the_normal_and_arrays_broadcast():
    assert d.t_sf(1.3, math.inf) == d.norm_sf(1.3)
    assert d.t_isf(0.025, math.inf) == d.norm_isf(0.025)
    got = d.t_isf(0.025, np.array([[5.0, math.inf], [50.0, 1e6]]))
    assert got.shape == (2, 2)
    assert _rel(got, stats.t.isf(0.025, np.array([[5.0, np.inf], [50.0, 1e6]]))) < 1e-12
    assert math.isnan(d.t_sf(math.nan, 3)) and math.isnan(d.t_sf(1.0, 0))
    assert d.t_sf(math.inf, 4) == 0.0 and d.t_isf(0.5, 7) == 0.0


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 10, 30, 100, 1e3, 1e4, 1e5, 1e6])
def test_chi_square_sf(k):
    x = np.concatenate(
        [
            np.logspace(-5, 0, 20) * k,
            k + np.linspace(-5, 5, 21) * np.sqrt(2 * k),
            np.logspace(0, np.log10(1300), 30) * k,
        ]
    )
    x = x[x > 0]
    assert _rel(d.chi2_sf(x, k), stats.chi2.sf(x, k)) < 1e-12
    assert d.chi2_sf(0.0, k) == 1.0 and d.chi2_sf(math.inf, k) == 0.0


def test_srm_and_response_balance_match_scipy():
    import cxkit as cx

    n = np.array([5030.0, 4970.0, 5100.0])
    got = cx.experiment.srm_counts(dict(zip("abc", n, strict=True)))
    stat, p = stats.chisquare(n)
    assert abs(got["statistic"][0] - stat) < 1e-12 and abs(got["p_value"][0] - p) < 1e-14
    table = np.array([[400.0, 4630.0], [455.0, 4515.0], [430.0, 4670.0]])
    import polars as pl

    frame = pl.DataFrame(
        {
            "arm": np.repeat(["a", "b", "c"], table.sum(axis=1).astype(int)),
            "responded": np.concatenate(
                [np.r_[np.ones(int(r)), np.zeros(int(q))] for r, q in table]
            ),
        }
    )
    resp = cx.experiment.response_balance(frame, arm="arm", responded="responded")
    stat, p, dof, _ = stats.chi2_contingency(table, correction=False)
    assert abs(resp["statistic"][0] - stat) < 1e-10 and abs(resp["p_value"][0] / p - 1) < 1e-12
    assert resp["df"][0] == dof == 2
