"""How fast a plan is written and read back, next to the standard library doing the same in the same process.

    python benchmarks/plan_io.py                  # a generated 25,000-layer transformer-like IR
    python benchmarks/plan_io.py model.xml        # an IR you already have
    python benchmarks/plan_io.py --layers 100000 --repeat 9

Two plans of the model, both on an emulated NPU: everything on the NPU (one subgraph), and every Softmax
pinned to the CPU by an affinity map (an island per attention block: hundreds of subgraphs and cut tensors).
For each, the medians of ``--repeat`` interleaved repetitions of

- ``Plan.save`` (msgspec: encode, indent, atomic write) and ``load_plan`` (decode, validate, rebuild);
- the baseline, the standard library on the same document: ``json.dumps(data, indent=2)`` of the plan's JSON
  data (built once, outside the timing) written with the same atomic write (what the tool's writer did
  before msgspec, less building the data), and ``json.loads`` of that file (no plan built from it),

and the ratios against the baseline, with the size of the file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import openvino as ov
from rich.progress import Progress

from hetero_tool._files import write_atomic
from hetero_tool.ir import parse_ir
from hetero_tool.loaders import plan_from_files
from hetero_tool.plan import Plan, load_plan
from hetero_tool.samples import build_encoder_stack


def time_into(samples: list[float], fn: Callable[[], object]) -> None:
    """Run ``fn`` and append its wall time, in ms, to ``samples``."""
    start = time.perf_counter()
    fn()
    samples.append(1e3 * (time.perf_counter() - start))


def measure(plan: Plan, directory: Path, repeat: int) -> dict[str, float]:
    ours, theirs = directory / "ours.json", directory / "theirs.json"
    data = plan.to_json()  # built once: the baseline times the standard library's encoder and decoder alone
    times: dict[str, list[float]] = {"save": [], "dumps": [], "load": [], "loads": []}
    for _ in range(repeat):  # interleaved: the machine's noise falls on both alike
        time_into(times["save"], lambda: plan.save(ours))
        time_into(times["dumps"], lambda: write_atomic(theirs, json.dumps(data, indent=2) + "\n"))
        time_into(times["load"], lambda: load_plan(ours))
        time_into(times["loads"], lambda: json.loads(theirs.read_bytes()))
    found = {name: statistics.median(values) for name, values in times.items()}
    found["bytes"] = ours.stat().st_size
    return found


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("model", nargs="?", type=Path, help="an IR .xml (default: a generated one)")
    parser.add_argument("--layers", type=int, default=25_000, help="layers of the generated IR")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        xml = args.model
        with Progress(transient=True) as progress:
            task = progress.add_task("building and planning", total=None)
            if xml is None:
                xml = directory / "stack.xml"
                ov.save_model(build_encoder_stack(args.layers), xml, compress_to_fp16=False)
            ir = parse_ir(xml)
            islands = directory / "islands.json"
            islands.write_text(
                json.dumps({layer.name: "CPU" for layer in ir.layers.values() if layer.type == "Softmax"})
            )
            plans = {
                "one subgraph": plan_from_files(xml, devices="NPU,CPU", emulate="NPU"),
                "softmax islands": plan_from_files(xml, devices="NPU,CPU", emulate="NPU", affinity=islands),
            }
            progress.update(task, description="timing")
            results = {label: measure(plan, directory, args.repeat) for label, plan in plans.items()}
    print(f"{xml.name}: {len(ir.layers):,} layers; medians of {args.repeat} interleaved repetitions")
    header = ("plan", "subgraphs", "file", "save ms", "stdlib", "ratio", "load ms", "stdlib", "ratio")
    print("{:16} {:>9} {:>9}  {:>8} {:>8} {:>6}  {:>8} {:>8} {:>6}".format(*header))
    for label, found in results.items():
        plan = plans[label]
        print(
            f"{label:16} {plan.subgraph_count:9,} {found['bytes'] / 2**20:6.1f} MiB  "
            f"{found['save']:8.1f} {found['dumps']:8.1f} {found['save'] / found['dumps']:6.3f}  "
            f"{found['load']:8.1f} {found['loads']:8.1f} {found['load'] / found['loads']:6.3f}"
        )
    print(
        "stdlib: json.dumps(data, indent=2) of the plan's JSON data (built once, untimed), written the same "
        "way; json.loads of that file (no plan built)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
