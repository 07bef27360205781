"""cx.journey.funnel: every mode, with and without a window and by=, on the tiny log, against
brute force over every start on random logs, and against a pure-Python count on public logs."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict

import polars as pl
import pytest

from cxkit import journey as j
from cxkit.errors import CxDataWarning

FUNNELS = {
    "helpdesk": ["Assign seriousness", "Take in charge ticket", "Resolve ticket", "Closed"],
    "receipt": [
        "Confirmation of receipt",
        "T02 Check confirmation of receipt",
        "T04 Determine confirmation of receipt",
        "T05 Print and send confirmation of receipt",
        "T06 Determine necessity of stop advice",
    ],
}


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


def test_funnel_window(ev, at):
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


STEPS = ["web", "call", "shop"]


def brute_depth(evs, mode, window):
    """Deepest step reached and, for the best attempt, the step times (brute force)."""
    n = len(evs)
    best = (0, [])
    if mode == "any":
        anchors = [t for t, tp in evs if tp in STEPS] if window else [None]
        if not any(tp == STEPS[0] for _, tp in evs):
            return best
        for t0 in anchors:
            depth = 0
            for step in STEPS:
                times = [
                    t for t, tp in evs if tp == step and (t0 is None or t0 <= t <= t0 + window)
                ]
                if not times:
                    break
                depth += 1
            best = max(best, (depth, []), key=lambda b: b[0])
        return best
    for s in range(n):
        if evs[s][1] != STEPS[0]:
            continue
        times, pos = [evs[s][0]], s
        for step in STEPS[1:]:
            if mode == "strict":
                nxt = pos + 1 if pos + 1 < n and evs[pos + 1][1] == step else None
            else:
                nxt = next((i for i in range(pos + 1, n) if evs[i][1] == step), None)
            if nxt is None or (window is not None and evs[nxt][0] - times[0] > window):
                break
            times.append(evs[nxt][0])
            pos = nxt
        if len(times) > best[0]:  # the earliest start wins among equals
            best = (len(times), times)
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("mode", ["ordered", "strict", "any"])
@pytest.mark.parametrize("window", [None, dt.timedelta(minutes=20)])
def test_funnel_equals_brute_force_on_random_logs(seed, mode, window, random_log):
    df = random_log(seed, step=dt.timedelta(minutes=7), n_customers=80)
    df = df.with_columns(segment=pl.col("customer_id").str.len_chars() % 2)
    per = defaultdict(list)
    seg = {}
    for cid, ts, tp, s in df.iter_rows():
        per[cid].append((ts, tp))
        seg[cid] = s
    best = {
        cid: brute_depth(sorted(evs, key=lambda e: e[0]), mode, window) for cid, evs in per.items()
    }
    got = j.funnel(df, STEPS, mode=mode, window=window)
    expected = [sum(d >= k for d, _ in best.values()) for k in range(1, 4)]
    assert got["n_customers"].to_list() == expected
    assert got["share_of_customers"][0] == pytest.approx(expected[0] / len(per))
    if window is None and mode != "any":
        for k in (2, 3):
            gaps = [t[k - 1] - t[k - 2] for d, t in best.values() if d >= k]
            want = statistics.median(gaps) if gaps else None
            assert got["median_time_from_previous"][k - 1] == want
    by = j.funnel(df, STEPS, mode=mode, window=window, by="segment")
    for s in (0, 1):
        part = [best[c][0] for c in per if seg[c] == s]
        rows = by.filter(pl.col("segment") == s)
        assert rows["n_customers"].to_list() == [sum(d >= k for d in part) for k in range(1, 4)]
        assert rows["share_of_customers"][0] == pytest.approx(sum(d >= 1 for d in part) / len(part))


def _ordered_depth(names: list[str], steps: list[str]) -> int:
    depth = 0  # greedy: the earliest match of each step is the best one
    for tp in names:
        if depth < len(steps) and tp == steps[depth]:
            depth += 1
    return depth


def _strict_depth(names: list[str], steps: list[str]) -> int:
    best = 0
    for start in range(len(names)):
        d = 0
        while d < len(steps) and start + d < len(names) and names[start + d] == steps[d]:
            d += 1
        best = max(best, d)
    return best


def _any_depth(names: list[str], steps: list[str]) -> int:
    seen, depth = set(names), 0
    while depth < len(steps) and steps[depth] in seen:
        depth += 1
    return depth


@pytest.mark.parametrize(
    ("mode", "depth"), [("ordered", _ordered_depth), ("strict", _strict_depth), ("any", _any_depth)]
)
def test_funnel_matches_reference(log, mode, depth):
    name, ev, ref = log
    steps = FUNNELS[name]
    depths = [depth([tp for _, tp in evs], steps) for evs in ref.values()]
    expected = [sum(d >= k for d in depths) for k in range(1, len(steps) + 1)]
    f = j.funnel(ev, steps, mode=mode)
    assert f["n_customers"].to_list() == expected
    assert f["n_dropped"].to_list()[1:] == [
        a - b for a, b in zip(expected, expected[1:], strict=False)
    ]
