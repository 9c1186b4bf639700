"""Costs: what calibrating measured (:mod:`.profile`) and the fit that turns a microbenchmark into a boundary
cost (:mod:`.fit`). The cost model that predicts a plan's latency builds on these."""

from hetero_tool.cost.fit import fit_boundary_cost
from hetero_tool.cost.profile import (
    BoundaryCost,
    BoundaryFit,
    BoundaryPoint,
    CalibrationConfig,
    CostProfile,
    DeviceCosts,
    Spread,
    TypeCost,
    load_cost_profile,
)

__all__ = [
    "BoundaryCost",
    "BoundaryFit",
    "BoundaryPoint",
    "CalibrationConfig",
    "CostProfile",
    "DeviceCosts",
    "Spread",
    "TypeCost",
    "fit_boundary_cost",
    "load_cost_profile",
]
