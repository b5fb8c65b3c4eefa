import { z } from 'zod';
import { decimalAmount } from '../decimal-amount.ts';

/**
 * BILL v3 wire shapes (BILL's own field names), checked at the edge. Only fields the connector
 * reads are declared; others are dropped. Amounts become decimal strings. Sources: the v3
 * reference (https://developer.bill.com/reference) and shared/specs/bill/bill-v3-api.postman_collection.json.
 */
/** An optional field; a null from the wire was already removed by decodeWire (dropNulls). */
const opt = <T extends z.ZodType>(s: T) => s.optional();
const time = z.string().min(1);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected yyyy-MM-dd');

export const loginResponseSchema = z.object({
  organizationId: z.string(),
  sessionId: z.string().min(1),
  userId: opt(z.string()),
  trusted: opt(z.boolean()),
});

/** BILL error body: always an array of `{code, message, ...}` (https://developer.bill.com/docs/common-api-error-codes). */
export const errorItemSchema = z.object({
  code: z.string(),
  message: opt(z.string()),
  severity: opt(z.string()),
  category: opt(z.string()),
  timestamp: opt(z.string()),
});
export const errorArraySchema = z.array(errorItemSchema);

const addressSchema = z.object({
  line1: opt(z.string()),
  line2: opt(z.string()),
  city: opt(z.string()),
  stateOrProvince: opt(z.string()),
  zipOrPostalCode: opt(z.string()),
  country: opt(z.string()),
  countryName: opt(z.string()),
});

export const vendorSchema = z.object({
  id: z.string(),
  archived: z.boolean(),
  name: z.string(),
  shortName: opt(z.string()),
  accountNumber: opt(z.string()),
  accountType: opt(z.string()),
  email: opt(z.string()),
  phone: opt(z.string()),
  address: opt(addressSchema),
  billCurrency: opt(z.string()),
  paymentInformation: opt(z.object({ payeeName: opt(z.string()), email: opt(z.string()), payByType: opt(z.string()), lastPaymentDate: opt(z.string()) })),
  additionalInfo: opt(z.object({ taxId: opt(z.string()), taxIdType: opt(z.string()), track1099: opt(z.boolean()), companyName: opt(z.string()) })),
  balance: opt(z.object({ amount: opt(decimalAmount) })),
  createdTime: time,
  updatedTime: time,
});

const classificationsSchema = z.record(z.string(), z.string().nullish());

export const billLineItemSchema = z.object({
  id: opt(z.string()),
  amount: decimalAmount,
  quantity: opt(decimalAmount),
  price: opt(decimalAmount),
  description: opt(z.string()),
  classifications: opt(classificationsSchema),
});

export const billSchema = z.object({
  id: z.string(),
  archived: z.boolean(),
  vendorId: z.string(),
  vendorName: opt(z.string()),
  amount: decimalAmount,
  dueAmount: opt(decimalAmount),
  paidAmount: opt(decimalAmount),
  scheduledAmount: opt(decimalAmount),
  creditAmount: opt(decimalAmount),
  fundingAmount: opt(decimalAmount),
  exchangeRate: opt(decimalAmount),
  description: opt(z.string()),
  dueDate: day,
  invoice: z.object({ invoiceNumber: z.string(), invoiceDate: day }),
  billLineItems: z.array(billLineItemSchema),
  payFromChartOfAccountId: opt(z.string()),
  classifications: opt(classificationsSchema),
  purchaseOrderNumber: opt(z.string()),
  paymentStatus: opt(z.string()),
  approvalStatus: opt(z.string()),
  createdTime: time,
  updatedTime: time,
});

/** A recurring bill template (`/v3/recurringbills`, [BPM]): the bills it makes are ordinary bills. */
export const recurringBillSchema = z.object({
  id: z.string(),
  archived: z.boolean(),
  vendorId: z.string(),
  description: opt(z.string()),
  schedule: z.object({
    period: z.string(),
    frequency: opt(z.number().int()),
    nextDueDate: opt(day),
    endDate: opt(day),
    daysInAdvance: opt(z.number().int()),
  }),
  recurringBillLineItems: z.array(z.object({ id: opt(z.string()), amount: decimalAmount, description: opt(z.string()), classifications: opt(classificationsSchema) })),
  processingOptions: opt(z.object({ autoPayment: opt(z.boolean()) })),
  createdTime: time,
  updatedTime: time,
});

export const paymentSchema = z.object({
  id: z.string(),
  vendorId: z.string(),
  vendorName: opt(z.string()),
  billId: opt(z.string()),
  billPayments: z.array(z.object({ id: opt(z.string()), billId: z.string(), amount: decimalAmount })),
  description: opt(z.string()),
  processDate: day,
  amount: decimalAmount,
  fundingAmount: opt(decimalAmount),
  exchangeRate: opt(decimalAmount),
  status: opt(z.string()),
  singleStatus: opt(z.string()),
  onlinePayment: opt(z.boolean()),
  transactionNumber: opt(z.string()),
  confirmationNumber: opt(z.string()),
  disbursementStatus: opt(z.string()),
  createdTime: time,
  updatedTime: time,
});

export const chartOfAccountSchema = z.object({
  id: z.string(),
  archived: z.boolean(),
  name: z.string(),
  description: opt(z.string()),
  parentId: opt(z.string()),
  account: opt(z.object({ type: opt(z.string()), number: opt(z.string()) })),
  createdTime: time,
  updatedTime: time,
});

export const departmentSchema = z.object({
  id: z.string(),
  archived: z.boolean(),
  name: z.string(),
  shortName: opt(z.string()),
  description: opt(z.string()),
  parentId: opt(z.string()),
  createdTime: time,
  updatedTime: time,
});

export const subscriptionSchema = z.object({
  id: z.string(),
  name: z.string(),
  organizationId: opt(z.string()),
  status: z.looseObject({ enabled: z.boolean() }),
  events: z.array(z.object({ type: z.string(), version: z.string() })),
  notificationUrl: z.string(),
  /** Returned once, on create and on key rotation. */
  securityKey: opt(z.string()),
  createdTime: opt(time),
  updatedTime: opt(time),
});

export const securityKeySchema = z.looseObject({ securityKey: z.string().min(1) });

/** `{results, nextPage?, prevPage?}`; the end of a list may omit nextPage, null it or leave it empty. */
export function listEnvelope<T extends z.ZodType>(item: T) {
  return z.object({
    results: z.array(item),
    nextPage: opt(z.string()),
    prevPage: opt(z.string()),
  });
}

export type BillVendor = z.output<typeof vendorSchema>;
export type BillBill = z.output<typeof billSchema>;
export type BillLineItem = z.output<typeof billLineItemSchema>;
export type BillPayment = z.output<typeof paymentSchema>;
export type BillRecurringBill = z.output<typeof recurringBillSchema>;
export type BillChartOfAccount = z.output<typeof chartOfAccountSchema>;
export type BillDepartment = z.output<typeof departmentSchema>;
export type BillSubscription = z.output<typeof subscriptionSchema>;
export type BillLogin = z.output<typeof loginResponseSchema>;
