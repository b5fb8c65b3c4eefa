import { z } from 'zod';
import { decimalAmount } from '../decimal-amount.ts';

/**
 * QuickBooks Online wire shapes, with the field names of the official XSDs (Finance.xsd,
 * IntuitNamesTypes.xsd, IntuitBaseTypes.xsd, IntuitRestServiceDef.xsd; JSON uses the same names).
 * Only the fields the connector reads are declared; unknown fields are dropped. Amounts become
 * decimal strings. QBO leaves empty properties out of its answers, so most fields are optional.
 */
const opt = <T extends z.ZodType>(s: T) => s.optional();

/** ReferenceType: `{ value, name? }`. */
export const refSchema = z.object({ value: z.string(), name: opt(z.string()) });
export type QboRef = z.output<typeof refSchema>;

/** ModificationMetaData. */
export const metaDataSchema = z.object({ CreateTime: opt(z.string()), LastUpdatedTime: opt(z.string()) });

/** IntuitEntity: Id and SyncToken (the optimistic-locking version, a string integer). */
const entity = { Id: z.string(), SyncToken: z.string(), MetaData: opt(metaDataSchema) };

export const physicalAddressSchema = z.object({
  Id: opt(z.string()),
  Line1: opt(z.string()),
  Line2: opt(z.string()),
  City: opt(z.string()),
  CountrySubDivisionCode: opt(z.string()),
  PostalCode: opt(z.string()),
  Country: opt(z.string()),
});

export const vendorSchema = z.object({
  ...entity,
  DisplayName: z.string(),
  CompanyName: opt(z.string()),
  GivenName: opt(z.string()),
  FamilyName: opt(z.string()),
  PrintOnCheckName: opt(z.string()),
  Active: opt(z.boolean()),
  PrimaryEmailAddr: opt(z.object({ Address: opt(z.string()) })),
  PrimaryPhone: opt(z.object({ FreeFormNumber: opt(z.string()) })),
  BillAddr: opt(physicalAddressSchema),
  TaxIdentifier: opt(z.string()),
  AcctNum: opt(z.string()),
  CurrencyRef: opt(refSchema),
  Balance: opt(decimalAmount),
});
export type QboVendor = z.output<typeof vendorSchema>;

export const accountSchema = z.object({
  ...entity,
  Name: z.string(),
  AcctNum: opt(z.string()),
  AccountType: opt(z.string()),
  AccountSubType: opt(z.string()),
  Classification: opt(z.string()),
  FullyQualifiedName: opt(z.string()),
  Active: opt(z.boolean()),
  CurrencyRef: opt(refSchema),
});
export type QboAccount = z.output<typeof accountSchema>;

export const classSchema = z.object({ ...entity, Name: z.string(), FullyQualifiedName: opt(z.string()), Active: opt(z.boolean()) });
export const departmentSchema = z.object({ ...entity, Name: z.string(), FullyQualifiedName: opt(z.string()), Active: opt(z.boolean()) });
export type QboClass = z.output<typeof classSchema>;
export type QboDepartment = z.output<typeof departmentSchema>;

/** LinkedTxn: a link to another transaction (a Bill's PurchaseOrder, a BillPayment line's Bill). */
export const linkedTxnSchema = z.object({ TxnId: z.string(), TxnType: z.string(), TxnLineId: opt(z.string()) });

/** AccountBasedExpenseLineDetail: the account, and the line's class. */
export const accountLineDetailSchema = z.object({ AccountRef: refSchema, ClassRef: opt(refSchema), CustomerRef: opt(refSchema), BillableStatus: opt(z.string()) });

export const expenseLineSchema = z.object({
  Id: opt(z.string()),
  LineNum: opt(z.number()),
  Description: opt(z.string()),
  Amount: opt(decimalAmount),
  DetailType: z.string(),
  AccountBasedExpenseLineDetail: opt(accountLineDetailSchema),
  ItemBasedExpenseLineDetail: opt(z.object({ ItemRef: refSchema, ClassRef: opt(refSchema) })),
  LinkedTxn: opt(z.array(linkedTxnSchema)),
});
export type QboExpenseLine = z.output<typeof expenseLineSchema>;

/** PurchaseByVendor, the shared part of PurchaseOrder and Bill. */
const purchaseByVendor = {
  ...entity,
  DocNumber: opt(z.string()),
  TxnDate: opt(z.string()),
  PrivateNote: opt(z.string()),
  VendorRef: refSchema,
  APAccountRef: opt(refSchema),
  DepartmentRef: opt(refSchema),
  CurrencyRef: opt(refSchema),
  TotalAmt: opt(decimalAmount),
  Line: z.array(expenseLineSchema).default([]),
  LinkedTxn: opt(z.array(linkedTxnSchema)),
};

export const purchaseOrderSchema = z.object({
  ...purchaseByVendor,
  DueDate: opt(z.string()),
  POStatus: opt(z.string()),
  ManuallyClosed: opt(z.boolean()),
});
export type QboPurchaseOrder = z.output<typeof purchaseOrderSchema>;

export const billSchema = z.object({ ...purchaseByVendor, DueDate: opt(z.string()), Balance: opt(decimalAmount) });
export type QboBill = z.output<typeof billSchema>;

export const billPaymentSchema = z.object({
  ...entity,
  DocNumber: opt(z.string()),
  TxnDate: opt(z.string()),
  PrivateNote: opt(z.string()),
  VendorRef: refSchema,
  PayType: z.string(),
  CheckPayment: opt(z.object({ BankAccountRef: opt(refSchema), PrintStatus: opt(z.string()) })),
  CreditCardPayment: opt(z.object({ CCAccountRef: opt(refSchema) })),
  TotalAmt: decimalAmount,
  CurrencyRef: opt(refSchema),
  Line: z.array(z.object({ Amount: decimalAmount, LinkedTxn: z.array(linkedTxnSchema) })).default([]),
});
export type QboBillPayment = z.output<typeof billPaymentSchema>;

/** The entities the connector reads, by their QBO names. */
export const qboEntitySchemas = {
  Vendor: vendorSchema,
  Account: accountSchema,
  Class: classSchema,
  Department: departmentSchema,
  PurchaseOrder: purchaseOrderSchema,
  Bill: billSchema,
  BillPayment: billPaymentSchema,
} as const;
export type QboEntityName = keyof typeof qboEntitySchemas;
export type QboEntity<N extends QboEntityName> = z.output<(typeof qboEntitySchemas)[N]>;

/** `{"QueryResponse":{"<Entity>":[…],"startPosition":1,"maxResults":N},"time":…}`; an empty page is `{}`. */
export const queryResponseSchema = z.object({ QueryResponse: z.record(z.string(), z.unknown()), time: opt(z.string()) });

/** `{"CDCResponse":[{"QueryResponse":[{"Vendor":[…]},{"Bill":[…]}]}]}` (IntuitRestServiceDef.xsd CDCResponse). */
export const cdcResponseSchema = z.object({
  CDCResponse: z.array(z.object({ QueryResponse: opt(z.array(z.record(z.string(), z.unknown()))) })),
  time: opt(z.string()),
});

/** `{"BatchItemResponse":[{"bId":"1","Vendor":{…}} | {"bId":"2","Fault":{…}}]}`. */
export const batchResponseSchema = z.object({ BatchItemResponse: z.array(z.record(z.string(), z.unknown())) });

/** A CDC entry for a deleted object: only Id, `status: "Deleted"` and MetaData. */
export const deletedEntitySchema = z.object({ Id: z.string(), status: z.literal('Deleted'), MetaData: opt(metaDataSchema) });

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  token_type: opt(z.string()),
  expires_in: z.number().int().positive(),
  x_refresh_token_expires_in: opt(z.number().int().positive()),
  x_refresh_token_hard_expires_in: opt(z.number().int().positive()),
  id_token: opt(z.string()),
});
export type QboTokenResponse = z.output<typeof tokenResponseSchema>;
