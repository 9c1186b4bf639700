"""The exact engine: the placement of least predicted latency, by CP-SAT on the phase-potential model.

The model (research note, section 7.2), over the units of a :class:`~hetero_tool.optimize.problem.Problem`
with ``k`` devices:

- ``dev[u]`` in the unit's allowed devices; ``p[u] = k * q[u] + dev[u]``, a *potential*: along every edge
  ``p`` does not decrease, and it stays equal exactly when both ends share a device. Potentials exist if and
  only if the same-device components form an acyclic graph, so HETERO never has to break a cycle.
- Subgraphs are counted as the roots of a spanning forest of the same-device components: every unit is a
  root or has exactly one parent among its same-device neighbours, with a height that grows along parents.
- The objective is the cost model's sum: compute, fusions cut, a subgraph overhead per root, and per cut
  tensor the transfer to each device it goes to; with ``objective="subgraphs"`` the subgraph count first.

It was checked against brute force on small graphs (``tests/test_optimizer.py``). OR-Tools is imported here
only, when a solve starts.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from hetero_tool.optimize.problem import Problem

__all__ = ["Solution", "evaluate", "solve_exact"]

#: Objective units per microsecond: CP-SAT works on integers.
_SCALE = 100


@dataclass(frozen=True)
class Solution:
    """What a solve found: a placement, its cost under the problem's model, and the best bound proved."""

    placement: tuple[int, ...]
    cost_us: float
    subgraphs: int
    #: A lower bound on the cost of any placement (µs); equal to :attr:`cost_us` when proved optimal.
    bound_us: float
    optimal: bool
    #: CP-SAT's status name, and the wall time of the solve.
    status: str
    seconds: float

    @property
    def gap(self) -> float:
        return (self.cost_us - self.bound_us) / self.cost_us if self.cost_us > 0 else 0.0


def evaluate(problem: Problem, placement: Sequence[int]) -> tuple[float, int] | None:
    """``(cost µs, subgraphs)`` of a placement under the problem's model, or ``None`` when its same-device
    components depend on each other in a cycle (HETERO would have to split them).

    Examples
    --------
    >>> from hetero_tool.optimize.problem import problem_from_graph
    >>> p = problem_from_graph(3, [(0, 1), (1, 2), (0, 2)], subgraph_us=10, nbytes=0)
    >>> evaluate(p, [0, 0, 0]), evaluate(p, [0, 1, 1]), evaluate(p, [0, 1, 0])
    ((13.0, 1), (23.0, 2), None)
    """
    n = problem.size
    parent = list(range(n))

    def root(u: int) -> int:
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    for u, w in problem.edges:
        if placement[u] == placement[w]:
            parent[root(u)] = root(w)
    component = [root(u) for u in range(n)]
    succ: dict[int, set[int]] = {}
    for u, w in problem.edges:
        a, b = component[u], component[w]
        if a != b:
            succ.setdefault(a, set()).add(b)
    everything = set(component)
    indegree = dict.fromkeys(everything, 0)
    for targets in succ.values():
        for b in targets:
            indegree[b] += 1
    ready = [c for c in everything if not indegree[c]]
    seen = 0
    while ready:
        c = ready.pop()
        seen += 1
        for b in succ.get(c, ()):
            indegree[b] -= 1
            if not indegree[b]:
                ready.append(b)
    if seen != len(everything):
        return None
    glue = problem.glue or (False,) * n
    # A component of Constants alone is no subgraph: HETERO clones them into their consumers' submodels.
    roots = {component[u] for u in range(n) if not glue[u]}
    alpha = [problem.cost.subgraph_us.get(name, 0.0) for name in problem.devices]
    total = sum(problem.compute_us[u][placement[u]] for u in range(n))
    total += sum(alpha[placement[c]] for c in roots)
    for u, partner, extra in problem.fusions:
        if placement[u] != placement[partner]:
            total += extra[placement[u]]
    for tensor in problem.tensors:
        src = placement[tensor.producer]
        for dst in {placement[w] for w in tensor.consumers} - {src}:
            total += problem.transfer_us(src, dst, tensor.nbytes)
    return total, len(roots)


def solve_exact(
    problem: Problem,
    *,
    hints: Sequence[Sequence[int]] = (),
    time_limit: float = 10.0,
    objective: Literal["latency", "subgraphs"] = "latency",
    workers: int = 8,
    fixed: Mapping[int, int] | None = None,
    frame: Mapping[int, int] | None = None,
    hint_potentials: Sequence[int] | None = None,
    memory: Mapping[int, int] | None = None,
    seed: int = 0,
) -> Solution | None:
    """The placement of least cost (or fewest subgraphs, then least cost), within ``time_limit`` seconds;
    ``None`` when none exists or none was found in time.

    ``hints``: placements to start from (the cheapest acyclic one is given to CP-SAT). ``fixed``: units held
    on a device. ``frame``: units around a window (:mod:`~hetero_tool.optimize.windows`) with their
    potential held too (their device must be in ``fixed``); their subgraphs are counted outside the window,
    so a frame unit is a root for free. ``hint_potentials``: the potentials of the one hint (a window's
    hint must agree with its frame), else the least ones of the hint are used. ``memory``: device index ->
    bytes it may hold, weights plus the live activations at every step (:meth:`Problem.memory_use`).

    ``workers``: CP-SAT's portfolio of threads; 8 even on 2 cores, because its bound-proving workers (core,
    max-LP) only run in a portfolio that large, and without them the bound stays weak. With one worker the
    search is deterministic.

    Examples
    --------
    >>> from hetero_tool.optimize.problem import problem_from_graph
    >>> p = problem_from_graph(3, [(0, 1), (1, 2)], compute=[(1, 5), (5, 1), (1, 5)], subgraph_us=1, nbytes=0)
    >>> s = solve_exact(p, workers=1)
    >>> s.placement, s.cost_us, s.optimal
    ((0, 1, 0), 6.0, True)
    """
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    n, k = problem.size, len(problem.devices)
    if not n:
        return Solution((), 0.0, 0, 0.0, True, "OPTIMAL", 0.0)
    m = cp_model.CpModel()
    fixed = fixed or {}
    dev = []
    for u in range(n):
        domain = (fixed[u],) if u in fixed else problem.allowed[u]
        if not domain:
            return None
        dev.append(m.new_int_var_from_domain(cp_model.Domain.from_values(domain), f"dev{u}"))
    x = [[m.new_bool_var(f"x{u}_{d}") for d in range(k)] for u in range(n)]
    for u in range(n):
        m.add_exactly_one(x[u])
        m.add(dev[u] == sum(d * x[u][d] for d in range(1, k)))  # linear: the relaxation sees it
        for d in range(k):
            if d not in problem.allowed[u] or fixed.get(u, d) != d:
                m.add(x[u][d] == 0)
    frame = frame or {}
    top = max(frame.values(), default=0) + k * (n + 1)
    q = [m.new_int_var(0, top // k, f"q{u}") for u in range(n)]
    p = [m.new_int_var(0, top, f"p{u}") for u in range(n)]
    for u in range(n):
        m.add(p[u] == k * q[u] + dev[u])
        if u in frame:
            m.add(p[u] == frame[u])
    height = [m.new_int_var(0, n - 1, f"h{u}") for u in range(n)]
    parents: list[list] = [[] for _ in range(n)]
    children: list[list] = [[] for _ in range(n)]
    same = {}
    for u, w in problem.edges:
        s = m.new_bool_var(f"s{u}_{w}")
        same[u, w] = s
        for d in range(k):
            m.add(x[u][d] == x[w][d]).only_enforce_if(s)
        m.add(dev[u] != dev[w]).only_enforce_if(~s)
        m.add(p[w] == p[u]).only_enforce_if(s)
        m.add(p[w] >= p[u])  # different devices: different residues, so strictly greater
        for a, b in ((u, w), (w, u)):
            link = m.new_bool_var(f"a{a}_{b}")
            m.add_implication(link, s)
            m.add(height[b] >= height[a] + 1).only_enforce_if(link)
            parents[b].append((a, link))
            children[a].append(link)
    for d, budget in (memory or {}).items():
        _add_memory(m, problem, [x[u][d] for u in range(n)], budget)
    roots = []
    terms: list = []
    alpha = [round(_SCALE * problem.cost.subgraph_us.get(name, 0.0)) for name in problem.devices]
    glue = problem.glue or (False,) * n
    charged = []
    for u in range(n):
        r = m.new_bool_var(f"r{u}")
        roots.append(r)
        m.add_exactly_one([r, *(link for _, link in parents[u])])
        counted = r
        if glue[u]:  # a Constant roots a subgraph only with a consumer under it
            counted = m.new_bool_var(f"g{u}")
            for link in children[u]:
                m.add_bool_or([~r, ~link, counted])
            if not children[u]:
                m.add(counted == 0)
        charged.append(counted)
        for d in range(k):
            if alpha[d] and u not in frame:
                z = m.new_bool_var(f"z{u}_{d}")
                m.add_bool_or([~counted, ~x[u][d], z])  # z >= counted + x - 1: a root on d pays d's overhead
                terms.append(alpha[d] * z)
        for d in range(k):
            c = round(_SCALE * problem.compute_us[u][d])
            if c:
                terms.append(c * x[u][d])
    for u, partner, extra in problem.fusions:
        for d in range(k):
            c = round(_SCALE * extra[d])
            if c:
                f = m.new_bool_var(f"f{u}_{partner}_{d}")
                m.add_bool_or([~x[u][d], x[partner][d], f])
                terms.append(c * f)
    for t, tensor in enumerate(problem.tensors):
        u = tensor.producer
        for src in range(k):
            for dst in range(k):
                if src == dst:
                    continue
                c = round(_SCALE * problem.transfer_us(src, dst, tensor.nbytes))
                if not c:
                    continue
                b = m.new_bool_var(f"b{t}_{src}_{dst}")
                for w in tensor.consumers:
                    m.add_bool_or([~x[u][src], ~x[w][dst], b])
                terms.append(c * b)
    cost_expr = sum(terms)
    if objective == "subgraphs":
        m.minimize(sum(charged) * _big_m(problem) + cost_expr)
    else:
        m.minimize(cost_expr)
    start = _best_hint(problem, hints)
    if start is not None:
        potential = hint_potentials if hint_potentials is not None else potentials(problem, start)
        _add_hint(m, problem, start, potential, dev, x, p, q, height, roots, same, parents)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit - (time.perf_counter() - started))
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.relative_gap_limit = 0.0
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    placement = tuple(int(solver.value(dev[u])) for u in range(n))
    found = evaluate(problem, placement)
    assert found is not None, "the phase model admitted a cyclic placement"
    cost_us, subgraphs = found
    bound = solver.best_objective_bound
    if objective == "subgraphs":
        bound_us = 0.0 if status != cp_model.OPTIMAL else cost_us  # a bound on the lexicographic sum only
    else:  # proved optimal: the bound is the cost (the scaled objective rounds each term to 0.01 µs)
        bound_us = cost_us if status == cp_model.OPTIMAL else min(cost_us, bound / _SCALE)
    return Solution(
        placement=placement,
        cost_us=cost_us,
        subgraphs=subgraphs,
        bound_us=bound_us,
        optimal=status == cp_model.OPTIMAL,
        status=solver.status_name(status),
        seconds=time.perf_counter() - started,
    )


def _add_memory(m, problem: Problem, on: Sequence, budget: int) -> None:
    """Weights plus the activations alive at each step, of the units ``on`` the device, within ``budget``."""
    weights = m.new_int_var(0, max(budget, 0), "weights")
    m.add(weights == sum(w * on[u] for u, w in enumerate(problem.weight_bytes) if w))
    alive: list[list[int]] = [[] for _ in range(problem.size)]
    for u, (first, last) in enumerate(problem.live_steps):
        if problem.output_bytes[u]:
            for step in range(first, last + 1):
                alive[step].append(u)
    for units in alive:
        if units:
            m.add(weights + sum(problem.output_bytes[u] * on[u] for u in units) <= budget)


def _big_m(problem: Problem) -> int:
    """More than any placement's cost in objective units: one subgraph fewer always wins."""
    worst = sum(max(row) for row in problem.compute_us)
    worst += sum(max(extra) for *_, extra in problem.fusions)
    k = len(problem.devices)
    worst += k * sum(
        max(problem.transfer_us(a, b, t.nbytes) for a in range(k) for b in range(k)) for t in problem.tensors
    )
    worst += problem.size * max(problem.cost.subgraph_us.values(), default=0.0)
    return round(_SCALE * worst) + 1


def components(problem: Problem, placement: Sequence[int]) -> list[int]:
    """Per unit, the first unit (in :attr:`~Problem.order`) of its same-device component."""
    adjacency: list[list[int]] = [[] for _ in range(problem.size)]
    for u, w in problem.edges:
        if placement[u] == placement[w]:
            adjacency[u].append(w)
            adjacency[w].append(u)
    component = [-1] * problem.size
    for start in problem.order:
        if component[start] >= 0:
            continue
        component[start] = start
        stack = [start]
        while stack:
            for w in adjacency[stack.pop()]:
                if component[w] < 0:
                    component[w] = start
                    stack.append(w)
    return component


def potentials(
    problem: Problem, placement: Sequence[int], component: Sequence[int] | None = None
) -> list[int]:
    """Per unit, the least potential an acyclic placement allows: its component's, the smallest value above
    every producing component's with the residue of its device (``p = k * q + device``)."""
    k = len(problem.devices)
    component = component if component is not None else components(problem, placement)
    preds: dict[int, set[int]] = {}
    for u, w in problem.edges:
        if component[u] != component[w]:
            preds.setdefault(component[w], set()).add(component[u])
    # Components in topological order: a component's first unit comes after all its producers' units.
    found: dict[int, int] = {}
    for u in problem.order:
        c = component[u]
        if c in found:
            continue
        low = max((found[a] + 1 for a in preds.get(c, ()) if a in found), default=0)
        found[c] = low + (placement[u] - low) % k
    return [found[component[u]] for u in range(problem.size)]


def _best_hint(problem: Problem, hints: Sequence[Sequence[int]]) -> Sequence[int] | None:
    best, best_cost = None, float("inf")
    for hint in hints:
        if any(d not in problem.allowed[u] for u, d in enumerate(hint)):
            continue
        found = evaluate(problem, hint)
        if found is not None and found[0] < best_cost:
            best, best_cost = hint, found[0]
    return best


def _add_hint(m, problem: Problem, placement, potential, dev, x, p, q, height, roots, same, parents) -> None:
    """Hint every variable of an acyclic placement: its potentials, and a spanning forest of each component
    from a search in :attr:`~Problem.order`."""
    n, k = problem.size, len(problem.devices)
    adjacency: list[list[int]] = [[] for _ in range(n)]
    for u, w in problem.edges:
        if placement[u] == placement[w]:
            adjacency[u].append(w)
            adjacency[w].append(u)
    seen = [False] * n
    depth = [0] * n
    parent_of = [-1] * n
    for start in problem.order:
        if seen[start]:
            continue
        seen[start] = True
        stack = [start]
        while stack:
            u = stack.pop()
            for w in adjacency[u]:
                if not seen[w]:
                    seen[w], depth[w], parent_of[w] = True, depth[u] + 1, u
                    stack.append(w)
    for u in range(n):
        m.add_hint(dev[u], placement[u])
        for d in range(k):
            m.add_hint(x[u][d], placement[u] == d)
        m.add_hint(p[u], potential[u])
        m.add_hint(q[u], potential[u] // k)
        m.add_hint(height[u], depth[u])
        m.add_hint(roots[u], parent_of[u] < 0)
        for other, link in parents[u]:
            m.add_hint(link, parent_of[u] == other)
    for (u, w), s in same.items():
        m.add_hint(s, placement[u] == placement[w])
