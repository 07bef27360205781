"""A/B tests of service changes, on sufficient statistics.

One polars ``group_by`` turns unit-level data into sufficient statistics per arm (and per
cluster / segment): ``n``, ``Σy``, ``Σy²`` and, for ratio metrics and CUPED, ``Σx``, ``Σx²``,
``Σxy``, ``Σz``, ``Σz²``, ``Σyz``, ``Σxz``. All inference runs on those small aggregates
(:mod:`cxkit.experiment._stats`), so :func:`from_aggregates` accepts the same numbers computed in a
warehouse.

* :func:`analyze` — effects of every treatment arm against control for every metric, with the
  sample-ratio and response-rate checks first (an :class:`Analysis`).
* :func:`from_aggregates` — the same from pre-aggregated statistics.
* :func:`srm`, :func:`response_balance` — the two data-quality checks on their own.
* :func:`decision_summary` — plain-language sentences computed from an :class:`Analysis`.
* :func:`proportional_odds` — ordinal ratings by a proportional-odds model (an option next
  to the probability of superiority of ``kind="ordinal"``).
* :func:`sample_size`, :func:`mde` — power (see :mod:`cxkit.experiment.power`).

Metric kinds: ``"proportion"`` (0/1 or Boolean), ``"mean"``, ``"nps"`` (0–10 ratings, recoded
−100/0/+100), ``"ordinal"`` (probability of superiority), and :class:`Metric` specs for ratio
metrics (``denominator=``) and CUPED (``covariate=``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from cxkit.errors import CxDataError, CxDataWarning, missing_column_error
from cxkit.experiment import _stats as _exp_stats
from cxkit.experiment._checks import response_balance, srm, srm_counts
from cxkit.experiment._data import (
    _SUMS,
    KINDS,
    Metric,
    _aggregate,
    _as_metrics,
    _check_columns,
    _lazy,
    _no_nulls,
    _ordinal_counts,
    aggregate,
    distribution,
)
from cxkit.experiment._inference import INFERENCE, decide_clustered
from cxkit.experiment._models import proportional_odds
from cxkit.experiment._summary import decision_summary
from cxkit.experiment.power import mde, sample_size
from cxkit.metrics import benjamini_hochberg, holm

__all__ = [
    "EFFECT_COLUMNS",
    "KINDS",
    "Analysis",
    "Metric",
    "aggregate",
    "analyze",
    "decision_summary",
    "distribution",
    "from_aggregates",
    "mde",
    "proportional_odds",
    "response_balance",
    "sample_size",
    "srm",
    "srm_counts",
]

#: Columns of :attr:`Analysis.effects`, in order.
EFFECT_COLUMNS = [
    "metric",
    "arm",
    "n_control",
    "n_treatment",
    "control_value",
    "treatment_value",
    "effect",
    "rel_effect",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adj",
    "decision",
]
_CORRECTIONS = ("holm", "bh", "bonferroni", "none")


@dataclass(frozen=True)
class Analysis:
    """Result of :func:`analyze`: checks first, then effects.

    Attributes
    ----------
    checks : polars.DataFrame
        One row per data-quality check, shown before any effect: ``check``
        (``"sample_ratio"`` / ``"response_rate"``), ``n``, ``statistic``, ``df``,
        ``p_value``, ``alarm`` (p < 0.001).
    effects : polars.DataFrame
        One row per metric × treatment arm (columns :data:`EFFECT_COLUMNS`): ``metric``,
        ``arm`` (String), ``n_control``, ``n_treatment``, ``control_value``,
        ``treatment_value`` (rates as fractions, NPS in points; CUPED-adjusted when a
        covariate is used; for ordinal metrics the probability-of-superiority scale, control
        0.5), ``effect`` (treatment − control, the metric's unit), ``rel_effect``
        (effect / |control_value|), ``ci_low``, ``ci_high``, ``p_value``, ``p_adj``
        (corrected over the family), ``decision`` (``"better"``, ``"worse"``,
        ``"no_detectable_change"``, ``"within_margin"``, ``"inconclusive"``).
    details : polars.DataFrame
        Same rows: ``metric``, ``arm``, ``kind``, ``role``, ``higher_is_better``, ``margin``,
        ``method``, ``se``, ``df``, ``var_reduction`` (CUPED), ``icc``, ``design_effect``,
        ``n_clusters`` (cluster designs).
    segments : polars.DataFrame or None
        ``segment`` + the effect columns per segment; ``p_adj`` is corrected over the
        segments within each metric × arm.
    srm, response : polars.DataFrame
        Per-arm detail of the two checks (see :func:`srm`, :func:`response_balance`).
    """

    checks: pl.DataFrame
    effects: pl.DataFrame
    details: pl.DataFrame
    srm: pl.DataFrame
    response: pl.DataFrame | None = None
    segments: pl.DataFrame | None = None
    control: str = ""
    alpha: float = 0.05
    metrics: tuple = field(default_factory=tuple)

    @property
    def alarm(self) -> bool:
        """True when any data-quality check raised an alarm."""
        return bool(self.checks["alarm"].any())


# --------------------------------------------------------------------------- inference
def _cell_arrays(rows: pl.DataFrame, m: Metric, clustered: bool, clusters: list[str] | None):
    """(n, s, m) arrays for one arm (batch of 1) from its long rows."""
    names = ["y"] + (["x"] if m.denominator else []) + (["z"] if m.covariate else [])
    sums = {
        ("y",): "sum",
        ("y", "y"): "sum_sq",
        ("x",): "sum_x",
        ("x", "x"): "sum_x_sq",
        ("x", "y"): "sum_xy",
        ("y", "x"): "sum_xy",
        ("z",): "sum_z",
        ("z", "z"): "sum_z_sq",
        ("y", "z"): "sum_yz",
        ("z", "y"): "sum_yz",
        ("x", "z"): "sum_xz",
        ("z", "x"): "sum_xz",
    }
    scale = {"y": 100.0 if m.kind == "nps" else 1.0, "x": 1.0, "z": 1.0}
    if clustered:
        codes = {c: j for j, c in enumerate(clusters)}
        idx = np.array([codes[c] for c in rows["cluster"].to_list()], dtype=int)
        g = len(clusters)
    else:
        idx = np.zeros(rows.height, dtype=int)
        g = 1
    p = len(names)
    n = np.zeros(g)
    s = np.zeros((g, p))
    mm = np.zeros((g, p, p))
    np.add.at(n, idx, rows["n"].to_numpy().astype(float))
    for a, va in enumerate(names):
        np.add.at(s[:, a], idx, rows[sums[(va,)]].fill_null(0).to_numpy() * scale[va])
        for b, vb in enumerate(names):
            vals = rows[sums[(va, vb)]].fill_null(0).to_numpy() * scale[va] * scale[vb]
            np.add.at(mm[:, a, b], idx, vals)
    if clustered:
        return {"n": n[None], "s": s[None], "m": mm[None]}
    return {"n": n[:1], "s": s[:1], "m": mm[:1]}


def _compare_numeric(rows_c, rows_t, m, design, alpha) -> dict[str, float]:
    """One numeric comparison; ``design`` is None (independent units) or the cluster design
    ``{"inference": ..., "strata": {cluster: stratum} or None, "labels": (control, arm)}``."""
    clustered = design is not None
    clusters = None
    if clustered:
        clusters = sorted(set(rows_c["cluster"].to_list()) | set(rows_t["cluster"].to_list()))
    c = _cell_arrays(rows_c, m, clustered, clusters)
    t = _cell_arrays(rows_t, m, clustered, clusters)
    kind = "mean" if m.denominator else m.kind
    res = _exp_stats.compare(
        c,
        t,
        kind=kind,
        ratio=bool(m.denominator),
        cuped=bool(m.covariate),
        clustered=clustered,
        alpha=alpha,
        cluster_se="cr1" if clustered and design["inference"] == "cr1" else "cr2",
    )
    out = {k: float(v[0]) for k, v in res.items()}
    out["n_assignments"] = float("nan")
    method = {
        "proportion": "newcombe_ci_pooled_z",
        "mean": "welch_t",
        "nps": "trinomial_z",
    }[m.kind]
    if m.denominator:
        method = "delta_method_ratio"
    if m.covariate:
        method += "+cuped"
    if clustered:
        strata = design["strata"]
        out, how, k = decide_clustered(
            out,
            c,
            t,
            inference=design["inference"],
            ratio=bool(m.denominator),
            cuped=bool(m.covariate),
            alpha=alpha,
            strata=None if strata is None else np.array([strata[g] for g in clusters]),
            labels=design["labels"],
            metric=m.label,
        )
        method = (
            how + ("; ratio of sums" if m.denominator else "") + ("; cuped" if m.covariate else "")
        )
        if k is not None:
            out["n_assignments"] = float(k)
    elif m.kind == "proportion" and not m.covariate:
        x0, n0 = c["s"][0, 0], c["n"][0]
        x1, n1 = t["s"][0, 0], t["n"][0]
        expected = np.outer([n0, n1], [x0 + x1, n0 + n1 - x0 - x1]) / (n0 + n1)
        if n0 > 0 and n1 > 0 and expected.min() < 5:
            table = np.array([[x1, n1 - x1], [x0, n0 - x0]]).round().astype(int)
            out["p_value"] = float(stats.fisher_exact(table).pvalue)
            method = "newcombe_ci_fisher_exact"
    out["method"] = method
    return out


def _compare_ordinal(counts_c: np.ndarray, counts_t: np.ndarray, alpha: float) -> dict[str, float]:
    from statsmodels.stats.nonparametric import rank_compare_2ordinal

    res = rank_compare_2ordinal(counts_t, counts_c)
    test = res.test_prob_superior()
    lo, hi = res.conf_int(alpha=alpha)
    return {
        "n_control": float(counts_c.sum()),
        "n_treatment": float(counts_t.sum()),
        "control_value": 0.5,
        "treatment_value": float(res.prob1),
        "effect": float(res.prob1 - 0.5),
        "se": float(np.sqrt(res.var_prob)),
        "df": float(test.df),
        "ci_low": float(lo - 0.5),
        "ci_high": float(hi - 0.5),
        "p_value": float(test.pvalue),
        "var_reduction": np.nan,
        "icc": np.nan,
        "design_effect": np.nan,
        "n_clusters": np.nan,
        "method": "prob_superiority_brunner_munzel",
    }


def _decide(effect, ci_low, ci_high, p_adj, alpha, m: Metric) -> str:
    if any(v is None or not np.isfinite(v) for v in (effect, p_adj)):
        return "inconclusive"
    good = effect > 0 if m.higher_is_better else effect < 0
    sig = p_adj < alpha
    if m.role == "guardrail":
        if sig and not good:
            return "worse"
        if m.margin is not None:
            within = ci_low > -m.margin if m.higher_is_better else ci_high < m.margin
            return "within_margin" if within else "inconclusive"
    if sig:
        return "better" if good else "worse"
    return "no_detectable_change"


def _adjust(p: np.ndarray, correction: str) -> np.ndarray:
    """Adjusted p-values (NaN stays NaN) — Holm / BH from :mod:`cxkit.metrics`."""
    p = np.asarray(p, float)
    if correction == "holm":
        return holm(p)
    if correction == "bh":
        return benjamini_hochberg(p)
    if correction == "bonferroni":
        return np.minimum(p * np.isfinite(p).sum(), 1.0)
    return p.copy()


def _rows_for_scope(long, m, arm_label, seg):
    f = (pl.col("metric") == m.label) & (pl.col("arm") == arm_label)
    if seg is not None:
        f = f & (pl.col("segment") == seg)
    return long.filter(f)


def _run(long, ordinal, specs, control, treatments, design, alpha, seg):
    rows = []
    for m in specs:
        for arm_label in treatments:
            if m.kind == "ordinal":
                oc, ot = ordinal[m.label](control, seg), ordinal[m.label](arm_label, seg)
                if oc.sum() == 0 or ot.sum() == 0:
                    res = _empty(oc.sum(), ot.sum())
                else:
                    res = _compare_ordinal(oc, ot, alpha)
            else:
                rc = _rows_for_scope(long, m, control, seg)
                rt = _rows_for_scope(long, m, arm_label, seg)
                nc, nt = rc["n"].sum(), rt["n"].sum()
                if nc < 2 or nt < 2:
                    res = _empty(nc, nt)
                else:
                    arm_design = design and {**design, "labels": (control, arm_label)}
                    res = _compare_numeric(rc, rt, m, arm_design, alpha)
            rows.append({"metric": m.label, "arm": arm_label, **res, "_m": m})
    return rows


def _empty(nc, nt) -> dict[str, Any]:
    nan = float("nan")
    keys = [
        "control_value",
        "treatment_value",
        "effect",
        "se",
        "df",
        "ci_low",
        "ci_high",
        "p_value",
        "var_reduction",
        "icc",
        "design_effect",
        "n_clusters",
        "n_assignments",
    ]
    return {
        "n_control": float(nc),
        "n_treatment": float(nt),
        **dict.fromkeys(keys, nan),
        "method": "too_few_units",
    }


def _family_keys(rows, family: str) -> list:
    if family == "all":
        return [0] * len(rows)
    if family == "role":
        return [r["_m"].role for r in rows]
    if family == "metric":
        return [r["metric"] for r in rows]
    raise ValueError(f"family must be 'role', 'metric' or 'all', got {family!r}")


def _finish(rows, alpha, correction, family, groups=None) -> tuple[pl.DataFrame, pl.DataFrame]:
    p = np.array([r["p_value"] for r in rows], float)
    keys = groups if groups is not None else _family_keys(rows, family)
    p_adj = np.full(len(rows), np.nan)
    for key in dict.fromkeys(keys):
        idx = np.array([i for i, k in enumerate(keys) if k == key])
        p_adj[idx] = _adjust(p[idx], correction)
    eff, det = [], []
    for r, pa in zip(rows, p_adj, strict=True):
        m = r["_m"]
        cv = r["control_value"]
        rel = r["effect"] / abs(cv) if cv not in (0.0,) and np.isfinite(cv) else float("nan")
        eff.append(
            {
                **{k: r[k] for k in ("metric", "arm")},
                "n_control": int(r["n_control"]),
                "n_treatment": int(r["n_treatment"]),
                "control_value": cv,
                "treatment_value": r["treatment_value"],
                "effect": r["effect"],
                "rel_effect": rel,
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "p_value": r["p_value"],
                "p_adj": float(pa),
                "decision": _decide(r["effect"], r["ci_low"], r["ci_high"], pa, alpha, m),
            }
        )
        det.append(
            {
                "metric": r["metric"],
                "arm": r["arm"],
                "kind": "ratio" if m.denominator else m.kind,
                "role": m.role,
                "higher_is_better": m.higher_is_better,
                "margin": float(m.margin) if m.margin is not None else None,
                "method": r["method"],
                "se": r["se"],
                "df": r["df"],
                "var_reduction": r["var_reduction"],
                "icc": r["icc"],
                "design_effect": r["design_effect"],
                "n_clusters": None if not np.isfinite(r["n_clusters"]) else int(r["n_clusters"]),
                "n_assignments": (
                    int(r["n_assignments"]) if np.isfinite(r.get("n_assignments", np.nan)) else None
                ),
            }
        )
    schema = {c: pl.Float64 for c in EFFECT_COLUMNS}
    schema.update(
        {
            "metric": pl.String,
            "arm": pl.String,
            "decision": pl.String,
            "n_control": pl.Int64,
            "n_treatment": pl.Int64,
        }
    )
    effects = pl.DataFrame(eff, schema=schema, strict=False).fill_nan(None)
    dschema = {
        "metric": pl.String,
        "arm": pl.String,
        "kind": pl.String,
        "role": pl.String,
        "higher_is_better": pl.Boolean,
        "margin": pl.Float64,
        "method": pl.String,
        "se": pl.Float64,
        "df": pl.Float64,
        "var_reduction": pl.Float64,
        "icc": pl.Float64,
        "design_effect": pl.Float64,
        "n_clusters": pl.Int64,
        "n_assignments": pl.Int64,
    }
    details = pl.DataFrame(det, schema=dschema, strict=False).fill_nan(None)
    return effects, details


def _checks_frame(srm_frame: pl.DataFrame, resp: pl.DataFrame | None) -> pl.DataFrame:
    rows = [
        {
            "check": "sample_ratio",
            "n": int(srm_frame["n"].sum()),
            "statistic": srm_frame["statistic"][0],
            "df": srm_frame["df"][0],
            "p_value": srm_frame["p_value"][0],
            "alarm": bool(srm_frame["alarm"][0]),
        }
    ]
    if resp is not None:
        rows.append(
            {
                "check": "response_rate",
                "n": int(resp["n"].sum()),
                "statistic": resp["statistic"][0],
                "df": resp["df"][0],
                "p_value": resp["p_value"][0],
                "alarm": bool(resp["alarm"][0]),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "check": pl.String,
            "n": pl.Int64,
            "statistic": pl.Float64,
            "df": pl.Int64,
            "p_value": pl.Float64,
            "alarm": pl.Boolean,
        },
    )


def _cluster_design(long: pl.DataFrame, inference: str, strata: str | None) -> dict:
    """The randomisation design of a clustered analysis: method and cluster → stratum."""
    if inference not in INFERENCE:
        raise ValueError(f"inference must be one of {INFERENCE}, got {inference!r}")
    if strata is None:
        return {"inference": inference, "strata": None}
    if strata not in long.columns:
        raise missing_column_error(
            strata,
            long.columns,
            source="aggregates",
            role="randomisation strata",
            argument="strata",
        )
    per = long.group_by("cluster").agg(pl.col(strata).cast(pl.String).n_unique().alias("k"))
    bad = per.filter(pl.col("k") > 1)
    if bad.height:
        raise CxDataError(
            f"{bad.height} cluster(s) lie in more than one stratum.",
            column=strata,
            rule="strata are assigned to whole clusters (constant within a cluster)",
            n_rows=bad.height,
            examples=bad["cluster"].head(5).to_list(),
            hint="pass the stratum the cluster was randomised in, one per cluster",
        )
    pairs = long.select("cluster", pl.col(strata).cast(pl.String)).unique()
    return {"inference": inference, "strata": dict(pairs.iter_rows())}


def from_aggregates(
    aggregates: pl.DataFrame,
    *,
    control: Any,
    metrics: Mapping[str, Any],
    alpha: float = 0.05,
    correction: str = "holm",
    guardrails: Mapping[str, float | None] | Sequence[str] | None = None,
    family: str = "role",
    expected: Mapping[Any, float] | None = None,
    ignore_clusters: bool = False,
    inference: str = "auto",
    strata: str | None = None,
    _ordinal: Mapping | None = None,
) -> Analysis:
    """Analyse an experiment from sufficient statistics (e.g. a warehouse query).

    Parameters
    ----------
    aggregates : polars.DataFrame
        One row per metric × arm (× ``cluster``) (× ``segment``), columns as returned by
        :func:`aggregate`: ``metric``, ``arm``, optional ``cluster`` and ``segment``,
        ``n_units`` (units in the cell, for the SRM check; optional), ``n_responded``
        (optional), ``n``, ``sum``, ``sum_sq`` and for ratio / CUPED metrics ``sum_x``,
        ``sum_x_sq``, ``sum_xy``, ``sum_z``, ``sum_z_sq``, ``sum_yz``, ``sum_xz``. For NPS give
        the −1/0/+1 recoded sums: ``sum`` = promoters − detractors, ``sum_sq`` = promoters +
        detractors. Metric names are the keys of ``metrics``.
    control, metrics, alpha, correction, guardrails, family
        As in :func:`analyze`. ``metrics`` values are kinds or :class:`Metric`; ratio and
        CUPED metrics only need the ``denominator`` / ``covariate`` set to any non-empty name.
    expected : mapping arm → share, optional
        Design shares for the SRM check (default equal).
    inference, strata
        As in :func:`analyze`; ``strata`` names a column of ``aggregates`` that is
        constant within each cluster.

    Returns
    -------
    Analysis
        See :class:`Analysis`. A ``cluster`` column gives cluster-robust inference.

    Examples
    --------
    >>> import polars as pl
    >>> agg = pl.DataFrame({"metric": ["resolved"] * 2, "arm": ["old", "new"], "n_units": [1000, 1000],
    ...                     "n": [1000, 1000], "sum": [700.0, 745.0], "sum_sq": [700.0, 745.0]})
    >>> res = from_aggregates(agg, control="old", metrics={"resolved": "proportion"})
    >>> round(res.effects["effect"][0], 3), round(res.effects["p_value"][0], 4)
    (0.045, 0.0247)
    """
    specs = _as_metrics(metrics, None, guardrails)
    if correction not in _CORRECTIONS:
        raise ValueError(f"correction must be one of {sorted(_CORRECTIONS)}, got {correction!r}")
    long = aggregates.with_columns(pl.col("arm").cast(pl.String))
    for s in _SUMS:
        if s not in long.columns:
            long = long.with_columns(pl.lit(None, pl.Float64).alias(s))
    control = str(control)
    arms = sorted(
        set(long["arm"].to_list()) | set(getattr(_ordinal, "arms", []) if _ordinal else [])
    )
    if control not in arms:
        raise CxDataError(
            f"The control arm {control!r} is not in the data.",
            column="arm",
            rule="control names one of the arms",
            examples=arms,
            hint=f"pass control= one of {arms}",
        )
    if len(arms) < 2:
        raise CxDataError(
            "The experiment has only one arm.",
            column="arm",
            examples=arms,
            rule="at least a control and one treatment arm",
        )
    treatments = [a for a in arms if a != control]
    clustered = "cluster" in long.columns and not ignore_clusters
    design = _cluster_design(long, inference, strata) if clustered else None
    # SRM on units per arm
    if "n_units" in long.columns and long.height:
        first = long["metric"][0]
        units = long.filter(pl.col("metric") == first).group_by("arm").agg(pl.col("n_units").sum())
    else:
        warnings.warn(
            "aggregates have no n_units column: the SRM check uses the first metric's n",
            CxDataWarning,
            stacklevel=2,
        )
        first = long["metric"][0]
        units = (
            long.filter(pl.col("metric") == first)
            .group_by("arm")
            .agg(pl.col("n").sum().alias("n_units"))
        )
    units = units.sort("arm")
    srm_frame = srm_counts(
        dict(zip(units["arm"], units["n_units"], strict=True)), expected=expected
    )
    resp = None
    if "n_responded" in long.columns and long["n_responded"].null_count() < long.height:
        r = (
            long.filter(pl.col("metric") == first)
            .group_by("arm")
            .agg(pl.col("n_units").sum(), pl.col("n_responded").sum())
            .sort("arm")
        )
        resp = response_balance(r, arm="arm", responded="n_responded", aggregated=True)
    ordinal = _ordinal or {}
    rows = _run(long, ordinal, specs, control, treatments, design, alpha, None)
    effects, details = _finish(rows, alpha, correction, family)
    segments = None
    if "segment" in long.columns:
        segs = sorted(set(long["segment"].to_list()))
        srows, groups = [], []
        for seg in segs:
            for r in _run(long, ordinal, specs, control, treatments, design, alpha, seg):
                srows.append(r)
                groups.append((r["metric"], r["arm"]))
        seg_eff, _ = _finish(srows, alpha, correction, family, groups=groups)
        seg_col = pl.Series(
            "segment", [s for s in segs for _ in range(len(specs) * len(treatments))]
        )
        segments = seg_eff.insert_column(0, seg_col)
    return Analysis(
        checks=_checks_frame(srm_frame, resp),
        effects=effects,
        details=details,
        srm=srm_frame,
        response=resp,
        segments=segments,
        control=control,
        alpha=alpha,
        metrics=tuple(specs),
    )


def analyze(
    data: Any,
    *,
    arm: str = "arm",
    control: Any,
    metrics: Mapping[str, Any],
    cluster: str | None = None,
    covariates: Mapping[str, str] | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
    guardrails: Mapping[str, float | None] | Sequence[str] | None = None,
    segment: str | None = None,
    family: str = "role",
    responded: str | None = "responded",
    expected: Mapping[Any, float] | None = None,
    ignore_clusters: bool = False,
    inference: str = "auto",
    strata: str | None = None,
) -> Analysis:
    """Analyse an A/B test of a service change: checks first, then effects.

    Parameters
    ----------
    data : polars DataFrame / LazyFrame or pandas DataFrame
        One row per unit (customer, contact) with the ``arm`` column and metric columns.
    arm : str
        Arm column (string or integer labels).
    control : str or int
        Label of the control arm; every other arm is compared with it.
    metrics : mapping
        Column → kind (``"proportion"``, ``"mean"``, ``"nps"``, ``"ordinal"``), a
        :class:`Metric`, or a dict of :class:`Metric` fields (handy for notebook parameters).
    cluster : str, optional
        Randomisation cluster (agent, team, store, week): inference valid with few clusters
        (see ``inference``), with the ICC and design effect in :attr:`Analysis.details`. If
        the data has a ``cluster`` column, ignoring it must be explicit
        (``ignore_clusters=True``).
    covariates : mapping, optional
        Metric column → pre-period covariate (CUPED).
    alpha : float
        Significance level; CIs are ``1 − alpha``.
    correction : {"holm", "bh", "bonferroni", "none"}
        Multiple-testing correction over the family.
    guardrails : mapping or sequence, optional
        Metric names that are guardrails, optionally → non-inferiority margin.
    segment : str, optional
        Segment column: effects per segment in :attr:`Analysis.segments`, corrected over
        the number of segments.
    family : {"role", "metric", "all"}
        Multiple-testing family: primary and guardrail metrics separately (all arms), each
        metric separately (arms only), or everything together.
    responded : str, optional
        0/1 or Boolean column marking survey responders: response-rate balance is checked.
    expected : mapping arm → share, optional
        Design allocation for the SRM check (default equal shares).
    ignore_clusters : bool
        Analyse units as independent even though the data has a ``cluster`` column.
    inference : {"auto", "randomization", "cr2", "cr1", "wild_bootstrap"}
        Clustered designs only. ``"auto"``: the CR2 standard error with Bell–McCaffrey
        degrees of freedom, and with fewer than 50 clusters the p-value and CI of
        randomisation inference over the cluster assignment (complete randomisation of the
        clusters with the observed arm sizes, within ``strata``; all assignments up to
        10,000, else 10,000 drawn with a fixed seed; studentised CR2 statistic; the CI
        inverts the test under a constant additive effect). ``"randomization"`` forces it,
        ``"cr2"`` uses the t-test alone, ``"cr1"`` the CR1 t-test with ``G − 1`` df (as
        statsmodels / Stata), ``"wild_bootstrap"`` the restricted wild cluster bootstrap-t
        (Webb weights under 12 clusters, Rademacher otherwise). ``details`` shows the method.
    strata : str, optional
        Column (constant within each cluster) of the strata the clusters were randomised
        in; the randomisation test permutes within them.

    Returns
    -------
    Analysis
        ``checks`` (SRM, response-rate balance), ``effects`` (one row per metric ×
        treatment arm with :data:`EFFECT_COLUMNS`), ``details``, ``segments``.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"arm": ["a", "b"] * 50, "resolved": [0, 1, 1, 1] * 25})
    >>> res = analyze(df, control="a", metrics={"resolved": "proportion"})
    >>> res.checks["check"].to_list(), res.effects["effect"].to_list()
    (['sample_ratio'], [0.5])
    """
    lf = _lazy(data)
    schema = lf.collect_schema()
    if cluster is None and "cluster" in schema and not ignore_clusters:
        raise CxDataError(
            "The data has a 'cluster' column but no cluster= was given.",
            column="cluster",
            rule="ignoring the randomisation clusters must be an explicit choice",
            hint="pass cluster='cluster' (cluster-robust CIs) or ignore_clusters=True",
        )
    if ignore_clusters:
        cluster = None
    specs = _as_metrics(metrics, covariates, guardrails)
    if cluster and any(m.kind == "ordinal" for m in specs):
        raise CxDataError(
            "Ordinal metrics have no cluster-robust analysis here.",
            rule="ordinal metrics need independent units",
            hint="analyse the rating as kind='mean' with cluster=..., or aggregate per cluster",
        )
    cols = {c for m in specs for c in (m.column, m.denominator, m.covariate) if c}
    long, _, key_names = _aggregate(
        lf, schema, specs, arm, cluster, segment, responded, _no_nulls(data, cols)
    )
    ordinal = None
    if any(m.kind == "ordinal" for m in specs):
        keys = (
            [pl.col(segment).cast(pl.String).fill_null("(missing)").alias("segment")]
            if segment
            else []
        )
        keys.append(pl.col(arm).cast(pl.String).alias("arm"))
        ordinal = _ordinal_counts(lf, specs, keys, key_names)
    if long.height == 0:  # only ordinal metrics: unit counts for the checks
        cell = lf.group_by(pl.col(arm).cast(pl.String).alias("arm")).agg(pl.len().alias("n_units"))
        long = cell.collect().with_columns(pl.lit("").alias("metric"), pl.lit(0).alias("n"))
    if cluster and strata:
        _check_columns(schema, [strata], "randomisation strata", "strata")
        per = lf.group_by(pl.col(cluster).cast(pl.String).alias("cluster")).agg(
            pl.col(strata).cast(pl.String).unique().alias("strata")
        )
        per = per.collect().explode("strata")  # one row per cluster × stratum
        long = long.join(per, on="cluster", how="left")
    return from_aggregates(
        long,
        control=control,
        metrics={m.label: m for m in specs},
        alpha=alpha,
        correction=correction,
        family=family,
        expected=expected,
        inference=inference,
        strata="strata" if cluster and strata else None,
        _ordinal=ordinal,
    )
