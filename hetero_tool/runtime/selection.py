"""Measured selection: the optimizer's best candidates compiled and timed through HETERO, the fastest kept.

A cost model ranks plans; only HETERO says which one runs fastest. ``plan --optimize --measure K`` times the
K best distinct candidates (and HETERO's default, the measured effect's reference) in interleaved rounds, so
machine noise hits them alike, and keeps the fastest measured one; the plan records every measured figure
next to the predicted ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import msgspec

from hetero_tool.errors import CheckFailed
from hetero_tool.ir.types import IRModel
from hetero_tool.optimize.search import Candidate, Optimization
from hetero_tool.plan import Plan
from hetero_tool.runtime.bench import run_bench
from hetero_tool.runtime.progress import Progress
from hetero_tool.runtime.results import BenchConfig

__all__ = ["measure_plans", "select_measured"]


def measure_plans(
    ir: IRModel,
    plans: Sequence[tuple[str, Plan]],
    *,
    time_s: float = 2.0,
    rounds: int = 5,
    progress: Progress | None = None,
) -> dict[str, float]:
    """Median latency (ms) of each ``(label, plan)`` compiled through HETERO with the config it records, in
    ``rounds`` interleaved rounds of ``time_s`` seconds per plan in all; each compiled model is checked
    against its plan (submodel count and devices) as ``bench`` checks it, and
    :class:`~hetero_tool.errors.CheckFailed` names any that differs."""
    config = BenchConfig(time_s=time_s, rounds=rounds)
    result = run_bench(ir, plans, config, baselines=False, progress=progress)
    failed = [f"{run.label}: {run.problems()[0]}" for run in result.runs if run.problems()]
    if failed:
        raise CheckFailed(f"a measured candidate did not compile as planned: {'; '.join(failed)}")
    return {run.label: run.latency.median_ms for run in result.runs}


def select_measured(
    ir: IRModel,
    found: Optimization,
    k: int,
    *,
    time_s: float = 2.0,
    rounds: int = 5,
    progress: Progress | None = None,
) -> Optimization:
    """``found`` with its plan replaced by the fastest measured of its ``k`` best candidates HETERO runs
    (HETERO's default is timed too, as the reference); the plan's ``predicted`` gains ``measured_ms`` and
    every measured candidate's figure. The candidates keep their predicted order."""
    if k < 1:
        return found
    # The candidates the optimizer may keep: HETERO runs them, and without breaking cycles.
    runnable = [c for c in found.candidates if not c.refused and not c.cyclic]
    chosen: list[Candidate] = runnable[:k]
    if found.default.name not in {c.name for c in chosen}:
        chosen.append(found.default)
    measured = measure_plans(
        ir, [(c.name, c.plan) for c in chosen], time_s=time_s, rounds=rounds, progress=progress
    )
    fastest = min(chosen[: len(runnable[:k])], key=lambda c: measured[c.name])
    predicted = found.plan.predicted
    assert predicted is not None
    notes = predicted.notes
    if fastest.name != found.best.name:
        notes += (
            f"measured, {fastest.name} ran fastest ({measured[fastest.name]:.3f} ms against "
            f"{measured[found.best.name]:.3f} ms for {found.best.name}, the predicted best); it is kept",
        )
    gap = predicted.gap
    if predicted.bound_ms is not None and fastest.ms > 0:
        gap = round(max(0.0, (fastest.ms - predicted.bound_ms) / fastest.ms), 6)
    record = msgspec.structs.replace(
        predicted,
        ms=round(fastest.ms, 6),
        gap=gap,
        chosen=fastest.name,
        measured_ms=round(measured[fastest.name], 6),
        measured={name: round(ms, 6) for name, ms in measured.items()},
        engine=predicted.engine.rsplit("; chose", 1)[0] + f"; chose {fastest.name} (measured)",
        notes=notes,
    )
    # The predicted best's plan carries the search's reasons for every move; another candidate's, its own.
    kept = found.plan if fastest.name == found.best.name else fastest.plan
    return replace(found, plan=replace(kept, predicted=record))
