import { encodeAmounts, type DecimalString } from '../decimal-amount.ts';

/**
 * What the connector sends to Xero, in Xero's field names. Amounts are decimal strings here and
 * become JSON numbers only when encoded; dates are YYYY-MM-DD. Encoders build new objects and never
 * touch their input.
 */
export interface XeroContactInput {
  Name: string;
  ContactNumber?: string;
  AccountNumber?: string;
  ContactStatus?: 'ACTIVE' | 'ARCHIVED';
  FirstName?: string;
  LastName?: string;
  EmailAddress?: string;
  TaxNumber?: string;
  DefaultCurrency?: string;
  PurchasesDefaultAccountCode?: string;
  Addresses?: ReadonlyArray<{ AddressType: 'POBOX' | 'STREET'; AddressLine1?: string; AddressLine2?: string; City?: string; Region?: string; PostalCode?: string; Country?: string }>;
  Phones?: ReadonlyArray<{ PhoneType: 'DEFAULT' | 'DDI' | 'MOBILE' | 'FAX'; PhoneNumber?: string; PhoneAreaCode?: string; PhoneCountryCode?: string }>;
}

export interface XeroAccountInput {
  Code: string;
  Name: string;
  Type: string;
  Description?: string;
  TaxType?: string;
  EnablePaymentsToAccount?: boolean;
  BankAccountNumber?: string;
  CurrencyCode?: string;
}

export interface XeroLineItemInput {
  LineItemID?: string;
  Description?: string;
  Quantity?: DecimalString;
  UnitAmount?: DecimalString;
  LineAmount?: DecimalString;
  TaxAmount?: DecimalString;
  AccountCode?: string;
  AccountID?: string;
  ItemCode?: string;
  TaxType?: string;
  Tracking?: ReadonlyArray<{ TrackingCategoryID?: string; TrackingOptionID?: string; Name?: string; Option?: string }>;
}

export interface XeroInvoiceInput {
  Type: 'ACCPAY' | 'ACCREC';
  Contact: { ContactID?: string; Name?: string; ContactNumber?: string };
  Status?: 'DRAFT' | 'SUBMITTED' | 'AUTHORISED' | 'DELETED' | 'VOIDED';
  LineAmountTypes?: 'Exclusive' | 'Inclusive' | 'NoTax';
  Date?: string;
  DueDate?: string;
  InvoiceNumber?: string;
  Reference?: string;
  CurrencyCode?: string;
  Url?: string;
  LineItems?: readonly XeroLineItemInput[];
}

/** Fields of an existing invoice to change (POST /Invoices/{InvoiceID}). */
export type XeroInvoiceUpdate = Partial<Omit<XeroInvoiceInput, 'Type'>>;

export interface XeroPaymentInput {
  Invoice: { InvoiceID?: string; InvoiceNumber?: string };
  Account: { AccountID?: string; Code?: string };
  Date: string;
  Amount: DecimalString;
  Reference?: string;
  CurrencyRate?: DecimalString;
  IsReconciled?: boolean;
}

const AMOUNT_KEYS: ReadonlySet<string> = new Set(['Quantity', 'UnitAmount', 'LineAmount', 'TaxAmount', 'Amount', 'CurrencyRate']);

/** Deep copy with decimal-string amounts turned into JSON numbers (see decimal-amount.ts). */
export function encodeXero(value: unknown): unknown {
  return encodeAmounts(value, AMOUNT_KEYS);
}
