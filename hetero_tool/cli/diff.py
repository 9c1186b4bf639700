"""``hetero-tool diff A.plan.json B.plan.json``: the layers that moved between two plans of one model, and
what it did to the subgraphs, cut bytes and predicted cost."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from hetero_tool.cli.console import format_bytes, out, print_json, table
from hetero_tool.cli.options import JsonOpt
from hetero_tool.diff import Change, PlanDiff
from hetero_tool.loaders import diff_from_files
from hetero_tool.plan import PlanDevice

__all__ = ["diff", "render_diff"]

#: Layer names shown per row, and rows shown, of the moved-layers table (``--json`` has them all).
NAMES_SHOWN = 3
ROWS_SHOWN = 20

PlanA = Annotated[
    Path,
    typer.Argument(metavar="A", help="The plan to compare against (HETERO's default, say).", dir_okay=False),
]
PlanB = Annotated[
    Path, typer.Argument(metavar="B", help="The plan compared with it, for the same model.", dir_okay=False)
]


def diff(a: PlanA, b: PlanB, json: JsonOpt = False) -> None:
    """Compare two plans of one model: layers that moved, subgraphs, cut bytes and predicted cost."""
    result = diff_from_files(a, b)
    if json:
        print_json(result.to_json())
        return
    render_diff(result)


def render_diff(diff: PlanDiff) -> None:
    """Print a diff: the plans, a line per figure (A → B and the change), then the moved operations grouped by
    devices and op type."""
    out.print(f"[bold]A[/]           {escape(diff.labels.a)}")
    out.print(f"[bold]B[/]           {escape(diff.labels.b)}")
    out.print(f"[bold]Model[/]       {escape(diff.model_name)} (IR sha256 {diff.model_sha256[:12]}...)")
    if diff.devices.same:
        out.print(f"[bold]Devices[/]     {escape(_devices(diff.devices.a))} in both")
    else:
        devices = f"{_devices(diff.devices.a)} → {_devices(diff.devices.b)}"
        out.print(f"[bold]Devices[/]     {escape(devices)}   (the device lists differ)")
    config = _config_changes(diff.device_config)
    if config:
        out.print(f"[bold]Config[/]      {escape(config)}")
    per_device = "   ".join(
        f"{name} {_change(change)}"
        for name, change in diff.subgraphs_per_device.items()
        if change.a or change.b
    )
    out.print(f"[bold]Subgraphs[/]   {_change(diff.subgraphs)}   {per_device}")
    cut = _change(diff.cut_bytes, lambda n: format_bytes(n, "dynamic"))
    out.print(f"[bold]Cut bytes[/]   {cut} per inference   tensors {_change(diff.cut_tensors)}")
    out.print(f"[bold]Predicted[/]   {_predicted(diff)}")
    operations = "   ".join(f"{name} {_change(change)}" for name, change in diff.operations.items())
    out.print(f"[bold]Operations[/]  {operations}")
    structural = diff.moved_structural
    if not diff.moved:
        but = f" (but {structural} Parameters, Constants or Results did)" if structural else ""
        out.print(f"[bold]Moved[/]       no layer moved{but}")
        return
    with_them = f", and {structural} Parameters, Constants and Results with them" if structural else ""
    operations = "operation" if len(diff.moved) == 1 else "operations"
    out.print(f"[bold]Moved[/]       {len(diff.moved)} {operations}{with_them}")
    out.print()
    moved = table(
        "from", "to", "op type", "count", "B's source", "layers", title="Moved layers", right=("count",)
    )
    groups = diff.groups
    for group in groups[:ROWS_SHOWN]:
        names = [layer.name for layer in group.layers]
        more = f", ... and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else ""
        moved.add_row(
            group.from_device,
            group.to_device,
            escape(group.op_type),
            str(group.count),
            ", ".join(dict.fromkeys(layer.source for layer in group.layers)),
            escape(", ".join(names[:NAMES_SHOWN]) + more),
        )
    out.print(moved)
    if len(groups) > ROWS_SHOWN:
        out.print(f"... and {len(groups) - ROWS_SHOWN} more groups (--json lists every layer)")


def _devices(devices: tuple[PlanDevice, ...]) -> str:
    """``HETERO:NPU,CPU (NPU emulated: npu profile)``."""
    emulated = ", ".join(f"{d.name} emulated: {d.profile} profile" for d in devices if d.emulated)
    return "HETERO:" + ",".join(d.name for d in devices) + (f" ({emulated})" if emulated else "")


def _config_changes(config: Change) -> str:
    """The keys whose values differ, per device in both plans (the devices line tells the others):
    ``NPU NUM_STREAMS 1 → 2, INFERENCE_NUM_THREADS - → 2``."""
    parts = []
    for name in [name for name in config.a if name in config.b]:
        before, after = config.a[name], config.b[name]
        keys = [key for key in dict.fromkeys([*before, *after]) if before.get(key) != after.get(key)]
        if keys:
            changes = ", ".join(f"{key} {before.get(key, '-')} → {after.get(key, '-')}" for key in keys)
            parts.append(f"{name} {changes}")
    return "   ".join(parts)


def _change(change: Change, show: Any = str) -> str:
    """``1 → 20 (+19)``, ``76 (same)``; the delta in the unit ``show`` writes."""
    if change.same:
        return f"{show(change.a)} (same)"
    delta = change.delta
    sign = "" if delta is None else "+" if delta > 0 else "-"
    shown = "" if delta is None else f" ({sign}{show(abs(delta))})"
    return f"{show(change.a)} → {show(change.b)}{shown}"


def _predicted(diff: PlanDiff) -> str:
    """``0.520 → 0.610 ms (+0.090 ms, 1.17x)   measured 0.500 → 0.600 ms``, or which plan has no
    prediction."""
    ms, measured = diff.predicted_ms, diff.measured_ms
    if ms.a is None and ms.b is None:
        return "- (neither plan has a prediction)"
    text = f"{_ms(ms.a)} → {_ms(ms.b)}"
    if ms.delta is not None:
        ratio = f", {ms.ratio:.2f}x" if ms.ratio is not None else ""
        text += f" ({'+' if ms.delta >= 0 else '-'}{abs(ms.delta):.3f} ms{ratio})"
    if measured.a is not None or measured.b is not None:
        text += f"   measured {_ms(measured.a)} → {_ms(measured.b)}"
    return text


def _ms(value: float | None) -> str:
    return "none" if value is None else f"{value:.3f} ms"
