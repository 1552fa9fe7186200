"""What the runner does in Exact Online: read the administration's master data once,
find or create customers and items, post documents, print invoices, book payments, and
look each of these up when a POST's outcome is unknown.

Customers are matched on e-mail without asking Exact per order: the ledger keeps an index
of the administration's accounts, refreshed from `sync/CRM/Accounts` (only what changed
since the last run) and healed from `sync/Deleted` (runner/adapters/exact/customers.py), so a
steady-state order costs one call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runner.adapters.exact import products
from runner.adapters.exact.accounts import AccountIndex
from runner.adapters.exact.balances import Balances
from runner.adapters.exact.client import ExactApi
from runner.adapters.exact.codes import ExactCodes
from runner.adapters.exact.customers import Customers
from runner.adapters.exact.index import BooksIndex
from runner.adapters.exact.invoices import Invoices
from runner.adapters.exact.lookups import Lookups
from runner.adapters.exact.master import Admin, MasterCache, account_problems, decimal_of
from runner.adapters.exact.payloads import (
    ACCOUNTS,
    PROCESSED,
    SALES_INVOICES,
    Ids,
    MasterData,
    closing_payload,
    described,
    document_payload,
    fit,
    master_data_problems,
    print_payload,
)
from runner.adapters.exact.products import PushReport
from runner.adapters.exact.reading import BooksReading
from runner.adapters.exact.receipts import Receipts
from runner.adapters.exact.settlements import SettlementBooks
from runner.domain.booking import CustomerPlan, Document, PaymentPlan
from runner.domain.money import text
from runner.errors import BookingError
from runner.pipeline.ports import CAPABILITIES, Facts, Posting, Quota
from runner.spec.model import Spec


class ExactSink(BooksReading, Receipts, Lookups, Customers, Invoices):
    def __init__(self, api: ExactApi, ledger) -> None:
        self.api, self.ledger = api, ledger
        self.master = MasterCache(api, ledger)
        self.balances = Balances(api)  # each bank or cash journal's balance, read once a run: receipts open on it
        self._journals: SettlementBooks | None = None  # the payments journals as the payouts' books read them
        self.balance_sheet: frozenset[str] = frozenset()  # non-revenue GL accounts the spec allows lines on
        self.receipt_sign = 1  # payments.receipt_sign: how this administration wants money in on a bank line
        self._indexes: dict[str, BooksIndex] = {}  # per target: what the books hold
        self.batched = frozenset({"payment"})  # receipts go out together: one entry per journal and month, not one per order
        self.capabilities = frozenset(CAPABILITIES)  # all of them
        self.name = f"Exact division {api.division} at {api.base_url.rstrip('/')}" if api is not None else "Exact (offline)"

    @property
    def index(self) -> AccountIndex:
        """The administration's accounts and items by e-mail and code, kept beside the ledger."""
        return AccountIndex.of(self.ledger)

    def admin(self, fresh: bool = False) -> Admin:
        return self.master.admin(fresh)

    @property
    def fresh(self) -> bool:
        return self.master.fresh

    def check_codes(self) -> ExactCodes:
        """The "checks" capability (validate --online): the master data read afresh, to check codes against."""
        return ExactCodes(self.api.division, self.admin(fresh=True).master, self.balance_sheet)

    def currency_problem(self, journal: str, currency: str) -> str | None:
        return self.master.currency_problem(journal, currency)

    def describe(self, kind: str, code: str) -> str:
        return self.admin().names.get((kind, code), "")

    # the Sink protocol (runner/pipeline/ports.py)
    def open(self) -> None:
        self.balances.clear()
        self._journals = None
        self.refresh_accounts()

    def paid(self, journal: str) -> set[tuple[int, bool]]:
        """settlements: what a payments journal holds on documents, (OurRef, money in), read
        once a run the way the payouts' books read it (exact/settlements.py)."""
        if self._journals is None:
            self._journals = SettlementBooks(self.api, self.ledger, self.receipt_sign, self.balances)
        return self._journals.paid(journal)

    def problems(self, document: Document, payment: PaymentPlan | None) -> list[str]:
        if problem := self.currency_problem(document.journal, document.currency):
            return [problem + " (let the journal take other currencies in Exact, or book this order by hand)"]
        problems = master_data_problems(document, self.admin().master, payment, self.balance_sheet)
        if problems and not self.fresh:  # cached master data: the code may be new in Exact
            problems = master_data_problems(document, self.admin(fresh=True).master, payment, self.balance_sheet)
        return problems

    def customer(self, plan: CustomerPlan) -> str | None:
        if plan.collective:
            known = self.index.codes.get(plan.collective)
            if not known:
                raise BookingError(
                    f"collective account '{plan.collective}' does not exist in Exact", "create it in Exact, or fix customers.collective"
                )
            return known
        return self.known_customer(plan)

    def create_customer(self, plan: CustomerPlan) -> Facts:
        fields = plan.account
        problems = account_problems(fields, self.admin().master)
        if problems:  # Exact would refuse it, and its refusals count against the app's error budget
            raise BookingError(
                f"a new Exact account for {plan.email} would be refused: " + "; ".join(problems),
                "fix customers.account in the spec (or the order's address in WooCommerce), then `runner retry SPEC`",
            )
        row = self.api.post(ACCOUNTS, fields)
        self.remember_customer(plan, row["ID"], (row.get("Code") or "").strip())
        return {"ref": row["ID"]}

    def steps(self, posting: Posting) -> tuple[str, ...]:
        """A sales invoice is posted open, closed to WooCommerce's total where Exact summed
        its VAT otherwise, then printed (that books it)."""
        invoice = posting.document.target == "sales_invoice"
        return ("document",) + (("close", "print") if invoice else ()) + (("payment",) if posting.payment else ())

    def intent(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> Facts:
        doc = posting.document
        if step == "account":  # found again by what was sent: customers.account.Email may differ from the order's e-mail
            fields = posting.customer.account
            return {"sent_email": (fields.get("Email") or "").strip(), "name": (fields.get("Name") or "").strip()}
        if step == "document":
            return {
                "target": doc.target,
                "journal": doc.journal,
                "your_ref": doc.your_ref,
                "description": described(doc),  # as sent, as Exact holds it
                "total": text(doc.booked_total),
                "net": text(doc.net),
                "account": posting.account,
                "pay": posting.payment is not None,
            }
        if step == "close":
            return {"invoice": done["document"]["ref"], "total": text(doc.booked_total)}
        if step == "print":
            return {"invoice": done["document"]["ref"]}
        endpoint, _ = self._payment(posting, done)
        facts = {"endpoint": endpoint, "entry_number": self._number(done), "account": posting.account}
        if posting.document.members:  # a daily summary's: one entry per payment journal, all with one OurRef
            facts.update(description=fit(posting.payment.description), amount=text(posting.payment.amount * self.receipt_sign))  # as sent
        return facts

    def request(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> dict[str, Any]:
        if step == "document":
            endpoint, payload = document_payload(posting.document, self._ids(posting, create_items=False))
        elif step == "close":
            gap = self._gap(posting.document, done["document"].get("amount"))
            if not gap:  # nothing to close, or not known before Exact has answered (a preview, a dry run)
                return None
            endpoint, payload = closing_payload(done["document"]["ref"], posting.document.closing, gap, self._ids(posting, False, closing=True))
        elif step == "print":
            endpoint, payload = print_payload(done["document"]["ref"], posting.document)
        else:
            endpoint, payload = self._payment(posting, done)
        return {"endpoint": endpoint, "payload": payload}

    def write(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> Facts:
        if step == "document":
            endpoint, payload = document_payload(posting.document, self._ids(posting, create_items=True))
            row = self.api.post(endpoint, payload)
            invoice = endpoint == SALES_INVOICES
            facts = {"ref": row["InvoiceID" if invoice else "EntryID"], "number": row.get("InvoiceNumber" if invoice else "EntryNumber")}
            if invoice and row.get("AmountFC") is not None:
                facts["amount"] = text(decimal_of(row["AmountFC"]))
            self._index(posting.document.target).add(posting.document, facts["ref"], facts["number"], payload["Description"])
            return facts
        if step == "close":
            return self._close(posting, done)
        if step == "print":
            invoice = done["document"]["ref"]
            self.api.post(*print_payload(invoice, posting.document))
            if posting.payment and not done["document"].get("number"):  # the number is given at printing
                return {"number": self.invoice_status(invoice).get("InvoiceNumber")}
            return {}
        row, _ = self.balances.post(*self._payment(posting, done))
        return {"ref": row.get("EntryID")}

    def lookup(self, step: str, intent: Facts, known: set[str]) -> Facts | None:
        if step == "account":
            row = self.find_account(intent.get("sent_email", intent["email"]), intent.get("name", ""))  # older intents: the order's
            if row is None:
                return None
            self.index.remember_account(intent["email"], row["ID"], (row.get("Code") or "").strip())
            return {"ref": row["ID"]}
        if step == "document":
            row = self.find_document(
                intent["target"], intent["journal"], intent["your_ref"], intent["description"], intent["total"], known, intent.get("net")
            )
            if row is None:
                return None
            invoice = intent["target"] == "sales_invoice"
            return {"ref": row["InvoiceID" if invoice else "EntryID"], "number": row.get("InvoiceNumber" if invoice else "EntryNumber")}
        if step == "withdraw":
            return self.withdrawn(intent)
        if step == "close":  # closed once Exact's total is WooCommerce's; a printed invoice cannot change
            status = self.invoice_status(intent["invoice"])
            closed = text(decimal_of(status.get("AmountFC"))) == intent["total"] or status.get("Status") == PROCESSED
            return {} if closed else None
        if step == "print":
            status = self.invoice_status(intent["invoice"])
            return {"number": status.get("InvoiceNumber")} if status.get("Status") == PROCESSED else None
        line = self.find_payment(intent["endpoint"], intent["entry_number"], intent["account"], intent.get("description"), intent.get("amount"))
        return {"ref": line.get("EntryID")} if line else None

    def push_items(self, spec: Spec, source, **how) -> PushReport:
        """runner products: every product of the shop to an item (`how`: post, progress, report)."""
        return products.push(spec, source, self.api, **how)

    def push_changed_items(self, spec: Spec, source, ledger) -> PushReport:
        """products.push: the products saved since the last push, before a run books."""
        return products.push_changed(spec, source, self.api, ledger)

    @property
    def governor(self):
        """Exact's rate governor: a caller that shows waits sets its `on_wait`."""
        return self.api.governor

    def quota(self) -> Quota:
        governor = self.api.governor
        return Quota(self.api.calls, governor.daily_remaining, governor.daily_reset, governor.minutely_limit)

    def _ids(self, posting: Posting, create_items: bool, closing: bool = False) -> Ids:
        admin = self.admin()
        doc = posting.document
        items = {}
        if doc.target == "sales_invoice":
            resolve = self.item if create_items else self.known_item
            lines = (doc.closing,) if closing and doc.closing else doc.lines
            items = {line.item: resolve(line.item, line.description) for line in lines}
        return Ids(customer=posting.account, gl=admin.gl_ids, items=items, cash_journals=admin.cash_journals)


class OfflineExact(ExactSink):
    """The Exact sink without a connection, for a preview from an orders file: codes stand
    in for GUIDs and nothing is checked against an administration."""

    def __init__(self, spec: Spec | None = None) -> None:
        super().__init__(None, None)  # type: ignore[arg-type]  # never reads: it names no capability, and what a preview asks is answered below
        self.capabilities = frozenset()  # it reads no books and writes none: a preview asks for requests only
        self.receipt_sign = receipt_sign(spec) if spec is not None else 1
        self.master._admin = Admin(MasterData({}, {}, {}), {}, frozenset())

    def problems(self, document: Document, payment: PaymentPlan | None) -> list[str]:
        return []

    def customer(self, plan: CustomerPlan) -> str | None:
        return f"<account {plan.collective or plan.email}>"

    def find(self, step: str, posting: Posting, done: Mapping[str, Facts], taken: set[str]) -> Facts | None:
        return None

    def holds(self, document: Document) -> bool | None:
        return None

    def known_item(self, code: str, description: str = "") -> str:
        return code


def sink_from_spec(spec: Spec, ledger, tokens, transport=None, governor=None) -> ExactSink:
    from runner.adapters.exact.client import ErrorBudget, RateGovernor

    exact = spec.exact
    governor = governor or RateGovernor()
    governor.reserve = exact.daily_reserve  # calls left to others (and to `runner retry`) at the end of Exact's day
    budget = ErrorBudget(
        clock=governor.clock, recent=dict(ledger.cursor("exact_errors") or {}), saved=lambda recent: ledger.set_cursor("exact_errors", recent)
    )
    api = ExactApi(exact.base_url, exact.division, tokens.access_token, transport=transport, governor=governor, budget=budget)
    sink = ExactSink(api, ledger)
    sink.balance_sheet = frozenset(spec.booking.balance_sheet_accounts)
    sink.receipt_sign = receipt_sign(spec)
    return sink


def receipt_sign(spec: Spec) -> int:
    """payments.receipt_sign as the factor on a receipt line's AmountFC."""
    return -1 if spec.payments.receipt_sign == "negative" else 1
