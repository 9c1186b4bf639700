"""Window re-solves: the exact engine on one window of a model at a time, for models too big to solve whole.

Large-neighbourhood search (research note, section 7.3): a window of consecutive units in topological order
is freed, everything else held where the incumbent placement has it. The window's neighbours form a *frame*,
held on their device and at their potential, so any placement the window finds keeps the whole subgraph
graph acyclic. Inside, the window's subgraphs are counted (a frame unit's are counted outside it), and a
move is kept only when the whole placement's cost improves, evaluated exactly. Anytime: it stops at the time
budget with the best placement so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from hetero_tool.optimize.exact import evaluate, potentials, solve_exact
from hetero_tool.optimize.problem import Problem, Tensor

__all__ = ["WindowSearch", "improve_by_windows"]


@dataclass(frozen=True)
class WindowSearch:
    """What a window search did: the placement, its cost, and how many windows improved it."""

    placement: tuple[int, ...]
    cost_us: float
    subgraphs: int
    windows: int
    improved: int
    seconds: float


def improve_by_windows(
    problem: Problem,
    start: Sequence[int],
    *,
    time_limit: float,
    objective: Literal["latency", "subgraphs"] = "latency",
    size: int = 300,
    workers: int = 8,
    accept: Callable[[Sequence[int]], bool] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> WindowSearch:
    """Improve the acyclic placement ``start`` window by window within ``time_limit`` seconds: windows of
    ``size`` units slide along the topological order by half a window, round after round, until a round
    improves nothing or the time is up. ``accept``: a check every kept placement must pass besides its cost
    (a memory budget).

    Examples
    --------
    >>> from hetero_tool.optimize.problem import problem_from_graph
    >>> chain = problem_from_graph(8, [(u, u + 1) for u in range(7)], compute=[(1, 5)] * 8, nbytes=0)
    >>> found = improve_by_windows(chain, [1] * 8, time_limit=5, size=4, workers=1)
    >>> found.placement, found.cost_us  # all on the faster device: one subgraph of 8 x 1 µs + 10 µs
    ((0, 0, 0, 0, 0, 0, 0, 0), 18.0)
    """
    started = time.perf_counter()
    placement = list(start)
    first = evaluate(problem, placement)
    if first is None:
        raise ValueError("the start placement has a cycle between subgraphs")
    best = first
    successors: list[list[int]] = [[] for _ in range(problem.size)]
    neighbours: list[set[int]] = [set() for _ in range(problem.size)]
    for u, w in problem.edges:
        successors[u].append(w)
        neighbours[u].add(w)
        neighbours[w].add(u)
    consumed_from: list[list[Tensor]] = [[] for _ in range(problem.size)]
    for tensor in problem.tensors:
        consumed_from[tensor.producer].append(tensor)
    order = problem.order
    step = max(1, size // 2)
    offsets = list(range(0, max(1, len(order) - step), step))
    tried = improved = 0
    while True:
        better = False
        for k, offset in enumerate(offsets):
            left = time_limit - (time.perf_counter() - started)
            if left <= 0.05:
                break
            if progress is not None:
                progress(f"window re-solves ({improved} improved)", k, len(offsets))
            window = order[offset : offset + size]
            tried += 1
            found = _solve_window(
                problem, placement, window, successors, neighbours, consumed_from, objective, workers,
                min(left, max(0.5, left / max(1, len(offsets) - k))),
            )  # fmt: skip
            if found is None:
                continue
            trial = list(placement)
            for u, d in found.items():
                trial[u] = d
            value = evaluate(problem, trial)
            if value is not None and _better(value, best, objective) and (accept is None or accept(trial)):
                placement, best, better = trial, value, True
                improved += 1
        if not better or time.perf_counter() - started >= time_limit - 0.05:
            break
    return WindowSearch(tuple(placement), best[0], best[1], tried, improved, time.perf_counter() - started)


def _better(value: tuple[float, int], best: tuple[float, int], objective: str) -> bool:
    """Whether ``(cost, subgraphs)`` ``value`` beats ``best`` by more than rounding."""
    (cost, subgraphs), (best_cost, best_subgraphs) = value, best
    if objective == "subgraphs" and subgraphs != best_subgraphs:
        return subgraphs < best_subgraphs
    return cost < best_cost - 1e-6


def _solve_window(
    problem: Problem,
    placement: Sequence[int],
    window: Sequence[int],
    successors: Sequence[Sequence[int]],
    neighbours: Sequence[set[int]],
    consumed_from: Sequence[Sequence[Tensor]],
    objective: Literal["latency", "subgraphs"],
    workers: int,
    time_limit: float,
) -> dict[int, int] | None:
    """The window's best placement, unit -> device, with its frame held (``None``: nothing found)."""
    inside = set(window)
    frame = {w for u in window for w in neighbours[u]} - inside
    # A frame unit's tensor that enters the window: its consumers elsewhere decide which copies exist
    # already, so they join the frame too.
    for f in list(frame):
        for tensor in consumed_from[f]:
            if inside.intersection(tensor.consumers):
                frame.update(c for c in tensor.consumers if c not in inside)
    members = [u for u in problem.order if u in inside or u in frame]
    local = {u: k for k, u in enumerate(members)}
    tensors = [
        Tensor(local[t.producer], tuple(local[c] for c in t.consumers if c in local), t.nbytes)
        for u in members
        for t in consumed_from[u]
        if u in inside or inside.intersection(t.consumers)
    ]
    sub = Problem(
        ir=problem.ir,
        devices=problem.devices,
        units=tuple(problem.units[u] for u in members),
        unit_of={},
        allowed=tuple(problem.allowed[u] if u in inside else (placement[u],) for u in members),
        edges=tuple(sorted((local[u], local[w]) for u in members for w in successors[u] if w in local)),
        order=tuple(range(len(members))),
        tensors=tuple(t for t in tensors if t.consumers),
        compute_us=tuple(
            problem.compute_us[u] if u in inside else (0.0,) * len(problem.devices) for u in members
        ),
        fusions=tuple(
            (local[u], local[v], extra)
            for u, v, extra in problem.fusions
            if u in local and v in local and (u in inside or v in inside)
        ),
        cost=problem.cost,
        refused={},
        glue=tuple(problem.glue[u] for u in members) if problem.glue else (),
    )
    potential = potentials(problem, placement)
    solution = solve_exact(
        sub,
        hints=[[placement[u] for u in members]],
        hint_potentials=[potential[u] for u in members],
        fixed={local[u]: placement[u] for u in frame},
        frame={local[u]: potential[u] for u in frame},
        time_limit=time_limit,
        objective=objective,
        workers=workers,
    )
    if solution is None:
        return None
    return {members[k]: d for k, d in enumerate(solution.placement) if members[k] in inside}
