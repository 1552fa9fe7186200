"""Template limits hold while a template renders, not after (issue 21, finding 8): what a
rendering builds is counted as it grows and refused before it is made, so no template can
fill the memory or outlast its deadline, and `runner validate` refuses one that crosses a
bound on a worst-case order (long texts, many lines).

Each attack reached gigabytes before this was so; the tests run them in a child process
under an address-space limit (RLIMIT_AS), so a regression fails the test instead of taking
the machine down."""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys

import pytest

from tests.conftest import HANG, write_spec
from tests.robust import child_env

SPACE = 768 * 2**20  # bytes of address space the child may take: the runner needs some 50 MB

ATTACKS = {
    # name: (template, what its refusal names); each would build gigabytes
    ".format with a repeated field": ("{{ ('{0}' * 200000).format('x' * 10000) }}", "(str.format)"),
    "select | join": ("{{ range(100000) | select | join('x' * 100000) }}", "(~ or the filter join)"),
    "string multiplication, written": ("{{ ['x' * 500000] * 400000 }}", "(what it writes)"),
    "string multiplication, | string": ("{{ (['x' * 500000] * 400000) | string }}", "(the filter string)"),
    "power": ("{{ 9 ** 999999999 }}", "a number of more than 10,000 bits (9 ** 999999999)"),
    "% with a repeated name": ("{{ ('%(a)s' * 300000) % {'a': 'x' * 10000} }}", "('%(a)s' * 300000)"),
    "str.join of a generator": ("{{ ('x' * 100000).join(range(100000) | map('string')) }}", "(str.join)"),
    "a field of the order, repeated": ("{{ ('{0}' * 1000).format(order.billing.first_name) }}", "(str.format)"),
}

CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, ({space}, {space}))
from runner.spec.templates import Templates
templates = Templates()
started = time.monotonic()
problems = templates.check("booking.description", sys.argv[1], ["order", "customer"])
checked = time.monotonic() - started
try:
    templates.render("booking.description", order={{"number": "1042", "billing": {{"first_name": "Iris" * 250}}}}, customer={{}})
    rendered = None
except Exception as exc:
    rendered = f"{{type(exc).__name__}}: {{exc}}"
# this process's own peak (VmHWM): ru_maxrss would carry the peak of the forked test process over the exec
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"problems": problems, "rendered": rendered, "checked": checked, "seconds": time.monotonic() - started,
                  "peak_mb": peak // 1024}}))
"""


def in_a_child(*args: str, code: str | None = None) -> subprocess.CompletedProcess:
    """`python -c code ARGS` (or `python -m runner ARGS`) under the address-space limit."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (SPACE, SPACE))

    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "runner", *args]
    return subprocess.run(command, capture_output=True, text=True, env=child_env(), timeout=HANG, preexec_fn=limit)


@pytest.mark.parametrize("name", ATTACKS)
def test_an_attack_is_refused_by_validate_and_stopped_while_it_renders_in_little_memory(name):
    source, words = ATTACKS[name]
    child = in_a_child(source, code=CHILD.format(space=SPACE))
    assert child.returncode == 0, child.stderr[-2000:]
    seen = json.loads(child.stdout.splitlines()[-1])
    [refused] = seen["problems"]  # what `runner validate` says of it, rendered on a worst-case order
    assert words in refused and "on a large order" in refused and "make the template simpler" in refused, refused
    if name != "a field of the order, repeated":  # a real order's name is short: that one renders
        assert seen["rendered"].startswith("LimitExceeded: booking.description: the template "), seen["rendered"]
        assert words in seen["rendered"]
    assert seen["peak_mb"] < 300, seen  # tens of megabytes, not gigabytes
    assert seen["seconds"] < 30, seen  # a busy machine makes it slower, never a hang


def test_validate_refuses_an_attack_with_exit_2_naming_the_template_and_the_bound(tmp_path):
    source, _ = ATTACKS["select | join"]
    spec = write_spec(tmp_path, f'booking:\n  description: "{source}"\n')
    result = in_a_child("validate", str(spec))
    said = result.stdout + result.stderr
    assert result.returncode == 2, said
    assert re.search(r"booking\.description: the template builds more than 1,000,000 characters \(~ or the filter join\) on a large order", said), (
        said
    )
    assert "Traceback" not in said


def test_an_attack_on_one_branch_passes_validate_and_fails_only_the_order_that_takes_it(sync_box):
    """What no worst case can foresee (a branch on one order's number) is bounded while it
    renders: that order fails naming the template and the bound, the others are booked."""
    box = sync_box(orders=8)
    victim = box.due()[2]
    attack = ATTACKS["select | join"][0].removeprefix("{{ ").removesuffix(" }}")
    description = f"{{% if order.number == '{victim['number']}' %}}{{{{ {attack} }}}}{{% endif %}}Order {{{{ order.number }}}}"
    box.spec.write_text(box.spec.read_text() + f'booking:\n  description: "{description}"\n')
    assert box.run("validate").exit_code == 0
    result = box.run("run")
    assert result.exit_code == 1, result.output
    failed = re.findall(r"^FAILED order (\d+): (.*)$", result.output, re.M)
    assert failed == [
        (
            str(victim["id"]),
            "booking.description: the template builds more than 1,000,000 characters (~ or the filter join); " + failed[0][1].split("; ", 1)[1],
        )
    ]
    assert "what to do: make the template simpler" in failed[0][1]
    booked = {row["YourRef"].split("/")[0] for row in box.documents()}
    assert booked == {o["number"] for o in box.due() if o["id"] != victim["id"]}
