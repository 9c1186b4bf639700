"""The tour behind ``hetero-tool demo`` and ``make demo``: the tool's main job on the bundled examples.

The tour builds the example models, inspects one, and plans two splits on an emulated NPU next to the CPU:
the detector as fallback priority places it (its NonMaxSuppression, with a data-dependent output shape, falls
back to the CPU), and the MobileNet under rules that keep the hard-swish activations off the NPU (every
activation becomes a CPU island: the classic way a HETERO split goes wrong). For both it writes HETERO's
``.dot`` dumps (OpenVINO's format) and the tool's views, and a Model Explorer export; then it times the
MobileNet plan through the real HETERO plugin next to each device alone and HETERO's own placement, with
perf counters and an accuracy check, and writes an HTML report of each plan (the MobileNet's with its
timings).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from hetero_tool._files import write_atomic
from hetero_tool.ir import ModelSummary, load_ir, summary_from_ir
from hetero_tool.loaders import plan_from_files
from hetero_tool.plan import Plan
from hetero_tool.report.dotfiles import write_dot_files
from hetero_tool.report.html import report_html
from hetero_tool.report.model_explorer import write_model_explorer
from hetero_tool.runtime.bench import AccuracyCheck, run_bench
from hetero_tool.runtime.progress import Progress
from hetero_tool.runtime.results import BenchConfig, BenchResult
from hetero_tool.samples import save_samples

__all__ = ["DEMO_DEVICES", "DEMO_MODEL", "DemoResult", "run_demo"]

#: The example model the demo inspects and times.
DEMO_MODEL = "mobilenet"
#: The priority list the demo plans for, with the NPU emulated from its built-in profile.
DEMO_DEVICES = "HETERO:NPU,CPU"


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


def run_demo(
    output_dir: str | Path,
    *,
    bench_seconds: float = 6.0,
    progress: Progress | None = None,
) -> DemoResult:
    """Build every example model into ``output_dir``, plan two splits, draw them, time one, and report.

    ``bench_seconds`` is the timed inference per candidate of the bench; ``progress`` is called as the
    bench's progress callback (see :func:`~hetero_tool.runtime.bench.run_bench`).

    Examples
    --------
    >>> result = run_demo(tmp, bench_seconds=0.2)
    >>> reports = sorted(path.name for path in result.reports.values())
    >>> result.summary.name, list(result.models)
    ('mobilenet', ['mobilenet', 'transformer', 'detector', 'control_flow'])
    >>> [plan.subgraph_count > 1 for plan in result.plans.values()]
    [True, True]
    >>> result.bench.run("plan").verification.ok, reports
    (True, ['detector.report.html', 'mobilenet.report.html'])
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
        progress=progress,
    )
    bench_path = bench.save(output_dir / f"{DEMO_MODEL}.bench.json")
    reports = {}
    for name, plan in by_model.items():
        page = report_html(irs[name], plan, bench=bench if name == DEMO_MODEL else None)
        reports[name] = write_atomic(output_dir / f"{name}.report.html", page.html)
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
    )
