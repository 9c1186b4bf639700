"""The placements users get without the optimizer, each a placement of the problem's units (device index per
unit): HETERO's default, one device alone, the peers' island rules, s-t min cut, and the fewest phases.

Each is what its peer does, applied to the same problem, so the optimizer is measured against them in one
harness (research note, sections 3, 5.2 and 6).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from hetero_tool.optimize.problem import Problem

__all__ = [
    "ISLAND_RULES",
    "absorb_islands",
    "fewest_phases",
    "lower_bound_us",
    "min_cut",
    "min_cut_with_value",
    "narrow_segments",
    "phases",
    "phases_lower_bound",
    "segment_chain",
    "single_device",
]

#: Peer island rules: name -> the smallest island an accelerator keeps (smaller ones go to the last device).
ISLAND_RULES: Mapping[str, int] = {
    "islands<3 (ONNX Runtime, TVM)": 3,
    "min_block_size 5 (Torch-TensorRT)": 5,
    "min size 10 (NPUW)": 10,
}


def narrow_segments(problem: Problem) -> list[list[int]]:
    """The units cut into runs of the topological order at its *narrow points*: where one unit's output is
    all that is live (everything before is consumed but that). Giving each run one device can never make
    subgraphs depend on each other in a cycle: the runs form a chain.

    Examples
    --------
    >>> from hetero_tool.optimize.problem import problem_from_graph
    >>> # 0 -> 1 -> 3 and 0 -> 2 -> 3 (a diamond), then 3 -> 4
    >>> narrow_segments(problem_from_graph(5, [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)]))
    [[0], [1, 2, 3], [4]]
    """
    rank = {u: i for i, u in enumerate(problem.order)}
    last = [rank[u] for u in range(problem.size)]
    for u, w in problem.edges:
        last[u] = max(last[u], rank[w])
    live = [0] * (problem.size + 1)
    for u in range(problem.size):
        if last[u] > rank[u]:
            live[rank[u]] += 1
            live[last[u]] -= 1
    segments: list[list[int]] = [[]]
    open_now = 0
    for i, u in enumerate(problem.order):
        open_now += live[i]
        segments[-1].append(u)
        if open_now <= 1 and i + 1 < problem.size:
            segments.append([])
    return [segment for segment in segments if segment]


def segment_chain(problem: Problem) -> list[int]:
    """The best placement that gives each narrow segment (:func:`narrow_segments`) one device, by dynamic
    programming along the chain: compute, a subgraph's overhead at each change of device, and the live
    tensor's transfer there. A segment no single device runs keeps each unit on its first allowed device.
    A Kernighan-style DP on one topological order (research note, section 6): acyclic by construction, a
    start for the exact engine on any size.

    Examples
    --------
    >>> from hetero_tool.optimize.problem import problem_from_graph
    >>> fast_then_slow = [(1, 9), (1, 9), (9, 1), (9, 1)]
    >>> p = problem_from_graph(4, [(0, 1), (1, 2), (2, 3)], compute=fast_then_slow, nbytes=0)
    >>> segment_chain(p)
    [0, 0, 1, 1]
    """
    k = len(problem.devices)
    alpha = [problem.cost.subgraph_us.get(name, 0.0) for name in problem.devices]
    out_bytes = [0] * problem.size
    for tensor in problem.tensors:
        out_bytes[tensor.producer] += tensor.nbytes or 0
    inf = float("inf")
    best: list[float] = []
    choice: list[list[tuple[int, list[int]]]] = []  # per segment, per device: (previous device, placement)
    previous_best: list[float] | None = None
    previous_bytes = 0
    for segment in narrow_segments(problem):
        options: list[list[int] | None] = []
        for d in range(k):
            options.append([d] * len(segment) if all(d in problem.allowed[u] for u in segment) else None)
        if not any(options):
            mixed = [problem.allowed[u][0] for u in segment]
            options = [mixed if d == mixed[0] else None for d in range(k)]
        live_bytes = out_bytes[segment[-1]]
        best = [inf] * k
        step: list[tuple[int, list[int]]] = [(-1, [])] * k
        for d, option in enumerate(options):
            if option is None:
                continue
            compute = sum(problem.compute_us[u][dev] for u, dev in zip(segment, option))
            if previous_best is None:
                best[d], step[d] = compute + alpha[d], (-1, option)
                continue
            for e, before in enumerate(previous_best):
                change = 0.0 if e == d else alpha[d] + problem.transfer_us(e, d, previous_bytes)
                if before + change + compute < best[d]:
                    best[d], step[d] = before + change + compute, (e, option)
        choice.append(step)
        previous_best, previous_bytes = best, live_bytes
    placement = [0] * problem.size
    d = min(range(k), key=lambda e: best[e]) if choice else 0
    for segment, step in zip(reversed(narrow_segments(problem)), reversed(choice)):
        before, option = step[d]
        for u, dev in zip(segment, option):
            placement[u] = dev
        d = before
    return placement


def single_device(problem: Problem, device: int) -> list[int] | None:
    """Every unit on ``device``, or ``None`` when it cannot run them all."""
    if all(device in allowed for allowed in problem.allowed):
        return [device] * problem.size
    return None


def absorb_islands(problem: Problem, placement: list[int], min_size: int) -> list[int]:
    """The peers' island rule: every connected run of units on a device other than the last one that holds
    fewer than ``min_size`` layers goes to the last device (which takes whatever it can run), as ONNX
    Runtime, TVM, Torch-TensorRT and NPUW drop small accelerator partitions.

    Examples
    --------
    >>> from hetero_tool.optimize.problem import problem_from_graph
    >>> p = problem_from_graph(5, [(0, 1), (1, 2), (2, 3), (3, 4)])
    >>> absorb_islands(p, [0, 0, 1, 0, 0], 3)  # the two NPU runs have 2 layers each
    [1, 1, 1, 1, 1]
    """
    last = len(problem.devices) - 1
    neighbours: list[list[int]] = [[] for _ in range(problem.size)]
    for u, w in problem.edges:
        neighbours[u].append(w)
        neighbours[w].append(u)
    result = list(placement)
    seen = [False] * problem.size
    for start in range(problem.size):
        if seen[start] or placement[start] == last:
            continue
        island, stack = [], [start]
        seen[start] = True
        while stack:
            u = stack.pop()
            island.append(u)
            for w in neighbours[u]:
                if not seen[w] and placement[w] == placement[start]:
                    seen[w] = True
                    stack.append(w)
        if sum(len(problem.units[u]) for u in island) < min_size:
            for u in island:
                if last in problem.allowed[u]:
                    result[u] = last
    return result


def min_cut(problem: Problem, source: int = 0, sink: int = 1) -> list[int]:
    """Stone's s-t min cut between two devices: least compute plus transfer, each tensor paid once per
    direction, subgraph overheads and acyclicity ignored (the cheap relaxation peers and papers use). Units
    that may run on neither stay where the other devices allow; with more devices only ``source`` and
    ``sink`` are chosen between.

    Examples
    --------
    >>> from hetero_tool.optimize.problem import problem_from_graph
    >>> p = problem_from_graph(3, [(0, 1), (1, 2)], compute=[(1, 9), (9, 1), (1, 9)], nbytes=0)
    >>> min_cut(p)
    [0, 1, 0]
    """
    return min_cut_with_value(problem, source, sink)[1]


def lower_bound_us(problem: Problem, cut_us: float | None = None) -> float:
    """A lower bound on any placement's cost (µs): for two devices, the min cut (compute and transfers, no
    subgraph overhead, acyclicity ignored) plus the cheapest overhead times the fewest phases any placement
    needs; otherwise each unit's cheapest compute plus one subgraph. Weaker than CP-SAT's, but linear-ish
    and valid at any size. ``cut_us``: the min cut's value, when :func:`min_cut_with_value` gave it.

    Examples
    --------
    >>> from hetero_tool.optimize.problem import problem_from_graph
    >>> p = problem_from_graph(3, [(0, 1), (1, 2)], compute=[(1, 9), (9, 1), (1, 9)], nbytes=0)
    >>> lower_bound_us(p)  # min cut 3 µs, one phase of 10 µs; the optimum is 21 (all on D0)
    13.0
    """
    alpha = min(problem.cost.subgraph_us.get(name, 0.0) for name in problem.devices)
    if len(problem.devices) == 2:
        cut = cut_us if cut_us is not None else min_cut_with_value(problem)[0]
        return cut + alpha * phases_lower_bound(problem)
    cheapest = sum(min(problem.compute_us[u][d] for d in problem.allowed[u]) for u in range(problem.size))
    return cheapest + (alpha if problem.size else 0.0)


def min_cut_with_value(problem: Problem, source: int = 0, sink: int = 1) -> tuple[float, list[int]]:
    """:func:`min_cut`'s placement and the cut's value (µs): a lower bound on compute plus transfers.

    Solved by OR-Tools' max flow on capacities in nanoseconds, rounded down (so the value stays a lower
    bound). A tensor is one node per direction: its producer feeds it at the transfer's cost, and it feeds
    every consumer without limit, so it is paid once per direction however many consumers it crosses to.
    """
    import numpy as np
    from ortools.graph.python import max_flow

    n = problem.size
    s, t = n, n + 1
    tails: list[int] = []
    heads: list[int] = []
    caps: list[float] = []

    def arc(a: int, b: int, cap: float) -> None:
        tails.append(a)
        heads.append(b)
        caps.append(cap)

    for u in range(n):
        allowed = problem.allowed[u]
        # Cutting s->u puts u on the sink's side (pays its sink time); cutting u->t, on the source's side.
        arc(s, u, problem.compute_us[u][sink] if sink in allowed else math.inf)
        arc(u, t, problem.compute_us[u][source] if source in allowed else math.inf)
    for k, tensor in enumerate(problem.tensors):
        forward, backward = n + 2 + 2 * k, n + 3 + 2 * k
        arc(tensor.producer, forward, problem.transfer_us(source, sink, tensor.nbytes))
        arc(backward, tensor.producer, problem.transfer_us(sink, source, tensor.nbytes))
        for w in tensor.consumers:
            arc(forward, w, math.inf)
            arc(w, backward, math.inf)
    finite = [c for c in caps if c != math.inf]
    infinite = int(1e3 * sum(finite)) + 1
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(
        np.array(tails, dtype=np.int32),
        np.array(heads, dtype=np.int32),
        np.array([infinite if c == math.inf else int(1e3 * c) for c in caps], dtype=np.int64),
    )
    if flow.solve(s, t) != flow.OPTIMAL:
        raise RuntimeError("the max-flow solver did not finish")
    source_side = set(flow.get_source_side_min_cut())
    placement = []
    for u in range(n):
        wanted = source if u in source_side else sink
        placement.append(wanted if wanted in problem.allowed[u] else problem.allowed[u][0])
    return flow.optimal_flow() / 1e3, placement


def fewest_phases(problem: Problem, start: int) -> list[int]:
    """The placement of :func:`phases` (see there)."""
    return phases(problem, start)[0]


def phases_lower_bound(problem: Problem) -> int:
    """The fewest phases any placement needs (exact for two devices): no plan has fewer subgraphs.

    Examples
    --------
    >>> from hetero_tool.optimize.problem import problem_from_graph
    >>> phases_lower_bound(problem_from_graph(3, [(0, 1), (1, 2)], allowed=[(0,), (1,), (0,)]))
    3
    """
    return min(phases(problem, d)[1] for d in range(len(problem.devices)))


def phases(problem: Problem, start: int) -> tuple[list[int], int]:
    """Maximal-closure alternation (research note, 5.2): starting on device ``start``, each phase takes every
    unit the current device may run whose producers are all placed; then the next device in turn. With two
    devices, the better of the two starts has the fewest phases possible. Returns the placement and its
    phase count. Two units of one device in different phases that an edge joins are one subgraph for
    HETERO, so the placement may hold a cycle HETERO splits; the count is a lower bound all the same.

    Examples
    --------
    >>> from hetero_tool.optimize.problem import problem_from_graph
    >>> p = problem_from_graph(4, [(0, 1), (0, 2), (1, 3), (2, 3)], allowed=[(0,), (0, 1), (1,), (0, 1)])
    >>> phases(p, 0)  # D0 takes 0 and 1, then D1 takes 2 and 3
    ([0, 0, 1, 1], 2)
    """
    k = len(problem.devices)
    preds: list[list[int]] = [[] for _ in range(problem.size)]
    succ: list[list[int]] = [[] for _ in range(problem.size)]
    for u, w in problem.edges:
        preds[w].append(u)
        succ[u].append(w)
    waiting = [len(p) for p in preds]
    placement = [-1] * problem.size
    ready = {u for u in range(problem.size) if not waiting[u]}
    device, idle, count = start, 0, 0
    while ready:
        frontier = [u for u in ready if device in problem.allowed[u]]
        if not frontier:
            device, idle = (device + 1) % k, idle + 1
            if idle > k:
                raise ValueError("a unit no device may run")
            continue
        idle = 0
        count += 1
        while frontier:
            u = frontier.pop()
            ready.discard(u)
            placement[u] = device
            for w in succ[u]:
                waiting[w] -= 1
                if not waiting[w]:
                    ready.add(w)
                    if device in problem.allowed[w]:
                        frontier.append(w)
        device = (device + 1) % k
    return placement, count
