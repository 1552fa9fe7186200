"""What the commands share: the one place that prints (with secrets blanked), the guard
that turns a RunnerError into one message and an exit code, the click group, and the
spec as the services open it (its secrets blanked here from the moment they are read)."""

from __future__ import annotations

import difflib
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import click

from runner import __version__
from runner.errors import RunnerError, UsageError, name_spec
from runner.services import connect
from runner.services.connect import open_spec
from runner.spec.model import Spec
from runner.support.redact import printable, redact


class Out:
    """Writes to the terminal with every known secret blanked out, and the spec's real path
    where a hint says `runner COMMAND SPEC`."""

    secrets: set[str] = set()
    spec_path: str | None = None

    @classmethod
    def redact(cls, text: str) -> str:
        return name_spec(redact(text, cls.secrets), cls.spec_path)

    @classmethod
    def echo(cls, text: str = "", err: bool = False, nl: bool = True) -> None:
        """Every line a command prints, the shop's text in it too (preview, run, status): no
        escape sequence or control character reaches the terminal (runner.support.redact.printable)."""
        click.echo(printable(cls.redact(text)), err=err, nl=nl)


def _fail(error: RunnerError) -> None:
    Out.echo(f"error: {error.message}", err=True)
    for problem in getattr(error, "problems", []):
        Out.echo(f"  {problem}", err=True)
    if error.hint:
        Out.echo(f"what to do: {error.hint}", err=True)
    sys.exit(error.exit_code)


PIPE_CLOSED = 141  # 128 + SIGPIPE: what a shell reports for a command a closed pipe stopped


def _hush() -> None:
    """Python flushes its output once more at exit; into /dev/null, or it complains of the pipe."""
    quiet = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(quiet, stream.fileno())
        except (OSError, ValueError):  # not a file of its own (a test's capture)
            pass


def guarded(func: Callable) -> Callable:
    """Runs a command so that a RunnerError ends in a message, never a traceback."""

    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except RunnerError as error:
            _fail(error)
        except BrokenPipeError:  # whoever read the output has gone (`runner status SPEC | head -1`): not an error
            _hush()
            sys.exit(PIPE_CLOSED)
        except KeyboardInterrupt:
            Out.echo("stopped; nothing half-done is left behind, run the command again to continue", err=True)
            sys.exit(130)
        except (SystemExit, click.exceptions.Exit, click.ClickException):
            raise
        except Exception as bug:  # not the user's doing: say so plainly, details on request
            if os.environ.get("RUNNER_DEBUG"):
                Out.echo(Out.redact(traceback.format_exc()), err=True)
            _fail(
                RunnerError(
                    f"unexpected error in the runner ({type(bug).__name__}: {bug})",
                    "nothing booked is lost (the ledger keeps it); run again with RUNNER_DEBUG=1 and report the output",
                )
            )

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


DEFAULT_SPEC = "sync.yaml"


def default_spec(command: str) -> str:
    """SPEC left out is ./sync.yaml; without one there, one clear message (exit 2)."""
    if not Path(DEFAULT_SPEC).is_file():
        _fail(
            UsageError(
                f"no SPEC given, and there is no {DEFAULT_SPEC} in {Path.cwd()}",
                f"name the spec (runner {command} path/to/sync.yaml), or run it in the spec's folder; `runner init` writes one",
            )
        )
    return DEFAULT_SPEC


def _default_spec(ctx: click.Context, param: click.Parameter, value):
    if value:
        return value
    return (default_spec(ctx.info_name),) if param.nargs == -1 else default_spec(ctx.info_name)


def spec_argument(many: bool = False) -> Callable:
    """SPEC (or SPEC... with `many`), defaulting to ./sync.yaml."""
    if many:
        return click.argument("spec_paths", metavar="[SPEC]...", nargs=-1, type=click.Path(dir_okay=False), callback=_default_spec)
    return click.argument("spec_path", metavar="[SPEC]", required=False, type=click.Path(dir_okay=False), callback=_default_spec)


def load_spec(path: str):
    """The spec, its ${VAR} values blanked in every message from the moment they are read,
    and its ledger and login closed to other users (runner/services/connect.py)."""
    Out.spec_path = path
    return open_spec(path, on_secret=Out.secrets.add, say=lambda text: Out.echo(text, err=True))


CLOSE = 0.75  # --dryrun and --dry-run (0.82), --jsn and --json; not --bogus and --jobs (0.62)


class _Usage(click.UsageError):
    """click's own usage errors (a missing argument, an unknown option, a bad value) said as
    the runner says its errors: one message, a "what to do" line, exit 2."""

    def __init__(self, error: click.UsageError) -> None:
        if isinstance(error, click.NoSuchOption) and error.possibilities:  # click's closeness suggests --jobs for --bogus
            close = difflib.get_close_matches(error.option_name, error.possibilities, n=1, cutoff=CLOSE)
            error = click.NoSuchOption(error.option_name, possibilities=close, ctx=error.ctx)
        super().__init__(error.format_message(), error.ctx)

    def show(self, file=None) -> None:
        command = self.ctx.command_path if self.ctx else "runner"
        usage = self.ctx.get_usage().removeprefix("Usage: ") + "; " if self.ctx else ""
        Out.echo(f"error: {self.format_message()}", err=True)
        Out.echo(f"what to do: {usage}see `{command} --help`", err=True)


_AS_IT_IS = (_Usage, getattr(click.exceptions, "NoArgsIsHelpError", _Usage))  # a bare `runner` shows the help, as it should


class _Commands(click.Group):
    """The group whose usage errors, its own and its commands', end in what to do."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as error:
            raise error if isinstance(error, _AS_IT_IS) else _Usage(error) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise error if isinstance(error, _AS_IT_IS) else _Usage(error) from None


@click.group("runner", cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="runner")
def main() -> None:
    """Book WooCommerce orders into Exact Online, as one sync.yaml per client says."""


def target(spec: Spec, sandbox: bool):
    """The spec as given, or pointed at a fresh embedded sandbox (its secrets blanked as the spec's)."""
    return connect.target(spec, sandbox, on_secret=Out.secrets.add)


def parts(spec: Spec, read_only: bool = False):
    """The source, sink and ledger a spec names (runner/services/connect.py), for `runner settle`."""
    return connect.parts(spec, read_only)


def lock_path(spec: Spec) -> Path:
    return connect.lock_path(spec)


def say(text: str) -> None:
    """What a service tells on the way (notes, warnings): to stderr, as every note."""
    Out.echo(text, err=True)
