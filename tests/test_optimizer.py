"""The optimizer: the exact engine against brute force, its plans against the constraints, the baselines and
the real HETERO plugin."""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import replace
from importlib import resources

import pytest

from hetero_tool.affinity import load_rules
from hetero_tool.cost.model import cost_model_from_estimates
from hetero_tool.devices import Support, resolve_devices
from hetero_tool.ir import parse_ir
from hetero_tool.optimize.baselines import (
    absorb_islands,
    fewest_phases,
    min_cut,
    phases_lower_bound,
    single_device,
)
from hetero_tool.optimize.exact import evaluate, solve_exact
from hetero_tool.optimize.problem import problem_from_graph
from hetero_tool.optimize.search import optimize_plan
from hetero_tool.runtime.hetero import compile_plan

RULES = resources.files("hetero_tool.data") / "activations_off_npu.toml"


def random_problem(rng: random.Random, size: int, devices: int):
    """A random DAG (a chain with skips, like a network), random support, costs, sizes and overheads."""
    edges = set()
    for w in range(1, size):
        for u in rng.sample(range(w), k=min(w, rng.choice([1, 1, 2]))):
            edges.add((u, w))
    allowed = [
        tuple(sorted(rng.sample(range(devices), rng.choice([1] + [devices] * 3)))) for _ in range(size)
    ]
    return problem_from_graph(
        size,
        sorted(edges),
        devices=devices,
        compute=[[rng.randint(1, 20) for _ in range(devices)] for _ in range(size)],
        allowed=allowed,
        nbytes=[rng.randint(0, 8000) for _ in range(size)],
        subgraph_us=[rng.randint(0, 10) for _ in range(devices)],
    )


def brute_force(problem, objective: str):
    """The best acyclic placement by trying them all: (cost, subgraphs), or None when none exists."""
    best = None
    for placement in itertools.product(*problem.allowed):
        found = evaluate(problem, placement)
        if found is None:
            continue
        key = (found[1], found[0]) if objective == "subgraphs" else (found[0], found[1])
        if best is None or key < best[0]:
            best = (key, found)
    return None if best is None else best[1]


@pytest.mark.parametrize("devices", [2, 3])
@pytest.mark.parametrize("objective", ["latency", "subgraphs"])
def test_exact_engine_equals_brute_force(devices, objective):
    rng = random.Random(devices * 10 + len(objective))
    for _ in range(40):
        problem = random_problem(rng, rng.randint(2, 10 if devices == 2 else 7), devices)
        expected = brute_force(problem, objective)
        found = solve_exact(problem, objective=objective, workers=1)
        if expected is None:
            assert found is None
            continue
        assert found is not None and found.optimal
        # CP-SAT's objective rounds each term to 0.01 µs: equal within that.
        assert found.cost_us == pytest.approx(expected[0], abs=0.005 * len(problem.tensors) + 1e-9)
        if objective == "subgraphs":
            assert found.subgraphs == expected[1]
        else:
            assert found.bound_us == pytest.approx(found.cost_us)


@pytest.mark.slow
def test_exact_engine_equals_brute_force_on_16_free_units():
    rng = random.Random(16)
    problem = random_problem(rng, 16, 2)
    problem = replace(problem, allowed=tuple((0, 1) for _ in range(16)))
    expected = brute_force(problem, "latency")
    found = solve_exact(problem, workers=1)
    assert found is not None and found.cost_us == pytest.approx(expected[0], abs=0.1)


def test_evaluate_refuses_cycles_between_subgraphs():
    # 0 -> 1 -> 2 and 0 -> 2: 0 and 2 on one device, 1 on the other, is a cycle HETERO would split.
    problem = problem_from_graph(3, [(0, 1), (1, 2), (0, 2)])
    assert evaluate(problem, [0, 1, 0]) is None
    assert evaluate(problem, [0, 1, 1]) is not None


def test_baselines_respect_support():
    rng = random.Random(7)
    for _ in range(30):
        problem = random_problem(rng, rng.randint(3, 30), 2)
        default = [allowed[0] for allowed in problem.allowed]
        placements = [
            min_cut(problem),
            fewest_phases(problem, 0),
            fewest_phases(problem, 1),
            absorb_islands(problem, default, 3),
        ]
        alone = single_device(problem, 0)
        if alone is not None:
            placements.append(alone)
        for placement in placements:
            assert all(d in problem.allowed[u] for u, d in enumerate(placement))


def test_fewest_phases_is_a_lower_bound_of_the_exact_subgraph_count():
    rng = random.Random(3)
    for _ in range(30):
        problem = random_problem(rng, rng.randint(2, 9), 2)
        expected = brute_force(problem, "subgraphs")
        assert expected is not None and expected[1] >= phases_lower_bound(problem)


@pytest.fixture(scope="module")
def mobilenet(sample_paths):
    ir = parse_ir(sample_paths["mobilenet"])
    devices = resolve_devices(["NPU", "CPU"], {"NPU": "npu"}, real=["CPU"])
    return ir, devices, load_rules(RULES)


def fast_npu(ir, devices):
    """Estimates where the (emulated) NPU is far faster and a subgraph cheap: a mixed placement pays."""
    cost = cost_model_from_estimates(ir, devices)
    return replace(cost, subgraph_us={"NPU": 2.0, "CPU": 2.0})


def test_optimized_plan_respects_support_rules_and_beats_every_baseline(mobilenet):
    ir, devices, rules = mobilenet
    found = optimize_plan(ir, devices, fast_npu(ir, devices), rules=rules, time_limit=30)
    plan = found.plan
    forbidden = {lid for lid, layer in ir.layers.items() if layer.type in ("HSwish", "HSigmoid", "Swish")}
    npu_verdict = Support(ir).query(devices[0])
    for lid, decision in plan.decisions.items():
        if decision.device == "NPU":
            assert lid not in forbidden and npu_verdict[lid] is None
    # The classifier head is pinned to the CPU by a rule, and stays there with its provenance.
    pinned = [lid for lid, d in found.default.plan.decisions.items() if d.source == "rule"]
    assert pinned and all(plan.decisions[lid] == found.default.plan.decisions[lid] for lid in pinned)
    assert plan.partition.scc_steps == 0 and plan.partition.cycle_rounds <= 1  # no cycle for HETERO to break
    assert plan.predicted is not None
    assert plan.predicted.ms <= min(plan.predicted.baselines.values()) + 1e-9
    assert plan.subgraph_count < found.default.plan.subgraph_count
    assert 0 <= plan.predicted.gap < 0.01  # proved within 1% on 77 units
    moved = [d for d in plan.decisions.values() if d.source == "optimizer"]
    assert moved and all(d.reason.startswith("moved from") for d in moved)


def test_hetero_compiles_the_optimized_plan_as_predicted(mobilenet):
    """The real plugin: the optimized plan compiles into exactly the predicted submodels, on the devices
    predicted."""
    ir, devices, rules = mobilenet
    found = optimize_plan(ir, devices, fast_npu(ir, devices), rules=rules, time_limit=30)
    assert found.plan.subgraph_count > 1  # a mixed placement, so the check is about a real split
    compiled = compile_plan(ir, found.plan)
    assert compiled.submodels == found.plan.subgraph_count
    assert set(compiled.execution_devices) == {"NPU", "CPU"}


def test_subgraphs_objective_never_gives_more_subgraphs_than_the_default(mobilenet):
    ir, devices, rules = mobilenet
    found = optimize_plan(
        ir, devices, fast_npu(ir, devices), rules=rules, objective="subgraphs", time_limit=10
    )
    assert found.plan.subgraph_count <= found.default.plan.subgraph_count
    assert found.plan.subgraph_count == min(c.plan.subgraph_count for c in found.candidates if not c.refused)


def test_cli_plan_optimize_writes_predicted(sample_paths, tmp_path, run_cli):
    output = tmp_path / "opt.json"
    result = run_cli(
        "plan", sample_paths["mobilenet"], "-d", "HETERO:NPU,CPU", "--emulate", "NPU", "--rules", RULES,
        "--optimize", "--time-limit", "5", "-o", output,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "HETERO default" in result.stdout and "Candidates" in result.stdout
    written = json.loads(output.read_text())
    assert written["predicted"]["default_ms"] >= written["predicted"]["ms"] > 0
    assert written["subgraph_count"] == len(written["subgraphs"])


def test_cli_optimizer_options_need_optimize(sample_paths, run_cli):
    result = run_cli("plan", sample_paths["mobilenet"], "-d", "CPU", "--objective", "subgraphs")
    assert result.exit_code != 0
    assert "need --optimize" in result.output and "Traceback" not in result.output


def test_exact_engine_keeps_a_memory_budget_as_brute_force_does():
    rng = random.Random(11)
    for _ in range(30):
        problem = random_problem(rng, rng.randint(3, 9), 2)
        problem = replace(problem, weight_bytes=tuple(rng.randint(0, 5000) for _ in range(problem.size)))
        budget = rng.randint(5000, 30000)
        best = None
        for placement in itertools.product(*problem.allowed):
            found = evaluate(problem, placement)
            if found is None or sum(problem.memory_use(placement)[0]) > budget:
                continue
            if best is None or found[0] < best[0]:
                best = found
        solved = solve_exact(problem, memory={0: budget}, workers=1)
        if best is None:
            assert solved is None
            continue
        assert solved is not None
        assert sum(problem.memory_use(solved.placement)[0]) <= budget
        assert solved.cost_us == pytest.approx(best[0], abs=0.005 * len(problem.tensors) + 1e-9)


def test_memory_budget_keeps_the_optimized_plan_within_it(sample_paths, tmp_path, run_cli):
    """A budget too small for the NPU's share of the fast split moves layers to the CPU; one smaller than
    anything the NPU must hold is one clear error."""
    ir = parse_ir(sample_paths["mobilenet"])
    devices = resolve_devices(["NPU", "CPU"], {"NPU": "npu"}, real=["CPU"])
    rules = load_rules(RULES)
    free = optimize_plan(ir, devices, fast_npu(ir, devices), rules=rules, time_limit=20)
    npu_weights = sum(
        ir.layers[src].output_port(port).nbytes
        for lid, d in free.plan.layer_affinity.items()
        if d == "NPU" and ir.layers[lid].ir_type != "Const"
        for src, port in ir.sources(lid)
        if ir.layers[src].ir_type == "Const"
    )
    assert npu_weights > 0
    budget = npu_weights // 2
    bounded = optimize_plan(
        ir, devices, fast_npu(ir, devices), rules=rules, time_limit=20, memory={"NPU": budget}
    )
    on_npu = [lid for lid, d in bounded.plan.layer_affinity.items() if d == "NPU"]
    held = sum(
        ir.layers[src].output_port(port).nbytes
        for lid in on_npu
        if ir.layers[lid].ir_type != "Const"
        for src, port in ir.sources(lid)
        if ir.layers[src].ir_type == "Const"
    )
    assert held <= budget
    assert bounded.plan.predicted.ms >= free.plan.predicted.ms
    refused = [c for c in bounded.candidates if c.refused]
    assert any("over its --memory" in c.refused[0] for c in refused)
    result = run_cli(
        "plan", sample_paths["mobilenet"], "-d", "HETERO:NPU,CPU", "--emulate", "NPU", "--optimize",
        "--memory", "GPU=1GiB",
    )  # fmt: skip
    assert result.exit_code != 0 and "GPU is not one of the devices" in result.output
    assert "Traceback" not in result.output


def test_measure_times_the_best_candidates_through_hetero_and_keeps_the_fastest(mobilenet):
    from hetero_tool.runtime.selection import select_measured

    ir, devices, rules = mobilenet
    found = optimize_plan(ir, devices, fast_npu(ir, devices), rules=rules, time_limit=20)
    measured = select_measured(ir, found, 2, time_s=0.5, rounds=2)
    record = measured.plan.predicted
    timed = [c.name for c in found.candidates if not c.refused and not c.cyclic][:2]
    assert set(record.measured) == {*timed, "HETERO default"}
    fastest = min(timed, key=record.measured.__getitem__)
    assert record.measured_ms == record.measured[fastest]
    assert (
        measured.plan.placement_digest
        == next(c.plan for c in found.candidates if c.name == fastest).placement_digest
    )


@pytest.mark.parametrize("objective", ["latency", "subgraphs"])
def test_exact_engine_counts_constants_as_hetero_does(objective):
    """A Constant feeding several units joins those on its device into one subgraph but is no subgraph of
    its own, and nothing is copied from it (HETERO clones it): the engine equals brute force on that too."""
    rng = random.Random(5)
    for _ in range(40):
        size, glue = rng.randint(3, 9), rng.randint(1, 2)
        edges = set()
        for w in range(glue + 1, size):
            edges.update((u, w) for u in rng.sample(range(glue, w), k=min(w - glue, rng.choice([1, 2]))))
        for c in range(glue):
            edges.update(
                (c, w) for w in rng.sample(range(glue, size), k=min(size - glue, rng.choice([1, 2, 3])))
            )
        problem = problem_from_graph(
            size,
            sorted(edges),
            compute=[(0, 0) if u < glue else (rng.randint(1, 20), rng.randint(1, 20)) for u in range(size)],
            allowed=[tuple(sorted(rng.sample(range(2), rng.choice([1, 2, 2])))) for _ in range(size)],
            nbytes=[rng.randint(0, 8000) for _ in range(size)],
            subgraph_us=[rng.randint(0, 10) for _ in range(2)],
        )
        problem = replace(
            problem,
            glue=tuple(u < glue for u in range(size)),
            tensors=tuple(t for t in problem.tensors if t.producer >= glue),
        )
        expected = brute_force(problem, objective)
        found = solve_exact(problem, objective=objective, workers=1)
        if expected is None:
            assert found is None
            continue
        assert found is not None and found.cost_us == pytest.approx(expected[0], abs=0.05 * size)
        if objective == "subgraphs":
            assert found.subgraphs == expected[1]
