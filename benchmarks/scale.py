"""How planning scales with the size of a model, next to OpenVINO's read_model + query_model on the same file.

    python benchmarks/scale.py                        # 5k, 25k and 100k layers, CNN- and transformer-like
    python benchmarks/scale.py --sizes 5000 25000     # fewer sizes
    python benchmarks/scale.py --query-max 25000      # OpenVINO's baseline only up to 25k layers
    python benchmarks/scale.py --no-query --no-headline --repeat 5

Models are generated (``build_resnext_stack``, ``build_encoder_stack``) once into ``--work-dir`` (default: a
``scale`` folder in the tool's cache), which also holds the tool's cache for the run, so a second run of the
script pays neither for building the models nor for OpenVINO's answers about them.

For each model, two plans on an emulated NPU with the CPU as fallback:

- ``one device``: the built-in ``npu`` profile, which runs every layer of these models: one subgraph;
- ``split``: the ``npu`` profile refusing one op type (``Relu`` in the CNN; in the transformer
  ``ScaledDotProductAttention``, what OpenVINO's common transformations fuse each attention core into), so
  the fallback sends them to the CPU and the collector cuts islands, breaking the cycles between subgraphs as
  HETERO does. The CPU is emulated with the ``cpu`` profile (exactly what the CPU plugin runs), so its
  answers come from one ``query_model`` of the whole model rather than one per island on the first run.
  An island inside every residual block of the transformer takes HETERO's heuristic a round per block, each
  round linear in the model: quadratic time, so its split plan is timed only up to 5k layers unless
  ``--split-all``.

and for each, the medians of ``--repeat`` interleaved repetitions (on a fresh parse each time) of

- ``parse``: ``parse_ir`` (streaming XML); ``load``: ``load_ir`` from the tool's cache of parsed models;
- ``fallback``: ``assign_affinity`` (OpenVINO's answers from the tool's cache, warmed before timing);
- ``subgraphs``: ``collect_subgraphs`` of that assignment;
- ``plan write``: ``Plan.save``; ``dot write``: HETERO's two dumps (``hetero_affinity_*.dot``,
  ``hetero_subgraphs_*.dot``) made and written;

with the peak memory each allocates (traced in a separate, untimed pass) as a multiple of the XML's size.
The baseline, in the same process: ``ov.Core().read_model`` and ``query_model(model, "CPU")``
(``--query-repeat`` times; above ``--query-max`` layers, not at all). Then the slope of every row (seconds
per 1,000 layers, least squares over the sizes) and how the cost per layer grows (per-layer time at the
largest size over the smallest: 1.0 is linear).

Headline: the whole ``hetero-tool plan MODEL -d HETERO:NPU,CPU --emulate NPU -o plan.json`` command on a
24k-layer ResNeXt, as a subprocess after one warm-up run (the caches filled), next to read_model +
query_model(CPU) on the same file in this process.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import openvino as ov
from rich.console import Console
from rich.progress import Progress

from hetero_tool._files import write_all_atomic
from hetero_tool.affinity import assign_affinity
from hetero_tool.cache import cache_dir
from hetero_tool.devices import Support
from hetero_tool.ir import load_ir, parse_ir
from hetero_tool.loaders import devices_from_options
from hetero_tool.partition import collect_subgraphs
from hetero_tool.plan import make_plan
from hetero_tool.report.openvino_dot import openvino_dumps
from hetero_tool.samples import build_encoder_stack, build_resnext_stack

BUILDERS = {"cnn": build_resnext_stack, "transformer": build_encoder_stack}
#: The op type the split plan's NPU refuses, and the largest model its plan is timed on (None: all).
SPLITS = {"cnn": ("Relu", None), "transformer": ("ScaledDotProductAttention", 5_000)}
STAGES = ("parse", "load", "fallback", "subgraphs", "plan write", "dot write")
#: The headline model: the ResNeXt the issue measures.
HEADLINE_LAYERS = 24_131


def build(kind: str, layers: int, directory: Path) -> Path:
    """The generated model's .xml in ``directory``, built on first use (weights in f32, as the reader gets
    them)."""
    xml = directory / f"{kind}{layers}.xml"
    if not xml.is_file() or not xml.with_suffix(".bin").is_file():
        tmp = directory / f".{kind}{layers}.building.xml"
        ov.save_model(BUILDERS[kind](layers), tmp, compress_to_fp16=False)
        tmp.with_suffix(".bin").replace(xml.with_suffix(".bin"))
        tmp.replace(xml)
    return xml


def split_profile(op_type: str, directory: Path) -> Path:
    """The built-in ``npu`` profile, refusing ``op_type`` too."""
    path = directory / f"npu_without_{op_type.lower()}.toml"
    text = (resources.files("hetero_tool.devices") / "profiles" / "npu.toml").read_text()
    path.write_text(text + f'\n[support.unsupported_types]\n{op_type} = "refused for the scale benchmark"\n')
    return path


def timed(samples: list[float], fn: Callable[[], object]) -> object:
    """Run ``fn`` after collecting earlier garbage; append its wall time (s) to ``samples``."""
    gc.collect()
    start = time.perf_counter()
    result = fn()
    samples.append(time.perf_counter() - start)
    return result


def peak(fn: Callable[[], object]) -> tuple[int, object]:
    """Bytes ``fn`` allocates at its peak (tracemalloc), and its result."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def measure_plan(xml: Path, emulate: list[str], repeat: int, out: Path) -> tuple[dict, dict, int]:
    """Medians (s) and peaks (bytes) of every stage for one plan of one model, and its subgraph count."""
    devices = devices_from_options("HETERO:NPU,CPU", emulate)
    make_plan(parse_ir(xml), devices)  # warms OpenVINO's answers in the cache: never timed
    load_ir(xml)  # fills the parse cache
    times: dict[str, list[float]] = {stage: [] for stage in STAGES}
    plan = None
    for _ in range(repeat):
        ir = None  # the last round's model is freed outside the timing
        ir = timed(times["parse"], lambda: parse_ir(xml))
        timed(times["load"], lambda: load_ir(xml))
        assignment = timed(times["fallback"], lambda ir=ir: assign_affinity(ir, devices, Support(ir)))
        timed(times["subgraphs"], lambda ir=ir, a=assignment: collect_subgraphs(ir, a.affinity))
        plan = plan or make_plan(ir, devices)
        timed(times["plan write"], lambda plan=plan: plan.save(out / "plan.json"))
        timed(times["dot write"], lambda ir=ir, plan=plan: write_dumps(ir, plan, out))
    peaks: dict[str, int] = {}
    peaks["parse"], ir = peak(lambda: parse_ir(xml))
    peaks["load"], _ = peak(lambda: load_ir(xml))
    peaks["fallback"], assignment = peak(lambda: assign_affinity(ir, devices, Support(ir)))
    peaks["subgraphs"], _ = peak(lambda: collect_subgraphs(ir, assignment.affinity))
    peaks["plan write"], _ = peak(lambda: plan.save(out / "plan.json"))
    peaks["dot write"], _ = peak(lambda: write_dumps(ir, plan, out))
    return {k: statistics.median(v) for k, v in times.items()}, peaks, plan.subgraph_count


def write_dumps(ir, plan, out: Path) -> None:
    """HETERO's two dumps of ``plan``, made and written as ``hetero-tool dot`` writes them."""
    dumps = openvino_dumps(ir, plan.layer_affinity, plan.partition.collector_ids)
    write_all_atomic({out / name: text for name, text in dumps.items()})


def measure_openvino(xml: Path, repeat: int) -> dict[str, float]:
    """Medians (s) of ``read_model`` and ``query_model(CPU)`` on ``xml``."""
    core = ov.Core()
    times: dict[str, list[float]] = {"read_model": [], "query_model": []}
    for _ in range(repeat):
        model = timed(times["read_model"], lambda: core.read_model(xml))
        timed(times["query_model"], lambda model=model: core.query_model(model, "CPU"))
    return {k: statistics.median(v) for k, v in times.items()}


def headline(xml: Path, out: Path, repeat: int, query_repeat: int) -> None:
    """The CLI's second run against read_model + query_model(CPU), interleaved."""
    command = [sys.executable, "-m", "hetero_tool", "plan", str(xml), "-d", "HETERO:NPU,CPU"]
    command += ["--emulate", "NPU", "-o", str(out / "headline.plan.json")]

    def cli() -> None:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    cli()  # the first run fills the caches
    core = ov.Core()
    ours: list[float] = []
    theirs: list[float] = []
    for k in range(repeat):
        timed(ours, cli)
        if k < query_repeat:
            timed(theirs, lambda: core.query_model(core.read_model(xml), "CPU"))
    base, mine = statistics.median(theirs), statistics.median(ours)
    print(
        f"\nHeadline, {xml.name}: `hetero-tool plan -d HETERO:NPU,CPU --emulate NPU -o plan.json` (second "
        f"run, median of {len(ours)}) {mine:.2f} s; read_model + query_model(CPU) (median of {len(theirs)}) "
        f"{base:.2f} s: {base / mine:.1f}x faster"
    )


def slope(sizes: list[int], values: list[float]) -> tuple[float, float]:
    """Least-squares seconds per 1,000 layers, and per-layer cost at the largest size over the smallest."""
    if len(sizes) < 2:
        return float("nan"), float("nan")
    mean_x, mean_y = statistics.fmean(sizes), statistics.fmean(values)
    sxx = sum((x - mean_x) ** 2 for x in sizes)
    b = sum((x - mean_x) * (y - mean_y) for x, y in zip(sizes, values)) / sxx
    return 1000 * b, (values[-1] / sizes[-1]) / (values[0] / sizes[0])


def report(kind: str, sizes: list[int], rows: dict[str, dict[int, tuple[float, float | None]]]) -> None:
    """One table per model kind: a row per stage and plan, a column per size."""
    print(f"\n{kind}: seconds (peak memory / XML size); slope in s per 1,000 layers; growth = per-layer cost")
    print(f"at {sizes[-1]:,} over {sizes[0]:,} layers (1.0: linear)")
    header = "".join(f"{size:>18,}" for size in sizes)
    print(f"{'':26}{header}{'slope':>9}{'growth':>8}")
    for label, cells in rows.items():
        shown = []
        for size in sizes:
            if size not in cells:
                shown.append(f"{'-':>18}")
                continue
            seconds, ratio = cells[size]
            memory = f" ({ratio:4.1f}x)" if ratio is not None else "        "
            shown.append(f"{seconds:10.3f}{memory}")
        measured = [s for s in sizes if s in cells]
        per_k, growth = slope(measured, [cells[s][0] for s in measured])
        print(f"{label:26}{''.join(shown)}{per_k:9.3f}{growth:8.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 25_000, 100_000])
    parser.add_argument("--kinds", nargs="+", choices=sorted(BUILDERS), default=["cnn", "transformer"])
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repetitions (default 3)")
    parser.add_argument("--query-repeat", type=int, default=1, help="read_model + query_model repetitions")
    parser.add_argument("--query-max", type=int, default=None, help="no OpenVINO baseline above this size")
    parser.add_argument("--no-query", action="store_true", help="no OpenVINO baseline at all")
    parser.add_argument("--split-all", action="store_true", help="time every split plan, however slow")
    parser.add_argument("--no-headline", action="store_true", help="skip the CLI against OpenVINO")
    parser.add_argument("--work-dir", type=Path, default=None, help="models and caches (default: cache)")
    args = parser.parse_args()

    work = args.work_dir or cache_dir("scale")
    work.mkdir(parents=True, exist_ok=True)
    os.environ["HETERO_TOOL_CACHE_DIR"] = str(work / "cache")  # the run's own cache, kept for the next run
    out = work / "out"
    out.mkdir(exist_ok=True)
    sizes = sorted(args.sizes)
    console = Console(stderr=True)
    results: dict[str, dict[str, dict[int, tuple[float, float | None]]]] = {}
    counts: dict[str, dict[str, list[str]]] = {}
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("scale", total=len(args.kinds) * len(sizes) + (not args.no_headline))
        for kind in args.kinds:
            rows: dict[str, dict[int, tuple[float, float | None]]] = {}
            op_type, split_max = SPLITS[kind]
            for size in sizes:
                progress.update(task, description=f"{kind} {size:,}: building")
                xml = build(kind, size, work)
                xml_bytes = xml.stat().st_size
                plans = {"one device": ["NPU"]}
                if args.split_all or split_max is None or size <= split_max:
                    plans[f"split ({op_type} on CPU)"] = [f"NPU={split_profile(op_type, work)}", "CPU=cpu"]
                for label, emulate in plans.items():
                    progress.update(task, description=f"{kind} {size:,}: {label}")
                    medians, peaks, count = measure_plan(xml, emulate, args.repeat, out)
                    for stage in STAGES:
                        if stage in ("parse", "load") and label != "one device":
                            continue  # the same work for every plan
                        row = stage if stage in ("parse", "load") else f"{stage}, {label.split(' (')[0]}"
                        rows.setdefault(row, {})[size] = (medians[stage], peaks[stage] / xml_bytes)
                    counts.setdefault(kind, {}).setdefault(label, []).append(f"{count:,}")
                if not args.no_query and (args.query_max is None or size <= args.query_max):
                    progress.update(task, description=f"{kind} {size:,}: OpenVINO")
                    for name, seconds in measure_openvino(xml, args.query_repeat).items():
                        rows.setdefault(f"OpenVINO {name}", {})[size] = (seconds, None)
                progress.advance(task)
            results[kind] = rows
        if not args.no_headline:
            progress.update(task, description="headline: the CLI")
            xml = build("cnn", HEADLINE_LAYERS, work)
    for kind, rows in results.items():
        report(kind, sizes, rows)
        print("subgraphs: " + "; ".join(f"{label} {' / '.join(n)}" for label, n in counts[kind].items()))
    if not args.no_headline:
        headline(xml, out, max(args.repeat, 3), max(args.query_repeat, 3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
