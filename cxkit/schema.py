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
