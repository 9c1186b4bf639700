"""Device lists, --emulate, profiles, and what OpenVINO says devices support."""

from __future__ import annotations

import re
from pathlib import Path

import openvino as ov
import pytest

from hetero_tool.devices.device import parse_emulate, resolve_devices
from hetero_tool.devices.names import parse_devices
from hetero_tool.devices.profiles import BUILTIN_PROFILE_NAMES, builtin_profiles, load_profile
from hetero_tool.devices.support import Support
from hetero_tool.errors import InputError
from hetero_tool.ir import parse_ir


@pytest.mark.parametrize(
    "text, expected",
    [
        ("HETERO:NPU,GPU,CPU", ("NPU", "GPU", "CPU")),
        ("GPU.1", ("GPU.1",)),
        (" npu , cpu ", ("NPU", "CPU")),
        ("hetero:GPU.0,GPU.1", ("GPU.0", "GPU.1")),
    ],
)
def test_device_lists(text, expected):
    assert parse_devices(text) == expected


@pytest.mark.parametrize(
    "text", ["", "HETERO:", "NPU,,CPU", "MULTI:GPU,CPU", "CPU,CPU", "N P U", "HETERO:AUTO"]
)
def test_bad_device_lists(text):
    with pytest.raises(InputError):
        parse_devices(text)


def test_emulate_specs(tmp_path):
    assert parse_emulate(["NPU", "CPUX=cpu", "GPU.1=gpu"]) == {"NPU": "npu", "CPUX": "cpu", "GPU.1": "gpu"}
    with pytest.raises(InputError, match="no built-in profile 'foo'"):
        parse_emulate(["FOO"])
    with pytest.raises(InputError, match="twice"):
        parse_emulate(["NPU", "NPU=gpu"])


def test_resolve_real_and_emulated():
    npu, cpu = resolve_devices(["NPU", "CPU"], {"NPU": "npu"})
    assert (npu.emulated, npu.ov_name, npu.profile.name) == (True, "NPU_CPU", "npu")
    assert (cpu.emulated, cpu.ov_name) == (False, "CPU")
    assert "emulated" in npu.label and "emulated" not in cpu.label


def test_unknown_device_suggests_emulation():
    with pytest.raises(InputError, match=r"unknown device 'NPU'.*--emulate NPU"):
        resolve_devices(["NPU", "CPU"], {})


def _opset_type_names() -> set[str]:
    """Every op type OpenVINO's opsets register, from the headers the wheel ships."""
    tables = (Path(ov.__file__).parent / "include" / "openvino" / "opsets").glob("opset*_tbl.hpp")
    return {name for table in tables for name in re.findall(r"_OPENVINO_OP_REG\((\w+),", table.read_text())}


def test_builtin_profiles_name_real_op_types_and_cite_sources():
    known = _opset_type_names()
    assert len(known) > 150
    profiles = builtin_profiles()
    assert set(profiles) == set(BUILTIN_PROFILE_NAMES)
    for profile in profiles.values():
        assert profile.source, profile.name
        named = set(profile.supported_types or ()) | set(profile.unsupported_types)
        assert named <= known, (profile.name, sorted(named - known))
    assert profiles["cpu"].supported_types is None and not profiles["cpu"].unsupported_types
    assert profiles["npu"].supported_types and any(rule.dynamic for rule in profiles["npu"].exclude)


@pytest.mark.parametrize(
    "text, message",
    [
        ("schema_version = 2\nname='x'", "schema_version"),
        ("schema_version = 1\nname='x'\n[support]\nfoo=1", "support.foo"),
        ("schema_version = 1\nname='x'\n[[support.exclude]]\ntypes=['Relu']", "reason"),
        ("schema_version = 1\nname='x'\n[cost]\npeak_gflops='fast'", "cost.peak_gflops"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_bad_profiles_name_the_key(tmp_path, text, message):
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=re.escape(message)) as info:
        load_profile(path)
    assert str(path) in str(info.value)


def test_emulated_support_is_the_cpu_answer_narrowed_by_the_profile(sample_paths, tmp_path):
    ir = parse_ir(sample_paths["control_flow"])
    profile = tmp_path / "no_loops.toml"
    profile.write_text(
        'schema_version = 1\nname = "no_loops"\n[support.unsupported_types]\n'
        'Loop = "no loops here"\nTensorIterator = "no loops here"\n'
    )
    (npu,) = resolve_devices(["NPU"], {"NPU": profile})
    verdict = Support(ir, use_cache=False).query(npu)
    by_type = {ir.layers[lid].type: reason for lid, reason in verdict.items()}
    assert by_type["Loop"] == by_type["TensorIterator"] == "no loops here"
    assert by_type["ReduceMean"] is None
    # a Constant that only feeds excluded layers is excluded with them, as get_supported_nodes does
    trip = next(lid for lid, layer in ir.layers.items() if layer.name == "refine/trip_count")
    assert verdict[trip] == "its consumers are all excluded"


def test_support_answers_are_cached(sample_paths, monkeypatch):
    ir = parse_ir(sample_paths["mobilenet"])
    (cpu,) = resolve_devices(["CPU"], {})
    first = Support(ir).query(cpu)

    class NoCore:
        def query_model(self, *args):
            raise AssertionError("query_model ran again although the cache holds the answer")

    monkeypatch.setattr("hetero_tool.devices.support.shared_core", NoCore)
    assert Support(ir).query(cpu) == first


def test_a_real_device_is_asked_about_each_region_as_a_model(sample_paths):
    """After the first device, HETERO queries every unassigned region as a model of its own; so does the
    tool."""
    from hetero_tool.affinity.fallback import remaining_regions
    from hetero_tool.affinity.types import Decision

    ir = parse_ir(sample_paths["mobilenet"])
    taken = {
        lid: Decision("NPU", "fallback", "")
        for lid, layer in ir.layers.items()
        if layer.type not in ("HSwish", "Swish", "HSigmoid")
    }
    regions = remaining_regions(ir, taken)
    assert len(regions) == 10 and all(regions)
    (cpu,) = resolve_devices(["CPU"], {})
    verdicts = Support(ir, use_cache=False).query_regions(cpu, regions)
    for region, verdict in zip(regions, verdicts, strict=True):
        assert sorted(verdict) == sorted(region) and all(reason is None for reason in verdict.values())


def _profile(tmp_path, excluded: str) -> Path:
    path = tmp_path / "profile.toml"
    path.write_text(
        f'schema_version = 1\nname = "test"\n[support.unsupported_types]\n{excluded} = "not on this device"\n'
    )
    return path


def test_a_group_openvino_fuses_stays_together(tmp_path):
    """x * sigmoid(x) is one Swish after OpenVINO's transformations: a device without Swish runs neither
    half."""
    import numpy as np
    import openvino.opset13 as ops

    x = ops.parameter([1, 8], np.float32, name="x")
    sigmoid = ops.sigmoid(x)
    sigmoid.set_friendly_name("gate")
    product = ops.multiply(x, sigmoid)
    product.set_friendly_name("swish_by_hand")
    relu = ops.relu(product)
    relu.set_friendly_name("relu")
    ov.save_model(ov.Model([ops.result(relu)], [x], "m"), tmp_path / "m.xml")
    ir = parse_ir(tmp_path / "m.xml")
    (npu,) = resolve_devices(["NPU"], {"NPU": _profile(tmp_path, "Swish")})
    verdict = {ir.layers[lid].name: reason for lid, reason in Support(ir, use_cache=False).query(npu).items()}
    assert "part of Swish" in verdict["gate"] and "part of Swish" in verdict["swish_by_hand"]
    assert verdict["relu"] is None


def test_an_attention_block_follows_its_fused_op(sample_paths, tmp_path):
    ir = parse_ir(sample_paths["transformer"])
    (npu,) = resolve_devices(["NPU"], {"NPU": _profile(tmp_path, "ScaledDotProductAttention")})
    verdict = {ir.layers[lid].name: reason for lid, reason in Support(ir, use_cache=False).query(npu).items()}
    for part in ("layer0/attn/softmax", "layer0/attn/qk", "layer1/attn/context"):
        assert "ScaledDotProductAttention" in verdict[part], part
    assert verdict["layer0/attn/q/matmul"] is None  # the projections stay outside the fused op
