"""Proportional-odds (ordinal logistic) comparison of arms, fitted on category counts."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from cxkit.errors import CxDataError
from cxkit.experiment.aggregate import _check_columns, _lazy, _num

__all__ = ["proportional_odds"]


def _negloglik(params: np.ndarray, counts: np.ndarray) -> float:
    """counts: (2, K) control/treatment × category; params: θ₁, log-gaps…, β."""
    k = counts.shape[1]
    theta = np.cumsum(np.concatenate([params[:1], np.exp(params[1 : k - 1])]))
    beta = params[-1]
    from scipy import special  # loaded when first needed: the A/B path stays scipy-free

    ll = 0.0
    for g, shift in ((0, 0.0), (1, beta)):
        cdf = np.concatenate([[0.0], special.expit(theta - shift), [1.0]])
        prob = np.clip(np.diff(cdf), 1e-300, None)
        ll += float(counts[g] @ np.log(prob))
    return -ll


def _fit(counts: np.ndarray, alpha: float) -> dict[str, float]:
    from scipy import optimize, special, stats  # loaded when first needed

    pooled = counts.sum(axis=0).cumsum()[:-1] / counts.sum()
    theta0 = special.logit(np.clip(pooled, 1e-6, 1 - 1e-6))
    start = np.concatenate([theta0[:1], np.log(np.maximum(np.diff(theta0), 1e-3)), [0.0]])
    res = optimize.minimize(
        _negloglik, start, args=(counts,), method="BFGS", options={"gtol": 1e-8}
    )
    # the Hessian in the θ₁ / log-gap parametrisation gives the same variance for β
    from statsmodels.tools.numdiff import approx_hess3  # statsmodels loads when needed

    hess = approx_hess3(res.x, _negloglik, args=(counts,))
    se = float(np.sqrt(np.linalg.inv(hess)[-1, -1]))
    beta = float(res.x[-1])
    z = stats.norm.isf(alpha / 2)
    return {
        "log_odds_ratio": beta,
        "se": se,
        "ci_low": beta - z * se,
        "ci_high": beta + z * se,
        "odds_ratio": float(np.exp(beta)),
        "p_value": float(2 * stats.norm.sf(abs(beta / se))),
    }


def proportional_odds(
    data: Any,
    *,
    column: str,
    control: Any,
    arm: str = "arm",
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Proportional-odds model of an ordinal rating: each treatment arm against control.

    ``P(Y ≤ k) = logistic(θ_k − β·treatment)``, fitted by maximum likelihood on the category
    counts (so it costs the same for 1,000 or 100 million answers); Wald CI and test for β.
    A positive ``log_odds_ratio`` means higher ratings under treatment. Same parametrisation
    as statsmodels ``OrderedModel(distr="logit")``.

    Returns
    -------
    polars.DataFrame
        One row per treatment arm, sorted by arm: ``metric``, ``arm`` (String),
        ``n_control``, ``n_treatment``, ``log_odds_ratio``, ``se``, ``ci_low``, ``ci_high``
        (on the log-odds scale), ``odds_ratio``, ``p_value``.

    Examples
    --------
    >>> df = pl.DataFrame({"arm": ["a"] * 6 + ["b"] * 6, "csat": [1, 2, 2, 3, 3, 4, 2, 3, 3, 4, 4, 5]})
    >>> round(proportional_odds(df, column="csat", control="a")["odds_ratio"].item(), 2)
    5.7
    """
    lf = _lazy(data)
    schema = lf.collect_schema()
    _check_columns(schema, [arm, column], "arm label / rating", "column")
    y = _num(column, schema, f"metric {column!r}")
    counts = (
        lf.select(pl.col(arm).cast(pl.String).alias("arm"), y.alias("y"))
        .filter(pl.col("y").is_not_null())
        .group_by("arm", "y")
        .agg(pl.len().alias("n"))
        .collect()
    )
    cats = sorted(counts["y"].unique().to_list())
    arms = sorted(counts["arm"].unique().to_list())
    control = str(control)
    if control not in arms:
        raise CxDataError(
            f"The control arm {control!r} has no ratings in {column!r}.",
            column=arm,
            rule="control names one of the arms",
            examples=arms,
        )
    if len(cats) < 2:
        raise CxDataError(
            f"{column!r} has fewer than two categories.", column=column, rule="ordinal outcome"
        )
    table = counts.pivot(on="y", index="arm", values="n").fill_null(0)
    lookup = {
        r[0]: np.array(r[1:], dtype=float)
        for r in table.select("arm", *[str(c) for c in cats]).iter_rows()
    }
    rows = []
    for a in arms:
        if a == control:
            continue
        c = np.stack([lookup[control], lookup[a]])
        rows.append(
            {
                "metric": column,
                "arm": a,
                "n_control": int(c[0].sum()),
                "n_treatment": int(c[1].sum()),
                **_fit(c, alpha),
            }
        )
    schema_out = {
        "metric": pl.String,
        "arm": pl.String,
        "n_control": pl.Int64,
        "n_treatment": pl.Int64,
        "log_odds_ratio": pl.Float64,
        "se": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "odds_ratio": pl.Float64,
        "p_value": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema_out)
