"""``hetero-tool export MODEL --plan PLAN.json [--bench RESULT.json] -o DIR``: the plan for Google Model
Explorer."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hetero_tool.cli.console import out
from hetero_tool.cli.options import ModelArg, OutputDirOpt, PlanOpt
from hetero_tool.loaders import model_explorer_from_files

__all__ = ["export"]


def export(
    model: ModelArg,
    plan: PlanOpt,
    output_dir: OutputDirOpt = Path("."),
    bench: Annotated[
        Path | None,
        typer.Option(
            "--bench",
            help="A bench result with per-layer times (JSON): adds the latency overlay.",
            dir_okay=False,
        ),
    ] = None,
    run: Annotated[
        str | None,
        typer.Option("--run", help="Which run of the bench result to take the times from (its label)."),
    ] = None,
) -> None:
    """Write the model as Model Explorer's JSON graph (subgraphs as namespaces) and its node-data overlays."""
    paths = model_explorer_from_files(model, plan, output_dir, bench=bench, run=run)
    for what, path in paths.items():
        out.print(f"  {what:<10} {escape(str(path))}")
    overlays = ",".join(str(path) for what, path in paths.items() if what != "graph")
    command = f"model-explorer {shlex.quote(str(paths['graph']))} --node_data_paths={shlex.quote(overlays)}"
    out.print(f"open with: {escape(command)}", soft_wrap=True)
