"""The tool's views and their rendering: every view on every example, the size policy, the timeout
fallback."""

from __future__ import annotations

import json

import openvino as ov
import pytest

from hetero_tool.ir import parse_ir
from hetero_tool.loaders import plan_from_files
from hetero_tool.plan import load_plan
from hetero_tool.report.render import FULL_LIMIT, choose_view, render_plan
from hetero_tool.report.views import view_from_plan
from hetero_tool.samples import SAMPLES, build_encoder_stack
from tests.test_bad_input import assert_one_line_error
from tests.test_partition_agreement import RULES

VIEWS = ("full", "clustered", "collapsed", "subgraph:0")


@pytest.fixture(scope="module")
def plans(sample_paths, tmp_path_factory):
    """A multi-subgraph plan per example model (GPU-profile NPU next to the CPU, with rules)."""
    rules = tmp_path_factory.mktemp("rules") / "rules.toml"
    rules.write_text(RULES)
    return {
        name: (parse_ir(xml), plan_from_files(xml, devices="NPU,CPU", emulate=["NPU=gpu"], rules=rules))
        for name, xml in sample_paths.items()
    }


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_view_renders_as_svg(plans, name, view):
    ir, plan = plans[name]
    drawn = render_plan(ir, plan, view=view)
    assert drawn.view == view and drawn.data.startswith(b"<?xml") and b"<svg" in drawn.data
    for device in plan.devices:
        assert f"legend_{device.name}".encode() in drawn.data  # the legend is in every picture


@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_png_and_pdf(plans, fmt, magic):
    ir, plan = plans["mobilenet"]
    assert render_plan(ir, plan, view="clustered", fmt=fmt).data.startswith(magic)


def test_views_and_their_json_twins_agree_with_the_plan(plans):
    ir, plan = plans["mobilenet"]
    full = view_from_plan(ir, plan, "full")
    shown = {lid for lid, layer in ir.layers.items() if layer.ir_type != "Const"}
    assert full.nodes == len(full.data["nodes"]) == len(shown)
    assert {n["layer"]: n["device"] for n in full.data["nodes"]} == {
        lid: plan.partition.device_of[lid] for lid in shown
    }
    cut_edges = {
        (e.src, e.dst)
        for e in ir.edges
        if e.src in shown
        and e.dst in shown
        and plan.partition.subgraph_of.get(e.src) != plan.partition.subgraph_of.get(e.dst)
    }
    assert {(int(e["from"][1:]), int(e["to"][1:])) for e in full.data["edges"] if e["cut"]} == cut_edges
    collapsed = view_from_plan(ir, plan, "collapsed")
    assert collapsed.nodes == plan.subgraph_count
    assert sum(e["tensors"] for e in collapsed.data["edges"]) == sum(
        len(c.to_subgraphs) for c in plan.partition.cuts
    )
    with_constants = view_from_plan(ir, plan, "full", show_constants=True)
    assert with_constants.nodes == len(ir.layers)


def test_a_subgraph_view_has_stubs_for_its_boundary(plans):
    ir, plan = plans["mobilenet"]
    k = next(
        sg.index
        for sg in plan.partition.subgraphs
        if any(sg.index in c.to_subgraphs for c in plan.partition.cuts)
    )
    view = view_from_plan(ir, plan, f"subgraph:{k}")
    stubs = {e["from"] for e in view.data["edges"] if e["from"].startswith("in")}
    assert len(stubs) == sum(k in c.to_subgraphs for c in plan.partition.cuts)
    assert {n["subgraph"] for n in view.data["nodes"]} == {k}


def test_views_are_deterministic(plans):
    ir, plan = plans["transformer"]
    for view in VIEWS:
        assert view_from_plan(ir, plan, view).dot == view_from_plan(ir, plan, view).dot


def test_size_policy():
    assert choose_view(FULL_LIMIT)[0] == "full"
    assert choose_view(FULL_LIMIT + 1)[0] == "clustered"
    assert choose_view(15_001)[0] == "collapsed"


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A 3,000-layer transformer-like IR and a plan with an island per attention block."""
    xml = tmp_path_factory.mktemp("big") / "big.xml"
    ov.save_model(build_encoder_stack(3_000), xml, compress_to_fp16=False)
    rules = xml.with_name("rules.toml")
    rules.write_text(
        'schema_version = 1\n[[rule]]\nname = "softmax off the NPU"\nmatch = { types = ["Softmax"] }\n'
        'forbid = ["NPU"]\n'
    )
    return parse_ir(xml), plan_from_files(xml, devices="NPU,CPU", emulate=["NPU"], rules=rules)


def test_a_layout_past_its_timeout_falls_back_to_the_collapsed_view(big):
    """A timeout no layout can meet (starting the layout process alone takes longer) forces the fallback."""
    ir, plan = big
    drawn = render_plan(ir, plan, view="full", timeout=0.001)
    assert drawn.view == "collapsed" and drawn.requested == "full"
    assert "took over 0.001 s" in drawn.note and b"<svg" in drawn.data


def test_auto_picks_by_size(big):
    ir, plan = big
    drawn = render_plan(ir, plan, timeout=120)
    assert drawn.view == "clustered" and "cluster per subgraph" in drawn.note


# -- CLI -----------------------------------------------------------------------------------------------------


def test_dot_command_writes_openvino_dumps_views_and_twins(run_cli, sample_paths, tmp_path):
    plan = tmp_path / "p.json"
    assert (
        run_cli("plan", sample_paths["detector"], "-d", "NPU,CPU", "--emulate", "NPU", "-o", plan).exit_code
        == 0
    )
    result = run_cli("dot", sample_paths["detector"], "--plan", plan, "--output-dir", tmp_path / "dots")
    assert result.exit_code == 0, result.stderr
    files = sorted(p.name for p in (tmp_path / "dots").iterdir())
    assert files == sorted(
        ["hetero_affinity_detector.dot", "hetero_subgraphs_detector.dot"]
        + [f"detector.{v}.{ext}" for v in ("full", "clustered", "collapsed") for ext in ("dot", "json")]
    )
    twin = json.loads((tmp_path / "dots" / "detector.collapsed.json").read_text())
    assert twin["view"] == "collapsed" and len(twin["nodes"]) == load_plan(plan).subgraph_count


def test_render_command_says_which_view_and_why(run_cli, sample_paths, tmp_path):
    plan = tmp_path / "p.json"
    run_cli("plan", sample_paths["mobilenet"], "-d", "CPU", "-o", plan)
    out = tmp_path / "m.png"
    result = run_cli("render", sample_paths["mobilenet"], "--plan", plan, "-f", "png", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "full view" in result.stdout and "fit a full drawing" in result.stdout
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "args, needles",
    [
        (["--view", "sideways"], ["unknown view 'sideways'"]),
        (["--format", "gif"], ["unknown format 'gif'"]),
        (["--view", "subgraph:9"], ["subgraphs 0..0"]),
    ],
)
def test_render_bad_options(run_cli, sample_paths, tmp_path, args, needles):
    plan = tmp_path / "p.json"
    run_cli("plan", sample_paths["mobilenet"], "-d", "CPU", "-o", plan)
    out = tmp_path / "m.svg"
    assert_one_line_error(
        run_cli("render", sample_paths["mobilenet"], "--plan", plan, "-o", out, *args), *needles
    )
    assert not out.exists()


def test_render_refuses_a_plan_for_another_model(run_cli, sample_paths, tmp_path):
    plan = tmp_path / "p.json"
    run_cli("plan", sample_paths["mobilenet"], "-d", "CPU", "-o", plan)
    assert_one_line_error(
        run_cli("render", sample_paths["detector"], "--plan", plan, "-o", tmp_path / "x.svg"),
        "made for 'mobilenet'",
    )
