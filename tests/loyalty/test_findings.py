"""Every sentence of cxkit.loyalty.findings in reader words (issue 12): differences of rates in
points, no column names as jargon ("Each unit of CityTier"), no capitalised outcome mid-sentence.
"""

from __future__ import annotations

import polars as pl

from cxkit.loyalty.findings import (
    ASSOCIATION_NOTE,
    blank_notes,
    hazard_findings,
    score_findings,
    value_findings,
)


def _hr(factor, level, reference, p=1e-6, violation=False):
    return pl.DataFrame({"factor": [factor], "level": [level], "reference": [reference],
                         "hazard_ratio": [1.25], "ci_low": [1.1], "ci_high": [1.42],
                         "p_value": [p], "ph_violation": [violation]})  # fmt: skip


def test_hazard_of_a_number_says_each_step_up_in_words():
    (line,) = hazard_findings(_hr("CityTier", None, None))
    assert line == (
        "With each step up in city tier, customers leave 1.25× as fast (95% interval 1.10 to 1.42)."
    )
    assert "unit of" not in line and "CityTier" not in line


def test_hazard_of_a_flag_and_of_a_level():
    (flag,) = hazard_findings(_hr("Complain", "1", "0"), labels={"Complain": "complained"})
    assert flag == (
        "Customers who complained leave 1.25× as fast as those who did not (95% interval 1.10 to 1.42)."
    )
    (level,) = hazard_findings(_hr("PreferredPaymentMode", "UPI", "Debit Card"))
    assert level == (
        "Customers with preferred payment mode UPI leave 1.25× as fast as those with Debit Card "
        "(95% interval 1.10 to 1.42)."
    )


def test_hazard_violation_and_nothing_clear():
    lines = hazard_findings(_hr("Tenure", None, None, p=0.4, violation=True))
    assert lines == [
        "The ratio for tenure: the ratio changes over the customers' lifetimes (proportional-"
        "hazards check failed), so read it as an average; the retention curves show when."
    ]
    assert hazard_findings(_hr("Tenure", None, None, p=0.4)) == [
        "No factor changes how fast customers leave beyond chance."
    ]


def _scores(effect, lo, hi, p, outcome="Churn", kind="proportion", est=(0.115, 0.238)):
    return pl.DataFrame({"outcome": [outcome] * 2, "kind": [kind] * 2, "group": ["1", "5"],
                         "n": [1164, 1108], "estimate": list(est), "reference": ["1", "1"],
                         "effect": [0.0, effect], "effect_ci_low": [None, lo],
                         "effect_ci_high": [None, hi], "p_value": [None, p],
                         "base_flag": ["ok", "ok"]})  # fmt: skip


def test_score_difference_of_rates_in_points_and_outcome_in_lower_case():
    (line,) = score_findings(_scores(0.123, 0.092, 0.154, 1e-14))
    assert line == (
        "Higher scores do NOT go with lower churn here: 23.8% at 5 vs 11.5% at 1 "
        "(difference +12.3 pts, 95% interval 9.2 to 15.4 pts). A satisfaction score is not "
        "loyalty; do not use it as a proxy for retention."
    )
    (good,) = score_findings(_scores(-0.05, -0.08, -0.02, 1e-4, est=(0.115, 0.065)))
    assert good.startswith("Higher scores go with lower churn: 6.5% at 5 vs 11.5% at 1 ")
    assert "(difference -5.0 pts, 95% interval -8.0 to -2.0 pts)" in good


def test_score_unclear_and_a_mean_outcome():
    (line,) = score_findings(_scores(0.01, -0.02, 0.04, 0.5))
    assert line == (
        "Churn does not differ clearly by score: 23.8% at 5 vs 11.5% at 1 (difference "
        "+1.0 pts, 95% interval -2.0 to +4.0 pts)."
    )
    (mean,) = score_findings(
        _scores(12.5, 8.0, 17.0, 1e-5, outcome="revenue", kind="mean", est=(100.0, 112.5))
    )
    assert mean.startswith("Higher scores go with higher revenue: 112.50 at 5 vs 100.00 at 1")
    assert "(difference +12.5, 95% interval 8.0 to 17.0)" in mean


def test_value_and_blank_sentences():
    v = pl.DataFrame({"exposure": ["Complain"], "n_exposed": [1604], "rate_exposed": [0.3167],
                      "rate_unexposed": [0.1093], "rate_ratio": [2.8976],
                      "value_at_stake": [58975.6], "ci_low": [52085.8], "ci_high": [65865.4],
                      "p_value": [1e-78], "base_flag": ["ok"]})  # fmt: skip
    lines = value_findings(v, value="cashback", labels={"Complain": "complained"})
    assert lines[0].startswith("Customers who complained churned 2.9× as often (31.7% vs 10.9%)")
    assert lines[-1] == ASSOCIATION_NOTE
    d = pl.DataFrame({"Tenure": [None, 2, 3, None], "Churn": [1, 0, 0, 1]})
    assert blank_notes(d, "Tenure") == [
        "Tenure is blank for 2 of 4 customers (50.0%); analyses that need it leave them out."
    ]
