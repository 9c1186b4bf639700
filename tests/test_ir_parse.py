"""The parser reads what the IR says: layers, ports, shapes, names, bodies; and the graph carries it."""

from __future__ import annotations

import networkx as nx
import pytest

from hetero_tool.ir import graph_from_ir, parse_ir, summary_from_ir
from tests.conftest import TINY_EDGES, TINY_LAYERS, tiny_ir_text


def test_tiny_ir_layers_ports_and_edges(write_ir):
    ir = parse_ir(write_ir())
    assert ir.name == "tiny" and ir.version == 11
    assert [(layer.id, layer.name, layer.type) for layer in ir.layers.values()] == [
        (0, "x", "Parameter"),
        (1, "bias", "Constant"),
        (2, "add", "Add"),
        (3, "relu", "Relu"),
        (4, "out", "Result"),
    ]
    assert ir.layers[3].ir_type == "ReLU"
    assert ir.layers[1].weight_bytes == 16 and ir.layers[2].weight_bytes == 0
    assert ir.layers[3].outputs[0].names == ("y",)
    assert ir.layers[2].input_index(1) == 1 and ir.layers[2].output_index(2) == 0
    assert len(ir.edges) == 4 and ir.producer(2, 1) == (1, 0)
    assert ir.weights_bytes == 16


def test_graph_nodes_and_edges_carry_the_ir(write_ir):
    ir = parse_ir(write_ir())
    graph = graph_from_ir(ir)
    assert isinstance(graph, nx.MultiDiGraph)
    assert list(graph.nodes) == [0, 1, 2, 3, 4]
    node = graph.nodes[2]
    assert (node["name"], node["type"], node["version"]) == ("add", "Add", "opset1")
    assert node["outputs"][0].shape == (1, 4) and node["outputs"][0].nbytes == 16
    assert graph.nodes[1]["weight_bytes"] == 16 and graph.nodes[1]["data"]["offset"] == "0"
    edge = graph.edges[1, 2, 1]  # key: the consumer's input port
    assert (edge["src_port"], edge["dst_port"], edge["bytes"], edge["precision"]) == (0, 1, 16, "FP32")
    assert nx.is_directed_acyclic_graph(graph)


def test_one_producer_feeding_two_ports_of_one_consumer_gives_two_edges(write_ir):
    edges = TINY_EDGES.replace(
        'from-layer="1" from-port="0" to-layer="2"', 'from-layer="0" from-port="0" to-layer="2"'
    )
    ir = parse_ir(write_ir(tiny_ir_text(TINY_LAYERS, edges)))
    graph = graph_from_ir(ir)
    assert graph.number_of_edges(0, 2) == 2
    assert [layer.name for layer in ir.unreachable] == ["bias"]  # nothing consumes the Const any more


def test_dynamic_dimensions_are_kept(write_ir):
    layers = TINY_LAYERS.replace('<data shape="1,4"', '<data shape="?,1..8"').replace(
        '<port id="0" precision="FP32" names="x"><dim>1</dim><dim>4</dim>',
        '<port id="0" precision="FP32" names="x"><dim>-1</dim><dim>-1</dim>',
    )
    ir = parse_ir(write_ir(tiny_ir_text(layers)))
    port = ir.layers[0].outputs[0]
    assert port.shape == ("?", "1..8") and not port.is_static and port.nbytes is None
    assert summary_from_ir(ir).dynamic is True


def test_dynamic_rank_and_scalars(write_ir):
    layers = TINY_LAYERS.replace('<data shape="1,4"', '<data shape="..."')
    ir = parse_ir(write_ir(tiny_ir_text(layers)))
    assert ir.layers[0].outputs[0].shape is None


def test_tensor_names_with_escaped_commas(write_ir):
    layers = TINY_LAYERS.replace('names="y"', r'names="a\,b,c"')
    ir = parse_ir(write_ir(tiny_ir_text(layers)))
    assert ir.layers[3].outputs[0].names == ("a,b", "c")


def test_ir_v10_parses_the_same(write_ir):
    v11 = parse_ir(write_ir(name="a"))
    v10 = parse_ir(write_ir(tiny_ir_text(version=10), name="b"))
    assert v10.version == 10
    assert [layer.type for layer in v10.layers.values()] == [layer.type for layer in v11.layers.values()]


def test_model_without_constants_needs_no_bin(write_ir):
    layers = TINY_LAYERS.replace(
        'type="Const" version="opset1">\n  <data element_type="f32" shape="1,4" offset="0" size="16"/>',
        'type="Parameter" version="opset1">\n  <data element_type="f32" shape="1,4"/>',
    )
    ir = parse_ir(write_ir(tiny_ir_text(layers), bin_bytes=None))
    assert len(ir.parameters) == 2 and ir.weights_path is None


def test_comments_and_processing_instructions_are_ignored(write_ir):
    layers = "<!-- a comment -->\n<?pi something?>\n" + TINY_LAYERS
    assert len(parse_ir(write_ir(tiny_ir_text(layers))).layers) == 5


def test_rt_info_is_skipped_wherever_it_is(write_ir):
    """rt_info subtrees, in a port or a layer, with <dim>s and nesting of their own, change nothing."""
    rt_info = (
        '<rt_info><attribute name="layout" value="[N,C]"><dim>7</dim><x><dim>8</dim></x></attribute>'
        "</rt_info>"
    )
    layers = TINY_LAYERS.replace(
        'names="y"><dim>1</dim><dim>4</dim>', f'names="y"><dim>1</dim><dim>4</dim>{rt_info}'
    )
    layers = layers.replace(
        '<layer id="2" name="add" type="Add" version="opset1">',
        f'<layer id="2" name="add" type="Add" version="opset1">{rt_info}',
    )
    assert rt_info in layers and layers.count(rt_info) == 2
    plain = parse_ir(write_ir(tiny_ir_text(), name="plain"))
    ir = parse_ir(write_ir(tiny_ir_text(layers)))
    assert ir.layers == plain.layers and ir.edges == plain.edges


def test_bodies_stay_attached_to_their_layer(sample_paths):
    ir = parse_ir(sample_paths["control_flow"])
    by_type = {layer.type: layer for layer in ir.layers.values() if layer.bodies}
    assert set(by_type) == {"TensorIterator", "Loop", "If"}
    assert [body.name for body in by_type["If"].bodies] == ["then_body", "else_body"]
    ti_body = by_type["TensorIterator"].bodies[0]
    assert ti_body.name == "body" and ti_body.back_edges and ti_body.port_map
    assert {m.kind for m in ti_body.port_map} == {"input", "output"}
    assert any("axis" in m.attrs for m in ti_body.port_map)  # the sliced sequence input
    loop_body = by_type["Loop"].bodies[0]
    assert any(m.attrs.get("purpose") == "current_iteration" for m in loop_body.port_map)
    # Bodies are graphs of their own, not flattened into the top level.
    body_ids = {layer.id for layer in ti_body.model.layers.values()}
    assert len(ti_body.model.layers) > 3 and nx.is_directed_acyclic_graph(graph_from_ir(ti_body.model))
    assert graph_from_ir(ir).nodes[by_type["Loop"].id]["bodies"][0].model is loop_body.model
    assert body_ids  # ids restart inside a body
    summary = summary_from_ir(ir)
    assert summary.body_layers == sum(
        len(body.model.layers) for layer in ir.layers.values() for body in layer.bodies
    )


@pytest.mark.parametrize("shape, expected", [((2, 3), 24), ((), 4), (("?", 3), None)])
def test_edge_bytes_follow_the_producer_port(write_ir, shape, expected):
    from hetero_tool.ir.types import Port

    assert Port(0, "FP32", shape).nbytes == expected
