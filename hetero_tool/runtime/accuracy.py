"""Accuracy: a candidate's outputs against a single-device reference on the same inputs.

An element passes when ``|out - ref| <= atol + rtol * |ref|`` (numpy's ``allclose`` rule; NaN equals NaN in
the same place, an infinity the same infinity). The relative error reported is ``|out - ref| / |ref|`` over
the elements whose reference is a number other than zero, so a reference of exact zeros does not make every
error infinite.

Unless given, the tolerances follow the least precise inference precision of the comparison
(:data:`TOLERANCES`): a correct split run in bf16 differs from an f32 reference by far more than 1e-4 (a
landmark model's pixel coordinates by 0.25), and a FAIL must mean a real error. A wrong split (an input
swapped, a boundary mis-wired) is off by the size of the values, far beyond any of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hetero_tool._ov import ov_error_text
from hetero_tool.errors import BackendError
from hetero_tool.runtime.results import Accuracy, OutputError
from hetero_tool.runtime.timing import set_inputs

__all__ = ["TOLERANCES", "compare_outputs", "least_precise", "output_name", "outputs_of"]

#: Default (atol, rtol) by inference precision, most precise first. bf16 keeps 8 significant bits (about 2
#: decimal digits), f16 11 (about 3); through a network the error grows to a few units of the last digit.
TOLERANCES: dict[str, tuple[float, float]] = {"f32": (1e-4, 1e-3), "f16": (1e-3, 1e-2), "bf16": (1e-2, 5e-2)}


def least_precise(precisions) -> str:
    """The least precise of ``precisions`` (``INFERENCE_PRECISION_HINT`` values as compiled), by
    :data:`TOLERANCES`; one it does not know (an integer type) counts as the least precise of all, and
    nothing known as ``f32``.

    Examples
    --------
    >>> least_precise(["f32", "bf16"]), least_precise(["f16", "f32"]), least_precise([])
    ('bf16', 'f16', 'f32')
    """
    order = list(TOLERANCES)
    found = [p.lower() for p in precisions if p]
    unknown = [p for p in found if p not in TOLERANCES]
    if unknown:
        return unknown[0]
    return max(found, key=order.index, default="f32")


def output_name(port, index: int) -> str:
    """How results name an output: its first tensor name in sorted order, else ``output<index>``."""
    names = sorted(port.get_names())
    return names[0] if names else f"output{index}"


def outputs_of(compiled, inputs: Mapping[str | int, Any]) -> dict[str, Any]:
    """One inference of ``compiled`` on ``inputs`` (input name or index -> array): output name -> array copy.

    Examples
    --------
    >>> import numpy as np, openvino as ov, openvino.opset13 as ops
    >>> x = ops.parameter([1, 3], np.float32, name="x")
    >>> y = ops.relu(x); y.output(0).set_names({"y"})
    >>> compiled = ov.Core().compile_model(ov.Model([y], [x], "tiny"), "CPU")
    >>> outputs_of(compiled, {"x": np.array([[-1.0, 0.0, 2.0]], np.float32)})["y"].tolist()
    [[0.0, 0.0, 2.0]]
    """
    request = compiled.create_infer_request()
    set_inputs(compiled, request, inputs)
    try:
        request.infer()
    except Exception as exc:
        if isinstance(exc, BackendError):
            raise
        raise BackendError(f"inference failed: {ov_error_text(exc)}") from exc
    return {
        output_name(port, k): request.get_tensor(port).data.copy() for k, port in enumerate(compiled.outputs)
    }


def compare_outputs(
    outputs: Mapping[str, Any],
    reference: Mapping[str, Any],
    *,
    atol: float | None = None,
    rtol: float | None = None,
    precision: str = "f32",
    reference_label: str,
) -> Accuracy:
    """Compare each output with the reference of the same name, within ``atol`` and ``rtol``, or by default
    the :data:`TOLERANCES` of ``precision`` (the loosest ones for a precision they do not list).

    Examples
    --------
    >>> import numpy as np
    >>> ref = {"y": np.array([1.0, 2.0, 0.0])}
    >>> acc = compare_outputs(
    ...     {"y": np.array([1.0, 2.002, 0.0])}, ref, atol=1e-5, rtol=1e-3, reference_label="CPU"
    ... )
    >>> acc.passed, round(acc.outputs[0].max_abs, 6), round(acc.outputs[0].max_rel, 6)
    (True, 0.002, 0.001)
    >>> compare_outputs(
    ...     {"y": np.array([1.0, 2.1, 0.0])}, ref, atol=1e-5, rtol=1e-3, reference_label="CPU"
    ... ).passed
    False
    """
    import numpy as np

    given = atol is not None or rtol is not None
    default_atol, default_rtol = TOLERANCES.get(precision, TOLERANCES["bf16"])
    atol = default_atol if atol is None else atol
    rtol = default_rtol if rtol is None else rtol
    results = []
    for name, ref in reference.items():
        if name not in outputs:
            results.append(OutputError(name, None, None, False, "missing from the candidate"))
            continue
        got, want = np.asarray(outputs[name]), np.asarray(ref)
        if got.shape != want.shape:
            note = f"shape {list(got.shape)}, the reference {list(want.shape)}"
            results.append(OutputError(name, None, None, False, note))
            continue
        a, b = got.astype(np.float64), want.astype(np.float64)
        same = (a == b) | (np.isnan(a) & np.isnan(b))  # equal infinities and NaNs in the same place
        with np.errstate(invalid="ignore"):
            diff = np.where(same, 0.0, np.abs(a - b))
        diff = np.where(np.isnan(diff), np.inf, diff)  # a NaN on one side only
        nonzero = (b != 0) & np.isfinite(b)
        rel = diff[nonzero] / np.abs(b[nonzero]) if nonzero.any() else np.zeros(1)
        passed = bool(np.all(diff <= atol + rtol * np.abs(np.nan_to_num(b))))
        note = ""
        if (np.isnan(a) != np.isnan(b)).any():
            note = "NaN on one side only"
        elif np.isinf(diff).any():
            note = "an infinity on one side only"
        elif want.dtype.kind == "f" and want.size > 2 and np.unique(want).size <= 2:
            note = (
                "the reference holds at most two values (saturated?): small errors cannot show; try real data"
            )
        results.append(
            OutputError(
                name=name,
                max_abs=_finite(float(diff.max()) if diff.size else 0.0),
                max_rel=_finite(float(rel.max()) if rel.size else 0.0),
                passed=passed,
                note=note,
            )
        )
    return Accuracy(
        reference=reference_label,
        atol=atol,
        rtol=rtol,
        outputs=tuple(results),
        precision=precision,
        tolerances_given=given,
    )


def _finite(value: float) -> float | None:
    """``value``, or ``None`` when it is not finite (the difference to a NaN: no number to report)."""
    return value if math.isfinite(value) else None
