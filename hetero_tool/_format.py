"""Numbers as people read them, shared by the CLI and the reports."""

from __future__ import annotations

__all__ = ["bytes_from_text", "format_bytes"]

_UNITS = {
    "": 1, "b": 1,
    "k": 1 << 10, "kib": 1 << 10, "kb": 10**3,
    "m": 1 << 20, "mib": 1 << 20, "mb": 10**6,
    "g": 1 << 30, "gib": 1 << 30, "gb": 10**9,
}  # fmt: skip


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


def bytes_from_text(text: str) -> int | None:
    """A size as people write it: ``4096``, ``16KiB``, ``1.5 GiB``, ``2GB`` (K, M, G alone are binary);
    ``None`` when it is not a positive size.

    Examples
    --------
    >>> bytes_from_text("16k"), bytes_from_text("1.5 GiB"), bytes_from_text("2GB"), bytes_from_text("x")
    (16384, 1610612736, 2000000000, None)
    """
    item = text.strip()
    digits = item.rstrip("KkMmGgIiBb ")
    unit = item[len(digits) :].strip().lower()
    try:
        value = float(digits)
    except ValueError:
        return None
    if unit not in _UNITS or not value > 0:
        return None
    return round(value * _UNITS[unit])
