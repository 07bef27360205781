"""Absorbing Markov chains for journey attribution (private; used by :mod:`cxkit.journey`).

A journey is ``(start) → t1 → … → tn → (outcome)`` or ``… → (null)``. From the transition
counts between those states, the probability of reaching ``(outcome)`` from ``(start)`` is
``B[start, outcome]`` with ``B = (I − Q)⁻¹ R`` (Q: transient → transient, R: transient →
absorbing). Removing touchpoint *k* sends every transition into *k* to ``(null)``; its removal
effect is ``1 − P(outcome | k removed) / P(outcome)``. Everything is exact linear algebra on
the small matrix of aggregated counts: no simulation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["absorption_probability", "removal_effects_from_counts"]


def _transition_matrices(counts: np.ndarray, n_absorbing: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-normalise ``counts`` (transient rows × all columns) into Q and R."""
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        probs = np.where(totals > 0, counts / totals, 0.0)
    # a transient state with no way out (cannot happen for journeys) is sent to (null)
    dead = totals[:, 0] == 0
    probs[dead, -1] = 1.0
    n_transient = counts.shape[0]
    return probs[:, :n_transient], probs[:, n_transient : n_transient + n_absorbing]


def absorption_probability(counts: np.ndarray, *, start: int = 0, target: int = 0) -> float:
    """P(absorbed in absorbing state ``target`` | begin in transient state ``start``).

    ``counts`` has one row per transient state and columns ``[transient…, absorbing…]``.

    >>> c = np.array([[0, 2, 0, 0],   # start → a twice
    ...               [0, 0, 1, 1]])  # a → outcome once, a → null once
    >>> absorption_probability(c, start=0, target=0)
    0.5
    """
    n_transient = counts.shape[0]
    q, r = _transition_matrices(counts.astype(float), counts.shape[1] - n_transient)
    b = np.linalg.solve(np.eye(n_transient) - q, r)
    return float(b[start, target])


def removal_effects_from_counts(
    counts: np.ndarray, removable: Sequence[int]
) -> tuple[float, np.ndarray]:
    """Baseline P(outcome) and P(outcome | state removed) for each state in ``removable``.

    ``counts``: rows are transient states with ``(start)`` at index 0; columns are the
    transient states then ``(outcome)``, ``(null)``. Removing a state makes it absorb into
    ``(null)`` (every path through it is lost).
    """
    counts = np.asarray(counts, dtype=float)
    base = absorption_probability(counts, start=0, target=0)
    n_transient = counts.shape[0]
    without = np.empty(len(removable))
    for i, k in enumerate(removable):
        c = counts.copy()
        c[k, :] = 0.0
        c[k, n_transient + 1] = 1.0  # k → (null)
        without[i] = absorption_probability(c, start=0, target=0)
    return base, without
