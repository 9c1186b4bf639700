"""Assign a device to every layer: an affinity map, then rules, then fallback priority for the rest."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import msgspec

from hetero_tool.affinity.fallback import assign_by_priority
from hetero_tool.affinity.rules import Rule, match_layers
from hetero_tool.affinity.types import Assignment, Decision
from hetero_tool.devices.device import Device
from hetero_tool.devices.support import Support
from hetero_tool.errors import InputError
from hetero_tool.ir.order import ordered_layer_ids
from hetero_tool.ir.types import IRModel

__all__ = ["Constraints", "assign_affinity", "rule_constraints"]


def assign_affinity(
    ir: IRModel,
    devices: Sequence[Device],
    support: Support,
    *,
    rules: Sequence[Rule] = (),
    affinity_map: Mapping[int, str] | None = None,
    map_name: str = "affinity map",
) -> Assignment:
    """Place every layer, saying for each where the decision came from and why.

    1. The affinity map pins the layers it lists.
    2. Rules, in order: the first pin rule that matches a layer pins it; forbid rules restrict the others.
    3. A Parameter, Constant or Result whose neighbours are all pinned to one device follows them (HETERO runs
       a Result with its producer, clones a Constant into its consumers' submodels, and gives a Parameter
       whose consumers are elsewhere a submodel of its own).
    4. Everything else falls back by priority, as HETERO's automatic mode does
       (:func:`~hetero_tool.affinity.fallback.assign_by_priority`).
    5. Layers sharing a friendly name all take the device of the first of them in ``get_ordered_ops()``
       order: HETERO keys affinities by friendly name (``emplace`` into a name -> device map), so that is
       where they run. Each such move is a warning.

    A pin to a device outside the list, or to a device that cannot run the layer, is an error naming the rule
    (or map) and layers; a rule that matches nothing is a warning.

    Examples
    --------
    >>> from hetero_tool.affinity.rules import Match, Rule
    >>> from hetero_tool.devices.device import resolve_devices
    >>> from hetero_tool.ir import parse_ir
    >>> ir = parse_ir(samples["mobilenet"])
    >>> devices = resolve_devices(["NPU", "CPU"], {"NPU": "npu"}, real=["CPU"])
    >>> rule = Rule("softmax on CPU", Match(types=frozenset({"Softmax"})), pin="CPU")
    >>> assignment = assign_affinity(ir, devices, Support(ir), rules=[rule])
    >>> softmax = next(lid for lid, layer in ir.layers.items() if layer.type == "Softmax")
    >>> assignment.decisions[softmax].source, assignment.decisions[softmax].rule
    ('rule', 'softmax on CPU')
    """
    constraints = rule_constraints(
        ir, devices, support, rules=rules, affinity_map=affinity_map, map_name=map_name
    )
    decided = dict(constraints.pinned)
    warnings = list(constraints.warnings)
    _follow(ir, decided)
    decisions = assign_by_priority(ir, devices, support, decided=decided, forbidden=constraints.forbidden)
    decisions = _by_friendly_name(ir, decisions, warnings)
    return Assignment(devices=tuple(devices), decisions=decisions, warnings=tuple(warnings))


@dataclass(frozen=True)
class Constraints:
    """What an affinity map and rules decide before any device is asked: pins, forbids, warnings."""

    #: Layer id -> its pin (source ``"map"`` or ``"rule"``).
    pinned: Mapping[int, Decision]
    #: Layer id -> device -> why the layer may not go there.
    forbidden: Mapping[int, Mapping[str, str]]
    warnings: tuple[str, ...] = ()


def rule_constraints(
    ir: IRModel,
    devices: Sequence[Device],
    support: Support,
    *,
    rules: Sequence[Rule] = (),
    affinity_map: Mapping[int, str] | None = None,
    map_name: str = "affinity map",
) -> Constraints:
    """The pins and forbids of an affinity map and rules (the map first, then the rules in order), checked:
    an unknown device, or a pin to a device that cannot run the layer or that a rule forbids, is an error
    naming the rule (or map) and layers. Both :func:`assign_affinity` and the optimizer place under them.

    Examples
    --------
    >>> from hetero_tool.affinity.rules import Match, Rule
    >>> from hetero_tool.devices.device import resolve_devices
    >>> from hetero_tool.ir import parse_ir
    >>> ir = parse_ir(samples["mobilenet"])
    >>> devices = resolve_devices(["NPU", "CPU"], {"NPU": "npu"}, real=["CPU"])
    >>> rule = Rule("no HSwish on NPU", Match(types=frozenset({"HSwish"})), forbid=("NPU",))
    >>> found = rule_constraints(ir, devices, Support(ir), rules=[rule])
    >>> len(found.forbidden), found.pinned
    (5, {})
    """
    names = [device.name for device in devices]
    by_name = {device.name: device for device in devices}
    decided: dict[int, Decision] = {}
    warnings: list[str] = []
    for lid, device in (affinity_map or {}).items():
        if device not in by_name:
            raise InputError(
                f"{map_name}: {ir.layers[lid].label} is mapped to {device}, which is not in the "
                f"device list {','.join(names)}"
            )
        decided[lid] = Decision(device, "map", f"the {map_name} puts it on {device}")
    forbidden: dict[int, dict[str, str]] = {}
    for rule in rules:
        for device in (rule.pin,) if rule.pin else rule.forbid:
            if device not in by_name:
                raise InputError(
                    f"rule {rule.name!r} names {device}, which is not in the device list {','.join(names)}"
                )
        matched = match_layers(ir, rule)
        if not matched:
            warnings.append(f"rule {rule.name!r} matches no layer of {ir.name!r}")
            continue
        for lid in matched:
            if rule.pin:
                if lid not in decided:
                    decided[lid] = Decision(
                        rule.pin, "rule", f"rule {rule.name!r} pins it to {rule.pin}", rule=rule.name
                    )
            else:
                for device in rule.forbid:
                    forbidden.setdefault(lid, {}).setdefault(device, f"forbidden by rule {rule.name!r}")
    _check_pins(ir, devices, support, decided, forbidden, map_name)
    return Constraints(pinned=decided, forbidden=forbidden, warnings=tuple(warnings))


def _check_pins(
    ir: IRModel,
    devices: Sequence[Device],
    support: Support,
    decided: Mapping[int, Decision],
    forbidden: Mapping[int, Mapping[str, str]],
    map_name: str,
) -> None:
    """Every pinned layer must be runnable on its device and not forbidden there."""

    def origin(lid: int) -> str:
        return f"rule {decided[lid].rule!r}" if decided[lid].rule else f"the {map_name}"

    for device in devices:
        pinned = [lid for lid, d in decided.items() if d.device == device.name]
        if not pinned:
            continue
        for lid in pinned:
            if device.name in forbidden.get(lid, {}):
                raise InputError(
                    f"{origin(lid)} pins {ir.layers[lid].label} to {device.name}, but "
                    f"{forbidden[lid][device.name]}"
                )
        verdict = support.query(device)
        bad = [lid for lid in pinned if verdict[lid] is not None]
        if bad:
            shown = "; ".join(
                f"{ir.layers[lid].label} ({ir.layers[lid].type}): {verdict[lid]}" for lid in bad[:3]
            )
            more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
            raise InputError(
                f"{origin(bad[0])} pins layers to {device.label} that it cannot run: {shown}{more}"
            )


def _by_friendly_name(
    ir: IRModel, decisions: Mapping[int, Decision], warnings: list[str]
) -> dict[int, Decision]:
    """Give layers that share a friendly name the device of the first of them, as HETERO does."""
    result = dict(decisions)
    if len({layer.name for layer in ir.layers.values()}) == len(ir.layers):  # unique names: nothing moves
        return result
    first: dict[str, int] = {}
    for lid in ordered_layer_ids(ir):
        first.setdefault(ir.layers[lid].name, lid)
    for lid, decision in decisions.items():
        owner = first[ir.layers[lid].name]
        device = decisions[owner].device
        if owner == lid or decision.device == device:
            continue
        result[lid] = msgspec.structs.replace(
            decision,
            device=device,
            reason=f"shares its name with {ir.layers[owner].label}, which goes to {device}: HETERO keys "
            f"affinities by friendly name (instead of {decision.device}: {decision.reason})",
        )
        warnings.append(
            f"{ir.layers[lid].label} runs on {device}, not {decision.device}: HETERO places layers by "
            f"friendly name, and layer {owner} of the same name goes to {device}; give the layers distinct "
            "names"
        )
    return result


def _follow(ir: IRModel, decided: dict[int, Decision]) -> None:
    """Place unpinned Parameters, Constants and Results whose neighbours are all pinned: with them when they
    went to one device; a Parameter or Constant whose consumers went to several, with the first of those in
    ``get_ordered_ops()`` order (HETERO clones a Constant into each consumer's submodel and feeds a
    Parameter's consumers across the cut, so any of their devices runs it)."""
    if not decided:  # nothing pinned: no neighbour to follow
        return
    position: dict[int, int] | None = None
    for lid, layer in ir.layers.items():
        if lid in decided or layer.ir_type not in ("Parameter", "Const", "Result"):
            continue
        neighbours = [src for src, _ in ir.sources(lid)] if layer.ir_type == "Result" else ir.consumers(lid)
        if not neighbours or not all(n in decided for n in neighbours):
            continue
        devices = list(dict.fromkeys(decided[n].device for n in neighbours))
        if len(devices) == 1:
            role = "its producer runs" if layer.ir_type == "Result" else "its consumers run"
            decided[lid] = Decision(devices[0], "follows", f"{role} on {devices[0]}")
            continue
        if position is None:
            position = {x: k for k, x in enumerate(ordered_layer_ids(ir))}
        first = min(neighbours, key=position.__getitem__)
        device = decided[first].device
        how = (
            "clones it into each of their submodels"
            if layer.ir_type == "Const"
            else "feeds them across the cut"
        )
        decided[lid] = Decision(
            device,
            "follows",
            f"its consumers run on {' and '.join(sorted(devices))}; HETERO {how}, so it goes with the "
            f"first of them, {ir.layers[first].label}, to {device}",
        )
