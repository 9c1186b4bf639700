"""benchmark_app's option syntax, read into data: shapes, layouts, mean/scale values, input files, per-device
values.

- :func:`parse_shapes`, :func:`parse_layouts`, :func:`parse_values` and :func:`parse_inputs` read ``--shape``,
  ``--layout``, ``--mean``/``--scale`` and ``--input`` as benchmark_app writes them (``-shape``, ``-layout``,
  ``--mean_values``/``--scale_values``, ``-i``);
- :func:`~hetero_tool.devices.config.parse_per_device` (here too) reads ``--nstreams``, ``--nthreads`` and
  ``--infer-precision``: one value, or ``DEVICE:VALUE`` pairs.

An input is named as benchmark_app names it: its tensor name, or its node's friendly name. A name of ``""``
stands for every input (``--shape``, ``--layout``, ``--input-precision``), every floating-point input
(``--mean``/``--scale``), or the only input (``--input file.npy``).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from hetero_tool.devices.config import parse_per_device
from hetero_tool.errors import InputError

__all__ = ["parse_inputs", "parse_layouts", "parse_per_device", "parse_shapes", "parse_values"]

_DIM = re.compile(r"^(?:\d+|\?|-1|(\d*)\.\.(\d*))$")


def parse_shapes(text: str) -> dict[str, str]:
    """Read ``--shape`` (benchmark_app's ``-shape``): input name -> shape in OpenVINO's syntax, ``""`` = all
    inputs.

    Why: the model is reshaped when it is loaded, before it is planned (``load_ir(path, shapes)``), and HETERO
    needs static shapes wherever a tensor crosses devices. A dimension is a number, ``?`` or ``-1``
    (dynamic), or a range ``lo..hi`` (either end may be left out). A named entry wins over an unnamed one for
    its input.

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
                raise InputError(
                    f"--shape {part}: dimension {dim!r} is not a number, ?, -1 or a range lo..hi"
                )
            low, high = match.groups()
            if dim == "..":
                raise InputError(f"--shape {part}: the range '..' needs a bound; write ? for any size")
            if low and high and int(low) > int(high):
                raise InputError(f"--shape {part}: the range {dim!r} is empty ({low} > {high})")
        shapes[name] = "[" + ",".join(dims) + "]"
    return shapes


def parse_layouts(text: str) -> dict[str, str]:
    """Read ``--layout`` (benchmark_app's ``-layout``): input name -> layout (``"[N,C,H,W]"``), ``""`` = all.

    Why: per-channel ``--mean``/``--scale`` need to know which dimension holds the channels; the layout says
    so when the model does not. Layouts are OpenVINO's: ``NCHW``, ``NHWC``, ``N...C``, ``[N,C,H,W]``.

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

    Why: :func:`~hetero_tool.runtime.preprocess.preprocessor` subtracts the mean and divides by the scale
    inside the model. ``what`` is the option's name, for messages. One value applies to every element; several
    apply one per channel.

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
    """Read ``--input``: ``name=file.npy[,name2=file2.npy]``, or one ``file.npy`` (key ``""``) for a one-input
    model.

    Why: :func:`~hetero_tool.runtime.data.make_inputs` feeds these arrays instead of random data. Only
    ``.npy`` files are read (benchmark_app also takes images and raw ``.bin``); whether they exist and fit is
    checked against the model by :func:`~hetero_tool.runtime.data.make_inputs`. File names cannot contain
    commas.

    Examples
    --------
    >>> parse_inputs("data/image.npy")
    {'': PosixPath('data/image.npy')}
    >>> parse_inputs("input_ids=ids.npy, attention_mask=mask.npy")
    {'input_ids': PosixPath('ids.npy'), 'attention_mask': PosixPath('mask.npy')}
    >>> parse_inputs("a.npy,b.npy")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    hetero_tool.errors.InputError: --input 'a.npy,b.npy': with several files, name the input of each:
    NAME=file.npy,...
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
            raise InputError(
                f"{what} {text!r}: {'input ' + repr(name) if name else 'an unnamed [...]'} is given twice"
            )
        entries.append((name, content.strip(), part))
        rest = text[end + 1 :]
        if not rest.strip():
            return entries
        if not rest.lstrip().startswith(","):
            raise InputError(f"{what} {text!r}: expected ',' after {part!r}")
        pos = end + 1 + rest.index(",") + 1
        if not text[pos:].strip():
            raise InputError(f"{what} {text!r}: trailing ','")
