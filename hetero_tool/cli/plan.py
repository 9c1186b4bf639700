"""``hetero-tool plan MODEL --devices ...``: where every layer runs, why, and the subgraphs HETERO will
cut."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from hetero_tool.cli.console import err, format_bytes, out, print_json, progress_bar, table
from hetero_tool.cli.options import (
    AffinityOpt,
    DevicesOpt,
    EmulateOpt,
    InferPrecisionOpt,
    JsonOpt,
    LoadConfigOpt,
    ModelArg,
    NstreamsOpt,
    NthreadsOpt,
    PlanOutputOpt,
    RulesOpt,
    ShapeOpt,
)
from hetero_tool.devices.config import DeviceSettings
from hetero_tool.diff import diff_plans
from hetero_tool.errors import InputError
from hetero_tool.loaders import optimization_from_files, plan_from_files
from hetero_tool.plan import Plan

if TYPE_CHECKING:
    from hetero_tool.optimize.search import Optimization

__all__ = ["plan", "render_optimization", "render_plan"]

#: Layer names shown per row of the fallback and pinned tables (the plan JSON has them all).
NAMES_SHOWN = 3


def plan(
    model: ModelArg,
    devices: DevicesOpt,
    emulate: EmulateOpt = [],  # noqa: B006 (typer needs a literal default)
    rules: RulesOpt = None,
    affinity: AffinityOpt = None,
    shape: ShapeOpt = None,
    load_config: LoadConfigOpt = None,
    nstreams: NstreamsOpt = None,
    nthreads: NthreadsOpt = None,
    infer_precision: InferPrecisionOpt = None,
    output: PlanOutputOpt = None,
    json: JsonOpt = False,
    optimize: Annotated[
        bool,
        typer.Option(
            "--optimize",
            help="Search for the placement of least predicted latency (respecting support, rules and pins) "
            "instead of HETERO's fallback priority, and compare it with HETERO's default and the baselines.",
        ),
    ] = False,
    objective: Annotated[
        str,
        typer.Option(
            "--objective",
            help="With --optimize: latency (default), or subgraphs (fewest subgraphs, then latency).",
            show_default=False,
        ),
    ] = "latency",
    cost: Annotated[
        Path | None,
        typer.Option(
            "--cost",
            metavar="COST.json",
            help="With --optimize: the cost profile `hetero-tool calibrate` measured for this model; "
            "without it the figures are estimated from shapes and the device profiles.",
            show_default=False,
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            metavar="S",
            help="With --optimize: seconds the search may take in all (default: 10 up to 2,000 layers, "
            "growing to 60 at 25,000).",
            show_default=False,
        ),
    ] = None,
    measure: Annotated[
        int,
        typer.Option(
            "--measure",
            metavar="K",
            help="With --optimize: compile and time the K best distinct candidates (and HETERO's default) "
            "through HETERO, interleaved, and keep the fastest measured.",
        ),
    ] = 0,
    memory: Annotated[
        list[str],
        typer.Option(
            "--memory",
            metavar="DEV=SIZE",
            help="With --optimize: the most device DEV may hold, weights plus peak live activations "
            "(NPU=2GiB; repeatable).",
            show_default=False,
        ),
    ] = [],  # noqa: B006 (typer needs a literal default)
) -> None:
    """Place every layer on a device (fallback priority, rules, a map) and predict HETERO's subgraphs; the
    plan records each device's config, which bench compiles it with. With --optimize, the fastest placement
    the cost model finds instead, next to HETERO's default and the baselines."""
    settings = DeviceSettings.from_options(load_config, nstreams, nthreads, infer_precision)
    if not optimize and (
        cost is not None or objective != "latency" or time_limit is not None or measure or memory
    ):
        raise InputError("--objective, --cost, --time-limit, --measure and --memory need --optimize")
    if optimize:
        with progress_bar("optimizing") as progress:
            found = optimization_from_files(
                model,
                devices=devices,
                emulate=emulate,
                rules=rules,
                affinity=affinity,
                shapes=shape,
                settings=settings,
                cost=cost,
                objective=objective,
                time_limit=time_limit,
                measure=measure,
                memory=memory,
                output=output,
                progress=progress,
            )
        if json:
            print_json(found.plan.to_json())
            return
        render_plan(found.plan)
        out.print()
        render_optimization(found)
        if output is not None:
            out.print(f"\nPlan written to {escape(str(output))}")
        return
    with err.status("planning: querying devices and cutting subgraphs"):
        result = plan_from_files(
            model,
            devices=devices,
            emulate=emulate,
            rules=rules,
            affinity=affinity,
            shapes=shape,
            settings=settings,
            output=output,
        )
    if json:
        print_json(result.to_json())
        return
    render_plan(result)
    if output is not None:
        out.print(f"\nPlan written to {escape(str(output))}")


def render_plan(plan: Plan) -> None:
    """Print a plan: devices, layers per device, the subgraph table, the fallback and pinned tables,
    warnings."""
    part = plan.partition
    shapes = ", ".join(f"{name or 'every input'} {shape}" for name, shape in plan.shapes.items())
    reshaped = f"   reshaped: {escape(shapes)}" if shapes else ""
    out.print(f"[bold]Model[/]      {escape(plan.model_name)}  ({escape(plan.model_path)}){reshaped}")
    emulated = [d for d in plan.devices if d.emulated]
    notes = "".join(f"   {d.name}: emulated ({d.profile} profile on the CPU plugin)" for d in emulated)
    out.print(f"[bold]Devices[/]    {plan.priority}{escape(notes)}")
    configs = [(d.name, plan.settings_of(d.name)) for d in plan.devices]
    shown = "   ".join(f"{name} {_config(settings)}" for name, settings in configs if settings)
    if shown:
        out.print(f"[bold]Config[/]     {escape(shown)}   (bench compiles with it)")
    counts = plan.layers_per_device()
    total = sum(counts.values()) or 1
    shown = "   ".join(f"{name} {n} ({100 * n / total:.0f}%)" for name, n in counts.items())
    out.print(f"[bold]Layers[/]     {shown}   (operations; Parameters, Constants and Results follow them)")
    out.print(
        f"[bold]Subgraphs[/]  {plan.subgraph_count}, as HETERO_NUMBER_OF_SUBMODELS will report   "
        f"[bold]Cut tensors[/] {len(part.cuts)} ({format_bytes(part.cut_bytes, 'dynamic')} per inference)"
    )

    out.print()
    subgraphs = table(
        "id",
        "device",
        "layers",
        "in",
        "out",
        "first layer",
        title="Subgraphs (in execution order)",
        right=("id", "layers", "in", "out"),
    )
    for sg in part.subgraphs:
        inbound, outbound = part.subgraph_bytes[sg.index]
        compute = plan.subgraph_operations[sg.index]
        first = plan.names[compute[0]] if compute else plan.names[sg.layers[0]]
        subgraphs.add_row(
            str(sg.index),
            sg.device,
            str(len(compute)),
            format_bytes(inbound),
            format_bytes(outbound),
            escape(first),
        )
    out.print(subgraphs)

    if plan.fallback_rows:
        out.print()
        fallback = table(
            "op type", "count", "went to", "reason", "layers", title="Fallback", right=("count",)
        )
        for row in plan.fallback_rows:
            fallback.add_row(
                escape(row.op_type), str(row.count), row.device, escape(row.reason), _names(row.layers)
            )
        out.print(fallback)
    if plan.pinned_rows:
        out.print()
        pinned = table("by", "device", "count", "layers", title="Pinned", right=("count",))
        for row in plan.pinned_rows:
            pinned.add_row(escape(row.by), row.device, str(row.count), _names(row.layers))
        out.print(pinned)
    for warning in plan.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")


def render_optimization(found: Optimization) -> None:
    """Print what the optimizer weighed: default against optimized side by side, every candidate, the layers
    that moved and why."""
    chosen, default = found.plan, found.default.plan
    predicted = chosen.predicted
    assert predicted is not None
    source = "estimated (no --cost)" if predicted.source == "estimated" else "calibrated"
    side = table(
        "", "HETERO default", "optimized", title=f"Optimized ({predicted.objective}; figures {source})"
    )
    side.add_row("subgraphs", str(default.subgraph_count), str(chosen.subgraph_count))
    side.add_row(
        "cut bytes", format_bytes(default.partition.cut_bytes), format_bytes(chosen.partition.cut_bytes)
    )
    side.add_row("predicted", f"{found.default.ms:.3f} ms", f"{predicted.ms:.3f} ms")
    if predicted.measured_ms is not None:
        default_measured = predicted.measured.get(found.default.name)
        side.add_row(
            "measured",
            "-" if default_measured is None else f"{default_measured:.3f} ms",
            f"{predicted.measured_ms:.3f} ms",
        )
    bound = "-" if predicted.bound_ms is None else f"{predicted.bound_ms:.3f} ms"
    gap = "-" if predicted.gap is None else f"{100 * predicted.gap:.1f}%"
    side.add_row("bound", "", bound)
    side.add_row("gap", "", gap)
    out.print(side)
    out.print(f"[bold]Engine[/]     {escape(predicted.engine)}")
    out.print()
    ranked = table(
        "candidate",
        "subgraphs",
        "predicted",
        "vs default",
        "measured",
        title="Candidates (best predicted first; measured through HETERO with --measure)",
        right=("subgraphs", "predicted", "vs default", "measured"),
    )
    for c in found.candidates:
        ratio = f"{found.default.ms / c.ms:.2f}x" if c.ms > 0 else "-"
        name = escape(c.name) + (" [red](HETERO refuses it)[/]" if c.refused else "")
        timed = predicted.measured.get(c.name)
        ranked.add_row(
            name,
            str(c.plan.subgraph_count),
            f"{c.ms:.3f} ms",
            ratio,
            "" if timed is None else f"{timed:.3f} ms",
        )
    out.print(ranked)
    moved = diff_plans(default, chosen).moved
    if moved:
        out.print()
        rows = table("from", "to", "count", "why", "layers", title="Moved", right=("count",))
        by_reason: dict[tuple[str, str, str], list[str]] = {}
        for layer in moved:
            by_reason.setdefault((layer.from_device, layer.to_device, layer.reason), []).append(layer.name)
        for (a, b, why), names in by_reason.items():
            rows.add_row(a, b, str(len(names)), escape(why), _names(tuple(names)))
        out.print(rows)
    for note in predicted.notes:
        err.print(f"[yellow]note:[/] {escape(note)}")


def _config(settings) -> str:
    return ", ".join(f"{key}={value}" for key, value in settings.items())


def _names(layers: tuple[str, ...]) -> str:
    more = f", ... ({len(layers) - NAMES_SHOWN} more)" if len(layers) > NAMES_SHOWN else ""
    return escape(", ".join(layers[:NAMES_SHOWN]) + more)
