"""Where the CLI writes: results to stdout, messages and progress to stderr, and the helpers every command
shares."""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hetero_tool._format import format_bytes
from hetero_tool.runtime.progress import Progress as ProgressCallback
from hetero_tool.schema import encode_document

__all__ = ["err", "fatal", "format_bytes", "out", "print_json", "progress_bar", "set_quiet", "table"]

#: Results (tables, JSON) go to stdout so they can be piped.
out = Console(highlight=False, soft_wrap=True, emoji=False)
#: Messages, warnings and progress go to stderr.
err = Console(stderr=True, highlight=False, emoji=False)
#: The one ``error:`` line of a failed command, also on stderr: ``--quiet`` never silences it.
fatal = Console(stderr=True, highlight=False, emoji=False)


def set_quiet(quiet: bool) -> None:
    """``--quiet``: no tables, messages, warnings or progress; what ``--json`` prints and the error line of a
    failed command still appear."""
    out.quiet = err.quiet = quiet


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout, as the tool writes its files (no markup)."""
    sys.stdout.flush()
    sys.stdout.buffer.write(encode_document(data))
    sys.stdout.buffer.flush()


def table(
    *columns: str, title: str | None = None, right: Collection[str] = (), no_wrap: Collection[str] = ()
) -> Table:
    """A results table in the CLI's one style: no box, the title bold on the left; the ``right`` columns
    (numbers) right-aligned, the ``no_wrap`` ones never wrapped."""
    result = Table(title=title, title_justify="left", title_style="bold", box=None, pad_edge=False)
    for column in columns:
        result.add_column(column, justify="right" if column in right else "left", no_wrap=column in no_wrap)
    return result


@contextmanager
def progress_bar(what: str) -> Iterator[ProgressCallback]:
    """A progress bar on stderr (gone when done), and the ``progress(what, done, total)`` callback the
    library's long runs report to."""
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task(escape(what), total=None)

        def update(description: str, done: int, total: int) -> None:
            bar.update(task, description=escape(description), completed=done, total=total)

        yield update
