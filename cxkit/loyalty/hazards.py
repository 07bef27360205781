"""Cox proportional-hazards models: hazard ratios with intervals, and a proportional-hazards
check per factor.

The model is statsmodels ``PHReg`` with Efron's handling of tied times (R's ``coxph``
default; statsmodels' own default is Breslow). The proportional-hazards check is the
Grambsch–Therneau test on scaled Schoenfeld residuals against the Kaplan–Meier transform of
time — R's ``cox.zph`` as it was up to survival 2.44 (survival 3 replaced it by an exact score
test that gives close, not equal, p-values). The Schoenfeld residuals use Efron's averaged
risk-set means at tied times, as R's ``residuals(fit, "schoenfeld")`` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight

from cxkit.errors import CxDataError
from cxkit.loyalty._inputs import as_list, drop_blanks
from cxkit.loyalty.survival import survival_data

__all__ = ["hazard_ratios", "schoenfeld_test"]

PER_UNIT = "per unit"


def _levels(col: pl.Series, factor: str, reference: str | None) -> list[str]:
    """Sorted text levels of a categorical factor, the reference first."""
    levels = sorted(col.cast(pl.String).unique().to_list())
    if reference is not None:
        ref = str(reference).lower() if col.dtype == pl.Boolean else str(reference)
        if ref not in levels:
            raise CxDataError(
                f"reference level {reference!r} of {factor!r} is not in the data.",
                column=factor,
                rule="the reference level is one of the factor's levels",
                examples=[f"levels: {levels[:10]}"],
                hint=f"pass reference={{{factor!r}: one of {levels[:5]}}}",
            )
        levels.remove(ref)
        levels.insert(0, ref)
    if len(levels) < 2:
        raise CxDataError(
            f"factor {factor!r} has a single level ({levels}); it cannot explain differences.",
            column=factor,
            rule="a factor has two or more levels",
            hint="drop it from factors=",
        )
    return levels


def _design(data: pl.DataFrame, factors: Sequence[str], reference: Mapping[str, str]):
    """Design matrix (numpy) and one row per column: factor, level, reference, n, events."""
    cols, rows = [], []
    events = data["event"].to_numpy()
    for f in factors:  # one iteration per factor, not per customer
        s = data[f]
        continuous = s.dtype.is_numeric() and s.n_unique() > 2
        if continuous:
            cols.append(s.cast(pl.Float64).to_numpy())
            rows.append((f, PER_UNIT, None, data.height, int(data["event"].sum())))
            continue
        text = s.cast(pl.String)
        levels = _levels(s, f, reference.get(f))
        for lev in levels[1:]:
            is_lev = (text == lev).to_numpy()
            cols.append(is_lev.astype(float))
            rows.append((f, lev, levels[0], int(is_lev.sum()), int(events[is_lev].sum())))
    return np.column_stack(cols), rows


def _efron_schoenfeld(time, event, x, beta, strata) -> tuple[np.ndarray, np.ndarray]:
    """Schoenfeld residuals (one row per event, Efron means at ties) and their event times."""
    res, times = [], []
    for s in np.unique(strata):  # one iteration per stratum
        m = strata == s
        t, e, xs = time[m], event[m], x[m]
        w = np.exp(xs @ beta)
        ut, inv = np.unique(t, return_inverse=True)
        k = ut.size
        # risk-set sums at each unique time: all with time >= t (reverse cumulative sums)
        s0 = np.cumsum(np.bincount(inv, w, k)[::-1])[::-1]
        s1 = np.cumsum(_sum_by(inv, w[:, None] * xs, k)[::-1], axis=0)[::-1]
        d = np.bincount(inv, e, k)
        d0 = np.bincount(inv, w * e, k)
        d1 = _sum_by(inv, (w * e)[:, None] * xs, k)
        j = np.flatnonzero(d > 0)
        rep = np.repeat(j, d[j].astype(int))
        kk = np.arange(rep.size) - np.repeat(np.cumsum(d[j]) - d[j], d[j].astype(int))
        frac = (kk / d[rep])[:, None]
        means = (s1[rep] - frac * d1[rep]) / (s0[rep] - frac[:, 0] * d0[rep])[:, None]
        mbar = _sum_by(np.searchsorted(j, rep), means, j.size) / d[j][:, None]
        ev = np.flatnonzero(e > 0)
        pos = np.searchsorted(j, inv[ev])
        res.append(xs[ev] - mbar[pos])
        times.append(t[ev])
    return np.vstack(res), np.concatenate(times)


def _sum_by(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros((size, values.shape[1]))
    np.add.at(out, index, values)
    return out


def schoenfeld_test(time, event, x, beta, cov, strata=None) -> tuple[np.ndarray, np.ndarray]:
    """Grambsch–Therneau chi-square (1 df) and p-value per model column.

    ``g(t) = 1 − KM(t−)`` over all customers; scaled residuals ``r · V · d``; the statistic is
    ``(Σ (g − ḡ) r*)² / (d · V_jj · Σ (g − ḡ)²)`` (R survival ≤ 2.44 ``cox.zph``).
    """
    strata = np.zeros(time.size) if strata is None else strata
    sres, t_ev = _efron_schoenfeld(time, event, x, beta, strata)
    km = SurvfuncRight(time, event)
    i = np.searchsorted(km.surv_times, t_ev, side="left") - 1  # the curve just before t
    g = 1 - np.where(i >= 0, km.surv_prob[np.maximum(i, 0)], 1.0)
    xx = g - g.mean()
    nd = t_ev.size
    test = xx @ (sres @ cov * nd)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = test**2 / (np.diag(cov) * nd * np.sum(xx**2))
    return z, stats.chi2.sf(z, 1)


def hazard_ratios(
    customers: Any,
    *,
    duration: str = "tenure",
    event: str = "churned",
    factors: str | Sequence[str],
    strata: str | None = None,
    reference: Mapping[str, str] | None = None,
    alpha: float = 0.05,
    ph_alpha: float = 0.05,
) -> pl.DataFrame:
    """Cox proportional hazards: how much faster customers leave at each factor level.

    Parameters
    ----------
    customers : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table
        One row per customer.
    duration, event : str
        As in :func:`~cxkit.loyalty.retention`.
    factors : str or list of str
        Columns in the model, together (each ratio is adjusted for the others). Text, Boolean
        and 0/1 columns are categorical (each level against the reference level); other
        numeric columns are continuous (the ratio per unit).
    strata : str, optional
        A column whose groups get their own baseline hazard (not estimated, not shown).
    reference : dict, optional
        ``{factor: level}``: the level to compare against (default: the first in sorted order,
        ``0`` / ``false`` for flags).
    alpha : float
        1 − confidence level.
    ph_alpha : float
        A factor level's proportional-hazards test below this p-value sets ``ph_violation``.

    Returns
    -------
    polars.DataFrame
        One row per model term, in the order of ``factors``:

        =========================  ======================================================
        ``factor``, ``level``      the column and its level (``"per unit"`` when
                                   continuous)
        ``reference``              the level compared against (null when continuous)
        ``n``, ``events``          customers at the level (all, when continuous) and
                                   how many left
        ``coef``, ``se``           log hazard ratio and its standard error
        ``hazard_ratio``           ``exp(coef)``: > 1 means customers leave sooner
        ``ci_low``, ``ci_high``    Wald interval of the hazard ratio
        ``p_value``                Wald test of ``hazard_ratio = 1``
        ``ph_p_value``             Grambsch–Therneau test of proportional hazards
        ``ph_violation``           ``ph_p_value < ph_alpha``: the ratio changes with
                                   time, read it as an average
        =========================  ======================================================

    Examples
    --------
    >>> import polars as pl
    >>> cu = pl.DataFrame({"tenure": [2, 3, 5, 8, 9, 12, 4, 7, 10, 15, 18, 20],
    ...                    "churned": [1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0],
    ...                    "complained": [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]})
    >>> hr = hazard_ratios(cu, factors="complained")
    >>> hr.select("factor", "level", "reference").rows()
    [('complained', '1', '0')]
    >>> round(hr["hazard_ratio"][0], 3)  # R: exp(coef(coxph(Surv(tenure, churned) ~ complained)))
    4.365
    """
    factors = as_list(factors)
    data = survival_data(
        customers, duration=duration, event=event, extra=[*factors, *as_list(strata)]
    )
    data = drop_blanks(data, [*factors, *as_list(strata)], source="customers")
    x, rows = _design(data, factors, dict(reference or {}))
    time, ev = data["time"].to_numpy(), data["event"].to_numpy().astype(float)
    st = None if strata is None else data[strata].cast(pl.String).to_numpy()
    fit = PHReg(time, x, status=ev, ties="efron", strata=st).fit()
    beta, se = np.asarray(fit.params), np.asarray(fit.bse)
    z = stats.norm.ppf(1 - alpha / 2)
    ph_stat, ph_p = schoenfeld_test(time, ev, x, beta, np.asarray(fit.cov_params()), st)
    out = pl.DataFrame(
        rows, schema=["factor", "level", "reference", "n", "events"], orient="row"
    ).with_columns(
        coef=beta,
        se=se,
        hazard_ratio=np.exp(beta),
        ci_low=np.exp(beta - z * se),
        ci_high=np.exp(beta + z * se),
        p_value=2 * stats.norm.sf(np.abs(beta / se)),
        ph_statistic=ph_stat,
        ph_p_value=ph_p,
    )
    return out.with_columns(ph_violation=pl.col("ph_p_value") < ph_alpha)
