"""The ports' implementations, chosen by name: the services ask `source("woocommerce", spec)`
or `sink("exact", spec, ledger=...)` and never import an adapter themselves. Each factory
imports its adapter when it is asked for, so a command loads only what it uses.

Sources: "woocommerce" (the shop's REST API). Sinks: "exact" (Exact Online; `ledger` keeps its
indexes), "offline" (Exact without a connection, codes for GUIDs: a preview from a file),
"folder" (`run --to DIR`; `folder`), "dry" (writes nothing, reads through to `inner`). Checkers:
"vies" (the EU's VAT number service)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runner.errors import RunnerError
from runner.spec.model import Spec


def _woocommerce(spec: Spec | None, **options: Any):
    from runner.adapters.woo.source import source_from_spec

    return source_from_spec(spec, **options)


def _exact(spec: Spec | None, ledger, **options: Any):
    from runner.adapters.exact.logins import store_from_spec
    from runner.adapters.exact.sink import sink_from_spec

    return sink_from_spec(spec, ledger, store_from_spec(spec), **options)


def _offline(spec: Spec | None, **_: Any):
    from runner.adapters.exact.sink import OfflineExact

    return OfflineExact(spec)


def _folder(spec: Spec | None, folder, **_: Any):
    from runner.adapters.folder import FolderSink

    return FolderSink(folder)


def _dry(spec: Spec | None, inner, **_: Any):
    from runner.adapters.dry import DryRunSink

    return DryRunSink(inner)


def _vies(spec: Spec | None, **_: Any):
    from runner.adapters.vies import vies_from_spec

    return vies_from_spec(spec)


SOURCES: dict[str, Callable[..., Any]] = {"woocommerce": _woocommerce}
SINKS: dict[str, Callable[..., Any]] = {"exact": _exact, "offline": _offline, "folder": _folder, "dry": _dry}
CHECKERS: dict[str, Callable[..., Any]] = {"vies": _vies}


def _made(kind: str, known: dict[str, Callable[..., Any]], name: str, spec: Spec | None, options: dict[str, Any]):
    if name not in known:
        raise RunnerError(f"no {kind} named {name!r}", f"name one of: {', '.join(sorted(known))}")
    return known[name](spec, **options)


def source(name: str, spec: Spec | None, **options: Any):
    """The source called `name`, for this spec."""
    return _made("source", SOURCES, name, spec, options)


def sink(name: str, spec: Spec | None, **options: Any):
    """The sink called `name`, for this spec (`ledger`, `folder` or `inner` as it needs)."""
    return _made("sink", SINKS, name, spec, options)


def checker(name: str, spec: Spec | None, **options: Any):
    """The outside checker called `name` (the VAT number service), for this spec."""
    return _made("checker", CHECKERS, name, spec, options)
