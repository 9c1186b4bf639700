"""Numbers as people read them, shared by the CLI and the reports."""

from __future__ import annotations

import math

__all__ = ["bytes_from_text", "format_bytes", "format_ms", "format_tick", "nice_step"]

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


def format_ms(value: float) -> str:
    """Milliseconds with three decimals below 1 ms, two above: ``0.042``, ``12.50``, ``1,204.00``."""
    return f"{value:.3f}" if value < 1 else f"{value:,.2f}"


def nice_step(raw: float) -> float:
    """An axis step: 1, 2 or 5 times a power of ten, at least ``raw``.

    Examples
    --------
    >>> nice_step(0.13), nice_step(7), nice_step(4_100)
    (0.2, 10, 5000)
    """
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def format_tick(value: float, step: float) -> str:
    """An axis tick's label: as many decimals as ``step`` needs, thousands separated.

    Examples
    --------
    >>> format_tick(0.4, 0.2), format_tick(25_000, 5_000)
    ('0.4', '25,000')
    """
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return f"{value:,.{decimals}f}"
