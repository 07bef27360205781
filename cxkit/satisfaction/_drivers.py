"""Key-driver analysis: which ratings drive an overall outcome.

Three methods, all with bootstrap (or Monte-Carlo) intervals and the Tonidandel–LeBreton
random-variable significance test:

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
from math import factorial
from typing import Literal

import numpy as np
import polars as pl

from cxkit.errors import CxDataError, missing_column_error

__all__ = [
    "MAX_SHAPLEY_DRIVERS",
    "drivers",
    "lmg",
    "missing_report",
    "relative_weights",
    "subset_r2",
]

MAX_SHAPLEY_DRIVERS = 15
Method = Literal["relative_weights", "shapley", "ordinal_logit"]
_CHUNK = 100  # bootstrap resamples per matrix product
_CHUNK_SHAPLEY = 500  # larger batches amortise the per-subset sweep overhead
_MAX_ROW_UNITS = 50_000  # up to this many complete rows, the bootstrap resamples rows
_N_GROUPS = 20_000  # beyond it, random groups of rows (summed in polars) are resampled


# --------------------------------------------------------------------------------------------
# Core algorithms on correlation matrices (batched over leading axes)
# --------------------------------------------------------------------------------------------
def _rw_parts(rxx: np.ndarray):
    """Eigen-decomposition pieces of Johnson's method: Λ (X↔Z correlations) and Λ⁻¹."""
    lam, vec = np.linalg.eigh(rxx)
    lam = np.clip(lam, 1e-12, None)
    vt = np.swapaxes(vec, -1, -2)
    load = (vec * np.sqrt(lam)[..., None, :]) @ vt  # symmetric square root of Rxx
    inv_load = (vec / np.sqrt(lam)[..., None, :]) @ vt
    return load, inv_load


def relative_weights(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Johnson's relative weights from a driver correlation matrix and driver–outcome correlations.

    Parameters
    ----------
    rxx : array (..., p, p)
        Correlation matrix of the drivers (batched over leading axes).
    rxy : array (..., p)
        Correlations of each driver with the outcome.

    Returns
    -------
    numpy.ndarray (..., p)
        ε_j; their sum is the R² of the regression of the outcome on all drivers.

    Examples
    --------
    >>> import numpy as np
    >>> relative_weights(np.eye(2), np.array([0.5, 0.3])).round(2).tolist()
    [0.25, 0.09]
    """
    load, inv_load = _rw_parts(np.asarray(rxx, dtype=float))
    beta = (inv_load @ np.asarray(rxy, dtype=float)[..., None])[..., 0]
    return np.einsum("...jk,...k->...j", load**2, beta**2)


def subset_r2(corr: np.ndarray) -> np.ndarray:
    """R² of the outcome (last variable) on every subset of the drivers (the others).

    Uses reversible sweeps in Gray-code order: one sweep per subset, batched over the
    leading axes of ``corr``.

    Parameters
    ----------
    corr : array (..., p + 1, p + 1)
        Correlation matrix with the outcome last.

    Returns
    -------
    numpy.ndarray (..., 2**p)
        ``r2[..., mask]`` is the R² on the drivers whose bits are set in ``mask``.

    Examples
    --------
    >>> import numpy as np
    >>> subset_r2(np.array([[1.0, 0.0, 0.6], [0.0, 1.0, 0.3], [0.6, 0.3, 1.0]])).round(2).tolist()
    [0.0, 0.36, 0.09, 0.45]
    """
    corr = np.asarray(corr, dtype=float)
    batch = corr.shape[:-2]
    q = corr.shape[-1]
    p = q - 1
    # work with the batch axis last: each sweep is then a few contiguous vector operations
    m = np.moveaxis(corr.reshape(-1, q, q), 0, -1).copy(order="C")  # never a view of the input
    nb = m.shape[-1]
    out = np.empty((2**p, nb))
    out[0] = 0.0
    y_var = m[p, p].copy()
    buf = np.empty_like(m)
    swept = np.zeros(p, dtype=bool)
    mask = 0
    for i in range(1, 2**p):
        k = (i & -i).bit_length() - 1  # Gray code: toggle the lowest set bit of i
        inv = 1.0 / m[k, k]
        sign = -1.0 if swept[k] else 1.0
        col = m[:, k] * inv
        row = m[k].copy()
        np.multiply(col[:, None, :], row[None, :, :], out=buf)
        m -= buf
        m[:, k] = sign * col
        m[k, :] = sign * row * inv
        m[k, k] = -inv
        swept[k] = not swept[k]
        mask ^= 1 << k
        out[mask] = 1.0 - m[p, p] / y_var
    return np.moveaxis(out, 0, -1).reshape(*batch, 2**p)


def lmg(r2: np.ndarray, p: int, *, subset_of: int | None = None) -> np.ndarray:
    """Shapley / LMG shares from the subset R² array (see :func:`subset_r2`).

    ``LMG_j = Σ_{S ∌ j} |S|! (p − |S| − 1)! / p! · (R²(S ∪ j) − R²(S))``.

    Parameters
    ----------
    r2 : array (..., 2**P)
        Subset R² over P ≥ p variables.
    p : int
        Use only the first ``p`` drivers (subsets not touching the others).

    Returns
    -------
    numpy.ndarray (..., p)
        The LMG value of each driver; they sum to R² of all p drivers.

    Examples
    --------
    >>> import numpy as np
    >>> lmg(np.array([0.0, 0.36, 0.09, 0.45]), 2).round(3).tolist()
    [0.36, 0.09]
    """
    masks = np.arange(2**p)
    size = np.array([bin(x).count("1") for x in range(2**p)])
    wt = np.array([factorial(s) * factorial(p - s - 1) / factorial(p) for s in range(p)])
    out = np.empty((*r2.shape[:-1], p))
    for j in range(p):
        without = masks[(masks >> j) & 1 == 0]
        gain = r2[..., without | (1 << j)] - r2[..., without]
        out[..., j] = gain @ wt[size[without]]
    return out


def _cov_to_corr(cov: np.ndarray) -> np.ndarray:
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=-2, axis2=-1), 1e-300, None))
    return cov / sd[..., :, None] / sd[..., None, :]


def _weighted_cov(z: np.ndarray, w: np.ndarray) -> np.ndarray:
    sw = w.sum()
    mu = (w @ z) / sw
    zc = z - mu
    return (zc * w[:, None]).T @ zc / sw


def _cov_from_sums(sw: np.ndarray, s: np.ndarray, ss: np.ndarray, q: int) -> np.ndarray:
    """Covariance matrices from weighted sums (batched): Σw, Σw·z (q), Σw·z_j·z_k (upper)."""
    iu = np.triu_indices(q)
    mu = s / sw[..., None]
    upper = ss / sw[..., None] - mu[..., iu[0]] * mu[..., iu[1]]
    cov = np.empty((*sw.shape, q, q))
    cov[..., iu[0], iu[1]] = upper
    cov[..., iu[1], iu[0]] = upper
    return cov


def _row_units(z: np.ndarray, w: np.ndarray):
    """Per-row weighted sums of the (centred) data: each row is a resampling unit."""
    q = z.shape[1]
    zc = z - (w @ z) / w.sum()
    iu = np.triu_indices(q)
    return w, zc * w[:, None], zc[:, iu[0]] * zc[:, iu[1]] * w[:, None]


def _boot_covs(
    sw: np.ndarray,
    s: np.ndarray,
    ss: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
    chunk: int = _CHUNK,
):
    """Yield batches of bootstrap covariance matrices, resampling units with replacement.

    Units are rows (small data) or random groups of rows (large data); either way the
    resampled sums are ``counts @ unit_sums`` — one matrix product per chunk.
    """
    units, q = s.shape
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        idx = rng.integers(0, units, size=(b, units))
        counts = np.bincount(
            (idx + units * np.arange(b)[:, None]).ravel(), minlength=b * units
        ).reshape(b, units)
        done += b
        yield _cov_from_sums(counts @ sw, counts @ s, counts @ ss, q)


def _group_units(
    complete: pl.LazyFrame, cols: list[str], n_units: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weighted sums per random group of rows, computed by polars (lazy, streaming).

    Adds the Tonidandel–LeBreton random variable (Box–Muller from row hashes) before the
    outcome, so the columns are ``drivers…, random, outcome``. Returns the unit sums and the
    centring means.
    """
    r = pl.int_range(pl.len(), dtype=pl.UInt64)
    scale = float(2**53)
    u1 = ((r.hash(seed) // 2048).cast(pl.Float64) + 0.5) / scale
    u2 = ((r.hash(seed + 1) // 2048).cast(pl.Float64) + 0.5) / scale
    rand = ((-2.0 * u1.log()).sqrt() * (2 * np.pi * u2).cos()).alias("_rand")
    names = [*cols[:-1], "_rand", cols[-1]]
    frame = complete.with_columns(rand, (r.hash(seed + 2) % n_units).alias("_unit"))
    w = pl.col("_w")
    means = frame.select([((w * pl.col(c)).sum() / w.sum()).alias(c) for c in names]).collect()
    mu = means.row(0)
    zc = [(pl.col(c) - m) for c, m in zip(names, mu, strict=True)]
    q = len(names)
    iu = np.triu_indices(q)
    aggs = [w.sum().alias("_sw")]
    aggs += [(w * zc[j]).sum().alias(f"_s{j}") for j in range(q)]
    aggs += [(w * zc[j] * zc[k]).sum().alias(f"_p{j}_{k}") for j, k in zip(*iu, strict=True)]
    agg = frame.group_by("_unit").agg(aggs).sort("_unit").collect()
    sw = agg["_sw"].to_numpy().astype(float)
    s = agg.select([f"_s{j}" for j in range(q)]).to_numpy().astype(float)
    ss = agg.select([f"_p{j}_{k}" for j, k in zip(*iu, strict=True)]).to_numpy().astype(float)
    return sw, s, ss, np.asarray(mu)


# --------------------------------------------------------------------------------------------
# Data preparation
# --------------------------------------------------------------------------------------------
def _as_lazy(frame) -> pl.LazyFrame:
    if isinstance(frame, pl.DataFrame):
        return frame.lazy()
    if isinstance(frame, pl.LazyFrame):
        return frame
    raise TypeError("expected a polars DataFrame or LazyFrame")


def _na_expr(col: str, na_codes: Sequence[float] | None) -> pl.Expr:
    x = pl.col(col).cast(pl.Float64)
    x = pl.when(x.is_nan()).then(None).otherwise(x)
    if na_codes:
        x = pl.when(x.is_in([float(c) for c in na_codes])).then(None).otherwise(x)
    return x.alias(col)


def _check_columns(lf: pl.LazyFrame, cols: dict[str, tuple[str, str]]) -> dict:
    schema = lf.collect_schema()
    names = schema.names()
    for col, (role, arg) in cols.items():
        if col not in names:
            raise missing_column_error(col, names, source="drivers", role=role, argument=arg)
        dt = schema[col]
        if not (dt.is_numeric() or dt == pl.Boolean):
            raise CxDataError(
                f"Column {col!r} (the {role}) must be numeric, found {dt}.",
                column=col,
                rule="numeric rating",
                hint=(
                    "map text answers to numbers first, e.g. "
                    "cx.satisfaction.to_binary(survey, column, positive='satisfied')"
                ),
            )
    return dict(schema)


def missing_report(
    survey: pl.DataFrame | pl.LazyFrame,
    drivers: Sequence[str],
    *,
    outcome: str | None = None,
    weight: str | None = None,
    na_codes: Sequence[float] | None = None,
) -> pl.DataFrame:
    """What listwise deletion in :func:`drivers` removes, column by column.

    ``na_codes`` apply to the driver columns only (as in :func:`drivers`).

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
    lf = _as_lazy(survey)
    drv = list(drivers)
    extra = [c for c in (outcome, weight) if c is not None]
    names = lf.collect_schema().names()
    for c in [*drv, *extra]:
        if c not in names:
            raise missing_column_error(
                c, names, source="missing_report", role="column", argument="drivers"
            )
    codes = [float(c) for c in (na_codes or [])]
    miss = {c: _na_expr(c, na_codes if c in drv else None).is_null() for c in [*drv, *extra]}
    code = {
        c: (
            pl.col(c).cast(pl.Float64).is_in(codes).fill_null(False)
            if codes and c in drv
            else pl.lit(False)
        )
        for c in [*drv, *extra]
    }
    miss["(any)"] = pl.any_horizontal(list(miss.values()))
    code["(any)"] = pl.any_horizontal(list(code.values()))
    aggs = [pl.len().alias("_n")]
    for i, c in enumerate(miss):
        aggs += [miss[c].sum().alias(f"m{i}"), code[c].sum().alias(f"c{i}")]
    row = lf.select(aggs).collect().row(0, named=True)
    n = int(row["_n"])
    cols = list(miss)
    m = [int(row[f"m{i}"]) for i in range(len(cols))]
    return pl.DataFrame(
        {
            "column": cols,
            "n_rows": [n] * len(cols),
            "n_missing": m,
            "n_na_code": [int(row[f"c{i}"]) for i in range(len(cols))],
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
# Ordinal logit relative weights
# --------------------------------------------------------------------------------------------
def _ordinal_weights(z: np.ndarray, y: np.ndarray, n_draws: int, rng: np.random.Generator):
    """Relative weights on the latent scale of a proportional-odds logit.

    Returns (point ε, draws of ε, X-space coefficients, R²_MZ).
    """
    import warnings

    from statsmodels.miscmodels.ordinal_model import OrderedModel

    x = (z - z.mean(axis=0)) / z.std(axis=0)
    load, inv_load = _rw_parts(np.corrcoef(x, rowvar=False))
    zo = x @ inv_load  # orthonormal counterparts of the drivers
    zo = zo / zo.std(axis=0)
    levels, codes = np.unique(y, return_inverse=True)
    if levels.size < 2:
        raise CxDataError("The outcome has a single value; nothing to explain.", rule="variance")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = OrderedModel(codes, zo, distr="logit")
        res = model.fit(method="bfgs", disp=False, maxiter=1000)
    p = z.shape[1]
    b = np.asarray(res.params[:p])
    cov = np.asarray(res.cov_params())[:p, :p]

    def eps(bb):
        var_lin = np.sum(bb**2, axis=-1, keepdims=True)
        beta_std2 = bb**2 / (var_lin + np.pi**2 / 3)
        return np.einsum("jk,...k->...j", load**2, beta_std2)

    draws = rng.multivariate_normal(b, cov, size=n_draws, method="cholesky") if n_draws else None
    coef_x = inv_load @ b
    r2_mz = float(np.sum(b**2) / (np.sum(b**2) + np.pi**2 / 3))
    return eps(b), (eps(draws) if n_draws else None), coef_x, r2_mz


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------
def drivers(
    survey: pl.DataFrame | pl.LazyFrame,
    outcome: str,
    drivers: Sequence[str],
    *,
    method: Method = "relative_weights",
    weight: str | None = None,
    na_codes: Sequence[float] | None = None,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> pl.DataFrame:
    """Key-driver analysis of ``outcome`` on ``drivers`` with bootstrap intervals.

    Rows missing the outcome, any driver or the weight are deleted listwise (values in
    ``na_codes`` count as missing); the number used and dropped is in ``n`` and
    ``n_dropped`` (see :func:`missing_report` for the column-by-column detail).

    Parameters
    ----------
    survey : polars DataFrame or LazyFrame
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

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(500, 2))
    >>> df = pl.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": 2 * x[:, 0] + x[:, 1] + rng.normal(size=500)})
    >>> drivers(df, "y", ["a", "b"], n_boot=200)["driver"].to_list()
    ['a', 'b']
    """
    if method not in ("relative_weights", "shapley", "ordinal_logit"):
        raise ValueError(
            f"method must be 'relative_weights', 'shapley' or 'ordinal_logit', got {method!r}"
        )
    drv = list(drivers)
    if not drv:
        raise ValueError("drivers() needs at least one driver column")
    if len(set(drv)) != len(drv):
        raise ValueError("driver names must be unique")
    if outcome in drv:
        raise ValueError(f"the outcome {outcome!r} cannot also be a driver")
    if method == "shapley" and len(drv) > MAX_SHAPLEY_DRIVERS:
        raise ValueError(
            f"Shapley/LMG is computed exactly over all 2^p subsets and allows at most "
            f"{MAX_SHAPLEY_DRIVERS} drivers; got {len(drv)}. Use method='relative_weights' "
            "(which approximates LMG closely) or pick fewer drivers."
        )
    if method == "ordinal_logit" and weight is not None:
        raise ValueError("method='ordinal_logit' does not support weights; use relative_weights")
    lf = _as_lazy(survey)
    roles = {outcome: ("outcome", "outcome")} | {d: ("driver", "drivers") for d in drv}
    if weight is not None:
        roles[weight] = ("weight", "weight")
    _check_columns(lf, roles)

    cols = [*drv, outcome]
    prepared = lf.select(
        [_na_expr(c, na_codes) for c in drv]
        + [_na_expr(outcome, None)]
        + ([pl.col(weight).cast(pl.Float64).alias("_w")] if weight else [])
    )
    perf_aggs = [pl.col(d).mean().alias(d) for d in drv]
    if weight:
        perf_aggs = [
            (
                (pl.col(d) * pl.col("_w")).sum()
                / pl.col("_w").filter(pl.col(d).is_not_null()).sum()
            ).alias(d)
            for d in drv
        ]
    if weight is None:
        prepared = prepared.with_columns(pl.lit(1.0).alias("_w"))
    complete = prepared.drop_nulls()
    perf_row, counts, total = pl.collect_all(
        [
            prepared.select(perf_aggs),
            complete.select(pl.len().alias("n"), (pl.col("_w") < 0).sum().alias("neg")),
            prepared.select(pl.len()),
        ]
    )
    n_total = int(total.item())
    n = int(counts["n"].item())
    p = len(drv)
    if counts["neg"].item():
        raise CxDataError(
            "Weights must not be negative.",
            column=weight,
            rule="weights >= 0",
            n_rows=int(counts["neg"].item()),
        )
    if n < p + 3:
        raise CxDataError(
            f"Only {n} complete rows for {p} drivers after listwise deletion "
            f"({n_total - n} of {n_total} rows dropped).",
            rule=f"at least p + 3 = {p + 3} complete rows",
            hint="use fewer drivers, check na_codes, or see cx.satisfaction.missing_report()",
        )
    rng = np.random.default_rng(seed)
    grouped = n > _MAX_ROW_UNITS and method != "ordinal_logit"
    if grouped:
        # large data: aggregate in polars into random groups of rows (the resampling units)
        unit_sw, unit_s, unit_ss, _ = _group_units(complete, cols, _N_GROUPS, seed)
        cov_a = _cov_from_sums(unit_sw.sum(), unit_s.sum(axis=0), unit_ss.sum(axis=0), p + 2)
        cov = cov_a[np.ix_([*range(p), p + 1], [*range(p), p + 1])]
    else:
        data = complete.select(*cols, "_w").collect()
        z = data.select(cols).to_numpy().astype(float)
        w = data["_w"].to_numpy().astype(float)
        cov = _weighted_cov(z, w)
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    const = [c for c, v in zip(cols, sd, strict=True) if v <= 1e-12]
    if const:
        raise CxDataError(
            f"No variation in {const} among the {n} complete rows; importance is undefined.",
            column=const[0],
            rule="non-constant columns",
            hint="drop constant columns from the drivers (or check the outcome)",
        )
    corr = _cov_to_corr(cov)
    if np.linalg.eigvalsh(corr[:p, :p])[0] < 1e-10:
        raise CxDataError(
            "The drivers are perfectly collinear (one is a linear combination of others).",
            rule="non-singular driver correlation matrix",
            hint="drop duplicated or derived rating columns",
        )
    if not grouped:
        rand = rng.standard_normal(n)
    # coefficients of the full standardized regression → sign
    beta = np.linalg.solve(corr[:p, :p], corr[:p, p])

    lo_q, hi_q = 100 * alpha / 2, 100 * (1 - alpha / 2)
    ci = np.full((2, p), np.nan)
    signif = np.full(p, None, dtype=object)
    if method == "ordinal_logit":
        est, draws, coef_x, r2 = _ordinal_weights(z[:, :p], z[:, p], n_boot, rng)
        beta = coef_x
        if n_boot:
            ci = np.percentile(draws, [lo_q, hi_q], axis=0)
            za = np.column_stack([z[:, :p], rand])
            _, draws_a, _, _ = _ordinal_weights(za, z[:, p], n_boot, rng)
            diff = draws_a[:, :p] - draws_a[:, [p]]
            signif = np.percentile(diff, lo_q, axis=0) > 0
    else:
        # augmented data: drivers, random variable, outcome
        if grouped:
            units = (unit_sw, unit_s, unit_ss)
            cov_full = cov_a
        else:
            za = np.column_stack([z[:, :p], rand, z[:, p]])
            units = _row_units(za, w)
            cov_full = _weighted_cov(za, w)

        def stat(corr_a: np.ndarray):
            """importance (p) and importance minus random (p) from augmented correlations."""
            idx_main = [*range(p), p + 1]
            main = corr_a[..., idx_main, :][..., :, idx_main]
            if method == "relative_weights":
                imp = relative_weights(main[..., :p, :p], main[..., :p, p])
                aug = relative_weights(corr_a[..., : p + 1, : p + 1], corr_a[..., : p + 1, p + 1])
            else:
                r2s = subset_r2(corr_a)  # subsets over p drivers + random variable
                imp = lmg(r2s, p)  # the first p bits only: subsets without the random one
                aug = lmg(r2s, p + 1)
            return imp, aug[..., :p] - aug[..., [p]]

        est, _ = stat(_cov_to_corr(cov_full)[None])
        est = est[0]
        r2 = float(corr[:p, p] @ beta)
        if n_boot:
            imps, diffs = [], []
            chunk = _CHUNK_SHAPLEY if method == "shapley" else _CHUNK
            for cov_b in _boot_covs(*units, n_boot, rng, chunk):
                imp_b, diff_b = stat(_cov_to_corr(cov_b))
                imps.append(imp_b)
                diffs.append(diff_b)
            imps, diffs = np.concatenate(imps), np.concatenate(diffs)
            ci = np.nanpercentile(imps, [lo_q, hi_q], axis=0)
            signif = np.nanpercentile(diffs, lo_q, axis=0) > 0
    total = float(np.sum(est))
    perf = np.array([perf_row[d].item() for d in drv], dtype=float)
    out = pl.DataFrame(
        {
            "driver": drv,
            "importance": est.astype(float),
            "importance_pct": (est / total if total > 0 else np.full(p, np.nan)).astype(float),
            "ci_low": ci[0].astype(float),
            "ci_high": ci[1].astype(float),
            "sign": np.where(beta >= 0, 1, -1).astype(np.int8),
            "significant": pl.Series(list(signif), dtype=pl.Boolean),
            "performance": perf,
            "r2": np.full(p, r2),
            "n": np.full(p, n, dtype=np.int64),
            "n_dropped": np.full(p, n_total - n, dtype=np.int64),
            "method": [method] * p,
        }
    ).with_columns(pl.col("ci_low", "ci_high", "importance_pct").fill_nan(None))
    return out.sort(["importance", "driver"], descending=[True, False])
