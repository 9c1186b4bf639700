"""A picture as a list of boxes and texts at fixed positions, written as SVG or as Graphviz source.

The placement strip needs no layout: every box already has its place. So it is drawn once, as a
:class:`Canvas`, and written two ways: :func:`svg_from_canvas` for notebooks, the HTML report and ``.svg``
files (small, with a tooltip on every box), and :func:`dot_from_canvas` for PNG and PDF, which Graphviz's
cairo renderer draws with the positions given (the ``nop2`` engine: no layout runs). Lines are thin boxes.
Coordinates are pixels from the top left, as in SVG; one pixel is one point to Graphviz.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Literal

__all__ = ["Box", "Canvas", "Label", "dot_from_canvas", "svg_from_canvas"]

FONT = "Helvetica, Arial, sans-serif"
Anchor = Literal["start", "middle", "end"]


@dataclass(frozen=True)
class Box:
    """A filled rectangle; ``title`` is its tooltip."""

    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str = ""


@dataclass(frozen=True)
class Label:
    """A line of text; ``y`` is its baseline, ``anchor`` which end of it ``x`` is."""

    x: float
    y: float
    text: str
    anchor: Anchor = "start"
    size: float = 11.0
    colour: str = "#222222"
    bold: bool = False


@dataclass
class Canvas:
    """Boxes and labels, drawn in order (later ones on top)."""

    width: float
    height: float
    #: What the picture shows, for screen readers (SVG ``aria-label``) and as Graphviz's graph name.
    title: str
    items: list[Box | Label] = field(default_factory=list)

    def box(self, x: float, y: float, width: float, height: float, fill: str, title: str = "") -> None:
        self.items.append(Box(x, y, width, height, fill, title))

    def label(self, x: float, y: float, text: str, **style) -> None:
        self.items.append(Label(x, y, text, **style))


def svg_from_canvas(canvas: Canvas) -> str:
    """The canvas as a standalone SVG document (UTF-8 text, no XML prolog: it inlines in HTML as it is).

    Examples
    --------
    >>> c = Canvas(100, 20, "demo")
    >>> c.box(0, 0, 50, 20, "#0072B2", title="a <box>")
    >>> c.label(60, 14, "x & y")
    >>> svg = svg_from_canvas(c)
    >>> svg.startswith("<svg"), "<title>a &lt;box&gt;</title>" in svg, "x &amp; y" in svg
    (True, True, True)
    """
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(canvas.width)}" height="{_n(canvas.height)}" '
        f'viewBox="0 0 {_n(canvas.width)} {_n(canvas.height)}" role="img" '
        f'aria-label="{escape(canvas.title)}" font-family="{FONT}">'
    ]
    for item in canvas.items:
        if isinstance(item, Box):
            rect = (
                f'<rect x="{_n(item.x)}" y="{_n(item.y)}" width="{_n(item.width)}" '
                f'height="{_n(item.height)}" fill="{item.fill}"'
            )
            parts.append(f"{rect}><title>{escape(item.title)}</title></rect>" if item.title else rect + "/>")
        else:
            weight = ' font-weight="bold"' if item.bold else ""
            parts.append(
                f'<text x="{_n(item.x)}" y="{_n(item.y)}" font-size="{_n(item.size)}" fill="{item.colour}" '
                f'text-anchor="{item.anchor}"{weight}>{escape(item.text)}</text>'
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def dot_from_canvas(canvas: Canvas, *, dpi: int = 96) -> str:
    """The canvas as Graphviz source with every node pinned where it is drawn: render it with the ``nop2``
    engine (positions as given, no layout). Graphviz's y axis points up, so y is flipped; a white box the size
    of the canvas keeps its frame (Graphviz crops a drawing to what is drawn).

    Examples
    --------
    >>> c = Canvas(100, 20, "demo")
    >>> c.box(0, 0, 50, 20, "#0072B2")
    >>> 'pos="25,10!"' in dot_from_canvas(c)
    True
    """
    lines = [
        f'digraph "{_dot_text(canvas.title)}" {{',
        f'  graph [bb="0,0,{_n(canvas.width)},{_n(canvas.height)}" dpi="{dpi}" pad="0" bgcolor="white"];',
        '  node [label="" fixedsize="true" margin="0" penwidth="0" fontname="Helvetica"];',
    ]
    items: list[Box | Label] = [Box(0, 0, canvas.width, canvas.height, "#FFFFFF"), *canvas.items]
    for k, item in enumerate(items):
        if isinstance(item, Box):
            x, y = item.x + item.width / 2, canvas.height - (item.y + item.height / 2)
            lines.append(
                f'  b{k} [shape="box" style="filled" fillcolor="{item.fill}" color="{item.fill}" '
                f'width="{item.width / 72:.4f}" height="{item.height / 72:.4f}" pos="{_n(x)},{_n(y)}!"];'
            )
        else:
            # A node's label is centred on it: pin a node about as wide as the text by the label's anchored
            # end, and justify the label to that end. The width errs wide (0.6 em a glyph, more than the
            # strip's own estimate): text wider than its node is no longer held to the anchored end.
            width = 0.6 * item.size * len(item.text) + 2
            shift = {"start": width / 2, "middle": 0.0, "end": -width / 2}[item.anchor]
            end = {"start": "\\l", "middle": "", "end": "\\r"}[item.anchor]
            x, y = item.x + shift, canvas.height - (item.y - item.size * 0.35)
            font = "Helvetica-Bold" if item.bold else "Helvetica"
            lines.append(
                f'  t{k} [shape="plaintext" label="{_dot_text(item.text)}{end}" fontsize="{_n(item.size)}" '
                f'fontcolor="{item.colour}" fontname="{font}" width="{width / 72:.4f}" '
                f'height="{item.size * 1.3 / 72:.4f}" pos="{_n(x)},{_n(y)}!"];'
            )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _n(value: float) -> str:
    """A coordinate, short and stable: at most two decimals, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
