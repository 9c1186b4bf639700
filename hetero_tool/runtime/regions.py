"""Parts of a model as models of their own: what HETERO hands a lower-priority device to query.

In automatic mode HETERO lets the first device query the whole model, then gives every later device each
still-unassigned region separately: cut edges become new Parameters and Results, Constants stay inside. A
device's answer depends on that context (nothing can fuse across a cut), so the tool queries the same regions.
"""

from __future__ import annotations

from collections.abc import Collection

from hetero_tool.ir.types import IRModel
from hetero_tool.runtime.openvino import ops_by_layer_id

__all__ = ["region_model"]


def region_model(ir: IRModel, model, layer_ids: Collection[int], name: str = "region"):
    """A new ``ov.Model`` of the layers ``layer_ids`` of ``model`` (read from ``ir``).

    Inputs from outside the region become new Parameters (Constants are kept, as HETERO keeps them); every
    output port consumed outside the region gets a new Result; the region's own Parameters, Results and
    Assigns stay. The region's ops keep their friendly names.
    """
    import openvino as ov

    clone = model.clone()
    ops = ops_by_layer_id(ir, clone)
    region = set(layer_ids)
    layer_of = {op.get_name(): lid for lid, op in ops.items()}
    params, results, sinks = [], [], []
    for lid in ir.layers:  # XML order keeps the new model's Parameters and Results in a stable order
        if lid not in region:
            continue
        op, kind = ops[lid], ir.layers[lid].ir_type
        if kind == "Parameter":
            params.append(op)
        elif kind == "Result":
            results.append(op)
        elif kind == "Assign":
            sinks.append(op)
        for port in op.inputs():
            source = port.get_source_output()
            src = layer_of[source.get_node().get_name()]
            if src in region or ir.layers[src].ir_type == "Const":
                continue
            new = ov.op.Parameter(source.get_element_type(), source.get_partial_shape())
            port.replace_source_output(new.output(0))
            params.append(new)
        if kind in ("Result", "Assign"):
            continue
        for output in op.outputs():
            targets = [t.get_node().get_name() for t in output.get_target_inputs()]
            if any(layer_of.get(t) not in region for t in targets):
                results.append(ov.op.Result(output))
    model_region = ov.Model(results, sinks, params, name) if sinks else ov.Model(results, params, name)
    return model_region
