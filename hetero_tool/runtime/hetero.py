"""Compiling a plan through the real HETERO plugin, and reading back what it did.

The plan's affinities go into ``rt_info["affinity"]`` of every op (manual mode), emulated devices are registered
as extra CPU-plugin devices, each device gets its config through ``DEVICE_PROPERTIES``, and the model is compiled
as ``HETERO:<priorities>``. Optionally HETERO's own ``.dot`` dumps are collected (``OPENVINO_HETERO_VISUALIZE``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hetero_tool._ov import ov_error_text
from hetero_tool.errors import BackendError, PlanError
from hetero_tool.ir.types import IRModel
from hetero_tool.partition.plan import Plan
from hetero_tool.runtime.openvino import apply_affinity, read_ov_model, register_cpu_device

__all__ = ["CompiledPlan", "compile_plan"]

_DUMP_LOCK = threading.Lock()


@dataclass
class CompiledPlan:
    """A plan compiled through HETERO."""

    #: The ``ov.CompiledModel``.
    compiled: object
    #: ``HETERO_NUMBER_OF_SUBMODELS`` (read on the fresh Core the plan was compiled on).
    submodels: int
    #: ``EXECUTION_DEVICES``, translated back to the plan's device names.
    execution_devices: tuple[str, ...]
    #: HETERO's own dumps, when asked for: file name -> path.
    dumps: dict[str, Path] = field(default_factory=dict)
    #: The ``ov.Core`` it was compiled on. It must outlive the compiled model: HETERO's ``export_model()``
    #: asks its plugin for the Core, and crashes the process (SIGSEGV) once the Core is gone.
    core: object = None


def compile_plan(
    ir: IRModel, plan: Plan, *, dump_dir: str | Path | None = None, refuse_known_failures: bool = True
) -> CompiledPlan:
    """Compile ``ir`` with ``plan``'s affinities through HETERO on a fresh ``ov.Core``.

    With ``dump_dir``, HETERO writes its ``hetero_affinity_*.dot``/``hetero_subgraphs_*.dot`` there (it writes
    to the working directory, so the compile runs inside ``dump_dir``, one at a time). A plan OpenVINO is known
    to fail on is refused before compiling (:class:`~hetero_tool.errors.PlanError`), unless
    ``refuse_known_failures`` is false.
    """
    import openvino as ov

    if refuse_known_failures and plan.partition.detached_results:
        names = ", ".join(repr(plan.names[lid]) for lid in plan.partition.detached_results)
        raise PlanError(
            f"HETERO cannot compile this plan for {ir.name!r}: breaking a cycle between subgraphs cuts the "
            f"Result(s) {names} off their producer (OpenVINO 2026.4 fails with unordered_map::at); change the "
            "affinities around them"
        )
    core = ov.Core()
    for device in plan.devices:
        if device.emulated:
            register_cpu_device(core, device.ov_name)
    to_ov = {d.name: d.ov_name or d.name for d in plan.devices}
    from_ov = {v: k for k, v in to_ov.items()}
    model = read_ov_model(ir)
    apply_affinity(ir, model, {lid: to_ov.get(device, device) for lid, device in plan.layer_affinity.items()})
    config = {"DEVICE_PROPERTIES": {to_ov[d.name]: {k: str(v) for k, v in d.config.items()}
                                    for d in plan.devices if d.config}}  # fmt: skip
    target = "HETERO:" + ",".join(to_ov[d.name] for d in plan.devices)
    dumps: dict[str, Path] = {}
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
        raise BackendError(f"HETERO could not compile {ir.name!r} with this plan: {ov_error_text(exc)}") from exc
    devices = tuple(from_ov.get(d, d) for d in compiled.get_property("EXECUTION_DEVICES"))
    submodels = int(compiled.get_property("HETERO_NUMBER_OF_SUBMODELS"))
    return CompiledPlan(compiled, submodels, devices, dumps, core)


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
