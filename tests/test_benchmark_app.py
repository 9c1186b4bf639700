"""benchmark_app's report files written from a bench run: the real benchmark_app's layout, our numbers.

The reference is the installed benchmark_app (Python, OpenVINO 2026.4), run on the tiny IR of
``conftest.py`` with the command line our report derives from each case's :class:`BenchConfig` (``-m tiny.xml
-report_folder out``, from a scratch directory). Its files are kept, as written, under
``tests/golden/benchmark_app/<case>/<fmt>/``; regenerate them (and read the diff: only numbers may change)
from the repository root with::

    python -m tests.test_benchmark_app

Fast tests compare our files with the golden ones: same sections and keys in the same order (less the fields a
bench does not measure, :data:`NOT_MEASURED`), same command line and configuration values (but the
topology), same value types, same bytes around them (separators, blank lines, JSON spacing, final newline
or none). Then the round trip of our numbers, the options benchmark_app's own parser must accept, and the
errors. A slow test runs benchmark_app again and checks the goldens still match what it writes.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from hetero_tool.errors import InputError
from hetero_tool.ir import parse_ir
from hetero_tool.report.benchmark_app import render_benchmark_app_report, write_benchmark_app_report
from hetero_tool.runtime.results import (
    BenchConfig,
    BenchResult,
    LatencyStats,
    Profile,
    Run,
    SubgraphTime,
)
from tests.conftest import tiny_ir_text

GOLDEN = Path(__file__).parent / "golden" / "benchmark_app"
FORMATS = ("csv", "json")
#: What benchmark_app measures and a bench does not: left out of our files.
NOT_MEASURED = {"read model time (ms)", "reshape model time (ms)"}
SECTIONS = {
    "Command line parameters": "cmd_options",
    "Configuration setup": "configuration_setup",
    "Execution results": "execution_results",
}
COUNTER_HEADER = "layerName;execStatus;layerType;execType;realTime (ms);cpuTime (ms)"
# Per-layer times of the tiny IR (layer ids: x 0, bias 1, add 2, relu 3, out 4); the Const has none.
TINY_TIMES = {0: 0.0, 2: 0.0126, 3: 0.25, 4: 0.0}


def _profile(times: dict[int, float]) -> Profile:
    total = sum(times.values())
    return Profile(
        iterations=10,
        subgraphs=(SubgraphTime(0, "CPU", total),),
        devices_ms={"CPU": total},
        counted_ms=total,
        latency_ms=total + 0.01,
        reorders=0,
        reorder_ms=0.0,
        layer_times_ms=times,
    )


def _run(
    label: str, target: str, *, profile: Profile | None = None, emulated: tuple[str, ...] = (), nireq: int = 1
) -> Run:
    return Run(
        label=label,
        target=target,
        iterations=20,
        duration_s=0.0123456,
        throughput_fps=1620.004,
        latency=LatencyStats(median_ms=0.5551, average_ms=0.6, min_ms=0.4449, max_ms=2.0, p90_ms=1, p99_ms=2),
        compile_ms=31.255,
        first_inference_ms=0.875,
        profile=profile,
        emulated=emulated,
        nireq=nireq,
    )


def _bench(config: BenchConfig, *runs: Run) -> BenchResult:
    return BenchResult("tiny", "0" * 64, runs, baseline=runs[0].label, config=config)


#: Each golden case: a bench whose run ``"plan"`` is reported (its target is what benchmark_app runs on),
#: and the counters report.
CASES = {
    "hetero_sync": (
        _bench(BenchConfig(hint="latency", api="sync", niter=20), _run("plan", "HETERO:CPU")),
        "no",
    ),
    "hetero_sync_average": (
        _bench(
            BenchConfig(hint="latency", api="sync", niter=20, perf_counters=True),
            _run("plan", "HETERO:CPU", profile=_profile(TINY_TIMES)),
        ),
        "average",
    ),
    # Every option benchmark_app has an equivalent for, on one device (benchmark_app lists its streams).
    "cpu_async_options": (
        _bench(
            BenchConfig(
                hint="none",
                api="async",
                nireq=2,
                nstreams={"CPU": "1"},
                infer_precision={"CPU": "f32"},
                nthreads={"CPU": 2},
                time_s=None,
                niter=20,
                shapes={"x": "[1,4]"},
                input_precision="f32",
                warmup=False,
            ),
            _run("plan", "CPU", nireq=2),
        ),
        "no",
    ),
}


def _ours(case: str, fmt: str, **kwargs) -> dict[str, str]:
    result, counters = CASES[case]
    return render_benchmark_app_report(
        result, "plan", "out", fmt=fmt, counters=counters, model_path="tiny.xml", **kwargs
    )


def _pick(case: str) -> tuple[BenchResult, str]:
    return CASES[case][0], "plan"


def _golden(case: str, fmt: str) -> dict[str, str]:
    folder = GOLDEN / case / fmt
    return {path.name: path.read_text() for path in sorted(folder.iterdir())}


def _write_tiny_ir(folder: Path) -> Path:
    xml = folder / "tiny.xml"
    xml.write_text(tiny_ir_text())
    xml.with_suffix(".bin").write_bytes(struct.pack("<4f", 0.5, -1.0, 2.0, 0.0))
    return xml


def _argv(cmd_options: dict[str, str]) -> list[str]:
    """benchmark_app's argv from its recorded command line (a flag records ``""``)."""
    return [arg for option, value in cmd_options.items() for arg in ((option, value) if value else (option,))]


def run_benchmark_app(case: str, fmt: str, workdir: Path) -> dict[str, str]:
    """Run the real benchmark_app with the command line our report gives ``case``; return its files."""
    workdir.mkdir(parents=True, exist_ok=True)
    _write_tiny_ir(workdir)
    (workdir / "out").mkdir()  # benchmark_app's -report_folder must exist
    cmd_options = _sections(_ours(case, fmt)[f"benchmark_report.{fmt}"], fmt)["cmd_options"]
    _run_benchmark_app(dict(cmd_options), workdir)
    return {path.name: path.read_text() for path in sorted((workdir / "out").iterdir())}


def _run_benchmark_app(options: dict[str, str], cwd: Path) -> str:
    """Run the real benchmark_app with ``options`` in ``cwd``, which must succeed; return what it printed."""
    code = "import sys; from openvino.tools.benchmark.main import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code, *_argv(options)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout + done.stderr


# -- parsing the files back ----------------------------------------------------------------------------------


def _sections(text: str, fmt: str) -> dict[str, list[tuple[str, object]]]:
    """``benchmark_report``: section key -> (key, value) pairs in file order (JSON types kept)."""
    if fmt == "json":
        data = json.loads(text, object_pairs_hook=list)
        return {name: list(pairs) for name, pairs in data}
    sections: dict[str, list[tuple[str, object]]] = {}
    current = None
    for line in text.split("\n"):
        if current is None and line:
            current = sections.setdefault(SECTIONS[line], [])
        elif line:
            key, _, value = line.partition(";")
            current.append((key, value))
        else:
            current = None
    return sections


def _counter_rows(text: str, fmt: str) -> tuple[list[dict[str, str]], tuple[str, str]]:
    """The counters report's nodes (benchmark_app's JSON keys) and its totals."""
    if fmt == "json":
        data = json.loads(text)["avg_performance"]
        return data["nodes"], (data["total_real_time"], data["total_cpu_time"])
    lines = text.split("\n")
    keys = ("name", "status", "node_type", "exec_type", "real_time", "cpu_time")
    rows = [dict(zip(keys, line.split(";"))) for line in lines[1:-3]]
    total = lines[-3].split(";")
    return rows, (total[4], total[5])


def _json_pairs(result: BenchResult, label: str, out_dir: str = "out", **kwargs):
    """Our ``benchmark_report.json`` for run ``label`` as section -> (key, value) pairs."""
    text = render_benchmark_app_report(result, label, out_dir, fmt="json", **kwargs)["benchmark_report.json"]
    return _sections(text, "json")


def _without_unmeasured(pairs):
    return [(key, value) for key, value in pairs if key not in NOT_MEASURED]


# -- structure: the real benchmark_app's files ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", CASES)
def test_same_files_sections_and_keys_as_benchmark_app(case: str, fmt: str):
    ours, real = _ours(case, fmt), _golden(case, fmt)
    assert sorted(ours) == sorted(real)
    name = f"benchmark_report.{fmt}"
    mine, theirs = _sections(ours[name], fmt), _sections(real[name], fmt)
    assert list(mine) == list(theirs) == list(SECTIONS.values())
    for section in mine:
        assert [k for k, _ in mine[section]] == [k for k, _ in _without_unmeasured(theirs[section])], section
        # Same value types: strings, but inference_only, a JSON boolean.
        assert [type(v) for _, v in mine[section]] == [
            type(v) for _, v in _without_unmeasured(theirs[section])
        ]
    assert mine["cmd_options"] == theirs["cmd_options"]
    topology = ("topology", "tiny")
    assert mine["configuration_setup"][1:] == theirs["configuration_setup"][1:]
    assert mine["configuration_setup"][0] == topology  # benchmark_app: Model.get_name(), "Model<N>"


def _skeleton(line: str) -> str:
    """A report line with its numbers (and benchmark_app's topology name) blanked: they differ by design."""
    return re.sub(r"\d+\.\d+", "N", re.sub(r"^topology;.*", "topology;T", line))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", CASES)
def test_same_bytes_around_the_values(case: str, fmt: str):
    """Separators, blank lines, JSON spacing and the (missing) final newline, as benchmark_app writes them."""
    ours, real = _ours(case, fmt), _golden(case, fmt)
    for name, text in ours.items():
        if fmt == "json":
            indent = 4 if "counters" in name else None
            assert json.dumps(json.loads(text), indent=indent) == text
            assert json.dumps(json.loads(real[name]), indent=indent) == real[name]
        elif "counters" not in name:  # the counters' lines: test_counters_have_benchmark_app_columns
            keep = [line for line in real[name].split("\n") if line.split(";")[0] not in NOT_MEASURED]
            assert [_skeleton(line) for line in text.split("\n")] == [_skeleton(line) for line in keep]


@pytest.mark.parametrize("fmt", FORMATS)
def test_counters_have_benchmark_app_columns(fmt: str):
    ours = _ours("hetero_sync_average", fmt)["benchmark_average_counters_report." + fmt]
    real = _golden("hetero_sync_average", fmt)["benchmark_average_counters_report." + fmt]
    if fmt == "csv":
        for text in (ours, real):
            lines = text.split("\n")
            assert lines[0] == COUNTER_HEADER
            assert all(line.count(";") == 5 for line in lines[1:-2])
            assert re.fullmatch(r"Total;;;;\d+\.\d{3};\d+\.\d{3}", lines[-3])
            assert text.endswith("\n\n")
    else:
        mine, theirs = json.loads(ours), json.loads(real)
        assert list(mine) == list(theirs) == ["report_type", "avg_performance"]
        assert mine["report_type"] == theirs["report_type"] == "average"
        assert list(mine["avg_performance"]) == list(theirs["avg_performance"])
        assert list(mine["avg_performance"]["nodes"][0]) == list(theirs["avg_performance"]["nodes"][0])
        # benchmark_app 2026.4's JSON average report keeps only its first node; ours keeps every one.
        assert len(theirs["avg_performance"]["nodes"]) == 1
        assert len(mine["avg_performance"]["nodes"]) == len(TINY_TIMES)
    for rows, _ in (_counter_rows(ours, fmt), _counter_rows(real, fmt)):
        assert {row["status"] for row in rows} <= {"Status.EXECUTED", "Status.NOT_RUN"}
        assert all(re.fullmatch(r"\d+\.\d{3}", row[key]) for row in rows for key in ("real_time", "cpu_time"))


def test_options_are_ones_benchmark_app_parses():
    """A bench using every knob gives a command line benchmark_app's own parser accepts, meaning the same."""
    from openvino.tools.benchmark.parameters import parse_args

    config = BenchConfig(
        hint="none",
        api="async",
        nireq=4,
        nstreams={"NPU": "2", "CPU": "1"},
        infer_precision={"CPU": "bf16"},
        nthreads={"CPU": 4, "NPU": 1},
        time_s=3.0,
        shapes={"x": "[1,4]", "y": "[2,4]"},
        input_precision="u8",
        layouts={"x": "[N,C]", "y": "[N,...]"},
        mean={"x": (123.675, 116.28, 103.53)},
        scale={"x": (58.395, 57.12, 57.375)},
        inputs="files: x=x.npy, y=y.npy",
        warmup=False,
    )
    plan = _run("plan", "HETERO:NPU,CPU", emulated=("NPU",), profile=_profile(TINY_TIMES), nireq=4)
    pairs = _json_pairs(_bench(config, plan), "plan", "reports", counters="average")
    cmd = dict(pairs["cmd_options"])
    args = parse_args().parse_args(_argv(cmd))
    assert args.path_to_model == "tiny"
    assert args.target_device == "HETERO:NPU_CPU,CPU"
    assert (args.perf_hint, args.api_type, args.number_infer_requests, args.time) == ("none", "async", 4, 3)
    assert args.number_streams == "NPU_CPU:2,CPU:1"
    assert args.number_threads == 4  # benchmark_app gives -nthreads to the CPU only
    assert args.infer_precision == "CPU:bf16"
    assert args.shape == "x[1,4],y[2,4]"
    assert args.layout == "x[NC],y[N...]"
    assert args.input_precision == "u8"
    assert args.mean_values == "x[123.675,116.28,103.53]"
    assert args.scale_values == "x[58.395,57.12,57.375]"
    assert args.paths_to_input == [["x:x.npy,y:y.npy"]]
    assert args.no_warmup and args.json_stats
    assert (args.report_type, args.report_folder) == ("average_counters", "reports")
    assert args.number_iterations is None
    setup = dict(pairs["configuration_setup"])
    assert setup["target device"] == "HETERO:NPU_CPU,CPU"
    assert setup["number of parallel infer requests"] == "4"
    assert setup["duration (ms)"] == "3000"
    assert setup["number of iterations"] == "None"
    assert not any(
        key.startswith("number of ") and key.endswith(" streams") for key in setup
    )  # not for HETERO


# -- the devices' config: -load_config -----------------------------------------------------------------------

#: What each device of an emulated NPU / CPU split compiled with, keys in no order.
SPLIT_CONFIG = {
    "NPU": {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f16", "NUM_STREAMS": 1},
    "CPU": {"PERF_COUNT": False, "INFERENCE_NUM_THREADS": 2},
}


def _benchmark_app_config(path: Path) -> dict:
    """``path`` as benchmark_app's -load_config reads it: device -> property -> value."""
    from openvino.tools.benchmark.utils.utils import load_config

    config: dict = {}
    load_config(str(path), config)
    return {device: {key: value.value for key, value in props.items()} for device, props in config.items()}


def test_the_devices_config_is_a_file_the_command_line_loads(tmp_path: Path):
    from openvino.tools.benchmark.parameters import parse_args

    run = _run("plan", "HETERO:NPU,CPU", emulated=("NPU",))
    result = _bench(BenchConfig(hint="latency", niter=20), run)
    files = render_benchmark_app_report(result, "plan", "out", device_config=SPLIT_CONFIG)
    assert files["load_config.json"] == json.dumps(
        {
            "HETERO": {
                "DEVICE_PROPERTIES": "{NPU_CPU:{INFERENCE_PRECISION_HINT:f16,NUM_STREAMS:1,"
                "PERFORMANCE_HINT:LATENCY},CPU:{INFERENCE_NUM_THREADS:2,PERF_COUNT:NO}}"
            }
        },
        indent=4,
    )
    cmd = dict(_sections(files["benchmark_report.csv"], "csv")["cmd_options"])
    assert cmd["-load_config"] == str(Path("out", "load_config.json"))
    assert parse_args().parse_args(_argv(cmd)).load_config == cmd["-load_config"]
    # benchmark_app reads each device's config back, by the names of -d.
    paths = write_benchmark_app_report(result, "plan", tmp_path, device_config=SPLIT_CONFIG)
    assert [path.name for path in paths] == ["benchmark_report.csv", "load_config.json"]
    assert _benchmark_app_config(tmp_path / "load_config.json") == {
        "HETERO": {
            "DEVICE_PROPERTIES": {
                "NPU_CPU": {
                    "INFERENCE_PRECISION_HINT": "f16",
                    "NUM_STREAMS": "1",
                    "PERFORMANCE_HINT": "LATENCY",
                },
                "CPU": {"INFERENCE_NUM_THREADS": "2", "PERF_COUNT": "NO"},
            }
        }
    }
    # Deterministic: the same bytes whatever order the config came in.
    reordered = {device: dict(reversed(props.items())) for device, props in SPLIT_CONFIG.items()}
    again = render_benchmark_app_report(result, "plan", "out", device_config=reordered)
    assert again == files


def test_one_devices_config_is_keyed_by_its_openvino_name(tmp_path: Path):
    run = _run("NPU alone", "NPU", emulated=("NPU",))
    result = _bench(BenchConfig(hint="latency", niter=20), run)
    write_benchmark_app_report(result, "NPU alone", tmp_path, device_config=SPLIT_CONFIG)
    assert _benchmark_app_config(tmp_path / "load_config.json") == {
        "NPU_CPU": {"INFERENCE_PRECISION_HINT": "f16", "NUM_STREAMS": "1", "PERFORMANCE_HINT": "LATENCY"}
    }


def test_no_config_no_file(tmp_path: Path):
    run = _run("plan", "HETERO:NPU,CPU", emulated=("NPU",))
    result = _bench(BenchConfig(hint="none", niter=20), run)
    files = render_benchmark_app_report(result, "plan", "out", device_config={"NPU": {}, "CPU": {}})
    cmd = dict(_sections(files["benchmark_report.csv"], "csv")["cmd_options"])
    assert list(files) == ["benchmark_report.csv"] and "-load_config" not in cmd


@pytest.mark.slow
def test_benchmark_app_compiles_with_the_config_file(tmp_path: Path):
    """The real benchmark_app, given our command line and file, compiles the device with its config."""
    xml = _write_tiny_ir(tmp_path)
    (tmp_path / "out").mkdir()
    result = _bench(BenchConfig(hint="latency", niter=2), _run("plan", "HETERO:CPU"))
    config = {"CPU": {"INFERENCE_NUM_THREADS": 1, "PERFORMANCE_HINT": "THROUGHPUT"}}
    write_benchmark_app_report(result, "plan", tmp_path / "out", model_path=xml.name, device_config=config)
    written = (tmp_path / "out" / "benchmark_report.csv").read_text()
    cmd = dict(_sections(written, "csv")["cmd_options"])
    cmd["-report_folder"] = "out"
    cmd["-load_config"] = str(Path("out", "load_config.json"))
    shown = _run_benchmark_app(cmd, tmp_path)
    device = shown[shown.index("  CPU:") :]  # the CPU's properties, as the compiled HETERO model reports them
    assert "INFERENCE_NUM_THREADS: 1\n" in device and "PERFORMANCE_HINT: THROUGHPUT\n" in device


# -- our numbers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_numbers_round_trip(fmt: str, write_ir):
    ir = parse_ir(write_ir())
    files = _ours("hetero_sync_average", fmt, ir=ir)
    results = dict(_sections(files[f"benchmark_report.{fmt}"], fmt)["execution_results"])
    assert results == {
        "compile model time (ms)": "31.25",  # 31.255 as benchmark_app rounds it: f"{:.2f}"
        "first inference time (ms)": "0.88",
        "total execution time (ms)": "12.35",
        "total number of iterations": "20",
        "latency (ms)": "0.56",
        "avg latency": "0.60",
        "min latency": "0.44",
        "max latency": "2.00",
        "throughput": "1620.00",
    }
    rows, totals = _counter_rows(files[f"benchmark_average_counters_report.{fmt}"], fmt)
    fields = ("name", "node_type", "status", "real_time", "cpu_time", "exec_type")
    assert [tuple(row[field] for field in fields) for row in rows] == [
        ("x", "Parameter", "Status.NOT_RUN", "0.000", "0.000", "undef"),
        ("add", "Add", "Status.EXECUTED", "0.013", "0.000", "undef"),
        ("relu", "Relu", "Status.EXECUTED", "0.250", "0.000", "undef"),
        ("out", "Result", "Status.NOT_RUN", "0.000", "0.000", "undef"),
    ]
    assert totals == ("0.263", "0.000")


def test_counters_without_the_model_name_layers_by_id():
    files = render_benchmark_app_report(*_pick("hetero_sync_average"), "out", fmt="csv", counters="average")
    rows, _ = _counter_rows(files["benchmark_average_counters_report.csv"], "csv")
    assert [(r["name"], r["node_type"]) for r in rows] == [
        (f"layer {i}", "unknown") for i in sorted(TINY_TIMES)
    ]


def test_csv_and_json_hold_the_same_pairs():
    csv, js = _ours("cpu_async_options", "csv"), _ours("cpu_async_options", "json")
    mine_csv, mine_json = (
        _sections(csv["benchmark_report.csv"], "csv"),
        _sections(js["benchmark_report.json"], "json"),
    )
    mine_json["cmd_options"].remove(("-json_stats", ""))
    mine_json["configuration_setup"] = [(k, str(v)) for k, v in mine_json["configuration_setup"]]
    assert mine_csv == mine_json
    assert dict(mine_csv["configuration_setup"])["number of CPU streams"] == "1"


def test_emulated_devices_by_their_openvino_names():
    config = BenchConfig(
        hint="throughput", api="async", nstreams={"NPU": "2"}, infer_precision={"NPU": "f16"}
    )
    run = _run("NPU alone", "NPU", emulated=("NPU",), nireq=3)
    files = render_benchmark_app_report(_bench(config, run), "NPU alone", "out", fmt="csv")
    pairs = _sections(files["benchmark_report.csv"], "csv")
    cmd, setup = dict(pairs["cmd_options"]), dict(pairs["configuration_setup"])
    assert (cmd["-d"], cmd["-nstreams"], cmd["-infer_precision"]) == ("NPU_CPU", "NPU_CPU:2", "NPU_CPU:f16")
    assert (cmd["-t"], setup["duration (ms)"], setup["number of iterations"]) == ("10", "10000", "None")
    assert setup["number of NPU_CPU streams"] == "2"
    # Async with the compiled model's optimal number of requests: no -nireq, and the number the run used.
    assert setup["number of parallel infer requests"] == "3" and "-nireq" not in cmd


def test_values_for_every_device():
    """A knob for every device (key ``""``) is benchmark_app's bare value, before any per-device one."""
    config = BenchConfig(
        hint="none",
        api="sync",
        nstreams={"CPU": "AUTO", "": "2"},
        nthreads={"": 3},
        infer_precision={"": "f32"},
        shapes={"": "[1,4]"},
        mean={"": (1.0, 2.5)},
        inputs="files: x.npy",
    )
    run = dataclasses.replace(_run("CPU alone", "CPU"), device_properties={"CPU": {"NUM_STREAMS": "4"}})
    pairs = _json_pairs(_bench(config, run), "CPU alone")
    cmd, setup = dict(pairs["cmd_options"]), dict(pairs["configuration_setup"])
    assert (cmd["-nstreams"], cmd["-nthreads"], cmd["-infer_precision"]) == ("2,CPU:AUTO", "3", "f32")
    assert (cmd["-shape"], cmd["--mean_values"], cmd["-i"]) == ("[1,4]", "[1,2.5]", "x.npy")
    assert setup["number of CPU streams"] == "4"  # as compiled (benchmark_app reads NUM_STREAMS back)
    hetero = _json_pairs(_bench(config, _run("plan", "HETERO:GPU,CPU")), "plan")
    assert dict(hetero["cmd_options"])["-nthreads"] == "3"


def test_output_is_deterministic(tmp_path: Path):
    result, _ = CASES["hetero_sync_average"]
    first = write_benchmark_app_report(result, "plan", tmp_path / "a", fmt="json", counters="average")
    again = write_benchmark_app_report(result, "plan", tmp_path / "a", fmt="json", counters="average")
    names = ["benchmark_report.json", "benchmark_average_counters_report.json"]
    assert first == again == [tmp_path / "a" / name for name in names]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(
        p.name for p in first
    )  # no temp files
    rendered = render_benchmark_app_report(result, "plan", tmp_path / "a", fmt="json", counters="average")
    assert {p.name: p.read_text() for p in first} == rendered


# -- errors --------------------------------------------------------------------------------------------------


def test_unknown_run_label():
    with pytest.raises(InputError, match=r"no run 'GPU alone' \(it has 'plan'\)"):
        render_benchmark_app_report(CASES["hetero_sync"][0], "GPU alone", "out")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fmt": "xml"}, "format 'xml'"),
        ({"counters": "detailed"}, "keeps only their average"),
        ({"counters": "sorted"}, "counters 'sorted'"),
    ],
)
def test_unknown_options(kwargs, message):
    with pytest.raises(InputError, match=message):
        render_benchmark_app_report(*_pick("hetero_sync"), "out", **kwargs)


def test_average_counters_need_per_layer_times():
    with pytest.raises(InputError, match="no per-layer times"):
        render_benchmark_app_report(*_pick("hetero_sync"), "out", counters="average")
    result = _bench(BenchConfig(), _run("plan", "CPU", profile=_profile({})))
    with pytest.raises(InputError, match="no per-layer times"):
        render_benchmark_app_report(result, "plan", "out", counters="average")


def test_counters_of_another_model(write_ir):
    result = _bench(BenchConfig(), _run("plan", "CPU", profile=_profile({**TINY_TIMES, 99: 1.0})))
    with pytest.raises(InputError, match="layer 99, which model 'tiny' does not have"):
        render_benchmark_app_report(result, "plan", "out", counters="average", ir=parse_ir(write_ir()))


def test_unwritable_directory(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(InputError, match="cannot write the benchmark_app report"):
        write_benchmark_app_report(*_pick("hetero_sync"), blocker / "reports")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(InputError, match="cannot write the benchmark_app report"):
            write_benchmark_app_report(*_pick("hetero_sync"), locked)
        assert list(locked.iterdir()) == []


def test_all_files_or_none(tmp_path: Path):
    """A target that cannot be replaced stops the write before anything is touched."""
    (tmp_path / "benchmark_report.json").write_text("old")
    (tmp_path / "benchmark_average_counters_report.json").mkdir()
    with pytest.raises(InputError, match="is not a file"):
        write_benchmark_app_report(*_pick("hetero_sync_average"), tmp_path, fmt="json", counters="average")
    assert (tmp_path / "benchmark_report.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "benchmark_average_counters_report.json",
        "benchmark_report.json",
    ]


def test_never_overwrites_an_input(tmp_path: Path):
    result, label = _pick("hetero_sync")
    bench_json = result.save(tmp_path / "benchmark_report.json")
    before = bench_json.read_bytes()
    with pytest.raises(InputError, match="would overwrite"):
        write_benchmark_app_report(result, label, tmp_path, fmt="json", inputs=[bench_json])
    assert bench_json.read_bytes() == before
    model = tmp_path / "m" / "benchmark_report.csv"  # absurd, but a model path is an input too
    model.parent.mkdir()
    model.write_text("model")
    with pytest.raises(InputError, match="would overwrite"):
        write_benchmark_app_report(result, label, model.parent, fmt="csv", model_path=model)
    assert model.read_text() == "model"


def test_fixtures_are_whole_bench_results():
    """The cases survive the bench JSON round trip, so they are results ``hetero-tool bench`` could write."""
    for result, _ in CASES.values():
        assert BenchResult.from_json(result.to_json()) == result


# -- the goldens against the installed benchmark_app ---------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_goldens_match_the_installed_benchmark_app(case: str, tmp_path: Path):
    """benchmark_app, run now, writes the files and keys the goldens hold (numbers aside)."""
    for fmt in FORMATS:
        real, golden = run_benchmark_app(case, fmt, tmp_path / fmt), _golden(case, fmt)
        assert sorted(real) == sorted(golden)
        for name in real:
            if name.startswith("benchmark_report"):
                now, kept = _sections(real[name], fmt), _sections(golden[name], fmt)
                assert {s: [k for k, _ in p] for s, p in now.items()} == {
                    s: [k for k, _ in p] for s, p in kept.items()
                }
                assert now["cmd_options"] == kept["cmd_options"]
                assert now["configuration_setup"] == kept["configuration_setup"]
            else:
                assert [sorted(r) for r in _counter_rows(real[name], fmt)[0]] == [
                    sorted(r) for r in _counter_rows(golden[name], fmt)[0]
                ]


def regenerate() -> None:
    """Rewrite the goldens from the installed benchmark_app."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        for case in CASES:
            for fmt in FORMATS:
                files = run_benchmark_app(case, fmt, Path(scratch) / case / fmt)
                folder = GOLDEN / case / fmt
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir(parents=True)
                for name, text in files.items():
                    (folder / name).write_text(text)
                print(folder.relative_to(Path.cwd()) if folder.is_relative_to(Path.cwd()) else folder, *files)


if __name__ == "__main__":
    regenerate()
