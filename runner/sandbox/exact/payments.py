"""Payments (reference 5.3): bank entries (bank and PSP journals) and cash entries, with their
lines also stored as tables of their own for the BankEntryLines/CashEntryLines endpoints, and the
matching of a debtor line to the open receivable of a sales entry, which the reference marks
[U]: no source shows the REST API matching, so this is our best reading, kept in one place.

A line is the money on the bank: a customer's receipt is positive, a refund paid out negative
(reference, "Additions, third pass": a connector's +1 default, a public BankEntries fixture of
1000 + 250 = 1250, "Betalingen zijn negatief", and opening + lines = closing). Still [U] on a
live administration, so `ExactConfig.receipt_sign` can turn it round; a line of the other sign
matches nothing and leaves the receivable open, as a real administration would.

Balances (psp-settlements.md 6 [C]): "Opening balance plus all bank entry lines should result
in the closing balance"; an entry that breaks it is refused in those words. Each journal's
balance is the sum of its entries' lines (`journal_balance`). Unconfirmed [U], so settings:
what Exact does when an entry leaves the balances out (`omitted_balances`: derive them from the
journal, or refuse), and whether an opening must be the journal's last closing (`chain_balances`)."""

from __future__ import annotations

from decimal import Decimal

from runner.sandbox.exact.entities import (
    ACCOUNTS,
    BANK_ENTRIES,
    BANK_ENTRY_LINES,
    CASH_ENTRIES,
    CASH_ENTRY_LINES,
    GL_ACCOUNTS,
    RECEIVABLES,
    VAT_CODES,
    BusinessError,
)
from runner.sandbox.exact.references import RECEIVABLE, blank, cents, check_descriptions, check_entry_number, check_period, journal_ref
from runner.sandbox.exact.seed import Administration, ExactConfig


def post_money_entry(admin: Administration, config: ExactConfig, body: dict, kind: str) -> dict:
    """A bank (bank/PSP journals) or cash entry. A debtor line with `Account`, `OurRef` = an
    open entry's number and `AmountFC` = its open amount (times `config.receipt_sign`)
    matches that receivable [U]."""
    es, lines_es, types = (BANK_ENTRIES, BANK_ENTRY_LINES, {12, 14, 16}) if kind == "bank" else (CASH_ENTRIES, CASH_ENTRY_LINES, {10})
    nav = next(iter(es.children))
    errors: list[str] = []
    wrong_type = f"Invalid journal. The journal must be a {kind} journal."
    journal = journal_ref(admin, body.get("JournalCode"), types, wrong_type, errors, unknown="Ongeldige referentie: Dagboek")
    if not body.get(nav):
        errors.append("Verplicht: Boekingsregels")
    check_descriptions(config, body, nav, errors)
    lines, year, period = [], body.get("FinancialYear"), body.get("FinancialPeriod")
    for raw in body.get(nav) or []:
        gl = admin.get(GL_ACCOUNTS, raw.get("GLAccount"))
        if gl is None:
            missing = raw.get("GLAccount") is None
            errors.append("Verplicht: Grootboekrekening" if missing else "Ongeldige referentie: Grootboekrekening")
        if raw.get("AmountFC") is None:
            errors.append("Verplicht: Bedrag")
        account = admin.get(ACCOUNTS, raw.get("Account"))
        if raw.get("Account") is not None and account is None:
            errors.append("Ongeldige referentie: Relatie")
        if gl is not None and gl["Type"] == RECEIVABLE and raw.get("Account") is None:
            errors.append("Verplicht: Relatie")
        if not blank(raw.get("VATCode")) and admin.by_code(VAT_CODES, raw["VATCode"]) is None:
            errors.append("Ongeldige referentie: Btw-code")
        day = raw.get("Date") or admin.today()
        line_year = check_period(config, day, errors, body.get("FinancialYear"), body.get("FinancialPeriod"))
        year, period = year or line_year, period or day.month  # Exact takes the period of the date [U]
        if gl is not None and raw.get("AmountFC") is not None:
            lines.append(
                {
                    **raw,
                    "Date": day,
                    "AmountFC": cents(raw["AmountFC"]),
                    "AmountDC": cents(raw["AmountFC"]),
                    "GLAccountCode": gl["Code"],
                    "AccountCode": (account or {}).get("Code"),
                    "AccountName": (account or {}).get("Name"),
                    "_debtor": gl["Type"] == RECEIVABLE,
                }
            )
    year = year or admin.today().year
    check_entry_number(admin, journal, year, body.get("EntryNumber"), errors)
    balances = _balances(admin, config, es, journal, body, lines, errors)
    if errors or journal is None:
        raise BusinessError(errors)
    number = admin.claim_number(journal["Code"], year, body.get("EntryNumber"))
    entry_id = admin.new_id()
    for position, line in enumerate(lines, 1):
        line.update(ID=admin.new_id(), EntryID=entry_id, LineNumber=position, EntryNumber=number, Division=admin.division)
        admin.pad(lines_es, line)
        admin.tables[lines_es.path][line["ID"]] = line  # the same dict: the *EntryLines endpoint reads it
        if line.pop("_debtor") and line.get("OurRef") is not None:
            _match(admin, line, config.receipt_sign)
    return admin.insert(
        es,
        {
            **body,
            "EntryID": entry_id,
            "JournalCode": journal["Code"],
            "JournalDescription": journal["Description"],
            "Currency": "EUR",
            "EntryNumber": number,
            "FinancialYear": year,
            "FinancialPeriod": period or admin.today().month,
            "Status": 20,
            "StatusDescription": "Open",
            **balances,
            nav: lines,
        },
    )


BALANCE_RULE = "Opening balance plus all bank entry lines should result in the closing balance"
NOT_CHAINED = "The opening balance should be the end balance of the previous entry"  # [I] wording


def journal_balance(admin: Administration, code: str, es=BANK_ENTRIES) -> Decimal:
    """What a bank (or cash) journal holds: the sum of all its entries' lines."""
    nav = next(iter(es.children))
    rows = [row for row in admin.tables[es.path].values() if (row.get("JournalCode") or "").strip() == str(code).strip()]
    return sum((Decimal(str(line["AmountFC"])) for row in rows for line in row.get(nav) or []), Decimal("0.00"))


def _balances(admin: Administration, config: ExactConfig, es, journal: dict | None, body: dict, lines: list[dict], errors: list[str]) -> dict:
    """The entry's OpeningBalanceFC and ClosingBalanceFC, checked against its lines."""
    if journal is None:
        return {}
    moved = sum((Decimal(str(line["AmountFC"])) for line in lines), Decimal("0"))
    held = journal_balance(admin, journal["Code"], es)
    opening, closing = body.get("OpeningBalanceFC"), body.get("ClosingBalanceFC")
    if opening is None and closing is None and config.omitted_balances == "derive":
        opening, closing = held, held + moved
    if opening is None or closing is None:
        errors.append(BALANCE_RULE)
        return {}
    opening, closing = Decimal(str(opening)), Decimal(str(closing))
    if abs(opening + moved - closing) >= Decimal("0.005"):
        errors.append(BALANCE_RULE)
    elif config.chain_balances and abs(opening - held) >= Decimal("0.005"):
        errors.append(NOT_CHAINED)
    return {"OpeningBalanceFC": cents(opening), "ClosingBalanceFC": cents(closing)}


def _match(admin: Administration, line: dict, sign: int) -> None:
    """Auto-match [U]: same customer, OurRef = entry number, amount = the open amount as money
    in (a sale's receivable is positive, a credit's negative) times `sign`."""
    open_ids = admin.open_receivables.get(line["OurRef"], [])
    for receivable_id in open_ids:
        receivable = admin.tables[RECEIVABLES.path][receivable_id]
        if receivable["Account"] == line["Account"] and receivable["AmountFC"] * sign == line["AmountFC"]:
            admin.update(RECEIVABLES, receivable, {"Status": 50, "IsFullyPaid": True})
            open_ids.remove(receivable_id)
            return


def post_bank_entry(admin: Administration, config: ExactConfig, body: dict) -> dict:
    return post_money_entry(admin, config, body, "bank")


def post_cash_entry(admin: Administration, config: ExactConfig, body: dict) -> dict:
    return post_money_entry(admin, config, body, "cash")
