"""cxkit.metrics.multiplicity: Holm, BH and adjust_p against statsmodels / R p.adjust."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from cxkit.errors import CxDataError
from cxkit.metrics import adjust_p, benjamini_hochberg, holm


def test_holm_and_bh_match_statsmodels_with_nan():
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 0.2, size=12)
    p[[2, 7]] = np.nan
    ok = ~np.isnan(p)
    # reference: statsmodels multipletests on the non-missing p-values
    for fn, method in ((holm, "holm"), (benjamini_hochberg, "fdr_bh")):
        adj = fn(p)
        ref = multipletests(p[ok], method=method)[1]
        np.testing.assert_allclose(adj[ok], ref, atol=1e-12)
        assert np.isnan(adj[~ok]).all()
    # ties and order preservation
    np.testing.assert_allclose(holm([0.01, 0.01, 0.5]), [0.03, 0.03, 0.5])
    assert holm([]).size == 0


def test_adjust_p_every_correction_matches_statsmodels_on_the_non_missing_family():
    p = np.array([0.01, 0.2, np.nan, 0.03, 0.04, np.nan, 0.5])
    ok = ~np.isnan(p)
    for correction, method in (("holm", "holm"), ("bh", "fdr_bh"), ("bonferroni", "bonferroni")):
        adj = adjust_p(p, correction)
        # reference: statsmodels on the non-missing p-values only (R p.adjust with n = 5)
        np.testing.assert_allclose(adj[ok], multipletests(p[ok], method=method)[1], atol=1e-12)
        assert np.isnan(adj[~ok]).all()
    none = adjust_p(p, "none")
    np.testing.assert_array_equal(none, p)
    assert none is not p  # a copy, never the input


def test_adjust_p_unknown_correction_is_a_data_error_naming_the_choices():
    with pytest.raises(CxDataError, match="'holm', 'bh', 'bonferroni', 'none'"):
        adjust_p([0.01, 0.02], "fdr")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        holm([0.5, 1.5])
