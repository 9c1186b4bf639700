"""The search: every baseline as a plan, the exact engine warm-started from them, the cheapest plan kept.

:func:`optimize_plan` is what ``hetero-tool plan --optimize`` runs. Every candidate, the optimizer's own
included, is turned into a real plan (affinities through the same assignment, subgraphs through the same
HETERO-exact collector) and priced by the cost model on that plan, so the figures compared are those of the
plans HETERO will run, not of the solver's model of them. A candidate HETERO would refuse (a split that
changes shapes) is dropped with its reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import msgspec

from hetero_tool.affinity import Decision, Rule, rule_constraints
from hetero_tool.cost.model import CostModel, Prediction, predict_latency
from hetero_tool.devices import Device, Support
from hetero_tool.ir.types import IRModel
from hetero_tool.optimize.baselines import ISLAND_RULES, absorb_islands, fewest_phases, min_cut, single_device
from hetero_tool.optimize.exact import Solution, evaluate, solve_exact
from hetero_tool.optimize.problem import Problem, problem_from_model
from hetero_tool.partition import split_shape_problems
from hetero_tool.plan import Plan, Predicted, make_plan

__all__ = ["EXACT_LIMIT", "Candidate", "Optimization", "Objective", "optimize_plan"]

Objective = Literal["latency", "subgraphs"]
#: Units up to which the whole model goes to the exact engine in one solve.
EXACT_LIMIT = 3000


@dataclass(frozen=True)
class Candidate:
    """One placement weighed: a baseline or the optimizer's, as the plan HETERO would run."""

    name: str
    plan: Plan
    prediction: Prediction
    #: Why HETERO would not run it (empty: it runs).
    refused: tuple[str, ...] = ()

    @property
    def ms(self) -> float:
        return self.prediction.total_ms

    def key(self, objective: Objective) -> tuple[float, ...]:
        """Sort key: refused last, then by the objective."""
        if objective == "subgraphs":
            return (bool(self.refused), self.plan.subgraph_count, self.ms)
        return (bool(self.refused), self.ms, self.plan.subgraph_count)


@dataclass(frozen=True)
class Optimization:
    """What :func:`optimize_plan` found: the chosen plan (its :attr:`~hetero_tool.plan.Plan.predicted`
    filled), HETERO's default, and every candidate, best first."""

    plan: Plan
    default: Candidate
    candidates: tuple[Candidate, ...]
    #: The exact engine's answer (``None`` when it did not run or found nothing).
    solution: Solution | None
    problem_size: int
    seconds: float
    notes: tuple[str, ...] = ()

    @property
    def best(self) -> Candidate:
        return self.candidates[0]


def optimize_plan(
    ir: IRModel,
    devices: Sequence[Device],
    cost: CostModel,
    *,
    support: Support | None = None,
    rules: Sequence[Rule] = (),
    affinity_map: Mapping[int, str] | None = None,
    objective: Objective = "latency",
    time_limit: float = 10.0,
    model_path: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Optimization:
    """The plan of least predicted latency (or fewest subgraphs, then latency) that respects support, rules
    and pins, with an acyclic subgraph graph, compared with every baseline.

    ``time_limit`` bounds the exact engine (seconds). ``progress`` is called with (stage, stages done, stages)
    as the search goes, as the runtime's progress callbacks are.

    Examples
    --------
    >>> from hetero_tool.cost.model import cost_model_from_estimates
    >>> from hetero_tool.devices import resolve_devices
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.affinity import load_rules
    >>> from importlib import resources
    >>> ir = parse_ir(samples["mobilenet"])
    >>> devices = resolve_devices(["NPU", "CPU"], {"NPU": "npu"}, real=["CPU"])
    >>> rules = load_rules(resources.files("hetero_tool.data") / "activations_off_npu.toml")  # hard-swish
    >>> found = optimize_plan(ir, devices, cost_model_from_estimates(ir, devices), rules=rules, time_limit=5)
    >>> found.default.plan.subgraph_count, found.plan.subgraph_count < found.default.plan.subgraph_count
    (20, True)
    >>> found.best.ms == min(c.ms for c in found.candidates if not c.refused)
    True
    """
    started = time.perf_counter()
    stages = iter(range(4))

    def say(what: str) -> None:
        if progress is not None:
            progress(what, next(stages), 4)

    support = support or Support(ir)
    path = model_path or str(ir.path)
    constraints = rule_constraints(ir, devices, support, rules=rules, affinity_map=affinity_map)
    default_plan = make_plan(
        ir, devices, rules=rules, affinity_map=affinity_map, support=support, model_path=path
    )
    say("building the problem")
    problem = problem_from_model(ir, devices, support, constraints, cost)
    notes = list(cost.notes)

    def candidate(name: str, placement: Sequence[int]) -> Candidate:
        plan = _plan_from_placement(
            problem, placement, default_plan, devices, support, rules, affinity_map, path
        )
        refused = tuple(split_shape_problems(ir, plan.partition)) if plan.subgraph_count > 1 else ()
        return Candidate(name, plan, predict_latency(cost, plan), refused)

    default = Candidate("HETERO default", default_plan, predict_latency(cost, default_plan))
    placements: dict[str, list[int]] = {
        "HETERO default": problem.placement_from_layers(default_plan.layer_affinity)
    }
    say("baselines")
    for d, name in enumerate(problem.devices):
        alone = single_device(problem, d)
        if alone is not None:
            placements[f"{name} alone"] = alone
    for label, size in ISLAND_RULES.items():
        placements[label] = absorb_islands(problem, placements["HETERO default"], size)
    if len(problem.devices) >= 2:
        placements["min cut"] = min_cut(problem)
    phases = [fewest_phases(problem, d) for d in range(len(problem.devices))]
    placements["fewest phases"] = min(phases, key=lambda p: _model_key(problem, p, "subgraphs"))
    solution = None
    if problem.size <= EXACT_LIMIT:
        say(f"exact engine on {problem.size} units ({time_limit:g} s at most)")
        solution = solve_exact(
            problem, hints=list(placements.values()), time_limit=time_limit, objective=objective
        )
        if solution is not None:
            placements["optimized"] = list(solution.placement)
    else:
        notes.append(
            f"{problem.size} units: above the exact engine's {EXACT_LIMIT}, the best baseline is kept and no "
            "bound is proved"
        )
    say("pricing every candidate as HETERO will cut it")
    candidates = [default]
    seen = {default_plan.placement_digest}
    for name, placement in placements.items():
        if name == "HETERO default":
            continue
        found = candidate(name, placement)
        if found.plan.placement_digest in seen:
            continue  # the same plan as an earlier candidate
        seen.add(found.plan.placement_digest)
        candidates.append(found)
    candidates.sort(key=lambda c: c.key(objective))
    if progress is not None:
        progress("done", 4, 4)
    best = candidates[0]
    baselines = {c.name: round(c.ms, 6) for c in candidates if c.name != "optimized" and not c.refused}
    bound_ms = gap = None
    if solution is not None and objective == "latency":
        bound_ms = (solution.bound_us + cost.request_us) / 1e3  # the engine leaves out the constant
        gap = max(0.0, (best.ms - bound_ms) / best.ms) if best.ms > 0 else 0.0
    predicted = Predicted(
        ms=round(best.ms, 6),
        default_ms=round(default.ms, 6),
        bound_ms=None if bound_ms is None else round(bound_ms, 6),
        gap=None if gap is None else round(gap, 6),
        baselines=baselines,
        source=cost.source,
        objective=objective,
        engine=_engine_text(solution, problem.size, best.name),
        notes=tuple(notes),
    )
    chosen = replace(best.plan, predicted=predicted)
    return Optimization(
        plan=chosen,
        default=default,
        candidates=tuple(candidates),
        solution=solution,
        problem_size=problem.size,
        seconds=time.perf_counter() - started,
        notes=tuple(notes),
    )


def _engine_text(solution: Solution | None, size: int, chosen: str) -> str:
    if solution is None:
        return f"baselines only ({size} units); chose {chosen}"
    proof = "optimal" if solution.optimal else f"gap {solution.gap:.1%} under the model"
    return f"CP-SAT phase model, {size} units, {solution.seconds:.1f} s, {proof}; chose {chosen}"


def _model_key(problem: Problem, placement: Sequence[int], objective: Objective) -> tuple[float, float]:
    found = evaluate(problem, placement)
    if found is None:
        return (float("inf"), float("inf"))
    cost_us, subgraphs = found
    return (subgraphs, cost_us) if objective == "subgraphs" else (cost_us, subgraphs)


def _plan_from_placement(
    problem: Problem,
    placement: Sequence[int],
    default: Plan,
    devices: Sequence[Device],
    support: Support,
    rules: Sequence[Rule],
    affinity_map: Mapping[int, str] | None,
    model_path: str,
) -> Plan:
    """The plan of a placement: every unit's layers pinned, Constants and Results following them, cut by the
    HETERO collector; each layer keeps its default decision where it did not move, and says why it did."""
    ir = problem.ir
    assert ir is not None
    layers = problem.layers_from_placement(placement)
    plan = make_plan(ir, devices, rules=rules, affinity_map=layers, support=support, model_path=model_path)
    moved_units = [
        u for u, unit in enumerate(problem.units) if default.decisions[unit[0]].device != layers[unit[0]]
    ]
    reasons = _move_reasons(problem, placement, default, moved_units)
    decisions: dict[int, Decision] = {}
    for lid, decision in plan.decisions.items():
        before = default.decisions[lid]
        if before.device == decision.device:
            decisions[lid] = before
        elif lid in problem.unit_of:
            decisions[lid] = Decision(
                decision.device,
                "optimizer",
                reasons[problem.unit_of[lid]],
                rejected=before.rejected,
            )
        else:
            decisions[lid] = msgspec.structs.replace(decision, rejected=before.rejected)
    return replace(plan, decisions=decisions)


def _move_reasons(
    problem: Problem, placement: Sequence[int], default: Plan, moved: Sequence[int]
) -> dict[int, str]:
    """Per moved unit, one line: the connected group of moves it belongs to, and what the group saves under
    the cost model against moving it back alone (subgraphs, compute, in all)."""
    base = problem.placement_from_layers(default.layer_affinity)
    moved_set = set(moved)
    neighbours: dict[int, list[int]] = {u: [] for u in moved}
    for u, w in problem.edges:
        if u in moved_set and w in moved_set:
            neighbours[u].append(w)
            neighbours[w].append(u)
    reasons: dict[int, str] = {}
    chosen = evaluate(problem, placement)
    for start in moved:
        if start in reasons:
            continue
        group, stack = [start], [start]
        seen = {start}
        while stack:
            for w in neighbours[stack.pop()]:
                if w not in seen:
                    seen.add(w)
                    group.append(w)
                    stack.append(w)
        back = list(placement)
        for u in group:
            back[u] = base[u]
        undone = evaluate(problem, back)
        compute = sum(problem.compute_us[u][placement[u]] - problem.compute_us[u][base[u]] for u in group)
        layers = sum(len(problem.units[u]) for u in group)
        source = problem.devices[base[group[0]]]
        target = problem.devices[placement[group[0]]]
        what = f"moved from {source} with {layers - 1} more" if layers > 1 else f"moved from {source}"
        if undone is None or chosen is None:
            text = f"{what}; moving them back alone would make subgraphs depend on each other in a cycle"
        else:
            fewer = undone[1] - chosen[1]
            text = (
                f"{what}: saves {undone[0] - chosen[0]:.1f} µs against moving them back ({fewer} "
                f"subgraph{'' if abs(fewer) == 1 else 's'} fewer, compute {compute:+.1f} µs on {target})"
            )
        for u in group:
            reasons[u] = text
    return reasons
