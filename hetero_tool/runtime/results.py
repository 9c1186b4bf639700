"""Timing results, as ``hetero-tool bench`` writes them and reports read them.

A bench result holds one run per candidate (the plan, each device alone, HETERO's own automatic placement),
timed in interleaved rounds, and names the baseline the ratios are taken against.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hetero_tool._files import read_json, write_atomic
from hetero_tool.errors import InputError

__all__ = ["LatencyStats", "SubgraphTime", "Run", "BenchResult", "load_bench", "BENCH_SCHEMA_VERSION"]

#: Version of the bench JSON; bumped on incompatible changes.
BENCH_SCHEMA_VERSION = 1


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
class Run:
    """One candidate, timed."""

    #: What it is: ``"plan"``, ``"CPU alone"``, ``"HETERO automatic"``...
    label: str
    #: What was compiled: ``"HETERO:NPU_CPU,CPU"``, ``"CPU"``...
    target: str
    iterations: int
    duration_s: float
    latency: LatencyStats
    throughput_fps: float
    compile_ms: float
    first_inference_ms: float
    #: ``HETERO_NUMBER_OF_SUBMODELS`` (``None`` for a single device).
    submodels: int | None = None
    #: Per-subgraph times, when perf counters were on.
    subgraphs: tuple[SubgraphTime, ...] = ()
    #: Per-IR-layer time in ms (layer id -> ms), when perf counters were on.
    layer_times_ms: Mapping[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class BenchResult:
    """All candidates of one bench, and the baseline their ratios use."""

    model_name: str
    model_sha256: str
    runs: tuple[Run, ...]
    #: Label of the baseline run.
    baseline: str

    def ratio(self, run: Run) -> float:
        """``run``'s median latency over the baseline's (below 1: faster than the baseline)."""
        base = next(r for r in self.runs if r.label == self.baseline)
        return run.latency.median_ms / base.latency.median_ms

    def to_json(self) -> dict[str, Any]:
        runs = []
        for run in self.runs:
            data = asdict(run)
            data["layer_times_ms"] = {str(k): v for k, v in run.layer_times_ms.items()}
            data["ratio"] = self.ratio(run)
            runs.append(data)
        return {
            "schema_version": BENCH_SCHEMA_VERSION,
            "model": {"name": self.model_name, "sha256": self.model_sha256},
            "baseline": self.baseline,
            "runs": runs,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, where: str = "bench result") -> BenchResult:
        try:
            if data["schema_version"] != BENCH_SCHEMA_VERSION:
                raise InputError(f"{where}: schema_version {data['schema_version']} is not {BENCH_SCHEMA_VERSION}")
            runs = tuple(
                Run(
                    label=r["label"],
                    target=r["target"],
                    iterations=r["iterations"],
                    duration_s=r["duration_s"],
                    latency=LatencyStats(**r["latency"]),
                    throughput_fps=r["throughput_fps"],
                    compile_ms=r["compile_ms"],
                    first_inference_ms=r["first_inference_ms"],
                    submodels=r.get("submodels"),
                    subgraphs=tuple(SubgraphTime(**s) for s in r.get("subgraphs", ())),
                    layer_times_ms={int(k): v for k, v in r.get("layer_times_ms", {}).items()},
                )
                for r in data["runs"]
            )
            result = cls(data["model"]["name"], data["model"]["sha256"], runs, data["baseline"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{where}: not a hetero-tool bench result ({type(exc).__name__}: {exc})") from None
        if not any(r.label == result.baseline for r in runs):
            raise InputError(f"{where}: the baseline {result.baseline!r} is not one of its runs")
        return result

    def save(self, path: str | Path) -> Path:
        import json

        return write_atomic(path, json.dumps(self.to_json(), indent=2) + "\n")


def load_bench(path: str | Path) -> BenchResult:
    """Read a bench result written by ``hetero-tool bench --json``/``-o``."""
    data = read_json(path, "bench result")
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a hetero-tool bench result")
    return BenchResult.from_json(data, where=str(path))
