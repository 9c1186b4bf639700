"""Google Model Explorer's JSON formats, mirrored field for field as the export fills them.

The records mirror Model Explorer's ``graph_builder.py`` (the graph) and ``node_data_builder.py`` (the
node-data overlays), camelCase included: the names are the JSON keys. Only the fields the export fills are
declared; a field left at ``None`` is left out of the JSON, as Model Explorer's own ``remove_none`` does. They
encode through :mod:`hetero_tool.schema` like every file the tool writes.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

__all__ = [
    "GradientItem",
    "Graph",
    "GraphCollection",
    "GraphNode",
    "GraphNodeData",
    "GraphNodeStyle",
    "GroupNodeConfig",
    "IncomingEdge",
    "KeyValue",
    "LayoutConfigs",
    "MetadataItem",
    "NodeDataResult",
]


# -- Model Explorer's graph schema (graph_builder.py) --------------------------------------------------------


class KeyValue(msgspec.Struct, frozen=True, omit_defaults=True):
    """A key and its text, for a node attribute or an output's metadata (``graph_builder.KeyValue``)."""

    #: The name shown in the side panel.
    key: str
    #: The value, always text.
    value: str


class IncomingEdge(msgspec.Struct, frozen=True, omit_defaults=True):
    """One IR edge, stored on the node it enters (``graph_builder.IncomingEdge``)."""

    #: The producer's node id: its IR layer id.
    sourceNodeId: str
    #: The producer's output the edge leaves: its IR output port id (an ``outputsMetadata`` id).
    sourceNodeOutputId: str
    #: The input of this node the edge enters: its IR input port id.
    targetNodeInputId: str


class MetadataItem(msgspec.Struct, frozen=True, omit_defaults=True):
    """What Model Explorer shows for one output of a node (``graph_builder.MetadataItem``)."""

    #: The output's id: its IR output port id, as edges name it in ``sourceNodeOutputId``.
    id: str
    #: ``__tensor_tag`` (the tensor names, when it has any), ``shape`` (OpenVINO's notation, shown on edges
    #: and inputs), ``precision`` (element type) and ``bytes`` (``"dynamic"`` when the shape is not static).
    #: Never ``tensor_name``: node-data keys are matched against it first, so a numeric tensor name (common in
    #: converted ONNX models) would capture the overlay value of the node whose id it spells.
    attrs: tuple[KeyValue, ...]


class GraphNodeStyle(msgspec.Struct, frozen=True, omit_defaults=True):
    """A node's own colours (``graph_builder.GraphNodeStyle``)."""

    #: Fill: the palette colour of the device the layer runs on.
    backgroundColor: str


class GraphNode(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
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
    #: Side-panel attributes: the layer's and the plan's, then ``<data>``
    #: (see :func:`~hetero_tool.report.model_explorer.me_graph_from_plan`).
    attrs: tuple[KeyValue, ...]
    #: The IR edges entering the layer, in input order.
    incomingEdges: tuple[IncomingEdge, ...]
    #: One item per output port, in port order.
    outputsMetadata: tuple[MetadataItem, ...]
    #: The device colour.
    style: GraphNodeStyle | None = None


class GroupNodeConfig(msgspec.Struct, frozen=True, omit_defaults=True):
    """Style of the group nodes whose namespace matches a regex (``graph_builder.GroupNodeConfig``)."""

    #: Matched against a group's full namespace (``NPU/subgraph_03``): here a device's groups and those below.
    namespaceRegex: str
    #: Border of the matching groups: the device colour (the fill stays Model Explorer's, so the coloured
    #: layers inside an expanded group stay visible).
    borderColor: str | None = None


class LayoutConfigs(msgspec.Struct, frozen=True, omit_defaults=True):
    """Layout options of a graph (``graph_builder.LayoutConfigs``)."""

    #: Keep a group that holds a single layer: a one-layer CPU island is exactly what a HETERO plan must show,
    #: and Model Explorer would otherwise dissolve its group.
    keepLayersWithASingleChild: bool | None = None


class Graph(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One graph of the collection: the model, or one body (``graph_builder.Graph``)."""

    #: The model's name (``<net name>``); ``<graph id>/<layer id>/<body name>`` for a body.
    id: str
    #: One node per layer, in IR order.
    nodes: tuple[GraphNode, ...]
    #: Namespace -> side-panel attributes of that group; ``""`` holds the graph's own (shown when nothing is
    #: selected): the priority list, subgraph count, cut tensors.
    groupNodeAttributes: Mapping[str, Mapping[str, str]] | None = None
    #: One config per device that has subgraphs: its colour on the group borders.
    groupNodeConfigs: tuple[GroupNodeConfig, ...] | None = None
    #: Layout options.
    layoutConfigs: LayoutConfigs | None = None


class GraphCollection(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What the JSON graph file holds (``graph_builder.GraphCollection``)."""

    #: Shown in Model Explorer's graph selector: model, priority list and subgraph count.
    label: str
    #: The model's graph first, then the bodies, depth first in IR order.
    graphs: tuple[Graph, ...]


# -- Model Explorer's node-data schema (node_data_builder.py) ------------------------------------------------


class NodeDataResult(msgspec.Struct, frozen=True, omit_defaults=True):
    """The overlay value of one node (``node_data_builder.NodeDataResult``)."""

    #: Text (device, subgraph, reason: Model Explorer shows a distribution of the values on each group) or a
    #: number (milliseconds: Model Explorer shows min, max, sum and mean per group).
    value: str | float
    #: Fill, overriding the gradient. The text colour is left to Model Explorer, which picks black or white
    #: by the fill's luminance.
    bgColor: str | None = None


class GradientItem(msgspec.Struct, frozen=True, omit_defaults=True):
    """A colour stop of a numeric overlay (``node_data_builder.GradientItem``)."""

    #: 0 is the smallest value of the overlay, 1 the largest.
    stop: float
    #: Fill at this stop (hex).
    bgColor: str


class GraphNodeData(msgspec.Struct, frozen=True, omit_defaults=True):
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
