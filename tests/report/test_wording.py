"""The wording layer on its own: a rise, a fall, a result the data cannot settle, a guardrail
breach, points vs %, and no snake_case in anything it writes."""

from __future__ import annotations

import pytest

from cxkit.report import wording as w


def test_a_rise_says_rose_with_size_interval_and_clarity():
    text = w.change("resolved", 0.0558, 0.0368, 0.0748, kind="proportion", p=2.8e-8)
    assert text == "Resolution rose 5.6 pts (3.7 to 7.5 pts), statistically clear."
    assert "p_adj" not in text and "e-08" not in text  # no bare p-value


def test_a_fall_says_fell_in_the_metric_unit():
    text = w.change("handle_time", -21.3, -25.6, -17.0, p=4.6e-18, subject="The new script")
    assert (
        text
        == "With the new script, handle time fell 21.3 s (-25.6 to -17.0 s), statistically clear."
    )
    nps = w.change("nps", -10.2, -14.0, -6.4, kind="nps", clear=True)
    assert nps == "NPS fell 10.2 pts (-14.0 to -6.4 pts), statistically clear."


def test_a_non_significant_result_says_the_data_cannot_tell_never_unchanged():
    text = w.change("retention_1", -0.0059, -0.0124, 0.0005, kind="proportion", p=0.074)
    assert text.startswith("The data cannot tell whether 1-day retention changed")
    assert "-1.2 and +0.1 pts" in text  # the interval is given
    assert "unchanged" not in text and "no difference" not in text
    # a tiny, clear-looking p that is not below alpha is still not clear
    assert (
        w.clarity(0.05) == "not statistically clear" and w.clarity(0.0499) == "statistically clear"
    )


def test_a_guardrail_breach_and_a_held_guardrail():
    breach = w.guardrail("repeat_contact", 0.031, 0.012, 0.05, margin=0.02, decision="worse",
                         kind="proportion", higher_is_better=False)  # fmt: skip
    assert breach.startswith("Guardrail breached: repeat contacts rose 3.1 pts (1.2 to 5.0 pts)")
    assert "2.0 pts margin" in breach
    held = w.guardrail("repeat_contact", -0.011, -0.026, 0.003, margin=0.02,
                       decision="within_margin", kind="proportion", higher_is_better=False)  # fmt: skip
    assert held.startswith("Guardrail held")
    rows = [
        dict(metric="resolved", kind="proportion", role="primary", decision="better",
             effect=0.056, ci_low=0.037, ci_high=0.075),
        dict(metric="repeat_contact", kind="proportion", role="guardrail", decision="worse",
             effect=0.031, ci_low=0.012, ci_high=0.05),
    ]  # fmt: skip
    assert w.verdict(rows).startswith("Do not roll out: guardrail repeat contacts up 3.1 pts")
    rows[1].update(decision="within_margin", effect=-0.011, ci_low=-0.026, ci_high=0.003)
    assert (
        w.verdict(rows)
        == "Roll out: resolution up 5.6 pts (3.7 to 7.5 pts), no guardrail breached."
    )
    assert w.verdict(rows, alarm="sample ratio").startswith("Hold: the sample ratio check")


def test_points_for_differences_of_rates_percent_for_levels_and_relative_changes():
    assert w.difference(0.056, kind="proportion") == "+5.6 pts"  # a difference of two rates
    assert w.value(0.745, kind="proportion") == "74.5%"  # a rate itself
    assert w.relative(0.081) == "+8.1%"  # a relative change
    assert w.difference(19.1, kind="nps") == "+19.1 pts"  # NPS in points
    assert w.value(32.04, kind="nps") == "32.0"
    assert w.interval(-0.271, -0.2, kind="proportion") == "-27.1 to -20.0 pts"


def test_associations_are_worded_as_associations():
    text = w.association("web visit", 0.54, outcome="churned")
    assert "association" in text and "not proof" in text
    assert "would remove" not in text and "causes churn" not in text


@pytest.mark.parametrize(
    "name", ["n_eff", "ci_low", "p_adj", "base_flag", "csat_top_box", "rel_effect", "n_control"]
)
def test_labels_have_no_snake_case(name):
    assert w.snake_case_words(w.column_label(name)) == []
    assert w.snake_case_words(w.metric_label(name)) == []


def test_durations_read_like_a_person_would_say_them():
    assert w.duration(7 * 86400 + 8 * 3600 + 38 * 60) == "7 d 9 h"
    assert w.duration(41 * 3600) == "1 d 17 h"
    assert w.duration(59.6) == "1 min"


def test_snake_case_detector_finds_identifiers_only():
    assert w.snake_case_words("retention_1 unchanged; Leg room; 3.7 to 7.5 pts") == ["retention_1"]


def test_every_number_carries_its_unit_rating_means_name_their_scale():
    """Issue 12 follow-up: "CSAT rose 0.3" had no scale and no unit; a ratio had no unit."""
    csat = w.change("csat", 0.254, 0.183, 0.325, clear=True)
    assert csat == "CSAT rose 0.25 pts (0.18 to 0.33 pts on the 1–5 scale), statistically clear."
    ces = w.change("ces", -0.4, -0.6, -0.2, clear=True)
    assert "fell 0.40 pts" in ces and "on the 1–7 scale" in ces
    ten = w.change("csat", 0.254, 0.183, 0.325, clear=True, scale="1–10")
    assert ten.endswith("pts on the 1–10 scale), statistically clear.")
    unclear = w.change("csat", 0.02, -0.05, 0.09, clear=False)
    assert unclear == (
        "The data cannot tell whether CSAT changed: +0.02 pts, somewhere between -0.05 and "
        "+0.09 pts on the 1–5 scale."
    )
    ratio = w.change("contacts_per_order", -0.044, -0.07, -0.02, clear=True)
    assert ratio == (
        "Contacts per order fell 0.04 per order (-0.07 to -0.02 per order), statistically clear."
    )
    rounds = w.change("sum_gamerounds", -1.2, -3.7, 1.4, clear=False)
    assert "-1.2 rounds" in rounds and "+1.4 rounds" in rounds
    # a proportion and NPS stay in points with no scale; a unit given wins over the tables
    assert "scale" not in w.change("resolved", 0.056, 0.037, 0.075, kind="proportion", p=0.001)
    assert w.change("csat", 0.3, 0.1, 0.5, clear=True, unit="stars", scale="") == (
        "CSAT rose 0.30 stars (0.10 to 0.50 stars), statistically clear."
    )
    held = w.guardrail("csat", -0.05, -0.1, 0.0, margin=0.2, decision="within_margin")
    assert "pts on the 1–5 scale" in held and "0.20 pts margin" in held
    rows = [dict(metric="csat", kind="mean", role="primary", decision="better",
                 effect=0.254, ci_low=0.183, ci_high=0.325)]  # fmt: skip
    assert w.verdict(rows) == "Roll out: CSAT up 0.25 pts (0.18 to 0.33 pts)."


# ---------------------------------------------------------------- issue 12, last details
from cxkit import schema  # noqa: E402
from cxkit.report import wording as _w  # noqa: E402

_BRIEF = (
    "n_steps n_variants p_in step_index n_dropped drop_off n_contacts n_repeated n_repeated_same "
    "same_touchpoint_rate n_customers_repeating customer_repeat_rate median_time_to_repeat "
    "removal_effect p_outcome p_outcome_removed importance_pct r2 n_rows n_missing n_na_code "
    "share_missing importance_cut performance_cut segment_col ph_p_value ph_violation "
    "excess_ci_low excess_ci_high n_passed n_not_passed rate_passed rate_not_passed n_exposed "
    "n_unexposed significant"
)
_BRIEF_COLUMNS = _BRIEF.split()


def test_every_result_column_a_report_shows_has_a_label_in_the_schema():
    for col in _BRIEF_COLUMNS:
        assert col in schema.COLUMN_LABELS, col
        label = _w.column_label(col)
        assert "_" not in label and not label.startswith(("N ", "P ", "Ph ")), (col, label)
    assert _w.column_label("n_na_code") == "Coded 'not applicable'"
    assert _w.column_label("ph_p_value") == "p-value, constant-ratio check"


def test_rating_and_ratio_units_come_from_the_schema():
    assert not hasattr(_w, "MEAN_UNITS") and not hasattr(_w, "RATING_SCALES")
    assert schema.METRIC_SCALES["csat"] == "1–5" and schema.METRIC_UNITS["contacts_per_order"]
    assert _w.change("csat", -0.3, -0.4, -0.2, clear=True) == (
        "CSAT fell 0.30 pts (-0.40 to -0.20 pts on the 1–5 scale), statistically clear."
    )
    assert _w.change("contacts_per_order", -0.05, -0.08, -0.02, clear=True) == (
        "Contacts per order fell 0.05 per order (-0.08 to -0.02 per order), statistically clear."
    )
    assert _w.change("sum_gamerounds", 1.2, -0.5, 2.9) == (
        "The data cannot tell whether game rounds played changed: +1.2 rounds, somewhere "
        "between -0.5 and +2.9 rounds."
    )


@pytest.mark.parametrize(
    ("code", "shown"),
    [("ivr", "IVR"), ("agent_call", "Agent call"), ("e-mail", "E-mail"), ("control", "Control"),
     ("new_script", "New script"), ("nps_survey", "NPS survey"), ("Seat comfort", "Seat comfort"),
     ("Variant B", "Variant B"), ("(end)", "(end)"), ("web visit → ivr → (end)",
     "Web visit → IVR → (end)")],
)  # fmt: skip
def test_codes_from_data_read_as_readers_words_in_text_tables_and_charts(code, shown):
    import polars as pl

    from cxkit.charts._common import words
    from cxkit.report.display import table_text

    assert _w.reader_label(code) == shown == _w.arm_label(code)
    assert pl.select(words(pl.lit(code)))[0, 0] == shown  # charts: the same rule
    assert table_text(pl.DataFrame({"touchpoint": [code]})).splitlines()[1] == shown
