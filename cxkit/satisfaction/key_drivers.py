"""Key-driver analysis: which ratings drive an overall outcome.

Three methods, all with bootstrap (or Monte-Carlo) intervals and the Tonidandel–LeBreton
random-variable significance test (the importance math is in :mod:`cxkit.metrics.importance`):

* ``"relative_weights"`` — Johnson's (2000) relative weights ε_j: the drivers are replaced by
  their closest orthogonal counterparts, whose squared regression weights are allocated back
  to the drivers. The ε_j sum to the model R².
* ``"shapley"`` — the exact Shapley / LMG decomposition of R² (average gain in R² from adding
  a driver over all orders), computed from the R² of all 2^p subsets (p ≤ 15).
* ``"ordinal_logit"`` — relative weights on the latent scale of a proportional-odds logit
  (statsmodels ``OrderedModel``), after Tonidandel & LeBreton (2010): the weights sum to the
  McKelvey–Zavoina pseudo-R².

Everything is computed from (co)variance matrices: the bootstrap draws multinomial counts
of resampling units and forms all resampled moment matrices with one matrix product per
chunk, so 1,000 resamples of 26k rows × 14 drivers take seconds. Up to 50,000 complete rows
the units are the rows; beyond that, polars sums the weighted moments per random group of
rows (20,000 groups, lazily, without materialising the rows in numpy) and the groups are
resampled — the same point estimates, and a valid bootstrap because the groups are iid.

References: Johnson, J. W. (2000), *Multivariate Behavioral Research* 35(1); Lindeman, Merenda
& Gold (1980); Tonidandel, LeBreton & Johnson (2009), *Psychological Methods* 14(4);
Tonidandel & LeBreton (2010), *Journal of Business and Psychology* 25(4).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import polars as pl

from cxkit._frames import check_choice, mask_na_codes, require_columns, require_numeric
from cxkit.errors import CxDataError
from cxkit.io.engines import is_engine
from cxkit.metrics import lmg, ordinal_relative_weights, relative_weights, subset_r2
from cxkit.satisfaction import _engine
from cxkit.satisfaction import _moments as mom
from cxkit.satisfaction._common import survey_frame

__all__ = ["MAX_SHAPLEY_DRIVERS", "METHODS", "drivers", "missing_report"]

MAX_SHAPLEY_DRIVERS = 15
Method = Literal["relative_weights", "shapley", "ordinal_logit"]
METHODS = ("relative_weights", "shapley", "ordinal_logit")
_CHUNK = 100  # bootstrap resamples per matrix product
_CHUNK_SHAPLEY = 500  # larger batches amortise the per-subset sweep overhead
_MAX_ROW_UNITS = 50_000  # up to this many complete rows, the bootstrap resamples rows
_N_GROUPS = 20_000  # beyond it, random groups of rows (summed in polars) are resampled


def _na_expr(col: str, na_codes: Sequence[float] | None) -> pl.Expr:
    """The column as Float64 with NaN and the "not applicable" codes made null."""
    x = pl.col(col).cast(pl.Float64).fill_nan(None)
    return mask_na_codes(x, [float(c) for c in na_codes or []]).alias(col)


# --------------------------------------------------------------------------------------------
# Missing answers
# --------------------------------------------------------------------------------------------
def missing_report(
    survey: Any,
    drivers: Sequence[str],
    *,
    outcome: str | None = None,
    weight: str | None = None,
    na_codes: Sequence[float] | None = None,
) -> pl.DataFrame:
    """What listwise deletion in :func:`drivers` removes, column by column.

    ``na_codes`` apply to the driver columns only (as in :func:`drivers`). An engine frame
    (DuckDB, Spark …) is collected as in :func:`drivers`, up to 2,000,000 rows.

    Returns
    -------
    polars.DataFrame
        One row per driver (in the given order), then the outcome and the weight if given,
        then a final row ``column = "(any)"`` (rows that listwise deletion drops):

        ============= ==========================================================
        column        the column name, or ``"(any)"``
        n_rows        rows in the input
        n_missing     rows where the value is null/NaN or one of ``na_codes``
        n_na_code     rows holding one of ``na_codes`` (included in n_missing)
        share_missing n_missing / n_rows (0–1)
        ============= ==========================================================

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"a": [1, 0, 3, None], "b": [1, 2, 0, 4], "y": [0, 1, 1, 0]})
    >>> missing_report(df, ["a", "b"], outcome="y", na_codes=[0])["n_missing"].to_list()
    [2, 1, 0, 3]
    """
    lf = survey_frame(survey)
    drv = list(drivers)
    cols = [*drv, *[c for c in (outcome, weight) if c is not None]]
    if is_engine(lf):  # as in drivers: the used columns are collected (surveys are small)
        lf = _engine.collect_survey(lf, cols, _engine.COLLECT_LIMIT, "missing_report").lazy()
    require_columns(lf, {c: ("column", "drivers") for c in cols}, source="missing_report")
    codes = [float(c) for c in (na_codes or [])]
    miss = {c: _na_expr(c, na_codes if c in drv else None).is_null() for c in cols}
    code = {
        c: (
            pl.col(c).cast(pl.Float64).is_in(codes).fill_null(False)
            if codes and c in drv
            else pl.lit(False)
        )
        for c in cols
    }
    miss["(any)"] = pl.any_horizontal(list(miss.values()))
    code["(any)"] = pl.any_horizontal(list(code.values()))
    names = list(miss)
    counts = lf.select(
        pl.len().alias("_n"),
        *[miss[c].sum().alias(f"m{i}") for i, c in enumerate(names)],
        *[code[c].sum().alias(f"c{i}") for i, c in enumerate(names)],
    ).collect()
    n = int(counts["_n"].item())
    m = counts.select(f"m{i}" for i in range(len(names))).row(0)
    return pl.DataFrame(
        {
            "column": names,
            "n_rows": [n] * len(names),
            "n_missing": m,
            "n_na_code": counts.select(f"c{i}" for i in range(len(names))).row(0),
            "share_missing": [v / n if n else None for v in m],
        },
        schema={
            "column": pl.String,
            "n_rows": pl.Int64,
            "n_missing": pl.Int64,
            "n_na_code": pl.Int64,
            "share_missing": pl.Float64,
        },
    )


# --------------------------------------------------------------------------------------------
# drivers(): checks, data, estimation, result
# --------------------------------------------------------------------------------------------
def _check_args(method: str, drv: list[str], outcome: str, weight: str | None) -> None:
    check_choice(method, METHODS, argument="method", what="driver method")
    if not drv:
        raise CxDataError("drivers() needs at least one driver column.", rule="drivers given")
    if len(set(drv)) != len(drv):
        raise CxDataError("Driver names must be unique.", rule="unique drivers", examples=drv)
    if outcome in drv:
        raise CxDataError(
            f"The outcome {outcome!r} cannot also be a driver.", column=outcome, rule="outcome"
        )
    if method == "shapley" and len(drv) > MAX_SHAPLEY_DRIVERS:
        raise CxDataError(
            f"Shapley/LMG is computed exactly over all 2^p subsets and allows at most "
            f"{MAX_SHAPLEY_DRIVERS} drivers; got {len(drv)}.",
            rule=f"at most {MAX_SHAPLEY_DRIVERS} drivers for shapley",
            hint="use method='relative_weights' (which approximates LMG closely) "
            "or pick fewer drivers",
        )
    if method == "ordinal_logit" and weight is not None:
        raise CxDataError(
            "method='ordinal_logit' does not support weights.",
            column=weight,
            rule="no weights for ordinal_logit",
            hint="use method='relative_weights', or drop weight=",
        )


def _prepare(lf: pl.LazyFrame, outcome: str, drv: list[str], weight, na_codes):
    """Complete rows (drivers, outcome, ``_w``), the drivers' performance, n and total rows."""
    roles = {outcome: ("outcome", "outcome")} | {d: ("driver", "drivers") for d in drv}
    if weight is not None:
        roles[weight] = ("weight", "weight")
    require_columns(lf, roles, source="drivers")
    schema = lf.collect_schema()
    for col, (role, _) in roles.items():
        require_numeric(schema, col, role=role, source="drivers")
    prepared = lf.select(
        [_na_expr(c, na_codes) for c in drv]
        + [_na_expr(outcome, None)]
        + [pl.col(weight).cast(pl.Float64).alias("_w") if weight else pl.lit(1.0).alias("_w")]
    )
    w = pl.col("_w")
    perf_aggs = [
        ((pl.col(d) * w).sum() / w.filter(pl.col(d).is_not_null()).sum()).alias(d)
        if weight
        else pl.col(d).mean().alias(d)
        for d in drv
    ]
    complete = prepared.drop_nulls()
    perf_row, counts, total = pl.collect_all(
        [
            prepared.select(perf_aggs),
            complete.select(pl.len().alias("n"), (w < 0).sum().alias("neg")),
            prepared.select(pl.len()),
        ]
    )
    n_total, n, p = int(total.item()), int(counts["n"].item()), len(drv)
    if counts["neg"].item():
        raise CxDataError(
            "Weights must not be negative.",
            source="drivers",
            column=weight,
            rule="weights >= 0",
            n_rows=int(counts["neg"].item()),
            hint="fix or drop the negative weights",
        )
    if n < p + 3:
        raise CxDataError(
            f"Only {n} complete rows for {p} drivers after listwise deletion "
            f"({n_total - n} of {n_total} rows dropped).",
            source="drivers",
            rule=f"at least p + 3 = {p + 3} complete rows",
            hint="use fewer drivers, check na_codes, or see cx.satisfaction.missing_report()",
        )
    perf = perf_row.select(drv).row(0)
    return complete, np.array(perf, dtype=float), n, n_total


def _check_design(cov: np.ndarray, cols: list[str], n: int, p: int) -> np.ndarray:
    """The correlation matrix, after checking no column is constant and no driver collinear."""
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    const = [c for c, v in zip(cols, sd, strict=True) if v <= 1e-12]
    if const:
        raise CxDataError(
            f"No variation in {const} among the {n} complete rows; importance is undefined.",
            source="drivers",
            column=const[0],
            rule="non-constant columns",
            hint="drop constant columns from the drivers (or check the outcome)",
        )
    corr = mom.cov_to_corr(cov)
    if np.linalg.eigvalsh(corr[:p, :p])[0] < 1e-10:
        raise CxDataError(
            "The drivers are perfectly collinear (one is a linear combination of others).",
            source="drivers",
            rule="non-singular driver correlation matrix",
            hint="drop duplicated or derived rating columns",
        )
    return corr


def _ordinal(z, rand, p, n_boot, rng, q) -> dict[str, Any]:
    """Ordinal-logit weights, Monte-Carlo intervals and the random-variable test."""
    est, draws, coef_x, r2 = ordinal_relative_weights(z[:, :p], z[:, p], n_boot, rng)
    out = {
        "est": est,
        "beta": coef_x,
        "r2": r2,
        "ci": np.full((2, p), np.nan),
        "signif": np.full(p, None, dtype=object),
    }
    if n_boot:
        out["ci"] = np.percentile(draws, q, axis=0)
        za = np.column_stack([z[:, :p], rand])
        _, draws_a, _, _ = ordinal_relative_weights(za, z[:, p], n_boot, rng)
        out["signif"] = np.percentile(draws_a[:, :p] - draws_a[:, [p]], q[0], axis=0) > 0
    return out


def _linear(method, cov_full, units, p, n_boot, rng, q) -> dict[str, Any]:
    """Relative weights or Shapley on the augmented moments (drivers, random, outcome),
    with the bootstrap intervals and the random-variable test."""
    idx_main = [*range(p), p + 1]

    def stat(corr_a: np.ndarray):
        """importance (p) and importance minus random (p) from augmented correlations."""
        main = corr_a[..., idx_main, :][..., :, idx_main]
        if method == "relative_weights":
            imp = relative_weights(main[..., :p, :p], main[..., :p, p])
            aug = relative_weights(corr_a[..., : p + 1, : p + 1], corr_a[..., : p + 1, p + 1])
        else:
            r2s = subset_r2(corr_a)  # subsets over p drivers + random variable
            imp = lmg(r2s, p)  # the first p bits only: subsets without the random one
            aug = lmg(r2s, p + 1)
        return imp, aug[..., :p] - aug[..., [p]]

    est, _ = stat(mom.cov_to_corr(cov_full)[None])
    out = {"est": est[0], "ci": np.full((2, p), np.nan), "signif": np.full(p, None, dtype=object)}
    if n_boot:
        chunk = _CHUNK_SHAPLEY if method == "shapley" else _CHUNK
        batches = [stat(mom.cov_to_corr(c)) for c in mom.boot_covs(*units, n_boot, rng, chunk)]
        imps = np.concatenate([b[0] for b in batches])
        diffs = np.concatenate([b[1] for b in batches])
        out["ci"] = np.nanpercentile(imps, q, axis=0)
        out["signif"] = np.nanpercentile(diffs, q[0], axis=0) > 0
    return out


def drivers(
    survey: Any,
    outcome: str,
    drivers: Sequence[str],
    *,
    method: Method = "relative_weights",
    weight: str | None = None,
    na_codes: Sequence[float] | None = None,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
    collect_limit: int | None = _engine.COLLECT_LIMIT,
) -> pl.DataFrame:
    """Key-driver analysis of ``outcome`` on ``drivers`` with bootstrap intervals.

    Rows missing the outcome, any driver or the weight are deleted listwise (values in
    ``na_codes`` count as missing); the number used and dropped is in ``n`` and
    ``n_dropped`` (see :func:`missing_report` for the column-by-column detail).

    Parameters
    ----------
    survey : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table
        One row per respondent (wide); not modified.
    outcome : str
        Overall outcome: a rating, an NPS score, or a binary 0/1 / Boolean (satisfied yes/no).
    drivers : list of str
        Driver rating columns.
    method : {"relative_weights", "shapley", "ordinal_logit"}
        See the module docstring. ``"shapley"`` allows at most 15 drivers.
        ``"ordinal_logit"`` does not take weights; its intervals are Monte-Carlo draws
        from the fitted coefficients' asymptotic normal distribution.
    weight : str, optional
        Respondent weights (relative_weights and shapley).
    na_codes : list of numbers, optional
        Codes meaning "not applicable" in the driver columns, e.g. ``[0]``; treated as
        missing (the outcome is left as it is, so a 0/1 outcome keeps its zeros).
    n_boot : int
        Bootstrap resamples (0 = no intervals, no significance test).
    alpha : float
        Percentile intervals cover 1 − alpha.
    seed : int
        Seed for the resampling and the random comparison variable.
    collect_limit : int or None
        An engine frame (DuckDB, Spark …) is collected (the outcome, driver and weight
        columns) and analysed here: surveys are small. Above this many rows (default
        2,000,000, counted in the engine first) it is refused; ``None`` collects any size.
        Engines keep no row order, so the bootstrap intervals may differ in the last digits
        from those of the same rows in another order (point estimates do not).

    Returns
    -------
    polars.DataFrame
        One row per driver, sorted by importance (descending), then name:

        ============== ==============================================================
        driver         driver column name
        importance     raw importance: ε_j (sums to R², or to McKelvey–Zavoina R²)
        importance_pct importance / sum of importances (sums to 1)
        ci_low         bootstrap percentile interval of ``importance``
        ci_high
        sign           +1 / −1: sign of the driver's coefficient in the full model
        significant    Tonidandel–LeBreton test: the interval of importance minus the
                       importance of a random variable lies above 0
        performance    mean of the driver over its valid (non-missing) answers
        r2             model R² (same on every row)
        n              rows used after listwise deletion
        n_dropped      rows removed by listwise deletion
        method         the method used
        ============== ==============================================================

    Raises
    ------
    CxDataError
        For a missing or non-numeric column, negative weights, too few complete rows, a
        constant column, collinear drivers or invalid arguments.

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(500, 2))
    >>> df = pl.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": 2 * x[:, 0] + x[:, 1] + rng.normal(size=500)})
    >>> drivers(df, "y", ["a", "b"], n_boot=200)["driver"].to_list()
    ['a', 'b']
    """
    drv = list(drivers)
    _check_args(method, drv, outcome, weight)
    if is_engine(survey):  # surveys are small: the used columns are collected (up to a limit)
        lf = survey_frame(survey)
        survey = _engine.collect_survey(lf, [*drv, outcome, weight], collect_limit, "drivers")
    complete, perf, n, n_total = _prepare(survey_frame(survey), outcome, drv, weight, na_codes)
    p, cols = len(drv), [*drv, outcome]
    rng = np.random.default_rng(seed)
    grouped = n > _MAX_ROW_UNITS and method != "ordinal_logit"
    if grouped:  # large data: random groups of rows, summed in polars, are the units
        units = mom.group_units(complete, cols, _N_GROUPS, seed)[:3]
        cov_full = mom.cov_from_sums(
            units[0].sum(), units[1].sum(axis=0), units[2].sum(axis=0), p + 2
        )
        cov = cov_full[np.ix_([*range(p), p + 1], [*range(p), p + 1])]
    else:
        data = complete.select(*cols, "_w").collect()
        z = data.select(cols).to_numpy().astype(float)
        w = data["_w"].to_numpy().astype(float)
        cov = mom.weighted_cov(z, w)
    corr = _check_design(cov, cols, n, p)
    rand = None if grouped else rng.standard_normal(n)
    beta = np.linalg.solve(corr[:p, :p], corr[:p, p])  # full standardised regression → sign
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    if method == "ordinal_logit":
        fit = _ordinal(z, rand, p, n_boot, rng, q)
        beta, r2 = fit["beta"], fit["r2"]
    else:
        if not grouped:  # augmented data: drivers, random variable, outcome
            za = np.column_stack([z[:, :p], rand, z[:, p]])
            units, cov_full = mom.row_units(za, w), mom.weighted_cov(za, w)
        fit = _linear(method, cov_full, units, p, n_boot, rng, q)
        r2 = float(corr[:p, p] @ beta)
    est, ci = fit["est"], fit["ci"]
    total = float(np.sum(est))
    return (
        pl.DataFrame(
            {
                "driver": drv,
                "importance": est.astype(float),
                "importance_pct": (est / total if total > 0 else np.full(p, np.nan)).astype(float),
                "ci_low": ci[0].astype(float),
                "ci_high": ci[1].astype(float),
                "sign": np.where(beta >= 0, 1, -1).astype(np.int8),
                "significant": pl.Series(list(fit["signif"]), dtype=pl.Boolean),
                "performance": perf,
                "r2": np.full(p, r2),
                "n": np.full(p, n, dtype=np.int64),
                "n_dropped": np.full(p, n_total - n, dtype=np.int64),
                "method": [method] * p,
            }
        )
        .with_columns(pl.col("ci_low", "ci_high", "importance_pct").fill_nan(None))
        .sort(["importance", "driver"], descending=[True, False])
    )
