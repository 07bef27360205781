"""The experiment metric spec: :class:`Metric` and how ``metrics=`` mappings are read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxkit._frames import bad_argument, check_choice
from cxkit.errors import CxDataError

__all__ = ["ALTERNATIVES", "CUPED_SLOPES", "KINDS", "STATISTICS", "Metric", "as_metrics"]

#: Metric kinds of :class:`Metric` (ratio metrics are ``"mean"`` with a ``denominator``).
KINDS = ("proportion", "mean", "nps", "ordinal", "quantile", "bootstrap")
#: ``alternative=`` choices of :class:`Metric`.
ALTERNATIVES = ("two-sided", "greater", "less")
#: Built-in statistics of ``kind="bootstrap"`` (a callable ``f(y, w) -> (B,)`` also works).
STATISTICS = ("mean", "median", "quantile", "trimmed_mean")
#: ``cuped_slope=`` choices: θ from the pooled within-arm covariance or the combined sample.
CUPED_SLOPES = ("within", "total")
#: Kinds computed from unit-level values (not from sufficient statistics).
UNIT_LEVEL = ("quantile", "bootstrap")


def _fail(message: str, rule: str, choices=None) -> None:
    hint = f"pass one of {', '.join(repr(c) for c in choices)}" if choices else None
    raise CxDataError(message, rule=rule, hint=hint)


@dataclass(frozen=True)
class Metric:
    """How to analyse one metric.

    Parameters
    ----------
    column : str
        Outcome column (numerator for ratio metrics).
    kind : {"proportion", "mean", "nps", "ordinal", "quantile", "bootstrap"}
        ``"nps"`` expects 0–10 ratings; ``"proportion"`` 0/1 or Boolean values;
        ``"quantile"`` compares the ``quantile`` (median by default) with the density-free
        interval of Deng, Knoblich & Lu (2018); ``"bootstrap"`` compares any ``statistic`` with
        a vectorised Poisson bootstrap (clusters resampled whole).
    denominator : str, optional
        Makes a ratio metric ``Σcolumn / Σdenominator`` (e.g. contacts per order), analysed
        with the delta method; ``kind`` must be ``"mean"``.
    covariate : str, optional
        Pre-period covariate for CUPED (variance reduction is reported).
    denominator_covariate : str, optional
        Ratio metrics with CUPED: the pre-period covariate of the denominator (``covariate``
        is then the numerator's); the covariate is the pre-period ratio, as in tea-tasting.
    cuped_slope : {"within", "total"}
        How CUPED estimates its slope θ: from the pooled within-arm covariance (default; the
        OLS ``y ~ T + z`` slope) or from the combined sample (tea-tasting's choice; it includes
        the between-arm difference, so it differs slightly when there is an effect).
    role : {"primary", "guardrail"}
    higher_is_better : bool
        Direction of a good change (``False`` for handle time, repeat contacts).
    margin : float, optional
        Non-inferiority margin of a guardrail, a positive number in the metric's unit (e.g.
        ``0.01`` for one percentage point; ``30`` for 30 seconds). With a one-sided
        ``alternative`` it is the margin of a non-inferiority test (H0: the change is worse
        by at least ``margin``).
    relative_margin : bool
        ``margin`` is a share of the control value (``0.05`` = 5 %), not the metric's unit.
    alternative : {"two-sided", "greater", "less"}
        The alternative hypothesis on ``effect`` (treatment − control); one-sided tests have a
        one-sided interval (the other end infinite).
    quantile : float
        The quantile of ``kind="quantile"`` (and of ``statistic="quantile"``), in (0, 1).
    statistic : str or callable
        ``kind="bootstrap"``: ``"mean"``, ``"median"``, ``"quantile"``, ``"trimmed_mean"``
        (10 % each side) or ``f(y, w)`` taking the values (n,) and Poisson weights (n, B) and
        returning B statistics.
    n_boot : int
        Bootstrap replicates (``kind="bootstrap"``).
    name : str, optional
        Label in the results (default ``column``, or ``column/denominator`` for ratios).
    """

    column: str
    kind: str = "mean"
    denominator: str | None = None
    covariate: str | None = None
    role: str = "primary"
    higher_is_better: bool = True
    margin: float | None = None
    name: str | None = None
    denominator_covariate: str | None = None
    relative_margin: bool = False
    alternative: str = "two-sided"
    quantile: float = 0.5
    statistic: Any = "mean"
    n_boot: int = 2000
    cuped_slope: str = "within"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            _fail(f"Metric kind {self.kind!r} is not known.", f"kind is one of {KINDS}", KINDS)
        if self.alternative not in ALTERNATIVES:
            _fail(
                f"alternative={self.alternative!r} is not known.",
                f"alternative is one of {ALTERNATIVES}",
                ALTERNATIVES,
            )
        if not callable(self.statistic) and self.statistic not in STATISTICS:
            _fail(
                f"statistic={self.statistic!r} is not known.",
                f"statistic is one of {STATISTICS} or a function f(y, w)",
                STATISTICS,
            )
        if self.cuped_slope not in CUPED_SLOPES:
            _fail(
                f"cuped_slope={self.cuped_slope!r} is not known.",
                f"cuped_slope is one of {CUPED_SLOPES}",
                CUPED_SLOPES,
            )
        if not 0 < self.quantile < 1:
            _fail(f"quantile={self.quantile!r} is outside (0, 1).", "0 < quantile < 1")
        if self.kind in UNIT_LEVEL and (self.denominator or self.covariate):
            _fail(
                f"A {self.kind} metric takes no denominator or covariate.",
                "quantile / bootstrap metrics compare one column",
            )
        if self.denominator_covariate and not (self.denominator and self.covariate):
            _fail(
                "denominator_covariate= needs a ratio metric with covariate= as well.",
                "ratio CUPED takes covariate= (numerator) and denominator_covariate=",
            )
        one_sided = self.alternative != "two-sided"
        if self.margin is not None and one_sided:
            good = (self.alternative == "greater") == self.higher_is_better
            if not good:
                _fail(
                    "A one-sided test with a margin is a non-inferiority test: its alternative "
                    "must point in the good direction.",
                    "alternative='greater' when higher_is_better, 'less' otherwise",
                    ALTERNATIVES,
                )
        if self.kind not in KINDS:
            check_choice(self.kind, KINDS, argument="kind", what="metric kind")
        if self.role not in ("primary", "guardrail"):
            check_choice(self.role, ("primary", "guardrail"), argument="role", what="metric role")
        if self.denominator is not None and self.kind != "mean":
            raise bad_argument(
                "kind",
                self.kind,
                rule="a ratio metric (denominator=...) has kind='mean'",
                hint="drop kind= or pass kind='mean' with denominator=",
            )
        if self.kind == "ordinal" and (
            self.covariate is not None or self.alternative != "two-sided"
        ):
            raise bad_argument(
                "kind",
                "ordinal",
                rule="ordinal metrics take no covariate and are two-sided",
                hint="drop covariate= / alternative= for this metric, or analyse it as kind='mean'",
            )
        if self.margin is not None and not self.margin > 0:
            raise bad_argument(
                "margin",
                self.margin,
                rule="a margin is a positive number in the metric's unit",
                hint="pass e.g. margin=0.02 for 2 points on a proportion",
            )

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        return f"{self.column}/{self.denominator}" if self.denominator else self.column


def as_metrics(
    metrics: Mapping[str, Any],
    covariates: Mapping[str, str] | None,
    guardrails: Mapping[str, float | None] | Sequence[str] | None,
) -> list[Metric]:
    """Read a ``metrics=`` mapping (kinds, :class:`Metric` or dicts of its fields) with the
    ``covariates=`` and ``guardrails=`` of :func:`~cxkit.experiment.analyze`.

    Examples
    --------
    >>> [m.label for m in as_metrics({"cpo": {"column": "contacts", "denominator": "orders"}},
    ...                              None, ["cpo"])]
    ['cpo']
    """
    if not metrics:
        raise CxDataError(
            "No metrics to analyse.",
            rule="metrics maps a column to a kind",
            hint='pass metrics={"resolved": "proportion", "handle_time": "mean"}',
        )
    out: list[Metric] = []
    covariates = dict(covariates or {})
    if guardrails is None:
        guard: dict[str, float | None] = {}
    elif isinstance(guardrails, Mapping):
        guard = dict(guardrails)
    else:
        guard = dict.fromkeys(guardrails)
    for col, spec in metrics.items():
        if isinstance(spec, Metric):
            m = spec
        elif isinstance(spec, str):
            m = Metric(column=col, kind=spec)
        elif isinstance(spec, Mapping):
            fields = {"column": col, **spec}
            if fields["column"] != col and not fields.get("name"):
                fields["name"] = col  # the key names the metric, "column" holds its data
            m = Metric(**fields)
        else:
            raise CxDataError(
                f"Metric {col!r}: unknown spec {spec!r}.",
                column=col,
                rule=f"a kind {KINDS}, a Metric(...) or a dict of Metric fields",
            )
        updates: dict[str, Any] = {}
        if col in covariates and m.covariate is None:
            updates["covariate"] = covariates.pop(col)
        if col in guard or m.label in guard:
            updates["role"] = "guardrail"
            margin = guard.get(col, guard.get(m.label))
            if margin is not None:
                updates["margin"] = margin
        if updates:
            m = Metric(**{**m.__dict__, **updates})
        out.append(m)
    if covariates:
        raise CxDataError(
            f"covariates names metric(s) {sorted(covariates)} that are not in metrics.",
            rule="covariates maps a metric column to its pre-period covariate",
        )
    labels = [m.label for m in out]
    if len(set(labels)) != len(labels):
        raise CxDataError("Two metrics share a name.", examples=labels, hint="set Metric(name=...)")
    return out
