"""Transition, path and funnel counts on real event logs equal an independent pure-Python count.

The reference reads the CSV with the csv module, orders each case's events with ``sorted()``
(stable: tied timestamps keep file order) and counts with plain dicts — no polars involved.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import pytest

import cxkit as cx
from cxkit import journey as j

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def _helpdesk_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y/%m/%d %H:%M:%S.%f").replace(tzinfo=dt.UTC)


LOGS = {
    "helpdesk": ("helpdesk.csv", "Case ID", "Complete Timestamp", "Activity", _helpdesk_time),
    # mixed +01:00 / +02:00 offsets: fromisoformat keeps them, comparisons are in absolute time
    "receipt": (
        "receipt.csv",
        "case:concept:name",
        "time:timestamp",
        "concept:name",
        dt.datetime.fromisoformat,
    ),
}
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


def reference_journeys(name: str) -> dict[str, list[tuple[dt.datetime, str]]]:
    file, cust, time, tp, parse = LOGS[name]
    with open(DATA / file, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        ci, ti, pi = header.index(cust), header.index(time), header.index(tp)
        per: dict[str, list[tuple[dt.datetime, str]]] = defaultdict(list)
        for row in reader:
            per[row[ci]].append((parse(row[ti]), row[pi]))
    return {c: sorted(evs, key=lambda e: e[0]) for c, evs in per.items()}


def read(name: str):
    file, cust, time, tp, _ = LOGS[name]
    # helpdesk: a duplicated header and 127 repeated rows are reported (and kept)
    with pytest.warns(cx.CxDataWarning) if name == "helpdesk" else contextlib.nullcontext():
        return cx.read_events(DATA / file, customer=cust, time=time, touchpoint=tp)


@pytest.fixture(scope="module", params=sorted(LOGS))
def log(request):
    return request.param, read(request.param), reference_journeys(request.param)


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
