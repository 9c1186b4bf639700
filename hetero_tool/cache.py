"""Where the tool keeps what it can compute again but would rather not: converted models, query results.

The directory is ``$HETERO_TOOL_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/hetero_tool``, else
``~/.cache/hetero_tool``. Entries are written to a temporary name and renamed into place, so a crash never
leaves a half-written entry behind, and two processes racing for the same entry both end with a whole one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["cache_dir", "file_digest", "atomic_directory"]


def cache_dir(*parts: str) -> Path:
    """The cache directory (or a sub-directory of it), created on demand.

    Examples
    --------
    >>> path = cache_dir("converted")
    >>> path.name, path.is_dir()
    ('converted', True)
    """
    root = os.environ.get("HETERO_TOOL_CACHE_DIR")
    if root:
        base = Path(root)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "hetero_tool"
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_digest(paths: Iterable[Path], *extra: str) -> str:
    """SHA-256 over the bytes of ``paths`` (in the order given) and the ``extra`` strings, as hex."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as stream:
            hashlib.file_digest(stream, lambda: digest)
        digest.update(b"\0")
    for text in extra:
        digest.update(text.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def atomic_directory(target: Path, fill: Callable[[Path], None]) -> Path:
    """Create directory ``target`` by filling a temporary sibling with ``fill(tmp)`` and renaming it.

    If ``target`` already exists it is returned untouched. If ``fill`` raises, nothing is left behind.
    """
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        fill(tmp)
        try:
            os.replace(tmp, target)
        except OSError:
            if not target.is_dir():  # not a lost race: a real failure
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
