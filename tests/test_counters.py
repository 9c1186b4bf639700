"""Perf counters per submodel, device, boundary and IR layer, on real HETERO splits (never a mocked OpenVINO).

The main model is a chain of 16 x (3x3 convolution + ReLU) on a 1x16x16x16 input, with every
layer uniquely named, split by affinity between ``NPU`` (emulated: the CPU plugin registered again as
``NPU_CPU``) and ``CPU``: all on one device (1 submodel), in two halves (2), and alternating pairs (16).

How many Reorders run is decided by the CPU plugin's layout choice, so the test derives it instead of
hard-coding it. Both devices compile with ``INFERENCE_PRECISION_HINT=f32``: the default precision depends
on the host (bf16 on AVX512-BF16/AMX hosts such as this one, f32 elsewhere), and forcing it leaves layout
the only conversion. A 16-channel f32 convolution runs in a blocked layout on every x86 CPU the plugin
supports (``acdb`` on AVX-512, ``aBcd8b``/``aBcd16b`` on AVX2/SSE4.1), while Parameters and Results are
planar ``abcd``: so the chain compiled on the CPU alone has ``R`` Reorders, one where the input enters the
first convolution and one where the last convolution's output leaves, ``R == 2`` on x86 (measured, not
assumed). Every submodel of a split chain is again such a chain from a Parameter to a Result, so it runs
``R`` Reorders too: ``R * submodels`` in all. Each boundary gets the producer's output Reorder and the
consumer's input Reorder (``R`` together), and the model's own input and output keep one each, which are no
boundary's.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openvino as ov
import openvino.opset13 as ops
import pytest

from hetero_tool.devices.device import resolve_devices
from hetero_tool.errors import BackendError, InputError
from hetero_tool.ir import parse_ir
from hetero_tool.loaders import plan_from_files
from hetero_tool.runtime.counters import collect_profile, layer_times_ms, profile_from_counters
from hetero_tool.runtime.hetero import compile_device, compile_plan, verify
from hetero_tool.runtime.results import Profile

PAIRS = 16
CHANNELS = 16
SHAPE = (1, CHANNELS, 16, 16)
F32 = {"INFERENCE_PRECISION_HINT": "f32"}
DEVICE_CONFIG = {"NPU": F32, "CPU": F32}
COMPUTE = ("Convolution", "Relu")


def _chain(names=None, shared=()) -> ov.Model:
    """``PAIRS`` conv+relu pairs. ``names[i]`` renames pair ``i``'s (conv, relu); pairs in ``shared`` use one
    weight Constant (HETERO clones it into each submodel that uses it)."""
    rng = np.random.default_rng(0)
    x = ops.parameter(list(SHAPE), np.float32, name="x")
    common = ops.constant(
        rng.standard_normal((CHANNELS, CHANNELS, 3, 3)).astype(np.float32) * 0.1, name="w_shared"
    )
    y = x
    for i in range(PAIRS):
        conv_name, relu_name = (names or {}).get(i, (f"conv{i}", f"relu{i}"))
        w = (
            common
            if i in shared
            else ops.constant(
                rng.standard_normal((CHANNELS, CHANNELS, 3, 3)).astype(np.float32) * 0.1, name=f"w{i}"
            )
        )
        y = ops.convolution(y, w, [1, 1], [1, 1], [1, 1], [1, 1], name=conv_name)
        y = ops.relu(y, name=relu_name)
    return ov.Model([ops.result(y, name="out")], [x], "chain")


def _save(model: ov.Model, path: Path) -> Path:
    ov.save_model(model, path, compress_to_fp16=False)
    return path


@pytest.fixture(scope="module")
def chain_xml(tmp_path_factory) -> Path:
    return _save(_chain(), tmp_path_factory.mktemp("chain") / "chain.xml")


def _plan(xml: Path, tmp_path: Path, device_of_pair, pairs=None):
    """Plan on ``HETERO:NPU,CPU`` (NPU emulated by the CPU plugin); pair ``i`` goes to ``device_of_pair(i)``,
    each weight with its convolution, the input with the first pair and the output with the last. ``pairs``
    gives the pair of names without their pair's number in them."""
    ir = parse_ir(xml)
    known = {"x": 0, "out": PAIRS - 1, **(pairs or {})}
    mapping = {}
    for layer in ir.layers.values():
        pair = (
            known[layer.name]
            if layer.name in known
            else int("".join(ch for ch in layer.name if ch.isdigit()))
        )
        mapping[layer.name] = device_of_pair(pair)
    path = tmp_path / "affinity.json"
    path.write_text(json.dumps(mapping))
    return ir, plan_from_files(xml, devices="HETERO:NPU,CPU", emulate=["NPU=cpu"], affinity=path)


def _zeros() -> dict[int, np.ndarray]:
    return {0: np.zeros(SHAPE, np.float32)}


def _check_sums(profile: Profile) -> None:
    """The figures add up: submodels to the total, devices to the total, Reorders to theirs."""
    assert sum(sg.time_ms for sg in profile.subgraphs) == pytest.approx(profile.counted_ms)
    assert sum(profile.devices_ms.values()) == pytest.approx(profile.counted_ms)
    assert set(profile.devices_ms) == {sg.device for sg in profile.subgraphs}
    for device, ms in profile.devices_ms.items():
        assert ms == pytest.approx(sum(sg.time_ms for sg in profile.subgraphs if sg.device == device))
    assert sum(sg.reorders for sg in profile.subgraphs) == profile.reorders
    assert sum(sg.reorder_ms for sg in profile.subgraphs) == pytest.approx(profile.reorder_ms)
    assert [sg.index for sg in profile.subgraphs] == list(range(len(profile.subgraphs)))
    assert all(sg.time_ms >= sg.reorder_ms >= 0 for sg in profile.subgraphs)
    assert all(t >= 0 for t in profile.layer_times_ms.values())
    assert profile.latency_ms > 0
    # Counters and latency are means over the same inferences, and the nodes of a request run one after
    # another: the counted time is part of the latency (whole microseconds, rounded down, only lower it).
    assert profile.counted_ms <= profile.latency_ms + 1e-3, (profile.counted_ms, profile.latency_ms)


@pytest.fixture(scope="module")
def single(chain_xml):
    """The chain on the CPU alone, in f32: ``(ir, profile)``; ``profile.reorders`` is the chain's ``R``."""
    ir = parse_ir(chain_xml)
    cpu = resolve_devices(["CPU"], {})[0]
    compiled = compile_device(ir, cpu, config=F32, properties={"PERF_COUNT": True})
    return ir, collect_profile(ir, None, compiled, _zeros(), iterations=3)


def test_single_device_profile(single):
    ir, profile = single
    assert profile.iterations == 3
    assert [(sg.index, sg.device) for sg in profile.subgraphs] == [(0, "CPU")]
    assert profile.devices_ms.keys() == {"CPU"}
    # R: the input enters the first (blocked) convolution, the last one's output leaves to the planar Result
    assert profile.reorders >= 1, "the CPU plugin kept the chain planar: nothing for these tests to count"
    assert profile.reorders <= 2
    assert profile.boundaries == ()
    _check_sums(profile)
    compute = {lid for lid, layer in ir.layers.items() if layer.type in COMPUTE}
    assert set(profile.layer_times_ms) == compute
    # Only convolutions (their ReLU fused) and Reorders run here, so between them they hold all the time.
    assert sum(profile.layer_times_ms.values()) + profile.reorder_ms == pytest.approx(profile.counted_ms)


@pytest.mark.parametrize(
    ("pattern", "device_of_pair", "submodels"),
    [
        ("one device", lambda i: "CPU", 1),
        ("halves", lambda i: "CPU" if i < PAIRS // 2 else "NPU", 2),
        ("alternating", lambda i: "NPU" if i % 2 else "CPU", PAIRS),
    ],
)
def test_split_chain(chain_xml, tmp_path, single, pattern, device_of_pair, submodels):
    r = single[1].reorders
    ir, plan = _plan(chain_xml, tmp_path, device_of_pair)
    assert plan.subgraph_count == submodels
    compiled = compile_plan(ir, plan, device_config=DEVICE_CONFIG, properties={"PERF_COUNT": True})
    assert verify(plan, compiled).ok
    profile = collect_profile(ir, plan, compiled, _zeros(), iterations=3)
    _check_sums(profile)

    # devices come from the compiled model (export header), in the plan's names (NPU, not NPU_CPU)
    assert [sg.device for sg in profile.subgraphs] == [sg.device for sg in plan.partition.subgraphs]
    # R Reorders in every submodel, R per submodel in total
    assert [sg.reorders for sg in profile.subgraphs] == [r] * submodels
    assert profile.reorders == r * submodels

    # one boundary per cut pair, with the plan's tensors and bytes, R Reorders each (both sides)
    cuts = {(c.from_subgraph, to): c for c in plan.partition.cuts for to in c.to_subgraphs}
    assert len(cuts) == len(plan.partition.cuts) == submodels - 1
    assert {(b.from_subgraph, b.to_subgraph) for b in profile.boundaries} == set(cuts)
    for b in profile.boundaries:
        cut = cuts[(b.from_subgraph, b.to_subgraph)]
        assert (b.tensors, b.bytes) == (1, cut.bytes) == (1, 4 * int(np.prod(SHAPE)))
        assert b.to_subgraph == b.from_subgraph + 1
        assert b.reorders == r
        assert b.reorder_ms > 0
    assert [b.reorder_ms for b in profile.boundaries] == sorted(
        (b.reorder_ms for b in profile.boundaries), reverse=True
    )
    # the model's own input and output Reorders are no boundary's
    assert sum(b.reorders for b in profile.boundaries) == profile.reorders - r
    assert sum(b.reorder_ms for b in profile.boundaries) < profile.reorder_ms

    # every conv and relu has a time; a fused pair splits its node's time evenly
    by_name = {layer.name: lid for lid, layer in ir.layers.items()}
    assert set(profile.layer_times_ms) == {lid for lid, layer in ir.layers.items() if layer.type in COMPUTE}
    for i in range(PAIRS):
        assert profile.layer_times_ms[by_name[f"conv{i}"]] == profile.layer_times_ms[by_name[f"relu{i}"]]
    assert sum(profile.layer_times_ms.values()) + profile.reorder_ms == pytest.approx(profile.counted_ms)


def test_clashing_names(tmp_path):
    """Two layers named ``dup`` (pairs 2 and 12, both on the CPU, in submodels 0 and 2) and a Constant shared
    by pairs 1 and 13 (cloned into both): the merged runtime model repeats those names, and each ``dup`` row
    must go to the ``dup`` of its own submodel. (Same-named layers sit on one device on purpose: HETERO 2026.4
    keys affinities by friendly name, so same-named layers on two devices all land on the first one's
    device.)"""
    model = _chain(names={2: ("dup", "relu2"), 12: ("dup", "relu12")}, shared={1, 13})
    xml = _save(model, tmp_path / "chain.xml")
    ir, plan = _plan(
        xml, tmp_path, lambda i: "NPU" if 4 <= i < 10 else "CPU", pairs={"dup": 2, "w_shared": 1}
    )
    assert [sg.device for sg in plan.partition.subgraphs] == ["CPU", "NPU", "CPU"]
    compiled = compile_plan(ir, plan, device_config=DEVICE_CONFIG, properties={"PERF_COUNT": True})
    assert verify(plan, compiled).ok
    names = [op.get_friendly_name() for op in compiled.compiled.get_runtime_model().get_ordered_ops()]
    assert names.count("dup") == 2 and names.count("w_shared") == 2

    request = compiled.compiled.create_infer_request()
    counters, latencies = [], []
    for _ in range(2):
        request.infer(_zeros())
        counters.append(request.get_profiling_info())
        latencies.append(1.0)
    assert {p.node_name for p in counters[0]} >= {"subgraph0: dup", "subgraph2: dup"}
    times = layer_times_ms(ir, plan, compiled, counters, warmup=1)
    first, second = ir.ids_by_name["dup"]
    relu = {ir.layers[lid].name: lid for lid in ir.layers if ir.layers[lid].type == "Relu"}
    # a wrong join would give relu12 nothing and relu2 the time of both
    assert times[first] == times[relu["relu2"]] > 0
    assert times[second] == times[relu["relu12"]] > 0
    assert profile_from_counters(ir, plan, compiled, counters, latencies, warmup=1).layer_times_ms == times


def test_branches_and_pass_through(tmp_path, single):
    """A tensor cut to two submodels, and an input Parameter on another device than its consumer.

    ``x`` (NPU) feeds ``conv0`` (CPU), whose output feeds ``conv1`` and ``conv2`` (NPU, two submodels: nothing
    joins them on the NPU), added on the CPU. HETERO makes ``x`` a Parameter->Result submodel of its own, so
    the chain's input Reorder becomes the input Reorder of boundary (0, 1); ``conv0``'s one output Reorder
    serves both boundaries to the NPU submodels, so it counts on each, its time split between them."""
    if single[1].reorders != 2:
        pytest.skip("this host's CPU plugin does not put one Reorder at each end of a convolution chain")
    rng = np.random.default_rng(0)

    def conv(y, n):
        w = ops.constant(
            rng.standard_normal((CHANNELS, CHANNELS, 3, 3)).astype(np.float32) * 0.1, name=f"w{n}"
        )
        return ops.relu(
            ops.convolution(y, w, [1, 1], [1, 1], [1, 1], [1, 1], name=f"conv{n}"), name=f"relu{n}"
        )

    x = ops.parameter(list(SHAPE), np.float32, name="x")
    first = conv(x, 0)
    total = ops.add(conv(first, 1), conv(first, 2), name="add")
    xml = _save(ov.Model([ops.result(total, name="out")], [x], "branches"), tmp_path / "branches.xml")
    npu = {"x", "w1", "conv1", "relu1", "w2", "conv2", "relu2"}
    ir = parse_ir(xml)
    (tmp_path / "affinity.json").write_text(
        json.dumps({n: "NPU" if n in npu else "CPU" for n in ir.ids_by_name})
    )
    plan = plan_from_files(
        xml, devices="HETERO:NPU,CPU", emulate=["NPU=cpu"], affinity=tmp_path / "affinity.json"
    )
    compiled = compile_plan(ir, plan, device_config=DEVICE_CONFIG, properties={"PERF_COUNT": True})
    assert verify(plan, compiled).ok
    profile = collect_profile(ir, plan, compiled, _zeros(), iterations=3)
    _check_sums(profile)

    sg = {ir.layers[lid].name: s.index for s in plan.partition.subgraphs for lid in s.layers}
    branches = sg["conv1"], sg["conv2"]
    assert [s.device for s in profile.subgraphs] == [s.device for s in plan.partition.subgraphs]
    assert profile.subgraphs[sg["x"]].time_ms == 0  # the pass-through runs nothing
    boundaries = {(b.from_subgraph, b.to_subgraph): b for b in profile.boundaries}
    assert set(boundaries) == {(c.from_subgraph, to) for c in plan.partition.cuts for to in c.to_subgraphs}
    assert boundaries[(sg["x"], sg["conv0"])].reorders == 1  # conv0's input Reorder
    for branch in branches:  # conv0's output Reorder (shared) and the branch's input Reorder
        assert boundaries[(sg["conv0"], branch)].reorders == 2
    # every Reorder here is at a cut, and the shared one's time is split, not counted twice
    assert sum(b.reorder_ms for b in profile.boundaries) == pytest.approx(profile.reorder_ms)
    assert sum(b.reorders for b in profile.boundaries) == profile.reorders + 1


def test_counters_are_running_means(tmp_path):
    """What the module relies on: the CPU plugin reports each node's mean since compile, over every request,
    not the last inference; the profile takes the mean of the inferences after the warm-up back out of it."""
    x = ops.parameter([-1, 64], np.float32, name="x")
    model = ov.Model([ops.result(ops.relu(x, name="relu"), name="out")], [x], "dynamic")
    ir = parse_ir(_save(model, tmp_path / "dynamic.xml"))
    cpu = resolve_devices(["CPU"], {})[0]
    compiled = compile_device(ir, cpu, properties={"PERF_COUNT": True})
    big, small = np.ones((20000, 64), np.float32), np.ones((1, 64), np.float32)
    first, second = compiled.compiled.create_infer_request(), compiled.compiled.create_infer_request()
    counters = []
    for request, data in [(first, big)] * 3 + [(second, small)] * 3:
        request.infer({0: data})
        counters.append(request.get_profiling_info())

    def relu_ms(snapshot) -> float:
        return next(1e3 * p.real_time.total_seconds() for p in snapshot if p.node_name == "relu")

    big_ms = relu_ms(counters[2])
    assert big_ms > 0.05  # 5 MB of ReLU: many microseconds
    # another request, three tiny inferences later, still reads about half the big ones' time
    assert relu_ms(counters[5]) == pytest.approx(big_ms * 3 / 6, abs=0.01)
    profile = profile_from_counters(ir, None, compiled, counters, [1.0] * 6, warmup=3)
    assert profile.iterations == 3
    assert profile.counted_ms < big_ms / 10  # the tiny inferences alone


def test_without_perf_count(chain_xml):
    """Compiled without PERF_COUNT, every row reads NOT_RUN at 0: a clear error, not an empty profile."""
    ir = parse_ir(chain_xml)
    cpu = resolve_devices(["CPU"], {})[0]
    compiled = compile_device(ir, cpu, config=F32)
    with pytest.raises(BackendError, match="PERF_COUNT"):
        collect_profile(ir, None, compiled, _zeros(), iterations=1)
    with pytest.raises(BackendError, match="no perf counters"):
        profile_from_counters(ir, None, compiled, [], [])
    with pytest.raises(InputError, match="no input"):
        collect_profile(ir, None, compiled, {"nope": np.zeros(SHAPE, np.float32)})
    with pytest.raises(InputError, match="at least 1"):
        collect_profile(ir, None, compiled, _zeros(), iterations=0)


@pytest.mark.parametrize("name", ["mobilenet", "transformer", "detector", "control_flow"])
def test_samples_alternating(sample_paths, tmp_path, name):
    """The example models split by alternating layers (branches, residuals, tensors cut to several submodels):
    the figures add up, devices and boundaries are the plan's, and every boundary Reorder is attributed."""
    xml = sample_paths[name]
    ir = parse_ir(xml)
    from hetero_tool.ir.order import ordered_layer_ids

    mapping = {
        ir.layers[lid].name: ("NPU" if k % 2 else "CPU") for k, lid in enumerate(ordered_layer_ids(ir))
    }
    (tmp_path / "affinity.json").write_text(json.dumps(mapping))
    plan = plan_from_files(
        xml, devices="HETERO:NPU,CPU", emulate=["NPU=cpu"], affinity=tmp_path / "affinity.json"
    )
    compiled = compile_plan(ir, plan, properties={"PERF_COUNT": True})
    inputs = {
        k: np.zeros(list(p.get_shape()), p.get_element_type().to_dtype())
        for k, p in enumerate(compiled.compiled.inputs)
    }
    profile = collect_profile(ir, plan, compiled, inputs, iterations=2)
    _check_sums(profile)
    assert [sg.device for sg in profile.subgraphs] == [sg.device for sg in plan.partition.subgraphs]
    pairs = {(c.from_subgraph, to) for c in plan.partition.cuts for to in c.to_subgraphs}
    assert {(b.from_subgraph, b.to_subgraph) for b in profile.boundaries} == pairs
    for b in profile.boundaries:
        cuts = [
            c
            for c in plan.partition.cuts
            if c.from_subgraph == b.from_subgraph and b.to_subgraph in c.to_subgraphs
        ]
        assert b.tensors == len(cuts)
    # time of boundary Reorders never exceeds the Reorder time (a shared output Reorder splits its time)
    assert sum(b.reorder_ms for b in profile.boundaries) <= profile.reorder_ms + 1e-9
    assert sum(profile.layer_times_ms.values()) + profile.reorder_ms <= profile.counted_ms + 1e-9
