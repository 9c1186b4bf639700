"""The HTML report: a plan, its graph and (with a bench result) its timings, as one self-contained page.

One file and no network. The CSS and the script (pan and zoom, search, tooltips) are package data inlined at
render time; the graph is the inline SVG of :func:`~hetero_tool.report.render.render_plan` in the view the
size policy picks; the latency chart is an inline SVG drawn here. The page's Content-Security-Policy forbids
every fetch and runs only the report's own script, by its hash, so even a slip in escaping could neither load
nor run anything.

An optimized plan (``plan --optimize``, its :attr:`~hetero_tool.plan.Plan.predicted` filled) gets a section
near the top: HETERO's default against the plan, predicted and measured, every candidate the optimizer
weighed, and the layers it moved, grouped by where from, where to and why.

Everything that comes from the model (layer names, op types, reasons, run labels) goes through Jinja2's
autoescaping, ``tojson`` for the search index, or :func:`html.escape` in the chart. There are no timestamps,
and everything is listed in plan order: the same inputs give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import metadata, resources
from typing import Any

from hetero_tool._format import format_bytes, format_ms, format_tick, nice_step
from hetero_tool.display.palette import device_style
from hetero_tool.display.strip import Strip
from hetero_tool.errors import BackendError, InputError
from hetero_tool.ir.types import STRUCTURAL_TYPES, IRModel
from hetero_tool.plan import FallbackRow, PinnedRow, Plan, Predicted, check_plan
from hetero_tool.report.render import render_plan
from hetero_tool.report.views import visible_layers
from hetero_tool.runtime.results import BenchResult, Run

__all__ = ["FALLBACK_NAMES_LIMIT", "ReportResult", "latency_chart_svg", "report_html"]

#: Layer names a fallback or pinned row lists in full; beyond that the plan JSON has them all.
FALLBACK_NAMES_LIMIT = 500
#: Slowest layers listed per profiled run, and its costliest boundaries.
SLOWEST_LAYERS = 15
BOUNDARIES_SHOWN = 15
#: Groups of moved layers the optimized section lists, largest first; the plan JSON has every layer's reason.
MOVED_GROUPS_SHOWN = 100

#: The optimizer's name for HETERO's own placement among its candidates (``hetero_tool.optimize.search``).
_DEFAULT = "HETERO default"
#: A moved layer's reason starts with the device it moved from (``moved from NPU ...``).
_MOVED_FROM = re.compile(r"moved from ([^\s:;,]+)")
#: The engine line ends with the candidate chosen (``...; chose min cut`` or ``... (measured)``).
_CHOSE = re.compile(r"(?:^|; )chose (.+?)(?: \(measured\))?$")

#: Graphviz border styles as CSS borders: the device cue that does not depend on colour.
_BORDERS = {"solid": "1px solid", "dashed": "2px dashed", "bold": "2px solid", "dotted": "2px dotted"}
_TEMPLATES = "templates"


@dataclass(frozen=True)
class ReportResult:
    """A rendered report."""

    #: The page: one self-contained HTML document.
    html: str
    #: The graph view embedded (``"full"``, ``"clustered"``, ``"collapsed"``), ``None`` when Graphviz failed.
    view: str | None
    #: Why that view (the size rule or the timeout that chose it), or why there is no graph.
    note: str


def report_html(
    ir: IRModel, plan: Plan, *, bench: BenchResult | None = None, timeout: float = 60.0
) -> ReportResult:
    """The HTML report of ``plan`` for the model ``ir``, with the timings of ``bench`` when given.

    Parameters
    ----------
    ir, plan
        The model and a plan made for it.
    bench
        Timings of the plan and its baselines; must be for the same model (IR SHA-256). Defaults to none: the
        page has no timing section.
    timeout
        Seconds the graph layout may take before the collapsed view is drawn instead. Defaults to 60.

    Returns
    -------
    ReportResult
        The page, and which graph view it embeds and why.

    Raises
    ------
    PlanError
        When ``plan`` or ``bench`` was made for another model.
    InputError
        When ``bench`` has no run of this plan.

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.loaders import plan_from_files
    >>> ir = parse_ir(samples["detector"])
    >>> plan = plan_from_files(samples["detector"], devices="HETERO:NPU,CPU", emulate="NPU")
    >>> report = report_html(ir, plan)
    >>> report.view, report.html.startswith("<!DOCTYPE html>"), 'id="layer-' in report.html
    ('full', True, True)
    """
    check_plan(ir, plan)
    if bench is not None:
        ir.check_made_for(bench.model_sha256, name=bench.model_name, what="bench result", where="the bench")
    if bench is not None and not any(run.plan_digest == plan.placement_digest for run in bench.runs):
        raise InputError(
            "the bench result has no run of this plan (its runs: "
            f"{', '.join(run.label for run in bench.runs)}); "
            "bench this plan, or report the plan that was benched"
        )
    svg, view, note = _graph(ir, plan, timeout)
    script, css = _resource("report.js"), _resource("report.css")
    if "</script" in script.lower() or "</style" in css.lower():  # pragma: no cover - guards an edit of them
        raise AssertionError("report.js and report.css must not close their own element")
    context = {
        "model": {"name": plan.model_name, "path": plan.model_path, "sha256": plan.model_sha256},
        "priority": plan.priority,
        "devices": _devices(plan),
        "summary": _summary(plan),
        "subgraphs": _subgraph_rows(plan),
        "fallback": _named_rows(plan.fallback_rows),
        "pinned": _named_rows(plan.pinned_rows),
        "warnings": list(plan.warnings),
        "strip": _strip(plan, bench),
        "graph": {"svg": svg, "view": view, "note": note, "title": _view_title(view)},
        "index": _search_index(ir, plan, view),
        "bench": _bench_context(plan, bench) if bench is not None else None,
        "optimized": _optimized_context(plan),
        "css": css,
        "script": script,
        "script_hash": base64.b64encode(hashlib.sha256(script.encode()).digest()).decode(),
        "versions": _versions(),
    }
    html = _template().render(**context)
    return ReportResult(html=html, view=view, note=note)


def latency_chart_svg(bench: BenchResult) -> str:
    """A horizontal bar chart of each run's median latency (whisker to p90), as a standalone SVG element.

    Labels are escaped; the baseline's bar is grey and every bar ends with its median and ratio.

    Examples
    --------
    >>> from hetero_tool.runtime.results import LatencyStats, Run
    >>> def run(label, median):
    ...     stats = LatencyStats(median, median, median, median, median * 1.1, median * 1.2)
    ...     return Run(label, "CPU", 100, 1.0, stats, 1000 / median, 10.0, 1.0)
    >>> svg = latency_chart_svg(
    ...     BenchResult("m", "0" * 64, (run("plan", 2.0), run("CPU <alone>", 4.0)), "plan")
    ... )
    >>> svg.startswith("<svg"), "CPU &lt;alone&gt;" in svg, "2.00×" in svg
    (True, True, True)
    """
    runs = bench.runs
    width, label_w, value_w, row_h, bar_h, top = 820, 190, 210, 30, 16, 34
    plot_w = width - label_w - value_w
    height = top + row_h * len(runs) + 34
    peak = max(max(r.latency.median_ms, r.latency.p90_ms) for r in runs) or 1.0
    step = nice_step(peak / 5)
    axis_max = step * math.ceil(peak / step)

    def x(value: float) -> float:
        return label_w + plot_w * value / axis_max

    parts = [
        (
            f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
            'aria-label="Median latency per run, in milliseconds" xmlns="http://www.w3.org/2000/svg">'
        ),
        f'<text class="chart-title" x="{label_w}" y="16">Median latency per run (ms) · whisker to p90</text>',
    ]
    bottom = top + row_h * len(runs)
    for k in range(round(axis_max / step) + 1):
        tick = k * step
        parts.append(
            f'<line class="grid" x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{bottom}"/>'
        )
        parts.append(
            f'<text class="tick" x="{x(tick):.1f}" y="{bottom + 16}" text-anchor="middle">'
            f"{format_tick(tick, step)}</text>"
        )
    for k, run in enumerate(runs):
        y = top + row_h * k
        mid = y + row_h / 2
        stats = run.latency
        is_base = run.label == bench.baseline
        label = run.label if len(run.label) <= 26 else run.label[:25] + "…"
        tip = (
            f"{run.label} ({run.target}): median {stats.median_ms:.3f} ms, p90 {stats.p90_ms:.3f} ms, "
            f"p99 {stats.p99_ms:.3f} ms, {run.throughput_fps:.1f} FPS"
        )
        parts.append(f'<g class="bar{" baseline" if is_base else ""}"><title>{escape(tip)}</title>')
        parts.append(
            f'<text class="label" x="{label_w - 10}" y="{mid + 4:.1f}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
        parts.append(
            f'<rect x="{label_w}" y="{mid - bar_h / 2:.1f}" '
            f'width="{max(1.0, x(stats.median_ms) - label_w):.1f}" height="{bar_h}" rx="2"/>'
        )
        if stats.p90_ms > stats.median_ms:
            x0, x1 = x(stats.median_ms), x(stats.p90_ms)
            parts.append(
                f'<path class="whisker" d="M{x0:.1f},{mid:.1f}H{x1:.1f}'
                f'M{x1:.1f},{mid - 5:.1f}V{mid + 5:.1f}"/>'
            )
        ratio = "baseline" if is_base else f"{bench.ratio(run):.2f}× baseline"
        end = x(max(stats.median_ms, stats.p90_ms)) + 8
        parts.append(
            f'<text class="value" x="{end:.1f}" y="{mid + 4:.1f}">{format_ms(stats.median_ms)} ms · '
            f"{escape(ratio)}</text></g>"
        )
    parts.append(f'<line class="axis" x1="{label_w}" y1="{top - 6}" x2="{label_w}" y2="{bottom}"/>')
    parts.append("</svg>")
    return "\n".join(parts)


# -- the page's parts ----------------------------------------------------------------------------------------


@cache
def _template():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("hetero_tool.report", _TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.get_template("report.html.j2")


@cache
def _resource_text(name: str) -> str:
    return resources.files("hetero_tool.report").joinpath(_TEMPLATES, name).read_text(encoding="utf-8")


def _resource(name: str):
    """A package-data file as markup (our own CSS or script, inlined verbatim)."""
    from markupsafe import Markup

    return Markup(_resource_text(name))


def _versions() -> str:
    found = []
    for dist, shown in (("hetero-tool", "hetero-tool"), ("openvino", "OpenVINO")):
        try:
            found.append(f"{shown} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            found.append(f"{shown} (version unknown)")
    return ", ".join(found)


def _style(device: str) -> dict[str, str]:
    """Inline CSS variables for a device chip: fill, text colour, and the border cue."""
    style = device_style(device)
    return {
        "css": f"--fill:{style.fill};--on:{style.text};--border:{_BORDERS.get(style.border, '1px solid')}",
        "fill": style.fill,
    }


def _devices(plan: Plan) -> list[dict[str, Any]]:
    counts = plan.layers_per_device()
    total = sum(counts.values()) or 1
    subgraphs = Counter(sg.device for sg in plan.partition.subgraphs)
    rows = []
    for device in plan.devices:
        if device.emulated:
            how = f"emulated: the {device.profile} profile on the CPU plugin"
            how += f", compiled as {device.ov_name}" if device.ov_name else ""
        else:
            how = "real device"
        rows.append(
            {
                "name": device.name,
                "emulated": device.emulated,
                "profile": device.profile,
                "how": how,
                "layers": counts.get(device.name, 0),
                "percent": 100 * counts.get(device.name, 0) / total,
                "subgraphs": subgraphs.get(device.name, 0),
                **_style(device.name),
            }
        )
    return rows


def _summary(plan: Plan) -> dict[str, Any]:
    sources = Counter(
        d.source for lid, d in plan.decisions.items() if plan.types[lid] not in STRUCTURAL_TYPES
    )
    return {
        "operations": sum(plan.layers_per_device().values()),
        "subgraphs": plan.subgraph_count,
        "cuts": len(plan.partition.cuts),
        "cut_bytes": _size(plan.partition.cut_bytes),
        "fallback_layers": sum(row.count for row in plan.fallback_rows),
        "fallback_groups": len(plan.fallback_rows),
        "sources": [
            (source, sources[source])
            for source in ("fallback", "rule", "map", "follows", "optimizer")
            if sources[source]
        ],
    }


def _subgraph_rows(plan: Plan) -> list[dict[str, Any]]:
    """The subgraph table: device, operations, first operation, bytes copied in and out."""
    rows = []
    for sg in plan.partition.subgraphs:
        compute = plan.subgraph_operations[sg.index]
        first = compute[0] if compute else sg.layers[0]
        inbound, outbound = plan.partition.subgraph_bytes[sg.index]
        rows.append(
            {
                "index": sg.index,
                "device": sg.device,
                "layers": len(compute),
                "first": plan.names[first],
                "first_type": plan.types[first],
                "in": _size(inbound),
                "out": _size(outbound),
                **_style(sg.device),
            }
        )
    return rows


def _named_rows(rows: tuple[FallbackRow, ...] | tuple[PinnedRow, ...]) -> list[dict[str, Any]]:
    """Fallback or pinned rows for the page: the layer names up to :data:`FALLBACK_NAMES_LIMIT`, and how many
    more there are."""
    return [
        {
            **vars(row),
            "count": row.count,
            "layers": row.layers[:FALLBACK_NAMES_LIMIT],
            "more": max(0, row.count - FALLBACK_NAMES_LIMIT),
            **_style(row.device),
        }
        for row in rows
    ]


# -- the optimizer -------------------------------------------------------------------------------------------


def _optimized_context(plan: Plan) -> dict[str, Any] | None:
    """HETERO's default against an optimized plan, the candidates and the moved layers; ``None`` for a plan
    the optimizer did not make. Only what the plan records: the default's own subgraphs are not in it."""
    predicted = plan.predicted
    if predicted is None:
        return None
    default_ms, measured_default = predicted.default_ms, predicted.measured.get(_DEFAULT)
    groups, more_groups, more_layers = _moved_groups(plan)
    emulated = [d for d in plan.devices if d.emulated]
    return {
        "objective": predicted.objective,
        "source": predicted.source,
        "engine": predicted.engine,
        "predicted": _effect(default_ms, predicted.ms),
        "measured": None
        if predicted.measured_ms is None
        else _effect(measured_default, predicted.measured_ms),
        "bound": None if predicted.bound_ms is None else format_ms(predicted.bound_ms),
        "gap": None if predicted.gap is None else f"{100 * predicted.gap:.1f}%",
        "bound_scope": predicted.bound_scope,
        "subgraphs": plan.subgraph_count,
        "default_subgraphs": predicted.default_subgraphs,
        "cuts": len(plan.partition.cuts),
        "cut_bytes": _size(plan.partition.cut_bytes),
        "candidates": _candidates(predicted),
        "moved": groups,
        "moved_layers": sum(row["count"] for row in groups) + more_layers,
        "moved_groups": len(groups) + more_groups,
        "more_groups": more_groups,
        "more_layers": more_layers,
        "emulated": [f"{d.name} ({d.profile} profile on the CPU plugin)" for d in emulated],
        "notes": list(predicted.notes),
    }


def _effect(default: float | None, ms: float) -> dict[str, Any]:
    """One figure against HETERO's default: both in ms, and the ratio (below 1: faster)."""
    ratio = ms / default if default else None
    return {
        "default": "—" if default is None else format_ms(default),
        "ms": format_ms(ms),
        "ratio": "—" if ratio is None else f"{ratio:.2f}×",
        "trend": _trend(ratio),
    }


def _trend(ratio: float | None) -> str:
    if ratio is None:
        return "same"
    return "faster" if ratio < 0.995 else "slower" if ratio > 1.005 else "same"


def _candidates(predicted: Predicted) -> list[dict[str, Any]]:
    """Every candidate the plan records, best predicted first: its predicted and measured latency, each as a
    ratio to HETERO's default. The one this plan is is marked (the engine line names it)."""
    found = _CHOSE.search(predicted.engine)
    chosen = predicted.chosen or (found.group(1) if found else "this plan")
    figures: dict[str, list[float | None]] = {name: [ms, None] for name, ms in predicted.baselines.items()}
    figures.setdefault(chosen, [predicted.ms, None])
    for name, ms in predicted.measured.items():
        figures.setdefault(name, [None, None])[1] = ms
    if predicted.measured_ms is not None:
        figures[chosen][1] = predicted.measured_ms
    default = figures.get(_DEFAULT, [predicted.default_ms, None])

    def ratio(value: float | None, base: float | None) -> dict[str, str] | None:
        if value is None or not base:
            return None
        return {"text": f"{value / base:.2f}×", "trend": _trend(value / base)}

    ranked = sorted(figures.items(), key=lambda item: (item[1][0] is None, item[1][0] or 0.0, item[0]))
    return [
        {
            "name": name,
            "this": name == chosen,
            "default": name == _DEFAULT,
            "predicted": None if ms is None else format_ms(ms),
            "measured": None if measured is None else format_ms(measured),
            "predicted_ratio": ratio(ms, default[0]),
            "measured_ratio": ratio(measured, default[1]),
        }
        for name, (ms, measured) in ranked
    ]


def _moved_groups(plan: Plan) -> tuple[list[dict[str, Any]], int, int]:
    """The operations the optimizer moved, grouped by (from, to, reason), largest groups first, up to
    :data:`MOVED_GROUPS_SHOWN`; and how many groups and operations more there are."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for lid, decision in plan.decisions.items():
        if decision.source != "optimizer" or plan.types[lid] in STRUCTURAL_TYPES:
            continue
        found = _MOVED_FROM.match(decision.reason)
        source = found.group(1) if found else "—"
        groups.setdefault((source, decision.device, decision.reason), []).append(plan.names[lid])
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    rows = [
        {
            "from": source,
            "to": target,
            "reason": reason,
            "count": len(names),
            "layers": names[:FALLBACK_NAMES_LIMIT],
            "more": max(0, len(names) - FALLBACK_NAMES_LIMIT),
            "from_css": _style(source)["css"],
            "to_css": _style(target)["css"],
        }
        for (source, target, reason), names in ranked[:MOVED_GROUPS_SHOWN]
    ]
    rest = ranked[MOVED_GROUPS_SHOWN:]
    return rows, len(rest), sum(len(names) for _, names in rest)


# -- the graph -----------------------------------------------------------------------------------------------

_SVG_ROOT = re.compile(r"<svg\b[^>]*>", re.DOTALL)
_VIEWBOX = re.compile(r'viewBox="([^"]*)"')
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _graph(ir: IRModel, plan: Plan, timeout: float):
    """The inline SVG (markup), its view and the note saying why; no SVG when Graphviz failed."""
    from markupsafe import Markup

    try:
        drawn = render_plan(ir, plan, view="auto", fmt="svg", timeout=timeout)
    except BackendError as exc:
        return None, None, f"no graph: {exc}"
    return Markup(_inline_svg(drawn.data, f"{plan.model_name}: {drawn.view} view")), drawn.view, drawn.note


def _strip(plan: Plan, bench: BenchResult | None) -> dict[str, Any]:
    """The plan's placement strip (inline SVG), with per-subgraph times when the bench profiled it."""
    from markupsafe import Markup

    times = bench.subgraph_times_ms(plan.placement_digest) if bench is not None else None
    strip = Strip((plan.strip_row(times_ms=times),), plan.legend)
    note = (
        "Dark ticks mark subgraph boundaries; the grey bars are the bytes copied into each subgraph"
        + ("; the last band is each subgraph's time in the bench." if times else ".")
        + " Hover a box for what it covers."
    )
    return {"svg": Markup(strip.svg), "note": note}


def _inline_svg(data: bytes, label: str) -> str:
    """Graphviz's SVG made fit to inline in HTML: no prolog, DOCTYPE or comments; sized by the page, not in
    pt."""
    text = data.decode("utf-8")
    root = _SVG_ROOT.search(text)
    if root is None:
        raise BackendError("Graphviz returned no <svg> element")
    box = _VIEWBOX.search(root.group(0))
    view_box = box.group(1) if box else "0 0 100 100"
    body = _COMMENT.sub("", text[root.end() :])
    head = (
        f'<svg id="graph-svg" viewBox="{escape(view_box)}" data-viewbox="{escape(view_box)}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg" '
        f'xmlns:xlink="http://www.w3.org/1999/xlink">'
    )
    return head + body.strip() + "\n"


def _view_title(view: str | None) -> str:
    return {
        "full": "Full view: every layer, coloured by device",
        "clustered": "Clustered view: every layer, boxed by subgraph",
        "collapsed": "Collapsed view: one node per subgraph",
        None: "No graph",
    }.get(view, f"{view} view")


def _search_index(ir: IRModel, plan: Plan, view: str | None) -> dict[str, Any]:
    """What the page's search needs: every drawn layer (id, name, op type, device, subgraph) in IR order."""
    device_of, subgraph_of, decisions = plan.partition.device_of, plan.partition.subgraph_of, plan.decisions
    return {
        "view": view,
        "layers": [
            [
                lid,
                ir.layers[lid].name,
                ir.layers[lid].type,
                device_of.get(lid) or decisions[lid].device,
                subgraph_of.get(lid),
            ]
            for lid in visible_layers(ir)
        ],
        "subgraphs": [[sg.index, sg.device, len(sg.layers)] for sg in plan.partition.subgraphs],
    }


# -- timings -------------------------------------------------------------------------------------------------


def _bench_context(plan: Plan, bench: BenchResult) -> dict[str, Any]:
    from markupsafe import Markup

    runs = []
    for run in bench.runs:
        ratio = bench.ratio(run)
        is_base = run.label == bench.baseline
        stats = run.latency
        runs.append(
            {
                "label": run.label,
                "target": run.target,
                "emulated": ", ".join(run.emulated),
                "iterations": f"{run.iterations:,}",
                "median": format_ms(stats.median_ms),
                "average": format_ms(stats.average_ms),
                "p90": format_ms(stats.p90_ms),
                "p99": format_ms(stats.p99_ms),
                "throughput": f"{run.throughput_fps:,.1f}",
                "compile": format_ms(run.compile_ms),
                "ratio": f"{ratio:.2f}×",
                "baseline": is_base,
                "trend": "baseline"
                if is_base
                else "faster"
                if ratio < 0.995
                else "slower"
                if ratio > 1.005
                else "same",
                "submodels": "—" if run.submodels is None else str(run.submodels),
                "fastest": False,
                "verified": None if run.verification is None else run.verification.ok,
                "problems": run.verification.problems() if run.verification is not None else [],
                "accuracy": _accuracy(run),
            }
        )
    fastest = min(range(len(runs)), key=lambda k: bench.runs[k].latency.median_ms)
    runs[fastest]["fastest"] = True
    # Per-subgraph and per-layer sections only for runs of this very plan: another placement's subgraphs and
    # devices would be labelled with this plan's.
    profiled = [
        run for run in bench.runs if run.profile is not None and run.plan_digest == plan.placement_digest
    ]
    return {
        "baseline": bench.baseline,
        "runs": runs,
        "config": _config_line(bench),
        "skipped": sorted(bench.skipped.items()),
        "accuracy": any(run.accuracy is not None for run in bench.runs),
        "problems": [(run["label"], problem) for run in runs for problem in run["problems"]],
        "chart": Markup(latency_chart_svg(bench)),
        "profiles": [_profile(run) for run in profiled if run.profile.subgraphs],
        "slowest": [
            _slowest_layers(plan, run.label, run.profile.layer_times_ms)
            for run in profiled
            if run.profile.layer_times_ms
        ],
    }


def _config_line(bench: BenchResult) -> str:
    """How the runs were measured, in one line (benchmark_app's terms)."""
    config = bench.config
    parts = [f"OpenVINO {bench.openvino}"] if bench.openvino else []
    parts.append(
        f"{config.hint} hint, {config.api} API" + (f", {config.nireq} requests" if config.nireq else "")
    )
    if config.niter is not None:
        parts.append(f"{config.niter:,} inferences per candidate in {config.rounds} interleaved rounds")
    elif config.time_s is not None:
        parts.append(f"{config.time_s:g} s per candidate in {config.rounds} interleaved rounds")
    parts.append(("one warm-up inference" if config.warmup else "no warm-up") + f", inputs {config.inputs}")
    if config.shapes:
        parts.append("shapes " + ", ".join(f"{name} {shape}" for name, shape in config.shapes.items()))
    if config.perf_counters:
        parts.append("perf counters in a separate, untimed pass")
    return " · ".join(parts)


def _accuracy(run: Run) -> dict[str, Any] | None:
    if run.accuracy is None:
        return None
    accuracy = run.accuracy
    compared = [o for o in accuracy.outputs if o.max_abs is not None]  # the others say why in their note
    worst = max(compared, key=lambda o: o.max_abs, default=None)
    detail = f"vs {accuracy.reference}"
    if worst is not None:
        detail += (
            f"; max abs {worst.max_abs:.3g} ({worst.name}), atol {accuracy.atol:g}, rtol {accuracy.rtol:g}"
            + (f" ({accuracy.precision})" if accuracy.precision and not accuracy.tolerances_given else "")
        )
    notes = [f"{o.name}: {o.note}" for o in accuracy.outputs if o.note]
    return {"passed": accuracy.passed, "detail": "; ".join([detail, *notes])}


def _profile(run: Run) -> dict[str, Any]:
    """Per-subgraph times and the costliest boundaries of one profiled run."""
    profile = run.profile
    total = sum(s.time_ms for s in profile.subgraphs) or 1.0
    peak = max(s.time_ms for s in profile.subgraphs) or 1.0
    return {
        "label": run.label,
        "iterations": profile.iterations,
        "counted": format_ms(profile.counted_ms),
        "latency": format_ms(profile.latency_ms),
        "boundary": format_ms(profile.boundary_ms),
        "boundary_share": 100 * profile.boundary_share,
        "reorders": profile.reorders,
        "reorder_ms": format_ms(profile.reorder_ms),
        "devices": [
            {"device": device, "time": format_ms(ms), **_style(device)}
            for device, ms in profile.devices_ms.items()
        ],
        "rows": [
            {
                "index": s.index,
                "device": s.device,
                "time": format_ms(s.time_ms),
                "share": 100 * s.time_ms / total,
                "width": 100 * s.time_ms / peak,
                "reorder": format_ms(s.reorder_ms),
                "reorders": s.reorders,
                **_style(s.device),
            }
            for s in profile.subgraphs
        ],
        "boundaries": [
            {
                "from": b.from_subgraph,
                "to": b.to_subgraph,
                "tensors": b.tensors,
                "bytes": _size(b.bytes),
                "reorders": b.reorders,
                "reorder": format_ms(b.reorder_ms),
            }
            for b in profile.boundaries[:BOUNDARIES_SHOWN]
        ],
        "more_boundaries": max(0, len(profile.boundaries) - BOUNDARIES_SHOWN),
    }


def _slowest_layers(plan: Plan, label: str, times: Mapping[int, float]) -> dict[str, Any]:
    total = sum(times.values()) or 1.0
    top = sorted(times.items(), key=lambda item: (-item[1], item[0]))[:SLOWEST_LAYERS]
    peak = (top[0][1] if top else 0.0) or 1.0
    rows = []
    for lid, ms in top:
        device = plan.partition.device_of.get(lid) or (
            plan.decisions[lid].device if lid in plan.decisions else "?"
        )
        rows.append(
            {
                "id": lid,
                "name": plan.names.get(lid, f"layer {lid}"),
                "type": plan.types.get(lid, "?"),
                "device": device,
                "subgraph": plan.partition.subgraph_of.get(lid),
                "time": format_ms(ms),
                "share": 100 * ms / total,
                "width": 100 * ms / peak,
                **_style(device),
            }
        )
    return {"label": label, "layers": len(times), "total": format_ms(sum(times.values())), "rows": rows}


# -- formatting ----------------------------------------------------------------------------------------------


def _size(count: int | None) -> str:
    return format_bytes(count, "dynamic")
