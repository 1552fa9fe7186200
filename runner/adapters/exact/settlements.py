"""A payment provider's payout as a bank entry in Exact (issue 24): the sink the settlements
mode hands its entries to, through the one exactly-once pipeline (step "document" only).

Exact demands of a bank entry that the opening balance plus its lines is the closing balance
(reference psp-settlements.md section 6), the opening being the journal's balance before it.
The journal is read whole with its lines (one call a page of 60 entries, `$expand`): the
opening is its chronologically last entry's closing balance (balances.py, shared with the
per-order receipts), its balance the sum of its lines, and it holds every identity tag
(`[mollie:stl_...]`, at the end of the payout line's description): a lost answer is found by
it, never posted twice. The read is kept for the run and moved by each entry this run posts."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from runner.adapters.exact.balances import FIELDS, Balances
from runner.adapters.exact.client import ExactApi, quote
from runner.adapters.exact.master import MasterCache, decimal_of
from runner.adapters.exact.payloads import BANK, BANK_ENTRIES, PSP, fit
from runner.domain.money import ZERO, text
from runner.domain.settlement import tagged
from runner.domain.settling import SettlementEntry
from runner.errors import BookingError
from runner.pipeline.ports import Facts, Posting, Quota

LINES = "BankEntryLines"


class SettlementBooks(MasterCache):
    """Bank entries of settlements in the providers' journals; a `Sink` for the pipeline."""

    name = "Exact bank journals"
    batched: frozenset[str] = frozenset()
    capabilities = frozenset({"find", "lookup", "settlements"})

    def __init__(self, api: ExactApi, ledger, receipt_sign: int = 1, balances: Balances | None = None) -> None:
        super().__init__(api, ledger)
        self.receipt_sign = receipt_sign
        self.balances = balances or Balances(api)  # the opening of each entry: the journal's last closing, carried forward
        self._journals: dict[str, tuple[Decimal, dict[str, Facts]]] = {}
        self.loose: dict[str, list[tuple[int | None, Decimal]]] = {}  # per journal: (OurRef, amount) of the lines of other entries
        self.refs: dict[str, set[tuple[int, bool]]] = {}  # per journal: (OurRef, money in) of every line on a document

    # what the journal holds
    def journal(self, code: str, fresh: bool = False) -> tuple[Decimal, dict[str, Facts]]:
        """The journal's balance (the sum of every line of its entries) and its settlements by
        tag; the lines of its other entries (receipts the run booked per order) in `loose`."""
        if fresh or code not in self._journals:
            balance, tags, loose, refs = ZERO, {}, [], set()
            rows = list(self.api.get(BANK_ENTRIES, f"EntryID,{FIELDS},{LINES}", f"JournalCode eq {quote(code)}", expand=LINES))
            self.balances.seen(BANK_ENTRIES, code, rows)
            for row in rows:
                lines = row.get(LINES) or []
                lines = lines.get("results", []) if isinstance(lines, dict) else lines
                found = next((t for t in (tagged(line.get("Description") or "") for line in lines) if t), None)
                if found:
                    tags[f"[{found[0]}:{found[1]}]"] = {"ref": row.get("EntryID"), "number": row.get("EntryNumber")}
                for line in lines:
                    balance += decimal_of(line.get("AmountFC"))
                    if line.get("OurRef") is not None:
                        refs.add((line["OurRef"], decimal_of(line.get("AmountFC")) * self.receipt_sign > 0))
                    if not found and line.get("OurRef") is not None:  # a receipt (or payment back) of a document
                        loose.append((line.get("OurRef"), decimal_of(line.get("AmountFC"))))
            self._journals[code], self.loose[code], self.refs[code] = (balance, tags), loose, refs
        return self._journals[code]

    def paid(self, code: str) -> set[tuple[int, bool]]:
        """What the journal holds on documents: (OurRef, whether money in). A sale's receipt
        is (its number, True), a credit's payment back (its number, False): the books say
        what is paid, also of orders the ledger keeps only as finished."""
        self.journal(code)
        return self.refs[code]

    def balance(self, code: str) -> Decimal:
        return self.journal(code, fresh=True)[0]

    # the Sink the pipeline speaks to
    def open(self) -> None:
        self.admin()

    def steps(self, posting: Posting) -> tuple[str, ...]:
        return ("document",)

    def intent(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> Facts:
        entry: SettlementEntry = posting.document  # type: ignore[assignment]
        return {"journal": entry.journal, "tag": entry.tag, "total": text(entry.total), "day": entry.day.isoformat()}

    def find(self, step: str, posting: Posting, done: Mapping[str, Facts], taken: set[str]) -> Facts | None:
        entry: SettlementEntry = posting.document  # type: ignore[assignment]
        return self.journal(entry.journal)[1].get(entry.tag)

    def lookup(self, step: str, intent: Facts, known: set[str]) -> Facts | None:
        return self.journal(intent["journal"], fresh=True)[1].get(intent["tag"])

    def holds(self, document) -> bool | None:
        return document.tag in self.journal(document.journal, fresh=True)[1]

    def problems(self, document, payment) -> list[str]:
        admin = self.admin()
        out = [f"GL account {line.gl_account} does not exist in Exact" for line in document.lines if line.gl_account not in admin.gl_ids]
        kind = admin.master.journal_types.get(document.journal)
        if kind is None:
            out.append(f"journal {document.journal} does not exist in Exact")
        elif kind not in (BANK, PSP):
            out.append(f"journal {document.journal} is not a bank journal (its type is {kind})")
        codes = admin.master.vat_codes
        out += [f"VAT code {line.vat_code} does not exist in Exact" for line in document.lines if line.vat_code and line.vat_code not in codes]
        return sorted(set(out))

    def request(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> dict[str, Any]:
        entry: SettlementEntry = posting.document  # type: ignore[assignment]
        return {"endpoint": BANK_ENTRIES, "payload": self.chained(entry)}

    def chained(self, entry: SettlementEntry) -> dict[str, Any]:
        """The entry as it would be posted now: opening on the journal's balance."""
        self.journal(entry.journal)
        return self.balances.chained(BANK_ENTRIES, self.payload(entry))

    def write(self, step: str, posting: Posting, done: Mapping[str, Facts]) -> Facts:
        entry: SettlementEntry = posting.document  # type: ignore[assignment]
        if problems := self.problems(entry, None):
            raise BookingError(f"{entry.provider} payout {entry.settlement_id}: " + "; ".join(problems), "fix settlements in the spec, or Exact")
        held, tags = self.journal(entry.journal)
        row, sent = self.balances.post(BANK_ENTRIES, self.payload(entry))
        facts = {"ref": row.get("EntryID"), "number": row.get("EntryNumber")}
        facts.update(opening=sent["OpeningBalanceFC"], closing=sent["ClosingBalanceFC"])
        self._journals[entry.journal] = (held + entry.total, {**tags, entry.tag: facts})
        self.refs[entry.journal] |= {(line.our_ref, line.amount * self.receipt_sign > 0) for line in entry.lines if line.our_ref is not None}
        return facts

    def payload(self, entry: SettlementEntry) -> dict[str, Any]:
        """The entry without its balances (Balances.chained adds them)."""
        ids = self.admin().gl_ids
        lines = []
        for line in entry.lines:
            body: dict[str, Any] = {
                "Date": entry.day.isoformat(),
                "GLAccount": ids.get(line.gl_account, line.gl_account),
                "AmountFC": text(line.amount),
                "Description": fit(line.description),
            }
            if line.account:
                body["Account"] = line.account
            if line.our_ref is not None:
                body["OurRef"] = line.our_ref
            if line.vat_code:
                body["VATCode"] = line.vat_code
            lines.append(body)
        return {
            "JournalCode": entry.journal,
            "Currency": entry.currency,
            LINES: lines,
        }

    def quota(self) -> Quota:
        governor = self.api.governor
        return Quota(self.api.calls, governor.daily_remaining, governor.daily_reset, governor.minutely_limit)
