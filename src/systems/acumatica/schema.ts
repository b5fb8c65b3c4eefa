import { z } from 'zod';
import { booleanValue, dateTimeValue, decimalValue, intValue, stringValue } from './values.ts';

/**
 * Wire shapes of the Default/24.200.001 endpoint, read from Acumatica's own swagger.json of it
 * (components.schemas: Entity, Vendor, Contact, Address, Bill, BillDetail, BillApplicationDetail,
 * Check, CheckDetail, CheckHistoryDetail, Account, Subaccount, CompaniesStructureDetail, HttpError).
 * Only the fields the connector reads are declared; objects stay loose so fields it does not read
 * (and an instance's custom fields) pass. Each wrapped field is unwrapped on reading (values.ts).
 */

/** Every entity, linked entity and detail row carries these (swagger `Entity`). */
const entity = { id: z.string().optional(), rowNumber: z.number().optional() };

export const addressSchema = z.looseObject({
  ...entity,
  AddressLine1: stringValue,
  AddressLine2: stringValue,
  City: stringValue,
  State: stringValue,
  PostalCode: stringValue,
  Country: stringValue,
});

export const contactSchema = z.looseObject({
  ...entity,
  Email: stringValue,
  Phone1: stringValue,
  DisplayName: stringValue,
  CompanyName: stringValue,
  Address: addressSchema.optional(),
});

export const vendorSchema = z.looseObject({
  ...entity,
  VendorID: stringValue.pipe(z.string({ error: 'expected a VendorID' })),
  VendorName: stringValue,
  LegalName: stringValue,
  Status: stringValue,
  CurrencyID: stringValue,
  TaxRegistrationID: stringValue,
  PaymentMethod: stringValue,
  CashAccount: stringValue,
  MainContact: contactSchema.optional(),
  CreatedDateTime: dateTimeValue,
  LastModifiedDateTime: dateTimeValue,
});
export type AcumaticaVendor = z.output<typeof vendorSchema>;

export const billDetailSchema = z.looseObject({
  ...entity,
  Account: stringValue,
  Subaccount: stringValue,
  Branch: stringValue,
  Amount: decimalValue,
  ExtendedCost: decimalValue,
  Qty: decimalValue,
  UnitCost: decimalValue,
  Description: stringValue,
  TransactionDescription: stringValue,
  InventoryID: stringValue,
  POOrderNbr: stringValue,
  POReceiptNbr: stringValue,
});
export type AcumaticaBillDetail = z.output<typeof billDetailSchema>;

/** Released applications of payments and adjustments to a bill (read-only history). */
export const billApplicationSchema = z.looseObject({
  ...entity,
  DocType: stringValue,
  ReferenceNbr: stringValue,
  AmountPaid: decimalValue,
  Balance: decimalValue,
  Status: stringValue,
});

export const billSchema = z.looseObject({
  ...entity,
  Type: stringValue.pipe(z.string({ error: 'expected a document Type' })),
  ReferenceNbr: stringValue.pipe(z.string({ error: 'expected a ReferenceNbr' })),
  Status: stringValue,
  Vendor: stringValue,
  VendorRef: stringValue,
  Date: dateTimeValue,
  DueDate: dateTimeValue,
  PostPeriod: stringValue,
  Description: stringValue,
  Amount: decimalValue,
  Balance: decimalValue,
  TaxTotal: decimalValue,
  CurrencyID: stringValue,
  Hold: booleanValue,
  BranchID: stringValue,
  Details: z.array(billDetailSchema).optional(),
  Applications: z.array(billApplicationSchema).optional(),
  LastModifiedDateTime: dateTimeValue,
});
export type AcumaticaBill = z.output<typeof billSchema>;

/** A document to apply on a payment (Check `Details`). */
export const checkDetailSchema = z.looseObject({
  ...entity,
  DocType: stringValue,
  ReferenceNbr: stringValue,
  AmountPaid: decimalValue,
  Balance: decimalValue,
  CashDiscountBalance: decimalValue,
  DocLineNbr: intValue,
});

/** A released application of a payment (Check `History`). */
export const checkHistorySchema = checkDetailSchema.extend({ CashDiscountTaken: decimalValue, VendorRef: stringValue });

export const checkSchema = z.looseObject({
  ...entity,
  Type: stringValue.pipe(z.string({ error: 'expected a document Type' })),
  ReferenceNbr: stringValue.pipe(z.string({ error: 'expected a ReferenceNbr' })),
  Status: stringValue,
  Vendor: stringValue,
  PaymentMethod: stringValue,
  CashAccount: stringValue,
  CurrencyID: stringValue,
  ApplicationDate: dateTimeValue,
  PaymentAmount: decimalValue,
  PaymentRef: stringValue,
  Description: stringValue,
  Hold: booleanValue,
  UnappliedBalance: decimalValue,
  Details: z.array(checkDetailSchema).optional(),
  History: z.array(checkHistorySchema).optional(),
  LastModifiedDateTime: dateTimeValue,
});
export type AcumaticaCheck = z.output<typeof checkSchema>;

export const accountSchema = z.looseObject({
  ...entity,
  AccountCD: stringValue.pipe(z.string({ error: 'expected an AccountCD' })),
  AccountID: intValue,
  Description: stringValue,
  Type: stringValue,
  AccountClass: stringValue,
  Active: booleanValue,
  CashAccount: booleanValue,
  CurrencyID: stringValue,
  LastModifiedDateTime: dateTimeValue,
});
export type AcumaticaAccount = z.output<typeof accountSchema>;

export const subaccountSchema = z.looseObject({
  ...entity,
  SubaccountCD: stringValue.pipe(z.string({ error: 'expected a SubaccountCD' })),
  SubaccountID: intValue,
  Description: stringValue,
  Active: booleanValue,
});
export type AcumaticaSubaccount = z.output<typeof subaccountSchema>;

/**
 * Branches: Default/24.200.001 has no Branch entity; the companies' structure inquiry
 * (`PUT CompaniesStructure?$expand=Results` with `{}`, official example "Retrieve the Companies'
 * Structure") lists every company and branch.
 */
export const companiesStructureSchema = z.looseObject({
  ...entity,
  Results: z
    .array(
      z.looseObject({
        ...entity,
        BranchID: stringValue,
        BranchName: stringValue,
        BranchStatus: booleanValue,
        CompanyID: stringValue,
        CompanyName: stringValue,
        BaseCurrencyID: stringValue,
      }),
    )
    .optional(),
});
export type AcumaticaBranch = NonNullable<z.output<typeof companiesStructureSchema>['Results']>[number];

/** `GET {instance}/entity`: the build and the endpoints it serves (Get_List_of_Endpoints example). */
export const endpointsSchema = z.looseObject({
  version: z.looseObject({ acumaticaBuildVersion: z.string().optional(), databaseVersion: z.string().optional() }).optional(),
  endpoints: z.array(z.looseObject({ name: z.string(), version: z.string(), href: z.string().optional() })),
});
export type AcumaticaEndpoints = z.output<typeof endpointsSchema>;

/** The error body of 400/401/412/500 answers (swagger `HttpError`). */
export const httpErrorSchema = z.looseObject({
  message: z.string().optional(),
  exceptionMessage: z.string().optional(),
  exceptionType: z.string().optional(),
  messageDetail: z.string().optional(),
  modelState: z.record(z.string(), z.unknown()).optional(),
});

/** The token endpoint's answer (OAuthOIDC_ResourceOwner_AccessToken). */
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive().optional(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
});
export type AcumaticaTokenResponse = z.output<typeof tokenResponseSchema>;
