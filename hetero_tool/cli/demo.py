"""``hetero-tool demo``: the main job on the bundled example models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hetero_tool.cli.bench import render_bench
from hetero_tool.cli.console import out, progress_bar
from hetero_tool.cli.inspect import render_summary
from hetero_tool.cli.options import OutputDirOpt
from hetero_tool.cli.plan import render_plan

__all__ = ["demo"]


def demo(
    output_dir: OutputDirOpt = Path("hetero_demo"),
    seconds: Annotated[
        float, typer.Option("--time", "-t", help="Seconds of timed inference per candidate in the bench.")
    ] = 6.0,
) -> None:
    """Build the example models, plan two splits on an emulated NPU, draw them, time one, report."""
    from hetero_tool.demo import DEMO_DEVICES, DEMO_MODEL, run_demo  # the example models: only when asked for

    with progress_bar("building the example models and planning") as progress:

        def bench_step(what: str, done: int, total: int) -> None:
            progress(f"bench: {what}", done, total)

        result = run_demo(output_dir, bench_seconds=seconds, progress=bench_step)
    out.rule("Example models")
    for name, path in result.models.items():
        out.print(f"  {name:<14} {escape(str(path))}")
    out.print()
    out.rule(f"hetero-tool inspect {DEMO_MODEL}")
    render_summary(result.summary)
    for path, plan in result.plans.items():
        out.print()
        rules = f" --rules {result.rules.name}" if DEMO_MODEL in path.name else ""
        out.rule(f"hetero-tool plan {plan.model_name} -d {DEMO_DEVICES} --emulate NPU{rules}")
        render_plan(plan)
        out.print(f"Plan written to {escape(str(path))}")
    out.print()
    rounds = result.bench.config.rounds
    out.rule(
        f"hetero-tool bench {DEMO_MODEL} --plan {DEMO_MODEL}.plan.json "
        f"-t {seconds:g} --rounds {rounds} -pc --f32"
    )
    render_bench(result.bench)
    out.print()
    out.rule("Written")
    for name in result.dots:
        dumps = [p for n, p in result.dots[name].items() if n.startswith("hetero_")]
        out.print(f"  {name}: HETERO dumps   {escape(', '.join(str(p) for p in dumps))}")
        out.print(f"  {name}: Model Explorer {escape(str(result.exports[name]['graph']))}")
        out.print(f"  {name}: HTML report    {escape(str(result.reports[name]))}")
    out.print(f"  {DEMO_MODEL}: bench result   {escape(str(result.bench_path))}")
