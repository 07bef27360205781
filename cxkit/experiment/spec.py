"""The experiment metric spec: :class:`Metric` and how ``metrics=`` mappings are read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxkit.errors import CxDataError

__all__ = ["KINDS", "Metric", "as_metrics"]

#: Metric kinds of :class:`Metric` (ratio metrics are ``"mean"`` with a ``denominator``).
KINDS = ("proportion", "mean", "nps", "ordinal")


@dataclass(frozen=True)
class Metric:
    """How to analyse one metric.

    Parameters
    ----------
    column : str
        Outcome column (numerator for ratio metrics).
    kind : {"proportion", "mean", "nps", "ordinal"}
        ``"nps"`` expects 0–10 ratings; ``"proportion"`` 0/1 or Boolean values.
    denominator : str, optional
        Makes a ratio metric ``Σcolumn / Σdenominator`` (e.g. contacts per order), analysed
        with the delta method; ``kind`` must be ``"mean"``.
    covariate : str, optional
        Pre-period covariate for CUPED (variance reduction is reported).
    role : {"primary", "guardrail"}
    higher_is_better : bool
        Direction of a good change (``False`` for handle time, repeat contacts).
    margin : float, optional
        Non-inferiority margin of a guardrail, a positive number in the metric's unit (e.g.
        ``0.01`` for one percentage point; ``30`` for 30 seconds).
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

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Metric kind must be one of {KINDS}, got {self.kind!r}")
        if self.role not in ("primary", "guardrail"):
            raise ValueError(f"Metric role must be 'primary' or 'guardrail', got {self.role!r}")
        if self.denominator is not None and self.kind != "mean":
            raise ValueError("a ratio metric (denominator=...) must have kind='mean'")
        if self.kind == "ordinal" and self.covariate is not None:
            raise ValueError("CUPED (covariate=...) is not available for ordinal metrics")
        if self.margin is not None and not self.margin > 0:
            raise ValueError(
                f"margin must be a positive number in the metric's unit, got {self.margin!r}"
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
