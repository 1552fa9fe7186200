"""The spec's Jinja templates: one sandboxed, strict environment, checked before use.

A template may only use the names of its documented context (DESIGN.md section 4), may
not reach into Python internals, and fails loudly on a missing key instead of rendering
an empty string into the books. What one rendering may cost is `runner.spec.limits`' business."""

from __future__ import annotations

import difflib
import functools
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError

from runner.domain.context import ORDER_FIELDS, CustomerContext, LineContext, names
from runner.errors import TemplateFailure
from runner.spec.bounded import BoundedEnvironment
from runner.spec.limits import BUDGET, CURRENT, HINT, Budget, LimitExceeded
from runner.spec.shortcuts import Remembered, Written, plan
from runner.spec.worst import MANY, contexts

STRICT_FIELDS = {"order": ORDER_FIELDS, "line": names(LineContext), "customer": names(CustomerContext)}
DICT_METHODS = frozenset({"get", "items", "keys", "values"})


ENV = BoundedEnvironment(undefined=StrictUndefined, autoescape=False)


class Templates:
    """Compiled templates keyed by their dotted spec path (e.g. `mapping.vat_code`)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, fast: bool = True) -> None:
        self.env = ENV
        self.fast = fast  # False: every rendering by Jinja (the baseline of bench/local.py, the yardstick of tests/test_shortcuts.py)
        self.clock = clock  # for the deadline of each rendering
        self._compiled: dict[str, Any] = {}
        self._sources: dict[str, str] = {}  # to name the field a failed rendering missed
        self._shortcuts: dict[str, Written | Remembered] = {}  # renderings without Jinja
        self._reads: set[tuple[str | None, str]] = set()  # every `name.field` the templates read
        self._globals = set(self.env.globals)
        self._global_values = dict(self.env.globals)

    def check(self, key: str, source: str, allowed: Iterable[str]) -> list[str]:
        """Problems with one template; compiles and keeps it when there are none."""
        allowed = set(allowed)
        try:
            names, attributes = _read(source)
        except TemplateSyntaxError as exc:
            return [f"template syntax error: {exc.message} (template line {exc.lineno})"]
        problems = []
        for name in sorted(names - allowed - self._globals):
            problems.append(f"uses '{name}', which is not in this template's context ({', '.join(sorted(allowed))})")
        for owner, attr in attributes:
            if attr.startswith("_"):
                problems.append(f"reaches into Python internals ('{attr}'); templates may only read order data")
            elif owner in allowed and owner in STRICT_FIELDS and attr not in STRICT_FIELDS[owner] | DICT_METHODS:
                near = difflib.get_close_matches(attr, sorted(STRICT_FIELDS[owner]), n=1)
                meant = f"did you mean {owner}.{near[0]}?" if near else f"{owner} has: {', '.join(sorted(STRICT_FIELDS[owner]))}"
                problems.append(f"'{owner}.{attr}' does not exist; {meant}")
        if not problems:
            self._reads.update(attributes)
            literal = not any(mark in source for mark in ("{{", "{%", "{#"))
            self._compiled[key] = source.strip() if literal else _compile(source)
            self._sources[key] = source
            if not literal and (shortcut := plan(source, self.env)) is not None:
                self._shortcuts[key] = shortcut
            if not literal:
                problems += worst_case(key, source, frozenset(allowed))
        return problems

    def reads_field(self, owner: str, field: str) -> bool:
        """Whether any template reads `owner.field` (or passes `owner` whole to something
        that could): what the runner need not fetch when none does."""
        return (owner, field) in self._reads or (None, field) in self._reads

    def __contains__(self, key: str) -> bool:
        return key in self._compiled

    def render(self, key: str, **context: Any) -> str:
        template = self._compiled[key]
        if isinstance(template, str):  # a plain value such as "70": no Jinja needed
            return template
        if self.fast and (shortcut := self._shortcuts.get(key)) is not None:
            return shortcut.render(context, self._jinja, key, template)
        return self._jinja(key, template, context)

    def _jinja(self, key: str, template: Template, context: dict[str, Any]) -> str:
        try:
            # render() would copy the globals into a fresh context each time; one shared
            # context with the globals merged in is the same, at half the cost per line
            # (root_render_func is undocumented: tests/test_contracts.py checks it renders as render() does)
            budget = Budget(self.clock)
            values = {**self._global_values, **context, BUDGET: budget}
            rendering = CURRENT.set(budget)  # what str.format counts against
            try:
                return "".join(template.root_render_func(template.new_context(values, shared=True))).strip()
            finally:
                CURRENT.reset(rendering)
        except TemplateFailure as exc:  # a bound of runner.spec.limits
            raise type(exc)(f"{key}: {exc.message}", exc.hint) from None
        except RecursionError:
            raise LimitExceeded(f"{key}: the template calls itself without end", HINT) from None
        except MemoryError:  # a bound a machine set lower than ours (ulimit -v): still this order's failure
            raise LimitExceeded(f"{key}: the template runs out of memory", HINT) from None
        except SecurityError as exc:
            raise TemplateFailure(f"{key}: refused by the template sandbox: {exc}", "templates may only read order data") from None
        except UndefinedError as exc:
            raise absent(key, self._sources.get(key, ""), exc.message or str(exc)) from None
        except (TemplateError, LookupError, TypeError, ValueError, ArithmeticError) as exc:
            what = getattr(exc, "message", None) or str(exc)
            raise TemplateFailure(f"{key}: {what}", f"fix the template {key} in the spec (runner validate checks it)") from None


SLACK = 10  # validate's deadline is this many times a rendering's: the other bounds decide there


@functools.lru_cache(maxsize=4096)
def worst_case(key: str, source: str, allowed: frozenset[str]) -> list[str]:
    """The bound a template crosses on the worst-case order (runner.spec.worst), if any: what
    `runner validate` refuses. Any other failure there (a key that order lacks) is no bound's."""
    templates = Templates(clock=lambda: time.monotonic() / SLACK)  # a busy machine is no reason to refuse a spec
    templates._compiled[key] = _compile(source)
    given = {name: value for name, value in contexts().items() if name in allowed}
    try:
        templates._jinja(key, templates._compiled[key], given)
    except LimitExceeded as exc:
        return [f"{exc.message.removeprefix(key + ': ')} on a large order (long texts, {MANY} lines); {exc.hint}"]
    except Exception:  # noqa: BLE001 (what the worst case lacks is for a real order to say)
        return []
    return []


MISSING = re.compile(r"has no attribute '([^']+)'|'([^']+)' is undefined|no element '?([^')]+)'?")


def absent(key: str, source: str, said: str) -> TemplateFailure:
    """A field this order does not have: named as the template reads it, with the two ways
    of writing a template for orders that may lack it."""
    found = MISSING.search(said)
    name = next((g for g in found.groups() if g), "") if found else ""
    path = next((p for p in _paths(source) if name and p.split(".")[-1] == name), None)
    if not path:  # a key looked up by value ({...}[line.tax_rate]): said as the table it is
        if found and "dict object" in said:
            return no_entry(key, source, name)
        return TemplateFailure(f"{key}: {said}", f"fix the template {key} in the spec (runner validate checks it)")
    return TemplateFailure(
        f"{key}: this order has no {path} (the template reads it, and not every order has it)",
        f"in {key}, write {{% if {path} is defined %}}...{{% endif %}} or {{{{ {path} | default('') }}}}",
    )


def no_entry(key: str, source: str, entry: str) -> TemplateFailure:
    """A table in the template (`{'product': '8000'}[line.kind]`) without this order's entry,
    instead of Jinja's "'dict object' has no attribute 'discount'"."""
    try:
        tables = [n for n in ENV.parse(source).find_all(nodes.Getitem) if isinstance(n.node, nodes.Dict)]
    except TemplateSyntaxError:
        tables = []
    by = next((p for t in tables if (p := _dotted(t.arg.node if isinstance(t.arg, nodes.Filter) else t.arg))), None)
    looks = f" (it looks up {by})" if by else ""
    default = f".get({by}, '...')" if by else ".get(..., '...')"
    return TemplateFailure(
        f"{key}: a table in the template has no entry '{entry}'{looks}; add '{entry}' to the table, or give a default: {default}",
        f"fix the template {key} in the spec (runner validate --online checks it on recent orders)",
    )


def _paths(source: str) -> list[str]:
    """Every dotted path the template reads (`order.billing.kvk_nummer`), longest first."""
    try:
        tree = ENV.parse(source)
    except TemplateSyntaxError:
        return []
    paths = {p for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Name)) if (p := _dotted(node))}
    return sorted(paths, key=len, reverse=True)


def _dotted(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        attr = node.attr
    elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        attr = node.arg.value
    else:
        return None
    owner = _dotted(node.node)
    return f"{owner}.{attr}" if owner else None


def reads(source: str) -> set[tuple[str | None, str]] | None:
    """The `name.field`s a template reads; None when it does not parse (check() says why)."""
    try:
        return set(_read(source)[1])
    except TemplateSyntaxError:
        return None


# Every command loads the spec, a schedule every run, and a test suite hundreds of times:
# what a template's source says is worked out once per process (a few ms per template).
@functools.lru_cache(maxsize=4096)
def _read(source: str) -> tuple[frozenset[str], tuple[tuple[str | None, str], ...]]:
    tree = ENV.parse(source)
    return frozenset(_names(tree)), tuple(_attributes(tree))


@functools.lru_cache(maxsize=4096)
def _compile(source: str) -> Template:
    return ENV.from_string(ENV.bounded(ENV.parse(source)))


def _names(tree: nodes.Template) -> set[str]:
    return set(meta.find_undeclared_variables(tree))


def _attributes(tree: nodes.Template) -> list[tuple[str | None, str]]:
    """(owner name, attribute) for every `x.attr` and `x['attr']` in the template."""
    found = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr):
            attr = node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            attr = node.arg.value
        else:
            continue
        owner = node.node.name if isinstance(node.node, nodes.Name) else None
        found.append((owner, attr))
    return found
