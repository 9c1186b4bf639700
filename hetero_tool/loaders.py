"""One way in from files: each ``hetero-tool`` command that works on files, as one library function on paths
and option strings (``inspect``, ``devices`` and ``demo`` need no more than the library's own functions).

Each function takes what its command reads (the model first, then plans, a bench result, rules...), and in
that order it

1. checks each output file it is given before any work: its directory exists and it is none of the inputs
   (an IR's ``.bin`` included), so a long run never ends in that error;
2. loads each input once, through the stage that owns it, and checks that each file was made for the model
   (the IR's SHA-256, :meth:`~hetero_tool.ir.types.IRModel.check_made_for`);
3. calls the one library function that does the work;
4. writes what it made atomically, all files or none, and never over an input (the files written into an
   output directory are checked there, as they are written).

The names follow one pattern, ``<result>_from_files``, like Polygraphy's loaders (``onnx_from_path``). The
CLI and the notebooks come in here; everything below works on objects.

By command, the function and the work it calls:

- ``plan``: :func:`plan_from_files`, :func:`~hetero_tool.plan.make_plan`;
- ``diff``: :func:`diff_from_files`, :func:`~hetero_tool.diff.diff_plans`;
- ``bench``: :func:`bench_from_files`, :func:`~hetero_tool.runtime.bench.run_bench`;
- ``calibrate``: :func:`cost_profile_from_files`, :func:`~hetero_tool.runtime.calibration.calibrate`;
- ``dot``: :func:`dot_from_files`, :func:`~hetero_tool.report.dotfiles.write_dot_files`;
- ``render``: :func:`rendering_from_files`, :func:`~hetero_tool.report.render.render_plan`;
- ``report``: :func:`report_from_files`, :func:`~hetero_tool.report.html.report_html`;
- ``export``: :func:`model_explorer_from_files`,
  :func:`~hetero_tool.report.model_explorer.write_model_explorer`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hetero_tool._files import check_output, refuse_inputs, write_atomic
from hetero_tool._format import bytes_from_text
from hetero_tool.affinity import load_affinity_map, load_rules
from hetero_tool.devices import Device, DeviceSettings, parse_devices, parse_emulate, resolve_devices
from hetero_tool.diff import PlanDiff, diff_plans
from hetero_tool.errors import InputError
from hetero_tool.ir import IRModel, load_ir
from hetero_tool.plan import Plan, load_plan, make_plan

# The runtime and the reports (numpy, OpenVINO, templates) are imported by the functions that use them, so
# `hetero-tool plan` does not pay for what only `bench` or `report` needs.
if TYPE_CHECKING:
    from hetero_tool.cost import CalibrationConfig, CostProfile
    from hetero_tool.optimize.search import Optimization
    from hetero_tool.report.html import ReportResult
    from hetero_tool.report.render import Rendering
    from hetero_tool.runtime.bench import AccuracyCheck
    from hetero_tool.runtime.progress import Progress
    from hetero_tool.runtime.results import BenchConfig, BenchResult

__all__ = [
    "bench_from_files",
    "cost_profile_from_files",
    "devices_from_options",
    "diff_from_files",
    "dot_from_files",
    "model_explorer_from_files",
    "plan_from_files",
    "rendering_from_files",
    "report_from_files",
]

PathLike = str | os.PathLike[str]


def devices_from_options(
    devices: str | Sequence[str],
    emulate: str | Sequence[str] = (),
    settings: DeviceSettings | None = None,
) -> tuple[Device, ...]:
    """The devices of a priority list (``"HETERO:NPU,CPU"`` or ``["NPU", "CPU"]``), with ``emulate`` holding
    ``NAME[=PROFILE]`` values (one string or several), as ``--devices`` and ``--emulate`` give them, and the
    ``settings`` the user gives each (``--load-config``, ``--nthreads`` ..., keyed by these names).

    Examples
    --------
    >>> [device.label for device in devices_from_options("HETERO:NPU,CPU", emulate="NPU")]
    ['NPU (emulated: npu profile on the CPU plugin)', 'CPU']
    >>> devices_from_options("NPU,CPU", "NPU", DeviceSettings(nthreads={"NPU": 2}))[0].settings
    {'INFERENCE_NUM_THREADS': 2}
    """
    names = parse_devices(devices if isinstance(devices, str) else ",".join(devices))
    chosen = resolve_devices(names, parse_emulate(_specs(emulate)))
    if not settings:
        return chosen
    given = settings.resolve(names)
    return tuple(replace(device, settings=given[device.name]) for device in chosen)


def plan_from_files(
    model: PathLike,
    *,
    devices: str | Sequence[str],
    emulate: str | Sequence[str] = (),
    rules: PathLike | None = None,
    affinity: PathLike | None = None,
    shapes: str | Mapping[str, str] | None = None,
    settings: DeviceSettings | None = None,
    output: PathLike | None = None,
) -> Plan:
    """``hetero-tool plan``: place every layer and predict HETERO's subgraphs; with ``output``, save the plan.

    ``devices``, ``emulate`` and ``settings`` as :func:`devices_from_options` takes them, ``rules`` a rules
    TOML, ``affinity`` a ``{layer name: device}`` JSON map, and ``shapes`` the input shapes to plan for, as
    ``--shape`` gives them (``"[1,3,224,224]"``) or already read (``{"image": "[1,3,224,224]"}``): the model
    is reshaped first and the plan records them, so that the commands that use the plan apply them too. The
    plan records each device's config (:attr:`~hetero_tool.plan.Plan.device_config`), which ``bench``
    compiles it with.

    Examples
    --------
    >>> plan = plan_from_files(samples["detector"], devices=["NPU", "CPU"], emulate="NPU")
    >>> plan.priority, [d.emulated for d in plan.devices]
    ('HETERO:NPU,CPU', [True, False])
    >>> plan_from_files(samples["mobilenet"], devices="CPU", shapes="[2,3,64,64]").shapes
    {'': '[2,3,64,64]'}
    >>> one_thread = DeviceSettings(nthreads={"": 1})
    >>> plan_from_files(samples["mobilenet"], devices="CPU", settings=one_thread).device_config
    {'CPU': {'INFERENCE_NUM_THREADS': 1}}
    """
    emulate = _specs(emulate)
    if output is not None:
        check_output(output, model, rules, affinity, *_profile_files(emulate), *_config_file(settings))
    chosen = devices_from_options(devices, emulate, settings)
    ir = load_ir(model, _shapes(shapes))
    plan = make_plan(
        ir,
        chosen,
        rules=load_rules(rules) if rules else (),
        affinity_map=load_affinity_map(affinity, ir) if affinity else None,
        model_path=model,
        map_name=f"affinity map {Path(affinity).name}" if affinity else "affinity map",
    )
    if output is not None:
        plan.save(output)
    return plan


def optimization_from_files(
    model: PathLike,
    *,
    devices: str | Sequence[str],
    emulate: str | Sequence[str] = (),
    rules: PathLike | None = None,
    affinity: PathLike | None = None,
    shapes: str | Mapping[str, str] | None = None,
    settings: DeviceSettings | None = None,
    cost: PathLike | None = None,
    objective: str = "latency",
    time_limit: float | None = None,
    measure: int = 0,
    memory: str | Sequence[str] = (),
    output: PathLike | None = None,
    progress: Progress | None = None,
) -> Optimization:
    """``hetero-tool plan --optimize``: the plan of least predicted latency (or fewest subgraphs), next to
    HETERO's default and the baselines (:func:`~hetero_tool.optimize.search.optimize_plan`); with
    ``output``, save the chosen plan, its ``predicted`` record filled.

    ``cost``: a cost profile of this model (``hetero-tool calibrate``); without one the figures are
    estimated from shapes and the device profiles. ``measure``: compile and time the ``measure`` best
    distinct candidates through HETERO and keep the fastest measured
    (:func:`~hetero_tool.runtime.selection.select_measured`). ``memory``: ``DEVICE=SIZE`` budgets
    (``NPU=2GiB``), as ``--memory`` gives them. Options otherwise as :func:`plan_from_files` takes them.

    Examples
    --------
    >>> found = optimization_from_files(samples["detector"], devices="NPU,CPU", emulate="NPU", time_limit=5)
    >>> found.plan.predicted.ms <= found.plan.predicted.default_ms
    True
    """
    from hetero_tool.cost.model import cost_model_from_estimates, cost_model_from_profile
    from hetero_tool.cost.profile import load_cost_profile
    from hetero_tool.optimize.search import optimize_plan

    if objective not in ("latency", "subgraphs"):
        raise InputError(f"objective {objective!r}: use latency or subgraphs")
    if time_limit is not None and not time_limit > 0:
        raise InputError(f"--time-limit {time_limit}: give a number of seconds above 0")
    if measure < 0:
        raise InputError(f"--measure {measure}: give how many candidates to time (0: none)")
    emulate = _specs(emulate)
    if output is not None:
        check_output(output, model, rules, affinity, cost, *_profile_files(emulate), *_config_file(settings))
    chosen = devices_from_options(devices, emulate, settings)
    budgets = memory_budgets(memory, [d.name for d in chosen])
    ir = load_ir(model, _shapes(shapes))
    if cost is not None:
        figures = cost_model_from_profile(ir, load_cost_profile(cost, ir=ir), chosen)
    else:
        figures = cost_model_from_estimates(ir, chosen)
    found = optimize_plan(
        ir,
        chosen,
        figures,
        rules=load_rules(rules) if rules else (),
        affinity_map=load_affinity_map(affinity, ir) if affinity else None,
        objective=objective,  # type: ignore[arg-type]
        time_limit=time_limit,
        memory=budgets,
        model_path=str(model),
        progress=progress,
    )
    if measure:
        from hetero_tool.runtime.selection import select_measured

        found = select_measured(ir, found, measure, progress=progress)
    if output is not None:
        found.plan.save(output)
    return found


def memory_budgets(specs: str | Sequence[str], devices: Sequence[str]) -> dict[str, int]:
    """``--memory NPU=2GiB`` (repeatable, or comma-separated) as device -> bytes, each device one of
    ``devices``.

    Examples
    --------
    >>> memory_budgets(["NPU=2GiB", "CPU=512MiB"], ["NPU", "CPU"])
    {'NPU': 2147483648, 'CPU': 536870912}
    >>> memory_budgets("GPU=1G", ["NPU", "CPU"])
    Traceback (most recent call last):
    hetero_tool.errors.InputError: --memory 'GPU=1G': GPU is not one of the devices (NPU, CPU)
    """
    items = [specs] if isinstance(specs, str) else list(specs)
    budgets: dict[str, int] = {}
    for item in (part.strip() for spec in items for part in spec.split(",") if part.strip()):
        name, _, size = item.partition("=")
        value = bytes_from_text(size)
        if not name.strip() or value is None:
            raise InputError(f"--memory {item!r}: give DEVICE=SIZE, e.g. NPU=2GiB")
        if name.strip() not in devices:
            raise InputError(
                f"--memory {item!r}: {name.strip()} is not one of the devices ({', '.join(devices)})"
            )
        budgets[name.strip()] = value
    return budgets


def diff_from_files(a: PathLike, b: PathLike) -> PlanDiff:
    """``hetero-tool diff``: plan ``b`` against plan ``a``, two plans of one model, each named by its file
    (:func:`~hetero_tool.diff.diff_plans`). No model is read: a plan holds what the diff compares.

    Examples
    --------
    >>> one = plan_from_files(samples["mobilenet"], devices="NPU,CPU", emulate="NPU").save(tmp / "a.json")
    >>> two = plan_from_files(samples["mobilenet"], devices="CPU").save(tmp / "b.json")
    >>> diff = diff_from_files(one, two)
    >>> diff.operations["NPU"], len(diff.moved) == diff.operations["CPU"].b
    (Change(a=76, b=0), True)
    """
    return diff_plans(load_plan(a), load_plan(b), labels=(str(a), str(b)))


def bench_from_files(
    model: PathLike,
    plans: Sequence[PathLike],
    config: BenchConfig,
    *,
    input_files: Mapping[str, PathLike] | None = None,
    seed: int = 0,
    baselines: bool = True,
    baseline: str | None = None,
    accuracy: AccuracyCheck | None = None,
    output: PathLike | None = None,
    report_dir: PathLike | None = None,
    report_format: str = "csv",
    progress: Progress | None = None,
) -> BenchResult:
    """``hetero-tool bench``: time the ``plans`` (labelled by file name) through HETERO next to the baselines.

    The inputs and preprocessing come from ``config`` (shapes, input precision, mean/scale, layouts) and
    ``input_files`` (input name -> ``.npy``), else seeded random data; the accuracy check compares on data in
    [0, 1] unless the data was given. With ``output``, the result is saved; with ``report_dir``,
    benchmark_app's report files for the first plan are written there too (``report_format`` ``csv`` or
    ``json``; with the average counters report when ``config.perf_counters``), with the config each device
    compiled with, which their command line loads (``-load_config``). See
    :func:`~hetero_tool.runtime.bench.run_bench` for the rest.
    """
    from hetero_tool.report.benchmark_app import report_file_names, write_benchmark_app_report
    from hetero_tool.runtime.bench import check_recorded_config, compile_configs, run_bench
    from hetero_tool.runtime.data import make_inputs
    from hetero_tool.runtime.hetero import model_for
    from hetero_tool.runtime.preprocess import preprocessor

    read = [model, *plans, *(input_files or {}).values(), *_config_file(config.settings)]
    if output is not None:
        check_output(output, *read)
    counters = "average" if config.perf_counters else "no"
    # Checks the format with or without a report_dir.
    names = report_file_names(report_format, counters, load_config=True)
    if report_dir is not None:
        refuse_inputs([Path(report_dir, name) for name in names], [*read, output])
    ir, loaded = _model_and_plans(model, plans, config.shapes)
    for path, plan in zip(plans, loaded):
        config.settings.check([d.name for d in plan.devices])
        check_recorded_config(plan, config, where=str(path))
    labelled = [(_label(path, len(plans)), plan) for path, plan in zip(plans, loaded)]
    config = replace(config, shapes=ir.shapes)  # the plans' own (--shape was checked against them)
    probe = model_for(ir)
    preprocess = preprocessor(
        probe,
        input_precision=config.input_precision,
        mean=config.mean,
        scale=config.scale,
        layout=config.layouts,
    )
    prepared = preprocess(probe) if preprocess else probe  # the model as it is compiled
    data = make_inputs(prepared, seed=seed, files=input_files)
    checked = data if input_files else make_inputs(prepared, seed=seed, float_high=1.0)
    result = run_bench(
        ir,
        labelled,
        config,
        baselines=baselines,
        baseline=baseline,
        accuracy=accuracy,
        inputs=data,
        accuracy_inputs=checked,
        preprocess=preprocess,
        progress=progress,
    )
    if output is not None:
        result.save(output)
    if report_dir is not None:
        write_benchmark_app_report(
            result,
            result.runs[0].label,
            report_dir,
            fmt=report_format,
            counters=counters,
            model_path=model,
            ir=ir,
            device_config=compile_configs(labelled[0][1], result.config),
            inputs=[*read, output],
        )
    return result


def cost_profile_from_files(
    model: PathLike,
    *,
    devices: str | Sequence[str],
    emulate: str | Sequence[str] = (),
    config: CalibrationConfig | None = None,
    settings: DeviceSettings | None = None,
    output: PathLike | None = None,
    progress: Progress | None = None,
) -> CostProfile:
    """``hetero-tool calibrate``: measure the cost model's figures for the model on ``devices``, each compiled
    with the ``settings`` given it (as ``plan`` takes them; the profile records each device's config); with
    ``output``, save the cost profile (see :func:`~hetero_tool.runtime.calibration.calibrate`)."""
    from hetero_tool.runtime.calibration import calibrate

    emulate = _specs(emulate)
    if output is not None:
        check_output(output, model, *_profile_files(emulate), *_config_file(settings))
    chosen = devices_from_options(devices, emulate, settings)
    ir = load_ir(model, config.shapes if config is not None else None)
    profile = calibrate(ir, chosen, config, model_path=model, progress=progress)
    if output is not None:
        profile.save(output)
    return profile


def dot_from_files(
    model: PathLike, plan: PathLike, output_dir: PathLike, *, show_constants: bool = False
) -> dict[str, Path]:
    """``hetero-tool dot``: HETERO's two dumps and the tool's views of the plan, written into ``output_dir``
    (:func:`~hetero_tool.report.dotfiles.write_dot_files`); file name -> path."""
    from hetero_tool.report.dotfiles import write_dot_files

    ir, loaded = _model_and_plan(model, plan)
    return write_dot_files(ir, loaded, output_dir, show_constants=show_constants, inputs=[model, plan])


def rendering_from_files(
    model: PathLike,
    plan: PathLike,
    *,
    output: PathLike | None = None,
    compare: Sequence[PathLike] = (),
    bench: PathLike | None = None,
    **options: Any,
) -> Rendering:
    """``hetero-tool render``: a picture of the plan (``options`` as
    :func:`~hetero_tool.report.render.render_plan` takes them); with ``output``, written there.

    ``bench`` is a bench result with perf counters: the ``strip`` view adds each subgraph's time to the plans
    it timed, and stacks the plans of ``compare`` under ``plan``; a graph view puts each layer's time on it.

    Examples
    --------
    >>> path = plan_from_files(samples["detector"], devices="NPU,CPU", emulate="NPU").save(tmp / "p.json")
    >>> drawn = rendering_from_files(samples["detector"], path, output=tmp / "p.svg", view="collapsed")
    >>> drawn.view, (tmp / "p.svg").read_bytes() == drawn.data
    ('collapsed', True)
    >>> rendering_from_files(samples["detector"], path, view="strip", compare=[path]).strip
    <Strip: 2 rows, 46 layers, 2/2 subgraphs>
    """
    from hetero_tool.report.model_explorer import layer_times_from_bench
    from hetero_tool.report.render import render_plan, render_strip, strip_from_plans
    from hetero_tool.runtime.results import load_bench

    if output is not None:
        check_output(output, model, plan, *compare, *([bench] if bench is not None else []))
    if options.get("view") != "strip":
        if compare:
            raise InputError("--compare stacks plans on the strip only: add --view strip")
        ir, loaded = _model_and_plan(model, plan)
        if bench is not None:
            options["layer_times_ms"] = layer_times_from_bench(load_bench(bench, ir), None, loaded)[1]
        drawn = render_plan(ir, loaded, **options)
    else:
        if options.get("show_constants"):
            raise InputError(
                "--constants: the strip draws no Constants (HETERO clones them into each submodel)"
            )
        paths = [plan, *compare]
        ir, plans = _model_and_plans(model, paths)
        strip = strip_from_plans(
            plans,
            labels=[_stem(p) for p in paths],
            bench=load_bench(bench, ir) if bench is not None else None,
        )
        drawn = render_strip(strip, options.get("fmt", "svg"), timeout=options.get("timeout", 60.0))
    if output is not None:
        write_atomic(output, drawn.data)
    return drawn


def report_from_files(
    model: PathLike,
    plan: PathLike,
    *,
    bench: PathLike | None = None,
    output: PathLike | None = None,
    timeout: float = 60.0,
) -> ReportResult:
    """``hetero-tool report``: the plan (and the timings of ``bench``, a bench result for the same model) as
    one HTML page (:func:`~hetero_tool.report.html.report_html`); with ``output``, written there.

    Examples
    --------
    >>> path = plan_from_files(samples["detector"], devices="NPU,CPU", emulate="NPU").save(tmp / "p.json")
    >>> report = report_from_files(samples["detector"], path, output=tmp / "report.html")
    >>> (tmp / "report.html").read_text() == report.html
    True
    """
    from hetero_tool.report.html import report_html
    from hetero_tool.runtime.results import load_bench

    if output is not None:
        check_output(output, model, plan, bench)
    ir, loaded = _model_and_plan(model, plan)
    result = report_html(
        ir, loaded, bench=load_bench(bench, ir) if bench is not None else None, timeout=timeout
    )
    if output is not None:
        write_atomic(output, result.html)
    return result


def model_explorer_from_files(
    model: PathLike,
    plan: PathLike,
    output_dir: PathLike,
    *,
    bench: PathLike | None = None,
    run: str | None = None,
) -> dict[str, Path]:
    """``hetero-tool export``: the plan as Model Explorer's graph and overlays in ``output_dir``, named after
    the model file; with ``bench``, the latency overlay from its run ``run`` (default: the first run of this
    plan with per-layer times). Returns ``"graph"`` and each overlay name -> path.

    Examples
    --------
    >>> path = plan_from_files(samples["detector"], devices="NPU,CPU", emulate="NPU").save(tmp / "p.json")
    >>> sorted(model_explorer_from_files(samples["detector"], path, tmp / "me"))
    ['device', 'fallback', 'graph', 'subgraph']
    """
    from hetero_tool.report.model_explorer import layer_times_from_bench, write_model_explorer
    from hetero_tool.runtime.results import load_bench

    ir, loaded = _model_and_plan(model, plan)
    times = None
    if bench is not None:
        _, times = layer_times_from_bench(load_bench(bench, ir), run, loaded)
    return write_model_explorer(
        ir, loaded, output_dir, layer_times_ms=times, stem=Path(model).stem, inputs=[model, plan, bench]
    )


def _model_and_plan(model: PathLike, plan: PathLike) -> tuple[IRModel, Plan]:
    ir, (loaded,) = _model_and_plans(model, [plan])
    return ir, loaded


def _model_and_plans(
    model: PathLike, plans: Sequence[PathLike], shapes: Mapping[str, str] | None = None
) -> tuple[IRModel, list[Plan]]:
    """The model as the plans were made for it (reshaped to their shapes), and the plans, each checked to be
    for it. ``shapes`` (from ``--shape``) must be the plans' own: a plan is made for the model as it will be
    compiled, so the shapes come with the plan."""
    loaded = [load_plan(path) for path in plans]
    first = loaded[0].shapes if loaded else {}
    for path, plan in zip(plans, loaded):
        if plan.shapes != first:
            raise InputError(
                f"{path}: made for the model reshaped to {_shapes_text(plan.shapes)}, {plans[0]} for "
                f"{_shapes_text(first)}; the plans of one bench are for one model as compiled"
            )
    if shapes and dict(shapes) != first:
        raise InputError(
            f"--shape {_shapes_text(shapes)}: {plans[0]} was made for {_shapes_text(first)}; a plan is made "
            "for the model as it will be compiled and brings its shapes, so drop --shape, or make the plan "
            "with --shape"
        )
    ir = load_ir(model, first)
    for path, plan in zip(plans, loaded):
        ir.check_made_for(plan.model_sha256, name=plan.model_name, what="plan", where=str(path))
    return ir, loaded


def _shapes(shapes: str | Mapping[str, str] | None) -> dict[str, str]:
    """``--shape`` as a string (read here) or already read."""
    from hetero_tool.runtime.options import parse_shapes

    if isinstance(shapes, str):
        return parse_shapes(shapes)
    return dict(shapes or {})


def _shapes_text(shapes: Mapping[str, str]) -> str:
    """Shapes as ``--shape`` writes them (``image[1,3,224,224]``), or ``the model as read``."""
    return ",".join(f"{name}{shape}" for name, shape in shapes.items()) or "the model as read"


def _label(path: PathLike, count: int) -> str:
    """A plan's label in a bench: ``plan`` for the only one, else :func:`_stem`."""
    return "plan" if count == 1 else _stem(path)


def _stem(path: PathLike) -> str:
    """A plan file's name without ``.plan.json``: how a bench or a strip names the plan."""
    return Path(path).name.removesuffix(".json").removesuffix(".plan")


def _specs(emulate: str | Sequence[str]) -> list[str]:
    return [emulate] if isinstance(emulate, str) else list(emulate)


def _config_file(settings: DeviceSettings | None) -> list[Path]:
    """The ``--load-config`` file among the inputs, never to be overwritten."""
    return [Path(settings.load_config_file)] if settings and settings.load_config_file else []


def _profile_files(emulate: Sequence[str]) -> list[Path]:
    """The profile TOMLs among ``--emulate`` values: inputs, never to be overwritten."""
    try:
        specs = parse_emulate(emulate).values()
    except InputError:
        return []  # reported, with its reason, when the devices are resolved
    return [Path(spec) for spec in specs if Path(spec).is_file()]
