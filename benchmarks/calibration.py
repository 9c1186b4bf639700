"""How long ``hetero-tool calibrate`` takes, how repeatable its figures are, and whether they predict splits.

    python benchmarks/calibration.py                      # example mobilenet, NPU (emulated) + CPU, 3 repeats
    python benchmarks/calibration.py model.xml -d GPU,CPU --emulate GPU --repeat 5
    python benchmarks/calibration.py --no-check           # skip the prediction check

Prints, for one run of this script:

- the wall time of one default calibration (``--repeat 1``, what a user waits for) and of the repeated one;
- each boundary figure of the repeated calibration: median, range over the repeats and relative range, the
  fit's R² and residuals, and each device's per-layer sum, latency and per-layer spread;
- with the check (default): plans that cut the model's layers (in topological order) into 1, 2, 4, 8 and 16
  contiguous runs alternating between the first two devices are compiled through HETERO and timed in
  interleaved rounds; the latency each adds over the first device alone is set next to what the profile
  predicts, ``sum of per-layer time differences + (subgraphs - 1) * overhead + per_byte * cut bytes``, with
  Kendall's tau over the plans.

The machine's load moves every figure; the spread over the repeats is the honest error bar.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.progress import Progress

from hetero_tool.cost import CalibrationConfig, CostProfile
from hetero_tool.devices.device import parse_emulate, resolve_devices
from hetero_tool.devices.names import parse_devices
from hetero_tool.devices.support import Support
from hetero_tool.ir import load_ir
from hetero_tool.ir.order import ordered_layer_ids
from hetero_tool.plan import make_plan
from hetero_tool.runtime.calibration import calibrate
from hetero_tool.runtime.data import make_inputs
from hetero_tool.runtime.hetero import compile_plan, model_for
from hetero_tool.runtime.timing import Timer
from hetero_tool.samples import save_samples

STRUCTURAL = ("Parameter", "Constant", "Result")


def timed_calibration(ir, devices, config: CalibrationConfig) -> tuple[CostProfile, float]:
    with Progress(transient=True) as progress:
        task = progress.add_task("calibrating", total=None)

        def update(what: str, done: int, total: int) -> None:
            progress.update(task, description=what, completed=done, total=total)

        start = time.perf_counter()
        profile = calibrate(ir, devices, config, progress=update)
        return profile, time.perf_counter() - start


def show(profile: CostProfile) -> None:
    def spread(s, fmt="{:.3f}"):
        rel = f"{100 * s.relative:.0f}%" if s.relative != float("inf") else "inf"
        return f"{fmt.format(s.median)} [{fmt.format(s.min)}..{fmt.format(s.max)}] (range {rel} of median)"

    print(f"host {profile.host_cpu}, {profile.host_cores} cores, OpenVINO {profile.openvino}")
    print(
        f"boundary sizes {list(profile.config.boundary_bytes)} B, "
        f"subgraphs {list(profile.config.subgraph_counts)}"
    )
    for cost in profile.boundaries:
        print(f"{' <-> '.join(cost.devices)}:")
        print(f"  overhead     {spread(cost.overhead_us, '{:.2f}')} us per extra subgraph")
        print(f"  per byte     {spread(cost.per_byte_ns)} ns/B  (= {cost.transfer_gbps:.2f} GB/s)")
        print(f"  R^2          {spread(cost.r2)}")
        for k, fit in enumerate(cost.fits):
            slopes = ", ".join(f"{b} B {s:.2f}" for b, s in sorted(fit.slopes_us.items()))
            print(
                f"  repeat {k + 1}: rmse {fit.rmse_us:.1f} us, max |residual| {fit.max_residual_us:.1f} us; "
                f"us per boundary by size: {slopes}"
            )
    for device in profile.devices:
        tag = " (emulated)" if device.emulated else ""
        print(
            f"{device.name}{tag}: {len(device.layer_ms)} layers ({len(device.fused)} fused), sum "
            f"{spread(device.counted_ms)} ms, latency {spread(device.latency_ms)} ms, per-layer spread "
            f"median {100 * device.layer_spread:.0f}% p90 {100 * device.layer_spread_p90:.0f}%"
        )


def check_predictions(ir, devices, profile: CostProfile, runs=(1, 2, 4, 8, 16), rounds=8, niter=400) -> None:
    """Time plans with ``runs`` alternating runs of layers and compare the added latency with the
    prediction."""
    first, second = devices[0], devices[1]
    cost = profile.boundary(first.name, second.name)
    order = [lid for lid in ordered_layer_ids(ir) if ir.layers[lid].type not in STRUCTURAL]
    support = Support(ir)
    candidates = []
    for m in runs:
        affinity = {lid: (first.name, second.name)[(i * m // len(order)) % 2] for i, lid in enumerate(order)}
        plan = make_plan(ir, devices[:2], affinity_map=affinity, support=support)
        compiled = compile_plan(ir, plan)
        assert compiled.submodels == plan.subgraph_count
        cut_bytes = sum(c.bytes or 0 for c in plan.partition.cuts)
        compute = sum(profile.layer_ms(plan.layer_affinity[lid], lid) or 0.0 for lid in order)
        candidates.append([m, plan.subgraph_count, cut_bytes, compute, compiled, None])
    inputs = make_inputs(model_for(ir), seed=0)
    for c in candidates:
        c[5] = Timer(c[4].compiled, inputs)
        c[5].warm_up()
    per = max(1, niter // rounds)
    for _ in range(rounds):
        for c in candidates:
            c[5].run(iterations=per)
    base = candidates[0]
    base_ms = statistics.median(base[5].timing().latencies_ms)
    rows = []
    for m, subgraphs, nbytes, compute, _, timer in candidates:
        measured = statistics.median(timer.timing().latencies_ms) - base_ms
        predicted = (compute - base[3]) + 1e-3 * (
            (subgraphs - 1) * cost.overhead_us.median + 1e-3 * cost.per_byte_ns.median * nbytes
        )
        rows.append((m, subgraphs, nbytes, measured, predicted))
        print(
            f"  {m:2d} runs -> {subgraphs:2d} subgraphs, {nbytes:7d} B cut: "
            f"measured +{1e3 * measured:7.1f} us, predicted +{1e3 * predicted:7.1f} us"
        )
    print(
        "  Kendall tau (measured vs predicted added latency): "
        f"{kendall_tau([r[3] for r in rows], [r[4] for r in rows]):.2f}"
    )


def kendall_tau(x, y) -> float:
    pairs = [(i, j) for i in range(len(x)) for j in range(i + 1, len(x))]
    score = sum((x[i] - x[j]) * (y[i] - y[j]) > 0 for i, j in pairs) - sum(
        (x[i] - x[j]) * (y[i] - y[j]) < 0 for i, j in pairs
    )
    return score / len(pairs) if pairs else 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("model", nargs="?", help="IR .xml (default: the example mobilenet)")
    parser.add_argument("-d", "--devices", default="NPU,CPU")
    parser.add_argument("--emulate", action="append", default=None, help="default: NPU")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-check", action="store_true", help="skip the prediction check")
    args = parser.parse_args(argv)
    emulate = args.emulate if args.emulate is not None else ["NPU"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.model) if args.model else save_samples(tmp, ["mobilenet"])["mobilenet"]
        ir = load_ir(path)
        devices = resolve_devices(parse_devices(args.devices), parse_emulate(emulate))
        _, once = timed_calibration(ir, devices, CalibrationConfig())
        print(f"{ir.name}: one default calibration took {once:.1f} s")
        profile, took = timed_calibration(ir, devices, CalibrationConfig(repeat=args.repeat))
        print(f"{ir.name}: --repeat {args.repeat} took {took:.1f} s")
        show(profile)
        if not args.no_check and len(devices) >= 2:
            print("prediction check (added latency over the first device alone):")
            check_predictions(ir, devices, profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
