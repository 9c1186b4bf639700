"""Perf counters of a compiled plan, per submodel, device, boundary and IR layer.

OpenVINO's ``request.get_profiling_info()`` lists one row per node of the compiled (runtime) graph. Through
HETERO every row's ``node_name`` starts with ``"subgraph<i>: "``, ``i`` being the submodel's position in
execution order; no row says which device ran it, so the device of submodel ``i`` is read from the compiled
model itself (:func:`~hetero_tool.runtime.hetero.submodel_devices`), never guessed from the plan.

What the rows are (OpenVINO 2026.4.1, CPU plugin; ``tests/test_counters.py`` checks what it relies on):

- **Running means, not the last inference.** The CPU plugin adds each inference's time per node, truncated
  to whole microseconds, to a total kept *per compiled model* (per stream: with one stream, as the LATENCY
  hint gives, every request of it adds to the same total) and reports ``total // count``: the mean since
  compile, first inference included. A snapshot taken after each inference therefore differs from the next
  only by how the mean moved; the mean over inferences ``w+1..N`` is ``(s_N * N - s_w * w) / (N - w)``. Other
  plugins are taken to report the last inference.
- **``EXECUTED`` means "averaged at least 1 us".** The status is ``EXECUTED`` exactly when that mean is
  above 0, so a node faster than 1 us reads ``NOT_RUN`` at 0, as do ops fused into another node (a Relu in
  its Convolution), Parameters and Results, and every row of a model compiled without ``PERF_COUNT``. A
  node counts as run if any snapshot shows it ``EXECUTED`` (the first, cold inference almost always does;
  Reorders the plugin turned into no-ops, named ``<parent>_acdb_abcd_fake``, never do).
- **Reorders.** The CPU plugin converts layouts and precisions with ``Reorder`` nodes named
  ``<parent>_<from>_<to>_<child>``, e.g. ``x_abcd_acdb_conv0`` (layout only) or
  ``x_f32_abcd_bf16_acdb_conv0`` (precision too). At a cut, HETERO gives the producing submodel a new Result
  and each consuming submodel a new Parameter, both auto-named (``Result_267``, ``Parameter_268``), so the
  boundary Reorders read ``conv7_acdb_abcd_Result_267`` (in the producer; ``conv7`` is the runtime node that
  fused ``relu7``, the cut's producer) and ``Parameter_268_abcd_acdb_conv8`` (in the consumer). The model's
  own inputs and outputs get the same kind of Reorder (``x_abcd_acdb_conv0``, ``conv15_acdb_abcd_out``);
  those are not boundaries, and neither are Reorders between two nodes of one submodel.
- **The runtime model.** ``compiled.get_runtime_model()`` merges the submodels' runtime graphs and stitches
  them: HETERO's added Parameter/Result pairs are removed and the consumer side reads the producer side
  directly (``Parameter_268_abcd_acdb_conv8`` takes its input from ``conv7_acdb_abcd_Result_267``). Node
  names are the rows' names without the prefix, and they are not made unique: a Constant cloned into two
  submodels, or two IR layers with one friendly name, give two runtime nodes of the same name. Weight
  Reorders run once at compile time: they are in the runtime model but have no row.

So Reorders are attributed by graph, not by parsing their names: from a Reorder the merged runtime graph is
walked up to the node that produced the tensor and down to the nodes that use it; their
``originalLayersNames`` name IR layers, and the plan says which submodel each layer is in and which tensors
it cuts.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hetero_tool._ov import ov_error_text
from hetero_tool.errors import BackendError, InputError
from hetero_tool.ir.types import STRUCTURAL_TYPES, IRModel
from hetero_tool.partition import CutTensor
from hetero_tool.plan import Plan
from hetero_tool.runtime.hetero import CompiledPlan, layers_named_in, submodel_devices
from hetero_tool.runtime.results import Boundary, Profile, SubgraphTime
from hetero_tool.runtime.timing import set_inputs

__all__ = ["collect_profile", "layer_times_ms", "profile_from_counters"]

_PREFIX = re.compile(r"subgraph(\d+): (.*)", re.DOTALL)
_REORDER = "Reorder"
_NO_COUNTERS = (
    "no perf counter of {what} was EXECUTED: compile it with PERF_COUNT on "
    '(properties={{"PERF_COUNT": True}} for compile_plan or compile_device)'
)


def profile_from_counters(
    ir: IRModel,
    plan: Plan | None,
    compiled: CompiledPlan,
    counters: Sequence[Sequence[Any]],
    latencies_ms: Sequence[float],
    *,
    warmup: int = 0,
) -> Profile:
    """Summarise perf counters per submodel, device, boundary and IR layer, per inference.

    Parameters
    ----------
    ir
        The model that was compiled.
    plan
        The plan it was compiled with, or ``None`` (a single device, or no plan at hand). It gives the
        boundaries (:attr:`Profile.boundaries`) and tells same-named layers apart. It is ignored when its
        submodels' devices are not the compiled model's (as :func:`~hetero_tool.runtime.hetero.verify`
        would report), and then there are no boundaries.
    compiled
        From :func:`~hetero_tool.runtime.hetero.compile_plan` or
        :func:`~hetero_tool.runtime.hetero.compile_device`, compiled with ``PERF_COUNT`` on.
    counters
        ``request.get_profiling_info()`` after each inference **since ``compiled`` was compiled**, on any of
        its requests, in order: the CPU plugin reports running means over all of them (see the module notes).
    latencies_ms
        The measured latency of those inferences, in the same order.
    warmup
        How many of the first inferences to leave out (their counters include first-run work).

    Returns
    -------
    Profile
        Every figure is per inference, averaged over the ``len(counters) - warmup`` inferences after the
        warm-up; times are the rows' ``real_time``. A single-device model is one submodel 0 on its device.
        Reorders (rows of type ``Reorder`` that ran) are counted per submodel and in total; those that
        convert a cut tensor are also counted on its boundary, on both sides (the producer's output Reorder
        and the consumer's input Reorder). There is a boundary for every ``(from_subgraph, to_subgraph)``
        pair the plan cuts, with the tensors and bytes that cross it, costliest (most Reorder time) first.
        An output Reorder whose tensor goes to several submodels counts on each of those boundaries, its
        time split evenly among them. Reorders at the model's own inputs and outputs, or inside a
        submodel, count in the submodel and total figures only. ``latency_ms`` is the mean latency of
        the inferences after the warm-up (a mean, like the counters, so that the counted time is part of
        it); :attr:`Profile.layer_times_ms` is :func:`layer_times_ms`.

    Raises
    ------
    BackendError
        No row was ``EXECUTED`` (compiled without ``PERF_COUNT``), or a row names a submodel the compiled
        model does not have.
    ValueError
        ``latencies_ms`` is not one per snapshot, or ``warmup`` leaves no snapshot.

    Examples
    --------
    >>> import numpy as np
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.loaders import plan_from_files
    >>> from hetero_tool.runtime.hetero import compile_plan
    >>> xml = samples["mobilenet"]
    >>> ir, plan = parse_ir(xml), plan_from_files(xml, devices="HETERO:NPU,CPU", emulate="NPU")
    >>> compiled = compile_plan(ir, plan, properties={"PERF_COUNT": True})
    >>> request = compiled.compiled.create_infer_request()
    >>> _ = request.infer({0: np.zeros((1, 3, 64, 64), np.float32)})
    >>> profile = profile_from_counters(ir, plan, compiled, [request.get_profiling_info()], [1.0])
    >>> [s.device for s in profile.subgraphs] == [s.device for s in plan.partition.subgraphs]
    True
    >>> {(b.from_subgraph, b.to_subgraph) for b in profile.boundaries} == set(plan.partition.boundaries)
    True
    """
    if len(latencies_ms) != len(counters):
        raise ValueError(f"{len(latencies_ms)} latencies for {len(counters)} perf-counter snapshots")
    devices = _devices(compiled)
    rows = _average(compiled, counters, [_is_cpu_plugin(ov_name) for ov_name, _ in devices], warmup)
    if max(r.subgraph for r in rows) >= len(devices):
        bad = max(r.subgraph for r in rows)
        raise BackendError(
            f"a perf counter row names subgraph{bad}, the compiled model has {len(devices)} submodels"
        )
    plan = _plan_if_it_describes(plan, [name for _, name in devices])
    runtime, missing = _runtime(ir, plan, compiled)

    subgraphs = []
    for index, (_, device) in enumerate(devices):
        mine = [r for r in rows if r.subgraph == index]
        reorders = [r for r in mine if r.node_type == _REORDER]
        subgraphs.append(
            SubgraphTime(
                index=index,
                device=device,
                time_ms=sum((r.ms for r in mine), 0.0),
                reorder_ms=sum((r.ms for r in reorders), 0.0),
                reorders=sum(r.ran for r in reorders),
            )
        )
    devices_ms: dict[str, float] = {}
    for sg in subgraphs:
        devices_ms[sg.device] = devices_ms.get(sg.device, 0.0) + sg.time_ms
    reorder_rows = [r for r in rows if r.node_type == _REORDER]
    return Profile(
        iterations=len(counters) - warmup,
        subgraphs=tuple(subgraphs),
        devices_ms=devices_ms,
        counted_ms=sum(sg.time_ms for sg in subgraphs),
        latency_ms=statistics.fmean(latencies_ms[warmup:]),
        reorders=sum(sg.reorders for sg in subgraphs),
        reorder_ms=sum(sg.reorder_ms for sg in subgraphs),
        boundaries=_boundaries(plan, runtime, reorder_rows) if plan is not None and runtime else (),
        layer_times_ms=_layer_times(ir, plan, runtime, rows),
        missing=missing,
    )


def layer_times_ms(
    ir: IRModel,
    plan: Plan | None,
    compiled: CompiledPlan,
    counters: Sequence[Sequence[Any]],
    *,
    warmup: int = 0,
) -> dict[int, float]:
    """Time of each IR layer per inference (layer id -> ms), from perf counters and the runtime model.

    Parameters
    ----------
    ir, plan, compiled, counters, warmup
        As for :func:`profile_from_counters`.

    Returns
    -------
    dict
        IR layer id -> ms per inference. Each row is joined by name to its node of
        ``compiled.compiled.get_runtime_model()``, whose ``originalLayersNames`` rt_info lists the friendly
        names of the IR layers it implements. **A fused node's time is split evenly among the compute layers
        it lists** (``conv0,relu0`` gives each half), because the counters cannot tell them apart. A name
        shared by several IR layers resolves to those in the row's submodel (by ``plan``; without one, or
        when none is there, to every layer of that name), and the share is split evenly among them. Runtime
        node names repeat across submodels (a cloned Constant, a repeated friendly name); such a row goes to
        the node whose layers are in its submodel.

        Every compute layer the runtime model names has an entry, ``0.0`` when its node did not run (or
        averaged under 1 us). Parameters, Constants and Results have none, nor do Reorders and other nodes
        the plugin adds (their ``originalLayersNames`` is empty or names no IR layer). ``originalLayersNames``
        is lossy: the CPU plugin's FullyConnected, for one, lists the bias Add it absorbed but not the
        MatMul, so such a MatMul has no entry and its time goes to the Add. Time no entry receives is still
        in the submodel totals of :func:`profile_from_counters`. When OpenVINO cannot give the runtime model
        (``get_runtime_model()`` throws on some split TFLite and ONNX conversions), each row goes to the
        layers of its own name instead.

    Raises
    ------
    BackendError, ValueError
        As for :func:`profile_from_counters`.

    Examples
    --------
    >>> import numpy as np
    >>> from hetero_tool.devices.device import resolve_devices
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.runtime.hetero import compile_device
    >>> ir = parse_ir(samples["mobilenet"])
    >>> cpu = resolve_devices(["CPU"], {})[0]
    >>> compiled = compile_device(ir, cpu, properties={"PERF_COUNT": True})
    >>> request = compiled.compiled.create_infer_request()
    >>> _ = request.infer({0: np.zeros((1, 3, 64, 64), np.float32)})
    >>> times = layer_times_ms(ir, None, compiled, [request.get_profiling_info()])
    >>> {ir.layers[lid].type for lid in times} >= {"Convolution", "HSwish"}
    True
    >>> all(t >= 0 for t in times.values())
    True
    """
    devices = _devices(compiled)
    rows = _average(compiled, counters, [_is_cpu_plugin(ov_name) for ov_name, _ in devices], warmup)
    plan = _plan_if_it_describes(plan, [name for _, name in devices])
    return _layer_times(ir, plan, _runtime(ir, plan, compiled)[0], rows)


def collect_profile(
    ir: IRModel,
    plan: Plan | None,
    compiled: CompiledPlan,
    inputs: Mapping[str | int, Any],
    *,
    iterations: int = 20,
    warmup: bool = True,
) -> Profile:
    """Run ``iterations`` inferences on one request, timing each and reading its perf counters.

    Parameters
    ----------
    ir, plan
        As for :func:`profile_from_counters`.
    compiled
        Compiled with ``PERF_COUNT`` (``properties={"PERF_COUNT": True}`` for
        :func:`~hetero_tool.runtime.hetero.compile_plan` or
        :func:`~hetero_tool.runtime.hetero.compile_device`) and, because the CPU plugin's counters are running
        means since compile over all requests, not used for any inference before: compile a model for
        profiling alone.
    inputs
        Input name or index -> array; set once, before the inferences.
    iterations
        Inferences profiled.
    warmup
        Run one more inference first and leave it out of every figure.

    Returns
    -------
    Profile
        See :func:`profile_from_counters`. The latencies are wall times of ``request.infer()`` measured with
        the counters on: they are for :attr:`Profile.boundary_ms`, not a benchmark.

    Raises
    ------
    BackendError
        The inputs cannot be set, an inference fails, or no counter was ``EXECUTED`` (compiled without
        ``PERF_COUNT``).
    InputError
        ``iterations`` is below 1, or an input name or index is not the model's.

    Examples
    --------
    >>> import numpy as np
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.loaders import plan_from_files
    >>> from hetero_tool.runtime.hetero import compile_plan
    >>> xml = samples["mobilenet"]
    >>> ir, plan = parse_ir(xml), plan_from_files(xml, devices="HETERO:NPU,CPU", emulate="NPU")
    >>> compiled = compile_plan(ir, plan, properties={"PERF_COUNT": True})
    >>> image = np.zeros((1, 3, 64, 64), np.float32)
    >>> profile = collect_profile(ir, plan, compiled, {"image": image}, iterations=3)
    >>> profile.iterations, len(profile.subgraphs) == plan.subgraph_count
    (3, True)
    >>> abs(sum(profile.devices_ms.values()) - profile.counted_ms) < 1e-9
    True
    """
    if iterations < 1:
        raise InputError(f"perf counters need at least 1 inference (got iterations={iterations})")
    model = compiled.compiled
    try:
        request = model.create_infer_request()
    except Exception as exc:
        raise BackendError(
            f"cannot create an infer request for {ir.name!r}: {layers_named_in(ov_error_text(exc), ir)}"
        ) from exc
    set_inputs(model, request, inputs)
    counters, latencies = [], []
    try:
        for _ in range(iterations + (1 if warmup else 0)):
            start = time.perf_counter()
            request.infer()
            latencies.append(1e3 * (time.perf_counter() - start))
            counters.append(list(request.get_profiling_info()))
    except Exception as exc:
        raise BackendError(
            f"inference of {ir.name!r} failed: {layers_named_in(ov_error_text(exc), ir)}"
        ) from exc
    return profile_from_counters(ir, plan, compiled, counters, latencies, warmup=1 if warmup else 0)


# -- rows ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    """One perf-counter row, averaged over the profiled inferences."""

    subgraph: int
    name: str
    #: The k-th row of this name in this submodel (names can repeat).
    occurrence: int
    node_type: str
    #: Time per inference (``real_time``), and whether it ran (``EXECUTED`` in some snapshot).
    ms: float
    ran: bool


def _average(
    compiled: CompiledPlan, counters: Sequence[Sequence[Any]], running_mean: Sequence[bool], warmup: int
) -> list[_Row]:
    """Per-inference time of every row over the inferences after the first ``warmup`` snapshots.

    ``running_mean[i]``: submodel ``i``'s rows are the CPU plugin's running means since compile (in whole
    microseconds), so the mean over snapshots ``warmup+1..N`` is ``(s_N * N - s_w * w) / (N - w)``; other
    devices' rows are taken as the last inference's, and averaged. A row ran if any snapshot has it EXECUTED.
    """
    if not counters:
        raise BackendError("no perf counters to summarise (no inference was profiled)")
    if not 0 <= warmup < len(counters):
        raise ValueError(f"warmup={warmup} leaves none of the {len(counters)} snapshots")
    hetero = compiled.submodels is not None
    # key -> [node type, ran, ms per snapshot]
    table: dict[tuple[int, str, int], list[Any]] = {}
    for k, snapshot in enumerate(counters):
        seen: dict[tuple[int, str], int] = {}
        for info in snapshot:
            subgraph, name = _split_name(info.node_name, hetero)
            occurrence = seen.get((subgraph, name), 0)
            seen[(subgraph, name)] = occurrence + 1
            entry = table.setdefault(
                (subgraph, name, occurrence), [info.node_type, False, [0.0] * len(counters)]
            )
            if _status(info) == "EXECUTED":
                entry[1] = True
                entry[2][k] = 1e3 * info.real_time.total_seconds()
    if not any(ran for _, ran, _ in table.values()):
        raise BackendError(_NO_COUNTERS.format(what=compiled.target or "the compiled model"))
    n, w = len(counters), warmup
    rows = []
    for (subgraph, name, occurrence), (node_type, ran, ms) in table.items():
        if subgraph < len(running_mean) and running_mean[subgraph]:
            mean = (ms[-1] * n - (ms[w - 1] * w if w else 0.0)) / (n - w)
        else:
            mean = sum(ms[w:]) / (n - w)
        rows.append(_Row(subgraph, name, occurrence, node_type, max(0.0, mean), ran))
    return rows


def _split_name(node_name: str, hetero: bool) -> tuple[int, str]:
    if not hetero:
        return 0, node_name
    match = _PREFIX.fullmatch(node_name)
    if match is None:
        raise BackendError(f"perf counter row {node_name!r} of a HETERO model has no 'subgraph<i>: ' prefix")
    return int(match.group(1)), match.group(2)


def _status(info) -> str:
    status = info.status
    return getattr(status, "name", str(status).rpartition(".")[2])


def _devices(compiled: CompiledPlan) -> list[tuple[str, str]]:
    """The device of each submodel in execution order: its OpenVINO name and the plan's name."""
    if compiled.submodels is None:
        ov_name = next(iter(compiled.device_names), compiled.target)
        return [(ov_name, compiled.target or compiled.device_names.get(ov_name, ov_name))]
    return [(d, compiled.device_names.get(d, d)) for d in submodel_devices(compiled.compiled)]


def _is_cpu_plugin(ov_name: str) -> bool:
    """Whether OpenVINO's device ``ov_name`` is the CPU plugin (emulated devices are: their names hold
    "CPU")."""
    return "CPU" in ov_name


def _plan_if_it_describes(plan: Plan | None, devices: Sequence[str]) -> Plan | None:
    if plan is None:
        return None
    if [sg.device for sg in plan.partition.subgraphs] != list(devices):
        return None
    return plan


# -- the runtime model ---------------------------------------------------------------------------------------


class _Runtime:
    """The merged runtime graph: nodes by name, their IR layers, and the walk around a Reorder."""

    def __init__(self, ir: IRModel, plan: Plan | None, runtime_model) -> None:
        self.ir = ir
        self.members = _members(plan)
        ops = list(runtime_model.get_ordered_ops())
        key = {op.get_name(): k for k, op in enumerate(ops)}
        self.names = [op.get_friendly_name() for op in ops]
        self.types = [_rt(op, "layerType") for op in ops]
        self.originals = [tuple(n for n in _rt(op, "originalLayersNames").split(",") if n) for op in ops]
        #: Per node: (producer node, output index) of each input, and the nodes reading it.
        self.inputs: list[list[tuple[int, int]]] = []
        self.users: list[list[int]] = [[] for _ in ops]
        for k, op in enumerate(ops):
            sources = []
            for port in op.inputs():
                source = port.get_source_output()
                producer = key[source.get_node().get_name()]
                sources.append((producer, source.get_index()))
                self.users[producer].append(k)
            self.inputs.append(sources)
        self.by_name: dict[str, list[int]] = {}
        for k, name in enumerate(self.names):
            self.by_name.setdefault(name, []).append(k)
        #: Per node: every IR layer its ``originalLayersNames`` can mean (all layers of each name).
        self.layers = [{lid for n in names for lid in ir.ids_by_name.get(n, ())} for names in self.originals]

    def node_for(self, row: _Row) -> int | None:
        """The runtime node of a row: by name, and among same-named nodes, the one whose layers are in its
        submodel (a Reorder has no layers of its own: those around it count)."""
        found = self.by_name.get(row.name, [])
        if len(found) <= 1 or self.members is None or row.subgraph >= len(self.members):
            return found[min(row.occurrence, len(found) - 1)] if found else None
        inside = self.members[row.subgraph]

        def score(k: int) -> int:
            names = self.originals[k] or self._neighbour_names(k)
            return sum(any(lid in inside for lid in self.ir.ids_by_name.get(n, ())) for n in names)

        scores = [score(k) for k in found]
        best = [k for k, s in zip(found, scores) if s == max(scores)]
        return best[min(row.occurrence, len(best) - 1)]

    def passes_through(self, k: int) -> bool:
        """Whether node ``k`` only carries a tensor: a Reorder, or a one-input node the plugin added (a
        ``Convert`` named ``Convert_4388``: no IR layer of its names)."""
        return self.types[k] == _REORDER or (not self.layers[k] and len(self.inputs[k]) == 1)

    def upstream(self, k: int) -> tuple[int, int]:
        """Up from Reorder ``k`` through such nodes: the node that produced the tensor, and its output
        index."""
        edge = (k, 0)
        while self.passes_through(k) and self.inputs[k]:
            edge = self.inputs[k][0]
            k = edge[0]
        return edge

    def downstream(self, k: int) -> list[int]:
        """Down from Reorder ``k`` through such nodes: the nodes that use the tensor."""
        found, stack, seen = [], list(self.users[k]), set()
        while stack:
            user = stack.pop()
            if user in seen:
                continue
            seen.add(user)
            if self.passes_through(user):
                stack.extend(self.users[user])
            else:
                found.append(user)
        return found

    def _neighbour_names(self, k: int) -> tuple[str, ...]:
        producer, _ = self.upstream(k)
        users = self.downstream(k)
        return self.originals[producer] + tuple(n for u in users for n in self.originals[u])


def _runtime(ir: IRModel, plan: Plan | None, compiled: CompiledPlan) -> tuple[_Runtime | None, str]:
    """The runtime graph, or ``None`` and why OpenVINO could not give it."""
    try:
        model = compiled.compiled.get_runtime_model()
    except Exception as exc:  # OpenVINO 2026.4 throws on some split TFLite and ONNX conversions
        return None, (
            f"OpenVINO cannot give the runtime model of this split ({ov_error_text(exc)}), so no Reorder is "
            "attributed to a boundary and per-layer times are joined by node name only"
        )
    return _Runtime(ir, plan, model), ""


def _members(plan: Plan | None) -> list[frozenset[int]] | None:
    """The layers (constants included) of each of the plan's subgraphs."""
    if plan is None:
        return None
    return [frozenset(sg.layers) | frozenset(sg.constants) for sg in plan.partition.subgraphs]


def _layer_ids(
    ir: IRModel, members: list[frozenset[int]] | None, name: str, subgraph: int | None
) -> tuple[int, ...]:
    """IR layers of this friendly name, those in ``subgraph`` when there are several and the plan knows."""
    ids = ir.ids_by_name.get(name, ())
    if len(ids) > 1 and subgraph is not None and members is not None and subgraph < len(members):
        inside = tuple(lid for lid in ids if lid in members[subgraph])
        if inside:
            return inside
    return ids


def _rt(op, key: str) -> str:
    info = op.get_rt_info()
    if key not in info:
        return ""
    value = info[key]
    return value.astype(str) if hasattr(value, "astype") else str(value)


# -- per layer -----------------------------------------------------------------------------------------------


def _layer_times(
    ir: IRModel, plan: Plan | None, runtime: _Runtime | None, rows: Sequence[_Row]
) -> dict[int, float]:
    """Layer id -> ms: each row's time split evenly among the compute layers its node implements (by the
    runtime graph's ``originalLayersNames``; without the runtime graph, the layers of the row's name)."""
    members = _members(plan)

    def compute_ids(name: str, subgraph: int | None) -> tuple[int, ...]:
        return tuple(
            lid
            for lid in _layer_ids(ir, members, name, subgraph)
            if ir.layers[lid].type not in STRUCTURAL_TYPES
        )

    times: dict[int, float] = {}
    if runtime is not None:
        for k, names in enumerate(runtime.originals):
            if runtime.types[k] != _REORDER:
                for name in names:
                    for lid in compute_ids(name, None):
                        times.setdefault(lid, 0.0)
    for row in rows:
        if not row.ran:
            continue
        if runtime is None:
            originals: tuple[str, ...] = () if row.node_type == _REORDER else (row.name,)
        else:
            k = runtime.node_for(row)
            if k is None:
                continue
            originals = runtime.originals[k]
        layers = [ids for ids in (compute_ids(n, row.subgraph) for n in originals) if ids]
        for ids in layers:
            for lid in ids:
                times[lid] = times.get(lid, 0.0) + row.ms / len(layers) / len(ids)
    return times


# -- boundaries ----------------------------------------------------------------------------------------------


def _boundaries(plan: Plan, runtime: _Runtime, reorder_rows: Sequence[_Row]) -> tuple[Boundary, ...]:
    pairs = plan.partition.boundaries
    by_producer: dict[int, list[CutTensor]] = {}
    for cut in plan.partition.cuts:
        by_producer.setdefault(cut.producer, []).append(cut)
    counts = dict.fromkeys(pairs, 0)
    times = dict.fromkeys(pairs, 0.0)
    for row in reorder_rows:
        if not row.ran:
            continue
        k = runtime.node_for(row)
        if k is None:
            continue
        crossed = _crossed_pairs(plan, runtime, by_producer, k, row.subgraph)
        for pair in crossed:
            counts[pair] += 1
            times[pair] += row.ms / len(crossed)
    found = []
    for (source, target), cuts in pairs.items():
        found.append(
            Boundary(
                from_subgraph=source,
                to_subgraph=target,
                tensors=len(cuts),
                bytes=plan.partition.boundary_bytes[source, target],
                reorders=counts[(source, target)],
                reorder_ms=times[(source, target)],
            )
        )
    found.sort(key=lambda b: (-b.reorder_ms, -(b.bytes or 0), b.from_subgraph, b.to_subgraph))
    return tuple(found)


def _crossed_pairs(
    plan: Plan, runtime: _Runtime, by_producer: Mapping[int, list[CutTensor]], k: int, subgraph: int
) -> list[tuple[int, int]]:
    """The boundaries Reorder node ``k`` of submodel ``subgraph`` converts a cut tensor for (none: not a cut).

    First by the cut itself: the node that produced the tensor names the cut's producer, and a node using it
    names one of its consumers. ``originalLayersNames`` is lossy, though (the CPU plugin's FullyConnected
    lists only the bias Add it absorbed, not the MatMul), so failing that, by submodel: a runtime node belongs
    to one submodel, so a producer in another submodel makes this an input Reorder of that boundary, and
    users in other submodels make it an output Reorder of those.
    """
    ir, subgraph_of = runtime.ir, plan.partition.subgraph_of
    producer, index = runtime.upstream(k)
    users = runtime.downstream(k)
    made_by = runtime.layers[producer]
    used_by = set().union(*(runtime.layers[u] for u in users))
    matches: list[tuple[CutTensor, set[tuple[int, int]]]] = []
    for lid in sorted(made_by):
        for cut in by_producer.get(lid, ()):
            reached = {subgraph_of[c] for c in cut.consumers if c in used_by and c in subgraph_of}
            reached &= set(cut.to_subgraphs)
            if subgraph == cut.from_subgraph and reached:
                matches.append((cut, {(cut.from_subgraph, to) for to in reached}))
            elif subgraph in reached:
                matches.append((cut, {(cut.from_subgraph, subgraph)}))
    if len(matches) > 1:
        # several outputs of one producer are cut: the runtime edge's output index tells them apart
        same_port = [m for m in matches if _port_index(ir, m[0]) == index]
        matches = same_port or matches
    if matches:
        return sorted(set().union(*(pairs for _, pairs in matches)))
    cut_pairs = plan.partition.boundaries.keys()
    sources = {subgraph_of[lid] for lid in made_by if lid in subgraph_of} - {subgraph}
    targets = {subgraph_of[lid] for lid in used_by if lid in subgraph_of} - {subgraph}
    found = {(s, subgraph) for s in sources} | {(subgraph, t) for t in targets}
    return sorted(found & cut_pairs)


def _port_index(ir: IRModel, cut: CutTensor) -> int | None:
    ports = [port.id for port in ir.layers[cut.producer].outputs]
    return ports.index(cut.port) if cut.port in ports else None
