"""Input data for a bench: one array per model input, loaded from ``.npy`` files or random as benchmark_app
makes it.

:func:`make_inputs` draws random data in benchmark_app's ranges from a numpy ``Generator`` seeded by ``seed``
and the input's position, so runs repeat exactly; an integer input that indexes a table stays inside it.
Inputs are named as benchmark_app names them (:func:`input_names`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from hetero_tool.errors import InputError

__all__ = ["index_of", "input_names", "make_inputs"]

# Random data, as benchmark_app's fill_tensors_with_random: every type in [0, 255] (floats uniform, integers
# uniform over the whole numbers), booleans 0/1. Other element types (bf16, 4-bit, f8, string) have no numpy
# type.
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
    names = [
        port.get_any_name() if port.get_names() else port.get_node().get_friendly_name() for port in ports
    ]
    clash = next((n for n in names if names.count(n) > 1), None)
    if clash is not None:
        raise InputError(f"the model has several inputs named {clash!r}; inputs need distinct names")
    return names


def make_inputs(
    model, *, seed: int = 0, files: Mapping[str, str | Path] | None = None, float_high: float = _RANDOM_HIGH
) -> dict[str, np.ndarray]:
    """One array per input of ``model`` (the ``ov.Model`` to compile), keyed by :func:`input_names`, in input
    order.

    Why: ``bench`` feeds the same data on every run and every device, like benchmark_app but repeatable.
    Inputs in ``files`` (from :func:`~hetero_tool.runtime.options.parse_inputs`; ``""`` for a one-input model)
    are loaded from ``.npy``: the array's shape must be the input's (or fit its dynamic shape) and its values
    must convert to the input's type without loss (``float64`` -> ``f32`` is fine). Other inputs must have
    static shapes and get random values in benchmark_app's range, [0, 255] (integers: whole numbers, capped at
    the type's maximum; booleans: 0 or 1), from ``numpy.random.default_rng([seed, position])``: the same for
    the same seed, shapes, types (and numpy). An integer input that indexes a ``Gather`` or an embedding table
    (directly or through Convert/Reshape/...) stays below the table's size: benchmark_app's 0..255 would go
    past a small vocabulary, where Gather-8 returns zeros instead of a row (and older Gathers leave it
    undefined). ``float_high`` narrows the range of floating-point inputs: the accuracy check draws them from
    [0, 1], where [0, 255] saturates a network's softmax into one-hot outputs that hide every numeric
    difference.

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


def index_of(ports, names: Sequence[str], key: str, where: str) -> int:
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
            k = index_of(ports, names, key, f"--input {key}={path}")
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
    return np.require(converted, requirements="C")  # not ascontiguousarray: it makes a 0-d array 1-d


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
