"""``cxkit sample-data`` and ``cxkit validate`` from the command line."""

from __future__ import annotations

from cxkit.cli import main


def test_cli_sample_data_and_validate(tmp_path, capsys):
    out = tmp_path / "sample"
    assert main(["sample-data", "--out", str(out), "--size", "small"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "customers.parquet",
        "data_dictionary.md",
        "events.parquet",
        "experiment.parquet",
        "survey.parquet",
    ]
    assert "Planted truth" in (out / "data_dictionary.md").read_text()
    capsys.readouterr()
    assert main(["validate", str(out / "events.parquet"), "--kind", "events"]) == 0
    text = capsys.readouterr().out
    assert "VALID" in text and "n customers" in text
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,timestamp,touchpoint\na,not a time,web\n")
    assert main(["validate", str(bad)]) == 1
    assert "cannot be parsed" in capsys.readouterr().out
