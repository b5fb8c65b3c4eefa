/**
 * The emulator's records. Amounts are integers: money in the currency's minor unit, quantities and
 * unit amounts scaled by 10^4, currency rates by 10^6 (see decimal.ts). Calendar dates are
 * 'YYYY-MM-DD'; instants are epoch milliseconds from the emulator clock. Records are replaced, never
 * mutated in place, so a batch that fails can be rolled back by restoring the maps (tenant.ts).
 */

export type InvoiceType = 'ACCPAY' | 'ACCREC';
export type InvoiceStatus = 'DRAFT' | 'SUBMITTED' | 'AUTHORISED' | 'PAID' | 'VOIDED' | 'DELETED';
export type LineAmountTypes = 'Exclusive' | 'Inclusive' | 'NoTax';
export type PurchaseOrderStatus = 'DRAFT' | 'SUBMITTED' | 'AUTHORISED' | 'BILLED' | 'DELETED';

export interface Organisation {
  OrganisationID: string;
  Name: string;
  LegalName: string;
  ShortCode: string;
  BaseCurrency: string;
  CountryCode: string;
  Version: 'US' | 'GLOBAL' | 'UK' | 'AU' | 'NZ';
  OrganisationType: 'COMPANY';
  IsDemoCompany: boolean;
  TaxNumber: string;
  Timezone: string;
  CreatedDateUTC: number;
}

export interface TaxRate {
  TaxType: string;
  Name: string;
  /** Percent scaled by 10^4 (8.25% = 82500). */
  Rate: bigint;
}

export interface Account {
  AccountID: string;
  Code?: string;
  Name: string;
  Type: string;
  Status: 'ACTIVE' | 'ARCHIVED';
  Class: 'ASSET' | 'EQUITY' | 'EXPENSE' | 'LIABILITY' | 'REVENUE';
  TaxType: string;
  Description?: string;
  EnablePaymentsToAccount: boolean;
  ShowInExpenseClaims: boolean;
  BankAccountNumber?: string;
  BankAccountType?: 'BANK' | 'CREDITCARD' | 'PAYPAL' | '';
  CurrencyCode?: string;
  SystemAccount?: string;
  ReportingCode?: string;
  UpdatedDateUTC: number;
}

export interface Address {
  AddressType: 'POBOX' | 'STREET';
  AddressLine1?: string;
  AddressLine2?: string;
  City?: string;
  Region?: string;
  PostalCode?: string;
  Country?: string;
  AttentionTo?: string;
}

export interface Phone {
  PhoneType: 'DEFAULT' | 'DDI' | 'MOBILE' | 'FAX';
  PhoneNumber?: string;
  PhoneAreaCode?: string;
  PhoneCountryCode?: string;
}

export interface Contact {
  ContactID: string;
  Name: string;
  ContactStatus: 'ACTIVE' | 'ARCHIVED';
  ContactNumber?: string;
  AccountNumber?: string;
  FirstName?: string;
  LastName?: string;
  EmailAddress?: string;
  CompanyNumber?: string;
  BankAccountDetails?: string;
  TaxNumber?: string;
  TaxNumberType?: 'SSN' | 'EIN' | 'ITIN' | 'ATIN';
  DefaultCurrency?: string;
  PurchasesDefaultAccountCode?: string;
  SalesDefaultAccountCode?: string;
  Website?: string;
  Addresses: Address[];
  Phones: Phone[];
  /** Read-only flags Xero sets when the first ACCPAY / ACCREC exists (XS Contact); never bump UpdatedDateUTC. */
  IsSupplier: boolean;
  IsCustomer: boolean;
  UpdatedDateUTC: number;
}

export interface TrackingRef {
  TrackingCategoryID: string;
  TrackingOptionID: string;
  Name: string;
  Option: string;
}

export interface LineItem {
  LineItemID: string;
  Description?: string;
  /** Scaled by 10^4. */
  Quantity: bigint;
  /** Scaled by 10^4. */
  UnitAmount: bigint;
  ItemCode?: string;
  AccountCode?: string;
  AccountID?: string;
  TaxType: string;
  /** Minor units of the document currency. */
  TaxAmount: bigint;
  LineAmount: bigint;
  /** Percent scaled by 10^2 (ACCREC only). */
  DiscountRate?: bigint;
  Tracking: TrackingRef[];
}

export interface Invoice {
  InvoiceID: string;
  Type: InvoiceType;
  ContactID: string;
  Status: InvoiceStatus;
  LineAmountTypes: LineAmountTypes;
  Date: string;
  DueDate?: string;
  InvoiceNumber?: string;
  Reference?: string;
  CurrencyCode: string;
  /** Foreign units per unit of base currency, scaled by 10^6. */
  CurrencyRate: bigint;
  LineItems: LineItem[];
  SubTotal: bigint;
  TotalTax: bigint;
  Total: bigint;
  AmountPaid: bigint;
  AmountCredited: bigint;
  FullyPaidOnDate?: string;
  Url?: string;
  SentToContact: boolean;
  PlannedPaymentDate?: string;
  UpdatedDateUTC: number;
}

export interface Payment {
  PaymentID: string;
  InvoiceID: string;
  AccountID: string;
  Date: string;
  /** Minor units of the invoice currency. */
  Amount: bigint;
  CurrencyRate: bigint;
  Reference?: string;
  Status: 'AUTHORISED' | 'DELETED';
  PaymentType: 'ACCPAYPAYMENT' | 'ACCRECPAYMENT';
  IsReconciled: boolean;
  UpdatedDateUTC: number;
}

export interface TrackingOption {
  TrackingOptionID: string;
  Name: string;
  Status: 'ACTIVE' | 'ARCHIVED';
}

export interface TrackingCategory {
  TrackingCategoryID: string;
  Name: string;
  Status: 'ACTIVE' | 'ARCHIVED';
  Options: TrackingOption[];
}

export interface PurchaseOrder {
  PurchaseOrderID: string;
  PurchaseOrderNumber: string;
  ContactID: string;
  Status: PurchaseOrderStatus;
  LineAmountTypes: LineAmountTypes;
  Date: string;
  DeliveryDate?: string;
  Reference?: string;
  CurrencyCode: string;
  CurrencyRate: bigint;
  LineItems: LineItem[];
  SubTotal: bigint;
  TotalTax: bigint;
  Total: bigint;
  UpdatedDateUTC: number;
}
