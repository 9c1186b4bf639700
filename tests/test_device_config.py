"""Device configuration, the same everywhere: ``plan``, ``calibrate`` and ``bench`` take ``--load-config`` and
``--nthreads``/``--nstreams``/``--infer-precision``; the plan records each device's config, bench compiles
with it and refuses options that contradict it, a cost profile records the config it was measured with.

OpenVINO is real throughout: what a device compiled with is read back from the compiled model
(``DEVICE_PROPERTIES`` of the HETERO model, the model's own properties for one device).
"""

from __future__ import annotations

import json
import logging

import pytest

from hetero_tool.cost import CalibrationConfig, load_cost_profile
from hetero_tool.devices import DeviceSettings
from hetero_tool.errors import InputError
from hetero_tool.ir import parse_ir
from hetero_tool.loaders import cost_profile_from_files, plan_from_files
from hetero_tool.plan import load_plan
from hetero_tool.runtime.bench import AUTOMATIC, check_recorded_config, run_bench, with_plan_hint
from hetero_tool.runtime.hetero import compile_plan, effective_properties
from hetero_tool.runtime.results import BenchConfig
from tests.test_bad_input import assert_one_line_error

QUICK = BenchConfig(niter=4, rounds=1)
#: One measurement of everything, on one device: no boundary microbenchmark.
QUICK_CALIBRATION = CalibrationConfig(
    profile_iterations=2,
    niter=4,
    rounds=2,
    subgraph_counts=(1, 2),
    chain_layers=2,
    boundary_bytes=(1024, 4096),
)


@pytest.fixture(scope="module")
def threads(sample_paths):
    """A thread count the CPU plugin does not choose by itself for the detector, so seeing it proves it was
    set: (the default, the one to set)."""
    ir = parse_ir(sample_paths["detector"])
    default = effective_properties(compile_plan(ir, plan_from_files(ir.path, devices="CPU")))
    chosen = 1 if default["CPU"]["INFERENCE_NUM_THREADS"] != "1" else 2
    return default["CPU"]["INFERENCE_NUM_THREADS"], chosen


@pytest.fixture
def detector_plan(sample_paths, tmp_path, threads):
    """The detector split NPU (emulated) / CPU, with NPU's threads set by a config file and the CPU's by
    --nstreams: (model, plan file, the plan)."""
    _, chosen = threads
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"NPU": {"INFERENCE_NUM_THREADS": chosen}}))
    settings = DeviceSettings.from_options(load_config=config, nstreams="CPU:1")
    xml = sample_paths["detector"]
    plan = plan_from_files(
        xml, devices="NPU,CPU", emulate="NPU", settings=settings, output=tmp_path / "p.json"
    )
    return xml, tmp_path / "p.json", plan


# -- the plan records it -------------------------------------------------------------------------------------


def test_the_plan_records_each_devices_config(detector_plan, threads):
    _, path, plan = detector_plan
    _, chosen = threads
    data = json.loads(path.read_text())
    # What the user set, over what the tool sets (the npu profile's config), keys sorted, devices in priority
    # order.
    assert data["device_config"] == {
        "NPU": {
            "INFERENCE_NUM_THREADS": chosen,
            "INFERENCE_PRECISION_HINT": "f16",
            "NUM_STREAMS": 1,
            "PERFORMANCE_HINT": "LATENCY",
        },
        "CPU": {"NUM_STREAMS": 1},
    }
    assert list(data)[:3] == ["schema_version", "model", "devices"] and "device_config" in data
    assert data["user_keys"] == {"NPU": ["INFERENCE_NUM_THREADS"], "CPU": ["NUM_STREAMS"]}
    again = load_plan(path)
    assert again.device_config == plan.device_config and again.settings_of("NPU") == {
        "INFERENCE_NUM_THREADS": chosen
    }
    assert again.save(path.with_name("again.json")).read_bytes() == path.read_bytes()  # deterministic


def test_an_option_wins_over_the_config_file_and_every_device_gets_an_unnamed_one(sample_paths, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"CPU": {"INFERENCE_NUM_THREADS": 3, "NUM_STREAMS": "2"}}))
    settings = DeviceSettings.from_options(config, nthreads="1", infer_precision="NPU:f32")
    plan = plan_from_files(sample_paths["mobilenet"], devices="NPU,CPU", emulate="NPU", settings=settings)
    assert plan.device_config["CPU"] == {"INFERENCE_NUM_THREADS": 1, "NUM_STREAMS": 2}
    assert plan.settings_of("NPU") == {"INFERENCE_NUM_THREADS": 1, "INFERENCE_PRECISION_HINT": "f32"}


def test_the_plan_records_values_in_one_spelling(sample_paths, tmp_path):
    """OpenVINO reads F16 as f16, latency as LATENCY, "true" as true: the plan records one of each."""
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "NPU": {"PERFORMANCE_HINT": "throughput"},
                "CPU": {"INFERENCE_PRECISION_HINT": "F32", "PERF_COUNT": "true", "NUM_STREAMS": "2"},
            }
        )
    )
    settings = DeviceSettings.from_options(config, nstreams="NPU:auto", infer_precision="NPU:F16")
    path = tmp_path / "p.json"
    plan_from_files(
        sample_paths["mobilenet"], devices="NPU,CPU", emulate="NPU", settings=settings, output=path
    )
    assert json.loads(path.read_text())["device_config"] == {
        "NPU": {"INFERENCE_PRECISION_HINT": "f16", "NUM_STREAMS": "AUTO", "PERFORMANCE_HINT": "THROUGHPUT"},
        "CPU": {"INFERENCE_PRECISION_HINT": "f32", "NUM_STREAMS": 2, "PERF_COUNT": True},
    }


def test_a_plan_from_before_the_config_was_recorded_compiles_with_its_profiles(detector_plan, tmp_path):
    _, path, _ = detector_plan
    data = json.loads(path.read_text())
    del data["device_config"], data["user_keys"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    plan = load_plan(old)
    assert plan.config_of("NPU") == dict(plan.devices[0].config) and plan.config_of("CPU") == {}
    assert plan.settings_of("NPU") == {}


def test_a_value_the_user_set_to_the_tools_default_is_the_users(run_cli, sample_paths, tmp_path):
    """--infer-precision NPU:f16 is the npu profile's own value; set by the user, bench may not change it."""
    xml, path = sample_paths["mobilenet"], tmp_path / "p.json"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"NPU": {"PERFORMANCE_HINT": "LATENCY"}}))
    settings = DeviceSettings.from_options(config, infer_precision="NPU:f16")
    plan = plan_from_files(xml, devices="NPU,CPU", emulate="NPU", settings=settings, output=path)
    assert plan.device_config["NPU"] == dict(plan.devices[0].config)  # all of it the profile's values
    assert json.loads(path.read_text())["user_keys"] == {
        "NPU": ["INFERENCE_PRECISION_HINT", "PERFORMANCE_HINT"]
    }
    assert load_plan(path).settings_of("NPU") == {
        "INFERENCE_PRECISION_HINT": "f16",
        "PERFORMANCE_HINT": "LATENCY",
    }
    assert_one_line_error(
        run_cli("bench", xml, "--plan", path, "--niter", 2, "--infer-precision", "NPU:f32"),
        "--infer-precision NPU:f32 sets INFERENCE_PRECISION_HINT=f32 on NPU",
        f"{path} records INFERENCE_PRECISION_HINT=f16 for NPU",
    )
    # The profile's value the user left alone may still be changed.
    check_recorded_config(load_plan(path), BenchConfig(nstreams={"NPU": "2"}))
    shown = run_cli("plan", xml, "-d", "NPU,CPU", "--emulate", "NPU", "--infer-precision", "NPU:f16")
    assert "NPU INFERENCE_PRECISION_HINT=f16" in shown.stdout


def test_a_plan_where_the_user_set_nothing_records_no_user_keys(sample_paths, tmp_path):
    path = tmp_path / "p.json"
    plan_from_files(sample_paths["mobilenet"], devices="NPU,CPU", emulate="NPU", output=path)
    data = json.loads(path.read_text())
    assert "user_keys" not in data and data["device_config"]["CPU"] == {}


def test_a_plan_from_before_user_keys_were_recorded_takes_what_differs_from_the_defaults(
    detector_plan, tmp_path, threads
):
    _, path, _ = detector_plan
    _, chosen = threads
    data = json.loads(path.read_text())
    del data["user_keys"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    plan = load_plan(old)
    assert plan.settings_of("NPU") == {"INFERENCE_NUM_THREADS": chosen}
    assert plan.settings_of("CPU") == {"NUM_STREAMS": 1}
    assert "user_keys" not in json.loads(plan.save(tmp_path / "again.json").read_text())


@pytest.mark.parametrize(
    ("user_keys", "message"),
    [
        ({"GPU": ["NUM_STREAMS"]}, "user_keys: 'GPU' is not one of the plan's devices"),
        (
            {"CPU": ["INFERENCE_NUM_THREADS"]},
            "user_keys: CPU: 'INFERENCE_NUM_THREADS' is not in its device_config",
        ),
    ],
)
def test_user_keys_must_be_the_plans(detector_plan, user_keys, message):
    _, path, _ = detector_plan
    data = json.loads(path.read_text())
    data["user_keys"] = user_keys
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=message):
        load_plan(path)


def test_a_plan_whose_config_names_another_device_is_refused(detector_plan, tmp_path):
    _, path, _ = detector_plan
    data = json.loads(path.read_text())
    data["device_config"]["GPU"] = {"NUM_STREAMS": 1}
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="device_config: 'GPU' is not one of the plan's devices"):
        load_plan(path)


# -- bench compiles with it ----------------------------------------------------------------------------------


def test_bench_compiles_the_plan_and_its_baselines_with_the_recorded_config(detector_plan, threads):
    xml, _, plan = detector_plan
    default, chosen = threads
    result = run_bench(parse_ir(xml), [("plan", plan)], QUICK)
    run = result.run("plan")
    assert run.verification.ok and run.submodels == 2
    # Read back from the compiled HETERO model: each submodel's device got the plan's config.
    assert run.device_properties["NPU"]["INFERENCE_NUM_THREADS"] == str(chosen) != default
    assert run.device_properties["CPU"]["NUM_STREAMS"] == "1"
    # The CPU alone runs with the CPU's recorded config too (the NPU cannot run the NMS alone).
    cpu_alone = result.run("CPU alone")
    assert cpu_alone.device_properties["CPU"]["NUM_STREAMS"] == "1"
    assert "NPU alone" in result.skipped and AUTOMATIC in result.skipped


def test_a_bench_option_may_repeat_or_add_to_the_recorded_config(detector_plan, threads):
    _, _, plan = detector_plan
    _, chosen = threads
    check_recorded_config(plan, BenchConfig(nthreads={"NPU": chosen}, nstreams={"CPU": "1"}))
    check_recorded_config(plan, BenchConfig(nthreads={"CPU": 2}))  # the CPU's threads are not recorded
    # The tool's own defaults (the npu profile's f16) are not the user's: an option may change them.
    check_recorded_config(plan, BenchConfig(infer_precision={"NPU": "f32"}))


def test_a_bench_option_in_another_spelling_repeats_the_plan(sample_paths, tmp_path):
    """Values are compared as OpenVINO reads them, in the plan file (hand-written, or from before values
    were normalised) as in the options."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"CPU": {"INFERENCE_PRECISION_HINT": "f32", "PERF_COUNT": True}}))
    path = tmp_path / "p.json"
    plan_from_files(
        sample_paths["mobilenet"],
        devices="NPU,CPU",
        emulate="NPU",
        settings=DeviceSettings.from_options(config, nstreams="NPU:2"),
        output=path,
    )
    data = json.loads(path.read_text())
    data["device_config"]["CPU"].update(INFERENCE_PRECISION_HINT="F32", PERF_COUNT="YES")
    data["device_config"]["NPU"].update(NUM_STREAMS="2", PERFORMANCE_HINT="latency")
    path.write_text(json.dumps(data))
    plan = load_plan(path)
    same = BenchConfig(
        hint="none",
        infer_precision={"CPU": "f32"},
        nstreams={"NPU": "2"},
        load_config={"CPU": {"PERF_COUNT": "true"}, "NPU": {"PERFORMANCE_HINT": "LATENCY"}},
    )
    check_recorded_config(plan, same)
    with pytest.raises(
        InputError,
        match="sets INFERENCE_PRECISION_HINT=bf16 on CPU, but the plan records INFERENCE_PRECISION_HINT=F32",
    ):
        check_recorded_config(plan, BenchConfig(hint="none", infer_precision={"CPU": "BF16"}))
    # Plans that record one config in two spellings are one config.
    other = plan_from_files(
        sample_paths["mobilenet"],
        devices="NPU,CPU",
        emulate="NPU",
        settings=DeviceSettings.from_options(config, nstreams="NPU:2"),
    )
    assert run_bench(parse_ir(sample_paths["mobilenet"]), [("a", plan), ("b", other)], QUICK, baselines=False)


def test_a_bench_option_that_contradicts_the_plan_is_an_error_naming_both(run_cli, detector_plan, threads):
    xml, path, _ = detector_plan
    _, chosen = threads
    other = chosen + 1
    assert_one_line_error(
        run_cli("bench", xml, "--plan", path, "--niter", 2, "--nthreads", f"NPU:{other}"),
        f"--nthreads NPU:{other} sets INFERENCE_NUM_THREADS={other} on NPU",
        f"{path} records INFERENCE_NUM_THREADS={chosen} for NPU",
    )
    assert_one_line_error(
        run_cli("bench", xml, "--plan", path, "--niter", 2, "--nstreams", "2"),
        "--nstreams 2 sets NUM_STREAMS=2 on CPU",
        "records NUM_STREAMS=1 for CPU",
    )
    config = path.with_name("bench_config.json")
    config.write_text(json.dumps({"CPU": {"NUM_STREAMS": 3}}))
    assert_one_line_error(
        run_cli("bench", xml, "--plan", path, "--niter", 2, "--load-config", config),
        f"--load-config {config} sets NUM_STREAMS=3 on CPU",
        "records NUM_STREAMS=1 for CPU",
    )


def test_bench_with_the_same_values_runs(run_cli, detector_plan, threads):
    xml, path, _ = detector_plan
    _, chosen = threads
    args = ("--nthreads", f"NPU:{chosen}", "--nstreams", "CPU:1", "--no-baselines", "--json")
    result = run_cli("bench", xml, "--plan", path, "--niter", 2, "--rounds", 1, *args)
    assert result.exit_code == 0, result.stderr
    (run,) = json.loads(result.stdout)["runs"]
    assert run["device_properties"]["NPU"]["INFERENCE_NUM_THREADS"] == str(chosen)


def test_bench_without_hint_runs_with_the_plans(run_cli, sample_paths, tmp_path):
    """As benchmark_app: --hint applies when given; else the plan's PERFORMANCE_HINT, else latency."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"CPU": {"PERFORMANCE_HINT": "throughput"}}))
    xml, path = sample_paths["mobilenet"], tmp_path / "p.json"
    made = run_cli("plan", xml, "-d", "CPU", "--load-config", config, "-o", path)
    assert made.exit_code == 0, made.stderr
    quick = ("--niter", 2, "--rounds", 1, "--no-baselines", "--json")
    result = run_cli("bench", xml, "--plan", path, *quick)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    # The result records the hint it ran with, and the api that follows from it.
    assert (data["config"]["hint"], data["config"]["api"]) == ("throughput", "async")
    assert data["runs"][0]["device_properties"]["CPU"]["PERFORMANCE_HINT"] == "THROUGHPUT"
    same = run_cli("bench", xml, "--plan", path, "--hint", "throughput", *quick)
    assert same.exit_code == 0, same.stderr
    assert_one_line_error(
        run_cli("bench", xml, "--plan", path, "--hint", "latency", *quick),
        "--hint latency sets PERFORMANCE_HINT=LATENCY on CPU",
        f"{path} records PERFORMANCE_HINT=THROUGHPUT for CPU",
    )
    # A plan that records no hint runs with latency, as before.
    plain = tmp_path / "plain.json"
    assert run_cli("plan", xml, "-d", "CPU", "-o", plain).exit_code == 0
    data = json.loads(run_cli("bench", xml, "--plan", plain, *quick).stdout)
    assert (data["config"]["hint"], data["config"]["api"]) == ("latency", "sync")
    assert data["runs"][0]["device_properties"]["CPU"]["PERFORMANCE_HINT"] == "LATENCY"


def test_devices_that_record_different_hints_keep_their_own(sample_paths):
    xml = sample_paths["detector"]  # split NPU / CPU
    throughput = DeviceSettings(load_config={"CPU": {"PERFORMANCE_HINT": "THROUGHPUT"}})
    plan = plan_from_files(xml, devices="NPU,CPU", emulate="NPU", settings=throughput)
    assert plan.config_of("NPU")["PERFORMANCE_HINT"] == "LATENCY"  # the npu profile's
    assert with_plan_hint(BenchConfig(), plan).hint == "none"
    assert with_plan_hint(BenchConfig(api="sync"), plan).api == "sync"  # given: kept
    result = run_bench(parse_ir(xml), [("plan", plan)], QUICK, baselines=False)
    assert result.config.hint == "none"
    properties = result.run("plan").device_properties
    assert (properties["NPU"]["PERFORMANCE_HINT"], properties["CPU"]["PERFORMANCE_HINT"]) == (
        "LATENCY",
        "THROUGHPUT",
    )
    # Only the npu profile's: the plan's hint, given to every device.
    assert (
        with_plan_hint(BenchConfig(), plan_from_files(xml, devices="NPU,CPU", emulate="NPU")).hint
        == "latency"
    )


def test_the_benchmark_app_command_loads_the_config_the_bench_compiled_with(run_cli, detector_plan, threads):
    xml, path, _ = detector_plan
    _, chosen = threads
    reports = path.parent / "reports"
    args = ("--niter", 2, "--rounds", 1, "--no-baselines", "--nthreads", "CPU:1", "--report-dir", reports)
    result = run_cli("bench", xml, "--plan", path, *args)
    assert result.exit_code == 0, result.stderr
    # The plan's config, with the bench's hint and --nthreads over it, by the names OpenVINO knows.
    assert json.loads((reports / "load_config.json").read_text()) == {
        "HETERO": {
            "DEVICE_PROPERTIES": f"{{NPU_CPU:{{INFERENCE_NUM_THREADS:{chosen},INFERENCE_PRECISION_HINT:f16,"
            "NUM_STREAMS:1,PERFORMANCE_HINT:LATENCY},"
            "CPU:{INFERENCE_NUM_THREADS:1,NUM_STREAMS:1,PERFORMANCE_HINT:LATENCY}}"
        }
    }
    command = (reports / "benchmark_report.csv").read_text().split("\n\n")[0].split("\n")
    assert f"-load_config;{reports / 'load_config.json'}" in command
    assert "-d;HETERO:NPU_CPU,CPU" in command
    # A --load-config file where the report's would go is an input: never overwritten.
    given = reports / "load_config.json"
    given.write_text(json.dumps({"CPU": {"NUM_STREAMS": 1}}))
    assert_one_line_error(
        run_cli("bench", xml, "--plan", path, *args, "--load-config", given), "would overwrite an input"
    )
    assert json.loads(given.read_text()) == {"CPU": {"NUM_STREAMS": 1}}


def test_plans_of_one_bench_must_record_one_config(detector_plan, sample_paths):
    xml, _, plan = detector_plan
    other = plan_from_files(xml, devices="NPU,CPU", emulate="NPU")
    with pytest.raises(InputError, match="b: records another config for NPU than a"):
        run_bench(parse_ir(xml), [("a", plan), ("b", other)], QUICK)


def test_a_property_openvino_does_not_know_fails_at_compile_naming_the_device(
    run_cli, sample_paths, tmp_path
):
    """HETERO passes an unknown key in DEVICE_PROPERTIES over in silence; the tool does not."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"CPU": {"NO_SUCH_PROPERTY": 1}}))
    xml = sample_paths["detector"]
    plan = tmp_path / "p.json"
    result = run_cli("plan", xml, "-d", "NPU,CPU", "--emulate", "NPU", "--load-config", config, "-o", plan)
    assert result.exit_code == 0, result.stderr  # planning does not compile
    assert_one_line_error(  # the plan alone: through HETERO
        run_cli("bench", xml, "--plan", plan, "--niter", 2, "--no-baselines"),
        "CPU: OpenVINO refuses its config",
        "Unsupported property NO_SUCH_PROPERTY",
    )


# -- bad --load-config files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (None, ["no such config file"]),
        ("{", ["not valid JSON"]),
        ("[1, 2]", ["expected an object of devices", "not a list"]),
        ('{"CPU": 4}', ["'CPU': expected an object of properties", "not a number"]),
        ('{"CPU": {"NUM_STREAMS": [1]}}', ["'CPU': 'NUM_STREAMS': expected text, a number or a boolean"]),
        ('{"GPU": {"NUM_STREAMS": 1}}', ["device 'GPU' is not one of the devices (NPU, CPU)"]),
        ('{"NPU_CPU": {"NUM_STREAMS": 1}}', ["device 'NPU_CPU' is not one of the devices"]),
    ],
)
@pytest.mark.parametrize("command", ["plan", "calibrate", "bench"])
def test_a_bad_config_file_is_one_line_naming_it(run_cli, sample_paths, tmp_path, text, needles, command):
    config = tmp_path / "config.json"
    if text is not None:
        config.write_text(text)
    xml = sample_paths["mobilenet"]
    if command == "bench":
        plan = plan_from_files(xml, devices="NPU,CPU", emulate="NPU").save(tmp_path / "p.json")
        args = ("bench", xml, "--plan", plan, "--niter", 2)
    else:
        args = (command, xml, "-d", "NPU,CPU", "--emulate", "NPU")
    assert_one_line_error(run_cli(*args, "--load-config", config), str(config), *needles)


@pytest.mark.parametrize("command", ["plan", "calibrate"])
def test_per_device_options_are_checked_alike(run_cli, sample_paths, command):
    args = (command, sample_paths["mobilenet"], "-d", "NPU,CPU", "--emulate", "NPU")
    assert_one_line_error(run_cli(*args, "--nthreads", "GPU:2"), "--nthreads: GPU is not one of")
    assert_one_line_error(run_cli(*args, "--nstreams", "0"), "--nstreams 0: give a number above 0 or AUTO")
    assert_one_line_error(run_cli(*args, "--infer-precision", "CPU:f99"), "--infer-precision CPU:f99")


# -- a cost profile records it -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cost_file(sample_paths, tmp_path_factory):
    """A cost profile of the mobilenet measured on the CPU with one stream."""
    path = tmp_path_factory.mktemp("cost") / "cost.json"
    cost_profile_from_files(
        sample_paths["mobilenet"],
        devices="CPU",
        config=QUICK_CALIBRATION,
        settings=DeviceSettings(nstreams={"CPU": "1"}),
        output=path,
    )
    return path


def test_calibrate_records_the_config_it_measured_with(cost_file):
    data = json.loads(cost_file.read_text())
    assert data["devices"][0]["name"] == "CPU" and data["devices"][0]["config"] == {"NUM_STREAMS": 1}


def test_calibrate_compiles_with_the_config(run_cli, sample_paths, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"CPU": {"NO_SUCH_PROPERTY": 1}}))
    assert_one_line_error(
        run_cli("calibrate", sample_paths["mobilenet"], "-d", "CPU", "--load-config", config),
        "CPU: OpenVINO refuses its config",
        "Unsupported property NO_SUCH_PROPERTY",
    )


def test_a_cost_profile_of_another_config_warns(cost_file, sample_paths, caplog):
    xml = sample_paths["mobilenet"]
    same = plan_from_files(xml, devices="CPU", settings=DeviceSettings(nstreams={"": "1"}))
    other = plan_from_files(xml, devices="CPU", settings=DeviceSettings(nthreads={"": 1}))
    with caplog.at_level(logging.WARNING, logger="hetero_tool"):
        load_cost_profile(cost_file, parse_ir(xml), plan=same)
        assert not caplog.records
        profile = load_cost_profile(cost_file, parse_ir(xml), plan=other)  # a warning, not an error
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        f"{cost_file}: CPU was measured with NUM_STREAMS=1, the plan compiles it with "
        "INFERENCE_NUM_THREADS=1; its figures may not hold for this plan"
    )
    assert profile.config_differences(same) == []
