"""Small, realistic example models for exercising HETERO split planning.

The models are built on demand with OpenVINO's opset API from fixed random
seeds, so the repository never has to carry binary IR files.  Each model
mimics a common network family (CNN classifier, transformer encoder, SSD
detector, and a model with control-flow sub-graphs) and uses readable,
unique friendly names such as ``block2/expand/conv`` so that reports about
device placement can be read without a graph viewer.
"""

from __future__ import annotations

import os
import tempfile
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openvino as ov
import openvino.opset13 as ops

__all__ = ["SAMPLES", "Sample", "build_encoder_stack", "build_resnext_stack", "build_sample", "save_samples"]


@dataclass(frozen=True)
class Sample:
    """One example model.

    Attributes
    ----------
    name : str
        Key in `SAMPLES`; also the ``ov.Model`` name and the IR file stem.
    description : str
        One-line summary of what the model contains.
    build : Callable[[], ov.Model]
        Returns a fresh model; identical on every call.
    """

    name: str
    description: str
    build: Callable[[], ov.Model]


class _Graph:
    """Builder state for one model: seeded weights and unique friendly names.

    Every node gets an explicit friendly name.  Unnamed nodes would be
    serialized under their auto-generated names (``Convolution_1234``), which
    depend on a process-wide counter and would make the IR non-deterministic.
    """

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self._names: set[str] = set()

    def n(self, name: str) -> str:
        """Reserve `name`, failing if another node already uses it."""
        if name in self._names:
            raise RuntimeError(f"duplicate friendly name {name!r}")
        self._names.add(name)
        return name

    def const(self, value, name: str, dtype=np.float32) -> ov.Node:
        return ops.constant(np.asarray(value, dtype=dtype), name=self.n(name))

    def weights(self, shape, name: str, scale: float | None = None) -> ov.Node:
        """He-style random weights, so activations stay in a sane range."""
        if scale is None:
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else int(shape[0])
            scale = float(np.sqrt(2.0 / max(fan_in, 1)))
        data = self.rng.standard_normal(shape).astype(np.float32) * np.float32(scale)
        return self.const(data, name)

    def param(self, shape, dtype, name: str) -> ov.Node:
        p = ops.parameter(shape, dtype, name=self.n(name))
        p.output(0).get_tensor().set_names({name})
        return p

    def result(self, value: ov.Output, name: str) -> ov.Node:
        """Model output; the tensor name is `name` and the node ``name/sink``."""
        value = value.output(0) if isinstance(value, ov.Node) else value
        value.get_tensor().set_names({name})
        return ops.result(value, name=self.n(f"{name}/sink"))


def _check_all_named(model: ov.Model) -> ov.Model:
    """Fail if any node (including sub-graph bodies) kept an automatic name."""
    stack = [model]
    while stack:
        m = stack.pop()
        for op in m.get_ordered_ops():
            if op.get_friendly_name() == op.get_name():
                raise RuntimeError(f"{model.get_friendly_name()}: unnamed node {op.get_name()}")
            if isinstance(op, ops.if_op):
                stack += [op.get_then_body(), op.get_else_body()]
            elif isinstance(op, (ops.loop, ops.tensor_iterator)):
                stack.append(op.get_function())
    return model


# --------------------------------------------------------------------------
# mobilenet
# --------------------------------------------------------------------------

_ACTIVATIONS = {"relu": ops.relu, "hswish": ops.hswish, "hsigmoid": ops.hsigmoid}


def _channels(x) -> int:
    x = x.output(0) if isinstance(x, ov.Node) else x
    return x.get_partial_shape()[1].get_length()


def _activation(g, x, act, name):
    if act == "swish":
        # Without `beta` the Python factory adds an unnamed Const(1.0).
        y = ops.swish(x, g.const(1.0, f"{name}/beta"))
    else:
        y = _ACTIVATIONS[act](x)
    # Not name=...: opset5.hsigmoid silently ignores its `name` argument.
    y.set_friendly_name(g.n(name))
    return y


def _conv_bn_act(g, x, out_ch, kernel, stride, prefix, act=None, groups=1):
    """Convolution with folded batch-norm (a bias Add) and optional activation.

    ``groups > 1`` makes a depthwise GroupConvolution, as in the IR that the
    model converters emit for depthwise layers.
    """
    in_ch = _channels(x)
    pad = [kernel // 2] * 2
    if groups == 1:
        w = g.weights([out_ch, in_ch, kernel, kernel], f"{prefix}/conv/weights")
        y = ops.convolution(x, w, [stride] * 2, pad, pad, [1, 1], name=g.n(f"{prefix}/conv"))
    else:
        w = g.weights([groups, out_ch // groups, in_ch // groups, kernel, kernel], f"{prefix}/dwconv/weights")
        y = ops.group_convolution(x, w, [stride] * 2, pad, pad, [1, 1], name=g.n(f"{prefix}/dwconv"))
    b = g.weights([1, out_ch, 1, 1], f"{prefix}/bias/value", scale=0.05)
    y = ops.add(y, b, name=g.n(f"{prefix}/bias"))
    if act is not None:
        y = _activation(g, y, act, f"{prefix}/{act}")
    return y


def _squeeze_excite(g, x, channels, prefix):
    """Channel attention: global mean -> 1x1 reduce -> 1x1 expand -> gate."""
    axes = g.const([2, 3], f"{prefix}/pool/axes", dtype=np.int64)
    s = ops.reduce_mean(x, axes, keep_dims=True, name=g.n(f"{prefix}/pool"))
    s = _conv_bn_act(g, s, max(channels // 4, 8), 1, 1, f"{prefix}/reduce", act="relu")
    s = _conv_bn_act(g, s, channels, 1, 1, f"{prefix}/expand", act="hsigmoid")
    return ops.multiply(x, s, name=g.n(f"{prefix}/scale"))


def _inverted_residual(g, x, expand_ch, out_ch, stride, se, act, prefix):
    in_ch = _channels(x)
    y = x
    if expand_ch != in_ch:  # MobileNetV3 drops the expand conv at ratio 1
        y = _conv_bn_act(g, y, expand_ch, 1, 1, f"{prefix}/expand", act=act)
    y = _conv_bn_act(g, y, expand_ch, 3, stride, f"{prefix}/depthwise", act=act, groups=expand_ch)
    if se:
        y = _squeeze_excite(g, y, expand_ch, f"{prefix}/se")
    y = _conv_bn_act(g, y, out_ch, 1, 1, f"{prefix}/project")
    if stride == 1 and in_ch == out_ch:
        y = ops.add(x, y, name=g.n(f"{prefix}/residual"))
    return y


def _build_mobilenet() -> ov.Model:
    g = _Graph(seed=1001)
    image = g.param([1, 3, 64, 64], np.float32, "image")
    x = _conv_bn_act(g, image, 16, 3, 2, "stem", act="hswish")
    # (expand, out, stride, squeeze-excite, activation), as in MobileNetV3-Small.
    blocks = [
        (16, 16, 2, True, "relu"),
        (48, 24, 2, False, "relu"),
        (64, 24, 1, False, "relu"),
        (96, 40, 2, True, "hswish"),
        (120, 40, 1, True, "swish"),
    ]
    for i, (exp, out, stride, se, act) in enumerate(blocks, start=1):
        x = _inverted_residual(g, x, exp, out, stride, se, act, f"block{i}")
    x = _conv_bn_act(g, x, 96, 1, 1, "head", act="hswish")
    axes = g.const([2, 3], "pool/axes", dtype=np.int64)
    x = ops.reduce_mean(x, axes, keep_dims=False, name=g.n("pool"))
    x = ops.matmul(
        x, g.weights([96, 128], "classifier/fc1/weights"), False, False, name=g.n("classifier/fc1")
    )
    x = ops.add(x, g.weights([1, 128], "classifier/fc1/bias/value", 0.05), name=g.n("classifier/fc1/bias"))
    x = ops.hswish(x, name=g.n("classifier/hswish"))
    x = ops.matmul(
        x, g.weights([128, 10], "classifier/fc2/weights"), False, False, name=g.n("classifier/fc2")
    )
    x = ops.add(x, g.weights([1, 10], "classifier/fc2/bias/value", 0.05), name=g.n("classifier/fc2/bias"))
    probs = ops.softmax(x, 1, name=g.n("classifier/softmax"))
    return _check_all_named(ov.Model([g.result(probs, "probs")], [image], "mobilenet"))


# --------------------------------------------------------------------------
# transformer
# --------------------------------------------------------------------------

_SEQ, _HIDDEN, _HEADS, _FFN, _VOCAB = 16, 32, 4, 64, 100


def _linear(g, x, in_f, out_f, prefix):
    w = g.weights([in_f, out_f], f"{prefix}/weights")
    y = ops.matmul(x, w, False, False, name=g.n(f"{prefix}/matmul"))
    return ops.add(y, g.weights([out_f], f"{prefix}/bias/value", 0.02), name=g.n(f"{prefix}/bias"))


def _layer_norm(g, x, shared, prefix):
    """LayerNorm as converters emit it: MVN over the last axis, then scale/bias."""
    y = ops.mvn(x, shared["ln_axes"], True, 1e-5, "inside_sqrt", name=g.n(f"{prefix}/mvn"))
    gamma = g.const(1.0 + 0.1 * g.rng.standard_normal(_HIDDEN), f"{prefix}/gamma")
    y = ops.multiply(y, gamma, name=g.n(f"{prefix}/scale"))
    beta = g.const(0.1 * g.rng.standard_normal(_HIDDEN), f"{prefix}/beta")
    return ops.add(y, beta, name=g.n(f"{prefix}/shift"))


def _attention(g, x, shared, prefix):
    """Multi-head self-attention; Q, K and V all consume the same `x`."""
    heads = {}
    for part in ("q", "k", "v"):
        y = _linear(g, x, _HIDDEN, _HIDDEN, f"{prefix}/{part}")
        y = ops.reshape(y, shared["to_heads"], False, name=g.n(f"{prefix}/{part}/split_heads"))
        heads[part] = ops.transpose(y, shared["perm"], name=g.n(f"{prefix}/{part}/transpose"))
    scores = ops.matmul(heads["q"], heads["k"], False, True, name=g.n(f"{prefix}/qk"))
    scores = ops.multiply(scores, shared["scale"], name=g.n(f"{prefix}/scale"))
    probs = ops.softmax(scores, -1, name=g.n(f"{prefix}/softmax"))
    ctx = ops.matmul(probs, heads["v"], False, False, name=g.n(f"{prefix}/context"))
    # [0, 2, 1, 3] is its own inverse, so the same Const undoes the head split.
    ctx = ops.transpose(ctx, shared["perm"], name=g.n(f"{prefix}/context/transpose"))
    ctx = ops.reshape(ctx, shared["from_heads"], False, name=g.n(f"{prefix}/context/merge_heads"))
    return _linear(g, ctx, _HIDDEN, _HIDDEN, f"{prefix}/out")


def _encoder_layer(g, x, shared, prefix):
    h = _layer_norm(g, x, shared, f"{prefix}/ln1")
    x = ops.add(x, _attention(g, h, shared, f"{prefix}/attn"), name=g.n(f"{prefix}/attn/residual"))
    h = _layer_norm(g, x, shared, f"{prefix}/ln2")
    h = _linear(g, h, _HIDDEN, _FFN, f"{prefix}/ffn/fc1")
    h = ops.gelu(h, "erf", name=g.n(f"{prefix}/ffn/gelu"))
    h = _linear(g, h, _FFN, _HIDDEN, f"{prefix}/ffn/fc2")
    return ops.add(x, h, name=g.n(f"{prefix}/ffn/residual"))


def _build_transformer() -> ov.Model:
    g = _Graph(seed=2002)
    head_dim = _HIDDEN // _HEADS
    # Model-wide Consts with several consumers, as shared-constant
    # elimination leaves them in converted IRs.
    shared = {
        "ln_axes": g.const([-1], "shared/layernorm_axes", dtype=np.int64),
        "to_heads": g.const([1, _SEQ, _HEADS, head_dim], "shared/split_heads_shape", np.int64),
        "from_heads": g.const([1, _SEQ, _HIDDEN], "shared/merge_heads_shape", np.int64),
        "perm": g.const([0, 2, 1, 3], "shared/heads_perm", dtype=np.int64),
        "scale": g.const(1.0 / np.sqrt(head_dim), "shared/attn_scale"),
    }
    ids = g.param([1, _SEQ], np.int64, "input_ids")
    table = g.weights([_VOCAB, _HIDDEN], "embeddings/token/table", scale=0.5)
    axis = g.const(0, "embeddings/token/axis", dtype=np.int64)
    x = ops.gather(table, ids, axis, name=g.n("embeddings/token"))
    pos = g.weights([1, _SEQ, _HIDDEN], "embeddings/position/table", scale=0.5)
    x = ops.add(x, pos, name=g.n("embeddings/position"))
    for i in range(2):
        x = _encoder_layer(g, x, shared, f"layer{i}")
    x = _layer_norm(g, x, shared, "final_ln")
    model = ov.Model([g.result(x, "last_hidden_state")], [ids], "transformer")
    return _check_all_named(model)


# --------------------------------------------------------------------------
# detector
# --------------------------------------------------------------------------

_ANCHORS, _CLASSES = 3, 4


def _ssd_head(g, feat, per_anchor, prefix):
    """3x3 conv predicting `per_anchor` values per anchor, as [1, boxes, per_anchor]."""
    y = _conv_bn_act(g, feat, _ANCHORS * per_anchor, 3, 1, prefix)
    perm = g.const([0, 2, 3, 1], f"{prefix}/to_nhwc/order", dtype=np.int64)
    y = ops.transpose(y, perm, name=g.n(f"{prefix}/to_nhwc"))
    shape = g.const([1, -1, per_anchor], f"{prefix}/flatten/shape", dtype=np.int64)
    return ops.reshape(y, shape, False, name=g.n(f"{prefix}/flatten"))


def _anchors(sizes, scales):
    """Corner-format prior boxes for square feature maps, normalized to [0, 1]."""
    boxes = []
    for size, scale in zip(sizes, scales):
        centers = (np.arange(size) + 0.5) / size
        for cy in centers:
            for cx in centers:
                for ratio in (0.5, 1.0, 2.0)[:_ANCHORS]:
                    w, h = scale * np.sqrt(ratio), scale / np.sqrt(ratio)
                    boxes.append([cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2])
    return np.asarray(boxes, dtype=np.float32)[None]


def _build_detector() -> ov.Model:
    g = _Graph(seed=3003)
    image = g.param([1, 3, 64, 64], np.float32, "image")
    x = _conv_bn_act(g, image, 16, 3, 1, "backbone/conv1", act="relu")
    x = ops.max_pool(x, [2, 2], [1, 1], [0, 0], [0, 0], [2, 2], name=g.n("backbone/pool1")).output(0)
    x = _conv_bn_act(g, x, 32, 3, 2, "backbone/conv2", act="relu")
    fmap1 = _conv_bn_act(g, x, 64, 3, 2, "backbone/conv3", act="relu")  # 8x8
    fmap2 = _conv_bn_act(g, fmap1, 64, 3, 2, "backbone/conv4", act="relu")  # 4x4
    feats = [fmap1, fmap2]

    loc = [_ssd_head(g, f, 4, f"box_head/fmap{i}") for i, f in enumerate(feats, 1)]
    cls = [_ssd_head(g, f, _CLASSES, f"class_head/fmap{i}") for i, f in enumerate(feats, 1)]
    deltas = ops.concat(loc, 1, name=g.n("box_head/concat"))
    logits = ops.concat(cls, 1, name=g.n("class_head/concat"))

    # Simplified SSD decoding: boxes = priors + variance * deltas.
    priors = _anchors([8, 4], [0.2, 0.5])
    variance = g.const(0.1, "decode/variance")
    boxes = ops.multiply(deltas, variance, name=g.n("decode/scale"))
    boxes = ops.add(boxes, g.const(priors, "decode/priors"), name=g.n("decode/boxes"))

    scores = ops.sigmoid(logits, name=g.n("class_head/sigmoid"))
    order = g.const([0, 2, 1], "nms/scores/order", dtype=np.int64)
    nms_scores = ops.transpose(scores, order, name=g.n("nms/scores"))  # [1, C, boxes]
    nms = ops.non_max_suppression(
        boxes,
        nms_scores,
        g.const(10, "nms/max_boxes_per_class", dtype=np.int64),
        g.const(0.5, "nms/iou_threshold"),
        g.const(0.3, "nms/score_threshold"),
        g.const(0.0, "nms/soft_nms_sigma"),  # else an unnamed default Const
        box_encoding="corner",
        sort_result_descending=True,
        output_type="i64",
        name=g.n("nms"),
    )

    axes = g.const([2], "topk/best_class/axes", dtype=np.int64)
    best = ops.reduce_max(scores, axes, keep_dims=False, name=g.n("topk/best_class"))
    topk = ops.topk(
        best,
        g.const(20, "topk/k", dtype=np.int64),
        1,
        "max",
        "value",
        index_element_type="i64",
        name=g.n("topk"),
    )
    # Squeeze + plain Gather rather than Gather(batch_dims=1): the latter with
    # batch 1 segfaults at inference on the 2026.4 CPU plugin.
    idx = ops.squeeze(
        topk.output(1), g.const([0], "topk/indices/axes", dtype=np.int64), name=g.n("topk/indices")
    )
    top_boxes = ops.gather(boxes, idx, g.const(1, "topk/boxes/axis", np.int64), name=g.n("topk/boxes"))

    results = [
        g.result(nms.output(0), "selected_indices"),
        g.result(nms.output(1), "selected_scores"),
        g.result(nms.output(2), "valid_outputs"),
        g.result(topk.output(0), "topk_scores"),
        g.result(top_boxes, "topk_boxes"),
    ]
    return _check_all_named(ov.Model(results, [image], "detector"))


# --------------------------------------------------------------------------
# control_flow
# --------------------------------------------------------------------------

_STEPS, _FEAT, _STATE = 5, 8, 16


def _rnn(g, seq):
    """TensorIterator running a tanh RNN cell along axis 1 of `seq`."""
    p = "rnn/body"
    x_t = g.param([1, 1, _FEAT], np.float32, f"{p}/x_t")
    h_prev = g.param([1, _STATE], np.float32, f"{p}/h_prev")
    x = ops.squeeze(x_t, g.const([1], f"{p}/squeeze/axes", dtype=np.int64), name=g.n(f"{p}/squeeze"))
    xw = ops.matmul(x, g.weights([_FEAT, _STATE], f"{p}/W"), False, False, name=g.n(f"{p}/input_matmul"))
    hr = ops.matmul(
        h_prev, g.weights([_STATE, _STATE], f"{p}/R", scale=0.25), False, False, name=g.n(f"{p}/state_matmul")
    )
    h = ops.add(xw, hr, name=g.n(f"{p}/sum"))
    h = ops.add(h, g.weights([1, _STATE], f"{p}/B", 0.05), name=g.n(f"{p}/bias"))
    h = ops.tanh(h, name=g.n(f"{p}/tanh"))
    h_seq = ops.unsqueeze(h, g.const([1], f"{p}/unsqueeze/axes", dtype=np.int64))
    h_seq.set_friendly_name(g.n(f"{p}/unsqueeze"))  # opset1.unsqueeze ignores name=
    r_h = ops.result(h, name=g.n(f"{p}/h_next"))
    r_seq = ops.result(h_seq, name=g.n(f"{p}/h_seq"))
    body = ov.Model([r_h, r_seq], [x_t, h_prev], "rnn_body")

    ti = ops.tensor_iterator()
    ti.set_friendly_name(g.n("rnn"))
    ti.set_body(body)
    ti.set_sliced_input(x_t, seq.output(0), 0, 1, 1, -1, 1)
    h0 = g.const(np.zeros([1, _STATE]), "rnn/h0")
    ti.set_merged_input(h_prev, h0.output(0), r_h.output(0))  # back edge
    last = ti.get_iter_value(r_h.output(0), -1)
    all_h = ti.get_concatenated_slices(r_seq.output(0), 0, 1, 1, -1, 1)
    ti.validate_and_infer_types()
    return last, all_h


def _refine_loop(g, state):
    """Loop: acc <- 0.9 * acc + 0.1 * iteration, 3 iterations."""
    p = "refine/body"
    it = g.param([], np.int64, f"{p}/iteration")
    acc = g.param([1, _STATE], np.float32, f"{p}/acc")
    it_f = ops.convert(it, "f32", name=g.n(f"{p}/iteration_f32"))
    step = ops.multiply(it_f, g.const(0.1, f"{p}/step_size"), name=g.n(f"{p}/step"))
    decayed = ops.multiply(acc, g.const(0.9, f"{p}/decay"), name=g.n(f"{p}/decayed"))
    new_acc = ops.add(decayed, step, name=g.n(f"{p}/update"))
    cond = ops.less(it, g.const(100, f"{p}/max_iterations", dtype=np.int64), name=g.n(f"{p}/continue"))
    r_cond = ops.result(cond, name=g.n(f"{p}/continue/sink"))
    r_acc = ops.result(new_acc, name=g.n(f"{p}/acc_next"))
    body = ov.Model([r_cond, r_acc], [it, acc], "refine_body")

    trip = g.const(3, "refine/trip_count", dtype=np.int64)
    exec_cond = g.const(True, "refine/execution_condition", dtype=bool)
    loop = ops.loop(trip.output(0), exec_cond.output(0))
    loop.set_friendly_name(g.n("refine"))
    loop.set_function(body)
    # [current_iteration Parameter index, condition Result index] in the body.
    loop.set_special_body_ports([0, 0])
    loop.set_merged_input(acc, state, r_acc.output(0))
    out = loop.get_iter_value(r_acc.output(0), -1)
    loop.validate_and_infer_types()
    return out


def _gate(g, x):
    """If: ReLU branch when the mean activation is positive, else sigmoid."""
    axes = g.const([0, 1], "gate/mean/axes", dtype=np.int64)
    mean = ops.reduce_mean(x, axes, keep_dims=False, name=g.n("gate/mean"))
    cond = ops.greater(mean, g.const(0.0, "gate/threshold"), name=g.n("gate/condition"))

    then_x = g.param([1, _STATE], np.float32, "gate/then/x")
    then_y = ops.relu(then_x, name=g.n("gate/then/relu"))
    then_r = ops.result(then_y, name=g.n("gate/then/out"))
    else_x = g.param([1, _STATE], np.float32, "gate/else/x")
    else_y = ops.sigmoid(else_x, name=g.n("gate/else/sigmoid"))
    else_r = ops.result(else_y, name=g.n("gate/else/out"))

    # Pass the Output: the If(Node) constructor overload drops the condition.
    if_op = ops.if_op(cond.output(0))
    if_op.set_friendly_name(g.n("gate"))
    if_op.set_then_body(ov.Model([then_r], [then_x], "gate_then"))
    if_op.set_else_body(ov.Model([else_r], [else_x], "gate_else"))
    if_op.set_input(x, then_x, else_x)
    out = if_op.set_output(then_r, else_r)
    if_op.validate_and_infer_types()
    return out


def _build_control_flow() -> ov.Model:
    g = _Graph(seed=4004)
    seq = g.param([1, _STEPS, _FEAT], np.float32, "sequence")
    last, all_h = _rnn(g, seq)
    refined = _refine_loop(g, last)
    gated = _gate(g, refined)
    results = [g.result(all_h, "hidden_states"), g.result(gated, "gated_state")]
    return _check_all_named(ov.Model(results, [seq], "control_flow"))


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------

SAMPLES: Mapping[str, Sample] = types.MappingProxyType(
    {
        s.name: s
        for s in (
            Sample(
                "mobilenet",
                "MobileNetV3-style CNN: inverted residuals, squeeze-excite, HSwish/Swish/ReLU, 1x3x64x64 f32",
                _build_mobilenet,
            ),
            Sample(
                "transformer",
                "2-layer transformer encoder, hidden 32, 4 heads, shared Consts, input_ids 1x16 i64",
                _build_transformer,
            ),
            Sample(
                "detector",
                "SSD-style detector: conv backbone, box/class heads, "
                "NonMaxSuppression and TopK, 1x3x64x64 f32",
                _build_detector,
            ),
            Sample(
                "control_flow",
                "TensorIterator RNN, Loop and If with sub-graph bodies, sequence 1x5x8 f32",
                _build_control_flow,
            ),
        )
    }
)
"""Known samples by name, in a fixed order."""


def build_encoder_stack(layers: int) -> ov.Model:
    """A transformer-encoder-like model of at least ``layers`` layers, for sizes no example reaches.

    Blocks of 32 layers (Constants included: layer norm, attention, feed-forward) are stacked until there
    are ``layers``; the weights come from a fixed seed, the nodes keep OpenVINO's automatic names. The
    parse benchmark and the tests of large layouts use it.

    Examples
    --------
    >>> model = build_encoder_stack(64)
    >>> len(model.get_ordered_ops()) >= 64, model.get_friendly_name()
    (True, 'encoder_stack')
    """
    rng = np.random.default_rng(0)
    hidden, heads, seq = 32, 4, 16
    x = ops.parameter([1, seq, hidden], np.float32, name="tokens")
    h = x

    def w(*shape):
        return ops.constant(rng.standard_normal(shape).astype(np.float32) * 0.1)

    split = ops.constant(np.array([1, seq, heads, hidden // heads], np.int64))
    merge = ops.constant(np.array([1, seq, hidden], np.int64))
    perm = ops.constant(np.array([0, 2, 1, 3], np.int64))
    axes = ops.constant(np.array([-1], np.int64))
    for _ in range(0, layers, 32):  # 32 layers per block, Constants included
        n = ops.mvn(h, axes, True, 1e-5, "inside_sqrt")
        q, k, v = (
            ops.transpose(ops.reshape(ops.matmul(n, w(hidden, hidden), False, False), split, False), perm)
            for _ in range(3)
        )
        s = ops.softmax(ops.multiply(ops.matmul(q, k, False, True), ops.constant(np.float32(0.35))), -1)
        a = ops.reshape(ops.transpose(ops.matmul(s, v, False, False), perm), merge, False)
        h = ops.add(h, ops.matmul(a, w(hidden, hidden), False, False))
        up = ops.matmul(ops.mvn(h, axes, True, 1e-5, "inside_sqrt"), w(hidden, 64), False, False)
        f = ops.gelu(ops.add(up, w(64)), "erf")
        h = ops.add(h, ops.matmul(f, w(64, hidden), False, False))
    return ov.Model([ops.result(h)], [x], "encoder_stack")


def build_resnext_stack(layers: int) -> ov.Model:
    """A ResNeXt-like CNN of at least ``layers`` layers: the convolutional twin of the encoder stack.

    Bottleneck blocks of 16 layers (Constants included: 1x1 convolution, bias and ReLU; grouped 3x3
    convolution of cardinality 8, bias and ReLU; 1x1 convolution, bias, residual Add and ReLU) on a 32-channel
    14x14 map are stacked until there are ``layers``; weights come from a fixed seed, nodes keep OpenVINO's
    automatic names. The scale benchmark uses it.

    Examples
    --------
    >>> model = build_resnext_stack(64)
    >>> len(model.get_ordered_ops()) >= 64, model.get_friendly_name()
    (True, 'resnext_stack')
    """
    rng = np.random.default_rng(0)
    channels, groups, size = 32, 8, 14
    x = ops.parameter([1, channels, size, size], np.float32, name="image")
    h = x

    def w(*shape):
        fan_in = int(np.prod(shape[1:]))
        return ops.constant((rng.standard_normal(shape) * np.sqrt(1.0 / fan_in)).astype(np.float32))

    def bias(y):
        return ops.add(y, ops.constant(np.zeros((1, channels, 1, 1), np.float32)))

    one, same = [1, 1], [0, 0]
    for _ in range(0, layers, 16):  # 16 layers per block, Constants included
        y = ops.relu(bias(ops.convolution(h, w(channels, channels, 1, 1), one, same, same, one)))
        per_group = channels // groups
        grouped = w(groups, per_group, per_group, 3, 3)
        y = ops.relu(bias(ops.group_convolution(y, grouped, one, one, one, one)))
        y = bias(ops.convolution(y, w(channels, channels, 1, 1), one, same, same, one))
        h = ops.relu(ops.add(h, y))
    return ov.Model([ops.result(h)], [x], "resnext_stack")


def build_sample(name: str) -> ov.Model:
    """Build a fresh copy of the sample model `name`.

    Parameters
    ----------
    name : str
        One of the keys of `SAMPLES`.

    Returns
    -------
    ov.Model
        A new model; repeated calls give identical graphs and weights.

    Raises
    ------
    ValueError
        If `name` is not a known sample.
    """
    if name not in SAMPLES:
        raise ValueError(f"unknown sample {name!r}; valid names: {', '.join(SAMPLES)}")
    return SAMPLES[name].build()


def save_samples(out_dir: str | os.PathLike, names: Iterable[str] | None = None) -> dict[str, Path]:
    """Write sample models as OpenVINO IR files ``<out_dir>/<name>.xml/.bin``.

    All files are first written to a temporary directory next to `out_dir`
    and only moved into place once every model has been saved, so a failure
    leaves no half-written IR behind.  Output is byte-identical across calls.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Destination directory; created if missing.
    names : str or iterable of str, optional
        Samples to write, in order; all of `SAMPLES` by default.

    Returns
    -------
    dict of str to pathlib.Path
        Sample name to the path of its ``.xml`` file.

    Raises
    ------
    ValueError
        If a name is not a known sample (checked before anything is written).

    Examples
    --------
    >>> paths = save_samples(tmp, ["mobilenet"])
    >>> sorted(p.name for p in tmp.iterdir())
    ['mobilenet.bin', 'mobilenet.xml']
    """
    if names is None:
        names = list(SAMPLES)
    elif isinstance(names, str):
        names = [names]
    names = list(dict.fromkeys(names))  # drop duplicates, keep order
    for name in names:
        if name not in SAMPLES:
            raise ValueError(f"unknown sample {name!r}; valid names: {', '.join(SAMPLES)}")
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)

    # Same parent => same file system, so os.replace below is an atomic rename.
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=f".{out_dir.name}.") as tmp:
        for name in names:
            ov.save_model(build_sample(name), Path(tmp, f"{name}.xml"), compress_to_fp16=False)
        paths = {}
        for name in names:
            # .bin first, so a present .xml always has its weights beside it.
            for suffix in (".bin", ".xml"):
                src = Path(tmp, name + suffix)
                if src.exists():
                    os.replace(src, out_dir / src.name)
            paths[name] = out_dir / f"{name}.xml"
    return paths
