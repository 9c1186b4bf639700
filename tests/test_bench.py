"""Compile, verify and time plans through the real HETERO plugin (``hetero-tool bench``).

Everything here runs OpenVINO for real, on the CPU plugin and on an emulated NPU (the CPU plugin registered
again). Timings are never asserted as numbers; their structure and the checks around them are.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import openvino as ov
import openvino.opset13 as ops
import pytest

from hetero_tool.errors import InputError, PlanError
from hetero_tool.ir import load_ir, parse_ir
from hetero_tool.loaders import plan_from_files
from hetero_tool.runtime.accuracy import F32_TOLERANCES, PRECISION_MARGIN, compare_outputs, least_precise
from hetero_tool.runtime.bench import AUTOMATIC, AccuracyCheck, device_properties, run_bench
from hetero_tool.runtime.hetero import compile_plan, effective_properties, refusal_reasons, verify
from hetero_tool.runtime.options import parse_per_device
from hetero_tool.runtime.results import BenchConfig, BenchResult
from hetero_tool.runtime.timing import latency_stats
from tests.test_bad_input import assert_one_line_error

QUICK = BenchConfig(niter=12, rounds=3)


@pytest.fixture(scope="module")
def mobilenet(sample_paths):
    xml = sample_paths["mobilenet"]
    return xml, parse_ir(xml), plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU"])


def _split_plan(xml, tmp_path, device_of_position):
    """A plan from an affinity map that gives the k-th operation ``device_of_position(k)``."""
    ir = parse_ir(xml)
    names = [layer.name for layer in ir.layers.values()]
    path = tmp_path / "affinity.json"
    path.write_text(json.dumps({name: device_of_position(k) for k, name in enumerate(names)}))
    return ir, plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU=cpu"], affinity=path)


# -- compile and verify --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mobilenet", "transformer", "detector", "control_flow"])
def test_compiled_plans_verify_against_hetero(sample_paths, tmp_path, name):
    xml = sample_paths[name]
    ir, plan = _split_plan(xml, tmp_path, lambda k: "NPU" if (k // 7) % 2 else "CPU")
    compiled = compile_plan(ir, plan)
    check = verify(plan, compiled)
    assert check.ok, check.problems()
    assert check.actual_submodels == plan.subgraph_count > 1
    assert check.actual_devices == tuple(sg.device for sg in plan.partition.subgraphs)
    assert set(check.execution_devices) == {"NPU", "CPU"}


def test_verify_reports_a_wrong_prediction_with_both_figures(sample_paths, tmp_path):
    xml = sample_paths["mobilenet"]
    ir, split = _split_plan(xml, tmp_path, lambda k: "NPU" if k > 20 else "CPU")
    _, single = _split_plan(xml, tmp_path, lambda k: "CPU")
    compiled = compile_plan(ir, split)
    # Check the compiled split against a plan that predicts one submodel.
    wrong = verify(single, compiled)
    assert not wrong.ok
    problems = " ".join(wrong.problems())
    assert f"HETERO_NUMBER_OF_SUBMODELS is {split.subgraph_count}, the plan predicts 1" in problems
    assert "submodels run on CPU, NPU" in problems


def test_device_config_reaches_each_device(sample_paths, tmp_path):
    ir, plan = _split_plan(sample_paths["mobilenet"], tmp_path, lambda k: "NPU" if k > 20 else "CPU")
    config = {"NPU": {"INFERENCE_NUM_THREADS": 1}, "CPU": {"INFERENCE_NUM_THREADS": 2, "NUM_STREAMS": 1}}
    compiled = compile_plan(ir, plan, device_config=config)
    props = effective_properties(compiled)
    assert props["NPU"]["INFERENCE_NUM_THREADS"] == "1" and props["CPU"]["INFERENCE_NUM_THREADS"] == "2"
    assert props["NPU"]["PERFORMANCE_HINT"] == "LATENCY"  # from the npu profile's config


def _dynamic_ir(tmp_path):
    """x [?,8,?,?] -> conv -> relu -> sigmoid: the convolution's output is [?,8,1..,1..]."""
    x = ops.parameter(ov.PartialShape([-1, 8, -1, -1]), np.float32, name="x")
    weights = ops.constant(np.full((8, 8, 3, 3), 0.01, np.float32), name="w")
    conv = ops.convolution(x, weights, [1, 1], [1, 1], [1, 1], [1, 1], name="conv")
    relu = ops.relu(conv, name="relu")
    sigmoid = ops.sigmoid(relu, name="sigmoid")
    path = tmp_path / "dynamic.xml"
    ov.save_model(ov.Model([sigmoid], [x], "dynamic"), path, compress_to_fp16=False)
    return path


def _dynamic_plan(tmp_path, mapping):
    xml = _dynamic_ir(tmp_path)
    amap = tmp_path / "affinity.json"
    amap.write_text(json.dumps(mapping))
    return parse_ir(xml), plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU=cpu"], affinity=amap)


def test_a_boundary_tensor_with_bounded_dynamic_dims_is_refused_and_hetero_agrees(tmp_path):
    ir, plan = _dynamic_plan(tmp_path, {"x": "NPU", "conv": "NPU", "relu": "NPU", "sigmoid": "CPU"})
    assert plan.subgraph_count == 2
    reasons = refusal_reasons(ir, plan)
    assert len(reasons) == 1 and "[?,8,1..,1..]" in reasons[0] and "--shape" in reasons[0], reasons
    with pytest.raises(PlanError, match="relu"):
        compile_plan(ir, plan)
    # The refusal is right: HETERO compiles the split but cannot make a request for it.
    compiled = compile_plan(ir, plan, refuse_known_failures=False)
    with pytest.raises(RuntimeError, match="incompatible"):
        compiled.compiled.create_infer_request()
    # Planned for static shapes, the same placement runs.
    xml = ir.path
    static = load_ir(xml, {"x": "[1,8,6,6]"})
    amap = tmp_path / "affinity.json"
    static_plan = plan_from_files(
        xml, devices="HETERO:NPU,CPU", emulate=["NPU=cpu"], affinity=amap, shapes="x[1,8,6,6]"
    )
    assert static_plan.shapes == {"x": "[1,8,6,6]"} and refusal_reasons(static, static_plan) == []
    request = compile_plan(static, static_plan).compiled.create_infer_request()
    request.infer({"x": np.ones((1, 8, 6, 6), np.float32)})


def _shape_from_another_subgraph(tmp_path):
    """x [3,4] -> relu -> sigmoid -> Reshape(target) -> tanh, the target a Concat of two Constants."""
    x = ops.parameter([3, 4], np.float32, name="x")
    sigmoid = ops.sigmoid(ops.relu(x, name="relu"), name="sigmoid")
    ends = [ops.constant(np.array([n], np.int64), name=f"dim{k}") for k, n in enumerate((-1, 4))]
    target = ops.concat(ends, 0, name="target")
    tanh = ops.tanh(ops.reshape(sigmoid, target, False, name="reshape"), name="tanh")
    path = tmp_path / "target.xml"
    ov.save_model(ov.Model([tanh], [x], "target"), path, compress_to_fp16=False)
    return path


@pytest.mark.parametrize("target_device", ["NPU", "CPU"])
def test_a_shape_computed_in_another_subgraph_is_refused_and_hetero_agrees(tmp_path, target_device):
    """The Reshape's target shape comes from another submodel, so in its own submodel the Reshape's output
    is [?,?]: HETERO sizes the host tensor to tanh (0,0) and tanh's input [3,4] refuses it. With the target
    computed where it is used, the split runs."""
    xml = _shape_from_another_subgraph(tmp_path)
    amap = tmp_path / "affinity.json"
    mapping = {"relu": "NPU", "sigmoid": "CPU", "reshape": "CPU", "tanh": "NPU", "target": target_device}
    amap.write_text(json.dumps(mapping))
    ir = parse_ir(xml)
    plan = plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU=cpu"], affinity=amap)
    reasons = refusal_reasons(ir, plan)
    compiled = compile_plan(ir, plan, refuse_known_failures=False)
    assert compiled.submodels == plan.subgraph_count
    if target_device == "NPU":
        assert len(reasons) == 1, reasons
        assert "'reshape'" in reasons[0] and "[?,?]" in reasons[0] and "[3,4] is expected" in reasons[0]
        assert "keep the layers that compute such a shape in the subgraph that uses it" in reasons[0]
        with pytest.raises(RuntimeError, match="incompatible"):
            compiled.compiled.create_infer_request()
    else:
        assert reasons == []
        request = compiled.compiled.create_infer_request()
        request.infer({"x": np.ones((3, 4), np.float32)})


def test_a_fully_dynamic_boundary_tensor_is_accepted_and_runs(tmp_path):
    # The cut is x itself, [?,8,?,?]: a 0-sized host tensor fits it, and HETERO runs it.
    ir, plan = _dynamic_plan(tmp_path, {"x": "NPU", "conv": "CPU", "relu": "CPU", "sigmoid": "CPU"})
    assert plan.subgraph_count == 2 and refusal_reasons(ir, plan) == []
    request = compile_plan(ir, plan).compiled.create_infer_request()
    request.infer({"x": np.ones((1, 8, 6, 6), np.float32)})
    assert list(request.get_output_tensor().shape) == [1, 8, 6, 6]


def test_a_detached_result_is_refused(sample_paths):
    xml = sample_paths["mobilenet"]
    ir = parse_ir(xml)
    plan = plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU"])
    broken = dataclasses.replace(
        plan, partition=dataclasses.replace(plan.partition, detached_results=(ir.results[0].id,))
    )
    with pytest.raises(PlanError, match="cuts the Result"):
        compile_plan(ir, broken)


# -- timing --------------------------------------------------------------------------------------------------


def test_bench_times_the_plan_and_its_baselines(mobilenet, tmp_path):
    xml, ir, _ = mobilenet
    _, rules_plan = _split_plan(xml, tmp_path, lambda k: "CPU" if k in range(10, 30) else "NPU")
    result = run_bench(ir, [("plan", rules_plan)], QUICK)
    labels = [run.label for run in result.runs]
    assert labels == ["plan", AUTOMATIC, "NPU alone", "CPU alone"]
    assert result.baseline == AUTOMATIC and result.ratio(result.run(AUTOMATIC)) == 1.0
    for run in result.runs:
        stats = run.latency
        assert run.iterations == QUICK.niter, run.label
        assert 0 < stats.min_ms <= stats.median_ms <= stats.p90_ms <= stats.p99_ms <= stats.max_ms
        assert stats.min_ms <= stats.average_ms <= stats.max_ms
        assert run.compile_ms > 0 and run.first_inference_ms > 0 and run.throughput_fps > 0
        assert run.duration_s > 0
    plan_run = result.run("plan")
    assert plan_run.verification.ok and plan_run.submodels == rules_plan.subgraph_count > 1
    assert plan_run.emulated == ("NPU",) and result.run("CPU alone").emulated == ()
    assert result.run(AUTOMATIC).verification.ok
    assert BenchResult.from_json(json.loads(json.dumps(result.to_json()))) == result


def test_bench_async_with_requests_in_flight(mobilenet):
    _, ir, plan = mobilenet
    config = BenchConfig(niter=16, rounds=2, api="async", nireq=3, hint="throughput")
    result = run_bench(ir, [("plan", plan)], config, baselines=False)
    assert [r.label for r in result.runs] == ["plan"]
    assert result.run("plan").iterations == 16 and result.run("plan").nireq == 3


def test_a_device_that_cannot_run_the_model_alone_is_skipped_with_its_reason(sample_paths):
    xml = sample_paths["detector"]
    plan = plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU"])
    result = run_bench(parse_ir(xml), [("plan", plan)], QUICK)
    assert "NPU alone" not in [r.label for r in result.runs]
    reason = result.skipped["NPU alone"]
    assert "NPU (emulated" in reason and "NonMaxSuppression" in reason
    assert result.skipped[AUTOMATIC] == "same placement as 'plan'"


def test_accuracy_with_f32_forced_passes(mobilenet, tmp_path):
    xml, ir, _ = mobilenet
    _, split = _split_plan(xml, tmp_path, lambda k: "NPU" if k % 2 else "CPU")
    result = run_bench(ir, [("plan", split)], QUICK, baselines=False, accuracy=AccuracyCheck(f32=True))
    accuracy = result.run("plan").accuracy
    assert accuracy.passed and accuracy.reference == "CPU (f32)"
    (probs,) = accuracy.outputs
    # On data in [0, 1] the softmax is not saturated: the comparison could see an error if there were one.
    assert probs.name == "probs" and probs.max_abs < 1e-5 and probs.note == ""


@pytest.mark.parametrize("precision", ["f32", "bf16"])
def test_accuracy_sees_the_precision_each_device_ran(mobilenet, tmp_path, precision):
    """With tolerances only f32 meets, the check passes a split run in f32 and fails one that a device ran in
    bf16: the reference is the CPU alone, so what it sees is the split's own precision."""
    if precision == "bf16" and "BF16" not in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES"):
        pytest.skip("this CPU has no bf16: the CPU plugin runs f32 whatever the hint")
    xml, ir, _ = mobilenet
    _, split = _split_plan(xml, tmp_path, lambda k: "NPU" if k % 2 else "CPU")
    strict = AccuracyCheck(atol=1e-6, rtol=1e-6)
    config = dataclasses.replace(QUICK, infer_precision={"": "f32", "NPU": precision})
    run = run_bench(ir, [("plan", split)], config, baselines=False, accuracy=strict).run("plan")
    assert run.device_properties["NPU"]["INFERENCE_PRECISION_HINT"] == precision
    assert run.accuracy.passed == (precision == "f32"), run.accuracy


@pytest.mark.parametrize("precision", ["f32", "f16", "bf16"])
def test_default_tolerances_follow_the_precision_each_device_ran(mobilenet, tmp_path, precision):
    """Without --atol/--rtol, a correct split passes: against the reference device in f32, within the f32
    tolerances plus, at a reduced precision, a margin over what that device alone is off by at it."""
    capability = {"f16": "FP16", "bf16": "BF16"}.get(precision, "FP32")
    if capability not in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES"):
        pytest.skip(f"this CPU has no {precision}: the CPU plugin runs f32 whatever the hint")
    xml, ir, _ = mobilenet
    _, split = _split_plan(xml, tmp_path, lambda k: "NPU" if k % 2 else "CPU")
    config = dataclasses.replace(QUICK, infer_precision={"": "f32", "NPU": precision})
    run = run_bench(ir, [("plan", split)], config, baselines=False, accuracy=AccuracyCheck()).run("plan")
    accuracy = run.accuracy
    assert accuracy.reference == "CPU (f32)" and accuracy.precision == precision
    assert (accuracy.atol, accuracy.rtol) == F32_TOLERANCES and not accuracy.tolerances_given
    (probs,) = accuracy.outputs
    if precision == "f32":
        assert accuracy.margin == 0 and probs.floor is None
    else:  # the CPU alone at that precision is off by something, and the split by less than 3 times it
        assert accuracy.margin == PRECISION_MARGIN and probs.floor > 0
        assert probs.max_abs <= F32_TOLERANCES[0] + PRECISION_MARGIN * probs.floor
    assert accuracy.passed, accuracy


def test_a_wrong_output_fails_beyond_the_precision_floor():
    """The margin is over what the precision explains, not a blank cheque: an output off by its own size
    fails, one off by the floor passes."""
    truth = {"y": np.linspace(-10, 10, 50)}
    floor = {"y": 0.05}
    near = compare_outputs(
        {"y": truth["y"] + 0.1}, truth, precision="bf16", floor=floor, reference_label="CPU"
    )
    wrong = compare_outputs(
        {"y": truth["y"][::-1]}, truth, precision="bf16", floor=floor, reference_label="CPU"
    )
    assert near.passed and near.outputs[0].floor == 0.05 and not wrong.passed


def test_given_tolerances_win(mobilenet, tmp_path):
    xml, ir, _ = mobilenet
    _, split = _split_plan(xml, tmp_path, lambda k: "NPU" if k % 2 else "CPU")
    check = AccuracyCheck(atol=0.5)
    accuracy = run_bench(ir, [("plan", split)], QUICK, baselines=False, accuracy=check).run("plan").accuracy
    assert (accuracy.atol, accuracy.rtol, accuracy.margin) == (0.5, F32_TOLERANCES[1], 0.0)
    assert accuracy.tolerances_given and accuracy.outputs[0].floor is None


def test_least_precise():
    assert least_precise(["f32", "f16"]) == "f16" and least_precise(["f16", "bf16", "f32"]) == "bf16"
    assert least_precise(["i8", "f32"]) == "i8" and least_precise(["", "f32"]) == "f32"


def test_compare_outputs_fails_beyond_tolerance_and_on_shape():
    ref = {"a": np.array([1.0, 100.0]), "b": np.zeros((2, 2))}
    result = compare_outputs(
        {"a": np.array([1.001, 100.0]), "b": np.zeros((2, 3))},
        ref,
        atol=1e-4,
        rtol=1e-4,
        reference_label="CPU",
    )
    assert not result.passed
    a, b = result.outputs
    assert not a.passed and a.max_abs == pytest.approx(0.001) and a.max_rel == pytest.approx(0.001)
    assert not b.passed and "shape [2, 3]" in b.note
    nan = compare_outputs(
        {"a": np.array([np.nan])}, {"a": np.array([np.nan])}, atol=0, rtol=0, reference_label="x"
    )
    assert nan.passed


def test_latency_stats_percentiles_are_benchmark_apps():
    stats = latency_stats([float(k) for k in range(1, 101)])
    assert (stats.median_ms, stats.p90_ms, stats.p99_ms, stats.average_ms) == (50.0, 90.0, 99.0, 50.5)


def test_per_device_options():
    assert parse_per_device("CPU:4, NPU:1", "--nstreams") == {"CPU": "4", "NPU": "1"}
    with pytest.raises(InputError, match="--nstreams 'CPU:'"):
        parse_per_device("CPU:", "--nstreams")
    config = BenchConfig(hint="throughput", nstreams={"": "2", "NPU": "1"}, infer_precision={"CPU": "f32"})
    assert device_properties(config, "NPU") == {"PERFORMANCE_HINT": "THROUGHPUT", "NUM_STREAMS": "1"}
    assert device_properties(config, "CPU") == {
        "PERFORMANCE_HINT": "THROUGHPUT",
        "NUM_STREAMS": "2",
        "INFERENCE_PRECISION_HINT": "f32",
    }
    assert "PERFORMANCE_HINT" not in device_properties(BenchConfig(hint="none"), "CPU")


# -- the command ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan_file(sample_paths, tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "mobilenet.plan.json"
    plan_from_files(sample_paths["mobilenet"], devices="HETERO:NPU,CPU", emulate=["NPU"]).save(path)
    return path


def test_bench_command_prints_the_table_and_writes_the_result(run_cli, sample_paths, plan_file, tmp_path):
    output = tmp_path / "bench.json"
    result = run_cli(
        "bench", sample_paths["mobilenet"], "--plan", plan_file, "--niter", "8", "--rounds", "2", "-o", output
    )
    assert result.exit_code == 0, result.stderr
    assert "NPU alone" in result.stdout and "CPU alone" in result.stdout and "(NPU emulated)" in result.stdout
    assert "ratios against" in result.stdout
    saved = json.loads(output.read_text())
    assert saved["schema_version"] == 1 and [r["label"] for r in saved["runs"]][0] == "plan"
    assert saved["config"]["niter"] == 8 and saved["config"]["rounds"] == 2


def test_bench_command_json(run_cli, sample_paths, plan_file):
    result = run_cli(
        "bench",
        sample_paths["mobilenet"],
        "--plan",
        plan_file,
        "--niter",
        "4",
        "--rounds",
        "1",
        "--no-baselines",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [r["label"] for r in data["runs"]] == ["plan"] and data["runs"][0]["verification"][
        "actual_submodels"
    ] == 1


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--time", "1", "--niter", "3"], ["--time and --niter"]),
        (["--hint", "fast"], ["--hint fast"]),
        (["--nstreams", "GPU:2"], ["--nstreams", "GPU is not one of the plan's devices"]),
        (["--nstreams", "CPU:"], ["--nstreams 'CPU:'"]),
        # Checked before anything is compiled or timed (a 60 s budget would make the test time out).
        (["--baseline", "nope", "--time", "60"], ["--baseline 'nope'"]),
        (["--accuracy", "--reference", "FOO", "--time", "60"], ["--reference FOO"]),
        (["--report-dir", "rd", "--report-format", "xml", "--time", "60"], ["report format 'xml'"]),
        (["--report-format", "xml", "--time", "60"], ["report format 'xml'"]),
        (["--nstreams", "CPU:x"], ["--nstreams CPU:x"]),
        (["--infer-precision", "f99"], ["--infer-precision f99"]),
        (["--accuracy", "--atol", "-1"], ["--atol -1"]),
        (["-o", "/nonexistent/dir/out.json"], ["the directory /nonexistent/dir does not exist"]),
    ],
)
@pytest.mark.timeout(30)
def test_bench_command_bad_options(run_cli, sample_paths, plan_file, args, needles):
    assert_one_line_error(run_cli("bench", sample_paths["mobilenet"], "--plan", plan_file, *args), *needles)


def test_bench_command_refuses_a_plan_for_another_model(run_cli, sample_paths, plan_file):
    assert_one_line_error(
        run_cli("bench", sample_paths["detector"], "--plan", plan_file, "--niter", "2"), "plan"
    )


def test_a_failed_check_is_named():
    from hetero_tool.runtime.results import Accuracy, LatencyStats, OutputError, Run

    stats = LatencyStats(1, 1, 1, 1, 1, 1)
    run = Run(
        "plan",
        "CPU",
        1,
        1.0,
        stats,
        1.0,
        1.0,
        1.0,
        accuracy=Accuracy("CPU", 0, 0, (OutputError("y", 1.0, 1.0, False),)),
    )
    result = BenchResult("m", "0", (run,), "plan")
    assert result.problems() == ["plan: outputs y differ from CPU beyond tolerance"] and not result.passed
    assert BenchResult("m", "0", (dataclasses.replace(run, accuracy=None),), "plan").passed


def test_bench_config_is_checked_on_construction():
    assert BenchConfig().time_s == 10.0 and BenchConfig(niter=5).time_s is None
    for bad in ({"hint": "fast"}, {"api": "both"}, {"time_s": 1.0, "niter": 3}, {"rounds": 0}, {"niter": 0}):
        with pytest.raises(InputError):
            BenchConfig(**bad)


def test_iteration_counts_add_up_over_rounds(mobilenet):
    _, ir, plan = mobilenet
    result = run_bench(ir, [("plan", plan)], BenchConfig(niter=10, rounds=3), baselines=False)
    assert result.run("plan").iterations == 10 and result.ratio("plan") == 1.0


def test_a_plan_for_another_model_is_refused(mobilenet, sample_paths):
    _, _, plan = mobilenet
    with pytest.raises(PlanError, match="not for this IR"):
        run_bench(parse_ir(sample_paths["detector"]), [("plan", plan)], QUICK)


def test_bench_result_feeds_report_and_export(run_cli, sample_paths, plan_file, tmp_path):
    result_file = tmp_path / "bench.json"
    model = sample_paths["mobilenet"]
    ran = run_cli(
        "bench",
        model,
        "--plan",
        plan_file,
        "--niter",
        "6",
        "--rounds",
        "2",
        "-pc",
        "-o",
        result_file,
        "--report-dir",
        tmp_path / "ba",
        "--report-format",
        "json",
    )
    assert ran.exit_code == 0, ran.stderr
    assert sorted(p.name for p in (tmp_path / "ba").iterdir()) == [
        "benchmark_average_counters_report.json",
        "benchmark_report.json",
        "load_config.json",  # the devices' config (here the npu profile's and the hint)
    ]
    exported = run_cli("export", model, "--plan", plan_file, "--bench", result_file, "-o", tmp_path / "me")
    assert exported.exit_code == 0, exported.stderr
    latency = json.loads((tmp_path / "me" / "mobilenet.me-latency.json").read_text())
    saved = json.loads(result_file.read_text())
    times = saved["runs"][0]["profile"]["layer_times_ms"]
    (results,) = [graph["results"] for graph in latency.values()]
    assert set(results) == set(times) and times
    report = run_cli("report", model, "--plan", plan_file, "--bench", result_file, "-o", tmp_path / "r.html")
    assert report.exit_code == 0, report.stderr
    assert "Time per subgraph" in (tmp_path / "r.html").read_text()


def test_bench_never_overwrites_its_input_data(run_cli, sample_paths, plan_file, tmp_path):
    data = tmp_path / "image.npy"
    np.save(data, np.zeros((1, 3, 64, 64), np.float32))
    before = data.read_bytes()
    result = run_cli("bench", sample_paths["mobilenet"], "--plan", plan_file, "--input", data, "-o", data)
    assert_one_line_error(result, "would overwrite an input")
    assert data.read_bytes() == before


def test_data_for_a_dynamic_input_runs(tmp_path):
    """The tool's own advice for a dynamic input: give its data with --input (bound as a tensor of its
    shape)."""
    ir, plan = _dynamic_plan(tmp_path, {"x": "NPU", "conv": "CPU", "relu": "CPU", "sigmoid": "CPU"})
    data = {"x": np.random.default_rng(0).random((1, 8, 6, 6), dtype=np.float32)}
    result = run_bench(ir, [("plan", plan)], QUICK, inputs=data, accuracy=AccuracyCheck(f32=True))
    assert result.run("plan").iterations == QUICK.niter and result.run("plan").accuracy.passed


def test_the_reference_can_be_an_emulated_device(mobilenet):
    _, ir, plan = mobilenet
    result = run_bench(ir, [("plan", plan)], QUICK, baselines=False, accuracy=AccuracyCheck(reference="NPU"))
    assert result.run("plan").accuracy.reference == "NPU (f32)"


def test_a_plan_with_a_profile_file_works_from_another_directory(sample_paths, tmp_path, monkeypatch):
    from hetero_tool.devices.profiles import load_profile

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "mine.toml").write_text((load_profile("npu").path or _builtin("npu")).read_text())
    monkeypatch.chdir(tmp_path / "a")
    plan = plan_from_files(sample_paths["mobilenet"], devices="NPU,CPU", emulate=["NPU=mine.toml"])
    monkeypatch.chdir(tmp_path)
    assert plan.devices[0].to_device().profile.name == "npu"


def _builtin(name):
    from importlib import resources

    return resources.files("hetero_tool.devices") / "profiles" / f"{name}.toml"


def test_a_malformed_bench_result_is_one_line(run_cli, sample_paths, plan_file, tmp_path):
    good = tmp_path / "good.json"
    assert (
        run_cli(
            "bench",
            sample_paths["mobilenet"],
            "--plan",
            plan_file,
            "--niter",
            "2",
            "--rounds",
            "1",
            "-o",
            good,
        ).exit_code
        == 0
    )
    for edit, needle in (
        (lambda d: d["runs"][0]["latency"].update(median_ms="x"), "median_ms"),
        (lambda d: d["runs"][0].update(label=5), "label"),
        (lambda d: d["config"].update(hint="fast"), "--hint fast"),
    ):
        data = json.loads(good.read_text())
        edit(data)
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(data))
        result = run_cli(
            "report",
            sample_paths["mobilenet"],
            "--plan",
            plan_file,
            "--bench",
            bad,
            "-o",
            tmp_path / "r.html",
        )
        assert_one_line_error(result, "bad.json", needle)


def test_a_report_refuses_a_bench_of_another_plan(run_cli, sample_paths, plan_file, tmp_path):
    other_plan = tmp_path / "other.plan.json"
    rules = tmp_path / "rules.toml"
    rules.write_text(
        'schema_version = 1\n[[rule]]\nname = "r"\nmatch = { types = ["Softmax"] }\npin = "CPU"\n'
    )
    plan_from_files(sample_paths["mobilenet"], devices="NPU,CPU", emulate=["NPU"], rules=rules).save(
        other_plan
    )
    bench = tmp_path / "b.json"
    assert (
        run_cli(
            "bench",
            sample_paths["mobilenet"],
            "--plan",
            other_plan,
            "--niter",
            "2",
            "--rounds",
            "1",
            "--no-baselines",
            "-o",
            bench,
        ).exit_code
        == 0
    )
    result = run_cli(
        "report", sample_paths["mobilenet"], "--plan", plan_file, "--bench", bench, "-o", tmp_path / "r.html"
    )
    assert_one_line_error(result, "no run of this plan")
