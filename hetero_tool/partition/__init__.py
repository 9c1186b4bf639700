"""Subgraphs exactly as HETERO cuts a model whose every layer has an affinity (:mod:`.subgraphs`).

The collector sits below the affinity stage, which uses it to cut the regions HETERO's fallback queries, and
below the plan, which records its result. :mod:`.libstdcxx` replays the hash-container order HETERO's output
follows. :mod:`.shapes` says which cuts HETERO cannot run because they change shapes.
"""

from hetero_tool.partition.shapes import split_shape_problems
from hetero_tool.partition.subgraphs import CutTensor, Partition, Subgraph, collect_subgraphs

__all__ = ["CutTensor", "Partition", "Subgraph", "collect_subgraphs", "split_shape_problems"]
