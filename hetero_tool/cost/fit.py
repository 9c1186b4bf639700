"""The boundary fit: what one more subgraph costs, from a microbenchmark's latencies.

The microbenchmark (:mod:`hetero_tool.runtime.microbench`) times one chain of layers cut into ``k``
alternating subgraphs, for a few boundary tensor sizes; only the boundaries change with ``k``, so the slope of
latency over ``k`` is the cost of one boundary, and how it grows with the tensor size is the per-byte cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hetero_tool.cost.profile import BoundaryFit, BoundaryPoint

__all__ = ["fit_boundary_cost"]


def fit_boundary_cost(points: Sequence[tuple[int, int, float]]) -> BoundaryFit:
    """Least-squares fit of ``latency = base(size) + (k - 1) * (overhead + per_byte * bytes)``.

    ``points`` are ``(bytes per boundary, subgraphs k, latency in ms)``. Every size gets its own base (the
    chain's compute differs with the tensor size); the overhead and the per-byte cost are shared. With a
    single size the two cannot be told apart: the whole slope is the overhead and the per-byte cost is 0.
    ``r2`` is the share of the variation *within* each size (around its mean) that the fit explains, so the
    differences between the sizes' bases do not flatter it.

    Examples
    --------
    >>> pts = [
    ...     (b, k, 1.0 + b / 1e6 + (k - 1) * (0.020 + 0.5e-6 * b)) for b in (1000, 8000) for k in (1, 2, 4, 8)
    ... ]
    >>> fit = fit_boundary_cost(pts)
    >>> round(fit.overhead_us, 6), round(fit.per_byte_ns, 6), round(fit.r2, 6)
    (20.0, 0.5, 1.0)
    """
    import numpy as np

    if not points:
        raise ValueError("no points to fit")
    sizes = sorted({int(b) for b, _, _ in points})
    for size in sizes:
        if len({k for b, k, _ in points if b == size}) < 2:
            raise ValueError(f"size {size}: need at least two subgraph counts")
    scale = max(sizes)  # keeps the columns of the same order
    rows, y = [], []
    for b, k, latency in points:
        rows.append(
            [1.0 if b == s else 0.0 for s in sizes]
            + [k - 1.0]
            + ([(k - 1.0) * b / scale] if len(sizes) > 1 else [])
        )
        y.append(latency)
    a, target = np.asarray(rows), np.asarray(y)
    coef, *_ = np.linalg.lstsq(a, target, rcond=None)
    predicted = a @ coef
    residual = target - predicted
    means = {s: float(np.mean([lat for b, _, lat in points if b == s])) for s in sizes}
    within = sum((lat - means[int(b)]) ** 2 for b, _, lat in points)
    ss_res = float(residual @ residual)
    r2 = 1.0 - ss_res / within if within > 0 else (1.0 if ss_res == 0 else 0.0)
    overhead_ms = float(coef[len(sizes)])
    per_byte_ms = float(coef[len(sizes) + 1]) / scale if len(sizes) > 1 else 0.0
    slopes = {}
    for s in sizes:
        ks = np.asarray([k - 1.0 for b, k, _ in points if b == s])
        lat = np.asarray([v for b, _, v in points if b == s])
        slopes[s] = 1e3 * float(np.polyfit(ks, lat, 1)[0])
    return BoundaryFit(
        overhead_us=1e3 * overhead_ms,
        per_byte_ns=1e6 * per_byte_ms,
        r2=float(r2),
        rmse_us=1e3 * math.sqrt(ss_res / len(points)),
        max_residual_us=1e3 * float(np.max(np.abs(residual))),
        slopes_us=slopes,
        base_ms={s: float(coef[i]) for i, s in enumerate(sizes)},
        points=tuple(
            BoundaryPoint(int(b), int(k), float(lat), float(p)) for (b, k, lat), p in zip(points, predicted)
        ),
    )
