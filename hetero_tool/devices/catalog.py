"""What ``hetero-tool devices`` lists: real devices and built-in profiles, as data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hetero_tool._ov import available_devices, shared_core
from hetero_tool.devices.profiles import builtin_profiles

__all__ = ["RealDevice", "ProfileEntry", "DeviceCatalog", "device_catalog"]


@dataclass(frozen=True)
class RealDevice:
    name: str
    full_name: str


@dataclass(frozen=True)
class ProfileEntry:
    name: str
    description: str
    #: "everything the CPU plugin runs", or how many op types it allows / excludes.
    supports: str
    source: tuple[str, ...]


@dataclass(frozen=True)
class DeviceCatalog:
    real: tuple[RealDevice, ...]
    profiles: tuple[ProfileEntry, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "devices": [{"name": d.name, "full_name": d.full_name} for d in self.real],
            "profiles": [
                {
                    "name": p.name,
                    "description": p.description,
                    "supports": p.supports,
                    "source": list(p.source),
                }
                for p in self.profiles
            ],
        }


def device_catalog() -> DeviceCatalog:
    """Real devices from OpenVINO's ``available_devices`` and the built-in emulation profiles."""
    core = shared_core()
    real = tuple(
        RealDevice(name, str(core.get_property(name, "FULL_DEVICE_NAME"))) for name in available_devices()
    )
    profiles = []
    for profile in builtin_profiles().values():
        if profile.supported_types is not None:
            supports = f"{len(profile.supported_types)} op types"
        else:
            supports = "what the CPU plugin runs"
        if profile.unsupported_types:
            supports += f", minus {len(profile.unsupported_types)}"
        if profile.exclude:
            supports += f", {len(profile.exclude)} conditional exclusions"
        profiles.append(ProfileEntry(profile.name, profile.description, supports, profile.source))
    return DeviceCatalog(real=real, profiles=tuple(profiles))
