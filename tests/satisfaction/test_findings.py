"""cxkit.satisfaction.findings: the satisfaction sentences a reader sees (issue 12)."""

from __future__ import annotations

import polars as pl

from cxkit.report.wording import snake_case_words
from cxkit.satisfaction import findings as sf


def _moves(effect: float, p_adj: float, item: str = "delivery") -> pl.DataFrame:
    return pl.DataFrame(
        {"item": ["csat", item], "period": ["2024-12", "2024-12"],
         "reference": ["previous: 2024-11", "previous: 2024-11"], "effect": [0.004, effect],
         "ci_low": [-0.02, effect - 0.04], "ci_high": [0.028, effect + 0.04],
         "p_adj": [0.8, p_adj]}
    )  # fmt: skip


def test_a_fall_of_a_share_is_in_points_not_percent():
    lines = sf.move_findings(
        _moves(-0.271, 1e-12), outcome="csat", kind="proportion", period="period"
    )
    assert lines == [
        "In 2024-12 (against 2024-11): Delivery fell 27.1 pts (-31.1 to -23.1 pts), "
        "statistically clear."
    ]


def test_a_rise_and_the_outcome_first():
    m = _moves(0.05, 0.001).with_columns(
        p_adj=pl.Series([0.01, 0.001]), effect=pl.Series([0.03, 0.05])
    )
    lines = sf.move_findings(m, outcome="csat", kind="proportion", period="period")
    assert lines[0].startswith("In 2024-12 (against 2024-11): CSAT rose 3.0 pts")
    assert lines[1].startswith("In 2024-12 (against 2024-11): Delivery rose 5.0 pts")


def test_not_clear_says_the_data_cannot_tell_never_unchanged():
    lines = sf.move_findings(_moves(-0.02, 0.3), outcome="csat", kind="proportion", period="period")
    assert lines == [
        "From one period to the next, the data cannot tell any touchpoint or the outcome apart: "
        "no change is statistically clear."
    ]
    assert "unchanged" not in lines[0]


def test_nps_and_means_keep_their_units():
    m = pl.DataFrame(
        {
            "item": ["nps"],
            "period": [3],
            "reference": ["previous: 2"],
            "effect": [-6.2],
            "ci_low": [-9.0],
            "ci_high": [-3.4],
            "p_adj": [0.001],
        }
    )
    assert sf.move_findings(m, outcome="nps", kind="nps", period="period") == [
        "In 3 (against 2): NPS fell 6.2 pts (-9.0 to -3.4 pts), statistically clear."
    ]
    overall = pl.DataFrame(
        {"metric": ["mean"], "estimate": [4.12], "ci_low": [4.05], "ci_high": [4.19], "n": [812]}
    )
    assert sf.overall_finding(overall, outcome="ces") == (
        "Overall effort (CES): 4.1 (95% interval 4.0 to 4.2, 812 responses)."
    )


def test_drivers_are_associations_and_nothing_is_snake_case():
    overall = pl.DataFrame(
        {
            "metric": ["csat_top_box"],
            "estimate": [0.745],
            "ci_low": [0.731],
            "ci_high": [0.759],
            "n": [4000],
        }
    )
    drivers = pl.DataFrame(
        {
            "driver": ["agent_call", "web"],
            "importance_pct": [0.41, 0.2],
            "r2": [0.38, 0.38],
            "n": [3900, 3900],
        }
    )
    quad = pl.DataFrame(
        {
            "driver": ["billing_help", "web"],
            "quadrant": ["concentrate here", "keep up the good work"],
        }
    )
    seg = pl.DataFrame({"group": ["small_business", "consumer"], "estimate": [0.61, 0.78]})
    lines = sf.satisfaction_findings(
        overall,
        outcome="csat",
        drivers=drivers,
        quadrants=quad,
        moves=_moves(-0.271, 1e-12),
        period="period",
        by_segment=seg,
    )
    assert lines[0] == "Overall CSAT: 74.5% (95% interval 73.1% to 75.9%, 4,000 responses)."
    assert lines[2].startswith("Agent call goes most closely with CSAT: 41% of what the model")
    assert lines[2].endswith("an association, not proof of cause.")
    assert lines[3] == "Concentrate here (important, rated below average): billing help."
    assert lines[4] == "Lowest segment: small business (61.0%); highest: consumer (78.0%)."
    assert all(snake_case_words(x) == [] for x in lines), lines
    # no period, no moves; no quadrant to concentrate on: no empty sentence
    assert len(sf.satisfaction_findings(overall, outcome="csat", quadrants=quad[1:])) == 1


def test_touchpoint_finding_names_the_touchpoint_in_words_with_interval_and_base():
    from cxkit.satisfaction.findings import touchpoint_finding

    row = dict(touchpoint="agent_call", metric="csat_top_box", estimate=0.807, ci_low=0.79,
               ci_high=0.823, n=2041)  # fmt: skip
    text = touchpoint_finding(row, lead="Most satisfying")
    assert text == (
        "Most satisfying touchpoint: Agent call, CSAT 80.7% "
        "(95% interval 79.0% to 82.3%, 2,041 responses)."
    )
