"""``hetero-tool plan MODEL --devices ...``: where every layer runs, why, and the subgraphs HETERO will cut."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from hetero_tool._files import check_output
from hetero_tool.cli.console import err, format_bytes, out, print_json
from hetero_tool.cli.options import (
    AffinityOpt,
    DevicesOpt,
    EmulateOpt,
    JsonOpt,
    ModelArg,
    PlanOutputOpt,
    RulesOpt,
)
from hetero_tool.partition.plan import Plan, fallback_rows, plan_model

__all__ = ["plan", "render_plan"]


def plan(
    model: ModelArg,
    devices: DevicesOpt,
    emulate: EmulateOpt = [],  # noqa: B006 (typer needs a literal default)
    rules: RulesOpt = None,
    affinity: AffinityOpt = None,
    output: PlanOutputOpt = None,
    json: JsonOpt = False,
) -> None:
    """Assign every layer a device (fallback priority, rules, an affinity map) and predict HETERO's subgraphs."""
    if output is not None:
        check_output(output, model, rules, affinity)
    with err.status("planning: querying devices and cutting subgraphs"):
        result = plan_model(model, devices=devices, emulate=emulate, rules=rules, affinity=affinity)
    if output is not None:
        result.save(output)
    if json:
        print_json(result.to_json())
        return
    render_plan(result)
    if output is not None:
        out.print(f"\nPlan written to {escape(str(output))}")


def render_plan(plan: Plan) -> None:
    """Print a plan: devices, layers per device, the subgraph table, the fallback table, warnings."""
    out.print(f"[bold]Model[/]      {escape(plan.model_name)}  ({escape(plan.model_path)})")
    emulated = [d for d in plan.devices if d.emulated]
    notes = "".join(f"   {d.name}: emulated ({d.profile} profile on the CPU plugin)" for d in emulated)
    out.print(f"[bold]Devices[/]    {plan.priority}{escape(notes)}")
    counts = plan.layers_per_device()
    total = sum(counts.values()) or 1
    shown = "   ".join(f"{name} {n} ({100 * n / total:.0f}%)" for name, n in counts.items())
    out.print(f"[bold]Layers[/]     {shown}   (operations; Parameters, Constants and Results follow them)")
    cut_bytes = [c.bytes for c in plan.partition.cuts]
    copied = format_bytes(sum(cut_bytes)) if None not in cut_bytes else "dynamic"
    out.print(f"[bold]Subgraphs[/]  {plan.subgraph_count}, as HETERO_NUMBER_OF_SUBMODELS will report   "
              f"[bold]Cut tensors[/] {len(plan.partition.cuts)} ({copied} per inference)")  # fmt: skip

    out.print()
    table = Table(title="Subgraphs (in execution order)", title_justify="left", title_style="bold", box=None,
                  pad_edge=False)  # fmt: skip
    for column, justify in (("id", "right"), ("device", "left"), ("layers", "right"), ("in", "right"),
                            ("out", "right"), ("first layer", "left")):  # fmt: skip
        table.add_column(column, justify=justify)
    for sg in plan.partition.subgraphs:
        inbound, outbound = plan.subgraph_bytes(sg)
        compute = [lid for lid in sg.layers if plan.types[lid] not in ("Parameter", "Result")]
        first = plan.names[compute[0]] if compute else plan.names[sg.layers[0]]
        table.add_row(str(sg.index), sg.device, str(len(compute)), format_bytes(inbound), format_bytes(outbound),
                      escape(first))  # fmt: skip
    out.print(table)

    rows = fallback_rows(plan)
    if rows:
        out.print()
        table = Table(title="Fallback", title_justify="left", title_style="bold", box=None, pad_edge=False)
        for column in ("op type", "count", "went to", "reason", "layers"):
            table.add_column(column, justify="right" if column == "count" else "left")
        for row in rows:
            names = ", ".join(row.layers[:3]) + (f", ... ({row.count - 3} more)" if row.count > 3 else "")
            table.add_row(escape(row.op_type), str(row.count), row.device, escape(row.reason), escape(names))
        out.print(table)
    pinned = {}
    for lid, decision in plan.decisions.items():
        if decision.source in ("rule", "map"):
            key = (f"rule {decision.rule!r}" if decision.rule else "affinity map", decision.device)
            pinned.setdefault(key, []).append(plan.names[lid])
    if pinned:
        out.print()
        table = Table(title="Pinned", title_justify="left", title_style="bold", box=None, pad_edge=False)
        for column in ("by", "device", "count", "layers"):
            table.add_column(column, justify="right" if column == "count" else "left")
        for (by, device), names in pinned.items():
            shown = ", ".join(names[:3]) + (f", ... ({len(names) - 3} more)" if len(names) > 3 else "")
            table.add_row(escape(by), device, str(len(names)), escape(shown))
        out.print(table)
    for warning in plan.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")
