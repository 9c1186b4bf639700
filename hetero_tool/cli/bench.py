"""``hetero-tool bench MODEL --plan PLAN.json``: plans timed through HETERO next to their baselines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hetero_tool._files import check_output
from hetero_tool.cli.console import err, format_bytes, out, print_json
from hetero_tool.cli.options import JsonOpt, ModelArg
from hetero_tool.errors import CheckFailed, InputError
from hetero_tool.runtime.bench import AUTOMATIC, HINTS, AccuracyCheck, bench_files, parse_per_device
from hetero_tool.runtime.results import BenchConfig, BenchResult, Run

__all__ = ["bench", "progress_bar", "render_bench"]

#: Boundaries listed per run.
COSTLIEST_BOUNDARIES = 5


def bench(
    model: ModelArg,
    plan: Annotated[
        list[Path],
        typer.Option("--plan", "-p", help="A plan for this model; repeat to compare several.", dir_okay=False,
                     show_default=False),  # fmt: skip
    ],
    hint: Annotated[str, typer.Option("--hint", help="Performance hint: latency, throughput or none.")] = "latency",
    api: Annotated[
        str | None, typer.Option("--api", help="sync or async (default: sync for latency, async otherwise).")
    ] = None,
    nireq: Annotated[int, typer.Option("--nireq", help="Requests in flight with --api async (0: optimal).")] = 0,
    nstreams: Annotated[
        str | None, typer.Option("--nstreams", help="NUM_STREAMS: N for every device or CPU:4,NPU:1.")
    ] = None,
    nthreads: Annotated[
        str | None, typer.Option("--nthreads", help="INFERENCE_NUM_THREADS: N or CPU:4,NPU:2.")
    ] = None,
    infer_precision: Annotated[
        str | None, typer.Option("--infer-precision", help="INFERENCE_PRECISION_HINT: f32 or CPU:f32,NPU:f16.")
    ] = None,
    seconds: Annotated[
        float | None, typer.Option("--time", "-t", help="Seconds of timed inference per candidate (default 10).")
    ] = None,
    niter: Annotated[int | None, typer.Option("--niter", help="Timed inferences per candidate.")] = None,
    rounds: Annotated[int, typer.Option("--rounds", help="Interleaved rounds the budget is split over.")] = 5,
    no_warmup: Annotated[bool, typer.Option("--no-warmup", help="Skip the untimed first inference.")] = False,
    shape: Annotated[
        str | None, typer.Option("--shape", help="Reshape first: [1,3,224,224] or name[1,3,224,224],other[1,8].")
    ] = None,
    input_files: Annotated[
        str | None, typer.Option("--input", "-i", help="Input data: file.npy or name=file.npy,other=file2.npy.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random input data.")] = 0,
    input_precision: Annotated[
        str | None,
        typer.Option("--input-precision", help="Feed inputs as this type (u8); a PrePostProcessor in the model "
                     "converts (unlike benchmark_app, f32 image inputs stay f32 unless asked)."),  # fmt: skip
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
        bool, typer.Option("--accuracy", help="Compare every candidate's outputs with a one-device reference.")
    ] = False,
    atol: Annotated[float, typer.Option("--atol", help="Absolute tolerance of --accuracy.")] = 1e-4,
    rtol: Annotated[float, typer.Option("--rtol", help="Relative tolerance of --accuracy.")] = 1e-3,
    f32: Annotated[bool, typer.Option("--f32", help="Force f32 on every device for the accuracy check.")] = False,
    reference: Annotated[str, typer.Option("--reference", help="Device of the accuracy reference.")] = "CPU",
    baseline: Annotated[
        str | None, typer.Option("--baseline", help="Run the ratios use (default: HETERO automatic).")
    ] = None,
    no_baselines: Annotated[
        bool, typer.Option("--no-baselines", help="Time only the plans, not each device alone and HETERO's own.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the bench result (JSON) here.", dir_okay=False)
    ] = None,
    report_dir: Annotated[
        Path | None,
        typer.Option("--report-dir", help="Also write benchmark_app's report files for the first plan here.",
                     file_okay=False),  # fmt: skip
    ] = None,
    report_format: Annotated[str, typer.Option("--report-format", help="json or csv (--report-dir).")] = "csv",
    json: JsonOpt = False,
) -> None:
    """Compile each plan through HETERO, verify it, and time it like benchmark_app next to the baselines."""
    from hetero_tool.runtime.inputs import parse_inputs, parse_layouts, parse_shapes, parse_values

    if hint not in HINTS:
        raise InputError(f"--hint {hint}: use one of {', '.join(HINTS)}")
    if seconds is not None and niter is not None:
        raise InputError("--time and --niter exclude each other")
    if rounds < 1:
        raise InputError("--rounds must be at least 1")
    if (seconds is not None and seconds <= 0) or (niter is not None and niter < 1):
        raise InputError("--time and --niter must be above 0")
    if report_format not in ("csv", "json"):
        raise InputError(f"--report-format {report_format}: use csv or json")
    files = parse_inputs(input_files) if input_files else None
    inputs_read = [model, *plan, *(files or {}).values()]
    if output is not None:
        check_output(output, *inputs_read)
    if report_dir is not None:
        taken = {Path(p).resolve() for p in (*inputs_read, output) if p is not None}
        for name in ("benchmark_report", "benchmark_average_counters_report"):
            if (report_dir / f"{name}.{report_format}").resolve() in taken:
                raise InputError(f"--report-dir {report_dir}: {name}.{report_format} would overwrite an input")
    config = BenchConfig(
        hint=hint,
        api=api or ("sync" if hint == "latency" else "async"),
        nireq=nireq,
        nstreams=parse_per_device(nstreams, "--nstreams"),
        infer_precision=parse_per_device(infer_precision, "--infer-precision"),
        nthreads={k: _int(v, "--nthreads") for k, v in parse_per_device(nthreads, "--nthreads").items()},
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
    with progress_bar() as progress:
        task = progress.add_task("compiling", total=None)

        def update(what: str, done: int, total: int) -> None:
            progress.update(task, description=escape(what), completed=done, total=total)

        result = bench_files(model, plan, config, input_files=files, seed=seed, baselines=not no_baselines,
                             baseline=baseline, accuracy=check, progress=update)  # fmt: skip
    if output is not None:
        result.save(output)
    if report_dir is not None:
        from hetero_tool.ir.formats import load_ir
        from hetero_tool.runtime.bench_report import write_benchmark_app_report

        written = write_benchmark_app_report(
            result, result.runs[0].label, report_dir, fmt=report_format, counters="average" if perf_counters else "no",
            model_path=model, ir=load_ir(model), protected=[model, *plan, *([output] if output else [])],
        )  # fmt: skip
        err.print(f"benchmark_app report: {', '.join(escape(str(p)) for p in written)}")
    if json:
        print_json(result.to_json())
    else:
        render_bench(result)
        if output is not None:
            out.print(f"\nBench result written to {escape(str(output))}")
    problems = _failures(result)
    if problems:
        raise CheckFailed("; ".join(problems))


def render_bench(result: BenchResult) -> None:
    """Print a bench result: the timing table, checks, and per-subgraph insight where counters were on."""
    config = result.config
    budget = f"{config.niter} inferences" if config.niter is not None else f"{config.time_s:g} s"
    out.print(f"[bold]Model[/]   {escape(result.model_name)}   OpenVINO {escape(result.openvino)}")
    out.print(f"[bold]Timing[/]  {budget} per candidate in {config.rounds} interleaved rounds, api {config.api}, "
              f"hint {config.hint}, inputs {escape(config.inputs)}; ratios against [bold]{escape(result.baseline)}[/]")  # fmt: skip
    out.print()
    runs = Table(box=None, pad_edge=False, title="Candidates", title_justify="left", title_style="bold")
    for column in ("candidate", "target", "submodels", "compile ms", "first ms", "iterations"):
        runs.add_column(column, justify="left" if column in ("candidate", "target") else "right")
    for run in result.runs:
        first = f"{run.first_inference_ms:.2f}" if config.warmup else "-"
        runs.add_row(escape(run.label), escape(_target(run)), _submodels(run), f"{run.compile_ms:.0f}", first,
                     f"{run.iterations:,}")  # fmt: skip
    out.print(runs)
    out.print()
    table = Table(box=None, pad_edge=False, title="Latency (ms)", title_justify="left", title_style="bold")
    for column in ("candidate", "median", "average", "min", "max", "p90", "p99", "FPS", "ratio"):
        table.add_column(column, justify="left" if column == "candidate" else "right", no_wrap=True)
    fastest = min(result.runs, key=lambda r: r.latency.median_ms)
    for run in result.runs:
        stats = run.latency
        ratio = result.ratio(run)
        colour = "green" if ratio < 0.98 else "red" if ratio > 1.02 else ""
        name = f"[bold]{escape(run.label)}[/]" if run is fastest else escape(run.label)
        table.add_row(
            name, f"{stats.median_ms:.3f}", f"{stats.average_ms:.3f}", f"{stats.min_ms:.3f}", f"{stats.max_ms:.3f}",
            f"{stats.p90_ms:.3f}", f"{stats.p99_ms:.3f}", f"{run.throughput_fps:,.1f}",
            f"[{colour}]{ratio:.2f}x[/]" if colour else f"{ratio:.2f}x",
        )  # fmt: skip
    out.print(table)
    for run in result.runs:
        shown = "; ".join(f"{device} {_properties(props)}" for device, props in run.device_properties.items())
        out.print(f"[dim]{escape(run.label)} compiled with: {escape(shown)}[/]")
    automatic = next((r for r in result.runs if r.label == AUTOMATIC), None)
    if automatic is not None and automatic.emulated:
        out.print(f"[dim]{AUTOMATIC}: HETERO's greedy as the tool reproduces it, applied by hand (an emulated "
                  "device's plugin would claim every op)[/]")  # fmt: skip
    for label, reason in result.skipped.items():
        out.print(f"[dim]not run: {escape(label)}: {escape(reason)}[/]")
    for run in result.runs:
        if run.verification is not None and not run.verification.ok:
            for problem in run.verification.problems():
                err.print(f"[bold red]MISMATCH[/] {escape(run.label)}: {escape(problem)}")
    _render_accuracy(result)
    for run in result.runs:
        if run.profile is not None:
            _render_profile(run)


def _render_accuracy(result: BenchResult) -> None:
    checked = [run for run in result.runs if run.accuracy is not None]
    if not checked:
        return
    first = checked[0].accuracy
    out.print()
    table = Table(box=None, pad_edge=False, title_justify="left", title_style="bold",
                  title=f"Accuracy against {first.reference} (atol {first.atol:g}, rtol {first.rtol:g})")  # fmt: skip
    for column in ("candidate", "output", "max abs", "max rel", "result"):
        table.add_column(column, justify="right" if column.startswith("max") else "left")
    for run in checked:
        for output in run.accuracy.outputs:
            verdict = "[green]pass[/]" if output.passed else "[bold red]FAIL[/]"
            if output.note:
                verdict += f" [dim]({escape(output.note)})[/]"
            table.add_row(escape(run.label), escape(output.name), f"{output.max_abs:.3g}", f"{output.max_rel:.3g}",
                          verdict)  # fmt: skip
    out.print(table)


def _render_profile(run: Run) -> None:
    profile = run.profile
    out.print()
    out.print(f"[bold]Perf counters: {escape(run.label)}[/] ({profile.iterations} profiled inferences, "
              f"latency {profile.latency_ms:.3f} ms, counted {profile.counted_ms:.3f} ms)")  # fmt: skip
    table = Table(box=None, pad_edge=False)
    for column in ("subgraph", "device", "time ms", "share", "reorders", "reorder ms"):
        table.add_column(column, justify="left" if column == "device" else "right")
    total = profile.counted_ms or 1.0
    for sg in profile.subgraphs:
        table.add_row(str(sg.index), sg.device, f"{sg.time_ms:.3f}", f"{100 * sg.time_ms / total:.0f}%",
                      str(sg.reorders), f"{sg.reorder_ms:.3f}")  # fmt: skip
    out.print(table)
    devices = "   ".join(f"{name} {ms:.3f} ms" for name, ms in profile.devices_ms.items())
    out.print(f"per device: {devices}")
    if len(profile.subgraphs) > 1:
        at_cuts = sum(b.reorder_ms for b in profile.boundaries)
        out.print(f"at boundaries: {profile.boundary_ms:.3f} ms = {100 * profile.boundary_share:.0f}% of latency "
                  f"(Reorders at cut tensors {at_cuts:.3f} ms + {profile.outside_ms:.3f} ms outside the counters: "
                  "host copies, hand-offs and the request's own overhead)")  # fmt: skip
    else:
        out.print(f"one submodel, no boundaries ({profile.outside_ms:.3f} ms outside the counters: the request's "
                  "own overhead)")  # fmt: skip
    if profile.boundaries:
        table = Table(box=None, pad_edge=False, title=f"Costliest boundaries (of {len(profile.boundaries)})",
                      title_justify="left")  # fmt: skip
        for column in ("from", "to", "tensors", "bytes", "reorders", "reorder ms"):
            table.add_column(column, justify="right")
        for boundary in profile.boundaries[:COSTLIEST_BOUNDARIES]:
            table.add_row(str(boundary.from_subgraph), str(boundary.to_subgraph), str(boundary.tensors),
                          format_bytes(boundary.bytes), str(boundary.reorders), f"{boundary.reorder_ms:.3f}")  # fmt: skip
        out.print(table)


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


def _failures(result: BenchResult) -> list[str]:
    problems = []
    for run in result.runs:
        if run.verification is not None and not run.verification.ok:
            problems.append(f"{run.label}: {'; '.join(run.verification.problems())}")
        if run.accuracy is not None and not run.accuracy.passed:
            failed = ", ".join(o.name for o in run.accuracy.outputs if not o.passed)
            problems.append(f"{run.label}: outputs {failed} differ from {run.accuracy.reference} beyond tolerance")
    return problems


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{what} {text!r}: not a whole number") from None


def progress_bar() -> Progress:
    """The progress bar long commands show on stderr (gone when done)."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=err, transient=True,
    )  # fmt: skip
