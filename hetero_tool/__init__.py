"""hetero_tool: see, predict and steer how OpenVINO's HETERO plugin splits a model across devices.

The public API, by stage (the README has the data flow):

- IR: :func:`load_ir` / :func:`parse_ir` -> :class:`IRModel`; :func:`graph_from_ir` ->
  ``networkx.MultiDiGraph`` keyed by IR layer id; :func:`summary_from_ir` -> :class:`ModelSummary`.
- Devices: :func:`parse_devices` (``HETERO:NPU,CPU``), :func:`resolve_devices` (real or emulated with a
  :class:`DeviceProfile`), :class:`Support` (what each device runs, from ``query_model``).
- Placement: :func:`assign_affinity` (affinity map, rules, then fallback priority as HETERO's automatic mode).
- Subgraphs and plans: :func:`collect_subgraphs` (exactly as HETERO cuts), :func:`make_plan` -> :class:`Plan`,
  :func:`load_plan`.
- Optimizing: :func:`hetero_tool.optimize.search.optimize_plan` (the placement of least predicted
  latency, bounded, next to HETERO's default and the peers' baselines), priced by
  :func:`hetero_tool.cost.model.predict_latency`; :func:`hetero_tool.diff.diff_plans` compares two plans.
- From files, as the commands work: :func:`plan_from_files` and the other ``*_from_files`` of
  :mod:`hetero_tool.loaders`.
- Pictures: :func:`hetero_tool.report.render.render_plan` (graph views, sized by policy) and
  :func:`hetero_tool.report.render.strip_from_plans` (the placement strip of one or more plans, at any size).
  In Jupyter a :class:`Plan`, a bench result, an optimization and a plan diff display themselves.
- Examples: :func:`hetero_tool.samples.save_samples` builds the bundled example models.
- Errors: everything raised on purpose derives from :class:`HeteroToolError`.
"""

from hetero_tool.affinity import Assignment, Decision, Rule, assign_affinity, load_affinity_map, load_rules
from hetero_tool.devices import Device, DeviceProfile, Support, load_profile, parse_devices, resolve_devices
from hetero_tool.errors import HeteroToolError, InputError, IRError, ModelFormatError, PlanError, WeightsError
from hetero_tool.ir import (
    IRModel,
    Layer,
    ModelSummary,
    Port,
    graph_from_ir,
    load_ir,
    parse_ir,
    summary_from_ir,
)
from hetero_tool.partition import Partition, collect_subgraphs
from hetero_tool.plan import Plan, load_plan, make_plan


def __getattr__(name: str):
    # plan_from_files is loaded on first use: its module brings the runtime and the reports (and numpy), which
    # importing the package, or a child process that only lays out a graph, should not pay for. The version
    # too: importlib.metadata is slow to import.
    if name == "plan_from_files":
        from hetero_tool.loaders import plan_from_files

        return plan_from_files
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("hetero-tool")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module 'hetero_tool' has no attribute {name!r}")


__all__ = [
    "Assignment",
    "Decision",
    "Device",
    "DeviceProfile",
    "HeteroToolError",
    "IRError",
    "IRModel",
    "InputError",
    "Layer",
    "ModelFormatError",
    "ModelSummary",
    "Partition",
    "Plan",
    "PlanError",
    "Port",
    "Rule",
    "Support",
    "WeightsError",
    "__version__",
    "assign_affinity",
    "collect_subgraphs",
    "graph_from_ir",
    "load_affinity_map",
    "load_ir",
    "load_plan",
    "load_profile",
    "load_rules",
    "make_plan",
    "parse_devices",
    "parse_ir",
    "plan_from_files",
    "resolve_devices",
    "summary_from_ir",
]
