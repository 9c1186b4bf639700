"""``hetero-tool dot``: a plan's ``.dot`` files on disk, OpenVINO's format and the tool's views, with JSON twins."""

from __future__ import annotations

import json
from pathlib import Path

from hetero_tool._files import write_all_atomic
from hetero_tool.ir.types import IRModel
from hetero_tool.partition.plan import Plan, check_plan
from hetero_tool.report.openvino_dot import openvino_dumps
from hetero_tool.report.views import view_from_plan

__all__ = ["write_dot_files", "DOT_VIEWS"]

#: The tool's own views written next to OpenVINO's two dumps.
DOT_VIEWS = ("full", "clustered", "collapsed")


def write_dot_files(ir: IRModel, plan: Plan, output_dir: str | Path, *, show_constants: bool = False) -> dict[str, Path]:
    """Write ``hetero_affinity_<model>.dot`` and ``hetero_subgraphs_<model>.dot`` (OpenVINO's layout) and
    ``<model>.<view>.dot`` with a ``<model>.<view>.json`` twin for every view in :data:`DOT_VIEWS`.

    All files are written or none (each through a temporary file and a rename). Returns file name -> path, in writing order.

    Examples
    --------
    >>> import tempfile
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.partition.plan import plan_model
    >>> from hetero_tool.samples import save_samples
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     xml = save_samples(tmp, names=["detector"])["detector"]
    ...     ir, plan = parse_ir(xml), plan_model(xml, devices="NPU,CPU", emulate=["NPU"])
    ...     names = list(write_dot_files(ir, plan, tmp))
    >>> names[:3]
    ['hetero_affinity_detector.dot', 'hetero_subgraphs_detector.dot', 'detector.full.dot']
    """
    check_plan(ir, plan)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    texts = dict(openvino_dumps(ir, plan.layer_affinity, plan.partition.collector_ids))
    for view in DOT_VIEWS:
        drawn = view_from_plan(ir, plan, view, show_constants=show_constants)
        texts[f"{ir.name}.{view}.dot"] = drawn.dot
        texts[f"{ir.name}.{view}.json"] = json.dumps(drawn.data, indent=2) + "\n"
    written = {name: output_dir / name for name in texts}
    write_all_atomic({written[name]: text for name, text in texts.items()})
    return written
