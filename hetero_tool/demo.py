"""The tour behind ``hetero-tool demo`` and ``make demo``: the tool's main job on the bundled examples.

For now the tour builds the example models and inspects one; each new capability (plans, dumps, reports,
timing) joins it as it lands, so the demo always shows the whole pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hetero_tool.ir import ModelSummary, load_ir, summary_from_ir
from hetero_tool.samples import save_samples

__all__ = ["DemoResult", "run_demo", "DEMO_MODEL"]

#: The example model the demo follows through the pipeline.
DEMO_MODEL = "mobilenet"


@dataclass(frozen=True)
class DemoResult:
    """What the demo produced."""

    #: Example model name -> its IR ``.xml``.
    models: dict[str, Path]
    #: Summary of :data:`DEMO_MODEL`.
    summary: ModelSummary


def run_demo(output_dir: str | Path) -> DemoResult:
    """Build every example model into ``output_dir`` and inspect :data:`DEMO_MODEL`.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     result = run_demo(tmp)
    >>> result.summary.name, list(result.models)
    ('mobilenet', ['mobilenet', 'transformer', 'detector', 'control_flow'])
    """
    models = save_samples(output_dir)
    return DemoResult(models=models, summary=summary_from_ir(load_ir(models[DEMO_MODEL])))
