"""The cost model: a plan's latency, predicted with a breakdown, from calibrated or estimated figures.

HETERO runs its submodels one after another, so a plan's latency is a sum (research note, section 7.1):

- **compute**: every operation's time on its device;
- **fusion**: a layer a device fuses into a neighbour costs nothing there, until a cut separates the two; then
  it runs on its own and costs its stand-alone time (why predictions ran 20-30 % low at 8-16 subgraphs);
- **subgraphs**: a fixed overhead per submodel on its device (an infer request, a synchronisation);
- **boundaries**: per cut tensor, per device it goes to (HETERO copies it once for each consuming device): a
  fixed cost and a per-byte cost (the host copy and the Reorder), by device pair.

:class:`CostModel` holds the figures per device and pair; :func:`cost_model_from_profile` takes them from a
calibration (:class:`~hetero_tool.cost.profile.CostProfile`), :func:`cost_model_from_estimates` from shapes
(FLOPs and bytes) and the devices' profiles' ``[cost]`` tables, labelled as estimates.
:func:`predict_latency` prices a plan. The optimizer (``hetero_tool.optimize``) minimizes the same sum.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from hetero_tool.cost.profile import BoundaryCost, CostProfile
from hetero_tool.devices.device import Device
from hetero_tool.errors import InputError
from hetero_tool.ir.types import STRUCTURAL_TYPES, IRModel, Layer
from hetero_tool.plan import Plan

__all__ = [
    "CostModel",
    "Prediction",
    "cost_model_from_estimates",
    "cost_model_from_profile",
    "layer_work",
    "predict_latency",
]

#: Figures for a device whose profile leaves them unknown (0 in its ``[cost]`` table): a laptop CPU core's
#: order of magnitude. Only the ratios between devices steer the optimizer; calibrate for real figures.
_GUESS = {"peak_gflops": 100.0, "memory_gbps": 20.0, "subgraph_overhead_us": 30.0, "transfer_gbps": 10.0}
#: Ops whose time a device folds into the heavy op they follow (post-ops of a convolution or matrix
#: multiplication), when they are that op's only consumer.
_POST_OPS = frozenset(
    {"Add", "Multiply", "Subtract", "Relu", "PRelu", "Clamp", "Sigmoid", "Swish", "HSwish", "HSigmoid",
     "Mish", "Gelu", "Elu", "Tanh", "Exp", "SoftPlus", "FakeQuantize", "Convert"}
)  # fmt: skip
_HEAVY_OPS = frozenset({"Convolution", "GroupConvolution", "MatMul", "ConvolutionBackpropData"})


@dataclass(frozen=True)
class CostModel:
    """The figures a plan's latency is predicted from, in microseconds (see the module docstring).

    Examples
    --------
    >>> from hetero_tool.devices import resolve_devices
    >>> from hetero_tool.ir import parse_ir
    >>> ir = parse_ir(samples["mobilenet"])
    >>> model = cost_model_from_estimates(ir, resolve_devices(["NPU", "CPU"], {"NPU": "npu"}, real=["CPU"]))
    >>> model.source, model.devices
    ('estimated', ('NPU', 'CPU'))
    >>> model.transfer_us("NPU", "CPU", 4096) > model.transfer_us("NPU", "CPU", 0)
    True
    """

    #: Device names, in priority order.
    devices: tuple[str, ...]
    #: Device -> operation layer id -> µs per inference, for every operation of the model (what the device
    #: cannot run is priced too; placement, not the cost model, keeps it off the device).
    layer_us: Mapping[str, Mapping[int, float]]
    #: Device -> subgraph overhead in µs.
    subgraph_us: Mapping[str, float]
    #: (from device, to device) -> (µs per cut tensor, ns per byte).
    transfer: Mapping[tuple[str, str], tuple[float, float]]
    #: Layer id -> the layer it fuses with (free while both share a device).
    fused_with: Mapping[int, int] = field(default_factory=dict)
    #: Device -> fused layer id -> its stand-alone µs (its cost once a cut separates it from its partner).
    standalone_us: Mapping[str, Mapping[int, float]] = field(default_factory=dict)
    source: Literal["calibrated", "estimated"] = "estimated"
    #: What the reader of a prediction should know: which figures are estimates, which fits were replaced.
    notes: tuple[str, ...] = ()

    def transfer_us(self, src: str, dst: str, nbytes: int | None) -> float:
        """Cost of one cut tensor of ``nbytes`` going from ``src`` to ``dst`` (a dynamic size counts as 0
        bytes: its fixed cost still applies)."""
        fixed, per_byte_ns = self.transfer.get((src, dst)) or self.transfer.get((dst, src)) or (0.0, 0.0)
        return fixed + 1e-3 * per_byte_ns * (nbytes or 0)

    def fusion_us(self, layer: int, device: str, partner_device: str | None = None) -> float:
        """What ``layer`` costs on ``device`` beyond :attr:`layer_us` when cut off from its fusion partner
        (on ``partner_device``; by default the cheapest other device): its stand-alone time instead of its
        share of the fused node, and the share its partner's node still pays without it."""
        alone = self.standalone_us.get(device, {}).get(layer)
        if alone is None:
            return 0.0
        others = [partner_device] if partner_device is not None else [d for d in self.devices if d != device]
        left_behind = min((self.layer_us[d].get(layer, 0.0) for d in others), default=0.0)
        return max(0.0, alone - self.layer_us[device].get(layer, 0.0) + left_behind)


@dataclass(frozen=True)
class Prediction:
    """A plan's predicted latency and what it is made of, in milliseconds."""

    total_ms: float
    #: Device -> its operations' time (fusions cut by the plan included in :attr:`fusion_ms`).
    compute_ms: Mapping[str, float]
    fusion_ms: float
    #: Device -> its subgraphs' overhead.
    subgraph_ms: Mapping[str, float]
    #: (from device, to device) -> the cut tensors' cost.
    boundary_ms: Mapping[tuple[str, str], float]
    source: Literal["calibrated", "estimated"]

    @property
    def boundary_total_ms(self) -> float:
        return sum(self.boundary_ms.values())


def predict_latency(model: CostModel, plan: Plan) -> Prediction:
    """The latency ``model`` predicts for ``plan``, with its breakdown.

    Examples
    --------
    >>> from hetero_tool.loaders import plan_from_files
    >>> from hetero_tool.ir import parse_ir
    >>> plan = plan_from_files(samples["mobilenet"], devices="NPU,CPU", emulate="NPU")
    >>> model = cost_model_from_estimates(parse_ir(samples["mobilenet"]), plan.to_devices())
    >>> p = predict_latency(model, plan)
    >>> p.total_ms > 0 and p.boundary_ms == {}  # one subgraph: no cut
    True
    """
    compute: dict[str, float] = dict.fromkeys(model.devices, 0.0)
    fusion = 0.0
    device_of = plan.partition.device_of
    for lid, op_type in plan.types.items():
        if op_type in STRUCTURAL_TYPES:
            continue
        device = device_of.get(lid, plan.decisions[lid].device)
        compute[device] += model.layer_us[device].get(lid, 0.0)
        partner = model.fused_with.get(lid)
        if partner is not None:
            partner_device = device_of.get(partner, plan.decisions[partner].device)
            if partner_device != device:
                fusion += model.fusion_us(lid, device, partner_device)
    subgraphs: dict[str, float] = dict.fromkeys(model.devices, 0.0)
    for sg in plan.partition.subgraphs:
        subgraphs[sg.device] += model.subgraph_us.get(sg.device, 0.0)
    boundaries: dict[tuple[str, str], float] = {}
    part = plan.partition
    for cut in part.cuts:
        src = part.subgraphs[cut.from_subgraph].device
        for dst in dict.fromkeys(part.subgraphs[k].device for k in cut.to_subgraphs):
            boundaries[src, dst] = boundaries.get((src, dst), 0.0) + model.transfer_us(src, dst, cut.bytes)
    total = sum(compute.values()) + fusion + sum(subgraphs.values()) + sum(boundaries.values())
    return Prediction(
        total_ms=total / 1e3,
        compute_ms={d: us / 1e3 for d, us in compute.items()},
        fusion_ms=fusion / 1e3,
        subgraph_ms={d: us / 1e3 for d, us in subgraphs.items()},
        boundary_ms={pair: us / 1e3 for pair, us in sorted(boundaries.items())},
        source=model.source,
    )


# -- estimates ---------------------------------------------------------------------------------------------


def layer_work(ir: IRModel, layer: Layer) -> tuple[float, float]:
    """``(FLOPs, bytes moved)`` of one inference of ``layer``, from its shapes (dynamic sizes count as 0).

    Convolutions and matrix multiplications count two FLOPs per multiply-accumulate; other ops one per output
    element. Bytes are every input (weights included) and output.

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> ir = parse_ir(samples["mobilenet"])
    >>> conv = next(layer for layer in ir.layers.values() if layer.type == "Convolution")
    >>> flops, nbytes = layer_work(ir, conv)
    >>> flops > nbytes > 0
    True
    """
    outputs = [port for port in layer.outputs if port.is_static]
    out_elements = sum(math.prod(port.shape) for port in outputs)  # type: ignore[arg-type]
    nbytes = float(sum(port.nbytes or 0 for port in layer.outputs))
    in_shapes = []
    for src, port in ir.sources(layer.id):
        found = ir.layers[src].output_port(port)
        nbytes += found.nbytes or 0
        in_shapes.append(found.shape if found.is_static else None)
    flops = float(out_elements)
    if layer.type in ("Convolution", "GroupConvolution", "ConvolutionBackpropData") and len(in_shapes) > 1:
        weights = in_shapes[1]
        if weights:  # [Cout, Cin, k...] or [G, Cout/G, Cin/G, k...]: Cin/G * k... MACs per output
            skip = 2 if layer.type == "GroupConvolution" else 1
            flops = 2.0 * out_elements * math.prod(weights[skip + 1 :] or (1,)) * weights[skip]  # type: ignore[operator]
    elif layer.type == "MatMul" and in_shapes and in_shapes[0]:
        a = in_shapes[0]
        k = a[-2] if layer.data.get("transpose_a") == "true" and len(a) > 1 else a[-1]
        flops = 2.0 * out_elements * k  # type: ignore[operator]
    return flops, nbytes


def _figure(device: Device, key: str) -> tuple[float, bool]:
    """A ``[cost]`` figure of ``device``'s profile, or the guess when it is unknown (and whether it was)."""
    value = float(device.profile.cost.get(key, 0.0)) if device.profile is not None else 0.0
    return (value, False) if value > 0 else (_GUESS[key], True)


def _fusions(ir: IRModel) -> dict[int, int]:
    """Layer id -> the heavy op it is a post-op of (its only non-constant input, of which it is the only
    consumer): the pairs a device fuses."""
    found: dict[int, int] = {}
    for lid, layer in ir.layers.items():
        if layer.type not in _POST_OPS:
            continue
        inputs = [src for src, _ in ir.sources(lid) if ir.layers[src].ir_type != "Const"]
        if len(inputs) == 1 and len(ir.consumers(inputs[0])) == 1:
            producer = inputs[0]
            # A chain of post-ops (Add then Relu) fuses into the heavy op at its head.
            head = found.get(producer, producer)
            if ir.layers[head].type in _HEAVY_OPS:
                found[lid] = head
    return found


def cost_model_from_estimates(ir: IRModel, devices: Sequence[Device]) -> CostModel:
    """A cost model from shapes and each device's profile's ``[cost]`` figures (peak GFLOPS, memory GB/s,
    subgraph overhead, transfer GB/s): a roofline per layer. Unknown figures are guessed, and the notes say
    which; a post-op fused into its convolution costs nothing until a cut separates them."""
    names = tuple(d.name for d in devices)
    work = {
        lid: layer_work(ir, layer) for lid, layer in ir.layers.items() if layer.type not in STRUCTURAL_TYPES
    }
    fused = _fusions(ir)
    guessed: list[str] = []
    layer_us: dict[str, dict[int, float]] = {}
    standalone: dict[str, dict[int, float]] = {}
    subgraph_us: dict[str, float] = {}
    bandwidth: dict[str, float] = {}
    for device in devices:
        figures = {key: _figure(device, key) for key in _GUESS}
        unknown = [f"{key} {value:g}" for key, (value, was_guessed) in figures.items() if was_guessed]
        if unknown:
            guessed.append(f"{device.name} ({', '.join(unknown)})")
        peak, memory, overhead, gbps = (figures[key][0] for key in _GUESS)
        # GFLOPS * 1e3 = FLOPs per microsecond; GB/s * 1e3 = bytes per microsecond.
        roofline = {lid: max(f / (peak * 1e3), b / (memory * 1e3)) for lid, (f, b) in work.items()}
        layer_us[device.name] = {lid: 0.0 if lid in fused else us for lid, us in roofline.items()}
        standalone[device.name] = {lid: roofline[lid] for lid in fused}
        subgraph_us[device.name] = overhead
        bandwidth[device.name] = gbps
    transfer = {
        (a, b): (0.0, 1.0 / min(bandwidth[a], bandwidth[b])) for a in names for b in names if a != b
    }  # GB/s -> ns per byte
    notes = ["every figure is an estimate from shapes and the device profiles (calibrate to measure them)"]
    if guessed:
        notes.append(f"figures the device profiles leave unknown, guessed: {'; '.join(guessed)}")
    return CostModel(
        devices=names,
        layer_us=layer_us,
        subgraph_us=subgraph_us,
        transfer=transfer,
        fused_with=fused,
        standalone_us=standalone,
        source="estimated",
        notes=tuple(notes),
    )


# -- calibrated --------------------------------------------------------------------------------------------


def cost_model_from_profile(ir: IRModel, profile: CostProfile, devices: Sequence[Device]) -> CostModel:
    """A cost model from a calibration of this model: measured per-layer times and boundary fits.

    A layer a device fused into a neighbour (measured as 0) costs the median measured time of its op type on
    that device when a cut separates the two. A layer the device was not timed on (it could not run it) is
    priced by the estimate scaled to the device's measured speed. A boundary fit that is negative or noisy
    (R² under 0.5) is replaced by a robust fit of its per-size slopes (Theil-Sen), and a note says so. The
    subgraph and boundary costs are scaled to the model's own split (``profile.split``) when the profile
    has one: a subgraph of a real model costs otherwise than one of the microbenchmark's chain.
    """
    names = tuple(d.name for d in devices)
    missing = [name for name in names if not any(d.name == name for d in profile.devices)]
    if missing:
        raise InputError(
            f"the cost profile measured {', '.join(d.name for d in profile.devices)}, not "
            f"{', '.join(missing)}; calibrate with the plan's devices"
        )
    estimate = cost_model_from_estimates(ir, devices)
    notes: list[str] = []
    layer_us: dict[str, dict[int, float]] = {}
    standalone: dict[str, dict[int, float]] = {}
    fused_with: dict[int, int] = {}
    for name in names:
        measured = profile.device(name)
        times = {lid: 1e3 * ms for lid, ms in measured.layer_ms.items() if lid in ir.layers}
        ratios = [
            times[lid] / est
            for lid, est in estimate.layer_us[name].items()
            if est > 0 and times.get(lid, 0) > 0
        ]
        scale = statistics.median(ratios) if ratios else 1.0
        priced = {lid: times.get(lid, scale * est) for lid, est in estimate.layer_us[name].items()}
        if len(times) < len(priced):
            notes.append(
                f"{name}: {len(priced) - len(times)} operations not timed, estimated at its measured speed"
            )
        # A post-op's measured time is its share of its convolution's node (the counters split a node's
        # time over the layers it names), or 0 when the node does not name it. Cut off, it runs alone: at
        # the time of its type where no fusion hides it, else at the estimate's, scaled to the device.
        pairs = {**estimate.fused_with}
        for lid in measured.fused:
            partner = estimate.fused_with.get(lid) or _neighbour(ir, lid)
            if lid in ir.layers and partner is not None:
                pairs[lid] = partner
        by_type: dict[str, list[float]] = {}
        for lid, us in times.items():
            if us > 0 and lid not in pairs:
                by_type.setdefault(ir.layers[lid].type, []).append(us)
        alone: dict[int, float] = {}
        for lid in pairs:
            typical = by_type.get(ir.layers[lid].type)
            alone[lid] = statistics.median(typical) if typical else scale * _alone_us(estimate, lid, name)
        fused_with.update(pairs)
        layer_us[name] = priced
        standalone[name] = alone
    subgraph_us: dict[str, float] = {}
    transfer: dict[tuple[str, str], tuple[float, float]] = {}
    for a in names:
        for b in names:
            if a >= b:
                continue
            try:
                cost = profile.boundary(a, b)
            except KeyError:
                raise InputError(
                    f"the cost profile has no boundary cost between {a} and {b}; calibrate both together"
                ) from None
            overhead, per_byte, how = robust_boundary(cost)
            if how:
                notes.append(f"{a}-{b} boundary: {how}")
            transfer[a, b] = transfer[b, a] = (0.0, per_byte)
            # The microbenchmark adds one subgraph per boundary: its fixed cost is a subgraph's overhead.
            for name in (a, b):
                subgraph_us[name] = max(subgraph_us.get(name, 0.0), overhead)
    for name in names:
        subgraph_us.setdefault(name, 0.0)
    split = profile.split
    if split is not None and split.boundary_ms > 0:
        scale = split.scale.median
        notes.append(
            f"subgraph and boundary costs x{scale:.2f}: the model's own split ({split.subgraphs} subgraphs) "
            f"ran in {split.latency_ms.median:.3f} ms, predicted {split.predicted_ms:.3f} ms from the "
            "microbenchmark's figures"
        )
        subgraph_us = {name: scale * us for name, us in subgraph_us.items()}
        transfer = {pair: (scale * fixed, scale * per_byte) for pair, (fixed, per_byte) in transfer.items()}
    elif split is not None:  # the microbenchmark found no boundary cost at all: nothing to scale
        overhead = max(0.0, 1e3 * (split.latency_ms.median - split.predicted_ms) / split.subgraphs)
        notes.append(
            f"per-subgraph overhead {overhead:.1f} µs, from the model's own split ({split.subgraphs} "
            "subgraphs; the microbenchmark found no boundary cost)"
        )
        subgraph_us = dict.fromkeys(names, overhead)
    return CostModel(
        devices=names,
        layer_us=layer_us,
        subgraph_us=subgraph_us,
        transfer=transfer,
        fused_with=fused_with,
        standalone_us=standalone,
        source="calibrated",
        notes=tuple(notes),
    )


def _alone_us(estimate: CostModel, lid: int, device: str) -> float:
    """The estimate's stand-alone time of ``lid`` on ``device`` (what an unfused layer costs there)."""
    return estimate.standalone_us.get(device, {}).get(lid, estimate.layer_us[device].get(lid, 0.0))


def _neighbour(ir: IRModel, lid: int) -> int | None:
    """The layer a fused ``lid`` most likely fused with: its only consumer when it is a heavy op (a MatMul
    the CPU plugin names after its bias Add), else its only non-constant input."""
    layer = ir.layers[lid]
    if layer.type in _HEAVY_OPS:
        consumers = ir.consumers(lid)
        return consumers[0] if len(consumers) == 1 else None
    inputs = [src for src, _ in ir.sources(lid) if ir.layers[src].type not in STRUCTURAL_TYPES]
    return inputs[0] if len(inputs) == 1 else None


def robust_boundary(cost: BoundaryCost) -> tuple[float, float, str]:
    """``(overhead µs, ns per byte, what was done)`` of a boundary cost: the median fit when it is sound,
    else a Theil-Sen line through its per-size slopes, clamped at 0 (``what`` is empty for the fit).

    Examples
    --------
    >>> from hetero_tool.cost.profile import BoundaryCost, BoundaryFit
    >>> fit = BoundaryFit(-5.0, 0.5, 0.2, 1.0, 2.0, {1024: 40.0, 4096: 41.0, 16384: 48.0}, {}, ())
    >>> overhead, per_byte, how = robust_boundary(BoundaryCost.of(("NPU", "CPU"), [fit]))
    >>> round(overhead, 1), round(per_byte, 5), how.startswith("the fit is negative")
    (39.5, 0.52083, True)
    """
    fit = cost.median_fit
    problems = []
    if fit.overhead_us < 0 or fit.per_byte_ns < 0:
        problems.append("negative")
    if fit.r2 < 0.5:
        problems.append(f"noisy (R² {fit.r2:.2f})")
    if not problems:
        return fit.overhead_us, fit.per_byte_ns, ""
    points = sorted(fit.slopes_us.items())
    if len(points) < 2:
        overhead = max(0.0, statistics.median([s for _, s in points])) if points else 0.0
        return overhead, 0.0, f"the fit is {' and '.join(problems)}; used the median slope per boundary"
    pairwise = [(s2 - s1) / (b2 - b1) for k, (b1, s1) in enumerate(points) for b2, s2 in points[k + 1 :]]
    per_byte_us = max(0.0, statistics.median(pairwise))
    overhead = max(0.0, statistics.median([s - per_byte_us * b for b, s in points]))
    return (
        overhead,
        1e3 * per_byte_us,
        f"the fit is {' and '.join(problems)}; used a robust line through its per-size slopes "
        f"({overhead:.1f} µs + {1e3 * per_byte_us:.4f} ns/byte)",
    )
