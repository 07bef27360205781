"""Retention curves (Kaplan–Meier), their summary (median lifetime, retention at horizons) and
the log-rank test across groups.

The data are first counted in polars — customers per (group, time, event) — and the
product-limit estimator runs on those counts (statsmodels ``SurvfuncRight`` with frequency
weights). Intervals are R's ``survfit`` default: Greenwood's variance on the log scale
(``conf.type = "log"``), ``S · exp(± z · √Σ d / (n (n − d)))``, capped at 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from cxkit.errors import CxDataError
from cxkit.loyalty._inputs import (
    GROUP,
    as_list,
    check_binary,
    check_duration,
    drop_blanks,
    load,
)

__all__ = ["logrank", "retention", "retention_summary", "survival_data"]

ALL = "all customers"
_EPS = 1e-9


def survival_data(
    customers: Any,
    *,
    duration: str,
    event: str,
    by: str | Sequence[str] | None = None,
    extra: Sequence[str] = (),
    source: str = "customers",
) -> pl.DataFrame:
    """Checked survival columns: ``group`` (str), ``time`` (float), ``event`` (Int8) + ``extra``.

    Negative durations and events not coded 0/1 / true/false raise ``CxDataError``; rows blank
    in the duration, the event or a ``by`` column are left out with a ``CxDataWarning``.
    """
    groups = as_list(by)
    cols = {duration: ("duration", "duration"), event: ("event", "event")}
    cols |= {g: ("group", "by") for g in groups}
    cols |= {c: ("factor", "factors") for c in extra if c not in cols}
    frame = load(customers, cols, what=source)
    check_duration(frame, duration, source=source)
    ev = check_binary(frame, event, role="event (1 = the customer left)", source=source)
    frame = drop_blanks(frame, list(dict.fromkeys([duration, event, *groups])), source=source)
    label = (
        pl.concat_str(
            [pl.lit(f"{g} = ") + pl.col(g).cast(pl.String) for g in groups], separator=" · "
        )
        if groups
        else pl.lit(ALL)
    )
    return frame.select(
        label.alias(GROUP),
        pl.col(duration).cast(pl.Float64).alias("time"),
        ev.alias("event"),
        *[pl.col(c) for c in extra if c not in (duration, event)],
    )


def _counts(data: pl.DataFrame) -> pl.DataFrame:
    return (
        data.group_by(GROUP, "time", "event")
        .agg(pl.len().alias("count"))
        .sort(GROUP, "time", "event")
    )


def _curve(counts: pl.DataFrame, z: float) -> pl.DataFrame:
    """One group's KM curve at its event times, from (time, event, count) rows."""
    fit = SurvfuncRight(
        counts["time"].to_numpy(),
        counts["event"].to_numpy().astype(float),
        freq_weights=counts["count"].to_numpy().astype(float),
    )
    n, d, s = fit.n_risk, fit.n_events, fit.surv_prob
    with np.errstate(divide="ignore", invalid="ignore"):
        se_log = np.sqrt(np.cumsum(d / (n * (n - d))))  # Greenwood, log scale (R survfit)
        low = s * np.exp(-z * se_log)
        high = np.minimum(1.0, s * np.exp(z * se_log))
    bad = ~np.isfinite(se_log) | (s <= 0)
    return pl.DataFrame(
        {
            "time": fit.surv_times.astype(float),
            "at_risk": np.rint(n).astype(np.int64),
            "events": np.rint(d).astype(np.int64),
            "retention": s,
            "ci_low": np.where(bad, np.nan, low),
            "ci_high": np.where(bad, np.nan, high),
        }
    ).with_columns(pl.col("ci_low", "ci_high").fill_nan(None))


def retention(
    customers: Any,
    *,
    duration: str = "tenure",
    event: str = "churned",
    by: str | Sequence[str] | None = None,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Kaplan–Meier retention curves with pointwise intervals, per group.

    Parameters
    ----------
    customers : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table
        One row per customer.
    duration : str
        Time as a customer (≥ 0, in one unit, e.g. months): until leaving when ``event`` is 1,
        until the end of observation otherwise (censored).
    event : str
        1 / true when the customer left (churned), 0 / false when still a customer.
    by : str or list of str, optional
        Customer attributes or experience flags (``experience_flags``) to group by; the group
        label is ``"column = value"``, several joined with ``" · "``.
    alpha : float
        1 − confidence level.

    Returns
    -------
    polars.DataFrame
        One row per group and event time, sorted by group and time:

        ========================  ==========================================================
        ``group``                 the group label (``"all customers"`` without ``by``)
        ``time``                  an event time (Float64, the unit of ``duration``)
        ``at_risk``               customers still there just before ``time``
        ``events``                customers who left at ``time``
        ``retention``             Kaplan–Meier share still a customer after ``time`` (0–1)
        ``ci_low``, ``ci_high``   pointwise interval (Greenwood, log scale as R's survfit)
        ========================  ==========================================================

    Raises
    ------
    CxDataError
        Negative durations; events not 0/1 or true/false; a missing column.

    Examples
    --------
    >>> import polars as pl
    >>> cu = pl.DataFrame({"tenure": [1, 2, 2, 3, 4, 5], "churned": [1, 1, 0, 1, 0, 0]})
    >>> retention(cu).select("time", "at_risk", "retention").rows()
    [(1.0, 6, 0.8333...), (2.0, 5, 0.6666...), (3.0, 3, 0.4444...)]
    """
    data = survival_data(customers, duration=duration, event=event, by=by)
    return _curves(data, alpha)


def _curves(data: pl.DataFrame, alpha: float) -> pl.DataFrame:
    """KM curves of every group of checked ``survival_data``."""
    z = stats.norm.ppf(1 - alpha / 2)
    counts = _counts(data)
    parts = [
        _curve(part, z).select(pl.lit(key[0]).alias(GROUP), pl.all())
        for key, part in counts.group_by(GROUP, maintain_order=True)
        if part["event"].sum() > 0
    ]
    if not parts:
        return pl.DataFrame(
            schema={GROUP: pl.String, "time": pl.Float64, "at_risk": pl.Int64,
                    "events": pl.Int64, "retention": pl.Float64, "ci_low": pl.Float64,
                    "ci_high": pl.Float64}
        )  # fmt: skip
    return pl.concat(parts).sort(GROUP, "time")


def _first_at_or_below(times: np.ndarray, values: np.ndarray, level: float) -> float | None:
    """R's quantile rule: the first time the curve reaches ``level``; the midpoint to the next
    time when it sits exactly on it."""
    hit = np.flatnonzero(values <= level + _EPS)
    if hit.size == 0:
        return None
    i = hit[0]
    if abs(values[i] - level) < _EPS and i + 1 < times.size:
        return float((times[i] + times[i + 1]) / 2)
    return float(times[i])


def _at(times: np.ndarray, values: np.ndarray, h: float, start: float) -> float:
    i = np.searchsorted(times, h, side="right") - 1
    return start if i < 0 else float(values[i])


def _summary_rows(group: str, curve: pl.DataFrame, info: dict, horizons: Sequence[float]):
    t = curve["time"].to_numpy()
    cols = [curve[c].fill_null(np.nan).to_numpy() for c in ("retention", "ci_low", "ci_high")]
    rows = [
        {
            GROUP: group,
            "measure": "median_lifetime",
            "horizon": None,
            "n": info["n"],
            "events": info["events"],
            "estimate": _first_at_or_below(t, cols[0], 0.5),
            "ci_low": _first_at_or_below(t, cols[1], 0.5),  # the lower band reaches 0.5 first
            "ci_high": _first_at_or_below(t, cols[2], 0.5),
        }
    ]
    for h in horizons:
        ok = h <= info["max_time"]
        est, lo, hi = (_at(t, c, h, 1.0) if ok else None for c in cols)
        rows.append(
            {GROUP: group, "measure": "retention", "horizon": float(h), "n": info["n"],
             "events": info["events"], "estimate": est, "ci_low": lo, "ci_high": hi}
        )  # fmt: skip
    return rows


def retention_summary(
    customers: Any,
    *,
    duration: str = "tenure",
    event: str = "churned",
    by: str | Sequence[str] | None = None,
    horizons: Sequence[float] = (3, 6, 12),
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Median lifetime and retention at ``horizons``, with intervals, per group.

    The median is R's rule (the first time the curve is at or below 0.5); its interval is
    where the pointwise band crosses 0.5 (as R's ``survfit`` prints). Retention at a horizon
    is the curve's value there; a horizon beyond a group's longest follow-up is null.

    Parameters
    ----------
    customers, duration, event, by, alpha
        As in :func:`retention`.
    horizons : sequence of float
        Times (in the unit of ``duration``) at which to read the curves.

    Returns
    -------
    polars.DataFrame
        One row per group and measure:

        ========================  ==========================================================
        ``group``                 the group label
        ``measure``               ``"median_lifetime"`` or ``"retention"``
        ``horizon``               the time read (null for the median)
        ``n``, ``events``         customers in the group, and how many left
        ``estimate``              median lifetime (null when retention never falls to 50 %)
                                  or retention at ``horizon`` (0–1)
        ``ci_low``, ``ci_high``   its interval (null when not reached)
        ========================  ==========================================================

    Examples
    --------
    >>> import polars as pl
    >>> cu = pl.DataFrame({"tenure": [1, 2, 2, 3, 4, 5], "churned": [1, 1, 0, 1, 0, 0]})
    >>> s = retention_summary(cu, horizons=[2])
    >>> s.select("measure", "horizon", "estimate").rows()
    [('median_lifetime', None, 3.0), ('retention', 2.0, 0.6666...)]
    """
    data = survival_data(customers, duration=duration, event=event, by=by)
    curves = _curves(data, alpha)
    info = data.group_by(GROUP).agg(
        n=pl.len(), events=pl.col("event").sum().cast(pl.Int64), max_time=pl.col("time").max()
    )
    rows = []
    for row in info.sort(GROUP).iter_rows(named=True):  # one iteration per group
        curve = curves.filter(pl.col(GROUP) == row[GROUP])
        rows += _summary_rows(row[GROUP], curve, row, horizons)
    schema = {GROUP: pl.String, "measure": pl.String, "horizon": pl.Float64, "n": pl.Int64,
              "events": pl.Int64, "estimate": pl.Float64, "ci_low": pl.Float64,
              "ci_high": pl.Float64}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def logrank(
    customers: Any,
    *,
    duration: str = "tenure",
    event: str = "churned",
    by: str | Sequence[str],
    strata: str | None = None,
) -> pl.DataFrame:
    """Log-rank test that retention is the same in every group (statsmodels ``survdiff``,
    R's ``survdiff(rho = 0)``).

    Parameters
    ----------
    customers, duration, event, by
        As in :func:`retention`; ``by`` is required (at least two groups).
    strata : str, optional
        A column to stratify by (the test compares groups within each stratum).

    Returns
    -------
    polars.DataFrame
        One row: ``by``, ``n_groups``, ``n``, ``events``, ``statistic`` (chi-square),
        ``df`` (groups − 1), ``p_value``.

    Examples
    --------
    >>> import polars as pl
    >>> cu = pl.DataFrame({"tenure": [1, 2, 3, 4, 5, 6, 7, 8], "churned": [1] * 8,
    ...                    "complained": [1, 1, 1, 0, 1, 0, 0, 0]})
    >>> logrank(cu, by="complained").select("n_groups", "df").rows()
    [(2, 1)]
    """
    data = survival_data(customers, duration=duration, event=event, by=by, extra=as_list(strata))
    n_groups = data[GROUP].n_unique()
    if n_groups < 2:
        raise CxDataError(
            f"logrank() needs at least two groups in {as_list(by)}; found {n_groups}.",
            column=", ".join(as_list(by)),
            rule="a comparison needs two or more groups",
            hint="group by a column that varies",
        )
    codes = data[GROUP].cast(pl.Categorical).to_physical().to_numpy()
    stat, p = survdiff(
        data["time"].to_numpy(),
        data["event"].to_numpy().astype(float),
        codes,
        strata=None if strata is None else data[strata].cast(pl.String).to_numpy(),
    )
    return pl.DataFrame(
        {
            "by": [", ".join(as_list(by))],
            "n_groups": [n_groups],
            "n": [data.height],
            "events": [int(data["event"].sum())],
            "statistic": [float(stat)],
            "df": [n_groups - 1],
            "p_value": [float(p)],
        }
    )
