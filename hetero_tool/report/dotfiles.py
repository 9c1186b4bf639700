"""``hetero-tool dot``: a plan's ``.dot`` files on disk, OpenVINO's format and the tool's views, with JSON
twins."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hetero_tool._files import write_all_atomic
from hetero_tool.ir.types import IRModel
from hetero_tool.plan import Plan, check_plan
from hetero_tool.report.openvino_dot import openvino_dumps
from hetero_tool.report.views import view_from_plan
from hetero_tool.schema import encode_document

__all__ = ["write_dot_files", "DOT_VIEWS"]

#: The tool's own views written next to OpenVINO's two dumps.
DOT_VIEWS = ("full", "clustered", "collapsed")


def write_dot_files(
    ir: IRModel,
    plan: Plan,
    output_dir: str | Path,
    *,
    show_constants: bool = False,
    inputs: Iterable[str | Path | None] = (),
) -> dict[str, Path]:
    """Write ``hetero_affinity_<model>.dot`` and ``hetero_subgraphs_<model>.dot`` (OpenVINO's layout) and
    ``<model>.<view>.dot`` with a ``<model>.<view>.json`` twin for every view in :data:`DOT_VIEWS`.

    All files are written or none (each through a temporary file and a rename), and none replaces one of
    ``inputs``. Returns file name -> path, in writing order.

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.loaders import plan_from_files
    >>> ir = parse_ir(samples["detector"])
    >>> plan = plan_from_files(samples["detector"], devices="NPU,CPU", emulate="NPU")
    >>> list(write_dot_files(ir, plan, tmp))[:3]
    ['hetero_affinity_detector.dot', 'hetero_subgraphs_detector.dot', 'detector.full.dot']
    """
    check_plan(ir, plan)
    output_dir = Path(output_dir)
    texts: dict[str, str | bytes] = dict(
        openvino_dumps(ir, plan.layer_affinity, plan.partition.collector_ids)
    )
    for view in DOT_VIEWS:
        drawn = view_from_plan(ir, plan, view, show_constants=show_constants)
        texts[f"{ir.name}.{view}.dot"] = drawn.dot
        texts[f"{ir.name}.{view}.json"] = encode_document(drawn.data)
    written = {name: output_dir / name for name in texts}
    output_dir.mkdir(parents=True, exist_ok=True)
    write_all_atomic({written[name]: text for name, text in texts.items()}, inputs=inputs)
    return written
