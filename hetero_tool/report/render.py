"""Rendering views to SVG, PNG or PDF, with a view chosen by size, a timeout, and a fallback that always
works.

``dot`` does not scale to LLM-sized graphs: measured on a 2-core machine with Graphviz 2.43, a flat layout
takes 0.4 s at 1,000 nodes, 24 s at 5,000, 107 s at 8,600 and over 300 s at 17,000; one cluster per subgraph
is 8-16x faster; the collapsed view (one node per subgraph) takes well under a second. So, with ``N`` the
layers drawn (Constants hidden):

- ``N <= 1,000``: ``full``;
- ``N <= 15,000``: ``clustered``, within the timeout;
- larger, or when the layout runs past the timeout: ``collapsed``.

Layout runs in a child process (the system ``dot`` when it is on ``PATH``, else the Graphviz that the
``pygraphviz`` wheel bundles), so a timeout really stops it. The result says which view was drawn and why.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

from hetero_tool.errors import BackendError, InputError
from hetero_tool.ir.types import IRModel
from hetero_tool.plan import Plan, check_plan
from hetero_tool.report.views import GraphView, view_from_plan, visible_layers

__all__ = [
    "Rendering",
    "render_plan",
    "render_dot",
    "choose_view",
    "FORMATS",
    "FULL_LIMIT",
    "CLUSTERED_LIMIT",
]

FORMATS = ("svg", "png", "pdf")
#: Seconds the collapsed view may take when it is drawn because another view timed out.
COLLAPSED_TIMEOUT = 60.0
#: Largest graph drawn in full by default (layers, Constants hidden).
FULL_LIMIT = 1_000
#: Largest graph drawn clustered by default; beyond it, the collapsed view.
CLUSTERED_LIMIT = 15_000
#: Beyond this, a PNG is scaled down until its text is unreadable (cairo's bitmap limit).
PNG_READABLE_LIMIT = 1_000


@dataclass(frozen=True)
class Rendering:
    """A rendered view."""

    #: The view drawn, and the one asked for (``"auto"`` when the tool chose).
    view: str
    requested: str
    format: str
    data: bytes
    #: Layout time, and how many nodes were laid out.
    seconds: float
    nodes: int
    #: Why this view: the size rule that chose it, or the timeout that forced the fallback.
    note: str
    #: The view's source and JSON twin.
    source: GraphView


def choose_view(layers: int) -> tuple[str, str]:
    """The view the size policy picks for ``layers`` drawn layers, and why.

    Examples
    --------
    >>> choose_view(120)[0], choose_view(4_000)[0], choose_view(30_000)[0]
    ('full', 'clustered', 'collapsed')
    """
    if layers <= FULL_LIMIT:
        return "full", f"{layers} layers fit a full drawing (<= {FULL_LIMIT:,})"
    if layers <= CLUSTERED_LIMIT:
        return "clustered", f"{layers:,} layers: one cluster per subgraph keeps the layout tractable"
    return (
        "collapsed",
        f"{layers:,} layers are more than dot lays out in reasonable time (> {CLUSTERED_LIMIT:,})",
    )


def render_plan(
    ir: IRModel,
    plan: Plan,
    *,
    view: str = "auto",
    fmt: str = "svg",
    timeout: float = 60.0,
    show_constants: bool = False,
) -> Rendering:
    """Render a view of ``plan``: the one asked for, or the one the size policy picks; the collapsed view if
    the layout does not finish within ``timeout`` seconds.

    Examples
    --------
    >>> from hetero_tool.ir import parse_ir
    >>> from hetero_tool.loaders import plan_from_files
    >>> ir = parse_ir(samples["detector"])
    >>> plan = plan_from_files(samples["detector"], devices="NPU,CPU", emulate="NPU")
    >>> drawn = render_plan(ir, plan)
    >>> drawn.view, drawn.data[:5]
    ('full', b'<?xml')
    """
    check_plan(ir, plan)
    if not (math.isfinite(timeout) and timeout > 0):
        raise InputError(f"--timeout {timeout:g}: give a number of seconds above 0")
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if view == "auto":
        chosen, note = choose_view(len(visible_layers(ir, show_constants)))
    else:
        chosen, note = view, "as asked"
    source = view_from_plan(ir, plan, chosen, show_constants=show_constants)
    start = time.perf_counter()
    try:
        data = render_dot(source.dot, fmt, timeout=timeout)
    except TimeoutError:
        if chosen == "collapsed":
            raise BackendError(f"even the collapsed view took over {timeout:g} s to lay out") from None
        note = (
            f"the {chosen} view took over {timeout:g} s to lay out, so the collapsed view was drawn instead"
        )
        chosen = "collapsed"
        source = view_from_plan(ir, plan, chosen)
        start = time.perf_counter()
        # The collapsed view is one node per subgraph: it gets at least a minute even after a short timeout.
        data = render_dot(source.dot, fmt, timeout=max(timeout, COLLAPSED_TIMEOUT))
    seconds = time.perf_counter() - start
    if fmt == "png" and source.nodes > PNG_READABLE_LIMIT:
        note += f"; a PNG of {source.nodes:,} nodes is scaled down until unreadable: use svg"
    return Rendering(chosen, view, fmt, data, seconds, source.nodes, note, source)


def render_dot(source: str, fmt: str, *, timeout: float = 60.0) -> bytes:
    """Lay out and render Graphviz ``source``; :class:`TimeoutError` after ``timeout`` seconds.

    Uses the system ``dot`` when there is one, else the Graphviz bundled with the ``pygraphviz`` wheel, in a
    child process either way.
    """
    dot = shutil.which("dot")
    command = [dot, f"-T{fmt}"] if dot else [sys.executable, "-m", "hetero_tool.report._layout", fmt]
    try:
        done = subprocess.run(
            command, input=source.encode(), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"layout took over {timeout:g} s") from None
    if done.returncode != 0 or not done.stdout:
        problems = [
            line
            for line in done.stderr.decode(errors="replace").splitlines()
            if line.strip() and "Fontconfig" not in line
        ]
        raise BackendError(f"Graphviz could not render the view: {problems[0] if problems else 'no output'}")
    return done.stdout
