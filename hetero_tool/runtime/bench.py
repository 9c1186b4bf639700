"""``hetero-tool bench``: plans timed through the real HETERO plugin, next to their baselines.

Candidates are the given plans, each device alone (when it can run the whole model), and HETERO's automatic
placement: the plugin's own when every device is real; for emulated devices, the tool's exact reproduction of
its greedy applied by hand (the emulated device's plugin would claim everything). Each is compiled on a fresh
``ov.Core`` and, for HETERO, verified against its plan (submodel count and the device of every submodel).
All are timed in interleaved rounds, so machine noise hits them alike, and the ratios use one baseline.

On request, perf counters come from a separate, untimed pass (so they do not slow the timed one), and each
candidate's outputs are compared with a single-device reference on the same inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hetero_tool._ov import available_devices, ov_version
from hetero_tool.devices.config import (
    normalise_config,
    normalise_property,
    property_text,
    same_property,
)
from hetero_tool.devices.support import Support
from hetero_tool.errors import InputError, PlanError
from hetero_tool.ir.types import STRUCTURAL_TYPES, IRModel
from hetero_tool.plan import Plan, PlanDevice, check_plan, make_plan
from hetero_tool.runtime.accuracy import (
    REDUCED_PRECISIONS,
    compare_outputs,
    floors,
    least_precise,
    outputs_of,
)
from hetero_tool.runtime.counters import collect_profile
from hetero_tool.runtime.data import make_inputs
from hetero_tool.runtime.hetero import (
    CompiledPlan,
    compile_device,
    compile_plan,
    effective_properties,
    model_for,
    recorded_shapes,
    refusal_reasons,
    verify,
)
from hetero_tool.runtime.progress import Progress, Steps
from hetero_tool.runtime.results import HINTS, BenchConfig, BenchResult, Run
from hetero_tool.runtime.timing import Timer

__all__ = [
    "AUTOMATIC",
    "AccuracyCheck",
    "check_recorded_config",
    "compile_configs",
    "device_properties",
    "run_bench",
    "with_plan_hint",
]

#: Label of HETERO's automatic placement.
AUTOMATIC = "HETERO automatic"
_HINT = "PERFORMANCE_HINT"


@dataclass(frozen=True)
class AccuracyCheck:
    """Compare outputs with a single-device reference: tolerances, and whether to force f32 everywhere."""

    #: Tolerances; ``None``: by the least precise inference precision the candidate's devices compiled with
    #: (:mod:`~hetero_tool.runtime.accuracy`: f32 tolerances, plus a margin over the reference device's own
    #: error at a reduced precision).
    atol: float | None = None
    rtol: float | None = None
    #: Compile every candidate with ``INFERENCE_PRECISION_HINT=f32`` for the check (the reference is in f32
    #: anyway).
    f32: bool = False
    #: Device of the reference; default: CPU (real).
    reference: str = "CPU"

    def __post_init__(self) -> None:
        for option, value in (("--atol", self.atol), ("--rtol", self.rtol)):
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise InputError(f"{option} {value:g}: a tolerance is a number >= 0")


@dataclass
class _Candidate:
    label: str
    plan: Plan | None  # None: one device alone
    device: PlanDevice | None = None
    manual: bool = True  # affinities set by hand (False: HETERO's real automatic mode)
    compiled: CompiledPlan | None = None
    model: Any = None
    timer: Timer | None = None
    extra: dict = field(default_factory=dict)

    @property
    def emulated(self) -> tuple[str, ...]:
        devices = self.plan.devices if self.plan is not None else (self.device,)
        return tuple(d.name for d in devices if d.emulated)


def device_properties(config: BenchConfig, device: str) -> dict[str, str]:
    """The properties ``config`` sets on ``device`` (over the config the plan records for it): the hint,
    ``--load-config``'s and the per-device options'."""
    return {key: property_text(value) for key, (value, _) in _bench_origins(config, device).items()}


def compile_configs(plan: Plan, config: BenchConfig) -> dict[str, dict[str, Any]]:
    """Device name -> the properties ``plan``'s devices compile with in a bench of ``config`` (its hint
    known, :func:`with_plan_hint`): the plan's config, then the bench's options over it, values normalised,
    keys sorted, devices in priority order.

    Examples
    --------
    >>> from hetero_tool.loaders import plan_from_files
    >>> plan = plan_from_files(samples["mobilenet"], devices="CPU")
    >>> compile_configs(plan, BenchConfig(hint="throughput", nstreams={"CPU": "2"}))
    {'CPU': {'NUM_STREAMS': 2, 'PERFORMANCE_HINT': 'THROUGHPUT'}}
    """
    return {
        d.name: normalise_config(
            {**plan.config_of(d.name), **{k: v for k, (v, _) in _bench_origins(config, d.name).items()}}
        )
        for d in plan.devices
    }


def check_recorded_config(plan: Plan, config: BenchConfig, *, where: str = "the plan") -> None:
    """Raise :class:`~hetero_tool.errors.InputError` when ``config`` sets a property on a device to another
    value than the one the user set on it when ``plan`` (read from ``where``) was made.

    Why: a plan is made, and a cost profile measured, for one config of each device; a bench of the plan
    compiles with that config. Options that repeat it (in any spelling OpenVINO reads alike, ``F16`` for
    ``f16``), or set what it leaves open, are fine; the tool's own defaults (an emulated device's profile
    config) may be changed.
    """
    for device in plan.devices:
        recorded = plan.settings_of(device.name)
        for key, (value, origin) in _bench_origins(config, device.name).items():
            if key in recorded and not same_property(key, recorded[key], value):
                raise InputError(
                    f"{origin} sets {key}={property_text(value)} on {device.name}, but {where} records "
                    f"{key}={property_text(recorded[key])} for {device.name}; drop the option (the plan's "
                    "config is used) or make the plan with it"
                )


def with_plan_hint(config: BenchConfig, plan: Plan) -> BenchConfig:
    """``config`` with the hint a bench of ``plan`` runs with: ``--hint`` when it was given; else, as
    benchmark_app without ``-hint``, the ``PERFORMANCE_HINT`` the plan records (``none`` when its devices
    record different ones: each keeps its own), else latency. The api follows when not given.

    Examples
    --------
    >>> from hetero_tool.devices import DeviceSettings
    >>> from hetero_tool.loaders import plan_from_files
    >>> throughput = DeviceSettings(load_config={"CPU": {"PERFORMANCE_HINT": "THROUGHPUT"}})
    >>> plan = plan_from_files(samples["mobilenet"], devices="CPU", settings=throughput)
    >>> config = with_plan_hint(BenchConfig(), plan)
    >>> config.hint, config.api, with_plan_hint(BenchConfig(hint="none"), plan).hint
    ('throughput', 'async', 'none')
    """
    if config.hint is not None:
        return config
    recorded = {
        normalise_property(_HINT, props[_HINT])
        for props in (plan.config_of(d.name) for d in plan.devices)
        if _HINT in props
    }
    hint = str(next(iter(recorded))).lower() if len(recorded) == 1 else "none" if recorded else "latency"
    return replace(config, hint=hint if hint in HINTS else "none")


def _bench_origins(config: BenchConfig, device: str) -> dict[str, tuple[Any, str]]:
    """Property -> (value, the option that sets it) for what ``config`` sets on ``device``."""
    found: dict[str, tuple[Any, str]] = {}
    if config.hint not in (None, "none"):  # not given: the plan's; "none" leaves the device's own hint
        found[_HINT] = (config.hint.upper(), f"--hint {config.hint}")
    found.update(config.settings.origins(device))
    return found


def run_bench(
    ir: IRModel,
    plans: Sequence[tuple[str, Plan]],
    config: BenchConfig,
    *,
    baselines: bool = True,
    baseline: str | None = None,
    accuracy: AccuracyCheck | None = None,
    inputs: Mapping[str, Any] | None = None,
    accuracy_inputs: Mapping[str, Any] | None = None,
    preprocess: Callable[[Any], Any] | None = None,
    profile_iterations: int = 20,
    progress: Progress | None = None,
) -> BenchResult:
    """Compile, verify and time ``plans`` (label, plan) and, with ``baselines``, each device alone and
    HETERO's automatic placement, in interleaved rounds.

    Parameters
    ----------
    ir
        The model the plans were made for.
    plans
        (label, plan) pairs; the plans' device lists are the devices of the bench (the first plan's order
        for the automatic placement).
    config
        What to measure and how (:class:`~hetero_tool.runtime.results.BenchConfig`); without a hint, the
        plans' (:func:`with_plan_hint`), which the result records.
    baselines
        Add each device alone and HETERO's automatic placement. Defaults to true.
    baseline
        Label of the run the ratios use. Defaults to HETERO's automatic placement, else the first device
        alone, else the first plan.
    accuracy
        Compare every candidate's outputs with a single-device reference. Defaults to no check.
    inputs
        Input name -> array; defaults to random data (:func:`~hetero_tool.runtime.data.make_inputs`, seed 0).
    accuracy_inputs
        The data of the accuracy check; defaults to ``inputs`` when they are given, else to random data in
        [0, 1] for floating-point inputs (benchmark_app's [0, 255] saturates a softmax into one-hot outputs,
        which hide every numeric difference).
    preprocess
        Built into every candidate's model (see :func:`~hetero_tool.runtime.hetero.model_for`).
    profile_iterations
        Inferences of the perf-counter pass, when ``config.perf_counters``.
    progress
        Called with (description, steps done, total steps) as the bench goes.

    Raises
    ------
    PlanError
        When a given plan cannot run (:func:`~hetero_tool.runtime.hetero.refusal_reasons`).

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.loaders import plan_from_files
    >>> ir = parse_ir(samples["mobilenet"])
    >>> plan = plan_from_files(samples["mobilenet"], devices="HETERO:NPU,CPU", emulate="NPU")
    >>> result = run_bench(ir, [("plan", plan)], BenchConfig(niter=20, rounds=2))
    >>> [run.label for run in result.runs], result.baseline, sorted(result.skipped)
    (['plan', 'NPU alone', 'CPU alone'], 'NPU alone', ['HETERO automatic'])
    >>> result.run("plan").verification.ok, result.run("plan").iterations
    (True, 20)
    """
    if not plans:
        raise InputError("bench needs at least one plan")
    config = replace(config, shapes=recorded_shapes(ir, config.shapes))
    labels = [label for label, _ in plans]
    if len(set(labels)) != len(labels):
        raise InputError(f"plan labels must differ (they come from the plan file names): {labels}")
    devices = _devices(ir, plans)  # one config of each device for every plan
    config = with_plan_hint(config, plans[0][1])
    config.settings.check([d.name for d in devices])
    for label, plan in plans:
        check_recorded_config(plan, config, where=label)
    reference_device = _reference_device(accuracy, devices) if accuracy is not None else None
    candidates = [_Candidate(label, plan) for label, plan in plans]
    skipped: dict[str, str] = {}
    if baselines:
        candidates += _baselines(ir, plans, devices, skipped)
    for candidate in candidates:
        if candidate.plan is not None and candidate.manual:
            candidate.model = model_for(ir, affinity=_ov_affinity(candidate.plan), preprocess=preprocess)
        else:
            candidate.model = model_for(ir, preprocess=preprocess)
        if candidate.plan is not None:
            reasons = refusal_reasons(ir, candidate.plan)
            if reasons and candidate.label in labels:
                raise PlanError(
                    f"{candidate.label}: HETERO cannot run this plan for {ir.name!r}: {'; '.join(reasons)}"
                )
            if reasons:
                skipped[candidate.label] = "; ".join(reasons)
    candidates = [c for c in candidates if c.label not in skipped]
    chosen = baseline or _default_baseline([c.label for c in candidates])
    if chosen not in {c.label for c in candidates}:
        raise InputError(
            f"--baseline {chosen!r} is not one of the runs ({', '.join(c.label for c in candidates)})"
        )

    slices = config.rounds * len(candidates)
    steps = Steps(progress, total=2 * len(candidates) + slices)
    for candidate in candidates:
        steps.advance(f"compiling {candidate.label}")
        candidate.compiled = _compile(ir, candidate, config)
    if inputs is None:
        inputs = make_inputs(candidates[0].model, seed=0)
        if accuracy is not None and accuracy_inputs is None:
            accuracy_inputs = make_inputs(candidates[0].model, seed=0, float_high=1.0)
    for candidate in candidates:
        steps.advance(f"first inference of {candidate.label}")
        candidate.timer = Timer(candidate.compiled.compiled, inputs, api=config.api, nireq=config.nireq)
        if config.warmup:
            candidate.timer.warm_up()

    for round_index in range(config.rounds):
        per_slice = _slice_budget(config, round_index)
        # Rotate who goes first, so no candidate always runs right after the same neighbour.
        shift = round_index % len(candidates)
        for candidate in candidates[shift:] + candidates[:shift]:
            steps.advance(f"round {round_index + 1}/{config.rounds}: {candidate.label}")
            if any(per_slice.values()):
                candidate.timer.run(**per_slice)

    checked = accuracy_inputs if accuracy_inputs is not None else inputs
    reference = None
    if accuracy is not None:
        reference = _Reference(ir, config, reference_device, checked, preprocess)
    runs = [_run(ir, c, config, accuracy, reference, inputs, checked, profile_iterations) for c in candidates]
    runs = _with_request_overhead(runs)
    steps.finish()
    return BenchResult(
        model_name=ir.name,
        model_sha256=plans[0][1].model_sha256,
        runs=tuple(runs),
        baseline=chosen,
        config=config,
        openvino=ov_version(),
        skipped=skipped,
    )


# -- candidates ----------------------------------------------------------------------------------------------


def _devices(ir: IRModel, plans: Sequence[tuple[str, Plan]]) -> tuple[PlanDevice, ...]:
    for _, plan in plans:
        check_plan(ir, plan)
    first = plans[0][1]
    for label, plan in plans[1:]:
        if plan.model_sha256 != first.model_sha256:
            raise InputError(f"{label}: the plans were made for different models")
        if [d.name for d in plan.devices] != [d.name for d in first.devices]:
            raise InputError(f"{label}: the plans must use the same device list ({first.priority})")
        for device in first.devices:
            if normalise_config(plan.config_of(device.name)) != normalise_config(
                first.config_of(device.name)
            ):
                raise InputError(
                    f"{label}: records another config for {device.name} than {plans[0][0]} "
                    f"({plan.config_of(device.name)} vs {first.config_of(device.name)}); the plans of one "
                    "bench are for one config of each device"
                )
    # Each device as the plans compile it: a baseline on one device alone runs with the same config.
    return tuple(replace(d, config=first.config_of(d.name)) for d in first.devices)


def _baselines(
    ir: IRModel, plans, devices: Sequence[PlanDevice], skipped: dict[str, str]
) -> list[_Candidate]:
    found = []
    support = Support(ir)
    full = plans[0][1].to_devices()  # with the settings the plans record, for the automatic placement
    for plan_device, device in zip(devices, full):
        label = f"{device.name} alone"
        verdict = support.query(device)
        refused = [lid for lid, reason in verdict.items() if reason is not None]
        if refused:
            # Name an operation, not a Constant that is refused only because its consumers are.
            shown = min(refused, key=lambda lid: ir.layers[lid].type in STRUCTURAL_TYPES)
            first = ir.layers[shown]
            skipped[label] = (
                f"{device.label} cannot run {len(refused)} layer(s) of the model, e.g. "
                f"{first.label} ({first.type}): {verdict[shown]}"
            )
            continue
        found.append(_Candidate(label, None, device=plan_device))
    automatic = make_plan(ir, full, support=support)
    same = next((label for label, plan in plans if plan.layer_affinity == automatic.layer_affinity), None)
    if same is not None:
        skipped[AUTOMATIC] = f"same placement as {same!r}"
    else:
        real = not any(d.emulated for d in devices)
        found.insert(0, _Candidate(AUTOMATIC, automatic, manual=not real))
    return found


def _ov_affinity(plan: Plan) -> dict[int, str]:
    to_ov = {d.name: d.ov_name or d.name for d in plan.devices}
    return {lid: to_ov.get(device, device) for lid, device in plan.layer_affinity.items()}


def _compile(ir: IRModel, candidate: _Candidate, config: BenchConfig, properties=None) -> CompiledPlan:
    if candidate.plan is None:
        device = candidate.device
        return compile_device(
            ir,
            device,
            model=candidate.model,
            config=device_properties(config, device.name),
            properties=properties,
        )
    device_config = {d.name: device_properties(config, d.name) for d in candidate.plan.devices}
    return compile_plan(
        ir,
        candidate.plan,
        model=candidate.model,
        device_config=device_config,
        properties=properties,
        refuse_known_failures=False,
    )


def _slice_budget(config: BenchConfig, round_index: int) -> dict[str, float | int]:
    """One round's share of a candidate's budget; iteration counts add up to ``niter`` exactly."""
    if config.niter is not None:
        share, extra = divmod(config.niter, config.rounds)
        return {"iterations": share + (round_index < extra)}
    return {"seconds": config.time_s / config.rounds}


def _default_baseline(labels: Sequence[str]) -> str:
    if AUTOMATIC in labels:
        return AUTOMATIC
    return next((label for label in labels if label.endswith(" alone")), labels[0])


# -- results -------------------------------------------------------------------------------------------------


def _run(ir, candidate: _Candidate, config, accuracy, reference, inputs, checked, profile_iterations) -> Run:
    compiled = candidate.compiled
    timing = candidate.timer.timing()
    verification = verify(candidate.plan, compiled) if candidate.plan is not None else None
    profile = None
    if config.perf_counters:
        # One stream: the CPU plugin's counters are running means per stream, which several streams would mix.
        profiled = _compile(
            ir, candidate, replace(config, nstreams={"": "1"}), properties={"PERF_COUNT": True}
        )
        profile = collect_profile(ir, candidate.plan, profiled, inputs, iterations=profile_iterations)
    compared = None
    if accuracy is not None:
        compared = _accuracy(ir, candidate, config, accuracy, reference, checked)
    stats = timing.stats()
    return Run(
        label=candidate.label,
        target=compiled.target,
        iterations=timing.iterations,
        duration_s=timing.duration_s,
        latency=stats,
        throughput_fps=timing.throughput_fps,
        compile_ms=compiled.compile_ms,
        first_inference_ms=timing.first_inference_ms or 0.0,
        submodels=compiled.submodels,
        nireq=timing.nireq,
        emulated=candidate.emulated,
        plan_digest=candidate.plan.placement_digest if candidate.plan is not None else None,
        verification=verification,
        device_properties=effective_properties(compiled),
        profile=profile,
        accuracy=compared,
    )


def _accuracy(ir, candidate: _Candidate, config: BenchConfig, check: AccuracyCheck, reference, inputs):
    compiled = candidate.compiled
    if check.f32:
        forced = replace(config, infer_precision=_all(candidate, "f32"))
        compiled = _compile(ir, candidate, forced)
    precision = least_precise(_precisions(compiled))
    return compare_outputs(
        outputs_of(compiled.compiled, inputs),
        reference.truth,
        atol=check.atol,
        rtol=check.rtol,
        precision=precision,
        floor=reference.floor(precision),
        reference_label=reference.label,
    )


def _precisions(compiled: CompiledPlan) -> list[str]:
    """The inference precision each device of ``compiled`` runs at, as OpenVINO reports it."""
    return [props.get("INFERENCE_PRECISION_HINT", "") for props in effective_properties(compiled).values()]


class _Reference:
    """The accuracy reference: one device alone in f32, and its own error at each reduced precision a
    candidate runs at (measured the first time one needs it)."""

    def __init__(self, ir, config: BenchConfig, device: PlanDevice, inputs, preprocess) -> None:
        self.ir, self.config, self.device, self.inputs, self.preprocess = (
            ir,
            config,
            device,
            inputs,
            preprocess,
        )
        self.label = f"{device.name} (f32)"
        self.truth = self._outputs("f32")
        self._floors: dict[str, dict[str, float]] = {}

    def floor(self, precision: str) -> dict[str, float] | None:
        """Output name -> how far the device alone is from its f32 run at ``precision`` (``None`` for f32)."""
        if precision == "f32":
            return None
        if precision not in self._floors:
            hint = precision if precision in REDUCED_PRECISIONS else None  # else: the device's own default
            self._floors[precision] = floors(self._outputs(hint), self.truth)
        return self._floors[precision]

    def _outputs(self, hint: str | None) -> dict:
        props = device_properties(self.config, self.device.name)
        props.pop("INFERENCE_PRECISION_HINT", None)
        if hint is not None:
            props["INFERENCE_PRECISION_HINT"] = hint
        model = model_for(self.ir, preprocess=self.preprocess)
        compiled = compile_device(self.ir, self.device, model=model, config=props)
        return outputs_of(compiled.compiled, self.inputs)


def _reference_device(check: AccuracyCheck, devices: Sequence[PlanDevice]) -> PlanDevice:
    """The device of the accuracy reference: one of the plan's (emulated ones as emulated), or a real one."""
    for device in devices:
        if device.name == check.reference:
            return device
    if check.reference in available_devices():
        return PlanDevice(name=check.reference)
    names = ", ".join(dict.fromkeys([d.name for d in devices] + list(available_devices())))
    raise InputError(f"--reference {check.reference}: not a device of the plan or of this machine ({names})")


def _with_request_overhead(runs: list[Run]) -> list[Run]:
    """Give split runs' profiles the request overhead a one-submodel run of the same bench measured."""
    single = [r.profile.outside_ms for r in runs if r.profile is not None and len(r.profile.subgraphs) == 1]
    if not single:
        return runs
    overhead = min(single)
    return [
        replace(r, profile=replace(r.profile, request_overhead_ms=overhead))
        if r.profile is not None and len(r.profile.subgraphs) > 1
        else r
        for r in runs
    ]


def _all(candidate: _Candidate, value: str) -> dict[str, str]:
    devices = candidate.plan.devices if candidate.plan is not None else (candidate.device,)
    return {d.name: value for d in devices}
