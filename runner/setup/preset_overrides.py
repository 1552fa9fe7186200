"""The chosen codes written into the preset: where the preset names codes, each value with the
codes swapped (plain values, and the quoted or bare codes inside templates), and a comment on
every key the choices change, so the spec written shows what differs from the preset and why."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from runner.setup.proposals import Choice, Need

# Where the preset names codes: key path -> (the table of the codes it yields, the table of
# the codes its dict keys are). Only those positions are swapped: the rate keys of
# {'21': '2', '0': '0'} look like codes but are rates.
CODE_PATHS = {
    ("booking", "journal"): ("journal", ""),
    ("booking", "rounding", "account"): ("gl", ""),
    ("booking", "rounding", "vat_code"): ("vat", ""),
    ("payments", "journal"): ("journal", ""),
    ("payments", "gl_account"): ("gl", ""),
    ("mapping", "vat_code"): ("vat", ""),
    ("mapping", "gl_account"): ("gl", "vat"),
}


_QUOTED = re.compile(r"'([^'\n]*)'(\s*:)?")
_BETWEEN_TAGS = re.compile(r"(%\}\s*)([A-Za-z0-9_]+)(\s*\{%)")


def swap_codes(value: str, swaps: Mapping[str, str], key_swaps: Mapping[str, str] | None = None) -> str:
    """A preset value with its codes replaced: a plain value whole; in a template the quoted
    values and the bare ones between tags (`-%}7 {%-`) from `swaps`, the quoted dict keys
    from `key_swaps` (none by default). One pass, so swaps never chain."""
    if "{" not in value:
        return swaps.get(value, value)

    def quoted(m: re.Match) -> str:
        table = (key_swaps or {}) if m.group(2) else swaps
        return f"'{table.get(m.group(1), m.group(1))}'{m.group(2) or ''}"

    value = _QUOTED.sub(quoted, value)
    return _BETWEEN_TAGS.sub(lambda m: m.group(1) + swaps.get(m.group(2), m.group(2)) + m.group(3), value)


def uses(text: str, need: Need, path: tuple[str, ...]) -> bool:
    """Whether the preset's value at `path` names this need's code where codes of its table go."""
    values, keys = CODE_PATHS[path]
    mark = {need.code: "\0"}
    return swap_codes(text, mark if need.table == values else {}, mark if need.table == keys else {}) != text


def overrides(preset: Mapping[str, Any], choices: list[Choice], paid: bool) -> dict[tuple[str, ...], tuple[str, str]]:
    """Key path -> (value, comment) for every preset key whose codes the choices change."""
    swaps: dict[str, dict[str, str]] = {"journal": {}, "vat": {}, "gl": {}}
    for c in choices:
        if c.code and c.code != c.need.code:
            swaps[c.need.table][c.need.code] = c.code
    out = {}
    for path, (values, keys) in CODE_PATHS.items():
        if path[0] == "payments" and not paid:
            continue
        old: Any = preset
        for key in path:
            old = old[key]
        new = swap_codes(old, swaps[values], swaps.get(keys))
        used = [f"{c.need.code} -> {c.code} ({c.need.purpose})" for c in choices if c.need.code in swaps[c.need.table] and uses(old, c.need, path)]
        if path == ("mapping", "gl_account"):
            kinds = [c.need.kind for c in choices if c.by_rate]
            new = by_rate(new, kinds)
            used += [f"{c.need.code} -> the revenue account of the line's VAT rate ({c.need.purpose})" for c in choices if c.by_rate]
        if new != old:
            out[path] = (new, f"differs from the preset for this administration: {', '.join(used)}")
    return out


_PRODUCT_BRANCH = "line.kind == 'product'"


def by_rate(template: str, kinds: list[str]) -> str:
    """The gl_account template with these line kinds booked as product lines are, on the
    revenue account of their VAT code, and their own entries gone from the kinds' table."""
    if not kinds or _PRODUCT_BRANCH not in template:
        return template
    for kind in kinds:
        template = re.sub(rf",?\s*'{kind}':\s*'[^']*'", "", template)
    template = re.sub(r"\{\s*,\s*", "{", template)
    together = ", ".join(f"'{k}'" for k in ("product", *kinds))
    return template.replace(_PRODUCT_BRANCH, f"line.kind in ({together})")
