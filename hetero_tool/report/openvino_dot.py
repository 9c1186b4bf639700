"""The ``.dot`` files OpenVINO's HETERO plugin writes when ``OPENVINO_HETERO_VISUALIZE`` is set: read and
write.

``hetero_affinity_<model>.dot`` labels every operation with ``device=``, ``hetero_subgraphs_<model>.dot`` with
``subgraph=`` and ``device=``. OpenVINO writes them with its ``VisualizeTree`` pass and HETERO's node
callbacks (``graph_debug_dump.cpp``); :func:`openvino_dumps` writes the same layout for a plan, so a user can
diff the tool's prediction against what HETERO dumps, and every viewer that reads HETERO's dumps reads these:

- a node's id is its unique name (here ``<type>_<layer id>``, as HETERO's copy of the model names them
  ``<type>_<number>``), its label ``<friendly name>\\n<unique name>\\n<opset>::<type>`` then the annotations,
  all joined by two-character ``\\n`` escapes; Results are drawn ``color=crimson penwidth=1.5``;
- Parameters and Constants never get a node of their own: each use is a dashed ``CLONE_<n>`` node (blue for a
  Parameter) showing element type, shape and, for a Constant, its first seven values;
- an edge that skips more than 20 levels (by longest path to a common Result) goes through a
  ``SEND_<n>``/``RECV_<n>`` pair instead of being drawn;
- fill colours come from HETERO's 14-colour list: by subgraph id, or by the device's position in a
  ``std::unordered_set`` of the devices.

``read_hetero_dump`` returns the operation nodes of either kind of file; CLONE, SEND and RECV nodes are not
operations and are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hetero_tool.errors import InputError
from hetero_tool.ir.order import ordered_layer_ids
from hetero_tool.ir.types import IRModel, Layer, format_shape
from hetero_tool.partition.libstdcxx import hash_string, unordered_order

__all__ = ["DumpNode", "read_hetero_dump", "openvino_dumps", "HETERO_COLORS"]

#: HETERO's fill colours (``graph_debug_dump.cpp``).
HETERO_COLORS = (
    "aliceblue", "antiquewhite4", "aquamarine4", "azure4", "bisque3", "blue1", "brown", "burlywood",
    "cadetblue", "chartreuse", "chocolate", "coral", "cornflowerblue", "cornsilk4",
)  # fmt: skip
#: ``VisualizeTree``'s longest drawn edge, in levels; longer ones become SEND/RECV pairs.
MAX_JUMP = 20
#: Constant values shown in a CLONE label (``OV_VISUALIZE_TREE_CONST_MAX_ELEMENTS`` default).
CONST_VALUES_SHOWN = 7


@dataclass(frozen=True)
class DumpNode:
    """One operation node of a HETERO dump."""

    #: The node id: OpenVINO's unique name of the op in HETERO's copy of the model (``Relu_1234``).
    id: str
    #: The op's friendly name (the IR layer name).
    name: str
    #: Op type and opset, from the ``<opset>::<type>`` line.
    op_type: str
    opset: str
    #: ``device=`` (the affinity HETERO was given; for a Result, not the device it runs on).
    device: str | None
    #: ``subgraph=`` (subgraphs file only): the component id.
    subgraph: int | None


def read_hetero_dump(path: str | Path) -> list[DumpNode]:
    """The operation nodes of a HETERO ``.dot`` dump, in file order.

    Examples
    --------
    >>> import pathlib
    >>> text = 'digraph \\n{\\n    Relu_7 [shape=box color=black label="relu\\\\nRelu_7\\\\nopset1::Relu'
    >>> text += '\\\\nsubgraph=2\\\\ndevice=CPU" fillcolor=aliceblue style=filled]\\n}\\n'
    >>> path = pathlib.Path(tmp, "hetero_subgraphs_m.dot")
    >>> _ = path.write_text(text)
    >>> (node,) = read_hetero_dump(path)
    >>> node.name, node.op_type, node.subgraph, node.device
    ('relu', 'Relu', 2, 'CPU')
    """
    import pydot

    path = Path(path)
    try:
        graphs = pydot.graph_from_dot_file(str(path))
    except Exception as exc:  # pydot raises pyparsing errors
        raise InputError(f"{path}: not a readable .dot file: {exc}") from None
    if not graphs:
        raise InputError(f"{path}: holds no graph")
    nodes = []
    for node in graphs[0].get_nodes():
        name = node.get_name().strip('"')
        if name.startswith(("CLONE_", "SEND_", "RECV_")) or name in ("node", "edge", "graph"):
            continue
        label = (node.get("label") or "").strip('"')
        lines = label.split("\\n")
        kind = next((line for line in lines if "::" in line), None)
        if kind is None:
            continue
        opset, _, op_type = kind.partition("::")
        fields = dict(line.split("=", 1) for line in lines[lines.index(kind) + 1 :] if "=" in line)
        subgraph = fields.get("subgraph")
        nodes.append(
            DumpNode(
                id=name,
                name=lines[0],
                op_type=op_type,
                opset=opset,
                device=fields.get("device"),
                subgraph=int(subgraph) if subgraph is not None and subgraph.lstrip("-").isdigit() else None,
            )
        )
    return nodes


def openvino_dumps(
    ir: IRModel, affinity: Mapping[int, str], collector_ids: Mapping[int, int]
) -> dict[str, str]:
    """``hetero_affinity_<model>.dot`` and ``hetero_subgraphs_<model>.dot`` text, as HETERO writes them.

    ``affinity`` is the device given to each layer (``Plan.layer_affinity``; a Result shows it even though it
    runs with its producer, as in HETERO's dump) and ``collector_ids`` the component of each layer
    (``Partition.collector_ids``: HETERO's ``subgraph=``).

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.partition import collect_subgraphs
    >>> ir = parse_ir(samples["mobilenet"])
    >>> affinity = dict.fromkeys(ir.layers, "CPU")
    >>> dumps = openvino_dumps(ir, affinity, collect_subgraphs(ir, affinity).collector_ids)
    >>> sorted(dumps)
    ['hetero_affinity_mobilenet.dot', 'hetero_subgraphs_mobilenet.dot']
    >>> print(dumps["hetero_subgraphs_mobilenet.dot"].splitlines()[2])  # doctest: +NORMALIZE_WHITESPACE
        Softmax_130 [shape=box color=black
        label="classifier/softmax\\nSoftmax_130\\nopset8::Softmax\\nsubgraph=0\\ndevice=CPU"
        fillcolor=aliceblue style=filled]
    """
    order = ordered_layer_ids(ir)
    devices = unordered_order(
        (affinity[lid] for lid in order), hash_string
    )  # std::unordered_set<std::string>
    colour_of = {device: HETERO_COLORS[k % len(HETERO_COLORS)] for k, device in enumerate(devices)}

    def affinity_label(lid: int) -> tuple[str, str]:
        device = affinity[lid]
        return f"\\ndevice={device}", colour_of[device]

    def subgraph_label(lid: int) -> tuple[str, str]:
        sid = collector_ids[lid]
        return f"\\nsubgraph={sid}\\ndevice={affinity[lid]}", HETERO_COLORS[sid % len(HETERO_COLORS)]

    writer = _DumpWriter(ir)
    return {
        f"hetero_affinity_{ir.name}.dot": writer.text(affinity_label),
        f"hetero_subgraphs_{ir.name}.dot": writer.text(subgraph_label),
    }


class _DumpWriter:
    """``VisualizeTree`` for an IR: node lines, CLONE nodes, long edges, in OpenVINO's walk order.

    Both dumps have the same lines but for the annotations of the operation nodes, so the layout is made once:
    the text of every other line, and where each operation's node line goes.
    """

    def __init__(self, ir: IRModel) -> None:
        self.ir = ir
        self.uid = {lid: _uid(layer) for lid, layer in ir.layers.items()}
        self.label = {lid: _label(layer, self.uid[lid]) for lid, layer in ir.layers.items()}
        self.heights = self._heights()
        self.layout = self._layout()

    def text(self, annotate) -> str:
        """The whole file; ``annotate(layer id)`` gives the label suffix and fill colour HETERO adds."""
        layers, uid, label = self.ir.layers, self.uid, self.label
        lines: list[str] = []
        for piece in self.layout:
            if piece.__class__ is str:
                lines.append(piece)
                continue
            colour = "color=crimson penwidth=1.5" if layers[piece].ir_type == "Result" else "color=black"
            suffix, fill = annotate(piece)
            lines.append(
                f'    {uid[piece]} [shape=box {colour} label="{label[piece]}{suffix}" '
                f"fillcolor={fill} style=filled]\n"
            )
        return "digraph \n{\n" + "".join(lines) + "}\n"

    def _layout(self) -> list[str | int]:
        """The file's lines in order: text, or the id of the layer whose node line goes there."""
        layers, uid, sources = self.ir.layers, self.uid, self.ir.sources
        lines: list[str | int] = []
        written: set[int] = set()
        clone_text: dict[int, str] = {}
        clones = 0

        def node_line(lid: int) -> None:
            if lid not in written:
                written.add(lid)
                lines.append(lid)

        with _Weights(self.ir.weights_path) as weights:
            for lid in self._walk():
                for src, _ in sources(lid):
                    arg = layers[src]
                    if arg.ir_type in ("Const", "Parameter"):
                        if src not in clone_text:
                            colour = "blue" if arg.ir_type == "Parameter" else "black"
                            attributes = [
                                'shape="box"',
                                'style="dashed"',
                                f'color="{colour}"',
                                f'label="{self.label[src]}\n{_clone_text(arg, weights)}"',
                            ]
                            clone_text[src] = "".join(f" {a} " for a in attributes)
                        lines.append(f"    CLONE_{clones}[{clone_text[src]}]\n")
                        lines.append(f"    CLONE_{clones} -> {uid[lid]}\n")
                        clones += 1
                    elif self._jump(src, lid) > MAX_JUMP:
                        node_line(src)
                        node_line(lid)
                        lines.append(
                            f'    RECV_{clones}[shape="box" style="solid,filled" fillcolor="#ffcccc" '
                            f'label="Receive[{uid[src]}]"]\n'
                        )
                        lines.append(
                            f'    SEND_{clones}[shape="box" style="solid,filled" fillcolor="#ccffcc" '
                            f'label="Send[{uid[lid]}]"]\n'
                        )
                        lines.append(f"    {uid[src]} -> SEND_{clones}\n")
                        lines.append(f"    RECV_{clones} -> {uid[lid]}\n")
                        clones += 1
                    else:
                        node_line(src)
                        node_line(lid)
                        lines.append(f"    {uid[src]} -> {uid[lid]}\n")
        return lines

    def _walk(self) -> list[int]:
        """``ov::traverse_nodes``: a stack seeded with Results, sinks and Parameters; inputs pushed in
        order."""
        kinds = ("Result", "Assign", "Parameter")
        stack = [lid for kind in kinds for lid, layer in self.ir.layers.items() if layer.ir_type == kind]
        sources = self.ir.sources
        seen: set[int] = set()
        walk = []
        while stack:
            lid = stack.pop()
            if lid in seen:
                continue
            seen.add(lid)
            walk.append(lid)
            stack.extend([src for src, _ in sources(lid)])
        return walk

    def _heights(self) -> dict[int, dict[int, int]]:
        """For every layer, its longest path (in edges) to each Result it reaches."""
        heights: dict[int, dict[int, int]] = {}
        layers, consumers = self.ir.layers, self.ir.consumers
        for lid in reversed(ordered_layer_ids(self.ir)):
            mine = {lid: 0} if layers[lid].ir_type == "Result" else {}
            for dst in consumers(lid):
                for result, height in heights[dst].items():
                    if mine.get(result, -1) < height + 1:
                        mine[result] = height + 1
            heights[lid] = mine
        return heights

    def _jump(self, src: int, dst: int) -> int:
        target = self.heights[dst]
        return max((abs(target[r] - h) for r, h in self.heights[src].items() if r in target), default=0)


class _Weights:
    """The ``.bin``, mapped once for reading the first values of many Constants (``None``: no file)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.data = None

    def __enter__(self):
        if self.path is not None and Path(self.path).stat().st_size:
            import mmap

            with open(self.path, "rb") as stream:
                self.data = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
        return self

    def __exit__(self, *exc) -> None:
        if self.data is not None:
            self.data.close()

    def read(self, dtype: str, count: int, offset: int):
        """``count`` values of ``dtype`` at byte ``offset`` (fewer at the end of the file, as
        ``numpy.fromfile`` reads)."""
        import numpy as np

        if self.data is None:
            return np.fromfile(self.path, dtype=dtype, count=count, offset=offset)
        size = np.dtype(dtype).itemsize
        count = max(0, min(count, (len(self.data) - offset) // size))
        return np.frombuffer(self.data, dtype=dtype, count=count, offset=offset).copy()


def _clone_text(layer: Layer, weights: _Weights) -> str:
    """``{type}[shape]``, and for a Constant ``\\nvalue: [ first values ]`` (a real newline, as OpenVINO)."""
    port = layer.outputs[0]
    text = f"{{{port.element_type}}}{format_shape(port.shape)}"
    if layer.ir_type == "Const":
        text += f"\nvalue: {_constant_values(weights, layer)}"
    return text


def _uid(layer: Layer) -> str:
    return f"{layer.type}_{layer.id}"


def _label(layer: Layer, uid: str) -> str:
    name = layer.name or uid
    middle = f"\\n{uid}" if name != uid else ""
    return f"{name}{middle}\\n{layer.version}::{layer.type}"


# element type -> (numpy dtype, how OpenVINO prints it: "float", "int" or "uint")
_PRINTED = {
    "f64": ("<f8", "float"), "f32": ("<f4", "float"), "f16": ("<f2", "float"), "bf16": ("<u2", "bf16"),
    "i8": ("i1", "int"), "i16": ("<i2", "int"), "i32": ("<i4", "int"), "i64": ("<i8", "int"),
    "u8": ("u1", "uint"), "u16": ("<u2", "uint"), "u32": ("<u4", "uint"), "u64": ("<u8", "uint"),
    "boolean": ("u1", "uint"),
}  # fmt: skip


def _constant_values(weights: _Weights, layer: Layer) -> str:
    """``[ v0, v1, ... ]`` as ``VisualizeTree`` prints a Constant: up to 7 values, C++ stream formatting."""
    import numpy as np

    port = layer.outputs[0]
    count = 1
    for dim in port.shape or ():
        count *= dim if isinstance(dim, int) else 0
    element = port.element_type
    if element not in _PRINTED:
        return f"[ {element} value{', ...' if count > CONST_VALUES_SHOWN else ''} ]" if count else "[ empty ]"
    if count == 0:
        return "[ empty ]"
    dtype, kind = _PRINTED[element]
    shown = min(count, CONST_VALUES_SHOWN)
    offset = int(layer.data.get("offset", 0))
    if weights.path is None:
        return "[ ? ]"
    values = weights.read(dtype, shown, offset)
    if kind == "bf16":
        values = (values.astype(np.uint32) << 16).view(np.float32)
    if kind in ("float", "bf16"):
        text = ", ".join([f"{v:g}" for v in values.tolist()])  # Python floats: exact, and fast to format
    else:
        text = ", ".join([str(v) for v in values.tolist()])
    return f"[ {text}{', ...' if count > CONST_VALUES_SHOWN else ''} ]"
