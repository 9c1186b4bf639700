"""Calibrating the cost model: per-layer times on each device, and what a subgraph boundary costs.

``hetero-tool calibrate MODEL --devices NPU,CPU`` measures, on this machine and for this model:

- **Per-layer times** on each device. The model is compiled on the device alone with ``PERF_COUNT``, profiled
  for a number of inferences, and the counters are averaged and joined to IR layers through the runtime model's
  ``originalLayersNames`` (:func:`~hetero_tool.runtime.counters.collect_profile`; a fused node's time is split
  evenly among the layers it names). Only compute layers the device supports are recorded:
  - an emulated device runs on the CPU plugin, which runs every layer, so it is compiled alone and the layers
    its profile excludes are left out of the record (what the CPU does with them says nothing of the device);
  - a real device that cannot run some layers cannot compile the model alone, so it is profiled through
    HETERO: the device first and the other devices as fallback, which pins every layer it supports to it (the
    fallback-priority plan), and only the layers the plan gives it are kept (method ``"hetero"``; their times
    then carry that plan's boundaries, not a whole-model compile's fusion).
  Layers no runtime node is named after (the CPU plugin folds a MatMul into a FullyConnected named after the
  bias Add) are listed as ``fused``: 0 ms, their time is in the neighbour's.
- **The per-subgraph overhead and the per-byte boundary cost**, for every pair of devices, from a
  microbenchmark: a chain of depthwise convolutions, cut into ``k`` subgraphs that alternate between the two
  devices (``k = 1, 2, 4, ..., 32``; every compiled model's ``HETERO_NUMBER_OF_SUBMODELS`` is checked to be
  ``k``), repeated for a few boundary tensor sizes spanning the model's own tensors. The latency is fitted by
  least squares to ``latency = base(size) + (k - 1) * (overhead + per_byte * bytes)``
  (:func:`fit_boundary_cost`): the overhead is the fixed cost of one more subgraph, ``per_byte`` what each
  byte crossing a boundary adds (host hand-off, the Reorders on both sides). The chain has the same layers
  whatever ``k`` is, so only the boundaries change; an odd ``k`` (``k = 1``: the chain on either device alone)
  is timed starting on either device and averaged, so every ``k`` has the same compute on each device and a
  speed difference between the devices does not bend the line. All configurations are timed in interleaved
  rounds, in a new (seeded) order each round, with two untimed inferences after every switch, so machine noise
  and cold starts hit them alike; each point is a median.

``repeat`` runs the whole calibration again (compiles included) and every figure is stated with its median and
range over the repeats. The result is a :class:`CostProfile`, written as JSON (like plans and bench results:
nested per-layer maps, ``null`` for unknowns, written by the standard library; TOML has neither) with a
``schema_version``, a deterministic key order and no timestamps; :func:`load_cost_profile` reads it back with
validation. The library never prints: long work reports through a ``progress(what, done, total)`` callback.

Emulated devices are CPU-plugin devices: their figures describe the CPU standing in for the device, and the
profile says so (``emulated: true``) for every one of them.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import statistics
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from hetero_tool._files import read_json, write_atomic
from hetero_tool._format import format_bytes
from hetero_tool.devices.device import Device
from hetero_tool.devices.support import Support
from hetero_tool.errors import BackendError, InputError, PlanError
from hetero_tool.ir.types import STRUCTURAL_TYPES, IRModel
from hetero_tool.runtime.progress import Progress, Steps

__all__ = [
    "COST_PROFILE_SCHEMA_VERSION",
    "LAYER_METHODS",
    "SUBGRAPH_COUNTS",
    "BoundaryCost",
    "BoundaryFit",
    "BoundaryPoint",
    "CalibrationConfig",
    "CostProfile",
    "DeviceCosts",
    "Spread",
    "TypeCost",
    "boundary_sizes",
    "calibrate",
    "calibrate_model",
    "chain_affinity",
    "chain_model",
    "fit_boundary_cost",
    "load_cost_profile",
]

#: Version of the cost-profile JSON; bumped on incompatible changes.
COST_PROFILE_SCHEMA_VERSION = 1
#: Subgraph counts of the microbenchmark.
SUBGRAPH_COUNTS = (1, 2, 4, 8, 16, 32)
#: How per-layer times can be measured (:attr:`CalibrationConfig.layer_method`).
LAYER_METHODS = ("auto", "alone", "hetero")
#: Channels of the microbenchmark chain (a multiple of the CPU plugin's channel blocks, 8 and 16).
CHAIN_CHANNELS = 16
_KIND = "hetero-tool cost profile"
#: Untimed inferences at the start of every timing slice of the microbenchmark.
_SLICE_WARMUP = 2


# -- types -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalibrationConfig:
    """How a calibration measures; stored in the profile so it says how its figures were obtained."""

    #: Whole calibrations run (compiles included); every figure is the median over them, with its range.
    repeat: int = 1
    #: Profiled inferences per device for the per-layer times (counters averaged over them).
    profile_iterations: int = 50
    #: How per-layer times are measured: ``"auto"`` (alone when the device can compile the whole model, which
    #: an emulated device always can, else through HETERO), ``"alone"`` or ``"hetero"``.
    layer_method: str = "auto"
    #: Timed inferences per microbenchmark configuration, split over the rounds.
    niter: int = 400
    #: Interleaved rounds the microbenchmark configurations take turns in.
    rounds: int = 8
    #: Subgraph counts ``k`` of the microbenchmark (at least two; none above :attr:`chain_layers`).
    subgraph_counts: tuple[int, ...] = SUBGRAPH_COUNTS
    #: Bytes of the tensor crossing each boundary, one sweep per size (empty: chosen from the model's own
    #: tensors, :func:`boundary_sizes`). At least two sizes separate the fixed cost from the per-byte cost.
    boundary_bytes: tuple[int, ...] = ()
    #: Layers of the microbenchmark chain (the same for every ``k``).
    chain_layers: int = 32
    #: Seed of the random input data and chain weights.
    seed: int = 0
    #: Reshapes applied to the model before compiling, input name (``""``: every input) -> shape
    #: (``"[1,3,224,224]"``); a model with dynamic inputs needs them.
    shapes: Mapping[str, str] = field(default_factory=dict)

    def check(self) -> None:
        """Raise :class:`~hetero_tool.errors.InputError` for settings that cannot calibrate anything."""
        for name in ("repeat", "profile_iterations", "niter", "rounds", "chain_layers"):
            if getattr(self, name) < 1:
                raise InputError(f"calibration: {name.replace('_', '-')} must be at least 1")
        if self.layer_method not in LAYER_METHODS:
            raise InputError(
                f"calibration: layer method {self.layer_method!r} is not one of {', '.join(LAYER_METHODS)}"
            )
        counts = self.subgraph_counts
        if len(set(counts)) < 2 or min(counts) < 1:
            raise InputError("calibration: give at least two different subgraph counts, each at least 1")
        if max(counts) > self.chain_layers:
            raise InputError(f"calibration: {max(counts)} subgraphs need a chain of at least {max(counts)} layers "
                             f"(it has {self.chain_layers})")  # fmt: skip
        if self.boundary_bytes and len(set(self.boundary_bytes)) < 2:
            raise InputError("calibration: give at least two different boundary sizes (bytes), to separate the "
                             "fixed per-subgraph cost from the per-byte cost")  # fmt: skip
        if any(b < 4 * CHAIN_CHANNELS for b in self.boundary_bytes):
            raise InputError(f"calibration: boundary sizes must be at least {4 * CHAIN_CHANNELS} bytes")


@dataclass(frozen=True)
class Spread:
    """One figure over the repeats of a calibration: its median, range, and every value."""

    median: float
    low: float
    high: float
    #: One value per repeat, in order.
    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """The spread of ``values``.

        Examples
        --------
        >>> Spread.of([3.0, 1.0, 2.0])
        Spread(median=2.0, low=1.0, high=3.0, values=(3.0, 1.0, 2.0))
        >>> round(Spread.of([3.0, 1.0, 2.0]).relative, 3)
        1.0
        """
        if not values:
            raise ValueError("no values")
        return cls(float(statistics.median(values)), float(min(values)), float(max(values)),
                   tuple(float(v) for v in values))  # fmt: skip

    @property
    def relative(self) -> float:
        """The range as a share of the median (0 with one repeat; ``inf`` when the median is 0 and the range
        is not)."""
        width = self.high - self.low
        if width == 0:
            return 0.0
        return width / abs(self.median) if self.median else math.inf


@dataclass(frozen=True)
class TypeCost:
    """Time of the layers of one op type on one device, for this model."""

    count: int
    total_ms: float

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.count if self.count else 0.0


@dataclass(frozen=True)
class DeviceCosts:
    """Per-layer times of one device for this model (medians over the repeats)."""

    name: str
    #: Emulated: the CPU plugin standing in for the device, with its profile's config.
    emulated: bool
    profile: str | None
    ov_name: str
    #: OpenVINO properties it was compiled with (the profile's config for an emulated device).
    config: Mapping[str, Any]
    #: ``"alone"``: the model compiled on the device alone; ``"hetero"``: through HETERO, the layers the device
    #: cannot run on the next device (their times are not recorded).
    method: str
    #: IR layer id -> ms per inference, for every compute layer the device supports.
    layer_ms: Mapping[int, float]
    #: Compute layers the device does not support (not timed), layer id -> reason.
    unsupported: Mapping[int, str]
    #: Supported compute layers no node of the runtime model names (fused into a neighbour that took another
    #: name, e.g. a MatMul into the CPU plugin's FullyConnected named after its bias Add): their time is in
    #: that neighbour's, and :attr:`layer_ms` has 0.0 for them.
    fused: tuple[int, ...]
    #: Median latency of the profiled inferences, and the sum of the recorded layer times, per repeat.
    latency_ms: Spread
    counted_ms: Spread
    #: Range over the repeats of each layer's time as a share of its median: the median and 90th percentile
    #: over the layers (0 with one repeat).
    layer_spread: float = 0.0
    layer_spread_p90: float = 0.0

    @property
    def label(self) -> str:
        return (
            f"{self.name} (emulated: {self.profile} profile on the CPU plugin)"
            if self.emulated
            else self.name
        )

    def types(self, types: Mapping[int, str]) -> dict[str, TypeCost]:
        """Time per op type (``types``: layer id -> op type, e.g. :attr:`CostProfile.layer_types`), by name."""
        found: dict[str, list[float]] = {}
        for lid, ms in self.layer_ms.items():
            found.setdefault(types.get(lid, "?"), []).append(ms)
        return {name: TypeCost(len(times), sum(times)) for name, times in sorted(found.items())}


@dataclass(frozen=True)
class BoundaryPoint:
    """One configuration of the microbenchmark: its median latency and what the fit predicts for it."""

    #: Bytes of the tensor crossing each boundary.
    bytes: int
    #: Subgraphs (``HETERO_NUMBER_OF_SUBMODELS``, checked).
    subgraphs: int
    latency_ms: float
    predicted_ms: float

    @property
    def residual_us(self) -> float:
        return 1e3 * (self.latency_ms - self.predicted_ms)


@dataclass(frozen=True)
class BoundaryFit:
    """``latency = base(size) + (k - 1) * (overhead + per_byte * bytes)``, fitted to one microbenchmark run."""

    #: Fixed cost of one more subgraph (one more boundary), in microseconds.
    overhead_us: float
    #: Cost of each byte crossing a boundary, in nanoseconds (1 / this = GB/s).
    per_byte_ns: float
    #: Share of the latency's variation with ``k`` (within each size) the fit explains.
    r2: float
    #: Root mean square and largest absolute residual, in microseconds.
    rmse_us: float
    max_residual_us: float
    #: Per size (bytes): the slope of its own sweep alone, in microseconds per boundary.
    slopes_us: Mapping[int, float]
    #: Per size: the fitted latency with one subgraph, in ms.
    base_ms: Mapping[int, float]
    points: tuple[BoundaryPoint, ...]

    def boundary_us(self, nbytes: float) -> float:
        """Predicted cost of one boundary carrying ``nbytes``, in microseconds."""
        return self.overhead_us + 1e-3 * self.per_byte_ns * nbytes


@dataclass(frozen=True)
class BoundaryCost:
    """What a boundary between two devices costs: the fit of every repeat, and the spread of its figures."""

    #: The two devices, in priority order.
    devices: tuple[str, str]
    overhead_us: Spread
    per_byte_ns: Spread
    r2: Spread
    #: One fit per repeat, in order.
    fits: tuple[BoundaryFit, ...]

    @classmethod
    def of(cls, devices: tuple[str, str], fits: Sequence[BoundaryFit]) -> BoundaryCost:
        return cls(
            devices=devices,
            overhead_us=Spread.of([f.overhead_us for f in fits]),
            per_byte_ns=Spread.of([f.per_byte_ns for f in fits]),
            r2=Spread.of([f.r2 for f in fits]),
            fits=tuple(fits),
        )

    def boundary_us(self, nbytes: float) -> float:
        """Cost of one boundary carrying ``nbytes`` (median figures), in microseconds."""
        return self.overhead_us.median + 1e-3 * self.per_byte_ns.median * nbytes

    @property
    def transfer_gbps(self) -> float:
        """The per-byte cost as a bandwidth (a device profile's ``transfer_gbps``); ``inf`` when it is not
        positive."""
        return 1.0 / self.per_byte_ns.median if self.per_byte_ns.median > 0 else math.inf


@dataclass(frozen=True)
class CostProfile:
    """Everything a calibration measured for one model on one machine, for the cost model to use."""

    model_name: str
    model_path: str
    model_sha256: str
    #: ``openvino.get_version()`` and the host CPU (OpenVINO's ``FULL_DEVICE_NAME`` of ``CPU``) and core count.
    openvino: str
    host_cpu: str
    host_cores: int
    config: CalibrationConfig
    #: Per device, in priority order.
    devices: tuple[DeviceCosts, ...]
    #: Per pair of devices (in priority order); empty with a single device.
    boundaries: tuple[BoundaryCost, ...]
    #: Layer id -> op type, for every layer of the model (to read per-type figures without the model).
    layer_types: Mapping[int, str] = field(default_factory=dict)

    schema_version = COST_PROFILE_SCHEMA_VERSION

    def device(self, name: str) -> DeviceCosts:
        """The per-layer times of device ``name``."""
        for device in self.devices:
            if device.name == name:
                return device
        raise KeyError(name)

    def layer_ms(self, device: str, layer_id: int) -> float | None:
        """Time of ``layer_id`` on ``device`` (ms per inference); ``None`` when the device does not run it."""
        return self.device(device).layer_ms.get(layer_id)

    def boundary(self, a: str, b: str) -> BoundaryCost:
        """The boundary cost between devices ``a`` and ``b`` (either order)."""
        for cost in self.boundaries:
            if set(cost.devices) == {a, b} and a != b:
                return cost
        raise KeyError((a, b))

    def boundary_us(self, a: str, b: str, nbytes: float) -> float:
        """Predicted cost of one more subgraph boundary between ``a`` and ``b`` carrying ``nbytes`` (median
        figures), in microseconds."""
        return self.boundary(a, b).boundary_us(nbytes)

    def type_ms(self, device: str) -> dict[str, TypeCost]:
        """Time per op type on ``device`` for this model, by type name."""
        return self.device(device).types(self.layer_types)

    # -- JSON ----------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The profile as a JSON-ready dict: fixed key order, layers by numeric id, no timestamps. Each device's
        ``types`` (time per op type) is derived from ``layer_ms`` and ``layer_types`` for readers of the file;
        :meth:`from_json` does not read it back."""
        return {
            "schema_version": COST_PROFILE_SCHEMA_VERSION,
            "kind": _KIND,
            "model": {"name": self.model_name, "path": self.model_path, "sha256": self.model_sha256},
            "openvino": self.openvino,
            "host": {"cpu": self.host_cpu, "cores": self.host_cores},
            "config": {
                **asdict(self.config),
                "subgraph_counts": list(self.config.subgraph_counts),
                "boundary_bytes": list(self.config.boundary_bytes),
                "shapes": {k: self.config.shapes[k] for k in sorted(self.config.shapes)},
            },
            "devices": [_device_json(d, self.layer_types) for d in self.devices],
            "boundaries": [_boundary_json(b) for b in self.boundaries],
            "layer_types": {str(lid): t for lid, t in sorted(self.layer_types.items())},
        }

    @classmethod
    def from_json(cls, data: Any, *, where: str = "cost profile") -> CostProfile:
        """Read :meth:`to_json`'s output back; :class:`~hetero_tool.errors.InputError` naming ``where`` and the
        key for anything that is not a cost profile of this schema."""
        r = _Reader(where)
        r.mapping(data, "")
        if data.get("kind") != _KIND:
            raise InputError(f'{where}: not a hetero-tool cost profile (no "kind": "{_KIND}")')
        version = data.get("schema_version")
        if version != COST_PROFILE_SCHEMA_VERSION:
            raise InputError(f"{where}: schema_version {version!r} is not {COST_PROFILE_SCHEMA_VERSION} (calibrate "
                             "again with this version of hetero-tool)")  # fmt: skip
        model = r.mapping(data.get("model"), "model")
        host = r.mapping(data.get("host"), "host")
        types = {r.layer_id(k, "layer_types"): r.string(v, f"layer_types.{k}")
                 for k, v in r.mapping(data.get("layer_types", {}), "layer_types").items()}  # fmt: skip
        profile = cls(
            model_name=r.string(model.get("name"), "model.name"),
            model_path=r.string(model.get("path"), "model.path"),
            model_sha256=r.string(model.get("sha256"), "model.sha256"),
            openvino=r.string(data.get("openvino"), "openvino"),
            host_cpu=r.string(host.get("cpu"), "host.cpu"),
            host_cores=r.integer(host.get("cores"), "host.cores"),
            config=_config_from_json(r, data.get("config")),
            devices=tuple(
                _device_from_json(r, d, f"devices[{k}]")
                for k, d in enumerate(r.sequence(data.get("devices"), "devices"))
            ),
            boundaries=tuple(
                _boundary_from_json(r, b, f"boundaries[{k}]")
                for k, b in enumerate(r.sequence(data.get("boundaries"), "boundaries"))
            ),
            layer_types=types,
        )
        names = [d.name for d in profile.devices]
        if not names or len(set(names)) != len(names):
            raise InputError(
                f"{where}: devices must list each device once (got {', '.join(names) or 'none'})"
            )
        for k, cost in enumerate(profile.boundaries):
            if not set(cost.devices) <= set(names) or cost.devices[0] == cost.devices[1]:
                raise InputError(f"{where}: boundaries[{k}].devices {list(cost.devices)} are not two of the "
                                 f"profile's devices ({', '.join(names)})")  # fmt: skip
        return profile

    def save(self, path: str | Path) -> Path:
        """Write the profile as JSON, atomically."""
        return write_atomic(path, json.dumps(self.to_json(), indent=2) + "\n")


def load_cost_profile(path: str | Path, ir: IRModel | None = None) -> CostProfile:
    """Read a cost profile written by ``hetero-tool calibrate -o``; with ``ir``, check it was made for that
    model (same IR SHA-256)."""
    data = read_json(path, "cost profile")
    profile = CostProfile.from_json(data, where=str(path))
    if ir is not None:
        from hetero_tool.partition.plan import model_sha256

        digest = model_sha256(ir)
        if digest != profile.model_sha256:
            raise PlanError(f"{path}: the cost profile was calibrated for {profile.model_name!r} (IR sha256 "
                            f"{profile.model_sha256[:12]}...), not for {ir.path} (sha256 {digest[:12]}...)")  # fmt: skip
    return profile


# -- the microbenchmark ----------------------------------------------------------------------------------------


def chain_model(tensor_bytes: int, layers: int = 32, *, seed: int = 0):
    """A chain of ``layers`` depthwise 3x3 convolutions on an f32 ``[1, 16, H, W]`` tensor of about
    ``tensor_bytes`` (an ``ov.Model``; layers named ``layer0``, ``layer1``...).

    Depthwise convolutions do not fuse with each other on the CPU plugin, so the chain runs the same kernels
    however it is cut; each is cheap and memory-bound, like the Reorders a boundary adds.

    Examples
    --------
    >>> model = chain_model(4096, layers=4)
    >>> model.inputs[0].get_shape(), [op.get_friendly_name() for op in model.get_ordered_ops()][-3:]
    (<Shape: [1,16,8,8]>, ['w3', 'layer3', 'y'])
    """
    import numpy as np
    import openvino as ov
    import openvino.opset13 as ops

    height, width = _chain_hw(tensor_bytes)
    rng = np.random.default_rng(seed)
    x = ops.parameter([1, CHAIN_CHANNELS, height, width], np.float32, name="x")
    y = x.output(0)
    for i in range(layers):
        # Weights summing to about 1 keep activations bounded however long the chain is.
        w = (rng.random((CHAIN_CHANNELS, 1, 1, 3, 3)) / 4.5).astype(np.float32)
        weights = ops.constant(w, name=f"w{i}")
        conv = ops.group_convolution(y, weights, [1, 1], [1, 1], [1, 1], [1, 1], name=f"layer{i}")
        y = conv.output(0)
    result = ops.result(y, name="y")
    return ov.Model([result], [x], f"chain_{4 * CHAIN_CHANNELS * height * width}")


def chain_affinity(ir: IRModel, subgraphs: int, devices: tuple[str, str]) -> dict[int, str]:
    """Layer id -> device for the chain's layers (``layer<i>``), cut into ``subgraphs`` runs of (nearly) equal
    length that alternate between ``devices``, starting with the first. Parameters, Constants and Results are
    left out: they follow their neighbours, as HETERO places them.

    Examples
    --------
    >>> import tempfile, openvino as ov
    >>> from hetero_tool.ir import parse_ir
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     ov.save_model(chain_model(1024, layers=4), f"{tmp}/c.xml")
    ...     ir = parse_ir(f"{tmp}/c.xml")
    >>> affinity = chain_affinity(ir, 2, ("NPU", "CPU"))
    >>> [affinity[lid] for lid in sorted(affinity, key=lambda lid: ir.layers[lid].name)]
    ['NPU', 'NPU', 'CPU', 'CPU']
    """
    chain = sorted((lid for lid, layer in ir.layers.items() if layer.name.startswith("layer")),
                   key=lambda lid: int(ir.layers[lid].name[len("layer"):]))  # fmt: skip
    if not 1 <= subgraphs <= len(chain):
        raise ValueError(f"{subgraphs} subgraphs from a chain of {len(chain)} layers")
    return {lid: devices[(i * subgraphs // len(chain)) % 2] for i, lid in enumerate(chain)}


def fit_boundary_cost(points: Sequence[tuple[int, int, float]]) -> BoundaryFit:
    """Least-squares fit of ``latency = base(size) + (k - 1) * (overhead + per_byte * bytes)``.

    ``points`` are ``(bytes per boundary, subgraphs k, latency in ms)``. Every size gets its own base (the
    chain's compute differs with the tensor size); the overhead and the per-byte cost are shared. With a single
    size the two cannot be told apart: the whole slope is the overhead and the per-byte cost is 0. ``r2`` is
    the share of the variation *within* each size (around its mean) that the fit explains, so the differences
    between the sizes' bases do not flatter it.

    Examples
    --------
    >>> pts = [(b, k, 1.0 + b / 1e6 + (k - 1) * (0.020 + 0.5e-6 * b)) for b in (1000, 8000) for k in (1, 2, 4, 8)]
    >>> fit = fit_boundary_cost(pts)
    >>> round(fit.overhead_us, 6), round(fit.per_byte_ns, 6), round(fit.r2, 6)
    (20.0, 0.5, 1.0)
    """
    import numpy as np

    if not points:
        raise ValueError("no points to fit")
    sizes = sorted({int(b) for b, _, _ in points})
    for size in sizes:
        if len({k for b, k, _ in points if b == size}) < 2:
            raise ValueError(f"size {size}: need at least two subgraph counts")
    scale = max(sizes)  # keeps the columns of the same order
    rows, y = [], []
    for b, k, latency in points:
        rows.append(
            [1.0 if b == s else 0.0 for s in sizes]
            + [k - 1.0]
            + ([(k - 1.0) * b / scale] if len(sizes) > 1 else [])
        )
        y.append(latency)
    a, target = np.asarray(rows), np.asarray(y)
    coef, *_ = np.linalg.lstsq(a, target, rcond=None)
    predicted = a @ coef
    residual = target - predicted
    means = {s: float(np.mean([lat for b, _, lat in points if b == s])) for s in sizes}
    within = sum((lat - means[int(b)]) ** 2 for b, _, lat in points)
    ss_res = float(residual @ residual)
    r2 = 1.0 - ss_res / within if within > 0 else (1.0 if ss_res == 0 else 0.0)
    overhead_ms = float(coef[len(sizes)])
    per_byte_ms = float(coef[len(sizes) + 1]) / scale if len(sizes) > 1 else 0.0
    slopes = {}
    for s in sizes:
        ks = np.asarray([k - 1.0 for b, k, _ in points if b == s])
        lat = np.asarray([v for b, _, v in points if b == s])
        slopes[s] = 1e3 * float(np.polyfit(ks, lat, 1)[0])
    return BoundaryFit(
        overhead_us=1e3 * overhead_ms,
        per_byte_ns=1e6 * per_byte_ms,
        r2=float(r2),
        rmse_us=1e3 * math.sqrt(ss_res / len(points)),
        max_residual_us=1e3 * float(np.max(np.abs(residual))),
        slopes_us=slopes,
        base_ms={s: float(coef[i]) for i, s in enumerate(sizes)},
        points=tuple(
            BoundaryPoint(int(b), int(k), float(lat), float(p)) for (b, k, lat), p in zip(points, predicted)
        ),
    )


def boundary_sizes(ir: IRModel, count: int = 3) -> tuple[int, ...]:
    """Boundary sizes (bytes) for the microbenchmark, spanning the tensors this model could cut: ``count``
    sizes spaced evenly on a log scale from the 10th to the 90th percentile of its compute layers' output
    bytes, kept within 1 KiB..4 MiB and at least a factor of 16 apart end to end, rounded to what the chain can
    carry.
    """
    found = sorted(
        port.nbytes
        for layer in ir.layers.values()
        if layer.type not in STRUCTURAL_TYPES
        for port in layer.outputs
        if port.nbytes
    )
    # 10th and 90th percentiles (the value at rank ceil(p * n), as bench's latency percentiles).
    low, high = (
        (found[max(0, math.ceil(0.1 * len(found)) - 1)], found[max(0, math.ceil(0.9 * len(found)) - 1)])
        if found else (1024, 65536)
    )  # fmt: skip
    low = min(max(low, 1024), 1 << 22)
    high = min(max(high, 16 * low), 1 << 22)
    if high < 16 * low:
        low = high // 16
    sizes = []
    for i in range(count):
        target = low * (high / low) ** (i / max(1, count - 1))
        height, width = _chain_hw(int(target))
        sizes.append(4 * CHAIN_CHANNELS * height * width)
    return tuple(sorted(set(sizes)))


# -- calibrating -----------------------------------------------------------------------------------------------


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
    >>> import tempfile
    >>> from hetero_tool.devices.device import resolve_devices
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.samples import save_samples
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     ir = parse_ir(save_samples(tmp, names=["mobilenet"])["mobilenet"])
    ...     devices = resolve_devices(["NPU", "CPU"], {"NPU": "npu"})
    ...     quick = CalibrationConfig(niter=4, rounds=2, profile_iterations=2, subgraph_counts=(1, 2),
    ...                               chain_layers=2, boundary_bytes=(1024, 4096))
    ...     profile = calibrate(ir, devices, quick)
    >>> [(d.name, d.emulated, d.method) for d in profile.devices], profile.boundaries[0].devices
    ([('NPU', True, 'alone'), ('CPU', False, 'alone')], ('NPU', 'CPU'))
    """
    import openvino as ov

    from hetero_tool.partition.plan import model_sha256

    config = config or CalibrationConfig()
    config.check()
    devices = tuple(devices)
    if not devices:
        raise InputError("calibration: give at least one device")
    # The sizes the chain really carries (the nearest a [1, 16, H, W] f32 tensor has), so the profile agrees
    # with its own points.
    sizes = config.boundary_bytes or boundary_sizes(ir)
    config = _replace(
        config, boundary_bytes=tuple(sorted({4 * CHAIN_CHANNELS * math.prod(_chain_hw(b)) for b in sizes}))
    )
    if len(config.boundary_bytes) < 2:
        raise InputError(
            f"--boundary-bytes {','.join(map(str, sizes))}: these sizes round to one the chain can carry "
            f"({config.boundary_bytes[0]} bytes); give sizes further apart, so the per-byte cost can be separated"
        )
    pairs = list(itertools.combinations(devices, 2))
    support = Support(ir)
    verdicts = {d.name: support.query(d) for d in devices}
    counts = sorted(set(config.subgraph_counts))
    per_pair = len(config.boundary_bytes) * (len(counts) + sum(k % 2 for k in counts))
    per_repeat = len(devices) + len(pairs) * per_pair * (1 + config.rounds)
    steps = Steps(progress, config.repeat * per_repeat)

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
    steps.finish()

    compute = [lid for lid, layer in ir.layers.items() if layer.type not in STRUCTURAL_TYPES]
    device_costs = tuple(
        _device_costs(device, layer_runs[device.name], verdicts[device.name], compute) for device in devices
    )
    core = ov.Core()
    try:
        host = str(core.get_property("CPU", "FULL_DEVICE_NAME"))
    except Exception:  # no CPU plugin: say so rather than fail a finished calibration
        host = "unknown"
    return CostProfile(
        model_name=ir.name,
        model_path=str(model_path or ir.path),
        model_sha256=model_sha256(ir),
        openvino=ov.get_version(),
        host_cpu=host,
        host_cores=os.cpu_count() or 0,
        config=config,
        devices=device_costs,
        boundaries=tuple(BoundaryCost.of((a.name, b.name), fits[(a.name, b.name)]) for a, b in pairs),
        layer_types={lid: layer.type for lid, layer in ir.layers.items()},
    )


def calibrate_model(
    model: str | Path,
    *,
    devices: str,
    emulate: Sequence[str] = (),
    config: CalibrationConfig | None = None,
    progress: Progress | None = None,
) -> CostProfile:
    """Everything ``hetero-tool calibrate`` does, from a model path and option strings (``devices`` a priority
    list such as ``HETERO:NPU,CPU``, ``emulate`` ``NAME[=PROFILE]`` values) to a :class:`CostProfile`."""
    from hetero_tool.devices.device import parse_emulate, resolve_devices
    from hetero_tool.devices.names import parse_devices
    from hetero_tool.ir.formats import load_ir

    config = config or CalibrationConfig()
    config.check()  # before the model is read: bad options fail fast
    chosen = resolve_devices(parse_devices(devices), parse_emulate(emulate))
    ir = load_ir(model)
    return calibrate(ir, chosen, config, model_path=model, progress=progress)


# -- per-layer times -------------------------------------------------------------------------------------------


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
    from hetero_tool.partition.plan import make_plan
    from hetero_tool.runtime.counters import collect_profile
    from hetero_tool.runtime.hetero import compile_device, compile_plan, model_for
    from hetero_tool.runtime.inputs import make_inputs

    refused = {lid for lid, reason in verdict.items() if reason is not None}
    compute_refused = {lid for lid in refused if ir.layers[lid].type not in STRUCTURAL_TYPES}
    properties = {"PERF_COUNT": True}
    method = config.layer_method
    if method == "auto":
        method = "alone" if device.emulated or not compute_refused else "hetero"
    plan = None
    if method == "alone":
        model = model_for(ir, shapes=config.shapes)
        inputs = make_inputs(model, seed=config.seed)
        compiled = compile_device(ir, device, model=model, properties=properties)
        mine = set(ir.layers)
    else:
        others = [d for d in devices if d.name != device.name]
        if compute_refused and not others:
            first = ir.layers[min(compute_refused)]
            raise InputError(f"{device.label} cannot run {len(compute_refused)} layer(s) of {ir.name!r}, e.g. "
                             f"{first.label} ({first.type}): {verdict[first.id]}; give a fallback device too")  # fmt: skip
        plan = make_plan(ir, [device, *others], support=support)
        to_ov = {d.name: d.ov_name for d in devices}
        model = model_for(ir, affinity={lid: to_ov[d] for lid, d in plan.layer_affinity.items()},
                          shapes=config.shapes)  # fmt: skip
        inputs = make_inputs(model, seed=config.seed)
        compiled = compile_plan(ir, plan, model=model, properties=properties)
        mine = {lid for lid, d in plan.layer_affinity.items() if d == device.name}
    profile = collect_profile(ir, plan, compiled, inputs, iterations=config.profile_iterations)
    wanted = [lid for lid in ir.layers
              if lid in mine and lid not in refused and ir.layers[lid].type not in STRUCTURAL_TYPES]  # fmt: skip
    times = {lid: float(profile.layer_times_ms.get(lid, 0.0)) for lid in wanted}
    fused = frozenset(lid for lid in wanted if lid not in profile.layer_times_ms)
    return _LayerRun(method, times, fused, float(profile.latency_ms))


def _device_costs(device: Device, runs: Sequence[_LayerRun], verdict: Mapping[int, str | None],
                  compute: Sequence[int]) -> DeviceCosts:  # fmt: skip
    """One device's figures: each layer's median time over the repeats, and the spreads."""
    unsupported = {lid: reason for lid in compute if (reason := verdict.get(lid)) is not None}
    timed = sorted(set().union(*(run.layer_ms for run in runs)))
    layer_ms = {lid: float(statistics.median([run.layer_ms.get(lid, 0.0) for run in runs])) for lid in timed}
    spreads = sorted(Spread.of([run.layer_ms.get(lid, 0.0) for run in runs]).relative
                     for lid in timed if layer_ms[lid] > 0)  # fmt: skip
    return DeviceCosts(
        name=device.name,
        emulated=device.emulated,
        profile=device.profile.name if device.profile else None,
        ov_name=device.ov_name,
        config=dict(device.config),
        method=runs[0].method,
        layer_ms=layer_ms,
        unsupported=unsupported,
        fused=tuple(sorted(frozenset.intersection(*(run.fused for run in runs)))),
        latency_ms=Spread.of([run.latency_ms for run in runs]),
        counted_ms=Spread.of([sum(run.layer_ms.values()) for run in runs]),
        layer_spread=float(statistics.median(spreads)) if spreads else 0.0,
        layer_spread_p90=spreads[max(0, math.ceil(0.9 * len(spreads)) - 1)] if spreads else 0.0,
    )


# -- boundary cost ---------------------------------------------------------------------------------------------


@dataclass
class _Chain:
    ir: IRModel
    support: Support
    nbytes: int


@dataclass
class _Config:
    """One microbenchmark configuration: a chain size, a device pair, ``k`` subgraphs starting on ``first``."""

    pair: tuple[str, str]
    nbytes: int
    subgraphs: int
    first: str
    compiled: Any = None
    timer: Any = None


def _save_chains(directory: Path, config: CalibrationConfig) -> dict[int, _Chain]:
    """The microbenchmark chain for every boundary size, saved as IR and read back (plans are made from IR)."""
    import openvino as ov

    from hetero_tool.ir import parse_ir

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
    from hetero_tool.partition.plan import make_plan
    from hetero_tool.runtime.hetero import compile_plan
    from hetero_tool.runtime.timing import Timer

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
            steps.advance(f"{tag}compiling {cfg.subgraphs} alternating subgraphs of {format_bytes(cfg.nbytes)} on "
                          f"{' & '.join(cfg.pair)}")  # fmt: skip
            affinity = chain_affinity(chain.ir, cfg.subgraphs, (pair[0].name, pair[1].name))
            plan = make_plan(chain.ir, [by_name[cfg.pair[0]], by_name[cfg.pair[1]]], affinity_map=affinity,
                             support=chain.support)  # fmt: skip
            if plan.subgraph_count != cfg.subgraphs:
                raise BackendError(f"calibration: the {cfg.subgraphs}-subgraph chain is predicted to cut into "
                                   f"{plan.subgraph_count} subgraphs")  # fmt: skip
            cfg.compiled = compile_plan(chain.ir, plan)
            if cfg.compiled.submodels != cfg.subgraphs:
                raise BackendError(f"calibration: HETERO compiled the {cfg.subgraphs}-subgraph chain into "
                                   f"{cfg.compiled.submodels} submodels")  # fmt: skip
            model_inputs = {0: _chain_input(cfg.compiled.compiled, config.seed)}
            cfg.timer = Timer(cfg.compiled.compiled, model_inputs)
            cfg.timer.warm_up()
        shuffle = random.Random(config.seed)
        for round_index in range(config.rounds):
            # A new order every round (seeded): the first inferences after a switch run colder (caches, another
            # model's threads), and a fixed order would always put the same configuration after the same one.
            order = list(configs)
            shuffle.shuffle(order)
            for cfg in order:
                steps.advance(f"{tag}round {round_index + 1}/{config.rounds}: timing {cfg.subgraphs} subgraphs of "
                              f"{format_bytes(cfg.nbytes)} on {' & '.join(cfg.pair)}")  # fmt: skip
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


# -- JSON helpers ----------------------------------------------------------------------------------------------


def _spread_json(spread: Spread) -> dict[str, Any]:
    return {"median": spread.median, "min": spread.low, "max": spread.high, "values": list(spread.values)}


def _device_json(device: DeviceCosts, layer_types: Mapping[int, str]) -> dict[str, Any]:
    return {
        "name": device.name,
        "emulated": device.emulated,
        "profile": device.profile,
        "ov_name": device.ov_name,
        "config": {k: device.config[k] for k in sorted(device.config)},
        "method": device.method,
        "latency_ms": _spread_json(device.latency_ms),
        "counted_ms": _spread_json(device.counted_ms),
        "layer_spread": device.layer_spread,
        "layer_spread_p90": device.layer_spread_p90,
        "types": {
            name: {"count": cost.count, "total_ms": cost.total_ms, "mean_ms": cost.mean_ms}
            for name, cost in device.types(layer_types).items()
        },
        "layer_ms": {str(lid): ms for lid, ms in sorted(device.layer_ms.items())},
        "unsupported": {str(lid): reason for lid, reason in sorted(device.unsupported.items())},
        "fused": list(device.fused),
    }


def _fit_json(fit: BoundaryFit) -> dict[str, Any]:
    return {
        "overhead_us": fit.overhead_us,
        "per_byte_ns": fit.per_byte_ns,
        "r2": fit.r2,
        "rmse_us": fit.rmse_us,
        "max_residual_us": fit.max_residual_us,
        "slopes_us": {str(size): slope for size, slope in sorted(fit.slopes_us.items())},
        "base_ms": {str(size): base for size, base in sorted(fit.base_ms.items())},
        "points": [
            {
                "bytes": p.bytes,
                "subgraphs": p.subgraphs,
                "latency_ms": p.latency_ms,
                "predicted_ms": p.predicted_ms,
            }
            for p in fit.points
        ],
    }


def _boundary_json(cost: BoundaryCost) -> dict[str, Any]:
    return {
        "devices": list(cost.devices),
        "overhead_us": _spread_json(cost.overhead_us),
        "per_byte_ns": _spread_json(cost.per_byte_ns),
        "r2": _spread_json(cost.r2),
        "fits": [_fit_json(f) for f in cost.fits],
    }


class _Reader:
    """Typed accessors that fail with the file and key."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, key: str, problem: str):
        raise InputError(f"{self.where}: {key or 'the document'} {problem}")

    def mapping(self, value: Any, key: str) -> dict:
        if not isinstance(value, dict):
            self.fail(key, "must be a JSON object" if value is not None else "is missing")
        return value

    def sequence(self, value: Any, key: str) -> list:
        if not isinstance(value, list):
            self.fail(key, "must be a JSON array" if value is not None else "is missing")
        return value

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            self.fail(key, "must be a string" if value is not None else "is missing")
        return value

    def optional_string(self, value: Any, key: str) -> str | None:
        return None if value is None else self.string(value, key)

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            self.fail(key, "must be true or false")
        return value

    def integer(self, value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, "must be a whole number" if value is not None else "is missing")
        return value

    def number(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(key, "must be a finite number" if value is not None else "is missing")
        return float(value)

    def layer_id(self, text: Any, key: str) -> int:
        try:
            return int(text)
        except (TypeError, ValueError):
            self.fail(f"{key}.{text}", "is not a layer id")

    def size(self, text: Any, key: str) -> int:
        try:
            return int(text)
        except (TypeError, ValueError):
            self.fail(f"{key}.{text}", "is not a size in bytes")

    def spread(self, value: Any, key: str) -> Spread:
        data = self.mapping(value, key)
        values = tuple(
            self.number(v, f"{key}.values[{i}]")
            for i, v in enumerate(self.sequence(data.get("values"), f"{key}.values"))
        )
        if not values:
            self.fail(f"{key}.values", "is empty")
        return Spread(self.number(data.get("median"), f"{key}.median"), self.number(data.get("min"), f"{key}.min"),
                      self.number(data.get("max"), f"{key}.max"), values)  # fmt: skip


def _config_from_json(r: _Reader, value: Any) -> CalibrationConfig:
    data = r.mapping(value, "config")
    known = {f.name for f in fields(CalibrationConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        r.fail(f"config.{unknown[0]}", "is not a calibration setting")
    values: dict[str, Any] = {}
    for name in known & set(data):
        if name == "layer_method":
            values[name] = r.string(data[name], "config.layer_method")
        elif name == "shapes":
            values[name] = {r.string(k, "config.shapes"): r.string(v, f"config.shapes.{k}")
                            for k, v in r.mapping(data[name], "config.shapes").items()}  # fmt: skip
        elif name in ("subgraph_counts", "boundary_bytes"):
            values[name] = tuple(r.integer(v, f"config.{name}[{i}]")
                                 for i, v in enumerate(r.sequence(data[name], f"config.{name}")))  # fmt: skip
        else:
            values[name] = r.integer(data[name], f"config.{name}")
    config = CalibrationConfig(**values)
    try:
        config.check()
    except InputError as exc:
        r.fail("config", f"is not a valid calibration setting ({exc})")
    return config


def _device_from_json(r: _Reader, value: Any, key: str) -> DeviceCosts:
    data = r.mapping(value, key)
    method = r.string(data.get("method"), f"{key}.method")
    if method not in ("alone", "hetero"):
        r.fail(f"{key}.method", f'must be "alone" or "hetero" (got {method!r})')
    layer_ms = {r.layer_id(k, f"{key}.layer_ms"): r.number(v, f"{key}.layer_ms.{k}")
                for k, v in r.mapping(data.get("layer_ms"), f"{key}.layer_ms").items()}  # fmt: skip
    if any(v < 0 for v in layer_ms.values()):
        r.fail(f"{key}.layer_ms", "has a negative time")
    return DeviceCosts(
        name=r.string(data.get("name"), f"{key}.name"),
        emulated=r.boolean(data.get("emulated"), f"{key}.emulated"),
        profile=r.optional_string(data.get("profile"), f"{key}.profile"),
        ov_name=r.string(data.get("ov_name"), f"{key}.ov_name"),
        config=dict(r.mapping(data.get("config", {}), f"{key}.config")),
        method=method,
        layer_ms=layer_ms,
        unsupported={
            r.layer_id(k, f"{key}.unsupported"): r.string(v, f"{key}.unsupported.{k}")
            for k, v in r.mapping(data.get("unsupported", {}), f"{key}.unsupported").items()
        },
        fused=tuple(
            r.integer(v, f"{key}.fused[{i}]")
            for i, v in enumerate(r.sequence(data.get("fused", []), f"{key}.fused"))
        ),
        latency_ms=r.spread(data.get("latency_ms"), f"{key}.latency_ms"),
        counted_ms=r.spread(data.get("counted_ms"), f"{key}.counted_ms"),
        layer_spread=r.number(data.get("layer_spread", 0.0), f"{key}.layer_spread"),
        layer_spread_p90=r.number(data.get("layer_spread_p90", 0.0), f"{key}.layer_spread_p90"),
    )


def _fit_from_json(r: _Reader, value: Any, key: str) -> BoundaryFit:
    data = r.mapping(value, key)
    points = []
    for i, p in enumerate(r.sequence(data.get("points"), f"{key}.points")):
        where = f"{key}.points[{i}]"
        p = r.mapping(p, where)
        points.append(BoundaryPoint(r.integer(p.get("bytes"), f"{where}.bytes"),
                                    r.integer(p.get("subgraphs"), f"{where}.subgraphs"),
                                    r.number(p.get("latency_ms"), f"{where}.latency_ms"),
                                    r.number(p.get("predicted_ms"), f"{where}.predicted_ms")))  # fmt: skip
    return BoundaryFit(
        overhead_us=r.number(data.get("overhead_us"), f"{key}.overhead_us"),
        per_byte_ns=r.number(data.get("per_byte_ns"), f"{key}.per_byte_ns"),
        r2=r.number(data.get("r2"), f"{key}.r2"),
        rmse_us=r.number(data.get("rmse_us"), f"{key}.rmse_us"),
        max_residual_us=r.number(data.get("max_residual_us"), f"{key}.max_residual_us"),
        slopes_us={
            r.size(k, f"{key}.slopes_us"): r.number(v, f"{key}.slopes_us.{k}")
            for k, v in r.mapping(data.get("slopes_us"), f"{key}.slopes_us").items()
        },
        base_ms={
            r.size(k, f"{key}.base_ms"): r.number(v, f"{key}.base_ms.{k}")
            for k, v in r.mapping(data.get("base_ms"), f"{key}.base_ms").items()
        },
        points=tuple(points),
    )


def _boundary_from_json(r: _Reader, value: Any, key: str) -> BoundaryCost:
    data = r.mapping(value, key)
    devices = tuple(
        r.string(d, f"{key}.devices[{i}]")
        for i, d in enumerate(r.sequence(data.get("devices"), f"{key}.devices"))
    )
    if len(devices) != 2:
        r.fail(f"{key}.devices", "must name two devices")
    fits = tuple(
        _fit_from_json(r, f, f"{key}.fits[{i}]")
        for i, f in enumerate(r.sequence(data.get("fits"), f"{key}.fits"))
    )
    if not fits:
        r.fail(f"{key}.fits", "is empty")
    return BoundaryCost(
        devices=devices,  # type: ignore[arg-type]
        overhead_us=r.spread(data.get("overhead_us"), f"{key}.overhead_us"),
        per_byte_ns=r.spread(data.get("per_byte_ns"), f"{key}.per_byte_ns"),
        r2=r.spread(data.get("r2"), f"{key}.r2"),
        fits=fits,
    )


# -- small helpers ---------------------------------------------------------------------------------------------


def _chain_hw(tensor_bytes: int) -> tuple[int, int]:
    """Height and width of the chain's ``[1, 16, H, W]`` f32 tensor closest to ``tensor_bytes``: exact when it
    is a multiple of 64 bytes with a near-square factorisation, else the nearest near-square.

    Examples
    --------
    >>> _chain_hw(8192), _chain_hw(1024), _chain_hw(5000)
    ((8, 16), (4, 4), (6, 13))
    """
    pixels = max(1, round(tensor_bytes / (4 * CHAIN_CHANNELS)))
    root = math.isqrt(pixels)
    for height in range(root, max(1, root // 2) - 1, -1):
        if height and pixels % height == 0:
            return height, pixels // height
    height = max(1, root)
    return height, max(1, round(pixels / height))


def _replace(config: CalibrationConfig, **changes: Any) -> CalibrationConfig:
    from dataclasses import replace

    return replace(config, **changes)


def _chain_input(compiled, seed: int):
    import numpy as np

    port = compiled.inputs[0]
    return np.random.default_rng(seed).standard_normal(tuple(port.get_shape())).astype(np.float32)
