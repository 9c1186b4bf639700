"""Property tests of the optimizer (``plan --optimize``) on random models, devices, support, rules and costs.

Every case is drawn from its seed: a random IR model from the partition fuzzer's generator
(``tests/test_partition_fuzz.py``), two or three devices (NPU and GPU emulated, each with a profile written
for the case that refuses random op types and random layers by name; the CPU real), forbid and pin rules on
random layers, and a random cost model (per-device speeds, subgraph overheads and transfer costs), so that
mixing devices pays in some cases and not in others.

Each case is built around a *witness*: a placement that puts each device on one block of a topological order
(so HETERO breaks no cycle in it) and keeps OpenVINO's fused groups together. Support masks, forbids and pins
never rule the witness out, so an acyclic plan always exists and the acyclicity property is never vacuous;
priced on its real plan, the witness is one more baseline the optimizer must not lose to.

For each case and objective, :func:`optimize_plan` must give a plan that

1. puts every layer on a device that runs it and no rule forbids, and every pinned layer on its pin, with
   the rule's decision;
2. has an acyclic subgraph graph: HETERO's collector breaks no cycle, the graph of its cuts is a DAG, and so
   is the graph of the placement's same-device components (computed here from the IR, not by the collector);
3. for latency, is predicted no slower than any baseline (the optimizer's own list, and HETERO's default,
   each device alone and the witness, planned and priced here), above its reported bound neither; for
   ``subgraphs``, has no more subgraphs than the default;
4. compiles through the real HETERO plugin into exactly the predicted submodels, on the predicted devices in
   order (a sample of the cases).

A failure prints the case (devices, profiles, rules, costs) and the model; each case id shows its seed. The
properties fail today on the cases of KNOWN BUGS below, which are left out until the bugs are fixed.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import networkx as nx
import pytest

from hetero_tool.affinity import Match, Rule
from hetero_tool.cost.model import CostModel, cost_model_from_estimates, predict_latency
from hetero_tool.devices import Device, Support, resolve_devices
from hetero_tool.errors import InputError
from hetero_tool.ir import parse_ir
from hetero_tool.ir.types import IRModel
from hetero_tool.optimize.search import Optimization, optimize_plan
from hetero_tool.plan import Plan, make_plan
from hetero_tool.runtime.hetero import compile_plan, verify
from tests.test_partition_fuzz import save_random_model

DEVICE_SETS = (("NPU", "CPU"), ("NPU", "GPU", "CPU"))
OBJECTIVES = ("latency", "subgraphs")
#: CP-SAT's time limit per solve (s): it proves most cases (8 to 30 operations) optimal well within it.
TIME_LIMIT = 5.0
#: The ms figures of a plan's Predicted record are rounded to 6 decimals.
ROUNDING_MS = 1e-6
#: Every third case is compiled through the real HETERO plugin too.
COMPILED_EVERY = 3
#: Whether a forbid or pin rule may take part of a fused group (bug 1 below), and whether, of three
#: devices, a layer may be kept off both the first and the second (bug 2): both, since they are fixed.
SPLIT_FUSED_GROUPS = True
REFUSE_BOTH_FIRST_DEVICES = True

# Five bugs these properties found, now fixed, and the cases that showed them (all seeds run again):
# 1. a unit whose layers HETERO's default places apart (a rule forbids one layer of a fused group) was read
#    by its first layer only (twin Negatives that OpenVINO merges, a rule forbidding one on the NPU);
# 2. min cut with three devices and a unit neither of the first two may run (now only with two devices);
# 3. Constants were left out of the engine's model, but HETERO's collector joins every consumer on a
#    Constant's device through it before it clones it (x -> Add(x, c) -> Relu -> Multiply(., c)), and a
#    Constant feeding only a Result followed no unit (now both are units: joining, never a subgraph alone,
#    nothing copied from them);
# 4. a baseline HETERO must break cycles in could be chosen (now listed, never chosen);
# 5. a Parameter whose consumers a device refuses could be placed on it (support now applies to it).
#: Seeds whose case hits a known bug, left out of FAST_SEEDS and SLOW_SEEDS until it is fixed (none).
# fmt: off
LEFT_OUT: dict[int, str] = {}
# fmt: on
FAST_SEEDS = [seed for seed in range(36) if seed not in LEFT_OUT]
#: Larger cases. Ten keep the suite within CI's budget; the 20 of issue 11's sweep (range(100, 120)) all pass.
SLOW_SEEDS = [seed for seed in range(100, 110) if seed not in LEFT_OUT]


def seeds(keep=lambda seed: True) -> list:
    """The fast seeds, then the slow sweep's (marked ``slow``), those ``keep`` accepts."""
    slow = [pytest.param(seed, marks=pytest.mark.slow) for seed in SLOW_SEEDS if keep(seed)]
    return [*(seed for seed in FAST_SEEDS if keep(seed)), *slow]


def seed_id(seed: int) -> str:
    return f"seed={seed}"


# -- cases ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One random case, as its seed draws it (see the module docstring)."""

    seed: int
    ir: IRModel
    devices: tuple[Device, ...]
    support: Support
    rules: tuple[Rule, ...]
    cost: CostModel
    #: Layer id -> device: the witness (operations, Parameters and Constants).
    witness: dict[int, str]
    #: Layer id -> devices a forbid rule keeps it off.
    forbidden: dict[int, frozenset[str]]
    #: Layer id -> (device, rule name) of its pin.
    pinned: dict[int, tuple[str, str]]
    #: The model, the profiles and the figures, for failure messages.
    description: str

    def __str__(self) -> str:
        return self.description


def _witness(
    ir: IRModel, rng: random.Random, names: tuple[str, ...], support: Support
) -> tuple[dict[int, str], list[tuple[int, ...]]]:
    """Each device on one block of a topological order of the operations, OpenVINO's fused groups taken as
    one where that leaves the graph acyclic (random device order and block sizes); a Parameter or Constant
    with its consumer of the earliest block. Along every edge the block does not go back, and a block is one
    device, so the same-device components depend on each other without a cycle (HETERO's collector joins a
    Constant's consumers on its device, so Constants count too). Returns it and the groups it keeps whole."""
    position = {lid: k for k, lid in enumerate(ir.ordered.ids)}
    ops = [lid for lid in ir.ordered.ids if ir.layers[lid].ir_type not in ("Parameter", "Const", "Result")]
    edges = [(e.src, e.dst) for e in ir.edges if e.src in position and e.dst in position]

    def contracted(head: dict[int, int]) -> nx.DiGraph:
        graph = nx.DiGraph()
        graph.add_nodes_from(set(head.values()))
        graph.add_edges_from(
            (head[u], head[w]) for u, w in edges if u in head and w in head and head[u] != head[w]
        )
        return graph

    head = {lid: lid for lid in ops}
    whole = []
    for group in support.fused_groups():
        trial = {**head, **dict.fromkeys(group, group[0])}
        if nx.is_directed_acyclic_graph(contracted(trial)):  # else the optimizer keeps no group either
            head = trial
            whole.append(group)
    units = list(nx.lexicographical_topological_sort(contracted(head), key=position.__getitem__))
    order = list(names)
    rng.shuffle(order)
    cuts = sorted(rng.randint(0, len(units)) for _ in range(len(order) - 1))
    bounds = [0, *cuts, len(units)]
    block = {unit: b for b in range(len(order)) for unit in units[bounds[b] : bounds[b + 1]]}
    block = {lid: block[head[lid]] for lid in ops}
    for lid, layer in ir.layers.items():
        if layer.ir_type in ("Parameter", "Const"):
            consumers = [c for c in ir.consumers(lid) if c in block]
            first = min(consumers, key=lambda c: (block[c], position[c]), default=None)
            block[lid] = len(order) - 1 if first is None else block[first]
    return {lid: order[b] for lid, b in block.items()}, whole


def _profile_toml(
    device: str, seed: int, ir: IRModel, spare: set[int], rng: random.Random, *, by_type: bool = True
) -> tuple[str, str]:
    """A profile for an emulated ``device`` that refuses random op types (unless ``by_type`` is false) and
    random layers by name, no ``spare`` layer's type or name among them; and a one-line summary."""
    ops = {
        lid: layer
        for lid, layer in ir.layers.items()
        if layer.ir_type not in ("Parameter", "Const", "Result")
    }
    kept = {ops[lid].type for lid in spare if lid in ops}
    refusable = sorted({layer.type for layer in ops.values()} - kept) if by_type else []
    style = rng.choice(["none", "types", "names", "both", "both"])
    types = [t for t in refusable if rng.random() < 0.4] if style in ("types", "both") else []
    names = sorted(
        layer.name
        for lid, layer in ops.items()
        if lid not in spare and layer.type not in types and rng.random() < 0.25
    )
    names = names if style in ("names", "both") else []
    lines = [
        "schema_version = 1",
        f'name = "random-{device.lower()}-{seed}"',
        f'description = "{device} of property case {seed}: random op types and layers refused"',
        "[support.unsupported_types]",
        *(f'{t} = "refused by the case"' for t in types),
    ]
    if names:
        lines += ["[[support.exclude]]", f"names = {names!r}".replace("'", '"'), 'reason = "refused by name"']
    return "\n".join(lines) + "\n", f"{device}: refuses types {types or '-'}, names {names or '-'}"


def _emulated(
    names: tuple[str, ...],
    seed: int,
    ir: IRModel,
    witness: dict[int, str],
    rng: random.Random,
    directory: Path,
) -> tuple[dict[str, Path], list[str]]:
    """A random profile for each device but the last (the CPU, real), written to ``directory``: it never
    refuses a layer the witness puts on the device, nor (KNOWN BUG 2) a layer the first device refuses when
    it is the second of three. An op type may refuse more than its own layers (OpenVINO turns a Negative
    into a Multiply): a profile whose types refuse a spare layer is drawn again by names alone."""
    groups = Support(ir).fused_groups()
    emulate: dict[str, Path] = {}
    summaries: list[str] = []
    refused: set[int] = set()
    for k, name in enumerate(names[:-1]):
        spare = {lid for lid, device in witness.items() if device == name}
        if k == 1 and len(names) > 2 and not REFUSE_BOTH_FIRST_DEVICES:
            spare |= refused
        spare |= {lid for group in groups if spare & set(group) for lid in group}
        path = directory / f"{name.lower()}.toml"
        for by_type in (True, False):
            text, summary = _profile_toml(name, seed, ir, spare, rng, by_type=by_type)
            path.write_text(text)
            verdict = Support(ir).query(resolve_devices([name], {name: path}, real=["CPU"])[0])
            if all(verdict[lid] is None for lid in spare):
                break
        else:
            raise AssertionError(f"seed {seed}: {name}'s profile refuses {sorted(spare)} by name")
        emulate[name] = path
        summaries.append(summary)
        refused = {lid for lid, why in verdict.items() if why is not None}
    return emulate, summaries


def _random_cost(ir: IRModel, devices: tuple[Device, ...], rng: random.Random) -> tuple[CostModel, str]:
    """The estimates' cost model with random figures: a speed per device and a time per layer and device, a
    subgraph overhead per device, a transfer cost per device pair (fixed µs and ns per byte)."""
    base = cost_model_from_estimates(ir, devices)
    names = base.devices
    speed = {d: rng.choice([0.25, 0.5, 1.0, 2.0, 4.0]) for d in names}
    work = {lid: rng.uniform(0.5, 20.0) for lid in base.layer_us[names[0]]}
    layer_us = {d: {lid: w * speed[d] * rng.uniform(0.5, 2.0) for lid, w in work.items()} for d in names}
    subgraph_us = {d: rng.choice([0.0, 0.5, 3.0, 20.0, 60.0]) for d in names}
    transfer = {
        (a, b): (rng.choice([0.0, 1.0, 5.0, 20.0]), rng.choice([0.0, 0.1, 2.0]))
        for a in names
        for b in names
        if a != b
    }
    cost = replace(base, layer_us=layer_us, subgraph_us=subgraph_us, transfer=transfer)
    return cost, f"speed {speed}, subgraph µs {subgraph_us}, transfer {transfer}"


def make_case(seed: int, directory: Path) -> Case:
    """Draw the case of ``seed``: model, devices and profiles, witness, forbid and pin rules, cost model."""
    rng = random.Random(f"optimizer-properties-{seed}")
    n_ops = rng.randint(8, 30)
    model, xml = save_random_model(seed, n_ops, directory)
    ir = parse_ir(xml)
    names = rng.choice(DEVICE_SETS)
    witness, whole = _witness(ir, rng, names, Support(ir))
    emulate, summaries = _emulated(names, seed, ir, witness, rng, directory)
    devices = resolve_devices(list(names), emulate, real=["CPU"])
    support = Support(ir)
    verdicts = {d.name: support.query(d) for d in devices}
    refused = [lid for lid, d in witness.items() if verdicts[d][lid] is not None]
    assert not refused, f"seed {seed}: the witness puts layers {refused} on devices that refuse them"

    # Forbids and pins on random operations and Parameters, never against the witness.
    forbidden: dict[int, frozenset[str]] = {}
    pinned: dict[int, tuple[str, str]] = {}
    group_of = {lid: (lid,) for lid in witness}
    if not SPLIT_FUSED_GROUPS:
        group_of.update({lid: group for group in whole for lid in group})
    spare_first_two = len(names) > 2 and not REFUSE_BOTH_FIRST_DEVICES

    def keeps_first_two(lid: int, devs: frozenset[str]) -> bool:
        """Whether ``lid`` may still run on one of the first two devices with ``devs`` forbidden."""
        runs = ir.layers[lid].ir_type == "Parameter" or verdicts[names[0]][lid] is None
        return (runs and names[0] not in devs) or (verdicts[names[1]][lid] is None and names[1] not in devs)

    for lid in sorted(witness):
        if group_of[lid][0] != lid or ir.layers[lid].ir_type == "Const":
            continue  # a group is drawn with its first layer; Constants take no rules
        others = [d for d in names if d != witness[lid]]
        draw = rng.random()
        if draw < 0.15:
            devs = frozenset(rng.sample(others, rng.randint(1, len(others))))
            if not spare_first_two or all(keeps_first_two(m, devs) for m in group_of[lid]):
                forbidden.update(dict.fromkeys(group_of[lid], devs))
        elif draw < 0.22 and ir.layers[lid].ir_type != "Parameter":
            if not spare_first_two or witness[lid] in names[:2]:
                pinned.update(dict.fromkeys(group_of[lid], (witness[lid], f"pin to {witness[lid]}")))
    rules = []
    for devs in sorted(set(forbidden.values()), key=sorted):
        ids = frozenset(lid for lid, f in forbidden.items() if f == devs)
        rules.append(Rule(f"not on {'+'.join(sorted(devs))}", Match(ids=ids), forbid=tuple(sorted(devs))))
    for device in names:
        ids = frozenset(lid for lid, (d, _) in pinned.items() if d == device)
        if ids:
            rules.append(Rule(f"pin to {device}", Match(ids=ids), pin=device))
    part = make_plan(ir, devices, rules=rules, affinity_map=witness, support=support).partition
    assert part.scc_steps == 0 and part.cycle_rounds <= 1, (
        f"seed {seed}: HETERO breaks a cycle of the witness"
    )
    cost, cost_summary = _random_cost(ir, devices, rng)
    label = lambda ids: sorted(ir.layers[lid].name for lid in ids)  # noqa: E731
    description = "\n  ".join(
        [
            f"seed={seed}: {len(ir.layers)} layers, devices {','.join(names)}",
            *summaries,
            f"forbids: {[(r.forbid, label(r.match.ids)) for r in rules if r.forbid]}",
            f"pins: {[(r.pin, label(r.match.ids)) for r in rules if r.pin]}",
            f"witness: { {d: label(lid for lid in witness if witness[lid] == d) for d in names} }",
            f"cost: {cost_summary}",
            f"model:\n{model.describe()}",
        ]
    )
    return Case(seed, ir, devices, support, tuple(rules), cost, witness, forbidden, pinned, description)


# -- cached builds and solves --------------------------------------------------------------------------------

_CASES: dict[int, Case] = {}
_FOUND: dict[tuple[int, str], Optimization | Exception] = {}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("optimizer-properties")


def case_of(seed: int, workdir: Path) -> Case:
    if seed not in _CASES:
        _CASES[seed] = make_case(seed, workdir / str(seed))
    return _CASES[seed]


def optimized(case: Case, objective: str) -> Optimization:
    """:func:`optimize_plan` on the case, once per case and objective in a session (a failure too: each
    test of the case then fails with it, without solving again)."""
    key = (case.seed, objective)
    if key not in _FOUND:
        try:
            _FOUND[key] = optimize_plan(
                case.ir,
                case.devices,
                case.cost,
                support=case.support,
                rules=case.rules,
                objective=objective,
                time_limit=TIME_LIMIT,
            )
        except Exception as exc:  # noqa: BLE001 - kept to be raised again, with the case
            _FOUND[key] = exc
    found = _FOUND[key]
    if isinstance(found, Exception):
        raise AssertionError(f"optimize_plan failed: {found!r}\n{case}") from found
    return found


def triage(found: Optimization) -> str:
    """One line for a failure: the plan chosen, and what the exact engine thought of its own placement."""
    solution = found.solution
    if solution is None:
        return f"chosen: {found.best.name}; the exact engine found nothing"
    proof = "optimal" if solution.optimal else "not proved optimal"
    return (
        f"chosen: {found.best.name}, {found.plan.subgraph_count} subgraphs, {found.best.ms * 1e3:.2f} µs; "
        f"the exact engine's placement: {solution.subgraphs} subgraphs, {solution.cost_us:.2f} µs ({proof})"
    )


def planned(case: Case, affinity: dict[int, str] | None = None) -> Plan:
    """HETERO's plan of the case's rules and ``affinity`` (default: none, HETERO's own fallback)."""
    return make_plan(case.ir, case.devices, rules=case.rules, affinity_map=affinity, support=case.support)


def independent_baselines(case: Case) -> dict[str, Plan]:
    """The plans the optimizer must not lose to, made here: HETERO's default, each device alone (where it
    runs everything the rules allow it) and the witness."""
    plans = {"HETERO default": planned(case), "witness": planned(case, case.witness)}
    for device in case.devices:
        if any(d != device.name for d, _ in case.pinned.values()):
            continue  # an affinity map overrides pins: not a plan the rules allow
        try:
            plans[f"{device.name} alone"] = planned(case, dict.fromkeys(case.witness, device.name))
        except InputError:  # a layer the device cannot run, or that a rule keeps off it
            continue
    return plans


def component_graph(ir: IRModel, device_of: dict[int, str]) -> tuple[nx.DiGraph, int]:
    """The graph of the placement's same-device components, as HETERO forms them before it breaks any cycle:
    layers joined along every edge between two layers of one device (a Constant too: it is cloned into
    each submodel only after the cut, so a Constant shared across devices joins and orders components), one
    node each, and an edge where a tensor goes from one component to another. With it, how many submodels
    the components make: those holding more than Constants."""
    graph = nx.Graph()
    graph.add_nodes_from(ir.layers)
    edges = [(e.src, e.dst) for e in ir.edges]
    graph.add_edges_from((u, w) for u, w in edges if device_of[u] == device_of[w])
    components = list(nx.connected_components(graph))
    component = {lid: k for k, comp in enumerate(components) for lid in comp}
    quotient = nx.DiGraph()
    quotient.add_nodes_from(range(len(components)))
    quotient.add_edges_from((component[u], component[w]) for u, w in edges if component[u] != component[w])
    submodels = sum(any(ir.layers[lid].ir_type != "Const" for lid in comp) for comp in components)
    return quotient, submodels


# -- properties ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("seed", seeds(), ids=seed_id)
def test_plan_respects_support_forbids_and_pins(seed, objective, workdir):
    """Every layer runs on a device that supports it and no rule forbids; pinned layers stay on their pin,
    with the rule's decision."""
    case = case_of(seed, workdir)
    plan = optimized(case, objective).plan
    verdicts = {d.name: case.support.query(d) for d in case.devices}
    problems = []
    for lid, decision in plan.decisions.items():
        name = case.ir.layers[lid].name
        for device in {decision.device, plan.partition.device_of.get(lid, decision.device)}:
            if verdicts[device][lid] is not None:
                problems.append(f"{name} on {device}, which refuses it: {verdicts[device][lid]}")
            if device in case.forbidden.get(lid, ()):
                problems.append(f"{name} on {device}, which a rule forbids")
    for lid, (device, rule) in case.pinned.items():
        decision = plan.decisions[lid]
        if (decision.device, decision.source, decision.rule) != (device, "rule", rule):
            problems.append(f"{case.ir.layers[lid].name} is pinned to {device} by {rule!r}: {decision}")
    assert not problems, f"{case}\n" + "\n".join(problems)


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("seed", seeds(), ids=seed_id)
def test_subgraph_graph_is_acyclic(seed, objective, workdir):
    """HETERO breaks no cycle in the plan, its cuts make a DAG of subgraphs, and the same-device components
    of the placement (found here from the IR) make a DAG with exactly the plan's subgraph count."""
    case = case_of(seed, workdir)
    found = optimized(case, objective)
    plan, part = found.plan, found.plan.partition
    why = f"{triage(found)}\n{case}"
    assert part.scc_steps == 0 and part.cycle_rounds <= 1, (
        f"HETERO breaks cycles: {part.cycle_rounds} heuristic rounds, {part.scc_steps} SCC steps; {why}"
    )
    cuts = nx.DiGraph()
    cuts.add_nodes_from(range(part.count))
    cuts.add_edges_from((cut.from_subgraph, to) for cut in part.cuts for to in cut.to_subgraphs)
    assert nx.is_directed_acyclic_graph(cuts), f"the cuts make a cycle: {nx.find_cycle(cuts)}; {why}"
    components, submodels = component_graph(case.ir, {lid: d.device for lid, d in plan.decisions.items()})
    assert nx.is_directed_acyclic_graph(components), (
        f"same-device components depend on each other in a cycle: {nx.find_cycle(components)}; {why}"
    )
    assert submodels == plan.subgraph_count, f"{submodels} components, {plan.subgraph_count} subgraphs; {why}"


@pytest.mark.parametrize("seed", seeds(), ids=seed_id)
def test_latency_plan_is_never_slower_than_a_baseline(seed, workdir):
    """The chosen plan's prediction is its own (priced again here) and not above any baseline's: those the
    optimizer lists, and HETERO's default, each device alone and the witness as planned and priced here
    (the witness only when CP-SAT proved its answer optimal, within its 0.01 µs rounding per term); and the
    bound it reports is not above it."""
    case = case_of(seed, workdir)
    found = optimized(case, "latency")
    predicted = found.plan.predicted
    assert predicted is not None and predicted.objective == "latency"
    assert predicted.ms == pytest.approx(predict_latency(case.cost, found.plan).total_ms, abs=ROUNDING_MS)
    # The optimizer keeps the subgraph graph acyclic (the constraint): a baseline HETERO would have
    # to break cycles in is listed, never chosen, and not what the chosen plan is held to.
    eligible = [ms for name, ms in predicted.baselines.items() if name not in predicted.cyclic]
    assert predicted.ms <= min(eligible) + 1e-9, f"{predicted}\n{case}"
    costs = {
        name: predict_latency(case.cost, plan).total_ms
        for name, plan in independent_baselines(case).items()
        if plan.partition.scc_steps == 0 and plan.partition.cycle_rounds <= 1
    }
    solution = found.solution
    assert solution is not None, f"the exact engine found nothing in {TIME_LIMIT} s\n{case}"
    if not solution.optimal:
        del costs["witness"]
    slack = ROUNDING_MS + 4e-5 * found.problem_size  # CP-SAT rounds each term to 0.01 µs
    worse = {name: round(ms, 6) for name, ms in costs.items() if predicted.ms > ms + slack}
    assert not worse, f"predicted {predicted.ms} ms, above baselines {worse}; {triage(found)}\n{case}"
    assert predicted.bound_ms is not None and predicted.bound_ms <= predicted.ms + slack, (
        f"the bound {predicted.bound_ms} ms is above the plan's {predicted.ms} ms; {triage(found)}\n{case}"
    )


@pytest.mark.parametrize("seed", seeds(), ids=seed_id)
def test_subgraphs_objective_never_gives_more_subgraphs_than_the_default(seed, workdir):
    """With ``objective="subgraphs"`` the plan has no more subgraphs than HETERO's default or any other
    candidate, nor (proved optimal) than the witness."""
    case = case_of(seed, workdir)
    found = optimized(case, "subgraphs")
    count = found.plan.subgraph_count
    assert count <= found.default.plan.subgraph_count, f"{count} subgraphs, the default has more\n{case}"
    baselines = independent_baselines(case)
    assert count <= baselines["HETERO default"].subgraph_count, f"{count} subgraphs\n{case}"
    fewest = min(c.plan.subgraph_count for c in found.candidates if not c.refused)
    assert count == fewest, f"{count} subgraphs, a candidate has {fewest}\n{case}"
    if found.solution is not None and found.solution.optimal:
        witness = baselines["witness"].subgraph_count
        assert count <= witness, f"{count} subgraphs, proved fewest, but the witness has {witness}\n{case}"


@pytest.mark.parametrize("seed", seeds(lambda seed: seed % COMPILED_EVERY == 0), ids=seed_id)
def test_hetero_compiles_the_plan_as_predicted(seed, workdir):
    """The real plugin: the optimized plan (latency for even seeds, subgraphs for odd) compiles into exactly
    the predicted submodels, on the predicted devices in execution order."""
    case = case_of(seed, workdir)
    plan = optimized(case, OBJECTIVES[seed % 2]).plan
    compiled = compile_plan(case.ir, plan)
    check = verify(plan, compiled)
    assert compiled.submodels == plan.subgraph_count, f"{check}\n{case}"
    assert check.actual_devices == check.expected_devices, f"{check}\n{case}"
    assert set(compiled.execution_devices) == {sg.device for sg in plan.partition.subgraphs}, (
        f"{check}\n{case}"
    )


def test_cases_exercise_the_constraints(workdir):
    """Keep the fast cases honest: many mix devices in the optimized plan and move layers off HETERO's
    default, many have layers a profile refuses, forbids and pins; both device sets occur."""
    seen: Counter = Counter()
    for seed in FAST_SEEDS:
        case = case_of(seed, workdir)
        plan = optimized(case, "latency").plan
        refused = [why for d in case.devices for why in case.support.query(d).values() if why is not None]
        seen.update(
            {
                "mixed": len({sg.device for sg in plan.partition.subgraphs}) > 1,
                "three devices": len(case.devices) == 3,
                "refused": bool(refused),
                "forbids": bool(case.forbidden),
                "pins": bool(case.pinned),
                "moved": any(d.source == "optimizer" for d in plan.decisions.values()),
            }
        )
    n = len(FAST_SEEDS)
    for what, share in {"mixed": 0.75, "three devices": 0.3, "refused": 0.5, "forbids": 0.6, "pins": 0.5,
                        "moved": 0.6}.items():  # fmt: skip
        assert seen[what] >= share * n, f"only {seen[what]} of {n} fast cases: {what}"
