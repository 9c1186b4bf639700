"""The tool's own pictures of a plan, as Graphviz source with a JSON twin.

Four views, all drawn from one plan with the same device colours (:mod:`hetero_tool.display.palette`), a
legend, and the bytes of every tensor cut between subgraphs on its edge:

``full``
    every layer (Constants hidden unless asked for), coloured by device;
``clustered``
    the same, each subgraph boxed as a cluster (and laid out much faster: ``dot`` handles clusters
    separately);
``collapsed``
    one node per subgraph, edges labelled with the number and bytes of the tensors they carry;
``subgraph:K``
    subgraph ``K`` alone, with a stub for every tensor that enters or leaves it.

Given per-layer times (a bench's perf counters), the layer views fill each node on the latency gradient
(:data:`~hetero_tool.display.palette.LATENCY_GRADIENT`, the slowest layer vermilion) with its time in the
label, and keep the device as the node's border colour; the collapsed view adds each subgraph's summed time.

Node ids are ``n<layer id>`` and ``sg<index>``, output is in IR and execution order, with no timestamps: the
same plan always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hetero_tool._format import format_bytes
from hetero_tool.display.palette import device_style, latency_colour, readable_text
from hetero_tool.errors import InputError
from hetero_tool.ir.types import IRModel, format_shape
from hetero_tool.plan import Plan

__all__ = ["GraphView", "view_from_plan", "VIEWS", "visible_layers"]

#: Views by name (``subgraph:K`` takes a subgraph index).
VIEWS = ("full", "clustered", "collapsed", "subgraph:K")
#: Above this many nodes, edge sizes go into tooltips instead of labels: every label is a node to ``dot``, and
#: on a 4,000-node collapsed view they make the layout five times slower.
LABELLED_LIMIT = 1_000


@dataclass(frozen=True)
class GraphView:
    """A view of a plan, ready to render."""

    #: ``"full"``, ``"clustered"``, ``"collapsed"`` or ``"subgraph:K"``.
    view: str
    #: Graphviz source.
    dot: str
    #: Nodes drawn (legend excluded): what layout time depends on.
    nodes: int
    #: The same content as data: nodes, edges, legend.
    data: dict[str, Any]


def visible_layers(ir: IRModel, show_constants: bool = False) -> list[int]:
    """Layer ids a view draws: all of them, or all but Constants (the default, as Netron folds them)."""
    return [lid for lid, layer in ir.layers.items() if show_constants or layer.ir_type != "Const"]


@dataclass(frozen=True)
class _Times:
    """Per-layer times (ms) and the largest of them, which the gradient's end stands for."""

    ms: Mapping[int, float]
    peak: float


def view_from_plan(
    ir: IRModel,
    plan: Plan,
    view: str = "clustered",
    *,
    show_constants: bool = False,
    layer_times_ms: Mapping[int, float] | None = None,
) -> GraphView:
    """Graphviz source (and its JSON twin) for one view of ``plan``; with ``layer_times_ms`` (IR layer id ->
    ms per inference), the times on it.

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.loaders import plan_from_files
    >>> xml = samples["detector"]
    >>> ir, plan = parse_ir(xml), plan_from_files(xml, devices="NPU,CPU", emulate="NPU")
    >>> collapsed = view_from_plan(ir, plan, "collapsed")
    >>> collapsed.nodes, [edge["tensors"] for edge in collapsed.data["edges"]]
    (2, [2])
    >>> conv = next(lid for lid, layer in ir.layers.items() if layer.type == "Convolution")
    >>> timed = view_from_plan(ir, plan, "full", layer_times_ms={conv: 1.0})
    >>> [n["ms"] for n in timed.data["nodes"] if n["layer"] == conv], 'fillcolor="#D55E00"' in timed.dot
    ([1.0], True)
    """
    times = None
    if layer_times_ms is not None:
        times = _Times(layer_times_ms, max(layer_times_ms.values(), default=0.0))
    if view in ("full", "clustered"):
        return _layers_view(ir, plan, view, show_constants, times)
    if view == "collapsed":
        return _collapsed_view(plan, times)
    if view.startswith("subgraph:"):
        index = view.partition(":")[2]
        if not index.isdigit() or int(index) >= plan.subgraph_count:
            raise InputError(f"view {view!r}: the plan has subgraphs 0..{plan.subgraph_count - 1}")
        return _subgraph_view(ir, plan, int(index), show_constants, times)
    raise InputError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")


# -- building blocks -----------------------------------------------------------------------------------------


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attrs(**attrs: Any) -> str:
    return "[" + " ".join(f"{key}={_quote(str(value))}" for key, value in attrs.items()) + "]"


def _size(count: int | None) -> str:
    return format_bytes(count, "dynamic")


def _layers(count: int) -> str:
    return f"{count} layer" if count == 1 else f"{count} layers"


def _size_attr(nodes: int) -> str:
    """Where an edge's size goes: its label on small views, its tooltip on big ones."""
    return "label" if nodes <= LABELLED_LIMIT else "tooltip"


def _legend(plan: Plan, lines: list[str]) -> dict[str, str]:
    lines.append("  subgraph cluster_legend {")
    lines.append('    label="Devices"; style="rounded"; fontname="Helvetica";')
    legend = {}
    for device in plan.devices:
        style = device_style(device.name)
        text = f"{device.name} (emulated: {device.profile})" if device.emulated else device.name
        lines.append(
            f"    {_quote('legend_' + device.name)} "
            + _attrs(
                label=text,
                shape="box",
                style=f"filled,{style.border}",
                fillcolor=style.fill,
                fontcolor=style.text,
            )
        )
        legend[device.name] = style.fill
    lines.append("  }")
    return legend


def _header(name: str, lines: list[str]) -> None:
    lines.append(f"digraph {_quote(name)} {{")
    lines.append('  graph [rankdir="TB" fontname="Helvetica" newrank="true"];')
    lines.append('  node [fontname="Helvetica" fontsize="10"];')
    lines.append('  edge [fontname="Helvetica" fontsize="9"];')


def _layer_node(ir: IRModel, plan: Plan, lid: int, times: _Times | None) -> tuple[str, dict[str, Any]]:
    layer = ir.layers[lid]
    device = plan.partition.device_of.get(lid, plan.layer_affinity[lid])
    style = device_style(device)
    shape = "ellipse" if layer.ir_type in ("Parameter", "Result") else "box"
    port = layer.outputs[0] if layer.outputs else None
    tooltip = f"{layer.name} ({layer.type}, layer {lid})\ndevice: {device}\n{plan.decisions[lid].reason}"
    if port is not None:
        tooltip += f"\noutput: {port.element_type}{format_shape(port.shape)}"
    label, colours = f"{layer.name}\n{layer.type}", {"fillcolor": style.fill, "fontcolor": style.text}
    ms = times.ms.get(lid) if times is not None else None
    if times is not None:
        # The time fills the node; the device stays as its border, drawn thick.
        fill = "#EEEEEE" if ms is None else latency_colour(ms / times.peak if times.peak > 0 else 0.0)
        colours = {"fillcolor": fill, "fontcolor": readable_text(fill), "color": style.fill, "penwidth": "3"}
        if ms is not None:
            label += f"\n{ms * 1000:,.1f} µs"
            tooltip += f"\ntime: {ms * 1000:,.1f} µs per inference"
    line = f"  n{lid} " + _attrs(
        label=label,
        shape=shape,
        style=f"filled,{style.border}",
        **colours,
        tooltip=tooltip,
        id=f"layer-{lid}",
    )
    data = {
        "id": f"n{lid}",
        "layer": lid,
        "name": layer.name,
        "type": layer.type,
        "device": device,
        "subgraph": plan.partition.subgraph_of.get(lid),
    }
    if times is not None:
        data["ms"] = ms
    return line, data


def _edges(ir: IRModel, plan: Plan, shown: set[int]) -> Iterable[tuple[str, dict[str, Any]]]:
    """IR edges between drawn layers; an edge between subgraphs is a cut: bold, with its bytes."""
    subgraph_of = plan.partition.subgraph_of
    for edge in ir.edges:
        if edge.src not in shown or edge.dst not in shown:
            continue
        nbytes = ir.edge_port(edge).nbytes
        cut = subgraph_of.get(edge.src) != subgraph_of.get(edge.dst)
        attrs = {"penwidth": "2.5", "color": "#D55E00", _size_attr(len(shown)): _size(nbytes)} if cut else {}
        line = f"  n{edge.src} -> n{edge.dst}" + (" " + _attrs(**attrs) if attrs else "")
        yield line, {"from": f"n{edge.src}", "to": f"n{edge.dst}", "bytes": nbytes, "cut": cut}


def _add_layers(
    ir: IRModel, plan: Plan, ids, lines: list[str], nodes: list[dict], times: _Times | None, indent: str = ""
) -> None:
    """Add the node of each layer in ``ids`` to the dot ``lines`` and its JSON twin to ``nodes``."""
    for lid in ids:
        line, data = _layer_node(ir, plan, lid, times)
        lines.append(indent + line)
        nodes.append(data)


# -- views ---------------------------------------------------------------------------------------------------


def _layers_view(ir: IRModel, plan: Plan, view: str, show_constants: bool, times: _Times | None) -> GraphView:
    lines: list[str] = []
    _header(f"{ir.name} {view}", lines)
    shown = set(visible_layers(ir, show_constants))
    nodes = []
    if view == "clustered":
        for sg in plan.partition.subgraphs:
            style = device_style(sg.device)
            members = [lid for lid in sg.layers if lid in shown]
            members += [lid for lid in sg.constants if lid in shown]
            lines.append(f"  subgraph cluster_sg{sg.index} {{")
            lines.append(
                f"    label={_quote(f'subgraph {sg.index} · {sg.device} · {_layers(len(sg.layers))}')}; "
                f'style="rounded,{style.border}"; color={_quote(style.fill)}; penwidth=2;'
            )
            _add_layers(ir, plan, members, lines, nodes, times, indent="  ")
            lines.append("  }")
        placed = {node["layer"] for node in nodes}
        # e.g. a Constant no submodel keeps
        _add_layers(ir, plan, sorted(shown - placed, key=list(ir.layers).index), lines, nodes, times)
    else:
        _add_layers(ir, plan, [lid for lid in ir.layers if lid in shown], lines, nodes, times)
    edges = []
    for line, data in _edges(ir, plan, shown):
        lines.append(line)
        edges.append(data)
    legend = _legend(plan, lines)
    lines.append("}")
    return GraphView(view, "\n".join(lines) + "\n", len(nodes), _twin(view, plan, nodes, edges, legend))


def _collapsed_view(plan: Plan, times: _Times | None) -> GraphView:
    lines: list[str] = []
    _header(f"{plan.model_name} collapsed", lines)
    nodes = []
    for sg in plan.partition.subgraphs:
        style = device_style(sg.device)
        inbound, outbound = plan.partition.subgraph_bytes[sg.index]
        label = f"subgraph {sg.index}\n{sg.device}\n{_layers(len(sg.layers))}"
        if times is not None:
            label += f"\n{sum(times.ms.get(lid, 0.0) for lid in sg.layers):,.3f} ms in its layers"
        tooltip = f"first layer: {plan.names[sg.layers[0]]}\nin: {_size(inbound)}, out: {_size(outbound)}"
        lines.append(
            f"  sg{sg.index} "
            + _attrs(
                label=label,
                shape="box",
                style=f"filled,rounded,{style.border}",
                fillcolor=style.fill,
                fontcolor=style.text,
                tooltip=tooltip,
                id=f"subgraph-{sg.index}",
            )
        )
        nodes.append(
            {"id": f"sg{sg.index}", "subgraph": sg.index, "device": sg.device, "layers": len(sg.layers)}
        )
    edges = []
    for (a, b), cuts in plan.partition.boundaries.items():
        total = plan.partition.boundary_bytes[a, b]
        label = f"{len(cuts)} tensor{'s' if len(cuts) > 1 else ''}, {_size(total)}"
        lines.append(
            f"  sg{a} -> sg{b} "
            + _attrs(**{_size_attr(len(nodes)): label}, penwidth=str(1 + min(4, len(cuts))))
        )
        edges.append({"from": f"sg{a}", "to": f"sg{b}", "tensors": len(cuts), "bytes": total})
    legend = _legend(plan, lines)
    lines.append("}")
    return GraphView(
        "collapsed", "\n".join(lines) + "\n", len(nodes), _twin("collapsed", plan, nodes, edges, legend)
    )


def _subgraph_view(
    ir: IRModel, plan: Plan, index: int, show_constants: bool, times: _Times | None
) -> GraphView:
    sg = plan.partition.subgraphs[index]
    view = f"subgraph:{index}"
    lines: list[str] = []
    _header(f"{ir.name} {view}", lines)
    shown = {
        lid for lid in (*sg.layers, *sg.constants) if show_constants or ir.layers[lid].ir_type != "Const"
    }
    nodes: list[dict] = []
    _add_layers(ir, plan, [lid for lid in ir.layers if lid in shown], lines, nodes, times)
    edges = []
    for line, data in _edges(ir, plan, shown):
        lines.append(line)
        edges.append(data)
    for k, cut in enumerate(plan.partition.cuts):  # boundary stubs: where inputs come from, outputs go to
        size = _size(cut.bytes)
        if index in cut.to_subgraphs:
            stub = f"in{k}"
            source = plan.partition.subgraphs[cut.from_subgraph]
            lines.append(
                f"  {stub} "
                + _attrs(
                    label=f"from subgraph {source.index} ({source.device})\n{plan.names[cut.producer]}",
                    shape="box",
                    style="dashed",
                )
            )
            for consumer in cut.consumers:
                if consumer in shown:
                    lines.append(f"  {stub} -> n{consumer} " + _attrs(label=size, style="dashed"))
                    edges.append({"from": stub, "to": f"n{consumer}", "bytes": cut.bytes, "cut": True})
        if cut.from_subgraph == index:
            stub = f"out{k}"
            targets = ", ".join(str(t) for t in cut.to_subgraphs)
            lines.append(f"  {stub} " + _attrs(label=f"to subgraph {targets}", shape="box", style="dashed"))
            lines.append(f"  n{cut.producer} -> {stub} " + _attrs(label=size, style="dashed"))
            edges.append({"from": f"n{cut.producer}", "to": stub, "bytes": cut.bytes, "cut": True})
    legend = _legend(plan, lines)
    lines.append("}")
    return GraphView(view, "\n".join(lines) + "\n", len(nodes), _twin(view, plan, nodes, edges, legend))


def _twin(view: str, plan: Plan, nodes: list, edges: list, legend: dict[str, str]) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "model": plan.model_name,
        "view": view,
        "devices": [{"name": d.name, "emulated": d.emulated, "colour": legend[d.name]} for d in plan.devices],
        "nodes": nodes,
        "edges": edges,
    }
