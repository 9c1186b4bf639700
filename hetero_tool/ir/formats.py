"""Every model format the tool accepts, brought to one: an IR ``.xml`` parsed by :func:`parse_ir`.

An IR ``.xml`` (or a directory holding exactly one) is parsed directly. ONNX, TensorFlow Lite and
PaddlePaddle models are converted by OpenVINO's own frontends (``openvino.convert_model``), saved as IR into
the cache (keyed by the model's bytes and the OpenVINO version) and then parsed the same way, so a second run
pays nothing for the conversion and the rest of the tool only ever sees IR.

The parsed IR is cached too (:func:`load_ir`), keyed by the SHA-256 of the ``.xml`` and ``.bin`` (the
model's :attr:`~hetero_tool.ir.types.IRModel.sha256`, computed once for both) and by the parser's own code,
so a second run of a command on a big model reads a compact binary copy instead of the XML.
"""

from __future__ import annotations

import dataclasses
import hashlib
from functools import cache
from pathlib import Path
from types import MappingProxyType

import msgspec

from hetero_tool._files import write_atomic
from hetero_tool._gc import paused_gc
from hetero_tool._ov import ov_error_text
from hetero_tool.cache import atomic_directory, cache_dir, file_digest
from hetero_tool.errors import InputError, ModelFormatError
from hetero_tool.ir.order import OrderedLayers
from hetero_tool.ir.parse import parse_ir
from hetero_tool.ir.types import IRModel

__all__ = ["load_ir", "ir_path_from_model", "CONVERTED_SUFFIXES", "PARSED_FORMAT"]

#: Version of the parsed-IR cache entries' layout; the parser's and the IR types' source are part of the key
#: as well, so a change to either makes new entries.
PARSED_FORMAT = 1

#: Suffixes converted through OpenVINO's frontends, with the files that travel with each model.
CONVERTED_SUFFIXES = {
    ".onnx": ("onnx", "ONNX", ()),
    ".tflite": ("tflite", "TensorFlow Lite", ()),
    ".pdmodel": ("paddle", "PaddlePaddle", (".pdiparams",)),
}


def load_ir(path: str | Path, *, use_cache: bool = True) -> IRModel:
    """Parse any supported model into an :class:`~hetero_tool.ir.types.IRModel`.

    ``path`` is an IR ``.xml``, a directory holding one IR, or an ``.onnx``, ``.tflite`` or ``.pdmodel`` file
    (converted through OpenVINO into IR in the cache first; see :func:`ir_path_from_model`).

    With ``use_cache`` (the default), the parsed model is kept in the cache and read back from there while
    the ``.xml`` and ``.bin`` keep their bytes: the same model as :func:`parse_ir` gives, with its
    :attr:`~hetero_tool.ir.types.IRModel.sha256` already known.

    Examples
    --------
    >>> from hetero_tool.samples import save_samples
    >>> paths = save_samples(tmp, names=["mobilenet"])
    >>> ir = load_ir(tmp)  # a directory with one IR
    >>> ir.name
    'mobilenet'
    >>> load_ir(tmp) == ir == parse_ir(paths["mobilenet"])  # the second from the cache
    True
    """
    xml = ir_path_from_model(path)
    return _cached_parse(xml) if use_cache else parse_ir(xml)


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


def _cached_parse(xml: Path) -> IRModel:
    """:func:`parse_ir` of ``xml`` through the cache (see :func:`load_ir`)."""
    if not xml.is_file():
        return parse_ir(xml)  # its error
    weights = xml.with_suffix(".bin")
    weights_path = weights if weights.is_file() else None
    digest = hashlib.sha256()
    for part in (xml, weights_path):
        if part is not None:
            with open(part, "rb") as stream:
                hashlib.file_digest(stream, lambda: digest)  # as IRModel.sha256: .xml then .bin, one hash
    sha256 = digest.hexdigest()
    entry = (
        cache_dir("parsed") / f"{file_digest([], sha256, str(PARSED_FORMAT), _code_digest())[:40]}.msgpack"
    )
    model = None
    if entry.is_file():
        try:
            with paused_gc():  # many small records, no cycles among them
                found = _DECODER.decode(entry.read_bytes())
        except (OSError, msgspec.DecodeError):  # unreadable or damaged: parse again and replace it
            found = None
        if found is not None:
            model = dataclasses.replace(found.model, path=xml, weights_path=weights_path)
            vars(model)["ordered"] = found.ordered  # a cached property: its value, as computed when stored
    if model is None:
        model = parse_ir(xml)
        stored = _Parsed(dataclasses.replace(model, path=None, weights_path=None), model.ordered)
        write_atomic(entry, _ENCODER.encode(stored))
    vars(model)["sha256"] = sha256  # IRModel.sha256 is a cached property: this is its value, computed once
    return model


class _Parsed(msgspec.Struct, array_like=True):
    """A parsed-IR cache entry: the model (without its paths) and OpenVINO's walk of it, which every command
    needs and which costs a fifth of the parse to compute."""

    model: IRModel
    ordered: OrderedLayers


@cache
def _code_digest() -> str:
    """SHA-256 of the code that decides what a cached model holds: the parser, the IR types and the walk."""
    here = Path(__file__).parent
    return file_digest([here / "parse.py", here / "types.py", here / "order.py"])


def _encode_hook(value: object) -> object:
    if isinstance(value, MappingProxyType):  # a layer without <data>: read back as an equal dict
        return dict(value)
    raise NotImplementedError(f"a parsed IR holds no {type(value).__name__}")


def _decode_hook(kind: type, value: object) -> object:
    if kind is Path:  # only bodies have paths, and theirs are None: never reached, but the type needs a hook
        return Path(value)  # type: ignore[arg-type]
    raise NotImplementedError(kind)


_ENCODER = msgspec.msgpack.Encoder(enc_hook=_encode_hook)
_DECODER = msgspec.msgpack.Decoder(_Parsed, dec_hook=_decode_hook)
