"""`runner accounts`: an administration's GL accounts, and which spec keys name each one, so
a consultant picks codes for the templates from the list instead of calling the API.

"Used by the spec" means a key that names GL accounts holds the code as a word of its own:
written (`payments.gl_account: "1300"`) or anywhere in its template (the `'8050'` of
`{'shipping': '8050'}[line.kind]`). A code that only an order's data could produce is not
known here; `runner validate --online` checks those on the recent orders."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from runner.adapters.exact.client import ExactApi
from runner.adapters.exact.master import gl_accounts
from runner.spec.model import Spec

# GLAccount.Type [C: DOC:FinancialGLAccounts]: every type the reference lists. Exact's own
# TypeDescription is in the user's language and not documented for the sync endpoint, so the
# list speaks these words; a number outside it is shown as "type N (not in Exact's documented list)"
TYPES = {
    10: "cash",
    12: "bank",
    14: "credit card",
    16: "payment service",
    20: "accounts receivable",
    22: "accounts payable",
    24: "VAT",
    90: "general",
    110: "revenue",
    111: "cost of goods sold",
}
WORD = re.compile(r"[\w.-]+")
ACCOUNT_KEYS = ("gl_account", "account", "balance_sheet_accounts")  # the keys whose values are GL account codes
NOT_GL = (
    "customers",
)  # the section whose keys name no GL account: customers.account is a new customer's fields; customers.collective a customer's code


@dataclass(frozen=True)
class Account:
    code: str
    description: str
    type: str  # what Exact's type number means (revenue, accounts receivable, ...)
    type_code: int | None
    used_by: tuple[str, ...] = field(default=())  # the spec keys that name it


def naming_keys(document: dict) -> dict[str, set[str]]:
    """Each spec key that names GL accounts, with the words its value holds."""
    found: dict[str, set[str]] = {}

    def walk(node, path: tuple[str, ...], naming: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, str(key)), naming or (str(key) in ACCOUNT_KEYS and path[:1] != NOT_GL))
        elif isinstance(node, list):
            for value in node:
                walk(value, path, naming)
        elif naming and isinstance(node, str | int):
            found.setdefault(".".join(path), set()).update(WORD.findall(str(node)))

    walk(document, (), False)
    return found


def chart(api: ExactApi) -> list[dict]:
    """The administration's GL accounts, not blocked, as Exact lists them."""
    return gl_accounts(api, "Code,Description,Type")


def accounts(spec: Spec, rows: Iterable[dict], search: str = "") -> list[Account]:
    """The accounts by code, those matching `search` (in code, description or type, letter
    case ignored, every word of it) only, each with the spec keys that name it."""
    keys = naming_keys(spec.document)
    words = search.lower().split()
    listed = []
    for row in rows:
        code = str(row.get("Code") or "").strip()
        description = (row.get("Description") or "").strip()
        type_code = int(row["Type"]) if str(row.get("Type") or "").strip().isdigit() else None
        kind = TYPES.get(type_code, f"type {type_code} (not in Exact's documented list)" if type_code is not None else "")
        text = f"{code} {description} {kind}".lower()
        if not code or not all(word in text for word in words):
            continue
        used = tuple(sorted(key for key, held in keys.items() if code in held))
        listed.append(Account(code, description, kind, type_code, used))
    return sorted(listed, key=lambda a: (len(a.code), a.code))


def administration_accounts(spec: Spec, search: str = "", progress=None) -> list[Account]:
    """The accounts of the spec's administration (logged in as the spec says), as `accounts`
    gives them; a wait for Exact's minute window is said through `progress.waiting`."""
    from runner.adapters.exact.logins import store_from_spec

    api = ExactApi(spec.exact.base_url, spec.exact.division, store_from_spec(spec).access_token)
    if getattr(progress, "waiting", None) is not None:
        api.governor.on_wait = progress.waiting
    return accounts(spec, chart(api), search)
