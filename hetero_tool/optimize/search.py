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
from typing import TYPE_CHECKING, Literal

import msgspec

from hetero_tool._format import format_bytes, format_ms
from hetero_tool.affinity import Decision, Rule, rule_constraints
from hetero_tool.cost.model import CostModel, Prediction, predict_latency
from hetero_tool.devices import Device, Support
from hetero_tool.errors import InputError
from hetero_tool.ir.types import IRModel
from hetero_tool.optimize.baselines import (
    ISLAND_RULES,
    absorb_islands,
    fewest_phases,
    lower_bound_us,
    min_cut_with_value,
    segment_chain,
    single_device,
)
from hetero_tool.optimize.exact import Solution, evaluate, solve_exact
from hetero_tool.optimize.problem import Problem, problem_from_model
from hetero_tool.optimize.windows import WindowSearch, improve_by_windows
from hetero_tool.partition import split_shape_problems
from hetero_tool.plan import Plan, Predicted, make_plan

if TYPE_CHECKING:
    from hetero_tool.display.strip import Strip

__all__ = ["EXACT_LIMIT", "Candidate", "Optimization", "Objective", "default_time_limit", "optimize_plan"]

Objective = Literal["latency", "subgraphs"]
#: Units up to which the whole model goes to the exact engine in one solve.
EXACT_LIMIT = 3000
#: Groups of moved layers whose saving the chosen plan states (each costs an evaluation of the placement).
EXPLAINED = 40


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

    @property
    def cyclic(self) -> bool:
        """Whether HETERO has to break cycles between its subgraphs: the optimizer never keeps such a plan
        (a baseline may be one; it is priced as HETERO cuts it)."""
        return self.plan.partition.scc_steps > 0 or self.plan.partition.cycle_rounds > 1

    def key(self, objective: Objective) -> tuple[float, ...]:
        """Sort key: refused last, then cyclic ones, then by the objective."""
        if objective == "subgraphs":
            return (bool(self.refused), self.cyclic, self.plan.subgraph_count, self.ms)
        return (bool(self.refused), self.cyclic, self.ms, self.plan.subgraph_count)


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

    # -- display ---------------------------------------------------------------------------------------------

    def __repr__(self) -> str:
        predicted = self.plan.predicted
        assert predicted is not None  # the optimizer always predicts its plan
        measured = (
            "" if predicted.measured_ms is None else f" (measured {format_ms(predicted.measured_ms)} ms)"
        )
        return (
            f"<Optimization of {self.plan.model_name}: {predicted.chosen}, "
            f"{_count(self.plan.subgraph_count, 'subgraph')}, "
            f"predicted {format_ms(predicted.ms)} ms{measured} against HETERO's default "
            f"{format_ms(self.default.ms)} ms "
            f"({_count(self.default.plan.subgraph_count, 'subgraph')}); {len(self.candidates)} candidates in "
            f"{self.seconds:.1f} s>"
        )

    @property
    def strip(self) -> Strip:
        """HETERO's default over the plan chosen, as placement strips."""
        from hetero_tool.display.strip import Strip, merged_legend

        default, plan = self.default.plan, self.plan
        measured = plan.predicted.measured.get(self.default.name) if plan.predicted is not None else None
        figures = f"predicted {format_ms(self.default.ms)} ms" + (
            f", measured {format_ms(measured)} ms" if measured is not None else ""
        )
        rows = (
            default.strip_row(f"HETERO default · {default.headline} · {figures}"),
            plan.strip_row(f"chosen · {plan.headline}"),
        )
        return Strip(rows, merged_legend(default.legend, plan.legend))

    def _repr_html_(self) -> str:
        """The notebook display: the plan chosen against HETERO's default, the bound, every candidate, the
        moved operations, and the two strips."""
        from hetero_tool.diff import diff_plans
        from hetero_tool.display.card import Table, card_html, inline_picture

        predicted = self.plan.predicted
        assert predicted is not None  # the optimizer always predicts its plan
        facts = [
            ("chosen", f"{predicted.chosen or self.best.name} ({predicted.objective}; {predicted.engine})"),
            (
                f"predicted ({predicted.source})",
                f"{format_ms(predicted.ms)} ms against HETERO's default {format_ms(self.default.ms)} ms",
            ),
        ]
        if predicted.bound_ms is not None and predicted.gap is not None:
            scope = "" if predicted.bound_scope == "model" else f" ({predicted.bound_scope} model)"
            facts.append(
                ("bound", f"{format_ms(predicted.bound_ms)} ms{scope}, gap {100 * predicted.gap:.1f} %")
            )
        if predicted.measured_ms is not None:
            facts.append(("measured", f"{format_ms(predicted.measured_ms)} ms through HETERO"))
        facts.append(("search", f"{self.problem_size:,} units, {self.seconds:.1f} s"))
        rows = []
        for c in self.candidates:
            status = (
                "refused: " + "; ".join(c.refused)
                if c.refused
                else "HETERO breaks cycles"
                if c.cyclic
                else ""
            )
            measured = predicted.measured.get(c.name)
            rows.append(
                (
                    c.name,
                    f"{c.plan.subgraph_count:,}",
                    format_bytes(c.plan.partition.cut_bytes, "dynamic"),
                    f"{format_ms(c.ms)}",
                    f"×{c.ms / self.default.ms:.2f}" if self.default.ms > 0 else "",
                    "" if measured is None else format_ms(measured),
                    status,
                )
            )
        header = ("candidate", "subgraphs", "cut", "predicted ms", "vs default", "measured ms", "")
        diff = diff_plans(self.default.plan, self.plan, labels=("HETERO default", "chosen"))
        moved = diff.moved_rows(10)
        tables = [Table("Candidates, best first", header, tuple(rows))]
        if moved:
            tables.append(
                Table(
                    f"Operations moved from the default ({len(diff.moved):,})",
                    ("from", "to", "type", "count", "why"),
                    moved,
                )
            )
        picture, note = inline_picture(self.strip.svg, "optimization.strip.svg holds it")
        return card_html(
            f"Optimized split of {self.plan.model_name}",
            facts,
            tables=tables,
            picture=picture,
            notes=[*self.notes[:3], note],
        )


def optimize_plan(
    ir: IRModel,
    devices: Sequence[Device],
    cost: CostModel,
    *,
    support: Support | None = None,
    rules: Sequence[Rule] = (),
    affinity_map: Mapping[int, str] | None = None,
    objective: Objective = "latency",
    time_limit: float | None = None,
    memory: Mapping[str, int] | None = None,
    model_path: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Optimization:
    """The plan of least predicted latency (or fewest subgraphs, then latency) that respects support, rules
    and pins, with an acyclic subgraph graph, compared with every baseline.

    ``time_limit``: seconds for the whole search, pricing included (default :func:`default_time_limit`).
    ``memory``: device -> bytes it may hold (weights plus peak live activations); a candidate over it is
    refused, and the optimizer's placement keeps within it.
    ``progress`` is called with (stage, stages done, stages) as the search goes, as the runtime's progress
    callbacks are.

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
    stages = iter(range(6))

    def say(what: str) -> None:
        if progress is not None:
            progress(what, next(stages), 6)

    support = support or Support(ir)
    path = model_path or str(ir.path)
    deadline = started + (time_limit if time_limit is not None else default_time_limit(ir))
    constraints = rule_constraints(ir, devices, support, rules=rules, affinity_map=affinity_map)
    default_plan = make_plan(
        ir, devices, rules=rules, affinity_map=affinity_map, support=support, model_path=path
    )
    say("building the problem")
    problem = problem_from_model(ir, devices, support, constraints, cost)
    notes = list(cost.notes)
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
    cut_us = None
    if len(problem.devices) == 2:
        cut_us, placements["min cut"] = min_cut_with_value(problem)
    phases = [fewest_phases(problem, d) for d in range(len(problem.devices))]
    placements["fewest phases"] = min(phases, key=lambda p: _model_key(problem, p, "subgraphs"))
    placements["segment chain (DP on one order)"] = segment_chain(problem)
    budgets = {problem.devices.index(name): size for name, size in (memory or {}).items()}

    def over_budget(placement: Sequence[int]) -> list[str]:
        use = problem.memory_use(placement)
        return [
            f"{problem.devices[d]} would hold {format_bytes(sum(use[d]))} (weights "
            f"{format_bytes(use[d][0])}, activations {format_bytes(use[d][1])}), over its --memory "
            f"{format_bytes(size)}"
            for d, size in budgets.items()
            if sum(use[d]) > size
        ]

    say("pricing the baselines as HETERO will cut them")
    default = replace(default, refused=tuple(over_budget(placements["HETERO default"])))
    candidates = [default]
    seen: set = {tuple(placements["HETERO default"]), default_plan.placement_digest}

    def price(name: str, placement: Sequence[int]) -> None:
        if tuple(placement) in seen:
            return  # the same placement as an earlier candidate
        seen.add(tuple(placement))
        plan = _plan_from_placement(
            problem, placement, default_plan, devices, support, rules, affinity_map, path, why=name
        )
        if plan.placement_digest in seen:
            return  # another placement of the units, but the same plan (a Parameter follows anyway)
        seen.add(plan.placement_digest)
        refused = tuple(split_shape_problems(ir, plan.partition)) if plan.subgraph_count > 1 else ()
        candidates.append(
            Candidate(name, plan, predict_latency(cost, plan), refused + tuple(over_budget(placement)))
        )

    timed = time.perf_counter()
    for name, placement in placements.items():
        if name != "HETERO default":
            price(name, placement)
    per_plan = (time.perf_counter() - timed) / max(1, len(placements) - 1)
    # The search gets what is left of the budget, less pricing its result and explaining it; and a quarter
    # of the budget at least, however long planning and pricing took.
    limit = deadline - started
    budget = max(0.25 * limit, deadline - time.perf_counter() - 3 * per_plan)
    solution, windows = None, None
    if problem.size <= EXACT_LIMIT and budget > 0.5:
        say(f"exact engine on {problem.size} units")
        solution = solve_exact(
            problem,
            hints=[p for p in placements.values() if not over_budget(p)],
            time_limit=0.6 * budget,
            objective=objective,
            memory=budgets,
        )
    start = (
        list(solution.placement)
        if solution is not None
        else min(placements.values(), key=lambda p: (bool(over_budget(p)), _model_key(problem, p, objective)))
    )
    left = max(0.25 * limit, deadline - time.perf_counter() - 3 * per_plan) - (
        solution.seconds if solution is not None else 0.0
    )
    if (solution is None or not solution.optimal) and left > 0.5 and evaluate(problem, start) is not None:
        say(f"window re-solves on {problem.size} units")
        windows = improve_by_windows(
            problem, start, time_limit=left, objective=objective, accept=lambda p: not over_budget(p)
        )
        start = list(windows.placement)
    price("optimized", start)
    bound_us = max(solution.bound_us if solution is not None else 0.0, lower_bound_us(problem, cut_us))
    candidates.sort(key=lambda c: c.key(objective))
    if candidates[0].refused or candidates[0].cyclic:
        raise InputError(
            "no placement HETERO runs was found within the limits: "
            + "; ".join(
                f"{c.name}: {c.refused[0] if c.refused else 'HETERO would have to break cycles in it'}"
                for c in candidates[:3]
            )
        )
    if progress is not None:
        progress("done", 6, 6)
    best = candidates[0]
    baselines = {c.name: round(c.ms, 6) for c in candidates if c.name != "optimized" and not c.refused}
    bound_ms = gap = None
    if objective == "latency":
        bound_ms = bound_us / 1e3
        gap = max(0.0, (best.ms - bound_ms) / best.ms) if best.ms > 0 else 0.0
    predicted = Predicted(
        ms=round(best.ms, 6),
        default_ms=round(default.ms, 6),
        default_subgraphs=default_plan.subgraph_count,
        chosen=best.name,
        bound_ms=None if bound_ms is None else round(bound_ms, 6),
        gap=None if gap is None else round(gap, 6),
        baselines=baselines,
        cyclic=tuple(c.name for c in candidates if c.cyclic and c.name in baselines),
        source=cost.source,
        objective=objective,
        engine=_engine_text(solution, windows, problem.size, best.name),
        notes=tuple(notes),
    )
    chosen = replace(_explained(problem, best, default_plan), predicted=predicted)
    return Optimization(
        plan=chosen,
        default=default,
        candidates=tuple(candidates),
        solution=solution,
        problem_size=problem.size,
        seconds=time.perf_counter() - started,
        notes=tuple(notes),
    )


def default_time_limit(ir: IRModel) -> float:
    """Seconds the optimizer takes by default: 10 up to 2,000 layers, growing linearly to 60 at 25,000 (the
    baselines and pricing grow with the model too).

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> default_time_limit(parse_ir(samples["mobilenet"]))
    10.0
    """
    return min(60.0, max(10.0, 10.0 + 50.0 * (len(ir.layers) - 2000) / 23000))


def _engine_text(solution: Solution | None, windows: WindowSearch | None, size: int, chosen: str) -> str:
    parts = []
    if solution is not None:
        proof = "optimal" if solution.optimal else f"gap {solution.gap:.1%} under the model"
        parts.append(f"CP-SAT phase model on {size} units, {solution.seconds:.1f} s, {proof}")
    elif size > EXACT_LIMIT:
        parts.append(f"{size} units: above {EXACT_LIMIT}, no whole-model solve")
    if windows is not None:
        parts.append(
            f"window re-solves: {windows.improved} of {windows.windows} improved, {windows.seconds:.1f} s"
        )
    return "; ".join(parts + [f"chose {chosen}"])


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
    *,
    why: str,
) -> Plan:
    """The plan of a placement: every unit's layers pinned, Constants and Results following them, cut by the
    HETERO collector; each layer keeps its default decision where it did not move, and a moved one says
    which placement moved it (``why``; :func:`_explained` says more for the chosen plan)."""
    ir = problem.ir
    assert ir is not None
    layers = problem.layers_from_placement(placement)
    plan = make_plan(ir, devices, rules=rules, affinity_map=layers, support=support, model_path=model_path)
    decisions: dict[int, Decision] = {}
    for lid, decision in plan.decisions.items():
        before = default.decisions[lid]
        if before.device == decision.device:
            decisions[lid] = before
        elif lid in problem.unit_of:
            reason = f"moved from {before.device} by the {why} placement"
            decisions[lid] = Decision(decision.device, "optimizer", reason, rejected=before.rejected)
        else:
            decisions[lid] = msgspec.structs.replace(decision, rejected=before.rejected)
    return replace(plan, decisions=decisions)


def _explained(problem: Problem, chosen: Candidate, default: Plan) -> Plan:
    """The chosen plan, each layer it moved saying what its group of moves saves (:func:`_move_reasons`)."""
    plan = chosen.plan
    placement = problem.placement_from_layers(plan.layer_affinity)
    moved = [
        u
        for u, unit in enumerate(problem.units)
        if default.decisions[unit[0]].device != plan.decisions[unit[0]].device
    ]
    reasons = _move_reasons(problem, placement, default, moved)
    decisions = dict(plan.decisions)
    for u in moved:
        for lid in problem.units[u]:
            decisions[lid] = msgspec.structs.replace(decisions[lid], reason=reasons[u])
    return replace(plan, decisions=decisions)


def _move_reasons(
    problem: Problem, placement: Sequence[int], default: Plan, moved: Sequence[int]
) -> dict[int, str]:
    """Per moved unit, one line: the connected group of moves it belongs to, and what the group saves under
    the cost model against moving it back alone (subgraphs, compute, in all). Each such figure costs an
    evaluation of the whole placement, so only the :data:`EXPLAINED` largest groups get one; the others say
    their compute change."""
    base = problem.placement_from_layers(default.layer_affinity)
    moved_set = set(moved)
    neighbours: dict[int, list[int]] = {u: [] for u in moved}
    for u, w in problem.edges:
        if u in moved_set and w in moved_set:
            neighbours[u].append(w)
            neighbours[w].append(u)
    groups: list[list[int]] = []
    grouped: set[int] = set()
    for start in moved:
        if start in grouped:
            continue
        group, stack = [start], [start]
        grouped.add(start)
        while stack:
            for w in neighbours[stack.pop()]:
                if w not in grouped:
                    grouped.add(w)
                    group.append(w)
                    stack.append(w)
        groups.append(group)
    largest = set(map(id, sorted(groups, key=lambda g: -sum(len(problem.units[u]) for u in g))[:EXPLAINED]))
    chosen = evaluate(problem, placement)
    reasons: dict[int, str] = {}
    for group in groups:
        compute = sum(problem.compute_us[u][placement[u]] - problem.compute_us[u][base[u]] for u in group)
        layers = sum(len(problem.units[u]) for u in group)
        source = problem.devices[base[group[0]]]
        target = problem.devices[placement[group[0]]]
        what = f"moved from {source} with {layers - 1} more" if layers > 1 else f"moved from {source}"
        undone = None
        if id(group) in largest and chosen is not None:
            back = list(placement)
            for u in group:
                back[u] = base[u]
            undone = evaluate(problem, back)
        if id(group) not in largest or chosen is None:
            text = f"{what}: compute {compute:+.1f} µs on {target}, as part of the optimized placement"
        elif undone is None:
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


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'s' if n != 1 else ''}"
