"""Streaming, hardened parser for OpenVINO IR ``.xml`` files (IR v10 and v11).

The XML is read once, in chunks, by expat; a small state machine turns each element into the tool's types as
it streams past, with no document tree in between, so memory is bounded by the resulting
:class:`~hetero_tool.ir.types.IRModel`, not by the XML text. Bodies of TensorIterator, Loop and If layers are
parsed as models of their own and stay attached to their layer.

Untrusted input is refused, not tolerated, the way ``defusedxml`` hardens expat: a DOCTYPE (the only carrier
of entity declarations, hence of entity expansion and external entities) is an error at its first byte, no
external entity or parameter entity is ever resolved, and an undeclared entity is malformed XML. Every other
problem (bad XML, a dangling edge, a duplicate id, a cycle, a short ``.bin``) is an
:class:`~hetero_tool.errors.IRError` naming the file, the XML line and the layer.

The ``.bin`` is not needed to build the graph; :func:`check_weights` only checks that it exists and covers
every constant.
"""

from __future__ import annotations

import math
import operator
import pyexpat
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NoReturn

from hetero_tool._gc import paused_gc
from hetero_tool.errors import InputError, IRError, WeightsError
from hetero_tool.ir.types import (
    ELEMENT_BITS,
    Body,
    Dim,
    Edge,
    IRModel,
    Layer,
    Port,
    PortMapping,
    walk_layers,
)

__all__ = ["parse_ir", "check_weights", "SUPPORTED_IR_VERSIONS"]

#: IR versions OpenVINO's reader accepts (it refuses the others, so do we).
SUPPORTED_IR_VERSIONS = (10, 11)

_BODY_PORT_MAPS = {"body": "port_map", "then_body": "then_port_map", "else_body": "else_port_map"}
_PORT_MAPS = frozenset(_BODY_PORT_MAPS.values())
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")
# Marks each <dim> in the collected character data of an output port. XML text cannot hold it, not even as a
# character reference, so it cannot clash with the document's own text.
_DIM = "\0"
_IGNORE = set().discard  # a C-level no-op of one argument: where <dim> marks go outside output ports
_NO_DATA: Mapping[str, str] = MappingProxyType({})  # the data of a layer without <data>
# A NamedTuple's generated ``__new__`` runs a Python frame per record; ``tuple.__new__`` builds the same
# record in C. The parser builds hundreds of thousands of them, every field given, so it calls this directly.
_record = tuple.__new__


def parse_ir(
    xml_path: str | Path, *, weights_path: str | Path | None = None, check_bin: bool = True
) -> IRModel:
    """Read an OpenVINO IR ``.xml`` into an :class:`~hetero_tool.ir.types.IRModel`.

    Parameters
    ----------
    xml_path
        The IR ``.xml``.
    weights_path
        Its ``.bin``. Defaults to ``xml_path`` with the suffix ``.bin``, as OpenVINO looks for it.
    check_bin
        Check that the ``.bin`` exists and covers every constant (:func:`check_weights`). Defaults to True.

    Returns
    -------
    IRModel
        Layers (bodies attached), edges, and where it came from.

    Raises
    ------
    IRError
        Malformed or hostile XML, an unsupported IR version, a duplicate layer id, an edge to a missing layer
        or port, an input fed twice or not at all, a cycle. ``WeightsError`` (a subclass) for a missing or
        truncated ``.bin``. The message names the file, XML line and layer.

    Examples
    --------
    >>> import pathlib
    >>> xml = '''<net name="tiny" version="11"><layers>
    ... <layer id="0" name="x" type="Parameter" version="opset1"><data shape="1,8" element_type="f32"/>
    ...   <output><port id="0" precision="FP32"><dim>1</dim><dim>8</dim></port></output></layer>
    ... <layer id="1" name="relu" type="ReLU" version="opset1">
    ...   <input><port id="0" precision="FP32"><dim>1</dim><dim>8</dim></port></input>
    ...   <output><port id="1" precision="FP32"><dim>1</dim><dim>8</dim></port></output></layer>
    ... <layer id="2" name="out" type="Result" version="opset1">
    ...   <input><port id="0" precision="FP32"><dim>1</dim><dim>8</dim></port></input></layer>
    ... </layers><edges><edge from-layer="0" from-port="0" to-layer="1" to-port="0"/>
    ... <edge from-layer="1" from-port="1" to-layer="2" to-port="0"/></edges></net>'''
    >>> path = pathlib.Path(tmp, "tiny.xml")
    >>> _ = path.write_text(xml)
    >>> ir = parse_ir(path)
    >>> ir.name, len(ir.layers), [layer.type for layer in ir.layers.values()]
    ('tiny', 3, ['Parameter', 'Relu', 'Result'])
    >>> ir.layers[1].outputs[0].nbytes
    32
    """
    path = Path(xml_path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with paused_gc():
        return _parse(path, weights_path, check_bin)


def _parse(path: Path, weights_path: str | Path | None, check_bin: bool) -> IRModel:
    name, version, top = _Reader(path).read()
    if not top.layers:
        raise IRError(path, "the IR has no layers")
    layers, edges, unreachable = _checked(path, top.layers, top.edges)
    bin_path = Path(weights_path) if weights_path is not None else path.with_suffix(".bin")
    model = IRModel(
        name=name,
        version=version,
        layers=layers,
        edges=tuple(edges),
        path=path,
        weights_path=bin_path if bin_path.is_file() else None,
        unreachable=unreachable,
    )
    if check_bin:
        check_weights(model, bin_path)
    return model


def check_weights(model: IRModel, weights_path: str | Path | None = None) -> None:
    """Check that the ``.bin`` exists and is long enough for every Const, bodies included.

    Each Const's ``size`` must also match its shape and element type (OpenVINO refuses the model otherwise).
    A model without constants needs no ``.bin``. Raises :class:`~hetero_tool.errors.WeightsError` naming the
    first constant (in XML order) that reads past the end of the file.
    """
    xml = model.path or Path(f"<{model.name}>")
    regions = [
        (layer, *_const_region(xml, layer)) for layer in walk_layers(model) if layer.ir_type == "Const"
    ]
    needed = max((end for _, _, end in regions), default=0)
    if not needed:
        return
    bin_path = Path(weights_path) if weights_path is not None else xml.with_suffix(".bin")
    if not bin_path.is_file():
        raise WeightsError(
            xml, f"weights file {bin_path} not found ({len(regions)} constants need {needed} bytes of it)"
        )
    size = bin_path.stat().st_size
    if needed > size:
        layer, start, end = next(region for region in regions if region[2] > size)
        raise WeightsError(
            xml,
            f"{layer.label} reads bytes {start}..{end} of {bin_path.name}, which has only {size} bytes "
            "(truncated, or the .bin of another model)",
            line=layer.line,
        )


# -- streaming ---------------------------------------------------------------------------------------------


class _Extras:
    """What a TensorIterator, Loop or If layer holds beyond its ports: port maps, back edges, bodies."""

    __slots__ = ("port_maps", "back_edges", "bodies")

    def __init__(self) -> None:
        self.port_maps: dict[str, list[PortMapping]] = {}
        self.back_edges: list[Edge] = []
        self.bodies: list[tuple[str, IRModel]] = []


class _Scope:
    """One model while it streams past (the top level, or a body): its layers and edges so far, and the
    layer still open, whose parts are kept raw until the layer is complete."""

    __slots__ = (
        "name",
        "parent",
        "layers",
        "edges",
        "section",
        "layer",
        "line",
        "data",
        "inputs",
        "outputs",
        "extras",
    )

    def __init__(self, name: str, parent: _Scope | None = None) -> None:
        self.name = name
        self.parent = parent
        self.layers: dict[int, Layer] = {}
        self.edges: list[Edge] = []
        #: The container the next elements belong to: "layers", "input", "output", "edges", a port map...
        self.section = ""
        self.layer: dict[str, str] | None = None  # attributes of the open layer
        self.line = 0
        self.data: Mapping[str, str] = _NO_DATA
        self.inputs: list[dict[str, str]] = []
        self.outputs: list[
            tuple[dict[str, str], list[str], int]
        ] = []  # attributes, <dim> text, line per port
        self.extras: _Extras | None = None

    def open_extras(self) -> _Extras:
        """Port maps, back edges and bodies of the open layer."""
        if self.extras is None:
            self.extras = _Extras()
        return self.extras


class _Reader:
    """Expat handlers that turn IR elements into :mod:`~hetero_tool.ir.types` as they stream past.

    Expat calls Python once per start tag, so :meth:`start` handles the frequent tags in a few steps and
    leaves the rest to :meth:`other`. Character data is collected (by a C-level ``list.append``) only in
    output ports, and end tags are listened to only inside bodies and skipped subtrees (``rt_info``,
    metadata), where nesting matters. A layer is built when the next one starts; if that fails,
    :meth:`raise_layer_error` names why.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.header: tuple[str, int] | None = None
        self.top = _Scope("")
        self.scope = self.top
        self.dim = _IGNORE  # called at each <dim>: the open output port's text.append, else a no-op
        self.collecting = False  # whether character data goes to an output port's text
        self.depth = 0  # depth inside a subtree the reader skips
        self.open_bodies = 0
        #: Shapes by the text of their <dim>s: a model repeats a few shapes thousands of times.
        self.shapes: dict[str, tuple[Dim, ...]] = {}
        parser = pyexpat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = 1 << 16
        parser.StartElementHandler = self.root
        # The hardening: refuse every DTD at its start, resolve no entity of any kind.
        parser.StartDoctypeDeclHandler = self.refuse_doctype
        parser.EntityDeclHandler = self.refuse_doctype
        parser.UnparsedEntityDeclHandler = self.refuse_doctype
        parser.ExternalEntityRefHandler = self.refuse_doctype
        parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser = parser

    def read(self) -> tuple[str, int, _Scope]:
        try:
            with open(self.path, "rb") as stream:
                while chunk := stream.read(1 << 20):  # bounded chunks: the text is never held whole
                    self.parser.Parse(chunk, False)
                self.parser.Parse(b"", True)
        except pyexpat.ExpatError as exc:
            raise IRError(
                self.path, f"malformed XML: {pyexpat.ErrorString(exc.code)}", line=exc.lineno
            ) from None
        if self.header is None:
            raise IRError(self.path, "not an OpenVINO IR: the file holds no XML element")
        if self.top.layer is not None:
            self.finish_layer(self.top)
        return self.header[0], self.header[1], self.top

    def fail(self, message: str, line: int | None = None) -> NoReturn:
        raise IRError(self.path, message, line=line or self.parser.CurrentLineNumber)

    def refuse_doctype(self, *args) -> None:
        self.fail(
            "the XML has a DOCTYPE; IR files never do, and DTDs (entity expansion, external entities) "
            "are refused"
        )

    # -- handlers ----------------------------------------------------------------------------------------

    def root(self, tag: str, attrs: dict[str, str]) -> None:
        """The first element: it must be an IR's <net>."""
        if tag != "net":
            self.fail(f"not an OpenVINO IR: the root element is <{tag}>, expected <net>")
        raw = attrs.get("version")
        if raw is None or not raw.isdigit():
            self.fail(f"<net> has no valid IR version (version={raw!r})")
        if int(raw) not in SUPPORTED_IR_VERSIONS:
            self.fail(f"IR version {raw} is not supported (OpenVINO reads IR v10 and v11)")
        self.header = (attrs.get("name", ""), int(raw))
        self.parser.StartElementHandler = self.start

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        """The frequent tags, in order of frequency; :meth:`other` takes the rest."""
        if tag == "dim":
            self.dim(_DIM)
            return
        if self.collecting:  # the output port whose <dim>s were collected has ended
            self.parser.CharacterDataHandler = None
            self.dim = _IGNORE
            self.collecting = False
        scope = self.scope
        if tag == "port":
            if scope.section == "output":
                text: list[str] = []
                scope.outputs.append((attrs, text, self.parser.CurrentLineNumber))
                self.parser.CharacterDataHandler = self.dim = text.append
                self.collecting = True
            elif scope.section == "input":
                scope.inputs.append(attrs)
            else:
                self.fail("a <port> outside a layer's <input> or <output>")
        elif tag == "edge" and scope.section == "edges":
            try:
                scope.edges.append(
                    _record(
                        Edge,
                        (
                            int(attrs["from-layer"]),
                            int(attrs["from-port"]),
                            int(attrs["to-layer"]),
                            int(attrs["to-port"]),
                            self.parser.CurrentLineNumber,
                        ),
                    )
                )
            except (KeyError, ValueError):
                line = self.parser.CurrentLineNumber
                for key in _EDGE_KEYS:
                    _int(self.path, attrs, key, "an <edge>", line)
        elif tag == "layer":
            if scope.layer is not None:
                self.finish_layer(scope)
            scope.section = "layers"  # end tags are not listened to: a sibling layer closes the last one
            scope.layer = attrs
            scope.line = self.parser.CurrentLineNumber
            scope.data = _NO_DATA
            scope.inputs.clear()  # (finish_layer copied them)
            scope.outputs.clear()
            scope.extras = None
        elif tag == "data":
            scope.data = attrs
        elif (tag == "input" or tag == "output") and scope.section not in _PORT_MAPS:
            scope.section = tag
        else:
            self.other(tag, attrs)

    def other(self, tag: str, attrs: dict[str, str]) -> None:
        """Sections, port maps, back edges, bodies; and the subtrees the reader skips."""
        scope = self.scope
        if tag == "edge":
            if scope.section != "back_edges":
                self.fail("an <edge> outside <edges> or <back_edges>")
            scope.open_extras().back_edges.append(self.back_edge(attrs))
        elif tag == "input" or tag == "output":  # in a port map
            if "external_port_id" in attrs:
                scope.open_extras().port_maps[scope.section].append(self.port_mapping(tag, attrs))
            else:
                scope.section = tag
        elif tag == "layers":
            scope.section = tag
        elif tag == "edges":
            if scope.layer is not None:
                self.finish_layer(scope)
            scope.section = tag
        elif tag in _PORT_MAPS:
            scope.section = tag
            scope.open_extras().port_maps[tag] = []
        elif tag == "back_edges":
            scope.section = tag
        elif tag in _BODY_PORT_MAPS:
            if scope.layer is None:
                self.fail(f"a <{tag}> outside a layer")
            self.scope = _Scope(f"{scope.layer.get('name', '')}/{tag}", scope)
            self.open_bodies += 1
            self.parser.EndElementHandler = self.end
        elif tag == "net":
            self.fail("a <net> inside the <net>")
        else:  # rt_info, metadata, v10 pre-process...: nothing the graph needs
            self.depth = 1
            self.parser.StartElementHandler = self.skipped
            self.parser.EndElementHandler = self.end

    def skipped(self, tag: str, attrs: dict[str, str]) -> None:
        """A start tag inside a skipped subtree: only its depth counts."""
        self.depth += 1

    def end(self, tag: str) -> None:
        """Only active inside bodies and skipped subtrees."""
        if self.depth:
            self.depth -= 1
            if not self.depth:
                self.parser.StartElementHandler = self.start
        elif tag in _BODY_PORT_MAPS:
            self.close_body(tag)
        if not self.depth and not self.open_bodies:
            self.parser.EndElementHandler = None

    # -- elements ----------------------------------------------------------------------------------------

    def back_edge(self, attrs: dict[str, str]) -> Edge:
        """A back edge: from-layer (a body Result) feeds to-layer (a body Parameter) in the next iteration."""
        line = self.parser.CurrentLineNumber
        return Edge(
            _int(self.path, attrs, "from-layer", "a back edge", line),
            _int(self.path, attrs, "from-port", "a back edge", line, default=0),  # ports are optional here
            _int(self.path, attrs, "to-layer", "a back edge", line),
            _int(self.path, attrs, "to-port", "a back edge", line, default=0),
            line,
        )

    def port_mapping(self, kind: str, attrs: dict[str, str]) -> PortMapping:
        line = self.parser.CurrentLineNumber
        what = f"a port map <{kind}>"
        rest = {k: v for k, v in attrs.items() if k not in ("external_port_id", "internal_layer_id")}
        return PortMapping(
            kind=kind,
            external_port_id=_int(self.path, attrs, "external_port_id", what, line),
            internal_layer_id=_int(self.path, attrs, "internal_layer_id", what, line),
            attrs=rest,
        )

    def close_body(self, tag: str) -> None:
        body = self.scope
        if body.layer is not None:
            self.finish_layer(body)
        if not body.layers:
            self.fail(f"body {body.name!r} has no layers")
        layers, edges, unreachable = _checked(
            self.path, body.layers, body.edges, where=f"body {body.name!r}: "
        )
        model = IRModel(name=body.name, version=0, layers=layers, edges=tuple(edges), unreachable=unreachable)
        self.scope = body.parent
        self.scope.open_extras().bodies.append((tag, model))
        self.open_bodies -= 1

    def finish_layer(self, scope: _Scope) -> None:
        """Turn the open layer's raw parts into a :class:`Layer`."""
        attrs, line, data = scope.layer, scope.line, scope.data
        scope.layer = None
        shapes = self.shapes
        try:  # the common case, kept lean; anything wrong is named by raise_layer_error
            layer_id = int(attrs["id"])
            ir_type = attrs["type"]
            outputs = []
            for port, text, _ in scope.outputs:
                dims = "".join(text)
                shape = shapes.get(dims)
                if shape is None:
                    shape = shapes[dims] = tuple([_dim_from_text(dim) for dim in dims.split(_DIM)[1:]])
                names = port.get("names")
                outputs.append(
                    _record(
                        Port,
                        (
                            int(port["id"]),
                            port.get("precision", ""),
                            shape,
                            _tensor_names(names) if names else (),
                        ),
                    )
                )
            inputs = tuple([int(port["id"]) for port in scope.inputs])
            if ir_type == "Parameter" and outputs and "shape" in data:
                # The port writes every dynamic dimension as -1; <data shape> keeps intervals and dynamic
                # rank.
                outputs[0] = outputs[0]._replace(shape=_shape_from_text(data["shape"]))
        except (KeyError, ValueError):
            self.raise_layer_error(scope, attrs, line)
        if not ir_type:
            self.raise_layer_error(scope, attrs, line)
        bodies = ()
        extras = scope.extras
        if extras is not None and extras.bodies:
            bodies = tuple(
                Body(
                    name=tag,
                    model=model,
                    port_map=tuple(extras.port_maps.get(_BODY_PORT_MAPS[tag], ())),
                    back_edges=tuple(extras.back_edges) if tag == "body" else (),
                )
                for tag, model in extras.bodies
            )
        layer = _record(
            Layer,
            (
                layer_id,
                attrs.get("name", ""),
                ir_type,
                attrs.get("version", ""),
                data,
                inputs,
                tuple(outputs),
                bodies,
                line,
            ),
        )
        if layer_id in scope.layers:
            first = scope.layers[layer_id]
            self.fail(
                f"duplicate layer id {layer_id}: {first.label} (line {first.line}) and {layer.name!r} both "
                "use it",
                line,
            )
        scope.layers[layer_id] = layer

    def raise_layer_error(self, scope: _Scope, attrs: dict[str, str], line: int) -> NoReturn:
        """Name what :meth:`finish_layer` could not take in the open layer: a bad id, type, port or
        dimension."""
        layer_id = _int(self.path, attrs, "id", "a <layer>", line)
        what = f"layer {layer_id} ({attrs.get('name', '')!r})"
        if not attrs.get("type"):
            self.fail(f"{what} has no type", line)
        for port, text, port_line in scope.outputs:
            _int(self.path, port, "id", f"{what}: a <port>", port_line)
            for dim in "".join(text).split(_DIM)[1:]:
                _checked_dim(self.path, dim, port_line, what)
        for port in scope.inputs:
            _int(self.path, port, "id", f"{what}: a <port>", line)
        if attrs["type"] == "Parameter" and "shape" in scope.data:
            try:
                _shape_from_text(scope.data["shape"])
            except ValueError as exc:
                self.fail(f"{what}: bad dimension {exc.args[0]!r}", line)
        raise AssertionError(f"{what} could not be built, and nothing is wrong with it")  # a bug of ours


_EDGE_KEYS = ("from-layer", "from-port", "to-layer", "to-port")
_SRC = operator.itemgetter(0, 1)  # (src, src_port) of an Edge
_DST = operator.itemgetter(2, 3)  # (dst, dst_port) of an Edge
_SRC_ID = operator.itemgetter(0)
_DST_ID = operator.itemgetter(2)
#: What OpenVINO's reader builds a model back from: its Results and its sinks.
_OUTPUT_TYPES = ("Result", "Assign")


def _int(
    path: Path, attrs: Mapping[str, str], key: str, what: str, line: int, default: int | None = None
) -> int:
    raw = attrs.get(key)
    if raw is None:
        if default is not None:
            return default
        raise IRError(path, f"{what} has no {key!r} attribute", line=line)
    try:
        return int(raw)
    except ValueError:
        raise IRError(path, f"{what}: {key}={raw!r} is not an integer", line=line) from None


def _dim_from_text(text: str) -> Dim:
    """A dimension from its IR text: ``"8"`` is 8, ``"-1"`` and ``"?"`` are ``"?"``, an interval stays text.

    ``ValueError``, carrying the stripped text, for anything else.
    """
    text = text.strip()
    try:
        value = int(text)
    except ValueError:
        if text == "?" or _is_interval(text):
            return text
        raise ValueError(text) from None
    if value < -1:
        raise ValueError(text)
    return "?" if value == -1 else value


def _checked_dim(path: Path, text: str, line: int, what: str) -> Dim:
    """:func:`_dim_from_text`, with a bad dimension an :class:`IRError` naming ``what`` and ``line``."""
    try:
        return _dim_from_text(text)
    except ValueError:
        raise IRError(path, f"{what}: bad dimension {text.strip()!r}", line=line) from None


def _is_interval(text: str) -> bool:
    low, sep, high = text.partition("..")
    return bool(sep) and (low == "" or low.isdigit()) and (high == "" or high.isdigit())


def _shape_from_text(text: str) -> tuple[Dim, ...] | None:
    """A ``<data shape=...>`` value: ``"1,3,?,1..10"``, ``""`` (scalar) or ``"..."`` (dynamic rank)."""
    text = text.strip()
    if text == "...":
        return None
    if not text:
        return ()
    return tuple([_dim_from_text(part) for part in text.split(",")])


def _tensor_names(names: str) -> tuple[str, ...]:
    """The tensor names in an output port's ``names`` attribute: comma-separated, a comma in a name as
    ``\\,``."""
    return tuple([name.replace("\\,", ",") for name in _UNESCAPED_COMMA.split(names)])


# -- consistency ---------------------------------------------------------------------------------------------


def _checked(
    path: Path, layers: dict[int, Layer], edges: list[Edge], where: str = ""
) -> tuple[dict[int, Layer], list[Edge], tuple[Layer, ...]]:
    """Check a model's edges and keep what OpenVINO's reader keeps.

    Every edge joins an existing output port to an existing input port, every input port is fed exactly once,
    and what the outputs depend on is acyclic. Layers that no Result or Assign depends on are dropped, as the
    reader drops them (``XmlDeserializer::parse_function`` builds the model by walking back from Results and
    Assigns, keeping every Parameter): HETERO never sees them, and neither should a plan.
    """
    # The common case, all valid, is checked with set algebra in C; a failure is then located edge by edge.
    outputs = {(lid, port.id) for lid, layer in layers.items() for port in layer.outputs}
    inputs = {(lid, port_id) for lid, layer in layers.items() for port_id in layer.inputs}
    fed = list(map(_DST, edges))  # each input fed exactly once: as many edges as inputs, and the same set
    if not (outputs.issuperset(map(_SRC, edges)) and len(fed) == len(inputs) and inputs == set(fed)):
        _locate_bad_edge(path, layers, edges, outputs, inputs, where)
    if _all_kept(layers, edges):
        return layers, edges, ()
    producers: dict[int, list[int]] = {lid: [] for lid in layers}
    for edge in edges:
        producers[edge.dst].append(edge.src)

    # What the outputs depend on is kept, and must be acyclic (a cycle elsewhere is dropped with it, unseen,
    # as OpenVINO's reader never visits it).
    reached = {lid for lid, layer in layers.items() if layer.ir_type in _OUTPUT_TYPES}
    stack = list(reached)
    while stack:
        for src in producers[stack.pop()]:
            if src not in reached:
                reached.add(src)
                stack.append(src)
    waiting = {lid: len(producers[lid]) for lid in reached}
    ready = [lid for lid, count in waiting.items() if not count]
    consumers: dict[int, list[int]] = {lid: [] for lid in reached}
    for lid in reached:
        for src in producers[lid]:
            consumers[src].append(lid)
    done = 0
    while ready:
        lid = ready.pop()
        done += 1
        for dst in consumers[lid]:
            waiting[dst] -= 1
            if not waiting[dst]:
                ready.append(dst)
    if done < len(reached):
        _raise_cycle(path, layers, producers, {lid for lid, count in waiting.items() if count}, where)
    kept = reached.union(lid for lid, layer in layers.items() if layer.ir_type == "Parameter")
    if len(kept) == len(layers):
        return layers, edges, ()
    dropped = tuple(layer for lid, layer in layers.items() if lid not in kept)
    kept_edges = [edge for edge in edges if edge.src in kept and edge.dst in kept]
    return {lid: layer for lid, layer in layers.items() if lid in kept}, kept_edges, dropped


def _all_kept(layers: dict[int, Layer], edges: list[Edge]) -> bool:
    """Whether, at a glance, the graph is acyclic and every layer is kept: the common case, in C-level
    iterators.

    OpenVINO's serializer numbers layers in topological order, so every edge runs from a lower id to a higher
    one, which rules out a cycle. In an acyclic graph every path ends at a layer without consumers; when those
    are all Results, Assigns or unfed Parameters, every layer is kept. Anything else takes the full check.
    """
    if not all(map(operator.lt, map(_SRC_ID, edges), map(_DST_ID, edges))):
        return False
    ends = layers.keys() - set(map(_SRC_ID, edges))
    return all(
        layers[lid].ir_type in _OUTPUT_TYPES
        or (layers[lid].ir_type == "Parameter" and not layers[lid].inputs)
        for lid in ends
    )


def _raise_cycle(path: Path, layers, producers: dict[int, list[int]], stuck: set[int], where: str) -> None:
    """Name one cycle among the layers a topological sort could not place."""
    trail = [min(stuck)]
    while True:
        src = next(s for s in producers[trail[-1]] if s in stuck)
        if src in trail:
            cycle = trail[trail.index(src) :]
            break
        trail.append(src)
    cycle = [*reversed(cycle), cycle[-1]]  # in data-flow order, back to where it started
    shown = " -> ".join(layers[lid].label for lid in cycle)
    raise IRError(path, f"{where}the edges form a cycle: {shown}", line=layers[cycle[0]].line)


def _locate_bad_edge(path: Path, layers, edges, outputs: set, inputs: set, where: str) -> None:
    """Raise for the first edge (in XML order) that is wrong, or for the first input that is not fed."""
    unfed = set(inputs)
    for edge in edges:
        if (edge.src, edge.src_port) not in outputs:
            _bad_edge_end(path, layers, edge, edge.src, edge.src_port, "output", where)
        if (edge.dst, edge.dst_port) not in unfed:
            _bad_edge_end(path, layers, edge, edge.dst, edge.dst_port, "input", where)
            twin = next(e for e in edges if (e.dst, e.dst_port) == (edge.dst, edge.dst_port))
            raise IRError(
                path,
                f"{where}input port {edge.dst_port} of {layers[edge.dst].label} is fed twice "
                f"(edges on lines {twin.line} and {edge.line})",
                line=edge.line,
            )
        unfed.discard((edge.dst, edge.dst_port))
    lid, port_id = min(unfed)
    raise IRError(
        path,
        f"{where}input port {port_id} of {layers[lid].label} has no incoming edge",
        line=layers[lid].line,
    )


def _bad_edge_end(path: Path, layers, edge: Edge, end: int, port: int, kind: str, where: str) -> None:
    """Raise if ``end`` or its ``kind`` port ``port`` does not exist (otherwise return)."""
    if end not in layers:
        raise IRError(
            path,
            f"{where}edge {_edge_text(edge)} refers to layer {end}, which does not exist",
            line=edge.line,
        )
    ports = [p.id for p in layers[end].outputs] if kind == "output" else layers[end].inputs
    if port not in ports:
        raise IRError(
            path,
            f"{where}edge {_edge_text(edge)}: {layers[end].label} has no {kind} port {port}",
            line=edge.line,
        )


def _edge_text(edge: Edge) -> str:
    return f"{edge.src}:{edge.src_port} -> {edge.dst}:{edge.dst_port}"


def _const_region(xml: Path, layer: Layer) -> tuple[int, int]:
    """``(offset, end)`` of a Const's bytes in the ``.bin``, after checking them against its shape and
    type."""
    data = layer.data
    try:
        offset, size = int(data.get("offset", 0)), int(data["size"])
    except (KeyError, ValueError):
        raise IRError(
            xml, f"{layer.label}: a Const needs integer 'offset' and 'size'", line=layer.line
        ) from None
    if offset < 0 or size < 0:
        raise IRError(xml, f"{layer.label}: negative offset or size", line=layer.line)
    bits = ELEMENT_BITS.get(data.get("element_type", ""))
    shape = layer.outputs[0].shape if layer.outputs else None
    if bits and shape is not None and str not in map(type, shape):  # a fixed-size type and a static shape
        expected = (math.prod(shape) * bits + 7) // 8
        if size != expected:
            raise IRError(
                xml,
                f"{layer.label}: size={size} but its shape and type need {expected} bytes",
                line=layer.line,
            )
    return offset, offset + size
