"""Compiling a plan through the real HETERO plugin, and checking what it did against the plan.

The plan's affinities go into ``rt_info["affinity"]`` of every op (manual mode), emulated devices are
registered as extra CPU-plugin devices, each device gets its config through ``DEVICE_PROPERTIES``, and the
model is compiled as ``HETERO:<priorities>`` on a fresh ``ov.Core`` (so ``HETERO_NUMBER_OF_SUBMODELS`` is this
compile's). Optionally HETERO's own ``.dot`` dumps are collected (``OPENVINO_HETERO_VISUALIZE``).

Plans OpenVINO is known to fail on are refused before compiling, with the reason and the fix
(:func:`refusal_reasons`); the compiled model is checked against the plan (:func:`verify`).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hetero_tool._ov import new_core, ov_error_text
from hetero_tool.devices.config import normalise_property
from hetero_tool.devices.config import property_text as _ov_value
from hetero_tool.devices.device import Device
from hetero_tool.errors import BackendError, InputError, PlanError
from hetero_tool.ir.ov_model import apply_affinity, ov_model_from_ir
from hetero_tool.ir.types import IRModel
from hetero_tool.partition import split_shape_problems
from hetero_tool.plan import Plan, PlanDevice, check_plan
from hetero_tool.runtime.results import Verification

__all__ = [
    "CompiledPlan",
    "compile_device",
    "compile_plan",
    "effective_properties",
    "layers_named_in",
    "model_for",
    "recorded_shapes",
    "refusal_reasons",
    "submodel_devices",
    "verify",
]

_DUMP_LOCK = threading.Lock()


@dataclass
class CompiledPlan:
    """A model compiled through HETERO (or on one device), with what it reports."""

    #: The ``ov.CompiledModel``.
    compiled: Any
    #: ``HETERO_NUMBER_OF_SUBMODELS`` (read on the fresh Core the plan was compiled on); ``None`` for one
    #: device.
    submodels: int | None
    #: ``EXECUTION_DEVICES``, translated back to the plan's device names.
    execution_devices: tuple[str, ...]
    #: HETERO's own dumps, when asked for: file name -> path.
    dumps: dict[str, Path] = field(default_factory=dict)
    #: The ``ov.Core`` it was compiled on. It must outlive the compiled model: HETERO's ``export_model()``
    #: asks its plugin for the Core, and crashes the process (SIGSEGV) once the Core is gone.
    core: Any = None
    #: What was compiled, in the plan's device names (``"HETERO:NPU,CPU"``, ``"CPU"``), and how long it took.
    target: str = ""
    compile_ms: float = 0.0
    #: OpenVINO device name -> the plan's (``NPU_CPU`` -> ``NPU``).
    device_names: Mapping[str, str] = field(default_factory=dict)


def model_for(
    ir: IRModel,
    *,
    affinity: Mapping[int, str] | None = None,
    preprocess: Callable[[Any], Any] | None = None,
):
    """The ``ov.Model`` of ``ir``, ready to compile: affinities set, preprocessing built in.

    ``affinity`` maps every layer id to an OpenVINO device name (``rt_info["affinity"]``; HETERO's manual mode
    needs every op to have one). ``preprocess`` takes the model and returns it with a PrePostProcessor built
    in; the ops it adds take the affinity of the op they feed. Other input shapes are not applied here but
    when the model is loaded (:func:`~hetero_tool.ir.formats.load_ir`), before it is planned: a reshape makes
    new ops, which a plan made before it would not place.

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> ir = parse_ir(samples["mobilenet"])
    >>> model = model_for(ir, affinity={lid: "CPU" for lid in ir.layers})
    >>> {op.get_rt_info()["affinity"].astype(str) for op in model.get_ops()}
    {'CPU'}
    """
    model = ov_model_from_ir(ir)
    if affinity is not None:
        apply_affinity(ir, model, affinity)
    if preprocess is not None:
        model = preprocess(model)
        if affinity is not None:
            _inherit_affinity(model)
    return model


#: How OpenVINO names an op in its messages: "(Name:conv1, Type: Convolution)", "Operation name: conv1",
#: "Unsupported operation of type: Convolution name: conv1", "with friendly_name 'conv1'".
_NAMED = re.compile(
    r"Name:\s*([^,()\s]+)\s*,|[Oo]peration name:\s*(\S+)|\bname:\s*(\S+)|friendly_name '([^']+)'"
)


def layers_named_in(message: str, ir: IRModel) -> str:
    """``message`` (from OpenVINO) with the IR layers it names by friendly name added by id: OpenVINO names
    ops by friendly name only, which need not be unique.

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> ir = parse_ir(samples["mobilenet"])
    >>> layers_named_in("Unsupported operation of type: Convolution name: stem/conv", ir)
    "Unsupported operation of type: Convolution name: stem/conv (IR layer 2 ('stem/conv'))"
    """
    found: dict[int, None] = {}
    for match in _NAMED.finditer(message):
        name = next(group for group in match.groups() if group is not None).rstrip(".:;")
        found.update(dict.fromkeys(ir.ids_by_name.get(name, ())))
    if not found:
        return message
    labels = ", ".join(f"IR {ir.layers[lid].label}" for lid in list(found)[:3])
    return f"{message} ({labels})"


def recorded_shapes(ir: IRModel, requested: Mapping[str, str]) -> dict[str, str]:
    """The shapes a bench or calibration records: those ``ir`` was loaded with. ``requested`` (a config's
    shapes) must be empty or the same, since shapes are applied when the model is loaded, before it is planned
    (:func:`~hetero_tool.ir.formats.load_ir`), never at compile time."""
    if requested and dict(requested) != dict(ir.shapes):
        raise InputError(
            f"shapes {dict(requested)} were asked for, but {ir.name!r} was loaded with "
            f"{dict(ir.shapes) or 'its own'}: load it with those shapes (load_ir(path, shapes)) and plan it"
        )
    return dict(ir.shapes)


def refusal_reasons(ir: IRModel, plan: Plan) -> list[str]:
    """Why OpenVINO would fail to run ``plan`` (empty: nothing known), each with the fix.

    - Cycle breaking cut a Result off its producer: OpenVINO 2026.4 fails to compile (``unordered_map::at``).
    - Cutting the model makes shapes unknown that OpenVINO needs known: convolution weights, ranks, and
      tensors handed over between submodels (:func:`~hetero_tool.partition.split_shape_problems`).
    """
    reasons = []
    if plan.partition.detached_results:
        names = ", ".join(repr(plan.names[lid]) for lid in plan.partition.detached_results)
        reasons.append(
            f"breaking a cycle between subgraphs cuts the Result(s) {names} off their producer (OpenVINO "
            "2026.4 fails with unordered_map::at); change the affinities around them"
        )
    return reasons + split_shape_problems(ir, plan.partition)


def compile_plan(
    ir: IRModel,
    plan: Plan,
    *,
    model=None,
    device_config: Mapping[str, Mapping[str, Any]] | None = None,
    properties: Mapping[str, Any] | None = None,
    dump_dir: str | Path | None = None,
    refuse_known_failures: bool = True,
) -> CompiledPlan:
    """Compile ``ir`` with ``plan``'s affinities through HETERO on a fresh ``ov.Core``.

    ``model`` is a model from :func:`model_for` with the plan's affinities (default: the IR as it is).
    Each device is compiled with the config the plan records (:attr:`~hetero_tool.plan.Plan.device_config`),
    overlaid by ``device_config[device name]``, through ``DEVICE_PROPERTIES``; HETERO ignores a property a
    device does not know, so each device's are first given to OpenVINO for it alone, and one it refuses raises
    :class:`~hetero_tool.errors.InputError` naming the device, with OpenVINO's message. ``properties`` go to
    HETERO itself (``PERF_COUNT`` ...). With ``dump_dir``, HETERO writes its ``hetero_affinity_*.dot``/
    ``hetero_subgraphs_*.dot`` there (it writes to the working directory, so the compile runs inside
    ``dump_dir``, one at a time). A plan OpenVINO is known to fail on
    (:func:`refusal_reasons`) raises :class:`~hetero_tool.errors.PlanError`, unless ``refuse_known_failures``
    is false.

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.loaders import plan_from_files
    >>> xml = samples["mobilenet"]
    >>> ir, plan = parse_ir(xml), plan_from_files(xml, devices="HETERO:NPU,CPU", emulate="NPU")
    >>> compiled = compile_plan(ir, plan)
    >>> compiled.submodels == plan.subgraph_count, compiled.target, verify(plan, compiled).ok
    (True, 'HETERO:NPU,CPU', True)
    """
    check_plan(ir, plan)
    to_ov = {d.name: d.ov_name or d.name for d in plan.devices}
    if model is None:
        model = model_for(ir, affinity={lid: to_ov.get(d, d) for lid, d in plan.layer_affinity.items()})
    if refuse_known_failures:
        reasons = refusal_reasons(ir, plan)
        if reasons:
            raise PlanError(f"HETERO cannot run this plan for {ir.name!r}: {'; '.join(reasons)}")
    core = new_core(d.ov_name for d in plan.devices if d.emulated)
    config: dict[str, Any] = {k: _ov_value(v) for k, v in (properties or {}).items()}
    per_device = {}
    for d in plan.devices:
        per_device[to_ov[d.name]] = _device_config(d, device_config, base=plan.config_of(d.name))
        _check_properties(core, d, to_ov[d.name], per_device[to_ov[d.name]])
    if any(per_device.values()):
        config["DEVICE_PROPERTIES"] = {name: props for name, props in per_device.items() if props}
    target = "HETERO:" + ",".join(to_ov[d.name] for d in plan.devices)
    dumps: dict[str, Path] = {}
    start = time.perf_counter()
    try:
        if dump_dir is None:
            compiled = core.compile_model(model, target, config)
        else:
            dump_dir = Path(dump_dir)
            dump_dir.mkdir(parents=True, exist_ok=True)
            with _dumping_into(dump_dir):
                compiled = core.compile_model(model, target, config)
            dumps = {p.name: p for p in sorted(dump_dir.glob("hetero_*.dot"))}
    except Exception as exc:  # OpenVINO's exception types vary
        raise BackendError(
            f"HETERO could not compile {ir.name!r} with this plan: {layers_named_in(ov_error_text(exc), ir)}"
        ) from exc
    compile_ms = 1e3 * (time.perf_counter() - start)
    from_ov = {v: k for k, v in to_ov.items()}
    return CompiledPlan(
        compiled=compiled,
        submodels=int(compiled.get_property("HETERO_NUMBER_OF_SUBMODELS")),
        execution_devices=tuple(from_ov.get(d, d) for d in compiled.get_property("EXECUTION_DEVICES")),
        dumps=dumps,
        core=core,
        target="HETERO:" + ",".join(d.name for d in plan.devices),
        compile_ms=compile_ms,
        device_names=from_ov,
    )


def compile_device(
    ir: IRModel,
    device: Device,
    *,
    model=None,
    config: Mapping[str, Any] | None = None,
    properties: Mapping[str, Any] | None = None,
) -> CompiledPlan:
    """Compile ``ir`` (or ``model``, from :func:`model_for`) on ``device`` alone, with its profile's config
    overlaid by ``config`` and then ``properties``: the single-device baselines and references.

    Examples
    --------
    >>> from hetero_tool.devices.device import resolve_devices
    >>> from hetero_tool.ir import parse_ir
    >>> ir = parse_ir(samples["mobilenet"])
    >>> npu = resolve_devices(["NPU"], {"NPU": "npu"})[0]
    >>> compiled = compile_device(ir, npu)
    >>> compiled.target, compiled.execution_devices, compiled.submodels
    ('NPU', ('NPU',), None)
    """
    if model is None:
        model = ov_model_from_ir(ir)
    core = new_core([device.ov_name] if device.emulated else [])
    ov_name = device.ov_name or device.name
    merged = {
        **_device_config(device, {device.name: config or {}}),
        **{k: _ov_value(v) for k, v in (properties or {}).items()},
    }
    _check_properties(core, device, ov_name, merged)
    start = time.perf_counter()
    try:
        compiled = core.compile_model(model, ov_name, merged)
    except Exception as exc:
        raise BackendError(
            f"{device.label} could not compile {ir.name!r}: {layers_named_in(ov_error_text(exc), ir)}"
        ) from exc
    compile_ms = 1e3 * (time.perf_counter() - start)
    executed = tuple(device.name if d == ov_name else d for d in compiled.get_property("EXECUTION_DEVICES"))
    return CompiledPlan(
        compiled=compiled,
        submodels=None,
        execution_devices=executed,
        core=core,
        target=device.name,
        compile_ms=compile_ms,
        device_names={ov_name: device.name},
    )


#: Properties :func:`effective_properties` reads back from each device.
REPORTED_PROPERTIES = ("PERFORMANCE_HINT", "NUM_STREAMS", "INFERENCE_NUM_THREADS", "INFERENCE_PRECISION_HINT")


def effective_properties(compiled: CompiledPlan) -> dict[str, dict[str, str]]:
    """What each device actually compiled with (plan device name -> property -> value), as OpenVINO reports
    it.

    Worth showing: a hint is not a promise (an ``f16`` precision hint runs as ``bf16`` on a CPU with
    AVX512-BF16).
    """
    model = compiled.compiled
    if compiled.submodels is None:
        ov_name = next(iter(compiled.device_names))
        supported = set(model.get_property("SUPPORTED_PROPERTIES"))
        per_device = {
            ov_name: {key: model.get_property(key) for key in REPORTED_PROPERTIES if key in supported}
        }
    else:
        per_device = model.get_property("DEVICE_PROPERTIES")
    found = {}
    for ov_name, props in per_device.items():
        found[compiled.device_names.get(ov_name, ov_name)] = {
            key: _property_text(props[key]) for key in REPORTED_PROPERTIES if key in props
        }
    return found


def _property_text(value: Any) -> str:
    if isinstance(value, str | int | float):
        return str(value)
    if hasattr(value, "get_type_name"):  # an element type: "bf16"
        return value.get_type_name()
    return str(getattr(value, "name", value))  # an enum


def submodel_devices(compiled) -> tuple[str, ...]:
    """OpenVINO device of each submodel of a HETERO compiled model, in execution order.

    The order of ``<compiled_submodel device=...>`` in ``export_model()``'s header is the only public place
    that says which device runs ``subgraph<i>`` (the prefix of its perf-counter rows).
    """
    data = compiled.export_model().getvalue()
    end = data.find(b"</hetero>")
    if b"<hetero " not in data[:256] or end < 0:
        raise BackendError("the compiled model's export does not start with HETERO's header")
    root = ET.fromstring(data[: end + len(b"</hetero>")])
    return tuple(node.get("device", "") for node in root.iter("compiled_submodel"))


def verify(plan: Plan, compiled: CompiledPlan) -> Verification:
    """Check a compiled plan against the plan: the submodel count, and the device of each submodel in
    order."""
    actual = tuple(compiled.device_names.get(d, d) for d in submodel_devices(compiled.compiled))
    return Verification(
        expected_submodels=plan.subgraph_count,
        actual_submodels=compiled.submodels if compiled.submodels is not None else 1,
        expected_devices=tuple(sg.device for sg in plan.partition.subgraphs),
        actual_devices=actual,
        execution_devices=compiled.execution_devices,
    )


# -- helpers -------------------------------------------------------------------------------------------------


def _device_config(
    device: Device | PlanDevice,
    overrides: Mapping[str, Mapping[str, Any]] | None,
    *,
    base: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The properties a device is compiled with: ``base`` (default: its profile's config and the user's
    settings on it), then the caller's, as OpenVINO strings in the one spelling OpenVINO takes (a plan file
    written by hand may say ``F16``, which OpenVINO refuses; see
    :func:`~hetero_tool.devices.config.normalise_property`)."""
    if base is None:
        base = device.compile_config if isinstance(device, Device) else device.config
    merged = {**base, **((overrides or {}).get(device.name) or {})}
    return {key: _ov_value(normalise_property(key, value)) for key, value in merged.items()}


def _check_properties(core, device: Device | PlanDevice, ov_name: str, properties: Mapping[str, str]) -> None:
    """Give ``properties`` to OpenVINO for ``device`` alone, on the Core that compiles it: HETERO passes a
    property a device does not know over in silence, so a misspelt key would be ignored. The values are the
    ones the compile sets, so setting them changes nothing else."""
    if not properties:
        return
    core.get_property(ov_name, "SUPPORTED_PROPERTIES")  # loads the plugin: OpenVINO defers checks until then
    try:
        core.set_property(ov_name, dict(properties))
    except Exception as exc:  # OpenVINO's error types vary by plugin
        shown = ", ".join(f"{key}={value}" for key, value in properties.items())
        raise InputError(
            f"{device.label}: OpenVINO refuses its config ({shown}): {ov_error_text(exc)}"
        ) from None


def _inherit_affinity(model) -> None:
    """Give ops without an affinity (added by preprocessing) the affinity of the op they feed."""
    pending = [op for op in model.get_ordered_ops() if "affinity" not in op.get_rt_info()]
    for op in reversed(pending):  # consumers first: a chain of added ops takes the affinity of its end
        for output in op.outputs():
            for target in output.get_target_inputs():
                info = target.get_node().get_rt_info()
                if "affinity" in info:
                    op.get_rt_info()["affinity"] = info["affinity"].astype(str)
                    break
            if "affinity" in op.get_rt_info():
                break
    missing = [op.get_friendly_name() for op in pending if "affinity" not in op.get_rt_info()]
    if missing:
        raise BackendError(f"preprocessing added ops no affinity reaches: {', '.join(missing[:3])}")


@contextlib.contextmanager
def _dumping_into(directory: Path) -> Iterator[None]:
    """Run with ``OPENVINO_HETERO_VISUALIZE`` set and ``directory`` as the working directory."""
    with _DUMP_LOCK:
        previous_cwd = os.getcwd()
        previous_env = os.environ.get("OPENVINO_HETERO_VISUALIZE")
        os.environ["OPENVINO_HETERO_VISUALIZE"] = "1"
        os.chdir(directory)
        try:
            yield
        finally:
            os.chdir(previous_cwd)
            if previous_env is None:
                del os.environ["OPENVINO_HETERO_VISUALIZE"]
            else:
                os.environ["OPENVINO_HETERO_VISUALIZE"] = previous_env
