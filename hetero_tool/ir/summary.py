"""What ``hetero-tool inspect`` reports about a model, as data.

:func:`summary_from_ir` condenses an :class:`~hetero_tool.ir.types.IRModel` into a :class:`ModelSummary`;
the CLI renders it as tables or as JSON (:meth:`ModelSummary.to_json`), and notebooks can use it directly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hetero_tool.ir.types import Dim, IRModel, format_shape, walk_layers

__all__ = ["TensorSummary", "ModelSummary", "summary_from_ir", "SUMMARY_SCHEMA_VERSION"]

#: Version of the JSON written by :meth:`ModelSummary.to_json`; bumped on incompatible changes.
SUMMARY_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class TensorSummary:
    """A model input or output."""

    #: Friendly name of the Parameter or Result layer.
    name: str
    #: IR layer id of that layer.
    layer_id: int
    #: ``ov.Type`` name of its element type (``"f32"``).
    element_type: str
    #: Shape; dynamic dimensions as text, ``None`` for dynamic rank.
    shape: tuple[Dim, ...] | None
    #: Tensor names of the port.
    tensor_names: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "layer_id": self.layer_id,
            "element_type": self.element_type,
            "shape": format_shape(self.shape),
            "tensor_names": list(self.tensor_names),
        }


@dataclass(frozen=True)
class ModelSummary:
    """Headline facts about a model: what ``inspect`` prints."""

    #: Model name (``<net name>``).
    name: str
    #: The IR ``.xml`` it was read from.
    path: Path | None
    #: IR version (10 or 11).
    ir_version: int
    #: Parameters, in IR order.
    inputs: tuple[TensorSummary, ...]
    #: Results, in IR order.
    outputs: tuple[TensorSummary, ...]
    #: Top-level layers (equals ``len(model.get_ordered_ops())`` in OpenVINO).
    layers: int
    #: Top-level edges (equals the number of op inputs in OpenVINO).
    edges: int
    #: Layers per OpenVINO op type name, most frequent first, then by name.
    op_types: dict[str, int]
    #: Bytes of constants stored in the ``.bin`` (bodies included, shared regions once).
    weights_bytes: int
    #: Whether any input or layer output has a dynamic dimension or rank. (The IR writes a dynamic-rank
    #: output like a scalar; only a Parameter's ``shape`` says "...". Dynamic inputs are always caught.)
    dynamic: bool
    #: Layers inside the bodies of TensorIterator, Loop and If layers, recursively.
    body_layers: int = 0
    #: Layers of the XML that no output depends on: OpenVINO's reader drops them, and so does the tool.
    unreachable_layers: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; stable keys (``schema_version`` tells their version)."""
        return {
            "schema_version": SUMMARY_SCHEMA_VERSION,
            "name": self.name,
            "path": str(self.path) if self.path else None,
            "ir_version": self.ir_version,
            "layers": self.layers,
            "edges": self.edges,
            "op_types": dict(self.op_types),
            "inputs": [t.to_json() for t in self.inputs],
            "outputs": [t.to_json() for t in self.outputs],
            "weights_bytes": self.weights_bytes,
            "dynamic": self.dynamic,
            "body_layers": self.body_layers,
            "unreachable_layers": list(self.unreachable_layers),
        }


def summary_from_ir(ir: IRModel) -> ModelSummary:
    """Condense an IR into a :class:`ModelSummary`.

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> summary = summary_from_ir(parse_ir(samples["mobilenet"]))
    >>> summary.inputs[0].shape, summary.dynamic
    ((1, 3, 64, 64), False)
    """
    inputs = tuple(
        TensorSummary(
            name=layer.name,
            layer_id=layer.id,
            element_type=layer.outputs[0].element_type
            if layer.outputs
            else layer.data.get("element_type", ""),
            shape=layer.outputs[0].shape if layer.outputs else None,
            tensor_names=layer.outputs[0].names if layer.outputs else (),
        )
        for layer in ir.parameters
    )
    outputs = []
    for layer in ir.results:
        produced = ir.input_port(layer.id, layer.inputs[0])
        outputs.append(
            TensorSummary(
                name=layer.name,
                layer_id=layer.id,
                element_type=produced.element_type,
                shape=produced.shape,
                tensor_names=produced.names,
            )
        )
    counts = Counter(layer.type for layer in ir.layers.values())
    dynamic = any(not port.is_static for layer in ir.layers.values() for port in layer.outputs)
    body_layers = sum(1 for _ in walk_layers(ir)) - len(ir.layers)
    return ModelSummary(
        name=ir.name,
        path=ir.path,
        ir_version=ir.version,
        inputs=inputs,
        outputs=tuple(outputs),
        layers=len(ir.layers),
        edges=len(ir.edges),
        op_types=dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        weights_bytes=ir.weights_bytes,
        dynamic=dynamic,
        body_layers=body_layers,
        unreachable_layers=tuple(layer.name for layer in ir.unreachable),
    )
