"""A synthetic A/B test of a service change randomised by agent, with planted effects.

A contact centre rolls out a new call script to half of its agents (cluster randomisation).
Each unit is one customer contact handled by one agent. Agents differ (a random effect per
agent on every outcome), so outcomes are correlated within agents: an analysis that ignores
the clusters gets CIs that are far too narrow.

Planted truth (:data:`PLANTED`, treatment ``"new_script"`` − control ``"control"``):

* ``resolved`` (Boolean): +4.0 percentage points (70 % → 74 %).
* ``repeat_contact`` (Boolean): −2.5 points (20 % → 17.5 %); lower is better.
* ``handle_time`` (seconds): −20 s (about 420 s); a pre-period covariate
  ``pre_handle_time`` (the same customer's handle time with the same agent before the test)
  shares the customer and agent components and removes much of the variance (CUPED).
* ``contacts`` per ``orders``: 0.50 → 0.45 (ratio metric; lower is better).
* ``csat`` (1–5) and ``nps`` (0–10): only for survey responders (``responded``, 30 % in
  both arms); the treatment shifts a latent score, the exact effects on the mean CSAT and on
  NPS points are computed from the latent normal model (:func:`planted_survey_effects`).
* ``channel`` (segment: phone / chat / email) shifts handle time but not the effects.

Added for skewed service times and weekly looks (issue 16), drawn after every other column so
that the columns and effects above are unchanged for a given seed:

* ``handle_time`` median (and every other percentile): −20 s. The new script shortens each
  contact by the same 20 s, a pure shift, so every quantile of handle time moves by exactly
  −20 s (``PLANTED["handle_time_median"]``; the 30 s floor touches under 1 % of contacts).
* ``resolution_hours`` (hours from contact to resolved case; log-normal, skewed): the new
  script multiplies each case's time by 0.85. Control median 24 h, so the planted median
  shift is −3.6 h, the 90th-percentile shift −12.1 h and the mean shift −5.6 h
  (``PLANTED["resolution_hours_median"]``, ``["resolution_hours_p90"]``,
  ``["resolution_hours_mean"]``; exact from the log-normal model) — on skewed times the
  mean, the median and the p90 tell different stories.
* ``week`` (Int64, 1..``n_weeks``): the week the contact came in, uniform and independent of
  everything else (no trend), for sequential monitoring (:func:`cxkit.experiment.monitor`).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats

from cxkit._frames import bad_argument

__all__ = [
    "ARMS",
    "PLANTED",
    "make_experiment",
    "planted_resolution_effects",
    "planted_survey_effects",
]

ARMS = ("control", "new_script")
CHANNELS = ("phone", "chat", "email")
_CHANNEL_P = (0.5, 0.35, 0.15)
_CHANNEL_HT = (60.0, -60.0, 0.0)

# latent survey model: rating = clip(round(mu + effect·T + agent + noise))
_CSAT = {"mu": 3.7, "effect": 0.25, "agent_sd": 0.25, "sd": 1.0, "lo": 1, "hi": 5}
_NPS = {"mu": 7.8, "effect": 0.6, "agent_sd": 0.5, "sd": 2.0, "lo": 0, "hi": 10}
# time to resolution: log T = log(median) + log(factor)·T + agent + noise (hours)
_RES = {"median": 24.0, "factor": 0.85, "agent_sd": 0.3, "sd": 0.9}


def planted_resolution_effects() -> dict[str, float]:
    """Exact planted effects on the median, p90 and mean of ``resolution_hours`` (hours).

    >>> {k: round(v, 2) for k, v in planted_resolution_effects().items()}
    {'resolution_hours_median': -3.6, 'resolution_hours_p90': -12.14, 'resolution_hours_mean': -5.65}
    """
    sd = float(np.hypot(_RES["sd"], _RES["agent_sd"]))
    shift = _RES["factor"] - 1.0
    base = {
        "median": _RES["median"],
        "p90": _RES["median"] * float(np.exp(stats.norm.ppf(0.9) * sd)),
        "mean": _RES["median"] * float(np.exp(sd**2 / 2)),
    }
    return {f"resolution_hours_{k}": v * shift for k, v in base.items()}


def _rating_probs(mu: float, spec: dict) -> np.ndarray:
    """Marginal probabilities of each rating lo..hi under the latent normal model."""
    sd = np.hypot(spec["sd"], spec["agent_sd"])
    levels = np.arange(spec["lo"], spec["hi"] + 1)
    upper = np.append(levels[:-1] + 0.5, np.inf)
    lower = np.insert(levels[1:] - 0.5, 0, -np.inf)
    return stats.norm.cdf(upper, mu, sd) - stats.norm.cdf(lower, mu, sd)


def planted_survey_effects() -> dict[str, float]:
    """Exact planted effects on mean CSAT and NPS points (from the latent model).

    >>> eff = planted_survey_effects()
    >>> 0.2 < eff["csat_mean"] < 0.3, 10 < eff["nps_points"] < 30
    (True, True)
    """
    out = {}
    levels = np.arange(1, 6)
    c0 = _rating_probs(_CSAT["mu"], _CSAT)
    c1 = _rating_probs(_CSAT["mu"] + _CSAT["effect"], _CSAT)
    out["csat_control"] = float(levels @ c0)
    out["csat_mean"] = float(levels @ c1 - levels @ c0)
    n0 = _rating_probs(_NPS["mu"], _NPS)
    n1 = _rating_probs(_NPS["mu"] + _NPS["effect"], _NPS)

    def nps(p):
        return 100 * (p[9:].sum() - p[:7].sum())

    out["nps_control"] = float(nps(n0))
    out["nps_points"] = float(nps(n1) - nps(n0))
    return out


#: The planted treatment effects (treatment − control) in each metric's unit.
PLANTED: dict[str, float] = {
    "resolved": 0.04,
    "repeat_contact": -0.025,
    "handle_time": -20.0,
    "handle_time_median": -20.0,
    "contacts_per_order": -0.05,
    "response_rate": 0.0,
    **{k: v for k, v in planted_survey_effects().items() if k in ("csat_mean", "nps_points")},
    **planted_resolution_effects(),
}


def _latent_rating(rng, base, spec, agent_eff, n):
    raw = base + agent_eff + rng.normal(0.0, spec["sd"], n)
    return np.clip(np.rint(raw), spec["lo"], spec["hi"]).astype(np.int64)


def make_experiment(
    n_units: int = 20000, *, n_agents: int = 200, seed: int = 11, n_weeks: int = 8
) -> pl.DataFrame:
    """Contacts of a call-script A/B test randomised by agent, with planted effects.

    Parameters
    ----------
    n_units : int
        Number of contacts (units).
    n_agents : int
        Number of agents (clusters); half get the new script (at least 2).
    seed : int
        Random seed (the output is deterministic given all the arguments).
    n_weeks : int
        Weeks the test ran (``week`` is 1..n_weeks); changes only the ``week`` column.

    Returns
    -------
    polars.DataFrame
        One row per contact, sorted by ``unit_id``: ``unit_id`` (String), ``arm``
        (``"control"`` / ``"new_script"``), ``agent_id`` (the randomisation cluster),
        ``channel`` (segment), ``pre_handle_time`` (seconds, pre-period), ``handle_time``
        (seconds), ``resolved``, ``repeat_contact`` (Boolean), ``orders``, ``contacts``
        (Int64; ratio metric contacts per order), ``responded`` (Boolean), ``csat`` (1–5),
        ``nps`` (0–10) — both null for non-responders, ``resolution_hours`` (Float64, skewed)
        and ``week`` (Int64, 1..n_weeks).

    Examples
    --------
    >>> df = make_experiment(2000, n_agents=20)
    >>> df.height, df["agent_id"].n_unique(), sorted(df["arm"].unique())
    (2000, 20, ['control', 'new_script'])
    >>> df["week"].min(), df["week"].max()
    (1, 8)
    """
    if n_agents < 2 or n_units < n_agents:
        raise bad_argument(
            "n_agents",
            n_agents,
            rule="n_agents >= 2 and n_units >= n_agents",
            hint="pass at least 2 agents and at least one unit per agent",
        )
    if n_weeks < 1:
        raise bad_argument("n_weeks", n_weeks, rule="n_weeks >= 1", hint="pass n_weeks=8")
    rng = np.random.default_rng(seed)
    # cluster randomisation: exactly half of the agents get the new script
    agent_arm = rng.permutation(np.arange(n_agents) % 2)
    agent = rng.integers(0, n_agents, n_units)
    agent[:n_agents] = np.arange(n_agents)  # every agent handles at least one contact
    t = agent_arm[agent].astype(float)
    channel = rng.choice(len(CHANNELS), size=n_units, p=_CHANNEL_P)

    # agent random effects (one per agent and outcome)
    a_ht = rng.normal(0, 30.0, n_agents)[agent]
    a_res = rng.normal(0, 0.05, n_agents)[agent]
    a_rep = rng.normal(0, 0.03, n_agents)[agent]
    a_csat = rng.normal(0, _CSAT["agent_sd"], n_agents)[agent]
    a_nps = rng.normal(0, _NPS["agent_sd"], n_agents)[agent]

    customer = rng.normal(0, 90.0, n_units)  # stable customer component (CUPED covariate)
    seg_ht = np.asarray(_CHANNEL_HT)[channel]
    pre = 420 + seg_ht + customer + a_ht + rng.normal(0, 80.0, n_units)
    ht = 420 + seg_ht + customer + a_ht + PLANTED["handle_time"] * t + rng.normal(0, 80.0, n_units)

    p_res = np.clip(0.70 + PLANTED["resolved"] * t + a_res, 0.01, 0.99)
    p_rep = np.clip(0.20 + PLANTED["repeat_contact"] * t + a_rep, 0.01, 0.99)
    resolved = rng.random(n_units) < p_res
    repeat = rng.random(n_units) < p_rep

    orders = 1 + rng.poisson(1.5, n_units)
    rate = 0.50 + PLANTED["contacts_per_order"] * t
    contacts = rng.poisson(
        orders * rate * np.exp(rng.normal(0, 0.2, n_agents))[agent] / np.exp(0.02)
    )

    responded = rng.random(n_units) < 0.30
    csat = _latent_rating(rng, _CSAT["mu"] + _CSAT["effect"] * t, _CSAT, a_csat, n_units)
    nps = _latent_rating(rng, _NPS["mu"] + _NPS["effect"] * t, _NPS, a_nps, n_units)

    # issue 16, drawn last so that every column above is unchanged: skewed time to
    # resolution (a multiplicative effect) and the week of each contact (for weekly looks)
    a_res_t = rng.normal(0, _RES["agent_sd"], n_agents)[agent]
    log_res = np.log(_RES["median"]) + np.log(_RES["factor"]) * t + a_res_t
    resolution = np.exp(log_res + rng.normal(0, _RES["sd"], n_units))
    week = rng.integers(1, n_weeks + 1, n_units)

    width = len(str(n_units))
    return pl.DataFrame(
        {
            "unit_id": pl.int_range(1, n_units + 1, eager=True).cast(pl.String).str.zfill(width),
            "arm": np.asarray(ARMS)[agent_arm[agent]],
            "agent_id": pl.Series(agent + 1).cast(pl.String).str.zfill(len(str(n_agents))),
            "channel": np.asarray(CHANNELS)[channel],
            "pre_handle_time": np.round(np.maximum(pre, 30.0), 1),
            "handle_time": np.round(np.maximum(ht, 30.0), 1),
            "resolved": resolved,
            "repeat_contact": repeat,
            "orders": orders.astype(np.int64),
            "contacts": contacts.astype(np.int64),
            "responded": responded,
            "csat": pl.Series(csat).scatter(np.flatnonzero(~responded), None),
            "nps": pl.Series(nps).scatter(np.flatnonzero(~responded), None),
            "resolution_hours": np.round(resolution, 1),
            "week": week.astype(np.int64),
        }
    ).with_columns(pl.lit("A").add(pl.col("agent_id")).alias("agent_id"))
