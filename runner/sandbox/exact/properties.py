"""The properties of Exact Online's entity sets as its published metadata lists them (the REST
reference pages, as picqer/exact-php-client regenerated its entity classes from them on
2025-12-10, with the Edm types of the Pi-Systems copy), in the `fields` notation of
odata/envelope.py: name:kind[width][r], `!` read-only. CHAR widths and read-only flags the
reference gives (section 5) are the sandbox's own. A property listed here exists; any other
is refused, as WCF refuses it. Navigation collections are the entity sets' `children`."""

ACCOUNTS_FIELDS = (  # 143 properties; navigation: BankAccounts
    "ID:g! Accountant:g AccountManager:g AccountManagerFullName:s! AccountManagerHID:i! ActivitySector:g ActivitySubSector:g "
    "AddressLine1:s AddressLine2:s AddressLine3:s AutomaticProcessProposedEntry:i Blocked:b BSN:s BusinessType:g "
    "CanDropShip:b ChamberOfCommerce:s City:s Classification1:g Classification2:g Classification3:g Classification4:g "
    "Classification5:g Classification6:g Classification7:g Classification8:g Code:s18r CodeAtSupplier:s CompanySize:g "
    "ConsolidationScenario:i ControlledDate:d Country:s3 CountryName:s! Created:t! Creator:g! CreatorFullName:s! "
    "CreditLinePurchase:n CreditLineSales:n CustomField:s! DatevCreditorCode:s DatevDebtorCode:s DeliveryAdvice:i "
    "DiscountPurchase:n DiscountSales:n Division:i! Email:s EnableSalesPaymentLink:b EndDate:d EORINumber:s EstablishedDate:d "
    "Fax:s GLAccountPurchase:g GLAccountSales:g GLAP:g GLAR:g GlnNumber:s HasWithholdingTaxSales:b "
    "IgnoreDatevWarningMessage:b IncotermAddressPurchase:s IncotermAddressSales:s IncotermCodePurchase:s IncotermCodeSales:s "
    "IncotermVersionPurchase:i IncotermVersionSales:i IntraStatArea:s IntraStatDeliveryTerm:s IntraStatSystem:s "
    "IntraStatTransactionA:s IntraStatTransactionB:s IntraStatTransportMethod:s InvoiceAccount:g InvoiceAccountCode:s! "
    "InvoiceAccountName:s! InvoiceAttachmentType:i InvoicingMethod:i IsAccountant:i IsAgency:i IsAnonymised:i! IsCompetitor:i "
    "IsExtraDuty:b IsMailing:i IsPilot:b IsReseller:b IsSales:b! IsSupplier:b Language:s10 LanguageDescription:s! Latitude:n "
    "LeadPurpose:g LeadSource:g Logo:s LogoFileName:s LogoThumbnailUrl:s! LogoUrl:s! Longitude:n MainContact:g Modified:t! "
    "Modifier:g! ModifierFullName:s! Name:s OINNumber:s Parent:g PayAsYouEarn:s PaymentConditionPurchase:s "
    "PaymentConditionPurchaseDescription:s! PaymentConditionSales:s PaymentConditionSalesDescription:s! PeppolIdentifier:s "
    "PeppolIdentifierType:i Phone:s PhoneExtension:s Postcode:s PriceList:g PurchaseCurrency:s PurchaseCurrencyDescription:s! "
    "PurchaseLeadDays:i PurchaseVATCode:s PurchaseVATCodeDescription:s! RecepientOfCommissions:b Remarks:s Reseller:g "
    "ResellerCode:s! ResellerName:s! RSIN:s SalesCurrency:s SalesCurrencyDescription:s! SalesVATCode:s3 "
    "SalesVATCodeDescription:s! SearchCode:s SecurityLevel:i SeparateInvPerSubscription:i ShippingLeadDays:i ShippingMethod:g "
    "ShowRemarkForSales:b StartDate:d State:s3 StateName:s! Status:s TradeName:s Type:s! UniqueTaxpayerReference:s "
    "VATLiability:s VATNumber:s Website:s"
)

SALES_ENTRIES_FIELDS = (  # 49 properties; navigation: SalesEntryLines
    "EntryID:g! AmountDC:n! AmountFC:n! BatchNumber:i Created:t! Creator:g! CreatorFullName:s! Currency:s Customer:g "
    "CustomerName:s! CustomField:s! Description:s Division:i! Document:g DocumentNumber:i! DocumentSubject:s! DueDate:d "
    "EntryDate:d EntryNumber:i ExternalLinkDescription:s! ExternalLinkReference:s GAccountAmountFC:n InvoiceNumber:i "
    "IsExtraDuty:b Journal:s JournalDescription:s! Modified:t! Modifier:g! ModifierFullName:s! OrderNumber:i "
    "PaymentCondition:s PaymentConditionDescription:s! PaymentConditionPaymentMethod:s! PaymentReference:s ProcessNumber:i "
    "Rate:n ReportingPeriod:i ReportingYear:i Reversal:b Status:i! StatusDescription:s! Type:i! TypeDescription:s! "
    "VATAmountDC:n! VATAmountFC:n WithholdingTaxAmountDC:n WithholdingTaxBaseAmount:n WithholdingTaxPercentage:n YourRef:s"
)

SALES_ENTRY_LINES_FIELDS = (  # 48 properties; navigation: none
    "ID:g! AmountDC:n! AmountFC:n Asset:g AssetDescription:s! CostCenter:s CostCenterDescription:s! CostUnit:s "
    "CostUnitDescription:s! CustomField:s! Description:s Division:i! EntryID:g ExtraDutyAmountFC:n ExtraDutyPercentage:n "
    "From:d GLAccount:g GLAccountCode:s! GLAccountDescription:s! IntraStatArea:s IntraStatCountry:s IntraStatDeliveryTerm:s "
    "IntraStatTransactionA:s IntraStatTransactionB:s IntraStatTransportMethod:s LineNumber:i! Notes:s Project:g "
    "ProjectDescription:s! Quantity:n SerialNumber:s StatisticalNetWeight:n StatisticalNumber:s StatisticalQuantity:n "
    "StatisticalValue:n Subscription:g SubscriptionDescription:s! To:d TrackingNumber:g TrackingNumberDescription:s! Type:i! "
    "VATAmountDC:n! VATAmountFC:n VATBaseAmountDC:n VATBaseAmountFC:n VATCode:s3 VATCodeDescription:s! VATPercentage:n"
)

GL_ACCOUNTS_FIELDS = (  # 42 properties; navigation: DeductibilityPercentages
    "ID:g! AllowCostsInSales:i AssimilatedVATBox:i BalanceSide:s BalanceType:s BelcotaxType:i Code:s Compress:b Costcenter:s "
    "CostcenterDescription:s! Costunit:s CostunitDescription:s! Created:t! Creator:g! CreatorFullName:s! CustomField:s! "
    "Description:s Division:i! ExcludeVATListing:i ExpenseNonDeductiblePercentage:n IsBlocked:b Matching:b Modified:t! "
    "Modifier:g! ModifierFullName:s! PrivateGLAccount:g PrivatePercentage:n ReportingCode:s RevalueCurrency:b SearchCode:s "
    "Type:i TypeDescription:s! UseCostcenter:i UseCostunit:i VATCode:s3 VATDescription:s! VATGLAccountType:s "
    "VATNonDeductibleGLAccount:g VATNonDeductiblePercentage:n VATSystem:s YearEndCostGLAccount:g YearEndReflectionGLAccount:g"
)

SALES_INVOICES_FIELDS = (  # 74 properties; navigation: SalesInvoiceLines, SalesInvoiceOrderChargeLines
    "InvoiceID:g! AmountDC:n! AmountDiscount:n AmountDiscountExclVat:n AmountFC:n! AmountFCExclVat:n! Created:t! Creator:g! "
    "CreatorFullName:s! Currency:s DeliverTo:g DeliverToAddress:g DeliverToContactPerson:g DeliverToContactPersonFullName:s! "
    "DeliverToName:s! Description:s Discount:n DiscountType:i! Division:i! Document:g DocumentNumber:i! DocumentSubject:s! "
    "DueDate:d ExtraDutyAmountFC:n GAccountAmountFC:n IncotermAddress:s IncotermCode:s IncotermVersion:i InvoiceDate:d! "
    "InvoiceNumber:i! InvoiceTo:g InvoiceToContactPerson:g InvoiceToContactPersonFullName:s! InvoiceToName:s! IsExtraDuty:b "
    "Journal:s JournalDescription:s! Modified:t! Modifier:g! ModifierFullName:s! OrderDate:d OrderedBy:g "
    "OrderedByContactPerson:g OrderedByContactPersonFullName:s! OrderedByName:s! OrderNumber:i PaymentCondition:s "
    "PaymentConditionDescription:s! PaymentReference:s Remarks:s SalesChannel:g SalesChannelCode:s! "
    "SalesChannelDescription:s! Salesperson:g SalespersonFullName:s! SelectionCode:g SelectionCodeCode:s! "
    "SelectionCodeDescription:s! ShippingMethod:g ShippingMethodCode:s! ShippingMethodDescription:s! "
    "StarterSalesInvoiceStatus:i! StarterSalesInvoiceStatusDescription:s! Status:i! StatusDescription:s! Type:i "
    "TypeDescription:s! VATAmountDC:n! VATAmountFC:n! Warehouse:g WithholdingTaxAmountFC:n WithholdingTaxBaseAmount:n "
    "WithholdingTaxPercentage:n YourRef:s"
)

SALES_INVOICE_LINES_FIELDS = (  # 49 properties; navigation: none
    "ID:g! AmountDC:n! AmountFC:n CostCenter:s CostCenterDescription:s! CostUnit:s CostUnitDescription:s! CustomerItemCode:s! "
    "CustomField:s! DeliveryDate:d Description:s Discount:n Division:i! Employee:g EmployeeFullName:s! EndTime:t "
    "ExtraDutyAmountFC:n ExtraDutyPercentage:n GLAccount:g GLAccountDescription:s! InvoiceID:g Item:g ItemCode:s! "
    "ItemDescription:s! LineNumber:i! NetPrice:n Notes:s Pricelist:g PricelistDescription:s! Project:g ProjectDescription:s! "
    "ProjectWBS:g ProjectWBSDescription:s! Quantity:n SalesOrder:g! SalesOrderLine:g! SalesOrderLineNumber:i! "
    "SalesOrderNumber:i! StartTime:t Subscription:g! SubscriptionDescription:s! UnitCode:s UnitDescription:s! UnitPrice:n "
    "VATAmountDC:n! VATAmountFC:n VATCode:s3 VATCodeDescription:s! VATPercentage:n"
)

ITEMS_FIELDS = (  # 105 properties; navigation: none
    "ID:g! AverageCost:n Barcode:s Class_01:s Class_02:s Class_03:s Class_04:s Class_05:s Class_06:s Class_07:s Class_08:s "
    "Class_09:s Class_10:s Code:s CopyRemarks:i CostPriceCurrency:s CostPriceNew:n CostPriceStandard:n Created:t! Creator:g! "
    "CreatorFullName:s! CustomField:s! Description:s Division:i! EndDate:d ExtraDescription:s FreeBoolField_01:b "
    "FreeBoolField_02:b FreeBoolField_03:b FreeBoolField_04:b FreeBoolField_05:b FreeDateField_01:t FreeDateField_02:t "
    "FreeDateField_03:t FreeDateField_04:t FreeDateField_05:t FreeNumberField_01:n FreeNumberField_02:n FreeNumberField_03:n "
    "FreeNumberField_04:n FreeNumberField_05:n FreeNumberField_06:n FreeNumberField_07:n FreeNumberField_08:n "
    "FreeTextField_01:s FreeTextField_02:s FreeTextField_03:s FreeTextField_04:s FreeTextField_05:s FreeTextField_06:s "
    "FreeTextField_07:s FreeTextField_08:s FreeTextField_09:s FreeTextField_10:s GLCosts:g GLCostsCode:s! "
    "GLCostsDescription:s! GLRevenue:g GLRevenueCode:s! GLRevenueDescription:s! GLStock:g GLStockCode:s! "
    "GLStockDescription:s! GrossWeight:n IsBatchItem:i IsFractionAllowedItem:b IsMakeItem:i IsNewContract:i IsOnDemandItem:i "
    "IsPackageItem:b IsPurchaseItem:b IsSalesItem:b IsSerialItem:b IsStockItem:b IsSubcontractedItem:b IsTaxableItem:i "
    "IsTime:i IsWebshopItem:i ItemGroup:g ItemGroupCode:s! ItemGroupDescription:s! Modified:t! Modifier:g! "
    "ModifierFullName:s! NetWeight:n NetWeightUnit:s Notes:s Picture:s PictureName:s PictureThumbnailUrl:s! PictureUrl:s! "
    "SalesVatCode:s3 SalesVatCodeDescription:s! SearchCode:s SecurityLevel:i StandardSalesPrice:n! StartDate:d "
    "StatisticalCode:s! StatisticalNetWeight:n! StatisticalUnits:n! StatisticalValue:n! Stock:n! Unit:s UnitDescription:s! "
    "UnitType:s!"
)

BANK_ENTRIES_FIELDS = (  # 18 properties; navigation: BankEntryLines
    "EntryID:g! BankStatementDocument:g BankStatementDocumentNumber:i! BankStatementDocumentSubject:s! ClosingBalanceFC:n "
    "Created:t! Currency:s CustomField:s! Division:i! EntryNumber:i FinancialPeriod:i FinancialYear:i JournalCode:s "
    "JournalDescription:s! Modified:t! OpeningBalanceFC:n Status:i! StatusDescription:s!"
)

BANK_ENTRY_LINES_FIELDS = (  # 45 properties; navigation: none
    "ID:g! Account:g AccountCode:s! AccountName:s! AmountDC:n! AmountFC:n AmountVATFC:n Asset:g AssetCode:s! "
    "AssetDescription:s! CostCenter:s CostCenterDescription:s! CostUnit:s CostUnitDescription:s! Created:t! Creator:g! "
    "CreatorFullName:s! CustomField:s! Date:d Description:s Division:i! Document:g DocumentNumber:i! DocumentSubject:s! "
    "EntryID:g EntryNumber:i! ExchangeRate:n GLAccount:g GLAccountCode:s! GLAccountDescription:s! LineNumber:i! Modified:t! "
    "Modifier:g! ModifierFullName:s! Notes:s OffsetID:g! OurRef:i Project:g ProjectCode:s! ProjectDescription:s! Quantity:n "
    "VATCode:s3 VATCodeDescription:s! VATPercentage:n VATType:s"
)

CASH_ENTRIES_FIELDS = (  # 15 properties; navigation: CashEntryLines
    "EntryID:g! ClosingBalanceFC:n Created:t! Currency:s CustomField:s! Division:i! EntryNumber:i FinancialPeriod:i "
    "FinancialYear:i JournalCode:s JournalDescription:s! Modified:t! OpeningBalanceFC:n Status:i! StatusDescription:s!"
)

CASH_ENTRY_LINES_FIELDS = BANK_ENTRY_LINES_FIELDS  # the same 45 properties in Exact's metadata

JOURNALS_FIELDS = (  # 35 properties; navigation: none
    "ID:g! AllowVariableCurrency:b AllowVariableExchangeRate:b AllowVAT:b AutoSave:b Bank:g BankAccountBICCode:s! "
    "BankAccountCountry:s! BankAccountDescription:s! BankAccountIBAN:s! BankAccountID:g BankAccountIncludingMask:s "
    "BankName:s! Code:s Created:t! Creator:g! CreatorFullName:s! Currency:s CurrencyDescription:s! CustomField:s! "
    "Description:s Division:i! GLAccount:g GLAccountCode:s! GLAccountDescription:s! GLAccountType:i! IsBlocked:b Modified:t! "
    "Modifier:g! ModifierFullName:s! PaymentInTransitAccount:g PaymentServiceAccountIdentifier:s PaymentServiceProvider:i "
    "PaymentServiceProviderName:s! Type:i"
)

VAT_CODES_FIELDS = (  # 42 properties; navigation: VATPercentages
    "ID:g! Account:g AccountCode:s! AccountName:s! CalculationBasis:i Charged:b Code:s3 Created:t! Creator:g! "
    "CreatorFullName:s! CustomField:s! Description:s Division:i! EUSalesListing:s ExcludeVATListing:i GLDiscountPurchase:g "
    "GLDiscountPurchaseCode:s! GLDiscountPurchaseDescription:s! GLDiscountSales:g GLDiscountSalesCode:s! "
    "GLDiscountSalesDescription:s! GLToClaim:g GLToClaimCode:s! GLToClaimDescription:s! GLToPay:g GLToPayCode:s! "
    "GLToPayDescription:s! IntraStat:b IntrastatType:s IsBlocked:b LegalText:s Modified:t! Modifier:g! ModifierFullName:s! "
    "OssCountry:s Percentage:n! TaxReturnType:i Type:s VatDocType:s VatMargin:i VATPartialRatio:i VATTransactionType:s"
)

PAYMENT_CONDITIONS_FIELDS = (  # 22 properties; navigation: none
    "ID:g! Code:s Created:t! Creator:g! CreatorFullName:s! CreditManagementScenario:g CreditManagementScenarioCode:s! "
    "CreditManagementScenarioDescription:s! Description:s DiscountCalculation:s DiscountPaymentDays:i DiscountPercentage:n "
    "Division:i! Modified:t! Modifier:g! ModifierFullName:s! PaymentDays:i PaymentDiscountType:s PaymentEndOfMonths:i "
    "PaymentMethod:s Percentage:n VATCalculation:s"
)

RECEIVABLES_FIELDS = (  # 79 properties; navigation: none
    "ID:g! Account:g! AccountBankAccountID:g! AccountBankAccountNumber:s! AccountCode:s18r! AccountContact:g! "
    "AccountContactName:s! AccountCountry:s! AccountName:s! AmountDC:n! AmountDiscountDC:n! AmountDiscountFC:n! AmountFC:n! "
    "BankAccountID:g! BankAccountNumber:s! CashflowTransactionBatchCode:s! Created:t! Creator:g! CreatorFullName:s! "
    "Currency:s! Description:s! DirectDebitMandate:g! DirectDebitMandateDescription:s! DirectDebitMandatePaymentType:i! "
    "DirectDebitMandateReference:s! DirectDebitMandateType:i! DiscountDueDate:d! Division:i! Document:g! DocumentNumber:i! "
    "DocumentSubject:s! DueDate:d! EndDate:d! EndPeriod:i! EndToEndID:s! EndYear:i! EntryDate:d! EntryID:g! EntryNumber:i! "
    "GLAccount:g! GLAccountCode:s! GLAccountDescription:s! InvoiceDate:d! InvoiceNumber:i! IsBatchBooking:i! IsFullyPaid:b! "
    "Journal:s! JournalDescription:s! LastPaymentDate:d! Modified:t! Modifier:g! ModifierFullName:s! OrderNumber:i! "
    "PaymentCondition:s! PaymentConditionDescription:s! PaymentDays:i! PaymentDaysDiscount:i! PaymentDiscountPercentage:n! "
    "PaymentInformationID:s! PaymentMethod:s PaymentReference:s RateFC:n! ReceivableBatchNumber:i! ReceivableSelected:t! "
    "ReceivableSelector:g! ReceivableSelectorFullName:s! Source:i! Status:i! TransactionAmountDC:n! TransactionAmountFC:n! "
    "TransactionDueDate:d! TransactionEntryID:g! TransactionID:g! TransactionIsReversal:b! TransactionReportingPeriod:i! "
    "TransactionReportingYear:i! TransactionStatus:i! TransactionType:i! YourRef:s!"
)

SALES_ITEM_PRICES_FIELDS = (  # 27 properties; navigation: none
    "ID:g! Account:g AccountName:s! Barcode:s! Created:t! Creator:g! CreatorFullName:s! Currency:s DefaultItemUnit:s! "
    "DefaultItemUnitDescription:s! Division:i! Employee:g EndDate:d Item:g ItemCode:s! ItemDescription:s! Modified:t! "
    "Modifier:g! ModifierFullName:s! NumberOfItemsPerUnit:n Price:n Project:g ProjectDescription:s! Quantity:n StartDate:d "
    "Unit:s UnitDescription:s!"
)

VAT_PERCENTAGES_FIELDS = (  # 14 properties; navigation: none
    "ID:g! Created:t! Creator:g! CreatorFullName:s! Division:i! EndDate:d! LineNumber:i! Modified:t! Modifier:g! "
    "ModifierFullName:s! Percentage:n! StartDate:d! Type:i! VATCodeID:g!"
)

DEDUCTIBILITY_FIELDS = (  # 15 properties; navigation: none
    "ID:g! Created:t! Creator:g! CreatorFullName:s! Division:i! EndDate:d! ExpenseNonDeductiblePercentage:n! GLAccount:g! "
    "LineNumber:i! Modified:t! Modifier:g! ModifierFullName:s! PrivateUsePercentage:n! StartDate:d! "
    "VATNonDeductiblePercentage:n!"
)

TRANSACTION_LINES_FIELDS = (  # 70 properties; navigation: none; the endpoint is read-only
    "ID:g! Account:g! AccountCode:s18r! AccountName:s! AmountDC:n! AmountFC:n! AmountVATBaseFC:n! AmountVATFC:n! Asset:g! "
    "AssetCode:s! AssetDescription:s! CostCenter:s! CostCenterDescription:s! CostUnit:s! CostUnitDescription:s! Created:t! "
    "Creator:g! CreatorFullName:s! Currency:s! Date:d! Description:s! Division:i! Document:g! DocumentNumber:i! "
    "DocumentSubject:s! DueDate:d! EntryID:g! EntryNumber:i! ExchangeRate:n! ExternalLinkDescription:s! "
    "ExternalLinkReference:s! ExtraDutyAmountFC:n! ExtraDutyPercentage:n! FinancialPeriod:i! FinancialYear:i! GLAccount:g! "
    "GLAccountCode:s! GLAccountDescription:s! InvoiceNumber:i! Item:g! ItemCode:s! ItemDescription:s! JournalCode:s! "
    "JournalDescription:s! LineNumber:i! LineType:i! Modified:t! Modifier:g! ModifierFullName:s! Notes:s! OffsetID:g! "
    "OrderNumber:i! PaymentDiscountAmount:n! PaymentReference:s! Project:g! ProjectCode:s! ProjectDescription:s! Quantity:n! "
    "ShopOrder:g! Status:i! Subscription:g! SubscriptionDescription:s! TrackingNumber:s! TrackingNumberDescription:s! Type:i! "
    "VATCode:s3! VATCodeDescription:s! VATPercentage:n! VATType:s! YourRef:s!"
)
