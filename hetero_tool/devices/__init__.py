"""Devices: OpenVINO's device-list syntax, real and emulated devices, profiles, and what each supports."""

from hetero_tool.devices.config import DeviceSettings, read_load_config
from hetero_tool.devices.device import Device, parse_emulate, resolve_devices
from hetero_tool.devices.names import parse_devices
from hetero_tool.devices.profiles import DeviceProfile, builtin_profiles, load_profile
from hetero_tool.devices.support import Support

__all__ = [
    "Device",
    "DeviceProfile",
    "DeviceSettings",
    "Support",
    "builtin_profiles",
    "load_profile",
    "parse_devices",
    "parse_emulate",
    "read_load_config",
    "resolve_devices",
]
