"""Per-metric comparisons of an analysis and its ``effects`` / ``details`` frames.

:func:`compare_all` runs every metric × treatment arm (numeric kinds through
:func:`cxkit.experiment.inference.compare`, clustered ones decided by
:func:`cxkit.experiment.inference.decide_clustered`; ordinal ones by Brunner–Munzel), and
:func:`effect_frames` corrects the p-values over the family (:func:`cxkit.metrics.adjust_p`)
and builds the two result frames.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import polars as pl

from cxkit._frames import check_choice
from cxkit.experiment.direction import decide, directed, relative
from cxkit.experiment.inference import compare, decide_clustered
from cxkit.experiment.spec import UNIT_LEVEL, Metric
from cxkit.metrics import adjust_p

__all__ = ["EFFECT_COLUMNS", "compare_all", "effect_frames"]

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
    "rel_ci_low",
    "rel_ci_high",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adj",
    "decision",
]


def _cell_arrays(rows: pl.DataFrame, m: Metric, clustered: bool, clusters: list[str] | None):
    """(n, s, m) arrays for one arm (batch of 1) from its long rows."""
    names = ["y"] + (["x"] if m.denominator else []) + (["z"] if m.covariate else [])
    names += ["w"] if m.denominator_covariate else []
    sums = {
        ("w",): "sum_w",
        ("w", "w"): "sum_w_sq",
        ("y", "w"): "sum_yw",
        ("w", "y"): "sum_yw",
        ("x", "w"): "sum_xw",
        ("w", "x"): "sum_xw",
        ("z", "w"): "sum_zw",
        ("w", "z"): "sum_zw",
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
    scale = {"y": 100.0 if m.kind == "nps" else 1.0, "x": 1.0, "z": 1.0, "w": 1.0}
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
    res = compare(
        c,
        t,
        kind=kind,
        ratio=bool(m.denominator),
        cuped=bool(m.covariate),
        clustered=clustered,
        alpha=alpha,
        cluster_se="cr1" if clustered and design["inference"] == "cr1" else "cr2",
        ratio_covariate=bool(m.denominator_covariate),
        cuped_slope=m.cuped_slope,
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
        method += "+cuped" + ("(ratio covariate)" if m.denominator_covariate else "")
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
            from scipy import stats  # small-count rates only: scipy loads when needed

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


def _rows_for_scope(long, m, arm_label, seg):
    f = (pl.col("metric") == m.label) & (pl.col("arm") == arm_label)
    if seg is not None:
        f = f & (pl.col("segment") == seg)
    return long.filter(f)


def _one(long, ordinal, unit_level, m, control, arm_label, design, alpha, seg) -> dict:
    """One two-sided comparison of ``arm_label`` with ``control`` at level ``alpha``."""
    if m.kind == "ordinal":
        oc, ot = ordinal[m.label](control, seg), ordinal[m.label](arm_label, seg)
        if oc.sum() == 0 or ot.sum() == 0:
            return _empty(oc.sum(), ot.sum())
        return _compare_ordinal(oc, ot, alpha)
    if m.kind in UNIT_LEVEL:
        res = unit_level(m, control, arm_label, seg, alpha)
        return res or _empty(0, 0)
    rc = _rows_for_scope(long, m, control, seg)
    rt = _rows_for_scope(long, m, arm_label, seg)
    nc, nt = rc["n"].sum(), rt["n"].sum()
    if nc < 2 or nt < 2:
        return _empty(nc, nt)
    arm_design = design and {**design, "labels": (control, arm_label)}
    return _compare_numeric(rc, rt, m, arm_design, alpha)


def compare_all(long, ordinal, specs, pairs, design, alpha, seg, unit_level=None):
    """Every metric × (control, treatment) pair: the result rows of :func:`effect_frames`.

    One-sided metrics run the comparison twice (at ``α`` and ``2α``: the second gives the
    one-sided bound, :func:`cxkit.experiment.direction.directed`)."""
    rows = []
    for m in specs:
        for control, arm_label in pairs:
            args = (long, ordinal, unit_level, m, control, arm_label, design)
            res = _one(*args, alpha, seg)
            if m.alternative != "two-sided" and res["method"] != "too_few_units":
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    wide = _one(*args, 2 * alpha, seg)
                res = directed(res, wide, m)
            rows.append({"metric": m.label, "control": control, "arm": arm_label, **res, "_m": m})
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
    check_choice(
        family, ("role", "metric", "all"), argument="family", what="multiple-testing family"
    )
    if family == "all":
        return ["all tests"] * len(rows)
    if family == "role":
        return [f"{r['_m'].role} metrics" for r in rows]
    return [f"metric {r['metric']}" for r in rows]


def _family_text(key, size: int, correction: str, pairs: bool) -> str:
    """The multiple-testing family of a row, stated: what it holds, its size, the method."""
    what = key if isinstance(key, str) else " × ".join(str(k) for k in key)
    scope = "all pairs of arms" if pairs else "each arm vs control"
    return f"{what}, {scope}: {size} test{'s' if size != 1 else ''}, {correction}"


def _schemas(all_pairs: bool) -> tuple[dict, dict]:
    """Schemas of the effects and details frames (a ``control`` column for all pairs)."""
    cols = EFFECT_COLUMNS[:2] + (["control"] if all_pairs else []) + EFFECT_COLUMNS[2:]
    schema = {c: pl.Float64 for c in cols}
    schema.update(
        {
            "metric": pl.String,
            "arm": pl.String,
            "control": pl.String,
            "decision": pl.String,
            "n_control": pl.Int64,
            "n_treatment": pl.Int64,
        }
    )
    if not all_pairs:
        schema.pop("control")
    dschema = {
        "metric": pl.String,
        "arm": pl.String,
        **({"control": pl.String} if all_pairs else {}),
        "kind": pl.String,
        "role": pl.String,
        "higher_is_better": pl.Boolean,
        "margin": pl.Float64,
        "alternative": pl.String,
        "family": pl.String,
        "method": pl.String,
        "se": pl.Float64,
        "df": pl.Float64,
        "var_reduction": pl.Float64,
        "icc": pl.Float64,
        "design_effect": pl.Float64,
        "n_clusters": pl.Int64,
        "n_assignments": pl.Int64,
    }
    return schema, dschema


def effect_frames(
    rows, alpha, correction, family, groups=None, all_pairs: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame]:
    p = np.array([r["p_value"] for r in rows], float)
    keys = groups if groups is not None else _family_keys(rows, family)
    p_adj = np.full(len(rows), np.nan)
    fam = [""] * len(rows)
    for key in dict.fromkeys(keys):
        idx = np.array([i for i, k in enumerate(keys) if k == key])
        p_adj[idx] = adjust_p(p[idx], correction)
        for i in idx:
            fam[i] = _family_text(key, idx.size, correction, all_pairs)
    eff, det = [], []
    for r, pa, fm in zip(rows, p_adj, fam, strict=True):
        m = r["_m"]
        cv = r["control_value"]
        rel, rel_lo, rel_hi = relative(r, alpha, m)
        eff.append(
            {
                **{k: r[k] for k in ("metric", "arm")},
                **({"control": r["control"]} if all_pairs else {}),
                "n_control": int(r["n_control"]),
                "n_treatment": int(r["n_treatment"]),
                "control_value": cv,
                "treatment_value": r["treatment_value"],
                "effect": r["effect"],
                "rel_effect": rel,
                "rel_ci_low": rel_lo,
                "rel_ci_high": rel_hi,
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "p_value": r["p_value"],
                "p_adj": float(pa),
                "decision": decide(r, pa, alpha, m),
            }
        )
        det.append(
            {
                "metric": r["metric"],
                "arm": r["arm"],
                "kind": "ratio" if m.denominator else m.kind,
                **({"control": r["control"]} if all_pairs else {}),
                "role": m.role,
                "higher_is_better": m.higher_is_better,
                "margin": float(m.margin) if m.margin is not None else None,
                "alternative": m.alternative,
                "family": fm,
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
    schema, dschema = _schemas(all_pairs)
    effects = pl.DataFrame(eff, schema=schema, strict=False).fill_nan(None)
    details = pl.DataFrame(det, schema=dschema, strict=False).fill_nan(None)
    return effects, details
