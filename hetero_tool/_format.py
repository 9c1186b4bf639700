"""Numbers as people read them, shared by the CLI and the reports."""

from __future__ import annotations

__all__ = ["format_bytes"]


def format_bytes(count: int | float | None, unknown: str = "?") -> str:
    """Binary size: ``864 B``, ``1.5 KiB``, ``3.2 MiB``; ``unknown`` when the size is not known (a dynamic
    shape).

    Examples
    --------
    >>> format_bytes(864), format_bytes(1536), format_bytes(3 * 2**20), format_bytes(None, "dynamic")
    ('864 B', '1.5 KiB', '3.0 MiB', 'dynamic')
    """
    if count is None:
        return unknown
    if count < 1024:
        return f"{count:g} B"
    value = float(count)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f} {unit}"
