"""Option and argument types shared by the commands, so every command spells them the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["ModelArg", "JsonOpt", "OutputDirOpt"]

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
