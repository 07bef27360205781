"""Planning from pilot data: solve for any one of sample size, MDE or power.

* :func:`pilot_moments` reads the baseline and the unit-level SD of any summed metric from
  pilot data (one ``group_by`` of sufficient statistics): a proportion's rate, a mean's SD,
  a ratio metric's linearised SD ``√(var y − 2R cov(x, y) + R² var x) / x̄`` (delta method),
  NPS on −100/0/+100, and with a covariate the CUPED variance reduction ``ρ²`` it can expect.
* :func:`solve_power` leaves exactly one of ``mde``, ``n_control``, ``power`` unset and solves
  for it with :func:`~cxkit.experiment.power.sample_size` / :func:`~cxkit.experiment.power.mde`
  (t-based for means, ``power.prop.test`` for proportions, the cluster design effect with a
  t on ``clusters − 2`` df for clustered designs); an expected CUPED ``var_reduction``
  shrinks the SD by ``√(1 − var_reduction)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from cxkit.errors import CxDataError
from cxkit.experiment.aggregate import _lazy, aggregate
from cxkit.experiment.power import mde as _mde
from cxkit.experiment.power import sample_size
from cxkit.experiment.spec import Metric

__all__ = ["pilot_moments", "solve_power"]


def pilot_moments(data: Any, metric: Metric | str, *, column: str | None = None) -> dict:
    """Baseline, unit SD and CUPED variance reduction of a metric in pilot data.

    Parameters
    ----------
    data : frame
        Pilot (or control-arm) units; an ``arm`` column is not needed.
    metric : Metric or kind
        A :class:`Metric` (ratio, CUPED) or a kind with ``column=``.

    Returns
    -------
    dict
        ``kind`` (``"proportion"`` for a plain proportion, else ``"mean"``: ratios, CUPED
        and NPS are planned on their linearised unit SD), ``baseline``, ``sd`` (None for a
        plain proportion), ``var_reduction`` (CUPED ρ², 0 without a covariate), ``n``.

    Examples
    --------
    >>> df = pl.DataFrame({"y": [1.0, 2.0, 3.0, 4.0]})
    >>> pilot_moments(df, "mean", column="y")["sd"]  # doctest: +ELLIPSIS
    1.29...
    """
    m = metric if isinstance(metric, Metric) else Metric(column or "", kind=metric)
    if m.kind not in ("proportion", "mean", "nps"):
        raise CxDataError(
            f"Metric {m.label!r}: pilot moments need a summed kind, not {m.kind!r}.",
            rule="kind is one of ('proportion', 'mean', 'nps')",
            hint="pass one of 'proportion', 'mean', 'nps' (ratios and CUPED are 'mean')",
        )
    frame = _lazy(data).with_columns(pl.lit("p").alias("_arm"))
    agg = aggregate(frame, arm="_arm", metrics={m.label: m}, responded=None).row(0, named=True)
    n = agg["n"]
    scale = 100.0 if m.kind == "nps" else 1.0
    names = ["y"] + (["x"] if m.denominator else []) + (["z"] if m.covariate else [])
    key = {"y": "sum", "x": "sum_x", "z": "sum_z"}
    cross = {("y", "y"): "sum_sq", ("x", "x"): "sum_x_sq", ("z", "z"): "sum_z_sq"}
    cross.update({("x", "y"): "sum_xy", ("y", "z"): "sum_yz", ("x", "z"): "sum_xz"})
    sc = {"y": scale, "x": 1.0, "z": 1.0}
    mu = np.array([agg[key[v]] * sc[v] / n for v in names])
    cov = np.empty((len(names), len(names)))
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            s = agg[cross.get((a, b)) or cross[(b, a)]] * sc[a] * sc[b]
            cov[i, j] = (s - n * mu[i] * mu[j]) / (n - 1)
    if m.denominator:
        r = mu[0] / mu[1]
        g = np.array([1 / mu[1], -r / mu[1]])
        base = r
    else:
        g, base = np.array([1.0]), mu[0]
    k = g.size
    var = float(g @ cov[:k, :k] @ g)
    vr = 0.0
    if m.covariate:
        cz = float(g @ cov[:k, -1])
        vr = cz**2 / (var * cov[-1, -1])
    plain_prop = m.kind == "proportion" and not m.covariate
    return {
        "kind": "proportion" if plain_prop else "mean",
        "baseline": float(base),
        "sd": None if plain_prop else math.sqrt(var),
        "var_reduction": float(vr),
        "n": int(n),
    }


def solve_power(
    kind: str,
    *,
    baseline: Any,
    sd: float | None = None,
    mde: float | None = None,
    n_control: float | None = None,
    power: float | None = None,
    var_reduction: float = 0.0,
    **design: Any,
) -> pl.DataFrame:
    """Solve for whichever of ``mde``, ``n_control`` and ``power`` is left unset.

    Parameters
    ----------
    kind, baseline, sd
        As in :func:`~cxkit.experiment.power.sample_size` (``**pilot_moments(...)`` fits).
    mde, n_control, power
        Exactly one is None: it is solved for.
    var_reduction : float
        Expected CUPED variance reduction (0–1): the SD shrinks by ``√(1 − var_reduction)``
        (a proportion with CUPED is planned as a mean with SD ``√(p(1 − p))``).
    **design
        ``alpha``, ``ratio``, ``icc``, ``cluster_size``, ``cluster_size_cv``.

    Returns
    -------
    polars.DataFrame
        The one-row frame of :func:`~cxkit.experiment.power.sample_size` plus
        ``var_reduction`` and ``solved`` (the name of the solved quantity).

    Examples
    --------
    >>> row = solve_power("mean", baseline=0, sd=1, mde=0.3, n_control=100).row(0, named=True)
    >>> round(row["power"], 4), row["solved"]
    (0.5601, 'power')
    """
    from scipy import optimize  # loaded when first needed

    unset = [k for k, v in (("mde", mde), ("n_control", n_control), ("power", power)) if v is None]
    if len(unset) != 1:
        raise CxDataError(
            f"solve_power needs exactly one of mde, n_control, power unset; got {unset}.",
            rule="two of mde / n_control / power are given, the third is solved for",
        )
    if not 0 <= var_reduction < 1:
        raise CxDataError("var_reduction must be in [0, 1).", rule="0 <= var_reduction < 1")
    if var_reduction and kind == "proportion":
        kind, sd = "mean", math.sqrt(baseline * (1 - baseline))
    if sd is not None:
        sd = sd * math.sqrt(1 - var_reduction)
    kw = {"kind": kind, "baseline": baseline, "sd": sd, **design}
    if unset == ["n_control"]:
        out = sample_size(mde=mde, power=power, **kw)
    elif unset == ["mde"]:
        out = _mde(n_control=n_control, power=power, **kw)
    else:
        out = _mde(n_control=n_control, power=0.5, **kw)

        def gap(pw: float) -> float:
            return _mde(n_control=n_control, power=pw, **kw)["mde"].item() - abs(mde)

        lo, hi = design.get("alpha", 0.05) + 1e-6, 1 - 1e-9
        achieved = hi if gap(hi) < 0 else float(optimize.brentq(gap, lo, hi, xtol=1e-10))
        out = out.with_columns(pl.lit(achieved).alias("power"), pl.lit(float(mde)).alias("mde"))
    return out.with_columns(
        pl.lit(float(var_reduction)).alias("var_reduction"), pl.lit(unset[0]).alias("solved")
    )
