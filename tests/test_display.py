"""The notebook displays and the placement strip: what they show, that they stay small at any size, and that
the CLI never loads them.

The strip is checked on its drawing (the canvas's boxes), not on pixels: which device fills which columns, a
tick per boundary, the bytes and times labelled. The displays are checked on their text, as a notebook front
end would call them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from importlib import resources

import openvino as ov
import pytest

from hetero_tool.diff import diff_plans
from hetero_tool.display.canvas import Box, Label, dot_from_canvas, svg_from_canvas
from hetero_tool.display.card import INLINE_LIMIT, inline_picture
from hetero_tool.display.palette import device_style
from hetero_tool.display.strip import (
    BYTES_BAND,
    LEFT,
    TIME_BAND,
    WIDTH,
    Segment,
    Strip,
    StripRow,
    row_from_partition,
)
from hetero_tool.errors import InputError
from hetero_tool.ir import parse_ir
from hetero_tool.loaders import plan_from_files
from hetero_tool.partition import collect_subgraphs
from hetero_tool.report.render import Rendering, render_strip, strip_from_plans
from hetero_tool.report.views import GraphView
from hetero_tool.runtime.bench import run_bench
from hetero_tool.runtime.results import BenchConfig
from hetero_tool.samples import build_resnext_stack, save_samples

RULES = resources.files("hetero_tool.data") / "activations_off_npu.toml"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return save_samples(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def plans(models):
    """HETERO's automatic placement of the MobileNet (one subgraph) and the hard-swish family on the CPU
    (20 subgraphs)."""
    auto = plan_from_files(models["mobilenet"], devices="NPU,CPU", emulate="NPU")
    ruled = plan_from_files(models["mobilenet"], devices="NPU,CPU", emulate="NPU", rules=RULES)
    return auto, ruled


@pytest.fixture(scope="module")
def bench(models, plans):
    """A real (very short) bench of the ruled plan with perf counters."""
    ir = parse_ir(models["mobilenet"])
    return run_bench(ir, [("rules", plans[1])], BenchConfig(time_s=0.2, rounds=1, perf_counters=True))


def device_boxes(strip: Strip, row: int = 0) -> list[Box]:
    """The device band's boxes of ``row`` (they carry a subgraph tooltip and stand in the band's rows)."""
    tops = sorted({b.y for b in strip.canvas.items if isinstance(b, Box) and b.height == 22})
    return [
        b
        for b in strip.canvas.items
        if isinstance(b, Box) and tops[row] <= b.y < tops[row] + 22 and b.title.startswith("subgraph")
    ]


def test_strip_colours_each_subgraph_in_execution_order(plans):
    _, ruled = plans
    strip = ruled.strip
    boxes = device_boxes(strip)
    # Each subgraph of the MobileNet is wider than a pixel column: one run of boxes per subgraph, in order, in
    # its device's colour, the whole width covered.
    fills = [b.fill for b in boxes if b.width >= 1 and b.height == 22]
    runs = [fill for k, fill in enumerate(fills) if k == 0 or fills[k - 1] != fill]
    expected = [device_style(sg.device).fill for sg in ruled.partition.subgraphs]
    assert runs == [fill for k, fill in enumerate(expected) if k == 0 or expected[k - 1] != fill]
    covered = sum(b.width * b.height for b in boxes) / 22
    assert covered == pytest.approx(WIDTH)
    # Each subgraph's box says it is that subgraph, not a range (no rounding sliver of a neighbour).
    named = [b.title.split(" · ")[0] for b in boxes if b.height == 22]
    assert named == [f"subgraph {sg.index}" for sg in ruled.partition.subgraphs]
    # A tick above the band at every boundary.
    ticks = [b for b in strip.canvas.items if isinstance(b, Box) and b.title.startswith("boundary before")]
    assert len({b.x for b in ticks if b.height == 4}) == ruled.subgraph_count - 1


def test_strip_labels_the_costliest_boundaries(plans):
    _, ruled = plans
    labels = [item.text for item in ruled.strip.canvas.items if isinstance(item, Label)]
    inbound = {sg: nbytes for sg, (nbytes, _) in ruled.partition.subgraph_bytes.items()}
    top = max(inbound, key=lambda sg: (inbound[sg] or 0, -sg))
    assert any("→" in text and f"sg {top}: " in text for text in labels), labels
    assert "NPU (emulated: npu profile on the CPU plugin)" in labels
    assert any("20 subgraphs" in text for text in labels)


def test_stacked_plans_share_one_scale_and_the_bench_adds_times(plans, bench):
    auto, ruled = plans
    strip = strip_from_plans([auto, ruled], labels=["auto", "rules"], bench=bench)
    # The bench's "HETERO automatic" run is the automatic plan: a run matches a plan by its placement.
    assert len(strip.rows[0].times_ms) == 1
    profiled = {sg.index: sg.time_ms for sg in bench.run("rules").profile.subgraphs}
    assert strip.rows[1].times_ms == tuple(profiled.get(k, 0.0) for k in range(ruled.subgraph_count))
    slowest = max(profiled, key=lambda k: (profiled[k], -k))
    texts = [item.text for item in strip.canvas.items if isinstance(item, Label)]
    assert any(text.startswith(f"sg {slowest}: ") for text in texts)
    # One axis, under the last row, for rows of one unit.
    assert texts.count("layers, in order") == 1
    cpu_first = plan_from_files(auto.model_path, devices="CPU,NPU", emulate="NPU")
    with pytest.raises(InputError, match="no run of the bench timed these plans"):
        strip_from_plans([cpu_first], bench=bench)


def test_stacked_rows_share_their_band_scales():
    """Bars of two rows of one unit are drawn against the largest of either: equal heights mean equal
    figures."""
    small = StripRow("a", (Segment(0, "NPU", 10), Segment(1, "CPU", 10, 1000, (0,))), times_ms=(0.1, 0.1))
    large = StripRow("b", (Segment(0, "NPU", 10), Segment(1, "CPU", 10, 4000, (0,))), times_ms=(0.4, 0.2))
    strip = Strip((small, large), (("NPU", "NPU"), ("CPU", "CPU")))
    bars = [b for b in strip.canvas.items if isinstance(b, Box) and "copied in at this boundary" in b.title]
    assert [round(b.height, 3) for b in bars] == [round(BYTES_BAND / 4, 3), BYTES_BAND]
    times = [
        b
        for b in strip.canvas.items
        if isinstance(b, Box) and b.title.startswith("subgraph ") and " ms" in b.title
    ]
    assert max(b.height for b in times[:2]) == pytest.approx(TIME_BAND / 4)


def test_dynamic_sizes_are_marked_not_hidden():
    row = StripRow("dyn", (Segment(0, "NPU", 10), Segment(1, "CPU", 10, None, (0,))))
    items = Strip((row,), (("NPU", "NPU"),)).canvas.items
    assert any(isinstance(b, Box) and b.title == "a dynamic size is copied in here" for b in items)
    texts = [i.text for i in items if isinstance(i, Label)]
    assert "the sizes copied are dynamic" in texts and "nothing is copied between subgraphs" not in texts


def test_boundaries_whiten_the_band_only_between_wide_subgraphs():
    # 1,000 subgraphs of 5 µs on a time row: a pixel and a bit each, too narrow for white gaps.
    row = StripRow("t", tuple(Segment(k, "NPU", 0.005) for k in range(1000)), unit="ms")
    items = Strip((row,), (("NPU", "NPU"),)).canvas.items
    assert not any(isinstance(b, Box) and b.fill == "#FFFFFF" and b.height == 22 for b in items)
    wide = StripRow("w", (Segment(0, "NPU", 5), Segment(1, "NPU", 5)))
    items = Strip((wide,), (("NPU", "NPU"),)).canvas.items
    assert sum(isinstance(b, Box) and b.fill == "#FFFFFF" and b.height == 22 for b in items) == 1


def test_long_titles_and_legends_stay_inside_the_picture():
    legend = tuple(
        (f"DEV{k}", f"DEV{k} (emulated: a rather long profile name, number {k})") for k in range(6)
    )
    row = StripRow("x" * 300, (Segment(0, "DEV0", 3),))
    canvas = Strip((row,), legend).canvas
    assert canvas.items[0] == Box(0, 0, canvas.width, canvas.height, "#FFFFFF")  # a white ground
    for item in canvas.items:
        if isinstance(item, Label) and item.anchor == "start":
            width = len(item.text) * item.size * (0.6 if item.bold else 0.56)
            assert item.x + width <= canvas.width + 1, item
    assert len({i.y for i in canvas.items if isinstance(i, Label) and i.text.startswith("DEV")}) > 1


def test_a_mixed_column_is_split_in_its_devices_shares():
    # 2,000 one-layer subgraphs alternating NPU/CPU, then 2,000 layers on the NPU: the first half of the axis
    # is mixed half and half, the second one NPU box.
    segments = [Segment(k, "NPU" if k % 2 == 0 else "CPU", 1) for k in range(2000)]
    segments.append(Segment(2000, "NPU", 2000))
    strip = Strip((StripRow("mixed", tuple(segments)),), (("NPU", "NPU"), ("CPU", "CPU")))
    boxes = device_boxes(strip)
    slices = [b for b in boxes if b.width == 1 and b.height < 22]
    assert len(slices) == 2 * (WIDTH // 2)
    columns: dict[float, list[Box]] = {}
    for b in slices:
        columns.setdefault(b.x, []).append(b)
    for column in columns.values():  # about 4.8 layers a column: shares near half and half, adding up
        assert sum(b.height for b in column) == pytest.approx(22)
        assert all(8 < b.height < 14 for b in column)
    assert re.search(r"NPU \d+ %, CPU \d+ %|CPU \d+ %, NPU \d+ %", slices[0].title)
    (solid,) = [b for b in boxes if b.height == 22]
    assert (solid.x, solid.width, solid.fill) == (LEFT + WIDTH // 2, WIDTH // 2, device_style("NPU").fill)


@pytest.mark.slow
def test_strip_of_25000_layers_stays_small(tmp_path):
    """At 25,000 layers and 9,000 subgraphs the drawing is bounded by the pixel columns, not the layers."""
    xml = tmp_path / "cnn.xml"
    ov.save_model(build_resnext_stack(25_000), xml, compress_to_fp16=False)
    ir = parse_ir(xml)
    affinity = {lid: "CPU" if layer.type == "Relu" else "NPU" for lid, layer in ir.layers.items()}
    partition = collect_subgraphs(ir, affinity)
    assert partition.count > 5_000
    strip = Strip((row_from_partition(partition, "Relu on the CPU", times_ms={0: 1.0}),), (("NPU", "NPU"),))
    assert strip.rows[0].total >= 15_000  # layers drawn: the 25,000 but the Constants
    assert len(strip.canvas.items) < 6 * WIDTH
    assert len(strip.svg.encode()) < INLINE_LIMIT
    drawn = render_strip(strip, "png")
    assert drawn.data[:4] == b"\x89PNG" and drawn.nodes == len(strip.canvas.items)


def test_canvas_writes_svg_and_pinned_graphviz():
    strip = Strip((StripRow("t", (Segment(0, "NPU", 3), Segment(1, "CPU", 1, 16, (0,)))),), (("NPU", "NPU"),))
    svg = svg_from_canvas(strip.canvas)
    assert svg.count("<rect") == sum(isinstance(i, Box) for i in strip.canvas.items)
    dot = dot_from_canvas(strip.canvas)
    assert dot.count('pos="') == len(strip.canvas.items) + 1  # and the white frame
    for fmt, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF"), ("svg", b"<svg")):
        assert render_strip(strip, fmt).data.startswith(magic)


def test_plan_display(plans):
    auto, ruled = plans
    text = repr(ruled)
    assert "\n" not in text and len(text) < 200, text
    assert text.startswith("<Plan mobilenet: HETERO:NPU,CPU") and "20 subgraphs" in text
    html = ruled._repr_html_()
    assert "NPU (emulated: npu profile on the CPU plugin)" in html
    assert re.search(r"<th>subgraphs</th><td>20 \(NPU 10, CPU 10\)</td>", html)
    assert ruled.strip.svg in html
    assert not hasattr(ruled, "_repr_svg_")  # the card holds the picture: a notebook stores it once
    assert "1 subgraph ·" in repr(auto)


def test_diff_and_optimization_display(plans, models):
    from hetero_tool.loaders import optimization_from_files

    auto, ruled = plans
    diff = diff_plans(auto, ruled, labels=("auto", "rules"))
    assert repr(diff).startswith("<PlanDiff rules against auto: 15 operations moved · subgraphs 1 → 20")
    html = diff._repr_html_()
    assert "<td>HSwish</td>" in html and html.count("<svg") == 1 and "auto · HETERO" in html

    found = optimization_from_files(
        models["mobilenet"], devices="NPU,CPU", emulate=["NPU"], rules=RULES, time_limit=3
    )
    text = repr(found)
    assert text.startswith("<Optimization of mobilenet: ") and "\n" not in text and len(text) < 260
    html = found._repr_html_()
    assert "Candidates, best first" in html and "HETERO default" in html and "<svg" in html
    assert len(found.strip.rows) == 2


def test_bench_display(bench):
    text = repr(bench)
    assert text.startswith("<BenchResult mobilenet, against ") and "rules " in text and "\n" not in text
    html = bench._repr_html_()
    assert "<caption>Runs</caption>" in html and "as planned" in html and "<svg" in html
    strip = bench.strip
    assert strip is not None and {row.unit for row in strip.rows} == {"ms"}
    profiled = [run for run in bench.runs if run.profile is not None]
    assert len(strip.rows) == len(profiled)
    assert strip.rows[0].total == pytest.approx(sum(sg.time_ms for sg in profiled[0].profile.subgraphs))


def test_large_pictures_are_not_inlined(plans):
    big = "<svg>" + "x" * (INLINE_LIMIT + 1) + "</svg>"
    assert inline_picture(big, "save it")[0] is None
    view = GraphView("full", "", 10, {})
    drawn = Rendering("full", "auto", "svg", big.encode(), 0.1, 10, "as asked", view, plan=plans[1])
    assert drawn._repr_svg_() is None
    html = drawn._repr_html_()
    assert "over the 1.0 MiB a notebook display inlines" in html and "xxxx" not in html
    assert "Shown instead: the plan" in html and plans[1].strip.svg in html
    assert "\n" not in repr(drawn)
    small = Rendering("full", "auto", "svg", b"<svg/>", 0.1, 1, "as asked", view)
    assert small._repr_svg_() == "<svg/>" and small._repr_html_() is None  # the picture is stored once


def test_the_cli_does_not_load_the_displays():
    code = (
        "import sys, hetero_tool.cli.app, hetero_tool.plan, hetero_tool.runtime.results, hetero_tool.diff\n"
        "loaded = [m for m in sys.modules if m.startswith(('hetero_tool.display.strip', "
        "'hetero_tool.display.card', 'hetero_tool.display.canvas', 'IPython'))]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_render_strip_from_the_cli(models, plans, bench, tmp_path, run_cli):
    auto, ruled = plans
    a, b = auto.save(tmp_path / "auto.plan.json"), ruled.save(tmp_path / "rules.plan.json")
    bench_path = bench.save(tmp_path / "bench.json")
    xml = models["mobilenet"]
    result = run_cli(
        "render", xml, "--plan", b, "--view", "strip", "--compare", a, "--bench", bench_path,
        "-o", tmp_path / "strip.pdf", "-f", "pdf",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "strip.pdf").read_bytes()[:4] == b"%PDF" and "strip view" in result.output
    result = run_cli("render", xml, "--plan", b, "--compare", a, "-o", tmp_path / "x.svg")
    assert result.exit_code != 0 and "add --view strip" in result.output
    result = run_cli("render", xml, "--plan", b, "--bench", bench_path, "-o", tmp_path / "timed.svg")
    assert result.exit_code == 0, result.output
    assert " µs" in (tmp_path / "timed.svg").read_text()
    assert not (tmp_path / "x.svg").exists()
    counts = Counter(seg.device for seg in ruled.strip.rows[0].segments)
    assert counts == Counter(sg.device for sg in ruled.partition.subgraphs)
