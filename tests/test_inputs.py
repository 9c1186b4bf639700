"""The input side of ``bench``: option parsing, preprocessing built into the model, and input data.

OpenVINO is the ground truth: preprocessing is checked by compiling and running the models (on CPU, and
through HETERO with an emulated second device), never against a mock.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openvino as ov
import openvino.opset13 as ops
import pytest

from hetero_tool.errors import InputError
from hetero_tool.ir import load_ir, ov_model_from_ir, parse_ir
from hetero_tool.loaders import plan_from_files
from hetero_tool.runtime.data import input_names, make_inputs
from hetero_tool.runtime.hetero import compile_plan, model_for, verify
from hetero_tool.runtime.options import parse_inputs, parse_layouts, parse_shapes, parse_values
from hetero_tool.runtime.preprocess import INPUT_PRECISIONS, preprocessor
from hetero_tool.runtime.timing import set_inputs

MEAN = (123.675, 116.28, 103.53)
SCALE = (58.395, 57.12, 57.375)


# -- helpers -------------------------------------------------------------------------------------------------


def _model(*params: tuple[str, list, ov.Type], tensor_names: dict[str, set[str]] | None = None) -> ov.Model:
    """A model whose inputs (name, shape, type) each go straight to a Result."""
    nodes = []
    for name, shape, element_type in params:
        node = ops.parameter(shape, element_type, name=name)
        node.output(0).get_tensor().set_names((tensor_names or {}).get(name, {name}))
        nodes.append(node)
    return ov.Model(
        [ops.result(ops.relu(n) if n.get_element_type().is_real() else n) for n in nodes], nodes, "m"
    )


def _run(model: ov.Model, data: dict[str, np.ndarray]) -> list[np.ndarray]:
    compiled = ov.Core().compile_model(model, "CPU")
    result = compiled(list(data.values()))
    return [result[out] for out in compiled.outputs]


def _npy(tmp_path: Path, name: str, array) -> Path:
    path = tmp_path / name
    np.save(path, np.asarray(array))
    return path


# -- option parsing ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1,3,224,224]", {"": "[1,3,224,224]"}),
        ("image[1,3,224,224]", {"image": "[1,3,224,224]"}),
        ("a[1,3], b[1,128]", {"a": "[1,3]", "b": "[1,128]"}),
        ("x[?,3,-1,1..10]", {"x": "[?,3,-1,1..10]"}),
        ("x[..8, 2..]", {"x": "[..8,2..]"}),
        ("x[ 1 , 2 ]", {"x": "[1,2]"}),
        ("scalar[]", {"scalar": "[]"}),
        ("[1,16],image[1,3,64,64]", {"": "[1,16]", "image": "[1,3,64,64]"}),
        ("input:0[1,2]", {"input:0": "[1,2]"}),
    ],
)
def test_parse_shapes(text, expected):
    shapes = parse_shapes(text)
    assert shapes == expected
    for value in shapes.values():
        ov.PartialShape(value)  # OpenVINO reads every shape we return


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("", "empty"),
        ("  ", "empty"),
        ("1,3,224,224", "'1,3,224,224'"),
        ("image[1,3", "missing ']'"),
        ("image[1,x]", "image[1,x]: dimension 'x'"),
        ("image[1,,3]", "image[1,,3]: dimension ''"),
        ("image[-2]", "dimension '-2'"),
        ("image[1.5]", "dimension '1.5'"),
        ("image[10..1]", "image[10..1]: the range '10..1' is empty"),
        ("image[..]", "needs a bound"),
        ("a[1]b[2]", "expected ',' after 'a[1]'"),
        ("a[1],", "trailing ','"),
        ("a[1],a[2]", "input 'a' is given twice"),
        ("[1],[2]", "unnamed [...] is given twice"),
        ("a[[1]]", "missing ']' before the next '['"),
        ("a,b[1]", "expected ',' between entries"),
        ("a[1] x", "expected ',' after 'a[1]'"),
    ],
)
def test_parse_shapes_errors(text, named):
    with pytest.raises(InputError) as caught:
        parse_shapes(text)
    message = str(caught.value)
    assert message.startswith("--shape") and named in message and "\n" not in message


def test_parsed_shapes_reshape_the_model(sample_paths):
    ir = load_ir(sample_paths["mobilenet"], parse_shapes("image[2,3,64..128,?]"))
    assert str(model_for(ir).inputs[0].get_partial_shape()) == "[2,3,64..128,?]"
    assert ir.shapes == {"image": "[2,3,64..128,?]"} and ir.path != sample_paths["mobilenet"]


def test_parse_values():
    assert parse_values(" [123.675, 116.28,103.53] ", "--mean") == {"": MEAN}
    assert parse_values("image[1e2],b[-1,0.5]", "--scale") == {"image": (100.0,), "b": (-1.0, 0.5)}


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("", "--mean: empty"),
        ("[]", "--mean []: no values"),
        ("image[]", "--mean image[]: no values"),
        ("image[1,two]", "--mean image[1,two]: 'two' is not a number"),
        ("image[1,]", "'' is not a number"),
        ("[nan]", "'nan' is not a finite number"),
        ("[1,inf]", "'inf' is not a finite number"),
        ("image[1],image[2]", "input 'image' is given twice"),
        ("image(1,2)", "expected NAME[...]"),
    ],
)
def test_parse_values_errors(text, named):
    with pytest.raises(InputError, match=None) as caught:
        parse_values(text, "--mean")
    assert named in str(caught.value)


def test_parse_layouts():
    assert parse_layouts("[NCHW]") == {"": "[N,C,H,W]"}
    assert parse_layouts("image[nhwc], ids[N,?] ,x[N...C]") == {
        "image": "[N,H,W,C]",
        "ids": "[N,?]",
        "x": "[N,...,C]",
    }


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[]", "--layout []: empty layout"),
        ("x[NCC]", "--layout x[NCC]: not a layout"),
        ("x[N,,C]", "x[N,,C]"),
    ],
)
def test_parse_layouts_errors(text, named):
    with pytest.raises(InputError) as caught:
        parse_layouts(text)
    assert named in str(caught.value)


def test_parse_inputs():
    assert parse_inputs("img.NPY") == {"": Path("img.NPY")}
    assert parse_inputs("a=x.npy, b = dir/y.npy") == {"a": Path("x.npy"), "b": Path("dir/y.npy")}
    assert parse_inputs("input:0=data=1.npy") == {"input:0": Path("data=1.npy")}  # the first '=' separates


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("", "--input: empty"),
        ("a.npy,b.npy", "name the input of each"),
        ("x.npy,a=y.npy", "name the input of each"),
        ("=x.npy", "'=x.npy': no input name"),
        ("a=", "'a=': no file"),
        ("a=x.npy,a=y.npy", "input 'a' is given twice"),
        ("a=x.npy,,b=y.npy", "stray ','"),
        ("a=x.txt", "x.txt is not a .npy file"),
        ("x.png", "x.png is not a .npy file"),
    ],
)
def test_parse_inputs_errors(text, named):
    with pytest.raises(InputError) as caught:
        parse_inputs(text)
    assert named in str(caught.value)


# -- preprocessing -------------------------------------------------------------------------------------------


def test_u8_mean_scale_give_the_outputs_of_normalized_float_input(sample_paths):
    """The plugin converting and normalizing u8 data == the application feeding normalized floats."""
    ir = parse_ir(sample_paths["mobilenet"])
    build = preprocessor(ov_model_from_ir(ir), input_precision="u8", mean={"": MEAN}, scale={"image": SCALE})
    model = model_for(ir, preprocess=build)
    raw = make_inputs(model, seed=3)
    assert raw["image"].dtype == np.uint8 and raw["image"].max() > 200
    normalized = (raw["image"].astype(np.float32) - np.array(MEAN, np.float32)[:, None, None]) / np.array(
        SCALE, np.float32
    )[:, None, None]
    ours, reference = _run(model, raw), _run(ov_model_from_ir(ir), {"image": normalized})
    for a, b in zip(ours, reference):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * float(np.abs(b).max()))


def test_mean_without_scale_and_scalar_values(sample_paths):
    ir = parse_ir(sample_paths["mobilenet"])
    model = model_for(
        ir, preprocess=preprocessor(ov_model_from_ir(ir), mean={"image": (100.0,)}, scale={"": (2.0,)})
    )
    assert model.inputs[0].get_element_type() == ov.Type.f32
    assert model.get_parameters()[0].get_layout().empty  # scalar values need no channel dimension
    data = make_inputs(model)
    ours, reference = _run(model, data), _run(ov_model_from_ir(ir), {"image": (data["image"] - 100) / 2})
    np.testing.assert_allclose(ours[0], reference[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("shape", "own_layout", "layout_option", "channel_axis"),
    [
        ([1, 8, 8, 3], None, None, 3),  # guessed NHWC: only the last dimension has 3 elements
        ([1, 3, 8, 3], None, None, 1),  # both fit: NCHW, OpenVINO's own order
        ([1, 3, 8, 3], "NHWC", None, 3),  # the model's own layout wins over the guess
        ([1, 3, 8, 3], None, {"x": "[N,H,W,C]"}, 3),  # --layout wins over the guess
        ([1, 3, 8, 3], "NCHW", {"": "[N,H,W,C]"}, 3),  # ... and over the model's layout
        ([3, 8, 8], None, None, 0),  # CHW
        ([2, 3], None, None, 1),  # NC
        ([1, 3, 4, 8, 8], None, None, 1),  # NCDHW
    ],
)
def test_per_channel_values_find_the_channel_dimension(shape, own_layout, layout_option, channel_axis):
    model = _model(("x", shape, ov.Type.f32))
    if own_layout:
        model.get_parameters()[0].set_layout(ov.Layout(own_layout))
    mean, scale = (10.0, 20.0, 30.0), (1.0, 2.0, 4.0)
    build = preprocessor(model, mean={"x": mean}, scale={"x": scale}, layout=layout_option)
    x = make_inputs(model, seed=5)["x"]
    built = build(model)
    view = [1] * len(shape)
    view[channel_axis] = 3
    expected = np.maximum((x - np.reshape(mean, view)) / np.reshape(scale, view), 0)
    np.testing.assert_allclose(_run(built, {"x": x})[0], expected, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        (
            {"mean": {"image": (1.0, 2.0, 3.0, 4.0)}},
            "--mean image: 4 values, but no dimension of [1,3,64,64] can hold that many channels",
        ),
        ({"mean": {"": (1.0, 2.0)}}, "(channels would be NCHW: 3, NHWC: 64)"),
        (
            {"mean": {"image": MEAN}, "scale": {"image": (1.0,) * 64}},
            "--mean image: --mean has 3 values and --scale has 64 values, but",
        ),
        (
            {"mean": {"image": MEAN}, "layout": {"image": "[N,H,W,C]"}},
            "3 values, but input 'image' has 64 channels",
        ),
        ({"scale": {"image": SCALE}, "layout": {"": "[N,?,H,W]"}}, "needs a C in the layout"),
        ({"layout": {"image": "[N,C]"}}, "--layout image[N,C]: [N,C] does not fit input 'image'"),
        ({"mean": {"picture": MEAN}}, "--mean picture: the model has no input 'picture' (its inputs: image)"),
        ({"layout": {"picture": "[N,C,H,W]"}}, "--layout picture: the model has no input 'picture'"),
        (
            {"mean": {"image": MEAN, "image:0": MEAN}},
            "--mean: input 'image' is given twice (as 'image' and 'image:0')",
        ),
        ({"input_precision": "fp32"}, "--input-precision 'fp32': not one of bool, f16"),
        ({"input_precision": {"picture": "u8"}}, "--input-precision picture: the model has no input"),
        ({"scale": {"image": (1.0, 0.0, 1.0)}}, "--scale image[1,0,1]: a scale of 0 would divide by zero"),
    ],
)
def test_preprocessing_errors(sample_paths, kwargs, named):
    model = ov_model_from_ir(parse_ir(sample_paths["mobilenet"]))
    model.inputs[0].get_tensor().add_names({"image:0"})
    with pytest.raises(InputError) as caught:
        preprocessor(model, **kwargs)
    assert named in str(caught.value)


def test_mean_and_scale_need_a_floating_point_input(sample_paths):
    model = ov_model_from_ir(parse_ir(sample_paths["transformer"]))
    with pytest.raises(InputError, match=r"--mean \[1\]: the model has no floating-point input"):
        preprocessor(model, mean={"": (1.0,)})
    with pytest.raises(
        InputError, match="--scale input_ids: input 'input_ids' is i64; mean and scale apply to"
    ):
        preprocessor(model, scale={"input_ids": (2.0,)})


def test_unnamed_mean_goes_to_floating_point_inputs_only():
    model = _model(("img", [1, 3, 4, 4], ov.Type.f32), ("ids", [1, 4], ov.Type.i64))
    built = preprocessor(model, mean={"": MEAN})(model)
    assert [p.get_element_type() for p in built.inputs] == [ov.Type.f32, ov.Type.i64]
    assert [
        op.get_friendly_name() for op in built.get_ordered_ops() if "/preprocess/" in op.get_friendly_name()
    ] == [
        "img/preprocess/subtract/value",
        "img/preprocess/subtract",
    ]


def test_options_are_checked_again_on_the_model_they_are_built_into():
    """--shape may change the channel count after the preprocessor was made."""
    model = _model(("x", [1, 3, 8, 8], ov.Type.f32))
    build = preprocessor(model, mean={"x": MEAN})
    model.reshape({"x": [1, 4, 8, 8]})
    with pytest.raises(InputError, match="no dimension of \\[1,4,8,8\\]"):
        build(model)


def test_input_precision_per_input_and_for_all():
    model = _model(("a", [2], ov.Type.f32), ("b", [2], ov.Type.i64))
    built = preprocessor(model, input_precision={"b": "i32"})(model)
    assert [p.get_element_type().get_type_name() for p in built.inputs] == ["f32", "i32"]
    model = _model(("a", [2], ov.Type.f32), ("b", [2], ov.Type.i64))
    built = preprocessor(model, input_precision="u8")(model)
    assert [p.get_element_type().get_type_name() for p in built.inputs] == ["u8", "u8"]
    assert _run(built, {"a": np.array([0, 255], np.uint8), "b": np.array([7, 9], np.uint8)})[1].tolist() == [
        7,
        9,
    ]
    assert set(INPUT_PRECISIONS) == {
        "bool",
        "f16",
        "f32",
        "f64",
        "i8",
        "i16",
        "i32",
        "i64",
        "u8",
        "u16",
        "u32",
        "u64",
    }


def test_nothing_to_do_gives_none_and_a_layout_alone_is_set():
    model = _model(("x", [1, 3, 8, 8], ov.Type.f32))
    assert preprocessor(model) is None
    assert preprocessor(model, input_precision="f32", mean={}, scale={}) is None  # already f32
    built = preprocessor(model, layout={"": "[N,C,H,W]"})(model)
    assert str(built.get_parameters()[0].get_layout()) == "[N,C,H,W]"


def test_added_ops_have_deterministic_names(sample_paths):
    ir = parse_ir(sample_paths["mobilenet"])
    first, second = (
        model_for(
            ir,
            preprocess=preprocessor(
                ov_model_from_ir(ir), input_precision="u8", mean={"": MEAN}, scale={"": SCALE}
            ),
        )
        for _ in range(2)
    )
    names = [op.get_friendly_name() for op in first.get_ordered_ops()]
    assert names == [op.get_friendly_name() for op in second.get_ordered_ops()]
    assert [op.get_name() for op in first.get_ordered_ops()] != [
        op.get_name() for op in second.get_ordered_ops()
    ]
    assert names[:6] == [
        "image",
        "image/preprocess/convert",
        "image/preprocess/subtract/value",
        "image/preprocess/subtract",
        "image/preprocess/multiply/value",
        "image/preprocess/multiply",
    ]
    assert first.inputs[0].get_names() == {"image"}


@pytest.mark.parametrize("first_device", ["NPU", "CPU"])
def test_preprocessing_under_hetero_adds_no_submodel(sample_paths, tmp_path, first_device):
    """The ops PrePostProcessor adds take the affinity of the op they feed: the split stays the plan's."""
    xml = sample_paths["mobilenet"]
    ir = parse_ir(xml)
    layers = list(ir.layers.values())
    other = "CPU" if first_device == "NPU" else "NPU"
    affinity_file = tmp_path / "affinity.json"
    affinity_file.write_text(
        json.dumps(
            {layer.name: first_device if k < len(layers) // 2 else other for k, layer in enumerate(layers)}
        )
    )
    plan = plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU=cpu"], affinity=affinity_file)
    to_ov = {d.name: d.ov_name or d.name for d in plan.devices}
    affinity = {lid: to_ov[device] for lid, device in plan.layer_affinity.items()}
    build = preprocessor(ov_model_from_ir(ir), input_precision="u8", mean={"": MEAN}, scale={"": SCALE})
    model = model_for(ir, affinity=affinity, preprocess=build)

    stem = to_ov[first_device]
    added = [op for op in model.get_ordered_ops() if op.get_friendly_name().startswith("image")]
    assert len(added) == 6
    assert {op.get_rt_info()["affinity"].astype(str) for op in added} == {stem}

    plain = compile_plan(ir, plan)
    compiled = compile_plan(ir, plan, model=model)
    assert compiled.submodels == plain.submodels == plan.subgraph_count > 1
    assert verify(plan, compiled).ok
    assert compiled.compiled.inputs[0].get_element_type() == ov.Type.u8
    outputs = compiled.compiled(list(make_inputs(model, seed=2).values()))
    assert all(np.isfinite(outputs[out]).all() for out in compiled.compiled.outputs)


# -- input data ----------------------------------------------------------------------------------------------


ALL_TYPES = [
    getattr(ov.Type, t)
    for t in ("boolean", "f16", "f32", "f64", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64")
]


def test_random_data_per_element_type():
    model = _model(*((f"in_{t.get_type_name()}", [32, 32], t) for t in ALL_TYPES))
    data = make_inputs(model, seed=7)
    assert list(data) == input_names(model)
    for t, (name, array) in zip(ALL_TYPES, data.items()):
        assert array.dtype == t.to_dtype() and array.shape == (32, 32), name
        if t == ov.Type.boolean:
            assert set(np.unique(array).tolist()) == {False, True}  # benchmark_app's fill is all True
            continue
        assert array.min() >= 0 and array.max() <= (127 if t == ov.Type.i8 else 255), name
        if t.is_real():
            assert not np.all(array == np.round(array)) and array.max() > 250, name
        else:
            assert array.min() == 0 and array.max() == (127 if t == ov.Type.i8 else 255), name
    _run(model, data)  # OpenVINO takes every array as it is


def test_benchmark_app_ranges_we_follow_and_where_we_differ():
    """Our ranges come from the installed benchmark_app's fill_tensors_with_random: pin what it does."""
    from types import SimpleNamespace

    from openvino.tools.benchmark.utils.inputs_filling import fill_tensors_with_random

    def theirs(element_type):
        return fill_tensors_with_random(SimpleNamespace(element_type=element_type, shapes=[[64, 64]]))[0].data

    for element_type in (ov.Type.u8, ov.Type.i32, ov.Type.i64, ov.Type.f32):
        data = theirs(element_type)
        assert 0 <= data.min() and data.max() <= 255 and data.max() > 250
    assert theirs(ov.Type.boolean).all()  # uniform(0, 2) cast to bool: never False; ours are 0/1
    assert theirs(ov.Type.i8).min() < 0  # 128..255 wrap round to negative; ours stay in 0..127


def test_benchmark_app_token_ids_would_read_past_the_table(sample_paths):
    """Gather-8 gives zeros for an index past the table: benchmark_app's 100..255 all become one zero row."""
    compiled = ov.Core().compile_model(ov_model_from_ir(parse_ir(sample_paths["transformer"])), "CPU")
    outputs = [compiled(np.full([1, 16], ids, np.int64))[compiled.outputs[0]] for ids in (98, 99, 150, 255)]
    assert not np.array_equal(outputs[0], outputs[1])
    assert np.array_equal(outputs[2], outputs[3])


def test_random_data_is_deterministic_per_seed(sample_paths, tmp_path):
    model = _model(("a", [4, 4], ov.Type.f32), ("b", [4, 4], ov.Type.f32))
    first, again, other = make_inputs(model, seed=1), make_inputs(model, seed=1), make_inputs(model, seed=2)
    assert all(np.array_equal(first[k], again[k]) for k in first)
    assert not any(np.array_equal(first[k], other[k]) for k in first)
    assert not np.array_equal(
        first["a"], first["b"]
    )  # each input its own stream (benchmark_app: one for all)
    with_file = make_inputs(model, seed=1, files={"a": _npy(tmp_path, "a.npy", np.zeros([4, 4], np.float32))})
    assert np.array_equal(with_file["b"], first["b"])  # a file for one input changes no other input


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_token_ids_stay_inside_the_embedding_table(sample_paths, seed):
    """benchmark_app fills integer inputs with 0..255; the transformer's table has 100 rows."""
    ir = parse_ir(sample_paths["transformer"])
    table = next(layer for layer in ir.layers.values() if layer.name == "embeddings/token/table")
    rows = table.outputs[0].shape[0]
    assert rows == 100
    for model in (
        ov_model_from_ir(ir),
        model_for(ir, preprocess=preprocessor(ov_model_from_ir(ir), input_precision="u8")),
    ):
        ids = make_inputs(model, seed=seed)["input_ids"]
        assert ids.min() >= 0 and ids.max() < rows and len(np.unique(ids)) > 4


def test_index_limits_through_reshape_negative_axes_and_embeddings():
    ids = ops.parameter([6], ov.Type.i32, name="ids")
    ids.output(0).get_tensor().set_names({"ids"})
    free = ops.parameter([64], ov.Type.i32, name="free")
    free.output(0).get_tensor().set_names({"free"})
    rows = ops.parameter([64], ov.Type.i64, name="rows")
    rows.output(0).get_tensor().set_names({"rows"})
    table = ops.constant(np.ones([5, 9, 2], np.float32))
    shaped = ops.reshape(ops.convert(ids, "i64"), ops.constant(np.array([2, 3], np.int64)), False)
    gathered = ops.gather(table, shaped, ops.constant(np.int64(-2)))  # axis 1: 9 entries
    smaller = ops.gather(ops.constant(np.ones([7], np.float32)), ids, ops.constant(np.int64(0)))  # 7 entries
    embedded = ops.embedding_bag_packed_sum(
        ops.constant(np.ones([11, 2], np.float32)),
        ops.reshape(rows, ops.constant(np.array([8, 8], np.int64)), False),
    )
    plain = ops.add(free, free)
    model = ov.Model([ops.result(x) for x in (gathered, smaller, embedded, plain)], [ids, free, rows])
    for seed in range(3):
        data = make_inputs(model, seed=seed)
        assert data["ids"].max() <= 6 and data["rows"].max() <= 10 and data["free"].max() > 200
    _run(model, data)


def test_input_names_and_keys(tmp_path):
    model = _model(
        ("p", [1], ov.Type.f32), ("q", [1], ov.Type.f32), tensor_names={"p": {"zeta", "alpha"}, "q": set()}
    )
    assert input_names(model) == ["alpha", "q"]  # the smallest tensor name (get_any_name), else the node name
    assert list(make_inputs(model)) == ["alpha", "q"]
    one = _npy(tmp_path, "one.npy", np.ones([1], np.float32))
    data = make_inputs(model, files={"q": one, "zeta": one})  # any tensor name, or the node name
    assert list(data) == ["alpha", "q"] and data["alpha"].tolist() == [1.0]


def test_a_scalar_input_stays_a_scalar(tmp_path):
    """A rank-0 input (a VAD's sample rate) is bound as a 0-d tensor, from random data or from a file."""
    x = ops.parameter([1, 4], np.float32, name="x")
    rate = ops.parameter([], np.int64, name="rate")
    y = ops.multiply(x, ops.convert(rate, np.float32))
    compiled = ov.Core().compile_model(ov.Model([y], [x, rate], "scalar"), "CPU")
    for files in (None, {"rate": _npy(tmp_path, "rate.npy", np.array(16000, np.int64))}):
        data = make_inputs(compiled, files=files)
        assert data["rate"].shape == ()
        request = compiled.create_infer_request()
        set_inputs(compiled, request, data)
        request.infer()
        assert request.get_tensor("rate").shape == []


def test_dynamic_shapes_need_a_static_shape_or_a_file(sample_paths, tmp_path):
    model = model_for(load_ir(sample_paths["transformer"], parse_shapes("input_ids[1,?]")))
    with pytest.raises(
        InputError, match=r"input 'input_ids' has the dynamic shape \[1,\?\]; .* --shape input_ids\["
    ):
        make_inputs(model)
    data = make_inputs(model, files={"": _npy(tmp_path, "ids.npy", np.arange(10).reshape(1, 10))})
    assert data["input_ids"].shape == (1, 10) and data["input_ids"].dtype == np.int64
    with pytest.raises(InputError, match=r"shape \[2, 10\] does not fit input 'input_ids''s shape \[1,\?\]"):
        make_inputs(model, files={"": _npy(tmp_path, "ids2.npy", np.zeros([2, 10], np.int64))})


def test_types_numpy_cannot_hold_are_refused():
    model = _model(("x", [2], ov.Type.bf16))
    with pytest.raises(
        InputError, match="input 'x' is bf16, which has no numpy type; .*--input-precision f32"
    ):
        make_inputs(model)
    made = preprocessor(model, input_precision="f32")(model)
    assert make_inputs(made)["x"].dtype == np.float32


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_bad_seed(seed):
    with pytest.raises(InputError, match="--seed"):
        make_inputs(_model(("x", [2], ov.Type.f32)), seed=seed)


@pytest.mark.parametrize(
    ("array", "input_type", "ok"),
    [
        (np.ones([2, 3], np.float32), ov.Type.f32, True),
        (np.full([2, 3], 0.1), ov.Type.f32, True),  # float64 -> f32 rounds: fine
        (np.full([2, 3], 1e300), ov.Type.f32, False),  # overflows to inf
        (np.arange(6).reshape(2, 3), ov.Type.i32, True),  # int64 -> i32 in range
        (np.full([2, 3], 2**40), ov.Type.i32, False),
        (np.full([2, 3], 300), ov.Type.u8, False),
        (np.full([2, 3], -1), ov.Type.u8, False),
        (np.full([2, 3], 3.0), ov.Type.i64, True),  # whole floats are fine as integers
        (np.full([2, 3], 3.5), ov.Type.i64, False),
        (np.full([2, 3], np.nan), ov.Type.i64, False),
        (np.arange(6).reshape(2, 3) % 2, ov.Type.boolean, True),
        (np.arange(6).reshape(2, 3), ov.Type.boolean, False),
        (np.ones([2, 3], np.uint8), ov.Type.f16, True),
        (np.full([2, 3], 2**24 + 1), ov.Type.f32, False),  # not representable in f32
        (np.full([2, 3], 1 + 1j), ov.Type.f32, False),
        (np.full([2, 3], "a"), ov.Type.f32, False),
    ],
)
def test_npy_values_must_convert_without_loss(tmp_path, array, input_type, ok):
    model = _model(("x", [2, 3], input_type))
    path = _npy(tmp_path, "x.npy", array)
    if ok:
        loaded = make_inputs(model, files={"x": path})["x"]
        assert loaded.dtype == input_type.to_dtype() and np.array_equal(loaded, array.astype(loaded.dtype))
    else:
        with pytest.raises(InputError, match=rf"^{path}: its \S+ values do not all convert to input 'x''s"):
            make_inputs(model, files={"x": path})


def test_npy_loading_errors(tmp_path):
    model = _model(("x", [2, 3], ov.Type.f32), ("y", [1], ov.Type.f32), tensor_names={"y": {"y", "y:0"}})
    good = _npy(tmp_path, "good.npy", np.zeros([2, 3], np.float32))
    text = tmp_path / "text.npy"
    text.write_text("1 2 3\n")
    pickled = tmp_path / "pickled.npy"
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    archive = tmp_path / "archive.npy"
    with archive.open("wb") as f:
        np.savez(f, x=np.zeros([2, 3], np.float32))
    cases = [
        (
            {"x": tmp_path / "missing.npy"},
            f"{tmp_path / 'missing.npy'}: no such file (--input for input 'x')",
        ),
        ({"x": tmp_path}, f"{tmp_path}: not a file"),
        ({"x": text}, f"{text}: not a numpy .npy array"),
        ({"x": pickled}, f"{pickled}: not a numpy .npy array"),
        ({"x": archive}, f"{archive}: an .npz archive"),
        (
            {"x": _npy(tmp_path, "shape.npy", np.zeros([3, 2], np.float32))},
            "shape [3, 2], but input 'x' has shape [2,3]",
        ),
        (
            {"x": _npy(tmp_path, "rank.npy", np.zeros([1, 2, 3], np.float32))},
            "shape [1, 2, 3], but input 'x'",
        ),
        ({"": good}, f"--input {good}: the model has 2 inputs (x, y); name the one this file is for"),
        ({"z": good}, f"--input z={good}: the model has no input 'z' (its inputs: x, y)"),
        ({"y": good, "y:0": good}, "--input: two files for input 'y'"),
    ]
    for files, message in cases:
        with pytest.raises(InputError) as caught:
            make_inputs(model, files=files)
        assert message in str(caught.value), files
        assert "\n" not in str(caught.value)
    assert make_inputs(model, files={"x": good})["x"].shape == (2, 3)
