"""Timing results, as ``hetero-tool bench`` writes them and reports read them.

A bench result holds what was asked (:class:`BenchConfig`) and one :class:`Run` per candidate (the plan, each
device alone, HETERO's automatic placement), timed in interleaved rounds, with the baseline their ratios are
taken against. A run carries what the compiled model was checked against (:class:`Verification`), and when
asked, what its perf counters showed (:class:`Profile`) and how its outputs compare with a reference
(:class:`Accuracy`). The whole result is one JSON file with a ``schema_version``, read back field by field
(:mod:`hetero_tool.schema`): the constraints on the fields (counts, times >= 0) are the types' own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec

from hetero_tool._format import format_ms
from hetero_tool.devices.config import INFERENCE_PRECISIONS, DeviceSettings
from hetero_tool.errors import InputError
from hetero_tool.ir.types import IRModel
from hetero_tool.schema import Count, Milliseconds, NonNegative, Schema, json_data, write_document

if TYPE_CHECKING:
    from hetero_tool.display.strip import Strip

__all__ = [
    "BENCH_FILE",
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
#: ``--hint`` values (``none``: leave each device's own ``PERFORMANCE_HINT``).
HINTS = ("latency", "throughput", "none")
#: ``--api`` values, as benchmark_app's ``-api``.
APIS = ("sync", "async")

_Label = Annotated[str, msgspec.Meta(min_length=1)]


@dataclass(frozen=True)
class LatencyStats:
    """Latency of one inference, in milliseconds."""

    median_ms: Milliseconds
    average_ms: Milliseconds
    min_ms: Milliseconds
    max_ms: Milliseconds
    p90_ms: Milliseconds
    p99_ms: Milliseconds


@dataclass(frozen=True)
class BenchConfig:
    """What the bench was asked to do (benchmark_app's knobs), so a result says how it was measured.

    Settings that cannot run raise :class:`~hetero_tool.errors.InputError` on construction, named by their
    ``hetero-tool bench`` option.

    Examples
    --------
    >>> BenchConfig().time_s, BenchConfig(niter=100).time_s
    (10.0, None)
    >>> BenchConfig(hint="latency").api, BenchConfig(hint="throughput").api, BenchConfig().api
    ('sync', 'async', None)
    >>> BenchConfig(time_s=5, niter=100)
    Traceback (most recent call last):
    hetero_tool.errors.InputError: --time and --niter exclude each other
    """

    #: ``PERFORMANCE_HINT`` for every device: ``"latency"``, ``"throughput"`` or ``"none"``. ``None`` (not
    #: given, as benchmark_app without ``-hint``): the one the plans record, else latency; a bench records the
    #: hint it ran with (:func:`~hetero_tool.runtime.bench.run_bench`).
    hint: str | None = None
    #: ``"sync"`` (one request, one inference at a time) or ``"async"`` (``nireq`` requests in flight).
    #: ``None``: sync with the latency hint, else async (set once the hint is known).
    api: str | None = None
    #: Infer requests in flight with the async API (0: the compiled model's optimal number).
    nireq: int = 0
    #: ``NUM_STREAMS`` per device name (empty: the device's default or profile).
    nstreams: Mapping[str, str] = field(default_factory=dict)
    #: ``INFERENCE_PRECISION_HINT`` per device name (empty: the device's default or profile).
    infer_precision: Mapping[str, str] = field(default_factory=dict)
    #: ``INFERENCE_NUM_THREADS`` per device name.
    nthreads: Mapping[str, int] = field(default_factory=dict)
    #: ``--load-config``: device name -> OpenVINO property -> value, and the file it was read from.
    load_config: Mapping[str, Mapping[str, str | int | float | bool]] = field(default_factory=dict)
    load_config_file: str | None = None
    #: Seconds of timed inference per candidate, split over the rounds (``None`` with ``niter``; 10 when
    #: neither is given).
    time_s: float | None = None
    #: Timed inferences per candidate, split over the rounds (``None`` with ``time_s``).
    niter: int | None = None
    #: Rounds the candidates take turns in, so machine noise hits them alike.
    rounds: int = 5
    #: One untimed inference per candidate before timing.
    warmup: bool = True
    #: The input shapes the model was reshaped to when it was loaded, those of the plans (input name, ``""``
    #: for every input -> shape, ``"[1,3,224,224]"``); ``{}``: the model as read.
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
        if self.hint is not None and self.hint not in HINTS:
            raise InputError(f"--hint {self.hint}: use one of {', '.join(HINTS)}")
        if self.api is not None and self.api not in APIS:
            raise InputError(f"--api {self.api}: use one of {', '.join(APIS)}")
        if self.hint is not None and self.api is None:
            object.__setattr__(self, "api", "sync" if self.hint == "latency" else "async")
        if self.time_s is not None and self.niter is not None:
            raise InputError("--time and --niter exclude each other")
        if self.time_s is None and self.niter is None:
            object.__setattr__(self, "time_s", 10.0)
        if (self.time_s is not None and not self.time_s > 0) or (self.niter is not None and self.niter < 1):
            raise InputError("--time and --niter must be above 0")
        if self.rounds < 1:
            raise InputError("--rounds must be at least 1")
        if self.nireq < 0:
            raise InputError("--nireq must be at least 0 (0: the compiled model's optimal number)")
        _ = self.settings  # checks the per-device values

    @property
    def settings(self) -> DeviceSettings:
        """The per-device settings given to the bench (``--load-config`` and the per-device options)."""
        return DeviceSettings(
            load_config=self.load_config,
            load_config_file=self.load_config_file,
            nstreams=self.nstreams,
            nthreads=self.nthreads,
            infer_precision=self.infer_precision,
        )


@dataclass(frozen=True)
class Verification:
    """The compiled model checked against the plan: submodel count and the devices the submodels run on."""

    #: ``HETERO_NUMBER_OF_SUBMODELS`` the plan predicts, and what the compiled model reports.
    expected_submodels: Count
    actual_submodels: Count
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
                f"HETERO_NUMBER_OF_SUBMODELS is {self.actual_submodels}, "
                f"the plan predicts {self.expected_submodels}"
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
    index: Count
    device: str
    time_ms: Milliseconds
    #: Time of the Reorder (layout/precision conversion) nodes in it, and how many ran.
    reorder_ms: Milliseconds = 0.0
    reorders: Count = 0


@dataclass(frozen=True)
class Boundary:
    """One boundary between two submodels: the tensors that cross it and what crossing costs."""

    from_subgraph: Count
    to_subgraph: Count
    #: Tensors crossing and their bytes (``None`` when a shape is dynamic).
    tensors: Count
    bytes: Count | None
    #: Reorders run for these tensors, on both sides, and their time per inference. An output Reorder whose
    #: tensor goes to several submodels counts on each of those boundaries, its time split evenly among them.
    reorders: Count
    reorder_ms: Milliseconds


@dataclass(frozen=True)
class Profile:
    """Perf counters of one candidate, averaged over ``iterations`` profiled inferences."""

    iterations: Count
    #: Per submodel, in execution order (one entry for a single-device run).
    subgraphs: tuple[SubgraphTime, ...]
    #: Device -> ms per inference (sum of its submodels).
    devices_ms: Mapping[str, Milliseconds]
    #: Sum of all counters per inference, and the measured latency of the profiled inferences: both means
    #: over the same inferences, so that the counted time is a part of the latency (the CPU plugin's
    #: counters are means; a median latency would drop the slow inferences the counters include).
    counted_ms: Milliseconds
    latency_ms: Milliseconds
    #: Reorders run per inference, and their time.
    reorders: Count
    reorder_ms: Milliseconds
    #: Every boundary, costliest first.
    boundaries: tuple[Boundary, ...] = ()
    #: Per-IR-layer time (layer id -> ms), joined through the runtime model's ``originalLayersNames``.
    layer_times_ms: Mapping[int, Milliseconds] = field(default_factory=dict)
    #: Latency outside the counters that a one-submodel run of the same bench had (the request's own
    #: overhead), subtracted from :attr:`boundary_ms`; 0 when the bench had no such run.
    request_overhead_ms: Milliseconds = 0.0
    #: What OpenVINO could not give for this candidate, and why (empty: nothing is missing). Some split
    #: converted models make ``get_runtime_model()`` fail; then no Reorder is attributed to a boundary and
    #: per-layer times are joined by node name only.
    missing: str = ""

    def __repr__(self) -> str:
        return (
            f"<Profile: {len(self.subgraphs)} subgraphs, latency {format_ms(self.latency_ms)} ms, counted "
            f"{format_ms(self.counted_ms)} ms, boundaries {format_ms(self.boundary_ms)} ms, "
            f"{self.reorders} Reorders, {len(self.layer_times_ms):,} layers timed>"
        )

    @property
    def outside_ms(self) -> float:
        """Latency the counters do not see: host copies and hand-offs between submodels, and the request's own
        overhead."""
        return max(0.0, self.latency_ms - self.counted_ms)

    @property
    def boundary_ms(self) -> float:
        """Time at boundaries: the Reorders attributed to cut tensors, plus what the counters do not see
        beyond a one-submodel run's request overhead (0 for one submodel: there is no boundary)."""
        if len(self.subgraphs) < 2:
            return 0.0
        return sum(b.reorder_ms for b in self.boundaries) + max(
            0.0, self.outside_ms - self.request_overhead_ms
        )

    @property
    def boundary_share(self) -> float:
        """:attr:`boundary_ms` as a share (0..1) of the latency."""
        return self.boundary_ms / self.latency_ms if self.latency_ms > 0 else 0.0


@dataclass(frozen=True)
class OutputError:
    """One output compared with the reference."""

    name: str
    #: Largest absolute and relative difference; ``None`` when the output cannot be compared (missing, or of
    #: another shape: see :attr:`note`).
    max_abs: NonNegative | None
    max_rel: NonNegative | None
    #: Every element within ``atol + rtol * |reference| + margin * floor`` (and the shapes and types equal).
    passed: bool
    #: Why it failed beyond the numbers (a shape or type mismatch), or why a pass says little (a saturated
    #: reference); else empty.
    note: str = ""
    #: At a reduced precision: the reference device's own largest difference from its f32 run at that
    #: precision, what the precision alone explains; ``None`` for an f32 comparison.
    floor: NonNegative | None = None


@dataclass(frozen=True)
class Accuracy:
    """A candidate's outputs against a single-device reference on the same inputs."""

    #: What the reference ran on, e.g. ``"CPU (f32)"``.
    reference: str
    atol: NonNegative
    rtol: NonNegative
    outputs: tuple[OutputError, ...]
    #: The least precise inference precision of the candidate's devices, as compiled (``f32``, ``f16``,
    #: ``bf16``), which sets the default tolerance; ``""``: not known.
    precision: str = ""
    #: Whether ``atol`` or ``rtol`` was given (then no :attr:`OutputError.floor` is added).
    tolerances_given: bool = False
    #: How many times each output's :attr:`OutputError.floor` the tolerance adds (0: none).
    margin: NonNegative = 0.0

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outputs)


@dataclass(frozen=True)
class Run:
    """One candidate, timed."""

    #: What it is: ``"plan"``, ``"CPU alone"``, ``"HETERO automatic"``...
    label: _Label
    #: What was compiled: ``"HETERO:NPU,CPU"``, ``"CPU"``... (emulated devices by the plan's names).
    target: str
    iterations: Count
    duration_s: NonNegative
    latency: LatencyStats
    throughput_fps: NonNegative
    compile_ms: Milliseconds
    first_inference_ms: Milliseconds
    #: ``HETERO_NUMBER_OF_SUBMODELS`` (``None`` for a single device).
    submodels: Count | None = None
    #: Infer requests used (1 with the sync API).
    nireq: Count = 1
    #: Devices in the target that are emulated (run on the CPU plugin with a profile).
    emulated: tuple[str, ...] = ()
    #: :attr:`Plan.placement_digest <hetero_tool.plan.Plan.placement_digest>` of the plan it ran
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

    def __repr__(self) -> str:
        submodels = "" if self.submodels is None else f", {self.submodels} submodels"
        emulated = f" (emulated: {', '.join(self.emulated)})" if self.emulated else ""
        checks = "; " + "; ".join(self.problems()) if self.problems() else ""
        return (
            f"<Run {self.label!r} on {self.target}{emulated}: median {format_ms(self.latency.median_ms)} ms, "
            f"{self.iterations:,} iterations{submodels}{checks}>"
        )

    def problems(self) -> list[str]:
        """The checks this run failed, one line each: the compiled model against its plan, the outputs against
        the reference. Empty when it passed (or was not checked)."""
        found = list(self.verification.problems()) if self.verification is not None else []
        if self.accuracy is not None and not self.accuracy.passed:
            failed = ", ".join(o.name for o in self.accuracy.outputs if not o.passed)
            found.append(f"outputs {failed} differ from {self.accuracy.reference} beyond tolerance")
        return found


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

    def __post_init__(self) -> None:
        if self.config.hint is None:  # not given, and no plan to take one from: the default
            object.__setattr__(self, "config", replace(self.config, hint="latency"))
        labels = [run.label for run in self.runs]
        if self.baseline not in labels:
            raise InputError(f"the baseline {self.baseline!r} is not one of the runs ({', '.join(labels)})")
        if len(set(labels)) != len(labels):
            raise InputError(f"two runs have the same label ({', '.join(labels)})")
        if not self.run(self.baseline).latency.median_ms > 0:
            raise InputError("the baseline's median latency is not above 0")

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

    @property
    def passed(self) -> bool:
        """Whether every run passed its checks (:meth:`problems` is empty)."""
        return not self.problems()

    def problems(self) -> list[str]:
        """Every failed check of every run, one line each: what exit code 4 reports."""
        return [f"{run.label}: {problem}" for run in self.runs for problem in run.problems()]

    # -- display ---------------------------------------------------------------------------------------------

    def __repr__(self) -> str:
        runs = [
            f"{r.label} {format_ms(r.latency.median_ms)} ms (×{self.ratio(r):.2f})" for r in self.runs[:4]
        ]
        more = f" and {len(self.runs) - 4} more" if len(self.runs) > 4 else ""
        status = "" if self.passed else f"; {len(self.problems())} failed checks"
        return f"<BenchResult {self.model_name}, against {self.baseline!r}: {', '.join(runs)}{more}{status}>"

    @property
    def strip(self) -> Strip | None:
        """Where each profiled run's time goes: its subgraphs along time, coloured by device, with the bytes
        copied into each (``None`` without perf counters)."""
        from hetero_tool.display.strip import Segment, Strip, StripRow

        rows: list[StripRow] = []
        legend: dict[str, str] = {}
        for run in self.runs:
            if run.profile is None or not run.profile.subgraphs:
                continue
            into: dict[int, int | None] = {}
            sources: dict[int, list[int]] = {}
            for b in run.profile.boundaries:
                known = into.get(b.to_subgraph, 0)
                into[b.to_subgraph] = None if known is None or b.bytes is None else known + b.bytes
                sources.setdefault(b.to_subgraph, []).append(b.from_subgraph)
            segments = tuple(
                Segment(
                    sg.index,
                    sg.device,
                    sg.time_ms,
                    into.get(sg.index, 0),
                    tuple(sorted(sources.get(sg.index, ()))),
                )
                for sg in run.profile.subgraphs
            )
            title = (
                f"{run.label} · {run.target} · {format_ms(run.profile.counted_ms)} ms in the counters, of "
                f"{format_ms(run.profile.latency_ms)} ms profiled"
            )
            rows.append(StripRow(title, segments, unit="ms"))
            for sg in run.profile.subgraphs:
                legend.setdefault(
                    sg.device, f"{sg.device} (emulated)" if sg.device in run.emulated else sg.device
                )
        return Strip(tuple(rows), tuple(legend.items())) if rows else None

    def subgraph_times_ms(self, placement_digest: str) -> dict[int, float] | None:
        """Subgraph index -> ms per inference, from the run that timed the plan of ``placement_digest``
        (:attr:`Plan.placement_digest <hetero_tool.plan.Plan.placement_digest>`), if one did with counters and
        HETERO cut it as planned (else its subgraph times are not the plan's subgraphs'); else ``None``."""
        for run in self.runs:
            if run.plan_digest == placement_digest and run.profile is not None:
                if run.verification is None or run.verification.ok:
                    return {sg.index: sg.time_ms for sg in run.profile.subgraphs}
        return None

    def _repr_html_(self) -> str:
        """The notebook display: every run against the baseline, the checks, and where the time goes."""
        from hetero_tool.display.card import Table, card_html, inline_picture

        facts = [
            ("baseline", self.baseline),
            ("OpenVINO", self.openvino or "?"),
            ("checks", "all passed" if self.passed else "; ".join(self.problems())),
        ]
        rows = []
        for run in self.runs:
            stats = run.latency
            verified = (
                "" if run.verification is None else "as planned" if run.verification.ok else "NOT as planned"
            )
            accuracy = "" if run.accuracy is None else "passed" if run.accuracy.passed else "FAILED"
            emulated = f" (emulated: {', '.join(run.emulated)})" if run.emulated else ""
            rows.append(
                (
                    run.label,
                    run.target + emulated,
                    format_ms(stats.median_ms),
                    format_ms(stats.p90_ms),
                    f"×{self.ratio(run):.2f}",
                    "" if run.submodels is None else f"{run.submodels}",
                    verified,
                    accuracy,
                )
            )
        header = ("run", "target", "median ms", "p90 ms", "vs baseline", "submodels", "compiled", "outputs")
        tables = [Table("Runs", header, tuple(rows))]
        tables += [Table("Not run", ("run", "why"), tuple(self.skipped.items()))] if self.skipped else []
        strip = self.strip
        picture, note = inline_picture(strip.svg if strip is not None else None, "bench.strip.svg holds it")
        if strip is None:
            note = "Bench with perf counters (perf_counters=True, -pc) to see where each run's time goes."
        return card_html(f"Bench of {self.model_name}", facts, tables=tables, picture=picture, notes=[note])

    # -- the file --------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON-ready dict; each run also gets its ``ratio`` against the baseline, for readers
        of the file (reading it back does not need it)."""
        document = json_data(
            _BenchFile(
                model=_Model(self.model_name, self.model_sha256),
                openvino=self.openvino,
                config=self.config,
                baseline=self.baseline,
                runs=self.runs,
                skipped=self.skipped,
            )
        )
        for run, record in zip(self.runs, document["runs"]):
            record["ratio"] = self.ratio(run)
        return document

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, where: str = "bench result") -> BenchResult:
        """The result :meth:`to_json` gave (validated as a file of it is); errors name ``where``."""
        return BENCH_FILE.convert(data, where=where)

    def save(self, path: str | Path) -> Path:
        """Write the result as JSON, atomically."""
        return write_document(path, self.to_json())


def load_bench(path: str | Path, ir: IRModel | None = None) -> BenchResult:
    """Read a bench result written by ``hetero-tool bench --output`` (validated field by field); with ``ir``,
    check that it was measured on that model."""
    result = BENCH_FILE.read(path)
    if ir is not None:
        ir.check_made_for(result.model_sha256, name=result.model_name, what="bench result", where=str(path))
    return result


def _result_from_file(found: _BenchFile) -> BenchResult:
    return BenchResult(
        model_name=found.model.name,
        model_sha256=found.model.sha256,
        runs=found.runs,
        baseline=found.baseline,
        config=found.config,
        openvino=found.openvino,
        skipped=found.skipped,
    )


class _Model(msgspec.Struct, frozen=True):
    name: str
    sha256: str


class _BenchFile(msgspec.Struct, frozen=True, kw_only=True):
    """The JSON file: a version, then the result with the model under its own heading."""

    schema_version: Literal[1] = BENCH_SCHEMA_VERSION
    model: _Model
    openvino: str
    config: BenchConfig
    baseline: str
    runs: tuple[Run, ...]
    skipped: Mapping[str, str]


#: The bench result file.
BENCH_FILE = Schema("bench result", _BenchFile, version=BENCH_SCHEMA_VERSION, build=_result_from_file)
