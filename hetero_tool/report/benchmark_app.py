"""benchmark_app's report files for one run of a bench, so whatever reads benchmark_app's reports reads ours.

``benchmark_app -report_type no_counters|average_counters [-json_stats]`` (Python, OpenVINO 2026.4) writes:

- ``benchmark_report.csv``: three sections, ``Command line parameters`` (the argv pairs as typed),
  ``Configuration setup`` and ``Execution results``, each a title line, ``key;value`` lines and an empty
  line; or ``benchmark_report.json``: ``{"cmd_options": {...}, "configuration_setup": {...},
  "execution_results": {...}}`` on one line (``json.dump`` defaults, no final newline), every value a string
  except ``inference_only`` (a JSON boolean; ``True`` in the CSV);
- with ``average_counters``, also ``benchmark_average_counters_report.csv`` (the line
  ``layerName;execStatus;layerType;execType;realTime (ms);cpuTime (ms)``, one line per node, then
  ``Total;;;;<real>;<cpu>`` and an empty line) or ``.json`` (``{"report_type": "average",
  "avg_performance": {"nodes": [{name, node_type, status, real_time, cpu_time, exec_type}],
  "total_real_time", "total_cpu_time"}}``, indented by 4, no final newline). Times are strings in ms: three
  decimals in the counters, two in ``benchmark_report``.

The files here have that layout byte for byte, filled from a :class:`~hetero_tool.runtime.results.Run`:

- the command line is the benchmark_app equivalent of the bench's :class:`BenchConfig` (``-d`` is the target
  as OpenVINO sees it: an emulated device by the name it is registered under, e.g. ``HETERO:NPU_CPU,CPU``);
- given the config each device compiled with (the plan's ``device_config`` and the bench's options over it),
  ``load_config.json`` holds it in benchmark_app's ``-load_config`` format, as its ``-dump_config`` writes it
  (values as text, indented by 4, no final newline), and the command line reads it (``-load_config``). For a
  HETERO target it is ``{"HETERO": {"DEVICE_PROPERTIES": "{NPU_CPU:{KEY:value,...},CPU:{...}}"}}``:
  benchmark_app gives a HETERO model the config of ``HETERO`` only, and reads the devices' own from that
  string; for one device, ``{"CPU": {"KEY": "value"}}``. Devices are named as in ``-d``, keys sorted;
- a field the run does not know is left out, as benchmark_app leaves out what it did not measure:
  ``read model time (ms)`` and ``reshape model time (ms)`` always, and ``first inference time (ms)`` without
  warm-up (benchmark_app's ``-no_warmup``);
- ``topology`` is the bench's model name (benchmark_app writes ``Model.get_name()``, an automatic
  ``Model<N>``, not the IR's name); ``batch size`` is ``1``, what benchmark_app writes when it finds no batch
  dimension, because the run's throughput counts inferences (benchmark_app multiplies by the batch);
  ``precision`` is ``UNSPECIFIED``, as benchmark_app always writes;
- the counters are the run's per-IR-layer times (:attr:`Profile.layer_times_ms`), one line per timed layer,
  not per runtime node: no ``subgraph<i>: `` prefix and no plugin-inserted nodes (Reorders) of their own.
  Unknown to a bench and written as OpenVINO writes an unknown value: ``execType`` ``undef``, ``cpuTime``
  ``0.000`` (a device that measures no CPU time, as the GPU plugin for its kernels).

benchmark_app 2026.4's ``average_counters -json_stats`` writes only the first node (it averages into one-node
lists and keeps element ``[0]``); ours holds every node, as its CSV does. Its ``-report_folder`` must exist;
here it is created.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hetero_tool._files import write_all_atomic
from hetero_tool.devices.config import property_text
from hetero_tool.devices.device import emulated_ov_name
from hetero_tool.errors import InputError
from hetero_tool.runtime.results import BenchConfig, BenchResult, Run

if TYPE_CHECKING:
    from hetero_tool.ir.types import IRModel

__all__ = [
    "COUNTER_REPORTS",
    "LOAD_CONFIG_FILE",
    "REPORT_FORMATS",
    "render_benchmark_app_report",
    "report_file_names",
    "write_benchmark_app_report",
]

#: ``fmt``: benchmark_app's CSV (its default) or JSON (``-json_stats``).
REPORT_FORMATS = ("csv", "json")
#: ``counters``: benchmark_app's ``-report_type no_counters`` or ``average_counters``.
COUNTER_REPORTS = ("no", "average")

#: The per-device config benchmark_app's ``-load_config`` reads, next to the report files.
LOAD_CONFIG_FILE = "load_config.json"

_CSV_SEPARATOR = ";"
_COUNTER_HEADER = ("layerName", "execStatus", "layerType", "execType", "realTime (ms)", "cpuTime (ms)")
# Section titles of the CSV and keys of the JSON, in benchmark_app's order.
_SECTIONS = (
    ("Command line parameters", "cmd_options"),
    ("Configuration setup", "configuration_setup"),
    ("Execution results", "execution_results"),
)
_Pairs = list[tuple[str, str | bool]]


def render_benchmark_app_report(
    result: BenchResult,
    run_label: str,
    out_dir: str | os.PathLike[str],
    *,
    fmt: str = "csv",
    counters: str = "no",
    model_path: str | os.PathLike[str] | None = None,
    ir: IRModel | None = None,
    device_config: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, str]:
    """The files benchmark_app would write for the run labelled ``run_label``, and the config file its command
    line reads: file name -> text; no I/O.

    Parameters are as :func:`write_benchmark_app_report`; ``out_dir`` only goes into ``-report_folder`` and
    ``-load_config``.

    Examples
    --------
    >>> from hetero_tool.runtime.results import BenchConfig, BenchResult, LatencyStats, Run
    >>> run = Run("plan", "HETERO:NPU,CPU", iterations=200, duration_s=0.5,
    ...           latency=LatencyStats(2.4, 2.5, 2.0, 4.0, 3.0, 3.9), throughput_fps=400.0,
    ...           compile_ms=81.25, first_inference_ms=6.5, submodels=2, emulated=("NPU",))
    >>> config = BenchConfig(niter=200)
    >>> result = BenchResult("mobilenet", "0" * 64, (run,), baseline="plan", config=config)
    >>> files = render_benchmark_app_report(result, "plan", "reports", fmt="csv")
    >>> print(files["benchmark_report.csv"], end="")
    Command line parameters
    -m;mobilenet
    -d;HETERO:NPU_CPU,CPU
    -hint;latency
    -api;sync
    -niter;200
    -report_type;no_counters
    -report_folder;reports
    <BLANKLINE>
    Configuration setup
    topology;mobilenet
    target device;HETERO:NPU_CPU,CPU
    API;sync
    inference_only;True
    precision;UNSPECIFIED
    batch size;1
    number of iterations;200
    number of parallel infer requests;1
    duration (ms);0
    <BLANKLINE>
    Execution results
    compile model time (ms);81.25
    first inference time (ms);6.50
    total execution time (ms);500.00
    total number of iterations;200
    latency (ms);2.40
    avg latency;2.50
    min latency;2.00
    max latency;4.00
    throughput;400.00
    <BLANKLINE>
    """
    report_file_names(fmt, counters)
    run = _find_run(result, run_label)
    rows = _counter_rows(run, ir) if counters == "average" else None
    load_config = _load_config(run, device_config or {})
    sections = (
        _command_line(result, run, out_dir, fmt, counters, model_path, with_config=load_config is not None),
        _configuration(result, run),
        _execution_results(result.config, run),
    )
    files = {f"benchmark_report.{fmt}": _render_report(sections, fmt)}
    if rows is not None:
        files[f"benchmark_average_counters_report.{fmt}"] = _render_counters(rows, fmt)
    if load_config is not None:
        files[LOAD_CONFIG_FILE] = load_config
    return files


def report_file_names(
    fmt: str = "csv", counters: str = "no", *, load_config: bool = False
) -> tuple[str, ...]:
    """The files benchmark_app writes for ``fmt`` and ``counters``, checking both; with ``load_config``, also
    the config file its command line reads (:data:`LOAD_CONFIG_FILE`).

    Examples
    --------
    >>> report_file_names("json", "average")
    ('benchmark_report.json', 'benchmark_average_counters_report.json')
    """
    if fmt not in REPORT_FORMATS:
        raise InputError(f"benchmark_app report format {fmt!r}: use one of {', '.join(REPORT_FORMATS)}")
    if counters == "detailed":
        raise InputError(
            "benchmark_app counters 'detailed' are per infer request; "
            "a bench keeps only their average: use 'average'"
        )
    if counters not in COUNTER_REPORTS:
        raise InputError(f"benchmark_app counters {counters!r}: use one of {', '.join(COUNTER_REPORTS)}")
    names = [f"benchmark_report.{fmt}"]
    if counters == "average":
        names.append(f"benchmark_average_counters_report.{fmt}")
    if load_config:
        names.append(LOAD_CONFIG_FILE)
    return tuple(names)


def write_benchmark_app_report(
    result: BenchResult,
    run_label: str,
    out_dir: str | os.PathLike[str],
    *,
    fmt: str = "csv",
    counters: str = "no",
    model_path: str | os.PathLike[str] | None = None,
    ir: IRModel | None = None,
    device_config: Mapping[str, Mapping[str, Any]] | None = None,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
) -> list[Path]:
    """Write, into ``out_dir``, the report files benchmark_app writes, for one run of a bench.

    So a bench's numbers go where benchmark_app's go: dashboards and scripts that read ``benchmark_report``
    and the counters report read the plan's run, or a baseline's, unchanged. Layout and defaults are in the
    module docstring. The files are written all or none, and the same arguments give the same bytes.

    Parameters
    ----------
    result, run_label
        The bench and the label of the run to report (``"plan"``, ``"CPU alone"``...).
    out_dir
        Directory for the files (benchmark_app's ``-report_folder``); created when missing.
    fmt
        ``"csv"`` or ``"json"`` (``-json_stats``).
    counters
        ``"no"`` (``-report_type no_counters``) or ``"average"`` (``average_counters``: also the per-layer
        counters report, from the run's :class:`Profile`).
    model_path
        The model the bench ran, for ``-m``; defaults to the bench's model name.
    ir
        The model as parsed, so the counters name each layer and give its type; without it they read
        ``layer <id>`` and ``unknown``.
    device_config
        Device name (the plan's) -> the OpenVINO properties it compiled with in the run
        (:func:`~hetero_tool.runtime.bench.compile_configs`): written to :data:`LOAD_CONFIG_FILE` for the
        run's devices, and read by the command line's ``-load_config``, so benchmark_app compiles each
        device alike. Without it (or with nothing set on the run's devices), neither.
    inputs
        Files the caller read (the bench result...), never overwritten; ``model_path`` is always one.

    Returns
    -------
    list of Path
        The files written: ``benchmark_report.<fmt>``, then the counters report, then the config file.

    Raises
    ------
    InputError
        The bench has no run ``run_label``; ``fmt`` or ``counters`` is unknown; average counters of a run
        without per-layer times, or whose layers ``ir`` does not have; a file would replace an input;
        ``out_dir`` cannot be created or written.

    Examples
    --------
    >>> from hetero_tool.runtime.results import BenchResult, LatencyStats, Profile, Run
    >>> profile = Profile(iterations=10, subgraphs=(), devices_ms={"CPU": 0.75}, counted_ms=0.75,
    ...                   latency_ms=0.8, reorders=0, reorder_ms=0.0, layer_times_ms={1: 0.5, 2: 0.25})
    >>> run = Run("CPU alone", "CPU", iterations=100, duration_s=0.1, latency=LatencyStats(1, 1, 1, 1, 1, 1),
    ...           throughput_fps=1000.0, compile_ms=20.0, first_inference_ms=2.0, profile=profile)
    >>> result = BenchResult("tiny", "0" * 64, (run,), baseline="CPU alone")
    >>> paths = write_benchmark_app_report(result, "CPU alone", tmp, fmt="csv", counters="average")
    >>> counters = paths[1].read_text()
    >>> [path.name for path in paths]
    ['benchmark_report.csv', 'benchmark_average_counters_report.csv']
    >>> print(counters, end="")
    layerName;execStatus;layerType;execType;realTime (ms);cpuTime (ms)
    layer 1;Status.EXECUTED;unknown;undef;0.500;0.000
    layer 2;Status.EXECUTED;unknown;undef;0.250;0.000
    Total;;;;0.750;0.000
    <BLANKLINE>
    """
    texts = render_benchmark_app_report(
        result,
        run_label,
        out_dir,
        fmt=fmt,
        counters=counters,
        model_path=model_path,
        ir=ir,
        device_config=device_config,
    )
    out = Path(out_dir)
    paths = [out / name for name in texts]
    for path in paths:
        if path.exists() and not path.is_file():  # checked first: a failed rename would leave half a report
            raise InputError(f"{path} exists and is not a file: cannot write the benchmark_app report there")
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_all_atomic({path: texts[path.name] for path in paths}, inputs=[*inputs, model_path])
    except OSError as exc:
        raise InputError(f"{out}: cannot write the benchmark_app report: {exc.strerror or exc}") from None
    return paths


# -- the three sections --------------------------------------------------------------------------------------


def _command_line(
    result: BenchResult,
    run: Run,
    out_dir: str | os.PathLike[str],
    fmt: str,
    counters: str,
    model_path: str | os.PathLike[str] | None,
    *,
    with_config: bool = False,
) -> _Pairs:
    """The benchmark_app options that measure as the bench did, as (option, value) pairs; a flag's value is
    ``""``, as benchmark_app records it. Knobs benchmark_app lacks (``rounds``, the input seed) are left
    out; ``with_config``: ``-load_config`` reads :data:`LOAD_CONFIG_FILE` in ``out_dir``."""
    config, name = result.config, _device_namer(run)
    model = str(model_path) if model_path is not None else result.model_name
    pairs: _Pairs = [("-m", model), ("-d", _ov_target(run)), ("-hint", config.hint), ("-api", config.api)]
    if config.niter is not None:
        pairs.append(("-niter", str(config.niter)))
    if config.time_s is not None:
        # benchmark_app takes whole seconds; a fraction is written as it is, for the reader.
        pairs.append(("-t", _number(config.time_s)))
    if config.api == "async" and config.nireq > 0:
        pairs.append(("-nireq", str(config.nireq)))
    if config.nstreams:
        pairs.append(("-nstreams", _per_device(config.nstreams, name)))
    nthreads = _cpu_threads(config, run)
    if nthreads is not None:
        pairs.append(("-nthreads", str(nthreads)))
    if config.infer_precision:
        pairs.append(("-infer_precision", _per_device(config.infer_precision, name)))
    if with_config:
        pairs.append(("-load_config", str(Path(out_dir, LOAD_CONFIG_FILE))))
    if config.shapes:
        pairs.append(("-shape", ",".join(f"{input_}{shape}" for input_, shape in config.shapes.items())))
    if config.layouts:
        pairs.append(("-layout", ",".join(f"{k}[{_compact_layout(v)}]" for k, v in config.layouts.items())))
    if config.input_precision:
        pairs.append(("-ip", config.input_precision))
    for option, values in (("--mean_values", config.mean), ("--scale_values", config.scale)):
        if values:
            pairs.append(
                (option, ",".join(f"{k}[{','.join(_number(v) for v in vs)}]" for k, vs in values.items()))
            )
    if not config.inputs.startswith("random("):  # benchmark_app fills inputs with random data without -i
        pairs.append(("-i", _input_files(config.inputs)))
    if not config.warmup:
        pairs.append(("-no_warmup", ""))
    pairs.append(("-report_type", f"{counters}_counters"))
    pairs.append(("-report_folder", str(out_dir)))
    if fmt == "json":
        pairs.append(("-json_stats", ""))
    return pairs


def _configuration(result: BenchResult, run: Run) -> _Pairs:
    config = result.config
    pairs: _Pairs = [
        ("topology", result.model_name),
        ("target device", _ov_target(run)),
        ("API", config.api),
        # The bench sets the inputs once, before timing: benchmark_app's -inference_only (a bool, not a str).
        ("inference_only", True),
        ("precision", "UNSPECIFIED"),
        ("batch size", "1"),
        # "None" when timed by duration, as benchmark_app. benchmark_app rounds an async count up to a
        # multiple of nireq; the bench does not, and runs exactly this many.
        ("number of iterations", str(config.niter)),
    ]
    pairs.append(("number of parallel infer requests", str(run.nireq)))
    pairs.append(("duration (ms)", _number(config.time_s * 1000) if config.time_s else "0"))
    # benchmark_app lists the streams of a hardware device given -nstreams, as compiled; never HETERO's.
    asked = _for_device(config.nstreams, run.target)
    if ":" not in run.target and asked is not None:
        compiled = run.device_properties.get(run.target, {}).get("NUM_STREAMS", asked)
        pairs.append((f"number of {_ov_target(run)} streams", str(compiled)))
    return pairs


def _execution_results(config: BenchConfig, run: Run) -> _Pairs:
    pairs: _Pairs = [("compile model time (ms)", f"{run.compile_ms:.2f}")]
    if config.warmup:
        pairs.append(("first inference time (ms)", f"{run.first_inference_ms:.2f}"))
    latency = run.latency
    pairs += [
        ("total execution time (ms)", f"{run.duration_s * 1000:.2f}"),
        ("total number of iterations", str(run.iterations)),
        # The median is benchmark_app's default -latency_percentile 50 (same rank rule).
        ("latency (ms)", f"{latency.median_ms:.2f}"),
        ("avg latency", f"{latency.average_ms:.2f}"),
        ("min latency", f"{latency.min_ms:.2f}"),
        ("max latency", f"{latency.max_ms:.2f}"),
        ("throughput", f"{run.throughput_fps:.2f}"),
    ]
    return pairs


def _render_report(sections: tuple[_Pairs, _Pairs, _Pairs], fmt: str) -> str:
    if fmt == "json":
        # benchmark_app's json.dump(): default separators, no indent, no final newline; later keys win.
        return json.dumps({key: dict(pairs) for (_, key), pairs in zip(_SECTIONS, sections)})
    lines = []
    for (title, _), pairs in zip(_SECTIONS, sections):
        lines += [title, *(f"{key}{_CSV_SEPARATOR}{value}" for key, value in pairs), ""]
    return "\n".join(lines) + "\n"


# -- counters ------------------------------------------------------------------------------------------------


def _counter_rows(run: Run, ir: IRModel | None) -> list[tuple[str, str, str, float]]:
    """(name, type, status, ms) per timed layer: in the model's order with ``ir``, else by layer id."""
    times = run.profile.layer_times_ms if run.profile is not None else {}
    if not times:
        raise InputError(
            f"bench run {run.label!r} has no per-layer times for average counters: "
            "run `hetero-tool bench` with perf counters on"
        )
    if ir is None:
        order = sorted(times)
        described = {i: (f"layer {i}", "unknown") for i in order}
    else:
        missing = sorted(set(times) - set(ir.layers))
        if missing:
            raise InputError(
                f"bench run {run.label!r} times layer {missing[0]}, which model {ir.name!r} does not have: "
                "the bench ran another model"
            )
        order = [i for i in ir.layers if i in times]
        described = {i: (ir.layers[i].name, ir.layers[i].type) for i in order}
    # OpenVINO reports a node that took no time (fused, optimised out) as NOT_RUN.
    return [(*described[i], "Status.EXECUTED" if times[i] > 0 else "Status.NOT_RUN", times[i]) for i in order]


def _render_counters(rows: list[tuple[str, str, str, float]], fmt: str) -> str:
    total = f"{sum(ms for *_, ms in rows):.3f}"
    unknown_exec, no_cpu_time = "undef", "0.000"
    if fmt == "json":
        nodes = [
            {
                "name": name,
                "node_type": type_,
                "status": status,
                "real_time": f"{ms:.3f}",
                "cpu_time": no_cpu_time,
                "exec_type": unknown_exec,
            }
            for name, type_, status, ms in rows
        ]
        report = {
            "report_type": "average",
            "avg_performance": {"nodes": nodes, "total_real_time": total, "total_cpu_time": no_cpu_time},
        }
        return json.dumps(report, indent=4)
    lines = [_CSV_SEPARATOR.join(_COUNTER_HEADER)]
    lines += [
        _CSV_SEPARATOR.join((name, status, type_, unknown_exec, f"{ms:.3f}", no_cpu_time))
        for name, type_, status, ms in rows
    ]
    lines.append(_CSV_SEPARATOR.join(("Total", "", "", "", total, no_cpu_time)))
    return "\n".join(lines) + "\n\n"


# -- helpers -------------------------------------------------------------------------------------------------


def _find_run(result: BenchResult, label: str) -> Run:
    try:
        return result.run(label)
    except KeyError:
        labels = ", ".join(repr(r.label) for r in result.runs)
        raise InputError(f"bench result has no run {label!r} (it has {labels})") from None


def _device_namer(run: Run):
    """Plan device name -> the name OpenVINO knows it by (an emulated device's registered name)."""
    emulated = set(run.emulated)
    return lambda device: emulated_ov_name(device) if device in emulated else device


def _ov_target(run: Run) -> str:
    """``run.target`` with emulated devices by their OpenVINO names: ``HETERO:NPU,CPU`` becomes
    ``HETERO:NPU_CPU,CPU`` when NPU is emulated."""
    name = _device_namer(run)
    head, sep, devices = run.target.partition(":")
    if not sep:
        return name(run.target)
    return f"{head}:{','.join(name(d.strip()) for d in devices.split(','))}"


def _load_config(run: Run, device_config: Mapping[str, Mapping[str, Any]]) -> str | None:
    """:data:`LOAD_CONFIG_FILE`'s text for ``run``: the config of each of its devices that has one, as
    benchmark_app's ``-dump_config`` writes it; ``None`` when none has.

    Examples
    --------
    >>> from hetero_tool.runtime.results import LatencyStats, Run
    >>> run = Run("plan", "HETERO:NPU,CPU", iterations=1, duration_s=1, latency=LatencyStats(*[1] * 6),
    ...           throughput_fps=1, compile_ms=1, first_inference_ms=1, emulated=("NPU",))
    >>> print(_load_config(run, {"NPU": {"NUM_STREAMS": 1, "PERF_COUNT": False}, "CPU": {}}))
    {
        "HETERO": {
            "DEVICE_PROPERTIES": "{NPU_CPU:{NUM_STREAMS:1,PERF_COUNT:NO}}"
        }
    }
    """
    name = _device_namer(run)
    head, sep, listed = run.target.partition(":")
    devices = [d.strip() for d in listed.split(",")] if sep else [run.target]
    found = {
        name(device): {key: property_text(value) for key, value in sorted(device_config[device].items())}
        for device in devices
        if device_config.get(device)
    }
    if not found:
        return None
    if sep:  # benchmark_app compiles a HETERO model with HETERO's config only: the devices' go inside it
        inner = ",".join(
            f"{device}:{{{','.join(f'{key}:{value}' for key, value in properties.items())}}}"
            for device, properties in found.items()
        )
        found = {head: {"DEVICE_PROPERTIES": f"{{{inner}}}"}}
    return json.dumps(found, indent=4)  # as benchmark_app's dump_config: indented by 4, no final newline


def _per_device(values: Mapping[str, object], name) -> str:
    """benchmark_app's ``<value>,<device>:<value>,...`` form (``-nstreams``, ``-infer_precision``): the value
    for every device (key ``""``) first, as benchmark_app lets a later entry override it for one device."""
    ordered = sorted(values.items(), key=lambda item: item[0] != "")
    return ",".join(f"{name(device)}:{value}" if device else str(value) for device, value in ordered)


def _for_device(values: Mapping[str, object], device: str) -> object | None:
    """The value of a per-device knob for ``device``: its own, else the one for every device (key ``""``)."""
    return values.get(device, values.get(""))


def _cpu_threads(config: BenchConfig, run: Run) -> object | None:
    """``-nthreads``: one number, for the target when it is one device, else (HETERO) for ``CPU``, the only
    device benchmark_app gives it to. Other devices' thread counts have no benchmark_app option."""
    return _for_device(config.nthreads, run.target if ":" not in run.target else "CPU")


def _input_files(inputs: str) -> str:
    """``-i`` from the bench's record of ``--input``: ``files: a=a.npy,b=b.npy`` gives ``a:a.npy,b:b.npy``."""
    files = inputs.removeprefix("files:").strip()
    return ",".join(
        ":".join(part.strip().partition("=")[::2]) if "=" in part else part.strip()
        for part in files.split(",")
    )


def _compact_layout(layout: str) -> str:
    """``[N,C,H,W]`` (OpenVINO's form, as the bench keeps it) as ``NCHW``: benchmark_app reads ``-layout`` as
    ``name[...]`` up to the first ``]``. A layout with longer dimension names stays as it is."""
    dims = layout.strip("[]").split(",")
    return "".join(dims) if all(len(d) == 1 or d == "..." for d in dims) else layout


def _number(value: float) -> str:
    """A number as typed on a command line: ``10`` for 10.0, ``0.5`` for 0.5."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
