"""Every model format the tool accepts, brought to one: an IR ``.xml`` parsed by :func:`parse_ir`.

An IR ``.xml`` (or a directory holding exactly one) is parsed directly. ONNX, TensorFlow Lite and
PaddlePaddle models are converted by OpenVINO's own frontends (``openvino.convert_model``), saved as IR into
the cache (keyed by the model's bytes and the OpenVINO version) and then parsed the same way, so a second run
pays nothing for the conversion and the rest of the tool only ever sees IR.

The parsed IR is cached too (:func:`load_ir`), keyed by the SHA-256 of the ``.xml`` and ``.bin`` (the
model's :attr:`~hetero_tool.ir.types.IRModel.sha256`, computed once for both) and by the parser's own code,
so a second run of a command on a big model reads a compact binary copy instead of the XML.

A model to be compiled with other input shapes (``--shape``) is reshaped the same way, before anything is
planned: OpenVINO's reshape folds shape computations into new Constants and can change what HETERO cuts, so
a plan made on the model as read would not describe the model as compiled. The reshaped model is saved as
IR into the cache too, and the tool plans, compiles and reports on that.

Ops that OpenVINO names automatically (``Constant_4941``: a process-wide counter) are renamed after the op
they feed, the same in every process, so the IR, and the SHA-256 a plan records, is the same whenever the
cache entry is made again.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection, Mapping
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
from hetero_tool.ir.types import IRModel, ir_sha256

__all__ = ["CONVERTED_SUFFIXES", "PARSED_FORMAT", "ir_path_from_model", "load_ir", "name_automatic_ops"]

#: Version of the parsed-IR cache entries' layout; the parser's and the IR types' source are part of the key
#: as well, so a change to either makes new entries.
PARSED_FORMAT = 1

#: Bumped when what is written into the converted and reshaped caches changes (the naming of automatic ops).
_CACHE_FORMAT = "2"

#: Suffixes converted through OpenVINO's frontends, with the files that travel with each model.
CONVERTED_SUFFIXES = {
    ".onnx": ("onnx", "ONNX", ()),
    ".tflite": ("tflite", "TensorFlow Lite", ()),
    ".pdmodel": ("paddle", "PaddlePaddle", (".pdiparams",)),
}


def load_ir(path: str | Path, shapes: Mapping[str, str] | None = None, *, use_cache: bool = True) -> IRModel:
    """Parse any supported model into an :class:`~hetero_tool.ir.types.IRModel`, reshaped to ``shapes``.

    ``path`` is an IR ``.xml``, a directory holding one IR, or an ``.onnx``, ``.tflite`` or ``.pdmodel`` file
    (converted through OpenVINO into IR in the cache first; see :func:`ir_path_from_model`). ``shapes`` maps
    input names (tensor or friendly names; ``""``: every input) to shapes in OpenVINO's syntax, as
    :func:`~hetero_tool.runtime.options.parse_shapes` reads ``--shape``.

    With ``use_cache`` (the default), the parsed model is kept in the cache and read back from there while
    the ``.xml`` and ``.bin`` keep their bytes: the same model as :func:`parse_ir` gives, with its
    :attr:`~hetero_tool.ir.types.IRModel.sha256` already known.

    Examples
    --------
    >>> from hetero_tool.samples import save_samples
    >>> paths = save_samples(tmp, names=["mobilenet"])
    >>> ir = load_ir(tmp)  # a directory with one IR
    >>> ir.name, ir.parameters[0].outputs[0].shape
    ('mobilenet', (1, 3, 64, 64))
    >>> load_ir(tmp) == ir == parse_ir(paths["mobilenet"])  # the second from the cache
    True
    >>> load_ir(tmp, {"image": "[2,3,64,64]"}).parameters[0].outputs[0].shape
    (2, 3, 64, 64)
    """
    xml = ir_path_from_model(path, shapes)
    if use_cache:
        return _cached_parse(xml, shapes or {})
    ir = parse_ir(xml)
    return dataclasses.replace(ir, shapes=dict(shapes)) if shapes else ir


def ir_path_from_model(path: str | Path, shapes: Mapping[str, str] | None = None) -> Path:
    """The IR ``.xml`` for a model path, converting non-IR formats, and reshaping, into the cache.

    Raises :class:`~hetero_tool.errors.InputError` for a missing path or shapes the model refuses, and
    :class:`~hetero_tool.errors.ModelFormatError` for an unknown type or a file OpenVINO cannot read.
    """
    path = Path(path)
    if path.is_dir():
        xml = _ir_in_directory(path)
    elif not path.is_file():
        raise InputError(f"{path}: no such file or directory")
    elif path.suffix.lower() == ".xml":
        xml = path
    elif path.suffix.lower() in CONVERTED_SUFFIXES:
        xml = _convert(path)
    else:
        known = ", ".join([".xml", *CONVERTED_SUFFIXES])
        raise ModelFormatError(
            f"{path}: unknown model type {path.suffix.lower() or '(no suffix)'!r}; expected one of {known} "
            "or a directory holding an IR"
        )
    return _reshaped(xml, path, shapes) if shapes else xml


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
    key = file_digest(inputs, ov.get_version(), _CACHE_FORMAT)
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
        name_automatic_ops(model)
        ov.save_model(model, tmp / f"{path.stem}.xml", compress_to_fp16=False)

    return atomic_directory(target, convert_into) / f"{path.stem}.xml"


def _reshaped(xml: Path, source: Path, shapes: Mapping[str, str]) -> Path:
    """``xml`` reshaped to ``shapes``, saved as IR in the cache (``source``: the path the user gave)."""
    import openvino as ov

    text = json.dumps(dict(sorted(shapes.items())))
    key = file_digest([xml, xml.with_suffix(".bin")], text, ov.get_version(), _CACHE_FORMAT)
    target = cache_dir("reshaped") / key[:32]

    def reshape_into(tmp: Path) -> None:
        from hetero_tool._ov import shared_core

        model = shared_core().read_model(xml)
        before = _op_names(model)
        _reshape(model, shapes, source)
        name_automatic_ops(model, before)
        ov.save_model(model, tmp / xml.name, compress_to_fp16=False)

    return atomic_directory(target, reshape_into) / xml.name


def _reshape(model, shapes: Mapping[str, str], source: Path) -> None:
    """Reshape ``model`` in place: each input named in ``shapes`` (``""``: every other input)."""
    import openvino as ov

    names = {name for port in model.inputs for name in port.get_names()} | {
        p.get_friendly_name() for p in model.get_parameters()
    }
    for name in shapes:
        if name and name not in names:
            raise InputError(
                f"--shape {name}: {source} has no input of that name (it has {', '.join(sorted(names))})"
            )
    new = {}
    for param in model.get_parameters():
        port_names = param.output(0).get_names() | {param.get_friendly_name()}
        text = next((shapes[n] for n in sorted(port_names) if n in shapes), shapes.get(""))
        if text is not None:
            try:
                new[param.output(0)] = ov.PartialShape(text)
            except Exception as exc:
                raise InputError(f"--shape {text!r}: not a shape ({ov_error_text(exc)})") from None
    try:
        model.reshape(new)
    except Exception as exc:
        raise InputError(f"{source}: cannot reshape to {dict(shapes)}: {ov_error_text(exc)}") from None


def name_automatic_ops(model, kept: Collection[str] = ()) -> None:
    """Give ``model``'s automatically named ops names of their own, the same in every process.

    An op is automatically named when its friendly name is its unique name (``Constant_4941``, from a
    process-wide counter) and that unique name is not in ``kept`` (the unique names of the ops that were
    there before a reshape: they keep theirs). It is named after the named op it ends up feeding (first in
    the model's order), else after the named op it comes from, and its own type: ``conv1/Constant``
    (``conv1/Constant_2`` when taken). Bodies of If, Loop and TensorIterator are named the same way.

    Examples
    --------
    >>> import numpy as np, openvino as ov, openvino.opset13 as ops
    >>> x = ops.parameter([2], np.float32, name="x")
    >>> y = ops.relu(ops.add(x, ops.constant(np.ones(2, np.float32)), name="add"))
    >>> model = ov.Model([ops.result(y)], [x])
    >>> name_automatic_ops(model)
    >>> [op.get_friendly_name() for op in model.get_ordered_ops()]
    ['x', 'add/Constant', 'add', 'add/Relu', 'add/Result']
    """
    for body in _with_bodies(model):
        ordered = body.get_ordered_ops()
        position = {op.get_name(): k for k, op in enumerate(ordered)}
        automatic = {op.get_name() for op in ordered if op.get_friendly_name() == op.get_name()} - set(kept)
        if not automatic:
            continue
        down: dict[str, str | None] = {}  # the named op each op ends up feeding
        for op in reversed(ordered):
            if op.get_name() not in automatic:
                down[op.get_name()] = op.get_friendly_name()
                continue
            consumers = [t.get_node().get_name() for out in op.outputs() for t in out.get_target_inputs()]
            down[op.get_name()] = down[min(consumers, key=position.__getitem__)] if consumers else None
        up: dict[str, str | None] = {}  # the named op each op comes from
        for op in ordered:
            named = op.get_name() not in automatic
            up[op.get_name()] = (
                op.get_friendly_name()
                if named
                else up[op.input_value(0).get_node().get_name()]
                if op.inputs()
                else None
            )
        taken = {op.get_friendly_name() for op in ordered if op.get_name() not in automatic}
        for op in reversed(ordered):
            if op.get_name() not in automatic:
                continue
            anchor = down[op.get_name()] or up[op.get_name()]
            base = f"{anchor}/{op.get_type_name()}" if anchor else op.get_type_name()
            name, k = base, 1
            while name in taken:
                k += 1
                name = f"{base}_{k}"
            taken.add(name)
            op.set_friendly_name(name)


def _op_names(model) -> set[str]:
    """The unique names of every op of ``model``, bodies included."""
    return {op.get_name() for body in _with_bodies(model) for op in body.get_ordered_ops()}


def _with_bodies(model) -> list:
    """``model`` and, depth first, the bodies of its If, Loop and TensorIterator ops."""
    found, stack = [], [model]
    while stack:
        body = stack.pop()
        found.append(body)
        for op in body.get_ordered_ops():
            if hasattr(op, "get_then_body"):
                stack += [op.get_then_body(), op.get_else_body()]
            elif hasattr(op, "get_function"):
                stack.append(op.get_function())
    return found


def _cached_parse(xml: Path, shapes: Mapping[str, str]) -> IRModel:
    """:func:`parse_ir` of ``xml`` through the cache (see :func:`load_ir`), recording ``shapes``."""
    if not xml.is_file():
        return parse_ir(xml)  # its error
    weights = xml.with_suffix(".bin")
    weights_path = weights if weights.is_file() else None
    sha256 = ir_sha256(xml, weights_path)
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
            model = dataclasses.replace(found.model, path=xml, weights_path=weights_path, shapes=dict(shapes))
            vars(model)["ordered"] = found.ordered  # a cached property: its value, as computed when stored
    if model is None:
        parsed = parse_ir(xml)
        ordered = parsed.ordered
        write_atomic(
            entry,
            _ENCODER.encode(_Parsed(dataclasses.replace(parsed, path=None, weights_path=None), ordered)),
        )
        model = dataclasses.replace(parsed, shapes=dict(shapes)) if shapes else parsed
        vars(model)["ordered"] = ordered
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
