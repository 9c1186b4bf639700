"""The tour behind ``hetero-tool demo`` and ``make demo``: the tool's main job on the bundled examples.

The tour builds the example models, inspects one, and plans two splits on an emulated NPU next to the CPU:
the detector as fallback priority places it (its NonMaxSuppression, with a data-dependent output shape, falls
back to the CPU), and the MobileNet under rules that keep the hard-swish activations off the NPU (every
activation becomes a CPU island: the classic way a HETERO split goes wrong). Each new capability joins the tour
as it lands, so the demo always shows the whole pipeline.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from hetero_tool.ir import ModelSummary, load_ir, summary_from_ir
from hetero_tool.partition.plan import Plan, plan_model
from hetero_tool.samples import save_samples

__all__ = ["DemoResult", "run_demo", "DEMO_MODEL", "DEMO_DEVICES"]

#: The example model the demo inspects.
DEMO_MODEL = "mobilenet"
#: The priority list the demo plans for, with the NPU emulated from its built-in profile.
DEMO_DEVICES = "HETERO:NPU,CPU"


@dataclass(frozen=True)
class DemoResult:
    """What the demo produced."""

    #: Example model name -> its IR ``.xml``.
    models: dict[str, Path]
    #: Summary of :data:`DEMO_MODEL`.
    summary: ModelSummary
    #: Plan file -> plan: the detector by fallback priority, the MobileNet under the example rules.
    plans: dict[Path, Plan]
    #: The example rules file, copied next to the models.
    rules: Path


def run_demo(output_dir: str | Path) -> DemoResult:
    """Build every example model into ``output_dir``, inspect one, plan two splits and save the plans.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     result = run_demo(tmp)
    >>> result.summary.name, list(result.models)
    ('mobilenet', ['mobilenet', 'transformer', 'detector', 'control_flow'])
    >>> [plan.subgraph_count > 1 for plan in result.plans.values()]
    [True, True]
    """
    output_dir = Path(output_dir)
    models = save_samples(output_dir)
    rules = output_dir / "activations_off_npu.toml"
    with resources.as_file(resources.files("hetero_tool.data") / "activations_off_npu.toml") as source:
        shutil.copyfile(source, rules)
    plans = {}
    for name, extra in (("detector", {}), ("mobilenet", {"rules": rules})):
        plan = plan_model(models[name], devices=DEMO_DEVICES, emulate=["NPU"], **extra)
        plans[plan.save(output_dir / f"{name}.plan.json")] = plan
    return DemoResult(models=models, summary=summary_from_ir(load_ir(models[DEMO_MODEL])), plans=plans, rules=rules)
