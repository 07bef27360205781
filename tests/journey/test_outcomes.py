"""cx.journey.outcomes: pain points (effect, base_flag, correction=) and Markov removal
effects — by hand, against statsmodels/scipy, and on the planted sample pain point."""

from __future__ import annotations

import polars as pl
import pytest
from scipy import stats

from cxkit import journey as j
from cxkit.errors import CxDataError, CxDataWarning
from cxkit.sample import PAIN_POINT


def test_pain_points_tiny(ev, customers):
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import confint_proportions_2indep

    pp = j.pain_points(ev, customers, outcome="churned", min_base=1)
    # population a–e, churned a and c.  call: passed a, c (2 of 2 churned) vs b, d, e (0 of 3)
    # web and shop: passed a, b, d (1 of 3) vs c, e (1 of 2): effect −1/6, impact −0.5
    assert pp["touchpoint"].to_list() == ["call", "shop", "web"]
    call = pp.row(0, named=True)
    assert (call["n_passed"], call["n_not_passed"]) == (2, 3)
    assert (call["rate_passed"], call["rate_not_passed"], call["effect"]) == (1.0, 0.0, 1.0)
    assert call["impact"] == 2.0
    # z-test without continuity correction = chi-square test on the 2×2 table
    chi = stats.chi2_contingency([[2, 0], [0, 3]], correction=False)
    assert call["p_value"] == pytest.approx(chi.pvalue)
    web = pp.filter(touchpoint="web").row(0, named=True)
    assert web["lift"] == pytest.approx((1 / 3) / (1 / 2))
    lo, hi = confint_proportions_2indep(1, 3, 1, 2, method="newcomb", compare="diff")
    assert (web["ci_low"], web["ci_high"]) == pytest.approx((lo, hi))
    assert pp["p_adj"].to_list() == pytest.approx(
        multipletests(pp["p_value"].to_numpy(), method="fdr_bh")[1]
    )


def test_pain_points_low_base_edges_and_bad_outcome(ev, customers):
    pp = j.pain_points(ev, customers, outcome="churned", min_base=3, edges=True)
    # call has only 2 passers: kept, flagged, not tested, sorted last
    call = pp.filter(touchpoint="call").row(0, named=True)
    assert call["base_flag"] == "suppressed"
    assert call["p_value"] is None and call["ci_low"] is None and call["p_adj"] is None
    # five customers: every split leaves a group below 3
    assert set(pp["base_flag"]) == {"suppressed"}
    assert (
        pp.filter(kind="edge")["touchpoint"].to_list()
        and "web → shop" in pp["touchpoint"].to_list()
    )
    bad = customers.with_columns(churned=pl.Series([0, 2, 1, 0, 0]))
    with pytest.raises(CxDataError, match="only 0 and 1"):
        j.pain_points(ev, bad, outcome="churned")
    with pytest.warns(CxDataWarning, match="1 customer"):
        j.pain_points(
            ev, customers.filter(pl.col("customer_id") != "a"), outcome="churned", min_base=1
        )


def test_removal_effects_by_hand(at):
    # j1: A → B, outcome     j2: A, no outcome     j3: B, outcome     j4: A → B, no outcome
    e = pl.DataFrame(
        {
            "customer_id": ["j1", "j1", "j2", "j3", "j4", "j4"],
            "timestamp": [at(1), at(2), at(1), at(1), at(1), at(2)],
            "touchpoint": ["A", "B", "A", "B", "A", "B"],
        }
    )
    c = pl.DataFrame({"customer_id": ["j1", "j2", "j3", "j4"], "converted": [1, 0, 1, 0]})
    re = j.removal_effects(e, c, outcome="converted")
    # P(start→A) = 3/4, P(start→B) = 1/4; P(A→B) = 2/3, P(A→null) = 1/3;
    # P(B→conv) = 2/3, P(B→null) = 1/3.
    # P(conv) = 3/4·2/3·2/3 + 1/4·2/3 = 1/3 + 1/6 = 1/2
    # without A: only start → B → conv: 1/4·2/3 = 1/6, removal effect 1 − (1/6)/(1/2) = 2/3
    # without B: no way to conv: 0, removal effect 1
    # shares: (2/3)/(5/3) = 0.4 and 1/(5/3) = 0.6
    assert re["touchpoint"].to_list() == ["B", "A"]
    assert re["removal_effect"].to_list() == pytest.approx([1.0, 2 / 3])
    assert re["share"].to_list() == pytest.approx([0.6, 0.4])
    assert re["p_outcome"].to_list() == pytest.approx([0.5, 0.5])
    assert re["p_outcome_removed"].to_list() == pytest.approx([0.0, 1 / 6])
    assert re["n_customers"].to_list() == [3, 3]


def test_removal_effects_no_outcome(ev, customers):
    with pytest.warns(CxDataWarning, match="nobody reached"):
        re = j.removal_effects(ev, customers.with_columns(churned=pl.lit(False)), outcome="churned")
    assert re["removal_effect"].null_count() == re.height == 3


def test_planted_pain_point_ranks_first(sample):
    ev, cu = sample
    pp = j.pain_points(ev, cu, outcome="churned")
    top = pp.row(0, named=True)
    assert top["touchpoint"] == PAIN_POINT
    assert top["p_adj"] < 1e-6 and top["ci_low"] > 0.1
    # with edges too, the pain point itself still leads
    assert j.pain_points(ev, cu, outcome="churned", edges=True)["touchpoint"][0] == PAIN_POINT


def test_min_customers_still_works_for_one_release_with_a_warning(ev, customers):
    with pytest.warns(DeprecationWarning, match="min_customers=.*use min_base= instead"):
        old = j.pain_points(ev, customers, outcome="churned", min_customers=2)
    assert old.equals(j.pain_points(ev, customers, outcome="churned", min_base=2))


def test_effect_base_flag_and_sort(ev, customers):
    # min_base=2: call (2 passed vs 3) and web/shop (3 vs 2) are tested; with edges, the
    # edges passed by one customer only (a's web → call, call → shop, shop → web) are not
    pp = j.pain_points(ev, customers, outcome="churned", min_base=2, edges=True)
    flags = pp["base_flag"].to_list()
    assert set(flags) == {"ok", "suppressed"}
    assert flags == ["ok"] * flags.count("ok") + ["suppressed"] * flags.count("suppressed")
    ok = pp.filter(base_flag="ok")
    assert ok["impact"].to_list() == sorted(ok["impact"].to_list(), reverse=True)
    assert ok["p_value"].null_count() == 0
    sup = pp.filter(base_flag="suppressed")
    assert sup["p_value"].null_count() == sup["p_adj"].null_count() == sup.height
    assert "web → call" in sup["touchpoint"].to_list()
    # effect = rate_passed − rate_not_passed, and impact = effect × n_passed
    assert pp["effect"].to_list() == pytest.approx(
        (pp["rate_passed"] - pp["rate_not_passed"]).to_list()
    )
    assert pp["impact"].to_list() == pytest.approx((pp["effect"] * pp["n_passed"]).to_list())
    assert "diff" not in pp.columns and "low_base" not in pp.columns


@pytest.mark.parametrize("correction", ["holm", "bh", "bonferroni", "none"])
def test_correction(sample, correction):
    from statsmodels.stats.multitest import multipletests

    ev, cu = sample
    pp = j.pain_points(ev, cu, outcome="churned", edges=True, correction=correction)
    tested = pp.filter(pl.col("p_value").is_not_null())
    assert tested.height > 10
    p = tested["p_value"].to_numpy()
    method = {"holm": "holm", "bh": "fdr_bh", "bonferroni": "bonferroni"}.get(correction)
    want = p if method is None else multipletests(p, method=method)[1]
    assert tested["p_adj"].to_list() == pytest.approx(want.tolist())
    if correction == "bh":  # the default: what pain_points always did
        assert pp.equals(j.pain_points(ev, cu, outcome="churned", edges=True))


def test_unknown_correction_is_a_data_error(ev, customers):
    with pytest.raises(CxDataError, match="correction"):
        j.pain_points(ev, customers, outcome="churned", correction="BH")
