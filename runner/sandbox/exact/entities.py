"""The Exact Online entity sets the sandbox serves: properties with their OData types, CHAR
padding and read-only flags (reference 5), keys, allowed methods and mandatory-filter fields
(reference 4.6), and the sync twins of Accounts and Items (reference 5.8). A property not listed
here is refused on POST/PUT, as WCF refuses it."""

from __future__ import annotations

from runner.sandbox.odata.envelope import EntitySet, fields

MODELS = "Exact.Web.Api.Models."
GET, GET_POST, GET_POST_PUT = frozenset({"GET"}), frozenset({"GET", "POST"}), frozenset({"GET", "POST", "PUT"})
STAMPS = " Division:i! Created:t! Modified:t!"


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

VAT_CODES = EntitySet(
    "vat/VATCodes",
    MODELS + "VATCode",
    "ID",
    fields(
        "ID:g! Code:s3 Description:s Percentage:n! Type:s VATTransactionType:s Charged:b EUSalesListing:s "
        "IntraStat:b OssCountry:s IsBlocked:b GLToPay:g GLToClaim:g" + STAMPS
    ),
)

GL_ACCOUNTS = EntitySet(
    "financial/GLAccounts",
    MODELS + "GLAccount",
    "ID",
    fields(
        "ID:g! Code:s Description:s Type:i TypeDescription:s! BalanceSide:s BalanceType:s VATCode:s3 "
        "IsBlocked:b UseCostcenter:i UseCostunit:i Matching:b SearchCode:s" + STAMPS
    ),
    required_filter=("Code", "Created", "Description", "ID", "IsBlocked", "Modified", "SearchCode", "Type"),
)

JOURNALS = EntitySet(
    "financial/Journals",
    MODELS + "Journal",
    "ID",
    fields(
        "ID:g! Code:s Description:s Type:i TypeDescription:s! Currency:s AllowVariableCurrency:b AllowVAT:b "
        "GLAccount:g GLAccountCode:s! PaymentServiceProvider:i IsBlocked:b" + STAMPS
    ),
)

PAYMENT_CONDITIONS = EntitySet(
    "cashflow/PaymentConditions",
    MODELS + "PaymentCondition",
    "ID",
    fields("ID:g! Code:s Description:s PaymentDays:i PaymentEndOfMonths:i PaymentMethod:s DiscountPercentage:n DiscountPaymentDays:i" + STAMPS),
)

ACCOUNTS = EntitySet(
    "crm/Accounts",
    MODELS + "Account",
    "ID",
    fields(
        "ID:g! Code:s18r Name:s Status:s Type:s! IsSales:b! IsSupplier:b Blocked:b Email:s Phone:s Website:s "
        "AddressLine1:s AddressLine2:s AddressLine3:s Postcode:s City:s Country:s3 CountryName:s! State:s3 "
        "VATNumber:s ChamberOfCommerce:s Language:s10 SalesVATCode:s3 PaymentConditionSales:s GLAccountSales:g "
        "InvoicingMethod:i SearchCode:s SalesCurrency:s" + STAMPS
    ),
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
    fields(
        "ID:g! Code:s Description:s ExtraDescription:s IsSalesItem:b IsPurchaseItem:b IsStockItem:b "
        "IsWebshopItem:i SalesVatCode:s3 GLRevenue:g GLRevenueCode:s! GLCosts:g ItemGroup:g Unit:s "
        "CostPriceStandard:n StandardSalesPrice:n! Barcode:s SearchCode:s Notes:s StartDate:d EndDate:d Stock:n!" + STAMPS
    ),
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
    fields(
        "ID:g! EntryID:g LineNumber:i! AmountFC:n AmountDC:n! GLAccount:g GLAccountCode:s! GLAccountDescription:s! "
        "VATCode:s3 VATCodeDescription:s! VATAmountFC:n VATAmountDC:n! VATPercentage:n VATBaseAmountFC:n "
        "Quantity:n Description:s CostCenter:s CostUnit:s Project:g From:d To:d Notes:s Division:i!"
    ),
)

SALES_ENTRIES = EntitySet(
    "salesentry/SalesEntries",
    MODELS + "SalesEntry",
    "EntryID",
    fields(
        "EntryID:g! Journal:s JournalDescription:s! Customer:g CustomerName:s! EntryDate:d EntryNumber:i "
        "InvoiceNumber:i YourRef:s Description:s Currency:s PaymentCondition:s PaymentConditionDescription:s! "
        "DueDate:d OrderNumber:i PaymentReference:s ReportingPeriod:i ReportingYear:i VATAmountFC:n "
        "AmountFC:n! AmountDC:n! VATAmountDC:n! Status:i! StatusDescription:s! Type:i! TypeDescription:s!" + STAMPS
    ),
    children={"SalesEntryLines": SALES_ENTRY_LINES},
    methods=GET_POST,
)

SALES_INVOICE_LINES = EntitySet(
    "salesinvoice/SalesInvoiceLines",
    MODELS + "SalesInvoiceLine",
    "ID",
    fields(
        "ID:g! InvoiceID:g LineNumber:i! Item:g ItemCode:s! ItemDescription:s! Quantity:n UnitPrice:n NetPrice:n "
        "Discount:n AmountFC:n AmountDC:n! VATCode:s3 VATPercentage:n VATAmountFC:n VATAmountDC:n! Description:s "
        "Notes:s UnitCode:s GLAccount:g GLAccountCode:s! CostCenter:s CostUnit:s DeliveryDate:d Division:i!"
    ),
    methods=frozenset({"POST"}),  # a line on its own; read through its invoice
)

SALES_INVOICES = EntitySet(
    "salesinvoice/SalesInvoices",
    MODELS + "SalesInvoice",
    "InvoiceID",
    fields(
        "InvoiceID:g! OrderedBy:g OrderedByName:s! InvoiceTo:g InvoiceToName:s! DeliverTo:g Journal:s "
        "JournalDescription:s! YourRef:s OrderDate:d DueDate:d InvoiceDate:d! Description:s Remarks:s Currency:s "
        "PaymentCondition:s PaymentConditionDescription:s! PaymentReference:s OrderNumber:i Type:i Status:i! "
        "StatusDescription:s! InvoiceNumber:i! AmountFC:n! AmountFCExclVat:n! AmountDC:n! VATAmountFC:n! "
        "VATAmountDC:n! Discount:n AmountDiscount:n" + STAMPS
    ),
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
    methods=GET_POST,
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

_MONEY_LINE = (
    "ID:g! EntryID:g LineNumber:i! EntryNumber:i! AmountFC:n AmountDC:n! AmountVATFC:n GLAccount:g "
    "GLAccountCode:s! Account:g AccountCode:s! AccountName:s! OurRef:i Date:d Description:s VATCode:s3 "
    "VATPercentage:n Quantity:n Notes:s Document:g CostCenter:s CostUnit:s Project:g Division:i!"
)
_MONEY_ENTRY = (
    "EntryID:g! JournalCode:s JournalDescription:s! Currency:s EntryNumber:i FinancialPeriod:i "
    "FinancialYear:i OpeningBalanceFC:n ClosingBalanceFC:n BankStatementDocument:g Status:i! "
    "StatusDescription:s!" + STAMPS
)

# The line sets are served on their own too (GET only) and are stored as tables of their own.
BANK_ENTRY_LINES = EntitySet("financialtransaction/BankEntryLines", MODELS + "BankEntryLine", "ID", fields(_MONEY_LINE))
BANK_ENTRIES = EntitySet(
    "financialtransaction/BankEntries",
    MODELS + "BankEntry",
    "EntryID",
    fields(_MONEY_ENTRY),
    children={"BankEntryLines": BANK_ENTRY_LINES},
    methods=GET_POST,
)
CASH_ENTRY_LINES = EntitySet("financialtransaction/CashEntryLines", MODELS + "CashEntryLine", "ID", fields(_MONEY_LINE))
CASH_ENTRIES = EntitySet(
    "financialtransaction/CashEntries",
    MODELS + "CashEntry",
    "EntryID",
    fields(_MONEY_ENTRY.replace("BankStatementDocument:g ", "")),
    children={"CashEntryLines": CASH_ENTRY_LINES},
    methods=GET_POST,
)

RECEIVABLES = EntitySet(
    "cashflow/Receivables",
    MODELS + "Receivable",
    "ID",
    fields(
        "ID:g! Account:g! AccountCode:s18r! AccountName:s! AmountDC:n! AmountFC:n! Currency:s! Description:s! "
        "DueDate:d! EntryDate:d! EntryNumber:i! InvoiceDate:d! InvoiceNumber:i! IsFullyPaid:b! Journal:s! "
        "JournalDescription:s! Status:i! TransactionEntryID:g! TransactionID:g! TransactionType:i! YourRef:s!" + STAMPS
    ),
)

SALES_ITEM_PRICES = EntitySet(
    "logistics/SalesItemPrices",
    MODELS + "SalesItemPrice",
    "ID",
    fields(
        "ID:g! Item:g ItemCode:s! ItemDescription:s! Account:g AccountName:s! Price:n Currency:s Unit:s "
        "UnitDescription:s! NumberOfItemsPerUnit:n Quantity:n StartDate:d EndDate:d DefaultItemUnit:s! "
        "DefaultItemUnitDescription:s! Employee:g Project:g ProjectDescription:s!" + STAMPS
    ),
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
# What was deleted, as DOC:SyncDeleted lists it; empty here, since the sandbox deletes nothing.
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
