"""cxkit.metrics.intervals: every interval against an independent reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cxkit.errors import CxDataError
from cxkit.metrics import (
    agresti_coull_interval,
    kish_n_eff,
    mean_interval,
    newcombe_interval,
    nps_interval,
    proportion_interval,
    two_proportion_p,
    wilson_interval,
)

Z = stats.norm.isf(0.025)


def test_wilson_matches_statsmodels_to_1e9():
    x = np.array([0, 1, 7, 45, 99, 100, 3, 500])
    n = np.array([10, 10, 30, 100, 100, 100, 1000, 1000])
    for alpha in (0.05, 0.10, 0.01):
        lo, hi = wilson_interval(x, n, alpha=alpha)
        # reference: statsmodels proportion_confint(method="wilson")
        rlo, rhi = proportion_confint(x, n, alpha=alpha, method="wilson")
        np.testing.assert_allclose(lo, rlo, atol=1e-9, rtol=0)
        np.testing.assert_allclose(hi, rhi, atol=1e-9, rtol=0)
    # scalar in → float out; n = 0 → NaN, no crash
    lo, hi = wilson_interval(45, 100)
    assert isinstance(lo, float) and lo == pytest.approx(0.3561, abs=1e-4)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_agresti_coull_matches_statsmodels():
    x = np.array([1, 7, 45, 99, 500])
    n = np.array([10, 30, 100, 100, 1000])
    lo, hi = agresti_coull_interval(x, n)
    # reference: statsmodels proportion_confint(method="agresti_coull") (clipped to [0, 1])
    rlo, rhi = proportion_confint(x, n, alpha=0.05, method="agresti_coull")
    np.testing.assert_allclose(lo, np.clip(rlo, 0, 1), atol=1e-12)
    np.testing.assert_allclose(hi, np.clip(rhi, 0, 1), atol=1e-12)


def test_nps_adjusted_wald_matches_rocks_2016_hand_computation():
    pro, pas, det = 50, 30, 20
    est, lo, hi = nps_interval(pro, pas, det)
    # Rocks (2016), "Interval estimation for the 'net promoter score'", The American
    # Statistician 70(4): add 3/4 to promoters and detractors, n + 3, Wald around that.
    n_a = 100 + 3
    pp, pd = (50 + 0.75) / n_a, (20 + 0.75) / n_a
    centre = pp - pd
    se = math.sqrt((pp + pd - centre**2) / n_a)
    assert est == pytest.approx(30.0)
    assert lo == pytest.approx(100 * (centre - Z * se), abs=1e-9)
    assert hi == pytest.approx(100 * (centre + Z * se), abs=1e-9)
    assert (round(lo, 2), round(hi, 2)) == (14.05, 44.20)
    # plain Wald: variance (p_pro + p_det - NPS^2)/n
    est, lo, hi = nps_interval(pro, pas, det, method="wald")
    se = math.sqrt((0.5 + 0.2 - 0.3**2) / 100)
    assert lo == pytest.approx(100 * (0.3 - Z * se), abs=1e-9)
    assert hi == pytest.approx(100 * (0.3 + Z * se), abs=1e-9)
    # all promoters: the Wald interval collapses, adjusted Wald does not; clipped at 100
    _, lo_w, hi_w = nps_interval(20, 0, 0, method="wald")
    _, lo_a, hi_a = nps_interval(20, 0, 0)
    assert lo_w == hi_w == 100.0
    assert lo_a < 90 and hi_a == 100.0


def test_mean_interval_matches_scipy_t():
    rng = np.random.default_rng(1)
    x = rng.normal(3.4, 1.2, size=37)
    lo, hi = mean_interval(x.mean(), x.std(ddof=1), x.size)
    # reference: scipy.stats.t.interval
    rlo, rhi = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))
    assert lo == pytest.approx(rlo, abs=1e-12) and hi == pytest.approx(rhi, abs=1e-12)
    # and statsmodels DescrStatsW.tconfint_mean
    from statsmodels.stats.weightstats import DescrStatsW

    slo, shi = DescrStatsW(x).tconfint_mean(alpha=0.05)
    assert (lo, hi) == pytest.approx((slo, shi), abs=1e-12)
    assert all(math.isnan(v) for v in mean_interval(3.0, 1.0, 1))


def test_kish_n_eff():
    assert kish_n_eff(np.ones(50)) == 50.0
    # brute force: (1+1+2+4)^2 / (1+1+4+16) = 64/22
    assert kish_n_eff([1, 1, 2, 4]) == pytest.approx(64 / 22)
    with pytest.raises(CxDataError):
        kish_n_eff([1.0, -1.0])


def test_newcombe_interval_and_two_proportion_p_match_statsmodels():
    # reference: statsmodels confint_proportions_2indep(method="newcomb") and
    # proportions_ztest (pooled z), evaluated one pair at a time
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    rng = np.random.default_rng(7)
    n0, n1 = rng.integers(5, 400, 50), rng.integers(5, 400, 50)
    x0, x1 = rng.binomial(n0, 0.3), rng.binomial(n1, 0.4)
    lo, hi = newcombe_interval(x0, n0, x1, n1, alpha=0.1)
    p = two_proportion_p(x0, n0, x1, n1)
    for i in range(50):
        ref = confint_proportions_2indep(x1[i], n1[i], x0[i], n0[i], method="newcomb", alpha=0.1)
        assert (lo[i], hi[i]) == pytest.approx(ref, abs=1e-12)
        _, ref_p = proportions_ztest([x1[i], x0[i]], [n1[i], n0[i]])
        assert p[i] == pytest.approx(ref_p, abs=1e-12)
    # no variance at all: no evidence of a difference; an empty group: no interval
    assert two_proportion_p(0, 10, 0, 12) == 1.0
    assert all(np.isnan(newcombe_interval(0, 0, 3, 10)))


@pytest.mark.slow
def test_interval_coverage_by_simulation():
    """Wilson and adjusted-Wald NPS cover ~95 % (fixed seed, 20,000 replicates each)."""
    rng = np.random.default_rng(2024)
    reps, n = 20_000, 60
    x = rng.binomial(n, 0.15, size=reps)
    lo, hi = wilson_interval(x, n)
    cover = np.mean((lo <= 0.15) & (hi >= 0.15))
    assert 0.93 < cover < 0.97
    probs = np.array([0.45, 0.30, 0.25])  # true NPS = 20
    counts = rng.multinomial(n, probs, size=reps)
    _, lo, hi = nps_interval(counts[:, 0], counts[:, 1], counts[:, 2])
    cover = np.mean((lo <= 20) & (hi >= 20))
    assert 0.93 < cover < 0.97


def test_proportion_interval_dispatches_and_rejects_unknown_methods():
    assert proportion_interval(45, 100) == wilson_interval(45, 100)
    assert proportion_interval(45, 100, method="agresti_coull") == agresti_coull_interval(45, 100)
    with pytest.raises(ValueError, match="wilson"):
        proportion_interval(45, 100, method="exact")
    with pytest.raises(ValueError, match="adjusted_wald"):
        nps_interval(5, 3, 2, method="exact")
