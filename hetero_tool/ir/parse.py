"""Streaming, hardened parser for OpenVINO IR ``.xml`` files (IR v10 and v11).

The parser walks the XML once with libxml2's pull parser (``lxml.etree.iterparse``), filtering in C for the
three elements that matter at the top level (``net``, ``layer``, ``edge``) and freeing each layer as soon as it
is converted, so memory is bounded by the resulting :class:`~hetero_tool.ir.types.IRModel`, not by the XML
text. Bodies of TensorIterator, Loop and If layers are parsed with their layer and stay attached to it.

Untrusted input is refused, not tolerated: a DOCTYPE (the carrier of entity expansion and external entities)
is an error, entities are never resolved and nothing is fetched from the network. Every other problem (bad
XML, a dangling edge, a duplicate id, a cycle, a short ``.bin``) is an :class:`~hetero_tool.errors.IRError`
naming the file, the XML line and the layer.

The ``.bin`` is not needed to build the graph; :func:`check_weights` only checks that it exists and covers
every constant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from lxml import etree

from hetero_tool.errors import InputError, IRError, WeightsError
from hetero_tool.ir._gc import paused_gc
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
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")


def parse_ir(xml_path: str | Path, *, weights_path: str | Path | None = None, check_bin: bool = True) -> IRModel:
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
        Malformed or hostile XML, an unsupported IR version, a duplicate layer id, an edge to a missing layer or
        port, an input fed twice or not at all, a cycle. ``WeightsError`` (a subclass) for a missing or
        truncated ``.bin``. The message names the file, XML line and layer.

    Examples
    --------
    >>> import tempfile, pathlib
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
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp, "tiny.xml")
    ...     _ = path.write_text(xml)
    ...     ir = parse_ir(path)
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
    name, version, layers, edges = _stream(path)
    if not layers:
        raise IRError(path, "the IR has no layers")
    _validate(path, layers, edges)
    layers, edges, unreachable = _drop_unreachable(layers, edges)
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

    A model without constants needs no ``.bin``. Raises :class:`~hetero_tool.errors.WeightsError` naming the
    first constant (in XML order) that reads past the end of the file.
    """
    consts = [layer for layer in walk_layers(model) if layer.ir_type == "Const" and layer.weight_bytes]
    if not consts:
        return
    xml = model.path or Path(f"<{model.name}>")
    bin_path = Path(weights_path) if weights_path is not None else xml.with_suffix(".bin")
    needed = max(_const_region(xml, layer)[1] for layer in consts)
    if not bin_path.is_file():
        raise WeightsError(
            xml, f"weights file {bin_path} not found ({len(consts)} constants need {needed} bytes of it)"
        )
    size = bin_path.stat().st_size
    for layer in consts:
        start, end = _const_region(xml, layer)
        if end > size:
            raise WeightsError(
                xml,
                f"{layer.label} reads bytes {start}..{end} of {bin_path.name}, which has only {size} bytes "
                "(truncated, or the .bin of another model)",
                line=layer.line,
            )


# -- streaming ---------------------------------------------------------------------------------------------


def _stream(path: Path) -> tuple[str, int, dict[int, Layer], list[Edge]]:
    layers: dict[int, Layer] = {}
    edges: list[Edge] = []
    header: tuple[str, int] | None = None
    # The <net><layers> and <net><edges> elements (their children are the top level), each with how many of
    # its children are converted and still in the tree.
    top: dict = {}
    context = etree.iterparse(
        str(path),
        events=("end",),
        tag=("layer", "edge"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        for _, element in context:
            parent = element.getparent()
            if parent not in top:
                if header is None:
                    header = _check_document(path, element)
                if parent.getparent().tag != "net":
                    continue  # a body's layer or edge: parsed with the layer that holds the body
                top[parent] = 0  # lxml returns the same proxy while we hold it, so lookup is by identity
            if element.tag == "edge":
                edges.append(_edge_from_element(path, element))
            else:
                layer = _layer_from_element(path, element)
                if layer.id in layers:
                    first = layers[layer.id]
                    raise IRError(
                        path,
                        f"duplicate layer id {layer.id}: {first.label} (line {first.line}) and "
                        f"{layer.name!r} both use it",
                        line=layer.line,
                    )
                layers[layer.id] = layer
            element.clear(keep_tail=False)
            # Drop converted elements in batches to keep memory bounded. Only those before this one: the
            # parser may already hold later siblings whose events are still to come.
            done = top[parent] + 1
            if done >= 256:
                del parent[: done - 1]
                done = 1
            top[parent] = done
    except etree.XMLSyntaxError as exc:
        # This parse's first libxml2 error says what broke; the exception's text is sometimes a late symptom.
        log = context.error_log
        first = log[0] if len(log) else None
        message, line = (first.message, first.line) if first is not None else (exc.msg, exc.lineno)
        raise IRError(path, f"malformed XML: {message}", line=line or None) from None
    if header is None:
        root = context.root
        if root is None:
            raise IRError(path, "not an OpenVINO IR: the file holds no XML element")
        header = _check_document(path, root)
    return header[0], header[1], layers, edges


def _check_document(path: Path, element) -> tuple[str, int]:
    """Refuse DOCTYPEs and anything that is not an IR; return the model name and IR version."""
    tree = element.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise IRError(
            path,
            "the XML has a DOCTYPE; IR files never do, and DTDs (entity expansion, external entities) are "
            "refused",
        )
    root = tree.getroot()
    if root.tag != "net":
        raise IRError(path, f"not an OpenVINO IR: the root element is <{root.tag}>, expected <net>",
                      line=root.sourceline)  # fmt: skip
    raw = root.get("version")
    if raw is None or not raw.isdigit():
        raise IRError(path, f"<net> has no valid IR version (version={raw!r})", line=root.sourceline)
    if int(raw) not in SUPPORTED_IR_VERSIONS:
        raise IRError(
            path,
            f"IR version {raw} is not supported (OpenVINO reads IR v10 and v11)",
            line=root.sourceline,
        )
    return root.get("name", ""), int(raw)


# -- elements -> types --------------------------------------------------------------------------------------


def _int_attr(path: Path, element, name: str, what: str, default: int | None = None) -> int:
    raw = element.get(name)
    if raw is None:
        if default is not None:
            return default
        raise IRError(path, f"{what} has no {name!r} attribute", line=element.sourceline)
    try:
        return int(raw)
    except ValueError:
        raise IRError(path, f"{what}: {name}={raw!r} is not an integer", line=element.sourceline) from None


def _layer_from_element(path: Path, element) -> Layer:
    get = element.get
    try:
        layer_id = int(get("id"))
    except (TypeError, ValueError):
        layer_id = _int_attr(path, element, "id", "a <layer>")  # raises, naming the problem
    ir_type = get("type")
    name = get("name", "")
    if not ir_type:
        raise IRError(path, f"layer {layer_id} ({name!r}) has no type", line=element.sourceline)
    data: Mapping[str, str] = {}
    inputs: tuple[int, ...] = ()
    outputs: tuple[Port, ...] = ()
    extra = []  # bodies, port maps, back edges: only TensorIterator, Loop and If have them
    for child in element:
        tag = child.tag
        if tag == "output":
            outputs = tuple([_port_from_element(path, port, layer_id, name) for port in child
                             if port.tag == "port"])  # fmt: skip
        elif tag == "input":
            inputs = tuple([_port_id(path, port, layer_id, name) for port in child if port.tag == "port"])
        elif tag == "data":
            data = dict(child.items())
        elif tag != "rt_info":
            extra.append(child)
    if ir_type == "Parameter" and outputs and "shape" in data:
        # The port writes every dynamic dimension as -1; <data shape> keeps intervals and dynamic rank.
        first = outputs[0]
        shape = _shape_from_text(path, data["shape"], element, f"layer {layer_id} ({name!r})")
        outputs = (first._replace(shape=shape), *outputs[1:])
    return Layer(
        id=layer_id,
        name=name,
        ir_type=ir_type,
        version=get("version", ""),
        data=data,
        inputs=inputs,
        outputs=outputs,
        bodies=_bodies_from_elements(path, extra, layer_id, name, element) if extra else (),
        line=element.sourceline or 0,
    )


def _bodies_from_elements(path: Path, elements, layer_id: int, name: str, layer_element) -> tuple[Body, ...]:
    what = f"layer {layer_id} ({name!r})"
    body_elements = {}
    port_maps: dict[str, list[PortMapping]] = {}
    back_edges: tuple[Edge, ...] = ()
    for child in elements:
        tag = child.tag
        if tag in _BODY_PORT_MAPS:
            body_elements[tag] = child
        elif tag in ("port_map", "then_port_map", "else_port_map"):
            port_maps[tag] = [_port_mapping_from_element(path, entry, what) for entry in child]
        elif tag == "back_edges":
            back_edges = tuple(_back_edge_from_element(path, edge) for edge in child if edge.tag == "edge")
    return tuple(
        Body(
            name=tag,
            model=_body_model(path, body, f"{name}/{tag}", layer_element),
            port_map=tuple(port_maps.get(_BODY_PORT_MAPS[tag], ())),
            back_edges=back_edges if tag == "body" else (),
        )
        for tag, body in body_elements.items()
    )


def _port_from_element(path: Path, element, layer_id: int, name: str) -> Port:
    """An output port: id, precision, dimensions and tensor names."""
    try:  # the common case, kept lean: only <dim> children, every dimension static
        port_id = int(element.get("id"))
        texts = etree.tostring(element, method="text", encoding=str, with_tail=False).split()
        shape: tuple[Dim, ...] = tuple(map(int, texts))
        if len(texts) != len(element) or (shape and min(shape) < 0):
            raise ValueError
    except (TypeError, ValueError):
        port_id = _port_id(path, element, layer_id, name)
        what = f"layer {layer_id} ({name!r})"
        shape = tuple(_dim_from_text(path, dim.text, dim, what) for dim in element.iterchildren("dim"))
    names = element.get("names")
    return Port(
        port_id,
        element.get("precision", ""),
        shape,
        tuple(n.replace("\\,", ",") for n in _UNESCAPED_COMMA.split(names)) if names else (),
    )


def _port_id(path: Path, element, layer_id: int, name: str) -> int:
    try:
        return int(element.get("id"))
    except (TypeError, ValueError):
        return _int_attr(path, element, "id", f"layer {layer_id} ({name!r}): a <port>")


def _dim_from_text(path: Path, text: str | None, element, what: str) -> Dim:
    text = (text or "").strip()
    try:
        value = int(text)
    except ValueError:
        if text == "?" or _is_interval(text):
            return text
        raise IRError(path, f"{what}: bad dimension {text!r}", line=element.sourceline) from None
    if value < -1:
        raise IRError(path, f"{what}: bad dimension {text!r}", line=element.sourceline)
    return "?" if value == -1 else value


def _is_interval(text: str) -> bool:
    low, sep, high = text.partition("..")
    return bool(sep) and (low == "" or low.isdigit()) and (high == "" or high.isdigit())


def _shape_from_text(path: Path, text: str, element, what: str) -> tuple[Dim, ...] | None:
    """A ``<data shape=...>`` value: ``"1,3,?,1..10"``, ``""`` (scalar) or ``"..."`` (dynamic rank)."""
    text = text.strip()
    if text == "...":
        return None
    if not text:
        return ()
    return tuple(_dim_from_text(path, part, element, what) for part in text.split(","))


def _edge_from_element(path: Path, element) -> Edge:
    get = element.get
    try:
        return Edge(int(get("from-layer")), int(get("from-port")), int(get("to-layer")), int(get("to-port")),
                    element.sourceline or 0)  # fmt: skip
    except (TypeError, ValueError):  # say which attribute is missing or bad
        return Edge(
            _int_attr(path, element, "from-layer", "an <edge>"),
            _int_attr(path, element, "from-port", "an <edge>"),
            _int_attr(path, element, "to-layer", "an <edge>"),
            _int_attr(path, element, "to-port", "an <edge>"),
        )


def _back_edge_from_element(path: Path, element) -> Edge:
    """A ``<back_edges>`` entry: body Result ``from-layer`` feeds body Parameter ``to-layer`` (ports optional)."""
    return Edge(
        src=_int_attr(path, element, "from-layer", "a back edge"),
        src_port=_int_attr(path, element, "from-port", "a back edge", default=0),
        dst=_int_attr(path, element, "to-layer", "a back edge"),
        dst_port=_int_attr(path, element, "to-port", "a back edge", default=0),
        line=element.sourceline or 0,
    )


def _port_mapping_from_element(path: Path, element, what: str) -> PortMapping:
    attrs = dict(element.attrib)
    where = f"{what}: a port map <{element.tag}>"
    external = _int_attr(path, element, "external_port_id", where)
    internal = _int_attr(path, element, "internal_layer_id", where)
    del attrs["external_port_id"], attrs["internal_layer_id"]
    return PortMapping(kind=element.tag, external_port_id=external, internal_layer_id=internal, attrs=attrs)


def _body_model(path: Path, element, name: str, layer_element) -> IRModel:
    layers: dict[int, Layer] = {}
    edges: list[Edge] = []
    for section in element:
        if section.tag == "layers":
            for child in section:
                if child.tag != "layer":
                    continue
                layer = _layer_from_element(path, child)
                if layer.id in layers:
                    raise IRError(path, f"duplicate layer id {layer.id} in body {name!r}", line=layer.line)
                layers[layer.id] = layer
        elif section.tag == "edges":
            edges.extend(_edge_from_element(path, child) for child in section if child.tag == "edge")
    if not layers:
        raise IRError(path, f"body {name!r} has no layers", line=layer_element.sourceline)
    _validate(path, layers, edges, where=f"body {name!r}: ")
    layers, edges, unreachable = _drop_unreachable(layers, edges)
    return IRModel(name=name, version=0, layers=layers, edges=tuple(edges), unreachable=unreachable)


# -- consistency ---------------------------------------------------------------------------------------------


def _validate(path: Path, layers: Mapping[int, Layer], edges: Iterable[Edge], where: str = "") -> None:
    """Edges point at existing ports, every input is fed exactly once, and the graph is acyclic."""
    outputs = {(lid, port.id) for lid, layer in layers.items() for port in layer.outputs}
    unfed = {(lid, port_id) for lid, layer in layers.items() for port_id in layer.inputs}
    successors: dict[int, list[int]] = {lid: [] for lid in layers}
    for edge in edges:
        if (edge.src, edge.src_port) not in outputs:
            _bad_edge_end(path, layers, edge, edge.src, edge.src_port, "output", where)
        try:
            unfed.remove((edge.dst, edge.dst_port))
        except KeyError:
            _bad_edge_end(path, layers, edge, edge.dst, edge.dst_port, "input", where)
            twin = next(e for e in edges if (e.dst, e.dst_port) == (edge.dst, edge.dst_port))
            raise IRError(
                path,
                f"{where}input port {edge.dst_port} of {layers[edge.dst].label} is fed twice "
                f"(edges on lines {twin.line} and {edge.line})",
                line=edge.line,
            ) from None
        successors[edge.src].append(edge.dst)
    if unfed:
        lid, port_id = min(unfed)
        raise IRError(path, f"{where}input port {port_id} of {layers[lid].label} has no incoming edge",
                      line=layers[lid].line)  # fmt: skip
    _check_acyclic(path, layers, successors, where)


def _bad_edge_end(path: Path, layers, edge: Edge, end: int, port: int, kind: str, where: str) -> None:
    """Raise if ``end`` or its ``kind`` port ``port`` does not exist (otherwise return)."""
    if end not in layers:
        raise IRError(path, f"{where}edge {_edge_text(edge)} refers to layer {end}, which does not exist",
                      line=edge.line)  # fmt: skip
    ports = [p.id for p in layers[end].outputs] if kind == "output" else layers[end].inputs
    if port not in ports:
        raise IRError(path, f"{where}edge {_edge_text(edge)}: {layers[end].label} has no {kind} port {port}",
                      line=edge.line)  # fmt: skip


def _check_acyclic(path: Path, layers: Mapping[int, Layer], successors: dict[int, list[int]], where: str) -> None:
    indegree = dict.fromkeys(layers, 0)
    for targets in successors.values():
        for target in targets:
            indegree[target] += 1
    ready = [lid for lid, degree in indegree.items() if degree == 0]
    seen = 0
    while ready:
        lid = ready.pop()
        seen += 1
        for target in successors[lid]:
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    if seen == len(layers):
        return
    # Walk forward inside the cyclic remainder until a layer repeats: that loop is a cycle to show.
    remainder = {lid for lid, degree in indegree.items() if degree > 0}
    walk: list[int] = [min(remainder)]
    while True:
        nxt = next(t for t in successors[walk[-1]] if t in remainder)
        if nxt in walk:
            cycle = walk[walk.index(nxt) :] + [nxt]
            break
        walk.append(nxt)
    shown = " -> ".join(layers[lid].label for lid in cycle)
    raise IRError(path, f"{where}the edges form a cycle: {shown}", line=layers[cycle[0]].line)


def _drop_unreachable(
    layers: dict[int, Layer], edges: list[Edge]
) -> tuple[dict[int, Layer], list[Edge], tuple[Layer, ...]]:
    """Keep what OpenVINO's reader keeps: Parameters and everything a Result or Assign depends on.

    The reader builds the model by walking back from Results and Assigns (``XmlDeserializer::parse_function``),
    so a layer no output depends on never becomes an op; HETERO never sees it, and neither should a plan.
    """
    producers: dict[int, list[int]] = {}
    for edge in edges:
        producers.setdefault(edge.dst, []).append(edge.src)
    keep = {lid for lid, layer in layers.items() if layer.ir_type == "Parameter"}
    stack = [lid for lid, layer in layers.items() if layer.ir_type in ("Result", "Assign")]
    while stack:
        lid = stack.pop()
        if lid in keep and layers[lid].ir_type != "Parameter":
            continue
        keep.add(lid)
        stack.extend(src for src in producers.get(lid, ()) if src not in keep)
    if len(keep) == len(layers):
        return layers, edges, ()
    dropped = tuple(layer for lid, layer in layers.items() if lid not in keep)
    kept_edges = [edge for edge in edges if edge.src in keep and edge.dst in keep]
    return {lid: layer for lid, layer in layers.items() if lid in keep}, kept_edges, dropped


def _edge_text(edge: Edge) -> str:
    return f"{edge.src}:{edge.src_port} -> {edge.dst}:{edge.dst_port}"


def _const_region(xml: Path, layer: Layer) -> tuple[int, int]:
    try:
        offset, size = int(layer.data.get("offset", 0)), int(layer.data["size"])
    except (KeyError, ValueError):
        raise IRError(xml, f"{layer.label}: a Const needs integer 'offset' and 'size'", line=layer.line) from None
    if offset < 0 or size < 0:
        raise IRError(xml, f"{layer.label}: negative offset or size", line=layer.line)
    expected = layer.outputs[0].nbytes if layer.outputs else None
    bits = ELEMENT_BITS.get(layer.data.get("element_type", ""), None)
    if expected is not None and bits is not None and size != expected:
        raise IRError(
            xml,
            f"{layer.label}: size={size} but its shape and type need {expected} bytes",
            line=layer.line,
        )
    return offset, offset + size
