"""``hetero-tool plan MODEL --devices ...``: where every layer runs, why, and the subgraphs HETERO will
cut."""

from __future__ import annotations

from rich.markup import escape

from hetero_tool.cli.console import err, format_bytes, out, print_json, table
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
from hetero_tool.loaders import plan_from_files
from hetero_tool.plan import Plan

__all__ = ["plan", "render_plan"]

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
) -> None:
    """Place every layer on a device (fallback priority, rules, a map) and predict HETERO's subgraphs; the
    plan records each device's config, which bench compiles it with."""
    settings = DeviceSettings.from_options(load_config, nstreams, nthreads, infer_precision)
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


def _config(settings) -> str:
    return ", ".join(f"{key}={value}" for key, value in settings.items())


def _names(layers: tuple[str, ...]) -> str:
    more = f", ... ({len(layers) - NAMES_SHOWN} more)" if len(layers) > NAMES_SHOWN else ""
    return escape(", ".join(layers[:NAMES_SHOWN]) + more)
