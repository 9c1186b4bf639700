"""The ``ov.Model`` behind an :class:`~hetero_tool.ir.types.IRModel`, op for layer, and parts of it as models.

A plan is keyed by IR layer id; OpenVINO ops carry no such id. The two are joined by position: the tool
reproduces ``get_ordered_ops()`` on the IR exactly (:func:`~hetero_tool.ir.order.ordered_layer_ids`), so the
k-th op OpenVINO lists is the k-th layer the tool lists, whatever the names are (they need not be unique).

:func:`region_models` cuts parts of a model into models of their own, as HETERO hands them to a lower-priority
device to query: in automatic mode HETERO lets the first device query the whole model, then gives every later
device each still-unassigned region separately. A device's answer depends on that context (nothing can fuse
across a cut), so the tool queries the same regions.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from hetero_tool._ov import shared_core
from hetero_tool.errors import BackendError
from hetero_tool.ir.order import ordered_layer_ids
from hetero_tool.ir.types import IRModel

__all__ = ["apply_affinity", "ops_by_layer_id", "ov_model_from_ir", "region_models", "submodel_shapes"]


def ov_model_from_ir(ir: IRModel):
    """Read the IR as OpenVINO sees it, op for layer.

    IR v11 goes through ``Core.read_model``. IR v10 goes through the IR frontend directly: ``read_model``
    would add the legacy API's precision Converts (and rename producers) that the IR does not contain.

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> ir = parse_ir(samples["mobilenet"])
    >>> len(ov_model_from_ir(ir).get_ordered_ops()) == len(ir.layers)
    True
    """
    if ir.path is None:
        raise BackendError(f"model {ir.name!r} was not read from a file")
    if ir.version == 10:
        from openvino.frontend import FrontEndManager

        frontend = FrontEndManager().load_by_framework("ir")
        return frontend.convert(frontend.load(str(ir.path)))
    return shared_core().read_model(ir.path)


def ops_by_layer_id(ir: IRModel, model) -> dict:
    """Map every IR layer id to its op in ``model`` (read from this IR).

    Raises :class:`~hetero_tool.errors.BackendError` if the model is not the one the IR describes.
    """
    ops = model.get_ordered_ops()
    ids = ordered_layer_ids(ir)
    if len(ops) != len(ids):
        raise BackendError(f"{ir.path}: OpenVINO's model has {len(ops)} ops, the IR {len(ids)} layers")
    mapping = {}
    for lid, op in zip(ids, ops):
        layer = ir.layers[lid]
        if op.get_friendly_name() != layer.name or op.get_type_name() != layer.type:
            raise BackendError(
                f"{ir.path}: op {op.get_friendly_name()!r} ({op.get_type_name()}) "
                f"does not match {layer.label}"
            )
        mapping[lid] = op
    return mapping


def apply_affinity(ir: IRModel, model, affinity: Mapping[int, str]) -> None:
    """Set ``rt_info["affinity"]`` on every op of ``model``: HETERO's manual mode needs all of them."""
    for lid, op in ops_by_layer_id(ir, model).items():
        op.get_rt_info()["affinity"] = affinity[lid]


def region_models(ir: IRModel, model, regions: Sequence[Collection[int]]) -> list:
    """New ``ov.Model`` objects, one per region (disjoint sets of layer ids of ``model``, read from ``ir``).

    Inputs from outside a region become new Parameters (Constants are kept, as HETERO keeps them); every
    output port consumed outside the region gets a new Result; the region's own Parameters, Results and
    Assigns stay; ops keep their friendly names. All regions are cut from one copy of ``model``: each cut only
    rewires the inputs of its own layers, so the regions do not disturb each other.
    """
    return _cut_all(ir, model, regions)[0]


def submodel_shapes(
    ir: IRModel, model, regions: Sequence[Collection[int]], *, clone: bool = True, ops: Mapping | None = None
) -> dict[tuple[int, int], object]:
    """``(layer id, output index)`` -> the shape OpenVINO infers for each output of each region's layers, once
    the region is a model of its own (:func:`region_models`), as HETERO makes each submodel.

    A shape can be less static there than in the whole model: a Reshape whose target shape arrives from
    another region knows it only at run time. Regions OpenVINO cannot infer alone are left out. Without
    ``clone`` the regions are cut out of ``model`` itself, which is then spent (``ops``: its
    :func:`ops_by_layer_id`, when the caller has it).
    """
    models, ops, _ = _cut_all(ir, model, regions, clone=clone, ops=ops)
    found = {}
    for piece, region in zip(models, regions):
        try:
            piece.validate_nodes_and_infer_types()
        except Exception:  # shape inference fails without the rest of the model: nothing to predict
            continue
        for lid in region:
            if ir.layers[lid].ir_type != "Result":
                op = ops[lid]
                for k in range(op.get_output_size()):
                    found[lid, k] = op.output(k).get_partial_shape()
    return found


def _cut_all(
    ir: IRModel, model, regions: Sequence[Collection[int]], *, clone: bool = True, ops: Mapping | None = None
):
    """The region models, the ops of the model they are cut from (a clone of ``model``, or ``model`` with
    its ``ops`` when given), and each region's leaving outputs."""
    if clone or ops is None:
        ops = ops_by_layer_id(ir, model.clone() if clone else model)
    layer_of = {op.get_name(): lid for lid, op in ops.items()}
    members = [set(region) for region in regions]
    # Which outputs leave each region is decided on the original graph, before any region is rewired.
    leaving = [
        [
            (lid, k)
            for lid in region
            for k, port in enumerate(ir.layers[lid].outputs)
            if any(c not in region for c in ir.consumers(lid, port.id))
        ]
        for region in members
    ]
    models = [
        _cut(ir, ops, layer_of, region, out, f"region{k}")
        for k, (region, out) in enumerate(zip(members, leaving))
    ]
    return models, ops, leaving


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
