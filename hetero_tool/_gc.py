"""A pause of the cyclic garbage collector for bulk construction of acyclic data (a parsed IR, its graph, a
plan read from or written to its file)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic collector while building many small, acyclic objects (a big IR or its graph).

    Every few hundred allocations the collector scans the young objects, and now and then the whole heap;
    building a 20,000-layer model triggers hundreds of such scans of an ever larger heap, a third of the
    time. Nothing built here forms a cycle, so reference counting frees it all the same.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
