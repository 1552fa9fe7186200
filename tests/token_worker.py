"""A process that uses the Exact login the way a run does, for tests/test_robust_tokens.py:

    python -m tests.token_worker calls TOKEN_FILE BASE_URL SECONDS   API calls through TokenStore + ExactApi
    python -m tests.token_worker saves TOKEN_FILE                     TokenStore.save of new pairs, until killed

`calls` prints one JSON line {"calls", "refreshed"} and exits 0; a RunnerError (a dead
login: LoginNeeded) prints its message and exits with its exit code, as the CLI would."""

from __future__ import annotations

import json
import secrets
import sys
import time
from pathlib import Path

from runner.adapters.exact.client import ExactApi, RateGovernor
from runner.adapters.exact.oauth import Tokens, TokenStore
from runner.errors import RunnerError

CLIENT_ID, CLIENT_SECRET = "woo-exact-sandbox", "sandbox-secret"


def calls(token_file: str, base_url: str, seconds: str) -> int:
    store = TokenStore(Path(token_file), base_url, CLIENT_ID, CLIENT_SECRET)
    api = ExactApi(base_url, 1234567, store.access_token, governor=RateGovernor())
    done, end = 0, time.monotonic() + float(seconds)
    try:
        while time.monotonic() < end:
            list(api.get("vat/VATCodes", "Code", top=1))
            done += 1
            time.sleep(0.02)
    except RunnerError as error:
        print(json.dumps({"error": error.message, "hint": error.hint, "calls": done}), flush=True)
        return error.exit_code
    print(json.dumps({"calls": done, "refreshed": store.refreshed}), flush=True)
    return 0


def saves(token_file: str) -> int:
    store = TokenStore(Path(token_file), "", CLIENT_ID, CLIENT_SECRET)
    while True:  # big pairs, so that a write that is not atomic would be seen half done
        store.save(Tokens(secrets.token_urlsafe(3000), secrets.token_urlsafe(3000), time.time() + 600))


if __name__ == "__main__":
    sys.exit({"calls": calls, "saves": saves}[sys.argv[1]](*sys.argv[2:]))
