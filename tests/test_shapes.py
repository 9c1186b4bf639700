"""Plans for the model as it will be compiled: ``--shape`` reshapes the model before it is planned, the plan
records the shapes, and every command that uses the plan applies them.

The model below has what attention layers of converted models have: a MatMul by a transposed input. Reshaped
to static, OpenVINO's reshape fuses the Transpose into a new MatMul, so a plan made before the reshape does
not place every op of the model that is compiled, and HETERO refuses it (seen on a real ONNX decoder).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import openvino as ov
import openvino.opset13 as ops
import pytest

from hetero_tool._ov import new_core
from hetero_tool.errors import BackendError
from hetero_tool.ir import load_ir
from hetero_tool.ir.ov_model import apply_affinity, ov_model_from_ir
from hetero_tool.loaders import bench_from_files, plan_from_files
from hetero_tool.runtime.hetero import compile_plan, verify
from hetero_tool.runtime.results import BenchConfig
from tests.test_bad_input import assert_one_line_error

DEVICES = "HETERO:NPU,CPU"
EMULATE = ["NPU=cpu"]
SPLIT = {"relu": "NPU", "scores": "CPU", "sigmoid": "NPU"}
SHAPES = "q[1,1,8],memory[1,4,8]"
STATIC = {"q": "[1,1,8]", "memory": "[1,4,8]"}


@pytest.fixture
def folding(tmp_path):
    """q [?,1,8], memory [?,4,8] -> MatMul(relu(q), Transpose(memory)) -> sigmoid, and an affinity map
    splitting it NPU / CPU / NPU."""
    q = ops.parameter([-1, 1, 8], np.float32, name="q")
    memory = ops.parameter([-1, 4, 8], np.float32, name="memory")
    keys = ops.transpose(memory, ops.constant(np.array([0, 2, 1], np.int64), name="perm"), name="keys")
    scores = ops.matmul(ops.relu(q, name="relu"), keys, False, False, name="scores")
    xml = tmp_path / "folding.xml"
    ov.save_model(
        ov.Model([ops.sigmoid(scores, name="sigmoid")], [q, memory], "folding"), xml, compress_to_fp16=False
    )
    amap = tmp_path / "split.json"
    amap.write_text(json.dumps(SPLIT))
    return xml, amap


def test_a_reshape_makes_ops_a_plan_made_before_it_misses_and_hetero_refuses_them(folding):
    """The failure class: a plan made on the dynamic model, the model reshaped when it is compiled."""
    xml, amap = folding
    dynamic = load_ir(xml)
    plan = plan_from_files(xml, devices=DEVICES, emulate=EMULATE, affinity=amap)
    static = load_ir(xml, STATIC)
    types = lambda ir: sorted(layer.type for layer in ir.layers.values())  # noqa: E731
    assert types(dynamic) == sorted([*types(static), "Transpose", "Constant"])  # fused into the MatMul
    model = ov_model_from_ir(dynamic)
    to_ov = {d.name: d.ov_name or d.name for d in plan.devices}
    apply_affinity(dynamic, model, {lid: to_ov[d] for lid, d in plan.layer_affinity.items()})
    model.reshape({"q": [1, 1, 8], "memory": [1, 4, 8]})
    with pytest.raises(RuntimeError, match=r"Name:scores, Type: MatMul\) were not assigned"):
        new_core(["NPU_CPU"]).compile_model(model, "HETERO:NPU_CPU,CPU")
    # Through the tool, OpenVINO's message is kept whole on one line, the layer it names included.
    with pytest.raises(BackendError) as caught:
        compile_plan(dynamic, plan, model=model)
    message = str(caught.value)
    assert (
        "\n" not in message and "but some layers eg: (Name:scores, Type: MatMul) were not assigned" in message
    )
    assert "plugin.cpp" not in message and message.endswith("(IR layer 5 ('scores'))"), message


def test_a_plan_made_with_shapes_places_the_model_as_compiled(folding):
    xml, amap = folding
    plan = plan_from_files(xml, devices=DEVICES, emulate=EMULATE, affinity=amap, shapes=SHAPES)
    assert plan.shapes == STATIC and plan.to_json()["model"]["shapes"] == STATIC
    ir = load_ir(xml, plan.shapes)
    assert ir.shapes == plan.shapes and plan.model_sha256 == ir.sha256
    assert all(
        port.shape is not None and None not in port.shape
        for layer in ir.layers.values()
        for port in layer.outputs
    )
    compiled = compile_plan(ir, plan)
    assert verify(plan, compiled).ok
    request = compiled.compiled.create_infer_request()
    request.infer({"q": np.ones((1, 1, 8), np.float32), "memory": np.ones((1, 4, 8), np.float32)})


def test_bench_applies_the_plans_shapes(folding, tmp_path):
    xml, amap = folding
    path = plan_from_files(xml, devices=DEVICES, emulate=EMULATE, affinity=amap, shapes=SHAPES).save(
        tmp_path / "static.json"
    )
    result = bench_from_files(xml, [path], BenchConfig(niter=5, rounds=1), baselines=False)
    run = result.run("plan")
    assert run.verification.ok and result.config.shapes == STATIC
    assert result.model_sha256 == load_ir(xml, STATIC).sha256


def test_bench_refuses_other_shapes_than_the_plans(folding, tmp_path, run_cli):
    xml, amap = folding
    dynamic = tmp_path / "dynamic.json"
    static = tmp_path / "static.json"
    plan_from_files(xml, devices=DEVICES, emulate=EMULATE, affinity=amap, output=dynamic)
    plan_from_files(xml, devices=DEVICES, emulate=EMULATE, affinity=amap, shapes=SHAPES, output=static)
    bench = ["bench", xml, "--niter", "5", "--rounds", "1", "--no-baselines"]
    assert_one_line_error(
        run_cli(*bench, "-p", dynamic, "--shape", "[1,1,8]"),
        "--shape [1,1,8]",
        "was made for the model as read",
        "make the plan with --shape",
    )
    assert_one_line_error(run_cli(*bench, "-p", static, "--shape", "q[2,1,8]"), f"was made for {SHAPES}")
    assert_one_line_error(
        run_cli(*bench, "-p", static, "-p", dynamic),
        "made for the model reshaped to",
        "one model as compiled",
    )
    same = run_cli(*bench, "-p", static, "--shape", SHAPES)
    assert same.exit_code == 0, same.stderr


def test_plan_shows_and_records_the_shapes(folding, tmp_path, run_cli):
    xml, amap = folding
    out = tmp_path / "p.json"
    result = run_cli(
        "plan", xml, "-d", DEVICES, "--emulate", "NPU=cpu", "--affinity", amap, "--shape", SHAPES, "-o", out
    )
    assert result.exit_code == 0, result.stderr
    assert "reshaped: q [1,1,8], memory [1,4,8]" in result.stdout
    assert json.loads(out.read_text())["model"]["shapes"] == STATIC
    for command in (
        ["dot", xml, "-p", out, "-o", tmp_path / "dots"],
        ["render", xml, "-p", out, "-o", tmp_path / "p.svg"],
    ):
        done = run_cli(*command)
        assert done.exit_code == 0, done.stderr


def test_a_shape_for_no_input_is_one_line(folding, run_cli):
    xml, _ = folding
    assert_one_line_error(
        run_cli("plan", xml, "-d", DEVICES, "--emulate", "NPU=cpu", "--shape", "y[3,4]"),
        "--shape y",
        "has no input of that name",
    )


_SCRIPT = """
import sys
import numpy as np
import openvino as ov
import openvino.opset13 as ops
for _ in range(int(sys.argv[2])):
    ops.relu(ops.parameter([1], np.float32))  # moves OpenVINO's process-wide counter of automatic names
from hetero_tool.errors import BackendError
from hetero_tool.ir import load_ir
from hetero_tool.ir.formats import name_automatic_ops
from tests.foreign_models import write_onnx
x = ops.parameter([2, 4], np.float32, name="x")
add = ops.add(ops.relu(x), ops.constant(np.ones((2, 4), np.float32)), name="add")
model = ov.Model([ops.result(ops.sigmoid(add))], [x], "auto")
name_automatic_ops(model)
print([op.get_friendly_name() for op in model.get_ordered_ops()])
print(load_ir(write_onnx(sys.argv[1] + "/fixture.onnx")).sha256)
print(load_ir(sys.argv[3], {"q": "[1,1,8]", "memory": "[1,4,8]"}).sha256)
"""


def test_automatic_names_are_the_same_in_every_process(folding, tmp_path):
    """OpenVINO names unnamed ops from a process-wide counter (Constant_4941). Renamed after the ops they
    feed, a converted or reshaped model, and so the SHA-256 a plan records, is the same when the cache entry
    is made again."""
    xml, _ = folding
    outputs = []
    for k, warmup in enumerate((0, 7)):
        work = tmp_path / f"run{k}"
        work.mkdir()
        env = {**os.environ, "HETERO_TOOL_CACHE_DIR": str(work / "cache")}
        done = subprocess.run(
            [sys.executable, "-c", _SCRIPT, str(work), str(warmup), str(xml)],
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert (
        outputs[0].splitlines()[0] == "['x', 'add/Relu', 'add/Constant', 'add', 'add/Sigmoid', 'add/Result']"
    )
