"""The CLI surface: --version, --help everywhere, -v/-q, inspect's human and JSON output, demo."""

from __future__ import annotations

import json

import openvino as ov
import pytest
import typer

from hetero_tool import __version__
from hetero_tool.cli.app import app

COMMANDS = sorted(cmd.name for cmd in app.registered_commands)


def test_version(run_cli):
    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"hetero-tool {__version__} (OpenVINO {ov.get_version()})"


@pytest.mark.parametrize(("args", "exit_code"), [([], 2), (["--help"], 0), (["-h"], 0)])
def test_root_help_lists_commands(run_cli, args, exit_code):
    """Asked for, help is a success; with no command at all it is shown as a usage error (click's exit 2)."""
    result = run_cli(*args)
    text = result.stdout + result.stderr
    assert result.exit_code == exit_code
    for command in COMMANDS:
        assert command in text
    for option in ("--verbose", "--quiet", "--version"):
        assert option in text


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(run_cli, command):
    """Each command's help gives its own summary and every one of its options (long and short names)."""
    result = run_cli(command, "--help")
    assert result.exit_code == 0, result.stderr
    definition = typer.main.get_command(app).commands[command]
    summary = " ".join(definition.help.split()).partition(";")[0][:40]
    assert summary in " ".join(result.stdout.split())
    for param in definition.params:
        for name in param.opts if param.param_type_name == "option" else (param.name.upper(),):
            assert name in result.stdout, (command, name)


def test_verbose_and_quiet_exclude_each_other(run_cli, write_ir):
    result = run_cli("-v", "-q", "inspect", write_ir())
    assert result.exit_code == 2 and "exclude each other" in result.stderr


def test_inspect_human(run_cli, sample_paths):
    result = run_cli("inspect", sample_paths["mobilenet"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for needle in (
        "Model",
        "mobilenet",
        "IR v11",
        "Layers",
        "Edges",
        "Weights",
        "static",
        "Inputs",
        "image",
        "[1,3,64,64]",
        "Outputs",
        "Op types",
        "HSwish",
    ):
        assert needle in out, needle


def test_inspect_json(run_cli, sample_paths):
    result = run_cli("inspect", "--json", sample_paths["transformer"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    model = ov.Core().read_model(sample_paths["transformer"])
    ops = model.get_ordered_ops()
    assert data["layers"] == len(ops)
    assert data["edges"] == sum(len(op.inputs()) for op in ops)
    assert data["op_types"]["MatMul"] == sum(op.get_type_name() == "MatMul" for op in ops)
    assert data["dynamic"] is False and isinstance(data["weights_bytes"], int) and data["weights_bytes"] > 0
    assert data["inputs"][0]["name"] == "input_ids" and data["inputs"][0]["element_type"] == "i64"
    assert {"layers", "edges", "op_types", "inputs", "outputs", "weights_bytes", "dynamic"} <= set(data)


def test_quiet_keeps_results(run_cli, sample_paths):
    result = run_cli("-q", "inspect", "--json", sample_paths["detector"])
    assert result.exit_code == 0 and json.loads(result.stdout)["name"] == "detector"


def test_quiet_silences_tables_and_warnings(run_cli, sample_paths, tmp_path):
    """-q: nothing on stdout or stderr but the file asked for."""
    plan = tmp_path / "p.json"
    loud = run_cli("plan", sample_paths["detector"], "-d", "HETERO:NPU,CPU", "--emulate", "NPU")
    quiet = run_cli(
        "-q", "plan", sample_paths["detector"], "-d", "HETERO:NPU,CPU", "--emulate", "NPU", "-o", plan
    )
    assert loud.exit_code == quiet.exit_code == 0 and "Subgraphs" in loud.stdout
    assert (quiet.stdout, quiet.stderr) == ("", "") and json.loads(plan.read_text())["model"][
        "name"
    ] == "detector"


def test_quiet_keeps_the_error_line(run_cli, tmp_path):
    result = run_cli("-q", "inspect", tmp_path / "missing.xml")
    assert result.exit_code == 2 and result.stderr.startswith("error:") and "missing.xml" in result.stderr


@pytest.mark.parametrize("verbose", [False, True])
def test_internal_error_is_one_line_or_a_traceback(run_cli, sample_paths, monkeypatch, verbose):
    """A bug (here: a library function failing in a way it never should) is one line, with the hint to
    run with --verbose only when it was not given; with it, the traceback comes first."""

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("hetero_tool.ir.summary.ModelSummary.to_json", broken)
    result = run_cli(*(["--verbose"] if verbose else []), "inspect", "--json", sample_paths["detector"])
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: internal error: ZeroDivisionError: division by zero")
    assert ("--verbose" in last) is not verbose
    assert ("Traceback" in result.stderr) is verbose


@pytest.mark.slow  # a calibration and a measured optimization: half a minute
def test_demo(run_cli, tmp_path):
    out = tmp_path / "demo"
    result = run_cli("demo", "--output-dir", out, "--time", "0.3")
    assert result.exit_code == 0, result.stderr
    for name in ("mobilenet", "transformer", "detector", "control_flow"):
        assert (out / f"{name}.xml").is_file() and name in result.stdout
    assert (
        "Op types" in result.stdout
        and "Latency (ms)" in result.stdout
        and "Perf counters: plan" in result.stdout
    )
    for name in ("mobilenet", "detector"):
        assert (out / "dots" / name / f"hetero_subgraphs_{name}.dot").is_file()
        assert (out / f"{name}.report.html").is_file()
        assert (out / "model_explorer" / f"{name}.me-graph.json").is_file()
    bench = json.loads((out / "mobilenet.bench.json").read_text())
    assert (
        bench["runs"][0]["verification"]["actual_submodels"]
        == bench["runs"][0]["verification"]["expected_submodels"]
    )
    assert 'id="timing"' in (out / "mobilenet.report.html").read_text()
    # The optimize step: calibrated, optimized, measured against HETERO's default, planned and reported.
    assert "Optimizing the mobilenet split" in result.stdout and "--shape [1,3,224,224]" in result.stdout
    assert "Optimized (latency; figures calibrated)" in result.stdout and "measured" in result.stdout
    assert (out / "mobilenet.cost.json").is_file()
    optimized = json.loads((out / "mobilenet.optimized.plan.json").read_text())
    predicted = optimized["predicted"]
    assert optimized["model"]["shapes"] == {"": "[1,3,224,224]"} and predicted["source"] == "calibrated"
    assert predicted["measured_ms"] > 0 and predicted["measured"]["HETERO default"] > 0
    page = (out / "mobilenet.optimized.report.html").read_text()
    assert 'id="optimized"' in page and 'id="measured-ratio"' in page


def test_inspect_reports_dropped_layers(run_cli, write_ir):
    from tests.conftest import TINY_EDGES, TINY_LAYERS, tiny_ir_text

    dead = """<layer id="9" name="dead_end" type="ReLU" version="opset1">
  <input><port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port></input>
  <output><port id="1" precision="FP32"><dim>1</dim><dim>4</dim></port></output></layer>
"""
    xml = write_ir(
        tiny_ir_text(
            TINY_LAYERS + dead, TINY_EDGES + '<edge from-layer="2" from-port="2" to-layer="9" to-port="0"/>\n'
        )
    )
    human = run_cli("inspect", xml)
    assert human.exit_code == 0 and "Dropped  1 layers" in human.stdout and "dead_end" in human.stdout
    data = json.loads(run_cli("inspect", "--json", xml).stdout)
    assert data["unreachable_layers"] == ["dead_end"] and data["layers"] == 5
