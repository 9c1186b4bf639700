"""Input preprocessing built into the model, as benchmark_app builds it: element type, layout, mean and scale.

:func:`preprocessor` builds ``--input-precision`` and ``--mean``/``--scale`` into the model with OpenVINO's
``PrePostProcessor``: the device converts and normalizes, and the application feeds raw data, as OpenVINO's
deployment guide recommends and benchmark_app does (``pre_post_processing``/``fuse_mean_scale``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hetero_tool._ov import ov_error_text
from hetero_tool.errors import InputError
from hetero_tool.runtime.data import index_of, input_names

__all__ = ["INPUT_PRECISIONS", "preprocessor"]

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


# Layouts tried for per-channel mean/scale on an input with no layout, by rank; the first whose C dimension
# has as many elements as there are values wins (so NCHW, OpenVINO's own order, when both fit).
_GUESSED_LAYOUTS = {2: ("NC",), 3: ("CHW", "HWC"), 4: ("NCHW", "NHWC"), 5: ("NCDHW", "NDHWC")}


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
    """The ``preprocess`` callable for ``model_for``: builds the input options into the model; ``None`` if
    none given.

    Why: OpenVINO's deployment guide has the plugin, not the application, convert and normalize the input, and
    benchmark_app times models that way: a ``PrePostProcessor`` sets the element type the application feeds
    (``input_precision``: one of :data:`INPUT_PRECISIONS` for every input, or input name -> type), then, for
    inputs with ``mean``/``scale``, converts to f32, subtracts the mean and divides by the scale (in that
    order, like benchmark_app's ``fuse_mean_scale``). ``mean``/``scale`` come from
    :func:`~hetero_tool.runtime.options.parse_values`, ``layout`` from
    :func:`~hetero_tool.runtime.options.parse_layouts`; the key ``""`` means every floating-point input
    (benchmark_app: every image input). Several values are one per channel: the channel dimension is the C of
    ``layout``, else of the input's own layout, else of the first of NCHW/NHWC (CHW/HWC, NC, NCDHW/NDHWC by
    rank) whose C has that many elements. The added ops are named ``<input>/preprocess/<op type>`` (their
    constants ``<consumer>/value``), so names do not depend on OpenVINO's global node counter.

    The options are checked against ``model`` (the ``ov.Model``) now, and again against the model the callable
    is given (after ``--shape``); problems raise :class:`~hetero_tool.errors.InputError`.

    Examples
    --------
    >>> from hetero_tool.samples import build_sample
    >>> model = build_sample("mobilenet")
    >>> build = preprocessor(
    ...     model, input_precision="u8", mean={"": (123.675, 116.28, 103.53)}, scale={"": (58.4,)}
    ... )
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
            raise InputError(
                f"{what} {_show(values[''])}: the model has no floating-point input to apply it to"
            )
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


def _per_input(
    ports, names, options: Mapping[str, Any], what: str, only: Sequence[int] | None = None
) -> dict:
    """Input index -> the option value for it: its own entry, else the ``""`` entry (for ``only`` inputs)."""
    found, by = {}, {}
    for key, value in options.items():
        if key:
            k = index_of(ports, names, key, f"{what} {key}")
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
    fits = [
        c
        for c, d in zip(candidates, sizes)
        if d.is_static and all(d.get_length() == n for n in counts.values())
    ]
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
        f"{next(iter(counts))} {name}: {given}, but no dimension of {shape} can hold that many "
        f"channels{seen}; give one value, or one per channel, or the input's layout with --layout {name}[...]"
    )


def _check_layout(name: str, layout, shape, counts: Mapping[str, int], source: str) -> None:
    text = str(layout)
    if shape.rank.is_static and "..." not in text and text.count(",") + 1 != shape.rank.get_length():
        raise InputError(f"{source}: {text} does not fit input {name!r} of shape {shape}")
    if not counts:
        return
    what = next(iter(counts))
    if not layout.has_name("C"):
        raise InputError(
            f"{what} {name}: one value per channel needs a C in the layout, and {source} has none"
        )
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
    """Name the ops preprocessing added ``<input>/preprocess/<type>`` and their constants
    ``<consumer>/value``.

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
                owner.get(node.get_name())
                or (node.get_friendly_name() if node.get_type_name() == "Parameter" else None)
                for node in (value.get_node() for value in op.input_values())
            ]
            label = next((s for s in sources if s), "input")
            owner[op.get_name()] = label
            op.set_friendly_name(unique(f"{label}/preprocess/{kind.lower()}"))
    for op in added:
        if op.get_type_name() == "Constant":
            consumers = sorted(t.get_node().get_friendly_name() for t in op.output(0).get_target_inputs())
            op.set_friendly_name(unique(f"{consumers[0] if consumers else 'preprocess'}/value"))


def _show(values: Sequence[float]) -> str:
    return "[" + ",".join(f"{v:g}" for v in values) + "]"
