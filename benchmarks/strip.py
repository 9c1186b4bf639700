"""The placement strip's drawing time at scale, against reading the same model, in one process.

    python benchmarks/strip.py                   # a 25,000-layer ResNeXt-like CNN
    python benchmarks/strip.py --layers 100000 --repeat 5

Two plans: everything on an emulated NPU (one subgraph), and every Relu on the CPU (thousands of subgraphs).
For each, the strip is built from the plan and drawn as SVG (by the tool), PNG and PDF (by Graphviz, positions
given), the candidates interleaved; it prints medians, the drawing's size, and each time as a ratio to parsing
the IR (``parse_ir``), timed in the same rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import openvino as ov

from hetero_tool.display.strip import Strip
from hetero_tool.ir import parse_ir
from hetero_tool.loaders import plan_from_files
from hetero_tool.report.render import render_strip
from hetero_tool.samples import build_resnext_stack


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--layers", type=int, default=25_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "cnn.xml"
        ov.save_model(build_resnext_stack(args.layers), xml, compress_to_fp16=False)
        split = Path(tmp) / "split.toml"
        split.write_text(
            'schema_version = 1\n[[rule]]\nname = "relu on the CPU"\n'
            'match = { types = ["Relu"] }\npin = "CPU"\n'
        )
        plans = {
            "one subgraph": plan_from_files(xml, devices="NPU,CPU", emulate=["NPU"]),
            "Relu on the CPU": plan_from_files(xml, devices="NPU,CPU", emulate=["NPU"], rules=split),
        }
        candidates = {"parse_ir": lambda: parse_ir(xml)}
        for label, plan in plans.items():
            for fmt in ("svg", "png", "pdf"):
                # From the plan each time (its row included): the drawing is cached on a strip.
                candidates[f"{label}, {fmt}"] = lambda plan=plan, fmt=fmt: render_strip(
                    Strip((plan.strip_row(),), plan.legend), fmt
                )
        times: dict[str, list[float]] = {name: [] for name in candidates}
        results = {}
        for round_ in range(args.repeat):
            print(f"round {round_ + 1}/{args.repeat}", file=sys.stderr)
            for name, run in candidates.items():
                start = time.perf_counter()
                results[name] = run()
                times[name].append(time.perf_counter() - start)
        base = statistics.median(times["parse_ir"])
        print(f"{args.layers:,}-layer CNN; parse_ir median {base:.3f} s (the baseline)")
        for label, plan in plans.items():
            count = plan.subgraph_count
            print(f"  {label}: {count:,} subgraph{'s' if count != 1 else ''}")
        print(f"  {'strip':<24}{'median s':>9}{'x parse':>9}{'boxes':>8}{'bytes':>11}")
        for name, samples in times.items():
            if name == "parse_ir":
                continue
            drawn = results[name]
            median = statistics.median(samples)
            print(f"  {name:<24}{median:>9.3f}{median / base:>9.2f}{drawn.nodes:>8,}{len(drawn.data):>11,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
