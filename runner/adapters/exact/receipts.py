"""The Exact sink's payments: a receipt per paid document on a bank or cash journal, sent
together in as few entries as Exact takes (one per journal and month), each receipt answered
on its own, each entry opening on its journal's balance (balances.py). Mixed into ExactSink."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runner.adapters.exact.balances import Balances
from runner.adapters.exact.client import ExactApi
from runner.adapters.exact.payloads import Ids, batched, payment_payload
from runner.errors import OutcomeUnknown, Rejected, RunnerError
from runner.pipeline.ports import Facts, Posting


class Receipts:
    """Mixed into ExactSink: needs `api`, `admin`, `balances`, `receipt_sign`, `write`, `intent`, `lookup` and `invoice_status`."""

    api: ExactApi
    receipt_sign: int
    balances: Balances

    def requests_many(self, step: str, items: Sequence[tuple[Posting, Mapping[str, Facts]]]) -> list[dict[str, Any]]:
        return [{"endpoint": endpoint, "payload": payload} for endpoint, payload, _ in batched([self._payment(p, d) for p, d in items])]

    def write_many(self, step: str, items: Sequence[tuple[Posting, Mapping[str, Facts]]]) -> list[Facts | RunnerError]:
        """Receipts in as few entries as Exact takes. An entry Exact refuses is sent again
        line by line, so one bad receipt costs one refusal and the others still land; an
        entry whose answer was lost is left to each receipt's lookup."""
        results: list[Facts | RunnerError] = [{} for _ in items]
        for endpoint, payload, members in batched([self._payment(p, d) for p, d in items]):
            try:
                row, _ = self.balances.post(endpoint, payload)
            except (Rejected, OutcomeUnknown) as failed:
                for n in members:
                    results[n] = failed if isinstance(failed, Rejected) else self._settled(step, self.intent(step, *items[n]), failed)
                refused = [n for n in members if isinstance(results[n], Rejected) and len(members) > 1]
                for n in refused:  # one by one: only the receipt Exact refuses fails
                    results[n] = self._write_one(step, items[n])
                continue
            for n in members:
                results[n] = {"ref": row.get("EntryID")}
        return results

    def _write_one(self, step: str, item: tuple[Posting, Mapping[str, Facts]]) -> Facts | RunnerError:
        try:
            return self.write(step, *item)
        except (Rejected, OutcomeUnknown) as exc:
            return exc if isinstance(exc, Rejected) else self._settled(step, self.intent(step, *item), exc)

    def _settled(self, step: str, intent: Facts, unknown: OutcomeUnknown) -> Facts | RunnerError:
        """After an answered 5xx Exact's work is over: a lookup tells what landed now."""
        if not unknown.answered:
            return unknown
        found = self.lookup(step, intent, set())
        if found is not None:
            return found
        return Rejected(unknown.answer or f"{unknown.message}, and it does not hold the receipt", "it is retried by itself", unknown.status)

    def _number(self, done: Mapping[str, Facts]) -> int | None:
        """The entry or invoice number a payment refers to; an invoice's is given at printing."""
        number = done["document"].get("number") or done.get("print", {}).get("number")
        invoice = str(done["document"].get("ref") or "")
        if number is None and done.get("print") and invoice and not invoice.startswith("<"):
            number = self.invoice_status(invoice).get("InvoiceNumber")
        return number

    def _payment(self, posting: Posting, done: Mapping[str, Facts]) -> tuple[str, dict[str, Any]]:
        admin = self.admin()
        ids = Ids(
            customer=posting.account,
            gl=admin.gl_ids,
            cash_journals=admin.cash_journals,
            entry_number=self._number(done),
            receipt_sign=self.receipt_sign,
        )
        return payment_payload(posting.payment, ids)
