"""The parse agrees with OpenVINO's reader on every model the tests use.

For each model: the layer count equals ``len(model.get_ordered_ops())``, the histogram of op types equals
OpenVINO's (IR type names mapped: Const->Constant, PReLU->PRelu, ReLU->Relu, SoftMax->Softmax), the edge count
equals the number of op inputs, and op by op (joined by friendly name) the type, opset, ports, precisions and
shapes match, bodies included, recursively.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openvino as ov
import pytest
from openvino import passes
from openvino.frontend import FrontEndManager

from hetero_tool.ir import IRModel, load_ir, parse_ir
from hetero_tool.ir.types import IR_TYPE_TO_OP_TYPE
from hetero_tool.samples import SAMPLES, build_sample
from tests.foreign_models import FIXTURES


def _bodies(op) -> list[ov.Model]:
    if op.get_type_name() == "If":
        return [op.get_then_body(), op.get_else_body()]
    if op.get_type_name() in ("TensorIterator", "Loop"):
        return [op.get_function()]
    return []


def _shape(partial: ov.PartialShape):
    if partial.rank.is_dynamic:
        return None
    return tuple(d.get_length() if d.is_static else "?" for d in partial)


def _ir_shape(shape):
    # OpenVINO's port shapes write intervals as "?" too; compare static-or-not per dimension.
    return None if shape is None else tuple(d if isinstance(d, int) else "?" for d in shape)


def assert_agrees(ir: IRModel, model: ov.Model) -> None:
    ops = model.get_ordered_ops()
    assert len(ir.layers) == len(ops), "layer count"
    assert Counter(layer.type for layer in ir.layers.values()) == Counter(op.get_type_name() for op in ops)
    assert len(ir.edges) == sum(len(op.inputs()) for op in ops), "edge count"
    assert [p.name for p in ir.parameters] == [p.get_friendly_name() for p in model.get_parameters()]
    assert [r.name for r in ir.results] == [r.get_friendly_name() for r in model.get_results()]
    layers = {}
    for layer in ir.layers.values():
        layers.setdefault(layer.name, []).append(layer)
    for op in ops:
        (layer,) = layers[op.get_friendly_name()]  # every model used here has unique names
        where = f"{ir.name}: {layer.label}"
        assert layer.type == op.get_type_name(), where
        assert layer.version == op.get_type_info().version_id, where
        assert len(layer.inputs) == len(op.inputs()), where
        # A Result has one (pass-through) output in OpenVINO and none in the IR.
        assert len(layer.outputs) == len(op.outputs()) - (layer.type == "Result"), where
        for index, port in enumerate(layer.outputs):
            output = op.output(index)
            assert port.element_type == output.get_element_type().get_type_name(), where
            if layer.type != "Parameter":  # Parameters keep intervals; ports write them as -1
                assert _ir_shape(port.shape) == _shape(output.get_partial_shape()) or port.shape == (), where
        for index, port_id in enumerate(layer.inputs):
            src, src_port = ir.producer(layer.id, port_id)
            source = op.input(index).get_source_output()
            assert ir.layers[src].name == source.get_node().get_friendly_name(), where
            assert ir.layers[src].output_index(src_port) == source.get_index(), where
        bodies = _bodies(op)
        assert len(layer.bodies) == len(bodies), where
        for body, ov_body in zip(layer.bodies, bodies):
            assert_agrees(body.model, ov_body)


def _read_ir_frontend(xml: Path) -> ov.Model:
    """The IR exactly as written: OpenVINO's IR frontend, without read_model's legacy v10 I/O conversions."""
    frontend = FrontEndManager().load_by_framework("ir")
    return frontend.convert(frontend.load(str(xml)))


@pytest.mark.parametrize("name", list(SAMPLES))
def test_examples_agree_with_read_model(sample_paths, name):
    xml = sample_paths[name]
    assert_agrees(parse_ir(xml), ov.Core().read_model(xml))


@pytest.mark.parametrize("name", list(SAMPLES))
def test_ir_v10_examples_agree(tmp_path, name):
    xml = tmp_path / f"{name}.xml"
    manager = passes.Manager()
    manager.register_pass(passes.Serialize(str(xml), str(xml.with_suffix(".bin")), passes.Version.IR_V10))
    manager.run_passes(build_sample(name))
    ir = parse_ir(xml)
    assert ir.version == 10
    assert_agrees(ir, _read_ir_frontend(xml))
    # read_model adds the legacy API's precision conversions to a v10 model (update_v10_model): a Convert
    # after each f16 input and before each output that is neither f32 nor i32. Nothing else differs.
    legacy = ov.Core().read_model(xml)
    extra = Counter(op.get_type_name() for op in legacy.get_ordered_ops()) - Counter(
        layer.type for layer in ir.layers.values()
    )
    expected = sum(ir.input_port(r.id, r.inputs[0]).element_type not in ("f32", "i32") for r in ir.results)
    expected += sum(p.outputs[0].element_type == "f16" for p in ir.parameters)
    assert dict(extra) == ({"Convert": expected} if expected else {})


@pytest.mark.parametrize("fmt", sorted(FIXTURES))
def test_converted_models_agree(tmp_path, fmt):
    fixture = FIXTURES[fmt]
    source = fixture.write(tmp_path / fixture.filename)
    ir = load_ir(source)
    assert_agrees(ir, ov.Core().read_model(ir.path))
    assert ir.path != source and ir.path.suffix == ".xml"


def test_unreachable_layers_are_dropped_like_openvino_does(write_ir):
    from tests.conftest import TINY_EDGES, TINY_LAYERS, tiny_ir_text

    dead = """<layer id="9" name="dead" type="ReLU" version="opset1">
  <input><port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port></input>
  <output><port id="1" precision="FP32"><dim>1</dim><dim>4</dim></port></output></layer>
<layer id="8" name="spare_input" type="Parameter" version="opset1"><data shape="2" element_type="f32"/>
  <output><port id="0" precision="FP32"><dim>2</dim></port></output></layer>
"""
    edges = TINY_EDGES + '<edge from-layer="2" from-port="2" to-layer="9" to-port="0"/>\n'
    xml = write_ir(tiny_ir_text(TINY_LAYERS + dead, edges))
    ir = parse_ir(xml)
    assert [layer.name for layer in ir.unreachable] == ["dead"]
    assert "spare_input" in {layer.name for layer in ir.layers.values()}  # Parameters always stay
    assert_agrees(ir, ov.Core().read_model(xml))


def test_ids_out_of_topological_order_parse_like_openvino(write_ir):
    """Edges that run from a higher id to a lower one miss the parser's fast path, not its result."""
    from tests.conftest import TINY_EDGES, TINY_LAYERS, tiny_ir_text

    # Swap the ids of 'bias' (1) and 'relu' (3): bias -> add and relu -> out now run backwards in id order.
    swap = {
        '<layer id="1" name="bias"': '<layer id="3" name="bias"',
        '<layer id="3" name="relu"': '<layer id="1" name="relu"',
    }
    layers = TINY_LAYERS
    for old, new in swap.items():
        layers = layers.replace(old, new)
    edges = (
        TINY_EDGES.replace('from-layer="1"', 'from-layer="@"')
        .replace('from-layer="3"', 'from-layer="1"')
        .replace('from-layer="@"', 'from-layer="3"')
        .replace('to-layer="3"', 'to-layer="1"')
    )
    ir = parse_ir(write_ir(tiny_ir_text(layers, edges)))
    assert not ir.unreachable and len(ir.layers) == 5
    assert ir.producer(1, 0) == (2, 2) and ir.producer(2, 1) == (3, 0)
    assert_agrees(ir, ov.Core().read_model(ir.path))


def test_type_name_mapping_is_what_openvino_serializes(tmp_path):
    """Every IR type name that differs from the op type name is in the mapping, and nothing else is."""
    import numpy as np
    import openvino.opset13 as ops

    x = ops.parameter([1, 4], np.float32, name="x")
    y = ops.softmax(ops.prelu(ops.relu(x), ops.constant(np.float32([0.1]))), 1)
    ov.save_model(ov.Model([ops.result(y)], [x], "m"), tmp_path / "m.xml")
    written = {layer.ir_type: layer.type for layer in parse_ir(tmp_path / "m.xml").layers.values()}
    differing = {ir_type: op_type for ir_type, op_type in written.items() if ir_type != op_type}
    assert differing == dict(IR_TYPE_TO_OP_TYPE)
