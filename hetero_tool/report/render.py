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

The ``strip`` view (:func:`render_strip`) is no graph: the placement strip of one or more plans
(:mod:`hetero_tool.display.strip`), drawn without layout at any size, and written by the tool itself as SVG
(Graphviz draws its PNG and PDF, every position given).
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hetero_tool._format import format_bytes
from hetero_tool.errors import BackendError, InputError
from hetero_tool.ir.types import IRModel
from hetero_tool.plan import Plan, check_plan
from hetero_tool.report.views import GraphView, view_from_plan, visible_layers

if TYPE_CHECKING:
    from hetero_tool.display.strip import Strip
    from hetero_tool.runtime.results import BenchResult

__all__ = [
    "Rendering",
    "render_plan",
    "render_strip",
    "render_dot",
    "strip_from_plans",
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
    #: The placement strip drawn (the ``strip`` view only).
    strip: Strip | None = field(default=None, repr=False)
    #: The plan drawn (graph views): its strip is the compact view shown for a picture too big to inline.
    plan: Plan | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        return (
            f"<Rendering: {self.view} view, {self.format}, {format_bytes(len(self.data))}, "
            f"{self.nodes:,} nodes ({self.note})>"
        )

    def _repr_svg_(self) -> str | None:
        """The picture inline in a notebook, if it is an SVG under the inline limit (else ``None``, and
        :meth:`_repr_html_` shows the compact view)."""
        from hetero_tool.display.card import inline_picture

        return inline_picture(self.data.decode(), "")[0] if self.format == "svg" else None

    def _repr_html_(self) -> str | None:
        """Nothing when the SVG shows; else the facts, the compact view (the plan's placement strip) and how
        to get the full picture."""
        from hetero_tool.display.card import card_html, inline_picture

        if self._repr_svg_() is not None:
            return None
        how = "write rendering.data to a file and open it"
        note = f"A {self.format.upper()} is not shown inline: {how}."
        if self.format == "svg":
            note = inline_picture(self.data.decode(), how + " in a browser")[1]
        compact = self.strip if self.strip is not None else self.plan.strip if self.plan is not None else None
        facts = [("view", f"{self.view} ({self.note})"), ("size", format_bytes(len(self.data)))]
        if compact is not None and self.view != "strip":
            note += " Shown instead: the plan's placement strip."
        picture = inline_picture(compact.svg, "")[0] if compact is not None else None
        return card_html(f"Rendering: {self.view} view", facts, picture=picture, notes=[note])


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
    layer_times_ms: Mapping[int, float] | None = None,
) -> Rendering:
    """Render a view of ``plan``: the one asked for, or the one the size policy picks; the collapsed view if
    the layout does not finish within ``timeout`` seconds. ``layer_times_ms`` (IR layer id -> ms, from a
    bench) puts the times on it (:func:`~hetero_tool.report.views.view_from_plan`).

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
    source = view_from_plan(ir, plan, chosen, show_constants=show_constants, layer_times_ms=layer_times_ms)
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
        source = view_from_plan(ir, plan, chosen, layer_times_ms=layer_times_ms)
        start = time.perf_counter()
        # The collapsed view is one node per subgraph: it gets at least a minute even after a short timeout.
        data = render_dot(source.dot, fmt, timeout=max(timeout, COLLAPSED_TIMEOUT))
    seconds = time.perf_counter() - start
    if fmt == "png" and source.nodes > PNG_READABLE_LIMIT:
        note += f"; a PNG of {source.nodes:,} nodes is scaled down until unreadable: use svg"
    return Rendering(chosen, view, fmt, data, seconds, source.nodes, note, source, plan=plan)


def strip_from_plans(
    plans: Sequence[Plan], *, labels: Sequence[str] | None = None, bench: BenchResult | None = None
) -> Strip:
    """The placement strip of ``plans`` (one model), stacked in order on one scale; with ``bench``, each plan
    it timed with perf counters gets its per-subgraph times as a third band.

    Examples
    --------
    >>> from hetero_tool.loaders import plan_from_files
    >>> from importlib import resources
    >>> rules = resources.files("hetero_tool.data") / "activations_off_npu.toml"
    >>> auto = plan_from_files(samples["mobilenet"], devices="NPU,CPU", emulate="NPU")
    >>> ruled = plan_from_files(samples["mobilenet"], devices="NPU,CPU", emulate="NPU", rules=rules)
    >>> strip_from_plans([auto, ruled], labels=["fallback", "rules"])
    <Strip: 2 rows, 78 layers, 1/20 subgraphs>
    """
    # The CLI imports this module: load the strip when one is drawn.
    from hetero_tool.display.strip import Strip, merged_legend

    if not plans:
        raise InputError("no plan to draw")
    labels = list(labels) if labels is not None else [f"plan {k + 1}" for k in range(len(plans))]
    if len(labels) != len(plans):
        raise InputError(f"{len(labels)} labels for {len(plans)} plans")
    for label, plan in zip(labels, plans):
        if plan.model_sha256 != plans[0].model_sha256:
            raise InputError(f"{label}: a plan for {plan.model_name!r}, not for the model of {labels[0]}")
    if bench is not None and bench.model_sha256 != plans[0].model_sha256:
        raise InputError(f"the bench timed {bench.model_name!r}, not the model of these plans")
    rows = []
    for label, plan in zip(labels, plans):
        times = bench.subgraph_times_ms(plan.placement_digest) if bench is not None else None
        rows.append(plan.strip_row(f"{label} · {plan.headline}", times))
    if bench is not None and all(row.times_ms is None for row in rows):
        raise InputError(
            "no run of the bench timed these plans with perf counters: bench the plan with -pc (a run "
            "matches a plan by its placement)"
        )
    return Strip(tuple(rows), merged_legend(*(plan.legend for plan in plans)))


def render_strip(strip: Strip, fmt: str = "svg", *, timeout: float = 60.0) -> Rendering:
    """Draw ``strip`` as SVG (written by the tool), PNG or PDF (drawn by Graphviz, positions given).

    Examples
    --------
    >>> from hetero_tool.loaders import plan_from_files
    >>> plan = plan_from_files(samples["detector"], devices="NPU,CPU", emulate="NPU")
    >>> drawn = render_strip(plan.strip, "png")
    >>> drawn.view, drawn.data[1:4]
    ('strip', b'PNG')
    """
    from hetero_tool.display.canvas import dot_from_canvas

    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    start = time.perf_counter()
    canvas = strip.canvas
    dot = dot_from_canvas(canvas)
    data = strip.svg.encode() if fmt == "svg" else render_dot(dot, fmt, timeout=timeout, engine="nop2")
    twin = {
        "schema_version": 1,
        "view": "strip",
        "legend": [{"device": device, "label": label} for device, label in strip.legend],
        "rows": [
            {
                "title": row.title,
                "unit": row.unit,
                "subgraphs": [
                    {
                        "index": s.index,
                        "device": s.device,
                        "size": s.size,
                        "bytes_in": s.bytes_in,
                        "from": list(s.sources),
                    }
                    for s in row.segments
                ],
                "times_ms": list(row.times_ms) if row.times_ms is not None else None,
            }
            for row in strip.rows
        ],
    }
    source = GraphView("strip", dot, len(canvas.items), twin)
    rows = len(strip.rows)
    unit = strip.rows[0].unit
    note = f"{rows} plan{'s' if rows > 1 else ''} along {strip.span(unit):,.0f} {unit}, no layout needed"
    return Rendering(
        "strip", "strip", fmt, data, time.perf_counter() - start, len(canvas.items), note, source, strip
    )


def render_dot(source: str, fmt: str, *, timeout: float = 60.0, engine: str = "dot") -> bytes:
    """Lay out and render Graphviz ``source``; :class:`TimeoutError` after ``timeout`` seconds.

    ``engine`` is Graphviz's layout engine: ``dot``, or ``nop2`` for a drawing whose positions are all given.
    Uses the system ``dot`` when there is one, else the Graphviz bundled with the ``pygraphviz`` wheel, in a
    child process either way.
    """
    dot = shutil.which("dot")
    command = (
        [dot, f"-K{engine}", f"-T{fmt}"]
        if dot
        else [sys.executable, "-m", "hetero_tool.report._layout", fmt, engine]
    )
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
