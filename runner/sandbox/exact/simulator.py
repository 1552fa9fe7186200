"""A strict Exact Online on localhost (reference `exact-online-api.md`, section 8): OAuth2,
rate limits, the error budget, OData and the booking rules, never softer than the real service.

Use: `sim = ExactSimulator(clock=ManualClock())` (`clock.advance(s)` moves time; the default
clock is time.time), served by `InProcessServer(sim)` or on a socket by `SandboxServer(sim)`;
the base URL is the server's `url`. Options are ExactConfig fields passed as keywords, e.g.
`ExactSimulator(minutely_limit=5, validation_status=400, closed_periods={(2024, 3)})`: client_id "woo-exact-sandbox",
client_secret "sandbox-secret", redirect_uri "http://localhost:8765/callback", user_email
"boekhouder@webwinkel.example", granted_divisions (1234567,) (7654321 exists, not granted),
access_token_lifetime 600, code_lifetime 180, refresh_token_lifetime 30 days, refresh_window 30,
too_early_status 400, single_grant True, minutely_limit 60, daily_limit 5000, error_budget 10, validation_status 500,
email_case_sensitive True, substringof_supported False, require_select True, top_v1 True,
filter_in_function False, trailing_blanks True,
invoice_journal_required True, description_max 60, invoice_vat_override False, page_size 60, sync_page_size 1000, timestamp_start 2**31,
closed_periods set(), fiscal_years (2020, next year), default_payment_condition "14". `seed`
makes ids and tokens reproducible.

Test-facing: `sim.clock`; `sim.config` (live: change limits mid-test); `sim.mint_tokens()` (a
token response dict, no HTTP); `sim.close_period(y, m)` / `sim.open_period(y, m)`;
`sim.delete_account(id)` / `sim.merge_accounts(gone, into)` (as the bookkeeper does in Exact; deletions.py); tables of the
main division as dicts id -> row (typed values, CHAR codes padded): `sim.accounts`, `sim.items`,
`sim.prices`, `sim.entries`, `sim.invoices`, `sim.receivables`, `sim.bank_entries`,
`sim.cash_entries`, `sim.gl_accounts`, `sim.vat_codes`, `sim.journals`; `sim.admin` (lookups:
`by_code`, `get`; `rowversion`, the last Timestamp given out);
`sim.calls` Counter of (method, endpoint) e.g. ("POST", "salesentry/SalesEntries");
`sim.errors` list of ErrorRecord (every 4xx/5xx answer except 429); `sim.rate_limited` (429
count); `sim.crashes` (tracebacks of sandbox bugs, answered 500; should stay empty).

Assumptions on [U] facts (each a likeliest reading; options where cheap):
- Business validation answers 500 with the OData error body (`validation_status`), lines CRLF-joined.
- Error budget: 400, 401, 403, 404, 405, 415 and validation errors count (429 does not) per
  (client, division, endpoint) in a rolling hour; at 10 the endpoint answers 403 "Forbidden -
  Blocked: ..." until the oldest error is an hour old. Token endpoint errors count but never block.
- 401 (missing/expired/unknown token): OData error body "Unauthorized" + `WWW-Authenticate: Bearer`.
- 429: OData error body "API rate limit exceeded.", no Retry-After; calls to `current/Me`
  count against the current division; 403 WrongDivision answers carry no rate headers.
- Too-early refresh: 400 (`too_early_status`); wrong client secret: 401 invalid_client. After a
  refresh the previous access token stays valid until it expires; a new login ends older chains.
- `Email eq` compares case-sensitively (`email_case_sensitive`); `substringof` answers 400
  "Not Implemented" (`substringof_supported`); string comparisons ignore trailing blanks, as
  SQL Server's do (`trailing_blanks`); a collection GET of an entity set needs `$select` or
  `$top=1` (`require_select`), `current/Me` and the lines under one entity never; a `$top`
  within the page size without `$inlinecount` answers a bare array `{"d": [...]}`, WCF's V1
  shape (`top_v1`); a mandatory filter is met only by a plain comparison of a listed field
  with a constant, not by the field inside a function (`filter_in_function`); mandatory filter
  also on SalesInvoices; the allowed-field lists of Items, GLAccounts, SalesItemPrices and
  SalesInvoices are guesses. The list of these settings with their tags: docs/sandbox.md.
- The token endpoint takes the client's credentials as form fields or as HTTP Basic, not both.
- Properties: Exact's published metadata (properties.py); navigation collections
  VATCodes/VATPercentages and GLAccounts/DeductibilityPercentages are served, Accounts'
  BankAccounts and SalesInvoices' SalesInvoiceOrderChargeLines are not.
- Unknown POST properties and wrongly typed values answer 400 "Error processing request
  stream..."; Int32 fields take JSON integers only; read-only properties and client-supplied
  keys (EntryID, ID) are ignored; a POST without `Prefer` gets a 201 with only the key filled.
- Dates with an offset are converted to UTC and date fields then cut to the day, so a local
  midnight lands on the previous day (reference pitfall 18). Amounts round half-up to cents.
- A VAT override (`VATAmountFC`) is accepted whatever its size; an inclusive code (Type I)
  takes the line amount as gross; sales invoice lines ignore `VATAmountFC` and Exact sums its
  own VAT per line, unless `invoice_vat_override` (both are tested).
- A document's or line's `Description` longer than 60 characters answers "Ongeldig: Omschrijving"
  as an item's does (`description_max`; None accepts any length).
- Line without VATCode: the GL's default code, else the single exclusive code of the given
  VATPercentage, else "Ontbrekend: Btw code". Currency other than EUR: "Ongeldig: Valuta".
- EntryNumber: next free per journal+year starting at yy+journal+0001 (26700001); a given
  number in use fails; InvoiceNumber = EntryNumber; entry Type 21 when the total is negative.
- Missing fiscal year "Unknown: Fiscal year (Period - date table)"; DueDate = EntryDate +
  PaymentDays of the entry's, else the customer's, else condition "14".
- Receivable per entry (zero total: created matched). A bank (journal type 12/14/16) or cash
  (10) line on a debtor GL (Type 20) with Account + OurRef = entry number + AmountFC = minus
  the open amount matches it: Status 50, IsFullyPaid true. A debtor line needs an Account.
- Invented texts: "Verplicht: Boekingsregels", "Verplicht: Factuurregels", "Ongeldig:
  Omschrijving" (item > 60), "Ongeldig: Status (de factuur is al verwerkt)", print success
  strings, "Invalid journal. The journal must be a bank journal.", "Ongeldige referentie: Land".
- Atom answers (no `Accept: application/json`) list properties only; the request is carried out.
- Sync (`sync/CRM/Accounts`, `sync/Logistics/Items`, `sync/Financial/GLAccounts`,
  `sync/Logistics/SalesItemPrices`, `sync/Deleted` (the accounts deleted or merged in the last
  two months; deletions.py); GET only, key Timestamp): `Timestamp` is one
  rowversion counter per division over all tables, bumped by every insert/update, starting past
  Int32 (`timestamp_start`), sent as an Int64 string ("2147483649"); `$filter` must be exactly
  `Timestamp gt N` (N whole; `1L` allowed) or 400, and is mandatory; `$select` is mandatory even
  with `$top=1`; `$orderby`/`$skip`/`$expand`/`$inlinecount`, keys and `/$count` are refused;
  `__next` carries `$skiptoken=NL` and resumes after N, so a row changed mid-paging comes again.
- SalesItemPrices: mandatory filter on Account, Created, ID, Item, ItemCode or Modified;
  Currency defaults EUR (others "Ongeldig: Valuta"), Unit to the item's unit (another unit
  "Ongeldige referentie: Eenheid"), Quantity 0, NumberOfItemsPerUnit 1; "Verplicht: Artikel",
  "Verplicht: Prijs", "Ongeldig: Aantal" (< 0), "Ongeldig: Aantal per eenheid" (<= 0), "Ongeldig:
  Einddatum" (before StartDate), "Ongeldige referentie: Relatie"; any Employee/Project is an
  invalid reference (the sandbox has none); a second price with the same Item, Account, Currency,
  Unit, Quantity and StartDate: "Gegeven bestaat reeds.". An item's StandardSalesPrice is its
  general price (no Account, no dates, EUR, lowest Quantity), else 0; a price change leaves the
  item's Modified and Timestamp alone.
- Not served (404/405): DELETE but of an open sales invoice (a processed one is refused), PUT outside Accounts/Items/SalesItemPrices, the separate
  SalesEntryLines endpoint and GET on SalesInvoiceLines (those lines are read via `$expand` or
  `Entity(guid'..')/Lines`; an invoice line may be POSTed on its own to an open invoice),
  POST on financialtransaction/BankEntryLines and CashEntryLines
  (served for GET only: every line of every bank/cash entry, by key or filtered on any field,
  e.g. OurRef, Account, EntryID; no mandatory filter), bulk/ beyond CRM/Accounts, Logistics/Items,
  Financial/GLAccounts, SalesInvoice/SalesInvoices and Cashflow/Receivables (GET, the regular
  endpoint's filters, 1,000 a page, `$select` always), other sync/ endpoints,
  and the 200-calls-a-day quota of the token endpoint.
- Also served: `hrm/Divisions` (as system/Divisions), `system/AllDivisions` (every division of
  the license, approved or not), `read/financial/ReceivablesList` (receivables not fully paid;
  HID = the receivable's rowversion [I]), `financialtransaction/TransactionLines` (GET only,
  mandatory filter on a guessed field list [U]: the lines of every sales, bank and cash entry,
  built per request with Exact's own debtor and VAT lines; signs and numbering in transactions.py).
"""

from __future__ import annotations

import random
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from runner.sandbox.exact.auth import ErrorBudget, OAuthServer, RateLimiter, oauth_message
from runner.sandbox.exact.deletions import delete_account, merge_accounts
from runner.sandbox.exact.entities import BusinessError
from runner.sandbox.exact.payments import journal_balance
from runner.sandbox.exact.routes import RESOURCE, dispatch
from runner.sandbox.exact.seed import DIVISION_NAMES, MAIN_DIVISION, Administration, ExactConfig, seed_administration
from runner.sandbox.host import Request, Response, json_response
from runner.sandbox.odata.atom import atom
from runner.sandbox.odata.envelope import ODataError, error_body

BUDGETED = {400, 401, 403, 404, 405, 415}


class ManualClock:
    """A clock tests move by hand: `clock()` is epoch seconds, `advance(s)` moves it on."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class ErrorRecord:
    """One error answer, kept so tests can assert that a run caused none."""

    at: float
    status: int
    method: str
    endpoint: str
    message: str


def _table(path: str) -> property:
    return property(lambda self: self.admin.tables[path], doc=f"Rows of {path} in the main division, by id.")


class ExactSimulator:
    """The object a sandbox server serves; see the module docstring for options and attributes."""

    def __init__(self, clock: Callable[[], float] = time.time, *, seed: int = 0, **options: Any) -> None:
        self.clock = clock
        self.config = ExactConfig(**options)
        if self.config.fiscal_years is None:
            self.config.fiscal_years = (2020, self.now().year + 1)
        rng = random.Random(seed)
        self._rng = rng
        new_id = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))  # noqa: E731
        self.admins = {d: seed_administration(d, new_id, self.now, self.config.timestamp_start) for d in DIVISION_NAMES}
        self.user_id = new_id()
        self.oauth = OAuthServer(self.config, clock, self._token)
        self.limits = RateLimiter(self.config, clock)
        self.budget = ErrorBudget(self.config, clock)
        self.calls: Counter[tuple[str, str]] = Counter()
        self.errors: list[ErrorRecord] = []
        self.rate_limited = 0
        self.crashes: list[str] = []

    # ---- test-facing ---------------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), tz=UTC).replace(tzinfo=None)

    @property
    def admin(self) -> Administration:
        return self.admins[MAIN_DIVISION]

    accounts, items, entries = _table("crm/Accounts"), _table("logistics/Items"), _table("salesentry/SalesEntries")
    prices = _table("logistics/SalesItemPrices")
    invoices, receivables = _table("salesinvoice/SalesInvoices"), _table("cashflow/Receivables")
    bank_entries, cash_entries = _table("financialtransaction/BankEntries"), _table("financialtransaction/CashEntries")
    gl_accounts, vat_codes, journals = _table("financial/GLAccounts"), _table("vat/VATCodes"), _table("financial/Journals")

    def mint_tokens(self, divisions: tuple[int, ...] | None = None) -> dict[str, str]:
        """A token response as the token endpoint gives it, without the login round trip."""
        return self.oauth.as_dict(self.oauth.issue(divisions))

    def delete_account(self, account_id: str) -> None:
        """The bookkeeper deletes an account in Exact (one no document names): sync/Deleted lists it."""
        delete_account(self.admin, account_id, self.user_id)

    def merge_accounts(self, gone: str, into: str) -> None:
        """The bookkeeper merges account `gone` into `into` in Exact: see deletions.py."""
        merge_accounts(self.admin, gone, into, self.user_id)

    def journal_balance(self, code: str) -> Decimal:
        """What a bank journal of the main division holds: the sum of its entries' lines."""
        return journal_balance(self.admin, code)

    def close_period(self, year: int, month: int) -> None:
        self.config.closed_periods.add((year, month))

    def open_period(self, year: int, month: int) -> None:
        self.config.closed_periods.discard((year, month))

    def _token(self, prefix: str, length: int) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return prefix + "".join(self._rng.choice(alphabet) for _ in range(length))

    # ---- HTTP ----------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        try:
            return self._handle(request)
        except Exception as exc:  # a sandbox bug must be loud, not a dropped connection
            self.crashes.append(traceback.format_exc())
            return json_response(500, error_body(f"Sandbox crash: {exc!r}"))

    def _handle(self, request: Request) -> Response:
        if request.path in ("/api/oauth2/auth", "/api/oauth2/token"):
            return self._oauth(request)
        if not request.path.startswith("/api/v1/"):
            self.calls[(request.method, request.path)] += 1
            return self._reply(request, request.path, 404, error_body("Not found"), {}, None)
        division_part, _, resource = request.path[len("/api/v1/") :].partition("/")
        me = division_part == "current"
        match = None if me else RESOURCE.fullmatch(resource)
        endpoint = f"current/{resource}" if me else match["set"] if match else resource
        self.calls[(request.method, endpoint)] += 1
        grant = self.oauth.authenticate(request)
        if grant is None:
            return self._reply(request, endpoint, 401, error_body("Unauthorized"), {"WWW-Authenticate": "Bearer"}, (None, None, endpoint))
        if not me and not division_part.isdigit():
            return self._reply(
                request, endpoint, 404, error_body(f"Resource not found for the segment '{division_part}'."), {}, (grant.client_id, None, endpoint)
            )
        division = grant.divisions[0] if me else int(division_part)
        key = (grant.client_id, division, endpoint)
        if division not in grant.divisions:
            return self._reply(request, endpoint, 403, error_body("Forbidden - WrongDivision"), {}, key)
        if self.budget.blocked(key):
            blocked = f"Forbidden - Blocked: {self.config.error_budget} error responses on this endpoint within the hour."
            return self._reply(request, endpoint, 403, error_body(blocked), {}, None)
        allowed, headers = self.limits.take((grant.client_id, division))
        if not allowed:
            self.rate_limited += 1
            return self._reply(request, endpoint, 429, error_body("API rate limit exceeded."), headers, None)
        try:
            if (me and resource != "Me") or (not me and match is None):
                raise ODataError(404, f"Resource not found for the segment '{resource}'.")
            status, payload = dispatch(self, request, grant, division, match)
        except ODataError as exc:
            status, payload = exc.status, error_body(exc.message)
            headers.update(exc.headers)
        except BusinessError as exc:
            status, payload = self.config.validation_status, error_body(str(exc))
        return self._reply(request, endpoint, status, payload, headers, key)

    def _oauth(self, request: Request) -> Response:
        endpoint = request.path[len("/api/") :]
        self.calls[(request.method, endpoint)] += 1
        response = (self.oauth.authorize if endpoint == "oauth2/auth" else self.oauth.token_endpoint)(request)
        if response.status >= 400:
            self._log(request, endpoint, response.status, oauth_message(response), (self.config.client_id, None, endpoint))
        return response

    def _reply(self, request: Request, endpoint: str, status: int, payload: Any, headers: dict[str, str], budget_key: tuple | None) -> Response:
        """Render JSON (Atom without `Accept: application/json`); log errors, and charge the
        error budget under `budget_key` for the statuses that count."""
        if status >= 400 and status != 429:
            counts = status in BUDGETED or status == self.config.validation_status
            self._log(request, endpoint, status, payload["error"]["message"]["value"], budget_key if counts else None)
        if payload is None:
            return Response(status, b"", headers)
        if isinstance(payload, int):
            return Response(status, str(payload).encode(), {"Content-Type": "text/plain;charset=utf-8", **headers})
        if "application/json" in request.headers.get("accept", ""):
            return json_response(status, payload, headers)
        body, content_type = atom(payload)
        return Response(status, body, {"Content-Type": content_type, **headers})

    def _log(self, request: Request, endpoint: str, status: int, message: str, budget_key: tuple | None) -> None:
        self.errors.append(ErrorRecord(self.clock(), status, request.method, endpoint, message))
        if budget_key is not None:
            self.budget.record(budget_key)
