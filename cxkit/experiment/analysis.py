"""The analysis of an A/B test: :func:`analyze`, :func:`from_aggregates` and :class:`Analysis`.

Unit-level data becomes sufficient statistics per arm × cluster × segment
(:mod:`~cxkit.experiment.aggregate`); the data-quality checks run first
(:mod:`~cxkit.experiment.checks`); every metric × treatment arm is compared
(:mod:`~cxkit.experiment.effects`, :mod:`~cxkit.experiment.inference`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from cxkit._frames import check_choice, check_correction, renamed_args
from cxkit.errors import CxDataError, CxDataWarning, missing_column_error
from cxkit.experiment.aggregate import (
    _SUMS,
    _aggregate,
    _check_columns,
    _lazy,
    _no_nulls,
    _ordinal_counts,
    segment_key,
)
from cxkit.experiment.checks import response_balance, srm_counts
from cxkit.experiment.effects import compare_all, effect_frames
from cxkit.experiment.inference import INFERENCE
from cxkit.experiment.quantile import unit_level_rows
from cxkit.experiment.spec import UNIT_LEVEL, as_metrics
from cxkit.io.engines import is_engine

#: ``comparisons=`` choices: every arm against the control, or every pair of arms.
COMPARISONS = ("control", "all_pairs")

__all__ = ["COMPARISONS", "Analysis", "analyze", "from_aggregates"]


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

    def _shown(self, render: Any) -> str:
        from cxkit.experiment.summary import decision_summary

        return render(
            self.checks,
            self.effects,
            kinds=dict(zip(self.details["metric"], self.details["kind"], strict=False)),
            verdict=decision_summary(self)[self.checks.height :],  # the checks are shown above
            control=self.control,
            level=round((1 - self.alpha) * 100),
        )

    def _repr_html_(self) -> str:
        """Notebook display: checks with alarm badges, effects with units, the verdict."""
        from cxkit.report.display import analysis_html

        return self._shown(analysis_html)

    def __str__(self) -> str:
        from cxkit.report.display import analysis_text

        return self._shown(analysis_text)


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
    check_choice(inference, INFERENCE, argument="inference", what="clustered inference method")
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


def _quality_checks(long: pl.DataFrame, expected) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """SRM on units per arm and, with ``n_responded``, the response-rate balance."""
    first = long["metric"][0]
    one = long.filter(pl.col("metric") == first)
    if "n_units" in long.columns and long.height:
        units = one.group_by("arm").agg(pl.col("n_units").sum())
    else:
        warnings.warn(
            "aggregates have no n_units column: the SRM check uses the first metric's n",
            CxDataWarning,
            stacklevel=3,
        )
        units = one.group_by("arm").agg(pl.col("n").sum().alias("n_units"))
    units = units.sort("arm")
    srm_frame = srm_counts(
        dict(zip(units["arm"], units["n_units"], strict=True)), expected=expected
    )
    resp = None
    if "n_responded" in long.columns and long["n_responded"].null_count() < long.height:
        r = (
            one.group_by("arm")
            .agg(pl.col("n_units").sum(), pl.col("n_responded").sum())
            .sort("arm")
        )
        resp = response_balance(r, arm="arm", responded="n_responded", aggregated=True)
    return srm_frame, resp


def _pairs(long: pl.DataFrame, control: str, comparisons: str, ordinal) -> list[tuple]:
    """The (base, arm) pairs to compare: each treatment vs control, or all pairs."""
    arms = sorted(set(long["arm"].to_list()) | set(getattr(ordinal, "arms", []) if ordinal else []))
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
    if comparisons == "all_pairs":  # every pair once, the earlier arm (control first) as base
        order = [control, *treatments]
        pairs = [(a, b) for i, a in enumerate(order) for b in order[i + 1 :]]
    else:
        pairs = [(control, t) for t in treatments]
    return pairs


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
    comparisons: str = "control",
    _ordinal: Mapping | None = None,
    _unit_level=None,
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
    inference, strata, comparisons
        As in :func:`analyze`; ``strata`` names a column of ``aggregates`` that is
        constant within each cluster. Quantile and bootstrap metrics need unit-level data
        (:func:`analyze`).

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
    specs = as_metrics(metrics, None, guardrails)
    check_correction(correction)
    check_choice(comparisons, COMPARISONS, argument="comparisons", what="set of comparisons")
    if _unit_level is None and any(m.kind in UNIT_LEVEL for m in specs):
        raise CxDataError(
            "Quantile and bootstrap metrics need the units' values, not sums.",
            rule="from_aggregates takes sufficient statistics",
            hint="analyse them with cx.analyze(data, ...) on unit-level data",
        )
    long = aggregates.with_columns(pl.col("arm").cast(pl.String))
    for s in _SUMS:
        if s not in long.columns:
            long = long.with_columns(pl.lit(None, pl.Float64).alias(s))
    control = str(control)
    pairs = _pairs(long, control, comparisons, _ordinal)
    clustered = "cluster" in long.columns and not ignore_clusters
    design = _cluster_design(long, inference, strata) if clustered else None
    srm_frame, resp = _quality_checks(long, expected)
    ordinal = _ordinal or {}
    every = comparisons == "all_pairs"
    rows = compare_all(long, ordinal, specs, pairs, design, alpha, None, _unit_level)
    effects, details = effect_frames(rows, alpha, correction, family, all_pairs=every)
    segments = None
    if "segment" in long.columns:
        segs = sorted(set(long["segment"].to_list()))
        srows, groups = [], []
        for seg in segs:
            for r in compare_all(long, ordinal, specs, pairs, design, alpha, seg, _unit_level):
                srows.append(r)
                groups.append((r["metric"], f"{r['arm']} vs {r['control']}", "segments"))
        seg_eff, _ = effect_frames(srows, alpha, correction, family, groups=groups, all_pairs=every)
        seg_col = pl.Series("segment", [s for s in segs for _ in range(len(specs) * len(pairs))])
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


@renamed_args(segment="by")
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
    by: str | Sequence[str] | None = None,
    family: str = "role",
    responded: str | None = "responded",
    expected: Mapping[Any, float] | None = None,
    ignore_clusters: bool = False,
    inference: str = "auto",
    strata: str | None = None,
    comparisons: str = "control",
) -> Analysis:
    """Analyse an A/B test of a service change: checks first, then effects.

    Parameters
    ----------
    data : polars DataFrame / LazyFrame or pandas DataFrame
        One row per unit (customer, contact) with the ``arm`` column and metric columns. A
        DuckDB relation or Spark DataFrame (any engine of :mod:`cxkit.io.engines`) is
        aggregated in its engine (per-arm × cluster × segment sums, ordinal category
        counts) with the same result; quantile and bootstrap metrics need polars data.
    arm : str
        Arm column (string or integer labels).
    control : str or int
        Label of the control arm; every other arm is compared with it.
    metrics : mapping
        Column → kind (``"proportion"``, ``"mean"``, ``"nps"``, ``"ordinal"``,
        ``"quantile"``, ``"bootstrap"``), a :class:`Metric`, or a dict of :class:`Metric`
        fields (handy for notebook parameters). :class:`Metric` sets the direction
        (``alternative=``), non-inferiority margins, quantiles and ratio CUPED.
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
    by : str or list of str, optional
        Segment column(s) (``segment=`` is the deprecated old name): effects per segment in
        :attr:`Analysis.segments`, corrected over the number of segments. Several columns
        make one segment key joined by " / ".
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
    comparisons : {"control", "all_pairs"}
        Every treatment arm against ``control`` (default), or every pair of arms once (the
        earlier arm in sorted order, control first, is the base; ``effects`` and ``details``
        then gain a ``control`` column naming it). ``details.family`` states the
        multiple-testing family of each row: what it holds, its size and the correction.

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
    if is_engine(data):  # DuckDB, Spark …: per-arm sums in the engine, the same inference here
        from cxkit.experiment import _engine

        kw = {k: v for k, v in locals().items() if k not in ("data", "_engine")}
        return _engine.analyze(data, **kw)
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
    specs = as_metrics(metrics, covariates, guardrails)
    if cluster and any(m.kind == "ordinal" for m in specs):
        raise CxDataError(
            "Ordinal metrics have no cluster-robust analysis here.",
            rule="ordinal metrics need independent units",
            hint="analyse the rating as kind='mean' with cluster=..., or aggregate per cluster",
        )
    cols = {c for m in specs for c in (m.column, m.denominator, m.covariate) if c}
    long, _, key_names = _aggregate(
        lf, schema, specs, arm, cluster, by, responded, _no_nulls(data, cols)
    )
    ordinal = None
    if any(m.kind == "ordinal" for m in specs):
        keys = [segment_key(by)] if by else []
        keys.append(pl.col(arm).cast(pl.String).alias("arm"))
        ordinal = _ordinal_counts(lf, specs, keys, key_names)
    unit_level = None
    if any(m.kind in UNIT_LEVEL for m in specs):
        unit_level = unit_level_rows(lf, arm, cluster, segment_key(by) if by else None)
    if long.height == 0:  # only ordinal / unit-level metrics: unit counts for the checks
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
        comparisons=comparisons,
        _ordinal=ordinal,
        _unit_level=unit_level,
    )
