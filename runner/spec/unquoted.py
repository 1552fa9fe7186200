"""A template written without quotes: YAML reads `your_ref: {{ order.number }}` as a mapping
of a mapping (or, with text after it, fails to parse at all). Say so, and show the line
as it should be written, rather than PyYAML's words for what it read."""

from __future__ import annotations

import re

import yaml

HINT = "YAML reads an unquoted {{ ... }} as a mapping: put the whole template in double quotes, as shown"
# a value (after `key:` or a list's `- `) that starts with an unquoted `{{`
UNQUOTED = re.compile(r"^(?P<lead>\s*(?:-\s+)?(?:(?P<key>[^\s:#'\"{][^:#]*?):\s+)?)(?P<template>\{[{%].*?)\s*(?:\s#.*)?$")


def quoted(template: str) -> str:
    """The template as a YAML string: in double quotes, or in single ones when it holds a `"`."""
    if '"' in template and "'" not in template:
        return f"'{template}'"
    return '"' + template.replace("\\", "\\\\").replace('"', '\\"') + '"'


def suggestion(key: object, template: str) -> str:
    written = f"{key}: {quoted(template)}" if isinstance(key, str) else f"- {quoted(template)}"
    return f"quote the template: {written}"


def template_node(node) -> str | None:
    """The text of an unquoted `{{ ... }}`, when `node` is what YAML made of one."""
    if not (isinstance(node, yaml.MappingNode) and node.flow_style and len(node.value) == 1):
        return None
    inner, rest = node.value[0]
    if not isinstance(inner, yaml.MappingNode) or not inner.flow_style:
        return None
    if not (isinstance(rest, yaml.ScalarNode) and rest.tag.endswith(":null")):
        return None
    buffer = node.start_mark.buffer
    if not isinstance(buffer, str):
        return None
    return buffer[node.start_mark.index : node.end_mark.index].strip()


def in_error(text: str, marks) -> tuple[int, str] | None:
    """(line, advice) when a YAML syntax error sits on, or just after, a line whose value is
    an unquoted template: `your_ref: {{ order.number }} - x` cannot be parsed at all."""
    lines = text.splitlines()
    for mark in marks:
        if mark is None:
            continue
        for number in (mark.line, mark.line - 1):
            if 0 <= number < len(lines) and (found := UNQUOTED.match(lines[number])):
                key = found.group("key")
                return number + 1, suggestion(key.strip() if key else None, found.group("template"))
    return None
