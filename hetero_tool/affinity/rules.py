"""Manual placement: ordered rules (TOML) and affinity maps (JSON), and how they match layers.

A rules file lists rules in order; each matches layers and either pins them to a device or forbids devices::

    schema_version = 1

    [[rule]]
    name = "detection head on CPU"
    match = { types = ["NonMaxSuppression", "TopK"] }
    pin = "CPU"

    [[rule]]
    name = "no dynamic shapes on the NPU"
    match = { dynamic = true }
    forbid = ["NPU"]

``match`` criteria (all given ones must hold): ``types`` (op types), ``names`` (globs on the friendly name),
``regex`` (searched in the name), ``ids`` (IR layer ids), ``between = ["from", "to"]`` (the named layers and
every layer on a path from the first to the second), ``precision`` (an output element type such as ``"f16"``),
``dynamic`` (an output with a dynamic dimension). A layer is pinned by the first pin rule that matches it;
forbid rules restrict where the layers no pin rule matches may fall back. Layers no rule touches fall back by
priority.

An affinity map is OpenVINO's proposed ``benchmark_app -affinity`` format: a JSON object
``{"layer name": "DEVICE"}``; every layer with that friendly name is pinned.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hetero_tool._files import read_json, read_toml
from hetero_tool.devices.names import parse_devices
from hetero_tool.errors import InputError
from hetero_tool.ir.types import IRModel, Layer

__all__ = ["Rule", "Match", "load_rules", "load_affinity_map", "match_layers"]

_MATCH_KEYS = ("types", "names", "regex", "ids", "between", "precision", "dynamic")


@dataclass(frozen=True)
class Match:
    """What a rule selects: every given criterion must hold."""

    types: frozenset[str] = frozenset()
    names: tuple[str, ...] = ()
    regex: re.Pattern | None = None
    ids: frozenset[int] = frozenset()
    #: Friendly names of the first and last layer of a region.
    between: tuple[str, str] | None = None
    precision: frozenset[str] = frozenset()
    dynamic: bool | None = None


@dataclass(frozen=True)
class Rule:
    """One placement rule."""

    #: Name used in messages and in each decision's provenance.
    name: str
    match: Match
    #: Device the matched layers go to (exclusive with ``forbid``).
    pin: str | None = None
    #: Devices the matched layers must not go to.
    forbid: tuple[str, ...] = ()
    #: Position in the file (1-based), for messages.
    position: int = 0
    source: Path | None = field(default=None, compare=False)


def load_rules(path: str | Path) -> tuple[Rule, ...]:
    """Read a rules TOML file. Errors name the file, the rule and the key.

    Examples
    --------
    >>> import pathlib
    >>> text = 'schema_version = 1\\n[[rule]]\\nname = "nms"\\nmatch = { types = ["TopK"] }\\npin = "CPU"\\n'
    >>> path = pathlib.Path(tmp, "rules.toml")
    >>> _ = path.write_text(text)
    >>> (rule,) = load_rules(path)
    >>> rule.name, rule.pin, sorted(rule.match.types)
    ('nms', 'CPU', ['TopK'])
    """
    path = Path(path)
    doc = read_toml(path, "rules file")
    unknown = sorted(set(doc) - {"schema_version", "rule"})
    if unknown:
        raise InputError(
            f"{path}: unknown key {unknown[0]!r} (a rules file has schema_version and [[rule]] tables)"
        )
    if doc.get("schema_version", 1) != 1:
        raise InputError(f"{path}: schema_version must be 1")
    entries = doc.get("rule", [])
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{path}: no [[rule]] tables")
    rules = tuple(_rule(path, k, entry) for k, entry in enumerate(entries, 1))
    names = [rule.name for rule in rules]
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice:
        raise InputError(f"{path}: two rules are named {twice!r}")
    return rules


def _rule(path: Path, position: int, entry) -> Rule:
    where = f"{path}: rule {position}"
    if not isinstance(entry, dict):
        raise InputError(f"{where} must be a table")
    name = entry.get("name", f"rule {position}")
    where = f"{path}: rule {name!r}"
    unknown = sorted(set(entry) - {"name", "match", "pin", "forbid"})
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r} (expected name, match, pin or forbid)")
    if ("pin" in entry) == ("forbid" in entry):
        raise InputError(f"{where}: give exactly one of pin or forbid")
    pin = entry.get("pin")
    if pin is not None:
        pins = _devices(where, pin) if isinstance(pin, str) else ()
        if len(pins) != 1:
            raise InputError(f"{where}: pin must be one device name")
        pin = pins[0]
    forbid = entry.get("forbid", ())
    forbid = _devices(where, ",".join(forbid) if isinstance(forbid, list) else str(forbid)) if forbid else ()
    return Rule(
        name=name,
        match=_match(where, entry.get("match")),
        pin=pin,
        forbid=forbid,
        position=position,
        source=path,
    )


def _devices(where: str, text: str) -> tuple[str, ...]:
    try:
        return parse_devices(text)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _match(where: str, table) -> Match:
    if not isinstance(table, dict) or not table:
        raise InputError(f"{where}: needs a match table with at least one of {', '.join(_MATCH_KEYS)}")
    unknown = sorted(set(table) - set(_MATCH_KEYS))
    if unknown:
        raise InputError(f"{where}: unknown match key {unknown[0]!r} (expected {', '.join(_MATCH_KEYS)})")

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, ())
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{where}: match.{key} must be a string or a list of strings")
        return tuple(value)

    regex = table.get("regex")
    try:
        pattern = re.compile(regex) if regex is not None else None
    except (re.error, TypeError) as exc:
        raise InputError(f"{where}: match.regex is not a regular expression: {exc}") from None
    ids = table.get("ids", ())
    if not isinstance(ids, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise InputError(f"{where}: match.ids must be a list of layer ids (integers)")
    between = table.get("between")
    if between is not None and (
        not isinstance(between, list) or len(between) != 2 or not all(isinstance(b, str) for b in between)
    ):
        raise InputError(f'{where}: match.between must be two layer names, ["from", "to"]')
    dynamic = table.get("dynamic")
    if dynamic is not None and not isinstance(dynamic, bool):
        raise InputError(f"{where}: match.dynamic must be true or false")
    return Match(
        types=frozenset(strings("types")),
        names=strings("names"),
        regex=pattern,
        ids=frozenset(ids),
        between=tuple(between) if between else None,
        precision=frozenset(p.lower() for p in strings("precision")),
        dynamic=dynamic,
    )


def match_layers(ir: IRModel, rule: Rule) -> list[int]:
    """Ids of the layers ``rule`` matches, in IR order.

    Raises :class:`~hetero_tool.errors.InputError` when ``between`` names a layer the model does not have.
    """
    match = rule.match
    candidates: Iterable[int] = ir.layers
    if match.between is not None:
        candidates = _region_between(ir, rule)
    chosen = []
    for lid in candidates:
        layer = ir.layers[lid]
        if match.types and layer.type not in match.types:
            continue
        if match.names and not any(fnmatch.fnmatchcase(layer.name, glob) for glob in match.names):
            continue
        if match.regex is not None and not match.regex.search(layer.name):
            continue
        if match.ids and lid not in match.ids:
            continue
        if match.precision and not _precisions(layer) & match.precision:
            continue
        if match.dynamic is not None and any(not p.is_static for p in layer.outputs) != match.dynamic:
            continue
        chosen.append(lid)
    return chosen


def _precisions(layer: Layer) -> set[str]:
    return {port.element_type for port in layer.outputs}


def _region_between(ir: IRModel, rule: Rule) -> list[int]:
    first, last = rule.match.between
    ends = []
    for name in (first, last):
        ids = ir.ids_by_name.get(name)
        if not ids:
            raise InputError(
                f"rule {rule.name!r}: match.between names {name!r}, which is not a layer of {ir.name!r}"
            )
        ends.append(ids)
    import networkx as nx  # only where a rule asks for a region: networkx is slow to import

    graph = nx.DiGraph()
    graph.add_nodes_from(ir.layers)
    graph.add_edges_from((e.src, e.dst) for e in ir.edges)
    below = set(ends[0]).union(*(nx.descendants(graph, lid) for lid in ends[0]))
    above = set(ends[1]).union(*(nx.ancestors(graph, lid) for lid in ends[1]))
    region = below & above
    return [lid for lid in ir.layers if lid in region]


def load_affinity_map(path: str | Path, ir: IRModel) -> dict[int, str]:
    """Read a ``{"layer name": "DEVICE"}`` JSON map into layer id -> device.

    Every layer with a listed friendly name gets its device (as OpenVINO applies affinities by name). Unknown
    names and bad device names are errors naming them.
    """
    path = Path(path)
    doc = read_json(path, "affinity map")
    if not isinstance(doc, dict) or not all(isinstance(v, str) for v in doc.values()):
        raise InputError(f'{path}: an affinity map is a JSON object {{"layer name": "DEVICE", ...}}')
    unknown = [name for name in doc if name not in ir.ids_by_name]
    if unknown:
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise InputError(f"{path}: layer {unknown[0]!r} is not in {ir.name!r}{more}")
    result = {}
    for name, device in doc.items():
        devices = _devices(f"{path}: layer {name!r}", device)
        if len(devices) != 1:
            raise InputError(f"{path}: layer {name!r} must map to one device, not {device!r}")
        for lid in ir.ids_by_name[name]:
            result[lid] = devices[0]
    return result
