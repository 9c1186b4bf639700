"""The devices a plan places layers on: real ones OpenVINO sees, and emulated ones with a profile."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hetero_tool._ov import available_devices, cpu_plugin_installed
from hetero_tool.devices.config import normalise_config
from hetero_tool.devices.names import parse_devices
from hetero_tool.devices.profiles import BUILTIN_PROFILE_NAMES, DeviceProfile, load_profile
from hetero_tool.errors import InputError

__all__ = ["Device", "resolve_devices", "parse_emulate", "emulated_ov_name"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Device:
    """A device of the priority list."""

    #: The name plans, dumps and reports use (``"NPU"``, ``"GPU.1"``).
    name: str
    #: The name OpenVINO knows it by: the same for a real device; for an emulated one, the CPU plugin
    #: registered again under a name containing "CPU" (OpenVINO requires it), e.g. ``"NPU_CPU"``.
    ov_name: str
    #: The profile of an emulated device; ``None`` for a real one.
    profile: DeviceProfile | None = None
    #: OpenVINO properties the user set on it (``--load-config``, ``--nthreads`` ...), over :attr:`config`.
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def emulated(self) -> bool:
        return self.profile is not None

    @property
    def label(self) -> str:
        """``NPU (emulated: npu profile on the CPU plugin)`` or just ``GPU``."""
        if self.profile is None:
            return self.name
        return f"{self.name} (emulated: {self.profile.name} profile on the CPU plugin)"

    @property
    def config(self) -> Mapping:
        """The OpenVINO properties the tool sets on the device: an emulated device's profile config (what
        ``query_model`` is asked with, too)."""
        return dict(self.profile.config) if self.profile else {}

    @property
    def compile_config(self) -> dict[str, Any]:
        """What the device compiles with: :attr:`config`, then the user's :attr:`settings` over it, values
        normalised (:func:`~hetero_tool.devices.config.normalise_property`), keys sorted."""
        return normalise_config({**self.config, **self.settings})


def emulated_ov_name(name: str) -> str:
    """The name an emulated device is registered under: it must contain "CPU" and must not be a real device.

    Examples
    --------
    >>> emulated_ov_name("NPU"), emulated_ov_name("GPU.1"), emulated_ov_name("CPUX")
    ('NPU_CPU', 'GPU_1_CPU', 'CPUX')
    """
    plain = name.replace(".", "_")
    return plain if "CPU" in plain and plain != "CPU" else f"{plain}_CPU"


def parse_emulate(specs: Sequence[str]) -> dict[str, str]:
    """``--emulate`` values (``NPU``, ``CPUX=cpu``, ``NPU=my_npu.toml``) as device name -> profile spec.

    ``NAME`` alone means the built-in profile of that name.

    Examples
    --------
    >>> parse_emulate(["NPU", "CPUX=cpu", "npu2=./mine.toml"])
    {'NPU': 'npu', 'CPUX': 'cpu', 'NPU2': './mine.toml'}
    """
    emulate: dict[str, str] = {}
    for spec in specs:
        name, sep, profile = spec.partition("=")
        devices = parse_devices(name) if name.strip() else ()
        if len(devices) != 1:
            raise InputError(f"--emulate {spec!r}: give one device, as NAME or NAME=PROFILE")
        device = devices[0]
        if not sep:
            profile = device.split(".")[0].lower()
            if profile not in BUILTIN_PROFILE_NAMES:
                raise InputError(
                    f"--emulate {spec!r}: there is no built-in profile {profile!r} "
                    f"({', '.join(BUILTIN_PROFILE_NAMES)}); "
                    f"use {device}=PROFILE or {device}=path/to/profile.toml"
                )
        if not profile.strip():
            raise InputError(f"--emulate {spec!r}: the profile after '=' is empty")
        if device in emulate:
            raise InputError(f"--emulate names {device} twice")
        emulate[device] = profile.strip()
    return emulate


def resolve_devices(
    names: Sequence[str],
    emulate: Mapping[str, str | Path] | None = None,
    *,
    real: Sequence[str] | None = None,
) -> tuple[Device, ...]:
    """Turn a priority list into :class:`Device` objects, checking each one exists or is emulated.

    Parameters
    ----------
    names
        Device names in priority order (see :func:`~hetero_tool.devices.names.parse_devices`).
    emulate
        Device name -> profile (built-in name or TOML path) for the devices to emulate.
    real
        The machine's devices; defaults to what OpenVINO finds (:func:`~hetero_tool._ov.available_devices`).

    Examples
    --------
    >>> [d.label for d in resolve_devices(["NPU", "CPU"], {"NPU": "npu"}, real=["CPU"])]
    ['NPU (emulated: npu profile on the CPU plugin)', 'CPU']
    """
    emulate = dict(emulate or {})
    if real is None and all(name in emulate or name == "CPU" for name in names) and cpu_plugin_installed():
        # Only the CPU is asked for, and OpenVINO lists it whenever its plugin ships: no need to import
        # OpenVINO and make a Core to know (a cached plan needs nothing else from it).
        real = ("CPU",)
    real = tuple(available_devices() if real is None else real)
    for name in emulate:
        if name not in names:
            log.warning("--emulate %s: %s is not in the device list %s", name, name, ",".join(names))
    devices = []
    for name in names:
        if name in emulate:
            devices.append(Device(name, emulated_ov_name(name), load_profile(emulate[name])))
        elif name in real or any(r.split(".")[0] == name for r in real):
            devices.append(Device(name, name))
        else:
            raise InputError(
                f"unknown device {name!r}: this machine has {', '.join(real) or 'no devices'}; "
                f"emulate it with --emulate {name} (built-in profiles: {', '.join(BUILTIN_PROFILE_NAMES)})"
            )
    ov_names = [d.ov_name for d in devices]
    clash = next((n for n in ov_names if ov_names.count(n) > 1 or (n in real and n not in names)), None)
    if clash:
        raise InputError(f"device {clash!r} would be used twice; give the emulated device another name")
    return tuple(devices)
