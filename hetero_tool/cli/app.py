"""The ``hetero-tool`` root command: global options, error handling, and the list of commands.

Every command parses its options, calls one library function and renders what it returns. Errors the library
raises on purpose (:class:`~hetero_tool.errors.HeteroToolError`) become one ``error:`` line on stderr and the
error's exit code (2 for bad input); anything else is an internal error, also one line. ``--verbose`` adds the
traceback.
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass
from typing import Annotated

import typer
from rich.logging import RichHandler
from rich.markup import escape
from typer.core import TyperGroup

from hetero_tool.cli import bench, calibrate, demo, devices, diff, draw, export, inspect, plan, report
from hetero_tool.cli.console import fatal, out, set_quiet
from hetero_tool.errors import HeteroToolError

__all__ = ["app", "main"]


@dataclass
class CliState:
    """Options of the root command that every command can see (``ctx.obj``)."""

    verbose: bool = False
    quiet: bool = False


class _Group(TyperGroup):
    """Runs a command and turns its errors into one line and an exit code."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):  # typer's own: usage errors, --help, exits
            raise
        except HeteroToolError as exc:
            _report(ctx, exc, str(exc))
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            fatal.print("interrupted")
            raise typer.Exit(130) from None
        except OSError as exc:
            _report(ctx, exc, f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
            raise typer.Exit(1) from None
        except Exception as exc:  # a bug: still one line unless --verbose
            hint = "" if _state(ctx).verbose else " (run with --verbose for details)"
            _report(ctx, exc, f"internal error: {type(exc).__name__}: {exc}{hint}")
            raise typer.Exit(1) from None


def _state(ctx: typer.Context) -> CliState:
    return ctx.obj if isinstance(ctx.obj, CliState) else CliState()


def _report(ctx: typer.Context, exc: BaseException, message: str) -> None:
    if _state(ctx).verbose:
        fatal.print_exception(show_locals=False)
    fatal.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)


app = typer.Typer(
    name="hetero-tool",
    cls=_Group,
    help="See, predict and steer how OpenVINO's HETERO plugin splits a model across devices.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if not value:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("hetero-tool")
    except PackageNotFoundError:  # running from a source tree that was never installed
        ours = "unknown"
    import openvino

    out.print(f"hetero-tool {ours} (OpenVINO {openvino.get_version()})")
    raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Debug messages, and the traceback with any error.")
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Print nothing but --json output and errors (files are still written)."
        ),
    ] = False,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """See, predict and steer how OpenVINO's HETERO plugin splits a model across devices."""
    if verbose and quiet:
        raise typer.BadParameter("--verbose and --quiet exclude each other")
    ctx.obj = CliState(verbose=verbose, quiet=quiet)
    set_quiet(quiet)
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    logger = logging.getLogger("hetero_tool")
    logger.handlers[:] = [RichHandler(console=fatal, show_time=False, show_path=verbose, markup=False)]
    logger.setLevel(level)
    logger.propagate = False


app.command("inspect", no_args_is_help=True)(inspect.inspect)
app.command("plan", no_args_is_help=True)(plan.plan)
app.command("diff", no_args_is_help=True)(diff.diff)
app.command("devices")(devices.devices)
app.command("dot", no_args_is_help=True)(draw.dot)
app.command("render", no_args_is_help=True)(draw.render)
app.command("report", no_args_is_help=True)(report.report)
app.command("export", no_args_is_help=True)(export.export)
app.command("bench", no_args_is_help=True)(bench.bench)
app.command("calibrate", no_args_is_help=True)(calibrate.calibrate)
app.command("demo")(demo.demo)


def main() -> None:
    """Console-script entry point.

    A command is one short process that builds large acyclic structures (a 25,000-layer model, its plan):
    the objects of the imports are moved out of the cyclic collector's sight and it runs less often, as
    mypy's entry point does, saving a tenth of a big ``plan``. Reference counting still frees everything.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    app()
