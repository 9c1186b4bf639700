"""The Model Explorer export: valid against Model Explorer's schema, faithful to the IR and the plan, stable.

Three levels of checking:

1. **Schema.** :data:`GRAPH_SCHEMA` and :data:`NODE_DATA_SCHEMA` are Model Explorer's JSON formats written
   as JSON Schema (a subset: ``type``, ``properties``, ``required``, ``additionalProperties``, ``items``,
   ``enum``, ``anyOf``, ``minimum``/``maximum``, ``minLength``, ``minItems``, ``minProperties``, ``$ref``),
   field for field from ``graph_builder.py`` and ``node_data_builder.py`` of ``google-ai-edge/model-explorer``
   (``src/server/package/src/model_explorer/``, as released in ai-edge-model-explorer 0.1.34) and the UI's
   reader of node data (``src/ui/.../node_data_provider_extension_service.ts``, ``getNodeDataProviderData``).
   Unknown keys are errors: Model Explorer's types have no
   place for them. :func:`schema_errors` checks that subset in a few lines, so no ``jsonschema`` is needed.
2. **Semantics.** Every IR layer is a node, every IR edge an incoming edge, namespaces are the plan's
   subgraphs, overlay values are the plan's devices, subgraphs and reasons; two exports are byte-identical.
3. **Model Explorer itself**, when ``ai-edge-model-explorer`` is installed: its config builder takes the
   files, and the graph and overlays load into its own dataclasses (strictly: no unknown key, every type
   right) and serialise back as its server serialises an adapter's graphs.

Plans come from three patterns on every example model: fallback on an emulated NPU, rules (several
subgraphs on every model), and an affinity map alternating devices along the execution order (many subgraphs,
cycle breaking).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from hetero_tool.display.palette import device_style
from hetero_tool.errors import InputError, PlanError
from hetero_tool.ir import parse_ir
from hetero_tool.ir.order import ordered_layer_ids
from hetero_tool.ir.types import IRModel, walk_layers
from hetero_tool.loaders import plan_from_files
from hetero_tool.plan import Plan, load_plan
from hetero_tool.report.model_explorer import (
    OVERLAYS,
    me_graph_from_plan,
    me_node_data_from_plan,
    write_model_explorer,
)
from hetero_tool.samples import SAMPLES

# -- Model Explorer's formats as JSON Schema -----------------------------------------------------------------

_STRING = {"type": "string"}
_STRINGS = {"type": "array", "items": _STRING}


def _record(required: list[str], **properties: Any) -> dict[str, Any]:
    """An object with exactly these properties (Model Explorer's dataclasses take no others)."""
    return {"type": "object", "required": required, "properties": properties, "additionalProperties": False}


GRAPH_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Model Explorer GraphCollection (graph_builder.py)",
    "$defs": {
        # KeyValue.value: NodeAttributeValue = str | NodeIdsNodeAttributeValue
        "KeyValue": _record(
            ["key", "value"],
            key=_STRING,
            value={
                "anyOf": [
                    _STRING,
                    _record(["type", "nodeIds"], type={"enum": ["node_ids"]}, nodeIds=_STRINGS),
                ]
            },
        ),
        "MetadataItem": _record(
            ["id"], id=_STRING, attrs={"type": "array", "items": {"$ref": "#/$defs/KeyValue"}}
        ),
        "IncomingEdge": _record(
            ["sourceNodeId"], sourceNodeId=_STRING, sourceNodeOutputId=_STRING, targetNodeInputId=_STRING
        ),
        "GraphNode": _record(
            ["id", "label"],
            id={"type": "string", "minLength": 1},
            label=_STRING,
            namespace=_STRING,
            subgraphIds=_STRINGS,
            attrs={"type": "array", "items": {"$ref": "#/$defs/KeyValue"}},
            incomingEdges={"type": "array", "items": {"$ref": "#/$defs/IncomingEdge"}},
            outputsMetadata={"type": "array", "items": {"$ref": "#/$defs/MetadataItem"}},
            inputsMetadata={"type": "array", "items": {"$ref": "#/$defs/MetadataItem"}},
            style=_record([], backgroundColor=_STRING, borderColor=_STRING, hoveredBorderColor=_STRING),
            config=_record([], pinToGroupTop={"type": "boolean"}),
        ),
        "GroupNodeConfig": _record(
            ["namespaceRegex"],
            namespaceRegex=_STRING,
            layoutDirection={"enum": [0, 1]},
            backgroundColor=_STRING,
            borderColor=_STRING,
            textColor=_STRING,
        ),
        "Graph": _record(
            ["id", "nodes"],
            id={"type": "string", "minLength": 1},
            nodes={"type": "array", "items": {"$ref": "#/$defs/GraphNode"}},
            # GroupNodeAttributes = dict[str, dict[str, str]]; "" holds the graph's own attributes
            groupNodeAttributes={
                "type": "object",
                "additionalProperties": {"type": "object", "additionalProperties": _STRING},
            },
            groupNodeConfigs={"type": "array", "items": {"$ref": "#/$defs/GroupNodeConfig"}},
            nodeLabelsToHide=_STRINGS,
            tasksData={"type": "object"},
            layoutConfigs=_record(
                [],
                nodeSep={"type": "integer"},
                rankSep={"type": "integer"},
                edgeSep={"type": "integer"},
                keepLayersWithASingleChild={"type": "boolean"},
            ),
        ),
    },
    **_record(
        ["label", "graphs"],
        label=_STRING,
        graphs={"type": "array", "items": {"$ref": "#/$defs/Graph"}, "minItems": 1},
        graphSorting={"enum": ["node_count_asc", "node_count_desc", "name_asc", "name_desc"]},
    ),
}

_COLOR_STOP = {"type": "number", "minimum": 0, "maximum": 1}
NODE_DATA_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Model Explorer node data, multi-graph form (node_data_builder.ModelNodeData)",
    "$defs": {
        # NodeDataResult.value is annotated Num, but the UI shows strings and booleans too (its own colab
        # example_colabs/custom_data_overlay_demo.ipynb writes an op_type overlay of strings)
        "NodeDataResult": _record(
            ["value"], value={"type": ["number", "string", "boolean"]}, bgColor=_STRING, textColor=_STRING
        ),
        "GraphNodeData": _record(
            ["results"],
            results={"type": "object", "additionalProperties": {"$ref": "#/$defs/NodeDataResult"}},
            name=_STRING,
            thresholds={
                "type": "array",
                "items": _record(
                    ["value", "bgColor"], value={"type": "number"}, bgColor=_STRING, textColor=_STRING
                ),
            },
            gradient={
                "type": "array",
                "items": _record(["stop"], stop=_COLOR_STOP, bgColor=_STRING, textColor=_STRING),
            },
            hideInAggregatedStatsTable={"type": "boolean"},
            hideInChildrenStatsTable={"type": "boolean"},
            hideAggregatedStats={"type": "array", "items": {"enum": ["min", "max", "sum", "avg"]}},
            showExpandedSummaryOnGroupNode={"type": "boolean"},
            showLabelCountColumnsInChildrenStatsTable={"type": "boolean"},
        ),
    },
    "type": "object",
    "minProperties": 1,
    "additionalProperties": {"$ref": "#/$defs/GraphNodeData"},
}

_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "integer": int,
    "number": (int, float),
    "null": type(None),
}


def schema_errors(
    value: Any, schema: dict[str, Any], root: dict[str, Any] | None = None, at: str = "$"
) -> list[str]:
    """Where ``value`` breaks ``schema`` (the JSON Schema subset of the module docstring); [] if valid."""
    root = root or schema
    if "$ref" in schema:
        return schema_errors(value, root["$defs"][schema["$ref"].rpartition("/")[2]], root, at)
    if "anyOf" in schema:
        options = [schema_errors(value, option, root, at) for option in schema["anyOf"]]
        return [] if any(not errors for errors in options) else [f"{at}: matches no option ({options[0][0]})"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{at}: {value!r} is not one of {schema['enum']}"]
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        wanted = tuple(
            t
            for kind in kinds
            for t in (_TYPES[kind] if isinstance(_TYPES[kind], tuple) else (_TYPES[kind],))
        )
        if not isinstance(value, wanted) or (isinstance(value, bool) and "boolean" not in kinds):
            return [f"{at}: {type(value).__name__} where {'/'.join(kinds)} was expected"]
    errors = []
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        errors.append(f"{at}: shorter than {schema['minLength']}")
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and not schema.get("minimum", -math.inf) <= value <= schema.get("maximum", math.inf):
        errors.append(f"{at}: {value} out of range")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{at}: fewer than {schema['minItems']} items")
        for k, item in enumerate(value):
            errors += schema_errors(item, schema.get("items", {}), root, f"{at}[{k}]")
    if isinstance(value, dict):
        if len(value) < schema.get("minProperties", 0):
            errors.append(f"{at}: fewer than {schema['minProperties']} properties")
        errors += [f"{at}: {key!r} is missing" for key in schema.get("required", ()) if key not in value]
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                errors += schema_errors(item, properties[key], root, f"{at}.{key}")
            elif extra is False:
                errors.append(f"{at}: unknown key {key!r}")
            elif isinstance(extra, dict):
                errors += schema_errors(item, extra, root, f"{at}[{key!r}]")
    return errors


# -- plans and exports ---------------------------------------------------------------------------------------

RULES = """schema_version = 1
[[rule]]
name = "activations and normalisation on CPU"
match = { types = ["HSwish", "HSigmoid", "Swish", "Softmax", "Gelu", "MVN", "Sigmoid"] }
pin = "CPU"

[[rule]]
name = "control flow stays off the NPU"
match = { types = ["Loop", "If", "TensorIterator"] }
forbid = ["NPU"]
"""
PATTERNS = ("fallback", "rules", "alternating")


@pytest.fixture(scope="module")
def planned(sample_paths, tmp_path_factory) -> dict[tuple[str, str], tuple[IRModel, Plan]]:
    """(model, pattern) -> (IR, plan), for every example model and pattern."""
    tmp = tmp_path_factory.mktemp("me_plans")
    (tmp / "rules.toml").write_text(RULES)
    plans = {}
    for name, xml in sample_paths.items():
        ir = parse_ir(xml)
        plans[name, "fallback"] = ir, plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU"])
        plans[name, "rules"] = (
            ir,
            plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU=gpu"], rules=tmp / "rules.toml"),
        )
        alternate = {
            ir.layers[lid].name: ("CPU", "GPU")[k % 2] for k, lid in enumerate(ordered_layer_ids(ir))
        }
        (tmp / f"{name}.affinity.json").write_text(json.dumps(alternate))
        plans[name, "alternating"] = (
            ir,
            plan_from_files(
                xml, devices="HETERO:GPU,CPU", emulate=["GPU=cpu"], affinity=tmp / f"{name}.affinity.json"
            ),
        )
    return plans


def _times(ir: IRModel) -> dict[int, float]:
    """Made-up layer times: every operation, 0.125 ms steps."""
    return {lid: (k % 7) * 0.125 for k, lid in enumerate(ir.layers) if ir.layers[lid].ir_type != "Const"}


def _width(plan: Plan) -> int:
    return max(2, len(str(plan.subgraph_count - 1)))


def _namespace(plan: Plan, k: int) -> str:
    return f"{plan.partition.subgraphs[k].device}/subgraph_{k:0{_width(plan)}d}"


def _label(plan: Plan, k: int) -> str:
    return f"sg{k:0{_width(plan)}d}:{plan.partition.subgraphs[k].device}"


def _fed(graph: dict[str, Any]) -> dict[str, Any]:
    """The first node of the model's graph that has an incoming edge."""
    return next(node for node in graph["graphs"][0]["nodes"] if node["incomingEdges"])


CASES = [(name, pattern) for name in SAMPLES for pattern in PATTERNS]


def test_patterns_give_several_subgraphs(planned):
    """The cases cover multi-subgraph plans on every model (else the namespace checks would prove little)."""
    for name in SAMPLES:
        assert max(planned[name, p][1].subgraph_count for p in PATTERNS) >= 3, name


@pytest.mark.parametrize("name, pattern", CASES)
def test_files_match_the_schema(planned, tmp_path, name, pattern):
    ir, plan = planned[name, pattern]
    paths = write_model_explorer(ir, plan, tmp_path, layer_times_ms=_times(ir))
    assert list(paths) == ["graph", *OVERLAYS]
    assert schema_errors(json.loads(paths["graph"].read_text()), GRAPH_SCHEMA) == []
    for overlay in OVERLAYS:
        assert schema_errors(json.loads(paths[overlay].read_text()), NODE_DATA_SCHEMA) == [], overlay


@pytest.mark.parametrize(
    "mutate",
    [
        lambda g: g.pop("label"),
        lambda g: g["graphs"][0].update(namespaces="x"),  # unknown key
        lambda g: g["graphs"][0]["nodes"][1].pop("id"),
        lambda g: _fed(g)["incomingEdges"][0].update(sourceNodeOutputId=0),
        lambda g: g["graphs"][0]["nodes"][1]["attrs"].append({"key": "k", "value": 3}),
        lambda g: g["graphs"][0]["groupNodeAttributes"][""].update(subgraphs=2),
    ],
)
def test_schema_check_rejects_malformed_graphs(planned, mutate):
    ir, plan = planned["detector", "rules"]
    graph = me_graph_from_plan(ir, plan)
    mutate(graph)
    assert schema_errors(graph, GRAPH_SCHEMA)


def test_schema_check_rejects_malformed_overlays(planned):
    ir, plan = planned["detector", "rules"]
    overlays = me_node_data_from_plan(ir, plan)
    overlays["device"]["detector"]["results"]["0"]["value"] = None
    overlays["subgraph"]["detector"]["gradient"] = [{"stop": 2, "bgColor": "#FFFFFF"}]
    del overlays["fallback"]["detector"]["results"]
    assert [bool(schema_errors(doc, NODE_DATA_SCHEMA)) for doc in overlays.values()] == [True, True, True]


def _edges(model: IRModel) -> set[tuple[str, str, str, str]]:
    return {(str(e.src), str(e.src_port), str(e.dst), str(e.dst_port)) for e in model.edges}


def _graph_edges(graph: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        (e["sourceNodeId"], e["sourceNodeOutputId"], node["id"], e["targetNodeInputId"])
        for node in graph["nodes"]
        for e in node["incomingEdges"]
    }


def _bodies(model: IRModel, graph_id: str) -> dict[str, IRModel]:
    found = {}
    for layer in model.layers.values():
        for body in layer.bodies:
            body_id = f"{graph_id}/{layer.id}/{body.name}"
            found[body_id] = body.model
            found.update(_bodies(body.model, body_id))
    return found


@pytest.mark.parametrize("name, pattern", CASES)
def test_every_layer_is_a_node_and_every_edge_an_incoming_edge(planned, name, pattern):
    ir, plan = planned[name, pattern]
    collection = me_graph_from_plan(ir, plan)
    graphs = {graph["id"]: graph for graph in collection["graphs"]}
    models = {ir.name: ir, **_bodies(ir, ir.name)}
    assert list(graphs) == list(models)  # the model first, then bodies depth first
    assert sum(len(g["nodes"]) for g in graphs.values()) == sum(1 for _ in walk_layers(ir))
    for graph_id, model in models.items():
        graph = graphs[graph_id]
        nodes = {node["id"]: node for node in graph["nodes"]}
        assert list(nodes) == [str(lid) for lid in model.layers]
        assert _graph_edges(graph) == _edges(model)
        assert sum(len(node["incomingEdges"]) for node in graph["nodes"]) == len(model.edges)
        for lid, layer in model.layers.items():
            node = nodes[str(lid)]
            attrs = {a["key"]: a["value"] for a in node["attrs"]}
            assert len(attrs) == len(node["attrs"]), "duplicate attribute keys: Model Explorer keeps only one"
            assert (node["label"], attrs["name"], attrs["type"], attrs["opset"]) == (
                layer.type,
                layer.name,
                layer.type,
                layer.version,
            )
            assert all(attrs.get(key, attrs.get(f"data.{key}")) == value for key, value in layer.data.items())
            # inputs in OpenVINO's input order: Model Explorer's "Input<k>" is input k
            assert [e["targetNodeInputId"] for e in node["incomingEdges"]] == [
                str(p) for p in layer.inputs if any(e.dst == lid and e.dst_port == p for e in model.edges)
            ]
            outputs = [(m["id"], {a["key"]: a["value"] for a in m["attrs"]}) for m in node["outputsMetadata"]]
            assert [o for o, _ in outputs] == [str(port.id) for port in layer.outputs]
            for port, (_, meta) in zip(layer.outputs, outputs, strict=True):
                assert meta.get("__tensor_tag") == (", ".join(port.names) or None)
                assert meta["precision"] == port.element_type
                assert meta["bytes"] == (str(port.nbytes) if port.nbytes is not None else "dynamic")
            assert node.get("subgraphIds", []) == [f"{graph_id}/{lid}/{body.name}" for body in layer.bodies]
        # Model Explorer looks an input's shape up in the producer's outputsMetadata by sourceNodeOutputId
        for node in graph["nodes"]:
            for e in node["incomingEdges"]:
                assert e["sourceNodeOutputId"] in {
                    m["id"] for m in nodes[e["sourceNodeId"]]["outputsMetadata"]
                }


@pytest.mark.parametrize("name, pattern", CASES)
def test_namespaces_are_the_plans_subgraphs(planned, name, pattern):
    ir, plan = planned[name, pattern]
    graph = me_graph_from_plan(ir, plan)["graphs"][0]
    namespace = {int(node["id"]): node["namespace"] for node in graph["nodes"]}
    colors = {int(node["id"]): node["style"]["backgroundColor"] for node in graph["nodes"]}
    groups = graph["groupNodeAttributes"]
    members: dict[str, set[int]] = {}
    for lid, ns in namespace.items():
        if ir.layers[lid].ir_type != "Const":
            members.setdefault(ns, set()).add(lid)
    expected = {_namespace(plan, sg.index): set(sg.layers) for sg in plan.partition.subgraphs}
    assert members == expected
    for sg in plan.partition.subgraphs:
        ns = _namespace(plan, sg.index)
        assert groups[ns]["layers"] == str(len(sg.layers)) and groups[ns]["device"] == sg.device
        assert groups[ns]["index"] == str(sg.index) and groups[ns]["subgraph"] == _label(plan, sg.index)
        bytes_in, bytes_out = plan.partition.subgraph_bytes[sg.index]
        assert (groups[ns]["bytes_in"], groups[ns]["bytes_out"]) == (str(bytes_in), str(bytes_out))
        assert all(colors[lid] == device_style(sg.device).fill for lid in sg.layers)
    # a Constant sits in one of the subgraphs HETERO clones it into
    for lid, layer in ir.layers.items():
        if layer.ir_type == "Const":
            homes = {_namespace(plan, sg.index) for sg in plan.partition.subgraphs if lid in sg.constants}
            assert namespace[lid] in homes if homes else namespace[lid] == ""
    devices = {sg.device for sg in plan.partition.subgraphs}
    assert set(groups) == {"", *devices, *expected}
    assert groups[""]["subgraphs"] == str(plan.subgraph_count) and groups[""]["priority"] == plan.priority


@pytest.mark.parametrize("name, pattern", CASES)
def test_overlays_are_the_plan(planned, name, pattern):
    ir, plan = planned[name, pattern]
    times = _times(ir)
    overlays = me_node_data_from_plan(ir, plan, layer_times_ms=times)
    assert list(overlays) == list(OVERLAYS)
    graph_ids = [graph["id"] for graph in me_graph_from_plan(ir, plan)["graphs"]]
    part = plan.partition

    device = overlays["device"]
    assert list(device) == graph_ids
    runs_on = {lid: part.device_of.get(lid, d.device) for lid, d in plan.decisions.items()}
    assert {int(k): r["value"] for k, r in device[ir.name]["results"].items()} == runs_on
    assert all(r["bgColor"] == device_style(r["value"]).fill for r in device[ir.name]["results"].values())

    subgraph = overlays["subgraph"][ir.name]["results"]
    assert {int(k): r["value"] for k, r in subgraph.items()} == {
        lid: _label(plan, k) for lid, k in part.subgraph_of.items()
    }
    first = {}
    for sg in part.subgraphs:
        first.setdefault(sg.device, sg)
    for device_name, sg in first.items():  # the first subgraph of each device has the device colour
        assert subgraph[str(sg.layers[0])]["bgColor"] == device_style(device_name).fill

    fallback = overlays["fallback"][ir.name]["results"]
    fell_back = {lid: d.reason for lid, d in plan.decisions.items() if d.source == "fallback" and d.rejected}
    assert {int(k): r["value"] for k, r in fallback.items()} == fell_back

    latency = overlays["latency"][ir.name]
    assert {int(k): r["value"] for k, r in latency["results"].items()} == times
    assert [g["stop"] for g in latency["gradient"]] == [0, 1]

    # a body runs where its layer runs
    for body_id in graph_ids[1:]:
        top = int(body_id.split("/")[1])
        assert {r["value"] for r in device[body_id]["results"].values()} == {runs_on[top]}
        assert {r["value"] for r in overlays["subgraph"][body_id]["results"].values()} == {
            _label(plan, part.subgraph_of[top])
        }


def test_no_latency_overlay_without_times(planned, tmp_path):
    ir, plan = planned["mobilenet", "rules"]
    assert list(me_node_data_from_plan(ir, plan)) == ["device", "subgraph", "fallback"]
    paths = write_model_explorer(ir, plan, tmp_path / "out", stem="my model")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"my_model.me-{what}.json" for what in ("graph", "device", "subgraph", "fallback")
    )
    assert set(paths) == {"graph", "device", "subgraph", "fallback"}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_exports_are_deterministic(planned, sample_paths, tmp_path, name):
    """Byte-identical twice, and again from the plan saved as JSON and loaded back."""
    ir, plan = planned[name, "alternating"]
    times = _times(ir)
    first = write_model_explorer(ir, plan, tmp_path / "a", layer_times_ms=times)
    second = write_model_explorer(parse_ir(sample_paths[name]), plan, tmp_path / "b", layer_times_ms=times)
    reloaded = load_plan(plan.save(tmp_path / "plan.json"), ir)
    third = write_model_explorer(ir, reloaded, tmp_path / "c", layer_times_ms=dict(reversed(times.items())))
    for what, path in first.items():
        assert path.read_bytes() == second[what].read_bytes() == third[what].read_bytes(), what


def test_writing_is_all_or_nothing(planned, tmp_path, monkeypatch):
    """A failure while writing replaces no file and leaves no temporary file."""
    ir, plan = planned["detector", "rules"]
    before = write_model_explorer(ir, plan, tmp_path)
    contents = {path: path.read_bytes() for path in before.values()}
    calls = []

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(InputError, match="No space left on device"):
        write_model_explorer(ir, plan, tmp_path, layer_times_ms={75: 1.0})
    assert sorted(tmp_path.iterdir()) == sorted(contents)
    assert all(path.read_bytes() == data for path, data in contents.items())


def test_plan_for_another_model_is_refused(planned):
    ir, _ = planned["detector", "fallback"]
    _, other = planned["mobilenet", "fallback"]
    with pytest.raises(PlanError, match="made for 'mobilenet'"):
        me_graph_from_plan(ir, other)
    with pytest.raises(PlanError):
        me_node_data_from_plan(ir, other)


@pytest.mark.parametrize(
    "times, message",
    [
        ({9999: 1.0}, "has no such layer"),
        ({"75": 1.0}, "has no such layer"),
        ({75: -1.0}, "not a number of milliseconds"),
        ({75: math.nan}, "not a number of milliseconds"),
        ({75: True}, "not a number of milliseconds"),
        ({75: "1.0"}, "not a number of milliseconds"),
    ],
)
def test_bad_layer_times_are_input_errors(planned, tmp_path, times, message):
    ir, plan = planned["detector", "fallback"]
    with pytest.raises(InputError, match=message):
        write_model_explorer(ir, plan, tmp_path, layer_times_ms=times)
    assert list(tmp_path.iterdir()) == []


# -- Model Explorer itself -----------------------------------------------------------------------------------


def _load_like_model_explorer(path: Path) -> dict[str, Any]:
    """Load a graph file as Model Explorer would, into its own types; return what its server would send.

    A ``.json`` model goes to the built-in JSON adapter, which runs in the browser (``loadGraphsJson`` in
    ``src/ui/src/common/utils.ts``): it takes the file as a GraphCollection when it has ``label`` and
    ``graphs``. The Python package has no code for that adapter, so the types are checked by building
    ``graph_builder.GraphCollection`` with dacite (a dependency of the package), strictly: no unknown key,
    every field of the declared type. The result is serialised with ``convert_adapter_response``, as the
    server serialises an adapter's graphs.
    """
    import dacite
    from model_explorer import graph_builder
    from model_explorer.utils import convert_adapter_response, remove_none

    document = json.loads(path.read_text())
    if not isinstance(document, dict) or document.get("label") is None or document.get("graphs") is None:
        raise ValueError("Unsupported JSON format")  # the UI's message for anything else
    collection = dacite.from_dict(graph_builder.GraphCollection, document, config=dacite.Config(strict=True))
    return remove_none(convert_adapter_response({"graphCollections": [collection]}))["graphCollections"][0]


def _load_node_data_like_model_explorer(path: Path) -> dict[str, Any]:
    """A node-data file as ``node_data_builder.ModelNodeData`` (strictly), serialised back by its own method.

    Types are checked only for numeric overlays: ``NodeDataResult.value`` is annotated ``Num``, but Model
    Explorer shows string values (its own colab writes them), and the schema test checks their type.
    """
    import dacite
    from model_explorer import node_data_builder

    document = json.loads(path.read_text())
    numeric = all(
        isinstance(r["value"], int | float) for g in document.values() for r in g["results"].values()
    )
    config = dacite.Config(strict=True, check_types=numeric)
    graphs = {
        gid: dacite.from_dict(node_data_builder.GraphNodeData, g, config=config)
        for gid, g in document.items()
    }
    return json.loads(node_data_builder.ModelNodeData(graphsData=graphs).to_json_string())


def _contained(ours: Any, theirs: Any) -> bool:
    """Whether every key and value of ``ours`` is in ``theirs`` (which may add Model Explorer's defaults)."""
    if isinstance(ours, dict):
        return isinstance(theirs, dict) and all(
            k in theirs and _contained(v, theirs[k]) for k, v in ours.items()
        )
    if isinstance(ours, list):
        return isinstance(theirs, list) and len(ours) == len(theirs) and all(map(_contained, ours, theirs))
    return ours == theirs and type(ours) is type(theirs)


@pytest.mark.parametrize("name", list(SAMPLES))
def test_model_explorer_loads_the_files(planned, tmp_path, name):
    model_explorer = pytest.importorskip("model_explorer")
    pytest.importorskip("dacite")
    from model_explorer.extension_manager import ExtensionManager

    ir, plan = planned[name, "rules"]
    paths = write_model_explorer(ir, plan, tmp_path, layer_times_ms=_times(ir))
    overlays = [paths[what] for what in OVERLAYS]

    config = model_explorer.config().add_model_from_path(str(paths["graph"]))
    for path in overlays:
        config = config.add_node_data_from_path(str(path))
    # what visualize_from_config hands to the web app, in its URL
    data = json.loads(urllib.parse.unquote(config.to_url_param_value()))
    assert data["models"] == [{"url": str(paths["graph"].resolve())}]
    assert data["nodeData"] == [str(path.resolve()) for path in overlays]
    # a .json model goes to the built-in JSON adapter
    adapters = ExtensionManager().get_extensions_metadata()
    assert any(ext["id"] == "builtin_json" and "json" in ext["fileExts"] for ext in adapters)

    document = json.loads(paths["graph"].read_text())
    served = _load_like_model_explorer(paths["graph"])
    assert _contained(document, served)
    assert [len(graph["nodes"]) for graph in served["graphs"]] == [
        len(g["nodes"]) for g in document["graphs"]
    ]
    for path in overlays:
        assert _contained(json.loads(path.read_text()), _load_node_data_like_model_explorer(path)), path.name


@pytest.mark.parametrize(
    "mutate",
    [
        lambda g: g.pop("graphs"),
        lambda g: g["graphs"][0]["nodes"][0].update(namespaces="NPU"),
        lambda g: _fed(g)["incomingEdges"][0].update(sourceNodeOutputId=0),
        lambda g: g["graphs"][0]["nodes"][0].pop("label"),
        lambda g: g["graphs"][0]["groupNodeAttributes"][""].update(subgraphs=2),
    ],
)
def test_model_explorer_rejects_malformed_graphs(planned, tmp_path, mutate):
    """The loader above has teeth: a graph Model Explorer's types do not admit fails it."""
    pytest.importorskip("model_explorer")
    dacite = pytest.importorskip("dacite")
    ir, plan = planned["detector", "rules"]
    graph = me_graph_from_plan(ir, plan)
    mutate(graph)
    path = tmp_path / "bad.me-graph.json"
    path.write_text(json.dumps(graph))
    with pytest.raises((ValueError, dacite.DaciteError)):
        _load_like_model_explorer(path)


# The web app's worker, run by node with the few browser globals it needs: for every graph of the file, the
# message the app sends when it opens a graph (eventType 0: process, lay out the root layer), then "expand
# all" on every top-level group (eventType 2). This is the protocol of the worker in ai-edge-model-explorer
# 0.1.34; another version may need this shim updated (the test then fails with the worker's own output).
_WORKER_SHIM = r"""
const fs = require('fs');
const [workerPath, graphPath] = process.argv.slice(2);
let handler = null, outbox = [];
globalThis.self = globalThis;
globalThis.addEventListener = (type, fn) => { if (type === 'message') handler = fn; };
globalThis.postMessage = (message) => outbox.push(message);
const context = {measureText: (text) => ({width: 6 * `${text}`.length})};
globalThis.OffscreenCanvas = class { getContext() { return context; } };
require(workerPath);
const collection = JSON.parse(fs.readFileSync(graphPath, 'utf8'));
const options = {showOnNodeItemTypes: {}, nodeDataProviderRuns: {}, config: {}};
const summaries = [];
for (const graph of collection.graphs) {
  graph.collectionLabel = collection.label;
  outbox = [];
  handler({data: {eventType: 0, paneId: 'p', graph, groupNodeChildrenCountThreshold: 1000,
                  flattenLayers: false, keepLayersWithASingleChild: true, initialLayout: true, ...options}});
  const done = outbox.find((m) => m.modelGraph);
  const errors = outbox.filter((m) => m.error).map((m) => m.error);
  if (!done || errors.length) { summaries.push({graph: graph.id, errors, outbox}); continue; }
  const mg = done.modelGraph;
  for (const root of mg.rootNodes.filter((n) => n.nodeType === 1)) {
    handler({data: {eventType: 2, modelGraphId: mg.id, rendererId: 'p', paneId: 'p', groupNodeId: root.id,
                    expand: true, all: true, ...options}});
  }
  const ops = mg.nodes.filter((n) => n.nodeType === 0);
  const groups = mg.nodes.filter((n) => n.nodeType === 1);
  summaries.push({
    graph: graph.id,
    ops: ops.length,
    groups: groups.map((n) => (n.namespace ? `${n.namespace}/${n.label}` : n.label)),
    roots: mg.rootNodes.map((n) => n.label),
    laidOut: ops.filter((n) => Number.isFinite(n.x) && Number.isFinite(n.y)).length,
  });
}
console.log(JSON.stringify(summaries));
"""


@pytest.mark.parametrize("name", list(SAMPLES))
def test_model_explorer_web_app_lays_out_the_graph(planned, tmp_path, name):
    """The web app's own graph processing (the built-in JSON adapter runs in the browser) takes every graph of
    the file, makes each device and each subgraph a group, lays out every layer, and expands every group."""
    model_explorer = pytest.importorskip("model_explorer")
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    workers = sorted((Path(model_explorer.__file__).parent / "web_app").glob("worker-*.js"))
    assert len(workers) == 1, workers
    ir, plan = planned[name, "rules"]
    paths = write_model_explorer(ir, plan, tmp_path)
    shim = tmp_path / "shim.js"
    shim.write_text(_WORKER_SHIM)
    command = [node, str(shim), str(workers[0]), str(paths["graph"])]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    summaries = json.loads(run.stdout)
    document = json.loads(paths["graph"].read_text())
    assert [s["graph"] for s in summaries] == [g["id"] for g in document["graphs"]]
    for summary, graph in zip(summaries, document["graphs"], strict=True):
        assert "errors" not in summary, summary
        assert summary["ops"] == summary["laidOut"] == len(graph["nodes"])
    main = summaries[0]
    devices = list(dict.fromkeys(sg.device for sg in plan.partition.subgraphs))
    assert sorted(main["roots"]) == sorted(devices)
    assert sorted(main["groups"]) == sorted(
        devices + [_namespace(plan, sg.index) for sg in plan.partition.subgraphs]
    )
