"""Weighted moment matrices and their bootstrap, for the key-driver analysis (private).

The bootstrap draws multinomial counts of resampling units and forms all resampled moment
matrices with one matrix product per chunk. Units are rows (small data) or random groups of
rows whose weighted sums polars computes lazily (large data): the same point estimates, and a
valid bootstrap because the groups are iid.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import polars as pl


def cov_to_corr(cov: np.ndarray) -> np.ndarray:
    """Correlation matrices from covariance matrices (batched)."""
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=-2, axis2=-1), 1e-300, None))
    return cov / sd[..., :, None] / sd[..., None, :]


def weighted_cov(z: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted covariance matrix of the columns of ``z`` (divisor Σw)."""
    sw = w.sum()
    mu = (w @ z) / sw
    zc = z - mu
    return (zc * w[:, None]).T @ zc / sw


def cov_from_sums(sw: np.ndarray, s: np.ndarray, ss: np.ndarray, q: int) -> np.ndarray:
    """Covariance matrices from weighted sums (batched): Σw, Σw·z (q), Σw·z_j·z_k (upper)."""
    iu = np.triu_indices(q)
    mu = s / sw[..., None]
    upper = ss / sw[..., None] - mu[..., iu[0]] * mu[..., iu[1]]
    cov = np.empty((*sw.shape, q, q))
    cov[..., iu[0], iu[1]] = upper
    cov[..., iu[1], iu[0]] = upper
    return cov


def row_units(z: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-row weighted sums of the (centred) data: each row is a resampling unit."""
    q = z.shape[1]
    zc = z - (w @ z) / w.sum()
    iu = np.triu_indices(q)
    return w, zc * w[:, None], zc[:, iu[0]] * zc[:, iu[1]] * w[:, None]


def boot_covs(
    sw: np.ndarray, s: np.ndarray, ss: np.ndarray, n_boot: int, rng: np.random.Generator, chunk: int
) -> Iterator[np.ndarray]:
    """Yield batches of bootstrap covariance matrices, resampling units with replacement.

    The resampled sums are ``counts @ unit_sums`` — one matrix product per chunk.
    """
    units, q = s.shape
    done = 0
    while done < n_boot:  # chunks of resamples, each one vectorised product
        b = min(chunk, n_boot - done)
        idx = rng.integers(0, units, size=(b, units))
        counts = np.bincount(
            (idx + units * np.arange(b)[:, None]).ravel(), minlength=b * units
        ).reshape(b, units)
        done += b
        yield cov_from_sums(counts @ sw, counts @ s, counts @ ss, q)


def group_units(
    complete: pl.LazyFrame, cols: list[str], n_units: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weighted sums per random group of rows, computed by polars (lazy, streaming).

    Adds the Tonidandel–LeBreton random variable (Box–Muller from row hashes) before the
    outcome, so the columns are ``drivers…, random, outcome``. Returns the unit sums and the
    centring means.
    """
    r = pl.int_range(pl.len(), dtype=pl.UInt64)
    scale = float(2**53)
    u1 = ((r.hash(seed) // 2048).cast(pl.Float64) + 0.5) / scale
    u2 = ((r.hash(seed + 1) // 2048).cast(pl.Float64) + 0.5) / scale
    rand = ((-2.0 * u1.log()).sqrt() * (2 * np.pi * u2).cos()).alias("_rand")
    names = [*cols[:-1], "_rand", cols[-1]]
    frame = complete.with_columns(rand, (r.hash(seed + 2) % n_units).alias("_unit"))
    w = pl.col("_w")
    means = frame.select([((w * pl.col(c)).sum() / w.sum()).alias(c) for c in names]).collect()
    mu = means.row(0)
    zc = [(pl.col(c) - m) for c, m in zip(names, mu, strict=True)]
    q = len(names)
    iu = np.triu_indices(q)
    aggs = [w.sum().alias("_sw")]
    aggs += [(w * zc[j]).sum().alias(f"_s{j}") for j in range(q)]
    aggs += [(w * zc[j] * zc[k]).sum().alias(f"_p{j}_{k}") for j, k in zip(*iu, strict=True)]
    agg = frame.group_by("_unit").agg(aggs).sort("_unit").collect()
    sw = agg["_sw"].to_numpy().astype(float)
    s = agg.select([f"_s{j}" for j in range(q)]).to_numpy().astype(float)
    ss = agg.select([f"_p{j}_{k}" for j, k in zip(*iu, strict=True)]).to_numpy().astype(float)
    return sw, s, ss, np.asarray(mu)
