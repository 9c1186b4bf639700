"""OpenVINO glue every stage uses: Cores, emulated devices, and error text that reads as one line.

OpenVINO is imported on first use, so importing the tool stays fast for commands that never touch it; what
can be known from the installed package's files (:func:`installed_build`, :func:`cpu_plugin_installed`) is
known without importing it at all.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from hetero_tool.errors import BackendError

__all__ = [
    "available_devices",
    "cpu_plugin_installed",
    "cpu_plugin_library",
    "installed_build",
    "new_core",
    "ov_error_text",
    "ov_imported",
    "ov_version",
    "register_cpu_device",
    "shared_core",
]

# Lines OpenVINO adds to a message: where in its C++ source the exception passed through, then the generic
# headers of its checks. The first are dropped when anything else is left, the second when a message is.
_WHERE = re.compile(r"^(Exception from \S+|\S+\.cpp:\d+:?)$")
_HEADER = re.compile(r"^(Check '.*' failed at \S+|FrontEnd API failed with \w+:?)$")


def ov_error_text(exc: BaseException) -> str:
    """An OpenVINO exception's whole message on one line: what went wrong, without where in C++ it passed.

    The message is kept whole (its lines folded into one, runs of blanks into one space), because OpenVINO
    often names the culprit on a later line: HETERO's "some layers eg:" is followed by the layer on the next.

    Examples
    --------
    >>> ov_error_text(RuntimeError("Exception from src/core.cpp:84:\\nUnable to read the model: x.xml\\n"))
    'Unable to read the model: x.xml'
    >>> ov_error_text(RuntimeError("Exception from a.cpp:1:\\nsome layers eg: \\n(Name:c, Type: Constant)"))
    'some layers eg: (Name:c, Type: Constant)'
    >>> ov_error_text(RuntimeError("Exception from a.cpp:1:\\nCheck 'n > 0' failed at b.cpp:2\\n"))
    "Check 'n > 0' failed at b.cpp:2"
    """
    lines = [" ".join(line.split()) for line in str(exc).splitlines()]
    lines = [line for line in lines if line]
    said = [line for line in lines if not _WHERE.match(line)] or lines
    return " ".join([line for line in said if not _HEADER.match(line)] or said) or type(exc).__name__


@cache
def shared_core():
    """The process's ``ov.Core`` for reading models, querying support and listing devices.

    Compiling takes a :func:`new_core` instead: HETERO reports ``HETERO_NUMBER_OF_SUBMODELS`` net of a counter
    its Core keeps across compiles, and a compiled model must not share its Core's lifetime with others.
    """
    import openvino as ov

    return ov.Core()


def new_core(emulated: Iterable[str] = ()):
    """A fresh ``ov.Core`` with the emulated devices ``emulated`` (OpenVINO names) registered on it.

    Examples
    --------
    >>> "NPU_CPU" in new_core(["NPU_CPU"]).available_devices
    True
    """
    import openvino as ov

    core = ov.Core()
    for name in emulated:
        register_cpu_device(core, name)
    return core


@cache
def available_devices() -> tuple[str, ...]:
    """Devices OpenVINO finds on this machine: ``available_devices`` of a Core no emulated device is
    registered on (the shared one may have some)."""
    return tuple(new_core().available_devices)


def ov_version() -> str:
    """``openvino.get_version()``: part of every cache key and of every result the tool writes."""
    import openvino as ov

    return ov.get_version()


def ov_imported() -> bool:
    """Whether OpenVINO is imported in this process already (then asking it costs nothing)."""
    return "openvino" in sys.modules


@cache
def _package_dir() -> Path | None:
    """The installed ``openvino`` package's directory, found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("openvino")
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    return Path(locations[0]) if locations else None


def installed_build() -> tuple[str, ...] | None:
    """The installed OpenVINO's binaries as ``path:size:mtime`` strings, read without importing it (``None``
    when they are not found): its version cannot change unless these do, so they can key a remembered
    :func:`ov_version`.

    Examples
    --------
    >>> build = installed_build()
    >>> build is None or any("_pyopenvino" in entry for entry in build)
    True
    """
    package = _package_dir()
    if package is None:
        return None
    files = sorted(package.glob("_pyopenvino*.*")) + sorted((package / "libs").glob("*openvino.*"))
    files = [path for path in files if path.is_file()]
    if not files:
        return None
    return tuple(f"{path}:{(st := path.stat()).st_size}:{st.st_mtime_ns}" for path in files)


def cpu_plugin_installed() -> bool:
    """Whether the installed OpenVINO ships its CPU plugin, found without importing it. OpenVINO lists the
    CPU among its devices whenever the plugin loads, which it does on any CPU OpenVINO supports."""
    package = _package_dir()
    if package is None:
        return False
    return any((package / "libs").glob("libopenvino_intel_cpu_plugin.*")) or any(
        (package / "libs").glob("openvino_intel_cpu_plugin.*")
    )


def cpu_plugin_library() -> Path:
    """Path of the CPU plugin library in the installed OpenVINO package."""
    import openvino as ov

    libs = Path(ov.__file__).parent / "libs"
    found = sorted(libs.glob("libopenvino_intel_cpu_plugin.*")) or sorted(
        libs.glob("openvino_intel_cpu_plugin.*")
    )
    if not found:
        raise BackendError(f"the CPU plugin library is not in {libs}")
    return found[0]


def register_cpu_device(core, name: str) -> None:
    """Make ``name`` a device of ``core`` backed by the CPU plugin: an emulated device.

    OpenVINO accepts a second registration of the CPU plugin only under a name that contains "CPU".
    """
    if "CPU" not in name:
        raise BackendError(f"an emulated device's OpenVINO name must contain 'CPU' (got {name!r})")
    if name not in core.available_devices:
        core.register_plugin(str(cpu_plugin_library()), name)
