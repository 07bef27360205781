"""Synthetic touchpoint logs and customer outcomes with a planted pain point.

Journeys are simulated as a Markov chain over eleven touchpoints of a retail service business,
vectorised across customers (one numpy step per journey position, never a loop over
customers). The planted truth, which the journey analyses must recover:

* :data:`PAIN_POINT` (``"ivr"``): customers whose journey passes the IVR churn far more often
  (+:data:`PAIN_POINT_CHURN_LIFT` on the churn probability); no other touchpoint has a direct
  effect on churn.
* Touchpoint satisfaction scores (1–5) have the means in :data:`SCORE_MEANS`; the IVR is the
  low point of the journey's emotion curve.
* A chatbot that hands over to an agent does so in the same second: the two events share a
  timestamp (a tie that must keep its input order).
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = [
    "BASE_CHURN",
    "PAIN_POINT",
    "PAIN_POINT_CHURN_LIFT",
    "SCORE_MEANS",
    "STAGES",
    "TOUCHPOINTS",
    "make_customers",
    "make_events",
    "make_journeys",
]

TOUCHPOINTS = [
    "web visit",
    "store visit",
    "order",
    "delivery",
    "e-mail",
    "chatbot",
    "ivr",
    "agent call",
    "return",
    "refund",
    "complaint",
]
STAGES = {
    "web visit": "1 discover",
    "store visit": "1 discover",
    "order": "2 buy",
    "delivery": "3 receive",
    "e-mail": "4 get help",
    "chatbot": "4 get help",
    "ivr": "4 get help",
    "agent call": "4 get help",
    "return": "5 after-sales",
    "refund": "5 after-sales",
    "complaint": "5 after-sales",
}
CHANNELS = {
    "web visit": "digital",
    "store visit": "store",
    "order": "digital",
    "delivery": "logistics",
    "e-mail": "digital",
    "chatbot": "digital",
    "ivr": "phone",
    "agent call": "phone",
    "return": "store",
    "refund": "digital",
    "complaint": "phone",
}
SEGMENTS = ["consumer", "small_business", "enterprise"]  # as in the sample survey
SEGMENT_SHARES = [0.7, 0.2, 0.1]
PAIN_POINT = "ivr"
BASE_CHURN = 0.08
PAIN_POINT_CHURN_LIFT = 0.22
#: Mean touchpoint satisfaction (1–5) by touchpoint.
SCORE_MEANS = {
    "web visit": 4.0,
    "store visit": 4.2,
    "order": 4.3,
    "delivery": 3.9,
    "e-mail": 3.4,
    "chatbot": 3.1,
    "ivr": 2.3,
    "agent call": 3.7,
    "return": 3.5,
    "refund": 3.8,
    "complaint": 2.9,
}
#: Share of events that carry a satisfaction score.
SCORE_RESPONSE = 0.35

_K = len(TOUCHPOINTS)
_END = _K  # absorbing state index
_IDX = {t: i for i, t in enumerate(TOUCHPOINTS)}

# Transition probabilities: row = current touchpoint, columns = next touchpoint or end.
_T = {
    "web visit": {
        "web visit": 0.15,
        "order": 0.45,
        "chatbot": 0.12,
        "ivr": 0.06,
        "agent call": 0.04,
        "end": 0.18,
    },
    "store visit": {"order": 0.55, "web visit": 0.10, "ivr": 0.05, "end": 0.30},
    "order": {"delivery": 0.85, "e-mail": 0.05, "ivr": 0.04, "end": 0.06},
    "delivery": {
        "end": 0.52,
        "e-mail": 0.10,
        "chatbot": 0.11,
        "ivr": 0.10,
        "agent call": 0.05,
        "return": 0.08,
        "web visit": 0.04,
    },
    "e-mail": {
        "end": 0.45,
        "e-mail": 0.12,
        "agent call": 0.13,
        "ivr": 0.10,
        "refund": 0.10,
        "complaint": 0.10,
    },
    "chatbot": {
        "end": 0.40,
        "agent call": 0.25,
        "chatbot": 0.10,
        "ivr": 0.10,
        "refund": 0.10,
        "complaint": 0.05,
    },
    "ivr": {"agent call": 0.45, "ivr": 0.12, "end": 0.30, "complaint": 0.08, "refund": 0.05},
    "agent call": {
        "end": 0.55,
        "agent call": 0.10,
        "refund": 0.15,
        "complaint": 0.08,
        "e-mail": 0.07,
        "return": 0.05,
    },
    "return": {"refund": 0.70, "complaint": 0.10, "end": 0.20},
    "refund": {"end": 0.80, "complaint": 0.05, "e-mail": 0.15},
    "complaint": {"agent call": 0.40, "end": 0.45, "e-mail": 0.15},
}
_START = {
    "web visit": 0.55,
    "store visit": 0.20,
    "chatbot": 0.08,
    "ivr": 0.07,
    "agent call": 0.05,
    "e-mail": 0.05,
}
#: Mean gap in hours before arriving at each touchpoint.
_GAP_HOURS = {
    "web visit": 30.0,
    "store visit": 48.0,
    "order": 0.5,
    "delivery": 60.0,
    "e-mail": 20.0,
    "chatbot": 12.0,
    "ivr": 10.0,
    "agent call": 2.0,
    "return": 72.0,
    "refund": 48.0,
    "complaint": 24.0,
}
MAX_STEPS = 25


def _matrix() -> tuple[np.ndarray, np.ndarray]:
    trans = np.zeros((_K, _K + 1))
    for src, row in _T.items():
        for dst, p in row.items():
            trans[_IDX[src], _END if dst == "end" else _IDX[dst]] = p
    trans /= trans.sum(axis=1, keepdims=True)
    start = np.zeros(_K)
    for dst, p in _START.items():
        start[_IDX[dst]] = p
    return np.cumsum(trans, axis=1), np.cumsum(start / start.sum())


def make_journeys(n_customers: int, *, seed: int = 42, offset: int = 0) -> dict[str, np.ndarray]:
    """Simulate journeys as flat arrays (customer index, step, touchpoint index, gap hours).

    ``offset`` shifts customer numbers, so chunks of a large run get distinct ids.
    """
    rng = np.random.default_rng(seed)
    cum_t, cum_s = _matrix()
    gap_mean = np.array([_GAP_HOURS[t] for t in TOUCHPOINTS])
    state = np.searchsorted(cum_s, rng.random(n_customers), side="right")
    cust = np.arange(n_customers)
    parts_c, parts_s, parts_k = [cust], [np.zeros(n_customers, np.int32)], [state]
    alive_c, alive_k = cust, state
    for step in range(1, MAX_STEPS):
        u = rng.random(alive_c.size)
        nxt = (u[:, None] > cum_t[alive_k]).sum(axis=1)
        keep = nxt < _END
        alive_c, alive_k = alive_c[keep], nxt[keep]
        if alive_c.size == 0:
            break
        parts_c.append(alive_c)
        parts_s.append(np.full(alive_c.size, step, np.int32))
        parts_k.append(alive_k)
    c = np.concatenate(parts_c)
    s = np.concatenate(parts_s)
    k = np.concatenate(parts_k)
    order = np.lexsort((s, c))
    c, s, k = c[order], s[order], k[order]
    gap = rng.exponential(gap_mean[k]) * (s > 0)
    # a chatbot handing over to an agent does so in the same second (a planted tie)
    prev_k = np.r_[-1, k[:-1]]
    gap[(k == _IDX["agent call"]) & (prev_k == _IDX["chatbot"]) & (s > 0)] = 0.0
    return {"customer": c + offset, "step": s, "touchpoint": k, "gap_hours": gap, "rng_state": rng}


def _ids(numbers: np.ndarray) -> pl.Series:
    return pl.Series("customer_id", numbers).cast(pl.String).str.zfill(8).str.pad_start(9, "C")


def make_events(
    n_customers: int = 2_000, *, seed: int = 42, offset: int = 0, start: str = "2025-01-01"
) -> pl.DataFrame:
    """A touchpoint log for ``n_customers`` customers (≈3 events each, up to 25).

    Returns
    -------
    polars.DataFrame
        ``customer_id`` (str, ``C00000001``…), ``timestamp`` (UTC), ``touchpoint``,
        ``channel``, ``stage`` and ``score`` (1–5 satisfaction, null when not asked), in
        journey order.

    Examples
    --------
    >>> ev = make_events(500, seed=1)
    >>> ev.columns
    ['customer_id', 'timestamp', 'touchpoint', 'channel', 'stage', 'score']
    >>> ev.height == make_events(500, seed=1).height
    True
    """
    j = make_journeys(n_customers, seed=seed, offset=offset)
    rng: np.random.Generator = j["rng_state"]
    n_cust_start = rng.uniform(0, 365 * 24, n_customers)  # start hour within the year
    k = j["touchpoint"]
    first = np.r_[True, j["customer"][1:] != j["customer"][:-1]]
    hours = np.cumsum(j["gap_hours"])
    # restart the cumulative clock at each customer's first event
    base = np.maximum.accumulate(np.where(first, hours, 0.0))
    hours = hours - base + n_cust_start[j["customer"] - offset]
    means = np.array([SCORE_MEANS[t] for t in TOUCHPOINTS])
    scores = np.clip(np.rint(rng.normal(means[k], 0.9)), 1, 5)
    asked = rng.random(k.size) < SCORE_RESPONSE
    tp_names = np.array(TOUCHPOINTS)
    t0 = np.datetime64(start, "us")
    ts = t0 + np.rint(hours * 3_600).astype("timedelta64[s]").astype("timedelta64[us]")
    return pl.DataFrame(
        {
            "customer_id": _ids(j["customer"]),
            "timestamp": pl.Series(ts).dt.replace_time_zone("UTC"),
            "touchpoint": tp_names[k],
            "channel": np.array([CHANNELS[t] for t in TOUCHPOINTS])[k],
            "stage": np.array([STAGES[t] for t in TOUCHPOINTS])[k],
            "score": pl.Series(np.where(asked, scores, np.nan)).fill_nan(None).cast(pl.Int8),
        }
    )


def make_customers(events: pl.DataFrame | pl.LazyFrame, *, seed: int = 42) -> pl.DataFrame:
    """One row per customer of ``events`` with outcomes driven by the planted truth.

    ``churned`` has probability :data:`BASE_CHURN` plus :data:`PAIN_POINT_CHURN_LIFT` when the
    journey passed :data:`PAIN_POINT`; ``converted`` means the journey has an order; ``nps``
    (0–10) falls with churn risk; ``revenue`` comes with orders.

    Returns
    -------
    polars.DataFrame
        ``customer_id``, ``segment``, ``churned`` (bool), ``converted`` (bool), ``nps`` (0–10),
        ``revenue`` (float), sorted by ``customer_id``.

    Examples
    --------
    >>> cu = make_customers(make_events(300, seed=3), seed=3)
    >>> cu.columns
    ['customer_id', 'segment', 'churned', 'converted', 'nps', 'revenue']
    """
    per = (
        events.lazy()
        .group_by("customer_id")
        .agg(
            passed=(pl.col("touchpoint") == PAIN_POINT).any(),
            converted=(pl.col("touchpoint") == "order").any(),
            n_orders=(pl.col("touchpoint") == "order").sum(),
        )
        .sort("customer_id")
        .collect()
    )
    rng = np.random.default_rng(seed + 1)
    n = per.height
    passed = per["passed"].to_numpy()
    p_churn = BASE_CHURN + PAIN_POINT_CHURN_LIFT * passed
    churned = rng.random(n) < p_churn
    nps = np.clip(np.rint(rng.normal(8.2 - 3.0 * churned - 0.8 * passed, 1.8)), 0, 10).astype(
        np.int8
    )
    segment = np.array(SEGMENTS)[rng.choice(len(SEGMENTS), size=n, p=SEGMENT_SHARES)]
    revenue = per["n_orders"].to_numpy() * rng.gamma(2.0, 40.0, n)
    return pl.DataFrame(
        {
            "customer_id": per["customer_id"],
            "segment": segment,
            "churned": churned,
            "converted": per["converted"],
            "nps": nps,
            "revenue": np.round(revenue, 2),
        }
    )
