"""OpenVINO IR as small explicit types and as a networkx graph keyed by layer id.

``parse_ir`` reads an ``.xml`` (streaming, hardened), ``load_ir`` also takes other formats through OpenVINO's
frontends, ``graph_from_ir`` builds the ``networkx.MultiDiGraph``, ``summary_from_ir`` the headline facts and
``ov_model_from_ir`` the ``ov.Model`` OpenVINO reads from the same file, op for layer.
"""

from hetero_tool.ir.formats import ir_path_from_model, load_ir
from hetero_tool.ir.graph import graph_from_ir
from hetero_tool.ir.ov_model import ov_model_from_ir
from hetero_tool.ir.parse import check_weights, parse_ir
from hetero_tool.ir.summary import ModelSummary, TensorSummary, summary_from_ir
from hetero_tool.ir.types import (
    Body,
    Dim,
    Edge,
    IRModel,
    Layer,
    Port,
    PortMapping,
    format_shape,
    op_type_from_ir_type,
    walk_layers,
)

__all__ = [
    "Body",
    "Dim",
    "Edge",
    "IRModel",
    "Layer",
    "ModelSummary",
    "Port",
    "PortMapping",
    "TensorSummary",
    "check_weights",
    "format_shape",
    "graph_from_ir",
    "ir_path_from_model",
    "load_ir",
    "op_type_from_ir_type",
    "ov_model_from_ir",
    "parse_ir",
    "summary_from_ir",
    "walk_layers",
]
