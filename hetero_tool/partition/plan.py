"""The plan: where every layer runs and why, and the subgraphs HETERO will cut from it, as one JSON file.

OpenVINO cannot store affinities in an IR (``ov.save_model`` drops ``rt_info["affinity"]``), so a plan travels
as its own file and is applied to the model when it is compiled. A plan is bound to one model by the SHA-256 of
its IR; loading it for another model is an error.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hetero_tool._files import read_json, write_atomic
from hetero_tool.affinity.assign import assign_affinity
from hetero_tool.affinity.rules import Rule
from hetero_tool.affinity.types import Decision
from hetero_tool.devices.device import Device
from hetero_tool.devices.support import Support
from hetero_tool.errors import InputError, PlanError
from hetero_tool.ir.types import STRUCTURAL_TYPES, IRModel
from hetero_tool.partition.subgraphs import CutTensor, Partition, Subgraph, collect_subgraphs

__all__ = [
    "Plan",
    "PlanDevice",
    "FallbackRow",
    "make_plan",
    "plan_model",
    "load_plan",
    "check_plan",
    "fallback_rows",
    "model_sha256",
    "PLAN_SCHEMA_VERSION",
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
    #: OpenVINO properties it compiles with.
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
        return f"{self.name} (emulated: {self.profile} profile on the CPU plugin)" if self.emulated else self.name

    def to_device(self) -> Device:
        """The :class:`~hetero_tool.devices.device.Device` again, its profile loaded (to query op support)."""
        from hetero_tool.devices.device import resolve_devices

        emulate = {self.name: self.profile} if self.emulated and self.profile else {}
        return resolve_devices([self.name], emulate)[0]


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

    @property
    def affinity(self) -> dict[str, str]:
        """``{layer name: device}`` (the affinity-map format); see :attr:`layer_affinity` for ids."""
        return {self.names[lid]: decision.device for lid, decision in self.decisions.items()}

    @property
    def layer_affinity(self) -> dict[int, str]:
        """Layer id -> device: what is put in ``rt_info["affinity"]``."""
        return {lid: decision.device for lid, decision in self.decisions.items()}

    @property
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

    def layers_per_device(self) -> dict[str, int]:
        """Layers per device in priority order, Parameters, Constants and Results excluded."""
        counts = Counter(
            d.device for lid, d in self.decisions.items() if self.types[lid] not in STRUCTURAL_TYPES
        )
        return {device.name: counts.get(device.name, 0) for device in self.devices}

    def subgraph_bytes(self, subgraph: Subgraph) -> tuple[int | None, int | None]:
        """Bytes copied into and out of ``subgraph`` (``None`` when a cut tensor's size is dynamic)."""
        inbound = [c.bytes for c in self.partition.cuts if subgraph.index in c.to_subgraphs]
        outbound = [c.bytes for c in self.partition.cuts if c.from_subgraph == subgraph.index]
        return _total(inbound), _total(outbound)

    # -- JSON ----------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The plan as a JSON-ready dict (stable order, no timestamps)."""
        part = self.partition
        return {
            "schema_version": PLAN_SCHEMA_VERSION,
            "model": {"path": self.model_path, "name": self.model_name, "sha256": self.model_sha256},
            "devices": [
                {"name": d.name, "emulated": d.emulated, "profile": d.profile, "ov_name": d.ov_name,
                 "config": dict(d.config)}
                for d in self.devices
            ],  # fmt: skip
            "priority": self.priority,
            "affinity": self.affinity,
            "layers": [
                {
                    "id": lid,
                    "name": self.names[lid],
                    "type": self.types[lid],
                    "device": d.device,
                    "runs_on": part.device_of.get(lid, d.device),
                    "source": d.source,
                    "rule": d.rule,
                    "reason": d.reason,
                    "rejected": dict(d.rejected),
                    "subgraph": part.subgraph_of.get(lid),
                    "collector_id": part.collector_ids.get(lid),
                }
                for lid, d in self.decisions.items()
            ],
            "subgraph_count": self.subgraph_count,
            "subgraphs": [
                {
                    "id": sg.index,
                    "collector_id": sg.collector_id,
                    "device": sg.device,
                    "layers": list(sg.layers),
                    "constants": list(sg.constants),
                    "in_bytes": self.subgraph_bytes(sg)[0],
                    "out_bytes": self.subgraph_bytes(sg)[1],
                }
                for sg in part.subgraphs
            ],
            "cuts": [
                {
                    "producer": c.producer,
                    "producer_name": self.names[c.producer],
                    "port": c.port,
                    "from_subgraph": c.from_subgraph,
                    "to_subgraphs": list(c.to_subgraphs),
                    "consumers": list(c.consumers),
                    "devices": [part.subgraphs[c.from_subgraph].device]
                    + [part.subgraphs[k].device for k in c.to_subgraphs],
                    "bytes": c.bytes,
                }
                for c in part.cuts
            ],
            "cycle_breaking": {"heuristic_rounds": part.cycle_rounds, "scc_steps": part.scc_steps},
            "detached_results": list(part.detached_results),
            "cost": dict(self.cost) if self.cost is not None else None,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, where: str = "plan") -> Plan:
        """Rebuild a plan from :meth:`to_json` output. Errors name ``where`` and the missing key."""
        try:
            if data["schema_version"] != PLAN_SCHEMA_VERSION:
                raise InputError(f"{where}: schema_version {data['schema_version']} is not "
                                 f"{PLAN_SCHEMA_VERSION}; make the plan again with this version")  # fmt: skip
            layers = data["layers"]
            decisions = {
                int(e["id"]): Decision(e["device"], e["source"], e["reason"], rule=e.get("rule"),
                                       rejected=dict(e.get("rejected", {})))  # fmt: skip
                for e in layers
            }
            subgraphs = tuple(
                Subgraph(index=s["id"], collector_id=s["collector_id"], device=s["device"],
                         layers=tuple(s["layers"]), constants=tuple(s.get("constants", ())))  # fmt: skip
                for s in data["subgraphs"]
            )
            cuts = tuple(
                CutTensor(producer=c["producer"], port=c["port"], from_subgraph=c["from_subgraph"],
                          to_subgraphs=tuple(c["to_subgraphs"]), consumers=tuple(c["consumers"]), bytes=c["bytes"])
                for c in data["cuts"]
            )  # fmt: skip
            partition = Partition(
                subgraphs=subgraphs,
                device_of={int(e["id"]): e.get("runs_on", e["device"]) for e in layers},
                collector_ids={int(e["id"]): e["collector_id"] for e in layers},
                cuts=cuts,
                cycle_rounds=data.get("cycle_breaking", {}).get("heuristic_rounds", 0),
                scc_steps=data.get("cycle_breaking", {}).get("scc_steps", 0),
                subgraph_of={int(e["id"]): e["subgraph"] for e in layers if e.get("subgraph") is not None},
                detached_results=tuple(data.get("detached_results", ())),
            )
            return cls(
                model_path=data["model"]["path"],
                model_name=data["model"]["name"],
                model_sha256=data["model"]["sha256"],
                devices=tuple(
                    PlanDevice(d["name"], d.get("emulated", False), d.get("profile"), d.get("ov_name"),
                               d.get("config", {}))
                    for d in data["devices"]
                ),  # fmt: skip
                decisions=decisions,
                names={int(e["id"]): e["name"] for e in layers},
                types={int(e["id"]): e["type"] for e in layers},
                partition=partition,
                warnings=tuple(data.get("warnings", ())),
                cost=data.get("cost"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{where}: not a hetero-tool plan ({type(exc).__name__}: {exc})") from None

    def save(self, path: str | Path) -> Path:
        """Write the plan as JSON, atomically (a crash leaves the old file or none, never half a plan)."""
        return write_atomic(path, json.dumps(self.to_json(), indent=2) + "\n")


def model_sha256(ir: IRModel) -> str:
    """SHA-256 of the IR a plan's layer ids refer to: the ``.xml`` bytes, then the ``.bin`` bytes."""
    digest = hashlib.sha256()
    for path in (ir.path, ir.weights_path):
        if path is not None:
            with open(path, "rb") as stream:
                for chunk in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(chunk)
    return digest.hexdigest()


def check_plan(ir: IRModel, plan: Plan) -> None:
    """Raise :class:`~hetero_tool.errors.PlanError` unless ``plan`` places exactly ``ir``'s layers (same ids and
    op types): the check for a plan held in memory, where :func:`load_plan` checks a file by its hash."""
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
) -> Plan:
    """Assign every layer (affinity map, rules, then fallback priority) and cut the model as HETERO will.

    Examples
    --------
    >>> import tempfile
    >>> from hetero_tool.devices.device import resolve_devices
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.samples import save_samples
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     ir = parse_ir(save_samples(tmp, names=["detector"])["detector"])
    ...     plan = make_plan(ir, resolve_devices(["NPU", "CPU"], {"NPU": "npu"}, real=["CPU"]))
    >>> plan.priority, plan.subgraph_count > 1
    ('HETERO:NPU,CPU', True)
    """
    support = support or Support(ir)
    assignment = assign_affinity(ir, devices, support, rules=rules, affinity_map=affinity_map)
    partition = collect_subgraphs(ir, assignment.affinity)
    warnings = list(assignment.warnings) + _stateful_warnings(ir, partition) + _detached_warnings(ir, partition)
    return Plan(
        model_path=str(model_path or ir.path),
        model_name=ir.name,
        model_sha256=model_sha256(ir),
        devices=tuple(PlanDevice.from_device(d) for d in devices),
        decisions={lid: assignment.decisions[lid] for lid in ir.layers},
        names={lid: layer.name for lid, layer in ir.layers.items()},
        types={lid: layer.type for lid, layer in ir.layers.items()},
        partition=partition,
        warnings=tuple(warnings),
    )


def load_plan(path: str | Path, ir: IRModel | None = None) -> Plan:
    """Read a plan; with ``ir``, check that it was made for that model (same IR SHA-256)."""
    path = Path(path)
    data = read_json(path, "plan")
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a hetero-tool plan")
    plan = Plan.from_json(data, where=str(path))
    if ir is not None:
        digest = model_sha256(ir)
        if digest != plan.model_sha256:
            raise PlanError(
                f"{path}: the plan was made for {plan.model_name!r} (IR sha256 {plan.model_sha256[:12]}...), "
                f"not for {ir.path} (sha256 {digest[:12]}...)"
            )
    return plan


def _total(values: Sequence[int | None]) -> int | None:
    return None if any(v is None for v in values) else sum(values)


def _detached_warnings(ir: IRModel, partition: Partition) -> list[str]:
    """Results cycle breaking cuts off their producer: HETERO 2026.4 fails to compile the plan."""
    if not partition.detached_results:
        return []
    names = ", ".join(repr(ir.layers[lid].name) for lid in partition.detached_results)
    return [
        f"HETERO will not compile this plan: breaking a cycle between subgraphs cuts the Result(s) {names} off "
        "their producer, and OpenVINO 2026.4 fails on that (unordered_map::at); change the affinities around them"
    ]


def _stateful_warnings(ir: IRModel, partition: Partition) -> list[str]:
    """A ReadValue and its Assign in different submodels: OpenVINO 2026.4 often fails to compile that split."""
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


def fallback_rows(plan: Plan) -> list[FallbackRow]:
    """Group the layers that fell back by (op type, device they went to, reason), largest groups first.

    Only operations count; Parameters, Constants and Results follow them.
    """
    groups: dict[tuple[str, str, str], list[str]] = {}
    for lid, decision in plan.decisions.items():
        if decision.source != "fallback" or not decision.rejected:
            continue
        if plan.types[lid] in STRUCTURAL_TYPES:
            continue
        reason = "; ".join(f"{device}: {why}" for device, why in decision.rejected.items())
        groups.setdefault((plan.types[lid], decision.device, reason), []).append(plan.names[lid])
    rows = [FallbackRow(t, d, r, tuple(names)) for (t, d, r), names in groups.items()]
    return sorted(rows, key=lambda row: (-row.count, row.op_type, row.device))


def plan_model(
    model: str | Path,
    *,
    devices: str | Sequence[str],
    emulate: str | Sequence[str] = (),
    rules: str | Path | None = None,
    affinity: str | Path | None = None,
) -> Plan:
    """Everything ``hetero-tool plan`` does, from file names and option strings to a :class:`Plan`.

    ``devices`` is a priority list (``"HETERO:NPU,CPU"`` or ``["NPU", "CPU"]``), ``emulate`` holds
    ``NAME[=PROFILE]`` values (one string or several), ``rules`` a rules TOML and ``affinity`` a
    ``{layer name: device}`` JSON map.

    Examples
    --------
    >>> import tempfile
    >>> from hetero_tool.samples import save_samples
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     xml = save_samples(tmp, names=["detector"])["detector"]
    ...     plan = plan_model(xml, devices=["NPU", "CPU"], emulate="NPU")
    >>> plan.priority, [d.emulated for d in plan.devices]
    ('HETERO:NPU,CPU', [True, False])
    """
    from hetero_tool.affinity.rules import load_affinity_map, load_rules
    from hetero_tool.devices.device import parse_emulate, resolve_devices
    from hetero_tool.devices.names import parse_devices
    from hetero_tool.ir.formats import load_ir

    ir = load_ir(model)
    names = parse_devices(devices if isinstance(devices, str) else ",".join(devices))
    chosen = resolve_devices(names, parse_emulate([emulate] if isinstance(emulate, str) else emulate))
    return make_plan(
        ir,
        chosen,
        rules=load_rules(rules) if rules else (),
        affinity_map=load_affinity_map(affinity, ir) if affinity else None,
        model_path=model,
    )
