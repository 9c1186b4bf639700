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

    def affinity_label(lid: int) -> tuple[str, str]:
        device = affinity[lid]
        return f"\\ndevice={device}", HETERO_COLORS[devices.index(device) % len(HETERO_COLORS)]

    def subgraph_label(lid: int) -> tuple[str, str]:
        sid = collector_ids[lid]
        return f"\\nsubgraph={sid}\\ndevice={affinity[lid]}", HETERO_COLORS[sid % len(HETERO_COLORS)]

    writer = _DumpWriter(ir)
    return {
        f"hetero_affinity_{ir.name}.dot": writer.text(affinity_label),
        f"hetero_subgraphs_{ir.name}.dot": writer.text(subgraph_label),
    }


class _DumpWriter:
    """``VisualizeTree`` for an IR: node lines, CLONE nodes, long edges, in OpenVINO's walk order."""

    def __init__(self, ir: IRModel) -> None:
        self.ir = ir
        self.heights = self._heights()
        self._values: dict[int, str] = {}

    def text(self, annotate) -> str:
        """The whole file; ``annotate(layer id)`` gives the label suffix and fill colour HETERO adds."""
        lines: list[str] = []
        written: set[int] = set()
        clones = 0

        def node_line(lid: int) -> None:
            if lid in written:
                return
            written.add(lid)
            layer = self.ir.layers[lid]
            colour = "color=crimson penwidth=1.5" if layer.ir_type == "Result" else "color=black"
            suffix, fill = annotate(lid)
            lines.append(
                f'    {_uid(layer)} [shape=box {colour} label="{_label(layer)}{suffix}" '
                f"fillcolor={fill} style=filled]\n"
            )

        for lid in self._walk():
            layer = self.ir.layers[lid]
            for src, _ in self.ir.sources(lid):
                arg = self.ir.layers[src]
                if arg.ir_type in ("Const", "Parameter"):
                    colour = "blue" if arg.ir_type == "Parameter" else "black"
                    attributes = [
                        'shape="box"',
                        'style="dashed"',
                        f'color="{colour}"',
                        f'label="{_label(arg)}\n{self._clone_text(arg)}"',
                    ]
                    lines.append(f"    CLONE_{clones}[" + "".join(f" {a} " for a in attributes) + "]\n")
                    lines.append(f"    CLONE_{clones} -> {_uid(layer)}\n")
                    clones += 1
                elif self._jump(src, lid) > MAX_JUMP:
                    node_line(src)
                    node_line(lid)
                    lines.append(
                        f'    RECV_{clones}[shape="box" style="solid,filled" fillcolor="#ffcccc" '
                        f'label="Receive[{_uid(arg)}]"]\n'
                    )
                    lines.append(
                        f'    SEND_{clones}[shape="box" style="solid,filled" fillcolor="#ccffcc" '
                        f'label="Send[{_uid(layer)}]"]\n'
                    )
                    lines.append(f"    {_uid(arg)} -> SEND_{clones}\n")
                    lines.append(f"    RECV_{clones} -> {_uid(layer)}\n")
                    clones += 1
                else:
                    node_line(src)
                    node_line(lid)
                    lines.append(f"    {_uid(arg)} -> {_uid(layer)}\n")
        return "digraph \n{\n" + "".join(lines) + "}\n"

    def _walk(self) -> list[int]:
        """``ov::traverse_nodes``: a stack seeded with Results, sinks and Parameters; inputs pushed in
        order."""
        kinds = ("Result", "Assign", "Parameter")
        stack = [lid for kind in kinds for lid, layer in self.ir.layers.items() if layer.ir_type == kind]
        seen: set[int] = set()
        walk = []
        while stack:
            lid = stack.pop()
            if lid in seen:
                continue
            seen.add(lid)
            walk.append(lid)
            stack.extend(src for src, _ in self.ir.sources(lid))
        return walk

    def _heights(self) -> dict[int, dict[int, int]]:
        """For every layer, its longest path (in edges) to each Result it reaches."""
        heights: dict[int, dict[int, int]] = {}
        for lid in reversed(ordered_layer_ids(self.ir)):
            mine = {lid: 0} if self.ir.layers[lid].ir_type == "Result" else {}
            for dst in self.ir.consumers(lid):
                for result, height in heights[dst].items():
                    if mine.get(result, -1) < height + 1:
                        mine[result] = height + 1
            heights[lid] = mine
        return heights

    def _jump(self, src: int, dst: int) -> int:
        target = self.heights[dst]
        return max((abs(target[r] - h) for r, h in self.heights[src].items() if r in target), default=0)

    def _clone_text(self, layer: Layer) -> str:
        """``{type}[shape]``, and for a Constant ``\\nvalue: [ first values ]`` (a real newline, as
        OpenVINO)."""
        port = layer.outputs[0]
        text = f"{{{port.element_type}}}{format_shape(port.shape)}"
        if layer.ir_type == "Const":
            if layer.id not in self._values:
                self._values[layer.id] = _constant_values(self.ir, layer)
            text += f"\nvalue: {self._values[layer.id]}"
        return text


def _uid(layer: Layer) -> str:
    return f"{layer.type}_{layer.id}"


def _label(layer: Layer) -> str:
    uid = _uid(layer)
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


def _constant_values(ir: IRModel, layer: Layer) -> str:
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
    if ir.weights_path is None:
        return "[ ? ]"
    values = np.fromfile(ir.weights_path, dtype=dtype, count=shown, offset=offset)
    if kind == "bf16":
        values = (values.astype(np.uint32) << 16).view(np.float32)
    if kind in ("float", "bf16"):
        text = ", ".join(f"{float(v):g}" for v in values)
    else:
        text = ", ".join(str(int(v)) for v in values)
    return f"[ {text}{', ...' if count > CONST_VALUES_SHOWN else ''} ]"
