"""Where the CLI writes: results to stdout, messages and progress to stderr, and small text helpers."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

__all__ = ["out", "err", "print_json", "format_bytes"]

#: Results (tables, JSON) go to stdout so they can be piped.
out = Console(highlight=False, soft_wrap=True)
#: Errors, warnings and progress go to stderr.
err = Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout, byte for byte what ``json.dumps`` gives (no markup)."""
    sys.stdout.write(json.dumps(data, indent=2) + "\n")
    sys.stdout.flush()


def format_bytes(count: int | None) -> str:
    """Human-readable binary size: ``864 B``, ``1.5 KiB``, ``3.2 MiB``; ``?`` when unknown.

    Examples
    --------
    >>> format_bytes(864), format_bytes(1536), format_bytes(3 * 2**20), format_bytes(None)
    ('864 B', '1.5 KiB', '3.0 MiB', '?')
    """
    if count is None:
        return "?"
    if count < 1024:
        return f"{count} B"
    value = float(count)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f} {unit}"
