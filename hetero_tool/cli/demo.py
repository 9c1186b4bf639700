"""``hetero-tool demo``: the main job on the bundled example models."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from hetero_tool.cli.bench import render_bench
from hetero_tool.cli.console import out, progress_bar
from hetero_tool.cli.inspect import render_summary
from hetero_tool.cli.options import OutputDirOpt
from hetero_tool.cli.plan import render_optimization, render_plan

if TYPE_CHECKING:
    from hetero_tool.demo import OptimizedStep

__all__ = ["demo"]


def demo(
    output_dir: OutputDirOpt = Path("hetero_demo"),
    seconds: Annotated[
        float, typer.Option("--time", "-t", help="Seconds of timed inference per candidate in the bench.")
    ] = 6.0,
) -> None:
    """Build the example models, plan two splits on an emulated NPU, draw them, time one, report, and
    optimize one."""
    from hetero_tool.demo import DEMO_DEVICES, DEMO_MODEL, run_demo  # the example models: only when asked for

    with progress_bar("building the example models and planning") as progress:
        result = run_demo(output_dir, bench_seconds=seconds, progress=progress)
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
    _render_optimized(result.optimized, result.rules.name)
    out.print()
    out.rule("Written")
    for name in result.dots:
        dumps = [p for n, p in result.dots[name].items() if n.startswith("hetero_")]
        out.print(f"  {name}: HETERO dumps   {escape(', '.join(str(p) for p in dumps))}")
        out.print(f"  {name}: Model Explorer {escape(str(result.exports[name]['graph']))}")
        out.print(f"  {name}: HTML report    {escape(str(result.reports[name]))}")
    out.print(f"  {DEMO_MODEL}: bench result   {escape(str(result.bench_path))}")
    step = result.optimized
    out.print(f"  {DEMO_MODEL}: cost profile   {escape(str(step.cost_path))}")
    out.print(f"  {DEMO_MODEL}: optimized plan {escape(str(step.plan_path))}")
    out.print(f"  {DEMO_MODEL}: its report     {escape(str(step.report))}")
    out.print(f"  {DEMO_MODEL}: default/optimized strip {escape(str(step.strip))}")


def _render_optimized(step: OptimizedStep, rules: str) -> None:
    """The optimize step: the commands it stands for, how the accelerator was set up, what calibration
    measured, and HETERO's default against the optimized plan (as ``plan --optimize`` prints it)."""
    from hetero_tool.demo import DEMO_DEVICES, DEMO_MODEL

    settings = step.settings
    options = " ".join(
        f"{option} " + ",".join(f"{device}:{value}" for device, value in values.items())
        for option, values in (
            ("--nthreads", settings.nthreads),
            ("--infer-precision", settings.infer_precision),
        )
        if values
    )
    found = step.optimization
    out.rule(f"Optimizing the {DEMO_MODEL} split for an accelerator faster than the CPU")
    precision = settings.infer_precision
    setups = ", ".join(
        f"the {device} {count} thread{'' if count == 1 else 's'} in {precision.get(device, 'f32')}"
        for device, count in settings.nthreads.items()
    )
    out.print(
        f"The accelerator: {escape(setups)} (the NPU emulated: the CPU plugin with the npu profile), the "
        f"hard-swish family kept off it by {escape(rules)}. The model is reshaped to {escape(step.shapes)}: "
        "at its own 64x64 it is too small for a second thread to pay."
    )
    out.print(
        f"$ hetero-tool calibrate {DEMO_MODEL}.xml -d NPU,CPU --emulate NPU --shape {escape(step.shapes)} "
        f"{options} -o {step.cost_path.name}   (briefly)",
        soft_wrap=True,
    )
    alone = {
        device.name + (" (emulated)" if device.emulated else ""): device.counted_ms.median
        for device in step.cost.devices
    }
    line = "   ".join(f"{name} {ms:.3f} ms" for name, ms in alone.items())
    out.print(
        f"[bold]Calibrated[/] {escape(line)}   (each device alone, the sum of its layers' times), and the "
        f"cost of a boundary, in {step.calibrate_seconds:.1f} s"
    )
    npu, cpu = (step.cost.device(name).counted_ms.median for name in ("NPU", "CPU"))
    if npu >= cpu:
        out.print(
            "[yellow]On this machine the emulated NPU measured no faster than the CPU (its two threads share "
            "the cores with whatever else runs); the optimizer goes by what was measured.[/]"
        )
    out.print(
        f"$ hetero-tool plan {DEMO_MODEL}.xml -d {DEMO_DEVICES} --emulate NPU --rules {escape(rules)} "
        f"--shape {escape(step.shapes)} {options} --optimize --cost {step.cost_path.name} "
        f"--measure {step.measure} -o {step.plan_path.name}",
        soft_wrap=True,
    )
    out.print()
    render_optimization(found)
    out.print(
        f"Optimized in {step.optimize_seconds:.1f} s: {found.seconds:.1f} s of search, then the "
        f"{step.measure} best candidates and HETERO's default timed through HETERO, interleaved."
    )
    out.print(f"Plan written to {escape(str(step.plan_path))}, its report to {escape(str(step.report))}")
