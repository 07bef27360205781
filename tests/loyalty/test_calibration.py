"""Interval coverage over repeated samples (slow): Cox hazard-ratio intervals and the promoter
spend difference on the planted sample truth, and value_at_stake against its known value."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from cxkit.loyalty import hazard_ratios, loyalty_by_score, value_at_stake
from cxkit.sample.loyalty import HR_COMPLAINT, HR_REPEAT, PROMOTER_SPEND_LIFT, plant_lifetimes

pytestmark = pytest.mark.slow
REPS = 600
# 95 % intervals over 600 replicates: coverage within 3 binomial SEs (±2.7 points) of 0.95
LOW, HIGH = 0.95 - 3 * (0.95 * 0.05 / REPS) ** 0.5, 0.95 + 3 * (0.95 * 0.05 / REPS) ** 0.5


def test_hazard_ratio_and_spend_intervals_cover_at_the_nominal_rate():
    rng = np.random.default_rng(11)
    hits = np.zeros(3)
    for rep in range(REPS):  # one replicate per iteration; each fit is vectorised
        c, r = rng.random(1500) < 0.15, rng.random(1500) < 0.3
        out = plant_lifetimes(c, r, seed=rep)
        d = pl.DataFrame({"t": out["tenure_months"], "e": out["churned"], "c": c, "r": r,
                          "nps": out["nps"], "spend": out["monthly_spend"]})  # fmt: skip
        hr = hazard_ratios(d, duration="t", event="e", factors=["c", "r"])
        lo, hi = hr["ci_low"].to_numpy(), hr["ci_high"].to_numpy()
        hits[:2] += (lo < [HR_COMPLAINT, HR_REPEAT]) & (hi > [HR_COMPLAINT, HR_REPEAT])
        s = loyalty_by_score(d, score="nps", outcomes="spend").filter(pl.col("group") == "promoter")
        hits[2] += s["effect_ci_low"][0] < PROMOTER_SPEND_LIFT < s["effect_ci_high"][0]
    coverage = hits / REPS
    print("coverage: HR complaint, HR repeat contact, promoter spend", coverage)
    assert ((coverage > LOW) & (coverage < HIGH)).all(), coverage


def test_value_at_stake_interval_covers_at_the_nominal_rate():
    rng = np.random.default_rng(12)
    n, n_exp, p1, p0 = 3000, 600, 0.30, 0.12
    # value = gamma(4, 25) × (1 + 0.5 churned): E[value | exposed] = 100 × (1 + 0.5 p1)
    truth = n_exp * (p1 - p0) * 100.0 * (1 + 0.5 * p1)
    hits = 0
    for _ in range(REPS):  # one replicate per iteration
        exposed = np.arange(n) < n_exp
        churned = rng.random(n) < np.where(exposed, p1, p0)
        value = rng.gamma(4.0, 25.0, n) * (1 + 0.5 * churned)  # value correlated with churn
        d = pl.DataFrame({"x": exposed, "y": churned, "v": value})
        v = value_at_stake(d, exposure="x", outcome="y", value="v")
        hits += v["ci_low"][0] < truth < v["ci_high"][0]
    print("coverage: value at stake", hits / REPS)
    assert LOW < hits / REPS < HIGH, hits / REPS
