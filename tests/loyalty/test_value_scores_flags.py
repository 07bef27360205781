"""value_at_stake against a hand computation, loyalty_by_score, experience_flags, bad input."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy import stats

from cxkit.errors import CxDataError, CxDataWarning
from cxkit.loyalty import (
    experience_flags,
    hazard_ratios,
    label_variants,
    logrank,
    loyalty_by_score,
    retention,
    score_groups,
    value_at_stake,
)

Z = stats.norm.ppf(0.975)


def _table() -> pl.DataFrame:
    """Stratum A: 10 exposed (4 churn, value 100), 20 unexposed (4 churn);
    stratum B: 5 exposed (1 churn, value 50), 10 unexposed (1 churn)."""
    rows = (
        [("A", 1, 1, 100.0)] * 4 + [("A", 1, 0, 100.0)] * 6
        + [("A", 0, 1, 80.0)] * 4 + [("A", 0, 0, 80.0)] * 16
        + [("B", 1, 1, 50.0)] + [("B", 1, 0, 50.0)] * 4
        + [("B", 0, 1, 20.0)] + [("B", 0, 0, 20.0)] * 9
    )  # fmt: skip
    return pl.DataFrame(rows, schema=["tier", "complaint", "churned", "revenue"], orient="row")


def test_value_at_stake_by_hand_unadjusted():
    d = _table()
    v = value_at_stake(d, exposure="complaint", outcome="churned", value="revenue", min_base=1)
    r = v.row(0, named=True)
    p1, p0 = 5 / 15, 5 / 30
    vals = np.array([100.0] * 10 + [50.0] * 5)
    y = np.array([1] * 4 + [0] * 6 + [1] + [0] * 4, dtype=float)
    m = vals.mean()
    assert (r["n_exposed"], r["n_unexposed"], r["n"]) == (15, 30, 45)
    assert r["rate_exposed"] == pytest.approx(p1)
    assert r["rate_unexposed"] == pytest.approx(p0)
    assert r["excess_rate"] == pytest.approx(p1 - p0)
    assert r["rate_ratio"] == pytest.approx(2.0)
    assert r["value_per_exposed"] == pytest.approx(m)
    assert r["value_at_stake"] == pytest.approx(15 * (p1 - p0) * m)  # 208.33
    d_ = p1 - p0
    var = 15**2 * (
        m**2 * (p1 * (1 - p1) / 15 + p0 * (1 - p0) / 30)
        + d_**2 * vals.var(ddof=1) / 15
        + 2 * m * d_ * np.cov(y, vals)[0, 1] / 15
    )
    assert r["ci_low"] == pytest.approx(r["value_at_stake"] - Z * np.sqrt(var))
    assert r["ci_high"] == pytest.approx(r["value_at_stake"] + Z * np.sqrt(var))
    # excess interval: Newcombe, as statsmodels confint_proportions_2indep(method="newcomb")
    from statsmodels.stats.proportion import confint_proportions_2indep

    lo, hi = confint_proportions_2indep(5, 15, 5, 30, method="newcomb")
    assert (r["excess_ci_low"], r["excess_ci_high"]) == pytest.approx((lo, hi))


def test_value_at_stake_by_hand_standardised():
    v = value_at_stake(
        _table(), exposure="complaint", outcome="churned", value="revenue", adjust_for="tier",
        min_base=1,
    )  # fmt: skip
    r = v.row(0, named=True)
    # stratum differences 0.4 - 0.2 = 0.2 (10 exposed) and 0.2 - 0.1 = 0.1 (5 exposed)
    assert r["excess_rate"] == pytest.approx((10 * 0.2 + 5 * 0.1) / 15)
    assert r["value_at_stake"] == pytest.approx(10 * 0.2 * 100 + 5 * 0.1 * 50)  # 225
    var = 10**2 * 100**2 * (0.4 * 0.6 / 10 + 0.2 * 0.8 / 20) + 5**2 * 50**2 * (
        0.2 * 0.8 / 5 + 0.1 * 0.9 / 10
    )  # values constant within strata: only the rates vary
    assert r["ci_high"] - r["value_at_stake"] == pytest.approx(Z * np.sqrt(var))


def test_value_at_stake_by_segment_and_several_exposures_sorted_by_money():
    d = _table().with_columns(other=(pl.int_range(pl.len()) % 3 == 0).cast(pl.Int8))
    v = value_at_stake(d, exposure=["complaint", "other"], outcome="churned", value="revenue",
                       by="tier", min_base=1)  # fmt: skip
    assert v.columns[:2] == ["tier", "exposure"]
    assert v.height == 4
    vals = v["value_at_stake"].drop_nulls().to_list()
    assert vals == sorted(vals, reverse=True)


def test_value_at_stake_suppresses_small_bases():
    v = value_at_stake(_table(), exposure="complaint", outcome="churned", value="revenue")
    assert v["base_flag"][0] == "suppressed"
    assert v["value_at_stake"][0] is None


def test_exposure_nobody_or_everybody_has_is_an_error():
    d = _table()
    with pytest.raises(CxDataError, match="nobody has it") as e:
        value_at_stake(d.with_columns(complaint=pl.lit(0)), exposure="complaint",
                       outcome="churned", value="revenue")  # fmt: skip
    assert e.value.column == "complaint" and "fix:" in str(e.value)
    with pytest.raises(CxDataError, match="everybody has it"):
        value_at_stake(d.with_columns(complaint=pl.lit(True)), exposure="complaint",
                       outcome="churned", value="revenue")  # fmt: skip


def test_negative_values_warn():
    d = _table().with_columns(revenue=pl.col("revenue") - 90)
    with pytest.warns(CxDataWarning, match="negative value"):
        value_at_stake(d, exposure="complaint", outcome="churned", value="revenue", min_base=1)


def test_negative_durations_and_bad_event_codes_are_errors():
    cu = pl.DataFrame({"tenure": [3, -1, 4, -2], "churned": [1, 0, 2, 1]})
    with pytest.raises(CxDataError, match="negative") as e:
        retention(cu)
    assert e.value.n_rows == 2 and e.value.column == "tenure"
    assert e.value.examples[0] == {"row": 1, "tenure": -1}
    with pytest.raises(CxDataError, match="0/1 or true/false") as e:
        retention(cu.with_columns(pl.col("tenure").abs()))
    assert e.value.n_rows == 1 and e.value.examples == [{"row": 2, "churned": 2}]
    with pytest.raises(CxDataError, match="0/1 or true/false"):
        hazard_ratios(pl.DataFrame({"tenure": [1, 2], "churned": ["yes", "no"], "x": [1, 0]}),
                      factors="x")  # fmt: skip


def test_blank_durations_are_left_out_and_reported():
    cu = pl.DataFrame({"tenure": [1, None, 3, 4], "churned": [1, 1, 0, 1]})
    with pytest.warns(CxDataWarning, match="1 of 4 rows left out"):
        r = retention(cu)
    assert r["at_risk"][0] == 3


def test_missing_column_and_one_group_errors():
    cu = pl.DataFrame({"tenure": [1, 2], "churned": [1, 0], "g": ["a", "a"]})
    with pytest.raises(CxDataError, match="missing"):
        retention(cu, duration="tenur")
    with pytest.raises(CxDataError, match="at least two groups"):
        logrank(cu, by="g")
    with pytest.raises(CxDataError, match="single level"):
        hazard_ratios(cu, factors="g")


def test_loyalty_by_score_groups_and_differences():
    cu = pl.DataFrame(
        {"nps": [0, 5, 6, 7, 8, 9, 10, 10], "spend": [10.0, 12, 14, 20, 22, 30, 32, 34],
         "churned": [1, 1, 0, 1, 0, 0, 0, 1]}
    )  # fmt: skip
    r = loyalty_by_score(cu, score="nps", outcomes=["spend", "churned"], min_base=1)
    spend = r.filter(pl.col("outcome") == "spend")
    assert spend["group"].to_list() == ["detractor", "passive", "promoter"]
    assert spend["estimate"].to_list() == pytest.approx([12.0, 21.0, 32.0])
    assert spend["effect"].to_list() == pytest.approx([0.0, 9.0, 20.0])
    t = stats.ttest_ind([30, 32, 34], [10, 12, 14], equal_var=False)
    assert spend["p_value"][2] == pytest.approx(t.pvalue)
    assert spend["p_value"][0] is None  # the reference row
    churn = r.filter(pl.col("outcome") == "churned")
    assert churn["kind"][0] == "proportion"
    assert churn["estimate"].to_list() == pytest.approx([2 / 3, 1 / 2, 1 / 3])
    csat = score_groups(pl.DataFrame({"s": [1, 2, 3, 4, 5]}), score="s", groups="csat")
    assert csat["score_group"].to_list() == ["dissatisfied"] * 2 + ["neutral"] + ["satisfied"] * 2


def test_experience_flags_counts_repeats_scores_and_joins_customers():
    t = [dt.datetime(2024, 1, d) for d in (1, 3, 20, 1, 2)]
    ev = pl.DataFrame({"customer_id": ["a", "a", "a", "b", "b"], "timestamp": t,
                       "touchpoint": ["ivr", "agent call", "ivr", "web", "complaint"],
                       "score": [1, None, 4, 5, None]})  # fmt: skip
    cu = pl.DataFrame({"customer_id": ["a", "b", "c"], "churned": [1, 0, 0]})
    f = experience_flags(ev, cu, contact_touchpoints=["ivr", "agent call", "complaint"])
    assert f["customer_id"].to_list() == ["a", "b", "c"]
    assert f["n_events"].to_list() == [3, 2, 0]
    assert f["passed_agent_call"].to_list() == [True, False, False]
    assert f["n_ivr"].to_list() == [2, 0, 0]
    assert f["n_contacts"].to_list() == [3, 1, 0]
    assert f["n_repeat_contacts"].to_list() == [1, 0, 0]  # ivr → call in 2 days; call → ivr 17 days
    assert f["repeat_contact"].to_list() == [True, False, False]
    assert f["min_score"].to_list() == [1.0, 5.0, None]
    assert f["low_score"].to_list() == [True, False, None]
    with pytest.warns(CxDataWarning, match="1 customer"):
        experience_flags(ev, cu.head(1), contact_touchpoints=["ivr"])


def test_label_variants_finds_abbreviations_and_words():
    d = pl.DataFrame({"pay": ["CC", "Credit Card", "COD", "Cash on Delivery", "UPI"]})
    v = label_variants(d, "pay")
    assert sorted(v.select("label", "similar_to").rows()) == [
        ("CC", "Credit Card"), ("COD", "Cash on Delivery")
    ]  # fmt: skip
