"""Reading the user's JSON and TOML files, with one clear error naming the file."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from hetero_tool.errors import InputError

__all__ = ["read_json", "read_toml", "parse_toml"]


def read_json(path: str | Path, what: str) -> Any:
    """The JSON document in ``path``; ``what`` names the kind of file in the error ("plan", "affinity map")."""
    text = _text(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """The TOML document in ``path``; ``what`` names the kind of file in the error ("rules file")."""
    return parse_toml(_text(path, what), str(path))


def parse_toml(text: str, where: str) -> dict[str, Any]:
    """TOML text from ``where`` (a file name, or a description for a built-in resource)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: not valid TOML: {exc}") from None


def _text(path: str | Path, what: str) -> str:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such {what}")
    try:
        return path.read_text()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a text file: {exc}") from None
