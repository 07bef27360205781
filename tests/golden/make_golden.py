"""Write ``golden.json``: the public results on the sample data as they were before the
"One house" re-layout (issue 10). Run once, on the commit before the move; the test
``tests/test_golden.py`` recomputes them with today's API and compares every numeric column.

    .venv/bin/python tests/golden/make_golden.py
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import polars as pl

import cxkit as cx


def results() -> dict[str, pl.DataFrame]:
    """Every public analysis on the in-memory sample data (deterministic)."""
    events = cx.sample.make_events(3_000, seed=5)
    customers = cx.sample.make_customers(events, seed=5)
    survey = cx.sample.make_survey(4_000, seed=3)
    units = cx.sample.make_experiment(12_000, n_agents=40, seed=9)
    ev = cx.read_events(events)
    cu = cx.read_customers(customers)
    tps = ["web", "ivr", "agent_call", "delivery", "billing"]
    sv = cx.read_survey(survey, scale={"csat": (1, 5), "nps": (0, 10)}).collect()
    ex = cx.read_experiment(units, cluster="agent_id")
    jr, sat = cx.journey, cx.satisfaction
    metrics = {
        "resolved": "proportion",
        "handle_time": {"kind": "mean", "higher_is_better": False},
        "contacts_per_order": {"kind": "mean", "column": "contacts", "denominator": "orders"},
        "csat": "mean",
        "nps": "nps",
    }
    out = {
        "transitions": jr.transitions(ev),
        "paths": jr.paths(ev, top=15),
        "funnel": jr.funnel(ev, ["web", "agent_call", "order"], mode="any"),
        "repeat_contacts": jr.repeat_contacts(
            ev, contact_touchpoints=["agent_call", "ivr", "chat"]
        ),
        "stage_scores": jr.stage_scores(ev),
        "pain_points": jr.pain_points(ev, cu, outcome="churned"),
        "removal_effects": jr.removal_effects(ev, cu, outcome="churned"),
        "csat_scores": sat.scores(sv, "csat", metric="csat", by="segment"),
        "touch_scores": sat.scores(sv, tps, metric="csat", scale=(1, 5)),
        "nps_breakdown": sat.nps_breakdown(sv, "nps", by="segment"),
        "compare": sat.compare(sv, "csat", by="segment", reference="total", metric="csat"),
        "drivers": sat.drivers(sv, "csat", tps, n_boot=50, seed=1),
        "effects": cx.analyze(
            ex,
            control="control",
            metrics=metrics,
            cluster="cluster",
            covariates={"handle_time": "pre_handle_time"},
        ).effects,
        "effects_iid": cx.analyze(
            ex, control="control", metrics=metrics, ignore_clusters=True
        ).effects,
    }
    return out


def numeric_columns(frame: pl.DataFrame) -> dict[str, list]:
    cols = {}
    for name, dtype in frame.schema.items():
        if dtype.is_numeric() or dtype == pl.Boolean:
            cols[name] = frame[name].cast(pl.Float64).to_list()
        elif dtype == pl.String:
            cols[name] = frame[name].to_list()
    return cols


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = {k: numeric_columns(v) for k, v in results().items()}
    path = Path(__file__).with_name("golden.json")
    path.write_text(json.dumps(res, allow_nan=True, default=str) + "\n")
    print(path, {k: len(next(iter(v.values()))) for k, v in res.items()})
