"""Subgraphs exactly as HETERO cuts them, and the plan that carries affinities and subgraphs as JSON."""

from hetero_tool.partition.plan import Plan, fallback_rows, load_plan, make_plan, plan_model
from hetero_tool.partition.subgraphs import CutTensor, Partition, Subgraph, collect_subgraphs

__all__ = [
    "CutTensor",
    "Partition",
    "Plan",
    "Subgraph",
    "collect_subgraphs",
    "fallback_rows",
    "load_plan",
    "make_plan",
    "plan_model",
]
