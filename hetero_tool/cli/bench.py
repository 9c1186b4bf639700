"""``hetero-tool bench MODEL --plan PLAN.json``: plans timed through HETERO next to their baselines."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from hetero_tool.cli.console import err, format_bytes, out, print_json, progress_bar, table
from hetero_tool.cli.options import (
    InferPrecisionOpt,
    JsonOpt,
    LoadConfigOpt,
    ModelArg,
    NstreamsOpt,
    NthreadsOpt,
)
from hetero_tool.devices.config import DeviceSettings
from hetero_tool.errors import CheckFailed
from hetero_tool.loaders import bench_from_files
from hetero_tool.runtime.options import parse_inputs, parse_layouts, parse_shapes, parse_values

if TYPE_CHECKING:
    from hetero_tool.runtime.results import BenchResult, Run

__all__ = ["bench", "render_bench"]

#: Boundaries listed per run.
COSTLIEST_BOUNDARIES = 5


def bench(
    model: ModelArg,
    plan: Annotated[
        list[Path],
        typer.Option(
            "--plan",
            "-p",
            help="A plan for this model; repeat to compare several.",
            dir_okay=False,
            show_default=False,
        ),
    ],
    hint: Annotated[
        str | None,
        typer.Option(
            "--hint",
            help="Performance hint: latency, throughput or none (default: the plan's PERFORMANCE_HINT, "
            "else latency).",
            show_default=False,
        ),
    ] = None,
    api: Annotated[
        str | None, typer.Option("--api", help="sync or async (default: sync for latency, async otherwise).")
    ] = None,
    nireq: Annotated[
        int, typer.Option("--nireq", help="Requests in flight with --api async (0: optimal).")
    ] = 0,
    load_config: LoadConfigOpt = None,
    nstreams: NstreamsOpt = None,
    nthreads: NthreadsOpt = None,
    infer_precision: InferPrecisionOpt = None,
    seconds: Annotated[
        float | None,
        typer.Option("--time", "-t", help="Seconds of timed inference per candidate (default 10)."),
    ] = None,
    niter: Annotated[int | None, typer.Option("--niter", help="Timed inferences per candidate.")] = None,
    rounds: Annotated[int, typer.Option("--rounds", help="Interleaved rounds the budget is split over.")] = 5,
    no_warmup: Annotated[bool, typer.Option("--no-warmup", help="Skip the untimed first inference.")] = False,
    shape: Annotated[
        str | None,
        typer.Option(
            "--shape",
            help="The plans' input shapes: they come with the plans (plan --shape); given, they must match.",
        ),
    ] = None,
    input_files: Annotated[
        str | None,
        typer.Option("--input", "-i", help="Input data: file.npy or name=file.npy,other=file2.npy."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random input data.")] = 0,
    input_precision: Annotated[
        str | None,
        typer.Option(
            "--input-precision",
            help="Feed inputs as this type (u8); a PrePostProcessor in the model "
            "converts (unlike benchmark_app, f32 image inputs stay f32 unless asked).",
        ),
    ] = None,
    mean: Annotated[
        str | None, typer.Option("--mean", help="Mean values baked in: [123.7,116.3,103.5] or name[...].")
    ] = None,
    scale: Annotated[str | None, typer.Option("--scale", help="Scale values baked in, like --mean.")] = None,
    layout: Annotated[
        str | None, typer.Option("--layout", help="Input layouts for --mean/--scale: [NCHW] or image[NHWC].")
    ] = None,
    perf_counters: Annotated[
        bool, typer.Option("--perf-counters", "-pc", help="Per-subgraph, per-device and per-layer times.")
    ] = False,
    accuracy: Annotated[
        bool,
        typer.Option("--accuracy", help="Compare every candidate's outputs with a one-device reference."),
    ] = False,
    atol: Annotated[
        float | None,
        typer.Option(
            "--atol",
            help="Absolute tolerance of --accuracy (default: by precision, f32 1e-4 f16 1e-3 bf16 1e-2).",
        ),
    ] = None,
    rtol: Annotated[
        float | None,
        typer.Option(
            "--rtol",
            help="Relative tolerance of --accuracy (default: by precision, f32 1e-3 f16 1e-2 bf16 5e-2).",
        ),
    ] = None,
    f32: Annotated[
        bool, typer.Option("--f32", help="Force f32 on every device for the accuracy check.")
    ] = False,
    reference: Annotated[str, typer.Option("--reference", help="Device of the accuracy reference.")] = "CPU",
    baseline: Annotated[
        str | None, typer.Option("--baseline", help="Run the ratios use (default: HETERO automatic).")
    ] = None,
    no_baselines: Annotated[
        bool,
        typer.Option("--no-baselines", help="Time only the plans, not each device alone and HETERO's own."),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the bench result (JSON) here.", dir_okay=False),
    ] = None,
    report_dir: Annotated[
        Path | None,
        typer.Option(
            "--report-dir",
            help="Also write benchmark_app's report files for the first plan here.",
            file_okay=False,
        ),
    ] = None,
    report_format: Annotated[
        str, typer.Option("--report-format", help="json or csv (--report-dir).")
    ] = "csv",
    json: JsonOpt = False,
) -> None:
    """Compile each plan through HETERO with the device config it records, verify it, and time it like
    benchmark_app next to the baselines."""
    from hetero_tool.runtime.bench import AccuracyCheck  # the runtime (numpy, OpenVINO) only when benching
    from hetero_tool.runtime.results import BenchConfig

    settings = DeviceSettings.from_options(load_config, nstreams, nthreads, infer_precision)
    config = BenchConfig(
        hint=hint,
        api=api,
        nireq=nireq,
        nstreams=settings.nstreams,
        infer_precision=settings.infer_precision,
        nthreads=settings.nthreads,
        load_config=settings.load_config,
        load_config_file=settings.load_config_file,
        time_s=seconds,
        niter=niter,
        rounds=rounds,
        warmup=not no_warmup,
        shapes=parse_shapes(shape) if shape else {},
        input_precision=input_precision,
        layouts=parse_layouts(layout) if layout else {},
        mean=parse_values(mean, "--mean") if mean else {},
        scale=parse_values(scale, "--scale") if scale else {},
        inputs=f"files: {input_files}" if input_files else f"random(seed={seed})",
        perf_counters=perf_counters,
    )
    check = AccuracyCheck(atol=atol, rtol=rtol, f32=f32, reference=reference) if accuracy or f32 else None
    with progress_bar("compiling") as progress:
        result = bench_from_files(
            model,
            plan,
            config,
            input_files=parse_inputs(input_files) if input_files else None,
            seed=seed,
            baselines=not no_baselines,
            baseline=baseline,
            accuracy=check,
            output=output,
            report_dir=report_dir,
            report_format=report_format,
            progress=progress,
        )
    if report_dir is not None:
        err.print(f"benchmark_app report written to {escape(str(report_dir))}")
    if json:
        print_json(result.to_json())
    else:
        render_bench(result)
        if output is not None:
            out.print(f"\nBench result written to {escape(str(output))}")
    if not result.passed:
        raise CheckFailed("; ".join(result.problems()))


def render_bench(result: BenchResult) -> None:
    """Print a bench result: the timing table, checks, and per-subgraph insight where counters were on."""
    from hetero_tool.runtime.bench import AUTOMATIC

    config = result.config
    budget = f"{config.niter} inferences" if config.niter is not None else f"{config.time_s:g} s"
    out.print(f"[bold]Model[/]   {escape(result.model_name)}   OpenVINO {escape(result.openvino)}")
    out.print(
        f"[bold]Timing[/]  {budget} per candidate in {config.rounds} interleaved rounds, api {config.api}, "
        f"hint {config.hint}, inputs {escape(config.inputs)}; "
        f"ratios against [bold]{escape(result.baseline)}[/]"
    )
    out.print()
    numbers = ("submodels", "compile ms", "first ms", "iterations")
    runs = table("candidate", "target", *numbers, title="Candidates", right=numbers)
    for run in result.runs:
        first = f"{run.first_inference_ms:.2f}" if config.warmup else "-"
        runs.add_row(
            escape(run.label),
            escape(_target(run)),
            _submodels(run),
            f"{run.compile_ms:.0f}",
            first,
            f"{run.iterations:,}",
        )
    out.print(runs)
    out.print()
    numbers = ("median", "average", "min", "max", "p90", "p99", "FPS", "ratio")
    latency = table(
        "candidate", *numbers, title="Latency (ms)", right=numbers, no_wrap=("candidate", *numbers)
    )
    fastest = min(result.runs, key=lambda r: r.latency.median_ms)
    for run in result.runs:
        stats = run.latency
        ratio = result.ratio(run)
        colour = "green" if ratio < 0.98 else "red" if ratio > 1.02 else ""
        name = f"[bold]{escape(run.label)}[/]" if run is fastest else escape(run.label)
        times = (stats.median_ms, stats.average_ms, stats.min_ms, stats.max_ms, stats.p90_ms, stats.p99_ms)
        ratio_text = f"[{colour}]{ratio:.2f}x[/]" if colour else f"{ratio:.2f}x"
        latency.add_row(name, *(f"{ms:.3f}" for ms in times), f"{run.throughput_fps:,.1f}", ratio_text)
    out.print(latency)
    for run in result.runs:
        shown = "; ".join(f"{device} {_properties(props)}" for device, props in run.device_properties.items())
        out.print(f"[dim]{escape(run.label)} compiled with: {escape(shown)}[/]")
    automatic = next((r for r in result.runs if r.label == AUTOMATIC), None)
    if automatic is not None and automatic.emulated:
        out.print(
            f"[dim]{AUTOMATIC}: HETERO's greedy as the tool reproduces it, applied by hand (an emulated "
            "device's plugin would claim every op)[/]"
        )
    for label, reason in result.skipped.items():
        out.print(f"[dim]not run: {escape(label)}: {escape(reason)}[/]")
    for run in result.runs:
        if run.verification is not None:
            for problem in run.verification.problems():
                err.print(f"[bold red]MISMATCH[/] {escape(run.label)}: {escape(problem)}")
    _render_accuracy(result)
    for run in result.runs:
        if run.profile is not None:
            _render_profile(run)


def _render_accuracy(result: BenchResult) -> None:
    from hetero_tool.runtime.accuracy import F32_TOLERANCES, PRECISION_MARGIN

    checked = [run for run in result.runs if run.accuracy is not None]
    if not checked:
        return
    out.print()
    numbers = ("max abs", "max rel", "allowed abs")
    rows = table(
        "candidate",
        "output",
        "precision",
        *numbers,
        "result",
        title=f"Accuracy against {checked[0].accuracy.reference}",
        right=numbers,
    )
    for run in checked:
        accuracy = run.accuracy
        for output in accuracy.outputs:
            verdict = "[green]pass[/]" if output.passed else "[bold red]FAIL[/]"
            if output.note:
                verdict += f" [dim]({escape(output.note)})[/]"
            allowed = accuracy.atol + accuracy.margin * (output.floor or 0.0)
            rows.add_row(
                escape(run.label),
                escape(output.name),
                accuracy.precision or "?",
                _error(output.max_abs),
                _error(output.max_rel),
                f"{allowed:.3g}",
                verdict,
            )
    out.print(rows)
    given = {(run.accuracy.atol, run.accuracy.rtol) for run in checked if run.accuracy.tolerances_given}
    if given:
        out.print(
            f"[dim]tolerances given: atol {min(given)[0]:g}, rtol {min(given)[1]:g} (+ rtol x |reference|)[/]"
        )
    else:
        atol, rtol = F32_TOLERANCES
        out.print(
            f"[dim]allowed: atol {atol:g} + rtol {rtol:g} x |reference|, plus, for a candidate at a reduced "
            f"precision, {PRECISION_MARGIN:g} x what the reference device alone is off by at that precision "
            "(--atol/--rtol set fixed ones)[/]"
        )


def _render_profile(run: Run) -> None:
    profile = run.profile
    out.print()
    out.print(
        f"[bold]Perf counters: {escape(run.label)}[/] ({profile.iterations} profiled inferences, "
        f"latency {profile.latency_ms:.3f} ms, counted {profile.counted_ms:.3f} ms)"
    )
    numbers = ("subgraph", "time ms", "share", "reorders", "reorder ms")
    subgraphs = table("subgraph", "device", *numbers[1:], right=numbers)
    total = profile.counted_ms or 1.0
    for sg in profile.subgraphs:
        subgraphs.add_row(
            str(sg.index),
            sg.device,
            f"{sg.time_ms:.3f}",
            f"{100 * sg.time_ms / total:.0f}%",
            str(sg.reorders),
            f"{sg.reorder_ms:.3f}",
        )
    out.print(subgraphs)
    devices = "   ".join(f"{name} {ms:.3f} ms" for name, ms in profile.devices_ms.items())
    out.print(f"per device: {devices}")
    if profile.missing:
        out.print(f"[dim]not measured: {escape(profile.missing)}[/]")
    if len(profile.subgraphs) > 1 and profile.missing:
        out.print(
            f"at boundaries: not attributed; {profile.outside_ms:.3f} ms outside the counters (host copies, "
            "hand-offs and the request's own overhead)"
        )
    elif len(profile.subgraphs) > 1:
        at_cuts = sum(b.reorder_ms for b in profile.boundaries)
        out.print(
            f"at boundaries: {profile.boundary_ms:.3f} ms = {100 * profile.boundary_share:.0f}% of latency "
            f"(Reorders at cut tensors {at_cuts:.3f} ms + "
            f"{max(0.0, profile.outside_ms - profile.request_overhead_ms):.3f} ms outside the counters "
            f"beyond the request's own {profile.request_overhead_ms:.3f} ms: host copies and hand-offs)"
        )
    else:
        out.print(
            f"one submodel, no boundaries ({profile.outside_ms:.3f} ms outside the counters: the request's "
            "own overhead)"
        )
    if profile.boundaries:
        columns = ("from", "to", "tensors", "bytes", "reorders", "reorder ms")
        title = f"Costliest boundaries (of {len(profile.boundaries)})"
        boundaries = table(*columns, title=title, right=columns)
        for b in profile.boundaries[:COSTLIEST_BOUNDARIES]:
            boundaries.add_row(
                str(b.from_subgraph),
                str(b.to_subgraph),
                str(b.tensors),
                format_bytes(b.bytes),
                str(b.reorders),
                f"{b.reorder_ms:.3f}",
            )
        out.print(boundaries)


def _error(value: float | None) -> str:
    """A largest difference, ``-`` when the output could not be compared."""
    return "-" if value is None else f"{value:.3g}"


def _properties(props) -> str:
    parts = [props.get("INFERENCE_PRECISION_HINT", "?")]
    if "NUM_STREAMS" in props:
        parts.append(f"{props['NUM_STREAMS']} stream(s)")
    if "INFERENCE_NUM_THREADS" in props:
        parts.append(f"{props['INFERENCE_NUM_THREADS']} thread(s)")
    if "PERFORMANCE_HINT" in props:
        parts.append(props["PERFORMANCE_HINT"].lower())
    return ", ".join(parts)


def _target(run: Run) -> str:
    if not run.emulated:
        return run.target
    return f"{run.target} ({', '.join(run.emulated)} emulated)"


def _submodels(run: Run) -> str:
    if run.verification is None:
        return "-"
    mark = "[green]✓[/]" if run.verification.ok else "[bold red]✗[/]"
    return f"{run.verification.actual_submodels} {mark}"
