"""The Exact Online entity sets the sandbox serves: properties with their OData types, CHAR
padding and read-only flags (reference 5), keys, allowed methods and mandatory-filter fields
(reference 4.6), and the sync twins of Accounts and Items (reference 5.8). A property not listed
here is refused on POST/PUT, as WCF refuses it."""

from __future__ import annotations

from runner.sandbox.exact import properties as P
from runner.sandbox.odata.envelope import EntitySet, fields

MODELS = "Exact.Web.Api.Models."
GET, GET_POST, GET_POST_PUT = frozenset({"GET"}), frozenset({"GET", "POST"}), frozenset({"GET", "POST", "PUT"})


class BusinessError(Exception):
    """Exact's business validation: Dutch texts, answered as 500 (configurable) and joined by CRLF."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = list(dict.fromkeys(messages))  # one line per distinct problem
        super().__init__("\r\n".join(self.messages))


ME = EntitySet(
    "current/Me",
    "Exact.Web.Api.System.Me",
    "UserID",
    fields(
        "UserID:g! CurrentDivision:i! AccountingDivision:i! DivisionCustomer:g! DivisionCustomerCode:s! "
        "DivisionCustomerName:s! Email:s! FullName:s! FirstName:s! LastName:s! UserName:s! Language:s! "
        "LanguageCode:s! Legislation:i! PackageCode:s! ServerTime:s! ServerUtcOffset:n! IsStarterUser:b! IsClientUser:b!"
    ),
)

DIVISIONS = EntitySet(
    "system/Divisions",
    "Exact.Web.Api.System.Division",
    "Code",
    fields(
        "Code:i! Description:s! Current:b! Country:s3! Currency:s! VATNumber:s! ChamberOfCommerceNumber:s! "
        "Status:i! BlockingStatus:i! Hid:i! IsMainDivision:b! Legislation:i! StartDate:d! ArchiveDate:d! DivisionMoveDate:t!"
    ),
)

# system/AllDivisions: every division of the license; hrm/Divisions: the older twin of system/Divisions (reference 1.4).
ALL_DIVISIONS = EntitySet("system/AllDivisions", "Exact.Web.Api.System.AllDivision", "Code", DIVISIONS.fields)
HRM_DIVISIONS = EntitySet("hrm/Divisions", "Exact.Web.Api.Models.HRM.Division", "Code", DIVISIONS.fields)

# read/financial/ReceivablesList: the open items only (DOC:ReadFinancialReceivablesList); HID's type [I].
RECEIVABLES_LIST = EntitySet(
    "read/financial/ReceivablesList",
    "Exact.Web.Api.Models.Financial.ReceivablesList",
    "HID",
    fields(
        "HID:l! AccountCode:s18r! AccountId:g! AccountName:s! Amount:n! AmountInTransit:n! CurrencyCode:s! Description:s! DueDate:d! "
        "EntryNumber:i! InvoiceDate:d! InvoiceNumber:i! JournalCode:s! JournalDescription:s! YourRef:s!"
    ),
)

VAT_PERCENTAGES = EntitySet("vat/VatPercentages", MODELS + "VatPercentage", "ID", fields(P.VAT_PERCENTAGES_FIELDS))
VAT_CODES = EntitySet("vat/VATCodes", MODELS + "VATCode", "ID", fields(P.VAT_CODES_FIELDS), children={"VATPercentages": VAT_PERCENTAGES})

DEDUCTIBILITY = EntitySet("financial/DeductibilityPercentages", MODELS + "DeductibilityPercentage", "ID", fields(P.DEDUCTIBILITY_FIELDS))
GL_ACCOUNTS = EntitySet(
    "financial/GLAccounts",
    MODELS + "GLAccount",
    "ID",
    fields(P.GL_ACCOUNTS_FIELDS),
    children={"DeductibilityPercentages": DEDUCTIBILITY},
    required_filter=("Code", "Created", "Description", "ID", "IsBlocked", "Modified", "SearchCode", "Type"),
)

JOURNALS = EntitySet(
    "financial/Journals",
    MODELS + "Journal",
    "ID",
    fields(P.JOURNALS_FIELDS),
)

PAYMENT_CONDITIONS = EntitySet(
    "cashflow/PaymentConditions",
    MODELS + "PaymentCondition",
    "ID",
    fields(P.PAYMENT_CONDITIONS_FIELDS),
)

ACCOUNTS = EntitySet(
    "crm/Accounts",
    MODELS + "Account",
    "ID",
    fields(P.ACCOUNTS_FIELDS),
    required_filter=(
        "Blocked",
        "Code",
        "Country",
        "Created",
        "Email",
        "ID",
        "IsSales",
        "IsSupplier",
        "Modified",
        "Name",
        "Postcode",
        "SearchCode",
        "Status",
        "Type",
        "VATNumber",
    ),
    methods=GET_POST_PUT,
)

ITEMS = EntitySet(
    "logistics/Items",
    MODELS + "Item",
    "ID",
    fields(P.ITEMS_FIELDS),
    required_filter=(
        "Barcode",
        "Code",
        "Created",
        "Description",
        "ID",
        "IsPurchaseItem",
        "IsSalesItem",
        "IsStockItem",
        "IsWebshopItem",
        "Modified",
        "SearchCode",
    ),
    methods=GET_POST_PUT,
)

SALES_ENTRY_LINES = EntitySet(
    "salesentry/SalesEntryLines",
    MODELS + "SalesEntryLine",
    "ID",
    fields(P.SALES_ENTRY_LINES_FIELDS),
)

SALES_ENTRIES = EntitySet(
    "salesentry/SalesEntries",
    MODELS + "SalesEntry",
    "EntryID",
    fields(P.SALES_ENTRIES_FIELDS),
    children={"SalesEntryLines": SALES_ENTRY_LINES},
    methods=GET_POST,
)

SALES_INVOICE_LINES = EntitySet(
    "salesinvoice/SalesInvoiceLines",
    MODELS + "SalesInvoiceLine",
    "ID",
    fields(P.SALES_INVOICE_LINES_FIELDS),
    methods=frozenset({"POST"}),  # a line on its own; read through its invoice
)

SALES_INVOICES = EntitySet(
    "salesinvoice/SalesInvoices",
    MODELS + "SalesInvoice",
    "InvoiceID",
    fields(P.SALES_INVOICES_FIELDS),
    children={"SalesInvoiceLines": SALES_INVOICE_LINES},
    required_filter=(
        "Created",
        "InvoiceDate",
        "InvoiceID",
        "InvoiceNumber",
        "InvoiceTo",
        "Journal",
        "Modified",
        "OrderDate",
        "OrderNumber",
        "OrderedBy",
        "Status",
        "Type",
        "YourRef",
    ),
    methods=frozenset({"GET", "POST", "DELETE"}),  # DELETE: an open invoice only (sales_invoices.delete_sales_invoice)
)

PRINTED_SALES_INVOICES = EntitySet(
    "salesinvoice/PrintedSalesInvoices",
    MODELS + "PrintedSalesInvoice",
    "InvoiceID",
    fields(
        "InvoiceID:g SendEmailToCustomer:b SenderEmailAddress:s DocumentLayout:g EmailLayout:g ExtraText:s "
        "InvoiceDate:d ReportingPeriod:i ReportingYear:i SendInvoiceToCustomerPostbox:b PostboxSender:s "
        "SendInvoiceViaPeppol:b SendOutputBasedOnAccount:b Document:g! DocumentCreationSuccess:s! "
        "DocumentCreationError:s! EmailCreationSuccess:s! EmailCreationError:s! PeppolCreationSuccess:s! "
        "PeppolCreationError:s! PostboxMessageCreationSuccess:s! PostboxMessageCreationError:s! Division:i!"
    ),
    methods=frozenset({"POST"}),
)

# The line sets are served on their own too (GET only) and are stored as tables of their own.
BANK_ENTRY_LINES = EntitySet("financialtransaction/BankEntryLines", MODELS + "BankEntryLine", "ID", fields(P.BANK_ENTRY_LINES_FIELDS))
BANK_ENTRIES = EntitySet(
    "financialtransaction/BankEntries",
    MODELS + "BankEntry",
    "EntryID",
    fields(P.BANK_ENTRIES_FIELDS),
    children={"BankEntryLines": BANK_ENTRY_LINES},
    methods=GET_POST,
)
CASH_ENTRY_LINES = EntitySet("financialtransaction/CashEntryLines", MODELS + "CashEntryLine", "ID", fields(P.CASH_ENTRY_LINES_FIELDS))
CASH_ENTRIES = EntitySet(
    "financialtransaction/CashEntries",
    MODELS + "CashEntry",
    "EntryID",
    fields(P.CASH_ENTRIES_FIELDS),
    children={"CashEntryLines": CASH_ENTRY_LINES},
    methods=GET_POST,
)

# The books' lines behind every sales, bank and cash entry, built from those entries per request
# (transactions.py). Mandatory filter per reference 4.6 [C3]; which fields count is a guess [U].
TRANSACTION_LINES = EntitySet(
    "financialtransaction/TransactionLines",
    MODELS + "TransactionLine",
    "ID",
    fields(P.TRANSACTION_LINES_FIELDS),
    required_filter=(
        "Account",
        "Created",
        "Date",
        "EntryID",
        "EntryNumber",
        "FinancialPeriod",
        "FinancialYear",
        "GLAccount",
        "ID",
        "JournalCode",
        "Modified",
    ),
)

RECEIVABLES = EntitySet(
    "cashflow/Receivables",
    MODELS + "Receivable",
    "ID",
    fields(P.RECEIVABLES_FIELDS),
)

SALES_ITEM_PRICES = EntitySet(
    "logistics/SalesItemPrices",
    MODELS + "SalesItemPrice",
    "ID",
    fields(P.SALES_ITEM_PRICES_FIELDS),
    required_filter=("Account", "Created", "ID", "Item", "ItemCode", "Modified"),  # [U] a guess, as for Items
    methods=GET_POST_PUT,
)

# Sync twins (reference 5.8): GET only, keyed by the Int64 rowversion `Timestamp` (as the
# reference page lists it), rows of the same tables as crm/Accounts and logistics/Items.
SYNC = "Exact.Web.Api.Models.Sync."
SYNC_ACCOUNTS = EntitySet("sync/CRM/Accounts", SYNC + "CRM.Account", "Timestamp", fields("Timestamp:l!") | ACCOUNTS.fields)
SYNC_ITEMS = EntitySet("sync/Logistics/Items", SYNC + "Logistics.Item", "Timestamp", fields("Timestamp:l!") | ITEMS.fields)
SYNC_GL_ACCOUNTS = EntitySet("sync/Financial/GLAccounts", SYNC + "Financial.GLAccount", "Timestamp", fields("Timestamp:l!") | GL_ACCOUNTS.fields)
SYNC_PRICES = EntitySet(
    "sync/Logistics/SalesItemPrices", SYNC + "Logistics.SalesItemPrice", "Timestamp", fields("Timestamp:l!") | SALES_ITEM_PRICES.fields
)
# What was deleted, as DOC:SyncDeleted lists it: accounts a test deleted or merged (deletions.py).
SYNC_DELETED = EntitySet(
    "sync/Deleted", SYNC + "Deleted", "Timestamp", fields("Timestamp:l! DeletedBy:g! DeletedDate:t! Division:i! EntityKey:g! EntityType:i! ID:g!")
)

# The stored tables of an administration (Me and Divisions are built per request, sync twins
# read the tables of their plain endpoints).
TABLES = (
    VAT_CODES,
    GL_ACCOUNTS,
    JOURNALS,
    PAYMENT_CONDITIONS,
    ACCOUNTS,
    ITEMS,
    SALES_ITEM_PRICES,
    SALES_ENTRIES,
    SALES_INVOICES,
    BANK_ENTRIES,
    BANK_ENTRY_LINES,
    CASH_ENTRIES,
    CASH_ENTRY_LINES,
    RECEIVABLES,
    SYNC_DELETED,
)


# Bulk twins (reference 1.2, 5.8): the same rows and filters as the regular endpoint, read only,
# 1,000 a page, `$select` always mandatory; collections only. [C] DOC:Bulk*
BULK = "Exact.Web.Api.Models.Bulk."


def bulk_twin(es: EntitySet, path: str) -> EntitySet:
    return EntitySet(path, BULK + es.type_name.rsplit(".", 1)[-1], es.key, es.fields, required_filter=es.required_filter)


BULK_ACCOUNTS = bulk_twin(ACCOUNTS, "bulk/CRM/Accounts")
BULK_ITEMS = bulk_twin(ITEMS, "bulk/Logistics/Items")
BULK_GL_ACCOUNTS = bulk_twin(GL_ACCOUNTS, "bulk/Financial/GLAccounts")
BULK_SALES_INVOICES = bulk_twin(SALES_INVOICES, "bulk/SalesInvoice/SalesInvoices")
BULK_RECEIVABLES = bulk_twin(RECEIVABLES, "bulk/Cashflow/Receivables")
