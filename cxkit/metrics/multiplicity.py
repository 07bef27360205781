"""Multiple testing: the one NaN-aware Holm / Benjamini–Hochberg / Bonferroni adjustment.

Every function in cxkit that takes ``correction=`` (``"holm"``, ``"bh"``, ``"bonferroni"``,
``"none"``; :data:`cxkit.schema.CORRECTIONS`) goes through :func:`adjust_p`. The family is the
non-missing p-values: NaN stays NaN, is not counted, and the order is preserved.
"""

from __future__ import annotations

import numpy as np

from cxkit._frames import bad_argument, check_correction

__all__ = ["adjust_p", "benjamini_hochberg", "holm"]


def _p_array(p) -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray(p, dtype=float)
    flat = arr.ravel()
    ok = ~np.isnan(flat)
    if np.any((flat[ok] < 0) | (flat[ok] > 1)):
        raise bad_argument(
            "p",
            "values outside [0, 1]",
            rule="p-values lie in [0, 1]",
            hint="pass p-values, not test statistics or percentages",
        )
    return arr, ok


def holm(p) -> np.ndarray:
    """Holm (step-down Bonferroni) adjusted p-values; NaN stays NaN, order preserved.

    The family is the non-missing p-values. Matches statsmodels
    ``multipletests(method="holm")``.

    Examples
    --------
    >>> holm([0.01, 0.04, float("nan"), 0.03]).round(3).tolist()
    [0.03, 0.06, nan, 0.06]
    """
    arr, ok = _p_array(p)
    flat = arr.ravel().copy()
    q = flat[ok]
    m = q.size
    if m:
        order = np.argsort(q, kind="stable")
        adj = np.maximum.accumulate((m - np.arange(m)) * q[order])
        out = np.empty(m)
        out[order] = np.minimum(adj, 1.0)
        flat[ok] = out
    return flat.reshape(arr.shape)


def benjamini_hochberg(p) -> np.ndarray:
    """Benjamini–Hochberg (FDR) adjusted p-values; NaN stays NaN, order preserved.

    Matches statsmodels ``multipletests(method="fdr_bh")``.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    arr, ok = _p_array(p)
    flat = arr.ravel().copy()
    q = flat[ok]
    m = q.size
    if m:
        order = np.argsort(q, kind="stable")[::-1]  # largest first
        ranks = m - np.arange(m)  # rank of each in ascending order
        adj = np.minimum.accumulate(q[order] * m / ranks)
        out = np.empty(m)
        out[order] = np.minimum(adj, 1.0)
        flat[ok] = out
    return flat.reshape(arr.shape)


def adjust_p(p, correction: str = "holm") -> np.ndarray:
    """Adjusted p-values under ``correction`` (``"holm"``, ``"bh"``, ``"bonferroni"``,
    ``"none"``); NaN stays NaN and is not counted in the family. The one entry point every
    module uses for ``correction=``.

    Unlike statsmodels ``multipletests``, which counts NaN p-values in the family size, the
    family here is the non-missing p-values (the same as R ``p.adjust`` with ``n`` = their count).

    Raises
    ------
    CxDataError
        For an unknown ``correction``, naming the choices.

    Examples
    --------
    >>> adjust_p([0.01, 0.04, float("nan"), 0.03], "bonferroni").round(3).tolist()
    [0.03, 0.12, nan, 0.09]
    >>> adjust_p([0.01, 0.04, 0.03], "bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    check_correction(correction)
    arr = np.asarray(p, float)
    if correction == "holm":
        return holm(arr)
    if correction == "bh":
        return benjamini_hochberg(arr)
    if correction == "bonferroni":
        return np.minimum(arr * np.isfinite(arr).sum(), 1.0)
    return arr.copy()
