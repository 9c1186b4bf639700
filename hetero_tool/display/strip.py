"""The placement strip: a plan's layers in HETERO's execution order along one axis, coloured by device.

Under the device band, the bytes copied into each subgraph stand at its boundary, and the costliest are
labelled; with bench results, a third band gives each subgraph's time. Several plans of one model (default
and optimized, say) stack as rows on one scale. The strip needs no graph layout, and reads the same at 10 and
at 100,000 layers: the axis has a fixed number of pixel columns, and where one column holds layers of several
devices it is split in their proportions, so a region cut into many small islands shows as a mix, not as one
device hiding the others. Every box has a tooltip saying what it covers.

A row is data (:class:`StripRow`, built from a partition by :func:`row_from_partition`); :class:`Strip`
draws rows on a :class:`~hetero_tool.display.canvas.Canvas` and shows itself in Jupyter. The same row can be
laid along time instead of layers (``unit="ms"``): the bench display does that to show where time goes.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate

from hetero_tool._format import format_bytes, format_ms, format_tick, nice_step
from hetero_tool.display.canvas import Canvas, svg_from_canvas
from hetero_tool.display.palette import device_style
from hetero_tool.partition import Partition

__all__ = ["Segment", "Strip", "StripRow", "row_from_partition"]

#: Geometry, in pixels: the band labels' margin, the data area's width (its pixel columns), band heights.
LEFT, WIDTH, RIGHT = 112, 840, 16
DEVICE_BAND, BYTES_BAND, TIME_BAND = 22, 26, 26
#: Boundaries and subgraphs labelled per band: the costliest.
LABELLED = 3
#: Below this many pixels per unit (a layer), boundaries are not drawn as white gaps in the device band: they
#: would whiten it.
GAP_SCALE = 3.0
_INK, _MUTED, _BYTES = "#222222", "#666666", "#7F7F7F"


@dataclass(frozen=True)
class Segment:
    """One subgraph as the strip draws it."""

    index: int
    device: str
    #: Its length along the axis: layers (or ms for a time row).
    size: float
    #: Bytes copied into it per inference (``None``: a dynamic size), and the subgraphs they come from.
    bytes_in: int | None = 0
    sources: tuple[int, ...] = ()
    #: Its first and last layer, for the tooltip.
    span: str = ""


@dataclass(frozen=True)
class StripRow:
    """One plan: its subgraphs in execution order, and optionally the time of each (ms)."""

    title: str
    segments: tuple[Segment, ...]
    times_ms: tuple[float, ...] | None = None
    #: What the axis counts: ``"layers"`` or ``"ms"``.
    unit: str = "layers"

    @cached_property
    def total(self) -> float:
        return sum(s.size for s in self.segments)

    @cached_property
    def starts(self) -> tuple[float, ...]:
        """Where each segment starts along the axis."""
        return (0.0, *accumulate(s.size for s in self.segments[:-1]))


def row_from_partition(
    partition: Partition,
    title: str,
    *,
    names: Mapping[int, str] | None = None,
    times_ms: Mapping[int, float] | None = None,
) -> StripRow:
    """The row of a partition: one segment per subgraph, as long as its layers (Parameters and Results
    included, Constants not: HETERO clones those into each consumer's submodel).

    ``times_ms``: subgraph index -> its time per inference, from a bench's perf counters (the time band).

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.partition import collect_subgraphs
    >>> ir = parse_ir(samples["mobilenet"])
    >>> relu = {lid: "CPU" if l.type in ("HSwish", "HSigmoid") else "NPU" for lid, l in ir.layers.items()}
    >>> row = row_from_partition(collect_subgraphs(ir, relu), "hard-swish on the CPU")
    >>> len(row.segments), row.total == sum(len(sg.layers) for sg in collect_subgraphs(ir, relu).subgraphs)
    (17, True)
    """
    bytes_in = partition.subgraph_bytes
    sources: dict[int, set[int]] = {}
    for a, b in partition.boundaries:
        sources.setdefault(b, set()).add(a)
    segments = []
    for sg in partition.subgraphs:
        span = ""
        if names is not None and sg.layers:
            first, last = names[sg.layers[0]], names[sg.layers[-1]]
            span = first if first == last else f"{first} … {last}"
        segments.append(
            Segment(
                sg.index,
                sg.device,
                len(sg.layers),
                bytes_in[sg.index][0],
                tuple(sorted(sources.get(sg.index, ()))),
                span,
            )
        )
    times = None
    if times_ms is not None:
        times = tuple(float(times_ms.get(sg.index, 0.0)) for sg in partition.subgraphs)
    return StripRow(title, tuple(segments), times)


@dataclass(frozen=True)
class Strip:
    """Rows of the placement strip, with the legend of their devices; shows itself as SVG in Jupyter.

    ``legend``: (device, how to name it) in the plans' priority order, e.g. ``("NPU", "NPU (emulated)")``.

    Examples
    --------
    >>> row = StripRow("two devices", (Segment(0, "NPU", 40), Segment(1, "CPU", 10, 4096, (0,))))
    >>> strip = Strip((row,), (("NPU", "NPU (emulated)"), ("CPU", "CPU")))
    >>> strip
    <Strip: 1 row, 50 layers, 2 subgraphs>
    >>> "4.0 KiB" in strip.svg and "NPU (emulated)" in strip.svg
    True
    """

    rows: tuple[StripRow, ...]
    legend: tuple[tuple[str, str], ...]

    @cached_property
    def canvas(self) -> Canvas:
        return canvas_from_strip(self)

    @cached_property
    def svg(self) -> str:
        return svg_from_canvas(self.canvas)

    def _repr_svg_(self) -> str:
        return self.svg

    def span(self, unit: str) -> float:
        """The longest row of ``unit``: rows of one unit share a scale, so stacked plans line up."""
        return max((row.total for row in self.rows if row.unit == unit), default=0.0)

    def __repr__(self) -> str:
        sizes = sorted({f"{self.span(row.unit):,.0f} {row.unit}" for row in self.rows})
        counts = "/".join(str(len(row.segments)) for row in self.rows)
        rows = f"{len(self.rows)} row{'s' if len(self.rows) != 1 else ''}"
        return f"<Strip: {rows}, {' / '.join(sizes)}, {counts} subgraphs>"


def canvas_from_strip(strip: Strip) -> Canvas:
    """Draw the strip: the legend, then each row's bands, with an axis under each row whose scale differs from
    the next one's."""
    height = 26 + sum(
        _row_height(row) + (16 if _axis_after(strip.rows, k) else 0) for k, row in enumerate(strip.rows)
    )
    canvas = Canvas(LEFT + WIDTH + RIGHT, height, _title(strip))
    x = LEFT
    for device, label in strip.legend:
        canvas.box(x, 6, 12, 12, device_style(device).fill, title=label)
        canvas.label(x + 16, 16, label, size=11)
        x += 16 + 6.2 * len(label) + 18
    y = 26.0
    for k, row in enumerate(strip.rows):
        span = strip.span(row.unit)
        _draw_row(canvas, row, y, WIDTH / span if span > 0 else 0.0)
        y += _row_height(row)
        if _axis_after(strip.rows, k):
            _draw_axis(canvas, row.unit, span, y - 10)
            y += 16
    return canvas


def _title(strip: Strip) -> str:
    return "Placement strip: " + "; ".join(row.title for row in strip.rows)


def _row_height(row: StripRow) -> float:
    return 21 + DEVICE_BAND + 6 + BYTES_BAND + (TIME_BAND + 4 if row.times_ms is not None else 0) + 14


def _axis_after(rows: Sequence[StripRow], k: int) -> bool:
    return k == len(rows) - 1 or rows[k].unit != rows[k + 1].unit


def _draw_row(canvas: Canvas, row: StripRow, top: float, scale: float) -> None:
    """The row's title and bands; ``scale`` is pixels per unit."""
    canvas.label(LEFT, top + 12, row.title, size=12, bold=True)
    band = top + 21
    canvas.label(LEFT - 8, band + 15, "device", anchor="end", size=10, colour=_MUTED)
    _draw_devices(canvas, row, band, scale)
    _draw_boundaries(canvas, row, band, scale)
    low = band + DEVICE_BAND + 6
    _draw_bytes(canvas, row, low, scale)
    if row.times_ms is not None:
        _draw_times(canvas, row, low + BYTES_BAND + 4, scale)


def _columns(row: StripRow, scale: float) -> list[dict[str, float]]:
    """Per pixel column, how much of it each device covers (in pixels)."""
    cover: list[dict[str, float]] = [{} for _ in range(WIDTH)]
    for segment, start in zip(row.segments, row.starts):
        x0, x1 = start * scale, (start + segment.size) * scale
        c = min(int(x0), WIDTH - 1)
        while c < WIDTH and c < x1:
            part = min(x1, c + 1) - max(x0, c)
            if part > 0:
                cover[c][segment.device] = cover[c].get(segment.device, 0.0) + part
            c += 1
    return cover


def _draw_devices(canvas: Canvas, row: StripRow, band: float, scale: float) -> None:
    """Runs of columns one device fills are one box each; a mixed column is split in its devices'
    proportions (largest share at the top)."""
    cover = _columns(row, scale)
    c = 0
    while c < WIDTH:
        mix = cover[c]
        total = sum(mix.values())
        if total <= 0:
            c += 1
            continue
        pure = next((d for d, part in mix.items() if part >= total * 0.999), None)
        if pure is not None:
            end = c + 1
            while end < WIDTH and _pure(cover[end]) == pure:
                end += 1
            canvas.box(
                LEFT + c, band, end - c, DEVICE_BAND, device_style(pure).fill, _tooltip(row, c, end, scale)
            )
            c = end
            continue
        y = band
        for device, part in sorted(mix.items(), key=lambda item: -item[1]):
            h = DEVICE_BAND * part / total
            canvas.box(LEFT + c, y, 1, h, device_style(device).fill, _tooltip(row, c, c + 1, scale))
            y += h
        c += 1


def _pure(mix: dict[str, float]) -> str | None:
    total = sum(mix.values())
    return next((d for d, part in mix.items() if part >= total * 0.999), None) if total > 0 else None


def _tooltip(row: StripRow, c0: float, c1: float, scale: float) -> str:
    """What columns ``c0``..``c1`` cover: one subgraph, or a range of them with each device's share."""
    lo, hi = c0 / scale, c1 / scale
    first = max(0, bisect_right(row.starts, lo) - 1)
    last = max(first, bisect_right(row.starts, hi - 1e-9) - 1)
    unit = row.unit
    if first == last:
        s = row.segments[first]
        span = f" · {s.span}" if s.span else ""
        return f"subgraph {s.index} · {s.device} · {_amount(s.size, unit)}{span}"
    shares: dict[str, float] = {}
    for s in row.segments[first : last + 1]:
        shares[s.device] = shares.get(s.device, 0.0) + s.size
    total = sum(shares.values())
    mix = ", ".join(f"{d} {100 * v / total:.0f} %" for d, v in sorted(shares.items(), key=lambda i: -i[1]))
    return (
        f"subgraphs {row.segments[first].index}–{row.segments[last].index} "
        f"({last - first + 1} of them): {mix}"
    )


def _draw_boundaries(canvas: Canvas, row: StripRow, band: float, scale: float) -> None:
    """A dark tick above the band at every boundary; a white gap in the band too where layers are wide."""
    seen: set[int] = set()
    for segment, start in zip(row.segments[1:], row.starts[1:]):
        x = min(int(start * scale), WIDTH - 1)
        if x in seen:
            continue
        seen.add(x)
        tip = f"boundary before subgraph {segment.index}"
        canvas.box(LEFT + x, band - 4, 1, 4, _INK, tip)
        if scale >= GAP_SCALE:
            canvas.box(LEFT + x, band, 1, DEVICE_BAND, "#FFFFFF", tip)


def _draw_bytes(canvas: Canvas, row: StripRow, top: float, scale: float) -> None:
    """Bytes copied in at each boundary, as bars; the costliest few labelled."""
    canvas.label(LEFT - 8, top + 12, "copied in", anchor="end", size=10, colour=_MUTED)
    per_column: dict[int, int] = {}
    for segment, start in zip(row.segments, row.starts):
        if segment.bytes_in:
            x = min(int(start * scale), WIDTH - 1)
            per_column[x] = per_column.get(x, 0) + segment.bytes_in
    base = top + BYTES_BAND
    canvas.box(LEFT, base, WIDTH, 1, "#DDDDDD")
    if not per_column:
        canvas.label(LEFT + 4, base - 6, "nothing is copied between subgraphs", size=10, colour=_MUTED)
        return
    peak = max(per_column.values())
    canvas.label(LEFT - 8, top + 23, f"max {format_bytes(peak)}", anchor="end", size=9, colour=_MUTED)
    for x, nbytes in sorted(per_column.items()):
        h = max(1.0, BYTES_BAND * nbytes / peak)
        canvas.box(LEFT + x, base - h, 2, h, _BYTES, f"{format_bytes(nbytes)} copied in at this boundary")
    costliest = sorted((s for s in row.segments if s.bytes_in), key=lambda s: (-(s.bytes_in or 0), s.index))[
        :LABELLED
    ]
    _labels(
        canvas,
        [
            (row.starts[s.index] * scale, f"→ sg {s.index}: {format_bytes(s.bytes_in)}")
            for s in costliest
            if s.index < len(row.starts)
        ],
        top + 10,
    )


def _draw_times(canvas: Canvas, row: StripRow, top: float, scale: float) -> None:
    """Each subgraph's time as a bar over its span, in its device's colour (the longest where several share a
    column); the slowest few labelled."""
    assert row.times_ms is not None
    canvas.label(LEFT - 8, top + 12, "ms", anchor="end", size=10, colour=_MUTED)
    peak = max(row.times_ms, default=0.0)
    base = top + TIME_BAND
    canvas.box(LEFT, base, WIDTH, 1, "#DDDDDD")
    if peak <= 0:
        return
    canvas.label(LEFT - 8, top + 23, f"max {format_ms(peak)}", anchor="end", size=9, colour=_MUTED)
    best: list[tuple[float, int]] = [(-1.0, -1)] * WIDTH
    for k, (start, ms) in enumerate(zip(row.starts, row.times_ms)):
        x0, x1 = start * scale, (start + row.segments[k].size) * scale
        for c in range(min(int(x0), WIDTH - 1), min(WIDTH, max(int(x0) + 1, math.ceil(x1)))):
            if ms > best[c][0]:
                best[c] = (ms, k)
    c = 0
    while c < WIDTH:
        ms, k = best[c]
        end = c + 1
        while end < WIDTH and best[end] == best[c]:
            end += 1
        if k >= 0 and ms > 0:
            s = row.segments[k]
            h = max(1.0, TIME_BAND * ms / peak)
            canvas.box(
                LEFT + c, base - h, end - c, h, device_style(s.device).fill,
                f"subgraph {s.index} · {s.device} · {format_ms(ms)} ms",
            )  # fmt: skip
        c = end
    slowest = sorted(range(len(row.times_ms)), key=lambda k: (-row.times_ms[k], k))[:LABELLED]
    _labels(
        canvas,
        [
            (row.starts[k] * scale, f"sg {row.segments[k].index}: {format_ms(row.times_ms[k])} ms")
            for k in slowest
            if row.times_ms[k] > 0
        ],
        top + 10,
    )


def _labels(canvas: Canvas, wanted: list[tuple[float, str]], y: float) -> None:
    """Labels at their x in order of importance, each skipped where it would overlap one placed before."""
    placed: list[tuple[float, float]] = []
    for x, text in wanted:
        width = 5.6 * len(text)
        x0 = min(max(x + 4, 0), WIDTH - width)
        if any(x0 < b + 6 and a < x0 + width + 6 for a, b in placed):
            continue
        placed.append((x0, x0 + width))
        canvas.label(LEFT + x0, y, text, size=10, colour=_INK)


def _draw_axis(canvas: Canvas, unit: str, total: float, y: float) -> None:
    """Ticks at round numbers of ``unit`` up to ``total``, and what the axis counts."""
    if total <= 0:
        return
    step = nice_step(total / 8)
    k = 0
    while k * step <= total + 1e-9:
        x = LEFT + WIDTH * (k * step) / total
        canvas.box(x, y - 3, 1, 4, _MUTED)
        canvas.label(x, y + 9, format_tick(k * step, step), anchor="middle", size=9, colour=_MUTED)
        k += 1
    what = "layers, in order" if unit == "layers" else f"{unit} per inference"
    canvas.label(LEFT - 8, y + 9, what, anchor="end", size=9, colour=_MUTED)


def _amount(size: float, unit: str) -> str:
    if unit == "layers":
        return f"{size:,.0f} layer{'s' if size != 1 else ''}"
    return f"{format_ms(size)} {unit}"
