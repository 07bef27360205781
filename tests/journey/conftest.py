"""Shared fixtures of the journey tests: a hand-built tiny log, random unsorted logs, the two
public event logs (helpdesk, receipt) with an independent pure-Python reading, and the sample
data with its planted truth."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

import cxkit as cx
from cxkit.sample import make_customers, make_events


# --------------------------------------------------------------------------- the tiny log
def _at(h: int, m: int = 0) -> dt.datetime:
    return dt.datetime(2024, 1, 1, h, m, tzinfo=dt.UTC)


# a: web 9:00, call 10:00, shop 10:00 (tie: input order call then shop), web 12:00
# b: web 9:00, shop 9:30      c: call 11:00 (a single event)      d: web 8:00, shop 8:10
ROWS = [
    ("d", _at(8, 10), "shop", 4),
    ("a", _at(12), "web", 5),
    ("b", _at(9, 30), "shop", 5),
    ("a", _at(10), "call", 2),
    ("c", _at(11), "call", 1),
    ("a", _at(9), "web", 4),
    ("b", _at(9), "web", 3),
    ("a", _at(10), "shop", None),  # after a's call in the input: the tie keeps that order
    ("d", _at(8), "web", None),
]
SCHEMA = {
    "customer_id": pl.String,
    "timestamp": pl.Datetime("us", "UTC"),
    "touchpoint": pl.String,
    "score": pl.Int64,
}


@pytest.fixture
def at() -> Callable[..., dt.datetime]:
    """``at(h, m)``: 2024-01-01 h:m UTC."""
    return _at


@pytest.fixture
def ev() -> pl.DataFrame:
    return pl.DataFrame(ROWS, schema=SCHEMA, orient="row")


@pytest.fixture
def customers() -> pl.DataFrame:
    # e has no events: it passed nothing, and is a comparator for every touchpoint
    return pl.DataFrame(
        {"customer_id": list("abcde"), "churned": [True, False, True, False, False]}
    )


# --------------------------------------------------------------------------- random logs
def _random_log(
    seed: int, *, n_customers: int = 60, step: dt.timedelta, null_touchpoints: bool = False
) -> pl.DataFrame:
    rng = random.Random(seed)
    touch = ["web", "call", "chat", "shop"] + ([None] if null_touchpoints else [])
    rows = []
    for c in range(n_customers):
        cid = rng.choice(["C", "c", "C0", ""]) + str(c)  # ids of varied length and case
        for _ in range(rng.choice([1, 1, 2, 3, 5, 8, 13])):
            # few distinct times per customer: plenty of ties
            rows.append((cid, T0 + step * rng.randint(0, 6), rng.choice(touch)))
    rng.shuffle(rows)  # unsorted input
    cid, ts, tp = zip(*rows, strict=True)
    return pl.DataFrame({"customer_id": cid, "timestamp": ts, "touchpoint": tp})


T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def random_log() -> Callable[..., pl.DataFrame]:
    """``random_log(seed, step=…)``: a shuffled log with many tied times (brute-force tests)."""
    return _random_log


# --------------------------------------------------------------------------- public event logs
DATA = Path(__file__).resolve().parents[3] / "shared" / "datasets"


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


def reference_journeys(name: str) -> dict[str, list[tuple[dt.datetime, str]]]:
    """Each case's events by the csv module and a stable ``sorted()``: no polars involved."""
    file, cust, time, tp, parse = LOGS[name]
    with open(DATA / file, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        ci, ti, pi = header.index(cust), header.index(time), header.index(tp)
        per: dict[str, list[tuple[dt.datetime, str]]] = defaultdict(list)
        for row in reader:
            per[row[ci]].append((parse(row[ti]), row[pi]))
    return {c: sorted(evs, key=lambda e: e[0]) for c, evs in per.items()}


def _read(name: str) -> pl.LazyFrame:
    file, cust, time, tp, _ = LOGS[name]
    # helpdesk: a duplicated header and 127 repeated rows are reported (and kept)
    with pytest.warns(cx.CxDataWarning) if name == "helpdesk" else contextlib.nullcontext():
        return cx.read_events(DATA / file, customer=cust, time=time, touchpoint=tp)


@pytest.fixture(scope="module", params=sorted(LOGS))
def log(request) -> tuple[str, pl.LazyFrame, dict]:
    """``(name, events read by cx.read_events, reference journeys)`` for each public log."""
    return request.param, _read(request.param), reference_journeys(request.param)


# --------------------------------------------------------------------------- sample data
@pytest.fixture(scope="session")
def sample() -> tuple[pl.DataFrame, pl.DataFrame]:
    """6,000 sample customers' events and customers (the planted truth: ``cxkit.sample``)."""
    ev = make_events(6_000, seed=11)
    return ev, make_customers(ev, seed=11)
