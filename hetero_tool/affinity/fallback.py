"""Fallback priority: HETERO's automatic mode, reproduced so that it also works for emulated devices.

HETERO (``Plugin::query_model_update``) asks the first device about the whole model and gives it every layer
it supports; each later device is asked only about what is still unassigned, one connected region at a time,
as a model of its own; the last device is the fallback, and a layer no device supports is an error. Support
comes from :class:`~hetero_tool.devices.support.Support`, so fusion groups and ReadValue/Assign pairs stay
together the way each device's ``query_model`` keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hetero_tool._gc import paused_gc
from hetero_tool.affinity.types import Decision
from hetero_tool.devices.device import Device
from hetero_tool.devices.support import Support
from hetero_tool.errors import InputError
from hetero_tool.ir.order import ordered_layer_ids
from hetero_tool.ir.types import IRModel
from hetero_tool.partition.subgraphs import collect_subgraphs

__all__ = ["assign_by_priority", "remaining_regions", "UNASSIGNED"]

#: The affinity HETERO gives layers no device has taken yet (``"HETERO-TEMP"`` in ``plugin.cpp``).
UNASSIGNED = "HETERO-TEMP"


def assign_by_priority(
    ir: IRModel,
    devices: Sequence[Device],
    support: Support,
    *,
    decided: Mapping[int, Decision] | None = None,
    forbidden: Mapping[int, Mapping[str, str]] | None = None,
) -> dict[int, Decision]:
    """Give every layer not yet ``decided`` to the first device, in priority order, that can run it.

    Parameters
    ----------
    ir
        The model.
    devices
        The priority list, highest first.
    support
        Where device support comes from.
    decided
        Layers already placed (by rules or a map); they count as assigned, so later devices see the rest.
    forbidden
        Layer id -> {device name: reason} the layer must not go to (a rule's ``forbid``).

    Returns
    -------
    dict
        Layer id -> :class:`Decision` for every layer, ``decided`` ones included.

    Raises
    ------
    InputError
        A layer no device can run, named with its type and every device's reason.

    Examples
    --------
    >>> from hetero_tool.devices.device import resolve_devices
    >>> from hetero_tool.ir import parse_ir
    >>> ir = parse_ir(samples["detector"])
    >>> devices = resolve_devices(["NPU", "CPU"], {"NPU": "npu"}, real=["CPU"])
    >>> decisions = assign_by_priority(ir, devices, Support(ir))
    >>> nms = next(lid for lid, layer in ir.layers.items() if layer.type == "NonMaxSuppression")
    >>> decisions[nms].device, sorted(decisions[nms].rejected)
    ('CPU', ['NPU'])
    """
    with paused_gc():  # a Decision per layer, no cycles among them
        return _assign(ir, devices, support, dict(decided or {}), forbidden or {})


def _assign(
    ir: IRModel,
    devices: Sequence[Device],
    support: Support,
    result: dict[int, Decision],
    forbidden: Mapping[int, Mapping[str, str]],
) -> dict[int, Decision]:
    rejected: dict[int, dict[str, str]] = {}  # layer -> {device: reason}, for the layers refused so far
    for device in devices:
        if len(result) == len(ir.layers):
            break
        first_choice = _why(device.name, {})  # the reason of every layer no device refused before
        regions = [None] if not result else remaining_regions(ir, result)
        for verdict in support.query_regions(device, regions):
            bans = {
                lid: ban[device.name]
                for lid, ban in forbidden.items()
                if device.name in ban and lid in verdict
            }
            if bans:
                verdict = support.exclude(verdict, bans, device)
            for lid, reason in verdict.items():
                if lid in result:
                    continue
                if reason is None:
                    refused = rejected.get(lid)
                    result[lid] = (
                        Decision(device.name, "fallback", _why(device.name, refused), rejected=dict(refused))
                        if refused
                        else Decision(device.name, "fallback", first_choice)
                    )
                else:
                    rejected.setdefault(lid, {}).setdefault(device.name, reason)
    if len(result) < len(ir.layers):
        _fail(ir, devices, result, rejected)
    return result


def remaining_regions(ir: IRModel, decided: Mapping[int, Decision]) -> list[list[int]]:
    """The connected regions of undecided layers, cut as HETERO cuts them, in execution order.

    Each region holds its undecided layers and the undecided Constants they consume.
    """
    affinity = {lid: decided[lid].device if lid in decided else UNASSIGNED for lid in ir.layers}
    partition = collect_subgraphs(ir, affinity)
    regions = []
    for subgraph in partition.subgraphs:
        if subgraph.device != UNASSIGNED:
            continue
        layers = [lid for lid in subgraph.layers if lid not in decided]
        layers += [lid for lid in subgraph.constants if lid not in decided]
        if layers:
            regions.append(layers)
    return regions


def _why(device: str, rejected: Mapping[str, str]) -> str:
    if not rejected:
        return f"{device} is the first device in priority order that runs it"
    refused = "; ".join(f"{name}: {reason}" for name, reason in rejected.items())
    return f"{refused}; so {device}"


def _fail(
    ir: IRModel,
    devices: Sequence[Device],
    result: Mapping[int, Decision],
    rejected: Mapping[int, Mapping[str, str]],
) -> None:
    """Name the first layer (in OpenVINO's order, operations before Parameters/Constants/Results) no device
    took."""
    order = ordered_layer_ids(ir)
    missing = [lid for lid in order if lid not in result]
    structural = ("Parameter", "Const", "Result")
    missing.sort(key=lambda lid: ir.layers[lid].ir_type in structural)  # stable: compute layers first
    layer = ir.layers[missing[0]]
    refused = rejected.get(layer.id, {})
    reasons = "; ".join(
        f"{device.name}: {refused.get(device.name, 'not offered it (region already taken)')}"
        for device in devices
    )
    more = f" (and {len(missing) - 1} more layers)" if len(missing) > 1 else ""
    raise InputError(f"{layer.label}, a {layer.type}, runs on none of the devices: {reasons}{more}")
