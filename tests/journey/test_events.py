"""cx.journey.events and the shared event handling: the one input adapter, ordering and ties,
column names, sessions, durations, empty input — and cx.read_events' order contract, which
the journey functions rely on to skip the sort."""

from __future__ import annotations

import datetime as dt
import warnings

import polars as pl
import pytest

import cxkit as cx
from cxkit import journey as j
from cxkit.errors import CxDataError, CxDataWarning


def test_unsorted_input_and_ties(ev):
    sorted_ev = ev.sort("customer_id", "timestamp", maintain_order=True)
    assert j.transitions(ev).equals(j.transitions(sorted_ev))
    assert j.paths(ev).equals(j.paths(sorted_ev))
    # lazy input gives the same as eager
    assert j.transitions(ev.lazy()).equals(j.transitions(ev))
    # swapping the tied rows in the input swaps them in the journey
    swapped = pl.concat([ev[[7]], ev[[0, 1, 2, 3, 4, 5, 6, 8]]])
    assert "web → shop → call → web" in j.paths(swapped)["path"].to_list()
    assert j.transitions(swapped).filter(source="shop", target="call")["n"].to_list() == [1]


def test_other_column_names(ev):
    renamed = ev.rename({"customer_id": "who", "timestamp": "when", "touchpoint": "what"})
    out = j.transitions(renamed, customer="who", time="when", touchpoint="what")
    assert out.equals(j.transitions(ev))
    with pytest.raises(CxDataError, match="pass customer='Who'"):
        j.transitions(
            renamed.rename({"who": "Who"}), customer="who", time="when", touchpoint="what"
        )


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


def test_durations_parse():
    from cxkit.journey._events import to_timedelta

    assert to_timedelta("7d", "w") == dt.timedelta(days=7)
    assert to_timedelta("1h30m", "w") == dt.timedelta(minutes=90)
    assert to_timedelta(dt.timedelta(seconds=3), "w") == dt.timedelta(seconds=3)
    with pytest.raises(ValueError):
        to_timedelta("7 days", "w")


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


def test_sample_is_unsorted_safe(sample):
    ev, cu = sample
    shuffled = ev.sample(fraction=1.0, shuffle=True, seed=3)
    # the generator's chatbot → agent hand-over shares a timestamp: keep input order for those
    # ties by shuffling whole customers only
    order = (
        ev.select("customer_id")
        .unique(maintain_order=True)
        .sample(fraction=1.0, shuffle=True, seed=5)
    )
    by_customer = order.join(ev, on="customer_id", maintain_order="left")
    assert j.transitions(by_customer).equals(j.transitions(ev))
    assert j.removal_effects(by_customer, cu, outcome="churned").equals(
        j.removal_effects(ev, cu, outcome="churned")
    )
    # a full shuffle breaks only the tied hand-overs' input order, never the counts per touchpoint
    tr = j.transitions(shuffled)
    assert tr.filter(pl.col("target") == "(end)")["n"].sum() == ev["customer_id"].n_unique()


def events(rows):
    cid, ts, tp = zip(*rows, strict=True)
    return pl.DataFrame({"customer_id": cid, "timestamp": ts, "touchpoint": tp})


def test_sorted_input_is_not_sorted_again_and_unsorted_is():
    rows = [
        ("a", "2024-01-01 10:00", "x"),
        ("a", "2024-01-01 11:00", "y"),
        ("b", "2024-01-01 09:00", "x"),
    ]
    lf = cx.read_events(events(rows))
    assert "SORT" not in lf.explain()
    shuffled = cx.read_events(events(rows[::-1]))
    assert "SORT" in shuffled.explain()
    assert shuffled.collect().equals(lf.collect())
    assert lf.collect()["touchpoint"].to_list() == ["x", "y", "x"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # sorted, a tie block of three: the copies are not neighbours (x, y, x)
        ([("a", "t1", "x"), ("a", "t1", "y"), ("a", "t1", "x"), ("b", "t1", "x")], 1),
        # sorted, blocks of two: neighbours equal in one block only
        ([("a", "t1", "x"), ("a", "t1", "x"), ("a", "t2", "x"), ("a", "t2", "y")], 1),
        # sorted, three copies in one block
        ([("a", "t1", "x")] * 3 + [("b", "t1", "x")], 2),
        # unsorted: the hashed count
        ([("b", "t1", "x"), ("a", "t1", "x"), ("b", "t1", "x"), ("a", "t2", "x")], 1),
        # sorted, a copy in a block of two and one in a block of three (at the very end)
        ([("a", "t1", "x")] * 2 + [("b", "t1", "x"), ("b", "t1", "y"), ("b", "t1", "x")], 2),
        # sorted, a block of four at the start holding two copies, then a block of two
        (
            [("a", "t1", "y"), ("a", "t1", "x"), ("a", "t1", "y"), ("a", "t1", "x")]
            + [("a", "t2", "x")] * 2,
            3,
        ),
        # sorted, a block of five: copies two and four rows apart
        (
            [
                ("a", "t1", "x"),
                ("a", "t1", "y"),
                ("a", "t1", "z"),
                ("a", "t1", "w"),
                ("a", "t1", "x"),
            ],
            1,
        ),
        # sorted, ties but no copies
        ([("a", "t1", "x"), ("a", "t1", "y"), ("a", "t1", "z")], 0),
    ],
)
def test_duplicate_count_on_sorted_and_unsorted_data(rows, expected):
    times = {"t1": "2024-01-01 10:00", "t2": "2024-01-01 11:00"}
    raw = events([(c, times[t], p) for c, t, p in rows])
    brute = len(rows) - len(set(rows))  # reference: Python set of whole rows
    assert brute == expected
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CxDataWarning)
        cx.read_events(raw)
    found = [str(w.message) for w in caught if "repeat" in str(w.message)]
    if expected:
        assert len(found) == 1 and f"[{expected} rows]" in found[0]
    else:
        assert not found
    report = cx.validate(raw, kind="events")
    assert report.count("exact events (every column equal) are unique") == expected


@pytest.mark.parametrize("slice_rows", [1, 2, 3, 5, 1000])
def test_validation_in_slices_counts_like_one_pass(monkeypatch, tmp_path, slice_rows):
    import cxkit.io._checks as checks

    monkeypatch.setattr(checks, "SLICE_ROWS", slice_rows)
    t = ["2024-01-01 10:00", "2024-01-01 11:00"]
    rows = [  # ordered; copies at every distance the check looks back, across slice edges
        ("a", t[0], "x"), ("a", t[0], "x"), ("a", t[0], "y"), ("a", t[0], "x"),
        ("a", t[1], "y"), ("b", t[0], "x"), ("b", t[0], "y"), ("b", t[0], "x"),
        ("c", t[1], "z"), ("c", t[1], "z"),
    ]  # fmt: skip
    brute = len(rows) - len(set(rows))  # 4: Python set of whole rows
    path = tmp_path / "ordered.parquet"
    events(rows).write_parquet(path)
    for source in (path, events(rows)):
        with pytest.warns(CxDataWarning, match=rf"repeat.*\[{brute} rows\]"):
            lf = cx.read_events(source)
        assert "SORT" not in lf.explain()
    # one pair out of order, at every possible slice edge
    for i in range(1, len(rows)):
        swapped = rows[: i - 1] + [rows[i], rows[i - 1]] + rows[i + 1 :]
        if sorted(swapped, key=lambda r: (r[0], r[1])) == swapped:
            continue  # swapping tied rows keeps the order
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CxDataWarning)
            lf = cx.read_events(events(swapped))
        assert "SORT" in lf.explain(), i
    report = cx.validate(path, kind="events")
    assert report.n_rows == len(rows)
    assert report.count("exact events (every column equal) are unique") == brute


def test_read_events_frames_are_freed(tmp_path):
    import gc
    import weakref

    ordered = events([("a", "2024-01-01 10:00", "x"), ("b", "2024-01-01 09:00", "y")])
    for source in (ordered, ordered.reverse()):
        ref = weakref.ref(cx.read_events(source))
        gc.collect()
        assert ref() is None  # nothing in cxkit keeps the returned frame alive


def test_lazy_sources_keep_their_sort():
    # a lazy plan may give another row order on the next run (e.g. after a join): the order
    # seen by the validation pass is not relied on
    rows = [("a", "2024-01-01 10:00", "x"), ("b", "2024-01-01 09:00", "y")]
    assert "SORT" in cx.read_events(events(rows).lazy()).explain()
    assert "SORT" not in cx.read_events(events(rows)).explain()


# --------------------------------------------------------------------------- the one input adapter
def test_pandas_and_pyarrow_events_give_the_polars_answer(ev, customers):
    import pyarrow as pa

    want = j.transitions(ev)
    assert j.transitions(ev.to_pandas()).equals(want)
    assert j.transitions(ev.to_arrow()).equals(want)
    assert isinstance(ev.to_arrow(), pa.Table)
    assert j.paths(ev.to_arrow()).equals(j.paths(ev))
    assert j.funnel(ev.to_pandas(), ["web", "shop"]).equals(j.funnel(ev, ["web", "shop"]))
    # customers too, in any accepted kind
    pp = j.pain_points(ev, customers, outcome="churned", min_base=1)
    assert j.pain_points(
        ev.to_pandas(), customers.to_arrow(), outcome="churned", min_base=1
    ).equals(pp)
    # sessionize gives a frame back for any non-lazy input
    assert j.sessionize(ev.to_arrow())["session_id"].equals(j.sessionize(ev)["session_id"])


@pytest.mark.parametrize(
    "call",
    [
        lambda x, cu: j.transitions(x),
        lambda x, cu: j.stage_scores(x),
        lambda x, cu: j.sessionize(x),
        lambda x, cu: j.pain_points(cu, x, outcome="churned"),
    ],
    ids=["transitions", "stage_scores", "sessionize", "pain_points customers"],
)
def test_anything_else_is_a_data_error_naming_the_accepted_types(ev, customers, call):
    with pytest.raises(CxDataError, match="pandas DataFrame or a pyarrow Table") as err:
        call(ev.rows(), customers)
    assert "got builtins.list" in str(err.value)


def test_a_missing_column_names_the_argument_to_pass(ev, customers):
    with pytest.raises(CxDataError, match="pass touchpoint='Touchpoint'") as err:
        j.paths(ev.rename({"touchpoint": "Touchpoint"}))
    assert err.value.source == "events" and err.value.column == "touchpoint"
    with pytest.raises(CxDataError, match="outcome") as err:
        j.pain_points(ev, customers, outcome="churn")
    assert err.value.source == "customers" and "churned" in str(err.value)
