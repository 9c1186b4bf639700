"""Files: the user's JSON and TOML read with one clear error naming the file, and outputs written
atomically."""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hetero_tool.errors import InputError

__all__ = [
    "check_output",
    "parse_toml",
    "read_bytes",
    "read_json",
    "read_toml",
    "refuse_inputs",
    "write_all_atomic",
    "write_atomic",
]


def read_json(path: str | Path, what: str) -> Any:
    """The JSON document in ``path``; ``what`` names the kind of file in the error ("affinity map")."""
    text = _text(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None


def read_bytes(path: str | Path, what: str) -> bytes:
    """The bytes of ``path``; ``what`` names the kind of file in the error ("plan", "bench result")."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such {what}")
    return path.read_bytes()


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
    try:
        return read_bytes(path, what).decode()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a text file: {exc}") from None


def check_output(output: str | Path, *inputs: str | Path | None) -> None:
    """Refuse an output path that is one of the inputs (or an input IR's ``.bin``), or whose directory does
    not exist: checked before any work, so a long run does not end in an error and never overwrites an
    input."""
    output = Path(output)
    if not output.parent.is_dir():
        raise InputError(f"{output}: the directory {output.parent} does not exist")
    refuse_inputs([output], inputs)


def refuse_inputs(targets: Iterable[str | Path], inputs: Iterable[str | Path | None]) -> None:
    """Raise :class:`~hetero_tool.errors.InputError` if writing any of ``targets`` would replace one of
    ``inputs`` (an input IR ``.xml`` brings its ``.bin``)."""
    protected: dict[Path, Path] = {}
    for item in inputs:
        if item is None:
            continue
        path = Path(item)
        for candidate in (path, path.with_suffix(".bin")) if path.suffix == ".xml" else (path,):
            protected[candidate.resolve()] = candidate
    for target in map(Path, targets):
        if target.resolve() in protected:
            raise InputError(f"{target} would overwrite an input ({protected[target.resolve()]})")


def write_atomic(path: str | Path, data: str | bytes, *, inputs: Iterable[str | Path | None] = ()) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename, so a reader
    sees the old file or the new one, never half of it, and a crash leaves no partial output. Never replaces
    one of ``inputs`` (:func:`refuse_inputs`)."""
    path = Path(path)
    write_all_atomic({path: data}, inputs=inputs)
    return path


def write_all_atomic(files: Mapping[Path, str | bytes], *, inputs: Iterable[str | Path | None] = ()) -> None:
    """Write several files all or nothing: each goes to a temporary sibling first, and the renames happen only
    once every one of them is complete; on error the temporary files are removed and no target is touched.
    A target that is one of ``inputs`` is refused before anything is written (:func:`refuse_inputs`).

    The files get the user's usual permissions (``0o666`` minus the umask), not ``mkstemp``'s ``0o600``.
    """
    refuse_inputs(files, inputs)
    temps: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except OSError as exc:  # name the file the user asked for, not the temporary one
                raise OSError(exc.errno, exc.strerror, str(path)) from None
            temps.append((tmp, path))
            with os.fdopen(fd, "wb") as stream:
                stream.write(data.encode() if isinstance(data, str) else data)
                stream.flush()
                os.fsync(stream.fileno())
        for tmp, path in temps:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise
