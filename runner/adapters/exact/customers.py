"""The customers' side of the Exact sink: the account index (runner/adapters/exact/accounts.py) kept a true
mirror of Exact's accounts, and an account found again by e-mail.

- Each run brings the index up to date from `sync/CRM/Accounts` (only what changed since its
  cursor; a call per 1,000 accounts). Without a cursor (a new, lost or damaged index file)
  that read is every account Exact holds, and whatever the index names beyond it is dropped:
  a damaged file is rebuilt from Exact, never trusted.
- An account deleted or merged in Exact (the merged-away one is deleted) is listed in
  `sync/Deleted` (EntityType 2, kept two months [C] DOC:SyncDeleted). The first time a run
  would book on an account the index knows, it reads that list since its own cursor (one call,
  once per run that books on a known account) and forgets the accounts gone, so they cost no
  refusal from Exact's error budget (10 per endpoint per hour).
- A refusal that still names the customer's account (`Ongeldige referentie: Klant`, a deletion
  older than the two months Exact keeps its log) forgets it too; the engine then books the
  order again in the same run.
- A forgotten customer's e-mail is looked for again in Exact (the index's refresh, then
  `Email eq` with the address as typed and in its normal form: a call or two) before a new
  account is made: an account merged into one with the same e-mail is found."""

from __future__ import annotations

from runner.adapters.exact.client import ExactApi, quote
from runner.adapters.exact.payloads import ACCOUNTS
from runner.domain import emails
from runner.domain.booking import CustomerPlan
from runner.domain.vat_number import vat_key
from runner.errors import RunnerError

ACCOUNTS_CURSOR = "exact_accounts_timestamp"
DELETED_CURSOR = "exact_deleted_timestamp"
ACCOUNT_ENTITY = 2  # sync/Deleted's EntityType of Accounts [C]
# How Exact names a document's account it does not know: a sales entry's Customer ("Klant"), an
# invoice's OrderedBy and InvoiceTo [C3] PICQER#249; "Ongeldige referentie" / "Invalid reference" [C3]
ACCOUNT_FIELDS = ("Klant", "Besteld door", "Factuur voor", "Customer", "Ordered by", "Invoice to")
UNKNOWN_ACCOUNT = tuple(f"{words}: {field}" for words in ("Ongeldige referentie", "Invalid reference") for field in ACCOUNT_FIELDS)


class Customers:
    """Mixed into ExactSink: needs `api`, `ledger` and Lookups' `_changed`."""

    api: ExactApi
    ledger: object

    def _customers_state(self) -> dict:
        if "_customers" not in self.__dict__:  # a mixin's state without an __init__ of its own
            self._customers = {"deletions_read": False, "forgotten": set(), "notes": []}
        return self._customers

    @property
    def notes(self) -> list[str]:
        """What the run should tell about the index: rebuilt, accounts forgotten."""
        return self._customers_state()["notes"]

    def refresh_accounts(self) -> int:
        """Brings the e-mail and code index up to date with what changed in Exact; read whole
        (no cursor), it also drops every account Exact does not hold."""
        index = self.index
        damaged, whole = index.damaged, index.cursor(ACCOUNTS_CURSOR) is None
        seen: set[str] = set()
        for row in self._changed("sync/CRM/Accounts", "ID,Code,Email,Status,VATNumber", ACCOUNTS_CURSOR):
            seen.add(row["ID"])
            email, code = emails.key(row.get("Email") or ""), (row.get("Code") or "").strip()
            for key in (email, vat_key(row.get("VATNumber") or "")):
                if key and not index.account(key):  # the first account with an e-mail (a VAT number) keeps it
                    index.remember_account(key, row["ID"], code)
            if code:
                index.remember_code(code, row["ID"])
        if whole:
            dropped = index.forget_accounts(index.account_ids() - seen)
            self._customers_state()["forgotten"].update(dropped)
            if damaged:
                self.notes.append(
                    f"the account index could not be trusted ({damaged}); it was rebuilt from Exact's {len(seen)} accounts"
                    + (f", {len(dropped)} e-mail(s) of accounts Exact no longer holds dropped" if dropped else "")
                    + ": no account is made twice"
                )
            index.damaged = ""
        return len(seen)

    def read_deletions(self) -> list[str]:
        """Forgets the accounts Exact lists as deleted since the index's cursor; the e-mails that
        named them."""
        index = self.index
        since = newest = index.cursor(DELETED_CURSOR) or 1
        gone = []
        for row in self.api.get("sync/Deleted", "EntityKey,EntityType,Timestamp", f"Timestamp gt {since}"):
            newest = max(newest, int(row["Timestamp"]))
            if int(row.get("EntityType") or 0) == ACCOUNT_ENTITY and row.get("EntityKey"):
                gone.append(row["EntityKey"])
        dropped = index.forget_accounts(gone)
        index.set_cursor(DELETED_CURSOR, newest)
        self._customers_state()["forgotten"].update(dropped)
        if dropped:
            self.notes.append(f"{len(dropped)} account(s) deleted or merged in Exact forgotten by the index ({', '.join(sorted(dropped))})")
        return dropped

    def known_customer(self, plan: CustomerPlan) -> str | None:
        """The customer's account as the index knows it, checked against Exact's deletions
        once per run; a customer whose account is gone is looked for again."""
        state, index = self._customers_state(), self.index
        known = self._known(plan)
        if known and not state["deletions_read"]:
            state["deletions_read"] = True
            self.read_deletions()
            known = self._known(plan)
        if known is None and plan.email in state["forgotten"]:
            state["forgotten"].discard(plan.email)  # looked for once; then made, as any new customer
            row = self._find_again(plan)
            if row is not None:
                index.remember_account(plan.email, row["ID"], (row.get("Code") or "").strip())
                return row["ID"]
        if known:
            self.remember_customer(plan, *known, unknown_only=True)  # found by one key (the e-mail): the VAT number finds it next time
        return known[0] if known else None

    def _known(self, plan: CustomerPlan) -> tuple[str, str] | None:
        """The account of the first of the plan's keys (customers.match: VAT number, e-mail) the index knows."""
        return next((found for key in plan.keys or (plan.email,) if key and (found := self.index.account(key))), None)

    def remember_customer(self, plan: CustomerPlan, account_id: str, code: str = "", unknown_only: bool = False) -> None:
        """The account under each of the plan's keys (`unknown_only`: those no account has yet)."""
        for key in dict.fromkeys((*plan.keys, plan.email)):
            if key and not (unknown_only and self.index.account(key)):
                self.index.remember_account(key, account_id, code)

    def unknown_account(self, plan: CustomerPlan, refusal: RunnerError) -> str | None:
        """Whether Exact refused a document because it does not know the customer's account:
        then the account is forgotten (with every other one Exact lists as deleted) and what
        happened is said; None for any other refusal."""
        if plan.collective or not any(words in refusal.message for words in UNKNOWN_ACCOUNT):
            return None
        known = self._known(plan)
        if known is None:
            return None
        self.index.forget_accounts([known[0]])
        self._customers_state()["forgotten"].add(plan.email)
        self.read_deletions()  # the others gone too, before each costs a refusal (one call)
        return f"account {known[0]} of {plan.email} is no longer in Exact (deleted or merged there), as Exact's refusal said ({refusal.message})"

    def _find_again(self, plan: CustomerPlan) -> dict | None:
        """Another account with the customer's e-mail (one the forgotten one was merged into),
        by `Email eq` with the address as this order typed it, then in its normal form."""
        typed = emails.as_typed(str(plan.context.get("email") or ""))
        for sent in dict.fromkeys(address for address in (typed, plan.email) if address):
            for row in self.api.get(ACCOUNTS, "ID,Code,Email,Name", f"Email eq {quote(sent)}"):
                if emails.key(row.get("Email") or "") == plan.email:
                    return row
        return None

    def find_account(self, email: str, name: str = "") -> dict | None:
        """An account created with this e-mail, however it is spelt (runner/domain/emails.py), and
        this name when one was sent (a bookkeeping address the template gives every customer
        must not find another customer's). First the index, brought up to date from the sync
        endpoint; then Exact's plain `Email eq` (the filter the reference lists for Accounts),
        its rows matched here: whether Exact compares e-mail case-insensitively, or counts
        `tolower(Email)` as a filter on Email, is unknown."""
        if not email:
            return None  # nothing to tell it by: it is created again rather than booked on someone else's
        wanted = emails.key(email)
        if not name:
            self.refresh_accounts()
            known = self.index.account(wanted)
            if known:
                return {"ID": known[0], "Code": known[1]}
        for row in self.api.get(ACCOUNTS, "ID,Code,Email,Name", f"Email eq {quote(email.strip())}"):
            if emails.key(row.get("Email") or "") == wanted and (not name or (row.get("Name") or "").strip() == name.strip()):
                return row
        return None
