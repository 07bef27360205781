"""Canonical names shared by every package: columns, special labels, base-size flags and the
choices that mean the same thing everywhere (the "one vocabulary" of ``docs/architecture.md``).

This module holds data only (no polars, no logic), so any module may import it.
"""

from __future__ import annotations

from typing import Final

# --------------------------------------------------------------------------- canonical columns
CUSTOMER_ID: Final = "customer_id"
TIMESTAMP: Final = "timestamp"
TOUCHPOINT: Final = "touchpoint"
SCORE: Final = "score"
#: the tie-breaker of events at the same time (read_events(order_by=...)): an event id, a sequence
EVENT_ORDER: Final = "event_order"
UNIT_ID: Final = "unit_id"
ARM: Final = "arm"
CLUSTER: Final = "cluster"
RESPONSE_ID: Final = "response_id"

#: Columns that identify a person or a unit: masked wherever a reader sees data.
ID_COLUMNS: Final = frozenset({CUSTOMER_ID, UNIT_ID, RESPONSE_ID, "respondent_id"})

# --------------------------------------------------------------------------- journey labels
START: Final = "(start)"
END: Final = "(end)"
OTHER: Final = "(other)"
OTHER_PATHS: Final = "(other paths)"
CONTINUES: Final = "(continues)"
ALL_CONTACTS: Final = "(all contacts)"
SEP: Final = " → "
TRUNCATED: Final = "…"

# --------------------------------------------------------------------------- base sizes
#: ``base_flag`` values, the same in every module: the cell is fine, shown with a warning
#: (``n`` below the small-base threshold) or suppressed (``n`` below ``min_base``, estimate null).
BASE_OK: Final = "ok"
BASE_SMALL: Final = "small base"
BASE_SUPPRESSED: Final = "suppressed"
BASE_FLAGS: Final = (BASE_OK, BASE_SMALL, BASE_SUPPRESSED)

# --------------------------------------------------------------------------- multiplicity
#: ``correction=`` choices accepted by every function that adjusts p-values.
CORRECTIONS: Final = ("holm", "bh", "bonferroni", "none")

# --------------------------------------------------------------------------- rates
#: The one word for a top-box or yes/no rate (a fraction 0–1 of units with the attribute).
PROPORTION: Final = "proportion"

# --------------------------------------------------------------------------- reader labels
# The words a reader sees for result columns, metrics and units: the one place tables, findings
# and charts take them from (``cxkit.report.wording`` turns them into sentences). A name not
# listed here is shown with its underscores turned into spaces.

#: Result-frame columns → table headers (plain words, the unit is added by the formatter).
COLUMN_LABELS: Final = {
    "metric": "Metric",
    "arm": "Arm",
    "segment": "Segment",
    "touchpoint": "Touchpoint",
    "stage": "Stage",
    "channel": "Channel",
    "period": "Period",
    "group": "Group",
    "n": "Base (n)",
    "n_eff": "Effective base",
    "n_units": "Units",
    "n_customers": "Customers",
    "n_events": "Events",
    "n_touchpoints": "Touchpoints",
    "n_control": "Base, control",
    "n_treatment": "Base, treatment",
    "n_clusters": "Clusters",
    "estimate": "Estimate",
    "score": "Score",
    "ci": "Interval (95%)",
    "ci_low": "Interval low",
    "ci_high": "Interval high",
    "p_value": "p-value",
    "p_adj": "p-value (corrected)",
    "base_flag": "Base check",
    "effect": "Difference",
    "rel_effect": "Relative difference",
    "rel_ci_low": "Relative interval low",
    "rel_ci_high": "Relative interval high",
    "control_value": "Control",
    "treatment_value": "Treatment",
    "decision": "Verdict",
    "observed_share": "Share observed",
    "expected_share": "Share expected",
    "response_rate": "Response rate",
    "share": "Share",
    "count": "Count",
    "customers": "Customers",
    "source": "From",
    "target": "To",
    "p_out": "Share moving on",
    "importance": "Importance",
    "performance": "Performance",
    "quadrant": "Quadrant",
    "var_reduction": "Variance removed (CUPED)",
    "design_effect": "Design effect",
    "icc": "Intra-cluster correlation",
    "method": "Method",
    "alarm": "Alarm",
    "check": "Check",
    "statistic": "Test statistic",
    "df": "Degrees of freedom",
    "se": "Standard error",
    "median_duration": "Median time",
    "mean_duration": "Mean time",
    "truncated": "Cut short",
    "sign": "Direction",
    # journeys: paths, transitions, funnels, repeat contacts, Markov removal effects
    "path": "Journey",
    "step": "Step",
    "step_index": "Step number",
    "n_steps": "Steps",
    "n_variants": "Paths in the row",
    "p_in": "Share coming from here",
    "n_dropped": "Dropped",
    "drop_off": "Drop-off",
    "share_of_customers": "Share of customers",
    "conversion_from_start": "Conversion from start",
    "conversion_from_previous": "Conversion from previous step",
    "median_time": "Median time",
    "p95_time": "Time, 95th percentile",
    "median_time_from_previous": "Median time from previous step",
    "median_step": "Median step",
    "n_contacts": "Contacts",
    "n_repeated": "Followed by another contact",
    "n_repeated_same": "Followed by the same touchpoint",
    "repeat_rate": "Repeat rate",
    "same_touchpoint_rate": "Same-touchpoint repeat rate",
    "n_customers_repeating": "Customers repeating",
    "customer_repeat_rate": "Customer repeat rate",
    "median_time_to_repeat": "Median time to repeat",
    "removal_effect": "Share of outcome journeys through it",
    "p_outcome": "Outcome rate (model)",
    "p_outcome_removed": "Outcome rate without it (model)",
    "n_passed": "Customers who passed",
    "n_not_passed": "Customers who did not pass",
    "rate_passed": "Outcome rate, passed",
    "rate_not_passed": "Outcome rate, not passed",
    "lift": "Lift",
    "impact": "Impact",
    # satisfaction: drivers, quadrants, data checks
    "driver": "Driver",
    "importance_pct": "Importance (% of explained)",
    "r2": "Variance explained (R²)",
    "importance_cut": "Importance cut-off",
    "performance_cut": "Performance cut-off",
    "reference": "Reference",
    "reference_estimate": "Reference estimate",
    "n_rows": "Rows",
    "n_missing": "Missing",
    "n_na_code": "Coded 'not applicable'",
    "share_missing": "Share missing",
    "segment_col": "Segment column",
    "column": "Column",
    "significant": "Statistically clear",
    # loyalty: value at stake, hazard ratios, score groups
    "exposure": "Experience",
    "n_exposed": "Customers exposed",
    "n_unexposed": "Customers not exposed",
    "rate_exposed": "Outcome rate, exposed",
    "rate_unexposed": "Outcome rate, not exposed",
    "rate_ratio": "Rate ratio",
    "excess_rate": "Excess rate",
    "excess_ci_low": "Excess rate, interval low",
    "excess_ci_high": "Excess rate, interval high",
    "value_at_stake": "Value at stake",
    "factor": "Factor",
    "level": "Level",
    "hazard_ratio": "Hazard ratio",
    "ph_p_value": "p-value, constant-ratio check",
    "ph_violation": "Ratio changes over time",
    "outcome": "Outcome",
    "effect_ci_low": "Difference, interval low",
    "effect_ci_high": "Difference, interval high",
    # A/B tests: the design and the metrics' declarations
    "n_assignments": "Assignments",
    "n_responded": "Responded",
    "role": "Role",
    "kind": "Kind",
    "margin": "Margin",
    "higher_is_better": "Higher is better",
    "alternative": "Alternative hypothesis",
    "family": "Test family",
    # small tables the notebooks build (data summary, label variants, retention horizons)
    "item": "Item",
    "what": "What",
    "value": "Value",
    "by": "By",
    "horizon": "Horizon",
    "label": "Label",
    "measure": "Measure",
    "reason": "Reason",
    "n_groups": "Groups",
    "similar_to": "Similar to",
    "n_similar": "Base of the similar label (n)",
    "value_per_exposed": "Value per exposed customer",
    "first_event": "First event",
    "last_event": "Last event",
    "order": "Order",
}

#: Columns a reader rarely needs: tables show them in an expandable detail, not as columns.
TECHNICAL_COLUMNS: Final = frozenset(
    {"n_eff", "p_value", "rel_ci_low", "rel_ci_high", "statistic", "df", "se", "sign",
     "truncated", "alternative", "family", "kind", "role", "higher_is_better", "n_assignments",
     "method", "icc", "margin"}
)  # fmt: skip

#: Common metric and outcome names → reader words (lower case: they sit inside sentences).
METRIC_LABELS: Final = {
    "resolved": "resolution",
    "repeat_contact": "repeat contacts",
    "handle_time": "handle time",
    "handle_time_median": "median handle time",
    "contacts_per_order": "contacts per order",
    "csat": "CSAT",
    "csat_top_box": "CSAT (top box)",
    "nps": "NPS",
    "ces": "effort (CES)",
    "churned": "churn",
    "converted": "conversion",
    "retention_1": "1-day retention",
    "retention_7": "7-day retention",
    "sum_gamerounds": "game rounds played",
    "satisfaction": "satisfaction",
    "revenue": "revenue",
}

#: Units of metrics measured in something other than a rate or points (shown after their
#: numbers, levels and differences alike): a time in what it counts, a ratio per its
#: denominator, a count in what it counts.
METRIC_UNITS: Final = {
    "handle_time": "s",
    "handle_time_median": "s",
    "pre_handle_time": "s",
    "contacts_per_order": "per order",
    "sum_gamerounds": "rounds",
}

#: The usual scale of a rating mean (CSAT 1–5 and CES 1–7, as the sample data and most surveys
#: ask them): its level is a score on that scale and a difference of two means is in points of
#: it (``POINTS``), named once after the number ("0.25 pts on the 1–5 scale"). A survey on
#: another scale passes ``scale=`` to the wording.
METRIC_SCALES: Final = {"csat": "1–5", "ces": "1–7", "score": "1–5"}

#: ``decision`` values → reader words.
DECISION_LABELS: Final = {
    "better": "better",
    "worse": "worse",
    "within_margin": "within its margin",
    "non_inferior": "not worse",
    "inconclusive": "cannot tell",
    "no_detectable_change": "cannot tell",
}

#: Unit words: a difference of two rates is in percentage points, a relative change in %.
POINTS: Final = "pts"
PERCENT: Final = "%"

#: Words written in capitals wherever a code from the data is shown to a reader (touchpoints,
#: arms, drivers): ``ivr`` → "IVR". The rule for codes, the same in findings, table cells and
#: charts (``cxkit.report.wording.reader_label``, ``cxkit.charts._common.words``): a name in
#: ``METRIC_LABELS`` takes its label; underscores become spaces; these words go into capitals;
#: the first letter is capitalised ("agent_call" → "Agent call", "control" → "Control",
#: "e-mail" → "E-mail"); special labels such as "(start)" and names that already hold a
#: capital letter ("Seat comfort", "Variant B") are shown as they are; a journey path is
#: worded step by step.
ACRONYMS: Final = ("IVR", "NPS", "CSAT", "CES", "FAQ", "SMS", "FCR", "AHT", "ATM", "VIP", "ID",
                   "SLA", "KYC", "POS", "QR", "USB", "PIN", "TV", "UK", "US", "EU")  # fmt: skip
