"""Every model format the tool accepts, brought to one: an IR ``.xml`` parsed by :func:`parse_ir`.

An IR ``.xml`` (or a directory holding exactly one) is parsed directly. ONNX, TensorFlow Lite and
PaddlePaddle models are converted by OpenVINO's own frontends (``openvino.convert_model``), saved as IR into
the cache (keyed by the model's bytes and the OpenVINO version) and then parsed the same way, so a second run
pays nothing for the conversion and the rest of the tool only ever sees IR.
"""

from __future__ import annotations

from pathlib import Path

from hetero_tool._ov import ov_error_text
from hetero_tool.cache import atomic_directory, cache_dir, file_digest
from hetero_tool.errors import InputError, ModelFormatError
from hetero_tool.ir.parse import parse_ir
from hetero_tool.ir.types import IRModel

__all__ = ["load_ir", "ir_path_from_model", "CONVERTED_SUFFIXES"]

#: Suffixes converted through OpenVINO's frontends, with the files that travel with each model.
CONVERTED_SUFFIXES = {
    ".onnx": ("onnx", "ONNX", ()),
    ".tflite": ("tflite", "TensorFlow Lite", ()),
    ".pdmodel": ("paddle", "PaddlePaddle", (".pdiparams",)),
}


def load_ir(path: str | Path) -> IRModel:
    """Parse any supported model into an :class:`~hetero_tool.ir.types.IRModel`.

    ``path`` is an IR ``.xml``, a directory holding one IR, or an ``.onnx``, ``.tflite`` or ``.pdmodel`` file
    (converted through OpenVINO into IR in the cache first; see :func:`ir_path_from_model`).

    Examples
    --------
    >>> from hetero_tool.samples import save_samples
    >>> paths = save_samples(tmp, names=["mobilenet"])
    >>> ir = load_ir(tmp)  # a directory with one IR
    >>> ir.name
    'mobilenet'
    """
    return parse_ir(ir_path_from_model(path))


def ir_path_from_model(path: str | Path) -> Path:
    """The IR ``.xml`` for a model path, converting non-IR formats into the cache.

    Raises :class:`~hetero_tool.errors.InputError` for a missing path and
    :class:`~hetero_tool.errors.ModelFormatError` for an unknown type or a file OpenVINO cannot read.
    """
    path = Path(path)
    if path.is_dir():
        return _ir_in_directory(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file or directory")
    suffix = path.suffix.lower()
    if suffix == ".xml":
        return path
    if suffix in CONVERTED_SUFFIXES:
        return _convert(path)
    known = ", ".join([".xml", *CONVERTED_SUFFIXES])
    raise ModelFormatError(
        f"{path}: unknown model type {suffix or '(no suffix)'!r}; expected one of {known} or a directory "
        "holding an IR"
    )


def _ir_in_directory(directory: Path) -> Path:
    candidates = sorted(directory.glob("*.xml"))
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ModelFormatError(f"{directory}: directory holds no IR (.xml)")
    names = ", ".join(p.name for p in candidates)
    raise ModelFormatError(f"{directory}: directory holds several IRs ({names}); name the .xml to use")


def _convert(path: Path) -> Path:
    import openvino as ov
    from openvino.frontend import FrontEndManager

    framework, kind, companions = CONVERTED_SUFFIXES[path.suffix.lower()]
    inputs = [path, *(p for s in companions if (p := path.with_suffix(s)).is_file())]
    key = file_digest(inputs, ov.get_version())
    target = cache_dir("converted") / key[:32]

    def convert_into(tmp: Path) -> None:
        # The frontend is named rather than guessed, so a broken file gets that frontend's error (and the
        # other frontends do not log their own failed attempts to stderr).
        try:
            frontend = FrontEndManager().load_by_framework(framework)
            model = frontend.convert(frontend.load(str(path)))
        except Exception as exc:  # OpenVINO raises GeneralFailure, OpConversionFailure, RuntimeError...
            raise ModelFormatError(
                f"{path}: OpenVINO could not read this {kind} model: {ov_error_text(exc)}"
            ) from exc
        ov.save_model(model, tmp / f"{path.stem}.xml", compress_to_fp16=False)

    return atomic_directory(target, convert_into) / f"{path.stem}.xml"
