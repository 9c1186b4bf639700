"""``hetero-tool inspect MODEL``: what a model is made of."""

from __future__ import annotations

from rich.markup import escape

from hetero_tool.cli.console import format_bytes, out, print_json, table
from hetero_tool.cli.options import JsonOpt, ModelArg
from hetero_tool.ir import ModelSummary, format_shape, load_ir, summary_from_ir

__all__ = ["inspect", "render_summary"]


def inspect(model: ModelArg, json: JsonOpt = False) -> None:
    """Show a model's inputs, outputs, layer and edge counts, op types, weights and whether it is dynamic."""
    summary = summary_from_ir(load_ir(model))
    if json:
        print_json(summary.to_json())
    else:
        render_summary(summary)


def render_summary(summary: ModelSummary) -> None:
    """Print a :class:`~hetero_tool.ir.ModelSummary` as grep-friendly sections."""
    bodies = f" (+{summary.body_layers} in bodies)" if summary.body_layers else ""
    out.print(
        f"[bold]Model[/]    {escape(summary.name)}  (IR v{summary.ir_version}, {escape(str(summary.path))})"
    )
    out.print(f"[bold]Layers[/]   {summary.layers}{bodies}    [bold]Edges[/] {summary.edges}")
    out.print(f"[bold]Weights[/]  {format_bytes(summary.weights_bytes)} ({summary.weights_bytes} bytes)")
    out.print(f"[bold]Shapes[/]   {'dynamic' if summary.dynamic else 'static'}")
    if summary.unreachable_layers:
        names = ", ".join(summary.unreachable_layers[:5]) + (
            ", ..." if len(summary.unreachable_layers) > 5 else ""
        )
        out.print(
            f"[bold]Dropped[/]  {len(summary.unreachable_layers)} layers no output depends on, as OpenVINO "
            f"drops them: {escape(names)}"
        )
    for title, tensors in (("Inputs", summary.inputs), ("Outputs", summary.outputs)):
        out.print()
        rows = table("name", "type", "shape", "tensor names", title=title)
        for tensor in tensors:
            cells = (
                tensor.name,
                tensor.element_type,
                format_shape(tensor.shape),
                ", ".join(tensor.tensor_names),
            )
            rows.add_row(*map(escape, cells))
        out.print(rows)
    out.print()
    op_types = table("type", "count", title="Op types", right=("count",))
    for op_type, count in summary.op_types.items():
        op_types.add_row(escape(op_type), str(count))
    out.print(op_types)
