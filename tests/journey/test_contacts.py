"""cx.journey.contacts: repeat contacts on the tiny log."""

from __future__ import annotations

import datetime as dt

import pytest

import cxkit as cx
from cxkit import journey as j


def test_repeat_contacts_tiny(ev):
    r = j.repeat_contacts(ev, contact_touchpoints=["call", "shop"], within="7d")
    rows = {row["touchpoint"]: row for row in r.iter_rows(named=True)}
    # a: call 10:00 → shop 10:00 (same second: a repeat); every other contact is the last one
    assert r["touchpoint"][0] == "(all contacts)"
    assert (rows["(all contacts)"]["n_contacts"], rows["(all contacts)"]["n_repeated"]) == (5, 1)
    assert (
        rows["call"]["n_contacts"],
        rows["call"]["n_repeated"],
        rows["call"]["n_repeated_same"],
    ) == (2, 1, 0)
    assert (rows["shop"]["n_contacts"], rows["shop"]["n_repeated"]) == (3, 0)
    assert rows["call"]["customer_repeat_rate"] == 0.5  # a of {a, c}
    assert rows["call"]["median_time_to_repeat"] == dt.timedelta(0)
    lo, hi = cx.metrics.wilson_interval(1, 2)
    assert (rows["call"]["ci_low"], rows["call"]["ci_high"]) == pytest.approx((lo, hi))
