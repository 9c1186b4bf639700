"""The placements users get without the optimizer, each a placement of the problem's units (device index per
unit): HETERO's default, one device alone, the peers' island rules, s-t min cut, and the fewest phases.

Each is what its peer does, applied to the same problem, so the optimizer is measured against them in one
harness (research note, sections 3, 5.2 and 6).
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx

from hetero_tool.optimize.problem import Problem

__all__ = [
    "ISLAND_RULES",
    "absorb_islands",
    "fewest_phases",
    "min_cut",
    "phases",
    "phases_lower_bound",
    "single_device",
]

#: Peer island rules: name -> the smallest island an accelerator keeps (smaller ones go to the last device).
ISLAND_RULES: Mapping[str, int] = {
    "islands<3 (ONNX Runtime, TVM)": 3,
    "min_block_size 5 (Torch-TensorRT)": 5,
    "min size 10 (NPUW)": 10,
}


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
    graph = nx.DiGraph()
    s, t = "s", "t"
    for u in range(problem.size):
        allowed = problem.allowed[u]
        on_source = problem.compute_us[u][source] if source in allowed else None
        on_sink = problem.compute_us[u][sink] if sink in allowed else None
        # Cutting s->u puts u on the sink's side (pays its sink time); cutting u->t, on the source's side.
        graph.add_edge(s, u, capacity=on_sink if on_sink is not None else float("inf"))
        graph.add_edge(u, t, capacity=on_source if on_source is not None else float("inf"))
    for k, tensor in enumerate(problem.tensors):
        forward, backward = ("f", k), ("b", k)
        graph.add_edge(tensor.producer, forward, capacity=problem.transfer_us(source, sink, tensor.nbytes))
        graph.add_edge(backward, tensor.producer, capacity=problem.transfer_us(sink, source, tensor.nbytes))
        for w in tensor.consumers:
            graph.add_edge(forward, w)  # no capacity: infinite
            graph.add_edge(w, backward)
    _, (source_side, _) = nx.minimum_cut(graph, s, t)
    placement = []
    for u in range(problem.size):
        wanted = source if u in source_side else sink
        placement.append(wanted if wanted in problem.allowed[u] else problem.allowed[u][0])
    return placement


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
