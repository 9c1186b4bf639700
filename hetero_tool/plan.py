"""The plan: where every layer runs and why, and the subgraphs HETERO will cut from it, as one JSON file.

OpenVINO cannot store affinities in an IR (``ov.save_model`` drops ``rt_info["affinity"]``), so a plan travels
as its own file and is applied to the model when it is compiled. A plan is bound to one model by the SHA-256
of its IR; loading it for another model is an error.

:func:`make_plan` places every layer (:func:`~hetero_tool.affinity.assign_affinity`) and cuts the model
(:func:`~hetero_tool.partition.collect_subgraphs`); :class:`Plan` holds the result with the facts every report
shows (cut bytes, fallback and pinned rows), computed once.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from hetero_tool._format import format_bytes, format_ms
from hetero_tool._gc import paused_gc
from hetero_tool.affinity import Decision, Rule, assign_affinity
from hetero_tool.affinity.types import Source
from hetero_tool.devices import Device, Support, resolve_devices
from hetero_tool.devices.config import same_property
from hetero_tool.errors import PlanError
from hetero_tool.ir.types import STRUCTURAL_TYPES, IRModel
from hetero_tool.partition import CutTensor, Partition, Subgraph, collect_subgraphs, split_shape_problems
from hetero_tool.schema import Count, Schema, json_data, write_document

if TYPE_CHECKING:
    from hetero_tool.display.strip import Strip, StripRow

__all__ = [
    "PLAN_FILE",
    "PLAN_SCHEMA_VERSION",
    "FallbackRow",
    "PinnedRow",
    "Plan",
    "PlanDevice",
    "Predicted",
    "check_plan",
    "load_plan",
    "make_plan",
]

#: Version of the plan JSON; bumped on incompatible changes.
PLAN_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class PlanDevice:
    """A device of the plan's priority list."""

    name: str
    #: Whether it is emulated (the CPU plugin with a profile), and then the profile (a built-in profile's
    #: name, or the TOML's path as it was given) and the OpenVINO name.
    emulated: bool = False
    profile: str | None = None
    ov_name: str | None = None
    #: OpenVINO properties the tool sets on it: an emulated device's profile config (its defaults; what
    #: the user set is over them in :attr:`Plan.device_config`).
    config: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_device(cls, device: Device) -> PlanDevice:
        profile = None
        if device.profile is not None:
            # A profile file by its absolute path: the plan is used from other directories too.
            profile = str(device.profile.path.resolve()) if device.profile.path else device.profile.name
        return cls(
            name=device.name,
            emulated=device.emulated,
            profile=profile,
            ov_name=device.ov_name,
            config=dict(device.config),
        )

    @property
    def label(self) -> str:
        """``NPU (emulated: npu profile on the CPU plugin)`` or just ``CPU``."""
        return (
            f"{self.name} (emulated: {self.profile} profile on the CPU plugin)"
            if self.emulated
            else self.name
        )

    def to_device(self) -> Device:
        """The :class:`~hetero_tool.devices.Device` again, its profile loaded (to query op support)."""
        emulate = {self.name: self.profile} if self.emulated and self.profile else {}
        return resolve_devices([self.name], emulate)[0]


@dataclass(frozen=True)
class FallbackRow:
    """Layers of one op type that one device could not take, Polygraphy-style: why, and where they went."""

    op_type: str
    device: str
    reason: str
    layers: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.layers)


@dataclass(frozen=True)
class PinnedRow:
    """Operations one rule (or the affinity map) pinned to one device."""

    #: ``rule 'name'`` or ``affinity map``.
    by: str
    device: str
    layers: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.layers)


class Predicted(msgspec.Struct, frozen=True, kw_only=True):
    """What the cost model predicts for a plan, next to the alternatives the optimizer weighed.

    Every figure is milliseconds per inference. ``bound_ms`` is a lower bound on any plan's latency under the
    same cost model (``None`` when none was proved), ``gap`` is ``(ms - bound_ms) / ms``; ``bound_scope`` says
    whether the bound holds for the model or only for a coarsened version of it.
    """

    #: This plan's predicted latency.
    ms: float
    #: HETERO's own placement (fallback priority) of the same model, under the same cost model, and its
    #: subgraphs.
    default_ms: float | None = None
    default_subgraphs: int | None = None
    #: The candidate this plan is (a baseline's name, or ``optimized``).
    chosen: str = ""
    bound_ms: float | None = None
    gap: float | None = None
    bound_scope: Literal["model", "coarsened"] = "model"
    #: Baseline name -> its predicted latency (each baseline is a plan of its own: ``hetero_tool.optimize``),
    #: and the baselines HETERO would have to break cycles in (listed, but never chosen).
    baselines: dict[str, float] = {}
    cyclic: tuple[str, ...] = ()
    #: Measured latency through HETERO (``--measure``): this plan's, and each measured candidate's by name.
    measured_ms: float | None = None
    measured: dict[str, float] = {}
    #: Where the figures came from: ``"calibrated"`` (a cost profile) or ``"estimated"`` (analytic).
    source: str = "estimated"
    #: The objective optimized (``latency`` or ``subgraphs``) and the search that found the plan.
    objective: str = "latency"
    engine: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """Affinities for every layer, their provenance, and the subgraphs HETERO will make of them."""

    #: The model as the user named it, its ``<net name>`` and the SHA-256 of its IR (.xml then .bin).
    model_path: str
    model_name: str
    model_sha256: str
    #: The priority list, highest first.
    devices: tuple[PlanDevice, ...]
    #: Layer id -> decision (device, source, reason).
    decisions: Mapping[int, Decision]
    #: Layer id -> friendly name and op type, for reading the plan without the model.
    names: Mapping[int, str]
    types: Mapping[int, str]
    #: The subgraphs and cut tensors as HETERO will make them.
    partition: Partition
    warnings: tuple[str, ...] = ()
    #: Predicted cost, filled by the cost model when there is one.
    cost: Mapping[str, Any] | None = None
    #: The input shapes the model was reshaped to before it was planned (``--shape``; ``{}``: as read). The
    #: plan is for the model as it will be compiled, so whatever loads the model for it applies them too.
    shapes: Mapping[str, str] = field(default_factory=dict)
    #: Device name -> the OpenVINO properties it compiles with: what the tool sets (:attr:`PlanDevice.config`)
    #: and, over it, what the user set (``--load-config``, ``--nthreads`` ...), keys sorted. ``{}`` (a plan
    #: from before it was recorded): each device's :attr:`PlanDevice.config`.
    device_config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Device name -> the keys of its :attr:`device_config` the user set, in the order of the devices, keys
    #: sorted: each one, even one set to the tool's default. ``{}`` (the user set nothing, or a plan from
    #: before they were recorded): the keys whose values differ from the tool's defaults.
    user_keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: What the cost model predicts for this plan (an optimized plan always has it).
    predicted: Predicted | None = None

    def config_of(self, name: str) -> dict[str, Any]:
        """The properties device ``name`` compiles with (see :attr:`device_config`)."""
        if name in self.device_config:
            return dict(self.device_config[name])
        return next((dict(d.config) for d in self.devices if d.name == name), {})

    def settings_of(self, name: str) -> dict[str, Any]:
        """The properties the user set on device ``name``: those of :meth:`config_of` named by
        :attr:`user_keys`, or, in a plan without them, those that are not the tool's own defaults
        (:attr:`PlanDevice.config`). A bench option may add to them, not contradict them."""
        config = self.config_of(name)
        if self.user_keys:
            return {key: config[key] for key in self.user_keys.get(name, ()) if key in config}
        defaults = next((d.config for d in self.devices if d.name == name), {})
        return {
            key: value
            for key, value in config.items()
            if key not in defaults or not same_property(key, defaults[key], value)
        }

    def to_devices(self) -> tuple[Device, ...]:
        """The plan's devices again, profiles loaded and the user's settings on them (to plan again with the
        same config)."""
        return tuple(replace(d.to_device(), settings=self.settings_of(d.name)) for d in self.devices)

    @cached_property
    def affinity(self) -> dict[str, str]:
        """``{layer name: device}`` (the affinity-map format); see :attr:`layer_affinity` for ids."""
        return {self.names[lid]: decision.device for lid, decision in self.decisions.items()}

    @cached_property
    def layer_affinity(self) -> dict[int, str]:
        """Layer id -> device: what is put in ``rt_info["affinity"]``."""
        return {lid: decision.device for lid, decision in self.decisions.items()}

    @cached_property
    def placement_digest(self) -> str:
        """SHA-256 of the placement (every layer's device): what a bench run records, so a report can tell
        which of its runs timed this plan."""
        placement = sorted(self.layer_affinity.items())
        return hashlib.sha256(json.dumps(placement).encode()).hexdigest()

    @property
    def subgraph_count(self) -> int:
        """Submodels, as ``HETERO_NUMBER_OF_SUBMODELS`` will report it (fresh Core)."""
        return self.partition.count

    @property
    def priority(self) -> str:
        return "HETERO:" + ",".join(d.name for d in self.devices)

    @cached_property
    def subgraph_operations(self) -> Mapping[int, tuple[int, ...]]:
        """Subgraph index -> its layers but its Parameters and Results (a Constant is in no subgraph's
        layers): what a table counts and names it by."""
        return {
            sg.index: tuple(lid for lid in sg.layers if self.types[lid] not in ("Parameter", "Result"))
            for sg in self.partition.subgraphs
        }

    def layers_per_device(self) -> dict[str, int]:
        """Operations per device in priority order (Parameters, Constants and Results follow them)."""
        counts = Counter(
            d.device for lid, d in self.decisions.items() if self.types[lid] not in STRUCTURAL_TYPES
        )
        return {device.name: counts.get(device.name, 0) for device in self.devices}

    @cached_property
    def fallback_rows(self) -> tuple[FallbackRow, ...]:
        """The operations a device of higher priority refused, grouped by (op type, device they went to,
        reasons), largest groups first."""
        groups: dict[tuple[str, str, str], list[str]] = {}
        for lid, decision in self.decisions.items():
            if decision.source != "fallback" or not decision.rejected or self.types[lid] in STRUCTURAL_TYPES:
                continue
            reason = "; ".join(f"{device}: {why}" for device, why in decision.rejected.items())
            groups.setdefault((self.types[lid], decision.device, reason), []).append(self.names[lid])
        rows = [FallbackRow(t, d, r, tuple(names)) for (t, d, r), names in groups.items()]
        return tuple(sorted(rows, key=lambda row: (-row.count, row.op_type, row.device)))

    @cached_property
    def pinned_rows(self) -> tuple[PinnedRow, ...]:
        """The operations rules and the affinity map pinned, by rule and device, in the plan's layer order."""
        pinned: dict[tuple[str, str], list[str]] = {}
        for lid, decision in self.decisions.items():
            if decision.source in ("rule", "map") and self.types[lid] not in STRUCTURAL_TYPES:
                by = f"rule {decision.rule!r}" if decision.rule else "affinity map"
                pinned.setdefault((by, decision.device), []).append(self.names[lid])
        return tuple(PinnedRow(by, device, tuple(names)) for (by, device), names in pinned.items())

    # -- display ---------------------------------------------------------------------------------------------

    @property
    def headline(self) -> str:
        """The plan in one line: priority, operations per device, subgraphs, bytes cut, predicted ms."""
        ops = ", ".join(f"{name} {count:,}" for name, count in self.layers_per_device().items())
        cut = format_bytes(self.partition.cut_bytes, "dynamic")
        count = self.subgraph_count
        line = (
            f"{self.priority} · {ops} operations · {count:,} subgraph{'s' if count != 1 else ''} · {cut} cut"
        )
        if self.predicted is not None:
            line += f" · predicted {format_ms(self.predicted.ms)} ms"
            if self.predicted.measured_ms is not None:
                line += f", measured {format_ms(self.predicted.measured_ms)} ms"
        return line

    def __repr__(self) -> str:
        return f"<Plan {self.model_name}: {self.headline}>"

    @property
    def legend(self) -> tuple[tuple[str, str], ...]:
        """(device, how to name it) in priority order, emulated devices said to be emulated."""
        return tuple((d.name, d.label) for d in self.devices)

    def strip_row(self, title: str | None = None, times_ms: Mapping[int, float] | None = None) -> StripRow:
        """This plan as a row of the placement strip (:mod:`hetero_tool.display.strip`); ``times_ms``:
        subgraph index -> its measured time, for the time band."""
        from hetero_tool.display.strip import row_from_partition

        return row_from_partition(self.partition, title or self.headline, names=self.names, times_ms=times_ms)

    @cached_property
    def strip(self) -> Strip:
        """The placement strip of this plan (stack plans with ``hetero_tool.report.render.strip_from_plans``).

        Examples
        --------
        >>> from hetero_tool.loaders import plan_from_files
        >>> plan = plan_from_files(samples["detector"], devices="NPU,CPU", emulate="NPU")
        >>> plan.strip
        <Strip: 1 row, 46 layers, 2 subgraphs>
        """
        from hetero_tool.display.strip import Strip

        return Strip((self.strip_row(),), self.legend)

    def _repr_html_(self) -> str:
        """The notebook display: the plan's facts, then its strip."""
        from hetero_tool.display.card import card_html, inline_picture

        cuts = self.partition.cuts
        per_device = Counter(sg.device for sg in self.partition.subgraphs)
        facts = [
            ("devices", ", ".join(label for _, label in self.legend)),
            ("operations", ", ".join(f"{n} {c:,}" for n, c in self.layers_per_device().items())),
            (
                "subgraphs",
                f"{self.subgraph_count:,} (" + ", ".join(f"{d} {n:,}" for d, n in per_device.items()) + ")",
            ),
            (
                "cut",
                f"{len(cuts):,} tensors, {format_bytes(self.partition.cut_bytes, 'dynamic')} per inference",
            ),
        ]
        predicted = self.predicted
        if predicted is not None:
            default = (
                ""
                if predicted.default_ms is None
                else f" (HETERO's default: {format_ms(predicted.default_ms)} ms)"
            )
            facts.append((f"predicted ({predicted.source})", f"{format_ms(predicted.ms)} ms{default}"))
            if predicted.bound_ms is not None and predicted.gap is not None:
                facts.append(
                    ("bound", f"{format_ms(predicted.bound_ms)} ms, gap {100 * predicted.gap:.1f} %")
                )
            if predicted.measured_ms is not None:
                facts.append(("measured", f"{format_ms(predicted.measured_ms)} ms through HETERO"))
        picture, note = inline_picture(
            self.strip.svg, "save plan.strip.svg to a file, or run hetero-tool render --view strip"
        )
        notes = [*self.warnings[:3], note]
        if len(self.warnings) > 3:
            notes.insert(3, f"… and {len(self.warnings) - 3} more warnings (plan.warnings)")
        return card_html(f"Plan of {self.model_name}", facts, picture=picture, notes=notes)

    # -- the file --------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The plan as JSON data, as its file holds it (stable order, no timestamps)."""
        return json_data(_file_from_plan(self))

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, where: str = "plan") -> Plan:
        """The plan :meth:`to_json` gave (validated as a plan file is); errors name ``where``."""
        return PLAN_FILE.convert(data, where=where)

    def save(self, path: str | Path) -> Path:
        """Write the plan as JSON, atomically (a crash leaves the old file or none, never half a plan)."""
        return write_document(path, _file_from_plan(self))


def check_plan(ir: IRModel, plan: Plan) -> None:
    """Raise :class:`~hetero_tool.errors.PlanError` unless ``plan`` places exactly ``ir``'s layers (same ids
    and op types): the check for a plan held in memory, where :func:`load_plan` checks a file by its hash."""
    if plan.decisions.keys() != ir.layers.keys() or any(
        plan.types[lid] != layer.type for lid, layer in ir.layers.items()
    ):
        raise PlanError(
            f"the plan was made for {plan.model_name!r} ({len(plan.decisions)} layers), not for this IR of "
            f"{ir.name!r} ({len(ir.layers)} layers); make the plan for this model"
        )


def make_plan(
    ir: IRModel,
    devices: Sequence[Device],
    *,
    rules: Sequence[Rule] = (),
    affinity_map: Mapping[int, str] | None = None,
    support: Support | None = None,
    model_path: str | Path | None = None,
    map_name: str = "affinity map",
) -> Plan:
    """Assign every layer (affinity map, rules, then fallback priority) and cut the model as HETERO will.
    ``map_name`` is how reasons and errors name the affinity map (its file, say).

    Examples
    --------
    >>> from hetero_tool.devices import resolve_devices
    >>> from hetero_tool.ir import parse_ir
    >>> ir = parse_ir(samples["detector"])
    >>> plan = make_plan(ir, resolve_devices(["NPU", "CPU"], {"NPU": "npu"}, real=["CPU"]))
    >>> plan.priority, plan.subgraph_count > 1
    ('HETERO:NPU,CPU', True)
    """
    support = support or Support(ir)
    assignment = assign_affinity(
        ir, devices, support, rules=rules, affinity_map=affinity_map, map_name=map_name
    )
    partition = collect_subgraphs(ir, assignment.affinity)
    warnings = (
        list(assignment.warnings)
        + _stateful_warnings(ir, partition)
        + _detached_warnings(ir, partition)
        + [f"HETERO will not run this plan: {problem}" for problem in split_shape_problems(ir, partition)]
    )
    return Plan(
        model_path=str(model_path or ir.path),
        model_name=ir.name,
        model_sha256=ir.sha256,
        devices=tuple(PlanDevice.from_device(d) for d in devices),
        decisions={lid: assignment.decisions[lid] for lid in ir.layers},
        names={lid: layer.name for lid, layer in ir.layers.items()},
        types={lid: layer.type for lid, layer in ir.layers.items()},
        partition=partition,
        warnings=tuple(warnings),
        shapes=dict(ir.shapes),
        device_config={d.name: d.compile_config for d in devices},
        user_keys={d.name: tuple(sorted(d.settings)) for d in devices if d.settings},
    )


def load_plan(path: str | Path, ir: IRModel | None = None) -> Plan:
    """Read a plan (validated field by field); with ``ir``, check that it was made for that model.

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.loaders import plan_from_files
    >>> ir = parse_ir(samples["detector"])
    >>> path = plan_from_files(samples["detector"], devices="NPU,CPU", emulate="NPU").save(tmp / "p.json")
    >>> load_plan(path, ir).subgraph_count
    2
    """
    plan = PLAN_FILE.read(path)
    if ir is not None:
        ir.check_made_for(plan.model_sha256, name=plan.model_name, what="plan", where=str(path))
    return plan


def _detached_warnings(ir: IRModel, partition: Partition) -> list[str]:
    """Results cycle breaking cuts off their producer: HETERO 2026.4 fails to compile the plan."""
    if not partition.detached_results:
        return []
    names = ", ".join(repr(ir.layers[lid].name) for lid in partition.detached_results)
    return [
        f"HETERO will not compile this plan: breaking a cycle between subgraphs cuts the Result(s) {names} "
        "off their producer, and OpenVINO 2026.4 fails on that (unordered_map::at); change the affinities "
        "around them"
    ]


def _stateful_warnings(ir: IRModel, partition: Partition) -> list[str]:
    """A ReadValue and its Assign in different submodels: OpenVINO 2026.4 often fails to compile that
    split."""
    where: dict[str, set[int]] = {}
    for lid, layer in ir.layers.items():
        if layer.ir_type in ("ReadValue", "Assign") and lid in partition.subgraph_of:
            where.setdefault(layer.data.get("variable_id", ""), set()).add(partition.subgraph_of[lid])
    return [
        f"variable {variable!r}: its ReadValue and Assign are in different subgraphs; OpenVINO 2026.4 often "
        "fails to compile such a split (keep each pair on one device)"
        for variable, subgraphs in where.items()
        if len(subgraphs) > 1
    ]


# -- the file: a record per layer, subgraph and cut tensor, with what a reader needs without the model -------


class _Model(msgspec.Struct, frozen=True):
    path: str
    name: str
    sha256: str
    shapes: dict[str, str] = {}


class _Layer(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    type: str
    #: The affinity, and where it runs (a Result runs where its producer does).
    device: str
    runs_on: str | None = None
    source: Source
    rule: str | None = None
    reason: str
    rejected: dict[str, str] = {}
    subgraph: Count | None = None
    collector_id: int


class _Subgraph(msgspec.Struct, frozen=True, kw_only=True):
    id: Count
    collector_id: int
    device: str
    layers: tuple[int, ...]
    constants: tuple[int, ...] = ()
    in_bytes: Count | None = None
    out_bytes: Count | None = None


class _Cut(msgspec.Struct, frozen=True, kw_only=True):
    producer: int
    producer_name: str = ""
    port: int
    from_subgraph: Count
    to_subgraphs: tuple[Count, ...]
    consumers: tuple[int, ...]
    #: The producing subgraph's device, then each consuming subgraph's.
    devices: tuple[str, ...] = ()
    bytes: Count | None


class _CycleBreaking(msgspec.Struct, frozen=True):
    heuristic_rounds: Count = 0
    scc_steps: Count = 0


#: A property's value in the file: OpenVINO reads each as text.
_PropertyValue = str | int | float | bool


class _PlanFile(msgspec.Struct, frozen=True, kw_only=True):
    schema_version: Literal[1] = PLAN_SCHEMA_VERSION
    model: _Model
    devices: tuple[PlanDevice, ...]
    #: Each device's OpenVINO properties, as it compiles with them (:attr:`Plan.device_config`).
    device_config: dict[str, dict[str, _PropertyValue]] = {}
    #: The keys of device_config the user set (:attr:`Plan.user_keys`); left out when there are none, as in a
    #: plan from before they were recorded.
    user_keys: dict[str, tuple[str, ...]] | msgspec.UnsetType = msgspec.UNSET
    priority: str = ""
    affinity: dict[str, str] = {}
    layers: tuple[_Layer, ...]
    subgraph_count: Count = 0
    subgraphs: tuple[_Subgraph, ...]
    cuts: tuple[_Cut, ...]
    cycle_breaking: _CycleBreaking = _CycleBreaking()
    detached_results: tuple[int, ...] = ()
    cost: dict[str, Any] | None = None
    predicted: Predicted | None = None
    warnings: tuple[str, ...] = ()


def _file_from_plan(plan: Plan) -> _PlanFile:
    with paused_gc():
        return _file_records(plan)


def _file_records(plan: Plan) -> _PlanFile:
    part = plan.partition
    subgraph_bytes = part.subgraph_bytes
    names, types, runs_on, subgraph_of, collector_ids = (
        plan.names,
        plan.types,
        part.device_of,
        part.subgraph_of,
        part.collector_ids,
    )
    return _PlanFile(
        model=_Model(plan.model_path, plan.model_name, plan.model_sha256, dict(plan.shapes)),
        devices=plan.devices,
        device_config={d.name: plan.config_of(d.name) for d in plan.devices},
        user_keys={
            d.name: tuple(sorted(plan.user_keys[d.name])) for d in plan.devices if plan.user_keys.get(d.name)
        }
        or msgspec.UNSET,
        priority=plan.priority,
        affinity=plan.affinity,
        layers=tuple(
            _Layer(
                id=lid,
                name=names[lid],
                type=types[lid],
                device=d.device,
                runs_on=runs_on.get(lid, d.device),
                source=d.source,
                rule=d.rule,
                reason=d.reason,
                rejected=d.rejected,  # type: ignore[arg-type]
                subgraph=subgraph_of.get(lid),
                collector_id=collector_ids[lid],
            )
            for lid, d in plan.decisions.items()
        ),
        subgraph_count=plan.subgraph_count,
        subgraphs=tuple(
            _Subgraph(
                id=sg.index,
                collector_id=sg.collector_id,
                device=sg.device,
                layers=sg.layers,
                constants=sg.constants,
                in_bytes=subgraph_bytes[sg.index][0],
                out_bytes=subgraph_bytes[sg.index][1],
            )
            for sg in part.subgraphs
        ),
        cuts=tuple(
            _Cut(
                producer=c.producer,
                producer_name=plan.names[c.producer],
                port=c.port,
                from_subgraph=c.from_subgraph,
                to_subgraphs=c.to_subgraphs,
                consumers=c.consumers,
                devices=(
                    part.subgraphs[c.from_subgraph].device,
                    *(part.subgraphs[k].device for k in c.to_subgraphs),
                ),
                bytes=c.bytes,
            )
            for c in part.cuts
        ),
        cycle_breaking=_CycleBreaking(part.cycle_rounds, part.scc_steps),
        detached_results=part.detached_results,
        cost=dict(plan.cost) if plan.cost is not None else None,
        predicted=plan.predicted,
        warnings=plan.warnings,
    )


def _plan_from_file(found: _PlanFile) -> Plan:
    layers = found.layers
    names = [d.name for d in found.devices]
    for device in found.device_config:
        if device not in names:
            raise PlanError(
                f"device_config: {device!r} is not one of the plan's devices ({', '.join(names)})"
            )
    user_keys = found.user_keys if found.user_keys is not msgspec.UNSET else {}
    for device, keys in user_keys.items():
        if device not in names:
            raise PlanError(f"user_keys: {device!r} is not one of the plan's devices ({', '.join(names)})")
        recorded = (
            found.device_config[device]
            if device in found.device_config
            else next(d.config for d in found.devices if d.name == device)
        )
        for key in keys:
            if key not in recorded:
                raise PlanError(f"user_keys: {device}: {key!r} is not in its device_config")
    partition = Partition(
        subgraphs=tuple(
            Subgraph(
                index=s.id,
                collector_id=s.collector_id,
                device=s.device,
                layers=s.layers,
                constants=s.constants,
            )
            for s in found.subgraphs
        ),
        device_of={e.id: e.runs_on or e.device for e in layers},
        collector_ids={e.id: e.collector_id for e in layers},
        cuts=tuple(
            CutTensor(
                producer=c.producer,
                port=c.port,
                from_subgraph=c.from_subgraph,
                to_subgraphs=c.to_subgraphs,
                consumers=c.consumers,
                bytes=c.bytes,
            )
            for c in found.cuts
        ),
        cycle_rounds=found.cycle_breaking.heuristic_rounds,
        scc_steps=found.cycle_breaking.scc_steps,
        subgraph_of={e.id: e.subgraph for e in layers if e.subgraph is not None},
        detached_results=found.detached_results,
    )
    return Plan(
        model_path=found.model.path,
        model_name=found.model.name,
        model_sha256=found.model.sha256,
        devices=found.devices,
        decisions={
            e.id: Decision(e.device, e.source, e.reason, rule=e.rule, rejected=e.rejected) for e in layers
        },
        names={e.id: e.name for e in layers},
        types={e.id: e.type for e in layers},
        partition=partition,
        warnings=found.warnings,
        cost=found.cost,
        predicted=found.predicted,
        shapes=found.model.shapes,
        device_config=found.device_config,
        user_keys=user_keys,
    )


#: The plan file.
PLAN_FILE = Schema("plan", _PlanFile, version=PLAN_SCHEMA_VERSION, build=_plan_from_file)
