"""The command line: a thin skin over the library, and the only place that prints. Every
RunnerError becomes one message, one line saying what to do, and an exit code (0 all
good, 1 some orders failed, 2 spec or usage error, 3 login needed).

The commands live in three modules by what a consultant does with them: `checks`
(validate, preview, report), `runs` (run, retry, status) and `setup` (init, auth,
divisions, products, sandbox); this one holds what they share."""

from runner.cli import accounts, checks, runs, serve, settle, setup, status  # noqa: F401 - importing them registers their commands
from runner.cli.common import main

__all__ = ["main"]
