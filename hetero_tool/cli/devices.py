"""``hetero-tool devices``: the real devices OpenVINO sees and the built-in profiles for emulating others."""

from __future__ import annotations

from rich.markup import escape

from hetero_tool.cli.console import out, print_json, table
from hetero_tool.cli.options import JsonOpt
from hetero_tool.devices.catalog import device_catalog

__all__ = ["devices"]


def devices(json: JsonOpt = False) -> None:
    """List the devices OpenVINO finds on this machine and the built-in profiles for emulated devices."""
    catalog = device_catalog()
    if json:
        print_json(catalog.to_json())
        return
    real = table("device", "full name", title="Devices on this machine")
    for device in catalog.real:
        real.add_row(device.name, escape(device.full_name))
    out.print(real)
    out.print()
    profiles = table("profile", "supports", "description", title="Built-in profiles (--emulate NAME=PROFILE)")
    for profile in catalog.profiles:
        profiles.add_row(profile.name, escape(profile.supports), escape(profile.description))
    out.print(profiles)
    out.print(
        "\nEmulated devices run on the CPU plugin registered again; plans and reports mark them as emulated."
    )
