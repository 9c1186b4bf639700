"""A plan as Google Model Explorer's JSON graph, with node-data overlays: device, subgraph, fallback, time.

Model Explorer (``ai-edge-model-explorer``) has no OpenVINO adapter, but its built-in JSON adapter loads a
graph written in Model Explorer's own format, and node-data files colour the nodes. So the export needs
nothing installed, and the files open in the viewer as they are::

    model-explorer detector.me-graph.json --node_data_paths=detector.me-device.json,detector.me-subgraph.json

or from Python, ``model_explorer.visualize_from_config(model_explorer.config().add_model_from_path(graph)
.add_node_data_from_path(overlay))``.

The graph (``<model>.me-graph.json``) is one ``GraphCollection``:

- one node per IR layer, its id the layer id (the key everywhere in the tool), its label the op type, its
  attributes the layer's name, type, opset, the plan's device, source and reason, then the layer's ``<data>``;
- each HETERO subgraph a collapsible namespace ``<device>/subgraph_<k>`` (``k`` zero-padded to the width of
  the largest index, as in the overlay labels ``sg03:NPU``), so the first view shows one box per device, then
  one per subgraph; the side panel shows each subgraph's device, layers and the bytes copied in and out;
- one incoming edge per IR edge, from the producer's output port id to the consumer's input port id (in input
  order, so Model Explorer's ``Input<k>`` is OpenVINO's input ``k``); each output port's shape, element type,
  bytes and tensor names (``__tensor_tag``) in ``outputsMetadata``;
- nodes filled with their device's colour (:func:`hetero_tool.display.palette.device_style`);
- the bodies of TensorIterator, Loop and If layers as further graphs of the collection (id
  ``<graph id>/<layer id>/<body name>``), reached from the layer through ``subgraphIds``. HETERO never splits
  a body: it runs where its layer runs.

The overlays (``<model>.me-<overlay>.json``, keys of :data:`OVERLAYS`) are node-data files in Model
Explorer's multi-graph form ``{graph id: {"name", "results": {node id: {"value", "bgColor"}}, ...}}``.

The records are :mod:`~hetero_tool.report.model_explorer_schema`'s mirror of Model Explorer's own types.
Output is deterministic: layers, edges and subgraphs in IR and execution order, no timestamps; the same model
and plan always give the same bytes.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from hetero_tool.display.palette import LATENCY_GRADIENT, device_style
from hetero_tool.errors import InputError
from hetero_tool.ir.types import Body, IRModel, Layer, Port, format_shape
from hetero_tool.plan import Plan, check_plan
from hetero_tool.report.model_explorer_schema import (
    GradientItem,
    Graph,
    GraphCollection,
    GraphNode,
    GraphNodeData,
    GraphNodeStyle,
    GroupNodeConfig,
    IncomingEdge,
    KeyValue,
    LayoutConfigs,
    MetadataItem,
    NodeDataResult,
)
from hetero_tool.runtime.results import BenchResult
from hetero_tool.schema import json_data, write_documents

__all__ = [
    "OVERLAYS",
    "layer_times_from_bench",
    "me_graph_from_plan",
    "me_node_data_from_plan",
    "model_explorer_stem",
    "write_model_explorer",
]

#: Overlay name -> the name Model Explorer shows for it. ``latency`` is written only with layer times.
OVERLAYS: Mapping[str, str] = {
    "device": "HETERO device",
    "subgraph": "HETERO subgraph",
    "fallback": "HETERO fallback reason",
    "latency": "Layer time (ms)",
}


# Node attributes the export sets itself; a ``<data>`` attribute of the same name is shown as ``data.<name>``
# (Model Explorer keeps only the last of two equal keys).
_OWN_ATTRS = frozenset(
    {
        "name",
        "type",
        "opset",
        "device",
        "affinity",
        "subgraph",
        "cloned_into",
        "source",
        "rule",
        "reason",
        "rejected",
        "body_of",
        "port_map",
        "back_edge_from",
    }
)


# -- public API ----------------------------------------------------------------------------------------------


def me_graph_from_plan(ir: IRModel, plan: Plan) -> dict[str, Any]:
    """The model as a Model Explorer ``GraphCollection`` (JSON-ready), each HETERO subgraph a namespace.

    Parameters
    ----------
    ir
        The model the plan was made for.
    plan
        Where every layer runs and the subgraphs HETERO cuts.

    Returns
    -------
    dict
        ``{"label": ..., "graphs": [{"id": <model name>, "nodes": [...], "groupNodeAttributes": {...}, ...},
        <one graph per TensorIterator/Loop/If body>]}``. Node attributes, in order: ``name``, ``type``,
        ``opset``, ``device`` (where the layer runs), ``affinity`` (only when it differs: a Result runs where
        its producer does), ``subgraph`` (``sg03:NPU``) or, for a Constant, ``cloned_into`` (every subgraph
        HETERO clones it into), ``source``, ``rule`` (when a rule placed it), ``reason``, ``rejected``
        (devices of higher priority that could not take it, with why), then the ``<data>`` attributes as
        written (one whose name the export uses is shown as ``data.<name>``).

    Raises
    ------
    PlanError
        The plan was made for another model (its layers are not the IR's).

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.loaders import plan_from_files
    >>> xml = samples["detector"]
    >>> ir, plan = parse_ir(xml), plan_from_files(xml, devices="HETERO:NPU,CPU", emulate="NPU")
    >>> graph = me_graph_from_plan(ir, plan)["graphs"][0]
    >>> len(graph["nodes"]) == len(ir.layers), sorted({node["namespace"] for node in graph["nodes"]})
    (True, ['CPU/subgraph_01', 'NPU/subgraph_00'])
    >>> graph["groupNodeAttributes"]["CPU/subgraph_01"]["layers"]
    '4'
    """
    check_plan(ir, plan)
    return json_data(_collection(ir, plan))


def me_node_data_from_plan(
    ir: IRModel, plan: Plan, *, layer_times_ms: Mapping[int, float] | None = None
) -> dict[str, dict[str, Any]]:
    """Model Explorer node-data overlays of a plan (JSON-ready), by overlay name.

    Parameters
    ----------
    ir
        The model the plan was made for.
    plan
        The plan.
    layer_times_ms
        Layer id -> time in milliseconds (from a benchmark run). Defaults to ``None``: no ``latency`` overlay.

    Returns
    -------
    dict
        Overlay name (see :data:`OVERLAYS`) -> node-data document ``{graph id: {"name", "results", ...}}``:

        ``device``
            where each layer runs, filled with the device colour; body graphs take their layer's device;
        ``subgraph``
            ``"sg03:NPU"`` for each layer of a subgraph; same-device subgraphs alternate between the device
            colour and a lighter tint of it, so neighbours stay apart. Constants are left out (HETERO clones
            them into every subgraph that uses them); body graphs take their layer's subgraph;
        ``fallback``
            the reason, for each layer that a device of higher priority could not take (source ``fallback``
            with devices rejected); every other layer is left out;
        ``latency``
            only with ``layer_times_ms``: milliseconds, on a white-to-vermilion gradient.

    Raises
    ------
    PlanError
        The plan was made for another model.
    InputError
        ``layer_times_ms`` names a layer the model does not have, or a time that is not a finite number >= 0.

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.loaders import plan_from_files
    >>> xml = samples["detector"]
    >>> ir, plan = parse_ir(xml), plan_from_files(xml, devices="HETERO:NPU,CPU", emulate="NPU")
    >>> overlays = me_node_data_from_plan(ir, plan, layer_times_ms={75: 0.25})  # 75: NonMaxSuppression
    >>> list(overlays)
    ['device', 'subgraph', 'fallback', 'latency']
    >>> overlays["subgraph"]["detector"]["results"]["75"], overlays["latency"]["detector"]["results"]
    ({'value': 'sg01:CPU', 'bgColor': '#0072B2'}, {'75': {'value': 0.25}})
    """
    check_plan(ir, plan)
    return {name: json_data(document) for name, document in _overlays(ir, plan, layer_times_ms).items()}


def _overlays(
    ir: IRModel, plan: Plan, layer_times_ms: Mapping[int, float] | None
) -> dict[str, dict[str, GraphNodeData]]:
    """The overlays as records: overlay name -> graph id -> node data (see :func:`me_node_data_from_plan`)."""
    times = _checked_times(ir, layer_times_ms) if layer_times_ms is not None else None
    labels = _subgraph_labels(plan)
    colors = _subgraph_colors(plan)
    graph_id = _graph_id(ir)
    device: dict[str, dict[str, NodeDataResult]] = {graph_id: {}}
    subgraph: dict[str, dict[str, NodeDataResult]] = {graph_id: {}}
    fallback: dict[str, NodeDataResult] = {}
    for lid in ir.layers:
        runs_on = _runs_on(plan, lid)
        device[graph_id][str(lid)] = NodeDataResult(runs_on, device_style(runs_on).fill)
        k = plan.partition.subgraph_of.get(lid)
        if k is not None:
            subgraph[graph_id][str(lid)] = NodeDataResult(labels[k], colors[k])
        decision = plan.decisions[lid]
        if decision.source == "fallback" and decision.rejected:
            fallback[str(lid)] = NodeDataResult(decision.reason, device_style(decision.device).fill)
    for body_id, _, _, body, top in _walk_bodies(ir, graph_id):
        runs_on = _runs_on(plan, top.id)
        k = plan.partition.subgraph_of.get(top.id)
        device[body_id] = {
            str(lid): NodeDataResult(runs_on, device_style(runs_on).fill) for lid in body.model.layers
        }
        if k is not None:
            subgraph[body_id] = {str(lid): NodeDataResult(labels[k], colors[k]) for lid in body.model.layers}
    categorical = {"showExpandedSummaryOnGroupNode": True, "showLabelCountColumnsInChildrenStatsTable": True}
    overlays = {
        "device": {
            g: GraphNodeData(OVERLAYS["device"], results, **categorical) for g, results in device.items()
        },
        "subgraph": {g: GraphNodeData(OVERLAYS["subgraph"], r, **categorical) for g, r in subgraph.items()},
        "fallback": {graph_id: GraphNodeData(OVERLAYS["fallback"], fallback, **categorical)},
    }
    if times is not None:
        gradient = tuple(GradientItem(stop, color) for color, stop in LATENCY_GRADIENT)
        results = {str(lid): NodeDataResult(times[lid]) for lid in ir.layers if lid in times}
        overlays["latency"] = {graph_id: GraphNodeData(OVERLAYS["latency"], results, gradient=gradient)}
    return overlays


def write_model_explorer(
    ir: IRModel,
    plan: Plan,
    out_dir: str | os.PathLike[str],
    *,
    layer_times_ms: Mapping[int, float] | None = None,
    stem: str | None = None,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
) -> dict[str, Path]:
    """Write ``<stem>.me-graph.json`` and one ``<stem>.me-<overlay>.json`` per overlay into ``out_dir``.

    The files are compact JSON. Everything is built before anything is written; each file is written to a
    temporary file in ``out_dir`` and renamed over its target only once all of them are complete, so an error
    leaves the previous files (or none), never a half-written one; none replaces one of ``inputs``.

    Parameters
    ----------
    ir, plan
        The model and its plan.
    out_dir
        Directory for the files; created when missing.
    layer_times_ms
        Layer id -> milliseconds; adds the ``latency`` overlay. Defaults to ``None`` (no latency overlay; an
        older ``.me-latency.json`` in ``out_dir`` is left alone).
    stem
        File name stem. Defaults to the model's name (``<net name>``); see :func:`model_explorer_stem`.
    inputs
        Files the caller read, never overwritten. Defaults to none.

    Returns
    -------
    dict
        ``"graph"`` and each overlay name -> the path written.

    Raises
    ------
    PlanError, InputError
        As :func:`me_node_data_from_plan`; also when ``out_dir`` cannot be created or written.

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.loaders import plan_from_files
    >>> ir = parse_ir(samples["detector"])
    >>> plan = plan_from_files(samples["detector"], devices="HETERO:NPU,CPU", emulate="NPU")
    >>> paths = write_model_explorer(ir, plan, tmp / "me")
    >>> list(paths)
    ['graph', 'device', 'subgraph', 'fallback']
    >>> sorted(path.name for path in (tmp / "me").iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['detector.me-device.json', 'detector.me-fallback.json', 'detector.me-graph.json',
     'detector.me-subgraph.json']
    """
    check_plan(ir, plan)
    documents = {"graph": _collection(ir, plan), **_overlays(ir, plan, layer_times_ms)}
    out = Path(out_dir)
    name = model_explorer_stem(stem if stem is not None else ir.name)
    paths = {what: out / f"{name}.me-{what}.json" for what in documents}
    try:
        out.mkdir(parents=True, exist_ok=True)
        # Compact JSON: no one reads these files but Model Explorer, and indenting makes a 20,000-layer graph
        # 2.5x larger (36 MB instead of 15 MB) and several times slower to write.
        write_documents(
            {paths[what]: document for what, document in documents.items()}, indent=None, inputs=inputs
        )
    except OSError as exc:
        raise InputError(f"{out}: cannot write the Model Explorer files: {exc.strerror or exc}") from None
    return paths


def model_explorer_stem(name: str) -> str:
    """The file name stem of an export for a model named ``name``: characters other than letters, digits,
    ``.``, ``_`` and ``-`` replaced by ``_``.

    Examples
    --------
    >>> model_explorer_stem("yolo v8/head"), model_explorer_stem("..")
    ('yolo_v8_head', 'model')
    """
    return re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".") or "model"


def layer_times_from_bench(
    bench: BenchResult, run: str | None = None, plan: Plan | None = None
) -> tuple[str, dict[int, float]]:
    """The per-layer times of one run of ``bench``: the run labelled ``run``, else the first run of ``plan``
    (by :attr:`~hetero_tool.plan.Plan.placement_digest`; any run without ``plan``) that has them.

    Returns the run's label and its layer id -> milliseconds. Raises :class:`InputError` when the run does
    not exist or no run has per-layer times (bench without perf counters).
    """
    if run is not None:
        chosen = next((r for r in bench.runs if r.label == run), None)
        if chosen is None:
            labels = ", ".join(repr(r.label) for r in bench.runs)
            raise InputError(f"bench result has no run {run!r} (it has {labels})")
    else:
        chosen = next(
            (
                r
                for r in bench.runs
                if r.profile is not None
                and r.profile.layer_times_ms
                and (plan is None or r.plan_digest == plan.placement_digest)
            ),
            None,
        )
        if chosen is None:
            whose = " of this plan" if plan is not None else ""
            raise InputError(
                f"bench result has no per-layer times{whose}: run `hetero-tool bench` with -pc on it, "
                "or pick a run with --run"
            )
    if chosen.profile is None or not chosen.profile.layer_times_ms:
        raise InputError(f"bench run {chosen.label!r} has no per-layer times (perf counters were off)")
    return chosen.label, dict(chosen.profile.layer_times_ms)


# -- the graph -----------------------------------------------------------------------------------------------


def _graph_id(ir: IRModel) -> str:
    return ir.name or "model"


def _runs_on(plan: Plan, lid: int) -> str:
    """Where a layer runs: its affinity, except that a Result runs where its producer does."""
    return plan.partition.device_of.get(lid, plan.decisions[lid].device)


def _subgraph_labels(plan: Plan) -> list[str]:
    """``sg03:NPU`` per subgraph, the index zero-padded to the width of the largest (at least two digits)."""
    width = max(2, len(str(plan.subgraph_count - 1)))
    return [f"sg{sg.index:0{width}d}:{sg.device}" for sg in plan.partition.subgraphs]


def _namespaces(plan: Plan) -> list[str]:
    """``NPU/subgraph_03`` per subgraph: the device's group, then the subgraph's."""
    width = max(2, len(str(plan.subgraph_count - 1)))
    return [f"{sg.device}/subgraph_{sg.index:0{width}d}" for sg in plan.partition.subgraphs]


def _subgraph_colors(plan: Plan) -> list[str]:
    """The device colour for each device's 1st, 3rd, ... subgraph, a lighter tint for its 2nd, 4th, ..."""
    seen: dict[str, int] = {}
    colors = []
    for sg in plan.partition.subgraphs:
        rank = seen[sg.device] = seen.get(sg.device, -1) + 1
        fill = device_style(sg.device).fill
        colors.append(fill if rank % 2 == 0 else _tint(fill, 0.45))
    return colors


def _tint(color: str, amount: float) -> str:
    """``color`` (``#RRGGBB``) moved ``amount`` of the way to white."""
    channels = (int(color[k : k + 2], 16) for k in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * amount):02X}" for c in channels)


def _constant_homes(ir: IRModel, plan: Plan) -> dict[int, tuple[int, ...]]:
    """Const layer id -> indexes of the subgraphs that consume it (HETERO clones it into each), ascending."""
    homes: dict[int, set[int]] = {}
    for edge in ir.edges:
        k = plan.partition.subgraph_of.get(edge.dst)
        if ir.layers[edge.src].ir_type == "Const" and k is not None:
            homes.setdefault(edge.src, set()).add(k)
    return {lid: tuple(sorted(ks)) for lid, ks in homes.items()}


def _constant_namespace(plan: Plan, lid: int, homes: tuple[int, ...], namespaces: list[str]) -> str:
    """The group a Constant is drawn in: a subgraph that uses it, not a ``constants`` group of its own.

    A separate group would collapse into one box wired to every subgraph and read as one more device; next
    to its consumer, a weight sits where HETERO puts its clone. A Constant shared by several subgraphs goes to
    the first (in execution order) on its own device, so its colour matches its group, else the first of all;
    the ``cloned_into`` attribute lists them all.
    """
    if not homes:
        return ""
    device = _runs_on(plan, lid)
    same = [k for k in homes if plan.partition.subgraphs[k].device == device]
    return namespaces[(same or list(homes))[0]]


def _collection(ir: IRModel, plan: Plan) -> GraphCollection:
    namespaces = _namespaces(plan)
    labels = _subgraph_labels(plan)
    homes = _constant_homes(ir, plan)
    graph_id = _graph_id(ir)
    nodes = []
    for lid, layer in ir.layers.items():
        decision = plan.decisions[lid]
        runs_on = _runs_on(plan, lid)
        k = plan.partition.subgraph_of.get(lid)
        own = [("name", layer.name), ("type", layer.type), ("opset", layer.version), ("device", runs_on)]
        if decision.device != runs_on:
            own.append(("affinity", decision.device))
        if k is not None:
            own.append(("subgraph", labels[k]))
            namespace = namespaces[k]
        elif lid in homes:
            own.append(("cloned_into", ", ".join(labels[j] for j in homes[lid])))
            namespace = _constant_namespace(plan, lid, homes[lid], namespaces)
        else:
            namespace = ""
        own.append(("source", decision.source))
        if decision.rule:
            own.append(("rule", decision.rule))
        own.append(("reason", decision.reason))
        if decision.rejected:
            own.append(
                ("rejected", "; ".join(f"{device}: {why}" for device, why in decision.rejected.items()))
            )
        nodes.append(_node(ir, layer, graph_id, namespace, own, runs_on))
    graphs = [
        Graph(
            id=graph_id,
            nodes=tuple(nodes),
            groupNodeAttributes=_group_attributes(ir, plan, namespaces, labels),
            groupNodeConfigs=tuple(
                GroupNodeConfig(
                    namespaceRegex=f"^{re.escape(device)}(/.*)?$", borderColor=device_style(device).fill
                )
                for device in dict.fromkeys(sg.device for sg in plan.partition.subgraphs)
            ),
            layoutConfigs=LayoutConfigs(keepLayersWithASingleChild=True),
        )
    ]
    for body_id, parent_id, layer, body, top in _walk_bodies(ir, graph_id):
        graphs.append(_body_graph(body_id, parent_id, layer, body, top, plan, labels))
    return GraphCollection(
        label=f"{ir.name} ({plan.priority}, {plan.subgraph_count} subgraphs)", graphs=tuple(graphs)
    )


def _node(
    model: IRModel, layer: Layer, graph_id: str, namespace: str, own: list[tuple[str, str]], device: str
) -> GraphNode:
    """The node of ``layer`` of ``model``: ``own`` attributes then ``<data>``, edges in input order, outputs,
    colour."""
    attrs = [KeyValue(key, value) for key, value in own]
    attrs += [
        KeyValue(f"data.{key}" if key in _OWN_ATTRS else key, value) for key, value in layer.data.items()
    ]
    edges = zip(model.sources(layer.id), layer.inputs)
    return GraphNode(
        id=str(layer.id),
        label=layer.type,
        namespace=namespace,
        subgraphIds=tuple(_body_id(graph_id, layer, body) for body in layer.bodies) or None,
        attrs=tuple(attrs),
        incomingEdges=tuple(
            IncomingEdge(str(src), str(port), str(input_port)) for (src, port), input_port in edges
        ),
        outputsMetadata=tuple(_output_metadata(port) for port in layer.outputs),
        style=GraphNodeStyle(device_style(device).fill),
    )


def _output_metadata(port: Port) -> MetadataItem:
    attrs = [KeyValue("__tensor_tag", ", ".join(port.names))] if port.names else []
    nbytes = port.nbytes
    attrs += [
        KeyValue("shape", format_shape(port.shape)),
        KeyValue("precision", port.element_type),
        KeyValue("bytes", "dynamic" if nbytes is None else str(nbytes)),
    ]
    return MetadataItem(id=str(port.id), attrs=tuple(attrs))


def _group_attributes(
    ir: IRModel, plan: Plan, namespaces: list[str], labels: list[str]
) -> dict[str, dict[str, str]]:
    """Side-panel attributes: the graph's (``""``), each device group's, each subgraph's."""
    part = plan.partition
    devices = ", ".join(
        f"{d.name} (emulated: {d.profile} profile)" if d.emulated else d.name for d in plan.devices
    )
    groups: dict[str, dict[str, str]] = {
        "": {
            "model": ir.name,
            "priority": plan.priority,
            "devices": devices,
            "subgraphs": str(plan.subgraph_count),
            "cut_tensors": str(len(part.cuts)),
            "cut_bytes": _bytes(part.cut_bytes),
            "ir_sha256": plan.model_sha256,
        }
    }
    for device in dict.fromkeys(sg.device for sg in part.subgraphs):
        mine = [sg for sg in part.subgraphs if sg.device == device]
        groups[device] = {
            "device": device,
            "subgraphs": ", ".join(labels[sg.index] for sg in mine),
            "layers": str(sum(len(sg.layers) for sg in mine)),
        }
    # The subgraphs each one reads from and writes to.
    sources: dict[int, list[int]] = {sg.index: [] for sg in part.subgraphs}
    targets: dict[int, list[int]] = {sg.index: [] for sg in part.subgraphs}
    for source, target in part.boundaries:  # in ascending order
        sources[target].append(source)
        targets[source].append(target)
    for sg in part.subgraphs:
        inbound, outbound = part.subgraph_bytes[sg.index]
        groups[namespaces[sg.index]] = {
            "subgraph": labels[sg.index],
            "index": str(sg.index),
            "device": sg.device,
            "collector_id": str(sg.collector_id),
            "layers": str(len(sg.layers)),
            "constants": str(len(sg.constants)),
            "bytes_in": _bytes(inbound),
            "bytes_out": _bytes(outbound),
            "inputs_from": ", ".join(labels[k] for k in sorted(sources[sg.index])) or "-",
            "outputs_to": ", ".join(labels[k] for k in sorted(targets[sg.index])) or "-",
        }
    return groups


def _bytes(count: int | None) -> str:
    """A byte count as text, ``"dynamic"`` when it is unknown."""
    return "dynamic" if count is None else str(count)


# -- bodies --------------------------------------------------------------------------------------------------


def _body_id(graph_id: str, layer: Layer, body: Body) -> str:
    return f"{graph_id}/{layer.id}/{body.name}"


def _walk_bodies(
    model: IRModel, graph_id: str, top: Layer | None = None
) -> Iterator[tuple[str, str, Layer, Body, Layer]]:
    """``(body graph id, parent graph id, layer, body, top-level layer)`` for every body, depth first."""
    for layer in model.layers.values():
        for body in layer.bodies:
            body_id = _body_id(graph_id, layer, body)
            yield body_id, graph_id, layer, body, top or layer
            yield from _walk_bodies(body.model, body_id, top or layer)


def _body_graph(
    body_id: str, parent_id: str, layer: Layer, body: Body, top: Layer, plan: Plan, labels: list[str]
) -> Graph:
    """A body as a graph of its own: its layers run where the top-level layer holding it runs."""
    device = _runs_on(plan, top.id)
    k = plan.partition.subgraph_of.get(top.id)
    ports = {pm.internal_layer_id: pm for pm in body.port_map}
    back = {edge.dst: edge.src for edge in body.back_edges}
    body_of = f"{parent_id}, layer {layer.id} ({layer.type} {layer.name!r}), {body.name}"
    nodes = []
    for lid, inner in body.model.layers.items():
        own = [("name", inner.name), ("type", inner.type), ("opset", inner.version), ("device", device)]
        if k is not None:
            own.append(("subgraph", labels[k]))
        own.append(("body_of", body_of))
        if lid in ports:
            pm = ports[lid]
            extra = "".join(f", {key}={value}" for key, value in pm.attrs.items())
            own.append(("port_map", f"{pm.kind} port {pm.external_port_id}{extra}"))
        if lid in back:
            own.append(("back_edge_from", f"layer {back[lid]}"))
        nodes.append(_node(body.model, inner, body_id, "", own, device))
    attributes = {"": {"body_of": body_of, "device": device, "subgraph": labels[k] if k is not None else "-"}}
    return Graph(id=body_id, nodes=tuple(nodes), groupNodeAttributes=attributes)


# -- overlays and files --------------------------------------------------------------------------------------


def _checked_times(ir: IRModel, layer_times_ms: Mapping[int, float]) -> dict[int, float]:
    times = {}
    for lid, ms in layer_times_ms.items():
        if lid not in ir.layers:
            raise InputError(f"layer time for layer {lid!r}: {ir.name!r} has no such layer")
        if isinstance(ms, bool) or not isinstance(ms, int | float) or not math.isfinite(ms) or ms < 0:
            raise InputError(
                f"layer time for {ir.layers[lid].label}: {ms!r} is not a number of milliseconds >= 0"
            )
        times[lid] = float(ms)
    return times
