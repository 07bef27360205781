"""Readers and validation: real files, every bad-input rule, UTC conversion, immutability."""

from __future__ import annotations

import csv
import datetime as dt
import warnings
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

import cxkit as cx
from cxkit import CxDataError, CxDataWarning

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
HELPDESK = DATASETS / "helpdesk.csv"
RECEIPT = DATASETS / "receipt.csv"
UTC = dt.UTC


def _helpdesk(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CxDataWarning)
        return cx.read_events(
            HELPDESK, customer="Case ID", time="Complete Timestamp", touchpoint="Activity", **kw
        )


def _assert_parts(exc: CxDataError, *, column: str | None, rule_has: str, n_rows: int | None):
    text = str(exc)
    assert exc.source is not None and exc.source in text
    if column is not None:
        assert exc.column == column and repr(column) in text
    assert rule_has in exc.rule and "rule:" in text
    if n_rows is not None:
        assert exc.n_rows == n_rows and f"{n_rows:,} row(s)" in text


# ---------------------------------------------------------------------------- real files
def test_helpdesk_counts_and_duplicate_header():
    with pytest.warns(CxDataWarning, match=r"'Variant' appears 2 times.*Variant_2"):
        lf = cx.read_events(
            HELPDESK, customer="Case ID", time="Complete Timestamp", touchpoint="Activity"
        )
    assert isinstance(lf, pl.LazyFrame)
    df = lf.collect()
    # published: 21,348 events, 4,580 cases (shared/datasets/README.md)
    assert df.height == 21_348
    assert df["customer_id"].n_unique() == 4_580
    assert df.schema["timestamp"] == pl.Datetime("us", "UTC")
    assert df.columns[:3] == ["customer_id", "timestamp", "touchpoint"]
    assert {"Variant", "Variant_2", "Resource"} <= set(df.columns)
    first = df.row(0, named=True)
    assert first["customer_id"] == "Case 1"
    assert first["timestamp"] == dt.datetime(
        2012, 10, 9, 14, 50, 17, tzinfo=UTC
    )  # naive → taken as UTC


def test_helpdesk_order_matches_pure_python_stable_sort():
    df = _helpdesk().collect()
    with HELPDESK.open(newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    # reference: Python's stable sort on (case, timestamp text) keeps input order for ties
    ref = sorted(rows, key=lambda r: (r[0], dt.datetime.strptime(r[3], "%Y/%m/%d %H:%M:%S.%f")))
    assert df["touchpoint"].to_list() == [r[1] for r in ref]
    assert df["customer_id"].to_list() == [r[0] for r in ref]


def test_receipt_mixed_offsets_become_right_utc_instants():
    df = cx.read_events(
        RECEIPT, customer="case:concept:name", time="time:timestamp", touchpoint="concept:name"
    ).collect()
    # published: 1,434 cases, 8,577 events; channel counts per event
    assert df.height == 8_577 and df["customer_id"].n_unique() == 1_434
    counts = dict(df["case:channel"].value_counts().iter_rows())
    assert counts == {"Internet": 7_478, "Desk": 657, "Post": 308, "e-mail": 128, "Intern": 6}
    case = df.filter(pl.col("customer_id") == "case-10011")["timestamp"].to_list()
    # 2011-10-11 13:45:40.276+02:00 (summer time) and 2011-11-24 15:36:51.302+01:00 (winter time)
    assert case[0] == dt.datetime(2011, 10, 11, 11, 45, 40, 276000, tzinfo=UTC)
    assert dt.datetime(2011, 11, 24, 14, 36, 51, 302000, tzinfo=UTC) in case
    # every instant equals Python's own offset-aware parse converted to UTC
    with RECEIPT.open(newline="") as fh:
        ref = Counter(
            dt.datetime.fromisoformat(r["time:timestamp"]).astimezone(UTC)
            for r in csv.DictReader(fh)
        )
    assert Counter(df["timestamp"].to_list()) == ref


def test_events_are_sorted_with_ties_in_input_order():
    raw = pl.DataFrame(
        {
            "customer_id": ["b", "a", "a", "a", "b"],
            "timestamp": [
                "2024-01-02 10:00",
                "2024-01-01 09:00",
                "2024-01-01 08:00",
                "2024-01-01 09:00",
                "2024-01-01 10:00",
            ],
            "touchpoint": ["b2", "a2", "a1", "a3", "b1"],
        }
    )
    out = cx.read_events(raw).collect()
    assert out["touchpoint"].to_list() == ["a1", "a2", "a3", "b1", "b2"]


def test_input_frame_is_never_modified():
    raw = pl.DataFrame(
        {"customer_id": [2, 1], "timestamp": ["2024-01-02", "2024-01-01"], "touchpoint": ["x", "y"]}
    )
    before = raw.clone()
    cx.read_events(raw).collect()
    assert raw.equals(before)
    pd = pytest.importorskip("pandas")
    pdf = pd.DataFrame(
        {
            "customer_id": ["b", "a"],
            "timestamp": ["2024-01-02", "2024-01-01"],
            "touchpoint": ["x", "y"],
        }
    )
    snapshot = pdf.copy()
    out = cx.read_events(pdf).collect()
    assert out["customer_id"].to_list() == ["a", "b"]
    assert pdf.equals(snapshot)


def test_file_is_never_modified(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("customer_id,timestamp,touchpoint\nb,2024-01-02,x\na,2024-01-01,y\n")
    before = path.read_bytes()
    cx.read_events(path).collect()
    assert path.read_bytes() == before


def test_sources_parquet_ndjson_glob_and_leading_zero_ids(tmp_path):
    frame = pl.DataFrame(
        {
            "customer_id": ["007", "008"],
            "timestamp": ["2024-01-01T00:00:00Z"] * 2,
            "touchpoint": ["a", "b"],
        }
    )
    frame.write_parquet(tmp_path / "p1.parquet")
    frame.write_ndjson(tmp_path / "e.ndjson")
    (tmp_path / "c1.csv").write_text("customer_id,timestamp,touchpoint\n007,2024-01-01,a\n")
    (tmp_path / "c2.csv").write_text("customer_id,timestamp,touchpoint\n008,2024-01-02,b\n")
    assert cx.read_events(tmp_path / "p1.parquet").collect().height == 2
    assert cx.read_events(tmp_path / "e.ndjson").collect()["customer_id"].to_list() == [
        "007",
        "008",
    ]
    globbed = cx.read_events(str(tmp_path / "c*.csv")).collect()
    assert globbed["customer_id"].to_list() == ["007", "008"]  # ids stay text: leading zeros kept


def test_late_decimals_do_not_break_inference(tmp_path):
    # a 0/1 column for 5,000 rows that only then holds decimals is ordinary in real files
    n = 5_000
    lines = ["unit_id,arm,handle_time,resolved"]
    lines += [f"u{i},{'a' if i % 2 else 'b'},0,TRUE" for i in range(n)]
    lines += ["x1,a,12.75,FALSE", "x2,b,3.5,TRUE"]
    path = tmp_path / "exp.csv"
    path.write_text("\n".join(lines) + "\n")
    df = cx.read_experiment(path).collect()
    assert df.schema["handle_time"] == pl.Float64
    assert df.schema["resolved"] == pl.Boolean
    assert df["handle_time"].sum() == pytest.approx(16.25)


def test_duplicate_events_reported_and_removed_on_request():
    raw = pl.DataFrame(
        {
            "customer_id": ["a", "a", "a"],
            "timestamp": ["2024-01-01"] * 3,
            "touchpoint": ["x", "x", "y"],
        }
    )
    with pytest.warns(CxDataWarning, match=r"repeat.*\[1 rows\]"):
        kept = cx.read_events(raw).collect()
    assert kept.height == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", CxDataWarning)
        dropped = cx.read_events(raw, drop_duplicates=True).collect()
    assert dropped["touchpoint"].to_list() == ["x", "y"]


def test_tz_names_the_zone_of_naive_values():
    raw = pl.DataFrame(
        {
            "customer_id": ["a", "a"],
            "timestamp": ["2024-07-01 12:00:00", "2024-07-01 12:30:00+00:00"],
            "touchpoint": ["x", "y"],
        }
    )
    out = cx.read_events(raw, tz="Europe/Amsterdam").collect()
    # 12:00 in Amsterdam in July (CEST, +02:00) is 10:00 UTC
    assert out["timestamp"].to_list() == [
        dt.datetime(2024, 7, 1, 10, 0, tzinfo=UTC),
        dt.datetime(2024, 7, 1, 12, 30, tzinfo=UTC),
    ]


# ---------------------------------------------------------------------------- bad input
def test_missing_column_names_found_columns_and_close_matches():
    with pytest.raises(CxDataError) as info:
        _helpdesk_missing = cx.read_events(
            HELPDESK, customer="case id", time="Complete Timestamp", touchpoint="Activity"
        )  # noqa: F841
    exc = info.value
    _assert_parts(exc, column="case id", rule_has="required column", n_rows=None)
    assert "columns found" in str(exc) and "'Case ID'" in str(exc)
    assert "close matches: ['Case ID']" in str(exc)
    assert "customer='Case ID'" in str(exc)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(CxDataError, match="empty") as info:
        cx.read_events(path)
    assert info.value.source == str(path) and info.value.n_rows == 0


def test_header_only_file_has_no_rows(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("customer_id,timestamp,touchpoint\n")
    with pytest.raises(CxDataError, match="no rows"):
        cx.read_events(path)


def test_file_not_found_and_unsupported_extension(tmp_path):
    with pytest.raises(CxDataError, match="not found") as info:
        cx.read_events(tmp_path / "nope.csv")
    assert "nope.csv" in info.value.source
    bad = tmp_path / "events.xlsx"
    bad.write_bytes(b"PK\x03\x04")
    with pytest.raises(CxDataError, match="Unsupported file type '.xlsx'") as info:
        cx.read_events(bad)
    assert ".csv" in info.value.rule and ".parquet" in info.value.rule


def test_unparseable_timestamps(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        "customer_id,timestamp,touchpoint\na,2024-01-01 10:00,x\nb,yesterday,y\nc,31/31/2024,z\n"
    )
    with pytest.raises(CxDataError) as info:
        cx.read_events(path)
    _assert_parts(info.value, column="timestamp", rule_has="parse as a date-time", n_rows=2)
    assert info.value.examples == [
        {"row": 2, "timestamp": "yesterday"},
        {"row": 3, "timestamp": "31/31/2024"},
    ]


def test_naive_and_aware_mixed_is_an_error_without_tz():
    raw = pl.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "timestamp": ["2024-01-01 10:00+01:00", "2024-01-01 11:00", "2024-01-01 12:00"],
            "touchpoint": ["x", "y", "z"],
        }
    )
    with pytest.raises(CxDataError) as info:
        cx.read_events(raw)
    _assert_parts(info.value, column="timestamp", rule_has="mix offset-aware and naive", n_rows=2)
    assert "tz=" in info.value.hint


def test_null_ids():
    raw = pl.DataFrame(
        {"customer_id": ["a", None, None], "timestamp": ["2024-01-01"] * 3, "touchpoint": ["x"] * 3}
    )
    with pytest.raises(CxDataError) as info:
        cx.read_events(raw)
    _assert_parts(info.value, column="customer_id", rule_has="customer id", n_rows=2)
    assert [e["row"] for e in info.value.examples] == [2, 3]


def test_ambiguous_duplicate_column_is_an_error():
    with pytest.raises(CxDataError, match="ambiguous") as info:
        cx.read_events(
            HELPDESK, customer="Case ID", time="Complete Timestamp", touchpoint="Variant"
        )
    assert info.value.column == "Variant" and "Variant_2" in str(info.value)


def test_scores_out_of_range_and_non_numeric_ratings(tmp_path):
    raw = pl.DataFrame(
        {
            "customer_id": ["a", "b"],
            "timestamp": ["2024-01-01"] * 2,
            "touchpoint": ["x"] * 2,
            "sat": [3, 9],
        }
    )
    with pytest.raises(CxDataError) as info:
        cx.read_events(raw, score="sat", scale=(1, 5))
    _assert_parts(info.value, column="sat", rule_has="scale 1–5", n_rows=1)
    path = tmp_path / "s.csv"
    path.write_text("wifi,food\n4,3\nN/A,2\ngood,5\n")
    with pytest.raises(CxDataError) as info:
        cx.read_survey(path, ratings=["wifi", "food"], scale=(1, 5))
    _assert_parts(info.value, column="wifi", rule_has="numbers", n_rows=2)
    assert [e["wifi"] for e in info.value.examples] == ["N/A", "good"]


def test_airline_zero_is_not_applicable():
    path = DATASETS / "airline_satisfaction.csv"
    with pytest.raises(CxDataError) as info:
        cx.read_survey(path, ratings=["Inflight wifi service"], scale=(1, 5))
    assert info.value.n_rows > 0 and "na_codes" in info.value.hint
    df = cx.read_survey(
        path, ratings=["Inflight wifi service"], scale=(1, 5), na_codes=[0]
    ).collect()
    assert df.height == 25_976
    assert df["Inflight wifi service"].null_count() == info.value.n_rows  # every 0 became missing


def test_experiment_arm_with_single_unit():
    raw = pl.DataFrame(
        {"unit_id": ["1", "2", "3"], "arm": ["control", "control", "treatmnt"], "y": [1, 0, 1]}
    )
    with pytest.raises(CxDataError) as info:
        cx.read_experiment(raw)
    _assert_parts(info.value, column="arm", rule_has="at least 2 units", n_rows=1)
    assert info.value.examples == [{"row": 3, "arm": "treatmnt"}]


def test_experiment_cookie_cats_and_integer_arms():
    df = cx.read_experiment(DATASETS / "cookie_cats.csv", unit="userid", arm="version").collect()
    # published: 44,700 gate_30 vs 45,489 gate_40 (shared/datasets/README.md); CRLF file
    assert dict(df["arm"].value_counts().iter_rows()) == {"gate_30": 44_700, "gate_40": 45_489}
    assert df.schema["retention_7"] == pl.Boolean
    ints = cx.read_experiment(
        pl.DataFrame({"arm": [0, 1, 0, 1], "y": [1.0, 2.0, 3.0, 4.0]}), unit=None
    ).collect()
    assert ints.columns == ["arm", "y"] and ints.schema["arm"] == pl.Int64


def test_customers_booleans_nps_and_unique_ids():
    out = cx.read_customers(
        pl.DataFrame({"id": ["1", "2"], "churned": [1, 0], "nps": [10, 0]}), customer="id"
    ).collect()
    assert out["churned"].to_list() == [True, False]
    with pytest.raises(CxDataError) as info:
        cx.read_customers(pl.DataFrame({"customer_id": ["1", "2"], "nps": [11, 5]}))
    _assert_parts(info.value, column="nps", rule_has="scale 0–10", n_rows=1)
    with pytest.raises(CxDataError) as info:
        cx.read_customers(pl.DataFrame({"customer_id": ["1", "1"]}))
    _assert_parts(info.value, column="customer_id", rule_has="unique", n_rows=1)


def test_read_events_frames_are_known_sorted_and_journeys_agree():
    from cxkit.io import is_sorted_events

    raw = pl.DataFrame(
        {
            "customer_id": ["b", "a", "a", "a", "b", "c"],
            "timestamp": [
                "2024-01-02",
                "2024-01-01 09:00",
                "2024-01-01 08:00",
                "2024-01-01 10:00",
                "2024-01-01",
                "2024-01-01",
            ],
            "touchpoint": ["b2", "a2", "a1", "a3", "b1", "c1"],
        }
    )
    lf = cx.read_events(raw)
    assert is_sorted_events(lf)
    assert not is_sorted_events(lf.filter(pl.col("touchpoint") != "x"))  # derived: sorted again
    assert not is_sorted_events(raw.lazy())
    # the journey code skips its own sort only for lf; shuffled raw input gives the same edges
    fast = cx.journey.transitions(lf)
    slow = cx.journey.transitions(
        raw.with_columns(pl.col("timestamp").str.to_datetime(time_zone="UTC")).sample(
            fraction=1.0, shuffle=True, seed=3
        )
    )
    assert fast.select("source", "target", "n").equals(slow.select("source", "target", "n"))
    assert ("a1", "a2", 1) in fast.select("source", "target", "n").rows()
