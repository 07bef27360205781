"""Journey functions on hand-built tiny logs whose answers are worked out in the comments."""

from __future__ import annotations

import datetime as dt
import math
import warnings

import polars as pl
import pytest
from scipy import stats

import cxkit as cx
from cxkit import journey as j
from cxkit.errors import CxDataError, CxDataWarning


def at(h: int, m: int = 0) -> dt.datetime:
    return dt.datetime(2024, 1, 1, h, m, tzinfo=dt.UTC)


# a: web 9:00, call 10:00, shop 10:00 (tie: input order call then shop), web 12:00
# b: web 9:00, shop 9:30      c: call 11:00 (a single event)      d: web 8:00, shop 8:10
ROWS = [
    ("d", at(8, 10), "shop", 4),
    ("a", at(12), "web", 5),
    ("b", at(9, 30), "shop", 5),
    ("a", at(10), "call", 2),
    ("c", at(11), "call", 1),
    ("a", at(9), "web", 4),
    ("b", at(9), "web", 3),
    ("a", at(10), "shop", None),  # after a's call in the input: the tie keeps that order
    ("d", at(8), "web", None),
]
SCHEMA = {
    "customer_id": pl.String,
    "timestamp": pl.Datetime("us", "UTC"),
    "touchpoint": pl.String,
    "score": pl.Int64,
}


@pytest.fixture
def ev() -> pl.DataFrame:
    return pl.DataFrame(ROWS, schema=SCHEMA, orient="row")


@pytest.fixture
def customers() -> pl.DataFrame:
    # e has no events: it passed nothing, and is a comparator for every touchpoint
    return pl.DataFrame(
        {"customer_id": list("abcde"), "churned": [True, False, True, False, False]}
    )


def edge_map(tr: pl.DataFrame) -> dict[tuple[str, str], int]:
    return {(s, t): n for s, t, n in tr.select("source", "target", "n").iter_rows()}


# --------------------------------------------------------------------------- transitions
def test_transitions_tiny(ev):
    tr = j.transitions(ev)
    assert edge_map(tr) == {
        ("(start)", "web"): 3,  # a, b, d
        ("(start)", "call"): 1,  # c
        ("web", "call"): 1,  # a
        ("call", "shop"): 1,  # a (tied timestamps, input order)
        ("shop", "web"): 1,  # a
        ("web", "shop"): 2,  # b, d
        ("web", "(end)"): 1,  # a
        ("shop", "(end)"): 2,  # b, d
        ("call", "(end)"): 1,  # c
    }
    # every event has one incoming edge and every customer one (end): 9 + 4
    assert tr["n"].sum() == 13
    row = tr.filter(source="web", target="shop").row(0, named=True)
    # web's outgoing: call 1, shop 2, (end) 1 → 2/4; shop's incoming: call 1, web 2 → 2/3
    assert row["p_out"] == 0.5
    assert row["p_in"] == pytest.approx(2 / 3)
    assert row["n_customers"] == 2
    # gaps 30 min (b) and 10 min (d): median 20 min; p95 = 10 + 0.95 × 20 = 29 min
    assert row["median_time"] == dt.timedelta(minutes=20)
    assert row["p95_time"] == dt.timedelta(minutes=29)
    assert tr.filter(source="call", target="shop")["median_time"].item() == dt.timedelta(0)
    assert tr.filter(source="(start)")["median_time"].null_count() == 2
    # shares out of each source sum to 1
    assert tr.group_by("source").agg(pl.col("p_out").sum())["p_out"].to_list() == pytest.approx(
        [1.0] * 4
    )


def test_unsorted_input_and_ties(ev):
    sorted_ev = ev.sort("customer_id", "timestamp", maintain_order=True)
    assert j.transitions(ev).equals(j.transitions(sorted_ev))
    assert j.paths(ev).equals(j.paths(sorted_ev))
    # lazy input gives the same as eager
    assert j.transitions(ev.lazy()).equals(j.transitions(ev))
    # swapping the tied rows in the input swaps them in the journey
    swapped = pl.concat([ev[[7]], ev[[0, 1, 2, 3, 4, 5, 6, 8]]])
    assert "web → shop → call → web" in j.paths(swapped)["path"].to_list()
    assert ("shop", "call") in edge_map(j.transitions(swapped))


def test_collapse_repeats():
    e = pl.DataFrame(
        {
            "customer_id": ["x"] * 4,
            "timestamp": [at(h) for h in (1, 2, 3, 4)],
            "touchpoint": ["web", "web", "call", "web"],
        }
    )
    assert ("web", "web") in edge_map(j.transitions(e))
    collapsed = edge_map(j.transitions(e, collapse_repeats=True))
    assert collapsed == {
        ("(start)", "web"): 1,
        ("web", "call"): 1,
        ("call", "web"): 1,
        ("web", "(end)"): 1,
    }


def test_other_column_names(ev):
    renamed = ev.rename({"customer_id": "who", "timestamp": "when", "touchpoint": "what"})
    out = j.transitions(renamed, customer="who", time="when", touchpoint="what")
    assert out.equals(j.transitions(ev))
    with pytest.raises(CxDataError, match="pass customer='Who'"):
        j.transitions(
            renamed.rename({"who": "Who"}), customer="who", time="when", touchpoint="what"
        )


# --------------------------------------------------------------------------- paths
def test_paths_tiny(ev):
    p = j.paths(ev)
    assert p.select("path", "n_customers", "n_steps").rows() == [
        ("web → shop", 2, 2),  # b, d
        ("call", 1, 1),  # c; ties by path name
        ("web → call → shop → web", 1, 4),  # a
    ]
    assert p["share"].sum() == pytest.approx(1.0)
    assert p.filter(path="web → shop")["median_duration"].item() == dt.timedelta(minutes=20)
    assert not p["truncated"].any()


def test_paths_truncation_and_other_row(ev):
    p = j.paths(ev, max_steps=2, top=1)
    # the cut journey of a is marked, and what top leaves out is one honest row
    assert p.rows() == [
        ("web → shop", 2, False, 2, 0.5, dt.timedelta(minutes=20), 1),
        ("(other paths)", None, True, 2, 0.5, dt.timedelta(hours=1.5), 2),
    ]
    full = j.paths(ev, max_steps=2, top=None)
    assert full.filter(path="web → call → …")["truncated"].item()
    assert full.filter(path="web → call → …")["n_steps"].item() == 2
    assert full["share"].sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="max_steps"):
        j.paths(ev, max_steps=0)


def test_step_flows_tiny(ev):
    f = j.step_flows(ev, max_steps=2)
    assert {
        (s, a, b): n
        for s, a, b, n in f.select("step", "source", "target", "n_customers").iter_rows()
    } == {
        (1, "web", "shop"): 2,  # b, d
        (1, "web", "call"): 1,  # a
        (1, "call", "(end)"): 1,  # c drops off after one step
        (2, "shop", "(end)"): 2,  # b, d
        (2, "call", "(continues)"): 1,  # a goes on beyond step 2: shown, not hidden
    }
    # with top=1 the less common step-1 touchpoint is merged into an honest (other)
    f1 = j.step_flows(ev, max_steps=1, top=1)
    assert f1.filter(source="(other)")["n_customers"].sum() == 1
    # each step accounts for every customer still on their journey
    assert f.filter(step=1)["n_customers"].sum() == 4


# --------------------------------------------------------------------------- funnels
def funnel_counts(ev, steps, **kw) -> list[int]:
    return j.funnel(ev, steps, **kw)["n_customers"].to_list()


def test_funnel_modes(ev):
    # ordered: a (web 9 → shop 10), b, d; c never visits the web
    assert funnel_counts(ev, ["web", "shop"]) == [3, 3]
    # strict: a's web is followed by a call, so only b and d
    assert funnel_counts(ev, ["web", "shop"], mode="strict") == [3, 2]
    # ordered shop → web: only a comes back to the web after the shop
    assert funnel_counts(ev, ["shop", "web"]) == [3, 1]
    # any order: a, b and d did both
    assert funnel_counts(ev, ["shop", "web"], mode="any") == [3, 3]
    # a repeated step: web → shop → web again: only a
    assert funnel_counts(ev, ["web", "shop", "web"]) == [3, 3, 1]
    f = j.funnel(ev, ["web", "shop"])
    row = f.row(1, named=True)
    # times web → shop: a 60 min, b 30 min, d 10 min
    assert row["median_time_from_previous"] == dt.timedelta(minutes=30)
    assert row["conversion_from_start"] == 1.0
    assert f["share_of_customers"].to_list() == [0.75, 0.75]
    assert f.row(0, named=True)["median_time_from_previous"] is None


def test_funnel_window(ev):
    # within 30 min of the web visit: b (30 min) and d (10 min); a took 60 min
    assert funnel_counts(ev, ["web", "shop"], window="30m") == [3, 2]
    assert funnel_counts(ev, ["web", "shop"], window="1h") == [3, 3]
    # a later start can succeed where the first fails: every start is tried
    e = pl.DataFrame(
        {
            "customer_id": ["x"] * 3,
            "timestamp": [at(0), at(5), at(5, 20)],
            "touchpoint": ["web", "web", "shop"],
        }
    )
    f = j.funnel(e, ["web", "shop"], window="30m")
    assert f["n_customers"].to_list() == [1, 1]
    assert f["median_time_from_previous"][1] == dt.timedelta(minutes=20)
    assert funnel_counts(e, ["web", "shop"], window="30m", mode="strict") == [1, 1]


def test_funnel_by_and_empty_group(ev):
    seg = ev.with_columns(
        seg=pl.when(pl.col("customer_id") == "c").then(pl.lit("y")).otherwise(pl.lit("x"))
    )
    with pytest.warns(CxDataWarning, match="nobody reached"):
        f = j.funnel(seg, ["web", "shop"], by="seg")
    assert f.filter(seg="x")["n_customers"].to_list() == [3, 3]
    ys = f.filter(seg="y")
    assert ys["n_customers"].to_list() == [0, 0]
    assert ys["conversion_from_start"].null_count() == 2


def test_funnel_unknown_step_warns(ev):
    with pytest.warns(CxDataWarning, match=r"'shp' never occurs.*'shop'"):
        assert funnel_counts(ev, ["web", "shp"]) == [3, 0]
    with pytest.raises(ValueError, match="mode"):
        j.funnel(ev, ["web"], mode="loose")


# --------------------------------------------------------------------------- repeat contacts
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


# --------------------------------------------------------------------------- sessions
def test_sessionize(ev):
    s = j.sessionize(ev, gap="1h")
    # a: 9:00, 10:00 (gap = 1 h, not more), 10:00, then 12:00 after 2 h: a new session
    assert s.filter(customer_id="a")["session_id"].to_list() == ["a#1", "a#1", "a#1", "a#2"]
    assert isinstance(j.sessionize(ev.lazy()), pl.LazyFrame)
    # sessions as journeys
    p = j.paths(s, customer="session_id")
    assert p["n_customers"].sum() == 5
    with pytest.raises(ValueError, match="duration"):
        j.sessionize(ev, gap="soon")


# --------------------------------------------------------------------------- the emotion curve
def test_stage_scores_tiny(ev):
    s = j.stage_scores(ev, min_n=3)
    # median step: web (1, 4, 1, 1) → 1; call (2, 1) → 1.5; shop (3, 2, 2) → 2
    assert s["touchpoint"].to_list() == ["web", "call", "shop"]
    web = s.row(0, named=True)
    assert (web["n"], web["estimate"], web["n_events"]) == (3, 4.0, 4)
    # scores 4, 5, 3: sd 1, t interval with 2 df
    half = stats.t.ppf(0.975, 2) / math.sqrt(3)
    assert (web["ci_low"], web["ci_high"]) == pytest.approx((4 - half, 4 + half))
    assert s["low_base"].to_list() == [False, True, True]
    assert s.filter(touchpoint="call")["estimate"].item() == 1.5


def test_stage_scores_enum_order_and_no_scores(ev):
    order = pl.Enum(["shop", "call", "web"])
    s = j.stage_scores(ev.with_columns(stage=pl.col("touchpoint").cast(order)), by="stage")
    assert s["stage"].cast(pl.String).to_list() == ["shop", "call", "web"]
    with pytest.warns(CxDataWarning, match="no scores"):
        empty = j.stage_scores(ev.with_columns(score=pl.lit(None, pl.Int64)))
    assert empty["n"].to_list() == [0, 0, 0]
    assert empty["estimate"].null_count() == 3


# --------------------------------------------------------------------------- pain points
def test_pain_points_tiny(ev, customers):
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import confint_proportions_2indep

    pp = j.pain_points(ev, customers, outcome="churned", min_customers=1)
    # population a–e, churned a and c.  call: passed a, c (2 of 2 churned) vs b, d, e (0 of 3)
    # web and shop: passed a, b, d (1 of 3) vs c, e (1 of 2): diff −1/6, impact −0.5
    assert pp["touchpoint"].to_list() == ["call", "shop", "web"]
    call = pp.row(0, named=True)
    assert (call["n_passed"], call["n_not_passed"]) == (2, 3)
    assert (call["rate_passed"], call["rate_not_passed"], call["diff"]) == (1.0, 0.0, 1.0)
    assert call["impact"] == 2.0
    # z-test without continuity correction = chi-square test on the 2×2 table
    chi = stats.chi2_contingency([[2, 0], [0, 3]], correction=False)
    assert call["p_value"] == pytest.approx(chi.pvalue)
    web = pp.filter(touchpoint="web").row(0, named=True)
    assert web["lift"] == pytest.approx((1 / 3) / (1 / 2))
    lo, hi = confint_proportions_2indep(1, 3, 1, 2, method="newcomb", compare="diff")
    assert (web["ci_low"], web["ci_high"]) == pytest.approx((lo, hi))
    assert pp["p_adj"].to_list() == pytest.approx(
        multipletests(pp["p_value"].to_numpy(), method="fdr_bh")[1]
    )


def test_pain_points_low_base_edges_and_bad_outcome(ev, customers):
    pp = j.pain_points(ev, customers, outcome="churned", min_customers=3, edges=True)
    # call has only 2 passers: kept, flagged, not tested, sorted last
    call = pp.filter(touchpoint="call").row(0, named=True)
    assert call["low_base"] and call["p_value"] is None and call["ci_low"] is None
    assert pp["low_base"].to_list() == sorted(pp["low_base"].to_list())
    assert (
        pp.filter(kind="edge")["touchpoint"].to_list()
        and "web → shop" in pp["touchpoint"].to_list()
    )
    bad = customers.with_columns(churned=pl.Series([0, 2, 1, 0, 0]))
    with pytest.raises(CxDataError, match="only 0 and 1"):
        j.pain_points(ev, bad, outcome="churned")
    with pytest.warns(CxDataWarning, match="1 customer"):
        j.pain_points(
            ev, customers.filter(pl.col("customer_id") != "a"), outcome="churned", min_customers=1
        )


# --------------------------------------------------------------------------- removal effects
def test_removal_effects_by_hand():
    # j1: A → B, outcome     j2: A, no outcome     j3: B, outcome     j4: A → B, no outcome
    e = pl.DataFrame(
        {
            "customer_id": ["j1", "j1", "j2", "j3", "j4", "j4"],
            "timestamp": [at(1), at(2), at(1), at(1), at(1), at(2)],
            "touchpoint": ["A", "B", "A", "B", "A", "B"],
        }
    )
    c = pl.DataFrame({"customer_id": ["j1", "j2", "j3", "j4"], "converted": [1, 0, 1, 0]})
    re = j.removal_effects(e, c, outcome="converted")
    # P(start→A) = 3/4, P(start→B) = 1/4; P(A→B) = 2/3, P(A→null) = 1/3;
    # P(B→conv) = 2/3, P(B→null) = 1/3.
    # P(conv) = 3/4·2/3·2/3 + 1/4·2/3 = 1/3 + 1/6 = 1/2
    # without A: only start → B → conv: 1/4·2/3 = 1/6, removal effect 1 − (1/6)/(1/2) = 2/3
    # without B: no way to conv: 0, removal effect 1
    # shares: (2/3)/(5/3) = 0.4 and 1/(5/3) = 0.6
    assert re["touchpoint"].to_list() == ["B", "A"]
    assert re["removal_effect"].to_list() == pytest.approx([1.0, 2 / 3])
    assert re["share"].to_list() == pytest.approx([0.6, 0.4])
    assert re["p_outcome"].to_list() == pytest.approx([0.5, 0.5])
    assert re["p_outcome_removed"].to_list() == pytest.approx([0.0, 1 / 6])
    assert re["n_customers"].to_list() == [3, 3]


def test_removal_effects_no_outcome(ev, customers):
    with pytest.warns(CxDataWarning, match="nobody reached"):
        re = j.removal_effects(ev, customers.with_columns(churned=pl.lit(False)), outcome="churned")
    assert re["removal_effect"].null_count() == re.height == 3


# --------------------------------------------------------------------------- empty input
def test_empty_events_warn_not_crash(ev, customers):
    empty = ev.clear()
    calls = [
        lambda: j.transitions(empty),
        lambda: j.paths(empty),
        lambda: j.step_flows(empty),
        lambda: j.funnel(empty, ["web"]),
        lambda: j.repeat_contacts(empty, contact_touchpoints=["call"]),
        lambda: j.stage_scores(empty),
        lambda: j.removal_effects(empty, customers, outcome="churned"),
    ]
    for call in calls:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = call()
        assert isinstance(out, pl.DataFrame)
        assert any(issubclass(w.category, CxDataWarning) for w in caught), call
    pp = j.pain_points(empty, customers, outcome="churned")
    assert pp.height == 0
    assert j.sessionize(empty).height == 0


def test_durations_parse():
    from cxkit.journey._sequence import to_timedelta

    assert to_timedelta("7d", "w") == dt.timedelta(days=7)
    assert to_timedelta("1h30m", "w") == dt.timedelta(minutes=90)
    assert to_timedelta(dt.timedelta(seconds=3), "w") == dt.timedelta(seconds=3)
    with pytest.raises(ValueError):
        to_timedelta("7 days", "w")


def _t(h: float) -> dt.datetime:
    return dt.datetime(2024, 1, 1) + dt.timedelta(hours=h)


def test_funnel_any_with_window_tries_every_start():
    # web at 0h, web at 10h, order at 11h: the 2h window starting at the second web holds both
    # steps (brute force over every start: 1 customer reaches "order")
    ev = pl.DataFrame(
        {
            "customer_id": ["a"] * 3,
            "timestamp": [_t(0), _t(10), _t(11)],
            "touchpoint": ["web", "web", "order"],
        }
    )
    out = j.funnel(ev, ["web", "order"], mode="any", window="2h")
    assert out.select("step", "n_customers").rows() == [("web", 1), ("order", 1)]
    # the same in ordered mode (the stricter one) agrees
    assert j.funnel(ev, ["web", "order"], mode="ordered", window="2h")["n_customers"].to_list() == [
        1,
        1,
    ]


def test_funnel_by_the_touchpoint_column_does_not_crash():
    ev = pl.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b"],
            "timestamp": [_t(0), _t(1), _t(0), _t(5)],
            "touchpoint": ["web", "order", "web", "call"],
        }
    )
    rows = (
        j.funnel(ev, ["web", "order"], by="touchpoint")
        .select("touchpoint", "step", "n_customers")
        .rows()
    )
    assert ("web", "web", 2) in rows and ("web", "order", 1) in rows
