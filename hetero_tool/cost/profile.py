"""The cost profile: what calibrating measured for one model on one machine, as the cost model reads it.

Per device, every compute layer's time; per pair of devices, what one more subgraph boundary costs (a fixed
overhead and a per-byte cost, fitted to a microbenchmark, :func:`~hetero_tool.cost.fit.fit_boundary_cost`);
and how it was measured (:class:`CalibrationConfig`). ``repeat`` calibrations give every figure as a
:class:`Spread` (median and range). ``hetero-tool calibrate`` measures it
(:func:`~hetero_tool.runtime.calibration.calibrate`) and writes it as JSON with a ``schema_version``; emulated
devices are CPU-plugin devices, and their figures say so (``emulated: true``).
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from hetero_tool.devices.config import normalise_property, property_text
from hetero_tool.errors import InputError
from hetero_tool.ir.types import IRModel
from hetero_tool.schema import Count, Milliseconds, NonNegative, Schema, json_data, write_document

if TYPE_CHECKING:
    from hetero_tool.plan import Plan

__all__ = [
    "CHAIN_CHANNELS",
    "COST_PROFILE_FILE",
    "COST_PROFILE_SCHEMA_VERSION",
    "LAYER_METHODS",
    "SUBGRAPH_COUNTS",
    "BoundaryCost",
    "BoundaryFit",
    "BoundaryPoint",
    "CalibrationConfig",
    "CostProfile",
    "DeviceCosts",
    "SplitCost",
    "Spread",
    "TypeCost",
    "load_cost_profile",
]

#: Version of the cost-profile JSON; bumped on incompatible changes.
COST_PROFILE_SCHEMA_VERSION = 1
#: Subgraph counts of the microbenchmark.
SUBGRAPH_COUNTS = (1, 2, 4, 8, 16, 32)
#: How per-layer times can be measured (:attr:`CalibrationConfig.layer_method`).
LAYER_METHODS = ("auto", "alone", "hetero")
#: Channels of the microbenchmark chain (a multiple of the CPU plugin's channel blocks, 8 and 16): an f32
#: boundary tensor of the chain is a multiple of ``4 * CHAIN_CHANNELS`` bytes.
CHAIN_CHANNELS = 16
_KIND = "hetero-tool cost profile"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CalibrationConfig:
    """How a calibration measures; stored in the profile so it says how its figures were obtained.

    Settings that cannot calibrate anything raise :class:`~hetero_tool.errors.InputError` on construction.

    Examples
    --------
    >>> CalibrationConfig(repeat=0)
    Traceback (most recent call last):
    hetero_tool.errors.InputError: calibration: repeat must be at least 1
    """

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
    #: tensors, :func:`~hetero_tool.runtime.microbench.boundary_sizes`). At least two sizes separate the fixed
    #: cost from the per-byte cost.
    boundary_bytes: tuple[int, ...] = ()
    #: Layers of the microbenchmark chain (the same for every ``k``).
    chain_layers: int = 32
    #: Seed of the random input data and chain weights.
    seed: int = 0
    #: The input shapes to calibrate for, input name (``""``: every input) -> shape (``"[1,3,224,224]"``); a
    #: model with dynamic inputs needs them. The model is loaded reshaped to them
    #: (:func:`~hetero_tool.ir.formats.load_ir`), and the profile records them.
    shapes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
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
            raise InputError(
                f"calibration: {max(counts)} subgraphs need a chain of at least {max(counts)} layers "
                f"(it has {self.chain_layers})"
            )
        if self.boundary_bytes and len(set(self.boundary_bytes)) < 2:
            raise InputError(
                "calibration: give at least two different boundary sizes (bytes), to separate the fixed "
                "per-subgraph cost from the per-byte cost"
            )
        if any(b < 4 * CHAIN_CHANNELS for b in self.boundary_bytes):
            raise InputError(f"calibration: boundary sizes must be at least {4 * CHAIN_CHANNELS} bytes")


@dataclass(frozen=True)
class Spread:
    """One figure over the repeats of a calibration: its median, range, and every value."""

    median: float
    min: float
    max: float
    #: One value per repeat, in order.
    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """The spread of ``values``.

        Examples
        --------
        >>> Spread.of([3.0, 1.0, 2.0])
        Spread(median=2.0, min=1.0, max=3.0, values=(3.0, 1.0, 2.0))
        >>> round(Spread.of([3.0, 1.0, 2.0]).relative, 3)
        1.0
        """
        if not values:
            raise ValueError("no values")
        return cls(
            float(statistics.median(values)),
            float(min(values)),
            float(max(values)),
            tuple(map(float, values)),
        )

    def __post_init__(self) -> None:
        if not self.values:
            raise InputError("a spread needs at least one value")

    @property
    def relative(self) -> float:
        """The range as a share of the median (0 with one repeat; ``inf`` when the median is 0 and the range
        is not)."""
        width = self.max - self.min
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
    #: OpenVINO properties it was compiled with: the tool's (an emulated device's profile config) and the
    #: user's (``--load-config``, ``--nthreads`` ...), keys sorted, as a plan records them
    #: (:attr:`~hetero_tool.plan.Plan.device_config`).
    config: Mapping[str, Any]
    #: ``"alone"``: the model compiled on the device alone; ``"hetero"``: through HETERO, the layers the
    #: device cannot run on the next device (their times are not recorded).
    method: Literal["alone", "hetero"]
    #: Median latency of the profiled inferences, and the sum of the recorded layer times, per repeat.
    latency_ms: Spread
    counted_ms: Spread
    #: Range over the repeats of each layer's time as a share of its median: the median and 90th percentile
    #: over the layers (0 with one repeat).
    layer_spread: NonNegative
    layer_spread_p90: NonNegative
    #: IR layer id -> ms per inference, for every compute layer the device supports.
    layer_ms: Mapping[int, Milliseconds]
    #: Compute layers the device does not support (not timed), layer id -> reason.
    unsupported: Mapping[int, str]
    #: Supported compute layers no node of the runtime model names (fused into a neighbour that took another
    #: name, e.g. a MatMul into the CPU plugin's FullyConnected named after its bias Add): their time is in
    #: that neighbour's, and :attr:`layer_ms` has 0.0 for them.
    fused: tuple[int, ...]

    @property
    def label(self) -> str:
        return (
            f"{self.name} (emulated: {self.profile} profile on the CPU plugin)"
            if self.emulated
            else self.name
        )

    def types(self, types: Mapping[int, str]) -> dict[str, TypeCost]:
        """Time per op type (``types``: layer id -> op type, e.g. :attr:`CostProfile.layer_types`), by
        name."""
        found: dict[str, list[float]] = {}
        for lid, ms in self.layer_ms.items():
            found.setdefault(types.get(lid, "?"), []).append(ms)
        return {name: TypeCost(len(times), sum(times)) for name, times in sorted(found.items())}


@dataclass(frozen=True)
class BoundaryPoint:
    """One configuration of the microbenchmark: its median latency and what the fit predicts for it."""

    #: Bytes of the tensor crossing each boundary.
    bytes: Count
    #: Subgraphs (``HETERO_NUMBER_OF_SUBMODELS``, checked).
    subgraphs: Count
    latency_ms: float
    predicted_ms: float

    @property
    def residual_us(self) -> float:
        return 1e3 * (self.latency_ms - self.predicted_ms)


@dataclass(frozen=True)
class BoundaryFit:
    """``latency = base(size) + (k - 1) * (overhead + per_byte * bytes)``, fitted to one microbenchmark
    run."""

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

    def __post_init__(self) -> None:
        if not self.fits:
            raise InputError(f"the boundary cost between {' and '.join(self.devices)} has no fit")

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

    @cached_property
    def median_fit(self) -> BoundaryFit:
        """The fit of the repeat whose overhead is the median one (the lower middle for an even count)."""
        ordered = sorted(self.fits, key=lambda fit: fit.overhead_us)
        return ordered[(len(ordered) - 1) // 2]


@dataclass(frozen=True)
class SplitCost:
    """The model's own split timed: HETERO's fallback-priority plan of it, compiled and measured, next to
    what the per-layer times and the boundary fit predict for it. Its subgraphs' Reorders, the threads woken
    for each and the copies cost what they cost in this model, not in the microbenchmark's tiny chain; the
    ratio of measured to predicted boundary cost (:attr:`scale`) carries the chain's figures over to it."""

    subgraphs: Count
    cut_bytes: Count
    #: Median latency per repeat.
    latency_ms: Spread
    #: The prediction from the profile without this record (per-layer times, boundary fit), and the part of
    #: it that subgraph overheads and cut tensors make.
    predicted_ms: float
    boundary_ms: float
    #: Per repeat: (latency - the rest of the prediction) / boundary_ms, at least 0.
    scale: Spread


@dataclass(frozen=True)
class CostProfile:
    """Everything a calibration measured for one model on one machine, for the cost model to use."""

    model_name: str
    model_path: str
    model_sha256: str
    #: ``openvino.get_version()`` and the host CPU (OpenVINO's ``FULL_DEVICE_NAME`` of ``CPU``) and core
    #: count.
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
    #: The model's own split, timed (``None``: one device, a single subgraph, or a profile from before).
    split: SplitCost | None = None

    def __post_init__(self) -> None:
        names = [d.name for d in self.devices]
        if not names or len(set(names)) != len(names):
            raise InputError(f"devices must list each device once (got {', '.join(names) or 'none'})")
        for k, cost in enumerate(self.boundaries):
            if not set(cost.devices) <= set(names) or cost.devices[0] == cost.devices[1]:
                raise InputError(
                    f"boundaries[{k}].devices {list(cost.devices)} are not two of the profile's devices "
                    f"({', '.join(names)})"
                )

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

    def config_differences(self, plan: Plan) -> list[str]:
        """How the config each device was measured with differs from the one ``plan`` compiles it with, one
        sentence per device (empty when they agree, or share no device).

        Why: the figures hold for the config they were measured with (threads, streams, precision); a plan
        of another config runs at other speeds.
        """
        found = []
        for device in plan.devices:
            if not any(d.name == device.name for d in self.devices):
                continue
            measured = _config_texts(self.device(device.name).config)
            planned = _config_texts(plan.config_of(device.name))
            if measured != planned:
                found.append(
                    f"{device.name} was measured with {_config_text(measured)}, the plan compiles it with "
                    f"{_config_text(planned)}"
                )
        return found

    def type_ms(self, device: str) -> dict[str, TypeCost]:
        """Time per op type on ``device`` for this model, by type name."""
        return self.device(device).types(self.layer_types)

    # -- the file --------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The profile as a JSON-ready dict: layers by numeric id, no timestamps. Each device also lists its
        ``types`` (time per op type, derived from ``layer_ms`` and ``layer_types``) for readers of the file;
        reading the file back does not need them."""
        document = json_data(
            _ProfileFile(
                model=_Model(self.model_name, self.model_path, self.model_sha256),
                openvino=self.openvino,
                host=_Host(self.host_cpu, self.host_cores),
                config=self.config,
                devices=self.devices,
                boundaries=self.boundaries,
                layer_types=self.layer_types,
                split=self.split,
            )
        )
        for device, record in zip(self.devices, document["devices"]):
            record["types"] = {
                name: {"count": cost.count, "total_ms": cost.total_ms, "mean_ms": cost.mean_ms}
                for name, cost in device.types(self.layer_types).items()
            }
        return document

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, where: str = "cost profile") -> CostProfile:
        """The profile :meth:`to_json` gave (validated as a file of it is); errors name ``where``."""
        return COST_PROFILE_FILE.convert(data, where=where)

    def save(self, path: str | Path) -> Path:
        """Write the profile as JSON, atomically."""
        return write_document(path, self.to_json())


def load_cost_profile(path: str | Path, ir: IRModel | None = None, plan: Plan | None = None) -> CostProfile:
    """Read a cost profile written by ``hetero-tool calibrate -o`` (validated field by field); with ``ir``,
    check that it was calibrated for that model; with ``plan``, warn (``logging``, not an error: the figures
    may still be close) where a device was measured with another config than the plan's
    (:meth:`CostProfile.config_differences`)."""
    profile = COST_PROFILE_FILE.read(path)
    if ir is not None:
        ir.check_made_for(profile.model_sha256, name=profile.model_name, what="cost profile", where=str(path))
    if plan is not None:
        for difference in profile.config_differences(plan):
            log.warning("%s: %s; its figures may not hold for this plan", path, difference)
    return profile


def _config_texts(config: Mapping[str, Any]) -> dict[str, str]:
    """Property -> value as OpenVINO reads it, spelt one way (``F16`` as ``f16``): what configs compare by."""
    return {key: property_text(normalise_property(key, value)) for key, value in config.items()}


def _config_text(config: Mapping[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(config.items())) or "the defaults"


def _profile_from_file(found: _ProfileFile) -> CostProfile:
    return CostProfile(
        model_name=found.model.name,
        model_path=found.model.path,
        model_sha256=found.model.sha256,
        openvino=found.openvino,
        host_cpu=found.host.cpu,
        host_cores=found.host.cores,
        config=found.config,
        devices=found.devices,
        boundaries=found.boundaries,
        layer_types=found.layer_types,
        split=found.split,
    )


# -- the file's own records ----------------------------------------------------------------------------------


class _Model(msgspec.Struct, frozen=True):
    name: str
    path: str
    sha256: str


class _Host(msgspec.Struct, frozen=True):
    cpu: str
    cores: Count


class _ProfileFile(msgspec.Struct, frozen=True, kw_only=True):
    """The JSON file: a version and a kind, then the profile's figures under ``model``/``host`` headings."""

    schema_version: Literal[1] = COST_PROFILE_SCHEMA_VERSION
    kind: Literal["hetero-tool cost profile"] = _KIND
    model: _Model
    openvino: str
    host: _Host
    config: CalibrationConfig
    devices: tuple[DeviceCosts, ...]
    boundaries: tuple[BoundaryCost, ...]
    layer_types: Mapping[int, str]
    split: SplitCost | None = None


#: The cost profile file.
COST_PROFILE_FILE = Schema(
    "cost profile", _ProfileFile, version=COST_PROFILE_SCHEMA_VERSION, build=_profile_from_file
)
