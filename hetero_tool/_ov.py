"""Glue shared by every module that talks to OpenVINO: error text that reads as one line."""

from __future__ import annotations

import re

__all__ = ["ov_error_text"]

# Lines OpenVINO prepends to every message: where in its C++ source the exception passed through.
_NOISE = re.compile(r"^(Exception from \S+|Check '.*' failed at \S+|FrontEnd API failed with \w+:?|\S+\.cpp:\d+:?)$")


def ov_error_text(exc: BaseException) -> str:
    """The first line of an OpenVINO exception that says what went wrong, not where in C++ it was thrown.

    Examples
    --------
    >>> ov_error_text(RuntimeError("Exception from src/core.cpp:84:\\nUnable to read the model: x.xml\\n"))
    'Unable to read the model: x.xml'
    """
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    useful = [line for line in lines if not _NOISE.match(line)]
    return (useful or lines or [type(exc).__name__])[0]
