"""The placement problem: which device each unit of a model may run on, and what every choice costs.

A *unit* is what must share a device: one operation, or the operations OpenVINO fuses into one op, or
layers HETERO places together because they share a friendly name; a Parameter is a unit too (its device
decides whether its tensor is copied). Constants and Results are no units: HETERO clones a Constant into
each consumer's submodel and runs a Result with its producer. Units are numbered in ``get_ordered_ops()``
order of their first layer; :attr:`Problem.order` is a topological order of them.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hetero_tool.affinity import Constraints
from hetero_tool.cost.model import CostModel
from hetero_tool.devices import Device, Support
from hetero_tool.ir.types import IRModel

__all__ = ["Problem", "Tensor", "problem_from_graph", "problem_from_model"]


@dataclass(frozen=True)
class Tensor:
    """An output of a unit that other units consume: where it goes and what crossing costs."""

    producer: int
    #: Consuming units (the producer itself left out), ascending.
    consumers: tuple[int, ...]
    #: Bytes per inference (``None``: a dynamic shape).
    nbytes: int | None


@dataclass(frozen=True)
class Problem:
    """Units, their allowed devices and costs, and the edges and tensors between them (all by index)."""

    #: The model (``None`` for a synthetic problem, :func:`problem_from_graph`).
    ir: IRModel | None
    #: Device names in priority order; a device is referred to by its index here.
    devices: tuple[str, ...]
    #: Layer ids of each unit, in ``get_ordered_ops()`` order of their first layer.
    units: tuple[tuple[int, ...], ...]
    #: Layer id -> its unit (operations and Parameters).
    unit_of: Mapping[int, int]
    #: Per unit, the indices of the devices it may run on (support, rules and pins), ascending.
    allowed: tuple[tuple[int, ...], ...]
    #: Unit edges ``(producer, consumer)``, deduplicated, ascending.
    edges: tuple[tuple[int, int], ...]
    #: The units in a topological order of :attr:`edges`.
    order: tuple[int, ...]
    tensors: tuple[Tensor, ...]
    #: Per unit, per device: µs of its operations (fusions inside the unit free).
    compute_us: tuple[tuple[float, ...], ...]
    #: ``(unit, partner unit, per-device µs)``: what ``unit`` costs extra on a device its partner is not on.
    fusions: tuple[tuple[int, int, tuple[float, ...]], ...]
    cost: CostModel
    #: Why a device cannot take a unit, for the units of one layer: layer id -> device -> reason.
    refused: Mapping[int, Mapping[str, str]]
    #: Per unit: bytes of the Constants it reads (weights), and of its outputs (activations; dynamic: 0).
    weight_bytes: tuple[int, ...] = ()
    output_bytes: tuple[int, ...] = ()
    #: Per unit: whether it is a Constant (see :func:`_is_unit`): it joins its same-device consumers into one
    #: subgraph, but HETERO clones it into each consumer's submodel, so it is no subgraph of its own and no
    #: tensor crosses from it.
    glue: tuple[bool, ...] = ()

    @property
    def size(self) -> int:
        return len(self.units)

    def transfer_us(self, src: int, dst: int, nbytes: int | None) -> float:
        return self.cost.transfer_us(self.devices[src], self.devices[dst], nbytes)

    def layers_from_placement(self, placement: Sequence[int]) -> dict[int, str]:
        """Layer id -> device name for every unit's layers."""
        return {lid: self.devices[d] for unit, d in zip(self.units, placement) for lid in unit}

    def memory_use(self, placement: Sequence[int]) -> list[tuple[int, int]]:
        """Per device, ``(weights, peak live activations)`` in bytes: the weights of its units, and the
        largest sum of its units' outputs alive at one step of :attr:`order` (from the producer's step to
        its last consumer's)."""
        k = len(self.devices)
        weights = [0] * k
        for u, d in enumerate(placement):
            weights[d] += self.weight_bytes[u] if self.weight_bytes else 0
        if not self.output_bytes:
            return [(w, 0) for w in weights]
        change = [[0] * (self.size + 1) for _ in range(k)]
        for u, (start, end) in enumerate(self.live_steps):
            change[placement[u]][start] += self.output_bytes[u]
            change[placement[u]][end + 1] -= self.output_bytes[u]
        peaks = []
        for d in range(k):
            live = peak = 0
            for delta in change[d]:
                live += delta
                peak = max(peak, live)
            peaks.append(peak)
        return list(zip(weights, peaks))

    @property
    def live_steps(self) -> list[tuple[int, int]]:
        """Per unit, the first and last step of :attr:`order` its outputs are alive in."""
        rank = {u: i for i, u in enumerate(self.order)}
        last = [rank[u] for u in range(self.size)]
        for u, w in self.edges:
            last[u] = max(last[u], rank[w])
        return [(rank[u], last[u]) for u in range(self.size)]

    def placement_from_layers(self, affinity: Mapping[int, str]) -> list[int]:
        """Per unit, the index of the device ``affinity`` gives its layers: the first layer's, or, where the
        layers disagree (HETERO's fallback split a group the unit keeps whole), the first of their devices the
        unit may run on."""
        index = {name: k for k, name in enumerate(self.devices)}
        placement = []
        for unit, allowed in zip(self.units, self.allowed):
            found = [index[affinity[lid]] for lid in unit]
            placement.append(next((d for d in found if d in allowed), allowed[0] if allowed else found[0]))
        return placement


def problem_from_model(
    ir: IRModel,
    devices: Sequence[Device],
    support: Support,
    constraints: Constraints,
    cost: CostModel,
) -> Problem:
    """The placement problem of ``ir`` on ``devices``: what each device's ``query_model`` supports, minus what
    rules forbid, pins fixed; units as the module docstring says.

    Examples
    --------
    >>> from hetero_tool.affinity import rule_constraints
    >>> from hetero_tool.cost.model import cost_model_from_estimates
    >>> from hetero_tool.devices import resolve_devices
    >>> from hetero_tool.ir import parse_ir
    >>> ir = parse_ir(samples["transformer"])
    >>> devices = resolve_devices(["NPU", "CPU"], {"NPU": "npu"}, real=["CPU"])
    >>> support = Support(ir)
    >>> constraints, cost = rule_constraints(ir, devices, support), cost_model_from_estimates(ir, devices)
    >>> problem = problem_from_model(ir, devices, support, constraints, cost)
    >>> max(len(unit) for unit in problem.units)  # an attention core is one unit
    7
    >>> rank = {u: k for k, u in enumerate(problem.order)}
    >>> all(rank[u] < rank[w] for u, w in problem.edges)
    True
    """
    names = tuple(d.name for d in devices)
    walk = ir.ordered
    members = [lid for lid in walk.ids if _is_unit(ir, lid)]
    verdicts = [support.query(device) for device in devices]
    refused: dict[int, dict[str, str]] = {}
    for lid in members:
        for device, verdict in zip(devices, verdicts):
            why = verdict.get(lid) or constraints.forbidden.get(lid, {}).get(device.name)
            if why:
                refused.setdefault(lid, {})[device.name] = why
        pin = constraints.pinned.get(lid)
        if pin is not None:
            for name in names:
                if name != pin.device:
                    refused.setdefault(lid, {}).setdefault(name, f"pinned to {pin.device}: {pin.reason}")
    groups = _groups(ir, support, members, names, refused)
    units, unit_of, edges, order = _units(ir, members, groups)
    if order is None:  # a group that is not convex makes a cycle of units: keep every layer a unit of its own
        units, unit_of, edges, order = _units(ir, members, {})
    assert order is not None
    allowed = tuple(
        tuple(d for d, name in enumerate(names) if all(name not in refused.get(lid, {}) for lid in unit))
        for unit in units
    )
    glue = tuple(len(unit) == 1 and ir.layers[unit[0]].ir_type == "Const" for unit in units)
    tensors: list[Tensor] = []
    for lid in members:
        u = unit_of[lid]
        if glue[u]:
            continue
        for port in ir.layers[lid].outputs:
            consumers = {unit_of[c] for c in ir.consumers(lid, port.id) if c in unit_of} - {u}
            if consumers:
                tensors.append(Tensor(u, tuple(sorted(consumers)), port.nbytes))
    compute = tuple(
        tuple(sum(cost.layer_us[name].get(lid, 0.0) for lid in unit) for name in names) for unit in units
    )
    fusions = []
    for lid, partner in cost.fused_with.items():
        if lid in unit_of and partner in unit_of and unit_of[lid] != unit_of[partner]:
            extra = tuple(cost.fusion_us(lid, name) for name in names)
            if any(extra):
                fusions.append((unit_of[lid], unit_of[partner], extra))
    layers = ir.layers
    weight_bytes = tuple(
        sum(
            layers[src].output_port(port).nbytes or 0
            for lid in unit
            for src, port in ir.sources(lid)
            if layers[src].ir_type == "Const"
        )
        for unit in units
    )
    output_bytes = tuple(
        0 if is_glue else sum(port.nbytes or 0 for lid in unit for port in layers[lid].outputs)
        for unit, is_glue in zip(units, glue)
    )
    return Problem(
        ir=ir,
        devices=names,
        units=tuple(units),
        unit_of=unit_of,
        allowed=allowed,
        edges=edges,
        order=order,
        tensors=tuple(tensors),
        compute_us=compute,
        fusions=tuple(sorted(fusions)),
        cost=cost,
        refused=refused,
        weight_bytes=weight_bytes,
        output_bytes=output_bytes,
        glue=glue,
    )


def _is_unit(ir: IRModel, lid: int) -> bool:
    """Whether a layer is placed as (part of) a unit: an operation or a Parameter; a Constant when its place
    matters, that is when it feeds two operations (HETERO's collector joins every consumer on its device
    into one subgraph through it) or no operation at all (feeding only a Result, it follows no one)."""
    layer = ir.layers[lid]
    if layer.ir_type == "Result":
        return False
    if layer.ir_type != "Const":
        return True
    users = {c for c in ir.consumers(lid) if ir.layers[c].ir_type != "Result"}
    return len(users) != 1


def problem_from_graph(
    size: int,
    edges: Sequence[tuple[int, int]],
    *,
    devices: int = 2,
    compute: Sequence[Sequence[float]] | None = None,
    allowed: Sequence[Sequence[int]] | None = None,
    nbytes: int | Sequence[int] = 1000,
    subgraph_us: float | Sequence[float] = 10.0,
    ns_per_byte: float = 1.0,
    weights: Sequence[int] | None = None,
) -> Problem:
    """A synthetic problem of ``size`` single-layer units (layer id = unit) over a DAG, for tests and
    experiments: devices ``D0``, ``D1`` ..., each unit's output one tensor of ``nbytes`` to all its consumers,
    each unit reading ``weights`` bytes of Constants.

    Examples
    --------
    >>> p = problem_from_graph(3, [(0, 1), (1, 2)], compute=[(1, 5), (1, 5), (9, 1)])
    >>> p.devices, p.order, p.tensors[0].consumers
    (('D0', 'D1'), (0, 1, 2), (1,))
    """
    names = tuple(f"D{k}" for k in range(devices))
    compute = compute or [(1.0,) * devices] * size
    alphas = [subgraph_us] * devices if isinstance(subgraph_us, int | float) else list(subgraph_us)
    sizes = [nbytes] * size if isinstance(nbytes, int) else list(nbytes)
    cost = CostModel(
        devices=names,
        layer_us={name: {u: float(compute[u][d]) for u in range(size)} for d, name in enumerate(names)},
        subgraph_us=dict(zip(names, map(float, alphas))),
        transfer={(a, b): (0.0, ns_per_byte) for a in names for b in names if a != b},
    )
    consumers: dict[int, list[int]] = {}
    for u, w in sorted(set(edges)):
        consumers.setdefault(u, []).append(w)
    order = _topological_order(size, sorted(set(edges)))
    if order is None:
        raise ValueError("the edges make a cycle")
    return Problem(
        ir=None,
        devices=names,
        units=tuple((u,) for u in range(size)),
        unit_of={u: u for u in range(size)},
        allowed=tuple(tuple(a) for a in allowed)
        if allowed
        else tuple(tuple(range(devices)) for _ in range(size)),
        edges=tuple(sorted(set(edges))),
        order=order,
        tensors=tuple(Tensor(u, tuple(ws), sizes[u]) for u, ws in sorted(consumers.items())),
        compute_us=tuple(tuple(float(x) for x in row) for row in compute),
        fusions=(),
        cost=cost,
        refused={},
        weight_bytes=tuple(weights) if weights is not None else (0,) * size,
        output_bytes=tuple(sizes),
    )


def _units(
    ir: IRModel, members: Sequence[int], groups: Mapping[int, tuple[int, ...]]
) -> tuple[list[tuple[int, ...]], dict[int, int], tuple[tuple[int, int], ...], tuple[int, ...] | None]:
    """Units, layer -> unit, unit edges and a topological order (``None`` when the units make a cycle)."""
    unit_of: dict[int, int] = {}
    units: list[tuple[int, ...]] = []
    for lid in members:
        if lid in unit_of:
            continue
        unit = groups.get(lid, (lid,))
        for member in unit:
            unit_of[member] = len(units)
        units.append(unit)
    edges = sorted(
        {
            (unit_of[lid], unit_of[c])
            for lid in members
            for c in ir.consumers(lid)
            if c in unit_of and unit_of[c] != unit_of[lid]
        }
    )
    return units, unit_of, tuple(edges), _topological_order(len(units), edges)


def _topological_order(size: int, edges: Sequence[tuple[int, int]]) -> tuple[int, ...] | None:
    """Kahn's algorithm, lowest node first (so the order follows the numbering where it can); ``None`` when
    the edges make a cycle."""
    indegree = [0] * size
    succ: list[list[int]] = [[] for _ in range(size)]
    for u, w in edges:
        succ[u].append(w)
        indegree[w] += 1
    ready = [u for u in range(size) if not indegree[u]]  # ascending: already a heap
    order: list[int] = []
    while ready:
        u = heapq.heappop(ready)
        order.append(u)
        for w in succ[u]:
            indegree[w] -= 1
            if not indegree[w]:
                heapq.heappush(ready, w)
    return tuple(order) if len(order) == size else None


def _groups(
    ir: IRModel,
    support: Support,
    members: Sequence[int],
    names: Sequence[str],
    refused: Mapping[int, Mapping[str, str]],
) -> dict[int, tuple[int, ...]]:
    """Layer id -> its group, for layers that must share a device: OpenVINO's fused groups and layers of one
    friendly name. A group no device can run whole is left as single layers (HETERO cuts it anyway)."""
    present = set(members)
    found: list[tuple[int, ...]] = [tuple(lid for lid in g if lid in present) for g in support.fused_groups()]
    by_name: dict[str, list[int]] = {}
    for lid in members:
        by_name.setdefault(ir.layers[lid].name, []).append(lid)
    found += [tuple(ids) for ids in by_name.values() if len(ids) > 1]
    parent: dict[int, int] = {}

    def root(lid: int) -> int:
        while parent.setdefault(lid, lid) != lid:
            parent[lid] = parent[parent[lid]]
            lid = parent[lid]
        return lid

    for group in found:
        if len(group) > 1 and any(all(n not in refused.get(lid, {}) for lid in group) for n in names):
            for lid in group[1:]:
                parent[root(lid)] = root(group[0])
    merged: dict[int, list[int]] = {}
    for lid in members:
        if lid in parent:
            merged.setdefault(root(lid), []).append(lid)
    return {lid: tuple(group) for group in merged.values() if len(group) > 1 for lid in group}
