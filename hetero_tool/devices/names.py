"""Device names and priority lists in OpenVINO's syntax."""

from __future__ import annotations

import re

from hetero_tool.errors import InputError

__all__ = ["parse_devices", "DEVICE_NAME"]

#: A device name as OpenVINO accepts it: a name, optionally with a ``.<id>`` (``GPU.1``).
DEVICE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[0-9A-Za-z_]+)?")


def parse_devices(text: str) -> tuple[str, ...]:
    """The devices of a priority list, highest priority first.

    Accepts ``HETERO:NPU,GPU,CPU``, a plain comma list ``NPU,CPU`` (spaces allowed) and a single ``GPU.1``.

    Examples
    --------
    >>> parse_devices("HETERO:NPU,GPU.1,CPU")
    ('NPU', 'GPU.1', 'CPU')
    >>> parse_devices("npu, CPU")
    ('NPU', 'CPU')
    """
    body = text.strip()
    head, sep, rest = body.partition(":")
    if sep:
        if head.strip().upper() != "HETERO":
            raise InputError(
                f"device list {text!r}: only HETERO:<devices> or a plain list is understood here"
            )
        body = rest
    names = [part.strip() for part in body.split(",")]
    if not body.strip() or any(not name for name in names):
        raise InputError(f"device list {text!r} is empty or has an empty entry")
    devices = []
    for name in names:
        if not DEVICE_NAME.fullmatch(name):
            raise InputError(f"device list {text!r}: {name!r} is not a device name")
        base, dot, index = name.partition(".")
        canonical = base.upper() + dot + index
        if canonical in ("HETERO", "MULTI", "AUTO", "BATCH"):
            raise InputError(
                f"device list {text!r}: {canonical} is a virtual device, not one HETERO can place on"
            )
        if canonical in devices:
            raise InputError(f"device list {text!r} names {canonical} twice")
        devices.append(canonical)
    return tuple(devices)
