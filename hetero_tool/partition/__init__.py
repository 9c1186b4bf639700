"""Subgraphs exactly as HETERO cuts them (:mod:`.subgraphs`), and plans (:mod:`.plan`).

Only the subgraph layer is re-exported here: the affinity stage builds on it, and plans build on the affinity
stage, so :mod:`hetero_tool.partition.plan` is imported by name (or from the top-level package).
"""

from hetero_tool.partition.subgraphs import CutTensor, Partition, Subgraph, collect_subgraphs

__all__ = ["CutTensor", "Partition", "Subgraph", "collect_subgraphs"]
