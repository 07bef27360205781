"""Synthetic touchpoint-satisfaction survey with planted driver weights.

Every respondent rates seven touchpoints (1–5), and — when they spoke to an agent — six agent
behaviours (1–5); then overall CSAT (1–5), NPS (0–10) and effort (CES, 1–7, "the company made
it easy": 7 = strongly agree). Ratings are latent normal variables cut at fixed thresholds:

* a shared halo factor correlates all touchpoints (ρ = 0.3 between touchpoint latents);
* the overall CSAT latent is ``Σ DRIVER_WEIGHTS[t] · touchpoint_t + noise``;
* the agent-call latent is ``Σ BEHAVIOUR_WEIGHTS[b] · behaviour_b + noise``;
* NPS follows CSAT (latent correlation 0.8); effort follows IVR, chatbot, agent and web.

Billing is the planted "concentrate here" touchpoint: the third most important driver but
rated below average. Planted changes: enterprise customers rate delivery higher and billing lower; small-business
customers rate the IVR lower; in the last period (``"2025-12"``, :data:`DROP_PERIOD`) delivery
drops sharply (peak-season delays), which pulls CSAT down.

Missing answers are missing completely at random: 25 % had no agent contact (agent call and
the six behaviours are null), and each rating is skipped with a small probability.

Because the latent model is known, the *population* correlations of the observed (cut)
ratings are computed exactly (Plackett's identity, Gauss–Legendre quadrature), and from them
the true relative weights (:func:`true_relative_weights`): the targets that
``cx.satisfaction.drivers`` must recover.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import polars as pl
from scipy import stats

from cxkit._frames import bad_argument
from cxkit.metrics import relative_weights

__all__ = [
    "BEHAVIOURS",
    "BEHAVIOUR_WEIGHTS",
    "DRIVER_WEIGHTS",
    "DROP_PERIOD",
    "PERIODS",
    "SEGMENTS",
    "TOUCHPOINTS",
    "make_survey",
    "population_correlation",
    "true_relative_weights",
]

TOUCHPOINTS = ["web", "mobile_app", "ivr", "chatbot", "agent_call", "delivery", "billing"]
BEHAVIOURS = [
    "product_knowledge",
    "desire_to_help",
    "sincere_interest",
    "understands_expectations",
    "respects_point_of_view",
    "empowered_to_resolve",
]
#: Planted weights of the (unit-variance) touchpoint latents in the overall CSAT latent.
DRIVER_WEIGHTS = {
    "agent_call": 0.42,
    "delivery": 0.34,
    "billing": 0.26,
    "web": 0.15,
    "mobile_app": 0.10,
    "ivr": 0.06,
    "chatbot": 0.02,
}
#: Planted weights of the behaviour latents in the agent-call latent.
BEHAVIOUR_WEIGHTS = {
    "desire_to_help": 0.40,
    "empowered_to_resolve": 0.33,
    "product_knowledge": 0.24,
    "understands_expectations": 0.14,
    "sincere_interest": 0.07,
    "respects_point_of_view": 0.02,
}
SEGMENTS = {"consumer": 0.55, "small_business": 0.30, "enterprise": 0.15}
PERIODS = ["2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12"]
DROP_PERIOD = "2025-12"
AGENT_CONTACT_RATE = 0.75

_OUTCOMES = ["csat", "nps", "ces"]
_OBSERVED = [*TOUCHPOINTS, *BEHAVIOURS, *_OUTCOMES]
# latent location of each observed variable (before segment/period shifts)
_OFFSET = {
    "web": 0.25,
    "mobile_app": 0.40,
    "ivr": -0.45,
    "chatbot": -0.25,
    "agent_call": 0.20,
    "delivery": 0.35,
    "billing": -0.05,
    "product_knowledge": 0.30,
    "desire_to_help": 0.45,
    "sincere_interest": 0.10,
    "understands_expectations": 0.15,
    "respects_point_of_view": 0.50,
    "empowered_to_resolve": -0.10,
    "csat": 0.15,
    "nps": 0.10,
    "ces": 0.10,
}
_CUTS_5 = np.array([-1.9, -1.2, -0.45, 0.55])
_CUTS = {
    **{v: _CUTS_5 for v in [*TOUCHPOINTS, *BEHAVIOURS, "csat"]},
    "nps": np.array([-2.6, -2.2, -1.9, -1.6, -1.3, -0.95, -0.5, 0.05, 0.5, 1.05]),
    "ces": np.array([-1.8, -1.2, -0.7, -0.2, 0.4, 1.1]),
}
_LOWEST = {v: (0 if v == "nps" else 1) for v in _OBSERVED}
_SKIP_RATE = {
    "web": 0.03,
    "mobile_app": 0.08,
    "ivr": 0.06,
    "chatbot": 0.10,
    "agent_call": 0.02,
    "delivery": 0.02,
    "billing": 0.05,
    **{b: 0.02 for b in BEHAVIOURS},
    "csat": 0.0,
    "nps": 0.03,
    "ces": 0.04,
}

# ---- latent model: every latent is a linear form in independent standard normals ----------
_NON_AGENT = [t for t in TOUCHPOINTS if t != "agent_call"]
_BASE = ["g", "v", *[f"u_{t}" for t in _NON_AGENT], *[f"u_{b}" for b in BEHAVIOURS]]
_BASE += ["e_agent", "e_csat", "e_nps", "e_ces"]
_IDX = {name: i for i, name in enumerate(_BASE)}


def _unit(name: str) -> np.ndarray:
    e = np.zeros(len(_BASE))
    e[_IDX[name]] = 1.0
    return e


def _normalise(vec: np.ndarray) -> np.ndarray:
    return vec / np.linalg.norm(vec)


def _with_noise(signal: np.ndarray, noise: str, r2: float) -> np.ndarray:
    """Add independent noise so that the signal explains ``r2`` of the variance; unit variance."""
    s = np.linalg.norm(signal)
    noise_sd = s * np.sqrt((1 - r2) / r2)
    return _normalise(signal + noise_sd * _unit(noise))


@cache
def _loadings() -> np.ndarray:
    rows: dict[str, np.ndarray] = {}
    for t in _NON_AGENT:
        rows[t] = np.sqrt(0.3) * _unit("g") + np.sqrt(0.7) * _unit(f"u_{t}")
    h = 0.5 * _unit("g") + np.sqrt(0.75) * _unit("v")
    for b in BEHAVIOURS:
        rows[b] = np.sqrt(0.45) * h + np.sqrt(0.55) * _unit(f"u_{b}")
    agent = sum(BEHAVIOUR_WEIGHTS[b] * rows[b] for b in BEHAVIOURS)
    rows["agent_call"] = _with_noise(agent, "e_agent", 0.55)
    csat = sum(DRIVER_WEIGHTS[t] * rows[t] for t in TOUCHPOINTS)
    rows["csat"] = _with_noise(csat, "e_csat", 0.55)
    rows["nps"] = 0.8 * rows["csat"] + 0.6 * _unit("e_nps")
    ces = 0.45 * rows["ivr"] + 0.35 * rows["chatbot"] + 0.3 * rows["agent_call"]
    rows["ces"] = _with_noise(ces + 0.15 * rows["web"], "e_ces", 0.4)
    return np.vstack([rows[v] for v in _OBSERVED])


def _base_shift(segment: str, period: str) -> np.ndarray:
    """Mean of the base normals in a cell (the planted segment and period effects)."""
    mu = np.zeros(len(_BASE))
    if segment == "enterprise":
        mu[_IDX["u_delivery"]] += 0.4
        mu[_IDX["u_billing"]] -= 0.4
    if segment == "small_business":
        mu[_IDX["u_ivr"]] -= 0.35
    if period == DROP_PERIOD:
        mu[_IDX["u_delivery"]] -= 0.9
    return mu


def _cut(latent: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    return (latent[..., None] > cuts).sum(axis=-1)


def make_survey(n_respondents: int = 5000, *, seed: int = 7) -> pl.DataFrame:
    """A touchpoint-satisfaction survey with planted truth (see the module docstring).

    Parameters
    ----------
    n_respondents : int
        Number of rows.
    seed : int
        Random seed; the output is identical for the same arguments.

    Returns
    -------
    polars.DataFrame
        ============================== ==========================================================
        response_id                    ``"R000001"``, …
        customer_id                    ``"C…"`` (a customer may answer more than once)
        period                         month, ``"2025-07"`` … ``"2025-12"``
        segment                        consumer / small_business / enterprise
        weight                         survey weight (mean 1; down-weights business segments)
        web … billing                  seven touchpoint ratings 1–5 (Int64, null = skipped/no
                                       contact)
        product_knowledge … empowered  six agent behaviours 1–5 (null without agent contact)
        csat                           overall satisfaction 1–5
        nps                            likelihood to recommend 0–10
        ces                            "easy to deal with" 1–7 (7 = strongly agree)
        ============================== ==========================================================

    Examples
    --------
    >>> df = make_survey(200, seed=1)
    >>> df.shape, df["csat"].min() >= 1, df["nps"].max() <= 10
    ((200, 21), True, True)
    """
    if n_respondents < 1:
        raise bad_argument(
            "n_respondents",
            n_respondents,
            rule="n_respondents >= 1",
            hint="pass n_respondents=5000",
        )
    rng = np.random.default_rng(seed)
    n = int(n_respondents)
    seg_names = list(SEGMENTS)
    seg = rng.choice(len(seg_names), size=n, p=list(SEGMENTS.values()))
    per = rng.integers(0, len(PERIODS), size=n)
    base = rng.standard_normal((n, len(_BASE)))
    shifts = np.stack(
        [[_base_shift(s, p) for p in PERIODS] for s in seg_names]
    )  # (segment, period, base)
    base += shifts[seg, per]
    latent = base @ _loadings().T  # (n, observed)
    cols: dict[str, pl.Series] = {}
    contact = rng.random(n) < AGENT_CONTACT_RATE
    for j, v in enumerate(_OBSERVED):
        value = _LOWEST[v] + _cut(latent[:, j] + _OFFSET[v], _CUTS[v])
        missing = rng.random(n) < _SKIP_RATE[v]
        if v == "agent_call" or v in BEHAVIOURS:
            missing |= ~contact
        cols[v] = pl.Series(v, value, dtype=pl.Int64).scatter(np.flatnonzero(missing), None)
    seg_w = np.array([1.15, 0.85, 0.7])[seg] * rng.lognormal(0.0, 0.25, size=n)
    ids = np.arange(1, n + 1)
    customer = rng.integers(1, max(2, int(n * 0.9)), size=n)
    return pl.DataFrame(
        {
            "response_id": [f"R{i:06d}" for i in ids],
            "customer_id": [f"C{c:06d}" for c in customer],
            "period": np.array(PERIODS)[per],
            "segment": np.array(seg_names)[seg],
            "weight": seg_w / seg_w.mean(),
            **cols,
        }
    )


# ---- exact population moments of the observed ratings --------------------------------------
_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)


def _pair_cov(a: np.ndarray, b: np.ndarray, rho: float) -> float:
    """Cov of #(L1 > a_k) and #(L2 > b_l) for standard bivariate normal latents with corr rho.

    Plackett's identity: ∂Φ₂(h, k; r)/∂r = φ₂(h, k; r), so
    Cov(1{L1 > a}, 1{L2 > b}) = ∫₀^ρ φ₂(a, b; r) dr.
    """
    if rho == 0.0:
        return 0.0
    r = rho / 2 * (_GL_X + 1)
    w = rho / 2 * _GL_W
    aa, bb, rr = a[:, None, None], b[None, :, None], r[None, None, :]
    s = 1 - rr**2
    dens = np.exp(-(aa**2 - 2 * rr * aa * bb + bb**2) / (2 * s)) / (2 * np.pi * np.sqrt(s))
    return float(np.sum(dens * w))


def _cell_moments(mu_latent: np.ndarray, corr: np.ndarray):
    k = len(_OBSERVED)
    shifted = [_CUTS[v] - (_OFFSET[v] + mu_latent[j]) for j, v in enumerate(_OBSERVED)]
    mean = np.array([_LOWEST[v] + stats.norm.sf(shifted[j]).sum() for j, v in enumerate(_OBSERVED)])
    cov = np.zeros((k, k))
    for i in range(k):
        edges = np.concatenate([[-np.inf], shifted[i], [np.inf]])
        pmf = np.diff(stats.norm.cdf(edges))
        vals = np.arange(pmf.size)
        cov[i, i] = pmf @ vals**2 - (pmf @ vals) ** 2
        for j in range(i):
            cov[i, j] = cov[j, i] = _pair_cov(shifted[i], shifted[j], corr[i, j])
    return mean, cov


@cache
def _population() -> tuple[np.ndarray, np.ndarray]:
    load = _loadings()
    corr = load @ load.T
    means, covs, probs = [], [], []
    for s, ps in SEGMENTS.items():
        for p in (PERIODS[0], DROP_PERIOD):
            weight = ps * (1 if p == DROP_PERIOD else len(PERIODS) - 1) / len(PERIODS)
            m, c = _cell_moments(load @ _base_shift(s, p), corr)
            means.append(m)
            covs.append(c)
            probs.append(weight)
    probs = np.array(probs)
    means, covs = np.array(means), np.array(covs)
    grand = probs @ means
    dev = means - grand
    pooled = np.einsum("c,cij->ij", probs, covs) + np.einsum("c,ci,cj->ij", probs, dev, dev)
    return grand, pooled


def population_correlation() -> pl.DataFrame:
    """Exact population correlation matrix of the observed ratings (complete answers).

    Returns
    -------
    polars.DataFrame
        Column ``variable`` then one Float64 column per observed rating.

    Examples
    --------
    >>> population_correlation().filter(variable="csat")["csat"].item()
    1.0
    """
    _, cov = _population()
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    return pl.DataFrame({"variable": _OBSERVED}).hstack(
        pl.DataFrame(corr, schema=_OBSERVED, orient="row")
    )


def true_relative_weights(
    outcome: str = "csat", drivers: list[str] | None = None
) -> dict[str, float]:
    """The population relative weights (Johnson's ε) of ``drivers`` for ``outcome``.

    Computed from the exact population correlations of the observed ratings, so a correct
    estimator's bootstrap intervals should cover them.

    Parameters
    ----------
    outcome : str
        ``"csat"`` (default), ``"nps"``, ``"ces"``, ``"agent_call"``…
    drivers : list of str, optional
        Default: the seven touchpoints for csat/nps/ces, the six behaviours for agent_call.

    Returns
    -------
    dict
        driver → ε (their sum is the population R²).

    Examples
    --------
    >>> rw = true_relative_weights()
    >>> max(rw, key=rw.get)
    'agent_call'
    """
    if drivers is None:
        drivers = BEHAVIOURS if outcome == "agent_call" else TOUCHPOINTS
    _, cov = _population()
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    idx = [_OBSERVED.index(d) for d in drivers]
    y = _OBSERVED.index(outcome)
    eps = relative_weights(corr[np.ix_(idx, idx)], corr[idx, y])
    return {d: float(e) for d, e in zip(drivers, eps, strict=True)}
