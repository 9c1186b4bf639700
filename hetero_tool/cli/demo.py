"""``hetero-tool demo``: the main job on the bundled example models."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from hetero_tool.cli.console import err, out
from hetero_tool.cli.inspect import render_summary
from hetero_tool.cli.options import OutputDirOpt
from hetero_tool.cli.plan import render_plan
from hetero_tool.demo import DEMO_DEVICES, run_demo

__all__ = ["demo"]


def demo(output_dir: OutputDirOpt = Path("hetero_demo")) -> None:
    """Build the example models, inspect one, and plan two HETERO splits on an emulated NPU next to the CPU."""
    with err.status("building the example models and planning"):
        result = run_demo(output_dir)
    out.rule("Example models")
    for name, path in result.models.items():
        out.print(f"  {name:<14} {escape(str(path))}")
    out.print()
    out.rule("hetero-tool inspect mobilenet")
    render_summary(result.summary)
    for path, plan in result.plans.items():
        out.print()
        rules = f" --rules {result.rules.name}" if "mobilenet" in path.name else ""
        out.rule(f"hetero-tool plan {plan.model_name} -d {DEMO_DEVICES} --emulate NPU{rules}")
        render_plan(plan)
        out.print(f"Plan written to {escape(str(path))}")
