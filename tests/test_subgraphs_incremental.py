"""The fast cycle breaking decides exactly as the round-by-round reading of HETERO's loop, on random models.

The models are built in memory (no OpenVINO involved: this compares two readings of one algorithm; the
partition fuzz and the agreement tests compare with the plugin itself). They mimic what makes HETERO's cycle
breaking work hard: Constants shared by many consumers (shape and axes constants in transformers), fan-out and
re-convergence, and affinities with islands, alternation and blocks.
"""

from __future__ import annotations

import random

import pytest

from hetero_tool.ir.types import Edge, IRModel, Layer, Port
from hetero_tool.partition import subgraphs
from hetero_tool.partition.subgraphs import collect_subgraphs
from tests.subgraphs_oracle import oracle_subgraphs


def random_model(seed: int, size: int) -> IRModel:
    rng = random.Random(seed)
    layers: dict[int, Layer] = {}
    edges: list[Edge] = []
    out = (Port(id=9, precision="FP32", shape=(1, 8)),)

    def add(kind: str, sources: list[int]) -> int:
        lid = len(layers)
        layers[lid] = Layer(
            lid,
            f"{kind.lower()}{lid}",
            kind,
            "opset1",
            inputs=tuple(range(len(sources))),
            outputs=() if kind == "Result" else out,
        )
        edges.extend(Edge(src, 9, lid, p) for p, src in enumerate(sources))
        return lid

    values = [add("Parameter", []) for _ in range(rng.randint(1, 3))]
    hubs = [add("Const", []) for _ in range(rng.randint(1, 3))]  # shared by many consumers
    for _ in range(size):
        arity = rng.choice([1, 1, 2, 2, 3])
        sources = [rng.choice(values[-8:] if rng.random() < 0.8 else values) for _ in range(arity)]
        if rng.random() < 0.3:
            sources[-1] = rng.choice(hubs)
        elif rng.random() < 0.2:
            sources[-1] = add("Const", [])
        values.append(
            add(rng.choice(["Add", "Multiply", "Relu", "Concat"]) if arity > 1 else "Relu", sources)
        )
    consumed = {e.src for e in edges}
    for lid in [v for v in values if v not in consumed] + rng.sample(values, k=min(2, len(values))):
        add("Result", [lid])
    return IRModel(name=f"random{seed}", version=11, layers=layers, edges=tuple(edges))


def random_affinity(ir: IRModel, seed: int) -> dict[int, str]:
    rng = random.Random(seed)
    devices = ["A", "B", "C"][: rng.choice([2, 2, 3])]
    pattern = rng.choice(["uniform", "islands", "alternating", "blocks"])
    affinity, current = {}, devices[0]
    for k, lid in enumerate(ir.layers):
        if pattern == "uniform":
            current = rng.choice(devices)
        elif pattern == "islands":
            current = rng.choice(devices[1:]) if rng.random() < 0.15 else devices[0]
        elif pattern == "alternating":
            current = devices[k % len(devices)]
        elif rng.random() < 0.2:
            current = rng.choice(devices)
        affinity[lid] = current
    return affinity


def _same(ir: IRModel, affinity) -> tuple:
    fast, slow = collect_subgraphs(ir, affinity), oracle_subgraphs(ir, affinity)
    assert fast.collector_ids == slow.collector_ids
    assert fast.subgraphs == slow.subgraphs
    assert fast.cuts == slow.cuts
    assert (fast.cycle_rounds, fast.scc_steps) == (slow.cycle_rounds, slow.scc_steps)
    return fast.cycle_rounds, fast.scc_steps


@pytest.mark.parametrize("seed", range(60))
def test_fast_cycle_breaking_equals_the_oracle(seed):
    ir = random_model(seed, size=random.Random(seed).randint(10, 120))
    _same(ir, random_affinity(ir, seed))


def test_the_random_models_exercise_both_stages():
    stages = [
        _same(ir, random_affinity(ir, seed))
        for seed in range(60)
        for ir in [random_model(seed, size=random.Random(seed).randint(10, 120))]
    ]
    assert sum(rounds > 1 for rounds, _ in stages) >= 15
    assert sum(steps > 0 for _, steps in stages) >= 15


@pytest.mark.parametrize("seed", range(20))
def test_acyclic_splits_take_the_shortcut_with_the_same_result(seed):
    # A prefix of the layers (the XML order is topological here) on one device, the rest on another: the
    # components only ever feed forward, so the collector skips the cycle breaking, and must still agree with
    # the round-by-round reading (one heuristic round, no SCC step).
    ir = random_model(seed, size=random.Random(seed).randint(10, 120))
    cut = random.Random(seed).randint(1, len(ir.layers) - 1)
    affinity = {lid: "A" if k < cut else "B" for k, lid in enumerate(ir.layers)}
    assert _same(ir, affinity) == (1, 0)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1000, 1040))
def test_fast_cycle_breaking_equals_the_oracle_on_bigger_models(seed):
    ir = random_model(seed, size=random.Random(seed).randint(200, 600))
    _same(ir, random_affinity(ir, seed))


@pytest.mark.parametrize("seed", range(20))
def test_the_heuristic_bits_taken_one_per_pass_decide_the_same(seed, monkeypatch):
    # The heuristic sets its bits out over passes of _CHUNK; one bit per pass exercises the merging of passes.
    monkeypatch.setattr(subgraphs, "_CHUNK", 1)
    ir = random_model(seed, size=random.Random(seed).randint(10, 120))
    _same(ir, random_affinity(ir, seed))
