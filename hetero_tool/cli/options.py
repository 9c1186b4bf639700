"""Option and argument types shared by the commands, so every command spells them the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "ModelArg",
    "JsonOpt",
    "OutputDirOpt",
    "DevicesOpt",
    "EmulateOpt",
    "RulesOpt",
    "AffinityOpt",
    "PlanOutputOpt",
    "PlanOpt",
    "ConstantsOpt",
    "ShapeOpt",
    "LoadConfigOpt",
    "NstreamsOpt",
    "NthreadsOpt",
    "InferPrecisionOpt",
]

ModelArg = Annotated[
    Path,
    typer.Argument(
        metavar="MODEL",
        help="IR .xml (or a directory holding one), or an .onnx, .tflite or .pdmodel file.",
        show_default=False,
    ),
]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of tables.")]

OutputDirOpt = Annotated[
    Path,
    typer.Option("--output-dir", "-o", help="Directory to write into (created if missing).", file_okay=False),
]

DevicesOpt = Annotated[
    str,
    typer.Option(
        "--devices",
        "-d",
        help="Priority list, highest first: HETERO:NPU,GPU,CPU or NPU,CPU.",
        show_default=False,
    ),
]

EmulateOpt = Annotated[
    list[str],
    typer.Option(
        "--emulate",
        help="Emulate device NAME on the CPU plugin with a profile: "
        "NAME (the built-in profile of that name), NAME=cpu|npu|gpu, or NAME=path/to/profile.toml. "
        "Repeatable.",
        metavar="NAME[=PROFILE]",
    ),
]

RulesOpt = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        help="Placement rules (TOML): pin or forbid devices by op type, name, region...",
        dir_okay=False,
    ),
]

AffinityOpt = Annotated[
    Path | None,
    typer.Option("--affinity", help='Affinity map (JSON): {"layer name": "DEVICE"}.', dir_okay=False),
]

PlanOutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the plan (JSON) here.", dir_okay=False),
]

PlanOpt = Annotated[
    Path,
    typer.Option(
        "--plan",
        "-p",
        help="A plan made by `hetero-tool plan` for this model.",
        dir_okay=False,
        show_default=False,
    ),
]

ConstantsOpt = Annotated[
    bool, typer.Option("--constants", help="Draw Constant layers too (hidden by default).")
]

ShapeOpt = Annotated[
    str | None,
    typer.Option(
        "--shape",
        help="Reshape the model first, as it will be compiled: [1,3,224,224] or "
        "name[1,3,224,224],other[1,8]. A plan records its shapes, and the commands that use it apply them.",
    ),
]

LoadConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--load-config",
        help='Per-device OpenVINO properties, benchmark_app\'s JSON: {"NPU": {"INFERENCE_NUM_THREADS": 2}}, '
        "keyed by the device names given (emulated ones included). The options below win over it.",
        dir_okay=False,
    ),
]

NstreamsOpt = Annotated[
    str | None, typer.Option("--nstreams", help="NUM_STREAMS: N for every device or CPU:4,NPU:1.")
]

NthreadsOpt = Annotated[
    str | None, typer.Option("--nthreads", help="INFERENCE_NUM_THREADS: N or CPU:4,NPU:2.")
]

InferPrecisionOpt = Annotated[
    str | None,
    typer.Option("--infer-precision", help="INFERENCE_PRECISION_HINT: f32 or CPU:f32,NPU:f16."),
]
