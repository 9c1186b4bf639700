"""Rendering times per view on a large IR, with the size policy and the timeout fallback at work.

    python benchmarks/render.py                  # a generated 20,000-layer transformer-like IR
    python benchmarks/render.py --layers 50000 --timeout 120

Two plans: everything on an emulated NPU (one subgraph), and the Softmax of every attention block kept off the
NPU (hundreds of CPU islands, thousands of subgraphs once HETERO breaks the cycles its shared constants make).
For each view, prints the view actually drawn, the layout time, the size of the SVG, and why.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import openvino as ov

from hetero_tool.ir import parse_ir
from hetero_tool.loaders import plan_from_files
from hetero_tool.report.render import render_plan
from hetero_tool.samples import build_encoder_stack

VIEWS = ("auto", "full", "clustered", "collapsed", "subgraph:0")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--layers", type=int, default=20_000)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "big.xml"
        ov.save_model(build_encoder_stack(args.layers), xml, compress_to_fp16=False)
        rules = Path(tmp) / "rules.toml"
        rules.write_text(
            'schema_version = 1\n[[rule]]\nname = "softmax off the NPU"\n'
            'match = { types = ["Softmax"] }\nforbid = ["NPU"]\n'
        )
        ir = parse_ir(xml)
        for label, extra in (("one subgraph", {}), ("softmax islands", {"rules": rules})):
            start = time.perf_counter()
            plan = plan_from_files(xml, devices="NPU,CPU", emulate=["NPU"], **extra)
            print(
                f"\n{label}: {len(ir.layers):,} layers, {plan.subgraph_count:,} subgraphs "
                f"(planned in {time.perf_counter() - start:.1f} s)"
            )
            print(f"  {'asked':<12}{'drawn':<12}{'nodes':>8}{'layout s':>10}{'SVG MiB':>9}  why")
            for view in VIEWS:
                start = time.perf_counter()
                drawn = render_plan(ir, plan, view=view, timeout=args.timeout)
                total = time.perf_counter() - start
                print(
                    f"  {view:<12}{drawn.view:<12}{drawn.nodes:>8,}{total:>10.1f}"
                    f"{len(drawn.data) / 2**20:>9.1f}  {drawn.note}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
