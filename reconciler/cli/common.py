"""What every command shares: the app, output, error handling, loaders (options: `options`)."""

from __future__ import annotations

import functools
import gc
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ClassVar, ParamSpec, TypeVar

import typer
from typer._click.core import Context  # Typer vendors its own click
from typer._click.exceptions import UsageError
from typer.core import TyperGroup

from reconciler import __version__
from reconciler.core.errors import EXIT_ERROR, EXIT_INTERRUPTED, ReconcilerError

if TYPE_CHECKING:
    from rich.console import Console

    from reconciler.app.settings import Connection
    from reconciler.core.model import DesiredSet, Plan
    from reconciler.core.ports import StateStore
    from reconciler.testsigma.client import TestsigmaClient

P = ParamSpec("P")
R = TypeVar("R")

#: The global flags, accepted anywhere on the line (`reconciler apply x/ -v`).
GLOBAL_FLAGS = frozenset({"-v", "--verbose", "-q", "--quiet"})


def hoist_global_flags(args: list[str]) -> list[str]:
    """`args` with the global flags moved to the front, where the top-level group reads them.

    Only whole tokens before a `--` move; everything else keeps its order.
    """
    try:
        end = args.index("--")
    except ValueError:
        end = len(args)
    flags = [a for a in args[:end] if a in GLOBAL_FLAGS]
    rest = [a for a in args[:end] if a not in GLOBAL_FLAGS]
    return flags + rest + args[end:]


class ReconcilerGroup(TyperGroup):
    """The top-level group: global flags anywhere, and usage errors exit 1, not click's 2.

    Exit code 2 means "changes pending" under `plan --detailed-exitcode`: a mistyped
    flag in CI must never read as success (README.md "Exit codes": usage errors are errors).
    """

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_flags(args))

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Context | None = None,
        **extra: object,
    ) -> Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except UsageError as exc:
            exc.exit_code = EXIT_ERROR
            raise

    def invoke(self, ctx: Context) -> object:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            exc.exit_code = EXIT_ERROR
            raise


app = typer.Typer(
    name="reconciler",
    cls=ReconcilerGroup,
    help="GitOps for Testsigma scheduled partial test runs: declare schedules in YAML, "
    "plan, apply.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
state_app = typer.Typer(
    help="Inspect or edit the recorded state.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(state_app, name="state")


class Options:
    """Global flags, set by the top-level callback."""

    verbose = False
    quiet = False
    workspace: str | None = None
    #: Said once the command's main output is out (so an error stays the first line).
    notes: ClassVar[list[str]] = []


def err(message: str) -> None:
    """An error or warning line on stderr (secrets redacted)."""
    from reconciler.app.settings import redact

    typer.echo(redact(message), err=True)


def info(message: str) -> None:
    """A progress or note line on stderr, unless --quiet."""
    if not Options.quiet:
        err(message)


def out(text: str) -> None:
    """Results on stdout (secrets redacted); through the live progress display when one runs."""
    from reconciler.app.settings import redact

    if LiveConsole.console is not None:
        LiveConsole.console.print(redact(text), markup=False, highlight=False, soft_wrap=True)
    else:
        typer.echo(redact(text))


def use_colour() -> bool:
    """Colour only on a terminal, never with NO_COLOR set (no-color.org) or TERM=dumb."""
    return (
        sys.stdout.isatty()
        and not os.environ.get("NO_COLOR")
        and os.environ.get("TERM", "") != "dumb"
    )


_PLAN_COLOURS = {"+": "green", "~": "yellow", "-": "red", "!": "magenta", "x": "red"}


def colour_plan(text: str) -> str:
    """The text plan with each action's symbol line coloured (for terminals)."""
    lines = []
    for line in text.splitlines():
        symbol = line[2:3] if line.startswith("  ") and line[3:4] == " " else ""
        colour = _PLAN_COLOURS.get(symbol)
        lines.append(typer.style(line, fg=colour, bold=True) if colour else line)
    return "\n".join(lines)


class LiveConsole:
    """The console of the running live display on stdout, if any (`cli/progress.py`)."""

    console: Console | None = None


def guard(func: Callable[P, R]) -> Callable[P, R]:
    """Turn errors into one clear line and an exit code; a traceback only with --verbose."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return _guarded(func, *args, **kwargs)
        finally:
            _flush_notes()  # after the output and after any error line: an error stays first

    return wrapper


def _guarded(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a command: each error becomes one line (a traceback only with --verbose)."""
    try:
        return func(*args, **kwargs)
    except (typer.Exit, typer.Abort):
        raise
    except ReconcilerError as exc:
        if Options.verbose:
            logging.getLogger("reconciler").debug("error", exc_info=True)
        err(f"Error: {exc.message}")
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err("Interrupted.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as exc:
        if Options.verbose:
            raise
        err(
            f"Internal error: {type(exc).__name__}: {exc}. This is a bug; "
            "run again with --verbose for the traceback and report it."
        )
        raise typer.Exit(EXIT_ERROR) from None


def _flush_notes() -> None:
    notes, Options.notes = Options.notes, []
    for note in notes:
        info(note)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reconciler {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log every request and retry.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors and results.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    workspace: Annotated[
        str | None,
        typer.Option(
            "--workspace",
            metavar="NAME",
            envvar="RECONCILER_WORKSPACE",
            help="One team's state in a shared store (also ?workspace=NAME in the state URL). "
            "Accepted anywhere on the line.",
        ),
    ] = None,
) -> None:
    Options.verbose = verbose
    Options.quiet = quiet
    Options.workspace = workspace or None
    Options.notes = []
    level = logging.DEBUG if verbose else (logging.ERROR if quiet else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    from reconciler.app.settings import reinstall_redaction

    reinstall_redaction()
    logging.getLogger("reconciler").setLevel(logging.DEBUG if verbose else logging.NOTSET)
    logging.getLogger("httpx").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def load_desired_from(paths: list[Path]) -> DesiredSet:
    from reconciler.app.sources import read_sources
    from reconciler.spec import load_desired

    # The YAML lives until the command ends: no collection while loading, then frozen.
    gc.disable()
    try:
        desired = load_desired(read_sources(paths))
    finally:
        gc.freeze()
        gc.enable()
    for warning in desired.warnings:
        info(str(warning))
    return desired


def open_state(url: str | None) -> StateStore:
    """Open the state (in the chosen workspace); say so once when it was just created.

    Every spelling of a password in the URL is redacted from all output first.
    """
    from reconciler.app.settings import install_redaction
    from reconciler.state import open_store, url_secrets

    for secret in url_secrets(url):
        install_redaction(secret)
    store = open_store(url, workspace=Options.workspace)
    if store.created:
        what = "state" if store.workspace == "default" else f"workspace {store.workspace!r}"
        Options.notes.append(
            f"Note: created a new, empty {what} at {store.url} (if you expected one to exist, "
            "check --state and --workspace: a CI cache miss shows up here)"
        )
    return store


def make_client(
    conn: Connection,
    *,
    ca_bundle: Path | None = None,
    connect_timeout: float = 10.0,
    read_timeout: float = 30.0,
    total_timeout: float = 120.0,
    handle_signals: bool = True,
) -> TestsigmaClient:
    """The API client for a command; SIGINT/SIGTERM cancel its calls while it is open.

    `handle_signals=False`: the command handles signals itself with its own
    `cli.signals.CommandSignals` (apply and run, which stop before they cancel).
    """
    from reconciler.testsigma.client import TestsigmaClient, Timeouts

    if ca_bundle is not None and not ca_bundle.is_file():
        raise ReconcilerError(f"--ca-bundle {ca_bundle}: no such file")
    key = conn.require_key()
    for warning in conn.warnings:
        err(warning)
    client = TestsigmaClient(
        base_url=conn.api_url,
        api_key=key,
        timeouts=Timeouts(connect=connect_timeout, read=read_timeout, total=total_timeout),
        ca_bundle=str(ca_bundle) if ca_bundle else None,
    )
    if handle_signals:
        # SIGINT and SIGTERM cancel every call of the client at once, then interrupt the
        # command (exit 130): no thread pool waits for a hung request.
        from reconciler.cli.signals import CommandSignals

        signals = CommandSignals(interrupt_note=None)
        signals.cancel = client.cancel
        signals.__enter__()
        client.on_close(signals.restore)
    return client


def render_plan(plan: Plan, fmt: str) -> str:
    from reconciler.app.settings import now

    if fmt == "json":
        import json

        from reconciler.render.json_doc import plan_document

        return json.dumps(plan_document(plan, now=now()), indent=2, ensure_ascii=False)
    if fmt == "markdown":
        from reconciler.render.markdown import render_plan as markdown

        return markdown(plan, now=now())
    from reconciler.render.text import render_plan as text

    return text(plan, now=now())


def check_format(fmt: str) -> str:
    if fmt not in ("text", "json", "markdown"):
        raise ReconcilerError(f"--format must be text, json or markdown, not {fmt!r}")
    return fmt
