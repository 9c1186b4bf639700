"""``hetero-tool dot`` and ``hetero-tool render``: a plan as OpenVINO-format dumps, views and pictures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hetero_tool.cli.console import err, format_bytes, out
from hetero_tool.cli.options import ConstantsOpt, ModelArg, OutputDirOpt, PlanOpt
from hetero_tool.loaders import dot_from_files, rendering_from_files
from hetero_tool.report.render import FORMATS

__all__ = ["dot", "render"]


def dot(
    model: ModelArg, plan: PlanOpt, output_dir: OutputDirOpt = Path("."), constants: ConstantsOpt = False
) -> None:
    """Write HETERO's two dumps of the plan (OpenVINO's layout) and the tool's views with JSON twins."""
    written = dot_from_files(model, plan, output_dir, show_constants=constants)
    for name, path in written.items():
        out.print(f"  {escape(name):<44} {escape(str(path))}")


def render(
    model: ModelArg,
    plan: PlanOpt,
    output: Annotated[Path, typer.Option("--output", "-o", help="Picture to write.", dir_okay=False)],
    view: Annotated[
        str,
        typer.Option(
            "--view",
            help="auto, full, clustered, collapsed, subgraph:K (auto picks by size), or strip: the placement "
            "strip, layers in execution order coloured by device, at any size.",
        ),
    ] = "auto",
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"One of {', '.join(FORMATS)}.")] = "svg",
    timeout: Annotated[
        float,
        typer.Option("--timeout", help="Seconds the layout may take before the collapsed view is drawn."),
    ] = 60.0,
    constants: ConstantsOpt = False,
    compare: Annotated[
        list[Path] | None,
        typer.Option(
            "--compare",
            help="Another plan of the model to stack under it (strip view; repeatable).",
            dir_okay=False,
        ),
    ] = None,
    bench: Annotated[
        Path | None,
        typer.Option(
            "--bench",
            help="A bench result with perf counters: each subgraph's time on the strip, each layer's on a "
            "graph view.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Render a view of the plan; say which view was drawn and why."""
    options = {"view": view, "fmt": fmt, "timeout": timeout, "show_constants": constants}
    with err.status(f"drawing the {view} view"):
        drawn = rendering_from_files(
            model, plan, output=output, compare=compare or (), bench=bench, **options
        )
    what = "boxes, drawn" if drawn.view == "strip" else "nodes, laid out"
    out.print(
        f"{escape(str(output))}: {drawn.view} view, {drawn.nodes:,} {what} in {drawn.seconds:.1f} s, "
        f"{format_bytes(len(drawn.data))} ({escape(drawn.note)})"
    )
