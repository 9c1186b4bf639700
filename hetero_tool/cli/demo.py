"""``hetero-tool demo``: the main job on the bundled example models."""

from __future__ import annotations

from pathlib import Path

from hetero_tool.cli.console import out
from hetero_tool.cli.inspect import render_summary
from hetero_tool.cli.options import OutputDirOpt
from hetero_tool.demo import run_demo

__all__ = ["demo"]


def demo(output_dir: OutputDirOpt = Path("hetero_demo")) -> None:
    """Build the example models (MobileNet-style CNN, transformer encoder, detector, control flow) and inspect one."""
    result = run_demo(output_dir)
    out.print("[bold]Example models[/]")
    for name, path in result.models.items():
        out.print(f"  {name:<14} {path}")
    out.print()
    render_summary(result.summary)
