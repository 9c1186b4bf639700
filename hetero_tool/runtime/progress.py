"""Progress of long runs, reported through a callback so the library never prints (the CLI draws the bar)."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress", "Steps"]

#: Progress callback: (what is happening, steps done so far, total steps).
Progress = Callable[[str, int, int], None]


class Steps:
    """Counts the steps of a run of known length and reports each to ``progress`` (when given).

    Examples
    --------
    >>> seen = []
    >>> steps = Steps(lambda what, done, total: seen.append((what, done, total)), total=2)
    >>> steps.advance("compiling"); steps.advance("timing"); steps.finish()
    >>> seen
    [('compiling', 0, 2), ('timing', 1, 2), ('done', 2, 2)]
    """

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def advance(self, what: str) -> None:
        """Say that step ``what`` starts."""
        if self.progress is not None:
            self.progress(what, self.done, self.total)
        self.done += 1

    def finish(self) -> None:
        if self.progress is not None:
            self.progress("done", self.total, self.total)
