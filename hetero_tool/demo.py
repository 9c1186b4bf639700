"""The tour behind ``hetero-tool demo`` and ``make demo``: the tool's main job on the bundled examples.

The tour builds the example models, inspects one, and plans two splits on an emulated NPU next to the CPU:
the detector as fallback priority places it (its NonMaxSuppression, with a data-dependent output shape, falls
back to the CPU), and the MobileNet under rules that keep the hard-swish activations off the NPU (every
activation becomes a CPU island: the classic way a HETERO split goes wrong). For both it writes HETERO's
``.dot`` dumps (OpenVINO's format) and the tool's views, and a Model Explorer export; then it times the
MobileNet plan through the real HETERO plugin next to each device alone and HETERO's own placement, with
perf counters and an accuracy check, and writes an HTML report of each plan (the MobileNet's with its
timings).

Last, it optimizes the MobileNet's split (:class:`OptimizedStep`): for an emulated NPU set up to be faster
than the CPU (two threads in bf16 against one in f32; at its own 64x64 the model is too small for threads to
pay, so it is reshaped to 224x224), it calibrates the cost model briefly, lets ``plan --optimize`` find the
split, times its best candidates and HETERO's default through HETERO, and writes the plan and its report.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from hetero_tool._files import write_atomic
from hetero_tool.cost import CalibrationConfig, CostProfile
from hetero_tool.devices import DeviceSettings
from hetero_tool.ir import ModelSummary, load_ir, summary_from_ir
from hetero_tool.loaders import (
    cost_profile_from_files,
    optimization_from_files,
    plan_from_files,
    report_from_files,
)
from hetero_tool.optimize.search import Optimization
from hetero_tool.plan import Plan
from hetero_tool.report.dotfiles import write_dot_files
from hetero_tool.report.html import report_html
from hetero_tool.report.model_explorer import write_model_explorer
from hetero_tool.report.render import render_strip
from hetero_tool.runtime.bench import AccuracyCheck, run_bench
from hetero_tool.runtime.progress import Progress
from hetero_tool.runtime.results import BenchConfig, BenchResult
from hetero_tool.samples import save_samples

__all__ = [
    "DEMO_DEVICES",
    "DEMO_MODEL",
    "OPTIMIZE_CALIBRATION",
    "OPTIMIZE_SETTINGS",
    "OPTIMIZE_SHAPE",
    "DemoResult",
    "OptimizedStep",
    "run_demo",
]

#: The example model the demo inspects and times.
DEMO_MODEL = "mobilenet"
#: The priority list the demo plans for, with the NPU emulated from its built-in profile.
DEMO_DEVICES = "HETERO:NPU,CPU"
#: The optimize step's input shape: large enough that the NPU's second thread can pay for itself.
OPTIMIZE_SHAPE = "[1,3,224,224]"
#: The optimize step's accelerator, faster than the CPU: the emulated NPU two threads in bf16 (its profile's
#: f16, as the CPU plugin runs it), the CPU one thread in f32.
OPTIMIZE_SETTINGS = DeviceSettings(
    nthreads={"NPU": 2, "CPU": 1}, infer_precision={"NPU": "bf16", "CPU": "f32"}
)
#: The optimize step's calibration: brief (seconds, not the default's minute), one run.
OPTIMIZE_CALIBRATION = CalibrationConfig(
    profile_iterations=10,
    niter=60,
    rounds=3,
    subgraph_counts=(1, 2, 4),
    chain_layers=4,
    shapes={"": OPTIMIZE_SHAPE},
)
#: Seconds the optimizer's search may take (the MobileNet's exact solve takes about one).
OPTIMIZE_TIME_LIMIT = 3.0


@dataclass(frozen=True)
class OptimizedStep:
    """The demo's optimize step: how it was set up, and what the optimizer found and measured."""

    #: The input shape the model was reshaped to (``--shape``) and what each device was set to.
    shapes: str
    settings: DeviceSettings
    #: The calibrated cost profile, and where it was saved.
    cost: CostProfile
    cost_path: Path
    #: The optimizer's result: the plan kept (measured through HETERO against HETERO's default), HETERO's
    #: default and every candidate; where the plan and its HTML report were written.
    optimization: Optimization
    #: The best candidates timed through HETERO (``--measure``).
    measure: int
    plan_path: Path
    report: Path
    #: The placement strip of HETERO's default over the plan kept (SVG).
    strip: Path
    #: Wall seconds of the calibration and of the optimization (search and measurement).
    calibrate_seconds: float
    optimize_seconds: float


@dataclass(frozen=True)
class DemoResult:
    """What the demo produced."""

    #: Example model name -> its IR ``.xml``.
    models: dict[str, Path]
    #: Summary of :data:`DEMO_MODEL`.
    summary: ModelSummary
    #: Plan file -> plan: the detector by fallback priority, the MobileNet under the example rules.
    plans: dict[Path, Plan]
    #: The example rules file, copied next to the models.
    rules: Path
    #: Model name -> the ``.dot`` files written for its plan (OpenVINO's dumps, the tool's views and twins).
    dots: dict[str, dict[str, Path]]
    #: Model name -> its Model Explorer files (graph and overlays).
    exports: dict[str, dict[str, Path]]
    #: The timing of :data:`DEMO_MODEL`'s plan and baselines, and where it was saved.
    bench: BenchResult
    bench_path: Path
    #: Model name -> its HTML report.
    reports: dict[str, Path]
    #: The MobileNet's split optimized for an accelerator faster than the CPU.
    optimized: OptimizedStep


def run_demo(
    output_dir: str | Path,
    *,
    bench_seconds: float = 6.0,
    measure: int = 3,
    progress: Progress | None = None,
) -> DemoResult:
    """Build every example model into ``output_dir``, plan two splits, draw them, time one, report, and
    optimize the MobileNet's split.

    ``bench_seconds`` is the timed inference per candidate of the bench; ``measure`` the optimizer's best
    candidates timed through HETERO (``plan --optimize --measure``); ``progress`` is called as the long
    steps go, each ``what`` starting with the step (``bench:``, ``calibrate:``, ``optimize:``; see
    :func:`~hetero_tool.runtime.bench.run_bench`).

    Examples
    --------
    >>> result = run_demo(tmp, bench_seconds=0.2, measure=1)
    >>> reports = sorted(path.name for path in result.reports.values())
    >>> result.summary.name, list(result.models)
    ('mobilenet', ['mobilenet', 'transformer', 'detector', 'control_flow'])
    >>> [plan.subgraph_count > 1 for plan in result.plans.values()]
    [True, True]
    >>> result.bench.run("plan").verification.ok, reports
    (True, ['detector.report.html', 'mobilenet.report.html'])
    >>> step = result.optimized
    >>> predicted = step.optimization.plan.predicted
    >>> predicted.source, "HETERO default" in predicted.measured, predicted.measured_ms is not None
    ('calibrated', True, True)
    >>> step.plan_path.name, 'id="optimized"' in step.report.read_text()
    ('mobilenet.optimized.plan.json', True)
    >>> "HETERO default · " in step.strip.read_text()
    True
    """
    output_dir = Path(output_dir)
    models = save_samples(output_dir)
    rules = output_dir / "activations_off_npu.toml"
    with resources.as_file(resources.files("hetero_tool.data") / "activations_off_npu.toml") as source:
        shutil.copyfile(source, rules)
    plans: dict[Path, Plan] = {}
    by_model: dict[str, Plan] = {}
    for name, extra in (("detector", {}), (DEMO_MODEL, {"rules": rules})):
        path = output_dir / f"{name}.plan.json"
        plan = plan_from_files(models[name], devices=DEMO_DEVICES, emulate="NPU", output=path, **extra)
        plans[path] = plan
        by_model[name] = plan

    irs = {name: load_ir(models[name]) for name in by_model}
    dots = {
        name: write_dot_files(irs[name], plan, output_dir / "dots" / name) for name, plan in by_model.items()
    }
    exports = {
        name: write_model_explorer(irs[name], plan, output_dir / "model_explorer", stem=name)
        for name, plan in by_model.items()
    }

    config = BenchConfig(time_s=bench_seconds, rounds=3, perf_counters=True)
    bench = run_bench(
        irs[DEMO_MODEL],
        [("plan", by_model[DEMO_MODEL])],
        config,
        accuracy=AccuracyCheck(f32=True),
        progress=_step(progress, "bench"),
    )
    bench_path = bench.save(output_dir / f"{DEMO_MODEL}.bench.json")
    reports = {}
    for name, plan in by_model.items():
        page = report_html(irs[name], plan, bench=bench if name == DEMO_MODEL else None)
        reports[name] = write_atomic(output_dir / f"{name}.report.html", page.html)
    optimized = _optimize(output_dir, models[DEMO_MODEL], rules, measure, progress)
    return DemoResult(
        models=models,
        summary=summary_from_ir(irs[DEMO_MODEL]),
        plans=plans,
        rules=rules,
        dots=dots,
        exports=exports,
        bench=bench,
        bench_path=bench_path,
        reports=reports,
        optimized=optimized,
    )


def _optimize(
    output_dir: Path, model: Path, rules: Path, measure: int, progress: Progress | None
) -> OptimizedStep:
    """Calibrate the MobileNet at :data:`OPTIMIZE_SHAPE` with :data:`OPTIMIZE_SETTINGS`, optimize its split
    under the demo's rules with those figures, time the best candidates, and write the plan and its report."""
    stem = output_dir / DEMO_MODEL
    cost_path = stem.with_name(f"{DEMO_MODEL}.cost.json")
    plan_path = stem.with_name(f"{DEMO_MODEL}.optimized.plan.json")
    started = time.perf_counter()
    cost = cost_profile_from_files(
        model,
        devices="NPU,CPU",
        emulate="NPU",
        config=OPTIMIZE_CALIBRATION,
        settings=OPTIMIZE_SETTINGS,
        output=cost_path,
        progress=_step(progress, "calibrate"),
    )
    calibrated = time.perf_counter()
    found = optimization_from_files(
        model,
        devices=DEMO_DEVICES,
        emulate="NPU",
        rules=rules,
        shapes=OPTIMIZE_SHAPE,
        settings=OPTIMIZE_SETTINGS,
        cost=cost_path,
        time_limit=OPTIMIZE_TIME_LIMIT,
        measure=measure,
        output=plan_path,
        progress=_step(progress, "optimize"),
    )
    optimized = time.perf_counter()
    report = stem.with_name(f"{DEMO_MODEL}.optimized.report.html")
    report_from_files(model, plan_path, output=report)
    strip = stem.with_name(f"{DEMO_MODEL}.optimized.strip.svg")
    write_atomic(strip, render_strip(found.strip, "svg").data)
    return OptimizedStep(
        shapes=OPTIMIZE_SHAPE,
        settings=OPTIMIZE_SETTINGS,
        cost=cost,
        cost_path=cost_path,
        optimization=found,
        measure=measure,
        plan_path=plan_path,
        report=report,
        strip=strip,
        calibrate_seconds=calibrated - started,
        optimize_seconds=optimized - calibrated,
    )


def _step(progress: Progress | None, step: str) -> Progress | None:
    """``progress`` with each report's ``what`` prefixed by the demo's step, so one bar tells them apart."""
    if progress is None:
        return None

    def report(what: str, done: int, total: int) -> None:
        progress(f"{step}: {what}", done, total)

    return report
