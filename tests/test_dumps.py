"""The OpenVINO-format dumps are HETERO's: compiled plans are compared with the dumps HETERO writes itself.

For every example model under several plans, HETERO compiles the plan with ``OPENVINO_HETERO_VISUALIZE`` set;
both its files and ours are parsed with pydot and must hold the same operation nodes, the same device per node
and the same partition into subgraphs. Beyond that, the text itself must be HETERO's, byte for byte, once
HETERO's node ids (unique names numbered by a process-wide counter) are mapped to ours.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from hetero_tool.ir import parse_ir
from hetero_tool.loaders import plan_from_files
from hetero_tool.report.dotfiles import write_dot_files
from hetero_tool.report.openvino_dot import read_hetero_dump
from hetero_tool.runtime.hetero import compile_plan
from hetero_tool.samples import SAMPLES
from tests.test_partition_agreement import RULES

PLANS = ("fallback", "random", "rules")


def _plan(kind: str, xml: Path, tmp_path: Path):
    if kind == "fallback":
        return plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU"])
    if kind == "rules":
        rules = tmp_path / "rules.toml"
        rules.write_text(RULES)
        return plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU=gpu"], rules=rules)
    ir = parse_ir(xml)
    rng = random.Random(ir.name)
    affinity = tmp_path / "affinity.json"
    affinity.write_text(json.dumps({layer.name: rng.choice(["CPUX", "CPU"]) for layer in ir.layers.values()}))
    return plan_from_files(xml, devices="HETERO:CPUX,CPU", emulate=["CPUX=cpu"], affinity=affinity)


def _grouping(nodes) -> list[list[str]]:
    groups: dict[int, list[str]] = {}
    for node in nodes:
        groups.setdefault(node.subgraph, []).append(node.name)
    return sorted(sorted(names) for names in groups.values())


@pytest.mark.parametrize("kind", PLANS)
@pytest.mark.parametrize("name", list(SAMPLES))
def test_our_dumps_are_hetero_dumps(sample_paths, tmp_path, name, kind):
    xml = sample_paths[name]
    ir = parse_ir(xml)
    plan = _plan(kind, xml, tmp_path)
    theirs_dir, ours_dir = tmp_path / "openvino", tmp_path / "ours"
    compile_plan(ir, plan, dump_dir=theirs_dir, refuse_known_failures=False)
    write_dot_files(ir, plan, ours_dir)
    to_plan = {d.ov_name: d.name for d in plan.devices}
    for kind_of_dump in ("affinity", "subgraphs"):
        file = f"hetero_{kind_of_dump}_{ir.name}.dot"
        theirs, ours = read_hetero_dump(theirs_dir / file), read_hetero_dump(ours_dir / file)
        assert sorted(n.name for n in ours) == sorted(n.name for n in theirs), file
        assert {n.name: n.device for n in ours} == {n.name: to_plan[n.device] for n in theirs}, file
        assert {n.name: n.op_type for n in ours} == {n.name: n.op_type for n in theirs}, file
        if kind_of_dump == "subgraphs":
            assert _grouping(ours) == _grouping(theirs)
            assert {n.name: n.subgraph for n in ours} == {n.name: n.subgraph for n in theirs}  # the very ids


@pytest.mark.parametrize("name", list(SAMPLES))
def test_dump_text_is_hetero_text_up_to_node_ids(sample_paths, tmp_path, name):
    """Same lines, same order, same labels, CLONE values, SEND/RECV pairs and colours."""
    xml = sample_paths[name]
    ir = parse_ir(xml)
    plan = _plan("random", xml, tmp_path)  # CPUX/CPU: the device names in HETERO's file are the plan's
    compiled = compile_plan(ir, plan, dump_dir=tmp_path / "openvino", refuse_known_failures=False)
    ours = write_dot_files(ir, plan, tmp_path / "ours")
    by_name = {layer.name: layer for layer in ir.layers.values()}
    for file in (f"hetero_affinity_{ir.name}.dot", f"hetero_subgraphs_{ir.name}.dot"):
        theirs = compiled.dumps[file].read_text()
        ids = {}  # HETERO's <type>_<counter> -> ours, <type>_<layer id>: joined through the friendly name
        for unique, friendly in re.findall(
            r'^    (\w+_\d+) \[shape=box .*?label="([^"\\]*)\\n', theirs, re.M
        ):
            ids[unique] = f"{by_name[friendly].type}_{by_name[friendly].id}"
        for friendly, unique in re.findall(r'label="([^"\\]*)\\n(\w+_\d+)\\n', theirs):
            ids[unique] = f"{by_name[friendly].type}_{by_name[friendly].id}"
        mapped = re.sub(r"[A-Z]\w*?_\d+(?![0-9])", lambda m, ids=ids: ids.get(m.group(0), m.group(0)), theirs)
        assert mapped == ours[file].read_text(), file
