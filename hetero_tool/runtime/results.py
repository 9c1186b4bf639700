"""Timing results, as ``hetero-tool bench`` writes them and reports read them.

A bench result holds what was asked (:class:`BenchConfig`) and one :class:`Run` per candidate (the plan, each
device alone, HETERO's automatic placement), timed in interleaved rounds, with the baseline their ratios are
taken against. A run carries what the compiled model was checked against (:class:`Verification`), and when
asked, what its perf counters showed (:class:`Profile`) and how its outputs compare with a reference
(:class:`Accuracy`). Every type converts to plain JSON and back; the JSON has a ``schema_version``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from hetero_tool._files import read_json, write_atomic
from hetero_tool.errors import InputError

__all__ = [
    "BENCH_SCHEMA_VERSION",
    "INFERENCE_PRECISIONS",
    "Accuracy",
    "BenchConfig",
    "BenchResult",
    "Boundary",
    "LatencyStats",
    "OutputError",
    "Profile",
    "Run",
    "SubgraphTime",
    "Verification",
    "load_bench",
]

#: Version of the bench JSON; bumped on incompatible changes.
BENCH_SCHEMA_VERSION = 1
#: ``INFERENCE_PRECISION_HINT`` values a bench accepts.
INFERENCE_PRECISIONS = ("f32", "f16", "bf16")


@dataclass(frozen=True)
class LatencyStats:
    """Latency of one inference, in milliseconds."""

    median_ms: float
    average_ms: float
    min_ms: float
    max_ms: float
    p90_ms: float
    p99_ms: float


@dataclass(frozen=True)
class BenchConfig:
    """What the bench was asked to do (benchmark_app's knobs), so a result says how it was measured."""

    #: ``PERFORMANCE_HINT`` for every device: ``"latency"``, ``"throughput"`` or ``"none"``.
    hint: str = "latency"
    #: ``"sync"`` (one request, one inference at a time) or ``"async"`` (``nireq`` requests in flight).
    api: str = "sync"
    #: Infer requests in flight with the async API (0: the compiled model's optimal number).
    nireq: int = 0
    #: ``NUM_STREAMS`` per device name (empty: the device's default or profile).
    nstreams: Mapping[str, str] = field(default_factory=dict)
    #: ``INFERENCE_PRECISION_HINT`` per device name (empty: the device's default or profile).
    infer_precision: Mapping[str, str] = field(default_factory=dict)
    #: ``INFERENCE_NUM_THREADS`` per device name.
    nthreads: Mapping[str, int] = field(default_factory=dict)
    #: Seconds of timed inference per candidate, split over the rounds (``None`` with ``niter``; 10 when
    #: neither is given).
    time_s: float | None = None
    #: Timed inferences per candidate, split over the rounds (``None`` with ``time_s``).
    niter: int | None = None
    #: Rounds the candidates take turns in, so machine noise hits them alike.
    rounds: int = 5
    #: One untimed inference per candidate before timing.
    warmup: bool = True
    #: Reshapes applied before compiling, input name -> shape (``"[1,3,224,224]"``).
    shapes: Mapping[str, str] = field(default_factory=dict)
    #: Element type the inputs are given in (``"u8"``), converted by OpenVINO's PrePostProcessor.
    input_precision: str | None = None
    #: Layouts per input (``"[N,C,H,W]"``), for mean/scale per channel.
    layouts: Mapping[str, str] = field(default_factory=dict)
    #: Mean and scale values per input (PrePostProcessor), input name -> values.
    mean: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    scale: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    #: Where the input data came from: ``"random(seed=N)"`` or the ``.npy`` files per input.
    inputs: str = "random(seed=0)"
    #: Perf counters collected (in a separate, untimed pass).
    perf_counters: bool = False

    def __post_init__(self) -> None:
        if self.hint not in ("latency", "throughput", "none"):
            raise InputError(f"hint {self.hint!r}: use latency, throughput or none")
        if self.api not in ("sync", "async"):
            raise InputError(f"api {self.api!r}: use sync or async")
        if self.time_s is not None and self.niter is not None:
            raise InputError("give a time or an iteration count, not both")
        if self.time_s is None and self.niter is None:
            object.__setattr__(self, "time_s", 10.0)
        if (self.time_s is not None and not self.time_s > 0) or (self.niter is not None and self.niter < 1):
            raise InputError("the time and iteration count must be above 0")
        if self.rounds < 1 or self.nireq < 0:
            raise InputError("rounds must be at least 1 and nireq at least 0")
        for device, value in self.nstreams.items():
            if not (str(value).isdigit() and int(value) > 0) and str(value).upper() != "AUTO":
                raise InputError(f"--nstreams {device + ':' if device else ''}{value}: give a number above 0 or AUTO")
        for device, value in self.infer_precision.items():
            if str(value).lower() not in INFERENCE_PRECISIONS:
                raise InputError(f"--infer-precision {device + ':' if device else ''}{value}: use one of "
                                 f"{', '.join(INFERENCE_PRECISIONS)}")  # fmt: skip
        for device, value in self.nthreads.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"--nthreads {device + ':' if device else ''}{value}: give a number above 0")


@dataclass(frozen=True)
class Verification:
    """The compiled model checked against the plan: submodel count and the devices the submodels run on."""

    #: ``HETERO_NUMBER_OF_SUBMODELS`` the plan predicts, and what the compiled model reports.
    expected_submodels: int
    actual_submodels: int
    #: Device of each submodel in execution order: the plan's, and the compiled model's (``export_model()``).
    expected_devices: tuple[str, ...]
    actual_devices: tuple[str, ...]
    #: ``EXECUTION_DEVICES`` as the compiled model reports it, in the plan's device names.
    execution_devices: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return (
            self.expected_submodels == self.actual_submodels and self.expected_devices == self.actual_devices
        )

    def problems(self) -> list[str]:
        """What does not match, one sentence each (empty when :attr:`ok`)."""
        found = []
        if self.expected_submodels != self.actual_submodels:
            found.append(
                f"HETERO_NUMBER_OF_SUBMODELS is {self.actual_submodels}, the plan predicts {self.expected_submodels}"
            )
        if self.expected_devices != self.actual_devices:
            found.append(
                f"submodels run on {', '.join(self.actual_devices) or 'nothing'}, the plan predicts "
                f"{', '.join(self.expected_devices) or 'nothing'}"
            )
        return found


@dataclass(frozen=True)
class SubgraphTime:
    """Time spent in one submodel per inference (from perf counters)."""

    #: Submodel index (``subgraph<i>`` in perf counters; the plan's subgraph index).
    index: int
    device: str
    time_ms: float
    #: Time of the Reorder (layout/precision conversion) nodes in it, and how many ran.
    reorder_ms: float = 0.0
    reorders: int = 0


@dataclass(frozen=True)
class Boundary:
    """One boundary between two submodels: the tensors that cross it and what crossing costs."""

    from_subgraph: int
    to_subgraph: int
    #: Tensors crossing and their bytes (``None`` when a shape is dynamic).
    tensors: int
    bytes: int | None
    #: Reorders run for these tensors, on both sides, and their time per inference. An output Reorder whose
    #: tensor goes to several submodels counts on each of those boundaries, its time split evenly among them.
    reorders: int
    reorder_ms: float


@dataclass(frozen=True)
class Profile:
    """Perf counters of one candidate, averaged over ``iterations`` profiled inferences."""

    iterations: int
    #: Per submodel, in execution order (one entry for a single-device run).
    subgraphs: tuple[SubgraphTime, ...]
    #: Device -> ms per inference (sum of its submodels).
    devices_ms: Mapping[str, float]
    #: Sum of all counters per inference, and the measured latency of the profiled inferences (median).
    counted_ms: float
    latency_ms: float
    #: Reorders run per inference, and their time.
    reorders: int
    reorder_ms: float
    #: Every boundary, costliest first.
    boundaries: tuple[Boundary, ...] = ()
    #: Per-IR-layer time (layer id -> ms), joined through the runtime model's ``originalLayersNames``.
    layer_times_ms: Mapping[int, float] = field(default_factory=dict)
    #: Latency outside the counters that a one-submodel run of the same bench had (the request's own
    #: overhead), subtracted from :attr:`boundary_ms`; 0 when the bench had no such run.
    request_overhead_ms: float = 0.0

    @property
    def outside_ms(self) -> float:
        """Latency the counters do not see: host copies and hand-offs between submodels, and the request's own
        overhead."""
        return max(0.0, self.latency_ms - self.counted_ms)

    @property
    def boundary_ms(self) -> float:
        """Time at boundaries: the Reorders attributed to cut tensors, plus what the counters do not see beyond
        a one-submodel run's request overhead (0 for one submodel: there is no boundary)."""
        if len(self.subgraphs) < 2:
            return 0.0
        return sum(b.reorder_ms for b in self.boundaries) + max(0.0, self.outside_ms - self.request_overhead_ms)

    @property
    def boundary_share(self) -> float:
        """:attr:`boundary_ms` as a share (0..1) of the latency."""
        return self.boundary_ms / self.latency_ms if self.latency_ms > 0 else 0.0


@dataclass(frozen=True)
class OutputError:
    """One output compared with the reference."""

    name: str
    max_abs: float
    max_rel: float
    #: Every element within ``atol + rtol * |reference|`` (and the shapes and types equal).
    passed: bool
    #: Why it failed beyond the numbers (a shape or type mismatch), or why a pass says little (a saturated
    #: reference); else empty.
    note: str = ""


@dataclass(frozen=True)
class Accuracy:
    """A candidate's outputs against a single-device reference on the same inputs."""

    #: What the reference ran on, e.g. ``"CPU (f32)"``.
    reference: str
    atol: float
    rtol: float
    outputs: tuple[OutputError, ...]

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outputs)


@dataclass(frozen=True)
class Run:
    """One candidate, timed."""

    #: What it is: ``"plan"``, ``"CPU alone"``, ``"HETERO automatic"``...
    label: str
    #: What was compiled: ``"HETERO:NPU,CPU"``, ``"CPU"``... (emulated devices by the plan's names).
    target: str
    iterations: int
    duration_s: float
    latency: LatencyStats
    throughput_fps: float
    compile_ms: float
    first_inference_ms: float
    #: ``HETERO_NUMBER_OF_SUBMODELS`` (``None`` for a single device).
    submodels: int | None = None
    #: Infer requests used (1 with the sync API).
    nireq: int = 1
    #: Devices in the target that are emulated (run on the CPU plugin with a profile).
    emulated: tuple[str, ...] = ()
    #: :attr:`Plan.placement_digest <hetero_tool.partition.plan.Plan.placement_digest>` of the plan it ran
    #: (``None`` for one device alone).
    plan_digest: str | None = None
    #: The compiled model checked against the candidate's plan (``None`` for a single device).
    verification: Verification | None = None
    #: What each device compiled with, as OpenVINO reports it: device -> property -> value.
    device_properties: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: Perf counters, when collected.
    profile: Profile | None = None
    #: Outputs against the reference, when checked.
    accuracy: Accuracy | None = None


@dataclass(frozen=True)
class BenchResult:
    """All candidates of one bench, and the baseline their ratios use."""

    model_name: str
    model_sha256: str
    runs: tuple[Run, ...]
    #: Label of the baseline run.
    baseline: str
    config: BenchConfig = field(default_factory=BenchConfig)
    #: ``openvino.get_version()`` of the run.
    openvino: str = ""
    #: Candidates not run, label -> why (a device that cannot run the whole model alone...).
    skipped: Mapping[str, str] = field(default_factory=dict)

    def run(self, label: str) -> Run:
        """The run labelled ``label``."""
        for run in self.runs:
            if run.label == label:
                return run
        raise KeyError(label)

    def ratio(self, run: Run | str) -> float:
        """The median latency of ``run`` (a run or its label) over the baseline's (below 1: faster)."""
        if isinstance(run, str):
            run = self.run(run)
        return run.latency.median_ms / self.run(self.baseline).latency.median_ms

    def to_json(self) -> dict[str, Any]:
        runs = []
        for run in self.runs:
            data = asdict(run)
            if run.profile is not None:
                data["profile"]["layer_times_ms"] = {str(k): v for k, v in run.profile.layer_times_ms.items()}
            data["ratio"] = self.ratio(run)
            runs.append(data)
        return {
            "schema_version": BENCH_SCHEMA_VERSION,
            "model": {"name": self.model_name, "sha256": self.model_sha256},
            "openvino": self.openvino,
            "config": asdict(self.config),
            "baseline": self.baseline,
            "runs": runs,
            "skipped": dict(self.skipped),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, where: str = "bench result") -> BenchResult:
        try:
            if data["schema_version"] != BENCH_SCHEMA_VERSION:
                raise InputError(f"{where}: schema_version {data['schema_version']} is not {BENCH_SCHEMA_VERSION}")
            result = cls(
                model_name=data["model"]["name"],
                model_sha256=data["model"]["sha256"],
                runs=tuple(_run_from_json(r) for r in data["runs"]),
                baseline=data["baseline"],
                config=_config_from_json(data.get("config", {})),
                openvino=data.get("openvino", ""),
                skipped=dict(data.get("skipped", {})),
            )
            for k, run in enumerate(result.runs):
                _check_run(run, f"runs[{k}]")
        except InputError as exc:  # from BenchConfig's own checks
            raise InputError(f"{where}: {exc}") from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"{where}: not a hetero-tool bench result ({type(exc).__name__}: {exc})") from None
        if not any(r.label == result.baseline for r in result.runs):
            raise InputError(f"{where}: the baseline {result.baseline!r} is not one of its runs")
        if not result.run(result.baseline).latency.median_ms > 0:
            raise InputError(f"{where}: the baseline's median latency is not above 0")
        return result

    def save(self, path: str | Path) -> Path:
        return write_atomic(path, json.dumps(self.to_json(), indent=2) + "\n")


def load_bench(path: str | Path) -> BenchResult:
    """Read a bench result written by ``hetero-tool bench --output``."""
    data = read_json(path, "bench result")
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a hetero-tool bench result")
    return BenchResult.from_json(data, where=str(path))


def _run_from_json(r: Mapping[str, Any]) -> Run:
    verification = r.get("verification")
    profile = r.get("profile")
    accuracy = r.get("accuracy")
    return Run(
        label=r["label"],
        target=r["target"],
        iterations=r["iterations"],
        duration_s=r["duration_s"],
        latency=LatencyStats(**r["latency"]),
        throughput_fps=r["throughput_fps"],
        compile_ms=r["compile_ms"],
        first_inference_ms=r["first_inference_ms"],
        submodels=r.get("submodels"),
        nireq=r.get("nireq", 1),
        emulated=tuple(r.get("emulated", ())),
        plan_digest=r.get("plan_digest"),
        device_properties={d: dict(p) for d, p in r.get("device_properties", {}).items()},
        verification=None if verification is None else Verification(
            expected_submodels=verification["expected_submodels"],
            actual_submodels=verification["actual_submodels"],
            expected_devices=tuple(verification["expected_devices"]),
            actual_devices=tuple(verification["actual_devices"]),
            execution_devices=tuple(verification.get("execution_devices", ())),
        ),
        profile=None if profile is None else Profile(
            iterations=profile["iterations"],
            subgraphs=tuple(SubgraphTime(**s) for s in profile["subgraphs"]),
            devices_ms=dict(profile["devices_ms"]),
            counted_ms=profile["counted_ms"],
            latency_ms=profile["latency_ms"],
            reorders=profile["reorders"],
            reorder_ms=profile["reorder_ms"],
            boundaries=tuple(Boundary(**b) for b in profile.get("boundaries", ())),
            layer_times_ms={int(k): float(v) for k, v in profile.get("layer_times_ms", {}).items()},
            request_overhead_ms=profile.get("request_overhead_ms", 0.0),
        ),
        accuracy=None if accuracy is None else Accuracy(
            reference=accuracy["reference"],
            atol=accuracy["atol"],
            rtol=accuracy["rtol"],
            outputs=tuple(OutputError(**o) for o in accuracy["outputs"]),
        ),
    )  # fmt: skip


def _check_run(run: Run, where: str) -> None:
    """Types and ranges of a run read from JSON (ValueError naming the field)."""

    def number(value: Any, name: str, *, whole: bool = False, infinite: bool = False) -> None:
        kinds = int if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or value < 0 or (
            not infinite and not math.isfinite(value)
        ):
            raise ValueError(f"{where}.{name} is {value!r}, not a {'whole ' if whole else ''}number >= 0")

    if not isinstance(run.label, str) or not run.label or not isinstance(run.target, str):
        raise ValueError(f"{where}: label and target must be text")
    number(run.iterations, "iterations", whole=True)
    number(run.nireq, "nireq", whole=True)
    for name in ("duration_s", "throughput_fps", "compile_ms", "first_inference_ms"):
        number(getattr(run, name), name)
    for f in fields(LatencyStats):
        number(getattr(run.latency, f.name), f"latency.{f.name}")
    if run.profile is not None:
        profile = run.profile
        number(profile.iterations, "profile.iterations", whole=True)
        number(profile.reorders, "profile.reorders", whole=True)
        for name in ("counted_ms", "latency_ms", "reorder_ms", "request_overhead_ms"):
            number(getattr(profile, name), f"profile.{name}")
        for k, sg in enumerate(profile.subgraphs):
            number(sg.index, f"profile.subgraphs[{k}].index", whole=True)
            number(sg.reorders, f"profile.subgraphs[{k}].reorders", whole=True)
            number(sg.time_ms, f"profile.subgraphs[{k}].time_ms")
            number(sg.reorder_ms, f"profile.subgraphs[{k}].reorder_ms")
        for k, b in enumerate(profile.boundaries):
            for name in ("from_subgraph", "to_subgraph", "tensors", "reorders"):
                number(getattr(b, name), f"profile.boundaries[{k}].{name}", whole=True)
            if b.bytes is not None:
                number(b.bytes, f"profile.boundaries[{k}].bytes", whole=True)
            number(b.reorder_ms, f"profile.boundaries[{k}].reorder_ms")
        for device, ms in profile.devices_ms.items():
            number(ms, f"profile.devices_ms[{device!r}]")
        for lid, ms in profile.layer_times_ms.items():
            number(ms, f"profile.layer_times_ms[{lid}]")
    if run.accuracy is not None:
        number(run.accuracy.atol, "accuracy.atol")
        number(run.accuracy.rtol, "accuracy.rtol")
        for k, output in enumerate(run.accuracy.outputs):
            if not isinstance(output.name, str) or not isinstance(output.passed, bool):
                raise ValueError(f"{where}.accuracy.outputs[{k}]: name must be text and passed true or false")
            number(output.max_abs, f"accuracy.outputs[{k}].max_abs", infinite=True)
            number(output.max_rel, f"accuracy.outputs[{k}].max_rel", infinite=True)


def _config_from_json(c: Mapping[str, Any]) -> BenchConfig:
    known = {f.name for f in fields(BenchConfig)}
    unknown = sorted(set(c) - known)
    if unknown:
        raise ValueError(f"unknown config key {unknown[0]!r}")
    values = dict(c)
    for key in ("mean", "scale"):
        if key in values:
            values[key] = {name: tuple(v) for name, v in values[key].items()}
    return BenchConfig(**values)
