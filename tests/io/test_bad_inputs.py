"""The corpus of bad inputs: every case is a correct read or a CxDataError naming the fix.

Each case writes its input files, reads them with a cxkit reader and states its expected
outcome: either the values read (``Read``) or a :class:`~cxkit.errors.CxDataError` whose
message names the column (when there is one) and the fix (``Error``). Every case also checks
that the input files' SHA-256 is unchanged — cxkit never modifies its input.
"""

from __future__ import annotations

import gzip
import hashlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest

import cxkit as cx
from cxkit import CxDataError, CxDataWarning

EVENTS = "customer_id,timestamp,touchpoint\n"


@dataclass
class Read:
    """A correct read: ``column`` holds ``values`` (in order) after ``collect()``."""

    column: str
    values: list[Any]
    dtype: Any = None


@dataclass
class Error:
    """A CxDataError naming ``column`` (None: no single column) with ``fix`` in its message."""

    column: str | None
    fix: str


@dataclass
class Case:
    id: str
    files: dict[str, bytes]
    read: Callable[[Path], Any]
    expect: Read | Error
    why: str = ""


def _csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def _parquet(frame: pl.DataFrame) -> bytes:
    import io

    buf = io.BytesIO()
    frame.write_parquet(buf)
    return buf.getvalue()


def events(name: str = "e.csv", **kw) -> Callable[[Path], Any]:
    return lambda root: cx.read_events(root / name, **kw)


CASES = [
    # ---------------------------------------------------------------- encodings and compression
    Case("latin1-without-encoding", {"e.csv": _csv(EVENTS + "a,2024-01-01,café\n", "latin-1")},
         events(), Error(None, "encoding='latin-1'"), "Latin-1 bytes in a .csv"),
    Case("latin1-with-encoding", {"e.csv": _csv(EVENTS + "a,2024-01-01,café\n", "latin-1")},
         events(encoding="latin-1"), Read("touchpoint", ["café"])),
    Case("utf16-without-encoding", {"e.csv": _csv(EVENTS + "a,2024-01-01,web\n", "utf-16")},
         events(), Error(None, "encoding='utf-16'")),
    Case("utf16-with-encoding", {"e.csv": _csv(EVENTS + "a,2024-01-01,web\n", "utf-16")},
         events(encoding="utf-16"), Read("customer_id", ["a"])),
    Case("gzip-bytes-named-csv", {"e.csv": gzip.compress(_csv(EVENTS + "a,2024-01-01,web\n"))},
         events(), Read("touchpoint", ["web"])),
    Case("utf8-bom", {"e.csv": b"\xef\xbb\xbf" + _csv(EVENTS + "a,2024-01-01,web\n")},
         events(), Read("customer_id", ["a"])),
    Case("unknown-encoding-name", {"e.csv": _csv(EVENTS + "a,2024-01-01,web\n")},
         events(encoding="no-such-codec"), Error(None, "encoding")),
    # ---------------------------------------------------------------- separators
    Case("semicolons", {"e.csv": _csv("customer_id;timestamp;touchpoint\na;2024-01-01;web\n")},
         events(), Read("touchpoint", ["web"]), "the separator is detected from the header"),
    Case("semicolons-mapped", {"e.csv": _csv("Kunde;Zeit;Kanal\na;2024-01-01;web\n")},
         events(customer="Kunde", time="Zeit", touchpoint="Kanal"), Read("customer_id", ["a"])),
    Case("separator-hint", {"e.csv": _csv("customer_id|timestamp|touchpoint\na|2024-01-01|x\n")},
         events(separator="|"), Read("touchpoint", ["x"])),
    Case("tab-in-tsv", {"e.tsv": _csv("customer_id\ttimestamp\ttouchpoint\na\t2024-01-01\tx\n")},
         events("e.tsv"), Read("touchpoint", ["x"])),
    Case("wrong-column-names", {"e.csv": _csv("cid,ts,tp\na,2024-01-01,x\n")},
         events(), Error("customer_id", "pass customer=")),
    # ---------------------------------------------------------------- time zones and dates
    Case("bad-tz", {"e.csv": _csv(EVENTS + "a,2024-01-01 10:00,web\n")},
         events(tz="Not/AZone"), Error("timestamp", "tz=")),
    Case("tz-close-match", {"e.csv": _csv(EVENTS + "a,2024-01-01 10:00,web\n")},
         events(tz="Europe/Amsterdm"), Error("timestamp", "tz='Europe/Amsterdam'")),
    Case("day-month-ambiguous", {"e.csv": _csv(EVENTS + "a,01/02/2024,web\na,02/03/2024,x\n")},
         events(), Error("timestamp", "time_format=")),
    Case("day-month-with-format", {"e.csv": _csv(EVENTS + "a,01/02/2024,web\na,02/03/2024,x\n")},
         events(time_format="%d/%m/%Y"), Read("touchpoint", ["web", "x"])),
    Case("naive-aware-mix", {"e.csv": _csv(EVENTS + "a,2024-01-01 10:00Z,web\na,2024-01-01 11:00,x\n")},
         events(), Error("timestamp", "tz=")),
    Case("naive-aware-with-tz", {"e.csv": _csv(EVENTS + "a,2024-01-01 10:00Z,w\na,2024-01-01 12:00,x\n")},
         events(tz="Europe/Rome"), Read("touchpoint", ["w", "x"])),
    Case("unparseable-time", {"e.csv": _csv(EVENTS + "a,yesterday,web\n")},
         events(), Error("timestamp", "time_format=")),
    Case("missing-time", {"e.csv": _csv(EVENTS + "a,,web\n")},
         events(), Error("timestamp", "fill or remove")),
    # ---------------------------------------------------------------- ids and touchpoints
    Case("empty-id", {"e.csv": _csv(EVENTS + '"",2024-01-01,web\n')},
         events(), Error("customer_id", "fill or remove")),
    Case("blank-id", {"e.csv": _csv(EVENTS + '" ",2024-01-01,web\n')},
         events(), Error("customer_id", "fill or remove")),
    Case("blank-touchpoint", {"e.csv": _csv(EVENTS + 'a,2024-01-01,"  "\n')},
         events(), Error("touchpoint", "fill or remove")),
    Case("leading-zero-ids", {"e.csv": _csv(EVENTS + "007,2024-01-01,web\n")},
         events(), Read("customer_id", ["007"])),
    Case("survey-ids-text", {"s.csv": _csv("customer_id,response_id,q1\n007,0012,4\n")},
         lambda root: cx.read_survey(root / "s.csv", ratings=["q1"]),
         Read("customer_id", ["007"], pl.String)),
    Case("survey-respondent-text", {"s.csv": _csv("resp,q1\n0012,4\n")},
         lambda root: cx.read_survey(root / "s.csv", ratings=["q1"], respondent="resp"),
         Read("response_id", ["0012"], pl.String)),
    Case("duplicate-customers", {"c.csv": _csv("customer_id,churned\na,yes\na,no\n")},
         lambda root: cx.read_customers(root / "c.csv"), Error("customer_id", "one row per customer")),
    Case("blank-customer", {"c.csv": _csv('customer_id,churned\n" ",yes\nb,no\n')},
         lambda root: cx.read_customers(root / "c.csv"), Error("customer_id", "fill or remove")),
    Case("blank-unit", {"x.csv": _csv('unit_id,arm\n" ",a\nb,a\nc,b\nd,b\n')},
         lambda root: cx.read_experiment(root / "x.csv"), Error("unit_id", "fill or remove")),
    Case("duplicate-header-mapped", {"e.csv": _csv("customer_id,customer_id,timestamp,touchpoint\n"
                                                   "a,b,2024-01-01,web\n")},
         events(), Error("customer_id", "rename the duplicate columns")),
    Case("score-off-scale", {"e.csv": _csv("customer_id,timestamp,touchpoint,s\na,2024-01-01,w,9\n")},
         events(score="s", scale=(1, 5)), Error("s", "scale=")),
    Case("bad-boolean", {"c.csv": _csv("customer_id,churned\na,maybe\n")},
         lambda root: cx.read_customers(root / "c.csv"), Error("churned", "TRUE/FALSE")),
    Case("arm-with-one-unit", {"x.csv": _csv("unit_id,arm\na,x\nb,y\nc,y\n")},
         lambda root: cx.read_experiment(root / "x.csv"), Error("arm", "typos")),
    # ---------------------------------------------------------------- files and folders
    Case("folder-columns-reordered", {
        "d/a.csv": _csv(EVENTS + "a,2024-01-01,web\n"),
        "d/b.csv": _csv("touchpoint,customer_id,timestamp\nivr,b,2024-01-02\n")},
        events("d"), Read("customer_id", ["a", "b"]), "aligned by name, not by position"),
    Case("folder-columns-differ", {
        "d/a.csv": _csv(EVENTS + "a,2024-01-01,web\n"),
        "d/b.csv": _csv("customer_id,when,touchpoint\nb,2024-01-02,ivr\n")},
        events("d"), Error("timestamp", "same header")),
    Case("hive-folder", {
        "d/year=2024/part.parquet": _parquet(pl.DataFrame(
            {"customer_id": ["a"], "timestamp": ["2024-01-01"], "touchpoint": ["web"]})),
        "d/year=2025/part.parquet": _parquet(pl.DataFrame(
            {"customer_id": ["b"], "timestamp": ["2025-01-01"], "touchpoint": ["ivr"]}))},
        events("d"), Read("year", [2024, 2025])),
    Case("folder-skips-hidden", {
        "d/a.csv": _csv(EVENTS + "a,2024-01-01,web\n"), "d/.partial.csv": b"garbage",
        "d/_SUCCESS.csv": b""},
        events("d"), Read("customer_id", ["a"])),
    Case("empty-folder", {"d/readme.md": b"nothing"}, events("d"), Error(None, "put files")),
    Case("glob-no-match", {"e.csv": _csv(EVENTS)}, events("x-*.csv"), Error(None, "pattern")),
    Case("missing-file", {}, events("nope.csv"), Error(None, "check the path")),
    Case("empty-file", {"e.csv": b""}, events(), Error(None, "header")),
    Case("header-only", {"e.csv": _csv(EVENTS)}, events(), Error(None, "header but no data")),
    Case("unsupported-type", {"e.xlsx": b"PK.."}, events("e.xlsx"), Error(None, "CSV or Parquet")),
    Case("mixed-formats", {"d/a.csv": _csv(EVENTS + "a,2024-01-01,w\n"), "d/b.parquet": b"x"},
         events("d"), Error(None, "format")),
    Case("ragged-rows", {"e.csv": _csv(EVENTS + "a,2024-01-01,web,extra,more\n")},
         events(), Error(None, "separator")),
    Case("truncated-gzip", {"e.csv": gzip.compress(_csv(EVENTS + "a,2024-01-01,w\n"))[:20]},
         events(), Error(None, "re-export")),
]  # fmt: skip

FRAME_CASES = [
    # pandas float ids (a column with a missing value becomes float): 1.0 is the id "1"
    ("pandas-float-ids", lambda: pd.DataFrame({"customer_id": [1.0, 2.0], "churned": [1, 0]}),
     "customers", Read("customer_id", ["1", "2"])),
    ("pandas-fraction-ids", lambda: pd.DataFrame({"customer_id": [1.5, 2.0], "churned": [1, 0]}),
     "customers", Error("customer_id", "as text")),
    ("pandas-float-units", lambda: pd.DataFrame({"unit_id": [1.0, 2.0, 3.0, 4.0],
                                                 "arm": ["a", "a", "b", "b"]}),
     "experiment", Read("unit_id", ["1", "2", "3", "4"])),
    ("polars-blank-touchpoint", lambda: pl.DataFrame({"customer_id": ["a"],
                                                      "timestamp": ["2024-01-01"],
                                                      "touchpoint": [""]}),
     "events", Error("touchpoint", "fill or remove")),
]  # fmt: skip


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _check(expect: Read | Error, call: Callable[[], Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CxDataWarning)
        if isinstance(expect, Error):
            with pytest.raises(CxDataError) as info:
                call().collect()
            text = str(info.value)
            assert expect.fix in text, text
            assert "fix:" in text, text
            if expect.column is not None:
                assert info.value.column == expect.column, text
                assert repr(expect.column) in text
            return
        frame = call().collect()
    assert frame[expect.column].to_list() == expect.values
    if expect.dtype is not None:
        assert frame.schema[expect.column] == expect.dtype


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path):
    for name, data in case.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    before = _digests(tmp_path)
    _check(case.expect, lambda: case.read(tmp_path))
    assert _digests(tmp_path) == before  # the input is never modified


@pytest.mark.parametrize("name,make,kind,expect", FRAME_CASES, ids=[c[0] for c in FRAME_CASES])
def test_bad_frame(name, make, kind, expect):
    frame = make()
    snapshot = frame.copy() if isinstance(frame, pd.DataFrame) else frame.clone()
    reader = {"customers": cx.read_customers, "experiment": cx.read_experiment,
              "events": cx.read_events}[kind]  # fmt: skip
    _check(expect, lambda: reader(frame))
    if isinstance(frame, pd.DataFrame):
        pd.testing.assert_frame_equal(frame, snapshot)
    else:
        assert frame.equals(snapshot)


def test_file_rewritten_after_read_raises_on_collect(tmp_path: Path):
    path = tmp_path / "e.csv"
    path.write_text(EVENTS + "a,2024-01-01 10:00,web\na,2024-01-01 11:00,ivr\n")
    frame = cx.read_events(path)
    # same columns, other order and content: read by position it gives null ids and times
    path.write_text("timestamp,touchpoint,customer_id\n2024-01-02 10:00,web,zz\n")
    with pytest.raises(CxDataError, match="changed after it was read") as info:
        frame.collect()
    assert "read the file again" in str(info.value)
    with pytest.raises(CxDataError, match="changed after it was read"):
        cx.journey.transitions(frame)


def test_pandas_float_ids_give_pain_points(tmp_path: Path):
    events = pd.DataFrame(
        {
            "customer_id": [1.0, 1.0, 2.0, 2.0, None],
            "timestamp": pd.to_datetime(["2024-01-01"] * 5),
            "touchpoint": ["web", "ivr", "web", "shop", "web"],
        }
    ).dropna()
    customers = pd.DataFrame({"customer_id": [1.0, 2.0, None], "churned": [1, 0, 0]}).dropna()
    ev = cx.read_events(events).collect()
    cu = cx.read_customers(customers).collect()
    assert ev["customer_id"].unique().sort().to_list() == ["1", "2"]
    assert set(ev["customer_id"]) <= set(cu["customer_id"])  # the join keys match
