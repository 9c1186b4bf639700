"""Accuracy: a candidate's outputs against a single-device reference on the same inputs.

An element passes when ``|out - ref| <= atol + rtol * |ref|`` (numpy's ``allclose`` rule; NaN equals NaN in
the same place, an infinity the same infinity). The relative error reported is ``|out - ref| / |ref|`` over
the elements whose reference is a number other than zero, so a reference of exact zeros does not make every
error infinite.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hetero_tool._ov import ov_error_text
from hetero_tool.errors import BackendError
from hetero_tool.runtime.results import Accuracy, OutputError
from hetero_tool.runtime.timing import set_inputs

__all__ = ["compare_outputs", "output_name", "outputs_of"]


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
    atol: float,
    rtol: float,
    reference_label: str,
) -> Accuracy:
    """Compare each output with the reference of the same name.

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
    return Accuracy(reference=reference_label, atol=atol, rtol=rtol, outputs=tuple(results))


def _finite(value: float) -> float | None:
    """``value``, or ``None`` when it is not finite (the difference to a NaN: no number to report)."""
    return value if math.isfinite(value) else None
