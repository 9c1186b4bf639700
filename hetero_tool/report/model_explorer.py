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
- nodes filled with their device's colour (:func:`hetero_tool.report.palette.device_style`);
- the bodies of TensorIterator, Loop and If layers as further graphs of the collection (id
  ``<graph id>/<layer id>/<body name>``), reached from the layer through ``subgraphIds``. HETERO never splits
  a body: it runs where its layer runs.

The overlays (``<model>.me-<overlay>.json``, keys of :data:`OVERLAYS`) are node-data files in Model
Explorer's multi-graph form ``{graph id: {"name", "results": {node id: {"value", "bgColor"}}, ...}}``.

The dataclasses mirror Model Explorer's ``graph_builder.py`` and ``node_data_builder.py`` field for field,
camelCase included (the names are the JSON keys), declaring only the fields this export fills; a ``None``
field is left out of the JSON. Output is deterministic: layers, edges and subgraphs in IR and execution order,
no timestamps; the same model and plan always give the same bytes.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

from hetero_tool._files import write_all_atomic
from hetero_tool.errors import InputError
from hetero_tool.ir.types import Body, Edge, IRModel, Layer, Port, format_shape
from hetero_tool.partition.plan import Plan, check_plan
from hetero_tool.report.palette import device_style
from hetero_tool.runtime.results import BenchResult

__all__ = [
    "OVERLAYS",
    "me_graph_from_plan",
    "me_node_data_from_plan",
    "write_model_explorer",
    "export_model_explorer",
    "layer_times_from_bench",
]

#: Overlay name -> the name Model Explorer shows for it. ``latency`` is written only with layer times.
OVERLAYS: Mapping[str, str] = {
    "device": "HETERO device",
    "subgraph": "HETERO subgraph",
    "fallback": "HETERO fallback reason",
    "latency": "Layer time (ms)",
}

#: Gradient of the latency overlay: white for the fastest layer, vermilion (Okabe-Ito) for the slowest.
LATENCY_GRADIENT = (("#FFFFFF", 0.0), ("#D55E00", 1.0))

# Node attributes the export sets itself; a ``<data>`` attribute of the same name is shown as ``data.<name>``
# (Model Explorer keeps only the last of two equal keys).
_OWN_ATTRS = frozenset(
    {"name", "type", "opset", "device", "affinity", "subgraph", "cloned_into", "source", "rule", "reason",
     "rejected", "body_of", "port_map", "back_edge_from"}
)  # fmt: skip


# -- Model Explorer's graph schema (graph_builder.py) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyValue:
    """A key and its text, for a node attribute or an output's metadata (``graph_builder.KeyValue``)."""

    #: The name shown in the side panel.
    key: str
    #: The value, always text.
    value: str


@dataclass(frozen=True, slots=True)
class IncomingEdge:
    """One IR edge, stored on the node it enters (``graph_builder.IncomingEdge``)."""

    #: The producer's node id: its IR layer id.
    sourceNodeId: str
    #: The producer's output the edge leaves: its IR output port id (an ``outputsMetadata`` id).
    sourceNodeOutputId: str
    #: The input of this node the edge enters: its IR input port id.
    targetNodeInputId: str


@dataclass(frozen=True, slots=True)
class MetadataItem:
    """What Model Explorer shows for one output of a node (``graph_builder.MetadataItem``)."""

    #: The output's id: its IR output port id, as edges name it in ``sourceNodeOutputId``.
    id: str
    #: ``__tensor_tag`` (the tensor names, when it has any), ``shape`` (OpenVINO's notation, shown on edges
    #: and inputs), ``precision`` (element type) and ``bytes`` (``"dynamic"`` when the shape is not static).
    #: Never ``tensor_name``: node-data keys are matched against it first, so a numeric tensor name (common in
    #: converted ONNX models) would capture the overlay value of the node whose id it spells.
    attrs: tuple[KeyValue, ...] = ()


@dataclass(frozen=True, slots=True)
class GraphNodeStyle:
    """A node's own colours (``graph_builder.GraphNodeStyle``)."""

    #: Fill: the palette colour of the device the layer runs on.
    backgroundColor: str


@dataclass(frozen=True, slots=True)
class GraphNode:
    """One layer (``graph_builder.GraphNode``)."""

    #: The IR layer id, as text.
    id: str
    #: Text on the node: the op type (``Convolution``); the friendly name is the ``name`` attribute.
    label: str
    #: Group path, ``<device>/subgraph_<k>`` for a layer of HETERO subgraph ``k``; ``""`` (top level) for a
    #: Constant no subgraph uses and for the layers of a body graph.
    namespace: str
    #: Ids of the graphs of this layer's bodies (TensorIterator, Loop, If). ``None``: no bodies.
    subgraphIds: tuple[str, ...] | None = None
    #: Side-panel attributes: the layer's and the plan's (see :func:`me_graph_from_plan`), then ``<data>``.
    attrs: tuple[KeyValue, ...] = ()
    #: The IR edges entering the layer, in input order.
    incomingEdges: tuple[IncomingEdge, ...] = ()
    #: One item per output port, in port order.
    outputsMetadata: tuple[MetadataItem, ...] = ()
    #: The device colour.
    style: GraphNodeStyle | None = None


@dataclass(frozen=True, slots=True)
class GroupNodeConfig:
    """Style of the group nodes whose namespace matches a regex (``graph_builder.GroupNodeConfig``)."""

    #: Matched against a group's full namespace (``NPU/subgraph_03``): here a device's groups and those below.
    namespaceRegex: str
    #: Border of the matching groups: the device colour (the fill stays Model Explorer's, so the coloured
    #: layers inside an expanded group stay visible).
    borderColor: str | None = None


@dataclass(frozen=True, slots=True)
class LayoutConfigs:
    """Layout options of a graph (``graph_builder.LayoutConfigs``)."""

    #: Keep a group that holds a single layer: a one-layer CPU island is exactly what a HETERO plan must show,
    #: and Model Explorer would otherwise dissolve its group.
    keepLayersWithASingleChild: bool | None = None


@dataclass(frozen=True, slots=True)
class Graph:
    """One graph of the collection: the model, or one body (``graph_builder.Graph``)."""

    #: The model's name (``<net name>``); ``<graph id>/<layer id>/<body name>`` for a body.
    id: str
    #: One node per layer, in IR order.
    nodes: tuple[GraphNode, ...] = ()
    #: Namespace -> side-panel attributes of that group; ``""`` holds the graph's own (shown when nothing is
    #: selected): the priority list, subgraph count, cut tensors.
    groupNodeAttributes: Mapping[str, Mapping[str, str]] | None = None
    #: One config per device that has subgraphs: its colour on the group borders.
    groupNodeConfigs: tuple[GroupNodeConfig, ...] | None = None
    #: Layout options.
    layoutConfigs: LayoutConfigs | None = None


@dataclass(frozen=True, slots=True)
class GraphCollection:
    """What the JSON graph file holds (``graph_builder.GraphCollection``)."""

    #: Shown in Model Explorer's graph selector: model, priority list and subgraph count.
    label: str
    #: The model's graph first, then the bodies, depth first in IR order.
    graphs: tuple[Graph, ...] = ()


# -- Model Explorer's node-data schema (node_data_builder.py) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodeDataResult:
    """The overlay value of one node (``node_data_builder.NodeDataResult``)."""

    #: Text (device, subgraph, reason: Model Explorer shows a distribution of the values on each group) or a
    #: number (milliseconds: Model Explorer shows min, max, sum and mean per group).
    value: str | float
    #: Fill, overriding the gradient. The text colour is left to Model Explorer, which picks black or white
    #: by the fill's luminance.
    bgColor: str | None = None


@dataclass(frozen=True, slots=True)
class GradientItem:
    """A colour stop of a numeric overlay (``node_data_builder.GradientItem``)."""

    #: 0 is the smallest value of the overlay, 1 the largest.
    stop: float
    #: Fill at this stop (hex).
    bgColor: str


@dataclass(frozen=True, slots=True)
class GraphNodeData:
    """One overlay for one graph (``node_data_builder.GraphNodeData``)."""

    #: The name Model Explorer lists the overlay under.
    name: str
    #: Node id -> value, in IR order.
    results: Mapping[str, NodeDataResult]
    #: Colour stops for numeric values (both 0 and 1 present). ``None`` for text values.
    gradient: tuple[GradientItem, ...] | None = None
    #: Text values: show each value's share and count on a collapsed group, not just a colour bar.
    showExpandedSummaryOnGroupNode: bool | None = None
    #: Text values: count columns per value in the side panel's children table.
    showLabelCountColumnsInChildrenStatsTable: bool | None = None


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
    >>> import tempfile
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.partition.plan import plan_model
    >>> from hetero_tool.samples import save_samples
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     xml = save_samples(tmp, names=["detector"])["detector"]
    ...     ir, plan = parse_ir(xml), plan_model(xml, devices="HETERO:NPU,CPU", emulate=["NPU"])
    >>> graph = me_graph_from_plan(ir, plan)["graphs"][0]
    >>> len(graph["nodes"]) == len(ir.layers), sorted({node["namespace"] for node in graph["nodes"]})
    (True, ['CPU/subgraph_01', 'NPU/subgraph_00'])
    >>> graph["groupNodeAttributes"]["CPU/subgraph_01"]["layers"]
    '4'
    """
    check_plan(ir, plan)
    return _plain(_collection(ir, plan))


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
    >>> import tempfile
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.partition.plan import plan_model
    >>> from hetero_tool.samples import save_samples
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     xml = save_samples(tmp, names=["detector"])["detector"]
    ...     ir, plan = parse_ir(xml), plan_model(xml, devices="HETERO:NPU,CPU", emulate=["NPU"])
    >>> overlays = me_node_data_from_plan(ir, plan, layer_times_ms={75: 0.25})  # 75: NonMaxSuppression
    >>> list(overlays)
    ['device', 'subgraph', 'fallback', 'latency']
    >>> overlays["subgraph"]["detector"]["results"]["75"], overlays["latency"]["detector"]["results"]
    ({'value': 'sg01:CPU', 'bgColor': '#0072B2'}, {'75': {'value': 0.25}})
    """
    check_plan(ir, plan)
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
    return {name: _plain(document) for name, document in overlays.items()}


def write_model_explorer(
    ir: IRModel,
    plan: Plan,
    out_dir: str | os.PathLike[str],
    *,
    layer_times_ms: Mapping[int, float] | None = None,
    stem: str | None = None,
) -> dict[str, Path]:
    """Write ``<stem>.me-graph.json`` and one ``<stem>.me-<overlay>.json`` per overlay into ``out_dir``.

    The files are compact JSON. Everything is built before anything is written; each file is written to a
    temporary file in ``out_dir`` and renamed over its target only once all of them are complete, so an error
    leaves the previous files (or none), never a half-written one.

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
        File name stem. Defaults to the model's name (``<net name>``), with characters other than letters,
        digits, ``.``, ``_`` and ``-`` replaced by ``_``.

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
    >>> import tempfile
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.partition.plan import plan_model
    >>> from hetero_tool.samples import save_samples
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     xml = save_samples(tmp, names=["detector"])["detector"]
    ...     ir, plan = parse_ir(xml), plan_model(xml, devices="HETERO:NPU,CPU", emulate=["NPU"])
    ...     paths = write_model_explorer(ir, plan, f"{tmp}/me")
    ...     on_disk = sorted(path.name for path in paths["graph"].parent.iterdir())
    >>> list(paths)
    ['graph', 'device', 'subgraph', 'fallback']
    >>> on_disk  # doctest: +NORMALIZE_WHITESPACE
    ['detector.me-device.json', 'detector.me-fallback.json', 'detector.me-graph.json',
     'detector.me-subgraph.json']
    """
    documents = {
        "graph": me_graph_from_plan(ir, plan),
        **me_node_data_from_plan(ir, plan, layer_times_ms=layer_times_ms),
    }
    out = Path(out_dir)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", stem if stem is not None else ir.name).lstrip(".") or "model"
    paths = {what: out / f"{name}.me-{what}.json" for what in documents}
    # Compact JSON: no one reads these files but Model Explorer, and indenting makes a 20,000-layer graph 2.5x
    # larger (36 MB instead of 15 MB) and 6x slower to write.
    texts = {
        paths[what]: json.dumps(document, separators=(",", ":")) + "\n"
        for what, document in documents.items()
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_all_atomic(texts)
    except OSError as exc:
        raise InputError(f"{out}: cannot write the Model Explorer files: {exc.strerror or exc}") from None
    return paths


def layer_times_from_bench(
    bench: BenchResult, run: str | None = None, plan: Plan | None = None
) -> tuple[str, dict[int, float]]:
    """The per-layer times of one run of ``bench``: the run labelled ``run``, else the first run of ``plan``
    (by :attr:`~hetero_tool.partition.plan.Plan.placement_digest`; any run without ``plan``) that has them.

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
            (r for r in bench.runs if r.profile is not None and r.profile.layer_times_ms
             and (plan is None or r.plan_digest == plan.placement_digest)),
            None,
        )  # fmt: skip
        if chosen is None:
            whose = " of this plan" if plan is not None else ""
            raise InputError(f"bench result has no per-layer times{whose}: run `hetero-tool bench` with -pc on it, "
                             "or pick a run with --run")  # fmt: skip
    if chosen.profile is None or not chosen.profile.layer_times_ms:
        raise InputError(f"bench run {chosen.label!r} has no per-layer times (perf counters were off)")
    return chosen.label, dict(chosen.profile.layer_times_ms)


def export_model_explorer(
    model_path: str | os.PathLike[str],
    plan_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    bench_path: str | os.PathLike[str] | None = None,
    run: str | None = None,
) -> dict[str, Path]:
    """What ``hetero-tool export`` does: load the model, its plan and (optionally) a bench result, and
    :func:`write_model_explorer` them, the latency overlay from the run chosen by :func:`layer_times_from_bench`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from hetero_tool.partition.plan import plan_model
    >>> from hetero_tool.samples import save_samples
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     xml = save_samples(tmp, names=["detector"])["detector"]
    ...     plan = plan_model(xml, devices="HETERO:NPU,CPU", emulate=["NPU"]).save(pathlib.Path(tmp, "p.json"))
    ...     sorted(export_model_explorer(xml, plan, pathlib.Path(tmp, "me")))
    ['device', 'fallback', 'graph', 'subgraph']
    """
    from hetero_tool.ir.formats import load_ir
    from hetero_tool.partition.plan import load_plan
    from hetero_tool.runtime.results import load_bench

    ir = load_ir(model_path)
    plan = load_plan(plan_path, ir)
    times = None
    if bench_path is not None:
        bench = load_bench(bench_path)
        if bench.model_sha256 != plan.model_sha256:
            raise InputError(f"{bench_path}: bench result is for another model ({bench.model_name!r})")
        _, times = layer_times_from_bench(bench, run, plan)
    stem = Path(model_path).stem
    inputs = {Path(p).resolve() for p in (plan_path, bench_path) if p is not None}
    if any(Path(out_dir, f"{stem}.me-{what}.json").resolve() in inputs for what in OVERLAYS.keys() | {"graph"}):
        raise InputError(f"{out_dir}: exporting there would overwrite an input ({stem}.me-*.json)")
    return write_model_explorer(ir, plan, out_dir, layer_times_ms=times, stem=stem)


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
    into = _edges_by_target(ir)
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
        nodes.append(_node(layer, graph_id, namespace, own, runs_on, into.get(lid, [])))
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
    layer: Layer, graph_id: str, namespace: str, own: list[tuple[str, str]], device: str, incoming: list[Edge]
) -> GraphNode:
    """The node of ``layer``: ``own`` attributes then ``<data>``, edges in input order, outputs, colour."""
    attrs = [KeyValue(key, value) for key, value in own]
    attrs += [
        KeyValue(f"data.{key}" if key in _OWN_ATTRS else key, value) for key, value in layer.data.items()
    ]
    ordered = sorted(incoming, key=lambda edge: layer.input_index(edge.dst_port))
    return GraphNode(
        id=str(layer.id),
        label=layer.type,
        namespace=namespace,
        subgraphIds=tuple(_body_id(graph_id, layer, body) for body in layer.bodies) or None,
        attrs=tuple(attrs),
        incomingEdges=tuple(IncomingEdge(str(e.src), str(e.src_port), str(e.dst_port)) for e in ordered),
        outputsMetadata=tuple(_output_metadata(port) for port in layer.outputs),
        style=GraphNodeStyle(device_style(device).fill),
    )


def _edges_by_target(model: IRModel) -> dict[int, list[Edge]]:
    into: dict[int, list[Edge]] = {}
    for edge in model.edges:
        into.setdefault(edge.dst, []).append(edge)
    return into


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
    cut_bytes = [c.bytes for c in part.cuts]
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
            "cut_bytes": _total(cut_bytes),
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
    # One pass over the cut tensors (Plan.subgraph_bytes per subgraph would be quadratic): bytes copied in and
    # out (None once a tensor is dynamic), and the subgraphs each one reads from and writes to.
    inbound: dict[int, list[int | None]] = {sg.index: [] for sg in part.subgraphs}
    outbound: dict[int, list[int | None]] = {sg.index: [] for sg in part.subgraphs}
    sources: dict[int, set[int]] = {sg.index: set() for sg in part.subgraphs}
    targets: dict[int, set[int]] = {sg.index: set() for sg in part.subgraphs}
    for cut in part.cuts:
        outbound[cut.from_subgraph].append(cut.bytes)
        for k in set(cut.to_subgraphs):
            inbound[k].append(cut.bytes)
            sources[k].add(cut.from_subgraph)
            targets[cut.from_subgraph].add(k)
    for sg in part.subgraphs:
        groups[namespaces[sg.index]] = {
            "subgraph": labels[sg.index],
            "index": str(sg.index),
            "device": sg.device,
            "collector_id": str(sg.collector_id),
            "layers": str(len(sg.layers)),
            "constants": str(len(sg.constants)),
            "bytes_in": _total(inbound[sg.index]),
            "bytes_out": _total(outbound[sg.index]),
            "inputs_from": ", ".join(labels[k] for k in sorted(sources[sg.index])) or "-",
            "outputs_to": ", ".join(labels[k] for k in sorted(targets[sg.index])) or "-",
        }
    return groups


def _total(sizes: list[int | None]) -> str:
    """The sum as text, ``"dynamic"`` when any size is unknown."""
    return "dynamic" if None in sizes else str(sum(sizes))  # type: ignore[arg-type]


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
    into = _edges_by_target(body.model)
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
        nodes.append(_node(inner, body_id, "", own, device, into.get(lid, [])))
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


_LEAVES = (str, int, float, bool)
# Field names per dataclass type, looked up once: ``fields()`` per object costs more than the export itself.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    """Dataclasses as dicts without their ``None`` fields, tuples as lists: what ``asdict`` + Model Explorer's
    ``remove_none`` give, without ``asdict``'s deep copies."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    names = _FIELD_NAMES.get(kind)
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
    if names is not None:
        plain = {}
        for name in names:
            item = getattr(value, name)
            if item is not None:
                plain[name] = _plain(item)
        return plain
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value
