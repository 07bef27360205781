"""retention / retention_summary / logrank / hazard_ratios against R's survival package.

Reference data: tests/loyalty/data/survival_ref.csv (300 customers, whole-month tenures with
many ties; generated once with numpy, seed 2024) and ph_ref.csv (400 customers whose `ivr`
effect reverses after month 6: a planted proportional-hazards violation).
R 4 with survival 3.5.3; `d <- read.csv("tests/loyalty/data/survival_ref.csv")`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from cxkit.loyalty import hazard_ratios, logrank, retention, retention_summary

DATA = Path(__file__).parent / "data"
REF = pl.read_csv(DATA / "survival_ref.csv")
PH = pl.read_csv(DATA / "ph_ref.csv")


def test_retention_at_horizons_matches_survfit():
    # s <- summary(survfit(Surv(tenure, churned) ~ complained, data=d), times=c(3, 6, 12))
    # cbind(s$n.risk, s$surv, s$lower, s$upper)   (conf.type = "log", the default)
    r_values = {
        ("complained = 0", 3): (0.8796296296, 0.8372884834, 0.9241119407),
        ("complained = 0", 6): (0.8156889191, 0.7649697743, 0.8697708524),
        ("complained = 0", 12): (0.6723407263, 0.6076917145, 0.7438673944),
        ("complained = 1", 3): (0.7976190476, 0.7161655156, 0.8883367480),
        ("complained = 1", 6): (0.6423177079, 0.5454076263, 0.7564471378),
        ("complained = 1", 12): (0.4103882004, 0.3089479864, 0.5451353706),
    }
    s = retention_summary(REF, by="complained").filter(pl.col("measure") == "retention")
    got = {(g, int(h)): (e, lo, hi) for g, _, h, _, _, e, lo, hi in s.rows()}
    for key, ref in r_values.items():
        assert got[key] == pytest.approx(ref, abs=1e-9), key


def test_retention_curve_matches_survfit_without_groups():
    # s0 <- summary(survfit(Surv(tenure, churned) ~ 1, data=d), times=c(1, 5, 10))
    curve = retention(REF)
    assert curve.columns == ["group", "time", "at_risk", "events", "retention", "ci_low", "ci_high"]
    row = curve.filter(pl.col("time") == 5).row(0, named=True)
    assert row["at_risk"] == 230  # s0$n.risk[2]
    assert (row["retention"], row["ci_low"], row["ci_high"]) == pytest.approx(
        (0.7933033085, 0.7483337709, 0.8409751955), abs=1e-9
    )


def test_median_lifetime_and_its_interval_match_quantile_survfit():
    # quantile(survfit(Surv(tenure, churned) ~ complained, data=d), 0.5):
    #   complained=0: 21 (16, NA); complained=1: 10 (7, 15); ~1: 17 (14, 24)
    med = retention_summary(REF, by="complained", horizons=[]).select(
        "group", "estimate", "ci_low", "ci_high"
    )
    assert med.rows() == [("complained = 0", 21.0, 16.0, None), ("complained = 1", 10.0, 7.0, 15.0)]
    overall = retention_summary(REF, horizons=[])
    assert overall.select("n", "events", "estimate", "ci_low", "ci_high").row(0) == (
        300,
        136,
        17.0,
        14.0,
        24.0,
    )


def test_logrank_matches_survdiff():
    # survdiff(Surv(tenure, churned) ~ plan, data=d)$chisq                        3.940434425
    # survdiff(Surv(tenure, churned) ~ complained, data=d)$chisq                 17.38904433
    # survdiff(Surv(tenure, churned) ~ complained + strata(plan), data=d)$chisq  16.90023997
    assert logrank(REF, by="plan")["statistic"][0] == pytest.approx(3.940434425, abs=1e-8)
    assert logrank(REF, by="plan")["df"][0] == 2
    assert logrank(REF, by="complained")["statistic"][0] == pytest.approx(17.38904433, abs=1e-7)
    strat = logrank(REF, by="complained", strata="plan")
    assert strat["statistic"][0] == pytest.approx(16.90023997, abs=1e-7)
    assert strat.columns == ["by", "n_groups", "n", "events", "statistic", "df", "p_value"]


def test_cox_efron_matches_coxph():
    # m <- coxph(Surv(tenure, churned) ~ complained + factor(plan) + spend, data=d)  # Efron
    # cbind(coef(m), sqrt(diag(vcov(m))), summary(m)$coefficients[, 5])
    r = [
        ("complained", "1", 0.73103324105, 0.17768475397, 3.884995847e-05),
        ("plan", "plus", -0.15109879892, 0.19525271989, 4.390119836e-01),
        ("plan", "pro", -0.51017491160, 0.26194827527, 5.146080920e-02),
        ("spend", "per unit", 0.01067782178, 0.00447055364, 1.691829278e-02),
    ]
    hr = hazard_ratios(REF, factors=["complained", "plan", "spend"])
    for row, (factor, level, coef, se, p) in zip(hr.iter_rows(named=True), r, strict=True):
        assert (row["factor"], row["level"]) == (factor, level)
        assert row["coef"] == pytest.approx(coef, abs=1e-7)
        assert row["se"] == pytest.approx(se, abs=1e-7)
        assert row["p_value"] == pytest.approx(p, rel=1e-5)
    assert hr["reference"].to_list() == ["0", "basic", "basic", None]
    assert hr["hazard_ratio"][0] == pytest.approx(2.0772257742, abs=1e-7)


def test_cox_with_strata_matches_coxph():
    # coxph(Surv(tenure, churned) ~ complained + spend + strata(plan), data=d)
    hr = hazard_ratios(REF, factors=["complained", "spend"], strata="plan")
    assert hr["coef"].to_list() == pytest.approx([0.72647095985, 0.01044527887], abs=1e-7)
    assert hr["se"].to_list() == pytest.approx([0.178247913124, 0.004473323453], abs=1e-7)


def test_schoenfeld_check_matches_grambsch_therneau():
    # sres <- resid(m, "schoenfeld"); nd <- nrow(sres); km <- survfit(Surv(m$y[,1], m$y[,2]) ~ 1)
    # g <- 1 - rep(c(1, km$surv[km$n.event > 0]), c(km$n.event[km$n.event > 0], 0))
    # xx <- g - mean(g); z <- c((xx %*% (sres %*% m$var * nd))^2 / (diag(m$var) * nd * sum(xx^2)))
    # (the cox.zph of survival <= 2.44; survival 3.5 cox.zph gives p 0.917, 0.361, 0.794, 0.683)
    hr = hazard_ratios(REF, factors=["complained", "plan", "spend"])
    assert hr["ph_statistic"].to_list() == pytest.approx(
        [0.0062612559814, 0.7557378163146, 0.0003384625254, 0.1220918875012], abs=1e-8
    )
    assert not hr["ph_violation"].any()


def test_planted_ph_violation_is_flagged():
    # ph_ref.csv: coxph(Surv(tenure, churned) ~ ivr): coef -0.1096678804, se 0.1325608427;
    # the same hand computation: chi-square 87.21303038 (survival 3.5 cox.zph: 87.228, p < 2e-16)
    hr = hazard_ratios(PH, factors="ivr")
    assert hr["coef"][0] == pytest.approx(-0.1096678804, abs=1e-7)
    assert hr["ph_statistic"][0] == pytest.approx(87.21303038, abs=1e-6)
    assert hr["ph_violation"][0]


def test_reference_level_can_be_named():
    hr = hazard_ratios(REF, factors="plan", reference={"plan": "pro"})
    assert hr["reference"].to_list() == ["pro", "pro"]
    assert hr["level"].to_list() == ["basic", "plus"]


@pytest.mark.parametrize(
    "convert", [lambda d: d.to_pandas(), lambda d: d.to_arrow(), pl.DataFrame.lazy]
)
def test_pandas_pyarrow_and_lazy_input_agree(convert):
    assert isinstance(convert(REF), pd.DataFrame | pa.Table | pl.LazyFrame)
    a = retention(convert(REF), by="plan")
    assert a.equals(retention(REF, by="plan"))
