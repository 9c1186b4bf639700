"""The order in which OpenVINO walks a model: ``ov.Model.get_ordered_ops()``, reproduced on the IR.

HETERO numbers subgraphs, breaks cycles and reports errors in this order, so predicting what HETERO does
starts with walking the layers exactly as OpenVINO does.
"""

from __future__ import annotations

from hetero_tool.ir.types import IRModel

__all__ = ["ordered_layer_ids"]


def ordered_layer_ids(ir: IRModel) -> list[int]:
    """Layer ids in the order of OpenVINO's ``model.get_ordered_ops()`` for the model read from this IR.

    OpenVINO sorts with a depth-first walk from the roots, Results then sinks (Assign) then Parameters, each
    list in model order, pushed onto a stack so that the last Parameter is taken first; a node is emitted once
    all its inputs (the first input explored first) and control dependencies are. Its reader gives an Assign a
    control dependency on the ReadValue of the same variable, and keeps Parameters, Results and Assigns in XML
    order, which is the order of :attr:`IRModel.layers`.

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
    stack = list(roots)
    done: set[int] = set()
    visits: dict[int, int] = {}
    order: list[int] = []
    while stack:
        lid = stack[-1]
        if lid in done:
            stack.pop()
            continue
        visits[lid] = visits.get(lid, 0) + 1
        if visits[lid] > 2:
            raise ValueError(f"loop in the graph at layer {lid}")  # parse_ir has already refused cycles
        ready = True
        for src, _ in reversed(ir.sources(lid)):
            if src not in done:
                ready = False
                stack.append(src)
        for src in control.get(lid, ()):
            if src not in done:
                ready = False
                stack.append(src)
        if ready:
            order.append(lid)
            stack.pop()
            done.add(lid)
    return order
