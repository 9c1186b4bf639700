"""The HTML report of an optimized plan: HETERO's default against the plan, the candidates, the measured
effect and the layers the optimizer moved, from nothing but what the plan records.

Two kinds of plans: one the optimizer made (the MobileNet under the bundled rules, estimated figures, a
search of a few seconds), and plans given a hand-written ``predicted`` record (measured figures, notes,
hostile text, many moved groups) for the rendering alone.
"""

from __future__ import annotations

import dataclasses
import html as html_module
import re
from importlib import resources

import msgspec
import pytest

from hetero_tool._format import format_ms as ms
from hetero_tool.ir import parse_ir
from hetero_tool.loaders import optimization_from_files, plan_from_files, report_from_files
from hetero_tool.plan import Plan, Predicted
from hetero_tool.report import html as report_module
from hetero_tool.report.html import report_html
from tests.test_report import browser, make_bench, opened  # noqa: F401 (browser: a fixture used here)


@pytest.fixture(scope="module")
def rules_path():
    with resources.as_file(resources.files("hetero_tool.data") / "activations_off_npu.toml") as path:
        yield path


@pytest.fixture(scope="module")
def optimized(sample_paths, rules_path):
    """The optimizer's MobileNet plan (estimated figures) and the plan HETERO's fallback makes."""
    xml = sample_paths["mobilenet"]
    found = optimization_from_files(
        xml, devices="HETERO:NPU,CPU", emulate="NPU", rules=rules_path, time_limit=3
    )
    plain = plan_from_files(xml, devices="HETERO:NPU,CPU", emulate="NPU", rules=rules_path)
    return xml, found, plain


def section(html: str) -> str:
    """The optimized section of a page."""
    start = html.index('<section id="optimized"')
    return html[start : html.index("</section>", start)]


def text(markup: str) -> str:
    """What a reader sees: tags gone, entities resolved, whitespace collapsed."""
    return re.sub(r"\s+", " ", html_module.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


def rows(markup: str, table: str) -> list[str]:
    """The body rows of table ``id=table``, as text."""
    body = markup[markup.index(f'<table id="{table}">') :]
    body = body[: body.index("</table>")]
    return [text(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("<tbody>")[1], re.DOTALL)]


def test_the_section_shows_the_optimizer_s_figures(optimized):
    xml, found, _ = optimized
    plan, predicted = found.plan, found.plan.predicted
    page = report_html(parse_ir(xml), plan).html
    assert 'href="#optimized"' in page and page.index('id="optimized"') < page.index('id="graph"')
    shown = section(page)
    seen = text(shown)
    ratio = f"{predicted.ms / predicted.default_ms:.2f}×"
    assert f"{ms(predicted.default_ms)} ms (HETERO default) → {ms(predicted.ms)} ms (this plan)" in seen
    assert f'id="predicted-ratio">{ratio}<' in shown and "trend-faster" in shown
    assert "Figures estimated from shapes and the device profiles" in seen
    assert "emulated: NPU (npu profile on the CPU plugin)" in seen
    assert f"Engine: {predicted.engine}." in seen and "not measured: plan --optimize --measure K" in seen
    side = rows(shown, "side-by-side")
    assert side[0] == f"predicted latency {ms(predicted.default_ms)} ms {ms(predicted.ms)} ms {ratio}"
    assert f"subgraphs {predicted.default_subgraphs} {plan.subgraph_count}" in side
    assert f"lower bound · gap {ms(predicted.bound_ms)} ms · {100 * predicted.gap:.1f}%" in side

    candidates = rows(shown, "candidates")
    assert len(candidates) == len(set(predicted.baselines) | {found.best.name})
    for name, value in predicted.baselines.items():
        row = next(row for row in candidates if row.startswith(name))
        assert f" {ms(value)} {value / predicted.default_ms:.2f}×" in row, row
    assert [row for row in candidates if "(this plan)" in row] == [
        f"{found.best.name} (this plan) {ms(predicted.ms)} {ratio}"
    ]


def test_moved_layers_are_grouped_by_from_to_and_reason(optimized):
    xml, found, _ = optimized
    plan, default = found.plan, found.default.plan
    page = report_html(parse_ir(xml), plan).html
    moved = [
        lid
        for lid, decision in plan.decisions.items()
        if decision.source == "optimizer" and plan.types[lid] not in ("Parameter", "Constant", "Result")
    ]
    assert moved and all(default.decisions[lid].device != plan.decisions[lid].device for lid in moved)
    groups: dict[tuple[str, str, str], int] = {}
    for lid in moved:
        decision = plan.decisions[lid]
        key = (default.decisions[lid].device, decision.device, decision.reason)
        groups[key] = groups.get(key, 0) + 1
    table = rows(section(page), "moved")
    assert len(table) == len(groups)
    for (source, target, reason), count in groups.items():
        assert any(row.startswith(f"{source} {target} {count} {reason}") for row in table), (source, reason)
    assert f'<div class="big">{len(moved)}</div>' in section(page)
    summary = page[page.index('id="summary"') : page.index('id="optimized"')]
    assert f"optimizer {len(moved)}" in text(summary)  # the sources summary counts them too


def test_same_plan_same_bytes_and_the_file_round_trip(optimized, tmp_path):
    xml, found, _ = optimized
    ir = parse_ir(xml)
    first, second = report_html(ir, found.plan).html, report_html(ir, found.plan).html
    assert first == second
    path = found.plan.save(tmp_path / "optimized.plan.json")
    written = report_from_files(xml, path, output=tmp_path / "a.html")
    report_from_files(xml, path, output=tmp_path / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    assert section(written.html) == section(first)


def test_no_section_for_a_plain_plan(optimized):
    xml, _, plain = optimized
    page = report_html(parse_ir(xml), plain).html
    assert plain.predicted is None
    assert 'id="optimized"' not in page and 'href="#optimized"' not in page and "Measured effect" not in page


def measured_record(plan: Plan) -> Predicted:
    """A measured ``predicted`` record: the plan is the "min cut" candidate, chosen by measurement over the
    optimizer's own placement, which was measured too."""
    return Predicted(
        ms=2.0,
        default_ms=4.0,
        bound_ms=1.5,
        gap=0.25,
        baselines={"HETERO default": 4.0, "CPU alone": 2.5, "min cut": 2.0},
        measured_ms=0.8,
        measured={"HETERO default": 1.6, "min cut": 0.8, "optimized": 1.0},
        source="calibrated",
        engine="CP-SAT phase model on 77 units, 1.0 s, optimal; chose min cut (measured)",
        notes=("measured, min cut ran fastest <b>&</b>", "CPU-NPU boundary: the fit is negative"),
    )


def test_measured_effect_candidates_and_notes(optimized):
    xml, _, plain = optimized
    plan = dataclasses.replace(plain, predicted=measured_record(plain))
    shown = section(report_html(parse_ir(xml), plan).html)
    seen = text(shown)
    assert 'id="measured-ratio">0.50×<' in shown  # 0.8 ms against the default's 1.6
    assert "1.60 ms (HETERO default) → 0.800 ms (this plan), median latency through HETERO" in seen
    assert "Figures calibrated" in seen
    assert rows(shown, "side-by-side")[:2] == [
        "predicted latency 4.00 ms 2.00 ms 0.50×",
        "measured latency 1.60 ms 0.800 ms 0.50×",
    ]
    assert rows(shown, "candidates") == [
        "min cut (this plan) 2.00 0.50× 0.800 0.50×",
        "CPU alone 2.50 0.62×",
        "HETERO default (HETERO's own placement) 4.00 1.00× 1.60 1.00×",
        "optimized — — 1.00 0.62×",  # measured, not kept: its prediction is not recorded
    ]
    assert "measured, min cut ran fastest &lt;b&gt;&amp;&lt;/b&gt;" in shown and "<b>&" not in shown
    assert "CPU-NPU boundary: the fit is negative" in seen


def test_the_bench_section_stays_as_it_is(optimized):
    xml, _, plain = optimized
    ir, bench = parse_ir(xml), make_bench(plain)
    plan = dataclasses.replace(plain, predicted=measured_record(plain))

    def timing(page: str) -> str:
        return page[page.index('<section id="timing"') :]

    assert timing(report_html(ir, plan, bench=bench).html) == timing(report_html(ir, plain, bench=bench).html)


def test_many_moved_groups_are_capped_and_counted(optimized, monkeypatch):
    xml, _, plain = optimized
    operations = [lid for lid, t in plain.types.items() if t not in ("Parameter", "Constant", "Result")]
    decisions = dict(plain.decisions)
    for lid, group in zip(operations, ["<a>", "<a>", "b", "c", "d"]):  # four groups, the first of two layers
        reason = f"moved from GPU: group {group}"
        decisions[lid] = msgspec.structs.replace(decisions[lid], source="optimizer", reason=reason)
    plan = dataclasses.replace(plain, decisions=decisions, predicted=Predicted(ms=1.0, default_ms=1.0))
    monkeypatch.setattr(report_module, "MOVED_GROUPS_SHOWN", 2)
    shown = section(report_html(parse_ir(xml), plan).html)
    table = rows(shown, "moved")
    first, second = (plain.decisions[lid].device for lid in (operations[0], operations[2]))
    assert table[0].startswith(f"GPU {first} 2 moved from GPU: group <a>")
    assert table[1].startswith(f"GPU {second} 1 moved from GPU: group b") and len(table) == 2
    assert "2 more groups (2 operations) in the plan JSON" in text(shown)
    assert '<div class="big">5</div>' in shown and "in 4 groups" in text(shown)
    assert "group &lt;a&gt;" in shown and "none proved" in text(shown)


def test_the_section_in_chromium(browser, optimized, tmp_path):  # noqa: F811 (the fixture imported above)
    from playwright.sync_api import expect

    xml, found, _ = optimized
    page_path = tmp_path / "optimized.report.html"
    report_from_files(xml, found.plan.save(tmp_path / "optimized.plan.json"), output=page_path)
    with opened(browser, page_path) as (page, watch):
        page.click('nav a[href="#optimized"]')
        expect(page.locator("#optimized")).to_be_in_viewport()
        expect(page.locator("#candidates tbody tr")).to_have_count(len(rows(page.content(), "candidates")))
        expect(page.locator("#moved tbody tr").first).to_be_visible()
        if page.locator("#moved details").count():  # a group of more than three layers lists them all
            page.locator("#moved details summary").first.click()
            expect(page.locator("#moved details ul").first).to_be_visible()
        watch.assert_clean()
