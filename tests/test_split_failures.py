"""Ways real models' splits failed, each on a small model that reproduces it, checked against OpenVINO.

A sweep over public ONNX and TFLite models (``tests/test_real_models.py``) found them: a perf-counter pass
that ended in an internal error, plans HETERO could not compile, and affinity maps the planner refused.
Each test shows that OpenVINO really fails (or really runs) the way the tool now predicts, and that the tool
says so in one line before compiling, or gets every figure OpenVINO can still give. The failures that come
from reshaping and from tensors handed over between submodels are in ``tests/test_shapes.py`` and
``tests/test_bench.py``.
"""

from __future__ import annotations

import json

import numpy as np
import openvino as ov
import openvino.opset13 as ops
import pytest

from hetero_tool.errors import PlanError
from hetero_tool.ir import parse_ir
from hetero_tool.loaders import bench_from_files, plan_from_files
from hetero_tool.runtime.hetero import compile_plan, refusal_reasons
from hetero_tool.runtime.results import BenchConfig

DEVICES = "HETERO:NPU,CPU"
EMULATE = ["NPU=cpu"]
QUICK = BenchConfig(niter=5, rounds=1, perf_counters=True)


def _plan(model, tmp_path, mapping, name="model"):
    xml = tmp_path / f"{name}.xml"
    ov.save_model(model, xml, compress_to_fp16=False)
    amap = tmp_path / f"{name}.map.json"
    present = {op.get_friendly_name() for op in model.get_ops()}
    amap.write_text(json.dumps({layer: device for layer, device in mapping.items() if layer in present}))
    out = tmp_path / f"{name}.plan.json"
    plan = plan_from_files(xml, devices=DEVICES, emulate=EMULATE, affinity=amap, output=out)
    return xml, parse_ir(xml), plan, out


def _named(node, name):
    node.set_friendly_name(name)
    return node


# -- 1. get_runtime_model() of a split fails: the perf counters still give what they can -------------------


def _fan_out(later: bool):
    """x -> a [NPU] -> two branches on the CPU, each its own output; with ``later``, after a round trip."""
    x = ops.parameter([1, 8], np.float32, name="x")
    a = _named(ops.relu(x), "a")
    if later:
        a = _named(ops.relu(_named(ops.sigmoid(a), "b")), "a2")
    branches = [_named(ops.sigmoid(a), "c1"), _named(ops.tanh(a), "c2")]
    mapping = {"a": "NPU", "b": "CPU", "a2": "NPU", "c1": "CPU", "c2": "CPU"}
    return ov.Model(branches, [x], "fan_out"), mapping


@pytest.mark.parametrize(
    ("later", "message"),
    [(False, "Tried to add parameter"), (True, "runtime_graph->inputs().size() == inputs().size()")],
)
def test_a_runtime_model_openvino_cannot_give_leaves_the_rows_per_subgraph(tmp_path, later, message):
    """One submodel feeding two later ones whose paths never join again: HETERO runs it, but its
    ``get_runtime_model()`` throws (iris, face and pose landmarks, a MiniLM-like encoder). The bench keeps
    every figure the counters give and says in one line what is missing and why."""
    model, mapping = _fan_out(later)
    xml, ir, plan, path = _plan(model, tmp_path, mapping)
    compiled = compile_plan(ir, plan, properties={"PERF_COUNT": True})
    with pytest.raises(RuntimeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compiled.compiled.get_runtime_model()
    result = bench_from_files(xml, [path], QUICK, baselines=False)
    profile = result.run("plan").profile
    assert result.run("plan").verification.ok
    assert [sg.device for sg in profile.subgraphs] == [sg.device for sg in plan.partition.subgraphs]
    assert "cannot give the runtime model" in profile.missing and message in profile.missing
    assert profile.boundaries == () and {ir.layers[lid].name for lid in profile.layer_times_ms} >= {
        "c1",
        "c2",
    }


def test_a_runtime_model_that_joins_again_is_read_whole(tmp_path):
    """The control: when the branches join again, OpenVINO gives the runtime model, and nothing is
    missing."""
    x = ops.parameter([1, 8], np.float32, name="x")
    a = _named(ops.relu(x), "a")
    joined = _named(ops.add(_named(ops.sigmoid(a), "c1"), _named(ops.tanh(a), "c2")), "d")
    mapping = {"a": "NPU", "c1": "CPU", "c2": "CPU", "d": "NPU"}
    xml, _, _, path = _plan(ov.Model([joined], [x], "diamond"), tmp_path, mapping)
    profile = bench_from_files(xml, [path], QUICK, baselines=False).run("plan").profile
    assert profile.missing == "" and profile.boundaries


def test_the_cli_says_what_is_missing_and_exits_0(tmp_path, run_cli):
    model, mapping = _fan_out(later=False)
    xml, _, _, path = _plan(model, tmp_path, mapping)
    result = run_cli("bench", xml, "-p", path, "-pc", "--niter", "5", "--rounds", "1", "--no-baselines")
    assert result.exit_code == 0, result.stderr
    assert "not measured: OpenVINO cannot give the runtime model of this split" in result.stdout
    assert "at boundaries: not attributed" in result.stdout


# -- 4. a convolution's weights whose shape is computed in another subgraph ---------------------------------


def _depthwise(fp16: bool):
    """x -> GroupConvolution whose weights are Reshape(W, Concat(ShapeOf(W)[0], [1,1,3,3])), as the ONNX
    frontend builds depthwise weights; with ``fp16``, W is f16 behind a decompression Convert."""
    x = ops.parameter([1, 4, 16, 16], np.float32, name="x")
    dtype = np.float16 if fp16 else np.float32
    weights = _named(ops.constant(np.linspace(-1, 1, 36, dtype=dtype).reshape(4, 1, 3, 3)), "W")
    if fp16:
        weights = _named(ops.convert(weights, "f32"), "W_decompress")
    groups = _named(
        ops.gather(
            _named(ops.shape_of(weights), "W_shape"),
            ops.constant(np.array([0], np.int64)),
            ops.constant(np.array(0, np.int64)),
        ),
        "W_groups",
    )
    target = _named(ops.concat([groups, ops.constant(np.array([1, 1, 3, 3], np.int64))], 0), "W_target")
    reshaped = _named(ops.reshape(weights, target, False), "W_reshape")
    conv = _named(ops.group_convolution(x, reshaped, [1, 1], [1, 1], [1, 1], [1, 1]), "gconv")
    return ov.Model([_named(ops.relu(conv), "relu")], [x], "depthwise")


@pytest.mark.parametrize("fp16", [False, True])
def test_weights_whose_shape_comes_from_another_subgraph_are_refused_and_hetero_agrees(tmp_path, fp16):
    """The shape path on the NPU, the Reshape and the convolution on the CPU: in the CPU's submodel the
    weights' shape is unknown, and the CPU plugin does not compile that (OCR, layout and NSFW detectors;
    most often in fp16-compressed IR)."""
    split = {"W_decompress": "NPU", "W_shape": "NPU", "W_groups": "NPU", "W_target": "NPU", "W": "CPU"}
    split |= {"W_reshape": "CPU", "gconv": "CPU", "relu": "CPU"}
    _, ir, plan, _ = _plan(_depthwise(fp16), tmp_path, split)
    assert any("HETERO will not run this plan" in w and "'gconv'" in w for w in plan.warnings)
    (reason,) = refusal_reasons(ir, plan)
    assert "weights [?,?,?,?,?], [4,1,1,3,3] in the model" in reason
    assert "keep the layers that compute such a shape in the subgraph that uses it" in reason
    with pytest.raises(PlanError, match="convolution"):
        compile_plan(ir, plan)
    with pytest.raises(Exception, match="dynamic weights shape"):
        compile_plan(ir, plan, refuse_known_failures=False)


@pytest.mark.parametrize("fp16", [False, True])
def test_weights_computed_with_their_convolution_run(tmp_path, fp16):
    """The control: only the decompression Convert (or nothing) elsewhere, the shape path with the
    convolution: accepted, and HETERO runs it."""
    split = {"W_decompress": "NPU", "W_shape": "CPU", "W_groups": "CPU", "W_target": "CPU", "W": "CPU"}
    split |= {"W_reshape": "CPU", "gconv": "CPU", "relu": "NPU"}
    _, ir, plan, _ = _plan(_depthwise(fp16), tmp_path, split)
    assert plan.subgraph_count > 1 and refusal_reasons(ir, plan) == []
    request = compile_plan(ir, plan).compiled.create_infer_request()
    request.infer({"x": np.ones((1, 4, 16, 16), np.float32)})


def _bias_to_rank():
    """x + Reshape(bias, [1, len(bias), 1, ...]) with as many trailing 1s as x has dimensions beyond two,
    as ONNX exports of 1-D and 2-D convolutions compute it."""
    x = ops.parameter([1, 4, 16, 16], np.float32, name="x")
    bias = _named(ops.constant(np.arange(4, dtype=np.float32)), "bias")
    rank = _named(ops.shape_of(_named(ops.shape_of(x), "x_shape")), "rank")
    spatial = _named(ops.subtract(rank, ops.constant(np.array([2], np.int64))), "spatial")
    ones = _named(ops.broadcast(ops.constant(np.array(1, np.int64)), spatial), "ones")
    head = [ops.constant(np.array([1], np.int64)), _named(ops.shape_of(bias), "bias_size")]
    target = _named(ops.concat([*head, ones], 0), "target")
    added = _named(ops.add(x, _named(ops.reshape(bias, target, False), "bias_reshape")), "add")
    return ov.Model([_named(ops.relu(added), "relu")], [x], "bias_to_rank")


def test_a_rank_computed_in_another_subgraph_is_refused_and_hetero_agrees(tmp_path):
    """The rank arithmetic on the NPU, the Reshape on the CPU: in the CPU's submodel the Reshape's target
    has an unknown length, so its output an unknown rank, which the CPU plugin does not compile (a VAD's
    1-D convolutions)."""
    split = {"x_shape": "NPU", "rank": "NPU", "spatial": "NPU", "ones": "CPU", "bias_size": "CPU"}
    split |= {"target": "CPU", "bias_reshape": "CPU", "add": "CPU", "relu": "CPU", "bias": "CPU"}
    _, ir, plan, _ = _plan(_bias_to_rank(), tmp_path, split)
    (reason,) = refusal_reasons(ir, plan)
    assert "unknown rank" in reason and "'bias_reshape') output 0: [1,4,1,1] in the model" in reason
    with pytest.raises(Exception, match="Reshape operation with dynamic rank"):
        compile_plan(ir, plan, refuse_known_failures=False)
    # With the rank computed where it is used, it runs.
    kept = {**split, "x_shape": "CPU", "rank": "CPU", "spatial": "CPU", "add": "NPU"}
    _, ir, plan, _ = _plan(_bias_to_rank(), tmp_path, kept, "kept")
    assert plan.subgraph_count > 1 and refusal_reasons(ir, plan) == []
    request = compile_plan(ir, plan).compiled.create_infer_request()
    request.infer({"x": np.ones((1, 4, 16, 16), np.float32)})


# -- 6. a Constant shared by layers the map puts on two devices ----------------------------------------------


def test_a_constant_shared_across_devices_follows_its_first_consumer(tmp_path):
    """A map that names compute layers only, and one Constant feeding layers on both devices (a [1] axis
    reused by many Unsqueezes, a bias used by its Reshape and a ShapeOf): the planner used to refuse it
    ("runs on none of the devices"); HETERO clones Constants into each consumer's submodel, so the Constant
    goes with its first consumer, and HETERO runs the plan."""
    x = ops.parameter([1, 8], np.float32, name="x")
    shared = _named(ops.constant(np.full([1, 8], 0.5, np.float32)), "w")
    b = _named(ops.multiply(_named(ops.add(x, shared), "a"), shared), "b")
    xml, ir, plan, path = _plan(ov.Model([b], [x], "shared"), tmp_path, {"a": "NPU", "b": "CPU"})
    w = ir.ids_by_name["w"][0]
    decision = plan.decisions[w]
    assert (decision.device, decision.source) == ("NPU", "follows")
    assert "its consumers run on CPU and NPU" in decision.reason and "'a'" in decision.reason
    result = bench_from_files(xml, [path], BenchConfig(niter=5, rounds=1), baselines=False)
    assert result.run("plan").verification.ok
