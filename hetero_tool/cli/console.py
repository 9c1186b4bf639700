"""Where the CLI writes: results to stdout, messages and progress to stderr, and small text helpers."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

from hetero_tool._format import format_bytes

__all__ = ["out", "err", "print_json", "format_bytes"]

#: Results (tables, JSON) go to stdout so they can be piped.
out = Console(highlight=False, soft_wrap=True, emoji=False)
#: Errors, warnings and progress go to stderr.
err = Console(stderr=True, highlight=False, emoji=False)


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout, byte for byte what ``json.dumps`` gives (no markup)."""
    sys.stdout.write(json.dumps(data, indent=2) + "\n")
    sys.stdout.flush()
