"""VIES's answers kept across runs (issue 22, the review's point c): a run asks the ledger
before it asks VIES, so 300 orders of 20 companies cost at most 20 checks, and the next run
within the period none.

How long an answer stays fresh, and why:
- valid: 7 days. A VAT number's validity is a fact of the day it is checked (VIES answers
  with its `requestDate`, kept as the booking's evidence; reference vat-edge-cases 2.1), and a
  registration ends rarely and never retroactively for a supply already made. The plugins
  that check at checkout reuse a valid answer for 7 days too (the EU VAT Number extensions
  keep it in a transient of 7 * DAY_IN_SECONDS), and VIES itself asks clients to keep their
  requests few (no published limit; throttled on concurrency, IPs blocked: reference 2.1).
  A week is short against a quarter's VAT return, so a number that lapses is caught within
  the period it is declared in.
- invalid: 1 day. A company that has just registered, or corrected its number with its tax
  office, is valid tomorrow: the order that failed on it (customers.vies: required) is
  retried the next day against VIES, not against our memory.
- unavailable (an outage, a timeout, too many requests): never kept; the order waits and the
  next run asks again (reference 2.1: a transient error is never "invalid")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from runner.domain.vat_number import Checker, ViesAnswer

FRESH = {"valid": timedelta(days=7), "invalid": timedelta(days=1)}


def answer_of(kept: dict) -> ViesAnswer:
    """The answer a ledger record holds."""
    return ViesAnswer(kept["status"], kept["country"], kept["digits"], kept.get("name", ""), kept.get("date", ""), kept.get("identifier", ""))


class KeptAnswers:
    """A VAT number checker that reuses the ledger's fresh answer before asking `check` (VIES)."""

    def __init__(self, check: Checker, ledger, clock: Callable[[], float]) -> None:
        self.check, self.ledger, self.clock = check, ledger, clock

    def __call__(self, country: str, number: str) -> ViesAnswer:
        now = datetime.fromtimestamp(self.clock(), UTC)
        kept = self.ledger.vies_answer(country + number)
        if kept and kept.get("status") in FRESH:
            age = now - datetime.fromisoformat(kept["checked"])
            if timedelta(0) <= age < FRESH[kept["status"]]:  # a clock set back asks again
                return answer_of(kept)
        answer = self.check(country, number)
        if answer.status in FRESH:
            record = {"number": country + number, "status": answer.status, "country": country, "digits": number}
            record |= {"name": answer.name, "date": answer.date, "identifier": answer.identifier, "checked": now.isoformat(timespec="seconds")}
            self.ledger.keep_vies_answer(record)
        return answer
