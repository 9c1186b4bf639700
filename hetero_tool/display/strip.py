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

__all__ = ["Segment", "Strip", "StripRow", "merged_legend", "row_from_partition"]

#: Geometry, in pixels: the band labels' margin, the data area's width (its pixel columns), band heights.
LEFT, WIDTH, RIGHT = 112, 840, 16
DEVICE_BAND, BYTES_BAND, TIME_BAND = 22, 26, 26
#: Boundaries and subgraphs labelled per band: the costliest.
LABELLED = 3
#: A boundary is a white gap in the device band only between subgraphs at least this many pixels wide: where
#: they are narrower, the gaps would whiten the band.
GAP_SCALE = 3.0
_INK, _MUTED, _BYTES, _DYNAMIC = "#222222", "#666666", "#7F7F7F", "#E3D2B4"


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
        return tuple(accumulate((s.size for s in self.segments[:-1]), initial=0.0)) if self.segments else ()


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
    Rows of one unit share their scales, along the axis and up the bands, so stacked plans compare.

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

    def _repr_svg_(self) -> str | None:
        """The strip inline, unless it is over the inline limit (then :meth:`_repr_html_` says so)."""
        from hetero_tool.display.card import inline_picture

        return inline_picture(self.svg, "")[0]

    def _repr_html_(self) -> str | None:
        """Nothing (the SVG shows) unless the strip is over the inline limit: then a note on how to get it."""
        from hetero_tool.display.card import card_html, inline_picture

        picture, note = inline_picture(self.svg, "write strip.svg to a file and open it in a browser")
        return None if picture is not None else card_html(repr(self), [], notes=[note])

    def span(self, unit: str) -> float:
        """The longest row of ``unit``: rows of one unit share a scale, so stacked plans line up."""
        return max((row.total for row in self.rows if row.unit == unit), default=0.0)

    def __repr__(self) -> str:
        units = dict.fromkeys(row.unit for row in self.rows)
        sizes = " / ".join(_amount(self.span(unit), unit) for unit in units)
        counts = "/".join(f"{len(row.segments):,}" for row in self.rows)
        rows = f"{len(self.rows)} row{'s' if len(self.rows) != 1 else ''}"
        return f"<Strip: {rows}, {sizes}, {counts} subgraphs>"


def merged_legend(*legends: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The devices of several legends, each once, in order of first appearance.

    Examples
    --------
    >>> merged_legend([("NPU", "NPU (emulated)"), ("CPU", "CPU")], [("CPU", "CPU"), ("GPU", "GPU")])
    (('NPU', 'NPU (emulated)'), ('CPU', 'CPU'), ('GPU', 'GPU'))
    """
    merged: dict[str, str] = {}
    for legend in legends:
        for device, label in legend:
            merged.setdefault(device, label)
    return tuple(merged.items())


@dataclass(frozen=True)
class _Scale:
    """What one row is drawn against: pixels per unit along the axis, and the largest boundary (bytes) and
    subgraph time (ms) of all rows of its unit, up the bands."""

    x: float
    bytes_peak: int
    ms_peak: float


def canvas_from_strip(strip: Strip) -> Canvas:
    """Draw the strip: the legend, then each row's bands, with an axis under the last row of each unit."""
    legend = _legend_layout(strip.legend)
    top = 10 + 16 * (max((line for line, _, _ in legend), default=0) + 1)
    height = top + sum(
        _row_height(row) + (16 if _axis_after(strip.rows, k) else 0) for k, row in enumerate(strip.rows)
    )
    canvas = Canvas(LEFT + WIDTH + RIGHT, height, _title(strip))
    # A white ground: the SVG reads on a dark notebook theme too.
    canvas.box(0, 0, canvas.width, height, "#FFFFFF")
    for line, x, (device, label) in legend:
        canvas.box(x, 6 + 16 * line, 12, 12, device_style(device).fill, title=label)
        canvas.label(x + 16, 16 + 16 * line, label, size=11)
    scales, copies = _scales(strip)
    y = float(top)
    for k, row in enumerate(strip.rows):
        _draw_row(canvas, row, y, scales[row.unit], copies[k])
        y += _row_height(row)
        if _axis_after(strip.rows, k):
            _draw_axis(canvas, row.unit, strip.span(row.unit), y - 10)
            y += 16
    return canvas


def _legend_layout(legend: Sequence[tuple[str, str]]) -> list[tuple[int, float, tuple[str, str]]]:
    """(line, x, entry) of each legend entry: left to right, wrapped to the data area's width."""
    placed, line, x = [], 0, float(LEFT)
    for device, label in legend:
        label = _fit(label, WIDTH - 16)
        width = 16 + _text_width(label, 11)
        if x > LEFT and x + width > LEFT + WIDTH:
            line, x = line + 1, float(LEFT)
        placed.append((line, x, (device, label)))
        x += width + 18
    return placed


def _scales(strip: Strip) -> tuple[dict[str, _Scale], list[dict[int, tuple[int, int, bool]]]]:
    """Each unit's scales, and each row's copies per pixel column (:func:`_boundaries`), which the scales
    are taken over and the bytes band draws."""
    xs = {}
    for unit in dict.fromkeys(row.unit for row in strip.rows):
        span = strip.span(unit)
        xs[unit] = WIDTH / span if span > 0 else 0.0
    copies = [_boundaries(row, xs[row.unit]) for row in strip.rows]
    scales = {}
    for unit, x in xs.items():
        rows = [k for k, row in enumerate(strip.rows) if row.unit == unit]
        bytes_peak = max((largest for k in rows for largest, _, _ in copies[k].values()), default=0)
        times = [strip.rows[k].times_ms for k in rows if strip.rows[k].times_ms is not None]
        ms_peak = max((ms for row_times in times for ms in row_times), default=0.0)
        scales[unit] = _Scale(x, bytes_peak, ms_peak)
    return scales, copies


def _title(strip: Strip) -> str:
    return "Placement strip: " + "; ".join(row.title for row in strip.rows)


def _row_height(row: StripRow) -> float:
    return 21 + DEVICE_BAND + 6 + BYTES_BAND + (TIME_BAND + 4 if row.times_ms is not None else 0) + 14


def _axis_after(rows: Sequence[StripRow], k: int) -> bool:
    return k == len(rows) - 1 or rows[k].unit != rows[k + 1].unit


def _draw_row(
    canvas: Canvas, row: StripRow, top: float, scale: _Scale, copies: dict[int, tuple[int, int, bool]]
) -> None:
    """The row's title and bands; ``copies`` are its boundaries' bytes per pixel column."""
    canvas.label(LEFT, top + 12, _fit(row.title, WIDTH, size=12, bold=True), size=12, bold=True)
    band = top + 21
    canvas.label(LEFT - 8, band + 15, "device", anchor="end", size=10, colour=_MUTED)
    _draw_devices(canvas, row, band, scale.x)
    _draw_boundaries(canvas, row, band, scale.x)
    low = band + DEVICE_BAND + 6
    _draw_bytes(canvas, row, low, scale, copies)
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
        pure = _pure(mix)
        if pure is not None:
            end = c + 1
            while end < WIDTH and _pure(cover[end]) == pure:
                end += 1
            canvas.box(
                LEFT + c, band, end - c, DEVICE_BAND, device_style(pure).fill, _tooltip(row, c, end, scale)
            )
            c = end
            continue
        y, tip = band, _tooltip(row, c, c + 1, scale)
        for device, part in sorted(mix.items(), key=lambda item: -item[1]):
            h = DEVICE_BAND * part / total
            canvas.box(LEFT + c, y, 1, h, device_style(device).fill, tip)
            y += h
        c += 1


def _pure(mix: dict[str, float]) -> str | None:
    """The device that fills the column (all but rounding), if one does."""
    total = sum(mix.values())
    return next((d for d, part in mix.items() if part >= total * 0.999), None) if total > 0 else None


def _tooltip(row: StripRow, c0: float, c1: float, scale: float) -> str:
    """What columns ``c0``..``c1`` cover: one subgraph, or a range of them with each device's share. Slivers
    under a thousandth of a pixel at either end (rounding, or what a pure column may hold) do not count."""
    lo, hi = (c0 + 0.001) / scale, (c1 - 0.001) / scale
    first = max(0, bisect_right(row.starts, lo) - 1)
    last = max(first, bisect_right(row.starts, hi) - 1)
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
        f"({last - first + 1:,} of them): {mix}"
    )


def _draw_boundaries(canvas: Canvas, row: StripRow, band: float, scale: float) -> None:
    """A dark tick above the band at every boundary; a white gap in the band too where the subgraphs on
    both sides are wide enough to spare a pixel."""
    ticks: dict[int, list[int]] = {}
    for k in range(1, len(row.segments)):
        ticks.setdefault(min(int(row.starts[k] * scale), WIDTH - 1), []).append(k)
    for x, ks in ticks.items():
        first = row.segments[ks[0]].index
        tip = (
            f"boundary before subgraph {first}"
            if len(ks) == 1
            else f"{len(ks):,} boundaries, before subgraphs {first}–{row.segments[ks[-1]].index}"
        )
        canvas.box(LEFT + x, band - 4, 1, 4, _INK, tip)
        k = ks[0]
        if len(ks) == 1 and min(row.segments[k - 1].size, row.segments[k].size) * scale >= GAP_SCALE:
            canvas.box(LEFT + x, band, 1, DEVICE_BAND, "#FFFFFF", tip)


def _boundaries(row: StripRow, scale: float) -> dict[int, tuple[int, int, bool]]:
    """Per pixel column holding boundaries: the largest copy into one subgraph there, all bytes copied there,
    and whether a size is dynamic."""
    found: dict[int, tuple[int, int, bool]] = {}
    for segment, start in zip(row.segments[1:], row.starts[1:]):
        if segment.bytes_in == 0 and not segment.sources:
            continue
        x = min(int(start * scale), WIDTH - 1)
        largest, total, dynamic = found.get(x, (0, 0, False))
        nbytes = segment.bytes_in or 0
        found[x] = (max(largest, nbytes), total + nbytes, dynamic or segment.bytes_in is None)
    return found


def _draw_bytes(
    canvas: Canvas, row: StripRow, top: float, scale: _Scale, columns: dict[int, tuple[int, int, bool]]
) -> None:
    """The bytes copied into each subgraph, as a bar at its start (a column's largest, where boundaries
    crowd); a dynamic size as a pale full-height bar; the costliest few labelled."""
    canvas.label(LEFT - 8, top + 12, "copied in", anchor="end", size=10, colour=_MUTED)
    base = top + BYTES_BAND
    canvas.box(LEFT, base, WIDTH, 1, "#DDDDDD")
    if not columns:
        canvas.label(LEFT + 4, base - 6, "nothing is copied between subgraphs", size=10, colour=_MUTED)
        return
    if scale.bytes_peak > 0:
        canvas.label(
            LEFT - 8, top + 23, f"max {format_bytes(scale.bytes_peak)}", anchor="end", size=9, colour=_MUTED
        )
    for x, (largest, total, dynamic) in sorted(columns.items()):
        width = min(2, WIDTH - x)
        if largest > 0:
            h = max(1.0, BYTES_BAND * largest / scale.bytes_peak)
            tip = f"{format_bytes(largest)} copied in at this boundary"
            if total > largest:
                tip = f"boundaries here copy {format_bytes(total)} in all, {format_bytes(largest)} the most"
            canvas.box(LEFT + x, base - h, width, h, _BYTES, tip)
        if dynamic:
            canvas.box(
                LEFT + x,
                top,
                width,
                BYTES_BAND - (h if largest > 0 else 0),
                _DYNAMIC,
                "a dynamic size is copied in here",
            )
    if not any(largest for largest, _, _ in columns.values()):
        canvas.label(LEFT + 4, base - 6, "the sizes copied are dynamic", size=10, colour=_MUTED)
    costliest = sorted(
        (k for k, s in enumerate(row.segments) if k > 0 and s.bytes_in),
        key=lambda k: (-(row.segments[k].bytes_in or 0), k),
    )[:LABELLED]
    _labels(
        canvas,
        [(row.starts[k] * scale.x, _bytes_label(row.segments[k])) for k in costliest],
        top + 10,
    )


def _bytes_label(segment: Segment) -> str:
    sources = ", ".join(str(k) for k in segment.sources[:3]) + ("…" if len(segment.sources) > 3 else "")
    origin = f"sg {sources} → " if sources else "→ "
    return f"{origin}sg {segment.index}: {format_bytes(segment.bytes_in)}"


def _draw_times(canvas: Canvas, row: StripRow, top: float, scale: _Scale) -> None:
    """Each subgraph's time as a bar over its span, in its device's colour (the longest where several share a
    column); the slowest few labelled."""
    assert row.times_ms is not None
    canvas.label(LEFT - 8, top + 12, "ms", anchor="end", size=10, colour=_MUTED)
    base = top + TIME_BAND
    canvas.box(LEFT, base, WIDTH, 1, "#DDDDDD")
    peak = scale.ms_peak
    if peak <= 0:
        return
    canvas.label(LEFT - 8, top + 23, f"max {format_ms(peak)}", anchor="end", size=9, colour=_MUTED)
    best: list[tuple[float, int]] = [(-1.0, -1)] * WIDTH
    for k, (start, ms) in enumerate(zip(row.starts, row.times_ms)):
        x0, x1 = start * scale.x, (start + row.segments[k].size) * scale.x
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
            (row.starts[k] * scale.x, f"sg {row.segments[k].index}: {format_ms(row.times_ms[k])} ms")
            for k in slowest
            if row.times_ms[k] > 0
        ],
        top + 10,
    )


def _labels(canvas: Canvas, wanted: list[tuple[float, str]], y: float) -> None:
    """Labels at their x in order of importance, each skipped where it would overlap one placed before."""
    placed: list[tuple[float, float]] = []
    for x, text in wanted:
        width = _text_width(text, 10)
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


def _text_width(text: str, size: float, bold: bool = False) -> float:
    """About how wide ``text`` is in Helvetica at ``size`` (an average glyph is 0.56 em, bold 0.6)."""
    return len(text) * size * (0.6 if bold else 0.56)


def _fit(text: str, width: float, size: float = 11, bold: bool = False) -> str:
    """``text``, cut short with an ellipsis to about ``width`` pixels (a tooltip or the JSON twin keeps all
    of it)."""
    if _text_width(text, size, bold) <= width:
        return text
    keep = max(1, int(width / _text_width("x", size, bold)) - 1)
    return text[:keep].rstrip() + "…"


def _amount(size: float, unit: str) -> str:
    if unit == "layers":
        return f"{size:,.0f} layer{'s' if size != 1 else ''}"
    return f"{format_ms(size)} {unit}"
