import { validation, type QboFault } from './errors.ts';
import type { EntityName } from './store.ts';

/**
 * The top-level field names each entity declares in the official schemas (Finance.xsd,
 * IntuitNamesTypes.xsd and IntuitBaseTypes.xsd: the complex type's elements and attributes with
 * those of its bases), read from the XSDs once and kept here as data. A write naming another field
 * is refused, as QBO's JSON reader refuses an unrecognized property (400 code 2010; the wording is
 * from third-party reports, UNVERIFIED in the reference).
 */

const words = (text: string): ReadonlySet<string> => new Set(text.split(/\s+/).filter(Boolean));

export const DECLARED_FIELDS: Record<EntityName, ReadonlySet<string>> = {
  Vendor: words(`
    APAccountRef AcctNum Active AgencyVerificationStatus AgencyVerificationStatusMsg
    AgencyVerificationTSUTC AltContactName AlternatePhone AttachableRef Balance BillAddr BillRate
    BusinessNumber CISRate CompanyName CompanyRegistrationNumber ContactName CostRate CreditLimit
    CurrencyRef CustomField DefaultTaxCodeRef DisplayName FamilyName Fax FullyQualifiedName GSTIN
    GSTRegistrationType GivenName HasTPAR Id IntuitId IsSubContractor MetaData MiddleName Mobile Notes
    OpenBalanceDate Organization OtherAddr OtherContactInfo ParentRef PrefillAccountRef PrimaryEmailAddr
    PrimaryPhone PrintOnCheckName ShipAddr Source SubcontractorType Suffix SyncToken T4AEligible
    T5018Eligible TDSEnabled TDSEntityTypeId TDSOverrideThreshold TDSSectionTypeId TaxCountry
    TaxIdEffectiveDate TaxIdentifier TaxReportingBasis TermRef Title UserId V4IDPseudonym Vendor1099
    VendorEx VendorPaymentBankDetail VendorTypeRef WebAddr domain sparse status
  `),
  Account: words(`
    AccountAlias AccountEx AccountPurposes AccountSubType AccountType AcctNum AcctNumExtn Active
    AttachableRef BankNum Classification CurrencyRef CurrentBalance CurrentBalanceWithSubAccounts
    CustomField Description FIName FullyQualifiedName Id JournalCodeRef MetaData Name
    OnlineBankingEnabled OpeningBalance OpeningBalanceDate ParentRef SubAccount SyncToken TaxAccount
    TaxCodeRef TxnLocationType domain sparse status
  `),
  PurchaseOrder: words(`
    APAccountRef AttachableRef BillEmail ClassRef CurrencyRef CustomField DepartmentRef DocNumber
    DropShipToEntity DueDate EmailStatus ExchangeRate ExpectedDate FOB GlobalTaxCalculation
    HomeTotalCostAmount Id InventorySiteRef Line LinkedTxn ManuallyClosed Memo MetaData POEmail POStatus
    PrintStatus PrivateNote ProjectRef PurchaseOrderEx RecurDataRef RecurringInfo ReimbursableInfoRef
    ReplyEmail SalesTermRef ShipAddr ShipMethodRef ShipTo SyncToken Tag TaxCodeRef TaxFormNum
    TaxFormType TemplateRef TotalAmt TotalCostAmount TransactionLocationType TxnApprovalInfo TxnDate
    TxnSource TxnStatus TxnSubType TxnTaxDetail VendorAddr VendorRef domain sparse status
  `),
  Bill: words(`
    APAccountRef AttachableRef Balance BillEmail BillEx CurrencyRef CustomField DepartmentRef DocNumber
    DueDate ExchangeRate GlobalTaxCalculation HomeBalance HomeTotalCostAmount Id IncludeInAnnualTPAR
    LessCIS Line LinkedTxn Memo MetaData PayerRef PrivateNote ProjectRef RecurDataRef RecurringInfo
    RemitToAddr ReplyEmail SalesTermRef ShipAddr SyncToken Tag TaxFormNum TaxFormType TotalAmt
    TotalCostAmount TransactionLocationType TxnApprovalInfo TxnDate TxnSource TxnStatus TxnSubType
    TxnTaxDetail VendorAddr VendorRef domain sparse status
  `),
  BillPayment: words(`
    APAccountRef AttachableRef BillPaymentEx CheckPayment CreditCardPayment CurrencyRef CustomField
    DepartmentRef DocNumber ExchangeRate HomeTotalCostAmount Id Line LinkedTxn MetaData PayType
    PrivateNote ProjectRef RecurDataRef RecurringInfo SyncToken Tag TaxFormNum TaxFormType TotalAmt
    TotalCostAmount TransactionLocationType TxnApprovalInfo TxnDate TxnSource TxnStatus TxnSubType
    TxnTaxDetail VendorAddr VendorRef domain sparse status
  `),
  Class: words(`
    Active AttachableRef ClassEx CustomField FullyQualifiedName Id MetaData Name ParentRef SubClass
    SyncToken domain sparse status
  `),
  Department: words(`
    Active Address AttachableRef CustomField DepartmentEx FullyQualifiedName Id MetaData Name ParentRef
    SubDepartment SyncToken domain sparse status
  `),
  Item: words(`
    AbatementRate Active AssetAccountRef AttachableRef AvgCost BuildPoint COGSAccountRef ClassRef
    CustomExtensions CustomField DeferredRevenue DepositToAccountRef Description ExpenseAccountRef
    FullyQualifiedName Id IncomeAccountRef InvStartDate ItemAssemblyDetail ItemCategoryType ItemEx
    ItemGroupDetail Level ManPartNum MetaData Name ParentRef PaymentMethodRef PercentBased PrefVendorRef
    PrintGroupedItems PurchaseCost PurchaseDesc PurchaseTaxCodeRef PurchaseTaxIncluded QtyOnHand
    QtyOnPurchaseOrder QtyOnSalesOrder RatePercent ReorderPoint ReverseChargeRate SalesTaxCodeRef
    SalesTaxIncluded ServiceType Sku Source SpecialItem SpecialItemType SubItem SyncToken
    TaxClassificationRef Taxable TrackQtyOnHand Type UOMSetRef UQCDisplayText UQCId UnitPrice domain
    sparse status
  `),
};

/** The first field of `body` the entity does not declare, as QBO's 2010 fault; null when all are declared. */
export function undeclaredField(entity: EntityName, body: Record<string, unknown>): QboFault | null {
  const declared = DECLARED_FIELDS[entity];
  const unknown = Object.keys(body).find((k) => !declared.has(k));
  if (unknown === undefined) return null;
  return validation('2010', 'Request has invalid or unsupported property', `Property Name:Unrecognized field "${unknown}" (class com.intuit.schema.finance.v3.${entity}), not marked as ignorable specified is unsupported or invalid`, unknown);
}
