import { encodeAmounts, type DecimalString } from '../decimal-amount.ts';

/**
 * What the connector sends to BILL, in BILL's field names. Amounts are decimal strings here and
 * become JSON numbers when encoded; dates are yyyy-MM-dd. Encoders never touch their input.
 */
export interface BillVendorInput {
  name: string;
  shortName?: string;
  accountNumber?: string;
  accountType?: 'BUSINESS' | 'PERSON' | 'NONE';
  email?: string;
  phone?: string;
  billCurrency?: string;
  address?: { line1?: string; line2?: string; city?: string; stateOrProvince?: string; zipOrPostalCode?: string; country?: string };
  paymentInformation?: { payeeName?: string };
  additionalInfo?: { taxId?: string; taxIdType?: string; track1099?: boolean; companyName?: string };
}

export type BillVendorUpdate = Partial<BillVendorInput>;

export interface BillLineItemInput {
  /** Keep on PUT to update a line in place; lines without it are replaced. */
  id?: string;
  amount?: DecimalString;
  quantity?: DecimalString;
  price?: DecimalString;
  description?: string;
  classifications?: Readonly<Record<string, string>>;
}

export interface BillInput {
  vendorId: string;
  dueDate: string;
  invoice: { invoiceNumber: string; invoiceDate: string };
  billLineItems: readonly BillLineItemInput[];
  description?: string;
  payFromChartOfAccountId?: string;
  classifications?: Readonly<Record<string, string>>;
  purchaseOrderNumber?: string;
}

export type BillUpdate = Partial<BillInput>;

/** `POST /v3/recurringbills` ([BPM] "Create a recurring bill"). */
export interface BillRecurringBillInput {
  vendorId: string;
  description?: string;
  schedule: { period: 'WEEKLY' | 'MONTHLY' | 'YEARLY'; frequency: number; nextDueDate: string; endDate?: string; daysInAdvance?: number };
  recurringBillLineItems: readonly { amount: DecimalString; description?: string; classifications?: Readonly<Record<string, string>> }[];
  processingOptions?: { autoPayment?: boolean };
}

export interface BillChartOfAccountInput {
  name: string;
  description?: string;
  parentId?: string;
  account?: { type?: string; number?: string };
}

export interface BillSubscriptionInput {
  name: string;
  notificationUrl: string;
  events: ReadonlyArray<{ type: string; version: string }>;
  enabled?: boolean;
}

const AMOUNT_KEYS: ReadonlySet<string> = new Set(['amount', 'quantity', 'price']);

/** Deep copy with decimal-string amounts turned into JSON numbers (see decimal-amount.ts). */
export function encodeBill(value: unknown): unknown {
  return encodeAmounts(value, AMOUNT_KEYS);
}
