"""Shapes a cut changes: what HETERO cannot run because each submodel is a model of its own.

A value a shape depends on (a Reshape's target, a ShapeOf chain, Interpolate's scales) is a constant in the
whole model but an input of the submodel it is cut into, so the shapes that follow from it become unknown
there. :func:`split_shape_problems` cuts the submodels out as HETERO cuts them, lets OpenVINO infer their
shapes, and names what the CPU plugin and HETERO then fail on (OpenVINO 2026.4.1; each case is reproduced
on a small model in ``tests/test_split_failures.py`` and was found on public models by
``tests/test_real_models.py``). The plan warns about them and bench refuses them before compiling.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hetero_tool.ir.types import IRModel
from hetero_tool.partition.subgraphs import CutTensor, Partition

__all__ = ["split_shape_problems"]

#: Ops OpenVINO's CPU plugin compiles only with weights (input 1) of a known shape ("Doesn't support dynamic
#: weights shape").
_STATIC_WEIGHTS = frozenset(
    {
        "Convolution",
        "GroupConvolution",
        "ConvolutionBackpropData",
        "GroupConvolutionBackpropData",
        "BinaryConvolution",
        "DeformableConvolution",
    }
)

#: A cut tensor of at most this many elements may carry a shape (target shapes, axes, Interpolate scales).
_SHAPE_LIKE_ELEMENTS = 64


def split_shape_problems(ir: IRModel, partition: Partition) -> list[str]:
    """What HETERO cannot run because cutting the model changes shapes, each with its fix (empty: nothing).

    Each submodel is cut out as HETERO cuts it and its shapes inferred by OpenVINO
    (:func:`~hetero_tool.ir.ov_model.submodel_shapes`). Three outcomes were seen on real ONNX and TFLite
    models:

    - a convolution's weights of unknown shape: the CPU plugin does not compile it, so HETERO fails to
      compile the plan ("Doesn't support dynamic weights shape"); seen where the ONNX frontend reshapes
      depthwise weights by a computed shape, more often in fp16-compressed IR, whose decompression Converts
      move split points onto such weight paths;
    - a tensor of unknown rank: the CPU plugin does not compile a Reshape to it ("doesn't support Reshape
      operation with dynamic rank"); seen where a bias is reshaped to the rank of the input, computed
      elsewhere;
    - a cut tensor whose host tensor the consuming submodel refuses: HETERO compiles, but no infer request
      can be made ("Can't set the input tensor ... incompatible"). Between two submodels HETERO makes one
      host tensor, shaped like the producer's output in its own submodel with 0 for every unknown dimension,
      and binds it to the consumer's input, which has the tensor's shape in the whole model. This also
      catches a dimension the whole model leaves dynamic but bounded below (``[?,8,1..,1..]``, what a
      convolution makes of a dynamic input); fully dynamic dimensions on both sides are fine.

    Cheap when nothing can go wrong: OpenVINO is asked only when a cut tensor is an integer tensor, a small
    float tensor, or has a dynamic shape, and only about the submodels such tensors enter or leave.
    """
    carrying = [cut for cut in partition.cuts if _may_carry_shapes(ir, cut)]
    if partition.count < 2 or not carrying:
        return []
    from hetero_tool.ir.ov_model import ops_by_layer_id, ov_model_from_ir, submodel_shapes

    # Only a submodel that takes in or gives out such a tensor can have shapes the whole model does not.
    checked = {cut.from_subgraph for cut in carrying} | {k for cut in carrying for k in cut.to_subgraphs}
    regions = [partition.subgraphs[k].layers for k in sorted(checked)]
    model = ov_model_from_ir(ir)
    ops = ops_by_layer_id(ir, model)
    whole = {
        (lid, k): ops[lid].output(k).get_partial_shape()
        for region in regions
        for lid in region
        for k in range(ops[lid].get_output_size())
    }
    shapes = _Shapes(ir, whole, submodel_shapes(ir, model, regions, clone=False, ops=ops))
    keep = "keep the layers that compute such a shape in the subgraph that uses it"
    problems = []
    weights = shapes.unknown_weights(partition)
    if weights:
        problems.append(
            f"{len(weights)} convolution(s) get weights of unknown shape in their submodel "
            f"({_first(weights)}), because the weights' shape is computed in another subgraph, and the CPU "
            f"plugin does not compile a convolution with dynamic weights; {keep}"
        )
    ranks = shapes.unknown_ranks(partition)
    if ranks:
        problems.append(
            f"{len(ranks)} tensor(s) have an unknown rank in their submodel ({_first(ranks)}), because their "
            f"shape is computed in another subgraph, and the CPU plugin does not compile a Reshape to an "
            f"unknown rank; {keep}"
        )
    unbindable, value_dependent = shapes.unbindable_cuts(partition)
    if unbindable:
        fix = (
            keep
            if value_dependent
            else "make the plan for static input shapes (--shape), or keep that part in one subgraph"
        )
        problems.append(
            f"{len(unbindable)} tensor(s) crossing subgraph boundaries cannot be handed over "
            f"({_first(unbindable)}): HETERO sizes the host tensor between two submodels like the "
            "producer's output in its own submodel, with 0 for every dimension unknown there, and the "
            f"consuming submodel refuses it, so no infer request can be created; {fix}"
        )
    return problems


@dataclass(frozen=True)
class _Shapes:
    """Shapes of the whole model and of each output inside its submodel, and what differs between them."""

    ir: IRModel
    #: ``(layer id, output index)`` -> its shape in the whole model (the outputs of the checked submodels).
    whole: Mapping[tuple[int, int], Any]
    #: ``(layer id, output index)`` -> its shape in its submodel (missing: not inferred).
    inside: Mapping[tuple[int, int], Any]

    def unknown_weights(self, partition: Partition) -> list[str]:
        """Convolutions whose weights have a known shape in the model but not in their submodel."""
        found = []
        for sg in partition.subgraphs:
            members = set(sg.layers)
            for lid in sg.layers:
                layer = self.ir.layers[lid]
                if layer.type not in _STATIC_WEIGHTS or len(layer.inputs) < 2:
                    continue
                src, port = self.ir.sources(lid)[1]
                k = self.ir.layers[src].output_index(port)
                inside = self.inside.get((src, k)) if src in members else None
                if inside is not None and inside.is_dynamic and self.whole[src, k].is_static:
                    found.append(f"{layer.label}: weights {inside}, {self.whole[src, k]} in the model")
        return found

    def unknown_ranks(self, partition: Partition) -> list[str]:
        """Outputs whose rank is known in the model but not in their submodel."""
        return [
            f"{self.ir.layers[lid].label} output {k}: {self.whole[lid, k]} in the model"
            for sg in partition.subgraphs
            for lid in sg.layers
            for k in range(len(self.ir.layers[lid].outputs))
            if (lid, k) in self.inside
            and self.inside[lid, k].rank.is_dynamic
            and self.whole[lid, k].rank.is_static
        ]

    def unbindable_cuts(self, partition: Partition) -> tuple[list[str], bool]:
        """Cut tensors whose host tensor the consuming submodel refuses, and whether any of them is less
        static in its submodel than in the model."""
        import openvino as ov

        found, value_dependent = [], False
        for cut in partition.cuts:
            layer = self.ir.layers[cut.producer]
            k = layer.output_index(cut.port)
            produced = self.inside.get((cut.producer, k))
            if produced is None or produced.rank.is_dynamic:
                continue
            expected = self.whole[cut.producer, k]
            host = ov.PartialShape([d.get_length() if d.is_static else 0 for d in produced])
            if expected.compatible(host):
                continue
            value_dependent |= produced != expected
            found.append(
                f"{layer.label} output {k} is {produced} in its submodel, so the host tensor is {host}, "
                f"where {expected} is expected"
            )
        return found, value_dependent


def _may_carry_shapes(ir: IRModel, cut: CutTensor) -> bool:
    """Whether a cut tensor could change shapes in the submodel it enters: an integer tensor, a small float
    tensor, or one of a dynamic shape."""
    port = ir.layers[cut.producer].output_port(cut.port)
    if not port.is_static or not port.element_type.startswith(("f", "bf")):
        return True
    return math.prod(port.shape) <= _SHAPE_LIKE_ELEMENTS  # type: ignore[arg-type]


def _first(items: Sequence[str], shown: int = 3) -> str:
    """The first ``shown`` of ``items``, and how many more."""
    more = f"; and {len(items) - shown} more" if len(items) > shown else ""
    return "; ".join(items[:shown]) + more
