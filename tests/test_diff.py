"""``hetero-tool diff``: the layers that moved between two plans of one model, and the figures next to each
other; the library on a case whose moves are known, the CLI's output, and its errors."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources

import pytest

from hetero_tool.devices import DeviceSettings
from hetero_tool.diff import Change, diff_plans
from hetero_tool.errors import PlanError
from hetero_tool.loaders import diff_from_files, plan_from_files
from hetero_tool.plan import Plan, Predicted
from tests.test_bad_input import assert_one_line_error

RULES = resources.files("hetero_tool.data") / "activations_off_npu.toml"
# What activations_off_npu.toml moves off the NPU in the example MobileNet: its first rule forbids the NPU
# for the hard-swish family (they fall back to the CPU), its second pins the classifier head to the CPU.
FORBIDDEN = {
    "stem/hswish": "HSwish",
    "block1/se/expand/hsigmoid": "HSigmoid",
    "block4/expand/hswish": "HSwish",
    "block4/depthwise/hswish": "HSwish",
    "block4/se/expand/hsigmoid": "HSigmoid",
    "block5/expand/swish": "Swish",
    "block5/depthwise/swish": "Swish",
    "block5/se/expand/hsigmoid": "HSigmoid",
    "head/hswish": "HSwish",
}
PINNED = {
    "classifier/fc1": "MatMul",
    "classifier/fc1/bias": "Add",
    "classifier/hswish": "HSwish",
    "classifier/fc2": "MatMul",
    "classifier/fc2/bias": "Add",
    "classifier/softmax": "Softmax",
}


@pytest.fixture(scope="module")
def plans(sample_paths, tmp_path_factory) -> dict[str, tuple[Plan, object]]:
    """Name -> (plan, its file): MobileNet on an emulated NPU by fallback (``default``), with the rules
    (``ruled``), on the CPU alone (``cpu``), and the detector (another model)."""
    folder = tmp_path_factory.mktemp("plans")
    made = {
        "default": plan_from_files(sample_paths["mobilenet"], devices="NPU,CPU", emulate="NPU"),
        "ruled": plan_from_files(sample_paths["mobilenet"], devices="NPU,CPU", emulate="NPU", rules=RULES),
        "cpu": plan_from_files(sample_paths["mobilenet"], devices="CPU"),
        "detector": plan_from_files(sample_paths["detector"], devices="CPU"),
    }
    return {name: (plan, plan.save(folder / f"{name}.plan.json")) for name, plan in made.items()}


def test_the_rules_move_exactly_the_layers_they_name(plans):
    (a, _), (b, _) = plans["default"], plans["ruled"]
    diff = diff_plans(a, b)
    assert {layer.name: layer.op_type for layer in diff.moved} == FORBIDDEN | PINNED
    assert {(layer.from_device, layer.to_device) for layer in diff.moved} == {("NPU", "CPU")}
    for layer in diff.moved:
        if layer.name in PINNED:
            assert layer.source == "rule" and "classifier head on the CPU" in layer.reason
        else:
            assert layer.source == "fallback" and "hard-swish family not on the NPU" in layer.reason
    # In layer order, as the plans hold them.
    assert [layer.id for layer in diff.moved] == sorted(layer.id for layer in diff.moved)
    groups = [(g.from_device, g.to_device, g.op_type, g.count) for g in diff.groups]
    assert groups == [
        ("NPU", "CPU", "HSwish", 5),
        ("NPU", "CPU", "HSigmoid", 3),
        ("NPU", "CPU", "Add", 2),
        ("NPU", "CPU", "MatMul", 2),
        ("NPU", "CPU", "Swish", 2),
        ("NPU", "CPU", "Softmax", 1),
    ]
    structural = [
        lid
        for lid, d in a.decisions.items()
        if d.device != b.decisions[lid].device and a.types[lid] in ("Parameter", "Constant", "Result")
    ]
    assert structural and diff.moved_structural == len(structural)


def test_the_figures_are_the_plans_own(plans):
    (a, _), (b, _) = plans["default"], plans["ruled"]
    diff = diff_plans(a, b)
    ops_a, ops_b = a.layers_per_device(), b.layers_per_device()
    assert diff.operations == {name: Change(ops_a[name], ops_b[name]) for name in ("NPU", "CPU")}
    assert diff.operations["CPU"].delta == len(diff.moved) == -diff.operations["NPU"].delta
    assert diff.subgraphs == Change(a.subgraph_count, b.subgraph_count) and diff.subgraphs.delta > 0
    per_device = {name: Change(0, 0) for name in ("NPU", "CPU")}
    for plan, side in ((a, "a"), (b, "b")):
        for sg in plan.partition.subgraphs:
            before = per_device[sg.device]
            per_device[sg.device] = replace(before, **{side: getattr(before, side) + 1})
    assert diff.subgraphs_per_device == per_device
    assert diff.cut_tensors == Change(len(a.partition.cuts), len(b.partition.cuts))
    assert diff.cut_bytes == Change(a.partition.cut_bytes, b.partition.cut_bytes) == Change(0, 256704)
    assert diff.devices.same and diff.device_config.same
    assert diff.predicted_ms == Change(None, None) and diff.predicted_ms.ratio is None


def test_identical_plans_move_nothing(plans):
    plan, path = plans["ruled"]
    diff = diff_from_files(path, path)
    assert diff.moved == () and diff.groups == () and diff.moved_structural == 0
    assert all(c.same for c in (diff.subgraphs, diff.cut_bytes, diff.cut_tensors, *diff.operations.values()))


def test_device_lists_may_differ(plans, run_cli):
    (a, a_path), (b, b_path) = plans["default"], plans["cpu"]
    diff = diff_plans(a, b)
    assert not diff.devices.same
    ops = a.layers_per_device()["NPU"]
    assert ops == b.layers_per_device()["CPU"] == 76
    assert diff.operations == {"NPU": Change(ops, 0), "CPU": Change(0, ops)}
    assert len(diff.moved) == 76 and {(m.from_device, m.to_device) for m in diff.moved} == {("NPU", "CPU")}
    result = run_cli("diff", a_path, b_path)
    assert result.exit_code == 0, result.stderr
    devices = "HETERO:NPU,CPU (NPU emulated: npu profile) → HETERO:CPU   (the device lists differ)"
    assert devices in result.stdout
    # The NPU's config is not a config change: B has no NPU.
    assert "Config" not in result.stdout


def test_a_config_change_is_one_line(plans, sample_paths, tmp_path, run_cli):
    _, a_path = plans["default"]
    settings = DeviceSettings(nthreads={"CPU": 2})
    threads = plan_from_files(sample_paths["mobilenet"], devices="NPU,CPU", emulate="NPU", settings=settings)
    result = run_cli("diff", a_path, threads.save(tmp_path / "threads.plan.json"))
    assert result.exit_code == 0, result.stderr
    config = [line for line in result.stdout.splitlines() if line.startswith("Config")]
    assert config == ["Config      CPU INFERENCE_NUM_THREADS - → 2"]
    assert "no layer moved" in result.stdout


def test_plans_of_different_models_are_one_error_line(plans, run_cli):
    (a, a_path), (b, b_path) = plans["default"], plans["detector"]
    with pytest.raises(PlanError, match="'mobilenet'.*'detector'"):
        diff_plans(a, b)
    line = assert_one_line_error(run_cli("diff", a_path, b_path), str(a_path), str(b_path), code=2)
    assert "'mobilenet'" in line and "'detector'" in line and a.model_sha256[:12] in line


def test_a_missing_or_bad_plan_is_one_error_line(plans, tmp_path, run_cli):
    _, path = plans["default"]
    missing = tmp_path / "missing.plan.json"
    assert_one_line_error(run_cli("diff", path, missing), str(missing), "no such plan")
    bad = tmp_path / "bad.plan.json"
    bad.write_text('{"schema_version": 1}')
    assert_one_line_error(run_cli("-q", "diff", bad, path), str(bad), "not a hetero-tool plan")


def test_human_output(plans, run_cli, monkeypatch):
    (a, a_path), (b, b_path) = plans["default"], plans["ruled"]
    result = run_cli("diff", a_path, b_path)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    npu, cpu = a.layers_per_device(), b.layers_per_device()
    for expected in (
        f"A           {a_path}",
        f"B           {b_path}",
        "Devices     HETERO:NPU,CPU (NPU emulated: npu profile) in both",
        f"Subgraphs   1 → {b.subgraph_count} (+{b.subgraph_count - 1})   NPU 1 → 10 (+9)   CPU 0 → 10 (+10)",
        f"Cut bytes   0 B → 250.7 KiB (+250.7 KiB) per inference   tensors 0 → {len(b.partition.cuts)} "
        f"(+{len(b.partition.cuts)})",
        "Predicted   - (neither plan has a prediction)",
        f"Operations  NPU {npu['NPU']} → {cpu['NPU']} (-15)   CPU 0 → {cpu['CPU']} (+15)",
        "Moved       15 operations, and 7 Parameters, Constants and Results with them",
    ):
        assert expected in lines, (expected, result.stdout)
    table = " ".join(result.stdout.split("Moved layers", 1)[1].split())  # cells wrap at 80 columns
    assert "NPU CPU HSwish 5 fallback, rule stem/hswish," in table and "... and 2 more" in table
    assert "NPU CPU Softmax 1 rule classifier/softmax" in table
    assert "more groups" not in table

    monkeypatch.setattr("hetero_tool.cli.diff.ROWS_SHOWN", 2)
    result = run_cli("diff", a_path, b_path)
    assert "Softmax" not in result.stdout and "... and 4 more groups" in result.stdout

    same = run_cli("diff", b_path, b_path)
    assert same.exit_code == 0 and "Moved       no layer moved" in same.stdout.splitlines()
    assert "Moved layers" not in same.stdout


def test_json_output_and_quiet(plans, run_cli):
    (a, a_path), (b, b_path) = plans["default"], plans["ruled"]
    result = run_cli("diff", a_path, b_path, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == diff_from_files(a_path, b_path).to_json()
    assert (data["a"], data["b"], data["model"]["name"]) == (str(a_path), str(b_path), "mobilenet")
    assert data["subgraphs"] == {"a": 1, "b": b.subgraph_count, "delta": b.subgraph_count - 1}
    assert data["cut_bytes"] == {"a": 0, "b": b.partition.cut_bytes, "delta": b.partition.cut_bytes}
    assert data["moved_count"] == len(data["moved"]) == 15 and data["moved_structural"] == 7
    assert {m["name"] for m in data["moved"]} == FORBIDDEN.keys() | PINNED.keys()
    assert data["moved"][0] == {
        "id": next(lid for lid, name in a.names.items() if name == "stem/hswish"),
        "name": "stem/hswish",
        "type": "HSwish",
        "from": "NPU",
        "to": "CPU",
        "source": "fallback",
        "reason": b.decisions[data["moved"][0]["id"]].reason,
    }
    assert [(g["type"], g["count"]) for g in data["groups"]][:2] == [("HSwish", 5), ("HSigmoid", 3)]
    assert data["devices"]["same"] is True and data["predicted"] == {"a": None, "b": None, "same": True}
    again = run_cli("-q", "diff", a_path, b_path, "--json")
    assert (again.exit_code, again.stdout, again.stderr) == (0, result.stdout, "")
    quiet = run_cli("-q", "diff", a_path, b_path)
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")


def test_predicted_costs_side_by_side(plans, tmp_path, run_cli):
    (a, _), (b, _) = plans["default"], plans["ruled"]
    a_path = replace(a, predicted=Predicted(ms=2.0, measured_ms=2.5, source="calibrated")).save(
        tmp_path / "a.plan.json"
    )
    b_path = replace(b, predicted=Predicted(ms=1.5, default_ms=2.0)).save(tmp_path / "b.plan.json")
    diff = diff_from_files(a_path, b_path)
    assert diff.predicted_ms == Change(2.0, 1.5) and diff.predicted_ms.delta == -0.5
    assert diff.predicted_ms.ratio == 0.75 and diff.measured_ms == Change(2.5, None)
    assert diff.predicted.a.source == "calibrated" and diff.predicted.b.default_ms == 2.0

    result = run_cli("diff", a_path, b_path)
    assert result.exit_code == 0, result.stderr
    assert "Predicted   2.000 ms → 1.500 ms (-0.500 ms, 0.75x)   measured 2.500 ms → none" in result.stdout
    data = json.loads(run_cli("diff", a_path, b_path, "--json").stdout)
    assert data["predicted_ms"] == {"a": 2.0, "b": 1.5, "delta": -0.5, "ratio": 0.75}
    assert data["measured_ms"] == {"a": 2.5, "b": None, "delta": None}
    assert data["predicted"]["a"]["ms"] == 2.0 and data["predicted"]["same"] is False

    one_sided = run_cli("diff", plans["default"][1], b_path)
    assert "Predicted   none → 1.500 ms" in one_sided.stdout.splitlines()


def test_change_of_unknown_figures():
    """A dynamic cut size (``None``) has no delta or ratio, and is shown as dynamic."""
    from hetero_tool.cli.console import format_bytes
    from hetero_tool.cli.diff import _change

    assert Change(None, 2048).delta is None and Change(None, 2048).ratio is None
    assert Change(0, 3.0).ratio is None and Change(2, 3).ratio == 1.5
    assert _change(Change(None, 2048), lambda n: format_bytes(n, "dynamic")) == "dynamic → 2.0 KiB"
    assert _change(Change(3, 3)) == "3 (same)" and _change(Change(5, 2)) == "5 → 2 (-3)"
