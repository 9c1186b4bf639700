"""``hetero-tool devices``: the real devices OpenVINO sees and the built-in profiles for emulating others."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from hetero_tool.cli.console import out, print_json
from hetero_tool.cli.options import JsonOpt
from hetero_tool.devices.catalog import device_catalog

__all__ = ["devices"]


def devices(json: JsonOpt = False) -> None:
    """List the devices OpenVINO finds on this machine and the built-in profiles for emulated devices."""
    catalog = device_catalog()
    if json:
        print_json(catalog.to_json())
        return
    table = Table(title="Devices on this machine", title_justify="left", title_style="bold", box=None,
                  pad_edge=False)  # fmt: skip
    table.add_column("device")
    table.add_column("full name")
    for device in catalog.real:
        table.add_row(device.name, escape(device.full_name))
    out.print(table)
    out.print()
    table = Table(title="Built-in profiles (--emulate NAME=PROFILE)", title_justify="left", title_style="bold",
                  box=None, pad_edge=False)  # fmt: skip
    for column in ("profile", "supports", "description"):
        table.add_column(column)
    for profile in catalog.profiles:
        table.add_row(profile.name, escape(profile.supports), escape(profile.description))
    out.print(table)
    out.print("\nEmulated devices run on the CPU plugin registered again; plans and reports mark them as emulated.")
