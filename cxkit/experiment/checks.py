"""Data-quality checks of an experiment: sample-ratio mismatch and response-rate balance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

from cxkit._frames import check_choice, to_lazy
from cxkit.errors import CxDataError, missing_column_error
from cxkit.io.engines import is_engine
from cxkit.metrics.distributions import chi2_sf

__all__ = ["SRM_METHODS", "SRM_THRESHOLD", "response_balance", "srm", "srm_counts"]

#: ``method=`` choices of the SRM test: Pearson chi-square (any number of arms) or the exact
#: binomial test (two arms; scipy ``binomtest``, R ``binom.test``).
SRM_METHODS = ("chisquare", "binomial")

#: p-value below which a check raises its alarm.
SRM_THRESHOLD = 0.001


def _frame(data: Any) -> pl.LazyFrame:
    return to_lazy(data, what="data", hint="read files with cx.read_experiment(...) first")


def srm_counts(
    counts: Mapping[Any, int],
    *,
    expected: Mapping[Any, float] | None = None,
    threshold: float = SRM_THRESHOLD,
    method: str = "chisquare",
) -> pl.DataFrame:
    """Sample-ratio-mismatch test from unit counts per arm.

    Parameters
    ----------
    counts : mapping arm → number of units
    expected : mapping arm → design share, optional
        Default: equal shares. Shares are normalised to sum to 1.
    threshold : float
        The alarm is raised when ``p_value < threshold`` (default 0.001).
    method : {"chisquare", "binomial"}
        Pearson chi-square against the design shares (any number of arms), or the exact
        two-sided binomial test of the first arm's count (two arms only).

    Returns
    -------
    polars.DataFrame
        One row per arm, sorted by arm: ``arm`` (String), ``n``, ``observed_share``,
        ``expected_share``, and the test repeated on every row: ``statistic`` (Pearson
        chi-square, or the first arm's observed share for the binomial test), ``df``,
        ``p_value``, ``alarm``, ``method``.

    Examples
    --------
    >>> srm_counts({"gate_30": 44700, "gate_40": 45489})["p_value"].round(4).to_list()
    [0.0086, 0.0086]
    >>> round(srm_counts({"a": 480, "b": 520}, method="binomial")["p_value"][0], 4)
    0.2174
    """
    check_choice(method, SRM_METHODS, argument="method", what="SRM test")
    arms = sorted(str(a) for a in counts)
    by = {str(a): int(v) for a, v in counts.items()}
    n = np.array([by[a] for a in arms], dtype=float)
    if expected is None:
        share = np.full(len(arms), 1 / len(arms))
    else:
        exp = {str(a): float(v) for a, v in expected.items()}
        missing = [a for a in arms if a not in exp]
        if missing:
            raise CxDataError(
                "expected= has no share for some arms.",
                rule="expected maps every arm to its design share",
                examples=missing,
            )
        share = np.array([exp[a] for a in arms])
        share = share / share.sum()
    total = n.sum()
    if method == "binomial" and len(arms) != 2:
        raise CxDataError(
            f"The exact binomial SRM test compares two arms; there are {len(arms)}.",
            rule="method='binomial' needs exactly two arms",
            hint="pass method='chisquare' (any number of arms)",
        )
    if len(arms) < 2 or total == 0:
        stat, p = float("nan"), float("nan")
    elif method == "binomial":
        stat = n[0] / total
        from scipy import stats  # the rarer exact test: scipy loads only when asked

        p = stats.binomtest(int(n[0]), int(total), float(share[0])).pvalue
    else:  # Pearson chi-square = scipy.stats.chisquare (tests/experiment check it)
        exp_n = share * total
        stat = float(np.sum((n - exp_n) ** 2 / exp_n))
        p = chi2_sf(stat, len(arms) - 1)
    return pl.DataFrame(
        {
            "arm": arms,
            "n": n.astype(np.int64),
            "observed_share": n / total if total else np.full(len(arms), np.nan),
            "expected_share": share,
            "statistic": [float(stat)] * len(arms),
            "df": [len(arms) - 1] * len(arms),
            "p_value": [float(p)] * len(arms),
            "alarm": [bool(p < threshold)] * len(arms),
            "method": [method] * len(arms),
        }
    )


def srm(
    data: Any,
    *,
    arm: str = "arm",
    expected: Mapping[Any, float] | None = None,
    threshold: float = SRM_THRESHOLD,
    method: str = "chisquare",
) -> pl.DataFrame:
    """Sample-ratio-mismatch check on unit-level data (see :func:`srm_counts`).

    Returns
    -------
    polars.DataFrame
        ``arm``, ``n``, ``observed_share``, ``expected_share``, ``statistic``, ``df``,
        ``p_value``, ``alarm`` (p < ``threshold``, default 0.001), ``method``
        (``"chisquare"`` or ``"binomial"``, see :func:`srm_counts`).

    Examples
    --------
    >>> import polars as pl
    >>> srm(pl.DataFrame({"arm": ["a"] * 500 + ["b"] * 650}))["alarm"].to_list()
    [True, True]
    """
    if is_engine(data):  # DuckDB, Spark …: units per arm counted in the engine
        from cxkit.experiment import _engine

        return _engine.srm(data, arm=arm, expected=expected, threshold=threshold, method=method)
    lf = _frame(data)
    schema = lf.collect_schema()
    if arm not in schema:
        raise missing_column_error(
            arm, list(schema.names()), source="data", role="arm label", argument="arm"
        )
    c = lf.group_by(pl.col(arm).cast(pl.String).alias("arm")).agg(pl.len().alias("n")).collect()
    if c["arm"].null_count():
        raise CxDataError(
            "Some units have no arm.",
            column=arm,
            rule="every unit has an arm",
            n_rows=int(c.filter(pl.col("arm").is_null())["n"].sum()),
        )
    return srm_counts(
        dict(zip(c["arm"], c["n"], strict=True)),
        expected=expected,
        threshold=threshold,
        method=method,
    )


def response_balance(
    data: Any,
    *,
    arm: str = "arm",
    responded: str = "responded",
    threshold: float = SRM_THRESHOLD,
    aggregated: bool = False,
) -> pl.DataFrame:
    """Is the survey response rate balanced between arms? (chi-square test of independence).

    A treatment that changes who answers the survey biases every survey metric, so this
    check sits beside the SRM check at the top of an analysis.

    Parameters
    ----------
    data : frame
        Unit-level data with ``arm`` and a 0/1 or Boolean ``responded`` column, or with
        ``aggregated=True`` one row per arm with ``n_units`` and ``responded`` counts.

    Returns
    -------
    polars.DataFrame
        One row per arm: ``arm``, ``n``, ``n_responded``, ``response_rate``, then the test on
        every row: ``statistic``, ``df``, ``p_value``, ``alarm`` (p < ``threshold``).

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"arm": ["a", "b"] * 500, "responded": [1, 1, 0, 1] * 250})
    >>> response_balance(df).select("arm", "response_rate", "alarm").rows()
    [('a', 0.5, True), ('b', 1.0, True)]
    """
    if is_engine(data) and not aggregated:  # counted per arm in the engine
        from cxkit.experiment import _engine

        return _engine.response_balance(data, arm=arm, responded=responded, threshold=threshold)
    lf = _frame(data)
    if aggregated:
        c = lf.select(
            pl.col(arm).cast(pl.String).alias("arm"),
            pl.col("n_units").cast(pl.Float64).alias("n"),
            pl.col(responded).cast(pl.Float64).alias("n_responded"),
        ).collect()
    else:
        schema = lf.collect_schema()
        for col, role, argname in (
            (arm, "arm label", "arm"),
            (responded, "survey response flag", "responded"),
        ):
            if col not in schema:
                raise missing_column_error(
                    col, list(schema.names()), source="data", role=role, argument=argname
                )
        c = (
            lf.group_by(pl.col(arm).cast(pl.String).alias("arm"))
            .agg(
                pl.len().cast(pl.Float64).alias("n"),
                pl.col(responded).cast(pl.Float64).sum().alias("n_responded"),
            )
            .collect()
        )
    c = c.sort("arm")
    n, r = c["n"].to_numpy(), c["n_responded"].to_numpy()
    table = np.stack([r, n - r], axis=1)
    if len(n) < 2 or (table.sum(axis=0) == 0).any():
        stat, p, dof = float("nan"), float("nan"), len(n) - 1
    else:
        # Pearson chi-square of the arms × (responded, not) table without continuity
        # correction = scipy.stats.chi2_contingency(table, correction=False)
        exp_t = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
        stat, dof = float(np.sum((table - exp_t) ** 2 / exp_t)), len(n) - 1
        p = chi2_sf(stat, dof)
    k = len(n)
    return pl.DataFrame(
        {
            "arm": c["arm"],
            "n": n.astype(np.int64),
            "n_responded": r.astype(np.int64),
            "response_rate": r / n,
            "statistic": [float(stat)] * k,
            "df": [int(dof)] * k,
            "p_value": [float(p)] * k,
            "alarm": [bool(p < threshold)] * k,
        }
    )
