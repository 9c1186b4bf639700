"""How fast hetero_tool parses a large IR, next to OpenVINO's own reader on the same file.

    python benchmarks/parse.py                 # builds a ~20k-layer transformer-like IR, then times
    python benchmarks/parse.py model.xml       # times an IR you already have
    python benchmarks/parse.py --layers 50000  # a bigger generated IR

Prints, for one run of this script: the median of a few interleaved repetitions of ``parse_ir`` (streaming
parse + validation + .bin check), of ``graph_from_ir``, and of ``ov.Core().read_model``, and the ratios
against ``read_model`` (the baseline, run in the same process). Next to them, the floor of any parser built
on Python's expat: expat reading the file with a handler that does nothing, which is what the Python call per
start tag costs before the parser does any work. Then the peak memory the parse allocates, traced separately
so the timing is not slowed by tracing, next to the size of the XML text.
"""

from __future__ import annotations

import argparse
import gc
import pyexpat
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import openvino as ov
from rich.progress import Progress

from hetero_tool.ir import graph_from_ir, parse_ir
from hetero_tool.samples import build_encoder_stack


def build_ir(path: Path, layers: int) -> Path:
    """A transformer-encoder-like IR with at least ``layers`` layers (fixed seed), saved to ``path``."""
    with Progress(transient=True, console=None) as progress:
        progress.add_task(f"building a {layers:,}-layer IR", total=None)
        ov.save_model(build_encoder_stack(layers), path, compress_to_fp16=False)
    return path


def expat_floor(xml: Path) -> None:
    """Expat over ``xml`` in the parser's chunks, calling a Python handler that does nothing at each start
    tag."""
    parser = pyexpat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = lambda tag, attrs: None
    with open(xml, "rb") as stream:
        while chunk := stream.read(1 << 20):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)


def timed(fn):
    """``(seconds, result)`` of ``fn()``, with garbage from earlier runs collected first."""
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("model", nargs="?", type=Path, help="an IR .xml (default: generate one)")
    parser.add_argument(
        "--layers", type=int, default=20_000, help="layers of the generated IR (default 20000)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="interleaved repetitions (default 5)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        xml = args.model or build_ir(Path(tmp) / "big.xml", args.layers)
        core = ov.Core()
        core.read_model(xml)  # load the IR frontend library once, outside the timing
        ours, graph, theirs, floor = [], [], [], []
        for _ in range(args.repeat):  # interleaved, so machine noise hits all alike
            ir = None  # free the last result outside the timed region
            seconds, ir = timed(lambda: parse_ir(xml))
            ours.append(seconds)
            graph.append(timed(lambda ir=ir: graph_from_ir(ir))[0])
            theirs.append(timed(lambda: core.read_model(xml))[0])
            floor.append(timed(lambda: expat_floor(xml))[0])
        layers = len(ir.layers)
        tracemalloc.start()
        parse_ir(xml)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = xml.stat().st_size

    base = statistics.median(theirs)
    print(f"IR: {xml.name if args.model else 'generated'}, {layers} layers, {size / 2**20:.1f} MiB of XML")
    print(f"{'':24}{'median s':>10}{'ratio':>8}")
    print(f"{'ov.Core().read_model':24}{base:10.3f}{1.0:8.2f}   (baseline)")
    print(
        f"{'expat, no-op handler':24}{statistics.median(floor):10.3f}{statistics.median(floor) / base:8.2f}"
        "   (floor of any pyexpat parser)"
    )
    print(f"{'parse_ir':24}{statistics.median(ours):10.3f}{statistics.median(ours) / base:8.2f}")
    print(f"{'graph_from_ir':24}{statistics.median(graph):10.3f}{statistics.median(graph) / base:8.2f}")
    both = statistics.median(o + g for o, g in zip(ours, graph))
    print(f"{'parse_ir + graph':24}{both:10.3f}{both / base:8.2f}")
    print(f"parse peak memory: {peak / 2**20:.1f} MiB traced (XML text: {size / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
