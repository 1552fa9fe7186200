"""Without Chromium the browser tests skip, saying why; in CI (RUNNER_BROWSER_TESTS=required)
the same absence is a failure, so CI can never pass without having driven the pages."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import HANG, ROOT


def browser_tests(**env: str) -> subprocess.CompletedProcess:
    environment = {name: value for name, value in os.environ.items() if name != "RUNNER_BROWSER_TESTS"}  # CI's own setting aside
    environment.update({"RUNNER_CHROMIUM": "/nonexistent/chromium", "PATH": "/nonexistent", **env})
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests/web/test_browser.py", "-k", "forged"]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=HANG)


def test_without_chromium_the_browser_tests_skip_saying_why():
    result = browser_tests()
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout and "Chromium is not installed (apt-get install chromium chromium-driver)" in result.stdout


def test_in_ci_without_chromium_the_browser_tests_fail():
    result = browser_tests(RUNNER_BROWSER_TESTS="required")
    assert result.returncode == 1, result.stdout
    assert "the browser tests must run here (RUNNER_BROWSER_TESTS=required): Chromium is not installed" in result.stdout
