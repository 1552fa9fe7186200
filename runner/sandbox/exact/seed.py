"""The sandbox's settings and its seeded administrations: division 1234567 "Demo Webwinkel B.V."
(granted to the app) and 7654321 (exists, not granted), with the chart of accounts, journals,
VAT codes and payment conditions of our Dutch preset. Tables are dicts keyed by id, with a
code index, so thousands of posts stay O(1) per lookup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from runner.sandbox.exact.chart import GL_CHART, GL_TYPES, JOURNAL_TABLE, PAYMENT_TABLE, VAT_TABLE
from runner.sandbox.exact.costs import seed_costs
from runner.sandbox.exact.entities import (
    ACCOUNTS,
    GL_ACCOUNTS,
    ITEMS,
    JOURNALS,
    PAYMENT_CONDITIONS,
    TABLES,
    VAT_CODES,
)
from runner.sandbox.odata.envelope import EntitySet

MAIN_DIVISION, OTHER_DIVISION = 1234567, 7654321
DIVISION_NAMES = {MAIN_DIVISION: "Demo Webwinkel B.V.", OTHER_DIVISION: "Demo Holding B.V."}


@dataclass
class ExactConfig:
    """Every knob of the simulator; defaults follow the reference (see exact.py for the [U] list)."""

    client_id: str = "woo-exact-sandbox"
    client_secret: str = "sandbox-secret"
    redirect_uri: str = "http://localhost:8765/callback"
    user_email: str = "boekhouder@webwinkel.example"
    granted_divisions: tuple[int, ...] = (MAIN_DIVISION,)
    access_token_lifetime: int = 600
    code_lifetime: int = 180
    refresh_token_lifetime: int = 30 * 86400
    refresh_window: int = 30  # a refresh is allowed only in the access token's last 30 s
    too_early_status: int = 400
    single_grant: bool = True  # a new login of the same user+app kills the earlier token chain
    minutely_limit: int = 60
    daily_limit: int = 5000
    error_budget: int = 10  # error responses per endpoint per hour before the endpoint blocks
    validation_status: int = 500
    email_case_sensitive: bool = True  # `Email eq` compares case-sensitively [U]
    substringof_supported: bool = False
    require_select: bool = True  # entity-set collections need $select or $top=1; never current/Me or lines under an entity [C3]
    top_v1: bool = True  # a $top answer within the page size comes as a bare array {"d": [...]} [C3]
    filter_in_function: bool = False  # a mandatory-filter field counts inside a function, e.g. tolower(Email) [U]
    trailing_blanks: bool = True  # string comparisons ignore trailing blanks, as SQL Server's: Code eq '2' finds '2  ' [I]
    invoice_journal_required: bool = True
    description_max: int | None = 60  # a document's or line's Description; None: any length [U]
    invoice_vat_override: bool = False  # sales invoice lines take VATAmountFC; False: Exact sums its own per line [U]
    page_size: int = 60
    sync_page_size: int = 1000  # sync/ endpoints (reference 4.3)
    timestamp_start: int = 2**31  # rowversion before the first seeded row; past Int32 on purpose [U]
    closed_periods: set[tuple[int, int]] = field(default_factory=set)
    fiscal_years: tuple[int, int] | None = None  # inclusive; None: 2020 up to next year
    default_payment_condition: str = "14"
    receipt_sign: int = 1  # a receipt on a bank or cash line is money in, positive; -1 for an Exact that wants it negative [U]
    omitted_balances: str = "derive"  # a bank entry without Opening/ClosingBalanceFC: "derive" them from the journal, or "refuse" [U]
    chain_balances: bool = False  # an entry's OpeningBalanceFC must be its journal's last closing balance [U]


class Administration:
    """One division's books. `tables[path]` maps id -> stored row (typed, CHAR fields padded).
    Every insert or update through it gives the row the next `Timestamp` of the division's one
    rowversion counter (shared by all tables, as SQL Server's is), which the sync endpoints read."""

    def __init__(self, division: int, name: str, new_id: Callable[[], str], now: Callable[[], datetime], rowversion: int = 2**31) -> None:
        self.division, self.name = division, name
        self.new_id, self.now = new_id, now
        self.rowversion = rowversion
        self.tables: dict[str, dict[str, dict]] = {es.path: {} for es in TABLES}
        self.codes: dict[str, dict[str, str]] = {es.path: {} for es in TABLES if "Code" in es.fields}
        self.numbers: dict[tuple[str, int], set[int]] = {}
        self.last_number: dict[tuple[str, int], int] = {}
        self.open_receivables: dict[int, list[str]] = {}  # entry number -> open receivable ids

    def today(self) -> datetime:
        return self.now().replace(hour=0, minute=0, second=0, microsecond=0)

    def insert(self, es: EntitySet, row: dict) -> dict:
        """Store a new row: key, stamps and padding filled in, code indexed."""
        row.setdefault(es.key, self.new_id())
        row.update(Division=self.division, Created=self.now(), Modified=self.now(), Timestamp=self.next_rowversion())
        self.pad(es, row)
        self.tables[es.path][row[es.key]] = row
        if es.path in self.codes and row.get("Code"):
            self.codes[es.path][row["Code"].strip()] = row[es.key]
        return row

    def update(self, es: EntitySet, row: dict, changes: dict) -> dict:
        """Apply a PUT: padding, the Modified and Timestamp stamps and the code index follow."""
        old_code = row.get("Code")
        row.update(changes, Modified=self.now(), Timestamp=self.next_rowversion())
        self.pad(es, row)
        if es.path in self.codes and old_code != row.get("Code"):
            self.codes[es.path].pop((old_code or "").strip(), None)
            if row.get("Code"):
                self.codes[es.path][row["Code"].strip()] = row[es.key]
        return row

    def next_rowversion(self) -> int:
        """Rowversion semantics: every write gets a value above all earlier ones, never reused."""
        self.rowversion += 1
        return self.rowversion

    @staticmethod
    def pad(es: EntitySet, row: dict) -> None:
        for name, f in es.fields.items():
            value = row.get(name)
            if f.width and isinstance(value, str):
                row[name] = value.rjust(f.width) if f.right else value.ljust(f.width)

    def by_code(self, es: EntitySet, code: str | None) -> dict | None:
        """Codes compare trimmed, as Exact matches a sent "2" to its stored "2  "."""
        key = self.codes[es.path].get(code.strip()) if isinstance(code, str) else None
        return self.tables[es.path][key] if key else None

    def get(self, es: EntitySet, key: str | None) -> dict | None:
        return self.tables[es.path].get(key) if key else None

    def claim_number(self, journal: str, year: int, wanted: int | None = None) -> int | None:
        """Next free number of a journal in a year (e.g. 26700001), or `wanted`; None if used."""
        used = self.numbers.setdefault((journal, year), set())
        if wanted is None:
            start = int(f"{year % 100:02d}{journal}0001") if journal.isdigit() and len(journal) <= 3 else 1
            wanted = max(self.last_number.get((journal, year), 0) + 1, start)
        elif wanted in used:
            return None
        used.add(wanted)
        self.last_number[(journal, year)] = max(self.last_number.get((journal, year), 0), wanted)
        return wanted


def seed_administration(division: int, new_id: Callable[[], str], now: Callable[[], datetime], rowversion: int = 2**31) -> Administration:
    admin = Administration(division, DIVISION_NAMES.get(division, f"Divisie {division}"), new_id, now, rowversion)
    gl: dict[str, str] = {}
    for code, description, kind in GL_CHART:
        gl[code] = admin.insert(
            GL_ACCOUNTS,
            {
                "Code": code,
                "Description": description,
                "Type": kind,
                "TypeDescription": GL_TYPES[kind],
                "BalanceSide": "C" if kind in (22, 24, 110) else "D",
                "BalanceType": "W" if kind >= 110 else "B",
                "IsBlocked": False,
                "UseCostcenter": 0,
                "UseCostunit": 0,
                "Matching": kind in (20, 22),
            },
        )["ID"]
    for code, description, percentage, kind, listing, oss, gl_to_pay in VAT_TABLE:
        vat_id = new_id()
        rate = {"ID": new_id(), "VATCodeID": vat_id, "LineNumber": 1, "Percentage": Decimal(percentage), "Type": 0, "Division": division}
        admin.insert(
            VAT_CODES,
            {
                "ID": vat_id,
                "VATPercentages": [rate],  # one rate without dates: valid always
                "Code": code,
                "Description": description,
                "Percentage": Decimal(percentage),
                "Type": kind,
                "VATTransactionType": "S",
                "Charged": listing == "L",
                "EUSalesListing": listing,
                "IntraStat": False,
                "OssCountry": oss,
                "IsBlocked": False,
                "GLToPay": gl.get(gl_to_pay or ""),
                "GLToClaim": None,
            },
        )
    for code, description, kind, provider, account in JOURNAL_TABLE:
        admin.insert(
            JOURNALS,
            {
                "Code": code,
                "Description": description,
                "Type": kind,
                "Currency": "EUR",
                "AllowVariableCurrency": False,
                "AllowVAT": kind == 90,
                "GLAccount": gl.get(account or ""),
                "GLAccountCode": account,
                "PaymentServiceProvider": provider,
                "IsBlocked": False,
            },
        )
    for code, description, days in PAYMENT_TABLE:
        admin.insert(
            PAYMENT_CONDITIONS,
            {
                "Code": code,
                "Description": description,
                "PaymentDays": days,
                "PaymentEndOfMonths": 0,
                "PaymentMethod": "B",
                "DiscountPercentage": Decimal(0),
                "DiscountPaymentDays": 0,
            },
        )
    for code, name, email, city, condition in [
        ("1", "P. Jansen", "P.Jansen@Example.org", "Utrecht", "14"),
        ("2", "Bakkerij De Vries", "info@bakkerijdevries.nl", "Zwolle", None),
    ]:
        admin.insert(
            ACCOUNTS,
            {
                "Code": code,
                "Name": name,
                "Status": "C",
                "Type": "A",
                "IsSales": True,
                "IsSupplier": False,
                "Blocked": False,
                "Email": email,
                "City": city,
                "Country": "NL",
                "CountryName": "Nederland",
                "Language": "NL",
                "PaymentConditionSales": condition,
            },
        )
    admin.insert(
        ITEMS,
        {
            "Code": "WEBSHOP",
            "Description": "Webshop artikel",
            "IsSalesItem": True,
            "IsPurchaseItem": False,
            "IsStockItem": False,
            "IsWebshopItem": 1,
            "SalesVatCode": "2",
            "GLRevenue": gl["8000"],
            "GLRevenueCode": "8000",
            "Unit": "stuk",
            "StandardSalesPrice": Decimal(0),
            "Stock": Decimal(0),
        },
    )
    seed_costs(admin)
    return admin
