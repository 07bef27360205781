"""cx.journey.scores: the emotion curve — min_base, base_flag, by= and the planted low point."""

from __future__ import annotations

import math

import polars as pl
import pytest
from scipy import stats

from cxkit import journey as j
from cxkit.errors import CxDataError, CxDataWarning
from cxkit.sample.events import SCORE_MEANS


def test_stage_scores_tiny(ev):
    s = j.stage_scores(ev, min_base=3)
    # median step: web (1, 4, 1, 1) → 1; call (2, 1) → 1.5; shop (3, 2, 2) → 2
    assert s["touchpoint"].to_list() == ["web", "call", "shop"]
    web = s.row(0, named=True)
    assert (web["n"], web["estimate"], web["n_events"]) == (3, 4.0, 4)
    # scores 4, 5, 3: sd 1, t interval with 2 df
    half = stats.t.ppf(0.975, 2) / math.sqrt(3)
    assert (web["ci_low"], web["ci_high"]) == pytest.approx((4 - half, 4 + half))
    # web has 3 scores, call 2 (scores 2 and 1), shop 1: kept, flagged "small base"
    assert s["base_flag"].to_list() == ["ok", "small base", "small base"]
    assert s.filter(touchpoint="call")["estimate"].item() == 1.5


def test_stage_scores_enum_order_and_no_scores(ev):
    order = pl.Enum(["shop", "call", "web"])
    s = j.stage_scores(ev.with_columns(stage=pl.col("touchpoint").cast(order)), by="stage")
    assert s["stage"].cast(pl.String).to_list() == ["shop", "call", "web"]
    with pytest.warns(CxDataWarning, match="no scores"):
        empty = j.stage_scores(ev.with_columns(score=pl.lit(None, pl.Int64)))
    assert empty["n"].to_list() == [0, 0, 0]
    assert empty["estimate"].null_count() == 3


def test_emotion_curve_low_point(sample):
    ev, _ = sample
    s = j.stage_scores(ev)
    assert s.sort("estimate")["touchpoint"][0] == min(SCORE_MEANS, key=SCORE_MEANS.get)
    for row in s.iter_rows(named=True):
        assert (
            row["ci_low"] <= SCORE_MEANS[row["touchpoint"]] + 0.15
        )  # loose: rounding and clipping of 1–5 scores
    # stages in journey order: discover comes first
    assert j.stage_scores(ev, by="stage")["stage"][0] == "1 discover"


def test_min_n_still_works_for_one_release_with_a_warning(ev):
    with pytest.warns(DeprecationWarning, match="min_n= is deprecated.*use min_base= instead"):
        old = j.stage_scores(ev, min_n=3)
    assert old.equals(j.stage_scores(ev, min_base=3))
    with pytest.raises(TypeError, match="both min_n= and min_base="):
        j.stage_scores(ev, min_n=3, min_base=3)


def test_base_flag_values(ev):
    # by stage: "late" has events but no score (suppressed: no estimate), "early" 3 scores
    staged = ev.with_columns(
        stage=pl.when(pl.col("score").is_null()).then(pl.lit("late")).otherwise(pl.lit("early"))
    )
    s = j.stage_scores(staged, by="stage", min_base=3)
    got = dict(zip(s["stage"], s["base_flag"], strict=True))
    assert got == {"early": "ok", "late": "suppressed"}
    assert s.filter(stage="late")["estimate"].item() is None
    # below min_base the estimate is kept, flagged: min_base=8 > 7 scores
    assert j.stage_scores(staged, by="stage", min_base=8)["base_flag"].to_list()[0] == "small base"
    assert j.stage_scores(staged, by="stage", min_base=8)["estimate"][0] == pytest.approx(24 / 7)


def test_by_a_list_gives_one_point_per_combination(ev):
    staged = ev.with_columns(stage=pl.lit("s"))
    s = j.stage_scores(staged, by=["stage", "touchpoint"], min_base=1)
    assert s.columns[:3] == ["order", "stage", "touchpoint"]
    # the same points, estimates and order as by the touchpoint alone
    alone = j.stage_scores(ev, min_base=1)
    assert s["touchpoint"].to_list() == alone["touchpoint"].to_list()
    assert s["estimate"].to_list() == alone["estimate"].to_list()
    assert j.stage_scores(ev, by=["touchpoint"], min_base=1).equals(alone)
    with pytest.raises(CxDataError, match="metric"):
        j.stage_scores(ev, metric="median")
