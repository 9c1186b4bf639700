"""``hetero-tool calibrate``: the boundary microbenchmark, the fit, per-layer times, the cost-profile file,
the CLI.

OpenVINO is real throughout. Timings on a shared machine are noisy, so assertions on measured figures are
structural (every layer covered, the right number of submodels, a file that reads back) or generous (an
overhead above zero); only the fit itself is checked to the digit, on synthetic data.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import replace

import pytest

from hetero_tool.cost import CalibrationConfig, CostProfile, Spread, fit_boundary_cost, load_cost_profile
from hetero_tool.cost.profile import SUBGRAPH_COUNTS
from hetero_tool.devices.device import resolve_devices
from hetero_tool.devices.support import Support
from hetero_tool.errors import InputError, PlanError
from hetero_tool.ir import parse_ir
from hetero_tool.plan import make_plan
from hetero_tool.runtime.calibration import calibrate
from hetero_tool.runtime.hetero import compile_plan, verify
from hetero_tool.runtime.microbench import boundary_sizes, chain_affinity, chain_model
from tests.test_bad_input import assert_one_line_error

STRUCTURAL = ("Parameter", "Constant", "Result")
#: A calibration that measures everything once, as fast as it can (seconds, not a minute).
QUICK = CalibrationConfig(
    profile_iterations=3,
    niter=6,
    rounds=2,
    subgraph_counts=(1, 2, 4),
    chain_layers=4,
    boundary_bytes=(1024, 8192),
)
QUICK_ARGS = (
    "--profile-iterations",
    3,
    "--niter",
    6,
    "--rounds",
    2,
    "--subgraphs",
    "1,2,4",
    "--chain-layers",
    4,
    "--boundary-bytes",
    "1KiB,8KiB",
)


@pytest.fixture(scope="module")
def npu_cpu():
    return resolve_devices(["NPU", "CPU"], {"NPU": "npu"})


@pytest.fixture(scope="module")
def quick_profile(sample_paths, npu_cpu) -> CostProfile:
    """One quick calibration of mobilenet on an emulated NPU and the CPU."""
    return calibrate(parse_ir(sample_paths["mobilenet"]), npu_cpu, QUICK)


@pytest.fixture
def run_calibrate(run_cli):
    """``run_cli`` for ``calibrate``."""
    return lambda *args: run_cli("calibrate", *args)


# -- the fit (pure) ------------------------------------------------------------------------------------------


def synthetic(
    overhead_us: float, per_byte_ns: float, sizes=(1024, 16384, 262144), noise_us: float = 0.0, seed=0
):
    """Latencies of a perfect boundary model: base(size) + (k - 1) * (overhead + per_byte * bytes), plus
    noise."""
    rng = random.Random(seed)
    return [
        (
            b,
            k,
            0.2
            + b * 2e-6
            + (k - 1) * 1e-3 * (overhead_us + 1e-3 * per_byte_ns * b)
            + 1e-3 * rng.gauss(0, noise_us),
        )
        for b in sizes
        for k in SUBGRAPH_COUNTS
    ]


def test_fit_recovers_a_known_slope_exactly():
    fit = fit_boundary_cost(synthetic(12.5, 0.25))
    assert fit.overhead_us == pytest.approx(12.5, abs=1e-6)
    assert fit.per_byte_ns == pytest.approx(0.25, abs=1e-9)
    assert fit.r2 == pytest.approx(1.0) and fit.rmse_us == pytest.approx(0.0, abs=1e-6)
    assert fit.slopes_us[16384] == pytest.approx(12.5 + 0.25 * 16.384)
    assert fit.boundary_us(4096) == pytest.approx(12.5 + 0.25 * 4.096)
    assert [(p.bytes, p.subgraphs) for p in fit.points][:2] == [(1024, 1), (1024, 2)]


def test_fit_with_noise_is_close_and_says_how_close():
    fit = fit_boundary_cost(synthetic(20.0, 0.1, noise_us=2.0, seed=3))
    assert fit.overhead_us == pytest.approx(20.0, abs=2.0)
    assert fit.per_byte_ns == pytest.approx(0.1, abs=0.01)
    assert 0.9 < fit.r2 < 1.0 and 0.5 < fit.rmse_us < 5.0
    assert fit.max_residual_us == pytest.approx(max(abs(p.residual_us) for p in fit.points))


def test_fit_with_one_size_puts_the_whole_slope_in_the_overhead():
    fit = fit_boundary_cost(synthetic(7.0, 0.5, sizes=(2048,)))
    assert fit.overhead_us == pytest.approx(7.0 + 0.5 * 2.048) and fit.per_byte_ns == 0.0


def test_fit_refuses_a_size_measured_at_one_count():
    with pytest.raises(ValueError, match="two subgraph counts"):
        fit_boundary_cost([(1024, 1, 1.0), (1024, 2, 1.1), (4096, 1, 1.0)])


def test_spread_and_config_checks():
    assert Spread.of([1.0]).relative == 0.0 and Spread.of([2.0, 4.0, 3.0]).median == 3.0
    for bad in (
        {"repeat": 0},
        {"subgraph_counts": (2, 2)},
        {"subgraph_counts": (1, 64)},
        {"boundary_bytes": (4096,)},
        {"layer_method": "fastest"},
    ):
        with pytest.raises(InputError):
            CalibrationConfig(**bad)


def test_boundary_sizes_span_the_models_tensors(sample_paths):
    sizes = boundary_sizes(parse_ir(sample_paths["mobilenet"]))
    assert len(sizes) == 3 and sizes == tuple(sorted(sizes))
    assert sizes[0] >= 1024 and sizes[-1] >= 8 * sizes[0]


# -- the microbenchmark models -------------------------------------------------------------------------------


def test_chain_compiles_to_exactly_k_alternating_submodels(tmp_path, npu_cpu):
    import openvino as ov

    ov.save_model(chain_model(1024, 32), tmp_path / "chain.xml", compress_to_fp16=False)
    ir = parse_ir(tmp_path / "chain.xml")
    support = Support(ir)
    for k in SUBGRAPH_COUNTS:
        plan = make_plan(ir, npu_cpu, affinity_map=chain_affinity(ir, k, ("NPU", "CPU")), support=support)
        compiled = compile_plan(ir, plan)
        assert plan.subgraph_count == k and compiled.submodels == k, k
        check = verify(plan, compiled)
        assert check.ok, check.problems()
        assert check.actual_devices == tuple(("NPU", "CPU")[i % 2] for i in range(k))


# -- a calibration -------------------------------------------------------------------------------------------


def test_per_layer_times_cover_every_compute_layer_on_both_devices(quick_profile, sample_paths):
    ir = parse_ir(sample_paths["mobilenet"])
    compute = {lid for lid, layer in ir.layers.items() if layer.type not in STRUCTURAL}
    assert [(d.name, d.emulated, d.method) for d in quick_profile.devices] == [
        ("NPU", True, "alone"),
        ("CPU", False, "alone"),
    ]
    for device in quick_profile.devices:
        assert set(device.layer_ms) == compute and not device.unsupported, device.name
        assert all(ms >= 0 and math.isfinite(ms) for ms in device.layer_ms.values())
        assert set(device.fused) <= compute
        timed = [lid for lid in compute if lid not in device.fused]
        assert sum(device.layer_ms[lid] > 0 for lid in timed) >= 0.8 * len(timed)
        assert device.latency_ms.median > 0 and device.counted_ms.median > 0
        per_type = device.types(quick_profile.layer_types)
        assert sum(t.count for t in per_type.values()) == len(compute)
        assert per_type["Convolution"].total_ms > 0
    assert quick_profile.device("NPU").config["INFERENCE_PRECISION_HINT"] == "f16"


def test_the_boundary_fit_of_a_run_is_complete(quick_profile):
    (cost,) = quick_profile.boundaries
    assert cost.devices == ("NPU", "CPU") and len(cost.fits) == 1
    fit = cost.fits[0]
    assert {(p.bytes, p.subgraphs) for p in fit.points} == {(b, k) for b in (1024, 8192) for k in (1, 2, 4)}
    assert all(math.isfinite(v) for v in (fit.overhead_us, fit.per_byte_ns, fit.r2, fit.rmse_us))
    assert quick_profile.boundary("CPU", "NPU") is cost
    assert quick_profile.config.boundary_bytes == (1024, 8192)


def test_profile_round_trips_through_its_file(quick_profile, tmp_path, sample_paths):
    path = quick_profile.save(tmp_path / "cost.json")
    again = load_cost_profile(path, parse_ir(sample_paths["mobilenet"]))
    assert again == quick_profile
    text = path.read_text()
    assert again.save(tmp_path / "again.json").read_text() == text  # deterministic
    data = json.loads(text)
    assert list(data)[:3] == ["schema_version", "kind", "model"] and data["schema_version"] == 1
    assert data["devices"][0]["emulated"] is True and data["devices"][1]["emulated"] is False
    assert data["host"]["cpu"] and data["openvino"]
    layer_ids = [int(k) for k in data["devices"][0]["layer_ms"]]
    assert layer_ids == sorted(layer_ids)
    assert not any("time" in key.lower() and "stamp" in key.lower() for key in _all_keys(data))


def test_a_profile_for_another_model_is_refused(quick_profile, tmp_path, sample_paths):
    path = quick_profile.save(tmp_path / "cost.json")
    with pytest.raises(PlanError, match="made for 'mobilenet'"):
        load_cost_profile(path, parse_ir(sample_paths["detector"]))


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda d: d.update(kind="plan"), "not a hetero-tool cost profile"),
        (lambda d: d.update(schema_version=99), "schema_version 99"),
        (
            lambda d: d["devices"][0].update(layer_ms={"x": 1.0}),
            "devices[0].layer_ms (a key): expected `int`",
        ),
        (lambda d: d["devices"][1].update(method="guess"), "devices[1].method"),
        (
            lambda d: d["boundaries"][0]["fits"][0].update(r2="high"),
            "boundaries[0].fits[0].r2: expected `float`, got `str`",
        ),
        (lambda d: d["boundaries"][0].update(devices=["NPU", "GPU"]), "are not two of the profile's devices"),
        (lambda d: d["config"].update(rounds=0), "rounds must be at least 1"),
        (
            lambda d: d["devices"][0]["layer_ms"].update({"7": -0.5}),
            "devices[0].layer_ms[...]: expected `float` >= 0",
        ),
        (lambda d: d.pop("devices"), "missing required field `devices`"),
    ],
)
def test_bad_profile_files_give_one_clear_error(quick_profile, tmp_path, change, needle):
    data = quick_profile.to_json()
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as info:
        load_cost_profile(path)
    assert str(path) in str(info.value) and needle in str(info.value) and "\n" not in str(info.value)


def test_unreadable_profile_files(tmp_path):
    with pytest.raises(InputError, match="no such cost profile"):
        load_cost_profile(tmp_path / "missing.json")
    (tmp_path / "broken.json").write_text("{ not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_cost_profile(tmp_path / "broken.json")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(InputError, match="expected `object`, got `array`"):
        load_cost_profile(tmp_path / "list.json")


def test_a_device_that_cannot_run_everything_records_only_what_it_runs(sample_paths, npu_cpu):
    """The detector's NonMaxSuppression is not on the NPU: alone (emulated, the CPU plugin runs it) and
    through HETERO (the NPU's layers pinned to it by fallback priority), only the NPU's own layers are
    recorded."""
    ir = parse_ir(sample_paths["detector"])
    compute = {lid for lid, layer in ir.layers.items() if layer.type not in STRUCTURAL}
    nms = next(lid for lid, layer in ir.layers.items() if layer.type == "NonMaxSuppression")
    alone = calibrate(ir, npu_cpu[:1], replace(QUICK, profile_iterations=2))  # the NPU alone: no boundaries
    (npu,) = alone.devices
    assert npu.method == "alone" and not alone.boundaries
    npu, cpu = calibrate(ir, npu_cpu, replace(QUICK, profile_iterations=2, layer_method="hetero")).devices
    assert npu.method == cpu.method == "hetero"
    for device in (alone.devices[0], npu):
        assert nms in device.unsupported and nms not in device.layer_ms
        assert set(device.layer_ms) | set(device.unsupported) == compute
        assert not set(device.layer_ms) & set(device.unsupported)
    assert set(cpu.layer_ms) == compute and not cpu.unsupported


# -- the command ---------------------------------------------------------------------------------------------


def test_calibrate_command_writes_a_profile(run_calibrate, sample_paths, tmp_path):
    out = tmp_path / "mobilenet.cost.json"
    result = run_calibrate(
        sample_paths["mobilenet"], "-d", "NPU,CPU", "--emulate", "NPU", *QUICK_ARGS, "-o", out
    )
    assert result.exit_code == 0, result.stderr
    for needle in (
        "Per-layer times",
        "NPU (emulated)",
        "Emulated",
        "Boundary cost",
        "NPU (emulated) <-> CPU",
        "R²",
        "Cost profile written",
    ):
        assert needle in result.stdout, needle
    profile = load_cost_profile(out)
    fit = profile.boundaries[0]
    if fit.overhead_us.median > 0 and fit.per_byte_ns.median > 0:  # the quick run may be too noisy to fit
        assert f"subgraph_overhead_us = {fit.overhead_us.median:.2f}" in result.stdout
    else:
        assert "calibrate again" in result.stdout
    assert [d.name for d in profile.devices] == ["NPU", "CPU"] and profile.config.boundary_bytes == (
        1024,
        8192,
    )


def test_calibrate_json_on_stdout(run_calibrate, sample_paths):
    result = run_calibrate(sample_paths["mobilenet"], "-d", "CPU", *QUICK_ARGS, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [d["name"] for d in data["devices"]] == ["CPU"] and data["boundaries"] == []
    assert CostProfile.from_json(data).device("CPU").layer_ms


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("-d", "NPU,CPU"), ["unknown device 'NPU'", "--emulate NPU"]),
        (
            ("-d", "NPU,CPU", "--emulate", "NPU=missing.toml"),
            ["device profile 'missing.toml'", "no such file"],
        ),
        (("-d", "NPU,CPU", "--emulate", "NPU={broken}"), ["not valid TOML"]),
        (("-d", "CPU", "--subgraphs", "1,x"), ["--subgraphs", "'x' is not a whole number"]),
        (("-d", "CPU", "--boundary-bytes", "1KiB,lots"), ["--boundary-bytes", "'lots' is not a size"]),
        (("-d", "CPU", "--boundary-bytes", "4096"), ["at least two different boundary sizes"]),
        (
            ("-d", "NPU,CPU", "--emulate", "NPU", "--boundary-bytes", "1024,1040"),
            ["round to one", "1024 bytes"],
        ),
        (("-d", "CPU", "--repeat", "0"), ["repeat must be at least 1"]),
        (("-d", "CPU", "--layer-method", "fast"), ["layer method 'fast'"]),
        (("-d", "CPU", "-o", "{model}"), ["would overwrite an input"]),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(run_calibrate, sample_paths, tmp_path, args, needles):
    broken = tmp_path / "broken.toml"
    broken.write_text("schema_version = = 1\n")
    model = sample_paths["mobilenet"]
    args = [str(a).format(broken=broken, model=model) for a in args]
    assert_one_line_error(run_calibrate(model, *args), *needles)


def test_missing_model_gives_one_line_and_exit_2(run_calibrate, tmp_path):
    assert_one_line_error(run_calibrate(tmp_path / "nope.xml", "-d", "CPU"), "nope.xml", "no such file")


# -- slow: a calibration as a user runs it -------------------------------------------------------------------


@pytest.mark.slow
def test_a_real_calibration_finds_a_positive_overhead_and_states_its_spread(sample_paths, npu_cpu):
    config = CalibrationConfig(repeat=2, niter=120, rounds=4, profile_iterations=10)
    profile = calibrate(parse_ir(sample_paths["mobilenet"]), npu_cpu, config)
    (cost,) = profile.boundaries
    assert cost.overhead_us.median > 0
    assert len(cost.overhead_us.values) == len(cost.per_byte_ns.values) == 2
    assert cost.overhead_us.min <= cost.overhead_us.median <= cost.overhead_us.max
    for fit in cost.fits:
        assert {p.subgraphs for p in fit.points} == set(SUBGRAPH_COUNTS)
        # More boundaries never make the chain faster: each size's own slope is positive.
        assert all(slope > 0 for slope in fit.slopes_us.values())
    assert all(len(d.latency_ms.values) == 2 for d in profile.devices)


def _all_keys(data):
    if isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from _all_keys(value)
    elif isinstance(data, list):
        for value in data:
            yield from _all_keys(value)


def test_the_models_own_split_is_timed_and_carries_the_boundary_figures_over(sample_paths, tmp_path):
    """A device that lacks the hard-swish family splits mobilenet: calibrate times that split, and the cost
    model built from the profile predicts it as timed (the boundary part scaled to it); a split-free model
    has no such record."""
    profile_file = tmp_path / "no_hswish.toml"
    profile_file.write_text(
        'schema_version = 1\nname = "no_hswish"\ndescription = "test"\n[support]\n'
        '[support.unsupported_types]\nHSwish = "lacks it"\nHSigmoid = "lacks it"\nSwish = "lacks it"\n'
    )
    from hetero_tool.cost.model import cost_model_from_profile, predict_latency

    ir = parse_ir(sample_paths["mobilenet"])
    devices = resolve_devices(["NPU", "CPU"], {"NPU": str(profile_file)})
    profile = calibrate(ir, devices, QUICK)
    default = make_plan(ir, devices)
    assert profile.split is not None and profile.split.subgraphs == default.subgraph_count > 1
    assert profile.split.scale.median >= 0
    again = CostProfile.from_json(json.loads(json.dumps(profile.to_json())))
    assert again.split == profile.split
    predicted = predict_latency(cost_model_from_profile(ir, profile, devices), default).total_ms
    # Whatever the microbenchmark found, the split is predicted as timed, unless it ran faster than its
    # compute alone (no boundary cost can be negative).
    rest = profile.split.predicted_ms - profile.split.boundary_ms
    assert predicted == pytest.approx(max(rest, profile.split.latency_ms.median), rel=1e-6)


def test_a_profile_without_a_split_has_no_split_record(quick_profile):
    # The npu profile runs all of mobilenet: HETERO's plan is one subgraph, nothing to time.
    assert quick_profile.split is None
