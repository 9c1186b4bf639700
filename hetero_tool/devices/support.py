"""Which layers a device can run, and why not: from OpenVINO's own ``query_model``, cached on disk.

A real device answers through ``core.query_model(model, device)``, exactly what HETERO asks it: its own
transformations decide which fused groups stay together.

An emulated device answers the way ``ov::get_supported_nodes`` makes a plugin answer, with OpenVINO's common
(MOC) transformations as its pipeline and its profile as the judge:

- the model is transformed (``apply_moc_transformations``), and every transformed op carries the names of the
  original ops it came from (``fused_names``); an original op is excluded when any transformed op carrying its
  name is excluded by the profile, so a group OpenVINO fuses (x*sigmoid(x) into Swish, an attention block into
  ScaledDotProductAttention) stays together, and ops the transformations remove count as supported;
- what the CPU plugin it runs on does not support is excluded too;
- then the consequences of exclusions: a ReadValue and the Assign of the same variable go together; a
  Constant, or a Convert fed by a Parameter or Constant, whose consumers are all excluded goes with them; a
  Parameter whose consumers are all excluded, and a Result whose producer is, are excluded.

Answers are cached by the model's bytes, the device, its config, the region and the OpenVINO version, so a
second run does not pay for them again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping, Sequence
from functools import cache

import msgspec

from hetero_tool._files import write_atomic
from hetero_tool._ov import (
    installed_build,
    ov_error_text,
    ov_imported,
    ov_version,
    register_cpu_device,
    shared_core,
)
from hetero_tool.cache import cache_dir, file_digest
from hetero_tool.devices.device import Device
from hetero_tool.errors import BackendError
from hetero_tool.ir.ov_model import ov_model_from_ir, region_models
from hetero_tool.ir.types import IR_TYPE_TO_OP_TYPE, IRModel, Layer, Port

__all__ = ["Support", "Verdict"]

log = logging.getLogger(__name__)

#: IR type spelling of an op type (the inverse of ``IR_TYPE_TO_OP_TYPE``), for judging transformed ops as
#: layers.
IR_TYPE_FROM_OP_TYPE = {op_type: ir_type for ir_type, op_type in IR_TYPE_TO_OP_TYPE.items()}

Verdict = dict[int, str | None]
"""Layer id -> ``None`` when the device runs the layer, else the reason it does not."""


class Support:
    """Answers "which of these layers can device D run?" for one model, querying OpenVINO at most once per
    question (and not at all when the disk cache has the answer).

    Examples
    --------
    >>> from hetero_tool.devices.device import resolve_devices
    >>> from hetero_tool.ir import parse_ir
    >>> ir = parse_ir(samples["detector"])
    >>> npu, cpu = resolve_devices(["NPU", "CPU"], {"NPU": "npu"}, real=["CPU"])
    >>> verdict = Support(ir).query(npu)
    >>> nms = next(lid for lid, layer in ir.layers.items() if layer.type == "NonMaxSuppression")
    >>> verdict[nms] is not None  # the NPU profile does not run NonMaxSuppression
    True
    """

    def __init__(self, ir: IRModel, *, use_cache: bool = True) -> None:
        self.ir = ir
        self.use_cache = use_cache
        self._model = None
        self._transformed: list[_TransformedOp] | None = None
        self._position: dict[int, int] | None = None  # layer id -> its place in the IR, built on first use

    # -- public ------------------------------------------------------------------------------------------

    def query(self, device: Device, region: Collection[int] | None = None) -> Verdict:
        """For every layer of ``region`` (all layers when ``None``): ``None`` if ``device`` runs it, else why
        not."""
        return self.query_regions(device, [region])[0]

    def query_regions(self, device: Device, regions: Sequence[Collection[int] | None]) -> list[Verdict]:
        """:meth:`query` for several regions at once, as HETERO asks a lower-priority device: each region as a
        model of its own (``None`` is the whole model).

        A real device is asked about each region itself (all region models are cut from one copy of the
        model). An emulated device answers from its backing CPU plugin's answer for the whole model,
        restricted to the region, then narrowed by its profile with the consequences drawn inside the region.
        """
        layer_lists = [
            list(self.ir.layers) if region is None else self._in_ir_order(region) for region in regions
        ]
        if device.emulated:
            supported = self._supported_ids(device, [None])[0]
            blocked = self._blocked_by_profile(device)
            verdicts = []
            for layers in layer_lists:
                reasons: dict[int, str | None] = {}
                for lid in layers:
                    if lid not in supported:
                        reasons[lid] = "the CPU plugin it is emulated on does not support it"
                    else:
                        reasons[lid] = blocked.get(self.ir.layers[lid].name)
                if any(reasons.values()):
                    self._propagate(reasons, device)
                verdicts.append(reasons)
            return verdicts
        plugin = device.name.split(".")[0]
        answers = self._supported_ids(
            device, [None if r is None else layers for r, layers in zip(regions, layer_lists)]
        )
        return [
            {
                lid: None if lid in supported else f"the {plugin} plugin does not support it (query_model)"
                for lid in layers
            }
            for layers, supported in zip(layer_lists, answers)
        ]

    def exclude(self, verdict: Verdict, excluded: Mapping[int, str], device: Device) -> Verdict:
        """``verdict`` with ``excluded`` layers (layer -> reason) unsupported too, and the consequences
        drawn."""
        reasons = dict(verdict)
        changed = False
        for lid, reason in excluded.items():
            if lid in reasons and reasons[lid] is None:
                reasons[lid] = reason
                changed = True
        if changed:
            self._propagate(reasons, device)
        return reasons

    def fused_groups(self) -> list[tuple[int, ...]]:
        """Layers OpenVINO's common transformations fuse into one op (x * sigmoid(x) into Swish, attention
        into ScaledDotProductAttention), each group in IR order: a device runs all of a group or none of it,
        so a placement keeps each group on one device. Groups overlapping through a shared operation are
        merged; Parameters, Constants and Results (a scale shared by two attention blocks) are in no group."""
        ids, layers = self.ir.ids_by_name, self.ir.layers
        parent: dict[int, int] = {}

        def root(lid: int) -> int:
            while parent.setdefault(lid, lid) != lid:
                parent[lid] = parent[parent[lid]]
                lid = parent[lid]
            return lid

        for op in self._transformed_ops():
            if len(op.names) < 2:
                continue
            members = [
                lid
                for name in op.names
                for lid in ids.get(name, ())
                if layers[lid].ir_type not in ("Parameter", "Const", "Result")
            ]
            for lid in members[1:]:
                parent[root(lid)] = root(members[0])
        groups: dict[int, list[int]] = {}
        for lid in self.ir.layers:  # IR order
            if lid in parent:
                groups.setdefault(root(lid), []).append(lid)
        return [tuple(group) for group in groups.values() if len(group) > 1]

    def _in_ir_order(self, region: Collection[int]) -> list[int]:
        """The layers of ``region`` in the IR's order: sorted by position, not filtered from the whole IR, as
        the fallback asks about thousands of small regions of a big model."""
        if self._position is None:
            self._position = {lid: k for k, lid in enumerate(self.ir.layers)}
        position = self._position
        return sorted((lid for lid in set(region) if lid in position), key=position.__getitem__)

    # -- OpenVINO ----------------------------------------------------------------------------------------

    @property
    def model(self):
        if self._model is None:
            self._model = ov_model_from_ir(self.ir)
        return self._model

    def _supported_ids(self, device: Device, regions: Sequence[list[int] | None]) -> list[set[int]]:
        """The layer ids OpenVINO's ``query_model`` supports in each region (from the cache when it can)."""
        config = {k: str(v) for k, v in sorted(device.config.items())}
        keys = [
            file_digest(
                [],
                self.ir.sha256,
                device.ov_name,
                json.dumps(config),
                _ov_version(),
                "*" if region is None else ",".join(map(str, region)),
            )
            for region in regions
        ]
        paths = [cache_dir("query") / f"{key[:40]}.json" for key in keys]
        names: list[set[str] | None] = [
            set(_QUERY.decode(path.read_bytes()).supported) if self.use_cache and path.is_file() else None
            for path in paths
        ]
        todo = [k for k, found in enumerate(names) if found is None]
        if todo:
            core = shared_core()
            if device.emulated:
                register_cpu_device(core, device.ov_name)
            whole = [k for k in todo if regions[k] is None]
            models = {k: self.model for k in whole}
            if len(whole) < len(todo):
                cut = region_models(self.ir, self.model, [regions[k] for k in todo if regions[k] is not None])
                models.update(zip([k for k in todo if regions[k] is not None], cut))
            for k in todo:
                try:
                    names[k] = set(core.query_model(models[k], device.ov_name, config))
                except Exception as exc:  # OpenVINO's error types vary by plugin
                    raise BackendError(f"query_model on {device.label} failed: {ov_error_text(exc)}") from exc
                if self.use_cache:
                    write_atomic(
                        paths[k], json.dumps({"device": device.ov_name, "supported": sorted(names[k])})
                    )
        return [
            {
                lid
                for lid in (self.ir.layers if region is None else region)
                if self.ir.layers[lid].name in found
            }
            for region, found in zip(regions, names)
        ]

    def _blocked_by_profile(self, device: Device) -> dict[str, str]:
        """Original op name -> why ``device``'s profile excludes it, judged on the transformed model."""
        profile = device.profile
        # A profile that never looks at names judges an op by its type and outputs alone: judge each such
        # signature once (a big model has thousands of ops and a few hundred signatures).
        verdicts: dict[tuple, str | None] | None = None if profile.reads_names else {}
        blocked: dict[str, str] = {}
        for op in self._transformed_ops():
            if verdicts is None:
                reason = profile.reason_unsupported(op.layer())
            else:
                signature = (op.type, op.outputs)
                if signature in verdicts:
                    reason = verdicts[signature]
                else:
                    reason = verdicts[signature] = profile.reason_unsupported(op.layer())
            if reason is None:
                continue
            layer = op.layer()
            for name in op.names:
                if name == layer.name and len(op.names) == 1:
                    blocked.setdefault(name, reason)
                else:
                    blocked.setdefault(
                        name,
                        f"OpenVINO's transformations make it part of {layer.type} {layer.name!r}: {reason}",
                    )
        return blocked

    def _transformed_ops(self) -> list[_TransformedOp]:
        """The model after OpenVINO's common transformations: each op with the original names it carries."""
        if self._transformed is not None:
            return self._transformed
        path = cache_dir("transformed") / f"{file_digest([], self.ir.sha256, _ov_version())[:40]}.json"
        if self.use_cache and path.is_file():
            self._transformed = _TRANSFORMED.decode(path.read_bytes())
            return self._transformed
        from openvino._offline_transformations import apply_moc_transformations

        model = self.model.clone()
        try:
            apply_moc_transformations(model, True)
        except Exception as exc:
            raise BackendError(f"OpenVINO's common transformations failed: {ov_error_text(exc)}") from exc
        records = [_record(op) for op in model.get_ordered_ops()]
        if self.use_cache:
            write_atomic(path, json.dumps(records))
        self._transformed = _TRANSFORMED.decode(json.dumps(records))
        return self._transformed

    # -- get_supported_nodes' consequences ---------------------------------------------------------------

    def _propagate(self, reasons: dict[int, str | None], device: Device) -> None:
        """Draw the consequences of exclusions, in place, as OpenVINO's ``get_supported_nodes`` does."""
        layers = self.ir.layers
        region = set(reasons)
        variables: dict[str, list[int]] = {}
        for lid in region:
            if layers[lid].ir_type in ("ReadValue", "Assign") and "variable_id" in layers[lid].data:
                variables.setdefault(layers[lid].data["variable_id"], []).append(lid)
        for variable, pair in variables.items():
            if any(reasons[lid] for lid in pair):
                for lid in pair:
                    reasons[lid] = (
                        reasons[lid] or f"its variable {variable!r} is also used by an excluded layer"
                    )
        consumers = {lid: [c for c in self.ir.consumers(lid) if c in region] for lid in region}

        def all_consumers_excluded(lid: int) -> bool:
            return bool(consumers[lid]) and all(reasons[c] for c in consumers[lid])

        for lid in region:
            kind = layers[lid].ir_type
            if reasons[lid] or kind not in ("Const", "Convert", "Parameter"):
                continue
            if kind == "Convert":
                ((src, _),) = self.ir.sources(lid)
                if (
                    layers[src].ir_type in ("Parameter", "Const")
                    and src in region
                    and all_consumers_excluded(lid)
                ):
                    reasons[lid] = "its consumers are all excluded"
                    reasons[src] = reasons[src] or "its consumers are all excluded"
            elif all_consumers_excluded(lid):
                reasons[lid] = "its consumers are all excluded"
        for lid in region:
            if layers[lid].ir_type == "Result" and not reasons[lid]:
                ((src, _),) = self.ir.sources(lid)
                if src in region and reasons[src]:
                    reasons[lid] = "its producer is excluded"


class _TransformedOp(msgspec.Struct, frozen=True):
    """An op of the transformed model, as its cache record holds it: type, friendly name, outputs (element
    type, shape) and the original op names it carries. Decoded straight from the record, so a cached model of
    thousands of ops loads without building a layer for each."""

    type: str
    name: str
    outputs: tuple[tuple[str, tuple[int | str, ...] | None], ...]
    names: tuple[str, ...]

    def layer(self) -> Layer:
        """The op as a layer, as a profile judges it."""
        outputs = tuple(Port(k, element.upper(), shape) for k, (element, shape) in enumerate(self.outputs))
        return Layer(-1, self.name, IR_TYPE_FROM_OP_TYPE.get(self.type, self.type), "", outputs=outputs)


class _QueryAnswer(msgspec.Struct):
    """A cached ``query_model`` answer: the friendly names of the supported ops (and the device, unread)."""

    supported: list[str]


_TRANSFORMED = msgspec.json.Decoder(list[_TransformedOp])
_QUERY = msgspec.json.Decoder(_QueryAnswer)


def _record(op) -> dict:
    """A transformed op as JSON: type, name, outputs (element type, shape) and the original names it
    carries."""
    rt = op.get_rt_info()
    fused = rt["fused_names_0"].astype(str) if "fused_names_0" in rt else ""
    names = [n for n in fused.split(",") if n] or [op.get_friendly_name()]
    outputs = []
    for output in op.outputs():
        shape = output.get_partial_shape()
        dims = None if shape.rank.is_dynamic else [d.get_length() if d.is_static else "?" for d in shape]
        outputs.append([output.get_element_type().get_type_name(), dims])
    return {"type": op.get_type_name(), "name": op.get_friendly_name(), "outputs": outputs, "names": names}


@cache
def _ov_version() -> str:
    """:func:`~hetero_tool._ov.ov_version` for the cache keys, remembered in the cache by the installed build
    (:func:`~hetero_tool._ov.installed_build`): importing OpenVINO only to read its version would cost a
    cached answer more than the rest of it."""
    build = None if ov_imported() else installed_build()
    if build is None:
        return ov_version()
    path = cache_dir("openvino") / f"{file_digest([], *build)[:40]}.txt"
    if path.is_file():
        return path.read_text()
    version = ov_version()
    write_atomic(path, version)
    return version
