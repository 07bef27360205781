"""The sample survey generator: deterministic, and its exact population moments are right."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl

from cxkit.sample import survey as sv


def test_make_survey_is_deterministic_and_well_formed():
    a, b = sv.make_survey(800, seed=3), sv.make_survey(800, seed=3)
    assert a.equals(b) and not a.equals(sv.make_survey(800, seed=4))
    assert a.columns[:5] == ["response_id", "customer_id", "period", "segment", "weight"]
    assert set(a["period"]) == set(sv.PERIODS) and set(a["segment"]) == set(sv.SEGMENTS)
    ratings = a.select(*sv.TOUCHPOINTS, *sv.BEHAVIOURS, "csat")
    assert ratings.min_horizontal().min() >= 1 and ratings.max_horizontal().max() <= 5
    assert (
        a["nps"].drop_nulls().is_between(0, 10).all()
        and a["ces"].drop_nulls().is_between(1, 7).all()
    )
    # behaviours only when the agent call is rated or the contact happened
    no_contact = a.filter(pl.col("agent_call").is_null() & pl.col("desire_to_help").is_null())
    assert no_contact.height > 0.2 * a.height
    assert abs(a["weight"].mean() - 1) < 1e-9 and a["weight"].min() > 0


def test_exact_population_correlations_match_brute_force_simulation():
    """The Plackett/Gauss–Legendre moments agree with a 300k-row simulation (|z| < 5)."""
    sim = sv.make_survey(300_000, seed=11)
    exact = sv.population_correlation()
    names = exact["variable"].to_list()
    mat = exact.select(names).to_numpy()
    x = sim.select(names).to_numpy().astype(float)
    worst = 0.0
    for i, j in itertools.combinations(range(len(names)), 2):
        ok = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
        r = np.corrcoef(x[ok, i], x[ok, j])[0, 1]
        se = (1 - mat[i, j] ** 2) / np.sqrt(ok.sum())  # large-sample SE of a correlation
        worst = max(worst, abs(r - mat[i, j]) / se)
    assert worst < 5, worst
    truth = sv.true_relative_weights()
    assert max(truth, key=truth.get) == "agent_call"
    assert sorted(truth, key=truth.get, reverse=True) == list(sv.DRIVER_WEIGHTS)
