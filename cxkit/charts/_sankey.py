"""The Sankey's layout (private to :mod:`cxkit.charts`): node rectangles and link bands of
:func:`cxkit.journey.step_flows`, in customer-share units, for :func:`cxkit.charts.sankey`.

Laid out on the codes of the data (``(end)``, ``(continues)`` and ``(other)`` keep their
places); the chart words the labels afterwards.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cxkit.schema import CONTINUES, END, OTHER

__all__ = ["sankey_layout"]

_TERMINAL = (END, CONTINUES)


def sankey_layout(flows: pl.DataFrame, gap: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Node rectangles and link bands (in customer-share units) for the flows frame."""
    # a node's size is its outflow; (end) and (continues) only receive. At every step each
    # customer still on the journey has exactly one flow, so inflow = outflow elsewhere.
    value: dict[tuple[int, str], float] = {}
    for step, src, tgt, share in flows.select("step", "source", "target", "share").iter_rows():
        value[(step, src)] = value.get((step, src), 0.0) + share
        if tgt in _TERMINAL:
            value[(step + 1, tgt)] = value.get((step + 1, tgt), 0.0) + share
    pos: dict[tuple[int, str], tuple[float, float]] = {}
    node_rows = []
    for col in sorted({s for s, _ in value}):
        names = [n for s, n in value if s == col]
        names.sort(key=lambda n: (n in _TERMINAL, n == OTHER, -value[(col, n)], n))
        y = 0.0
        for name in names:
            v = value[(col, name)]
            pos[(col, name)] = (y, y + v)
            kind = (
                "end"
                if name == END
                else "continues"
                if name == CONTINUES
                else ("other" if name == OTHER else "touchpoint")
            )
            node_rows.append(
                {"x": col, "y": y, "y2": y + v, "label": name, "share": v, "kind": kind}
            )
            y += v + gap
    # links: stack in the order of the nodes they connect
    out_off = {k: v[0] for k, v in pos.items()}
    in_off = {k: v[0] for k, v in pos.items()}
    order = {k: (i, v[0]) for i, (k, v) in enumerate(pos.items())}
    links = sorted(
        flows.select("step", "source", "target", "share", "n_customers").iter_rows(),
        key=lambda r: (r[0], order[(r[0], r[1])][1], order[(r[0] + 1, r[2])][1]),
    )
    t = np.linspace(0.0, 1.0, 24)
    ease = t * t * (3 - 2 * t)
    link_rows = []
    for i, (step, src, tgt, share, n) in enumerate(links):
        y0 = out_off[(step, src)]
        y1 = in_off[(step + 1, tgt)]
        out_off[(step, src)] += share
        in_off[(step + 1, tgt)] += share
        kind = "drop-off" if tgt == END else "continues" if tgt == CONTINUES else "flow"
        for tt, e in zip(t, ease, strict=True):
            top = y0 + (y1 - y0) * e
            link_rows.append(
                {
                    "link": i,
                    "x": step + 0.03 + 0.94 * tt,
                    "y": top,
                    "y2": top + share,
                    "kind": kind,
                    "source": src,
                    "target": tgt,
                    "n_customers": n,
                    "share": share,
                }
            )
    return pl.DataFrame(node_rows), pl.DataFrame(link_rows)
