"""The networkx view of an IR: one node per layer, one edge per IR edge.

Node key: the IR layer id (``int``). Node attributes:

``name``
    Friendly name (a label; not necessarily unique).
``type``
    OpenVINO op type name (``"Constant"``, ``"Relu"``).
``ir_type``
    The type as the IR writes it (``"Const"``, ``"ReLU"``).
``version``
    Opset (``"opset8"``).
``data``
    ``<data>`` attributes as written (a mapping of strings).
``inputs``
    Input port ids, in OpenVINO's input order (the tensors are the producers' output ports).
``outputs``
    Tuple of :class:`~hetero_tool.ir.types.Port`: precision, shape (dynamic dimensions kept), ``nbytes``.
``weight_bytes``
    Bytes a Const reads from the ``.bin``; 0 for other layers.
``bodies``
    Tuple of :class:`~hetero_tool.ir.types.Body` (TensorIterator, Loop, If), not flattened.

Edge key: the consumer's input port id (an input has exactly one producer, so ``(src, dst, dst_port)`` is
unique). Edge attributes: ``src_port``, ``dst_port``, ``precision``, ``shape`` and ``bytes`` (``None`` when
the shape is dynamic).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hetero_tool._gc import paused_gc
from hetero_tool.ir.types import IRModel

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["graph_from_ir"]


def graph_from_ir(ir: IRModel) -> nx.MultiDiGraph:
    """Build the ``networkx.MultiDiGraph`` of an IR, keyed by layer id.

    Nodes are added in XML order and edges in XML order, so iteration order is deterministic. Graph
    attributes: ``name`` (model name) and ``ir_version``. A body's graph is ``graph_from_ir(body.model)``.

    Examples
    --------
    >>> from hetero_tool.ir.types import Edge, IRModel, Layer, Port
    >>> f32 = lambda pid: Port(id=pid, precision="FP32", shape=(1, 4))
    >>> ir = IRModel(name="m", version=11, edges=(Edge(0, 0, 1, 0), Edge(1, 1, 2, 0)), layers={
    ...     0: Layer(0, "x", "Parameter", "opset1", outputs=(f32(0),)),
    ...     1: Layer(1, "relu", "ReLU", "opset1", inputs=(0,), outputs=(f32(1),)),
    ...     2: Layer(2, "y", "Result", "opset1", inputs=(0,)),
    ... })
    >>> G = graph_from_ir(ir)
    >>> G.nodes[1]["type"], G.edges[0, 1, 0]["bytes"]
    ('Relu', 16)
    """
    with paused_gc():
        return _build(ir)


def _build(ir: IRModel) -> nx.MultiDiGraph:
    import networkx as nx  # here, not at the top: importing it costs more than most commands' work

    graph = nx.MultiDiGraph(name=ir.name, ir_version=ir.version)
    graph.add_nodes_from(
        (
            layer.id,
            {
                "name": layer.name,
                "type": layer.type,
                "ir_type": layer.ir_type,
                "version": layer.version,
                "data": layer.data,
                "inputs": layer.inputs,
                "outputs": layer.outputs,
                "weight_bytes": layer.weight_bytes,
                "bodies": layer.bodies,
            },
        )
        for layer in ir.layers.values()
    )
    ports = {(layer.id, port.id): port for layer in ir.layers.values() for port in layer.outputs}
    graph.add_edges_from(
        (
            edge.src,
            edge.dst,
            edge.dst_port,
            {
                "src_port": edge.src_port,
                "dst_port": edge.dst_port,
                "precision": (port := ports[edge.src, edge.src_port]).precision,
                "shape": port.shape,
                "bytes": port.nbytes,
            },
        )
        for edge in ir.edges
    )
    return graph
