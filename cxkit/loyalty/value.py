"""Value at stake: the money that goes with a bad experience's excess outcome rate.

For each experience (``exposure``) and segment: the outcome rate of the exposed minus that of
the unexposed (the *excess rate*), × the customers exposed, × their mean value (revenue, margin
or CLV) — the value at stake. With ``adjust_for``, the excess is directly standardised to the
exposed: the stratum differences weighted by the exposed customers in each stratum (what the
exposed would have had without the experience, had they the outcome rate of unexposed
customers like them).

It is an **association, not a causal effect**: exposed customers may differ in ways
``adjust_for`` does not capture. What makes it causal is an A/B test of the fix
(``cx.experiment``).

Everything is computed from sufficient statistics (per stratum: n, Σy, Σv, Σv², Σyv of the
exposed; n, Σy of the unexposed), aggregated in polars.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from cxkit import metrics
from cxkit._frames import base_flag
from cxkit.errors import CxDataError
from cxkit.loyalty._inputs import as_list, check_binary, check_value, drop_blanks, load, warn

__all__ = ["value_at_stake"]


def _check_exposure(frame: pl.DataFrame, column: str) -> None:
    n_exp = frame.select(pl.col(column).cast(pl.Int8).sum()).item()
    if n_exp in (0, frame.height):
        who = "nobody" if n_exp == 0 else "everybody"
        raise CxDataError(
            f"Exposure {column!r}: {who} has it ({n_exp:,} of {frame.height:,} customers), so "
            "there is no one to compare with.",
            source="customers",
            column=column,
            rule="an exposure splits the customers into exposed and unexposed",
            n_rows=frame.height if n_exp else 0,
            examples=frame.select(column).head(3).to_dicts(),
            hint="check the flag (experience_flags) or pick an experience some customers had",
        )


def _strata(frame: pl.DataFrame, exposures, outcome, value, keys) -> pl.DataFrame:
    """One row per (exposure, by…, adjust…) with the exposed and unexposed sums."""
    y, v = pl.col(outcome).cast(pl.Float64), pl.col(value).cast(pl.Float64)
    parts = []
    for e in exposures:  # one pass per exposure (a handful), each a group-by
        parts.append(
            frame.lazy()
            .group_by([*keys, pl.col(e).cast(pl.Int8).alias("exposed")])
            .agg(n=pl.len(), y=y.sum(), v=v.sum(), vv=(v * v).sum(), yv=(y * v).sum())
            .with_columns(exposure=pl.lit(e))
        )
    long = pl.concat(pl.collect_all(parts), how="vertical_relaxed")
    ex = long.filter(pl.col("exposed") == 1).drop("exposed")
    un = long.filter(pl.col("exposed") == 0).select(
        "exposure", *keys, n0="n", y0="y", v0="v"
    )  # fmt: skip
    return ex.join(un, on=["exposure", *keys], how="full", coalesce=True, nulls_equal=True)


def _per_stratum(st: pl.DataFrame) -> pl.DataFrame:
    n1, n0 = pl.col("n").fill_null(0).cast(pl.Float64), pl.col("n0").fill_null(0).cast(pl.Float64)
    p1, p0, m = pl.col("y") / n1, pl.col("y0") / n0, pl.col("v") / n1
    var_v = (pl.col("vv") - n1 * m * m) / (n1 - 1)
    cov_yv = (pl.col("yv") - n1 * p1 * m) / (n1 - 1)
    d = p1 - p0
    var_d = p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0
    var_vas = n1 * n1 * (m * m * var_d + d * d * var_v / n1 + 2 * m * d * cov_yv / n1)
    usable = (n1 > 0) & (n0 > 0)
    return st.with_columns(
        n1=n1, n0=n0, usable=usable, d=d, var_d=var_d, m=m,
        vas=n1 * d * m, var_vas=var_vas.fill_nan(0.0),
    )  # fmt: skip


def value_at_stake(
    customers: Any,
    *,
    exposure: str | Sequence[str],
    outcome: str,
    value: str,
    by: str | Sequence[str] | None = None,
    adjust_for: str | Sequence[str] | None = None,
    alpha: float = 0.05,
    min_base: int = 30,
) -> pl.DataFrame:
    """The excess outcome rate of each experience and the value that goes with it.

    ``value_at_stake = excess_rate × n_exposed × mean value of the exposed``. Its interval is
    the delta method (normal approximation) on the sufficient statistics, counting the
    sampling error of both rates and of the mean value (and their covariance among the
    exposed); the number of customers exposed is taken as fixed ("at current volumes"). The
    excess rate's interval is Newcombe's hybrid score interval without ``adjust_for``, the
    Wald interval of the standardised difference with it. Coverage of both is checked by
    simulation in the tests.

    This is an association, not a causal effect: exposed customers may differ in ways
    ``adjust_for`` does not capture; an A/B test of the fix (``cx.experiment``) makes it causal.

    Parameters
    ----------
    customers : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table
        One row per customer (e.g. from :func:`~cxkit.loyalty.experience_flags`).
    exposure : str or list of str
        The experience flags (0/1 or true/false): one result row per flag (and segment).
    outcome : str
        The bad outcome, 0/1 or true/false (``churned``).
    value : str
        What a customer is worth (revenue, margin or CLV; ≥ 0 expected — negatives warn).
    by : str or list of str, optional
        Segments: one row per exposure and segment.
    adjust_for : str or list of str, optional
        Strata to standardise over (direct standardisation to the exposed). Exposed customers
        in strata with no unexposed customer cannot be compared and are left out, with a
        warning.
    alpha : float
        1 − confidence level.
    min_base : int
        ``base_flag`` is ``"suppressed"`` (and estimates null) when fewer exposed or
        unexposed customers than this.

    Returns
    -------
    polars.DataFrame
        One row per ``by`` group and exposure, by ``value_at_stake`` (largest first):

        ============================  ======================================================
        ``by`` columns                the segment
        ``exposure``                  the experience (its column name)
        ``n``                         customers compared
        ``n_exposed``, ``n_unexposed``  customers with and without the experience
        ``rate_exposed``              outcome rate of the exposed (0–1)
        ``rate_unexposed``            of the unexposed (standardised to the exposed with
                                      ``adjust_for``)
        ``rate_ratio``                ``rate_exposed / rate_unexposed`` ("2.9× as often")
        ``excess_rate``               ``rate_exposed − rate_unexposed``
        ``excess_ci_low/high``        its interval
        ``p_value``                   test of ``excess_rate = 0``
        ``value_per_exposed``         mean ``value`` of the exposed
        ``value_at_stake``            ``excess_rate × n_exposed × value_per_exposed``
        ``ci_low``, ``ci_high``       interval of ``value_at_stake``
        ``base_flag``                 ``"ok"`` or ``"suppressed"`` (below ``min_base``)
        ============================  ======================================================

    Raises
    ------
    CxDataError
        An exposure that nobody or everybody has; an outcome or exposure not 0/1; a
        non-numeric value.

    Examples
    --------
    >>> import polars as pl
    >>> cu = pl.DataFrame({"complained": [1] * 4 + [0] * 6, "churned": [1, 1, 0, 0] + [1] + [0] * 5,
    ...                    "revenue": [100.0] * 10})
    >>> v = value_at_stake(cu, exposure="complained", outcome="churned", value="revenue", min_base=1)
    >>> v.select("rate_exposed", "rate_unexposed", "excess_rate", "value_at_stake").rows()
    [(0.5, 0.1666..., 0.3333..., 133.33...)]
    """
    exposures, groups, adjust = as_list(exposure), as_list(by), as_list(adjust_for)
    cols = {e: ("exposure", "exposure") for e in exposures}
    cols |= {outcome: ("outcome", "outcome"), value: ("value", "value")}
    cols |= {c: ("segment", "by") for c in groups} | {c: ("stratum", "adjust_for") for c in adjust}
    frame = load(customers, cols)
    for e in exposures:
        frame = frame.with_columns(check_binary(frame, e, role="exposure", source="customers"))
    frame = frame.with_columns(
        check_binary(frame, outcome, role="outcome (1 = it happened)", source="customers")
    )
    check_value(frame, value, source="customers")
    frame = drop_blanks(frame, list(cols), source="customers")
    for e in exposures:
        _check_exposure(frame, e)
    st = _per_stratum(_strata(frame, exposures, outcome, value, [*groups, *adjust]))
    _warn_unusable(st, adjust)
    return _combine(st, groups, adjust, alpha, min_base)


def _warn_unusable(st: pl.DataFrame, adjust: list[str]) -> None:
    if not adjust:
        return
    lost = st.filter(~pl.col("usable") & (pl.col("n1") > 0))
    if lost.height:
        n_lost = int(lost["n1"].sum())
        warn(
            f"value_at_stake(): {n_lost:,} exposed customer(s) are in {', '.join(adjust)} "
            "strata without unexposed customers; they cannot be compared and are left out."
        )


def _combine(st: pl.DataFrame, groups, adjust, alpha: float, min_base: int) -> pl.DataFrame:
    u = pl.col("usable")
    w = pl.when(u).then(pl.col("n1"))
    summed = (
        st.group_by(["exposure", *groups], maintain_order=True)
        .agg(
            n_exposed=w.sum(),
            n_unexposed=pl.when(u).then(pl.col("n0")).sum(),
            y1=pl.when(u).then(pl.col("y")).sum(),
            y0=pl.when(u).then(pl.col("y0")).sum(),
            excess_rate=(w * pl.col("d")).sum() / w.sum(),
            var_excess=(w * w * pl.col("var_d")).sum() / w.sum().pow(2),
            value_sum=pl.when(u).then(pl.col("v")).sum(),
            value_at_stake=pl.when(u).then(pl.col("vas")).sum(),
            var_vas=pl.when(u).then(pl.col("var_vas")).sum(),
        )
        .with_columns(pl.col("n_exposed", "n_unexposed").cast(pl.Int64))
    )
    z = stats.norm.ppf(1 - alpha / 2)
    n1, n0 = summed["n_exposed"].to_numpy(), summed["n_unexposed"].to_numpy()
    y1, y0 = summed["y1"].to_numpy(), summed["y0"].to_numpy()
    ex, se_ex = summed["excess_rate"].to_numpy(), np.sqrt(summed["var_excess"].to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        if adjust:
            lo, hi = ex - z * se_ex, ex + z * se_ex
            p = 2 * stats.norm.sf(np.abs(ex / se_ex))
        else:
            lo, hi = metrics.newcombe_interval(y0, n0, y1, n1, alpha=alpha)
            p = metrics.two_proportion_p(y0, n0, y1, n1)
    se_v = np.sqrt(summed["var_vas"].to_numpy())
    out = summed.with_columns(
        n=pl.col("n_exposed") + pl.col("n_unexposed"),
        rate_exposed=pl.col("y1") / pl.col("n_exposed"),
        excess_ci_low=lo, excess_ci_high=hi, p_value=p,
        value_per_exposed=pl.col("value_sum") / pl.col("n_exposed"),
        ci_low=summed["value_at_stake"].to_numpy() - z * se_v,
        ci_high=summed["value_at_stake"].to_numpy() + z * se_v,
        base_flag=base_flag(pl.min_horizontal("n_exposed", "n_unexposed"), min_base),
    ).with_columns(rate_unexposed=pl.col("rate_exposed") - pl.col("excess_rate"))  # fmt: skip
    out = out.with_columns(rate_ratio=pl.col("rate_exposed") / pl.col("rate_unexposed"))
    estimates = ["rate_exposed", "rate_unexposed", "rate_ratio", "excess_rate", "excess_ci_low",
                 "excess_ci_high", "p_value", "value_per_exposed", "value_at_stake", "ci_low",
                 "ci_high"]  # fmt: skip
    out = out.with_columns(
        pl.when(pl.col("base_flag") == "ok").then(pl.col(c)).fill_nan(None).alias(c)
        for c in estimates
    )
    cols = [*groups, "exposure", "n", "n_exposed", "n_unexposed", *estimates, "base_flag"]
    return out.select(cols).sort(
        ["value_at_stake", *groups, "exposure"], descending=[True] + [False] * (len(groups) + 1),
        nulls_last=True,
    )  # fmt: skip
