"""`runner serve --sandbox`: the three demo clients of runner/sandbox/desk.py, each booked
once so the desk has something to show: two fine, one with the order Exact refused (its
month was closed; the bookkeeper opens it again right after, so Retry books it)."""

from __future__ import annotations

from pathlib import Path

from runner.sandbox import desk as demo_desk
from runner.spec import load
from runner.web import data


def start(folder: Path, webhook_secret: str = "") -> demo_desk.Demo:
    demo = demo_desk.start(folder, webhook_secret)
    for name, path in demo.specs.items():
        if name != demo_desk.OLD_LOGIN:
            data.run_now(load(path))
    demo.open_month()
    return demo
