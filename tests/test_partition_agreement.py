"""Our subgraphs are HETERO's: plans are compiled through the real plugin and compared with what it reports.

For every example model and four affinity patterns (the fallback result, a random assignment, alternating by
topological position, and one built from rules), the plan is applied to the model and compiled with
``HETERO:`` on two CPU-backed devices. The plan's subgraph count must equal ``HETERO_NUMBER_OF_SUBMODELS``,
and every operation's device and subgraph membership must equal what HETERO's own
``hetero_subgraphs_<model>.dot`` shows. The models have branches (residuals, Q/K/V, detector heads) and shared
constants (the transformer's).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import openvino as ov
import pytest

from hetero_tool._ov import register_cpu_device
from hetero_tool.ir import ov_model_from_ir, parse_ir
from hetero_tool.ir.order import ordered_layer_ids
from hetero_tool.loaders import plan_from_files
from hetero_tool.report.openvino_dot import read_hetero_dump
from hetero_tool.runtime.hetero import compile_plan
from hetero_tool.samples import SAMPLES

RULES = """schema_version = 1
[[rule]]
name = "activations and normalisation on CPU"
match = { types = ["HSwish", "Swish", "Softmax", "Gelu", "MVN", "Sigmoid"] }
pin = "CPU"

[[rule]]
name = "detector heads on CPU"
match = { names = ["head/*", "*/nms*", "scores*"] }
pin = "CPU"

[[rule]]
name = "control flow stays off the NPU"
match = { types = ["Loop", "If", "TensorIterator"] }
forbid = ["NPU"]
"""


def _map_file(tmp_path: Path, ir, devices_by_position) -> Path:
    order = ordered_layer_ids(ir)
    mapping = {ir.layers[lid].name: devices_by_position(k, lid) for k, lid in enumerate(order)}
    path = tmp_path / "affinity.json"
    path.write_text(json.dumps(mapping))
    return path


def _plan(pattern: str, xml: Path, tmp_path: Path):
    ir = parse_ir(xml)
    if pattern == "fallback":
        return ir, plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU"])
    if pattern == "rules":
        rules = tmp_path / "rules.toml"
        rules.write_text(RULES)
        return ir, plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU=gpu"], rules=rules)
    if pattern == "random":
        rng = random.Random(f"{ir.name}-random")
        affinity = _map_file(tmp_path, ir, lambda k, lid: rng.choice(["CPUX", "CPU"]))
    else:  # alternating by position in get_ordered_ops()
        affinity = _map_file(tmp_path, ir, lambda k, lid: "CPUX" if k % 2 else "CPU")
    return ir, plan_from_files(xml, devices="HETERO:CPUX,CPU", emulate=["CPUX=cpu"], affinity=affinity)


@pytest.mark.parametrize("pattern", ["fallback", "random", "alternating", "rules"])
@pytest.mark.parametrize("name", list(SAMPLES))
def test_plan_matches_hetero(sample_paths, tmp_path, name, pattern):
    ir, plan = _plan(pattern, sample_paths[name], tmp_path)
    compiled = compile_plan(ir, plan, dump_dir=tmp_path / "dumps")

    assert compiled.submodels == plan.subgraph_count
    assert set(compiled.execution_devices) == {sg.device for sg in plan.partition.subgraphs}

    dump = read_hetero_dump(compiled.dumps[f"hetero_subgraphs_{ir.name}.dot"])
    assert dump, "HETERO wrote no operation nodes"
    to_plan = {d.ov_name: d.name for d in plan.devices}
    by_name = {layer.name: lid for lid, layer in ir.layers.items()}
    ours, theirs = {}, {}
    for node in dump:
        lid = by_name[node.name]
        # device=: the affinity HETERO was given (a Result's too, though it runs with its producer)
        assert to_plan[node.device] == plan.layer_affinity[lid], node
        ours.setdefault(plan.partition.collector_ids[lid], set()).add(lid)
        theirs.setdefault(node.subgraph, set()).add(lid)
    assert sorted(map(sorted, ours.values())) == sorted(map(sorted, theirs.values()))
    covered = {lid for lid, layer in ir.layers.items() if layer.ir_type not in ("Parameter", "Const")}
    assert set().union(*theirs.values()) <= covered


@pytest.mark.parametrize("name", list(SAMPLES))
def test_fallback_equals_hetero_query_model(sample_paths, name):
    """With two real CPU-backed devices, fallback priority is exactly ``core.query_model(m,
    "HETERO:...")``."""
    xml = sample_paths[name]
    ir = parse_ir(xml)
    plan = plan_from_files(xml, devices="HETERO:CPUX,CPU", emulate=["CPUX=cpu"])
    core = ov.Core()
    register_cpu_device(core, "CPUX")
    answer = core.query_model(ov_model_from_ir(ir), "HETERO:CPUX,CPU")
    names = {layer.name for layer in ir.layers.values()}
    theirs = {name: device for name, device in answer.items() if name in names}
    assert theirs == plan.affinity


def test_plan_json_round_trip(sample_paths, tmp_path):
    from hetero_tool.plan import load_plan

    ir, plan = _plan("random", sample_paths["transformer"], tmp_path)
    path = plan.save(tmp_path / "p.json")
    again = load_plan(path, ir)
    assert again.to_json() == plan.to_json()


def test_layers_sharing_a_name_run_where_the_first_of_them_goes(tmp_path):
    """HETERO keys affinities by friendly name: same-named layers all run on the first one's device."""
    import numpy as np
    import openvino.opset13 as ops

    from hetero_tool.runtime.hetero import verify

    x = ops.parameter([1, 4], np.float32, name="x")
    node = x
    for k in range(8):
        node = ops.relu(node, name="dup" if k in (2, 6) else f"relu{k}")
        node = ops.sigmoid(node, name=f"sigmoid{k}")
    xml = tmp_path / "dup.xml"
    ov.save_model(ov.Model([node], [x], "dup"), xml)
    ir = parse_ir(xml)
    ids = [lid for lid, layer in ir.layers.items() if layer.name == "dup"]
    assert len(ids) == 2
    rules = tmp_path / "rules.toml"
    # The second "dup" (and its neighbourhood) is pinned to CPUX; the first stays on CPU.
    late = [
        lid for lid, layer in ir.layers.items() if layer.name in ("relu5", "sigmoid5", "sigmoid6", "relu7")
    ]
    rules.write_text(
        f'schema_version = 1\n[[rule]]\nname = "late"\nmatch = {{ ids = {sorted(late + ids[1:])} }}\n'
        'pin = "CPUX"\n'
    )
    plan = plan_from_files(xml, devices="HETERO:CPU,CPUX", emulate=["CPUX=cpu"], rules=rules)
    assert plan.layer_affinity[ids[1]] == plan.layer_affinity[ids[0]] == "CPU"
    assert any("places layers by friendly name" in w for w in plan.warnings)
    compiled = compile_plan(ir, plan)
    check = verify(plan, compiled)
    assert check.ok, check.problems()
    # Placing the second "dup" by its id, as the rule asked, would predict another split than HETERO makes.
    from hetero_tool.partition.subgraphs import collect_subgraphs

    as_asked = {**plan.layer_affinity, ids[1]: "CPUX"}
    assert collect_subgraphs(ir, as_asked).count != compiled.submodels
