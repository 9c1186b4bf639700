"""Tiny ONNX, TFLite and PaddlePaddle models, written on demand for tests.

hetero_tool reads ``.onnx``, ``.tflite`` and ``.pdmodel`` files through
OpenVINO's own frontends.  Its tests need real files in those formats, but we
neither commit binary fixtures nor depend on the frameworks that normally write
them (onnx, TensorFlow, PaddlePaddle).  This module encodes each format
directly:

* ONNX and Paddle models are protobuf messages.  A small encoder below writes
  them; field numbers come from ``onnx/onnx.proto`` and from Paddle's
  ``framework.proto`` (the copy OpenVINO builds against:
  ``src/frontends/paddle/src/proto/framework.proto``).
* TFLite models are flatbuffers (``tensorflow/lite/schema/schema.fbs``), built
  with the ``flatbuffers`` package's ``Builder`` by field slot index.  Only
  :func:`write_tflite` needs that package; it is imported there.

Every writer is deterministic (same bytes on every call).  Each model comes
with a numpy reference function, so a test can compare OpenVINO's output.
:data:`FIXTURES` bundles writer, file name, input shape and reference per
format.  Run ``python tests/foreign_models.py`` to check them all against the
installed OpenVINO.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "FIXTURES",
    "ForeignModel",
    "ONNX_INPUT_SHAPE",
    "PADDLE_INPUT_SHAPE",
    "TFLITE_INPUT_SHAPE",
    "reference_onnx",
    "reference_paddle",
    "reference_tflite",
    "write_onnx",
    "write_paddle",
    "write_tflite",
]


def _ramp(shape: tuple[int, ...], offset: int = 0) -> np.ndarray:
    """Deterministic small float32 weights (multiples of 1/8, exact in float32)."""
    count = int(np.prod(shape))
    values = ((np.arange(count) + offset) % 7 - 3) / 8
    return values.astype(np.float32).reshape(shape)


def _le_f32(array: np.ndarray) -> bytes:
    """Raw little-endian float32 bytes, as all three formats store tensors."""
    return np.ascontiguousarray(array, dtype="<f4").tobytes()


# --------------------------------------------------------------------------
# Protobuf wire format (enough for ONNX and Paddle)
# --------------------------------------------------------------------------
# A message is the concatenation of its encoded fields, so nested messages
# are just ``_msg(field_number, *encoded_fields)``.  Repeated fields are
# written one element per field (proto2's unpacked form, accepted by every
# parser).  Fields are emitted in field-number order, like protoc does.


def _varint(value: int) -> bytes:
    """Base-128 varint; negative ints become 10-byte two's complement."""
    value &= (1 << 64) - 1
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _int(field: int, value: int) -> bytes:
    """Varint field (wire type 0): int32, int64, enum, bool."""
    return _varint(field << 3 | 0) + _varint(int(value))


def _float(field: int, value: float) -> bytes:
    """32-bit float field (wire type 5)."""
    return _varint(field << 3 | 5) + struct.pack("<f", value)


def _bytes(field: int, value: bytes | str) -> bytes:
    """Length-delimited field (wire type 2): string, bytes."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    return _varint(field << 3 | 2) + _varint(len(value)) + value


def _msg(field: int, *fields: bytes) -> bytes:
    """Embedded message field built from already encoded fields."""
    return _bytes(field, b"".join(fields))


def _ints(field: int, values) -> bytes:
    """Repeated varint field, unpacked."""
    return b"".join(_int(field, v) for v in values)


# --------------------------------------------------------------------------
# ONNX: x[1,3,8,8] -> Conv(3x3, pad 1, weights + bias initializers) -> Relu
# --------------------------------------------------------------------------
ONNX_INPUT_SHAPE = (1, 3, 8, 8)
_ONNX_W = _ramp((4, 3, 3, 3))
_ONNX_B = np.array([0.5, -0.25, 0.0, 0.125], dtype=np.float32)
_ONNX_IR_VERSION = 8  # ONNX 1.10+; widely supported by OpenVINO
_ONNX_OPSET = 13
_ONNX_FLOAT = 1  # TensorProto.DataType.FLOAT
_ONNX_ATTR_INTS = 7  # AttributeProto.AttributeType.INTS


def _onnx_tensor(name: str, array: np.ndarray) -> bytes:
    """TensorProto{dims=1, data_type=2, name=8, raw_data=9}."""
    return b"".join(
        [
            _ints(1, array.shape),
            _int(2, _ONNX_FLOAT),
            _bytes(8, name),
            _bytes(9, _le_f32(array)),
        ]
    )


def _onnx_value_info(name: str, shape: tuple[int, ...]) -> bytes:
    """ValueInfoProto{name=1, type=2: TypeProto{tensor_type=1}} for float32."""
    dims = b"".join(_msg(1, _int(1, d)) for d in shape)  # Dimension{dim_value=1}
    tensor_type = _int(1, _ONNX_FLOAT) + _msg(2, dims)  # {elem_type=1, shape=2}
    return _bytes(1, name) + _msg(2, _msg(1, tensor_type))


def _onnx_ints_attr(name: str, values) -> bytes:
    """AttributeProto{name=1, ints=8, type=20}."""
    return _bytes(1, name) + _ints(8, values) + _int(20, _ONNX_ATTR_INTS)


def _onnx_node(op_type: str, inputs, outputs, name: str, *attrs: bytes) -> bytes:
    """NodeProto{input=1, output=2, name=3, op_type=4, attribute=5}."""
    return b"".join(
        [
            *(_bytes(1, i) for i in inputs),
            *(_bytes(2, o) for o in outputs),
            _bytes(3, name),
            _bytes(4, op_type),
            *(_msg(5, a) for a in attrs),
        ]
    )


def _onnx_model() -> bytes:
    """Serialized ModelProto of the Conv -> Relu model."""
    conv = _onnx_node(
        "Conv",
        ["x", "conv.weight", "conv.bias"],
        ["conv_out"],
        "conv",
        _onnx_ints_attr("kernel_shape", [3, 3]),
        _onnx_ints_attr("pads", [1, 1, 1, 1]),
        _onnx_ints_attr("strides", [1, 1]),
    )
    relu = _onnx_node("Relu", ["conv_out"], ["y"], "relu")
    n, _, h, w = ONNX_INPUT_SHAPE
    # GraphProto{node=1, name=2, initializer=5, input=11, output=12}
    graph = b"".join(
        [
            _msg(1, conv),
            _msg(1, relu),
            _bytes(2, "hetero_tool_onnx_fixture"),
            _msg(5, _onnx_tensor("conv.weight", _ONNX_W)),
            _msg(5, _onnx_tensor("conv.bias", _ONNX_B)),
            _msg(11, _onnx_value_info("x", ONNX_INPUT_SHAPE)),
            _msg(12, _onnx_value_info("y", (n, _ONNX_W.shape[0], h, w))),
        ]
    )
    # ModelProto{ir_version=1, producer_name=2, graph=7, opset_import=8}
    return b"".join(
        [
            _int(1, _ONNX_IR_VERSION),
            _bytes(2, "hetero_tool-tests"),
            _msg(7, graph),
            _msg(8, _bytes(1, "") + _int(2, _ONNX_OPSET)),  # OperatorSetIdProto{domain, version}
        ]
    )


def write_onnx(path: str | Path) -> Path:
    """Write a tiny ONNX model: x float32[1,3,8,8] -> Conv(4 filters, 3x3, pad 1) -> Relu -> y[1,4,8,8]."""
    path = Path(path)
    path.write_bytes(_onnx_model())
    return path


def reference_onnx(x: np.ndarray) -> np.ndarray:
    """numpy result of the :func:`write_onnx` model for input ``x``."""
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))
    conv = np.einsum("nchwij,ocij->nohw", windows, _ONNX_W) + _ONNX_B[None, :, None, None]
    return np.maximum(conv, 0).astype(np.float32)


# --------------------------------------------------------------------------
# TFLite: x[1,4] -> FULLY_CONNECTED(weights[3,4], bias[3], fused RELU) -> y[1,3]
# --------------------------------------------------------------------------
TFLITE_INPUT_SHAPE = (1, 4)
_TFL_W = _ramp((3, 4), offset=2)  # [out, in], as TFLite stores FC weights
_TFL_B = np.array([0.25, -0.5, 0.125], dtype=np.float32)
_TFL_SCHEMA_VERSION = 3
_TFL_FULLY_CONNECTED = 9  # BuiltinOperator.FULLY_CONNECTED
_TFL_FC_OPTIONS = 8  # BuiltinOptions union index of FullyConnectedOptions
_TFL_ACT_RELU = 1  # ActivationFunctionType.RELU
_TFL_FLOAT32 = 0  # TensorType.FLOAT32


# Tables are written slot by slot in schema field order.  Like flatc, the
# Builder omits a scalar equal to its schema default (e.g. Tensor.type
# FLOAT32 = 0, OperatorCode.version = 1); readers then see the default.


def _fb_int32_vector(builder, values) -> int:
    builder.StartVector(4, len(values), 4)
    for value in reversed(values):
        builder.PrependInt32(value)
    return builder.EndVector()


def _fb_table_vector(builder, offsets) -> int:
    builder.StartVector(4, len(offsets), 4)
    for offset in reversed(offsets):
        builder.PrependUOffsetTRelative(offset)
    return builder.EndVector()


def _fb_buffer(builder, data: bytes) -> int:
    """Buffer{data=0: [ubyte] (force_align: 16)}; empty data -> the sentinel."""
    data_vec = None
    if data:
        builder.StartVector(1, len(data), 16)
        for byte in reversed(data):
            builder.PrependUint8(byte)
        data_vec = builder.EndVector()
    builder.StartObject(3)
    if data_vec is not None:
        builder.PrependUOffsetTRelativeSlot(0, data_vec, 0)
    return builder.EndObject()


def _fb_tensor(builder, name: str, shape, buffer_index: int) -> int:
    """Tensor{shape=0, type=1, buffer=2, name=3}, float32."""
    name_off = builder.CreateString(name)
    shape_vec = _fb_int32_vector(builder, list(shape))
    builder.StartObject(4)
    builder.PrependUOffsetTRelativeSlot(0, shape_vec, 0)
    builder.PrependInt8Slot(1, _TFL_FLOAT32, 0)
    builder.PrependUint32Slot(2, buffer_index, 0)
    builder.PrependUOffsetTRelativeSlot(3, name_off, 0)
    return builder.EndObject()


def _tflite_model() -> bytes:
    """Serialized TFLite Model of the FULLY_CONNECTED model."""
    import flatbuffers  # only this writer needs it

    b = flatbuffers.Builder(1024)
    # Children first: flatbuffers are built back to front.
    # buffers[0] must be the empty sentinel; tensors without data point at it.
    buffers = [_fb_buffer(b, b""), _fb_buffer(b, _le_f32(_TFL_W)), _fb_buffer(b, _le_f32(_TFL_B))]
    batch = TFLITE_INPUT_SHAPE[0]
    tensors = [
        _fb_tensor(b, "x", TFLITE_INPUT_SHAPE, 0),
        _fb_tensor(b, "fc/weights", _TFL_W.shape, 1),
        _fb_tensor(b, "fc/bias", _TFL_B.shape, 2),
        _fb_tensor(b, "y", (batch, _TFL_W.shape[0]), 0),
    ]

    b.StartObject(5)  # FullyConnectedOptions{fused_activation_function=0, ...}
    b.PrependInt8Slot(0, _TFL_ACT_RELU, 0)
    fc_options = b.EndObject()

    op_inputs = _fb_int32_vector(b, [0, 1, 2])
    op_outputs = _fb_int32_vector(b, [3])
    # Operator{opcode_index=0, inputs=1, outputs=2, builtin_options_type=3, builtin_options=4}
    b.StartObject(5)
    b.PrependUint32Slot(0, 0, 0)
    b.PrependUOffsetTRelativeSlot(1, op_inputs, 0)
    b.PrependUOffsetTRelativeSlot(2, op_outputs, 0)
    b.PrependUint8Slot(3, _TFL_FC_OPTIONS, 0)
    b.PrependUOffsetTRelativeSlot(4, fc_options, 0)
    operator = b.EndObject()

    # OperatorCode{deprecated_builtin_code=0, custom_code=1, version=2, builtin_code=3}.
    # Readers (OpenVINO included) use deprecated_builtin_code for codes < 127,
    # so it must be set as well as builtin_code.
    b.StartObject(4)
    b.PrependInt8Slot(0, _TFL_FULLY_CONNECTED, 0)
    b.PrependInt32Slot(2, 1, 1)  # version 1 (the default, so not stored)
    b.PrependInt32Slot(3, _TFL_FULLY_CONNECTED, 0)
    op_code = b.EndObject()

    tensors_vec = _fb_table_vector(b, tensors)
    inputs_vec = _fb_int32_vector(b, [0])
    outputs_vec = _fb_int32_vector(b, [3])
    operators_vec = _fb_table_vector(b, [operator])
    subgraph_name = b.CreateString("main")
    b.StartObject(5)  # SubGraph{tensors=0, inputs=1, outputs=2, operators=3, name=4}
    b.PrependUOffsetTRelativeSlot(0, tensors_vec, 0)
    b.PrependUOffsetTRelativeSlot(1, inputs_vec, 0)
    b.PrependUOffsetTRelativeSlot(2, outputs_vec, 0)
    b.PrependUOffsetTRelativeSlot(3, operators_vec, 0)
    b.PrependUOffsetTRelativeSlot(4, subgraph_name, 0)
    subgraph = b.EndObject()

    op_codes_vec = _fb_table_vector(b, [op_code])
    subgraphs_vec = _fb_table_vector(b, [subgraph])
    description = b.CreateString("hetero_tool test fixture")
    buffers_vec = _fb_table_vector(b, buffers)
    b.StartObject(5)  # Model{version=0, operator_codes=1, subgraphs=2, description=3, buffers=4}
    b.PrependUint32Slot(0, _TFL_SCHEMA_VERSION, 0)
    b.PrependUOffsetTRelativeSlot(1, op_codes_vec, 0)
    b.PrependUOffsetTRelativeSlot(2, subgraphs_vec, 0)
    b.PrependUOffsetTRelativeSlot(3, description, 0)
    b.PrependUOffsetTRelativeSlot(4, buffers_vec, 0)
    model = b.EndObject()
    b.Finish(model, file_identifier=b"TFL3")
    return bytes(b.Output())


def write_tflite(path: str | Path) -> Path:
    """Write a tiny TFLite model: x float32[1,4] -> FULLY_CONNECTED(3 units, fused RELU) -> y[1,3].

    Needs the ``flatbuffers`` package.  OpenVINO picks its TFLite reader by
    the ``.tflite`` suffix, so ``path`` should end with it.
    """
    path = Path(path)
    path.write_bytes(_tflite_model())
    return path


def reference_tflite(x: np.ndarray) -> np.ndarray:
    """numpy result of the :func:`write_tflite` model for input ``x``."""
    return np.maximum(x @ _TFL_W.T + _TFL_B, 0).astype(np.float32)


# --------------------------------------------------------------------------
# Paddle: x[2,4] -> matmul_v2(w[4,3]) -> elementwise_add(b[3]) -> relu -> scale
# --------------------------------------------------------------------------
PADDLE_INPUT_SHAPE = (2, 4)
_PD_W = _ramp((4, 3), offset=5)
_PD_B = np.array([0.5, -0.125, 0.25], dtype=np.float32)
_PD_SCALE, _PD_BIAS = 2.0, 0.5
_PD_PROGRAM_VERSION = 2006000  # Paddle 2.6.0; OpenVINO accepts 0 or >= 2.0.0

# framework.proto enums
_PD_FP32 = 5  # VarType.Type.FP32
_PD_LOD_TENSOR = 7
_PD_FEED_MINIBATCH = 9
_PD_FETCH_LIST = 10
_PD_ATTR_INT, _PD_ATTR_FLOAT, _PD_ATTR_BOOLEAN = 0, 1, 6  # AttrType

# Parameters (persistable vars), stored in the .pdiparams file.
_PD_PARAMS = {"linear_0.w_0": _PD_W, "linear_0.b_0": _PD_B}


def _pd_tensor_desc(shape) -> bytes:
    """VarType.TensorDesc{data_type=1, dims=2}, float32."""
    return _int(1, _PD_FP32) + _ints(2, shape)


def _pd_var(name: str, shape=None, persistable: bool = False, var_type: int = _PD_LOD_TENSOR) -> bytes:
    """VarDesc{name=1, type=2: VarType{type=1, lod_tensor=3: {tensor=1}}, persistable=3}."""
    vtype = _int(1, var_type)
    if shape is not None:
        vtype += _msg(3, _msg(1, _pd_tensor_desc(shape)))
    return _bytes(1, name) + _msg(2, vtype) + _int(3, persistable)


def _pd_attr(name: str, value) -> bytes:
    """OpDesc.Attr{name=1, type=2, i=3 | f=4 | b=10} from a Python int/float/bool."""
    if isinstance(value, bool):
        return _bytes(1, name) + _int(2, _PD_ATTR_BOOLEAN) + _int(10, value)
    if isinstance(value, int):
        return _bytes(1, name) + _int(2, _PD_ATTR_INT) + _int(3, value)
    return _bytes(1, name) + _int(2, _PD_ATTR_FLOAT) + _float(4, value)


def _pd_op(op_type: str, inputs: dict, outputs: dict, **attrs) -> bytes:
    """OpDesc{inputs=1, outputs=2, type=3, attrs=4}; in/outputs are Var{parameter=1, arguments=2}."""

    def slots(field, mapping):
        return b"".join(_msg(field, _bytes(1, slot), _bytes(2, arg)) for slot, arg in mapping.items())

    return b"".join(
        [
            slots(1, inputs),
            slots(2, outputs),
            _bytes(3, op_type),
            *(_msg(4, _pd_attr(k, v)) for k, v in attrs.items()),
        ]
    )


def _paddle_program() -> bytes:
    """Serialized ProgramDesc of the one-block inference program."""
    batch = PADDLE_INPUT_SHAPE[0]
    hidden = (batch, _PD_W.shape[1])
    variables = [
        _pd_var("feed", persistable=True, var_type=_PD_FEED_MINIBATCH),
        _pd_var("fetch", persistable=True, var_type=_PD_FETCH_LIST),
        _pd_var("x", PADDLE_INPUT_SHAPE),
        *(_pd_var(name, value.shape, persistable=True) for name, value in _PD_PARAMS.items()),
        _pd_var("linear_0.tmp_0", hidden),
        _pd_var("linear_0.tmp_1", hidden),
        _pd_var("relu_0.tmp_0", hidden),
        _pd_var("scale_0.tmp_0", hidden),
    ]
    ops = [
        _pd_op("feed", {"X": "feed"}, {"Out": "x"}, col=0),
        _pd_op(
            "matmul_v2",
            {"X": "x", "Y": "linear_0.w_0"},
            {"Out": "linear_0.tmp_0"},
            trans_x=False,
            trans_y=False,
        ),
        _pd_op(
            "elementwise_add",
            {"X": "linear_0.tmp_0", "Y": "linear_0.b_0"},
            {"Out": "linear_0.tmp_1"},
            axis=-1,
        ),
        _pd_op("relu", {"X": "linear_0.tmp_1"}, {"Out": "relu_0.tmp_0"}),
        _pd_op(
            "scale",
            {"X": "relu_0.tmp_0"},
            {"Out": "scale_0.tmp_0"},
            scale=_PD_SCALE,
            bias=_PD_BIAS,
            bias_after_scale=True,
        ),
        _pd_op("fetch", {"X": "scale_0.tmp_0"}, {"Out": "fetch"}, col=0),
    ]
    # BlockDesc{idx=1, parent_idx=2, vars=3, ops=4}; idx and parent_idx are required fields.
    block = b"".join(
        [
            _int(1, 0),
            _int(2, -1),
            *(_msg(3, v) for v in variables),
            *(_msg(4, op) for op in ops),
        ]
    )
    return _msg(1, block) + _msg(4, _int(1, _PD_PROGRAM_VERSION))  # ProgramDesc{blocks=1, version=4}


def _paddle_params() -> bytes:
    """The .pdiparams blob: every persistable var in name order, save_combine layout.

    Per tensor: uint32 version, uint64 LoD level count (0), uint32 tensor
    version, int32 TensorDesc size, TensorDesc, raw data.  Readers walk vars
    sorted by name, so that is the order here.
    """
    out = bytearray()
    for name in sorted(_PD_PARAMS):
        value = _PD_PARAMS[name]
        desc = _pd_tensor_desc(value.shape)
        out += struct.pack("<IQIi", 0, 0, 0, len(desc)) + desc + _le_f32(value)
    return bytes(out)


def write_paddle(path: str | Path) -> Path:
    """Write a tiny Paddle inference model; return the ``.pdmodel`` path.

    ``path`` should end with ``.pdmodel``; the parameters go next to it in
    ``<stem>.pdiparams`` (OpenVINO finds them by that name).  The program is
    x float32[2,4] -> matmul_v2(w[4,3]) -> elementwise_add(b[3]) -> relu ->
    scale(2.0, bias 0.5) -> fetch.
    """
    path = Path(path)
    path.write_bytes(_paddle_program())
    path.with_suffix(".pdiparams").write_bytes(_paddle_params())
    return path


def reference_paddle(x: np.ndarray) -> np.ndarray:
    """numpy result of the :func:`write_paddle` model for input ``x``."""
    hidden = np.maximum(x @ _PD_W + _PD_B, 0)
    return (hidden * _PD_SCALE + _PD_BIAS).astype(np.float32)


# --------------------------------------------------------------------------
# Registry and self-check
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ForeignModel:
    """One fixture: how to write it, its file name, input shape and numpy reference."""

    write: Callable[[str | Path], Path]
    filename: str
    input_shape: tuple[int, ...]
    reference: Callable[[np.ndarray], np.ndarray]


FIXTURES = {
    "onnx": ForeignModel(write_onnx, "tiny.onnx", ONNX_INPUT_SHAPE, reference_onnx),
    "tflite": ForeignModel(write_tflite, "tiny.tflite", TFLITE_INPUT_SHAPE, reference_tflite),
    "paddle": ForeignModel(write_paddle, "tiny.pdmodel", PADDLE_INPUT_SHAPE, reference_paddle),
}


def _self_check() -> None:
    """Convert each fixture with OpenVINO, run it on CPU and compare with numpy."""
    import tempfile

    import openvino as ov

    core = ov.Core()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        for kind, fixture in FIXTURES.items():
            path = fixture.write(Path(tmp) / fixture.filename)
            again = fixture.write(Path(tmp) / ("again_" + fixture.filename))
            assert path.read_bytes() == again.read_bytes(), f"{kind}: output is not deterministic"

            models = {"convert_model": ov.convert_model(str(path)), "read_model": core.read_model(str(path))}
            for how, model in models.items():
                x = rng.standard_normal(fixture.input_shape).astype(np.float32)
                # CPUs with bf16 support default to bf16 inference; ask for f32.
                compiled = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
                got = compiled([x])[0]
                want = fixture.reference(x)
                assert got.shape == want.shape, (kind, how, got.shape, want.shape)
                np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=f"{kind} via {how}")
                ops = [op.get_type_name() for op in model.get_ordered_ops()]
                print(f"{kind:7s} {how:13s} ok  {path.stat().st_size:4d} bytes  ops: {ops}")


if __name__ == "__main__":
    _self_check()
