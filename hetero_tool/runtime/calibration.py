"""Calibrating the cost model: per-layer times on each device, and what a subgraph boundary costs.

``hetero-tool calibrate MODEL --devices NPU,CPU`` measures, on this machine and for this model:

- **Per-layer times** on each device. The model is compiled on the device alone with ``PERF_COUNT``, profiled
  for a number of inferences, and the counters are averaged and joined to IR layers through the runtime
  model's ``originalLayersNames`` (:func:`~hetero_tool.runtime.counters.collect_profile`; a fused node's time
  is split evenly among the layers it names). Only compute layers the device supports are recorded:
  - an emulated device runs on the CPU plugin, which runs every layer, so it is compiled alone and the layers
    its profile excludes are left out of the record (what the CPU does with them says nothing of the device);
  - a real device that cannot run some layers cannot compile the model alone, so it is profiled through
    HETERO: the device first and the other devices as fallback, which pins every layer it supports to it (the
    fallback-priority plan), and only the layers the plan gives it are kept (method ``"hetero"``; their times
    then carry that plan's boundaries, not a whole-model compile's fusion).
  Layers no runtime node is named after (the CPU plugin folds a MatMul into a FullyConnected named after the
  bias Add) are listed as ``fused``: 0 ms, their time is in the neighbour's.
- **The model's own split**: HETERO's fallback-priority plan of the model, timed, next to what the figures
  above predict for it; the difference per subgraph is what a subgraph costs in this model beyond the
  microbenchmark's chain (:class:`~hetero_tool.cost.profile.SplitCost`), and the cost model's per-subgraph
  overhead.
- **The per-subgraph overhead and the per-byte boundary cost**, for every pair of devices, from a
  microbenchmark: a chain of depthwise convolutions, cut into ``k`` subgraphs that alternate between the two
  devices (``k = 1, 2, 4, ..., 32``; every compiled model's ``HETERO_NUMBER_OF_SUBMODELS`` is checked to be
  ``k``), repeated for a few boundary tensor sizes spanning the model's own tensors. The latency is fitted by
  least squares to ``latency = base(size) + (k - 1) * (overhead + per_byte * bytes)``
  (:func:`~hetero_tool.cost.fit.fit_boundary_cost`): the overhead is the fixed cost of one more subgraph,
  ``per_byte`` what each byte crossing a boundary adds (host hand-off, the Reorders on both sides). The chain
  (:mod:`~hetero_tool.runtime.microbench`) has the same layers whatever ``k`` is, so only the boundaries
  change; an odd ``k`` (``k = 1``: the chain on either device alone) is timed starting on either device and
  averaged, so every ``k`` has the same compute on each device and a speed difference between the devices
  does not bend the line. All configurations are timed in interleaved rounds, in a new (seeded) order each
  round, with two untimed inferences after every switch, so machine noise and cold starts hit them alike;
  each point is a median.

``repeat`` runs the whole calibration again (compiles included) and every figure is stated with its median and
range over the repeats. The result is a :class:`~hetero_tool.cost.profile.CostProfile`. The library never
prints: long work reports through a ``progress(what, done, total)`` callback.

Emulated devices are CPU-plugin devices: their figures describe the CPU standing in for the device, and the
profile says so (``emulated: true``) for every one of them.
"""

from __future__ import annotations

import itertools
import math
import os
import random
import statistics
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hetero_tool._format import format_bytes
from hetero_tool._ov import ov_version, shared_core
from hetero_tool.cost.fit import fit_boundary_cost
from hetero_tool.cost.model import cost_model_from_profile, predict_latency
from hetero_tool.cost.profile import (
    CHAIN_CHANNELS,
    BoundaryCost,
    BoundaryFit,
    CalibrationConfig,
    CostProfile,
    DeviceCosts,
    SplitCost,
    Spread,
)
from hetero_tool.devices.device import Device
from hetero_tool.devices.support import Support
from hetero_tool.errors import BackendError, InputError
from hetero_tool.ir import parse_ir
from hetero_tool.ir.types import STRUCTURAL_TYPES, IRModel
from hetero_tool.plan import Plan, make_plan
from hetero_tool.runtime.bench import run_bench
from hetero_tool.runtime.counters import collect_profile
from hetero_tool.runtime.data import make_inputs
from hetero_tool.runtime.hetero import (
    compile_device,
    compile_plan,
    model_for,
    recorded_shapes,
    refusal_reasons,
)
from hetero_tool.runtime.microbench import boundary_sizes, chain_affinity, chain_hw, chain_input, chain_model
from hetero_tool.runtime.progress import Progress, Steps
from hetero_tool.runtime.results import BenchConfig
from hetero_tool.runtime.timing import Timer

__all__ = ["calibrate"]

#: Untimed inferences at the start of every timing slice of the microbenchmark.
_SLICE_WARMUP = 2


def calibrate(
    ir: IRModel,
    devices: Sequence[Device],
    config: CalibrationConfig | None = None,
    *,
    model_path: str | Path | None = None,
    progress: Progress | None = None,
) -> CostProfile:
    """Calibrate the cost model of ``ir`` on ``devices`` (priority order): per-layer times on each device and
    the boundary cost of every pair of devices, ``config.repeat`` times. See the module docs for the method.

    Examples
    --------
    >>> from hetero_tool.devices import resolve_devices
    >>> from hetero_tool.ir import parse_ir
    >>> ir = parse_ir(samples["mobilenet"])
    >>> devices = resolve_devices(["NPU", "CPU"], {"NPU": "npu"})
    >>> quick = CalibrationConfig(niter=4, rounds=2, profile_iterations=2, subgraph_counts=(1, 2),
    ...                           chain_layers=2, boundary_bytes=(1024, 4096))
    >>> profile = calibrate(ir, devices, quick)
    >>> [(d.name, d.emulated, d.method) for d in profile.devices], profile.boundaries[0].devices
    ([('NPU', True, 'alone'), ('CPU', False, 'alone')], ('NPU', 'CPU'))
    """
    config = config or CalibrationConfig()
    config = replace(config, shapes=recorded_shapes(ir, config.shapes))
    devices = tuple(devices)
    if not devices:
        raise InputError("calibration: give at least one device")
    # The sizes the chain really carries (the nearest a [1, 16, H, W] f32 tensor has), so the profile agrees
    # with its own points.
    sizes = config.boundary_bytes or boundary_sizes(ir)
    carried = tuple(sorted({4 * CHAIN_CHANNELS * math.prod(chain_hw(b)) for b in sizes}))
    if len(carried) < 2:
        raise InputError(
            f"--boundary-bytes {','.join(map(str, sizes))}: these sizes round to one the chain can carry "
            f"({carried[0]} bytes); give sizes further apart, so the per-byte cost can be separated"
        )
    config = replace(config, boundary_bytes=carried)
    pairs = list(itertools.combinations(devices, 2))
    support = Support(ir)
    verdicts = {d.name: support.query(d) for d in devices}
    counts = sorted(set(config.subgraph_counts))
    per_pair = len(config.boundary_bytes) * (len(counts) + sum(k % 2 for k in counts))
    split_plan = make_plan(ir, devices, support=support) if len(devices) > 1 else None
    if split_plan is not None and (split_plan.subgraph_count < 2 or refusal_reasons(ir, split_plan)):
        split_plan = None  # one subgraph: nothing to learn; or a split HETERO refuses: nothing to time
    per_repeat = len(devices) + len(pairs) * per_pair * (1 + config.rounds) + (split_plan is not None)
    steps = Steps(progress, config.repeat * per_repeat)
    split_latencies: list[float] = []

    layer_runs: dict[str, list[_LayerRun]] = {d.name: [] for d in devices}
    fits: dict[tuple[str, str], list[BoundaryFit]] = {(a.name, b.name): [] for a, b in pairs}
    with tempfile.TemporaryDirectory(prefix="hetero-tool-calibrate-") as tmp:
        chains = _save_chains(Path(tmp), config) if pairs else {}
        for repeat in range(config.repeat):
            tag = f"repeat {repeat + 1}/{config.repeat}: " if config.repeat > 1 else ""
            for device in devices:
                steps.advance(f"{tag}per-layer times on {device.label}")
                layer_runs[device.name].append(
                    _layer_times(ir, device, devices, support, verdicts[device.name], config)
                )
            if pairs:
                for key, fit in _boundary_fits(pairs, chains, config, steps, tag).items():
                    fits[key].append(fit)
            if split_plan is not None:
                steps.advance(f"{tag}the model's own split ({split_plan.subgraph_count} subgraphs)")
                split_latencies.append(_split_latency(ir, split_plan, config))
    steps.finish()

    compute = [lid for lid, layer in ir.layers.items() if layer.type not in STRUCTURAL_TYPES]
    device_costs = tuple(
        _device_costs(device, layer_runs[device.name], verdicts[device.name], compute) for device in devices
    )
    try:
        host = str(shared_core().get_property("CPU", "FULL_DEVICE_NAME"))
    except Exception:  # no CPU plugin: say so rather than fail a finished calibration
        host = "unknown"
    profile = CostProfile(
        model_name=ir.name,
        model_path=str(model_path or ir.path),
        model_sha256=ir.sha256,
        openvino=ov_version(),
        host_cpu=host,
        host_cores=os.cpu_count() or 0,
        config=config,
        devices=device_costs,
        boundaries=tuple(BoundaryCost.of((a.name, b.name), fits[(a.name, b.name)]) for a, b in pairs),
        layer_types={lid: layer.type for lid, layer in ir.layers.items()},
    )
    if split_plan is None:
        return profile
    return replace(profile, split=_split_cost(ir, profile, devices, split_plan, split_latencies))


# -- the model's own split -------------------------------------------------------------------------------


def _split_latency(ir: IRModel, plan: Plan, config: CalibrationConfig) -> float:
    """Median latency (ms) of ``plan`` through HETERO, timed as the microbenchmark's points are."""
    bench = BenchConfig(niter=config.niter, rounds=config.rounds, shapes=config.shapes)
    result = run_bench(ir, [("split", plan)], bench, baselines=False)
    if not result.passed:
        raise BackendError(f"calibration: the model's own split did not run as planned: {result.problems[0]}")
    return result.run("split").latency.median_ms


def _split_cost(
    ir: IRModel, profile: CostProfile, devices: Sequence[Device], plan: Plan, latencies: Sequence[float]
) -> SplitCost:
    """How far the boundary figures are off for this model: the measured latency of its own split against
    the profile's prediction, as a factor on the boundary part of that prediction."""
    prediction = predict_latency(cost_model_from_profile(ir, profile, devices), plan)
    boundary = sum(prediction.subgraph_ms.values()) + prediction.boundary_total_ms
    rest = prediction.total_ms - boundary
    return SplitCost(
        subgraphs=plan.subgraph_count,
        cut_bytes=plan.partition.cut_bytes or 0,
        latency_ms=Spread.of(latencies),
        predicted_ms=prediction.total_ms,
        boundary_ms=boundary,
        scale=Spread.of(
            [max(0.0, (latency - rest) / boundary) if boundary > 0 else 1.0 for latency in latencies]
        ),
    )


# -- per-layer times -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LayerRun:
    method: str
    #: Supported compute layer -> ms (0.0 for those in ``fused``).
    layer_ms: dict[int, float]
    #: Supported compute layers the runtime model names no node for.
    fused: frozenset[int]
    latency_ms: float


def _layer_times(
    ir: IRModel,
    device: Device,
    devices: Sequence[Device],
    support: Support,
    verdict: Mapping[int, str | None],
    config: CalibrationConfig,
) -> _LayerRun:
    """Profile ``ir`` on ``device`` and return the times of the compute layers it supports.

    Alone when it can compile the whole model (an emulated device always can: its CPU plugin runs every layer;
    the profile's exclusions are dropped from the record). Otherwise through HETERO, the device first and the
    other devices as fallback by priority, keeping the layers the plan gives the device. The counters are
    averaged over the profiled inferences and joined to IR layers by
    :func:`~hetero_tool.runtime.counters.collect_profile` (the CPU plugin's counters are running means since
    compile, so a per-inference median is not available; the spread over repeats is the robustness check).
    """
    refused = {lid for lid, reason in verdict.items() if reason is not None}
    compute_refused = {lid for lid in refused if ir.layers[lid].type not in STRUCTURAL_TYPES}
    properties = {"PERF_COUNT": True}
    method = config.layer_method
    if method == "auto":
        method = "alone" if device.emulated or not compute_refused else "hetero"
    plan = None
    if method == "alone":
        model = model_for(ir)
        inputs = make_inputs(model, seed=config.seed)
        compiled = compile_device(ir, device, model=model, properties=properties)
        mine = set(ir.layers)
    else:
        others = [d for d in devices if d.name != device.name]
        if compute_refused and not others:
            first = ir.layers[min(compute_refused)]
            raise InputError(
                f"{device.label} cannot run {len(compute_refused)} layer(s) of {ir.name!r}, e.g. "
                f"{first.label} ({first.type}): {verdict[first.id]}; give a fallback device too"
            )
        plan = make_plan(ir, [device, *others], support=support)
        to_ov = {d.name: d.ov_name for d in devices}
        model = model_for(ir, affinity={lid: to_ov[d] for lid, d in plan.layer_affinity.items()})
        inputs = make_inputs(model, seed=config.seed)
        compiled = compile_plan(ir, plan, model=model, properties=properties)
        mine = {lid for lid, d in plan.layer_affinity.items() if d == device.name}
    profile = collect_profile(ir, plan, compiled, inputs, iterations=config.profile_iterations)
    wanted = [
        lid
        for lid in ir.layers
        if lid in mine and lid not in refused and ir.layers[lid].type not in STRUCTURAL_TYPES
    ]
    times = {lid: float(profile.layer_times_ms.get(lid, 0.0)) for lid in wanted}
    fused = frozenset(lid for lid in wanted if lid not in profile.layer_times_ms)
    return _LayerRun(method, times, fused, float(profile.latency_ms))


def _device_costs(
    device: Device, runs: Sequence[_LayerRun], verdict: Mapping[int, str | None], compute: Sequence[int]
) -> DeviceCosts:
    """One device's figures: each layer's median time over the repeats, and the spreads."""
    unsupported = {lid: reason for lid in compute if (reason := verdict.get(lid)) is not None}
    timed = sorted(set().union(*(run.layer_ms for run in runs)))
    layer_ms = {lid: float(statistics.median([run.layer_ms.get(lid, 0.0) for run in runs])) for lid in timed}
    spreads = sorted(
        Spread.of([run.layer_ms.get(lid, 0.0) for run in runs]).relative for lid in timed if layer_ms[lid] > 0
    )
    return DeviceCosts(
        name=device.name,
        emulated=device.emulated,
        profile=device.profile.name if device.profile else None,
        ov_name=device.ov_name,
        config=device.compile_config,
        method=runs[0].method,
        layer_ms=layer_ms,
        unsupported=unsupported,
        fused=tuple(sorted(frozenset.intersection(*(run.fused for run in runs)))),
        latency_ms=Spread.of([run.latency_ms for run in runs]),
        counted_ms=Spread.of([sum(run.layer_ms.values()) for run in runs]),
        layer_spread=float(statistics.median(spreads)) if spreads else 0.0,
        layer_spread_p90=spreads[max(0, math.ceil(0.9 * len(spreads)) - 1)] if spreads else 0.0,
    )


# -- boundary cost -------------------------------------------------------------------------------------------


@dataclass
class _Chain:
    ir: IRModel
    support: Support
    nbytes: int


@dataclass
class _Config:
    """One microbenchmark configuration: a chain size, a device pair, ``k`` subgraphs starting on
    ``first``."""

    pair: tuple[str, str]
    nbytes: int
    subgraphs: int
    first: str
    compiled: Any = None
    timer: Any = None


def _save_chains(directory: Path, config: CalibrationConfig) -> dict[int, _Chain]:
    """The microbenchmark chain for every boundary size, saved as IR and read back (plans are made from
    IR)."""
    import openvino as ov

    chains = {}
    for nbytes in sorted(set(config.boundary_bytes)):
        path = directory / f"chain_{nbytes}.xml"
        model = chain_model(nbytes, config.chain_layers, seed=config.seed)
        ov.save_model(model, path, compress_to_fp16=False)
        ir = parse_ir(path)
        chains[nbytes] = _Chain(ir, Support(ir), 4 * math.prod(ir.parameters[0].outputs[0].shape))
    return chains


def _boundary_fits(
    pairs: Sequence[tuple[Device, Device]],
    chains: Mapping[int, _Chain],
    config: CalibrationConfig,
    steps: Steps,
    tag: str,
) -> dict[tuple[str, str], BoundaryFit]:
    """Compile every configuration of every pair, time them all in interleaved rounds, fit each pair."""
    configs: list[_Config] = []
    counts = sorted(set(config.subgraph_counts))
    for a, b in pairs:
        for nbytes in sorted(chains):
            for k in counts:
                # An odd k twice, starting on either device: their mean splits the compute half and half, as
                # every even k does (k = 1: the chain on each device alone).
                for first in (a, b) if k % 2 else (a,):
                    configs.append(_Config((a.name, b.name), nbytes, k, first.name))
    by_name = {d.name: d for pair in pairs for d in pair}
    try:
        for cfg in configs:
            chain = chains[cfg.nbytes]
            pair = (by_name[cfg.first], by_name[cfg.pair[1] if cfg.first == cfg.pair[0] else cfg.pair[0]])
            steps.advance(
                f"{tag}compiling {cfg.subgraphs} alternating subgraphs of {format_bytes(cfg.nbytes)} on "
                f"{' & '.join(cfg.pair)}"
            )
            affinity = chain_affinity(chain.ir, cfg.subgraphs, (pair[0].name, pair[1].name))
            plan = make_plan(
                chain.ir,
                [by_name[cfg.pair[0]], by_name[cfg.pair[1]]],
                affinity_map=affinity,
                support=chain.support,
            )
            if plan.subgraph_count != cfg.subgraphs:
                raise BackendError(
                    f"calibration: the {cfg.subgraphs}-subgraph chain is predicted to cut into "
                    f"{plan.subgraph_count} subgraphs"
                )
            cfg.compiled = compile_plan(chain.ir, plan)
            if cfg.compiled.submodels != cfg.subgraphs:
                raise BackendError(
                    f"calibration: HETERO compiled the {cfg.subgraphs}-subgraph chain into "
                    f"{cfg.compiled.submodels} submodels"
                )
            model_inputs = {0: chain_input(cfg.compiled.compiled, config.seed)}
            cfg.timer = Timer(cfg.compiled.compiled, model_inputs)
            cfg.timer.warm_up()
        shuffle = random.Random(config.seed)
        for round_index in range(config.rounds):
            # A new order every round (seeded): the first inferences after a switch run colder (caches,
            # another model's threads), and a fixed order would always put the same configuration after the
            # same one.
            order = list(configs)
            shuffle.shuffle(order)
            for cfg in order:
                steps.advance(
                    f"{tag}round {round_index + 1}/{config.rounds}: timing {cfg.subgraphs} subgraphs of "
                    f"{format_bytes(cfg.nbytes)} on {' & '.join(cfg.pair)}"
                )
                for _ in range(_SLICE_WARMUP):  # untimed: the switch's cold start is not the configuration's
                    cfg.timer.requests[0].infer()
                # --niter split over the rounds exactly (the first rounds take the remainder).
                share, extra = divmod(config.niter, config.rounds)
                if share + (round_index < extra):
                    cfg.timer.run(iterations=share + (round_index < extra))
        fits = {}
        for a, b in pairs:
            key = (a.name, b.name)
            points = []
            for nbytes in sorted(chains):
                for k in counts:
                    mine = [c for c in configs if c.pair == key and c.nbytes == nbytes and c.subgraphs == k]
                    medians = [statistics.median(c.timer.timing().latencies_ms) for c in mine]
                    points.append((chains[nbytes].nbytes, k, float(statistics.fmean(medians))))
            fits[key] = fit_boundary_cost(points)
        return fits
    finally:
        for cfg in configs:  # release the compiled models (and their Cores) before the next repeat
            cfg.timer = cfg.compiled = None
