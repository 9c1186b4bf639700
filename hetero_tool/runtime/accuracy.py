"""Accuracy: a candidate's outputs against a single-device reference on the same inputs.

An element passes when ``|out - ref| <= atol + rtol * |ref|`` (numpy's ``allclose`` rule; NaN equals NaN in
the same place, an infinity the same infinity). The relative error reported is ``|out - ref| / |ref|`` over
the elements whose reference is a number other than zero, so a reference of exact zeros does not make every
error infinite.

The reference is one device in f32. Unless given, the tolerance follows the least precise inference
precision of the candidate's devices, as compiled: in f32, :data:`F32_TOLERANCES`; at a reduced precision
(bf16, f16), those plus :data:`PRECISION_MARGIN` times the *floor* of each output, the reference device's own
largest difference from its f32 run at that precision. The floor is measured, not assumed, because it
depends on the model far more than on the format: on real landmark models one device alone in bf16 is off by
0.3% of an output's range on one output and by 90% on another. A correct split lands within 1.7 times the
floor (boundaries round at other places); a wrong one (an input swapped, a boundary mis-wired) is off by the
values themselves. So a FAIL means more error than the precision explains.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hetero_tool._ov import ov_error_text
from hetero_tool.errors import BackendError
from hetero_tool.runtime.results import Accuracy, OutputError
from hetero_tool.runtime.timing import set_inputs

__all__ = [
    "F32_TOLERANCES",
    "PRECISION_MARGIN",
    "REDUCED_PRECISIONS",
    "compare_outputs",
    "floors",
    "least_precise",
    "output_name",
    "outputs_of",
]

#: Default (atol, rtol) of a comparison in f32.
F32_TOLERANCES = (1e-4, 1e-3)
#: Precisions whose error is measured as a floor, most precise first.
REDUCED_PRECISIONS = ("f16", "bf16")
#: Times the floor a reduced-precision comparison allows on top of :data:`F32_TOLERANCES`.
PRECISION_MARGIN = 3.0


def least_precise(precisions) -> str:
    """The least precise of ``precisions`` (``INFERENCE_PRECISION_HINT`` values as compiled): ``bf16`` before
    ``f16`` before ``f32``; one it does not know (an integer type) counts as less precise than all, and
    nothing known as ``f32``.

    Examples
    --------
    >>> least_precise(["f32", "bf16"]), least_precise(["f16", "f32"]), least_precise([])
    ('bf16', 'f16', 'f32')
    """
    order = ["f32", *REDUCED_PRECISIONS]
    found = [p.lower() for p in precisions if p]
    unknown = [p for p in found if p not in order]
    if unknown:
        return unknown[0]
    return max(found, key=order.index, default="f32")


def floors(at_precision: Mapping[str, Any], in_f32: Mapping[str, Any]) -> dict[str, float]:
    """Output name -> the largest difference between one device's outputs at a reduced precision and in
    f32 (outputs it cannot compare: no floor)."""
    import numpy as np

    found = {}
    for name, truth in in_f32.items():
        got = at_precision.get(name)
        if got is None or np.shape(got) != np.shape(truth) or np.asarray(truth).dtype.kind not in "fc":
            continue
        with np.errstate(invalid="ignore"):
            diff = np.abs(np.asarray(got, np.float64) - np.asarray(truth, np.float64))
        found[name] = float(np.nanmax(diff)) if diff.size and np.isfinite(np.nanmax(diff)) else 0.0
    return found


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
    floor: Mapping[str, float] | None = None,
    reference_label: str,
) -> Accuracy:
    """Compare each output with the reference of the same name: every element within
    ``atol + rtol * |ref|``, plus :data:`PRECISION_MARGIN` times the output's ``floor`` when the candidate
    ran at a reduced ``precision`` and no tolerance was given (defaults: :data:`F32_TOLERANCES`).

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
    atol = F32_TOLERANCES[0] if atol is None else atol
    rtol = F32_TOLERANCES[1] if rtol is None else rtol
    margin = PRECISION_MARGIN if floor is not None and not given else 0.0
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
        own = (floor or {}).get(name) if margin else None
        allowed = atol + (margin * own if own is not None else 0.0)
        passed = bool(np.all(diff <= allowed + rtol * np.abs(np.nan_to_num(b))))
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
                floor=own,
            )
        )
    return Accuracy(
        reference=reference_label,
        atol=atol,
        rtol=rtol,
        outputs=tuple(results),
        precision=precision,
        tolerances_given=given,
        margin=margin,
    )


def _finite(value: float) -> float | None:
    """``value``, or ``None`` when it is not finite (the difference to a NaN: no number to report)."""
    return value if math.isfinite(value) else None
