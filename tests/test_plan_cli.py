"""``hetero-tool plan`` and ``devices``: output, the plan file, rules and maps, and every bad input."""

from __future__ import annotations

import json

import pytest

from hetero_tool.ir import parse_ir
from hetero_tool.loaders import plan_from_files
from hetero_tool.plan import Plan, load_plan
from tests.test_bad_input import assert_one_line_error


def test_devices_lists_real_devices_and_profiles(run_cli):
    result = run_cli("devices")
    assert result.exit_code == 0
    for needle in ("CPU", "npu", "gpu", "cpu", "emulated"):
        assert needle in result.stdout
    data = json.loads(run_cli("devices", "--json").stdout)
    assert "CPU" in [d["name"] for d in data["devices"]] and {p["name"] for p in data["profiles"]} == {
        "cpu",
        "npu",
        "gpu",
    }


def test_plan_human_output_and_file(run_cli, sample_paths, tmp_path):
    out = tmp_path / "detector.plan.json"
    result = run_cli("plan", sample_paths["detector"], "-d", "HETERO:NPU,CPU", "--emulate", "NPU", "-o", out)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    for needle in (
        "HETERO:NPU,CPU",
        "emulated (npu profile",
        "Subgraphs",
        "Fallback",
        "NonMaxSuppression",
        "static shapes",
        "Plan written",
    ):
        assert needle in text, needle
    plan = json.loads(out.read_text())
    assert plan["schema_version"] == 1 and plan["subgraph_count"] == len(plan["subgraphs"])
    assert plan["devices"][0] == {
        "name": "NPU",
        "emulated": True,
        "profile": "npu",
        "ov_name": "NPU_CPU",
        "config": plan["devices"][0]["config"],
    }
    assert plan["affinity"]["nms"] == "CPU"
    nms = next(layer for layer in plan["layers"] if layer["name"] == "nms")
    assert nms["source"] == "fallback" and "NPU" in nms["rejected"]
    assert all({"id", "device", "layers"} <= set(sg) for sg in plan["subgraphs"])
    assert all({"producer", "consumers", "devices", "bytes"} <= set(cut) for cut in plan["cuts"])
    assert plan["model"]["sha256"] and plan["cost"] is None


def test_plan_json_on_stdout(run_cli, sample_paths):
    result = run_cli("plan", sample_paths["mobilenet"], "-d", "CPU", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["subgraph_count"] == 1 and set(data["affinity"].values()) == {"CPU"}


def test_a_plan_reads_back_from_its_json_as_it_was(sample_paths, tmp_path):
    """What a plan writes (its file, its JSON data) rebuilds an equal plan: decisions, subgraphs, cuts."""
    rules = tmp_path / "rules.toml"
    rules.write_text(
        'schema_version = 1\n[[rule]]\nname = "r"\nmatch = { types = ["Softmax"] }\npin = "CPU"\n'
    )
    plan = plan_from_files(sample_paths["mobilenet"], devices="NPU,CPU", emulate="NPU", rules=rules)
    assert plan.subgraph_count > 1 and plan.partition.cuts and any(d.rule for d in plan.decisions.values())
    assert Plan.from_json(plan.to_json()) == plan
    assert load_plan(plan.save(tmp_path / "p.json"), parse_ir(sample_paths["mobilenet"])) == plan


def test_rules_pin_and_report_provenance(run_cli, sample_paths, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(
        'schema_version = 1\n[[rule]]\nname = "softmax on CPU"\nmatch = { types = ["Softmax"] }\n'
        'pin = "CPU"\n[[rule]]\nname = "head"\nmatch = { between = ["head/conv", "classifier/fc1"] }\n'
        'pin = "CPU"\n'
    )
    out = tmp_path / "p.json"
    result = run_cli(
        "plan", sample_paths["mobilenet"], "-d", "NPU,CPU", "--emulate", "NPU", "--rules", rules, "-o", out
    )
    assert result.exit_code == 0, result.stderr
    assert "Pinned" in result.stdout and "rule 'softmax on CPU'" in result.stdout
    plan = json.loads(out.read_text())
    layers = {layer["name"]: layer for layer in plan["layers"]}
    assert layers["classifier/softmax"]["rule"] == "softmax on CPU"
    assert layers["head/conv"]["device"] == "CPU" and layers["head/conv"]["rule"] == "head"


def test_rule_matching_nothing_is_a_warning(run_cli, sample_paths, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(
        'schema_version = 1\n[[rule]]\nname = "ghost"\nmatch = { types = ["Einsum"] }\npin = "CPU"\n'
    )
    result = run_cli("plan", sample_paths["mobilenet"], "-d", "CPU", "--rules", rules)
    assert result.exit_code == 0
    assert "warning: rule 'ghost' matches no layer" in result.stderr


def test_affinity_map(run_cli, sample_paths, tmp_path):
    amap = tmp_path / "map.json"
    amap.write_text(json.dumps({"classifier/softmax": "CPU", "stem/conv": "CPUX"}))
    out = tmp_path / "p.json"
    result = run_cli(
        "plan",
        sample_paths["mobilenet"],
        "-d",
        "CPUX,CPU",
        "--emulate",
        "CPUX=cpu",
        "--affinity",
        amap,
        "-o",
        out,
    )
    assert result.exit_code == 0, result.stderr
    layers = {layer["name"]: layer for layer in json.loads(out.read_text())["layers"]}
    assert layers["classifier/softmax"]["device"] == "CPU" and layers["classifier/softmax"]["source"] == "map"
    assert layers["stem/conv/weights"]["source"] in ("follows", "fallback")


# -- bad input -----------------------------------------------------------------------------------------------


def _rules(tmp_path, text):
    path = tmp_path / "rules.toml"
    path.write_text("schema_version = 1\n" + text)
    return path


@pytest.mark.parametrize(
    "args, needles",
    [
        (["-d", "HETERO:FOO,CPU"], ["unknown device 'FOO'", "--emulate FOO"]),
        (["-d", "HETERO:CPU,,GPU"], ["empty entry"]),
        (["-d", "CPU", "--emulate", "XPU"], ["no built-in profile 'xpu'"]),
        (["-d", "NPU,CPU", "--emulate", "NPU=missing.toml"], ["missing.toml", "no such file"]),
        (["-d", "NPU"], ["unknown device 'NPU'"]),
    ],
)
def test_bad_devices(run_cli, sample_paths, args, needles):
    assert_one_line_error(run_cli("plan", sample_paths["mobilenet"], *args), *needles)


def test_layer_no_device_can_run(run_cli, sample_paths):
    result = run_cli("plan", sample_paths["detector"], "-d", "NPU", "--emulate", "NPU")
    assert_one_line_error(
        result, "layer", "'nms'", "NonMaxSuppression", "runs on none of the devices", "NPU:", "static shapes"
    )


def test_rule_with_unknown_device(run_cli, sample_paths, tmp_path):
    rules = _rules(tmp_path, '[[rule]]\nname = "to gpu"\nmatch = { types = ["Softmax"] }\npin = "GPU"\n')
    result = run_cli("plan", sample_paths["mobilenet"], "-d", "CPU", "--rules", rules)
    assert_one_line_error(result, "rule 'to gpu'", "GPU", "not in the device list")


def test_pin_to_a_device_that_cannot_run_the_layer(run_cli, sample_paths, tmp_path):
    rules = _rules(
        tmp_path, '[[rule]]\nname = "nms on npu"\nmatch = { types = ["NonMaxSuppression"] }\npin = "NPU"\n'
    )
    result = run_cli("plan", sample_paths["detector"], "-d", "NPU,CPU", "--emulate", "NPU", "--rules", rules)
    assert_one_line_error(result, "rule 'nms on npu'", "pins layers to NPU", "'nms'", "cannot run")


def test_pin_and_forbid_contradict(run_cli, sample_paths, tmp_path):
    rules = _rules(
        tmp_path,
        '[[rule]]\nname = "a"\nmatch = { types = ["Softmax"] }\npin = "CPU"\n'
        '[[rule]]\nname = "b"\nmatch = { types = ["Softmax"] }\nforbid = ["CPU"]\n',
    )
    result = run_cli("plan", sample_paths["mobilenet"], "-d", "NPU,CPU", "--emulate", "NPU", "--rules", rules)
    assert_one_line_error(result, "rule 'a' pins", "'classifier/softmax'", "forbidden by rule 'b'")


@pytest.mark.parametrize(
    "text, needles",
    [
        ("[[rule]]\nmatch = { types = ['Relu'] }\n", ["rule 1", "exactly one of pin or forbid"]),
        (
            "[[rule]]\nname = 'x'\nmatch = { colour = 'red' }\npin = 'CPU'\n",
            ["rule 'x'", "unknown match key 'colour'"],
        ),
        ("[[rule]]\nname = 'x'\nmatch = { regex = '(' }\npin = 'CPU'\n", ["rule 'x'", "regex"]),
        ("[[rule]]\nname = 'x'\nmatch = { between = ['a'] }\npin = 'CPU'\n", ["rule 'x'", "between"]),
        ("[[rule\n", ["not valid TOML"]),
        ("", ["no [[rule]] tables"]),
    ],
)
def test_bad_rules_files(run_cli, sample_paths, tmp_path, text, needles):
    rules = _rules(tmp_path, text)
    assert_one_line_error(
        run_cli("plan", sample_paths["mobilenet"], "-d", "CPU", "--rules", rules), "rules.toml", *needles
    )


def test_between_names_a_missing_layer(run_cli, sample_paths, tmp_path):
    rules = _rules(
        tmp_path, "[[rule]]\nname = 'r'\nmatch = { between = ['stem/conv', 'nope'] }\npin = 'CPU'\n"
    )
    assert_one_line_error(
        run_cli("plan", sample_paths["mobilenet"], "-d", "CPU", "--rules", rules),
        "rule 'r'",
        "'nope'",
        "not a layer",
    )


@pytest.mark.parametrize(
    "content, needles",
    [
        ('{"no such layer": "CPU"}', ["map.json", "'no such layer'", "not in 'mobilenet'"]),
        ('{"stem/conv": "GPU"}', ["affinity map", "GPU", "not in the device list"]),
        ('["stem/conv"]', ["map.json", "JSON object"]),
        ("{oops", ["map.json", "not valid JSON"]),
    ],
)
def test_bad_affinity_maps(run_cli, sample_paths, tmp_path, content, needles):
    amap = tmp_path / "map.json"
    amap.write_text(content)
    assert_one_line_error(
        run_cli("plan", sample_paths["mobilenet"], "-d", "CPU", "--affinity", amap), *needles
    )


def test_plan_for_another_model_is_refused(sample_paths, tmp_path, run_cli):
    from hetero_tool.ir import parse_ir

    out = tmp_path / "p.json"
    assert run_cli("plan", sample_paths["mobilenet"], "-d", "CPU", "-o", out).exit_code == 0
    with pytest.raises(Exception, match="made for 'mobilenet'"):
        load_plan(out, parse_ir(sample_paths["detector"]))


def test_output_never_overwrites_the_model(run_cli, sample_paths, tmp_path):
    xml = tmp_path / "m.xml"
    xml.write_bytes(sample_paths["mobilenet"].read_bytes())
    xml.with_suffix(".bin").write_bytes(sample_paths["mobilenet"].with_suffix(".bin").read_bytes())
    before = xml.read_bytes()
    assert_one_line_error(
        run_cli("plan", xml, "-d", "CPU", "-o", xml.with_suffix(".bin")), "would overwrite an input"
    )
    assert xml.read_bytes() == before
