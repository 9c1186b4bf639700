"""``hetero-tool calibrate MODEL --devices ...``: measure the cost model's figures on this machine for this
model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hetero_tool._format import bytes_from_text
from hetero_tool.cli.console import format_bytes, out, print_json, progress_bar, table
from hetero_tool.cli.options import (
    DevicesOpt,
    EmulateOpt,
    InferPrecisionOpt,
    JsonOpt,
    LoadConfigOpt,
    ModelArg,
    NstreamsOpt,
    NthreadsOpt,
    ShapeOpt,
)
from hetero_tool.cost import CalibrationConfig, CostProfile, Spread
from hetero_tool.devices.config import DeviceSettings
from hetero_tool.errors import InputError
from hetero_tool.loaders import cost_profile_from_files
from hetero_tool.runtime.options import parse_shapes

__all__ = ["calibrate", "render_cost_profile", "parse_counts", "parse_bytes"]

#: Op types listed in the per-type table (the costliest).
TOP_TYPES = 12
_DEFAULT = CalibrationConfig()


def calibrate(
    model: ModelArg,
    devices: DevicesOpt,
    emulate: EmulateOpt = [],  # noqa: B006 (typer needs a literal default)
    repeat: Annotated[
        int,
        typer.Option(
            "--repeat",
            "-r",
            help="Run the whole calibration this many times; figures are medians "
            "with their range over the runs.",
        ),
    ] = _DEFAULT.repeat,
    niter: Annotated[
        int,
        typer.Option("--niter", help="Timed inferences per microbenchmark configuration, over all rounds."),
    ] = _DEFAULT.niter,
    rounds: Annotated[
        int,
        typer.Option("--rounds", help="Interleaved rounds the microbenchmark configurations take turns in."),
    ] = _DEFAULT.rounds,
    profile_iterations: Annotated[
        int,
        typer.Option("--profile-iterations", help="Profiled inferences per device for the per-layer times."),
    ] = _DEFAULT.profile_iterations,
    layer_method: Annotated[
        str,
        typer.Option(
            "--layer-method",
            help="Per-layer times from the device alone, through HETERO (the "
            "layers it cannot run on the next device), or auto: alone when it can run them all.",
        ),
    ] = _DEFAULT.layer_method,
    subgraphs: Annotated[
        str, typer.Option("--subgraphs", help="Subgraph counts of the boundary microbenchmark.")
    ] = ",".join(map(str, _DEFAULT.subgraph_counts)),
    boundary_bytes: Annotated[
        str | None,
        typer.Option(
            "--boundary-bytes",
            help="Tensor sizes crossing the boundaries, e.g. 1KiB,16KiB,256KiB "
            "(default: sizes spanning the model's own tensors).",
            show_default=False,
        ),
    ] = None,
    chain_layers: Annotated[
        int, typer.Option("--chain-layers", help="Layers of the microbenchmark chain.")
    ] = _DEFAULT.chain_layers,
    shape: ShapeOpt = None,
    load_config: LoadConfigOpt = None,
    nstreams: NstreamsOpt = None,
    nthreads: NthreadsOpt = None,
    infer_precision: InferPrecisionOpt = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random input data.")] = _DEFAULT.seed,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the cost profile (JSON) here.", dir_okay=False),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Measure per-layer times on each device, the per-subgraph overhead and the per-byte boundary cost."""
    config = CalibrationConfig(
        repeat=repeat,
        profile_iterations=profile_iterations,
        layer_method=layer_method,
        niter=niter,
        rounds=rounds,
        subgraph_counts=parse_counts(subgraphs),
        boundary_bytes=parse_bytes(boundary_bytes) if boundary_bytes else (),
        chain_layers=chain_layers,
        seed=seed,
        shapes=parse_shapes(shape) if shape else {},
    )
    settings = DeviceSettings.from_options(load_config, nstreams, nthreads, infer_precision)
    with progress_bar("calibrating") as progress:
        profile = cost_profile_from_files(
            model,
            devices=devices,
            emulate=emulate,
            config=config,
            settings=settings,
            output=output,
            progress=progress,
        )
    if json:
        print_json(profile.to_json())
        return
    render_cost_profile(profile)
    if output is not None:
        out.print(f"\nCost profile written to {escape(str(output))}")


def render_cost_profile(profile: CostProfile) -> None:
    """Print a cost profile: devices and per-layer totals, time per op type, the boundary cost and its fit."""
    config = profile.config
    runs = (
        f"{config.repeat} runs: median \\[min..max]"
        if config.repeat > 1
        else "1 run (--repeat for the spread)"
    )
    out.print(f"[bold]Model[/]    {escape(profile.model_name)}  ({escape(profile.model_path)})")
    out.print(
        f"[bold]Host[/]     {escape(profile.host_cpu)}, {profile.host_cores} cores, OpenVINO "
        f"{escape(profile.openvino)}; {runs}"
    )
    emulated = [d for d in profile.devices if d.emulated]
    if emulated:
        names = ", ".join(d.name for d in emulated)
        out.print(
            f"[bold]Emulated[/] {escape(names)}: the CPU plugin standing in, with the device profile's "
            "config; the figures are the CPU's, not the real device's"
        )

    out.print()
    numbers = ("layers", "unsupported", "fused", "sum of layers ms", "latency ms", "layer spread")
    title = f"Per-layer times ({config.profile_iterations} profiled inferences per run)"
    per_layer = table("device", "method", *numbers, title=title, right=numbers, no_wrap=("device",))
    for device in profile.devices:
        spread = "-"
        if config.repeat > 1:
            spread = f"{100 * device.layer_spread:.0f}% (p90 {100 * device.layer_spread_p90:.0f}%)"
        per_layer.add_row(
            escape(_name(profile, device.name)),
            device.method,
            str(len(device.layer_ms)),
            str(len(device.unsupported)),
            str(len(device.fused)),
            _spread(device.counted_ms, "{:.3f}", config.repeat),
            _spread(device.latency_ms, "{:.3f}", config.repeat),
            spread,
        )
    out.print(per_layer)
    if any(d.fused for d in profile.devices):
        out.print(
            "[dim]fused: layers no runtime node is named after (folded into a neighbour, e.g. a MatMul into "
            "FullyConnected); their time is in the neighbour's and they count 0[/]"
        )
    if any(d.unsupported for d in profile.devices):
        out.print("[dim]unsupported: layers the device cannot run; not timed[/]")

    types = {d.name: d.types(profile.layer_types) for d in profile.devices}
    names = sorted(
        {t for per in types.values() for t in per},
        key=lambda t: -max(per[t].total_ms for per in types.values() if t in per),
    )
    if names:
        out.print()
        shown = names[:TOP_TYPES]
        title = "Time by op type (ms per inference, summed over the layers; count)"
        if len(names) > len(shown):
            title += f", costliest {len(shown)} of {len(names)}"
        columns = [escape(_name(profile, device.name)) for device in profile.devices]
        by_type = table("op type", *columns, title=title, right=columns)
        for name in shown:
            cells = []
            for device in profile.devices:
                cost = types[device.name].get(name)
                cells.append(f"{cost.total_ms:.3f} ({cost.count})" if cost else "-")
            by_type.add_row(escape(name), *cells)
        out.print(by_type)

    out.print()
    if not profile.boundaries:
        out.print("[bold]Boundary cost[/]: not measured (it needs two devices)")
        return
    sizes = ", ".join(format_bytes(b) for b in config.boundary_bytes)
    counts = ", ".join(map(str, config.subgraph_counts))
    title = (
        f"Boundary cost: a {config.chain_layers}-layer chain cut into {counts} alternating subgraphs, "
        f"boundary tensors of {sizes}"
    )
    numbers = ("overhead µs/subgraph", "per byte ns", "bandwidth", "R²", "rmse µs", "max residual µs")
    boundaries = table("devices", *numbers, title=title, right=numbers)
    for cost in profile.boundaries:
        fit = cost.median_fit
        bandwidth = f"{cost.transfer_gbps:.2f} GB/s" if cost.per_byte_ns.median > 0 else "-"
        boundaries.add_row(
            escape(_pair(profile, cost.devices)),
            _spread(cost.overhead_us, "{:.2f}", config.repeat),
            _spread(cost.per_byte_ns, "{:.3f}", config.repeat),
            bandwidth,
            _spread(cost.r2, "{:.3f}", config.repeat),
            f"{fit.rmse_us:.1f}",
            f"{fit.max_residual_us:.1f}",
        )
    out.print(boundaries)
    for cost in profile.boundaries:
        slopes = ", ".join(
            f"{format_bytes(size)} {slope:.2f}" for size, slope in sorted(cost.median_fit.slopes_us.items())
        )
        out.print(
            f"  {escape(_pair(profile, cost.devices))}: µs per boundary, each size's sweep alone: {slopes}"
        )
    first = profile.boundaries[0]
    if first.overhead_us.median <= 0 or first.per_byte_ns.median <= 0:
        out.print(
            "\n[yellow]The fit found no positive overhead or per-byte cost "
            "(too few or too noisy measurements): "
            "calibrate again with more --niter or --repeat before using these figures.[/]"
        )
        return
    out.print(
        f"\nFor a device profile's \\[cost] table: subgraph_overhead_us = {first.overhead_us.median:.2f}, "
        f"transfer_gbps = {first.transfer_gbps:.2f}"
    )


def parse_counts(text: str) -> tuple[int, ...]:
    """``--subgraphs 1,2,4,8``: whole numbers, at least 1.

    Examples
    --------
    >>> parse_counts("1, 2,4")
    (1, 2, 4)
    """
    counts = []
    for part in text.split(","):
        try:
            value = int(part.strip())
        except ValueError:
            raise InputError(f"--subgraphs {text!r}: {part.strip()!r} is not a whole number") from None
        if value < 1:
            raise InputError(f"--subgraphs {text!r}: a subgraph count is at least 1")
        counts.append(value)
    return tuple(counts)


def parse_bytes(text: str) -> tuple[int, ...]:
    """``--boundary-bytes 1KiB,16KiB,4096``: sizes in bytes (:func:`~hetero_tool._format.bytes_from_text`).

    Examples
    --------
    >>> parse_bytes("1KiB, 16k,4096,1MB")
    (1024, 16384, 4096, 1000000)
    """
    sizes = []
    for part in text.split(","):
        size = bytes_from_text(part)
        if size is None:
            raise InputError(
                f"--boundary-bytes {text!r}: {part.strip()!r} is not a size (e.g. 4096, 16KiB, 1MiB)"
            )
        sizes.append(size)
    return tuple(sizes)


def _name(profile: CostProfile, name: str) -> str:
    """``NPU (emulated)`` or ``CPU``."""
    return f"{name} (emulated)" if profile.device(name).emulated else name


def _pair(profile: CostProfile, devices: tuple[str, str]) -> str:
    return " <-> ".join(_name(profile, name) for name in devices)


def _spread(spread: Spread, fmt: str, repeats: int) -> str:
    if repeats <= 1:
        return fmt.format(spread.median)
    return f"{fmt.format(spread.median)} \\[{fmt.format(spread.min)}..{fmt.format(spread.max)}]"
