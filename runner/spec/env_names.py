"""A `${VAR}` the spec uses that is set nowhere: usually a name misspelt, in the spec or in
the `.env`. Find the name meant among those that are set, and say where it was found."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import runner.spec.file as spec_file

CUTOFF = 0.85  # EXACT_CLIENT_SECRT and EXACT_CLIENT_SECRET; not WOO_CONSUMER_KEY and WOO_CONSUMER_SECRET


def did_you_mean(name: str, spec_dir: Path, environ: dict[str, str] | None = None) -> str:
    """ " (did you mean EXACT_CLIENT_SECRET (in .env)?)" or "" when no set name is close."""
    dotenv = spec_file.read_dotenv(spec_dir / ".env")
    environ = dict(os.environ if environ is None else environ)
    where = {**{n: "in the environment" for n in environ}, **{n: "in .env" for n in dotenv}}
    by_upper = {n.upper(): n for n in where if n != name}
    close = difflib.get_close_matches(name.upper(), list(by_upper), n=1, cutoff=CUTOFF)
    if not close:
        return ""
    meant = by_upper[close[0]]
    return f"; did you mean {meant} ({where[meant]})?"


def missing(spec, environ: dict[str, str] | None = None) -> list[str]:
    """One line per variable not set: where the spec uses it, and the name perhaps meant."""
    return missing_lines(spec.missing_env, spec.source, spec.base_dir, environ)


def missing_lines(missing_env: dict, source, base_dir: Path, environ: dict[str, str] | None = None) -> list[str]:
    """The lines of `missing`, in the order the spec's files use the variables (file, line)."""
    found = sorted((file_order(source.where(paths[0])), source.where(paths[0]), name) for name, paths in missing_env.items())
    return [
        f"{where}: ${{{name}}} is not set in the environment or in {base_dir / '.env'}" + did_you_mean(name, base_dir, environ)
        for _order, where, name in found
    ]


def file_order(where: str) -> tuple[str, int]:
    file, _, line = where.rpartition(":")
    return file, int(line) if line.isdigit() else 0
