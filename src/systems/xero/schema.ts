import { z } from 'zod';
import { decimalAmount } from '../decimal-amount.ts';
import { xeroDateTime, xeroDay } from './wire-dates.ts';

/**
 * Xero Accounting wire shapes (the API's own field names), checked at the edge. Only the fields
 * the connector reads are declared; unknown fields are dropped. Amounts become decimal strings,
 * dates ISO strings. Source: shared/specs/xero/xero_accounting.yaml (Xero-OpenAPI v16.1.0).
 */
const uuid = z.string().min(1);
/** An optional field; a null from the wire was already removed by decodeWire (dropNulls). */
const opt = <T extends z.ZodType>(s: T) => s.optional();

export const validationErrorSchema = z.object({ Message: z.string() });

const elementStatus = {
  HasErrors: opt(z.boolean()),
  HasValidationErrors: opt(z.boolean()),
  StatusAttributeString: opt(z.string()),
  ValidationErrors: opt(z.array(validationErrorSchema)),
};

export const organisationSchema = z.object({
  OrganisationID: uuid,
  Name: z.string(),
  LegalName: opt(z.string()),
  ShortCode: opt(z.string()),
  BaseCurrency: z.string(),
  CountryCode: opt(z.string()),
  Version: opt(z.string()),
  IsDemoCompany: opt(z.boolean()),
  Timezone: opt(z.string()),
  CreatedDateUTC: opt(xeroDateTime),
});

export const accountSchema = z.object({
  AccountID: uuid,
  Code: opt(z.string()),
  Name: z.string(),
  Type: z.string(),
  Status: opt(z.string()),
  Class: opt(z.string()),
  TaxType: opt(z.string()),
  Description: opt(z.string()),
  EnablePaymentsToAccount: opt(z.boolean()),
  BankAccountType: opt(z.string()),
  CurrencyCode: opt(z.string()),
  SystemAccount: opt(z.string()),
  UpdatedDateUTC: opt(xeroDateTime),
  ...elementStatus,
});

const addressSchema = z.object({
  AddressType: opt(z.string()),
  AddressLine1: opt(z.string()),
  AddressLine2: opt(z.string()),
  City: opt(z.string()),
  Region: opt(z.string()),
  PostalCode: opt(z.string()),
  Country: opt(z.string()),
  AttentionTo: opt(z.string()),
});

const phoneSchema = z.object({
  PhoneType: opt(z.string()),
  PhoneNumber: opt(z.string()),
  PhoneAreaCode: opt(z.string()),
  PhoneCountryCode: opt(z.string()),
});

export const contactSchema = z.object({
  ContactID: uuid,
  Name: z.string(),
  ContactStatus: opt(z.string()),
  ContactNumber: opt(z.string()),
  AccountNumber: opt(z.string()),
  FirstName: opt(z.string()),
  LastName: opt(z.string()),
  EmailAddress: opt(z.string()),
  TaxNumber: opt(z.string()),
  DefaultCurrency: opt(z.string()),
  PurchasesDefaultAccountCode: opt(z.string()),
  Addresses: opt(z.array(addressSchema)),
  Phones: opt(z.array(phoneSchema)),
  IsSupplier: opt(z.boolean()),
  IsCustomer: opt(z.boolean()),
  UpdatedDateUTC: opt(xeroDateTime),
  ...elementStatus,
});

export const trackingRefSchema = z.object({
  TrackingCategoryID: opt(z.string()),
  TrackingOptionID: opt(z.string()),
  Name: opt(z.string()),
  Option: opt(z.string()),
});

export const lineItemSchema = z.object({
  LineItemID: opt(z.string()),
  Description: opt(z.string()),
  Quantity: opt(decimalAmount),
  UnitAmount: opt(decimalAmount),
  ItemCode: opt(z.string()),
  AccountCode: opt(z.string()),
  AccountID: opt(z.string()),
  TaxType: opt(z.string()),
  TaxAmount: opt(decimalAmount),
  LineAmount: opt(decimalAmount),
  Tracking: opt(z.array(trackingRefSchema)),
});

const contactRefSchema = z.object({ ContactID: uuid, Name: opt(z.string()), ContactNumber: opt(z.string()) });

const paymentRefSchema = z.object({
  PaymentID: uuid,
  Date: opt(xeroDay),
  Amount: opt(decimalAmount),
  Reference: opt(z.string()),
});

export const invoiceSchema = z.object({
  InvoiceID: uuid,
  Type: z.string(),
  Contact: opt(contactRefSchema),
  Status: z.string(),
  LineAmountTypes: opt(z.string()),
  Date: opt(xeroDay),
  DueDate: opt(xeroDay),
  InvoiceNumber: opt(z.string()),
  Reference: opt(z.string()),
  CurrencyCode: opt(z.string()),
  CurrencyRate: opt(decimalAmount),
  LineItems: opt(z.array(lineItemSchema)),
  SubTotal: opt(decimalAmount),
  TotalTax: opt(decimalAmount),
  Total: opt(decimalAmount),
  AmountDue: opt(decimalAmount),
  AmountPaid: opt(decimalAmount),
  AmountCredited: opt(decimalAmount),
  FullyPaidOnDate: opt(xeroDay),
  Payments: opt(z.array(paymentRefSchema)),
  Url: opt(z.string()),
  PlannedPaymentDate: opt(xeroDay),
  UpdatedDateUTC: opt(xeroDateTime),
  ...elementStatus,
});

export const paymentSchema = z.object({
  PaymentID: opt(z.string()),
  Invoice: opt(z.object({ InvoiceID: uuid, InvoiceNumber: opt(z.string()), Type: opt(z.string()) })),
  Account: opt(z.object({ AccountID: opt(z.string()), Code: opt(z.string()) })),
  Date: opt(xeroDay),
  Amount: opt(decimalAmount),
  BankAmount: opt(decimalAmount),
  CurrencyRate: opt(decimalAmount),
  Reference: opt(z.string()),
  Status: opt(z.string()),
  PaymentType: opt(z.string()),
  IsReconciled: opt(z.boolean()),
  UpdatedDateUTC: opt(xeroDateTime),
  ...elementStatus,
});

export const trackingOptionSchema = z.object({
  TrackingOptionID: uuid,
  Name: z.string(),
  Status: opt(z.string()),
});

export const trackingCategorySchema = z.object({
  TrackingCategoryID: uuid,
  Name: z.string(),
  Status: opt(z.string()),
  Options: opt(z.array(trackingOptionSchema)),
});

export const paginationSchema = z.object({
  page: z.number().int(),
  pageSize: z.number().int(),
  pageCount: z.number().int(),
  itemCount: z.number().int(),
});

/** `{Id, Status:"OK", ProviderName, DateTimeUTC, <Plural>: [...], pagination?}` */
export function envelope<K extends string, T extends z.ZodType>(key: K, item: T) {
  return z.object({
    Id: opt(z.string()),
    Status: opt(z.string()),
    DateTimeUTC: opt(xeroDateTime),
    pagination: opt(paginationSchema),
    [key]: z.array(item),
  } as { Id: z.ZodType<string | undefined>; Status: z.ZodType<string | undefined>; DateTimeUTC: z.ZodType<string | undefined>; pagination: z.ZodType<z.output<typeof paginationSchema> | undefined> } & Record<K, z.ZodArray<T>>);
}

/** Identity API `GET /connections` item (https://developer.xero.com/documentation/guides/oauth2/tenants). */
export const connectionSchema = z.object({
  id: z.string(),
  authEventId: opt(z.string()),
  tenantId: z.string(),
  tenantType: z.string(),
  tenantName: opt(z.string()),
  createdDateUtc: opt(xeroDateTime),
  updatedDateUtc: opt(xeroDateTime),
});

/** Token endpoint answer. */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  token_type: z.string(),
  id_token: opt(z.string()),
  scope: opt(z.string()),
});

export type XeroOrganisation = z.output<typeof organisationSchema>;
export type XeroAccount = z.output<typeof accountSchema>;
export type XeroContact = z.output<typeof contactSchema>;
export type XeroLineItem = z.output<typeof lineItemSchema>;
export type XeroInvoice = z.output<typeof invoiceSchema>;
export type XeroPayment = z.output<typeof paymentSchema>;
export type XeroTrackingCategory = z.output<typeof trackingCategorySchema>;
export type XeroPagination = z.output<typeof paginationSchema>;
export type XeroConnection = z.output<typeof connectionSchema>;
export type XeroTokenResponse = z.output<typeof tokenResponseSchema>;
