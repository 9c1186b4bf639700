"""The HTML report: one self-contained page, escaped, deterministic, and working in a real browser.

Two levels:

1. **The file.** No network reference of any kind, a Content-Security-Policy that runs only the page's own
   script, every string from the model escaped (a hostile layer name, model name and run label), a timing
   section only with a bench result, the same bytes from the same inputs, and one-line errors through the CLI.
2. **The page**, in the system Chromium driven by Playwright (``/usr/bin/chromium``; the tests skip, saying
   how to install it, only when it is missing). It loads with no console error, no failed request and no
   request but the file itself; the graph is there; search highlights a layer, says "1 match" and brings it
   into view; in the collapsed view it names the layer's subgraph; wheel, drag and Fit move the view. A
   screenshot is checked (size, not blank) and kept in the test's tmp dir, and compared, coarsely, with a
   golden thumbnail: see :func:`test_screenshot`.

Plans: mobilenet under the bundled rules (20 subgraphs, fallback and pinned rows) with a bench result built
from the result dataclasses, the detector under plain fallback (2 subgraphs) without one, the detector again
drawn collapsed, and a tiny hand-written IR whose names are hostile.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest

from hetero_tool.errors import BackendError, InputError
from hetero_tool.ir import parse_ir
from hetero_tool.loaders import plan_from_files, report_from_files
from hetero_tool.plan import Plan
from hetero_tool.report import html as report_module
from hetero_tool.report import render
from hetero_tool.report.html import ReportResult, latency_chart_svg, report_html
from hetero_tool.report.views import visible_layers
from hetero_tool.runtime.results import (
    Accuracy,
    BenchConfig,
    BenchResult,
    Boundary,
    LatencyStats,
    OutputError,
    Profile,
    Run,
    SubgraphTime,
    Verification,
)
from tests.conftest import TINY_LAYERS, tiny_ir_text
from tests.test_bad_input import assert_one_line_error

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "apt-get update && apt-get install -y chromium"
#: Headless, and quiet on a machine without network: no background fetches, no QUIC, no component updates.
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
GOLDEN = Path(__file__).parent / "golden" / "report_mobilenet_top.png"
UPDATE_GOLDEN = "HETERO_TOOL_UPDATE_GOLDEN"
XMLNS = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}

HOSTILE_LAYER = "</script><script>alert(\"layer\")</script> & <b>'q'</b>"
HOSTILE_MODEL = "<img src=x onerror=alert('model')>"
HOSTILE_RUN = "<svg onload=alert(1)> \"run\" & 'co'"


# -- plans, benches, pages -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Case:
    """One model and plan, saved, with its report."""

    xml: Path
    plan: Plan
    plan_path: Path
    bench: BenchResult | None
    bench_path: Path | None
    report: ReportResult
    page: Path


def make_bench(plan: Plan, *, label: str = "plan", model_sha256: str | None = None, verified: bool = True):
    """A plausible bench result for ``plan``: the plan (profiled, verified, its outputs checked), the CPU
    alone (the baseline) and HETERO's automatic mode (outputs off), with one candidate skipped."""

    def stats(median: float) -> LatencyStats:
        return LatencyStats(median, median * 1.03, median * 0.92, median * 1.5, median * 1.12, median * 1.31)

    target = "HETERO:" + ",".join(d.name for d in plan.devices)
    emulated = tuple(d.name for d in plan.devices if d.emulated)
    subgraphs = tuple(
        SubgraphTime(sg.index, sg.device, 0.04 + 0.01 * (sg.index % 4), 0.005 * (sg.index % 3), sg.index % 3)
        for sg in plan.partition.subgraphs
    )
    devices_ms: dict[str, float] = {}
    for sub in subgraphs:
        devices_ms[sub.device] = devices_ms.get(sub.device, 0.0) + sub.time_ms
    boundaries = tuple(
        Boundary(c.from_subgraph, c.to_subgraphs[0], 1, c.bytes, 2, 0.01) for c in plan.partition.cuts[:20]
    )
    counted = sum(s.time_ms for s in subgraphs)
    profile = Profile(
        iterations=50,
        subgraphs=subgraphs,
        devices_ms=devices_ms,
        counted_ms=counted,
        latency_ms=1.8,
        reorders=sum(s.reorders for s in subgraphs),
        reorder_ms=sum(s.reorder_ms for s in subgraphs),
        boundaries=boundaries,
        layer_times_ms={lid: 0.01 * (1 + k % 5) for k, lid in enumerate(plan.partition.subgraph_of)},
    )
    devices = tuple(sg.device for sg in plan.partition.subgraphs)
    verification = Verification(
        plan.subgraph_count,
        plan.subgraph_count + (0 if verified else 1),
        devices,
        devices + (() if verified else ("CPU",)),
    )
    outputs = (OutputError("y", 1e-6, 1e-5, True),)
    runs = (
        Run(
            label,
            target,
            200,
            2.0,
            stats(1.8),
            555.5,
            210.0,
            3.0,
            submodels=plan.subgraph_count,
            emulated=emulated,
            verification=verification,
            profile=profile,
            plan_digest=plan.placement_digest,
            accuracy=Accuracy("CPU (f32)", 1e-4, 1e-3, outputs),
        ),
        Run("CPU alone", "CPU", 200, 2.0, stats(1.4), 714.3, 120.0, 2.0),
        Run(
            "HETERO automatic",
            target,
            200,
            2.0,
            stats(1.6),
            625.0,
            180.0,
            2.5,
            submodels=2,
            emulated=emulated,
            accuracy=Accuracy("CPU (f32)", 1e-4, 1e-3, (OutputError("y", 0.5, 0.2, False, "values differ"),)),
        ),
    )
    config = BenchConfig(time_s=2.0, rounds=4, perf_counters=True)
    return BenchResult(
        plan.model_name,
        model_sha256 or plan.model_sha256,
        runs,
        "CPU alone",
        config=config,
        openvino="2026.4.1",
        skipped={"NPU alone": "the NPU cannot run the whole model"},
    )


def _case(tmp: Path, name: str, xml: Path, plan: Plan, bench: BenchResult | None) -> Case:
    plan_path = plan.save(tmp / f"{name}.plan.json")
    bench_path = bench.save(tmp / f"{name}.bench.json") if bench is not None else None
    report = report_html(parse_ir(xml), plan, bench=bench)
    page = tmp / f"{name}.report.html"
    page.write_text(report.html)
    return Case(xml, plan, plan_path, bench, bench_path, report, page)


@pytest.fixture(scope="module")
def cases(sample_paths, tmp_path_factory) -> dict[str, Case]:
    """``mobilenet`` (rules, 20 subgraphs, bench), ``detector`` (fallback, no bench), ``collapsed`` (the
    detector drawn collapsed) and ``hostile`` (hostile names in the model, a layer and a run label)."""
    tmp = tmp_path_factory.mktemp("report")
    found = {}
    rules = resources.files("hetero_tool.data") / "activations_off_npu.toml"
    with resources.as_file(rules) as path:
        xml = sample_paths["mobilenet"]
        plan = plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU"], rules=path)
    found["mobilenet"] = _case(tmp, "mobilenet", xml, plan, make_bench(plan))

    xml = sample_paths["detector"]
    plan = plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU"])
    found["detector"] = _case(tmp, "detector", xml, plan, None)
    with pytest.MonkeyPatch.context() as patch:  # the size policy, scaled down so that the detector is "big"
        patch.setattr(render, "FULL_LIMIT", 5)
        patch.setattr(render, "CLUSTERED_LIMIT", 10)
        found["collapsed"] = _case(tmp, "collapsed", xml, plan, None)

    hostile_dir = tmp / "hostile"
    hostile_dir.mkdir()
    xml = hostile_dir / "hostile.xml"
    xml.write_text(hostile_ir_text())
    xml.with_suffix(".bin").write_bytes(struct.pack("<4f", 0.5, -1.0, 2.0, 0.0))
    plan = plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU"])
    found["hostile"] = _case(tmp, "hostile", xml, plan, make_bench(plan, label=HOSTILE_RUN, verified=False))
    return found


def _xml_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def hostile_ir_text() -> str:
    """The tiny IR with a hostile model name and a hostile name on its ReLU."""
    layers = TINY_LAYERS.replace('name="relu"', f'name="{_xml_attr(HOSTILE_LAYER)}"')
    return tiny_ir_text(layers).replace('<net name="tiny"', f'<net name="{_xml_attr(HOSTILE_MODEL)}"')


def unique_layer(plan: Plan, ir_xml: Path) -> tuple[int, str]:
    """A drawn layer whose name is in no other layer's name (so a search for it finds exactly it)."""
    ir = parse_ir(ir_xml)
    names = [(lid, ir.layers[lid].name) for lid in visible_layers(ir)]
    for lid, name in names:
        wanted = plan.types[lid] in ("Convolution", "HSwish", "Add") and not name.isdigit()
        if wanted and sum(name.lower() in other.lower() for _, other in names) == 1:
            return lid, name
    raise AssertionError("no layer with a unique name")


class Tags(HTMLParser):
    """The tag names and attribute names of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.names.append(tag)
        self.attributes.extend(name for name, _ in attrs)


def page_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.DOTALL)
    assert found
    return json.loads(found.group(1))


# -- the file ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mobilenet", "detector", "collapsed", "hostile"])
def test_the_page_is_self_contained(cases, name):
    html = cases[name].report.html
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) <= XMLNS
    lowered = html.lower()
    for needle in (
        "<script src",
        "<link",
        "@import",
        "url(",
        "<iframe",
        "<img",
        "<object",
        "<embed",
        "srcset",
    ):
        assert needle not in lowered, needle
    assert lowered.count("<script") == 2  # the search index (JSON, not run) and the page's own script
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)
    assert "default-src 'none'" in csp
    script = re.search(r"<script>(.*?)</script>", html, re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp


def test_hostile_names_are_escaped(cases):
    html = cases["hostile"].report.html
    for hostile in (HOSTILE_LAYER, HOSTILE_MODEL, HOSTILE_RUN):
        assert hostile not in html
    tags = Tags()
    tags.feed(html)
    assert {"b", "img"}.isdisjoint(tags.names) and tags.names.count("script") == 2
    assert not [name for name in tags.attributes if name.startswith("on")]  # no event handler at all
    assert html.lower().count("</script>") == 2
    assert (
        "&lt;/script&gt;&lt;script&gt;alert(&#34;layer&#34;)&lt;/script&gt; "
        "&amp; &lt;b&gt;&#39;q&#39;&lt;/b&gt;" in html
    )
    assert "<title>&lt;img src=x onerror=alert(&#39;model&#39;)&gt; · HETERO plan report</title>" in html
    assert "&lt;svg onload=alert(1)&gt;" in html  # the run label, in the table and in the chart
    data = page_data(html)  # the search index holds the names as they are
    assert HOSTILE_LAYER in [layer[1] for layer in data["layers"]]


def test_bench_section_only_with_a_bench(cases):
    with_bench, without = cases["mobilenet"].report.html, cases["detector"].report.html
    assert 'id="timing"' in with_bench and 'class="chart"' in with_bench
    assert (
        'href="#timing"' in with_bench
        and "Time per subgraph" in with_bench
        and "Slowest layers" in with_bench
    )
    for label in (
        "CPU alone",
        "HETERO automatic",
        "1.29×",
        "✓ as planned",
        "Costliest boundaries",
        "NPU alone",
    ):
        assert label in with_bench, label  # 1.29 = 1.8 / 1.4; NPU alone was skipped
    assert (
        "OpenVINO 2026.4.1 · latency hint, sync API · 2 s per candidate in 4 interleaved rounds" in with_bench
    )
    assert ">match</span>" in with_bench and ">differ</span>" in with_bench  # outputs against the reference
    assert "does not match the plan" not in with_bench
    assert 'id="timing"' not in without and 'class="chart"' not in without and 'href="#timing"' not in without


def test_summary_and_tables_follow_the_plan(cases):
    plan, html = cases["mobilenet"].plan, cases["mobilenet"].report.html
    assert f'<div class="big" id="subgraph-count">{plan.subgraph_count}</div>' in html
    table = html[html.index('<section id="subgraphs"') : html.index('<section id="fallback"')]
    assert table.count("data-subgraph=") == plan.subgraph_count == 20
    assert f'<div class="big">{len(plan.partition.cuts)}</div>' in html
    for device, count in plan.layers_per_device().items():
        assert f"<strong>{count}</strong>" in html, device
    rows = plan.fallback_rows
    assert rows and all(f'<td>{row.op_type}</td><td class="num">{row.count}</td>' in html for row in rows)
    for sg in plan.partition.subgraphs:  # bytes in and out, as the plan counts them
        inbound, outbound = (report_module._size(n) for n in plan.partition.subgraph_bytes[sg.index])
        assert f'<td class="num">{inbound}</td><td class="num">{outbound}</td></tr>' in html
    assert "rule &#39;classifier head on the CPU&#39;" in html  # the pinned table
    assert "emulated" in html and "NPU_CPU" in html


def test_search_index_maps_every_drawn_layer_to_its_subgraph(cases):
    case = cases["collapsed"]
    assert case.report.view == "collapsed"
    data = page_data(case.report.html)
    ir = parse_ir(case.xml)
    assert [layer[0] for layer in data["layers"]] == visible_layers(ir)
    assert {layer[0]: layer[4] for layer in data["layers"]} == {
        lid: case.plan.partition.subgraph_of.get(lid) for lid in visible_layers(ir)
    }
    assert [sg[0] for sg in data["subgraphs"]] == list(range(case.plan.subgraph_count))
    for sg in range(case.plan.subgraph_count):
        assert f'id="subgraph&#45;{sg}"' in case.report.html or f'id="subgraph-{sg}"' in case.report.html


def test_same_inputs_same_bytes(cases, tmp_path, run_cli):
    case = cases["mobilenet"]
    again = report_html(parse_ir(case.xml), case.plan, bench=case.bench)
    assert again.html == case.report.html
    outputs = []
    for name in ("a.html", "b.html"):
        result = run_cli(
            "report", case.xml, "--plan", case.plan_path, "--bench", case.bench_path, "-o", tmp_path / name
        )
        assert result.exit_code == 0, result.stderr
        assert "full view" in result.stdout
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]


def test_a_compiled_model_unlike_its_plan_is_flagged(cases):
    html, predicted = cases["hostile"].report.html, cases["hostile"].plan.subgraph_count
    assert "The compiled model does not match the plan" in html and "✗ not as planned" in html
    assert f"HETERO_NUMBER_OF_SUBMODELS is {predicted + 1}, the plan predicts {predicted}" in html


def test_warnings_are_shown_escaped(cases):
    case = cases["detector"]
    plan = dataclasses.replace(case.plan, warnings=("rule 'x' matched <nothing> & more",))
    html = report_html(parse_ir(case.xml), plan).html
    assert 'id="warnings"' in html and "rule &#39;x&#39; matched &lt;nothing&gt; &amp; more" in html
    assert 'id="warnings"' not in case.report.html


def test_no_graph_is_still_a_report(cases, monkeypatch):
    def fail(*args, **kwargs):
        raise BackendError("Graphviz could not render the view: out of memory")

    monkeypatch.setattr(report_module, "render_plan", fail)
    case = cases["detector"]
    report = report_html(parse_ir(case.xml), case.plan)
    assert report.view is None and report.note.startswith("no graph: Graphviz could not")
    assert '<svg id="graph-svg"' not in report.html and 'id="subgraphs"' in report.html


def test_latency_chart_scales_and_escapes():
    bench = make_bench(cases_plan_stub(), label="<b>x</b>")
    svg = latency_chart_svg(bench)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "&lt;b&gt;x&lt;/b&gt;" in svg and "<b>" not in svg
    assert svg.count("<rect") == 3 and "baseline" in svg


def cases_plan_stub() -> Plan:
    """A plan-shaped object for the chart, which only reads devices, subgraphs and the model's identity."""
    from hetero_tool.partition.subgraphs import Partition
    from hetero_tool.plan import PlanDevice

    return Plan("m.xml", "m", "0" * 64, (PlanDevice("CPU"),), {}, {}, {}, Partition((), {}, {}, ()))


# -- errors through the CLI ----------------------------------------------------------------------------------


def test_bench_for_another_model_is_one_line(cases, tmp_path, run_cli):
    case = cases["detector"]
    other = make_bench(case.plan, model_sha256="f" * 64).save(tmp_path / "other.bench.json")
    result = run_cli(
        "report", case.xml, "--plan", case.plan_path, "--bench", other, "-o", tmp_path / "r.html"
    )
    assert_one_line_error(result, "other.bench.json", "bench result was made for", "ffffffffffff")
    assert not (tmp_path / "r.html").exists()
    with pytest.raises(InputError, match="made for"):
        report_html(parse_ir(case.xml), case.plan, bench=make_bench(case.plan, model_sha256="f" * 64))


def test_missing_plan_is_one_line(cases, tmp_path, run_cli):
    result = run_cli(
        "report", cases["detector"].xml, "--plan", tmp_path / "nope.json", "-o", tmp_path / "r.html"
    )
    assert_one_line_error(result, "nope.json", "no such plan")


def test_plan_for_another_model_is_one_line(cases, tmp_path, run_cli):
    result = run_cli(
        "report", cases["detector"].xml, "--plan", cases["mobilenet"].plan_path, "-o", tmp_path / "r.html"
    )
    assert_one_line_error(result, "mobilenet.plan.json", "made for 'mobilenet'")


def test_malformed_bench_is_one_line(cases, tmp_path, run_cli):
    bad = tmp_path / "bad.bench.json"
    bad.write_text('{"schema_version": 1, "runs": []}')
    case = cases["detector"]
    result = run_cli("report", case.xml, "--plan", case.plan_path, "--bench", bad, "-o", tmp_path / "r.html")
    assert_one_line_error(result, "bad.bench.json", "not a hetero-tool bench result")


def test_the_report_never_overwrites_an_input(cases, run_cli):
    case = cases["detector"]
    before = case.plan_path.read_bytes()
    result = run_cli("report", case.xml, "--plan", case.plan_path, "-o", case.plan_path)
    assert_one_line_error(result, "would overwrite an input")
    assert case.plan_path.read_bytes() == before
    with pytest.raises(InputError, match="overwrite"):
        report_from_files(case.xml, case.plan_path, output=case.xml.with_suffix(".bin"))


# -- the page in Chromium ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """The system Chromium, headless, driven by Playwright (which downloads nothing: it is given the
    binary)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing; install it with: {INSTALL}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@dataclasses.dataclass
class Watch:
    """Everything a page did that it should not: console errors, uncaught errors, requests, dialogs."""

    url: str
    errors: list[str] = dataclasses.field(default_factory=list)
    requests: list[str] = dataclasses.field(default_factory=list)
    failed: list[str] = dataclasses.field(default_factory=list)
    dialogs: list[str] = dataclasses.field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.errors == [] and self.failed == [] and self.dialogs == []
        assert self.requests == [self.url]


@contextmanager
def opened(browser, page_path: Path) -> Iterator[tuple[object, Watch]]:
    """``page_path`` in a fresh context (1280x900, no animations), watched from before it loads."""
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, reduced_motion="reduce")
    page = context.new_page()
    watch = Watch(page_path.as_uri())
    page.on("console", lambda message: message.type == "error" and watch.errors.append(message.text))
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    page.on("request", lambda request: watch.requests.append(request.url))
    page.on("requestfailed", lambda request: watch.failed.append(request.url))
    page.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(watch.url)
    try:
        yield page, watch
    finally:
        context.close()


def view_box(page) -> list[float]:
    return [float(v) for v in page.locator("#graph-svg").get_attribute("viewBox").split()]


@pytest.mark.parametrize("name", ["mobilenet", "detector", "collapsed"])
def test_page_loads_clean_with_its_graph(browser, cases, name):
    from playwright.sync_api import expect

    with opened(browser, cases[name].page) as (page, watch):
        svg = page.locator("#graph-svg")
        expect(svg).to_be_visible()
        box = svg.bounding_box()
        assert box["width"] > 500 and box["height"] > 300
        nodes = page.locator("#graph-svg g.node")
        prefix = "subgraph-" if name == "collapsed" else "layer-"
        assert page.locator(f'#graph-svg g.node[id^="{prefix}"]').count() > 0
        assert nodes.count() >= cases[name].plan.subgraph_count
        assert page.locator("#graph-svg title").count() == 0  # tooltips moved to the page's own
        expect(page.locator("#zoom-level")).to_have_text(re.compile(r"^\d+(\.\d+)?%$"))
        watch.assert_clean()


def test_search_highlights_the_layer_and_brings_it_into_view(browser, cases):
    from playwright.sync_api import expect

    case = cases["mobilenet"]
    lid, name = unique_layer(case.plan, case.xml)
    with opened(browser, case.page) as (page, watch):
        page.locator("#graph").scroll_into_view_if_needed()
        page.locator("#search").fill(name)
        expect(page.locator("#search-count")).to_have_text("1 match")
        node = page.locator(f"#layer-{lid}")
        expect(node).to_have_class(re.compile(r"\bhit\b"))
        expect(node).to_have_class(re.compile(r"\bcurrent\b"))
        assert page.locator("#graph-svg g.node.hit").count() == 1
        expect(page.locator("#details-name")).to_have_text(name)
        inside(node.bounding_box(), page.locator("#viewport").bounding_box())

        page.locator("#search").fill(str(lid))  # by id
        expect(page.locator("#search-count")).to_have_text(re.compile(r"^\d+ match"))
        expect(node).to_have_class(re.compile(r"\bcurrent\b"))  # the exact id first

        page.locator("#search").fill("no such layer, surely")
        expect(page.locator("#search-count")).to_have_text("no match")
        assert page.locator("#graph-svg g.node.hit").count() == 0
        page.locator("#search").press("Escape")
        expect(page.locator("#search-count")).to_have_text("")
        watch.assert_clean()


def test_search_in_the_collapsed_view_names_the_subgraph(browser, cases):
    from playwright.sync_api import expect

    case = cases["collapsed"]
    ir = parse_ir(case.xml)
    lid = next(lid for lid in visible_layers(ir) if case.plan.partition.subgraph_of.get(lid) == 1)
    name = ir.layers[lid].name
    matches = [other for other in visible_layers(ir) if name.lower() in ir.layers[other].name.lower()]
    where = {case.plan.partition.subgraph_of.get(other) for other in matches}
    with opened(browser, case.page) as (page, watch):
        page.locator("#search").fill(name)
        count = f"{len(matches)} match{'' if len(matches) == 1 else 'es'}"
        count += " · in subgraph 1" if where == {1} else f" · in {len(where)} subgraphs"
        expect(page.locator("#search-count")).to_have_text(count)
        expect(page.locator("#subgraph-1")).to_have_class(re.compile(r"\bhit\b"))
        expect(page.locator("#details-name")).to_have_text(name)
        expect(page.locator("#details-lines")).to_contain_text("subgraph 1")
        watch.assert_clean()


def test_pan_zoom_fit_and_subgraph_buttons(browser, cases):
    from playwright.sync_api import expect

    case = cases["mobilenet"]
    with opened(browser, case.page) as (page, watch):
        page.locator("#graph").scroll_into_view_if_needed()
        viewport = page.locator("#viewport").bounding_box()
        x, y = viewport["x"] + viewport["width"] / 2, viewport["y"] + viewport["height"] / 2
        start = view_box(page)

        page.mouse.move(x, y)
        page.mouse.wheel(0, -400)  # zoom in around the pointer
        expect(page.locator("#graph-svg")).not_to_have_attribute("viewBox", " ".join(map(str, start)))
        page.wait_for_timeout(300)  # the sharp repaint follows the gesture
        zoomed = view_box(page)
        assert zoomed[2] < start[2] and zoomed[3] < start[3]

        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x - 120, y - 80, steps=4)
        page.mouse.up()
        moved = view_box(page)
        assert moved[0] > zoomed[0] and moved[1] > zoomed[1] and moved[2] == pytest.approx(zoomed[2])

        page.locator("#fit").click()
        graph = [float(v) for v in page.locator("#graph-svg").get_attribute("data-viewbox").split()]
        fitted = view_box(page)
        assert fitted[2] >= graph[2] - 1e-6 and fitted[3] >= graph[3] - 1e-6

        page.locator("#reset").click()
        assert view_box(page) == pytest.approx(start)

        sg = case.plan.partition.subgraphs[4]
        page.locator(f'#subgraphs button[data-subgraph="{sg.index}"]').click()
        drawn = [lid for lid in sg.layers if case.plan.types[lid] not in ("Constant",)]
        expect(page.locator("#search-count")).to_contain_text(f"subgraph {sg.index} · {sg.device}")
        assert page.locator("#graph-svg g.node.hit").count() == len(drawn)
        watch.assert_clean()


def test_hostile_names_stay_text_in_the_browser(browser, cases):
    from playwright.sync_api import expect

    case = cases["hostile"]
    with opened(browser, case.page) as (page, watch):
        expect(page.locator("h1")).to_have_text(HOSTILE_MODEL)
        expect(page.locator("#graph-svg")).to_contain_text(HOSTILE_LAYER)
        expect(page.locator("table.slowest")).to_contain_text(HOSTILE_LAYER)
        expect(page.locator("#timing-table")).to_contain_text(HOSTILE_RUN)
        assert page.locator("script").count() == 2 and page.locator("b, img").count() == 0
        page.locator("#search").fill(HOSTILE_LAYER)
        expect(page.locator("#search-count")).to_have_text("1 match")
        expect(page.locator("#details-name")).to_have_text(HOSTILE_LAYER)
        watch.assert_clean()  # no dialog: nothing ran


def test_screenshot(browser, cases, tmp_path):
    """A screenshot of the top of the page: the right size, not blank, saved, and close to the golden
    thumbnail.

    The golden image is a 320x225 thumbnail (``tests/golden/report_mobilenet_top.png``) compared coarsely
    (mean difference and the share of very different pixels), so that font hinting and Chromium versions do
    not matter but a missing stylesheet, a blank graph or a broken layout do. The model path in the header is
    made relative so the page is the same on every machine. After an intended change of the page's look, look
    at the screenshot this test saves and regenerate the golden with::

        HETERO_TOOL_UPDATE_GOLDEN=1 python -m pytest tests/test_report.py -k screenshot
    """
    from playwright.sync_api import expect

    case = cases["mobilenet"]
    plan = dataclasses.replace(case.plan, model_path="mobilenet.xml")
    page_path = tmp_path / "mobilenet.report.html"
    page_path.write_text(report_html(parse_ir(case.xml), plan, bench=case.bench).html)
    _, name = unique_layer(plan, case.xml)
    with opened(browser, page_path) as (page, watch):
        top = page.screenshot()
        page.locator("#search").fill(name)
        expect(page.locator("#search-count")).to_have_text("1 match")
        page.locator("#graph").evaluate("element => element.scrollIntoView()")
        graph = page.screenshot()
        watch.assert_clean()
    (tmp_path / "report-top.png").write_bytes(top)
    (tmp_path / "report-graph.png").write_bytes(graph)
    for shot in (top, graph):
        assert shot[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", shot[16:24]) == (VIEWPORT["width"], VIEWPORT["height"])
        stats = image_stats(browser, shot)
        assert stats["colours"] > 100 and stats["dominant"] < 0.9, stats  # not blank, not one flat colour

    thumbnail = image_thumbnail(browser, top)
    if os.environ.get(UPDATE_GOLDEN):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(thumbnail)
    assert GOLDEN.exists(), f"no golden image; make it with {UPDATE_GOLDEN}=1 (see this test's docstring)"
    diff = image_difference(browser, thumbnail, GOLDEN.read_bytes())
    (tmp_path / "report-top-thumbnail.png").write_bytes(thumbnail)
    assert diff["mean"] < 6 and diff["far"] < 0.03, (
        f"the page looks different from {GOLDEN} ({diff}); see {tmp_path}; if intended, regenerate with "
        f"{UPDATE_GOLDEN}=1"
    )


def inside(box: dict, outer: dict) -> None:
    assert outer["x"] <= box["x"] and box["x"] + box["width"] <= outer["x"] + outer["width"], (box, outer)
    assert outer["y"] <= box["y"] and box["y"] + box["height"] <= outer["y"] + outer["height"], (box, outer)


# Images are decoded by the browser itself (a canvas on a blank page), so the tests need no imaging library.
_LOAD = """async (urls) => Promise.all(urls.map(url => new Promise((done, fail) => {
  const image = new Image(); image.onload = () => done(image); image.onerror = fail; image.src = url; })))"""


def _blank(browser):
    page = browser.new_page()
    page.set_content("<canvas></canvas>")
    return page


def _url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def image_stats(browser, png: bytes) -> dict:
    page = _blank(browser)
    try:
        return page.evaluate(
            f"""async (url) => {{
          const [image] = await ({_LOAD})([url]);
          const canvas = document.createElement("canvas");
          canvas.width = image.width; canvas.height = image.height;
          const context = canvas.getContext("2d");
          context.drawImage(image, 0, 0);
          const pixels = new Uint32Array(context.getImageData(0, 0, image.width, image.height).data.buffer);
          const counts = new Map();
          for (const p of pixels) counts.set(p, (counts.get(p) || 0) + 1);
          return {{colours: counts.size, dominant: Math.max(...counts.values()) / pixels.length}};
        }}""",
            _url(png),
        )
    finally:
        page.close()


def image_thumbnail(browser, png: bytes) -> bytes:
    page = _blank(browser)
    try:
        url = page.evaluate(
            f"""async (url) => {{
          const [image] = await ({_LOAD})([url]);
          const canvas = document.createElement("canvas");
          canvas.width = 320; canvas.height = 225;
          const context = canvas.getContext("2d");
          context.imageSmoothingQuality = "high";
          context.drawImage(image, 0, 0, 320, 225);
          return canvas.toDataURL("image/png");
        }}""",
            _url(png),
        )
        return base64.b64decode(url.split(",", 1)[1])
    finally:
        page.close()


def image_difference(browser, a: bytes, b: bytes) -> dict:
    """Mean absolute difference of two same-size images (0-255, RGB) and the share of pixels off by > 64."""
    page = _blank(browser)
    try:
        return page.evaluate(
            f"""async (urls) => {{
          const images = await ({_LOAD})(urls);
          if (images[0].width !== images[1].width || images[0].height !== images[1].height)
            return {{mean: 255, far: 1, size: [images[0].width, images[0].height, """
            f"""images[1].width, images[1].height]}};
          const data = images.map(image => {{
            const canvas = document.createElement("canvas");
            canvas.width = image.width; canvas.height = image.height;
            const context = canvas.getContext("2d");
            context.drawImage(image, 0, 0);
            return context.getImageData(0, 0, image.width, image.height).data;
          }});
          let total = 0, far = 0;
          for (let i = 0; i < data[0].length; i += 4) {{
            const d = (Math.abs(data[0][i] - data[1][i]) + Math.abs(data[0][i + 1] - data[1][i + 1])
                       + Math.abs(data[0][i + 2] - data[1][i + 2])) / 3;
            total += d;
            if (d > 64) far++;
          }}
          const n = data[0].length / 4;
          return {{mean: total / n, far: far / n}};
        }}""",
            [_url(a), _url(b)],
        )
    finally:
        page.close()


def test_report_from_files_checks_the_bench_model(cases, tmp_path):
    case = cases["mobilenet"]
    other = make_bench(case.plan, model_sha256="a" * 64).save(tmp_path / "b.json")
    with pytest.raises(InputError, match=r"b\.json: the bench result was made for 'mobilenet'"):
        report_from_files(case.xml, case.plan_path, bench=other, output=tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()
    assert report_module.FALLBACK_NAMES_LIMIT >= 3
