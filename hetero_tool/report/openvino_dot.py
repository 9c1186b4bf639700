"""Reading the ``.dot`` files OpenVINO's HETERO plugin writes when ``OPENVINO_HETERO_VISUALIZE`` is set.

``hetero_affinity_<model>.dot`` labels every operation with ``device=``, ``hetero_subgraphs_<model>.dot`` with
``subgraph=`` and ``device=``. A node's label is ``<friendly name>\\n[<unique name>\\n]<opset>::<type>`` followed
by those annotations (as two-character ``\\n`` escapes). Parameters and Constants only appear as dashed
``CLONE_<n>`` nodes without annotations, and long edges go through ``SEND_<n>``/``RECV_<n>`` boxes; neither is
an operation, so neither is returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hetero_tool.errors import InputError

__all__ = ["DumpNode", "read_hetero_dump"]


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
    >>> import tempfile, pathlib
    >>> text = 'digraph \\n{\\n    Relu_7 [shape=box color=black label="relu\\\\nRelu_7\\\\nopset1::Relu'
    >>> text += '\\\\nsubgraph=2\\\\ndevice=CPU" fillcolor=aliceblue style=filled]\\n}\\n'
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp, "hetero_subgraphs_m.dot")
    ...     _ = path.write_text(text)
    ...     (node,) = read_hetero_dump(path)
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
