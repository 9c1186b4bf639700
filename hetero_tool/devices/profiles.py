"""Device profiles: what an emulated device supports (and why not), how it runs, what it costs.

An emulated device runs on the CPU plugin registered a second time; its profile narrows what that plugin
supports to what the real device would, with a short reason for every exclusion, so plans made on a CPU-only
machine look like plans for the real one. Profiles are TOML (``schema_version = 1``)::

    schema_version = 1
    name = "npu"
    description = "..."
    source = ["https://docs.openvino.ai/..."]      # where the support facts come from

    [support]
    supported_types = ["Add", "Convolution", ...]   # optional allow-list of op types
    default_reason = "not in the NPU's supported-operations list"
    [support.unsupported_types]                     # optional: op type -> reason (wins over the list)
    NonMaxSuppression = "..."
    [[support.exclude]]                             # optional: every given criterion must match
    names = "*/nms*"       # glob(s) on the friendly name     regex = "..."  (on the name)
    types = ["TopK"]       # op types                          dynamic = true (a dynamic output dimension)
    element_types = ["i64"]                                    min_rank = 5 / max_rank = 1 (output rank)
    reason = "..."

    [config]       # OpenVINO properties the device is compiled with
    INFERENCE_PRECISION_HINT = "f16"
    [cost]         # figures for the cost model: peak_gflops, memory_gbps, subgraph_overhead_us, transfer_gbps

Built-in profiles ship in ``hetero_tool/devices/profiles``: ``cpu`` (exactly what the CPU plugin supports),
``npu`` and ``gpu`` (from OpenVINO's published supported-operation lists; each cites its sources).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from hetero_tool._files import parse_toml
from hetero_tool.errors import InputError
from hetero_tool.ir.types import STRUCTURAL_TYPES, Layer

__all__ = ["DeviceProfile", "ExcludeRule", "load_profile", "builtin_profiles", "BUILTIN_PROFILE_NAMES"]

_SCHEMA_VERSION = 1
_COST_KEYS = ("peak_gflops", "memory_gbps", "subgraph_overhead_us", "transfer_gbps")


@dataclass(frozen=True)
class ExcludeRule:
    """A conditional exclusion: a layer matching every given criterion is unsupported for ``reason``."""

    reason: str
    #: Globs on the friendly name (any may match).
    names: tuple[str, ...] = ()
    #: Regular expression searched in the friendly name.
    regex: re.Pattern | None = None
    #: Op types (OpenVINO names).
    types: frozenset[str] = frozenset()
    #: True: the layer has an output with a dynamic dimension or rank. False: all its outputs are static.
    dynamic: bool | None = None
    #: Output element types (``"i64"``, ``"f64"``, ...); any output may match.
    element_types: frozenset[str] = frozenset()
    #: Bounds on the rank of any output.
    min_rank: int | None = None
    max_rank: int | None = None

    def matches(self, layer: Layer) -> bool:
        if self.names and not any(fnmatch.fnmatchcase(layer.name, glob) for glob in self.names):
            return False
        if self.regex is not None and not self.regex.search(layer.name):
            return False
        if self.types and layer.type not in self.types:
            return False
        if self.dynamic is not None and any(not p.is_static for p in layer.outputs) != self.dynamic:
            return False
        if self.element_types and not any(p.element_type in self.element_types for p in layer.outputs):
            return False
        ranks = [len(p.shape) for p in layer.outputs if p.shape is not None]
        if self.min_rank is not None and not any(r >= self.min_rank for r in ranks):
            return False
        if self.max_rank is not None and not any(r <= self.max_rank for r in ranks):
            return False
        return True


@dataclass(frozen=True)
class DeviceProfile:
    """Op support, run configuration and cost figures of a (emulated) device."""

    #: Profile name (``"npu"``) — not the device name, which the user chooses (``--emulate NPU2=npu``).
    name: str
    description: str = ""
    #: Where the support facts come from (URLs or repository paths).
    source: tuple[str, ...] = ()
    #: Allow-list of op types; ``None`` when the profile has none (everything the backing plugin runs).
    supported_types: frozenset[str] | None = None
    #: Reason given for a type outside the allow-list.
    default_reason: str = "not in the profile's supported operations"
    #: Op type -> reason it is unsupported.
    unsupported_types: Mapping[str, str] = field(default_factory=dict)
    exclude: tuple[ExcludeRule, ...] = ()
    #: OpenVINO properties the device is compiled with.
    config: Mapping[str, Any] = field(default_factory=dict)
    #: Cost-model figures (see :data:`_COST_KEYS`); 0 means unknown.
    cost: Mapping[str, float] = field(default_factory=dict)
    #: The TOML it was read from (``None`` for a built-in profile).
    path: Path | None = None

    @property
    def reads_names(self) -> bool:
        """Whether the profile's verdict on a layer can depend on its name (an exclude rule with ``names`` or
        ``regex``); if not, it depends on the layer's type and outputs alone."""
        return any(rule.names or rule.regex is not None for rule in self.exclude)

    def reason_unsupported(self, layer: Layer) -> str | None:
        """Why the profile excludes ``layer``, or ``None`` when it allows it.

        Parameters, Constants and Results are never excluded: they go where their neighbours go.
        """
        if layer.type in STRUCTURAL_TYPES:
            return None
        if layer.type in self.unsupported_types:
            return self.unsupported_types[layer.type]
        if self.supported_types is not None and layer.type not in self.supported_types:
            return self.default_reason
        for rule in self.exclude:
            if rule.matches(layer):
                return rule.reason
        return None


BUILTIN_PROFILE_NAMES = ("cpu", "npu", "gpu")


def builtin_profiles() -> dict[str, DeviceProfile]:
    """The profiles that ship with the tool, by name."""
    return {name: load_profile(name) for name in BUILTIN_PROFILE_NAMES}


def load_profile(spec: str | Path) -> DeviceProfile:
    """A built-in profile by name (``"npu"``) or a profile TOML file by path.

    Raises :class:`~hetero_tool.errors.InputError` naming the file and key for any problem.

    Examples
    --------
    >>> profile = load_profile("cpu")
    >>> profile.name, profile.supported_types is None
    ('cpu', True)
    """
    text_spec = str(spec)
    if text_spec.lower() in BUILTIN_PROFILE_NAMES and not Path(text_spec).is_file():
        resource = resources.files("hetero_tool.devices") / "profiles" / f"{text_spec.lower()}.toml"
        return _profile_from_toml(resource.read_bytes(), f"built-in profile {text_spec.lower()!r}", None)
    path = Path(spec)
    if not path.is_file():
        known = ", ".join(BUILTIN_PROFILE_NAMES)
        raise InputError(f"device profile {text_spec!r}: not a built-in profile ({known}) and no such file")
    return _profile_from_toml(path.read_bytes(), str(path), path)


def _profile_from_toml(data: bytes, where: str, path: Path | None) -> DeviceProfile:
    try:
        text = data.decode()
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not a text file: {exc}") from None
    doc = parse_toml(text, where)
    check = _Checker(where)
    if doc.get("schema_version") != _SCHEMA_VERSION:
        check.fail("schema_version", f"must be {_SCHEMA_VERSION}")
    check.only(doc, "", {"schema_version", "name", "description", "source", "support", "config", "cost"})
    support = check.table(doc, "support")
    check.only(support, "support.", {"supported_types", "default_reason", "unsupported_types", "exclude"})
    supported = support.get("supported_types")
    unsupported = check.table(support, "support.unsupported_types", key="unsupported_types")
    cost = check.table(doc, "cost")
    check.only(cost, "cost.", set(_COST_KEYS))
    return DeviceProfile(
        name=check.string(doc, "name"),
        description=check.string(doc, "description", default=""),
        source=tuple(check.strings(doc, "source")),
        supported_types=frozenset(check.strings(support, "support.supported_types", key="supported_types"))
        if supported is not None
        else None,
        default_reason=check.string(
            support,
            "support.default_reason",
            key="default_reason",
            default="not in the profile's supported operations",
        ),
        unsupported_types={
            k: check.string(unsupported, f"support.unsupported_types.{k}", key=k) for k in unsupported
        },
        exclude=tuple(_exclude_rule(check, entry, k) for k, entry in enumerate(support.get("exclude", []))),
        config=dict(check.table(doc, "config")),
        cost={k: float(check.number(cost, f"cost.{k}", key=k)) for k in cost},
        path=path,
    )


def _exclude_rule(check: _Checker, entry: Any, index: int) -> ExcludeRule:
    where = f"support.exclude[{index}]"
    if not isinstance(entry, dict):
        check.fail(where, "must be a table")
    check.only(
        entry,
        where + ".",
        {"reason", "names", "regex", "types", "dynamic", "element_types", "min_rank", "max_rank"},
    )
    names = entry.get("names", ())
    regex = entry.get("regex")
    try:
        pattern = re.compile(regex) if regex is not None else None
    except (re.error, TypeError) as exc:
        check.fail(f"{where}.regex", f"not a regular expression: {exc}")
    return ExcludeRule(
        reason=check.string(entry, f"{where}.reason", key="reason"),
        names=(names,)
        if isinstance(names, str)
        else tuple(check.strings(entry, f"{where}.names", key="names")),
        regex=pattern,
        types=frozenset(check.strings(entry, f"{where}.types", key="types")),
        dynamic=entry.get("dynamic"),
        element_types=frozenset(check.strings(entry, f"{where}.element_types", key="element_types")),
        min_rank=entry.get("min_rank"),
        max_rank=entry.get("max_rank"),
    )


class _Checker:
    """Small typed accessors that fail with the file and key."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, key: str, problem: str):
        raise InputError(f"{self.where}: {key} {problem}")

    def only(self, table: Mapping, prefix: str, allowed: set[str]) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            self.fail(
                prefix + unknown[0], f"is not a profile key (expected one of {', '.join(sorted(allowed))})"
            )

    def table(self, doc: Mapping, name: str, key: str | None = None) -> Mapping:
        value = doc.get(key or name, {})
        if not isinstance(value, dict):
            self.fail(name, "must be a table")
        return value

    def string(self, doc: Mapping, name: str, key: str | None = None, default: str | None = None) -> str:
        value = doc.get(key or name, default)
        if not isinstance(value, str):
            self.fail(name, "must be a string" if value is not None else "is missing")
        return value

    def strings(self, doc: Mapping, name: str, key: str | None = None) -> list[str]:
        value = doc.get(key or name, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(name, "must be a list of strings")
        return value

    def number(self, doc: Mapping, name: str, key: str | None = None) -> float:
        value = doc.get(key or name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(name, "must be a number")
        return value
