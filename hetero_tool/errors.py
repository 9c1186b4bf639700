"""One error hierarchy for the whole tool.

Library code raises these and never prints; the CLI maps each class to an exit code and shows the message as
one line (the traceback only with ``--verbose``). Messages name the file, layer or rule they are about, so
the line alone tells the user what to fix.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "HeteroToolError",
    "InputError",
    "IRError",
    "WeightsError",
    "ModelFormatError",
    "PlanError",
    "BackendError",
    "CheckFailed",
]


class HeteroToolError(Exception):
    """Base of every error the tool raises on purpose. ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class InputError(HeteroToolError):
    """The user's input is wrong: a file, an option, a rule. Exit code 2, like a usage error."""

    exit_code = 2


class IRError(InputError):
    """An OpenVINO IR ``.xml`` is malformed, hostile or inconsistent.

    The message reads ``<file>:<line>: <what>`` when the XML line is known, and names the layer by id and
    name when the problem belongs to one.
    """

    def __init__(self, path: str | Path, message: str, *, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.detail = message
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")


class WeightsError(IRError):
    """The ``.bin`` next to an IR is missing or too short for the constants the ``.xml`` declares."""


class ModelFormatError(InputError):
    """A model file of a type the tool cannot read, or one OpenVINO's reader rejected."""


class PlanError(InputError):
    """A plan that cannot be used: made for another model, or a split OpenVINO cannot run."""


class BackendError(HeteroToolError):
    """OpenVINO itself failed on something the input did not predict (an internal error, not bad input)."""

    exit_code = 3


class CheckFailed(HeteroToolError):
    """A run finished but failed a check: HETERO compiled other submodels than the plan predicts, or outputs
    differ from the reference beyond the tolerances. Exit code 4, after the full results are shown."""

    exit_code = 4
