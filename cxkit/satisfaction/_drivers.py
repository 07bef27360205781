"""Deprecated location of the key-driver code (kept for one release).

``drivers`` and ``missing_report`` live in :mod:`cxkit.satisfaction.key_drivers`; the
importance math (``relative_weights``, ``subset_r2``, ``lmg``) in :mod:`cxkit.metrics`.
"""

from __future__ import annotations

import warnings
from typing import Any

_MOVED = {
    "drivers": "cxkit.satisfaction.drivers",
    "missing_report": "cxkit.satisfaction.missing_report",
    "MAX_SHAPLEY_DRIVERS": "cxkit.satisfaction.key_drivers.MAX_SHAPLEY_DRIVERS",
    "relative_weights": "cxkit.metrics.relative_weights",
    "subset_r2": "cxkit.metrics.subset_r2",
    "lmg": "cxkit.metrics.lmg",
}


def __getattr__(name: str) -> Any:
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    new = _MOVED[name]
    warnings.warn(
        f"cxkit.satisfaction._drivers.{name} is deprecated and will be removed in the next "
        f"release: use {new} instead",
        DeprecationWarning,
        stacklevel=2,
    )
    from cxkit.metrics import importance
    from cxkit.satisfaction import key_drivers

    return getattr(key_drivers, name) if hasattr(key_drivers, name) else getattr(importance, name)
