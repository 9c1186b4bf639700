"""hetero_tool: see, predict and steer how OpenVINO's HETERO plugin splits a model across devices.

The public API, by stage (see the README and ``../DESIGN`` for the data flow):

- IR: :func:`load_ir` / :func:`parse_ir` -> :class:`IRModel`; :func:`graph_from_ir` -> ``networkx.MultiDiGraph``
  keyed by IR layer id; :func:`summary_from_ir` -> :class:`ModelSummary`.
- Examples: :func:`hetero_tool.samples.save_samples` builds the bundled example models.
- Errors: everything raised on purpose derives from :class:`HeteroToolError`.
"""

from importlib.metadata import PackageNotFoundError, version

from hetero_tool.errors import HeteroToolError, InputError, IRError, ModelFormatError, WeightsError
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

try:
    __version__ = version("hetero-tool")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "HeteroToolError",
    "IRError",
    "IRModel",
    "InputError",
    "Layer",
    "ModelFormatError",
    "ModelSummary",
    "Port",
    "WeightsError",
    "__version__",
    "graph_from_ir",
    "load_ir",
    "parse_ir",
    "summary_from_ir",
]
