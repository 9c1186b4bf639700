"""The ``ov.Model`` behind an :class:`~hetero_tool.ir.IRModel`, and affinities put on it.

A plan is keyed by IR layer id; OpenVINO ops carry no such id. The two are joined by position: the tool
reproduces ``get_ordered_ops()`` on the IR exactly (:func:`~hetero_tool.ir.order.ordered_layer_ids`), so the
k-th op OpenVINO lists is the k-th layer the tool lists, whatever the names are (they need not be unique).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from hetero_tool.errors import BackendError
from hetero_tool.ir.order import ordered_layer_ids
from hetero_tool.ir.types import IRModel

__all__ = ["read_ov_model", "ops_by_layer_id", "apply_affinity", "cpu_plugin_library", "register_cpu_device"]


def read_ov_model(ir: IRModel):
    """Read the IR as OpenVINO sees it, op for layer.

    IR v11 goes through ``ov.Core().read_model``. IR v10 goes through the IR frontend directly: ``read_model``
    would add the legacy API's precision Converts (and rename producers) that the IR does not contain.
    """
    import openvino as ov

    if ir.path is None:
        raise BackendError(f"model {ir.name!r} was not read from a file")
    if ir.version == 10:
        from openvino.frontend import FrontEndManager

        frontend = FrontEndManager().load_by_framework("ir")
        return frontend.convert(frontend.load(str(ir.path)))
    return ov.Core().read_model(ir.path)


def ops_by_layer_id(ir: IRModel, model) -> dict:
    """Map every IR layer id to its op in ``model`` (read from this IR).

    Raises :class:`~hetero_tool.errors.BackendError` if the model is not the one the IR describes.
    """
    ops = model.get_ordered_ops()
    ids = ordered_layer_ids(ir)
    if len(ops) != len(ids):
        raise BackendError(f"{ir.path}: OpenVINO's model has {len(ops)} ops, the IR {len(ids)} layers")
    mapping = {}
    for lid, op in zip(ids, ops):
        layer = ir.layers[lid]
        if op.get_friendly_name() != layer.name or op.get_type_name() != layer.type:
            raise BackendError(
                f"{ir.path}: op {op.get_friendly_name()!r} ({op.get_type_name()}) does not match {layer.label}"
            )
        mapping[lid] = op
    return mapping


def apply_affinity(ir: IRModel, model, affinity: Mapping[int, str]) -> None:
    """Set ``rt_info["affinity"]`` on every op of ``model``: HETERO's manual mode needs all of them."""
    for lid, op in ops_by_layer_id(ir, model).items():
        op.get_rt_info()["affinity"] = affinity[lid]


def cpu_plugin_library() -> Path:
    """Path of the CPU plugin library in the installed OpenVINO package."""
    import openvino as ov

    libs = Path(ov.__file__).parent / "libs"
    found = sorted(libs.glob("libopenvino_intel_cpu_plugin.*")) or sorted(libs.glob("openvino_intel_cpu_plugin.*"))
    if not found:
        raise BackendError(f"the CPU plugin library is not in {libs}")
    return found[0]


def register_cpu_device(core, name: str) -> None:
    """Make ``name`` a device of ``core`` backed by the CPU plugin (OpenVINO requires "CPU" in the name)."""
    if "CPU" not in name:
        raise BackendError(f"an emulated device's OpenVINO name must contain 'CPU' (got {name!r})")
    if name not in core.available_devices:
        core.register_plugin(str(cpu_plugin_library()), name)
