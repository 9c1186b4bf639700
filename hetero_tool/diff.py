"""Two plans of one model side by side: the layers that moved, and what it did to the subgraphs, the cut bytes
and the predicted cost.

The usual question is HETERO's default placement against an optimized one, or one rule set against another:
which operations went elsewhere, and did it pay (fewer subgraphs, fewer bytes across the cuts, less predicted
time). :func:`diff_plans` answers it as data; the CLI (``hetero-tool diff``) renders it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from hetero_tool._format import format_bytes, format_ms
from hetero_tool.affinity.types import Source
from hetero_tool.errors import PlanError
from hetero_tool.ir.types import STRUCTURAL_TYPES
from hetero_tool.plan import Plan, PlanDevice, Predicted
from hetero_tool.schema import json_data

if TYPE_CHECKING:
    from hetero_tool.display.strip import Strip

__all__ = ["Change", "MovedGroup", "MovedLayer", "PlanDiff", "diff_plans"]

T = TypeVar("T")


@dataclass(frozen=True)
class Change(Generic[T]):
    """One figure in plan A and in plan B."""

    a: T
    b: T

    @property
    def same(self) -> bool:
        return self.a == self.b

    @property
    def delta(self) -> Any:
        """``b - a`` for numbers; ``None`` when either is unknown (a dynamic size, no prediction)."""
        if isinstance(self.a, int | float) and isinstance(self.b, int | float):
            return self.b - self.a
        return None

    @property
    def ratio(self) -> float | None:
        """``b / a`` for numbers (``None`` when either is unknown or ``a`` is 0)."""
        if isinstance(self.a, int | float) and isinstance(self.b, int | float) and self.a:
            return self.b / self.a
        return None

    def to_json(self) -> dict[str, Any]:
        return {"a": json_data(self.a), "b": json_data(self.b), "delta": self.delta}


@dataclass(frozen=True)
class MovedLayer:
    """A layer placed on another device in plan B than in plan A, with B's reason for it."""

    id: int
    name: str
    op_type: str
    from_device: str
    to_device: str
    #: B's decision: where it came from (``fallback``, ``rule``, ...) and why.
    source: Source
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.op_type,
            "from": self.from_device,
            "to": self.to_device,
            "source": self.source,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class MovedGroup:
    """The operations of one op type that moved from one device to another, in layer order."""

    from_device: str
    to_device: str
    op_type: str
    layers: tuple[MovedLayer, ...]

    @property
    def count(self) -> int:
        return len(self.layers)


@dataclass(frozen=True)
class PlanDiff:
    """Plan B against plan A (same model): every figure as a :class:`Change`, and the operations that moved.

    Per-device figures are keyed by the devices of A's priority list, then those only B has.
    """

    #: What the plans are called in messages (their files, for ``hetero-tool diff``).
    labels: Change[str]
    model_name: str
    model_sha256: str
    devices: Change[tuple[PlanDevice, ...]]
    #: Device name -> the OpenVINO properties it compiles with (:meth:`Plan.config_of`).
    device_config: Change[Mapping[str, Mapping[str, Any]]]
    #: Operations per device (Parameters, Constants and Results follow them, so they are not counted).
    operations: Mapping[str, Change[int]]
    subgraphs: Change[int]
    subgraphs_per_device: Mapping[str, Change[int]]
    cut_tensors: Change[int]
    #: Bytes copied between subgraphs per inference; ``None`` when a cut tensor's size is dynamic.
    cut_bytes: Change[int | None]
    predicted: Change[Predicted | None]
    #: Operations placed on another device in B, in layer order.
    moved: tuple[MovedLayer, ...]
    #: Parameters, Constants and Results that moved (with the operations they follow).
    moved_structural: int
    #: The two plans (for the display's strips).
    plans: Change[Plan] | None = field(default=None, repr=False, compare=False)

    @property
    def predicted_ms(self) -> Change[float | None]:
        return Change(*(p.ms if p else None for p in (self.predicted.a, self.predicted.b)))

    @property
    def measured_ms(self) -> Change[float | None]:
        return Change(*(p.measured_ms if p else None for p in (self.predicted.a, self.predicted.b)))

    @property
    def groups(self) -> tuple[MovedGroup, ...]:
        """The moved operations by (from device, to device, op type): device pairs in priority order (A's
        devices, then B's others), within a pair the largest groups first, then by op type."""
        rank = {name: i for i, name in enumerate(self.operations)}
        grouped: dict[tuple[str, str, str], list[MovedLayer]] = {}
        for layer in self.moved:
            grouped.setdefault((layer.from_device, layer.to_device, layer.op_type), []).append(layer)
        groups = [MovedGroup(*key, tuple(layers)) for key, layers in grouped.items()]
        return tuple(
            sorted(groups, key=lambda g: (rank[g.from_device], rank[g.to_device], -g.count, g.op_type))
        )

    # -- display ---------------------------------------------------------------------------------------------

    def __repr__(self) -> str:
        moved = f"{len(self.moved):,} operation{'s' if len(self.moved) != 1 else ''} moved"
        figures = [moved, f"subgraphs {self.subgraphs.a:,} → {self.subgraphs.b:,}"]
        figures.append(
            f"cut {format_bytes(self.cut_bytes.a, 'dynamic')} → {format_bytes(self.cut_bytes.b, 'dynamic')}"
        )
        ms = self.predicted_ms
        if ms.a is not None and ms.b is not None:
            figures.append(f"predicted {format_ms(ms.a)} → {format_ms(ms.b)} ms")
        return f"<PlanDiff {self.labels.b} against {self.labels.a}: {' · '.join(figures)}>"

    @property
    def strip(self) -> Strip | None:
        """The placement strips of A and B, stacked (``None`` for a diff made without its plans)."""
        if self.plans is None:
            return None
        from hetero_tool.display.strip import Strip, merged_legend

        a, b = self.plans.a, self.plans.b
        rows = (
            a.strip_row(f"{self.labels.a} · {a.headline}"),
            b.strip_row(f"{self.labels.b} · {b.headline}"),
        )
        return Strip(rows, merged_legend(a.legend, b.legend))

    def moved_rows(self, limit: int) -> tuple[tuple[str, str, str, str, str], ...]:
        """The first ``limit`` :attr:`groups` as table rows: from, to, op type, count, and the first layer's
        reason (what the notebook displays list)."""
        return tuple(
            (g.from_device, g.to_device, g.op_type, f"{g.count:,}", g.layers[0].reason)
            for g in self.groups[:limit]
        )

    def _repr_html_(self) -> str:
        """The notebook display: the figures A → B, the moved operations by group, the two strips."""
        from hetero_tool.display.card import Table, card_html, inline_picture

        def change(c: Change, text=str) -> str:
            return text(c.a) if c.same else f"{text(c.a)} → {text(c.b)}"

        size = lambda n: format_bytes(n, "dynamic")  # noqa: E731
        ms = lambda v: "—" if v is None else f"{format_ms(v)} ms"  # noqa: E731
        facts = [
            (
                "operations",
                ", ".join(f"{name} {change(c, lambda n: f'{n:,}')}" for name, c in self.operations.items()),
            ),
            ("subgraphs", change(self.subgraphs, lambda n: f"{n:,}")),
            (
                "cut",
                f"{change(self.cut_tensors, lambda n: f'{n:,}')} tensors, {change(self.cut_bytes, size)}",
            ),
        ]
        if self.predicted.a is not None or self.predicted.b is not None:
            facts.append(("predicted", change(self.predicted_ms, ms)))
        if self.measured_ms.a is not None or self.measured_ms.b is not None:
            facts.append(("measured", change(self.measured_ms, ms)))
        groups = self.groups
        rows = self.moved_rows(12)
        tables = [
            Table(
                f"Operations moved ({len(self.moved):,})",
                ("from", "to", "type", "count", "why (first)"),
                rows,
            )
        ]
        notes = [f"… {len(groups) - 12} more groups: diff.groups" if len(groups) > 12 else ""]
        strip = self.strip
        picture, note = inline_picture(strip.svg if strip is not None else None, "diff.strip.svg holds it")
        return card_html(
            f"{self.labels.b} against {self.labels.a} ({self.model_name})",
            facts,
            tables=tables if self.moved else (),
            picture=picture,
            notes=[*notes, note, "" if self.moved else "No operation moved."],
        )

    def to_json(self) -> dict[str, Any]:
        """The diff as JSON data, in a stable order (figures, then the moved layers in layer order, then the
        groups as :attr:`groups` orders them)."""
        predicted_ms = self.predicted_ms
        return {
            "a": self.labels.a,
            "b": self.labels.b,
            "model": {"name": self.model_name, "sha256": self.model_sha256},
            "devices": _same(self.devices),
            "device_config": _same(self.device_config),
            "operations": {name: change.to_json() for name, change in self.operations.items()},
            "subgraphs": self.subgraphs.to_json(),
            "subgraphs_per_device": {
                name: change.to_json() for name, change in self.subgraphs_per_device.items()
            },
            "cut_tensors": self.cut_tensors.to_json(),
            "cut_bytes": self.cut_bytes.to_json(),
            "predicted_ms": {**predicted_ms.to_json(), "ratio": predicted_ms.ratio},
            "measured_ms": self.measured_ms.to_json(),
            "predicted": _same(self.predicted),
            "moved_count": len(self.moved),
            "moved_structural": self.moved_structural,
            "moved": [layer.to_json() for layer in self.moved],
            "groups": [
                {
                    "from": g.from_device,
                    "to": g.to_device,
                    "type": g.op_type,
                    "count": g.count,
                    "ids": [layer.id for layer in g.layers],
                }
                for g in self.groups
            ],
        }


def _same(change: Change) -> dict[str, Any]:
    """A figure that is no number: A's, B's, and whether they are the same."""
    return {"a": json_data(change.a), "b": json_data(change.b), "same": change.same}


def diff_plans(a: Plan, b: Plan, *, labels: tuple[str, str] = ("A", "B")) -> PlanDiff:
    """Compare plan ``b`` with plan ``a``: which operations moved and what changed in the figures.

    Both must be plans of one model (the same IR SHA-256), else :class:`~hetero_tool.errors.PlanError`, with
    the plans named by ``labels``. Their device lists may differ.

    Examples
    --------
    >>> from importlib import resources
    >>> from hetero_tool.loaders import plan_from_files
    >>> rules = resources.files("hetero_tool.data") / "activations_off_npu.toml"
    >>> default = plan_from_files(samples["mobilenet"], devices="NPU,CPU", emulate="NPU")
    >>> ruled = plan_from_files(samples["mobilenet"], devices="NPU,CPU", emulate="NPU", rules=rules)
    >>> diff = diff_plans(default, ruled)
    >>> diff.subgraphs, len(diff.moved)
    (Change(a=1, b=20), 15)
    >>> [(g.from_device, g.to_device, g.op_type, g.count) for g in diff.groups][:2]
    [('NPU', 'CPU', 'HSwish', 5), ('NPU', 'CPU', 'HSigmoid', 3)]
    >>> diff_plans(default, default).moved
    ()
    """
    if a.model_sha256 != b.model_sha256 or a.decisions.keys() != b.decisions.keys():
        raise PlanError(
            f"{labels[0]} is a plan for {a.model_name!r} (IR sha256 {a.model_sha256[:12]}...), {labels[1]} "
            f"for {b.model_name!r} (IR sha256 {b.model_sha256[:12]}...); diff compares two plans of one model"
        )
    names = list(dict.fromkeys([d.name for d in a.devices] + [d.name for d in b.devices]))
    moved: list[MovedLayer] = []
    moved_structural = 0
    for lid, before in a.decisions.items():
        after = b.decisions[lid]
        if before.device == after.device:
            continue
        if a.types[lid] in STRUCTURAL_TYPES:
            moved_structural += 1
            continue
        moved.append(
            MovedLayer(
                lid, a.names[lid], a.types[lid], before.device, after.device, after.source, after.reason
            )
        )
    ops_a, ops_b = a.layers_per_device(), b.layers_per_device()
    sgs_a, sgs_b = (Counter(sg.device for sg in plan.partition.subgraphs) for plan in (a, b))
    return PlanDiff(
        labels=Change(*labels),
        model_name=a.model_name,
        model_sha256=a.model_sha256,
        devices=Change(a.devices, b.devices),
        device_config=Change(*({d.name: p.config_of(d.name) for d in p.devices} for p in (a, b))),
        operations={name: Change(ops_a.get(name, 0), ops_b.get(name, 0)) for name in names},
        subgraphs=Change(a.subgraph_count, b.subgraph_count),
        subgraphs_per_device={name: Change(sgs_a[name], sgs_b[name]) for name in names},
        cut_tensors=Change(len(a.partition.cuts), len(b.partition.cuts)),
        cut_bytes=Change(a.partition.cut_bytes, b.partition.cut_bytes),
        predicted=Change(a.predicted, b.predicted),
        moved=tuple(moved),
        moved_structural=moved_structural,
        plans=Change(a, b),
    )
