"""Parts of a model as models of their own: what HETERO hands a lower-priority device to query.

In automatic mode HETERO lets the first device query the whole model, then gives every later device each
still-unassigned region separately: cut edges become new Parameters and Results, Constants stay inside. A
device's answer depends on that context (nothing can fuse across a cut), so the tool queries the same regions.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from hetero_tool.ir.types import IRModel
from hetero_tool.runtime.openvino import ops_by_layer_id

__all__ = ["region_models"]


def region_models(ir: IRModel, model, regions: Sequence[Collection[int]]) -> list:
    """New ``ov.Model`` objects, one per region (disjoint sets of layer ids of ``model``, read from ``ir``).

    Inputs from outside a region become new Parameters (Constants are kept, as HETERO keeps them); every
    output port consumed outside the region gets a new Result; the region's own Parameters, Results and
    Assigns stay; ops keep their friendly names. All regions are cut from one copy of ``model``: each cut only
    rewires the inputs of its own layers, so the regions do not disturb each other.
    """
    clone = model.clone()
    ops = ops_by_layer_id(ir, clone)
    layer_of = {op.get_name(): lid for lid, op in ops.items()}
    consumers: dict[tuple[int, int], list[int]] = {}
    for edge in ir.edges:
        consumers.setdefault((edge.src, edge.src_port), []).append(edge.dst)
    # Which outputs leave each region is decided on the original graph, before any region is rewired.
    leaving = [
        [(lid, k) for lid in region for k, port in enumerate(ir.layers[lid].outputs)
         if any(c not in region for c in consumers.get((lid, port.id), ()))]
        for region in map(set, regions)
    ]  # fmt: skip
    return [_cut(ir, ops, layer_of, set(region), out, f"region{k}") for k, (region, out) in
            enumerate(zip(regions, leaving))]  # fmt: skip


def _cut(ir: IRModel, ops: dict, layer_of: dict, region: set[int], leaving: list[tuple[int, int]], name: str):
    import openvino as ov

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
    results += [ov.op.Result(ops[lid].output(k)) for lid, k in sorted(leaving)]
    return ov.Model(results, sinks, params, name) if sinks else ov.Model(results, params, name)
