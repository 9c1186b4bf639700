"""The order in which OpenVINO walks a model: ``ov.Model.get_ordered_ops()``, reproduced on the IR.

HETERO numbers subgraphs, breaks cycles and reports errors in this order, so predicting what HETERO does
starts with walking the layers exactly as OpenVINO does. The walk and the edges as positions in it are
computed once per model (:attr:`IRModel.ordered <hetero_tool.ir.types.IRModel.ordered>`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hetero_tool._gc import paused_gc
from hetero_tool.ir.types import IRModel

__all__ = ["OrderedLayers", "ordered_layer_ids"]


def ordered_layer_ids(ir: IRModel) -> list[int]:
    """Layer ids in the order of OpenVINO's ``model.get_ordered_ops()`` for the model read from this IR.

    OpenVINO sorts with a depth-first walk from the roots, Results then sinks (Assign) then Parameters, each
    list in model order, pushed onto a stack so that the last Parameter is taken first; a node is emitted once
    all its inputs (the first input explored first) and control dependencies are. Its reader gives an Assign a
    control dependency on the ReadValue of the same variable, and keeps Parameters, Results and Assigns in XML
    order, which is the order of :attr:`IRModel.layers`.

    The walk is done once per model; this returns a new list each time.

    Examples
    --------
    >>> from hetero_tool.ir.types import Edge, IRModel, Layer, Port
    >>> out = lambda pid: (Port(id=pid, precision="FP32", shape=(1,)),)
    >>> edges = (Edge(0, 0, 2, 0), Edge(1, 0, 2, 1), Edge(2, 2, 3, 0))
    >>> ir = IRModel(name="m", version=11, edges=edges, layers={
    ...     0: Layer(0, "a", "Parameter", "opset1", outputs=out(0)),
    ...     1: Layer(1, "b", "Parameter", "opset1", outputs=out(0)),
    ...     2: Layer(2, "add", "Add", "opset1", inputs=(0, 1), outputs=out(2)),
    ...     3: Layer(3, "y", "Result", "opset1", inputs=(0,)),
    ... })
    >>> ordered_layer_ids(ir)  # the last Parameter comes first
    [1, 0, 2, 3]
    """
    return list(ir.ordered.ids)


@dataclass(frozen=True, slots=True)
class OrderedLayers:
    """The layers of a model in ``get_ordered_ops()`` order, with every edge as positions in that order.

    A layer's position is its index in :attr:`ids`. Per-position tuples rather than per-layer objects: the
    subgraph collector and the dumps walk every edge of models with hundreds of thousands of layers.

    Examples
    --------
    >>> from hetero_tool.ir.types import Edge, IRModel, Layer, Port
    >>> out = lambda pid: (Port(id=pid, precision="FP32", shape=(1,)),)
    >>> ir = IRModel(name="m", version=11, edges=(Edge(0, 0, 1, 0), Edge(1, 1, 2, 0)), layers={
    ...     0: Layer(0, "x", "Parameter", "opset1", outputs=out(0)),
    ...     1: Layer(1, "relu", "ReLU", "opset1", inputs=(0,), outputs=out(1)),
    ...     2: Layer(2, "y", "Result", "opset1", inputs=(0,)),
    ... })
    >>> walk = OrderedLayers.of(ir)
    >>> walk.ids, walk.inputs[1], walk.consumers[0, 0]
    ((0, 1, 2), ((0, 0),), [(1, 0)])
    """

    #: Layer ids in ``get_ordered_ops()`` order.
    ids: tuple[int, ...]
    #: Layer id -> position.
    position: Mapping[int, int]
    #: For each position, its inputs in OpenVINO's order as (producer position, producer output port id).
    inputs: tuple[tuple[tuple[int, int], ...], ...]
    #: For each position, the layer's IR type (``"Const"``, ``"Result"``).
    ir_types: tuple[str, ...]
    #: (position, output port id) -> its consumers as (consumer position, input index), by consumer position
    #: and then input index. Shared by every reader: not to be changed.
    consumers: Mapping[tuple[int, int], Sequence[tuple[int, int]]]

    @classmethod
    def of(cls, ir: IRModel) -> OrderedLayers:
        """Walk ``ir`` as OpenVINO does (see :func:`ordered_layer_ids`). Prefer :attr:`IRModel.ordered`,
        which does it once per model."""
        with paused_gc():  # tuples in bulk, no cycles among them
            return cls._of(ir)

    @classmethod
    def _of(cls, ir: IRModel) -> OrderedLayers:
        ids = tuple(_walk(ir))
        position = {lid: i for i, lid in enumerate(ids)}
        sources = ir._sources  # the table behind IRModel.sources, built once per model
        inputs = tuple(tuple([(position[src], port) for src, port in sources[lid]]) for lid in ids)
        layers = ir.layers
        consumers: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for i, ins in enumerate(inputs):
            for p, src in enumerate(ins):
                if src in consumers:
                    consumers[src].append((i, p))
                else:
                    consumers[src] = [(i, p)]
        return cls(
            ids=ids,
            position=position,
            inputs=inputs,
            ir_types=tuple([layers[lid].ir_type for lid in ids]),
            consumers=consumers,
        )


def _walk(ir: IRModel) -> list[int]:
    """OpenVINO's depth-first topological sort (``topological_sort`` in ``core/graph_util.hpp``)."""
    layers = ir.layers
    read_values = {
        layer.data.get("variable_id"): lid for lid, layer in layers.items() if layer.ir_type == "ReadValue"
    }
    control: dict[int, list[int]] = {}
    for lid, layer in layers.items():
        if layer.ir_type == "Assign" and layer.data.get("variable_id") in read_values:
            control[lid] = [read_values[layer.data["variable_id"]]]
    roots = (
        [lid for lid, layer in layers.items() if layer.ir_type == "Result"]
        + [lid for lid, layer in layers.items() if layer.ir_type == "Assign"]
        + [lid for lid, layer in layers.items() if layer.ir_type == "Parameter"]
    )
    sources = ir._sources
    stack = list(roots)
    push, pop = stack.append, stack.pop
    done: set[int] = set()
    expanded: set[int] = set()  # met once already: all its inputs were pushed then
    order: list[int] = []
    while stack:
        lid = stack[-1]
        if lid in done:
            pop()
            continue
        ready = True
        for src, _ in reversed(sources[lid]):
            if src not in done:
                ready = False
                push(src)
        if lid in control:
            for src in control[lid]:
                if src not in done:
                    ready = False
                    push(src)
        if ready:
            order.append(lid)
            pop()
            done.add(lid)
        elif lid in expanded:  # its inputs were all walked since it was first met, yet one is not done
            raise ValueError(f"loop in the graph at layer {lid}")  # parse_ir has already refused cycles
        else:
            expanded.add(lid)
    return order
