"""The input side of ``hetero-tool bench``: shapes, layouts, preprocessing and input data, as benchmark_app has them.

- :func:`parse_shapes`, :func:`parse_layouts`, :func:`parse_values` and :func:`parse_inputs` read the options
  ``--shape``, ``--layout``, ``--mean``/``--scale`` and ``--input`` in benchmark_app's syntax
  (``-shape``, ``-layout``, ``--mean_values``/``--scale_values``, ``-i``).
- :func:`preprocessor` builds ``--input-precision`` and mean/scale into the model with OpenVINO's
  ``PrePostProcessor``: the device converts and normalizes, and the application feeds raw data, as OpenVINO's
  deployment guide recommends and benchmark_app does (``pre_post_processing``/``fuse_mean_scale``).
- :func:`make_inputs` makes one array per model input: loaded from ``.npy`` files, or random in benchmark_app's
  ranges, drawn from a numpy ``Generator`` seeded by ``seed`` and the input's position, so runs repeat exactly.

An input is named as benchmark_app names it (``get_input_output_names``): its tensor name (OpenVINO's
``get_any_name()``, the smallest when there are several), or its node's friendly name when it has none. Options
may also name an input by its node's friendly name. A name of ``""`` stands for every input (``--shape``,
``--layout``, ``--input-precision``), every floating-point input (``--mean``/``--scale``), or the only input
(``--input file.npy``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hetero_tool._ov import ov_error_text
from hetero_tool.errors import InputError

__all__ = [
    "INPUT_PRECISIONS",
    "input_names",
    "make_inputs",
    "parse_inputs",
    "parse_layouts",
    "parse_shapes",
    "parse_values",
    "preprocessor",
]

#: ``--input-precision`` values: benchmark_app's ``-ip`` choices, with the OpenVINO type each stands for.
INPUT_PRECISIONS: dict[str, str] = {
    "bool": "boolean",
    "f16": "f16",
    "f32": "f32",
    "f64": "f64",
    "i8": "i8",
    "i16": "i16",
    "i32": "i32",
    "i64": "i64",
    "u8": "u8",
    "u16": "u16",
    "u32": "u32",
    "u64": "u64",
}

# Random data, as benchmark_app's fill_tensors_with_random: every type in [0, 255] (floats uniform, integers
# uniform over the whole numbers), booleans 0/1. Other element types (bf16, 4-bit, f8, string) have no numpy type.
_RANDOM_LOW, _RANDOM_HIGH = 0, 255
_NUMPY_TYPES = {
    "boolean": np.bool_,
    "f16": np.float16,
    "f32": np.float32,
    "f64": np.float64,
    "i8": np.int8,
    "i16": np.int16,
    "i32": np.int32,
    "i64": np.int64,
    "u8": np.uint8,
    "u16": np.uint16,
    "u32": np.uint32,
    "u64": np.uint64,
}

# Ops an index input may pass through unchanged in value on its way to a Gather (input 0 is the data).
_VALUE_PRESERVING = {"Convert", "Reshape", "Squeeze", "Unsqueeze", "Transpose", "Broadcast", "Tile"}
# Ops whose input 1 indexes the first dimension of input 0.
_EMBEDDINGS = {
    "EmbeddingBagOffsetsSum",
    "EmbeddingBagOffsets",
    "EmbeddingBagPackedSum",
    "EmbeddingBagPacked",
    "EmbeddingSegmentsSum",
}

# Layouts tried for per-channel mean/scale on an input with no layout, by rank; the first whose C dimension
# has as many elements as there are values wins (so NCHW, OpenVINO's own order, when both fit).
_GUESSED_LAYOUTS = {2: ("NC",), 3: ("CHW", "HWC"), 4: ("NCHW", "NHWC"), 5: ("NCDHW", "NDHWC")}

_DIM = re.compile(r"^(?:\d+|\?|-1|(\d*)\.\.(\d*))$")


# -- option parsing --------------------------------------------------------------------------------------------


def parse_shapes(text: str) -> dict[str, str]:
    """Read ``--shape`` (benchmark_app's ``-shape``): input name -> shape in OpenVINO's syntax, ``""`` = all inputs.

    Why: the model is reshaped before it is compiled (``model_for(shapes=...)``), and HETERO needs static shapes
    wherever a tensor crosses devices. A dimension is a number, ``?`` or ``-1`` (dynamic), or a range ``lo..hi``
    (either end may be left out). A named entry wins over an unnamed one for its input.

    Examples
    --------
    >>> parse_shapes("[1,3,224,224]")
    {'': '[1,3,224,224]'}
    >>> parse_shapes("image[1, 3, ?, 1..512], ids[1,-1]")
    {'image': '[1,3,?,1..512]', 'ids': '[1,-1]'}
    >>> parse_shapes("image[1,x]")
    Traceback (most recent call last):
    hetero_tool.errors.InputError: --shape image[1,x]: dimension 'x' is not a number, ?, -1 or a range lo..hi
    """
    shapes = {}
    for name, content, part in _entries(text, "--shape"):
        dims = [d.strip() for d in content.split(",")] if content else []
        for dim in dims:
            match = _DIM.match(dim)
            if not match:
                raise InputError(f"--shape {part}: dimension {dim!r} is not a number, ?, -1 or a range lo..hi")
            low, high = match.groups()
            if dim == "..":
                raise InputError(f"--shape {part}: the range '..' needs a bound; write ? for any size")
            if low and high and int(low) > int(high):
                raise InputError(f"--shape {part}: the range {dim!r} is empty ({low} > {high})")
        shapes[name] = "[" + ",".join(dims) + "]"
    return shapes


def parse_layouts(text: str) -> dict[str, str]:
    """Read ``--layout`` (benchmark_app's ``-layout``): input name -> layout (``"[N,C,H,W]"``), ``""`` = all.

    Why: per-channel ``--mean``/``--scale`` need to know which dimension holds the channels; the layout says so
    when the model does not. Layouts are OpenVINO's: ``NCHW``, ``NHWC``, ``N...C``, ``[N,C,H,W]``.

    Examples
    --------
    >>> parse_layouts("[NCHW]")
    {'': '[N,C,H,W]'}
    >>> parse_layouts("image[nhwc],mask[N,C]")
    {'image': '[N,H,W,C]', 'mask': '[N,C]'}
    >>> parse_layouts("image[NCC]")
    Traceback (most recent call last):
    hetero_tool.errors.InputError: --layout image[NCC]: not a layout (NCHW, NHWC, N...C, [N,C,H,W] ...)
    """
    import openvino as ov

    layouts = {}
    for name, content, part in _entries(text, "--layout"):
        if not content:
            raise InputError(f"--layout {part}: empty layout")
        try:
            layout = ov.Layout(f"[{content}]" if "," in content else content)
        except Exception:
            raise InputError(f"--layout {part}: not a layout (NCHW, NHWC, N...C, [N,C,H,W] ...)") from None
        layouts[name] = str(layout)
    return layouts


def parse_values(text: str, what: str) -> dict[str, tuple[float, ...]]:
    """Read ``--mean``/``--scale`` values (benchmark_app's ``--mean_values``/``--scale_values``).

    Why: :func:`preprocessor` subtracts the mean and divides by the scale inside the model. ``what`` is the
    option's name, for messages. One value applies to every element; several apply one per channel.

    Examples
    --------
    >>> parse_values("[123.675,116.28,103.53]", "--mean")
    {'': (123.675, 116.28, 103.53)}
    >>> parse_values("image[58.395, 57.12, 57.375],mask[255]", "--scale")
    {'image': (58.395, 57.12, 57.375), 'mask': (255.0,)}
    >>> parse_values("image[1,two]", "--mean")
    Traceback (most recent call last):
    hetero_tool.errors.InputError: --mean image[1,two]: 'two' is not a number
    """
    values = {}
    for name, content, part in _entries(text, what):
        if not content:
            raise InputError(f"{what} {part}: no values")
        numbers = []
        for item in (v.strip() for v in content.split(",")):
            try:
                number = float(item)
            except ValueError:
                raise InputError(f"{what} {part}: {item!r} is not a number") from None
            if not math.isfinite(number):
                raise InputError(f"{what} {part}: {item!r} is not a finite number")
            numbers.append(number)
        values[name] = tuple(numbers)
    return values


def parse_inputs(text: str) -> dict[str, Path]:
    """Read ``--input``: ``name=file.npy[,name2=file2.npy]``, or one ``file.npy`` (key ``""``) for a one-input model.

    Why: :func:`make_inputs` feeds these arrays instead of random data. Only ``.npy`` files are read (benchmark_app
    also takes images and raw ``.bin``); whether they exist and fit is checked against the model by
    :func:`make_inputs`. File names cannot contain commas.

    Examples
    --------
    >>> parse_inputs("data/image.npy")
    {'': PosixPath('data/image.npy')}
    >>> parse_inputs("input_ids=ids.npy, attention_mask=mask.npy")
    {'input_ids': PosixPath('ids.npy'), 'attention_mask': PosixPath('mask.npy')}
    >>> parse_inputs("a.npy,b.npy")
    Traceback (most recent call last):
    hetero_tool.errors.InputError: --input 'a.npy,b.npy': with several files, name the input of each: NAME=file.npy,...
    """
    if text is None or not text.strip():
        raise InputError("--input: empty value; expected file.npy or NAME=file.npy,...")
    parts = [p.strip() for p in text.split(",")]
    if any(not p for p in parts):
        raise InputError(f"--input {text!r}: empty entry (a stray ',')")
    files: dict[str, Path] = {}
    for part in parts:
        name, sep, path = part.partition("=")
        name, path = name.strip(), path.strip()
        if not sep:
            if len(parts) > 1:
                raise InputError(
                    f"--input {text!r}: with several files, name the input of each: NAME=file.npy,..."
                )
            name, path = "", part
        elif not name:
            raise InputError(f"--input {part!r}: no input name before '='")
        elif not path:
            raise InputError(f"--input {part!r}: no file after '='")
        if name in files:
            raise InputError(f"--input {text!r}: input {name!r} is given twice")
        if Path(path).suffix.lower() != ".npy":
            raise InputError(f"--input {part!r}: {path} is not a .npy file (only numpy .npy arrays are read)")
        files[name] = Path(path)
    return files


def _entries(text: str, what: str) -> list[tuple[str, str, str]]:
    """Split ``NAME[content],[content],...`` into (name, content, the entry's text); ``""`` for no name."""
    if text is None or not text.strip():
        raise InputError(f"{what}: empty value; expected [...] or NAME[...]")
    entries: list[tuple[str, str, str]] = []
    pos = 0
    while True:
        start = text.find("[", pos)
        if start < 0:
            raise InputError(f"{what} {text[pos:].strip()!r}: expected NAME[...] or [...]")
        end = text.find("]", start)
        if end < 0:
            raise InputError(f"{what} {text[pos:].strip()!r}: missing ']'")
        name, content, part = text[pos:start].strip(), text[start + 1 : end], text[pos : end + 1].strip()
        if "[" in content:
            raise InputError(f"{what} {part!r}: missing ']' before the next '['")
        if "," in name or "]" in name:
            raise InputError(f"{what} {text!r}: expected ',' between entries, before {name!r}")
        if name in {n for n, _, _ in entries}:
            raise InputError(f"{what} {text!r}: {'input ' + repr(name) if name else 'an unnamed [...]'} is given twice")
        entries.append((name, content.strip(), part))
        rest = text[end + 1 :]
        if not rest.strip():
            return entries
        if not rest.lstrip().startswith(","):
            raise InputError(f"{what} {text!r}: expected ',' after {part!r}")
        pos = end + 1 + rest.index(",") + 1
        if not text[pos:].strip():
            raise InputError(f"{what} {text!r}: trailing ','")


# -- preprocessing ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    """What preprocessing one model input gets."""

    index: int
    name: str
    precision: Any = None  # ov.Type of the data the application feeds, when it changes
    layout: Any = None  # ov.Layout to set on the model side, when the model has none of its own
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()


def preprocessor(
    model,
    *,
    input_precision: str | Mapping[str, str] | None = None,
    mean: Mapping[str, Sequence[float]] | None = None,
    scale: Mapping[str, Sequence[float]] | None = None,
    layout: Mapping[str, str] | None = None,
) -> Callable[[Any], Any] | None:
    """The ``preprocess`` callable for ``model_for``: builds the input options into the model; ``None`` if none given.

    Why: OpenVINO's deployment guide has the plugin, not the application, convert and normalize the input, and
    benchmark_app times models that way: a ``PrePostProcessor`` sets the element type the application feeds
    (``input_precision``: one of :data:`INPUT_PRECISIONS` for every input, or input name -> type), then, for
    inputs with ``mean``/``scale``, converts to f32, subtracts the mean and divides by the scale (in that order,
    like benchmark_app's ``fuse_mean_scale``). ``mean``/``scale`` come from :func:`parse_values`, ``layout``
    from :func:`parse_layouts`; the key ``""`` means every floating-point input (benchmark_app: every image
    input). Several values are one per channel: the channel dimension is the C of ``layout``, else of the
    input's own layout, else of the first of NCHW/NHWC (CHW/HWC, NC, NCDHW/NDHWC by rank) whose C has that
    many elements. The added ops are named ``<input>/preprocess/<op type>`` (their constants
    ``<consumer>/value``), so names do not depend on OpenVINO's global node counter.

    The options are checked against ``model`` (the ``ov.Model``) now, and again against the model the callable
    is given (after ``--shape``); problems raise :class:`~hetero_tool.errors.InputError`.

    Examples
    --------
    >>> from hetero_tool.samples import build_sample
    >>> model = build_sample("mobilenet")
    >>> build = preprocessor(model, input_precision="u8", mean={"": (123.675, 116.28, 103.53)}, scale={"": (58.4,)})
    >>> model = build(model)
    >>> model.inputs[0].get_element_type().get_type_name(), str(model.get_parameters()[0].get_layout())
    ('u8', '[N,C,H,W]')
    >>> [op.get_friendly_name() for op in model.get_ordered_ops()[:4]]
    ['image', 'image/preprocess/convert', 'image/preprocess/subtract/value', 'image/preprocess/subtract']
    >>> preprocessor(model) is None
    True
    """
    options = (input_precision, dict(mean or {}), dict(scale or {}), dict(layout or {}))
    if not _steps(list(model.inputs), *options):
        return None

    def build(target):
        return _apply(target, _steps(list(target.inputs), *options))

    return build


def _steps(ports, input_precision, mean, scale, layout) -> list[_Step]:
    """Check the options against ``ports`` and say what each input gets."""
    import openvino as ov

    names = input_names(ports)
    precisions = {"": input_precision} if isinstance(input_precision, str) else dict(input_precision or {})
    chosen_precision = _per_input(ports, names, precisions, "--input-precision")
    chosen_layout = _per_input(ports, names, layout, "--layout")
    floating = [k for k, port in enumerate(ports) if port.get_element_type().is_real()]
    chosen_values = {}
    for what, values in (("--mean", mean), ("--scale", scale)):
        if "" in values and not floating:
            raise InputError(f"{what} {_show(values[''])}: the model has no floating-point input to apply it to")
        chosen_values[what] = _per_input(ports, names, values, what, only=floating)
    steps = []
    for k, port in enumerate(ports):
        name = names[k]
        precision = _precision(chosen_precision.get(k), name, port)
        means, scales = tuple(chosen_values["--mean"].get(k, ())), tuple(chosen_values["--scale"].get(k, ()))
        for what, values in (("--mean", means), ("--scale", scales)):
            if values and not port.get_element_type().is_real():
                raise InputError(
                    f"{what} {name}: input {name!r} is {port.get_element_type().get_type_name()}; "
                    "mean and scale apply to floating-point inputs"
                )
        if any(v == 0 for v in scales):
            raise InputError(f"--scale {name}{_show(scales)}: a scale of 0 would divide by zero")
        explicit = ov.Layout(chosen_layout[k]) if k in chosen_layout else None
        model_layout = _layout(port, name, explicit, means, scales)
        if precision is not None or model_layout is not None or means or scales:
            steps.append(_Step(k, name, precision, model_layout, means, scales))
    return steps


def _per_input(ports, names, options: Mapping[str, Any], what: str, only: Sequence[int] | None = None) -> dict:
    """Input index -> the option value for it: its own entry, else the ``""`` entry (for ``only`` inputs)."""
    found, by = {}, {}
    for key, value in options.items():
        if key:
            k = _index_of(ports, names, key, f"{what} {key}")
            if k in found:
                raise InputError(f"{what}: input {names[k]!r} is given twice (as {by[k]!r} and {key!r})")
            found[k], by[k] = value, key
    if "" in options:
        for k in range(len(ports)) if only is None else only:
            found.setdefault(k, options[""])
    return found


def _precision(text: str | None, name: str, port):
    import openvino as ov

    if text is None:
        return None
    if text not in INPUT_PRECISIONS:
        raise InputError(f"--input-precision {text!r}: not one of {', '.join(INPUT_PRECISIONS)}")
    element_type = getattr(ov.Type, INPUT_PRECISIONS[text])
    return None if element_type == port.get_element_type() else element_type


def _layout(port, name: str, explicit, means: tuple, scales: tuple):
    """The layout to set on the model side of input ``name`` (``None``: keep what it has), checked against
    the number of per-channel values."""
    import openvino as ov

    counts = {what: len(v) for what, v in (("--mean", means), ("--scale", scales)) if len(v) > 1}
    shape = port.get_partial_shape()
    own = port.get_node().get_layout()
    if explicit is not None:
        _check_layout(name, explicit, shape, counts, f"--layout {name}{explicit}")
        return explicit
    if not own.empty:
        _check_layout(name, own, shape, counts, f"input {name!r}'s own layout {own}")
        return None
    if not counts:
        return None
    rank = shape.rank.get_length() if shape.rank.is_static else None
    texts = _GUESSED_LAYOUTS.get(rank, ())
    candidates = [ov.Layout(text) for text in texts]
    sizes = [shape[c.get_index_by_name("C")] for c in candidates]
    fits = [c for c, d in zip(candidates, sizes) if d.is_static and all(d.get_length() == n for n in counts.values())]
    fits += [c for c, d in zip(candidates, sizes) if d.is_dynamic]
    if fits:
        return fits[0]
    if len(counts) == 1:
        given = f"{next(iter(counts.values()))} values"
    else:
        given = " and ".join(f"{what} has {n} values" for what, n in counts.items())
    options = ", ".join(f"{text}: {d}" for text, d in zip(texts, sizes))
    seen = f" (channels would be {options})" if options else ""
    raise InputError(
        f"{next(iter(counts))} {name}: {given}, but no dimension of {shape} can hold that many channels{seen}; "
        f"give one value, or one per channel, or the input's layout with --layout {name}[...]"
    )


def _check_layout(name: str, layout, shape, counts: Mapping[str, int], source: str) -> None:
    text = str(layout)
    if shape.rank.is_static and "..." not in text and text.count(",") + 1 != shape.rank.get_length():
        raise InputError(f"{source}: {text} does not fit input {name!r} of shape {shape}")
    if not counts:
        return
    what = next(iter(counts))
    if not layout.has_name("C"):
        raise InputError(f"{what} {name}: one value per channel needs a C in the layout, and {source} has none")
    index = layout.get_index_by_name("C")
    if shape.rank.is_static and index < 0:
        index += shape.rank.get_length()
    dim = shape[index] if shape.rank.is_static else None
    if dim is not None and dim.is_static:
        for what, n in counts.items():
            if n != dim.get_length():
                raise InputError(
                    f"{what} {name}: {n} values, but input {name!r} has {dim.get_length()} channels "
                    f"(C of {source}, shape {shape})"
                )


def _apply(model, steps: list[_Step]):
    """Build ``steps`` into ``model`` with a PrePostProcessor, and name the ops it adds."""
    import openvino as ov
    from openvino.preprocess import PrePostProcessor

    if not steps:
        return model
    before = {op.get_name() for op in model.get_ops()}
    ppp = PrePostProcessor(model)
    for step in steps:
        info = ppp.input(step.index)
        if step.precision is not None:
            info.tensor().set_element_type(step.precision)
        if step.layout is not None:
            info.model().set_layout(step.layout)
        if step.mean or step.scale:
            pre = info.preprocess().convert_element_type(ov.Type.f32)
            if step.mean:
                pre.mean(list(step.mean) if len(step.mean) > 1 else step.mean[0])
            if step.scale:
                pre.scale(list(step.scale) if len(step.scale) > 1 else step.scale[0])
    try:
        built = ppp.build()
    except Exception as exc:  # OpenVINO's exception types vary
        where = ", ".join(step.name for step in steps)
        raise InputError(f"cannot build the input preprocessing for {where}: {ov_error_text(exc)}") from None
    _name_added_ops(built, before)
    return built


def _name_added_ops(model, before: set[str]) -> None:
    """Name the ops preprocessing added ``<input>/preprocess/<type>`` and their constants ``<consumer>/value``.

    PrePostProcessor names them after OpenVINO's process-wide node counter (``Convert_856``), which differs
    from run to run; the new Parameter keeps the input's name.
    """
    added = [op for op in model.get_ordered_ops() if op.get_name() not in before]
    taken = {op.get_friendly_name() for op in model.get_ops() if op.get_name() in before}
    owner: dict[str, str] = {}

    def unique(name: str) -> str:
        candidate, n = name, 1
        while candidate in taken:
            n += 1
            candidate = f"{name}_{n}"
        taken.add(candidate)
        return candidate

    for op in added:
        kind = op.get_type_name()
        if kind == "Parameter":
            owner[op.get_name()] = op.get_friendly_name()
            taken.add(op.get_friendly_name())
        elif kind != "Constant":
            sources = [
                owner.get(node.get_name()) or (node.get_friendly_name() if node.get_type_name() == "Parameter" else None)
                for node in (value.get_node() for value in op.input_values())
            ]
            label = next((s for s in sources if s), "input")
            owner[op.get_name()] = label
            op.set_friendly_name(unique(f"{label}/preprocess/{kind.lower()}"))
    for op in added:
        if op.get_type_name() == "Constant":
            consumers = sorted(t.get_node().get_friendly_name() for t in op.output(0).get_target_inputs())
            op.set_friendly_name(unique(f"{consumers[0] if consumers else 'preprocess'}/value"))


# -- input data ------------------------------------------------------------------------------------------------


def input_names(model) -> list[str]:
    """The name of each input of ``model`` (an ``ov.Model``, or its ``inputs``), in order.

    Why: the keys of :func:`make_inputs` and the names options refer to; benchmark_app's
    (``get_input_output_names``): the tensor name (``get_any_name()``), else the node's friendly name.

    Examples
    --------
    >>> from hetero_tool.samples import build_sample
    >>> input_names(build_sample("transformer"))
    ['input_ids']
    """
    ports = list(model.inputs) if hasattr(model, "inputs") else list(model)
    names = [port.get_any_name() if port.get_names() else port.get_node().get_friendly_name() for port in ports]
    clash = next((n for n in names if names.count(n) > 1), None)
    if clash is not None:
        raise InputError(f"the model has several inputs named {clash!r}; inputs need distinct names")
    return names


def make_inputs(
    model, *, seed: int = 0, files: Mapping[str, str | Path] | None = None, float_high: float = _RANDOM_HIGH
) -> dict[str, np.ndarray]:
    """One array per input of ``model`` (the ``ov.Model`` to compile), keyed by :func:`input_names`, in input order.

    Why: ``bench`` feeds the same data on every run and every device, like benchmark_app but repeatable. Inputs
    in ``files`` (from :func:`parse_inputs`; ``""`` for a one-input model) are loaded from ``.npy``: the array's
    shape must be the input's (or fit its dynamic shape) and its values must convert to the input's type
    without loss (``float64`` -> ``f32`` is fine). Other inputs must have static shapes and get random values
    in benchmark_app's range, [0, 255] (integers: whole numbers, capped at the type's maximum; booleans: 0 or 1),
    from ``numpy.random.default_rng([seed, position])``: the same for the same seed, shapes, types (and numpy).
    An integer input that indexes a ``Gather`` or an embedding table (directly or through Convert/Reshape/...)
    stays below the table's size: benchmark_app's 0..255 would go past a small vocabulary, where Gather-8
    returns zeros instead of a row (and older Gathers leave it undefined). ``float_high`` narrows the range of
    floating-point inputs: the accuracy check draws them from [0, 1], where [0, 255] saturates a network's
    softmax into one-hot outputs that hide every numeric difference.

    Examples
    --------
    >>> from hetero_tool.samples import build_sample
    >>> data = make_inputs(build_sample("transformer"), seed=1)
    >>> ids = data["input_ids"]
    >>> ids.dtype, ids.shape, bool(ids.max() < 100)
    (dtype('int64'), (1, 16), True)
    >>> bool((make_inputs(build_sample("transformer"), seed=1)["input_ids"] == ids).all())
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"--seed {seed!r}: the seed is a whole number >= 0")
    ports = list(model.inputs)
    names = input_names(ports)
    chosen = _files_by_input(ports, names, files or {})
    data = {}
    for k, (port, name) in enumerate(zip(ports, names)):
        if k in chosen:
            data[name] = _load(chosen[k], port, name)
        else:
            data[name] = _random(port, name, np.random.default_rng([int(seed), k]), float_high)
    return data


def _index_of(ports, names: Sequence[str], key: str, where: str) -> int:
    """Position of the input called ``key``: by tensor name, else by node friendly name."""
    for k, port in enumerate(ports):
        if key in port.get_names():
            return k
    for k, port in enumerate(ports):
        if port.get_node().get_friendly_name() == key:
            return k
    raise InputError(f"{where}: the model has no input {key!r} (its inputs: {', '.join(names)})")


def _files_by_input(ports, names, files: Mapping[str, str | Path]) -> dict[int, Path]:
    chosen: dict[int, Path] = {}
    for key, path in files.items():
        if key == "":
            if len(ports) != 1:
                raise InputError(
                    f"--input {path}: the model has {len(ports)} inputs ({', '.join(names)}); "
                    f"name the one this file is for: --input NAME={path}"
                )
            k = 0
        else:
            k = _index_of(ports, names, key, f"--input {key}={path}")
        if k in chosen:
            raise InputError(f"--input: two files for input {names[k]!r} ({chosen[k]} and {path})")
        chosen[k] = Path(path)
    return chosen


def _numpy_type(port, name: str, fix: str):
    type_name = port.get_element_type().get_type_name()
    if type_name not in _NUMPY_TYPES:
        raise InputError(
            f"input {name!r} is {type_name}, which has no numpy type; {fix} (e.g. --input-precision f32)"
        )
    return np.dtype(_NUMPY_TYPES[type_name])


def _random(port, name: str, rng: np.random.Generator, float_high: float = _RANDOM_HIGH) -> np.ndarray:
    shape = port.get_partial_shape()
    if shape.is_dynamic:
        raise InputError(
            f"input {name!r} has the dynamic shape {shape}; give it a static one with --shape {name}[...] "
            f"(or its data with --input {name}=file.npy)"
        )
    dims = tuple(int(d) for d in shape.to_shape())
    dtype = _numpy_type(port, name, "feed it another type")
    if dtype == np.bool_:
        return rng.integers(0, 2, size=dims, dtype=np.uint8).astype(np.bool_)
    if dtype.kind == "f":
        return rng.uniform(_RANDOM_LOW, float_high, size=dims).astype(dtype)
    high = min(_RANDOM_HIGH, int(np.iinfo(dtype).max))
    limit = _index_limit(port)
    if limit is not None:
        high = max(_RANDOM_LOW, min(high, limit - 1))
    return rng.integers(_RANDOM_LOW, high, size=dims, dtype=dtype, endpoint=True)


def _index_limit(port) -> int | None:
    """The smallest table size an input indexes (Gather data along its axis, embedding table rows), if any."""
    limit = None
    pending, seen = [port], set()
    while pending:
        output = pending.pop()
        for target in output.get_target_inputs():
            node, index, kind = target.get_node(), target.get_index(), target.get_node().get_type_name()
            if kind in _VALUE_PRESERVING and index == 0:
                if node.get_name() not in seen:
                    seen.add(node.get_name())
                    pending.extend(node.outputs())
                continue
            size = None
            if kind == "Gather" and index == 1:
                size = _gather_size(node)
            elif kind in _EMBEDDINGS and index == 1:
                table = node.get_input_partial_shape(0)
                if table.rank.is_static and table.rank.get_length() > 0 and table[0].is_static:
                    size = table[0].get_length()
            if size is not None:
                limit = size if limit is None else min(limit, size)
    return limit


def _gather_size(node) -> int | None:
    """Length of a Gather's data along its (constant) axis, if static."""
    axis_node = node.input_value(2).get_node()
    data = node.get_input_partial_shape(0)
    if axis_node.get_type_name() != "Constant" or data.rank.is_dynamic:
        return None
    axis = int(np.asarray(axis_node.get_data()).reshape(-1)[0])
    rank = data.rank.get_length()
    axis = axis + rank if axis < 0 else axis
    if not 0 <= axis < rank or data[axis].is_dynamic:
        return None
    return data[axis].get_length()


def _load(path: Path, port, name: str) -> np.ndarray:
    dtype = _numpy_type(port, name, "feed it another type")
    if not path.exists():
        raise InputError(f"{path}: no such file (--input for input {name!r})")
    if not path.is_file():
        raise InputError(f"{path}: not a file (--input for input {name!r})")
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"{path}: not a numpy .npy array ({exc})") from None
    if not isinstance(array, np.ndarray):
        array.close()
        raise InputError(f"{path}: an .npz archive, not a .npy array")
    converted = _convert(array, dtype)
    if converted is None:
        raise InputError(
            f"{path}: its {array.dtype} values do not all convert to input {name!r}'s "
            f"{port.get_element_type().get_type_name()} ({dtype}) without loss"
        )
    shape = port.get_partial_shape()
    if shape.is_static:
        if tuple(array.shape) != tuple(int(d) for d in shape.to_shape()):
            raise InputError(f"{path}: shape {list(array.shape)}, but input {name!r} has shape {shape}")
    else:
        import openvino as ov

        if not shape.compatible(ov.PartialShape(list(array.shape))):
            raise InputError(f"{path}: shape {list(array.shape)} does not fit input {name!r}'s shape {shape}")
    return np.ascontiguousarray(converted)


def _convert(array: np.ndarray, dtype: np.dtype) -> np.ndarray | None:
    """``array`` as ``dtype`` if every value survives (floats may round), else ``None``."""
    source = array.dtype
    if source == dtype:
        return array
    if source.kind not in "biuf":
        return None
    if np.can_cast(source, dtype, "safe"):
        return array.astype(dtype)
    with np.errstate(all="ignore"):
        converted = array.astype(dtype)
        if source.kind == "f" and dtype.kind == "f":  # rounding is fine, overflowing to inf is not
            ok = np.isfinite(converted) | ~np.isfinite(array)
        elif source.kind in "iu" and dtype.kind in "iu":
            info = np.iinfo(dtype)
            ok = (array >= info.min) & (array <= info.max) if array.size else np.ones(0, bool)
        else:  # int <-> float, anything -> bool: the value must come back unchanged
            ok = converted.astype(source) == array
    return converted if bool(np.all(ok)) else None


def _show(values: Sequence[float]) -> str:
    return "[" + ",".join(f"{v:g}" for v in values) + "]"
