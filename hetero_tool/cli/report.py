"""``hetero-tool report MODEL --plan PLAN.json [--bench RESULT.json] -o report.html``: the plan as one HTML
page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hetero_tool.cli.console import err, format_bytes, out
from hetero_tool.cli.options import ModelArg, PlanOpt
from hetero_tool.loaders import report_from_files

__all__ = ["report"]


def report(
    model: ModelArg,
    plan: PlanOpt,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.", dir_okay=False)],
    bench: Annotated[
        Path | None,
        typer.Option(
            "--bench", help="A bench result for this model (JSON): adds the timing section.", dir_okay=False
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option("--timeout", help="Seconds the layout may take before the collapsed view is drawn."),
    ] = 60.0,
) -> None:
    """Write one self-contained HTML page: summary, subgraphs, fallback, searchable graph, timings."""
    with err.status("laying out the graph and writing the report"):
        result = report_from_files(model, plan, bench=bench, output=output, timeout=timeout)
    graph = f"{result.view} view" if result.view else "no graph"
    out.print(
        f"{escape(str(output))}: {format_bytes(len(result.html.encode()))}, {graph} ({escape(result.note)})"
    )
