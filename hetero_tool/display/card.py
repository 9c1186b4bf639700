"""The notebook display of the tool's results: a compact card of facts and tables, and a picture.

Jupyter calls ``_repr_html_`` on what a cell returns; the plan, a bench, the optimizer's result and a plan
diff each build their card here. A picture is inlined only up to :data:`INLINE_LIMIT` bytes: past it the
card keeps its facts and says how to get the picture, as a notebook holding a 30 MB SVG is slow for everyone
who opens it. Everything is escaped but the picture, which the tool drew itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from hetero_tool._format import format_bytes

__all__ = ["INLINE_LIMIT", "Table", "card_html", "inline_picture"]

#: The largest picture a display inlines, in bytes.
INLINE_LIMIT = 1 << 20

_STYLE = (
    "<style>"
    ".hetero-card{font-family:Helvetica,Arial,sans-serif;font-size:13px;line-height:1.35;max-width:980px}"
    ".hetero-card h4{margin:0 0 6px;font-size:14px}"
    ".hetero-card table{border-collapse:collapse;margin:4px 0 8px}"
    ".hetero-card th,.hetero-card td{text-align:left;padding:2px 10px 2px 0;vertical-align:top;"
    "border:0;background:none}"
    ".hetero-card th{color:#555;font-weight:normal}"
    ".hetero-card td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".hetero-card .note{color:#555;font-size:12px;margin:4px 0}"
    ".hetero-card caption{text-align:left;font-weight:bold;padding:4px 0}"
    "</style>"
)


@dataclass(frozen=True)
class Table:
    """A small table: a caption, a header row and rows of text (a cell that starts with a digit, a sign or
    ``×`` is aligned right)."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def inline_picture(svg: str | None, how_to_get: str) -> tuple[str | None, str]:
    """``(svg, "")`` when ``svg`` is small enough to inline, else ``(None, a note saying how big it is and
    how_to_get it)``.

    Examples
    --------
    >>> inline_picture("<svg/>", "x")
    ('<svg/>', '')
    >>> inline_picture("<svg>" + " " * INLINE_LIMIT + "</svg>", "render it to a file")[1]
    'The picture (1.0 MiB) is over the 1.0 MiB a notebook display inlines: render it to a file.'
    """
    if svg is None or len(svg.encode()) <= INLINE_LIMIT:
        return svg, ""
    size = format_bytes(len(svg.encode()))
    return (
        None,
        f"The picture ({size}) is over the {format_bytes(INLINE_LIMIT)} a notebook display inlines: "
        f"{how_to_get}.",
    )


def card_html(
    title: str,
    facts: Sequence[tuple[str, str]],
    *,
    tables: Sequence[Table] = (),
    picture: str | None = None,
    notes: Sequence[str] = (),
) -> str:
    """One card: a title, facts as a two-column table, tables, notes, then the picture.

    Examples
    --------
    >>> html = card_html("Plan <m>", [("subgraphs", "3")], notes=["a & b"])
    >>> "Plan &lt;m&gt;" in html, "a &amp; b" in html
    (True, True)
    """
    parts = [_STYLE, '<div class="hetero-card">', f"<h4>{escape(title)}</h4>", "<table>"]
    parts += [f"<tr><th>{escape(key)}</th><td>{escape(value)}</td></tr>" for key, value in facts]
    parts.append("</table>")
    for table in tables:
        parts.append(f"<table><caption>{escape(table.caption)}</caption><tr>")
        parts += [f"<th>{escape(cell)}</th>" for cell in table.header]
        parts.append("</tr>")
        for row in table.rows:
            parts.append("<tr>" + "".join(_cell(cell) for cell in row) + "</tr>")
        parts.append("</table>")
    parts += [f'<p class="note">{escape(note)}</p>' for note in notes if note]
    if picture is not None:
        parts.append(f"<div>{picture}</div>")
    parts.append("</div>")
    return "\n".join(parts)


def _cell(text: str) -> str:
    numeric = text[:1].isdigit() or text[:1] in "+-−×"
    return f'<td class="n">{escape(text)}</td>' if numeric else f"<td>{escape(text)}</td>"
