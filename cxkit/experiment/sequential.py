"""Sequential monitoring: always-valid confidence sequences from per-period sufficient statistics.

Service teams look at results every week. A 95 % interval recomputed at every look and read
as if it were the only one covers the truth far less than 95 % of the time over the whole
experiment, and "significant at some look" happens far more often than α under no effect.
:func:`monitor` gives, at every look, an interval and p-value that stay valid however often
one looks and whenever one stops:

* the asymptotic confidence sequence of the normal-mixture boundary (Howard, Ramdas,
  McAuliffe & Sekhon 2021, "Time-uniform, nonparametric, nonasymptotic confidence sequences",
  eq. 14; Waudby-Smith et al. 2023, "Time-uniform central limit theory"), as GrowthBook's
  sequential testing uses it: with ``N`` units so far, ``V`` the variance of the effect and
  ``s² = N·V``, the half-width is

  ``s · √( 2(Nρ² + 1) / (N²ρ²) · log(√(Nρ² + 1) / α) )``,

  where ``ρ² = (−2 log α + log(−2 log α + 1)) / n*`` makes it tightest at ``n*`` units
  (``planned_n``);
* the always-valid p-value is the smallest α whose sequence excludes 0 at some look so far:
  ``p_t = min(1, √(Nρ² + 1) · exp(−effect² N² ρ² / (2 s² (Nρ² + 1))))``, its running minimum;
  the reported interval is the running intersection, so the two agree.

Everything runs on cumulative ``n, Σy, Σy²`` per arm and period (one polars ``group_by``), and
:func:`confidence_sequence` is vectorised over any leading axes (the calibration runs
thousands of experiments at once).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

from cxkit.errors import CxDataError
from cxkit.experiment.aggregate import _check_columns, _lazy, _num
from cxkit.experiment.spec import Metric, as_metrics

__all__ = ["MONITOR_COLUMNS", "SEQUENTIAL_KINDS", "confidence_sequence", "monitor"]

#: Metric kinds :func:`monitor` accepts.
SEQUENTIAL_KINDS = ("proportion", "mean")
#: Columns of :func:`monitor`, in order.
MONITOR_COLUMNS = [
    "metric",
    "arm",
    "period",
    "n_control",
    "n_treatment",
    "control_value",
    "treatment_value",
    "effect",
    "ci_low",
    "ci_high",
    "p_value",
    "naive_ci_low",
    "naive_ci_high",
    "naive_p_value",
]


def _rho2(alpha: float, planned_n: float) -> float:
    """Mixture variance ρ² tuned to be tightest at ``planned_n`` units (Howard et al. 2021)."""
    la = -2 * math.log(alpha)
    return (la + math.log(la + 1)) / planned_n


def confidence_sequence(
    n0, s0, ss0, n1, s1, ss1, *, alpha: float = 0.05, planned_n: float | None = None
) -> dict[str, np.ndarray]:
    """Always-valid interval and p-value of a difference of means, look by look.

    Parameters
    ----------
    n0, s0, ss0, n1, s1, ss1 : arrays (..., K)
        Cumulative units, Σy and Σy² of control (0) and treatment (1) at each of K looks
        (the last axis). Proportions are means of 0/1 values.
    alpha : float
        Error level: over all looks together, the sequence misses the truth with
        probability at most about ``alpha``.
    planned_n : float, optional
        Units (both arms) at which the sequence is tightest (default: the last look's).

    Returns
    -------
    dict of arrays (..., K)
        ``effect``, ``se`` (the fixed-horizon SE), ``ci_low``, ``ci_high`` (running
        intersection), ``p_value`` (always valid, running minimum), ``naive_ci_low``,
        ``naive_ci_high``, ``naive_p_value`` (the fixed-horizon z interval and test at each
        look, invalid under peeking; for comparison).

    Examples
    --------
    >>> cs = confidence_sequence([100, 200], [50, 100], [50, 100], [100, 200], [60, 130],
    ...                          [60, 130], planned_n=400)
    >>> [round(float(v), 3) for v in cs["ci_low"]], [round(float(v), 3) for v in cs["p_value"]]
    ([-0.117, 0.001], [0.995, 0.046])
    """
    from scipy import stats

    a = [np.asarray(v, float) for v in (n0, s0, ss0, n1, s1, ss1)]
    n0, s0, ss0, n1, s1, ss1 = a
    with np.errstate(divide="ignore", invalid="ignore"):
        m0, m1 = s0 / n0, s1 / n1
        v0 = (ss0 - n0 * m0**2) / (n0 - 1) / n0
        v1 = (ss1 - n1 * m1**2) / (n1 - 1) / n1
        effect, var = m1 - m0, v0 + v1
        big_n = n0 + n1
        pn = big_n[..., -1:] if planned_n is None else planned_n
        rho2 = _rho2(alpha, 1.0) / pn
        s2 = var * big_n
        nr = big_n * rho2 + 1
        half = np.sqrt(s2 * 2 * nr / (big_n**2 * rho2) * np.log(np.sqrt(nr) / alpha))
        log_p = 0.5 * np.log(nr) - effect**2 * big_n**2 * rho2 / (2 * s2 * nr)
        p = np.minimum(1.0, np.exp(log_p))
        z = stats.norm.isf(alpha / 2)
        se = np.sqrt(var)
        naive_p = 2 * stats.norm.sf(np.abs(effect) / se)
    lo, hi = effect - half, effect + half
    return {
        "effect": effect,
        "se": se,
        "ci_low": np.fmax.accumulate(np.nan_to_num(lo, nan=-np.inf), axis=-1),
        "ci_high": np.fmin.accumulate(np.nan_to_num(hi, nan=np.inf), axis=-1),
        "p_value": np.fmin.accumulate(np.nan_to_num(p, nan=1.0), axis=-1),
        "naive_ci_low": effect - z * se,
        "naive_ci_high": effect + z * se,
        "naive_p_value": naive_p,
    }


def _cumulative(lf, m: Metric, arm: str, period: str, schema) -> pl.DataFrame:
    """Cumulative n, Σy, Σy² per arm at every period (one group_by, then cum_sum)."""
    y = _num(m.column, schema, f"metric {m.label!r}")
    keys = [pl.col(arm).cast(pl.String).alias("arm"), pl.col(period).alias("period")]
    per = (
        lf.filter(pl.col(m.column).is_not_null())
        .group_by(keys)
        .agg(y.count().alias("n"), y.sum().alias("s"), (y * y).sum().alias("ss"))
        .collect()
    )
    periods = per.select(pl.col("period").unique().sort())
    grid = periods.join(per.select(pl.col("arm").unique()), how="cross")
    full = grid.join(per, on=["arm", "period"], how="left").fill_null(0)
    return full.sort("arm", "period").with_columns(pl.col("n", "s", "ss").cum_sum().over("arm"))


def monitor(
    data: Any,
    *,
    arm: str = "arm",
    control: Any,
    metrics: Mapping[str, Any],
    period: str,
    alpha: float = 0.05,
    planned_n: float | None = None,
) -> pl.DataFrame:
    """Always-valid confidence sequences for proportions and means, look by look.

    Parameters
    ----------
    data : frame
        One row per unit with the ``arm``, ``period`` and metric columns (independent
        units; the sequence does not model clusters).
    arm, control : str
        Arm column and control label; every other arm is compared with it.
    metrics : mapping
        Column → ``"proportion"`` or ``"mean"`` (or a :class:`Metric` of those kinds).
    period : str
        The look column (week number, date): results are cumulative up to each value.
    alpha : float
        Over all looks together the sequence misses the truth with probability ≤ alpha.
    planned_n : float, optional
        Units (both arms) at which the sequence is tightest; default the data's total.
        Fix it in advance (the planned sample) so earlier looks do not change as data come.

    Returns
    -------
    polars.DataFrame
        One row per metric × treatment arm × period (:data:`MONITOR_COLUMNS`): ``metric``,
        ``arm``, ``period``, ``n_control``, ``n_treatment`` (cumulative), ``control_value``,
        ``treatment_value``, ``effect``, ``ci_low``, ``ci_high`` (always valid),
        ``p_value`` (always valid), and the fixed-horizon ``naive_ci_low``,
        ``naive_ci_high``, ``naive_p_value`` (not valid under peeking; for comparison).

    Examples
    --------
    >>> df = pl.DataFrame({"arm": ["a", "b"] * 200, "week": [1] * 200 + [2] * 200,
    ...                    "y": [0, 1, 1, 1] * 100})
    >>> out = monitor(df, control="a", metrics={"y": "proportion"}, period="week")
    >>> out.select("period", "n_treatment", "effect").rows()
    [(1, 100, 0.5), (2, 200, 0.5)]
    """
    lf = _lazy(data)
    schema = lf.collect_schema()
    _check_columns(schema, [arm, period], "arm / period", "period")
    specs = as_metrics(metrics, None, None)
    frames = []
    for m in specs:
        if m.kind not in SEQUENTIAL_KINDS or m.denominator or m.covariate:
            raise CxDataError(
                f"Metric {m.label!r}: monitor() takes plain proportions and means.",
                column=m.column,
                rule=f"kind is one of {SEQUENTIAL_KINDS}, without denominator or covariate",
                hint="pass one of " + ", ".join(repr(k) for k in SEQUENTIAL_KINDS),
            )
        _check_columns(schema, [m.column], f"metric {m.label!r}", "metrics")
        frames += _monitor_metric(lf, m, arm, str(control), period, schema, alpha, planned_n)
    return pl.concat(frames) if frames else pl.DataFrame(schema=dict.fromkeys(MONITOR_COLUMNS))


def _monitor_metric(lf, m, arm, control, period, schema, alpha, planned_n) -> list:
    cum = _cumulative(lf, m, arm, period, schema)
    arms = sorted(cum["arm"].unique().to_list())
    if control not in arms:
        raise CxDataError(
            f"The control arm {control!r} is not in the data.",
            column=arm,
            rule="control names one of the arms",
            examples=arms,
        )
    c = cum.filter(pl.col("arm") == control)
    out = []
    for t_label in [a for a in arms if a != control]:
        t = cum.filter(pl.col("arm") == t_label)
        cs = confidence_sequence(
            c["n"], c["s"], c["ss"], t["n"], t["s"], t["ss"], alpha=alpha, planned_n=planned_n
        )
        frame = pl.DataFrame(
            {
                "metric": m.label,
                "arm": t_label,
                "period": c["period"],
                "n_control": c["n"].cast(pl.Int64),
                "n_treatment": t["n"].cast(pl.Int64),
                "control_value": c["s"] / c["n"],
                "treatment_value": t["s"] / t["n"],
                **{k: cs[k] for k in MONITOR_COLUMNS[7:]},
            }
        )
        out.append(frame.fill_nan(None))
    return out
