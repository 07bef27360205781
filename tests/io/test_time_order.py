"""read_events on a raw log in time order (customers interleaved): the duplicate count comes
from the validation pass itself (rows compared within blocks of tied times), with no second,
hashed pass over the data — and it is exact, checked against a plain Python count.
"""

from __future__ import annotations

import datetime as dt
import random
import warnings

import polars as pl
import pytest

import cxkit as cx
from cxkit.errors import CxDataWarning
from cxkit.io import _checks

T0 = dt.datetime(2024, 1, 1)


def _log(seed: int, *, n: int = 400, n_times: int = 60) -> pl.DataFrame:
    """A log in time order with many tied times (blocks of 1 to ~15 rows) and exact copies at
    distances 1, 2 and more inside those blocks; an extra column takes part in "exact"."""
    rng = random.Random(seed)
    rows = [
        (
            rng.choice("abcdef"),
            T0 + dt.timedelta(minutes=rng.randrange(n_times)),
            rng.choice(["web", "call"]),
            rng.choice([1, 2]),
        )
        for _ in range(n)
    ]
    rows.sort(key=lambda r: r[1])  # stable: tied times keep their (random) order
    cid, ts, tp, extra = zip(*rows, strict=True)
    return pl.DataFrame({"customer_id": cid, "timestamp": ts, "touchpoint": tp, "extra": extra})


def _warned_count(source) -> int:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", CxDataWarning)
        cx.read_events(source)
    counts = [
        int(str(w.message).rsplit("[", 1)[1].split(" ")[0].replace(",", ""))
        for w in seen
        if "repeat" in str(w.message)
    ]
    return counts[0] if counts else 0


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n_times", [60, 200])  # big tie blocks (exact route) / small ones
@pytest.mark.parametrize("max_candidates", [1_000_000, 0])
def test_duplicates_of_a_log_in_time_order_are_counted_exactly(
    seed, n_times, max_candidates, tmp_path, monkeypatch
):
    monkeypatch.setattr(_checks, "MAX_CANDIDATES", max_candidates)  # 0: the hashed route
    df = _log(seed, n_times=n_times)
    expected = df.height - len(set(df.iter_rows()))  # copies beyond the first
    assert expected > 0
    path = tmp_path / "events.parquet"
    df.write_parquet(path)
    assert _warned_count(path) == expected
    assert _warned_count(df) == expected
    report = cx.validate(df, kind="events")
    assert report.count("exact events (every column equal) are unique") == expected


def test_a_log_in_time_order_needs_no_hashed_pass(tmp_path, monkeypatch):
    """Unique rows in time order (no tie block over three rows): the one counting pass decides;
    the hashed upper bound (a second pass over the file) is never asked for."""
    calls = []
    real = _checks._bound
    monkeypatch.setattr(_checks, "_bound", lambda c: calls.append(c.rule) or real(c))
    df = pl.DataFrame(
        {
            "customer_id": ["b", "a", "c", "a", "b", "a"],
            "timestamp": [T0 + dt.timedelta(minutes=m) for m in (0, 0, 1, 2, 2, 3)],
            "touchpoint": ["web", "web", "call", "call", "web", "web"],
        }
    )
    assert _warned_count(df) == 0
    assert calls == []
    # the same rows shuffled out of time order do take the hashed pass, and agree
    shuffled = df.sample(fraction=1.0, shuffle=True, seed=3)
    assert _warned_count(shuffled) == 0 and calls
    copies = pl.concat([df, df.slice(3, 2)]).sort("timestamp", maintain_order=True)
    calls.clear()
    assert _warned_count(copies) == 2 and calls == []


def test_the_converted_time_is_computed_once_per_pass(monkeypatch):
    """The order and duplicate checks use the converted time at a dozen shifted places; it is
    computed once as a column (a text-timestamp parse is costly and Polars does not share it)."""
    import cxkit.io.events as events_module

    calls = []
    real = events_module.timestamp

    def counted(*args, **kwargs):
        expr, checks = real(*args, **kwargs)
        return expr.map_batches(lambda s: calls.append(len(s)) or s, return_dtype=None), checks

    monkeypatch.setattr(events_module, "timestamp", counted)
    df = _log(0).with_columns(pl.col("timestamp").dt.to_string("%Y-%m-%d %H:%M:%S"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CxDataWarning)
        cx.read_events(df)
    # the key column (one evaluation) and the parse check (one): not one per use
    assert 1 <= len(calls) <= 3, len(calls)
