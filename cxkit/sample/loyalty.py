"""Sample customers with lifetimes, spend and planted loyalty effects (for the loyalty notebook).

The truth planted (:data:`LOYALTY_PLANTED`): a customer's monthly hazard of leaving is
:data:`BASE_HAZARD` × :data:`HR_COMPLAINT` when the journey has a ``complaint`` × :data:`HR_REPEAT`
when it has a repeat contact (a contact followed by the next contact within 7 days — the rule
of ``cx.loyalty.experience_flags`` with :data:`CONTACTS`); promoters (NPS 9–10) spend
:data:`PROMOTER_SPEND_LIFT` a month more than everyone else, whose spend does not depend on NPS.
Customers joined uniformly over the last :data:`WINDOW_MONTHS` months, so lifetimes are
censored at today (``churned`` = false).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cxkit.sample.events import SEGMENT_SHARES, SEGMENTS

__all__ = [
    "BASE_HAZARD",
    "CONTACTS",
    "HR_COMPLAINT",
    "HR_REPEAT",
    "LOYALTY_PLANTED",
    "PROMOTER_SPEND_LIFT",
    "WINDOW_MONTHS",
    "make_loyalty_customers",
    "plant_lifetimes",
]

BASE_HAZARD = 0.03  # per month
HR_COMPLAINT = 2.0
HR_REPEAT = 1.5
PROMOTER_SPEND_LIFT = 15.0  # currency units a month
BASE_SPEND = 40.0  # mean monthly spend of non-promoters
WINDOW_MONTHS = 24.0
CONTACTS = ["e-mail", "chatbot", "ivr", "agent call", "complaint"]
LOYALTY_PLANTED = {
    "hr_complaint": HR_COMPLAINT,
    "hr_repeat_contact": HR_REPEAT,
    "promoter_spend_lift": PROMOTER_SPEND_LIFT,
}


def plant_lifetimes(
    complained: np.ndarray, repeat_contact: np.ndarray, *, seed: int = 42
) -> dict[str, np.ndarray]:
    """Lifetimes, churn, NPS and spend for customers with the given experiences.

    Returns a dict of arrays: ``tenure_months`` (0.1-month precision, ≥ 0.1), ``churned``
    (bool), ``nps`` (0–10, lower after a complaint), ``monthly_spend`` and ``segment``.

    Examples
    --------
    >>> out = plant_lifetimes(np.array([True, False]), np.array([False, False]), seed=1)
    >>> sorted(out)
    ['churned', 'monthly_spend', 'nps', 'segment', 'tenure_months']
    """
    rng = np.random.default_rng([seed, 1717])  # a stream of its own, not make_events'
    n = complained.size
    hazard = BASE_HAZARD * HR_COMPLAINT ** complained.astype(float) * HR_REPEAT**repeat_contact
    lifetime = rng.exponential(1 / hazard)
    follow_up = rng.uniform(1.0, WINDOW_MONTHS, n)
    churned = lifetime <= follow_up
    tenure = np.maximum(0.1, np.round(np.minimum(lifetime, follow_up), 1))
    nps = np.clip(np.rint(rng.normal(8.0 - 2.5 * complained, 2.0)), 0, 10).astype(np.int8)
    spend = rng.gamma(4.0, BASE_SPEND / 4.0, n) + PROMOTER_SPEND_LIFT * (nps >= 9)
    segment = np.array(SEGMENTS)[rng.choice(len(SEGMENTS), size=n, p=SEGMENT_SHARES)]
    return {
        "tenure_months": tenure,
        "churned": churned,
        "nps": nps,
        "monthly_spend": np.round(spend, 2),
        "segment": segment,
    }


def _experiences(events: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    c, t, p = pl.col("customer_id"), pl.col("timestamp"), pl.col("touchpoint")
    ev = events.lazy().sort("customer_id", "timestamp", maintain_order=True)
    gap = pl.when(c.shift(-1) == c).then(t.shift(-1) - t)
    rep = (
        ev.filter(p.is_in(CONTACTS))
        .select(c, (gap <= pl.duration(days=7)).fill_null(False).alias("rep"))
        .group_by(c)
        .agg(repeat=pl.col("rep").any())
    )
    per = ev.group_by(c).agg(complained=(p == "complaint").any())
    return (
        per.join(rep, on="customer_id", how="left")
        .with_columns(pl.col("repeat").fill_null(False))
        .sort("customer_id")
        .collect()
    )


def make_loyalty_customers(events: pl.DataFrame | pl.LazyFrame, *, seed: int = 42) -> pl.DataFrame:
    """One row per customer of ``events`` with a lifetime, churn, NPS and spend (planted truth).

    Parameters
    ----------
    events : polars DataFrame or LazyFrame
        From :func:`~cxkit.sample.make_events`.
    seed : int
        Random seed (the same seed gives the same customers).

    Returns
    -------
    polars.DataFrame
        ``customer_id``, ``segment``, ``tenure_months`` (Float64), ``churned`` (Boolean),
        ``nps`` (0–10), ``monthly_spend``, ``revenue`` (monthly spend × tenure), sorted by
        ``customer_id``. The experiences that drive churn are *not* columns: derive them from
        the events with ``cx.loyalty.experience_flags``.

    Examples
    --------
    >>> from cxkit.sample import make_events
    >>> cu = make_loyalty_customers(make_events(300, seed=3), seed=3)
    >>> cu.columns
    ['customer_id', 'segment', 'tenure_months', 'churned', 'nps', 'monthly_spend', 'revenue']
    """
    exp = _experiences(events)
    out = plant_lifetimes(exp["complained"].to_numpy(), exp["repeat"].to_numpy(), seed=seed)
    return pl.DataFrame(
        {
            "customer_id": exp["customer_id"],
            "segment": out["segment"],
            "tenure_months": out["tenure_months"],
            "churned": out["churned"],
            "nps": out["nps"],
            "monthly_spend": out["monthly_spend"],
            "revenue": np.round(out["monthly_spend"] * out["tenure_months"], 2),
        }
    )
