"""cxkit.journey.findings: the journey sentences a reader sees (issue 12)."""

from __future__ import annotations

import polars as pl

from cxkit.journey import findings as jf
from cxkit.report.wording import snake_case_words


def _pain(effect: float, p_adj: float, lo: float | None = None, hi: float | None = None):
    lo = effect - 0.04 if lo is None else lo
    hi = effect + 0.04 if hi is None else hi
    return pl.DataFrame(
        {"touchpoint": ["agent call", "web visit"], "effect": [effect, 0.01],
         "ci_low": [lo, -0.02], "ci_high": [hi, 0.04], "p_adj": [p_adj, 0.6],
         "base_flag": ["ok", "ok"], "n_passed": [812, 2000], "n_not_passed": [3768, 2580]}
    )  # fmt: skip


def test_a_rise_is_the_pain_point_worded_as_an_association():
    text = jf.pain_finding(_pain(0.12, 1e-6), outcome="churned")
    assert text == (
        "Biggest pain point: customers whose journey included Agent call churned 12.0 pts more "
        "often (8.0 to 16.0 pts): an association, not proof that it causes it "
        "(812 vs 3,768 customers)."
    )


def test_a_fall_is_named_as_going_with_less_of_the_outcome():
    text = jf.pain_finding(_pain(-0.05, 0.001), outcome="churned")
    assert text.startswith("No touchpoint goes with a clearly higher churn rate")
    assert "Agent call churned 5.0 pts less often (-9.0 to -1.0 pts)" in text
    assert "an association, not proof" in text


def test_not_clear_says_the_data_cannot_tell_and_never_unchanged():
    text = jf.pain_finding(_pain(0.12, 0.2), outcome="churned")
    assert text.endswith("the data cannot tell them apart.")
    assert "unchanged" not in text and "%" not in text
    # a small base is never the pain point, however small its p
    small = _pain(0.3, 1e-9).with_columns(base_flag=pl.lit("small_base"))
    assert "cannot tell" in jf.pain_finding(small, outcome="churned")


def test_removal_effect_describes_journeys_and_is_not_causal():
    r = pl.DataFrame({"touchpoint": ["web visit"], "removal_effect": [0.54]})
    text = jf.removal_finding(r, outcome="churned")
    assert text.startswith("Web visit lies on the most journeys that end in churn: 54% of them")
    assert "would remove" not in text and "not what removing it would change" in text


def test_repeat_and_funnel_and_emotion_sentences():
    rep = pl.DataFrame(
        {
            "touchpoint": ["(all contacts)", "ivr", "chat"],
            "n_contacts": [9000, 800, 12],
            "repeat_rate": [0.2, 0.31, 0.9],
            "ci_low": [0.19, 0.28, 0.6],
            "ci_high": [0.21, 0.34, 0.98],
            "same_touchpoint_rate": [0.1, 0.12, 0.5],
        }
    )
    text = jf.repeat_finding(rep, within="7d", min_base=30)
    assert text.startswith("Repeat contact is highest after IVR: 31% of its contacts")
    assert "within 7 days (95% interval 28% to 34%, n = 800)" in text  # chat: base too small
    loop = jf.repeat_finding(rep, within="1d", contacts_named=False)
    assert loop.startswith("Customers loop back most at IVR: 12%") and "within 1 day" in loop
    fun = pl.DataFrame(
        {
            "step_index": [1, 2, 3],
            "step": ["a", "b", "c"],
            "conversion_from_start": [1.0, 0.5, 0.45],
            "drop_off": [None, 0.5, 0.1],
        }
    )
    assert jf.funnel_finding(fun, ["a", "b", "c"]) == (
        "Funnel A → B → C: 45% of those who start reach the end; the biggest drop is before B "
        "(50% drop off)."
    )
    curve = pl.DataFrame(
        {
            "step": [1, 2, 3],
            "touchpoint": ["web", "call", "tiny"],
            "estimate": [4.1, 2.9, 1.0],
            "ci_low": [4.0, 2.8, 0.0],
            "ci_high": [4.2, 3.0, 2.0],
            "n": [900, 1450, 3],
            "base_flag": ["ok", "ok", "small_base"],
        }
    )
    assert jf.emotion_finding(curve) == (
        "The low point of the emotion curve is Call: mean score 2.90 on the 1–5 scale (95% "
        "interval 2.80 to 3.00, n = 1,450)."
    )
    assert "on the 0–10 scale" in jf.emotion_finding(curve, scale="0–10")
    assert " scale" not in jf.emotion_finding(curve, scale="")  # no fixed scale: none said


def test_journey_findings_in_headline_order_without_snake_case():
    paths = pl.DataFrame(
        {"path": ["web → call", "(other paths)"], "share": [0.42, 0.58], "n_variants": [1, 312]}
    )
    trans = pl.DataFrame({"source": ["call"], "target": ["(end)"], "n": [900]})
    removal = pl.DataFrame({"touchpoint": ["web visit"], "removal_effect": [0.54]})
    lines = jf.journey_findings(
        n_customers=1500,
        paths=paths,
        transitions=trans,
        pain=_pain(0.12, 1e-6),
        removal=removal,
        outcome="is_churned",
    )
    assert lines[0].startswith("Biggest pain point") and lines[-1].startswith("Web visit lies")
    assert len(lines) == 5
    assert all(snake_case_words(x) == [] for x in lines), lines
    # nothing given, nothing said (no empty sentences)
    assert jf.journey_findings(n_customers=0) == []
    assert jf.path_finding(paths.filter(pl.col("path") == "(other paths)"), n_customers=1) is None


def test_touchpoint_codes_read_as_readers_words_in_every_sentence():
    """Issue 12: 'ivr' is shown as 'IVR', 'web visit' as 'Web visit', as in tables and charts."""
    paths = pl.DataFrame({"path": ["web visit → ivr → agent call"], "share": [0.3],
                          "n_variants": [1]})  # fmt: skip
    assert jf.path_finding(paths, n_customers=10) == (
        "The most common journey, taken by 30% of 10 customers, is: Web visit → IVR → Agent call."
    )
    t = pl.DataFrame({"source": ["ivr"], "target": ["(end)"], "n": [5]})
    assert (
        jf.end_finding(t, n_customers=10) == "Journeys most often end after IVR (5 customers, 50%)."
    )
    r = pl.DataFrame({"touchpoint": ["ivr"], "removal_effect": [0.5]})
    assert jf.removal_finding(r, outcome="churned").startswith("IVR lies on the most journeys")
