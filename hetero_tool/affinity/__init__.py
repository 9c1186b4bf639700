"""Where each layer goes and why: fallback priority (HETERO's automatic mode), rules, affinity maps."""

from hetero_tool.affinity.assign import Constraints, assign_affinity, rule_constraints
from hetero_tool.affinity.fallback import assign_by_priority
from hetero_tool.affinity.rules import Match, Rule, load_affinity_map, load_rules, match_layers
from hetero_tool.affinity.types import Assignment, Decision

__all__ = [
    "Assignment",
    "Constraints",
    "Decision",
    "Match",
    "Rule",
    "assign_affinity",
    "assign_by_priority",
    "load_affinity_map",
    "load_rules",
    "match_layers",
    "rule_constraints",
]
