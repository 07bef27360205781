"""Score definitions and :func:`summarize`: any score per group with its effective base and interval.

* **CSAT** — the top-box proportion (default 4–5 on a 1–5 scale; configurable for 1–7 and
  0–10), with a Wilson interval (Agresti–Coull as an option).
* **NPS** — % promoters (9–10) minus % detractors (0–6) in points (−100..100), with the
  adjusted-Wald interval of Rocks (2016) (Wald as an option).
* **CES** — customer effort on 1–7: the mean, the % agree (5–7) or the net score
  (% agree − % disagree, 1–3).
* **proportion** — the proportion of 1 / True in a yes/no column (Wilson).
* **mean** — t interval.

Sufficient statistics come from one polars ``group_by`` (lazy); the intervals are computed on
the small aggregate with numpy/scipy (:mod:`cxkit.metrics.intervals`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import polars as pl

from cxkit._frames import bad_argument, check_choice, require_columns, require_numeric, to_lazy
from cxkit.errors import CxDataError
from cxkit.metrics.intervals import mean_interval, nps_interval, proportion_interval
from cxkit.schema import PROPORTION

__all__ = [
    "CES_SCORES",
    "DEFAULT_SCALES",
    "METRIC_ALIASES",
    "SCORE_KINDS",
    "ScoreKind",
    "check_score_arguments",
    "default_top_box",
    "estimates_from_sums",
    "resolve_top_box",
    "score_kind",
    "summarize",
]

#: What a score column is summarised as (``metric=``). ``"share"`` is the deprecated name of
#: ``"proportion"`` (accepted with a ``DeprecationWarning`` for one release).
ScoreKind = Literal["mean", "csat", "nps", "ces", "proportion"]
SCORE_KINDS: tuple[str, ...] = ("mean", "csat", "nps", "ces", PROPORTION)
#: Common names for a metric (lower case, ``-`` and spaces as ``_``) → its canonical name.
METRIC_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        ("top2box", "top_2_box", "top_two_box", "t2b", "top_box", "topbox", "csat_top_box"),
        "csat",
    ),
    **dict.fromkeys(("net_promoter_score", "net_promoter"), "nps"),
    **dict.fromkeys(("customer_effort", "customer_effort_score"), "ces"),
    **dict.fromkeys(("average", "avg"), "mean"),
    **dict.fromkeys(("rate", "yes_rate", "percent", "pct"), PROPORTION),
}
#: ``ces=`` choices: the mean, the proportion agreeing, or agree − disagree.
CES_SCORES: tuple[str, ...] = ("mean", "agree", "net")

#: Default rating scale (inclusive) for each metric when ``scale`` is not given.
DEFAULT_SCALES: dict[str, tuple[int, int]] = {
    "csat": (1, 5),
    "nps": (0, 10),
    "ces": (1, 7),
    PROPORTION: (0, 1),
    "share": (0, 1),  # deprecated alias of "proportion"
}

# metric labels (the ``metric`` column of results) grouped by how they are estimated
_MEAN_LABELS = ("mean", "ces_mean")
_PROPORTION_LABELS = ("csat_top_box", "ces_agree", PROPORTION)


def score_kind(metric: str, *, stacklevel: int = 3) -> str:
    """Validate a ``metric=`` choice; common aliases (:data:`METRIC_ALIASES`: ``"top2box"`` →
    ``"csat"``, …) map to the canonical name; the deprecated ``"share"`` becomes ``"proportion"``.

    Raises
    ------
    CxDataError
        For an unknown metric, naming the choices.

    Examples
    --------
    >>> score_kind("csat"), score_kind("top2box"), score_kind("Net Promoter Score")
    ('csat', 'csat', 'nps')
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     (score_kind("share"), w[0].category.__name__)
    ('proportion', 'DeprecationWarning')
    """
    if metric == "share":
        warnings.warn(
            'metric="share" is deprecated and will be removed in the next release: '
            'use metric="proportion" instead',
            DeprecationWarning,
            stacklevel=stacklevel,
        )
        return PROPORTION
    if isinstance(metric, str) and metric not in SCORE_KINDS:
        key = metric.strip().lower().replace("-", "_").replace(" ", "_")
        metric = METRIC_ALIASES.get(key, key if key in SCORE_KINDS else metric)
    check_choice(metric, SCORE_KINDS, argument="metric", what="score metric")
    return metric


def default_top_box(scale: tuple[float, float]) -> tuple[float, float]:
    """The default CSAT top box for a scale: 4–5 on 1–5, 6–7 on 1–7, 9–10 on 0–10.

    Other scales: the top two points.

    Examples
    --------
    >>> default_top_box((1, 7))
    (6, 7)
    """
    lo, hi = scale
    return (hi - 1, hi)


def resolve_top_box(top_box, scale) -> tuple[float, float]:
    """The ``(low, high)`` points counted as top box: ``None`` → :func:`default_top_box`, an int
    ``k`` → the top ``k`` points, a range → itself (checked against the scale)."""
    if top_box is None:
        return default_top_box(scale)
    if isinstance(top_box, int | np.integer):
        k = int(top_box)
        if k < 1:
            raise bad_argument(
                "top_box",
                k,
                rule="an int top_box is the number of top points, >= 1",
                hint="pass top_box=2 for the top two points, or a (low, high) range",
            )
        return (scale[1] - k + 1, scale[1])
    lo, hi = top_box
    if lo > hi or lo < scale[0] or hi > scale[1]:
        raise bad_argument(
            "top_box",
            top_box,
            rule=f"a (low, high) top_box lies within the scale {scale!r}",
            hint=f"pass a range inside {scale!r}, e.g. top_box=({scale[1] - 1}, {scale[1]})",
        )
    return (lo, hi)


def _as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _check_values(base: pl.LazyFrame, column: str, weight: str | None, scale) -> None:
    """Scores within ``scale`` and weights >= 0, on the valid rows (one lazy pass each)."""
    checks = []
    if scale is not None:
        checks.append(
            (
                (pl.col("_x") < scale[0]) | (pl.col("_x") > scale[1]),
                f"scores within {scale[0]}–{scale[1]}",
                "pass scale=(low, high) matching your data, or map the codes to null first "
                "(e.g. cx.read_survey(..., na_codes=[...]))",
            )
        )
    if weight:
        checks.append((pl.col("_w") < 0, "weights >= 0", "fix or drop the negative weights"))
    for cond, rule, hint in checks:
        bad = base.filter(pl.col("_ok") & cond).select("_x", "_w").head(5).collect()
        if bad.height:
            n_bad = base.filter(pl.col("_ok") & cond).select(pl.len()).collect().item()
            raise CxDataError(
                f"Column {column!r} breaks the rule: {rule}.",
                source="summarize",
                column=column if "score" in rule else weight,
                rule=rule,
                n_rows=n_bad,
                examples=bad.rename({"_x": column, "_w": weight or "weight"}).to_dicts(),
                hint=hint,
            )


def _aggregations(kind: str, ces: str, scale, top_box) -> tuple[str, list[pl.Expr]]:
    """The metric label and the weighted sums that estimate it (besides n, Σw and Σw²)."""
    wc, xc = pl.col("_w"), pl.col("_x")
    if kind == "mean" or (kind == "ces" and ces == "mean"):
        m = (wc * xc).sum() / wc.sum()
        label = "mean" if kind == "mean" else "ces_mean"
        return label, [m.alias("m"), (wc * (xc - m) ** 2).sum().alias("ss")]
    if kind in ("csat", PROPORTION) or (kind == "ces" and ces == "agree"):
        if kind == PROPORTION:
            lo, hi, label = 1, 1, PROPORTION
        elif kind == "csat":
            (lo, hi), label = resolve_top_box(top_box, scale), "csat_top_box"
        else:
            lo, hi, label = (scale[0] + scale[1]) / 2 + 0.5, scale[1], "ces_agree"  # 5–7 on 1–7
        hit = ((xc >= lo) & (xc <= hi)).cast(pl.Float64)
        return label, [(wc * hit).sum().alias("s_top")]
    if kind == "nps":
        top, bottom, label = 9, 6, "nps"
    else:  # ces net
        mid = (scale[0] + scale[1]) / 2
        top, bottom, label = mid + 0.5, mid - 0.5, "ces_net"
    return label, [
        (wc * (xc >= top).cast(pl.Float64)).sum().alias("s_top"),
        (wc * (xc <= bottom).cast(pl.Float64)).sum().alias("s_bottom"),
    ]


def estimates_from_sums(
    agg: pl.DataFrame, label: str, *, weighted: bool, alpha: float, interval: str | None
) -> dict[str, Any]:
    """n, n_eff, estimate, interval, standard error and per-response sd from per-group sums.

    The one finishing step of every score: the polars path and the engine push-down both build
    the aggregate (one row per group: ``n``, ``sw``, ``sw2`` and, by kind, ``m``/``ss`` for
    means or ``s_top``/``s_bottom`` for proportions and NPS) and call this, so their results
    are the same numbers.
    """
    n = agg["n"].fill_null(0).to_numpy().astype(float)
    sw = agg["sw"].fill_null(0).to_numpy().astype(float)
    sw2 = agg["sw2"].fill_null(0).to_numpy().astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(sw2 > 0, sw**2 / sw2, 0.0) if weighted else n.copy()
        n_eff = np.where(n > 0, n_eff, 0.0)
        if label in _MEAN_LABELS:
            est = agg["m"].cast(pl.Float64).fill_null(np.nan).to_numpy()
            ss = agg["ss"].cast(pl.Float64).fill_null(np.nan).to_numpy()
            # weighted variance with the n/(n-1) correction; reduces to the sample variance
            var = np.where(n >= 2, ss / sw * n / (n - 1), np.nan)
            low, high = mean_interval(est, np.sqrt(var), n_eff, alpha=alpha)
            unit_sd = np.sqrt(var)
        elif label in _PROPORTION_LABELS:
            est = agg["s_top"].to_numpy() / sw
            low, high = proportion_interval(
                est * n_eff, n_eff, alpha=alpha, method=interval or "wilson"
            )
            unit_sd = np.sqrt(est * (1 - est))
        else:
            p_top = agg["s_top"].to_numpy() / sw
            p_bot = agg["s_bottom"].to_numpy() / sw
            est, low, high = nps_interval(
                p_top * n_eff,
                (1 - p_top - p_bot) * n_eff,
                p_bot * n_eff,
                alpha=alpha,
                method=interval or "adjusted_wald",
            )
            unit_sd = 100 * np.sqrt(np.clip(p_top + p_bot - (p_top - p_bot) ** 2, 0, None))
            if label == "ces_net":
                est, low, high, unit_sd = est / 100, low / 100, high / 100, unit_sd / 100
        std_err = np.where(n_eff > 0, unit_sd / np.sqrt(n_eff), np.nan)
    return {
        "n": n,
        "n_eff": n_eff,
        "estimate": est,
        "ci_low": low,
        "ci_high": high,
        "se": std_err,
        "sd": unit_sd,
    }


def check_score_arguments(
    schema: pl.Schema,
    column: str,
    *,
    kind: str,
    by: list[str],
    weight: str | None,
    ces: str,
    scale: tuple[float, float] | None,
) -> tuple[float, float] | None:
    """The argument checks of :func:`summarize` (polars and engine paths) for a score of
    ``kind`` (:func:`score_kind`, called by the caller so its deprecation warning points at
    the user): the scale (the default one when ``scale`` is None); a ``CxDataError`` for a
    bad choice, a missing or non-numeric column, or NPS off 0–10."""
    check_choice(ces, CES_SCORES, argument="ces", what="CES scoring")
    roles = {b: ("grouping column", "by") for b in by}
    if weight is not None:
        roles = {weight: ("weight", "weight")} | roles
    require_columns(schema, {column: ("score", "column")} | roles, source="summarize")
    require_numeric(schema, column, role="score", source="summarize")
    if scale is None:
        scale = DEFAULT_SCALES.get(kind)
    if kind == "nps" and tuple(scale) != (0, 10):
        raise CxDataError(
            f"NPS is defined on 0–10, got scale={tuple(scale)!r}.",
            source="summarize",
            column=column,
            rule="NPS scale 0–10",
            hint="rescale the scores to 0–10 first, or use metric='mean'",
        )
    return scale


def summarize(
    frame: Any,
    column: str,
    *,
    metric: ScoreKind = "mean",
    by: str | Sequence[str] | None = None,
    weight: str | None = None,
    scale: tuple[float, float] | None = None,
    top_box: tuple[float, float] | int | None = None,
    ces: Literal["mean", "agree", "net"] = "mean",
    interval: str | None = None,
    alpha: float = 0.05,
    se: bool = False,
) -> pl.DataFrame:
    """A score per group with its effective base and interval.

    Sufficient statistics come from one polars ``group_by`` (lazy); intervals are
    computed on the aggregate. Missing scores (null/NaN) and rows with a missing weight
    are left out of ``n``.

    Parameters
    ----------
    frame : polars DataFrame or LazyFrame, pandas DataFrame or pyarrow Table
        One row per response; not modified.
    column : str
        The score column.
    metric : {"mean", "csat", "nps", "ces", "proportion"}
        ``"mean"``: mean with t interval. ``"proportion"``: proportion of 1/True in a 0/1 or
        Boolean column (Wilson; ``"share"`` is its deprecated name). ``"csat"``: top-box
        proportion (Wilson). ``"nps"``: NPS in points on 0–10 (adjusted Wald). ``"ces"``:
        effort on 1–7, scored as set by ``ces``.
    by : str or list of str, optional
        Grouping columns; the result has one row per group, sorted by them.
    weight : str, optional
        Weight column (non-negative). Estimates are weighted; intervals use Kish's n_eff.
    scale : (low, high), optional
        Inclusive valid range of the scores; values outside raise :class:`CxDataError`.
        Defaults: csat 1–5, nps 0–10, ces 1–7, proportion 0–1; not checked for ``"mean"``
        unless given.
    top_box : (low, high) or int, optional
        CSAT top box (inclusive range) or the number of top points; default top two.
    ces : {"mean", "agree", "net"}
        CES as the mean, the proportion agreeing (5–7 on 1–7, i.e. above the midpoint) or the
        net score (proportion agreeing − proportion disagreeing, as a fraction −1..1).
    interval : str, optional
        ``"wilson"`` (default) or ``"agresti_coull"`` for proportions; ``"adjusted_wald"``
        (default) or ``"wald"`` for NPS and CES net.
    alpha : float
        1 − confidence level.
    se : bool
        Also return ``se`` (standard error of the estimate, using n_eff) and ``sd`` (the
        per-response standard deviation of the score: for proportions √(p(1−p)), for NPS
        100·√(p_pro + p_det − (p_pro − p_det)²)), used by comparisons and control charts.

    Returns
    -------
    polars.DataFrame
        The ``by`` columns, then:

        ========== ===============================================================
        n          responses with a score (Int64)
        n_eff      Kish effective n (= n without weights)
        estimate   the score: mean, proportion 0–1, NPS points, or CES net −1..1
        ci_low     lower bound (null when it cannot be computed, e.g. n < 2)
        ci_high    upper bound
        metric     label of what ``estimate`` is: ``mean``, ``csat_top_box``,
                   ``nps``, ``ces_mean``, ``ces_agree``, ``ces_net`` or ``proportion``
        ========== ===============================================================

    Raises
    ------
    CxDataError
        For input that is not a table, a missing or non-numeric column, scores outside the
        scale, negative weights or an unknown ``metric`` / ``ces``.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"seg": ["a"] * 4 + ["b"] * 4, "csat": [5, 4, 2, 5, 3, 3, 4, 1]})
    >>> summarize(df, "csat", metric="csat", by="seg").select("seg", "n", "estimate")
    shape: (2, 3)
    ┌─────┬─────┬──────────┐
    │ seg ┆ n   ┆ estimate │
    │ --- ┆ --- ┆ ---      │
    │ str ┆ i64 ┆ f64      │
    ╞═════╪═════╪══════════╡
    │ a   ┆ 4   ┆ 0.75     │
    │ b   ┆ 4   ┆ 0.25     │
    └─────┴─────┴──────────┘
    """
    lf = to_lazy(frame, what="frame")
    by_cols = _as_list(by)
    kind = score_kind(metric)
    scale = check_score_arguments(
        lf.collect_schema(), column, kind=kind, by=by_cols, weight=weight, ces=ces, scale=scale
    )

    x = pl.col(column).cast(pl.Float64)
    valid = x.is_not_null() & x.is_not_nan()
    w = pl.col(weight).cast(pl.Float64) if weight else pl.lit(1.0)
    if weight:
        valid = valid & w.is_not_null() & w.is_not_nan()
    base = lf.select(*by_cols, x.alias("_x"), w.alias("_w"), valid.alias("_ok"))
    _check_values(base, column, weight, scale)

    label, stat_aggs = _aggregations(kind, ces, scale, top_box)
    wc = pl.col("_w")
    aggs = [pl.len().cast(pl.Int64).alias("n"), wc.sum().alias("sw"), (wc * wc).sum().alias("sw2")]
    ok = base.filter(pl.col("_ok"))
    if by_cols:
        agg = ok.group_by(by_cols).agg(aggs + stat_aggs).sort(by_cols, nulls_last=True).collect()
    else:
        agg = ok.select(aggs + stat_aggs).collect()  # one row, also for empty input
    res = estimates_from_sums(agg, label, weighted=bool(weight), alpha=alpha, interval=interval)
    cols = ["n", "n_eff", "estimate", "ci_low", "ci_high"] + (["se", "sd"] if se else [])
    stats_frame = pl.DataFrame(
        {c: np.atleast_1d(res[c]).astype(np.int64 if c == "n" else float) for c in cols}
    ).with_columns(
        pl.col([c for c in cols if c not in ("n", "n_eff")]).fill_nan(None), metric=pl.lit(label)
    )
    if se:  # metric before se / sd, as before
        stats_frame = stats_frame.select(*cols[:5], "metric", "se", "sd")
    return pl.concat([agg.select(by_cols), stats_frame], how="horizontal")
