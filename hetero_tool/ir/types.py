"""Small explicit types for an OpenVINO IR: ports, layers, edges, bodies and the model.

They mirror the ``.xml`` one to one, so what the parser reads is what the rest of the tool sees. The node key
everywhere is the IR layer ``id`` (an ``int``); the friendly ``name`` is a label and an index
(:attr:`IRModel.ids_by_name`), never a key, because IR names need not be unique.

Shapes keep dynamic dimensions as such: a static dimension is an ``int``, a dynamic one is the IR's text,
``"?"`` (unknown) or an interval such as ``"1..10"``; a shape of ``None`` means the rank itself is dynamic.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from hetero_tool.errors import PlanError

if TYPE_CHECKING:
    from hetero_tool.ir.order import OrderedLayers

__all__ = [
    "Dim",
    "Port",
    "Layer",
    "Edge",
    "PortMapping",
    "Body",
    "IRModel",
    "ELEMENT_BITS",
    "IR_TYPE_TO_OP_TYPE",
    "STRUCTURAL_TYPES",
    "op_type_from_ir_type",
    "element_type_from_precision",
    "format_shape",
    "ir_sha256",
    "walk_layers",
]

Dim = int | str
"""A dimension: an ``int`` when static, else the IR's text for it (``"?"``, ``"1..10"``)."""

#: Bits per element for every OpenVINO element type, by its ``ov.Type`` name. ``None``: no fixed size.
ELEMENT_BITS: Mapping[str, int | None] = {
    "f64": 64, "f32": 32, "f16": 16, "bf16": 16,
    "f8e4m3": 8, "f8e5m2": 8, "f8e8m0": 8, "f4e2m1": 4, "nf4": 4,
    "i64": 64, "i32": 32, "i16": 16, "i8": 8, "i4": 4,
    "u64": 64, "u32": 32, "u16": 16, "u8": 8, "u6": 6, "u4": 4, "u3": 3, "u2": 2, "u1": 1,
    "boolean": 8, "string": None, "dynamic": None, "undefined": None,
}  # fmt: skip

# Port precisions as the IR serializer writes them (`get_precision_name` in OpenVINO's serialize.cpp),
# plus the spellings older IRs use. Anything else is taken as an element type name written in upper case.
_PRECISION_TO_ELEMENT = {
    "FP64": "f64", "FP32": "f32", "FP16": "f16", "BF16": "bf16",
    "BIN": "u1", "BOOL": "boolean", "UNSPECIFIED": "undefined",
}  # fmt: skip

#: IR ``type`` names that differ from OpenVINO's op type names (``translate_type_name`` in OpenVINO's
#: IR serializer and reader). Every other IR type name is the op type name.
IR_TYPE_TO_OP_TYPE: Mapping[str, str] = {
    "Const": "Constant",
    "PReLU": "PRelu",
    "ReLU": "Relu",
    "SoftMax": "Softmax",
}


#: Op types that are not computations: HETERO places them by their neighbours (a Result with its producer, a
#: Constant cloned into its consumers' submodels), devices never refuse them, and they take no time of their
#: own.
STRUCTURAL_TYPES = frozenset({"Parameter", "Constant", "Result"})


def op_type_from_ir_type(ir_type: str) -> str:
    """OpenVINO's op type name (``op.get_type_name()``) for an IR ``type`` attribute.

    Examples
    --------
    >>> op_type_from_ir_type("Const"), op_type_from_ir_type("Convolution")
    ('Constant', 'Convolution')
    """
    return IR_TYPE_TO_OP_TYPE.get(ir_type, ir_type)


def element_type_from_precision(precision: str) -> str:
    """The ``ov.Type`` name (``"f32"``) for an IR port precision (``"FP32"``).

    Examples
    --------
    >>> element_type_from_precision("FP16"), element_type_from_precision("I64")
    ('f16', 'i64')
    """
    return _PRECISION_TO_ELEMENT.get(precision, precision.lower())


def format_shape(shape: tuple[Dim, ...] | None) -> str:
    """Shape in OpenVINO's notation: ``[1,3,?,1..10]``, ``[]`` for a scalar, ``[...]`` for dynamic rank.

    Examples
    --------
    >>> format_shape((1, 3, "?", "1..10")), format_shape(()), format_shape(None)
    ('[1,3,?,1..10]', '[]', '[...]')
    """
    if shape is None:
        return "[...]"
    return "[" + ",".join(str(d) for d in shape) + "]"


class Port(NamedTuple):
    """One input or output port of a layer, as ``<port>`` declares it.

    A named tuple rather than a dataclass: a big IR has hundreds of thousands of ports, and tuples are the
    cheapest records Python builds.
    """

    #: The IR port id. A layer's input and output ports share one id space (inputs first).
    id: int
    #: Precision as written in the IR (``"FP32"``, ``"I64"``); see :attr:`element_type`.
    precision: str
    #: Dimensions; dynamic ones kept as text. ``None`` when the rank is dynamic.
    shape: tuple[Dim, ...] | None
    #: Tensor names (the ``names`` attribute, unescaped), output ports only.
    names: tuple[str, ...] = ()

    @property
    def element_type(self) -> str:
        """``ov.Type`` name of the precision, e.g. ``"f32"``."""
        return element_type_from_precision(self.precision)

    @property
    def is_static(self) -> bool:
        """Whether every dimension (and the rank) is known."""
        return self.shape is not None and str not in map(type, self.shape)  # dynamic dims are text

    @property
    def nbytes(self) -> int | None:
        """Bytes of the tensor on this port, or ``None`` when the shape is dynamic or the size varies.

        Sub-byte types are packed, as OpenVINO packs them: ``ceil(elements * bits / 8)``.

        Examples
        --------
        >>> Port(id=0, precision="FP32", shape=(1, 3, 2, 2)).nbytes
        48
        >>> Port(id=0, precision="U4", shape=(3,)).nbytes, Port(id=0, precision="FP32", shape=("?", 3)).nbytes
        (2, None)
        """
        bits = ELEMENT_BITS.get(self.element_type)
        if bits is None or not self.is_static:
            return None
        return math.ceil(math.prod(self.shape) * bits / 8)  # type: ignore[arg-type]


class Layer(NamedTuple):
    """One ``<layer>``: an operation of the model.

    A named tuple, like :class:`Port` and :class:`Edge`: these are the records the parser creates in bulk.
    """

    #: The IR layer id: the node key everywhere in the tool.
    id: int
    #: The layer's ``name`` attribute: OpenVINO's friendly name. Not necessarily unique.
    name: str
    #: The IR ``type`` attribute as written (``"Const"``, ``"ReLU"``); see :attr:`type`.
    ir_type: str
    #: Opset the type comes from (``"opset1"``, ``"opset8"``, ``"extension"``, ...).
    version: str
    #: Attributes of the ``<data>`` element, as written.
    data: Mapping[str, str] = MappingProxyType({})
    #: Input port ids, in order: the n-th is OpenVINO's input n. An input's type and shape are its producer's
    #: (:meth:`IRModel.input_port`), as OpenVINO's reader takes them; the IR's copy of them is not read.
    inputs: tuple[int, ...] = ()
    #: Output ports, in order: the n-th entry is OpenVINO's output n.
    outputs: tuple[Port, ...] = ()
    #: Bodies of TensorIterator, Loop and If layers, kept attached to the layer.
    bodies: tuple[Body, ...] = ()
    #: Line of the ``<layer>`` element in the XML (0 when unknown), for messages.
    line: int = 0

    @property
    def type(self) -> str:
        """OpenVINO's op type name (``"Constant"``, ``"Relu"``), as ``op.get_type_name()`` gives it."""
        return IR_TYPE_TO_OP_TYPE.get(self.ir_type, self.ir_type)

    @property
    def weight_bytes(self) -> int:
        """Bytes this layer reads from the ``.bin``: the ``size`` of a Const, 0 for everything else."""
        if self.ir_type != "Const":
            return 0
        return int(self.data.get("size", 0))

    @property
    def label(self) -> str:
        """A readable handle for messages: ``layer 7 ('conv1')``."""
        return f"layer {self.id} ({self.name!r})" if self.name else f"layer {self.id} ({self.ir_type})"

    def output_port(self, port_id: int) -> Port:
        """The output port with IR id ``port_id``; ``KeyError`` when there is none."""
        for port in self.outputs:
            if port.id == port_id:
                return port
        raise KeyError(port_id)

    def input_index(self, port_id: int) -> int:
        """OpenVINO's input index for IR input port ``port_id``."""
        try:
            return self.inputs.index(port_id)
        except ValueError:
            raise KeyError(port_id) from None

    def output_index(self, port_id: int) -> int:
        """OpenVINO's output index for IR output port ``port_id``."""
        for i, port in enumerate(self.outputs):
            if port.id == port_id:
                return i
        raise KeyError(port_id)


class Edge(NamedTuple):
    """One ``<edge>``: output port ``src_port`` of layer ``src`` feeds input port ``dst_port`` of ``dst``.

    A named tuple, like :class:`Port`, for parsing speed.
    """

    src: int
    src_port: int
    dst: int
    dst_port: int
    #: Line of the ``<edge>`` element in the XML (0 when unknown).
    line: int = 0


@dataclass(frozen=True, slots=True)
class PortMapping:
    """One entry of a TensorIterator/Loop/If port map: an outer port bound to a body Parameter/Result."""

    #: ``"input"`` (outer input -> body Parameter) or ``"output"`` (body Result -> outer output).
    kind: str
    #: The outer layer's port id (-1 for body-internal Loop ports).
    external_port_id: int
    #: The layer id of the body Parameter or Result.
    internal_layer_id: int
    #: The remaining attributes as written: ``axis``, ``start``, ``stride``, ``part_size``, ``end``,
    #: ``purpose``.
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Body:
    """A sub-model of a TensorIterator, Loop (``"body"``) or If (``"then_body"``, ``"else_body"``)."""

    #: The element it came from: ``"body"``, ``"then_body"`` or ``"else_body"``.
    name: str
    #: The body itself, parsed like any IR.
    model: IRModel
    #: Port map entries that belong to this body.
    port_map: tuple[PortMapping, ...] = ()
    #: Back edges (body Result -> body Parameter between iterations), TensorIterator and Loop only.
    back_edges: tuple[Edge, ...] = ()


@dataclass(frozen=True)
class IRModel:
    """A parsed OpenVINO IR: layers in XML order and the edges between them.

    Use :func:`hetero_tool.ir.parse_ir` to read one and :func:`hetero_tool.ir.graph_from_ir` for the networkx
    view. Indexes (by name, by producer) are built on first use.
    """

    #: The ``<net name=...>``: OpenVINO's model name.
    name: str
    #: IR version (10 or 11).
    version: int
    #: Layers by id, in the order of the XML.
    layers: Mapping[int, Layer]
    #: Edges in the order of the XML.
    edges: tuple[Edge, ...]
    #: The ``.xml`` it was read from (``None`` for a body or a model built in memory).
    path: Path | None = None
    #: The ``.bin`` holding the constants (``None`` when there is none or for a body).
    weights_path: Path | None = None
    #: Layers of the XML that no Result or Assign depends on. OpenVINO's reader drops them (so do
    #: :attr:`layers` and :attr:`edges`); they are kept here only to be reported.
    unreachable: tuple[Layer, ...] = ()
    #: The input shapes the model was reshaped to when it was loaded (input name, ``""`` for every input ->
    #: shape, as ``--shape`` gives them): ``{}`` for a model as it was read. See
    #: :func:`~hetero_tool.ir.formats.load_ir`.
    shapes: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        where = f" from {self.path.name}" if self.path is not None else ""
        size = f"{len(self.layers):,} layers, {len(self.edges):,} edges"
        return f"<IRModel {self.name}{where}: IR v{self.version}, {size}>"

    @cached_property
    def ids_by_name(self) -> Mapping[str, tuple[int, ...]]:
        """Layer ids for each friendly name (a tuple: names may repeat)."""
        index: dict[str, list[int]] = {}
        for layer in self.layers.values():
            index.setdefault(layer.name, []).append(layer.id)
        return {name: tuple(ids) for name, ids in index.items()}

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the files the layer ids refer to: the ``.xml`` bytes, then the ``.bin`` bytes.

        Plans, bench results and cost profiles record it, so one made for another model is refused.
        """
        return ir_sha256(self.path, self.weights_path)

    def check_made_for(self, sha256: str, *, name: str, what: str, where: str) -> None:
        """Refuse a document made for another model: raise :class:`~hetero_tool.errors.PlanError` unless
        ``sha256`` (what ``where``, a ``what`` made for model ``name``, records) is this model's
        :attr:`sha256`."""
        if sha256 != self.sha256:
            raise PlanError(
                f"{where}: the {what} was made for {name!r} (IR sha256 {sha256[:12]}...), not for "
                f"{self.path or self.name} (sha256 {self.sha256[:12]}...)"
            )

    @cached_property
    def _producer(self) -> Mapping[tuple[int, int], tuple[int, int]]:
        return {(dst, dst_port): (src, src_port) for src, src_port, dst, dst_port, _ in self.edges}

    def producer(self, layer_id: int, port_id: int) -> tuple[int, int]:
        """``(layer id, output port id)`` feeding input port ``port_id`` of ``layer_id``."""
        return self._producer[(layer_id, port_id)]

    @cached_property
    def _sources(self) -> Mapping[int, tuple[tuple[int, int], ...]]:
        producer = self._producer
        return {
            lid: tuple([producer[lid, port] for port in layer.inputs]) for lid, layer in self.layers.items()
        }

    def sources(self, layer_id: int) -> tuple[tuple[int, int], ...]:
        """``(layer id, output port id)`` feeding each input of ``layer_id``, in OpenVINO's input order."""
        return self._sources[layer_id]

    @cached_property
    def _consumers_of_layer(self) -> Mapping[int, tuple[int, ...]]:
        found: dict[int, list[int]] = {}
        for src, _, dst, _, _ in self.edges:
            if src in found:
                found[src].append(dst)
            else:
                found[src] = [dst]
        return {src: tuple(ids) for src, ids in found.items()}

    @cached_property
    def _consumers_of_port(self) -> Mapping[tuple[int, int], tuple[int, ...]]:
        found: dict[tuple[int, int], list[int]] = {}
        for src, src_port, dst, _, _ in self.edges:
            found.setdefault((src, src_port), []).append(dst)
        return {key: tuple(ids) for key, ids in found.items()}

    def consumers(self, layer_id: int, port_id: int | None = None) -> tuple[int, ...]:
        """Layers fed by ``layer_id`` (by its output port ``port_id`` when given), one per edge, in XML order.

        Examples
        --------
        >>> from hetero_tool.ir import parse_ir
        >>> ir = parse_ir(samples["mobilenet"])
        >>> image = ir.parameters[0].id
        >>> [ir.layers[lid].type for lid in ir.consumers(image)]
        ['Convolution']
        """
        if port_id is None:
            return self._consumers_of_layer.get(layer_id, ())
        return self._consumers_of_port.get((layer_id, port_id), ())

    @cached_property
    def ordered(self) -> OrderedLayers:
        """The layers in the order of OpenVINO's ``get_ordered_ops()``, with every edge as positions in that
        order (:class:`~hetero_tool.ir.order.OrderedLayers`): computed once per model, for the subgraph
        collector, the fallback and the dumps alike.

        Examples
        --------
        >>> from hetero_tool.ir import parse_ir
        >>> ir = parse_ir(samples["mobilenet"])
        >>> ir.ordered is ir.ordered, len(ir.ordered.ids) == len(ir.layers)
        (True, True)
        """
        from hetero_tool.ir.order import OrderedLayers  # the walk builds on these types

        return OrderedLayers.of(self)

    @property
    def parameters(self) -> list[Layer]:
        """Parameter layers in XML order (the model's inputs)."""
        return [layer for layer in self.layers.values() if layer.ir_type == "Parameter"]

    @property
    def results(self) -> list[Layer]:
        """Result layers in XML order (the model's outputs)."""
        return [layer for layer in self.layers.values() if layer.ir_type == "Result"]

    def input_port(self, layer_id: int, port_id: int) -> Port:
        """The tensor arriving at input port ``port_id`` of ``layer_id``: its producer's output port."""
        src, src_port = self._producer[(layer_id, port_id)]
        return self.layers[src].output_port(src_port)

    def edge_port(self, edge: Edge) -> Port:
        """The producer's output port of ``edge``: the tensor the edge carries."""
        return self.layers[edge.src].output_port(edge.src_port)

    @property
    def weights_bytes(self) -> int:
        """Bytes of all constants, bodies included, as stored in the ``.bin`` (shared regions counted
        once)."""
        regions: set[tuple[int, int]] = set()
        for layer in walk_layers(self):
            if layer.ir_type == "Const":
                regions.add((int(layer.data.get("offset", 0)), layer.weight_bytes))
        return sum(size for _, size in regions)


def walk_layers(model: IRModel) -> Iterator[Layer]:
    """Every layer of ``model`` and, depth first after each layer, the layers of its bodies."""
    for layer in model.layers.values():
        yield layer
        for body in layer.bodies:
            yield from walk_layers(body.model)


def ir_sha256(xml: str | Path | None, weights: str | Path | None) -> str:
    """SHA-256 of an IR's files, as :attr:`IRModel.sha256` records it: the ``.xml`` bytes, then the ``.bin``
    bytes (either may be ``None``), one hash over both in turn."""
    digest = hashlib.sha256()
    for path in (xml, weights):
        if path is not None:
            with open(path, "rb") as stream:
                hashlib.file_digest(stream, lambda: digest)
    return digest.hexdigest()
