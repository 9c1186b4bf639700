"""Fixtures for the whole suite, the docstrings' examples included: a private cache and the example models.

Doctests assume two names, as networkx's assume ``nx``:

- ``samples``: every example model as IR, name -> ``.xml`` path (``save_samples`` output, built once a
  session);
- ``tmp``: a fresh, empty directory (a ``pathlib.Path``) for the files an example writes.

Everything else an example uses it imports itself, so each one reads as a session a user could type.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hetero_tool.samples import save_samples


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory):
    """Keep the tool's cache (converted models, query answers) inside the test session."""
    previous = os.environ.get("HETERO_TOOL_CACHE_DIR")
    os.environ["HETERO_TOOL_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        del os.environ["HETERO_TOOL_CACHE_DIR"]
    else:
        os.environ["HETERO_TOOL_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def sample_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every example model as IR, name -> .xml (built once)."""
    return save_samples(tmp_path_factory.mktemp("samples"))


@pytest.fixture(autouse=True)
def _doctest_names(request: pytest.FixtureRequest, doctest_namespace: dict) -> None:
    """``samples`` and ``tmp`` for the docstrings' examples (and only for them: tests ask for what they
    use)."""
    if isinstance(request.node, pytest.DoctestItem):
        doctest_namespace["samples"] = request.getfixturevalue("sample_paths")
        doctest_namespace["tmp"] = request.getfixturevalue("tmp_path")
