"""What `runner init` keeps between a stop (Ctrl-C, the input ending) and the next start:
the answers of the steps finished so far, in a small file beside the spec being written
(`.sync.yaml.init`), mode 0600 from the first byte, removed once the spec is written. It
holds no secret: the shop's key and secret and the Exact app's client secret are asked again
(or taken from their options) when the set-up continues, and reach .env only when the spec is
written. The Exact login itself stays in the login store (runner/adapters/exact/logins.py Logins)."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

from runner.setup.console import Asking, Stopped
from runner.setup.spec_writer import Setup, write_private

STEPS = ("the shop", "the Exact Online login", "the administration", "what to book", "the mapping", "alerts")
KEPT = ("shop_url", "base_url", "client_id", "redirect_uri", "division", "division_name", "user", "vies_url")  # never a secret
KEPT += ("target", "status", "statuses", "since", "push")


def progress_path(spec: Path) -> Path:
    return spec.parent / f".{spec.name}.init"


def save(setup: Setup, done: int) -> Path:
    """The answers of the first `done` steps; a later save replaces the file whole."""
    path = progress_path(setup.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    answers = {name: getattr(setup, name) for name in KEPT}
    write_private(path, json.dumps({"version": 1, "spec": str(setup.path), "done": done, "answers": answers}, indent=1) + "\n")
    return path


def load(spec: Path) -> tuple[int, dict] | None:
    """(steps done, answers) of a set-up that stopped; None if there is none (or it is unreadable)."""
    try:
        data = json.loads(progress_path(spec).read_text(encoding="utf-8"))
        done, answers = int(data["done"]), dict(data["answers"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    known = {f.name for f in fields(Setup)}
    return (done, {k: v for k, v in answers.items() if k in known and k in KEPT}) if 0 < done < len(STEPS) else None


def forget(spec: Path) -> None:
    progress_path(spec).unlink(missing_ok=True)


def offer(wizard: Asking, setup: Setup) -> int:
    """How many steps an earlier, stopped set-up of this spec finished, if the person
    continues it (its answers then fill `setup`); else 0, and its file is removed."""
    saved = load(setup.path)
    if saved is None:
        return 0
    done, answers = saved
    step = f"step {done} of {len(STEPS)} ({STEPS[done - 1]})"
    question = f"runner init stopped earlier after {step}; continue from step {done + 1} with the answers given then?"
    if not wizard.yes_no(None, question, True):
        forget(setup.path)
        return 0
    for name, value in answers.items():
        setattr(setup, name, value)
    shown = [setup.shop_url, f"Exact {setup.base_url}" if done >= 2 and setup.base_url else ""]
    shown.append(f"division {setup.division}" if done >= 3 and setup.division else "")
    wizard.say("  continuing: " + ", ".join(part for part in shown if part))
    secrets_again(wizard, setup, done)
    return done


def secrets_again(wizard: Asking, setup: Setup, done: int) -> None:
    """The secrets of the finished steps, which the kept answers do not hold."""
    again = " (asked again: the kept answers hold no secret)"
    setup.woo_key = wizard.ask("woo_key", f"WooCommerce consumer key (ck_...){again}", hidden=True)
    setup.woo_secret = wizard.ask("woo_secret", "WooCommerce consumer secret (cs_...)", hidden=True)
    if done >= 2:
        setup.client_secret = wizard.ask("client_secret", f"Exact app client secret{again}", hidden=True)
    wizard.secret(setup.woo_key, setup.woo_secret, setup.client_secret)


def stopped(setup: Setup, step: int, cause: BaseException) -> Stopped:
    """The one message of a stop: where, and what was kept for the next start."""
    where = cause.message if isinstance(cause, Stopped) else "set-up stopped (Ctrl-C)"
    saved = load(setup.path)
    if saved is None:
        hint = (cause.hint if isinstance(cause, Stopped) else "") or "run `runner init` again"
        return Stopped(f"{where} in step {step} of {len(STEPS)} ({STEPS[step - 1]}); no spec was written and no answer was kept", hint)
    done = saved[0]
    first = (cause.hint or "") if isinstance(cause, Stopped) else ""  # what else to do (the option of the question), before the kept answers
    first = first.removeprefix("run `runner init` again").removeprefix(", or ")
    first = f"{first}; " if first else ""
    return Stopped(
        f"{where} in step {step} of {len(STEPS)} ({STEPS[step - 1]}); no spec was written yet",
        f"{first}the answers of step{'s 1-' if done > 1 else ' '}{done} are kept in {progress_path(setup.path)} (mode 0600, "
        f"removed once the spec is written); run `runner init {setup.path}` again to continue from step {done + 1}",
    )
