"""Shared fixtures of the experiment tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def clusters10() -> pl.DataFrame:
    """10 agents with 8–220 contacts each, 5 per arm (simulated once, shipped as CSV).

    Columns: unit, cluster, arm, y (continuous), resolved (0/1), contacts / orders (a ratio
    metric), pre_y (a pre-period covariate).
    """
    return pl.read_csv(DATA / "clusters10.csv")


@pytest.fixture(scope="session")
def cr2_brute_force():
    """The unit-level CR2 reference below, as a fixture."""
    return _cr2_brute_force


def _cr2_brute_force(y, treated, cluster, weights=None):
    """CR2 SE of the treatment coefficient of (W)LS y ~ 1 + T, unit level, with matrix
    square roots: an independent check of the per-cluster-totals formula."""
    y, treated = np.asarray(y, float), np.asarray(treated, float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, float)
    sw = np.sqrt(w)
    x = np.column_stack([np.ones_like(y), treated]) * sw[:, None]
    ys = y * sw
    bread = np.linalg.inv(x.T @ x)
    e = ys - x @ (bread @ x.T @ ys)
    hat = x @ bread @ x.T
    meat = np.zeros((2, 2))
    for g in np.unique(cluster):
        i = np.flatnonzero(cluster == g)
        vals, vecs = np.linalg.eigh(np.eye(i.size) - hat[np.ix_(i, i)])
        adj = vecs @ np.diag(1 / np.sqrt(np.clip(vals, 1e-12, None))) @ vecs.T
        s = x[i].T @ adj @ e[i]
        meat += np.outer(s, s)
    return float(np.sqrt((bread @ meat @ bread)[1, 1]))
