"""cx.journey.flows: transitions, paths and step flows — on the tiny log (answers worked out
in the comments), against brute force on random unsorted logs, and against an independent
pure-Python count on the public helpdesk and receipt logs.

Brute force: plain Python — ``sorted()`` (stable, so tied times keep input order), dicts, sets,
``statistics.median`` and the linear-interpolation quantile written out below (numpy's and
Polars' "linear" method: x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]) with h = q·(n − 1)).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import warnings
from collections import Counter, defaultdict

import polars as pl
import pytest

import cxkit as cx
from cxkit import journey as j
from cxkit.errors import CxDataWarning


def edge_map(tr: pl.DataFrame) -> dict[tuple[str, str], int]:
    return {(s, t): n for s, t, n in tr.select("source", "target", "n").iter_rows()}


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


def test_collapse_repeats(at):
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


T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def linear_quantile(values: list[float], q: float) -> float:
    x = sorted(values)
    h = q * (len(x) - 1)
    lo = math.floor(h)
    hi = min(lo + 1, len(x) - 1)
    return x[lo] + (h - lo) * (x[hi] - x[lo])


def brute_transitions(df: pl.DataFrame, unit: float, collapse: bool = False) -> dict:
    """(source, target) → (n, n_customers, median, p95) with gaps in ``unit`` time units."""
    per = defaultdict(list)
    for cid, ts, tp in df.iter_rows():
        per[cid].append((ts, tp))
    n, who, gaps = Counter(), defaultdict(set), defaultdict(list)
    for cid, evs in per.items():
        evs = sorted(evs, key=lambda e: e[0])  # stable: ties keep input order
        if collapse:
            evs = [e for i, e in enumerate(evs) if i == 0 or e[1] != evs[i - 1][1]]
        names = ["(start)"] + [tp for _, tp in evs] + ["(end)"]
        for i, edge in enumerate(zip(names, names[1:], strict=False)):
            n[edge] += 1
            who[edge].add(cid)
            if 0 < i < len(evs):
                gaps[edge].append((evs[i][0] - evs[i - 1][0]) / dt.timedelta(seconds=unit))
    return {
        e: (
            n[e],
            len(who[e]),
            statistics.median(gaps[e]) if gaps[e] else None,
            linear_quantile(gaps[e], 0.95) if gaps[e] else None,
        )
        for e in n
    }


def check_against_brute(tr: pl.DataFrame, ref: dict, unit: float) -> None:
    got = {(r["source"], r["target"]): r for r in tr.iter_rows(named=True)}
    assert set(got) == set(ref)
    for edge, (n, n_cust, med, p95) in ref.items():
        row = got[edge]
        assert (row["n"], row["n_customers"]) == (n, n_cust), edge
        for name, want in (("median_time", med), ("p95_time", p95)):
            value = row[name]
            if want is None:
                assert value is None, (edge, name)
            else:  # durations are whole time units, truncated like Polars' own quantile
                assert value / dt.timedelta(seconds=unit) == pytest.approx(math.trunc(want), abs=1)


@pytest.mark.parametrize("seed", range(12))
def test_transitions_equal_brute_force_on_random_logs(seed, random_log):
    step = dt.timedelta(microseconds=1_234_567)  # sub-second gaps: medians fall between units
    df = random_log(seed, step=step)
    ref = brute_transitions(df, 1e-6)
    check_against_brute(j.transitions(df), ref, 1e-6)
    # medians of an even count of gaps are halves of a microsecond: truncated, never rounded up
    check_against_brute(j.transitions(df.lazy()), ref, 1e-6)
    ref_c = brute_transitions(df, 1e-6, collapse=True)
    check_against_brute(j.transitions(df, collapse_repeats=True), ref_c, 1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_transitions_through_read_events(seed, tmp_path, random_log):
    df = random_log(seed, step=dt.timedelta(minutes=7))
    path = tmp_path / "events.parquet"
    df.write_parquet(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CxDataWarning)  # random logs repeat some rows
        ev = cx.read_events(path)
    check_against_brute(j.transitions(ev), brute_transitions(df, 1.0), 1.0)


# --------------------------------------------------------------------------- raw logs in time order
# Rows in time order alone (customers interleaved), as exports arrive: transitions and paths group
# each customer's events by a hash of the id instead of sorting by its text. Tied times keep
# their input order (the sort below is stable over the shuffled rows).
@pytest.mark.parametrize("seed", range(6))
def test_transitions_on_a_log_in_time_order(seed, tmp_path, random_log):
    step = dt.timedelta(microseconds=1_234_567)
    df = random_log(seed, step=step).sort("timestamp", maintain_order=True)
    ref = brute_transitions(df, 1e-6)
    check_against_brute(j.transitions(df), ref, 1e-6)
    check_against_brute(j.transitions(df.lazy()), ref, 1e-6)
    check_against_brute(
        j.transitions(df, collapse_repeats=True), brute_transitions(df, 1e-6, collapse=True), 1e-6
    )
    path = tmp_path / "events.parquet"
    df.write_parquet(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CxDataWarning)  # random logs repeat some rows
        ev = cx.read_events(path)
    check_against_brute(j.transitions(ev), ref, 1e-6)
    whole_seconds = random_log(seed, step=dt.timedelta(seconds=90))  # medians exact in µs
    check_paths_against_brute(whole_seconds.sort("timestamp", maintain_order=True), None, 5)


def test_ids_sharing_a_hash_are_still_told_apart(monkeypatch, random_log):
    # a key that gives every id of one length the same value: customers would interleave
    from cxkit.journey import _events

    monkeypatch.setattr(_events, "CUSTOMER_KEY", _events.C.str.len_bytes().cast(pl.UInt64))
    for df in (random_log(5, step=dt.timedelta(seconds=30)), random_log(6, step=dt.timedelta(0))):
        ordered = df.sort("timestamp", maintain_order=True)
        for frame in (df, ordered):
            check_against_brute(j.transitions(frame), brute_transitions(frame, 1.0), 1.0)
        check_paths_against_brute(ordered, 3, None)


def test_null_touchpoints_are_their_own_node(random_log):
    df = random_log(3, step=dt.timedelta(seconds=30), null_touchpoints=True)
    assert df["touchpoint"].null_count() > 0
    check_against_brute(j.transitions(df), brute_transitions(df, 1.0), 1.0)


def test_gaps_too_long_for_the_integer_key_take_the_polars_path():
    # nanosecond times 40 years apart: more than 2**59 ns, so the sort key cannot hold the gap
    df = pl.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b", "c"],
            "timestamp": [dt.datetime(1980, 1, 1), dt.datetime(2020, 1, 1), dt.datetime(2021, 1, 1)]
            + [dt.datetime(1990, 1, 1), dt.datetime(1990, 1, 2), dt.datetime(2000, 1, 1)],
            "touchpoint": ["web", "call", "web", "web", "call", "web"],
        }
    ).with_columns(pl.col("timestamp").cast(pl.Datetime("ns")))
    tr = j.transitions(df)
    check_against_brute(tr, brute_transitions(df, 1e-6), 1e-6)  # Python datetimes: µs
    assert tr.schema["median_time"] == pl.Duration("ns")
    row = tr.filter(source="web", target="call").row(0, named=True)
    assert (
        row["n"] == 2
        and row["median_time"]
        == ((dt.datetime(2020, 1, 1) - dt.datetime(1980, 1, 1)) + dt.timedelta(days=1)) / 2
    )


def test_empty_events_warn_and_return_no_rows():
    df = pl.DataFrame(
        {"customer_id": [], "timestamp": [], "touchpoint": []},
        schema={"customer_id": pl.String, "timestamp": pl.Datetime("us"), "touchpoint": pl.String},
    )
    with pytest.warns(CxDataWarning, match="no events"):
        tr = j.transitions(df)
    assert tr.height == 0 and tr.columns[:4] == ["source", "target", "n", "n_customers"]


@pytest.mark.parametrize(("seed", "max_steps", "top"), [(0, None, 3), (1, 2, 4), (2, 3, None)])
def test_paths_equal_brute_force_on_random_logs(seed, max_steps, top, random_log):
    check_paths_against_brute(random_log(seed, step=dt.timedelta(seconds=90)), max_steps, top)


def check_paths_against_brute(df: pl.DataFrame, max_steps: int | None, top: int | None) -> None:
    per = defaultdict(list)
    for cid, ts, tp in df.iter_rows():
        per[cid].append((ts, tp))
    journeys = {}
    for cid, evs in per.items():
        evs = sorted(evs, key=lambda e: e[0])
        shown = [tp for _, tp in evs][:max_steps]
        cut = max_steps is not None and len(evs) > max_steps
        journeys[cid] = (" → ".join(shown) + (" → …" if cut else ""), evs[-1][0] - evs[0][0])
    counts = Counter(path for path, _ in journeys.values())
    order = sorted(counts, key=lambda p: (-counts[p], p))
    kept = order if top is None else order[:top]
    got = j.paths(df, max_steps=max_steps, top=top)
    assert got["path"].to_list()[: len(kept)] == kept
    assert got["n_customers"].to_list()[: len(kept)] == [counts[p] for p in kept]
    for row in got.head(len(kept)).iter_rows(named=True):
        durations = [d for p, d in journeys.values() if p == row["path"]]
        assert row["median_duration"] == statistics.median(durations)
        assert row["n_steps"] == len(row["path"].removesuffix(" → …").split(" → "))
    rest = order[len(kept) :]
    if rest:
        other = got.row(-1, named=True)
        assert other["path"] == "(other paths)"
        assert other["n_variants"] == len(rest)
        assert other["n_customers"] == sum(counts[p] for p in rest)
        durations = [d for p, d in journeys.values() if p in set(rest)]
        assert other["median_duration"] == statistics.median(durations)
    assert got["share"].sum() == pytest.approx(1.0)


def test_integer_times_give_float_quantiles_like_polars():
    df = pl.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b"],
            "timestamp": [0, 1, 10, 12],
            "touchpoint": ["x", "y"] * 2,
        }
    )
    row = j.transitions(df).filter(source="x", target="y").row(0, named=True)
    # gaps 1 and 2: median 1.5, p95 = 1 + 0.95 × 1 (linear) — statistics / numpy by hand
    assert row["median_time"] == 1.5 and row["p95_time"] == pytest.approx(1.95)


def test_paths_merge_journeys_that_read_the_same():
    t = [dt.datetime(2024, 1, 1, h) for h in range(3)]
    df = pl.DataFrame(
        {
            "customer_id": ["1", "1", "2", "3", "4", "4"],
            "timestamp": [t[0], t[1], t[0], t[0], t[0], t[2]],
            # customer 1's null step is skipped in the text; "x → y" as one name reads as two
            "touchpoint": ["a", None, "a", "x → y", "x", "y"],
        }
    )
    got = {r["path"]: r for r in j.paths(df, top=None).iter_rows(named=True)}
    assert set(got) == {"a", "x → y"}
    assert got["a"]["n_customers"] == 2 and got["x → y"]["n_customers"] == 2
    assert got["a"]["median_duration"] == dt.timedelta(minutes=30)  # of 1 h and 0
    assert got["x → y"]["median_duration"] == dt.timedelta(hours=1)  # of 2 h and 0


def test_transitions_with_a_huge_touchpoint_set():
    # 60,000 page names: k² no longer fits 32 bits, and with 31 bits left for the gap, one
    # 2-hour gap (> 2³¹ µs) sends the quantiles down Polars' own per-group path
    n = 30_000
    df = pl.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n) for _ in (0, 1)],
            "timestamp": [
                T0 + dt.timedelta(seconds=s)
                for i in range(n)
                for s in (0, 7200 if i == 0 else 1 + i % 7)
            ],
            "touchpoint": [f"page{i}-{s}" for i in range(n) for s in (0, 1)],
        }
    )
    tr = j.transitions(df)
    assert tr.height == 3 * n  # (start) → first, first → second, second → (end)
    inner = tr.filter(~pl.col("source").is_in(["(start)"]) & (pl.col("target") != "(end)"))
    assert inner["n"].sum() == n and inner["n_customers"].sum() == n
    by_name = dict(zip(inner["source"], inner["median_time"], strict=True))
    assert by_name["page8-0"] == dt.timedelta(seconds=2)
    assert by_name["page0-0"] == dt.timedelta(hours=2)


def test_event_and_case_counts(log):
    name, ev, ref = log
    expected = {"helpdesk": (21_348, 4_580), "receipt": (8_577, 1_434)}[name]  # datasets README
    assert (sum(len(v) for v in ref.values()), len(ref)) == expected
    assert j.paths(ev, top=None)["n_customers"].sum() == expected[1]


def test_transitions_match_reference(log):
    _, ev, ref = log
    n: Counter = Counter()
    who: dict[tuple[str, str], set] = defaultdict(set)
    gaps: dict[tuple[str, str], list[float]] = defaultdict(list)
    for case, evs in ref.items():
        names = ["(start)"] + [tp for _, tp in evs] + ["(end)"]
        for i, edge in enumerate(zip(names, names[1:], strict=False)):
            n[edge] += 1
            who[edge].add(case)
            if 0 < i < len(evs):
                gaps[edge].append((evs[i][0] - evs[i - 1][0]).total_seconds())
    tr = j.transitions(ev)
    got = {(r["source"], r["target"]): r for r in tr.iter_rows(named=True)}
    assert {k: r["n"] for k, r in got.items()} == dict(n)
    assert {k: r["n_customers"] for k, r in got.items()} == {k: len(v) for k, v in who.items()}
    for edge, values in gaps.items():
        assert got[edge]["median_time"].total_seconds() == pytest.approx(
            statistics.median(values), abs=1e-6
        )


def test_paths_match_reference(log):
    _, ev, ref = log
    counts = Counter(" → ".join(tp for _, tp in evs) for evs in ref.values())
    p = j.paths(ev, top=None)
    assert dict(zip(p["path"], p["n_customers"], strict=True)) == dict(counts)
    top = j.paths(ev, top=5)
    assert top["n_customers"].to_list()[:5] == sorted(counts.values(), reverse=True)[:5]
    assert top["share"].sum() == pytest.approx(1.0)
    # truncated to 3 steps
    cut = Counter(
        " → ".join(tp for _, tp in evs[:3]) + (" → …" if len(evs) > 3 else "")
        for evs in ref.values()
    )
    p3 = j.paths(ev, max_steps=3, top=None)
    assert dict(zip(p3["path"], p3["n_customers"], strict=True)) == dict(cut)
