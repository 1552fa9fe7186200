"""What the runner does in Exact Online: read the administration's master data once,
find or create customers and items, post documents, print invoices, book payments, and
look each of these up when a POST's outcome is unknown.

Customers are matched on e-mail without asking Exact per order: the ledger keeps an index
of the administration's accounts, refreshed from `sync/CRM/Accounts` (only what changed
since the last run), so a steady-state order costs one call."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from runner.core.booking import CustomerPlan
from runner.core.model import percent
from runner.errors import BookingError
from runner.exact.client import ExactApi, quote
from runner.exact.payloads import ACCOUNTS, SALES_ENTRIES, SALES_INVOICES, MasterData, VatCode, money

CASH = 10
MASTER_TTL = 6 * 3600  # seconds master data is trusted before it is read again


@dataclass
class Admin:
    """Master data with the GUIDs the payloads need."""

    master: MasterData
    gl_ids: dict[str, str]
    cash_journals: frozenset[str]
    currencies: dict[str, list] = field(default_factory=dict)  # journal -> [currency, other currencies allowed]


class ExactSink:
    def __init__(self, api: ExactApi, ledger) -> None:
        self.api, self.ledger = api, ledger
        self._admin: Admin | None = None
        self.fresh = False  # whether the master data in use was read from Exact in this run

    # master data: read once and kept in the ledger for MASTER_TTL; re-read on demand when
    # a code seems missing (the bookkeeper may just have added it in Exact)
    def admin(self, fresh: bool = False) -> Admin:
        if self._admin is not None and not fresh:
            return self._admin
        cached = self.ledger.cursor("exact_master_data")
        read_now = fresh or not cached or time.time() - cached["at"] > MASTER_TTL
        if read_now:
            cached = {"at": time.time(), **self._read_master()}
            self.ledger.set_cursor("exact_master_data", cached)
        self.fresh = self.fresh or read_now
        vat = {c: VatCode(c, Decimal(p), t, eu, charged, blocked) for c, p, t, eu, charged, blocked in cached["vat"]}
        master = MasterData(
            vat, {code: kind for code, _, kind in cached["gl"]}, {code: kind for code, kind in cached["journals"]}, frozenset(cached["conditions"])
        )
        self._admin = Admin(
            master,
            {code: guid for code, guid, _ in cached["gl"]},
            frozenset(code for code, kind in cached["journals"] if kind == CASH),
            cached.get("currencies", {}),
        )
        return self._admin

    def currency_problem(self, journal: str, currency: str) -> str | None:
        """Exact refuses a document in a currency its journal does not book ("Ongeldig: Valuta")."""
        booked, others_allowed = self.admin().currencies.get(journal, [currency, True])
        if currency and booked and currency != booked and not others_allowed:
            return f"the order is in {currency}, but journal {journal} books {booked} only"
        return None

    def _read_master(self) -> dict[str, list]:
        vat = [
            [
                r["Code"].strip(),
                str(exact_percent(r.get("Percentage"))),
                (r.get("Type") or "E").strip(),
                (r.get("EUSalesListing") or "N").strip(),
                bool(r.get("Charged")),
                bool(r.get("IsBlocked")),
            ]
            for r in self.api.get("vat/VATCodes", "ID,Code,Percentage,Type,Charged,EUSalesListing,IsBlocked")
        ]
        gls = [
            [g["Code"].strip(), g["ID"], int(g.get("Type") or 0)] for g in self.api.get("financial/GLAccounts", "ID,Code,Type", "IsBlocked eq false")
        ]
        rows = [j for j in self.api.get("financial/Journals", "Code,Type,IsBlocked,Currency,AllowVariableCurrency") if not j.get("IsBlocked")]
        journals = [[j["Code"].strip(), int(j.get("Type") or 0)] for j in rows]
        currencies = {j["Code"].strip(): [(j.get("Currency") or "").strip(), bool(j.get("AllowVariableCurrency"))] for j in rows}
        conditions = [c["Code"].strip() for c in self.api.get("cashflow/PaymentConditions", "Code")]
        return {"vat": vat, "gl": gls, "journals": journals, "conditions": conditions, "currencies": currencies}

    # customers
    def refresh_accounts(self) -> int:
        """Brings the ledger's e-mail index up to date with what changed in Exact."""
        since = self.ledger.cursor("exact_accounts_timestamp") or 1
        newest, seen = since, 0
        for row in self.api.get("sync/CRM/Accounts", "ID,Code,Email,Status,Timestamp", f"Timestamp gt {since}"):
            newest, seen = max(newest, int(row["Timestamp"])), seen + 1
            email = (row.get("Email") or "").strip().lower()
            if email and not self.ledger.customer(email):  # the first account with an e-mail keeps it
                self.ledger.remember_customer(email, row["ID"], (row.get("Code") or "").strip())
            if row.get("Code"):
                self.ledger.remember_customer(f"code:{row['Code'].strip()}", row["ID"], row["Code"].strip())
        self.ledger.set_cursor("exact_accounts_timestamp", newest)
        return seen

    def account(self, plan: CustomerPlan, order_id: int) -> str:
        if plan.collective:
            known = self.ledger.customer(f"code:{plan.collective}")
            if not known:
                raise BookingError(
                    f"collective account '{plan.collective}' does not exist in Exact", "create it in Exact, or fix customers.collective"
                )
            return known["id"]
        known = self.ledger.customer(plan.email)
        if known:
            return known["id"]
        # an earlier POST for this e-mail (of any order) whose answer was lost may have landed
        if any(i["step"] == "account" and i.get("email") == plan.email for i in self.ledger.open_intents()):
            found = self.find_account(plan.email)
            if found:
                return found
        fields = plan.account
        problems = account_problems(fields, self.admin().master)
        if problems:  # Exact would refuse it, and its refusals count against the app's error budget
            raise BookingError(
                f"a new Exact account for {plan.email} would be refused: " + "; ".join(problems),
                "fix customers.account in the spec (or the order's address in WooCommerce), then `runner retry SPEC`",
            )
        self.ledger.intend(order_id, None, "account", email=plan.email)
        row = self.post(ACCOUNTS, fields)
        self.ledger.remember_customer(plan.email, row["ID"], (row.get("Code") or "").strip(), created=True)
        self.ledger.done(order_id, None, "account", exact_id=row["ID"])
        return row["ID"]

    def find_account(self, email: str) -> str | None:
        row = self.api.first(ACCOUNTS, "ID,Code,Email", f"tolower(Email) eq {quote(email)}")
        if row:
            self.ledger.remember_customer(email, row["ID"], (row.get("Code") or "").strip())
            return row["ID"]
        return None

    # items, for sales invoices
    def item(self, code: str, description: str) -> str:
        """An item's id: remembered in the ledger, else looked up by code, else created."""
        known = self.ledger.customer(f"item:{code}")
        if known:
            return known["id"]
        row = self.api.first("logistics/Items", "ID,Code", f"Code eq {quote(code)}")
        if row is None:
            row = self.post("logistics/Items", {"Code": code, "Description": (description or code)[:60], "IsSalesItem": True})
        self.ledger.remember_customer(f"item:{code}", row["ID"], code)
        return row["ID"]

    # every write goes through here, so a dry run can swap it out
    def post(self, endpoint: str, payload: dict) -> dict:
        return self.api.post(endpoint, payload)

    def find_document(self, target: str, journal: str, your_ref: str, description: str, total: str, known_ids: set[str]) -> dict | None:
        """An entry or invoice this runner may have posted without hearing back: same
        journal, YourRef, description and total, and not one the ledger already holds."""
        if target == "sales_invoice":
            key, rows = (
                "InvoiceID",
                self.api.get(SALES_INVOICES, "InvoiceID,InvoiceNumber,AmountFC,Status,Description", f"YourRef eq {quote(your_ref)}"),
            )
        else:
            key, rows = (
                "EntryID",
                self.api.get(
                    SALES_ENTRIES, "EntryID,EntryNumber,AmountFC,Description", f"Journal eq {quote(journal)} and YourRef eq {quote(your_ref)}"
                ),
            )
        for row in rows:
            if row[key] not in known_ids and money(_decimal(row.get("AmountFC"))) == total and row.get("Description") == description:
                return row
        return None

    def invoice_status(self, invoice_id: str) -> dict:
        return next(self.api.get(f"{SALES_INVOICES}(guid'{invoice_id}')", "InvoiceID,InvoiceNumber,Status"))

    def find_payment(self, endpoint: str, entry_number: int, account_id: str) -> dict | None:
        lines = endpoint.replace("Entries", "EntryLines")
        return self.api.first(lines, "ID,EntryID,OurRef,AmountFC", f"OurRef eq {entry_number} and Account eq guid'{account_id}'")


def account_problems(fields: dict[str, str], master: MasterData) -> list[str]:
    """What Exact refuses in a new account, checked before it can cost an error answer."""
    problems = [] if fields.get("Name", "").strip() else ["it has no Name (customers.account.Name is missing or empty)"]
    if fields.get("Status", "C") not in ("C", "P", "S", "A"):
        problems.append(f"Status '{fields['Status']}' is not one of C (customer), P, S, A")
    if not re.fullmatch(r"([A-Za-z]{2})?", fields.get("Country", "").strip()):
        problems.append(f"Country '{fields['Country']}' is not a two-letter ISO code such as NL")
    if fields.get("Email") and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s.]+", fields["Email"].strip()):
        problems.append(f"Email '{fields['Email']}' is not an e-mail address")
    if fields.get("PaymentConditionSales") and fields["PaymentConditionSales"] not in master.payment_conditions:
        problems.append(f"payment condition '{fields['PaymentConditionSales']}' does not exist in this administration")
    if fields.get("SalesVATCode") and fields["SalesVATCode"] not in master.vat_codes:
        problems.append(f"VAT code '{fields['SalesVATCode']}' does not exist in this administration")
    return problems


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def exact_percent(value: Any) -> Decimal:
    """Exact keeps percentages as fractions (0.21) in doubles; we compare whole percents
    written as the shop writes them (21, 5.5)."""
    return percent((_decimal(value) * 100).quantize(Decimal("0.01")))


class DryRunSink(ExactSink):
    """Reads Exact for real and posts nothing: what would be posted is collected, with
    the administration's real GUIDs, and placeholders for ids Exact would assign."""

    def __init__(self, api: ExactApi, ledger) -> None:
        super().__init__(api, ledger)
        self.posted: list[dict[str, Any]] = []

    def post(self, endpoint: str, payload: dict) -> dict:
        self.posted.append({"endpoint": endpoint, "payload": payload})
        new = f"<new {endpoint.rsplit('/', 1)[-1]} {len(self.posted)}>"
        return {"ID": new, "EntryID": new, "InvoiceID": new, "EntryNumber": None, "InvoiceNumber": None, "Code": ""}

    def invoice_status(self, invoice_id: str) -> dict:
        return {"InvoiceID": invoice_id, "InvoiceNumber": None, "Status": 50} if invoice_id.startswith("<new") else super().invoice_status(invoice_id)


def sink_from_spec(spec, ledger, tokens, transport=None, dry_run: bool = False, governor=None) -> ExactSink:
    from runner.exact.client import ErrorBudget, RateGovernor

    exact = spec.section("exact")
    governor = governor or RateGovernor()
    if "daily_reserve" in exact:  # calls left to others (and to `runner retry`) at the end of Exact's day
        governor.reserve = int(exact["daily_reserve"])
    budget = ErrorBudget(
        clock=governor.clock, recent=dict(ledger.cursor("exact_errors") or {}), saved=lambda recent: ledger.set_cursor("exact_errors", recent)
    )
    api = ExactApi(exact["base_url"], int(exact["division"]), tokens.access_token, transport=transport, governor=governor, budget=budget)
    return (DryRunSink if dry_run else ExactSink)(api, ledger)
